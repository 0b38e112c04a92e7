//! The server-side-request-forgery guard: which addresses discovery refuses to look at unless
//! told otherwise. It covers the literal a caller gives and every address a name resolves to,
//! and the HTTP probe connects only to an address that passed it (no second resolution a
//! rebinding DNS server could answer differently).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is refused, or `None` when it is a public address.
pub fn refusal(addr: IpAddr) -> Option<&'static str> {
    match addr {
        IpAddr::V4(a) => refusal_v4(a),
        IpAddr::V6(a) => refusal_v6(a),
    }
}

fn refusal_v4(a: Ipv4Addr) -> Option<&'static str> {
    let [o0, o1, ..] = a.octets();
    if a.is_loopback() {
        Some("loopback")
    } else if a.is_private() {
        Some("private")
    } else if a.is_link_local() {
        Some("link-local")
    } else if a.is_unspecified() || o0 == 0 {
        Some("unspecified (\"this network\")")
    } else if o0 == 100 && (o1 & 0xc0) == 64 {
        Some("shared address space (carrier-grade NAT)")
    } else if a.is_broadcast() || a.is_multicast() || o0 >= 240 {
        Some("multicast, broadcast or reserved")
    } else {
        None
    }
}

fn refusal_v6(a: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = a.to_ipv4_mapped() {
        return refusal_v4(v4);
    }
    let s0 = a.segments()[0];
    if a.is_loopback() {
        Some("loopback")
    } else if a.is_unspecified() {
        Some("unspecified")
    } else if (s0 & 0xfe00) == 0xfc00 {
        Some("private (unique local)")
    } else if (s0 & 0xffc0) == 0xfe80 {
        Some("link-local")
    } else if (s0 & 0xff00) == 0xff00 {
        Some("multicast")
    } else {
        None
    }
}

/// Why a published range cannot hold real provider addresses (documentation, benchmarking,
/// IETF protocol space, or anything [`refusal`] names), or `None` for ordinary space. Some
/// published lists carry such entries (Vultr's geofeed lists the three IPv4 documentation
/// blocks); the parsers skip them.
pub fn special_purpose(net: ipnet::IpNet) -> Option<&'static str> {
    const V4: &[(&str, &str)] = &[
        ("192.0.2.0/24", "documentation (TEST-NET-1)"),
        ("198.51.100.0/24", "documentation (TEST-NET-2)"),
        ("203.0.113.0/24", "documentation (TEST-NET-3)"),
        ("198.18.0.0/15", "benchmarking"),
        ("192.0.0.0/24", "IETF protocol assignments"),
    ];
    const V6: &[(&str, &str)] = &[
        ("2001:db8::/32", "documentation"),
        ("2001::/23", "IETF protocol assignments"),
    ];
    let table = if net.addr().is_ipv4() { V4 } else { V6 };
    for (block, why) in table {
        if let Ok(block) = block.parse::<ipnet::IpNet>() {
            if block.contains(&net) || net.contains(&block) {
                return Some(why);
            }
        }
    }
    refusal(net.network()).or_else(|| refusal(net.broadcast()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> bool {
        refusal(text.parse().expect("address")).is_some()
    }

    #[test]
    fn private_loopback_and_link_local_are_refused() {
        for a in [
            "127.0.0.1",
            "127.255.0.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(refused(a), "{a} should be refused");
        }
    }

    #[test]
    fn special_purpose_ranges_are_named() {
        let special = |t: &str| special_purpose(t.parse().expect("net"));
        assert!(special("192.0.2.0/24").is_some());
        assert!(special("2001:db8::/32").is_some());
        assert!(special("2001:10::/28").is_some());
        assert!(special("10.0.0.0/8").is_some());
        assert!(special("151.101.0.0/16").is_none());
        assert!(special("2a04:4e42::/32").is_none());
    }

    #[test]
    fn public_addresses_pass() {
        for a in [
            "151.101.1.140",
            "172.32.0.1",
            "100.128.0.1",
            "8.8.8.8",
            "2a04:4e42::1",
            "::ffff:151.101.1.140",
        ] {
            assert!(!refused(a), "{a} should pass");
        }
    }
}

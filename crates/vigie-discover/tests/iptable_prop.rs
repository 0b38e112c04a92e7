//! Property test: the flattened longest-prefix-match table agrees with a brute-force scan over
//! the same ranges (and with prefix-trie's own trie walk), for random nested and overlapping
//! IPv4 and IPv6 prefixes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use proptest::prelude::*;
use vigie_discover::iptable::{IpTable, RangeEntry, RangeInfo};

/// The answer a brute-force scan gives: the longest prefix containing `addr`; among equal
/// prefixes the highest rank, then the first entry.
fn brute_force(entries: &[RangeEntry], addr: IpAddr) -> Option<(IpNet, String)> {
    let mut best: Option<(&RangeEntry, usize)> = None;
    for (i, e) in entries.iter().enumerate() {
        let net = e.net.trunc();
        if !net.contains(&addr) {
            continue;
        }
        let better = match best {
            None => true,
            Some((b, _)) => {
                let bn = b.net.trunc();
                net.prefix_len() > bn.prefix_len()
                    || (net.prefix_len() == bn.prefix_len() && e.rank > b.rank)
            }
        };
        if better {
            best = Some((e, i));
        }
    }
    best.map(|(e, _)| (e.net.trunc(), e.info.component.clone()))
}

fn entry(net: IpNet, component: usize, rank: u8) -> RangeEntry {
    RangeEntry {
        net,
        info: RangeInfo {
            component: format!("c{component}"),
            label: format!("label {component}"),
        },
        rank,
    }
}

/// IPv4 prefixes clustered in a small space (10.0.0.0/8-ish), so they nest and overlap a lot.
fn v4_entry() -> impl Strategy<Value = RangeEntry> {
    (0u32..1 << 12, 4u8..=32, 0usize..6, 0u8..4).prop_map(|(bits, len, c, rank)| {
        let addr = Ipv4Addr::from(0x0a00_0000 | (bits << 12) | (bits & 0xfff));
        let net = Ipv4Net::new(addr, len).expect("valid length");
        entry(IpNet::V4(net), c, rank)
    })
}

fn v6_entry() -> impl Strategy<Value = RangeEntry> {
    (0u128..1 << 16, 8u8..=128, 0usize..6, 0u8..4).prop_map(|(bits, len, c, rank)| {
        let addr = Ipv6Addr::from((0x2001u128 << 112) | (bits << 96) | bits);
        let net = Ipv6Net::new(addr, len).expect("valid length");
        entry(IpNet::V6(net), c, rank)
    })
}

/// Probe addresses: random ones near the prefixes, plus every prefix's first and last address
/// and the addresses just outside it.
fn probes(entries: &[RangeEntry], random: &[u32]) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = random
        .iter()
        .map(|r| IpAddr::V4(Ipv4Addr::from(0x0a00_0000 | (r & 0x00ff_ffff))))
        .collect();
    for e in entries {
        match e.net.trunc() {
            IpNet::V4(n) => {
                let lo = u32::from(n.network());
                let hi = u32::from(n.broadcast());
                for a in [lo.wrapping_sub(1), lo, hi, hi.wrapping_add(1)] {
                    out.push(IpAddr::V4(Ipv4Addr::from(a)));
                }
            }
            IpNet::V6(n) => {
                let lo = u128::from(n.network());
                let hi = u128::from(n.broadcast());
                for a in [lo.wrapping_sub(1), lo, hi, hi.wrapping_add(1)] {
                    out.push(IpAddr::V6(Ipv6Addr::from(a)));
                }
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn lookup_matches_brute_force(
        v4 in prop::collection::vec(v4_entry(), 0..60),
        v6 in prop::collection::vec(v6_entry(), 0..30),
        random in prop::collection::vec(any::<u32>(), 50),
    ) {
        let entries: Vec<RangeEntry> = v4.into_iter().chain(v6).collect();
        let table = IpTable::build(entries.clone());
        for addr in probes(&entries, &random) {
            let want = brute_force(&entries, addr);
            let got = table.lookup(addr).map(|m| (m.net, m.component.to_string()));
            prop_assert_eq!(&got, &want, "address {}", addr);
            prop_assert_eq!(
                table.lookup_component(addr).map(str::to_string),
                want.as_ref().map(|w| w.1.clone()),
                "component for {}", addr
            );
            prop_assert_eq!(
                table.lookup_trie(addr).map(str::to_string),
                want.map(|w| w.1),
                "trie for {}", addr
            );
        }
    }
}

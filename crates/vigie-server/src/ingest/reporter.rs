//! Who is reporting, without knowing who: a reporter is a salted hash of its network prefix.
//!
//! The peer address (or, from a trusted proxy only, the client named in `X-Forwarded-For`) is
//! turned into a [`NetworkPrefix`] (/24 for IPv4, /48 for IPv6) as soon as it is read; the raw
//! address is never stored, logged, or kept past that call. The prefix is then hashed with a
//! salt derived from the server secret and the UTC day, so keys rotate daily and cannot be
//! reversed without the secret (which lives in the store's kv and never leaves the server).
//! The same machinery signs the CSRF tokens of the HTML report form.

use std::net::IpAddr;
use std::sync::RwLock;

use axum::http::HeaderMap;
use ipnet::IpNet;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use vigie_core::time::DAY_MS;
use vigie_core::Timestamp;

/// A reporter's network: the /24 of an IPv4 address or the /48 of an IPv6 address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NetworkPrefix {
    V4([u8; 3]),
    V6([u8; 6]),
}

/// The wider network a rate limit is shared over: /16 for IPv4, /32 for IPv6.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WidePrefix {
    V4([u8; 2]),
    V6([u8; 4]),
}

impl NetworkPrefix {
    /// The prefix of an address; IPv4-mapped IPv6 addresses count as IPv4.
    pub fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => {
                let o = v4.octets();
                NetworkPrefix::V4([o[0], o[1], o[2]])
            }
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => NetworkPrefix::of(IpAddr::V4(v4)),
                None => {
                    let o = v6.octets();
                    NetworkPrefix::V6([o[0], o[1], o[2], o[3], o[4], o[5]])
                }
            },
        }
    }

    pub fn wide(&self) -> WidePrefix {
        match *self {
            NetworkPrefix::V4(o) => WidePrefix::V4([o[0], o[1]]),
            NetworkPrefix::V6(o) => WidePrefix::V6([o[0], o[1], o[2], o[3]]),
        }
    }

    /// Feeds the prefix to a hash: a version byte (4 or 6), then the prefix's bytes.
    fn hash_into(&self, h: &mut Sha256) {
        match self {
            NetworkPrefix::V4(o) => {
                h.update([4u8]);
                h.update(o);
            }
            NetworkPrefix::V6(o) => {
                h.update([6u8]);
                h.update(o);
            }
        }
    }
}

/// The client's address as this server believes it: the peer, or — when the peer is a trusted
/// proxy — the right-most address in `X-Forwarded-For` that is not itself a trusted proxy.
/// A malformed header from a trusted proxy falls back to the peer.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut hops: Vec<IpAddr> = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let Ok(text) = value.to_str() else {
            return peer;
        };
        for part in text.split(',') {
            match parse_forwarded_addr(part.trim()) {
                Some(ip) => hops.push(ip),
                None => return peer,
            }
        }
    }
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        client = hop;
        if !is_trusted(&hop) {
            break;
        }
    }
    client
}

/// `203.0.113.7`, `2001:db8::1`, `[2001:db8::1]:443` or `203.0.113.7:80`.
fn parse_forwarded_addr(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sock) = text.parse::<std::net::SocketAddr>() {
        return Some(sock.ip());
    }
    None
}

/// An opaque reporter key (hex), stable for one prefix within one UTC day.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ReporterKey(pub String);

/// Derives reporter keys and CSRF tokens from the server secret.
pub struct ReporterKeys {
    secret: [u8; 32],
    /// The salt of the last day a key was made for, as (day, salt): deriving it costs two
    /// SHA-256 blocks, the key itself one, and the day changes once a day.
    salt_cache: RwLock<Option<(i64, [u8; 32])>>,
}

impl Clone for ReporterKeys {
    fn clone(&self) -> Self {
        ReporterKeys::new(self.secret)
    }
}

impl std::fmt::Debug for ReporterKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReporterKeys(<secret>)")
    }
}

/// The UTC day number of an instant (days since 1970-01-01).
pub fn day_of(at: Timestamp) -> i64 {
    at.as_millis().div_euclid(DAY_MS)
}

impl ReporterKeys {
    pub fn new(secret: [u8; 32]) -> Self {
        ReporterKeys {
            secret,
            salt_cache: RwLock::new(None),
        }
    }

    /// A fresh random secret, for a store that has none yet.
    pub fn generate_secret() -> [u8; 32] {
        rand::random()
    }

    fn day_salt(&self, day: i64) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"vigie reporter salt v1\0");
        h.update(self.secret);
        h.update(day.to_be_bytes());
        h.finalize().into()
    }

    /// [`ReporterKeys::day_salt`], remembered for the last day asked for.
    fn cached_day_salt(&self, day: i64) -> [u8; 32] {
        // The cache holds plain values: a panic elsewhere cannot leave it inconsistent.
        if let Some((d, salt)) = *self.salt_cache.read().unwrap_or_else(|p| p.into_inner()) {
            if d == day {
                return salt;
            }
        }
        let salt = self.day_salt(day);
        *self.salt_cache.write().unwrap_or_else(|p| p.into_inner()) = Some((day, salt));
        salt
    }

    /// The reporter key of `prefix` on the UTC day containing `at`.
    pub fn key(&self, prefix: &NetworkPrefix, at: Timestamp) -> ReporterKey {
        let mut h = Sha256::new();
        h.update(self.cached_day_salt(day_of(at)));
        prefix.hash_into(&mut h);
        let digest = h.finalize();
        ReporterKey(hex::encode(&digest[..16]))
    }

    fn csrf_for_day(&self, prefix: &NetworkPrefix, service: &str, day: i64) -> String {
        let mut h = Sha256::new();
        h.update(b"vigie csrf v1\0");
        h.update(self.day_salt(day));
        prefix.hash_into(&mut h);
        h.update(service.as_bytes());
        hex::encode(&h.finalize()[..16])
    }

    /// The CSRF token the report form for `service` carries for a client on `prefix`.
    /// Bound to the client's network, so a token fetched by a third party is useless to it.
    pub fn csrf_token(&self, prefix: &NetworkPrefix, service: &str, at: Timestamp) -> String {
        self.csrf_for_day(prefix, service, day_of(at))
    }

    /// Checks a form's token in constant time; tokens from today and yesterday are accepted
    /// so a form loaded just before midnight still works.
    pub fn verify_csrf(
        &self,
        prefix: &NetworkPrefix,
        service: &str,
        at: Timestamp,
        token: &str,
    ) -> bool {
        let day = day_of(at);
        let mut ok = subtle::Choice::from(0u8);
        for d in [day, day - 1] {
            let expected = self.csrf_for_day(prefix, service, d);
            // Lengths are public (always 32 hex chars); compare contents in constant time.
            if expected.len() == token.len() {
                ok |= expected.as_bytes().ct_eq(token.as_bytes());
            }
        }
        bool::from(ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn xff(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn prefixes() {
        assert_eq!(
            NetworkPrefix::of(ip("203.0.113.77")),
            NetworkPrefix::V4([203, 0, 113])
        );
        assert_eq!(
            NetworkPrefix::of(ip("203.0.113.77")),
            NetworkPrefix::of(ip("203.0.113.1"))
        );
        assert_eq!(
            NetworkPrefix::of(ip("::ffff:203.0.113.9")),
            NetworkPrefix::V4([203, 0, 113])
        );
        assert_eq!(
            NetworkPrefix::of(ip("2001:db8:abcd:1::1")),
            NetworkPrefix::of(ip("2001:db8:abcd:ffff::2"))
        );
        assert_ne!(
            NetworkPrefix::of(ip("2001:db8:abcd::1")),
            NetworkPrefix::of(ip("2001:db8:abce::1"))
        );
        assert_eq!(
            NetworkPrefix::of(ip("10.1.2.3")).wide(),
            WidePrefix::V4([10, 1])
        );
    }

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let trusted = nets(&["127.0.0.1/32"]);
        let h = xff("198.51.100.4");
        assert_eq!(client_ip(ip("127.0.0.1"), &h, &trusted), ip("198.51.100.4"));
        assert_eq!(client_ip(ip("192.0.2.9"), &h, &trusted), ip("192.0.2.9"));
        // A spoofed left-most entry is ignored: the right-most untrusted hop is the client.
        let h = xff("1.2.3.4, 198.51.100.4");
        assert_eq!(client_ip(ip("127.0.0.1"), &h, &trusted), ip("198.51.100.4"));
        // Chains of trusted proxies are walked.
        let trusted = nets(&["127.0.0.1/32", "10.0.0.0/8"]);
        let h = xff("198.51.100.4, 10.0.0.2");
        assert_eq!(client_ip(ip("127.0.0.1"), &h, &trusted), ip("198.51.100.4"));
        // Garbage falls back to the peer.
        assert_eq!(
            client_ip(ip("127.0.0.1"), &xff("nonsense"), &trusted),
            ip("127.0.0.1")
        );
        // No header: the peer.
        assert_eq!(
            client_ip(ip("127.0.0.1"), &HeaderMap::new(), &trusted),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn keys_rotate_daily_and_hide_the_prefix() {
        let keys = ReporterKeys::new([7; 32]);
        let p = NetworkPrefix::of(ip("203.0.113.77"));
        let t = Timestamp::parse_rfc3339("2026-01-01T10:00:00Z").unwrap();
        let later = Timestamp::parse_rfc3339("2026-01-01T23:59:00Z").unwrap();
        let next_day = Timestamp::parse_rfc3339("2026-01-02T00:01:00Z").unwrap();
        assert_eq!(keys.key(&p, t), keys.key(&p, later));
        assert_ne!(keys.key(&p, t), keys.key(&p, next_day));
        assert!(!keys.key(&p, t).0.contains("203"));
        let other = ReporterKeys::new([8; 32]);
        assert_ne!(keys.key(&p, t), other.key(&p, t));
        // The cached day salt gives the keys a fresh instance derives, whichever day came
        // first, and going back a day is not served from the cache.
        let fresh = ReporterKeys::new([7; 32]);
        assert_eq!(fresh.key(&p, next_day), keys.key(&p, next_day));
        assert_eq!(fresh.key(&p, t), keys.key(&p, t));
        assert_ne!(fresh.key(&p, t), fresh.key(&p, next_day));
    }

    #[test]
    fn csrf_tokens_bind_service_network_and_day() {
        let keys = ReporterKeys::new([7; 32]);
        let p = NetworkPrefix::of(ip("203.0.113.77"));
        let q = NetworkPrefix::of(ip("198.51.100.1"));
        let t = Timestamp::parse_rfc3339("2026-01-01T23:59:00Z").unwrap();
        let tok = keys.csrf_token(&p, "reddit", t);
        assert!(keys.verify_csrf(&p, "reddit", t, &tok));
        let next_day = Timestamp::parse_rfc3339("2026-01-02T00:05:00Z").unwrap();
        assert!(keys.verify_csrf(&p, "reddit", next_day, &tok));
        let two_days = Timestamp::parse_rfc3339("2026-01-03T00:05:00Z").unwrap();
        assert!(!keys.verify_csrf(&p, "reddit", two_days, &tok));
        assert!(!keys.verify_csrf(&q, "reddit", t, &tok));
        assert!(!keys.verify_csrf(&p, "twitch", t, &tok));
        assert!(!keys.verify_csrf(&p, "reddit", t, ""));
    }
}

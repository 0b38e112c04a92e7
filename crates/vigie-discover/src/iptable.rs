//! The IP-prefix table: longest-prefix match from an address to the component whose published
//! range holds it.
//!
//! Building goes through `prefix-trie`'s `PrefixMap`, which also settles duplicates (the same
//! prefix listed by several entries keeps the highest rank; AWS lists most prefixes twice, once
//! as `AMAZON` and once as the specific service). Lookups then run on a flattened form: the
//! address space is cut into disjoint intervals, each carrying the answer of the longest prefix
//! that covers it, and a lookup is one binary search over the interval starts. That is both
//! simpler to reason about and faster than walking the trie (see benches/ip_lookup.rs).

use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use prefix_trie::PrefixMap;

/// What one published range says about the addresses it holds.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RangeInfo {
    /// The component id (`aws/us-east-1`).
    pub component: String,
    /// Human words for the evidence: which list and which entry (`AWS EC2 us-east-1`).
    pub label: String,
}

/// One range to put in the table.
#[derive(Clone, Debug)]
pub struct RangeEntry {
    pub net: IpNet,
    pub info: RangeInfo,
    /// Tie-break between entries with the same prefix: the higher rank wins, then the first.
    pub rank: u8,
}

/// The answer to a lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpMatch<'t> {
    /// The published prefix that holds the address (the longest one).
    pub net: IpNet,
    pub component: &'t str,
    pub label: &'t str,
}

/// Sentinel for "no prefix covers this interval".
const NONE: u32 = u32::MAX;

/// Disjoint intervals over one address family: `starts[i]..starts[i+1]` maps to `values[i]`.
#[derive(Clone, Debug, Default)]
struct Intervals<A> {
    starts: Vec<A>,
    values: Vec<u32>,
}

impl<A: Copy + Ord> Intervals<A> {
    #[inline]
    fn get(&self, addr: A) -> u32 {
        let i = self.starts.partition_point(|s| *s <= addr);
        if i == 0 {
            NONE
        } else {
            self.values[i - 1]
        }
    }
}

/// Longest-prefix-match table over IPv4 and IPv6 ranges.
#[derive(Clone, Debug, Default)]
pub struct IpTable {
    infos: Vec<RangeInfo>,
    /// Every distinct prefix kept, with its info index and rank.
    v4_prefixes: PrefixMap<Ipv4Net, (u32, u8)>,
    v6_prefixes: PrefixMap<Ipv6Net, (u32, u8)>,
    v4: Intervals<u32>,
    v6: Intervals<u128>,
    /// Per interval slot: the prefix that produced it and its info index.
    v4_slots: Vec<(Ipv4Net, u32)>,
    v6_slots: Vec<(Ipv6Net, u32)>,
}

impl IpTable {
    /// Builds the table. Entries are taken in order; see [`RangeEntry::rank`] for duplicates.
    pub fn build(entries: impl IntoIterator<Item = RangeEntry>) -> IpTable {
        let mut infos: Vec<RangeInfo> = Vec::new();
        let mut info_index: HashMap<RangeInfo, u32> = HashMap::new();
        let mut v4_prefixes: PrefixMap<Ipv4Net, (u32, u8)> = PrefixMap::new();
        let mut v6_prefixes: PrefixMap<Ipv6Net, (u32, u8)> = PrefixMap::new();
        for entry in entries {
            let next = infos.len() as u32;
            let index = *info_index.entry(entry.info.clone()).or_insert_with(|| {
                infos.push(entry.info);
                next
            });
            match entry.net.trunc() {
                IpNet::V4(net) => keep_best(&mut v4_prefixes, net, index, entry.rank),
                IpNet::V6(net) => keep_best(&mut v6_prefixes, net, index, entry.rank),
            }
        }
        let (v4, v4_slots) = flatten(
            v4_prefixes
                .iter()
                .map(|(net, (info, _))| {
                    (
                        u32::from(net.network()),
                        u32::from(net.broadcast()),
                        net,
                        *info,
                    )
                })
                .collect(),
            |e: u32| e.checked_add(1),
        );
        let (v6, v6_slots) = flatten(
            v6_prefixes
                .iter()
                .map(|(net, (info, _))| {
                    (
                        u128::from(net.network()),
                        u128::from(net.broadcast()),
                        net,
                        *info,
                    )
                })
                .collect(),
            |e: u128| e.checked_add(1),
        );
        IpTable {
            infos,
            v4_prefixes,
            v6_prefixes,
            v4,
            v6,
            v4_slots,
            v6_slots,
        }
    }

    /// The longest published prefix holding `addr`, if any.
    #[inline]
    pub fn lookup(&self, addr: IpAddr) -> Option<IpMatch<'_>> {
        let (net, info) = match addr {
            IpAddr::V4(a) => {
                let (net, info) = self.v4_slots.get(self.v4.get(u32::from(a)) as usize)?;
                (IpNet::V4(*net), *info)
            }
            IpAddr::V6(a) => {
                let (net, info) = self.v6_slots.get(self.v6.get(u128::from(a)) as usize)?;
                (IpNet::V6(*net), *info)
            }
        };
        let info = self.infos.get(info as usize)?;
        Some(IpMatch {
            net,
            component: &info.component,
            label: &info.label,
        })
    }

    /// The component id for `addr` alone: the fast path the benchmark measures.
    #[inline]
    pub fn lookup_component(&self, addr: IpAddr) -> Option<&str> {
        let info = match addr {
            IpAddr::V4(a) => self.v4_slots.get(self.v4.get(u32::from(a)) as usize)?.1,
            IpAddr::V6(a) => self.v6_slots.get(self.v6.get(u128::from(a)) as usize)?.1,
        };
        self.infos.get(info as usize).map(|i| i.component.as_str())
    }

    /// Every distinct prefix kept, with what it maps to.
    pub fn prefixes(&self) -> impl Iterator<Item = (IpNet, &RangeInfo)> + '_ {
        let v4 = self
            .v4_prefixes
            .iter()
            .map(|(n, (i, _))| (IpNet::V4(n), &self.infos[*i as usize]));
        let v6 = self
            .v6_prefixes
            .iter()
            .map(|(n, (i, _))| (IpNet::V6(n), &self.infos[*i as usize]));
        v4.chain(v6)
    }

    /// How many distinct prefixes the table holds (IPv4, IPv6).
    pub fn len(&self) -> (usize, usize) {
        (self.v4_prefixes.len(), self.v6_prefixes.len())
    }

    pub fn is_empty(&self) -> bool {
        self.v4_prefixes.len() == 0 && self.v6_prefixes.len() == 0
    }

    /// Trie walk (prefix-trie's own longest-prefix match), kept as a second implementation for
    /// the benchmark and the tests.
    pub fn lookup_trie(&self, addr: IpAddr) -> Option<&str> {
        let index = match addr {
            IpAddr::V4(a) => self
                .v4_prefixes
                .get_lpm(&Ipv4Net::from(a))
                .map(|(_, v)| v.0),
            IpAddr::V6(a) => self
                .v6_prefixes
                .get_lpm(&Ipv6Net::from(a))
                .map(|(_, v)| v.0),
        }?;
        self.infos.get(index as usize).map(|i| i.component.as_str())
    }
}

fn keep_best<P: prefix_trie::Prefix>(
    map: &mut PrefixMap<P, (u32, u8)>,
    net: P,
    index: u32,
    rank: u8,
) {
    match map.get_mut(&net) {
        Some(existing) if existing.1 >= rank => {}
        Some(existing) => *existing = (index, rank),
        None => {
            map.insert(net, (index, rank));
        }
    }
}

/// Cuts nested prefixes into disjoint intervals. Sorted by start address, a covering prefix
/// before the prefixes it covers, a stack of the open prefixes yields at each point the
/// innermost (longest) one. Returns the intervals (valued by slot) and, per slot, the prefix and
/// its info index.
fn flatten<A, N>(
    mut prefixes: Vec<(A, A, N, u32)>,
    succ: impl Fn(A) -> Option<A>,
) -> (Intervals<A>, Vec<(N, u32)>)
where
    A: Copy + Ord,
    N: Copy,
{
    prefixes.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut out = Intervals {
        starts: Vec::new(),
        values: Vec::new(),
    };
    let mut slots: Vec<(N, u32)> = Vec::with_capacity(prefixes.len());
    // Open prefixes: (last address, slot).
    let mut stack: Vec<(A, u32)> = Vec::new();
    for (start, end, net, info) in prefixes {
        while let Some(&(open_end, _)) = stack.last() {
            if open_end >= start {
                break;
            }
            stack.pop();
            let resume = stack.last().map_or(NONE, |open| open.1);
            if let Some(after) = succ(open_end) {
                out.push(after, resume);
            }
        }
        let slot = slots.len() as u32;
        slots.push((net, info));
        out.push(start, slot);
        stack.push((end, slot));
    }
    while let Some((open_end, _)) = stack.pop() {
        let resume = stack.last().map_or(NONE, |open| open.1);
        if let Some(after) = succ(open_end) {
            out.push(after, resume);
        }
    }
    (out, slots)
}

impl<A: Copy + Ord> Intervals<A> {
    /// Appends an interval start; a start equal to the last one replaces its value (an inner
    /// prefix closing where its parent closes), a value equal to the last one merges.
    fn push(&mut self, at: A, value: u32) {
        if self.starts.last() == Some(&at) {
            if let Some(last) = self.values.last_mut() {
                *last = value;
            }
            return;
        }
        if self.values.last() == Some(&value) {
            return;
        }
        self.starts.push(at);
        self.values.push(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(net: &str, component: &str, rank: u8) -> RangeEntry {
        RangeEntry {
            net: net.parse().expect("test prefix"),
            info: RangeInfo {
                component: component.into(),
                label: format!("test {component}"),
            },
            rank,
        }
    }

    #[test]
    fn longest_prefix_wins_and_ranks_break_ties() {
        let table = IpTable::build([
            entry("52.0.0.0/8", "aws", 1),
            entry("52.94.0.0/16", "aws/us-east-1", 1),
            entry("52.94.0.0/16", "aws/us-east-1/dynamodb", 3),
            entry("52.94.0.0/16", "aws/us-east-1", 2),
            entry("2600:1f00::/24", "aws", 1),
        ]);
        let get = |a: &str| {
            table
                .lookup(a.parse().expect("addr"))
                .map(|m| m.component.to_string())
        };
        assert_eq!(get("52.94.1.2").as_deref(), Some("aws/us-east-1/dynamodb"));
        assert_eq!(get("52.95.1.2").as_deref(), Some("aws"));
        assert_eq!(get("52.255.255.255").as_deref(), Some("aws"));
        assert_eq!(get("53.0.0.0"), None);
        assert_eq!(get("51.255.255.255"), None);
        assert_eq!(get("2600:1f00::1").as_deref(), Some("aws"));
        assert_eq!(get("::1"), None);
        let m = table
            .lookup("52.94.9.9".parse().expect("addr"))
            .expect("hit");
        assert_eq!(m.net.to_string(), "52.94.0.0/16");
    }

    #[test]
    fn edges_of_the_address_space() {
        let table = IpTable::build([
            entry("0.0.0.0/8", "low", 1),
            entry("255.0.0.0/8", "high", 1),
            entry("255.255.255.255/32", "top", 1),
        ]);
        let get = |a: &str| table.lookup_component(a.parse().expect("addr"));
        assert_eq!(get("0.0.0.0"), Some("low"));
        assert_eq!(get("1.0.0.0"), None);
        assert_eq!(get("255.255.255.254"), Some("high"));
        assert_eq!(get("255.255.255.255"), Some("top"));
    }
}

//! Vantage agreement: services that fail from the *same few* vantages at once share a cause.
//!
//! A component failure that only some vantages see (a region, a CDN's points of presence, a
//! network path) shows the same [`Footprint`] on every dependent it hits, while services that
//! fail for their own reasons are mostly seen failing from every vantage, and when not, from
//! no particular subset. So for a hypothesis H, each impaired dependent after the first that
//! fails from exactly the same proper subset of vantages multiplies the likelihood ratio
//! against "no common cause" by
//!
//! ```text
//! P(same footprint | H) / P(same footprint | independent) = MATCH_GIVEN_COMMON / p(F)
//! p(F) = max( LONE_PARTIAL_SHARE / (2^n − 2),  share of the other impaired services failing with F )
//! ```
//!
//! where `n` is the number of live vantages: a service's own failure is seen from a proper
//! subset of its vantages with probability `LONE_PARTIAL_SHARE`, spread evenly over the
//! `2^n − 2` proper non-empty subsets. The empirical share, taken among the impaired services
//! that do not rely on H, guards against a broken vantage: when one vantage's own network
//! fails, most services fail from it alone, `p(F)` is large and agreement on it is worth
//! nothing. Healthy services are not counted in it, so adding healthy non-dependents still
//! never raises a score. Only the best group of agreeing dependents counts
//! (a failure has one footprint), and the gain is never negative: dependents that fail from
//! every vantage, or from different subsets, are weighed by the rest of the model alone.
//! docs/attribution.md, "Vantage agreement", gives the numbers.

pub use crate::engine::Footprint;

/// P(a further dependent hit by a common cause fails from the same proper subset of vantages
/// as the others): below 1 because a regional failure can still reach some of a dependent's
/// vantages (another point of presence, a retry) and full failures are seen everywhere.
pub const MATCH_GIVEN_COMMON: f64 = 0.5;

/// The share of a service's own failures seen from only some of its live vantages.
pub const LONE_PARTIAL_SHARE: f64 = 0.25;

/// Live vantages beyond this many do not make a subset any rarer (keeps `2^n` finite).
const MAX_LIVE: u16 = 20;

/// One impaired dependent's footprint (its number in this tick's [`Footprints`]), with what
/// agreeing on it is worth to the hypothesis at hand.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mark {
    pub key: u8,
    /// ln(MATCH_GIVEN_COMMON / p(F)), at least 0.
    pub gain: f64,
}

/// The footprints of this tick's impaired services, numbered 1 to 255 in order of first
/// appearance (0: none), with how many impaired services fail with each. Services keep only
/// that one-byte number, so scoring reads no more memory than before; a tick with more than
/// 255 distinct footprints (more than eight vantages) leaves the rest out.
#[derive(Clone, Debug, Default)]
pub struct Footprints {
    /// (footprint, impaired services failing with it), number − 1 as index.
    table: Vec<(Footprint, u32)>,
    /// Per service: its number this tick.
    number: Vec<u8>,
    /// The services with a number, to reset.
    numbered: Vec<u32>,
    impaired: usize,
}

impl Footprints {
    pub fn new(services: usize) -> Self {
        Footprints {
            number: vec![0; services],
            ..Footprints::default()
        }
    }

    /// Forgets the last tick's footprints.
    pub fn clear(&mut self) {
        for &s in &self.numbered {
            self.number[s as usize] = 0;
        }
        self.numbered.clear();
        self.table.clear();
        self.impaired = 0;
    }

    /// Records the footprint of an impaired service.
    pub fn record(&mut self, service: u32, f: Footprint) {
        let n = match self.table.iter().position(|(g, _)| *g == f) {
            Some(i) => i,
            None if self.table.len() < u8::MAX as usize => {
                self.table.push((f, 0));
                self.table.len() - 1
            }
            None => return,
        };
        self.table[n].1 += 1;
        self.number[service as usize] = (n + 1) as u8;
        self.numbered.push(service);
    }

    /// How many services are impaired this tick, with a footprint or not.
    pub fn set_impaired(&mut self, impaired: usize) {
        self.impaired = impaired;
    }

    /// A service's footprint number this tick (0: none).
    pub fn of(&self, service: u32) -> u8 {
        self.number[service as usize]
    }

    /// The footprint with this number.
    pub fn get(&self, number: u8) -> Option<Footprint> {
        (number > 0).then(|| self.table[number as usize - 1].0)
    }

    /// What agreeing on each footprint is worth to a hypothesis, given the footprint numbers
    /// of all of its impaired dependents (0 for those failing from every vantage or through
    /// reports alone): `p(F)` counts the impaired services that do *not* rely on it. Healthy
    /// services are not counted, so adding healthy non-dependents changes nothing.
    pub fn outside(&self, inside: impl Iterator<Item = u8>) -> Outside {
        let mut marks: Vec<(u8, u32)> = Vec::new();
        let mut dependents = 0usize;
        for n in inside {
            dependents += 1;
            if n == 0 {
                continue;
            }
            match marks.iter_mut().find(|m| m.0 == n) {
                Some(m) => m.1 += 1,
                None => marks.push((n, 1)),
            }
        }
        let others = self.impaired.saturating_sub(dependents);
        Outside {
            marks: marks
                .into_iter()
                .map(|(n, inside)| {
                    let (f, all) = self.table[n as usize - 1];
                    let out = all.saturating_sub(inside) as f64;
                    let share = if others > 0 { out / others as f64 } else { 0.0 };
                    (n, gain(f.live, share))
                })
                .collect(),
        }
    }
}

/// `ln(MATCH_GIVEN_COMMON / p(F))`, at least 0, for a footprint over `live` vantages whose
/// share among the impaired services not relying on the hypothesis is `share`.
fn gain(live: u16, share: f64) -> f64 {
    let live = live.clamp(2, MAX_LIVE);
    let floor = LONE_PARTIAL_SHARE / ((1u64 << live) - 2) as f64;
    (MATCH_GIVEN_COMMON / floor.max(share)).ln().max(0.0)
}

/// For one hypothesis: what agreeing on each of its dependents' footprints is worth, computed
/// once per tick.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outside {
    marks: Vec<(u8, f64)>,
}

impl Outside {
    /// The mark of a dependent with footprint number `n` (none for 0, or for a footprint none
    /// of the hypothesis' dependents has).
    pub fn mark(&self, n: u8) -> Option<Mark> {
        if n == 0 {
            return None;
        }
        self.marks
            .iter()
            .find(|m| m.0 == n)
            .map(|&(key, gain)| Mark { key, gain })
    }
}

/// The log-likelihood gain of the best group of dependents failing with one footprint:
/// `(g − 1)` times the smallest gain in the group (the first member of a group is no
/// evidence; it only says which footprint the others must share). Linear in the marks; the
/// distinct footprints are few (at most 2^n − 2 for n vantages).
pub fn agreement(marks: impl IntoIterator<Item = Mark>) -> f64 {
    // (key, members, least gain)
    let mut groups: Vec<(u8, u32, f64)> = Vec::new();
    for m in marks {
        match groups.iter_mut().find(|g| g.0 == m.key) {
            Some(g) => {
                g.1 += 1;
                g.2 = g.2.min(m.gain);
            }
            None => groups.push((m.key, 1, m.gain)),
        }
    }
    groups
        .iter()
        .map(|&(_, n, least)| (n - 1) as f64 * least)
        .fold(0.0, f64::max)
}

/// The largest group of explained services sharing a footprint worth something to the
/// hypothesis (for the explanation): its size and footprint, when at least two.
pub fn best_group(
    numbers: impl Iterator<Item = u8>,
    outside: &Outside,
    footprints: &Footprints,
) -> Option<(usize, Footprint)> {
    let mut groups: Vec<(u8, usize)> = Vec::new();
    for n in numbers.filter(|&n| outside.mark(n).is_some_and(|m| m.gain > 0.0)) {
        match groups.iter_mut().find(|(g, _)| *g == n) {
            Some((_, c)) => *c += 1,
            None => groups.push((n, 1)),
        }
    }
    groups
        .into_iter()
        .filter(|&(_, c)| c >= 2)
        .max_by_key(|&(_, c)| c)
        .and_then(|(n, c)| Some((c, footprints.get(n)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(key: u64, live: u16) -> Footprint {
        Footprint {
            key,
            failing: 1,
            live,
        }
    }

    /// A tick's footprints: `with` impaired services failing with each footprint, `impaired`
    /// in all; services are numbered from 0 in that order.
    fn tick(with: &[(Footprint, u32)], impaired: usize) -> Footprints {
        let mut t = Footprints::new(impaired);
        let mut s = 0;
        for &(f, k) in with {
            for _ in 0..k {
                t.record(s, f);
                s += 1;
            }
        }
        t.set_impaired(impaired);
        t
    }

    #[test]
    fn a_rare_subset_is_worth_more_than_a_common_one() {
        // Two services, both the hypothesis' own dependents: the floor 0.25 / 6 rules.
        let t = tick(&[(fp(1, 3), 2)], 5);
        let out = t.outside([1, 1].into_iter());
        assert!((out.mark(1).unwrap().gain - 12f64.ln()).abs() < 1e-9);
        // With two vantages there are only two proper subsets: ln(0.5 / 0.125) = ln 4.
        let t = tick(&[(fp(1, 2), 2)], 5);
        let out = t.outside([1, 1].into_iter());
        assert!((out.mark(1).unwrap().gain - 4f64.ln()).abs() < 1e-9);
        assert_eq!(out.mark(0), None);
    }

    #[test]
    fn a_footprint_common_outside_the_hypothesis_is_worth_little() {
        // A broken vantage: 40 impaired services fail from it alone, 3 rely on the hypothesis.
        let t = tick(&[(fp(7, 3), 40)], 40);
        assert_eq!(t.outside([1, 1, 1].into_iter()).mark(1).unwrap().gain, 0.0);
        // Three of the nine other impaired services share it: ln(0.5 / (3 / 9)).
        let t = tick(&[(fp(7, 3), 5)], 12);
        let out = t.outside([1, 1, 0].into_iter());
        assert!((out.mark(1).unwrap().gain - (0.5f64 / (3.0 / 9.0)).ln()).abs() < 1e-9);
    }

    #[test]
    fn footprints_are_numbered_per_tick() {
        let mut t = tick(&[(fp(7, 3), 2), (fp(9, 3), 1)], 3);
        assert_eq!((t.of(0), t.of(1), t.of(2)), (1, 1, 2));
        assert_eq!(t.get(2), Some(fp(9, 3)));
        assert_eq!(t.get(0), None);
        t.clear();
        assert_eq!((t.of(0), t.of(2)), (0, 0));
        t.record(2, fp(9, 3));
        assert_eq!(t.of(2), 1);
    }

    #[test]
    fn the_best_group_counts_and_its_first_member_is_free() {
        let m = |key, gain| Mark { key, gain };
        assert_eq!(agreement([]), 0.0);
        assert_eq!(agreement([m(1, 2.0)]), 0.0);
        assert_eq!(agreement([m(1, 2.0), m(2, 2.0)]), 0.0);
        assert_eq!(agreement([m(1, 2.0), m(2, 2.0), m(1, 2.0)]), 2.0);
        // Two on key 1 (2.5) beat three on key 2 worth at least 1.0 each (2.0).
        let marks = [m(1, 2.5), m(2, 1.0), m(1, 2.5), m(2, 1.5), m(2, 3.0)];
        assert_eq!(agreement(marks), 2.5);
    }
}

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

use std::collections::HashMap;

pub use crate::engine::Footprint;

/// P(a further dependent hit by a common cause fails from the same proper subset of vantages
/// as the others): below 1 because a regional failure can still reach some of a dependent's
/// vantages (another point of presence, a retry) and full failures are seen everywhere.
pub const MATCH_GIVEN_COMMON: f64 = 0.5;

/// The share of a service's own failures seen from only some of its live vantages.
pub const LONE_PARTIAL_SHARE: f64 = 0.25;

/// Live vantages beyond this many do not make a subset any rarer (keeps `2^n` finite).
const MAX_LIVE: u16 = 20;

/// One impaired service's footprint, with what agreeing on it is worth this tick.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mark {
    pub key: u64,
    /// ln(MATCH_GIVEN_COMMON / p(F)), at least 0.
    pub gain: f64,
}

/// How many impaired services fail with each footprint this tick.
#[derive(Clone, Debug, Default)]
pub struct Background {
    counts: HashMap<u64, u32>,
    impaired: usize,
}

impl Background {
    /// Recounts from the footprints of the impaired services, `impaired` of them in all.
    pub fn rebuild(&mut self, footprints: impl Iterator<Item = Footprint>, impaired: usize) {
        self.counts.clear();
        for f in footprints {
            *self.counts.entry(f.key).or_insert(0) += 1;
        }
        self.impaired = impaired;
    }

    /// The footprints' shares among the impaired services that do *not* rely on a hypothesis,
    /// given the footprints of all of its impaired dependents (`None` for those failing from
    /// every vantage or through reports alone). Healthy services are not counted, so adding
    /// healthy non-dependents changes nothing.
    pub fn outside(&self, inside: impl Iterator<Item = Option<Footprint>>) -> Outside {
        let mut keys: Vec<(u64, u32)> = Vec::new();
        let mut dependents = 0usize;
        for f in inside {
            dependents += 1;
            if let Some(f) = f {
                match keys.iter_mut().find(|(k, _)| *k == f.key) {
                    Some((_, n)) => *n += 1,
                    None => keys.push((f.key, 1)),
                }
            }
        }
        let others = self.impaired.saturating_sub(dependents);
        Outside {
            shares: keys
                .into_iter()
                .map(|(key, inside)| {
                    let all = self.counts.get(&key).copied().unwrap_or(inside);
                    let out = all.saturating_sub(inside) as f64;
                    (key, if others > 0 { out / others as f64 } else { 0.0 })
                })
                .collect(),
        }
    }
}

/// For one hypothesis: how common each of its dependents' footprints is elsewhere.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outside {
    shares: Vec<(u64, f64)>,
}

impl Outside {
    /// What agreeing on `f` is worth for this hypothesis: `ln(MATCH_GIVEN_COMMON / p(F))`,
    /// at least 0.
    pub fn mark(&self, f: Footprint) -> Mark {
        let live = f.live.clamp(2, MAX_LIVE);
        let floor = LONE_PARTIAL_SHARE / ((1u64 << live) - 2) as f64;
        let share = self
            .shares
            .iter()
            .find(|(k, _)| *k == f.key)
            .map_or(0.0, |s| s.1);
        Mark {
            key: f.key,
            gain: (MATCH_GIVEN_COMMON / floor.max(share)).ln().max(0.0),
        }
    }
}

/// The log-likelihood gain of the best group of dependents failing with one footprint:
/// `(g − 1)` times the smallest gain in the group (the first member of a group is no
/// evidence; it only says which footprint the others must share).
pub fn agreement(marks: &mut [Mark]) -> f64 {
    if marks.len() < 2 {
        return 0.0;
    }
    marks.sort_unstable_by_key(|m| m.key);
    let mut best = 0.0f64;
    for group in marks.chunk_by(|a, b| a.key == b.key) {
        let least = group.iter().map(|m| m.gain).fold(f64::INFINITY, f64::min);
        best = best.max((group.len() - 1) as f64 * least);
    }
    best
}

/// The largest group of `footprints` sharing one that is worth something to a hypothesis
/// (for the explanation): its size and footprint, when at least two.
pub fn best_group(
    footprints: impl Iterator<Item = Footprint>,
    outside: &Outside,
) -> Option<(usize, Footprint)> {
    let mut groups: Vec<(Footprint, usize)> = Vec::new();
    for f in footprints.filter(|&f| outside.mark(f).gain > 0.0) {
        match groups.iter_mut().find(|(g, _)| g.key == f.key) {
            Some((_, n)) => *n += 1,
            None => groups.push((f, 1)),
        }
    }
    groups
        .into_iter()
        .filter(|&(_, n)| n >= 2)
        .max_by_key(|&(_, n)| n)
        .map(|(f, n)| (n, f))
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

    #[test]
    fn a_rare_subset_is_worth_more_than_a_common_one() {
        let mut bg = Background::default();
        bg.rebuild([fp(1, 3), fp(1, 3)].into_iter(), 5);
        // Both are the hypothesis' own dependents: the floor 0.25 / 6 rules, ln(0.5 / 0.0417).
        let out = bg.outside([Some(fp(1, 3)), Some(fp(1, 3))].into_iter());
        assert!((out.mark(fp(1, 3)).gain - 12f64.ln()).abs() < 1e-9);
        // With two vantages there are only two proper subsets: ln(0.5 / 0.125) = ln 4.
        assert!((out.mark(fp(1, 2)).gain - 4f64.ln()).abs() < 1e-9);
    }

    #[test]
    fn a_footprint_common_outside_the_hypothesis_is_worth_little() {
        // A broken vantage: 40 impaired services fail from it alone, 3 rely on the hypothesis.
        let mut bg = Background::default();
        bg.rebuild(std::iter::repeat_n(fp(7, 3), 40), 40);
        let out = bg.outside(std::iter::repeat_n(Some(fp(7, 3)), 3));
        assert_eq!(out.mark(fp(7, 3)).gain, 0.0);
        // Three of the ten other impaired services share it: ln(0.5 / 0.3).
        bg.rebuild(std::iter::repeat_n(fp(7, 3), 5), 12);
        let out = bg.outside([Some(fp(7, 3)), Some(fp(7, 3)), None].into_iter());
        assert!((out.mark(fp(7, 3)).gain - (0.5f64 / (3.0 / 9.0)).ln()).abs() < 1e-9);
    }

    #[test]
    fn the_best_group_counts_and_its_first_member_is_free() {
        let m = |key, gain| Mark { key, gain };
        assert_eq!(agreement(&mut []), 0.0);
        assert_eq!(agreement(&mut [m(1, 2.0)]), 0.0);
        assert_eq!(agreement(&mut [m(1, 2.0), m(2, 2.0)]), 0.0);
        assert_eq!(agreement(&mut [m(1, 2.0), m(2, 2.0), m(1, 2.0)]), 2.0);
        // Two on key 1 (2.5) beat three on key 2 worth at least 1.0 each (2.0).
        let mut marks = [m(1, 2.5), m(2, 1.0), m(1, 2.5), m(2, 1.5), m(2, 3.0)];
        assert_eq!(agreement(&mut marks), 2.5);
    }
}

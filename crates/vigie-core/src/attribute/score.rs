//! The likelihood model: how well "this component failed" explains the impaired services.
//!
//! For a hypothesis H (a component, or one service, failed) and a service `s` that relies on it
//! with edge confidence `w`, noisy-OR as in Sherlock gives
//!
//! ```text
//! P(s impaired | H)  = ε + (1 − ε)·ρ·w        P(s impaired | no cause) = ε
//! ```
//!
//! where `ε` is the background rate (a service impaired for its own reasons, or a false alarm)
//! and `ρ` the share of dependents a failure of this component actually hits (partial and
//! regional failures hit only some). The score is the log-likelihood ratio against "no common
//! cause", maximised over `ρ ∈ [ρ_min, ρ_max]` (the log-likelihood is concave in `ρ`), minus the
//! log prior odds `κ` against any one component failing:
//!
//! ```text
//! S(H) = max_ρ [ Σ_impaired ln((ε + (1−ε)ρw)/ε) + Σ_healthy ln(1 − ρw) ] − κ
//! ```
//!
//! Services that do not rely on H contribute the same factor under H and under "no cause", so
//! they cancel: adding healthy non-dependents never changes a score (a property test checks
//! it). Healthy dependents lower it, which is what makes the most specific component win.
//! Edge confidences are quantised into [`BUCKETS`] steps so that the healthy side is a sum
//! over a small histogram, kept up to date incrementally.
//!
//! An impaired dependent whose symptom does not fit a failure of this kind of component
//! ([`super::symptom`]) counts with its share scaled by `r ≤ 1`: `ln((ε + (1−ε)ρwr)/ε)`.
//! A dependent that began apart from the others ([`super::timing`]) is scaled the same way,
//! by `t ≤ 1`. Impaired dependents failing from the same few vantages add their agreement
//! ([`super::footprint`]), and so do those whose probes began failing everywhere in step
//! ([`super::timing::in_step_agreement`]); neither depends on `ρ`.

use super::footprint::{self, Mark};
use super::symptom::Compat;
use super::timing::{self, Timing};

/// Number of edge-confidence steps: `w` is rounded to a multiple of `1/BUCKETS` (≥ 1/BUCKETS).
pub const BUCKETS: usize = 20;

/// The bucket of an edge confidence in (0, 1].
pub fn bucket(w: f64) -> u8 {
    let b = (w * BUCKETS as f64).round() as i64;
    (b.clamp(1, BUCKETS as i64) - 1) as u8
}

/// The confidence a bucket stands for.
pub fn bucket_weight(b: u8) -> f64 {
    (b as f64 + 1.0) / BUCKETS as f64
}

/// The constants of the likelihood model (see docs/attribution.md).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ModelParams {
    /// ε: probability that a service is impaired with no common cause.
    pub background_rate: f64,
    /// ρ_min: the smallest share of dependents a component failure is assumed to hit.
    pub min_hit_share: f64,
    /// ρ_max: the largest (below 1 so one healthy dependent is never infinitely damning).
    pub max_hit_share: f64,
    /// κ: log prior odds against one more failed component.
    pub cause_cost: f64,
}

/// The result of scoring one hypothesis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fit {
    /// S(H), prior included.
    pub score: f64,
    /// The maximising ρ.
    pub hit_share: f64,
}

/// What one impaired dependent brings: its edge-confidence bucket, how well its symptom
/// and the moment it turned impaired fit the hypothesis, and which vantages see it fail (when
/// only some do).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Impaired {
    pub bucket: u8,
    pub compat: Compat,
    pub timing: Timing,
    pub footprint: Option<Mark>,
}

impl Impaired {
    /// A dependent whose symptom fits (or who has none), impaired with the others.
    pub fn fitting(bucket: u8) -> Self {
        Impaired {
            bucket,
            compat: Compat::Fits,
            timing: Timing::Together,
            footprint: None,
        }
    }

    /// The same dependent with another symptom fit.
    pub fn with(self, compat: Compat) -> Self {
        Impaired { compat, ..self }
    }

    /// The same dependent with another timing.
    pub fn at(self, timing: Timing) -> Self {
        Impaired { timing, ..self }
    }

    /// The factor on its share of the noisy-OR: symptom and timing fit.
    fn ratio(&self) -> f64 {
        self.compat.ratio() * self.timing.ratio()
    }
}

/// The most an impaired dependent can add to a score, at ρ = ρ_max.
pub fn max_gain(params: &ModelParams, e: Impaired) -> f64 {
    let eps = params.background_rate;
    let share = params.max_hit_share * bucket_weight(e.bucket) * e.ratio();
    ((eps + (1.0 - eps) * share) / eps).ln() + e.footprint.map_or(0.0, |m| m.gain)
}

/// Scores a hypothesis from its impaired dependents (those still to explain) and the
/// histogram of its healthy observed dependents.
pub fn fit(params: &ModelParams, impaired: &[Impaired], healthy: &[u32; BUCKETS]) -> Fit {
    fit_unfolding(params, impaired, healthy, healthy, 1.0)
}

/// [`fit`] for a failure that may still be unfolding: a dependent it hits is detected only
/// with probability `due` by now, so a healthy dependent counts `ln(1 − ρ·w·due)`, except the
/// `settled` ones (a sub-histogram of `healthy`), which count in full. With `due = 1` this is
/// [`fit`]; with `due = 0` unsettled healthy dependents are no evidence at all. Used only for
/// what a rival may yet become (docs/attribution.md, "Rivals that may still be unfolding").
pub fn fit_unfolding(
    params: &ModelParams,
    impaired: &[Impaired],
    healthy: &[u32; BUCKETS],
    settled: &[u32; BUCKETS],
    due: f64,
) -> Fit {
    let due = due.clamp(0.0, 1.0);
    let eps = params.background_rate;
    // The impaired side as (share factor w·r·t, how many), one entry per distinct factor.
    const LEVELS: usize = Compat::LEVELS * Timing::LEVELS;
    let mut imp_hist = [[0u32; LEVELS]; BUCKETS];
    for e in impaired {
        imp_hist[e.bucket as usize][e.compat.index() * Timing::LEVELS + e.timing.index()] += 1;
    }
    let mut terms = [(0.0f64, 0u32); BUCKETS * LEVELS];
    let mut n_terms = 0;
    for (b, row) in imp_hist.iter().enumerate() {
        for (level, &k) in row.iter().enumerate() {
            if k > 0 {
                let compat = Compat::ALL[level / Timing::LEVELS];
                let timing = Timing::ALL[level % Timing::LEVELS];
                let factor = bucket_weight(b as u8) * compat.ratio() * timing.ratio();
                terms[n_terms] = (factor, k);
                n_terms += 1;
            }
        }
    }
    let terms = &terms[..n_terms];
    let in_step = impaired
        .iter()
        .filter(|e| e.timing == Timing::InStep)
        .count() as u32;
    let agreement = footprint::agreement(impaired.iter().filter_map(|e| e.footprint))
        + timing::in_step_agreement(in_step);
    let ll = |rho: f64| -> f64 {
        let mut s = 0.0;
        for &(factor, k) in terms {
            s += k as f64 * ((eps + (1.0 - eps) * rho * factor) / eps).ln();
        }
        for b in 0..BUCKETS {
            let w = bucket_weight(b as u8);
            let settled = settled[b].min(healthy[b]);
            if settled > 0 {
                s += settled as f64 * (1.0 - rho * w).ln();
            }
            if healthy[b] > settled {
                s += (healthy[b] - settled) as f64 * (1.0 - rho * w * due).ln();
            }
        }
        s
    };
    // Golden-section search for the maximum of a concave function.
    let (mut lo, mut hi) = (params.min_hit_share, params.max_hit_share);
    let g = 0.618_033_988_749_895;
    let mut x1 = hi - g * (hi - lo);
    let mut x2 = lo + g * (hi - lo);
    let (mut f1, mut f2) = (ll(x1), ll(x2));
    for _ in 0..24 {
        if f1 < f2 {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + g * (hi - lo);
            f2 = ll(x2);
        } else {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - g * (hi - lo);
            f1 = ll(x1);
        }
    }
    let mut best = if f1 >= f2 { (x1, f1) } else { (x2, f2) };
    for edge in [params.min_hit_share, params.max_hit_share] {
        let f = ll(edge);
        if f > best.1 {
            best = (edge, f);
        }
    }
    Fit {
        score: best.1 + agreement - params.cause_cost,
        hit_share: best.0,
    }
}

#[cfg(test)]
mod tests {
    use super::super::timing::{in_step_agreement, IN_STEP_GAIN, IN_STEP_MAX};
    use super::*;

    const P: ModelParams = ModelParams {
        background_rate: 0.01,
        min_hit_share: 0.05,
        max_hit_share: 0.98,
        cause_cost: 6.0,
    };

    fn healthy(n: u32) -> [u32; BUCKETS] {
        let mut h = [0; BUCKETS];
        h[BUCKETS - 1] = n;
        h
    }

    #[test]
    fn buckets_round_trip() {
        assert_eq!(bucket(1.0), 19);
        assert_eq!(bucket(0.0001), 0);
        assert!((bucket_weight(bucket(0.5)) - 0.5).abs() < 1e-12);
    }

    fn sure(n: usize) -> Vec<Impaired> {
        vec![Impaired::fitting(19); n]
    }

    fn at(buckets: &[u8]) -> Vec<Impaired> {
        buckets.iter().map(|&b| Impaired::fitting(b)).collect()
    }

    #[test]
    fn healthy_dependents_lower_the_score() {
        let imp = sure(10);
        let a = fit(&P, &imp, &healthy(0));
        let b = fit(&P, &imp, &healthy(40));
        assert!(a.score > b.score);
        assert!(a.hit_share > 0.9);
        assert!(
            (b.hit_share - 0.2).abs() < 0.02,
            "ρ̂ ≈ 10/50, got {}",
            b.hit_share
        );
    }

    #[test]
    fn uncertain_edges_give_less_credit() {
        let sure = fit(&P, &at(&[19, 19, 19]), &healthy(0));
        let unsure = fit(&P, &at(&[9, 9, 9]), &healthy(0));
        assert!(sure.score > unsure.score);
    }

    #[test]
    fn coincidence_among_many_is_negative() {
        let f = fit(&P, &sure(2), &healthy(998));
        assert!(f.score < 0.0, "{f:?}");
    }

    #[test]
    fn symptoms_that_do_not_fit_give_less_credit() {
        let with = |c: Compat| {
            let imp = vec![Impaired::fitting(19), Impaired::fitting(19).with(c)];
            fit(&P, &imp, &healthy(2)).score
        };
        let (fits, unusual, implausible) = (
            with(Compat::Fits),
            with(Compat::Unusual),
            with(Compat::Implausible),
        );
        assert!(
            fits > unusual && unusual > implausible,
            "{fits} {unusual} {implausible}"
        );
        // About ln(1/r) less once ρw ≫ ε.
        assert!(
            (fits - implausible - 10f64.ln()).abs() < 0.3,
            "{fits} {implausible}"
        );
    }

    #[test]
    fn dependents_that_began_apart_give_less_credit_like_a_misfit_symptom() {
        let with = |t: Timing| {
            let imp = vec![Impaired::fitting(19), Impaired::fitting(19).at(t)];
            fit(&P, &imp, &healthy(2)).score
        };
        let (together, apart, far) = (
            with(Timing::Together),
            with(Timing::Apart),
            with(Timing::FarApart),
        );
        assert!(together > apart && apart > far, "{together} {apart} {far}");
        // The same factor on the share as an unusual symptom; the two multiply.
        let unusual = fit(
            &P,
            &[
                Impaired::fitting(19),
                Impaired::fitting(19).with(Compat::Unusual),
            ],
            &healthy(2),
        );
        assert!((unusual.score - apart).abs() < 1e-9);
        let both = fit(
            &P,
            &[
                Impaired::fitting(19),
                Impaired::fitting(19)
                    .with(Compat::Unusual)
                    .at(Timing::Apart),
            ],
            &healthy(2),
        );
        assert!(both.score < apart);
    }

    #[test]
    fn an_unfolding_failure_counts_only_its_unsettled_healthy_dependents_as_due() {
        let imp = sure(3);
        let h = healthy(15);
        let full = fit(&P, &imp, &h).score;
        assert_eq!(fit_unfolding(&P, &imp, &h, &healthy(0), 1.0).score, full);
        assert_eq!(fit_unfolding(&P, &imp, &h, &h, 0.25).score, full);
        let mut last = f64::INFINITY;
        for due in [0.0, 0.25, 0.5, 0.75, 1.0] {
            let s = fit_unfolding(&P, &imp, &h, &healthy(0), due).score;
            assert!(s <= last + 1e-9, "due {due}: {s} after {last}");
            last = s;
        }
        // With nothing due, healthy dependents are no evidence.
        let none = fit_unfolding(&P, &imp, &h, &healthy(0), 0.0).score;
        assert!((none - fit(&P, &imp, &healthy(0)).score).abs() < 1e-9);
    }

    #[test]
    fn the_gain_bound_holds_for_every_fit() {
        let mark = Mark { key: 3, gain: 2.5 };
        for c in Compat::ALL {
            for b in [0u8, 9, 19] {
                for footprint in [None, Some(mark)] {
                    for t in Timing::ALL {
                        let e = Impaired {
                            bucket: b,
                            compat: c,
                            timing: t,
                            footprint,
                        };
                        // Three dependents in step add the step's agreement, which the
                        // search bound takes for every dependent that could be in step.
                        let f = fit(&P, &[e, e, e], &healthy(0));
                        let step = in_step_agreement(3);
                        assert!(f.score <= 3.0 * max_gain(&P, e) - P.cause_cost + step + 1e-9);
                        // Otherwise the bound ignores timing: it only ever takes evidence away.
                        let together = e.at(Timing::Together);
                        let bound = 3.0 * max_gain(&P, together) - P.cause_cost;
                        assert!(f.score <= bound + step + 1e-9);
                        if t != Timing::InStep {
                            assert!(f.score <= bound + 1e-9);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn dependents_in_step_add_their_agreement_up_to_a_cap() {
        let with = |n: usize, t: Timing| {
            let imp = vec![Impaired::fitting(19).at(t); n];
            fit(&P, &imp, &healthy(5)).score
        };
        for n in 1..6 {
            let gain = with(n, Timing::InStep) - with(n, Timing::Together);
            assert!(
                (gain - in_step_agreement(n as u32)).abs() < 1e-9,
                "{n}: {gain}"
            );
        }
        // One in step with nothing is no agreement; past the cap, no more.
        assert_eq!(with(1, Timing::InStep), with(1, Timing::Together));
        let capped = with(5, Timing::InStep) - with(5, Timing::Together);
        assert!((capped - IN_STEP_MAX as f64 * IN_STEP_GAIN).abs() < 1e-9);
    }

    #[test]
    fn dependents_failing_from_the_same_vantages_add_their_agreement() {
        let with = |keys: [u8; 3]| {
            let imp: Vec<Impaired> = keys
                .iter()
                .map(|&key| Impaired {
                    footprint: Some(Mark { key, gain: 2.0 }),
                    ..Impaired::fitting(19)
                })
                .collect();
            fit(&P, &imp, &healthy(10)).score
        };
        let plain = fit(&P, &sure(3), &healthy(10)).score;
        assert!((with([1, 2, 3]) - plain).abs() < 1e-9);
        assert!((with([1, 1, 2]) - plain - 2.0).abs() < 1e-9);
        assert!((with([1, 1, 1]) - plain - 4.0).abs() < 1e-9);
    }
}

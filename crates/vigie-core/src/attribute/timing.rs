//! Timing: the dependents a common failure hits turn impaired together.
//!
//! When a component fails, its dependents' probes fail within a probe interval or two of one
//! another and their reports rise within a window of the report detector; services failing
//! for their own reasons begin at unrelated moments. So how far a dependent's impairment began
//! from the candidate's onset (the upper median of its impaired dependents' onsets) is
//! evidence about whether they share a cause, in the same way as its symptom: a dependent that
//! began apart from the others counts with its share of the noisy-OR scaled by
//! [`Timing::ratio`] (docs/attribution.md, "Timing"):
//!
//! ```text
//! P(s impaired at δ | H) / P(s impaired at δ | no cause) = (ε + (1−ε)·ρ·w·t(δ)) / ε
//! ```
//!
//! Like the symptom term it takes evidence away, `t ≤ 1`, with one exception: dependents
//! whose probes began failing everywhere within moments of one another are *in step*
//! ([`Timing::InStep`]), which a service failing on its own rarely is, and each after the
//! first adds [`IN_STEP_GAIN`] (at most [`IN_STEP_MAX`] of them). Two dependents of one
//! failure turn impaired at most the difference of their detection delays apart, and the
//! delay depends on how each is seen ([`Seen`]): probes failing everywhere show a failure
//! within a minute or two, probes failing from only some vantages a little later, reports
//! alone later and less evenly ([`PROBED`], [`PROBED_SOMEWHERE`], [`REPORTED`], measured on
//! the tuning seeds). The component of an open incident is exempt from being apart: once a
//! failure is established, dependents that join late are explained by it.

/// How long after a failure begins a dependent it hits turns impaired: most of the time
/// within `typical` (ms, from–to), nearly always within `extended`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delays {
    pub typical: (i64, i64),
    pub extended: (i64, i64),
}

/// A dependent whose probes fail (from every live vantage, as far as the engine knows): on
/// the tuning seeds 1–10 (420 probe-detected dependents of 60 component failures;
/// `scripts/detection-delays.py --from-start`), the 10th–90th percentiles of the delay from
/// the failure's start to the dependent's impairment, and the 1st–99th, rounded to 5 s, with
/// neighbours corroborating each other (docs/detection.md 4.1; 65–150 s and 45–265 s
/// before). Regional failures' dependents are included: a footprint is known only once the
/// passing vantages have probed again, so such a dependent can be judged before it has one
/// (the narrower delays of failures seen everywhere alone named fewer causes:
/// docs/evaluation.md).
pub const PROBED: Delays = Delays {
    typical: (60_000, 145_000),
    extended: (40_000, 265_000),
};

/// A dependent whose probes fail from only some of its vantages (it has a footprint): a
/// failure seen from one vantage of three is noticed a probe interval or two later than one
/// seen from all of them. Measured on seeds 1–40 (196 dependents of regional failures; the
/// 43 of seeds 1–10 were too few for the 1st and 99th percentiles), which no evaluation set
/// includes.
pub const PROBED_SOMEWHERE: Delays = Delays {
    typical: (120_000, 255_000),
    extended: (70_000, 405_000),
};

/// A dependent impaired by its reports alone (193 dependents): reports show a failure later
/// and less evenly than probes.
pub const REPORTED: Delays = Delays {
    typical: (130_000, 345_000),
    extended: (70_000, 500_000),
};

/// How a dependent's impairment is seen, which sets how long after a failure begins it is
/// detected ([`Delays`]). Ordered from slowest to fastest, which makes the sort of a
/// candidate's onsets deterministic when two dependents turned impaired at the same instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Seen {
    /// By its reports alone: no probe fails (or none is watched).
    #[default]
    Reports,
    /// Its probes fail from only some of its live vantages (a footprint).
    ProbesSomewhere,
    /// Its probes fail from every live vantage.
    ProbesEverywhere,
}

impl Seen {
    /// From what the engine says of a service: its failing probes' error and footprint.
    pub fn of(probes_fail: bool, footprint: bool) -> Seen {
        match (probes_fail, footprint) {
            (false, _) => Seen::Reports,
            (true, false) => Seen::ProbesEverywhere,
            (true, true) => Seen::ProbesSomewhere,
        }
    }

    pub fn delays(self) -> Delays {
        match self {
            Seen::ProbesEverywhere => PROBED,
            Seen::ProbesSomewhere => PROBED_SOMEWHERE,
            Seen::Reports => REPORTED,
        }
    }
}

/// What each dependent in step with the others after the first adds to a hypothesis's
/// score, at most [`IN_STEP_MAX`] of them: ln(P(in step | H) / P(in step | no common cause)).
/// A dependent a failure hits, seen by probes failing everywhere, turns impaired within the
/// typical spread of [`PROBED`] of the others 80% of the time (its 10th–90th percentiles);
/// a service failing on its own began within that spread (±85 s) of a given moment with
/// probability 170 s over how long its impairment lasts: for own failures of half an hour,
/// 0.094. So ln(0.8 / 0.094) (docs/attribution.md, "Timing").
pub const IN_STEP_GAIN: f64 = 2.14;

/// Dependents in step beyond the first that count: past a few, the evidence is ample, and
/// the estimate of a service's own failure duration behind [`IN_STEP_GAIN`] is rough.
pub const IN_STEP_MAX: u32 = 2;

/// The agreement of `n` dependents in step with one another ([`IN_STEP_GAIN`]).
pub fn in_step_agreement(n: u32) -> f64 {
    n.saturating_sub(1).min(IN_STEP_MAX) as f64 * IN_STEP_GAIN
}

/// How well the moment a dependent turned impaired fits a common failure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Timing {
    /// With the others (or no onset known, or the component's failure is established).
    #[default]
    Together,
    /// Began apart from the others: a common failure reaches a dependent this late or this
    /// early only rarely.
    Apart,
    /// Began far from the others: hardly a common failure's dependent.
    FarApart,
    /// With the others, and both it and the onset seen by probes failing from every vantage,
    /// whose onsets are precise: in step ([`in_step_agreement`]).
    InStep,
}

impl Timing {
    pub const ALL: [Timing; 4] = [
        Timing::Together,
        Timing::Apart,
        Timing::FarApart,
        Timing::InStep,
    ];
    /// Number of levels (for per-level histograms).
    pub const LEVELS: usize = Timing::ALL.len();

    /// `t`: the factor on an impaired dependent's share of the noisy-OR.
    pub fn ratio(self) -> f64 {
        match self {
            Timing::Together | Timing::InStep => 1.0,
            Timing::Apart => 0.3,
            Timing::FarApart => 0.1,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// The timing of a dependent whose impairment began `from_onset_ms` after the candidate's
    /// onset (negative: before), the onset being another dependent's impairment. `seen` and
    /// `onset_seen` say how each was seen ([`Seen`]). Two dependents of one failure turn
    /// impaired at most the difference of their delays apart: between `lo − hi_onset` and
    /// `hi − lo_onset`.
    pub fn of(from_onset_ms: i64, seen: Seen, onset_seen: Seen) -> Timing {
        let (own, onset) = (seen.delays(), onset_seen.delays());
        let within = |(lo, hi): (i64, i64), (lo_onset, hi_onset): (i64, i64)| {
            (lo - hi_onset..=hi - lo_onset).contains(&from_onset_ms)
        };
        if within(own.typical, onset.typical) {
            if seen == Seen::ProbesEverywhere && onset_seen == Seen::ProbesEverywhere {
                Timing::InStep
            } else {
                Timing::Together
            }
        } else if within(own.extended, onset.extended) {
            Timing::Apart
        } else {
            Timing::FarApart
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Seen::{ProbesEverywhere as E, ProbesSomewhere as S, Reports as R};

    #[test]
    fn probed_dependents_must_begin_closer_together_than_reported_ones() {
        // Both seen by probes failing everywhere: within 85 s of each other (in step), or
        // at most 225 s.
        assert_eq!(Timing::of(0, E, E), Timing::InStep);
        assert_eq!(Timing::of(-85_000, E, E), Timing::InStep);
        assert_eq!(Timing::of(90_000, E, E), Timing::Apart);
        assert_eq!(Timing::of(-230_000, E, E), Timing::FarApart);
        // Both by reports: within 215 s, or at most 430 s.
        assert_eq!(Timing::of(-200_000, R, R), Timing::Together);
        assert_eq!(Timing::of(300_000, R, R), Timing::Apart);
        assert_eq!(Timing::of(-500_000, R, R), Timing::FarApart);
        assert_eq!(Timing::of(i64::MIN, R, R), Timing::FarApart);
    }

    #[test]
    fn reports_show_a_failure_after_probes_do() {
        // A dependent seen by probes minutes before the onset (a dependent seen by reports)
        // is on time; minutes after it, it is not.
        assert_eq!(Timing::of(-200_000, E, R), Timing::Together);
        assert_eq!(Timing::of(190_000, E, R), Timing::Apart);
        assert_eq!(Timing::of(240_000, E, R), Timing::FarApart);
        // And the other way round.
        assert_eq!(Timing::of(200_000, R, E), Timing::Together);
        assert_eq!(Timing::of(-150_000, R, E), Timing::Apart);
    }

    #[test]
    fn a_failure_seen_from_some_vantages_is_noticed_later() {
        // Seen from one vantage, 150 s after a dependent seen from all: on time; the other
        // way round, or both seen from all, apart.
        assert_eq!(Timing::of(150_000, S, E), Timing::Together);
        assert_eq!(Timing::of(-150_000, E, S), Timing::Together);
        assert_eq!(Timing::of(-150_000, S, E), Timing::Apart);
        assert_eq!(Timing::of(150_000, E, E), Timing::Apart);
        assert_eq!(Timing::of(0, S, S), Timing::Together);
    }

    #[test]
    fn how_a_service_is_seen() {
        assert_eq!(Seen::of(false, false), R);
        assert_eq!(Seen::of(false, true), R);
        assert_eq!(Seen::of(true, false), E);
        assert_eq!(Seen::of(true, true), S);
    }

    #[test]
    fn timing_takes_evidence_away_and_only_being_in_step_adds_some() {
        let mut last = f64::INFINITY;
        for t in [Timing::Together, Timing::Apart, Timing::FarApart] {
            assert!(t.ratio() <= 1.0 && t.ratio() > 0.0 && t.ratio() < last);
            last = t.ratio();
        }
        // In step, a dependent weighs as one together; the step is a term of its own.
        assert_eq!(Timing::InStep.ratio(), Timing::Together.ratio());
        assert_eq!(in_step_agreement(0), 0.0);
        assert_eq!(in_step_agreement(1), 0.0);
        assert_eq!(in_step_agreement(2), IN_STEP_GAIN);
        assert_eq!(in_step_agreement(3), 2.0 * IN_STEP_GAIN);
        assert_eq!(in_step_agreement(50), in_step_agreement(IN_STEP_MAX + 1));
    }

    #[test]
    fn only_onsets_seen_by_probes_failing_everywhere_are_in_step() {
        // Reports and probes failing from some vantages show a failure less precisely.
        assert_eq!(Timing::of(0, R, R), Timing::Together);
        assert_eq!(Timing::of(0, S, S), Timing::Together);
        assert_eq!(Timing::of(0, E, S), Timing::Together);
        assert_eq!(Timing::of(0, R, E), Timing::Together);
        assert_eq!(Timing::of(90_000, E, E), Timing::Apart);
    }
}

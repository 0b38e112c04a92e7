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
//! Like the symptom term it only ever takes evidence away: `t ≤ 1`. Two dependents of one
//! failure turn impaired at most the difference of their detection delays apart, and the
//! delay depends on how each is watched: probes show a failure within a minute or two,
//! reports alone later and less evenly ([`PROBED`], [`REPORTED`], measured on the tuning
//! seeds). The component of an open incident is exempt: once a failure is established,
//! dependents that join late are explained by it.

/// How long after a failure begins a dependent it hits turns impaired: most of the time
/// within `typical` (ms, from–to), nearly always within `extended`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delays {
    pub typical: (i64, i64),
    pub extended: (i64, i64),
}

/// A dependent whose probes fail: on the tuning seeds 1–10 (420 detected dependents of 60
/// component failures; `scripts/detection-delays.py --from-start`), the 10th–90th
/// percentiles of the delay from the failure's start to the dependent's impairment, and the
/// 1st–99th, rounded to 5 s.
pub const PROBED: Delays = Delays {
    typical: (65_000, 150_000),
    extended: (45_000, 265_000),
};

/// A dependent impaired by its reports alone (193 dependents): reports show a failure later
/// and less evenly than probes.
pub const REPORTED: Delays = Delays {
    typical: (130_000, 345_000),
    extended: (70_000, 500_000),
};

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
}

impl Timing {
    pub const ALL: [Timing; 3] = [Timing::Together, Timing::Apart, Timing::FarApart];
    /// Number of levels (for per-level histograms).
    pub const LEVELS: usize = Timing::ALL.len();

    /// `t`: the factor on an impaired dependent's share of the noisy-OR.
    pub fn ratio(self) -> f64 {
        match self {
            Timing::Together => 1.0,
            Timing::Apart => 0.3,
            Timing::FarApart => 0.1,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// The timing of a dependent whose impairment began `from_onset_ms` after the candidate's
    /// onset (negative: before), the onset being another dependent's impairment. `probed`
    /// and `onset_probed` say whether each was seen by failing probes ([`PROBED`]) or by
    /// reports alone ([`REPORTED`]). Two dependents of one failure turn impaired at most the
    /// difference of their delays apart: between `lo − hi_onset` and `hi − lo_onset`.
    pub fn of(from_onset_ms: i64, probed: bool, onset_probed: bool) -> Timing {
        let delays = |p: bool| if p { PROBED } else { REPORTED };
        let (own, onset) = (delays(probed), delays(onset_probed));
        let within = |(lo, hi): (i64, i64), (lo_onset, hi_onset): (i64, i64)| {
            (lo - hi_onset..=hi - lo_onset).contains(&from_onset_ms)
        };
        if within(own.typical, onset.typical) {
            Timing::Together
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

    #[test]
    fn probed_dependents_must_begin_closer_together_than_reported_ones() {
        // Both seen by probes: within 85 s of each other, or at most 220 s.
        assert_eq!(Timing::of(0, true, true), Timing::Together);
        assert_eq!(Timing::of(-85_000, true, true), Timing::Together);
        assert_eq!(Timing::of(90_000, true, true), Timing::Apart);
        assert_eq!(Timing::of(-230_000, true, true), Timing::FarApart);
        // Both by reports: within 215 s, or at most 430 s.
        assert_eq!(Timing::of(-200_000, false, false), Timing::Together);
        assert_eq!(Timing::of(300_000, false, false), Timing::Apart);
        assert_eq!(Timing::of(-500_000, false, false), Timing::FarApart);
        assert_eq!(Timing::of(i64::MIN, false, false), Timing::FarApart);
    }

    #[test]
    fn reports_show_a_failure_after_probes_do() {
        // A dependent seen by probes minutes before the onset (a dependent seen by reports)
        // is on time; minutes after it, it is not.
        assert_eq!(Timing::of(-200_000, true, false), Timing::Together);
        assert_eq!(Timing::of(190_000, true, false), Timing::Apart);
        assert_eq!(Timing::of(240_000, true, false), Timing::FarApart);
        // And the other way round.
        assert_eq!(Timing::of(200_000, false, true), Timing::Together);
        assert_eq!(Timing::of(-150_000, false, true), Timing::Apart);
    }

    #[test]
    fn timing_only_takes_evidence_away() {
        let mut last = f64::INFINITY;
        for t in Timing::ALL {
            assert!(t.ratio() <= 1.0 && t.ratio() > 0.0 && t.ratio() < last);
            last = t.ratio();
        }
    }
}

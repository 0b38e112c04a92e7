//! Fusion: the documented rules that combine probe, report and official evidence into one
//! candidate state per service, and the hysteresis that keeps states from flapping.
//!
//! Rules, first match wins (P = probe verdict, R = surge level, O = the service's own
//! official status):
//!
//! | P | R / O | candidate | rule |
//! |---|---|---|---|
//! | major_outage | any | major_outage | a quorum of live vantages fails |
//! | degraded | R overwhelming | major_outage | probes partly fail and reports are overwhelming |
//! | degraded | otherwise | degraded | a minority of vantages fails, or probes are slow |
//! | operational | R overwhelming, sustained | degraded | users overwhelmingly report problems the probes do not see |
//! | operational + 1 fresh failure | R surge, no storm elsewhere or ≥ storm minimum | degraded | a surge corroborates one vantage's unconfirmed failure |
//! | operational | O major/partial/degraded | degraded | the provider itself reports a problem |
//! | operational + 1 fresh failure | R surge, storm elsewhere, < storm minimum | operational | a thin surge and one blip during another component's outage (sympathy) |
//! | operational | otherwise | operational | probes pass (a mere surge is contradicted) |
//! | unknown | R overwhelming | major_outage | reports alone, overwhelming |
//! | unknown | R surge, storm elsewhere, < storm minimum | O's state, else operational | too few reporters to stand during another component's outage (sympathy) |
//! | unknown | R surge | degraded | reports alone: users report problems |
//! | unknown | R thin, a neighbour just impaired or thin too, no storm elsewhere | degraded | a few users report problems and a neighbour's failure corroborates them |
//! | unknown | O major_outage | major_outage | official status, nothing contradicts it |
//! | unknown | O partial/degraded | degraded | official status, nothing contradicts it |
//! | unknown | reports seen before | operational | no probes; reports at their usual level |
//! | unknown | nothing | unknown | no evidence at all |
//!
//! "Sustained": when probes pass from at least two live vantages, the surge must have stayed
//! overwhelming for [`FusionParams::contradicted_surge_hold_ms`] (sympathy surges during
//! other services' outages are overwhelming but short and contradicted by the probes); with
//! fewer passing vantages it counts at once.
//!
//! "Storm elsewhere": attribution blames a component this service does not depend on (an
//! open component incident). A report-only surge then needs
//! [`FusionParams::storm_min_reporters`] distinct reporters instead of the detector's minimum:
//! during a provider's outage users of unrelated services report in sympathy, and a thin
//! surge without a probe to check it is more often that than an outage of its own. So does a
//! surge corroborating a single vantage's unconfirmed failure: one failed probe against the
//! other vantages' passes does not make a thin surge more than sympathy.
//!
//! "Thin": a surge's surprise from fewer distinct reporters than the detector's minimum
//! (docs/detection.md 4.3, "A failing neighbour corroborates a thin surge"). It counts only for
//! a service without live probes, and only while a neighbour relying on one of the same
//! components turned impaired moments ago or draws a thin surge too: a few people are not
//! evidence enough alone, but a failure beginning next to them says what they report.
//!
//! `elevated` reports never change a state on their own, and neither does a `surge` while the
//! service has less than [`FusionParams::report_warmup_minutes`] of report history (it counts
//! as `elevated` then; `overwhelming` counts at once). Hysteresis: a worse candidate is
//! taken at once; leaving an impaired state needs the candidate to stay better for
//! [`FusionParams::recovery_hold_ms`] (probe recoveries are already confirmed by their own
//! recovery thresholds; report surges fade gradually and would otherwise flap).

use crate::detect::{SurgeLevel, SurgeVerdict};
use crate::engine::probes::{Awaiting, ProbeVerdict, Support};
use crate::model::{OfficialStatus, State};
use crate::time::MINUTE_MS;

/// Constants of fusion and of service incidents.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FusionParams {
    /// An impaired service recovers only after its candidate stayed better this long.
    pub recovery_hold_ms: i64,
    /// A service incident resolves only after its service stayed unimpaired this long;
    /// an impairment within it continues the same incident.
    pub incident_resolve_hold_ms: i64,
    /// Minutes of report history a service needs before a `surge` (not `overwhelming`) can
    /// change its state: until then the detector's baseline is mostly its prior, and the
    /// first minutes of any new service would look like a surge against it.
    pub report_warmup_minutes: f64,
    /// How long an overwhelming surge must last before it makes a service `degraded`
    /// against probes that pass from at least two live vantages.
    pub contradicted_surge_hold_ms: i64,
    /// Distinct reporters (in the surging window) a `surge` needs to make a service
    /// `degraded` while attribution blames a component the service does not depend on, when
    /// it stands alone (no live probes) or with one vantage's unconfirmed failure. Outside
    /// such a storm the detector's own minimum (10 by default) applies.
    pub storm_min_reporters: u32,
}

impl Default for FusionParams {
    fn default() -> Self {
        FusionParams {
            recovery_hold_ms: 3 * MINUTE_MS,
            incident_resolve_hold_ms: 10 * MINUTE_MS,
            report_warmup_minutes: 30.0,
            contradicted_surge_hold_ms: 10 * MINUTE_MS,
            storm_min_reporters: 20,
        }
    }
}

/// Which fusion rule produced a candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rule {
    ProbeQuorumFailing,
    ProbesDegradedReportsOverwhelming,
    ProbesDegraded,
    ReportsOverwhelmingProbesPass,
    ReportsCorroborateProbe,
    OfficialProbesPass,
    ProbesPass,
    ReportsOverwhelming,
    ReportsSurge,
    ReportsThinCorroborated,
    ReportsSympathy,
    ReportsSympathyBlip,
    Official,
    ReportsNormal,
    NoData,
}

/// The evidence fusion looks at for one service.
#[derive(Clone, Copy, Debug)]
pub struct Evidence<'a> {
    pub probe: &'a ProbeVerdict,
    pub surge: &'a SurgeVerdict,
    pub official: Option<OfficialStatus>,
    /// Whether the service ever received reports (its report baseline means something).
    pub has_reports: bool,
    /// How long the reports have been `overwhelming` without a break (0 when they are not).
    pub overwhelming_for_ms: i64,
    /// The blamed component the service depends on, if any (named when the probe verdict
    /// leaned on it).
    pub upstream: Option<&'a str>,
    /// The neighbour the probe verdict may lean on and the component they share (named
    /// when it did).
    pub neighbour: Option<Neighbour<'a>>,
    /// A component attribution blames while this service depends on none of the blamed
    /// components and is not impaired: a storm elsewhere, during which its users report in
    /// sympathy (the engine leaves it `None` for an impaired service, so a storm never ends
    /// an impairment already on).
    pub storm: Option<&'a str>,
    pub params: &'a FusionParams,
}

/// A service relying on one of the same components whose failure corroborates this one's
/// (docs/detection.md 4.1, "A failing neighbour corroborates").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Neighbour<'a> {
    pub service: &'a str,
    pub component: &'a str,
    pub seen: NeighbourSeen,
}

impl Neighbour<'_> {
    /// "shop, which also relies on fastly, turned impaired 40 s ago": what a cause leaning on
    /// this neighbour says of it.
    fn describe(&self) -> String {
        let shows = match self.seen {
            NeighbourSeen::Impaired { secs_ago } if secs_ago > 0 => {
                format!("turned impaired {secs_ago} s ago")
            }
            NeighbourSeen::Impaired { .. } => "has just turned impaired".to_string(),
            NeighbourSeen::Alike(Awaiting::LoneVantage(_)) => {
                "fails from the same vantage".to_string()
            }
            NeighbourSeen::Alike(Awaiting::Region(_)) => "fails from the same vantages".to_string(),
            NeighbourSeen::Alike(_) => "fails too, with no vantage passing".to_string(),
            NeighbourSeen::ThinSurge => "draws reports too".to_string(),
        };
        format!(
            "{}, which also relies on {}, {shows}",
            self.service, self.component
        )
    }
}

/// What the neighbour shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NeighbourSeen {
    /// It turned impaired this many seconds ago.
    Impaired { secs_ago: i64 },
    /// It is not impaired yet, but its failures wait for the same thing as this service's:
    /// two dependents failing alike at once.
    Alike(Awaiting),
    /// It is not impaired yet, but its reports are a thin surge too: two dependents drawing
    /// reports at once.
    ThinSurge,
}

impl Evidence<'_> {
    /// Whether an overwhelming surge may override passing probes: at once when fewer than
    /// two live vantages pass, else only once it has lasted the hold.
    fn surge_beats_passing_probes(&self) -> bool {
        self.probe.live < 2 || self.overwhelming_for_ms >= self.params.contradicted_surge_hold_ms
    }

    /// Whether a surge is too thin to stand during a storm elsewhere, alone or with one
    /// vantage's unconfirmed failure.
    fn sympathy_suspected(&self) -> bool {
        self.storm.is_some() && self.surge.observed < self.params.storm_min_reporters
    }

    /// The neighbour that corroborates a thin surge: one that turned impaired moments ago or
    /// draws a thin surge too (not one merely failing alike: that is a probe's wait).
    fn thin_surge_neighbour(&self) -> Option<Neighbour<'_>> {
        self.neighbour.filter(|n| {
            matches!(
                n.seen,
                NeighbourSeen::Impaired { .. } | NeighbourSeen::ThinSurge
            )
        })
    }
}

fn official_state(o: Option<OfficialStatus>) -> Option<State> {
    match o? {
        OfficialStatus::MajorOutage => Some(State::MajorOutage),
        OfficialStatus::PartialOutage | OfficialStatus::Degraded => Some(State::Degraded),
        OfficialStatus::Operational | OfficialStatus::Maintenance => None,
    }
}

/// Applies the rules above.
pub fn fuse(e: &Evidence<'_>) -> (State, Rule) {
    let r = e.surge.level;
    match e.probe.state {
        State::MajorOutage => (State::MajorOutage, Rule::ProbeQuorumFailing),
        State::Degraded if r == SurgeLevel::Overwhelming => {
            (State::MajorOutage, Rule::ProbesDegradedReportsOverwhelming)
        }
        State::Degraded => (State::Degraded, Rule::ProbesDegraded),
        State::Operational if r == SurgeLevel::Overwhelming && e.surge_beats_passing_probes() => {
            (State::Degraded, Rule::ReportsOverwhelmingProbesPass)
        }
        State::Operational
            if r >= SurgeLevel::Surge && e.probe.unconfirmed > 0 && !e.sympathy_suspected() =>
        {
            (State::Degraded, Rule::ReportsCorroborateProbe)
        }
        State::Operational if official_state(e.official).is_some() => {
            (State::Degraded, Rule::OfficialProbesPass)
        }
        State::Operational if r >= SurgeLevel::Surge && e.probe.unconfirmed > 0 => {
            (State::Operational, Rule::ReportsSympathyBlip)
        }
        State::Operational => (State::Operational, Rule::ProbesPass),
        State::Unknown => match r {
            SurgeLevel::Overwhelming => (State::MajorOutage, Rule::ReportsOverwhelming),
            // A thin surge stands only beside a neighbour's failure, and like a surge not
            // during a storm elsewhere.
            SurgeLevel::Surge | SurgeLevel::Thin
                if e.sympathy_suspected()
                    && (r == SurgeLevel::Surge || e.thin_surge_neighbour().is_some()) =>
            {
                match official_state(e.official) {
                    Some(s) => (s, Rule::Official),
                    None => (State::Operational, Rule::ReportsSympathy),
                }
            }
            SurgeLevel::Surge => (State::Degraded, Rule::ReportsSurge),
            SurgeLevel::Thin if e.thin_surge_neighbour().is_some() => {
                (State::Degraded, Rule::ReportsThinCorroborated)
            }
            _ => match official_state(e.official) {
                Some(s) => (s, Rule::Official),
                None if e.has_reports => (State::Operational, Rule::ReportsNormal),
                None => (State::Unknown, Rule::NoData),
            },
        },
    }
}

fn describe_reports(s: &SurgeVerdict) -> String {
    format!(
        "{} reporters in {} min against {:.1} expected",
        s.observed, s.window_minutes, s.expected
    )
}

/// The cause of a candidate, in words a person can check against the evidence.
pub fn describe(rule: Rule, e: &Evidence<'_>) -> String {
    let mut text = match rule {
        Rule::ProbeQuorumFailing | Rule::ProbesDegraded => {
            match (e.probe.leaned_on, e.upstream, e.neighbour) {
                (Support::Upstream, Some(c), _) => {
                    format!(
                        "{} while {c}, which it depends on, is failing",
                        e.probe.describe()
                    )
                }
                (Support::Neighbour(_), _, Some(n)) => {
                    format!("{} while {}", e.probe.describe(), n.describe())
                }
                _ => e.probe.describe(),
            }
        }
        Rule::ProbesDegradedReportsOverwhelming => format!(
            "{}; users report problems overwhelmingly: {}",
            e.probe.describe(),
            describe_reports(e.surge)
        ),
        Rule::ReportsOverwhelmingProbesPass => format!(
            "users report problems overwhelmingly ({}) though {}",
            describe_reports(e.surge),
            e.probe.describe()
        ),
        Rule::ReportsCorroborateProbe => format!(
            "users report problems ({}) and a probe just failed from 1 of {} vantage{}",
            describe_reports(e.surge),
            e.probe.live,
            if e.probe.live == 1 { "" } else { "s" }
        ),
        Rule::OfficialProbesPass => format!(
            "official status {} though {}",
            e.official.map_or("unknown", |o| o.as_str()),
            e.probe.describe()
        ),
        Rule::ProbesPass => e.probe.describe(),
        Rule::ReportsOverwhelming => format!(
            "users report problems overwhelmingly: {} (no live probes)",
            describe_reports(e.surge)
        ),
        Rule::ReportsSurge => format!(
            "users report problems: {} (no live probes)",
            describe_reports(e.surge)
        ),
        Rule::ReportsThinCorroborated => format!(
            "users report problems: {}, fewer than reports alone need, while {} (no live \
             probes)",
            describe_reports(e.surge),
            e.thin_surge_neighbour()
                .map_or("a neighbour's failure corroborates them".into(), |n| n
                    .describe())
        ),
        Rule::ReportsSympathy => format!(
            "users report problems ({}) but fewer than the {} a surge needs without live \
             probes while {}, which this service does not depend on, is failing: likely \
             sympathy reports",
            describe_reports(e.surge),
            e.params.storm_min_reporters,
            e.storm.unwrap_or("a provider"),
        ),
        Rule::ReportsSympathyBlip => format!(
            "users report problems ({}) and a probe just failed from 1 of {} vantages, but \
             fewer than the {} reporters a surge needs to outweigh the others while {}, which \
             this service does not depend on, is failing: likely sympathy reports",
            describe_reports(e.surge),
            e.probe.live,
            e.params.storm_min_reporters,
            e.storm.unwrap_or("a provider"),
        ),
        Rule::Official => format!(
            "official status {} (no live probes)",
            e.official.map_or("unknown", |o| o.as_str())
        ),
        Rule::ReportsNormal if e.surge.level == SurgeLevel::Thin => format!(
            "no live probes; users report problems ({}), too few to stand without a \
             neighbour's failure beside them",
            describe_reports(e.surge)
        ),
        Rule::ReportsNormal => "no live probes; reports at their usual level".into(),
        Rule::NoData => "no probe results and no reports".into(),
    };
    let reports_named = (rule == Rule::ReportsNormal && e.surge.level == SurgeLevel::Thin)
        || matches!(
            rule,
            Rule::ProbesDegradedReportsOverwhelming
                | Rule::ReportsOverwhelmingProbesPass
                | Rule::ReportsCorroborateProbe
                | Rule::ReportsOverwhelming
                | Rule::ReportsSurge
                | Rule::ReportsThinCorroborated
                | Rule::ReportsSympathy
                | Rule::ReportsSympathyBlip
        );
    if !reports_named && e.surge.level >= SurgeLevel::Elevated {
        let level = match e.surge.level {
            SurgeLevel::Elevated => "elevated",
            SurgeLevel::Thin => "surging from a few reporters",
            SurgeLevel::Surge => "surging",
            _ => "overwhelming",
        };
        text.push_str(&format!("; reports {level}: {}", describe_reports(e.surge)));
    }
    let official_named = matches!(rule, Rule::OfficialProbesPass | Rule::Official);
    if let (false, Some(o)) = (official_named, e.official) {
        if o != OfficialStatus::Operational {
            text.push_str(&format!("; official status {}", o.as_str()));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::HOUR_MS;

    fn surge(level: SurgeLevel) -> SurgeVerdict {
        SurgeVerdict {
            level,
            observed: 120,
            expected: 3.0,
            surprise: 9.0,
            window_minutes: 3,
        }
    }

    fn probes(state: State) -> ProbeVerdict {
        ProbeVerdict {
            state,
            live: 3,
            failing: match state {
                State::MajorOutage => 3,
                State::Degraded => 1,
                _ => 0,
            },
            ..ProbeVerdict::default()
        }
    }

    #[test]
    fn the_documented_table() {
        use SurgeLevel::*;
        let cases = [
            (State::MajorOutage, Normal, None, State::MajorOutage),
            (State::Degraded, Overwhelming, None, State::MajorOutage),
            (State::Degraded, Surge, None, State::Degraded),
            (State::Operational, Overwhelming, None, State::Degraded),
            (State::Operational, Surge, None, State::Operational),
            (
                State::Operational,
                Normal,
                Some(OfficialStatus::MajorOutage),
                State::Degraded,
            ),
            (
                State::Operational,
                Normal,
                Some(OfficialStatus::Maintenance),
                State::Operational,
            ),
            (State::Unknown, Overwhelming, None, State::MajorOutage),
            (State::Unknown, Surge, None, State::Degraded),
            (State::Unknown, Elevated, None, State::Operational),
            (
                State::Unknown,
                Normal,
                Some(OfficialStatus::PartialOutage),
                State::Degraded,
            ),
        ];
        for (p, r, o, want) in cases {
            let (pv, sv) = (probes(p), surge(r));
            let e = Evidence {
                probe: &pv,
                surge: &sv,
                official: o,
                has_reports: true,
                overwhelming_for_ms: HOUR_MS,
                upstream: None,
                neighbour: None,
                storm: None,
                params: &FusionParams::default(),
            };
            let (got, rule) = fuse(&e);
            assert_eq!(got, want, "{p:?} {r:?} {o:?}");
            assert!(!describe(rule, &e).is_empty());
        }
        // With probes passing from 3 vantages, a young overwhelming surge is contradicted.
        let (pv, sv) = (probes(State::Operational), surge(SurgeLevel::Overwhelming));
        let young = Evidence {
            probe: &pv,
            surge: &sv,
            official: None,
            has_reports: true,
            overwhelming_for_ms: 9 * MINUTE_MS,
            upstream: None,
            neighbour: None,
            storm: None,
            params: &FusionParams::default(),
        };
        assert_eq!(fuse(&young).0, State::Operational);
        let one_vantage = ProbeVerdict { live: 1, ..pv };
        let e = Evidence {
            probe: &one_vantage,
            ..young
        };
        assert_eq!(fuse(&e).0, State::Degraded);
        // One vantage's unconfirmed failure: a surge corroborates it, an elevated level not.
        let mut pv = probes(State::Operational);
        pv.unconfirmed = 1;
        for (r, want) in [
            (SurgeLevel::Surge, State::Degraded),
            (SurgeLevel::Elevated, State::Operational),
        ] {
            let sv = surge(r);
            let e = Evidence {
                probe: &pv,
                surge: &sv,
                official: None,
                has_reports: true,
                overwhelming_for_ms: HOUR_MS,
                upstream: None,
                neighbour: None,
                storm: None,
                params: &FusionParams::default(),
            };
            assert_eq!(fuse(&e).0, want, "{r:?}");
        }
        let (pv, sv) = (probes(State::Unknown), surge(Normal));
        let e = Evidence {
            probe: &pv,
            surge: &sv,
            official: None,
            has_reports: false,
            overwhelming_for_ms: HOUR_MS,
            upstream: None,
            neighbour: None,
            storm: None,
            params: &FusionParams::default(),
        };
        assert_eq!(fuse(&e).0, State::Unknown);
    }

    #[test]
    fn causes_name_the_evidence() {
        let pv = ProbeVerdict {
            state: State::MajorOutage,
            failing: 2,
            live: 3,
            error: Some(crate::model::ProbeError::HttpStatus),
            ..ProbeVerdict::default()
        };
        let sv = surge(SurgeLevel::Surge);
        let e = Evidence {
            probe: &pv,
            surge: &sv,
            official: Some(OfficialStatus::Degraded),
            has_reports: true,
            overwhelming_for_ms: HOUR_MS,
            upstream: None,
            neighbour: None,
            storm: None,
            params: &FusionParams::default(),
        };
        let text = describe(fuse(&e).1, &e);
        assert_eq!(
            text,
            "probes fail from 2 of 3 vantages (http_status); reports surging: 120 reporters in 3 min against 3.0 expected; official status degraded"
        );
    }

    #[test]
    fn a_thin_surge_counts_only_beside_a_neighbour_s_failure() {
        let params = FusionParams::default();
        let pv = probes(State::Unknown);
        let thin = SurgeVerdict {
            level: SurgeLevel::Thin,
            observed: 6,
            expected: 0.1,
            surprise: 8.0,
            window_minutes: 3,
        };
        let impaired = Neighbour {
            service: "shop",
            component: "fastly",
            seen: NeighbourSeen::Impaired { secs_ago: 40 },
        };
        let evidence = |neighbour, storm| Evidence {
            probe: &pv,
            surge: &thin,
            official: None,
            has_reports: true,
            overwhelming_for_ms: 0,
            upstream: None,
            neighbour,
            storm,
            params: &params,
        };
        // Alone, a few people change nothing.
        let alone = evidence(None, None);
        assert_eq!(fuse(&alone), (State::Operational, Rule::ReportsNormal));
        assert_eq!(
            describe(Rule::ReportsNormal, &alone),
            "no live probes; users report problems (6 reporters in 3 min against 0.1 \
             expected), too few to stand without a neighbour's failure beside them"
        );
        // Beside a neighbour that has just turned impaired, or one drawing reports too.
        let beside = evidence(Some(impaired), None);
        assert_eq!(
            fuse(&beside),
            (State::Degraded, Rule::ReportsThinCorroborated)
        );
        assert_eq!(
            describe(Rule::ReportsThinCorroborated, &beside),
            "users report problems: 6 reporters in 3 min against 0.1 expected, fewer than \
             reports alone need, while shop, which also relies on fastly, turned impaired 40 s \
             ago (no live probes)"
        );
        let both = evidence(
            Some(Neighbour {
                seen: NeighbourSeen::ThinSurge,
                ..impaired
            }),
            None,
        );
        assert_eq!(fuse(&both).0, State::Degraded);
        assert!(describe(Rule::ReportsThinCorroborated, &both).contains("draws reports too"));
        // A neighbour whose probes merely wait alike is no impairment to lean on.
        let waiting = evidence(
            Some(Neighbour {
                seen: NeighbourSeen::Alike(Awaiting::Unanimity),
                ..impaired
            }),
            None,
        );
        assert_eq!(fuse(&waiting).0, State::Operational);
        // During a storm elsewhere a few people are sympathy, neighbour or not.
        let storm = evidence(Some(impaired), Some("cloudflare"));
        assert_eq!(fuse(&storm), (State::Operational, Rule::ReportsSympathy));
        // A probed service is judged by its probes: a thin surge is no surge beside them.
        let passing = probes(State::Operational);
        let probed = Evidence {
            probe: &passing,
            ..evidence(Some(impaired), None)
        };
        assert_eq!(fuse(&probed).0, State::Operational);
    }

    #[test]
    fn a_thin_report_only_surge_during_a_storm_elsewhere_is_sympathy() {
        let pv = probes(State::Unknown);
        let params = FusionParams::default();
        let evidence = |sv, storm, official| Evidence {
            probe: &pv,
            surge: sv,
            official,
            has_reports: true,
            overwhelming_for_ms: 0,
            upstream: None,
            neighbour: None,
            storm,
            params: &params,
        };
        let thin = SurgeVerdict {
            observed: params.storm_min_reporters - 1,
            ..surge(SurgeLevel::Surge)
        };
        let enough = SurgeVerdict {
            observed: params.storm_min_reporters,
            ..surge(SurgeLevel::Surge)
        };
        let fastly = Some("fastly");
        // Without a storm the detector's own minimum stands.
        assert_eq!(
            fuse(&evidence(&thin, None, None)),
            (State::Degraded, Rule::ReportsSurge)
        );
        let e = evidence(&thin, fastly, None);
        assert_eq!(fuse(&e), (State::Operational, Rule::ReportsSympathy));
        assert_eq!(
            describe(fuse(&e).1, &e),
            "users report problems (19 reporters in 3 min against 3.0 expected) but fewer than \
             the 20 a surge needs without live probes while fastly, which this service does not \
             depend on, is failing: likely sympathy reports"
        );
        assert_eq!(
            fuse(&evidence(&enough, fastly, None)),
            (State::Degraded, Rule::ReportsSurge)
        );
        // The service's own official status still counts, and so does an overwhelming surge.
        assert_eq!(
            fuse(&evidence(&thin, fastly, Some(OfficialStatus::MajorOutage))),
            (State::MajorOutage, Rule::Official)
        );
        let flood = SurgeVerdict {
            observed: 12,
            ..surge(SurgeLevel::Overwhelming)
        };
        assert_eq!(
            fuse(&evidence(&flood, fastly, None)),
            (State::MajorOutage, Rule::ReportsOverwhelming)
        );
        // With live probes, a thin surge and one vantage's fresh failure are sympathy and a
        // blip too (seed 451226); enough reporters, or no storm, corroborate the failure.
        let one_fresh = ProbeVerdict {
            unconfirmed: 1,
            ..probes(State::Operational)
        };
        let probed = |sv, storm, official| Evidence {
            probe: &one_fresh,
            ..evidence(sv, storm, official)
        };
        let e = probed(&thin, fastly, None);
        assert_eq!(fuse(&e), (State::Operational, Rule::ReportsSympathyBlip));
        assert_eq!(
            describe(fuse(&e).1, &e),
            format!(
                "users report problems (19 reporters in 3 min against 3.0 expected) and a probe \
                 just failed from 1 of {} vantages, but fewer than the 20 reporters a surge \
                 needs to outweigh the others while fastly, which this service does not depend \
                 on, is failing: likely sympathy reports",
                one_fresh.live
            )
        );
        for e in [probed(&enough, fastly, None), probed(&thin, None, None)] {
            assert_eq!(fuse(&e), (State::Degraded, Rule::ReportsCorroborateProbe));
        }
        assert_eq!(
            fuse(&probed(&thin, fastly, Some(OfficialStatus::PartialOutage))),
            (State::Degraded, Rule::OfficialProbesPass)
        );
        // Without a fresh failure the probes contradict a surge, storm or not.
        let passing = probes(State::Operational);
        let e = Evidence {
            probe: &passing,
            ..evidence(&thin, fastly, None)
        };
        assert_eq!(fuse(&e), (State::Operational, Rule::ProbesPass));
    }
}

//! The engine end to end through its public API: reports, probes, fusion, incidents.

use vigie_core::engine::{Engine, EngineParams};
use vigie_core::{
    ComponentKind, ComponentSpec, Dependency, Official, OfficialStatus, OfficialTarget, Output,
    ProbeError, ProbeResult, Report, ReportBatch, ReportKind, Scope, ServiceSpec, Signal, State,
    Timestamp, Topology,
};

const T0: i64 = 1_623_110_400; // 2021-06-08T00:00:00Z, a Tuesday

fn at(secs: i64) -> Timestamp {
    Timestamp::from_secs(T0 + secs)
}

fn topology(ids: &[&str]) -> Topology {
    Topology {
        services: ids
            .iter()
            .map(|id| ServiceSpec {
                id: id.to_string(),
                name: id.to_string(),
                depends_on: vec![Dependency::declared("fastly")],
            })
            .collect(),
        components: vec![],
    }
}

fn report(secs: i64, service: &str, reporter: Option<String>) -> Signal {
    Signal::Report(Report {
        at: at(secs),
        service: service.into(),
        kind: Some(ReportKind::Login),
        reporter,
        region: Some("FR".into()),
    })
}

fn probe(secs: i64, service: &str, vantage: &str, ok: bool) -> Signal {
    Signal::Probe(ProbeResult {
        at: at(secs),
        service: service.into(),
        check: None,
        vantage: vantage.into(),
        ok,
        slow: false,
        latency_ms: Some(if ok { 80.0 } else { 10_000.0 }),
        error: (!ok).then_some(ProbeError::Timeout),
    })
}

/// Feeds time-ordered signals, ticking every 10 s, up to `end`; returns all outputs.
fn run(engine: &mut Engine, signals: Vec<Signal>, end: i64) -> Vec<Output> {
    run_watching(engine, signals, end, |_, _| {})
}

/// [`run`], calling `watch` with the engine after each tick.
fn run_watching(
    engine: &mut Engine,
    mut signals: Vec<Signal>,
    end: i64,
    mut watch: impl FnMut(i64, &Engine),
) -> Vec<Output> {
    signals.sort_by_key(|s| s.at());
    let mut out = Vec::new();
    let mut i = 0;
    let mut t = 0;
    while t <= end {
        while i < signals.len() && signals[i].at() <= at(t) {
            engine.ingest(signals[i].clone());
            i += 1;
        }
        out.extend(engine.tick(at(t)));
        watch(t, engine);
        t += 10;
    }
    out
}

/// One report per minute from a rotating crowd, for `days` of history.
fn quiet_history(service: &str, days: i64) -> Vec<Signal> {
    (0..days * 1440)
        .filter(|m| m % 3 == 0)
        .map(|m| {
            Signal::Reports(ReportBatch {
                at: at(m * 60 - days * 86_400),
                service: service.into(),
                count: 1,
                kind: None,
                region: None,
            })
        })
        .collect()
}

/// Every service state change: (when, new state, previous state).
fn state_changes(out: &[Output]) -> Vec<(Timestamp, State, State)> {
    out.iter()
        .filter_map(|o| match o {
            Output::ServiceState {
                at,
                state,
                previous,
                ..
            } => Some((*at, *state, *previous)),
            _ => None,
        })
        .collect()
}

fn opened(out: &[Output]) -> Vec<&Output> {
    out.iter()
        .filter(|o| matches!(o, Output::IncidentOpened { .. }))
        .collect()
}

/// Probes of every service in `ids` from paris, tokyo and ohio at :00, :20 and :40 of each
/// of `minutes` minutes; `fails(service, vantage, secs)` gives the error of a failing probe.
fn three_vantage_rounds(
    ids: &[&str],
    minutes: i64,
    fails: impl Fn(&str, &str, i64) -> Option<ProbeError>,
) -> Vec<Signal> {
    let mut signals = Vec::new();
    for m in 0..minutes {
        for (k, v) in ["paris", "tokyo", "ohio"].iter().enumerate() {
            let t = m * 60 + k as i64 * 20;
            for &id in ids {
                let error = fails(id, v, t);
                let mut signal = probe(t, id, v, error.is_none());
                if let Signal::Probe(p) = &mut signal {
                    p.error = error;
                }
                signals.push(signal);
            }
        }
    }
    signals
}

/// When a service first turned impaired, and why.
type Impairment = Option<(Timestamp, String)>;

/// When `service` first turned impaired, and why.
fn first_impairment(out: &[Output], service: &str) -> Impairment {
    out.iter().find_map(|o| match o {
        Output::ServiceState {
            at,
            service: s,
            state,
            cause,
            ..
        } if s == service && state.is_impaired() => Some((*at, cause.clone())),
        _ => None,
    })
}

#[test]
fn a_flood_from_five_reporters_raises_nothing() {
    let mut engine = Engine::new(topology(&["shop"]), EngineParams::default());
    let mut signals = Vec::new();
    for i in 0..20_000i64 {
        // 20,000 reports in 20 minutes from 5 reporters.
        signals.push(report(
            i * 1200 / 20_000,
            "shop",
            Some(format!("r{}", i % 5)),
        ));
    }
    let out = run(&mut engine, signals, 3600);
    assert!(opened(&out).is_empty(), "{out:?}");
    assert!(out
        .iter()
        .all(|o| !matches!(o, Output::ServiceState { state, .. } if state.is_impaired())));
    let view = engine.service("shop").unwrap();
    assert_eq!(view.reports_received, 20_000);
    // 5 reporters, one counted report each per 15 minutes, over 20 minutes: 10.
    assert_eq!(view.reports_counted, 10);
}

#[test]
fn three_hundred_distinct_reporters_against_a_quiet_service_open_an_incident() {
    let mut engine = Engine::new(topology(&["shop", "other"]), EngineParams::default());
    let mut signals = quiet_history("shop", 2);
    let onset = 3600;
    for i in 0..300i64 {
        signals.push(report(onset + i, "shop", Some(format!("prefix-{i}"))));
    }
    let out = run(&mut engine, signals, onset + 3 * 3600);
    let incidents = opened(&out);
    assert_eq!(incidents.len(), 1, "{out:#?}");
    match incidents[0] {
        Output::IncidentOpened {
            at: when,
            scope,
            service,
            ..
        } => {
            assert_eq!(*scope, Scope::Service);
            assert_eq!(service.as_deref(), Some("shop"));
            assert!(*when >= at(onset) && *when <= at(onset + 300), "{when}");
        }
        _ => unreachable!(),
    }
    // Reports alone: the state says so, and the incident resolves once reports calm down.
    let impaired = out.iter().find_map(|o| match o {
        Output::ServiceState { state, cause, .. } if state.is_impaired() => Some(cause.clone()),
        _ => None,
    });
    assert!(impaired.unwrap().contains("report"), "{out:#?}");
    assert!(out
        .iter()
        .any(|o| matches!(o, Output::IncidentResolved { .. })));
    assert_eq!(engine.service("shop").unwrap().state, State::Operational);
    // The other service never saw anything.
    assert_eq!(engine.service("other").unwrap().state, State::Unknown);
}

#[test]
fn a_service_with_no_history() {
    let mut engine = Engine::new(topology(&["fresh", "silent"]), EngineParams::default());
    // A handful of reports on a brand-new service is not an outage.
    let signals: Vec<Signal> = (0..4).map(|i| report(i * 30, "fresh", None)).collect();
    let out = run(&mut engine, signals, 1800);
    assert!(opened(&out).is_empty(), "{out:?}");
    assert_eq!(engine.service("fresh").unwrap().state, State::Operational);
    assert_eq!(engine.service("silent").unwrap().state, State::Unknown);
    // But a surge from many distinct people is, even without a baseline.
    let signals: Vec<Signal> = (0..120)
        .map(|i| report(1800 + i, "fresh", Some(format!("p{i}"))))
        .collect();
    let out = run(&mut engine, signals, 2400);
    assert_eq!(opened(&out).len(), 1, "{out:#?}");
}

#[test]
fn probes_confirm_an_outage_and_its_recovery_with_hysteresis() {
    let mut engine = Engine::new(topology(&["api"]), EngineParams::default());
    let mut signals = Vec::new();
    for m in 0..60i64 {
        let down = (20..30).contains(&m);
        for (k, v) in ["paris", "virginia", "singapore"].iter().enumerate() {
            signals.push(probe(m * 60 + k as i64 * 7, "api", v, !down));
        }
    }
    // One lost probe from one vantage changes nothing.
    signals.push(probe(10 * 60 + 30, "api", "paris", false));
    let out = run(&mut engine, signals, 3600);
    let states = state_changes(&out);
    assert_eq!(
        states.iter().map(|s| s.1).collect::<Vec<_>>(),
        [State::Operational, State::MajorOutage, State::Operational],
        "{out:#?}"
    );
    // Vantages probe 7 s apart: once the third vantage's first failure (20 min 14 s) makes
    // the vote unanimous, the next tick (every 10 s) confirms it — without waiting for any
    // vantage's second failure.
    assert_eq!(states[1].0, at(20 * 60 + 20));
    // Up after two successes (minute 31) plus the recovery hold (3 minutes).
    assert!(
        states[2].0 >= at(34 * 60) && states[2].0 <= at(35 * 60),
        "{states:?}"
    );
    let cause = out.iter().find_map(|o| match o {
        Output::ServiceState {
            state: State::MajorOutage,
            cause,
            ..
        } => Some(cause.clone()),
        _ => None,
    });
    assert_eq!(cause.unwrap(), "probes fail from 3 of 3 vantages (timeout)");
    let ids: Vec<_> =
        out.iter()
            .filter_map(|o| match o {
                Output::IncidentOpened { incident, .. }
                | Output::IncidentResolved { incident, .. } => Some(*incident),
                _ => None,
            })
            .collect();
    assert_eq!(ids.len(), 2, "{out:#?}");
    assert_eq!(ids[0], ids[1]);
    let incident = engine.incident(ids[0]).unwrap();
    assert!(incident.first_signal <= incident.detected);
    assert_eq!(incident.first_signal, at(20 * 60));
    assert_eq!(incident.peak_state, State::MajorOutage);
    assert!(incident.resolved.is_some());
}

#[test]
fn a_minority_of_vantages_failing_is_degraded() {
    let mut engine = Engine::new(topology(&["api"]), EngineParams::default());
    let mut signals = Vec::new();
    for m in 0..30i64 {
        signals.push(probe(m * 60, "api", "paris", !(10..20).contains(&m)));
        signals.push(probe(m * 60 + 5, "api", "virginia", true));
        signals.push(probe(m * 60 + 9, "api", "tokyo", true));
    }
    let out = run(&mut engine, signals, 1800);
    assert!(out.iter().any(|o| matches!(
        o,
        Output::ServiceState { state: State::Degraded, cause, .. } if cause.contains("1 of 3")
    )));
    assert!(!out.iter().any(|o| matches!(
        o,
        Output::ServiceState {
            state: State::MajorOutage,
            ..
        }
    )));
}

#[test]
fn silent_vantages_go_stale_and_stop_counting() {
    let mut engine = Engine::new(topology(&["api"]), EngineParams::default());
    let mut signals = Vec::new();
    for m in 0..10i64 {
        signals.push(probe(m * 60, "api", "paris", true));
    }
    let out = run(&mut engine, signals, 1800);
    let last = out
        .iter()
        .rev()
        .find_map(|o| match o {
            Output::ServiceState { at, state, .. } => Some((*at, *state)),
            _ => None,
        })
        .unwrap();
    assert_eq!(last.1, State::Unknown);
    // Last result at minute 9, interval 60 s: stale after 3 intervals.
    assert!(
        last.0 > at(9 * 60 + 180) && last.0 <= at(9 * 60 + 200),
        "{last:?}"
    );
}

#[test]
fn official_status_is_shown_and_counts_only_without_contrary_evidence() {
    let mut engine = Engine::new(topology(&["api", "dark"]), EngineParams::default());
    let mut signals = Vec::new();
    for m in 0..10i64 {
        signals.push(probe(m * 60, "api", "paris", true));
    }
    for (svc, status) in [
        ("api", OfficialStatus::Maintenance),
        ("dark", OfficialStatus::MajorOutage),
    ] {
        signals.push(Signal::Official(Official {
            at: at(120),
            source: "status.example".into(),
            target: OfficialTarget::Service(svc.into()),
            status,
        }));
    }
    signals.push(Signal::Official(Official {
        at: at(130),
        source: "status.fastly.com".into(),
        target: OfficialTarget::Component("fastly".into()),
        status: OfficialStatus::Degraded,
    }));
    run(&mut engine, signals, 500);
    assert_eq!(engine.service("api").unwrap().state, State::Operational);
    let dark = engine.service("dark").unwrap();
    assert_eq!(dark.state, State::MajorOutage);
    assert!(dark.cause.contains("official"), "{}", dark.cause);
    assert_eq!(
        engine.component_official("fastly").unwrap().status,
        OfficialStatus::Degraded
    );
}

#[test]
fn check_policies_change_thresholds() {
    let mut engine = Engine::new(topology(&["api"]), EngineParams::default());
    engine.set_check_policy("api", "home", 1, 1).unwrap();
    assert!(engine.set_check_policy("nope", "home", 1, 1).is_err());
    let signals = vec![
        probe(0, "api", "paris", true),
        probe(60, "api", "paris", false),
    ];
    let out = run(&mut engine, signals, 100);
    assert!(out.iter().any(|o| matches!(
        o,
        Output::ServiceState {
            state: State::MajorOutage,
            ..
        }
    )));
}

/// A service that recovers and fails again while its incident is still open (the resolve
/// hold) is one impairment: attribution sees the onset of the episode, not of the relapse,
/// so a flapping service is not fresh evidence each time it flaps. Once the incident has
/// resolved, a new failure has a new onset.
#[test]
fn a_relapse_within_the_resolve_hold_keeps_the_onset_of_the_episode() {
    let impaired_since_after = |down: &[std::ops::Range<i64>], end_min: i64| {
        let mut engine = Engine::new(topology(&["api"]), EngineParams::default());
        let mut signals = Vec::new();
        for m in 0..end_min {
            let failing = down.iter().any(|r| r.contains(&m));
            for (k, v) in ["paris", "virginia", "singapore"].iter().enumerate() {
                signals.push(probe(m * 60 + k as i64 * 7, "api", v, !failing));
            }
        }
        let out = run(&mut engine, signals, end_min * 60);
        let impaired: Vec<Timestamp> = state_changes(&out)
            .into_iter()
            .filter(|(_, state, previous)| state.is_impaired() && !previous.is_impaired())
            .map(|(at, ..)| at)
            .collect();
        (impaired, engine.health()[0].impaired_since)
    };
    // Down at minute 20, up (after the 3-minute recovery hold) at about 34, down again at 38:
    // the incident, held 10 minutes after the recovery, is still open.
    let (impaired, since) = impaired_since_after(&[20..30, 38..60], 45);
    assert_eq!(impaired.len(), 2, "{impaired:?}");
    assert_eq!(since, Some(impaired[0]));
    // Down again at 50, long after the incident resolved (about 44): a new onset.
    let (impaired, since) = impaired_since_after(&[20..30, 50..60], 55);
    assert_eq!(impaired.len(), 2, "{impaired:?}");
    assert_eq!(since, Some(impaired[1]));
}

#[test]
fn accessors_expose_counts_bands_and_health() {
    let mut engine = Engine::new(topology(&["shop", "b"]), EngineParams::default());
    let mut signals = quiet_history("shop", 1);
    signals.push(report(30, "shop", Some("x".into())));
    signals.push(report(40, "shop", Some("x".into())));
    run(&mut engine, signals, 120);
    let series = engine.report_series("shop", at(120), 10).unwrap();
    assert_eq!(series.len(), 10);
    assert_eq!(series.last().unwrap().minute, at(120));
    // Minute 0 held two reports from one reporter: one counts.
    let m0 = series.iter().find(|p| p.minute == at(0)).unwrap();
    assert_eq!(m0.distinct, 1);
    assert!(m0.expected > 0.0 && m0.upper >= m0.expected);
    let (kinds, regions) = engine.report_breakdown("shop", at(0)).unwrap();
    assert_eq!(kinds[0], (Some(ReportKind::Login), 1));
    assert_eq!(regions, vec![("FR".to_string(), 1)]);
    assert_eq!(engine.health().len(), 2);
    assert_eq!(engine.health()[1].service, 1);
    assert_eq!(engine.service_id(1), Some("b"));
}

/// Sympathy: an overwhelming report surge on a service whose probes pass from three vantages
/// changes nothing while it is young (8 minutes), and makes the service `degraded` only once
/// it has lasted `contradicted_surge_hold_ms` (10 minutes) — the probe-invisible outage case.
#[test]
fn a_surge_against_passing_probes_must_be_sustained() {
    let surge_then_state = |minutes: i64, end_minute: i64| {
        let mut engine = Engine::new(topology(&["mail"]), EngineParams::default());
        let mut signals = Vec::new();
        for m in 0..90i64 {
            for (k, v) in ["paris", "virginia", "singapore"].iter().enumerate() {
                signals.push(probe(m * 60 + k as i64 * 7, "mail", v, true));
            }
            // A quiet trickle for history, then 40 distinct reporters a minute.
            if m % 3 == 0 {
                signals.push(report(m * 60 + 30, "mail", Some(format!("q{m}"))));
            }
            if (60..60 + minutes).contains(&m) {
                for i in 0..40 {
                    signals.push(report(m * 60 + i, "mail", Some(format!("s{m}-{i}"))));
                }
            }
        }
        let out = run(&mut engine, signals, end_minute * 60);
        let first = out
            .iter()
            .filter_map(|o| match o {
                Output::ServiceState { at, state, .. } if state.is_impaired() => Some(*at),
                _ => None,
            })
            .next();
        // "mail" is the only service: the first entry of the health the attributor reads.
        let onset = engine.health().first().and_then(|h| h.impaired_since);
        first.map(|f| (f, onset))
    };
    assert_eq!(surge_then_state(8, 90), None);
    let (first, _) = surge_then_state(20, 90).expect("a 20-minute overwhelming surge degrades");
    assert!(
        first >= at(70 * 60) && first <= at(73 * 60),
        "degraded at {first:?}"
    );
    // Attribution dates the failure from when the surge turned overwhelming, not from the
    // end of the hold: its users have been reporting for ten minutes.
    let (_, onset) = surge_then_state(20, 75).expect("degraded by minute 75");
    let onset = onset.expect("still impaired at minute 75");
    assert!(
        onset >= at(60 * 60) && onset <= at(62 * 60),
        "onset {onset:?}"
    );
}

/// A service impaired by its users while every probe passes says so to attribution
/// (`probes_pass`): it fails where the probes do not look. Once its probes fail in the same
/// impairment it no longer does, even after they pass again while it is still impaired.
#[test]
fn a_service_impaired_while_its_probes_pass_is_marked_for_attribution() {
    // Probes fail from every vantage during minutes `fail` (none: they always pass); 40
    // reporters a minute from minute 60 to 90. `probes_pass` at each minute from 60.
    let passing_at = |fail: Option<std::ops::Range<i64>>| {
        let mut engine = Engine::new(topology(&["mail"]), EngineParams::default());
        let mut signals = Vec::new();
        for m in 0..100i64 {
            for (k, v) in ["paris", "virginia", "singapore"].iter().enumerate() {
                let ok = !fail.as_ref().is_some_and(|f| f.contains(&m));
                signals.push(probe(m * 60 + k as i64 * 7, "mail", v, ok));
            }
            if m % 3 == 0 {
                signals.push(report(m * 60 + 30, "mail", Some(format!("q{m}"))));
            }
            if (60..90).contains(&m) {
                for i in 0..40 {
                    signals.push(report(m * 60 + i, "mail", Some(format!("s{m}-{i}"))));
                }
            }
        }
        let mut seen = Vec::new();
        run_watching(&mut engine, signals, 95 * 60, |t, engine| {
            if t % 60 == 0 && t >= 60 * 60 {
                let h = &engine.health()[0];
                seen.push((t / 60, h.state.is_impaired(), h.probes_pass));
            }
        });
        seen
    };
    let at_minute = |seen: &[(i64, bool, bool)], m: i64| {
        seen.iter()
            .find(|(x, ..)| *x == m)
            .map(|&(_, impaired, passing)| (impaired, passing))
    };

    // Healthy while the surge is young: not impaired, so not marked either.
    let passing = passing_at(None);
    assert_eq!(at_minute(&passing, 62), Some((false, false)), "{passing:?}");
    // Degraded by the sustained surge with every probe passing.
    assert_eq!(at_minute(&passing, 75), Some((true, true)), "{passing:?}");

    // The probes fail from minute 75 to 80: marked before, not once they fail, nor after
    // they pass again while the surge keeps it impaired.
    let failing = passing_at(Some(75..80));
    assert_eq!(at_minute(&failing, 74), Some((true, true)), "{failing:?}");
    assert_eq!(at_minute(&failing, 78), Some((true, false)), "{failing:?}");
    assert_eq!(at_minute(&failing, 82), Some((true, false)), "{failing:?}");
}

#[test]
fn a_service_failing_from_some_vantages_stays_seen_so_through_its_recovery_hold() {
    // Probes from the vantages in `failing` fail during minutes 10 to 20, the others always
    // pass. Each minute from 10 to 40: (impaired, has a footprint, failed partly).
    let seen_with = |failing: &[&str]| {
        let mut engine = Engine::new(topology(&["mail"]), EngineParams::default());
        let mut signals = Vec::new();
        for m in 0..45i64 {
            for (k, v) in ["paris", "virginia", "singapore"].iter().enumerate() {
                let ok = !(failing.contains(v) && (10..20).contains(&m));
                signals.push(probe(m * 60 + k as i64 * 7, "mail", v, ok));
            }
        }
        let mut seen = Vec::new();
        run_watching(&mut engine, signals, 45 * 60, |t, engine| {
            if t % 60 == 30 && (10 * 60..40 * 60).contains(&t) {
                let h = &engine.health()[0];
                seen.push((
                    t / 60,
                    h.state.is_impaired(),
                    h.footprint.is_some(),
                    h.failed_partly,
                ));
            }
        });
        seen
    };

    // From Paris alone: once impaired with its footprint, it stays seen failing partly
    // after Paris passes again, for as long as it stays impaired, and not after.
    let regional = seen_with(&["paris"]);
    assert!(
        regional.iter().any(|&(_, imp, fp, _)| imp && fp),
        "{regional:?}"
    );
    let recovering: Vec<_> = regional
        .iter()
        .filter(|&&(m, imp, fp, _)| m >= 20 && imp && !fp)
        .collect();
    assert!(!recovering.is_empty(), "no recovery hold: {regional:?}");
    assert!(recovering.iter().all(|r| r.3), "{regional:?}");
    assert!(
        regional
            .iter()
            .all(|&(_, imp, fp, partly)| imp || (!fp && !partly)),
        "{regional:?}"
    );

    // From every vantage: never seen failing partly, not even while the last vantages to
    // probe are still to fail or once they pass again.
    let everywhere = seen_with(&["paris", "virginia", "singapore"]);
    assert!(everywhere.iter().any(|r| r.1), "{everywhere:?}");
    assert!(everywhere.iter().all(|r| !r.3), "{everywhere:?}");
}

#[test]
fn restored_report_history_needs_no_new_warm_up() {
    // Two days of one reporter every third minute, as a store would give them back after a
    // restart, then a surge of 12 distinct reporters in 3 minutes: a surge, not overwhelming.
    let history: Vec<(Timestamp, u32)> = (0..2 * 1440)
        .filter(|m| m % 3 == 0)
        .map(|m| (at(m * 60 - 2 * 86_400), 1))
        .collect();
    let surge: Vec<Signal> = (0..12)
        .map(|i| report(600 + i * 15, "shop", Some(format!("prefix-{i}"))))
        .collect();
    let impaired = |out: &[Output]| {
        out.iter()
            .any(|o| matches!(o, Output::ServiceState { state, .. } if state.is_impaired()))
    };

    let mut restored = Engine::new(topology(&["shop"]), EngineParams::default());
    assert_eq!(
        restored.restore_report_minutes("shop", at(0), &history),
        Ok(history.len())
    );
    // The chart keeps its past.
    let series = restored.report_series("shop", at(-60), 6).unwrap();
    assert_eq!(
        series.iter().map(|p| p.distinct).collect::<Vec<_>>(),
        [1, 0, 0, 1, 0, 0]
    );
    let out = run(&mut restored, surge.clone(), 1200);
    assert!(impaired(&out), "{out:?}");

    // Without the history the same surge falls in the detector's warm-up: nothing.
    let mut fresh = Engine::new(topology(&["shop"]), EngineParams::default());
    let out = run(&mut fresh, surge, 1200);
    assert!(!impaired(&out), "{out:?}");

    // Restoring behind live reports would break their order: refused (0 minutes used),
    // as are unknown services.
    assert_eq!(
        fresh.restore_report_minutes("shop", at(1200), &history),
        Ok(0)
    );
    assert!(fresh
        .restore_report_minutes("nope", at(1200), &history)
        .is_err());
}

#[test]
fn a_blamed_dependency_corroborates_partial_probe_failures() {
    // Every service is behind fastly. Three fail from every vantage: fastly is blamed. Then
    // "late" fails from two vantages while the third still passes once — not unanimous, so
    // on its own it would wait for each vantage's second failure.
    let ids = ["s0", "s1", "s2", "late", "q0", "q1", "q2", "q3", "q4", "q5"];
    let run_with = |late_failing: bool| {
        let mut engine = Engine::new(topology(&ids), EngineParams::default());
        let mut signals = Vec::new();
        for m in 0..20i64 {
            for (k, v) in ["paris", "tokyo", "ohio"].iter().enumerate() {
                for id in ids {
                    let t = m * 60 + k as i64 * 2;
                    let ok = match id {
                        "s0" | "s1" | "s2" => m < 10,
                        // From minute 14 paris and tokyo fail; ohio passes at minute 14.
                        "late" => !(late_failing && m >= 14 && k < 2),
                        _ => true,
                    };
                    signals.push(probe(t, id, v, ok));
                }
            }
        }
        let out = run(&mut engine, signals, 14 * 60 + 20);
        (engine, out)
    };
    let (engine, out) = run_with(true);
    assert!(
        out.iter().any(|o| matches!(
            o,
            Output::IncidentOpened { scope: Scope::Component, component: Some(c), .. } if c == "fastly"
        )),
        "{out:?}"
    );
    let late = engine.service("late").unwrap();
    assert!(late.state.is_impaired(), "{:?} {}", late.state, late.cause);
    assert!(
        late.cause
            .contains("while fastly, which it depends on, is failing"),
        "{}",
        late.cause
    );
    // A healthy dependent stays operational while fastly is blamed.
    assert_eq!(engine.service("q0").unwrap().state, State::Operational);
    let (engine, _) = run_with(false);
    assert_eq!(engine.service("late").unwrap().state, State::Operational);
}

#[test]
fn a_failing_neighbour_corroborates_fresh_failures_from_two_vantages() {
    // Every service is behind fastly; the vantages probe 20 s apart. "first" fails from minute
    // 10 on, so all three vantages have failed by 640 s. "next" fails from 615 s: tokyo (620)
    // and ohio (640) fail, paris last passed at 600 and probes again at 660. Alone, "next"
    // waits for paris; with "first" just impaired, the two vantages count at 640. "next"
    // comes first in topology order, so it is evaluated before "first" turns impaired.
    // (Timeouts would not do: a test in `engine::probes` checks that.)
    let ids = ["next", "first", "q0", "q1", "q2"];
    let run_with = |first_fails: bool| {
        let mut engine = Engine::new(topology(&ids), EngineParams::default());
        // "next" answers with 5xx: a neighbour corroborates answers, not timeouts.
        let signals = three_vantage_rounds(&ids, 12, |id, _, t| match id {
            "first" if first_fails && t >= 600 => Some(ProbeError::Timeout),
            "next" if t >= 615 => Some(ProbeError::HttpStatus),
            _ => None,
        });
        let out = run(&mut engine, signals, 700);
        (
            first_impairment(&out, "next"),
            first_impairment(&out, "first"),
            first_impairment(&out, "q0"),
        )
    };
    let (next, first, q0) = run_with(true);
    assert_eq!(first.map(|f| f.0), Some(at(640)));
    let (when, cause) = next.expect("next is impaired");
    assert_eq!(when, at(640), "{cause}");
    assert!(
        cause.contains("while first, which also relies on fastly, has just turned impaired"),
        "{cause}"
    );
    assert_eq!(q0, None, "a healthy neighbour stays operational");
    // Alone, "next" is confirmed when paris fails too.
    let (next, first, _) = run_with(false);
    assert_eq!(first, None);
    let (when, cause) = next.expect("next is impaired");
    assert_eq!(when, at(660), "{cause}");
    assert!(!cause.contains("first"), "{cause}");
}

#[test]
fn a_neighbour_failing_from_the_same_vantage_confirms_a_lone_vantage_sooner() {
    // Every service is behind fastly; paris, tokyo and ohio probe at :00, :20 and :40 of
    // each minute. A regional failure: "first" fails from tokyo alone from 600 s (620, 680,
    // 740), so its lone vantage votes at its third failure, 740. "next" fails from tokyo from
    // 670 s (680, 740): two failures, one short of voting alone, when "first" turns impaired
    // from the same vantage, so it counts at once instead of at 800. Both answer with 5xx.
    let ids = ["next", "first", "q0", "q1", "q2"];
    let run_with = |first_fails_from: &str| {
        let mut engine = Engine::new(topology(&ids), EngineParams::default());
        let signals = three_vantage_rounds(&ids, 15, |id, v, t| {
            let fails = match id {
                "first" => v == first_fails_from && t >= 600,
                "next" => v == "tokyo" && t >= 670,
                _ => false,
            };
            fails.then_some(ProbeError::HttpStatus)
        });
        let out = run(&mut engine, signals, 880);
        (
            first_impairment(&out, "next"),
            first_impairment(&out, "first"),
            first_impairment(&out, "q0"),
        )
    };
    let (next, first, q0) = run_with("tokyo");
    assert_eq!(first.map(|f| f.0), Some(at(740)));
    let (when, cause) = next.expect("next is impaired");
    assert_eq!(when, at(740), "{cause}");
    assert_eq!(
        cause,
        "probes fail from 1 of 3 vantages (http_status) while first, which also relies on \
         fastly, has just turned impaired"
    );
    assert_eq!(q0, None, "a healthy neighbour stays operational");
    // A neighbour failing from another vantage is another footprint: "next" waits for its
    // own third failure.
    let (next, first, _) = run_with("paris");
    assert_eq!(first.map(|f| f.0), Some(at(720)));
    let (when, cause) = next.expect("next is impaired");
    assert_eq!(when, at(800), "{cause}");
    assert!(!cause.contains("first"), "{cause}");
}

/// When "a" and "b" first turned impaired, and why: five services behind fastly, probed by
/// [`three_vantage_rounds`] (paris, tokyo and ohio at :00, :20 and :40 of each minute), "a"
/// and "b" failing with `error` from the vantages given, each from the time given (s). The
/// healthy neighbour "q0" must stay operational.
fn a_and_b_failing(
    a: &[(&str, i64)],
    b: &[(&str, i64)],
    error: ProbeError,
) -> (Impairment, Impairment) {
    let ids = ["a", "b", "q0", "q1", "q2"];
    let mut engine = Engine::new(topology(&ids), EngineParams::default());
    let signals = three_vantage_rounds(&ids, 14, |id, v, t| {
        let from = match id {
            "a" => a,
            "b" => b,
            _ => &[],
        };
        from.iter()
            .any(|&(vantage, since)| vantage == v && t >= since)
            .then_some(error)
    });
    let out = run(&mut engine, signals, 820);
    assert_eq!(
        first_impairment(&out, "q0"),
        None,
        "a healthy neighbour stays operational"
    );
    (first_impairment(&out, "a"), first_impairment(&out, "b"))
}

#[test]
fn two_dependents_failing_from_the_same_lone_vantage_corroborate_each_other() {
    // "a" and "b" fail from one vantage each from 600 s on, answering 5xx or timing out.
    // From the same vantage (tokyo: 620, 680), each has two failures at 680, one short of
    // voting alone, and they corroborate each other then, not at 740.
    let run_with = |a_from: &str, error: ProbeError| {
        a_and_b_failing(&[(a_from, 600)], &[("tokyo", 600)], error)
    };
    let (a, b) = run_with("tokyo", ProbeError::HttpStatus);
    let (a_at, a_cause) = a.expect("a is impaired");
    let (b_at, b_cause) = b.expect("b is impaired");
    assert_eq!((a_at, b_at), (at(680), at(680)), "{a_cause} / {b_cause}");
    // The first evaluated leans on the other's waiting vantage, the other on its onset.
    assert_eq!(
        b_cause,
        "probes fail from 1 of 3 vantages (http_status) while a, which also relies on fastly, \
         fails from the same vantage"
    );
    assert_eq!(
        a_cause,
        "probes fail from 1 of 3 vantages (http_status) while b, which also relies on fastly, \
         has just turned impaired"
    );
    // Different vantages are different footprints; timeouts say nothing about who failed.
    // Each then waits for its own third failure.
    let (a, b) = run_with("paris", ProbeError::HttpStatus);
    assert_eq!(
        (a.map(|x| x.0), b.map(|x| x.0)),
        (Some(at(720)), Some(at(740)))
    );
    let (a, b) = run_with("tokyo", ProbeError::Timeout);
    assert_eq!(
        (a.map(|x| x.0), b.map(|x| x.0)),
        (Some(at(740)), Some(at(740)))
    );
}

#[test]
fn two_dependents_failing_alike_corroborate_each_other() {
    // "a" and "b" fail from the vantages given, each from the time given.
    let run_with = |a: &[(&str, i64)], b: &[(&str, i64)], error: ProbeError| {
        let (a, b) = a_and_b_failing(a, b, error);
        (a.expect("a is impaired"), b.expect("b is impaired"))
    };
    let all = [("paris", 600), ("tokyo", 600), ("ohio", 600)];
    // Failing everywhere with answers: at 620 each has failed from paris and tokyo, and
    // neither waits for ohio (640) to make it unanimous.
    let (a, b) = run_with(&all, &all, ProbeError::HttpStatus);
    assert_eq!((a.0, b.0), (at(620), at(620)), "{} / {}", a.1, b.1);
    assert_eq!(
        b.1,
        "probes fail from 2 of 3 vantages (http_status) while a, which also relies on fastly, \
         fails too, with no vantage passing"
    );
    assert_eq!(
        a.1,
        "probes fail from 2 of 3 vantages (http_status) while b, which also relies on fastly, \
         has just turned impaired"
    );
    // Timeouts say nothing about who failed: unanimity.
    let (a, b) = run_with(&all, &all, ProbeError::Timeout);
    assert_eq!((a.0, b.0), (at(640), at(640)));
    // From paris and tokyo only, b's paris from 660: ohio passed at 640, so each waits for
    // each vantage's second failure (a's tokyo at 680), unless the other fails from the same
    // two (b from 660).
    let region = [("paris", 600), ("tokyo", 600)];
    let (a, b) = run_with(&region, &[("tokyo", 600), ("paris", 660)], ProbeError::Tls);
    assert_eq!((a.0, b.0), (at(660), at(660)), "{} / {}", a.1, b.1);
    assert!(b.1.ends_with("fails from the same vantages"), "{}", b.1);
    let (a, b) = run_with(&region, &[("ohio", 600), ("paris", 660)], ProbeError::Tls);
    assert_eq!((a.0, b.0), (at(680), at(720)), "{} / {}", a.1, b.1);
}

/// `n` services `{prefix}0..` relying on the managed service `component`, and twenty `web`
/// services behind fastly: the ids (in topology order) and the topology.
fn managed_service_world(prefix: &str, n: usize, component: &str) -> (Vec<String>, Topology) {
    let mut ids: Vec<String> = (0..n).map(|i| format!("{prefix}{i}")).collect();
    ids.extend((0..20).map(|i| format!("web{i}")));
    let topology = Topology {
        services: ids
            .iter()
            .map(|id| ServiceSpec {
                id: id.clone(),
                name: id.clone(),
                depends_on: vec![Dependency::declared(if id.starts_with(prefix) {
                    component
                } else {
                    "fastly"
                })],
            })
            .collect(),
        components: vec![ComponentSpec {
            id: component.into(),
            kind: ComponentKind::ManagedService,
            name: None,
        }],
    };
    (ids, topology)
}

/// Probes of `ids` from paris, tokyo and ohio (2 s apart) every minute until `end` s;
/// `fails(minute, service, vantage)` gives a failing probe's error, `None` a success.
fn probe_rounds(
    ids: &[String],
    end: i64,
    fails: impl Fn(i64, &str, &str) -> Option<ProbeError>,
) -> Vec<Signal> {
    let mut signals = Vec::new();
    for m in 0..=end / 60 {
        for (k, v) in ["paris", "tokyo", "ohio"].iter().enumerate() {
            for id in ids {
                let error = fails(m, id, v);
                let mut signal = probe(m * 60 + k as i64 * 2, id, v, error.is_none());
                if let Signal::Probe(p) = &mut signal {
                    p.error = error;
                }
                signals.push(signal);
            }
        }
    }
    signals
}

/// Where probes fail reaches attribution: two of a queue's ten dependents failing from the
/// same one vantage of three point to a regional failure of the queue; failing from two
/// different vantages they are two services' own troubles.
#[test]
fn services_failing_from_the_same_vantage_blame_what_they_share() {
    let run_with = |vantages: [&str; 2]| {
        let (ids, topology) = managed_service_world("q", 10, "aws/us-east-1/sqs");
        let mut engine = Engine::new(topology, EngineParams::default());
        let end = 15 * 60;
        let signals = probe_rounds(&ids, end, |m, id, v| {
            let failing = (id == "q0" && v == vantages[0]) || (id == "q1" && v == vantages[1]);
            (m >= 6 && failing).then_some(ProbeError::HttpStatus)
        });
        let out = run(&mut engine, signals, end);
        let blamed: Vec<String> = out
            .iter()
            .filter_map(|o| match o {
                Output::IncidentOpened {
                    scope: Scope::Component,
                    component,
                    ..
                } => component.clone(),
                _ => None,
            })
            .collect();
        let health = engine.health();
        (blamed, health[0], health[1])
    };
    let (blamed, q0, q1) = run_with(["tokyo", "tokyo"]);
    assert!(q0.state.is_impaired() && q1.state.is_impaired());
    assert!(q0.footprint.is_some());
    assert_eq!(q0.footprint, q1.footprint);
    assert_eq!(blamed, vec!["aws/us-east-1/sqs".to_string()]);
    let (blamed, q0, q1) = run_with(["tokyo", "paris"]);
    assert!(q0.state.is_impaired() && q1.state.is_impaired());
    assert_ne!(q0.footprint, q1.footprint);
    assert!(blamed.is_empty(), "{blamed:?}");
}

/// What failing probes see reaches attribution: two services of a managed database's four
/// dependents failing together make the database the cause when they answer 5xx, and two
/// lone failures when their certificates break, which a database cannot do.
#[test]
fn the_probes_error_decides_whether_a_shared_database_is_blamed() {
    // db0 and db1 fail with `error` from minute 6 until `until`; the run ends at `end` s.
    let run_with = |error: ProbeError, until: i64, end: i64| {
        let (ids, topology) = managed_service_world("db", 4, "gcp/us-central1/cloud-sql");
        let mut engine = Engine::new(topology, EngineParams::default());
        let signals = probe_rounds(&ids, end, |m, id, _| {
            ((6..until).contains(&m) && (id == "db0" || id == "db1")).then_some(error)
        });
        let out = run(&mut engine, signals, end);
        let blamed = out.iter().any(|o| {
            matches!(
                o,
                Output::IncidentOpened {
                    scope: Scope::Component,
                    ..
                }
            )
        });
        let db0 = engine.service("db0").unwrap().state;
        (blamed, db0, engine.health()[0].symptom)
    };
    let (blamed, state, symptom) = run_with(ProbeError::HttpStatus, 12, 11 * 60 + 30);
    assert!(state.is_impaired());
    assert_eq!(symptom, Some(ProbeError::HttpStatus));
    assert!(
        blamed,
        "5xx from two of its four dependents blame the database"
    );
    let (blamed, state, symptom) = run_with(ProbeError::Tls, 12, 11 * 60 + 30);
    assert!(state.is_impaired());
    assert_eq!(symptom, Some(ProbeError::Tls));
    assert!(!blamed, "a database does not break certificates");

    // Probes pass again from minute 12; the services stay impaired through the recovery
    // hold. How they failed still counts: passing probes do not turn two broken
    // certificates into evidence against the database (generated seed 9009 named it then).
    let (blamed, state, symptom) = run_with(ProbeError::Tls, 12, 14 * 60 + 30);
    assert!(state.is_impaired());
    assert!(
        !blamed,
        "a recovering service keeps the symptom of its failure"
    );
    assert_eq!(symptom, Some(ProbeError::Tls));
    let (_, state, symptom) = run_with(ProbeError::Tls, 12, 20 * 60);
    assert_eq!(state, State::Operational);
    assert_eq!(symptom, None, "recovered: no symptom");
}

/// A probe that has just failed from one vantage puts a healthy service in doubt, for
/// attribution, until it counts (the service is impaired) or the vantage recovers.
#[test]
fn a_first_failed_probe_puts_a_healthy_service_in_doubt() {
    let mut engine = Engine::new(topology(&["api"]), EngineParams::default());
    let mut signals = Vec::new();
    for m in 0..10i64 {
        for (k, v) in ["paris", "virginia", "tokyo"].iter().enumerate() {
            // Paris fails at minutes 5 and 6, then passes; the others always pass.
            let ok = !(*v == "paris" && (5..7).contains(&m));
            signals.push(probe(m * 60 + 5 * k as i64, "api", v, ok));
        }
    }
    let mut in_doubt = Vec::new();
    run_watching(&mut engine, signals, 600, |t, engine| {
        let h = &engine.health()[0];
        assert!(
            !h.state.is_impaired(),
            "a lone vantage's two failures impair nothing"
        );
        in_doubt.push((t, h.probes_in_doubt));
    });
    let doubt = |t: i64| in_doubt.iter().find(|(s, _)| *s == t).map(|(_, d)| *d);
    assert_eq!(doubt(290), Some(false));
    assert_eq!(doubt(300), Some(true), "{in_doubt:?}");
    assert_eq!(doubt(400), Some(true));
    // Paris passes at 420 s, a success too few to recover its two failures; at 480 s it
    // has recovered, and no doubt is left.
    assert_eq!(doubt(470), Some(true), "{in_doubt:?}");
    assert_eq!(doubt(480), Some(false), "{in_doubt:?}");
    assert_eq!(doubt(600), Some(false));
}

/// During fastly's outage, users of a service that does not use fastly report in sympathy: a
/// report-only surge from a dozen people does not make it degraded then, though it would on
/// a quiet day; a surge from more people than the storm's minimum still does.
#[test]
fn a_thin_report_only_surge_during_a_storm_elsewhere_is_sympathy() {
    let ids = ["s0", "s1", "s2", "q0", "q1", "q2", "q3", "q4", "q5", "q6"];
    // `probed`: blog is probed too, and its Paris probe fails once at minute 16 (a blip the
    // surge would corroborate outside a storm).
    let run_with_probes = |storm: bool, reporters: i64, probed: bool| {
        let mut topology = topology(&ids);
        topology.services.push(ServiceSpec {
            id: "blog".into(),
            name: "blog".into(),
            depends_on: vec![Dependency::declared("linode")],
        });
        let mut engine = Engine::new(topology, EngineParams::default());
        let mut signals = quiet_history("blog", 2);
        for m in 0..30i64 {
            for (k, v) in ["paris", "tokyo", "ohio"].iter().enumerate() {
                for id in ids {
                    let failing = storm && id.starts_with('s') && m >= 10;
                    signals.push(probe(m * 60 + k as i64 * 2, id, v, !failing));
                }
                if probed {
                    let blip = m == 16 && *v == "paris";
                    signals.push(probe(m * 60 + k as i64 * 2 + 1, "blog", v, !blip));
                }
            }
        }
        // From minute 15, `reporters` distinct people report blog within two minutes.
        for i in 0..reporters {
            let t = 15 * 60 + i * 120 / reporters;
            signals.push(report(t, "blog", Some(format!("p{i}"))));
        }
        signals.sort_by_key(|s| s.at());
        run(&mut engine, signals, 30 * 60)
    };
    let run_with = |storm: bool, reporters: i64| run_with_probes(storm, reporters, false);
    let blog_impaired = |out: &[Output]| {
        out.iter().any(|o| {
            matches!(o, Output::ServiceState { service, state, .. }
                if service == "blog" && state.is_impaired())
        })
    };
    let out = run_with(true, 17);
    assert!(
        out.iter().any(|o| matches!(
            o,
            Output::IncidentOpened { scope: Scope::Component, component: Some(c), .. } if c == "fastly"
        )),
        "{out:?}"
    );
    assert!(!blog_impaired(&out), "{out:#?}");
    let quiet = run_with(false, 17);
    assert!(blog_impaired(&quiet), "{quiet:#?}");
    let crowd = run_with(true, 30);
    assert!(blog_impaired(&crowd), "{crowd:#?}");

    // Probed, a thin surge and one blip are sympathy during the storm, and an impairment
    // outside it.
    let blip = run_with_probes(true, 17, true);
    assert!(!blog_impaired(&blip), "{blip:#?}");
    let quiet_blip = run_with_probes(false, 17, true);
    assert!(blog_impaired(&quiet_blip), "{quiet_blip:#?}");
    let crowd_blip = run_with_probes(true, 30, true);
    assert!(blog_impaired(&crowd_blip), "{crowd_blip:#?}");
}

/// A component's official status reaches attribution: two of a managed database's fourteen
/// dependents answering 5xx in step are too few to name it, until its status page declares a
/// partial outage twenty minutes in (status pages are late), when it is named with the
/// status in its explanation (docs/attribution.md, "A declared failure").
#[test]
fn a_component_s_declared_failure_reaches_attribution() {
    let run_with = |status: OfficialStatus| {
        let (ids, topology) = managed_service_world("db", 14, "gcp/us-central1/cloud-sql");
        let mut engine = Engine::new(topology, EngineParams::default());
        let end = 30 * 60;
        let mut signals = probe_rounds(&ids, end, |m, id, _| {
            (m >= 6 && (id == "db0" || id == "db1")).then_some(ProbeError::HttpStatus)
        });
        signals.push(Signal::Official(Official {
            at: at(20 * 60 + 30),
            source: "status.cloud.google.com".into(),
            target: OfficialTarget::Component("gcp/us-central1/cloud-sql".into()),
            status,
        }));
        signals.sort_by_key(|s| s.at());
        let out = run(&mut engine, signals, end);
        assert!(engine.service("db0").unwrap().state.is_impaired());
        out.iter().find_map(|o| match o {
            Output::IncidentOpened {
                at,
                scope: Scope::Component,
                component: Some(c),
                explanation,
                ..
            } => Some((*at, c.clone(), explanation.clone().unwrap_or_default())),
            _ => None,
        })
    };
    assert_eq!(run_with(OfficialStatus::Operational), None);
    let (opened_at, component, explanation) = run_with(OfficialStatus::PartialOutage).unwrap();
    assert_eq!(component, "gcp/us-central1/cloud-sql");
    assert!(
        opened_at >= at(20 * 60 + 30) && opened_at <= at(20 * 60 + 40),
        "{opened_at:?}"
    );
    assert!(
        explanation.ends_with("; official status partial_outage (status.cloud.google.com)"),
        "{explanation}"
    );
}

/// A surge that dips to merely elevated reports for a few minutes is one impairment, not
/// two: entering needs a surge, leaving needs reports back at their usual level.
#[test]
fn a_report_surge_that_dips_to_elevated_is_one_impairment() {
    let mut engine = Engine::new(topology(&["shop"]), EngineParams::default());
    let mut signals = quiet_history("shop", 2);
    let onset = 3600;
    let mut n = 0;
    for (from, to, per_minute) in [(0, 10, 20), (10, 22, 2), (22, 32, 20)] {
        for minute in from..to {
            for k in 0..per_minute {
                n += 1;
                let secs = onset + minute * 60 + k * 60 / per_minute;
                signals.push(report(secs, "shop", Some(format!("p-{n}"))));
            }
        }
    }
    let out = run(&mut engine, signals, onset + 2 * 3600);
    let entered: Vec<_> = state_changes(&out)
        .into_iter()
        .filter(|(_, state, previous)| state.is_impaired() && !previous.is_impaired())
        .collect();
    assert_eq!(entered.len(), 1, "{:#?}", state_changes(&out));
    assert_eq!(engine.service("shop").unwrap().state, State::Operational);
}

/// A report every half hour for two days: a service few people use, whose handful of
/// reporters in a minute or two is far beyond its baseline but short of the ten reports alone
/// need.
fn sparse_history(service: &str) -> Vec<Signal> {
    (0..2 * 48)
        .map(|k| {
            Signal::Reports(ReportBatch {
                at: at(k * 1800 + 7 - 2 * 86_400),
                service: service.into(),
                count: 1,
                kind: None,
                region: None,
            })
        })
        .collect()
}

/// Six distinct people report `service` between `from` and `from` + 100 s.
fn six_reporters(service: &str, from: i64) -> Vec<Signal> {
    (0..6)
        .map(|i| report(from + i * 20, service, Some(format!("{service}-p{i}"))))
        .collect()
}

/// docs/detection.md 4.3, "A failing neighbour corroborates a thin surge": six reporters on a
/// service without probes are a surge's surprise but fewer than the ten reports alone need.
/// They make it degraded when a neighbour (a service relying on the same component) has just
/// turned impaired, or draws such reports too; alone, beside a healthy neighbour, or while
/// the only failure is of a component it does not share, they change nothing.
#[test]
fn a_failing_neighbour_corroborates_a_thin_surge() {
    // "first" (probed) and "app" (reports only) rely on fastly; "blog" (reports only) on
    // linode.
    let run_with = |first_fails: bool, app2_reports: bool| {
        let probed = ["first", "q0", "q1"];
        let mut topology = topology(&probed);
        for (id, on) in [("app", "fastly"), ("app2", "fastly"), ("blog", "linode")] {
            topology.services.push(ServiceSpec {
                id: id.into(),
                name: id.into(),
                depends_on: vec![Dependency::declared(on)],
            });
        }
        let mut engine = Engine::new(topology, EngineParams::default());
        let mut signals = three_vantage_rounds(&probed, 14, |id, _, t| {
            (first_fails && id == "first" && t >= 600).then_some(ProbeError::HttpStatus)
        });
        for id in ["app", "app2", "blog"] {
            signals.extend(sparse_history(id));
        }
        signals.extend(six_reporters("app", 620));
        signals.extend(six_reporters("blog", 620));
        if app2_reports {
            signals.extend(six_reporters("app2", 620));
        }
        let out = run(&mut engine, signals, 14 * 60);
        (
            first_impairment(&out, "app"),
            first_impairment(&out, "app2"),
            first_impairment(&out, "blog"),
        )
    };
    // Beside "first", which turned impaired at 640 s.
    let (app, _, blog) = run_with(true, false);
    let (when, cause) = app.expect("app is impaired");
    assert!(when >= at(640) && when <= at(720), "{when:?}: {cause}");
    assert!(
        cause.contains("fewer than reports alone need, while first, which also relies on fastly, turned impaired"),
        "{cause}"
    );
    assert_eq!(blog, None, "blog shares nothing with first");
    // Two services drawing a few reports at once corroborate each other.
    let (app, app2, blog) = run_with(false, true);
    let (_, cause) = app.expect("app is impaired");
    assert!(cause.contains("which also relies on fastly"), "{cause}");
    assert!(app2.is_some());
    assert_eq!(blog, None);
    // Alone, the same six reporters are not enough.
    let (app, _, blog) = run_with(false, false);
    assert_eq!((app, blog), (None, None));
}

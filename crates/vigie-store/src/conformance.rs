//! The conformance suite: what every [`Store`] backend must do, written once against the
//! trait (in the manner of quickwit's metastore tests).
//!
//! A backend's test file implements [`TestBackend`] for a fresh, empty location (a temporary
//! directory for SQLite; a fresh schema for PostgreSQL, its URL read from an environment
//! variable) and stamps every case as a `#[test]`:
//!
//! ```ignore
//! struct TempSqlite(tempfile::TempDir);
//! impl vigie_store::conformance::TestBackend for TempSqlite {
//!     fn open(&self) -> vigie_store::StoreResult<Box<dyn vigie_store::Store>> {
//!         Ok(Box::new(vigie_store::SqliteStore::open(self.0.path())?))
//!     }
//! }
//! vigie_store::store_conformance_tests!(TempSqlite(tempfile::tempdir().unwrap()));
//! ```
//!
//! A PostgreSQL backend would do the same behind its cargo feature, reading its server's URL
//! from an environment variable (e.g. `VIGIE_TEST_POSTGRES_URL`) and creating one schema per
//! `TestBackend`.
//!
//! Each case takes the backend, opens it (several times for the persistence cases) and
//! panics with a message on the first violation. Cases never depend on each other; the
//! expression given to the macro is evaluated once per case, so each gets an empty store.
//! The list of cases is [`CASES`]; the macro stamps exactly those.

use std::collections::BTreeSet;
use std::time::Duration;

use vigie_core::{DependencyOrigin, ProbeError, ReportKind, Scope, State, Timestamp};

use crate::error::{StoreError, StoreResult};
use crate::records::{
    ChangeKind, EdgeObservation, EdgeSet, IncidentFilter, IncidentRecord, NewReport, ProbeQuery,
    ProbeRecord, StateTransition, TimelineEntry, TimelineKind, MAX_NOTE_CHARS,
};
use crate::store::Store;

/// One location a backend under test lives in. `open` may be called several times; every
/// call opens the same data (that is how persistence across restarts is tested). Dropping
/// the returned store must release it so a later `open` succeeds.
pub trait TestBackend {
    fn open(&self) -> StoreResult<Box<dyn Store>>;
}

/// A conformance case: its name and the function that runs it.
pub type Case = (&'static str, fn(&dyn TestBackend));

/// Every case, by name. [`store_conformance_tests!`](crate::store_conformance_tests) stamps
/// one `#[test]` per entry.
pub const CASES: &[Case] = &[
    ("probe_results_round_trip", probe_results_round_trip),
    (
        "probe_results_filters_and_limit",
        probe_results_filters_and_limit,
    ),
    (
        "probe_history_aggregates_per_minute",
        probe_history_aggregates_per_minute,
    ),
    (
        "probe_history_merges_across_batches",
        probe_history_merges_across_batches,
    ),
    (
        "last_probe_results_keep_newest",
        last_probe_results_keep_newest,
    ),
    (
        "transitions_and_current_states",
        transitions_and_current_states,
    ),
    ("incidents_upsert_and_get", incidents_upsert_and_get),
    ("incidents_list_filters", incidents_list_filters),
    ("incidents_reject_bad_input", incidents_reject_bad_input),
    ("reports_append_and_count", reports_append_and_count),
    ("reports_batch_is_atomic", reports_batch_is_atomic),
    ("reports_recent_reporters", reports_recent_reporters),
    (
        "dependencies_upsert_and_history",
        dependencies_upsert_and_history,
    ),
    (
        "dependencies_sync_removes_missing",
        dependencies_sync_removes_missing,
    ),
    ("meta_round_trip", meta_round_trip),
    ("prune_respects_boundaries", prune_respects_boundaries),
    ("reopen_persists_everything", reopen_persists_everything),
    ("reopen_is_idempotent", reopen_is_idempotent),
    (
        "concurrent_writers_and_readers",
        concurrent_writers_and_readers,
    ),
    (
        "empty_ranges_and_unknown_services",
        empty_ranges_and_unknown_services,
    ),
    ("identifiers_are_validated", identifiers_are_validated),
];

/// Stamps one `#[test]` per conformance case. The argument is an expression producing a
/// fresh [`TestBackend`]; it is evaluated once per test.
#[macro_export]
macro_rules! store_conformance_tests {
    ($backend:expr) => {
        $crate::store_conformance_tests!(@cases $backend;
            probe_results_round_trip,
            probe_results_filters_and_limit,
            probe_history_aggregates_per_minute,
            probe_history_merges_across_batches,
            last_probe_results_keep_newest,
            transitions_and_current_states,
            incidents_upsert_and_get,
            incidents_list_filters,
            incidents_reject_bad_input,
            reports_append_and_count,
            reports_batch_is_atomic,
            reports_recent_reporters,
            dependencies_upsert_and_history,
            dependencies_sync_removes_missing,
            meta_round_trip,
            prune_respects_boundaries,
            reopen_persists_everything,
            reopen_is_idempotent,
            concurrent_writers_and_readers,
            empty_ranges_and_unknown_services,
            identifiers_are_validated,
        );
        #[test]
        fn conformance_macro_covers_every_case() {
            let stamped = [
                "probe_results_round_trip",
                "probe_results_filters_and_limit",
                "probe_history_aggregates_per_minute",
                "probe_history_merges_across_batches",
                "last_probe_results_keep_newest",
                "transitions_and_current_states",
                "incidents_upsert_and_get",
                "incidents_list_filters",
                "incidents_reject_bad_input",
                "reports_append_and_count",
                "reports_batch_is_atomic",
                "reports_recent_reporters",
                "dependencies_upsert_and_history",
                "dependencies_sync_removes_missing",
                "meta_round_trip",
                "prune_respects_boundaries",
                "reopen_persists_everything",
                "reopen_is_idempotent",
                "concurrent_writers_and_readers",
                "empty_ranges_and_unknown_services",
                "identifiers_are_validated",
            ];
            let cases: Vec<&str> = $crate::conformance::CASES.iter().map(|c| c.0).collect();
            assert_eq!(stamped.as_slice(), cases.as_slice());
        }
    };
    (@cases $backend:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                let backend = $backend;
                $crate::conformance::$case(&backend);
            }
        )*
    };
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// 2026-01-05T00:00:00Z, a Monday: the origin of every case's clock.
const BASE_MS: i64 = 1_767_571_200_000;
const MIN: i64 = 60_000;

/// `BASE + minutes`.
fn t(minutes: i64) -> Timestamp {
    Timestamp::from_millis(BASE_MS + minutes * MIN)
}

/// `BASE + seconds`.
fn ts(seconds: i64) -> Timestamp {
    Timestamp::from_millis(BASE_MS + seconds * 1000)
}

fn open(backend: &dyn TestBackend) -> Box<dyn Store> {
    match backend.open() {
        Ok(s) => s,
        Err(e) => panic!("opening the backend under test failed: {e}"),
    }
}

fn ok<T>(what: &str, r: StoreResult<T>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what} failed: {e}"),
    }
}

fn probe(service: &str, check: &str, vantage: &str, at: Timestamp) -> ProbeRecord {
    ProbeRecord {
        service: service.into(),
        check: check.into(),
        vantage: vantage.into(),
        at,
        ok: true,
        slow: false,
        latency_ms: Some(100.0),
        error: None,
        status: Some(200),
        detail: None,
    }
}

fn failed(mut p: ProbeRecord, error: ProbeError) -> ProbeRecord {
    p.ok = false;
    p.error = Some(error);
    p
}

fn with_latency(mut p: ProbeRecord, ms: Option<f64>) -> ProbeRecord {
    p.latency_ms = ms;
    p
}

fn query(service: &str, from: Timestamp, to: Timestamp) -> ProbeQuery {
    ProbeQuery {
        service: service.into(),
        check: None,
        vantage: None,
        from,
        to,
        limit: 10_000,
    }
}

fn report(service: &str, at: Timestamp, kind: ReportKind, reporter: &str) -> NewReport {
    NewReport {
        service: service.into(),
        at,
        kind,
        region: None,
        note: None,
        reporter: reporter.into(),
        counted: true,
    }
}

fn incident(id: u64, service: &str, opened: Timestamp) -> IncidentRecord {
    IncidentRecord {
        id,
        scope: Scope::Service,
        service: Some(service.into()),
        component: None,
        title: format!("{service} is impaired"),
        opened_at: opened,
        detected_at: opened.plus_millis(MIN),
        peak_at: None,
        resolved_at: None,
        confidence: None,
        services: vec![service.into()],
        parent: None,
        explanation: None,
    }
}

fn edge(
    target: &str,
    origin: DependencyOrigin,
    confidence: f64,
    evidence: &[&str],
) -> EdgeObservation {
    EdgeObservation {
        target: target.into(),
        origin,
        confidence,
        evidence: evidence.iter().map(|s| s.to_string()).collect(),
    }
}

fn assert_invalid<T: std::fmt::Debug>(what: &str, r: StoreResult<T>, field: &str) {
    match r {
        Err(StoreError::Invalid { field: f, .. }) if f == field => {}
        other => panic!("{what}: expected Invalid naming {field}, got {other:?}"),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

// ---------------------------------------------------------------------------------------
// Probe results
// ---------------------------------------------------------------------------------------

/// Every field survives the round trip; results come back ascending by time; the range is
/// half-open.
pub fn probe_results_round_trip(backend: &dyn TestBackend) {
    let store = open(backend);
    let full = ProbeRecord {
        service: "shop".into(),
        check: "http-0".into(),
        vantage: "paris".into(),
        at: ts(30),
        ok: false,
        slow: false,
        latency_ms: Some(1234.5),
        error: Some(ProbeError::HttpStatus),
        status: Some(503),
        detail: Some("dns 1 ms, connect 2 ms, tls 5 ms — « service unavailable »".into()),
    };
    let minimal = ProbeRecord {
        latency_ms: None,
        status: None,
        ..probe("shop", "tcp-1", "local", ts(10))
    };
    let slow = ProbeRecord {
        slow: true,
        ..probe("shop", "http-0", "local", ts(60))
    };
    // Out of order on purpose.
    ok(
        "append_probe_results",
        store.append_probe_results(&[full.clone(), slow.clone(), minimal.clone()]),
    );
    ok(
        "append_probe_results(empty)",
        store.append_probe_results(&[]),
    );

    let got = ok(
        "probe_results",
        store.probe_results(&query("shop", ts(0), ts(3600))),
    );
    assert_eq!(got, vec![minimal.clone(), full.clone(), slow.clone()]);

    // [from, to): a result exactly at `to` is excluded, one exactly at `from` included.
    let got = ok(
        "probe_results",
        store.probe_results(&query("shop", ts(10), ts(60))),
    );
    assert_eq!(got, vec![minimal, full]);
    let got = ok(
        "probe_results",
        store.probe_results(&query("shop", ts(60), ts(61))),
    );
    assert_eq!(got, vec![slow]);
}

/// Check, vantage and limit narrow the results; other services never leak in.
pub fn probe_results_filters_and_limit(backend: &dyn TestBackend) {
    let store = open(backend);
    let mut batch = Vec::new();
    for i in 0..10 {
        batch.push(probe("shop", "http-0", "local", ts(i * 10)));
        batch.push(probe("shop", "dns-0", "paris", ts(i * 10 + 1)));
        batch.push(probe("other", "http-0", "local", ts(i * 10 + 2)));
    }
    ok("append_probe_results", store.append_probe_results(&batch));

    let all = ok(
        "probe_results",
        store.probe_results(&query("shop", ts(0), ts(1000))),
    );
    assert_eq!(all.len(), 20);
    assert!(all.iter().all(|r| r.service == "shop"));
    assert!(all.windows(2).all(|w| w[0].at <= w[1].at), "not ascending");

    let mut q = query("shop", ts(0), ts(1000));
    q.check = Some("dns-0".into());
    let dns = ok("probe_results", store.probe_results(&q));
    assert_eq!(dns.len(), 10);
    assert!(dns.iter().all(|r| r.check == "dns-0"));

    let mut q = query("shop", ts(0), ts(1000));
    q.vantage = Some("local".into());
    let local = ok("probe_results", store.probe_results(&q));
    assert_eq!(local.len(), 10);
    assert!(local
        .iter()
        .all(|r| r.vantage == "local" && r.check == "http-0"));

    let mut q = query("shop", ts(0), ts(1000));
    q.limit = 3;
    let first3 = ok("probe_results", store.probe_results(&q));
    assert_eq!(
        first3.iter().map(|r| r.at).collect::<Vec<_>>(),
        vec![ts(0), ts(1), ts(10)],
        "limit keeps the earliest rows"
    );
}

/// Per-minute aggregates: counts, failures, slow, latency statistics, check filter, and
/// minute boundaries.
pub fn probe_history_aggregates_per_minute(backend: &dyn TestBackend) {
    let store = open(backend);
    let batch = vec![
        // Minute 0: two checks, two vantages, one failure without latency, one slow.
        with_latency(
            probe("shop", "http-0", "local", t(0).plus_millis(1_000)),
            Some(100.0),
        ),
        with_latency(
            probe("shop", "http-0", "paris", t(0).plus_millis(59_999)),
            Some(300.0),
        ),
        with_latency(
            failed(
                probe("shop", "dns-0", "local", t(0)),
                ProbeError::DnsTimeout,
            ),
            None,
        ),
        ProbeRecord {
            slow: true,
            latency_ms: Some(2500.0),
            ..probe("shop", "dns-0", "paris", t(0).plus_millis(30_000))
        },
        // Minute 1 begins exactly at t(1).
        with_latency(probe("shop", "http-0", "local", t(1)), Some(50.0)),
        // Minute 3: a single failure with no latency at all.
        with_latency(
            failed(
                probe("shop", "http-0", "local", t(3)),
                ProbeError::ConnectRefused,
            ),
            None,
        ),
        // Another service in the same minutes.
        probe("other", "http-0", "local", t(0)),
    ];
    ok("append_probe_results", store.append_probe_results(&batch));

    let h = ok(
        "probe_history",
        store.probe_history("shop", None, t(0), t(10)),
    );
    assert_eq!(
        h.iter().map(|m| m.minute).collect::<Vec<_>>(),
        vec![t(0), t(1), t(3)],
        "one entry per minute with data, ascending"
    );
    let m0 = &h[0];
    assert_eq!((m0.count, m0.failures, m0.slow), (4, 1, 1));
    let l0 = m0.latency.as_ref().expect("minute 0 has latencies");
    assert_eq!(l0.count, 3);
    assert!(close(l0.sum_ms, 2900.0), "sum {}", l0.sum_ms);
    assert!(close(l0.min_ms, 100.0) && close(l0.max_ms, 2500.0));
    assert!(
        l0.p95_ms >= 300.0 && l0.p95_ms <= 2500.0,
        "p95 {} outside [300, 2500]",
        l0.p95_ms
    );
    assert!(close(m0.availability(), 0.75));

    let m1 = &h[1];
    assert_eq!((m1.count, m1.failures), (1, 0));
    let l1 = m1.latency.as_ref().expect("minute 1 has a latency");
    assert!(
        close(l1.p95_ms, 50.0),
        "single sample p95 is exact: {}",
        l1.p95_ms
    );

    let m3 = &h[2];
    assert_eq!((m3.count, m3.failures), (1, 1));
    assert!(m3.latency.is_none());
    assert!(close(m3.availability(), 0.0));

    // One check only.
    let dns = ok(
        "probe_history",
        store.probe_history("shop", Some("dns-0"), t(0), t(10)),
    );
    assert_eq!(dns.len(), 1);
    assert_eq!((dns[0].count, dns[0].failures, dns[0].slow), (2, 1, 1));

    // [from, to) over minute starts: to = t(1) excludes minute 1.
    let h = ok(
        "probe_history",
        store.probe_history("shop", None, t(0), t(1)),
    );
    assert_eq!(h.len(), 1);
    let h = ok(
        "probe_history",
        store.probe_history("shop", None, t(1), t(3)),
    );
    assert_eq!(h.iter().map(|m| m.minute).collect::<Vec<_>>(), vec![t(1)]);
}

/// Results of one minute written in several batches add up to the same aggregate.
pub fn probe_history_merges_across_batches(backend: &dyn TestBackend) {
    let store = open(backend);
    for i in 0..20 {
        let p = with_latency(
            probe("shop", "http-0", "local", t(5).plus_millis(i * 1000)),
            Some(10.0 * (i + 1) as f64),
        );
        let p = if i % 5 == 0 {
            failed(p, ProbeError::Timeout)
        } else {
            p
        };
        ok("append_probe_results", store.append_probe_results(&[p]));
    }
    let h = ok(
        "probe_history",
        store.probe_history("shop", None, t(0), t(10)),
    );
    assert_eq!(h.len(), 1);
    assert_eq!((h[0].count, h[0].failures), (20, 4));
    let l = h[0].latency.as_ref().expect("latencies");
    assert_eq!(l.count, 20);
    assert!(close(l.sum_ms, 2100.0), "sum {}", l.sum_ms);
    assert!(close(l.min_ms, 10.0) && close(l.max_ms, 200.0));
    // True p95 is 190 ms; the bucketed answer must lie within its bucket (150, 200].
    assert!(l.p95_ms > 150.0 && l.p95_ms <= 200.0, "p95 {}", l.p95_ms);
    assert!(close(l.mean_ms(), 105.0));
}

/// The last result per (service, check, vantage): newer replaces, older never does.
pub fn last_probe_results_keep_newest(backend: &dyn TestBackend) {
    let store = open(backend);
    let newest = failed(probe("shop", "http-0", "local", t(10)), ProbeError::Tls);
    ok(
        "append_probe_results",
        store.append_probe_results(&[
            probe("shop", "http-0", "local", t(1)),
            newest.clone(),
            probe("shop", "http-0", "paris", t(2)),
            probe("api", "tcp-0", "local", t(3)),
        ]),
    );
    // An older result arriving late does not replace the newest.
    ok(
        "append_probe_results",
        store.append_probe_results(&[probe("shop", "http-0", "local", t(5))]),
    );
    let last = ok("last_probe_results", store.last_probe_results(Some("shop")));
    assert_eq!(last.len(), 2);
    assert_eq!(last[0], newest);
    assert_eq!((last[1].vantage.as_str(), last[1].at), ("paris", t(2)));

    let all = ok("last_probe_results", store.last_probe_results(None));
    let keys: Vec<_> = all
        .iter()
        .map(|r| (r.service.as_str(), r.check.as_str(), r.vantage.as_str()))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("api", "tcp-0", "local"),
            ("shop", "http-0", "local"),
            ("shop", "http-0", "paris")
        ]
    );
    // Same time: the later write wins.
    let same_time = ProbeRecord {
        status: Some(418),
        ..probe("api", "tcp-0", "local", t(3))
    };
    ok(
        "append_probe_results",
        store.append_probe_results(std::slice::from_ref(&same_time)),
    );
    let api = ok("last_probe_results", store.last_probe_results(Some("api")));
    assert_eq!(api, vec![same_time]);
}

// ---------------------------------------------------------------------------------------
// States
// ---------------------------------------------------------------------------------------

fn transition(service: &str, at: Timestamp, state: State, previous: State) -> StateTransition {
    StateTransition {
        service: service.into(),
        at,
        state,
        previous,
        cause: format!("{} → {}", previous.as_str(), state.as_str()),
    }
}

/// Recent transitions newest first with a limit; current state is the latest transition,
/// the later append winning a tie.
pub fn transitions_and_current_states(backend: &dyn TestBackend) {
    let store = open(backend);
    assert!(ok("current_states", store.current_states()).is_empty());
    ok(
        "append_transitions",
        store.append_transitions(&[
            transition("shop", t(1), State::Operational, State::Unknown),
            transition("shop", t(5), State::MajorOutage, State::Operational),
            transition("api", t(2), State::Operational, State::Unknown),
        ]),
    );
    // Appended later but earlier in time: not the current state.
    ok(
        "append_transitions",
        store.append_transitions(&[transition(
            "shop",
            t(3),
            State::Degraded,
            State::Operational,
        )]),
    );
    ok("append_transitions(empty)", store.append_transitions(&[]));

    let recent = ok("recent_transitions", store.recent_transitions("shop", 10));
    assert_eq!(
        recent.iter().map(|r| r.at).collect::<Vec<_>>(),
        vec![t(5), t(3), t(1)],
        "newest first"
    );
    assert_eq!(recent[0].state, State::MajorOutage);
    assert_eq!(recent[0].previous, State::Operational);
    assert_eq!(recent[0].cause, "operational → major_outage");
    let two = ok("recent_transitions", store.recent_transitions("shop", 2));
    assert_eq!(two.len(), 2);
    assert_eq!(two[0].at, t(5));

    let current = ok("current_states", store.current_states());
    assert_eq!(current.len(), 2);
    assert_eq!(
        (
            current[0].service.as_str(),
            current[0].state,
            current[0].since
        ),
        ("api", State::Operational, t(2))
    );
    assert_eq!(
        (
            current[1].service.as_str(),
            current[1].state,
            current[1].since
        ),
        ("shop", State::MajorOutage, t(5))
    );

    // A tie in time: the transition appended last is current.
    ok(
        "append_transitions",
        store.append_transitions(&[
            transition("api", t(9), State::Degraded, State::Operational),
            transition("api", t(9), State::MajorOutage, State::Degraded),
        ]),
    );
    let current = ok("current_states", store.current_states());
    assert_eq!(current[0].state, State::MajorOutage);
    let recent = ok("recent_transitions", store.recent_transitions("api", 1));
    assert_eq!(recent[0].state, State::MajorOutage);
}

// ---------------------------------------------------------------------------------------
// Incidents
// ---------------------------------------------------------------------------------------

/// Insert, replace, timeline order, get, max id.
pub fn incidents_upsert_and_get(backend: &dyn TestBackend) {
    let store = open(backend);
    assert_eq!(ok("max_incident_id", store.max_incident_id()), 0);
    assert!(ok("incident", store.incident(1)).is_none());

    let component = IncidentRecord {
        id: 7,
        scope: Scope::Component,
        service: None,
        component: Some("fastly".into()),
        title: "Fastly".into(),
        opened_at: t(0),
        detected_at: t(1),
        peak_at: None,
        resolved_at: None,
        confidence: Some(0.9),
        services: vec!["reddit".into(), "twitch".into(), "amazon".into()],
        parent: None,
        explanation: Some("37 of 41 dependents impaired".into()),
    };
    ok("upsert_incident", store.upsert_incident(&component));
    let child = IncidentRecord {
        parent: Some(7),
        ..incident(8, "reddit", t(0))
    };
    ok("upsert_incident", store.upsert_incident(&child));
    assert_eq!(ok("max_incident_id", store.max_incident_id()), 8);

    ok(
        "append_timeline",
        store.append_timeline(
            7,
            &[
                TimelineEntry {
                    at: t(1),
                    kind: TimelineKind::Detected,
                    text: "detected".into(),
                },
                TimelineEntry {
                    at: t(0),
                    kind: TimelineKind::FirstSignal,
                    text: "first".into(),
                },
            ],
        ),
    );
    ok(
        "append_timeline",
        store.append_timeline(
            7,
            &[TimelineEntry {
                at: t(1),
                kind: TimelineKind::Update,
                text: "same minute, later".into(),
            }],
        ),
    );

    // Replace: peak, resolution, new services, lower confidence.
    let updated = IncidentRecord {
        peak_at: Some(t(4)),
        resolved_at: Some(t(30)),
        confidence: Some(0.75),
        services: vec!["reddit".into(), "twitch".into()],
        explanation: None,
        ..component.clone()
    };
    ok("upsert_incident", store.upsert_incident(&updated));

    let got = ok("incident", store.incident(7)).expect("incident 7 exists");
    assert_eq!(got.incident, updated);
    assert_eq!(
        got.timeline
            .iter()
            .map(|e| (e.at, e.kind))
            .collect::<Vec<_>>(),
        vec![
            (t(0), TimelineKind::FirstSignal),
            (t(1), TimelineKind::Detected),
            (t(1), TimelineKind::Update),
        ],
        "timeline by time, ties in insertion order; kept across upserts"
    );
    let got = ok("incident", store.incident(8)).expect("incident 8 exists");
    assert_eq!(got.incident, child);
    assert!(got.timeline.is_empty());

    match store.append_timeline(
        99,
        &[TimelineEntry {
            at: t(0),
            kind: TimelineKind::Note,
            text: String::new(),
        }],
    ) {
        Err(StoreError::NotFound(_)) => {}
        other => panic!("timeline of a missing incident: expected NotFound, got {other:?}"),
    }
    assert!(ok("incident", store.incident(u64::MAX)).is_none());
}

/// open_only, service (own or listed), since, scope, limit and newest-first order.
pub fn incidents_list_filters(backend: &dyn TestBackend) {
    let store = open(backend);
    let resolved_early = IncidentRecord {
        resolved_at: Some(t(20)),
        ..incident(1, "shop", t(0))
    };
    let resolved_late = IncidentRecord {
        resolved_at: Some(t(120)),
        ..incident(2, "api", t(10))
    };
    let open_shop = incident(3, "shop", t(100));
    let component = IncidentRecord {
        id: 4,
        scope: Scope::Component,
        service: None,
        component: Some("aws/us-east-1".into()),
        title: "AWS us-east-1".into(),
        opened_at: t(100),
        detected_at: t(101),
        peak_at: None,
        resolved_at: None,
        confidence: Some(0.8),
        services: vec!["api".into(), "shop".into()],
        parent: None,
        explanation: None,
    };
    for i in [&resolved_early, &resolved_late, &open_shop, &component] {
        ok("upsert_incident", store.upsert_incident(i));
    }
    let ids = |f: IncidentFilter| -> Vec<u64> {
        ok("list_incidents", store.list_incidents(&f))
            .into_iter()
            .map(|i| i.id)
            .collect()
    };
    // Newest opened first; ties (3 and 4 both at t(100)) by larger id first.
    assert_eq!(ids(IncidentFilter::default()), vec![4, 3, 2, 1]);
    assert_eq!(
        ids(IncidentFilter {
            open_only: true,
            ..Default::default()
        }),
        vec![4, 3]
    );
    assert_eq!(
        ids(IncidentFilter {
            service: Some("shop".into()),
            ..Default::default()
        }),
        vec![4, 3, 1]
    );
    assert_eq!(
        ids(IncidentFilter {
            service: Some("api".into()),
            ..Default::default()
        }),
        vec![4, 2]
    );
    assert_eq!(
        ids(IncidentFilter {
            service: Some("nobody".into()),
            ..Default::default()
        }),
        Vec::<u64>::new()
    );
    // since: still open at or after t(20) — resolved exactly at t(20) counts.
    assert_eq!(
        ids(IncidentFilter {
            since: Some(t(20)),
            ..Default::default()
        }),
        vec![4, 3, 2, 1]
    );
    assert_eq!(
        ids(IncidentFilter {
            since: Some(t(21)),
            ..Default::default()
        }),
        vec![4, 3, 2]
    );
    assert_eq!(
        ids(IncidentFilter {
            scope: Some(Scope::Component),
            ..Default::default()
        }),
        vec![4]
    );
    assert_eq!(
        ids(IncidentFilter {
            open_only: true,
            service: Some("shop".into()),
            scope: Some(Scope::Service),
            ..Default::default()
        }),
        vec![3]
    );
    assert_eq!(
        ids(IncidentFilter {
            limit: 2,
            ..Default::default()
        }),
        vec![4, 3]
    );

    // Affected services are replaced on upsert: shop leaves incident 4.
    let narrowed = IncidentRecord {
        services: vec!["api".into()],
        ..component
    };
    ok("upsert_incident", store.upsert_incident(&narrowed));
    assert_eq!(
        ids(IncidentFilter {
            service: Some("shop".into()),
            ..Default::default()
        }),
        vec![3, 1]
    );
}

/// Ids out of range and scopes without their subject are refused.
pub fn incidents_reject_bad_input(backend: &dyn TestBackend) {
    let store = open(backend);
    assert_invalid(
        "id 0",
        store.upsert_incident(&incident(0, "shop", t(0))),
        "incident.id",
    );
    assert_invalid(
        "id above i64::MAX",
        store.upsert_incident(&incident(u64::MAX, "shop", t(0))),
        "incident.id",
    );
    let no_service = IncidentRecord {
        service: None,
        ..incident(1, "shop", t(0))
    };
    assert_invalid(
        "service scope without service",
        store.upsert_incident(&no_service),
        "incident.service",
    );
    let bad_confidence = IncidentRecord {
        confidence: Some(1.5),
        ..incident(1, "shop", t(0))
    };
    assert_invalid(
        "confidence 1.5",
        store.upsert_incident(&bad_confidence),
        "incident.confidence",
    );
    let nan = IncidentRecord {
        confidence: Some(f64::NAN),
        ..incident(1, "shop", t(0))
    };
    assert_invalid(
        "confidence NaN",
        store.upsert_incident(&nan),
        "incident.confidence",
    );
    assert_eq!(
        ok("max_incident_id", store.max_incident_id()),
        0,
        "nothing was written"
    );
}

// ---------------------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------------------

/// Ids increase; totals include duplicates; per-minute counts distinguish counted from
/// total; breakdowns count counted reports only.
pub fn reports_append_and_count(backend: &dyn TestBackend) {
    let store = open(backend);
    let mut batch = vec![
        NewReport {
            region: Some("FR".into()),
            note: Some("la page de paiement ne charge pas".into()),
            ..report("shop", t(0).plus_millis(5_000), ReportKind::Payments, "k1")
        },
        NewReport {
            region: Some("FR".into()),
            ..report("shop", t(0).plus_millis(6_000), ReportKind::Login, "k2")
        },
        NewReport {
            counted: false,
            region: Some("DE".into()),
            ..report("shop", t(0).plus_millis(7_000), ReportKind::Login, "k1")
        },
        NewReport {
            region: Some("DE".into()),
            ..report("shop", t(2), ReportKind::Login, "k3")
        },
        report("api", t(0), ReportKind::App, "k1"),
    ];
    let ids = ok("append_reports", store.append_reports(&batch));
    assert_eq!(ids.len(), 5);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase: {ids:?}");
    assert!(ids[0] >= 1);
    let more = ok(
        "append_reports",
        store.append_reports(&[report("shop", t(3), ReportKind::Website, "k4")]),
    );
    assert!(more[0] > ids[4], "later batch gets larger ids");
    assert!(ok("append_reports(empty)", store.append_reports(&[])).is_empty());

    assert_eq!(ok("report_total", store.report_total("shop")), 5);
    assert_eq!(ok("report_total", store.report_total("api")), 1);
    assert_eq!(ok("report_total", store.report_total("nobody")), 0);
    assert_eq!(
        ok("report_totals", store.report_totals()),
        vec![("api".to_string(), 1), ("shop".to_string(), 5)]
    );

    let minutes = ok("report_minutes", store.report_minutes("shop", t(0), t(3)));
    assert_eq!(minutes.len(), 2, "t(3) is excluded: {minutes:?}");
    assert_eq!(
        (minutes[0].minute, minutes[0].counted, minutes[0].total),
        (t(0), 2, 3)
    );
    assert_eq!(
        (minutes[1].minute, minutes[1].counted, minutes[1].total),
        (t(2), 1, 1)
    );

    let b = ok(
        "report_breakdown",
        store.report_breakdown("shop", t(0), t(60)),
    );
    assert_eq!(
        b.by_kind,
        vec![
            (ReportKind::Login, 2),
            (ReportKind::Payments, 1),
            (ReportKind::Website, 1)
        ],
        "counted only, largest first, ties by name"
    );
    assert_eq!(
        b.by_region,
        vec![("FR".to_string(), 2), ("DE".to_string(), 1)]
    );

    let stored = ok("reports", store.reports("shop", t(0), t(60), 100));
    assert_eq!(stored.len(), 5);
    assert_eq!(stored[0].id, ids[0]);
    batch.truncate(4);
    let got: Vec<NewReport> = stored.iter().take(4).map(|s| s.report.clone()).collect();
    assert_eq!(got, batch, "every field round-trips");
    assert_eq!(
        ok("reports", store.reports("shop", t(0), t(60), 2)).len(),
        2
    );
}

/// A batch with one invalid report stores nothing; a note of exactly 280 characters (not
/// bytes) is accepted.
pub fn reports_batch_is_atomic(backend: &dyn TestBackend) {
    let store = open(backend);
    let at_limit: String = "é".repeat(MAX_NOTE_CHARS); // 560 bytes, 280 characters
    let too_long: String = "a".repeat(MAX_NOTE_CHARS + 1);
    let good = NewReport {
        note: Some(at_limit.clone()),
        ..report("shop", t(0), ReportKind::Other, "k1")
    };
    let bad = NewReport {
        note: Some(too_long),
        ..report("shop", t(0), ReportKind::Other, "k2")
    };
    assert_invalid(
        "281-character note",
        store.append_reports(&[good.clone(), bad]),
        "report.note",
    );
    assert_eq!(
        ok("report_total", store.report_total("shop")),
        0,
        "nothing of the batch stored"
    );
    let empty_reporter = report("shop", t(0), ReportKind::Other, "");
    assert_invalid(
        "empty reporter",
        store.append_reports(&[empty_reporter]),
        "report.reporter",
    );
    let long_region = NewReport {
        region: Some("X".repeat(17)),
        ..report("shop", t(0), ReportKind::Other, "k")
    };
    assert_invalid(
        "long region",
        store.append_reports(&[long_region]),
        "report.region",
    );

    let ids = ok("append_reports", store.append_reports(&[good]));
    let stored = ok("reports", store.reports("shop", t(0), t(1), 10));
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, ids[0]);
    assert_eq!(stored[0].report.note.as_deref(), Some(at_limit.as_str()));
}

/// The latest counted report per (service, reporter) since a time.
pub fn reports_recent_reporters(backend: &dyn TestBackend) {
    let store = open(backend);
    ok(
        "append_reports",
        store.append_reports(&[
            report("shop", t(0), ReportKind::App, "k1"),
            report("shop", t(10), ReportKind::App, "k1"),
            NewReport {
                counted: false,
                ..report("shop", t(12), ReportKind::App, "k1")
            },
            report("shop", t(1), ReportKind::App, "k2"),
            report("api", t(11), ReportKind::App, "k1"),
            NewReport {
                counted: false,
                ..report("api", t(11), ReportKind::App, "k9")
            },
        ]),
    );
    let seen = ok("recent_reporters", store.recent_reporters(t(1)));
    let got: Vec<_> = seen
        .iter()
        .map(|s| (s.service.as_str(), s.reporter.as_str(), s.last_counted_at))
        .collect();
    assert_eq!(
        got,
        vec![
            ("api", "k1", t(11)),
            ("shop", "k1", t(10)),
            ("shop", "k2", t(1))
        ],
        "duplicates are not 'counted' and k9 only sent a duplicate"
    );
    assert_eq!(
        ok("recent_reporters", store.recent_reporters(t(11))).len(),
        1
    );
}

// ---------------------------------------------------------------------------------------
// Dependencies
// ---------------------------------------------------------------------------------------

/// Added, Changed (confidence or evidence), unchanged updates only last_seen.
pub fn dependencies_upsert_and_history(backend: &dyn TestBackend) {
    let store = open(backend);
    let cname = edge(
        "fastly",
        DependencyOrigin::DnsCname,
        0.9,
        &["www CNAME x.fastly.net"],
    );
    let ip = edge(
        "fastly",
        DependencyOrigin::IpRange,
        0.8,
        &["151.101.1.140 in 151.101.0.0/16"],
    );
    let changes = ok(
        "upsert_dependencies",
        store.upsert_dependencies("shop", &[cname.clone(), ip.clone()], t(0)),
    );
    assert_eq!(changes.len(), 2);
    assert!(changes
        .iter()
        .all(|c| c.kind == ChangeKind::Added && c.at == t(0)));
    assert_eq!(changes[0].origin, DependencyOrigin::DnsCname);
    assert_eq!(changes[0].new_confidence, Some(0.9));
    assert_eq!(changes[0].old_confidence, None);

    // Same observation later: no history, last_seen moves.
    let changes = ok(
        "upsert_dependencies",
        store.upsert_dependencies("shop", std::slice::from_ref(&cname), t(60)),
    );
    assert!(
        changes.is_empty(),
        "unchanged edge writes no history: {changes:?}"
    );
    let edges = ok("dependencies", store.dependencies(Some("shop")));
    assert_eq!(edges.len(), 2);
    assert_eq!(
        edges[0].origin,
        DependencyOrigin::DnsCname,
        "sorted by target then origin"
    );
    assert_eq!((edges[0].first_seen, edges[0].last_seen), (t(0), t(60)));
    assert_eq!((edges[1].first_seen, edges[1].last_seen), (t(0), t(0)));
    assert_eq!(edges[0].evidence, cname.evidence);

    // Confidence change, then evidence change.
    let weaker = EdgeObservation {
        confidence: 0.5,
        ..cname.clone()
    };
    let changes = ok(
        "upsert_dependencies",
        store.upsert_dependencies("shop", std::slice::from_ref(&weaker), t(120)),
    );
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].kind, ChangeKind::Changed);
    assert_eq!(
        (changes[0].old_confidence, changes[0].new_confidence),
        (Some(0.9), Some(0.5))
    );
    let new_evidence = EdgeObservation {
        evidence: vec!["www CNAME y.fastly.net".into()],
        ..weaker
    };
    let changes = ok(
        "upsert_dependencies",
        store.upsert_dependencies("shop", std::slice::from_ref(&new_evidence), t(180)),
    );
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].kind, ChangeKind::Changed);
    assert_eq!(changes[0].evidence, new_evidence.evidence);

    ok(
        "upsert_dependencies",
        store.upsert_dependencies(
            "api",
            &[edge("aws/us-east-1", DependencyOrigin::Declared, 1.0, &[])],
            t(30),
        ),
    );
    let all = ok("dependencies", store.dependencies(None));
    assert_eq!(
        all.iter()
            .map(|e| (e.service.as_str(), e.target.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("api", "aws/us-east-1"),
            ("shop", "fastly"),
            ("shop", "fastly")
        ]
    );

    let history = ok(
        "dependency_changes",
        store.dependency_changes(Some("shop"), None, 100),
    );
    assert_eq!(
        history.iter().map(|c| (c.at, c.kind)).collect::<Vec<_>>(),
        vec![
            (t(180), ChangeKind::Changed),
            (t(120), ChangeKind::Changed),
            (t(0), ChangeKind::Added),
            (t(0), ChangeKind::Added),
        ],
        "newest first"
    );
    assert_eq!(
        history[2].origin,
        DependencyOrigin::IpRange,
        "ties: later write first"
    );
    let since = ok(
        "dependency_changes",
        store.dependency_changes(None, Some(t(30)), 100),
    );
    assert_eq!(since.len(), 3);
    assert_eq!(since[2].service, "api");
    assert_eq!(
        ok(
            "dependency_changes",
            store.dependency_changes(None, None, 1)
        )
        .len(),
        1
    );

    // Bad input writes nothing.
    let dup = [ip.clone(), ip];
    assert_invalid(
        "duplicate edge",
        store.upsert_dependencies("shop", &dup, t(200)),
        "dependency.target",
    );
    let bad = edge("fastly", DependencyOrigin::Ns, 2.0, &[]);
    assert_invalid(
        "confidence 2",
        store.upsert_dependencies("shop", &[bad], t(200)),
        "dependency.confidence",
    );
    assert_eq!(
        ok(
            "dependency_changes",
            store.dependency_changes(None, None, 100)
        )
        .len(),
        5
    );
}

/// sync removes the edges of its set that are no longer observed, and only those.
pub fn dependencies_sync_removes_missing(backend: &dyn TestBackend) {
    let store = open(backend);
    let declared = edge("aws", DependencyOrigin::Declared, 1.0, &[]);
    let cname = edge("fastly", DependencyOrigin::DnsCname, 0.9, &["cname"]);
    let ns = edge("cloudflare", DependencyOrigin::Ns, 0.7, &["ns"]);
    ok(
        "sync_dependencies",
        store.sync_dependencies(
            "shop",
            EdgeSet::Declared,
            std::slice::from_ref(&declared),
            t(0),
        ),
    );
    ok(
        "sync_dependencies",
        store.sync_dependencies("shop", EdgeSet::Discovered, &[cname.clone(), ns], t(0)),
    );
    assert_eq!(
        ok("dependencies", store.dependencies(Some("shop"))).len(),
        3
    );

    // The next discovery run no longer sees cloudflare.
    let changes = ok(
        "sync_dependencies",
        store.sync_dependencies(
            "shop",
            EdgeSet::Discovered,
            std::slice::from_ref(&cname),
            t(60),
        ),
    );
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].kind, ChangeKind::Removed);
    assert_eq!(changes[0].target, "cloudflare");
    assert_eq!(
        (changes[0].old_confidence, changes[0].new_confidence),
        (Some(0.7), None)
    );
    assert_eq!(changes[0].evidence, vec!["ns".to_string()]);
    let targets: BTreeSet<String> = ok("dependencies", store.dependencies(Some("shop")))
        .into_iter()
        .map(|e| e.target)
        .collect();
    assert_eq!(
        targets,
        ["aws", "fastly"].iter().map(|s| s.to_string()).collect()
    );

    // An empty discovery result removes every discovered edge but keeps declared ones.
    let changes = ok(
        "sync_dependencies",
        store.sync_dependencies("shop", EdgeSet::Discovered, &[], t(120)),
    );
    assert_eq!(changes.len(), 1);
    let left = ok("dependencies", store.dependencies(Some("shop")));
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].target, declared.target);

    // Edges outside the set are refused.
    assert_invalid(
        "declared edge in a discovered sync",
        store.sync_dependencies("shop", EdgeSet::Discovered, &[declared], t(180)),
        "dependency.origin",
    );
    // Reappearing is Added again, with a new first_seen.
    let changes = ok(
        "sync_dependencies",
        store.sync_dependencies("shop", EdgeSet::Discovered, &[cname], t(240)),
    );
    assert_eq!(changes[0].kind, ChangeKind::Added);
    let fastly = ok("dependencies", store.dependencies(Some("shop")))
        .into_iter()
        .find(|e| e.target == "fastly")
        .expect("fastly is back");
    assert_eq!(fastly.first_seen, t(240));
    let kinds: Vec<_> = ok(
        "dependency_changes",
        store.dependency_changes(Some("shop"), None, 100),
    )
    .into_iter()
    .map(|c| c.kind)
    .collect();
    assert_eq!(
        kinds,
        vec![
            ChangeKind::Added,
            ChangeKind::Removed,
            ChangeKind::Removed,
            ChangeKind::Added,
            ChangeKind::Added,
            ChangeKind::Added,
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Metadata, retention
// ---------------------------------------------------------------------------------------

pub fn meta_round_trip(backend: &dyn TestBackend) {
    let store = open(backend);
    assert_eq!(ok("get_meta", store.get_meta("report_salt")), None);
    ok("set_meta", store.set_meta("report_salt", "00ff"));
    ok("set_meta", store.set_meta("report_salt_day", "2026-01-05"));
    ok("set_meta", store.set_meta("report_salt", "abcd"));
    assert_eq!(
        ok("get_meta", store.get_meta("report_salt")).as_deref(),
        Some("abcd")
    );
    assert_eq!(
        ok("get_meta", store.get_meta("report_salt_day")).as_deref(),
        Some("2026-01-05")
    );
    assert_invalid("empty key", store.set_meta("", "x"), "meta.key");
}

/// Raw results older than the raw retention go, aggregates older than the aggregate
/// retention go; the boundary stays; last results and everything else stay.
pub fn prune_respects_boundaries(backend: &dyn TestBackend) {
    let store = open(backend);
    let now = t(10_000);
    let raw_retention = Duration::from_secs(48 * 3600);
    let agg_retention = Duration::from_secs(90 * 24 * 3600);
    let raw_cutoff = now.plus_millis(-(48 * 3600 * 1000));
    let agg_cutoff = now.plus_millis(-(90 * 24 * 3600 * 1000));
    ok(
        "append_probe_results",
        store.append_probe_results(&[
            probe("shop", "http-0", "local", agg_cutoff.plus_millis(-MIN)), // aggregate goes
            probe("shop", "http-0", "local", agg_cutoff),                   // aggregate stays
            probe("shop", "http-0", "local", raw_cutoff.plus_millis(-1)),   // raw goes
            probe("shop", "http-0", "local", raw_cutoff),                   // raw stays
            probe("shop", "http-0", "local", now.plus_millis(-1)),
        ]),
    );
    ok(
        "append_reports",
        store.append_reports(&[report(
            "shop",
            agg_cutoff.plus_millis(-MIN),
            ReportKind::App,
            "k",
        )]),
    );
    ok(
        "append_transitions",
        store.append_transitions(&[transition(
            "shop",
            agg_cutoff.plus_millis(-MIN),
            State::Operational,
            State::Unknown,
        )]),
    );

    let stats = ok("prune", store.prune(now, raw_retention, agg_retention));
    assert_eq!(stats.raw_probe_results, 3, "{stats:?}");
    assert_eq!(stats.probe_minutes, 1, "{stats:?}");

    let raw = ok(
        "probe_results",
        store.probe_results(&query(
            "shop",
            Timestamp::from_millis(0),
            now.plus_millis(1),
        )),
    );
    assert_eq!(
        raw.iter().map(|r| r.at).collect::<Vec<_>>(),
        vec![raw_cutoff, now.plus_millis(-1)]
    );
    let history = ok(
        "probe_history",
        store.probe_history("shop", None, Timestamp::from_millis(0), now.plus_millis(1)),
    );
    assert_eq!(
        history.first().map(|m| m.minute),
        Some(agg_cutoff.minute_floor())
    );
    assert_eq!(history.iter().map(|m| m.count).sum::<u64>(), 4);

    assert_eq!(
        ok("last_probe_results", store.last_probe_results(None)).len(),
        1
    );
    assert_eq!(ok("report_total", store.report_total("shop")), 1);
    assert_eq!(ok("current_states", store.current_states()).len(), 1);

    // Pruning again deletes nothing more.
    assert_eq!(
        ok("prune", store.prune(now, raw_retention, agg_retention)),
        Default::default()
    );
    // Shorter retentions are parameters, not constants.
    let stats = ok("prune", store.prune(now, Duration::ZERO, Duration::ZERO));
    assert_eq!(stats.raw_probe_results, 2);
}

// ---------------------------------------------------------------------------------------
// Persistence and concurrency
// ---------------------------------------------------------------------------------------

/// Everything written is there after the store is closed and opened again, and ids go on
/// from where they were.
pub fn reopen_persists_everything(backend: &dyn TestBackend) {
    let report_ids;
    {
        let store = open(backend);
        ok(
            "append_probe_results",
            store.append_probe_results(&[probe("shop", "http-0", "local", t(0))]),
        );
        ok(
            "append_transitions",
            store.append_transitions(&[transition(
                "shop",
                t(0),
                State::Operational,
                State::Unknown,
            )]),
        );
        ok(
            "upsert_incident",
            store.upsert_incident(&incident(41, "shop", t(0))),
        );
        ok(
            "append_timeline",
            store.append_timeline(
                41,
                &[TimelineEntry {
                    at: t(0),
                    kind: TimelineKind::Detected,
                    text: "x".into(),
                }],
            ),
        );
        report_ids = ok(
            "append_reports",
            store.append_reports(&[report("shop", t(0), ReportKind::App, "k")]),
        );
        ok(
            "upsert_dependencies",
            store.upsert_dependencies(
                "shop",
                &[edge("fastly", DependencyOrigin::DnsCname, 0.9, &["e"])],
                t(0),
            ),
        );
        ok("set_meta", store.set_meta("k", "v"));
    }
    let store = open(backend);
    assert_eq!(
        ok(
            "probe_results",
            store.probe_results(&query("shop", t(0), t(1)))
        )
        .len(),
        1
    );
    assert_eq!(
        ok(
            "probe_history",
            store.probe_history("shop", None, t(0), t(1))
        )
        .len(),
        1
    );
    assert_eq!(
        ok("last_probe_results", store.last_probe_results(None)).len(),
        1
    );
    assert_eq!(
        ok("current_states", store.current_states())[0].state,
        State::Operational
    );
    assert_eq!(ok("max_incident_id", store.max_incident_id()), 41);
    let detail = ok("incident", store.incident(41)).expect("incident 41 persisted");
    assert_eq!(detail.timeline.len(), 1);
    assert_eq!(ok("report_total", store.report_total("shop")), 1);
    assert_eq!(
        ok("reports", store.reports("shop", t(0), t(1), 10))[0].id,
        report_ids[0]
    );
    assert_eq!(ok("dependencies", store.dependencies(None)).len(), 1);
    assert_eq!(
        ok(
            "dependency_changes",
            store.dependency_changes(None, None, 10)
        )
        .len(),
        1
    );
    assert_eq!(ok("get_meta", store.get_meta("k")).as_deref(), Some("v"));
    let next = ok(
        "append_reports",
        store.append_reports(&[report("shop", t(1), ReportKind::App, "k")]),
    );
    assert!(
        next[0] > report_ids[0],
        "report ids continue after reopening"
    );
}

/// Opening an up-to-date store again and again changes nothing and loses nothing.
pub fn reopen_is_idempotent(backend: &dyn TestBackend) {
    {
        let store = open(backend);
        ok("set_meta", store.set_meta("opened", "1"));
    }
    for round in 0..3 {
        let store = open(backend);
        ok("check_health", store.check_health());
        assert_eq!(
            ok("get_meta", store.get_meta("opened")).as_deref(),
            Some("1"),
            "round {round}"
        );
    }
}

/// Writers on several threads and readers alongside: nothing lost, nothing torn.
pub fn concurrent_writers_and_readers(backend: &dyn TestBackend) {
    let store = open(backend);
    let store: &dyn Store = store.as_ref();
    const WRITERS: usize = 4;
    const BATCHES: usize = 25;
    const PER_BATCH: usize = 8;
    let all_ids = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for w in 0..WRITERS {
            let all_ids = &all_ids;
            scope.spawn(move || {
                for b in 0..BATCHES {
                    let batch: Vec<NewReport> = (0..PER_BATCH)
                        .map(|i| {
                            report(
                                "shop",
                                t((b * PER_BATCH + i) as i64),
                                ReportKind::App,
                                &format!("w{w}"),
                            )
                        })
                        .collect();
                    let ids = ok("append_reports", store.append_reports(&batch));
                    assert_eq!(ids.len(), PER_BATCH);
                    all_ids
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .extend(ids);
                    ok(
                        "append_probe_results",
                        store.append_probe_results(&[probe(
                            "shop",
                            &format!("c{w}"),
                            "local",
                            t(b as i64),
                        )]),
                    );
                }
            });
        }
        for _ in 0..2 {
            scope.spawn(move || {
                let mut last = 0;
                for _ in 0..50 {
                    let total = ok("report_total", store.report_total("shop"));
                    assert!(total >= last, "total went backwards: {last} then {total}");
                    assert_eq!(total % PER_BATCH as u64, 0, "a batch was seen half-written");
                    last = total;
                }
            });
        }
    });
    let ids = all_ids.into_inner().unwrap_or_else(|p| p.into_inner());
    let unique: BTreeSet<_> = ids.iter().collect();
    assert_eq!(
        unique.len(),
        WRITERS * BATCHES * PER_BATCH,
        "ids are unique"
    );
    assert_eq!(
        ok("report_total", store.report_total("shop")),
        (WRITERS * BATCHES * PER_BATCH) as u64
    );
    let history = ok(
        "probe_history",
        store.probe_history("shop", None, t(0), t(BATCHES as i64)),
    );
    assert_eq!(
        history.iter().map(|m| m.count).sum::<u64>(),
        (WRITERS * BATCHES) as u64
    );
}

/// Empty and inverted ranges, unknown services: empty answers, never errors.
pub fn empty_ranges_and_unknown_services(backend: &dyn TestBackend) {
    let store = open(backend);
    ok(
        "append_probe_results",
        store.append_probe_results(&[probe("shop", "http-0", "local", t(5))]),
    );
    ok(
        "append_reports",
        store.append_reports(&[report("shop", t(5), ReportKind::App, "k")]),
    );
    assert!(ok(
        "probe_results",
        store.probe_results(&query("shop", t(10), t(0)))
    )
    .is_empty());
    assert!(ok(
        "probe_results",
        store.probe_results(&query("shop", t(5), t(5)))
    )
    .is_empty());
    assert!(ok(
        "probe_results",
        store.probe_results(&query("nobody", t(0), t(10)))
    )
    .is_empty());
    assert!(ok(
        "probe_history",
        store.probe_history("shop", None, t(10), t(0))
    )
    .is_empty());
    assert!(ok(
        "probe_history",
        store.probe_history("shop", Some("nope"), t(0), t(10))
    )
    .is_empty());
    assert!(ok(
        "last_probe_results",
        store.last_probe_results(Some("nobody"))
    )
    .is_empty());
    assert!(ok("recent_transitions", store.recent_transitions("nobody", 10)).is_empty());
    assert!(ok("report_minutes", store.report_minutes("shop", t(6), t(6))).is_empty());
    assert_eq!(
        ok(
            "report_breakdown",
            store.report_breakdown("nobody", t(0), t(10))
        ),
        Default::default()
    );
    assert!(ok("reports", store.reports("shop", t(0), t(10), 0)).is_empty());
    assert!(ok("dependencies", store.dependencies(Some("nobody"))).is_empty());
    assert!(ok(
        "list_incidents",
        store.list_incidents(&IncidentFilter::default())
    )
    .is_empty());
    assert!(!store.backend().is_empty());
}

/// Empty, oversized and control-character identifiers are refused, naming the field, and
/// the batch is not written.
pub fn identifiers_are_validated(backend: &dyn TestBackend) {
    let store = open(backend);
    let good = probe("shop", "http-0", "local", t(0));
    let empty_service = probe("", "http-0", "local", t(0));
    assert_invalid(
        "empty service",
        store.append_probe_results(&[good.clone(), empty_service]),
        "probe.service",
    );
    let long_check = probe("shop", &"c".repeat(300), "local", t(0));
    assert_invalid(
        "long check",
        store.append_probe_results(&[long_check]),
        "probe.check",
    );
    let control = probe("shop", "http-0", "lo\ncal", t(0));
    assert_invalid(
        "control character",
        store.append_probe_results(&[control]),
        "probe.vantage",
    );
    let negative = with_latency(good.clone(), Some(-1.0));
    assert_invalid(
        "negative latency",
        store.append_probe_results(&[negative]),
        "probe.latency_ms",
    );
    let infinite = with_latency(good, Some(f64::INFINITY));
    assert_invalid(
        "infinite latency",
        store.append_probe_results(&[infinite]),
        "probe.latency_ms",
    );
    assert!(ok(
        "probe_results",
        store.probe_results(&query("shop", t(0), t(1)))
    )
    .is_empty());
    assert!(ok("last_probe_results", store.last_probe_results(None)).is_empty());
    let bad_transition = transition("", t(0), State::Operational, State::Unknown);
    assert_invalid(
        "empty transition service",
        store.append_transitions(&[bad_transition]),
        "transition.service",
    );
}

//! Probe-result ingestion and the queries behind the service page, on the real disk.
//!
//! `cargo bench -p vigie-store --bench probes` (add `-- --quick` for a short run). Writes a
//! day of one-minute results for 100 services × 2 checks (288,000 results) in batches of
//! 100 — what the scheduler's writer does — then times a 24-hour `probe_history` per
//! service (the `/s/{id}` chart), `last_probe_results(None)` (the overview), and a prune.
//! The data directory is a temporary directory under `$VIGIE_BENCH_DIR` (default: the
//! system temporary directory).

use std::time::{Duration, Instant};

use vigie_core::{ProbeError, Timestamp};
use vigie_store::{ProbeRecord, SqliteStore, Store};

const BASE_MS: i64 = 1_767_571_200_000;
const SERVICES: usize = 100;
const CHECKS: usize = 2;
const BATCH: usize = 100;

fn result(minute: usize, service: usize, check: usize) -> ProbeRecord {
    let n = minute * SERVICES * CHECKS + service * CHECKS + check;
    let ok = n % 97 >= 1;
    ProbeRecord {
        service: format!("service-{service:03}"),
        check: format!("http-{check}"),
        vantage: "local".into(),
        at: Timestamp::from_millis(BASE_MS + minute as i64 * 60_000 + (n % 60) as i64 * 1000),
        ok,
        slow: false,
        latency_ms: Some(20.0 + (n % 400) as f64),
        error: (!ok).then_some(ProbeError::HttpStatus),
        status: Some(if ok { 200 } else { 503 }),
        detail: None,
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let minutes = if quick { 120 } else { 1440 };
    let dir = match std::env::var_os("VIGIE_BENCH_DIR") {
        Some(d) => tempfile::tempdir_in(d).expect("temporary directory"),
        None => tempfile::tempdir().expect("temporary directory"),
    };
    let store = SqliteStore::open(dir.path()).expect("open store");

    let mut pending = Vec::with_capacity(BATCH);
    let mut written = 0usize;
    let start = Instant::now();
    for minute in 0..minutes {
        for service in 0..SERVICES {
            for check in 0..CHECKS {
                pending.push(result(minute, service, check));
                if pending.len() == BATCH {
                    store.append_probe_results(&pending).expect("append");
                    written += pending.len();
                    pending.clear();
                }
            }
        }
    }
    store.append_probe_results(&pending).expect("append");
    written += pending.len();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "append_probe_results  {written} results in batches of {BATCH}: {:.0} results/s",
        written as f64 / secs
    );

    let from = Timestamp::from_millis(BASE_MS);
    let to = Timestamp::from_millis(BASE_MS + minutes as i64 * 60_000);
    let mut times = Vec::new();
    for service in 0..SERVICES {
        let t0 = Instant::now();
        let h = store
            .probe_history(&format!("service-{service:03}"), None, from, to)
            .expect("history");
        times.push(t0.elapsed());
        assert_eq!(h.len(), minutes);
    }
    report("probe_history (one service, whole range)", &mut times);

    let mut times = Vec::new();
    for _ in 0..20 {
        let t0 = Instant::now();
        let last = store.last_probe_results(None).expect("last");
        times.push(t0.elapsed());
        assert_eq!(last.len(), SERVICES * CHECKS);
    }
    report("last_probe_results (all checks)", &mut times);

    let t0 = Instant::now();
    let pruned = store
        .prune(
            Timestamp::from_millis(BASE_MS + (minutes as i64 + 60) * 60_000),
            Duration::from_secs(3600),
            Duration::from_secs(90 * 24 * 3600),
        )
        .expect("prune");
    println!(
        "prune                 {} raw results deleted in {:.1} ms",
        pruned.raw_probe_results,
        t0.elapsed().as_secs_f64() * 1000.0
    );
}

fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what:<42} p50 {:>7.2} ms  max {:>7.2} ms",
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1])
    );
}

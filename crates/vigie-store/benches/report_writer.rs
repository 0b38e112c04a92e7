//! Group-commit throughput and latency of crowd-report intake on the real disk.
//!
//! `cargo bench -p vigie-store --bench report_writer` (add `-- --quick` for a short run).
//! For each number of concurrent submitters and each linger setting it reports accepted
//! reports per second, p50/p99 acknowledgement latency and the mean batch size, plus the
//! baseline of one transaction (one fsync) per report. The data directory is a temporary
//! directory under `$VIGIE_BENCH_DIR` (default: the system temporary directory) — put it on
//! the disk you care about; on tmpfs fsync is free and the figures mean little.

use std::sync::Arc;
use std::time::{Duration, Instant};

use vigie_core::{ReportKind, Timestamp};
use vigie_store::{NewReport, ReportWriter, ReportWriterConfig, SqliteStore, Store};

fn report(n: usize) -> NewReport {
    NewReport {
        service: format!("service-{}", n % 50),
        at: Timestamp::from_secs(1_767_571_200 + (n / 100) as i64),
        kind: ReportKind::Website,
        region: Some("FR".into()),
        note: None,
        reporter: format!("{:064x}", n % 5000),
        counted: n % 4 < 1,
    }
}

fn temp_dir() -> tempfile::TempDir {
    match std::env::var_os("VIGIE_BENCH_DIR") {
        Some(d) => tempfile::tempdir_in(d).expect("temporary directory in VIGIE_BENCH_DIR"),
        None => tempfile::tempdir().expect("temporary directory"),
    }
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn one_fsync_per_report(total: usize) {
    let dir = temp_dir();
    let store = SqliteStore::open(dir.path()).expect("open store");
    let start = Instant::now();
    for n in 0..total {
        store.append_reports(&[report(n)]).expect("append");
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "baseline  1 txn/report          {:>9.0} reports/s  ({total} reports, {:.2} ms/commit)",
        total as f64 / secs,
        secs * 1000.0 / total as f64
    );
}

fn group_commit(submitters: usize, per_submitter: usize, linger: Duration) {
    let dir = temp_dir();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).expect("open store"));
    let config = ReportWriterConfig {
        linger,
        ..Default::default()
    };
    let writer = ReportWriter::spawn(store, config).expect("spawn writer");
    let start = Instant::now();
    let mut latencies: Vec<Duration> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..submitters)
            .map(|t| {
                let submitter = writer.submitter();
                s.spawn(move || {
                    let mut lat = Vec::with_capacity(per_submitter);
                    for i in 0..per_submitter {
                        let t0 = Instant::now();
                        submitter
                            .append(report(t * per_submitter + i))
                            .expect("append");
                        lat.push(t0.elapsed());
                    }
                    lat
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("submitter thread"))
            .collect()
    });
    let secs = start.elapsed().as_secs_f64();
    latencies.sort();
    let stats = writer.stats();
    println!(
        "group     {submitters:>3} submitters linger {:>4?}  {:>9.0} reports/s  p50 {:>7.2} ms  p99 {:>7.2} ms  mean batch {:>6.1}  largest {}",
        linger,
        latencies.len() as f64 / secs,
        percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        stats.reports as f64 / stats.batches.max(1) as f64,
        stats.largest_batch,
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let total = if quick { 2_000 } else { 20_000 };
    one_fsync_per_report(if quick { 200 } else { 1_000 });
    for submitters in [1, 16, 64, 256] {
        for linger in [Duration::ZERO, Duration::from_millis(2)] {
            group_commit(submitters, (total / submitters).max(10), linger);
        }
    }
}

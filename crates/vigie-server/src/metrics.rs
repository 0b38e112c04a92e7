//! `/metrics`: counters and histograms in the Prometheus text exposition format (0.0.4),
//! written by hand — a few atomics, no registry crate.
//!
//! Labels have bounded values only: a check's kind (`http`, `tcp`, `dns`) and outcome (`ok`,
//! `slow`, or a probe error name), a report rejection reason, a state name. Never a URL, a
//! service id from a request, or an address.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Probe durations: 5 ms to 30 s.
const PROBE_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// Engine ticks and store commits: 50 µs to 2.5 s.
const FAST_BUCKETS: &[f64] = &[
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 2.5,
];

/// A fixed-bucket histogram of seconds.
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    buckets: Vec<AtomicU64>,
    count: AtomicU64,
    sum_nanos: AtomicU64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Histogram {
            bounds,
            buckets: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_nanos: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        if let Some(i) = self.bounds.iter().position(|b| secs <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (bound, bucket) in self.bounds.iter().zip(&self.buckets) {
            cumulative += bucket.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}"
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let sum = self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {sum}");
        let _ = writeln!(out, "{name}_count{braces} {count}");
    }
}

/// Why a report was refused (bounded label values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RejectReason {
    Invalid,
    UnknownService,
    RateLimited,
    Csrf,
    Unavailable,
}

impl RejectReason {
    const ALL: [RejectReason; 5] = [
        RejectReason::Invalid,
        RejectReason::UnknownService,
        RejectReason::RateLimited,
        RejectReason::Csrf,
        RejectReason::Unavailable,
    ];

    fn as_str(self) -> &'static str {
        match self {
            RejectReason::Invalid => "invalid",
            RejectReason::UnknownService => "unknown_service",
            RejectReason::RateLimited => "rate_limited",
            RejectReason::Csrf => "csrf",
            RejectReason::Unavailable => "unavailable",
        }
    }
}

/// Every metric the server exposes.
#[derive(Debug)]
pub struct Metrics {
    probe_durations: Mutex<BTreeMap<(&'static str, &'static str), Histogram>>,
    reports_counted: AtomicU64,
    reports_duplicate: AtomicU64,
    reports_rejected: [AtomicU64; 5],
    pub engine_tick: Histogram,
    pub report_commit: Histogram,
    pub output_commit: Histogram,
    pub probe_commit: Histogram,
    report_batch_reports: AtomicU64,
    report_batches: AtomicU64,
    sse_dropped: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        Metrics {
            probe_durations: Mutex::new(BTreeMap::new()),
            reports_counted: AtomicU64::new(0),
            reports_duplicate: AtomicU64::new(0),
            reports_rejected: Default::default(),
            engine_tick: Histogram::new(FAST_BUCKETS),
            report_commit: Histogram::new(FAST_BUCKETS),
            output_commit: Histogram::new(FAST_BUCKETS),
            probe_commit: Histogram::new(FAST_BUCKETS),
            report_batch_reports: AtomicU64::new(0),
            report_batches: AtomicU64::new(0),
            sse_dropped: AtomicU64::new(0),
        }
    }

    /// `kind` is a check kind name, `outcome` `ok`, `slow` or a probe error name.
    pub fn observe_probe(&self, kind: &'static str, outcome: &'static str, d: Duration) {
        let mut map = self
            .probe_durations
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        map.entry((kind, outcome))
            .or_insert_with(|| Histogram::new(PROBE_BUCKETS))
            .observe(d);
    }

    pub fn report_accepted(&self, duplicate: bool) {
        if duplicate {
            self.reports_duplicate.fetch_add(1, Ordering::Relaxed);
        } else {
            self.reports_counted.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn report_rejected(&self, reason: RejectReason) {
        let i = RejectReason::ALL
            .iter()
            .position(|r| *r == reason)
            .unwrap_or(0);
        self.reports_rejected[i].fetch_add(1, Ordering::Relaxed);
    }

    pub fn report_batch(&self, size: usize, took: Duration) {
        self.report_batches.fetch_add(1, Ordering::Relaxed);
        self.report_batch_reports
            .fetch_add(size as u64, Ordering::Relaxed);
        self.report_commit.observe(took);
    }

    pub fn sse_lagged(&self, n: u64) {
        self.sse_dropped.fetch_add(n, Ordering::Relaxed);
    }

    /// The exposition text. `states` gives the number of services per state name.
    pub fn render(&self, states: &[(&'static str, usize)]) -> String {
        let mut out = String::with_capacity(8 * 1024);
        out.push_str(
            "# HELP vigie_probe_duration_seconds Probe duration by check kind and outcome.\n",
        );
        out.push_str("# TYPE vigie_probe_duration_seconds histogram\n");
        {
            let map = self
                .probe_durations
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            for ((kind, outcome), h) in map.iter() {
                h.write(
                    &mut out,
                    "vigie_probe_duration_seconds",
                    &format!("kind=\"{kind}\",outcome=\"{outcome}\""),
                );
            }
        }
        let counter = |out: &mut String, name: &str, help: &str, v: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}"
            );
        };
        counter(
            &mut out,
            "vigie_reports_accepted_total",
            "Reports accepted and counted toward detection.",
            self.reports_counted.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "vigie_reports_duplicate_total",
            "Reports accepted and stored as duplicates (same reporter, service, 15 minutes).",
            self.reports_duplicate.load(Ordering::Relaxed),
        );
        out.push_str("# HELP vigie_reports_rejected_total Reports refused, by reason.\n");
        out.push_str("# TYPE vigie_reports_rejected_total counter\n");
        for (reason, n) in RejectReason::ALL.iter().zip(&self.reports_rejected) {
            let _ = writeln!(
                out,
                "vigie_reports_rejected_total{{reason=\"{}\"}} {}",
                reason.as_str(),
                n.load(Ordering::Relaxed)
            );
        }
        counter(
            &mut out,
            "vigie_report_batches_total",
            "Group commits of reports (one transaction and fsync each).",
            self.report_batches.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "vigie_report_batch_reports_total",
            "Reports written by group commits.",
            self.report_batch_reports.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "vigie_sse_dropped_events_total",
            "Events a slow SSE subscriber missed.",
            self.sse_dropped.load(Ordering::Relaxed),
        );
        let hist = |out: &mut String, name: &str, help: &str, h: &Histogram| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
            h.write(out, name, "");
        };
        hist(
            &mut out,
            "vigie_engine_tick_seconds",
            "Engine tick duration.",
            &self.engine_tick,
        );
        hist(
            &mut out,
            "vigie_store_report_commit_seconds",
            "Latency of one durable group commit of reports.",
            &self.report_commit,
        );
        hist(
            &mut out,
            "vigie_store_output_commit_seconds",
            "Latency of storing one tick's engine outputs.",
            &self.output_commit,
        );
        hist(
            &mut out,
            "vigie_store_probe_commit_seconds",
            "Latency of storing a batch of probe results.",
            &self.probe_commit,
        );
        out.push_str(
            "# HELP vigie_services Services by current state.\n# TYPE vigie_services gauge\n",
        );
        for (state, n) in states {
            let _ = writeln!(out, "vigie_services{{state=\"{state}\"}} {n}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative_and_labelled() {
        let m = Metrics::new();
        m.observe_probe("http", "ok", Duration::from_millis(3));
        m.observe_probe("http", "ok", Duration::from_millis(40));
        m.observe_probe("tcp", "connect_refused", Duration::from_millis(1));
        m.report_accepted(false);
        m.report_accepted(true);
        m.report_rejected(RejectReason::RateLimited);
        let text = m.render(&[("operational", 2)]);
        assert!(text.contains(
            "vigie_probe_duration_seconds_bucket{kind=\"http\",outcome=\"ok\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "vigie_probe_duration_seconds_bucket{kind=\"http\",outcome=\"ok\",le=\"0.05\"} 2"
        ));
        assert!(text.contains(
            "vigie_probe_duration_seconds_count{kind=\"tcp\",outcome=\"connect_refused\"} 1"
        ));
        assert!(text.contains("vigie_reports_accepted_total 1"));
        assert!(text.contains("vigie_reports_duplicate_total 1"));
        assert!(text.contains("vigie_reports_rejected_total{reason=\"rate_limited\"} 1"));
        assert!(text.contains("vigie_services{state=\"operational\"} 2"));
        assert!(text.contains("vigie_engine_tick_seconds_bucket{le=\"+Inf\"} 0"));
    }
}

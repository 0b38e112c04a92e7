//! The probe side of `serve`: runs the scheduler over every configured check and sinks its
//! reports — metrics (duration by kind and outcome), the engine (as signals), and the store
//! (raw results and per-minute aggregates, written in batches off the async threads).

use std::num::NonZeroU32;
use std::time::Instant;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use vigie_core::Signal;
use vigie_probe::{ProbeReport, Scheduler, SchedulerConfig, SchedulerHandle};
use vigie_store::ProbeRecord;

use super::EngineMsg;
use crate::state::AppState;

/// Most probe results stored in one transaction.
const STORE_BATCH: usize = 512;

/// Starts the scheduler and the sink task; returns the scheduler's handle.
pub(super) fn start(
    state: &AppState,
    engine: mpsc::Sender<EngineMsg>,
    tasks: &mut JoinSet<()>,
) -> SchedulerHandle {
    let probes = &state.config().probes;
    let scheduler = Scheduler::new(SchedulerConfig {
        concurrency: probes.concurrency.max(1),
        rate_per_second: NonZeroU32::new(probes.rate_per_second),
        vantage: probes.vantage.clone(),
    });
    let checks: Vec<_> = state
        .config()
        .checks()
        .map(|(service, spec)| (service.to_string(), spec.clone()))
        .collect();
    tracing::info!(checks = checks.len(), "starting probes");
    let (tx, rx) = mpsc::channel(4096);
    let handle = scheduler.spawn(checks, tx);
    tasks.spawn(sink(rx, state.clone(), engine));
    handle
}

/// The bounded metric label for an outcome.
fn outcome_label(report: &ProbeReport) -> &'static str {
    let o = &report.outcome;
    match (o.ok, o.slow, o.error) {
        (true, true, _) => "slow",
        (true, false, _) => "ok",
        (false, _, Some(e)) => e.as_str(),
        (false, _, None) => "error",
    }
}

fn to_record(report: &ProbeReport) -> ProbeRecord {
    let result = report.to_probe_result();
    let o = &report.outcome;
    let status = o
        .http_status
        .or_else(|| o.dns.as_ref().and_then(|d| rcode_number(&d.rcode)));
    ProbeRecord {
        service: report.service.clone(),
        check: report.check.clone(),
        vantage: report.vantage.clone(),
        at: report.at,
        ok: result.ok,
        slow: result.slow,
        latency_ms: result.latency_ms,
        error: result.error,
        status,
        detail: (!o.detail.is_empty()).then(|| truncate(&o.detail, 2048)),
    }
}

fn rcode_number(rcode: &str) -> Option<u16> {
    match rcode {
        "NOERROR" => Some(0),
        "FORMERR" => Some(1),
        "SERVFAIL" => Some(2),
        "NXDOMAIN" => Some(3),
        "NOTIMP" => Some(4),
        "REFUSED" => Some(5),
        _ => None,
    }
}

fn truncate(text: &str, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text.to_string();
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

async fn sink(
    mut rx: mpsc::Receiver<ProbeReport>,
    state: AppState,
    engine: mpsc::Sender<EngineMsg>,
) {
    let mut buffer = Vec::with_capacity(STORE_BATCH);
    loop {
        buffer.clear();
        if rx.recv_many(&mut buffer, STORE_BATCH).await == 0 {
            return;
        }
        let mut records = Vec::with_capacity(buffer.len());
        for report in &buffer {
            if let Some(total) = report.outcome.phases.total {
                state
                    .metrics()
                    .observe_probe(report.outcome.kind, outcome_label(report), total);
            }
            records.push(to_record(report));
            let signal = Signal::Probe(report.to_probe_result());
            if engine.send(EngineMsg::Signal(signal)).await.is_err() {
                tracing::debug!("engine gone; probe results still stored");
            }
        }
        let metrics_state = state.clone();
        let result = state
            .read_store(move |store| {
                let started = Instant::now();
                let r = store.append_probe_results(&records);
                metrics_state
                    .metrics()
                    .probe_commit
                    .observe(started.elapsed());
                r
            })
            .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "storing probe results failed");
        }
    }
}

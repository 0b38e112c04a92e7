//! What the server does with every durable batch of crowd reports.
//!
//! Group commit itself is [`vigie_store::ReportWriter`]: one thread, one transaction (one
//! fsync) per batch, each submitter answered only once its batch is on disk. This module is
//! the server's [`CommitHook`] on that thread: it counts report totals (before the waiters
//! are answered, so a client that reads the total right after its 202 sees its report),
//! forwards counted reports to the engine (after, so the engine never delays a 202), and
//! times every commit for `/metrics`. Running on the writer thread, not in the handler,
//! means a client that hangs up after the commit cannot make the server forget a report it
//! stored.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::mpsc;
use vigie_core::{Report, Signal};
use vigie_store::{CommitHook, NewReport, ReportId, ReportWriterConfig};

use crate::metrics::Metrics;
use crate::runtime::EngineMsg;

/// The most reports one transaction holds.
pub const MAX_BATCH: usize = 4096;
/// Reports waiting for a commit beyond which intake answers 503 (back-pressure).
pub const QUEUE_CAPACITY: usize = 16 * 1024;

/// The writer's tuning: a batch is whatever queued during the last commit. No fixed linger,
/// and no adaptive commit delay: waiting for the clients just answered (1 ms at most, after
/// batches of 8 or more) halved the number of fsyncs but lowered throughput at 64
/// connections (`scripts/bench-ingest`: ratio to the ceiling 43-44% with it, 47-50% without,
/// same binary, alternating runs), because the clients' HTTP work then no longer overlaps
/// the fsync of the others' batch.
pub fn writer_config() -> ReportWriterConfig {
    ReportWriterConfig {
        max_batch: MAX_BATCH,
        linger: Duration::ZERO,
        commit_delay: Duration::ZERO,
        commit_siblings: 0,
        queue_capacity: QUEUE_CAPACITY,
    }
}

/// State shared between the hook (writer thread) and the request side.
pub(crate) struct AfterCommit {
    /// Every report ever accepted per service (duplicates included).
    pub totals: HashMap<String, AtomicU64>,
    /// The engine task's input, once connected.
    pub engine: RwLock<Option<mpsc::Sender<EngineMsg>>>,
}

/// The [`CommitHook`] handed to the writer.
pub(crate) struct ServerHook {
    pub after: Arc<AfterCommit>,
    pub metrics: Arc<Metrics>,
}

impl CommitHook for ServerHook {
    fn committed(&self, reports: &[NewReport], _ids: &[ReportId]) {
        for r in reports {
            if let Some(n) = self.after.totals.get(&r.service) {
                n.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn answered(&self, reports: &mut Vec<NewReport>, _ids: &[ReportId]) {
        let engine = self
            .after
            .engine
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let Some(engine) = engine else {
            return;
        };
        // The strings move into the signals instead of being copied, and they are freed by
        // the engine task, on the runtime's threads where the handlers allocated them (which
        // keeps the allocator's per-thread caches balanced). One message per batch: a
        // channel operation (and possibly a wake-up of the engine task) per report cost the
        // writer thread, the intake's bottleneck, time it could spend committing.
        let mut signals = Vec::with_capacity(reports.len());
        signals.extend(reports.drain(..).filter(|r| r.counted).map(|r| {
            Signal::Report(Report {
                at: r.at,
                service: r.service,
                kind: Some(r.kind),
                reporter: Some(r.reporter),
                region: r.region,
            })
        }));
        if !signals.is_empty() && engine.blocking_send(EngineMsg::Signals(signals)).is_err() {
            // The engine task is gone (shutting down); the reports are stored all the same.
            tracing::debug!("engine task gone; counted reports not forwarded");
        }
    }

    fn timed(&self, reports: usize, took: Duration, ok: bool) {
        if !ok {
            tracing::error!(reports, "report commit failed");
        }
        self.metrics.report_batch(reports, took);
    }
}

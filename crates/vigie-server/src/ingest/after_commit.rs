//! Group commit of crowd reports: "202 means on disk" without one fsync per report.
//!
//! Handlers queue a report with a reply channel; one dedicated thread takes everything that
//! is queued (up to [`MAX_BATCH`]), writes it in one durable transaction
//! ([`vigie_store::Store::append_reports`]), and answers every waiter with its id. While a
//! commit is in flight, new reports pile up and go together in the next one, so the batch
//! size follows the load and a lone report waits only for its own fsync.
//!
//! After a commit the thread, not the handler, does the follow-up (report totals, forwarding
//! counted reports to the engine), so a client that hangs up after the commit cannot make
//! the server forget a report it stored.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use tokio::sync::{mpsc, oneshot};
use vigie_core::{Report, Signal};

use crate::runtime::EngineMsg;
use vigie_store::{NewReport, ReportId, Store, StoreError};

use crate::metrics::Metrics;

/// The most reports one transaction holds.
pub const MAX_BATCH: usize = 4096;
/// Reports waiting for a commit before handlers wait for room.
pub const QUEUE_CAPACITY: usize = 16 * 1024;

struct Job {
    report: NewReport,
    reply: oneshot::Sender<Result<ReportId, StoreError>>,
}

/// What happens after a batch is durable.
pub(crate) struct AfterCommit {
    /// Every report ever accepted per service (duplicates included).
    pub totals: HashMap<String, AtomicU64>,
    /// The engine task's input, once connected.
    pub engine: RwLock<Option<mpsc::Sender<EngineMsg>>>,
}

impl AfterCommit {
    /// Counts the reports (before the waiters are answered, so a client that reads the
    /// total right after its 202 sees its report).
    fn count(&self, reports: &[NewReport]) {
        for r in reports {
            if let Some(n) = self.totals.get(&r.service) {
                n.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Forwards the counted reports to the engine (after the waiters are answered).
    fn forward(&self, reports: &[NewReport]) {
        let engine = self
            .engine
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let Some(engine) = engine else {
            return;
        };
        for r in reports.iter().filter(|r| r.counted) {
            let signal = Signal::Report(Report {
                at: r.at,
                service: r.service.clone(),
                kind: Some(r.kind),
                reporter: Some(r.reporter.clone()),
                region: r.region.clone(),
            });
            if engine.blocking_send(EngineMsg::Signal(signal)).is_err() {
                // The engine task is gone (shutting down); the report is stored all the same.
                break;
            }
        }
    }
}

/// The handle handlers use; the thread stops when every handle is dropped.
#[derive(Clone)]
pub struct GroupCommit {
    tx: mpsc::Sender<Job>,
}

impl GroupCommit {
    pub(crate) fn start(
        store: Arc<dyn Store>,
        metrics: Arc<Metrics>,
        after: Arc<AfterCommit>,
    ) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel(QUEUE_CAPACITY);
        std::thread::Builder::new()
            .name("vigie-report-commit".into())
            .spawn(move || commit_loop(rx, store, metrics, after))?;
        Ok(GroupCommit { tx })
    }

    /// Queues a report and waits until it is durable; returns its id.
    pub async fn commit(&self, report: NewReport) -> Result<ReportId, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Job { report, reply })
            .await
            .map_err(|_| StoreError::Unavailable("the report writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Unavailable("the report writer has stopped".into()))?
    }
}

fn commit_loop(
    mut rx: mpsc::Receiver<Job>,
    store: Arc<dyn Store>,
    metrics: Arc<Metrics>,
    after: Arc<AfterCommit>,
) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let reports: Vec<NewReport> = batch.iter().map(|j| j.report.clone()).collect();
        let started = Instant::now();
        let result = store.append_reports(&reports);
        metrics.report_batch(reports.len(), started.elapsed());
        match result {
            Ok(ids) if ids.len() == batch.len() => {
                after.count(&reports);
                for (job, id) in batch.drain(..).zip(ids) {
                    let _ = job.reply.send(Ok(id));
                }
                after.forward(&reports);
            }
            Ok(ids) => {
                let e = StoreError::Internal(format!(
                    "store returned {} ids for {} reports",
                    ids.len(),
                    batch.len()
                ));
                tracing::error!(error = %e, "report commit");
                for job in batch.drain(..) {
                    let _ = job.reply.send(Err(e.clone()));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, reports = batch.len(), "report commit failed");
                for job in batch.drain(..) {
                    let _ = job.reply.send(Err(e.clone()));
                }
            }
        }
    }
    tracing::debug!("report writer stopped");
}

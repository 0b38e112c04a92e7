//! Group commit for crowd reports: one thread, one transaction (one fsync) per batch.
//!
//! "202 Accepted" promises the report is on disk, and a durable commit costs an fsync —
//! milliseconds on most disks. One fsync per report would cap intake at a few hundred
//! reports per second. [`ReportWriter`] owns a thread that takes every report waiting in its
//! queue (up to [`ReportWriterConfig::max_batch`]), stores them with one
//! [`Store::append_reports`] call, and only then answers each submitter with its id.
//!
//! # Latency and throughput
//!
//! While one batch is being committed, new reports queue up; they form the next batch.
//! Under load the batch size therefore grows by itself to "whatever arrived during one
//! fsync", and throughput rises with concurrency while each report waits at most about two
//! commit times (the one in progress, then its own). With no load a lone report is
//! committed at once: one commit time.
//!
//! # Adaptive commit delay (off by default)
//!
//! With a fixed population of busy clients (a benchmark's 64 connections) the clients
//! answered by one commit send their next report a moment later, while the next commit,
//! holding only what queued meanwhile, has already started: the clients split into groups
//! that take turns, and each fsync serves only part of them.
//! [`ReportWriterConfig::commit_delay`], in the spirit of PostgreSQL's
//! `commit_delay`/`commit_siblings`, merges the groups: once a batch held at least
//! [`ReportWriterConfig::commit_siblings`] reports, the next batch waits — at most
//! `commit_delay` — until it holds as many reports as the previous commit answered (or
//! what had queued meanwhile, if that is more). At low load nothing ever waits.
//! (The measurements below waited for the queued *plus* the answered reports; but answered
//! submitters can come back before the writer looks at the queue, and are then counted
//! twice: a target that never arrives, held for the whole delay. A test with a long delay
//! caught it.)
//!
//! It does what it says (mean batch 18-26 -> 78-93 reports at 64 connections, a quarter
//! of the fsyncs, 2-3 µs less CPU per report) but measured slower end to end:
//! `scripts/bench-ingest`, same binary, alternating runs, 1 ms delay and 8 siblings: ratio
//! to the ceiling 43-44% at 64 connections against 47-50% without it (53-56% against 54-57%
//! at 256). Taking turns lets one group's HTTP work overlap the other group's fsync; merged,
//! the two run one after the other. The server therefore leaves it off; it may pay off on
//! disks whose fsync is much slower than the request handling.
//!
//! # Waking the writer
//!
//! The queue is a mutex-guarded `Vec` with a wake-up threshold rather than a channel: the
//! writer takes everything queued in one swap, and a sleeping writer is woken once per
//! batch instead of once per report. With it (and the server's cheaper intake of the same
//! change), the p99 acknowledgement at 64 connections fell from 24-33 ms to about 3 ms in
//! `scripts/bench-ingest` (see `docs/operations.md`).
//!
//! # Fixed linger
//!
//! [`ReportWriterConfig::linger`] is the blunt alternative to the delay: a fixed wait after
//! the first report of every batch, paid at low load too. It only pays off when submitters
//! are few and commits are very cheap. Measured with `cargo bench -p vigie-store --bench
//! report_writer` (with the former channel queue; 2-core VM, ext4 on a virtual disk, other
//! builds running): one transaction per report 307 reports/s (3.3 ms per fsync); group
//! commit with linger 0 at 16 / 64 / 256 concurrent submitters 12.6k / 22.6k / 25.7k
//! reports/s, p99 acknowledgement 7.9 / 11.9 / 26.6 ms, mean batch 10 / 43 / 183. A 2 ms
//! linger lowered throughput at every level (4.8k / 12.3k / 24.0k).
//!
//! # Async callers
//!
//! The writer uses only `std` synchronisation. From async code use
//! [`ReportSubmitter::submit_async`]: it returns a [`Committed`] future, completed by the
//! writer thread through a `std` [`Waker`], whatever the runtime. (The more general
//! [`ReportWriter::submit_with`] takes a closure that runs on the writer thread and must not
//! block; a panicking closure is caught and logged, and the writer goes on.) If the writer
//! thread dies, the replies of the batch in hand and of everything queued are dropped
//! without being called; a [`Committed`] future then resolves to
//! [`StoreError::Unavailable`] (the server answers 503), and later submissions are refused.
//!
//! [`Committed`] costs one allocation per report, freed by whoever polls the future (the
//! runtime's threads). A boxed closure around a `tokio::sync::oneshot` costs two, and the
//! box was freed on the writer thread: memory allocated on one thread and freed on another
//! in bursts, which glibc's allocator pays for on both sides.
//!
//! # Work after the commit
//!
//! An owner that must act on every durable batch (the server keeps report totals and
//! forwards counted reports to its engine) passes a [`CommitHook`] to
//! [`ReportWriter::spawn_with_hook`]. The hook runs on the writer thread, so a submitter
//! that gives up after the commit cannot make the owner miss a stored report.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::error::{StoreError, StoreResult};
use crate::records::{NewReport, ReportId};
use crate::store::Store;
use crate::validate;

/// Where the writer commits batches. Every [`Store`] is one; tests may supply their own.
pub trait ReportSink: Send + Sync {
    /// Stores the batch durably and returns one id per report, in order.
    fn commit_reports(&self, reports: &[NewReport]) -> StoreResult<Vec<ReportId>>;
}

impl<S: Store + ?Sized> ReportSink for S {
    fn commit_reports(&self, reports: &[NewReport]) -> StoreResult<Vec<ReportId>> {
        Store::append_reports(self, reports)
    }
}

/// Work done on the writer thread around each batch (see the module docs). Every method
/// has an empty default; a panicking hook is caught and logged, and the writer goes on.
pub trait CommitHook: Send + 'static {
    /// The batch is durable and `ids[i]` is the id of `reports[i]`; called before any
    /// submitter is answered, so what it records is visible once a submitter has its id.
    fn committed(&self, reports: &[NewReport], ids: &[ReportId]) {
        let _ = (reports, ids);
    }

    /// Every submitter of the committed batch has been answered: slower follow-up work
    /// goes here so it does not delay the acknowledgements. The hook may take reports out
    /// of `reports` to keep them (moving beats copying); what is left is dropped.
    fn answered(&self, reports: &mut Vec<NewReport>, ids: &[ReportId]) {
        let _ = (reports, ids);
    }

    /// One commit attempt of `reports` reports took `took` (`ok`: it succeeded).
    fn timed(&self, reports: usize, took: Duration, ok: bool) {
        let _ = (reports, took, ok);
    }
}

/// The hook of [`ReportWriter::spawn`]: nothing to do.
struct NoHook;

impl CommitHook for NoHook {}

/// Tuning of a [`ReportWriter`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportWriterConfig {
    /// Most reports committed in one transaction.
    pub max_batch: usize,
    /// How long to wait for more reports after the first of a batch (0: do not wait).
    pub linger: Duration,
    /// The most an adaptive commit delay may hold a batch back (0: never delay); see
    /// [`ReportWriterConfig::commit_siblings`] and the module docs.
    pub commit_delay: Duration,
    /// The adaptive delay engages only after a batch of at least this many reports:
    /// their submitters are likely to come back at once, and are worth waiting for.
    pub commit_siblings: usize,
    /// Reports waiting beyond this are refused with [`StoreError::Unavailable`] (the server
    /// answers 503): back-pressure instead of unbounded memory.
    pub queue_capacity: usize,
}

impl Default for ReportWriterConfig {
    fn default() -> Self {
        ReportWriterConfig {
            max_batch: 1024,
            linger: Duration::ZERO,
            commit_delay: Duration::ZERO,
            commit_siblings: 8,
            queue_capacity: 16 * 1024,
        }
    }
}

/// Counters of a running writer, for `/metrics`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReportWriterStats {
    /// Transactions committed successfully.
    pub batches: u64,
    /// Reports in those transactions.
    pub reports: u64,
    /// Reports answered with an error.
    pub failed: u64,
    /// The largest batch so far.
    pub largest_batch: u64,
}

#[derive(Default)]
struct Counters {
    batches: AtomicU64,
    reports: AtomicU64,
    failed: AtomicU64,
    largest_batch: AtomicU64,
}

/// How a submitter is answered.
enum Reply {
    /// A closure run on the writer thread ([`ReportSubmitter::submit_with`]).
    Call(Box<dyn FnOnce(StoreResult<ReportId>) + Send>),
    /// The writer's half of a [`Committed`] future ([`ReportSubmitter::submit_async`]).
    Slot(SlotSender),
}

/// The state a [`Committed`] future shares with the writer.
#[derive(Default)]
struct Slot {
    state: Mutex<SlotState>,
}

#[derive(Default)]
struct SlotState {
    result: Option<StoreResult<ReportId>>,
    waker: Option<Waker>,
}

impl Slot {
    fn lock(&self) -> MutexGuard<'_, SlotState> {
        // Two fields set in one go: nothing a panic could leave half-done.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The writer's half of a [`Committed`] future. Dropped without an answer (the writer
/// thread died), it completes the future with [`StoreError::Unavailable`].
struct SlotSender(Option<Arc<Slot>>);

impl SlotSender {
    fn send(mut self, result: StoreResult<ReportId>) {
        if let Some(slot) = self.0.take() {
            settle(slot, result);
        }
    }
}

impl Drop for SlotSender {
    fn drop(&mut self) {
        if let Some(slot) = self.0.take() {
            settle(
                slot,
                Err(StoreError::Unavailable(
                    "report writer stopped before answering".into(),
                )),
            );
        }
    }
}

/// Stores the result and wakes the future. The writer's reference is dropped *before* the
/// wake-up, so the slot is normally freed by the future's side, on the thread that
/// allocated it.
fn settle(slot: Arc<Slot>, result: StoreResult<ReportId>) {
    let waker = {
        let mut st = slot.lock();
        st.result = Some(result);
        st.waker.take()
    };
    drop(slot);
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// A report submitted with [`ReportSubmitter::submit_async`]: resolves to its id once its
/// batch is durable, or to the error that prevented it. Dropping it does not withdraw the
/// report.
pub struct Committed {
    slot: Arc<Slot>,
}

impl std::fmt::Debug for Committed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Committed").finish_non_exhaustive()
    }
}

impl Future for Committed {
    type Output = StoreResult<ReportId>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut st = self.slot.lock();
        if let Some(result) = st.result.take() {
            return Poll::Ready(result);
        }
        match &st.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => st.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

struct Job {
    report: NewReport,
    reply: Reply,
}

/// The batch being formed: reports and their replies side by side, so the reports go to
/// the sink without being copied.
struct Batch {
    reports: Vec<NewReport>,
    replies: Vec<Reply>,
}

impl Batch {
    fn push(&mut self, job: Job) {
        self.reports.push(job.report);
        self.replies.push(job.reply);
    }

    fn len(&self) -> usize {
        self.reports.len()
    }
}

/// The queue between submitters and the writer thread.
///
/// A mutex-guarded `Vec` rather than a channel so that the writer can sleep until a given
/// number of reports wait (see [`QueueState::wake_at`]) and is woken once for a whole batch,
/// not once per report, and so that it takes everything queued in one swap.
struct Queue {
    state: Mutex<QueueState>,
    ready: Condvar,
}

struct QueueState {
    jobs: Vec<Job>,
    capacity: usize,
    /// The writer sleeps until this many jobs wait (0: it is not sleeping).
    wake_at: usize,
    /// Live [`ReportSubmitter`] handles; the writer ends once none is left and the queue is
    /// empty.
    submitters: usize,
    /// False once the writer thread has ended (normally or by a panic).
    writer_alive: bool,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, QueueState> {
        // Nothing in the state can be left half-updated by a panic: recover it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Marks the writer gone when its thread ends, however it ends, and drops what is still
/// queued: the submitters' replies are dropped without being called (see the module docs).
struct WriterExit(Arc<Queue>);

impl Drop for WriterExit {
    fn drop(&mut self) {
        let stranded = {
            let mut st = self.0.lock();
            st.writer_alive = false;
            std::mem::take(&mut st.jobs)
        };
        drop(stranded);
    }
}

/// A cheap, cloneable handle for submitting reports to a [`ReportWriter`].
pub struct ReportSubmitter {
    queue: Arc<Queue>,
}

impl Clone for ReportSubmitter {
    fn clone(&self) -> Self {
        self.queue.lock().submitters += 1;
        ReportSubmitter {
            queue: Arc::clone(&self.queue),
        }
    }
}

impl Drop for ReportSubmitter {
    fn drop(&mut self) {
        let last = {
            let mut st = self.queue.lock();
            st.submitters -= 1;
            st.submitters == 0
        };
        if last {
            // The writer may be sleeping on an empty queue: let it see it can stop.
            self.queue.ready.notify_one();
        }
    }
}

impl ReportSubmitter {
    /// Queues `report`; `reply` is called on the writer thread with its id once the batch
    /// holding it is durable, or with the error that prevented it. Fails at once (without
    /// calling `reply`) when the report is invalid, the queue is full or the writer stopped.
    pub fn submit_with(
        &self,
        report: NewReport,
        reply: impl FnOnce(StoreResult<ReportId>) + Send + 'static,
    ) -> StoreResult<()> {
        self.enqueue(report, Reply::Call(Box::new(reply)))
    }

    /// Queues `report` and returns a future resolving to its id once its batch is durable
    /// (see the module docs). Fails at once when the report is invalid, the queue is full
    /// or the writer stopped.
    pub fn submit_async(&self, report: NewReport) -> StoreResult<Committed> {
        let slot = Arc::new(Slot::default());
        self.enqueue(report, Reply::Slot(SlotSender(Some(Arc::clone(&slot)))))?;
        Ok(Committed { slot })
    }

    fn enqueue(&self, report: NewReport, reply: Reply) -> StoreResult<()> {
        // Validate here so one bad report can never fail the batch it would have joined.
        validate::report(&report)?;
        let job = Job { report, reply };
        let wake = {
            let mut st = self.queue.lock();
            if !st.writer_alive {
                return Err(StoreError::Unavailable("report writer stopped".into()));
            }
            if st.jobs.len() >= st.capacity {
                return Err(StoreError::Unavailable(
                    "report queue full, retry later".into(),
                ));
            }
            st.jobs.push(job);
            let wake = st.wake_at > 0 && st.jobs.len() >= st.wake_at;
            if wake {
                st.wake_at = 0;
            }
            wake
        };
        if wake {
            self.queue.ready.notify_one();
        }
        Ok(())
    }

    /// Queues `report` and returns a handle to wait for its id.
    pub fn submit(&self, report: NewReport) -> StoreResult<PendingReport> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.submit_with(report, move |result| {
            // The waiter may have given up; nothing to do then.
            let _ = tx.send(result);
        })?;
        Ok(PendingReport { receiver: rx })
    }

    /// Queues `report` and blocks until it is durable.
    pub fn append(&self, report: NewReport) -> StoreResult<ReportId> {
        self.submit(report)?.wait()
    }
}

/// A submitted report whose commit has not been waited for yet.
pub struct PendingReport {
    receiver: Receiver<StoreResult<ReportId>>,
}

impl PendingReport {
    /// Blocks until the report's batch is committed (or failed).
    pub fn wait(self) -> StoreResult<ReportId> {
        self.receiver.recv().unwrap_or_else(|_| {
            Err(StoreError::Unavailable(
                "report writer stopped before answering".into(),
            ))
        })
    }

    /// Like [`PendingReport::wait`], giving up after `timeout` (the report may still be
    /// committed later).
    pub fn wait_timeout(self, timeout: Duration) -> StoreResult<ReportId> {
        match self.receiver.recv_timeout(timeout) {
            Ok(r) => r,
            Err(RecvTimeoutError::Timeout) => Err(StoreError::Unavailable(format!(
                "report not committed within {timeout:?}"
            ))),
            Err(RecvTimeoutError::Disconnected) => Err(StoreError::Unavailable(
                "report writer stopped before answering".into(),
            )),
        }
    }
}

/// The group-commit thread.
///
/// The thread runs until every submitting handle is gone: this writer and every
/// [`ReportSubmitter`] cloned from it. Dropping the writer does not block; the thread then
/// commits what is queued and ends once the last submitter is dropped.
/// [`ReportWriter::shutdown`] does the same but waits for the thread to end.
pub struct ReportWriter {
    submitter: Option<ReportSubmitter>,
    thread: Option<JoinHandle<()>>,
    counters: Arc<Counters>,
}

impl ReportWriter {
    /// Starts the writer thread (named `vigie-report-writer`).
    pub fn spawn<S: ReportSink + ?Sized + 'static>(
        sink: Arc<S>,
        config: ReportWriterConfig,
    ) -> std::io::Result<ReportWriter> {
        Self::spawn_with_hook(sink, config, NoHook)
    }

    /// Like [`ReportWriter::spawn`], running `hook` on the writer thread around each batch.
    pub fn spawn_with_hook<S: ReportSink + ?Sized + 'static, H: CommitHook>(
        sink: Arc<S>,
        config: ReportWriterConfig,
        hook: H,
    ) -> std::io::Result<ReportWriter> {
        let queue = Arc::new(Queue {
            state: Mutex::new(QueueState {
                jobs: Vec::new(),
                capacity: config.queue_capacity.max(1),
                wake_at: 0,
                submitters: 1,
                writer_alive: true,
            }),
            ready: Condvar::new(),
        });
        let counters = Arc::new(Counters::default());
        let thread_counters = Arc::clone(&counters);
        let exit = WriterExit(Arc::clone(&queue));
        let thread = std::thread::Builder::new()
            .name("vigie-report-writer".into())
            .spawn(move || {
                let exit = exit;
                run(&*sink, &exit.0, &config, &thread_counters, &hook);
            })?;
        Ok(ReportWriter {
            submitter: Some(ReportSubmitter { queue }),
            thread: Some(thread),
            counters,
        })
    }

    /// A handle to submit reports from other threads or tasks.
    pub fn submitter(&self) -> ReportSubmitter {
        // Some until shutdown, which consumes self.
        self.submitter
            .clone()
            .expect("submitter present while the writer is alive")
    }

    /// See [`ReportSubmitter::submit_with`].
    pub fn submit_with(
        &self,
        report: NewReport,
        reply: impl FnOnce(StoreResult<ReportId>) + Send + 'static,
    ) -> StoreResult<()> {
        self.submitter().submit_with(report, reply)
    }

    /// See [`ReportSubmitter::submit`].
    pub fn submit(&self, report: NewReport) -> StoreResult<PendingReport> {
        self.submitter().submit(report)
    }

    /// See [`ReportSubmitter::append`].
    pub fn append(&self, report: NewReport) -> StoreResult<ReportId> {
        self.submitter().append(report)
    }

    pub fn stats(&self) -> ReportWriterStats {
        ReportWriterStats {
            batches: self.counters.batches.load(Ordering::Relaxed),
            reports: self.counters.reports.load(Ordering::Relaxed),
            failed: self.counters.failed.load(Ordering::Relaxed),
            largest_batch: self.counters.largest_batch.load(Ordering::Relaxed),
        }
    }

    /// Stops accepting reports from this handle and waits until the thread has committed
    /// everything queued and ended. Blocks for as long as any [`ReportSubmitter`] cloned
    /// from this writer is still alive: drop those first.
    pub fn shutdown(mut self) {
        self.submitter = None;
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!("report writer thread panicked");
            }
        }
    }
}

fn run<S: ReportSink + ?Sized, H: CommitHook>(
    sink: &S,
    queue: &Queue,
    config: &ReportWriterConfig,
    counters: &Counters,
    hook: &H,
) {
    let max_batch = config.max_batch.max(1);
    let mut batch = Batch {
        reports: Vec::with_capacity(max_batch.min(4096)),
        replies: Vec::with_capacity(max_batch.min(4096)),
    };
    // Submitters answered by the previous commit: under load they tend to come back at once.
    let mut answered = 0usize;
    let mut taken: Vec<Job> = Vec::new();
    loop {
        {
            let mut st = queue.lock();
            // What queued during the previous commit, then (if nothing did) sleep until one
            // job arrives or every submitter is gone.
            let queued = st.jobs.len();
            while st.jobs.is_empty() {
                if st.submitters == 0 {
                    tracing::debug!("report writer stopped: every submitter is gone");
                    return;
                }
                st.wake_at = 1;
                st = queue.ready.wait(st).unwrap_or_else(|p| p.into_inner());
            }
            if !config.commit_delay.is_zero() && answered >= config.commit_siblings.max(1) {
                // The answered submitters may already be back among `queued`: wait for as
                // many jobs as were answered, not for both counts added up (which could
                // never arrive and would hold the batch for the whole delay).
                let expected = answered.max(queued).min(max_batch);
                st = wait_for(queue, st, expected, config.commit_delay);
            }
            if !config.linger.is_zero() {
                st = wait_for(queue, st, max_batch, config.linger);
            }
            st.wake_at = 0;
            if st.jobs.len() <= max_batch {
                std::mem::swap(&mut st.jobs, &mut taken);
            } else {
                taken.extend(st.jobs.drain(..max_batch));
            }
        }
        for job in taken.drain(..) {
            batch.push(job);
        }
        answered = commit(sink, &mut batch, counters, hook);
    }
}

/// Sleeps (holding nothing) until `target` jobs wait, `delay` has passed, or every
/// submitter is gone; one wake-up however many jobs arrive meanwhile.
fn wait_for<'a>(
    queue: &'a Queue,
    mut st: MutexGuard<'a, QueueState>,
    target: usize,
    delay: Duration,
) -> MutexGuard<'a, QueueState> {
    let deadline = Instant::now() + delay;
    while st.jobs.len() < target && st.submitters > 0 {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        st.wake_at = target;
        st = queue
            .ready
            .wait_timeout(st, deadline - now)
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
    st
}

fn commit<S: ReportSink + ?Sized, H: CommitHook>(
    sink: &S,
    batch: &mut Batch,
    counters: &Counters,
    hook: &H,
) -> usize {
    let n = batch.len() as u64;
    let started = Instant::now();
    let result = sink.commit_reports(&batch.reports);
    let took = started.elapsed();
    let ok = matches!(&result, Ok(ids) if ids.len() == batch.len());
    contain("timed", || hook.timed(batch.len(), took, ok));
    match result {
        Ok(ids) if ids.len() == batch.len() => {
            counters.batches.fetch_add(1, Ordering::Relaxed);
            counters.reports.fetch_add(n, Ordering::Relaxed);
            counters.largest_batch.fetch_max(n, Ordering::Relaxed);
            contain("committed", || hook.committed(&batch.reports, &ids));
            for (reply, id) in batch.replies.drain(..).zip(ids.iter()) {
                answer(reply, Ok(*id));
            }
            contain("answered", || hook.answered(&mut batch.reports, &ids));
            batch.reports.clear();
            ids.len()
        }
        Ok(ids) => {
            let err = StoreError::Internal(format!(
                "store returned {} ids for a batch of {n} reports",
                ids.len()
            ));
            tracing::error!(error = %err, "report batch");
            fail_all(batch, &err, counters)
        }
        Err(err) => {
            tracing::warn!(error = %err, reports = n, "report batch failed");
            fail_all(batch, &err, counters)
        }
    }
}

/// Answers every submitter of the batch with `err`; returns how many there were.
fn fail_all(batch: &mut Batch, err: &StoreError, counters: &Counters) -> usize {
    let n = batch.len();
    counters
        .failed
        .fetch_add(batch.len() as u64, Ordering::Relaxed);
    batch.reports.clear();
    for reply in batch.replies.drain(..) {
        answer(reply, Err(err.clone()));
    }
    n
}

/// Runs a hook method, containing a panic so a faulty hook cannot stop the writer.
fn contain(what: &str, f: impl FnOnce()) {
    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err() {
        tracing::error!(
            hook = what,
            "a report writer hook panicked; the writer goes on"
        );
    }
}

/// Calls a submitter's reply, containing a panic so one bad closure cannot stop the writer
/// and strand every later report.
fn answer(reply: Reply, result: StoreResult<ReportId>) {
    let reply = match reply {
        Reply::Slot(sender) => return sender.send(result),
        Reply::Call(call) => call,
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || reply(result)));
    if outcome.is_err() {
        tracing::error!("a report reply closure panicked; the writer goes on");
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use vigie_core::{ReportKind, Timestamp};

    use super::*;

    /// Hands out ids 1, 2, 3, … without storing anything.
    #[derive(Default)]
    struct Counting {
        next: Mutex<u64>,
    }

    impl ReportSink for Counting {
        fn commit_reports(&self, reports: &[NewReport]) -> StoreResult<Vec<ReportId>> {
            let mut next = self.next.lock().unwrap();
            Ok(reports
                .iter()
                .map(|_| {
                    *next += 1;
                    *next
                })
                .collect())
        }
    }

    /// Records what the writer tells it; panics on the report whose note is "boom".
    #[derive(Clone, Default)]
    struct Recorder {
        committed: Arc<Mutex<Vec<(String, ReportId)>>>,
        answered: Arc<Mutex<Vec<ReportId>>>,
        timed: Arc<AtomicU64>,
    }

    impl CommitHook for Recorder {
        fn committed(&self, reports: &[NewReport], ids: &[ReportId]) {
            let mut seen = self.committed.lock().unwrap();
            for (r, id) in reports.iter().zip(ids) {
                seen.push((r.reporter.clone(), *id));
            }
            if reports.iter().any(|r| r.note.as_deref() == Some("boom")) {
                panic!("hook failure under test");
            }
        }

        fn answered(&self, _reports: &mut Vec<NewReport>, ids: &[ReportId]) {
            self.answered.lock().unwrap().extend_from_slice(ids);
        }

        fn timed(&self, reports: usize, _took: Duration, ok: bool) {
            assert!(ok && reports > 0);
            self.timed.fetch_add(reports as u64, Ordering::Relaxed);
        }
    }

    fn report(reporter: &str, note: &str) -> NewReport {
        NewReport {
            service: "shop".into(),
            at: Timestamp::from_secs(1_767_571_200),
            kind: ReportKind::Login,
            region: None,
            note: Some(note.into()),
            reporter: reporter.into(),
            counted: true,
        }
    }

    /// Runs a future to completion on this thread (the crate has no async runtime).
    fn block_on<F: Future>(fut: F) -> F::Output {
        struct Unpark(std::thread::Thread);
        impl std::task::Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut fut = std::pin::pin!(fut);
        loop {
            if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
                return out;
            }
            std::thread::park();
        }
    }

    /// Panics on every batch: the writer thread dies with the batch in hand.
    struct Exploding;

    impl ReportSink for Exploding {
        fn commit_reports(&self, _reports: &[NewReport]) -> StoreResult<Vec<ReportId>> {
            panic!("sink failure under test");
        }
    }

    #[test]
    fn async_submitters_get_their_ids_or_an_error_when_the_writer_dies() {
        let writer =
            ReportWriter::spawn(Arc::new(Counting::default()), ReportWriterConfig::default())
                .unwrap();
        let submitter = writer.submitter();
        let first = submitter.submit_async(report("a", "one")).unwrap();
        let second = submitter.submit_async(report("b", "two")).unwrap();
        assert_eq!((block_on(first), block_on(second)), (Ok(1), Ok(2)));
        // A future dropped unpolled does not disturb the others.
        drop(submitter.submit_async(report("c", "three")).unwrap());
        assert_eq!(
            block_on(submitter.submit_async(report("d", "four")).unwrap()),
            Ok(4)
        );
        drop(submitter);
        writer.shutdown();

        let writer =
            ReportWriter::spawn(Arc::new(Exploding), ReportWriterConfig::default()).unwrap();
        let pending = writer
            .submitter()
            .submit_async(report("a", "lost"))
            .unwrap();
        assert!(matches!(block_on(pending), Err(StoreError::Unavailable(_))));
        // Once the thread is gone, submissions are refused at once.
        let refused = (0..500).find_map(|_| {
            std::thread::sleep(Duration::from_millis(10));
            writer.submitter().submit_async(report("b", "late")).err()
        });
        assert!(matches!(refused, Some(StoreError::Unavailable(_))));
    }

    #[test]
    fn hook_sees_each_batch_before_its_submitters_are_answered() {
        let hook = Recorder::default();
        let writer = ReportWriter::spawn_with_hook(
            Arc::new(Counting::default()),
            ReportWriterConfig::default(),
            hook.clone(),
        )
        .unwrap();
        let id = writer.append(report("a", "first")).unwrap();
        // `committed` ran before the reply: the id is already recorded.
        assert_eq!(*hook.committed.lock().unwrap(), vec![("a".to_string(), id)]);
        // A panicking hook neither loses the reply nor stops the writer.
        let boom = writer.append(report("b", "boom")).unwrap();
        let after = writer.append(report("c", "after")).unwrap();
        assert_eq!((id, boom, after), (1, 2, 3));
        writer.shutdown();
        // `answered` and `timed` run after the replies: complete once the thread has ended.
        assert_eq!(*hook.answered.lock().unwrap(), vec![1, 2, 3]);
        assert_eq!(hook.timed.load(Ordering::Relaxed), 3);
    }
}

//! ReportWriter: group commit on a real SQLite file, and its batching, back-pressure and
//! failure handling against a sink the test controls.

use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use vigie_core::{ReportKind, Timestamp};
use vigie_store::{
    NewReport, ReportId, ReportSink, ReportWriter, ReportWriterConfig, SqliteStore, Store,
    StoreError, StoreResult,
};

/// Far longer than any commit needs, even on a loaded 2-core machine.
const PATIENCE: Duration = Duration::from_secs(60);

fn report(n: u32) -> NewReport {
    NewReport {
        service: "shop".into(),
        at: Timestamp::from_secs(1_767_571_200 + i64::from(n)),
        kind: ReportKind::Login,
        region: Some("FR".into()),
        note: Some(format!("report {n}")),
        reporter: format!("reporter-{}", n % 7),
        counted: n % 3 >= 1,
    }
}

#[test]
fn concurrent_submitters_get_ids_of_their_own_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(tmp.path()).unwrap());
    let writer = ReportWriter::spawn(Arc::clone(&store), ReportWriterConfig::default()).unwrap();
    const THREADS: u32 = 8;
    const EACH: u32 = 40;
    let acked: Mutex<Vec<(ReportId, NewReport)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let submitter = writer.submitter();
            let acked = &acked;
            s.spawn(move || {
                for i in 0..EACH {
                    let r = report(t * 1000 + i);
                    let id = submitter
                        .submit(r.clone())
                        .unwrap()
                        .wait_timeout(PATIENCE)
                        .unwrap();
                    acked.lock().unwrap().push((id, r));
                }
            });
        }
    });
    let acked = acked.into_inner().unwrap();
    assert_eq!(acked.len(), (THREADS * EACH) as usize);
    let stored = store
        .reports(
            "shop",
            Timestamp::from_millis(0),
            Timestamp::from_secs(i64::MAX / 2000),
            100_000,
        )
        .unwrap();
    assert_eq!(stored.len(), acked.len());
    for (id, r) in &acked {
        let s = stored
            .iter()
            .find(|s| s.id == *id)
            .unwrap_or_else(|| panic!("acknowledged id {id} not stored"));
        assert_eq!(&s.report, r, "id {id} holds another report");
    }
    let stats = writer.stats();
    assert_eq!(stats.reports, u64::from(THREADS * EACH));
    assert_eq!(stats.failed, 0);
    assert!(
        stats.batches >= 1 && stats.batches <= stats.reports,
        "{stats:?}"
    );
    assert_eq!(
        store.report_total("shop").unwrap(),
        u64::from(THREADS * EACH)
    );
}

/// A sink whose first commit blocks until the test opens the gate, so the test can queue
/// reports behind it deterministically; it records every batch size.
#[derive(Default)]
struct GatedSink {
    entered: Mutex<Option<mpsc::Sender<()>>>,
    open: Mutex<bool>,
    opened: Condvar,
    batches: Mutex<Vec<usize>>,
    fail_next: Mutex<bool>,
    panic_next: Mutex<bool>,
    next_id: Mutex<ReportId>,
}

impl GatedSink {
    fn new() -> (Arc<GatedSink>, mpsc::Receiver<()>) {
        let (tx, rx) = mpsc::channel();
        let sink = GatedSink {
            entered: Mutex::new(Some(tx)),
            ..Default::default()
        };
        (Arc::new(sink), rx)
    }

    fn open_gate(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

impl ReportSink for GatedSink {
    fn commit_reports(&self, reports: &[NewReport]) -> StoreResult<Vec<ReportId>> {
        if let Some(tx) = self.entered.lock().unwrap().take() {
            let _ = tx.send(());
        }
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.opened.wait(open).unwrap();
        }
        drop(open);
        self.batches.lock().unwrap().push(reports.len());
        if std::mem::take(&mut *self.panic_next.lock().unwrap()) {
            panic!("sink failure under test");
        }
        if std::mem::take(&mut *self.fail_next.lock().unwrap()) {
            return Err(StoreError::Unavailable("disk on fire".into()));
        }
        let mut next = self.next_id.lock().unwrap();
        Ok(reports
            .iter()
            .map(|_| {
                *next += 1;
                *next
            })
            .collect())
    }
}

#[test]
fn reports_queued_during_a_commit_form_the_next_batch() {
    let (sink, entered) = GatedSink::new();
    let config = ReportWriterConfig {
        max_batch: 10,
        ..Default::default()
    };
    let writer = ReportWriter::spawn(Arc::clone(&sink), config).unwrap();
    let first = writer.submit(report(0)).unwrap();
    entered
        .recv_timeout(PATIENCE)
        .expect("first commit started");
    // 24 more arrive while the first commit is "fsyncing".
    let pending: Vec<_> = (1..25).map(|n| writer.submit(report(n)).unwrap()).collect();
    sink.open_gate();
    assert_eq!(first.wait_timeout(PATIENCE).unwrap(), 1);
    let ids: Vec<ReportId> = pending
        .into_iter()
        .map(|p| p.wait_timeout(PATIENCE).unwrap())
        .collect();
    assert_eq!(ids, (2..=25).collect::<Vec<_>>(), "ids in submission order");
    assert_eq!(
        *sink.batches.lock().unwrap(),
        vec![1, 10, 10, 4],
        "max_batch respected"
    );
    let stats = writer.stats();
    assert_eq!(
        (stats.batches, stats.reports, stats.largest_batch),
        (4, 25, 10)
    );
}

#[test]
fn a_failed_batch_answers_every_waiter_and_the_next_batch_succeeds() {
    let (sink, entered) = GatedSink::new();
    *sink.fail_next.lock().unwrap() = true;
    let writer = ReportWriter::spawn(Arc::clone(&sink), ReportWriterConfig::default()).unwrap();
    let first = writer.submit(report(0)).unwrap();
    entered.recv_timeout(PATIENCE).unwrap();
    let second = writer.submit(report(1)).unwrap();
    sink.open_gate();
    match first.wait_timeout(PATIENCE) {
        Err(StoreError::Unavailable(m)) => assert!(m.contains("disk on fire")),
        other => panic!("expected the sink's error, got {other:?}"),
    }
    assert_eq!(second.wait_timeout(PATIENCE).unwrap(), 1);
    assert_eq!(writer.stats().failed, 1);
}

#[test]
fn a_full_queue_refuses_instead_of_growing() {
    let (sink, entered) = GatedSink::new();
    let config = ReportWriterConfig {
        queue_capacity: 2,
        ..Default::default()
    };
    let writer = ReportWriter::spawn(Arc::clone(&sink), config).unwrap();
    let first = writer.submit(report(0)).unwrap();
    entered.recv_timeout(PATIENCE).unwrap();
    let a = writer.submit(report(1)).unwrap();
    let b = writer.submit(report(2)).unwrap();
    match writer.submit(report(3)) {
        Err(StoreError::Unavailable(m)) => assert!(m.contains("queue full"), "{m}"),
        Err(e) => panic!("expected queue full, got {e:?}"),
        Ok(_) => panic!("expected queue full, got Ok"),
    }
    sink.open_gate();
    for p in [first, a, b] {
        p.wait_timeout(PATIENCE).unwrap();
    }
}

#[test]
fn an_invalid_report_is_refused_at_submit_and_spoils_no_batch() {
    let tmp = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(tmp.path()).unwrap());
    let writer = ReportWriter::spawn(Arc::clone(&store), ReportWriterConfig::default()).unwrap();
    let bad = NewReport {
        note: Some("x".repeat(281)),
        ..report(1)
    };
    match writer.submit(bad) {
        Err(StoreError::Invalid { field, .. }) => assert_eq!(field, "report.note"),
        Err(e) => panic!("expected Invalid, got {e:?}"),
        Ok(_) => panic!("expected Invalid, got Ok"),
    }
    let id = writer.append(report(2)).unwrap();
    assert!(id >= 1);
    assert_eq!(store.report_total("shop").unwrap(), 1);
}

#[test]
fn callbacks_and_shutdown_flush_everything_queued() {
    let tmp = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(tmp.path()).unwrap());
    let writer = ReportWriter::spawn(Arc::clone(&store), ReportWriterConfig::default()).unwrap();
    let (tx, rx) = mpsc::channel();
    for n in 0..100 {
        let tx = tx.clone();
        writer
            .submit_with(report(n), move |result| {
                let _ = tx.send(result);
            })
            .unwrap();
    }
    drop(tx);
    writer.shutdown();
    let results: Vec<_> = rx.iter().collect();
    assert_eq!(results.len(), 100);
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    assert_eq!(store.report_total("shop").unwrap(), 100);
}

#[test]
fn linger_waits_for_more_reports_but_not_forever() {
    let tmp = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(tmp.path()).unwrap());
    let config = ReportWriterConfig {
        linger: Duration::from_millis(5),
        ..Default::default()
    };
    let writer = ReportWriter::spawn(Arc::clone(&store), config).unwrap();
    // A lone report is still committed (after at most the linger).
    let id = writer
        .submit(report(0))
        .unwrap()
        .wait_timeout(PATIENCE)
        .unwrap();
    assert!(id >= 1);
    assert_eq!(writer.stats().batches, 1);
}

#[test]
fn a_panicking_reply_does_not_stop_the_writer() {
    let tmp = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(tmp.path()).unwrap());
    let writer = ReportWriter::spawn(Arc::clone(&store), ReportWriterConfig::default()).unwrap();
    writer
        .submit_with(report(0), |_| panic!("a careless reply closure"))
        .unwrap();
    let id = writer
        .submit(report(1))
        .unwrap()
        .wait_timeout(PATIENCE)
        .unwrap();
    assert!(id >= 1);
    assert_eq!(store.report_total("shop").unwrap(), 2);
}

/// Queues `n` reports behind a gated first commit, so that after the gate opens the writer
/// commits a batch of 1 and then one of `n`; returns once all of them are answered.
fn batches_of_one_then(
    sink: &Arc<GatedSink>,
    entered: &mpsc::Receiver<()>,
    writer: &ReportWriter,
    n: u32,
) {
    let first = writer.submit(report(0)).unwrap();
    entered
        .recv_timeout(PATIENCE)
        .expect("first commit started");
    let queued: Vec<_> = (1..=n).map(|i| writer.submit(report(i)).unwrap()).collect();
    sink.open_gate();
    first.wait_timeout(PATIENCE).unwrap();
    for p in queued {
        p.wait_timeout(PATIENCE).unwrap();
    }
}

#[test]
fn adaptive_delay_waits_for_the_submitters_just_answered() {
    let (sink, entered) = GatedSink::new();
    let config = ReportWriterConfig {
        // Far beyond PATIENCE: the batch below must close because the answered submitters
        // came back, not because the delay ran out.
        commit_delay: Duration::from_secs(600),
        commit_siblings: 3,
        ..Default::default()
    };
    let writer = ReportWriter::spawn(Arc::clone(&sink), config).unwrap();
    batches_of_one_then(&sink, &entered, &writer, 3);
    // The batch of 3 engaged the delay: three reports sent one after the other, as the three
    // answered submitters would, go into a single batch.
    let again: Vec<_> = (10..13)
        .map(|i| writer.submit(report(i)).unwrap())
        .collect();
    for p in again {
        p.wait_timeout(PATIENCE).unwrap();
    }
    assert_eq!(*sink.batches.lock().unwrap(), vec![1, 3, 3]);
}

#[test]
fn adaptive_delay_is_bounded_and_skipped_at_low_load() {
    let (sink, entered) = GatedSink::new();
    let config = ReportWriterConfig {
        commit_delay: Duration::from_millis(20),
        commit_siblings: 3,
        ..Default::default()
    };
    let writer = ReportWriter::spawn(Arc::clone(&sink), config).unwrap();
    batches_of_one_then(&sink, &entered, &writer, 3);
    // Three were answered but only one comes back: it is committed once the delay is over.
    let lone = writer.submit(report(20)).unwrap();
    lone.wait_timeout(PATIENCE).unwrap();
    // After a batch of one (below the siblings threshold) nothing waits.
    let next = writer.submit(report(21)).unwrap();
    next.wait_timeout(PATIENCE).unwrap();
    assert_eq!(*sink.batches.lock().unwrap(), vec![1, 3, 1, 1]);
}

#[test]
fn a_dead_writer_fails_pending_and_new_reports() {
    let (sink, entered) = GatedSink::new();
    *sink.panic_next.lock().unwrap() = true;
    let writer = ReportWriter::spawn(Arc::clone(&sink), ReportWriterConfig::default()).unwrap();
    let first = writer.submit(report(0)).unwrap();
    entered.recv_timeout(PATIENCE).unwrap();
    let queued = writer.submit(report(1)).unwrap();
    sink.open_gate();
    // The thread died in the sink: the batch in hand and what was queued are both refused.
    for pending in [first, queued] {
        match pending.wait_timeout(PATIENCE) {
            Err(StoreError::Unavailable(m)) => assert!(m.contains("stopped"), "{m}"),
            other => panic!("expected the writer stopped, got {other:?}"),
        }
    }
    match writer.submit(report(2)) {
        Err(StoreError::Unavailable(m)) => assert!(m.contains("stopped"), "{m}"),
        Err(e) => panic!("expected the writer stopped, got {e:?}"),
        Ok(_) => panic!("a dead writer accepted a report"),
    }
}

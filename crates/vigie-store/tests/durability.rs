//! Nothing acknowledged is lost to `kill -9`.
//!
//! The test re-runs its own binary as a child process that appends crowd reports through a
//! [`ReportWriter`] from several threads and prints one `ACK` line per acknowledged report.
//! The parent kills the child with SIGKILL in the middle of the load, reopens the database
//! and checks that every acknowledged report is there, with its content.
//!
//! What this proves: the writer answers only after the transaction is committed, and a
//! committed SQLite WAL transaction survives the death of the process. What it cannot prove
//! on a running machine: survival of a power cut, which rests on `synchronous=FULL` (every
//! commit fsyncs the WAL; see `sqlite::tests::writer_syncs_every_commit`).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use vigie_core::{ReportKind, Timestamp};
use vigie_store::{NewReport, ReportWriter, ReportWriterConfig, SqliteStore, Store};

const CHILD_DIR_ENV: &str = "VIGIE_STORE_DURABILITY_CHILD_DIR";
const CHILD_TEST: &str = "child_appends_reports_until_killed";
const WRITER_THREADS: usize = 4;
/// Kill the child once this many reports are acknowledged (mid-load: it would write far more).
const KILL_AFTER_ACKS: usize = 400;
/// The child stops by itself after this many reports per thread or this long.
const CHILD_MAX_PER_THREAD: usize = 1_000_000;
const CHILD_MAX_TIME: Duration = Duration::from_secs(300);

fn note(thread: usize, seq: usize) -> String {
    format!("t{thread} n{seq}")
}

/// The child side. Ignored in normal runs: the parent test runs it with `--ignored`.
#[test]
#[ignore = "child process of kill9_loses_no_acknowledged_report"]
fn child_appends_reports_until_killed() {
    let dir = std::env::var_os(CHILD_DIR_ENV)
        .unwrap_or_else(|| panic!("{CHILD_DIR_ENV} not set: this test is a child process"));
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(std::path::Path::new(&dir)).expect("child opens store"));
    let writer = ReportWriter::spawn(store, ReportWriterConfig::default()).expect("spawn writer");
    let started = Instant::now();
    std::thread::scope(|s| {
        for thread in 0..WRITER_THREADS {
            let submitter = writer.submitter();
            s.spawn(move || {
                for seq in 0..CHILD_MAX_PER_THREAD {
                    if started.elapsed() > CHILD_MAX_TIME {
                        break;
                    }
                    let report = NewReport {
                        service: "shop".into(),
                        at: Timestamp::from_secs(1_767_571_200 + seq as i64),
                        kind: ReportKind::Website,
                        region: None,
                        note: Some(note(thread, seq)),
                        reporter: format!("reporter-{thread}"),
                        counted: true,
                    };
                    let id = submitter.append(report).expect("append report");
                    // Printed only after the commit returned: an ACK is a 202.
                    println!("ACK {id} {thread} {seq}");
                }
            });
        }
    });
    println!("DONE");
}

#[test]
fn kill9_loses_no_acknowledged_report() {
    let tmp = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut child = Command::new(exe)
        .args([
            CHILD_TEST,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR_ENV, tmp.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn child");
    let mut stdout = BufReader::new(child.stdout.take().expect("child stdout"));
    let mut acked: Vec<(u64, usize, usize)> = Vec::new();
    let mut killed = false;
    let mut line = String::new();
    loop {
        line.clear();
        let n = stdout.read_line(&mut line).expect("read child output");
        if n == 0 {
            break; // EOF: the child is gone and the pipe drained.
        }
        if !line.ends_with('\n') {
            continue; // a line cut by the kill was never fully acknowledged
        }
        assert_ne!(
            line.trim(),
            "DONE",
            "the child finished before it was killed"
        );
        if let Some(rest) = line.trim().strip_prefix("ACK ") {
            let parts: Vec<&str> = rest.split(' ').collect();
            assert_eq!(parts.len(), 3, "malformed line {line:?}");
            let parse = |s: &str| s.parse::<u64>().unwrap_or_else(|e| panic!("{line:?}: {e}"));
            acked.push((
                parse(parts[0]),
                parse(parts[1]) as usize,
                parse(parts[2]) as usize,
            ));
            if !killed && acked.len() >= KILL_AFTER_ACKS {
                child.kill().expect("SIGKILL the child"); // SIGKILL on Unix
                killed = true;
            }
        }
    }
    let status = child.wait().expect("reap child");
    assert!(
        killed,
        "child exited ({status}) before {KILL_AFTER_ACKS} acknowledgements"
    );
    assert!(!status.success(), "child was not killed: {status}");

    let store = SqliteStore::open(tmp.path()).expect("reopen after kill -9");
    let stored = store
        .reports(
            "shop",
            Timestamp::from_millis(0),
            Timestamp::from_secs(4_000_000_000),
            usize::MAX,
        )
        .unwrap();
    let by_id: std::collections::HashMap<u64, &NewReport> =
        stored.iter().map(|s| (s.id, &s.report)).collect();
    for (id, thread, seq) in &acked {
        let report = by_id
            .get(id)
            .unwrap_or_else(|| panic!("acknowledged report {id} lost after kill -9"));
        assert_eq!(report.note.as_deref(), Some(note(*thread, *seq).as_str()));
    }
    assert!(stored.len() >= acked.len());
    assert_eq!(store.report_total("shop").unwrap(), stored.len() as u64);
    eprintln!(
        "kill -9 after {} acknowledgements: all present; {} reports stored in total",
        acked.len(),
        stored.len()
    );
}

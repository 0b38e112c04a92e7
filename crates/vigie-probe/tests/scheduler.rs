//! The scheduler against real targets: a hanging target does not hold up other checks,
//! and no more runs are in flight than the concurrency bound allows.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;
use tokio::sync::mpsc;
use tokio::time::timeout;
use vigie_core::ProbeError;
use vigie_probe::{CheckKind, CheckSpec, ProbeReport, Scheduler, SchedulerConfig};

fn every(mut spec: CheckSpec, interval: Duration) -> CheckSpec {
    spec.interval = interval;
    spec
}

/// Waits for the next report; a missing one within a generous bound fails the test.
async fn next(rx: &mut mpsc::Receiver<ProbeReport>) -> ProbeReport {
    timeout(Duration::from_secs(60), rx.recv())
        .await
        .expect("a report within 60 s")
        .expect("scheduler still running")
}

#[tokio::test]
async fn hanging_target_does_not_delay_other_checks() {
    let (addr, _) = start_http().await;
    let hanging = every(
        spec(
            "hang",
            CheckKind::Http(http(&format!("http://{addr}/hang"))),
            Duration::from_secs(45),
        ),
        Duration::from_millis(200),
    );
    let healthy = every(
        spec(
            "ok",
            CheckKind::Http(http(&format!("http://{addr}/ok"))),
            GENEROUS,
        ),
        Duration::from_millis(200),
    );
    let (tx, mut rx) = mpsc::channel(64);
    let handle = Scheduler::new(SchedulerConfig {
        concurrency: 4,
        rate_per_second: None,
        vantage: "test".into(),
    })
    .spawn(
        vec![("slow-svc".into(), hanging), ("fast-svc".into(), healthy)],
        tx,
    );
    assert_eq!(handle.check_count(), 2);

    // Five healthy results arrive while the hanging check's first run (45 s) is in flight.
    for _ in 0..5 {
        let report = next(&mut rx).await;
        assert_eq!(
            report.service, "fast-svc",
            "the hanging check cannot report yet"
        );
        assert_eq!(report.check, "ok");
        assert_eq!(report.vantage, "test");
        assert!(report.outcome.ok, "{:#?}", report.outcome);
        let signal = report.to_probe_result();
        assert_eq!(signal.service, "fast-svc");
        assert_eq!(signal.check.as_deref(), Some("ok"));
    }
    // Stopping does not wait for the hanging run beyond its own timeout; abandon it here by
    // dropping the handle (the runtime ends with the test).
    drop(handle);
}

#[tokio::test]
async fn concurrency_bound_holds() {
    let (addr, stats) = start_http().await;
    let checks: Vec<(String, CheckSpec)> = (0..6)
        .map(|i| {
            let check = every(
                spec(
                    &format!("held-{i}"),
                    CheckKind::Http(http(&format!("http://{addr}/held"))),
                    GENEROUS,
                ),
                Duration::from_millis(100),
            );
            (format!("svc-{i}"), check)
        })
        .collect();
    let (tx, mut rx) = mpsc::channel(64);
    let handle = Scheduler::new(SchedulerConfig {
        concurrency: 2,
        rate_per_second: None,
        vantage: "local".into(),
    })
    .spawn(checks, tx);
    let mut seen = std::collections::HashSet::new();
    for _ in 0..12 {
        let report = next(&mut rx).await;
        assert!(report.outcome.ok, "{:#?}", report.outcome);
        seen.insert(report.service);
    }
    handle.stop().await;
    let max = stats.max_in_flight.load(Ordering::SeqCst);
    assert!(max >= 1, "the target saw requests");
    assert!(max <= 2, "{max} requests in flight with a bound of 2");
    assert!(seen.len() >= 2, "several checks ran: {seen:?}");
}

#[tokio::test]
async fn rate_limit_and_stop() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let refused = every(
        spec(
            "tcp",
            CheckKind::Tcp(vigie_probe::TcpCheck {
                host: "127.0.0.1".into(),
                port,
            }),
            GENEROUS,
        ),
        Duration::from_millis(100),
    );
    let (tx, mut rx) = mpsc::channel(64);
    let handle = Scheduler::new(SchedulerConfig {
        concurrency: 8,
        rate_per_second: std::num::NonZeroU32::new(1000),
        vantage: "local".into(),
    })
    .spawn(vec![("db".into(), refused)], tx);
    let report = next(&mut rx).await;
    assert_eq!(report.outcome.error, Some(ProbeError::ConnectRefused));
    assert_eq!(
        report.to_probe_result().error,
        Some(ProbeError::ConnectRefused)
    );
    handle.stop().await;
    // After stop every task has ended and dropped its sender: the channel drains and closes.
    while let Some(report) = timeout(Duration::from_secs(60), rx.recv())
        .await
        .expect("channel closes after stop")
    {
        assert_eq!(report.service, "db");
    }
}

#[tokio::test]
async fn first_run_comes_soon_even_with_a_long_interval() {
    let (addr, _) = start_http().await;
    // Hourly: without the startup spread its first run could be up to an hour away.
    let hourly = every(
        spec(
            "ok",
            CheckKind::Http(http(&format!("http://{addr}/ok"))),
            GENEROUS,
        ),
        Duration::from_secs(3600),
    );
    let (tx, mut rx) = mpsc::channel(8);
    let handle = Scheduler::new(SchedulerConfig::default()).spawn(vec![("svc".into(), hourly)], tx);
    let report = next(&mut rx).await;
    assert!(report.outcome.ok, "{:#?}", report.outcome);
    assert_eq!(report.vantage, "local");
    handle.stop().await;
}

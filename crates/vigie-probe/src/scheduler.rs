//! The scheduler: runs many checks, each at its own interval, and sends every outcome on a
//! channel. It owns the timing policy:
//!
//! - each check runs once soon after start (spread over [`STARTUP_SPREAD`]), then every
//!   `interval` at a fixed per-check offset within the interval (a hash of service and
//!   check id), so checks stay spread out and restarts keep the same rhythm; a run that
//!   overruns its slot makes the check skip the slots it missed;
//! - at most `concurrency` runs are in flight (a fair semaphore), and runs start no faster
//!   than `rate_per_second` overall (a GCRA limiter);
//! - every run is bounded by its check's timeout, and each check has its own task, so a
//!   target that hangs holds one permit for at most its timeout and never delays the runs of
//!   other checks beyond that.
//!
//! Stopping (or dropping the handle) lets runs in flight finish, then ends every task.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior};
use vigie_core::{ProbeResult, Timestamp};

use crate::outcome::Outcome;
use crate::prober::Prober;
use crate::spec::CheckSpec;

/// Shortest interval the scheduler honours; shorter ones are raised to it.
pub const MIN_INTERVAL: Duration = Duration::from_millis(100);

/// First runs after start are spread over at most this long (or the interval if shorter).
pub const STARTUP_SPREAD: Duration = Duration::from_secs(5);

#[derive(Clone, Debug)]
pub struct SchedulerConfig {
    /// Most runs in flight at once (at least 1).
    pub concurrency: usize,
    /// Most runs started per second over all checks; `None` for no limit.
    pub rate_per_second: Option<NonZeroU32>,
    /// The name of this vantage (`local` by default), copied into every report.
    pub vantage: String,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            concurrency: 64,
            rate_per_second: NonZeroU32::new(200),
            vantage: "local".to_string(),
        }
    }
}

/// One run of one check, as the scheduler sends it.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeReport {
    pub service: String,
    pub check: String,
    pub vantage: String,
    /// When the run started.
    pub at: Timestamp,
    pub outcome: Outcome,
}

impl ProbeReport {
    /// The engine's signal for this run.
    pub fn to_probe_result(&self) -> ProbeResult {
        self.outcome
            .to_probe_result(self.at, &self.service, &self.check, &self.vantage)
    }
}

pub struct Scheduler {
    config: SchedulerConfig,
    prober: Arc<Prober>,
}

/// Running checks. [`SchedulerHandle::stop`] ends them; dropping the handle does too.
pub struct SchedulerHandle {
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
}

impl SchedulerHandle {
    /// Stops scheduling, lets the runs in flight finish and send their reports, and waits
    /// for every check's task to end.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
    }

    /// How many checks are being run.
    pub fn check_count(&self) -> usize {
        self.tasks.len()
    }
}

struct Shared {
    prober: Arc<Prober>,
    semaphore: Arc<Semaphore>,
    limiter: Option<DefaultDirectRateLimiter>,
    vantage: String,
}

impl Scheduler {
    pub fn new(config: SchedulerConfig) -> Self {
        Self::with_prober(config, Arc::new(Prober::new()))
    }

    /// A scheduler whose runs use `prober` (to share it with one-off runs).
    pub fn with_prober(config: SchedulerConfig, prober: Arc<Prober>) -> Self {
        Scheduler { config, prober }
    }

    /// Starts one task per check on the current tokio runtime. Reports go to `tx`; a check
    /// whose report cannot be delivered because the receiver is gone stops.
    pub fn spawn(
        self,
        checks: Vec<(String, CheckSpec)>,
        tx: mpsc::Sender<ProbeReport>,
    ) -> SchedulerHandle {
        let shared = Arc::new(Shared {
            prober: self.prober,
            semaphore: Arc::new(Semaphore::new(self.config.concurrency.max(1))),
            limiter: self
                .config
                .rate_per_second
                .map(|rate| RateLimiter::direct(Quota::per_second(rate))),
            vantage: self.config.vantage,
        });
        let (stop, stop_rx) = watch::channel(false);
        let mut tasks = JoinSet::new();
        for (service, spec) in checks {
            tasks.spawn(check_loop(
                shared.clone(),
                service,
                spec,
                tx.clone(),
                stop_rx.clone(),
            ));
        }
        SchedulerHandle { stop, tasks }
    }
}

/// The fixed offset of a check's first run within its interval: FNV-1a of its name.
pub fn jitter(service: &str, check: &str, interval: Duration) -> Duration {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in service.bytes().chain([b'/']).chain(check.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    interval.mul_f64((hash % 10_000) as f64 / 10_000.0)
}

fn now() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    Timestamp::from_millis(ms)
}

fn stopping(stop: &watch::Receiver<bool>) -> bool {
    *stop.borrow() || stop.has_changed().is_err()
}

async fn check_loop(
    shared: Arc<Shared>,
    service: String,
    spec: CheckSpec,
    tx: mpsc::Sender<ProbeReport>,
    mut stop: watch::Receiver<bool>,
) {
    let interval = spec.interval.max(MIN_INTERVAL);
    let start = Instant::now();
    // The first run comes soon after start, so states are known within seconds; later runs
    // keep the check's own phase within its interval, so checks stay spread out.
    let first = start + jitter(&service, &spec.id, interval.min(STARTUP_SPREAD));
    let mut phase = start + jitter(&service, &spec.id, interval);
    while phase < first + interval / 2 {
        phase += interval;
    }
    let mut ticker = tokio::time::interval_at(phase, interval);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut first_run = Some(first);
    loop {
        if stopping(&stop) {
            break;
        }
        match first_run.take() {
            Some(at) => tokio::select! {
                biased;
                _ = stop.changed() => break,
                _ = tokio::time::sleep_until(at) => {}
            },
            None => tokio::select! {
                biased;
                _ = stop.changed() => break,
                _ = ticker.tick() => {}
            },
        }
        let permit = tokio::select! {
            biased;
            _ = stop.changed() => break,
            permit = async {
                if let Some(limiter) = &shared.limiter {
                    limiter.until_ready().await;
                }
                shared.semaphore.clone().acquire_owned().await
            } => permit,
        };
        let Ok(permit) = permit else { break };
        let at = now();
        let outcome = shared.prober.run(&spec).await;
        drop(permit);
        tracing::debug!(
            service = %service,
            check = %spec.id,
            kind = outcome.kind,
            ok = outcome.ok,
            error = outcome.error.map(|e| e.as_str()),
            "probe run"
        );
        let report = ProbeReport {
            service: service.clone(),
            check: spec.id.clone(),
            vantage: shared.vantage.clone(),
            at,
            outcome,
        };
        if tx.send(report).await.is_err() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_is_stable_and_within_the_interval() {
        let interval = Duration::from_secs(60);
        let a = jitter("shop", "http-0", interval);
        assert_eq!(a, jitter("shop", "http-0", interval));
        assert!(a < interval);
        let spread: std::collections::HashSet<_> = (0..50)
            .map(|i| jitter("svc", &format!("check-{i}"), interval))
            .collect();
        assert!(spread.len() > 40, "offsets should differ between checks");
    }
}

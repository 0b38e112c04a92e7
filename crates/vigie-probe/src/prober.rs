//! [`Prober`]: runs one check once, under the check's timeout, and turns whatever happened
//! into an [`Outcome`]. Holds what runs share: resolvers and TLS configurations.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use vigie_core::ProbeError;

use crate::outcome::{DnsInfo, Outcome, Phases, TlsInfo};
use crate::resolve::Resolvers;
use crate::spec::{CheckKind, CheckSpec};
use crate::tls::TlsConfigs;
use crate::{dns, http, tcp};

/// Why a run failed: the classified error and a line for a person.
pub(crate) type Failure = (ProbeError, String);

/// The phase a run is in, so that a timeout can say where it struck.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Dns,
    Connect,
    Tls,
    Exchange,
}

/// What a run has learnt so far; survives the run being cut off by its timeout.
pub(crate) struct Progress {
    pub phase: Phase,
    pub phases: Phases,
    pub remote: Option<SocketAddr>,
    pub http_status: Option<u16>,
    pub tls: Option<TlsInfo>,
    pub dns: Option<DnsInfo>,
}

impl Progress {
    fn new() -> Self {
        Progress {
            phase: Phase::Dns,
            phases: Phases::default(),
            remote: None,
            http_status: None,
            tls: None,
            dns: None,
        }
    }

    /// Runs `phase`, recording how long it took when it completes.
    pub(crate) fn start(&mut self, phase: Phase) -> Instant {
        self.phase = phase;
        Instant::now()
    }
}

/// Runs checks. Cheap to share behind an `Arc`; build one per process.
pub struct Prober {
    pub(crate) resolvers: Resolvers,
    pub(crate) tls: TlsConfigs,
}

impl Default for Prober {
    fn default() -> Self {
        Self::new()
    }
}

impl Prober {
    pub fn new() -> Self {
        Prober {
            resolvers: Resolvers::new(),
            tls: TlsConfigs::new(),
        }
    }

    /// Runs `spec` once. Never fails and never outlives `spec.timeout` by more than the time
    /// to notice it: a target that hangs yields an outcome with a timeout error.
    pub async fn run(&self, spec: &CheckSpec) -> Outcome {
        let kind = spec.kind.name();
        let started = Instant::now();
        let mut progress = Progress::new();
        let result =
            tokio::time::timeout(spec.timeout, self.execute(&spec.kind, &mut progress)).await;
        let result = match result {
            Ok(result) => result,
            Err(_) => Err(timeout_failure(&progress, spec.timeout)),
        };
        let total = started.elapsed();
        let mut outcome = Outcome {
            kind,
            ok: result.is_ok(),
            slow: false,
            error: None,
            detail: String::new(),
            phases: Phases {
                total: Some(total),
                ..progress.phases
            },
            remote: progress.remote,
            http_status: progress.http_status,
            tls: progress.tls,
            dns: progress.dns,
        };
        match result {
            Ok(detail) => {
                outcome.detail = detail;
                if let CheckKind::Http(check) = &spec.kind {
                    if let Some(limit) = check.degraded_latency {
                        if total > limit {
                            outcome.slow = true;
                            outcome.detail.push_str(&format!(
                                "; slow: {} ms over the {} ms limit",
                                total.as_millis(),
                                limit.as_millis()
                            ));
                        }
                    }
                }
            }
            Err((error, detail)) => {
                outcome.error = Some(error);
                outcome.detail = detail;
            }
        }
        outcome
    }

    async fn execute(&self, kind: &CheckKind, progress: &mut Progress) -> Result<String, Failure> {
        match kind {
            CheckKind::Http(check) => http::run(self, check, progress).await,
            CheckKind::Tcp(check) => tcp::run(self, check, progress).await,
            CheckKind::Dns(check) => dns::run(self, check, progress).await,
        }
    }
}

fn timeout_failure(progress: &Progress, limit: Duration) -> Failure {
    let (error, phase) = match progress.phase {
        Phase::Dns => (ProbeError::DnsTimeout, "resolving the name"),
        Phase::Connect => (ProbeError::ConnectTimeout, "connecting"),
        Phase::Tls => (ProbeError::Timeout, "during the TLS handshake"),
        Phase::Exchange => (ProbeError::Timeout, "waiting for the response"),
    };
    (
        error,
        format!("timed out after {} ms {phase}", limit.as_millis()),
    )
}

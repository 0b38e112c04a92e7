//! Crowd report intake: who is reporting (a salted hash of the network prefix), whether it
//! may (rate limits), whether it counts (dedup window), and durable storage (group commit)
//! before the 202. The JSON API and the HTML form share all of it; they differ only in how
//! the body arrives and what the answer looks like ([`handlers`]).

pub mod after_commit;
pub mod dedup;
pub mod handlers;
pub mod limits;
pub mod region;
pub mod reporter;
pub mod request;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use ipnet::IpNet;
use tokio::sync::mpsc;
use vigie_config::Config;
use vigie_core::time::MINUTE_MS;
use vigie_core::Timestamp;
use vigie_store::{NewReport, ReportId, ReportSubmitter, ReportWriter, Store, StoreError};

use crate::error::ApiError;
use crate::metrics::{Metrics, RejectReason};
use crate::state::AppState;
use after_commit::{AfterCommit, ServerHook};
use dedup::{DedupWindow, DEDUP_WINDOW_MS};
use limits::ReportLimits;
pub use reporter::{NetworkPrefix, ReporterKeys};
use request::ValidReport;

/// The kv key holding the server secret behind reporter keys and CSRF tokens.
pub const SECRET_META_KEY: &str = "reports.secret";

/// The client's network prefix, resolved from the peer address and (from trusted proxies
/// only) `X-Forwarded-For`. The raw address is dropped inside the extractor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientNetwork {
    pub prefix: NetworkPrefix,
}

impl FromRequestParts<AppState> for ClientNetwork {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
            return Err(ApiError::Internal(
                "no peer address: serve the router with into_make_service_with_connect_info".into(),
            ));
        };
        let ip = reporter::client_ip(peer.ip(), &parts.headers, state.intake().trusted_proxies());
        Ok(ClientNetwork {
            prefix: NetworkPrefix::of(ip),
        })
    }
}

/// A report that was stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accepted {
    pub id: ReportId,
    /// Stored but not counted: the same reporter already reported this service within
    /// the dedup window.
    pub duplicate: bool,
}

/// Everything report intake needs, shared by all requests.
pub struct Intake {
    keys: ReporterKeys,
    limits: ReportLimits,
    dedup: DedupWindow,
    trusted_proxies: Vec<IpNet>,
    writer: ReportSubmitter,
    after: Arc<AfterCommit>,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for Intake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Intake").finish_non_exhaustive()
    }
}

/// Loads the server secret from the store's kv, creating it on first run.
pub fn load_or_create_secret(store: &dyn Store) -> Result<[u8; 32], StoreError> {
    if let Some(text) = store.get_meta(SECRET_META_KEY)? {
        let bytes = hex::decode(text.trim())
            .map_err(|e| StoreError::Corrupt(format!("{SECRET_META_KEY} is not hex: {e}")))?;
        return bytes.try_into().map_err(|b: Vec<u8>| {
            StoreError::Corrupt(format!(
                "{SECRET_META_KEY} has {} bytes, expected 32",
                b.len()
            ))
        });
    }
    let secret = ReporterKeys::generate_secret();
    store.set_meta(SECRET_META_KEY, &hex::encode(secret))?;
    Ok(secret)
}

impl Intake {
    /// Loads the secret, seeds the dedup window and report totals from the store, and
    /// starts the group-commit thread.
    pub fn start(
        config: &Config,
        service_ids: &[String],
        store: Arc<dyn Store>,
        metrics: Arc<Metrics>,
        now: Timestamp,
    ) -> Result<Self, StoreError> {
        let secret = load_or_create_secret(store.as_ref())?;
        let dedup = DedupWindow::new();
        for seen in store.recent_reporters(now.plus_millis(-DEDUP_WINDOW_MS))? {
            dedup.restore(&seen.reporter, &seen.service, seen.last_counted_at);
        }
        let stored: HashMap<String, u64> = store.report_totals()?.into_iter().collect();
        let totals = service_ids
            .iter()
            .map(|id| {
                (
                    id.clone(),
                    AtomicU64::new(stored.get(id).copied().unwrap_or(0)),
                )
            })
            .collect();
        let after = Arc::new(AfterCommit {
            totals,
            engine: RwLock::new(None),
        });
        let hook = ServerHook {
            after: after.clone(),
            metrics: metrics.clone(),
        };
        // The thread ends once every submitter is gone; this one lives as long as the intake.
        let writer = ReportWriter::spawn_with_hook(store, after_commit::writer_config(), hook)
            .map_err(|e| StoreError::Unavailable(format!("cannot start the report writer: {e}")))?
            .submitter();
        Ok(Intake {
            keys: ReporterKeys::new(secret),
            limits: ReportLimits::new(
                config.reports.per_reporter_per_minute,
                config.reports.per_prefix_per_minute,
            ),
            dedup,
            trusted_proxies: config.reports.trusted_proxies.clone(),
            writer,
            after,
            metrics,
        })
    }

    pub fn keys(&self) -> &ReporterKeys {
        &self.keys
    }

    pub fn trusted_proxies(&self) -> &[IpNet] {
        &self.trusted_proxies
    }

    pub fn reports_total(&self, service: &str) -> u64 {
        self.after
            .totals
            .get(service)
            .map_or(0, |n| n.load(Ordering::Relaxed))
    }

    pub(crate) fn attach_engine(&self, sender: mpsc::Sender<crate::runtime::EngineMsg>) {
        *self.after.engine.write().unwrap_or_else(|p| p.into_inner()) = Some(sender);
    }

    /// Rate-limits, dedups and durably stores one validated report for a known service.
    pub async fn submit(
        &self,
        client: &ClientNetwork,
        service: &str,
        report: ValidReport,
        now: Timestamp,
    ) -> Result<Accepted, ApiError> {
        if let Err(retry_after) = self.limits.check(&client.prefix) {
            self.metrics.report_rejected(RejectReason::RateLimited);
            return Err(ApiError::RateLimited { retry_after });
        }
        let reporter = self.keys.key(&client.prefix, now);
        let counted = self.dedup.admit(&reporter, service, now);
        let record = NewReport {
            service: service.to_string(),
            at: now,
            kind: report.kind,
            region: report.region,
            note: report.note,
            reporter: reporter.0,
            counted,
        };
        // Answered by the writer thread once the batch holding it is on disk; a client that
        // hangs up meanwhile leaves the report stored all the same.
        let committed = match self.writer.submit_async(record) {
            Ok(pending) => pending.await,
            Err(e) => Err(e),
        };
        match committed {
            Ok(id) => {
                self.metrics.report_accepted(!counted);
                Ok(Accepted {
                    id,
                    duplicate: !counted,
                })
            }
            Err(e) => {
                self.metrics.report_rejected(RejectReason::Unavailable);
                Err(e.into())
            }
        }
    }

    /// Housekeeping: forget idle rate-limit and dedup entries. Call every minute or so.
    pub fn housekeeping(&self, now: Timestamp) {
        self.limits.forget_idle();
        self.dedup.prune(now);
    }

    pub(crate) fn reject(&self, reason: RejectReason) {
        self.metrics.report_rejected(reason);
    }
}

/// How often [`Intake::housekeeping`] should run.
pub const HOUSEKEEPING_INTERVAL_MS: i64 = MINUTE_MS;

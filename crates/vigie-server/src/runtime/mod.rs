//! The `serve` runtime: opens the store, builds the state, starts the probe scheduler, the
//! engine task, the output writer and housekeeping, serves HTTP, and shuts all of it down on
//! SIGINT/SIGTERM.
//!
//! ```text
//! scheduler ──ProbeReport──▶ probe sink ──(batch)──▶ store (raw + per-minute)
//!                                 │
//!                                 ▼ Signal
//! report writer (after fsync) ──▶ engine task ──tick 1 s──▶ outputs ──▶ store (transitions,
//!                                 │                                 incidents)
//!                                 ▼                         ──▶ broadcast (SSE)
//!                              Snapshot (read by handlers)
//! ```
//!
//! The engine lives in one task that owns it; the wall clock is read there, once per tick,
//! and handed to the engine as a [`vigie_core::Timestamp`].

pub mod discovery;
mod engine_task;
mod probes;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use vigie_config::Config;
use vigie_core::engine::ReportPoint;
use vigie_core::{Signal, Timestamp};
use vigie_store::{SqliteStore, Store, StoreError};

pub use discovery::{DiscoveryReport, DiscoveryRequest, ServiceDiscovery};

use crate::admin::AdminToken;
use crate::error::ServerError;
use crate::state::{AppState, StateOptions};

/// What the engine task accepts.
#[derive(Debug)]
pub enum EngineMsg {
    Signal(Signal),
    /// Several signals at once: the report writer sends the counted reports of one durable
    /// batch as one message (one channel operation and at most one wake-up of the engine
    /// task per batch instead of per report). Counts as one message against
    /// [`ENGINE_QUEUE`].
    Signals(Vec<Signal>),
    /// The engine's report chart for one service (see [`AppState::report_series`]).
    ReportSeries {
        service: String,
        end: Timestamp,
        minutes: u32,
        reply: oneshot::Sender<Option<Vec<ReportPoint>>>,
    },
}

/// The first scheduled discovery runs this long after start-up (then daily).
pub const DISCOVERY_DELAY: Duration = Duration::from_secs(10);

/// Capacity of the engine's input queue; producers wait when it is full.
pub const ENGINE_QUEUE: usize = 64 * 1024;

/// Where `vigie serve` keeps its data and listens.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    /// The value of `VIGIE_ADMIN_TOKEN`, if set (passed in so tests need no environment).
    pub admin_token_env: Option<String>,
}

/// A started server: listening, probing, ticking. [`Server::serve`] runs it to the end.
pub struct Server {
    state: AppState,
    listener: tokio::net::TcpListener,
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    tasks: tokio::task::JoinSet<()>,
    scheduler: Option<vigie_probe::SchedulerHandle>,
}

/// Opens (creating if needed) the SQLite store in `dir`, with an error naming the path.
pub fn open_store(dir: &Path) -> Result<SqliteStore, ServerError> {
    let data_dir_error = |reason: String| ServerError::DataDir {
        path: dir.display().to_string(),
        reason,
    };
    if dir.exists() && !dir.is_dir() {
        return Err(data_dir_error("exists and is not a directory".into()));
    }
    std::fs::create_dir_all(dir).map_err(|e| data_dir_error(e.to_string()))?;
    SqliteStore::open(dir).map_err(|e| match e {
        StoreError::DataDir { reason, .. } => data_dir_error(reason),
        other => data_dir_error(other.to_string()),
    })
}

impl Server {
    /// Opens the store, builds the state and starts every task; binds the listener.
    pub async fn start(config: Config, options: ServeOptions) -> Result<Server, ServerError> {
        Server::start_with_clock(config, options, None).await
    }

    /// [`Server::start`] with the time source of the state and the engine task: `None` is
    /// the system clock; `vigie demo` passes a simulated one and feeds the engine with
    /// [`AppState::ingest_signal`] instead of probes.
    pub async fn start_with_clock(
        config: Config,
        options: ServeOptions,
        clock: Option<crate::state::Clock>,
    ) -> Result<Server, ServerError> {
        let dir = options.data_dir.clone();
        let store = tokio::task::spawn_blocking(move || open_store(&dir))
            .await
            .map_err(|e| ServerError::Store(e.to_string()))??;
        let store: Arc<dyn Store> = Arc::new(store);
        let admin_token = AdminToken::resolve(
            options.admin_token_env.as_deref(),
            config.admin.token_file.as_deref(),
        )?;
        let catalog = match vigie_discover::Catalog::shipped() {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(error = %e, "provider catalogue unavailable; discovery is off");
                None
            }
        };
        let mut state_options = StateOptions {
            admin_token,
            catalog_components: catalog
                .as_ref()
                .map(|c| c.components().to_vec())
                .unwrap_or_default(),
            ..StateOptions::default()
        };
        if let Some(clock) = clock {
            state_options.clock = clock;
        }
        let state = {
            let store = store.clone();
            let config = config.clone();
            // Start-up reads (secret, totals, recent reporters) are blocking store calls.
            tokio::task::spawn_blocking(move || AppState::new(config, store, state_options))
                .await
                .map_err(|e| ServerError::Store(e.to_string()))?
                .map_err(|e| ServerError::Store(e.to_string()))?
        };
        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .map_err(|source| ServerError::Listen {
                addr: options.listen,
                source,
            })?;
        let local_addr = listener.local_addr()?;

        let (stop, stop_rx) = watch::channel(false);
        let mut tasks = tokio::task::JoinSet::new();
        let (engine_tx, engine_rx) = mpsc::channel(ENGINE_QUEUE);
        state.attach_engine(engine_tx.clone());
        let engine = {
            let state = state.clone();
            tokio::task::spawn_blocking(move || {
                discovery::sync_declared_and_rebuild(&state)
                    .map_err(|e| ServerError::Store(e.to_string()))?;
                engine_task::build_engine(&state)
            })
            .await
            .map_err(|e| ServerError::Store(e.to_string()))??
        };
        tasks.spawn(engine_task::run(
            engine,
            engine_rx,
            state.clone(),
            stop_rx.clone(),
        ));
        let scheduler = probes::start(&state, engine_tx, &mut tasks);
        tasks.spawn(housekeeping(state.clone(), stop_rx.clone()));
        if let Some(catalog) = catalog {
            let (discovery_tx, discovery_rx) = mpsc::channel(16);
            state.attach_discovery(discovery_tx);
            tasks.spawn(discovery::task(
                state.clone(),
                catalog,
                discovery_rx,
                stop_rx.clone(),
                DISCOVERY_DELAY,
            ));
        }
        Ok(Server {
            state,
            listener,
            local_addr,
            stop,
            tasks,
            scheduler: Some(scheduler),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then stops probes and background tasks in order.
    /// Connections still open (SSE streams) get 5 s to finish.
    pub async fn serve(
        mut self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let app =
            crate::router(self.state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let (closing_tx, mut closing_rx) = watch::channel(false);
        let graceful = async move {
            shutdown.await;
            tracing::info!("shutting down");
            let _ = closing_tx.send(true);
        };
        let server = axum::serve(self.listener, app).with_graceful_shutdown(graceful);
        let server = async move { server.await };
        tokio::pin!(server);
        let result = tokio::select! {
            r = &mut server => r,
            _ = async {
                let _ = closing_rx.wait_for(|c| *c).await;
                tokio::time::sleep(Duration::from_secs(5)).await;
            } => Ok(()),
        };
        if let Some(scheduler) = self.scheduler.take() {
            scheduler.stop().await;
        }
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
        result.map_err(ServerError::Io)
    }
}

/// `vigie serve`: start, announce, serve until SIGINT/SIGTERM.
pub async fn run(config: Config, options: ServeOptions) -> Result<(), ServerError> {
    let server = Server::start(config, options).await?;
    tracing::info!(url = %format!("http://{}/", server.local_addr()), "vigie is serving");
    server.serve(shutdown_signal()).await
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Every minute: forget idle rate-limit and dedup entries. Every hour (first after one
/// minute): prune raw probe results and aggregates past their retention.
async fn housekeeping(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut minute = tokio::time::interval(Duration::from_secs(60));
    minute.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut minutes_since_prune = 59u32;
    loop {
        tokio::select! {
            _ = minute.tick() => {}
            _ = stop.changed() => return,
        }
        let now = state.now();
        state.intake().housekeeping(now);
        minutes_since_prune += 1;
        if minutes_since_prune < 60 {
            continue;
        }
        minutes_since_prune = 0;
        let raw = state.config().storage.raw_retention;
        let aggregate = state.config().storage.aggregate_retention;
        match state
            .read_store(move |store| store.prune(now, raw, aggregate))
            .await
        {
            Ok(stats) => tracing::info!(
                raw = stats.raw_probe_results,
                minutes = stats.probe_minutes,
                "retention prune"
            ),
            Err(e) => tracing::warn!(error = %e, "retention prune failed"),
        }
    }
}

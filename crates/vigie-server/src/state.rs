//! The shared application state every handler reads: the service directory (from the
//! config), the live snapshot the engine task publishes, the store, the report intake,
//! the event broadcast, metrics and the admin token.
//!
//! Handlers never touch the engine: the engine task owns it and publishes an immutable
//! [`Snapshot`] after every tick that changed something. Reading the snapshot is a pointer
//! copy under a read lock held for nanoseconds.
//!
//! # Read API for pages (`crate::web`)
//!
//! * [`AppState::directory`]: services (id, name, tags, checks, declared dependencies) and
//!   components, in config order; fixed for the life of the process.
//! * [`AppState::snapshot`]: live state per service (state, since, cause, open incident),
//!   open incidents, reports in the last 15 minutes; refreshed by the engine task.
//! * [`AppState::reports_total`]: every report ever accepted for a service.
//! * [`AppState::graph`]: the dependency graph (declared + discovered edges) for blast
//!   radius and dependencies.
//! * [`AppState::read_store`]: runs a blocking store query off the async threads.
//! * [`AppState::subscribe`]: engine outputs as they happen (what `/api/v1/events` streams).
//! * [`AppState::csrf_token`] with the [`crate::ingest::ClientNetwork`] extractor: the
//!   hidden field of the report form; the form posts to `POST /s/{id}/report`.
//! * [`AppState::now`]: the server clock (tests may fix it).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use tokio::sync::{broadcast, mpsc};
use vigie_config::Config;
use vigie_core::engine::ReportPoint;
use vigie_core::graph::DependencyGraph;
use vigie_core::{ComponentSpec, Dependency, IncidentId, Output, State, Timestamp, Topology};
use vigie_probe::CheckKind;
use vigie_store::{IncidentRecord, Store, StoreError};

use crate::admin::AdminToken;
use crate::error::ApiError;
use crate::ingest::{ClientNetwork, Intake};
use crate::metrics::Metrics;
use crate::runtime::EngineMsg;

/// A check as pages and the API show it.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckInfo {
    pub id: String,
    /// `http`, `tcp` or `dns`.
    pub kind: &'static str,
    /// What it probes: the URL, `host:port`, or `NAME TYPE`.
    pub target: String,
    pub interval_secs: u64,
}

/// A configured service.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceInfo {
    pub id: String,
    pub name: String,
    pub tags: Vec<String>,
    pub checks: Vec<CheckInfo>,
    /// Declared in the config (discovered edges live in the store and the graph).
    pub depends_on: Vec<Dependency>,
}

/// Every service and component this server knows, fixed at start-up.
#[derive(Debug, Default)]
pub struct Directory {
    services: Vec<ServiceInfo>,
    index: HashMap<String, usize>,
    components: Vec<ComponentSpec>,
    component_index: HashMap<String, usize>,
}

impl Directory {
    /// From the config's services and components plus extra (catalogue) components; a
    /// component listed twice keeps its first definition.
    pub fn new(config: &Config, extra_components: &[ComponentSpec]) -> Self {
        let services: Vec<ServiceInfo> = config
            .services
            .iter()
            .map(|s| ServiceInfo {
                id: s.spec.id.clone(),
                name: s.spec.name.clone(),
                tags: s.tags.clone(),
                checks: s
                    .checks
                    .iter()
                    .map(|c| CheckInfo {
                        id: c.id.clone(),
                        kind: c.kind.name(),
                        target: check_target(&c.kind),
                        interval_secs: c.interval.as_secs(),
                    })
                    .collect(),
                depends_on: s.spec.depends_on.clone(),
            })
            .collect();
        let index = services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        let mut components = Vec::new();
        let mut component_index = HashMap::new();
        for c in config.components.iter().chain(extra_components) {
            if !component_index.contains_key(&c.id) {
                component_index.insert(c.id.clone(), components.len());
                components.push(c.clone());
            }
        }
        Directory {
            services,
            index,
            components,
            component_index,
        }
    }

    pub fn services(&self) -> &[ServiceInfo] {
        &self.services
    }

    pub fn service(&self, id: &str) -> Option<&ServiceInfo> {
        self.index.get(id).map(|&i| &self.services[i])
    }

    pub fn components(&self) -> &[ComponentSpec] {
        &self.components
    }

    pub fn component(&self, id: &str) -> Option<&ComponentSpec> {
        self.component_index.get(id).map(|&i| &self.components[i])
    }

    /// The engine's view: services with declared dependencies, and the components.
    pub fn topology(&self) -> Topology {
        Topology {
            services: self
                .services
                .iter()
                .map(|s| vigie_core::ServiceSpec {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    depends_on: s.depends_on.clone(),
                })
                .collect(),
            components: self.components.clone(),
        }
    }
}

fn check_target(kind: &CheckKind) -> String {
    match kind {
        CheckKind::Http(h) => h.url.to_string(),
        CheckKind::Tcp(t) => format!("{}:{}", t.host, t.port),
        CheckKind::Dns(d) => format!("{} {}", d.name, d.record_type),
    }
}

/// The live state of one service.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceLive {
    pub state: State,
    /// When it entered `state`; `None` before the first conclusion.
    pub since: Option<Timestamp>,
    /// Why, in words ("2 of 2 probes failing: connect_refused"); may be empty.
    pub cause: String,
    /// Its open incident, if any.
    pub incident: Option<IncidentId>,
}

impl Default for ServiceLive {
    fn default() -> Self {
        ServiceLive {
            state: State::Unknown,
            since: None,
            cause: String::new(),
            incident: None,
        }
    }
}

/// What the engine task last published. Immutable; replaced as a whole.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// When it was taken.
    pub at: Timestamp,
    /// Every configured service (absent ones are `unknown`; use [`Snapshot::service`]).
    pub services: HashMap<String, ServiceLive>,
    /// Open incidents, most recently opened first.
    pub open_incidents: Vec<IncidentRecord>,
    /// The last official status of each component that has one (status pages, scenario
    /// `official` events), shown beside vigie's own verdict on the component page.
    pub official: HashMap<String, vigie_core::engine::OfficialView>,
}

impl Snapshot {
    pub fn service(&self, id: &str) -> ServiceLive {
        self.services.get(id).cloned().unwrap_or_default()
    }

    /// Number of services in each state, in [`State::ALL`] order.
    pub fn state_counts(&self, directory: &Directory) -> [(&'static str, usize); 4] {
        let mut counts = State::ALL.map(|s| (s.as_str(), 0usize));
        for s in directory.services() {
            let state = self.services.get(&s.id).map_or(State::Unknown, |l| l.state);
            if let Some(slot) = counts.iter_mut().find(|(n, _)| *n == state.as_str()) {
                slot.1 += 1;
            }
        }
        counts
    }
}

/// Where the current time comes from (the system clock, or a fixed one in tests).
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The system clock as a [`Timestamp`].
pub fn system_clock() -> Clock {
    Arc::new(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        Timestamp::from_millis(now)
    })
}

/// Settings of an [`AppState`] beyond the config.
#[derive(Clone)]
pub struct StateOptions {
    pub clock: Clock,
    /// The admin token (from `VIGIE_ADMIN_TOKEN` or the config's token file), if any.
    pub admin_token: Option<AdminToken>,
    /// Components from the provider catalogue, besides the config's.
    pub catalog_components: Vec<ComponentSpec>,
}

impl Default for StateOptions {
    fn default() -> Self {
        StateOptions {
            clock: system_clock(),
            admin_token: None,
            catalog_components: Vec::new(),
        }
    }
}

struct Inner {
    config: Config,
    directory: Directory,
    snapshot: RwLock<Arc<Snapshot>>,
    graph: RwLock<Arc<DependencyGraph>>,
    store: Arc<dyn Store>,
    events: broadcast::Sender<Output>,
    intake: Intake,
    metrics: Arc<Metrics>,
    admin_token: Option<AdminToken>,
    clock: Clock,
    discovery: RwLock<Option<mpsc::Sender<crate::runtime::DiscoveryRequest>>>,
    engine: RwLock<Option<mpsc::Sender<EngineMsg>>>,
}

/// Cheap to clone: one `Arc`.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("services", &self.inner.directory.services.len())
            .finish_non_exhaustive()
    }
}

/// Capacity of the event broadcast: a subscriber further behind than this skips ahead.
const EVENT_CAPACITY: usize = 1024;

impl AppState {
    /// Builds the state over an open store: loads the reporter secret (creating it on first
    /// run), the report totals and the recent reporters (dedup window), and starts the
    /// report group-commit thread. Must be called inside a tokio runtime.
    pub fn new(
        config: Config,
        store: Arc<dyn Store>,
        options: StateOptions,
    ) -> Result<Self, StoreError> {
        let directory = Directory::new(&config, &options.catalog_components);
        let graph = DependencyGraph::from_topology(&directory.topology()).map_err(|e| {
            StoreError::Invalid {
                field: "topology",
                reason: e.to_string(),
            }
        })?;
        let metrics = Arc::new(Metrics::new());
        let now = (options.clock)();
        let service_ids: Vec<String> = directory.services().iter().map(|s| s.id.clone()).collect();
        let intake = Intake::start(&config, &service_ids, store.clone(), metrics.clone(), now)?;
        let (events, _) = broadcast::channel(EVENT_CAPACITY);
        let inner = Inner {
            config,
            directory,
            snapshot: RwLock::new(Arc::new(Snapshot {
                at: now,
                ..Snapshot::default()
            })),
            graph: RwLock::new(Arc::new(graph)),
            store,
            events,
            intake,
            metrics,
            admin_token: options.admin_token,
            clock: options.clock,
            discovery: RwLock::new(None),
            engine: RwLock::new(None),
        };
        Ok(AppState {
            inner: Arc::new(inner),
        })
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn directory(&self) -> &Directory {
        &self.inner.directory
    }

    /// The latest published snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.inner
            .snapshot
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the snapshot (the engine task does this).
    pub fn publish_snapshot(&self, snapshot: Snapshot) {
        *self
            .inner
            .snapshot
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Arc::new(snapshot);
    }

    pub fn graph(&self) -> Arc<DependencyGraph> {
        self.inner
            .graph
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn set_graph(&self, graph: DependencyGraph) {
        *self.inner.graph.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(graph);
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// Runs a blocking store call on the blocking pool; store errors become [`ApiError`]s.
    pub async fn read_store<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
    {
        let store = self.inner.store.clone();
        match tokio::task::spawn_blocking(move || f(store.as_ref())).await {
            Ok(result) => result.map_err(ApiError::from),
            Err(e) => Err(ApiError::Internal(format!("store task failed: {e}"))),
        }
    }

    /// Engine outputs as they happen.
    pub fn subscribe(&self) -> broadcast::Receiver<Output> {
        self.inner.events.subscribe()
    }

    /// Publishes an engine output to subscribers (the engine task does this).
    pub fn broadcast(&self, output: Output) {
        // No subscribers is fine.
        let _ = self.inner.events.send(output);
    }

    pub fn intake(&self) -> &Intake {
        &self.inner.intake
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub fn admin_token(&self) -> Option<&AdminToken> {
        self.inner.admin_token.as_ref()
    }

    pub fn now(&self) -> Timestamp {
        (self.inner.clock)()
    }

    /// Every report ever accepted for `service`, duplicates included.
    pub fn reports_total(&self, service: &str) -> u64 {
        self.inner.intake.reports_total(service)
    }

    /// The CSRF token the report form of `service` must carry for this client.
    pub fn csrf_token(&self, client: &ClientNetwork, service: &str) -> String {
        self.inner
            .intake
            .keys()
            .csrf_token(&client.prefix, service, self.now())
    }

    /// Connects the engine task: accepted reports are forwarded to it after commit.
    pub fn attach_engine(&self, sender: mpsc::Sender<EngineMsg>) {
        self.inner.intake.attach_engine(sender.clone());
        *self.inner.engine.write().unwrap_or_else(|p| p.into_inner()) = Some(sender);
    }

    /// Hands a signal to the engine task, as a replay does instead of probes (`vigie
    /// demo`). `false` when no engine is attached or it has stopped.
    pub async fn ingest_signal(&self, signal: vigie_core::Signal) -> bool {
        match self.engine_sender() {
            Some(tx) => tx.send(EngineMsg::Signal(signal)).await.is_ok(),
            None => false,
        }
    }

    pub(crate) fn engine_sender(&self) -> Option<mpsc::Sender<EngineMsg>> {
        self.inner
            .engine
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The engine's last `minutes` minutes of distinct reporters for `service` up to `end`,
    /// with the expected count and upper band per minute (the Downdetector-style chart).
    /// `None` when the engine is not running or the service is unknown.
    pub async fn report_series(
        &self,
        service: &str,
        end: Timestamp,
        minutes: u32,
    ) -> Option<Vec<ReportPoint>> {
        let sender = self.engine_sender()?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        sender
            .send(EngineMsg::ReportSeries {
                service: service.to_string(),
                end,
                minutes,
                reply,
            })
            .await
            .ok()?;
        answer.await.ok().flatten()
    }

    pub fn attach_discovery(&self, sender: mpsc::Sender<crate::runtime::DiscoveryRequest>) {
        *self
            .inner
            .discovery
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(sender);
    }

    pub(crate) fn discovery_sender(
        &self,
    ) -> Option<mpsc::Sender<crate::runtime::DiscoveryRequest>> {
        self.inner
            .discovery
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

//! Dependency discovery in the server: at start-up, daily, and on demand (admin API).
//!
//! Each run asks `vigie-discover` about the hosts of a service's checks (the URL's host, the
//! TCP target's host, the DNS check's name), merges the findings per component and origin,
//! and syncs them into the store as the service's discovered edges; the store records every
//! added, changed or removed edge with its time. A service whose hosts all failed keeps its
//! previous edges (a DNS hiccup must not erase the graph). The graph handlers read is then
//! rebuilt from declared plus discovered edges.
//!
//! Safety: targets resolving to private, loopback or link-local addresses are refused unless
//! `[admin] allow_private_targets = true`; CNAME chains are bounded by `vigie-discover`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{mpsc, oneshot, watch};
use vigie_core::graph::DependencyGraph;
use vigie_core::{Dependency, DependencyOrigin};
use vigie_discover::{Catalog, DiscoverOptions, Discoverer};
use vigie_probe::CheckKind;
use vigie_store::{DependencyChange, EdgeObservation, EdgeSet};

use crate::state::AppState;

/// A request to the discovery task.
#[derive(Debug)]
pub struct DiscoveryRequest {
    pub services: Vec<String>,
    /// From the admin API (rather than the start-up or daily run).
    pub on_demand: bool,
    pub reply: Option<oneshot::Sender<DiscoveryReport>>,
}

/// What one discovery run found and changed.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DiscoveryReport {
    pub services: Vec<ServiceDiscovery>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ServiceDiscovery {
    pub service: String,
    /// The hosts asked about (from the service's checks).
    pub hosts: Vec<String>,
    /// Edges added, changed or removed by this run.
    pub changes: Vec<DependencyChange>,
    /// Hosts that could not be discovered, and why.
    pub errors: Vec<String>,
}

/// How often the scheduled run repeats.
pub const DAILY: Duration = Duration::from_secs(24 * 3600);

/// The hosts a service's checks reach, without duplicates, in check order.
pub fn service_hosts(state: &AppState, service: &str) -> Vec<String> {
    let Some(config) = state.config().service(service) else {
        return Vec::new();
    };
    let mut hosts: Vec<String> = Vec::new();
    for check in &config.checks {
        let host = match &check.kind {
            CheckKind::Http(h) => h.url.host_str().map(str::to_string),
            CheckKind::Tcp(t) => Some(t.host.clone()),
            CheckKind::Dns(d) => Some(d.name.clone()),
        };
        if let Some(h) = host.map(|h| h.trim_matches(['[', ']']).to_string()) {
            if !h.is_empty() && !hosts.contains(&h) {
                hosts.push(h);
            }
        }
    }
    hosts
}

/// Records the config's declared edges (so their history starts) and rebuilds the graph
/// from declared plus stored discovered edges. Blocking.
pub fn sync_declared_and_rebuild(state: &AppState) -> Result<(), vigie_store::StoreError> {
    let now = state.now();
    for service in state.directory().services() {
        let edges: Vec<EdgeObservation> = service
            .depends_on
            .iter()
            .map(|d| EdgeObservation {
                target: d.target.clone(),
                origin: DependencyOrigin::Declared,
                confidence: d.confidence,
                evidence: vec![format!("declared in {}", state.config().source)],
            })
            .collect();
        state
            .store()
            .sync_dependencies(&service.id, EdgeSet::Declared, &edges, now)?;
    }
    rebuild_graph(state)
}

/// The discovered edges in the store, as extra graph edges. Blocking.
pub fn discovered_edges(
    state: &AppState,
) -> Result<Vec<(String, Dependency)>, vigie_store::StoreError> {
    Ok(state
        .store()
        .dependencies(None)?
        .into_iter()
        .filter(|e| e.origin != DependencyOrigin::Declared)
        .filter(|e| state.directory().service(&e.service).is_some())
        .map(|e| {
            (
                e.service,
                Dependency {
                    target: e.target,
                    confidence: e.confidence.clamp(f64::MIN_POSITIVE, 1.0),
                    origin: e.origin,
                },
            )
        })
        .collect())
}

fn rebuild_graph(state: &AppState) -> Result<(), vigie_store::StoreError> {
    let extra = discovered_edges(state)?;
    match DependencyGraph::build(&state.directory().topology(), &extra) {
        Ok(graph) => state.set_graph(graph),
        Err(e) => tracing::warn!(error = %e, "dependency graph not rebuilt"),
    }
    Ok(())
}

async fn discover_service(
    state: &AppState,
    discoverer: &Discoverer,
    service: &str,
    options: &DiscoverOptions,
) -> ServiceDiscovery {
    let hosts = service_hosts(state, service);
    let mut report = ServiceDiscovery {
        service: service.to_string(),
        hosts: hosts.clone(),
        ..ServiceDiscovery::default()
    };
    // (target, origin) → best observation.
    let mut merged: BTreeMap<(String, &'static str), EdgeObservation> = BTreeMap::new();
    let mut answered = 0usize;
    for host in &hosts {
        match discoverer.discover(host, options).await {
            Ok(discovery) => {
                answered += 1;
                for finding in &discovery.components {
                    let origin = finding.origin();
                    let evidence: Vec<String> =
                        finding.evidence.iter().map(|e| e.to_string()).collect();
                    let key = (finding.id.clone(), origin.as_str());
                    let entry = merged.entry(key).or_insert_with(|| EdgeObservation {
                        target: finding.id.clone(),
                        origin,
                        confidence: finding.confidence,
                        evidence: Vec::new(),
                    });
                    entry.confidence = entry.confidence.max(finding.confidence);
                    for line in evidence {
                        if !entry.evidence.contains(&line) {
                            entry.evidence.push(line);
                        }
                    }
                }
            }
            Err(e) => report.errors.push(e.to_string()),
        }
    }
    if answered == 0 {
        return report;
    }
    // Discovered edges may only point at components (a service id would clash).
    let edges: Vec<EdgeObservation> = merged
        .into_values()
        .filter(|e| state.directory().service(&e.target).is_none())
        .filter(|e| e.confidence > 0.0 && e.confidence <= 1.0)
        .collect();
    let sid = service.to_string();
    let now = state.now();
    match state
        .read_store(move |store| store.sync_dependencies(&sid, EdgeSet::Discovered, &edges, now))
        .await
    {
        Ok(changes) => report.changes = changes,
        Err(e) => report.errors.push(format!("storing edges: {e}")),
    }
    report
}

async fn run_once(
    state: &AppState,
    discoverer: &Discoverer,
    services: &[String],
) -> DiscoveryReport {
    let options = DiscoverOptions {
        allow_private: state.config().admin.allow_private_targets,
        ..DiscoverOptions::default()
    };
    let mut report = DiscoveryReport::default();
    for service in services {
        let r = discover_service(state, discoverer, service, &options).await;
        for change in &r.changes {
            tracing::info!(
                service = %change.service,
                target = %change.target,
                kind = change.kind.as_str(),
                "dependency changed"
            );
        }
        report.services.push(r);
    }
    let rebuild_state = state.clone();
    if let Err(e) = state
        .read_store(move |_| rebuild_graph(&rebuild_state))
        .await
    {
        tracing::warn!(error = %e, "graph rebuild");
    }
    report
}

/// The discovery task: one run at start-up (after `initial_delay`), one a day, and one per
/// request from the admin API, never two at once.
pub(crate) async fn task(
    state: AppState,
    catalog: Arc<Catalog>,
    mut requests: mpsc::Receiver<DiscoveryRequest>,
    mut stop: watch::Receiver<bool>,
    initial_delay: Duration,
) {
    let discoverer = Discoverer::new(catalog);
    let all: Vec<String> = state
        .directory()
        .services()
        .iter()
        .map(|s| s.id.clone())
        .collect();
    let mut daily = tokio::time::interval_at(tokio::time::Instant::now() + initial_delay, DAILY);
    daily.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = daily.tick() => {
                let report = run_once(&state, &discoverer, &all).await;
                let errors: usize = report.services.iter().map(|s| s.errors.len()).sum();
                tracing::info!(services = all.len(), errors, "scheduled discovery done");
            }
            request = requests.recv() => {
                let Some(request) = request else { return };
                let report = run_once(&state, &discoverer, &request.services).await;
                if let Some(reply) = request.reply {
                    let _ = reply.send(report);
                }
            }
            _ = stop.changed() => return,
        }
    }
}

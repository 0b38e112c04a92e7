//! Dependency discovery in the server: at start-up, daily, and on demand (admin API).
//! Each run asks `vigie-discover` about the hosts of a service's checks and syncs the
//! discovered edges into the store, which records every change with its time; the graph is
//! then rebuilt from declared plus discovered edges.

use serde::Serialize;
use tokio::sync::oneshot;
use vigie_store::DependencyChange;

/// A request to the discovery task.
#[derive(Debug)]
pub struct DiscoveryRequest {
    pub services: Vec<String>,
    /// From the admin API: private targets are refused unless configured otherwise.
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

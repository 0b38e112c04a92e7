//! vigie-config owns `vigie.toml`: parse into a raw serde form (unknown keys rejected), then
//! validate into [`Config`], reporting every error at once with file, line and key.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use vigie_core::{ComponentSpec, ServiceSpec};
use vigie_probe::CheckSpec;

/// A validated configuration: everything `vigie serve` needs.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Where it came from (`<built-in example>` for the default).
    pub source: String,
    pub services: Vec<ServiceConfig>,
    /// Components declared in the file (the catalogue adds its own).
    pub components: Vec<ComponentSpec>,
    pub server: ServerConfig,
    pub storage: StorageConfig,
    pub reports: ReportsConfig,
    pub probes: ProbesConfig,
    pub admin: AdminConfig,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ServiceConfig {
    /// id, name and declared dependencies, as the engine sees them.
    pub spec: ServiceSpec,
    pub tags: Vec<String>,
    pub checks: Vec<CheckSpec>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ServerConfig {
    /// Default 127.0.0.1:8080; `--listen` overrides.
    pub listen: Option<SocketAddr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StorageConfig {
    /// Default ./vigie-data; `--data` overrides.
    pub data_dir: Option<PathBuf>,
    /// Raw probe results are kept this long. Default 48 h.
    pub raw_retention: Duration,
    /// Per-minute aggregates are kept this long. Default 90 days.
    pub aggregate_retention: Duration,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReportsConfig {
    /// Peers whose X-Forwarded-For is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Reports per minute allowed from one reporter (network prefix). Default 10.
    pub per_reporter_per_minute: u32,
    /// Reports per minute allowed from one wider prefix (/16, /32). Default 600.
    pub per_prefix_per_minute: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProbesConfig {
    /// Checks running at once. Default 256.
    pub concurrency: usize,
    /// Checks started per second across all services. Default 100.
    pub rate_per_second: u32,
    /// This vantage's name. Default `local`.
    pub vantage: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AdminConfig {
    /// A file holding the admin bearer token (`VIGIE_ADMIN_TOKEN` wins when set).
    pub token_file: Option<PathBuf>,
    /// Let on-demand discovery target private, loopback and link-local addresses.
    pub allow_private_targets: bool,
}

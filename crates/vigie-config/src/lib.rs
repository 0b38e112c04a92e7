//! vigie-config owns `vigie.toml`: parse into a raw serde form (unknown keys rejected), then
//! validate into [`Config`], reporting every error at once with file, line and key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use vigie_core::{ComponentSpec, ServiceSpec};
use vigie_probe::CheckSpec;

mod duration;
mod error;
mod parse;
mod section;

pub use duration::parse_duration;
pub use error::{ConfigError, ConfigErrors};
pub use parse::{parse_str, split_host_port};

/// Largest configuration file accepted.
pub const MAX_CONFIG_BYTES: u64 = 16 * 1024 * 1024;

/// The built-in example `vigie serve` runs when no `--config` is given (also in docs/config.md).
pub const BUILTIN_EXAMPLE: &str = include_str!("../example.toml");

/// Reads and validates a configuration file.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    let file = path.display().to_string();
    let fail = |message: String| {
        ConfigErrors(vec![ConfigError {
            file: file.clone(),
            line: 0,
            column: 0,
            key: String::new(),
            message,
        }])
    };
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(fail(format!(
            "file is {} bytes; the limit is {MAX_CONFIG_BYTES}",
            meta.len()
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    parse_str(&file, &text)
}

/// The built-in example configuration.
pub fn builtin_example() -> Config {
    match parse_str("<built-in example>", BUILTIN_EXAMPLE) {
        Ok(config) => config,
        // The example is tested; reaching this is a build defect, not a user error.
        Err(e) => panic!("built-in example configuration is invalid: {e}"),
    }
}

impl Config {
    pub fn service(&self, id: &str) -> Option<&ServiceConfig> {
        self.services.iter().find(|s| s.spec.id == id)
    }

    /// Every check of every service, with its service id.
    pub fn checks(&self) -> impl Iterator<Item = (&str, &CheckSpec)> {
        self.services
            .iter()
            .flat_map(|s| s.checks.iter().map(move |c| (s.spec.id.as_str(), c)))
    }
}

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

#[derive(Clone, Debug, Default, PartialEq)]
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

#[derive(Clone, Debug, Default, PartialEq)]
pub struct AdminConfig {
    /// A file holding the admin bearer token (`VIGIE_ADMIN_TOKEN` wins when set).
    pub token_file: Option<PathBuf>,
    /// Let on-demand discovery target private, loopback and link-local addresses.
    pub allow_private_targets: bool,
}

impl StorageConfig {
    pub const DEFAULT_RAW_RETENTION: Duration = Duration::from_secs(48 * 3600);
    pub const DEFAULT_AGGREGATE_RETENTION: Duration = Duration::from_secs(90 * 86_400);
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            data_dir: None,
            raw_retention: Self::DEFAULT_RAW_RETENTION,
            aggregate_retention: Self::DEFAULT_AGGREGATE_RETENTION,
        }
    }
}

impl ReportsConfig {
    pub const DEFAULT_PER_REPORTER_PER_MINUTE: u32 = 10;
    pub const DEFAULT_PER_PREFIX_PER_MINUTE: u32 = 600;
}

impl Default for ReportsConfig {
    fn default() -> Self {
        ReportsConfig {
            trusted_proxies: Vec::new(),
            per_reporter_per_minute: Self::DEFAULT_PER_REPORTER_PER_MINUTE,
            per_prefix_per_minute: Self::DEFAULT_PER_PREFIX_PER_MINUTE,
        }
    }
}

impl ProbesConfig {
    pub const DEFAULT_CONCURRENCY: usize = 256;
    pub const DEFAULT_RATE_PER_SECOND: u32 = 100;
    pub const DEFAULT_VANTAGE: &'static str = "local";
}

impl Default for ProbesConfig {
    fn default() -> Self {
        ProbesConfig {
            concurrency: Self::DEFAULT_CONCURRENCY,
            rate_per_second: Self::DEFAULT_RATE_PER_SECOND,
            vantage: Self::DEFAULT_VANTAGE.to_string(),
        }
    }
}

//! The `serve` runtime: opens the store, builds the state, starts the probe scheduler, the
//! engine task, discovery and housekeeping, serves HTTP, and shuts all of it down in order
//! on SIGINT/SIGTERM.

pub mod discovery;

pub use discovery::{DiscoveryReport, DiscoveryRequest, ServiceDiscovery};

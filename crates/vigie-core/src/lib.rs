//! vigie-core owns vigie's domain vocabulary and its deterministic engine.
//!
//! Everything here is pure: no sockets, no files, no clock reads. Time is an input
//! ([`Timestamp`]); signals go in through `Engine::ingest`, conclusions come out of
//! `Engine::tick`. The same code runs live under `vigie serve` and offline under
//! `vigie replay`, which is what makes detection testable and measurable.

pub mod attribute;
pub mod detect;
pub mod engine;
pub mod graph;
pub mod model;
pub mod output;
pub mod replay;
pub mod scenario;
pub mod signal;
pub mod time;

pub use engine::{Engine, EngineParams, ServiceHealth};
pub use model::{
    component_ancestors, component_parent, ComponentKind, ComponentSpec, Dependency,
    DependencyOrigin, OfficialStatus, ProbeError, ReportKind, ServiceSpec, State, Topology,
};
pub use output::{IncidentId, IncidentIds, Output, Scope};
pub use signal::{Official, OfficialTarget, ProbeResult, Report, ReportBatch, Signal};
pub use time::{Timestamp, TimestampError};

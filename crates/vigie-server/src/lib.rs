//! vigie-server owns the HTTP edge (pages, JSON API, report intake, SSE, metrics) and the
//! `serve` runtime that wires probes, the engine and the store together.
//!
//! * [`router`] builds the whole axum app over an [`AppState`]; tests drive it with
//!   `tower::ServiceExt::oneshot` (insert a `ConnectInfo<SocketAddr>` extension for the
//!   report endpoints).
//! * [`state`] is the shared state and the read API the pages use.
//! * [`api`] holds the JSON handlers, [`ingest`] the report intake (JSON and form),
//!   [`metrics`] the Prometheus exposition, [`admin`] the admin token.
//! * [`runtime`] is `vigie serve`.

pub mod admin;
pub mod api;
pub mod client;
pub mod error;
pub mod extract;
pub mod ingest;
pub mod metrics;
pub mod runtime;
pub mod state;
pub mod web;

use axum::Router;

pub use error::{ApiError, ServerError};
pub use state::{AppState, Directory, ServiceInfo, ServiceLive, Snapshot, StateOptions};

/// The whole application: API, intake, health, metrics, and the pages ([`web`]).
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(api::routes())
        .merge(web::routes())
        .with_state(state)
}

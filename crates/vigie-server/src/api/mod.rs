//! The JSON API under `/api/v1`, plus `/healthz` and `/metrics`. Handlers are thin: extract,
//! call one function of the state or the store, answer JSON or an [`crate::ApiError`].
//! docs/api.md documents every endpoint.

pub mod components;
pub mod events;
pub mod health;
pub mod incidents;
pub mod params;
pub mod services;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

use crate::extract::MAX_JSON_BODY;
use crate::ingest::handlers::{post_report_form, post_report_json};
use crate::state::AppState;

/// Every API route (state still to be provided).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .route("/api/v1/services", get(services::list))
        .route("/api/v1/services/{id}", get(services::detail))
        .route("/api/v1/services/{id}/history", get(services::history))
        .route(
            "/api/v1/services/{id}/dependencies",
            get(components::service_dependencies),
        )
        .route(
            "/api/v1/services/{id}/reports",
            post(post_report_json).layer(DefaultBodyLimit::max(MAX_JSON_BODY)),
        )
        .route("/api/v1/components", get(components::list))
        .route("/api/v1/components/{*id}", get(components::detail))
        .route("/api/v1/incidents", get(incidents::list))
        .route("/api/v1/incidents/{id}", get(incidents::detail))
        .route("/api/v1/events", get(events::stream))
        .route(
            "/api/v1/admin/discover",
            post(components::discover).layer(DefaultBodyLimit::max(MAX_JSON_BODY)),
        )
        .route(
            "/s/{id}/report",
            post(post_report_form).layer(DefaultBodyLimit::max(MAX_JSON_BODY)),
        )
}

//! `/healthz` (liveness plus a store round trip) and `/metrics` (Prometheus text).

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::state::AppState;

/// 200 `{"status":"ok",...}` when the store answers, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let backend = state.store().backend();
    let services = state.directory().services().len();
    match state.read_store(|store| store.check_health()).await {
        Ok(()) => {
            Json(json!({"status": "ok", "store": backend, "services": services})).into_response()
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "unavailable", "store": backend, "services": services})),
        )
            .into_response(),
    }
}

/// The Prometheus exposition.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let counts = state.snapshot().state_counts(state.directory());
    let text = state.metrics().render(&counts);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

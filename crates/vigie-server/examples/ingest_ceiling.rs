//! The loopback ceiling for `scripts/bench-ingest`: an axum endpoint with vigie's route that
//! parses and validates the same report JSON and answers 202 without storing anything.
//!
//! `cargo run --release -p vigie-server --example ingest_ceiling -- 127.0.0.1:18090`

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use vigie_server::extract::{ApiJson, MAX_JSON_BODY};
use vigie_server::ingest::request::ReportRequest;
use vigie_server::ApiError;

async fn accept(
    State(next): State<Arc<AtomicU64>>,
    Path(_service): Path<String>,
    ApiJson(body): ApiJson<ReportRequest>,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    body.validate()?;
    let id = next.fetch_add(1, Ordering::Relaxed);
    Ok((
        StatusCode::ACCEPTED,
        Json(serde_json::json!({"id": id, "duplicate": false})),
    ))
}

fn main() -> std::io::Result<()> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18090".into())
        .parse()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{e}")))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let app = Router::new()
            .route(
                "/api/v1/services/{id}/reports",
                post(accept).layer(DefaultBodyLimit::max(MAX_JSON_BODY)),
            )
            .with_state(Arc::new(AtomicU64::new(1)));
        let listener = tokio::net::TcpListener::bind(addr).await?;
        println!("ingest ceiling on http://{addr}/");
        axum::serve(listener, app).await
    })
}

//! `GET /api/v1/incidents?open=&service=&since=&limit=` and `GET /api/v1/incidents/{id}`.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use vigie_store::{IncidentDetail, IncidentFilter, IncidentRecord};

use super::params::{bool_param, limit_param, time_param};
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentQuery {
    open: Option<String>,
    service: Option<String>,
    since: Option<String>,
    limit: Option<String>,
}

/// The most incidents one request lists.
pub const MAX_LIMIT: usize = 1000;

/// Incidents, most recently opened first.
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<IncidentQuery>,
) -> Result<Json<Vec<IncidentRecord>>, ApiError> {
    let service = q.service.filter(|s| !s.trim().is_empty());
    if let Some(s) = &service {
        if state.directory().service(s).is_none() {
            return Err(ApiError::not_found_service(s));
        }
    }
    let filter = IncidentFilter {
        open_only: bool_param("open", q.open.as_deref())?.unwrap_or(false),
        service,
        since: time_param("since", q.since.as_deref())?,
        scope: None,
        limit: limit_param("limit", q.limit.as_deref(), MAX_LIMIT)?.unwrap_or(100),
    };
    let incidents = state
        .read_store(move |store| store.list_incidents(&filter))
        .await?;
    Ok(Json(incidents))
}

/// One incident with its timeline.
pub async fn detail(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<IncidentDetail>, ApiError> {
    let Ok(n) = id.parse::<u64>() else {
        return Err(ApiError::BadRequest(format!(
            "incident id {id:?} is not a positive number"
        )));
    };
    state
        .read_store(move |store| store.incident(n))
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no incident {n}")))
}

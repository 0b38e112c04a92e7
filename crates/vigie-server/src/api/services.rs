//! `/api/v1/services`, `/api/v1/services/{id}` and `/api/v1/services/{id}/history`.

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use vigie_core::time::{DAY_MS, HOUR_MS};
use vigie_core::{IncidentId, State as ServiceState, Timestamp};
use vigie_store::{ProbeRecord, ReportMinute, StateTransition};

use super::params::time_param;
use crate::error::ApiError;
use crate::extract::ApiQuery;
use crate::state::{AppState, ServiceInfo, ServiceLive};

/// One service in `GET /api/v1/services`.
#[derive(Serialize)]
pub struct ServiceSummary {
    pub id: String,
    pub name: String,
    pub state: ServiceState,
    /// When the current state began; `null` before the first conclusion.
    pub since: Option<Timestamp>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cause: String,
    pub tags: Vec<String>,
    pub incident: Option<IncidentId>,
    pub reports_total: u64,
}

fn summary(state: &AppState, info: &ServiceInfo, live: &ServiceLive) -> ServiceSummary {
    ServiceSummary {
        id: info.id.clone(),
        name: info.name.clone(),
        state: live.state,
        since: live.since,
        cause: live.cause.clone(),
        tags: info.tags.clone(),
        incident: live.incident,
        reports_total: state.reports_total(&info.id),
    }
}

/// `GET /api/v1/services`: every configured service, in config order.
pub async fn list(State(state): State<AppState>) -> Json<Vec<ServiceSummary>> {
    let snapshot = state.snapshot();
    Json(
        state
            .directory()
            .services()
            .iter()
            .map(|info| summary(&state, info, &snapshot.service(&info.id)))
            .collect(),
    )
}

#[derive(Serialize)]
pub struct CheckDetail {
    pub id: String,
    pub kind: &'static str,
    pub target: String,
    pub interval_secs: u64,
    /// The latest result per vantage.
    pub last: Vec<LastResult>,
}

#[derive(Serialize)]
pub struct LastResult {
    pub vantage: String,
    pub at: Timestamp,
    pub ok: bool,
    pub slow: bool,
    pub latency_ms: Option<f64>,
    pub error: Option<vigie_core::ProbeError>,
    pub status: Option<u16>,
    pub detail: Option<String>,
}

impl From<ProbeRecord> for LastResult {
    fn from(r: ProbeRecord) -> Self {
        LastResult {
            vantage: r.vantage,
            at: r.at,
            ok: r.ok,
            slow: r.slow,
            latency_ms: r.latency_ms,
            error: r.error,
            status: r.status,
            detail: r.detail,
        }
    }
}

#[derive(Serialize)]
pub struct DeclaredDependency {
    pub target: String,
    pub confidence: f64,
}

#[derive(Serialize)]
pub struct ServiceDetail {
    #[serde(flatten)]
    pub summary: ServiceSummary,
    pub checks: Vec<CheckDetail>,
    pub depends_on: Vec<DeclaredDependency>,
    /// The 20 most recent state changes, newest first.
    pub transitions: Vec<StateTransition>,
}

/// `GET /api/v1/services/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ServiceDetail>, ApiError> {
    let Some(info) = state.directory().service(&id).cloned() else {
        return Err(ApiError::not_found_service(&id));
    };
    let snapshot = state.snapshot();
    let sid = id.clone();
    let (last, transitions) = state
        .read_store(move |store| {
            Ok((
                store.last_probe_results(Some(&sid))?,
                store.recent_transitions(&sid, 20)?,
            ))
        })
        .await?;
    let checks = info
        .checks
        .iter()
        .map(|c| CheckDetail {
            id: c.id.clone(),
            kind: c.kind,
            target: c.target.clone(),
            interval_secs: c.interval_secs,
            last: last
                .iter()
                .filter(|r| r.check == c.id)
                .cloned()
                .map(LastResult::from)
                .collect(),
        })
        .collect();
    Ok(Json(ServiceDetail {
        summary: summary(&state, &info, &snapshot.service(&id)),
        checks,
        depends_on: info
            .depends_on
            .iter()
            .map(|d| DeclaredDependency {
                target: d.target.clone(),
                confidence: d.confidence,
            })
            .collect(),
        transitions,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    from: Option<String>,
    to: Option<String>,
}

/// Longest range one history request may cover (the aggregate retention).
pub const MAX_HISTORY_MS: i64 = 90 * DAY_MS;

#[derive(Serialize)]
pub struct HistoryMinute {
    pub minute: Timestamp,
    pub probes: u64,
    pub failures: u64,
    pub slow: u64,
    /// Share of probes that succeeded, in [0, 1].
    pub availability: f64,
    pub latency_mean_ms: Option<f64>,
    pub latency_p95_ms: Option<f64>,
    pub latency_max_ms: Option<f64>,
}

#[derive(Serialize)]
pub struct History {
    pub service: String,
    pub from: Timestamp,
    pub to: Timestamp,
    /// Minutes with at least one probe, ascending.
    pub minutes: Vec<HistoryMinute>,
    /// Minutes with at least one report, ascending.
    pub reports: Vec<ReportMinute>,
}

/// `GET /api/v1/services/{id}/history?from=&to=` (RFC 3339; default: the last 24 hours).
pub async fn history(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<Json<History>, ApiError> {
    if state.directory().service(&id).is_none() {
        return Err(ApiError::not_found_service(&id));
    }
    let to = time_param("to", q.to.as_deref())?.unwrap_or_else(|| state.now());
    let from = time_param("from", q.from.as_deref())?.unwrap_or(to.plus_millis(-24 * HOUR_MS));
    if from >= to {
        return Err(ApiError::BadRequest(format!(
            "from ({from}) must be before to ({to})"
        )));
    }
    if to.millis_since(from) > MAX_HISTORY_MS {
        return Err(ApiError::BadRequest(
            "the range from..to may cover at most 90 days".into(),
        ));
    }
    let sid = id.clone();
    let (minutes, reports) = state
        .read_store(move |store| {
            Ok((
                store.probe_history(&sid, None, from, to)?,
                store.report_minutes(&sid, from, to)?,
            ))
        })
        .await?;
    Ok(Json(History {
        service: id,
        from,
        to,
        minutes: minutes
            .into_iter()
            .map(|m| HistoryMinute {
                minute: m.minute,
                probes: m.count,
                failures: m.failures,
                slow: m.slow,
                availability: m.availability(),
                latency_mean_ms: m.latency.as_ref().map(|l| l.mean_ms()),
                latency_p95_ms: m.latency.as_ref().map(|l| l.p95_ms),
                latency_max_ms: m.latency.as_ref().map(|l| l.max_ms),
            })
            .collect(),
        reports,
    }))
}

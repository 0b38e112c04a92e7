//! The dependency graph over HTTP: `GET /api/v1/services/{id}/dependencies`,
//! `GET /api/v1/components`, `GET /api/v1/components/{id}` (blast radius: direct and
//! transitive dependents), and the admin-only on-demand discovery
//! `POST /api/v1/admin/discover`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use vigie_core::{DependencyOrigin, IncidentId, Scope, State as ServiceState, Timestamp};
use vigie_store::{DependencyChange, DependencyEdge};

use crate::admin::RequireAdmin;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::runtime::{DiscoveryReport, DiscoveryRequest};
use crate::state::AppState;

#[derive(Serialize)]
pub struct Reached {
    pub id: String,
    pub confidence: f64,
    /// Reached without going through another service.
    pub direct: bool,
}

#[derive(Serialize)]
pub struct EdgeView {
    pub target: String,
    pub origin: DependencyOrigin,
    pub confidence: f64,
    pub evidence: Vec<String>,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
}

impl From<DependencyEdge> for EdgeView {
    fn from(e: DependencyEdge) -> Self {
        EdgeView {
            target: e.target,
            origin: e.origin,
            confidence: e.confidence,
            evidence: e.evidence,
            first_seen: e.first_seen,
            last_seen: e.last_seen,
        }
    }
}

#[derive(Serialize)]
pub struct ServiceDependenciesView {
    pub service: String,
    /// Stored edges (declared and discovered) with their evidence.
    pub edges: Vec<EdgeView>,
    /// The transitive closure over components (ancestors included), most confident first.
    pub components: Vec<Reached>,
    /// Services it relies on, directly or not.
    pub services: Vec<Reached>,
    /// The 50 latest changes of its edges, newest first.
    pub changes: Vec<DependencyChange>,
}

/// `GET /api/v1/services/{id}/dependencies`.
pub async fn service_dependencies(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ServiceDependenciesView>, ApiError> {
    if state.directory().service(&id).is_none() {
        return Err(ApiError::not_found_service(&id));
    }
    let graph = state.graph();
    let deps = graph
        .dependencies(&id)
        .unwrap_or(vigie_core::graph::ServiceDependencies {
            components: Vec::new(),
            services: Vec::new(),
        });
    let sid = id.clone();
    let (edges, changes) = state
        .read_store(move |store| {
            Ok((
                store.dependencies(Some(&sid))?,
                store.dependency_changes(Some(&sid), None, 50)?,
            ))
        })
        .await?;
    let reached = |list: Vec<(String, f64, bool)>| {
        list.into_iter()
            .map(|(id, confidence, direct)| Reached {
                id,
                confidence,
                direct,
            })
            .collect()
    };
    Ok(Json(ServiceDependenciesView {
        service: id,
        edges: edges.into_iter().map(EdgeView::from).collect(),
        components: reached(deps.components),
        services: reached(deps.services),
        changes,
    }))
}

#[derive(Serialize)]
pub struct ComponentSummary {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub parent: Option<String>,
    /// Services that rely on it, directly or through another service.
    pub dependents: usize,
    /// Of those, how many are degraded or in major outage now.
    pub impaired_dependents: usize,
    /// Its open component incident, if any.
    pub incident: Option<IncidentId>,
}

fn open_component_incident(state: &AppState, component: &str) -> Option<IncidentId> {
    state
        .snapshot()
        .open_incidents
        .iter()
        .find(|i| i.scope == Scope::Component && i.component.as_deref() == Some(component))
        .map(|i| i.id)
}

fn component_summary(state: &AppState, id: &str) -> Option<ComponentSummary> {
    let graph = state.graph();
    let ix = graph.component_ix(id)?;
    let node = graph.component(ix);
    let spec = state.directory().component(id);
    let snapshot = state.snapshot();
    let dependents = graph.dependents(ix);
    let impaired = dependents
        .iter()
        .filter(|r| {
            let sid = graph.service_id(r.ix);
            snapshot.service(sid).state.is_impaired()
        })
        .count();
    Some(ComponentSummary {
        id: node.id.clone(),
        name: spec.map_or_else(|| node.id.clone(), |s| s.display_name().to_string()),
        kind: node.kind.as_str(),
        parent: node.parent.map(|p| graph.component(p).id.clone()),
        dependents: dependents.len(),
        impaired_dependents: impaired,
        incident: open_component_incident(state, id),
    })
}

/// `GET /api/v1/components`: every component the graph knows (listed or implied by a
/// hierarchy or an edge), sorted by id.
pub async fn list(State(state): State<AppState>) -> Json<Vec<ComponentSummary>> {
    let graph = state.graph();
    let mut ids: Vec<String> = graph.components().iter().map(|c| c.id.clone()).collect();
    ids.sort();
    Json(
        ids.iter()
            .filter_map(|id| component_summary(&state, id))
            .collect(),
    )
}

#[derive(Serialize)]
pub struct Dependent {
    pub service: String,
    pub name: String,
    pub confidence: f64,
    pub state: ServiceState,
}

#[derive(Serialize)]
pub struct ComponentDetail {
    #[serde(flatten)]
    pub summary: ComponentSummary,
    pub children: Vec<String>,
    /// The blast radius: services with an edge to it (or a descendant)...
    pub direct_dependents: Vec<Dependent>,
    /// ...and services that reach it only through another service.
    pub transitive_dependents: Vec<Dependent>,
}

/// `GET /api/v1/components/{id}` (ids contain slashes: `aws/us-east-1`).
pub async fn detail(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ComponentDetail>, ApiError> {
    let not_found = || ApiError::NotFound(format!("no component with id {id:?}"));
    let summary = component_summary(&state, &id).ok_or_else(not_found)?;
    let graph = state.graph();
    let ix = graph.component_ix(&id).ok_or_else(not_found)?;
    let radius = graph.blast_radius(&id).ok_or_else(not_found)?;
    let snapshot = state.snapshot();
    let to_view = |list: Vec<(String, f64)>| {
        list.into_iter()
            .map(|(service, confidence)| Dependent {
                name: state
                    .directory()
                    .service(&service)
                    .map_or_else(|| service.clone(), |s| s.name.clone()),
                state: snapshot.service(&service).state,
                service,
                confidence,
            })
            .collect()
    };
    let mut children: Vec<String> = graph
        .children(ix)
        .iter()
        .map(|c| graph.component(*c).id.clone())
        .collect();
    children.sort();
    Ok(Json(ComponentDetail {
        summary,
        children,
        direct_dependents: to_view(radius.direct),
        transitive_dependents: to_view(radius.transitive),
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscoverBody {
    /// Rediscover this service's hosts (from its checks)...
    #[serde(default)]
    pub service: Option<String>,
    /// ...or every service when neither is given.
    #[serde(default)]
    pub all: bool,
}

/// `POST /api/v1/admin/discover` (admin): runs discovery now and answers with what
/// changed. Targets that resolve to private, loopback or link-local addresses are refused
/// unless `[admin] allow_private_targets = true`.
pub async fn discover(
    _admin: RequireAdmin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<DiscoverBody>,
) -> Result<(StatusCode, Json<DiscoveryReport>), ApiError> {
    let services: Vec<String> = match (&body.service, body.all) {
        (Some(s), false) => {
            if state.directory().service(s).is_none() {
                return Err(ApiError::not_found_service(s));
            }
            vec![s.clone()]
        }
        (None, true) => state
            .directory()
            .services()
            .iter()
            .map(|s| s.id.clone())
            .collect(),
        _ => {
            return Err(ApiError::BadRequest(
                "give either \"service\": ID or \"all\": true".into(),
            ))
        }
    };
    let Some(sender) = state.discovery_sender() else {
        return Err(ApiError::Unavailable("discovery is not running".into()));
    };
    let (reply, answer) = tokio::sync::oneshot::channel();
    sender
        .send(DiscoveryRequest {
            services,
            on_demand: true,
            reply: Some(reply),
        })
        .await
        .map_err(|_| ApiError::Unavailable("discovery has stopped".into()))?;
    let report = answer
        .await
        .map_err(|_| ApiError::Unavailable("discovery has stopped".into()))?;
    Ok((StatusCode::OK, Json(report)))
}

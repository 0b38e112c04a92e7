//! View models: the plain data each page renders. The route handlers fill them from the
//! server's state and store; the renderers turn them into markup without any I/O, so the
//! pages are tested by building these structs by hand.

use vigie_core::{
    ComponentKind, DependencyOrigin, IncidentId, OfficialStatus, ProbeError, ReportKind, Scope,
    State, Timestamp,
};

/// One service in a list.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceRow {
    pub id: String,
    pub name: String,
    pub state: State,
    /// When the current state began; `None` before the first conclusion.
    pub since: Option<Timestamp>,
    /// The open incident of this service, if any.
    pub incident: Option<IncidentId>,
}

/// An incident as listed on the overview, a service page or a component page.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentSummary {
    pub id: IncidentId,
    pub scope: Scope,
    /// The service or component id the incident is about.
    pub subject: String,
    /// Its display name.
    pub subject_name: String,
    pub opened_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    /// Probable-cause confidence (component incidents).
    pub confidence: Option<f64>,
    /// Affected services (component incidents: ids with names).
    pub services: Vec<(String, String)>,
    /// Worst state seen among the affected services.
    pub severity: State,
    pub explanation: Option<String>,
    /// The component incident that explains this service incident.
    pub parent: Option<IncidentId>,
}

impl IncidentSummary {
    pub fn is_open(&self) -> bool {
        self.resolved_at.is_none()
    }
}

/// The overview page `/`.
#[derive(Clone, Debug, PartialEq)]
pub struct OverviewView {
    pub now: Timestamp,
    /// Open component incidents, most services affected first.
    pub component_incidents: Vec<IncidentSummary>,
    /// Open service incidents that no component incident explains.
    pub service_incidents: Vec<IncidentSummary>,
    /// Every watched service.
    pub services: Vec<ServiceRow>,
    /// The server-side filter (`?q=`), already applied to `services` by the renderer.
    pub filter: String,
}

/// One bucket of the 24 h latency and availability chart.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProbeBucket {
    pub start: Timestamp,
    /// Mean latency of successful probes; `None` when there were none.
    pub latency_ms: Option<f64>,
    /// Probes that succeeded / probes run; `None` when no probe ran.
    pub availability: Option<f64>,
}

/// Latency of one vantage over the chart window.
#[derive(Clone, Debug, PartialEq)]
pub struct VantageSeries {
    pub vantage: String,
    pub buckets: Vec<ProbeBucket>,
}

/// One minute (or bucket) of crowd reports with the expected band.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReportBucket {
    pub start: Timestamp,
    /// Distinct reporters counted.
    pub count: u32,
    /// The baseline's expectation.
    pub expected: f64,
    /// Upper edge of the normal band (a surge is above it).
    pub upper: f64,
}

/// A state change of a service.
#[derive(Clone, Debug, PartialEq)]
pub struct TransitionRow {
    pub at: Timestamp,
    pub from: State,
    pub to: State,
    pub cause: String,
}

/// The last result of one check from one vantage.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckRow {
    pub check: String,
    /// `http`, `tcp`, `dns`.
    pub kind: String,
    /// URL, host:port or DNS name.
    pub target: String,
    pub vantage: String,
    pub at: Option<Timestamp>,
    pub ok: Option<bool>,
    pub latency_ms: Option<f64>,
    pub error: Option<ProbeError>,
    /// Free-text detail (HTTP status, assertion failed …).
    pub detail: String,
}

/// One dependency edge, shown on service and component pages.
#[derive(Clone, Debug, PartialEq)]
pub struct DependencyRow {
    /// The component or service id.
    pub target: String,
    pub target_name: String,
    /// `true` for a service → service edge.
    pub is_service: bool,
    pub confidence: f64,
    pub origin: DependencyOrigin,
    /// The state of the target service (service edges) or of the component's open incident.
    pub state: State,
}

/// What happened after the report form was submitted (`?report=` on the redirect from
/// `POST /s/{id}/report`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFlash {
    Accepted,
    /// Stored, but this network already reported the service recently.
    Duplicate,
    Invalid,
    RateLimited,
    /// Bad or stale anti-forgery token, or a cross-site post.
    Expired,
    Unavailable,
}

impl ReportFlash {
    /// The outcome named in the redirect's `?report=`.
    pub fn parse(text: &str) -> Option<ReportFlash> {
        Some(match text {
            "accepted" => ReportFlash::Accepted,
            "duplicate" => ReportFlash::Duplicate,
            "invalid" => ReportFlash::Invalid,
            "rate_limited" => ReportFlash::RateLimited,
            "expired" => ReportFlash::Expired,
            "unavailable" => ReportFlash::Unavailable,
            _ => return None,
        })
    }
}

/// A recent crowd report that came with a note, shown on the service page.
#[derive(Clone, Debug, PartialEq)]
pub struct NoteRow {
    pub at: Timestamp,
    pub kind: ReportKind,
    pub region: Option<String>,
    /// The reporter's words, at most 280 characters; shown escaped.
    pub note: String,
}

/// The service page `/s/{id}`.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceView {
    pub now: Timestamp,
    /// Start of the charts' window (24 h ago, or later when there is less history).
    pub window_start: Timestamp,
    pub id: String,
    pub name: String,
    pub state: State,
    pub since: Option<Timestamp>,
    /// Why the current state ("3 of 3 vantages failing").
    pub cause: String,
    /// Latency and availability, all vantages merged, oldest first.
    pub probes: Vec<ProbeBucket>,
    /// Latency per vantage, oldest first.
    pub vantages: Vec<VantageSeries>,
    /// Reports against the expected band, oldest first.
    pub reports: Vec<ReportBucket>,
    pub reports_total: u64,
    /// Most reported kinds and regions in the window, largest first.
    pub top_kinds: Vec<(ReportKind, u32)>,
    pub top_regions: Vec<(String, u32)>,
    /// Latest notes left with reports, newest first.
    pub notes: Vec<NoteRow>,
    /// Newest first.
    pub transitions: Vec<TransitionRow>,
    pub checks: Vec<CheckRow>,
    /// Newest first.
    pub incidents: Vec<IncidentSummary>,
    pub depends_on: Vec<DependencyRow>,
    /// Token to embed in the report form (the runtime's CSRF mechanism).
    pub csrf_token: String,
    pub flash: Option<ReportFlash>,
}

/// A service that depends on a component, directly or through others.
#[derive(Clone, Debug, PartialEq)]
pub struct DependentRow {
    pub id: String,
    pub name: String,
    pub state: State,
    /// `false` when the dependency goes through another service or a child component.
    pub direct: bool,
    pub confidence: f64,
    pub origin: DependencyOrigin,
}

/// The latest official status of a component or service.
#[derive(Clone, Debug, PartialEq)]
pub struct OfficialRow {
    pub source: String,
    pub status: OfficialStatus,
    pub at: Timestamp,
}

/// The component page `/c/{component}`.
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentView {
    pub now: Timestamp,
    pub id: String,
    pub name: String,
    pub kind: ComponentKind,
    /// Ancestors, most general first (`aws`, `aws/us-east-1`), with names.
    pub ancestors: Vec<(String, String)>,
    pub children: Vec<(String, String)>,
    /// vigie's own verdict: the worst state of an open component incident, else operational.
    pub state: State,
    pub official: Option<OfficialRow>,
    /// Blast radius: every service that depends on it, directly or transitively.
    pub dependents: Vec<DependentRow>,
    /// Newest first.
    pub incidents: Vec<IncidentSummary>,
}

/// What a timeline entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimelineKind {
    FirstSignal,
    Detected,
    Updated,
    Peak,
    Resolved,
    Note,
}

impl TimelineKind {
    pub fn key(self) -> &'static str {
        match self {
            TimelineKind::FirstSignal => "first_signal",
            TimelineKind::Detected => "detected",
            TimelineKind::Updated => "updated",
            TimelineKind::Peak => "peak",
            TimelineKind::Resolved => "resolved",
            TimelineKind::Note => "note",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TimelineEntry {
    pub at: Timestamp,
    pub kind: TimelineKind,
    /// What changed, in the engine's words (may be empty).
    pub text: String,
}

/// The incident page `/incidents/{id}`.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentView {
    pub now: Timestamp,
    pub summary: IncidentSummary,
    /// Affected services with their current state.
    pub services: Vec<ServiceRow>,
    /// Service incidents this component incident explains.
    pub children: Vec<IncidentId>,
    /// Oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// The official status of the subject, when one is known.
    pub official: Option<OfficialRow>,
}

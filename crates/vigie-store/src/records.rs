//! Plain-data records that go into and come out of a [`crate::Store`].
//!
//! Nothing here knows about SQL. Times are [`Timestamp`]s (milliseconds since the Unix
//! epoch, UTC); ranges are half-open `[from, to)`. Every record derives `Serialize` so the
//! server can hand them to its JSON API directly if it wants to.

use serde::{Deserialize, Serialize};
use vigie_core::{DependencyOrigin, IncidentId, ProbeError, ReportKind, Scope, State, Timestamp};

/// Longest crowd-report note accepted, in characters (not bytes).
pub const MAX_NOTE_CHARS: usize = 280;
/// Longest report region code accepted, in bytes (the server validates ISO 3166 alpha-2;
/// the store only bounds the size).
pub const MAX_REGION_BYTES: usize = 16;
/// Longest reporter key accepted, in bytes (a hex SHA-256 is 64).
pub const MAX_REPORTER_BYTES: usize = 128;
/// Longest identifier (service, check, vantage, component, metadata key) accepted, in bytes.
pub const MAX_ID_BYTES: usize = 256;
/// Longest free text (probe detail, cause, explanation, timeline text, evidence line), in
/// bytes. Longer text is refused, not truncated, so nothing is silently lost.
pub const MAX_TEXT_BYTES: usize = 16 * 1024;

/// Identifier the store assigns to a crowd report: positive, increasing in commit order.
pub type ReportId = u64;

// ---------------------------------------------------------------------------------------
// Probes
// ---------------------------------------------------------------------------------------

/// One probe result from one vantage, as stored raw (kept for the raw retention, 48 h by
/// default) and folded into the per-minute aggregates (kept 90 days by default).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeRecord {
    pub service: String,
    /// The check's id within its service (`CheckSpec::id`).
    pub check: String,
    /// Where the probe ran from (`local` unless an agent ran it).
    pub vantage: String,
    pub at: Timestamp,
    pub ok: bool,
    /// Succeeded, but slower than the check's latency limit.
    pub slow: bool,
    /// Total duration; `None` when the probe did not get far enough to time anything.
    pub latency_ms: Option<f64>,
    /// Why it failed; `None` when `ok`.
    pub error: Option<ProbeError>,
    /// HTTP status, DNS rcode number, … when the check kind has one.
    pub status: Option<u16>,
    /// Free text for people: phase timings, the failing assertion, the TLS error.
    pub detail: Option<String>,
}

/// Which raw probe results to read. Results come back in ascending `at` order (ties in
/// insertion order).
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeQuery {
    pub service: String,
    /// Only this check; `None` for all checks of the service.
    pub check: Option<String>,
    /// Only this vantage; `None` for all vantages.
    pub vantage: Option<String>,
    pub from: Timestamp,
    pub to: Timestamp,
    /// At most this many rows (the earliest ones). Backends cap it at [`MAX_QUERY_ROWS`].
    pub limit: usize,
}

/// The most rows one query returns, whatever `limit` the caller asked for.
pub const MAX_QUERY_ROWS: usize = 100_000;

/// Latency statistics over a set of successful-or-not probes that reported a latency.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LatencyStats {
    /// How many probes had a latency.
    pub count: u64,
    pub sum_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    /// Approximate 95th percentile: the upper bound of the histogram bucket holding it
    /// (see [`crate::latency::BUCKET_UPPER_MS`]), clamped to `[min_ms, max_ms]`. Exact when
    /// the minute holds a single probe.
    pub p95_ms: f64,
}

impl LatencyStats {
    pub fn mean_ms(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum_ms / self.count as f64
        }
    }
}

/// Probe outcomes during one minute `[minute, minute + 60 s)`, over whatever checks and
/// vantages the query covered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeMinute {
    /// Start of the minute.
    pub minute: Timestamp,
    /// Probes run.
    pub count: u64,
    /// Probes with `ok == false`.
    pub failures: u64,
    /// Probes with `ok && slow`.
    pub slow: u64,
    /// `None` when no probe in the minute reported a latency.
    pub latency: Option<LatencyStats>,
}

impl ProbeMinute {
    /// Share of probes that succeeded, in [0, 1].
    pub fn availability(&self) -> f64 {
        if self.count == 0 {
            1.0
        } else {
            1.0 - self.failures as f64 / self.count as f64
        }
    }
}

// ---------------------------------------------------------------------------------------
// States
// ---------------------------------------------------------------------------------------

/// A service's state changed (the engine's `Output::ServiceState`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateTransition {
    pub service: String,
    pub at: Timestamp,
    pub state: State,
    pub previous: State,
    /// Why, in words a person can check. May be empty.
    pub cause: String,
}

/// The latest known state of a service: its latest transition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurrentState {
    pub service: String,
    pub state: State,
    /// When the service entered `state`.
    pub since: Timestamp,
    pub cause: String,
}

// ---------------------------------------------------------------------------------------
// Incidents
// ---------------------------------------------------------------------------------------

/// An incident as a whole; written with [`crate::Store::upsert_incident`] every time it
/// changes (the latest write wins, field by field as given).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IncidentRecord {
    /// Allocated by the engine (`IncidentIds`); must be in `1..=i64::MAX`.
    pub id: IncidentId,
    pub scope: Scope,
    /// Set for `Scope::Service`.
    pub service: Option<String>,
    /// Set for `Scope::Component`.
    pub component: Option<String>,
    /// A one-line summary for lists ("Fastly: 37 services impaired").
    pub title: String,
    /// When the first signal of it was seen.
    pub opened_at: Timestamp,
    /// When vigie concluded there is an incident.
    pub detected_at: Timestamp,
    /// When it was at its worst so far.
    pub peak_at: Option<Timestamp>,
    /// `None` while open.
    pub resolved_at: Option<Timestamp>,
    /// For component incidents: how sure the attribution is, in [0, 1].
    pub confidence: Option<f64>,
    /// Affected services (for a service incident, usually just itself). Order is kept.
    pub services: Vec<String>,
    /// For a service incident explained by a component incident.
    pub parent: Option<IncidentId>,
    pub explanation: Option<String>,
}

impl IncidentRecord {
    pub fn is_open(&self) -> bool {
        self.resolved_at.is_none()
    }
}

/// What a timeline entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    /// The first signal that later turned out to be part of the incident.
    FirstSignal,
    /// vigie concluded there is an incident.
    Detected,
    /// Something changed: affected services, cause, confidence.
    Update,
    /// The incident reached its worst point.
    Peak,
    /// It is over.
    Resolved,
    /// Anything else worth showing a person.
    Note,
}

impl TimelineKind {
    pub const ALL: [TimelineKind; 6] = [
        TimelineKind::FirstSignal,
        TimelineKind::Detected,
        TimelineKind::Update,
        TimelineKind::Peak,
        TimelineKind::Resolved,
        TimelineKind::Note,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TimelineKind::FirstSignal => "first_signal",
            TimelineKind::Detected => "detected",
            TimelineKind::Update => "update",
            TimelineKind::Peak => "peak",
            TimelineKind::Resolved => "resolved",
            TimelineKind::Note => "note",
        }
    }

    pub fn parse(text: &str) -> Option<TimelineKind> {
        TimelineKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// One line of an incident's timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: Timestamp,
    pub kind: TimelineKind,
    pub text: String,
}

/// An incident with its timeline, ordered by `at` (ties in insertion order).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IncidentDetail {
    pub incident: IncidentRecord,
    pub timeline: Vec<TimelineEntry>,
}

/// Which incidents [`crate::Store::list_incidents`] returns. The default lists everything,
/// newest first, up to 100.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentFilter {
    /// Only incidents not yet resolved.
    pub open_only: bool,
    /// Only incidents whose `service` is this one or whose `services` list contains it.
    pub service: Option<String>,
    /// Only incidents still open at or after this time: `resolved_at` is `None` or
    /// `>= since`. (So "since yesterday" includes an incident that opened last week and
    /// ended this morning.)
    pub since: Option<Timestamp>,
    /// Only incidents of this scope.
    pub scope: Option<Scope>,
    /// At most this many, the most recently opened first.
    pub limit: usize,
}

impl Default for IncidentFilter {
    fn default() -> Self {
        IncidentFilter {
            open_only: false,
            service: None,
            since: None,
            scope: None,
            limit: 100,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Crowd reports
// ---------------------------------------------------------------------------------------

/// A crowd report to store. The server decides `counted` (first report per reporter per
/// service per 15 minutes); the store keeps duplicates too, flagged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewReport {
    pub service: String,
    pub at: Timestamp,
    pub kind: ReportKind,
    /// ISO 3166 alpha-2, upper case, when the reporter gave one.
    pub region: Option<String>,
    /// At most [`MAX_NOTE_CHARS`] characters.
    pub note: Option<String>,
    /// An opaque key: the salted hash of the reporter's network prefix. Never an IP address.
    pub reporter: String,
    /// Counts toward detection (`false` for a duplicate within the dedup window).
    pub counted: bool,
}

/// A stored crowd report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredReport {
    pub id: ReportId,
    #[serde(flatten)]
    pub report: NewReport,
}

/// Crowd reports for one service during one minute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportMinute {
    /// Start of the minute.
    pub minute: Timestamp,
    /// Reports with `counted == true` (one per reporter per dedup window).
    pub counted: u64,
    /// All reports, duplicates included.
    pub total: u64,
}

/// Counted reports for a service over a range, broken down. Each list is sorted by count,
/// largest first, ties by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportBreakdown {
    pub by_kind: Vec<(ReportKind, u64)>,
    /// Reports without a region are left out of this list.
    pub by_region: Vec<(String, u64)>,
}

/// The latest counted report of one reporter for one service; lets the server rebuild its
/// dedup window after a restart (see [`crate::Store::recent_reporters`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReporterSeen {
    pub service: String,
    pub reporter: String,
    pub last_counted_at: Timestamp,
}

// ---------------------------------------------------------------------------------------
// Dependencies
// ---------------------------------------------------------------------------------------

/// A dependency edge as observed now (declared in config, or found by discovery).
/// Its identity is `(service, target, origin)`: the same component found through a CNAME
/// and through an IP range is two edges, each with its own evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EdgeObservation {
    /// A component id or another service's id.
    pub target: String,
    pub origin: DependencyOrigin,
    /// In [0, 1].
    pub confidence: f64,
    /// Lines a person can check (`www.example.com CNAME x.map.fastly.net → fastly`).
    pub evidence: Vec<String>,
}

/// A stored dependency edge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DependencyEdge {
    pub service: String,
    pub target: String,
    pub origin: DependencyOrigin,
    pub confidence: f64,
    pub evidence: Vec<String>,
    /// When this edge was first recorded.
    pub first_seen: Timestamp,
    /// The latest observation that confirmed it.
    pub last_seen: Timestamp,
}

/// Which edges a [`crate::Store::sync_dependencies`] call speaks for: edges of the service
/// in that set and absent from the call are removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeSet {
    /// Edges with `origin == Declared` (from `vigie.toml`).
    Declared,
    /// Edges with any other origin (found by discovery).
    Discovered,
}

impl EdgeSet {
    pub fn contains(self, origin: DependencyOrigin) -> bool {
        match self {
            EdgeSet::Declared => origin == DependencyOrigin::Declared,
            EdgeSet::Discovered => origin != DependencyOrigin::Declared,
        }
    }
}

/// How an edge changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The edge appeared.
    Added,
    /// The edge disappeared.
    Removed,
    /// Its confidence or evidence changed.
    Changed,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 3] = [ChangeKind::Added, ChangeKind::Removed, ChangeKind::Changed];

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        }
    }

    pub fn parse(text: &str) -> Option<ChangeKind> {
        ChangeKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// One row of the dependency change history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DependencyChange {
    pub at: Timestamp,
    pub service: String,
    pub target: String,
    pub origin: DependencyOrigin,
    pub kind: ChangeKind,
    /// `None` for `Added`.
    pub old_confidence: Option<f64>,
    /// `None` for `Removed`.
    pub new_confidence: Option<f64>,
    /// The evidence after the change (before it, for `Removed`).
    pub evidence: Vec<String>,
}

// ---------------------------------------------------------------------------------------
// Retention
// ---------------------------------------------------------------------------------------

/// What [`crate::Store::prune`] deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PruneStats {
    pub raw_probe_results: u64,
    pub probe_minutes: u64,
}

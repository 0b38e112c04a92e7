//! The [`Store`] trait: everything vigie persists, independent of the backend.
//!
//! # Contract for callers (the server)
//!
//! * **Synchronous and blocking.** Every method may touch the disk or the network. From async
//!   code call it inside `tokio::task::spawn_blocking`, or from a dedicated writer thread
//!   (see [`crate::ReportWriter`] for crowd reports). Implementations are `Send + Sync`, so
//!   one `Arc<dyn Store>` is shared by every task.
//! * **Concurrency.** Reads may run concurrently with each other and with a write. Writes are
//!   serialised by the backend; each write method is one atomic transaction: after it returns
//!   `Ok`, everything it wrote is visible to every later read, and after a crash either all of
//!   it or none of it is there.
//! * **Durability.** [`Store::append_reports`] returns only once its transaction is durable
//!   (it survives `kill -9` and, with honest disks, power loss): the server may answer 202.
//!   Other writes are at least as durable in the SQLite backend, which syncs every commit.
//! * **Time.** The store never reads a clock: every time is a parameter. Ranges are half-open
//!   `[from, to)`; a range with `from >= to` is empty, not an error.
//! * **Validation.** Identifiers longer than [`crate::records::MAX_ID_BYTES`], empty
//!   identifiers, notes longer than [`crate::records::MAX_NOTE_CHARS`] characters and other
//!   out-of-bounds values are refused with [`StoreError::Invalid`] naming the field; a batch
//!   with one bad record writes nothing.
//! * **Errors** are backend-neutral ([`StoreError`]); map them to HTTP statuses in one place.
//! * **Ordering.** Wherever results are "sorted by service" (or target, check, …), the order
//!   is bytewise on the UTF-8 text, as Rust's `str` orders it (SQLite's default `BINARY`
//!   collation; a PostgreSQL backend needs `COLLATE "C"`).
//!
//! # Contract for implementers
//!
//! A backend passes [`crate::conformance`] (stamp it with
//! [`store_conformance_tests!`](crate::store_conformance_tests)). The SQLite backend
//! ([`crate::SqliteStore`]) is the reference.

use std::time::Duration;

use vigie_core::{IncidentId, Timestamp};

use crate::error::StoreResult;
use crate::records::{
    CurrentState, DependencyChange, DependencyEdge, EdgeObservation, EdgeSet, IncidentDetail,
    IncidentFilter, IncidentRecord, NewReport, ProbeMinute, ProbeQuery, ProbeRecord, PruneStats,
    ReportBreakdown, ReportId, ReportMinute, ReporterSeen, StateTransition, StoredReport,
    TimelineEntry,
};

#[allow(unused_imports)] // for rustdoc links
use crate::error::StoreError;

/// Default retention of raw probe results: 48 hours.
pub const DEFAULT_RAW_RETENTION: Duration = Duration::from_secs(48 * 3600);
/// Default retention of per-minute probe aggregates: 90 days.
pub const DEFAULT_AGGREGATE_RETENTION: Duration = Duration::from_secs(90 * 24 * 3600);

/// Everything vigie persists. See the [module documentation](self) for the contract.
pub trait Store: Send + Sync {
    /// A short name of the backend for logs and `/healthz` (`"sqlite"`).
    fn backend(&self) -> &'static str;

    /// Cheap round trip proving the store answers (for `/healthz`).
    fn check_health(&self) -> StoreResult<()>;

    // -----------------------------------------------------------------------------------
    // Probe results
    // -----------------------------------------------------------------------------------

    /// Stores a batch of raw probe results in one transaction and folds each into its
    /// per-minute aggregate (per service, check, vantage and minute) and into the "last
    /// result" of its check and vantage. Results may arrive out of order; an older result
    /// never replaces a newer "last result". An empty batch is a no-op.
    fn append_probe_results(&self, results: &[ProbeRecord]) -> StoreResult<()>;

    /// Raw probe results matching `query`, ascending by `at`, at most `query.limit` (and at
    /// most [`crate::records::MAX_QUERY_ROWS`]). Raw results older than the raw retention
    /// are gone once [`Store::prune`] ran: use [`Store::probe_history`] for long ranges.
    fn probe_results(&self, query: &ProbeQuery) -> StoreResult<Vec<ProbeRecord>>;

    /// Per-minute probe aggregates of `service` over `[from, to)` (minutes whose start lies
    /// in the range), merged over its checks and vantages, or of one check when `check` is
    /// given. Ascending by minute; minutes without any probe are absent (the caller decides
    /// whether a gap means "no data" or "not yet scheduled").
    fn probe_history(
        &self,
        service: &str,
        check: Option<&str>,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Vec<ProbeMinute>>;

    /// The latest result of every (service, check, vantage), of one service or of all
    /// when `service` is `None`; sorted by service, check, vantage. Kept independently of
    /// raw retention, so a check probed rarely still shows its last result.
    fn last_probe_results(&self, service: Option<&str>) -> StoreResult<Vec<ProbeRecord>>;

    // -----------------------------------------------------------------------------------
    // Service states
    // -----------------------------------------------------------------------------------

    /// Appends state transitions in one transaction. The current state of a service is its
    /// latest transition by `at` (ties: the one appended last).
    fn append_transitions(&self, transitions: &[StateTransition]) -> StoreResult<()>;

    /// The `limit` most recent transitions of `service`, newest first.
    fn recent_transitions(&self, service: &str, limit: usize) -> StoreResult<Vec<StateTransition>>;

    /// Current state and since-when of every service that has at least one transition,
    /// sorted by service id. Services never seen are absent (the caller shows `unknown`).
    fn current_states(&self) -> StoreResult<Vec<CurrentState>>;

    // -----------------------------------------------------------------------------------
    // Incidents
    // -----------------------------------------------------------------------------------

    /// Inserts the incident or replaces every field of the stored one with the same id. Its
    /// timeline is kept. `id` must be in `1..=i64::MAX`.
    fn upsert_incident(&self, incident: &IncidentRecord) -> StoreResult<()>;

    /// Appends timeline entries to an existing incident.
    /// [`StoreError::NotFound`] when no incident has that id.
    fn append_timeline(&self, incident: IncidentId, entries: &[TimelineEntry]) -> StoreResult<()>;

    /// The incident with its whole timeline, or `None`.
    fn incident(&self, id: IncidentId) -> StoreResult<Option<IncidentDetail>>;

    /// Incidents matching `filter`, most recently opened first (ties: larger id first),
    /// without their timelines.
    fn list_incidents(&self, filter: &IncidentFilter) -> StoreResult<Vec<IncidentRecord>>;

    /// The largest incident id ever stored, 0 when none: `vigie serve` allocates new ids
    /// after it (`IncidentIds::starting_at(max + 1)`).
    fn max_incident_id(&self) -> StoreResult<IncidentId>;

    // -----------------------------------------------------------------------------------
    // Crowd reports
    // -----------------------------------------------------------------------------------

    /// Stores a batch of reports in **one durable transaction** and returns their ids, in
    /// the order given. When this returns `Ok`, the reports survive a crash of the process
    /// and of the machine: this is the group commit behind "202 means on disk". A batch
    /// with one invalid report stores nothing. Ids are positive and increase with each
    /// call; they are never reused.
    fn append_reports(&self, reports: &[NewReport]) -> StoreResult<Vec<ReportId>>;

    /// Every report ever accepted for `service`, duplicates included (0 when none).
    fn report_total(&self, service: &str) -> StoreResult<u64>;

    /// [`Store::report_total`] of every service that has reports, sorted by service.
    fn report_totals(&self) -> StoreResult<Vec<(String, u64)>>;

    /// Per-minute report counts of `service` over `[from, to)`, ascending; minutes without
    /// reports are absent.
    fn report_minutes(
        &self,
        service: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Vec<ReportMinute>>;

    /// Counted (non-duplicate) reports of `service` over `[from, to)` by kind and by region.
    fn report_breakdown(
        &self,
        service: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<ReportBreakdown>;

    /// Stored reports of `service` over `[from, to)`, ascending by `at` then id, at most
    /// `limit`.
    fn reports(
        &self,
        service: &str,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<StoredReport>>;

    /// For every (service, reporter) with a counted report at or after `since`, the time of
    /// the latest one; sorted by service then reporter. After a restart the server seeds
    /// its "one counted report per reporter per 15 minutes" window with
    /// `recent_reporters(now - 15 min)`.
    fn recent_reporters(&self, since: Timestamp) -> StoreResult<Vec<ReporterSeen>>;

    // -----------------------------------------------------------------------------------
    // Dependencies
    // -----------------------------------------------------------------------------------

    /// Records edges of `service` observed at `at` without removing any: a new edge is
    /// added (history: `Added`), a known one gets `last_seen = at` and, when its confidence
    /// or evidence differs, the new values (history: `Changed`). Returns the history rows
    /// written, in the order of `edges`.
    fn upsert_dependencies(
        &self,
        service: &str,
        edges: &[EdgeObservation],
        at: Timestamp,
    ) -> StoreResult<Vec<DependencyChange>>;

    /// Like [`Store::upsert_dependencies`], and also removes every stored edge of `service`
    /// whose origin is in `set` and that `edges` does not contain (history: `Removed`).
    /// Call it with the full result of a discovery run ([`EdgeSet::Discovered`]) or of a
    /// config load ([`EdgeSet::Declared`]). Every edge in `edges` must belong to `set`.
    /// Returns the history rows written: upserts in the order of `edges`, then removals.
    fn sync_dependencies(
        &self,
        service: &str,
        set: EdgeSet,
        edges: &[EdgeObservation],
        at: Timestamp,
    ) -> StoreResult<Vec<DependencyChange>>;

    /// Current edges of `service`, or of every service when `None`; sorted by service,
    /// target, origin.
    fn dependencies(&self, service: Option<&str>) -> StoreResult<Vec<DependencyEdge>>;

    /// Dependency history of `service` (or all services), with `at >= since` when given,
    /// newest first, at most `limit`.
    fn dependency_changes(
        &self,
        service: Option<&str>,
        since: Option<Timestamp>,
        limit: usize,
    ) -> StoreResult<Vec<DependencyChange>>;

    // -----------------------------------------------------------------------------------
    // Metadata
    // -----------------------------------------------------------------------------------

    /// A small value stored under `key` (e.g. the report-hash salt and its day), or `None`.
    fn get_meta(&self, key: &str) -> StoreResult<Option<String>>;

    /// Stores `value` under `key`, replacing any previous value.
    fn set_meta(&self, key: &str, value: &str) -> StoreResult<()>;

    // -----------------------------------------------------------------------------------
    // Retention
    // -----------------------------------------------------------------------------------

    /// Deletes raw probe results with `at < now - raw_retention` and per-minute aggregates
    /// with `minute < now - aggregate_retention` (the boundary itself is kept). The "last
    /// result" of each check, states, incidents, reports and dependencies are kept.
    fn prune(
        &self,
        now: Timestamp,
        raw_retention: Duration,
        aggregate_retention: Duration,
    ) -> StoreResult<PruneStats>;
}

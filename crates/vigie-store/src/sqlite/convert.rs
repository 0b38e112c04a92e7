//! Conversions between domain values and SQLite column values. A stored value this version
//! cannot read is [`StoreError::Corrupt`], naming the column and the value.

use vigie_core::{DependencyOrigin, ProbeError, ReportKind, Scope, State, Timestamp};

use crate::error::{StoreError, StoreResult};
use crate::records::{ChangeKind, TimelineKind};

const ORIGINS: [DependencyOrigin; 6] = [
    DependencyOrigin::Declared,
    DependencyOrigin::DnsCname,
    DependencyOrigin::IpRange,
    DependencyOrigin::Ns,
    DependencyOrigin::HttpHeader,
    DependencyOrigin::TlsIssuer,
];

fn corrupt(column: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("unknown value {value:?} in column {column}"))
}

pub fn ts(ms: i64) -> Timestamp {
    Timestamp::from_millis(ms)
}

pub fn state(column: &str, text: &str) -> StoreResult<State> {
    State::parse(text).ok_or_else(|| corrupt(column, text))
}

pub fn probe_error(text: &str) -> StoreResult<ProbeError> {
    ProbeError::parse(text).ok_or_else(|| corrupt("error", text))
}

pub fn report_kind(text: &str) -> StoreResult<ReportKind> {
    ReportKind::parse(text).ok_or_else(|| corrupt("report.kind", text))
}

pub fn origin(text: &str) -> StoreResult<DependencyOrigin> {
    ORIGINS
        .into_iter()
        .find(|o| o.as_str() == text)
        .ok_or_else(|| corrupt("origin", text))
}

pub fn scope_str(scope: Scope) -> &'static str {
    match scope {
        Scope::Service => "service",
        Scope::Component => "component",
    }
}

pub fn scope(text: &str) -> StoreResult<Scope> {
    match text {
        "service" => Ok(Scope::Service),
        "component" => Ok(Scope::Component),
        _ => Err(corrupt("incident.scope", text)),
    }
}

pub fn timeline_kind(text: &str) -> StoreResult<TimelineKind> {
    TimelineKind::parse(text).ok_or_else(|| corrupt("incident_timeline.kind", text))
}

pub fn change_kind(text: &str) -> StoreResult<ChangeKind> {
    ChangeKind::parse(text).ok_or_else(|| corrupt("dependency_change.kind", text))
}

/// A JSON array of strings, as stored in `incident.services` and `*.evidence`.
pub fn string_list_to_json(list: &[String]) -> String {
    // A Vec<String> always serializes.
    serde_json::to_string(list).unwrap_or_else(|_| "[]".to_string())
}

pub fn string_list_from_json(column: &str, text: &str) -> StoreResult<Vec<String>> {
    serde_json::from_str(text).map_err(|e| {
        StoreError::Corrupt(format!(
            "column {column} holds {text:?}, not a JSON list of strings: {e}"
        ))
    })
}

/// An id column read back as u64 (ids are always stored positive).
pub fn id_u64(column: &str, v: i64) -> StoreResult<u64> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("negative id {v} in column {column}")))
}

/// Start of the minute containing `ms`, as SQL: the same as `Timestamp::minute_floor`.
pub const MINUTE_FLOOR_SQL: &str = "(at - (((at % 60000) + 60000) % 60000))";

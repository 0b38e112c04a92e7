//! Signals: single observations with a timestamp, the engine's only input besides time.

use serde::{Deserialize, Serialize};

use crate::model::{OfficialStatus, ProbeError, ReportKind};
use crate::time::Timestamp;

/// One observation. `Engine::ingest` takes these; the scenario reader produces them.
#[derive(Clone, Debug, PartialEq)]
pub enum Signal {
    Report(Report),
    Reports(ReportBatch),
    Probe(ProbeResult),
    Official(Official),
}

impl Signal {
    pub fn at(&self) -> Timestamp {
        match self {
            Signal::Report(r) => r.at,
            Signal::Reports(r) => r.at,
            Signal::Probe(p) => p.at,
            Signal::Official(o) => o.at,
        }
    }
}

/// One crowd report. `reporter` is an opaque key (a salted hash of the reporter's network
/// prefix under `serve`, a scenario's string under `replay`); `None` means "a reporter
/// never seen before and never seen again".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub at: Timestamp,
    pub service: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ReportKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporter: Option<String>,
    /// ISO 3166 alpha-2, upper case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// `count` reports from `count` distinct reporters during the minute starting at `at`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReportBatch {
    pub at: Timestamp,
    pub service: String,
    pub count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ReportKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// One probe result from one vantage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeResult {
    pub at: Timestamp,
    pub service: String,
    /// The check's id within its service; `None` when the service has one check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    pub vantage: String,
    pub ok: bool,
    /// The probe succeeded but slower than its check's latency limit.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub slow: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ProbeError>,
}

/// What an official status names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OfficialTarget {
    Component(String),
    Service(String),
}

/// An official status page changed.
#[derive(Clone, Debug, PartialEq)]
pub struct Official {
    pub at: Timestamp,
    pub source: String,
    pub target: OfficialTarget,
    pub status: OfficialStatus,
}

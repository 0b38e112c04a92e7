//! Validated check descriptions: plain data, no I/O. `vigie-config` builds these from
//! `vigie.toml`; the probe executors run them.

use std::net::SocketAddr;
use std::time::Duration;

/// One check of one service.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckSpec {
    /// Unique within its service (`http-0`, or the id the user gave).
    pub id: String,
    pub kind: CheckKind,
    /// Time between two runs. Default 60 s.
    pub interval: Duration,
    /// Time allowed for one run, all phases together. Default 10 s.
    pub timeout: Duration,
    /// Consecutive failures before the check counts as failing on a vantage. Default 2.
    pub failure_threshold: u32,
    /// Consecutive successes before a failing check counts as passing again. Default 2.
    pub recovery_threshold: u32,
}

impl CheckSpec {
    pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
    pub const DEFAULT_FAILURE_THRESHOLD: u32 = 2;
    pub const DEFAULT_RECOVERY_THRESHOLD: u32 = 2;
}

#[derive(Clone, Debug, PartialEq)]
pub enum CheckKind {
    Http(HttpCheck),
    Tcp(TcpCheck),
    Dns(DnsCheck),
}

impl CheckKind {
    /// The bounded label used in metrics and logs.
    pub fn name(&self) -> &'static str {
        match self {
            CheckKind::Http(_) => "http",
            CheckKind::Tcp(_) => "tcp",
            CheckKind::Dns(_) => "dns",
        }
    }
}

/// An inclusive range of accepted HTTP statuses (`200..=299`, or one status).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusRange {
    pub low: u16,
    pub high: u16,
}

impl StatusRange {
    pub fn contains(&self, status: u16) -> bool {
        (self.low..=self.high).contains(&status)
    }
}

/// The JSON value at `pointer` (RFC 6901) must equal `equals`.
#[derive(Clone, Debug, PartialEq)]
pub struct JsonAssertion {
    pub pointer: String,
    pub equals: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq)]
pub struct HttpCheck {
    /// http or https URL.
    pub url: url::Url,
    /// Upper-case method name. Default GET.
    pub method: String,
    pub headers: Vec<(String, String)>,
    /// Default: 200..=399.
    pub accepted_statuses: Vec<StatusRange>,
    /// The body must contain this substring.
    pub body_contains: Option<String>,
    pub json: Option<JsonAssertion>,
    /// Slower than this (total time) and the result is `slow`: the service is degraded.
    pub degraded_latency: Option<Duration>,
    /// Fewer days of certificate validity left than this fails the check (`tls`).
    pub min_tls_days: Option<u32>,
    /// Extra PEM CA certificates trusted for this check, besides the public roots.
    pub ca_file: Option<std::path::PathBuf>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TcpCheck {
    /// `host:port` as written; resolved at every run.
    pub host: String,
    pub port: u16,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DnsCheck {
    pub name: String,
    /// A, AAAA, CNAME, MX, NS, TXT, SOA.
    pub record_type: String,
    /// NOERROR (default), NXDOMAIN, SERVFAIL, ...
    pub expected_rcode: String,
    /// Some answer's text must contain this.
    pub expected_answer: Option<String>,
    /// Ask this server instead of the system resolver.
    pub server: Option<SocketAddr>,
}

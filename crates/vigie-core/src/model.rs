//! The domain vocabulary: services, components, dependencies and states.
//!
//! These are plain data shared by every crate. Identifiers are strings as users write them
//! (`reddit`, `aws/us-east-1/dynamodb`); the engine interns them internally.

use serde::{Deserialize, Serialize};

/// The health of a service as vigie concludes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Operational,
    Degraded,
    MajorOutage,
    #[default]
    Unknown,
}

impl State {
    pub const ALL: [State; 4] = [
        State::Operational,
        State::Degraded,
        State::MajorOutage,
        State::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Operational => "operational",
            State::Degraded => "degraded",
            State::MajorOutage => "major_outage",
            State::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Degraded or major outage: the states that count as "impaired".
    pub fn is_impaired(self) -> bool {
        matches!(self, State::Degraded | State::MajorOutage)
    }

    /// Ordering by badness: operational < unknown < degraded < major_outage.
    pub fn severity(self) -> u8 {
        match self {
            State::Operational => 0,
            State::Unknown => 1,
            State::Degraded => 2,
            State::MajorOutage => 3,
        }
    }
}

/// What a person says does not work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Website,
    App,
    Login,
    Connection,
    Payments,
    Other,
}

impl ReportKind {
    pub const ALL: [ReportKind; 6] = [
        ReportKind::Website,
        ReportKind::App,
        ReportKind::Login,
        ReportKind::Connection,
        ReportKind::Payments,
        ReportKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Website => "website",
            ReportKind::App => "app",
            ReportKind::Login => "login",
            ReportKind::Connection => "connection",
            ReportKind::Payments => "payments",
            ReportKind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<ReportKind> {
        ReportKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// Why a probe failed, with the names of the scenario format (SCENARIO.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeError {
    DnsNxdomain,
    DnsServfail,
    DnsTimeout,
    ConnectRefused,
    ConnectTimeout,
    Tls,
    HttpStatus,
    Assertion,
    Timeout,
}

impl ProbeError {
    pub const ALL: [ProbeError; 9] = [
        ProbeError::DnsNxdomain,
        ProbeError::DnsServfail,
        ProbeError::DnsTimeout,
        ProbeError::ConnectRefused,
        ProbeError::ConnectTimeout,
        ProbeError::Tls,
        ProbeError::HttpStatus,
        ProbeError::Assertion,
        ProbeError::Timeout,
    ];

    /// Whether the error is an answer from the service's side (an HTTP error, a refused
    /// connection, a failed TLS handshake, a DNS server's failure or NXDOMAIN) rather than
    /// silence (a timeout), which a vantage's own network or one lost packet produces too.
    pub fn is_answer(self) -> bool {
        !matches!(
            self,
            ProbeError::DnsTimeout | ProbeError::ConnectTimeout | ProbeError::Timeout
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ProbeError::DnsNxdomain => "dns_nxdomain",
            ProbeError::DnsServfail => "dns_servfail",
            ProbeError::DnsTimeout => "dns_timeout",
            ProbeError::ConnectRefused => "connect_refused",
            ProbeError::ConnectTimeout => "connect_timeout",
            ProbeError::Tls => "tls",
            ProbeError::HttpStatus => "http_status",
            ProbeError::Assertion => "assertion",
            ProbeError::Timeout => "timeout",
        }
    }

    pub fn parse(text: &str) -> Option<ProbeError> {
        ProbeError::ALL.into_iter().find(|e| e.as_str() == text)
    }

    /// Its position in [`ProbeError::ALL`] (for per-error counts).
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A status as a provider's own status page states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfficialStatus {
    Operational,
    Degraded,
    PartialOutage,
    MajorOutage,
    Maintenance,
}

impl OfficialStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OfficialStatus::Operational => "operational",
            OfficialStatus::Degraded => "degraded",
            OfficialStatus::PartialOutage => "partial_outage",
            OfficialStatus::MajorOutage => "major_outage",
            OfficialStatus::Maintenance => "maintenance",
        }
    }
}

/// What sort of upstream piece a component is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ComponentKind {
    Cdn,
    Cloud,
    Region,
    ManagedService,
    Dns,
    FrontDoor,
    Saas,
    #[default]
    Other,
}

impl ComponentKind {
    pub const ALL: [ComponentKind; 8] = [
        ComponentKind::Cdn,
        ComponentKind::Cloud,
        ComponentKind::Region,
        ComponentKind::ManagedService,
        ComponentKind::Dns,
        ComponentKind::FrontDoor,
        ComponentKind::Saas,
        ComponentKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ComponentKind::Cdn => "cdn",
            ComponentKind::Cloud => "cloud",
            ComponentKind::Region => "region",
            ComponentKind::ManagedService => "managed-service",
            ComponentKind::Dns => "dns",
            ComponentKind::FrontDoor => "front-door",
            ComponentKind::Saas => "saas",
            ComponentKind::Other => "other",
        }
    }
}

/// An upstream piece services may rely on (`fastly`, `aws/us-east-1/dynamodb`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComponentSpec {
    pub id: String,
    #[serde(default)]
    pub kind: ComponentKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl ComponentSpec {
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}

/// Where a dependency edge comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum DependencyOrigin {
    #[default]
    Declared,
    DnsCname,
    IpRange,
    Ns,
    HttpHeader,
    TlsIssuer,
}

impl DependencyOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            DependencyOrigin::Declared => "declared",
            DependencyOrigin::DnsCname => "dns-cname",
            DependencyOrigin::IpRange => "ip-range",
            DependencyOrigin::Ns => "ns",
            DependencyOrigin::HttpHeader => "http-header",
            DependencyOrigin::TlsIssuer => "tls-issuer",
        }
    }
}

/// An edge service → component or service → service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dependency {
    /// A component id or another service's id.
    pub target: String,
    /// 1.0 for a certain edge; lower for edges discovered from weak evidence.
    pub confidence: f64,
    #[serde(default)]
    pub origin: DependencyOrigin,
}

impl Dependency {
    pub fn declared(target: impl Into<String>) -> Self {
        Dependency {
            target: target.into(),
            confidence: 1.0,
            origin: DependencyOrigin::Declared,
        }
    }
}

/// Something people use, as the engine sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceSpec {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub depends_on: Vec<Dependency>,
}

/// Everything the engine needs to know about the world before signals arrive.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Topology {
    pub services: Vec<ServiceSpec>,
    pub components: Vec<ComponentSpec>,
}

/// The parent of a hierarchical component id: `aws/us-east-1` → `aws`.
pub fn component_parent(id: &str) -> Option<&str> {
    id.rfind('/').map(|i| &id[..i])
}

/// A component id and all its ancestors, most specific first:
/// `aws/us-east-1/dynamodb`, `aws/us-east-1`, `aws`.
pub fn component_ancestors(id: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(id), |c| component_parent(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_error_index_is_its_position_in_all() {
        for (k, e) in ProbeError::ALL.into_iter().enumerate() {
            assert_eq!(e.index(), k);
        }
    }

    #[test]
    fn component_hierarchy() {
        assert_eq!(component_parent("aws/us-east-1"), Some("aws"));
        assert_eq!(component_parent("fastly"), None);
        let chain: Vec<_> = component_ancestors("aws/us-east-1/dynamodb").collect();
        assert_eq!(chain, ["aws/us-east-1/dynamodb", "aws/us-east-1", "aws"]);
    }

    #[test]
    fn names_round_trip() {
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        for k in ReportKind::ALL {
            assert_eq!(ReportKind::parse(k.as_str()), Some(k));
        }
        for e in ProbeError::ALL {
            assert_eq!(ProbeError::parse(e.as_str()), Some(e));
            let json = serde_json::to_string(&e).unwrap();
            assert_eq!(json, format!("\"{}\"", e.as_str()));
        }
    }
}

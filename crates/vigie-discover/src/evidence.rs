//! Evidence and its combination: what discovery observed, which rule each observation matched,
//! and how the observations for one component add up to a confidence.
//!
//! Combination (docs/discovery.md): observations of the same origin are not independent (four
//! A records in one Fastly prefix say no more than one), so per component and origin only the
//! strongest weight counts; different origins are treated as independent witnesses and combined
//! with a noisy-OR: `confidence = 1 − Π over origins (1 − max weight of that origin)`.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};

use serde::Serialize;
use vigie_core::{ComponentKind, Dependency, DependencyOrigin};

/// One observation tied to a component by a catalogue rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    /// The component the rule names.
    pub component: String,
    /// What kind of observation (`dns-cname`, `ip-range`, `ns`, `http-header`, `tls-issuer`).
    pub origin: DependencyOrigin,
    /// What was looked at: a DNS name, an address, a header name, `tls`.
    pub subject: String,
    /// What was seen: the CNAME target, the NS host, the header value, the issuer.
    pub observed: String,
    /// The rule that matched, in words (`cname suffix .fastly.net`).
    pub rule: String,
    /// How strongly this observation alone ties the host to the component, in (0, 1].
    pub weight: f64,
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.origin {
            DependencyOrigin::DnsCname => write!(
                f,
                "{} CNAME {} → {} ({})",
                self.subject, self.observed, self.component, self.rule
            ),
            DependencyOrigin::Ns => write!(
                f,
                "{} NS {} → {} ({})",
                self.subject, self.observed, self.component, self.rule
            ),
            DependencyOrigin::IpRange => {
                write!(f, "{} → {} ({})", self.subject, self.component, self.rule)
            }
            DependencyOrigin::HttpHeader => write!(
                f,
                "{}: {} → {} ({})",
                self.subject, self.observed, self.component, self.rule
            ),
            DependencyOrigin::TlsIssuer => write!(
                f,
                "TLS issuer {} → {} ({})",
                self.observed, self.component, self.rule
            ),
            DependencyOrigin::Declared => {
                write!(f, "{} → {} (declared)", self.subject, self.component)
            }
        }
    }
}

/// A component discovery concluded the host relies on.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComponentFinding {
    pub id: String,
    pub kind: ComponentKind,
    pub name: String,
    /// Combined confidence in (0, 1), rounded to three decimals.
    pub confidence: f64,
    /// The evidence for it, strongest first.
    pub evidence: Vec<Evidence>,
}

impl ComponentFinding {
    /// The origin of the strongest evidence.
    pub fn origin(&self) -> DependencyOrigin {
        self.evidence
            .first()
            .map_or(DependencyOrigin::Declared, |e| e.origin)
    }
}

/// One link of a CNAME chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CnameLink {
    pub name: String,
    pub target: String,
}

/// One NS record of the host's zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NsRecord {
    pub zone: String,
    pub host: String,
}

/// What the HTTPS `HEAD /` returned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HttpObservation {
    pub address: SocketAddr,
    pub status: u16,
    /// Response headers, lowercase names, in order (values truncated to 512 bytes).
    pub headers: Vec<(String, String)>,
    /// Issuer of the leaf certificate: organization and common name, as presented.
    pub tls_issuer: Option<String>,
}

/// Everything one discovery found, and the conclusions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Discovery {
    /// The host (or IP literal) as asked, normalized.
    pub host: String,
    pub cname_chain: Vec<CnameLink>,
    pub addresses: Vec<IpAddr>,
    pub nameservers: Vec<NsRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpObservation>,
    /// Why the HTTP probe gave nothing, when it was asked for and failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_error: Option<String>,
    /// Components, most confident first.
    pub components: Vec<ComponentFinding>,
}

impl Discovery {
    /// The discovered dependencies as graph edges: one per component, with the combined
    /// confidence and the origin of the strongest evidence.
    pub fn dependencies(&self) -> Vec<Dependency> {
        self.components
            .iter()
            .map(|c| Dependency {
                target: c.id.clone(),
                confidence: c.confidence,
                origin: c.origin(),
            })
            .collect()
    }

    /// Every piece of evidence, in the order it was found.
    pub fn evidence(&self) -> impl Iterator<Item = &Evidence> {
        self.components.iter().flat_map(|c| c.evidence.iter())
    }
}

/// Combines evidence into findings; `describe` gives each component's kind and display name.
pub fn combine(
    evidence: Vec<Evidence>,
    describe: impl Fn(&str) -> (ComponentKind, String),
) -> Vec<ComponentFinding> {
    let mut by_component: BTreeMap<String, Vec<Evidence>> = BTreeMap::new();
    for e in evidence {
        by_component.entry(e.component.clone()).or_default().push(e);
    }
    let mut findings: Vec<ComponentFinding> = by_component
        .into_iter()
        .map(|(id, mut evidence)| {
            let confidence = combined_confidence(&evidence);
            evidence.sort_by(|a, b| b.weight.total_cmp(&a.weight));
            let (kind, name) = describe(&id);
            ComponentFinding {
                id,
                kind,
                name,
                confidence,
                evidence,
            }
        })
        .collect();
    findings.sort_by(|a, b| b.confidence.total_cmp(&a.confidence).then(a.id.cmp(&b.id)));
    findings
}

/// Noisy-OR over origins of the strongest weight per origin, rounded to three decimals.
pub fn combined_confidence(evidence: &[Evidence]) -> f64 {
    let mut strongest: BTreeMap<&'static str, f64> = BTreeMap::new();
    for e in evidence {
        let w = e.weight.clamp(0.0, 1.0);
        strongest
            .entry(e.origin.as_str())
            .and_modify(|m| *m = m.max(w))
            .or_insert(w);
    }
    let miss: f64 = strongest.values().map(|w| 1.0 - w).product();
    ((1.0 - miss) * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(component: &str, origin: DependencyOrigin, weight: f64) -> Evidence {
        Evidence {
            component: component.into(),
            origin,
            subject: "s".into(),
            observed: "o".into(),
            rule: "r".into(),
            weight,
        }
    }

    #[test]
    fn same_origin_counts_once_different_origins_add_up() {
        let four_ips = vec![ev("fastly", DependencyOrigin::IpRange, 0.9); 4];
        assert_eq!(combined_confidence(&four_ips), 0.9);
        let mixed = vec![
            ev("fastly", DependencyOrigin::IpRange, 0.9),
            ev("fastly", DependencyOrigin::DnsCname, 0.9),
            ev("fastly", DependencyOrigin::HttpHeader, 0.3),
            ev("fastly", DependencyOrigin::HttpHeader, 0.8),
        ];
        // 1 - 0.1 * 0.1 * 0.2
        assert_eq!(combined_confidence(&mixed), 0.998);
    }

    #[test]
    fn findings_are_sorted_and_become_dependencies() {
        let findings = combine(
            vec![
                ev("ns1", DependencyOrigin::Ns, 0.95),
                ev("fastly", DependencyOrigin::HttpHeader, 0.3),
                ev("fastly", DependencyOrigin::DnsCname, 0.9),
            ],
            |id| (ComponentKind::Other, id.to_uppercase()),
        );
        let discovery = Discovery {
            host: "h".into(),
            cname_chain: vec![],
            addresses: vec![],
            nameservers: vec![],
            http: None,
            http_error: None,
            components: findings,
        };
        let deps = discovery.dependencies();
        assert_eq!(deps.len(), 2);
        assert_eq!(deps[0].target, "ns1");
        assert_eq!(deps[0].origin, DependencyOrigin::Ns);
        assert_eq!(deps[0].confidence, 0.95);
        // 1 - (1 - 0.9) * (1 - 0.3)
        assert_eq!(deps[1].target, "fastly");
        assert_eq!(deps[1].origin, DependencyOrigin::DnsCname);
        assert_eq!(deps[1].confidence, 0.93);
    }
}

//! Symptoms: whether the way a service fails fits the way a kind of component fails.
//!
//! A DNS provider that fails makes names stop resolving; it does not make a certificate
//! invalid. A database behind an application makes the application answer 5xx or hang; it
//! does not refuse the TCP connection to the application's front door. So the error the
//! probes of an impaired service see is evidence about *which* upstream failure can explain it:
//! a service whose certificate broke is weak evidence that its managed database failed.
//!
//! The term only ever takes evidence away. A symptom a failure of this kind often produces is
//! no evidence *for* it, because the same 5xx and timeouts are also what services failing on
//! their own show most, and how often they do is not known. A symptom it rarely produces
//! scales the impaired dependent's share of the noisy-OR by [`Compat::ratio`]
//! (docs/attribution.md, "Symptoms"):
//!
//! ```text
//! P(s impaired with symptom e | H) / P(s impaired with e | no cause) = (ε + (1−ε)·ρ·w·r(e)) / ε
//! ```
//!
//! A service impaired without a probe failure (report-only) has no symptom and `r = 1`.

use crate::graph::{ComponentIx, DependencyGraph, Reach, ServiceIx, Target};
use crate::model::{ComponentKind, ProbeError};

/// How well a symptom fits a failure of a kind of component.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Compat {
    /// What such a failure often produces, or no symptom at all: full weight.
    #[default]
    Fits,
    /// Possible, but not how such a failure usually shows.
    Unusual,
    /// A failure of this kind can hardly produce it.
    Implausible,
}

impl Compat {
    pub const ALL: [Compat; 3] = [Compat::Fits, Compat::Unusual, Compat::Implausible];
    /// Number of levels (for per-level histograms).
    pub const LEVELS: usize = Compat::ALL.len();

    /// `r`: the factor on an impaired dependent's share of the noisy-OR.
    pub fn ratio(self) -> f64 {
        match self {
            Compat::Fits => 1.0,
            Compat::Unusual => 0.3,
            Compat::Implausible => 0.1,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// The level whose [`Compat::index`] is in the two low bits of `bits`.
    fn from_bits(bits: u16) -> Compat {
        match bits & 0b11 {
            0 => Compat::Fits,
            1 => Compat::Unusual,
            _ => Compat::Implausible,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Compat::Fits => "fits",
            Compat::Unusual => "unusual",
            Compat::Implausible => "implausible",
        }
    }
}

/// The layer a probe error comes from: what a failure must break to produce it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layer {
    /// The name does not resolve.
    Dns,
    /// No TCP connection (refused or timed out).
    Connect,
    /// The TLS handshake or certificate failed.
    Tls,
    /// The server answered, wrongly (5xx or an assertion on the body).
    Http,
    /// The request was accepted but no answer came in time.
    Timeout,
    /// No error at all: the service is impaired (its users say so, or its status page) while
    /// every live probe passes. The failure is where the probes do not look.
    Passing,
}

impl Layer {
    pub const ALL: [Layer; 6] = [
        Layer::Dns,
        Layer::Connect,
        Layer::Tls,
        Layer::Http,
        Layer::Timeout,
        Layer::Passing,
    ];

    /// Where this layer's two bits sit in a [`ClosureFits`] entry.
    fn shift(self) -> u32 {
        2 * self as u32
    }

    pub fn of(error: ProbeError) -> Layer {
        match error {
            ProbeError::DnsNxdomain | ProbeError::DnsServfail | ProbeError::DnsTimeout => {
                Layer::Dns
            }
            ProbeError::ConnectRefused | ProbeError::ConnectTimeout => Layer::Connect,
            ProbeError::Tls => Layer::Tls,
            ProbeError::HttpStatus | ProbeError::Assertion => Layer::Http,
            ProbeError::Timeout => Layer::Timeout,
        }
    }
}

/// How well `symptom` (the error of an impaired service's failing probes, if any) fits a
/// failure of a component of `kind`. `via_service`: the service relies on the component only
/// through another service, which it either calls from behind its own front (then it fails
/// the way an application fails when something behind it does) or is hosted on (then it
/// fails the way the other service does); the better fit of the two counts.
pub fn compat(kind: ComponentKind, via_service: bool, symptom: Option<ProbeError>) -> Compat {
    match symptom {
        None => Compat::Fits,
        Some(error) => layer_compat(kind, via_service, Layer::of(error)),
    }
}

/// [`compat`] for an error from `layer`.
fn layer_compat(kind: ComponentKind, via_service: bool, layer: Layer) -> Compat {
    let direct = direct(kind, layer);
    if via_service {
        direct.min(behind_the_application(layer))
    } else {
        direct
    }
}

/// How well an error from `layer` fits a failure of a component of `kind` that the service
/// relies on directly.
fn direct(kind: ComponentKind, layer: Layer) -> Compat {
    use Compat::{Fits, Implausible, Unusual};
    match kind {
        // Resolution fails; with the names gone nothing else gets a chance to. The probes
        // resolve the names too, so they do not all pass.
        ComponentKind::Dns => match layer {
            Layer::Dns => Fits,
            Layer::Timeout => Unusual,
            Layer::Connect | Layer::Tls | Layer::Http | Layer::Passing => Implausible,
        },
        // The edge answers 5xx, stops accepting connections, hangs or serves a bad
        // certificate; a CDN that also serves the customer's DNS can break resolution. The
        // probes go through the edge, so they do not all pass.
        ComponentKind::Cdn | ComponentKind::FrontDoor => match layer {
            Layer::Dns => Unusual,
            Layer::Connect | Layer::Tls | Layer::Http | Layer::Timeout => Fits,
            Layer::Passing => Implausible,
        },
        // Everything the service runs on: machines, load balancers, its managed services.
        // Public DNS and certificates are usually served from elsewhere; the probes reach
        // what runs there, unless they only see a page served from elsewhere too.
        ComponentKind::Cloud | ComponentKind::Region => match layer {
            Layer::Dns | Layer::Tls | Layer::Passing => Unusual,
            Layer::Connect | Layer::Http | Layer::Timeout => Fits,
        },
        // A database, queue, identity or payment provider behind the application.
        ComponentKind::ManagedService | ComponentKind::Saas => behind_the_application(layer),
        ComponentKind::Other => Fits,
    }
}

/// How well what the probes of `service` say (`layer`: the layer of their error, or that they
/// all pass) fits a failure of its closure entry `reach`: the best fit over the service's
/// declared components within it, or the entry's own kind when none is (see [`ClosureFits`],
/// which keeps these for every entry; this is the definition, for the few lookups that do not
/// need the table).
pub fn reach_fit(
    graph: &DependencyGraph,
    service: ServiceIx,
    reach: &Reach,
    layer: Option<Layer>,
) -> Compat {
    layer.map_or(Compat::Fits, |layer| {
        reach_layer_fit(graph, service, reach, layer)
    })
}

/// [`reach_fit`] for `layer`.
fn reach_layer_fit(
    graph: &DependencyGraph,
    service: ServiceIx,
    reach: &Reach,
    layer: Layer,
) -> Compat {
    let kind = |c: ComponentIx| graph.component(c).kind;
    if !reach.direct {
        return layer_compat(kind(reach.ix), true, layer);
    }
    graph
        .direct_edges(service)
        .iter()
        .filter_map(|e| match e.target {
            Target::Component(c) if graph.is_within(c, reach.ix) => Some(c),
            _ => None,
        })
        .map(|c| layer_compat(kind(c), false, layer))
        .min()
        .unwrap_or_else(|| layer_compat(kind(reach.ix), false, layer))
}

/// The fit of every closure entry of every service ([`DependencyGraph::component_closure`]),
/// for an error from each layer.
///
/// A failure reaches a service through the component the service declares: a region that
/// fails reaches a service declaring the region's database as that database failing, so the
/// region is judged by the database's kind for it (otherwise a parent would explain a
/// symptom its child cannot, and the less specific claim would win on the same dependents).
/// When several declared components lie within the candidate, the best fit counts; a
/// component reached only through another service is judged as [`compat`] says for that.
///
/// The fits depend only on the graph and the error's [`Layer`], so they are worked out once,
/// when the graph is, and kept two bits a layer beside the graph's closure array: listing an
/// outage's thousands of impaired dependents then reads one small array in step with the
/// closures instead of each service's declared edges and their components.
pub struct ClosureFits {
    /// Per closure entry (in [`DependencyGraph::closure_offset`] order), the [`Compat`] of
    /// layer `l` in bits `2l..2l+2`.
    packed: Vec<u16>,
}

impl ClosureFits {
    pub fn new(graph: &DependencyGraph) -> Self {
        let mut packed = Vec::with_capacity(graph.closure_entries());
        for s in 0..graph.service_count() as ServiceIx {
            packed.extend(graph.component_closure(s).iter().map(|r| {
                Layer::ALL.iter().fold(0u16, |bits, &layer| {
                    bits | (reach_layer_fit(graph, s, r, layer) as u16) << layer.shift()
                })
            }));
        }
        ClosureFits { packed }
    }

    /// The fits of service `s`'s closure entries, in closure order, when its probes say
    /// `layer` of how it fails (none: every entry fits).
    pub fn of(
        &self,
        graph: &DependencyGraph,
        s: ServiceIx,
        layer: Option<Layer>,
    ) -> impl Iterator<Item = Compat> + '_ {
        let base = graph.closure_offset(s);
        let entries = &self.packed[base..base + graph.component_closure(s).len()];
        let shift = layer.map(Layer::shift);
        entries.iter().map(move |&p| match shift {
            None => Compat::Fits,
            Some(shift) => Compat::from_bits(p >> shift),
        })
    }
}

/// Something behind the application failed: the front (DNS, TLS) is untouched, the
/// application answers 5xx or hangs; it refuses connections only when its health checks take
/// every backend out.
fn behind_the_application(layer: Layer) -> Compat {
    match layer {
        Layer::Http | Layer::Timeout | Layer::Passing => Compat::Fits,
        Layer::Connect => Compat::Unusual,
        Layer::Dns | Layer::Tls => Compat::Implausible,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_symptom_is_never_held_against_a_cause() {
        for kind in ComponentKind::ALL {
            assert_eq!(compat(kind, false, None), Compat::Fits);
            assert_eq!(compat(kind, true, None), Compat::Fits);
        }
    }

    #[test]
    fn a_broken_certificate_does_not_point_at_a_database_or_a_dns_provider() {
        let tls = Some(ProbeError::Tls);
        assert_eq!(
            compat(ComponentKind::ManagedService, false, tls),
            Compat::Implausible
        );
        assert_eq!(compat(ComponentKind::Dns, false, tls), Compat::Implausible);
        assert_eq!(compat(ComponentKind::Cdn, false, tls), Compat::Fits);
    }

    #[test]
    fn dns_errors_point_at_dns() {
        let e = Some(ProbeError::DnsServfail);
        assert_eq!(compat(ComponentKind::Dns, false, e), Compat::Fits);
        assert_eq!(compat(ComponentKind::Cdn, false, e), Compat::Unusual);
        assert_eq!(compat(ComponentKind::Region, false, e), Compat::Unusual);
        assert_eq!(
            compat(ComponentKind::ManagedService, false, e),
            Compat::Implausible
        );
    }

    #[test]
    fn through_another_service_either_the_application_or_its_host_shows_the_failure() {
        // A shop calling a payment API whose DNS provider fails answers 5xx itself.
        assert_eq!(
            compat(ComponentKind::Dns, true, Some(ProbeError::HttpStatus)),
            Compat::Fits
        );
        // A site hosted on a platform whose CDN fails times out like the platform does.
        assert_eq!(
            compat(ComponentKind::Cdn, true, Some(ProbeError::ConnectTimeout)),
            Compat::Fits
        );
        // Neither way does a database behind the other service break a certificate.
        assert_eq!(
            compat(ComponentKind::ManagedService, true, Some(ProbeError::Tls)),
            Compat::Implausible
        );
        assert_eq!(
            compat(ComponentKind::Cdn, true, Some(ProbeError::DnsNxdomain)),
            Compat::Unusual
        );
    }

    #[test]
    fn the_closure_fits_agree_with_the_definition() {
        use crate::model::{Dependency, ServiceSpec, Topology};
        let service = |id: &str, deps: &[&str]| ServiceSpec {
            id: id.into(),
            name: id.into(),
            depends_on: deps.iter().map(|d| Dependency::declared(*d)).collect(),
        };
        let topology = Topology {
            components: super::super::tests::provider_components(),
            services: vec![
                service("api", &["aws/us-east-1/rds", "ns1"]),
                service("shop", &["fastly", "aws/us-east-1", "api"]),
                service("blog", &["shop", "unknown/thing"]),
            ],
        };
        let graph = DependencyGraph::from_topology(&topology).unwrap();
        let fits = ClosureFits::new(&graph);
        let layers = std::iter::once(None).chain(Layer::ALL.into_iter().map(Some));
        for layer in layers {
            for s in 0..graph.service_count() as ServiceIx {
                let closure = graph.component_closure(s);
                assert_eq!(fits.of(&graph, s, layer).count(), closure.len());
                for (r, fit) in closure.iter().zip(fits.of(&graph, s, layer)) {
                    assert_eq!(
                        fit,
                        reach_fit(&graph, s, r, layer),
                        "{} {} {layer:?}",
                        graph.service_id(s),
                        graph.component(r.ix).id
                    );
                }
            }
        }
    }

    #[test]
    fn ratios_only_take_evidence_away() {
        for c in Compat::ALL {
            assert!(c.ratio() > 0.0 && c.ratio() <= 1.0);
        }
        assert!(Compat::Implausible.ratio() < Compat::Unusual.ratio());
    }
}

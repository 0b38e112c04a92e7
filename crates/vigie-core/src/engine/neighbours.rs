//! Neighbour corroboration: a service whose fresh probe failures come from two vantages, but
//! not yet from every live one, counts them at once when another service relying on one of the
//! same components turned impaired moments ago (docs/detection.md 4.1, "A failing neighbour
//! corroborates").
//!
//! At the onset of a provider's failure its dependents fail within seconds of each other, and
//! the vantages probe each of them in turn: the last vantage to probe a dependent after the
//! onset is what unanimity waits for, up to one probe interval. Two vantages failing together
//! while a neighbour has just failed is already two independent pieces of evidence, as a
//! blamed component is for [`super::upstream`]; unlike a blamed component, a neighbour does
//! not let one vantage vote alone, unless it fails from that vantage too (below).
//!
//! A neighbour failing from only some vantages vouches for failures from within them: a lone
//! failing vantage of the service votes without its extra failures, and fresh failures from
//! two vantages count though a third has passed, when they are among the neighbour's vantages
//! and are answers. A regional failure shows the same vantages on every dependent, so its
//! second dependent is detected a probe interval sooner. Two dependents waiting on the same
//! lone vantage corroborate each other in the same way (`Engine::corroborate_by_peers`).
//!
//! Only direct component edges make neighbours (a CDN's customers, a managed database's),
//! not ancestors: a whole cloud has a dependent failing somewhere most of the time.

use crate::graph::{ComponentIx, DependencyGraph, ServiceIx, Target};
use crate::time::{Timestamp, MINUTE_MS};

use super::probes::VantageSet;
use super::upstream::MIN_SUSPECT_CONFIDENCE;

/// How long after a service turns impaired it corroborates its neighbours: the late window
/// of attribution (docs/attribution.md), within which a common failure's dependents are
/// detected.
pub const NEIGHBOUR_WINDOW_MS: i64 = 5 * MINUTE_MS;

/// One service's impairment onset, as a neighbour of the others relying on a component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Onset {
    pub service: ServiceIx,
    pub at: Timestamp,
    /// The vantages it was failing from then while others passed
    /// ([`super::probes::ServiceProbes::partial_vantages`]; empty when it failed everywhere or
    /// reports alone impaired it).
    pub vantages: VantageSet,
}

/// The latest impairment onsets among each component's direct dependents.
#[derive(Clone, Debug, Default)]
pub struct Neighbours {
    /// Per component: the two latest onsets of distinct services, latest first (two, so that
    /// a service never finds only itself).
    latest: Vec<[Option<Onset>; 2]>,
    /// Per component: the same for onsets failing from only some vantages, which vouch for
    /// failures from within them. Kept apart so that a later onset seen everywhere, or by
    /// reports alone, does not hide what a regional one vouches for.
    latest_partial: Vec<[Option<Onset>; 2]>,
}

/// Puts `onset` first in `slot`, keeping the previous first when it is another service's.
fn push(slot: &mut [Option<Onset>; 2], onset: Onset) {
    if slot[0].is_some_and(|o| o.service != onset.service) {
        slot[1] = slot[0];
    }
    slot[0] = Some(onset);
}

impl Neighbours {
    pub fn new(components: usize) -> Self {
        Neighbours {
            latest: vec![[None; 2]; components],
            latest_partial: vec![[None; 2]; components],
        }
    }

    /// `service` turned impaired at `at`, failing from `vantages` only.
    pub fn record(
        &mut self,
        graph: &DependencyGraph,
        service: ServiceIx,
        at: Timestamp,
        vantages: VantageSet,
    ) {
        let onset = Onset {
            service,
            at,
            vantages,
        };
        for c in direct_components(graph, service) {
            let c = c as usize;
            if let Some(slot) = self.latest.get_mut(c) {
                push(slot, onset);
            }
            if let (Some(slot), false) = (self.latest_partial.get_mut(c), vantages.is_empty()) {
                push(slot, onset);
            }
        }
    }

    /// The neighbour of `service` that turned impaired within [`NEIGHBOUR_WINDOW_MS`] before
    /// `now`, with the component they share: the latest one failing from only some vantages
    /// if there is one (it vouches for more, see the module's comment), else the latest.
    pub fn of(
        &self,
        graph: &DependencyGraph,
        service: ServiceIx,
        now: Timestamp,
    ) -> Option<(Onset, ComponentIx)> {
        let latest_in = |slots: &[[Option<Onset>; 2]]| {
            let mut best: Option<(Onset, ComponentIx)> = None;
            for c in direct_components(graph, service) {
                let Some(slot) = slots.get(c as usize) else {
                    continue;
                };
                let other = slot.iter().flatten().find(|o| o.service != service);
                if let Some(&o) = other {
                    let recent = o.at <= now && now.millis_since(o.at) <= NEIGHBOUR_WINDOW_MS;
                    if recent && best.is_none_or(|(b, _)| o.at > b.at) {
                        best = Some((o, c));
                    }
                }
            }
            best
        };
        latest_in(&self.latest_partial).or_else(|| latest_in(&self.latest))
    }
}

/// The components `service` has a direct, fairly certain edge to.
pub(super) fn direct_components(
    graph: &DependencyGraph,
    service: ServiceIx,
) -> impl Iterator<Item = ComponentIx> + '_ {
    let edges = if (service as usize) < graph.service_count() {
        graph.direct_edges(service)
    } else {
        &[]
    };
    edges.iter().filter_map(|e| match e.target {
        Target::Component(c) if e.confidence >= MIN_SUSPECT_CONFIDENCE => Some(c),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ComponentKind, ComponentSpec, Dependency, ServiceSpec, Topology};

    fn graph() -> DependencyGraph {
        let component = |id: &str| ComponentSpec {
            id: id.into(),
            kind: ComponentKind::Cdn,
            name: None,
        };
        let service = |id: &str, deps: &[(&str, f64)]| ServiceSpec {
            id: id.into(),
            name: id.into(),
            depends_on: deps
                .iter()
                .map(|&(d, c)| Dependency {
                    confidence: c,
                    ..Dependency::declared(d)
                })
                .collect(),
        };
        let topology = Topology {
            components: vec![component("cdn"), component("aws/us-east-1")],
            services: vec![
                service("a", &[("cdn", 1.0)]),
                service("b", &[("cdn", 1.0), ("aws/us-east-1", 1.0)]),
                service("c", &[("aws/us-east-1", 1.0)]),
                service("d", &[("cdn", 0.3)]),
                service("e", &[("aws", 1.0)]),
            ],
        };
        DependencyGraph::from_topology(&topology).expect("graph")
    }

    fn ix(g: &DependencyGraph, id: &str) -> ServiceIx {
        g.service_ix(id).expect("service")
    }

    #[test]
    fn a_recent_onset_corroborates_the_other_dependents_of_its_components() {
        let g = graph();
        let mut n = Neighbours::new(g.component_count());
        let t = Timestamp::from_secs(1000);
        n.record(&g, ix(&g, "a"), t, VantageSet::default());
        let (o, c) = n.of(&g, ix(&g, "b"), t).expect("b shares the cdn with a");
        assert_eq!(
            (o.service, g.component(c).id.as_str()),
            (ix(&g, "a"), "cdn")
        );
        // Not itself, not a service sharing nothing, not through an uncertain edge, not
        // through an ancestor (e relies on aws, c on aws/us-east-1).
        assert!(n.of(&g, ix(&g, "a"), t).is_none());
        assert!(n.of(&g, ix(&g, "c"), t).is_none());
        assert!(n.of(&g, ix(&g, "d"), t).is_none());
        n.record(&g, ix(&g, "c"), t, VantageSet::default());
        assert!(n.of(&g, ix(&g, "e"), t).is_none());
        // The window: five minutes.
        let late = Timestamp::from_millis(t.as_millis() + NEIGHBOUR_WINDOW_MS);
        assert!(n.of(&g, ix(&g, "b"), late).is_some());
        let too_late = Timestamp::from_millis(late.as_millis() + 1);
        assert!(n.of(&g, ix(&g, "b"), too_late).is_none());
    }

    #[test]
    fn a_service_relapsing_does_not_hide_its_neighbour() {
        let g = graph();
        let mut n = Neighbours::new(g.component_count());
        n.record(
            &g,
            ix(&g, "a"),
            Timestamp::from_secs(1000),
            VantageSet::default(),
        );
        n.record(
            &g,
            ix(&g, "b"),
            Timestamp::from_secs(1010),
            VantageSet::default(),
        );
        n.record(
            &g,
            ix(&g, "b"),
            Timestamp::from_secs(1020),
            VantageSet::default(),
        );
        let (o, _) = n
            .of(&g, ix(&g, "b"), Timestamp::from_secs(1030))
            .expect("a is still b's neighbour");
        assert_eq!(o.service, ix(&g, "a"));
        // The latest of several neighbours, over all shared components.
        n.record(
            &g,
            ix(&g, "c"),
            Timestamp::from_secs(1025),
            VantageSet::default(),
        );
        let (o, c) = n
            .of(&g, ix(&g, "b"), Timestamp::from_secs(1030))
            .expect("c too");
        assert_eq!(
            (o.service, g.component(c).id.as_str()),
            (ix(&g, "c"), "aws/us-east-1")
        );
    }

    #[test]
    fn a_later_neighbour_seen_everywhere_does_not_hide_a_regional_one() {
        // a turns impaired failing from one vantage (a regional failure); b, relying on the
        // cdn too, turns impaired later, by its reports alone; then a again, failing
        // everywhere. What a's regional onset vouches for stays visible while it is recent.
        let g = graph();
        let mut n = Neighbours::new(g.component_count());
        let tokyo = VantageSet::single(42);
        n.record(&g, ix(&g, "a"), Timestamp::from_secs(1000), tokyo);
        n.record(
            &g,
            ix(&g, "b"),
            Timestamp::from_secs(1010),
            VantageSet::default(),
        );
        // a, asking about its neighbours, finds b (the only other one).
        let (o, _) = n
            .of(&g, ix(&g, "a"), Timestamp::from_secs(1020))
            .expect("b");
        assert_eq!(o.service, ix(&g, "b"));
        // b finds a, the regional one.
        let (o, _) = n
            .of(&g, ix(&g, "b"), Timestamp::from_secs(1020))
            .expect("a");
        assert_eq!((o.service, o.vantages), (ix(&g, "a"), tokyo));
        n.record(
            &g,
            ix(&g, "a"),
            Timestamp::from_secs(1030),
            VantageSet::default(),
        );
        // a's newer onset seen everywhere is the latest, but its regional one still vouches.
        let (o, _) = n
            .of(&g, ix(&g, "b"), Timestamp::from_secs(1040))
            .expect("a");
        assert_eq!((o.service, o.at), (ix(&g, "a"), Timestamp::from_secs(1000)));
        // Once the regional onset is out of the window, the latest onset is what is left.
        let late = Timestamp::from_millis(1_000_000 + NEIGHBOUR_WINDOW_MS + 1);
        let (o, _) = n.of(&g, ix(&g, "b"), late).expect("a's later onset");
        assert_eq!(
            (o.service, o.vantages),
            (ix(&g, "a"), VantageSet::default())
        );
    }
}

//! Each component's evidence — its impaired dependents — kept from tick to tick.
//!
//! An outage keeps thousands of dependents impaired, with the same error, tick after tick.
//! Rebuilding every component's list from the impaired services' closures each tick costs a
//! walk over those closures and a scatter into thousands of lists; instead the lists are
//! updated with what changed since the last tick (a service impaired, recovered, or failing
//! with another error), which between the first minutes of an outage and its end is nearly
//! nothing. Each list stays sorted by service, so the evidence and everything computed from
//! it is the same as a rebuild would give.

use crate::graph::{ComponentIx, DependencyGraph, ServiceIx};
use crate::model::ProbeError;

use super::footprint::Outside;
use super::score::{self, Impaired};
use super::symptom::{ClosureFit, Compat};
use super::timing::Timing;

/// One impaired dependent of a component, as evidence that the component failed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Evidence {
    pub service: ServiceIx,
    /// Its edge confidence's bucket ([`score::bucket`]).
    pub bucket: u8,
    /// It relies on the component directly (not only through another service).
    pub direct: bool,
    /// How well the service's symptom fits a failure of the component.
    pub compat: Compat,
}

impl Evidence {
    /// What this dependent brings to a candidate whose footprints elsewhere are `outside`,
    /// when it turned impaired with `timing` relative to the candidate's onset and fails with
    /// footprint number `footprint` this tick.
    pub fn impaired(&self, outside: &Outside, timing: Timing, footprint: u8) -> Impaired {
        Impaired {
            bucket: self.bucket,
            compat: self.compat,
            timing,
            footprint: outside.mark(footprint),
        }
    }
}

/// One change to one component's list: the service's entry goes (`None`) or comes.
type Change = (ComponentIx, ServiceIx, Option<Evidence>);

/// Per component, its impaired dependents sorted by service.
pub(super) struct EvidenceLists {
    lists: Vec<Vec<Evidence>>,
    /// Per service: listed (impaired), with the symptom its entries' fits were computed for.
    listed: Vec<Option<Option<ProbeError>>>,
    /// Changes recorded by [`EvidenceLists::set`] since the last [`EvidenceLists::apply`].
    changes: Vec<Change>,
    merged: Vec<Evidence>,
    fit: ClosureFit,
}

impl EvidenceLists {
    pub fn new(graph: &DependencyGraph) -> Self {
        EvidenceLists {
            lists: vec![Vec::new(); graph.component_count()],
            listed: vec![None; graph.service_count()],
            changes: Vec::new(),
            merged: Vec::new(),
            fit: ClosureFit::new(graph.component_count()),
        }
    }

    /// Says how service `s` is now: impaired with this symptom (`Some`), or not (`None`).
    /// Nothing is recorded when that is how it was listed (called for every service every
    /// tick, so that test is inlined).
    #[inline]
    pub fn set(
        &mut self,
        graph: &DependencyGraph,
        s: ServiceIx,
        impaired: Option<Option<ProbeError>>,
    ) {
        if self.listed[s as usize] != impaired {
            self.change(graph, s, impaired);
        }
    }

    fn change(
        &mut self,
        graph: &DependencyGraph,
        s: ServiceIx,
        impaired: Option<Option<ProbeError>>,
    ) {
        let listed = &mut self.listed[s as usize];
        let closure = graph.component_closure(s);
        if listed.is_some() {
            self.changes.extend(closure.iter().map(|r| (r.ix, s, None)));
        }
        if let Some(symptom) = impaired {
            self.fit.prepare(graph, s, symptom);
            for r in closure {
                let entry = Evidence {
                    service: s,
                    bucket: score::bucket(r.confidence),
                    direct: r.direct,
                    compat: self.fit.get(graph, r),
                };
                self.changes.push((r.ix, s, Some(entry)));
            }
        }
        *listed = impaired;
    }

    /// Applies the recorded changes: one merge per component whose list changed.
    pub fn apply(&mut self) {
        // A service's removal sorts before its new entry (`None` < `Some`).
        self.changes
            .sort_unstable_by_key(|&(c, s, e)| (c, s, e.is_some()));
        let mut at = 0;
        while at < self.changes.len() {
            let c = self.changes[at].0;
            let end = at + self.changes[at..].partition_point(|x| x.0 == c);
            let list = &mut self.lists[c as usize];
            self.merged.clear();
            let mut old = list.iter().copied().peekable();
            for &(_, s, entry) in &self.changes[at..end] {
                while let Some(e) = old.next_if(|e| e.service < s) {
                    self.merged.push(e);
                }
                // The service's old entry, if any, is removed or replaced.
                old.next_if(|e| e.service == s);
                self.merged.extend(entry);
            }
            self.merged.extend(old);
            std::mem::swap(list, &mut self.merged);
            at = end;
        }
        self.changes.clear();
    }

    /// How many impaired dependents component `c` has.
    pub fn len(&self, c: ComponentIx) -> usize {
        self.lists[c as usize].len()
    }

    /// Lends component `c`'s list (to a candidate, for the tick); give it back with
    /// [`EvidenceLists::give_back`] before the next [`EvidenceLists::apply`].
    pub fn lend(&mut self, c: ComponentIx) -> Vec<Evidence> {
        std::mem::take(&mut self.lists[c as usize])
    }

    pub fn give_back(&mut self, c: ComponentIx, list: Vec<Evidence>) {
        self.lists[c as usize] = list;
    }

    #[cfg(test)]
    pub fn list(&self, c: ComponentIx) -> &[Evidence] {
        &self.lists[c as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ComponentKind, ComponentSpec, Dependency, ServiceSpec, Topology};
    use proptest::prelude::*;

    fn graph() -> DependencyGraph {
        let component = |id: &str, kind| ComponentSpec {
            id: id.into(),
            kind,
            name: None,
        };
        let mut services = Vec::new();
        for i in 0..24 {
            let mut deps = vec![Dependency::declared(if i % 2 == 0 {
                "fastly"
            } else {
                "aws/us-east-1/rds"
            })];
            if i % 3 == 0 {
                deps.push(Dependency::declared("ns1"));
            }
            if i > 4 && i % 5 == 0 {
                deps.push(Dependency::declared(format!("s{}", i - 5).as_str()));
            }
            services.push(ServiceSpec {
                id: format!("s{i}"),
                name: format!("s{i}"),
                depends_on: deps,
            });
        }
        let topology = Topology {
            components: vec![
                component("aws", ComponentKind::Cloud),
                component("aws/us-east-1", ComponentKind::Region),
                component("aws/us-east-1/rds", ComponentKind::ManagedService),
                component("fastly", ComponentKind::Cdn),
                component("ns1", ComponentKind::Dns),
            ],
            services,
        };
        DependencyGraph::from_topology(&topology).expect("valid topology")
    }

    /// The lists a rebuild from scratch gives for these services' states.
    fn rebuilt(graph: &DependencyGraph, states: &[Option<Option<ProbeError>>]) -> EvidenceLists {
        let mut lists = EvidenceLists::new(graph);
        for (s, &state) in states.iter().enumerate() {
            lists.set(graph, s as ServiceIx, state);
        }
        lists.apply();
        lists
    }

    fn state() -> impl Strategy<Value = Option<Option<ProbeError>>> {
        prop_oneof![
            Just(None),
            Just(Some(None)),
            (0..ProbeError::ALL.len()).prop_map(|i| Some(Some(ProbeError::ALL[i]))),
        ]
    }

    proptest! {
        /// Whatever sequence of ticks led here, the lists are what a rebuild gives: sorted by
        /// service, one entry per impaired dependent, fits for its current symptom.
        #[test]
        fn updated_lists_equal_a_rebuild(ticks in prop::collection::vec(
            prop::collection::vec(state(), 24), 1..6)) {
            let graph = graph();
            let mut lists = EvidenceLists::new(&graph);
            for states in &ticks {
                for (s, &state) in states.iter().enumerate() {
                    lists.set(&graph, s as ServiceIx, state);
                }
                lists.apply();
                let fresh = rebuilt(&graph, states);
                for c in 0..graph.component_count() as ComponentIx {
                    prop_assert_eq!(lists.list(c), fresh.list(c));
                    prop_assert!(lists.list(c).windows(2).all(|w| w[0].service < w[1].service));
                }
            }
        }
    }

    #[test]
    fn a_new_symptom_replaces_the_fits() {
        let graph = graph();
        let fastly = graph.component_ix("fastly").expect("fastly");
        let mut lists = EvidenceLists::new(&graph);
        lists.set(&graph, 0, Some(Some(ProbeError::DnsNxdomain)));
        lists.apply();
        assert_eq!(lists.list(fastly)[0].compat, Compat::Unusual);
        lists.set(&graph, 0, Some(Some(ProbeError::Tls)));
        lists.apply();
        assert_eq!(lists.list(fastly).len(), 1);
        assert_eq!(lists.list(fastly)[0].compat, Compat::Fits);
        lists.set(&graph, 0, None);
        lists.apply();
        assert!(lists.list(fastly).is_empty());
    }
}

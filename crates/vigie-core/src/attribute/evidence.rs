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

use super::footprint::Outside;
use super::score::{self, Impaired};
use super::symptom::{ClosureFits, Compat, Layer};
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
    /// Per service: listed (impaired), with what its probes say ([`Layer`]).
    listed: Vec<Option<Option<Layer>>>,
    /// How many services are listed.
    listed_count: usize,
    /// Services whose state changed since the last [`EvidenceLists::apply`], in the order
    /// [`EvidenceLists::set`] heard of them, and whether each was listed before.
    changed: Vec<(ServiceIx, bool)>,
    /// Scratch for an update: its changes, grouped by component with a counting sort (per
    /// component, how many, then where its group ends; the components changed), and a
    /// merged list.
    changes: Vec<Change>,
    grouped: Vec<Change>,
    count: Vec<u32>,
    components: Vec<ComponentIx>,
    merged: Vec<Evidence>,
    fits: ClosureFits,
}

impl EvidenceLists {
    pub fn new(graph: &DependencyGraph) -> Self {
        EvidenceLists {
            lists: vec![Vec::new(); graph.component_count()],
            listed: vec![None; graph.service_count()],
            listed_count: 0,
            changed: Vec::new(),
            changes: Vec::new(),
            grouped: Vec::new(),
            count: vec![0; graph.component_count()],
            components: Vec::new(),
            merged: Vec::new(),
            fits: ClosureFits::new(graph),
        }
    }

    /// Says how service `s` is now: impaired with this symptom (`Some`), or not (`None`).
    /// Takes effect at the next [`EvidenceLists::apply`].
    #[inline]
    pub fn set(&mut self, s: ServiceIx, impaired: Option<Option<Layer>>) {
        let listed = &mut self.listed[s as usize];
        if *listed != impaired {
            match (listed.is_some(), impaired.is_some()) {
                (false, true) => self.listed_count += 1,
                (true, false) => self.listed_count -= 1,
                _ => {}
            }
            self.changed.push((s, listed.is_some()));
            *listed = impaired;
        }
    }

    /// Brings the lists up to date with what [`EvidenceLists::set`] said since the last call:
    /// one merge per component whose list changed or, when most of the listed services
    /// changed (an outage's onset or end), a rebuild.
    pub fn apply(&mut self, graph: &DependencyGraph) {
        let rebuild = self.changed.len() * 2 > self.listed_count;
        self.apply_by(graph, rebuild);
    }

    fn apply_by(&mut self, graph: &DependencyGraph, rebuild: bool) {
        if self.changed.is_empty() {
            return;
        }
        if rebuild {
            self.rebuild(graph);
        } else {
            self.update(graph);
        }
        self.changed.clear();
    }

    /// The entries of a listed service, in closure order.
    fn entries<'a>(
        fits: &'a ClosureFits,
        graph: &'a DependencyGraph,
        s: ServiceIx,
        layer: Option<Layer>,
    ) -> impl Iterator<Item = (ComponentIx, Evidence)> + 'a {
        let closure = graph.component_closure(s);
        closure
            .iter()
            .zip(fits.of(graph, s, layer))
            .map(move |(r, compat)| {
                let entry = Evidence {
                    service: s,
                    bucket: score::bucket(r.confidence),
                    direct: r.direct,
                    compat,
                };
                (r.ix, entry)
            })
    }

    fn rebuild(&mut self, graph: &DependencyGraph) {
        for list in &mut self.lists {
            list.clear();
        }
        for (s, listed) in self.listed.iter().enumerate() {
            let Some(layer) = *listed else { continue };
            for (c, entry) in Self::entries(&self.fits, graph, s as ServiceIx, layer) {
                self.lists[c as usize].push(entry);
            }
        }
    }

    fn update(&mut self, graph: &DependencyGraph) {
        if !self.changed.is_sorted_by(|a, b| a.0 < b.0) {
            // Heard of twice: the first time says whether it was listed before.
            self.changed.sort_by_key(|c| c.0);
            self.changed.dedup_by_key(|c| c.0);
        }
        // A listed service's new entries come (each replaces its old one, if any); a service
        // no longer listed has its old entries go.
        for &(s, was_listed) in &self.changed {
            match self.listed[s as usize] {
                Some(layer) => {
                    let entries = Self::entries(&self.fits, graph, s, layer);
                    self.changes
                        .extend(entries.map(|(c, entry)| (c, s, Some(entry))));
                }
                None if was_listed => {
                    let closure = graph.component_closure(s);
                    self.changes.extend(closure.iter().map(|r| (r.ix, s, None)));
                }
                None => {}
            }
        }
        // Group by component, each group keeping service order (a counting sort).
        for &(c, _, _) in &self.changes {
            let n = &mut self.count[c as usize];
            if *n == 0 {
                self.components.push(c);
            }
            *n += 1;
        }
        let mut end = 0;
        for &c in &self.components {
            let n = &mut self.count[c as usize];
            end += *n;
            // From here on, where the next change of `c` goes (counting down).
            *n = end;
        }
        self.grouped.clear();
        self.grouped.resize(self.changes.len(), (0, 0, None));
        for &change in self.changes.iter().rev() {
            let at = &mut self.count[change.0 as usize];
            *at -= 1;
            self.grouped[*at as usize] = change;
        }
        let mut at = 0;
        for &c in &self.components {
            self.count[c as usize] = 0;
            let end = at + self.grouped[at..].partition_point(|x| x.0 == c);
            let list = &mut self.lists[c as usize];
            self.merged.clear();
            let mut old = list.iter().copied().peekable();
            for &(_, s, entry) in &self.grouped[at..end] {
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
        self.components.clear();
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
    use crate::model::{Dependency, ServiceSpec, Topology};
    use proptest::prelude::*;

    fn graph() -> DependencyGraph {
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
            components: super::super::tests::provider_components(),
            services,
        };
        DependencyGraph::from_topology(&topology).expect("valid topology")
    }

    /// The lists a rebuild from scratch gives for these services' states.
    fn rebuilt(graph: &DependencyGraph, states: &[Option<Option<Layer>>]) -> EvidenceLists {
        let mut lists = EvidenceLists::new(graph);
        for (s, &state) in states.iter().enumerate() {
            lists.set(s as ServiceIx, state);
        }
        lists.apply_by(graph, true);
        lists
    }

    fn state() -> impl Strategy<Value = Option<Option<Layer>>> {
        prop_oneof![
            Just(None),
            Just(Some(None)),
            (0..Layer::ALL.len()).prop_map(|i| Some(Some(Layer::ALL[i]))),
        ]
    }

    proptest! {
        /// Whatever sequence of ticks led here, and whether each was applied as an update or a
        /// rebuild, the lists are what a rebuild gives: sorted by service, one entry per
        /// impaired dependent, fits for its current symptom. Some ticks say how services are
        /// in reverse order (the engine never does) or say it twice.
        #[test]
        fn updated_lists_equal_a_rebuild(ticks in prop::collection::vec(
            (prop::collection::vec(state(), 24), any::<bool>(), any::<bool>()), 1..8)) {
            let graph = graph();
            let mut lists = EvidenceLists::new(&graph);
            for (states, reversed, rebuild) in &ticks {
                let mut order: Vec<usize> = (0..states.len()).collect();
                if *reversed {
                    order.reverse();
                    // Another state first, then the real one: heard of twice.
                    lists.set(order[0] as ServiceIx, Some(Some(Layer::Tls)));
                    lists.set(order[1] as ServiceIx, None);
                }
                for s in order {
                    lists.set(s as ServiceIx, states[s]);
                }
                lists.apply_by(&graph, *rebuild);
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
        lists.set(0, Some(Some(Layer::Dns)));
        lists.apply(&graph);
        assert_eq!(lists.list(fastly)[0].compat, Compat::Unusual);
        lists.set(0, Some(Some(Layer::Tls)));
        lists.apply(&graph);
        assert_eq!(lists.list(fastly).len(), 1);
        assert_eq!(lists.list(fastly)[0].compat, Compat::Fits);
        lists.set(0, Some(Some(Layer::Passing)));
        lists.apply(&graph);
        assert_eq!(lists.list(fastly)[0].compat, Compat::Implausible);
        lists.set(0, None);
        lists.apply(&graph);
        assert!(lists.list(fastly).is_empty());
    }
}

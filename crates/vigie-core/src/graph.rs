//! The dependency graph: which services rely on which components, directly or through other
//! services, and with what confidence.
//!
//! This module owns the pure graph (issue 4, item 4): it is built once from a [`Topology`]
//! (plus any discovered edges) and then answers, without allocation on the hot paths:
//!
//! - the **dependencies of a service**: its direct edges, and the transitive closure over
//!   components (every component it relies on, through any chain of services);
//! - the **blast radius of a component**: every service that relies on it, marked direct
//!   (no other service on the way) or transitive.
//!
//! Rules:
//! - **Hierarchy.** A component's parent is its id up to the last `/`. Depending on
//!   `aws/us-east-1/dynamodb` implies depending on `aws/us-east-1` and `aws`, with the same
//!   confidence. Ancestors that the topology does not list are added as implicit components
//!   (kind `other`), and so is any dependency target that names neither a service nor a listed
//!   component.
//! - **Path confidence.** The confidence of a path is the product of its edges' confidences;
//!   the confidence of a transitive dependency is the maximum over all paths.
//! - **Cycles** between services are allowed (they happen in discovered data): the closure is
//!   computed per strongly connected component, exactly.
//!
//! Cost: building is linear in the size of the closure for acyclic service graphs (memoised
//! over a reverse topological order) and quadratic only inside cycles. For 100,000 services
//! and 10,000 components with a handful of edges each it takes well under a second.

use std::collections::{BinaryHeap, HashMap};

use crate::model::{component_parent, ComponentKind, Dependency, Topology};

/// Index of a service in topology order.
pub type ServiceIx = u32;
/// Index of a component (listed components first, in topology order, then implicit ones).
pub type ComponentIx = u32;

/// A component as the graph knows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentNode {
    pub id: String,
    pub kind: ComponentKind,
    /// `false` when the topology did not list it (an ancestor or an unknown target).
    pub listed: bool,
    pub parent: Option<ComponentIx>,
    /// Distance from the root of its hierarchy: `aws` 0, `aws/us-east-1` 1.
    pub depth: u32,
}

/// What a direct edge of a service points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Component(ComponentIx),
    Service(ServiceIx),
}

/// One direct edge of a service.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Edge {
    pub target: Target,
    pub confidence: f64,
}

/// One entry of a service's transitive closure, or of a component's blast radius.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reach {
    /// The component (in a service's closure) or the service (in a blast radius).
    pub ix: u32,
    /// Best path confidence: product along the path, maximum over paths.
    pub confidence: f64,
    /// The best path is direct: no other service on the way (hierarchy steps do not count).
    pub direct: bool,
}

/// The dependency graph. Immutable once built; rebuild it when the topology changes.
#[derive(Clone, Debug)]
pub struct DependencyGraph {
    service_ids: Vec<String>,
    service_index: HashMap<String, ServiceIx>,
    components: Vec<ComponentNode>,
    component_index: HashMap<String, ComponentIx>,
    children: Vec<Vec<ComponentIx>>,
    /// Direct edges per service, CSR layout.
    edge_start: Vec<u32>,
    edges: Vec<Edge>,
    /// Transitive closure over components per service (ancestors included), CSR layout,
    /// sorted by component index.
    closure_start: Vec<u32>,
    closure: Vec<Reach>,
    /// Blast radius per component (services that rely on it), CSR layout, sorted by service.
    dependents_start: Vec<u32>,
    dependents: Vec<Reach>,
    /// Services that depend directly on each service (reverse service edges), CSR layout.
    rdeps_start: Vec<u32>,
    rdeps: Vec<(ServiceIx, f64)>,
}

/// A dependency confidence outside (0, 1].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GraphError {
    #[error("service {service:?}: dependency on {target:?} has confidence {confidence}, expected a number in (0, 1]")]
    BadConfidence {
        service: String,
        target: String,
        confidence: f64,
    },
    #[error("extra edge names unknown service {0:?}")]
    UnknownService(String),
    #[error("service {0:?} is listed twice")]
    DuplicateService(String),
    #[error("{0:?} is both a service and a component")]
    ServiceComponentClash(String),
}

impl DependencyGraph {
    /// Builds the graph from a topology alone.
    pub fn from_topology(topology: &Topology) -> Result<Self, GraphError> {
        Self::build(topology, &[])
    }

    /// Builds the graph from a topology plus extra edges `(service id, dependency)`, e.g.
    /// discovered ones. When the same edge appears twice the larger confidence wins.
    pub fn build(topology: &Topology, extra: &[(String, Dependency)]) -> Result<Self, GraphError> {
        let mut service_index = HashMap::with_capacity(topology.services.len());
        let mut service_ids = Vec::with_capacity(topology.services.len());
        for (i, s) in topology.services.iter().enumerate() {
            if service_index.insert(s.id.clone(), i as ServiceIx).is_some() {
                return Err(GraphError::DuplicateService(s.id.clone()));
            }
            service_ids.push(s.id.clone());
        }
        let mut g = DependencyGraph {
            service_ids,
            service_index,
            components: Vec::with_capacity(topology.components.len()),
            component_index: HashMap::with_capacity(topology.components.len()),
            children: Vec::new(),
            edge_start: Vec::new(),
            edges: Vec::new(),
            closure_start: Vec::new(),
            closure: Vec::new(),
            dependents_start: Vec::new(),
            dependents: Vec::new(),
            rdeps_start: Vec::new(),
            rdeps: Vec::new(),
        };
        for c in &topology.components {
            if g.service_index.contains_key(&c.id) {
                return Err(GraphError::ServiceComponentClash(c.id.clone()));
            }
            let ix = g.intern_component(&c.id);
            let node = &mut g.components[ix as usize];
            node.kind = c.kind;
            node.listed = true;
        }

        // Direct edges, deduplicated (max confidence), with implicit components interned.
        let n = g.service_ids.len();
        let mut per_service: Vec<Vec<Edge>> = vec![Vec::new(); n];
        let mut add =
            |g: &mut DependencyGraph, s: usize, d: &Dependency| -> Result<(), GraphError> {
                if !(d.confidence > 0.0 && d.confidence <= 1.0) {
                    return Err(GraphError::BadConfidence {
                        service: g.service_ids[s].clone(),
                        target: d.target.clone(),
                        confidence: d.confidence,
                    });
                }
                let target = match g.service_index.get(&d.target) {
                    Some(&t) => Target::Service(t),
                    None => Target::Component(g.intern_component(&d.target)),
                };
                if target == Target::Service(s as ServiceIx) {
                    return Ok(()); // a self-edge says nothing
                }
                let list = &mut per_service[s];
                match list.iter_mut().find(|e| e.target == target) {
                    Some(e) => e.confidence = e.confidence.max(d.confidence),
                    None => list.push(Edge {
                        target,
                        confidence: d.confidence,
                    }),
                }
                Ok(())
            };
        for (s, spec) in topology.services.iter().enumerate() {
            for d in &spec.depends_on {
                add(&mut g, s, d)?;
            }
        }
        for (sid, d) in extra {
            let s = *g
                .service_index
                .get(sid)
                .ok_or_else(|| GraphError::UnknownService(sid.clone()))?;
            add(&mut g, s as usize, d)?;
        }
        g.edge_start.reserve(n + 1);
        g.edge_start.push(0);
        for list in &per_service {
            g.edges.extend_from_slice(list);
            g.edge_start.push(g.edges.len() as u32);
        }

        g.children = vec![Vec::new(); g.components.len()];
        for (i, c) in g.components.iter().enumerate() {
            if let Some(p) = c.parent {
                g.children[p as usize].push(i as ComponentIx);
            }
        }

        g.compute_closure();
        g.compute_dependents();
        g.compute_reverse_service_edges();
        Ok(g)
    }

    fn intern_component(&mut self, id: &str) -> ComponentIx {
        if let Some(&ix) = self.component_index.get(id) {
            return ix;
        }
        let parent = component_parent(id).map(|p| self.intern_component(p));
        let depth = parent.map_or(0, |p| self.components[p as usize].depth + 1);
        let ix = self.components.len() as ComponentIx;
        self.components.push(ComponentNode {
            id: id.to_string(),
            kind: ComponentKind::Other,
            listed: false,
            parent,
            depth,
        });
        self.component_index.insert(id.to_string(), ix);
        ix
    }

    /// Closure over components, memoised over strongly connected components of the service
    /// graph in reverse topological order (Tarjan emits sinks first).
    fn compute_closure(&mut self) {
        let n = self.service_ids.len();
        let sccs = self.service_sccs();
        let mut scc_of = vec![u32::MAX; n];
        for (k, members) in sccs.iter().enumerate() {
            for &m in members {
                scc_of[m as usize] = k as u32;
            }
        }
        let mut closures: Vec<Vec<Reach>> = vec![Vec::new(); n];
        // Scratch map component → best reach, reset after each service.
        let mut best: Vec<Option<Reach>> = vec![None; self.components.len()];
        let mut touched: Vec<ComponentIx> = Vec::new();

        let offer = |best: &mut Vec<Option<Reach>>,
                     touched: &mut Vec<ComponentIx>,
                     comps: &[ComponentNode],
                     c: ComponentIx,
                     conf: f64,
                     direct: bool| {
            // The component and all its ancestors, same confidence.
            let mut cur = Some(c);
            while let Some(ci) = cur {
                let slot = &mut best[ci as usize];
                let better = match slot {
                    None => true,
                    Some(r) => conf > r.confidence || (conf == r.confidence && direct && !r.direct),
                };
                if better {
                    if slot.is_none() {
                        touched.push(ci);
                    }
                    *slot = Some(Reach {
                        ix: ci,
                        confidence: conf,
                        direct,
                    });
                }
                cur = comps[ci as usize].parent;
            }
        };

        for (k, members) in sccs.iter().enumerate() {
            // Within a non-trivial SCC, best path confidences between members (Dijkstra on
            // max-product, which is monotone because confidences are at most 1).
            let inner: Vec<Vec<(ServiceIx, f64)>> = if members.len() > 1 {
                members
                    .iter()
                    .map(|&m| self.best_paths_within(m, k as u32, &scc_of))
                    .collect()
            } else {
                vec![vec![(members[0], 1.0)]]
            };
            for (mi, &s) in members.iter().enumerate() {
                for &(m, through) in &inner[mi] {
                    for e in self.direct_edges(m) {
                        let conf = through * e.confidence;
                        match e.target {
                            Target::Component(c) => {
                                offer(&mut best, &mut touched, &self.components, c, conf, m == s)
                            }
                            Target::Service(d) if scc_of[d as usize] != k as u32 => {
                                for r in &closures[d as usize] {
                                    offer(
                                        &mut best,
                                        &mut touched,
                                        &self.components,
                                        r.ix,
                                        conf * r.confidence,
                                        false,
                                    );
                                }
                            }
                            Target::Service(_) => {} // inside the SCC: covered by `inner`
                        }
                    }
                }
                touched.sort_unstable();
                let mut list = Vec::with_capacity(touched.len());
                for &c in &touched {
                    if let Some(r) = best[c as usize].take() {
                        list.push(r);
                    }
                }
                touched.clear();
                closures[s as usize] = list;
            }
        }
        self.closure_start.reserve(n + 1);
        self.closure_start.push(0);
        for list in closures {
            self.closure.extend_from_slice(&list);
            self.closure_start.push(self.closure.len() as u32);
        }
    }

    /// Max-product path confidences from `from` to every member of its SCC `k`.
    fn best_paths_within(&self, from: ServiceIx, k: u32, scc_of: &[u32]) -> Vec<(ServiceIx, f64)> {
        #[derive(PartialEq)]
        struct Item(f64, ServiceIx);
        impl Eq for Item {}
        impl PartialOrd for Item {
            fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(o))
            }
        }
        impl Ord for Item {
            fn cmp(&self, o: &Self) -> std::cmp::Ordering {
                self.0.total_cmp(&o.0).then(o.1.cmp(&self.1))
            }
        }
        let mut done: HashMap<ServiceIx, f64> = HashMap::new();
        let mut heap = BinaryHeap::new();
        heap.push(Item(1.0, from));
        while let Some(Item(conf, s)) = heap.pop() {
            if done.contains_key(&s) {
                continue;
            }
            done.insert(s, conf);
            for e in self.direct_edges(s) {
                if let Target::Service(d) = e.target {
                    if scc_of[d as usize] == k && !done.contains_key(&d) {
                        heap.push(Item(conf * e.confidence, d));
                    }
                }
            }
        }
        let mut v: Vec<_> = done.into_iter().collect();
        v.sort_unstable_by_key(|&(s, _)| s);
        v
    }

    /// Tarjan's algorithm, iterative; SCCs come out sinks first.
    fn service_sccs(&self) -> Vec<Vec<ServiceIx>> {
        let n = self.service_ids.len();
        let mut index = vec![u32::MAX; n];
        let mut low = vec![0u32; n];
        let mut on_stack = vec![false; n];
        let mut stack: Vec<ServiceIx> = Vec::new();
        let mut sccs = Vec::new();
        let mut next = 0u32;
        let mut call: Vec<(ServiceIx, u32)> = Vec::new();
        for root in 0..n as ServiceIx {
            if index[root as usize] != u32::MAX {
                continue;
            }
            call.push((root, self.edge_start[root as usize]));
            index[root as usize] = next;
            low[root as usize] = next;
            next += 1;
            stack.push(root);
            on_stack[root as usize] = true;
            while let Some(&(v, pos)) = call.last() {
                let end = self.edge_start[v as usize + 1];
                if pos < end {
                    let e = self.edges[pos as usize];
                    if let Some(top) = call.last_mut() {
                        top.1 += 1;
                    }
                    if let Target::Service(w) = e.target {
                        if index[w as usize] == u32::MAX {
                            index[w as usize] = next;
                            low[w as usize] = next;
                            next += 1;
                            stack.push(w);
                            on_stack[w as usize] = true;
                            call.push((w, self.edge_start[w as usize]));
                        } else if on_stack[w as usize] {
                            low[v as usize] = low[v as usize].min(index[w as usize]);
                        }
                    }
                    continue;
                }
                call.pop();
                if let Some(&(parent, _)) = call.last() {
                    low[parent as usize] = low[parent as usize].min(low[v as usize]);
                }
                if low[v as usize] == index[v as usize] {
                    let mut members = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w as usize] = false;
                        members.push(w);
                        if w == v {
                            break;
                        }
                    }
                    members.sort_unstable();
                    sccs.push(members);
                }
            }
        }
        sccs
    }

    fn compute_dependents(&mut self) {
        let m = self.components.len();
        let mut counts = vec![0u32; m + 1];
        for r in &self.closure {
            counts[r.ix as usize + 1] += 1;
        }
        for i in 0..m {
            counts[i + 1] += counts[i];
        }
        self.dependents_start = counts.clone();
        self.dependents = vec![
            Reach {
                ix: 0,
                confidence: 0.0,
                direct: false
            };
            self.closure.len()
        ];
        let mut fill = counts;
        for s in 0..self.service_ids.len() {
            let (a, b) = (self.closure_start[s], self.closure_start[s + 1]);
            for r in &self.closure[a as usize..b as usize] {
                let slot = &mut fill[r.ix as usize];
                self.dependents[*slot as usize] = Reach {
                    ix: s as u32,
                    confidence: r.confidence,
                    direct: r.direct,
                };
                *slot += 1;
            }
        }
    }

    fn compute_reverse_service_edges(&mut self) {
        let n = self.service_ids.len();
        let mut lists: Vec<Vec<(ServiceIx, f64)>> = vec![Vec::new(); n];
        for s in 0..n {
            for e in self.direct_edges(s as ServiceIx) {
                if let Target::Service(d) = e.target {
                    lists[d as usize].push((s as ServiceIx, e.confidence));
                }
            }
        }
        self.rdeps_start.push(0);
        for l in lists {
            self.rdeps.extend(l);
            self.rdeps_start.push(self.rdeps.len() as u32);
        }
    }

    // ---- queries -------------------------------------------------------------------------

    pub fn service_count(&self) -> usize {
        self.service_ids.len()
    }

    pub fn component_count(&self) -> usize {
        self.components.len()
    }

    pub fn service_id(&self, s: ServiceIx) -> &str {
        &self.service_ids[s as usize]
    }

    pub fn service_ix(&self, id: &str) -> Option<ServiceIx> {
        self.service_index.get(id).copied()
    }

    pub fn component(&self, c: ComponentIx) -> &ComponentNode {
        &self.components[c as usize]
    }

    pub fn components(&self) -> &[ComponentNode] {
        &self.components
    }

    pub fn component_ix(&self, id: &str) -> Option<ComponentIx> {
        self.component_index.get(id).copied()
    }

    /// Direct children in the component hierarchy.
    pub fn children(&self, c: ComponentIx) -> &[ComponentIx] {
        &self.children[c as usize]
    }

    /// `c`, then its parent, up to the root of its hierarchy.
    pub fn lineage(&self, c: ComponentIx) -> impl Iterator<Item = ComponentIx> + '_ {
        std::iter::successors(Some(c), move |&x| self.components[x as usize].parent)
    }

    /// `c` is `a` or one of its descendants.
    pub fn is_within(&self, c: ComponentIx, a: ComponentIx) -> bool {
        self.lineage(c).any(|x| x == a)
    }

    /// The service's edges as declared or discovered (deduplicated).
    pub fn direct_edges(&self, s: ServiceIx) -> &[Edge] {
        let (a, b) = (self.edge_start[s as usize], self.edge_start[s as usize + 1]);
        &self.edges[a as usize..b as usize]
    }

    /// Every component the service relies on, directly or through other services, with its
    /// ancestors; sorted by component index.
    pub fn component_closure(&self, s: ServiceIx) -> &[Reach] {
        let (a, b) = (
            self.closure_start[s as usize],
            self.closure_start[s as usize + 1],
        );
        &self.closure[a as usize..b as usize]
    }

    /// Where service `s`'s [`DependencyGraph::component_closure`] begins among all services'
    /// closures laid end to end (service order), so that data kept per closure entry can sit
    /// in one array beside the graph's.
    pub fn closure_offset(&self, s: ServiceIx) -> usize {
        self.closure_start[s as usize] as usize
    }

    /// How many closure entries all services have together.
    pub fn closure_entries(&self) -> usize {
        self.closure.len()
    }

    /// Does service `s` rely on component `c` (directly, through another service, or on one of
    /// its descendants)?
    pub fn relies_on(&self, s: ServiceIx, c: ComponentIx) -> bool {
        self.component_closure(s)
            .binary_search_by_key(&c, |r| r.ix)
            .is_ok()
    }

    /// The blast radius: every service relying on the component (or on one of its
    /// descendants), sorted by service index.
    pub fn dependents(&self, c: ComponentIx) -> &[Reach] {
        let (a, b) = (
            self.dependents_start[c as usize],
            self.dependents_start[c as usize + 1],
        );
        &self.dependents[a as usize..b as usize]
    }

    /// Services with a direct edge to `s`, with the edge's confidence.
    pub fn service_dependents(&self, s: ServiceIx) -> &[(ServiceIx, f64)] {
        let (a, b) = (
            self.rdeps_start[s as usize],
            self.rdeps_start[s as usize + 1],
        );
        &self.rdeps[a as usize..b as usize]
    }

    /// Services that `s` relies on, directly or not, with best path confidence (`s` excluded).
    pub fn service_closure(&self, s: ServiceIx) -> Vec<Reach> {
        self.reach_services(s, |g, v| {
            g.direct_edges(v)
                .iter()
                .filter_map(|e| match e.target {
                    Target::Service(d) => Some((d, e.confidence)),
                    Target::Component(_) => None,
                })
                .collect()
        })
    }

    /// Services that rely on `s`, directly or not, with best path confidence (`s` excluded).
    pub fn service_blast_radius(&self, s: ServiceIx) -> Vec<Reach> {
        self.reach_services(s, |g, v| g.service_dependents(v).to_vec())
    }

    fn reach_services(
        &self,
        s: ServiceIx,
        next: impl Fn(&Self, ServiceIx) -> Vec<(ServiceIx, f64)>,
    ) -> Vec<Reach> {
        let mut best: HashMap<ServiceIx, (f64, bool)> = HashMap::new();
        let mut heap: BinaryHeap<(OrdF64, bool, ServiceIx)> = BinaryHeap::new();
        for (d, c) in next(self, s) {
            heap.push((OrdF64(c), true, d));
        }
        while let Some((OrdF64(conf), direct, v)) = heap.pop() {
            if v == s || best.contains_key(&v) {
                continue;
            }
            best.insert(v, (conf, direct));
            for (d, c) in next(self, v) {
                if !best.contains_key(&d) {
                    heap.push((OrdF64(conf * c), false, d));
                }
            }
        }
        let mut out: Vec<Reach> = best
            .into_iter()
            .map(|(ix, (confidence, direct))| Reach {
                ix,
                confidence,
                direct,
            })
            .collect();
        out.sort_unstable_by_key(|r| r.ix);
        out
    }

    /// The blast radius of a component by id, as ids, most confident first.
    pub fn blast_radius(&self, component: &str) -> Option<BlastRadius> {
        let c = self.component_ix(component)?;
        let mut direct = Vec::new();
        let mut transitive = Vec::new();
        for r in self.dependents(c) {
            let entry = (self.service_ids[r.ix as usize].clone(), r.confidence);
            if r.direct {
                direct.push(entry);
            } else {
                transitive.push(entry);
            }
        }
        let by_conf =
            |a: &(String, f64), b: &(String, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        direct.sort_by(by_conf);
        transitive.sort_by(by_conf);
        Some(BlastRadius { direct, transitive })
    }

    /// The dependencies of a service by id: components (with ancestors) and services,
    /// each marked direct or transitive, most confident first.
    pub fn dependencies(&self, service: &str) -> Option<ServiceDependencies> {
        let s = self.service_ix(service)?;
        let mut components: Vec<(String, f64, bool)> = self
            .component_closure(s)
            .iter()
            .map(|r| {
                (
                    self.components[r.ix as usize].id.clone(),
                    r.confidence,
                    r.direct,
                )
            })
            .collect();
        components.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut services: Vec<(String, f64, bool)> = self
            .service_closure(s)
            .iter()
            .map(|r| {
                (
                    self.service_ids[r.ix as usize].clone(),
                    r.confidence,
                    r.direct,
                )
            })
            .collect();
        services.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Some(ServiceDependencies {
            components,
            services,
        })
    }
}

/// Who is hit when a component fails: `(service id, confidence)`.
#[derive(Clone, Debug, PartialEq)]
pub struct BlastRadius {
    /// Services with an edge to the component or one of its descendants.
    pub direct: Vec<(String, f64)>,
    /// Services that reach it only through another service.
    pub transitive: Vec<(String, f64)>,
}

/// What a service relies on: `(id, confidence, direct)`.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceDependencies {
    pub components: Vec<(String, f64, bool)>,
    pub services: Vec<(String, f64, bool)>,
}

#[derive(PartialEq, Clone, Copy)]
struct OrdF64(f64);
impl Eq for OrdF64 {}
impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for OrdF64 {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ComponentSpec, ServiceSpec};

    fn dep(t: &str, c: f64) -> Dependency {
        Dependency {
            target: t.into(),
            confidence: c,
            origin: Default::default(),
        }
    }

    fn svc(id: &str, deps: Vec<Dependency>) -> ServiceSpec {
        ServiceSpec {
            id: id.into(),
            name: id.into(),
            depends_on: deps,
        }
    }

    fn topo() -> Topology {
        Topology {
            components: vec![
                ComponentSpec {
                    id: "fastly".into(),
                    kind: ComponentKind::Cdn,
                    name: None,
                },
                ComponentSpec {
                    id: "aws/us-east-1/dynamodb".into(),
                    kind: ComponentKind::ManagedService,
                    name: None,
                },
            ],
            services: vec![
                svc(
                    "reddit",
                    vec![dep("fastly", 1.0), dep("aws/us-east-1", 1.0)],
                ),
                svc("shop", vec![dep("aws/us-east-1/dynamodb", 0.5)]),
                svc("checkout", vec![dep("shop", 0.8), dep("reddit", 0.5)]),
                svc("lonely", vec![]),
            ],
        }
    }

    fn conf_of(list: &[(String, f64)], id: &str) -> Option<f64> {
        list.iter().find(|(s, _)| s == id).map(|(_, c)| *c)
    }

    #[test]
    fn hierarchy_adds_implicit_ancestors() {
        let g = DependencyGraph::from_topology(&topo()).unwrap();
        let aws = g.component_ix("aws").unwrap();
        assert!(!g.component(aws).listed);
        let dyn_ = g.component_ix("aws/us-east-1/dynamodb").unwrap();
        assert_eq!(g.component(dyn_).depth, 2);
        assert!(g.is_within(dyn_, aws));
        assert!(!g.is_within(aws, dyn_));
        let br = g.blast_radius("aws").unwrap();
        assert_eq!(conf_of(&br.direct, "reddit"), Some(1.0));
        assert_eq!(conf_of(&br.direct, "shop"), Some(0.5));
        // checkout: via shop 0.8*0.5 = 0.4, via reddit 0.5*1.0 = 0.5 → 0.5.
        assert_eq!(conf_of(&br.transitive, "checkout"), Some(0.5));
        let br = g.blast_radius("aws/us-east-1/dynamodb").unwrap();
        assert_eq!(br.direct.len(), 1);
        assert!((conf_of(&br.transitive, "checkout").unwrap() - 0.4).abs() < 1e-12);
        assert!(g.blast_radius("nope").is_none());
    }

    #[test]
    fn dependencies_of_a_service() {
        let g = DependencyGraph::from_topology(&topo()).unwrap();
        let d = g.dependencies("checkout").unwrap();
        let ids: Vec<&str> = d.components.iter().map(|c| c.0.as_str()).collect();
        assert!(
            ids.contains(&"fastly")
                && ids.contains(&"aws")
                && ids.contains(&"aws/us-east-1/dynamodb")
        );
        assert!(
            d.components.iter().all(|c| !c.2),
            "all through other services"
        );
        assert_eq!(d.services.len(), 2);
        assert!(d.services.iter().all(|s| s.2));
        assert!(g.dependencies("lonely").unwrap().components.is_empty());
    }

    #[test]
    fn cycles_are_handled_exactly() {
        let t = Topology {
            components: vec![],
            services: vec![
                svc("a", vec![dep("b", 0.9), dep("x", 1.0)]),
                svc("b", vec![dep("c", 0.9)]),
                svc("c", vec![dep("a", 0.9), dep("y", 0.5)]),
                svc("d", vec![dep("a", 1.0)]),
            ],
        };
        let g = DependencyGraph::from_topology(&t).unwrap();
        let y = g.component_ix("y").unwrap();
        let deps = g.dependents(y);
        let conf = |s: &str| {
            deps.iter()
                .find(|r| g.service_id(r.ix) == s)
                .map(|r| r.confidence)
        };
        assert!((conf("a").unwrap() - 0.9 * 0.9 * 0.5).abs() < 1e-12);
        assert!((conf("b").unwrap() - 0.9 * 0.5).abs() < 1e-12);
        assert_eq!(conf("c"), Some(0.5));
        assert!((conf("d").unwrap() - 0.81 * 0.5).abs() < 1e-12);
        let x = g.component_ix("x").unwrap();
        assert!(
            (g.dependents(x)
                .iter()
                .find(|r| g.service_id(r.ix) == "b")
                .unwrap()
                .confidence
                - 0.81)
                .abs()
                < 1e-12
        );
        let sb = g.service_blast_radius(g.service_ix("a").unwrap());
        assert_eq!(sb.len(), 3); // b, c, d
    }

    #[test]
    fn rejects_bad_confidence_and_duplicates() {
        let mut t = topo();
        t.services[0].depends_on[0].confidence = 1.5;
        assert!(matches!(
            DependencyGraph::from_topology(&t),
            Err(GraphError::BadConfidence { .. })
        ));
        let mut t = topo();
        t.services.push(svc("reddit", vec![]));
        assert!(matches!(
            DependencyGraph::from_topology(&t),
            Err(GraphError::DuplicateService(_))
        ));
    }

    #[test]
    fn extra_edges_merge_with_max_confidence() {
        let extra = vec![
            ("lonely".to_string(), dep("fastly", 0.3)),
            ("reddit".to_string(), dep("fastly", 0.2)),
        ];
        let g = DependencyGraph::build(&topo(), &extra).unwrap();
        let br = g.blast_radius("fastly").unwrap();
        assert_eq!(conf_of(&br.direct, "lonely"), Some(0.3));
        assert_eq!(conf_of(&br.direct, "reddit"), Some(1.0));
        let bad = vec![("ghost".to_string(), dep("fastly", 1.0))];
        assert!(DependencyGraph::build(&topo(), &bad).is_err());
    }
}

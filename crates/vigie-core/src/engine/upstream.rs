//! Upstream suspicion: which services depend on a component that attribution currently
//! blames (an open component incident), so the probe layer may lower its corroboration bar
//! for them by one step (docs/detection.md 4.1, "A failing dependency corroborates").
//!
//! Attribution runs after the service states of a tick, so the states of the next tick see
//! the incidents of this one: a one-tick delay, and no loop within a tick.

use crate::attribute::Attributor;
use crate::graph::ComponentIx;

/// Edges weaker than this do not make a service suspect: an uncertain edge is a guess, and
/// the lowered bar must not reach services that probably do not use the component.
pub const MIN_SUSPECT_CONFIDENCE: f64 = 0.5;

/// For every service (topology order), the blamed component it depends on, if any.
#[derive(Clone, Debug, Default)]
pub struct Upstream {
    /// Components of the open component incidents, sorted.
    blamed: Vec<ComponentIx>,
    of_service: Vec<Option<ComponentIx>>,
}

impl Upstream {
    pub fn new(services: usize) -> Self {
        Upstream {
            blamed: Vec::new(),
            of_service: vec![None; services],
        }
    }

    /// A blamed component (the first by index), if any is blamed.
    pub fn any_blamed(&self) -> Option<ComponentIx> {
        self.blamed.first().copied()
    }

    /// The blamed component `service` depends on.
    pub fn of(&self, service: usize) -> Option<ComponentIx> {
        self.of_service.get(service).copied().flatten()
    }

    /// Brings the suspicion up to date with the attributor's open incidents; calls `changed`
    /// with every service whose suspicion changed. Costs nothing while the set of open
    /// incidents stays the same.
    pub fn refresh(&mut self, attributor: &Attributor, mut changed: impl FnMut(usize)) {
        let mut blamed: Vec<ComponentIx> = attributor.open_components().collect();
        blamed.sort_unstable();
        blamed.dedup();
        if blamed == self.blamed {
            return;
        }
        let graph = attributor.graph();
        let mut next = vec![None; self.of_service.len()];
        for &c in &blamed {
            for r in graph.dependents(c) {
                let slot = next.get_mut(r.ix as usize);
                if let Some(slot @ None) = slot {
                    if r.confidence >= MIN_SUSPECT_CONFIDENCE {
                        *slot = Some(c);
                    }
                }
            }
        }
        for (ix, (old, new)) in self.of_service.iter().zip(&next).enumerate() {
            if old.is_some() != new.is_some() {
                changed(ix);
            }
        }
        self.of_service = next;
        self.blamed = blamed;
    }
}

//! Component incidents: turning each tick's causes into incidents that open, change and
//! resolve with hysteresis, and linking service incidents to the component incident that
//! explains them.
//!
//! - **Open** when a component cause reaches `open_confidence` with at least `min_services`
//!   independent explained services.
//! - **Match** each tick: a cause naming an open incident's component supports it; otherwise a
//!   cause whose explained services overlap an unmatched open incident by at least half (of the
//!   smaller set) takes it over — the engine changed its mind about the component — unless
//!   that incident is winding down (most of its services recovered), or the cause's component
//!   is unrelated to the incident's and would leave one of its impaired services unexplained
//!   (an orphan): then the cause opens a new incident if it explains at least `min_services`
//!   services beyond the incident's, and otherwise nothing until the incident resolves.
//! - **Judged impairments**: services still impaired since before a component's incident
//!   resolved do not name that component again (at least `min_services` others must).
//! - **One incident per component**: a further cause naming a component that already has an
//!   open incident this tick (a second cluster of its dependents) adds its services to it.
//! - **Update** (`incident_updated`) when the component changes, the confidence moves by at
//!   least `confidence_step` since last reported, or new services join (the list only grows).
//! - **A thin claim waits**: a new incident resting on no more than `min_services` services, at
//!   least one of them seen by reports alone or turned impaired apart from the others, one of
//!   them relying on a larger unrelated component, opens only once the same component has
//!   been the tick's fresh cause for `thin_hold_ms` without a break (more services open it at
//!   once), when its services all
//!   share that larger component or another component incident is open (a storm). With no
//!   larger component behind its services, no larger failure can show itself in the
//!   meantime: it opens at once; outside a storm, with only one service behind a larger
//!   component, it waits as a shadowed claim does (below), unless that service's errors fit
//!   the larger component's failure better than the claimed one's (then the thin hold).
//! - **A sympathy surge names nothing**: during a storm, such a claim whose services began
//!   apart, one of them merely degraded by its reports, opens nothing until that surge turns
//!   overwhelming or a further service joins.
//! - **A claim failing unlike its component waits** the thin hold when at least
//!   `min_services` of its services show probe errors, none fits a failure of its component,
//!   and one fits a larger unrelated component behind its service better.
//! - **A shadowed claim waits**: a new incident on no more than `min_services` services that
//!   all also rely on a larger unrelated component, or a thin claim with one of them behind
//!   one, or a larger claim whose services all rely on one while as many of its other
//!   dependents fail beside them, or a claim split between larger components each failing
//!   beside it, or a claim on no more than `min_services` independent services with any one
//!   behind a larger component failing beside it, opens only once the last of them has been
//!   impaired for `shadow_hold_ms` (they may be those components' first failing dependents).
//! - **Resolve** when an incident has had no supporting cause at `keep_confidence` or more for
//!   `resolve_after_ms`.

use crate::attribute::symptom::{reach_fit, Compat, Layer};
use crate::attribute::{AttributionParams, Cause, CauseKind, HealthView, Seen, ServiceHealth};
use crate::graph::{ComponentIx, DependencyGraph, ServiceIx};
use crate::model::State;
use crate::output::{IncidentId, IncidentIds, Output, Scope};
use crate::time::Timestamp;

/// One open component incident.
#[derive(Clone, Debug, PartialEq)]
pub struct OpenIncident {
    pub id: IncidentId,
    pub component: ComponentIx,
    pub opened_at: Timestamp,
    /// The confidence last reported.
    pub confidence: f64,
    /// Every service it has explained so far, sorted.
    pub services: Vec<ServiceIx>,
    pub explanation: String,
    pub last_supported: Timestamp,
}

/// An incident that resolved while some of its services were still impaired: the engine
/// judged that their impairment was no longer (or never) that component's failure.
#[derive(Clone, Debug, PartialEq)]
struct Judged {
    component: ComponentIx,
    resolved_at: Timestamp,
    /// Its services impaired at resolution, sorted; pruned as they recover.
    services: Vec<ServiceIx>,
}

impl Judged {
    /// Keeps the services impaired without a break since before the incident resolved.
    fn prune<H: HealthView>(&mut self, health: &[H]) {
        let resolved_at = self.resolved_at;
        self.services.retain(|&s| {
            health.get(s as usize).is_some_and(|h| {
                let h = h.health();
                h.impaired() && h.since.is_some_and(|t| t < resolved_at)
            })
        });
    }
}

/// A thin claim waiting to open: since when its component has been a fresh cause every tick.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Held {
    component: ComponentIx,
    since: Timestamp,
}

/// The open component incidents and the service-incident links already announced.
#[derive(Clone, Debug, Default)]
pub struct IncidentTracker {
    open: Vec<OpenIncident>,
    /// Thin claims waiting out `thin_hold_ms`; a claim missing for one tick starts again.
    held: Vec<Held>,
    /// Resolved incidents whose services are still impaired since before they resolved.
    judged: Vec<Judged>,
    /// (service incident, component incident) pairs already linked.
    links: std::collections::HashMap<IncidentId, IncidentId>,
}

impl IncidentTracker {
    pub fn open(&self) -> impl Iterator<Item = &OpenIncident> {
        self.open.iter()
    }

    /// Nothing open, held or judged: nothing an update could act on without a cause.
    pub fn is_idle(&self) -> bool {
        self.open.is_empty() && self.held.is_empty() && self.judged.is_empty()
    }

    #[allow(clippy::too_many_arguments)]
    pub fn update<H: HealthView>(
        &mut self,
        now: Timestamp,
        params: &AttributionParams,
        graph: &DependencyGraph,
        causes: &[Cause],
        health: &[H],
        ids: &mut IncidentIds,
        official: impl Fn(ComponentIx) -> Option<String>,
        observed_dependents: impl Fn(ComponentIx) -> usize,
        in_doubt_dependents: impl Fn(ComponentIx) -> usize,
    ) -> Vec<Output> {
        let mut out = Vec::new();
        // Forget judgements once their services have recovered: from here on this tick, a
        // judged service is one still listed.
        for j in &mut self.judged {
            j.prune(health);
        }
        self.judged.retain(|j| !j.services.is_empty());
        let mut matched = vec![false; self.open.len()];
        // Which open incident each supported component cause feeds this tick.
        let mut assigned: Vec<(usize, &Cause)> = Vec::new();
        let mut fresh: Vec<&Cause> = Vec::new();

        // First pass: causes naming an open incident's component support it.
        let mut pending: Vec<&Cause> = Vec::new();
        for cause in causes {
            let CauseKind::Component(c) = cause.kind else {
                continue;
            };
            if cause.confidence < params.keep_confidence {
                continue;
            }
            match (0..self.open.len()).find(|&i| !matched[i] && self.open[i].component == c) {
                Some(i) => {
                    matched[i] = true;
                    assigned.push((i, cause));
                }
                None => pending.push(cause),
            }
        }
        // A component has one open incident. A later cause naming a component that already
        // has one (a second cluster of its dependents, stale for the first) adds its services
        // to that incident instead of opening a second incident for the same failure.
        let mut joined: Vec<(usize, &Cause)> = Vec::new();
        // Second pass: a convincing cause explaining mostly the services of an incident that
        // lost its own component takes it over (the engine changed its mind); otherwise it
        // opens a new incident.
        for cause in pending {
            if cause.confidence < params.open_confidence || cause.independent < params.min_services
            {
                continue;
            }
            if let Some(&(i, _)) = assigned.iter().find(|(_, a)| a.kind == cause.kind) {
                joined.push((i, cause));
                continue;
            }
            // Services still down since before this component's last incident resolved were
            // judged then: the component recovered and something else keeps them down. A
            // claim resting on them names a failure already declared over; the component is
            // named again only with at least `min_services` services of a new impairment.
            let CauseKind::Component(c) = cause.kind else {
                continue;
            };
            let unjudged = cause
                .explained
                .iter()
                .filter(|&&s| {
                    !self
                        .judged
                        .iter()
                        .any(|j| j.component == c && j.services.binary_search(&s).is_ok())
                })
                .count();
            if unjudged < params.min_services {
                continue;
            }
            let mut best: Option<(usize, usize)> = None;
            for (i, inc) in self.open.iter().enumerate() {
                if matched[i] {
                    continue;
                }
                let overlap = cause
                    .explained
                    .iter()
                    .filter(|s| inc.services.binary_search(s).is_ok())
                    .count();
                let smaller = cause.explained.len().min(inc.services.len()).max(1);
                if overlap * 2 >= smaller && overlap > 0 && best.is_none_or(|(_, o)| overlap > o) {
                    best = Some((i, overlap));
                }
            }
            match best {
                // Most of its services have recovered: the ones left are stragglers of its
                // failure, and another cause for them is credible only once it is over (it
                // may then open its own incident). So too while one of its services is still
                // down that only its own component explains. A cause with services of its
                // own beyond them is a new failure.
                Some((i, _))
                    if winding_down(&self.open[i], health)
                        || orphans(graph, &self.open[i], cause, c, health) =>
                {
                    let inc = &self.open[i];
                    let new = cause
                        .explained
                        .iter()
                        .filter(|s| inc.services.binary_search(s).is_err())
                        .count();
                    if new >= params.min_services {
                        fresh.push(cause);
                    }
                }
                Some((i, _)) => {
                    matched[i] = true;
                    assigned.push((i, cause));
                }
                None => fresh.push(cause),
            }
        }

        for (i, cause) in assigned {
            let CauseKind::Component(c) = cause.kind else {
                continue;
            };
            let explanation = explain(graph, cause, official(c), in_doubt_dependents(c));
            let inc = &mut self.open[i];
            inc.last_supported = now;
            let mut grown = false;
            let also = joined.iter().filter(|(j, _)| *j == i);
            for &s in cause
                .explained
                .iter()
                .chain(also.flat_map(|(_, j)| &j.explained))
            {
                if let Err(pos) = inc.services.binary_search(&s) {
                    inc.services.insert(pos, s);
                    grown = true;
                }
            }
            let moved = c != inc.component;
            let conf_moved = (cause.confidence - inc.confidence).abs() >= params.confidence_step;
            if moved || conf_moved || grown {
                out.push(Output::IncidentUpdated {
                    at: now,
                    incident: inc.id,
                    component: moved.then(|| graph.component(c).id.clone()),
                    confidence: (moved || conf_moved).then_some(round3(cause.confidence)),
                    services: grown.then(|| ids_of(graph, &inc.services)),
                    parent: None,
                    explanation: Some(explanation.clone()),
                });
                inc.component = c;
                if moved || conf_moved {
                    inc.confidence = cause.confidence;
                }
                inc.explanation = explanation;
            }
        }

        // Components already blamed this tick or before: their dependents' failures are theirs.
        let blamed: Vec<ComponentIx> = causes
            .iter()
            .filter_map(|cause| match cause.kind {
                CauseKind::Component(x) => Some(x),
                CauseKind::Service(_) => None,
            })
            .chain(self.open.iter().map(|inc| inc.component))
            .collect();
        let was_held = std::mem::take(&mut self.held);
        for (k, cause) in fresh.iter().enumerate() {
            let CauseKind::Component(c) = cause.kind else {
                continue;
            };
            // Two fresh causes naming one component open one incident (the first one's).
            if fresh[..k].iter().any(|f| f.kind == cause.kind) {
                continue;
            }
            let mut services: Vec<ServiceIx> = fresh[k..]
                .iter()
                .filter(|f| f.kind == cause.kind)
                .flat_map(|f| f.explained.iter().copied())
                .collect();
            services.sort_unstable();
            services.dedup();
            let larger = larger_than(graph, c, &observed_dependents, &in_doubt_dependents);
            let claim = Claim {
                graph,
                c,
                services: &services,
                larger: &larger,
                blamed: &blamed,
                health,
            };
            let all_shadowed = claim.shadowed(params);
            let apart = fresh[k..]
                .iter()
                .any(|f| f.kind == cause.kind && f.apart > 0);
            let independent: usize = fresh[k..]
                .iter()
                .filter(|f| f.kind == cause.kind)
                .map(|f| f.independent)
                .sum();
            // During a storm, a claim on no more than `min_services` services whose services
            // began apart, one of them merely degraded by its reports alone, is what a sympathy
            // surge beside a lone failure looks like: it names nothing until that surge turns
            // overwhelming or a further service joins.
            if apart
                && !self.open.is_empty()
                && services.len() <= params.min_services
                && reported(&services, health, |h| h.state == State::Degraded)
            {
                continue;
            }
            // A thin claim waits the thin hold for a larger failure behind it to show itself
            // where one is likely: its services all share the larger component, or a storm is
            // on (another component incident open), when coincidences are several times as
            // frequent, or a service's own errors fit the larger component better than the
            // claimed one. Elsewhere it waits the shadowed claim's minute from its services'
            // onsets, as a claim they all shadow does. Any claim with errors on at least
            // `min_services` services, none fitting its component and one fitting a larger
            // one behind its service, waits the thin hold.
            let thin_overshadowed = thin(&services, apart, health, params) && claim.overshadowed();
            // A claim on no more than `min_services` independent services, one of them behind
            // a larger failure visibly unfolding: it may rest on that failure's first
            // dependent, and waits the minute from its services' onsets.
            let partly_shadowed = independent <= params.min_services
                && claim.behind_unfolding(Quantifier::Any(params.min_services));
            let pointed = || claim.points_past();
            let misfit = || claim.misfits(params) && pointed();
            if (thin_overshadowed && (all_shadowed || !self.open.is_empty() || pointed()))
                || misfit()
            {
                let since = was_held
                    .iter()
                    .find(|h| h.component == c)
                    .map_or(now, |h| h.since);
                if now.millis_since(since) < params.thin_hold_ms {
                    self.held.push(Held {
                        component: c,
                        since,
                    });
                    continue;
                }
            } else if (all_shadowed || thin_overshadowed || partly_shadowed)
                && latest_onset(&services, health)
                    .is_some_and(|t| now.millis_since(t) < params.shadow_hold_ms)
            {
                continue;
            }
            let explanation = explain(graph, cause, official(c), in_doubt_dependents(c));
            let id = ids.allocate();
            out.push(Output::IncidentOpened {
                at: now,
                incident: id,
                scope: Scope::Component,
                service: None,
                component: Some(graph.component(c).id.clone()),
                confidence: Some(round3(cause.confidence)),
                services: Some(ids_of(graph, &services)),
                parent: None,
                explanation: Some(explanation.clone()),
            });
            self.open.push(OpenIncident {
                id,
                component: c,
                opened_at: now,
                confidence: cause.confidence,
                services,
                explanation,
                last_supported: now,
            });
            matched.push(true);
        }

        // Resolve what has lost its support for long enough, and has no straggler left.
        let mut i = 0;
        while i < self.open.len() {
            let inc = &self.open[i];
            if !matched[i]
                && now.millis_since(inc.last_supported) >= params.resolve_after_ms
                && !has_straggler(graph, inc, causes, health)
            {
                out.push(Output::IncidentResolved {
                    at: now,
                    incident: inc.id,
                });
                let still: Vec<ServiceIx> = still_impaired(inc, health).collect();
                if !still.is_empty() {
                    self.judged.push(Judged {
                        component: inc.component,
                        resolved_at: now,
                        services: still,
                    });
                }
                let gone = inc.id;
                self.links.retain(|_, parent| *parent != gone);
                self.open.remove(i);
                matched.remove(i);
            } else {
                i += 1;
            }
        }

        // Link the service incidents of explained services to their component incident. A
        // link stays while its parent is open (its `services` only grow, so a service two
        // open incidents have explained would otherwise flip between them every tick).
        for inc in &self.open {
            for &s in &inc.services {
                let Some(h) = health.get(s as usize).map(HealthView::health) else {
                    continue;
                };
                let Some(service_incident) = h.incident else {
                    continue;
                };
                if !h.impaired() || self.links.contains_key(&service_incident) {
                    continue;
                }
                self.links.insert(service_incident, inc.id);
                out.push(Output::IncidentUpdated {
                    at: now,
                    incident: service_incident,
                    component: None,
                    confidence: None,
                    services: None,
                    parent: Some(inc.id),
                    explanation: None,
                });
            }
        }
        out
    }
}

/// A service of the incident still impaired without a break since the incident last had a
/// cause, which no other failure under way may explain (no other cause claims it, nor names
/// a component it relies on): the failure is not over while one of its services is still
/// down from it. An outage of hours outlasts its crowd reports — people stop reporting long
/// before it ends — so its dependents seen by reports alone drop out one by one, and with
/// fewer than `min_services` left no cause names it; the incident stays open until the last
/// of them recovers (docs/attribution.md, "Resolution").
fn has_straggler<H: HealthView>(
    graph: &DependencyGraph,
    inc: &OpenIncident,
    causes: &[Cause],
    health: &[H],
) -> bool {
    inc.services.iter().any(|&s| {
        health.get(s as usize).is_some_and(|h| {
            let h = h.health();
            h.impaired() && h.since.is_some_and(|t| t <= inc.last_supported)
        }) && !causes.iter().any(|c| match c.kind {
            CauseKind::Component(x) => {
                x != inc.component && (c.explained.contains(&s) || graph.relies_on(s, x))
            }
            CauseKind::Service(_) => c.explained.contains(&s),
        })
    })
}

/// A claim resting on no more than `min_services` services tied by nothing but the component
/// they share: at least one of them impaired by reports alone (no probe error), or one that
/// turned impaired apart from the other (`apart`, the timing term's judgment). A lone failure
/// and a sympathy surge, two lone failures, or the first dependent of a larger failure still
/// unfolding beside one of them, look like this too (docs/attribution.md, "A thin claim
/// waits").
fn thin<H: HealthView>(
    services: &[ServiceIx],
    apart: bool,
    health: &[H],
    params: &AttributionParams,
) -> bool {
    services.len() <= params.min_services && (apart || reported(services, health, |_| true))
}

/// One of `services` is impaired by reports alone (no probe error), and `also` holds for it.
fn reported<H: HealthView>(
    services: &[ServiceIx],
    health: &[H],
    also: impl Fn(&ServiceHealth) -> bool,
) -> bool {
    services.iter().any(|&s| {
        health.get(s as usize).is_some_and(|h| {
            let h = h.health();
            h.seen() == Seen::Reports && also(&h)
        })
    })
}

/// A new claim on component `c` being judged before it opens: its services (sorted), which
/// components are larger than `c`, the components already blamed and every service's health.
/// The holds of "A thin claim waits" and "A shadowed claim waits" (docs/attribution.md) read
/// it.
struct Claim<'a, H, L> {
    graph: &'a DependencyGraph,
    c: ComponentIx,
    services: &'a [ServiceIx],
    larger: &'a L,
    blamed: &'a [ComponentIx],
    health: &'a [H],
}

/// Whether every service of a claim must be behind an unfolding larger failure, or any one
/// (behind one with at least this many of its other dependents failing beside the claim: one
/// alone is what a lone failure looks like, and a failure visibly unfolding shows as many as
/// naming a component takes).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quantifier {
    Every,
    Any(usize),
}

/// The share of a larger component's other dependents that must be failing for a claim split
/// between larger components to wait for them: F(0) of `DETECTION_DUE`, the share of a
/// failure's dependents detected at its second detection.
const UNFOLDING_SHARE: f64 = super::DETECTION_DUE[0].1;

impl<H: HealthView, L: Fn(ComponentIx) -> bool> Claim<'_, H, L> {
    /// Its services all also rely on a larger component unrelated to `c`: they may be the
    /// first dependents of that component's failure, just beginning (docs/attribution.md, "A
    /// shadowed claim waits"). Any claim on no more than `min_services` services; a larger
    /// one when at least as many of that component's other dependents, which do not rely on
    /// `c`, are failing beside it (impaired, or a probe failed and not confirmed yet) and no
    /// other blamed component explains them: a failure of the larger component is then
    /// visibly unfolding, and the claim is its first few dependents. Or any claim split
    /// between larger components each visibly failing beside it
    /// ([`Claim::behind_unfolding`]).
    fn shadowed(&self, params: &AttributionParams) -> bool {
        let Some((&first, rest)) = self.services.split_first() else {
            return false;
        };
        let behind_all = self.graph.component_closure(first).iter().any(|reach| {
            rest.iter().all(|&s| self.graph.relies_on(s, reach.ix))
                && (self.larger)(reach.ix)
                && (self.services.len() <= params.min_services
                    || self.failing_beside(reach.ix, self.services.len()))
        });
        behind_all || self.behind_unfolding(Quantifier::Every)
    }

    /// Every service of the claim (or any one, by `quantifier`) relies on some larger
    /// component unrelated to `c` that is visibly failing beyond the claim: of its other
    /// dependents (as in [`Claim::failing_beside`]), at least as many as it holds of the
    /// claim's services are failing (for any one, at least the quantifier's count too), and
    /// at least a quarter of them (`UNFOLDING_SHARE`; one failing dependent among a cloud's
    /// hundred is the background, not a failure). Two larger failures beginning together can
    /// put their first dependents on one small component they both touch; the claim is then
    /// their first few dependents, split between them (docs/attribution.md, "A shadowed claim
    /// waits"). Each larger component is judged once, and the check stops at the first
    /// service that decides it.
    fn behind_unfolding(&self, quantifier: Quantifier) -> bool {
        let mut judged: Vec<(ComponentIx, bool)> = Vec::new();
        let mut behind = |s: ServiceIx| {
            self.graph.component_closure(s).iter().any(|reach| {
                let l = reach.ix;
                if let Some(&(_, unfolding)) = judged.iter().find(|(x, _)| *x == l) {
                    return unfolding;
                }
                let unfolding = (self.larger)(l) && {
                    let held = self
                        .services
                        .iter()
                        .filter(|&&t| self.graph.relies_on(t, l))
                        .count();
                    let held = match quantifier {
                        Quantifier::Every => held,
                        Quantifier::Any(at_least) => held.max(at_least),
                    };
                    // The count with an early exit first: a large healthy component costs one
                    // read of its dependents' health, and only one failing enough is counted
                    // in full for the share.
                    self.failing_beside(l, held) && {
                        let (failing, others) = self.beside(l);
                        failing as f64 >= UNFOLDING_SHARE * others as f64
                    }
                };
                judged.push((l, unfolding));
                unfolding
            })
        };
        match quantifier {
            Quantifier::Every => self.services.iter().all(|&s| behind(s)),
            Quantifier::Any(_) => self.services.iter().any(|&s| behind(s)),
        }
    }

    /// At least `need` dependents of `l` outside the claim are failing (impaired, or in
    /// doubt: a probe failed, not confirmed yet) that neither `c` nor another blamed component
    /// than `l` explains. Health is read first (most dependents are healthy) and the count
    /// stops at `need`, so a component with a hundred thousand dependents costs one pass at
    /// most.
    fn failing_beside(&self, l: ComponentIx, need: usize) -> bool {
        let mut failing = 0;
        for r in self.graph.dependents(l) {
            let Some(h) = self.health.get(r.ix as usize).map(|h| h.health()) else {
                continue;
            };
            if (h.impaired() || h.in_doubt()) && self.beside_claim(r.ix, l) {
                failing += 1;
                if failing >= need {
                    return true;
                }
            }
        }
        false
    }

    /// How many of `l`'s dependents beside the claim are failing, and how many there are.
    fn beside(&self, l: ComponentIx) -> (usize, usize) {
        let (mut failing, mut others) = (0, 0);
        for r in self.graph.dependents(l) {
            let Some(h) = self.health.get(r.ix as usize).map(|h| h.health()) else {
                continue;
            };
            if h.watched && self.beside_claim(r.ix, l) {
                others += 1;
                failing += usize::from(h.impaired() || h.in_doubt());
            }
        }
        (failing, others)
    }

    /// A dependent `r` of `l` outside the claim's services that neither `c` nor another
    /// blamed component than `l` explains: what `l`'s failure alone would account for.
    fn beside_claim(&self, r: ServiceIx, l: ComponentIx) -> bool {
        self.services.binary_search(&r).is_err()
            && !self.graph.relies_on(r, self.c)
            && !self
                .blamed
                .iter()
                .any(|&x| x != l && self.graph.relies_on(r, x))
    }

    /// Some service of the claim also relies on a larger component unrelated to `c`, whose
    /// failure may be beginning behind it (docs/attribution.md, "A thin claim waits"). When
    /// none does, `c` is the largest failure its services can show.
    fn overshadowed(&self) -> bool {
        self.services.iter().any(|&s| {
            self.graph
                .component_closure(s)
                .iter()
                .any(|reach| (self.larger)(reach.ix))
        })
    }

    /// A service of the claim fails the way a larger unrelated component behind it fails
    /// better than the way `c` does (a DNS error on a service behind a front door and a DNS
    /// provider): its own errors point past the claim, at a failure that may be beginning
    /// (docs/attribution.md, "A thin claim waits").
    fn points_past(&self) -> bool {
        self.services.iter().any(|&s| {
            let Some(error) = self.health.get(s as usize).and_then(|h| h.health().symptom) else {
                return false;
            };
            let layer = Some(Layer::of(error));
            let closure = self.graph.component_closure(s);
            let Some(claimed) = closure.iter().find(|r| r.ix == self.c) else {
                return false;
            };
            let claimed_fit = reach_fit(self.graph, s, claimed, layer);
            closure
                .iter()
                .any(|r| reach_fit(self.graph, s, r, layer) < claimed_fit && (self.larger)(r.ix))
        })
    }

    /// At least `min_services` of the claim's services show a probe error and none of them
    /// fails the way a failure of `c` makes its dependents fail (docs/attribution.md
    /// "Symptoms"): the errors seen, not one service's quirk, say the failure is not `c`'s.
    /// Stops at the first error that fits.
    fn misfits(&self, params: &AttributionParams) -> bool {
        let mut misfitting = 0;
        for &s in self.services {
            let Some(error) = self.health.get(s as usize).and_then(|h| h.health().symptom) else {
                continue;
            };
            let Some(claimed) = self
                .graph
                .component_closure(s)
                .iter()
                .find(|r| r.ix == self.c)
            else {
                continue;
            };
            if reach_fit(self.graph, s, claimed, Some(Layer::of(error))) == Compat::Fits {
                return false;
            }
            misfitting += 1;
        }
        misfitting >= params.min_services
    }
}

/// Whether a component is unrelated to `c` (neither within it nor containing it) and has more
/// dependents. A component's size counts its `observed` dependents and those `in_doubt`: a
/// dependent that has just failed a probe is one all the same. The other component's doubt
/// is counted only when its observed dependents alone do not settle it, and `c`'s own size
/// only once something asks.
fn larger_than<'a>(
    graph: &'a DependencyGraph,
    c: ComponentIx,
    observed: &'a impl Fn(ComponentIx) -> usize,
    in_doubt: &'a impl Fn(ComponentIx) -> usize,
) -> impl Fn(ComponentIx) -> bool + 'a {
    let own = std::cell::OnceCell::new();
    move |r| {
        !graph.is_within(r, c) && !graph.is_within(c, r) && {
            let own = *own.get_or_init(|| observed(c) + in_doubt(c));
            let seen = observed(r);
            seen > own || seen + in_doubt(r) > own
        }
    }
}

/// When the last of `services` turned impaired.
fn latest_onset<H: HealthView>(services: &[ServiceIx], health: &[H]) -> Option<Timestamp> {
    services
        .iter()
        .filter_map(|&s| health.get(s as usize).and_then(|h| h.health().since))
        .max()
}

/// Fewer than half of the services an incident has explained are still impaired: it is
/// winding down. Its name is kept, and a cause claiming mostly its services waits until it
/// resolves unless it brings services of its own (docs/attribution.md, "Winding-down
/// incidents").
fn winding_down<H: HealthView>(inc: &OpenIncident, health: &[H]) -> bool {
    still_impaired(inc, health).count() * 2 < inc.services.len()
}

/// A cause naming a component unrelated to an incident's would leave one of the incident's
/// services orphaned: still impaired, neither explained by the cause nor relying on its
/// component. The incident's own component is then still the only explanation of a service
/// it explained, so its failure is not disproven; a cause taking it over would rename that
/// failure after a coincidence on its other services (docs/attribution.md, "Orphans: a
/// takeover must explain what is still down"). A refinement within one provider tree (a
/// region for its cloud) is exempt.
fn orphans<H: HealthView>(
    graph: &DependencyGraph,
    inc: &OpenIncident,
    cause: &Cause,
    c: ComponentIx,
    health: &[H],
) -> bool {
    !graph.is_within(c, inc.component)
        && !graph.is_within(inc.component, c)
        && still_impaired(inc, health)
            .any(|s| !cause.explained.contains(&s) && !graph.relies_on(s, c))
}

/// The services an incident has explained that are impaired now.
fn still_impaired<'a, H: HealthView>(
    inc: &'a OpenIncident,
    health: &'a [H],
) -> impl Iterator<Item = ServiceIx> + 'a {
    inc.services.iter().copied().filter(|&s| {
        health
            .get(s as usize)
            .is_some_and(|h| h.health().impaired())
    })
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn ids_of(graph: &DependencyGraph, services: &[ServiceIx]) -> Vec<String> {
    let mut v: Vec<String> = services
        .iter()
        .map(|&s| graph.service_id(s).to_string())
        .collect();
    v.sort();
    v
}

/// "37 of 41 dependents impaired; 3 of 912 other services impaired", with how many of those
/// dependents it explains when not all (the others are stale, late or another cause's), plus
/// the estimated share hit when the failure is partial, the errors the explained services'
/// probes see (and how many of them do not fit this kind of failure), how many of them fail
/// from the same few vantages, the official status when one is known, and how many
/// dependents were left out of the count because they are `in_doubt`.
pub fn explain(
    graph: &DependencyGraph,
    cause: &Cause,
    official: Option<String>,
    in_doubt: usize,
) -> String {
    let name = match cause.kind {
        CauseKind::Component(c) => graph.component(c).id.as_str(),
        CauseKind::Service(s) => graph.service_id(s),
    };
    let unexplained = cause
        .dependents_impaired
        .saturating_sub(cause.explained.len());
    let unexplained = if unexplained > 0 {
        let have = if unexplained == 1 { "has" } else { "have" };
        format!(
            ", {} of them explained by it ({unexplained} began at another time or {have} another cause)",
            cause.explained.len()
        )
    } else {
        String::new()
    };
    let in_doubt = match in_doubt {
        0 => String::new(),
        n => format!(" ({n} more in doubt: a probe failed, not confirmed yet)"),
    };
    let mut text = format!(
        "{} of {} dependents of {name} impaired{unexplained}{in_doubt}; {} of {} other services \
         impaired",
        cause.dependents_impaired, cause.dependents, cause.others_impaired, cause.others
    );
    if cause.hit_share < 0.75 {
        text.push_str(&format!(
            "; partial failure (about {:.0}% of dependents hit)",
            cause.hit_share * 100.0
        ));
    }
    if !cause.symptoms.is_empty() {
        let listed: Vec<String> = cause
            .symptoms
            .iter()
            .take(3)
            .map(|(e, n)| format!("{} ×{n}", e.as_str()))
            .collect();
        text.push_str("; probe errors: ");
        text.push_str(&listed.join(", "));
        if cause.symptoms.len() > 3 {
            text.push_str(", …");
        }
        if let (CauseKind::Component(c), true) = (cause.kind, cause.misfits > 0) {
            text.push_str(&format!(
                " ({} unusual for a {} failure)",
                cause.misfits,
                graph.component(c).kind.as_str()
            ));
        }
    }
    if cause.apart > 0 {
        text.push_str(&format!(
            "; {} of them began apart from the others",
            cause.apart
        ));
    }
    if let Some((n, f)) = cause.same_vantages {
        text.push_str(&format!(
            "; {n} of them fail from the same {} of {} vantages",
            f.failing, f.live
        ));
    }
    if let Some(o) = official {
        text.push_str("; ");
        text.push_str(&o);
    }
    text
}

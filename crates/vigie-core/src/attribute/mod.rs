//! Root-cause attribution: which upstream component explains the impaired services.
//!
//! This module owns the attribution step of the engine (issue 5). Each tick it receives the
//! health of every service (in topology order), scores every candidate component with the
//! likelihood model of [`score`] over the [`DependencyGraph`] (an impaired dependent whose
//! probe error such a failure can hardly produce counts for less: [`symptom`]; dependents
//! failing from the same few vantages count for more: [`footprint`]), explains the
//! impaired services greedily with as few causes as possible (Spotlight's weighted set
//! cover), and turns the verdicts into component incidents with hysteresis ([`incidents`]).
//! docs/attribution.md gives the model and every constant.
//!
//! Cost: only components with at least two impaired dependents are candidates; each
//! component's impaired dependents (module `evidence`) and the healthy side of each score
//! (per-component histograms) are kept up to date with what changed since the last tick,
//! and candidates are scored lazily in order of an upper bound, so a tick costs little more
//! than a walk over the candidates' evidence.

mod evidence;
pub mod footprint;
pub mod incidents;
pub mod score;
pub mod symptom;
pub mod timing;

use std::collections::HashMap;

use crate::graph::{ComponentIx, DependencyGraph, GraphError, ServiceIx};
use crate::model::{OfficialStatus, ProbeError, State, Topology};
use crate::output::{IncidentId, IncidentIds, Output};
use crate::time::{Timestamp, MINUTE_MS};
use evidence::{Evidence, EvidenceLists};

pub use footprint::Footprint;
pub use incidents::IncidentTracker;
pub use score::{ModelParams, BUCKETS};
pub use symptom::Compat;
pub use timing::{Seen, Timing};

/// What the engine knows about one service at this tick.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ServiceHealth {
    pub state: State,
    /// When the current state began.
    pub since: Option<Timestamp>,
    /// The service has at least one source of signals (checks or a report history). Services
    /// nobody watches say nothing either way and are left out of every count.
    pub watched: bool,
    /// The open service incident, if any, so component incidents can link to it.
    pub incident: Option<IncidentId>,
    /// The error its failing probes see, if any (how it fails: [`symptom`]).
    pub symptom: Option<ProbeError>,
    /// Its probes fail, even if they did not say how (no symptom). A symptom implies it.
    pub probes_fail: bool,
    /// Impaired while every live probe of it passes (at least one vantage live, none failing
    /// or in doubt, none failed in this impairment): it fails where the probes do not look,
    /// which a failure on their path hardly explains ([`symptom::Layer::Passing`]).
    pub probes_pass: bool,
    /// Not impaired, but a vantage's latest probe failed and has not counted yet (a fresh
    /// failure awaiting corroboration, a lone vantage awaiting its extra failure): in doubt,
    /// so neither healthy nor impaired evidence (docs/attribution.md, "What attribution sees").
    pub probes_in_doubt: bool,
    /// Which vantages see it fail, when only some do (where it fails: [`footprint`]).
    pub footprint: Option<Footprint>,
    /// Its probes failed from only some vantages in this impairment, never from all: seen
    /// somewhere even once its failing vantages pass again and its footprint is gone.
    pub failed_partly: bool,
}

/// Anything that can say how a service is: the attributor's own [`ServiceHealth`], or the
/// engine's per-service health (every service the engine knows is watched; `unknown` says
/// "no evidence yet").
pub trait HealthView {
    fn health(&self) -> ServiceHealth;
}

impl HealthView for ServiceHealth {
    fn health(&self) -> ServiceHealth {
        *self
    }
}

impl HealthView for crate::engine::ServiceHealth {
    fn health(&self) -> ServiceHealth {
        ServiceHealth {
            state: self.state,
            since: self.impaired_since.or(Some(self.since)),
            watched: true,
            incident: self.incident,
            symptom: self.symptom,
            probes_fail: self.probes_fail,
            probes_pass: self.probes_pass,
            probes_in_doubt: self.probes_in_doubt,
            footprint: self.footprint,
            failed_partly: self.failed_partly,
        }
    }
}

impl ServiceHealth {
    /// Watched, in a known state and not in doubt: evidence either way.
    pub fn observed(&self) -> bool {
        self.watched && self.state != State::Unknown && !self.in_doubt()
    }

    /// Watched and in a known state, not impaired, yet a probe of its has just failed
    /// without counting ([`ServiceHealth::probes_in_doubt`]): evidence neither way.
    pub fn in_doubt(&self) -> bool {
        self.watched
            && self.state != State::Unknown
            && !self.state.is_impaired()
            && self.probes_in_doubt
    }

    pub fn impaired(&self) -> bool {
        self.observed() && self.state.is_impaired()
    }

    /// What its probes say of how it fails: the layer of their error, that they all pass, or
    /// nothing (no live probe, or failures without an error).
    pub fn layer(&self) -> Option<symptom::Layer> {
        match self.symptom {
            Some(error) => Some(symptom::Layer::of(error)),
            None => self.probes_pass.then_some(symptom::Layer::Passing),
        }
    }

    /// How its impairment is seen: by reports alone, or by probes failing from every live
    /// vantage or from some ([`Seen`]).
    pub fn seen(&self) -> Seen {
        Seen::of(
            self.probes_fail || self.symptom.is_some(),
            self.footprint.is_some() || self.failed_partly,
        )
    }
}

/// Every constant of attribution (docs/attribution.md explains each).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AttributionParams {
    pub model: ModelParams,
    /// A component is blamed only when it explains at least this many impaired services that
    /// fail independently of each other (not merely through one another).
    pub min_services: usize,
    /// Confidence needed to open a component incident.
    pub open_confidence: f64,
    /// Confidence under which an open incident stops being supported.
    pub keep_confidence: f64,
    /// A confidence change at least this large is reported as an update.
    pub confidence_step: f64,
    /// An incident without support for this long is resolved.
    pub resolve_after_ms: i64,
    /// At most this many causes per tick.
    pub max_causes: usize,
    /// Candidates whose score upper bound is this far below the best are not scored: their
    /// weight in any confidence is below e^-margin.
    pub prune_margin: f64,
    /// κ for the component of an open incident, in place of `model.cause_cost`: its failure
    /// is not one more failure but the one already named (docs/attribution.md, "Naming
    /// persists").
    pub open_incident_cost: f64,
    /// A thin claim (no more than `min_services` explained services, at least one of them
    /// seen by reports alone, one of them relying on a larger unrelated component) opens,
    /// where a larger failure is likely (a storm, its services all behind that component, or
    /// errors pointing past the claim), only once it has been the tick's cause for this long
    /// (docs/attribution.md, "A thin claim waits").
    pub thin_hold_ms: i64,
    /// A claim on no more than `min_services` services that all also rely on a larger
    /// unrelated component, or a thin claim with one of them behind one, opens only once the
    /// last of them has been impaired this long (docs/attribution.md, "A shadowed claim
    /// waits").
    pub shadow_hold_ms: i64,
}

impl Default for AttributionParams {
    fn default() -> Self {
        AttributionParams {
            model: ModelParams {
                background_rate: 0.004,
                min_hit_share: 0.05,
                max_hit_share: 0.98,
                cause_cost: 6.0,
            },
            min_services: 2,
            open_confidence: 0.85,
            keep_confidence: 0.5,
            confidence_step: 0.1,
            resolve_after_ms: 5 * MINUTE_MS,
            max_causes: 32,
            prune_margin: 30.0,
            open_incident_cost: 3.0,
            thin_hold_ms: 2 * MINUTE_MS,
            shadow_hold_ms: MINUTE_MS,
        }
    }
}

/// Causes whose fitted hit share ρ̂ is below this are re-examined against joint
/// explanations from other provider trees (docs/attribution.md).
pub const SWAP_BELOW_HIT_SHARE: f64 = 0.3;

/// Causes whose observed dependents are at least this share of all observed services are
/// "broad" (a cloud root) and always get the swap check, whatever their hit share.
pub const SWAP_BROAD_SHARE: f64 = 0.25;

/// Explaining away: a component is eligible only when its residual dependents (impaired
/// dependents not explained by an accepted cause, over observed dependents not so explained)
/// are impaired at least this many times more often than its residual non-dependents
/// (docs/attribution.md, "Explaining away").
pub const MIN_RESIDUAL_LIFT: f64 = 2.0;

/// A dependent whose impairment began more than this long before the candidate's onset (the
/// upper median of its impaired dependents' onsets) is not fresh evidence for it: one
/// window of the report detector (5 min), the slowest way a common failure reaches a
/// dependent's state once it is visible at all.
pub const STALE_BEFORE_ONSET_MS: i64 = 5 * MINUTE_MS;

/// A dependent whose impairment began more than this long after the candidate's onset is not
/// evidence for *raising* it either: a common failure reaches its dependents' states within
/// one window of the report detector, so a service impaired ten minutes after the others is
/// its own failure, however many providers it shares with them. Components of open incidents
/// are exempt: once a failure is established, dependents that join late are explained by it.
pub const LATE_AFTER_ONSET_MS: i64 = 5 * MINUTE_MS;

/// The same end for a dependent impaired by its reports alone (no failing probe, so no
/// symptom): reports show a common failure later than probes do. Measured with
/// `scripts/detection-delays.py` from a failure's second detection: probe-detected
/// dependents are 99.9% impaired within 5 min, report-detected ones 93.4% within 5 min and
/// 97.5% within 8 over 400 untuned scenarios (docs/attribution.md, "Known limits").
pub const LATE_REPORTED_AFTER_ONSET_MS: i64 = 8 * MINUTE_MS;

/// How far a failure's dependents are detected, by time since its onset (the upper median of
/// its impaired dependents' onsets): (elapsed ms, share of the dependents it hits that are
/// impaired by then), interpolated linearly, 1 from the last point on. Measured on the
/// tuning seeds (docs/attribution.md, "Rivals that may still be unfolding").
const DETECTION_DUE: [(i64, f64); 8] = [
    (0, 0.25),
    (30_000, 0.49),
    (60_000, 0.66),
    (90_000, 0.75),
    (120_000, 0.80),
    (180_000, 0.90),
    (240_000, 0.96),
    (300_000, 1.0),
];

/// The share of a failure's hit dependents detected `elapsed_ms` after its onset.
pub fn detection_due(elapsed_ms: i64) -> f64 {
    let mut prev = (0i64, 0.0f64);
    for &(t, share) in &DETECTION_DUE {
        if elapsed_ms < t {
            let span = (t - prev.0).max(1) as f64;
            let x = (elapsed_ms - prev.0).max(0) as f64 / span;
            return prev.1 + (share - prev.1) * x;
        }
        prev = (t, share);
    }
    1.0
}

/// How many dependents of `c` are in doubt ([`ServiceHealth::in_doubt`]). Counted on demand, for the components of incidents
/// being explained and of claims being held, rather than kept per service on every tick or
/// counted for every cause (either cost the bench's CDN outage 10–15%); `observed` (the
/// attributor's own flags) passes over the many observed dependents without reading their
/// health.
fn in_doubt<H: HealthView>(
    graph: &DependencyGraph,
    observed: &[bool],
    health: &[H],
    c: ComponentIx,
) -> usize {
    graph
        .dependents(c)
        .iter()
        .filter(|r| {
            let s = r.ix as usize;
            !observed.get(s).copied().unwrap_or(true)
                && health.get(s).is_some_and(|h| h.health().in_doubt())
        })
        .count()
}

/// What a cause is: a component, or one service failing on its own (which explains the
/// services that rely on it and is never reported as a component incident).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CauseKind {
    Component(ComponentIx),
    Service(ServiceIx),
}

/// One verdict of a tick.
#[derive(Clone, Debug, PartialEq)]
pub struct Cause {
    pub kind: CauseKind,
    /// S(H): log-likelihood ratio against "no common cause", prior included.
    pub score: f64,
    /// Posterior share of this cause among the hypotheses that explain the same services.
    pub confidence: f64,
    /// ρ̂: the share of dependents the failure appears to hit.
    pub hit_share: f64,
    /// The impaired services this cause explains (not explained by an earlier cause).
    pub explained: Vec<ServiceIx>,
    /// How many of `explained` fail independently (not only through another of them).
    pub independent: usize,
    /// Observed dependents, and how many of them are impaired (explained or not).
    pub dependents: usize,
    pub dependents_impaired: usize,
    /// Observed services that do not depend on it, and how many are impaired.
    pub others: usize,
    pub others_impaired: usize,
    /// The errors the explained services' probes see, commonest first (services impaired
    /// through reports only are not counted).
    pub symptoms: Vec<(ProbeError, usize)>,
    /// How many explained services fail in a way that does not fit this cause.
    pub misfits: usize,
    /// How many explained services turned impaired apart from the others ([`timing`]).
    pub apart: usize,
    /// The largest group of explained services failing from the same few vantages, when it
    /// counted as evidence ([`footprint`]): how many, and their footprint.
    pub same_vantages: Option<(usize, Footprint)>,
}

/// One candidate's score in the first round of a tick, for inspection and tests.
#[derive(Clone, Debug, PartialEq)]
pub struct CandidateScore {
    pub kind: CauseKind,
    pub score: f64,
    pub impaired: usize,
}

struct Candidate {
    kind: CauseKind,
    evidence: Vec<Evidence>,
    healthy: [u32; BUCKETS],
    observed: usize,
    remaining: usize,
    /// The edge confidences of the `remaining` evidence, summed.
    remaining_weight: f64,
    upper_bound: f64,
    fit: Option<(score::Fit, usize)>,
    /// Residual dependents impaired outside this window are not fresh evidence.
    fresh: Fresh,
    /// The component of an open incident: late dependents are still evidence.
    established: bool,
    /// The component of an open incident, a part of it or a component it is part of: its
    /// failure is the one already named, said more or less precisely, and pays
    /// `open_incident_cost` rather than κ.
    named: bool,
    /// How common its dependents' footprints are among the other impaired services.
    outside: footprint::Outside,
}

impl Candidate {
    /// How much less than κ the prior odds cost this candidate: the component of an open
    /// incident pays `open_incident_cost` instead.
    fn prior_relief(&self, p: &AttributionParams) -> f64 {
        if self.named {
            p.model.cause_cost - p.open_incident_cost
        } else {
            0.0
        }
    }
}

/// The instants (ms, inclusive) between which a candidate's impaired dependents are fresh
/// evidence for it; a dependent with no known onset always is.
#[derive(Clone, Copy, Debug)]
struct Fresh {
    from: i64,
    /// The end for a dependent whose probes fail.
    until: i64,
    /// The end for a dependent impaired by its reports alone, which are slower to show.
    until_reported: i64,
    /// The candidate's onset, when at least two residual dependents have one.
    onset: Option<i64>,
    /// How the dependent whose impairment is the onset was seen.
    onset_seen: Seen,
}

impl Fresh {
    const ALWAYS: Fresh = Fresh {
        from: i64::MIN,
        until: i64::MAX,
        until_reported: i64::MAX,
        onset: None,
        onset_seen: Seen::Reports,
    };
}

/// The attribution step. Build it once per topology; call [`Attributor::tick`] at the end of
/// every engine tick.
pub struct Attributor {
    graph: DependencyGraph,
    params: AttributionParams,
    observed: Vec<bool>,
    impaired: Vec<bool>,
    /// When each impaired service's impairment began (if known).
    since: Vec<Option<Timestamp>>,
    /// The error each service's failing probes see (if any).
    symptom: Vec<Option<ProbeError>>,
    /// How each service's impairment is seen (probes everywhere, somewhere, reports).
    seen: Vec<Seen>,
    /// Each service's live probes all pass while it is impaired.
    passing: Vec<bool>,
    /// Which vantages see each impaired service fail, when only some do.
    footprints: footprint::Footprints,
    /// Per component: histogram of its observed dependents by edge-confidence bucket.
    observed_hist: Vec<[u32; BUCKETS]>,
    observed_total: usize,
    /// Per component: its impaired dependents (module `evidence`).
    evidence: EvidenceLists,
    remaining: Vec<bool>,
    scratch: Vec<bool>,
    first_round: Vec<CandidateScore>,
    causes: Vec<Cause>,
    official: HashMap<ComponentIx, (OfficialStatus, String)>,
    /// Per component: its own status page, or that of a component it is part of, declares a
    /// failure (docs/attribution.md, "A declared failure").
    declared: Vec<bool>,
    tracker: IncidentTracker,
    /// Per component: the component of an open incident (as of the last tick).
    established: Vec<bool>,
    /// Per component: the component of an open incident, a part of one or a component one
    /// is part of.
    named: Vec<bool>,
    /// The time of the tick being explained (ms).
    now: i64,
    /// Scratch: the services relying on the service hypothesis whose rivals are being judged.
    relies_on_cause: Vec<bool>,
}

impl Attributor {
    pub fn new(topology: &Topology, params: AttributionParams) -> Result<Self, GraphError> {
        Ok(Self::with_graph(
            DependencyGraph::from_topology(topology)?,
            params,
        ))
    }

    /// Uses a graph built elsewhere (e.g. with discovered edges).
    pub fn with_graph(graph: DependencyGraph, params: AttributionParams) -> Self {
        let n = graph.service_count();
        let m = graph.component_count();
        let evidence = EvidenceLists::new(&graph);
        Attributor {
            graph,
            params,
            observed: vec![false; n],
            impaired: vec![false; n],
            since: vec![None; n],
            symptom: vec![None; n],
            seen: vec![Seen::Reports; n],
            passing: vec![false; n],
            footprints: footprint::Footprints::new(n),
            observed_hist: vec![[0; BUCKETS]; m],
            observed_total: 0,
            evidence,
            remaining: vec![false; n],
            scratch: vec![false; n],
            first_round: Vec::new(),
            causes: Vec::new(),
            official: HashMap::new(),
            declared: vec![false; m],
            tracker: IncidentTracker::default(),
            established: vec![false; m],
            named: vec![false; m],
            now: 0,
            relies_on_cause: vec![false; n],
        }
    }

    pub fn graph(&self) -> &DependencyGraph {
        &self.graph
    }

    pub fn params(&self) -> &AttributionParams {
        &self.params
    }

    /// The causes found by the last tick, most convincing first.
    pub fn causes(&self) -> &[Cause] {
        &self.causes
    }

    /// Every candidate scored in the first round of the last tick.
    pub fn candidate_scores(&self) -> &[CandidateScore] {
        &self.first_round
    }

    /// The score of a component in the first round of the last tick (`None`: not a candidate,
    /// i.e. fewer than two impaired dependents, or pruned far below the best).
    pub fn component_score(&self, component: &str) -> Option<f64> {
        let c = self.graph.component_ix(component)?;
        self.first_round
            .iter()
            .find(|s| s.kind == CauseKind::Component(c))
            .map(|s| s.score)
    }

    /// Open component incidents: `(incident, component id)`.
    pub fn open_incidents(&self) -> Vec<(IncidentId, String)> {
        self.tracker
            .open()
            .map(|i| (i.id, self.graph.component(i.component).id.clone()))
            .collect()
    }

    /// Components of the open component incidents.
    pub fn open_components(&self) -> impl Iterator<Item = ComponentIx> + '_ {
        self.tracker.open().map(|i| i.component)
    }

    /// Records a component's official status, shown beside verdicts. A status declaring a
    /// failure (`degraded`, `partial_outage`, `major_outage`) lowers the prior odds against
    /// that component and its parts to those of a failure already named; it is never
    /// required (docs/attribution.md, "A declared failure").
    pub fn set_official(&mut self, component: &str, status: OfficialStatus, source: &str) {
        let Some(c) = self.graph.component_ix(component) else {
            return;
        };
        self.official.insert(c, (status, source.to_string()));
        let declares = |s: OfficialStatus| {
            matches!(
                s,
                OfficialStatus::Degraded
                    | OfficialStatus::PartialOutage
                    | OfficialStatus::MajorOutage
            )
        };
        for (x, declared) in self.declared.iter_mut().enumerate() {
            *declared = self
                .graph
                .lineage(x as ComponentIx)
                .any(|y| self.official.get(&y).is_some_and(|(s, _)| declares(*s)));
        }
    }

    /// Whether a tick would do nothing: no impaired service at the last tick, no cause, and no
    /// component incident open, held or judged. Every rule that depends on the time alone
    /// (holds, resolution, how long a dependent has been due) acts on one of those, so an
    /// idle attributor given the same health at a later time concludes the same: nothing
    /// ([`crate::engine::Engine`] skips such ticks).
    pub fn is_idle(&self) -> bool {
        self.causes.is_empty() && self.tracker.is_idle() && !self.impaired.contains(&true)
    }

    /// One attribution step. `health` holds every service in topology order.
    pub fn tick<H: HealthView>(
        &mut self,
        now: Timestamp,
        health: &[H],
        ids: &mut IncidentIds,
    ) -> Vec<Output> {
        debug_assert_eq!(health.len(), self.graph.service_count());
        self.established.fill(false);
        self.named.fill(false);
        for c in self.tracker.open().map(|i| i.component) {
            self.established[c as usize] = true;
        }
        // The named failure said more or less precisely: every component on the line from
        // the root of an open incident's component down to any part of it.
        for c in self.tracker.open().map(|i| i.component) {
            for x in self.graph.lineage(c) {
                self.named[x as usize] = true;
            }
        }
        if self.tracker.open().next().is_some() {
            for (c, named) in self.named.iter_mut().enumerate() {
                *named = *named
                    || self
                        .graph
                        .lineage(c as ComponentIx)
                        .any(|x| self.established[x as usize]);
            }
        }
        // A failure its provider declares is no more a surprise than one already named.
        for (named, &declared) in self.named.iter_mut().zip(&self.declared) {
            *named |= declared;
        }
        self.observe(health);
        self.now = now.as_millis();
        self.explain();
        let official = &self.official;
        let observed_hist = &self.observed_hist;
        let observed = &self.observed;
        let graph = &self.graph;
        self.tracker.update(
            now,
            &self.params,
            graph,
            &self.causes,
            health,
            ids,
            |c| {
                official
                    .get(&c)
                    .map(|(s, src)| format!("official status {} ({src})", s.as_str()))
            },
            |c| observed_hist[c as usize].iter().map(|&n| n as usize).sum(),
            |c| in_doubt(graph, observed, health, c),
        )
    }

    /// Updates observed/impaired flags and the per-component histograms (incrementally).
    fn observe<H: HealthView>(&mut self, health: &[H]) {
        let n = self.graph.service_count().min(health.len());
        self.footprints.clear();
        for (s, h) in health.iter().enumerate().take(n) {
            let h = &h.health();
            let obs = h.observed();
            if obs != self.observed[s] {
                self.observed[s] = obs;
                if obs {
                    self.observed_total += 1;
                } else {
                    self.observed_total -= 1;
                }
                for r in self.graph.component_closure(s as ServiceIx) {
                    let slot = &mut self.observed_hist[r.ix as usize]
                        [score::bucket(r.confidence) as usize];
                    if obs {
                        *slot += 1;
                    } else {
                        *slot -= 1;
                    }
                }
            }
            self.impaired[s] = h.impaired();
            let listed = self.impaired[s].then_some(h.layer());
            self.evidence.set(s as ServiceIx, listed);
            self.since[s] = h.since;
            self.symptom[s] = h.symptom;
            self.seen[s] = h.seen();
            self.passing[s] = h.probes_pass;
            if let (true, Some(f)) = (self.impaired[s], h.footprint) {
                self.footprints.record(s as ServiceIx, f);
            }
        }
    }

    fn explain(&mut self) {
        let p = self.params;
        self.evidence.apply(&self.graph);
        self.causes.clear();
        self.first_round.clear();

        let impaired: Vec<ServiceIx> = (0..self.impaired.len() as ServiceIx)
            .filter(|&s| self.impaired[s as usize])
            .collect();
        let impaired_total = impaired.len();
        if impaired_total < p.min_services {
            return;
        }
        self.footprints.set_impaired(impaired.len());
        let mut candidates: Vec<Candidate> = Vec::new();
        for c in 0..self.graph.component_count() as ComponentIx {
            if self.evidence.len(c) < p.min_services {
                continue;
            }
            // Lent to the candidate for the tick.
            let ev = self.evidence.lend(c);
            let mut healthy = self.observed_hist[c as usize];
            for e in &ev {
                healthy[e.bucket as usize] = healthy[e.bucket as usize].saturating_sub(1);
            }
            let outside = self
                .footprints
                .outside(ev.iter().map(|e| self.footprints.of(e.service)));
            let remaining = ev.len();
            candidates.push(Candidate {
                kind: CauseKind::Component(c),
                evidence: ev,
                healthy,
                observed: self.observed_hist[c as usize]
                    .iter()
                    .map(|&x| x as usize)
                    .sum(),
                remaining,
                remaining_weight: 0.0,
                upper_bound: 0.0,
                fit: None,
                fresh: Fresh::ALWAYS,
                established: self.established[c as usize],
                named: self.named[c as usize],
                outside,
            });
        }
        // One service failing on its own explains the services that rely on it.
        for &u in &impaired {
            if self.graph.service_dependents(u).is_empty() {
                continue;
            }
            // A service failing on its own can break the services relying on it in any way.
            let mut evidence = vec![Evidence {
                service: u,
                bucket: score::bucket(1.0),
                direct: true,
                compat: Compat::Fits,
            }];
            let mut healthy = [0u32; BUCKETS];
            let mut observed = 1;
            for r in self.graph.service_blast_radius(u) {
                if !self.observed[r.ix as usize] {
                    continue;
                }
                observed += 1;
                let b = score::bucket(r.confidence);
                if self.impaired[r.ix as usize] {
                    evidence.push(Evidence {
                        service: r.ix,
                        bucket: b,
                        direct: r.direct,
                        compat: Compat::Fits,
                    });
                } else {
                    healthy[b as usize] += 1;
                }
            }
            if evidence.len() >= p.min_services {
                let remaining = evidence.len();
                let outside = self
                    .footprints
                    .outside(evidence.iter().map(|e| self.footprints.of(e.service)));
                candidates.push(Candidate {
                    kind: CauseKind::Service(u),
                    evidence,
                    healthy,
                    observed,
                    remaining,
                    remaining_weight: 0.0,
                    upper_bound: 0.0,
                    fit: None,
                    fresh: Fresh::ALWAYS,
                    established: false,
                    named: false,
                    outside,
                });
            }
        }
        if candidates.is_empty() {
            return;
        }

        for &s in &impaired {
            self.remaining[s as usize] = true;
        }
        let all: Vec<usize> = (0..candidates.len()).collect();
        let picks = self.greedy(&mut candidates, &all, None, true, impaired_total);
        for &s in &impaired {
            self.remaining[s as usize] = false;
        }
        // Greedy cover can prefer one broad cause (a whole cloud) over the two narrower
        // concurrent causes that really explain its services. For each pick, re-explain its
        // services without its provider tree; when two or more causes do better together,
        // they replace it.
        for (ci, cause) in picks {
            // A cause hitting a large share of its dependents is no catch-all; re-explaining
            // costs as much as the first pass, so only weak-share causes are re-examined.
            // A broad cause (dependents a large share of everything observed) is re-examined
            // whatever its share: overlapping narrower causes can fit its services better.
            let broad = matches!(cause.kind, CauseKind::Component(_))
                && cause.dependents as f64 >= SWAP_BROAD_SHARE * self.observed_total as f64;
            if cause.hit_share >= SWAP_BELOW_HIT_SHARE && !broad {
                self.causes.push(cause);
                continue;
            }
            for &s in &cause.explained {
                self.remaining[s as usize] = true;
            }
            // Alternatives: any candidate but the cause itself and its ancestors (the same
            // claim, said less precisely). Other parts of the same provider may take part: a
            // region "explaining" both its CDN's dependents and a DNS provider's is beaten
            // by the CDN and the DNS provider together.
            let own = candidates[ci].kind;
            let subset: Vec<usize> = (0..candidates.len())
                .filter(|&i| {
                    i != ci
                        && !is_same_or_ancestor(&self.graph, candidates[i].kind, own)
                        && candidates[i]
                            .evidence
                            .iter()
                            .any(|e| self.remaining[e.service as usize])
                })
                .collect();
            let alternative =
                self.greedy(&mut candidates, &subset, Some(ci), false, impaired_total);
            for &s in &cause.explained {
                self.remaining[s as usize] = false;
            }
            let joint: f64 = alternative.iter().map(|(_, c)| c.score).sum();
            if alternative.len() >= 2 && joint > cause.score {
                self.causes.extend(alternative.into_iter().map(|(_, c)| c));
            } else {
                self.causes.push(cause);
            }
        }
        // Give the evidence lists back for the next tick.
        for c in candidates {
            if let CauseKind::Component(ix) = c.kind {
                self.evidence.give_back(ix, c.evidence);
            }
        }
    }

    /// Greedy weighted set cover over the services flagged in `self.remaining` (cleared as
    /// they get explained), among the candidates in `subset` except `excluded`.
    fn greedy(
        &mut self,
        candidates: &mut [Candidate],
        subset: &[usize],
        excluded: Option<usize>,
        record: bool,
        impaired_total: usize,
    ) -> Vec<(usize, Cause)> {
        let p = self.params;
        let eps = p.model.background_rate;
        let gain: Vec<[f64; Compat::LEVELS]> = (0..BUCKETS as u8)
            .map(|bucket| {
                Compat::ALL.map(|compat| {
                    score::max_gain(&p.model, score::Impaired::fitting(bucket).with(compat))
                })
            })
            .collect();
        let mut dirty = vec![false; candidates.len()];
        for &i in subset {
            dirty[i] = true;
        }
        let mut order: Vec<usize> = subset.to_vec();
        let mut picks: Vec<(usize, Cause)> = Vec::new();
        let mut pick_rivals: Vec<Vec<Rival>> = Vec::new();
        let mut impaired_ev: Vec<score::Impaired> = Vec::new();
        let mut marks: Vec<footprint::Mark> = Vec::new();
        let mut remaining_total = self.remaining.iter().filter(|&&r| r).count();

        for round in 0..p.max_causes {
            for (i, cand) in candidates.iter_mut().enumerate() {
                if !dirty[i] {
                    continue;
                }
                dirty[i] = false;
                cand.fit = None;
                cand.remaining = 0;
                cand.remaining_weight = 0.0;
                cand.upper_bound = -p.model.cause_cost + cand.prior_relief(&p);
                cand.fresh = fresh_window(cand, &self.remaining, &self.since, &self.seen);
                let mut probed_everywhere = 0;
                for e in &cand.evidence {
                    if live(&self.remaining, &self.since, &self.seen, cand.fresh, e) {
                        if self.seen[e.service as usize] == Seen::ProbesEverywhere {
                            probed_everywhere += 1;
                        }
                        cand.remaining += 1;
                        cand.remaining_weight += score::bucket_weight(e.bucket);
                        cand.upper_bound += gain[e.bucket as usize][e.compat.index()];
                        marks.extend(cand.outside.mark(self.footprints.of(e.service)));
                    }
                }
                // The agreement terms do not depend on ρ: the bound takes the footprint's
                // exactly, and the timing's for every dependent that could be in step.
                cand.upper_bound += footprint::agreement(marks.drain(..))
                    + timing::in_step_agreement(probed_everywhere);
            }
            order.sort_by(|&a, &b| {
                candidates[b]
                    .upper_bound
                    .total_cmp(&candidates[a].upper_bound)
            });

            let mut best: Option<usize> = None;
            let mut best_info: (CauseKind, f64, usize) =
                (CauseKind::Service(0), f64::NEG_INFINITY, 0);
            let mut best_score = 0.0f64;
            let mut scored: Vec<usize> = Vec::new();
            // Components that would be eligible but for the explaining-away test, and those
            // that pass it.
            let mut blocked: Vec<usize> = Vec::new();
            let mut passing: Vec<usize> = Vec::new();
            for &i in &order {
                if Some(i) == excluded {
                    continue;
                }
                let cand = &mut candidates[i];
                if cand.upper_bound < best_score.max(0.0) - p.prune_margin {
                    break;
                }
                if cand.remaining < p.min_services {
                    continue;
                }
                if cand.fit.is_none() {
                    impaired_ev.clear();
                    impaired_ev.extend(
                        cand.evidence
                            .iter()
                            .filter(|e| {
                                live(&self.remaining, &self.since, &self.seen, cand.fresh, e)
                            })
                            .map(|e| {
                                let t = self.timing(cand.fresh, cand.established, e);
                                e.impaired(&cand.outside, t, self.footprints.of(e.service))
                            }),
                    );
                    let mut fit = score::fit(&p.model, &impaired_ev, &cand.healthy);
                    fit.score += cand.prior_relief(&p);
                    let independent = count_independent(
                        &self.graph,
                        &self.impaired,
                        &self.remaining,
                        &self.since,
                        &self.seen,
                        &self.passing,
                        cand,
                    );
                    cand.fit = Some((fit, independent));
                }
                scored.push(i);
                let (fit, independent) = cand.fit.unwrap_or((
                    score::Fit {
                        score: f64::NEG_INFINITY,
                        hit_share: 0.0,
                    },
                    0,
                ));
                let eligible = match cand.kind {
                    CauseKind::Component(_) => {
                        let lift = residual_lift_ok(
                            cand,
                            remaining_total,
                            impaired_total,
                            self.observed_total,
                            eps,
                        );
                        if independent >= p.min_services && fit.score > 0.0 {
                            if lift {
                                passing.push(i);
                            } else {
                                blocked.push(i);
                            }
                        }
                        independent >= p.min_services && lift
                    }
                    CauseKind::Service(_) => cand.remaining >= p.min_services,
                };
                if eligible
                    && fit.score > 0.0
                    && (best.is_none() || prefer(&self.graph, cand, fit.score, &best_info))
                {
                    best = Some(i);
                    best_info = (cand.kind, fit.score, cand.observed);
                    best_score = fit.score;
                }
            }
            // Two concurrent failures can each be the other's background: on a small world
            // their dependents are most of the impaired services, and neither passes the
            // explaining-away test until the other is accepted. A component blocked only by
            // another's services — each passes once the other's are set aside, and they
            // share no impaired service — competes as if the other had been accepted, unless
            // a component that passes claims some of its services: then it may be the broad
            // cover of narrower failures (a cloud under three failing CDNs), which go first.
            for &x in &blocked {
                let Some((fx, _)) = candidates[x].fit else {
                    continue;
                };
                if best.is_some() && !prefer(&self.graph, &candidates[x], fx.score, &best_info) {
                    continue;
                }
                if self.partner_unblocks(
                    candidates,
                    x,
                    &scored,
                    &passing,
                    remaining_total,
                    impaired_total,
                ) {
                    best = Some(x);
                    best_info = (candidates[x].kind, fx.score, candidates[x].observed);
                    best_score = fx.score;
                }
            }
            if round == 0 && record {
                self.first_round = scored
                    .iter()
                    .filter_map(|&i| {
                        let c = &candidates[i];
                        c.fit.map(|(f, _)| CandidateScore {
                            kind: c.kind,
                            score: f.score,
                            impaired: c.remaining,
                        })
                    })
                    .collect();
            }
            let Some(b) = best else { break };

            // The services this cause explains.
            let explained: Vec<ServiceIx> = candidates[b]
                .evidence
                .iter()
                .filter(|e| {
                    live(
                        &self.remaining,
                        &self.since,
                        &self.seen,
                        candidates[b].fresh,
                        e,
                    )
                })
                .map(|e| e.service)
                .collect();
            for &s in &explained {
                self.scratch[s as usize] = true;
            }
            // Confidence: posterior among "no common cause" and the scored hypotheses that
            // mostly explain the same services. An ancestor claiming no more than this cause
            // is the same claim said less precisely, not a rival.
            let sb = best_score;
            let mut rivals: Vec<Rival> = Vec::new();
            let mut cause_marked = false;
            for &i in &scored {
                let c = &candidates[i];
                let Some((f, _)) = c.fit else { continue };
                if c.remaining == 0 || i == b {
                    continue;
                }
                let overlap = c
                    .evidence
                    .iter()
                    .filter(|e| {
                        live(&self.remaining, &self.since, &self.seen, c.fresh, e)
                            && self.scratch[e.service as usize]
                    })
                    .count();
                if overlap * 2 < c.remaining && overlap * 2 < explained.len() {
                    continue;
                }
                let ancestor = is_same_or_ancestor(&self.graph, c.kind, candidates[b].kind);
                if ancestor && overlap == c.remaining {
                    continue;
                }
                let live_ev: Vec<Evidence> = c
                    .evidence
                    .iter()
                    .filter(|e| live(&self.remaining, &self.since, &self.seen, c.fresh, e))
                    .copied()
                    .collect();
                // A rival whose failure may still be unfolding is judged by what it may
                // yet become: its healthy dependents that do not rely on the cause count
                // only as far as their detection is due. Those relying on the cause too
                // count in full, as they do against the cause.
                let due = c
                    .fresh
                    .onset
                    .map_or(1.0, |onset| detection_due(self.now.saturating_sub(onset)));
                let cause_kind = candidates[b].kind;
                let (score, settled) = if due < 1.0 {
                    if let (false, CauseKind::Service(u)) = (cause_marked, cause_kind) {
                        self.mark_relying_on_service(u, true);
                        cause_marked = true;
                    }
                    let settled = self.healthy_relying_on(c.kind, cause_kind);
                    impaired_ev.clear();
                    impaired_ev.extend(live_ev.iter().map(|e| {
                        let t = self.timing(c.fresh, c.established, e);
                        e.impaired(&c.outside, t, self.footprints.of(e.service))
                    }));
                    let fit =
                        score::fit_unfolding(&p.model, &impaired_ev, &c.healthy, &settled, due);
                    (fit.score + c.prior_relief(&p), settled)
                } else {
                    (f.score, c.healthy)
                };
                rivals.push(Rival {
                    candidate: i,
                    score,
                    due,
                    settled,
                    ancestor,
                    live: live_ev,
                    fresh: c.fresh,
                });
            }
            if let (true, CauseKind::Service(u)) = (cause_marked, candidates[b].kind) {
                self.mark_relying_on_service(u, false);
            }
            drop_restated_rivals(&self.graph, candidates, &mut rivals);
            let confidence = posterior_share(sb, rivals.iter().map(|r| r.score));
            for &s in &explained {
                self.scratch[s as usize] = false;
            }

            let cand = &candidates[b];
            let (fit, independent) = cand.fit.unwrap_or((
                score::Fit {
                    score: 0.0,
                    hit_share: 0.0,
                },
                0,
            ));
            let dependents_impaired = cand.evidence.len();
            pick_rivals.push(rivals);
            picks.push((
                b,
                Cause {
                    kind: cand.kind,
                    score: fit.score,
                    confidence,
                    hit_share: fit.hit_share,
                    explained: explained.clone(),
                    independent,
                    dependents: cand.observed,
                    dependents_impaired,
                    others: self.observed_total.saturating_sub(cand.observed),
                    others_impaired: impaired_total.saturating_sub(dependents_impaired),
                    symptoms: symptom_counts(explained.iter().map(|&s| self.symptom[s as usize])),
                    misfits: cand
                        .evidence
                        .iter()
                        .filter(|e| {
                            live(&self.remaining, &self.since, &self.seen, cand.fresh, e)
                                && e.compat != Compat::Fits
                        })
                        .count(),
                    apart: cand
                        .evidence
                        .iter()
                        .filter(|e| {
                            live(&self.remaining, &self.since, &self.seen, cand.fresh, e)
                                && matches!(
                                    self.timing(cand.fresh, cand.established, e),
                                    Timing::Apart | Timing::FarApart
                                )
                        })
                        .count(),
                    same_vantages: footprint::best_group(
                        explained.iter().map(|&s| self.footprints.of(s)),
                        &cand.outside,
                        &self.footprints,
                    ),
                },
            ));
            remaining_total = remaining_total.saturating_sub(explained.len());
            for &s in &explained {
                self.remaining[s as usize] = false;
                self.scratch[s as usize] = true;
            }
            for &i in subset {
                let c = &candidates[i];
                if c.evidence.iter().any(|e| self.scratch[e.service as usize]) {
                    dirty[i] = true;
                }
            }
            for &s in &explained {
                self.scratch[s as usize] = false;
            }
        }
        self.refine_confidences(candidates, &mut picks, &pick_rivals);
        picks
    }

    /// Whether component candidate `x`, blocked by the explaining-away test, has a partner
    /// among the `scored` candidates: a component with a positive score and enough
    /// independent services, sharing no live impaired service with `x`, such that each
    /// passes the test once the other's services are counted as explained. Never when one of
    /// the `passing` components shares a live impaired service with `x`.
    fn partner_unblocks(
        &mut self,
        candidates: &[Candidate],
        x: usize,
        scored: &[usize],
        passing: &[usize],
        remaining_total: usize,
        impaired_total: usize,
    ) -> bool {
        let p = self.params;
        let eps = p.model.background_rate;
        let cx = &candidates[x];
        for e in &cx.evidence {
            if live(&self.remaining, &self.since, &self.seen, cx.fresh, e) {
                self.scratch[e.service as usize] = true;
            }
        }
        let shares = |c: &Candidate, scratch: &[bool]| {
            c.evidence.iter().any(|e| {
                scratch[e.service as usize]
                    && live(&self.remaining, &self.since, &self.seen, c.fresh, e)
            })
        };
        let covered = passing
            .iter()
            .any(|&y| y != x && shares(&candidates[y], &self.scratch));
        let found = !covered
            && scored.iter().any(|&y| {
                let cy = &candidates[y];
                y != x
                    && matches!(cy.kind, CauseKind::Component(_))
                    && cy
                        .fit
                        .is_some_and(|(f, ind)| f.score > 0.0 && ind >= p.min_services)
                    && !shares(cy, &self.scratch)
                    && residual_lift_ok(
                        cx,
                        remaining_total.saturating_sub(cy.remaining),
                        impaired_total,
                        self.observed_total,
                        eps,
                    )
                    && residual_lift_ok(
                        cy,
                        remaining_total.saturating_sub(cx.remaining),
                        impaired_total,
                        self.observed_total,
                        eps,
                    )
            });
        for e in &cx.evidence {
            self.scratch[e.service as usize] = false;
        }
        found
    }

    /// When a dependent turned impaired relative to the onset in `fresh` ([`timing`]):
    /// [`Timing::Together`] for a dependent or a candidate without a known onset. For the
    /// component of an open incident (`established`) never apart, but in step all the same:
    /// its parts and what it is part of, its rivals for the name, are judged with the step.
    fn timing(&self, fresh: Fresh, established: bool, e: &Evidence) -> Timing {
        let s = e.service as usize;
        match (fresh.onset, self.since[s]) {
            (Some(onset), Some(t)) => {
                match Timing::of(
                    t.as_millis().saturating_sub(onset),
                    self.seen[s],
                    fresh.onset_seen,
                ) {
                    Timing::Apart | Timing::FarApart if established => Timing::Together,
                    timing => timing,
                }
            }
            _ => Timing::Together,
        }
    }

    /// Sets `relies_on_cause` for the service and every service relying on it (`on`), or
    /// clears it.
    fn mark_relying_on_service(&mut self, u: ServiceIx, on: bool) {
        self.relies_on_cause[u as usize] = on;
        for r in self.graph.service_blast_radius(u) {
            self.relies_on_cause[r.ix as usize] = on;
        }
    }

    /// The healthy observed dependents of hypothesis `kind` that rely on `cause` too, by
    /// bucket. For a service cause, `relies_on_cause` must be marked.
    fn healthy_relying_on(&self, kind: CauseKind, cause: CauseKind) -> [u32; BUCKETS] {
        let mut hist = [0u32; BUCKETS];
        let mut count = |r: &crate::graph::Reach| {
            let s = r.ix as usize;
            if !self.observed[s] || self.impaired[s] {
                return;
            }
            let relies = match cause {
                CauseKind::Component(c) => self.graph.relies_on(r.ix, c),
                CauseKind::Service(_) => self.relies_on_cause[s],
            };
            if relies {
                hist[score::bucket(r.confidence) as usize] += 1;
            }
        };
        match kind {
            CauseKind::Component(c) => self.graph.dependents(c).iter().for_each(&mut count),
            CauseKind::Service(u) => self
                .graph
                .service_blast_radius(u)
                .iter()
                .for_each(&mut count),
        }
        hist
    }

    /// Explaining away, for confidences: a rival of a cause is judged again without the
    /// services that causes accepted *after* it explain. When a pick was made, later causes
    /// were not known yet, so a rival could still claim their services: a region "explaining"
    /// its managed service's dependents plus one service of a concurrent DNS failure is no
    /// rival to the managed service once the DNS failure is accepted. Rivals only lose
    /// evidence here, so a confidence only rises; scores are unchanged.
    fn refine_confidences(
        &mut self,
        candidates: &[Candidate],
        picks: &mut [(usize, Cause)],
        pick_rivals: &[Vec<Rival>],
    ) {
        let p = self.params;
        for k in 0..picks.len().saturating_sub(1) {
            for (_, later) in &picks[k + 1..] {
                for &s in &later.explained {
                    self.scratch[s as usize] = true;
                }
            }
            let touched = pick_rivals[k]
                .iter()
                .any(|r| r.live.iter().any(|e| self.scratch[e.service as usize]));
            if touched {
                let cause = &picks[k].1;
                let mut explained = cause.explained.clone();
                explained.sort_unstable();
                let rival_scores = pick_rivals[k].iter().filter_map(|r| {
                    let kept: Vec<&Evidence> = r
                        .live
                        .iter()
                        .filter(|e| !self.scratch[e.service as usize])
                        .collect();
                    if kept.len() == r.live.len() {
                        return Some(r.score);
                    }
                    if kept.len() < p.min_services
                        || (r.ancestor
                            && kept
                                .iter()
                                .all(|e| explained.binary_search(&e.service).is_ok()))
                    {
                        return None;
                    }
                    let rival = &candidates[r.candidate];
                    let kept: Vec<score::Impaired> = kept
                        .iter()
                        .map(|e| {
                            let t = self.timing(r.fresh, rival.established, e);
                            e.impaired(&rival.outside, t, self.footprints.of(e.service))
                        })
                        .collect();
                    let healthy = &rival.healthy;
                    let fit = score::fit_unfolding(&p.model, &kept, healthy, &r.settled, r.due);
                    Some(fit.score + rival.prior_relief(&p))
                });
                picks[k].1.confidence = posterior_share(cause.score, rival_scores);
            }
            for (_, later) in &picks[k + 1..] {
                for &s in &later.explained {
                    self.scratch[s as usize] = false;
                }
            }
        }
    }
}

/// How often each error occurs, commonest first (ties in the order of [`ProbeError::ALL`]).
fn symptom_counts(symptoms: impl Iterator<Item = Option<ProbeError>>) -> Vec<(ProbeError, usize)> {
    let mut counts = [0usize; ProbeError::ALL.len()];
    for e in symptoms.flatten() {
        counts[e.index()] += 1;
    }
    let mut v: Vec<(ProbeError, usize)> = ProbeError::ALL
        .into_iter()
        .zip(counts)
        .filter(|x| x.1 > 0)
        .collect();
    v.sort_by_key(|x| std::cmp::Reverse(x.1));
    v
}

/// The confidence of a cause with `score`: its posterior share among "no common cause"
/// (score 0), itself and its rivals, `e^S / (1 + e^S + Σ e^S_rival)`, computed relative to
/// the cause's own score so that large scores do not overflow.
fn posterior_share(score: f64, rivals: impl Iterator<Item = f64>) -> f64 {
    let z = (-score).exp() + 1.0 + rivals.map(|r| (r - score).exp()).sum::<f64>();
    (1.0 / z).clamp(0.0, 1.0)
}

/// A rival of a cause when it was picked: its score then and the evidence it claimed.
struct Rival {
    candidate: usize,
    /// Judged as a failure that may still be unfolding (healthy dependents weighed by `due`).
    score: f64,
    /// [`detection_due`] at the rival's onset.
    due: f64,
    /// Its healthy dependents that count in full (those relying on the cause too).
    settled: [u32; BUCKETS],
    /// An ancestor of the cause (the same claim, less precise, when it claims nothing more).
    ancestor: bool,
    live: Vec<Evidence>,
    /// Its evidence window and onset when it was judged (timing is relative to that onset).
    fresh: Fresh,
}

/// Two rivals where one is an ancestor of the other and claims no service the other does
/// not are one failure said at two precisions (a cloud whose only impaired dependents are
/// its front door's): one hypothesis against the cause, not two. Keeps the better-scoring.
fn drop_restated_rivals(
    graph: &DependencyGraph,
    candidates: &[Candidate],
    rivals: &mut Vec<Rival>,
) {
    if rivals.len() < 2 {
        return;
    }
    let mut dropped = vec![false; rivals.len()];
    for (a, ra) in rivals.iter().enumerate() {
        for (d, rd) in rivals.iter().enumerate() {
            if a == d || dropped[a] || dropped[d] {
                continue;
            }
            let (ka, kd) = (candidates[ra.candidate].kind, candidates[rd.candidate].kind);
            if !is_same_or_ancestor(graph, ka, kd) || ra.live.len() > rd.live.len() {
                continue;
            }
            let mut theirs: Vec<ServiceIx> = rd.live.iter().map(|f| f.service).collect();
            theirs.sort_unstable();
            if !ra
                .live
                .iter()
                .all(|e| theirs.binary_search(&e.service).is_ok())
            {
                continue;
            }
            if rd.score >= ra.score {
                dropped[a] = true;
            } else {
                dropped[d] = true;
            }
        }
    }
    let mut i = 0;
    rivals.retain(|_| {
        i += 1;
        !dropped[i - 1]
    });
}

/// Is `a` the component `b`, or one of its ancestors?
fn is_same_or_ancestor(graph: &DependencyGraph, a: CauseKind, b: CauseKind) -> bool {
    match (a, b) {
        (CauseKind::Component(a), CauseKind::Component(b)) => graph.is_within(b, a),
        _ => false,
    }
}

/// Is `cand` (with `score`) a better cause than `other`? Higher score wins; on a tie (within
/// 1e-9) the more specific component, then the one with fewer dependents, then the lower index.
fn prefer(
    graph: &DependencyGraph,
    cand: &Candidate,
    score: f64,
    other: &(CauseKind, f64, usize),
) -> bool {
    let (okind, oscore, oobs) = *other;
    if (score - oscore).abs() > 1e-9 {
        return score > oscore;
    }
    let depth = |k: CauseKind| match k {
        CauseKind::Component(c) => graph.component(c).depth as i64,
        CauseKind::Service(_) => -1,
    };
    let (da, db) = (depth(cand.kind), depth(okind));
    if da != db {
        return da > db;
    }
    if cand.observed != oobs {
        return cand.observed < oobs;
    }
    let key = |k: CauseKind| match k {
        CauseKind::Component(c) => (0, c),
        CauseKind::Service(s) => (1, s),
    };
    key(cand.kind) < key(okind)
}

/// The window in which the candidate's residual impaired dependents are fresh evidence,
/// around its onset (the upper median of its residual dependents' impairment onsets): from
/// [`STALE_BEFORE_ONSET_MS`] before it to [`LATE_AFTER_ONSET_MS`] after it, or
/// [`LATE_REPORTED_AFTER_ONSET_MS`] for a dependent impaired by reports alone (no end for an
/// established component). A service failing for an hour is not evidence that a component
/// failed now, nor is one that failed ten minutes after the others; services explained by an
/// accepted cause take no part in the onset. Dependents outside the window count neither as
/// impaired nor as healthy dependents of this candidate.
fn fresh_window(
    cand: &Candidate,
    remaining: &[bool],
    since: &[Option<Timestamp>],
    seen: &[Seen],
) -> Fresh {
    let mut onsets: Vec<(i64, Seen)> = cand
        .evidence
        .iter()
        .filter(|e| remaining[e.service as usize])
        .filter_map(|e| {
            let s = e.service as usize;
            since[s].map(|t| (t.as_millis(), seen[s]))
        })
        .collect();
    if onsets.len() < 2 {
        return Fresh::ALWAYS;
    }
    onsets.sort_unstable();
    let (onset, onset_seen) = onsets[onsets.len() / 2];
    let end = |late: i64| {
        if cand.established {
            i64::MAX
        } else {
            onset.saturating_add(late)
        }
    };
    Fresh {
        onset: Some(onset),
        onset_seen,
        from: onset.saturating_sub(STALE_BEFORE_ONSET_MS),
        until: end(LATE_AFTER_ONSET_MS),
        until_reported: end(LATE_REPORTED_AFTER_ONSET_MS),
    }
}

/// Is this evidence still to explain and fresh for its candidate?
fn live(
    remaining: &[bool],
    since: &[Option<Timestamp>],
    seen: &[Seen],
    fresh: Fresh,
    e: &Evidence,
) -> bool {
    let s = e.service as usize;
    remaining[s]
        && since[s].is_none_or(|t| {
            let t = t.as_millis();
            let until = match seen[s] {
                Seen::Reports => fresh.until_reported,
                Seen::ProbesEverywhere | Seen::ProbesSomewhere => fresh.until,
            };
            fresh.from <= t && t <= until
        })
}

/// Explaining away: are the candidate's residual dependents impaired at least
/// [`MIN_RESIDUAL_LIFT`] times as often as its residual non-dependents (never taken below ε)?
/// Residual means not explained by a cause accepted earlier in this tick. When 41% of all
/// services are impaired, a cloud whose dependents are 45% impaired explains nothing.
fn residual_lift_ok(
    cand: &Candidate,
    remaining_total: usize,
    impaired_total: usize,
    observed_total: usize,
    eps: f64,
) -> bool {
    // Dependents count by the confidence of their edges: a service that relies on the
    // component with confidence 0.4 is four tenths of a dependent, impaired or healthy.
    let healthy_weight: f64 = cand
        .healthy
        .iter()
        .enumerate()
        .map(|(b, &n)| f64::from(n) * score::bucket_weight(b as u8))
        .sum();
    let dep_obs = healthy_weight + cand.remaining_weight;
    if dep_obs <= 0.0 {
        return false;
    }
    let dep_rate = cand.remaining_weight / dep_obs;
    let explained_deps = cand.evidence.len().saturating_sub(cand.remaining);
    let explained_others = impaired_total
        .saturating_sub(remaining_total)
        .saturating_sub(explained_deps);
    let others_obs = observed_total
        .saturating_sub(cand.observed)
        .saturating_sub(explained_others);
    let others_imp = remaining_total.saturating_sub(cand.remaining);
    let background = if others_obs == 0 {
        eps
    } else {
        (others_imp as f64 / others_obs as f64).max(eps)
    };
    dep_rate >= MIN_RESIDUAL_LIFT * background
}

/// Impaired dependents still to explain that fail independently: those that rely on the
/// component directly, plus one for each **gateway** the others reach it through (a service
/// they rely on that relies on the component), unless a gateway is impaired itself (then it
/// counts for them). Two services embedding one widget that relies on a CDN are one piece of
/// evidence about the CDN, the widget's failure, whether or not the widget has been seen to
/// fail yet: counting them as two named a CDN for a lone failure of the widget before its
/// own slow reports arrived (docs/attribution.md, "Several causes at once").
///
/// A service whose live probes all pass while a failure of the component would have them
/// fail (`passing`, its fit implausible: a CDN, a DNS provider) does not count at all: its
/// trouble lies where the probes do not look, so it cannot be one of the two services that
/// make a component failure (docs/attribution.md, "Symptoms").
fn count_independent(
    graph: &DependencyGraph,
    impaired: &[bool],
    remaining: &[bool],
    since: &[Option<Timestamp>],
    seen: &[Seen],
    passing: &[bool],
    cand: &Candidate,
) -> usize {
    let CauseKind::Component(c) = cand.kind else {
        return cand.remaining;
    };
    let mut gateways: Vec<ServiceIx> = Vec::new();
    let mut direct = 0;
    for e in cand
        .evidence
        .iter()
        .filter(|e| live(remaining, since, seen, cand.fresh, e))
        .filter(|e| !(passing[e.service as usize] && e.compat == Compat::Implausible))
    {
        if e.direct {
            direct += 1;
            continue;
        }
        let mut through =
            graph
                .direct_edges(e.service)
                .iter()
                .filter_map(|edge| match edge.target {
                    crate::graph::Target::Service(d) if graph.relies_on(d, c) => Some(d),
                    _ => None,
                });
        // A path through no service relying on the component (a graph built otherwise) counts
        // on its own, as before.
        let Some(first) = through.next() else {
            direct += 1;
            continue;
        };
        let mut rest = std::iter::once(first).chain(through);
        if rest.any(|d| impaired[d as usize]) {
            continue;
        }
        if !gateways.contains(&first) {
            gateways.push(first);
        }
    }
    direct + gateways.len()
}

#[cfg(test)]
mod tests;

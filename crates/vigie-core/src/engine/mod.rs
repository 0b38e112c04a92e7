//! The engine: a deterministic, single-threaded state machine from signals to conclusions.
//!
//! It owns the per-service state (probe machines, report counts and detectors, official
//! statuses, the fused state with its hysteresis and the service incidents) and nothing that
//! touches the outside world. `ingest` only records evidence (O(1) per signal: one hash
//! lookup for the service, then a scan of that service's handful of vantages); `tick(now)`
//! draws conclusions, visiting only services whose evidence changed or whose timers are due,
//! and returns every change as an [`Output`]. Attribution runs at the end of each tick over
//! [`Engine::health`].
//!
//! Submodules: [`probes`] (threshold machines and quorum), [`reports`] (deduplication,
//! per-minute counts, the surge detector), [`fusion`] (the documented rules and their
//! hysteresis), [`incidents`] (service incident timelines).

pub mod fusion;
pub mod incidents;
pub mod intern;
pub mod neighbours;
pub mod probes;
pub mod reports;
pub mod upstream;

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use crate::detect::{Band, DetectParams, SurgeLevel, SurgeVerdict};
use crate::graph::ComponentIx;
use crate::model::{OfficialStatus, ProbeError, State, Topology};
use crate::output::{IncidentId, IncidentIds, Output, Scope};
use crate::signal::{OfficialTarget, Signal};
use crate::time::{Timestamp, MINUTE_MS};

pub use fusion::{FusionParams, Rule};
pub use incidents::ServiceIncident;
pub use probes::{
    CheckMachine, Footprint, ProbeParams, ProbeThresholds, ProbeVerdict, VantageCheck,
    VantageVerdict,
};
pub use reports::{MinuteCounts, ReportParams, SurgeScreen, KIND_SLOTS};

use fusion::{Evidence, NeighbourSeen};
use intern::Interner;
use neighbours::Neighbours;
use probes::ServiceProbes;
use probes::{Support, VantageSet};
use reports::ServiceReports;
use upstream::Upstream;

/// Another dependent of `component` that shows what the service being evaluated shows:
/// failures waiting for the same thing ([`Engine::corroborate_by_peers`]), or a thin surge of
/// reports ([`Engine::corroborate_thin_surges`]). `seen` is [`NeighbourSeen::Alike`] or
/// [`NeighbourSeen::ThinSurge`].
#[derive(Clone, Copy, Debug)]
struct Peer {
    service: usize,
    component: ComponentIx,
    seen: NeighbourSeen,
}

/// Pairs services showing the same thing (`key`) that share a direct component: each service
/// after the first to show it on one of its components, with that first one as the peer it
/// may lean on (showing `seen`).
fn pair_up<K: Copy + Eq + std::hash::Hash>(
    graph: &crate::graph::DependencyGraph,
    services: impl IntoIterator<Item = (usize, K, NeighbourSeen)>,
) -> Vec<(usize, Peer)> {
    let mut first_of: HashMap<(ComponentIx, K), usize> = HashMap::new();
    let mut pairs = Vec::new();
    for (ix, key, seen) in services {
        for c in neighbours::direct_components(graph, ix as u32) {
            match first_of.entry((c, key)) {
                Entry::Occupied(first) => {
                    pairs.push((
                        ix,
                        Peer {
                            service: *first.get(),
                            component: c,
                            seen,
                        },
                    ));
                    break;
                }
                Entry::Vacant(slot) => {
                    slot.insert(ix);
                }
            }
        }
    }
    pairs
}

/// Every constant of the engine. `Default` holds the documented values (docs/detection.md).
#[derive(Clone, Debug, PartialEq)]
pub struct EngineParams {
    pub detect: DetectParams,
    pub reports: ReportParams,
    pub probes: ProbeParams,
    pub fusion: FusionParams,
    /// Resolved service incidents kept for [`Engine::recent_incidents`].
    pub keep_resolved_incidents: usize,
}

impl EngineParams {
    /// The documented defaults (docs/detection.md); the same as `Default`.
    pub fn documented() -> Self {
        EngineParams::default()
    }
}

impl Default for EngineParams {
    fn default() -> Self {
        EngineParams {
            detect: DetectParams::default(),
            reports: ReportParams::default(),
            probes: ProbeParams::default(),
            fusion: FusionParams::default(),
            keep_resolved_incidents: 1000,
        }
    }
}

/// What attribution (and anyone else) needs to know about one service, in topology order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceHealth {
    /// Index of the service in the topology.
    pub service: u32,
    pub state: State,
    /// When the current state began.
    pub since: Timestamp,
    /// When the service became impaired, while it is: when its open service incident was
    /// detected, so a service impaired again within the incident's resolve hold keeps the
    /// onset of the episode (a flapping service is one impairment, not a new one each time).
    pub impaired_since: Option<Timestamp>,
    /// The open service incident, if any (open while impaired and during its resolve hold).
    pub incident: Option<IncidentId>,
    /// While probes fail: the most frequent error among the failing vantages of the worst
    /// check (how the service fails, which attribution weighs). Kept while the service stays
    /// impaired after its probes pass again (its recovery hold).
    pub symptom: Option<ProbeError>,
    /// Its probes fail, whether or not their results said how (`error` is optional in a
    /// scenario): how attribution knows it is seen by probes and not by reports alone. Kept
    /// through the recovery hold like the symptom.
    pub probes_fail: bool,
    /// Impaired while every live probe passes (at least one vantage live, none failing or
    /// awaiting corroboration) and none has failed in this impairment: it fails where the
    /// probes do not look (a report surge, its own status page).
    pub probes_pass: bool,
    /// Not impaired, yet a live vantage's latest probe failed without counting (a fresh
    /// failure not corroborated yet, a lone vantage short of its extra failure): attribution
    /// takes such a service as neither healthy nor impaired.
    pub probes_in_doubt: bool,
    /// While probes fail from some but not all live vantages, the others passing: which ones
    /// (not kept through the recovery hold).
    pub footprint: Option<Footprint>,
    /// In this impairment its probes have failed from every live vantage at once.
    pub failed_everywhere: bool,
    /// In this impairment its probes have failed from only some of its live vantages (a
    /// footprint) and never from all of them: kept through the recovery hold, so a service
    /// whose few failing vantages pass again is not taken for one seen failing everywhere
    /// (attribution's [`Seen`](crate::attribute::Seen), which its footprint alone decided).
    pub failed_partly: bool,
}

/// The engine refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("unknown service {0:?}")]
    UnknownService(String),
}

/// An official status as last seen.
#[derive(Clone, Debug, PartialEq)]
pub struct OfficialView {
    pub status: OfficialStatus,
    pub source: String,
    pub at: Timestamp,
}

/// A read-only view of one service's current conclusions.
#[derive(Clone, Copy, Debug)]
pub struct ServiceView<'a> {
    pub id: &'a str,
    pub state: State,
    pub since: Timestamp,
    /// Why it is in this state.
    pub cause: &'a str,
    pub probe: &'a ProbeVerdict,
    pub surge: &'a SurgeVerdict,
    pub official: Option<&'a OfficialView>,
    /// Reports received (duplicates included) and counted.
    pub reports_received: u64,
    pub reports_counted: u64,
    pub incident: Option<&'a ServiceIncident>,
}

/// One minute of the report chart: distinct reporters and the expected band.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReportPoint {
    pub minute: Timestamp,
    pub distinct: u32,
    pub by_kind: [u32; KIND_SLOTS],
    pub expected: f64,
    pub upper: f64,
}

struct ServiceSlot {
    id: Box<str>,
    probes: ServiceProbes,
    reports: ServiceReports,
    official: Option<OfficialView>,
    state: State,
    since: Timestamp,
    cause: String,
    impaired_since: Option<Timestamp>,
    /// Since when the candidate has been better than an impaired state.
    better_since: Option<Timestamp>,
    /// Since when the service's reports have been `overwhelming` without a break.
    overwhelming_since: Option<Timestamp>,
    incident: Option<ServiceIncident>,
    /// Evidence changed since the last evaluation.
    dirty: bool,
    /// The next instant at which time alone can change something.
    due: i64,
}

/// The deterministic engine. See the module documentation.
pub struct Engine {
    params: EngineParams,
    topology: Topology,
    index: Interner,
    services: Vec<ServiceSlot>,
    health: Vec<ServiceHealth>,
    /// Some service's health or a component's official status changed since attribution
    /// last ran: an idle attributor must run again.
    attribution_stale: bool,
    components: Interner,
    component_official: Vec<Option<OfficialView>>,
    incident_ids: IncidentIds,
    screen: SurgeScreen,
    /// Root-cause attribution (`None` when the topology cannot make a dependency graph).
    attributor: Option<crate::attribute::Attributor>,
    /// Which services depend on a component attribution blames.
    upstream: Upstream,
    /// The latest impairment onsets among each component's direct dependents.
    neighbours: Neighbours,
    /// Services whose fresh failures from two vantages await unanimity
    /// ([`ProbeVerdict::corroborable`]), sorted: a neighbour turning impaired makes them count.
    corroborable: Vec<usize>,
    /// Services without live probes whose reports are a thin surge
    /// ([`SurgeLevel::Thin`]), sorted: a neighbour turning impaired makes them count.
    thin_surges: Vec<usize>,
    resolved: VecDeque<ServiceIncident>,
    last_tick: Option<Timestamp>,
    last_input: Option<Timestamp>,
    signals: u64,
}

impl Engine {
    pub fn new(topology: Topology, params: EngineParams) -> Engine {
        let detect = Arc::new(params.detect.clone());
        let mut index = Interner::with_capacity(topology.services.len());
        let mut services = Vec::with_capacity(topology.services.len());
        for s in &topology.services {
            let before = index.len();
            if index.intern(&s.id) as usize != before {
                continue; // a duplicate id: the first one wins
            }
            services.push(ServiceSlot {
                id: s.id.as_str().into(),
                probes: ServiceProbes::default(),
                reports: ServiceReports::new(Arc::clone(&detect)),
                official: None,
                state: State::Unknown,
                since: Timestamp::from_millis(0),
                cause: String::new(),
                impaired_since: None,
                better_since: None,
                overwhelming_since: None,
                incident: None,
                dirty: false,
                due: i64::MAX,
            });
        }
        let health = (0..services.len() as u32)
            .map(|i| ServiceHealth {
                service: i,
                state: State::Unknown,
                since: Timestamp::from_millis(0),
                impaired_since: None,
                incident: None,
                symptom: None,
                probes_fail: false,
                probes_pass: false,
                probes_in_doubt: false,
                footprint: None,
                failed_everywhere: false,
                failed_partly: false,
            })
            .collect();
        let mut components = Interner::with_capacity(topology.components.len());
        for c in &topology.components {
            components.intern(&c.id);
        }
        let component_official = vec![None; components.len()];
        let screen = SurgeScreen::new(&params.detect);
        let attributor = crate::attribute::Attributor::new(
            &topology,
            crate::attribute::AttributionParams::default(),
        )
        .ok();
        let upstream = Upstream::new(services.len());
        let neighbours = Neighbours::new(
            attributor
                .as_ref()
                .map_or(0, |a| a.graph().component_count()),
        );
        Engine {
            params,
            topology,
            index,
            services,
            health,
            attribution_stale: true,
            components,
            component_official,
            incident_ids: IncidentIds::default(),
            screen,
            attributor,
            upstream,
            neighbours,
            corroborable: Vec::new(),
            thin_surges: Vec::new(),
            resolved: VecDeque::new(),
            last_tick: None,
            last_input: None,
            signals: 0,
        }
    }

    /// Starts incident ids after those already used (`vigie serve` passes its store's).
    pub fn with_incident_ids(mut self, ids: IncidentIds) -> Engine {
        self.incident_ids = ids;
        self
    }

    pub fn params(&self) -> &EngineParams {
        &self.params
    }

    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// Failure and recovery thresholds for one check of a service (defaults 2/2).
    pub fn set_check_policy(
        &mut self,
        service: &str,
        check_id: &str,
        failure_threshold: u32,
        recovery_threshold: u32,
    ) -> Result<(), EngineError> {
        let ix = self
            .index
            .get(service)
            .ok_or_else(|| EngineError::UnknownService(service.to_string()))?;
        let default = self.params.probes.default_thresholds;
        let slot = &mut self.services[ix as usize];
        slot.probes.set_policy(
            check_id,
            ProbeThresholds::new(failure_threshold, recovery_threshold),
            default,
        );
        slot.dirty = true;
        Ok(())
    }

    /// Seeds a service's report history after a restart from stored per-minute counts of
    /// distinct (counted) reporters, ascending: the baseline learns them as it would have
    /// live, so the detector needs no new warm-up and the report chart keeps its past. Only
    /// minutes before the one containing `now` are used, and only while the service has
    /// received no report in this run (restoring behind live reports would break their
    /// order). Returns how many minutes were used.
    pub fn restore_report_minutes(
        &mut self,
        service: &str,
        now: Timestamp,
        minutes: &[(Timestamp, u32)],
    ) -> Result<usize, EngineError> {
        let ix = self
            .index
            .get(service)
            .ok_or_else(|| EngineError::UnknownService(service.to_string()))?;
        let slot = &mut self.services[ix as usize];
        let used = slot.reports.restore(now, minutes, &self.params.reports);
        if used > 0 {
            slot.dirty = true;
        }
        Ok(used)
    }

    /// Records one signal. Signals for unknown services are ignored (the scenario reader
    /// and the server reject them earlier); returns whether the signal was used.
    pub fn ingest(&mut self, signal: Signal) -> bool {
        self.ingest_ref(&signal)
    }

    /// Like [`Engine::ingest`], without taking ownership.
    pub fn ingest_ref(&mut self, signal: &Signal) -> bool {
        let at = signal.at();
        self.last_input = Some(self.last_input.map_or(at, |t| t.max(at)));
        let service = match signal {
            Signal::Report(r) => &r.service,
            Signal::Reports(r) => &r.service,
            Signal::Probe(p) => &p.service,
            Signal::Official(o) => match &o.target {
                OfficialTarget::Service(s) => s,
                OfficialTarget::Component(c) => {
                    let ix = match self.components.get(c) {
                        Some(ix) => ix,
                        None => {
                            let ix = self.components.intern(c);
                            self.component_official.push(None);
                            ix
                        }
                    };
                    self.component_official[ix as usize] = Some(OfficialView {
                        status: o.status,
                        source: o.source.clone(),
                        at,
                    });
                    // Shown in the component's explanation and weighed as a declared
                    // failure (docs/attribution.md, "A declared failure").
                    if let Some(attributor) = &mut self.attributor {
                        attributor.set_official(c, o.status, &o.source);
                        self.attribution_stale = true;
                    }
                    self.signals += 1;
                    return true;
                }
            },
        };
        let Some(ix) = self.index.get(service) else {
            return false;
        };
        self.signals += 1;
        let slot = &mut self.services[ix as usize];
        slot.dirty = true;
        let params = &self.params;
        match signal {
            Signal::Report(r) => slot.reports.report(
                at,
                r.reporter.as_deref(),
                r.kind,
                r.region.as_deref(),
                &params.reports,
            ),
            Signal::Reports(b) => {
                slot.reports
                    .batch(at, b.count, b.kind, b.region.as_deref(), &params.reports)
            }
            Signal::Probe(p) => slot.probes.observe(p, &params.probes),
            Signal::Official(o) => {
                slot.official = Some(OfficialView {
                    status: o.status,
                    source: o.source.clone(),
                    at,
                })
            }
        }
        true
    }

    /// Draws conclusions at `now` and returns what changed. `now` earlier than a previous
    /// tick is treated as that tick's time (time never goes backwards).
    pub fn tick(&mut self, now: Timestamp) -> Vec<Output> {
        let now = self.last_tick.map_or(now, |t| t.max(now));
        self.last_tick = Some(now);
        let mut out = Vec::new();
        for ix in 0..self.services.len() {
            let slot = &self.services[ix];
            if !slot.dirty && slot.due > now.as_millis() {
                continue;
            }
            self.evaluate(ix, now, &mut out);
        }
        self.corroborate_by_neighbours(now, &mut out);
        if self.corroborate_by_peers(now, &mut out) {
            self.corroborate_by_neighbours(now, &mut out);
        }
        if self.corroborate_thin_surges(now, &mut out) {
            self.corroborate_by_neighbours(now, &mut out);
        }
        // Attribution runs after every service state is up to date, over `self.health`
        // (topology order), allocating incident ids from `self.incident_ids` so service and
        // component incidents never collide.
        // An idle attributor with the same health concludes nothing at any time: skipping it
        // keeps a quiet replay on a one-second grid as cheap as on a coarse one.
        let attributor = self
            .attributor
            .as_mut()
            .filter(|a| self.attribution_stale || !a.is_idle());
        if let Some(attributor) = attributor {
            self.attribution_stale = false;
            out.extend(attributor.tick(now, &self.health, &mut self.incident_ids));
            // The next tick's probe verdicts see this tick's component incidents.
            let services = &mut self.services;
            self.upstream.refresh(attributor, |ix| {
                if let Some(slot) = services.get_mut(ix) {
                    slot.dirty = true;
                    slot.probes.invalidate();
                }
            });
        }
        out
    }

    /// Services whose fresh failures from two vantages await unanimity (or whose lone
    /// failing vantage awaits its extra failures) count them once a neighbour (a service
    /// relying on one of the same components) has turned impaired moments ago
    /// (`neighbours.rs`). A service turning impaired here may corroborate another, so this
    /// repeats until nothing more changes. Each service is re-evaluated once per neighbour
    /// onset: a lone vantage that the neighbour does not fail from stays in the list, and is
    /// looked at again only when a newer neighbour turns impaired. Services without live
    /// probes whose reports are a thin surge are looked at the same way (docs/detection.md
    /// 4.3, "A failing neighbour corroborates a thin surge").
    fn corroborate_by_neighbours(&mut self, now: Timestamp, out: &mut Vec<Output>) {
        // Per service, the neighbour onset it was last re-evaluated with.
        let mut tried: HashMap<usize, neighbours::Onset> = HashMap::new();
        loop {
            let Some(graph) = self.attributor.as_ref().map(|a| a.graph()) else {
                return;
            };
            let ready: Vec<usize> = self
                .corroborable
                .iter()
                .chain(&self.thin_surges)
                .copied()
                .filter_map(|ix| {
                    let (onset, _) = self.neighbours.of(graph, ix as u32, now)?;
                    (tried.insert(ix, onset) != Some(onset)).then_some(ix)
                })
                .collect();
            if ready.is_empty() {
                return;
            }
            for ix in ready {
                self.services[ix].probes.invalidate();
                self.evaluate(ix, now, out);
            }
        }
    }

    /// Services whose failures (answers, not timeouts) wait for something
    /// ([`Awaiting`]) count them when another dependent of one of the same components waits
    /// for the same thing: the last vantages to probe, each vantage's second failure from the
    /// same vantages, or the extra failures of the same lone vantage. Two dependents failing
    /// alike at once are the second piece of evidence the wait stands for. The first of each
    /// pair is re-evaluated leaning on the other; once it turns impaired the other, and any
    /// further one, follow through [`Engine::corroborate_by_neighbours`]. Returns whether a
    /// service was re-evaluated.
    fn corroborate_by_peers(&mut self, now: Timestamp, out: &mut Vec<Output>) -> bool {
        let Some(graph) = self.attributor.as_ref().map(|a| a.graph()) else {
            return false;
        };
        let waiting = self.corroborable.iter().filter_map(|&ix| {
            let awaiting = self.services[ix].probes.verdict().awaiting;
            let key = awaiting.peer_key()?;
            self.upstream
                .of(ix)
                .is_none()
                .then_some((ix, key, NeighbourSeen::Alike(awaiting)))
        });
        let pairs = pair_up(graph, waiting);
        for &(ix, peer) in &pairs {
            self.services[ix].probes.invalidate();
            self.evaluate_with(ix, now, out, Some(peer));
        }
        !pairs.is_empty()
    }

    /// Services without live probes whose reports are a thin surge while another dependent
    /// of one of the same components has one too, neither impaired yet: each is the other's
    /// corroboration (docs/detection.md 4.3, "A failing neighbour corroborates a thin
    /// surge"). The first of each pair is re-evaluated leaning on the other; once it turns
    /// impaired the other, and any further one, follow through
    /// [`Engine::corroborate_by_neighbours`]. Returns whether a service was re-evaluated.
    fn corroborate_thin_surges(&mut self, now: Timestamp, out: &mut Vec<Output>) -> bool {
        let Some(graph) = self.attributor.as_ref().map(|a| a.graph()) else {
            return false;
        };
        let surging = self
            .thin_surges
            .iter()
            .filter(|&&ix| !self.services[ix].state.is_impaired())
            .map(|&ix| (ix, (), NeighbourSeen::ThinSurge));
        let pairs = pair_up(graph, surging);
        for &(ix, peer) in &pairs {
            self.evaluate_with(ix, now, out, Some(peer));
        }
        !pairs.is_empty()
    }

    fn evaluate(&mut self, ix: usize, now: Timestamp, out: &mut Vec<Output>) {
        self.evaluate_with(ix, now, out, None);
    }

    /// [`Engine::evaluate`], leaning on `peer` when given ([`Engine::corroborate_by_peers`]).
    fn evaluate_with(
        &mut self,
        ix: usize,
        now: Timestamp,
        out: &mut Vec<Output>,
        peer: Option<Peer>,
    ) {
        let params = &self.params;
        let graph = self.attributor.as_ref().map(|a| a.graph());
        let component_id = |c| Some(graph?.component(c).id.as_str());
        let upstream = self.upstream.of(ix).and_then(component_id);
        let thin = {
            let reports = &mut self.services[ix].reports;
            reports.update(now, &params.reports, &mut self.screen);
            reports.verdict().level == SurgeLevel::Thin
        };
        // The neighbour matters to a verdict about to be recomputed, to one that leaned on it
        // (its cause names it), and to a thin surge it may corroborate.
        let probes = &self.services[ix].probes;
        let reevaluate = probes.needs_evaluation(now);
        let wants_neighbour = thin
            || (upstream.is_none()
                && (reevaluate || matches!(probes.verdict().leaned_on, Support::Neighbour(_))));
        let (neighbour, neighbour_vantages) = match (wants_neighbour, graph, peer) {
            (true, Some(g), Some(p)) => (
                Some(fusion::Neighbour {
                    service: g.service_id(p.service as u32),
                    component: g.component(p.component).id.as_str(),
                    seen: p.seen,
                }),
                match p.seen {
                    NeighbourSeen::Alike(awaiting) => awaiting.vantages(),
                    _ => VantageSet::default(),
                },
            ),
            (true, Some(g), None) => match self.neighbours.of(g, ix as u32, now) {
                Some((o, c)) => (
                    Some(fusion::Neighbour {
                        service: g.service_id(o.service),
                        component: g.component(c).id.as_str(),
                        seen: NeighbourSeen::Impaired {
                            secs_ago: now.millis_since(o.at) / 1000,
                        },
                    }),
                    o.vantages,
                ),
                None => (None, VantageSet::default()),
            },
            _ => (None, VantageSet::default()),
        };
        let support = match (upstream, neighbour) {
            (Some(_), _) => Support::Upstream,
            (None, Some(_)) => Support::Neighbour(neighbour_vantages),
            (None, None) => Support::None,
        };
        let slot = &mut self.services[ix];
        slot.dirty = false;
        if reevaluate {
            let verdict = slot.probes.evaluate_with(now, &params.probes, support);
            let at = self.corroborable.binary_search(&ix);
            match (verdict.corroborable(), at) {
                (true, Err(i)) => self.corroborable.insert(i, ix),
                (false, Ok(i)) => {
                    self.corroborable.remove(i);
                }
                _ => {}
            }
        }
        // A thin surge on a service without live probes waits for a neighbour to corroborate
        // it ([`Engine::corroborate_by_neighbours`]).
        let thin_waits = thin && slot.probes.verdict().state == State::Unknown;
        let at = self.thin_surges.binary_search(&ix);
        match (thin_waits, at) {
            (true, Err(i)) => self.thin_surges.insert(i, ix),
            (false, Ok(i)) => {
                self.thin_surges.remove(i);
            }
            _ => {}
        }
        let official = slot.official.as_ref().map(|o| o.status);
        let mut surge = *slot.reports.verdict();
        if matches!(surge.level, SurgeLevel::Surge | SurgeLevel::Thin)
            && slot.reports.detector().history_minutes() < params.fusion.report_warmup_minutes
        {
            surge.level = SurgeLevel::Elevated; // still learning what normal is
        }
        if surge.level == SurgeLevel::Overwhelming {
            slot.overwhelming_since.get_or_insert(now);
        } else {
            slot.overwhelming_since = None;
        }
        let evidence = Evidence {
            probe: slot.probes.verdict(),
            surge: &surge,
            official,
            has_reports: slot.reports.any(),
            overwhelming_for_ms: slot.overwhelming_since.map_or(0, |t| now.millis_since(t)),
            upstream,
            neighbour,
            // Only for entering an impairment: a storm does not end one already on. A service
            // with a surge is due every tick (below), so it sees a storm begin or end at once.
            storm: match upstream {
                Some(_) => None,
                None if slot.state.is_impaired() => None,
                None => self.upstream.any_blamed().and_then(component_id),
            },
            params: &params.fusion,
        };
        let (candidate, rule) = fusion::fuse(&evidence);
        let current = slot.state;
        // A service impaired by reports alone stays so while they are still elevated: a
        // surge is needed to enter, reports back at their usual level to leave, or a surge
        // dipping for a few minutes would read as two outages.
        let candidate = if current.is_impaired()
            && rule == fusion::Rule::ReportsNormal
            && surge.level >= SurgeLevel::Elevated
        {
            current
        } else {
            candidate
        };

        // Hysteresis: worse at once; out of an impairment only after a hold.
        let mut next = None;
        if candidate != current {
            if current.is_impaired() && candidate.severity() < current.severity() {
                let since = *slot.better_since.get_or_insert(now);
                if now.millis_since(since) >= params.fusion.recovery_hold_ms {
                    next = Some(candidate);
                }
            } else {
                next = Some(candidate);
            }
        }
        if candidate.severity() >= current.severity() {
            slot.better_since = None;
        }

        if let Some(state) = next {
            let cause = fusion::describe(rule, &evidence);
            slot.better_since = None;
            slot.state = state;
            slot.since = now;
            out.push(Output::ServiceState {
                at: now,
                service: slot.id.to_string(),
                state,
                previous: current,
                cause: cause.clone(),
            });
            let was_impaired = current.is_impaired();
            if state.is_impaired() {
                if !was_impaired {
                    // An overwhelming surge held back while probes passed (4.3, "sympathy
                    // surges") began to fail its users when it turned overwhelming, not when
                    // the hold ran out: attribution times its onset from then, and it is no
                    // fresh failure to corroborate a neighbour with.
                    let held_back = match (rule, slot.overwhelming_since) {
                        (fusion::Rule::ReportsOverwhelmingProbesPass, Some(t)) => Some(t.min(now)),
                        _ => None,
                    };
                    // Impaired again while its incident is still open (the resolve hold):
                    // the same episode, which began when the incident was detected.
                    slot.impaired_since = Some(
                        slot.incident
                            .as_ref()
                            .map_or(held_back.unwrap_or(now), |inc| inc.detected),
                    );
                    if let (Some(g), None) = (graph, held_back) {
                        let vantages = slot.probes.partial_vantages(now, &params.probes);
                        self.neighbours.record(g, ix as u32, now, vantages);
                    }
                }
                let first_signal = [evidence.probe.failing_since, slot.reports.surge_since()]
                    .into_iter()
                    .flatten()
                    .min()
                    .unwrap_or(now)
                    .min(now);
                match &mut slot.incident {
                    Some(inc) => {
                        inc.recovered = None;
                        inc.cause = cause.clone();
                        if state.severity() > inc.peak_state.severity() {
                            inc.peak_state = state;
                            inc.peak_at = now;
                        }
                        out.push(Output::IncidentUpdated {
                            at: now,
                            incident: inc.id,
                            component: None,
                            confidence: None,
                            services: None,
                            parent: None,
                            explanation: Some(format!("{}: {cause}", state.as_str())),
                        });
                    }
                    None => {
                        let id = self.incident_ids.allocate();
                        out.push(Output::IncidentOpened {
                            at: now,
                            incident: id,
                            scope: Scope::Service,
                            service: Some(slot.id.to_string()),
                            component: None,
                            confidence: None,
                            services: None,
                            parent: None,
                            explanation: Some(format!("{}: {cause}", state.as_str())),
                        });
                        slot.incident = Some(ServiceIncident {
                            id,
                            service: slot.id.to_string(),
                            first_signal,
                            detected: now,
                            peak_state: state,
                            peak_at: now,
                            peak_reporters: 0,
                            recovered: None,
                            resolved: None,
                            cause: cause.clone(),
                            parent: None,
                        });
                    }
                }
            } else {
                slot.impaired_since = None;
                if let Some(inc) = &mut slot.incident {
                    inc.recovered = Some(now);
                }
            }
            slot.cause = cause;
        }

        // Incident bookkeeping: peak reporters, resolution after the hold.
        let mut resolved = None;
        if let Some(inc) = &mut slot.incident {
            inc.peak_reporters = inc.peak_reporters.max(slot.reports.verdict().observed);
            if let Some(rec) = inc.recovered {
                if now.millis_since(rec) >= params.fusion.incident_resolve_hold_ms {
                    inc.resolved = Some(now);
                    out.push(Output::IncidentResolved {
                        at: now,
                        incident: inc.id,
                    });
                    resolved = slot.incident.take();
                }
            }
        }

        // When must this service be looked at again without new evidence?
        let mut due = slot.probes.next_stale().saturating_add(1);
        if slot.reports.active() || slot.reports.verdict().level != SurgeLevel::Normal {
            due = now.as_millis();
        } else if let Some(close) = slot.reports.pending_close() {
            due = due.min(close.as_millis());
        }
        if let Some(b) = slot.better_since {
            due = due.min(b.as_millis() + params.fusion.recovery_hold_ms);
        }
        if let Some(rec) = slot.incident.as_ref().and_then(|i| i.recovered) {
            due = due.min(rec.as_millis() + params.fusion.incident_resolve_hold_ms);
        }
        if candidate != slot.state {
            due = now.as_millis();
        }
        slot.due = due;

        let before = self.health[ix];
        let h = &mut self.health[ix];
        h.state = slot.state;
        h.since = slot.since;
        h.impaired_since = slot.impaired_since;
        h.incident = slot.incident.as_ref().map(|i| i.id);
        let probe = slot.probes.verdict();
        let impaired = slot.state.is_impaired();
        h.symptom = match probe.error.filter(|_| probe.failing > 0) {
            Some(error) => Some(error),
            // Probes passing again while the service is still impaired (its recovery hold)
            // do not erase how it failed.
            None if impaired => h.symptom,
            None => None,
        };
        h.probes_fail = probe.failing > 0 || (impaired && h.probes_fail);
        h.probes_pass = impaired
            && !h.probes_fail
            && probe.state == State::Operational
            && probe.live > 0
            && probe.unconfirmed == 0
            && !probe.corroborable();
        h.probes_in_doubt =
            !impaired && (probe.failing > 0 || probe.unconfirmed > 0 || probe.corroborable());
        // Where it fails is only what the probes see now: services still in their recovery
        // hold after a regional failure are an arbitrary few, and their old footprints would
        // make them agree on whatever else they share.
        h.footprint = probe.footprint();
        // How widely it has failed in this impairment, which outlasts the footprint: a service
        // whose few failing vantages pass again still failed partly (attribution's timing).
        h.failed_everywhere =
            (probe.failing > 0 && probe.failing >= probe.live) || (impaired && h.failed_everywhere);
        h.failed_partly =
            !h.failed_everywhere && (h.footprint.is_some() || (impaired && h.failed_partly));
        self.attribution_stale |= *h != before;

        if let Some(inc) = resolved {
            if self.params.keep_resolved_incidents > 0 {
                if self.resolved.len() >= self.params.keep_resolved_incidents {
                    self.resolved.pop_front();
                }
                self.resolved.push_back(inc);
            }
        }
    }

    // ----- read accessors -----

    /// The attributor, for inspection (`None` when the topology makes no dependency graph).
    pub fn attributor(&self) -> Option<&crate::attribute::Attributor> {
        self.attributor.as_ref()
    }

    /// Per-service health in topology order (what attribution reads).
    pub fn health(&self) -> &[ServiceHealth] {
        &self.health
    }

    /// The shared incident id allocator (attribution allocates component incident ids here).
    pub fn incident_ids_mut(&mut self) -> &mut IncidentIds {
        &mut self.incident_ids
    }

    pub fn service_count(&self) -> usize {
        self.services.len()
    }

    pub fn service_index(&self, id: &str) -> Option<u32> {
        self.index.get(id)
    }

    pub fn service_id(&self, ix: u32) -> Option<&str> {
        self.services.get(ix as usize).map(|s| &*s.id)
    }

    /// Signals used so far.
    pub fn signals_ingested(&self) -> u64 {
        self.signals
    }

    /// The latest signal time seen.
    pub fn last_input(&self) -> Option<Timestamp> {
        self.last_input
    }

    fn view(slot: &ServiceSlot) -> ServiceView<'_> {
        ServiceView {
            id: &slot.id,
            state: slot.state,
            since: slot.since,
            cause: &slot.cause,
            probe: slot.probes.verdict(),
            surge: slot.reports.verdict(),
            official: slot.official.as_ref(),
            reports_received: slot.reports.received(),
            reports_counted: slot.reports.counted(),
            incident: slot.incident.as_ref(),
        }
    }

    /// Current conclusions for one service.
    pub fn service(&self, id: &str) -> Option<ServiceView<'_>> {
        let ix = self.index.get(id)?;
        Some(Self::view(&self.services[ix as usize]))
    }

    /// Current conclusions for every service, in topology order.
    pub fn services(&self) -> impl Iterator<Item = ServiceView<'_>> + '_ {
        self.services.iter().map(Self::view)
    }

    /// Each (check, vantage) of a service with its last result.
    pub fn probe_checks(&self, id: &str) -> Option<&[VantageCheck]> {
        let ix = self.index.get(id)?;
        Some(self.services[ix as usize].probes.entries())
    }

    /// The last `minutes` minutes of distinct reporters up to the minute containing `end`,
    /// with the detector's expected count and upper band for each minute, oldest first.
    pub fn report_series(
        &self,
        id: &str,
        end: Timestamp,
        minutes: u32,
    ) -> Option<Vec<ReportPoint>> {
        let ix = self.index.get(id)?;
        let reports = &self.services[ix as usize].reports;
        let minutes = minutes.min(self.params.reports.history_minutes.max(1));
        Some(
            reports
                .series(end, minutes)
                .into_iter()
                .map(|m| {
                    let Band { expected, upper } = reports.detector().expected(m.minute);
                    ReportPoint {
                        minute: m.minute,
                        distinct: m.distinct,
                        by_kind: m.by_kind,
                        expected,
                        upper,
                    }
                })
                .collect(),
        )
    }

    /// Distinct reporters by kind (`None`: kind not given) and by region since `since`,
    /// each largest first.
    #[allow(clippy::type_complexity)]
    pub fn report_breakdown(
        &self,
        id: &str,
        since: Timestamp,
    ) -> Option<(
        Vec<(Option<crate::model::ReportKind>, u64)>,
        Vec<(String, u64)>,
    )> {
        let ix = self.index.get(id)?;
        let reports = &self.services[ix as usize].reports;
        let end = self.last_tick.or(self.last_input).unwrap_or(since);
        let minutes = (end.millis_since(since) / MINUTE_MS + 1)
            .clamp(1, i64::from(self.params.reports.history_minutes.max(1)))
            as u32;
        let mut kinds = [0u64; KIND_SLOTS];
        for m in reports.series(end, minutes) {
            if m.minute >= since.minute_floor() {
                for (k, n) in m.by_kind.iter().enumerate() {
                    kinds[k] += u64::from(*n);
                }
            }
        }
        let mut by_kind: Vec<_> = kinds
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| (reports::slot_kind(k), *n))
            .collect();
        by_kind.sort_by_key(|k| std::cmp::Reverse(k.1));
        Some((by_kind, reports.regions_since(since.minute_floor())))
    }

    /// Open service incidents, in topology order of their services.
    pub fn open_incidents(&self) -> impl Iterator<Item = &ServiceIncident> + '_ {
        self.services.iter().filter_map(|s| s.incident.as_ref())
    }

    /// Recently resolved service incidents, oldest first.
    pub fn recent_incidents(&self) -> impl Iterator<Item = &ServiceIncident> + '_ {
        self.resolved.iter()
    }

    /// An open or recently resolved incident by id.
    pub fn incident(&self, id: IncidentId) -> Option<&ServiceIncident> {
        self.open_incidents()
            .chain(self.recent_incidents())
            .find(|i| i.id == id)
    }

    /// Links an open service incident to a component incident that explains it (for
    /// attribution); returns whether the incident was open.
    pub fn set_incident_parent(&mut self, id: IncidentId, parent: Option<IncidentId>) -> bool {
        for s in &mut self.services {
            if let Some(inc) = s.incident.as_mut().filter(|i| i.id == id) {
                inc.parent = parent;
                return true;
            }
        }
        false
    }

    /// The last official status of a component, as a status page stated it.
    pub fn component_official(&self, id: &str) -> Option<&OfficialView> {
        let ix = self.components.get(id)?;
        self.component_official[ix as usize].as_ref()
    }
}

#[cfg(test)]
mod tests;

//! Probe evidence: one state machine per (check, vantage), and the quorum that turns them
//! into a service-level probe verdict.
//!
//! A [`CheckMachine`] confirms a failure only after `failure` consecutive failed results and
//! a recovery only after `recovery` consecutive successes, so one lost packet never changes
//! anything and a state never flaps faster than its thresholds allow. A vantage that has not
//! reported for [`ProbeParams::stale_after_intervals`] of its own probe intervals (inferred
//! from the spacing of its results) is *stale* and stops counting. Per check, the live
//! vantages vote: a strict majority failing is `major_outage`, a minority failing or any
//! vantage confirmed slow is `degraded`, all passing is `operational`, and no live vantage at
//! all is `unknown`. The service's probe verdict is the worst over its checks.
//!
//! Corroboration: independent vantages confirm each other. A live vantage whose latest
//! result failed within [`ProbeParams::corroboration_window_intervals`] of its interval, but
//! whose machine has not confirmed it yet, is a *fresh failure*. When the confirmed-failing
//! and freshly failing vantages of one check are together at least two, and every live
//! vantage's latest result failed (*unanimous*), the fresh failures count as failing at once
//! (the vote above then applies), without waiting for each vantage's own second failure. The
//! unanimity clause is what keeps two independent blips in a row from being an outage: in a
//! real outage every vantage that probes after the onset fails. A single vantage's single failure alone changes nothing; it
//! is only exposed as [`ProbeVerdict::unconfirmed`], which fusion may let a report surge
//! corroborate.
//!
//! A *lone* failing vantage (the only `down` one of a check, others live, none corroborating)
//! votes only once its `down` episode holds [`ProbeParams::lone_vantage_extra_failures`] more
//! failures than its threshold: one vantage's own network fails far more often than a
//! service does while the others still reach it. Until then it too is only `unconfirmed`.
//!
//! The verdict also says *which* vantages fail ([`Footprint`]): services failing from the
//! same few vantages at once point to a shared, regional cause, which attribution weighs.

use crate::model::{ProbeError, State};
use crate::signal::ProbeResult;
use crate::time::{Timestamp, HOUR_MS, SECOND_MS};

/// Which vantages see a service fail, when some but not all of its live ones do: `key`
/// identifies the set of failing vantage names (equal sets, equal keys, whatever the order or
/// the service); `failing` of the `live` vantages fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Footprint {
    pub key: u64,
    pub failing: u16,
    pub live: u16,
}

/// The vantages a service was failing from when it turned impaired while its other vantages
/// passed, as [`vantage_key`]s: what a neighbour's failing vantages are compared with
/// (docs/detection.md 4.1, "A neighbour's region corroborates"). Holds up to
/// [`VantageSet::CAPACITY`] vantages; a service failing from more leaves the rest out, which
/// only ever withholds corroboration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VantageSet {
    keys: [u64; VantageSet::CAPACITY],
    len: u8,
}

impl VantageSet {
    pub const CAPACITY: usize = 8;

    fn insert(&mut self, key: u64) {
        if (self.len as usize) < Self::CAPACITY && !self.contains(key) {
            self.keys[self.len as usize] = key;
            self.len += 1;
        }
    }

    /// The set of the one vantage whose key is `key`.
    pub fn single(key: u64) -> Self {
        let mut set = VantageSet::default();
        set.insert(key);
        set
    }

    pub fn contains(&self, key: u64) -> bool {
        self.keys[..self.len as usize].contains(&key)
    }

    /// Whether every vantage of `other` is in this set (never for an empty `self`: a
    /// failure seen everywhere, or by reports, is no region).
    pub fn contains_all(&self, other: &VantageSet) -> bool {
        !self.is_empty()
            && other.keys[..other.len as usize]
                .iter()
                .all(|&k| self.contains(k))
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The sum of the vantages' keys: the same for the same vantages in any order.
    pub fn key(&self) -> u64 {
        self.keys[..self.len as usize]
            .iter()
            .fold(0u64, |sum, &k| sum.wrapping_add(k))
    }
}

/// A vantage name's share of a [`Footprint`] key: a well-mixed 64-bit hash, summed over the
/// failing vantages so that the key does not depend on their order.
fn vantage_key(name: &str) -> u64 {
    // FNV-1a, then the splitmix64 finaliser so that sums of keys do not collide by accident.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The earlier of two optional instants (either when only one is known).
fn earliest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// How many consecutive results confirm a failure, and how many a recovery (each ≥ 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProbeThresholds {
    pub failure: u32,
    pub recovery: u32,
}

impl Default for ProbeThresholds {
    fn default() -> Self {
        ProbeThresholds {
            failure: 2,
            recovery: 2,
        }
    }
}

impl ProbeThresholds {
    /// Thresholds of 0 mean 1: a single result always can confirm.
    pub fn new(failure: u32, recovery: u32) -> Self {
        ProbeThresholds {
            failure: failure.max(1),
            recovery: recovery.max(1),
        }
    }
}

/// Constants of the probe layer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProbeParams {
    /// Thresholds for checks without a policy (`Engine::set_check_policy`).
    pub default_thresholds: ProbeThresholds,
    /// Assumed probe interval until two results have been seen from a vantage.
    pub default_interval_ms: i64,
    /// A vantage is stale after this many of its intervals without a result.
    pub stale_after_intervals: f64,
    /// A vantage's failed latest result counts as a fresh failure (that another vantage can
    /// corroborate) for this many of its intervals after it arrived.
    pub corroboration_window_intervals: f64,
    /// A *lone* failing vantage — the only one of a check's live vantages that fails, with
    /// no other vantage corroborating it — votes only once it has failed this many more
    /// times than its failure threshold within its current `down` episode. Independent
    /// vantages confirm each other at once; one vantage alone is more often its own network
    /// than the service, so it must persist longer.
    pub lone_vantage_extra_failures: u32,
}

impl ProbeParams {
    /// The failures a lone `down` vantage's episode must hold before it votes: its failure
    /// threshold plus [`ProbeParams::lone_vantage_extra_failures`].
    pub fn lone_vote_failures(&self, thresholds: ProbeThresholds) -> u32 {
        thresholds
            .failure
            .saturating_add(self.lone_vantage_extra_failures)
    }
}

impl Default for ProbeParams {
    fn default() -> Self {
        ProbeParams {
            default_thresholds: ProbeThresholds::default(),
            default_interval_ms: 60 * SECOND_MS,
            stale_after_intervals: 3.0,
            corroboration_window_intervals: 1.5,
            lone_vantage_extra_failures: 1,
        }
    }
}

/// What one (check, vantage) currently says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VantageVerdict {
    /// No result yet.
    Unknown,
    Up,
    /// Succeeding, but confirmed slower than the check's latency limit.
    Slow,
    /// Confirmed failing.
    Down,
}

/// The threshold state machine of one (check, vantage).
///
/// - `Unknown` → `Up` on the first success (there is nothing to recover from);
/// - any → `Down` after `failure` consecutive failures;
/// - `Down` → `Up` after `recovery` consecutive successes (slow or not);
/// - `Up` → `Slow` after `failure` consecutive slow successes;
/// - `Slow` → `Up` after `recovery` consecutive successes that are not slow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckMachine {
    thresholds: ProbeThresholds,
    verdict: VantageVerdict,
    failures: u32,
    successes: u32,
    slow: u32,
    fast: u32,
    /// Failures within the current `down` episode (the confirming run included; successes
    /// too few to recover do not reset it); 0 when not `down`.
    down_failures: u32,
}

impl CheckMachine {
    pub fn new(thresholds: ProbeThresholds) -> Self {
        CheckMachine {
            thresholds: ProbeThresholds::new(thresholds.failure, thresholds.recovery),
            verdict: VantageVerdict::Unknown,
            failures: 0,
            successes: 0,
            slow: 0,
            fast: 0,
            down_failures: 0,
        }
    }

    pub fn verdict(&self) -> VantageVerdict {
        self.verdict
    }

    pub fn thresholds(&self) -> ProbeThresholds {
        self.thresholds
    }

    pub fn set_thresholds(&mut self, thresholds: ProbeThresholds) {
        self.thresholds = ProbeThresholds::new(thresholds.failure, thresholds.recovery);
    }

    /// Consecutive failed results, up to now.
    pub fn consecutive_failures(&self) -> u32 {
        self.failures
    }

    /// Failed results within the current `down` episode (0 when not `down`).
    pub fn down_failures(&self) -> u32 {
        self.down_failures
    }

    /// Feeds one result; returns whether the verdict changed.
    pub fn observe(&mut self, ok: bool, slow: bool) -> bool {
        let before = self.verdict;
        if ok {
            self.failures = 0;
            self.successes = self.successes.saturating_add(1);
            if slow {
                self.slow = self.slow.saturating_add(1);
                self.fast = 0;
            } else {
                self.fast = self.fast.saturating_add(1);
                self.slow = 0;
            }
        } else {
            self.failures = self.failures.saturating_add(1);
            self.successes = 0;
            self.slow = 0;
            self.fast = 0;
        }
        let t = self.thresholds;
        self.verdict = match self.verdict {
            _ if self.failures >= t.failure => VantageVerdict::Down,
            VantageVerdict::Unknown if ok => VantageVerdict::Up,
            VantageVerdict::Down if self.successes >= t.recovery => VantageVerdict::Up,
            VantageVerdict::Up if self.slow >= t.failure => VantageVerdict::Slow,
            VantageVerdict::Slow if self.fast >= t.recovery => VantageVerdict::Up,
            v => v,
        };
        self.down_failures = match (before, self.verdict) {
            (_, v) if v != VantageVerdict::Down => 0,
            (VantageVerdict::Down, _) => self.down_failures + u32::from(!ok),
            _ => self.failures,
        };
        self.verdict != before
    }
}

/// One (check, vantage) of a service: its machine and what it last saw.
#[derive(Clone, Debug)]
pub struct VantageCheck {
    check: Option<Box<str>>,
    vantage: Box<str>,
    /// [`vantage_key`] of `vantage`.
    vantage_key: u64,
    machine: CheckMachine,
    last_at: Timestamp,
    interval_ms: i64,
    results: u64,
    last_ok: bool,
    last_error: Option<ProbeError>,
    last_latency_ms: Option<f64>,
    /// First failure of the current run of failures.
    failing_since: Option<Timestamp>,
}

impl VantageCheck {
    pub fn check(&self) -> Option<&str> {
        self.check.as_deref()
    }
    pub fn vantage(&self) -> &str {
        &self.vantage
    }
    pub fn verdict(&self) -> VantageVerdict {
        self.machine.verdict()
    }
    pub fn thresholds(&self) -> ProbeThresholds {
        self.machine.thresholds()
    }
    pub fn last_at(&self) -> Timestamp {
        self.last_at
    }
    pub fn last_ok(&self) -> bool {
        self.last_ok
    }
    pub fn last_error(&self) -> Option<ProbeError> {
        self.last_error
    }
    pub fn last_latency_ms(&self) -> Option<f64> {
        self.last_latency_ms
    }
    /// The probe interval inferred from the spacing of results.
    pub fn interval_ms(&self) -> i64 {
        self.interval_ms
    }
    pub fn failing_since(&self) -> Option<Timestamp> {
        self.failing_since
    }
    /// The instant after which this vantage is stale.
    pub fn stale_at(&self, params: &ProbeParams) -> Timestamp {
        let span = (self.interval_ms as f64 * params.stale_after_intervals) as i64;
        self.last_at.plus_millis(span.max(SECOND_MS))
    }
    pub fn is_live(&self, now: Timestamp, params: &ProbeParams) -> bool {
        now <= self.stale_at(params)
    }
    /// The instant after which a failed latest result stops being a fresh failure.
    pub fn fresh_until(&self, params: &ProbeParams) -> Timestamp {
        let span = (self.interval_ms as f64 * params.corroboration_window_intervals) as i64;
        self.last_at.plus_millis(span.max(SECOND_MS))
    }
    /// Whether the latest result failed recently while the machine has not confirmed a
    /// failure yet (it is `Up` or `Slow`).
    pub fn is_fresh_failure(&self, now: Timestamp, params: &ProbeParams) -> bool {
        !self.last_ok
            && matches!(self.verdict(), VantageVerdict::Up | VantageVerdict::Slow)
            && now <= self.fresh_until(params)
    }
}

/// The probe layer's conclusion for one service.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProbeVerdict {
    /// `unknown` when no vantage is live.
    pub state: State,
    /// For the worst check: failing (confirmed, or fresh failures corroborated by another
    /// vantage) and live vantages.
    pub failing: u16,
    /// For the worst check: how many of `failing` are fresh failures counted through
    /// corroboration rather than confirmed by their own thresholds.
    pub corroborated: u16,
    /// Over all checks, the most fresh failures of one check that no other vantage
    /// corroborates (0 or 1): a hint that fusion lets a report surge corroborate.
    pub unconfirmed: u16,
    pub live: u16,
    /// Live vantages confirmed slow (worst check).
    pub slow: u16,
    /// The most frequent error among the failing vantages of the worst check.
    pub error: Option<ProbeError>,
    /// Earliest first failure among the failing vantages.
    pub failing_since: Option<Timestamp>,
    /// For the worst check: the sum of the failing vantages' keys (see [`Footprint`]).
    pub failing_key: u64,
    /// For the worst check: every live vantage not failing has passed since the others began
    /// to fail, so the failure really is partial (not one whose last vantages have yet to probe).
    pub partial_settled: bool,
    /// What the failures leaned on to count (the lowered bar of
    /// [`ServiceProbes::evaluate_with`]); [`Support::None`] when they count on their own.
    pub leaned_on: Support,
    /// What failures that do not count yet wait for: some check's fresh failures from two
    /// vantages, not unanimous yet, or a lone `down` vantage answering with errors that waits
    /// for its extra failures, when no [`Support`] lowered the bar. A failing neighbour would
    /// (for the lone vantage, one failing from the same vantage), and so would another
    /// dependent of the same component waiting alike ([`Awaiting::peer_key`]).
    pub awaiting: Awaiting,
}

/// What failures that do not count yet are waiting for, when they are answers (not
/// timeouts) and nothing lowered the bar. Two dependents of one component waiting alike are
/// each other's corroboration (docs/detection.md 4.1, "Dependents failing alike corroborate
/// each other").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Awaiting {
    #[default]
    Nothing,
    /// Fresh failures from two or more vantages, none passed since: the last vantages to
    /// probe (unanimity).
    Unanimity,
    /// Fresh failures from exactly these vantages while another has passed since: each
    /// vantage's own second failure.
    Region(VantageSet),
    /// A lone `down` vantage, this one: its extra failures.
    LoneVantage(VantageSet),
}

impl Awaiting {
    /// Equal for two services waiting alike (the same vantages, in any order); `None` when
    /// nothing is awaited.
    pub fn peer_key(&self) -> Option<(u8, u64)> {
        match self {
            Awaiting::Nothing => None,
            Awaiting::Unanimity => Some((1, 0)),
            Awaiting::Region(set) => Some((2, set.key())),
            Awaiting::LoneVantage(set) => Some((3, set.key())),
        }
    }

    /// The vantages of the [`Support::Neighbour`] a peer waiting alike lends: a neighbour
    /// failing from the same vantages (from all, for unanimity: the empty set).
    pub fn vantages(&self) -> VantageSet {
        match self {
            Awaiting::Nothing | Awaiting::Unanimity => VantageSet::default(),
            Awaiting::Region(set) | Awaiting::LoneVantage(set) => *set,
        }
    }
}

/// What, besides a service's own vantages, makes its fresh failures believable
/// (docs/detection.md 4.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Support {
    #[default]
    None,
    /// Another service relying on one of the same components turned impaired moments ago,
    /// failing from these vantages only (empty: from all, or seen by reports): fresh
    /// failures from two vantages count without unanimity, and a lone `down` vantage whose
    /// failures are answers votes without its extra failures when the neighbour fails from
    /// that vantage too (a regional failure shows the same vantages on every dependent).
    Neighbour(VantageSet),
    /// A component the service depends on is blamed (an open component incident): fresh
    /// failures from two vantages count without unanimity, and a lone `down` vantage votes
    /// without its extra failures.
    Upstream,
}

impl Default for ProbeVerdict {
    fn default() -> Self {
        ProbeVerdict {
            state: State::Unknown,
            failing: 0,
            corroborated: 0,
            unconfirmed: 0,
            live: 0,
            slow: 0,
            error: None,
            failing_since: None,
            failing_key: 0,
            partial_settled: false,
            leaned_on: Support::None,
            awaiting: Awaiting::Nothing,
        }
    }
}

impl ProbeVerdict {
    /// Whether some failures wait for what a neighbour (or a dependent waiting alike) would
    /// provide ([`ProbeVerdict::awaiting`]).
    pub fn corroborable(&self) -> bool {
        self.awaiting != Awaiting::Nothing
    }

    /// Which vantages fail, when some but not all of the live ones do and the others have
    /// passed since.
    pub fn footprint(&self) -> Option<Footprint> {
        (self.partial_settled && self.failing > 0 && self.failing < self.live).then_some(
            Footprint {
                key: self.failing_key,
                failing: self.failing,
                live: self.live,
            },
        )
    }

    /// "2 of 3 vantages failing (http_status)" and the like.
    pub fn describe(&self) -> String {
        match self.state {
            State::Unknown => "no live probe data".into(),
            State::Operational => format!(
                "probes pass from {} vantage{}",
                self.live,
                if self.live == 1 { "" } else { "s" }
            ),
            _ if self.failing > 0 => format!(
                "probes fail from {} of {} vantage{}{}",
                self.failing,
                self.live,
                if self.live == 1 { "" } else { "s" },
                self.error
                    .map(|e| format!(" ({})", e.as_str()))
                    .unwrap_or_default()
            ),
            _ => format!("probes slow from {} of {} vantages", self.slow, self.live),
        }
    }
}

/// All (check, vantage) machines of one service.
#[derive(Clone, Debug, Default)]
pub struct ServiceProbes {
    entries: Vec<VantageCheck>,
    /// Policies set for this service's checks.
    policies: Vec<(Box<str>, ProbeThresholds)>,
    verdict: ProbeVerdict,
    /// When the next live vantage goes stale (i64::MAX when none is live).
    next_stale: i64,
    changed: bool,
}

impl ServiceProbes {
    pub fn entries(&self) -> &[VantageCheck] {
        &self.entries
    }

    pub fn verdict(&self) -> &ProbeVerdict {
        &self.verdict
    }

    /// Whether anything changed since the last evaluation, or a vantage goes stale by `now`.
    pub fn needs_evaluation(&self, now: Timestamp) -> bool {
        self.changed || now.as_millis() > self.next_stale
    }

    pub fn next_stale(&self) -> i64 {
        self.next_stale
    }

    fn thresholds_for(&self, check: Option<&str>, default: ProbeThresholds) -> ProbeThresholds {
        match check {
            Some(c) => self
                .policies
                .iter()
                .find(|(id, _)| &**id == c)
                .map_or(default, |p| p.1),
            // A result without a check id belongs to the service's only check.
            None if self.policies.len() == 1 => self.policies[0].1,
            None => default,
        }
    }

    pub fn set_policy(
        &mut self,
        check: &str,
        thresholds: ProbeThresholds,
        default: ProbeThresholds,
    ) {
        match self.policies.iter_mut().find(|(id, _)| &**id == check) {
            Some(p) => p.1 = thresholds,
            None => self.policies.push((check.into(), thresholds)),
        }
        for i in 0..self.entries.len() {
            let t = self.thresholds_for(self.entries[i].check.as_deref(), default);
            self.entries[i].machine.set_thresholds(t);
        }
        self.changed = true;
    }

    /// Feeds one result. O(number of (check, vantage) pairs of the service), a handful.
    pub fn observe(&mut self, p: &ProbeResult, params: &ProbeParams) {
        let pos = self
            .entries
            .iter()
            .position(|e| *e.vantage == *p.vantage && e.check.as_deref() == p.check.as_deref());
        let entry = match pos {
            Some(i) => &mut self.entries[i],
            None => {
                let t = self.thresholds_for(p.check.as_deref(), params.default_thresholds);
                self.entries.push(VantageCheck {
                    check: p.check.as_deref().map(Into::into),
                    vantage: p.vantage.as_str().into(),
                    vantage_key: vantage_key(&p.vantage),
                    machine: CheckMachine::new(t),
                    last_at: p.at,
                    interval_ms: params.default_interval_ms,
                    results: 0,
                    last_ok: true,
                    last_error: None,
                    last_latency_ms: None,
                    failing_since: None,
                });
                let last = self.entries.len() - 1;
                &mut self.entries[last]
            }
        };
        let was_stale = entry.results > 0 && entry.stale_at(params) < p.at;
        let outcome_changed = entry.results == 0 || entry.last_ok != p.ok;
        if entry.results > 0 {
            let spacing = p.at.millis_since(entry.last_at).clamp(SECOND_MS, HOUR_MS);
            entry.interval_ms = if entry.results == 1 {
                spacing
            } else {
                (3 * entry.interval_ms + spacing) / 4
            };
        }
        entry.results += 1;
        entry.last_at = entry.last_at.max(p.at);
        entry.last_ok = p.ok;
        entry.last_latency_ms = p.latency_ms;
        if p.ok {
            entry.failing_since = None;
        } else {
            entry.last_error = p.error.or(entry.last_error);
            if entry.failing_since.is_none() {
                entry.failing_since = Some(p.at);
            }
        }
        let verdict_changed = entry.machine.observe(p.ok, p.slow);
        // A lone `down` vantage starts to vote when its episode reaches this many failures.
        let established_now = !p.ok
            && entry.machine.down_failures()
                == params.lone_vote_failures(entry.machine.thresholds());
        // A result that only moves a live vantage's staleness later needs no evaluation now:
        // `next_stale` may then be early, which costs one harmless re-evaluation.
        // A change of outcome may start or end a fresh failure (corroboration); a repeated
        // failure only extends one, and `next_stale` re-evaluates when it would end.
        self.changed |=
            verdict_changed || established_now || was_stale || outcome_changed || pos.is_none();
    }

    /// The live vantages whose latest result failed (confirmed or fresh), over all checks,
    /// when some live vantage's latest result passed: a failure seen from only some
    /// vantages, which a neighbour's lone failing vantage is compared with once this service
    /// turns impaired. Empty when every live vantage fails: a failure seen everywhere would
    /// fail the neighbour everywhere too, not from one vantage.
    pub fn partial_vantages(&self, now: Timestamp, params: &ProbeParams) -> VantageSet {
        let mut set = VantageSet::default();
        let mut passing = false;
        for e in self.entries.iter().filter(|e| e.is_live(now, params)) {
            let failing = e.verdict() == VantageVerdict::Down || e.is_fresh_failure(now, params);
            if !e.last_ok && failing {
                set.insert(e.vantage_key);
            }
            passing |= e.last_ok;
        }
        if passing {
            set
        } else {
            VantageSet::default()
        }
    }

    /// Marks the verdict for recomputation (its inputs changed outside the results).
    pub fn invalidate(&mut self) {
        self.changed = true;
    }

    /// Recomputes the verdict at `now`; returns it.
    pub fn evaluate(&mut self, now: Timestamp, params: &ProbeParams) -> ProbeVerdict {
        self.evaluate_with(now, params, Support::None)
    }

    /// [`ServiceProbes::evaluate`], knowing what else points at a failure of the service
    /// ([`Support`]). A blamed component it depends on is the second, independent piece of
    /// evidence the rules otherwise ask of the vantages, so the bar drops one step: fresh
    /// failures from two vantages corroborate each other without unanimity, and a lone
    /// `down` vantage votes without its extra failures. A failing neighbour lowers only the
    /// first: two vantages, not one. A single fresh failure still never counts: one
    /// vantage's blip during someone else's outage is still a blip.
    pub fn evaluate_with(
        &mut self,
        now: Timestamp,
        params: &ProbeParams,
        support: Support,
    ) -> ProbeVerdict {
        self.changed = false;
        let mut next_stale = i64::MAX;
        let mut worst = ProbeVerdict::default();
        let mut unconfirmed = 0u16;
        let mut awaiting = Awaiting::Nothing;
        let n = self.entries.len();
        for i in 0..n {
            let check = self.entries[i].check.as_deref();
            if self.entries[..i]
                .iter()
                .any(|e| e.check.as_deref() == check)
            {
                continue; // this check was tallied with its first vantage
            }
            let mut v = ProbeVerdict::default();
            let mut errors: [u16; ProbeError::ALL.len()] = [0; ProbeError::ALL.len()];
            let mut fresh_errors: [u16; ProbeError::ALL.len()] = [0; ProbeError::ALL.len()];
            let (mut fresh, mut fresh_since): (u16, Option<Timestamp>) = (0, None);
            let mut fresh_key = 0u64;
            // Fresh and `down` vantages, to compare with a neighbour's partial footprint.
            let mut failing_set = VantageSet::default();
            // Fresh and `down` vantages whose latest failure is an answer, not a timeout.
            let (mut fresh_answers, mut down_answers) = (0u16, 0u16);
            let mut latest_success: Option<Timestamp> = None;
            // Whether some `down` vantage has failed long enough to vote alone.
            let mut established = false;
            for e in self.entries[i..]
                .iter()
                .filter(|e| e.check.as_deref() == check)
            {
                if !e.is_live(now, params) || e.verdict() == VantageVerdict::Unknown {
                    continue;
                }
                next_stale = next_stale.min(e.stale_at(params).as_millis());
                v.live += 1;
                if e.last_ok {
                    latest_success = latest_success.max(Some(e.last_at));
                }
                if e.is_fresh_failure(now, params) {
                    next_stale = next_stale.min(e.fresh_until(params).as_millis());
                    fresh += 1;
                    fresh_key = fresh_key.wrapping_add(e.vantage_key);
                    failing_set.insert(e.vantage_key);
                    if let Some(err) = e.last_error {
                        fresh_errors[err.index()] += 1;
                        fresh_answers += u16::from(err.is_answer());
                    }
                    fresh_since = earliest(fresh_since, e.failing_since);
                }
                match e.verdict() {
                    VantageVerdict::Down => {
                        v.failing += 1;
                        v.failing_key = v.failing_key.wrapping_add(e.vantage_key);
                        failing_set.insert(e.vantage_key);
                        established |=
                            e.machine.down_failures() >= params.lone_vote_failures(e.thresholds());
                        if let Some(err) = e.last_error {
                            errors[err.index()] += 1;
                            down_answers += u16::from(err.is_answer());
                        }
                        v.failing_since = earliest(v.failing_since, e.failing_since);
                    }
                    VantageVerdict::Slow => v.slow += 1,
                    _ => {}
                }
            }
            // Unanimous: every live vantage's latest result failed. Two independent blips in a
            // row are noise that a third vantage's success contradicts; a real outage fails
            // every vantage that probes after it began.
            let unanimous = latest_success.is_none();
            let two_vantages = fresh > 0 && v.failing + fresh >= 2;
            // No live vantage has passed since the first of these failures: at the onset of
            // a failure the vantages yet to probe contradict nothing.
            let first_failure = earliest(v.failing_since, fresh_since);
            let uncontradicted = match (latest_success, first_failure) {
                (Some(ok), Some(failed)) => ok < failed,
                _ => true,
            };
            // For a neighbour, the two vantages must have had answers: a timeout says nothing
            // about who failed, and two of them on a neighbour of a failing service would make
            // a false alarm exactly where attribution looks for a common cause.
            let answered = fresh_answers > 0 && down_answers + fresh_answers >= 2;
            let neighbour_may_count = two_vantages && uncontradicted && answered;
            // A vantage that passed does not contradict failures from the vantages a
            // neighbour fails from while its others pass: that is a regional failure's
            // footprint, the same on every dependent.
            let in_neighbour_region = |vantages: VantageSet| {
                two_vantages && answered && vantages.contains_all(&failing_set)
            };
            let lowered = match support {
                Support::None => false,
                Support::Neighbour(vantages) => {
                    neighbour_may_count || in_neighbour_region(vantages)
                }
                Support::Upstream => true,
            };
            if two_vantages && (unanimous || lowered) {
                if !unanimous {
                    v.leaned_on = support;
                }
                // Independent vantages corroborate each other: confirmed at once.
                v.failing += fresh;
                v.corroborated = fresh;
                v.failing_key = v.failing_key.wrapping_add(fresh_key);
                for (c, f) in errors.iter_mut().zip(fresh_errors) {
                    *c += f;
                }
                v.failing_since = earliest(v.failing_since, fresh_since);
            } else {
                unconfirmed = unconfirmed.max(fresh);
                if two_vantages && answered && awaiting == Awaiting::Nothing {
                    awaiting = if uncontradicted {
                        Awaiting::Unanimity
                    } else {
                        Awaiting::Region(failing_set)
                    };
                }
            }
            // A lone failing vantage that other live vantages contradict must persist, unless
            // a blamed dependency corroborates it, or a neighbour failing from the same
            // vantage does and its failures are answers (a timeout says nothing about who
            // failed; `failing_key` is the lone vantage's own key here).
            let lone = v.failing == 1 && v.corroborated == 0 && v.live >= 2 && !established;
            let lone_answers = lone && down_answers == 1;
            let same_vantage = match support {
                Support::Neighbour(vantages) => lone_answers && vantages.contains(v.failing_key),
                _ => false,
            };
            if lone && (support == Support::Upstream || same_vantage) {
                v.leaned_on = support;
            } else if lone {
                if lone_answers && awaiting == Awaiting::Nothing {
                    awaiting = Awaiting::LoneVantage(VantageSet::single(v.failing_key));
                }
                v.failing = 0;
                v.failing_since = None;
                v.failing_key = 0;
                errors = [0; ProbeError::ALL.len()];
                unconfirmed = unconfirmed.max(1);
            }
            // Partial only once the vantages that do not fail have passed since the others
            // began to: at the onset of a full failure some vantages have simply not probed yet.
            if let (true, Some(since)) = (v.failing > 0 && v.failing < v.live, v.failing_since) {
                let passed = self.entries[i..]
                    .iter()
                    .filter(|e| {
                        e.check.as_deref() == check
                            && e.is_live(now, params)
                            && e.verdict() != VantageVerdict::Unknown
                            && e.last_ok
                            && e.last_at > since
                    })
                    .count();
                v.partial_settled = v.failing as usize + passed == v.live as usize;
            }
            v.state = if v.live == 0 {
                State::Unknown
            } else if 2 * v.failing > v.live {
                State::MajorOutage
            } else if v.failing > 0 || v.slow > 0 {
                State::Degraded
            } else {
                State::Operational
            };
            let (mut best, mut best_n) = (None, 0);
            for (k, &c) in errors.iter().enumerate() {
                if c > best_n {
                    best = Some(ProbeError::ALL[k]);
                    best_n = c;
                }
            }
            v.error = best;
            let rank = |s: State| match s {
                State::Unknown => 0,
                State::Operational => 1,
                State::Degraded => 2,
                State::MajorOutage => 3,
            };
            if rank(v.state) > rank(worst.state)
                || (rank(v.state) == rank(worst.state) && v.failing > worst.failing)
            {
                worst = v;
            }
        }
        worst.unconfirmed = unconfirmed;
        worst.awaiting = awaiting;
        self.next_stale = next_stale;
        self.verdict = worst;
        worst
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(at_s: i64, vantage: &str, ok: bool) -> ProbeResult {
        ProbeResult {
            at: Timestamp::from_secs(at_s),
            service: "s".into(),
            check: None,
            vantage: vantage.into(),
            ok,
            slow: false,
            latency_ms: None,
            error: (!ok).then_some(ProbeError::Timeout),
        }
    }

    #[test]
    fn quorum_of_live_vantages() {
        let params = ProbeParams::default();
        let mut s = ServiceProbes::default();
        for t in [0, 60] {
            for v in ["a", "b", "c"] {
                s.observe(&probe(t, v, true), &params);
            }
        }
        assert_eq!(
            s.evaluate(Timestamp::from_secs(61), &params).state,
            State::Operational
        );
        // One vantage fails three times (a lone vantage needs one more than its threshold):
        // a minority.
        for t in [120, 150, 180] {
            s.observe(&probe(t, "a", false), &params);
        }
        for t in [120, 180] {
            s.observe(&probe(t, "b", true), &params);
            s.observe(&probe(t, "c", true), &params);
        }
        let v = s.evaluate(Timestamp::from_secs(181), &params);
        assert_eq!((v.state, v.failing, v.live), (State::Degraded, 1, 3));
        assert_eq!(v.error, Some(ProbeError::Timeout));
        // A second vantage fails: majority.
        s.observe(&probe(240, "b", false), &params);
        s.observe(&probe(300, "b", false), &params);
        s.observe(&probe(240, "a", false), &params);
        s.observe(&probe(300, "a", false), &params);
        s.observe(&probe(240, "c", true), &params);
        s.observe(&probe(300, "c", true), &params);
        assert_eq!(
            s.evaluate(Timestamp::from_secs(301), &params).state,
            State::MajorOutage
        );
        // c keeps reporting, a and b fall silent: after 3 intervals they are stale.
        for t in [360, 420, 480, 540] {
            s.observe(&probe(t, "c", true), &params);
        }
        assert!(s.needs_evaluation(Timestamp::from_secs(541)));
        let v = s.evaluate(Timestamp::from_secs(541), &params);
        assert_eq!((v.state, v.live), (State::Operational, 1));
        // Everything silent: unknown.
        let v = s.evaluate(Timestamp::from_secs(2000), &params);
        assert_eq!(v.state, State::Unknown);
    }

    fn warm(vantages: &[&str], until_s: i64, params: &ProbeParams) -> ServiceProbes {
        let mut s = ServiceProbes::default();
        let mut t = 0;
        while t <= until_s {
            for v in vantages {
                s.observe(&probe(t, v, true), params);
            }
            t += 60;
        }
        s
    }

    #[test]
    fn the_footprint_names_the_failing_vantages_whatever_the_service_or_order() {
        let params = ProbeParams::default();
        // Two services, their vantages first seen in different orders, fail from a and b.
        let fail = |order: [&str; 3]| {
            let mut s = warm(&order, 120, &params);
            for t in [180, 240, 300] {
                for v in order {
                    s.observe(&probe(t, v, v == "c"), &params);
                }
            }
            s.evaluate(Timestamp::from_secs(301), &params)
        };
        let (one, two) = (fail(["a", "b", "c"]), fail(["c", "b", "a"]));
        assert_eq!((one.failing, one.live), (2, 3));
        assert!(one.footprint().is_some());
        assert_eq!(one.footprint(), two.footprint());
        // Failing from b and c instead is another footprint.
        let mut other = warm(&["a", "b", "c"], 120, &params);
        for t in [180, 240, 300] {
            for v in ["a", "b", "c"] {
                other.observe(&probe(t, v, v == "a"), &params);
            }
        }
        let other = other.evaluate(Timestamp::from_secs(301), &params);
        assert_eq!(other.failing, 2);
        assert_ne!(other.footprint(), one.footprint());
        // Failing from every live vantage says nothing about where: no footprint.
        let mut all = warm(&["a", "b", "c"], 120, &params);
        for t in [180, 240, 300] {
            for v in ["a", "b", "c"] {
                all.observe(&probe(t, v, false), &params);
            }
        }
        let all = all.evaluate(Timestamp::from_secs(301), &params);
        assert_eq!((all.failing, all.footprint()), (3, None));
        // At the onset, before the last vantage has probed again, it is not partial yet.
        let mut onset = warm(&["a", "b", "c"], 120, &params);
        for t in [180, 240] {
            onset.observe(&probe(t, "a", false), &params);
            onset.observe(&probe(t + 1, "b", false), &params);
        }
        let v = onset.evaluate(Timestamp::from_secs(242), &params);
        assert_eq!((v.failing, v.live, v.footprint()), (2, 3, None));
        onset.observe(&probe(243, "c", true), &params);
        let v = onset.evaluate(Timestamp::from_secs(243), &params);
        assert_eq!(v.footprint(), one.footprint());
        // Nor does passing everywhere.
        let fine =
            warm(&["a", "b", "c"], 300, &params).evaluate(Timestamp::from_secs(301), &params);
        assert_eq!(fine.footprint(), None);
    }

    #[test]
    fn two_vantages_failing_once_corroborate_at_once() {
        let params = ProbeParams::default();
        let mut s = warm(&["a", "b", "c"], 120, &params);
        s.observe(&probe(180, "a", false), &params);
        let v = s.evaluate(Timestamp::from_secs(181), &params);
        assert_eq!((v.state, v.unconfirmed), (State::Operational, 1));
        s.observe(&probe(185, "b", false), &params);
        // c's latest result (120 s) still passes: not unanimous yet.
        let v = s.evaluate(Timestamp::from_secs(186), &params);
        assert_eq!(v.state, State::Operational);
        s.observe(&probe(190, "c", false), &params);
        assert!(s.needs_evaluation(Timestamp::from_secs(191)));
        let v = s.evaluate(Timestamp::from_secs(191), &params);
        assert_eq!(
            (v.state, v.failing, v.corroborated, v.live),
            (State::MajorOutage, 3, 3, 3)
        );
        assert_eq!(v.failing_since, Some(Timestamp::from_secs(180)));
        assert_eq!(v.error, Some(ProbeError::Timeout));
        // Two vantages, each failing once: confirmed at once.
        let mut s = warm(&["a", "b"], 120, &params);
        s.observe(&probe(180, "a", false), &params);
        s.observe(&probe(200, "b", false), &params);
        let v = s.evaluate(Timestamp::from_secs(201), &params);
        assert_eq!((v.state, v.failing), (State::MajorOutage, 2));
        // Of five vantages, two are not enough while the others' latest results pass.
        let mut s = warm(&["a", "b", "c", "d", "e"], 120, &params);
        s.observe(&probe(180, "a", false), &params);
        s.observe(&probe(190, "b", false), &params);
        let v = s.evaluate(Timestamp::from_secs(191), &params);
        assert_eq!((v.state, v.failing), (State::Operational, 0));
        for (t, x) in [(200, "c"), (210, "d"), (220, "e")] {
            s.observe(&probe(t, x, false), &params);
        }
        let v = s.evaluate(Timestamp::from_secs(221), &params);
        assert_eq!((v.state, v.failing), (State::MajorOutage, 5));
        // The fresh failures expire when no further result arrives within the window.
        let v = s.evaluate(Timestamp::from_secs(400), &params);
        assert_eq!(v.failing, 0, "{v:?}");
    }

    #[test]
    fn a_lone_failing_vantage_must_persist() {
        let params = ProbeParams::default();
        let mut s = warm(&["a", "b", "c"], 120, &params);
        // a fails twice (its machine is `down`) while b and c pass: not yet a vote, only a
        // hint that a report surge may corroborate.
        for t in [180, 240] {
            s.observe(&probe(t, "a", false), &params);
            s.observe(&probe(t + 5, "b", true), &params);
            s.observe(&probe(t + 5, "c", true), &params);
        }
        assert_eq!(s.entries()[0].verdict(), VantageVerdict::Down);
        let v = s.evaluate(Timestamp::from_secs(246), &params);
        assert_eq!(
            (v.state, v.failing, v.unconfirmed, v.error),
            (State::Operational, 0, 1, None)
        );
        // A success too few to recover does not restart the episode; the third failure
        // within it votes (and asks for an evaluation by itself).
        s.observe(&probe(300, "a", true), &params);
        for t in [305, 365, 425, 485, 545, 605] {
            s.observe(&probe(t, "b", true), &params);
            s.observe(&probe(t, "c", true), &params);
        }
        assert!(s.needs_evaluation(Timestamp::from_secs(301)));
        assert_eq!(
            s.evaluate(Timestamp::from_secs(301), &params).state,
            State::Operational
        );
        s.evaluate(Timestamp::from_secs(350), &params);
        s.observe(&probe(360, "a", false), &params);
        assert!(s.needs_evaluation(Timestamp::from_secs(361)));
        let v = s.evaluate(Timestamp::from_secs(361), &params);
        assert_eq!((v.state, v.failing, v.live), (State::Degraded, 1, 3));
        assert_eq!(v.failing_since, Some(Timestamp::from_secs(360)));
        // Once recovered, a new episode starts from zero.
        for t in [420, 480] {
            s.observe(&probe(t, "a", true), &params);
        }
        assert_eq!(
            s.evaluate(Timestamp::from_secs(481), &params).state,
            State::Operational
        );
        for t in [540, 600] {
            s.observe(&probe(t, "a", false), &params);
        }
        let v = s.evaluate(Timestamp::from_secs(606), &params);
        assert_eq!((v.state, v.live), (State::Operational, 3));

        // A service probed from one vantage has nobody to contradict it: its own threshold.
        let mut s = warm(&["a"], 120, &params);
        for t in [180, 240] {
            s.observe(&probe(t, "a", false), &params);
        }
        assert_eq!(
            s.evaluate(Timestamp::from_secs(241), &params).state,
            State::MajorOutage
        );
        // Two vantages both `down` confirm each other: no extra wait.
        let mut s = warm(&["a", "b", "c", "d", "e"], 120, &params);
        for t in [180, 240] {
            s.observe(&probe(t, "a", false), &params);
            s.observe(&probe(t, "b", false), &params);
            for x in ["c", "d", "e"] {
                s.observe(&probe(t + 5, x, true), &params);
            }
        }
        let v = s.evaluate(Timestamp::from_secs(246), &params);
        assert_eq!((v.state, v.failing), (State::Degraded, 2));
    }

    #[test]
    fn a_blamed_dependency_lowers_the_bar_by_one_step() {
        let params = ProbeParams::default();
        // Two vantages fail once while the third's latest result passes: not unanimous.
        let mut s = warm(&["a", "b", "c"], 120, &params);
        s.observe(&probe(180, "a", false), &params);
        s.observe(&probe(181, "b", false), &params);
        s.observe(&probe(182, "c", true), &params);
        let v = s.evaluate_with(Timestamp::from_secs(183), &params, Support::None);
        assert_eq!(
            (v.state, v.failing, v.leaned_on, v.corroborable()),
            (State::Operational, 0, Support::None, false)
        );
        let v = s.evaluate_with(Timestamp::from_secs(183), &params, Support::Upstream);
        assert_eq!(
            (v.state, v.failing, v.corroborated, v.leaned_on),
            (State::MajorOutage, 2, 2, Support::Upstream)
        );
        // A lone `down` vantage votes without its extra failure.
        let mut s = warm(&["a", "b", "c"], 120, &params);
        for t in [180, 240] {
            s.observe(&probe(t, "a", false), &params);
            s.observe(&probe(t + 5, "b", true), &params);
            s.observe(&probe(t + 5, "c", true), &params);
        }
        let v = s.evaluate_with(Timestamp::from_secs(246), &params, Support::None);
        assert_eq!(v.state, State::Operational);
        let v = s.evaluate_with(Timestamp::from_secs(246), &params, Support::Upstream);
        assert_eq!(
            (v.state, v.failing, v.leaned_on),
            (State::Degraded, 1, Support::Upstream)
        );
        // One vantage's single failure is still only a hint.
        let mut s = warm(&["a", "b", "c"], 120, &params);
        s.observe(&probe(180, "a", false), &params);
        let v = s.evaluate_with(Timestamp::from_secs(181), &params, Support::Upstream);
        assert_eq!((v.state, v.unconfirmed), (State::Operational, 1));
        // Unanimous failures owe nothing to the dependency.
        s.observe(&probe(182, "b", false), &params);
        s.observe(&probe(183, "c", false), &params);
        let v = s.evaluate_with(Timestamp::from_secs(184), &params, Support::Upstream);
        assert_eq!((v.state, v.leaned_on), (State::MajorOutage, Support::None));
    }

    /// A failed result with `error`.
    fn failed(at_s: i64, vantage: &str, error: ProbeError) -> ProbeResult {
        ProbeResult {
            error: Some(error),
            ..probe(at_s, vantage, false)
        }
    }

    /// Vantages a, b and c, passing until c's pass at 150 s; then a fails with `a` at 180 s
    /// and b with `b` at 181 s, and c has not probed since.
    fn two_fresh_failures(a: ProbeError, b: ProbeError, params: &ProbeParams) -> ServiceProbes {
        let mut s = warm(&["a", "b", "c"], 120, params);
        s.observe(&probe(150, "c", true), params);
        s.observe(&failed(180, "a", a), params);
        s.observe(&failed(181, "b", b), params);
        s
    }

    #[test]
    fn a_failing_neighbour_lowers_only_the_two_vantage_bar() {
        let params = ProbeParams::default();
        // Two vantages get an answer (5xx) once; the third has not probed since (its latest
        // pass is older).
        let mut s = two_fresh_failures(ProbeError::HttpStatus, ProbeError::ConnectRefused, &params);
        let v = s.evaluate_with(Timestamp::from_secs(182), &params, Support::None);
        assert_eq!(
            (v.state, v.unconfirmed, v.corroborable()),
            (State::Operational, 2, true)
        );
        let v = s.evaluate_with(
            Timestamp::from_secs(182),
            &params,
            Support::Neighbour(VantageSet::default()),
        );
        assert_eq!(
            (v.state, v.failing, v.corroborated, v.leaned_on),
            (
                State::MajorOutage,
                2,
                2,
                Support::Neighbour(VantageSet::default())
            )
        );
        // Once the third vantage passes after them, the two failures are contradicted: a
        // neighbour failing everywhere no longer makes them count, nor one failing from a
        // region they are not in; one failing from a and b while c passes does (a regional
        // failure), and so does a blamed dependency.
        s.observe(&probe(210, "c", true), &params);
        let now = Timestamp::from_secs(211);
        for elsewhere in [&[][..], &["a"], &["a", "c"]] {
            let v = s.evaluate_with(now, &params, neighbour(elsewhere));
            assert_eq!(
                (v.state, v.corroborable(), v.leaned_on),
                (State::Operational, true, Support::None),
                "{elsewhere:?}"
            );
        }
        let v = s.evaluate_with(now, &params, neighbour(&["a", "b"]));
        assert_eq!(
            (v.state, v.failing, v.leaned_on),
            (State::MajorOutage, 2, neighbour(&["a", "b"]))
        );
        let v = s.evaluate_with(now, &params, Support::Upstream);
        assert_eq!(v.state, State::MajorOutage);
        // Timeouts are not answers: one of the two is not enough.
        for other in [
            ProbeError::Timeout,
            ProbeError::ConnectTimeout,
            ProbeError::DnsTimeout,
        ] {
            let mut s = warm(&["a", "b", "c"], 120, &params);
            s.observe(&probe(150, "c", true), &params);
            s.observe(&failed(180, "a", ProbeError::HttpStatus), &params);
            s.observe(&failed(181, "b", other), &params);
            let v = s.evaluate_with(
                Timestamp::from_secs(182),
                &params,
                Support::Neighbour(VantageSet::default()),
            );
            assert_eq!((v.state, v.corroborable()), (State::Operational, false));
            // A blamed dependency does not ask for answers.
            let v = s.evaluate_with(Timestamp::from_secs(182), &params, Support::Upstream);
            assert_eq!(v.state, State::MajorOutage);
        }
        // A lone `down` vantage still needs its extra failure, unless the neighbour fails
        // from that vantage too (next test).
        let mut s = warm(&["a", "b", "c"], 120, &params);
        for t in [180, 240] {
            s.observe(&failed(t, "a", ProbeError::HttpStatus), &params);
            s.observe(&probe(t + 5, "b", true), &params);
            s.observe(&probe(t + 5, "c", true), &params);
        }
        let v = s.evaluate_with(Timestamp::from_secs(246), &params, neighbour(&["b", "c"]));
        assert_eq!((v.state, v.corroborable()), (State::Operational, true));
        // One vantage's single failure is only a hint.
        let mut s = warm(&["a", "b", "c"], 120, &params);
        s.observe(&failed(180, "a", ProbeError::HttpStatus), &params);
        let v = s.evaluate_with(
            Timestamp::from_secs(181),
            &params,
            Support::Neighbour(VantageSet::default()),
        );
        assert_eq!((v.state, v.corroborable()), (State::Operational, false));
    }

    fn vantages(names: &[&str]) -> VantageSet {
        let mut set = VantageSet::default();
        for v in names {
            set.insert(vantage_key(v));
        }
        set
    }

    fn neighbour(failing_from: &[&str]) -> Support {
        Support::Neighbour(vantages(failing_from))
    }

    #[test]
    fn a_neighbour_failing_from_the_same_vantage_lets_a_lone_vantage_vote() {
        let params = ProbeParams::default();
        // Vantage a fails twice (down, one failure short of voting alone); b and c pass.
        let lone = |error: ProbeError| {
            let mut s = warm(&["a", "b", "c"], 120, &params);
            for t in [180, 240] {
                s.observe(&failed(t, "a", error), &params);
                s.observe(&probe(t + 5, "b", true), &params);
                s.observe(&probe(t + 5, "c", true), &params);
            }
            s
        };
        let now = Timestamp::from_secs(246);
        let mut s = lone(ProbeError::HttpStatus);
        let v = s.evaluate_with(now, &params, Support::None);
        assert_eq!(
            (v.state, v.unconfirmed, v.corroborable()),
            (State::Operational, 1, true)
        );
        // A neighbour failing from a alone, or from a and others: the same region.
        for from in [&["a"][..], &["a", "b"], &["c", "a"]] {
            let v = s.evaluate_with(now, &params, neighbour(from));
            assert_eq!(
                (v.state, v.failing, v.leaned_on),
                (State::Degraded, 1, neighbour(from)),
                "{from:?}"
            );
            assert_eq!(
                v.describe(),
                "probes fail from 1 of 3 vantages (http_status)"
            );
        }
        // A neighbour failing elsewhere, or seen by reports alone, says nothing about a.
        for from in [&["b"][..], &["b", "c"], &[]] {
            let v = s.evaluate_with(now, &params, neighbour(from));
            assert_eq!((v.state, v.leaned_on), (State::Operational, Support::None));
        }
        // Timeouts are not answers: the vantage's own network may be what fails.
        for error in [
            ProbeError::Timeout,
            ProbeError::ConnectTimeout,
            ProbeError::DnsTimeout,
        ] {
            let mut s = lone(error);
            let v = s.evaluate_with(now, &params, neighbour(&["a"]));
            assert_eq!((v.state, v.corroborable()), (State::Operational, false));
        }
        // One failure of a is still only a hint, whatever the neighbour.
        let mut s = warm(&["a", "b", "c"], 120, &params);
        s.observe(&failed(180, "a", ProbeError::HttpStatus), &params);
        s.observe(&probe(185, "b", true), &params);
        let v = s.evaluate_with(Timestamp::from_secs(186), &params, neighbour(&["a"]));
        assert_eq!(v.state, State::Operational);
    }

    #[test]
    fn the_partial_vantages_are_those_failing_while_another_passes() {
        let params = ProbeParams::default();
        let mut s = warm(&["a", "b", "c"], 120, &params);
        s.observe(&failed(180, "a", ProbeError::HttpStatus), &params);
        s.observe(&failed(181, "b", ProbeError::Tls), &params);
        s.observe(&probe(182, "c", true), &params);
        let set = s.partial_vantages(Timestamp::from_secs(183), &params);
        assert!(set.contains(vantage_key("a")) && set.contains(vantage_key("b")));
        assert!(!set.contains(vantage_key("c")));
        // b passes again: only a is left.
        s.observe(&probe(200, "b", true), &params);
        let set = s.partial_vantages(Timestamp::from_secs(201), &params);
        assert!(set.contains(vantage_key("a")) && !set.contains(vantage_key("b")));
        // Every vantage failing is no region: nothing to compare a lone vantage with.
        s.observe(&failed(210, "b", ProbeError::Tls), &params);
        s.observe(&failed(211, "c", ProbeError::Tls), &params);
        assert!(s
            .partial_vantages(Timestamp::from_secs(212), &params)
            .is_empty());
    }

    #[test]
    fn what_uncounted_answers_wait_for_names_their_vantages() {
        let params = ProbeParams::default();
        let awaiting = |s: &mut ServiceProbes, at: i64| {
            let v = s.evaluate_with(Timestamp::from_secs(at), &params, Support::None);
            (v.state, v.awaiting)
        };
        // Two vantages answer with errors, the third has not probed since: unanimity.
        let mut s = two_fresh_failures(ProbeError::HttpStatus, ProbeError::Tls, &params);
        assert_eq!(
            awaiting(&mut s, 182),
            (State::Operational, Awaiting::Unanimity)
        );
        // The third passes after them: each vantage's second failure, from a and b.
        s.observe(&probe(210, "c", true), &params);
        let (state, waits) = awaiting(&mut s, 211);
        assert_eq!(
            (state, waits),
            (State::Operational, Awaiting::Region(vantages(&["a", "b"])))
        );
        // The key does not depend on the order the vantages were met in.
        assert_eq!(
            waits.peer_key(),
            Awaiting::Region(vantages(&["b", "a"])).peer_key()
        );
        assert_ne!(
            waits.peer_key(),
            Awaiting::Region(vantages(&["a", "c"])).peer_key()
        );
        // Timeouts wait for nothing a peer could give: who failed is unknown.
        let mut s = two_fresh_failures(ProbeError::Timeout, ProbeError::ConnectTimeout, &params);
        assert_eq!(
            awaiting(&mut s, 182),
            (State::Operational, Awaiting::Nothing)
        );
        assert_eq!(Awaiting::Nothing.peer_key(), None);
        // A lone `down` vantage answering: its extra failure.
        let mut s = warm(&["a", "b", "c"], 120, &params);
        for t in [180, 240] {
            s.observe(&failed(t, "a", ProbeError::HttpStatus), &params);
            s.observe(&probe(t + 5, "b", true), &params);
            s.observe(&probe(t + 5, "c", true), &params);
        }
        assert_eq!(
            awaiting(&mut s, 246),
            (State::Operational, Awaiting::LoneVantage(vantages(&["a"])))
        );
        // Once they count, nothing is awaited.
        s.observe(&failed(300, "a", ProbeError::HttpStatus), &params);
        assert_eq!(awaiting(&mut s, 301), (State::Degraded, Awaiting::Nothing));
    }

    #[test]
    fn failures_too_far_apart_do_not_corroborate() {
        let params = ProbeParams::default();
        let mut s = warm(&["a", "b"], 120, &params);
        s.observe(&probe(180, "a", false), &params);
        s.observe(&probe(180, "b", true), &params);
        s.observe(&probe(240, "a", true), &params);
        s.observe(&probe(240, "b", false), &params);
        let v = s.evaluate(Timestamp::from_secs(241), &params);
        assert_eq!((v.state, v.unconfirmed), (State::Operational, 1));
    }

    #[test]
    fn a_success_between_two_fresh_failures_contradicts_them() {
        let params = ProbeParams::default();
        let mut s = warm(&["a", "b", "c"], 120, &params);
        s.observe(&probe(180, "a", false), &params);
        s.observe(&probe(190, "c", true), &params);
        s.observe(&probe(200, "b", false), &params);
        let v = s.evaluate(Timestamp::from_secs(201), &params);
        assert_eq!((v.state, v.failing), (State::Operational, 0), "{v:?}");
        // Confirmed the usual way if the failures go on.
        s.observe(&probe(240, "a", false), &params);
        s.observe(&probe(250, "c", false), &params);
        let v = s.evaluate(Timestamp::from_secs(251), &params);
        assert_eq!(v.state, State::MajorOutage, "{v:?}");
    }

    proptest::proptest! {
        /// However the other vantages behave (passing), a single vantage failing once never
        /// changes the probe verdict, whatever the moment of evaluation.
        #[test]
        fn one_vantage_failing_once_never_flips(
            n in 1usize..6,
            who in 0usize..6,
            fail_at in 2i64..20,
            eval_offset in 0i64..200,
        ) {
            let params = ProbeParams::default();
            let names = ["a", "b", "c", "d", "e", "f"];
            let who = who % n;
            let mut s = ServiceProbes::default();
            for k in 0..25i64 {
                for (i, v) in names[..n].iter().enumerate() {
                    let t = k * 60 + i as i64;
                    s.observe(&probe(t, v, !(i == who && k == fail_at)), &params);
                    let now = Timestamp::from_secs(t + eval_offset % 60);
                    let verdict = s.evaluate(now, &params);
                    proptest::prop_assert_eq!(verdict.state, State::Operational);
                    proptest::prop_assert_eq!(verdict.failing, 0);
                }
            }
        }

        /// Flapping resistance: vantages that each fail alone, never two at once within the
        /// corroboration window, never make the verdict anything but operational.
        #[test]
        fn isolated_failures_in_turn_never_flip(order in proptest::collection::vec(0usize..3, 1..12)) {
            let params = ProbeParams::default();
            let names = ["a", "b", "c"];
            let mut s = warm(&names, 120, &params);
            // Every third round one vantage fails once; two clean rounds separate failures.
            let mut k = 3i64;
            for who in order {
                for round in 0..3 {
                    for (i, v) in names.iter().enumerate() {
                        let ok = !(round == 0 && i == who);
                        s.observe(&probe(k * 60 + i as i64, v, ok), &params);
                        let verdict = s.evaluate(Timestamp::from_secs(k * 60 + i as i64), &params);
                        proptest::prop_assert_eq!(verdict.state, State::Operational);
                    }
                    k += 1;
                }
            }
        }
    }

    #[test]
    fn slow_results_degrade() {
        let params = ProbeParams::default();
        let mut s = ServiceProbes::default();
        for t in [0, 60, 120] {
            let mut p = probe(t, "a", true);
            p.slow = t > 0;
            s.observe(&p, &params);
        }
        let v = s.evaluate(Timestamp::from_secs(121), &params);
        assert_eq!((v.state, v.slow), (State::Degraded, 1));
        assert!(v.describe().contains("slow"), "{}", v.describe());
    }

    #[test]
    fn policy_applies_to_existing_and_new_checks() {
        let params = ProbeParams::default();
        let mut s = ServiceProbes::default();
        s.observe(&probe(0, "a", true), &params);
        s.set_policy(
            "home",
            ProbeThresholds::new(1, 5),
            params.default_thresholds,
        );
        // One policy and a check-less result: the policy is the service's only check.
        s.observe(&probe(60, "a", false), &params);
        assert_eq!(s.entries()[0].verdict(), VantageVerdict::Down);
        assert_eq!(s.entries()[0].thresholds(), ProbeThresholds::new(1, 5));
    }
}

//! Crowd-report counting for one service: deduplication by reporter, per-minute distinct
//! counts (total, by kind and by region), and the service's surge detector.
//!
//! Only the first report per reporter per service within [`ReportParams::dedup_window_ms`]
//! counts: a reporter pressing the button again in that window is a duplicate, kept in the
//! received total and ignored for detection. Reports without a reporter key count as one
//! distinct reporter each; a `reports` batch of `count` counts as `count` distinct reporters.
//! Minutes are closed into the detector ([`crate::detect::ReportDetector`]) lazily: when a
//! later report arrives or a tick passes the minute. Idle minutes are learnt by the detector
//! as zeros on the next close, so quiet services cost nothing.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::detect::{DetectParams, ReportDetector, SurgeLevel, SurgeVerdict};
use crate::engine::intern::FxHashMap;
use crate::model::ReportKind;
use crate::time::{Timestamp, MINUTE_MS};

/// While the reporter memory is full, a prune (a scan of every remembered reporter) runs at
/// most this often. Pruning on every new reporter made a flood of a million distinct
/// reporters within the dedup window quadratic: each new one rescanned a million entries
/// that were all still within the window (intake fell from 60k to 5k reports/s).
pub const FULL_PRUNE_INTERVAL_MS: i64 = MINUTE_MS;

/// Constants of the report layer.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportParams {
    /// One counted report per reporter per service per this window.
    pub dedup_window_ms: i64,
    /// Minutes of per-minute counts kept for the service page's chart.
    pub history_minutes: u32,
    /// Upper bound on remembered reporters per service (memory guard). When it is reached,
    /// expired reporters are pruned (at most once per [`FULL_PRUNE_INTERVAL_MS`]); while it
    /// is still reached, further new reporters count but are not remembered.
    pub max_tracked_reporters: usize,
    /// Upper bound on remembered (minute, region) cells per service.
    pub max_region_cells: usize,
}

impl Default for ReportParams {
    fn default() -> Self {
        ReportParams {
            dedup_window_ms: 15 * MINUTE_MS,
            history_minutes: 24 * 60,
            max_tracked_reporters: 1_000_000,
            max_region_cells: 100_000,
        }
    }
}

/// A sound pre-screen before [`ReportDetector::assess`], shared by every service.
///
/// For each window the detector's surprise can reach `elevated_surprise` only if the
/// window's count reaches the smallest count `k` with
/// `-(ln P_NB(X ≥ k; μ, φ) + ln #windows) / ln 10 ≥ elevated_surprise`. That `k` depends
/// only on the expectation μ and dispersion φ, so it is memoised on a grid, always rounding
/// μ and φ *down* (a lower μ or φ gives a lower `k`: the screen errs towards assessing).
/// μ is taken at [`SCREEN_SAFETY`] of the current baseline, because the detector judges closed
/// minutes against the expectation they had when they closed.
#[derive(Clone, Debug)]
pub struct SurgeScreen {
    memo: FxHashMap<(i32, i32), u32>,
    ln_windows: f64,
    elevated: f64,
}

/// Share of the current expectation the screen assumes (see [`SurgeScreen`]).
pub const SCREEN_SAFETY: f64 = 0.8;
/// Minutes of baseline means remembered for the screen: the detector's windows are at most
/// 16 minutes long (`DetectParams::validate`).
const MEAN_CACHE: usize = 16;
const GRID_MEAN: f64 = 0.05; // ln steps: ≈ 5% for μ
const GRID_PHI: f64 = 0.1; // ≈ 10% for φ

impl SurgeScreen {
    pub fn new(detect: &DetectParams) -> Self {
        SurgeScreen {
            memo: FxHashMap::default(),
            ln_windows: (detect.windows.len().max(1) as f64).ln(),
            elevated: detect.elevated_surprise,
        }
    }

    /// The smallest count that could be `Elevated` against expectation `mean`.
    pub fn threshold(&mut self, mean: f64, phi: f64) -> u32 {
        let qm = (mean.max(1e-9).ln() / GRID_MEAN).floor() as i32;
        let qp = (phi.max(1e-9).ln() / GRID_PHI).floor() as i32;
        let (ln_windows, elevated) = (self.ln_windows, self.elevated);
        *self.memo.entry((qm, qp)).or_insert_with(|| {
            let m = (f64::from(qm) * GRID_MEAN).exp();
            let p = (f64::from(qp) * GRID_PHI).exp();
            let reaches = |k: u64| {
                let ln_p = crate::detect::tail::ln_nb_upper(k as f64, m, p);
                -(ln_p + ln_windows) / std::f64::consts::LN_10 >= elevated
            };
            let mut hi = (m.ceil() as u64).max(1);
            while !reaches(hi) && hi < (1 << 31) {
                hi *= 2;
            }
            let mut lo = 0u64;
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if reaches(mid) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            hi.min(u64::from(u32::MAX)) as u32
        })
    }
}

/// Index of a report kind in the per-kind arrays; the last slot is "kind not given".
pub const KIND_SLOTS: usize = ReportKind::ALL.len() + 1;

fn kind_slot(kind: Option<ReportKind>) -> usize {
    match kind {
        Some(k) => ReportKind::ALL
            .iter()
            .position(|x| *x == k)
            .unwrap_or(KIND_SLOTS - 1),
        None => KIND_SLOTS - 1,
    }
}

/// The kind of a per-kind slot (`None` for "not given").
pub fn slot_kind(slot: usize) -> Option<ReportKind> {
    ReportKind::ALL.get(slot).copied()
}

/// Distinct reporters counted in one minute.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MinuteCounts {
    pub minute: Timestamp,
    pub distinct: u32,
    pub by_kind: [u32; KIND_SLOTS],
}

/// Report state of one service.
#[derive(Clone, Debug)]
pub struct ServiceReports {
    detector: ReportDetector,
    /// Reporter key → when its last *counted* report arrived.
    seen: FxHashMap<Box<str>, Timestamp>,
    last_prune: Timestamp,
    /// How many times `seen` was pruned (each prune scans all of it).
    prunes: u64,
    /// The open (current) minute.
    current: MinuteCounts,
    /// Of `current.distinct`, how many came in batches: a batch covers its whole minute, so
    /// only the elapsed share of it has "happened" when the minute is judged while open.
    current_batched: u32,
    /// Closed minutes with at least one report, oldest first, within `history_minutes`.
    history: VecDeque<MinuteCounts>,
    /// (minute, region, distinct) cells, oldest first.
    regions: VecDeque<(Timestamp, [u8; 2], u32)>,
    received: u64,
    counted: u64,
    /// Counted reports since the last assessment.
    fresh: bool,
    /// The last assessment already judged the open minute's final count (it held only
    /// batches, which describe their whole minute, or nothing): closing it changes nothing.
    judged_full: bool,
    /// (minute index, baseline mean) of recent minutes, for the pre-screen.
    means: [(i64, f64); MEAN_CACHE],
    verdict: SurgeVerdict,
    assessed_minute: Timestamp,
    /// Time of the first report of the current run of non-normal verdicts.
    surge_since: Option<Timestamp>,
}

const NORMAL: SurgeVerdict = SurgeVerdict {
    level: SurgeLevel::Normal,
    observed: 0,
    expected: 0.0,
    surprise: 0.0,
    window_minutes: 0,
};

impl ServiceReports {
    pub fn new(detect: Arc<DetectParams>) -> Self {
        ServiceReports {
            detector: ReportDetector::new_shared(detect),
            seen: FxHashMap::default(),
            last_prune: Timestamp::from_millis(i64::MIN / 2),
            prunes: 0,
            current: MinuteCounts {
                minute: Timestamp::from_millis(i64::MIN / 2),
                ..MinuteCounts::default()
            },
            current_batched: 0,
            history: VecDeque::new(),
            regions: VecDeque::new(),
            received: 0,
            counted: 0,
            fresh: false,
            judged_full: true,
            means: [(i64::MIN, 0.0); MEAN_CACHE],
            verdict: NORMAL,
            assessed_minute: Timestamp::from_millis(i64::MIN / 2),
            surge_since: None,
        }
    }

    pub fn detector(&self) -> &ReportDetector {
        &self.detector
    }

    /// Every report received, duplicates included.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Reports that counted (first per reporter per window).
    pub fn counted(&self) -> u64 {
        self.counted
    }

    pub fn verdict(&self) -> &SurgeVerdict {
        &self.verdict
    }

    pub fn surge_since(&self) -> Option<Timestamp> {
        self.surge_since
    }

    /// Whether any report was ever received.
    pub fn any(&self) -> bool {
        self.received > 0
    }

    /// Closes the open minute when `at` lies in a later one.
    fn roll_to(&mut self, minute: Timestamp, params: &ReportParams) {
        if minute <= self.current.minute {
            return;
        }
        if self.current.distinct > 0 {
            self.detector
                .close_minute(self.current.minute, self.current.distinct);
            self.history.push_back(self.current);
        }
        self.current = MinuteCounts {
            minute,
            ..MinuteCounts::default()
        };
        self.current_batched = 0;
        let horizon = minute.plus_millis(-(i64::from(params.history_minutes) * MINUTE_MS));
        while self.history.front().is_some_and(|m| m.minute < horizon) {
            self.history.pop_front();
        }
        while self.regions.front().is_some_and(|c| c.0 < horizon) {
            self.regions.pop_front();
        }
    }

    fn count(
        &mut self,
        at: Timestamp,
        n: u32,
        batched: bool,
        (kind, region): (Option<ReportKind>, Option<&str>),
        params: &ReportParams,
    ) {
        if n == 0 {
            return;
        }
        self.roll_to(at.minute_floor(), params);
        if batched {
            self.current_batched = self.current_batched.saturating_add(n);
        }
        // Late signals (before the open minute) count in the open minute.
        self.current.distinct = self.current.distinct.saturating_add(n);
        let slot = kind_slot(kind);
        self.current.by_kind[slot] = self.current.by_kind[slot].saturating_add(n);
        self.counted += u64::from(n);
        self.fresh = true;
        if let Some(r) = region.map(str::as_bytes).filter(|r| r.len() == 2) {
            let code = [r[0].to_ascii_uppercase(), r[1].to_ascii_uppercase()];
            let minute = self.current.minute;
            match self
                .regions
                .iter_mut()
                .rev()
                .take_while(|c| c.0 == minute)
                .find(|c| c.1 == code)
            {
                Some(cell) => cell.2 = cell.2.saturating_add(n),
                None => {
                    if self.regions.len() >= params.max_region_cells {
                        self.regions.pop_front();
                    }
                    self.regions.push_back((minute, code, n));
                }
            }
        }
    }

    /// One report; `reporter` `None` is a distinct reporter.
    ///
    /// A report stamped on the first instant of its minute counts as part of that minute's
    /// batch: sources that round report times down to the minute (exports, aggregated feeds)
    /// stamp a whole minute's reports there, and judging that minute as barely begun would
    /// compare all of it with a quarter of its expectation (docs/detection.md 4.2).
    pub fn report(
        &mut self,
        at: Timestamp,
        reporter: Option<&str>,
        kind: Option<ReportKind>,
        region: Option<&str>,
        params: &ReportParams,
    ) {
        self.received += 1;
        if let Some(key) = reporter {
            match self.seen.get_mut(key) {
                Some(last) if at.millis_since(*last) < params.dedup_window_ms => return,
                Some(last) => *last = at,
                None => {
                    if self.seen.len() >= params.max_tracked_reporters
                        && at.millis_since(self.last_prune) >= FULL_PRUNE_INTERVAL_MS
                    {
                        self.prune(at, params);
                    }
                    if self.seen.len() < params.max_tracked_reporters {
                        self.seen.insert(key.into(), at);
                    }
                }
            }
        }
        let on_the_minute = at == at.minute_floor();
        self.count(at, 1, on_the_minute, (kind, region), params);
    }

    /// `n` reports from `n` distinct reporters in the minute of `at`.
    pub fn batch(
        &mut self,
        at: Timestamp,
        n: u32,
        kind: Option<ReportKind>,
        region: Option<&str>,
        params: &ReportParams,
    ) {
        self.received += u64::from(n);
        self.count(at, n, true, (kind, region), params);
    }

    /// Learns stored minutes of distinct reporters (ascending; see
    /// `Engine::restore_report_minutes`) and closes the last of them. Minutes at or after
    /// the one containing `now`, out of order, or empty are skipped; nothing is restored once
    /// a report has been received. The restored minutes carry no kind or region.
    pub fn restore(
        &mut self,
        now: Timestamp,
        minutes: &[(Timestamp, u32)],
        params: &ReportParams,
    ) -> usize {
        if self.received > 0 {
            return 0;
        }
        let open = now.minute_floor();
        let mut used = 0;
        for &(at, n) in minutes {
            let minute = at.minute_floor();
            if n == 0 || minute >= open || minute <= self.current.minute {
                continue;
            }
            self.roll_to(minute, params);
            self.current.distinct = n;
            self.received += u64::from(n);
            self.counted += u64::from(n);
            used += 1;
        }
        if used > 0 {
            self.roll_to(open, params);
            self.fresh = true;
        }
        used
    }

    fn prune(&mut self, now: Timestamp, params: &ReportParams) {
        self.seen
            .retain(|_, t| now.millis_since(*t) < params.dedup_window_ms);
        self.last_prune = now;
        self.prunes += 1;
    }

    /// Sum of distinct counts over the closed minutes in `[from, to)`.
    fn closed_sum(&self, from: Timestamp, to: Timestamp) -> u32 {
        self.history
            .iter()
            .rev()
            .take_while(|m| m.minute >= from)
            .filter(|m| m.minute < to)
            .map(|m| m.distinct)
            .sum()
    }

    /// Brings the detector's verdict up to `now`. Cheap when nothing can have changed:
    /// the detector is consulted only when the longest window holds at least
    /// `corroborated_min_reporters` distinct reporters (a thin surge's minimum), or the last
    /// verdict was above normal.
    /// Returns whether the verdict's level changed.
    pub fn update(
        &mut self,
        now: Timestamp,
        params: &ReportParams,
        screen: &mut SurgeScreen,
    ) -> bool {
        let minute = now.minute_floor();
        self.roll_to(minute, params);
        if self.seen.len() > 1024 && now.millis_since(self.last_prune) >= params.dedup_window_ms {
            self.prune(now, params);
        }
        let before = self.verdict.level;
        let p = self.detector.params();
        let longest = p.windows.last().copied().unwrap_or(1).max(1);
        // The fewest reporters any level above normal needs (a thin surge's).
        let min_reporters = p.corroborated_min_reporters.min(p.min_reporters);
        let new_minute = minute != self.assessed_minute;
        if !(self.fresh || before != SurgeLevel::Normal || (new_minute && !self.judged_full)) {
            self.assessed_minute = minute;
            return false;
        }
        let window_start = minute.plus_millis(-(i64::from(longest) - 1) * MINUTE_MS);
        let open = self.current.minute == minute;
        let batches_only = !open || self.current_batched == self.current.distinct;
        // A minute of batches is judged as complete (at its last instant): a batch is the
        // whole minute's count. Individually timed reports are judged as they arrive, with
        // batches in the same minute spread evenly over it.
        let (judge_at, partial) = if !open {
            (now, 0)
        } else if batches_only {
            (minute.plus_millis(MINUTE_MS - 1), self.current.distinct)
        } else {
            let elapsed = now.millis_since(minute) as f64 / MINUTE_MS as f64;
            let share = elapsed.clamp(p.min_partial_fraction.min(1.0), 1.0);
            let spread = (f64::from(self.current_batched) * share).round() as u32;
            (now, self.current.distinct - self.current_batched + spread)
        };
        let in_window = partial.saturating_add(self.closed_sum(window_start, minute));
        let worth_assessing = before != SurgeLevel::Normal
            || (in_window >= min_reporters.max(1) && self.could_surge(judge_at, partial, screen));
        self.verdict = if worth_assessing {
            self.detector.assess(judge_at, partial)
        } else {
            NORMAL
        };
        self.fresh = false;
        self.judged_full = batches_only;
        self.assessed_minute = minute;
        let after = self.verdict.level;
        if after == SurgeLevel::Normal {
            self.surge_since = None;
        } else if self.surge_since.is_none() {
            let w = i64::from(self.verdict.window_minutes.max(1));
            self.surge_since = Some(minute.plus_millis(-(w - 1) * MINUTE_MS));
        }
        after != before
    }

    /// Whether any window's count reaches the screen's threshold (see [`SurgeScreen`]).
    fn could_surge(&mut self, judge_at: Timestamp, partial: u32, screen: &mut SurgeScreen) -> bool {
        let minute = judge_at.minute_floor();
        let elapsed = judge_at.millis_since(minute) as f64 / MINUTE_MS as f64;
        let (frac, longest) = {
            let p = self.detector.params();
            let longest = p
                .windows
                .last()
                .copied()
                .unwrap_or(1)
                .clamp(1, MEAN_CACHE as u32);
            (elapsed.clamp(p.min_partial_fraction.min(1.0), 1.0), longest)
        };
        let phi = self.detector.dispersion();
        let mut counts = [0u32; MEAN_CACHE];
        let mut means = [0f64; MEAN_CACHE];
        for back in 0..longest as usize {
            let m = minute.plus_millis(-(back as i64) * MINUTE_MS);
            if back > 0 {
                counts[back] = self.closed_sum(m, m.plus_millis(MINUTE_MS));
            }
            means[back] = self.cached_mean(m);
        }
        let mut observed = partial;
        let mut expected = means[0] * frac;
        let mut length = 1usize;
        for &w in &self.detector.params().windows {
            while length < (w as usize).min(MEAN_CACHE) {
                observed = observed.saturating_add(counts[length]);
                expected += means[length];
                length += 1;
            }
            if observed >= screen.threshold(SCREEN_SAFETY * expected, phi) {
                return true;
            }
        }
        false
    }

    /// The baseline's mean for a minute, computed once per minute: a minute's expectation
    /// is the one it had while it was current, which is what the detector records for it.
    fn cached_mean(&mut self, minute: Timestamp) -> f64 {
        let index = minute.as_millis().div_euclid(MINUTE_MS);
        let slot = index.rem_euclid(MEAN_CACHE as i64) as usize;
        match self.means[slot] {
            (m, mean) if m == index => mean,
            _ => {
                let mean = self.detector.expected_mean(minute);
                self.means[slot] = (index, mean);
                mean
            }
        }
    }

    /// Whether `update` must run at every tick (a verdict above normal can decay with time).
    pub fn active(&self) -> bool {
        self.verdict.level != SurgeLevel::Normal || self.fresh
    }

    /// The minute that closes next, if reports are waiting in it.
    pub fn pending_close(&self) -> Option<Timestamp> {
        (self.current.distinct > 0).then(|| self.current.minute.plus_millis(MINUTE_MS))
    }

    /// Per-minute distinct counts for the `minutes` minutes ending with the one containing
    /// `end` (zeros filled in), oldest first.
    pub fn series(&self, end: Timestamp, minutes: u32) -> Vec<MinuteCounts> {
        let last = end.minute_floor();
        let first = last.plus_millis(-(i64::from(minutes.max(1)) - 1) * MINUTE_MS);
        let mut out: Vec<MinuteCounts> = (0..i64::from(minutes.max(1)))
            .map(|i| MinuteCounts {
                minute: first.plus_millis(i * MINUTE_MS),
                ..MinuteCounts::default()
            })
            .collect();
        let place = |out: &mut Vec<MinuteCounts>, m: &MinuteCounts| {
            if m.minute >= first && m.minute <= last {
                let i = (m.minute.millis_since(first) / MINUTE_MS) as usize;
                out[i] = *m;
            }
        };
        for m in &self.history {
            place(&mut out, m);
        }
        if self.current.distinct > 0 {
            place(&mut out, &self.current);
        }
        out
    }

    /// Distinct reporters by region over `[since, ∞)`, largest first.
    pub fn regions_since(&self, since: Timestamp) -> Vec<(String, u64)> {
        let mut totals: Vec<([u8; 2], u64)> = Vec::new();
        for (_, code, n) in self.regions.iter().filter(|c| c.0 >= since) {
            match totals.iter_mut().find(|t| t.0 == *code) {
                Some(t) => t.1 += u64::from(*n),
                None => totals.push((*code, u64::from(*n))),
            }
        }
        totals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        totals
            .into_iter()
            .map(|(c, n)| (String::from_utf8_lossy(&c).into_owned(), n))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_reporter_memory_is_not_rescanned_for_every_new_reporter() {
        let params = ReportParams {
            max_tracked_reporters: 10,
            ..ReportParams::default()
        };
        let mut reports = ServiceReports::new(Arc::new(DetectParams::default()));
        let start = Timestamp::from_secs(1_700_000_000);
        // A thousand distinct reporters within ten seconds, all within the dedup window.
        for i in 0..1000 {
            let key = format!("reporter-{i}");
            reports.report(start.plus_millis(i * 10), Some(&key), None, None, &params);
        }
        assert_eq!(reports.prunes, 1, "one prune when the memory filled up");
        assert_eq!(reports.seen.len(), 10);
        assert_eq!(reports.received, 1000);
        // Reporters beyond the memory still count.
        assert_eq!(reports.current.distinct, 1000);
        // A minute later the full memory is pruned again, once.
        let later = start.plus_millis(FULL_PRUNE_INTERVAL_MS + 10_000);
        for i in 0..100 {
            let key = format!("late-{i}");
            reports.report(later.plus_millis(i), Some(&key), None, None, &params);
        }
        assert_eq!(reports.prunes, 2);
    }

    /// A minute's reports stamped on its first instant, one line each, are judged as the
    /// same minute given as one batch: not as a minute barely begun.
    #[test]
    fn reports_stamped_on_the_minute_are_judged_like_the_minutes_batch() {
        let params = ReportParams::default();
        let detect = Arc::new(DetectParams::default());
        let mut screen = SurgeScreen::new(&detect);
        let mut batched = ServiceReports::new(detect.clone());
        let mut single = ServiceReports::new(detect.clone());
        let mut offset = ServiceReports::new(detect);
        let start = Timestamp::from_secs(1_700_000_040); // the first instant of a minute
        assert_eq!(start, start.minute_floor());
        let mut surged = 0;
        // Two days of a steady 10 to 14 reporters a minute: nothing unusual at any moment.
        for m in 0..2 * 1440 {
            let at = start.plus_millis(m * MINUTE_MS);
            let n = 10 + (m % 5) as u32;
            batched.batch(at, n, None, None, &params);
            for i in 0..n {
                let key = format!("r-{m}-{i}");
                single.report(at, Some(&key), None, None, &params);
                offset.report(at.plus_millis(1), Some(&key), None, None, &params);
            }
            batched.update(at, &params, &mut screen);
            single.update(at, &params, &mut screen);
            offset.update(at.plus_millis(1), &params, &mut screen);
            assert_eq!(single.verdict(), batched.verdict(), "minute {m}");
            if offset.verdict().level != SurgeLevel::Normal {
                surged += 1;
            }
        }
        assert_eq!(batched.verdict().level, SurgeLevel::Normal);
        // The check above is not vacuous: the same reports a millisecond into their minute
        // are individually timed, and the partial-minute floor makes hundreds of these
        // ordinary minutes look like surges.
        assert!(surged > 2 * 1440 / 5, "{surged}");
    }
}

//! Causal anomaly scores for arbitrary real-valued series (CPU %, latency, tweet counts).
//!
//! This module owns [`SeriesScorer`], the generalisation of the report detector to series
//! whose values are not counts. The report detector asks "how improbable is this count under
//! its seasonal baseline?"; for a series of unknown distribution the same question is asked
//! without a parametric model, through ranks:
//!
//! * each row is seen through a few **views**: the value itself, its step from the previous
//!   row, the mean and the spread of the last `short_window` rows (level and variance
//!   changes), the mean of the last `long_window` rows (slow drifts and pattern changes too
//!   gradual for the short window), and — once the sampling step divides a day and a day of
//!   history exists — its residual from the median of the same time of day on the previous
//!   days (seasonality);
//! * each view keeps the last `history` values it produced; the current value's two-sided
//!   rank p-value against them, `p = 2 · min(#{h ≥ x} + 1, #{h ≤ x} + 1) / (n + 1)`, is
//!   distribution-free and calibrated whatever the units, so one threshold fits every series;
//!   beyond the range of the history the p-value keeps falling exponentially with the
//!   distance in units of the interquartile range, so new extremes are ordered;
//! * the row's **surprise** combines the views: Fisher's method (`-2 Σ ln p` against a χ²
//!   with `2k` degrees of freedom) for evidence several views share, or the strongest view
//!   Bonferroni-corrected for evidence only one sees, whichever is stronger; a row is judged
//!   first and learnt afterwards, so the score of row i uses rows 0..i only;
//! * a **familiar move** surprises less: each value is placed in a band of the log-odds of its
//!   rank in the value history (one band per e-fold of rarity, so the bands are fine in the
//!   tails), and the surprise of the two views that describe a move, the value and the step,
//!   is lowered by `familiar_weight · log10(1 + c)`, `c` the number of times in the last
//!   `history` rows the series moved from the previous row's band to this row's band — a
//!   spike that recurs (a daily job, a periodic burst) is less news each time, a first one
//!   is not discounted at all, and a change of level or spread is judged as before;
//! * **one alarm per event**: after a row whose surprise reaches `alarm_surprise`, the next
//!   `refractory_rows` rows are damped so that only a row `refractory_discount` (in `log10`)
//!   more surprising than the event's strongest row so far is reported again (an incident is
//!   reported once, as the engine does for services; a spike that keeps growing, or the
//!   echo of a spike in the step and window views, is the same event);
//! * the surprise `S` is mapped to `[0, 1)` by `S / (S + half_score_surprise)`.
//!
//! Everything is deterministic; memory is `O(history)` per view.

use std::collections::VecDeque;
use std::f64::consts::LN_10;

/// Constants of the series scorer. docs/detection.md explains each choice.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesParams {
    /// Values each view remembers for ranking.
    pub history: usize,
    /// Views need this many remembered values before they judge.
    pub min_history: usize,
    /// Rows in the short window used for the level and spread views.
    pub short_window: usize,
    /// Rows in the long window of the slow-level view (bit 32 of `views`).
    pub long_window: usize,
    /// Previous days used by the seasonal view.
    pub season_days: usize,
    /// Largest number of rows per day for which the seasonal view is kept.
    pub max_rows_per_day: usize,
    /// Surprise at which the score is 0.5.
    pub half_score_surprise: f64,
    /// Surprise that raises an alarm and starts the refractory period.
    pub alarm_surprise: f64,
    /// Rows damped after an alarm.
    pub refractory_rows: usize,
    /// During the refractory period a row is damped by this much more than the event's
    /// strongest surprise exceeds `alarm_surprise`.
    pub refractory_discount: f64,
    /// Views used, as bits: 1 value, 2 step, 4 level, 8 spread, 16 seasonal residual,
    /// 32 slow level.
    pub views: u8,
    /// Optional second stage in the spirit of HTM's anomaly likelihood: the mean raw
    /// surprise of the last `likelihood_window` rows is itself ranked against its history.
    /// 0 (the default) disables it: on the NAB tuning split it did not help.
    pub likelihood_window: usize,
    /// How the second stage combines: 0 its surprise only, 1 the maximum with the raw
    /// surprise, 2 their mean.
    pub likelihood_mode: u8,
    /// Extrapolation beyond the history's extremes: 0 in interquartile ranges, 1 with an
    /// exponential tail fitted above the 90th (below the 10th) percentile.
    pub tail_model: u8,
    /// How views combine: 0 the strongest (Bonferroni), 1 the two strongest, 2 Fisher,
    /// 3 the larger of Fisher and the strongest view.
    pub combine: u8,
    /// Weight of the familiar-move discount: the value and step views' surprises are lowered
    /// by `familiar_weight · log10(1 + c)`, `c` the earlier moves between the same bands. 0
    /// disables it.
    pub familiar_weight: f64,
    /// Width of a band, in natural log-odds of the value's rank in the value history.
    pub familiar_band: f64,
}

impl Default for SeriesParams {
    fn default() -> Self {
        SeriesParams {
            history: 8640,
            min_history: 30,
            short_window: 6,
            long_window: 96,
            season_days: 3,
            max_rows_per_day: 1440,
            half_score_surprise: 6.0,
            alarm_surprise: 6.0,
            refractory_rows: 200,
            refractory_discount: 4.0,
            views: 63,
            likelihood_window: 0,
            likelihood_mode: 0,
            tail_model: 0,
            combine: 3,
            familiar_weight: 1.0,
            familiar_band: 1.0,
        }
    }
}

/// A bounded history kept both in arrival order and sorted, for rank p-values.
#[derive(Clone, Debug)]
struct RankedHistory {
    ring: VecDeque<f64>,
    sorted: Vec<f64>,
    cap: usize,
}

impl RankedHistory {
    fn new(cap: usize) -> Self {
        RankedHistory {
            ring: VecDeque::with_capacity(cap.min(4096)),
            sorted: Vec::with_capacity(cap.min(4096)),
            cap: cap.max(1),
        }
    }

    fn len(&self) -> usize {
        self.sorted.len()
    }

    fn push(&mut self, x: f64) {
        if self.ring.len() == self.cap {
            if let Some(old) = self.ring.pop_front() {
                let i = self.sorted.partition_point(|&v| v < old);
                if i < self.sorted.len() {
                    self.sorted.remove(i);
                }
            }
        }
        self.ring.push_back(x);
        let i = self.sorted.partition_point(|&v| v < x);
        self.sorted.insert(i, x);
    }

    fn quantile(&self, q: f64) -> f64 {
        let n = self.sorted.len();
        let i = ((n - 1) as f64 * q).round() as usize;
        self.sorted[i.min(n - 1)]
    }

    /// `-log10` of the one-sided (upper) rank p-value of `x`, extrapolated beyond the range.
    fn upper_surprise(&self, x: f64) -> f64 {
        let n = self.sorted.len();
        if n == 0 {
            return 0.0;
        }
        let ge = n - self.sorted.partition_point(|&v| v < x);
        let mut ln_p = ((ge as f64 + 1.0) / (n as f64 + 1.0)).ln();
        let hi = self.sorted[n - 1];
        if x > hi {
            ln_p -= (x - hi) / self.spread();
        }
        -ln_p / std::f64::consts::LN_10
    }

    /// Fallback scale: the interquartile range, or half the range when it is zero.
    fn spread(&self) -> f64 {
        let n = self.sorted.len();
        let (lo, hi) = (self.sorted[0], self.sorted[n - 1]);
        let iqr = self.quantile(0.75) - self.quantile(0.25);
        if iqr > 0.0 {
            iqr
        } else {
            // Degenerate history (mostly one value): use the full range, or the magnitude.
            ((hi - lo) / 2.0).max(1e-9 * (1.0 + hi.abs().max(lo.abs())))
        }
    }

    /// Scale of the upper (or lower) tail, for extrapolating beyond the extreme value.
    ///
    /// Fitting an exponential tail `P(X > q + y) = P(X > q) e^(-y/β)` above the 90th
    /// percentile, the expected maximum of n values sits `β ln(n / 10)` above it, so
    /// `β ≈ (max - q90) / ln(n / 10)`. Heavy-tailed series (tweet counts) get a wide scale
    /// and new records there surprise less than in a series with Gaussian noise.
    fn tail_scale(&self, upper: bool) -> f64 {
        let n = self.sorted.len();
        let fallback = self.spread();
        if n < 40 {
            return fallback;
        }
        let gap = if upper {
            self.sorted[n - 1] - self.quantile(0.9)
        } else {
            self.quantile(0.1) - self.sorted[0]
        };
        let beta = gap / (n as f64 / 10.0).ln();
        if beta > 0.0 {
            beta
        } else {
            fallback
        }
    }

    fn scale(&self, upper: bool, model: u8) -> f64 {
        if model == 1 {
            self.tail_scale(upper)
        } else {
            self.spread()
        }
    }

    /// `-log10` of the two-sided rank p-value of `x`, extrapolated beyond the range.
    fn surprise(&self, x: f64, model: u8) -> f64 {
        let n = self.sorted.len();
        if n == 0 {
            return 0.0;
        }
        let below = self.sorted.partition_point(|&v| v < x);
        let at_most = self.sorted.partition_point(|&v| v <= x);
        let ge = n - below;
        let le = at_most;
        let tail = ge.min(le) as f64;
        let mut ln_p = (2.0 * (tail + 1.0) / (n as f64 + 1.0)).min(1.0).ln();
        let lo = self.sorted[0];
        let hi = self.sorted[n - 1];
        if x > hi {
            ln_p -= (x - hi) / self.scale(true, model);
        } else if x < lo {
            ln_p -= (lo - x) / self.scale(false, model);
        }
        -ln_p / std::f64::consts::LN_10
    }
}

/// Streaming, causal scorer of one series. Feed rows in order with [`SeriesScorer::push`].
#[derive(Clone, Debug)]
pub struct SeriesScorer {
    params: SeriesParams,
    value: RankedHistory,
    step: RankedHistory,
    level: RankedHistory,
    spread: RankedHistory,
    season: RankedHistory,
    slow: RankedHistory,
    /// Last `long_window` values.
    long_recent: VecDeque<f64>,
    /// Last `short_window` values.
    recent: VecDeque<f64>,
    /// Raw values for the seasonal view (`season_days` days + 1 row), once the period is known.
    raw: VecDeque<f64>,
    previous: Option<(i64, f64)>,
    /// First sampling intervals (seconds), to find the rows per day.
    intervals: Vec<i64>,
    rows_per_day: Option<usize>,
    refractory_left: usize,
    /// Strongest surprise of the current event (since the alarm that opened it).
    event_peak: f64,
    rows: u64,
    /// Last raw surprises and the history of their means (the likelihood stage).
    raw_surprises: VecDeque<f64>,
    likelihood: RankedHistory,
    /// Familiar moves: the previous row's band, the count of each (from, to) pair of bands
    /// over the last `history` moves, and those moves in order.
    last_band: Option<usize>,
    moves: Vec<u32>,
    move_ring: VecDeque<usize>,
}

/// Intervals observed before the sampling step is fixed.
const STEP_SAMPLES: usize = 32;

/// Bands of the familiar-move discount (log-odds from -10 to +10 band widths; a history of
/// 8 640 values spans ±9.8 in natural log-odds).
const BANDS: usize = 20;

impl SeriesScorer {
    pub fn new(params: SeriesParams) -> Self {
        let h = params.history;
        SeriesScorer {
            value: RankedHistory::new(h),
            step: RankedHistory::new(h),
            level: RankedHistory::new(h),
            spread: RankedHistory::new(h),
            season: RankedHistory::new(h),
            slow: RankedHistory::new(h),
            long_recent: VecDeque::new(),
            recent: VecDeque::new(),
            raw: VecDeque::new(),
            previous: None,
            intervals: Vec::new(),
            rows_per_day: None,
            refractory_left: 0,
            event_peak: 0.0,
            rows: 0,
            raw_surprises: VecDeque::new(),
            likelihood: RankedHistory::new(h),
            last_band: None,
            moves: vec![0; BANDS * BANDS],
            move_ring: VecDeque::new(),
            params,
        }
    }

    /// Rows per day found from the sampling step, if it divides a day.
    pub fn rows_per_day(&self) -> Option<usize> {
        self.rows_per_day
    }

    /// Scores the row (`seconds` since the epoch, `value`) from the rows before it, then
    /// learns it. Returns the anomaly score in `[0, 1)`. Non-finite values score 0 and are
    /// not learnt.
    pub fn push(&mut self, seconds: i64, value: f64) -> f64 {
        if !value.is_finite() {
            return 0.0;
        }
        let raw = self.surprise_and_learn(seconds, value);
        let surprise = self.likelihood_of(raw);
        let p = &self.params;
        let mut s = surprise;
        if self.refractory_left > 0 {
            // Within an event, only a row `refractory_discount` stronger than the event's
            // peak so far reaches the alarm level again.
            self.refractory_left -= 1;
            let discount = p.refractory_discount + (self.event_peak - p.alarm_surprise).max(0.0);
            s = (s - discount).max(0.0);
            self.event_peak = self.event_peak.max(surprise);
        } else if surprise >= p.alarm_surprise {
            self.refractory_left = p.refractory_rows;
            self.event_peak = surprise;
        }
        s / (s + p.half_score_surprise)
    }

    /// Second stage: how unusual the recent mean raw surprise is for this series.
    fn likelihood_of(&mut self, raw: f64) -> f64 {
        let k = self.params.likelihood_window;
        if k == 0 {
            return raw;
        }
        self.raw_surprises.push_back(raw);
        if self.raw_surprises.len() > k {
            self.raw_surprises.pop_front();
        }
        let mean = self.raw_surprises.iter().sum::<f64>() / self.raw_surprises.len() as f64;
        let s = if self.likelihood.len() >= self.params.min_history {
            self.likelihood.upper_surprise(mean)
        } else {
            0.0
        };
        self.likelihood.push(mean);
        match self.params.likelihood_mode {
            0 => s,
            1 => s.max(raw),
            _ => 0.5 * (s + raw),
        }
    }

    /// The Bonferroni-corrected surprise of this row over all views; learns the row.
    fn surprise_and_learn(&mut self, seconds: i64, x: f64) -> f64 {
        let p = self.params.clone();
        self.rows += 1;
        self.learn_step(seconds);

        // Candidate statistics of this row for every view.
        let step = self.previous.map(|(_, prev)| x - prev);
        self.recent.push_back(x);
        if self.recent.len() > p.short_window {
            self.recent.pop_front();
        }
        let full = self.recent.len() == p.short_window;
        let (level, spread) = if full {
            let n = self.recent.len() as f64;
            let mean = self.recent.iter().sum::<f64>() / n;
            let var = self
                .recent
                .iter()
                .map(|v| (v - mean) * (v - mean))
                .sum::<f64>()
                / n;
            (Some(mean), Some(var.sqrt()))
        } else {
            (None, None)
        };
        let season = self.seasonal_residual(x);
        self.long_recent.push_back(x);
        if self.long_recent.len() > p.long_window.max(1) {
            self.long_recent.pop_front();
        }
        // Summed afresh (not a running sum) so that one huge value leaves no rounding trace.
        let slow = (self.long_recent.len() == p.long_window.max(1))
            .then(|| self.long_recent.iter().sum::<f64>() / self.long_recent.len() as f64);

        // A familiar move discounts the views that describe a move: the value and the step.
        let discount = p.familiar_weight * self.familiar_moves(x).ln_1p() / LN_10;
        let mut found = [0.0f64; 6];
        let mut views = 0usize;
        let mut judge = |h: &RankedHistory, stat: Option<f64>, bit: u8| {
            if let (Some(v), true) = (stat, p.views & bit != 0) {
                if h.len() >= p.min_history {
                    found[views] = h.surprise(v, p.tail_model);
                    if bit & 3 != 0 {
                        found[views] = (found[views] - discount).max(0.0);
                    }
                    views += 1;
                }
            }
        };
        judge(&self.value, Some(x), 1);
        judge(&self.step, step, 2);
        judge(&self.level, level, 4);
        judge(&self.spread, spread, 8);
        judge(&self.season, season, 16);
        judge(&self.slow, slow, 32);
        let surprise = combine(&mut found[..views], p.combine);

        // Learn.
        self.value.push(x);
        if let Some(v) = step {
            self.step.push(v);
        }
        if let Some(v) = level {
            self.level.push(v);
        }
        if let Some(v) = spread {
            self.spread.push(v);
        }
        if let Some(v) = season {
            self.season.push(v);
        }
        if let Some(v) = slow {
            self.slow.push(v);
        }
        if let Some(period) = self.rows_per_day {
            self.raw.push_back(x);
            if self.raw.len() > period * p.season_days + 1 {
                self.raw.pop_front();
            }
        }
        self.previous = Some((seconds, x));
        surprise
    }

    /// How many of the last `history` moves went from the previous row's band to the band
    /// of `x`; learns this move. Bands are taken against the value history before `x` joins
    /// it; no move is counted until that history has `min_history` values.
    fn familiar_moves(&mut self, x: f64) -> f64 {
        if self.params.familiar_weight == 0.0 || self.value.len() < self.params.min_history {
            return 0.0;
        }
        let h = &self.value.sorted;
        let n = h.len() as f64;
        // Mid-rank of x, kept strictly inside (0, 1).
        let mid = 0.5 * (h.partition_point(|&v| v < x) + h.partition_point(|&v| v <= x)) as f64;
        let r = (mid + 0.5) / (n + 1.0);
        let z = (r / (1.0 - r)).ln() / self.params.familiar_band.max(1e-3);
        let band = (z.floor() + (BANDS / 2) as f64).clamp(0.0, (BANDS - 1) as f64) as usize;
        let mut seen = 0.0;
        if let Some(from) = self.last_band {
            let pair = from * BANDS + band;
            seen = f64::from(self.moves[pair]);
            self.moves[pair] += 1;
            self.move_ring.push_back(pair);
            if self.move_ring.len() > self.params.history {
                if let Some(old) = self.move_ring.pop_front() {
                    self.moves[old] -= 1;
                }
            }
        }
        self.last_band = Some(band);
        seen
    }

    fn learn_step(&mut self, seconds: i64) {
        if self.rows_per_day.is_some() || self.intervals.len() >= STEP_SAMPLES {
            return;
        }
        if let Some((prev, _)) = self.previous {
            if seconds > prev {
                self.intervals.push(seconds - prev);
            }
        }
        if self.intervals.len() == STEP_SAMPLES {
            let mut v = self.intervals.clone();
            v.sort_unstable();
            let step = v[STEP_SAMPLES / 2];
            if step > 0 && 86_400 % step == 0 {
                let per_day = (86_400 / step) as usize;
                if per_day >= 2 && per_day <= self.params.max_rows_per_day {
                    self.rows_per_day = Some(per_day);
                }
            }
        }
    }

    /// `x` minus the median of the values one, two, … days earlier (at least one day).
    fn seasonal_residual(&self, x: f64) -> Option<f64> {
        let period = self.rows_per_day?;
        let n = self.raw.len();
        let mut same_time: Vec<f64> = (1..=self.params.season_days)
            .filter_map(|k| n.checked_sub(k * period).map(|i| self.raw[i]))
            .collect();
        if same_time.is_empty() {
            return None;
        }
        same_time.sort_unstable_by(f64::total_cmp);
        let m = same_time.len();
        let median = if m % 2 == 1 {
            same_time[m / 2]
        } else {
            0.5 * (same_time[m / 2 - 1] + same_time[m / 2])
        };
        Some(x - median)
    }
}

/// Combines the views' surprises (`-log10 p`) into one.
fn combine(found: &mut [f64], mode: u8) -> f64 {
    let k = found.len();
    if k == 0 {
        return 0.0;
    }
    found.sort_unstable_by(|a, b| b.total_cmp(a));
    let s = match mode {
        // Fisher: -2 Σ ln p_i ~ χ²(2k); its upper tail is Q(k, Σ ln(1/p_i)).
        2 => {
            let half: f64 = found.iter().map(|s| s * std::f64::consts::LN_10).sum();
            -super::tail::ln_gamma_upper(k as f64, half) / std::f64::consts::LN_10
        }
        // Fisher or the strongest view (Bonferroni), whichever is stronger.
        3 => {
            let half: f64 = found.iter().map(|s| s * std::f64::consts::LN_10).sum();
            let fisher = -super::tail::ln_gamma_upper(k as f64, half) / std::f64::consts::LN_10;
            fisher.max(found[0] - (k as f64).log10())
        }
        // The two strongest views together, corrected for the pairs tried.
        1 if k >= 2 => found[0] + found[1] - ((k * (k - 1) / 2) as f64).log10(),
        // The strongest view, Bonferroni-corrected.
        _ => found[0] - (k as f64).log10(),
    };
    s.max(0.0)
}

/// Scores a whole series causally (row i from rows 0..i only).
pub fn score_series(params: &SeriesParams, seconds: &[i64], values: &[f64]) -> Vec<f64> {
    let mut s = SeriesScorer::new(params.clone());
    seconds
        .iter()
        .zip(values)
        .map(|(&t, &v)| s.push(t, v))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(n: usize, seed: u64) -> Vec<f64> {
        let mut state = seed | 1;
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    }

    fn stamps(n: usize) -> Vec<i64> {
        (0..n as i64).map(|i| i * 300).collect()
    }

    #[test]
    fn scores_are_in_unit_interval_and_causal() {
        let mut v: Vec<f64> = noise(1500, 3).iter().map(|x| 50.0 + 10.0 * x).collect();
        let t = stamps(1500);
        let a = score_series(&SeriesParams::default(), &t, &v);
        assert!(a.iter().all(|s| (0.0..1.0).contains(s)));
        // Changing a later row never changes an earlier score.
        v[1200] = 1e6;
        let b = score_series(&SeriesParams::default(), &t, &v);
        assert_eq!(a[..1200], b[..1200]);
        assert!(b[1200] > a[1200]);
    }

    #[test]
    fn a_spike_scores_far_above_noise() {
        let mut v: Vec<f64> = noise(2000, 5).iter().map(|x| 10.0 + x).collect();
        v[1500] = 30.0;
        let s = score_series(&SeriesParams::default(), &stamps(2000), &v);
        let noise_max = s[200..1500].iter().cloned().fold(0.0, f64::max);
        assert!(
            s[1500] > 0.8 && s[1500] > noise_max + 0.2,
            "{} vs {noise_max}",
            s[1500]
        );
    }

    #[test]
    fn a_level_shift_and_a_flatline_are_seen() {
        let base: Vec<f64> = noise(3000, 9).iter().map(|x| 100.0 + 5.0 * x).collect();
        let mut shift = base.clone();
        for x in &mut shift[2000..] {
            *x += 4.0;
        }
        let s = score_series(&SeriesParams::default(), &stamps(3000), &shift);
        let before = s[300..2000].iter().cloned().fold(0.0, f64::max);
        let at = s[2000..2010].iter().cloned().fold(0.0, f64::max);
        assert!(at > before, "shift {at} vs {before}");
        let mut flat = base;
        for x in &mut flat[2000..] {
            *x = 102.5;
        }
        // A flat line at the median is a variance anomaly only (one view of five): it must
        // stand above the 95th percentile of the scores of noise.
        let s = score_series(&SeriesParams::default(), &stamps(3000), &flat);
        let mut noise_scores = s[300..2000].to_vec();
        noise_scores.sort_unstable_by(f64::total_cmp);
        let q95 = noise_scores[noise_scores.len() * 95 / 100];
        let at = s[2000..2010].iter().cloned().fold(0.0, f64::max);
        assert!(at > q95, "flatline {at} vs 95th percentile {q95}");
    }

    /// A slow drift to a new level: no single row, step or 6-row mean is extreme, but the
    /// 96-row mean leaves its range. (A 7-minute step does not divide a day: no seasonal
    /// view, whose week of memory would also see the drift.)
    fn drift(views: u8) -> (f64, f64) {
        let mut v: Vec<f64> = noise(4000, 11).iter().map(|x| 100.0 + 10.0 * x).collect();
        for (i, x) in v[2500..].iter_mut().enumerate() {
            *x += 2.0 * (i as f64 / 150.0).min(1.0);
        }
        let params = SeriesParams {
            views,
            ..SeriesParams::default()
        };
        let t: Vec<i64> = (0..4000).map(|i| i * 420).collect();
        let s = score_series(&params, &t, &v);
        let noise_max = s[300..2500].iter().cloned().fold(0.0, f64::max);
        let at = s[2500..2800].iter().cloned().fold(0.0, f64::max);
        (at, noise_max)
    }

    #[test]
    fn a_slow_drift_is_seen_by_the_slow_level_view() {
        let (at, noise_max) = drift(SeriesParams::default().views);
        assert!(at > noise_max, "drift {at} vs noise {noise_max}");
        // Without the slow view the same drift hides in the noise.
        let (at, noise_max) = drift(31);
        assert!(
            at <= noise_max,
            "without the slow view: drift {at} vs noise {noise_max}"
        );
    }

    /// A burst that keeps climbing for a few rows is one event: reported at its first row,
    /// not again at each new record. A far stronger event inside the refractory period is
    /// still reported.
    #[test]
    fn a_growing_burst_is_one_alarm_and_a_far_stronger_one_is_another() {
        let mut v: Vec<f64> = noise(2000, 17).iter().map(|x| 10.0 + x).collect();
        for (i, x) in v[1500..1506].iter_mut().enumerate() {
            *x = 30.0 + 2.0 * i as f64;
        }
        v[1600] = 1e4;
        let s = score_series(&SeriesParams::default(), &stamps(2000), &v);
        let alarms: Vec<usize> = (1400..1700).filter(|&i| s[i] >= 0.5).collect();
        assert_eq!(alarms, vec![1500, 1600], "scores {:?}", &s[1500..1508]);
    }

    /// A spike that recurs is discounted by how often the same move was made before: the
    /// first occurrence scores as without the discount, later ones lower.
    #[test]
    fn a_recurring_spike_is_discounted_by_its_familiarity() {
        let mut v: Vec<f64> = noise(4000, 19).iter().map(|x| 10.0 + x).collect();
        // Every 250 rows, 7-minute steps (no seasonal view to learn the spikes).
        let spikes: Vec<usize> = (1000..4000).step_by(250).collect();
        for &i in &spikes {
            v[i] = 30.0;
        }
        let t: Vec<i64> = (0..4000).map(|i| i * 420).collect();
        let with = score_series(&SeriesParams::default(), &t, &v);
        let without = score_series(
            &SeriesParams {
                familiar_weight: 0.0,
                ..SeriesParams::default()
            },
            &t,
            &v,
        );
        assert_eq!(with[spikes[0]], without[spikes[0]]);
        assert!(with[spikes[0]] >= 0.5, "first spike {}", with[spikes[0]]);
        // The band the noise row before a spike falls in varies, so not every recurrence is
        // the same move; at least half of them are.
        let lower = spikes[1..]
            .iter()
            .filter(|&&i| with[i] < without[i])
            .count();
        assert!(
            2 * lower >= spikes.len() - 1,
            "{lower} of {}",
            spikes.len() - 1
        );
        for &i in &spikes {
            assert!(
                with[i] <= without[i],
                "row {i}: {} vs {}",
                with[i],
                without[i]
            );
        }
    }

    #[test]
    fn appending_rows_never_changes_earlier_scores() {
        let v: Vec<f64> = noise(3000, 13).iter().map(|x| 20.0 + 3.0 * x).collect();
        let t = stamps(3000);
        let full = score_series(&SeriesParams::default(), &t, &v);
        let prefix = score_series(&SeriesParams::default(), &t[..1700], &v[..1700]);
        assert_eq!(full[..1700], prefix[..]);
    }

    #[test]
    fn the_daily_period_is_found_from_the_step() {
        let mut s = SeriesScorer::new(SeriesParams::default());
        for (t, v) in stamps(100).iter().zip(noise(100, 1)) {
            s.push(*t, v);
        }
        assert_eq!(s.rows_per_day(), Some(288));
    }
}

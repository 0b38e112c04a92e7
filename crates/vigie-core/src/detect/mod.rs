//! Surge detection: is a count of distinct reporters improbably high for this service now?
//!
//! This module owns the statistics that turn per-minute counts of distinct reporters into a
//! verdict, and (in [`series`]) the same machinery generalised to arbitrary real-valued
//! series. It does not count reporters, deduplicate them, fuse evidence or open incidents:
//! the engine does that and calls one [`ReportDetector`] per service.
//!
//! The model, in short (docs/detection.md has the full math and every constant):
//!
//! * **Baseline.** The expected count for a minute comes from a seasonal profile of
//!   [`DetectParams::bin_minutes`]-wide bins of the day, one profile for weekdays and one for
//!   weekends, each bin an exponentially weighted mean. Sparse bins are shrunk towards the
//!   other profile's bin and then towards the service's overall level, which itself is shrunk
//!   towards a prior rate. Expected values between bin centres are interpolated linearly.
//! * **Robustness.** Before a closed minute is learnt, its count is winsorised at
//!   `expected + clip_sd · sd + clip_floor`, so an outage moves the baseline by a bounded
//!   amount per minute; minutes judged anomalous are not used to estimate dispersion.
//! * **Dispersion.** Counts are negative binomial with variance `μ + φ μ²`; φ is a method of
//!   moments estimate over recent normal minutes, shrunk towards a wide prior.
//! * **Test.** For windows of the last 1, 3 and 5 minutes (the current, partial minute plus
//!   closed ones) the upper tail `P(X ≥ observed)` is computed in log space; the smallest,
//!   Bonferroni-corrected for the number of windows, gives the surprise `-log10 p`.
//! * **Levels.** A verdict above `Normal` always needs at least
//!   [`DetectParams::min_reporters`] distinct reporters in the window: five people can never
//!   raise one on their own, however often they press the button. The one exception is
//!   [`SurgeLevel::Thin`]: a surge's surprise from at least
//!   [`DetectParams::corroborated_min_reporters`], which the engine counts only when another
//!   failure corroborates it.
//!
//! Naming: the API is the one agreed with the engine (`close_minute`, `assess`, `expected`),
//! plus [`ReportDetector::new_shared`] so 100 000 detectors can share one parameter set.

pub mod series;
pub mod tail;

use std::f64::consts::LN_10;
use std::sync::Arc;

use crate::time::{Timestamp, DAY_MS, MINUTE_MS};

/// Every constant of the report detector. `Default` holds the documented values.
#[derive(Clone, Debug, PartialEq)]
pub struct DetectParams {
    /// Width of a seasonal bin in minutes; must divide 1440. Coarse bins learn fast: with
    /// 60, a bin sees 60 minutes of data every day.
    pub bin_minutes: u32,
    /// Keep a separate profile for Saturday and Sunday (UTC).
    pub weekend_profile: bool,
    /// Expected reporters per minute for a service with no history.
    pub prior_rate: f64,
    /// Weight of `prior_rate`, in minutes of data, when shrinking the service's level.
    pub prior_weight_minutes: f64,
    /// Weight, in minutes of data, of the fallback (other profile, then level) when
    /// shrinking a seasonal bin.
    pub bin_shrink_minutes: f64,
    /// Memory of a seasonal bin in days: its exponential weight settles at
    /// `1 / (bin_memory_days · bin_minutes)` per minute.
    pub bin_memory_days: f64,
    /// Memory of the service's overall level, in minutes.
    pub level_memory_minutes: f64,
    /// Dispersion φ assumed without history (variance `μ + φ μ²`): wide on purpose.
    pub prior_dispersion: f64,
    /// Weight of `prior_dispersion`, in minutes of normal data.
    pub dispersion_prior_minutes: f64,
    /// Memory of the dispersion estimate, in minutes.
    pub dispersion_memory_minutes: f64,
    /// Bounds of the dispersion estimate.
    pub min_dispersion: f64,
    pub max_dispersion: f64,
    /// Winsorising of learnt counts: at most `expected + clip_sd · sd + clip_floor`.
    pub clip_sd: f64,
    pub clip_floor: f64,
    /// A closed minute with a one-minute surprise at or above this is anomalous: it is
    /// winsorised (as every minute is) and left out of the dispersion estimate.
    pub anomalous_surprise: f64,
    /// Window lengths in minutes (current partial minute included), ascending, at most 16.
    pub windows: Vec<u32>,
    /// The partial minute's expectation is scaled by its elapsed fraction, never below this
    /// (reports arrive in clumps; a burst in the first seconds should not look like a rate).
    pub min_partial_fraction: f64,
    /// Distinct reporters a window needs before any level above `Normal`, except `Thin`.
    pub min_reporters: u32,
    /// Distinct reporters a window needs for [`SurgeLevel::Thin`]: a surge's surprise with
    /// fewer than `min_reporters`, which changes a state only when another failure
    /// corroborates it (docs/detection.md 4.3, "A failing neighbour corroborates a thin
    /// surge"). At most `min_reporters`; equal to it, there is no thin level.
    pub corroborated_min_reporters: u32,
    /// Surprise (`-log10 p`, corrected) for `Elevated`.
    pub elevated_surprise: f64,
    /// Surprise for `Surge`.
    pub surge_surprise: f64,
    /// `Overwhelming` is a surge with at least this many reporters in the window …
    pub overwhelming_reporters: u32,
    /// … and at least this many times the expected count.
    pub overwhelming_ratio: f64,
    /// Skipped minutes are learnt as zero counts, at most this many (older ones are dropped).
    pub max_catch_up_minutes: u32,
    /// Minutes as surprising as a surge (`surge_surprise`, one minute or a window) are not
    /// learnt into the baseline until the outage they belong to has lasted this long: an
    /// outage of hours is not a new normal, while a lasting change of level is learnt
    /// (winsorised) once it has held this long. Only in a seasonal bin already learnt for
    /// `bin_minutes`: an hour the detector has not seen yet is still being learnt.
    pub outage_hold_minutes: u32,
    /// An outage ends after this many minutes in a row less surprising than a surge.
    pub outage_gap_minutes: u32,
}

impl Default for DetectParams {
    fn default() -> Self {
        DetectParams {
            bin_minutes: 60,
            weekend_profile: true,
            prior_rate: 0.2,
            prior_weight_minutes: 5.0,
            bin_shrink_minutes: 30.0,
            bin_memory_days: 7.0,
            level_memory_minutes: 7.0 * 1440.0,
            prior_dispersion: 1.0,
            dispersion_prior_minutes: 120.0,
            dispersion_memory_minutes: 7.0 * 1440.0,
            min_dispersion: 0.01,
            max_dispersion: 4.0,
            clip_sd: 3.0,
            clip_floor: 2.0,
            anomalous_surprise: 3.0,
            windows: vec![1, 3, 5],
            min_partial_fraction: 0.25,
            min_reporters: 10,
            corroborated_min_reporters: 5,
            elevated_surprise: 3.0,
            surge_surprise: 6.0,
            overwhelming_reporters: 50,
            overwhelming_ratio: 10.0,
            max_catch_up_minutes: 14 * 1440,
            outage_hold_minutes: 360,
            outage_gap_minutes: 30,
        }
    }
}

impl DetectParams {
    /// Checks the invariants the detector relies on; returns a message naming the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.bin_minutes == 0 || 1440 % self.bin_minutes != 0 {
            return Err(format!(
                "bin_minutes = {} must divide 1440",
                self.bin_minutes
            ));
        }
        if self.windows.is_empty()
            || self.windows.len() > MAX_RECENT
            || self.windows.windows(2).any(|w| w[0] >= w[1])
            || self.windows[0] == 0
            || self.windows[self.windows.len() - 1] as usize > MAX_RECENT + 1
        {
            return Err(format!(
                "windows = {:?} must be ascending, non-empty, between 1 and {}",
                self.windows,
                MAX_RECENT + 1
            ));
        }
        let positive = [
            ("prior_rate", self.prior_rate),
            ("prior_weight_minutes", self.prior_weight_minutes),
            ("bin_memory_days", self.bin_memory_days),
            ("level_memory_minutes", self.level_memory_minutes),
            ("dispersion_memory_minutes", self.dispersion_memory_minutes),
            ("min_partial_fraction", self.min_partial_fraction),
            ("overwhelming_ratio", self.overwhelming_ratio),
        ];
        for (name, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("{name} = {v} must be finite and > 0"));
            }
        }
        if !(self.min_dispersion > 0.0 && self.min_dispersion <= self.max_dispersion) {
            return Err("min_dispersion must be > 0 and <= max_dispersion".into());
        }
        if self.corroborated_min_reporters == 0
            || self.corroborated_min_reporters > self.min_reporters
        {
            return Err(format!(
                "corroborated_min_reporters = {} must be between 1 and min_reporters = {}",
                self.corroborated_min_reporters, self.min_reporters
            ));
        }
        Ok(())
    }
}

/// How unusual the current reports are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SurgeLevel {
    /// Nothing unusual (or too few distinct reporters to say).
    Normal,
    /// Unusual, worth watching; not enough on its own to change a service's state.
    Elevated,
    /// As surprising as a surge, but from fewer distinct reporters than
    /// [`DetectParams::min_reporters`] (at least
    /// [`DetectParams::corroborated_min_reporters`]): a few people alone never change a
    /// state, a few people while another failure corroborates them do (the engine decides).
    Thin,
    /// Users report problems: significant and with enough distinct reporters.
    Surge,
    /// A surge far above normal volume: reports alone can justify `major_outage`.
    Overwhelming,
}

/// The detector's judgement at one instant, for the most telling window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SurgeVerdict {
    pub level: SurgeLevel,
    /// Distinct reporters in the window.
    pub observed: u32,
    /// Expected distinct reporters in the window.
    pub expected: f64,
    /// `-log10` of the window's upper-tail probability, corrected for the number of windows
    /// tried; 0 when nothing is unusual.
    pub surprise: f64,
    /// Window length in minutes (the current partial minute included).
    pub window_minutes: u32,
}

/// Expected count for one minute and the upper edge of its normal range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Band {
    pub expected: f64,
    /// The largest count whose one-minute surprise stays below `elevated_surprise`.
    pub upper: f64,
}

const MAX_RECENT: usize = 15;

/// One seasonal bin: an exponentially weighted mean and its effective number of minutes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Bin {
    mean: f32,
    weight: f32,
}

/// Per-service surge detector. About 500 bytes with the default parameters.
#[derive(Clone, Debug)]
pub struct ReportDetector {
    params: Arc<DetectParams>,
    /// `bins_per_day` weekday bins, then (with `weekend_profile`) as many weekend bins.
    bins: Box<[Bin]>,
    level: f64,
    level_weight: f64,
    /// Dispersion moments over normal minutes: E[(x-μ)²], E[x], E[μ²], and their weight.
    res2: f64,
    x1: f64,
    mu2: f64,
    disp_weight: f64,
    /// Last closed minute (minutes since the epoch).
    last_closed: Option<i64>,
    /// Ring of recent closed minutes: count and the expected count when it closed.
    recent_count: [u32; MAX_RECENT],
    recent_expected: [f32; MAX_RECENT],
    /// The outage under way (minutes as surprising as a surge): the minute it began, and the
    /// calmer minutes in a row since its last one.
    outage_since: Option<i64>,
    calm_run: u32,
}

impl ReportDetector {
    /// A detector with no history. `params` should satisfy [`DetectParams::validate`];
    /// invalid values are replaced by the defaults.
    pub fn new(params: &DetectParams) -> Self {
        Self::new_shared(Arc::new(params.clone()))
    }

    /// Like [`ReportDetector::new`], sharing one parameter set between many detectors.
    pub fn new_shared(params: Arc<DetectParams>) -> Self {
        let params = if params.validate().is_ok() {
            params
        } else {
            Arc::new(DetectParams::default())
        };
        let per_day = (1440 / params.bin_minutes) as usize;
        let profiles = if params.weekend_profile { 2 } else { 1 };
        ReportDetector {
            bins: vec![Bin::default(); per_day * profiles].into_boxed_slice(),
            params,
            level: 0.0,
            level_weight: 0.0,
            res2: 0.0,
            x1: 0.0,
            mu2: 0.0,
            disp_weight: 0.0,
            last_closed: None,
            recent_count: [0; MAX_RECENT],
            recent_expected: [0.0; MAX_RECENT],
            outage_since: None,
            calm_run: 0,
        }
    }

    pub fn params(&self) -> &DetectParams {
        &self.params
    }

    /// Minutes of data learnt so far (capped by the level's memory).
    pub fn history_minutes(&self) -> f64 {
        self.level_weight
    }

    /// The minute starting at `minute` is complete with `distinct` counted reporters.
    ///
    /// Minutes must be closed in increasing order; a minute at or before the last closed one
    /// is ignored. Minutes skipped since the last call are learnt as zero counts first, so
    /// an engine may leave idle services alone and close them lazily.
    pub fn close_minute(&mut self, minute: Timestamp, distinct: u32) {
        let m = minute_index(minute);
        if let Some(last) = self.last_closed {
            if m <= last {
                return;
            }
            let gap = m - last - 1;
            let first = last + 1 + (gap - self.params.max_catch_up_minutes as i64).max(0);
            for skipped in first..m {
                self.learn(skipped, 0);
            }
        }
        self.learn(m, distinct);
    }

    fn learn(&mut self, m: i64, x: u32) {
        let p = Arc::clone(&self.params);
        let mu = self.mean_at(m);
        let phi = self.dispersion();
        let xf = x as f64;
        let surprise = -tail::ln_nb_upper(xf, mu, phi) / std::f64::consts::LN_10;
        let sd = (mu + phi * mu * mu).sqrt();
        let used = xf.min(mu + p.clip_sd * sd + p.clip_floor);
        // The surprise of this minute alone or of a window ending with it, whichever is
        // larger: anomalous from `anomalous_surprise`, an outage from `surge_surprise`.
        let most = surprise.max(self.window_surprise(m, x, mu, phi));
        let anomalous = most >= p.anomalous_surprise;
        let outage = most >= p.surge_surprise;
        if outage {
            self.outage_since.get_or_insert(m);
            self.calm_run = 0;
        } else if self.outage_since.is_some() {
            self.calm_run += 1;
            if self.calm_run >= p.outage_gap_minutes {
                self.outage_since = None;
            }
        }
        // An outage's minutes, even winsorised, would raise the baseline minute after minute
        // (from 0.6 to over 10 reporters a minute in two hours on a service with three days
        // of history): its report-only services then looked recovered in the middle of it.
        // They are held back, up to `outage_hold_minutes` into the outage — but only in a
        // bin already learnt for a day: an hour of the day the detector has not seen yet
        // (the evening peak of a service's first day) is still being learnt, not an outage.
        let idx = self.bin_index(m);
        let held = outage
            && self.bins[idx].weight >= p.bin_minutes as f32
            && self
                .outage_since
                .is_some_and(|since| m - since < i64::from(p.outage_hold_minutes));

        if !held {
            // Seasonal bin.
            let cap = (p.bin_memory_days * p.bin_minutes as f64) as f32;
            let bin = &mut self.bins[idx];
            bin.weight = (bin.weight + 1.0).min(cap.max(1.0));
            bin.mean += (used as f32 - bin.mean) / bin.weight;

            // Overall level.
            self.level_weight = (self.level_weight + 1.0).min(p.level_memory_minutes);
            self.level += (used - self.level) / self.level_weight;
        }

        // Dispersion, from normal minutes only. With a sparse service (0.05 reporters a
        // minute) a slow outage of 2–5 reporters a minute is unremarkable minute by minute,
        // yet each such minute adds (x − μ)² ≈ 10 against μ² ≈ 0.003 and would drive φ to
        // its bound for a week, blinding the detector to the next outage.
        if !anomalous {
            self.disp_weight = (self.disp_weight + 1.0).min(p.dispersion_memory_minutes);
            let a = 1.0 / self.disp_weight;
            self.res2 += a * ((xf - mu) * (xf - mu) - self.res2);
            self.x1 += a * (xf - self.x1);
            self.mu2 += a * (mu * mu - self.mu2);
        }

        // Recent ring.
        let slot = m.rem_euclid(MAX_RECENT as i64) as usize;
        self.recent_count[slot] = x;
        self.recent_expected[slot] = mu as f32;
        self.last_closed = Some(m);
    }

    /// The largest surprise (`-log10 p`, uncorrected) of the windows longer than one minute
    /// ending with minute `m` (count `x`, expectation `mu`), by the same test as
    /// [`ReportDetector::assess`]. A minute with no reporter has none (0).
    fn window_surprise(&self, m: i64, x: u32, mu: f64, phi: f64) -> f64 {
        if x == 0 {
            return 0.0;
        }
        let p = &self.params;
        let mut most = 0.0f64;
        let (mut observed, mut expected) = (u64::from(x), mu);
        let mut length = 1u32;
        for &w in &p.windows {
            while length < w {
                let (count, mu) = self.closed_minute(m - i64::from(length));
                observed += u64::from(count);
                expected += mu;
                length += 1;
            }
            if w > 1 {
                let surprise = -tail::ln_nb_upper(observed as f64, expected, phi) / LN_10;
                most = most.max(surprise);
            }
        }
        most
    }

    /// Current dispersion φ (variance `μ + φ μ²`).
    pub fn dispersion(&self) -> f64 {
        let p = &self.params;
        let hat = if self.mu2 > 1e-12 {
            ((self.res2 - self.x1) / self.mu2).clamp(p.min_dispersion, p.max_dispersion)
        } else {
            p.prior_dispersion
        };
        let w = self.disp_weight;
        let k = p.dispersion_prior_minutes;
        ((w * hat + k * p.prior_dispersion) / (w + k)).clamp(p.min_dispersion, p.max_dispersion)
    }

    fn level_estimate(&self) -> f64 {
        let p = &self.params;
        (self.level_weight * self.level + p.prior_weight_minutes * p.prior_rate)
            / (self.level_weight + p.prior_weight_minutes)
    }

    fn bins_per_day(&self) -> usize {
        (1440 / self.params.bin_minutes) as usize
    }

    fn profile_of(&self, m: i64) -> usize {
        let weekend = Timestamp::from_millis(m * MINUTE_MS).is_weekend();
        usize::from(self.params.weekend_profile && weekend)
    }

    fn bin_index(&self, m: i64) -> usize {
        let minute_of_day = m.rem_euclid(1440) as usize;
        self.profile_of(m) * self.bins_per_day() + minute_of_day / self.params.bin_minutes as usize
    }

    /// Shrunk estimate of bin `b` of `profile`.
    fn bin_estimate(&self, profile: usize, b: usize, level: f64) -> f64 {
        let per_day = self.bins_per_day();
        let k = self.params.bin_shrink_minutes;
        let fallback = if self.params.weekend_profile {
            let other = self.bins[(1 - profile) * per_day + b];
            (other.weight as f64 * other.mean as f64 + k * level) / (other.weight as f64 + k)
        } else {
            level
        };
        let bin = self.bins[profile * per_day + b];
        (bin.weight as f64 * bin.mean as f64 + k * fallback) / (bin.weight as f64 + k)
    }

    fn mean_at(&self, m: i64) -> f64 {
        let per_day = self.bins_per_day();
        let width = self.params.bin_minutes as f64;
        let profile = self.profile_of(m);
        let level = self.level_estimate();
        // Interpolate between the centres of the two nearest bins (wrapping at midnight).
        let u = (m.rem_euclid(1440) as f64 + 0.5) / width - 0.5;
        let lo = u.floor();
        let w = u - lo;
        let b0 = (lo as i64).rem_euclid(per_day as i64) as usize;
        let b1 = (b0 + 1) % per_day;
        let mean = (1.0 - w) * self.bin_estimate(profile, b0, level)
            + w * self.bin_estimate(profile, b1, level);
        mean.max(1e-6)
    }

    /// The expected count of the minute starting at `minute`: the baseline's mean alone,
    /// without the band's search, cheap enough for a caller to pre-screen before `assess`.
    pub fn expected_mean(&self, minute: Timestamp) -> f64 {
        self.mean_at(minute_index(minute))
    }

    /// Expected count and upper band for the minute starting at `minute`.
    pub fn expected(&self, minute: Timestamp) -> Band {
        let mu = self.mean_at(minute_index(minute));
        let phi = self.dispersion();
        let limit = -self.params.elevated_surprise * std::f64::consts::LN_10;
        // Smallest k with P(X >= k) <= 10^-elevated_surprise, by doubling then bisection.
        let mut hi = (mu.ceil() as u64).max(1);
        while tail::ln_nb_upper(hi as f64, mu, phi) > limit && hi < (1 << 40) {
            hi *= 2;
        }
        let mut lo = 0u64;
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if tail::ln_nb_upper(mid as f64, mu, phi) > limit {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Band {
            expected: mu,
            upper: (hi - 1) as f64,
        }
    }

    /// Judges the evidence at `now`, counting `partial` reporters so far in the current
    /// minute. Closed minutes not yet passed to `close_minute` count as zero.
    pub fn assess(&self, now: Timestamp, partial: u32) -> SurgeVerdict {
        let p = &self.params;
        let cur = minute_index(now);
        let elapsed = now.millis_since(now.minute_floor()) as f64 / MINUTE_MS as f64;
        let frac = elapsed.clamp(p.min_partial_fraction, 1.0);
        let phi = self.dispersion();
        let ln_windows = (p.windows.len() as f64).ln();

        let mut observed = partial as u64;
        let mut expected = self.mean_at(cur) * frac;
        let mut best = SurgeVerdict {
            level: SurgeLevel::Normal,
            observed: 0,
            expected: 0.0,
            surprise: -1.0,
            window_minutes: 0,
        };
        let mut length = 1u32;
        for &w in &p.windows {
            while length < w {
                let m = cur - length as i64;
                let (count, mu) = self.closed_minute(m);
                observed += count as u64;
                expected += mu;
                length += 1;
            }
            let obs = observed.min(u32::MAX as u64) as u32;
            let ln_p = tail::ln_nb_upper(obs as f64, expected, phi);
            let surprise = (-(ln_p + ln_windows) / std::f64::consts::LN_10).max(0.0);
            let level = self.level_for(obs, expected, surprise);
            if level > best.level || (level == best.level && surprise > best.surprise) {
                best = SurgeVerdict {
                    level,
                    observed: obs,
                    expected,
                    surprise,
                    window_minutes: w,
                };
            }
        }
        best
    }

    fn level_for(&self, observed: u32, expected: f64, surprise: f64) -> SurgeLevel {
        let p = &self.params;
        if observed < p.min_reporters {
            if observed >= p.corroborated_min_reporters && surprise >= p.surge_surprise {
                SurgeLevel::Thin
            } else {
                SurgeLevel::Normal
            }
        } else if surprise < p.elevated_surprise {
            SurgeLevel::Normal
        } else if surprise < p.surge_surprise {
            SurgeLevel::Elevated
        } else if observed >= p.overwhelming_reporters
            && observed as f64 >= p.overwhelming_ratio * expected
        {
            SurgeLevel::Overwhelming
        } else {
            SurgeLevel::Surge
        }
    }

    /// Count and expectation of a closed minute; not yet closed (or forgotten) minutes
    /// count as zero against the current baseline.
    fn closed_minute(&self, m: i64) -> (u32, f64) {
        match self.last_closed {
            Some(last) if m <= last && last - m < MAX_RECENT as i64 => {
                let slot = m.rem_euclid(MAX_RECENT as i64) as usize;
                (self.recent_count[slot], self.recent_expected[slot] as f64)
            }
            _ => (0, self.mean_at(m)),
        }
    }
}

fn minute_index(t: Timestamp) -> i64 {
    t.as_millis().div_euclid(MINUTE_MS)
}

/// Minutes in a day, for callers building minute loops.
pub const MINUTES_PER_DAY: i64 = DAY_MS / MINUTE_MS;

#[cfg(test)]
mod tests;

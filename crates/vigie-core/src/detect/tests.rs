//! Tests of the report detector: the scenarios and property tests of the baseline.

use super::*;
use proptest::prelude::*;

/// 2021-06-07T00:00:00Z, a Monday.
const MONDAY: i64 = 1_623_024_000_000;

fn at_minute(m: i64) -> Timestamp {
    Timestamp::from_millis(MONDAY + m * MINUTE_MS)
}

/// Deterministic Poisson sampler (xorshift + inversion), so tests need no RNG crate.
struct Poisson(u64);

impl Poisson {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn sample(&mut self, mean: f64) -> u32 {
        if mean > 50.0 {
            // Normal approximation is plenty for a background.
            let u1 = self.uniform().max(1e-12);
            let u2 = self.uniform();
            let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            return (mean + z * mean.sqrt()).round().max(0.0) as u32;
        }
        let u = self.uniform();
        let mut k = 0u32;
        let mut p = (-mean).exp();
        let mut cdf = p;
        while u > cdf && k < 10_000 {
            k += 1;
            p *= mean / k as f64;
            cdf += p;
        }
        k
    }
}

/// A detector fed `days` of Poisson background at `rate` per minute.
fn trained(rate: f64, days: i64, seed: u64) -> ReportDetector {
    let mut d = ReportDetector::new(&DetectParams::default());
    let mut rng = Poisson(seed | 1);
    for m in 0..days * MINUTES_PER_DAY {
        d.close_minute(at_minute(m), rng.sample(rate));
    }
    d
}

/// Feeds a surge of `per_minute` distinct reporters starting at minute `start`, assessing
/// every 5 seconds; returns the seconds until the first verdict at `level` or above.
fn seconds_to_detect(
    d: &mut ReportDetector,
    start: i64,
    per_minute: u32,
    level: SurgeLevel,
) -> Option<i64> {
    for minute in 0..5 {
        let m = start + minute;
        for second in (5..=60).step_by(5) {
            let partial = per_minute * second / 60;
            let now = Timestamp::from_millis(at_minute(m).as_millis() + second as i64 * 1000 - 1);
            let v = d.assess(now, partial);
            if v.level >= level {
                return Some(minute * 60 + second as i64);
            }
        }
        d.close_minute(at_minute(m), per_minute);
    }
    None
}

#[test]
fn default_params_are_valid() {
    assert_eq!(DetectParams::default().validate(), Ok(()));
    let bad = DetectParams {
        bin_minutes: 7,
        ..DetectParams::default()
    };
    assert!(bad.validate().unwrap_err().contains("bin_minutes"));
}

#[test]
fn surge_of_300_distinct_reporters_against_a_quiet_service_is_detected_fast() {
    let mut d = trained(0.3, 7, 42);
    let start = 7 * MINUTES_PER_DAY + 600;
    let quiet = d.assess(at_minute(start), 0);
    assert_eq!(quiet.level, SurgeLevel::Normal);
    let secs = seconds_to_detect(&mut d, start, 60, SurgeLevel::Surge).expect("surge detected");
    assert!(secs <= 90, "took {secs} s");
    // After two full minutes, 150 reporters against ~1 expected is overwhelming.
    d.close_minute(at_minute(start), 60);
    d.close_minute(at_minute(start + 1), 60);
    let v = d.assess(at_minute(start + 2).plus_millis(30_000), 30);
    assert_eq!(v.level, SurgeLevel::Overwhelming, "{v:?}");
}

#[test]
fn a_service_with_no_history_detects_a_surge_and_stays_calm_otherwise() {
    let mut d = ReportDetector::new(&DetectParams::default());
    let t = at_minute(100);
    assert_eq!(d.assess(t, 0).level, SurgeLevel::Normal);
    assert_eq!(d.assess(t.plus_millis(40_000), 3).level, SurgeLevel::Normal);
    let b = d.expected(t);
    assert!(b.expected > 0.0 && b.expected < 1.0, "{b:?}");
    let secs = seconds_to_detect(&mut d, 100, 60, SurgeLevel::Surge).expect("surge detected");
    assert!(secs <= 90, "took {secs} s");
}

#[test]
fn five_reporters_never_raise_a_verdict_on_their_own() {
    // The engine counts each reporter once per 15 minutes: 20 000 reports from 5 reporters
    // arrive as 5 distinct reporters in the first minute and none after. Against a quiet
    // baseline that is a thin surge at most, which changes no state without a neighbour's
    // failure (the engine's rule); four reporters are nothing at all.
    for (reporters, most) in [(5, SurgeLevel::Thin), (4, SurgeLevel::Normal)] {
        let mut d = trained(0.05, 3, 7);
        let start = 3 * MINUTES_PER_DAY;
        let mut seen = SurgeLevel::Normal;
        for m in 0..20 {
            let count = if m == 0 { reporters } else { 0 };
            for second in [10, 30, 59] {
                let v = d.assess(at_minute(start + m).plus_millis(second * 1000), count);
                assert!(v.level <= most, "{reporters} reporters, minute {m}: {v:?}");
                seen = seen.max(v.level);
            }
            d.close_minute(at_minute(start + m), count);
        }
        assert_eq!(seen, most, "{reporters} reporters");
    }
}

#[test]
fn a_thin_surge_needs_a_surge_s_surprise() {
    // Nine reporters in a minute against a busy baseline of three a minute are unusual
    // (elevated at most), never thin: the lower minimum of reporters comes with the surge's
    // surprise, not instead of it.
    let d = trained(3.0, 3, 7);
    let t = at_minute(3 * MINUTES_PER_DAY).plus_millis(59_000);
    let v = d.assess(t, 9);
    assert!(v.level < SurgeLevel::Thin, "{v:?}");
    // A thin level needs `corroborated_min_reporters`, and cannot exceed `min_reporters`.
    let params = DetectParams {
        corroborated_min_reporters: 11,
        ..DetectParams::default()
    };
    assert!(params.validate().is_err());
}

#[test]
fn busy_service_normal_noise_is_not_a_surge() {
    let mut d = trained(40.0, 7, 3);
    let mut rng = Poisson(99);
    let start = 7 * MINUTES_PER_DAY;
    let mut worst = 0.0f64;
    for m in start..start + 1440 {
        let x = rng.sample(40.0);
        let v = d.assess(at_minute(m).plus_millis(59_000), x);
        worst = worst.max(v.surprise);
        assert!(v.level <= SurgeLevel::Elevated, "minute {m}: {v:?}");
        d.close_minute(at_minute(m), x);
    }
    // A doubling of the volume is caught.
    let v = d.assess(at_minute(start + 1440).plus_millis(59_000), 0);
    assert_eq!(v.level, SurgeLevel::Normal);
    let mut d2 = d.clone();
    for m in start + 1440..start + 1444 {
        d2.close_minute(at_minute(m), 80);
    }
    let v = d2.assess(at_minute(start + 1444).plus_millis(59_000), 80);
    assert!(
        v.level >= SurgeLevel::Surge,
        "{v:?} (worst normal surprise {worst})"
    );
}

#[test]
fn seasonal_profile_is_learnt() {
    // 2 reporters per minute at night, 30 during the day, for two weeks.
    let mut d = ReportDetector::new(&DetectParams::default());
    let mut rng = Poisson(5);
    let rate = |m: i64| {
        if (8 * 60..20 * 60).contains(&m.rem_euclid(1440)) {
            30.0
        } else {
            2.0
        }
    };
    for m in 0..14 * MINUTES_PER_DAY {
        d.close_minute(at_minute(m), rng.sample(rate(m)));
    }
    let night = d
        .expected(at_minute(14 * MINUTES_PER_DAY + 3 * 60))
        .expected;
    let day = d
        .expected(at_minute(14 * MINUTES_PER_DAY + 13 * 60))
        .expected;
    assert!((night - 2.0).abs() < 0.5, "night {night}");
    assert!((day - 30.0).abs() < 3.0, "day {day}");
    // 30 reporters a minute is a surge at night, not in the afternoon.
    let night_start = 14 * MINUTES_PER_DAY + 3 * 60;
    let mut a = d.clone();
    assert!(seconds_to_detect(&mut a, night_start, 30, SurgeLevel::Surge).is_some());
    let mut b = d.clone();
    assert!(seconds_to_detect(
        &mut b,
        14 * MINUTES_PER_DAY + 13 * 60,
        30,
        SurgeLevel::Surge
    )
    .is_none());
}

#[test]
fn skipped_minutes_are_learnt_as_zero() {
    let mut a = trained(5.0, 1, 11);
    let mut b = a.clone();
    let start = MINUTES_PER_DAY;
    for m in start..start + 120 {
        a.close_minute(at_minute(m), 0);
    }
    b.close_minute(at_minute(start + 119), 0);
    let t = at_minute(start + 120);
    assert_eq!(a.expected(t), b.expected(t));
    // Closing an old minute again changes nothing.
    let before = b.expected(t);
    b.close_minute(at_minute(start), 1000);
    assert_eq!(b.expected(t), before);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn baseline_converges_to_a_constant_rate(rate in 0u32..400) {
        let mut d = ReportDetector::new(&DetectParams::default());
        for m in 0..3 * MINUTES_PER_DAY {
            d.close_minute(at_minute(m), rate);
        }
        for probe in [0, 333, 777, 1200] {
            let e = d.expected(at_minute(3 * MINUTES_PER_DAY + probe)).expected;
            prop_assert!((e - rate as f64).abs() <= 0.05 * rate as f64 + 0.05, "rate {} expected {}", rate, e);
        }
    }

    #[test]
    fn an_outage_does_not_inflate_the_baseline_beyond_a_bound(
        rate in 0.0f64..200.0, outage in 1u32..100_000, minutes in 1i64..180, seed in 1u64..1000,
    ) {
        let mut d = trained(rate, 7, seed);
        let start = 7 * MINUTES_PER_DAY + 600;
        let before: Vec<f64> = (0..minutes + 60).map(|j| d.expected(at_minute(start + j)).expected).collect();
        let phi = d.dispersion();
        for m in start..start + minutes {
            d.close_minute(at_minute(m), outage);
        }
        // Each winsorised minute moves its bin by at most (clip_sd·sd + clip_floor) / weight,
        // with weight = bin_memory_days · bin_minutes = 420 after a week: bound it loosely
        // at twice that over the outage, for every minute it touched or neighbours.
        let p = DetectParams::default();
        for (j, b) in before.iter().enumerate() {
            let sd = (b + phi * b * b).sqrt();
            let step = (p.clip_sd * sd * 1.5 + p.clip_floor) / (p.bin_memory_days * p.bin_minutes as f64);
            let bound = b + 2.0 * step * minutes as f64 + 0.01;
            let after = d.expected(at_minute(start + j as i64)).expected;
            prop_assert!(after <= bound, "minute {}: {} -> {} > bound {}", j, b, after, bound);
        }
    }

    #[test]
    fn no_surge_below_the_minimum_of_distinct_reporters(
        rate in 0.0f64..2.0, counts in proptest::collection::vec(0u32..10, 5), second in 0i64..60,
    ) {
        let mut d = trained(rate, 2, 17);
        let start = 2 * MINUTES_PER_DAY;
        // At most 9 distinct reporters over any 5 minutes.
        let mut left = 9u32;
        let mut closed = Vec::new();
        for c in counts {
            let c = c.min(left);
            left -= c;
            closed.push(c);
        }
        let partial = closed.pop().unwrap_or(0);
        for (i, c) in closed.iter().enumerate() {
            d.close_minute(at_minute(start + i as i64), *c);
        }
        let now = at_minute(start + closed.len() as i64).plus_millis(second * 1000);
        let v = d.assess(now, partial);
        // Below the minimum a surge's surprise is thin at most (it changes no state alone),
        // and below the thin minimum nothing at all.
        prop_assert!(v.level <= SurgeLevel::Thin, "{:?}", v);
        prop_assert!(v.level != SurgeLevel::Elevated, "{:?}", v);
        if v.observed < DetectParams::default().corroborated_min_reporters {
            prop_assert_eq!(v.level, SurgeLevel::Normal, "{:?}", v);
        }
    }

    #[test]
    fn verdict_surprise_is_monotone_in_the_partial_count(rate in 0.0f64..50.0, a in 0u32..500, extra in 1u32..500) {
        let d = trained(rate, 1, 23);
        let now = at_minute(MINUTES_PER_DAY + 5).plus_millis(40_000);
        let va = d.assess(now, a);
        let vb = d.assess(now, a + extra);
        prop_assert!(vb.surprise >= va.surprise - 1e-9);
        prop_assert!(vb.level >= va.level);
    }
}

#[test]
fn detector_state_is_small() {
    let d = ReportDetector::new(&DetectParams::default());
    let heap = std::mem::size_of_val(&*d.bins);
    let total = std::mem::size_of::<ReportDetector>() + heap;
    assert!(total < 700, "{total} bytes per service");
}

/// A sparse service (0.05 reporters a minute) whose audience grows by 0.05 a minute every day:
/// the baseline lags the true rate, so the observed counts exceed the expectation on average.
/// The Poisson part of the variance is the *true* mean, which the observed count estimates
/// without that lag; subtracting the model's mean instead read the lag as over-dispersion
/// (φ near its bound of 4, where the counts are Poisson: φ = 0).
#[test]
fn a_lagging_baseline_is_not_read_as_over_dispersion() {
    let mut d = ReportDetector::new(&DetectParams::default());
    let mut rng = Poisson(7);
    let days = 4;
    for m in 0..days * MINUTES_PER_DAY {
        let rate = 0.05 * (1.0 + m as f64 / MINUTES_PER_DAY as f64);
        d.close_minute(at_minute(m), rng.sample(rate));
    }
    let phi = d.dispersion();
    assert!(phi < 0.5, "φ = {phi} for Poisson counts");
}

/// A slow outage on a sparse service (3 reporters a minute against 0.05 for half an hour)
/// is unremarkable minute by minute, but every window holding it is anomalous. Learnt into
/// the dispersion, its minutes drove φ to its bound for the week of the estimate's memory,
/// and the same outage a day later went unseen.
#[test]
fn a_slow_outage_on_a_sparse_service_does_not_hide_the_next_one() {
    let mut d = trained(0.05, 3, 11);
    let mut rng = Poisson(13);
    let start = 3 * MINUTES_PER_DAY + 600;
    for m in start..start + 30 {
        d.close_minute(at_minute(m), 3 + rng.sample(0.05));
    }
    for m in start + 30..start + MINUTES_PER_DAY {
        d.close_minute(at_minute(m), rng.sample(0.05));
    }
    let phi = d.dispersion();
    assert!(phi < 1.0, "φ = {phi} after one outage");
    let again = start + MINUTES_PER_DAY;
    assert!(
        seconds_to_detect(&mut d, again, 3, SurgeLevel::Surge).is_some(),
        "the second outage is missed (φ = {phi})"
    );
}

/// An outage of hours on a report-only service with three days of history: winsorised, its
/// minutes still raised the baseline minute after minute (from 0.6 to over 10 a minute in
/// two hours on generated scenarios), and the service read as recovered in the middle of
/// it. Its minutes are not learnt while it lasts, up to `outage_hold_minutes`.
#[test]
fn an_outage_of_hours_stays_a_surge_to_its_end() {
    let mut d = trained(0.6, 3, 29);
    let mut rng = Poisson(31);
    let start = 3 * MINUTES_PER_DAY + 600;
    let before = d.expected(at_minute(start + 150)).expected;
    for m in start..start + 150 {
        d.close_minute(at_minute(m), rng.sample(8.0));
        let v = d.assess(at_minute(m + 1).plus_millis(30_000), rng.sample(4.0));
        if m >= start + 2 {
            assert!(v.level >= SurgeLevel::Surge, "minute {}: {v:?}", m - start);
        }
    }
    let after = d.expected(at_minute(start + 150)).expected;
    assert!(
        (after - before).abs() < 0.05 * before,
        "{before} -> {after}"
    );
}

/// A lasting change of level is still learnt, once it has held longer than an outage would:
/// three days after it, nearly as far as without the hold.
#[test]
fn a_lasting_change_of_level_is_learnt_after_the_outage_hold() {
    let learnt = |hold: u32| {
        let params = DetectParams {
            outage_hold_minutes: hold,
            ..DetectParams::default()
        };
        let mut d = ReportDetector::new(&params);
        let mut rng = Poisson(37);
        for m in 0..10 * MINUTES_PER_DAY {
            let rate = if m < 7 * MINUTES_PER_DAY { 0.6 } else { 6.0 };
            d.close_minute(at_minute(m), rng.sample(rate));
        }
        d.expected(at_minute(10 * MINUTES_PER_DAY)).expected
    };
    let (held, free) = (
        learnt(DetectParams::default().outage_hold_minutes),
        learnt(0),
    );
    assert!(
        held > 1.5 && held > 0.8 * free,
        "{held} with the hold, {free} without"
    );
}

/// A new service's first minutes are anomalous against the prior (0.2 a minute); they are
/// learnt all the same.
#[test]
fn a_new_service_learns_its_level_at_once() {
    let mut d = ReportDetector::new(&DetectParams::default());
    let mut rng = Poisson(43);
    for m in 0..120 {
        d.close_minute(at_minute(m), rng.sample(5.0));
    }
    let e = d.expected(at_minute(120)).expected;
    assert!(e > 3.0, "expected {e} after two hours at 5 a minute");
}

//! Numenta Anomaly Benchmark (NAB) scoring: reading a corpus and applying its rules.
//!
//! This module owns three things: reading `timestamp,value` CSV series (strictly, with the
//! line of every error), reading a NAB corpus directory (`data/<category>/*.csv` and
//! `labels/combined_windows.json`), and scoring per-row anomaly scores with the published NAB
//! rules (v1.1 `Sweeper`):
//!
//! * the first `min(floor(0.15 n), 750)` rows of a file are probationary and not scored;
//! * a row inside a labelled window `[a, b]` (of width `W` rows) detected at index `i` earns
//!   `A_TP · sig(-(b - i + 1) / W) / sig(-1)`, with `sig(y) = 2 / (1 + e^(5y)) - 1`
//!   (`sig(y) = -1` when `y > 3`); only the best detection of each window counts, and a
//!   window never detected costs `-A_FN`;
//! * a detection outside every window costs `A_FP · sig(d / (W_prev - 1))` where `d` is its
//!   distance in rows after the previous window's last row, or `-A_FP` with no previous
//!   window;
//! * the threshold is swept over the distinct score values, jointly for the whole corpus, and
//!   the best total is kept;
//! * the total is normalised to `100 · (raw - null) / (perfect - null)`, where `null` is the
//!   total of a detector that never fires (`-A_FN` per scorable window) and `perfect` earns
//!   `A_TP` per scorable window.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Largest series file read, in bytes.
pub const MAX_SERIES_BYTES: u64 = 256 * 1024 * 1024;
/// Largest label file read, in bytes.
pub const MAX_LABELS_BYTES: u64 = 16 * 1024 * 1024;
/// Fraction of a file that is probationary, and the cap in rows (NAB: 0.15 and 750).
pub const PROBATION_FRACTION: f64 = 0.15;
pub const PROBATION_MAX_ROWS: usize = 750;

/// Why a corpus or series could not be read.
#[derive(Debug, thiserror::Error)]
pub enum NabError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// One cost matrix of NAB.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Profile {
    pub name: &'static str,
    pub tp: f64,
    pub fp: f64,
    pub fn_: f64,
}

pub const STANDARD: Profile = Profile {
    name: "standard",
    tp: 1.0,
    fp: 0.11,
    fn_: 1.0,
};
pub const REWARD_LOW_FP_RATE: Profile = Profile {
    name: "reward_low_FP_rate",
    tp: 1.0,
    fp: 0.22,
    fn_: 1.0,
};
pub const REWARD_LOW_FN_RATE: Profile = Profile {
    name: "reward_low_FN_rate",
    tp: 1.0,
    fp: 0.11,
    fn_: 2.0,
};
pub const PROFILES: [Profile; 3] = [STANDARD, REWARD_LOW_FP_RATE, REWARD_LOW_FN_RATE];

/// A `timestamp,value` series as read from CSV.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    /// The timestamp text as written in the file.
    pub stamps: Vec<String>,
    /// Seconds since the Unix epoch (UTC).
    pub seconds: Vec<i64>,
    pub values: Vec<f64>,
}

/// One labelled file of a corpus.
#[derive(Clone, Debug)]
pub struct LabelledSeries {
    /// Path relative to `data/`, e.g. `realTweets/Twitter_volume_AAPL.csv`.
    pub name: String,
    pub series: Series,
    /// Anomaly windows as (first, last) seconds since the epoch, inclusive.
    pub windows: Vec<(i64, i64)>,
}

/// Parses a timestamp: `YYYY-MM-DD HH:MM:SS[.fff]`, the same with `T` and an optional `Z`,
/// or integer seconds since the epoch. Returns seconds since the epoch (UTC).
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().ok();
    }
    let t = t.strip_suffix('Z').unwrap_or(t);
    let b = t.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b' ' || b[10] == b'T') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = t.get(r)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let rest = &t[19..];
    if !(rest.is_empty()
        || (rest.starts_with('.')
            && rest.len() > 1
            && rest[1..].bytes().all(|c| c.is_ascii_digit())))
    {
        return None;
    }
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses CSV text with a `timestamp,value` header. `path` only names errors.
pub fn parse_series(text: &str, path: &Path) -> Result<Series, NabError> {
    let err = |line: usize, message: String| NabError::Parse {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut lines = text.lines().enumerate();
    let header = loop {
        match lines.next() {
            Some((_, l)) if l.trim().is_empty() => continue,
            Some((i, l)) => break (i + 1, l),
            None => {
                return Err(err(
                    1,
                    "empty file: expected a `timestamp,value` header".into(),
                ))
            }
        }
    };
    let cols: Vec<&str> = header
        .1
        .trim()
        .trim_start_matches('\u{feff}')
        .split(',')
        .collect();
    if cols.len() != 2 || cols[0].trim() != "timestamp" || cols[1].trim() != "value" {
        return Err(err(
            header.0,
            format!("expected header `timestamp,value`, found {:?}", header.1),
        ));
    }
    let mut series = Series::default();
    for (i, line) in lines {
        let line_no = i + 1;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.split(',');
        let (Some(stamp), Some(value), None) = (fields.next(), fields.next(), fields.next()) else {
            return Err(err(line_no, format!("expected 2 fields, found {:?}", line)));
        };
        let seconds = parse_timestamp(stamp)
            .ok_or_else(|| err(line_no, format!("invalid timestamp {:?}", stamp.trim())))?;
        let value: f64 = value
            .trim()
            .parse()
            .map_err(|_| err(line_no, format!("invalid value {:?}", value.trim())))?;
        if !value.is_finite() {
            return Err(err(line_no, format!("value {value} is not finite")));
        }
        if let Some(&last) = series.seconds.last() {
            if seconds < last {
                return Err(err(
                    line_no,
                    format!("timestamp {:?} goes backwards", stamp.trim()),
                ));
            }
        }
        series.stamps.push(stamp.trim().to_string());
        series.seconds.push(seconds);
        series.values.push(value);
    }
    Ok(series)
}

fn read_limited(path: &Path, limit: u64) -> Result<String, NabError> {
    let io = |source| NabError::Io {
        path: path.to_path_buf(),
        source,
    };
    let len = fs::metadata(path).map_err(io)?.len();
    if len > limit {
        return Err(NabError::Invalid {
            path: path.to_path_buf(),
            message: format!("{len} bytes is over the limit of {limit}"),
        });
    }
    fs::read_to_string(path).map_err(io)
}

/// Reads one series file.
pub fn read_series(path: &Path) -> Result<Series, NabError> {
    parse_series(&read_limited(path, MAX_SERIES_BYTES)?, path)
}

/// Reads a corpus laid out like NAB: `data/<category>/*.csv` and
/// `labels/combined_windows.json`. Every data file must have an entry in the labels (an
/// empty list for files with no anomaly). Files are returned sorted by name.
pub fn read_corpus(dir: &Path) -> Result<Vec<LabelledSeries>, NabError> {
    let labels_path = dir.join("labels").join("combined_windows.json");
    let labels_text = read_limited(&labels_path, MAX_LABELS_BYTES)?;
    let raw: BTreeMap<String, Vec<Vec<String>>> =
        serde_json::from_str(&labels_text).map_err(|e| NabError::Parse {
            path: labels_path.clone(),
            line: e.line(),
            message: e.to_string(),
        })?;
    let data = dir.join("data");
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| NabError::Io { path, source }
    };
    let mut names = Vec::new();
    for category in fs::read_dir(&data).map_err(io(&data))? {
        let category = category.map_err(io(&data))?.path();
        if !category.is_dir() {
            continue;
        }
        for file in fs::read_dir(&category).map_err(io(&category))? {
            let file = file.map_err(io(&category))?.path();
            if file.extension().is_some_and(|e| e == "csv") {
                let rel = file
                    .strip_prefix(&data)
                    .map_err(|_| NabError::Invalid {
                        path: file.clone(),
                        message: "not under data/".into(),
                    })?
                    .to_string_lossy()
                    .replace('\\', "/");
                names.push((rel, file));
            }
        }
    }
    names.sort();
    if names.is_empty() {
        return Err(NabError::Invalid {
            path: data,
            message: "no data/<category>/*.csv files".into(),
        });
    }
    let mut corpus = Vec::with_capacity(names.len());
    for (name, file) in names {
        let Some(raw_windows) = raw.get(&name) else {
            return Err(NabError::Invalid {
                path: labels_path,
                message: format!("no entry for data file {name:?}"),
            });
        };
        let mut windows = Vec::with_capacity(raw_windows.len());
        for w in raw_windows {
            let bad = || NabError::Invalid {
                path: labels_path.clone(),
                message: format!("{name:?}: window {w:?} is not [start, end] timestamps"),
            };
            if w.len() != 2 {
                return Err(bad());
            }
            let (a, b) = (
                parse_timestamp(&w[0]).ok_or_else(bad)?,
                parse_timestamp(&w[1]).ok_or_else(bad)?,
            );
            if b < a {
                return Err(bad());
            }
            windows.push((a, b));
        }
        windows.sort_unstable();
        corpus.push(LabelledSeries {
            series: read_series(&file)?,
            name,
            windows,
        });
    }
    Ok(corpus)
}

/// NAB's scaled sigmoid.
pub fn scaled_sigmoid(y: f64) -> f64 {
    if y > 3.0 {
        -1.0
    } else {
        2.0 / (1.0 + (5.0 * y).exp()) - 1.0
    }
}

/// Probationary rows of a file of `rows` rows.
pub fn probation_rows(rows: usize) -> usize {
    ((PROBATION_FRACTION * rows as f64).floor() as usize).min(PROBATION_MAX_ROWS)
}

/// Where a row falls for scoring.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Slot {
    Probation,
    /// Outside every window, with its (already weighted) false-positive cost (<= 0).
    Outside(f64),
    /// Inside window `id` (unique across the corpus), with its weighted reward.
    Window(usize, f64),
}

/// Assigns every row of one file its slot under `profile`; window ids start at `first_id`.
/// Returns the slots and the ids of windows that have at least one scorable row.
fn slots(
    seconds: &[i64],
    windows: &[(i64, i64)],
    profile: &Profile,
    first_id: usize,
) -> (Vec<Slot>, Vec<usize>) {
    let n = seconds.len();
    let probation = probation_rows(n);
    let mut out = Vec::with_capacity(n);
    let mut scorable = Vec::new();
    let mut next = 0usize;
    // (id, right index, width)
    let mut current: Option<(usize, usize, f64)> = None;
    let mut previous: Option<(usize, f64)> = None;
    let norm = scaled_sigmoid(-1.0);
    for (i, &t) in seconds.iter().enumerate() {
        if current.is_none() {
            // Skip windows that ended before this row (no row fell inside them).
            while next < windows.len() && windows[next].1 < t {
                next += 1;
            }
            if next < windows.len() && t >= windows[next].0 {
                let end = windows[next].1;
                // NAB uses the first row at the window's end; a label between rows ends at
                // the last row before it.
                let right = seconds
                    .iter()
                    .position(|&s| s >= end)
                    .map(|p| {
                        if seconds[p] == end {
                            p
                        } else {
                            p.saturating_sub(1)
                        }
                    })
                    .unwrap_or(n - 1)
                    .max(i);
                current = Some((first_id + next, right, (right - i + 1) as f64));
                next += 1;
            }
        }
        let slot = match current {
            Some((id, right, width)) => {
                let y = -((right - i + 1) as f64) / width;
                Slot::Window(id, profile.tp * scaled_sigmoid(y) / norm)
            }
            None => {
                let unweighted = match previous {
                    None => -1.0,
                    Some((right, width)) => {
                        let d = (i - right) as f64;
                        scaled_sigmoid(d / (width - 1.0).max(1.0))
                    }
                };
                Slot::Outside(profile.fp * unweighted)
            }
        };
        if i < probation {
            out.push(Slot::Probation);
        } else {
            if let Slot::Window(id, _) = slot {
                if scorable.last() != Some(&id) {
                    scorable.push(id);
                }
            }
            out.push(slot);
        }
        if let Some((_, right, width)) = current {
            if i == right {
                previous = Some((right, width));
                current = None;
            }
        }
    }
    (out, scorable)
}

/// The result of scoring a corpus under one profile.
#[derive(Clone, Debug, PartialEq)]
pub struct CorpusScore {
    pub profile: Profile,
    /// The best threshold: rows with a score at or above it are detections.
    pub threshold: f64,
    pub raw: f64,
    pub null: f64,
    pub perfect: f64,
    /// `100 · (raw - null) / (perfect - null)`.
    pub normalized: f64,
    /// Windows detected, windows scorable, and false-positive rows, at the best threshold.
    pub detected_windows: usize,
    pub windows: usize,
    pub false_positives: usize,
}

/// One file's rows to score: timestamps (seconds), anomaly scores, labelled windows.
pub struct ScoredFile<'a> {
    pub seconds: &'a [i64],
    pub scores: &'a [f64],
    pub windows: &'a [(i64, i64)],
}

/// Scores a corpus under `profile`, sweeping the threshold over every distinct score.
/// Panics in debug builds if a file's timestamps and scores differ in length; release
/// builds score the common prefix.
pub fn score_corpus(files: &[ScoredFile<'_>], profile: &Profile) -> CorpusScore {
    sweep(files, profile, None)
}

/// Scores a corpus under `profile` with a fixed threshold (rows scoring at or above it are
/// detections), e.g. to break a corpus score down by category.
pub fn score_corpus_at(files: &[ScoredFile<'_>], profile: &Profile, threshold: f64) -> CorpusScore {
    sweep(files, profile, Some(threshold))
}

fn sweep(files: &[ScoredFile<'_>], profile: &Profile, fixed: Option<f64>) -> CorpusScore {
    let mut rows: Vec<(f64, Slot)> = Vec::new();
    let mut window_count = 0usize;
    let mut first_id = 0usize;
    for f in files {
        debug_assert_eq!(f.seconds.len(), f.scores.len());
        let n = f.seconds.len().min(f.scores.len());
        let (s, scorable) = slots(&f.seconds[..n], f.windows, profile, first_id);
        first_id += f.windows.len();
        window_count += scorable.len();
        for (slot, &score) in s.into_iter().zip(f.scores) {
            if slot != Slot::Probation {
                rows.push((if score.is_nan() { 0.0 } else { score }, slot));
            }
        }
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));

    let null = -profile.fn_ * window_count as f64;
    let perfect = profile.tp * window_count as f64;
    let mut best_window: Vec<Option<f64>> = vec![None; first_id];
    let mut fp_total = 0.0;
    let mut fp_rows = 0usize;
    let mut window_total = null;
    let mut detected = 0usize;
    // Threshold above every score: nothing detected.
    let mut best = (f64::INFINITY, null, 0usize, 0usize);
    let mut i = 0;
    while i < rows.len() {
        let threshold = rows[i].0;
        if fixed.is_some_and(|f| threshold < f) {
            break;
        }
        while i < rows.len() && rows[i].0 == threshold {
            match rows[i].1 {
                Slot::Outside(cost) => {
                    fp_total += cost;
                    fp_rows += 1;
                }
                Slot::Window(id, reward) => match best_window[id] {
                    None => {
                        window_total += reward + profile.fn_;
                        best_window[id] = Some(reward);
                        detected += 1;
                    }
                    Some(old) if reward > old => {
                        window_total += reward - old;
                        best_window[id] = Some(reward);
                    }
                    Some(_) => {}
                },
                Slot::Probation => {}
            }
            i += 1;
        }
        let total = window_total + fp_total;
        if fixed.is_some() || total > best.1 {
            best = (threshold, total, detected, fp_rows);
        }
    }
    let (mut threshold, raw, detected_windows, false_positives) = best;
    if let Some(f) = fixed {
        threshold = f;
    }
    let normalized = if perfect > null {
        100.0 * (raw - null) / (perfect - null)
    } else {
        0.0
    };
    CorpusScore {
        profile: *profile,
        threshold,
        raw,
        null,
        perfect,
        normalized,
        detected_windows,
        windows: window_count,
        false_positives,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minutes(n: usize) -> Vec<i64> {
        (0..n as i64).map(|i| i * 60).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn timestamps_parse_in_the_nab_formats() {
        assert_eq!(parse_timestamp("1970-01-01 00:00:00"), Some(0));
        assert_eq!(
            parse_timestamp("2014-04-10 07:15:00.000000"),
            Some(1_397_114_100)
        );
        assert_eq!(parse_timestamp("2014-04-10T07:15:00Z"), Some(1_397_114_100));
        assert_eq!(parse_timestamp("1397114100"), Some(1_397_114_100));
        assert_eq!(parse_timestamp("2014-13-10 07:15:00"), None);
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn csv_errors_name_the_line() {
        let p = Path::new("x.csv");
        let e = parse_series(
            "timestamp,value\n2014-01-01 00:00:00,1\n2014-01-01 00:05:00,abc\n",
            p,
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "x.csv:3: invalid value \"abc\"");
        let e = parse_series("time,value\n", p).unwrap_err();
        assert!(e.to_string().starts_with("x.csv:1: expected header"), "{e}");
        let e = parse_series(
            "timestamp,value\n2014-01-01 00:05:00,1\n2014-01-01 00:00:00,2\n",
            p,
        )
        .unwrap_err();
        assert!(e.to_string().contains(":3: timestamp"), "{e}");
        let ok = parse_series("timestamp,value\r\n2014-01-01 00:00:00,1.5\r\n", p).unwrap();
        assert_eq!(ok.values, vec![1.5]);
    }

    #[test]
    fn probation_is_fifteen_percent_capped_at_750() {
        assert_eq!(probation_rows(100), 15);
        assert_eq!(probation_rows(4033), 604);
        assert_eq!(probation_rows(10_000), 750);
    }

    #[test]
    fn sigmoid_matches_nab() {
        assert!(close(scaled_sigmoid(0.0), 0.0));
        assert!(close(
            scaled_sigmoid(-1.0),
            2.0 / (1.0 + (-5.0f64).exp()) - 1.0
        ));
        assert_eq!(scaled_sigmoid(3.5), -1.0);
    }

    /// 100 rows (15 probationary), one window over rows 40..=49 (width 10).
    fn one_window() -> (Vec<i64>, Vec<(i64, i64)>) {
        (minutes(100), vec![(40 * 60, 49 * 60)])
    }

    fn score(scores: &[f64], profile: &Profile) -> CorpusScore {
        let (t, w) = one_window();
        score_corpus(
            &[ScoredFile {
                seconds: &t,
                scores,
                windows: &w,
            }],
            profile,
        )
    }

    #[test]
    fn a_detector_that_never_fires_scores_zero() {
        let r = score(&[0.0; 100], &STANDARD);
        // Firing everywhere at 0.0 is worse than firing nowhere.
        assert!(close(r.raw, -1.0) && close(r.normalized, 0.0), "{r:?}");
        assert_eq!(r.threshold, f64::INFINITY);
    }

    #[test]
    fn detection_at_the_window_start_is_perfect() {
        let mut s = vec![0.0; 100];
        s[40] = 1.0;
        let r = score(&s, &STANDARD);
        assert!(close(r.raw, 1.0) && close(r.normalized, 100.0), "{r:?}");
        assert_eq!(
            (r.threshold, r.detected_windows, r.false_positives),
            (1.0, 1, 0)
        );
    }

    #[test]
    fn late_detection_earns_the_sigmoid() {
        let mut s = vec![0.0; 100];
        s[45] = 1.0;
        let r = score(&s, &STANDARD);
        // Row 45 of window 40..=49: y = -(49 - 45 + 1) / 10 = -0.5.
        let reward = (2.0 / (1.0 + (-2.5f64).exp()) - 1.0) / (2.0 / (1.0 + (-5.0f64).exp()) - 1.0);
        assert!(close(r.raw, reward), "{} vs {reward}", r.raw);
        assert!(close(r.normalized, 100.0 * (reward + 1.0) / 2.0));
    }

    #[test]
    fn false_positives_cost_by_profile_and_distance() {
        // Detection at the window start plus one FP at row 20 (before any window: full cost)
        // and one at row 55 (6 rows after the window's end at 49, width 10).
        let mut s = vec![0.0; 100];
        s[40] = 1.0;
        s[20] = 1.0;
        s[55] = 1.0;
        let after = 2.0 / (1.0 + (5.0 * 6.0 / 9.0f64).exp()) - 1.0;
        for (p, fp) in [(STANDARD, 0.11), (REWARD_LOW_FP_RATE, 0.22)] {
            let r = score(&s, &p);
            let expected = 1.0 - fp + fp * after;
            assert!(
                close(r.raw, expected),
                "{}: {} vs {expected}",
                p.name,
                r.raw
            );
            assert_eq!(r.false_positives, 2);
        }
        // Probationary rows are never scored.
        let mut s = vec![0.0; 100];
        s[40] = 1.0;
        s[3] = 1.0;
        assert!(close(score(&s, &STANDARD).raw, 1.0));
    }

    #[test]
    fn missed_windows_cost_double_in_the_low_fn_profile() {
        let r = score(&[0.0; 100], &REWARD_LOW_FN_RATE);
        assert!(close(r.null, -2.0) && close(r.raw, -2.0));
        let mut s = vec![0.0; 100];
        s[40] = 1.0;
        assert!(close(score(&s, &REWARD_LOW_FN_RATE).normalized, 100.0));
    }

    #[test]
    fn threshold_is_swept_jointly_over_the_corpus() {
        // File A: window detected at its start with 0.9, a false positive at 0.95.
        // File B: window detected at its start with 0.6, false positives at 0.5.
        let (t, w) = one_window();
        let mut a = vec![0.0; 100];
        a[40] = 0.9;
        a[70] = 0.95;
        let mut b = vec![0.0; 100];
        b[40] = 0.6;
        for x in &mut b[60..100] {
            *x = 0.5;
        }
        let files = [
            ScoredFile {
                seconds: &t,
                scores: &a,
                windows: &w,
            },
            ScoredFile {
                seconds: &t,
                scores: &b,
                windows: &w,
            },
        ];
        let r = score_corpus(&files, &STANDARD);
        // At 0.6: both windows (2.0) and one FP at row 70 of A, 21 rows after the end.
        let fp = 0.11 * scaled_sigmoid(21.0 / 9.0);
        assert_eq!(r.threshold, 0.6);
        assert!(close(r.raw, 2.0 + fp), "{r:?}");
        assert_eq!(r.windows, 2);
        // At a fixed 0.9, only file A's window and its false positive count.
        let r = score_corpus_at(&files, &STANDARD, 0.9);
        assert!(close(r.raw, 1.0 - 1.0 + fp), "{r:?}");
        assert_eq!((r.detected_windows, r.false_positives), (1, 1));
    }
}

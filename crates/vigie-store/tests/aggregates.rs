//! Property: whatever the results and however they are split into batches, the per-minute
//! aggregates equal what a direct computation over the raw results gives, and the p95
//! lies within the histogram bucket of the true 95th percentile.

use std::collections::BTreeMap;

use proptest::prelude::*;
use vigie_core::{ProbeError, Timestamp};
use vigie_store::latency::{Histogram, BUCKET_UPPER_MS};
use vigie_store::{ProbeRecord, SqliteStore, Store};

const BASE_MS: i64 = 1_767_571_200_000;

fn arb_result() -> impl Strategy<Value = ProbeRecord> {
    (
        0i64..(5 * 60_000),
        0usize..2,
        0usize..2,
        any::<bool>(),
        any::<bool>(),
        prop::option::of(0.0f64..40_000.0),
    )
        .prop_map(|(offset, check, vantage, ok, slow, latency)| ProbeRecord {
            service: "shop".into(),
            check: format!("c{check}"),
            vantage: format!("v{vantage}"),
            at: Timestamp::from_millis(BASE_MS + offset),
            ok,
            slow: ok && slow,
            latency_ms: latency,
            error: (!ok).then_some(ProbeError::Timeout),
            status: None,
            detail: None,
        })
}

/// The bucket bounds `(lower, upper]` holding `v`.
fn bucket_bounds(v: f64) -> (f64, f64) {
    let i = Histogram::bucket_of(v);
    let lower = if i == 0 { 0.0 } else { BUCKET_UPPER_MS[i - 1] };
    let upper = BUCKET_UPPER_MS.get(i).copied().unwrap_or(f64::INFINITY);
    (lower, upper)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn aggregates_match_raw_results(
        results in prop::collection::vec(arb_result(), 1..60),
        splits in prop::collection::vec(1usize..20, 1..6),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(tmp.path()).unwrap();
        let mut rest: &[ProbeRecord] = &results;
        let mut i = 0;
        while !rest.is_empty() {
            let n = splits[i % splits.len()].min(rest.len());
            store.append_probe_results(&rest[..n]).unwrap();
            rest = &rest[n..];
            i += 1;
        }
        let from = Timestamp::from_millis(BASE_MS);
        let to = Timestamp::from_millis(BASE_MS + 10 * 60_000);
        let history = store.probe_history("shop", None, from, to).unwrap();

        let mut expected: BTreeMap<Timestamp, Vec<&ProbeRecord>> = BTreeMap::new();
        for r in &results {
            expected.entry(r.at.minute_floor()).or_default().push(r);
        }
        prop_assert_eq!(history.len(), expected.len());
        for (minute, (m, rs)) in history.iter().zip(expected.iter()) {
            prop_assert_eq!(minute.minute, *m);
            prop_assert_eq!(minute.count, rs.len() as u64);
            prop_assert_eq!(minute.failures, rs.iter().filter(|r| !r.ok).count() as u64);
            prop_assert_eq!(minute.slow, rs.iter().filter(|r| r.ok && r.slow).count() as u64);
            let mut lats: Vec<f64> = rs.iter().filter_map(|r| r.latency_ms).collect();
            match &minute.latency {
                None => prop_assert!(lats.is_empty()),
                Some(l) => {
                    lats.sort_by(f64::total_cmp);
                    prop_assert_eq!(l.count, lats.len() as u64);
                    let sum: f64 = lats.iter().sum();
                    prop_assert!((l.sum_ms - sum).abs() < 1e-6 * sum.max(1.0));
                    prop_assert_eq!(l.min_ms, lats[0]);
                    prop_assert_eq!(l.max_ms, lats[lats.len() - 1]);
                    let rank = ((0.95 * lats.len() as f64).ceil() as usize).clamp(1, lats.len());
                    let true_p95 = lats[rank - 1];
                    let (lower, upper) = bucket_bounds(true_p95);
                    prop_assert!(
                        l.p95_ms >= true_p95 && l.p95_ms <= upper.min(l.max_ms),
                        "p95 {} outside bucket ({}, {}] of true {}", l.p95_ms, lower, upper, true_p95
                    );
                }
            }
        }

        // Merging over checks is the sum of the per-check histories.
        let per_check: u64 = ["c0", "c1"]
            .iter()
            .map(|c| {
                store
                    .probe_history("shop", Some(c), from, to)
                    .unwrap()
                    .iter()
                    .map(|m| m.count)
                    .sum::<u64>()
            })
            .sum();
        prop_assert_eq!(per_check, results.len() as u64);
    }
}

//! Property tests of the probe threshold machine: thresholds are respected and a verdict
//! never changes faster than its thresholds allow.

use proptest::prelude::*;
use vigie_core::engine::{CheckMachine, ProbeThresholds, VantageVerdict};

/// A result: (ok, slow).
fn results() -> impl Strategy<Value = Vec<(bool, bool)>> {
    prop::collection::vec(
        (prop::bool::weighted(0.6), prop::bool::weighted(0.2)),
        0..200,
    )
}

proptest! {
    #[test]
    fn down_only_after_enough_consecutive_failures(
        failure in 1u32..6, recovery in 1u32..6, seq in results()
    ) {
        let mut m = CheckMachine::new(ProbeThresholds::new(failure, recovery));
        let mut run_fail = 0u32;
        for (ok, slow) in seq {
            let before = m.verdict();
            m.observe(ok, slow);
            run_fail = if ok { 0 } else { run_fail + 1 };
            let after = m.verdict();
            if after == VantageVerdict::Down && before != VantageVerdict::Down {
                prop_assert!(run_fail >= failure, "down after {run_fail} < {failure} failures");
            }
            // Enough consecutive failures always means down.
            if run_fail >= failure {
                prop_assert_eq!(after, VantageVerdict::Down);
            }
        }
    }

    #[test]
    fn up_again_only_after_enough_consecutive_successes(
        failure in 1u32..6, recovery in 1u32..6, seq in results()
    ) {
        let mut m = CheckMachine::new(ProbeThresholds::new(failure, recovery));
        let mut run_ok = 0u32;
        for (ok, slow) in seq {
            let before = m.verdict();
            m.observe(ok, slow);
            run_ok = if ok { run_ok + 1 } else { 0 };
            if before == VantageVerdict::Down && m.verdict() != VantageVerdict::Down {
                prop_assert!(run_ok >= recovery, "recovered after {run_ok} < {recovery} successes");
            }
        }
    }

    #[test]
    fn never_flaps_below_thresholds(
        failure in 1u32..6, recovery in 1u32..6, seq in results()
    ) {
        // Between two consecutive entries into Down there are at least `recovery` successes
        // and then `failure` failures: at least recovery + failure results.
        let mut m = CheckMachine::new(ProbeThresholds::new(failure, recovery));
        let mut last_down_entry: Option<usize> = None;
        for (i, (ok, slow)) in seq.into_iter().enumerate() {
            let before = m.verdict();
            m.observe(ok, slow);
            if m.verdict() == VantageVerdict::Down && before != VantageVerdict::Down {
                if let Some(prev) = last_down_entry {
                    prop_assert!(i - prev >= (recovery + failure) as usize,
                        "down again {} results after the last time", i - prev);
                }
                last_down_entry = Some(i);
            }
        }
    }

    #[test]
    fn slow_needs_consecutive_slow_successes(
        failure in 1u32..6, recovery in 1u32..6, seq in results()
    ) {
        let mut m = CheckMachine::new(ProbeThresholds::new(failure, recovery));
        let mut run_slow = 0u32;
        let mut run_fast = 0u32;
        for (ok, slow) in seq {
            let before = m.verdict();
            m.observe(ok, slow);
            run_slow = if ok && slow { run_slow + 1 } else { 0 };
            run_fast = if ok && !slow { run_fast + 1 } else { 0 };
            let after = m.verdict();
            if after == VantageVerdict::Slow && before != VantageVerdict::Slow {
                prop_assert!(run_slow >= failure);
            }
            if before == VantageVerdict::Slow && after == VantageVerdict::Up {
                prop_assert!(run_fast >= recovery);
            }
        }
    }
}

#[test]
fn a_first_success_is_up_at_once_and_a_single_failure_changes_nothing() {
    let mut m = CheckMachine::new(ProbeThresholds::default());
    assert_eq!(m.verdict(), VantageVerdict::Unknown);
    assert!(m.observe(true, false));
    assert_eq!(m.verdict(), VantageVerdict::Up);
    assert!(!m.observe(false, false));
    assert!(!m.observe(true, false));
    assert_eq!(m.verdict(), VantageVerdict::Up);
    m.observe(false, false);
    assert!(m.observe(false, false));
    assert_eq!(m.verdict(), VantageVerdict::Down);
}

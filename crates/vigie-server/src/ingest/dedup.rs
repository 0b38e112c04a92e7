//! Which reports count: the first per reporter per service in any 15-minute window.
//!
//! Later reports in the window are accepted and stored as duplicates but never reach
//! detection. The window is kept in memory and rebuilt from the store's recent counted
//! reports at start-up, so a restart does not let a reporter count twice.

use std::collections::HashMap;
use std::sync::Mutex;

use vigie_core::time::MINUTE_MS;
use vigie_core::Timestamp;

use super::reporter::ReporterKey;

/// The dedup window (issue 3: 15 minutes).
pub const DEDUP_WINDOW_MS: i64 = 15 * MINUTE_MS;

#[derive(Debug, Default)]
pub struct DedupWindow {
    /// service → reporter → when its last counted report arrived. Keyed by service first so
    /// a lookup borrows the service name; reporters are keyed by the 128-bit value of their
    /// hex key, so neither a lookup nor a newly counted reporter allocates.
    counted: Mutex<HashMap<String, HashMap<u128, Timestamp>>>,
}

/// The map key of a reporter key (32 hex digits); `None` for anything else, which no
/// reporter key of this server can equal.
fn reporter_bits(reporter: &str) -> Option<u128> {
    if reporter.len() != 32 {
        return None;
    }
    u128::from_str_radix(reporter, 16).ok()
}

impl DedupWindow {
    pub fn new() -> Self {
        DedupWindow::default()
    }

    /// Whether a report from `reporter` about `service` at `at` counts; records it if so.
    pub fn admit(&self, reporter: &ReporterKey, service: &str, at: Timestamp) -> bool {
        let Some(bits) = reporter_bits(&reporter.0) else {
            // Not a key this server makes: count it, there is nothing to compare it with.
            return true;
        };
        let mut counted = self.counted.lock().unwrap_or_else(|p| p.into_inner());
        let reporters = match counted.get_mut(service) {
            Some(r) => r,
            None => counted.entry(service.to_string()).or_default(),
        };
        match reporters.get_mut(&bits) {
            Some(last) if at.millis_since(*last) < DEDUP_WINDOW_MS => false,
            Some(last) => {
                *last = at;
                true
            }
            None => {
                reporters.insert(bits, at);
                true
            }
        }
    }

    /// Restores a counted report (from the store, at start-up).
    pub fn restore(&self, reporter: &str, service: &str, at: Timestamp) {
        let Some(bits) = reporter_bits(reporter) else {
            return;
        };
        let mut counted = self.counted.lock().unwrap_or_else(|p| p.into_inner());
        let slot = counted
            .entry(service.to_string())
            .or_default()
            .entry(bits)
            .or_insert(at);
        if *slot < at {
            *slot = at;
        }
    }

    /// Drops entries whose window has passed; returns how many remain.
    pub fn prune(&self, now: Timestamp) -> usize {
        let mut counted = self.counted.lock().unwrap_or_else(|p| p.into_inner());
        counted.retain(|_, reporters| {
            reporters.retain(|_, last| now.millis_since(*last) < DEDUP_WINDOW_MS);
            !reporters.is_empty()
        });
        counted.values().map(HashMap::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_report_per_window_counts() {
        let w = DedupWindow::new();
        let r = ReporterKey("0123456789abcdef0123456789abcdef".into());
        let t0 = Timestamp::from_secs(1_000_000);
        assert!(w.admit(&r, "reddit", t0));
        assert!(!w.admit(&r, "reddit", t0.plus_millis(60_000)));
        assert!(w.admit(&r, "twitch", t0.plus_millis(60_000)));
        assert!(w.admit(&ReporterKey("f".repeat(32)), "reddit", t0));
        assert!(!w.admit(&r, "reddit", t0.plus_millis(DEDUP_WINDOW_MS - 1)));
        assert!(w.admit(&r, "reddit", t0.plus_millis(DEDUP_WINDOW_MS)));
        assert_eq!(w.prune(t0.plus_millis(2 * DEDUP_WINDOW_MS + 1)), 0);
    }

    #[test]
    fn restored_reports_block_recounting() {
        let w = DedupWindow::new();
        let t0 = Timestamp::from_secs(1_000_000);
        let key = "0123456789abcdef0123456789ABCDEF";
        w.restore(key, "reddit", t0);
        assert!(!w.admit(&ReporterKey(key.into()), "reddit", t0.plus_millis(1000)));
        // Something that is not a reporter key is never taken for one.
        w.restore("abc", "reddit", t0);
        assert!(w.admit(&ReporterKey("abc".into()), "reddit", t0.plus_millis(1000)));
    }
}

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
    /// a lookup borrows both strings and only a newly counted reporter allocates.
    counted: Mutex<HashMap<String, HashMap<String, Timestamp>>>,
}

impl DedupWindow {
    pub fn new() -> Self {
        DedupWindow::default()
    }

    /// Whether a report from `reporter` about `service` at `at` counts; records it if so.
    pub fn admit(&self, reporter: &ReporterKey, service: &str, at: Timestamp) -> bool {
        let mut counted = self.counted.lock().unwrap_or_else(|p| p.into_inner());
        let reporters = match counted.get_mut(service) {
            Some(r) => r,
            None => counted.entry(service.to_string()).or_default(),
        };
        match reporters.get_mut(reporter.0.as_str()) {
            Some(last) if at.millis_since(*last) < DEDUP_WINDOW_MS => false,
            Some(last) => {
                *last = at;
                true
            }
            None => {
                reporters.insert(reporter.0.clone(), at);
                true
            }
        }
    }

    /// Restores a counted report (from the store, at start-up).
    pub fn restore(&self, reporter: &str, service: &str, at: Timestamp) {
        let mut counted = self.counted.lock().unwrap_or_else(|p| p.into_inner());
        let slot = counted
            .entry(service.to_string())
            .or_default()
            .entry(reporter.to_string())
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
        let r = ReporterKey("abc".into());
        let t0 = Timestamp::from_secs(1_000_000);
        assert!(w.admit(&r, "reddit", t0));
        assert!(!w.admit(&r, "reddit", t0.plus_millis(60_000)));
        assert!(w.admit(&r, "twitch", t0.plus_millis(60_000)));
        assert!(w.admit(&ReporterKey("def".into()), "reddit", t0));
        assert!(!w.admit(&r, "reddit", t0.plus_millis(DEDUP_WINDOW_MS - 1)));
        assert!(w.admit(&r, "reddit", t0.plus_millis(DEDUP_WINDOW_MS)));
        assert_eq!(w.prune(t0.plus_millis(2 * DEDUP_WINDOW_MS + 1)), 0);
    }

    #[test]
    fn restored_reports_block_recounting() {
        let w = DedupWindow::new();
        let t0 = Timestamp::from_secs(1_000_000);
        w.restore("abc", "reddit", t0);
        assert!(!w.admit(&ReporterKey("abc".into()), "reddit", t0.plus_millis(1000)));
    }
}

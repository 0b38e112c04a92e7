//! Per-reporter and per-network rate limits on report intake (governor, GCRA).
//!
//! Two keyed limiters: one per reporter network (/24 or /48) and one per wider network
//! (/16 or /32), so neither one noisy client nor a whole block of addresses can flood the
//! intake. A refusal carries how long to wait, answered as `Retry-After`.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::reporter::{NetworkPrefix, WidePrefix};

/// The two limiters of the intake.
pub struct ReportLimits {
    per_reporter: DefaultKeyedRateLimiter<NetworkPrefix>,
    per_prefix: DefaultKeyedRateLimiter<WidePrefix>,
    clock: DefaultClock,
}

impl std::fmt::Debug for ReportLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReportLimits").finish_non_exhaustive()
    }
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN))
}

impl ReportLimits {
    /// `per_reporter` and `per_prefix` are reports per minute (bursts of that size allowed).
    pub fn new(per_reporter: u32, per_prefix: u32) -> Self {
        ReportLimits {
            per_reporter: RateLimiter::keyed(per_minute(per_reporter)),
            per_prefix: RateLimiter::keyed(per_minute(per_prefix)),
            clock: DefaultClock::default(),
        }
    }

    /// `Ok` when this report may go in; otherwise how long to wait.
    pub fn check(&self, prefix: &NetworkPrefix) -> Result<(), Duration> {
        if let Err(not_until) = self.per_reporter.check_key(prefix) {
            return Err(not_until.wait_time_from(self.clock.now()));
        }
        if let Err(not_until) = self.per_prefix.check_key(&prefix.wide()) {
            return Err(not_until.wait_time_from(self.clock.now()));
        }
        Ok(())
    }

    /// Forgets networks whose limits are back to full; call now and then to bound memory.
    pub fn forget_idle(&self) {
        self.per_reporter.retain_recent();
        self.per_prefix.retain_recent();
        self.per_reporter.shrink_to_fit();
        self.per_prefix.shrink_to_fit();
    }

    /// Networks currently tracked (for tests and metrics).
    pub fn tracked(&self) -> usize {
        self.per_reporter.len() + self.per_prefix.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_reporter_limit_then_wait() {
        let limits = ReportLimits::new(3, 100);
        let p = NetworkPrefix::V4([203, 0, 113]);
        for _ in 0..3 {
            assert!(limits.check(&p).is_ok());
        }
        let wait = limits.check(&p).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        // Another network is unaffected.
        assert!(limits.check(&NetworkPrefix::V4([198, 51, 100])).is_ok());
    }

    #[test]
    fn per_prefix_limit_covers_neighbouring_networks() {
        let limits = ReportLimits::new(100, 2);
        assert!(limits.check(&NetworkPrefix::V4([10, 1, 1])).is_ok());
        assert!(limits.check(&NetworkPrefix::V4([10, 1, 2])).is_ok());
        assert!(limits.check(&NetworkPrefix::V4([10, 1, 3])).is_err());
        assert!(limits.check(&NetworkPrefix::V4([10, 2, 3])).is_ok());
    }
}

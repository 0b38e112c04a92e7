//! A fixed-bucket latency histogram, so per-minute aggregates can give a 95th percentile
//! cheaply and merge across checks, vantages and minutes.
//!
//! Exact percentiles would need every sample; a minute of one check usually holds a single
//! sample, but a service's history merges many. Fixed log-spaced buckets keep each aggregate
//! row small (a few dozen bytes) and merging a plain addition. The percentile is reported as
//! the upper bound of the bucket that holds it, clamped to the observed min and max, so it
//! is exact for a single sample and within one bucket (at worst ~50 %, typically ~30 %)
//! otherwise. Backends store [`Histogram::encode`]'s bytes verbatim.

/// Upper bounds (inclusive) of the buckets, in milliseconds; a final bucket holds anything
/// larger.
pub const BUCKET_UPPER_MS: [f64; 24] = [
    1.0, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0, 50.0, 75.0, 100.0, 150.0, 200.0, 300.0, 500.0,
    750.0, 1000.0, 1500.0, 2000.0, 3000.0, 5000.0, 10000.0, 30000.0,
];

/// Number of buckets, the overflow bucket included.
pub const BUCKETS: usize = BUCKET_UPPER_MS.len() + 1;

/// Counts of latency samples per bucket.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Histogram {
    counts: [u64; BUCKETS],
}

/// The bytes were not an encoded histogram.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("latency histogram of {len} bytes, expected {expected}")]
pub struct HistogramDecodeError {
    pub len: usize,
    pub expected: usize,
}

impl Histogram {
    pub fn new() -> Self {
        Histogram::default()
    }

    /// The bucket a latency falls into. NaN and negative values count as 0 ms.
    pub fn bucket_of(latency_ms: f64) -> usize {
        let v = if latency_ms.is_nan() { 0.0 } else { latency_ms };
        BUCKET_UPPER_MS
            .iter()
            .position(|&upper| v <= upper)
            .unwrap_or(BUCKETS - 1)
    }

    pub fn record(&mut self, latency_ms: f64) {
        self.counts[Self::bucket_of(latency_ms)] += 1;
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a += b;
        }
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The `q` quantile (0 < q ≤ 1) as the upper bound of its bucket, clamped to
    /// `[min_ms, max_ms]`. `None` when empty.
    pub fn quantile(&self, q: f64, min_ms: f64, max_ms: f64) -> Option<f64> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        // Rank of the sample, 1-based: the smallest r with r >= q * total.
        let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let upper = BUCKET_UPPER_MS.get(i).copied().unwrap_or(max_ms);
                return Some(upper.clamp(min_ms, max_ms.max(min_ms)));
            }
        }
        Some(max_ms)
    }

    /// Little-endian u32 counts (saturating), `4 * BUCKETS` bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 * BUCKETS);
        for &c in &self.counts {
            out.extend_from_slice(&u32::try_from(c).unwrap_or(u32::MAX).to_le_bytes());
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Histogram, HistogramDecodeError> {
        if bytes.len() != 4 * BUCKETS {
            return Err(HistogramDecodeError {
                len: bytes.len(),
                expected: 4 * BUCKETS,
            });
        }
        let mut h = Histogram::new();
        for (i, chunk) in bytes.chunks_exact(4).enumerate() {
            h.counts[i] = u64::from(u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]));
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_sample_is_exact() {
        let mut h = Histogram::new();
        h.record(123.4);
        assert_eq!(h.quantile(0.95, 123.4, 123.4), Some(123.4));
    }

    #[test]
    fn p95_of_uniform_samples_is_within_a_bucket() {
        let mut h = Histogram::new();
        for v in 1..=100 {
            h.record(v as f64 * 10.0);
        }
        // True p95 is 950 ms; its bucket is (750, 1000].
        assert_eq!(h.quantile(0.95, 10.0, 1000.0), Some(1000.0));
        assert_eq!(h.quantile(0.5, 10.0, 1000.0), Some(500.0));
    }

    #[test]
    fn overflow_bucket_uses_max() {
        let mut h = Histogram::new();
        h.record(45_000.0);
        h.record(50_000.0);
        assert_eq!(h.quantile(0.95, 45_000.0, 50_000.0), Some(50_000.0));
    }

    #[test]
    fn encode_round_trips_and_rejects_wrong_length() {
        let mut h = Histogram::new();
        for v in [0.5, 3.0, 70.0, 70.0, 99_999.0, f64::NAN, -1.0] {
            h.record(v);
        }
        let bytes = h.encode();
        assert_eq!(Histogram::decode(&bytes), Ok(h.clone()));
        assert_eq!(h.total(), 7);
        let err = Histogram::decode(&bytes[1..]).unwrap_err();
        assert!(err.to_string().contains("expected 100"), "{err}");
    }

    #[test]
    fn merge_adds() {
        let mut a = Histogram::new();
        a.record(1.0);
        let mut b = Histogram::new();
        b.record(1.0);
        b.record(2000.0);
        a.merge(&b);
        assert_eq!(a.total(), 3);
        assert_eq!(a.quantile(0.5, 1.0, 2000.0), Some(1.0));
        assert_eq!(a.quantile(1.0, 1.0, 2000.0), Some(2000.0));
    }
}

//! Simulated and real time as plain data: milliseconds since the Unix epoch, UTC.
//!
//! The engine never reads a clock; callers pass a [`Timestamp`]. Serialized as RFC 3339
//! (`2021-06-08T09:47:00Z`, with milliseconds only when they are not zero), which is the
//! format of the scenario files and the replay output.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time, in milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// The text was not an RFC 3339 time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid RFC 3339 time {text:?}: {reason}")]
pub struct TimestampError {
    pub text: String,
    pub reason: String,
}

pub const SECOND_MS: i64 = 1_000;
pub const MINUTE_MS: i64 = 60 * SECOND_MS;
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
pub const DAY_MS: i64 = 24 * HOUR_MS;

impl Timestamp {
    pub const fn from_millis(ms: i64) -> Self {
        Timestamp(ms)
    }

    pub const fn from_secs(s: i64) -> Self {
        Timestamp(s * SECOND_MS)
    }

    pub const fn as_millis(self) -> i64 {
        self.0
    }

    pub const fn as_secs(self) -> i64 {
        self.0.div_euclid(SECOND_MS)
    }

    /// Parses RFC 3339 with any offset (normalised to UTC) and optional fractional seconds.
    pub fn parse_rfc3339(text: &str) -> Result<Self, TimestampError> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| Timestamp(t.timestamp_millis()))
            .map_err(|e| TimestampError {
                text: text.to_string(),
                reason: e.to_string(),
            })
    }

    /// RFC 3339 in UTC with a `Z`; milliseconds are written only when not zero.
    pub fn to_rfc3339(self) -> String {
        match DateTime::<Utc>::from_timestamp_millis(self.0) {
            Some(t) if self.0.rem_euclid(SECOND_MS) == 0 => {
                t.to_rfc3339_opts(SecondsFormat::Secs, true)
            }
            Some(t) => t.to_rfc3339_opts(SecondsFormat::Millis, true),
            None => format!("@{}ms", self.0),
        }
    }

    /// Start of the minute containing this instant.
    pub const fn minute_floor(self) -> Self {
        Timestamp(self.0 - self.0.rem_euclid(MINUTE_MS))
    }

    /// Minute of the day, 0..1440, in UTC.
    pub const fn minute_of_day(self) -> u32 {
        (self.0.rem_euclid(DAY_MS) / MINUTE_MS) as u32
    }

    /// Day of the week, 0 = Monday .. 6 = Sunday, in UTC.
    pub const fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday (3 when Monday is 0).
        ((self.0.div_euclid(DAY_MS) + 3).rem_euclid(7)) as u32
    }

    pub const fn is_weekend(self) -> bool {
        self.weekday() >= 5
    }

    pub const fn plus_millis(self, ms: i64) -> Self {
        Timestamp(self.0.saturating_add(ms))
    }

    /// `self - earlier` in milliseconds (negative when `earlier` is later).
    pub const fn millis_since(self, earlier: Timestamp) -> i64 {
        self.0 - earlier.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Timestamp::parse_rfc3339(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_rfc3339() {
        let t = Timestamp::parse_rfc3339("2021-06-08T09:47:00Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2021-06-08T09:47:00Z");
        let t = Timestamp::parse_rfc3339("2021-06-08T09:47:00.250+02:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2021-06-08T07:47:00.250Z");
    }

    #[test]
    fn rejects_garbage_with_reason() {
        let e = Timestamp::parse_rfc3339("yesterday").unwrap_err();
        assert!(e.to_string().contains("yesterday"));
    }

    #[test]
    fn calendar_helpers() {
        // 2021-06-08 was a Tuesday.
        let t = Timestamp::parse_rfc3339("2021-06-08T09:47:30Z").unwrap();
        assert_eq!(t.weekday(), 1);
        assert!(!t.is_weekend());
        assert_eq!(t.minute_of_day(), 9 * 60 + 47);
        assert_eq!(t.minute_floor().to_rfc3339(), "2021-06-08T09:47:00Z");
        let sunday = Timestamp::parse_rfc3339("2021-06-06T12:00:00Z").unwrap();
        assert_eq!(sunday.weekday(), 6);
        assert!(sunday.is_weekend());
    }
}

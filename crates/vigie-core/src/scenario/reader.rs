//! The streaming reader: one line at a time, a reused buffer, constant memory.

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::{BufRead, Read};

use serde::Deserialize;

use crate::model::{OfficialStatus, ProbeError, ReportKind};
use crate::scenario::{Problem, ScenarioError, ScenarioHeader};
use crate::signal::{Official, OfficialTarget, ProbeResult, Report, ReportBatch, Signal};
use crate::time::{Timestamp, DAY_MS, SECOND_MS};

/// The header may list many services and components: 256 MiB is far more than 100,000 of each.
pub const MAX_HEADER_BYTES: usize = 256 << 20;
/// One event is a small object; anything longer is not an event.
pub const MAX_EVENT_LINE_BYTES: usize = 64 << 10;

/// Reads a scenario one line at a time. Created by [`ScenarioReader::new`], which reads the
/// header; then yields each event as a [`Signal`]. After the first error it yields nothing.
pub struct ScenarioReader<R> {
    input: R,
    header: ScenarioHeader,
    services: HashSet<String>,
    line: u64,
    buf: Vec<u8>,
    previous: Option<Timestamp>,
    done: bool,
}

/// Reads one line (without its newline) into `buf`; `Ok(false)` at end of input.
fn read_line<R: BufRead>(
    input: &mut R,
    buf: &mut Vec<u8>,
    limit: usize,
    line: u64,
) -> Result<bool, ScenarioError> {
    buf.clear();
    let n = input
        .by_ref()
        .take(limit as u64 + 1)
        .read_until(b'\n', buf)
        .map_err(|e| ScenarioError::new(line, Problem::Io(e)))?;
    if n == 0 {
        return Ok(false);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    } else if buf.len() > limit {
        return Err(ScenarioError::new(line, Problem::TooLong(limit)));
    }
    if buf.len() > limit {
        return Err(ScenarioError::new(line, Problem::TooLong(limit)));
    }
    Ok(true)
}

impl<R: BufRead> ScenarioReader<R> {
    /// Reads and validates the header (line 1).
    pub fn new(mut input: R) -> Result<Self, ScenarioError> {
        let mut buf = Vec::new();
        if !read_line(&mut input, &mut buf, MAX_HEADER_BYTES, 1)? {
            return Err(ScenarioError::new(1, Problem::Empty));
        }
        let text =
            std::str::from_utf8(&buf).map_err(|_| ScenarioError::new(1, Problem::NotUtf8))?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let header = ScenarioHeader::parse(text).map_err(|p| ScenarioError::new(1, p))?;
        let services = header
            .topology
            .services
            .iter()
            .map(|s| s.id.clone())
            .collect();
        buf.clear();
        buf.shrink_to(4096);
        Ok(ScenarioReader {
            input,
            header,
            services,
            line: 1,
            buf,
            previous: None,
            done: false,
        })
    }

    pub fn header(&self) -> &ScenarioHeader {
        &self.header
    }

    /// The number of the last line read (1 after the header).
    pub fn line_number(&self) -> u64 {
        self.line
    }

    fn next_event(&mut self) -> Result<Option<Signal>, ScenarioError> {
        loop {
            self.line += 1;
            let line = self.line;
            if !read_line(&mut self.input, &mut self.buf, MAX_EVENT_LINE_BYTES, line)? {
                return Ok(None);
            }
            if self.buf.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            let signal = parse_event(&self.buf, &self.services, self.previous)
                .map_err(|p| ScenarioError::new(line, p))?;
            self.previous = Some(signal.at());
            return Ok(Some(signal));
        }
    }
}

impl<R: BufRead> Iterator for ScenarioReader<R> {
    type Item = Result<Signal, ScenarioError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_event() {
            Ok(Some(s)) => Some(Ok(s)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

#[derive(Deserialize)]
struct RawEvent<'a> {
    #[serde(borrow)]
    at: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow)]
    event_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    service: Option<Cow<'a, str>>,
    #[serde(borrow)]
    component: Option<Cow<'a, str>>,
    #[serde(borrow)]
    source: Option<Cow<'a, str>>,
    #[serde(borrow)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    reporter: Option<Cow<'a, str>>,
    #[serde(borrow)]
    region: Option<Cow<'a, str>>,
    count: Option<u64>,
    #[serde(borrow)]
    vantage: Option<Cow<'a, str>>,
    #[serde(borrow)]
    check: Option<Cow<'a, str>>,
    ok: Option<bool>,
    slow: Option<bool>,
    latency_ms: Option<f64>,
    #[serde(borrow)]
    error: Option<Cow<'a, str>>,
}

fn invalid(field: &'static str, reason: impl Into<String>) -> Problem {
    Problem::InvalidField {
        field,
        reason: reason.into(),
    }
}

fn required<T>(v: Option<T>, field: &'static str) -> Result<T, Problem> {
    v.ok_or(Problem::MissingField(field))
}

fn short_text(v: Cow<'_, str>, field: &'static str) -> Result<String, Problem> {
    if v.is_empty() || v.len() > 200 {
        return Err(invalid(field, "must be 1 to 200 bytes"));
    }
    Ok(v.into_owned())
}

fn parse_kind(v: Option<Cow<'_, str>>) -> Result<Option<ReportKind>, Problem> {
    v.map(|k| {
        ReportKind::parse(&k).ok_or_else(|| {
            invalid(
                "kind",
                format!(
                    "unknown report kind {k:?} (expected one of {})",
                    ReportKind::ALL.map(|k| k.as_str()).join(", ")
                ),
            )
        })
    })
    .transpose()
}

fn parse_region(v: Option<Cow<'_, str>>) -> Result<Option<String>, Problem> {
    v.map(|r| {
        if r.len() == 2 && r.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(r.to_ascii_uppercase())
        } else {
            Err(invalid(
                "region",
                format!("{r:?} is not an ISO 3166 alpha-2 code"),
            ))
        }
    })
    .transpose()
}

const STATUSES: [OfficialStatus; 5] = [
    OfficialStatus::Operational,
    OfficialStatus::Degraded,
    OfficialStatus::PartialOutage,
    OfficialStatus::MajorOutage,
    OfficialStatus::Maintenance,
];

fn parse_event(
    line: &[u8],
    services: &HashSet<String>,
    previous: Option<Timestamp>,
) -> Result<Signal, Problem> {
    let raw: RawEvent<'_> = serde_json::from_slice(line).map_err(|e| {
        if e.is_data() {
            invalid_from_serde(&e)
        } else {
            Problem::BadJson(e.to_string())
        }
    })?;
    let at_text = required(raw.at, "at")?;
    let at = parse_time(&at_text).map_err(|reason| invalid("at", reason))?;
    if let Some(previous) = previous {
        if at < previous {
            return Err(Problem::TimeBackwards { at, previous });
        }
    }
    let event_type = required(raw.event_type, "type")?;
    let service = |v: Option<Cow<'_, str>>| -> Result<String, Problem> {
        let s = required(v, "service")?;
        if services.contains(s.as_ref()) {
            Ok(s.into_owned())
        } else {
            Err(Problem::UnknownService(s.into_owned()))
        }
    };
    match event_type.as_ref() {
        "report" => Ok(Signal::Report(Report {
            at,
            service: service(raw.service)?,
            kind: parse_kind(raw.kind)?,
            reporter: raw
                .reporter
                .map(|r| short_text(r, "reporter"))
                .transpose()?,
            region: parse_region(raw.region)?,
        })),
        "reports" => {
            let count = required(raw.count, "count")?;
            let count = u32::try_from(count)
                .map_err(|_| invalid("count", format!("{count} is larger than {}", u32::MAX)))?;
            Ok(Signal::Reports(ReportBatch {
                at,
                service: service(raw.service)?,
                count,
                kind: parse_kind(raw.kind)?,
                region: parse_region(raw.region)?,
            }))
        }
        "probe" => {
            let service = service(raw.service)?;
            let vantage = short_text(required(raw.vantage, "vantage")?, "vantage")?;
            let ok = required(raw.ok, "ok")?;
            let latency_ms = match raw.latency_ms {
                Some(l) if !(l.is_finite() && l >= 0.0) => {
                    return Err(invalid("latency_ms", format!("{l} is not a duration")))
                }
                l => l,
            };
            let error = raw
                .error
                .map(|e| {
                    ProbeError::parse(&e).ok_or_else(|| {
                        invalid(
                            "error",
                            format!(
                                "unknown probe error {e:?} (expected one of {})",
                                ProbeError::ALL.map(|e| e.as_str()).join(", ")
                            ),
                        )
                    })
                })
                .transpose()?;
            Ok(Signal::Probe(ProbeResult {
                at,
                service,
                check: raw.check.map(|c| short_text(c, "check")).transpose()?,
                vantage,
                ok,
                slow: raw.slow.unwrap_or(false),
                latency_ms,
                error,
            }))
        }
        "official" => {
            let source = short_text(required(raw.source, "source")?, "source")?;
            let status_text = required(raw.status, "status")?;
            let status = STATUSES
                .into_iter()
                .find(|s| s.as_str() == status_text.as_ref())
                .ok_or_else(|| {
                    invalid(
                        "status",
                        format!(
                            "unknown official status {status_text:?} (expected one of {})",
                            STATUSES.map(|s| s.as_str()).join(", ")
                        ),
                    )
                })?;
            let target = match (raw.component, raw.service) {
                (Some(_), Some(_)) => {
                    return Err(invalid(
                        "component",
                        "give either `component` or `service`, not both",
                    ))
                }
                (Some(c), None) => OfficialTarget::Component(short_text(c, "component")?),
                (None, Some(s)) => OfficialTarget::Service(service(Some(s))?),
                (None, None) => return Err(Problem::MissingField("component` or `service")),
            };
            Ok(Signal::Official(Official {
                at,
                source,
                target,
                status,
            }))
        }
        other => Err(Problem::UnknownType(other.to_string())),
    }
}

/// A JSON value of the wrong shape: name the field when serde says which.
fn invalid_from_serde(e: &serde_json::Error) -> Problem {
    let text = e.to_string();
    const FIELDS: [&str; 16] = [
        "at",
        "type",
        "service",
        "component",
        "source",
        "status",
        "kind",
        "reporter",
        "region",
        "count",
        "vantage",
        "check",
        "ok",
        "slow",
        "latency_ms",
        "error",
    ];
    // serde_json does not name the field of a type mismatch; the expected type narrows it.
    let field = if text.contains("expected a boolean") {
        "ok"
    } else if text.contains("u64") {
        "count"
    } else if text.contains("f64") {
        "latency_ms"
    } else {
        FIELDS
            .into_iter()
            .find(|f| text.contains(&format!("`{f}`")))
            .unwrap_or("(event)")
    };
    invalid(field, text)
}

/// RFC 3339. The common scenario form `YYYY-MM-DDTHH:MM:SS[.fff]Z` is parsed directly;
/// anything else (offsets, other precisions) goes through chrono.
pub(crate) fn parse_time(text: &str) -> Result<Timestamp, String> {
    if let Some(t) = parse_time_fast(text.as_bytes()) {
        return Ok(t);
    }
    Timestamp::parse_rfc3339(text).map_err(|e| e.to_string())
}

fn parse_time_fast(b: &[u8]) -> Option<Timestamp> {
    if b.len() < 20 || *b.last()? != b'Z' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let mut v = 0i64;
        for &c in b.get(range)? {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    };
    if b[4] != b'-' || b[7] != b'-' || (b[10] != b'T' && b[10] != b't') || b[13] != b':' {
        return None;
    }
    if b[16] != b':' {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let millis = match b.len() {
        20 => 0,
        n if n >= 22 && b[19] == b'.' => {
            let frac = &b[20..n - 1];
            if frac.len() > 9 || frac.iter().any(|c| !c.is_ascii_digit()) {
                return None;
            }
            let mut ms = 0i64;
            for i in 0..3 {
                ms = ms * 10 + frac.get(i).map_or(0, |c| i64::from(c - b'0'));
            }
            ms
        }
        _ => return None,
    };
    let month_days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&month)
        || day < 1
        || day > month_days[(month - 1) as usize]
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    if month == 2 && day == 29 && !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(Timestamp::from_millis(
        days * DAY_MS + (hour * 3600 + minute * 60 + second) * SECOND_MS + millis,
    ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_time_parser_agrees_with_chrono() {
        for t in [
            "2021-06-08T09:47:00Z",
            "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:59.999Z",
            "2024-12-31T12:00:00.5Z",
            "2021-06-08T09:47:00.123456789Z",
            "1969-07-20T20:17:40Z",
        ] {
            assert_eq!(
                parse_time_fast(t.as_bytes()),
                Some(Timestamp::parse_rfc3339(t).unwrap()),
                "{t}"
            );
        }
        for t in [
            "2021-02-29T00:00:00Z",
            "2021-06-08T24:00:00Z",
            "2021-06-08 09:47Z",
        ] {
            assert_eq!(parse_time_fast(t.as_bytes()), None, "{t}");
        }
        assert!(parse_time("2021-06-08T11:47:00+02:00").is_ok());
        assert!(parse_time("2021-02-29T00:00:00Z").is_err());
    }
}

//! Input bounds every backend enforces the same way, before touching storage, so a batch
//! with one bad record writes nothing and the error names the field.

use vigie_core::{DependencyOrigin, IncidentId, Scope};

use crate::error::{StoreError, StoreResult};
use crate::records::{
    EdgeObservation, IncidentRecord, NewReport, ProbeRecord, StateTransition, TimelineEntry,
    MAX_ID_BYTES, MAX_NOTE_CHARS, MAX_REGION_BYTES, MAX_REPORTER_BYTES, MAX_TEXT_BYTES,
};

/// Most evidence lines kept per dependency edge.
pub const MAX_EVIDENCE_LINES: usize = 64;
/// Most affected services listed on one incident.
pub const MAX_INCIDENT_SERVICES: usize = 10_000;

/// A non-empty identifier of at most [`MAX_ID_BYTES`] bytes without control characters.
pub fn id(field: &'static str, value: &str) -> StoreResult<()> {
    if value.is_empty() {
        return Err(StoreError::invalid(field, "must not be empty"));
    }
    if value.len() > MAX_ID_BYTES {
        return Err(StoreError::invalid(
            field,
            format!("{} bytes, at most {MAX_ID_BYTES} allowed", value.len()),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(StoreError::invalid(field, "contains a control character"));
    }
    Ok(())
}

/// Free text of at most [`MAX_TEXT_BYTES`] bytes.
pub fn text(field: &'static str, value: &str) -> StoreResult<()> {
    if value.len() > MAX_TEXT_BYTES {
        return Err(StoreError::invalid(
            field,
            format!("{} bytes, at most {MAX_TEXT_BYTES} allowed", value.len()),
        ));
    }
    Ok(())
}

/// A finite value in [0, 1].
pub fn unit_interval(field: &'static str, value: f64) -> StoreResult<()> {
    if !(0.0..=1.0).contains(&value) {
        return Err(StoreError::invalid(
            field,
            format!("{value} is not a number in [0, 1]"),
        ));
    }
    Ok(())
}

/// An id that fits a signed 64-bit column.
pub fn positive_i64(field: &'static str, value: u64) -> StoreResult<i64> {
    match i64::try_from(value) {
        Ok(v) if v >= 1 => Ok(v),
        _ => Err(StoreError::invalid(
            field,
            format!("{value} is outside 1..={}", i64::MAX),
        )),
    }
}

pub fn probe(r: &ProbeRecord) -> StoreResult<()> {
    id("probe.service", &r.service)?;
    id("probe.check", &r.check)?;
    id("probe.vantage", &r.vantage)?;
    if let Some(l) = r.latency_ms {
        if !l.is_finite() || l < 0.0 {
            return Err(StoreError::invalid(
                "probe.latency_ms",
                format!("{l} is not a finite, non-negative number"),
            ));
        }
    }
    if let Some(d) = &r.detail {
        text("probe.detail", d)?;
    }
    Ok(())
}

pub fn transition(t: &StateTransition) -> StoreResult<()> {
    id("transition.service", &t.service)?;
    text("transition.cause", &t.cause)
}

pub fn incident(i: &IncidentRecord) -> StoreResult<i64> {
    let key = positive_i64("incident.id", i.id)?;
    match i.scope {
        Scope::Service if i.service.is_none() => {
            return Err(StoreError::invalid(
                "incident.service",
                "required for a service incident",
            ))
        }
        Scope::Component if i.component.is_none() => {
            return Err(StoreError::invalid(
                "incident.component",
                "required for a component incident",
            ))
        }
        _ => {}
    }
    if let Some(s) = &i.service {
        id("incident.service", s)?;
    }
    if let Some(c) = &i.component {
        id("incident.component", c)?;
    }
    text("incident.title", &i.title)?;
    if let Some(c) = i.confidence {
        unit_interval("incident.confidence", c)?;
    }
    if i.services.len() > MAX_INCIDENT_SERVICES {
        return Err(StoreError::invalid(
            "incident.services",
            format!(
                "{} services, at most {MAX_INCIDENT_SERVICES} allowed",
                i.services.len()
            ),
        ));
    }
    for s in &i.services {
        id("incident.services", s)?;
    }
    if let Some(p) = i.parent {
        parent(p)?;
    }
    if let Some(e) = &i.explanation {
        text("incident.explanation", e)?;
    }
    Ok(key)
}

fn parent(p: IncidentId) -> StoreResult<()> {
    positive_i64("incident.parent", p).map(|_| ())
}

pub fn timeline(e: &TimelineEntry) -> StoreResult<()> {
    text("timeline.text", &e.text)
}

pub fn report(r: &NewReport) -> StoreResult<()> {
    id("report.service", &r.service)?;
    if let Some(region) = &r.region {
        if region.is_empty() || region.len() > MAX_REGION_BYTES {
            return Err(StoreError::invalid(
                "report.region",
                format!("{} bytes, expected 1..={MAX_REGION_BYTES}", region.len()),
            ));
        }
    }
    if let Some(note) = &r.note {
        let chars = note.chars().count();
        if chars > MAX_NOTE_CHARS {
            return Err(StoreError::invalid(
                "report.note",
                format!("{chars} characters, at most {MAX_NOTE_CHARS} allowed"),
            ));
        }
    }
    if r.reporter.is_empty() || r.reporter.len() > MAX_REPORTER_BYTES {
        return Err(StoreError::invalid(
            "report.reporter",
            format!(
                "{} bytes, expected 1..={MAX_REPORTER_BYTES}",
                r.reporter.len()
            ),
        ));
    }
    Ok(())
}

/// Validates a set of edge observations for one service: bounds, and no two edges with the
/// same (target, origin).
pub fn edges(service: &str, edges: &[EdgeObservation]) -> StoreResult<()> {
    id("dependency.service", service)?;
    let mut seen: Vec<(&str, DependencyOrigin)> = Vec::with_capacity(edges.len());
    for e in edges {
        id("dependency.target", &e.target)?;
        unit_interval("dependency.confidence", e.confidence)?;
        if e.evidence.len() > MAX_EVIDENCE_LINES {
            return Err(StoreError::invalid(
                "dependency.evidence",
                format!(
                    "{} lines, at most {MAX_EVIDENCE_LINES} allowed",
                    e.evidence.len()
                ),
            ));
        }
        for line in &e.evidence {
            text("dependency.evidence", line)?;
        }
        let key = (e.target.as_str(), e.origin);
        if seen.contains(&key) {
            return Err(StoreError::invalid(
                "dependency.target",
                format!(
                    "edge to {:?} with origin {} given twice",
                    e.target,
                    e.origin.as_str()
                ),
            ));
        }
        seen.push(key);
    }
    Ok(())
}

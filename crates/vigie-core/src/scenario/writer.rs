//! Writing scenarios: the header and one line per signal, in the form the reader accepts.

use std::io::Write;

use serde::Serialize;

use crate::scenario::ScenarioHeader;
use crate::signal::{OfficialTarget, Signal};
use crate::time::Timestamp;

#[derive(Serialize)]
struct EventLine<'a> {
    at: Timestamp,
    #[serde(rename = "type")]
    event_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    component: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reporter: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vantage: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    check: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ok: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    slow: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    latency_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
}

impl<'a> EventLine<'a> {
    fn new(at: Timestamp, event_type: &'static str) -> Self {
        EventLine {
            at,
            event_type,
            service: None,
            component: None,
            source: None,
            status: None,
            count: None,
            kind: None,
            reporter: None,
            region: None,
            vantage: None,
            check: None,
            ok: None,
            slow: None,
            latency_ms: None,
            error: None,
        }
    }
}

/// One scenario event line (no trailing newline).
pub fn signal_line(signal: &Signal) -> String {
    let line = match signal {
        Signal::Report(r) => EventLine {
            service: Some(&r.service),
            kind: r.kind.map(|k| k.as_str()),
            reporter: r.reporter.as_deref(),
            region: r.region.as_deref(),
            ..EventLine::new(r.at, "report")
        },
        Signal::Reports(r) => EventLine {
            service: Some(&r.service),
            count: Some(r.count),
            kind: r.kind.map(|k| k.as_str()),
            region: r.region.as_deref(),
            ..EventLine::new(r.at, "reports")
        },
        Signal::Probe(p) => EventLine {
            service: Some(&p.service),
            vantage: Some(&p.vantage),
            check: p.check.as_deref(),
            ok: Some(p.ok),
            slow: p.slow.then_some(true),
            latency_ms: p.latency_ms.filter(|l| l.is_finite()),
            error: p.error.map(|e| e.as_str()),
            ..EventLine::new(p.at, "probe")
        },
        Signal::Official(o) => {
            let (service, component) = match &o.target {
                OfficialTarget::Service(s) => (Some(s.as_str()), None),
                OfficialTarget::Component(c) => (None, Some(c.as_str())),
            };
            EventLine {
                source: Some(&o.source),
                status: Some(o.status.as_str()),
                service,
                component,
                ..EventLine::new(o.at, "official")
            }
        }
    };
    // Plain strings, numbers and booleans: serialization cannot fail.
    serde_json::to_string(&line).unwrap_or_default()
}

/// The header line (no trailing newline). Dependencies of confidence 1 are bare ids.
pub fn header_line(header: &ScenarioHeader) -> String {
    let components: Vec<serde_json::Value> = header
        .topology
        .components
        .iter()
        .map(|c| {
            let mut v = serde_json::json!({"id": c.id, "kind": c.kind.as_str()});
            if let Some(name) = &c.name {
                v["name"] = serde_json::Value::from(name.as_str());
            }
            v
        })
        .collect();
    let services: Vec<serde_json::Value> = header
        .topology
        .services
        .iter()
        .map(|s| {
            let deps: Vec<serde_json::Value> = s
                .depends_on
                .iter()
                .map(|d| {
                    if d.confidence >= 1.0 {
                        serde_json::Value::from(d.target.as_str())
                    } else {
                        serde_json::json!({"id": d.target, "confidence": d.confidence})
                    }
                })
                .collect();
            serde_json::json!({"id": s.id, "name": s.name, "depends_on": deps})
        })
        .collect();
    let mut v = serde_json::json!({
        "vigie_scenario": 1,
        "name": header.name,
        "components": components,
        "services": services,
    });
    if let Some(start) = header.start {
        v["start"] = serde_json::Value::from(start.to_rfc3339());
    }
    if let Some(end) = header.end {
        v["end"] = serde_json::Value::from(end.to_rfc3339());
    }
    v.to_string()
}

/// Writes a scenario: the header when created, then one line per signal.
pub struct ScenarioWriter<W: Write> {
    out: W,
}

impl<W: Write> ScenarioWriter<W> {
    pub fn new(mut out: W, header: &ScenarioHeader) -> std::io::Result<Self> {
        out.write_all(header_line(header).as_bytes())?;
        out.write_all(b"\n")?;
        Ok(ScenarioWriter { out })
    }

    pub fn write(&mut self, signal: &Signal) -> std::io::Result<()> {
        self.out.write_all(signal_line(signal).as_bytes())?;
        self.out.write_all(b"\n")
    }

    /// Flushes and hands back the underlying writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

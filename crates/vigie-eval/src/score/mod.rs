//! Scoring replay output against truth: a port of `shared/tools/eval_replay.py`, metric for
//! metric (docs/evaluation.md defines them; a test checks agreement with the Python tool).

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use vigie_core::time::MINUTE_MS;
use vigie_core::Timestamp;

use crate::truth::Truth;

/// What the scorer needs from a scenario header.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioFacts {
    pub start: Timestamp,
    pub end: Timestamp,
    pub services: Vec<String>,
}

/// The raw tallies of one scenario; they add up across scenarios.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Tally {
    pub affected_total: u64,
    pub affected_detected: u64,
    /// Seconds from incident start to each detected service's first impaired state.
    pub service_latencies: Vec<f64>,
    /// Per incident with a detection: seconds to the first affected service detected.
    pub first_latencies: Vec<f64>,
    pub component_incidents: u64,
    pub attr_exact: u64,
    pub attr_general: u64,
    /// Seconds from start to the exact naming of the cause.
    pub attr_latencies: Vec<f64>,
    pub false_service_alarms: u64,
    pub service_days: f64,
    pub false_component_incidents: u64,
    pub bad_output_lines: u64,
    pub output_lines: u64,
    /// What each error was, for a person looking into the numbers (`vigie eval scenarios
    /// --misses`): the incidents not named exactly and the false alarms, in scoring order.
    pub findings: Vec<Finding>,
}

/// One error of a replay against its truth.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    /// A component incident whose cause was not named exactly within its window.
    MissedCause {
        cause: String,
        mode: Option<String>,
        start: Timestamp,
        /// Services the failure really hit, and how many of them were detected in time.
        affected: usize,
        detected: usize,
        /// Components named (opened or taken over) within the incident's window, sorted.
        named: Vec<String>,
    },
    /// A component incident naming a component unrelated to every truth incident then active.
    FalseComponent { component: String, at: Timestamp },
    /// A service turning impaired outside every truth incident that affects it.
    FalseServiceAlarm { service: String, at: Timestamp },
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::MissedCause {
                cause,
                mode,
                start,
                affected,
                detected,
                named,
            } => {
                write!(
                    f,
                    "missed cause {cause} ({}) at {start}: {detected} of {affected} hit services detected; named: ",
                    mode.as_deref().unwrap_or("mode unknown")
                )?;
                if named.is_empty() {
                    write!(f, "nothing")
                } else {
                    write!(f, "{}", named.join(", "))
                }
            }
            Finding::FalseComponent { component, at } => {
                write!(f, "false component incident {component} at {at}")
            }
            Finding::FalseServiceAlarm { service, at } => {
                write!(f, "false service alarm {service} at {at}")
            }
        }
    }
}

/// The summary the Python tool prints.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metrics {
    pub recall: Option<f64>,
    pub svc_p50_s: Option<f64>,
    pub first_p50_s: Option<f64>,
    pub attr: String,
    pub attr_exact: u64,
    pub attr_total: u64,
    pub attr_general: u64,
    pub attr_p50_s: Option<f64>,
    pub false_svc: u64,
    pub false_svc_per_svc_day: Option<f64>,
    pub false_comp: u64,
    pub bad_output_lines: u64,
    pub output_lines: u64,
}

fn related(a: &str, b: &str) -> bool {
    a == b
        || a.strip_prefix(b).is_some_and(|r| r.starts_with('/'))
        || b.strip_prefix(a).is_some_and(|r| r.starts_with('/'))
}

fn impaired(state: Option<&str>) -> bool {
    matches!(state, Some("degraded") | Some("major_outage"))
}

/// Scores output lines (JSON objects as `vigie replay` prints them).
pub fn score<'a>(
    facts: &ScenarioFacts,
    truth: &Truth,
    lines: impl IntoIterator<Item = &'a str>,
) -> Tally {
    let mut tally = Tally::default();
    let mut out: Vec<(serde_json::Map<String, serde_json::Value>, Timestamp)> = Vec::new();
    for line in lines {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parsed = serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .and_then(|v| match v {
                serde_json::Value::Object(m) => {
                    let t = m
                        .get("at")
                        .and_then(|a| a.as_str())
                        .and_then(|a| Timestamp::parse_rfc3339(a).ok())?;
                    Some((m, t))
                }
                _ => None,
            });
        match parsed {
            Some(x) => out.push(x),
            None => tally.bad_output_lines += 1,
        }
    }
    tally.output_lines = out.len() as u64;
    let s = |m: &serde_json::Map<String, serde_json::Value>, k: &str| {
        m.get(k).and_then(|v| v.as_str()).map(str::to_string)
    };

    let mut impaired_times: HashMap<String, Vec<Timestamp>> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for (o, t) in &out {
        if s(o, "type").as_deref() == Some("service_state")
            && impaired(s(o, "state").as_deref())
            && !impaired(s(o, "previous").as_deref())
        {
            if let Some(svc) = s(o, "service") {
                if !impaired_times.contains_key(&svc) {
                    order.push(svc.clone());
                }
                impaired_times.entry(svc).or_default().push(*t);
            }
        }
    }

    // Component namings: (time, component, incident).
    let mut comp_names: Vec<(Timestamp, String, Option<serde_json::Value>)> = Vec::new();
    let mut inc_comp: HashMap<String, Option<String>> = HashMap::new();
    for (o, t) in &out {
        let ty = s(o, "type");
        if !matches!(
            ty.as_deref(),
            Some("incident_opened") | Some("incident_updated")
        ) {
            continue;
        }
        let inc = o.get("incident").cloned();
        let key = inc
            .as_ref()
            .map(|v| v.to_string())
            .unwrap_or_else(|| "null".into());
        let scope_component = s(o, "scope").as_deref() == Some("component");
        let known = inc_comp.contains_key(&key) && o.contains_key("component");
        if scope_component || known {
            let comp = s(o, "component");
            let previous = inc_comp.get(&key).cloned().flatten();
            inc_comp.insert(key, comp.clone().or(previous));
            // The Python tool indexes o["component"]; an opening without one names nothing.
            if let Some(c) = comp {
                comp_names.push((*t, c, inc));
            }
        }
    }

    let min = |m: i64| m * MINUTE_MS;
    let active = |t: Timestamp| {
        truth
            .incidents
            .iter()
            .filter(move |i| i.start.plus_millis(-min(5)) <= t && t <= i.end.plus_millis(min(45)))
    };

    // When an affected service was first detected within its incident's window.
    let first_detection = |i: &crate::truth::TruthIncident, x: &str| {
        impaired_times.get(x).and_then(|v| {
            v.iter()
                .copied()
                .filter(|&t| i.start.plus_millis(-min(2)) <= t && t <= i.end.plus_millis(min(10)))
                .min()
        })
    };
    for i in &truth.incidents {
        let mut firsts = Vec::new();
        for x in &i.affected {
            tally.affected_total += 1;
            if let Some(first) = first_detection(i, x) {
                tally.affected_detected += 1;
                let d = (first.millis_since(i.start) as f64 / 1000.0).max(0.0);
                tally.service_latencies.push(d);
                firsts.push(d);
            }
        }
        if let Some(m) = firsts.iter().copied().reduce(f64::min) {
            tally.first_latencies.push(m);
        }
    }

    let service_ids: HashSet<&str> = facts.services.iter().map(String::as_str).collect();
    for i in truth
        .incidents
        .iter()
        .filter(|i| i.cause.contains('/') || !service_ids.contains(i.cause.as_str()))
    {
        tally.component_incidents += 1;
        let window: Vec<&(Timestamp, String, Option<serde_json::Value>)> = comp_names
            .iter()
            .filter(|(t, _, _)| {
                i.start.plus_millis(-min(2)) <= *t && *t <= i.end.plus_millis(min(15))
            })
            .collect();
        let exact: Vec<Timestamp> = window
            .iter()
            .filter(|(_, c, _)| *c == i.cause)
            .map(|(t, _, _)| *t)
            .collect();
        if let Some(first) = exact.iter().min() {
            tally.attr_exact += 1;
            tally
                .attr_latencies
                .push((first.millis_since(i.start) as f64 / 1000.0).max(0.0));
        } else if window.iter().any(|(_, c, _)| related(c, &i.cause)) {
            tally.attr_general += 1;
        }
        if exact.is_empty() {
            let mut named: Vec<String> = window.iter().map(|(_, c, _)| c.clone()).collect();
            named.sort();
            named.dedup();
            tally.findings.push(Finding::MissedCause {
                cause: i.cause.clone(),
                mode: i.mode.clone(),
                start: i.start,
                affected: i.affected.len(),
                detected: i
                    .affected
                    .iter()
                    .filter(|x| first_detection(i, x).is_some())
                    .count(),
                named,
            });
        }
    }

    for x in &order {
        for &t in &impaired_times[x] {
            if !active(t).any(|i| i.affected.iter().any(|a| a == x)) {
                tally.false_service_alarms += 1;
                tally.findings.push(Finding::FalseServiceAlarm {
                    service: x.clone(),
                    at: t,
                });
            }
        }
    }
    let mut seen: HashSet<(String, String)> = HashSet::new();
    for (t, c, inc) in &comp_names {
        let key = (
            inc.as_ref().map(|v| v.to_string()).unwrap_or_default(),
            c.clone(),
        );
        if !seen.insert(key) {
            continue;
        }
        if !active(*t).any(|i| related(c, &i.cause)) {
            tally.false_component_incidents += 1;
            tally.findings.push(Finding::FalseComponent {
                component: c.clone(),
                at: *t,
            });
        }
    }
    let span_days = facts.end.millis_since(facts.start) as f64 / 86_400_000.0;
    tally.service_days = facts.services.len() as f64 * span_days;
    tally
}

/// Python's `statistics.median`, rounded to 0.1 like the tool.
pub fn p50(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let m = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    Some(round(m, 1))
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

impl Tally {
    /// Adds another scenario's tallies (for aggregate metrics).
    pub fn add(&mut self, other: &Tally) {
        self.affected_total += other.affected_total;
        self.affected_detected += other.affected_detected;
        self.service_latencies
            .extend_from_slice(&other.service_latencies);
        self.first_latencies
            .extend_from_slice(&other.first_latencies);
        self.component_incidents += other.component_incidents;
        self.attr_exact += other.attr_exact;
        self.attr_general += other.attr_general;
        self.attr_latencies.extend_from_slice(&other.attr_latencies);
        self.false_service_alarms += other.false_service_alarms;
        self.service_days += other.service_days;
        self.false_component_incidents += other.false_component_incidents;
        self.bad_output_lines += other.bad_output_lines;
        self.output_lines += other.output_lines;
        self.findings.extend_from_slice(&other.findings);
    }

    pub fn metrics(&self) -> Metrics {
        Metrics {
            recall: (self.affected_total > 0).then(|| {
                round(
                    self.affected_detected as f64 / self.affected_total as f64,
                    3,
                )
            }),
            svc_p50_s: p50(&self.service_latencies),
            first_p50_s: p50(&self.first_latencies),
            attr: format!("{}/{}", self.attr_exact, self.component_incidents),
            attr_exact: self.attr_exact,
            attr_total: self.component_incidents,
            attr_general: self.attr_general,
            attr_p50_s: p50(&self.attr_latencies),
            false_svc: self.false_service_alarms,
            false_svc_per_svc_day: (self.service_days > 0.0)
                .then(|| round(self.false_service_alarms as f64 / self.service_days, 4)),
            false_comp: self.false_component_incidents,
            bad_output_lines: self.bad_output_lines,
            output_lines: self.output_lines,
        }
    }
}

impl Metrics {
    /// One line, in the Python tool's `key=value` form.
    pub fn summary_line(&self) -> String {
        let o = |v: Option<f64>| v.map_or("None".to_string(), |x| format!("{x}"));
        format!(
            "recall={} svc_p50_s={} first_p50_s={} attr={} attr_general={} attr_p50_s={} false_svc={} false_svc_per_svc_day={} false_comp={} bad_output_lines={} output_lines={}",
            o(self.recall),
            o(self.svc_p50_s),
            o(self.first_p50_s),
            self.attr,
            self.attr_general,
            o(self.attr_p50_s),
            self.false_svc,
            o(self.false_svc_per_svc_day),
            self.false_comp,
            self.bad_output_lines,
            self.output_lines
        )
    }
}

#[cfg(test)]
mod tests;

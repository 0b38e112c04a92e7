//! The header line: the scenario's name, its time span and its topology.

use std::collections::HashSet;

use serde::Deserialize;

use crate::model::{
    component_ancestors, ComponentKind, ComponentSpec, Dependency, DependencyOrigin, ServiceSpec,
    Topology,
};
use crate::scenario::Problem;
use crate::time::Timestamp;

/// Line 1 of a scenario, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioHeader {
    pub name: String,
    /// The start of the recorded stretch, when the header gives one.
    pub start: Option<Timestamp>,
    /// The end of the recorded stretch, when the header gives one; replay ticks up to it.
    pub end: Option<Timestamp>,
    /// Services in header order, then components: the listed ones in order, followed by
    /// the parents and dependency targets that the header only implies.
    pub topology: Topology,
}

#[derive(Deserialize)]
struct RawHeader {
    vigie_scenario: Option<serde_json::Value>,
    name: Option<String>,
    start: Option<String>,
    end: Option<String>,
    #[serde(default)]
    components: Vec<RawComponent>,
    #[serde(default)]
    services: Vec<RawService>,
}

#[derive(Deserialize)]
struct RawComponent {
    id: String,
    kind: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawService {
    id: String,
    name: Option<String>,
    #[serde(default)]
    depends_on: Vec<RawDependency>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawDependency {
    Bare(String),
    Weighted { id: String, confidence: Option<f64> },
}

fn invalid(field: &'static str, reason: impl Into<String>) -> Problem {
    Problem::InvalidField {
        field,
        reason: reason.into(),
    }
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && !id.starts_with('/')
        && !id.ends_with('/')
        && !id.contains("//")
        && !id.chars().any(|c| c.is_control() || c.is_whitespace())
}

fn parse_time(field: &'static str, text: Option<String>) -> Result<Option<Timestamp>, Problem> {
    text.map(|t| Timestamp::parse_rfc3339(&t).map_err(|e| invalid(field, e.to_string())))
        .transpose()
}

impl ScenarioHeader {
    /// Parses and validates the header line.
    pub fn parse(text: &str) -> Result<ScenarioHeader, Problem> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| Problem::BadJson(e.to_string()))?;
        let version = value.get("vigie_scenario").cloned();
        match version {
            None => {
                return Err(Problem::BadHeader(
                    "missing `vigie_scenario` (expected {\"vigie_scenario\": 1, ...})".into(),
                ))
            }
            Some(v) if v.as_u64() == Some(1) => {}
            Some(v) => {
                return Err(Problem::BadHeader(format!(
                    "unsupported `vigie_scenario` version {v} (this reader knows version 1)"
                )))
            }
        }
        let raw: RawHeader =
            serde_json::from_value(value).map_err(|e| Problem::BadHeader(e.to_string()))?;
        debug_assert!(raw.vigie_scenario.is_some());
        let start = parse_time("start", raw.start)?;
        let end = parse_time("end", raw.end)?;
        if let (Some(s), Some(e)) = (start, end) {
            if e < s {
                return Err(invalid("end", format!("{e} is before start {s}")));
            }
        }

        let mut component_ids: HashSet<String> = HashSet::new();
        let mut components = Vec::with_capacity(raw.components.len());
        for c in raw.components {
            if !valid_id(&c.id) {
                return Err(invalid(
                    "components",
                    format!("bad component id {:?}", c.id),
                ));
            }
            if !component_ids.insert(c.id.clone()) {
                return Err(invalid(
                    "components",
                    format!("component {:?} is listed twice", c.id),
                ));
            }
            let kind = match c.kind.as_deref() {
                None => ComponentKind::Other,
                Some(k) => ComponentKind::ALL
                    .into_iter()
                    .find(|x| x.as_str() == k)
                    .ok_or_else(|| {
                        invalid(
                            "components",
                            format!(
                                "component {:?}: unknown kind {k:?} (expected one of {})",
                                c.id,
                                ComponentKind::ALL.map(|k| k.as_str()).join(", ")
                            ),
                        )
                    })?,
            };
            components.push(ComponentSpec {
                id: c.id,
                kind,
                name: c.name,
            });
        }

        let mut service_ids: HashSet<String> = HashSet::new();
        for s in &raw.services {
            if !valid_id(&s.id) {
                return Err(invalid("services", format!("bad service id {:?}", s.id)));
            }
            if !service_ids.insert(s.id.clone()) {
                return Err(invalid(
                    "services",
                    format!("service {:?} is listed twice", s.id),
                ));
            }
            if component_ids.contains(&s.id) {
                return Err(invalid(
                    "services",
                    format!("{:?} is both a service and a component", s.id),
                ));
            }
        }

        let mut services = Vec::with_capacity(raw.services.len());
        for s in raw.services {
            let mut depends_on = Vec::with_capacity(s.depends_on.len());
            for d in s.depends_on {
                let (target, confidence) = match d {
                    RawDependency::Bare(id) => (id, 1.0),
                    RawDependency::Weighted { id, confidence } => (id, confidence.unwrap_or(1.0)),
                };
                if !(0.0..=1.0).contains(&confidence) {
                    return Err(invalid(
                        "depends_on",
                        format!(
                            "service {:?}: confidence {confidence} for {target:?} is not in 0..1",
                            s.id
                        ),
                    ));
                }
                if !valid_id(&target) {
                    return Err(invalid(
                        "depends_on",
                        format!("service {:?}: bad dependency id {target:?}", s.id),
                    ));
                }
                if target == s.id {
                    return Err(invalid(
                        "depends_on",
                        format!("service {:?} depends on itself", s.id),
                    ));
                }
                // A target that is neither a service nor a listed component is a component
                // the header implies.
                if !service_ids.contains(&target) && component_ids.insert(target.clone()) {
                    components.push(ComponentSpec {
                        id: target.clone(),
                        kind: ComponentKind::Other,
                        name: None,
                    });
                }
                depends_on.push(Dependency {
                    target,
                    confidence,
                    origin: DependencyOrigin::Declared,
                });
            }
            services.push(ServiceSpec {
                name: s.name.unwrap_or_else(|| s.id.clone()),
                id: s.id,
                depends_on,
            });
        }

        // Parents implied by hierarchical ids (`aws/us-east-1` implies `aws`).
        let mut implied = Vec::new();
        for c in &components {
            for ancestor in component_ancestors(&c.id).skip(1) {
                if service_ids.contains(ancestor) {
                    return Err(invalid(
                        "components",
                        format!("component {:?} has a service as parent", c.id),
                    ));
                }
                if component_ids.insert(ancestor.to_string()) {
                    implied.push(ComponentSpec {
                        id: ancestor.to_string(),
                        kind: ComponentKind::Other,
                        name: None,
                    });
                }
            }
        }
        components.extend(implied);

        Ok(ScenarioHeader {
            name: raw.name.unwrap_or_default(),
            start,
            end,
            topology: Topology {
                services,
                components,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_header() {
        let h = ScenarioHeader::parse(
            r#"{"vigie_scenario": 1, "name": "x", "start": "2021-06-01T00:00:00Z",
               "end": "2021-06-08T14:00:00Z", "extra": {"ignored": true},
               "components": [{"id": "fastly", "kind": "cdn", "name": "Fastly"},
                              {"id": "aws/us-east-1/dynamodb", "kind": "managed-service"}],
               "services": [{"id": "reddit", "name": "Reddit", "depends_on": ["fastly", {"id": "aws/us-east-1", "confidence": 0.6}]},
                            {"id": "shop", "depends_on": ["reddit"]}]}"#,
        )
        .unwrap();
        assert_eq!(h.name, "x");
        assert_eq!(h.topology.services.len(), 2);
        assert_eq!(h.topology.services[1].name, "shop");
        assert_eq!(h.topology.services[0].depends_on[1].confidence, 0.6);
        let ids: Vec<_> = h
            .topology
            .components
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(
            ids,
            ["fastly", "aws/us-east-1/dynamodb", "aws/us-east-1", "aws"]
        );
    }

    #[test]
    fn rejects_bad_headers() {
        assert!(matches!(
            ScenarioHeader::parse(r#"{"name": "x"}"#),
            Err(Problem::BadHeader(_))
        ));
        assert!(matches!(
            ScenarioHeader::parse(r#"{"vigie_scenario": 2}"#),
            Err(Problem::BadHeader(_))
        ));
        let e = ScenarioHeader::parse(
            r#"{"vigie_scenario": 1, "components": [{"id": "x", "kind": "database"}]}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("database"), "{e}");
        let e = ScenarioHeader::parse(
            r#"{"vigie_scenario": 1, "services": [{"id": "a"}, {"id": "a"}]}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("twice"), "{e}");
        let e = ScenarioHeader::parse(
            r#"{"vigie_scenario": 1, "services": [{"id": "a", "depends_on": [{"id": "b", "confidence": 2}]}]}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("confidence"), "{e}");
    }
}

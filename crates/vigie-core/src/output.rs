//! The engine's conclusions. Serialized exactly as the replay output of SCENARIO.md (one
//! JSON object per line, `type` first); fields may be added, never renamed or dropped.

use serde::{Deserialize, Serialize};

use crate::model::State;
use crate::time::Timestamp;

/// Incident identifiers are numbers allocated by the engine, unique within one store.
pub type IncidentId = u64;

/// Allocates incident ids; shared by service and component incidents so ids never collide.
/// `vigie serve` starts it after the largest id in its store.
#[derive(Clone, Debug)]
pub struct IncidentIds {
    next: IncidentId,
}

impl IncidentIds {
    pub fn starting_at(first: IncidentId) -> Self {
        IncidentIds { next: first.max(1) }
    }

    pub fn allocate(&mut self) -> IncidentId {
        let id = self.next;
        self.next += 1;
        id
    }
}

impl Default for IncidentIds {
    fn default() -> Self {
        IncidentIds::starting_at(1)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Service,
    Component,
}

/// One conclusion of the engine, at the simulated time it was reached.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Output {
    /// A service's state changed.
    ServiceState {
        at: Timestamp,
        service: String,
        state: State,
        previous: State,
        /// Why, in words a person can check ("3 of 3 vantages failing: http_status").
        #[serde(default, skip_serializing_if = "String::is_empty")]
        cause: String,
    },
    IncidentOpened {
        at: Timestamp,
        incident: IncidentId,
        scope: Scope,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        service: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        component: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        confidence: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        services: Option<Vec<String>>,
        /// For service incidents explained by a component incident.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent: Option<IncidentId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        explanation: Option<String>,
    },
    IncidentUpdated {
        at: Timestamp,
        incident: IncidentId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        component: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        confidence: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        services: Option<Vec<String>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parent: Option<IncidentId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        explanation: Option<String>,
    },
    IncidentResolved {
        at: Timestamp,
        incident: IncidentId,
    },
}

impl Output {
    pub fn at(&self) -> Timestamp {
        match self {
            Output::ServiceState { at, .. }
            | Output::IncidentOpened { at, .. }
            | Output::IncidentUpdated { at, .. }
            | Output::IncidentResolved { at, .. } => *at,
        }
    }

    /// One line of replay output (no trailing newline).
    pub fn to_json_line(&self) -> String {
        // Serializing these plain structs cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_state_line_matches_scenario_format() {
        let o = Output::ServiceState {
            at: Timestamp::parse_rfc3339("2021-06-08T09:48:00Z").unwrap(),
            service: "reddit".into(),
            state: State::MajorOutage,
            previous: State::Operational,
            cause: String::new(),
        };
        assert_eq!(
            o.to_json_line(),
            r#"{"type":"service_state","at":"2021-06-08T09:48:00Z","service":"reddit","state":"major_outage","previous":"operational"}"#
        );
    }

    #[test]
    fn component_incident_line() {
        let o = Output::IncidentOpened {
            at: Timestamp::parse_rfc3339("2021-06-08T09:49:00Z").unwrap(),
            incident: 7,
            scope: Scope::Component,
            service: None,
            component: Some("fastly".into()),
            confidence: Some(0.97),
            services: Some(vec!["reddit".into(), "twitch".into()]),
            parent: None,
            explanation: None,
        };
        let v: serde_json::Value = serde_json::from_str(&o.to_json_line()).unwrap();
        assert_eq!(v["type"], "incident_opened");
        assert_eq!(v["scope"], "component");
        assert_eq!(v["component"], "fastly");
        assert_eq!(v["services"][1], "twitch");
        assert!(v.get("service").is_none());
    }
}

//! The Atlassian Statuspage v2 public API shape (`/api/v2/summary.json`,
//! `/api/v2/components.json`, `/api/v2/incidents.json`), so status aggregators and widgets
//! that read Statuspage pages can read vigie.
//!
//! Mapping: each watched service is a Statuspage component; each vigie incident is a
//! Statuspage incident whose updates come from its timeline. States map as
//! operational → `operational`, degraded → `degraded_performance`, major outage →
//! `major_outage`. Statuspage has no "unknown"; a service vigie has no data about is
//! reported as `operational` with the description "no data yet" (documented in
//! docs/pages.md), because aggregators treat any other value as an outage.
//! Field names and nullability follow real responses (fixtures in `testdata/`).

use serde::Serialize;
use vigie_core::{Scope, State, Timestamp};

use super::view::{IncidentSummary, ServiceRow, TimelineEntry, TimelineKind};

/// The page id vigie uses in `page_id` fields.
pub const PAGE_ID: &str = "vigie";

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Page {
    pub id: String,
    pub name: String,
    pub url: String,
    pub time_zone: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Status {
    pub indicator: &'static str,
    pub description: &'static str,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Component {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub created_at: String,
    pub updated_at: String,
    pub position: usize,
    pub description: Option<String>,
    pub showcase: bool,
    pub start_date: Option<String>,
    pub group_id: Option<String>,
    pub page_id: &'static str,
    pub group: bool,
    pub only_show_if_degraded: bool,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct AffectedComponent {
    pub code: String,
    pub name: String,
    pub old_status: &'static str,
    pub new_status: &'static str,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct IncidentUpdate {
    pub id: String,
    pub status: &'static str,
    pub body: String,
    pub incident_id: String,
    pub created_at: String,
    pub updated_at: String,
    pub display_at: String,
    pub affected_components: Option<Vec<AffectedComponent>>,
    pub deliver_notifications: bool,
    pub custom_tweet: Option<String>,
    pub tweet_id: Option<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Incident {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub created_at: String,
    pub updated_at: String,
    pub monitoring_at: Option<String>,
    pub resolved_at: Option<String>,
    pub impact: &'static str,
    pub shortlink: String,
    pub started_at: String,
    pub page_id: &'static str,
    pub incident_updates: Vec<IncidentUpdate>,
    pub components: Vec<Component>,
    pub reminder_intervals: Option<String>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Summary {
    pub page: Page,
    pub status: Status,
    pub components: Vec<Component>,
    pub incidents: Vec<Incident>,
    pub scheduled_maintenances: Vec<serde_json::Value>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Components {
    pub page: Page,
    pub components: Vec<Component>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Incidents {
    pub page: Page,
    pub incidents: Vec<Incident>,
}

/// What the three documents are built from.
#[derive(Clone, Debug)]
pub struct Input<'a> {
    pub page_name: &'a str,
    /// Absolute origin, no trailing slash.
    pub base_url: &'a str,
    pub now: Timestamp,
    pub services: &'a [ServiceRow],
    /// Incidents with their timelines (oldest entry first), newest incident first.
    pub incidents: &'a [(IncidentSummary, Vec<TimelineEntry>)],
}

/// Statuspage timestamps carry milliseconds (`2024-09-16T21:31:02.719Z`).
fn ts(t: Timestamp) -> String {
    let s = t.to_rfc3339();
    if s.contains('.') || !s.ends_with('Z') {
        s
    } else {
        format!("{}.000Z", &s[..s.len() - 1])
    }
}

/// A service state as a Statuspage component status.
pub fn component_status(state: State) -> &'static str {
    match state {
        State::Operational | State::Unknown => "operational",
        State::Degraded => "degraded_performance",
        State::MajorOutage => "major_outage",
    }
}

/// The page-level indicator and description, as Statuspage words them.
pub fn page_status(services: &[ServiceRow], open_component_incident: bool) -> Status {
    let outages = services
        .iter()
        .filter(|s| s.state == State::MajorOutage)
        .count();
    let degraded = services
        .iter()
        .filter(|s| s.state == State::Degraded)
        .count();
    if open_component_incident || (outages > 0 && outages * 2 >= services.len()) {
        Status {
            indicator: "critical",
            description: "Major System Outage",
        }
    } else if outages > 0 {
        Status {
            indicator: "major",
            description: "Partial System Outage",
        }
    } else if degraded > 0 {
        Status {
            indicator: "minor",
            description: "Minor Service Outage",
        }
    } else {
        Status {
            indicator: "none",
            description: "All Systems Operational",
        }
    }
}

fn page(input: &Input<'_>) -> Page {
    let updated = input
        .services
        .iter()
        .filter_map(|s| s.since)
        .chain(input.incidents.iter().flat_map(|(i, tl)| {
            std::iter::once(i.opened_at)
                .chain(i.resolved_at)
                .chain(tl.iter().map(|e| e.at))
        }))
        .max()
        .unwrap_or(input.now);
    Page {
        id: PAGE_ID.to_string(),
        name: input.page_name.to_string(),
        url: input.base_url.to_string(),
        time_zone: "Etc/UTC".to_string(),
        updated_at: ts(updated),
    }
}

fn component(row: &ServiceRow, position: usize, now: Timestamp) -> Component {
    let since = ts(row.since.unwrap_or(now));
    Component {
        id: row.id.clone(),
        name: row.name.clone(),
        status: component_status(row.state),
        created_at: since.clone(),
        updated_at: since,
        position,
        description: (row.state == State::Unknown).then(|| "no data yet".to_string()),
        showcase: true,
        start_date: None,
        group_id: None,
        page_id: PAGE_ID,
        group: false,
        only_show_if_degraded: false,
    }
}

fn components(input: &Input<'_>) -> Vec<Component> {
    let mut rows: Vec<&ServiceRow> = input.services.iter().collect();
    rows.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then_with(|| a.id.cmp(&b.id))
    });
    rows.into_iter()
        .enumerate()
        .map(|(i, r)| component(r, i + 1, input.now))
        .collect()
}

fn impact(inc: &IncidentSummary) -> &'static str {
    match (inc.scope, inc.severity) {
        (Scope::Component, _) => "critical",
        (_, State::MajorOutage) => "major",
        (_, State::Degraded) => "minor",
        _ => "none",
    }
}

fn update_status(inc: &IncidentSummary, kind: TimelineKind) -> &'static str {
    match kind {
        TimelineKind::Resolved => "resolved",
        // vigie names a probable cause from the start of a component incident.
        _ if inc.scope == Scope::Component => "identified",
        _ => "investigating",
    }
}

fn incident(inc: &IncidentSummary, timeline: &[TimelineEntry], input: &Input<'_>) -> Incident {
    let id = inc.id.to_string();
    let by_id: std::collections::HashMap<&str, &ServiceRow> =
        input.services.iter().map(|s| (s.id.as_str(), s)).collect();
    let affected_ids: Vec<&str> = if inc.scope == Scope::Component {
        inc.services.iter().map(|(id, _)| id.as_str()).collect()
    } else {
        vec![inc.subject.as_str()]
    };
    let impaired = component_status(if inc.severity.is_impaired() {
        inc.severity
    } else {
        State::MajorOutage
    });
    let affected = |resolved: bool| -> Vec<AffectedComponent> {
        affected_ids
            .iter()
            .map(|sid| AffectedComponent {
                code: sid.to_string(),
                name: by_id
                    .get(sid)
                    .map(|s| s.name.clone())
                    .unwrap_or_else(|| sid.to_string()),
                old_status: if resolved { impaired } else { "operational" },
                new_status: if resolved { "operational" } else { impaired },
            })
            .collect()
    };
    let mut updates: Vec<IncidentUpdate> = timeline
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            matches!(
                e.kind,
                TimelineKind::Detected | TimelineKind::Updated | TimelineKind::Resolved
            )
        })
        .map(|(n, e)| {
            let at = ts(e.at);
            let body = if e.text.is_empty() {
                match e.kind {
                    TimelineKind::Resolved => "This incident has been resolved.".to_string(),
                    _ => inc
                        .explanation
                        .clone()
                        .unwrap_or_else(|| "vigie detected a problem.".to_string()),
                }
            } else {
                e.text.clone()
            };
            IncidentUpdate {
                id: format!("{id}-{n}"),
                status: update_status(inc, e.kind),
                body,
                incident_id: id.clone(),
                created_at: at.clone(),
                updated_at: at.clone(),
                display_at: at,
                affected_components: Some(affected(e.kind == TimelineKind::Resolved)),
                deliver_notifications: true,
                custom_tweet: None,
                tweet_id: None,
            }
        })
        .collect();
    updates.reverse(); // Statuspage lists the newest update first.
    let updated_at = timeline
        .iter()
        .map(|e| e.at)
        .chain(inc.resolved_at)
        .max()
        .unwrap_or(inc.opened_at);
    let name = match inc.scope {
        Scope::Component => format!(
            "{}: probable cause of problems with {} services (confidence {:.2})",
            inc.subject_name,
            inc.services.len(),
            inc.confidence.unwrap_or(0.0)
        ),
        Scope::Service => format!(
            "{}: {}",
            inc.subject_name,
            match inc.severity {
                State::Degraded => "degraded",
                _ => "outage",
            }
        ),
    };
    let comps = affected_ids
        .iter()
        .enumerate()
        .filter_map(|(i, sid)| by_id.get(sid).map(|r| component(r, i + 1, input.now)))
        .collect();
    Incident {
        id: id.clone(),
        name,
        status: if inc.is_open() {
            update_status(inc, TimelineKind::Detected)
        } else {
            "resolved"
        },
        created_at: ts(inc.opened_at),
        updated_at: ts(updated_at),
        monitoring_at: None,
        resolved_at: inc.resolved_at.map(ts),
        impact: impact(inc),
        shortlink: format!("{}/incidents/{}", input.base_url, inc.id),
        started_at: ts(inc.opened_at),
        page_id: PAGE_ID,
        incident_updates: updates,
        components: comps,
        reminder_intervals: None,
    }
}

/// `/api/v2/summary.json`: page, status, components and the unresolved incidents.
pub fn summary(input: &Input<'_>) -> Summary {
    let open: Vec<Incident> = input
        .incidents
        .iter()
        .filter(|(i, _)| i.is_open())
        .map(|(i, tl)| incident(i, tl, input))
        .collect();
    let component_open = input
        .incidents
        .iter()
        .any(|(i, _)| i.is_open() && i.scope == Scope::Component);
    Summary {
        page: page(input),
        status: page_status(input.services, component_open),
        components: components(input),
        incidents: open,
        scheduled_maintenances: Vec::new(),
    }
}

/// `/api/v2/components.json`.
pub fn components_doc(input: &Input<'_>) -> Components {
    Components {
        page: page(input),
        components: components(input),
    }
}

/// How many incidents `/api/v2/incidents.json` lists (Statuspage: the last 50).
pub const INCIDENTS_LIMIT: usize = 50;

/// `/api/v2/incidents.json`: the latest incidents, resolved or not.
pub fn incidents_doc(input: &Input<'_>) -> Incidents {
    Incidents {
        page: page(input),
        incidents: input
            .incidents
            .iter()
            .take(INCIDENTS_LIMIT)
            .map(|(i, tl)| incident(i, tl, input))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::collections::BTreeSet;

    const GITHUB_INCIDENTS: &str = include_str!("testdata/github-incidents.json");
    const GITHUB_COMPONENTS: &str = include_str!("testdata/github-components.json");
    const CLOUDFLARE_SUMMARY: &str =
        include_str!("testdata/cloudflare-summary-during-incident.json");

    fn keys(v: &Value) -> BTreeSet<String> {
        v.as_object().expect("object").keys().cloned().collect()
    }

    fn t(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    fn sample() -> (Vec<ServiceRow>, Vec<(IncidentSummary, Vec<TimelineEntry>)>) {
        let services = vec![
            ServiceRow {
                id: "reddit".into(),
                name: "Reddit".into(),
                state: State::MajorOutage,
                since: Some(t("2021-06-08T09:48:00Z")),
                incident: Some(2),
            },
            ServiceRow {
                id: "twitch".into(),
                name: "Twitch".into(),
                state: State::Degraded,
                since: Some(t("2021-06-08T09:49:00Z")),
                incident: None,
            },
            ServiceRow {
                id: "mail".into(),
                name: "Mail".into(),
                state: State::Unknown,
                since: None,
                incident: None,
            },
        ];
        let inc = IncidentSummary {
            id: 1,
            scope: Scope::Component,
            subject: "fastly".into(),
            subject_name: "Fastly".into(),
            opened_at: t("2021-06-08T09:49:00Z"),
            resolved_at: None,
            confidence: Some(0.97),
            services: vec![
                ("reddit".into(), "Reddit".into()),
                ("twitch".into(), "Twitch".into()),
            ],
            severity: State::MajorOutage,
            explanation: Some("2 of 2 dependents impaired".into()),
            parent: None,
        };
        let resolved = IncidentSummary {
            id: 3,
            scope: Scope::Service,
            subject: "mail".into(),
            subject_name: "Mail".into(),
            opened_at: t("2021-06-07T09:00:00Z"),
            resolved_at: Some(t("2021-06-07T09:30:00Z")),
            confidence: None,
            services: vec![],
            severity: State::Degraded,
            explanation: None,
            parent: None,
        };
        let tl1 = vec![
            TimelineEntry {
                at: t("2021-06-08T09:47:00Z"),
                kind: TimelineKind::FirstSignal,
                text: String::new(),
            },
            TimelineEntry {
                at: t("2021-06-08T09:49:00Z"),
                kind: TimelineKind::Detected,
                text: String::new(),
            },
            TimelineEntry {
                at: t("2021-06-08T09:51:00Z"),
                kind: TimelineKind::Updated,
                text: "confidence 0.97".into(),
            },
        ];
        let tl3 = vec![
            TimelineEntry {
                at: t("2021-06-07T09:00:00Z"),
                kind: TimelineKind::Detected,
                text: String::new(),
            },
            TimelineEntry {
                at: t("2021-06-07T09:30:00Z"),
                kind: TimelineKind::Resolved,
                text: String::new(),
            },
        ];
        (services, vec![(inc, tl1), (resolved, tl3)])
    }

    #[test]
    fn objects_have_exactly_the_fields_of_real_statuspage_responses() {
        let (services, incidents) = sample();
        let input = Input {
            page_name: "vigie",
            base_url: "http://127.0.0.1:8080",
            now: t("2021-06-08T10:00:00Z"),
            services: &services,
            incidents: &incidents,
        };
        let real_inc: Value = serde_json::from_str(GITHUB_INCIDENTS).unwrap();
        let real_comp: Value = serde_json::from_str(GITHUB_COMPONENTS).unwrap();
        let real_sum: Value = serde_json::from_str(CLOUDFLARE_SUMMARY).unwrap();

        let ours = serde_json::to_value(incidents_doc(&input)).unwrap();
        assert_eq!(keys(&ours), keys(&real_inc));
        assert_eq!(keys(&ours["page"]), keys(&real_inc["page"]));
        assert_eq!(keys(&ours["incidents"][0]), keys(&real_inc["incidents"][0]));
        assert_eq!(
            keys(&ours["incidents"][0]["incident_updates"][0]),
            keys(&real_inc["incidents"][0]["incident_updates"][0])
        );
        assert_eq!(
            keys(&ours["incidents"][0]["incident_updates"][0]["affected_components"][0]),
            keys(&real_inc["incidents"][0]["incident_updates"][0]["affected_components"][0])
        );
        assert_eq!(
            keys(&ours["incidents"][0]["components"][0]),
            keys(&real_inc["incidents"][0]["components"][0])
        );

        let ours = serde_json::to_value(components_doc(&input)).unwrap();
        assert_eq!(keys(&ours), keys(&real_comp));
        assert_eq!(
            keys(&ours["components"][0]),
            keys(&real_comp["components"][0])
        );

        let ours = serde_json::to_value(summary(&input)).unwrap();
        assert_eq!(keys(&ours), keys(&real_sum));
        assert_eq!(keys(&ours["status"]), keys(&real_sum["status"]));
        assert_eq!(
            keys(&ours["components"][0]),
            keys(&real_sum["components"][0])
        );
        assert_eq!(keys(&ours["incidents"][0]), keys(&real_sum["incidents"][0]));
    }

    #[test]
    fn values_follow_statuspage_vocabulary() {
        let (services, incidents) = sample();
        let input = Input {
            page_name: "vigie",
            base_url: "http://h",
            now: t("2021-06-08T10:00:00Z"),
            services: &services,
            incidents: &incidents,
        };
        let s = serde_json::to_value(summary(&input)).unwrap();
        assert_eq!(s["status"]["indicator"], "critical");
        assert_eq!(
            s["incidents"].as_array().unwrap().len(),
            1,
            "summary lists unresolved incidents only"
        );
        let inc = &s["incidents"][0];
        assert_eq!(inc["status"], "identified");
        assert_eq!(inc["impact"], "critical");
        assert_eq!(inc["resolved_at"], Value::Null);
        assert_eq!(inc["created_at"], "2021-06-08T09:49:00.000Z");
        assert_eq!(
            inc["incident_updates"][0]["body"], "confidence 0.97",
            "newest update first"
        );
        let comps = s["components"].as_array().unwrap();
        let by_id = |id: &str| comps.iter().find(|c| c["id"] == id).unwrap().clone();
        assert_eq!(by_id("reddit")["status"], "major_outage");
        assert_eq!(by_id("twitch")["status"], "degraded_performance");
        assert_eq!(by_id("mail")["status"], "operational");
        assert_eq!(by_id("mail")["description"], "no data yet");
        let all = serde_json::to_value(incidents_doc(&input)).unwrap();
        let resolved = &all["incidents"][1];
        assert_eq!(resolved["status"], "resolved");
        assert_eq!(resolved["impact"], "minor");
        assert_eq!(resolved["incident_updates"][0]["status"], "resolved");
        assert_eq!(
            resolved["incident_updates"][0]["affected_components"][0]["new_status"],
            "operational"
        );
    }

    #[test]
    fn indicator_levels() {
        let row = |state| ServiceRow {
            id: "a".into(),
            name: "A".into(),
            state,
            since: None,
            incident: None,
        };
        assert_eq!(
            page_status(&[row(State::Operational)], false).indicator,
            "none"
        );
        assert_eq!(
            page_status(&[row(State::Degraded), row(State::Operational)], false).indicator,
            "minor"
        );
        assert_eq!(
            page_status(
                &[
                    row(State::MajorOutage),
                    row(State::Operational),
                    row(State::Operational)
                ],
                false
            )
            .indicator,
            "major"
        );
        assert_eq!(
            page_status(&[row(State::Operational)], true).indicator,
            "critical"
        );
        assert_eq!(
            page_status(&[], false).description,
            "All Systems Operational"
        );
    }
}

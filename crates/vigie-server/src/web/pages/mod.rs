//! HTML pages: one module per page, plus the shared shell. Each `render` is a pure function
//! from a view model and a language to a complete document.

pub mod component;
pub mod incident;
pub mod layout;
pub mod overview;
pub mod service;

use std::fmt::Write;

use vigie_core::Timestamp;

use crate::web::html::esc;
use crate::web::i18n::Lang;

use layout::{document, Chrome};

/// A plain page for 404 and other errors: `key` names the message, `detail` is shown escaped.
pub fn error_page(lang: Lang, now: Timestamp, path: &str, key: &str, detail: &str) -> String {
    let m = lang.messages();
    let mut main = String::new();
    let _ = write!(main, "<h1>{}</h1>", m.h(key));
    if !detail.is_empty() {
        let _ = write!(main, "<p>{}</p>", esc(detail));
    }
    let _ = write!(
        main,
        "<p><a href=\"/\">{}</a></p>",
        m.h("nav.back_overview")
    );
    let chrome = Chrome {
        lang,
        title: m.get(key),
        path,
        now,
    };
    document(&chrome, &main)
}

#[cfg(test)]
mod tests {
    //! Page-level tests over hand-built view models: structure, ordering, escaping.
    use super::*;
    use crate::web::view::*;
    use vigie_core::{ReportKind, Scope, State};

    const XSS: &str = "<script>alert('x')</script><img src=x onerror=alert(1)>";

    fn t(min: i64) -> Timestamp {
        Timestamp::from_millis(1_623_145_620_000 + min * 60_000)
    }

    fn row(id: &str, name: &str, state: State) -> ServiceRow {
        ServiceRow {
            id: id.into(),
            name: name.into(),
            state,
            since: Some(t(0)),
            incident: None,
        }
    }

    fn fastly_incident() -> IncidentSummary {
        IncidentSummary {
            id: 12,
            scope: Scope::Component,
            subject: "fastly".into(),
            subject_name: "Fastly".into(),
            opened_at: t(2),
            resolved_at: None,
            confidence: Some(0.97),
            services: (0..37)
                .map(|i| (format!("s{i}"), format!("Service {i}")))
                .collect(),
            severity: State::MajorOutage,
            explanation: Some(
                "37 of 41 dependents impaired; 3 of 912 other services impaired".into(),
            ),
            parent: None,
        }
    }

    fn no_script_injection(html: &str) {
        // The only script element is the page's own, loaded from /assets.
        assert_eq!(html.matches("<script").count(), 1, "{html}");
        assert!(!html.contains("<img"), "{html}");
        // No tag carries an event-handler attribute.
        for tag in html.split('<').skip(1) {
            let raw = tag.split('>').next().unwrap_or("");
            // Drop quoted attribute values: text inside them is inert.
            let inside: String = raw.split('"').step_by(2).collect();
            assert!(
                !inside.contains("onerror") && !inside.contains("onload"),
                "injected attribute in <{inside}>"
            );
        }
    }

    #[test]
    fn overview_lists_component_incidents_first_then_services_by_state() {
        let view = OverviewView {
            now: t(10),
            component_incidents: vec![fastly_incident()],
            service_incidents: vec![],
            services: vec![
                row("a", "Alpha", State::Operational),
                row("b", "Bravo", State::MajorOutage),
                row("c", "Charlie", State::Degraded),
                row("d", "Delta", State::Unknown),
            ],
            filter: String::new(),
        };
        let html = overview::render(&view, Lang::En, "/");
        let headline = "Fastly</a> — 37 services affected — probable cause, confidence 0.97";
        let inc_at = html.find(headline).expect(&html);
        let order: Vec<usize> = ["Bravo", "Charlie", "Delta", "Alpha"]
            .iter()
            .map(|n| html.find(&format!(">{n}</a>")).unwrap())
            .collect();
        assert!(inc_at < order[0]);
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "worst state first: {order:?}"
        );
        assert!(html.contains("and 25 more"));
        assert!(html.contains("<label for=\"q\">"));
        let fr = overview::render(&view, Lang::Fr, "/");
        assert!(
            fr.contains("Fastly</a> — 37 services touchés — cause probable, confiance 0,97"),
            "{fr}"
        );
        assert!(fr.contains("<html lang=\"fr\">"));
    }

    #[test]
    fn overview_filter_is_applied_server_side_and_echoed_escaped() {
        let view = OverviewView {
            now: t(10),
            component_incidents: vec![],
            service_incidents: vec![],
            services: vec![
                row("a", "Alpha", State::Operational),
                row("b", "Bravo", State::Operational),
            ],
            filter: format!("brav{XSS}"),
        };
        let html = overview::render(&view, Lang::En, "/");
        assert!(!html.contains(">Alpha</a>") && !html.contains(">Bravo</a>"));
        no_script_injection(&html);
        let view = OverviewView {
            filter: "BRAV".into(),
            ..view
        };
        let html = overview::render(&view, Lang::En, "/");
        assert!(!html.contains(">Alpha</a>") && html.contains(">Bravo</a>"));
        assert!(html.contains("All services are operational."));
    }

    fn service_view(name: &str) -> ServiceView {
        ServiceView {
            now: t(60),
            window_start: t(60 - 24 * 60),
            id: "svc\"x".into(),
            name: name.into(),
            state: State::MajorOutage,
            since: Some(t(5)),
            cause: format!("3 of 3 vantages failing {XSS}"),
            probes: vec![ProbeBucket {
                start: t(0),
                latency_ms: Some(80.0),
                availability: Some(1.0),
            }],
            vantages: vec![VantageSeries {
                vantage: XSS.into(),
                buckets: vec![],
            }],
            reports: vec![ReportBucket {
                start: t(0),
                count: 40,
                expected: 2.0,
                upper: 7.0,
            }],
            reports_total: 1234,
            top_kinds: vec![(ReportKind::Login, 30), (ReportKind::App, 10)],
            top_regions: vec![(XSS.into(), 5)],
            notes: vec![NoteRow {
                at: t(50),
                kind: ReportKind::Login,
                region: Some("FR".into()),
                note: XSS.into(),
            }],
            transitions: vec![TransitionRow {
                at: t(5),
                from: State::Operational,
                to: State::MajorOutage,
                cause: XSS.into(),
            }],
            checks: vec![CheckRow {
                check: "http-0".into(),
                kind: "http".into(),
                target: format!("https://example.com/?q={XSS}"),
                vantage: "local".into(),
                at: Some(t(59)),
                ok: Some(false),
                latency_ms: Some(31.0),
                error: Some(vigie_core::ProbeError::HttpStatus),
                detail: XSS.into(),
            }],
            incidents: vec![IncidentSummary {
                scope: Scope::Service,
                subject: "svc".into(),
                subject_name: name.into(),
                parent: Some(12),
                services: vec![],
                ..fastly_incident()
            }],
            depends_on: vec![DependencyRow {
                target: "aws/us-east-1".into(),
                target_name: "AWS us-east-1".into(),
                is_service: false,
                confidence: 0.6,
                origin: vigie_core::DependencyOrigin::DnsCname,
                state: State::Operational,
            }],
            csrf_token: "tok\"en".into(),
            flash: Some(ReportFlash::Accepted),
        }
    }

    #[test]
    fn service_page_has_the_report_form_with_kinds_as_buttons_and_the_token() {
        let html = service::render(&service_view("Reddit"), Lang::En, "/s/reddit");
        assert!(
            html.contains("<form method=\"post\" action=\"/s/svc%22x/report\""),
            "{html}"
        );
        assert!(html.contains("name=\"csrf\" value=\"tok&quot;en\""));
        for k in ReportKind::ALL {
            assert!(
                html.contains(&format!("name=\"kind\" value=\"{}\"", k.as_str())),
                "{k:?}"
            );
        }
        assert!(html.contains("I have a problem with Reddit"));
        assert!(html.contains("Thank you: your report was recorded."));
        assert!(html.contains("<svg class=\"chart\""));
        assert!(html.contains("bar surge"));
        assert!(html.contains("1234 reports received in total."));
        assert!(html.contains("href=\"/c/aws/us-east-1\""));
        assert!(html.contains("explained by incident #12"));
        assert!(html.contains("maxlength=\"280\""));
        assert!(html.contains("<blockquote>&lt;script&gt;"));
    }

    #[test]
    fn service_page_escapes_every_user_string() {
        let html = service::render(&service_view(XSS), Lang::En, "/s/x");
        no_script_injection(&html);
        let html = service::render(&service_view(XSS), Lang::Fr, "/s/x");
        no_script_injection(&html);
        assert!(html.contains("J’ai un problème avec &lt;script&gt;"));
    }

    #[test]
    fn component_and_incident_pages_render_and_escape() {
        let comp = ComponentView {
            now: t(60),
            id: "aws/us-east-1".into(),
            name: XSS.into(),
            kind: vigie_core::ComponentKind::Region,
            ancestors: vec![("aws".into(), "Amazon Web Services".into())],
            children: vec![("aws/us-east-1/dynamodb".into(), "DynamoDB".into())],
            state: State::MajorOutage,
            official: Some(OfficialRow {
                source: "status.aws.amazon.com".into(),
                status: vigie_core::OfficialStatus::Operational,
                at: t(1),
            }),
            dependents: vec![
                DependentRow {
                    id: "a".into(),
                    name: "Alpha".into(),
                    state: State::Operational,
                    direct: true,
                    confidence: 1.0,
                    origin: Default::default(),
                },
                DependentRow {
                    id: "b".into(),
                    name: XSS.into(),
                    state: State::MajorOutage,
                    direct: false,
                    confidence: 0.5,
                    origin: Default::default(),
                },
            ],
            incidents: vec![fastly_incident()],
        };
        let html = component::render(&comp, Lang::En, "/c/aws/us-east-1");
        no_script_injection(&html);
        assert!(html.contains("vigie&#39;s verdict"));
        assert!(
            html.contains("official-operational"),
            "official status beside vigie's own"
        );
        assert!(html.contains("2 watched services depend on it (1 directly); 1 have problems now."));
        assert!(html.contains("href=\"/c/aws/us-east-1/dynamodb\""));

        let inc = IncidentView {
            now: t(60),
            summary: IncidentSummary {
                explanation: Some(XSS.into()),
                ..fastly_incident()
            },
            services: vec![row("b", XSS, State::MajorOutage)],
            children: vec![13, 14],
            timeline: vec![
                TimelineEntry {
                    at: t(0),
                    kind: TimelineKind::FirstSignal,
                    text: XSS.into(),
                },
                TimelineEntry {
                    at: t(2),
                    kind: TimelineKind::Detected,
                    text: String::new(),
                },
            ],
            official: None,
        };
        let html = incident::render(&inc, Lang::Fr, "/incidents/12");
        no_script_injection(&html);
        assert!(html.contains("Fastly — cause probable (incident n° 12)"));
        assert!(html.contains("Premier signal"));
        assert!(html.contains("<meter min=\"0\" max=\"1\" value=\"0.97\">"));
        assert!(html.contains("href=\"/incidents/13\""));
    }

    #[test]
    fn error_page_escapes_detail() {
        let html = error_page(Lang::En, t(0), "/s/x", "error.not_found", XSS);
        no_script_injection(&html);
        assert!(html.contains("<h1>Not found</h1>"));
    }
}

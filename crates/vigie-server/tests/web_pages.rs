//! The web edge through axum (`oneshot`, no socket) over a real SQLite store: every page,
//! the badge, the Atom feed and the Statuspage documents, language negotiation, the report
//! form round trip, and escaping of hostile names and notes.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use vigie_core::{Scope, State, Timestamp};
use vigie_server::state::{ServiceLive, Snapshot};
use vigie_server::{AppState, StateOptions};
use vigie_store::{
    IncidentRecord, NewReport, ProbeRecord, SqliteStore, StateTransition, Store, TimelineEntry,
    TimelineKind,
};

const XSS: &str = "<script>window.__xss=1</script><img src=x onerror=alert(1)>";

fn config() -> String {
    format!(
        r#"
[[component]]
id = "fastly"
kind = "cdn"
name = "Fastly"

[[component]]
id = "aws/us-east-1"
kind = "region"

[[service]]
id = "shop"
name = "Shop"
depends_on = ["fastly", "aws/us-east-1"]

[[service.check]]
kind = "tcp"
target = "127.0.0.1:9"

[[service]]
id = "news"
name = "News"
depends_on = ["fastly"]

[[service]]
id = "evil"
name = "{}"
depends_on = ["shop"]
"#,
        XSS.replace('"', "\\\"")
    )
}

struct Harness {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    state: AppState,
}

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-03-10T10:00:00Z").unwrap()
}

fn at(min: i64) -> Timestamp {
    now().plus_millis(min * 60_000)
}

fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let config = vigie_config::parse_str("test.toml", &config()).unwrap();
    let options = StateOptions {
        clock: Arc::new(now),
        ..StateOptions::default()
    };
    let state = AppState::new(config, store.clone(), options).unwrap();
    Harness {
        _dir: dir,
        store,
        state,
    }
}

fn app(state: &AppState) -> Router {
    Router::new()
        .merge(vigie_server::api::routes())
        .merge(vigie_server::web::routes())
        .with_state(state.clone())
}

async fn call(state: &AppState, req: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let response = app(state).oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn get_req(uri: &str) -> Request<Body> {
    let mut req = Request::get(uri).body(Body::empty()).unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    req
}

async fn get(state: &AppState, uri: &str) -> (StatusCode, HeaderMap, String) {
    call(state, get_req(uri)).await
}

/// A Fastly incident explaining two services, a resolved service incident, probe history,
/// reports with a hostile note, and a live snapshot.
fn seed(h: &Harness) {
    let store = &h.store;
    let fastly = IncidentRecord {
        id: 7,
        scope: Scope::Component,
        service: None,
        component: Some("fastly".into()),
        title: "Fastly: 2 services impaired".into(),
        opened_at: at(-20),
        detected_at: at(-19),
        peak_at: None,
        resolved_at: None,
        confidence: Some(0.97),
        services: vec!["shop".into(), "news".into()],
        parent: None,
        explanation: Some("2 of 2 dependents impaired; 0 of 1 other services impaired".into()),
    };
    store.upsert_incident(&fastly).unwrap();
    store
        .append_timeline(
            7,
            &[
                TimelineEntry {
                    at: at(-20),
                    kind: TimelineKind::FirstSignal,
                    text: "reports surge on shop".into(),
                },
                TimelineEntry {
                    at: at(-19),
                    kind: TimelineKind::Detected,
                    text: XSS.into(),
                },
            ],
        )
        .unwrap();
    let old = IncidentRecord {
        id: 3,
        scope: Scope::Service,
        service: Some("evil".into()),
        component: None,
        title: "evil down".into(),
        opened_at: at(-300),
        detected_at: at(-299),
        peak_at: None,
        resolved_at: Some(at(-280)),
        confidence: None,
        services: vec!["evil".into()],
        parent: None,
        explanation: None,
    };
    store.upsert_incident(&old).unwrap();
    store
        .append_transitions(&[StateTransition {
            service: "shop".into(),
            at: at(-19),
            state: State::MajorOutage,
            previous: State::Operational,
            cause: "2 of 2 vantages failing: connect_refused".into(),
        }])
        .unwrap();
    let mut probes = Vec::new();
    for m in -120..0 {
        for vantage in ["paris", "virginia"] {
            let ok = m < -20;
            probes.push(ProbeRecord {
                service: "shop".into(),
                check: "tcp-0".into(),
                vantage: vantage.into(),
                at: at(m),
                ok,
                slow: false,
                latency_ms: Some(if vantage == "paris" { 20.0 } else { 90.0 }),
                error: (!ok).then_some(vigie_core::ProbeError::ConnectRefused),
                status: None,
                detail: None,
            });
        }
    }
    store.append_probe_results(&probes).unwrap();
    let reports: Vec<NewReport> = (0..30)
        .map(|i| NewReport {
            service: "shop".into(),
            at: at(-15 + i / 5),
            kind: vigie_core::ReportKind::Login,
            region: Some("FR".into()),
            note: (i == 3).then(|| XSS.to_string()),
            reporter: format!("r{i}"),
            counted: true,
        })
        .collect();
    store.append_reports(&reports).unwrap();
    let mut services = std::collections::HashMap::new();
    for (id, state, incident) in [
        ("shop", State::MajorOutage, Some(8)),
        ("news", State::Degraded, None),
        ("evil", State::Operational, None),
    ] {
        services.insert(
            id.to_string(),
            ServiceLive {
                state,
                since: Some(at(-19)),
                cause: format!("cause of {id}"),
                incident,
            },
        );
    }
    h.state.publish_snapshot(Snapshot {
        at: now(),
        services,
        open_incidents: vec![fastly],
        official: [(
            "fastly".to_string(),
            vigie_core::engine::OfficialView {
                status: vigie_core::OfficialStatus::Operational,
                source: "status.fastly.com".into(),
                at: at(-10),
            },
        )]
        .into_iter()
        .collect(),
    });
}

/// Scripts other than the page's own, images, and event-handler attributes are absent.
fn assert_inert(html: &str) {
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the page script: {html}"
    );
    assert!(!html.contains("<img"), "{html}");
    for tag in html.split('<').skip(1) {
        let raw = tag.split('>').next().unwrap_or("");
        let outside_quotes: String = raw.split('"').step_by(2).collect();
        assert!(
            !outside_quotes.contains("onerror"),
            "injected attribute in <{raw}>"
        );
    }
}

#[tokio::test]
async fn overview_shows_the_component_incident_first() {
    let h = harness();
    seed(&h);
    let (status, headers, html) = get(&h.state, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(headers[header::CONTENT_LANGUAGE], "en");
    assert!(headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .contains("script-src 'self'"));
    let headline = html
        .find("Fastly</a> — 2 services affected — probable cause, confidence 0.97")
        .expect(&html);
    let shop = html.find(">Shop</a></th>").expect("service row");
    assert!(headline < shop);
    // Worst first: Shop (major outage) before News (degraded) before the operational one.
    assert!(shop < html.find(">News</a></th>").unwrap());
    assert_inert(&html);
}

#[tokio::test]
async fn language_from_accept_language_query_and_cookie() {
    let h = harness();
    seed(&h);
    let mut req = get_req("/");
    req.headers_mut().insert(
        header::ACCEPT_LANGUAGE,
        "fr-FR,fr;q=0.9,en;q=0.5".parse().unwrap(),
    );
    let (_, headers, html) = call(&h.state, req).await;
    assert_eq!(headers[header::CONTENT_LANGUAGE], "fr");
    assert!(html.contains("<html lang=\"fr\">"));
    assert!(html.contains("cause probable, confiance 0,97"), "{html}");
    assert!(
        headers.get(header::SET_COOKIE).is_none(),
        "no cookie without an explicit choice"
    );

    let (_, headers, html) = get(&h.state, "/?lang=fr").await;
    assert!(html.contains("État des services"));
    let cookie = headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("vigie_lang=fr;"), "{cookie}");

    let mut req = get_req("/s/shop");
    req.headers_mut()
        .insert(header::COOKIE, "a=b; vigie_lang=fr".parse().unwrap());
    req.headers_mut()
        .insert(header::ACCEPT_LANGUAGE, "en".parse().unwrap());
    let (_, headers, html) = call(&h.state, req).await;
    assert_eq!(headers[header::CONTENT_LANGUAGE], "fr");
    assert!(html.contains("J’ai un problème avec Shop"));
}

#[tokio::test]
async fn service_page_has_charts_form_and_escaped_note() {
    let h = harness();
    seed(&h);
    let (status, _, html) = get(&h.state, "/s/shop").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("I have a problem with Shop"));
    assert!(html.contains("action=\"/s/shop/report\""));
    let token = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap();
    assert!(
        !token.is_empty(),
        "the form carries the runtime's CSRF token"
    );
    assert!(html.contains("id=\"chart-probes\"") || html.contains("chart-probes-t"));
    assert!(
        html.contains("avail down"),
        "the failing minutes show as unavailable"
    );
    assert!(html.contains("series-1"), "a line per vantage");
    assert!(html.contains("Login <span class=\"n\">30</span>"), "{html}");
    assert!(html.contains("FR <span class=\"n\">30</span>"));
    assert!(
        html.contains("30 reports received in total.")
            || html.contains("reports received in total.")
    );
    assert!(
        html.contains("<blockquote>&lt;script&gt;window.__xss=1"),
        "the note, escaped"
    );
    assert!(html.contains("2 of 2 vantages failing: connect_refused"));
    assert!(html.contains("href=\"/c/fastly\""));
    assert!(html.contains("href=\"/c/aws/us-east-1\""));
    assert_inert(&html);

    // The flash after the form's redirect.
    let (_, _, html) = get(&h.state, "/s/shop?report=expired").await;
    assert!(html.contains("The form had expired"));
}

#[tokio::test]
async fn report_form_round_trip_through_the_intake() {
    let h = harness();
    seed(&h);
    let (_, _, html) = get(&h.state, "/s/news").await;
    let token = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let body = format!("csrf={token}&kind=login&region=FR&note=hello");
    let mut req = Request::post("/s/news/report")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "localhost")
        .body(Body::from(body))
        .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    let (status, headers, _) = call(&h.state, req).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers[header::LOCATION].to_str().unwrap().to_string();
    assert!(
        location.starts_with("/s/news?report=accepted"),
        "{location}"
    );
    let (_, _, html) = get(&h.state, &location.replace("#report", "")).await;
    assert!(html.contains("Thank you: your report was recorded."));
}

#[tokio::test]
async fn evil_service_name_is_inert_everywhere() {
    let h = harness();
    seed(&h);
    for uri in [
        "/",
        "/s/evil",
        "/incidents/3",
        "/c/fastly",
        "/c/aws/us-east-1",
        "/incidents/7",
        "/?q=%3Cscript%3E",
    ] {
        let (status, _, html) = get(&h.state, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_inert(&html);
    }
    let (_, headers, svg) = get(&h.state, "/badge/evil.svg").await;
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "image/svg+xml; charset=utf-8"
    );
    assert!(!svg.contains("<script") && svg.contains("&lt;script&gt;"));
    let (_, _, xml) = get(&h.state, "/feed.atom").await;
    assert!(!xml.contains("<script"));
}

#[tokio::test]
async fn component_and_incident_pages() {
    let h = harness();
    seed(&h);
    let (status, _, html) = get(&h.state, "/c/fastly").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("3 watched services depend on it (2 directly); 2 have problems now."),
        "{html}"
    );
    assert!(
        html.contains("through another dependency"),
        "evil depends on shop"
    );
    assert!(html.contains("data-incident=\"7\""));
    // The provider's own page stays green beside vigie's verdict.
    assert!(html.contains("official official-operational"), "{html}");
    assert!(html.contains("status.fastly.com"));
    let (status, _, html) = get(&h.state, "/c/aws/us-east-1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("href=\"/c/aws\""), "breadcrumb to the parent");

    let (status, _, html) = get(&h.state, "/incidents/7").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Fastly — probable cause (incident #7)"));
    assert!(html.contains("First signal"));
    assert!(html.contains("2 of 2 dependents impaired"));
    assert!(html.contains("Affected services (2)"));
    assert_inert(&html);

    for missing in ["/incidents/999", "/incidents/abc", "/c/nope", "/s/nope"] {
        let (status, _, html) = get(&h.state, missing).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
        assert!(html.contains("<h1>Not found</h1>"));
    }
}

#[tokio::test]
async fn badge_feed_and_assets() {
    let h = harness();
    seed(&h);
    let (status, _, svg) = get(&h.state, "/badge/shop.svg").await;
    assert_eq!(status, StatusCode::OK);
    assert!(svg.contains("Shop: Major outage") && svg.contains("#c62828"));
    let (status, _, _) = get(&h.state, "/badge/shop.png").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = get(&h.state, "/badge/nope.svg").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let mut req = get_req("/feed.atom");
    req.headers_mut()
        .insert(header::HOST, "status.example:8080".parse().unwrap());
    let (status, headers, xml) = call(&h.state, req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "application/atom+xml; charset=utf-8"
    );
    assert!(xml.contains("<id>http://status.example:8080/incidents/7</id>"));
    assert!(xml.contains("<id>http://status.example:8080/incidents/3</id>"));
    assert_eq!(xml.matches("<entry>").count(), 2);

    let (status, headers, css) = get(&h.state, "/assets/style.css").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    assert!(css.contains("prefers-color-scheme: dark"));
    let (status, _, js) = get(&h.state, "/assets/live.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(js.contains("/api/v1/events"));
    let (status, _, _) = get(&h.state, "/assets/../Cargo.toml").await;
    assert_ne!(status, StatusCode::OK);
}

#[tokio::test]
async fn statuspage_documents() {
    let h = harness();
    seed(&h);
    let (status, headers, body) = get(&h.state, "/api/v2/summary.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"]["indicator"], "critical");
    assert_eq!(
        v["incidents"].as_array().unwrap().len(),
        1,
        "unresolved only"
    );
    assert_eq!(v["incidents"][0]["id"], "7");
    assert_eq!(v["incidents"][0]["status"], "identified");
    let comps = v["components"].as_array().unwrap();
    assert_eq!(comps.len(), 3);
    let shop = comps.iter().find(|c| c["id"] == "shop").unwrap();
    assert_eq!(shop["status"], "major_outage");
    let news = comps.iter().find(|c| c["id"] == "news").unwrap();
    assert_eq!(news["status"], "degraded_performance");

    let (_, _, body) = get(&h.state, "/api/v2/components.json").await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["components"].as_array().unwrap().len(), 3);
    assert_eq!(v["page"]["time_zone"], "Etc/UTC");

    let (_, _, body) = get(&h.state, "/api/v2/incidents.json").await;
    let v: Value = serde_json::from_str(&body).unwrap();
    let list = v["incidents"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let resolved = list.iter().find(|i| i["id"] == "3").unwrap();
    assert_eq!(resolved["status"], "resolved");
    assert_eq!(resolved["resolved_at"], "2026-03-10T05:20:00.000Z");
}

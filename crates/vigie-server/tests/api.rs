//! The JSON API and report intake through the whole router (`oneshot`, no socket), over a
//! real SQLite store in a temporary directory.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use vigie_core::{Output, Scope, State, Timestamp};
use vigie_server::admin::AdminToken;
use vigie_server::{router, AppState, StateOptions};
use vigie_store::{IncidentRecord, SqliteStore, Store};

const CONFIG: &str = r#"
[reports]
trusted_proxies = ["127.0.0.1/32"]
per_reporter_per_minute = 3
per_prefix_per_minute = 1000

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
tags = ["web"]
depends_on = ["fastly", "aws/us-east-1"]

[[service.check]]
kind = "tcp"
target = "127.0.0.1:9"

[[service]]
id = "blog"
name = "Blog"
depends_on = ["shop"]

[[service.check]]
kind = "http"
url = "http://127.0.0.1:9/"
"#;

struct Harness {
    _dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    state: AppState,
}

fn harness_with(config: &str, admin: Option<&str>) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let config = vigie_config::parse_str("test.toml", config).unwrap();
    let options = StateOptions {
        admin_token: admin.map(|t| AdminToken::new(t).unwrap()),
        ..StateOptions::default()
    };
    let state = AppState::new(config, store.clone(), options).unwrap();
    Harness {
        _dir: dir,
        store,
        state,
    }
}

fn harness() -> Harness {
    harness_with(CONFIG, None)
}

fn peer(ip: &str) -> ConnectInfo<SocketAddr> {
    ConnectInfo(SocketAddr::new(ip.parse().unwrap(), 40000))
}

async fn call(
    state: &AppState,
    req: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = router(state.clone()).oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

async fn get(state: &AppState, uri: &str) -> (StatusCode, Value) {
    let req = Request::get(uri).body(Body::empty()).unwrap();
    let (status, _, body) = call(state, req).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

fn report_req(service: &str, body: &str, from: &str, xff: Option<&str>) -> Request<Body> {
    let mut req = Request::post(format!("/api/v1/services/{service}/reports"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(x) = xff {
        req = req.header("x-forwarded-for", x);
    }
    let mut req = req.body(Body::from(body.to_string())).unwrap();
    req.extensions_mut().insert(peer(from));
    req
}

async fn post_report(
    state: &AppState,
    service: &str,
    body: &str,
    from: &str,
    xff: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let (status, headers, body) = call(state, report_req(service, body, from, xff)).await;
    (
        status,
        headers,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}

fn assert_error(v: &Value, code: &str, detail_contains: &str) {
    assert_eq!(v["error"], code, "{v}");
    let detail = v["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains(detail_contains),
        "detail {detail:?} lacks {detail_contains:?}"
    );
}

#[tokio::test]
async fn services_list_and_detail() {
    let h = harness();
    let (status, v) = get(&h.state, "/api/v1/services").await;
    assert_eq!(status, StatusCode::OK);
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], "shop");
    assert_eq!(list[0]["name"], "Shop");
    assert_eq!(list[0]["state"], "unknown");
    assert!(list[0]["since"].is_null());
    assert_eq!(list[0]["reports_total"], 0);

    let (status, v) = get(&h.state, "/api/v1/services/shop").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["checks"][0]["kind"], "tcp");
    assert_eq!(v["checks"][0]["target"], "127.0.0.1:9");
    assert_eq!(v["depends_on"][0]["target"], "fastly");

    let (status, v) = get(&h.state, "/api/v1/services/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&v, "not_found", "nope");
}

#[tokio::test]
async fn snapshot_states_show_in_the_api() {
    let h = harness();
    let mut snapshot = (*h.state.snapshot()).clone();
    let since = Timestamp::parse_rfc3339("2026-01-01T10:00:00Z").unwrap();
    snapshot.services.insert(
        "shop".into(),
        vigie_server::ServiceLive {
            state: State::MajorOutage,
            since: Some(since),
            cause: "2 of 2 probes failing".into(),
            incident: Some(4),
        },
    );
    h.state.publish_snapshot(snapshot);
    let (_, v) = get(&h.state, "/api/v1/services").await;
    assert_eq!(v[0]["state"], "major_outage");
    assert_eq!(v[0]["since"], "2026-01-01T10:00:00Z");
    assert_eq!(v[0]["incident"], 4);
    assert_eq!(v[1]["state"], "unknown");
}

#[tokio::test]
async fn history_validates_its_range() {
    let h = harness();
    let (status, v) = get(
        &h.state,
        "/api/v1/services/shop/history?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["from"], "2026-01-01T00:00:00Z");
    assert!(v["minutes"].as_array().unwrap().is_empty());

    let (status, v) = get(&h.state, "/api/v1/services/shop/history?from=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&v, "bad_request", "from");
    let (status, v) = get(
        &h.state,
        "/api/v1/services/shop/history?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&v, "bad_request", "before");
    let (status, v) = get(&h.state, "/api/v1/services/shop/history?frm=x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&v, "bad_request", "frm");
    let (status, _) = get(&h.state, "/api/v1/services/nope/history").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_report_is_accepted_stored_and_counted() {
    let h = harness();
    let (status, _, v) = post_report(
        &h.state,
        "shop",
        r#"{"kind":"login","region":"fr","note":"cannot log in"}"#,
        "198.51.100.7",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{v}");
    let id = v["id"].as_u64().unwrap();
    assert!(id > 0);
    assert_eq!(v["duplicate"], false);

    // The same network again within 15 minutes: accepted, stored, not counted.
    let (status, _, v) =
        post_report(&h.state, "shop", r#"{"kind":"app"}"#, "198.51.100.99", None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(v["duplicate"], true);

    let (_, v) = get(&h.state, "/api/v1/services/shop").await;
    assert_eq!(v["reports_total"], 2);
    let (_, v) = get(&h.state, "/api/v1/services").await;
    assert_eq!(v[0]["reports_total"], 2);
    assert_eq!(v[1]["reports_total"], 0);

    // On disk, with the region normalised and no address anywhere.
    let stored = h
        .store
        .reports(
            "shop",
            Timestamp::from_millis(0),
            h.state.now().plus_millis(1000),
            10,
        )
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].id, id);
    assert_eq!(stored[0].report.region.as_deref(), Some("FR"));
    assert!(stored[0].report.counted);
    assert!(!stored[1].report.counted);
    assert_eq!(stored[0].report.reporter, stored[1].report.reporter);
    assert!(!stored[0].report.reporter.contains("198.51"));
    assert_eq!(h.store.report_total("shop").unwrap(), 2);
}

#[tokio::test]
async fn report_totals_survive_a_new_state() {
    let dir = tempfile::tempdir().unwrap();
    let config = vigie_config::parse_str("test.toml", CONFIG).unwrap();
    {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());
        let state = AppState::new(config.clone(), store, StateOptions::default()).unwrap();
        for ip in ["198.51.100.1", "198.51.100.2"] {
            let (s, _, _) = post_report(&state, "shop", r#"{"kind":"website"}"#, ip, None).await;
            assert_eq!(s, StatusCode::ACCEPTED);
        }
    }
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let state = AppState::new(config, store, StateOptions::default()).unwrap();
    assert_eq!(state.reports_total("shop"), 2);
    // The dedup window was rebuilt from the store: the same network is still a duplicate.
    let (_, _, v) = post_report(
        &state,
        "shop",
        r#"{"kind":"website"}"#,
        "198.51.100.3",
        None,
    )
    .await;
    assert_eq!(v["duplicate"], true);
}

#[tokio::test]
async fn malformed_reports_are_refused_with_json_errors() {
    let h = harness();
    let ip = "203.0.113.5";
    let cases: &[(&str, StatusCode, &str, &str)] = &[
        ("{", StatusCode::BAD_REQUEST, "bad_request", "line 1"),
        (
            r#"{"kind":"login","extra":1}"#,
            StatusCode::BAD_REQUEST,
            "bad_request",
            "unknown field `extra`",
        ),
        (
            r#"{"kind":"coffee"}"#,
            StatusCode::BAD_REQUEST,
            "bad_request",
            "coffee",
        ),
        (
            r#"{"region":"FR"}"#,
            StatusCode::BAD_REQUEST,
            "bad_request",
            "kind",
        ),
        (
            r#"{"kind":"login","region":"XX"}"#,
            StatusCode::BAD_REQUEST,
            "bad_request",
            "region",
        ),
        (
            r#"{"kind":"login","region":"FRA"}"#,
            StatusCode::BAD_REQUEST,
            "bad_request",
            "region",
        ),
        (
            r#"{"kind":"login","region":5}"#,
            StatusCode::BAD_REQUEST,
            "bad_request",
            "region",
        ),
    ];
    for (body, status, code, detail) in cases {
        let (s, _, v) = post_report(&h.state, "shop", body, ip, None).await;
        assert_eq!(s, *status, "{body}: {v}");
        assert_error(&v, code, detail);
    }
    let long_note = format!(r#"{{"kind":"login","note":"{}"}}"#, "x".repeat(281));
    let (s, _, v) = post_report(&h.state, "shop", &long_note, ip, None).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_error(&v, "bad_request", "281");

    let huge = format!(r#"{{"kind":"login","note":"{}"}}"#, "x".repeat(5000));
    let (s, _, v) = post_report(&h.state, "shop", &huge, ip, None).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert_error(&v, "payload_too_large", "4096");

    let (s, _, v) = post_report(&h.state, "nope", r#"{"kind":"login"}"#, ip, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_error(&v, "not_found", "nope");

    let mut req = Request::post("/api/v1/services/shop/reports")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(r#"{"kind":"login"}"#))
        .unwrap();
    req.extensions_mut().insert(peer(ip));
    let (s, _, body) = call(&h.state, req).await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_error(&v, "unsupported_media_type", "application/json");

    // Nothing was stored.
    assert_eq!(h.store.report_total("shop").unwrap(), 0);
    let (_, v) = get(&h.state, "/api/v1/services/shop").await;
    assert_eq!(v["reports_total"], 0);
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let h = harness();
    for _ in 0..3 {
        let (s, _, _) =
            post_report(&h.state, "shop", r#"{"kind":"login"}"#, "192.0.2.10", None).await;
        assert_eq!(s, StatusCode::ACCEPTED);
    }
    let (s, headers, v) =
        post_report(&h.state, "shop", r#"{"kind":"login"}"#, "192.0.2.11", None).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert_error(&v, "rate_limited", "retry");
    let retry: u64 = headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // Another network is not affected.
    let (s, _, _) = post_report(
        &h.state,
        "shop",
        r#"{"kind":"login"}"#,
        "198.51.100.1",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let (_, text) = {
        let req = Request::get("/metrics").body(Body::empty()).unwrap();
        let (s, _, b) = call(&h.state, req).await;
        (s, String::from_utf8(b).unwrap())
    };
    assert!(
        text.contains("vigie_reports_rejected_total{reason=\"rate_limited\"} 1"),
        "{text}"
    );
    assert!(text.contains("vigie_reports_accepted_total 2"), "{text}");
    assert!(text.contains("vigie_reports_duplicate_total 2"), "{text}");
}

#[tokio::test]
async fn forwarded_for_is_believed_only_from_trusted_proxies() {
    let h = harness();
    // Through the trusted proxy, each forwarded client is its own reporter: no duplicates,
    // no shared rate limit.
    for i in 0..6 {
        let xff = format!("198.51.{i}.20");
        let (s, _, v) = post_report(
            &h.state,
            "shop",
            r#"{"kind":"app"}"#,
            "127.0.0.1",
            Some(&xff),
        )
        .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{v}");
        assert_eq!(v["duplicate"], false);
    }
    // The same forwarded client twice is a duplicate.
    let (_, _, v) = post_report(
        &h.state,
        "shop",
        r#"{"kind":"app"}"#,
        "127.0.0.1",
        Some("198.51.0.99"),
    )
    .await;
    assert_eq!(v["duplicate"], true);
    // From an untrusted peer the header is ignored: one reporter, rate-limited after 3.
    let mut statuses = Vec::new();
    for i in 0..4 {
        let xff = format!("203.0.{i}.1");
        let (s, _, v) = post_report(
            &h.state,
            "blog",
            r#"{"kind":"app"}"#,
            "192.0.2.50",
            Some(&xff),
        )
        .await;
        statuses.push((s, v["duplicate"].clone()));
    }
    assert_eq!(statuses[0], (StatusCode::ACCEPTED, Value::Bool(false)));
    assert_eq!(statuses[1], (StatusCode::ACCEPTED, Value::Bool(true)));
    assert_eq!(statuses[3].0, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn health_and_metrics() {
    let h = harness();
    let (s, v) = get(&h.state, "/healthz").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["status"], "ok");
    assert_eq!(v["store"], "sqlite");
    h.state
        .metrics()
        .observe_probe("http", "ok", std::time::Duration::from_millis(12));
    let req = Request::get("/metrics").body(Body::empty()).unwrap();
    let (s, headers, body) = call(&h.state, req).await;
    assert_eq!(s, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = String::from_utf8(body).unwrap();
    assert!(text.contains("# TYPE vigie_probe_duration_seconds histogram"));
    assert!(text.contains("vigie_probe_duration_seconds_count{kind=\"http\",outcome=\"ok\"} 1"));
    assert!(text.contains("vigie_services{state=\"unknown\"} 2"));
    assert!(!text.contains("127.0.0.1"), "no per-target labels");
}

fn incident(id: u64, service: &str, opened: &str, resolved: Option<&str>) -> IncidentRecord {
    let opened = Timestamp::parse_rfc3339(opened).unwrap();
    IncidentRecord {
        id,
        scope: Scope::Service,
        service: Some(service.into()),
        component: None,
        title: format!("{service} down"),
        opened_at: opened,
        detected_at: opened,
        peak_at: None,
        resolved_at: resolved.map(|r| Timestamp::parse_rfc3339(r).unwrap()),
        confidence: None,
        services: vec![service.into()],
        parent: None,
        explanation: None,
    }
}

#[tokio::test]
async fn incidents_filter_by_open_service_and_since() {
    let h = harness();
    h.store
        .upsert_incident(&incident(
            1,
            "shop",
            "2026-01-01T00:00:00Z",
            Some("2026-01-01T01:00:00Z"),
        ))
        .unwrap();
    h.store
        .upsert_incident(&incident(2, "blog", "2026-01-02T00:00:00Z", None))
        .unwrap();
    h.store
        .upsert_incident(&incident(3, "shop", "2026-01-03T00:00:00Z", None))
        .unwrap();
    let ids = |v: &Value| -> Vec<u64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_u64().unwrap())
            .collect()
    };
    let (s, v) = get(&h.state, "/api/v1/incidents").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ids(&v), [3, 2, 1]);
    let (_, v) = get(&h.state, "/api/v1/incidents?open=true").await;
    assert_eq!(ids(&v), [3, 2]);
    let (_, v) = get(&h.state, "/api/v1/incidents?service=shop").await;
    assert_eq!(ids(&v), [3, 1]);
    let (_, v) = get(&h.state, "/api/v1/incidents?since=2026-01-01T12:00:00Z").await;
    assert_eq!(ids(&v), [3, 2]);
    let (s, v) = get(&h.state, "/api/v1/incidents?open=maybe").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_error(&v, "bad_request", "open");
    let (s, _) = get(&h.state, "/api/v1/incidents?service=nope").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = get(&h.state, "/api/v1/incidents/3").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["incident"]["service"], "shop");
    let (s, _) = get(&h.state, "/api/v1/incidents/99").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = get(&h.state, "/api/v1/incidents/abc").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn components_and_blast_radius() {
    let h = harness();
    let (s, v) = get(&h.state, "/api/v1/components").await;
    assert_eq!(s, StatusCode::OK);
    let ids: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"fastly") && ids.contains(&"aws") && ids.contains(&"aws/us-east-1"),
        "{ids:?}"
    );

    let (s, v) = get(&h.state, "/api/v1/components/fastly").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "Fastly");
    assert_eq!(v["kind"], "cdn");
    assert_eq!(v["direct_dependents"][0]["service"], "shop");
    assert_eq!(v["transitive_dependents"][0]["service"], "blog");
    assert_eq!(v["dependents"], 2);

    // Hierarchical ids with a slash, and the parent's blast radius includes the child's.
    let (s, v) = get(&h.state, "/api/v1/components/aws/us-east-1").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["parent"], "aws");
    let (_, v) = get(&h.state, "/api/v1/components/aws").await;
    assert_eq!(v["children"][0], "aws/us-east-1");
    assert_eq!(v["direct_dependents"][0]["service"], "shop");

    let (s, v) = get(&h.state, "/api/v1/components/akamai").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_error(&v, "not_found", "akamai");

    let (s, v) = get(&h.state, "/api/v1/services/blog/dependencies").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let comps: Vec<&str> = v["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(comps.contains(&"fastly"), "{comps:?}");
    assert_eq!(v["services"][0]["id"], "shop");
    let (s, _) = get(&h.state, "/api/v1/services/nope/dependencies").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

fn discover_req(auth: Option<&str>) -> Request<Body> {
    let mut req =
        Request::post("/api/v1/admin/discover").header(header::CONTENT_TYPE, "application/json");
    if let Some(a) = auth {
        req = req.header(header::AUTHORIZATION, a);
    }
    req.body(Body::from(r#"{"service":"shop"}"#)).unwrap()
}

#[tokio::test]
async fn admin_endpoints_are_off_without_a_token_and_need_the_right_one() {
    let h = harness();
    let (s, _, body) = call(&h.state, discover_req(Some("Bearer anything-at-all-here"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_error(&v, "not_found", "VIGIE_ADMIN_TOKEN");

    let h = harness_with(CONFIG, Some("correct-horse-battery-staple"));
    let (s, headers, _) = call(&h.state, discover_req(None)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(headers.contains_key(header::WWW_AUTHENTICATE));
    let (s, _, _) = call(
        &h.state,
        discover_req(Some("Bearer correct-horse-battery-stapl")),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // The right token passes authentication (discovery itself is not running here).
    let (s, _, body) = call(
        &h.state,
        discover_req(Some("Bearer correct-horse-battery-staple")),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        String::from_utf8_lossy(&body)
    );
}

fn form_req(service: &str, body: String, from: &str, extra: &[(&str, &str)]) -> Request<Body> {
    let mut req = Request::post(format!("/s/{service}/report"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "status.test");
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let mut req = req.body(Body::from(body)).unwrap();
    req.extensions_mut().insert(peer(from));
    req
}

#[tokio::test]
async fn report_form_needs_a_valid_csrf_token_and_redirects_back() {
    let h = harness();
    let client = vigie_server::ingest::ClientNetwork {
        prefix: vigie_server::ingest::NetworkPrefix::of("198.51.100.8".parse().unwrap()),
    };
    let token = h.state.csrf_token(&client, "shop");
    let location =
        |headers: &axum::http::HeaderMap| headers[header::LOCATION].to_str().unwrap().to_string();

    let (s, headers, _) = call(
        &h.state,
        form_req(
            "shop",
            format!("kind=login&region=FR&note=caf%C3%A9&csrf={token}"),
            "198.51.100.8",
            &[],
        ),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/s/shop?report=accepted#report");
    assert_eq!(h.state.reports_total("shop"), 1);

    // A token for another network (a third party fetched the page) is refused.
    let (_, headers, _) = call(
        &h.state,
        form_req(
            "shop",
            format!("kind=login&csrf={token}"),
            "203.0.113.1",
            &[],
        ),
    )
    .await;
    assert_eq!(location(&headers), "/s/shop?report=expired#report");
    // A token for another service is refused.
    let (_, headers, _) = call(
        &h.state,
        form_req(
            "blog",
            format!("kind=login&csrf={token}"),
            "198.51.100.8",
            &[],
        ),
    )
    .await;
    assert_eq!(location(&headers), "/s/blog?report=expired#report");
    // A cross-site post is refused even with the right token.
    let (_, headers, _) = call(
        &h.state,
        form_req(
            "shop",
            format!("kind=login&csrf={token}"),
            "198.51.100.8",
            &[("origin", "https://evil.example")],
        ),
    )
    .await;
    assert_eq!(location(&headers), "/s/shop?report=expired#report");
    let (_, headers, _) = call(
        &h.state,
        form_req(
            "shop",
            format!("kind=teapot&csrf={token}"),
            "198.51.100.8",
            &[("origin", "http://status.test")],
        ),
    )
    .await;
    assert_eq!(location(&headers), "/s/shop?report=invalid#report");
    let (_, headers, _) = call(
        &h.state,
        form_req(
            "shop",
            format!("kind=app&csrf={token}"),
            "198.51.100.8",
            &[],
        ),
    )
    .await;
    assert_eq!(location(&headers), "/s/shop?report=duplicate#report");
    assert_eq!(h.state.reports_total("shop"), 2);
    let (s, _, _) = call(
        &h.state,
        form_req("nope", "kind=app".into(), "198.51.100.8", &[]),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn events_stream_engine_outputs() {
    let h = harness();
    let response = router(h.state.clone())
        .oneshot(Request::get("/api/v1/events").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()[header::CONTENT_TYPE].to_str().unwrap(),
        "text/event-stream"
    );
    let mut body = response.into_body();
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: hello"));
    h.state.broadcast(Output::ServiceState {
        at: Timestamp::parse_rfc3339("2026-01-01T00:00:00Z").unwrap(),
        service: "shop".into(),
        state: State::MajorOutage,
        previous: State::Operational,
        cause: "probes failing".into(),
    });
    let frame = tokio::time::timeout(std::time::Duration::from_secs(30), body.frame())
        .await
        .unwrap()
        .unwrap()
        .unwrap()
        .into_data()
        .unwrap();
    let text = String::from_utf8_lossy(&frame);
    assert!(text.contains("event: service_state"), "{text}");
    assert!(text.contains(r#""state":"major_outage""#), "{text}");
}

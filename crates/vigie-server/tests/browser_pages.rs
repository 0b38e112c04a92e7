//! The pages in real headless Chromium, against the real router on a real socket: every
//! page renders without script errors, hostile names and notes stay inert, times are
//! localised, the filter box filters, and a change published by the engine reaches an open
//! page through `/api/v1/events` without a reload. Screenshots go to
//! `<target>/tmp/browser-artifacts/`.

mod browser_support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use browser_support::{artifacts_dir, Browser, Page};
use serde_json::Value;
use vigie_core::{Output, Scope, State, Timestamp};
use vigie_server::state::{ServiceLive, Snapshot};
use vigie_server::{AppState, StateOptions};
use vigie_store::{
    IncidentRecord, NewReport, ProbeRecord, SqliteStore, Store, TimelineEntry, TimelineKind,
};

const XSS: &str = "<script>window.__xss=1</script><img src=x onerror=\"window.__xss=2\">";

fn config() -> String {
    format!(
        r#"
[[component]]
id = "fastly"
kind = "cdn"
name = "Fastly"

[[service]]
id = "shop"
name = "Shop"
depends_on = ["fastly"]

[[service.check]]
kind = "tcp"
target = "127.0.0.1:9"

[[service]]
id = "news"
name = "News"
depends_on = ["fastly"]

[[service]]
id = "blog"
name = "Blog"

[[service]]
id = "evil"
name = "{}"
depends_on = ["fastly"]
"#,
        XSS.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

struct Server {
    runtime: tokio::runtime::Runtime,
    state: AppState,
    url: String,
    _dir: tempfile::TempDir,
}

fn wall_now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    Timestamp::from_millis(ms)
}

fn live(state: State, incident: Option<u64>, since: Timestamp) -> ServiceLive {
    ServiceLive {
        state,
        since: Some(since),
        cause: String::new(),
        incident,
    }
}

fn start_server() -> Server {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let config = vigie_config::parse_str("browser.toml", &config()).unwrap();
    let state = {
        let _guard = runtime.enter();
        AppState::new(config, store.clone(), StateOptions::default()).unwrap()
    };
    let now = wall_now();
    let m = |min: i64| now.plus_millis(min * 60_000);
    let fastly = IncidentRecord {
        id: 7,
        scope: Scope::Component,
        service: None,
        component: Some("fastly".into()),
        title: "Fastly".into(),
        opened_at: m(-20),
        detected_at: m(-19),
        peak_at: None,
        resolved_at: None,
        confidence: Some(0.97),
        services: vec!["shop".into(), "evil".into()],
        parent: None,
        explanation: Some(format!("2 of 3 dependents impaired {XSS}")),
    };
    store.upsert_incident(&fastly).unwrap();
    store
        .append_timeline(
            7,
            &[TimelineEntry {
                at: m(-19),
                kind: TimelineKind::Detected,
                text: XSS.into(),
            }],
        )
        .unwrap();
    let probes: Vec<ProbeRecord> = (-90..0)
        .map(|i| ProbeRecord {
            service: "shop".into(),
            check: "tcp-0".into(),
            vantage: "local".into(),
            at: m(i),
            ok: i < -20,
            slow: false,
            latency_ms: Some(30.0 + (i % 7) as f64),
            error: (i >= -20).then_some(vigie_core::ProbeError::ConnectRefused),
            status: None,
            detail: None,
        })
        .collect();
    store.append_probe_results(&probes).unwrap();
    store
        .append_reports(&[NewReport {
            service: "shop".into(),
            at: m(-5),
            kind: vigie_core::ReportKind::Website,
            region: Some("FR".into()),
            note: Some(XSS.into()),
            reporter: "r1".into(),
            counted: true,
        }])
        .unwrap();
    let mut services = std::collections::HashMap::new();
    services.insert("shop".to_string(), live(State::MajorOutage, None, m(-19)));
    services.insert("evil".to_string(), live(State::MajorOutage, None, m(-19)));
    services.insert("news".to_string(), live(State::Operational, None, m(-600)));
    services.insert("blog".to_string(), live(State::Operational, None, m(-600)));
    state.publish_snapshot(Snapshot {
        at: now,
        services,
        open_incidents: vec![fastly],
        official: Default::default(),
    });

    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app =
        vigie_server::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    runtime.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Server {
        runtime,
        state,
        url: format!("http://{addr}"),
        _dir: dir,
    }
}

const WAIT: Duration = Duration::from_secs(60);

fn assert_inert(page: &mut Page, what: &str) {
    assert_eq!(
        page.eval("typeof window.__xss"),
        Value::from("undefined"),
        "{what}: payload ran"
    );
    assert_eq!(
        page.eval("document.images.length"),
        Value::from(0),
        "{what}: an <img> was injected"
    );
    assert_eq!(
        page.eval("document.scripts.length"),
        Value::from(1),
        "{what}: only the page script"
    );
}

#[test]
fn pages_render_inert_and_localised_in_chromium() {
    let server = start_server();
    let browser = Browser::launch();
    let mut page = browser.page();
    let dir = artifacts_dir();
    for (path, name) in [
        ("/", "overview"),
        ("/s/shop", "service"),
        ("/s/evil", "service-evil"),
        ("/c/fastly", "component"),
        ("/incidents/7", "incident"),
        ("/?lang=fr", "overview-fr"),
    ] {
        page.goto(&format!("{}{path}", server.url));
        assert_inert(&mut page, path);
        // The page script ran: times were rewritten into the viewer's time zone.
        assert!(
            page.wait_for("document.querySelector('time[data-local]')", WAIT),
            "{path}: times not localised"
        );
        page.screenshot(&dir.join(format!("{name}.png")));
        let errors: Vec<&String> = page
            .console
            .iter()
            .filter(|l| l.starts_with("exception"))
            .collect();
        assert!(errors.is_empty(), "{path}: script errors {errors:?}");
    }
    // The French switch stuck (cookie): the overview now speaks French.
    page.goto(&format!("{}/", server.url));
    assert_eq!(
        page.eval("document.documentElement.lang"),
        Value::from("fr")
    );
    assert!(page.dom().contains("cause probable, confiance 0,97"));

    // The filter box hides rows as you type.
    page.eval("(() => { const q = document.getElementById('q'); q.value = 'blo'; q.dispatchEvent(new Event('input')); })()");
    assert_eq!(
        page.eval("document.querySelector('tr[data-service=\"blog\"]').hidden"),
        Value::Bool(false)
    );
    assert_eq!(
        page.eval("document.querySelector('tr[data-service=\"news\"]').hidden"),
        Value::Bool(true)
    );

    // Keyboard: the first Tab lands on the skip link, which is then visible.
    page.call(
        "Input.dispatchKeyEvent",
        serde_json::json!({"type": "keyDown", "key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9}),
    );
    page.call(
        "Input.dispatchKeyEvent",
        serde_json::json!({"type": "keyUp", "key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9}),
    );
    assert_eq!(
        page.eval("document.activeElement.className"),
        Value::from("skip")
    );
    assert_eq!(
        page.eval("document.activeElement.getBoundingClientRect().left >= 0"),
        Value::Bool(true)
    );

    // Dark mode follows the system preference.
    page.call(
        "Emulation.setEmulatedMedia",
        serde_json::json!({"features": [{"name": "prefers-color-scheme", "value": "dark"}]}),
    );
    page.goto(&format!("{}/s/shop", server.url));
    assert_eq!(
        page.eval("getComputedStyle(document.body).backgroundColor"),
        Value::from("rgb(18, 20, 23)")
    );
    page.screenshot(&dir.join("service-dark.png"));
    drop(server);
}

#[test]
fn live_update_arrives_without_reload() {
    let server = start_server();
    let browser = Browser::launch();
    let mut page = browser.page();
    page.goto(&format!("{}/", server.url));
    assert!(
        page.wait_for("document.body.dataset.live === 'open'", WAIT),
        "SSE did not connect"
    );
    page.eval("window.__marker = 42");
    assert_eq!(
        page.eval("document.querySelector('tr[data-service=\"news\"] [data-state]').dataset.state"),
        Value::from("operational")
    );

    // The engine concludes: News falls and a new component incident opens.
    let now = wall_now();
    let mut snap = (*server.state.snapshot()).clone();
    snap.services
        .insert("news".into(), live(State::MajorOutage, Some(9), now));
    let incident = IncidentRecord {
        id: 9,
        scope: Scope::Component,
        service: None,
        component: Some("fastly".into()),
        title: "Fastly again".into(),
        opened_at: now,
        detected_at: now,
        peak_at: None,
        resolved_at: None,
        confidence: Some(0.88),
        services: vec!["news".into(), "shop".into(), "evil".into()],
        parent: None,
        explanation: Some("3 of 3 dependents impaired".into()),
    };
    snap.open_incidents.insert(0, incident);
    server.state.publish_snapshot(snap);
    let _guard = server.runtime.enter();
    server.state.broadcast(Output::ServiceState {
        at: now,
        service: "news".into(),
        state: State::MajorOutage,
        previous: State::Operational,
        cause: String::new(),
    });
    server.state.broadcast(Output::IncidentOpened {
        at: now,
        incident: 9,
        scope: Scope::Component,
        service: None,
        component: Some("fastly".into()),
        confidence: Some(0.88),
        services: Some(vec!["news".into(), "shop".into(), "evil".into()]),
        parent: None,
        explanation: None,
    });

    assert!(
        page.wait_for("document.querySelector('tr[data-service=\"news\"] [data-state]').dataset.state === 'major_outage'", WAIT),
        "the state change did not reach the page"
    );
    assert!(
        page.wait_for(
            "document.querySelector('#live-incidents [data-incident=\"9\"]')",
            WAIT
        ),
        "the new incident did not appear"
    );
    assert_eq!(
        page.eval("window.__marker"),
        Value::from(42),
        "the page was reloaded"
    );
    let text = page.eval("document.querySelector('[data-incident=\"9\"] h3').textContent");
    assert!(
        text.as_str()
            .unwrap_or("")
            .contains("3 services affected — probable cause, confidence 0.88"),
        "{text}"
    );
    page.screenshot(&artifacts_dir().join("overview-live.png"));
}

//! The started server on a real socket: probes drive the engine, state changes arrive on the
//! SSE stream, reports go through, on-demand discovery refuses a loopback target, and the
//! server shuts down when asked.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use serde_json::Value;
use vigie_server::client::{send, HttpUrl};
use vigie_server::runtime::{ServeOptions, Server};

const TOKEN: &str = "test-admin-token-0123456789";
const PATIENCE: Duration = Duration::from_secs(180);

fn refused_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn request(
    method: &'static str,
    addr: SocketAddr,
    path: &str,
    headers: Vec<(&'static str, String)>,
    body: &'static str,
) -> (u16, Value) {
    let url = HttpUrl::parse(&format!("http://{addr}"))
        .unwrap()
        .join(path);
    tokio::task::spawn_blocking(move || {
        let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = send(method, &url, &h, body.as_bytes(), Duration::from_secs(60)).unwrap();
        (
            r.status,
            serde_json::from_slice(&r.body).unwrap_or(Value::Null),
        )
    })
    .await
    .unwrap()
}

/// Reads the SSE stream until `needle` shows up.
fn read_events_until(addr: SocketAddr, needle: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
        .write_all(
            b"GET /api/v1/events HTTP/1.1\r\nHost: test\r\nAccept: text/event-stream\r\n\r\n",
        )
        .unwrap();
    let deadline = Instant::now() + PATIENCE;
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(e) => panic!("reading events: {e}"),
        }
        let text = String::from_utf8_lossy(&seen);
        if text.contains(needle) {
            return text.into_owned();
        }
    }
    panic!("no {needle:?} in {}", String::from_utf8_lossy(&seen));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_server_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let config = vigie_config::parse_str(
        "test.toml",
        &format!(
            r#"
[[service]]
id = "local"
name = "Local"

[[service.check]]
kind = "tcp"
target = "127.0.0.1:{}"
interval = "1s"
timeout = "1s"
"#,
            refused_port()
        ),
    )
    .unwrap();
    let server = Server::start(
        config,
        ServeOptions {
            data_dir: dir.path().join("data"),
            listen: "127.0.0.1:0".parse().unwrap(),
            admin_token_env: Some(TOKEN.into()),
        },
    )
    .await
    .unwrap();
    let addr = server.local_addr();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve(async {
        let _ = stop_rx.await;
    }));

    // The refused port makes the service fall; the change arrives on the event stream.
    let events =
        tokio::task::spawn_blocking(move || read_events_until(addr, "\"state\":\"major_outage\""))
            .await
            .unwrap();
    assert!(events.contains("event: service_state"), "{events}");

    let (status, v) = request("GET", addr, "/api/v1/services/local", vec![], "").await;
    assert_eq!(status, 200);
    assert_eq!(v["state"], "major_outage", "{v}");

    // A report from this socket's peer (127.0.0.1, not a trusted proxy here).
    let (status, v) = request(
        "POST",
        addr,
        "/api/v1/services/local/reports",
        vec![("Content-Type", "application/json".into())],
        r#"{"kind":"connection"}"#,
    )
    .await;
    assert_eq!(status, 202, "{v}");

    // The service incident is stored and listed.
    let (status, v) = request(
        "GET",
        addr,
        "/api/v1/incidents?open=true&service=local",
        vec![],
        "",
    )
    .await;
    assert_eq!(status, 200);
    let deadline = Instant::now() + PATIENCE;
    let mut v = v;
    while v.as_array().is_none_or(|a| a.is_empty()) {
        assert!(Instant::now() < deadline, "no open incident: {v}");
        tokio::time::sleep(Duration::from_millis(250)).await;
        v = request(
            "GET",
            addr,
            "/api/v1/incidents?open=true&service=local",
            vec![],
            "",
        )
        .await
        .1;
    }
    assert_eq!(v[0]["scope"], "service");

    // On-demand discovery: admin only, and a loopback target is refused.
    let (status, _) = request(
        "POST",
        addr,
        "/api/v1/admin/discover",
        vec![("Content-Type", "application/json".into())],
        r#"{"service":"local"}"#,
    )
    .await;
    assert_eq!(status, 401);
    let (status, v) = request(
        "POST",
        addr,
        "/api/v1/admin/discover",
        vec![
            ("Content-Type", "application/json".into()),
            ("Authorization", format!("Bearer {TOKEN}")),
        ],
        r#"{"service":"local"}"#,
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["services"][0]["hosts"][0], "127.0.0.1");
    let error = v["services"][0]["errors"][0].as_str().unwrap_or_default();
    assert!(error.contains("allow_private"), "{v}");
    assert!(v["services"][0]["changes"].as_array().unwrap().is_empty());

    stop_tx.send(()).unwrap();
    tokio::time::timeout(PATIENCE, serving)
        .await
        .expect("server stopped")
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_baselines_are_restored_after_a_restart() {
    use vigie_core::ReportKind;
    use vigie_store::{NewReport, Store};

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let now = vigie_server::state::system_clock()();
    let minute = now.minute_floor();
    // What an earlier run accepted: two counted reports a minute for two days, ending two
    // minutes before this one, and a duplicate that must not count.
    {
        let store = vigie_server::runtime::open_store(&data).unwrap();
        let mut reports: Vec<NewReport> = (2..2 * 1440)
            .rev()
            .flat_map(|i| {
                (0..2).map(move |k| NewReport {
                    service: "shop".into(),
                    at: minute.plus_millis(-i * 60_000 + 5_000 + k * 1_000),
                    kind: ReportKind::Login,
                    region: None,
                    note: None,
                    reporter: format!("reporter-{i}-{k}"),
                    counted: true,
                })
            })
            .collect();
        let mut duplicate = reports[reports.len() - 1].clone();
        duplicate.at = duplicate.at.plus_millis(1_000);
        duplicate.counted = false;
        reports.push(duplicate);
        store.append_reports(&reports).unwrap();
    }
    let config =
        vigie_config::parse_str("test.toml", "[[service]]\nid = \"shop\"\nname = \"Shop\"\n")
            .unwrap();
    let server = Server::start(
        config,
        ServeOptions {
            data_dir: data,
            listen: "127.0.0.1:0".parse().unwrap(),
            admin_token_env: None,
        },
    )
    .await
    .unwrap();
    // The engine's own report series (the service page's chart) holds the stored minutes.
    let series = server
        .state()
        .report_series("shop", minute.plus_millis(-60_000), 9)
        .await
        .expect("the engine answers");
    let distinct: Vec<u32> = series.iter().map(|p| p.distinct).collect();
    assert_eq!(distinct, [2, 2, 2, 2, 2, 2, 2, 2, 0], "{series:?}");
    // And the detector learnt two days of them: its expectation is the stored rate, not
    // the prior of a service without history (0.2 a minute).
    let expected = series[series.len() - 2].expected;
    assert!((1.5..2.5).contains(&expected), "expected {expected}");
}

//! `vigie serve` as a user runs it: the real binary on a temporary data directory, real
//! sockets, real targets on 127.0.0.1.
//!
//! * end to end: an HTTP target that answers and a port that refuses settle into
//!   `operational` and `major_outage` on `/api/v1/services`;
//! * durability: reports posted concurrently, the server killed with SIGKILL mid-load,
//!   restarted on the same directory — every acknowledged report id is still there.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use vigie_server::client::{send, HttpUrl};

/// A generous limit: the machine is shared with many builds.
const PATIENCE: Duration = Duration::from_secs(180);

struct Running {
    child: Child,
    base: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `vigie serve` and waits for /healthz.
fn start(config: &Path, data: &Path, port: u16) -> Running {
    let child = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .arg("serve")
        .arg("--config")
        .arg(config)
        .arg("--data")
        .arg(data)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn vigie serve");
    let mut running = Running {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    // The first stdout line announces the URL.
    let stdout = running.child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    assert!(
        line.contains(&format!("http://127.0.0.1:{port}/")),
        "{line:?}"
    );
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Ok(r) = get(&running.base, "/healthz") {
            if r.0 == 200 {
                return running;
            }
        }
        if let Ok(Some(status)) = running.child.try_wait() {
            panic!("vigie serve exited early: {status}");
        }
        assert!(Instant::now() < deadline, "server did not become healthy");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn get(base: &str, path: &str) -> Result<(u16, Value), String> {
    let url = HttpUrl::parse(base).unwrap().join(path);
    let r = send("GET", &url, &[], b"", Duration::from_secs(30)).map_err(|e| e.to_string())?;
    Ok((
        r.status,
        serde_json::from_slice(&r.body).unwrap_or(Value::Null),
    ))
}

fn post_report(base: &str, service: &str, xff: &str) -> Result<(u16, Value), String> {
    let url = HttpUrl::parse(base)
        .unwrap()
        .join(&format!("/api/v1/services/{service}/reports"));
    let r = send(
        "POST",
        &url,
        &[
            ("Content-Type", "application/json"),
            ("X-Forwarded-For", xff),
        ],
        br#"{"kind":"website","region":"FR"}"#,
        Duration::from_secs(30),
    )
    .map_err(|e| e.to_string())?;
    Ok((
        r.status,
        serde_json::from_slice(&r.body).unwrap_or(Value::Null),
    ))
}

/// A tiny HTTP target answering 200 to everything, on its own thread.
fn http_target() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let mut buf = [0u8; 4096];
                let mut seen = Vec::new();
                while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => seen.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                );
            });
        }
    });
    addr
}

#[test]
fn end_to_end_states_settle_for_up_and_refused_targets() {
    let dir = tempfile::tempdir().unwrap();
    let target = http_target();
    let refused = free_port(); // bound then released: nothing listens there
    let config = dir.path().join("vigie.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[[service]]
id = "up"
name = "Up"

[[service.check]]
kind = "http"
url = "http://{target}/"
interval = "1s"
timeout = "1s"

[[service]]
id = "down"
name = "Down"

[[service.check]]
kind = "tcp"
target = "127.0.0.1:{refused}"
interval = "1s"
timeout = "1s"
"#
        ),
    )
    .unwrap();
    let server = start(&config, &dir.path().join("data"), free_port());
    let deadline = Instant::now() + PATIENCE;
    let mut last = Value::Null;
    loop {
        if let Ok((200, v)) = get(&server.base, "/api/v1/services") {
            let state_of = |id: &str| {
                v.as_array()
                    .and_then(|a| a.iter().find(|s| s["id"] == id))
                    .map(|s| s["state"].as_str().unwrap_or("").to_string())
            };
            if state_of("up").as_deref() == Some("operational")
                && state_of("down").as_deref() == Some("major_outage")
            {
                let down = v
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|s| s["id"] == "down")
                    .unwrap();
                assert!(down["since"].is_string(), "{down}");
                break;
            }
            last = v;
        }
        assert!(Instant::now() < deadline, "states did not settle: {last}");
        std::thread::sleep(Duration::from_millis(250));
    }
    // The failing check's last result is visible, with its classified error. The transition
    // reaches the store a moment after the live state (the engine's outputs are written
    // asynchronously), so it is awaited, not assumed.
    let v = loop {
        let (_, v) = get(&server.base, "/api/v1/services/down").unwrap();
        if !v["transitions"][0].is_null() || Instant::now() >= deadline {
            break v;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(v["checks"][0]["last"][0]["error"], "connect_refused", "{v}");
    assert_eq!(v["transitions"][0]["state"], "major_outage", "{v}");
    // Probe durations reach /metrics, labelled by kind and outcome only.
    let url = HttpUrl::parse(&server.base).unwrap().join("/metrics");
    let text = send("GET", &url, &[], b"", Duration::from_secs(30))
        .unwrap()
        .text();
    assert!(
        text.contains("kind=\"tcp\",outcome=\"connect_refused\""),
        "{text}"
    );
    assert!(!text.contains(&target.to_string()));
}

#[test]
fn acknowledged_reports_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("vigie.toml");
    std::fs::write(
        &config,
        r#"
[reports]
trusted_proxies = ["127.0.0.1/32"]

[[service]]
id = "shop"
name = "Shop"
"#,
    )
    .unwrap();
    let data = dir.path().join("data");
    let port = free_port();
    let server = start(&config, &data, port);

    let acknowledged: Arc<Mutex<Vec<u64>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = Vec::new();
    for w in 0..8u32 {
        let base = server.base.clone();
        let acknowledged = acknowledged.clone();
        let stop = stop.clone();
        workers.push(std::thread::spawn(move || {
            let mut i = 0u32;
            // Bounded: at most 5,000 requests per worker.
            while !stop.load(Ordering::Relaxed) && i < 5_000 {
                let xff = format!("10.{}.{}.1", w, i % 250);
                i += 1;
                match post_report(&base, "shop", &xff) {
                    Ok((202, v)) => acknowledged.lock().unwrap().push(v["id"].as_u64().unwrap()),
                    Ok((status, v)) => panic!("unexpected answer {status}: {v}"),
                    Err(_) => return, // the server is gone
                }
            }
        }));
    }
    // Let the load run, then kill the server without warning.
    let deadline = Instant::now() + PATIENCE;
    while acknowledged.lock().unwrap().len() < 300 {
        assert!(Instant::now() < deadline, "load did not get going");
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut server = server;
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 300);
    drop(server);

    // Restart on the same directory and count.
    let server = start(&config, &data, free_port());
    let (_, v) = get(&server.base, "/api/v1/services/shop").unwrap();
    let total = v["reports_total"].as_u64().unwrap();
    assert!(
        total >= acknowledged.len() as u64,
        "{total} stored < {} acknowledged",
        acknowledged.len()
    );
    drop(server);
    // Every acknowledged id is on disk.
    let store = vigie_store::SqliteStore::open(&data).unwrap();
    use vigie_store::Store;
    let stored = store
        .reports(
            "shop",
            vigie_core::Timestamp::from_millis(0),
            vigie_core::Timestamp::from_millis(i64::MAX / 2),
            1_000_000,
        )
        .unwrap();
    let ids: std::collections::HashSet<u64> = stored.iter().map(|r| r.id).collect();
    let missing: Vec<_> = acknowledged.iter().filter(|id| !ids.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged reports lost: {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
}

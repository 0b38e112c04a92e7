//! A small Chrome DevTools Protocol client for browser tests: starts Debian's `chromium`
//! headless with a throw-away profile, attaches to its page over a WebSocket (tungstenite,
//! blocking), and offers navigate / evaluate / wait-for / screenshot.
//!
//! There is no silent skip: when Chromium is missing the tests fail and say how to install
//! it (`apt-get install -y chromium`), because CI installs it. `VIGIE_CHROMIUM` overrides the
//! binary's path.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

/// How long one DevTools call may take before the test fails (generous: the machine is
/// shared by several builds).
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

fn chromium_path() -> PathBuf {
    if let Some(p) = std::env::var_os("VIGIE_CHROMIUM") {
        return PathBuf::from(p);
    }
    for candidate in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::var("PATH").unwrap_or_default().split(':') {
            let p = Path::new(dir).join(candidate);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!(
        "browser tests need Chromium, and it is not installed.\n\
         Install Debian's package: `apt-get update && apt-get install -y chromium`\n\
         (or set VIGIE_CHROMIUM to a Chromium binary). These tests do not skip."
    );
}

/// Where screenshots go: `<target>/tmp/browser-artifacts/`.
pub fn artifacts_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-artifacts");
    std::fs::create_dir_all(&dir).expect("create artifacts dir");
    dir
}

/// A running headless Chromium; killed on drop.
pub struct Browser {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub fn launch() -> Browser {
        let binary = chromium_path();
        let profile = tempfile::tempdir().expect("profile dir");
        let mut child = Command::new(&binary)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--window-size=1280,1000",
                "--remote-debugging-port=0",
                "--remote-debugging-address=127.0.0.1",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        // Chromium prints "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/…".
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !sent {
                    if let Some(rest) = line.split("ws://127.0.0.1:").nth(1) {
                        if let Some(port) =
                            rest.split('/').next().and_then(|p| p.parse::<u16>().ok())
                        {
                            let _ = tx.send(port);
                            sent = true;
                        }
                    }
                }
            }
        });
        let port = match rx.recv_timeout(CALL_TIMEOUT) {
            Ok(p) => p,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "Chromium ({}) did not open its DevTools port",
                    binary.display()
                );
            }
        };
        Browser {
            child,
            port,
            _profile: profile,
        }
    }

    fn http_get(&self, path: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("devtools http");
        s.set_read_timeout(Some(CALL_TIMEOUT)).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        )
        .unwrap();
        // Read the head, then exactly Content-Length bytes (the server may keep the
        // connection open).
        let mut reader = BufReader::new(s);
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("devtools http head");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).expect("devtools http body");
        String::from_utf8_lossy(&body).into_owned()
    }

    /// Attaches to the browser's first page.
    pub fn page(&self) -> Page {
        let deadline = Instant::now() + CALL_TIMEOUT;
        loop {
            let body = self.http_get("/json/list");
            let list: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let ws = list
                .as_array()
                .into_iter()
                .flatten()
                .find(|t| t["type"] == "page")
                .and_then(|t| t["webSocketDebuggerUrl"].as_str().map(str::to_string));
            if let Some(url) = ws {
                // Rebuild the address from the known port; only the path matters.
                let path = url.splitn(4, '/').nth(3).unwrap_or_default();
                return Page::connect(&format!("ws://127.0.0.1:{}/{path}", self.port));
            }
            assert!(Instant::now() < deadline, "no page target in {body}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One page, driven over the DevTools protocol.
pub struct Page {
    ws: WebSocket<TcpStream>,
    next_id: u64,
    /// Console messages and exceptions seen so far.
    pub console: Vec<String>,
}

impl Page {
    fn connect(url: &str) -> Page {
        let addr = url
            .strip_prefix("ws://")
            .and_then(|r| r.split('/').next())
            .expect("ws url");
        let stream = TcpStream::connect(addr).expect("devtools ws");
        stream.set_read_timeout(Some(CALL_TIMEOUT)).unwrap();
        let (ws, _) = tungstenite::client(url, stream).expect("websocket handshake");
        let mut page = Page {
            ws,
            next_id: 0,
            console: Vec::new(),
        };
        page.call("Page.enable", json!({}));
        page.call("Runtime.enable", json!({}));
        page
    }

    /// Sends one command and waits for its answer (events in between are recorded).
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let msg = json!({"id": id, "method": method, "params": params}).to_string();
        self.ws.send(Message::text(msg)).expect("devtools send");
        let deadline = Instant::now() + CALL_TIMEOUT;
        loop {
            assert!(Instant::now() < deadline, "{method}: no answer");
            let msg = self.ws.read().expect("devtools read");
            let Message::Text(text) = msg else { continue };
            let v: Value = serde_json::from_str(text.as_str()).expect("devtools json");
            if v["id"] == id {
                if let Some(err) = v.get("error") {
                    panic!("{method} failed: {err}");
                }
                return v["result"].clone();
            }
            match v["method"].as_str() {
                Some("Runtime.consoleAPICalled") => {
                    let args: Vec<String> = v["params"]["args"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|a| a["value"].to_string())
                        .collect();
                    self.console.push(args.join(" "));
                }
                Some("Runtime.exceptionThrown") => {
                    self.console
                        .push(format!("exception: {}", v["params"]["exceptionDetails"]));
                }
                _ => {}
            }
        }
    }

    /// Evaluates a JavaScript expression (promises awaited) and returns its value.
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        if let Some(ex) = r.get("exceptionDetails") {
            panic!("{expression}: {ex}");
        }
        r["result"]["value"].clone()
    }

    /// Polls `expression` until it is truthy; false after `timeout`.
    pub fn wait_for(&mut self, expression: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let v = self.eval(&format!("!!({expression})"));
            if v == Value::Bool(true) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Loads `url` and waits for the document and its deferred script.
    pub fn goto(&mut self, url: &str) {
        self.call("Page.navigate", json!({"url": url}));
        // The old document may still answer "complete" for a moment: wait for the new URL.
        let target = serde_json::to_string(url).unwrap();
        assert!(
            self.wait_for(
                &format!("location.href === {target} && document.readyState === 'complete'"),
                CALL_TIMEOUT
            ),
            "{url} did not load"
        );
    }

    /// The serialized DOM as it is now (after scripts ran).
    pub fn dom(&mut self) -> String {
        self.eval("document.documentElement.outerHTML")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Saves a PNG of the full page to `path`.
    pub fn screenshot(&mut self, path: &Path) {
        let metrics = self.call("Page.getLayoutMetrics", json!({}));
        let w = metrics["cssContentSize"]["width"]
            .as_f64()
            .unwrap_or(1280.0)
            .ceil();
        let h = metrics["cssContentSize"]["height"]
            .as_f64()
            .unwrap_or(1000.0)
            .ceil()
            .min(6000.0);
        let r = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true,
                   "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}}),
        );
        let data = r["data"].as_str().expect("screenshot data");
        let png = base64_decode(data);
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(path, png).unwrap();
    }
}

/// Standard base64 (with padding), as DevTools sends screenshots.
pub fn base64_decode(text: &str) -> Vec<u8> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let Some(v) = val(c) else { continue };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

#[test]
fn base64_round_trip() {
    assert_eq!(base64_decode("aGVsbG8gd29ybGQ="), b"hello world");
    assert_eq!(base64_decode("iVBORw0KGgo="), b"\x89PNG\r\n\x1a\n");
}

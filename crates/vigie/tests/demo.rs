//! `vigie demo` end to end, without a browser: at high speed the built-in scenario must make
//! services fall, open a component incident blaming the CDN, resolve it, and exit cleanly.

mod demo_support;

use std::time::Duration;

use demo_support::Demo;
use serde_json::Value;

#[test]
fn demo_replays_an_outage_with_its_probable_cause_and_recovery() {
    // 45 simulated minutes at 240× is about 11 s.
    let mut demo = Demo::start(&["--speed", "240", "--exit-after", "5"]);
    let (status, body) = demo.get("/api/v1/services");
    assert_eq!(status, 200, "{body}");
    let services: Value = serde_json::from_str(&body).unwrap();
    assert!(
        services.as_array().unwrap().len() >= 30,
        "a few dozen services"
    );

    let opened = demo
        .wait_line("INCIDENT", Duration::from_secs(120))
        .expect("a component incident opens");
    assert!(opened.contains("probable cause Fastly"), "{opened}");
    // While it is open, the pages show it.
    let (status, html) = demo.get("/");
    assert_eq!(status, 200);
    assert!(
        html.contains("probable cause, confidence"),
        "overview shows the cause"
    );
    let (status, summary) = demo.get("/api/v2/summary.json");
    assert_eq!(status, 200);
    let summary: Value = serde_json::from_str(&summary).unwrap();
    assert_ne!(summary["status"]["indicator"], "none");

    let id = opened
        .split("INCIDENT #")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap()
        .to_string();
    demo.wait_line(
        &format!("incident #{id} resolved"),
        Duration::from_secs(180),
    )
    .expect("the CDN incident resolves");
    demo.wait_line("replay finished", Duration::from_secs(180))
        .expect("the replay ends");
    let status = demo
        .wait_exit(Duration::from_secs(120))
        .expect("exits after --exit-after");
    assert!(status.success(), "{status:?}");
    let lines = demo.lines.lock().unwrap().clone();
    assert!(
        lines.iter().any(|l| l.contains("→ major_outage")),
        "services fall: {lines:?}"
    );
    // The lone failure is not blamed on a shared component.
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("INCIDENT") && l.contains("probable cause AWS")),
        "{lines:?}"
    );
}

#[test]
fn demo_rejects_a_bad_speed_and_a_missing_scenario() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["demo", "--speed", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--speed"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--scenario",
            "/nonexistent/x.jsonl",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x.jsonl"));
}

//! `vigie replay` as a user runs it: the real binary on scenario files in a temporary
//! directory.

use std::path::Path;
use std::process::Command;

const HEADER: &str = r#"{"vigie_scenario": 1, "name": "cli", "start": "2021-06-08T09:00:00Z", "end": "2021-06-08T10:00:00Z", "components": [{"id": "cdn", "kind": "cdn"}], "services": [{"id": "web", "depends_on": ["cdn"]}]}"#;

fn vigie(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run vigie")
}

fn write(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, format!("{HEADER}\n{body}")).unwrap();
    path.display().to_string()
}

fn outage(dir: &Path) -> String {
    let mut body = String::new();
    for m in 0..40 {
        let ok = !(10..20).contains(&m);
        for (k, v) in ["paris", "tokyo", "ohio"].iter().enumerate() {
            body.push_str(&format!(
                "{{\"at\":\"2021-06-08T09:{m:02}:{:02}Z\",\"type\":\"probe\",\"service\":\"web\",\"vantage\":\"{v}\",\"ok\":{ok}}}\n",
                k * 5
            ));
        }
    }
    write(dir, "outage.jsonl", &body)
}

#[test]
fn prints_the_documented_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = outage(dir.path());
    let out = vigie(&["replay", &path, "--summary"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let states: Vec<&str> = lines
        .iter()
        .filter(|v| v["type"] == "service_state")
        .map(|v| v["state"].as_str().unwrap())
        .collect();
    // Probes stop at 09:39 and the scenario ends at 10:00: the vantages go stale.
    assert_eq!(
        states,
        ["operational", "major_outage", "operational", "unknown"],
        "{stdout}"
    );
    let opened = lines
        .iter()
        .find(|v| v["type"] == "incident_opened")
        .unwrap();
    assert_eq!(opened["scope"], "service");
    assert_eq!(opened["service"], "web");
    assert!(lines.iter().any(|v| v["type"] == "incident_resolved"));
    // First key is `type`, times are RFC 3339 UTC.
    assert!(stdout.lines().all(|l| l.starts_with("{\"type\":")));
    assert!(lines
        .iter()
        .all(|v| v["at"].as_str().unwrap().ends_with('Z')));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("signals           120"), "{stderr}");
}

#[test]
fn same_file_same_output() {
    let dir = tempfile::tempdir().unwrap();
    let path = outage(dir.path());
    let a = vigie(&["replay", &path]);
    let b = vigie(&["replay", &path]);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn from_and_until_bound_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let path = outage(dir.path());
    let out = vigie(&[
        "replay",
        &path,
        "--from",
        "2021-06-08T09:15:00Z",
        "--until",
        "2021-06-08T09:25:00Z",
    ]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let at = v["at"].as_str().unwrap();
        assert!(
            ("2021-06-08T09:15:00Z"..="2021-06-08T09:25:00Z").contains(&at),
            "{line}"
        );
    }
}

#[test]
fn a_malformed_scenario_exits_2_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("{\"at\":\"2021-06-08T09:00:00Z\",\"type\":\"probe\",\"service\":\"web\",\"vantage\":\"x\",\"ok\":true}\n{oops\n", "line 3: bad JSON"),
        ("{\"at\":\"2021-06-08T09:00:00Z\",\"type\":\"report\",\"service\":\"nope\"}\n", "line 2: unknown service"),
        ("{\"at\":\"2021-06-08T09:00:00Z\",\"type\":\"report\",\"service\":\"web\"}\n{\"at\":\"2021-06-08T08:00:00Z\",\"type\":\"report\",\"service\":\"web\"}\n", "line 3: time goes backwards"),
        ("{\"at\":\"2021-06-08T09:00:00Z\",\"type\":\"tweet\",\"service\":\"web\"}\n", "line 2: unknown event type"),
    ];
    for (i, (body, needle)) in cases.iter().enumerate() {
        let path = write(dir.path(), &format!("bad{i}.jsonl"), body);
        let out = vigie(&["replay", &path]);
        assert_eq!(out.status.code(), Some(2), "{needle}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    let out = vigie(&[
        "replay",
        &dir.path().join("missing.jsonl").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

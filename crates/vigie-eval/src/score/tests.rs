use super::*;
use crate::truth::TruthIncident;

fn t(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

fn facts() -> ScenarioFacts {
    ScenarioFacts {
        start: t("2021-06-08T00:00:00Z"),
        end: t("2021-06-09T00:00:00Z"),
        services: ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect(),
    }
}

fn truth() -> Truth {
    Truth {
        incidents: vec![
            TruthIncident {
                cause: "fastly".into(),
                start: t("2021-06-08T10:00:00Z"),
                end: t("2021-06-08T11:00:00Z"),
                affected: vec!["a".into(), "b".into(), "c".into()],
                mode: None,
            },
            TruthIncident {
                cause: "aws/us-east-1".into(),
                start: t("2021-06-08T15:00:00Z"),
                end: t("2021-06-08T15:30:00Z"),
                affected: vec!["a".into(), "d".into()],
                mode: None,
            },
            TruthIncident {
                cause: "d".into(),
                start: t("2021-06-08T20:00:00Z"),
                end: t("2021-06-08T20:10:00Z"),
                affected: vec!["d".into()],
                mode: None,
            },
        ],
    }
}

const OUTPUT: &str = r#"
{"type":"service_state","at":"2021-06-08T10:01:00Z","service":"a","state":"major_outage","previous":"operational"}
{"type":"service_state","at":"2021-06-08T10:03:00Z","service":"b","state":"degraded","previous":"unknown"}
{"type":"service_state","at":"2021-06-08T10:04:00Z","service":"b","state":"major_outage","previous":"degraded"}
{"type":"incident_opened","at":"2021-06-08T10:02:00Z","incident":7,"scope":"component","component":"aws","confidence":0.6,"services":["a","b"]}
{"type":"incident_updated","at":"2021-06-08T10:05:00Z","incident":7,"component":"fastly","confidence":0.9}
{"type":"service_state","at":"2021-06-08T15:00:30Z","service":"d","state":"major_outage","previous":"operational"}
{"type":"incident_opened","at":"2021-06-08T15:02:00Z","incident":9,"scope":"component","component":"aws","confidence":0.9,"services":["a","d"]}
{"type":"service_state","at":"2021-06-08T18:00:00Z","service":"c","state":"major_outage","previous":"operational"}
{"type":"incident_opened","at":"2021-06-08T18:01:00Z","incident":11,"scope":"component","component":"cloudflare","confidence":0.9,"services":["c","d"]}
not json
{"type":"incident_opened","at":"2021-06-08T20:01:00Z","incident":12,"scope":"service","service":"d"}
"#;

#[test]
fn hand_checked_metrics() {
    let tally = score(&facts(), &truth(), OUTPUT.lines());
    let m = tally.metrics();
    // Affected: a, b, c (fastly) + a, d (aws) + d (lone) = 6; detected a, b (fastly), d (aws).
    assert_eq!(m.recall, Some(0.5));
    assert_eq!(m.svc_p50_s, Some(60.0)); // 60, 180, 30 → 60
    assert_eq!(m.first_p50_s, Some(45.0)); // 60, 30
    assert_eq!(m.attr, "1/2");
    assert_eq!(m.attr_general, 1); // aws for aws/us-east-1
    assert_eq!(m.attr_p50_s, Some(300.0));
    assert_eq!(m.false_svc, 1); // c at 18:00
                                // aws at 10:02 (only the fastly incident is active then) and cloudflare at 18:01.
    assert_eq!(m.false_comp, 2);
    assert_eq!(m.bad_output_lines, 1);
    assert_eq!(m.output_lines, 10);
    assert_eq!(m.false_svc_per_svc_day, Some(0.25));
}

#[test]
fn findings_say_what_each_error_was() {
    let tally = score(&facts(), &truth(), OUTPUT.lines());
    let text: Vec<String> = tally.findings.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "missed cause aws/us-east-1 (mode unknown) at 2021-06-08T15:00:00Z: 1 of 2 hit services detected; named: aws",
            "false service alarm c at 2021-06-08T18:00:00Z",
            "false component incident aws at 2021-06-08T10:02:00Z",
            "false component incident cloudflare at 2021-06-08T18:01:00Z",
        ]
    );
    // As many findings as the counts they explain.
    let m = tally.metrics();
    assert_eq!(
        tally.findings.len() as u64,
        (m.attr_total - m.attr_exact) + m.false_svc + m.false_comp
    );
}

#[test]
fn medians_follow_python() {
    assert_eq!(p50(&[]), None);
    assert_eq!(p50(&[3.0, 1.0, 2.0]), Some(2.0));
    assert_eq!(p50(&[1.0, 2.0, 3.0, 10.0]), Some(2.5));
}

#[test]
fn related_means_same_ancestor_or_descendant() {
    assert!(related("aws", "aws/us-east-1"));
    assert!(related("aws/us-east-1", "aws"));
    assert!(related("aws", "aws"));
    assert!(!related("aws", "awsx"));
    assert!(!related("aws/us-east-1", "aws/us-east-2"));
}

/// The port agrees with `shared/tools/eval_replay.py` (copied under tests/fixtures) on the
/// hand-made case above and on a generated scenario replayed through the engine.
#[test]
fn agrees_with_the_python_tool() {
    let python = std::process::Command::new("python3")
        .arg("--version")
        .output();
    if python.is_err() {
        eprintln!("python3 not found: skipping the comparison with eval_replay.py");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tool = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/eval_replay.py");

    let compare =
        |scenario: &std::path::Path, truth_path: &std::path::Path, output: &str, tally: &Tally| {
            let out_path = dir.path().join("out.jsonl");
            std::fs::write(&out_path, output).unwrap();
            let run = std::process::Command::new("python3")
                .args([
                    tool,
                    &scenario.display().to_string(),
                    &truth_path.display().to_string(),
                    &out_path.display().to_string(),
                    "--json",
                ])
                .output()
                .unwrap();
            assert!(
                run.status.success(),
                "{}",
                String::from_utf8_lossy(&run.stderr)
            );
            let py: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
            let rs = serde_json::to_value(tally.metrics()).unwrap();
            for key in [
                "recall",
                "svc_p50_s",
                "first_p50_s",
                "attr",
                "attr_exact",
                "attr_total",
                "attr_general",
                "attr_p50_s",
                "false_svc",
                "false_svc_per_svc_day",
                "false_comp",
                "bad_output_lines",
                "output_lines",
            ] {
                let (a, b) = (&py[key], &rs[key]);
                let same = match (a.as_f64(), b.as_f64()) {
                    (Some(x), Some(y)) => (x - y).abs() < 1e-9,
                    _ => a == b,
                };
                assert!(same, "{key}: python {a} rust {b}");
            }
        };

    // The hand-made case.
    let scenario = dir.path().join("hand.jsonl");
    let header = serde_json::json!({"vigie_scenario": 1, "name": "hand", "start": "2021-06-08T00:00:00Z",
        "end": "2021-06-09T00:00:00Z", "components": [],
        "services": [{"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}]});
    std::fs::write(&scenario, format!("{header}\n")).unwrap();
    let truth_path = dir.path().join("hand.truth.json");
    std::fs::write(&truth_path, serde_json::to_string(&truth()).unwrap()).unwrap();
    compare(
        &scenario,
        &truth_path,
        OUTPUT,
        &score(&facts(), &truth(), OUTPUT.lines()),
    );

    // A generated scenario through the real engine.
    let params = crate::GenParams {
        services: 30,
        components: 20,
        incidents: 3,
        days: 1.0,
        seed: 77,
        ..Default::default()
    };
    let (scenario, truth_path, _) =
        crate::generate_files(&params, &dir.path().join("gen")).unwrap();
    let result = crate::run::evaluate(&scenario, &truth_path).unwrap();
    assert!(result.tally.output_lines > 0);
    compare(
        &scenario,
        &truth_path,
        &result.output.join("\n"),
        &result.tally,
    );
}

//! The replay driver over scenario text: determinism, the tick grid, --from/--until.

use std::io::Cursor;

use vigie_core::engine::{Engine, EngineParams};
use vigie_core::replay::{replay, ReplayOptions};
use vigie_core::scenario::{ScenarioError, ScenarioReader};
use vigie_core::Output;

/// A small scenario: a day of quiet reports and probes for three services, then a shared
/// outage of two of them for 20 minutes, a lone report surge on the third, and recovery.
fn scenario() -> String {
    let mut lines = vec![r#"{"vigie_scenario": 1, "name": "fixture", "start": "2021-06-07T00:00:00Z", "end": "2021-06-08T12:00:00Z", "components": [{"id": "cdn", "kind": "cdn"}], "services": [{"id": "a", "depends_on": ["cdn"]}, {"id": "b", "depends_on": ["cdn"]}, {"id": "c", "depends_on": ["cdn"]}]}"#.to_string()];
    let start = 1_623_024_000i64; // 2021-06-07T00:00:00Z
    let fmt = |secs: i64| vigie_core::Timestamp::from_secs(secs).to_rfc3339();
    for m in 0..(36 * 60) {
        let t = start + m * 60;
        let outage = (34 * 60..34 * 60 + 20).contains(&m);
        let surge_c = (35 * 60..35 * 60 + 10).contains(&m);
        for (i, svc) in ["a", "b", "c"].iter().enumerate() {
            let count = if outage && *svc != "c" {
                80
            } else if surge_c && *svc == "c" {
                60
            } else {
                (m + i as i64) % 3
            };
            if count > 0 {
                lines.push(format!(
                    r#"{{"at":"{}","type":"reports","service":"{svc}","count":{count},"kind":"app"}}"#,
                    fmt(t)
                ));
            }
        }
        for (k, v) in ["paris", "tokyo"].iter().enumerate() {
            for (i, svc) in ["a", "b", "c"].iter().enumerate() {
                let ok = !(outage && *svc != "c");
                lines.push(format!(
                    r#"{{"at":"{}","type":"probe","service":"{svc}","vantage":"{v}","ok":{ok}{}}}"#,
                    fmt(t + 10 * k as i64 + i as i64),
                    if ok { "" } else { r#","error":"http_status""# }
                ));
            }
        }
    }
    lines.join("\n") + "\n"
}

fn run(text: &str, options: ReplayOptions) -> Result<Vec<String>, ScenarioError> {
    let reader = ScenarioReader::new(Cursor::new(text.as_bytes()))?;
    let header = reader.header().clone();
    let mut engine = Engine::new(header.topology, EngineParams::default());
    let options = ReplayOptions {
        finish_at: header.end,
        ..options
    };
    let mut out = Vec::new();
    replay(&mut engine, reader, &options, |o: &Output| {
        out.push(o.to_json_line());
    })?;
    Ok(out)
}

#[test]
fn same_input_same_output() {
    let text = scenario();
    let first = run(&text, ReplayOptions::default()).unwrap();
    let second = run(&text, ReplayOptions::default()).unwrap();
    assert!(!first.is_empty());
    assert_eq!(first, second);
    // The outage shows on a and b, the lone surge on c, and everything resolves.
    let joined = first.join("\n");
    assert!(
        joined.contains(r#""service":"a","state":"major_outage""#),
        "{joined}"
    );
    assert!(
        joined.contains(r#""service":"b","state":"major_outage""#),
        "{joined}"
    );
    assert!(
        joined.contains(r#""service":"c","state":"degraded""#)
            || !joined.contains(r#""service":"c","state":"major_outage""#)
    );
    let opened = first
        .iter()
        .filter(|l| l.contains("incident_opened"))
        .count();
    let resolved = first
        .iter()
        .filter(|l| l.contains("incident_resolved"))
        .count();
    assert!(opened >= 2, "{joined}");
    assert_eq!(opened, resolved, "{joined}");
}

#[test]
fn outputs_are_never_dated_before_the_input_they_follow() {
    let text = scenario();
    let reader = ScenarioReader::new(Cursor::new(text.as_bytes())).unwrap();
    let header = reader.header().clone();
    let mut engine = Engine::new(header.topology, EngineParams::default());
    // `pulled` is the signal being handed to the driver, `ingested` the one before it: when
    // the driver ticks before ingesting `pulled`, the engine has seen up to `ingested`.
    let pulled = std::cell::Cell::new(None);
    let ingested = std::cell::Cell::new(None);
    let signals = reader.inspect(|s| {
        if let Ok(s) = s {
            ingested.set(pulled.get());
            pulled.set(Some(s.at()));
        }
    });
    let mut checked = 0;
    replay(&mut engine, signals, &ReplayOptions::default(), |o| {
        if let Some(t) = ingested.get() {
            assert!(o.at() >= t, "{o:?} is dated before input at {t}");
        }
        checked += 1;
    })
    .unwrap();
    assert!(checked > 0);
}

#[test]
fn from_and_until_filter() {
    let text = scenario();
    let all = run(&text, ReplayOptions::default()).unwrap();
    let from = vigie_core::Timestamp::parse_rfc3339("2021-06-08T10:30:00Z").unwrap();
    let until = vigie_core::Timestamp::parse_rfc3339("2021-06-08T10:15:00Z").unwrap();
    let late = run(
        &text,
        ReplayOptions {
            from: Some(from),
            ..ReplayOptions::default()
        },
    )
    .unwrap();
    // Everything printed with --from is a suffix of the full replay.
    assert!(!late.is_empty() && late.len() < all.len());
    assert_eq!(&all[all.len() - late.len()..], &late[..]);
    let early = run(
        &text,
        ReplayOptions {
            until: Some(until),
            ..ReplayOptions::default()
        },
    )
    .unwrap();
    for line in &early {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let at = vigie_core::Timestamp::parse_rfc3339(v["at"].as_str().unwrap()).unwrap();
        assert!(at <= until, "{line}");
    }
    assert_eq!(&all[..early.len()], &early[..]);
}

#[test]
fn a_malformed_line_stops_the_replay_with_its_line_number() {
    let mut text = scenario();
    text.push_str(
        "{\"at\": \"2021-06-08T12:00:00Z\", \"type\": \"probe\", \"service\": \"zzz\"}\n",
    );
    let lines = text.lines().count() as u64;
    let err = run(&text, ReplayOptions::default()).unwrap_err();
    assert_eq!(err.line, lines);
    assert!(err.to_string().contains("unknown service"), "{err}");
}

#[test]
fn evidence_stamped_on_a_grid_point_is_judged_at_that_instant() {
    // A service without probes: a day of one reporter a minute, then 200 in the minute
    // starting at 2021-06-08T00:00:00Z — a grid point of a 10 s cadence, which a signal
    // stamped there must not wait for the next point of.
    let mut lines = vec![r#"{"vigie_scenario": 1, "name": "grid", "start": "2021-06-07T00:00:00Z", "end": "2021-06-08T00:30:00Z", "components": [], "services": [{"id": "solo"}]}"#.to_string()];
    let start = 1_623_024_000i64;
    let fmt = |secs: i64| vigie_core::Timestamp::from_secs(secs).to_rfc3339();
    for m in 0..=(24 * 60) {
        let count = if m == 24 * 60 { 200 } else { 1 };
        lines.push(format!(
            r#"{{"at":"{}","type":"reports","service":"solo","count":{count}}}"#,
            fmt(start + m * 60)
        ));
    }
    let options = ReplayOptions {
        cadence_ms: 10_000,
        ..ReplayOptions::default()
    };
    let out = run(&(lines.join("\n") + "\n"), options).unwrap();
    let impaired = out
        .iter()
        .find(|l| l.contains(r#""state":"major_outage""#))
        .expect("the surge is seen");
    assert!(
        impaired.contains(r#""at":"2021-06-08T00:00:00Z""#),
        "{impaired}"
    );
}

/// `reports` batches rewritten as one `report` line per reporter, each stamped where its batch
/// was (on the minute: the shape of a source that rounds report times down).
fn as_single_reports(text: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["type"] != "reports" {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        for k in 0..v["count"].as_u64().unwrap() {
            let single = serde_json::json!({
                "at": v["at"], "type": "report", "service": v["service"],
                "kind": v["kind"], "reporter": format!("r-{i}-{k}"),
            });
            out.push_str(&single.to_string());
            out.push('\n');
        }
    }
    out
}

#[test]
fn single_reports_stamped_on_the_minute_replay_as_their_batches() {
    let text = scenario();
    let single = as_single_reports(&text);
    assert!(single.contains(r#""type":"report""#) && !single.contains(r#""type":"reports""#));
    let batched = run(&text, ReplayOptions::default()).unwrap();
    assert_eq!(run(&single, ReplayOptions::default()).unwrap(), batched);
}

/// The `error` of a failed probe is optional: without it the probes still fail, so the
/// services are seen by probes, not by reports alone, and the cause is named as soon.
#[test]
fn failing_probes_that_do_not_say_how_still_count_as_probes() {
    let text = scenario();
    let silent = text.replace(r#","error":"http_status""#, "");
    assert_ne!(silent, text);
    let opened = |text: &str| -> Vec<String> {
        run(text, ReplayOptions::default())
            .unwrap()
            .into_iter()
            .filter(|l| l.contains(r#""scope":"component""#))
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(&l).unwrap();
                format!("{} {}", v["at"], v["component"])
            })
            .collect()
    };
    let named = opened(&text);
    assert_eq!(named.len(), 1, "{named:?}");
    assert_eq!(opened(&silent), named);
}

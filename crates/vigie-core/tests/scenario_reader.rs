//! The scenario reader against whole files: errors name their line, writer output reads back.

use std::io::Cursor;

use vigie_core::scenario::{signal_line, Problem, ScenarioError, ScenarioReader, ScenarioWriter};
use vigie_core::{OfficialTarget, ProbeError, ReportKind, Signal};

const HEADER: &str = r#"{"vigie_scenario": 1, "name": "t", "start": "2021-06-08T09:00:00Z", "end": "2021-06-08T10:00:00Z", "components": [{"id": "fastly", "kind": "cdn"}], "services": [{"id": "reddit", "name": "Reddit", "depends_on": ["fastly"]}]}"#;

fn read_all(text: &str) -> Result<Vec<Signal>, ScenarioError> {
    ScenarioReader::new(Cursor::new(text.as_bytes()))?.collect()
}

fn error_of(body: &str) -> ScenarioError {
    let text = format!("{HEADER}\n{body}");
    read_all(&text).expect_err("must be rejected")
}

#[test]
fn reads_every_event_type() {
    let text = format!(
        "{HEADER}\n{}\n{}\n\n{}\n{}\n",
        r#"{"at": "2021-06-08T09:48:00Z", "type": "reports", "service": "reddit", "count": 240, "kind": "website"}"#,
        r#"{"at": "2021-06-08T09:48:10Z", "type": "report", "service": "reddit", "kind": "app", "reporter": "r-91f2", "region": "fr"}"#,
        r#"{"at": "2021-06-08T09:48:15Z", "type": "probe", "service": "reddit", "vantage": "paris", "ok": false, "error": "http_status", "latency_ms": 31.0, "future_field": 3}"#,
        r#"{"at": "2021-06-08T10:30:00Z", "type": "official", "source": "status.fastly.com", "component": "fastly", "status": "major_outage"}"#,
    );
    let signals = read_all(&text).unwrap();
    assert_eq!(signals.len(), 4);
    match &signals[0] {
        Signal::Reports(b) => {
            assert_eq!(b.count, 240);
            assert_eq!(b.kind, Some(ReportKind::Website));
        }
        other => panic!("{other:?}"),
    }
    match &signals[1] {
        Signal::Report(r) => {
            assert_eq!(r.region.as_deref(), Some("FR"));
            assert_eq!(r.reporter.as_deref(), Some("r-91f2"));
        }
        other => panic!("{other:?}"),
    }
    match &signals[2] {
        Signal::Probe(p) => {
            assert!(!p.ok);
            assert_eq!(p.error, Some(ProbeError::HttpStatus));
            assert_eq!(p.vantage, "paris");
        }
        other => panic!("{other:?}"),
    }
    match &signals[3] {
        Signal::Official(o) => assert_eq!(o.target, OfficialTarget::Component("fastly".into())),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_json_names_its_line() {
    let e = error_of(
        "{\"at\": \"2021-06-08T09:48:00Z\", \"type\": \"reports\", \"service\": \"reddit\", \"count\": 1}\n{\"at\": oops}\n",
    );
    assert_eq!(e.line, 3);
    assert!(matches!(e.problem, Problem::BadJson(_)), "{e}");
    assert!(e.to_string().starts_with("line 3: bad JSON"), "{e}");
}

#[test]
fn time_going_backwards_names_its_line() {
    let e = error_of(concat!(
        r#"{"at": "2021-06-08T09:48:00Z", "type": "reports", "service": "reddit", "count": 1}"#,
        "\n",
        r#"{"at": "2021-06-08T09:47:59Z", "type": "reports", "service": "reddit", "count": 1}"#,
        "\n"
    ));
    assert_eq!(e.line, 3);
    assert!(matches!(e.problem, Problem::TimeBackwards { .. }), "{e}");
    assert!(e.to_string().contains("backwards"), "{e}");
}

#[test]
fn unknown_service_names_its_line() {
    let e = error_of(r#"{"at": "2021-06-08T09:48:00Z", "type": "report", "service": "twitter"}"#);
    assert_eq!(e.line, 2);
    assert!(
        matches!(e.problem, Problem::UnknownService(ref s) if s == "twitter"),
        "{e}"
    );
}

#[test]
fn unknown_type_names_its_line() {
    let e = error_of(r#"{"at": "2021-06-08T09:48:00Z", "type": "tweet", "service": "reddit"}"#);
    assert_eq!(e.line, 2);
    assert!(
        matches!(e.problem, Problem::UnknownType(ref s) if s == "tweet"),
        "{e}"
    );
}

#[test]
fn missing_and_invalid_fields_are_named() {
    let cases = [
        (r#"{"type": "report", "service": "reddit"}"#, "`at`"),
        (
            r#"{"at": "yesterday", "type": "report", "service": "reddit"}"#,
            "`at`",
        ),
        (
            r#"{"at": "2021-06-08T09:48:00Z", "type": "probe", "service": "reddit", "ok": true}"#,
            "`vantage`",
        ),
        (
            r#"{"at": "2021-06-08T09:48:00Z", "type": "probe", "service": "reddit", "vantage": "x"}"#,
            "`ok`",
        ),
        (
            r#"{"at": "2021-06-08T09:48:00Z", "type": "probe", "service": "reddit", "vantage": "x", "ok": "yes"}"#,
            "`ok`",
        ),
        (
            r#"{"at": "2021-06-08T09:48:00Z", "type": "probe", "service": "reddit", "vantage": "x", "ok": false, "error": "boom"}"#,
            "boom",
        ),
        (
            r#"{"at": "2021-06-08T09:48:00Z", "type": "report", "service": "reddit", "kind": "fax"}"#,
            "fax",
        ),
        (
            r#"{"at": "2021-06-08T09:48:00Z", "type": "report", "service": "reddit", "region": "France"}"#,
            "`region`",
        ),
        (
            r#"{"at": "2021-06-08T09:48:00Z", "type": "reports", "service": "reddit"}"#,
            "`count`",
        ),
        (
            r#"{"at": "2021-06-08T09:48:00Z", "type": "reports", "service": "reddit", "count": -3}"#,
            "`count`",
        ),
        (
            r#"{"at": "2021-06-08T09:48:00Z", "type": "official", "source": "s", "component": "fastly", "status": "on_fire"}"#,
            "on_fire",
        ),
        (
            r#"{"at": "2021-06-08T09:48:00Z", "type": "official", "source": "s", "status": "degraded"}"#,
            "`component`",
        ),
    ];
    for (line, needle) in cases {
        let e = error_of(line);
        assert_eq!(e.line, 2, "{line}");
        assert!(e.to_string().contains(needle), "{line}: {e}");
    }
}

#[test]
fn header_errors_are_on_line_one() {
    let e = read_all("").unwrap_err();
    assert_eq!(e.line, 1);
    assert!(matches!(e.problem, Problem::Empty));
    let e = read_all("{not json\n").unwrap_err();
    assert_eq!(e.line, 1);
    assert!(matches!(e.problem, Problem::BadJson(_)));
    let e = read_all("{\"name\": \"no version\"}\n").unwrap_err();
    assert_eq!(e.line, 1);
}

#[test]
fn overlong_lines_are_rejected() {
    let long = format!(
        r#"{{"at": "2021-06-08T09:48:00Z", "type": "report", "service": "reddit", "pad": "{}"}}"#,
        "x".repeat(vigie_core::scenario::MAX_EVENT_LINE_BYTES)
    );
    let e = error_of(&long);
    assert_eq!(e.line, 2);
    assert!(matches!(e.problem, Problem::TooLong(_)), "{e}");
}

#[test]
fn iteration_stops_after_the_first_error() {
    let text = format!(
        "{HEADER}\n{{bad\n{}\n",
        r#"{"at": "2021-06-08T09:48:00Z", "type": "reports", "service": "reddit", "count": 1}"#
    );
    let mut reader = ScenarioReader::new(Cursor::new(text.as_bytes())).unwrap();
    assert!(reader.next().unwrap().is_err());
    assert!(reader.next().is_none());
}

#[test]
fn writer_output_reads_back_identically() {
    let text = format!(
        "{HEADER}\n{}\n{}\n{}\n{}\n",
        r#"{"at": "2021-06-08T09:48:00Z", "type": "reports", "service": "reddit", "count": 240, "kind": "website", "region": "DE"}"#,
        r#"{"at": "2021-06-08T09:48:10.250Z", "type": "report", "service": "reddit", "kind": "app", "reporter": "r-91f2"}"#,
        r#"{"at": "2021-06-08T09:48:15Z", "type": "probe", "service": "reddit", "check": "home", "vantage": "paris", "ok": true, "slow": true, "latency_ms": 3100.5}"#,
        r#"{"at": "2021-06-08T10:30:00Z", "type": "official", "source": "status.reddit.com", "service": "reddit", "status": "partial_outage"}"#,
    );
    let reader = ScenarioReader::new(Cursor::new(text.as_bytes())).unwrap();
    let header = reader.header().clone();
    let signals: Vec<Signal> = reader.collect::<Result<_, _>>().unwrap();
    let mut writer = ScenarioWriter::new(Vec::new(), &header).unwrap();
    for s in &signals {
        writer.write(s).unwrap();
    }
    let written = writer.finish().unwrap();
    let again = ScenarioReader::new(Cursor::new(&written[..])).unwrap();
    assert_eq!(again.header(), &header);
    let signals_again: Vec<Signal> = again.collect::<Result<_, _>>().unwrap();
    assert_eq!(signals_again, signals);
    assert!(signal_line(&signals[1]).contains(r#""at":"2021-06-08T09:48:10.250Z""#));
}

#[test]
fn reads_the_shared_example_when_present() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/scenarios/cdn-outage-small.jsonl");
    let Ok(file) = std::fs::File::open(&path) else {
        eprintln!("skipping: {} not present", path.display());
        return;
    };
    let reader = ScenarioReader::new(std::io::BufReader::new(file)).unwrap();
    assert_eq!(reader.header().topology.services.len(), 8);
    let mut n = 0;
    for s in reader {
        s.unwrap();
        n += 1;
    }
    assert!(n > 30_000, "{n}");
}

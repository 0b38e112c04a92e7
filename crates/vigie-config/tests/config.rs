//! Loading vigie.toml from real files: the minimal example, every key, and all errors at once.

use std::path::{Path, PathBuf};
use std::time::Duration;

use vigie_config::{builtin_example, load, parse_str};
use vigie_probe::CheckKind;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn the_minimal_file_of_the_issue_is_accepted_as_it_is() {
    let config = load(&fixture("minimal.toml")).unwrap();
    assert_eq!(config.services.len(), 2);
    let example = &config.services[0];
    assert_eq!(example.spec.id, "example");
    let check = &example.checks[0];
    assert_eq!(check.interval, Duration::from_secs(60));
    assert_eq!(check.timeout, Duration::from_secs(10));
    assert_eq!(check.id, "http-0");
    let tcp = &config.services[1].checks[0];
    assert_eq!(tcp.interval, Duration::from_secs(30));
    match &tcp.kind {
        CheckKind::Tcp(t) => {
            assert_eq!(t.host, "example.com");
            assert_eq!(t.port, 443);
        }
        other => panic!("expected tcp, got {other:?}"),
    }
}

#[test]
fn every_documented_key_is_read() {
    let config = load(&fixture("full.toml")).unwrap();
    assert_eq!(
        config.server.listen,
        Some("127.0.0.1:9090".parse().unwrap())
    );
    assert_eq!(config.storage.raw_retention, Duration::from_secs(24 * 3600));
    assert_eq!(
        config.storage.aggregate_retention,
        Duration::from_secs(30 * 86400)
    );
    assert_eq!(config.probes.vantage, "paris");
    assert_eq!(config.reports.trusted_proxies.len(), 2);
    assert!(config.admin.allow_private_targets);
    assert_eq!(config.components[0].id, "internal-lb");

    let checkout = config.service("checkout").unwrap();
    assert_eq!(checkout.tags, ["payments", "eu"]);
    assert_eq!(checkout.spec.depends_on[1].target, "aws/us-east-1");
    assert_eq!(checkout.spec.depends_on[1].confidence, 0.6);
    let health = &checkout.checks[0];
    assert_eq!(health.failure_threshold, 3);
    assert_eq!(health.recovery_threshold, 1);
    let CheckKind::Http(http) = &health.kind else {
        panic!("expected http")
    };
    assert_eq!(http.method, "GET");
    assert_eq!(http.headers.len(), 2);
    assert_eq!(http.accepted_statuses.len(), 2);
    assert!(http.accepted_statuses[1].contains(205));
    assert_eq!(http.json.as_ref().unwrap().equals, serde_json::json!("ok"));
    assert_eq!(http.degraded_latency, Some(Duration::from_millis(1500)));
    let CheckKind::Dns(dns) = &checkout.checks[1].kind else {
        panic!("expected dns")
    };
    assert_eq!(dns.record_type, "CNAME");
    assert_eq!(dns.server, Some("127.0.0.1:5353".parse().unwrap()));
    let CheckKind::Tcp(tcp) = &config.service("shop").unwrap().checks[0].kind else {
        panic!("expected tcp")
    };
    assert_eq!(tcp.host, "::1");
}

#[test]
fn all_errors_are_reported_at_once_with_line_and_key() {
    let errors = load(&fixture("broken.toml")).unwrap_err();
    let text = errors.to_string();
    let expect = [
        ("server.listen", 2),
        ("service[0].id", 5),
        ("service[0].colour", 7),
        ("service[0].check[0].url", 11),
        ("service[0].check[0].interval", 12),
        ("service[1].name", 14),
        ("service[1].check[0].kind", 18),
        ("service[1].check[1].target", 22),
    ];
    for (key, line) in expect {
        assert!(
            errors.iter().any(|e| e.key == key && e.line == line),
            "no error for {key} on line {line} in:\n{text}"
        );
    }
    assert!(
        text.contains("broken.toml:7:1: service[0].colour: unknown key"),
        "{text}"
    );
    assert!(text.contains("expected one of: http, tcp, dns"), "{text}");
    // timeout longer than the interval of the same check
    assert!(
        errors.iter().any(|e| e.key.ends_with("check[1].timeout")),
        "{text}"
    );
}

#[test]
fn syntax_errors_name_the_line() {
    let errors = parse_str("bad.toml", "[[service]]\nid = \"x\nname = 1\n").unwrap_err();
    let first = &errors.0[0];
    assert_eq!(first.file, "bad.toml");
    assert_eq!(first.line, 2);
    assert!(first.message.starts_with("TOML syntax"), "{errors}");
}

#[test]
fn duplicate_ids_and_wrong_types_are_errors() {
    let text = r#"
[[service]]
id = "a"
name = "A"
tags = "not-a-list"

[[service]]
id = "a"
name = "Again"
depends_on = [{ id = "fastly", confidence = 2.0 }]
"#;
    let errors = parse_str("dup.toml", text).unwrap_err();
    let rendered = errors.to_string();
    assert!(
        rendered.contains("service[0].tags: expected an array of strings, found a string"),
        "{rendered}"
    );
    assert!(rendered.contains("declared twice"), "{rendered}");
    assert!(
        rendered.contains("confidence: 2 must be in (0, 1]"),
        "{rendered}"
    );
}

#[test]
fn unreadable_file_is_a_clear_error() {
    let errors = load(Path::new("/nonexistent/vigie.toml")).unwrap_err();
    assert!(errors
        .to_string()
        .contains("/nonexistent/vigie.toml: cannot read"));
}

#[test]
fn the_builtin_example_is_valid() {
    let config = builtin_example();
    assert!(!config.services.is_empty());
    assert_eq!(config.source, "<built-in example>");
}

#[test]
fn the_example_in_the_docs_is_valid() {
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/config.md"))
            .unwrap();
    let start = docs
        .find("```toml\n")
        .expect("docs/config.md has a toml example")
        + 8;
    let end = start + docs[start..].find("```").unwrap();
    let config = parse_str("docs/config.md", &docs[start..end]).unwrap();
    assert!(config.services.len() >= 2);
}

#[test]
fn service_dependency_cycles_are_errors() {
    let text = r#"
[[service]]
id = "a"
name = "A"
depends_on = ["b"]

[[service]]
id = "b"
name = "B"
depends_on = ["a", "fastly"]
"#;
    let errors = parse_str("cycle.toml", text).unwrap_err();
    assert!(
        errors
            .to_string()
            .contains("dependency cycle between services: a → b → a"),
        "{errors}"
    );
}

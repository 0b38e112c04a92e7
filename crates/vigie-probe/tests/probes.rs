//! Each executor against real targets on 127.0.0.1, one test per behaviour the probe must
//! classify. Timeouts are generous: only the hanging target is expected to reach one.

mod common;

use std::time::Duration;

use common::*;
use vigie_core::ProbeError;
use vigie_probe::{CheckKind, JsonAssertion, Outcome, Prober, StatusRange, TcpCheck};

async fn run_http(check: vigie_probe::HttpCheck, timeout: Duration) -> Outcome {
    Prober::new()
        .run(&spec("http-0", CheckKind::Http(check), timeout))
        .await
}

fn assert_failed(outcome: &Outcome, error: ProbeError) {
    assert!(!outcome.ok, "expected failure {error:?}, got {outcome:#?}");
    assert_eq!(outcome.error, Some(error), "{outcome:#?}");
}

#[tokio::test]
async fn http_200_passes_with_phase_timings() {
    let (addr, _) = start_http().await;
    let mut check = http(&format!("http://{addr}/ok"));
    check.body_contains = Some("vigie's test target".into());
    let outcome = run_http(check, GENEROUS).await;
    assert!(outcome.ok, "{outcome:#?}");
    assert_eq!(outcome.error, None);
    assert_eq!(outcome.http_status, Some(200));
    assert_eq!(outcome.remote, Some(addr));
    assert!(
        outcome.phases.dns.is_none(),
        "an IP literal needs no lookup"
    );
    assert!(outcome.phases.connect.is_some());
    assert!(outcome.phases.tls.is_none());
    assert!(outcome.phases.first_byte.is_some());
    assert!(outcome.phases.total >= outcome.phases.first_byte);
    let result = outcome.to_probe_result(
        vigie_core::Timestamp::from_secs(1),
        "shop",
        "http-0",
        "local",
    );
    assert!(result.ok && !result.slow && result.error.is_none());
    assert!(result.latency_ms.is_some());
}

#[tokio::test]
async fn http_500_fails_with_http_status() {
    let (addr, _) = start_http().await;
    let outcome = run_http(http(&format!("http://{addr}/error")), GENEROUS).await;
    assert_failed(&outcome, ProbeError::HttpStatus);
    assert_eq!(outcome.http_status, Some(500));
    assert!(outcome.detail.contains("500"), "{}", outcome.detail);
}

#[tokio::test]
async fn accepted_statuses_can_include_500() {
    let (addr, _) = start_http().await;
    let mut check = http(&format!("http://{addr}/error"));
    check.accepted_statuses = vec![StatusRange {
        low: 500,
        high: 500,
    }];
    let outcome = run_http(check, GENEROUS).await;
    assert!(outcome.ok, "{outcome:#?}");
}

#[tokio::test]
async fn hanging_target_times_out() {
    let (addr, _) = start_http().await;
    let outcome = run_http(
        http(&format!("http://{addr}/hang")),
        Duration::from_millis(1500),
    )
    .await;
    assert_failed(&outcome, ProbeError::Timeout);
    assert!(outcome.phases.connect.is_some(), "connected before hanging");
    assert!(outcome.phases.first_byte.is_none());
    assert!(outcome.phases.total >= Some(Duration::from_millis(1500)));
}

#[tokio::test]
async fn slow_target_passes_but_is_slow() {
    let (addr, _) = start_http().await;
    let mut check = http(&format!("http://{addr}/slow"));
    check.degraded_latency = Some(Duration::from_millis(100));
    let outcome = run_http(check, GENEROUS).await;
    assert!(outcome.ok, "{outcome:#?}");
    assert!(
        outcome.slow,
        "400 ms answer over a 100 ms limit: {outcome:#?}"
    );
    let result = outcome.to_probe_result(vigie_core::Timestamp::from_secs(1), "s", "c", "local");
    assert!(result.ok && result.slow);
}

#[tokio::test]
async fn wrong_body_fails_the_assertion() {
    let (addr, _) = start_http().await;
    let mut check = http(&format!("http://{addr}/ok"));
    check.body_contains = Some("welcome back".into());
    let outcome = run_http(check, GENEROUS).await;
    assert_failed(&outcome, ProbeError::Assertion);
    assert_eq!(outcome.http_status, Some(200));
    assert!(
        outcome.detail.contains("welcome back"),
        "{}",
        outcome.detail
    );
}

#[tokio::test]
async fn json_pointer_equality() {
    let (addr, _) = start_http().await;
    let url = format!("http://{addr}/json");

    let mut check = http(&url);
    check.json = Some(JsonAssertion {
        pointer: "/db/healthy".into(),
        equals: serde_json::json!(true),
    });
    let outcome = run_http(check, GENEROUS).await;
    assert!(outcome.ok, "{outcome:#?}");

    let mut check = http(&url);
    check.json = Some(JsonAssertion {
        pointer: "/db/lag".into(),
        equals: serde_json::json!(0),
    });
    let outcome = run_http(check, GENEROUS).await;
    assert_failed(&outcome, ProbeError::Assertion);
    assert!(
        outcome.detail.contains("/db/lag is 3"),
        "{}",
        outcome.detail
    );

    let mut check = http(&url);
    check.json = Some(JsonAssertion {
        pointer: "/missing".into(),
        equals: serde_json::json!(1),
    });
    assert_failed(&run_http(check, GENEROUS).await, ProbeError::Assertion);

    let mut check = http(&format!("http://{addr}/ok"));
    check.json = Some(JsonAssertion {
        pointer: "/status".into(),
        equals: serde_json::json!("ok"),
    });
    let outcome = run_http(check, GENEROUS).await;
    assert_failed(&outcome, ProbeError::Assertion);
    assert!(outcome.detail.contains("not JSON"), "{}", outcome.detail);
}

#[tokio::test]
async fn refused_port_fails_with_connect_refused() {
    // Bind then drop a listener: the port is very likely free and nobody listens on it.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let outcome = Prober::new()
        .run(&spec(
            "tcp-0",
            CheckKind::Tcp(TcpCheck {
                host: "127.0.0.1".into(),
                port,
            }),
            GENEROUS,
        ))
        .await;
    assert_failed(&outcome, ProbeError::ConnectRefused);
    assert_eq!(outcome.kind, "tcp");

    let outcome = run_http(http(&format!("http://127.0.0.1:{port}/")), GENEROUS).await;
    assert_failed(&outcome, ProbeError::ConnectRefused);
}

#[tokio::test]
async fn open_port_passes_tcp_check() {
    let (addr, _) = start_http().await;
    let outcome = Prober::new()
        .run(&spec(
            "tcp-0",
            CheckKind::Tcp(TcpCheck {
                host: addr.ip().to_string(),
                port: addr.port(),
            }),
            GENEROUS,
        ))
        .await;
    assert!(outcome.ok, "{outcome:#?}");
    assert!(outcome.phases.connect.is_some());
}

// ---- TLS ----------------------------------------------------------------------------------

#[tokio::test]
async fn self_signed_certificate_fails_with_tls() {
    let made = self_signed((2020, 1, 1), (2099, 1, 1));
    let addr = start_https(vec![made.cert_der], made.key_der).await;
    let outcome = run_http(http(&format!("https://{addr}/ok")), GENEROUS).await;
    assert_failed(&outcome, ProbeError::Tls);
    assert!(outcome.phases.connect.is_some());
    assert!(outcome.http_status.is_none());
}

#[tokio::test]
async fn expired_certificate_fails_with_tls_even_when_trusted() {
    let made = self_signed((2019, 1, 1), (2020, 1, 1));
    let dir = tempfile::tempdir().expect("tempdir");
    let ca_file = dir.path().join("expired.pem");
    std::fs::write(&ca_file, &made.cert_pem).expect("write ca");
    let addr = start_https(vec![made.cert_der], made.key_der).await;
    let mut check = http(&format!("https://{addr}/ok"));
    check.ca_file = Some(ca_file);
    let outcome = run_http(check, GENEROUS).await;
    assert_failed(&outcome, ProbeError::Tls);
    assert!(
        outcome.detail.to_lowercase().contains("expired"),
        "{}",
        outcome.detail
    );
}

#[tokio::test]
async fn certificate_trusted_through_ca_file_passes_with_days_left() {
    let (ca, leaf) = ca_and_leaf();
    let dir = tempfile::tempdir().expect("tempdir");
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &ca.cert_pem).expect("write ca");
    let addr = start_https(vec![leaf.cert_der, ca.cert_der], leaf.key_der).await;

    let mut check = http(&format!("https://{addr}/ok"));
    check.ca_file = Some(ca_file.clone());
    check.min_tls_days = Some(30);
    let outcome = run_http(check, GENEROUS).await;
    assert!(outcome.ok, "{outcome:#?}");
    assert!(outcome.phases.tls.is_some());
    let tls = outcome.tls.expect("certificate seen");
    assert_eq!(tls.not_after.to_rfc3339(), "2099-01-01T00:00:00Z");
    assert!(tls.days_left > 365 * 50, "{}", tls.days_left);

    // The same certificate fails a check that wants more days than it has.
    let mut check = http(&format!("https://{addr}/ok"));
    check.ca_file = Some(ca_file);
    check.min_tls_days = Some(100_000);
    let outcome = run_http(check, GENEROUS).await;
    assert_failed(&outcome, ProbeError::Tls);
    assert!(
        outcome.detail.contains("fewer than 100000"),
        "{}",
        outcome.detail
    );
}

#[tokio::test]
async fn unreadable_ca_file_is_a_tls_failure_not_a_panic() {
    let (ca, leaf) = ca_and_leaf();
    let addr = start_https(vec![leaf.cert_der, ca.cert_der], leaf.key_der).await;
    let mut check = http(&format!("https://{addr}/ok"));
    check.ca_file = Some("/nonexistent/vigie/ca.pem".into());
    let outcome = run_http(check, GENEROUS).await;
    assert_failed(&outcome, ProbeError::Tls);
    assert!(outcome.detail.contains("ca_file"), "{}", outcome.detail);
}

#[test]
fn not_after_is_read_from_an_rcgen_certificate() {
    let made = self_signed((2019, 1, 1), (2031, 7, 15));
    let secs = vigie_probe::not_after_unix(&made.cert_der).expect("parse");
    assert_eq!(
        vigie_core::Timestamp::from_secs(secs).to_rfc3339(),
        "2031-07-15T00:00:00Z"
    );
}

// ---- DNS ----------------------------------------------------------------------------------

async fn run_dns(check: vigie_probe::DnsCheck) -> Outcome {
    Prober::new()
        .run(&spec("dns-0", CheckKind::Dns(check), GENEROUS))
        .await
}

#[tokio::test]
async fn dns_expected_answer_passes() {
    let server = start_dns().await;
    let mut check = dns(server, "api.probe.test", "A", "NOERROR");
    check.expected_answer = Some("192.0.2.20".into());
    let outcome = run_dns(check).await;
    assert!(outcome.ok, "{outcome:#?}");
    let info = outcome.dns.expect("dns info");
    assert_eq!(info.rcode, "NOERROR");
    assert_eq!(info.answers.len(), 1, "{:?}", info.answers);
    assert!(outcome.phases.dns.is_some());

    let mut check = dns(server, "api.probe.test", "A", "NOERROR");
    check.expected_answer = Some("198.51.100.1".into());
    assert_failed(&run_dns(check).await, ProbeError::Assertion);
}

#[tokio::test]
async fn dns_cname_chain_is_followed_and_reported() {
    let server = start_dns().await;
    let mut check = dns(server, "www.probe.test", "A", "NOERROR");
    check.expected_answer = Some("192.0.2.10".into());
    let outcome = run_dns(check).await;
    assert!(outcome.ok, "{outcome:#?}");
    let answers = outcome.dns.expect("dns info").answers;
    let joined = answers.join("\n");
    assert!(
        joined.contains("www.probe.test. CNAME edge.cdn.probe.test."),
        "{joined}"
    );
    assert!(
        joined.contains("edge.cdn.probe.test. CNAME origin.probe.test."),
        "{joined}"
    );
    assert!(
        joined.contains("origin.probe.test. A 192.0.2.10"),
        "{joined}"
    );
}

#[tokio::test]
async fn dns_nxdomain_is_classified() {
    let server = start_dns().await;
    let outcome = run_dns(dns(server, "nope.probe.test", "A", "NOERROR")).await;
    assert_failed(&outcome, ProbeError::DnsNxdomain);
    assert_eq!(outcome.dns.expect("dns info").rcode, "NXDOMAIN");

    // A check that expects the name not to exist passes.
    let outcome = run_dns(dns(server, "nope.probe.test", "A", "NXDOMAIN")).await;
    assert!(outcome.ok, "{outcome:#?}");
}

#[tokio::test]
async fn dns_servfail_is_classified() {
    let server = start_dns().await;
    let outcome = run_dns(dns(server, "api.broken.probe.test", "A", "NOERROR")).await;
    assert_failed(&outcome, ProbeError::DnsServfail);
    assert_eq!(outcome.dns.expect("dns info").rcode, "SERVFAIL");
}

#[tokio::test]
async fn dns_silent_server_times_out() {
    // A UDP socket that never answers.
    let silent = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let server = silent.local_addr().expect("addr");
    let outcome = Prober::new()
        .run(&spec(
            "dns-0",
            CheckKind::Dns(dns(server, "api.probe.test", "A", "NOERROR")),
            Duration::from_secs(2),
        ))
        .await;
    assert_failed(&outcome, ProbeError::DnsTimeout);
    drop(silent);
}

#[tokio::test]
async fn body_reads_stop_at_the_limit() {
    let (addr, _) = start_http().await;
    let outcome = run_http(http(&format!("http://{addr}/big")), GENEROUS).await;
    assert!(outcome.ok, "{outcome:#?}");
    assert!(
        outcome
            .detail
            .contains(&format!("{} body bytes", vigie_probe::MAX_BODY_BYTES)),
        "{}",
        outcome.detail
    );

    let mut check = http(&format!("http://{addr}/big"));
    check.body_contains = Some("END-MARKER".into());
    let outcome = run_http(check, GENEROUS).await;
    assert_failed(&outcome, ProbeError::Assertion);
    assert!(
        outcome.detail.contains("first 1048576 bytes"),
        "{}",
        outcome.detail
    );
}

#[tokio::test]
async fn silent_tls_server_times_out_in_the_handshake() {
    // Accepts connections and never says a word.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let outcome = run_http(
        http(&format!("https://{addr}/")),
        Duration::from_millis(1500),
    )
    .await;
    assert_failed(&outcome, ProbeError::Timeout);
    assert!(outcome.detail.contains("TLS"), "{}", outcome.detail);
    assert!(outcome.phases.connect.is_some() && outcome.phases.tls.is_none());
}

#[tokio::test]
async fn full_accept_queue_times_out_the_connect() {
    // A listener that never accepts, with a backlog of 1: once its queue is full the kernel
    // drops further SYNs, so a new connection attempt hangs.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("addr"))
        .expect("bind");
    let listener = socket.listen(1).expect("listen");
    let addr = listener.local_addr().expect("addr");
    let mut fillers = Vec::new();
    for _ in 0..8 {
        match tokio::time::timeout(
            Duration::from_millis(500),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            Ok(Ok(stream)) => fillers.push(stream),
            _ => break,
        }
    }
    let outcome = Prober::new()
        .run(&spec(
            "tcp-0",
            CheckKind::Tcp(TcpCheck {
                host: "127.0.0.1".into(),
                port: addr.port(),
            }),
            Duration::from_secs(2),
        ))
        .await;
    assert_failed(&outcome, ProbeError::ConnectTimeout);
    drop((fillers, listener));
}

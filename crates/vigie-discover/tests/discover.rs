//! Discovery end to end against real servers on 127.0.0.1: an authoritative DNS server serving
//! CNAME chains into the catalogue's suffixes and NS records, and an HTTPS server sending
//! fingerprint headers with a certificate from a chosen issuer.

mod support;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use support::{https_server, DnsServer, Rec};
use vigie_core::DependencyOrigin;
use vigie_discover::{Catalog, DiscoverError, DiscoverOptions, Discoverer, Discovery};

fn discoverer() -> Discoverer {
    match Catalog::shipped() {
        Ok(c) => Discoverer::new(c),
        Err(e) => panic!("shipped catalogue: {e}"),
    }
}

async fn dns() -> DnsServer {
    let ip = |s: &str| -> std::net::Ipv4Addr { s.parse().expect("test address") };
    let ip6 = |s: &str| -> std::net::Ipv6Addr { s.parse().expect("test address") };
    DnsServer::start(&[
        (
            "shop.test.",
            vec![
                Rec::Ns("shop.test.", "dns1.p01.nsone.net."),
                Rec::Ns("shop.test.", "dns2.p01.nsone.net."),
                Rec::Cname("www.shop.test.", "www.shop.test.edgekey.net."),
                Rec::Cname("cdn.shop.test.", "shop.map.fastly.net."),
                Rec::Cname("alb.shop.test.", "my-alb-1.us-east-1.elb.amazonaws.com."),
                Rec::A("local.shop.test.", ip("127.0.0.1")),
                Rec::A("mixed.shop.test.", ip("151.101.1.140")),
                Rec::A("mixed.shop.test.", ip("10.0.0.5")),
                Rec::Aaaa("six.shop.test.", ip6("::1")),
                Rec::Cname("loop1.shop.test.", "loop2.shop.test."),
                Rec::Cname("loop2.shop.test.", "loop1.shop.test."),
                Rec::Cname("c0.shop.test.", "c1.shop.test."),
                Rec::Cname("c1.shop.test.", "c2.shop.test."),
                Rec::Cname("c2.shop.test.", "c3.shop.test."),
                Rec::Cname("c3.shop.test.", "c4.shop.test."),
                Rec::A("c4.shop.test.", ip("151.101.1.140")),
                Rec::Cname("dangling.shop.test.", "nothing.shop.test."),
            ],
        ),
        (
            "edgekey.net.",
            vec![Rec::Cname(
                "www.shop.test.edgekey.net.",
                "e123.a.akamaiedge.net.",
            )],
        ),
        (
            "akamaiedge.net.",
            vec![Rec::A("e123.a.akamaiedge.net.", ip("127.0.0.1"))],
        ),
        (
            "fastly.net.",
            vec![
                Rec::A("shop.map.fastly.net.", ip("151.101.1.140")),
                Rec::Aaaa("shop.map.fastly.net.", ip6("2a04:4e42::396")),
            ],
        ),
        (
            "amazonaws.com.",
            vec![Rec::A(
                "my-alb-1.us-east-1.elb.amazonaws.com.",
                ip("3.80.0.1"),
            )],
        ),
    ])
    .await
}

fn options(resolver: SocketAddr) -> DiscoverOptions {
    DiscoverOptions {
        resolver: Some(resolver),
        probe_http: false,
        // Generous: the test machine is shared and busy.
        timeout: Duration::from_secs(10),
        ..DiscoverOptions::default()
    }
}

fn lines(d: &Discovery) -> Vec<String> {
    d.evidence().map(|e| e.to_string()).collect()
}

fn confidence(d: &Discovery, id: &str) -> Option<f64> {
    d.components
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.confidence)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cname_chain_ns_and_headers_into_akamai_and_ns1() {
    let server = dns().await;
    let (https, _task) = https_server(
        vec![
            ("server", "AkamaiGHost"),
            (
                "x-cache",
                "TCP_MISS from a23-45-67-89.deploy.akamaitechnologies.com (AkamaiGHost/22.1.0-1)",
            ),
        ],
        "Example Trust, Inc.",
        "Example CA",
    )
    .await;
    let opts = DiscoverOptions {
        probe_http: true,
        https_port: https.port(),
        allow_private: true,
        ..options(server.addr)
    };
    let d = discoverer()
        .discover("www.shop.test", &opts)
        .await
        .expect("discovers");
    let text = lines(&d);
    assert!(
        text.contains(
            &"www.shop.test CNAME www.shop.test.edgekey.net → akamai (cname suffix .edgekey.net)"
                .to_string()
        ),
        "{text:#?}"
    );
    assert!(
        text.contains(&"www.shop.test.edgekey.net CNAME e123.a.akamaiedge.net → akamai (cname suffix .akamaiedge.net)".to_string()),
        "{text:#?}"
    );
    assert!(
        text.contains(
            &"server: AkamaiGHost → akamai (header server equals `akamaighost`)".to_string()
        ),
        "{text:#?}"
    );
    assert!(
        text.contains(&"shop.test NS dns1.p01.nsone.net → ns1 (ns suffix .nsone.net)".to_string()),
        "{text:#?}"
    );
    assert_eq!(
        d.addresses,
        vec!["127.0.0.1".parse::<IpAddr>().expect("ip")]
    );
    assert_eq!(d.cname_chain.len(), 2);
    let http = d.http.as_ref().expect("http observation");
    assert_eq!(http.status, 200);
    assert_eq!(
        http.tls_issuer.as_deref(),
        Some("O=Example Trust, Inc., CN=Example CA")
    );
    // cname 0.9 and header 0.9 (x-cache) → 1 - 0.1 * 0.1
    assert_eq!(confidence(&d, "akamai"), Some(0.99));
    assert_eq!(confidence(&d, "ns1"), Some(0.95));

    let deps = d.dependencies();
    let akamai = deps
        .iter()
        .find(|x| x.target == "akamai")
        .expect("akamai edge");
    assert!(matches!(
        akamai.origin,
        DependencyOrigin::DnsCname | DependencyOrigin::HttpHeader
    ));
    let ns1 = deps.iter().find(|x| x.target == "ns1").expect("ns1 edge");
    assert_eq!(ns1.origin, DependencyOrigin::Ns);

    let json = serde_json::to_value(&d).expect("json");
    assert_eq!(json["host"], "www.shop.test");
    assert_eq!(json["components"][0]["id"], "akamai");
    assert!(json["components"][0]["evidence"]
        .as_array()
        .is_some_and(|e| e.len() >= 3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fastly_from_cname_and_ip_ranges_combine() {
    let server = dns().await;
    let d = discoverer()
        .discover("cdn.shop.test", &options(server.addr))
        .await
        .expect("discovers");
    let text = lines(&d);
    assert!(
        text.contains(
            &"cdn.shop.test CNAME shop.map.fastly.net → fastly (cname suffix .fastly.net)"
                .to_string()
        ),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|l| l.starts_with("151.101.1.140 → fastly (ip prefix 151.101.0.0/16")),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|l| l.starts_with("2a04:4e42::396 → fastly (ip prefix 2a04:4e42::/32")),
        "{text:#?}"
    );
    // CNAME 0.9 and IP range 0.9 are independent witnesses: 1 - 0.1 * 0.1.
    assert_eq!(confidence(&d, "fastly"), Some(0.99));
    assert_eq!(d.components.len(), 2, "fastly and ns1: {:?}", d.components);
    assert!(d.http.is_none() && d.http_error.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_load_balancer_names_its_region() {
    let server = dns().await;
    let d = discoverer()
        .discover("alb.shop.test", &options(server.addr))
        .await
        .expect("discovers");
    assert_eq!(confidence(&d, "aws/us-east-1/elb"), Some(0.9));
    // 3.80.0.1 is in an EC2 us-east-1 prefix.
    assert_eq!(confidence(&d, "aws/us-east-1"), Some(0.9));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ip_literal_needs_no_dns() {
    // The resolver address points nowhere: a DNS query would fail.
    let opts = DiscoverOptions {
        resolver: Some("127.0.0.1:9".parse().expect("addr")),
        probe_http: false,
        ..DiscoverOptions::default()
    };
    let d = discoverer()
        .discover("151.101.1.140", &opts)
        .await
        .expect("discovers");
    assert_eq!(d.host, "151.101.1.140");
    assert_eq!(d.components.len(), 1);
    assert_eq!(d.components[0].id, "fastly");
    assert_eq!(
        d.components[0].evidence[0].origin,
        DependencyOrigin::IpRange
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_headers_and_issuer_on_an_ip_literal() {
    let (https, _task) = https_server(
        vec![("cf-ray", "8f1c2a3b4d5e6f70-CDG"), ("server", "cloudflare")],
        "Cloudflare, Inc.",
        "Cloudflare Inc ECC CA-3",
    )
    .await;
    let opts = DiscoverOptions {
        probe_http: true,
        https_port: https.port(),
        allow_private: true,
        timeout: Duration::from_secs(10),
        ..DiscoverOptions::default()
    };
    let d = discoverer()
        .discover("127.0.0.1", &opts)
        .await
        .expect("discovers");
    let text = lines(&d);
    assert!(
        text.contains(
            &"cf-ray: 8f1c2a3b4d5e6f70-CDG → cloudflare (header cf-ray present)".to_string()
        ),
        "{text:#?}"
    );
    assert!(
        text.contains(&"TLS issuer O=Cloudflare, Inc., CN=Cloudflare Inc ECC CA-3 → cloudflare (tls issuer contains `cloudflare`)".to_string()),
        "{text:#?}"
    );
    // header 0.9, TLS issuer 0.5: 1 - 0.1 * 0.5
    assert_eq!(confidence(&d, "cloudflare"), Some(0.95));
    let deps = d.dependencies();
    assert_eq!(deps.len(), 1);
    assert_eq!(deps[0].origin, DependencyOrigin::HttpHeader);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_http_probe_is_recorded_not_fatal() {
    let server = dns().await;
    // Find a port nothing listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let opts = DiscoverOptions {
        probe_http: true,
        https_port: closed,
        allow_private: true,
        ..options(server.addr)
    };
    let d = discoverer()
        .discover("www.shop.test", &opts)
        .await
        .expect("discovers");
    assert!(d.http.is_none());
    assert!(
        d.http_error
            .as_deref()
            .is_some_and(|e| e.contains("connect")),
        "{:?}",
        d.http_error
    );
    assert_eq!(confidence(&d, "akamai"), Some(0.9));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_targets_are_refused_unless_allowed() {
    let server = dns().await;
    let d = discoverer();
    let opts = options(server.addr);
    for host in [
        "127.0.0.1",
        "[::1]",
        "10.1.2.3",
        "169.254.169.254",
        "https://192.168.1.1/x",
    ] {
        match d.discover(host, &opts).await {
            Err(DiscoverError::Forbidden { .. }) => {}
            other => panic!("{host}: expected Forbidden, got {other:?}"),
        }
    }
    // Every resolved address counts, through CNAMEs too.
    for host in [
        "local.shop.test",
        "www.shop.test",
        "mixed.shop.test",
        "six.shop.test",
    ] {
        match d.discover(host, &opts).await {
            Err(e @ DiscoverError::Forbidden { .. }) => {
                assert!(e.to_string().contains("allow_private"), "{e}");
            }
            other => panic!("{host}: expected Forbidden, got {other:?}"),
        }
    }
    let allowed = DiscoverOptions {
        allow_private: true,
        ..opts
    };
    let found = d
        .discover("local.shop.test", &allowed)
        .await
        .expect("allowed");
    assert_eq!(
        found.addresses,
        vec!["127.0.0.1".parse::<IpAddr>().expect("ip")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_that_do_not_resolve_are_clear_errors() {
    let server = dns().await;
    let d = discoverer();
    let opts = options(server.addr);
    let err = d
        .discover("nothing.shop.test", &opts)
        .await
        .expect_err("nxdomain");
    assert!(matches!(err, DiscoverError::NotFound { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "`nothing.shop.test` does not resolve (NXDOMAIN)"
    );
    let err = d
        .discover("dangling.shop.test", &opts)
        .await
        .expect_err("dangling");
    assert!(
        matches!(
            err,
            DiscoverError::NotFound { .. } | DiscoverError::NoAddress { .. }
        ),
        "{err:?}"
    );
    let err = d.discover("not a host", &opts).await.expect_err("invalid");
    assert!(matches!(err, DiscoverError::InvalidHost { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cname_chains_are_bounded() {
    let server = dns().await;
    let d = discoverer();
    let err = d
        .discover("loop1.shop.test", &options(server.addr))
        .await
        .expect_err("loop");
    assert!(matches!(err, DiscoverError::CnameChain { .. }), "{err:?}");
    let short = DiscoverOptions {
        max_cname_depth: 3,
        ..options(server.addr)
    };
    let err = d
        .discover("c0.shop.test", &short)
        .await
        .expect_err("too long");
    assert!(matches!(err, DiscoverError::CnameChain { .. }), "{err:?}");
    let found = d
        .discover("c0.shop.test", &options(server.addr))
        .await
        .expect("four links fit in eight");
    assert_eq!(found.cname_chain.len(), 4);
}

//! Real targets for the probe tests, all on 127.0.0.1: an HTTP(S) server with one path per
//! behaviour, certificates made with rcgen, and a DNS zone served by hickory-server.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use vigie_probe::{CheckKind, CheckSpec, DnsCheck, HttpCheck};

/// Time allowed for a run that should finish at once; generous, the machine is loaded.
pub const GENEROUS: Duration = Duration::from_secs(30);

/// Requests being served right now, and the most seen at once (for `/held`).
#[derive(Default)]
pub struct Stats {
    pub in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
    pub served: AtomicUsize,
}

async fn route(req: Request<hyper::body::Incoming>, stats: Arc<Stats>) -> Response<Full<Bytes>> {
    stats.served.fetch_add(1, Ordering::SeqCst);
    let reply = |status: u16, body: &'static str| {
        Response::builder()
            .status(status)
            .body(Full::new(Bytes::from_static(body.as_bytes())))
            .expect("valid response")
    };
    match req.uri().path() {
        "/ok" => reply(200, "hello from vigie's test target"),
        "/error" => reply(500, "internal error"),
        "/json" => reply(200, r#"{"status":"ok","db":{"healthy":true,"lag":3}}"#),
        "/slow" => {
            tokio::time::sleep(Duration::from_millis(400)).await;
            reply(200, "slow but fine")
        }
        "/hang" => std::future::pending().await,
        "/big" => {
            // 2 MiB of filler, then a marker the probe never reads (it stops at 1 MiB).
            let mut body = vec![b'x'; 2 * 1024 * 1024];
            body.extend_from_slice(b"END-MARKER");
            Response::builder()
                .status(200)
                .body(Full::new(Bytes::from(body)))
                .expect("valid response")
        }
        "/held" => {
            let now = stats.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            stats.max_in_flight.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(300)).await;
            stats.in_flight.fetch_sub(1, Ordering::SeqCst);
            reply(200, "held")
        }
        _ => reply(404, "not found"),
    }
}

async fn serve<S>(io: S, stats: Arc<Stats>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req| {
        let stats = stats.clone();
        async move { Ok::<_, Infallible>(route(req, stats).await) }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(io), service)
        .await;
}

/// A plain HTTP target.
pub async fn start_http() -> (SocketAddr, Arc<Stats>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let stats = Arc::new(Stats::default());
    let shared = stats.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, shared.clone()));
        }
    });
    (addr, stats)
}

/// An HTTPS target presenting `chain` (leaf first) with `key` (PKCS#8 DER).
pub async fn start_https(chain: Vec<Vec<u8>>, key: Vec<u8>) -> SocketAddr {
    let certs = chain
        .into_iter()
        .map(rustls_pki_types::CertificateDer::from)
        .collect();
    let key = rustls_pki_types::PrivateKeyDer::Pkcs8(key.into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server certificate");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let stats = Arc::new(Stats::default());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let stats = stats.clone();
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(stream).await {
                    serve(tls, stats).await;
                }
            });
        }
    });
    addr
}

/// A certificate and its key, as DER.
pub struct Made {
    pub cert_der: Vec<u8>,
    pub cert_pem: String,
    pub key_der: Vec<u8>,
}

fn params(not_before: (i32, u8, u8), not_after: (i32, u8, u8)) -> rcgen::CertificateParams {
    let mut params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .expect("params");
    params.not_before = rcgen::date_time_ymd(not_before.0, not_before.1, not_before.2);
    params.not_after = rcgen::date_time_ymd(not_after.0, not_after.1, not_after.2);
    params
}

/// A self-signed leaf for 127.0.0.1, valid until `not_after`.
pub fn self_signed(not_before: (i32, u8, u8), not_after: (i32, u8, u8)) -> Made {
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = params(not_before, not_after)
        .self_signed(&key)
        .expect("self-signed");
    Made {
        cert_der: cert.der().to_vec(),
        cert_pem: cert.pem(),
        key_der: key.serialize_der(),
    }
}

/// A CA, and a leaf for 127.0.0.1 it signed valid until 2099-01-01: (ca, leaf).
pub fn ca_and_leaf() -> (Made, Made) {
    let ca_key = rcgen::KeyPair::generate().expect("key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "vigie test CA");
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA");
    let issuer = rcgen::Issuer::new(ca_params, &ca_key);
    let leaf_key = rcgen::KeyPair::generate().expect("key");
    let leaf = params((2020, 1, 1), (2099, 1, 1))
        .signed_by(&leaf_key, &issuer)
        .expect("leaf");
    (
        Made {
            cert_der: ca_cert.der().to_vec(),
            cert_pem: ca_cert.pem(),
            key_der: ca_key.serialize_der(),
        },
        Made {
            cert_der: leaf.der().to_vec(),
            cert_pem: leaf.pem(),
            key_der: leaf_key.serialize_der(),
        },
    )
}

pub fn spec(id: &str, kind: CheckKind, timeout: Duration) -> CheckSpec {
    CheckSpec {
        id: id.to_string(),
        kind,
        interval: Duration::from_secs(60),
        timeout,
        failure_threshold: CheckSpec::DEFAULT_FAILURE_THRESHOLD,
        recovery_threshold: CheckSpec::DEFAULT_RECOVERY_THRESHOLD,
    }
}

pub fn http(url: &str) -> HttpCheck {
    HttpCheck {
        url: url::Url::parse(url).expect("url"),
        method: "GET".to_string(),
        headers: Vec::new(),
        accepted_statuses: Vec::new(),
        body_contains: None,
        json: None,
        degraded_latency: None,
        min_tls_days: None,
        ca_file: None,
    }
}

pub fn dns(server: SocketAddr, name: &str, record_type: &str, rcode: &str) -> DnsCheck {
    DnsCheck {
        name: name.to_string(),
        record_type: record_type.to_string(),
        expected_rcode: rcode.to_string(),
        expected_answer: None,
        server: Some(server),
    }
}

// ---- DNS ----------------------------------------------------------------------------------

use hickory_proto::op::ResponseCode;
use hickory_proto::rr::rdata::{A, CNAME, NS, SOA};
use hickory_proto::rr::{LowerName, Name, RData, Record};
use hickory_server::net::runtime::{Time, TokioRuntimeProvider};
use hickory_server::server::{
    Request as DnsRequest, RequestHandler, ResponseHandler, ResponseInfo,
};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, MessageResponseBuilder, ZoneType};

/// The test zone's origin.
pub const ZONE: &str = "probe.test.";

/// Serves the catalog, except that any name under `broken.probe.test.` gets SERVFAIL (an
/// authoritative server cannot be made to fail otherwise).
struct FailingCatalog {
    catalog: Catalog,
    broken: LowerName,
}

#[async_trait::async_trait]
impl RequestHandler for FailingCatalog {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &DnsRequest,
        mut response_handle: R,
    ) -> ResponseInfo {
        let is_broken = request
            .queries
            .queries()
            .first()
            .is_some_and(|q| self.broken.zone_of(q.name()));
        if is_broken {
            let response = MessageResponseBuilder::new(&request.queries, None)
                .error_msg(&request.metadata, ResponseCode::ServFail);
            return response_handle
                .send_response(response)
                .await
                .expect("send SERVFAIL");
        }
        self.catalog
            .handle_request::<R, T>(request, response_handle)
            .await
    }
}

fn name(text: &str) -> Name {
    Name::from_str(text).expect("name")
}

/// A DNS server on 127.0.0.1 (UDP) authoritative for `probe.test.`:
/// `www` → CNAME `edge.cdn` → CNAME `origin` → A 192.0.2.10; `api` A 192.0.2.20;
/// anything under `broken` answers SERVFAIL; other names are NXDOMAIN.
pub async fn start_dns() -> SocketAddr {
    let origin = name(ZONE);
    let mut zone = InMemoryZoneHandler::<TokioRuntimeProvider>::empty(
        origin.clone(),
        ZoneType::Primary,
        AxfrPolicy::Deny,
    );
    let serial = 1;
    let records = vec![
        Record::from_rdata(
            origin.clone(),
            300,
            RData::SOA(SOA::new(
                name("ns.probe.test."),
                name("admin.probe.test."),
                serial,
                3600,
                600,
                86_400,
                60,
            )),
        ),
        Record::from_rdata(origin.clone(), 300, RData::NS(NS(name("ns.probe.test.")))),
        Record::from_rdata(
            name("ns.probe.test."),
            300,
            RData::A(A(Ipv4Addr::new(127, 0, 0, 1))),
        ),
        Record::from_rdata(
            name("www.probe.test."),
            300,
            RData::CNAME(CNAME(name("edge.cdn.probe.test."))),
        ),
        Record::from_rdata(
            name("edge.cdn.probe.test."),
            300,
            RData::CNAME(CNAME(name("origin.probe.test."))),
        ),
        Record::from_rdata(
            name("origin.probe.test."),
            300,
            RData::A(A(Ipv4Addr::new(192, 0, 2, 10))),
        ),
        Record::from_rdata(
            name("api.probe.test."),
            300,
            RData::A(A(Ipv4Addr::new(192, 0, 2, 20))),
        ),
    ];
    for record in records {
        assert!(zone.upsert_mut(record, serial), "record inserted");
    }
    let mut catalog = Catalog::new();
    catalog.upsert(LowerName::new(&origin), vec![Arc::new(zone)]);
    let handler = FailingCatalog {
        catalog,
        broken: LowerName::new(&name("broken.probe.test.")),
    };
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .expect("bind udp");
    let addr = socket.local_addr().expect("local addr");
    let mut server = hickory_server::Server::new(handler);
    server.register_socket(socket);
    tokio::spawn(async move {
        let _ = server.block_until_done().await;
    });
    addr
}

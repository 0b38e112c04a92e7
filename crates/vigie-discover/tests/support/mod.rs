//! Real servers on 127.0.0.1 for the integration tests: an authoritative DNS server
//! (hickory-server) holding several zones, an HTTPS server sending chosen headers with a
//! certificate from a chosen issuer, and a plain HTTP server serving files by path.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hickory_proto::rr::rdata::{A, AAAA, CNAME, NS, SOA};
use hickory_proto::rr::{LowerName, Name, RData, Record};
use hickory_server::net::runtime::TokioRuntimeProvider;
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneHandler, ZoneType};
use http_body_util::Full;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, UdpSocket};
use tokio::task::JoinHandle;

/// One record in a test zone.
pub enum Rec {
    A(&'static str, Ipv4Addr),
    Aaaa(&'static str, Ipv6Addr),
    Cname(&'static str, &'static str),
    Ns(&'static str, &'static str),
}

fn name(text: &str) -> Name {
    match Name::from_ascii(text) {
        Ok(n) => n,
        Err(e) => panic!("test name {text}: {e}"),
    }
}

fn zone(origin: &str, records: &[Rec]) -> Arc<dyn ZoneHandler> {
    let origin_name = name(origin);
    let mut handler = InMemoryZoneHandler::<TokioRuntimeProvider>::empty(
        origin_name.clone(),
        ZoneType::Primary,
        AxfrPolicy::Deny,
    );
    let soa = SOA::new(
        name(&format!("ns.{origin}")),
        name(&format!("hostmaster.{origin}")),
        1,
        3600,
        600,
        86400,
        60,
    );
    assert!(handler.upsert_mut(Record::from_rdata(origin_name, 300, RData::SOA(soa)), 1));
    for rec in records {
        let record = match rec {
            Rec::A(n, a) => Record::from_rdata(name(n), 60, RData::A(A(*a))),
            Rec::Aaaa(n, a) => Record::from_rdata(name(n), 60, RData::AAAA(AAAA(*a))),
            Rec::Cname(n, t) => Record::from_rdata(name(n), 60, RData::CNAME(CNAME(name(t)))),
            Rec::Ns(n, t) => Record::from_rdata(name(n), 60, RData::NS(NS(name(t)))),
        };
        assert!(handler.upsert_mut(record, 1), "record in {origin}");
    }
    Arc::new(handler)
}

/// An authoritative DNS server on 127.0.0.1 (UDP and TCP, same random port).
pub struct DnsServer {
    pub addr: SocketAddr,
    _server: hickory_server::Server<Catalog>,
}

impl DnsServer {
    pub async fn start(zones: &[(&str, Vec<Rec>)]) -> DnsServer {
        let mut catalog = Catalog::new();
        for (origin, records) in zones {
            catalog.upsert(LowerName::new(&name(origin)), vec![zone(origin, records)]);
        }
        let mut server = hickory_server::Server::new(catalog);
        let udp = UdpSocket::bind("127.0.0.1:0").await.expect("bind udp");
        let addr = udp.local_addr().expect("udp addr");
        let tcp = TcpListener::bind(addr)
            .await
            .expect("bind tcp on the same port");
        server.register_socket(udp);
        server.register_listener(tcp, Duration::from_secs(10), 8192);
        DnsServer {
            addr,
            _server: server,
        }
    }
}

/// A server task that ends when dropped.
pub struct Task(JoinHandle<()>);

impl Drop for Task {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// An HTTPS server on 127.0.0.1 answering every request with `headers`, presenting a
/// certificate issued by a CA named `O=issuer_org, CN=issuer_cn`.
pub async fn https_server(
    headers: Vec<(&'static str, &'static str)>,
    issuer_org: &str,
    issuer_cn: &str,
) -> (SocketAddr, Task) {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, issuer_org);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, issuer_cn);
    let ca_key = rcgen::KeyPair::generate().expect("ca key");
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf_params =
        rcgen::CertificateParams::new(vec!["www.shop.test".to_string(), "127.0.0.1".to_string()])
            .expect("leaf params");
    let leaf_key = rcgen::KeyPair::generate().expect("leaf key");
    let leaf = leaf_params
        .signed_by(&leaf_key, &issuer)
        .expect("leaf cert");
    let key =
        rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).expect("key der");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der().clone()], key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind https");
    let addr = listener.local_addr().expect("addr");
    let headers = Arc::new(headers);
    let task = tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let headers = headers.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = service_fn(move |_req: Request<hyper::body::Incoming>| {
                    let headers = headers.clone();
                    async move {
                        let mut response = Response::builder().status(200);
                        for (k, v) in headers.iter() {
                            response = response.header(*k, *v);
                        }
                        Ok::<_, Infallible>(
                            response.body(Full::new(Bytes::new())).expect("response"),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (addr, Task(task))
}

/// A plain HTTP server on 127.0.0.1 serving `files` by path (with optional redirects: a body
/// starting with `REDIRECT ` answers 302 to the rest); other paths answer 404.
pub async fn http_server(files: BTreeMap<String, String>) -> (SocketAddr, Task) {
    http_server_for(|_| files).await
}

/// Like [`http_server`], with the files made once the server's address is known (for pages
/// that link back to the server).
pub async fn http_server_for(
    make: impl FnOnce(SocketAddr) -> BTreeMap<String, String>,
) -> (SocketAddr, Task) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind http");
    let addr = listener.local_addr().expect("addr");
    let files = Arc::new(make(addr));
    let task = tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let files = files.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                    let files = files.clone();
                    async move {
                        let path = req
                            .uri()
                            .path_and_query()
                            .map(|p| p.as_str().to_string())
                            .unwrap_or_default();
                        let response = match files.get(&path) {
                            Some(body) if body.starts_with("REDIRECT ") => Response::builder()
                                .status(302)
                                .header("location", body.trim_start_matches("REDIRECT "))
                                .body(Full::new(Bytes::new())),
                            Some(body) => Response::builder()
                                .status(200)
                                .body(Full::new(Bytes::from(body.clone()))),
                            None => Response::builder()
                                .status(404)
                                .body(Full::new(Bytes::new())),
                        };
                        Ok::<_, Infallible>(response.expect("response"))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service)
                    .await;
            });
        }
    });
    (addr, Task(task))
}

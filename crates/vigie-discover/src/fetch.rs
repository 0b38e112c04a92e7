//! A small HTTP/1.1 client over tokio, rustls (ring provider) and hyper: `GET` with redirects
//! and a body limit for the provider-list refresh, and one request on an already connected
//! stream for the discovery probe. Every failure says which URL and which step.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::Request;
use hyper_util::rt::TokioIo;
use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// Most redirects followed by [`get`].
const MAX_REDIRECTS: usize = 5;

/// The user agent vigie sends.
pub const USER_AGENT: &str = concat!("vigie-discover/", env!("CARGO_PKG_VERSION"));

/// The rustls crypto provider vigie uses everywhere: ring.
pub fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A client configuration that verifies servers against the Web PKI roots.
pub fn verifying_config() -> Result<Arc<ClientConfig>, String> {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = ClientConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS configuration: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Sends one request on a connected stream and reads the response head and up to `max_body`
/// bytes of body (`None`: do not read the body, for `HEAD`).
pub async fn send<S>(
    io: S,
    request: Request<Empty<Bytes>>,
    max_body: Option<usize>,
) -> Result<(http::response::Parts, Bytes), String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    let driver = tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "HTTP connection ended with an error");
        }
    });
    let result = async {
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("HTTP request: {e}"))?;
        let (parts, body) = response.into_parts();
        let bytes = match max_body {
            None => Bytes::new(),
            Some(limit) => Limited::new(body, limit)
                .collect()
                .await
                .map_err(|e| format!("reading the body (limit {limit} bytes): {e}"))?
                .to_bytes(),
        };
        Ok((parts, bytes))
    }
    .await;
    driver.abort();
    result
}

/// Why a [`get`] failed.
#[derive(Debug, thiserror::Error)]
#[error("GET {url}: {message}")]
pub struct FetchError {
    pub url: String,
    pub message: String,
}

/// `GET url` (http or https), following up to five redirects; the body must be 200 OK and at
/// most `max_body` bytes. The whole exchange is bounded by `timeout`.
pub async fn get(url: &str, timeout: Duration, max_body: usize) -> Result<Bytes, FetchError> {
    match tokio::time::timeout(timeout, get_following(url, max_body)).await {
        Ok(result) => result,
        Err(_) => Err(FetchError {
            url: url.to_string(),
            message: format!(
                "no complete answer within {} s (offline?)",
                timeout.as_secs()
            ),
        }),
    }
}

async fn get_following(url: &str, max_body: usize) -> Result<Bytes, FetchError> {
    let mut current = url.to_string();
    for _ in 0..=MAX_REDIRECTS {
        let fail = |message: String| FetchError {
            url: current.clone(),
            message,
        };
        let parsed = url::Url::parse(&current).map_err(|e| fail(format!("not a URL: {e}")))?;
        let (parts, body) = get_once(&parsed, max_body).await.map_err(fail)?;
        if parts.status.is_redirection() {
            let location = parts
                .headers
                .get(http::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| fail(format!("{} without a Location header", parts.status)))?;
            let next = parsed
                .join(location)
                .map_err(|e| fail(format!("bad redirect `{location}`: {e}")))?;
            tracing::debug!(from = %current, to = %next, "following redirect");
            current = next.to_string();
            continue;
        }
        if parts.status != http::StatusCode::OK {
            return Err(fail(format!("answered {}", parts.status)));
        }
        return Ok(body);
    }
    Err(FetchError {
        url: url.to_string(),
        message: format!("more than {MAX_REDIRECTS} redirects"),
    })
}

async fn get_once(
    url: &url::Url,
    max_body: usize,
) -> Result<(http::response::Parts, Bytes), String> {
    let host = url.host_str().ok_or("the URL has no host")?;
    let https = match url.scheme() {
        "https" => true,
        "http" => false,
        other => return Err(format!("scheme `{other}` is not http or https")),
    };
    let port = url.port_or_known_default().ok_or("the URL has no port")?;
    let host_for_dns = host.trim_start_matches('[').trim_end_matches(']');
    let tcp = TcpStream::connect((host_for_dns, port))
        .await
        .map_err(|e| format!("connect to {host}:{port}: {e}"))?;
    let mut path = url.path().to_string();
    if let Some(query) = url.query() {
        path.push('?');
        path.push_str(query);
    }
    let authority = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    };
    let request = Request::get(path)
        .header(http::header::HOST, authority)
        .header(http::header::USER_AGENT, USER_AGENT)
        .header(http::header::ACCEPT_ENCODING, "identity")
        .body(Empty::<Bytes>::new())
        .map_err(|e| format!("building the request: {e}"))?;
    if https {
        let name = ServerName::try_from(host_for_dns.to_string())
            .map_err(|e| format!("`{host}` is not a TLS server name: {e}"))?;
        let tls = tokio_rustls::TlsConnector::from(verifying_config()?)
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS with {host}: {e}"))?;
        send(tls, request, Some(max_body)).await
    } else {
        send(tcp, request, Some(max_body)).await
    }
}

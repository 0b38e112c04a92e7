//! HTTP(S) checks: DNS → TCP → TLS → one HTTP/1.1 request on a fresh connection, each phase
//! timed apart (which a pooled client cannot do), then the assertions on status, body, JSON
//! and certificate lifetime. The body is read up to [`MAX_BODY_BYTES`].
//!
//! Redirects are not followed: a 3xx is judged like any status (the default accepted range,
//! 200–399, passes it). Failures that are not about a status — the peer closing before a
//! response, a malformed response, a broken body — are classed `http_status` too: the
//! server did not give a usable HTTP answer.

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::header::{HeaderName, HeaderValue, HOST, USER_AGENT};
use hyper_util::rt::TokioIo;
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::task::JoinHandle;
use vigie_core::{ProbeError, Timestamp};

use crate::cert::not_after_unix;
use crate::outcome::TlsInfo;
use crate::prober::{Failure, Phase, Prober, Progress};
use crate::spec::{HttpCheck, StatusRange};
use crate::tcp::resolve_and_connect;

/// The most of a response body that is read; the rest is left unread.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

const AGENT: &str = concat!("vigie-probe/", env!("CARGO_PKG_VERSION"));

const DEFAULT_ACCEPTED: StatusRange = StatusRange {
    low: 200,
    high: 399,
};

/// Aborts the connection task when the run ends or is cut off by its timeout.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What the exchange returned.
struct Response {
    status: u16,
    body: Vec<u8>,
    truncated: bool,
}

pub(crate) async fn run(
    prober: &Prober,
    check: &HttpCheck,
    progress: &mut Progress,
) -> Result<String, Failure> {
    let url = &check.url;
    let https = match url.scheme() {
        "https" => true,
        "http" => false,
        other => {
            return Err((
                ProbeError::Assertion,
                format!("unsupported URL scheme {other:?}"),
            ))
        }
    };
    let host = url
        .host_str()
        .ok_or_else(|| (ProbeError::Assertion, format!("URL {url} has no host")))?;
    let port = url
        .port_or_known_default()
        .unwrap_or(if https { 443 } else { 80 });
    let stream = resolve_and_connect(prober, host, port, progress).await?;

    let response = if https {
        let config = prober
            .tls
            .get(check.ca_file.as_deref())
            .map_err(|e| (ProbeError::Tls, e))?;
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let server_name = ServerName::try_from(bare.to_string()).map_err(|e| {
            (
                ProbeError::Tls,
                format!("{host} is not a TLS server name: {e}"),
            )
        })?;
        let started = progress.start(Phase::Tls);
        let tls = tokio_rustls::TlsConnector::from(config)
            .connect(server_name, stream)
            .await
            .map_err(|e| (ProbeError::Tls, format!("TLS handshake with {host}: {e}")))?;
        progress.phases.tls = Some(started.elapsed());
        let session = tls.get_ref().1;
        if let Some(leaf) = session.peer_certificates().and_then(|c| c.first()) {
            let version = session
                .protocol_version()
                .map(|v| format!("{v:?}"))
                .unwrap_or_default();
            let not_after = not_after_unix(leaf.as_ref())
                .map_err(|e| (ProbeError::Tls, format!("peer certificate: {e}")))?;
            progress.tls = Some(tls_info(not_after, version));
        }
        exchange(tls, check, progress).await?
    } else {
        exchange(stream, check, progress).await?
    };
    judge(check, progress, &response)
}

fn tls_info(not_after: i64, version: String) -> TlsInfo {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    TlsInfo {
        not_after: Timestamp::from_secs(not_after),
        days_left: (not_after - now).div_euclid(86_400),
        version,
    }
}

/// Sends the request on `io` and reads the status and (bounded) body.
async fn exchange<S>(io: S, check: &HttpCheck, progress: &mut Progress) -> Result<Response, Failure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let bad_response =
        |what: &str, e: &dyn std::fmt::Display| (ProbeError::HttpStatus, format!("{what}: {e}"));
    let request = build_request(check)?;
    let started = progress.start(Phase::Exchange);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| bad_response("HTTP handshake", &e))?;
    let _connection = AbortOnDrop(tokio::spawn(async move {
        let _ = connection.await;
    }));
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| bad_response("no HTTP response", &e))?;
    progress.phases.first_byte = Some(started.elapsed());
    let status = response.status().as_u16();
    progress.http_status = Some(status);

    let mut body = response.into_body();
    let mut bytes = Vec::new();
    let mut truncated = false;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| bad_response("reading the body", &e))?;
        if let Ok(data) = frame.into_data() {
            let room = MAX_BODY_BYTES - bytes.len();
            if data.len() > room {
                bytes.extend_from_slice(&data[..room]);
                truncated = true;
                break;
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(Response {
        status,
        body: bytes,
        truncated,
    })
}

fn build_request(check: &HttpCheck) -> Result<hyper::Request<Empty<Bytes>>, Failure> {
    let invalid =
        |e: &dyn std::fmt::Display| (ProbeError::Assertion, format!("invalid request: {e}"));
    let url = &check.url;
    let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
    let authority = &url[url::Position::BeforeHost..url::Position::AfterPort];
    let method = hyper::Method::from_bytes(check.method.as_bytes()).map_err(|e| invalid(&e))?;
    let mut request = hyper::Request::builder()
        .method(method)
        .uri(if target.is_empty() { "/" } else { target })
        .body(Empty::<Bytes>::new())
        .map_err(|e| invalid(&e))?;
    let headers = request.headers_mut();
    headers.insert(
        HOST,
        HeaderValue::from_str(authority).map_err(|e| invalid(&e))?,
    );
    headers.insert(USER_AGENT, HeaderValue::from_static(AGENT));
    for (name, value) in &check.headers {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| invalid(&e))?;
        let value = HeaderValue::from_str(value).map_err(|e| invalid(&e))?;
        headers.insert(name, value);
    }
    Ok(request)
}

/// Applies the check's assertions, most fundamental first.
fn judge(check: &HttpCheck, progress: &Progress, response: &Response) -> Result<String, Failure> {
    if let (Some(min), Some(tls)) = (check.min_tls_days, &progress.tls) {
        if tls.days_left < i64::from(min) {
            return Err((
                ProbeError::Tls,
                format!(
                    "certificate expires in {} days ({}), fewer than {min}",
                    tls.days_left, tls.not_after
                ),
            ));
        }
    }
    let status = response.status;
    let accepted = if check.accepted_statuses.is_empty() {
        std::slice::from_ref(&DEFAULT_ACCEPTED)
    } else {
        &check.accepted_statuses[..]
    };
    if !accepted.iter().any(|range| range.contains(status)) {
        let list: Vec<String> = accepted
            .iter()
            .map(|r| {
                if r.low == r.high {
                    r.low.to_string()
                } else {
                    format!("{}-{}", r.low, r.high)
                }
            })
            .collect();
        return Err((
            ProbeError::HttpStatus,
            format!("HTTP {status}, expected {}", list.join(", ")),
        ));
    }
    let cut = if response.truncated {
        format!(" (first {MAX_BODY_BYTES} bytes read)")
    } else {
        String::new()
    };
    if let Some(needle) = &check.body_contains {
        let found = memmem(&response.body, needle.as_bytes());
        if !found {
            return Err((
                ProbeError::Assertion,
                format!("HTTP {status}: body does not contain {needle:?}{cut}"),
            ));
        }
    }
    if let Some(assertion) = &check.json {
        let value: serde_json::Value = serde_json::from_slice(&response.body).map_err(|e| {
            (
                ProbeError::Assertion,
                format!("HTTP {status}: body is not JSON{cut}: {e}"),
            )
        })?;
        match value.pointer(&assertion.pointer) {
            None => {
                return Err((
                    ProbeError::Assertion,
                    format!("HTTP {status}: no JSON value at {}", assertion.pointer),
                ))
            }
            Some(found) if *found != assertion.equals => {
                return Err((
                    ProbeError::Assertion,
                    format!(
                        "HTTP {status}: JSON {} is {found}, expected {}",
                        assertion.pointer, assertion.equals
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(format!(
        "HTTP {status}, {} body bytes{cut}",
        response.body.len()
    ))
}

fn memmem(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

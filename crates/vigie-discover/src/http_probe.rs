//! The discovery probe: one HTTPS `HEAD /` to an address that already passed the guard, keeping
//! the response headers and the issuer of the certificate presented.
//!
//! The certificate is read, not trusted: discovery fingerprints whatever the host presents and
//! sends nothing secret, so a self-signed or expired certificate is still evidence. The probe
//! therefore uses a verifier that accepts any chain but still checks the handshake signatures.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Empty;
use hyper::Request;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::net::TcpStream;

use crate::evidence::HttpObservation;
use crate::fetch::{crypto_provider, send, USER_AGENT};

/// Most headers kept from one response.
const MAX_HEADERS: usize = 100;
/// Longest header value kept (longer ones are cut).
const MAX_VALUE: usize = 512;

#[derive(Debug)]
struct AcceptAnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn probe_config() -> Result<Arc<ClientConfig>, String> {
    let provider = crypto_provider();
    let config = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS configuration: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// `HEAD /` over TLS to `address`, presenting `host` as SNI and `Host` (an IP literal sends no
/// SNI). Bounded by `timeout` as a whole.
pub async fn head(
    host: &str,
    address: SocketAddr,
    timeout: Duration,
) -> Result<HttpObservation, String> {
    match tokio::time::timeout(timeout, head_inner(host, address)).await {
        Ok(result) => result,
        Err(_) => Err(format!(
            "HTTPS HEAD to {address}: no answer within {} s",
            timeout.as_secs()
        )),
    }
}

async fn head_inner(host: &str, address: SocketAddr) -> Result<HttpObservation, String> {
    let tcp = TcpStream::connect(address)
        .await
        .map_err(|e| format!("connect to {address}: {e}"))?;
    let name = ServerName::try_from(host.to_string())
        .map_err(|e| format!("`{host}` is not a TLS server name: {e}"))?;
    let tls = tokio_rustls::TlsConnector::from(probe_config()?)
        .connect(name, tcp)
        .await
        .map_err(|e| format!("TLS with {address}: {e}"))?;
    let tls_issuer = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .and_then(|leaf| crate::tls_issuer::issuer(leaf.as_ref()));
    let host_header = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let request = Request::head("/")
        .header(http::header::HOST, host_header)
        .header(http::header::USER_AGENT, USER_AGENT)
        .body(Empty::<Bytes>::new())
        .map_err(|e| format!("building the request: {e}"))?;
    let (parts, _) = send(tls, request, None).await?;
    let headers = parts
        .headers
        .iter()
        .take(MAX_HEADERS)
        .map(|(name, value)| {
            let mut text = String::from_utf8_lossy(value.as_bytes()).into_owned();
            if text.len() > MAX_VALUE {
                let mut cut = MAX_VALUE;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.truncate(cut);
            }
            (name.as_str().to_string(), text)
        })
        .collect();
    Ok(HttpObservation {
        address,
        status: parts.status.as_u16(),
        headers,
        tls_issuer,
    })
}

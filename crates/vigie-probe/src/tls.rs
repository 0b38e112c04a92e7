//! TLS client configurations: the public roots (webpki-roots) plus, per check, the CA
//! certificates of its `ca_file`. Built with the *ring* provider explicitly, so nothing
//! depends on a process-wide default provider being installed.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

/// Largest `ca_file` read.
const MAX_CA_FILE_BYTES: u64 = 1024 * 1024;

/// The configurations, built on first use and kept.
pub(crate) struct TlsConfigs {
    public: Mutex<Option<Arc<ClientConfig>>>,
    with_ca: Mutex<HashMap<PathBuf, Arc<ClientConfig>>>,
}

fn public_roots() -> RootCertStore {
    RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

fn build(roots: RootCertStore) -> Result<Arc<ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS configuration: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The PEM certificates of `path`, which must hold at least one.
fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let file = std::fs::File::open(path)
        .map_err(|e| format!("cannot open ca_file {}: {e}", path.display()))?;
    let mut pem = Vec::new();
    file.take(MAX_CA_FILE_BYTES + 1)
        .read_to_end(&mut pem)
        .map_err(|e| format!("cannot read ca_file {}: {e}", path.display()))?;
    if pem.len() as u64 > MAX_CA_FILE_BYTES {
        return Err(format!(
            "ca_file {} is larger than {MAX_CA_FILE_BYTES} bytes",
            path.display()
        ));
    }
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("ca_file {}: bad PEM: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("ca_file {} holds no certificate", path.display()));
    }
    Ok(certs)
}

impl TlsConfigs {
    pub(crate) fn new() -> Self {
        TlsConfigs {
            public: Mutex::new(None),
            with_ca: Mutex::new(HashMap::new()),
        }
    }

    /// The configuration for a check: public roots, plus `ca_file`'s certificates if set.
    pub(crate) fn get(&self, ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, String> {
        let Some(path) = ca_file else {
            let mut slot = self.public.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(config) = slot.as_ref() {
                return Ok(config.clone());
            }
            let config = build(public_roots())?;
            *slot = Some(config.clone());
            return Ok(config);
        };
        let mut map = self.with_ca.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(config) = map.get(path) {
            return Ok(config.clone());
        }
        let mut roots = public_roots();
        for cert in read_ca_file(path)? {
            roots
                .add(cert)
                .map_err(|e| format!("ca_file {}: unusable certificate: {e}", path.display()))?;
        }
        let config = build(roots)?;
        map.insert(path.to_path_buf(), config.clone());
        Ok(config)
    }
}

//! One-off targets as a person types them (`vigie check URL|HOST:PORT`), turned into a
//! [`CheckSpec`] with default assertions.

use std::time::Duration;

use crate::spec::{CheckKind, CheckSpec, HttpCheck, TcpCheck};

/// The text is neither an http(s) URL nor `host:port`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid target {target:?}: {reason}")]
pub struct TargetError {
    pub target: String,
    pub reason: String,
}

/// Longest target accepted.
const MAX_TARGET_LEN: usize = 2048;

/// `http://…` or `https://…` → an HTTP check (GET, statuses 200–399);
/// `host:port` or `[v6]:port` → a TCP check. The check's id is its kind.
pub fn check_for_target(target: &str, timeout: Duration) -> Result<CheckSpec, TargetError> {
    let fail = |reason: String| TargetError {
        target: target.to_string(),
        reason,
    };
    if target.len() > MAX_TARGET_LEN {
        return Err(fail(format!("longer than {MAX_TARGET_LEN} bytes")));
    }
    let kind = if target.contains("://") {
        let url = url::Url::parse(target).map_err(|e| fail(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(fail(format!(
                "scheme {:?} is not http or https",
                url.scheme()
            )));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(fail("the URL has no host".into()));
        }
        CheckKind::Http(HttpCheck {
            url,
            method: "GET".to_string(),
            headers: Vec::new(),
            accepted_statuses: Vec::new(),
            body_contains: None,
            json: None,
            degraded_latency: None,
            min_tls_days: None,
            ca_file: None,
        })
    } else {
        let (host, port) = target
            .rsplit_once(':')
            .ok_or_else(|| fail("expected an http(s) URL or host:port".into()))?;
        let port: u16 = port
            .parse()
            .map_err(|_| fail(format!("port {port:?} is not a number from 1 to 65535")))?;
        if port == 0 {
            return Err(fail("port 0 cannot be connected to".into()));
        }
        let bare = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            Some(inner) if inner.parse::<std::net::Ipv6Addr>().is_ok() => inner,
            Some(_) => return Err(fail(format!("{host:?} is not a bracketed IPv6 address"))),
            None => host,
        };
        let valid_host = bare != host
            || (!host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.'));
        if !valid_host {
            return Err(fail(format!(
                "{host:?} is not a host name or IP address (write IPv6 as [addr]:port)"
            )));
        }
        CheckKind::Tcp(TcpCheck {
            host: bare.to_string(),
            port,
        })
    };
    Ok(CheckSpec {
        id: kind.name().to_string(),
        kind,
        interval: CheckSpec::DEFAULT_INTERVAL,
        timeout,
        failure_threshold: CheckSpec::DEFAULT_FAILURE_THRESHOLD,
        recovery_threshold: CheckSpec::DEFAULT_RECOVERY_THRESHOLD,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::from_secs(10);

    #[test]
    fn urls_become_http_checks() {
        let spec = check_for_target("https://example.com/health?x=1", T).expect("valid");
        assert_eq!(spec.id, "http");
        let CheckKind::Http(http) = spec.kind else {
            panic!("not http")
        };
        assert_eq!(http.url.as_str(), "https://example.com/health?x=1");
        assert_eq!(spec.timeout, T);
    }

    #[test]
    fn host_port_becomes_tcp_checks() {
        for (text, host, port) in [
            ("example.com:443", "example.com", 443),
            ("127.0.0.1:5432", "127.0.0.1", 5432),
            ("[::1]:53", "::1", 53),
        ] {
            let spec = check_for_target(text, T).expect(text);
            assert_eq!(
                spec.kind,
                CheckKind::Tcp(TcpCheck {
                    host: host.into(),
                    port
                })
            );
        }
    }

    #[test]
    fn rejects_bad_targets_with_a_reason() {
        for text in [
            "example.com",
            "example.com:http",
            "example.com:0",
            "example.com:70000",
            ":80",
            "ftp://example.com/",
            "http://",
            "exa mple.com:80",
            "[::1:53",
            "::1:53",
            "[example.com]:80",
        ] {
            let error = check_for_target(text, T).expect_err(text);
            assert!(!error.reason.is_empty(), "{text}");
            assert!(error.to_string().contains(text), "{error}");
        }
    }
}

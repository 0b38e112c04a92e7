//! The typed result of one probe run: pass/fail, the classified error, phase timings and
//! what was learnt on the way (HTTP status, certificate lifetime, DNS answers). Every run
//! produces an [`Outcome`]; failures are data, never a bare error.

use std::net::SocketAddr;
use std::time::Duration;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use vigie_core::{ProbeError, ProbeResult, Timestamp};

/// What one run of one check found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    /// The check kind (`http`, `tcp`, `dns`): a bounded label.
    pub kind: &'static str,
    /// Every phase succeeded and every assertion held.
    pub ok: bool,
    /// The run passed but took longer than the check's `degraded_latency`.
    pub slow: bool,
    /// Why the run failed; `None` exactly when `ok`.
    pub error: Option<ProbeError>,
    /// One line for a person: what was seen, or what went wrong where.
    pub detail: String,
    pub phases: Phases,
    /// The address the probe connected to (HTTP and TCP checks).
    pub remote: Option<SocketAddr>,
    /// The HTTP status, when a response arrived.
    pub http_status: Option<u16>,
    /// The peer certificate, when a TLS handshake completed.
    pub tls: Option<TlsInfo>,
    /// The DNS response, for DNS checks.
    pub dns: Option<DnsInfo>,
}

/// How long each phase took (each one alone, not cumulative). A phase that did not run (no
/// DNS for an IP literal, no TLS for plain HTTP) or did not finish is `None`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Phases {
    pub dns: Option<Duration>,
    pub connect: Option<Duration>,
    pub tls: Option<Duration>,
    /// From the request being written to the response headers being read.
    pub first_byte: Option<Duration>,
    /// The whole run, including the body read; always set.
    pub total: Option<Duration>,
}

fn ms(d: Option<Duration>) -> Option<f64> {
    d.map(|d| d.as_secs_f64() * 1000.0)
}

impl Serialize for Phases {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Phases", 5)?;
        s.serialize_field("dns_ms", &ms(self.dns))?;
        s.serialize_field("connect_ms", &ms(self.connect))?;
        s.serialize_field("tls_ms", &ms(self.tls))?;
        s.serialize_field("first_byte_ms", &ms(self.first_byte))?;
        s.serialize_field("total_ms", &ms(self.total))?;
        s.end()
    }
}

/// The leaf certificate the server presented.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TlsInfo {
    /// The end of the certificate's validity.
    pub not_after: Timestamp,
    /// Whole days from the probe's time to `not_after` (negative once expired).
    pub days_left: i64,
    /// `TLSv1_3`, `TLSv1_2`.
    pub version: String,
}

/// The DNS response a DNS check received.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DnsInfo {
    /// The response code as its mnemonic: `NOERROR`, `NXDOMAIN`, `SERVFAIL`, ...
    pub rcode: String,
    /// Each answer record as `name TYPE data` (CNAME chains included, in order).
    pub answers: Vec<String>,
}

impl Outcome {
    /// A failed run with nothing learnt but the error.
    pub fn failed(kind: &'static str, error: ProbeError, detail: String) -> Self {
        Outcome {
            kind,
            ok: false,
            slow: false,
            error: Some(error),
            detail,
            phases: Phases::default(),
            remote: None,
            http_status: None,
            tls: None,
            dns: None,
        }
    }

    /// The total time of the run in milliseconds.
    pub fn latency_ms(&self) -> Option<f64> {
        ms(self.phases.total)
    }

    /// The engine's signal for this run.
    pub fn to_probe_result(
        &self,
        at: Timestamp,
        service: &str,
        check_id: &str,
        vantage: &str,
    ) -> ProbeResult {
        ProbeResult {
            at,
            service: service.to_string(),
            check: Some(check_id.to_string()),
            vantage: vantage.to_string(),
            ok: self.ok,
            slow: self.ok && self.slow,
            latency_ms: self.latency_ms(),
            error: if self.ok { None } else { self.error },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_result_carries_failure_and_latency() {
        let mut outcome = Outcome::failed("http", ProbeError::HttpStatus, "status 500".into());
        outcome.phases.total = Some(Duration::from_millis(42));
        let result = outcome.to_probe_result(Timestamp::from_secs(60), "shop", "http-0", "local");
        assert!(!result.ok);
        assert_eq!(result.error, Some(ProbeError::HttpStatus));
        assert_eq!(result.latency_ms, Some(42.0));
        assert_eq!(result.check.as_deref(), Some("http-0"));
        assert_eq!(result.vantage, "local");
    }

    #[test]
    fn phases_serialize_as_milliseconds() {
        let phases = Phases {
            dns: None,
            connect: Some(Duration::from_micros(1500)),
            ..Phases::default()
        };
        let json = serde_json::to_value(phases).expect("serializable");
        assert_eq!(json["connect_ms"], serde_json::json!(1.5));
        assert!(json["dns_ms"].is_null());
    }
}

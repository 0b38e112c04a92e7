//! vigie-probe runs checks against the outside world and reports typed outcomes.
//!
//! - [`spec`] holds the validated, inert description of each check (built by
//!   `vigie-config` from `vigie.toml`).
//! - [`Prober`] runs one check once and returns an [`Outcome`]: pass or fail, the
//!   classified [`vigie_core::ProbeError`], phase timings (dns, connect, tls, first byte,
//!   total), the HTTP status, the certificate's days left, the DNS answers.
//! - [`Scheduler`] runs many checks, each at its interval with a fixed per-check jitter,
//!   under a concurrency bound and a global rate limit, and sends every outcome on a channel.

mod cert;
mod dns;
mod http;
mod outcome;
mod prober;
mod resolve;
mod scheduler;
pub mod spec;
mod target;
mod tcp;
mod tls;

pub use cert::{not_after_unix, CertError};
pub use http::MAX_BODY_BYTES;
pub use outcome::{DnsInfo, Outcome, Phases, TlsInfo};
pub use prober::Prober;
pub use scheduler::{
    jitter, ProbeReport, Scheduler, SchedulerConfig, SchedulerHandle, MIN_INTERVAL,
};
pub use spec::{CheckKind, CheckSpec, DnsCheck, HttpCheck, JsonAssertion, StatusRange, TcpCheck};
pub use target::{check_for_target, TargetError};

//! vigie-probe runs checks against the outside world and reports typed outcomes.
//!
//! [`spec`] holds the validated, inert description of each check (built by `vigie-config`
//! from `vigie.toml`).

pub mod spec;

pub use spec::{CheckKind, CheckSpec, DnsCheck, HttpCheck, JsonAssertion, StatusRange, TcpCheck};

//! vigie-discover finds out, from the outside, which providers a host relies on.
//!
//! It owns:
//! - the provider **catalogue** ([`Catalog`]): components with their fingerprints (CNAME and NS
//!   suffixes, HTTP header rules, TLS issuer hints), read from `catalog/components.toml`, and the
//!   providers' published IP ranges, read from `catalog/providers/` — both compiled in;
//! - the **IP-prefix table** ([`IpTable`]): longest-prefix match from an address to a component;
//! - **discovery** ([`Discoverer`]): DNS (CNAME chain, A/AAAA, NS), an HTTPS `HEAD /`, and the
//!   combination of the evidence into per-component confidences ([`Discovery`]);
//! - the **refresh** of the shipped IP lists from the providers' official URLs ([`update`]).
//!
//! docs/discovery.md explains how discovery decides.

pub mod catalog;
pub mod discover;
mod dns;
pub mod evidence;
mod fetch;
pub mod fingerprint;
pub mod guard;
mod http_probe;
pub mod iptable;
pub mod providers;
mod tls_issuer;
pub mod update;

pub use catalog::{Catalog, CatalogError};
pub use discover::{DiscoverError, DiscoverOptions, Discoverer};
pub use evidence::{ComponentFinding, Discovery, Evidence};
pub use iptable::{IpMatch, IpTable};

//! The DNS side of discovery with hickory-resolver: the CNAME chain (bounded), the A/AAAA
//! records at its end, and the NS records of the host's zone (found by walking up the labels).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::NetError;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::TokioResolver;

use crate::evidence::{CnameLink, NsRecord};
use crate::fingerprint::normalize_name;

/// What went wrong in DNS, by kind, so the caller can map it to a clear error.
#[derive(Debug)]
pub enum DnsFailure {
    /// The name does not exist (NXDOMAIN).
    NxDomain,
    /// The CNAME chain is longer than allowed or loops.
    ChainTooLong(Vec<CnameLink>),
    /// Anything else: timeout, SERVFAIL, refused, no resolver configured.
    Other(String),
}

/// A resolver for one discovery.
pub struct Dns {
    resolver: TokioResolver,
}

/// Result of the DNS walk.
pub struct DnsAnswers {
    pub chain: Vec<CnameLink>,
    pub addresses: Vec<IpAddr>,
    pub nameservers: Vec<NsRecord>,
}

impl Dns {
    /// A resolver asking `server` (UDP and TCP), or the system's resolvers when `None`.
    pub fn new(server: Option<SocketAddr>, timeout: Duration) -> Result<Dns, String> {
        let mut options = ResolverOpts::default();
        options.timeout = timeout;
        options.attempts = 2;
        options.cache_size = 64;
        let builder = match server {
            Some(addr) => {
                let mut ns = NameServerConfig::udp_and_tcp(addr.ip());
                for connection in &mut ns.connections {
                    connection.port = addr.port();
                }
                TokioResolver::builder_with_config(
                    ResolverConfig::from_name_servers(vec![ns]),
                    TokioRuntimeProvider::default(),
                )
            }
            None => TokioResolver::builder_tokio()
                .map_err(|e| format!("reading the system resolver configuration: {e}"))?,
        };
        let resolver = builder
            .with_options(options)
            .build()
            .map_err(|e| format!("building the resolver: {e}"))?;
        Ok(Dns { resolver })
    }

    /// Records of `record_type` owned by `name` itself (a recursive resolver may add records
    /// of a CNAME target: those are not `name`'s); an empty answer is `Ok(vec![])`.
    async fn query(&self, name: &str, record_type: RecordType) -> Result<Vec<RData>, DnsFailure> {
        let fqdn = format!("{name}.");
        match self.resolver.lookup(fqdn.as_str(), record_type).await {
            Ok(lookup) => Ok(lookup
                .answers()
                .iter()
                .filter(|r| r.record_type() == record_type)
                .filter(|r| normalize_name(&r.name.to_ascii()) == name)
                .map(|r| r.data.clone())
                .collect()),
            Err(e) if e.is_nx_domain() => Err(DnsFailure::NxDomain),
            Err(e) if e.is_no_records_found() => Ok(Vec::new()),
            Err(e) => Err(DnsFailure::Other(describe(name, record_type, &e))),
        }
    }

    /// Follows CNAMEs from `host`, at most `max_depth` links, then asks A and AAAA at the end of
    /// the chain and NS for the host's zone.
    pub async fn resolve(&self, host: &str, max_depth: usize) -> Result<DnsAnswers, DnsFailure> {
        let mut chain: Vec<CnameLink> = Vec::new();
        let mut current = host.to_string();
        loop {
            let targets = self.query(&current, RecordType::CNAME).await?;
            let Some(target) = targets.iter().find_map(|r| match r {
                RData::CNAME(c) => Some(normalize_name(&c.0.to_ascii())),
                _ => None,
            }) else {
                break;
            };
            let looped = target == host || chain.iter().any(|l| l.name == target);
            chain.push(CnameLink {
                name: current.clone(),
                target: target.clone(),
            });
            if looped || chain.len() > max_depth {
                return Err(DnsFailure::ChainTooLong(chain));
            }
            current = target;
        }
        let (v4, v6, nameservers) = tokio::join!(
            self.query(&current, RecordType::A),
            self.query(&current, RecordType::AAAA),
            self.zone_nameservers(host),
        );
        let mut addresses: Vec<IpAddr> = Vec::new();
        for r in v4?.into_iter().chain(v6?) {
            match r {
                RData::A(a) => addresses.push(IpAddr::V4(a.0)),
                RData::AAAA(a) => addresses.push(IpAddr::V6(a.0)),
                _ => {}
            }
        }
        addresses.dedup();
        Ok(DnsAnswers {
            chain,
            addresses,
            nameservers: nameservers.unwrap_or_else(|e| {
                tracing::debug!(host, error = ?e, "no NS records found");
                Vec::new()
            }),
        })
    }

    /// NS records of the closest enclosing zone: `www.shop.example` asks
    /// `www.shop.example`, then `shop.example`, and stops before the top-level domain.
    async fn zone_nameservers(&self, host: &str) -> Result<Vec<NsRecord>, DnsFailure> {
        let labels: Vec<&str> = host.split('.').collect();
        for start in 0..labels.len().saturating_sub(1) {
            let zone = labels[start..].join(".");
            let records = match self.query(&zone, RecordType::NS).await {
                Ok(records) => records,
                Err(DnsFailure::NxDomain) => continue,
                Err(e) => return Err(e),
            };
            let hosts: Vec<NsRecord> = records
                .iter()
                .filter_map(|r| match r {
                    RData::NS(ns) => Some(NsRecord {
                        zone: zone.clone(),
                        host: normalize_name(&ns.0.to_ascii()),
                    }),
                    _ => None,
                })
                .collect();
            if !hosts.is_empty() {
                return Ok(hosts);
            }
        }
        Ok(Vec::new())
    }
}

fn describe(name: &str, record_type: RecordType, error: &NetError) -> String {
    format!("{record_type} lookup for {name}: {error}")
}

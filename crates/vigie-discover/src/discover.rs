//! [`Discoverer`]: from a host name or an IP literal to the components it relies on, with the
//! evidence for each. DNS is in [`crate::dns`], the HTTPS probe in [`crate::http_probe`], the
//! rules in the [`Catalog`], the arithmetic in [`crate::evidence`].

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use vigie_core::{ComponentKind, DependencyOrigin};

use crate::catalog::Catalog;
use crate::dns::{Dns, DnsFailure};
use crate::evidence::{combine, CnameLink, Discovery, Evidence, HttpObservation, NsRecord};
use crate::fingerprint::{best_name_match, normalize_name, MAX_NAME_LEN};
use crate::guard;

/// Evidence weight of a CNAME target in a provider's suffix: the host's traffic goes there.
pub const CNAME_WEIGHT: f64 = 0.9;
/// Evidence weight of an NS host in a DNS provider's suffix: the zone is served there.
pub const NS_WEIGHT: f64 = 0.95;

/// How one discovery runs.
#[derive(Clone, Debug)]
pub struct DiscoverOptions {
    /// The DNS server to ask (tests use a local one); `None` uses the system's resolvers.
    pub resolver: Option<SocketAddr>,
    /// Whether to send the HTTPS `HEAD /`.
    pub probe_http: bool,
    /// The port of the HTTPS probe (443; tests use a local server's port).
    pub https_port: u16,
    /// Allow private, loopback and link-local targets. Off by default: discovery triggered
    /// through the API must not become a way to reach the server's own network.
    pub allow_private: bool,
    /// Longest CNAME chain followed.
    pub max_cname_depth: usize,
    /// Timeout of each DNS query and of the HTTP probe.
    pub timeout: Duration,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        DiscoverOptions {
            resolver: None,
            probe_http: true,
            https_port: 443,
            allow_private: false,
            max_cname_depth: 8,
            timeout: Duration::from_secs(5),
        }
    }
}

/// Why a discovery gave no answer. The HTTP probe failing is not one of these: it is recorded
/// in [`Discovery::http_error`] and DNS/IP evidence still counts.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("`{host}` is not a host name or IP address: {reason}")]
    InvalidHost { host: String, reason: String },
    #[error("`{host}` does not resolve (NXDOMAIN)")]
    NotFound { host: String },
    #[error("`{host}` resolves to no A or AAAA record")]
    NoAddress { host: String },
    #[error("`{host}`: CNAME chain longer than {max} links or looping ({chain})")]
    CnameChain {
        host: String,
        max: usize,
        chain: String,
    },
    #[error("`{host}` refused: {address} is {reason} (allow_private is off)")]
    Forbidden {
        host: String,
        address: IpAddr,
        reason: &'static str,
    },
    #[error("`{host}`: DNS failed: {message}")]
    Dns { host: String, message: String },
}

/// What the caller asked about.
enum Target {
    Ip(IpAddr),
    Name(String),
}

/// Runs discoveries against one catalogue.
#[derive(Clone, Debug)]
pub struct Discoverer {
    catalog: Arc<Catalog>,
}

impl Discoverer {
    pub fn new(catalog: Arc<Catalog>) -> Discoverer {
        Discoverer { catalog }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Finds which components `host` (a name, an IP literal or a URL) relies on.
    pub async fn discover(
        &self,
        host: &str,
        options: &DiscoverOptions,
    ) -> Result<Discovery, DiscoverError> {
        let target = parse_target(host)?;
        let (host_shown, cname_chain, addresses, nameservers) = match target {
            Target::Ip(ip) => {
                check_address(&ip.to_string(), ip, options)?;
                (ip.to_string(), Vec::new(), vec![ip], Vec::new())
            }
            Target::Name(name) => {
                let dns = Dns::new(options.resolver, options.timeout).map_err(|message| {
                    DiscoverError::Dns {
                        host: name.clone(),
                        message,
                    }
                })?;
                let answers =
                    dns.resolve(&name, options.max_cname_depth)
                        .await
                        .map_err(|failure| match failure {
                            DnsFailure::NxDomain => DiscoverError::NotFound { host: name.clone() },
                            DnsFailure::ChainTooLong(chain) => DiscoverError::CnameChain {
                                host: name.clone(),
                                max: options.max_cname_depth,
                                chain: chain
                                    .iter()
                                    .map(|l| format!("{} → {}", l.name, l.target))
                                    .collect::<Vec<_>>()
                                    .join(", "),
                            },
                            DnsFailure::Other(message) => DiscoverError::Dns {
                                host: name.clone(),
                                message,
                            },
                        })?;
                if answers.addresses.is_empty() {
                    return Err(DiscoverError::NoAddress { host: name });
                }
                for &address in &answers.addresses {
                    check_address(&name, address, options)?;
                }
                (name, answers.chain, answers.addresses, answers.nameservers)
            }
        };

        let mut evidence = Vec::new();
        self.cname_evidence(&cname_chain, &mut evidence);
        self.ip_evidence(&addresses, &mut evidence);
        self.ns_evidence(&nameservers, &mut evidence);

        let (http, http_error) = if options.probe_http {
            // Prefer IPv4: the machine running discovery is likelier to reach it.
            let address = addresses
                .iter()
                .find(|a| a.is_ipv4())
                .or(addresses.first())
                .copied();
            match address {
                Some(address) => {
                    let socket = SocketAddr::new(address, options.https_port);
                    match crate::http_probe::head(&host_shown, socket, options.timeout).await {
                        Ok(observation) => (Some(observation), None),
                        Err(message) => {
                            tracing::debug!(host = %host_shown, %message, "HTTP probe failed");
                            (None, Some(message))
                        }
                    }
                }
                None => (None, None),
            }
        } else {
            (None, None)
        };
        if let Some(observation) = &http {
            self.http_evidence(observation, &mut evidence);
        }

        let catalog = &self.catalog;
        let components = combine(evidence, |id| match catalog.component(id) {
            Some(spec) => (spec.kind, spec.display_name().to_string()),
            None => (ComponentKind::Other, id.to_string()),
        });
        Ok(Discovery {
            host: host_shown,
            cname_chain,
            addresses,
            nameservers,
            http,
            http_error,
            components,
        })
    }

    fn cname_evidence(&self, chain: &[CnameLink], out: &mut Vec<Evidence>) {
        for link in chain {
            if let Some(rule) = best_name_match(self.catalog.cname_rules(), &link.target) {
                out.push(Evidence {
                    component: rule.component.clone(),
                    origin: DependencyOrigin::DnsCname,
                    subject: link.name.clone(),
                    observed: link.target.clone(),
                    rule: format!("cname suffix .{}", rule.pattern),
                    weight: CNAME_WEIGHT,
                });
            }
        }
    }

    fn ip_evidence(&self, addresses: &[IpAddr], out: &mut Vec<Evidence>) {
        for &address in addresses {
            if let Some(hit) = self.catalog.ip_table().lookup(address) {
                out.push(Evidence {
                    component: hit.component.to_string(),
                    origin: DependencyOrigin::IpRange,
                    subject: address.to_string(),
                    observed: hit.net.to_string(),
                    rule: format!("ip prefix {}, {}", hit.net, hit.label),
                    weight: self.catalog.ip_weight(hit.component),
                });
            }
        }
    }

    fn ns_evidence(&self, nameservers: &[NsRecord], out: &mut Vec<Evidence>) {
        for ns in nameservers {
            if let Some(rule) = best_name_match(self.catalog.ns_rules(), &ns.host) {
                out.push(Evidence {
                    component: rule.component.clone(),
                    origin: DependencyOrigin::Ns,
                    subject: ns.zone.clone(),
                    observed: ns.host.clone(),
                    rule: format!("ns suffix .{}", rule.pattern),
                    weight: NS_WEIGHT,
                });
            }
        }
    }

    fn http_evidence(&self, observation: &HttpObservation, out: &mut Vec<Evidence>) {
        for (name, value) in &observation.headers {
            for rule in self.catalog.header_rules() {
                if rule.matches(name, value) {
                    out.push(Evidence {
                        component: rule.component.clone(),
                        origin: DependencyOrigin::HttpHeader,
                        subject: name.clone(),
                        observed: value.clone(),
                        rule: format!("header {} {}", rule.name, rule.value),
                        weight: rule.weight,
                    });
                }
            }
        }
        if let Some(issuer) = &observation.tls_issuer {
            for rule in self.catalog.tls_rules() {
                if rule.matches(issuer) {
                    out.push(Evidence {
                        component: rule.component.clone(),
                        origin: DependencyOrigin::TlsIssuer,
                        subject: "tls".into(),
                        observed: issuer.clone(),
                        rule: format!("tls issuer contains `{}`", rule.contains),
                        weight: rule.weight,
                    });
                }
            }
        }
    }
}

fn check_address(
    host: &str,
    address: IpAddr,
    options: &DiscoverOptions,
) -> Result<(), DiscoverError> {
    if options.allow_private {
        return Ok(());
    }
    match guard::refusal(address) {
        Some(reason) => Err(DiscoverError::Forbidden {
            host: host.to_string(),
            address,
            reason,
        }),
        None => Ok(()),
    }
}

/// Accepts `www.example.com`, `www.example.com.`, `151.101.1.140`, `2a04:4e42::1`,
/// `[2a04:4e42::1]` and URLs (`https://www.example.com/path`, whose host is taken).
fn parse_target(input: &str) -> Result<Target, DiscoverError> {
    let invalid = |reason: &str| DiscoverError::InvalidHost {
        host: input.to_string(),
        reason: reason.to_string(),
    };
    let trimmed = input.trim();
    let host = if trimmed.contains("://") {
        let url = url::Url::parse(trimmed).map_err(|e| invalid(&format!("not a URL: {e}")))?;
        url.host_str()
            .ok_or_else(|| invalid("the URL has no host"))?
            .to_string()
    } else {
        trimmed.to_string()
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(Target::Ip(ip));
    }
    let name = normalize_name(bare);
    if name.is_empty() {
        return Err(invalid("empty"));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(invalid("longer than 253 characters"));
    }
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(invalid("each label must have 1 to 63 characters"));
        }
        if !label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(invalid(
                "labels hold only letters, digits, `-` and `_` (use the IDNA form)",
            ));
        }
    }
    if !name.contains('.') {
        return Err(invalid("a single label is not a public host name"));
    }
    Ok(Target::Name(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server spawns discoveries on its runtime: the future must be `Send`.
    #[test]
    fn discovery_futures_are_send() {
        fn assert_send<T: Send>(_: &T) {}
        let catalog = Arc::new(
            Catalog::build(
                "[[component]]\nid = \"x\"\nkind = \"cdn\"\nname = \"X\"\n",
                [],
            )
            .expect("tiny catalogue"),
        );
        let discoverer = Discoverer::new(catalog);
        let options = DiscoverOptions::default();
        let future = discoverer.discover("example.com", &options);
        assert_send(&future);
    }

    #[test]
    fn targets_parse() {
        assert!(matches!(parse_target("151.101.1.140"), Ok(Target::Ip(_))));
        assert!(matches!(parse_target("[2a04:4e42::1]"), Ok(Target::Ip(_))));
        match parse_target("https://WWW.Example.com./x?y") {
            Ok(Target::Name(n)) => assert_eq!(n, "www.example.com"),
            _ => panic!("URL host"),
        }
        for bad in [
            "",
            "localhost",
            "a..b",
            "exa mple.com",
            "ftp://",
            &"a".repeat(300),
        ] {
            assert!(parse_target(bad).is_err(), "{bad:?}");
        }
    }
}

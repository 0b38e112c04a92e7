//! DNS resolvers shared by the executors: the system resolver (from `/etc/resolv.conf`),
//! used to find the addresses of HTTP and TCP targets, and one resolver per explicit server
//! named by DNS checks. Caching is off: every probe asks the network, so the `dns` phase
//! measures a real lookup and an outage is seen at once.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::Duration;

use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::TokioResolver;
use vigie_core::ProbeError;

/// Per-query timeout of the resolvers; the check's own timeout still bounds the whole run.
const QUERY_TIMEOUT: Duration = Duration::from_secs(3);

fn options(use_hosts: bool) -> ResolverOpts {
    let mut opts = ResolverOpts::default();
    opts.cache_size = 0;
    opts.timeout = QUERY_TIMEOUT;
    opts.attempts = 2;
    opts.preserve_intermediates = true;
    opts.use_hosts_file = if use_hosts {
        ResolveHosts::Auto
    } else {
        ResolveHosts::Never
    };
    opts
}

/// The resolvers, built on first use and kept.
pub(crate) struct Resolvers {
    system: Mutex<Option<Result<TokioResolver, String>>>,
    explicit: Mutex<HashMap<SocketAddr, TokioResolver>>,
}

impl Resolvers {
    pub(crate) fn new() -> Self {
        Resolvers {
            system: Mutex::new(None),
            explicit: Mutex::new(HashMap::new()),
        }
    }

    /// The system resolver, or why there is none (no readable `/etc/resolv.conf`).
    pub(crate) fn system(&self) -> Result<TokioResolver, String> {
        let mut slot = self.system.lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert_with(|| {
            TokioResolver::builder_tokio()
                .and_then(|b| b.with_options(options(true)).build())
                .map_err(|e| format!("no usable system resolver: {e}"))
        })
        .clone()
    }

    /// A resolver that asks only `server` (UDP, then TCP for truncated answers).
    pub(crate) fn for_server(&self, server: SocketAddr) -> Result<TokioResolver, String> {
        let mut map = self.explicit.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(resolver) = map.get(&server) {
            return Ok(resolver.clone());
        }
        let mut udp = ConnectionConfig::udp();
        udp.port = server.port();
        let mut tcp = ConnectionConfig::tcp();
        tcp.port = server.port();
        let name_server = NameServerConfig::new(server.ip(), true, vec![udp, tcp]);
        let config = ResolverConfig::from_parts(None, vec![], vec![name_server]);
        let resolver = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
            .with_options(options(false))
            .build()
            .map_err(|e| format!("cannot build a resolver for {server}: {e}"))?;
        map.insert(server, resolver.clone());
        Ok(resolver)
    }
}

/// The mnemonic of a response code, as DNS tools print it.
pub(crate) fn rcode_name(code: ResponseCode) -> String {
    match code {
        ResponseCode::NoError => "NOERROR".into(),
        ResponseCode::FormErr => "FORMERR".into(),
        ResponseCode::ServFail => "SERVFAIL".into(),
        ResponseCode::NXDomain => "NXDOMAIN".into(),
        ResponseCode::NotImp => "NOTIMP".into(),
        ResponseCode::Refused => "REFUSED".into(),
        ResponseCode::YXDomain => "YXDOMAIN".into(),
        ResponseCode::YXRRSet => "YXRRSET".into(),
        ResponseCode::NXRRSet => "NXRRSET".into(),
        ResponseCode::NotAuth => "NOTAUTH".into(),
        ResponseCode::NotZone => "NOTZONE".into(),
        other => format!("RCODE{}", u16::from(other)),
    }
}

/// What a failed lookup means for a probe.
pub(crate) enum LookupFailure {
    /// The server answered with this response code (and no usable records).
    Rcode(ResponseCode),
    /// No answer came (timeout, network error, no server).
    NoAnswer(String),
}

pub(crate) fn classify(error: &NetError) -> LookupFailure {
    match error {
        NetError::Dns(DnsError::NoRecordsFound(no_records)) => {
            LookupFailure::Rcode(no_records.response_code)
        }
        NetError::Dns(DnsError::ResponseCode(code)) => LookupFailure::Rcode(*code),
        other => LookupFailure::NoAnswer(other.to_string()),
    }
}

/// The probe error for a response code that is not the expected one.
pub(crate) fn rcode_error(code: ResponseCode) -> ProbeError {
    match code {
        ResponseCode::NXDomain | ResponseCode::NoError => ProbeError::DnsNxdomain,
        _ => ProbeError::DnsServfail,
    }
}

/// The addresses of `host` (an IP literal is returned as it is, without a lookup).
pub(crate) async fn lookup_host(
    resolvers: &Resolvers,
    host: &str,
) -> Result<Vec<IpAddr>, (ProbeError, String)> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    let resolver = resolvers
        .system()
        .map_err(|detail| (ProbeError::DnsTimeout, detail))?;
    match resolver.lookup_ip(host).await {
        Ok(found) => {
            let ips: Vec<IpAddr> = found.iter().collect();
            if ips.is_empty() {
                Err((ProbeError::DnsNxdomain, format!("{host} has no address")))
            } else {
                Ok(ips)
            }
        }
        Err(error) => Err(match classify(&error) {
            LookupFailure::Rcode(ResponseCode::NoError) => {
                (ProbeError::DnsNxdomain, format!("{host} has no address"))
            }
            LookupFailure::Rcode(code) => (
                rcode_error(code),
                format!("resolving {host}: {}", rcode_name(code)),
            ),
            LookupFailure::NoAnswer(why) => {
                (ProbeError::DnsTimeout, format!("resolving {host}: {why}"))
            }
        }),
    }
}

//! TCP checks, and the resolve-then-connect steps HTTP checks share with them.
//!
//! Addresses are tried in the resolver's order until one accepts; all attempts share the
//! check's timeout, so an address that swallows SYNs can use it up (no Happy Eyeballs yet).
//! Refused or reset connections are `connect_refused`; anything else that stops a connect
//! (a timeout, an unreachable host or network) is `connect_timeout`.

use std::io::ErrorKind;
use std::net::SocketAddr;

use tokio::net::TcpStream;
use vigie_core::ProbeError;

use crate::prober::{Failure, Phase, Prober, Progress};
use crate::resolve::lookup_host;
use crate::spec::TcpCheck;

/// Resolves `host` (timing the `dns` phase unless it is an IP literal) and connects to the
/// first address that accepts (timing the `connect` phase).
pub(crate) async fn resolve_and_connect(
    prober: &Prober,
    host: &str,
    port: u16,
    progress: &mut Progress,
) -> Result<TcpStream, Failure> {
    let started = progress.start(Phase::Dns);
    let is_literal = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
        .is_ok();
    let ips = lookup_host(&prober.resolvers, host).await?;
    if !is_literal {
        progress.phases.dns = Some(started.elapsed());
    }

    let started = progress.start(Phase::Connect);
    let mut last: Option<Failure> = None;
    for ip in ips {
        let addr = SocketAddr::new(ip, port);
        progress.remote = Some(addr);
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                // Requests are small and written at once; do not wait to coalesce them.
                let _ = stream.set_nodelay(true);
                progress.phases.connect = Some(started.elapsed());
                return Ok(stream);
            }
            Err(error) => last = Some(connect_failure(addr, &error)),
        }
    }
    Err(last.unwrap_or((
        ProbeError::ConnectRefused,
        format!("{host} has no address to connect to"),
    )))
}

fn connect_failure(addr: SocketAddr, error: &std::io::Error) -> Failure {
    let class = match error.kind() {
        ErrorKind::ConnectionRefused
        | ErrorKind::ConnectionReset
        | ErrorKind::ConnectionAborted => ProbeError::ConnectRefused,
        // Timed out, unreachable host or network: the target cannot be reached.
        _ => ProbeError::ConnectTimeout,
    };
    (class, format!("connecting to {addr}: {error}"))
}

pub(crate) async fn run(
    prober: &Prober,
    check: &TcpCheck,
    progress: &mut Progress,
) -> Result<String, Failure> {
    let stream = resolve_and_connect(prober, &check.host, check.port, progress).await?;
    let peer = stream
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| format!("{}:{}", check.host, check.port));
    Ok(format!("connected to {peer}"))
}

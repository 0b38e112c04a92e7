//! `vigie discover HOST|IP`: which CDN, cloud, region and DNS provider a host relies on, and
//! the evidence for each conclusion (docs/discovery.md).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use vigie_discover::{Catalog, DiscoverOptions, Discoverer, Discovery};

#[derive(clap::Args)]
pub struct Args {
    /// A host name (`www.example.com`), an IP address, or a URL.
    pub host: String,
    /// Print one JSON object: `{"host":…, "components":[{"id":…, "confidence":…, "evidence":[…]}]}`.
    #[arg(long)]
    pub json: bool,
    /// Ask this DNS server (`IP` or `IP:PORT`) instead of the system's resolvers.
    #[arg(long, value_name = "ADDR")]
    pub resolver: Option<String>,
    /// Do not send the HTTPS `HEAD /` (DNS and IP ranges only).
    #[arg(long)]
    pub no_http: bool,
    /// Port of the HTTPS probe.
    #[arg(long, default_value_t = 443)]
    pub https_port: u16,
    /// Allow private, loopback and link-local targets (refused by default).
    #[arg(long)]
    pub allow_private: bool,
    /// Read the provider IP lists from this directory instead of the compiled-in snapshot
    /// (e.g. after `vigie providers update --dir DIR`).
    #[arg(long, value_name = "DIR")]
    pub providers: Option<PathBuf>,
    /// Timeout of each DNS query and of the HTTPS probe, in seconds.
    #[arg(long, default_value_t = 5)]
    pub timeout: u64,
}

fn parse_resolver(text: &str) -> anyhow::Result<SocketAddr> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let ip: std::net::IpAddr = text
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .with_context(|| format!("--resolver `{text}` is not IP or IP:PORT"))?;
    Ok(SocketAddr::new(ip, 53))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let catalog: Arc<Catalog> = match &args.providers {
        Some(dir) => Arc::new(
            Catalog::from_dir(dir)
                .with_context(|| format!("loading provider lists from {}", dir.display()))?,
        ),
        None => {
            Catalog::shipped().map_err(|e| anyhow::anyhow!("the compiled-in catalogue: {e}"))?
        }
    };
    let options = DiscoverOptions {
        resolver: args.resolver.as_deref().map(parse_resolver).transpose()?,
        probe_http: !args.no_http,
        https_port: args.https_port,
        allow_private: args.allow_private,
        timeout: Duration::from_secs(args.timeout.max(1)),
        ..DiscoverOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let discovery = runtime.block_on(Discoverer::new(catalog).discover(&args.host, &options))?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut out, &discovery)?;
        writeln!(out)?;
    } else {
        print_text(&mut out, &discovery)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_text(out: &mut impl Write, d: &Discovery) -> std::io::Result<()> {
    let addresses: Vec<String> = d.addresses.iter().map(|a| a.to_string()).collect();
    writeln!(out, "{} → {}", d.host, addresses.join(", "))?;
    for link in &d.cname_chain {
        writeln!(out, "  {} CNAME {}", link.name, link.target)?;
    }
    for ns in &d.nameservers {
        writeln!(out, "  {} NS {}", ns.zone, ns.host)?;
    }
    match (&d.http, &d.http_error) {
        (Some(http), _) => {
            let issuer = http.tls_issuer.as_deref().unwrap_or("unknown issuer");
            writeln!(
                out,
                "  HTTPS HEAD / via {}: {} ({issuer})",
                http.address, http.status
            )?;
        }
        (None, Some(error)) => writeln!(out, "  HTTPS HEAD / failed: {error}")?,
        (None, None) => {}
    }
    writeln!(out)?;
    writeln!(out, "evidence:")?;
    let mut any = false;
    for e in d.evidence() {
        any = true;
        writeln!(out, "  {e}")?;
    }
    if !any {
        writeln!(out, "  none: no catalogue fingerprint matched")?;
    }
    writeln!(out)?;
    writeln!(out, "components:")?;
    for c in &d.components {
        writeln!(
            out,
            "  {:<28} {:>5.3}  {} ({}), {} piece(s) of evidence",
            c.id,
            c.confidence,
            c.name,
            c.kind.as_str(),
            c.evidence.len()
        )?;
    }
    Ok(())
}

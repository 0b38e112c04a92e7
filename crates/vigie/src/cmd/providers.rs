//! `vigie providers`: the provider IP lists behind discovery — list what the catalogue holds,
//! or refresh `catalog/providers/` from the official URLs (docs/discovery.md, "Updating").

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use vigie_discover::providers::SOURCES;
use vigie_discover::update::{update_from_dir, update_from_urls, FileUpdate, UpdateOptions};
use vigie_discover::Catalog;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: ProvidersCommand,
}

#[derive(clap::Subcommand)]
pub enum ProvidersCommand {
    /// Show each provider list: file, ranges, the snapshot date inside, its official URL.
    List {
        /// Read the lists from this directory instead of the compiled-in snapshot.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Download the lists from the providers' official URLs, validate them, and replace the
    /// files in DIR (all or nothing). Rebuild vigie to compile the new lists in, or pass
    /// `--providers DIR` to `vigie discover`.
    Update {
        /// The directory to write.
        #[arg(long, value_name = "DIR", default_value = "catalog/providers")]
        dir: PathBuf,
        /// Only these sources (repeatable): aws, azure, gcp, google, cloudflare-v4, …
        #[arg(long = "only", value_name = "NAME")]
        only: Vec<String>,
        /// Read raw files from this directory instead of the network (how the shipped
        /// snapshot is made from a set of downloads).
        #[arg(long, value_name = "RAW_DIR")]
        from: Option<PathBuf>,
        /// Timeout of each download, in seconds.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        ProvidersCommand::List { dir } => list(dir),
        ProvidersCommand::Update {
            dir,
            only,
            from,
            timeout,
        } => update(dir, only, from, timeout),
    }
}

fn list(dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let catalog = match &dir {
        Some(dir) => std::sync::Arc::new(
            Catalog::from_dir(dir).with_context(|| format!("loading {}", dir.display()))?,
        ),
        None => {
            Catalog::shipped().map_err(|e| anyhow::anyhow!("the compiled-in catalogue: {e}"))?
        }
    };
    let (v4, v6) = catalog.ip_table().len();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} components; {v4} IPv4 + {v6} IPv6 distinct prefixes",
        catalog.components().len()
    )?;
    for s in catalog.sources() {
        let refresh = SOURCES
            .iter()
            .find(|x| x.name == s.name)
            .map(|x| x.refresh == vigie_discover::providers::Refresh::None)
            .unwrap_or(false);
        writeln!(
            out,
            "{:<14} {:<30} {:>6} ranges{}  {}{}\n{:<14} {}",
            s.name,
            s.file,
            s.ranges,
            if s.skipped > 0 {
                format!(" ({} special-purpose skipped)", s.skipped)
            } else {
                String::new()
            },
            s.snapshot,
            if refresh { "  [no live refresh]" } else { "" },
            "",
            s.url
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn update(
    dir: PathBuf,
    only: Vec<String>,
    from: Option<PathBuf>,
    timeout: u64,
) -> anyhow::Result<ExitCode> {
    let options = UpdateOptions {
        only,
        timeout: Duration::from_secs(timeout.max(1)),
        ..UpdateOptions::new(&dir)
    };
    let report: Vec<FileUpdate> = match from {
        Some(raw) => update_from_dir(&raw, &options)?,
        None => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .context("starting the async runtime")?;
            runtime
                .block_on(update_from_urls(&options))
                .context("nothing was written")?
        }
    };
    let mut out = std::io::stdout().lock();
    for r in &report {
        writeln!(
            out,
            "{:<14} {:<30} {:>6} ranges  {:<10} {}  (from {})",
            r.source,
            r.file,
            r.ranges,
            if r.changed { "updated" } else { "unchanged" },
            r.snapshot,
            r.from
        )?;
    }
    writeln!(out, "wrote {}", dir.display())?;
    Ok(ExitCode::SUCCESS)
}

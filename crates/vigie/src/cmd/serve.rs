//! `vigie serve [--config FILE] [--data DIR] [--listen ADDR]`: probes, engine, store, web.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use vigie_server::runtime::{ServeOptions, Server};

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default data directory.
pub const DEFAULT_DATA_DIR: &str = "./vigie-data";

#[derive(clap::Args)]
pub struct Args {
    /// The vigie.toml to run; without it, the built-in example (`vigie config example`).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where the SQLite store lives [default: the config's [storage] data_dir, else ./vigie-data].
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Address to listen on [default: the config's [server] listen, else 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = match &args.config {
        Some(path) => match vigie_config::load(path) {
            Ok(c) => c,
            Err(errors) => {
                eprint!("{errors}");
                return Ok(ExitCode::from(2));
            }
        },
        None => vigie_config::builtin_example(),
    };
    let data_dir = args
        .data
        .or_else(|| config.storage.data_dir.clone())
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
    let listen = match args.listen.or(config.server.listen) {
        Some(a) => a,
        None => DEFAULT_LISTEN.parse().context("default listen address")?,
    };
    let options = ServeOptions {
        data_dir: data_dir.clone(),
        listen,
        admin_token_env: std::env::var("VIGIE_ADMIN_TOKEN").ok(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let services = config.services.len();
        let source = config.source.clone();
        let server = Server::start(config, options).await?;
        println!(
            "vigie: serving {services} service{} from {source} on http://{}/ (data in {})",
            if services == 1 { "" } else { "s" },
            server.local_addr(),
            data_dir.display()
        );
        server
            .serve(vigie_server::runtime::shutdown_signal())
            .await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

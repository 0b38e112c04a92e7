//! Subcommands, one module each.

pub mod blast_radius;
pub mod check;
pub mod config;
pub mod demo;
pub mod discover;
pub mod eval;
pub mod eval_scenarios;
pub mod providers;
pub mod replay;
pub mod report;
pub mod scenario;
pub mod score_series;
pub mod serve;

/// Logs go to stderr (coloured only on a terminal); `RUST_LOG` overrides the default `info` level.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

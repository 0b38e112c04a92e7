//! The `vigie` binary: parses arguments and wires the library crates. No domain logic lives
//! here; each subcommand is a module under `cmd/` with its clap `Args` and a `run`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

#[derive(Parser)]
#[command(
    name = "vigie",
    version,
    about = "Outage detection and root-cause attribution from the outside"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    // One variant per subcommand, each `cmd::<name>::Args`; keep them alphabetical.
    /// Probe a URL or HOST:PORT once and print its phase timings.
    Check(cmd::check::Args),
    /// Validate a configuration file, or print the built-in example.
    Config(cmd::config::Args),
    /// Measure detectors against labelled data (`vigie eval nab DIR`).
    Eval(cmd::eval::Args),
    /// Score any `timestamp,value` CSV causally: writes `timestamp,value,anomaly_score`.
    ScoreSeries(cmd::score_series::Args),
}

fn main() -> ExitCode {
    cmd::init_tracing();
    let cli = Cli::parse();
    let result: anyhow::Result<ExitCode> = match cli.command {
        Command::Check(args) => cmd::check::run(args),
        Command::Config(args) => cmd::config::run(args),
        Command::Eval(args) => cmd::eval::run(args),
        Command::ScoreSeries(args) => cmd::score_series::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

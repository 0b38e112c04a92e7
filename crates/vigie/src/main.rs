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
    /// Which services a component's failure would hit (direct and transitive dependents).
    BlastRadius(cmd::blast_radius::Args),
    /// Probe a URL or HOST:PORT once and print its phase timings.
    Check(cmd::check::Args),
    /// Validate a configuration file, or print the built-in example.
    Config(cmd::config::Args),
    /// Watch an outage unfold: the server fed by a built-in scenario in accelerated time.
    Demo(cmd::demo::Args),
    /// Find which CDN, cloud, region and DNS provider a host relies on, and why.
    Discover(cmd::discover::Args),
    /// Measure detectors against labelled data (`vigie eval nab DIR`).
    Eval(cmd::eval::Args),
    /// The provider IP lists behind discovery: list them, or refresh them from the official URLs.
    Providers(cmd::providers::Args),
    /// Run the engine over a scenario file and print its conclusions as JSON lines.
    Replay(cmd::replay::Args),
    /// Send a crowd report ("SERVICE does not work for me") to a running server.
    Report(cmd::report::Args),
    /// Generate realistic scenarios with their truth (`vigie scenario generate OUT`).
    Scenario(cmd::scenario::Args),
    /// Score any `timestamp,value` CSV causally: writes `timestamp,value,anomaly_score`.
    ScoreSeries(cmd::score_series::Args),
    /// Run the server: probes, detection, the status page and the API.
    Serve(cmd::serve::Args),
}

fn main() -> ExitCode {
    cmd::init_tracing();
    let cli = Cli::parse();
    let result: anyhow::Result<ExitCode> = match cli.command {
        Command::BlastRadius(args) => cmd::blast_radius::run(args),
        Command::Check(args) => cmd::check::run(args),
        Command::Config(args) => cmd::config::run(args),
        Command::Demo(args) => cmd::demo::run(args),
        Command::Discover(args) => cmd::discover::run(args),
        Command::Eval(args) => cmd::eval::run(args),
        Command::Providers(args) => cmd::providers::run(args),
        Command::Replay(args) => cmd::replay::run(args),
        Command::Report(args) => cmd::report::run(args),
        Command::Scenario(args) => cmd::scenario::run(args),
        Command::ScoreSeries(args) => cmd::score_series::run(args),
        Command::Serve(args) => cmd::serve::run(args),
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

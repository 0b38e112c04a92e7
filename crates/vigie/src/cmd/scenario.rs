//! `vigie scenario generate`: write a realistic generated scenario and its truth file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use vigie_eval::GenParams;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: ScenarioCommand,
}

#[derive(clap::Subcommand)]
pub enum ScenarioCommand {
    /// Generate a scenario (NAME.jsonl) and its truth (NAME.truth.json). OUT is a path prefix,
    /// or a directory in which NAME is `gen-s{SEED}`. The same options and seed give the same
    /// files.
    Generate(GenerateArgs),
}

#[derive(clap::Args)]
pub struct GenerateArgs {
    /// Path prefix (writes OUT.jsonl and OUT.truth.json) or an existing directory.
    pub out: PathBuf,
    #[arg(long, default_value_t = 120)]
    pub services: usize,
    #[arg(long, default_value_t = 40)]
    pub components: usize,
    /// Component incidents (single-service failures and report surges come on top).
    #[arg(long, default_value_t = 6)]
    pub incidents: usize,
    /// Length of the scenario in days (fractions allowed).
    #[arg(long, default_value_t = 3.0)]
    pub days: f64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Probe vantages (1 to 5).
    #[arg(long, default_value_t = 3)]
    pub vantages: usize,
    /// Seconds between two probes of a service from one vantage.
    #[arg(long, default_value_t = 60)]
    pub probe_interval: u32,
    /// Scenario name (default `gen-s{SEED}`).
    #[arg(long)]
    pub name: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        ScenarioCommand::Generate(a) => generate(a),
    }
}

fn generate(a: GenerateArgs) -> anyhow::Result<ExitCode> {
    let params = GenParams {
        name: a.name,
        services: a.services,
        components: a.components,
        incidents: a.incidents,
        days: a.days,
        seed: a.seed,
        vantages: a.vantages,
        probe_interval_ms: i64::from(a.probe_interval) * 1000,
        ..GenParams::default()
    };
    let (scenario, truth, generated) = vigie_eval::generate_files(&params, &a.out)
        .with_context(|| format!("cannot generate into {}", a.out.display()))?;
    let component = generated
        .truth
        .incidents
        .iter()
        .filter(|i| i.mode.as_deref().is_some_and(|m| !m.starts_with("lone")))
        .count();
    eprintln!(
        "wrote {} ({} events) and {} ({} component incidents, {} single-service failures)",
        scenario.display(),
        generated.events,
        truth.display(),
        component,
        generated.truth.incidents.len() - component
    );
    Ok(ExitCode::SUCCESS)
}

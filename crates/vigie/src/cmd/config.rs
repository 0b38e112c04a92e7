//! `vigie config check FILE`: validate a configuration without starting anything.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: ConfigCommand,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Validate FILE and list every problem with its line and key (exit 2 when invalid).
    Check {
        /// The vigie.toml to check.
        file: PathBuf,
    },
    /// Print the built-in example configuration (what `vigie serve` runs without --config).
    Example,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        ConfigCommand::Check { file } => match vigie_config::load(&file) {
            Ok(config) => {
                let checks = config.checks().count();
                println!(
                    "{}: ok ({} service{}, {} check{}, {} component{})",
                    file.display(),
                    config.services.len(),
                    plural(config.services.len()),
                    checks,
                    plural(checks),
                    config.components.len(),
                    plural(config.components.len()),
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(errors) => {
                eprint!("{errors}");
                Ok(ExitCode::from(2))
            }
        },
        ConfigCommand::Example => {
            print!("{}", vigie_config::BUILTIN_EXAMPLE);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

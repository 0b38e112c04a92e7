//! Generate and evaluate scenarios without building the whole `vigie` binary:
//!
//! ```text
//! cargo run --release -p vigie-eval --example scenarios -- generate DIR SEED...
//! cargo run --release -p vigie-eval --example scenarios -- eval DIR
//! ```
//!
//! `vigie scenario generate` and `vigie eval scenarios` do the same with more options.

use std::path::PathBuf;

use vigie_eval::run::{evaluate, find_scenarios};
use vigie_eval::{generate_files, GenParams, Tally};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("generate") if args.len() >= 3 => {
            let dir = PathBuf::from(&args[1]);
            std::fs::create_dir_all(&dir)?;
            for seed in &args[2..] {
                let params = GenParams {
                    seed: seed.parse()?,
                    ..GenParams::default()
                };
                let (path, _, g) = generate_files(&params, &dir)?;
                eprintln!(
                    "{} ({} events, {} truth incidents)",
                    path.display(),
                    g.events,
                    g.truth.incidents.len()
                );
            }
        }
        Some("small") if args.len() == 3 => {
            // The small example shipped under scenarios/.
            let params = GenParams {
                name: Some("generated-small".into()),
                services: 16,
                components: 14,
                incidents: 2,
                days: 0.4,
                vantages: 2,
                seed: args[2].parse()?,
                ..GenParams::default()
            };
            let (path, _, g) = generate_files(&params, &PathBuf::from(&args[1]))?;
            eprintln!("{} ({} events)", path.display(), g.events);
        }
        Some("eval") if args.len() == 2 => {
            let mut total = Tally::default();
            let out_dir = PathBuf::from(&args[1]).join("out");
            std::fs::create_dir_all(&out_dir)?;
            for (scenario, truth) in find_scenarios(&PathBuf::from(&args[1]))? {
                let r = evaluate(&scenario, &truth)?;
                std::fs::write(
                    out_dir.join(format!("{}.out.jsonl", r.name)),
                    r.output.join("\n") + "\n",
                )?;
                println!("{:<16} {}", r.name, r.tally.metrics().summary_line());
                total.add(&r.tally);
            }
            println!("{:<16} {}", "ALL", total.metrics().summary_line());
        }
        _ => return Err(
            "usage: scenarios generate DIR SEED... | scenarios small DIR SEED | scenarios eval DIR"
                .into(),
        ),
    }
    Ok(())
}

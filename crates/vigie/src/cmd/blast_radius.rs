//! `vigie blast-radius COMPONENT [--config FILE] [--json]`: which services a component's
//! failure would hit, directly or through another service, from the configured graph.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use vigie_core::graph::DependencyGraph;

#[derive(clap::Args)]
pub struct Args {
    /// A component id (`fastly`, `aws/us-east-1`).
    component: String,
    /// The vigie.toml whose services to consider; without it, the built-in example.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
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
    let directory = vigie_server::Directory::new(&config, &[]);
    let graph = DependencyGraph::from_topology(&directory.topology())
        .context("building the dependency graph")?;
    let Some(radius) = graph.blast_radius(&args.component) else {
        let mut known: Vec<&str> = graph.components().iter().map(|c| c.id.as_str()).collect();
        known.sort_unstable();
        anyhow::bail!(
            "unknown component {:?}; known: {}",
            args.component,
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        );
    };
    let name = |id: &str| {
        directory
            .service(id)
            .map_or_else(|| id.to_string(), |s| s.name.clone())
    };
    if args.json {
        let list = |v: &[(String, f64)]| {
            v.iter()
                .map(
                    |(id, c)| serde_json::json!({"service": id, "name": name(id), "confidence": c}),
                )
                .collect::<Vec<_>>()
        };
        let out = serde_json::json!({
            "component": args.component,
            "direct": list(&radius.direct),
            "transitive": list(&radius.transitive),
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::SUCCESS);
    }
    let total = radius.direct.len() + radius.transitive.len();
    println!(
        "{}: {total} service{} in the blast radius",
        args.component,
        if total == 1 { "" } else { "s" }
    );
    for (label, list) in [
        ("direct", &radius.direct),
        ("transitive", &radius.transitive),
    ] {
        println!("  {label} ({}):", list.len());
        for (id, confidence) in list {
            println!("    {id:<24} {:<28} confidence {confidence:.2}", name(id));
        }
    }
    Ok(ExitCode::SUCCESS)
}

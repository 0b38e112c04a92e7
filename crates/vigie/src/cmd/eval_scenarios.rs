//! `vigie eval scenarios DIR`: replay every scenario in DIR through the engine and score it
//! against its truth file (metrics defined in docs/evaluation.md).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use vigie_eval::run::{evaluate, find_scenarios};
use vigie_eval::Tally;

#[derive(clap::Args)]
pub struct Args {
    /// Directory holding NAME.jsonl + NAME.truth.json pairs.
    pub dir: PathBuf,
    /// Print JSON (one object per scenario, then the aggregate) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also write each replay's output to DIR/NAME.out.jsonl.
    #[arg(long)]
    pub outputs: Option<PathBuf>,
    /// Exit with status 1 unless the aggregate meets the targets of issue 5: exact cause for
    /// at least 95% of component incidents, median time to the correct cause at most 120 s,
    /// at most 0.01 false service alarms per service-day, no false component incident.
    #[arg(long)]
    pub check_targets: bool,
    /// Under each scenario, list what each error was: the component incidents whose cause was
    /// not named exactly (with how many of their services were detected, and what was named
    /// instead), the false component incidents and the false service alarms.
    #[arg(long)]
    pub misses: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let pairs = find_scenarios(&args.dir)?;
    if pairs.is_empty() {
        anyhow::bail!(
            "no NAME.jsonl with NAME.truth.json in {}",
            args.dir.display()
        );
    }
    if let Some(dir) = &args.outputs {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut total = Tally::default();
    for (scenario, truth) in &pairs {
        let result = evaluate(scenario, truth)?;
        if let Some(dir) = &args.outputs {
            let path = dir.join(format!("{}.out.jsonl", result.name));
            let mut text = result.output.join("\n");
            text.push('\n');
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        let m = result.tally.metrics();
        if args.json {
            let mut line = serde_json::json!({"scenario": result.name, "metrics": m});
            if args.misses {
                line["findings"] = serde_json::json!(result.tally.findings);
            }
            println!("{line}");
        } else {
            println!("{:<24} {}", result.name, m.summary_line());
            if args.misses {
                for finding in &result.tally.findings {
                    println!("    {finding}");
                }
            }
        }
        total.add(&result.tally);
    }
    let m = total.metrics();
    if args.json {
        println!("{}", serde_json::json!({"scenario": "ALL", "metrics": m}));
    } else {
        println!(
            "{:<24} {}",
            format!("ALL ({})", pairs.len()),
            m.summary_line()
        );
    }
    if args.check_targets {
        let exact_share = if m.attr_total == 0 {
            1.0
        } else {
            m.attr_exact as f64 / m.attr_total as f64
        };
        let ok = exact_share >= 0.95
            && m.attr_p50_s.is_none_or(|s| s <= 120.0)
            && m.false_svc_per_svc_day.is_none_or(|f| f <= 0.01)
            && m.false_comp == 0;
        let or_none = |v: Option<f64>, unit: &str| v.map_or("n/a".into(), |v| format!("{v}{unit}"));
        eprintln!(
            "targets: exact cause {:.1}% (≥ 95%), time to cause p50 {} (≤ 120 s), false service alarms {} (≤ 0.01/service-day), false component incidents {} (0): {}",
            exact_share * 100.0,
            or_none(m.attr_p50_s, " s"),
            or_none(m.false_svc_per_svc_day, "/service-day"),
            m.false_comp,
            if ok { "met" } else { "NOT met" }
        );
        if !ok {
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

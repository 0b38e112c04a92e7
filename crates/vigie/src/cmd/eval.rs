//! `vigie eval`: measure vigie's detectors against labelled data.
//!
//! One variant of [`EvalCommand`] per benchmark; `nab` scores the series detector with the
//! Numenta Anomaly Benchmark rules (see `vigie_eval::nab` and docs/detection.md).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use vigie_core::detect::series::{score_series, SeriesParams};
use vigie_eval::nab;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: EvalCommand,
}

/// Evaluation suites; add a variant and a match arm in [`run`] for a new one.
#[derive(clap::Subcommand)]
pub enum EvalCommand {
    /// Score `vigie score-series` on a NAB-style corpus (data/<category>/*.csv and
    /// labels/combined_windows.json) for the standard, reward_low_FP_rate and
    /// reward_low_FN_rate profiles.
    Nab(NabArgs),
    /// Replay every NAME.jsonl + NAME.truth.json in a directory through the engine and score
    /// detection and attribution (docs/evaluation.md).
    Scenarios(super::eval_scenarios::Args),
}

#[derive(clap::Args)]
pub struct NabArgs {
    /// Corpus directory.
    pub dir: PathBuf,
    /// Also write each file's `timestamp,value,anomaly_score` under this directory.
    #[arg(long)]
    pub scores_dir: Option<PathBuf>,
    /// Print a per-category breakdown at the corpus's standard threshold.
    #[arg(long)]
    pub by_category: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        EvalCommand::Nab(a) => run_nab(a),
        EvalCommand::Scenarios(a) => super::eval_scenarios::run(a),
    }
}

fn run_nab(args: NabArgs) -> anyhow::Result<ExitCode> {
    let corpus = nab::read_corpus(&args.dir)?;
    let params = SeriesParams::default();
    let scores: Vec<Vec<f64>> = corpus
        .iter()
        .map(|f| score_series(&params, &f.series.seconds, &f.series.values))
        .collect();
    if let Some(dir) = &args.scores_dir {
        for (f, s) in corpus.iter().zip(&scores) {
            let path = dir.join(&f.name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            let mut out = std::io::BufWriter::new(
                std::fs::File::create(&path)
                    .with_context(|| format!("cannot create {}", path.display()))?,
            );
            super::score_series::write_scores(&mut out, &f.series.stamps, &f.series.values, s)?;
        }
    }
    let files: Vec<nab::ScoredFile<'_>> = corpus
        .iter()
        .zip(&scores)
        .map(|(f, s)| nab::ScoredFile {
            seconds: &f.series.seconds,
            scores: s,
            windows: &f.windows,
        })
        .collect();
    let rows: usize = corpus.iter().map(|f| f.series.values.len()).sum();
    println!(
        "NAB corpus {}: {} files, {rows} rows",
        args.dir.display(),
        corpus.len()
    );
    println!(
        "{:<20} {:>7} {:>10} {:>9} {:>9}",
        "profile", "score", "threshold", "detected", "fp_rows"
    );
    let mut standard_threshold = f64::INFINITY;
    for profile in nab::PROFILES {
        let r = nab::score_corpus(&files, &profile);
        if profile == nab::STANDARD {
            standard_threshold = r.threshold;
        }
        println!(
            "{:<20} {:>7.2} {:>10.4} {:>6}/{:<2} {:>9}",
            profile.name,
            r.normalized,
            r.threshold,
            r.detected_windows,
            r.windows,
            r.false_positives
        );
    }
    if args.by_category {
        println!("by category, standard profile at threshold {standard_threshold:.4}:");
        let mut categories: Vec<&str> = corpus
            .iter()
            .map(|f| f.name.split('/').next().unwrap_or(""))
            .collect();
        categories.dedup();
        for category in categories {
            let sub: Vec<nab::ScoredFile<'_>> = corpus
                .iter()
                .zip(&scores)
                .filter(|(f, _)| f.name.split('/').next() == Some(category))
                .map(|(f, s)| nab::ScoredFile {
                    seconds: &f.series.seconds,
                    scores: s,
                    windows: &f.windows,
                })
                .collect();
            let r = nab::score_corpus_at(&sub, &nab::STANDARD, standard_threshold);
            println!(
                "  {:<24} raw {:>7.2} (null {:>6.1}) windows {}/{} fp_rows {}",
                category, r.raw, r.null, r.detected_windows, r.windows, r.false_positives
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

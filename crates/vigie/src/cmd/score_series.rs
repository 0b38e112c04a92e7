//! `vigie score-series`: causal anomaly scores for any `timestamp,value` CSV.
//!
//! Reads the whole series (bounded by `vigie_eval::nab::MAX_SERIES_BYTES`), scores each row
//! from the rows before it with `vigie_core::detect::series`, and writes
//! `timestamp,value,anomaly_score` to `--output` or stdout.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use vigie_core::detect::series::{score_series, SeriesParams};

#[derive(clap::Args)]
pub struct Args {
    /// CSV file with a `timestamp,value` header.
    #[arg(long)]
    pub input: PathBuf,
    /// Where to write `timestamp,value,anomaly_score`; stdout when absent.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let series = vigie_eval::nab::read_series(&args.input)?;
    let scores = score_series(&SeriesParams::default(), &series.seconds, &series.values);
    let out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(out);
    write_scores(&mut out, &series.stamps, &series.values, &scores)?;
    out.flush()?;
    tracing::debug!(rows = scores.len(), "scored series");
    Ok(ExitCode::SUCCESS)
}

/// Writes the scored CSV.
pub fn write_scores(
    out: &mut impl Write,
    stamps: &[String],
    values: &[f64],
    scores: &[f64],
) -> std::io::Result<()> {
    writeln!(out, "timestamp,value,anomaly_score")?;
    for ((t, v), s) in stamps.iter().zip(values).zip(scores) {
        writeln!(out, "{t},{v},{s:.6}")?;
    }
    Ok(())
}

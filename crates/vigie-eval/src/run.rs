//! Replaying scenarios through the engine and scoring them against their truth.
//!
//! This is the file-handling edge of evaluation: it reads `NAME.jsonl` with the streaming
//! scenario reader, runs vigie-core's replay driver over a fresh [`Engine`], keeps the output
//! lines, and scores them with [`crate::score`].

use std::io::BufReader;
use std::path::{Path, PathBuf};

use vigie_core::engine::{Engine, EngineParams};
use vigie_core::replay::{replay, ReplayOptions};
use vigie_core::scenario::ScenarioReader;

use crate::score::{score, ScenarioFacts, Tally};
use crate::truth::Truth;
use crate::EvalError;

/// One scenario's result.
#[derive(Clone, Debug)]
pub struct ScenarioResult {
    pub name: String,
    pub path: PathBuf,
    pub tally: Tally,
    /// The replay output, one JSON object per line.
    pub output: Vec<String>,
}

/// `NAME.jsonl` files in `dir` that have a `NAME.truth.json` beside them, sorted by name.
pub fn find_scenarios(dir: &Path) -> Result<Vec<(PathBuf, PathBuf)>, EvalError> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| EvalError::io(dir, e))? {
        let path = entry.map_err(|e| EvalError::io(dir, e))?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(stem) = name.strip_suffix(".jsonl") else {
            continue;
        };
        let truth = dir.join(format!("{stem}.truth.json"));
        if truth.is_file() {
            found.push((path, truth));
        }
    }
    found.sort();
    Ok(found)
}

/// Replays one scenario through a fresh engine with the documented parameters and scores it.
pub fn evaluate(scenario: &Path, truth_path: &Path) -> Result<ScenarioResult, EvalError> {
    let truth = Truth::read(truth_path)?;
    let file = std::fs::File::open(scenario).map_err(|e| EvalError::io(scenario, e))?;
    let reader = ScenarioReader::new(BufReader::with_capacity(1 << 16, file))
        .map_err(|e| EvalError::Scenario(format!("{}: {e}", scenario.display())))?;
    let header = reader.header().clone();
    let facts = ScenarioFacts {
        start: header.start.unwrap_or_default(),
        end: header.end.unwrap_or_default(),
        services: header
            .topology
            .services
            .iter()
            .map(|s| s.id.clone())
            .collect(),
    };
    let mut engine = Engine::new(header.topology.clone(), EngineParams::documented());
    let options = ReplayOptions {
        finish_at: header.end,
        ..ReplayOptions::default()
    };
    let mut output = Vec::new();
    replay(&mut engine, reader, &options, |o| {
        output.push(o.to_json_line())
    })
    .map_err(|e| EvalError::Scenario(format!("{}: {e}", scenario.display())))?;
    let mut facts = facts;
    if facts.end <= facts.start {
        // No span in the header: fall back to the truth's extent (never happens for
        // generated scenarios).
        facts.start = truth
            .incidents
            .iter()
            .map(|i| i.start)
            .min()
            .unwrap_or_default();
        facts.end = truth
            .incidents
            .iter()
            .map(|i| i.end)
            .max()
            .unwrap_or_default();
    }
    let tally = score(&facts, &truth, output.iter().map(String::as_str));
    Ok(ScenarioResult {
        name: header.name,
        path: scenario.to_path_buf(),
        tally,
        output,
    })
}

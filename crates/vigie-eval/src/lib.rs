//! vigie-eval measures vigie: it generates scenarios with their truth ([`generate`]), replays
//! them through the engine and scores the output against the truth ([`run`], [`score`]), and
//! scores anomaly detectors with the NAB rules ([`nab`]). docs/evaluation.md defines the
//! metrics and the generator's rates.

pub mod error;
pub mod generate;
pub mod nab;
pub mod rng;
pub mod run;
pub mod score;
pub mod truth;

pub use error::EvalError;
pub use generate::{generate, generate_files, GenParams, Generated};
pub use score::{Metrics, ScenarioFacts, Tally};
pub use truth::{Truth, TruthIncident};

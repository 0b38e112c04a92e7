//! The truth file of a scenario (SCENARIO.md): what really happened.

use std::path::Path;

use serde::{Deserialize, Serialize};
use vigie_core::Timestamp;

use crate::EvalError;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    pub incidents: Vec<TruthIncident>,
}

/// One real incident. `cause` is a component id, or a service id for a service failing alone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TruthIncident {
    pub cause: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub affected: Vec<String>,
    /// What the generator did (`full`, `partial`, `regional`, `lone`); ignored by scoring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

impl Truth {
    pub fn read(path: &Path) -> Result<Truth, EvalError> {
        let text = std::fs::read_to_string(path).map_err(|e| EvalError::io(path, e))?;
        let truth: Truth = serde_json::from_str(&text).map_err(|e| EvalError::Parse {
            path: path.display().to_string(),
            line: e.line() as u64,
            reason: e.to_string(),
        })?;
        for (i, inc) in truth.incidents.iter().enumerate() {
            if inc.end < inc.start {
                return Err(EvalError::Parse {
                    path: path.display().to_string(),
                    line: 0,
                    reason: format!("incidents[{i}] ({}): end is before start", inc.cause),
                });
            }
        }
        Ok(truth)
    }
}

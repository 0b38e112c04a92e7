//! Errors of the evaluation crate.

use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {reason}")]
    Parse {
        path: String,
        line: u64,
        reason: String,
    },
    #[error("invalid generator parameters: {0}")]
    Params(String),
    #[error("{0}")]
    Scenario(String),
}

impl EvalError {
    pub fn io(path: &Path, source: std::io::Error) -> EvalError {
        EvalError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

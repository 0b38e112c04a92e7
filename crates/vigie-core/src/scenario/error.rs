//! What can be wrong with a scenario file, always with the line it was found on.

use crate::time::Timestamp;

/// A scenario line that cannot be used. `line` counts from 1 (the header).
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct ScenarioError {
    pub line: u64,
    pub problem: Problem,
}

impl ScenarioError {
    pub(crate) fn new(line: u64, problem: Problem) -> Self {
        ScenarioError { line, problem }
    }
}

/// The problem found on one line.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    #[error("the file is empty: expected a scenario header on line 1")]
    Empty,
    #[error("bad JSON: {0}")]
    BadJson(String),
    #[error("not a vigie scenario header: {0}")]
    BadHeader(String),
    #[error("unknown event type {0:?} (expected report, reports, probe or official)")]
    UnknownType(String),
    #[error("time goes backwards: {at} is earlier than the previous event's {previous}")]
    TimeBackwards { at: Timestamp, previous: Timestamp },
    #[error("unknown service {0:?} (not in the header's services)")]
    UnknownService(String),
    #[error("missing field `{0}`")]
    MissingField(&'static str),
    #[error("invalid field `{field}`: {reason}")]
    InvalidField { field: &'static str, reason: String },
    #[error("line is longer than the limit of {0} bytes")]
    TooLong(usize),
    #[error("line is not valid UTF-8")]
    NotUtf8,
    #[error("read error: {0}")]
    Io(#[from] std::io::Error),
}

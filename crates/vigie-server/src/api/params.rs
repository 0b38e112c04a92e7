//! Query-string parameters shared by API handlers, parsed with errors naming the parameter.

use vigie_core::Timestamp;

use crate::error::ApiError;

/// An optional RFC 3339 time parameter.
pub fn time_param(name: &str, value: Option<&str>) -> Result<Option<Timestamp>, ApiError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => Timestamp::parse_rfc3339(v).map(Some).map_err(|e| {
            ApiError::BadRequest(format!(
                "{name}: {e} (expected RFC 3339, e.g. 2026-01-01T00:00:00Z)"
            ))
        }),
    }
}

/// An optional boolean parameter: `true`/`false`/`1`/`0`.
pub fn bool_param(name: &str, value: Option<&str>) -> Result<Option<bool>, ApiError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some("true" | "1" | "yes") => Ok(Some(true)),
        Some("false" | "0" | "no") => Ok(Some(false)),
        Some(v) => Err(ApiError::BadRequest(format!(
            "{name}: {v:?} is not a boolean (true or false)"
        ))),
    }
}

/// An optional bounded count parameter.
pub fn limit_param(name: &str, value: Option<&str>, max: usize) -> Result<Option<usize>, ApiError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
            _ => Err(ApiError::BadRequest(format!(
                "{name}: {v:?} is not a number between 1 and {max}"
            ))),
        },
    }
}

//! Errors at the HTTP edge: one [`ApiError`] type that every JSON handler returns, rendered
//! once as `{"error": ..., "detail": ...}` with the right status. Store errors are mapped to
//! statuses here and nowhere else; internal details are logged, never sent to the client.

use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answered to an HTTP client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed (bad JSON, unknown field, bad value). `detail` says where.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The body is larger than the endpoint accepts.
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    /// The body is not JSON (wrong or missing content type).
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// No such service, component or incident.
    #[error("not found: {0}")]
    NotFound(String),
    /// Too many requests; retry after this long.
    #[error("rate limited, retry after {retry_after:?}")]
    RateLimited { retry_after: Duration },
    /// Missing or wrong admin token.
    #[error("unauthorized")]
    Unauthorized,
    /// The request is understood but refused (e.g. a private discovery target, a bad CSRF token).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The endpoint exists but is turned off (admin endpoints without a token).
    #[error("disabled: {0}")]
    Disabled(String),
    /// The server cannot serve this now (store unavailable, shutting down).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected failure; the detail is logged, not sent.
    #[error("internal error: {0}")]
    Internal(String),
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    detail: String,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Disabled(_) => StatusCode::NOT_FOUND,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code in the `error` field.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::NotFound(_) => "not_found",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::Disabled(_) => "not_found",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    fn public_detail(&self) -> String {
        match self {
            ApiError::BadRequest(d)
            | ApiError::PayloadTooLarge(d)
            | ApiError::UnsupportedMediaType(d)
            | ApiError::NotFound(d)
            | ApiError::Forbidden(d)
            | ApiError::Disabled(d) => d.clone(),
            ApiError::RateLimited { retry_after } => format!(
                "too many reports from your network; retry in {} s",
                retry_seconds(*retry_after)
            ),
            ApiError::Unauthorized => {
                "a valid admin token is required (Authorization: Bearer ...)".to_string()
            }
            ApiError::Unavailable(_) => "the server cannot serve this right now".to_string(),
            ApiError::Internal(_) => "internal error; see the server log".to_string(),
        }
    }

    pub fn not_found_service(id: &str) -> Self {
        ApiError::NotFound(format!("no service with id {id:?}"))
    }
}

/// The one place store errors become HTTP statuses. Backend detail goes to the log only.
impl From<vigie_store::StoreError> for ApiError {
    fn from(e: vigie_store::StoreError) -> Self {
        use vigie_store::StoreError as S;
        match e {
            S::NotFound(what) => ApiError::NotFound(what),
            S::Invalid { field, reason } => ApiError::BadRequest(format!("{field}: {reason}")),
            S::AlreadyExists(what) => ApiError::BadRequest(format!("already exists: {what}")),
            S::Unavailable(detail) => ApiError::Unavailable(detail),
            other @ (S::DataDir { .. } | S::Corrupt(_) | S::Internal(_)) => {
                ApiError::Internal(other.to_string())
            }
        }
    }
}

/// Whole seconds to wait, at least 1, as Retry-After wants.
pub fn retry_seconds(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0).max(u64::from(d.is_zero()))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Unavailable(d) => tracing::warn!(detail = %d, "request refused: unavailable"),
            ApiError::Internal(d) => tracing::error!(detail = %d, "request failed: internal error"),
            _ => {}
        }
        let body = ErrorBody {
            error: self.code(),
            detail: self.public_detail(),
        };
        let mut response = (self.status(), axum::Json(body)).into_response();
        if let ApiError::RateLimited { retry_after } = &self {
            if let Ok(v) = HeaderValue::from_str(&retry_seconds(*retry_after).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        if let ApiError::Unauthorized = &self {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"vigie admin\""),
            );
        }
        response
    }
}

/// Errors starting or running the server (`vigie serve`).
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot use data directory {path}: {reason}")]
    DataDir { path: String, reason: String },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot read admin token file {path}: {reason}")]
    AdminToken { path: String, reason: String },
    #[error("store error: {0}")]
    Store(String),
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_and_is_at_least_one() {
        assert_eq!(retry_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_seconds(Duration::from_millis(1500)), 2);
        assert_eq!(retry_seconds(Duration::from_secs(3)), 3);
        assert_eq!(retry_seconds(Duration::ZERO), 1);
    }
}

//! Admin authentication: one bearer token, compared in constant time.
//!
//! The token comes from `VIGIE_ADMIN_TOKEN` or the file named by `[admin] token_file`.
//! Without one, every admin endpoint answers 404 as if it did not exist. Crowd reports are
//! not admin endpoints.

use std::path::Path;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use subtle::ConstantTimeEq;

use crate::error::{ApiError, ServerError};
use crate::state::AppState;

/// Shortest token accepted: a guessable admin token is worse than none.
pub const MIN_TOKEN_CHARS: usize = 16;

#[derive(Clone)]
pub struct AdminToken(String);

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(<redacted>)")
    }
}

impl AdminToken {
    pub fn new(token: &str) -> Result<Self, String> {
        let token = token.trim();
        if token.chars().count() < MIN_TOKEN_CHARS {
            return Err(format!(
                "the admin token must be at least {MIN_TOKEN_CHARS} characters"
            ));
        }
        if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("the admin token must not contain spaces or control characters".into());
        }
        Ok(AdminToken(token.to_string()))
    }

    /// `VIGIE_ADMIN_TOKEN` (given as `env_token`) wins over the token file.
    pub fn resolve(
        env_token: Option<&str>,
        token_file: Option<&Path>,
    ) -> Result<Option<Self>, ServerError> {
        if let Some(t) = env_token.filter(|t| !t.trim().is_empty()) {
            return AdminToken::new(t)
                .map(Some)
                .map_err(|reason| ServerError::AdminToken {
                    path: "VIGIE_ADMIN_TOKEN".into(),
                    reason,
                });
        }
        let Some(path) = token_file else {
            return Ok(None);
        };
        let err = |reason: String| ServerError::AdminToken {
            path: path.display().to_string(),
            reason,
        };
        let meta = std::fs::metadata(path).map_err(|e| err(e.to_string()))?;
        if meta.len() > 4096 {
            return Err(err(format!("{} bytes; at most 4096", meta.len())));
        }
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        AdminToken::new(&text).map(Some).map_err(err)
    }

    /// Constant-time comparison (the length is not secret).
    pub fn matches(&self, presented: &str) -> bool {
        bool::from(self.0.as_bytes().ct_eq(presented.as_bytes()))
    }
}

/// Extractor guarding an admin endpoint: 404 when admin is off, 401 without a valid token.
pub struct RequireAdmin;

impl FromRequestParts<AppState> for RequireAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(token) = state.admin_token() else {
            return Err(ApiError::Disabled(
                "admin endpoints are off: set VIGIE_ADMIN_TOKEN or [admin] token_file".into(),
            ));
        };
        let presented = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        match presented {
            Some(p) if token.matches(p) => Ok(RequireAdmin),
            _ => Err(ApiError::Unauthorized),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_rules() {
        assert!(AdminToken::new("short").is_err());
        assert!(AdminToken::new("has space in the middle!").is_err());
        let t = AdminToken::new("  s3cr3t-t0ken-0123456789\n").unwrap();
        assert!(t.matches("s3cr3t-t0ken-0123456789"));
        assert!(!t.matches("s3cr3t-t0ken-012345678"));
        assert!(!t.matches(""));
        assert!(!format!("{t:?}").contains("s3cr3t"));
    }

    #[test]
    fn env_wins_over_file_and_file_errors_name_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        std::fs::write(&file, "from-file-0123456789").unwrap();
        let t = AdminToken::resolve(Some("from-env-0123456789"), Some(&file))
            .unwrap()
            .unwrap();
        assert!(t.matches("from-env-0123456789"));
        let t = AdminToken::resolve(None, Some(&file)).unwrap().unwrap();
        assert!(t.matches("from-file-0123456789"));
        assert!(AdminToken::resolve(None, None).unwrap().is_none());
        let missing = dir.path().join("missing");
        let e = AdminToken::resolve(None, Some(&missing)).unwrap_err();
        assert!(e.to_string().contains("missing"));
    }
}

//! The errors that cross the store boundary.
//!
//! They are backend-neutral on purpose: the server maps each variant to an HTTP status in one
//! place (`NotFound` → 404, `AlreadyExists` → 409, `Invalid` → 400 or 422, `Unavailable` →
//! 503, everything else → 500) without knowing whether SQLite or PostgreSQL is underneath.
//! Backend-specific detail is kept as text inside the variant, for the logs.

use std::path::PathBuf;

/// Result of every store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// Why a store operation failed.
///
/// `Clone` so that one failed group commit can answer every waiter in the batch
/// (see [`crate::ReportWriter`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StoreError {
    /// The thing named does not exist (an incident id, a service with no rows is *not* this:
    /// queries over empty ranges return empty results).
    #[error("not found: {0}")]
    NotFound(String),

    /// A row with the same identity exists and the operation does not overwrite.
    #[error("already exists: {0}")]
    AlreadyExists(String),

    /// The caller passed a value the store refuses (too long, out of range, empty key).
    /// The text names the field and the limit.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The record field at fault, e.g. `report.note`.
        field: &'static str,
        /// What is wrong with it, e.g. `312 characters, at most 280 allowed`.
        reason: String,
    },

    /// The data directory cannot hold a store: it is a file, cannot be created, is not
    /// writable, … The path is part of the message.
    #[error("unusable data directory {}: {reason}", path.display())]
    DataDir {
        /// The directory the caller asked for.
        path: PathBuf,
        /// What went wrong, in words.
        reason: String,
    },

    /// The backend cannot serve the request right now (locked, disk full, I/O error,
    /// connection lost). Retrying later may succeed.
    #[error("store unavailable: {0}")]
    Unavailable(String),

    /// The stored data is not what this version of vigie can read: not a database, a damaged
    /// page, a value of the wrong shape, or a schema newer than this binary knows.
    #[error("store corrupt: {0}")]
    Corrupt(String),

    /// A bug: an operation the backend should always be able to do failed (bad SQL, a
    /// violated internal invariant). Never the caller's fault.
    #[error("store internal error: {0}")]
    Internal(String),
}

impl StoreError {
    /// Shorthand for [`StoreError::Invalid`].
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        StoreError::Invalid {
            field,
            reason: reason.into(),
        }
    }

    /// Whether retrying the same operation later could succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

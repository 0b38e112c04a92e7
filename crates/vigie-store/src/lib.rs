//! vigie-store owns persistence: the backend-neutral [`Store`] trait, its embedded SQLite
//! implementation ([`SqliteStore`]), the conformance suite every backend must pass
//! ([`conformance`]), and [`ReportWriter`], the group-commit thread for crowd reports.
//!
//! ```no_run
//! use std::sync::Arc;
//! use vigie_store::{SqliteStore, Store};
//!
//! # fn main() -> Result<(), vigie_store::StoreError> {
//! let store: Arc<dyn Store> = Arc::new(SqliteStore::open(std::path::Path::new("./vigie-data"))?);
//! let next_incident = store.max_incident_id()? + 1;
//! # let _ = next_incident;
//! # Ok(())
//! # }
//! ```
//!
//! Layout: [`store`] (the trait and its contract), [`records`] (plain data in and out),
//! [`error`], [`latency`] (the per-minute histogram), [`sqlite`] (the backend),
//! [`report_writer`] (group commit), [`conformance`] (the shared test suite).

pub mod conformance;
pub mod error;
pub mod latency;
pub mod records;
pub mod report_writer;
pub mod sqlite;
pub mod store;
pub mod validate;

pub use error::{StoreError, StoreResult};
pub use records::*;
pub use report_writer::{
    CommitHook, PendingReport, ReportSink, ReportSubmitter, ReportWriter, ReportWriterConfig,
    ReportWriterStats,
};
pub use sqlite::SqliteStore;
pub use store::{Store, DEFAULT_AGGREGATE_RETENTION, DEFAULT_RAW_RETENTION};

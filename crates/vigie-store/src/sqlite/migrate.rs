//! Numbered schema migrations, embedded at compile time.
//!
//! Each entry of [`MIGRATIONS`] is applied once, in order, inside its own transaction that
//! also records it in `schema_migrations`; opening an up-to-date database applies nothing.
//! A database recording a version this binary does not know (written by a newer vigie) is
//! refused as [`StoreError::Corrupt`] rather than half-understood.

use rusqlite::{Connection, TransactionBehavior};

use super::map_err;
use crate::error::{StoreError, StoreResult};

/// One migration: its version (the file's number), name and SQL.
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration, in order. Versions are 1, 2, 3, … without gaps.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "0001_init",
    sql: include_str!("../../migrations/0001_init.sql"),
}];

/// The schema version this binary writes.
pub fn latest_version() -> u32 {
    MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}

/// Applies pending migrations; returns how many were applied.
pub fn apply(conn: &mut Connection) -> StoreResult<usize> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT    NOT NULL,
             applied_at INTEGER NOT NULL
         )",
    )
    .map_err(map_err)?;
    let mut applied = 0;
    for m in MIGRATIONS {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(map_err)?;
        let current: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                [],
                |r| r.get(0),
            )
            .map_err(map_err)?;
        if current > i64::from(latest_version()) {
            return Err(StoreError::Corrupt(format!(
                "schema version {current} is newer than this vigie supports ({}); \
                 use a newer vigie or another data directory",
                latest_version()
            )));
        }
        if current >= i64::from(m.version) {
            continue;
        }
        tx.execute_batch(m.sql)
            .map_err(|e| StoreError::Internal(format!("migration {} failed: {e}", m.name)))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![m.version, m.name, wall_clock_ms()],
        )
        .map_err(map_err)?;
        tx.commit().map_err(map_err)?;
        tracing::info!(
            version = m.version,
            name = m.name,
            "applied store migration"
        );
        applied += 1;
    }
    Ok(applied)
}

/// Applied migrations as `(version, name)`, ascending.
pub fn applied(conn: &Connection) -> StoreResult<Vec<(u32, String)>> {
    let mut stmt = conn
        .prepare("SELECT version, name FROM schema_migrations ORDER BY version")
        .map_err(map_err)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, String>(1)?)))
        .map_err(map_err)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(map_err)
}

/// When a migration was applied: bookkeeping only, never used by vigie's logic (which
/// takes time as a parameter).
fn wall_clock_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

//! The embedded SQLite backend: one file `vigie.db` in the data directory.
//!
//! # Connections
//!
//! SQLite allows one writer at a time and, in WAL mode, any number of readers alongside it.
//! [`SqliteStore`] mirrors that: a single writer connection behind a `Mutex` (every write
//! method holds it for one `BEGIN IMMEDIATE … COMMIT`), and a small pool of read-only
//! connections for queries, opened on demand and kept idle up to [`MAX_IDLE_READERS`]. A
//! read never waits for a write; a write waits only for the previous write.
//!
//! # Durability
//!
//! `journal_mode=WAL` with `synchronous=FULL`: every commit fsyncs the write-ahead log
//! before returning, so a transaction that returned `Ok` survives `kill -9` and power loss
//! (on disks that honour fsync). That costs one fsync per commit, which is why crowd
//! reports are written in batches ([`crate::ReportWriter`]).
//!
//! # Migrations
//!
//! Numbered SQL files under `crates/vigie-store/migrations/`, embedded at compile time and
//! applied in order, each in its own transaction, recorded in `schema_migrations` (see
//! [`migrate`]).

mod convert;
mod deps;
mod incidents;
pub mod migrate;
mod probes;
mod reports;
mod states;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};
use vigie_core::{IncidentId, Timestamp};

use crate::error::{StoreError, StoreResult};
use crate::records::{
    CurrentState, DependencyChange, DependencyEdge, EdgeObservation, EdgeSet, IncidentDetail,
    IncidentFilter, IncidentRecord, NewReport, ProbeMinute, ProbeQuery, ProbeRecord, PruneStats,
    ReportBreakdown, ReportId, ReportMinute, ReporterSeen, StateTransition, StoredReport,
    TimelineEntry,
};
use crate::store::Store;
use crate::validate;

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "vigie.db";
/// How long a statement waits for a lock held by another connection or process before
/// failing with [`StoreError::Unavailable`].
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Idle read connections kept open for reuse.
pub const MAX_IDLE_READERS: usize = 4;

/// vigie's embedded store. Cheap to share: wrap it in an `Arc`.
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `data_dir`: creates the directory, the file
    /// `vigie.db`, switches it to WAL and applies pending migrations.
    ///
    /// Errors: [`StoreError::DataDir`] naming the directory when it is a file, cannot be
    /// created or is not writable; [`StoreError::Corrupt`] when `vigie.db` is not a SQLite
    /// database or its schema is newer than this binary; [`StoreError::Unavailable`] when
    /// another process holds it locked for longer than [`BUSY_TIMEOUT`].
    pub fn open(data_dir: &Path) -> StoreResult<SqliteStore> {
        prepare_dir(data_dir)?;
        let path = data_dir.join(DB_FILE);
        if path.is_dir() {
            return Err(StoreError::DataDir {
                path: data_dir.to_path_buf(),
                reason: format!(
                    "{} is a directory, expected a database file",
                    path.display()
                ),
            });
        }
        let writer = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::DataDir {
            path: data_dir.to_path_buf(),
            reason: format!("cannot open {}: {e}", path.display()),
        })?;
        configure_writer(&writer).map_err(|e| with_path(e, &path))?;
        let mut writer = writer;
        migrate::apply(&mut writer).map_err(|e| with_path(e, &path))?;
        tracing::debug!(path = %path.display(), "opened sqlite store");
        Ok(SqliteStore {
            path,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Applied migrations as `(version, name)`, ascending.
    pub fn applied_migrations(&self) -> StoreResult<Vec<(u32, String)>> {
        let reader = self.reader()?;
        migrate::applied(&reader)
    }

    /// Runs `f` inside one `BEGIN IMMEDIATE … COMMIT` on the writer connection.
    fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut conn = lock(&self.writer);
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(map_err)?;
        let out = f(&tx)?;
        tx.commit().map_err(map_err)?;
        Ok(out)
    }

    /// A read-only connection from the pool, returned to it when dropped.
    fn reader(&self) -> StoreResult<Reader<'_>> {
        let pooled = lock(&self.readers).pop();
        let conn = match pooled {
            Some(c) => c,
            None => open_reader(&self.path)?,
        };
        Ok(Reader {
            conn: Some(conn),
            pool: &self.readers,
        })
    }
}

/// A pooled read connection.
struct Reader<'a> {
    conn: Option<Connection>,
    pool: &'a Mutex<Vec<Connection>>,
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        // Always Some until drop.
        self.conn
            .as_ref()
            .expect("reader connection present until drop")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let mut pool = lock(self.pool);
            if pool.len() < MAX_IDLE_READERS {
                pool.push(conn);
            }
        }
    }
}

/// Locks a mutex, recovering from poisoning: a panic while holding a connection leaves it
/// usable (an open transaction is rolled back when its guard drops).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn prepare_dir(dir: &Path) -> StoreResult<()> {
    let bad = |reason: String| StoreError::DataDir {
        path: dir.to_path_buf(),
        reason,
    };
    if dir.as_os_str().is_empty() {
        return Err(bad("the path is empty".into()));
    }
    match std::fs::metadata(dir) {
        Ok(m) if !m.is_dir() => return Err(bad("exists and is not a directory".into())),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|e| bad(format!("cannot create it: {e}")))?;
        }
        Err(e) => return Err(bad(format!("cannot read it: {e}"))),
    }
    // Prove we can create files here (a read-only mount or wrong owner would otherwise
    // surface later as an obscure SQLite error).
    let probe = dir.join(".vigie-write-test");
    std::fs::write(&probe, b"ok").map_err(|e| bad(format!("not writable: {e}")))?;
    std::fs::remove_file(&probe).map_err(|e| bad(format!("not writable: {e}")))?;
    Ok(())
}

fn configure_writer(conn: &Connection) -> StoreResult<()> {
    conn.busy_timeout(BUSY_TIMEOUT).map_err(map_err)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(map_err)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Unavailable(format!(
            "cannot switch to WAL journal mode (got {mode})"
        )));
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;",
    )
    .map_err(map_err)?;
    Ok(())
}

fn open_reader(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| with_path(map_err(e), path))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(map_err)?;
    conn.execute_batch("PRAGMA query_only = ON;")
        .map_err(map_err)?;
    Ok(conn)
}

/// Prefixes an error's text with the database path.
fn with_path(e: StoreError, path: &Path) -> StoreError {
    let p = path.display();
    match e {
        StoreError::Corrupt(m) => StoreError::Corrupt(format!("{p}: {m}")),
        StoreError::Unavailable(m) => StoreError::Unavailable(format!("{p}: {m}")),
        StoreError::Internal(m) => StoreError::Internal(format!("{p}: {m}")),
        other => other,
    }
}

/// Maps a SQLite error to the backend-neutral kinds.
pub(crate) fn map_err(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                StoreError::Unavailable(format!("database locked: {e}"))
            }
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => {
                StoreError::Corrupt(e.to_string())
            }
            ErrorCode::ConstraintViolation
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                    || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
            {
                StoreError::AlreadyExists(e.to_string())
            }
            ErrorCode::DiskFull
            | ErrorCode::SystemIoFailure
            | ErrorCode::CannotOpen
            | ErrorCode::ReadOnly
            | ErrorCode::PermissionDenied
            | ErrorCode::OutOfMemory
            | ErrorCode::FileLockingProtocolFailed => StoreError::Unavailable(e.to_string()),
            _ => StoreError::Internal(e.to_string()),
        },
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::IntegralValueOutOfRange(..) => StoreError::Corrupt(e.to_string()),
        _ => StoreError::Internal(e.to_string()),
    }
}

/// A query limit as SQL wants it, capped at [`crate::records::MAX_QUERY_ROWS`].
pub(crate) fn sql_limit(limit: usize) -> i64 {
    limit.min(crate::records::MAX_QUERY_ROWS) as i64
}

/// `now - retention` in milliseconds, saturating.
fn cutoff(now: Timestamp, retention: Duration) -> i64 {
    let ms = i64::try_from(retention.as_millis()).unwrap_or(i64::MAX);
    now.as_millis().saturating_sub(ms)
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn check_health(&self) -> StoreResult<()> {
        let reader = self.reader()?;
        let one: i64 = reader
            .query_row("SELECT 1", [], |r| r.get(0))
            .map_err(map_err)?;
        debug_assert_eq!(one, 1);
        Ok(())
    }

    fn append_probe_results(&self, results: &[ProbeRecord]) -> StoreResult<()> {
        if results.is_empty() {
            return Ok(());
        }
        for r in results {
            validate::probe(r)?;
        }
        self.write(|tx| probes::append(tx, results))
    }

    fn probe_results(&self, query: &ProbeQuery) -> StoreResult<Vec<ProbeRecord>> {
        probes::query(&*self.reader()?, query)
    }

    fn probe_history(
        &self,
        service: &str,
        check: Option<&str>,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Vec<ProbeMinute>> {
        probes::history(&*self.reader()?, service, check, from, to)
    }

    fn last_probe_results(&self, service: Option<&str>) -> StoreResult<Vec<ProbeRecord>> {
        probes::last(&*self.reader()?, service)
    }

    fn append_transitions(&self, transitions: &[StateTransition]) -> StoreResult<()> {
        if transitions.is_empty() {
            return Ok(());
        }
        for t in transitions {
            validate::transition(t)?;
        }
        self.write(|tx| states::append(tx, transitions))
    }

    fn recent_transitions(&self, service: &str, limit: usize) -> StoreResult<Vec<StateTransition>> {
        states::recent(&*self.reader()?, service, limit)
    }

    fn current_states(&self) -> StoreResult<Vec<CurrentState>> {
        states::current(&*self.reader()?)
    }

    fn upsert_incident(&self, incident: &IncidentRecord) -> StoreResult<()> {
        let key = validate::incident(incident)?;
        self.write(|tx| incidents::upsert(tx, key, incident))
    }

    fn append_timeline(&self, incident: IncidentId, entries: &[TimelineEntry]) -> StoreResult<()> {
        let key = validate::positive_i64("incident.id", incident)?;
        for e in entries {
            validate::timeline(e)?;
        }
        self.write(|tx| incidents::append_timeline(tx, key, entries))
    }

    fn incident(&self, id: IncidentId) -> StoreResult<Option<IncidentDetail>> {
        let Ok(key) = i64::try_from(id) else {
            return Ok(None);
        };
        incidents::get(&*self.reader()?, key)
    }

    fn list_incidents(&self, filter: &IncidentFilter) -> StoreResult<Vec<IncidentRecord>> {
        incidents::list(&*self.reader()?, filter)
    }

    fn max_incident_id(&self) -> StoreResult<IncidentId> {
        incidents::max_id(&*self.reader()?)
    }

    fn append_reports(&self, reports: &[NewReport]) -> StoreResult<Vec<ReportId>> {
        if reports.is_empty() {
            return Ok(Vec::new());
        }
        for r in reports {
            validate::report(r)?;
        }
        self.write(|tx| reports::append(tx, reports))
    }

    fn report_total(&self, service: &str) -> StoreResult<u64> {
        reports::total(&*self.reader()?, service)
    }

    fn report_totals(&self) -> StoreResult<Vec<(String, u64)>> {
        reports::totals(&*self.reader()?)
    }

    fn report_minutes(
        &self,
        service: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<Vec<ReportMinute>> {
        reports::minutes(&*self.reader()?, service, from, to)
    }

    fn report_breakdown(
        &self,
        service: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<ReportBreakdown> {
        reports::breakdown(&*self.reader()?, service, from, to)
    }

    fn reports(
        &self,
        service: &str,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> StoreResult<Vec<StoredReport>> {
        reports::list(&*self.reader()?, service, from, to, limit)
    }

    fn recent_reporters(&self, since: Timestamp) -> StoreResult<Vec<ReporterSeen>> {
        reports::recent_reporters(&*self.reader()?, since)
    }

    fn upsert_dependencies(
        &self,
        service: &str,
        edges: &[EdgeObservation],
        at: Timestamp,
    ) -> StoreResult<Vec<DependencyChange>> {
        validate::edges(service, edges)?;
        self.write(|tx| deps::upsert(tx, service, edges, at))
    }

    fn sync_dependencies(
        &self,
        service: &str,
        set: EdgeSet,
        edges: &[EdgeObservation],
        at: Timestamp,
    ) -> StoreResult<Vec<DependencyChange>> {
        validate::edges(service, edges)?;
        if let Some(e) = edges.iter().find(|e| !set.contains(e.origin)) {
            return Err(StoreError::invalid(
                "dependency.origin",
                format!(
                    "edge to {:?} has origin {}, outside the {:?} set being synced",
                    e.target,
                    e.origin.as_str(),
                    set
                ),
            ));
        }
        self.write(|tx| {
            let mut changes = deps::upsert(tx, service, edges, at)?;
            changes.extend(deps::remove_missing(tx, service, set, edges, at)?);
            Ok(changes)
        })
    }

    fn dependencies(&self, service: Option<&str>) -> StoreResult<Vec<DependencyEdge>> {
        deps::list(&*self.reader()?, service)
    }

    fn dependency_changes(
        &self,
        service: Option<&str>,
        since: Option<Timestamp>,
        limit: usize,
    ) -> StoreResult<Vec<DependencyChange>> {
        deps::changes(&*self.reader()?, service, since, limit)
    }

    fn get_meta(&self, key: &str) -> StoreResult<Option<String>> {
        validate::id("meta.key", key)?;
        let reader = self.reader()?;
        let mut stmt = reader
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")
            .map_err(map_err)?;
        let mut rows = stmt.query([key]).map_err(map_err)?;
        match rows.next().map_err(map_err)? {
            Some(row) => Ok(Some(row.get(0).map_err(map_err)?)),
            None => Ok(None),
        }
    }

    fn set_meta(&self, key: &str, value: &str) -> StoreResult<()> {
        validate::id("meta.key", key)?;
        validate::text("meta.value", value)?;
        self.write(|tx| {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map_err(map_err)?;
            Ok(())
        })
    }

    fn prune(
        &self,
        now: Timestamp,
        raw_retention: Duration,
        aggregate_retention: Duration,
    ) -> StoreResult<PruneStats> {
        let raw_cutoff = cutoff(now, raw_retention);
        let agg_cutoff = cutoff(now, aggregate_retention);
        self.write(|tx| {
            let raw = tx
                .execute("DELETE FROM probe_result WHERE at < ?1", [raw_cutoff])
                .map_err(map_err)?;
            let minutes = tx
                .execute("DELETE FROM probe_minute WHERE minute < ?1", [agg_cutoff])
                .map_err(map_err)?;
            Ok(PruneStats {
                raw_probe_results: raw as u64,
                probe_minutes: minutes as u64,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `synchronous` is per connection, so only the store itself can show it: FULL (2)
    /// means every commit fsyncs the WAL, which is what makes a returned commit survive a
    /// power cut, not only a killed process.
    #[test]
    fn writer_syncs_every_commit() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(tmp.path()).unwrap();
        let conn = lock(&store.writer);
        let sync: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 2, "synchronous must be FULL");
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
    }

    #[test]
    fn readers_are_read_only_and_pooled() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(tmp.path()).unwrap();
        {
            let r = store.reader().unwrap();
            let err = r.execute("INSERT INTO meta (key, value) VALUES ('a', 'b')", []);
            assert!(err.is_err(), "a reader must not write");
        }
        assert_eq!(lock(&store.readers).len(), 1, "returned to the pool");
        let readers: Vec<_> = (0..MAX_IDLE_READERS + 2)
            .map(|_| store.reader().unwrap())
            .collect();
        drop(readers);
        assert_eq!(lock(&store.readers).len(), MAX_IDLE_READERS);
    }

    #[test]
    fn cutoff_saturates() {
        assert_eq!(
            cutoff(Timestamp::from_millis(i64::MIN + 5), Duration::from_secs(1)),
            i64::MIN
        );
        assert_eq!(
            cutoff(Timestamp::from_millis(10_000), Duration::from_secs(3)),
            7_000
        );
    }
}

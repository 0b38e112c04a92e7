//! The SQLite backend against the conformance suite, on real files in temporary
//! directories, plus what only SQLite has: the data directory, the file, migrations.

use std::path::Path;

use vigie_store::conformance::TestBackend;
use vigie_store::sqlite::{migrate, DB_FILE};
use vigie_store::{SqliteStore, Store, StoreError, StoreResult};

/// A fresh temporary data directory, removed when the test ends.
struct TempSqlite(tempfile::TempDir);

impl TempSqlite {
    fn new() -> TempSqlite {
        TempSqlite(tempfile::tempdir().expect("create a temporary directory"))
    }
}

impl TestBackend for TempSqlite {
    fn open(&self) -> StoreResult<Box<dyn Store>> {
        Ok(Box::new(SqliteStore::open(self.0.path())?))
    }
}

vigie_store::store_conformance_tests!(TempSqlite::new());

#[test]
fn open_creates_nested_data_directory_and_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a/b/vigie-data");
    let store = SqliteStore::open(&dir).expect("open creates the directory");
    assert!(dir.join(DB_FILE).is_file());
    assert_eq!(store.path(), dir.join(DB_FILE));
    assert_eq!(store.backend(), "sqlite");
}

#[test]
fn data_directory_that_is_a_file_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("not-a-dir");
    std::fs::write(&file, b"hello").unwrap();
    let err = SqliteStore::open(&file).unwrap_err();
    match &err {
        StoreError::DataDir { path, reason } => {
            assert_eq!(path, &file);
            assert!(reason.contains("not a directory"), "{reason}");
        }
        other => panic!("expected DataDir, got {other:?}"),
    }
    assert!(
        err.to_string().contains(&file.display().to_string()),
        "{err}"
    );
}

#[test]
fn data_directory_under_a_file_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("file");
    std::fs::write(&file, b"x").unwrap();
    let dir = file.join("data");
    let err = SqliteStore::open(&dir).unwrap_err();
    assert!(matches!(err, StoreError::DataDir { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&dir.display().to_string()),
        "{err}"
    );
}

#[test]
fn database_path_that_is_a_directory_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join(DB_FILE)).unwrap();
    let err = SqliteStore::open(tmp.path()).unwrap_err();
    assert!(matches!(err, StoreError::DataDir { .. }), "{err:?}");
    assert!(err.to_string().contains(DB_FILE), "{err}");
}

#[test]
fn garbage_database_file_is_corrupt_and_named() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join(DB_FILE);
    std::fs::write(&db, vec![0x42u8; 8192]).unwrap();
    let err = SqliteStore::open(tmp.path()).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    assert!(err.to_string().contains(&db.display().to_string()), "{err}");
}

#[test]
fn migrations_are_recorded_once() {
    let tmp = tempfile::tempdir().unwrap();
    for _ in 0..3 {
        let store = SqliteStore::open(tmp.path()).unwrap();
        let applied = store.applied_migrations().unwrap();
        let expected: Vec<(u32, String)> = migrate::MIGRATIONS
            .iter()
            .map(|m| (m.version, m.name.to_string()))
            .collect();
        assert_eq!(applied, expected);
    }
    // Versions are 1, 2, … without gaps, names carry the number.
    for (i, m) in migrate::MIGRATIONS.iter().enumerate() {
        assert_eq!(m.version as usize, i + 1);
        assert!(
            m.name.starts_with(&format!("{:04}_", m.version)),
            "{}",
            m.name
        );
    }
}

#[test]
fn schema_newer_than_the_binary_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    drop(SqliteStore::open(tmp.path()).unwrap());
    {
        let conn = rusqlite::Connection::open(tmp.path().join(DB_FILE)).unwrap();
        conn.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_future', 0)",
            [],
        )
        .unwrap();
    }
    let err = SqliteStore::open(tmp.path()).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    assert!(err.to_string().contains("999"), "{err}");
}

#[test]
fn journal_is_wal_and_sync_is_full() {
    let tmp = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(tmp.path()).unwrap();
    store.set_meta("x", "y").unwrap();
    assert!(tmp.path().join(format!("{DB_FILE}-wal")).exists());
    let conn = rusqlite::Connection::open(tmp.path().join(DB_FILE)).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    drop(store);
    assert_data_dir_holds_only_the_database(tmp.path());
}

/// No stray files (the writability probe is removed).
fn assert_data_dir_holds_only_the_database(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(name.starts_with(DB_FILE), "unexpected file {name}");
    }
}

#[test]
fn unreadable_stored_value_is_corrupt_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(tmp.path()).unwrap();
    {
        let conn = rusqlite::Connection::open(tmp.path().join(DB_FILE)).unwrap();
        conn.execute(
            "INSERT INTO state_transition (service, at, state, previous, cause)
             VALUES ('shop', 0, 'on_fire', 'operational', '')",
            [],
        )
        .unwrap();
    }
    let err = store.current_states().unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    assert!(err.to_string().contains("on_fire"), "{err}");
}

#[test]
fn empty_data_directory_path_is_refused() {
    let err = SqliteStore::open(Path::new("")).unwrap_err();
    match err {
        StoreError::DataDir { reason, .. } => assert!(reason.contains("empty"), "{reason}"),
        other => panic!("expected DataDir, got {other:?}"),
    }
}

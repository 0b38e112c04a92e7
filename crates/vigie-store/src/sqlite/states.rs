//! Service state transitions and the current state derived from them.

use rusqlite::{params, Connection, Row, Transaction};

use super::convert::{state, ts};
use super::{map_err, sql_limit};
use crate::error::StoreResult;
use crate::records::{CurrentState, StateTransition};

pub fn append(tx: &Transaction<'_>, transitions: &[StateTransition]) -> StoreResult<()> {
    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO state_transition (service, at, state, previous, cause)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(map_err)?;
    for t in transitions {
        stmt.execute(params![
            t.service,
            t.at.as_millis(),
            t.state.as_str(),
            t.previous.as_str(),
            t.cause
        ])
        .map_err(map_err)?;
    }
    Ok(())
}

type RawTransition = (String, i64, String, String, String);

fn raw(row: &Row<'_>) -> rusqlite::Result<RawTransition> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

pub fn recent(conn: &Connection, service: &str, limit: usize) -> StoreResult<Vec<StateTransition>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT service, at, state, previous, cause FROM state_transition
             WHERE service = ?1 ORDER BY at DESC, id DESC LIMIT ?2",
        )
        .map_err(map_err)?;
    let rows = stmt
        .query_map(params![service, sql_limit(limit)], raw)
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    rows.into_iter()
        .map(|(service, at, st, prev, cause)| {
            Ok(StateTransition {
                service,
                at: ts(at),
                state: state("state_transition.state", &st)?,
                previous: state("state_transition.previous", &prev)?,
                cause,
            })
        })
        .collect()
}

pub fn current(conn: &Connection) -> StoreResult<Vec<CurrentState>> {
    // For each service, its latest transition (by at, then insertion order). The
    // (service, at, id) index makes each inner lookup one seek.
    let mut stmt = conn
        .prepare_cached(
            "SELECT t.service, t.at, t.state, t.previous, t.cause
             FROM (SELECT DISTINCT service FROM state_transition) s
             JOIN state_transition t ON t.id = (
                 SELECT id FROM state_transition
                 WHERE service = s.service ORDER BY at DESC, id DESC LIMIT 1)
             ORDER BY t.service",
        )
        .map_err(map_err)?;
    let rows = stmt
        .query_map([], raw)
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    rows.into_iter()
        .map(|(service, at, st, _prev, cause)| {
            Ok(CurrentState {
                service,
                state: state("state_transition.state", &st)?,
                since: ts(at),
                cause,
            })
        })
        .collect()
}

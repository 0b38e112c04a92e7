//! Dependency edges with their evidence, and the history of their changes.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use vigie_core::Timestamp;

use super::convert::{change_kind, origin, string_list_from_json, string_list_to_json, ts};
use super::{map_err, sql_limit};
use crate::error::StoreResult;
use crate::records::{ChangeKind, DependencyChange, DependencyEdge, EdgeObservation, EdgeSet};

/// Confidences closer than this are the same (they round-trip through f64 exactly, but a
/// discovery run may recompute them with a different summation order).
const CONFIDENCE_EPSILON: f64 = 1e-9;

fn record_change(tx: &Transaction<'_>, c: &DependencyChange) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO dependency_change
             (at, service, target, origin, kind, old_confidence, new_confidence, evidence)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .map_err(map_err)?
    .execute(params![
        c.at.as_millis(),
        c.service,
        c.target,
        c.origin.as_str(),
        c.kind.as_str(),
        c.old_confidence,
        c.new_confidence,
        string_list_to_json(&c.evidence),
    ])
    .map_err(map_err)?;
    Ok(())
}

pub fn upsert(
    tx: &Transaction<'_>,
    service: &str,
    edges: &[EdgeObservation],
    at: Timestamp,
) -> StoreResult<Vec<DependencyChange>> {
    let mut changes = Vec::new();
    for e in edges {
        let existing: Option<(f64, String)> = tx
            .prepare_cached(
                "SELECT confidence, evidence FROM dependency
                 WHERE service = ?1 AND target = ?2 AND origin = ?3",
            )
            .map_err(map_err)?
            .query_row(params![service, e.target, e.origin.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(map_err)?;
        let evidence_json = string_list_to_json(&e.evidence);
        let change = match existing {
            None => {
                tx.prepare_cached(
                    "INSERT INTO dependency
                         (service, target, origin, confidence, evidence, first_seen, last_seen)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                )
                .map_err(map_err)?
                .execute(params![
                    service,
                    e.target,
                    e.origin.as_str(),
                    e.confidence,
                    evidence_json,
                    at.as_millis()
                ])
                .map_err(map_err)?;
                Some(DependencyChange {
                    at,
                    service: service.to_string(),
                    target: e.target.clone(),
                    origin: e.origin,
                    kind: ChangeKind::Added,
                    old_confidence: None,
                    new_confidence: Some(e.confidence),
                    evidence: e.evidence.clone(),
                })
            }
            Some((old_confidence, old_evidence)) => {
                let old_evidence = string_list_from_json("dependency.evidence", &old_evidence)?;
                tx.prepare_cached(
                    "UPDATE dependency
                     SET confidence = ?4, evidence = ?5, last_seen = MAX(last_seen, ?6)
                     WHERE service = ?1 AND target = ?2 AND origin = ?3",
                )
                .map_err(map_err)?
                .execute(params![
                    service,
                    e.target,
                    e.origin.as_str(),
                    e.confidence,
                    evidence_json,
                    at.as_millis()
                ])
                .map_err(map_err)?;
                let changed = (old_confidence - e.confidence).abs() > CONFIDENCE_EPSILON
                    || old_evidence != e.evidence;
                changed.then(|| DependencyChange {
                    at,
                    service: service.to_string(),
                    target: e.target.clone(),
                    origin: e.origin,
                    kind: ChangeKind::Changed,
                    old_confidence: Some(old_confidence),
                    new_confidence: Some(e.confidence),
                    evidence: e.evidence.clone(),
                })
            }
        };
        if let Some(c) = change {
            record_change(tx, &c)?;
            changes.push(c);
        }
    }
    Ok(changes)
}

pub fn remove_missing(
    tx: &Transaction<'_>,
    service: &str,
    set: EdgeSet,
    keep: &[EdgeObservation],
    at: Timestamp,
) -> StoreResult<Vec<DependencyChange>> {
    let current = list_for(tx, Some(service))?;
    let mut changes = Vec::new();
    for edge in current {
        if !set.contains(edge.origin)
            || keep
                .iter()
                .any(|k| k.target == edge.target && k.origin == edge.origin)
        {
            continue;
        }
        tx.prepare_cached(
            "DELETE FROM dependency WHERE service = ?1 AND target = ?2 AND origin = ?3",
        )
        .map_err(map_err)?
        .execute(params![service, edge.target, edge.origin.as_str()])
        .map_err(map_err)?;
        let c = DependencyChange {
            at,
            service: service.to_string(),
            target: edge.target,
            origin: edge.origin,
            kind: ChangeKind::Removed,
            old_confidence: Some(edge.confidence),
            new_confidence: None,
            evidence: edge.evidence,
        };
        record_change(tx, &c)?;
        changes.push(c);
    }
    Ok(changes)
}

fn list_for(conn: &Connection, service: Option<&str>) -> StoreResult<Vec<DependencyEdge>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT service, target, origin, confidence, evidence, first_seen, last_seen
             FROM dependency WHERE ?1 IS NULL OR service = ?1
             ORDER BY service, target, origin",
        )
        .map_err(map_err)?;
    let rows = stmt
        .query_map(params![service], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, f64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    rows.into_iter()
        .map(
            |(service, target, o, confidence, evidence, first_seen, last_seen)| {
                Ok(DependencyEdge {
                    service,
                    target,
                    origin: origin(&o)?,
                    confidence,
                    evidence: string_list_from_json("dependency.evidence", &evidence)?,
                    first_seen: ts(first_seen),
                    last_seen: ts(last_seen),
                })
            },
        )
        .collect()
}

pub fn list(conn: &Connection, service: Option<&str>) -> StoreResult<Vec<DependencyEdge>> {
    list_for(conn, service)
}

pub fn changes(
    conn: &Connection,
    service: Option<&str>,
    since: Option<Timestamp>,
    limit: usize,
) -> StoreResult<Vec<DependencyChange>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT at, service, target, origin, kind, old_confidence, new_confidence, evidence
             FROM dependency_change
             WHERE (?1 IS NULL OR service = ?1) AND (?2 IS NULL OR at >= ?2)
             ORDER BY at DESC, id DESC LIMIT ?3",
        )
        .map_err(map_err)?;
    let rows = stmt
        .query_map(
            params![service, since.map(|t| t.as_millis()), sql_limit(limit)],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<f64>>(5)?,
                    r.get::<_, Option<f64>>(6)?,
                    r.get::<_, String>(7)?,
                ))
            },
        )
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    rows.into_iter()
        .map(
            |(at, service, target, o, kind, old_confidence, new_confidence, evidence)| {
                Ok(DependencyChange {
                    at: ts(at),
                    service,
                    target,
                    origin: origin(&o)?,
                    kind: change_kind(&kind)?,
                    old_confidence,
                    new_confidence,
                    evidence: string_list_from_json("dependency_change.evidence", &evidence)?,
                })
            },
        )
        .collect()
}

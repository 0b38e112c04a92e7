//! Incidents, their affected services and their timelines.

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row, Transaction};
use vigie_core::IncidentId;

use super::convert::{
    id_u64, scope, scope_str, string_list_from_json, string_list_to_json, timeline_kind, ts,
};
use super::{map_err, sql_limit};
use crate::error::{StoreError, StoreResult};
use crate::records::{IncidentDetail, IncidentFilter, IncidentRecord, TimelineEntry};

pub fn upsert(tx: &Transaction<'_>, key: i64, i: &IncidentRecord) -> StoreResult<()> {
    let parent = i.parent.map(|p| p as i64); // validated to fit
    tx.prepare_cached(
        "INSERT INTO incident
             (id, scope, service, component, title, opened_at, detected_at, peak_at,
              resolved_at, confidence, services, parent, explanation)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (id) DO UPDATE SET
             scope = excluded.scope, service = excluded.service,
             component = excluded.component, title = excluded.title,
             opened_at = excluded.opened_at, detected_at = excluded.detected_at,
             peak_at = excluded.peak_at, resolved_at = excluded.resolved_at,
             confidence = excluded.confidence, services = excluded.services,
             parent = excluded.parent, explanation = excluded.explanation",
    )
    .map_err(map_err)?
    .execute(params![
        key,
        scope_str(i.scope),
        i.service,
        i.component,
        i.title,
        i.opened_at.as_millis(),
        i.detected_at.as_millis(),
        i.peak_at.map(|t| t.as_millis()),
        i.resolved_at.map(|t| t.as_millis()),
        i.confidence,
        string_list_to_json(&i.services),
        parent,
        i.explanation,
    ])
    .map_err(map_err)?;
    tx.prepare_cached("DELETE FROM incident_service WHERE incident_id = ?1")
        .map_err(map_err)?
        .execute([key])
        .map_err(map_err)?;
    let mut link = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO incident_service (incident_id, service) VALUES (?1, ?2)",
        )
        .map_err(map_err)?;
    for s in i.service.iter().chain(i.services.iter()) {
        link.execute(params![key, s]).map_err(map_err)?;
    }
    Ok(())
}

pub fn append_timeline(
    tx: &Transaction<'_>,
    key: i64,
    entries: &[TimelineEntry],
) -> StoreResult<()> {
    let exists = tx
        .prepare_cached("SELECT 1 FROM incident WHERE id = ?1")
        .map_err(map_err)?
        .query_row([key], |_| Ok(()))
        .optional()
        .map_err(map_err)?;
    if exists.is_none() {
        return Err(StoreError::NotFound(format!("incident {key}")));
    }
    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO incident_timeline (incident_id, at, kind, text) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(map_err)?;
    for e in entries {
        stmt.execute(params![key, e.at.as_millis(), e.kind.as_str(), e.text])
            .map_err(map_err)?;
    }
    Ok(())
}

const COLUMNS: &str = "id, scope, service, component, title, opened_at, detected_at, peak_at, \
                       resolved_at, confidence, services, parent, explanation";

struct RawIncident {
    id: i64,
    scope: String,
    service: Option<String>,
    component: Option<String>,
    title: String,
    opened_at: i64,
    detected_at: i64,
    peak_at: Option<i64>,
    resolved_at: Option<i64>,
    confidence: Option<f64>,
    services: String,
    parent: Option<i64>,
    explanation: Option<String>,
}

fn raw(row: &Row<'_>) -> rusqlite::Result<RawIncident> {
    Ok(RawIncident {
        id: row.get(0)?,
        scope: row.get(1)?,
        service: row.get(2)?,
        component: row.get(3)?,
        title: row.get(4)?,
        opened_at: row.get(5)?,
        detected_at: row.get(6)?,
        peak_at: row.get(7)?,
        resolved_at: row.get(8)?,
        confidence: row.get(9)?,
        services: row.get(10)?,
        parent: row.get(11)?,
        explanation: row.get(12)?,
    })
}

impl RawIncident {
    fn into_record(self) -> StoreResult<IncidentRecord> {
        Ok(IncidentRecord {
            id: id_u64("incident.id", self.id)?,
            scope: scope(&self.scope)?,
            service: self.service,
            component: self.component,
            title: self.title,
            opened_at: ts(self.opened_at),
            detected_at: ts(self.detected_at),
            peak_at: self.peak_at.map(ts),
            resolved_at: self.resolved_at.map(ts),
            confidence: self.confidence,
            services: string_list_from_json("incident.services", &self.services)?,
            parent: self
                .parent
                .map(|p| id_u64("incident.parent", p))
                .transpose()?,
            explanation: self.explanation,
        })
    }
}

pub fn get(conn: &Connection, key: i64) -> StoreResult<Option<IncidentDetail>> {
    let found = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM incident WHERE id = ?1"))
        .map_err(map_err)?
        .query_row([key], raw)
        .optional()
        .map_err(map_err)?;
    let Some(found) = found else {
        return Ok(None);
    };
    let incident = found.into_record()?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT at, kind, text FROM incident_timeline
             WHERE incident_id = ?1 ORDER BY at, id",
        )
        .map_err(map_err)?;
    let rows = stmt
        .query_map([key], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get(2)?))
        })
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    let timeline = rows
        .into_iter()
        .map(|(at, kind, text)| {
            Ok(TimelineEntry {
                at: ts(at),
                kind: timeline_kind(&kind)?,
                text,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Some(IncidentDetail { incident, timeline }))
}

pub fn list(conn: &Connection, f: &IncidentFilter) -> StoreResult<Vec<IncidentRecord>> {
    let mut sql = format!("SELECT {COLUMNS} FROM incident WHERE 1 = 1");
    let mut args: Vec<Value> = Vec::new();
    if f.open_only {
        sql.push_str(" AND resolved_at IS NULL");
    }
    if let Some(service) = &f.service {
        args.push(Value::Text(service.clone()));
        sql.push_str(&format!(
            " AND id IN (SELECT incident_id FROM incident_service WHERE service = ?{})",
            args.len()
        ));
    }
    if let Some(since) = f.since {
        args.push(Value::Integer(since.as_millis()));
        sql.push_str(&format!(
            " AND (resolved_at IS NULL OR resolved_at >= ?{})",
            args.len()
        ));
    }
    if let Some(s) = f.scope {
        args.push(Value::Text(scope_str(s).to_string()));
        sql.push_str(&format!(" AND scope = ?{}", args.len()));
    }
    args.push(Value::Integer(sql_limit(f.limit)));
    sql.push_str(&format!(
        " ORDER BY opened_at DESC, id DESC LIMIT ?{}",
        args.len()
    ));
    let mut stmt = conn.prepare_cached(&sql).map_err(map_err)?;
    let rows = stmt
        .query_map(params_from_iter(args), raw)
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    rows.into_iter().map(RawIncident::into_record).collect()
}

pub fn max_id(conn: &Connection) -> StoreResult<IncidentId> {
    let max: i64 = conn
        .query_row("SELECT COALESCE(MAX(id), 0) FROM incident", [], |r| {
            r.get(0)
        })
        .map_err(map_err)?;
    id_u64("incident.id", max)
}

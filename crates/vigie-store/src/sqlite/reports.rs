//! Crowd reports: durable batched inserts and the counts detection and pages need.

use std::collections::BTreeMap;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use vigie_core::Timestamp;

use super::convert::{id_u64, report_kind, ts, MINUTE_FLOOR_SQL};
use super::{map_err, sql_limit};
use crate::error::StoreResult;
use crate::records::{
    NewReport, ReportBreakdown, ReportId, ReportMinute, ReporterSeen, StoredReport,
};

pub fn append(tx: &Transaction<'_>, reports: &[NewReport]) -> StoreResult<Vec<ReportId>> {
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO report (service, at, kind, region, note, reporter, counted)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(map_err)?;
    let mut ids = Vec::with_capacity(reports.len());
    let mut per_service: BTreeMap<&str, i64> = BTreeMap::new();
    for r in reports {
        let id = insert
            .insert(params![
                r.service,
                r.at.as_millis(),
                r.kind.as_str(),
                r.region,
                r.note,
                r.reporter,
                r.counted
            ])
            .map_err(map_err)?;
        ids.push(id_u64("report.id", id)?);
        *per_service.entry(&r.service).or_default() += 1;
    }
    let mut bump = tx
        .prepare_cached(
            "INSERT INTO report_total (service, total) VALUES (?1, ?2)
             ON CONFLICT (service) DO UPDATE SET total = total + excluded.total",
        )
        .map_err(map_err)?;
    for (service, n) in per_service {
        bump.execute(params![service, n]).map_err(map_err)?;
    }
    Ok(ids)
}

pub fn total(conn: &Connection, service: &str) -> StoreResult<u64> {
    let n: Option<i64> = conn
        .prepare_cached("SELECT total FROM report_total WHERE service = ?1")
        .map_err(map_err)?
        .query_row([service], |r| r.get(0))
        .optional()
        .map_err(map_err)?;
    Ok(n.unwrap_or(0).max(0) as u64)
}

pub fn totals(conn: &Connection) -> StoreResult<Vec<(String, u64)>> {
    let mut stmt = conn
        .prepare_cached("SELECT service, total FROM report_total ORDER BY service")
        .map_err(map_err)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as u64))
        })
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    Ok(rows)
}

pub fn minutes(
    conn: &Connection,
    service: &str,
    from: Timestamp,
    to: Timestamp,
) -> StoreResult<Vec<ReportMinute>> {
    let sql = format!(
        "SELECT {MINUTE_FLOOR_SQL} AS minute, SUM(counted), COUNT(*)
         FROM report WHERE service = ?1 AND at >= ?2 AND at < ?3
         GROUP BY minute ORDER BY minute"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(map_err)?;
    let rows = stmt
        .query_map(params![service, from.as_millis(), to.as_millis()], |r| {
            Ok(ReportMinute {
                minute: ts(r.get(0)?),
                counted: r.get::<_, i64>(1)?.max(0) as u64,
                total: r.get::<_, i64>(2)?.max(0) as u64,
            })
        })
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    Ok(rows)
}

pub fn breakdown(
    conn: &Connection,
    service: &str,
    from: Timestamp,
    to: Timestamp,
) -> StoreResult<ReportBreakdown> {
    let range = params![service, from.as_millis(), to.as_millis()];
    let kinds = conn
        .prepare_cached(
            "SELECT kind, COUNT(*) AS n FROM report
             WHERE service = ?1 AND at >= ?2 AND at < ?3 AND counted = 1
             GROUP BY kind ORDER BY n DESC, kind",
        )
        .map_err(map_err)?
        .query_map(range, |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    let by_region = conn
        .prepare_cached(
            "SELECT region, COUNT(*) AS n FROM report
             WHERE service = ?1 AND at >= ?2 AND at < ?3 AND counted = 1
               AND region IS NOT NULL
             GROUP BY region ORDER BY n DESC, region",
        )
        .map_err(map_err)?
        .query_map(range, |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as u64))
        })
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    let mut by_kind = kinds
        .into_iter()
        .map(|(k, n)| Ok((report_kind(&k)?, n.max(0) as u64)))
        .collect::<StoreResult<Vec<_>>>()?;
    // SQL sorted ties by the stored text, which is the kind's name: keep it stable anyway.
    by_kind.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.as_str().cmp(b.0.as_str())));
    Ok(ReportBreakdown { by_kind, by_region })
}

pub fn list(
    conn: &Connection,
    service: &str,
    from: Timestamp,
    to: Timestamp,
    limit: usize,
) -> StoreResult<Vec<StoredReport>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, service, at, kind, region, note, reporter, counted FROM report
             WHERE service = ?1 AND at >= ?2 AND at < ?3
             ORDER BY at, id LIMIT ?4",
        )
        .map_err(map_err)?;
    let rows = stmt
        .query_map(
            params![service, from.as_millis(), to.as_millis(), sql_limit(limit)],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, bool>(7)?,
                ))
            },
        )
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    rows.into_iter()
        .map(|(id, service, at, kind, region, note, reporter, counted)| {
            Ok(StoredReport {
                id: id_u64("report.id", id)?,
                report: NewReport {
                    service,
                    at: ts(at),
                    kind: report_kind(&kind)?,
                    region,
                    note,
                    reporter,
                    counted,
                },
            })
        })
        .collect()
}

pub fn recent_reporters(conn: &Connection, since: Timestamp) -> StoreResult<Vec<ReporterSeen>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT service, reporter, MAX(at) FROM report
             WHERE counted = 1 AND at >= ?1
             GROUP BY service, reporter ORDER BY service, reporter",
        )
        .map_err(map_err)?;
    let rows = stmt
        .query_map([since.as_millis()], |r| {
            Ok(ReporterSeen {
                service: r.get(0)?,
                reporter: r.get(1)?,
                last_counted_at: ts(r.get(2)?),
            })
        })
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    Ok(rows)
}

//! Raw probe results, their per-minute aggregates and each check's last result.

use std::collections::BTreeMap;

use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use vigie_core::Timestamp;

use super::convert::{probe_error, ts};
use super::{map_err, sql_limit};
use crate::error::{StoreError, StoreResult};
use crate::latency::Histogram;
use crate::records::{LatencyStats, ProbeMinute, ProbeQuery, ProbeRecord};

/// One aggregate row being built or merged.
#[derive(Clone, Debug, Default)]
struct Agg {
    count: u64,
    failures: u64,
    slow: u64,
    lat_count: u64,
    lat_sum: f64,
    lat_min: Option<f64>,
    lat_max: Option<f64>,
    hist: Histogram,
}

impl Agg {
    fn add(&mut self, r: &ProbeRecord) {
        self.count += 1;
        if !r.ok {
            self.failures += 1;
        } else if r.slow {
            self.slow += 1;
        }
        if let Some(l) = r.latency_ms {
            self.lat_count += 1;
            self.lat_sum += l;
            self.lat_min = Some(self.lat_min.map_or(l, |m| m.min(l)));
            self.lat_max = Some(self.lat_max.map_or(l, |m| m.max(l)));
            self.hist.record(l);
        }
    }

    fn merge(&mut self, o: &Agg) {
        self.count += o.count;
        self.failures += o.failures;
        self.slow += o.slow;
        self.lat_count += o.lat_count;
        self.lat_sum += o.lat_sum;
        self.lat_min = min_opt(self.lat_min, o.lat_min);
        self.lat_max = max_opt(self.lat_max, o.lat_max);
        self.hist.merge(&o.hist);
    }

    fn from_row(row: &Row<'_>, first: usize) -> rusqlite::Result<Result<Agg, StoreError>> {
        let blob: Vec<u8> = row.get(first + 7)?;
        let hist = match Histogram::decode(&blob) {
            Ok(h) => h,
            Err(e) => {
                return Ok(Err(StoreError::Corrupt(format!(
                    "probe_minute.lat_hist: {e}"
                ))))
            }
        };
        Ok(Ok(Agg {
            count: row.get::<_, i64>(first)? as u64,
            failures: row.get::<_, i64>(first + 1)? as u64,
            slow: row.get::<_, i64>(first + 2)? as u64,
            lat_count: row.get::<_, i64>(first + 3)? as u64,
            lat_sum: row.get(first + 4)?,
            lat_min: row.get(first + 5)?,
            lat_max: row.get(first + 6)?,
            hist,
        }))
    }

    fn to_minute(&self, minute: Timestamp) -> ProbeMinute {
        let latency = match (self.lat_count, self.lat_min, self.lat_max) {
            (n, Some(min), Some(max)) if n > 0 => Some(LatencyStats {
                count: n,
                sum_ms: self.lat_sum,
                min_ms: min,
                max_ms: max,
                p95_ms: self.hist.quantile(0.95, min, max).unwrap_or(max),
            }),
            _ => None,
        };
        ProbeMinute {
            minute,
            count: self.count,
            failures: self.failures,
            slow: self.slow,
            latency,
        }
    }
}

fn min_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn max_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

pub fn append(tx: &Transaction<'_>, results: &[ProbeRecord]) -> StoreResult<()> {
    let mut insert_raw = tx
        .prepare_cached(
            "INSERT INTO probe_result
                 (service, check_id, vantage, at, ok, slow, latency_ms, error, status, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .map_err(map_err)?;
    let mut upsert_last = tx
        .prepare_cached(
            "INSERT INTO probe_last
                 (service, check_id, vantage, at, ok, slow, latency_ms, error, status, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (service, check_id, vantage) DO UPDATE SET
                 at = excluded.at, ok = excluded.ok, slow = excluded.slow,
                 latency_ms = excluded.latency_ms, error = excluded.error,
                 status = excluded.status, detail = excluded.detail
             WHERE excluded.at >= probe_last.at",
        )
        .map_err(map_err)?;
    // Fold the batch per (service, check, vantage, minute) first, so each aggregate row is
    // read and written once per batch.
    let mut batch: BTreeMap<(&str, &str, &str, i64), Agg> = BTreeMap::new();
    for r in results {
        let p = params![
            r.service,
            r.check,
            r.vantage,
            r.at.as_millis(),
            r.ok,
            r.slow,
            r.latency_ms,
            r.error.map(|e| e.as_str()),
            r.status,
            r.detail,
        ];
        insert_raw.execute(p).map_err(map_err)?;
        upsert_last.execute(p).map_err(map_err)?;
        batch
            .entry((
                &r.service,
                &r.check,
                &r.vantage,
                r.at.minute_floor().as_millis(),
            ))
            .or_default()
            .add(r);
    }
    let mut select = tx
        .prepare_cached(
            "SELECT count, failures, slow, lat_count, lat_sum, lat_min, lat_max, lat_hist
             FROM probe_minute
             WHERE service = ?1 AND minute = ?2 AND check_id = ?3 AND vantage = ?4",
        )
        .map_err(map_err)?;
    let mut write = tx
        .prepare_cached(
            "INSERT OR REPLACE INTO probe_minute
                 (service, check_id, vantage, minute, count, failures, slow,
                  lat_count, lat_sum, lat_min, lat_max, lat_hist)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )
        .map_err(map_err)?;
    for ((service, check, vantage, minute), agg) in batch {
        let existing = select
            .query_row(params![service, minute, check, vantage], |row| {
                Agg::from_row(row, 0)
            })
            .optional()
            .map_err(map_err)?
            .transpose()?;
        let mut merged = existing.unwrap_or_default();
        merged.merge(&agg);
        write
            .execute(params![
                service,
                check,
                vantage,
                minute,
                merged.count as i64,
                merged.failures as i64,
                merged.slow as i64,
                merged.lat_count as i64,
                merged.lat_sum,
                merged.lat_min,
                merged.lat_max,
                merged.hist.encode(),
            ])
            .map_err(map_err)?;
    }
    Ok(())
}

fn record_from_row(row: &Row<'_>) -> rusqlite::Result<(ProbeRecord, Option<String>)> {
    Ok((
        ProbeRecord {
            service: row.get(0)?,
            check: row.get(1)?,
            vantage: row.get(2)?,
            at: ts(row.get(3)?),
            ok: row.get(4)?,
            slow: row.get(5)?,
            latency_ms: row.get(6)?,
            error: None,
            status: row.get(8)?,
            detail: row.get(9)?,
        },
        row.get(7)?,
    ))
}

fn finish(rows: Vec<(ProbeRecord, Option<String>)>) -> StoreResult<Vec<ProbeRecord>> {
    rows.into_iter()
        .map(|(mut r, error)| {
            r.error = error.as_deref().map(probe_error).transpose()?;
            Ok(r)
        })
        .collect()
}

pub fn query(conn: &Connection, q: &ProbeQuery) -> StoreResult<Vec<ProbeRecord>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT service, check_id, vantage, at, ok, slow, latency_ms, error, status, detail
             FROM probe_result
             WHERE service = ?1 AND at >= ?2 AND at < ?3
               AND (?4 IS NULL OR check_id = ?4)
               AND (?5 IS NULL OR vantage = ?5)
             ORDER BY at, id
             LIMIT ?6",
        )
        .map_err(map_err)?;
    let rows = stmt
        .query_map(
            params![
                q.service,
                q.from.as_millis(),
                q.to.as_millis(),
                q.check,
                q.vantage,
                sql_limit(q.limit)
            ],
            record_from_row,
        )
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    finish(rows)
}

pub fn history(
    conn: &Connection,
    service: &str,
    check: Option<&str>,
    from: Timestamp,
    to: Timestamp,
) -> StoreResult<Vec<ProbeMinute>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT minute, count, failures, slow, lat_count, lat_sum, lat_min, lat_max, lat_hist
             FROM probe_minute
             WHERE service = ?1 AND minute >= ?2 AND minute < ?3
               AND (?4 IS NULL OR check_id = ?4)
             ORDER BY minute",
        )
        .map_err(map_err)?;
    let mut rows = stmt
        .query(params![service, from.as_millis(), to.as_millis(), check])
        .map_err(map_err)?;
    let mut out: Vec<(i64, Agg)> = Vec::new();
    while let Some(row) = rows.next().map_err(map_err)? {
        let minute: i64 = row.get(0).map_err(map_err)?;
        let agg = Agg::from_row(row, 1).map_err(map_err)??;
        match out.last_mut() {
            Some((m, acc)) if *m == minute => acc.merge(&agg),
            _ => out.push((minute, agg)),
        }
    }
    Ok(out
        .into_iter()
        .map(|(m, agg)| agg.to_minute(ts(m)))
        .collect())
}

pub fn last(conn: &Connection, service: Option<&str>) -> StoreResult<Vec<ProbeRecord>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT service, check_id, vantage, at, ok, slow, latency_ms, error, status, detail
             FROM probe_last
             WHERE ?1 IS NULL OR service = ?1
             ORDER BY service, check_id, vantage",
        )
        .map_err(map_err)?;
    let rows = stmt
        .query_map(params![service], record_from_row)
        .map_err(map_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(map_err)?;
    finish(rows)
}

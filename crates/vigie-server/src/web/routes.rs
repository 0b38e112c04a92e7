//! HTTP handlers of the web edge: each reads the [`AppState`] (directory, live snapshot,
//! dependency graph, store) into a view model and calls a pure renderer.
//!
//! Routes (merged into the server's router by [`crate::router`] through [`routes`]):
//! `/`, `/s/{id}`, `/c/{*component}`, `/incidents/{id}`, `/badge/{service}.svg`,
//! `/feed.atom`, `/api/v2/summary.json`, `/api/v2/components.json`,
//! `/api/v2/incidents.json`, `/assets/{name}`. The report form posts to
//! `POST /s/{id}/report`, which the intake module owns.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use vigie_core::time::{DAY_MS, MINUTE_MS};
use vigie_core::{ReportKind, Scope, State as SvcState, Timestamp};
use vigie_store::{IncidentFilter, IncidentRecord, ProbeQuery, TimelineKind as StoreTimelineKind};

use super::i18n::{Lang, LANG_COOKIE};
use super::view::*;
use super::{assets, atom, badge, pages, statuspage};
use crate::error::ApiError;
use crate::ingest::ClientNetwork;
use crate::state::AppState;

/// Every page, feed, badge and asset route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(overview))
        .route("/s/{id}", get(service))
        .route("/c/{*component}", get(component))
        .route("/incidents/{id}", get(incident))
        .route("/badge/{file}", get(badge_svg))
        .route("/feed.atom", get(feed))
        .route("/api/v2/summary.json", get(statuspage_summary))
        .route("/api/v2/components.json", get(statuspage_components))
        .route("/api/v2/incidents.json", get(statuspage_incidents))
        .route("/assets/{name}", get(asset))
}

/// Width of one bucket of the 24 h charts; windows of 6 h or less use one minute.
pub const CHART_BUCKET_MS: i64 = 5 * MINUTE_MS;
/// The shortest chart window: a server with less history than this still shows an hour.
pub const MIN_WINDOW_MS: i64 = vigie_core::time::HOUR_MS;

/// The bucket width for a chart window.
pub fn bucket_for(window_ms: i64) -> i64 {
    if window_ms <= 6 * vigie_core::time::HOUR_MS {
        MINUTE_MS
    } else {
        CHART_BUCKET_MS
    }
}

/// The charts' window start: 24 h back, or — when the oldest data is younger — ten minutes
/// before it (at least [`MIN_WINDOW_MS`] before `now`), so a fresh server or the demo does not
/// draw an hour of data squeezed into the right edge of a day.
pub fn window_start(
    day_start: Timestamp,
    first_data: Option<Timestamp>,
    now: Timestamp,
) -> Timestamp {
    let latest_start = now.plus_millis(-MIN_WINDOW_MS);
    let start = match first_data {
        Some(first) if first > day_start => first.plus_millis(-10 * MINUTE_MS).min(latest_start),
        Some(_) => day_start,
        None => latest_start,
    };
    let start = start.max(day_start);
    start.plus_millis(-start.as_millis().rem_euclid(CHART_BUCKET_MS))
}
/// How much history the expected report band is estimated from.
pub const BAND_HISTORY_DAYS: i64 = 7;
/// How far back the service page looks for report notes, and how many it shows.
const NOTES_WINDOW_MS: i64 = 6 * vigie_core::time::HOUR_MS;
const NOTES_SHOWN: usize = 10;
/// Rows kept in the transitions and incident lists of a page.
const LIST_LIMIT: usize = 20;

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    lang: Option<String>,
    q: Option<String>,
    report: Option<String>,
}

/// The language of a request and whether to remember it in a cookie.
fn language(query: &PageQuery, headers: &HeaderMap) -> (Lang, Option<Lang>) {
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == LANG_COOKIE)
        .map(|(_, v)| v.trim().to_string());
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let explicit = query.lang.as_deref().and_then(Lang::parse);
    let lang = Lang::negotiate(query.lang.as_deref(), cookie.as_deref(), accept);
    (lang, explicit)
}

/// An HTML response with the language headers (and the cookie when the viewer chose one).
fn html(status: StatusCode, lang: Lang, remember: Option<Lang>, body: String) -> Response {
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.tag()),
    );
    h.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Language, Cookie"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    if let Some(l) = remember {
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            l.tag()
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            h.insert(header::SET_COOKIE, v);
        }
    }
    resp
}

/// A page from its view, or the error page when the view could not be built.
fn page<V>(
    state: &AppState,
    lang: Lang,
    remember: Option<Lang>,
    path: &str,
    view: Result<V, ApiError>,
    render: impl FnOnce(&V, Lang, &str) -> String,
) -> Response {
    match view {
        Ok(view) => html(StatusCode::OK, lang, remember, render(&view, lang, path)),
        Err(e) => error_html(state, lang, path, &e),
    }
}

fn error_html(state: &AppState, lang: Lang, path: &str, err: &ApiError) -> Response {
    let (key, detail) = match err {
        ApiError::NotFound(what) => ("error.not_found", what.clone()),
        ApiError::BadRequest(what) => ("error.bad_request", what.clone()),
        other => {
            tracing::warn!(error = %other, path, "page failed");
            ("error.internal", String::new())
        }
    };
    let body = pages::error_page(lang, state.now(), path, key, &detail);
    html(err.status(), lang, None, body)
}

// ---------------------------------------------------------------------------------------
// Names and live state
// ---------------------------------------------------------------------------------------

fn service_name(state: &AppState, id: &str) -> String {
    state
        .directory()
        .service(id)
        .map(|s| s.name.clone())
        .unwrap_or_else(|| id.to_string())
}

fn component_name(state: &AppState, id: &str) -> String {
    state
        .directory()
        .component(id)
        .map(|c| c.display_name().to_string())
        .unwrap_or_else(|| id.to_string())
}

fn service_rows(state: &AppState) -> Vec<ServiceRow> {
    let snap = state.snapshot();
    state
        .directory()
        .services()
        .iter()
        .map(|s| {
            let live = snap.service(&s.id);
            ServiceRow {
                id: s.id.clone(),
                name: s.name.clone(),
                state: live.state,
                since: live.since,
                incident: live.incident,
            }
        })
        .collect()
}

/// An incident record as the pages show it. `live` gives current service states, used for
/// the severity of open incidents.
fn summarize(
    state: &AppState,
    rec: &IncidentRecord,
    live: &HashMap<String, SvcState>,
) -> IncidentSummary {
    let (subject, subject_name) = match rec.scope {
        Scope::Component => {
            let id = rec.component.clone().unwrap_or_default();
            let name = component_name(state, &id);
            (id, name)
        }
        Scope::Service => {
            let id = rec
                .service
                .clone()
                .or_else(|| rec.services.first().cloned())
                .unwrap_or_default();
            let name = service_name(state, &id);
            (id, name)
        }
    };
    let affected: Vec<&String> = if rec.services.is_empty() && rec.scope == Scope::Service {
        vec![&subject]
    } else {
        rec.services.iter().collect()
    };
    let severity = if rec.is_open() {
        affected
            .iter()
            .filter_map(|s| live.get(s.as_str()).copied())
            .max_by_key(|s| s.severity())
            .filter(|s| s.is_impaired())
            .unwrap_or(SvcState::Degraded)
    } else {
        SvcState::MajorOutage
    };
    IncidentSummary {
        id: rec.id,
        scope: rec.scope,
        subject,
        subject_name,
        opened_at: rec.opened_at,
        resolved_at: rec.resolved_at,
        confidence: rec.confidence,
        services: rec
            .services
            .iter()
            .map(|s| (s.clone(), service_name(state, s)))
            .collect(),
        severity,
        explanation: rec.explanation.clone(),
        parent: rec.parent,
    }
}

fn live_states(state: &AppState) -> HashMap<String, SvcState> {
    let snap = state.snapshot();
    state
        .directory()
        .services()
        .iter()
        .map(|s| (s.id.clone(), snap.service(&s.id).state))
        .collect()
}

fn timeline_kind(kind: StoreTimelineKind) -> TimelineKind {
    match kind {
        StoreTimelineKind::FirstSignal => TimelineKind::FirstSignal,
        StoreTimelineKind::Detected => TimelineKind::Detected,
        StoreTimelineKind::Update => TimelineKind::Updated,
        StoreTimelineKind::Peak => TimelineKind::Peak,
        StoreTimelineKind::Resolved => TimelineKind::Resolved,
        StoreTimelineKind::Note => TimelineKind::Note,
    }
}

// ---------------------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------------------

/// `GET /`.
pub async fn overview(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, remember) = language(&query, &headers);
    let live = live_states(&state);
    let snap = state.snapshot();
    let mut component_incidents = Vec::new();
    let mut service_incidents = Vec::new();
    for rec in snap.open_incidents.iter().filter(|r| r.is_open()) {
        let s = summarize(&state, rec, &live);
        match rec.scope {
            Scope::Component => component_incidents.push(s),
            Scope::Service if rec.parent.is_none() => service_incidents.push(s),
            Scope::Service => {}
        }
    }
    component_incidents.sort_by(|a, b| {
        b.services
            .len()
            .cmp(&a.services.len())
            .then(a.id.cmp(&b.id))
    });
    let filter: String = query.q.unwrap_or_default().chars().take(100).collect();
    let view = OverviewView {
        now: state.now(),
        component_incidents,
        service_incidents,
        services: service_rows(&state),
        filter,
    };
    html(
        StatusCode::OK,
        lang,
        remember,
        pages::overview::render(&view, lang, "/"),
    )
}

/// `GET /s/{id}`.
pub async fn service(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
    client: Result<ClientNetwork, ApiError>,
    headers: HeaderMap,
) -> Response {
    let (lang, remember) = language(&query, &headers);
    let path = format!("/s/{id}");
    let view = service_view(&state, &id, &query, client.ok()).await;
    page(&state, lang, remember, &path, view, pages::service::render)
}

/// Mean of successes' latency and availability per bucket, from per-minute aggregates.
fn probe_buckets(
    minutes: &[vigie_store::ProbeMinute],
    start: Timestamp,
    now: Timestamp,
    bucket_ms: i64,
) -> Vec<ProbeBucket> {
    let n = (now.millis_since(start) / bucket_ms).max(1) as usize;
    let mut acc = vec![(0u64, 0u64, 0u64, 0.0f64); n]; // count, failures, latency count, latency sum
    for m in minutes {
        let i = m.minute.millis_since(start) / bucket_ms;
        if i < 0 || i as usize >= n {
            continue;
        }
        let a = &mut acc[i as usize];
        a.0 += m.count;
        a.1 += m.failures;
        if let Some(l) = &m.latency {
            a.2 += l.count;
            a.3 += l.sum_ms;
        }
    }
    acc.iter()
        .enumerate()
        .map(|(i, a)| ProbeBucket {
            start: start.plus_millis(i as i64 * bucket_ms),
            latency_ms: (a.2 > 0).then(|| a.3 / a.2 as f64),
            availability: (a.0 > 0).then(|| 1.0 - a.1 as f64 / a.0 as f64),
        })
        .collect()
}

/// Probes run, failures, latencies measured, latency sum: one chart bucket being filled.
type BucketAcc = (u64, u64, u64, f64);

/// Latency per vantage per bucket from raw results.
fn vantage_series(
    results: &[vigie_store::ProbeRecord],
    start: Timestamp,
    now: Timestamp,
    bucket_ms: i64,
) -> Vec<VantageSeries> {
    let n = (now.millis_since(start) / bucket_ms).max(1) as usize;
    let mut by_vantage: Vec<(String, Vec<BucketAcc>)> = Vec::new();
    for r in results {
        let i = r.at.millis_since(start) / bucket_ms;
        if i < 0 || i as usize >= n {
            continue;
        }
        let slot = match by_vantage.iter().position(|(v, _)| *v == r.vantage) {
            Some(p) => p,
            None => {
                by_vantage.push((r.vantage.clone(), vec![(0, 0, 0, 0.0); n]));
                by_vantage.len() - 1
            }
        };
        let a = &mut by_vantage[slot].1[i as usize];
        a.0 += 1;
        if !r.ok {
            a.1 += 1;
        }
        if let (true, Some(l)) = (r.ok, r.latency_ms) {
            a.2 += 1;
            a.3 += l;
        }
    }
    by_vantage.sort_by(|a, b| a.0.cmp(&b.0));
    by_vantage
        .into_iter()
        .map(|(vantage, acc)| VantageSeries {
            vantage,
            buckets: acc
                .iter()
                .enumerate()
                .map(|(i, a)| ProbeBucket {
                    start: start.plus_millis(i as i64 * bucket_ms),
                    latency_ms: (a.2 > 0).then(|| a.3 / a.2 as f64),
                    availability: (a.0 > 0).then(|| 1.0 - a.1 as f64 / a.0 as f64),
                })
                .collect(),
        })
        .collect()
}

/// Counted reports per chart bucket with the expected band.
///
/// The band shown is a display estimate from stored history, not the detector itself:
/// the expectation of a bucket is the mean count of the same time of day over the
/// previous [`BAND_HISTORY_DAYS`] days (or, with less than a day of history, the mean
/// bucket of whatever history precedes the window); the upper edge is
/// `expected + 3·√expected + 1`, a Poisson-style three-sigma range.
pub fn report_buckets(
    minutes: &[vigie_store::ReportMinute],
    start: Timestamp,
    now: Timestamp,
    bucket_ms: i64,
) -> Vec<ReportBucket> {
    let n = (now.millis_since(start) / bucket_ms).max(1) as usize;
    let per_day = (DAY_MS / bucket_ms) as usize;
    let history_start = start.plus_millis(-BAND_HISTORY_DAYS * DAY_MS);
    let mut counts = vec![0u64; n];
    let mut by_time_of_day = vec![0u64; per_day];
    let mut first_history: Option<Timestamp> = None;
    let mut history_total = 0u64;
    for m in minutes {
        if m.minute >= start {
            let i = (m.minute.millis_since(start) / bucket_ms) as usize;
            if let Some(c) = counts.get_mut(i) {
                *c += m.counted;
            }
        } else if m.minute >= history_start {
            first_history = Some(first_history.map_or(m.minute, |f| f.min(m.minute)));
            history_total += m.counted;
            let slot = (m.minute.as_millis().rem_euclid(DAY_MS) / bucket_ms) as usize;
            if let Some(c) = by_time_of_day.get_mut(slot) {
                *c += m.counted;
            }
        }
    }
    let history_ms = first_history.map_or(0, |f| start.millis_since(f));
    let full_days = history_ms / DAY_MS;
    let flat = if history_ms > 0 {
        history_total as f64 / (history_ms as f64 / bucket_ms as f64).max(1.0)
    } else {
        0.0
    };
    (0..n)
        .map(|i| {
            let bucket_start = start.plus_millis(i as i64 * bucket_ms);
            let expected = if full_days >= 1 {
                let slot = (bucket_start.as_millis().rem_euclid(DAY_MS) / bucket_ms) as usize;
                by_time_of_day.get(slot).copied().unwrap_or(0) as f64 / full_days as f64
            } else {
                flat
            };
            ReportBucket {
                start: bucket_start,
                count: counts[i].min(u32::MAX as u64) as u32,
                expected,
                upper: expected + 3.0 * expected.sqrt() + 1.0,
            }
        })
        .collect()
}

/// The engine's per-minute series folded into chart buckets. Counts and expectations add
/// up; the upper edge is the summed expectation plus the per-minute margins combined as
/// independent deviations (root of the sum of squares).
pub fn engine_report_buckets(
    points: &[vigie_core::engine::ReportPoint],
    start: Timestamp,
    now: Timestamp,
    bucket_ms: i64,
) -> Vec<ReportBucket> {
    let n = (now.millis_since(start) / bucket_ms).max(1) as usize;
    let mut acc = vec![(0u64, 0.0f64, 0.0f64, false); n];
    for p in points {
        let i = p.minute.millis_since(start) / bucket_ms;
        if i < 0 || i as usize >= n {
            continue;
        }
        let a = &mut acc[i as usize];
        a.0 += u64::from(p.distinct);
        a.1 += p.expected.max(0.0);
        a.2 += (p.upper - p.expected).max(0.0).powi(2);
        a.3 = true;
    }
    acc.iter()
        .enumerate()
        .map(|(i, a)| ReportBucket {
            start: start.plus_millis(i as i64 * bucket_ms),
            count: a.0.min(u64::from(u32::MAX)) as u32,
            expected: a.1,
            upper: a.1 + a.2.sqrt(),
        })
        .collect()
}

async fn service_view(
    state: &AppState,
    id: &str,
    query: &PageQuery,
    client: Option<ClientNetwork>,
) -> Result<ServiceView, ApiError> {
    let info = state
        .directory()
        .service(id)
        .cloned()
        .ok_or_else(|| ApiError::NotFound(format!("service {id:?}")))?;
    let now = state.now();
    let day_start = Timestamp::from_millis(now.as_millis() - DAY_MS).minute_floor();
    let day_start = day_start.plus_millis(-(day_start.as_millis().rem_euclid(CHART_BUCKET_MS)));
    let start = day_start;
    let live = state.snapshot().service(id);
    let sid = id.to_string();
    let data = state
        .read_store(move |store| {
            let history = store.probe_history(&sid, None, start, now.plus_millis(1))?;
            let raw = store.probe_results(&ProbeQuery {
                service: sid.clone(),
                check: None,
                vantage: None,
                from: start,
                to: now.plus_millis(1),
                limit: vigie_store::MAX_QUERY_ROWS,
            })?;
            let last = store.last_probe_results(Some(&sid))?;
            let transitions = store.recent_transitions(&sid, LIST_LIMIT)?;
            let incidents = store.list_incidents(&IncidentFilter {
                service: Some(sid.clone()),
                limit: LIST_LIMIT,
                ..IncidentFilter::default()
            })?;
            let reports = store.report_minutes(
                &sid,
                start.plus_millis(-BAND_HISTORY_DAYS * DAY_MS),
                now.plus_millis(1),
            )?;
            let breakdown = store.report_breakdown(&sid, start, now.plus_millis(1))?;
            let edges = store.dependencies(Some(&sid))?;
            let recent = store.reports(
                &sid,
                now.plus_millis(-NOTES_WINDOW_MS),
                now.plus_millis(1),
                vigie_store::MAX_QUERY_ROWS,
            )?;
            let notes: Vec<NoteRow> = recent
                .into_iter()
                .rev()
                .filter_map(|r| {
                    let note = r.report.note.filter(|n| !n.trim().is_empty())?;
                    Some(NoteRow {
                        at: r.report.at,
                        kind: r.report.kind,
                        region: r.report.region,
                        note,
                    })
                })
                .take(NOTES_SHOWN)
                .collect();
            let stored_total = store.report_total(&sid)?;
            Ok((
                history,
                raw,
                last,
                transitions,
                incidents,
                reports,
                breakdown,
                edges,
                notes,
                stored_total,
            ))
        })
        .await?;
    let (
        history,
        raw,
        last,
        transitions,
        incidents,
        reports,
        breakdown,
        edges,
        notes,
        stored_total,
    ) = data;
    let minutes = (now.millis_since(start) / MINUTE_MS + 1).clamp(1, 2 * 1440) as u32;
    let engine_points = state.report_series(id, now, minutes).await;
    // The oldest data of the window decides how wide the charts are.
    let first_data = [
        history.first().map(|m| m.minute),
        raw.first().map(|r| r.at),
        reports
            .iter()
            .find(|m| m.minute >= day_start)
            .map(|m| m.minute),
        engine_points
            .as_ref()
            .and_then(|p| p.iter().find(|p| p.distinct > 0).map(|p| p.minute)),
    ]
    .into_iter()
    .flatten()
    .min();
    let start = window_start(day_start, first_data, now);
    let bucket_ms = bucket_for(now.millis_since(start));
    let report_chart = match &engine_points {
        Some(points) => engine_report_buckets(points, start, now, bucket_ms),
        None => report_buckets(&reports, start, now, bucket_ms),
    };
    let live_map = live_states(state);
    let mut checks: Vec<CheckRow> = last
        .iter()
        .map(|r| {
            let spec = info.checks.iter().find(|c| c.id == r.check);
            CheckRow {
                check: r.check.clone(),
                kind: spec.map(|c| c.kind.to_string()).unwrap_or_default(),
                target: spec.map(|c| c.target.clone()).unwrap_or_default(),
                vantage: r.vantage.clone(),
                at: Some(r.at),
                ok: Some(r.ok),
                latency_ms: r.latency_ms,
                error: r.error,
                detail: r.detail.clone().unwrap_or_default(),
            }
        })
        .collect();
    for c in &info.checks {
        if !checks.iter().any(|r| r.check == c.id) {
            checks.push(CheckRow {
                check: c.id.clone(),
                kind: c.kind.to_string(),
                target: c.target.clone(),
                vantage: String::new(),
                at: None,
                ok: None,
                latency_ms: None,
                error: None,
                detail: String::new(),
            });
        }
    }
    let graph = state.graph();
    let mut depends_on = Vec::new();
    if let Some(deps) = graph.dependencies(id) {
        for (target, confidence, direct) in deps.services.iter().filter(|d| d.2) {
            let _ = direct;
            depends_on.push(DependencyRow {
                target: target.clone(),
                target_name: service_name(state, target),
                is_service: true,
                confidence: *confidence,
                origin: edge_origin(&info, &edges, target),
                state: live_map.get(target).copied().unwrap_or_default(),
            });
        }
        let open_components: HashMap<String, SvcState> = state
            .snapshot()
            .open_incidents
            .iter()
            .filter(|i| i.scope == Scope::Component)
            .filter_map(|i| i.component.clone().map(|c| (c, SvcState::MajorOutage)))
            .collect();
        for (target, confidence, direct) in &deps.components {
            if !*direct
                || !graph
                    .component_ix(target)
                    .is_some_and(|c| graph.component(c).listed)
            {
                continue;
            }
            depends_on.push(DependencyRow {
                target: target.clone(),
                target_name: component_name(state, target),
                is_service: false,
                confidence: *confidence,
                origin: edge_origin(&info, &edges, target),
                state: open_components
                    .get(target)
                    .copied()
                    .unwrap_or(SvcState::Operational),
            });
        }
    }
    let top_kinds: Vec<(ReportKind, u32)> = breakdown
        .by_kind
        .iter()
        .map(|(k, n)| (*k, (*n).min(u32::MAX as u64) as u32))
        .collect();
    let top_regions: Vec<(String, u32)> = breakdown
        .by_region
        .iter()
        .take(10)
        .map(|(r, n)| (r.clone(), (*n).min(u32::MAX as u64) as u32))
        .collect();
    let csrf_token = client.map(|c| state.csrf_token(&c, id)).unwrap_or_default();
    Ok(ServiceView {
        now,
        id: info.id.clone(),
        name: info.name.clone(),
        state: live.state,
        since: live.since,
        cause: live.cause.clone(),
        window_start: start,
        probes: probe_buckets(&history, start, now, bucket_ms),
        vantages: vantage_series(&raw, start, now, bucket_ms),
        reports: report_chart,
        reports_total: state.reports_total(id).max(stored_total),
        top_kinds,
        top_regions,
        notes,
        transitions: transitions
            .into_iter()
            .map(|t| TransitionRow {
                at: t.at,
                from: t.previous,
                to: t.state,
                cause: t.cause,
            })
            .collect(),
        checks,
        incidents: incidents
            .iter()
            .map(|r| summarize(state, r, &live_map))
            .collect(),
        depends_on,
        csrf_token,
        flash: query.report.as_deref().and_then(ReportFlash::parse),
    })
}

fn edge_origin(
    info: &crate::state::ServiceInfo,
    edges: &[vigie_store::DependencyEdge],
    target: &str,
) -> vigie_core::DependencyOrigin {
    if let Some(d) = info.depends_on.iter().find(|d| d.target == target) {
        return d.origin;
    }
    edges
        .iter()
        .filter(|e| e.target == target)
        .max_by(|a, b| a.confidence.total_cmp(&b.confidence))
        .map(|e| e.origin)
        .unwrap_or_default()
}

/// `GET /c/{*component}`.
pub async fn component(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, remember) = language(&query, &headers);
    let path = format!("/c/{id}");
    let view = component_view(&state, &id).await;
    page(
        &state,
        lang,
        remember,
        &path,
        view,
        pages::component::render,
    )
}

async fn component_view(state: &AppState, id: &str) -> Result<ComponentView, ApiError> {
    let graph = state.graph();
    let known = state.directory().component(id).is_some() || graph.component_ix(id).is_some();
    if !known {
        return Err(ApiError::NotFound(format!("component {id:?}")));
    }
    let kind = state
        .directory()
        .component(id)
        .map(|c| c.kind)
        .or_else(|| graph.component_ix(id).map(|c| graph.component(c).kind))
        .unwrap_or_default();
    let live = live_states(state);
    let mut dependents = Vec::new();
    if let Some(blast) = graph.blast_radius(id) {
        for (direct, list) in [(true, &blast.direct), (false, &blast.transitive)] {
            for (sid, confidence) in list {
                let info = state.directory().service(sid);
                let origin = info
                    .and_then(|i| {
                        i.depends_on
                            .iter()
                            .find(|d| d.target == id || d.target.starts_with(&format!("{id}/")))
                    })
                    .map(|d| d.origin)
                    .unwrap_or_default();
                dependents.push(DependentRow {
                    id: sid.clone(),
                    name: service_name(state, sid),
                    state: live.get(sid).copied().unwrap_or_default(),
                    direct,
                    confidence: *confidence,
                    origin,
                });
            }
        }
    }
    let ancestors: Vec<(String, String)> = {
        let mut a: Vec<(String, String)> = vigie_core::component_ancestors(id)
            .skip(1)
            .map(|c| (c.to_string(), component_name(state, c)))
            .collect();
        a.reverse();
        a
    };
    let children = graph
        .component_ix(id)
        .map(|c| {
            graph
                .children(c)
                .iter()
                .map(|ch| {
                    let cid = graph.component(*ch).id.clone();
                    let name = component_name(state, &cid);
                    (cid, name)
                })
                .collect()
        })
        .unwrap_or_default();
    let cid = id.to_string();
    let records = state
        .read_store(move |store| {
            store
                .list_incidents(&IncidentFilter {
                    scope: Some(Scope::Component),
                    limit: 500,
                    ..IncidentFilter::default()
                })
                .map(|v| {
                    v.into_iter()
                        .filter(|r| r.component.as_deref() == Some(cid.as_str()))
                        .take(LIST_LIMIT)
                        .collect::<Vec<_>>()
                })
        })
        .await?;
    let incidents: Vec<IncidentSummary> =
        records.iter().map(|r| summarize(state, r, &live)).collect();
    let verdict = incidents
        .iter()
        .filter(|i| i.is_open())
        .map(|i| i.severity)
        .max_by_key(|s| s.severity())
        .unwrap_or(SvcState::Operational);
    Ok(ComponentView {
        now: state.now(),
        id: id.to_string(),
        name: component_name(state, id),
        kind,
        ancestors,
        children,
        state: verdict,
        official: official_row(state, id),
        dependents,
        incidents,
    })
}

/// The last official status of a component, from the engine's snapshot.
fn official_row(state: &AppState, component: &str) -> Option<OfficialRow> {
    state
        .snapshot()
        .official
        .get(component)
        .map(|o| OfficialRow {
            source: o.source.clone(),
            status: o.status,
            at: o.at,
        })
}

/// `GET /incidents/{id}`.
pub async fn incident(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, remember) = language(&query, &headers);
    let path = format!("/incidents/{id}");
    let view = incident_view(&state, &id).await;
    page(&state, lang, remember, &path, view, pages::incident::render)
}

async fn incident_view(state: &AppState, id: &str) -> Result<IncidentView, ApiError> {
    let Ok(n) = id.parse::<u64>() else {
        return Err(ApiError::NotFound(format!("incident {id:?}")));
    };
    let (detail, children) = state
        .read_store(move |store| {
            let detail = store.incident(n)?;
            let children: Vec<u64> = match &detail {
                Some(d) if d.incident.scope == Scope::Component => store
                    .list_incidents(&IncidentFilter {
                        scope: Some(Scope::Service),
                        since: Some(d.incident.opened_at),
                        limit: 1000,
                        ..IncidentFilter::default()
                    })?
                    .into_iter()
                    .filter(|r| r.parent == Some(n))
                    .map(|r| r.id)
                    .collect(),
                _ => Vec::new(),
            };
            Ok((detail, children))
        })
        .await?;
    let detail = detail.ok_or_else(|| ApiError::NotFound(format!("incident {n}")))?;
    let live = live_states(state);
    let snap = state.snapshot();
    let summary = summarize(state, &detail.incident, &live);
    let affected: Vec<String> = if detail.incident.services.is_empty() {
        vec![summary.subject.clone()]
    } else {
        detail.incident.services.clone()
    };
    let services = affected
        .iter()
        .map(|s| {
            let l = snap.service(s);
            ServiceRow {
                id: s.clone(),
                name: service_name(state, s),
                state: l.state,
                since: l.since,
                incident: l.incident,
            }
        })
        .collect();
    Ok(IncidentView {
        now: state.now(),
        summary,
        services,
        children,
        timeline: detail
            .timeline
            .iter()
            .map(|e| TimelineEntry {
                at: e.at,
                kind: timeline_kind(e.kind),
                text: e.text.clone(),
            })
            .collect(),
        official: match detail.incident.scope {
            Scope::Component => detail
                .incident
                .component
                .as_deref()
                .and_then(|c| official_row(state, c)),
            Scope::Service => None,
        },
    })
}

// ---------------------------------------------------------------------------------------
// Badge, feed, Statuspage
// ---------------------------------------------------------------------------------------

/// `GET /badge/{service}.svg`.
pub async fn badge_svg(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let (lang, _) = language(&query, &headers);
    let Some(id) = file.strip_suffix(".svg") else {
        return (StatusCode::NOT_FOUND, "badges end in .svg").into_response();
    };
    let Some(info) = state.directory().service(id) else {
        return (StatusCode::NOT_FOUND, "no such service").into_response();
    };
    let live = state.snapshot().service(id);
    let svg = badge::render(&info.name, live.state, &lang.messages());
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache, max-age=0"),
            (header::CONTENT_LANGUAGE, lang.tag()),
        ],
        svg,
    )
        .into_response()
}

/// `http://host[:port]` from the Host header, when it looks like a host name; used for the
/// absolute links of the feed and the Statuspage documents.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// Incidents (newest first) with their timelines, for the feed and Statuspage documents.
async fn incidents_with_timelines(
    state: &AppState,
    open_only: bool,
    limit: usize,
) -> Result<Vec<(IncidentSummary, Vec<TimelineEntry>)>, ApiError> {
    let details = state
        .read_store(move |store| {
            let list = store.list_incidents(&IncidentFilter {
                open_only,
                limit,
                ..IncidentFilter::default()
            })?;
            let mut out = Vec::with_capacity(list.len());
            for rec in list {
                let timeline = store
                    .incident(rec.id)?
                    .map(|d| d.timeline)
                    .unwrap_or_default();
                out.push((rec, timeline));
            }
            Ok(out)
        })
        .await?;
    let live = live_states(state);
    Ok(details
        .iter()
        .map(|(rec, tl)| {
            (
                summarize(state, rec, &live),
                tl.iter()
                    .map(|e| TimelineEntry {
                        at: e.at,
                        kind: timeline_kind(e.kind),
                        text: e.text.clone(),
                    })
                    .collect(),
            )
        })
        .collect())
}

/// `GET /feed.atom`.
pub async fn feed(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (lang, _) = language(&query, &headers);
    let incidents = incidents_with_timelines(&state, false, statuspage::INCIDENTS_LIMIT).await?;
    let entries: Vec<atom::FeedEntry> = incidents
        .into_iter()
        .map(|(inc, tl)| {
            let updated = tl
                .iter()
                .map(|e| e.at)
                .chain(inc.resolved_at)
                .chain(std::iter::once(inc.opened_at))
                .max()
                .unwrap_or(inc.opened_at);
            atom::FeedEntry {
                incident: inc,
                updated,
            }
        })
        .collect();
    let xml = atom::render(&base_url(&headers), &entries, state.now(), &lang.messages());
    Ok((
        [
            (header::CONTENT_TYPE, "application/atom+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        xml,
    )
        .into_response())
}

fn json_ok<T: serde::Serialize>(value: T) -> Response {
    let mut resp = Json(value).into_response();
    resp.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

/// `GET /api/v2/summary.json`.
pub async fn statuspage_summary(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let incidents = incidents_with_timelines(&state, true, statuspage::INCIDENTS_LIMIT).await?;
    let services = service_rows(&state);
    let base = base_url(&headers);
    let input = statuspage::Input {
        page_name: "vigie",
        base_url: &base,
        now: state.now(),
        services: &services,
        incidents: &incidents,
    };
    Ok(json_ok(statuspage::summary(&input)))
}

/// `GET /api/v2/components.json`.
pub async fn statuspage_components(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let services = service_rows(&state);
    let base = base_url(&headers);
    let input = statuspage::Input {
        page_name: "vigie",
        base_url: &base,
        now: state.now(),
        services: &services,
        incidents: &[],
    };
    Ok(json_ok(statuspage::components_doc(&input)))
}

/// `GET /api/v2/incidents.json`.
pub async fn statuspage_incidents(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let incidents = incidents_with_timelines(&state, false, statuspage::INCIDENTS_LIMIT).await?;
    let services = service_rows(&state);
    let base = base_url(&headers);
    let input = statuspage::Input {
        page_name: "vigie",
        base_url: &base,
        now: state.now(),
        services: &services,
        incidents: &incidents,
    };
    Ok(json_ok(statuspage::incidents_doc(&input)))
}

/// `GET /assets/{name}`.
pub async fn asset(Path(name): Path<String>) -> Response {
    match assets::get(&name) {
        Some((content_type, body)) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(min: i64) -> Timestamp {
        Timestamp::from_millis(1_700_000_100_000 + min * MINUTE_MS)
    }

    #[test]
    fn chart_window_shrinks_to_young_history_but_not_below_an_hour() {
        let now = t(24 * 60);
        let day = t(0);
        // A day of history: the full day.
        assert_eq!(
            window_start(day, Some(t(1)), now),
            day.plus_millis(-day.as_millis().rem_euclid(CHART_BUCKET_MS))
        );
        // Three hours of history: from ten minutes before it.
        let w = window_start(day, Some(t(21 * 60)), now);
        assert!(w <= t(21 * 60 - 10) && w > t(21 * 60 - 15), "{w}");
        // Five minutes of history, or none: the last hour.
        assert!(window_start(day, Some(t(24 * 60 - 5)), now) <= now.plus_millis(-MIN_WINDOW_MS));
        assert!(window_start(day, None, now) <= now.plus_millis(-MIN_WINDOW_MS));
        assert_eq!(bucket_for(3 * 60 * MINUTE_MS), MINUTE_MS);
        assert_eq!(bucket_for(DAY_MS), CHART_BUCKET_MS);
    }

    #[test]
    fn engine_points_fold_into_buckets() {
        let points: Vec<_> = (0..10)
            .map(|i| vigie_core::engine::ReportPoint {
                minute: t(i),
                distinct: 2,
                by_kind: Default::default(),
                expected: 1.0,
                upper: 4.0,
            })
            .collect();
        let b = engine_report_buckets(&points, t(0), t(10), 5 * MINUTE_MS);
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].count, 10);
        assert!((b[0].expected - 5.0).abs() < 1e-9);
        // 5 + sqrt(5 × 3²)
        assert!((b[0].upper - (5.0 + 45f64.sqrt())).abs() < 1e-9);
    }
}

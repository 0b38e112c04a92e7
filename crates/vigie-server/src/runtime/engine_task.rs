//! The engine task: the only owner of the [`Engine`]. It ingests signals as they arrive,
//! ticks once per second with the wall clock, turns outputs into stored transitions and
//! incidents (written in order by a writer task), broadcasts them, and publishes a fresh
//! [`Snapshot`] for the handlers.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};
use vigie_core::engine::{Engine, EngineParams};
use vigie_core::replay::DEFAULT_CADENCE_MS;
use vigie_core::time::DAY_MS;
use vigie_core::{IncidentId, IncidentIds, Output, Scope, State, Timestamp};
use vigie_store::{IncidentFilter, IncidentRecord, StateTransition, TimelineEntry, TimelineKind};

use super::EngineMsg;
use crate::error::ServerError;
use crate::state::{AppState, ServiceLive, Snapshot};

/// Builds the engine over the configured topology, with check thresholds from the config and
/// incident ids after the store's. Incidents a previous run left open are closed with a note
/// (the new engine starts without them and reopens any that persist). Blocking.
pub(super) fn build_engine(state: &AppState) -> Result<Engine, ServerError> {
    let store = state.store();
    let store_err = |e: vigie_store::StoreError| ServerError::Store(e.to_string());
    let next_id = store.max_incident_id().map_err(store_err)? + 1;
    // The engine's topology: declared edges plus those discovered by earlier runs.
    let mut topology = state.directory().topology();
    for (service, dependency) in super::discovery::discovered_edges(state).map_err(store_err)? {
        if let Some(spec) = topology.services.iter_mut().find(|s| s.id == service) {
            if !spec
                .depends_on
                .iter()
                .any(|d| d.target == dependency.target)
            {
                spec.depends_on.push(dependency);
            }
        }
    }
    let mut engine = Engine::new(topology, EngineParams::documented())
        .with_incident_ids(IncidentIds::starting_at(next_id));
    for (service, check) in state.config().checks() {
        if let Err(e) = engine.set_check_policy(
            service,
            &check.id,
            check.failure_threshold,
            check.recovery_threshold,
        ) {
            tracing::warn!(error = %e, "check policy");
        }
    }
    let now = state.now();
    restore_report_history(&mut engine, state, now).map_err(store_err)?;
    let stale = store
        .list_incidents(&IncidentFilter {
            open_only: true,
            limit: 10_000,
            ..IncidentFilter::default()
        })
        .map_err(store_err)?;
    for mut incident in stale {
        incident.resolved_at = Some(now);
        store.upsert_incident(&incident).map_err(store_err)?;
        store
            .append_timeline(
                incident.id,
                &[TimelineEntry {
                    at: now,
                    kind: TimelineKind::Resolved,
                    text: "closed at restart; a new incident opens if the problem persists".into(),
                }],
            )
            .map_err(store_err)?;
    }
    Ok(engine)
}

/// Gives every service's report detector back the per-minute counts of distinct reporters
/// it learnt before the restart, so surges are judged against the service's real baseline at
/// once instead of after a new warm-up on the prior.
fn restore_report_history(
    engine: &mut Engine,
    state: &AppState,
    now: Timestamp,
) -> Result<(), vigie_store::StoreError> {
    let store = state.store();
    // As far back as the detector remembers (`DetectParams::bin_memory_days`, 7 days):
    // older minutes would change nothing.
    let memory_ms = engine.params().detect.bin_memory_days * DAY_MS as f64;
    let from = now.plus_millis(-(memory_ms as i64));
    let services: Vec<String> = engine
        .topology()
        .services
        .iter()
        .map(|s| s.id.clone())
        .collect();
    let (mut restored, mut minutes_used) = (0usize, 0usize);
    for service in services {
        let minutes: Vec<(Timestamp, u32)> = store
            .report_minutes(&service, from, now)?
            .into_iter()
            .filter(|m| m.counted > 0)
            .map(|m| (m.minute, u32::try_from(m.counted).unwrap_or(u32::MAX)))
            .collect();
        if minutes.is_empty() {
            continue;
        }
        match engine.restore_report_minutes(&service, now, &minutes) {
            Ok(used) => {
                restored += 1;
                minutes_used += used;
            }
            Err(e) => tracing::warn!(error = %e, "restoring report history"),
        }
    }
    if restored > 0 {
        tracing::info!(
            services = restored,
            minutes = minutes_used,
            "report baselines restored from the store"
        );
    }
    Ok(())
}

/// Writes to the store, in output order.
#[derive(Default)]
struct OutputWrites {
    transitions: Vec<StateTransition>,
    incidents: Vec<(IncidentRecord, Vec<TimelineEntry>)>,
}

impl OutputWrites {
    fn is_empty(&self) -> bool {
        self.transitions.is_empty() && self.incidents.is_empty()
    }
}

fn state_words(state: State) -> &'static str {
    match state {
        State::Operational => "operational",
        State::Degraded => "degraded",
        State::MajorOutage => "major outage",
        State::Unknown => "unknown",
    }
}

struct Books {
    open: HashMap<IncidentId, IncidentRecord>,
}

impl Books {
    /// Folds one output into the open incidents and the pending writes.
    fn apply(
        &mut self,
        engine: &Engine,
        state: &AppState,
        output: &Output,
        writes: &mut OutputWrites,
    ) {
        match output {
            Output::ServiceState {
                at,
                service,
                state: new,
                previous,
                cause,
            } => writes.transitions.push(StateTransition {
                service: service.clone(),
                at: *at,
                state: *new,
                previous: *previous,
                cause: cause.clone(),
            }),
            Output::IncidentOpened {
                at,
                incident,
                scope,
                service,
                component,
                confidence,
                services,
                parent,
                explanation,
            } => {
                let engine_view = engine.incident(*incident);
                let first_signal = engine_view.map_or(*at, |i| i.first_signal.min(*at));
                let affected = services
                    .clone()
                    .or_else(|| service.clone().map(|s| vec![s]))
                    .unwrap_or_default();
                let title = match (scope, service, component) {
                    (Scope::Service, Some(s), _) => {
                        let name = state
                            .directory()
                            .service(s)
                            .map_or(s.as_str(), |i| i.name.as_str());
                        let worst = engine_view.map_or(State::Degraded, |i| i.peak_state);
                        format!("{name}: {}", state_words(worst))
                    }
                    (_, _, Some(c)) => format!("{c}: {} services impaired", affected.len()),
                    _ => format!("incident {incident}"),
                };
                let record = IncidentRecord {
                    id: *incident,
                    scope: *scope,
                    service: service.clone(),
                    component: component.clone(),
                    title,
                    opened_at: first_signal,
                    detected_at: *at,
                    peak_at: engine_view.map(|i| i.peak_at),
                    resolved_at: None,
                    confidence: *confidence,
                    services: affected,
                    parent: *parent,
                    explanation: explanation.clone(),
                };
                let mut timeline = Vec::new();
                if first_signal < *at {
                    timeline.push(TimelineEntry {
                        at: first_signal,
                        kind: TimelineKind::FirstSignal,
                        text: "first signal".into(),
                    });
                }
                let detected_text = explanation
                    .clone()
                    .or_else(|| engine_view.map(|i| i.cause.clone()))
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| "incident detected".into());
                timeline.push(TimelineEntry {
                    at: *at,
                    kind: TimelineKind::Detected,
                    text: detected_text,
                });
                self.open.insert(*incident, record.clone());
                writes.incidents.push((record, timeline));
            }
            Output::IncidentUpdated {
                at,
                incident,
                component,
                confidence,
                services,
                parent,
                explanation,
            } => {
                let Some(record) = self.open.get_mut(incident) else {
                    return;
                };
                let mut changes = Vec::new();
                if let Some(c) = component {
                    record.component = Some(c.clone());
                    changes.push(format!("cause: {c}"));
                }
                if let Some(c) = confidence {
                    record.confidence = Some(*c);
                    changes.push(format!("confidence {:.0}%", c * 100.0));
                }
                if let Some(s) = services {
                    record.services = s.clone();
                    changes.push(format!("{} services affected", s.len()));
                }
                if let Some(p) = parent {
                    record.parent = Some(*p);
                    changes.push(format!("explained by incident {p}"));
                }
                if let Some(e) = explanation {
                    record.explanation = Some(e.clone());
                    changes.push(e.clone());
                }
                if let Some(view) = engine.incident(*incident) {
                    record.peak_at = Some(view.peak_at);
                }
                let timeline = vec![TimelineEntry {
                    at: *at,
                    kind: TimelineKind::Update,
                    text: if changes.is_empty() {
                        "updated".into()
                    } else {
                        changes.join("; ")
                    },
                }];
                writes.incidents.push((record.clone(), timeline));
            }
            Output::IncidentResolved { at, incident } => {
                let Some(mut record) = self.open.remove(incident) else {
                    return;
                };
                record.resolved_at = Some(*at);
                if let Some(view) = engine.incident(*incident) {
                    record.peak_at = Some(view.peak_at);
                }
                let timeline = vec![TimelineEntry {
                    at: *at,
                    kind: TimelineKind::Resolved,
                    text: "resolved".into(),
                }];
                writes.incidents.push((record, timeline));
            }
        }
    }

    fn snapshot(&self, engine: &Engine, now: Timestamp) -> Snapshot {
        let services = engine
            .services()
            .map(|v| {
                let since =
                    (v.state != State::Unknown || v.since.as_millis() > 0).then_some(v.since);
                (
                    v.id.to_string(),
                    ServiceLive {
                        state: v.state,
                        since,
                        cause: v.cause.to_string(),
                        incident: v.incident.filter(|i| i.is_open()).map(|i| i.id),
                    },
                )
            })
            .collect();
        let mut open_incidents: Vec<IncidentRecord> = self.open.values().cloned().collect();
        open_incidents.sort_by(|a, b| b.opened_at.cmp(&a.opened_at).then(b.id.cmp(&a.id)));
        let official = engine
            .topology()
            .components
            .iter()
            .filter_map(|c| {
                engine
                    .component_official(&c.id)
                    .map(|o| (c.id.clone(), o.clone()))
            })
            .collect();
        Snapshot {
            at: now,
            services,
            open_incidents,
            official,
        }
    }
}

/// Writes outputs in order; one blocking store transaction per kind per batch.
async fn output_writer(mut rx: mpsc::UnboundedReceiver<OutputWrites>, state: AppState) {
    while let Some(writes) = rx.recv().await {
        let metrics_state = state.clone();
        let result = state
            .read_store(move |store| {
                let started = Instant::now();
                store.append_transitions(&writes.transitions)?;
                for (record, timeline) in &writes.incidents {
                    store.upsert_incident(record)?;
                    if !timeline.is_empty() {
                        store.append_timeline(record.id, timeline)?;
                    }
                }
                metrics_state
                    .metrics()
                    .output_commit
                    .observe(started.elapsed());
                Ok(())
            })
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "storing engine outputs failed");
        }
    }
}

pub(super) async fn run(
    mut engine: Engine,
    mut rx: mpsc::Receiver<EngineMsg>,
    state: AppState,
    mut stop: watch::Receiver<bool>,
) {
    let (write_tx, write_rx) = mpsc::unbounded_channel();
    let writer = tokio::spawn(output_writer(write_rx, state.clone()));
    let mut books = Books {
        open: HashMap::new(),
    };
    // The cadence replays tick at too, so `vigie replay` dates conclusions as this loop does.
    let cadence = Duration::from_millis(DEFAULT_CADENCE_MS.unsigned_abs());
    let mut ticker = tokio::time::interval(cadence);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            msg = rx.recv() => {
                let Some(msg) = msg else { break };
                handle(&mut engine, msg);
                // Drain what else is queued before looking at the clock again.
                while let Ok(msg) = rx.try_recv() {
                    handle(&mut engine, msg);
                }
            }
            _ = ticker.tick() => {
                let now = state.now();
                let started = Instant::now();
                let outputs = engine.tick(now);
                state.metrics().engine_tick.observe(started.elapsed());
                let mut writes = OutputWrites::default();
                for output in &outputs {
                    books.apply(&engine, &state, output, &mut writes);
                }
                state.publish_snapshot(books.snapshot(&engine, now));
                for output in outputs {
                    state.broadcast(output);
                }
                if !writes.is_empty() && write_tx.send(writes).is_err() {
                    tracing::error!("output writer stopped");
                }
            }
            _ = stop.changed() => break,
        }
    }
    drop(write_tx);
    let _ = writer.await;
}

fn handle(engine: &mut Engine, msg: EngineMsg) {
    match msg {
        EngineMsg::Signal(signal) => {
            engine.ingest(signal);
        }
        EngineMsg::Signals(signals) => {
            for signal in signals {
                engine.ingest(signal);
            }
        }
        EngineMsg::ReportSeries {
            service,
            end,
            minutes,
            reply,
        } => {
            let _ = reply.send(engine.report_series(&service, end, minutes));
        }
    }
}

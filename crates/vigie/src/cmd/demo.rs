//! `vigie demo`: the server on a temporary data directory, fed by a replayed scenario in
//! accelerated time instead of live probes, so a newcomer watches an outage unfold on the
//! status page within a minute.
//!
//! The built-in scenario (generated here, deterministic) is a CDN outage hitting about thirty
//! services, with an unrelated failure of one service at the same time and a surge of
//! reports about a service that is not down (people blaming the wrong thing). Any scenario
//! file (SCENARIO.md format) can be replayed instead with `--scenario`.
//!
//! How it runs: the server's clock is simulated — `scenario start + elapsed × speed` — so its
//! engine task ticks in scenario time; this module reads the scenario, waits until the
//! simulated clock reaches each signal, and hands it to the engine. Probe results and
//! reports are also written to the store, so the pages' charts and breakdowns have data.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use vigie_config::{
    AdminConfig, Config, ProbesConfig, ReportsConfig, ServerConfig, ServiceConfig, StorageConfig,
};
use vigie_core::scenario::ScenarioReader;
use vigie_core::time::MINUTE_MS;
use vigie_core::{Output, Scope, Signal, Timestamp};
use vigie_server::runtime::{ServeOptions, Server};
use vigie_store::{NewReport, ProbeRecord, Store};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to serve the pages and API on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Simulated seconds per real second.
    #[arg(long, default_value_t = 60.0)]
    pub speed: f64,
    /// Replay this scenario file (SCENARIO.md format) instead of the built-in one.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Keep the data in this directory instead of a temporary one removed at exit.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Stop this many real seconds after the replay ends (default: serve until Ctrl-C).
    #[arg(long)]
    pub exit_after: Option<f64>,
}

/// Largest accepted speed-up; beyond it the engine's one-second ticks would each cover
/// more than an hour of scenario.
const MAX_SPEED: f64 = 3600.0;

pub fn run(args: Args) -> anyhow::Result<std::process::ExitCode> {
    if !(args.speed.is_finite() && args.speed > 0.0 && args.speed <= MAX_SPEED) {
        anyhow::bail!(
            "--speed must be a number in (0, {MAX_SPEED}], got {}",
            args.speed
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(run_async(args))?;
    Ok(std::process::ExitCode::SUCCESS)
}

/// Wall-clock now as a [`Timestamp`].
fn wall_now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    Timestamp::from_millis(ms)
}

/// The scenario's clock: `sim_start + elapsed × speed`.
#[derive(Clone, Copy, Debug)]
struct SimClock {
    real_start: Instant,
    sim_start: Timestamp,
    speed: f64,
}

impl SimClock {
    fn now(&self) -> Timestamp {
        let elapsed = self.real_start.elapsed().as_secs_f64() * 1000.0 * self.speed;
        self.sim_start.plus_millis(elapsed as i64)
    }

    /// Real time until the simulated clock reaches `at` (zero when already past).
    fn until(&self, at: Timestamp) -> Duration {
        let ahead = at.millis_since(self.now());
        if ahead <= 0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(ahead as f64 / 1000.0 / self.speed)
        }
    }
}

fn shift(signal: Signal, offset: i64) -> Signal {
    match signal {
        Signal::Report(mut r) => {
            r.at = r.at.plus_millis(offset);
            Signal::Report(r)
        }
        Signal::Reports(mut r) => {
            r.at = r.at.plus_millis(offset);
            Signal::Reports(r)
        }
        Signal::Probe(mut p) => {
            p.at = p.at.plus_millis(offset);
            Signal::Probe(p)
        }
        Signal::Official(mut o) => {
            o.at = o.at.plus_millis(offset);
            Signal::Official(o)
        }
    }
}

/// A server configuration for the scenario's topology: its services (without checks, so no
/// live probe runs) and components.
fn config_for(header: &vigie_core::scenario::ScenarioHeader) -> Config {
    Config {
        source: format!("<demo scenario {}>", header.name),
        services: header
            .topology
            .services
            .iter()
            .map(|s| ServiceConfig {
                spec: s.clone(),
                tags: vec!["demo".to_string()],
                checks: Vec::new(),
            })
            .collect(),
        components: header.topology.components.clone(),
        server: ServerConfig::default(),
        storage: StorageConfig::default(),
        reports: ReportsConfig::default(),
        probes: ProbesConfig::default(),
        admin: AdminConfig::default(),
    }
}

/// What the store gets besides the engine, so the pages' charts have data.
#[derive(Default)]
struct StoreBatch {
    probes: Vec<ProbeRecord>,
    reports: Vec<NewReport>,
    next_reporter: u64,
}

/// Reports stored per batch event at most (the engine still gets the full count).
const MAX_STORED_REPORTS_PER_EVENT: u32 = 200;

impl StoreBatch {
    fn add(&mut self, signal: &Signal) {
        match signal {
            Signal::Probe(p) => self.probes.push(ProbeRecord {
                service: p.service.clone(),
                check: p.check.clone().unwrap_or_else(|| "http-0".to_string()),
                vantage: p.vantage.clone(),
                at: p.at,
                ok: p.ok,
                slow: p.slow,
                latency_ms: p.latency_ms,
                error: p.error,
                status: None,
                detail: None,
            }),
            Signal::Reports(r) => {
                let n = r.count.min(MAX_STORED_REPORTS_PER_EVENT);
                for i in 0..n {
                    self.next_reporter += 1;
                    self.reports.push(NewReport {
                        service: r.service.clone(),
                        // Spread the batch over its minute.
                        at: r
                            .at
                            .plus_millis(i64::from(i) * MINUTE_MS / i64::from(n.max(1))),
                        kind: r.kind.unwrap_or(vigie_core::ReportKind::Other),
                        region: r.region.clone(),
                        note: None,
                        reporter: format!("demo-{:08x}", self.next_reporter),
                        counted: true,
                    });
                }
            }
            Signal::Report(r) => {
                self.next_reporter += 1;
                self.reports.push(NewReport {
                    service: r.service.clone(),
                    at: r.at,
                    kind: r.kind.unwrap_or(vigie_core::ReportKind::Other),
                    region: r.region.clone(),
                    note: None,
                    reporter: r
                        .reporter
                        .clone()
                        .unwrap_or_else(|| format!("demo-{:08x}", self.next_reporter)),
                    counted: true,
                });
            }
            Signal::Official(_) => {}
        }
    }

    async fn flush(&mut self, store: &Arc<dyn Store>) {
        if self.probes.is_empty() && self.reports.is_empty() {
            return;
        }
        let probes = std::mem::take(&mut self.probes);
        let reports = std::mem::take(&mut self.reports);
        let store = store.clone();
        let result = tokio::task::spawn_blocking(move || {
            store.append_probe_results(&probes)?;
            store.append_reports(&reports)?;
            Ok::<_, vigie_store::StoreError>(())
        })
        .await;
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "demo: storing replayed signals failed"),
            Err(e) => tracing::warn!(error = %e, "demo: store task failed"),
        }
    }
}

async fn run_async(args: Args) -> anyhow::Result<()> {
    // The scenario, as a line reader over the built-in text or the file.
    let now = wall_now().minute_floor();
    let input: Box<dyn BufRead + Send> = match &args.scenario {
        Some(path) => Box::new(std::io::BufReader::new(
            std::fs::File::open(path)
                .with_context(|| format!("cannot open scenario {}", path.display()))?,
        )),
        None => Box::new(std::io::Cursor::new(builtin_scenario(now))),
    };
    let mut reader = ScenarioReader::new(input).map_err(|e| anyhow::anyhow!("scenario: {e}"))?;
    let header = reader.header().clone();
    let first = match reader.next() {
        Some(Ok(signal)) => Some(signal),
        Some(Err(e)) => anyhow::bail!("scenario: {e}"),
        None => None,
    };
    let start = header
        .start
        .or_else(|| first.as_ref().map(Signal::at))
        .unwrap_or(now);
    // Scenario times are moved so that the scenario starts now.
    let offset = now.millis_since(start);
    let end = header.end.map(|e| e.plus_millis(offset));

    let (data_dir, _temp) = match &args.data {
        Some(dir) => (dir.clone(), None),
        None => {
            let temp = tempfile::Builder::new()
                .prefix("vigie-demo-")
                .tempdir()
                .context("cannot create a temporary data directory")?;
            (temp.path().to_path_buf(), Some(temp))
        }
    };
    let clock = SimClock {
        real_start: Instant::now(),
        sim_start: now,
        speed: args.speed,
    };
    let options = ServeOptions {
        data_dir: data_dir.clone(),
        listen: args.listen,
        admin_token_env: None,
    };
    let sim_clock: vigie_server::state::Clock = Arc::new(move || clock.now());
    let server = Server::start_with_clock(config_for(&header), options, Some(sim_clock))
        .await
        .context("cannot start the demo server")?;
    let state = server.state().clone();
    let url = format!("http://{}/", server.local_addr());
    println!(
        "vigie demo: scenario {:?}, {} services, {}× speed",
        header.name,
        header.topology.services.len(),
        args.speed
    );
    println!("vigie demo: open {url}");
    println!("vigie demo: data in {}", data_dir.display());

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(server.serve(async move {
        tokio::select! {
            _ = vigie_server::runtime::shutdown_signal() => {}
            _ = stop_rx => {}
        }
    }));
    let narrator = tokio::spawn(narrate(state.clone(), clock));

    // The pump: every signal enters the engine when the simulated clock reaches it.
    let store = state.store().clone();
    let mut batch = StoreBatch::default();
    let mut signals = 0u64;
    let mut pending = first.map(Ok);
    loop {
        let next = match pending.take().or_else(|| reader.next()) {
            Some(Ok(s)) => shift(s, offset),
            Some(Err(e)) => {
                batch.flush(&store).await;
                anyhow::bail!("scenario: {e}");
            }
            None => break,
        };
        let wait = clock.until(next.at());
        if !wait.is_zero() {
            batch.flush(&store).await;
            tokio::time::sleep(clock.until(next.at())).await;
        }
        batch.add(&next);
        if !state.ingest_signal(next).await {
            anyhow::bail!("the engine stopped");
        }
        signals += 1;
        if batch.probes.len() + batch.reports.len() >= 5_000 {
            batch.flush(&store).await;
        }
    }
    batch.flush(&store).await;
    if let Some(end) = end {
        tokio::time::sleep(clock.until(end)).await;
    }
    println!(
        "vigie demo: replay finished ({signals} signals); still serving at {url} — Ctrl-C to stop"
    );
    // Without --exit-after, `stop_tx` stays alive and only Ctrl-C ends the server.
    let mut stop_tx = Some(stop_tx);
    if let Some(secs) = args.exit_after.filter(|s| s.is_finite() && *s >= 0.0) {
        tokio::time::sleep(Duration::from_secs_f64(secs)).await;
        if let Some(tx) = stop_tx.take() {
            let _ = tx.send(());
        }
    }
    let served = serving.await;
    drop(stop_tx);
    narrator.abort();
    served
        .context("server task failed")?
        .context("server failed")?;
    Ok(())
}

/// Prints what the engine concludes, in scenario time, for the person watching.
async fn narrate(state: vigie_server::AppState, clock: SimClock) {
    let mut events = state.subscribe();
    let name = |id: &str| {
        state
            .directory()
            .service(id)
            .map(|s| s.name.clone())
            .or_else(|| {
                state
                    .directory()
                    .component(id)
                    .map(|c| c.display_name().to_string())
            })
            .unwrap_or_else(|| id.to_string())
    };
    loop {
        let output = match events.recv().await {
            Ok(o) => o,
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        };
        let minute = output.at().millis_since(clock.sim_start) / MINUTE_MS;
        // Keep the story readable: first verdicts of "all fine" and updates that only link a
        // service incident to its cause are left out.
        match &output {
            Output::ServiceState {
                state: s, previous, ..
            } if *previous == vigie_core::State::Unknown
                && *s == vigie_core::State::Operational =>
            {
                continue
            }
            Output::IncidentUpdated {
                component: None,
                confidence: None,
                services: None,
                ..
            } => continue,
            _ => {}
        }
        let line = match &output {
            Output::ServiceState { service, state: s, previous, cause, .. } => {
                let mut line = format!("{}: {} → {}", name(service), previous.as_str(), s.as_str());
                if !cause.is_empty() {
                    line.push_str(&format!(" ({cause})"));
                }
                line
            }
            Output::IncidentOpened { incident, scope: Scope::Component, component, confidence, services, .. } => format!(
                "INCIDENT #{incident} opened: probable cause {} (confidence {:.2}), {} services affected — /incidents/{incident}",
                name(component.as_deref().unwrap_or("?")),
                confidence.unwrap_or(0.0),
                services.as_ref().map_or(0, Vec::len)
            ),
            Output::IncidentOpened { incident, service, .. } => format!(
                "incident #{incident} opened for {}",
                name(service.as_deref().unwrap_or("?"))
            ),
            Output::IncidentUpdated { incident, component, confidence, services, .. } => {
                let mut s = format!("incident #{incident} updated");
                if let Some(c) = component {
                    s.push_str(&format!(": cause {}", name(c)));
                }
                if let Some(c) = confidence {
                    s.push_str(&format!(", confidence {c:.2}"));
                }
                if let Some(v) = services {
                    s.push_str(&format!(", {} services", v.len()));
                }
                s
            }
            Output::IncidentResolved { incident, .. } => format!("incident #{incident} resolved"),
        };
        println!("  [+{minute:>3} min] {line}");
    }
}

// ---------------------------------------------------------------------------------------
// The built-in scenario
// ---------------------------------------------------------------------------------------

/// Minutes of scenario time in the built-in scenario.
pub const BUILTIN_MINUTES: i64 = 45;
/// When the CDN fails and recovers, in scenario minutes.
const CDN_DOWN: (i64, i64) = (12, 32);
/// The unrelated single-service failure.
const LONE_DOWN: (i64, i64) = (14, 30);
/// The report surge about a service that works.
const SYMPATHY: (i64, i64) = (16, 24);
const VANTAGES: [&str; 3] = ["paris", "frankfurt", "virginia"];

/// `(id, name, dependencies, hit by the CDN outage)`.
const SERVICES: &[(&str, &str, &[&str], bool)] = &[
    (
        "newsdaily",
        "News Daily",
        &["fastly", "aws/us-east-1"],
        true,
    ),
    ("streamly", "Streamly", &["fastly", "aws/us-east-1"], true),
    (
        "forum",
        "Forum",
        &["fastly", "google-cloud/europe-west1"],
        true,
    ),
    ("shopfront", "Shopfront", &["fastly"], true),
    ("checkout", "Checkout widget", &["shopfront"], true),
    ("photobox", "Photobox", &["fastly"], true),
    ("musicbox", "Musicbox", &["fastly", "aws/us-east-1"], true),
    ("recipes", "Recipes", &["fastly"], true),
    ("weatherly", "Weatherly", &["fastly"], true),
    (
        "citymaps",
        "City Maps",
        &["fastly", "google-cloud/europe-west1"],
        true,
    ),
    ("ticketry", "Ticketry", &["fastly"], true),
    ("bookclub", "Book Club", &["fastly"], true),
    ("gamehub", "Game Hub", &["fastly", "aws/us-east-1"], true),
    ("videoclip", "Videoclip", &["fastly"], true),
    ("podcasts", "Podcasts", &["fastly"], true),
    ("jobboard", "Job Board", &["fastly"], true),
    ("realty", "Realty", &["fastly"], true),
    ("travelr", "Travelr", &["fastly", "aws/us-east-1"], true),
    ("sportsnow", "Sports Now", &["fastly"], true),
    ("techwire", "Techwire", &["fastly"], true),
    ("fashionista", "Fashionista", &["fastly"], true),
    ("kidsplay", "Kids Play", &["fastly"], true),
    (
        "learnit",
        "Learn It",
        &["fastly", "google-cloud/europe-west1"],
        true,
    ),
    ("memes", "Memes", &["fastly"], true),
    ("petcare", "Pet Care", &["fastly"], true),
    ("gardenia", "Gardenia", &["fastly"], true),
    ("autotrader", "Auto Trader", &["fastly"], true),
    (
        "bikeshare",
        "Bike Share",
        &["fastly", "aws/us-east-1"],
        true,
    ),
    ("cinema", "Cinema", &["fastly"], true),
    // Behind the CDN but with a fallback: they stay up.
    ("docsite", "Docs", &["fastly"], false),
    ("wikiwiki", "Wiki", &["fastly"], false),
    ("paygate", "Paygate", &["aws/us-east-1"], false),
    ("chatapp", "Chat app", &["aws/us-east-1"], false),
    ("bankly", "Bankly", &["aws/us-east-1"], false),
    ("crm", "CRM Suite", &["aws/us-east-1"], false),
    ("ridehail", "Ride Hail", &["aws/us-east-1"], false),
    ("mailbox", "Mailbox", &["google-cloud/europe-west1"], false),
    (
        "calendar",
        "Calendar",
        &["google-cloud/europe-west1"],
        false,
    ),
    ("drive", "Drive", &["google-cloud/europe-west1"], false),
    ("notes", "Notes", &["google-cloud/europe-west1"], false),
];
const LONE: &str = "paygate";
const SYMPATHY_SERVICE: &str = "mailbox";

/// A small deterministic generator (64-bit LCG, high bits) for the scenario's noise.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() % 1_000_000) as f64 / 1_000_000.0
    }
}

/// The built-in scenario, starting at `start`, as scenario-format JSON lines.
pub fn builtin_scenario(start: Timestamp) -> String {
    use serde_json::json;
    let at = |minute: f64| {
        start
            .plus_millis((minute * MINUTE_MS as f64) as i64)
            .to_rfc3339()
    };
    let mut out = String::new();
    let header = json!({
        "vigie_scenario": 1,
        "name": "demo-cdn-outage",
        "start": at(0.0),
        "end": at(BUILTIN_MINUTES as f64),
        "components": [
            {"id": "fastly", "kind": "cdn", "name": "Fastly"},
            {"id": "aws", "kind": "cloud", "name": "Amazon Web Services"},
            {"id": "aws/us-east-1", "kind": "region", "name": "AWS us-east-1"},
            {"id": "google-cloud", "kind": "cloud", "name": "Google Cloud"},
            {"id": "google-cloud/europe-west1", "kind": "region", "name": "Google Cloud europe-west1"},
        ],
        "services": SERVICES.iter().map(|(id, name, deps, _)| json!({"id": id, "name": name, "depends_on": deps})).collect::<Vec<_>>(),
    });
    out.push_str(&header.to_string());
    out.push('\n');
    let mut rng = Lcg(0x005e_ed0f_de70);
    let mut events: Vec<(f64, serde_json::Value)> = Vec::new();
    let kinds = ["website", "app", "login", "connection"];
    let regions = ["FR", "DE", "GB", "US", "ES"];
    for (i, (id, _, _, hit)) in SERVICES.iter().enumerate() {
        let down = |m: f64| -> bool {
            let m = m as i64;
            (*hit && (CDN_DOWN.0..CDN_DOWN.1).contains(&m))
                || (*id == LONE && (LONE_DOWN.0..LONE_DOWN.1).contains(&m))
        };
        // Probes: every 30 s from each vantage, offset per service so they interleave.
        let phase = (i as f64 * 0.37) % 0.5;
        let mut m = phase;
        while m < BUILTIN_MINUTES as f64 {
            for (v, vantage) in VANTAGES.iter().enumerate() {
                let t = m + v as f64 * 0.05;
                let base = 40.0 + 25.0 * v as f64 + (i % 7) as f64 * 6.0;
                let ev = if down(t) {
                    let error = if *id == LONE {
                        "connect_refused"
                    } else {
                        "http_status"
                    };
                    json!({"at": at(t), "type": "probe", "service": id, "vantage": vantage, "ok": false,
                           "check": "http-0", "error": error, "latency_ms": (base * 0.6).round()})
                } else {
                    let jitter = rng.unit() * 0.3 * base;
                    json!({"at": at(t), "type": "probe", "service": id, "vantage": vantage, "ok": true,
                           "check": "http-0", "latency_ms": (base + jitter).round()})
                };
                events.push((t, ev));
            }
            m += 0.5;
        }
        // Reports: a trickle, then a surge while down (and for the sympathy surge).
        for minute in 0..BUILTIN_MINUTES {
            let mf = minute as f64;
            let surge = if down(mf) {
                let into = (minute - if *id == LONE { LONE_DOWN.0 } else { CDN_DOWN.0 }) as f64;
                let peak = if *id == LONE {
                    30.0
                } else {
                    25.0 + (i % 5) as f64 * 12.0
                };
                (peak * (into / 3.0).min(1.0)).round() as u64
            } else if *id == SYMPATHY_SERVICE && (SYMPATHY.0..SYMPATHY.1).contains(&minute) {
                (12.0 + rng.unit() * 20.0).round() as u64
            } else if *hit && (CDN_DOWN.1..CDN_DOWN.1 + 4).contains(&minute) {
                // Stragglers after recovery.
                (8.0 / (minute - CDN_DOWN.1 + 1) as f64).round() as u64
            } else {
                u64::from(rng.unit() < 0.15)
            };
            if surge == 0 {
                continue;
            }
            // Split the minute's reports over a few kinds and regions.
            let parts = if surge >= 8 { 4 } else { 1 };
            let mut left = surge;
            for p in 0..parts {
                let n = if p + 1 == parts { left } else { surge / parts };
                left -= n;
                if n == 0 {
                    continue;
                }
                let kind = if *id == SYMPATHY_SERVICE {
                    "login"
                } else {
                    kinds[(p as usize + i) % kinds.len()]
                };
                let region = regions[(rng.next() as usize) % regions.len()];
                events.push((
                    mf + 0.01 * p as f64,
                    json!({"at": at(mf + 0.01 * p as f64), "type": "reports", "service": id,
                           "count": n, "kind": kind, "region": region}),
                ));
            }
        }
    }
    // Official statuses: the CDN's page admits the problem late; the cloud's stays green.
    for (minute, status) in [
        (19.0, "degraded"),
        (22.0, "major_outage"),
        (36.0, "operational"),
    ] {
        events.push((
            minute,
            json!({"at": at(minute), "type": "official", "source": "status.fastly.com",
                                    "component": "fastly", "status": status}),
        ));
    }
    events.push((
        17.0,
        json!({"at": at(17.0), "type": "official", "source": "status.cloud.google.com",
                              "component": "google-cloud/europe-west1", "status": "operational"}),
    ));
    events.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (_, ev) in events {
        out.push_str(&ev.to_string());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_scenario_is_valid_and_deterministic() {
        let start = Timestamp::parse_rfc3339("2026-01-05T10:00:00Z").unwrap();
        let text = builtin_scenario(start);
        assert_eq!(text, builtin_scenario(start), "same start, same scenario");
        let mut reader = ScenarioReader::new(std::io::Cursor::new(text.clone())).unwrap();
        assert_eq!(reader.header().topology.services.len(), SERVICES.len());
        let mut n = 0;
        let mut failing_cdn = std::collections::BTreeSet::new();
        for s in reader.by_ref() {
            let s = s.expect("every line parses");
            if let Signal::Probe(p) = &s {
                if !p.ok && p.service != LONE {
                    failing_cdn.insert(p.service.clone());
                }
            }
            n += 1;
        }
        assert!(n > 5_000, "{n} events");
        let hit = SERVICES.iter().filter(|s| s.3).count();
        assert_eq!(failing_cdn.len(), hit);
        assert!(hit >= 24, "a few dozen services fall");
    }
}

//! The scenario generator: a realistic, deterministic stretch of the world with its truth.
//!
//! What it puts in (docs/evaluation.md lists every rate):
//! - **Report volumes** that are seasonal (a daily curve peaking at each audience's hour, a
//!   weekly shape that differs for consumer and business services) and over-dispersed (a
//!   gamma multiplier per service per day and per hour on top of Poisson counts, i.e. negative
//!   binomial), with service sizes spread over four orders of magnitude.
//! - **Probes** from several vantages about every 60 s, with rare isolated flakes; failing
//!   services show errors drawn by what made them fail, overlapping between causes
//!   ([`symptom`]).
//! - **Component incidents**: full, partial (only some dependents fail) and regional (only
//!   some vantages fail); services that fail through another service; uncertain edges, some of
//!   them wrong; several incidents at once now and then.
//! - **Noise**: unrelated single-service failures, some during component incidents;
//!   report surges without any outage (sympathy reports on services people wrongly blame, and
//!   unrelated ones); official statuses that lag or stay green.
//!
//! The same parameters and seed give byte-identical files.

pub mod symptom;
pub mod world;

use std::io::Write;
use std::path::{Path, PathBuf};

use vigie_core::model::{ComponentKind, OfficialStatus, ProbeError, ReportKind};
use vigie_core::scenario::{ScenarioHeader, ScenarioWriter};
use vigie_core::signal::{Official, OfficialTarget, ProbeResult, ReportBatch, Signal};
use vigie_core::time::{DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS};
use vigie_core::Timestamp;

use crate::rng::Rng;
use crate::truth::{Truth, TruthIncident};
use crate::EvalError;
use symptom::Failure;
use world::World;

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct GenParams {
    /// Scenario name; `gen-s{seed}` when `None`.
    pub name: Option<String>,
    pub services: usize,
    pub components: usize,
    /// Component incidents (single-service failures and surges come on top).
    pub incidents: usize,
    pub days: f64,
    pub seed: u64,
    /// Probe vantages (1..=5).
    pub vantages: usize,
    pub start: Timestamp,
    pub probe_interval_ms: i64,
}

impl Default for GenParams {
    fn default() -> Self {
        GenParams {
            name: None,
            services: 120,
            components: 40,
            incidents: 6,
            days: 3.0,
            seed: 1,
            vantages: 3,
            // A Monday.
            start: Timestamp::from_secs(1_760_313_600),
            probe_interval_ms: 60 * SECOND_MS,
        }
    }
}

impl GenParams {
    pub fn name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("gen-s{}", self.seed))
    }

    fn validate(&self) -> Result<(), EvalError> {
        let bad = |m: &str| Err(EvalError::Params(m.to_string()));
        if !(4..=200_000).contains(&self.services) {
            return bad("services must be between 4 and 200000");
        }
        if !(1..=20_000).contains(&self.components) {
            return bad("components must be between 1 and 20000");
        }
        if !(self.days > 0.0 && self.days <= 60.0) {
            return bad("days must be in (0, 60]");
        }
        if !(1..=VANTAGES.len()).contains(&self.vantages) {
            return bad("vantages must be between 1 and 5");
        }
        if self.probe_interval_ms < SECOND_MS {
            return bad("probe interval must be at least 1 s");
        }
        if self.incidents > 1000 {
            return bad("at most 1000 incidents");
        }
        Ok(())
    }
}

const VANTAGES: [&str; 5] = ["paris", "virginia", "singapore", "frankfurt", "saopaulo"];

/// One stretch during which a service misbehaves.
#[derive(Clone, Debug)]
struct Episode {
    start: i64,
    end: i64,
    /// Bit i set: probes from vantage i fail.
    vantages: u32,
    /// Probability that a probe from a failing vantage fails (below 1 for flaky failures).
    fail_share: f64,
    error: ProbeError,
    /// Extra reports per minute once fully ramped up.
    extra_reports: f64,
    kind: ReportKind,
}

/// What was generated, besides the files.
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    pub name: String,
    pub truth: Truth,
    pub events: u64,
}

/// Writes `PREFIX.jsonl` and `PREFIX.truth.json`. When `out` is a directory (or ends with a
/// slash) the prefix is `out/NAME`.
pub fn generate_files(
    params: &GenParams,
    out: &Path,
) -> Result<(PathBuf, PathBuf, Generated), EvalError> {
    params.validate()?;
    let prefix = if out.is_dir() || out.as_os_str().to_string_lossy().ends_with('/') {
        std::fs::create_dir_all(out).map_err(|e| EvalError::io(out, e))?;
        out.join(params.name())
    } else {
        out.to_path_buf()
    };
    let scenario_path = with_suffix(&prefix, ".jsonl");
    let truth_path = with_suffix(&prefix, ".truth.json");
    let file =
        std::fs::File::create(&scenario_path).map_err(|e| EvalError::io(&scenario_path, e))?;
    let generated = generate(params, std::io::BufWriter::new(file))
        .map_err(|e| EvalError::io(&scenario_path, e))?;
    let truth_text = serde_json::to_string_pretty(&generated.truth).unwrap_or_default();
    std::fs::write(&truth_path, truth_text + "\n").map_err(|e| EvalError::io(&truth_path, e))?;
    Ok((scenario_path, truth_path, generated))
}

fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// Generates a scenario into `out` and returns its truth.
pub fn generate(params: &GenParams, mut out: impl Write) -> std::io::Result<Generated> {
    params
        .validate()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
    let seed = params.seed;
    let world = world::build(&mut Rng::fork(seed, 1), params.services, params.components);
    let span_ms = (params.days * DAY_MS as f64) as i64;
    let start = params.start.as_millis();
    let end = start + span_ms;
    let n = params.services;
    let all_vantages: u32 = (1 << params.vantages) - 1;

    let mut episodes: Vec<Vec<Episode>> = vec![Vec::new(); n];
    let mut officials: Vec<Signal> = Vec::new();
    let mut truth = Truth::default();
    let mut rng = Rng::fork(seed, 2);
    let mut symptoms = Rng::fork(seed, 4);

    // ---- component incidents ------------------------------------------------------------
    let warmup = (span_ms / 4).max(6 * HOUR_MS).min(span_ms / 2);
    let latest = (span_ms - 3 * HOUR_MS).max(warmup + HOUR_MS);
    let mut used_causes: Vec<String> = Vec::new();
    let mut previous_start: Option<i64> = None;
    for _ in 0..params.incidents {
        let t0 = match previous_start {
            Some(p) if rng.chance(0.25) => p + rng.range(0.0, 15.0 * MINUTE_MS as f64) as i64,
            _ => start + warmup + (rng.f64() * (latest - warmup) as f64) as i64,
        };
        let t0 = t0 / SECOND_MS * SECOND_MS;
        let Some((cause, affected, mode, vantages)) = pick_incident(
            &mut rng,
            &world,
            &used_causes,
            all_vantages,
            params.vantages,
        ) else {
            continue;
        };
        previous_start = Some(t0);
        used_causes.push(cause.clone());
        let duration = rng.range(20.0, 150.0) * MINUTE_MS as f64;
        let t1 = t0 + duration as i64;
        let kind = world
            .components
            .iter()
            .find(|c| c.spec.id == cause)
            .map(|c| c.spec.kind);
        let failure = Failure::Component(kind.unwrap_or_default());
        let fail_share = if mode == "full" {
            1.0
        } else {
            rng.range(0.8, 1.0)
        };
        let mut names = Vec::new();
        for &(s, depth) in &affected {
            let onset = t0
                + (rng.range(0.0, 90.0) * SECOND_MS as f64) as i64
                + depth as i64 * rng.range(60.0, 180.0) as i64 * SECOND_MS;
            let stop = t1 + (rng.range(-3.0, 5.0) * MINUTE_MS as f64) as i64;
            let p = &world.profiles[s];
            let error = if depth == 0 {
                symptom::draw(&mut symptoms, failure)
            } else {
                symptom::draw(&mut symptoms, Failure::ThroughService)
            };
            episodes[s].push(Episode {
                start: onset,
                end: stop.max(onset + 5 * MINUTE_MS),
                vantages,
                fail_share,
                error,
                extra_reports: (p.peak_rate * rng.range(5.0, 30.0)).max(rng.range(2.0, 8.0))
                    * if vantages == all_vantages { 1.0 } else { 0.5 },
                kind: if rng.chance(0.5) {
                    ReportKind::Website
                } else {
                    ReportKind::App
                },
            });
            names.push(world.topology.services[s].id.clone());
        }
        names.sort();
        truth.incidents.push(TruthIncident {
            cause: cause.clone(),
            start: Timestamp::from_millis(t0),
            end: Timestamp::from_millis(t1),
            affected: names,
            mode: Some(mode.to_string()),
        });
        // The provider's own status page: late, or never.
        if rng.chance(0.7) {
            let status = if mode == "full" {
                OfficialStatus::MajorOutage
            } else {
                OfficialStatus::PartialOutage
            };
            let posted = t0 + (rng.range(8.0, 45.0) * MINUTE_MS as f64) as i64;
            // A page that declares the outage late clears it later still, never before.
            let lag = (rng.range(5.0, 30.0) * MINUTE_MS as f64) as i64;
            let cleared = t1.max(posted) + lag;
            let source = format!("status.{}", cause.split('/').next().unwrap_or(&cause));
            officials.push(official(posted, &source, &cause, true, status));
            officials.push(official(
                cleared,
                &source,
                &cause,
                true,
                OfficialStatus::Operational,
            ));
        }
        // Sympathy reports: people blaming services that are fine.
        let hit: Vec<usize> = affected.iter().map(|a| a.0).collect();
        for _ in 0..rng.below(3) + 1 {
            let s = rng.below(n);
            if hit.contains(&s) {
                continue;
            }
            let p = world.profiles[s].peak_rate;
            episodes[s].push(Episode {
                start: t0 + (rng.range(2.0, 10.0) * MINUTE_MS as f64) as i64,
                end: t0 + (rng.range(20.0, 45.0) * MINUTE_MS as f64) as i64,
                vantages: 0,
                fail_share: 0.0,
                error: ProbeError::HttpStatus,
                extra_reports: p * rng.range(1.0, 2.5) + rng.range(0.3, 1.5),
                kind: ReportKind::Website,
            });
        }
        // An unrelated failure at the same time, often on a service sharing a provider.
        if rng.chance(0.6) {
            let candidates: Vec<usize> = (0..n).filter(|s| !hit.contains(s)).collect();
            if !candidates.is_empty() {
                let s = candidates[rng.below(candidates.len())];
                let t = t0 + (rng.range(-10.0, 30.0) * MINUTE_MS as f64) as i64;
                lone_failure(
                    &mut rng,
                    &mut symptoms,
                    &world,
                    &mut episodes,
                    &mut officials,
                    &mut truth,
                    s,
                    t,
                    all_vantages,
                );
            }
        }
    }

    // ---- unrelated single-service failures and report surges ------------------------------
    let service_days = n as f64 * params.days;
    let lone = (service_days / 40.0).round() as usize;
    for _ in 0..lone {
        let s = rng.below(n);
        let t = start
            + warmup / 2
            + (rng.f64() * (span_ms - warmup / 2 - 2 * HOUR_MS).max(HOUR_MS) as f64) as i64;
        lone_failure(
            &mut rng,
            &mut symptoms,
            &world,
            &mut episodes,
            &mut officials,
            &mut truth,
            s,
            t,
            all_vantages,
        );
    }
    let surges = (service_days / 60.0).round() as usize;
    for _ in 0..surges {
        let s = rng.below(n);
        let t = start + (rng.f64() * (span_ms - HOUR_MS).max(HOUR_MS) as f64) as i64;
        let p = world.profiles[s].peak_rate;
        episodes[s].push(Episode {
            start: t,
            end: t + (rng.range(10.0, 40.0) * MINUTE_MS as f64) as i64,
            vantages: 0,
            fail_share: 0.0,
            error: ProbeError::HttpStatus,
            extra_reports: p * rng.range(1.0, 2.5) + rng.range(0.3, 1.5),
            kind: ReportKind::Login,
        });
    }
    truth
        .incidents
        .sort_by(|a, b| a.start.cmp(&b.start).then(a.cause.cmp(&b.cause)));
    officials.sort_by_key(|s| s.at());

    // ---- the stream ---------------------------------------------------------------------------
    let header = ScenarioHeader {
        name: params.name(),
        start: Some(Timestamp::from_millis(start)),
        end: Some(Timestamp::from_millis(end)),
        topology: world.topology.clone(),
    };
    let mut writer = ScenarioWriter::new(&mut out, &header)?;
    let mut noise = Rng::fork(seed, 3);
    let mut events = 0u64;
    let mut day_mult = vec![1.0f64; n];
    let mut hour_mult = vec![1.0f64; n];
    let mut next_official = 0usize;
    let mut minute_events: Vec<(i64, u32, Signal)> = Vec::new();
    let probe_every = params.probe_interval_ms;
    let mut t = start;
    while t < end {
        if (t - start) % DAY_MS == 0 {
            for m in day_mult.iter_mut() {
                *m = noise.gamma(8.0) / 8.0;
            }
        }
        if (t - start) % HOUR_MS == 0 {
            for m in hour_mult.iter_mut() {
                *m = noise.gamma(15.0) / 15.0;
            }
        }
        minute_events.clear();
        let ts = Timestamp::from_millis(t);
        for s in 0..n {
            let p = &world.profiles[s];
            let id = &world.topology.services[s].id;
            // Seasonal, over-dispersed background.
            let lambda = p.peak_rate * seasonal(p, ts) * day_mult[s] * hour_mult[s];
            let count = noise.poisson(lambda);
            if count > 0 {
                let kind =
                    [ReportKind::Website, ReportKind::App, ReportKind::Login][noise.below(3)];
                minute_events.push((t, 0, reports(t, id, count, kind)));
            }
            let mut extra = 0.0;
            let mut extra_kind = ReportKind::Website;
            let mut failing: Option<&Episode> = None;
            for e in &episodes[s] {
                // Reports lag the failure by a minute or two and fade after it.
                let ramp_start = e.start + MINUTE_MS;
                if t + MINUTE_MS > ramp_start && t < e.end + 5 * MINUTE_MS {
                    let up = ((t + MINUTE_MS - ramp_start) as f64 / (2 * MINUTE_MS) as f64)
                        .clamp(0.0, 1.0);
                    let down = if t >= e.end {
                        1.0 - (t - e.end) as f64 / (5 * MINUTE_MS) as f64
                    } else {
                        1.0
                    };
                    extra += e.extra_reports * up * down.max(0.0);
                    extra_kind = e.kind;
                }
                if e.vantages != 0 && t + MINUTE_MS > e.start && t < e.end {
                    failing = Some(e);
                }
            }
            if extra > 0.0 {
                let c = noise.poisson(extra);
                if c > 0 {
                    minute_events.push((t, 1, reports(t, id, c, extra_kind)));
                }
            }
            if p.probed {
                let base = (s as i64 * 7919) % probe_every;
                for (v, vantage) in VANTAGES.iter().enumerate().take(params.vantages) {
                    let offset =
                        (base + v as i64 * probe_every / params.vantages as i64) % probe_every;
                    let mut at = t - (t - start) % probe_every + offset;
                    while at < t + MINUTE_MS {
                        if at >= t && at < end {
                            let fails = failing.is_some_and(|e| {
                                e.vantages & (1 << v) != 0
                                    && at >= e.start
                                    && at < e.end
                                    && noise.chance(e.fail_share)
                            });
                            let flake = !fails && noise.chance(0.002);
                            let (ok, error, latency) = if fails {
                                let e = failing.map_or(ProbeError::HttpStatus, |e| e.error);
                                // Drawn whatever the error, so that the stream does not
                                // depend on which errors the symptoms drew.
                                let answered = p.latency_ms * noise.range(0.3, 1.2);
                                let lat = match e {
                                    ProbeError::Timeout
                                    | ProbeError::ConnectTimeout
                                    | ProbeError::DnsTimeout => 10_000.0,
                                    _ => answered,
                                };
                                (false, Some(e), lat)
                            } else if flake {
                                (false, Some(ProbeError::ConnectTimeout), 10_000.0)
                            } else {
                                (true, None, noise.lognormal(p.latency_ms, 0.15))
                            };
                            minute_events.push((
                                at,
                                2,
                                Signal::Probe(ProbeResult {
                                    at: Timestamp::from_millis(at),
                                    service: id.clone(),
                                    check: None,
                                    vantage: vantage.to_string(),
                                    ok,
                                    slow: false,
                                    latency_ms: Some((latency * 10.0f64).round() / 10.0),
                                    error,
                                }),
                            ));
                        }
                        at += probe_every;
                    }
                }
            }
        }
        while next_official < officials.len()
            && officials[next_official].at().as_millis() < t + MINUTE_MS
        {
            let o = officials[next_official].clone();
            minute_events.push((o.at().as_millis().max(t), 3, o));
            next_official += 1;
        }
        minute_events.sort_by_key(|e| (e.0, e.1));
        for (_, _, signal) in &minute_events {
            writer.write(signal)?;
            events += 1;
        }
        t += MINUTE_MS;
    }
    writer.finish()?;
    Ok(Generated {
        name: params.name(),
        truth,
        events,
    })
}

/// The daily and weekly shape of a service's report volume (mean about 0.5 of the peak).
fn seasonal(p: &world::Profile, t: Timestamp) -> f64 {
    let hour = t.minute_of_day() as f64 / 60.0;
    let mut d = (hour - p.peak_hour).abs();
    if d > 12.0 {
        d = 24.0 - d;
    }
    let daily = 0.12 + 0.88 * (-(d * d) / (2.0 * 4.0 * 4.0)).exp();
    let weekly = match (p.consumer, t.is_weekend()) {
        (true, true) => 1.25,
        (false, true) => 0.4,
        _ => 1.0,
    };
    daily * weekly
}

fn reports(t: i64, service: &str, count: u32, kind: ReportKind) -> Signal {
    Signal::Reports(ReportBatch {
        at: Timestamp::from_millis(t),
        service: service.to_string(),
        count,
        kind: Some(kind),
        region: None,
    })
}

fn official(
    at: i64,
    source: &str,
    target: &str,
    component: bool,
    status: OfficialStatus,
) -> Signal {
    Signal::Official(Official {
        at: Timestamp::from_millis(at / SECOND_MS * SECOND_MS),
        source: source.to_string(),
        target: if component {
            OfficialTarget::Component(target.to_string())
        } else {
            OfficialTarget::Service(target.to_string())
        },
        status,
    })
}

/// A cause, the services it really hits (service, depth), its mode and failing vantages.
type PickedIncident = (String, Vec<(usize, u32)>, &'static str, u32);

/// Chooses a cause, the services it really hits (service, depth), the mode and the failing
/// vantages. The cause must be identifiable from the outside: at least two directly hit
/// services, and for a region, hits outside any single one of its managed services.
fn pick_incident(
    rng: &mut Rng,
    world: &World,
    used: &[String],
    all_vantages: u32,
    n_vantages: usize,
) -> Option<PickedIncident> {
    let kinds: [(&[ComponentKind], f64); 5] = [
        (&[ComponentKind::Cdn, ComponentKind::FrontDoor], 0.35),
        (&[ComponentKind::Region], 0.25),
        (&[ComponentKind::ManagedService], 0.25),
        (&[ComponentKind::Dns], 0.08),
        (&[ComponentKind::Saas], 0.07),
    ];
    for _attempt in 0..40 {
        let kind = kinds[rng.weighted(&kinds.iter().map(|k| k.1).collect::<Vec<_>>())].0;
        let options: Vec<(usize, Vec<(usize, u32)>)> = world
            .components
            .iter()
            .enumerate()
            .filter(|(_, c)| kind.contains(&c.spec.kind) && !used.contains(&c.spec.id))
            .map(|(i, c)| (i, world.real_dependents(&c.spec.id)))
            .filter(|(_, d)| d.iter().filter(|x| x.1 == 0).count() >= 3)
            .collect();
        if options.is_empty() {
            continue;
        }
        let (ci, dependents) = &options[rng.below(options.len())];
        let cause = world.components[*ci].spec.id.clone();
        let mode = if rng.chance(0.6) {
            "full"
        } else if n_vantages > 1 && rng.chance(0.5) {
            "regional"
        } else {
            "partial"
        };
        let hit_p = if mode == "full" {
            0.97
        } else {
            rng.range(0.35, 0.7)
        };
        let vantages = if mode == "regional" {
            some_vantages(rng, n_vantages)
        } else {
            all_vantages
        };
        let mut hit: Vec<(usize, u32)> = Vec::new();
        let mut hit_direct: Vec<usize> = Vec::new();
        for &(s, depth) in dependents {
            if depth > 0 {
                continue;
            }
            if rng.chance(hit_p) {
                hit.push((s, 0));
                hit_direct.push(s);
            }
        }
        if hit_direct.len() < 2 {
            continue;
        }
        if world.components[*ci].spec.kind == ComponentKind::Region {
            let children: Vec<&str> = world
                .components
                .iter()
                .map(|c| c.spec.id.as_str())
                .filter(|id| id.starts_with(&format!("{cause}/")))
                .collect();
            let inside_one_child = children.iter().any(|child| {
                hit_direct.iter().all(|&s| {
                    world.real_components[s]
                        .iter()
                        .any(|c| c == child || c.starts_with(&format!("{child}/")))
                })
            });
            if inside_one_child {
                continue;
            }
        }
        // Services relying on a hit service fail too, mostly.
        let mut seen = vec![false; world.profiles.len()];
        for &(s, _) in &hit {
            seen[s] = true;
        }
        let mut all = hit.clone();
        let mut i = 0;
        while i < all.len() {
            let (s, d) = all[i];
            for (t, deps) in world.real_services.iter().enumerate() {
                if !seen[t] && deps.contains(&s) {
                    seen[t] = true;
                    if rng.chance(0.85) {
                        all.push((t, d + 1));
                    }
                }
            }
            i += 1;
        }
        return Some((cause, all, mode, vantages));
    }
    None
}

/// 1 to n − 1 of `n` vantages (n ≥ 2), as a bit set.
fn some_vantages(rng: &mut Rng, n: usize) -> u32 {
    let k = 1 + rng.below(n - 1);
    let mut m = 0u32;
    while (m.count_ones() as usize) < k {
        m |= 1 << rng.below(n);
    }
    m
}

/// The share of services' own failures (with failing probes) seen from only some vantages:
/// the service's own regional deployment, a partial rollout. Agreement on where dependents
/// fail is evidence attribution weighs, so lone failures must show it too.
const LONE_PARTIAL_VANTAGES: f64 = 0.3;

/// A service failing on its own (with the services that rely on it).
#[allow(clippy::too_many_arguments)]
fn lone_failure(
    rng: &mut Rng,
    symptoms: &mut Rng,
    world: &World,
    episodes: &mut [Vec<Episode>],
    officials: &mut Vec<Signal>,
    truth: &mut Truth,
    s: usize,
    t0: i64,
    all_vantages: u32,
) {
    let t0 = t0 / SECOND_MS * SECOND_MS;
    let t1 = t0 + (rng.range(10.0, 60.0) * MINUTE_MS as f64) as i64;
    let probes_fail = rng.chance(0.8);
    // Drawn from the symptom stream, so that a seed's incidents stay what they were.
    let n_vantages = all_vantages.count_ones() as usize;
    let own_vantages = if n_vantages > 1 && symptoms.chance(LONE_PARTIAL_VANTAGES) {
        some_vantages(symptoms, n_vantages)
    } else {
        all_vantages
    };
    let mut seen = vec![false; world.profiles.len()];
    seen[s] = true;
    let mut affected = vec![(s, 0u32)];
    world.extend_with_service_dependents(&mut affected, &mut seen);
    let mut names = Vec::new();
    for (i, &(x, depth)) in affected.iter().enumerate() {
        if i > 0 && !rng.chance(0.85) {
            continue;
        }
        let p = &world.profiles[x];
        let onset = t0 + depth as i64 * (rng.range(30.0, 120.0) * SECOND_MS as f64) as i64;
        // This draw chose the error before errors had their own stream (`symptoms`); it is
        // kept so that a seed's incidents stay what they were.
        let _ = rng.below(4);
        let error = symptom::draw(
            symptoms,
            if depth == 0 {
                Failure::Own
            } else {
                Failure::ThroughService
            },
        );
        episodes[x].push(Episode {
            start: onset,
            end: t1.max(onset + 5 * MINUTE_MS),
            vantages: match (probes_fail, depth) {
                (false, _) => 0,
                (true, 0) => own_vantages,
                // The services relying on it fail wherever they are reached from.
                (true, _) => all_vantages,
            },
            fail_share: 1.0,
            error,
            extra_reports: (p.peak_rate * rng.range(5.0, 30.0)).max(rng.range(2.0, 8.0)),
            kind: [ReportKind::Login, ReportKind::App, ReportKind::Payments][rng.below(3)],
        });
        names.push(world.topology.services[x].id.clone());
    }
    names.sort();
    let id = world.topology.services[s].id.clone();
    if rng.chance(0.25) {
        let posted = t0 + (rng.range(10.0, 40.0) * MINUTE_MS as f64) as i64;
        officials.push(official(
            posted,
            &format!("status.{id}"),
            &id,
            false,
            OfficialStatus::MajorOutage,
        ));
        officials.push(official(
            t1.max(posted) + 10 * MINUTE_MS,
            &format!("status.{id}"),
            &id,
            false,
            OfficialStatus::Operational,
        ));
    }
    truth.incidents.push(TruthIncident {
        cause: id,
        start: Timestamp::from_millis(t0),
        end: Timestamp::from_millis(t1),
        affected: names,
        mode: Some(
            if probes_fail {
                "lone"
            } else {
                "lone-reports-only"
            }
            .to_string(),
        ),
    });
}

#[cfg(test)]
mod tests;

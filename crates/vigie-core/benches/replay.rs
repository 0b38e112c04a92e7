//! Replay throughput on a 100-service, 7-day scenario (target: ≥ 2 million events per second
//! on one core for the engine, ingest and ticks together).
//!
//! The scenario is made here by a tiny deterministic generator, one minute at a time: every
//! service is probed from 3 vantages every 60 s, and gets a `reports` batch in each minute
//! with any reports (a seasonal rate between 0.2 and 12 per minute); five services have
//! 30-minute outages (probes fail everywhere, reports surge). That is about 3.6 million
//! events.
//!
//! Two measurements:
//! - `engine_7d`: `Engine::ingest` + `Engine::tick` on the 10 s grid of `vigie replay`,
//!   generation excluded (each minute's events are made, and later dropped, outside the
//!   timed part; the engine reads them by reference as `vigie serve` does);
//! - `parse_and_engine_1d`: one day of the same scenario as JSON lines in memory, through
//!   `ScenarioReader` and `replay` (what `vigie replay` does, minus the file and stdout).

use std::hint::black_box;
use std::io::Cursor;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vigie_core::engine::{Engine, EngineParams};
use vigie_core::replay::{replay, ReplayOptions, DEFAULT_CADENCE_MS};
use vigie_core::scenario::{signal_line, ScenarioHeader, ScenarioReader, ScenarioWriter};
use vigie_core::{
    Dependency, ProbeError, ProbeResult, ReportBatch, ReportKind, ServiceSpec, Signal, Timestamp,
    Topology,
};

const SERVICES: usize = 100;
const VANTAGES: [&str; 3] = ["paris", "virginia", "singapore"];
const START: i64 = 1_622_505_600; // 2021-06-01T00:00:00Z

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn unit(&mut self) -> f64 {
        (self.next() % 1_000_000) as f64 / 1_000_000.0
    }
}

fn topology() -> Topology {
    Topology {
        services: (0..SERVICES)
            .map(|i| ServiceSpec {
                id: format!("service-{i:03}"),
                name: format!("Service {i}"),
                depends_on: vec![
                    Dependency::declared(format!("cdn-{}", i % 4)),
                    Dependency::declared(format!("cloud-{}/region-{}", i % 3, i % 5)),
                ],
            })
            .collect(),
        components: vec![],
    }
}

/// Makes the scenario one minute at a time, in time order.
struct Generator {
    ids: Vec<String>,
    rates: Vec<f64>,
    rng: Lcg,
    minute: i64,
}

impl Generator {
    fn new(topology: &Topology) -> Self {
        let mut rng = Lcg(42);
        let ids: Vec<String> = topology.services.iter().map(|s| s.id.clone()).collect();
        let rates = ids.iter().map(|_| 0.2 + 6.0 * rng.unit()).collect();
        Generator {
            ids,
            rates,
            rng,
            minute: 0,
        }
    }

    fn down(&self, s: usize, minute: i64) -> bool {
        // Five services fail for 30 minutes on days 2..6.
        s % 20 == 7
            && minute
                == minute.clamp(
                    (s as i64 / 20 + 2) * 1440 + 600,
                    (s as i64 / 20 + 2) * 1440 + 629,
                )
    }

    /// Appends the next minute's events to `out` (time-ordered).
    fn next_minute(&mut self, out: &mut Vec<Signal>) {
        let m = self.minute;
        self.minute += 1;
        let base = START + m * 60;
        let day_phase = (m % 1440) as f64 / 1440.0 * std::f64::consts::TAU;
        let season = 1.0 + 0.8 * day_phase.sin();
        for s in 0..SERVICES {
            let down = self.down(s, m);
            let mean = self.rates[s] * season * if down { 40.0 } else { 1.0 };
            // A cheap over-dispersed count: mean times a factor in [0.5, 1.5), rounded at random.
            let x = mean * (0.5 + self.rng.unit());
            let count = x.floor() as u32 + u32::from(self.rng.unit() < x.fract());
            if count > 0 {
                out.push(Signal::Reports(ReportBatch {
                    at: Timestamp::from_secs(base),
                    service: self.ids[s].clone(),
                    count,
                    kind: Some(ReportKind::ALL[s % 5]),
                    region: None,
                }));
            }
        }
        for second in 0..60usize {
            for s in 0..SERVICES {
                for (v, vantage) in VANTAGES.iter().enumerate() {
                    // Each (service, vantage) probes once a minute at its own second.
                    if (s * 7 + v * 20) % 60 != second {
                        continue;
                    }
                    let ok = !self.down(s, m) && !self.rng.next().is_multiple_of(1000);
                    out.push(Signal::Probe(ProbeResult {
                        at: Timestamp::from_secs(base + second as i64),
                        service: self.ids[s].clone(),
                        check: None,
                        vantage: (*vantage).to_string(),
                        ok,
                        slow: false,
                        latency_ms: Some(if ok { 80.0 } else { 10_000.0 }),
                        error: (!ok).then_some(ProbeError::Timeout),
                    }));
                }
            }
        }
    }
}

/// Runs the engine over `minutes` of generated events on the replay grid; returns the time
/// spent in the engine only and the number of events.
fn engine_run(minutes: i64) -> (Duration, u64, u64) {
    let topo = topology();
    let mut generator = Generator::new(&topo);
    let mut engine = Engine::new(topo, EngineParams::default());
    let mut chunk = Vec::with_capacity(2 * SERVICES * VANTAGES.len());
    let mut spent = Duration::ZERO;
    let (mut events, mut outputs) = (0u64, 0u64);
    let cadence = DEFAULT_CADENCE_MS;
    let mut next_tick = Timestamp::from_secs(START).plus_millis(cadence);
    for _ in 0..minutes {
        chunk.clear();
        generator.next_minute(&mut chunk);
        events += chunk.len() as u64;
        let started = Instant::now();
        for signal in &chunk {
            while next_tick <= signal.at() {
                outputs += engine.tick(next_tick).len() as u64;
                next_tick = next_tick.plus_millis(cadence);
            }
            engine.ingest_ref(signal);
        }
        spent += started.elapsed();
    }
    black_box(&engine);
    (spent, events, outputs)
}

fn scenario_text(minutes: i64) -> (Vec<u8>, u64) {
    let topo = topology();
    let mut generator = Generator::new(&topo);
    let header = ScenarioHeader {
        name: "bench".into(),
        start: Some(Timestamp::from_secs(START)),
        end: Some(Timestamp::from_secs(START + minutes * 60)),
        topology: topo,
    };
    let mut writer = ScenarioWriter::new(Vec::with_capacity(1 << 26), &header).unwrap();
    let mut chunk = Vec::new();
    let mut n = 0;
    for _ in 0..minutes {
        chunk.clear();
        generator.next_minute(&mut chunk);
        for s in &chunk {
            writer.write(s).unwrap();
            n += 1;
        }
    }
    black_box(signal_line(&chunk[0]));
    (writer.finish().unwrap(), n)
}

fn benches(c: &mut Criterion) {
    let week = 7 * 1440;
    let (_, events, outputs) = engine_run(week);
    eprintln!("engine_7d: {events} events, {outputs} outputs per run");
    let mut group = c.benchmark_group("replay");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.throughput(Throughput::Elements(events));
    group.bench_function("engine_7d", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| engine_run(week).0).sum())
    });

    let (text, n) = scenario_text(1440);
    eprintln!(
        "parse_and_engine_1d: {n} events, {} MB of JSON lines",
        text.len() >> 20
    );
    group.throughput(Throughput::Elements(n));
    group.bench_function("parse_and_engine_1d", |b| {
        b.iter(|| {
            let reader = ScenarioReader::new(Cursor::new(&text[..])).unwrap();
            let topo = reader.header().topology.clone();
            let mut engine = Engine::new(topo, EngineParams::default());
            let mut outputs = 0u64;
            let summary = replay(&mut engine, reader, &ReplayOptions::default(), |_| {
                outputs += 1
            })
            .unwrap();
            black_box((summary, outputs))
        })
    });
    group.finish();
}

criterion_group!(replay_benches, benches);
criterion_main!(replay_benches);

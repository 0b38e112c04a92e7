//! One attribution tick for 100,000 services and 10,000 components (target: ≤ 10 ms).
//!
//! The world: 20 providers × 25 regions × 19 managed services (10,020 components); every
//! service sits behind one of 5 CDNs and in one region or managed service, some behind
//! uncertain edges, 2% behind another service. Four situations are timed: a quiet tick (100
//! unrelated impaired services), a regional outage (≈ 160 impaired), a CDN outage hitting
//! half of its ≈ 20,000 dependents, plus the unrelated failures, and the same CDN outage in
//! its first minute (every impairment 30 s old, so rivals are judged as still unfolding).
//! A fifth case times the CDN outage's onset alone, all ≈ 10,000 impairments in one tick
//! (the worst case for the evidence kept from tick to tick).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use vigie_core::attribute::{AttributionParams, Attributor, Footprint, ServiceHealth};
use vigie_core::model::{
    ComponentKind, ComponentSpec, Dependency, ProbeError, ServiceSpec, State, Topology,
};
use vigie_core::{IncidentIds, Timestamp};

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn world() -> Topology {
    let mut rng = Lcg(7);
    let mut components = Vec::new();
    for p in 0..20 {
        components.push(ComponentSpec {
            id: format!("p{p}"),
            kind: ComponentKind::Cloud,
            name: None,
        });
        for r in 0..25 {
            components.push(ComponentSpec {
                id: format!("p{p}/r{r}"),
                kind: ComponentKind::Region,
                name: None,
            });
            for m in 0..19 {
                components.push(ComponentSpec {
                    id: format!("p{p}/r{r}/m{m}"),
                    kind: ComponentKind::ManagedService,
                    name: None,
                });
            }
        }
    }
    let mut services = Vec::with_capacity(100_000);
    for i in 0..100_000u64 {
        let dep = |t: String, c: f64| Dependency {
            target: t,
            confidence: c,
            origin: Default::default(),
        };
        let mut depends_on = vec![dep(format!("p{}", rng.below(5)), 1.0)];
        let (p, r) = (5 + rng.below(15), rng.below(25));
        if rng.below(2) == 0 {
            depends_on.push(dep(format!("p{p}/r{r}"), 1.0));
        } else {
            depends_on.push(dep(format!("p{p}/r{r}/m{}", rng.below(19)), 1.0));
        }
        if rng.below(5) == 0 {
            depends_on.push(dep(
                format!("p{}/r{}", 5 + rng.below(15), rng.below(25)),
                0.4,
            ));
        }
        if i > 1000 && rng.below(50) == 0 {
            depends_on.push(dep(format!("s{}", rng.below(1000)), 1.0));
        }
        services.push(ServiceSpec {
            id: format!("s{i}"),
            name: format!("s{i}"),
            depends_on,
        });
    }
    Topology {
        services,
        components,
    }
}

const SYMPTOMS: [ProbeError; 4] = [
    ProbeError::HttpStatus,
    ProbeError::Timeout,
    ProbeError::ConnectTimeout,
    ProbeError::Tls,
];

fn health(
    topology: &Topology,
    impaired: impl Fn(usize, &ServiceSpec) -> bool,
) -> Vec<ServiceHealth> {
    topology
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let impaired = impaired(i, s);
            ServiceHealth {
                state: if impaired {
                    State::MajorOutage
                } else {
                    State::Operational
                },
                since: Some(Timestamp::from_secs(0)),
                watched: true,
                incident: None,
                // A mix of symptoms, so the symptom term is exercised too.
                symptom: impaired.then_some(SYMPTOMS[i % SYMPTOMS.len()]),
                probes_fail: impaired,
                probes_pass: false,
                probes_in_doubt: false,
                // And every third one fails from one of three vantages only (the footprint
                // term): three keys, so agreement groups form.
                footprint: (impaired && i % 3 == 0).then_some(Footprint {
                    key: (i % 9) as u64,
                    failing: 1,
                    live: 3,
                }),
                failed_partly: impaired && i % 3 == 0,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let topology = world();
    let lone = |i: usize| i % 1000 == 17;
    let quiet = health(&topology, |i, _| lone(i));
    let regional = health(&topology, |i, s| {
        lone(i)
            || (s
                .depends_on
                .iter()
                .any(|d| d.target.starts_with("p7/r3") && d.confidence == 1.0)
                && i % 5 != 0)
    });
    let cdn = health(&topology, |i, s| {
        lone(i) || (s.depends_on[0].target == "p2" && i % 2 == 0)
    });
    let mut group = c.benchmark_group("attribution_tick_100k_services_10k_components");
    group.sample_size(20);
    // (name, health, whether tick time advances; when it does not, every tick is 30 s
    // after the impairments began)
    for (name, h, advancing) in [
        ("quiet", &quiet, true),
        ("regional_outage", &regional, true),
        ("cdn_outage", &cdn, true),
        ("cdn_outage_first_minute", &cdn, false),
    ] {
        let mut a =
            Attributor::new(&topology, AttributionParams::default()).expect("valid topology");
        let mut ids = IncidentIds::default();
        let mut t = if advancing { 0 } else { 30 };
        let first = a.tick(Timestamp::from_secs(t), h, &mut ids);
        eprintln!(
            "{name}: first tick produced {} outputs; causes {:?}",
            first.len(),
            a.causes()
                .iter()
                .map(|c| (
                    a.graph()
                        .components()
                        .get(match c.kind {
                            vigie_core::attribute::CauseKind::Component(x) => x as usize,
                            _ => usize::MAX,
                        })
                        .map(|n| n.id.clone()),
                    c.explained.len(),
                    c.confidence
                ))
                .collect::<Vec<_>>()
        );
        group.bench_function(name, |b| {
            b.iter(|| {
                if advancing {
                    t += 10;
                }
                a.tick(Timestamp::from_secs(t), h, &mut ids)
            })
        });
    }
    // The worst case for the evidence kept from tick to tick: the CDN outage begins at once,
    // so ≈ 10,000 services' evidence is listed in one tick. Only that tick is timed; an
    // untimed quiet tick after each ends the outage again.
    let mut a = Attributor::new(&topology, AttributionParams::default()).expect("valid topology");
    let mut ids = IncidentIds::default();
    let mut t = 0;
    group.bench_function("cdn_outage_onset", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                t += 10;
                let start = Instant::now();
                black_box(a.tick(Timestamp::from_secs(t), &cdn, &mut ids));
                timed += start.elapsed();
                t += 10;
                black_box(a.tick(Timestamp::from_secs(t), &quiet, &mut ids));
            }
            timed
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

use std::collections::HashMap;

use vigie_core::scenario::ScenarioReader;
use vigie_core::signal::Signal;

use super::*;

fn small(seed: u64) -> GenParams {
    GenParams {
        services: 40,
        components: 24,
        incidents: 3,
        days: 1.0,
        seed,
        ..GenParams::default()
    }
}

fn bytes(p: &GenParams) -> (Vec<u8>, Generated) {
    let mut buf = Vec::new();
    let g = generate(p, &mut buf).unwrap();
    (buf, g)
}

#[test]
fn same_seed_same_bytes_other_seed_other_world() {
    let (a, ga) = bytes(&small(5));
    let (b, gb) = bytes(&small(5));
    assert_eq!(a, b);
    assert_eq!(ga, gb);
    let (c, _) = bytes(&small(6));
    assert_ne!(a, c);
}

#[test]
fn output_reads_back_with_the_scenario_reader() {
    let (buf, g) = bytes(&small(11));
    let reader = ScenarioReader::new(&buf[..]).unwrap();
    assert_eq!(reader.header().topology.services.len(), 40);
    assert!(reader.header().topology.components.len() >= 24);
    let mut n = 0u64;
    let mut kinds: HashMap<&'static str, u64> = HashMap::new();
    for s in reader {
        let s = s.unwrap();
        n += 1;
        let k = match s {
            Signal::Report(_) => "report",
            Signal::Reports(_) => "reports",
            Signal::Probe(_) => "probe",
            Signal::Official(_) => "official",
        };
        *kinds.entry(k).or_default() += 1;
    }
    assert_eq!(n, g.events);
    assert!(kinds["reports"] > 1000, "{kinds:?}");
    assert!(kinds["probe"] > 10_000, "{kinds:?}");
}

#[test]
fn truth_is_consistent_with_the_topology() {
    for seed in 1..=4 {
        let p = GenParams {
            seed,
            ..small(seed)
        };
        let (buf, g) = bytes(&p);
        let reader = ScenarioReader::new(&buf[..]).unwrap();
        let services: Vec<String> = reader
            .header()
            .topology
            .services
            .iter()
            .map(|s| s.id.clone())
            .collect();
        let components: Vec<String> = reader
            .header()
            .topology
            .components
            .iter()
            .map(|c| c.id.clone())
            .collect();
        let mut component_incidents = 0;
        for inc in &g.truth.incidents {
            assert!(inc.end > inc.start);
            assert!(!inc.affected.is_empty());
            assert!(inc.affected.iter().all(|a| services.contains(a)), "{inc:?}");
            if services.contains(&inc.cause) {
                assert!(inc.affected.contains(&inc.cause));
            } else {
                assert!(components.contains(&inc.cause), "{inc:?}");
                assert!(inc.affected.len() >= 2, "{inc:?}");
                component_incidents += 1;
            }
        }
        assert!(component_incidents >= 2, "seed {seed}: {:?}", g.truth);
    }
}

#[test]
fn regional_failures_fail_only_some_vantages() {
    // Find a seed with a regional incident, then check its probes.
    for seed in 1..40 {
        let p = GenParams {
            incidents: 4,
            ..small(seed)
        };
        let (buf, g) = bytes(&p);
        let Some(inc) = g
            .truth
            .incidents
            .iter()
            .find(|i| i.mode.as_deref() == Some("regional"))
        else {
            continue;
        };
        let mut failing: HashMap<String, (u32, u32)> = HashMap::new();
        for s in ScenarioReader::new(&buf[..]).unwrap() {
            if let Signal::Probe(pr) = s.unwrap() {
                if inc.affected.contains(&pr.service)
                    && pr.at >= inc.start.plus_millis(3 * MINUTE_MS)
                    && pr.at < inc.end.plus_millis(-5 * MINUTE_MS)
                {
                    let e = failing.entry(pr.vantage.clone()).or_default();
                    if pr.ok {
                        e.0 += 1;
                    } else {
                        e.1 += 1;
                    }
                }
            }
        }
        let mostly_failing = failing.values().filter(|(ok, bad)| bad > ok).count();
        let mostly_fine = failing.values().filter(|(ok, bad)| ok > bad).count();
        assert!(
            mostly_failing >= 1 && mostly_fine >= 1,
            "seed {seed}: {failing:?}"
        );
        return;
    }
    panic!("no regional incident in 40 seeds");
}

/// Per lone failure with failing probes: how many of its vantages mostly fail while it is down.
fn lone_failure_vantages(seed: u64) -> Vec<(usize, usize)> {
    let (buf, g) = bytes(&small(seed));
    let lone: Vec<_> = g
        .truth
        .incidents
        .iter()
        .filter(|i| i.mode.as_deref() == Some("lone"))
        .collect();
    let mut tally: Vec<HashMap<String, (u32, u32)>> = vec![HashMap::new(); lone.len()];
    for s in ScenarioReader::new(&buf[..]).unwrap() {
        if let Signal::Probe(pr) = s.unwrap() {
            for (k, inc) in lone.iter().enumerate() {
                if pr.service == inc.cause
                    && pr.at >= inc.start.plus_millis(MINUTE_MS)
                    && pr.at < inc.end.plus_millis(-MINUTE_MS)
                {
                    let e = tally[k].entry(pr.vantage.clone()).or_default();
                    if pr.ok {
                        e.0 += 1;
                    } else {
                        e.1 += 1;
                    }
                }
            }
        }
    }
    tally
        .iter()
        .filter(|t| t.values().any(|(ok, bad)| bad > ok))
        .map(|t| (t.values().filter(|(ok, bad)| bad > ok).count(), t.len()))
        .collect()
}

#[test]
fn some_lone_failures_fail_only_some_vantages() {
    let (mut partial, mut all) = (0, 0);
    for seed in 1..9 {
        for (failing, vantages) in lone_failure_vantages(seed) {
            all += 1;
            if failing < vantages {
                partial += 1;
            }
        }
    }
    // About 30% (LONE_PARTIAL_VANTAGES); the rest fail from every vantage.
    assert!(all >= 6, "{all}");
    assert!(partial > 0 && partial < all, "{partial} of {all}");
}

#[test]
fn report_volumes_are_seasonal_and_over_dispersed() {
    let p = GenParams {
        services: 30,
        incidents: 0,
        days: 2.0,
        seed: 3,
        ..GenParams::default()
    };
    let (buf, _) = bytes(&p);
    let mut per_service_hour: HashMap<(String, i64), f64> = HashMap::new();
    for s in ScenarioReader::new(&buf[..]).unwrap() {
        if let Signal::Reports(r) = s.unwrap() {
            *per_service_hour
                .entry((r.service.clone(), r.at.as_millis() / HOUR_MS))
                .or_default() += r.count as f64;
        }
    }
    // The busiest service: hourly totals vary far more than Poisson would.
    let mut totals: HashMap<String, Vec<f64>> = HashMap::new();
    for ((s, _), c) in per_service_hour {
        totals.entry(s).or_default().push(c);
    }
    let busiest = totals
        .values()
        .max_by(|a, b| a.iter().sum::<f64>().total_cmp(&b.iter().sum::<f64>()))
        .unwrap();
    let mean = busiest.iter().sum::<f64>() / 48.0;
    let var = busiest.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 48.0;
    assert!(mean > 5.0, "mean {mean}");
    assert!(var > 3.0 * mean, "variance {var} mean {mean}");
}

#[test]
fn rejects_bad_parameters() {
    let mut buf = Vec::new();
    assert!(generate(
        &GenParams {
            services: 1,
            ..GenParams::default()
        },
        &mut buf
    )
    .is_err());
    assert!(generate(
        &GenParams {
            days: 0.0,
            ..GenParams::default()
        },
        &mut buf
    )
    .is_err());
    assert!(generate(
        &GenParams {
            vantages: 9,
            ..GenParams::default()
        },
        &mut buf
    )
    .is_err());
}

#[test]
fn symptoms_vary_within_an_incident_and_leave_the_incidents_alone() {
    // The services of one component incident do not all fail with the same error.
    let p = GenParams {
        incidents: 4,
        ..small(21)
    };
    let (buf, g) = bytes(&p);
    let component_incidents: Vec<_> = g
        .truth
        .incidents
        .iter()
        .filter(|i| !i.affected.contains(&i.cause))
        .collect();
    let mut errors: Vec<std::collections::HashSet<ProbeError>> =
        vec![Default::default(); component_incidents.len()];
    for s in ScenarioReader::new(&buf[..]).unwrap() {
        let Signal::Probe(pr) = s.unwrap() else {
            continue;
        };
        let Some(e) = pr.error else { continue };
        for (k, inc) in component_incidents.iter().enumerate() {
            if inc.affected.contains(&pr.service) && pr.at >= inc.start && pr.at < inc.end {
                errors[k].insert(e);
            }
        }
    }
    assert!(
        errors.iter().any(|e| e.len() >= 2),
        "{errors:?} for {component_incidents:?}"
    );
    // Errors have their own stream: the incidents are those drawn before they had one.
    let truth_json = serde_json::to_string(&g.truth).unwrap();
    let expected = include_str!("../../tests/fixtures/gen-s21-small.truth.json");
    assert_eq!(truth_json.trim(), expected.trim());
}

#[test]
fn every_status_page_ends_operational() {
    // A page that posts its outage late clears it later still: an all-clear posted before
    // the outage notice would leave the page red for good (seed 441368 of the 12-service
    // world did, on a lone failure of 13 minutes noticed 28 minutes in).
    let mut declared = 0;
    for seed in 1..=12 {
        let (buf, _) = bytes(&small(seed));
        let mut last: HashMap<String, OfficialStatus> = HashMap::new();
        for s in ScenarioReader::new(&buf[..]).unwrap() {
            if let Signal::Official(o) = s.unwrap() {
                let target = match o.target {
                    OfficialTarget::Component(c) => c,
                    OfficialTarget::Service(s) => s,
                };
                declared += usize::from(o.status != OfficialStatus::Operational);
                last.insert(target, o.status);
            }
        }
        for (target, status) in last {
            assert_eq!(status, OfficialStatus::Operational, "seed {seed}: {target}");
        }
    }
    assert!(declared > 10, "{declared}");
}

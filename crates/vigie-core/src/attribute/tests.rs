//! Attribution tests: the situations issue 5 names, on small hand-made worlds.

use proptest::prelude::*;

use super::*;
use crate::model::{ComponentKind, ComponentSpec, Dependency, ServiceSpec};
use crate::output::Scope;
use crate::time::SECOND_MS;

/// A small provider world for the unit tests of attribute's parts: a cloud with a region and
/// its database, a CDN and a DNS provider.
pub(super) fn provider_components() -> Vec<ComponentSpec> {
    let component = |id: &str, kind| ComponentSpec {
        id: id.into(),
        kind,
        name: None,
    };
    vec![
        component("aws", ComponentKind::Cloud),
        component("aws/us-east-1", ComponentKind::Region),
        component("aws/us-east-1/rds", ComponentKind::ManagedService),
        component("fastly", ComponentKind::Cdn),
        component("ns1", ComponentKind::Dns),
    ]
}

struct World {
    topology: Topology,
}

impl World {
    fn new() -> Self {
        World {
            topology: Topology::default(),
        }
    }

    fn component(self, id: &str) -> Self {
        self.component_of(id, ComponentKind::Other)
    }

    fn component_of(mut self, id: &str, kind: ComponentKind) -> Self {
        self.topology.components.push(ComponentSpec {
            id: id.into(),
            kind,
            name: None,
        });
        self
    }

    /// `n` services named `{prefix}{i}` depending on `deps` (id, confidence).
    fn services(mut self, prefix: &str, n: usize, deps: &[(&str, f64)]) -> Self {
        for i in 0..n {
            self.topology.services.push(ServiceSpec {
                id: format!("{prefix}{i}"),
                name: format!("{prefix}{i}"),
                depends_on: deps
                    .iter()
                    .map(|(t, c)| Dependency {
                        target: t.to_string(),
                        confidence: *c,
                        origin: Default::default(),
                    })
                    .collect(),
            });
        }
        self
    }

    fn attributor(&self) -> Attributor {
        Attributor::new(&self.topology, AttributionParams::default()).unwrap()
    }

    /// An attributor that opens thin claims at once, for tests about *what* is claimed
    /// rather than *when* (the hold has its own test).
    fn eager_attributor(&self) -> Attributor {
        let params = AttributionParams {
            thin_hold_ms: 0,
            shadow_hold_ms: 0,
            ..AttributionParams::default()
        };
        Attributor::new(&self.topology, params).unwrap()
    }

    /// Health with the named services impaired (major outage) and every other one operational.
    fn health(&self, impaired: &[String]) -> Vec<ServiceHealth> {
        self.topology
            .services
            .iter()
            .map(|s| ServiceHealth {
                state: if impaired.contains(&s.id) {
                    State::MajorOutage
                } else {
                    State::Operational
                },
                since: Some(Timestamp::from_secs(0)),
                watched: true,
                incident: None,
                symptom: None,
                probes_fail: false,
                probes_pass: false,
                probes_in_doubt: false,
                footprint: None,
                failed_partly: false,
            })
            .collect()
    }
}

/// Health with the named services impaired, each with its probes' error (`None`: the
/// impairment comes from reports only), and every other one operational.
fn health_with_symptoms(
    w: &World,
    impaired: &[(String, Option<ProbeError>)],
) -> Vec<ServiceHealth> {
    health_with(w, impaired, |h, e| h.symptom = e)
}

/// Health with the named services impaired, `set` giving each its detail (the others get
/// `None`), and every other one operational.
fn health_with<T: Copy>(
    w: &World,
    impaired: &[(String, Option<T>)],
    set: impl Fn(&mut ServiceHealth, Option<T>),
) -> Vec<ServiceHealth> {
    let ids: Vec<String> = impaired.iter().map(|(id, _)| id.clone()).collect();
    let mut health = w.health(&ids);
    for (h, s) in health.iter_mut().zip(&w.topology.services) {
        set(
            h,
            impaired
                .iter()
                .find(|(id, _)| *id == s.id)
                .and_then(|x| x.1),
        );
    }
    health
}

fn names(prefix: &str, range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("{prefix}{i}")).collect()
}

fn t(secs: i64) -> Timestamp {
    Timestamp::from_millis(1_600_000_000_000 + secs * SECOND_MS)
}

fn opened(out: &[Output]) -> Vec<(String, f64, Vec<String>)> {
    out.iter()
        .filter_map(|o| match o {
            Output::IncidentOpened {
                scope: Scope::Component,
                component: Some(c),
                confidence: Some(conf),
                services: Some(s),
                ..
            } => Some((c.clone(), *conf, s.clone())),
            _ => None,
        })
        .collect()
}

/// What `a` opens when ticked at each of `ticks` (seconds) with the health `at` gives for
/// that tick: (tick, component) per opening, in order.
fn openings(
    mut a: Attributor,
    ticks: impl IntoIterator<Item = i64>,
    at: impl Fn(i64) -> Vec<ServiceHealth>,
) -> Vec<(i64, String)> {
    let mut ids = IncidentIds::default();
    ticks
        .into_iter()
        .flat_map(|s| {
            let out = a.tick(t(s), &at(s), &mut ids);
            opened(&out).into_iter().map(move |o| (s, o.0))
        })
        .collect()
}

/// When the first of `openings` happened, checking that every one of them names `component`.
fn first_opening_of(openings: &[(i64, String)], component: &str) -> Option<i64> {
    assert!(openings.iter().all(|(_, c)| c == component), "{openings:?}");
    openings.first().map(|(s, _)| *s)
}

/// The components of `openings`, in order.
fn components(openings: Vec<(i64, String)>) -> Vec<String> {
    openings.into_iter().map(|(_, c)| c).collect()
}

/// A world like the real one: a CDN, a cloud with a region and a managed service in it, and
/// services spread over them.
/// The explanation of the first incident opened (empty if none).
fn first_explanation(out: &[Output]) -> String {
    out.iter()
        .find_map(|o| match o {
            Output::IncidentOpened { explanation, .. } => explanation.clone(),
            _ => None,
        })
        .unwrap_or_default()
}

fn cloud_world() -> World {
    World::new()
        .component("fastly")
        .component("cloudflare")
        .component("aws")
        .component("aws/us-east-1")
        .component("aws/us-east-1/dynamodb")
        .component("aws/eu-west-1")
        .services(
            "dyn",
            12,
            &[("aws/us-east-1/dynamodb", 1.0), ("cloudflare", 1.0)],
        )
        .services("use", 20, &[("aws/us-east-1", 1.0), ("cloudflare", 1.0)])
        .services("euw", 20, &[("aws/eu-west-1", 1.0), ("fastly", 1.0)])
        .services("fst", 15, &[("fastly", 1.0)])
        .services("cf", 30, &[("cloudflare", 1.0)])
}

#[test]
fn single_cause_names_the_component_with_an_explanation() {
    let w = cloud_world();
    let mut a = w.attributor();
    let mut ids = IncidentIds::default();
    let mut imp = names("fst", 0..13);
    imp.extend(names("euw", 0..17));
    imp.push("cf3".into()); // an unrelated failure at the same time
    let out = a.tick(t(0), &w.health(&imp), &mut ids);
    let o = opened(&out);
    assert_eq!(o.len(), 1, "{out:?}");
    assert_eq!(o[0].0, "fastly");
    assert!(o[0].1 >= 0.9, "confidence {}", o[0].1);
    assert_eq!(o[0].2.len(), 30);
    assert!(!o[0].2.contains(&"cf3".to_string()));
    let explanation = first_explanation(&out);
    assert!(
        explanation
            .starts_with("30 of 35 dependents of fastly impaired; 1 of 62 other services impaired"),
        "{explanation}"
    );
}

#[test]
fn prefers_the_most_specific_component() {
    let w = cloud_world();
    // Only DynamoDB's dependents fail: DynamoDB, not us-east-1 nor aws.
    let mut a = w.attributor();
    let out = a.tick(
        t(0),
        &w.health(&names("dyn", 0..11)),
        &mut IncidentIds::default(),
    );
    let o = opened(&out);
    assert_eq!(o.len(), 1, "{out:?}");
    assert_eq!(o[0].0, "aws/us-east-1/dynamodb");

    // Other us-east-1 dependents fail too: the region.
    let mut a = w.attributor();
    let mut imp = names("dyn", 0..10);
    imp.extend(names("use", 0..15));
    let out = a.tick(t(0), &w.health(&imp), &mut IncidentIds::default());
    let o = opened(&out);
    assert_eq!(o.len(), 1, "{out:?}");
    assert_eq!(o[0].0, "aws/us-east-1");
    assert_eq!(o[0].2.len(), 25);
}

#[test]
fn two_concurrent_causes() {
    let w = cloud_world();
    let mut a = w.attributor();
    let mut imp = names("fst", 0..14);
    imp.extend(names("dyn", 0..12));
    let out = a.tick(t(0), &w.health(&imp), &mut IncidentIds::default());
    let mut o = opened(&out);
    o.sort_by(|a, b| a.0.cmp(&b.0));
    let comps: Vec<&str> = o.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(comps, ["aws/us-east-1/dynamodb", "fastly"], "{out:?}");
    assert_eq!(o[0].2.len(), 12);
    assert_eq!(o[1].2.len(), 14);
}

#[test]
fn partial_failure_is_still_attributed() {
    let w = cloud_world();
    let mut a = w.attributor();
    // A regional Fastly problem: 12 of its 35 dependents fail.
    let mut imp = names("fst", 0..6);
    imp.extend(names("euw", 0..6));
    let out = a.tick(t(0), &w.health(&imp), &mut IncidentIds::default());
    let o = opened(&out);
    assert_eq!(o.len(), 1, "{out:?}");
    assert_eq!(o[0].0, "fastly");
    let cause = &a.causes()[0];
    assert!(cause.hit_share < 0.5, "{cause:?}");
}

#[test]
fn a_lone_failing_service_blames_no_component() {
    let w = cloud_world();
    let mut a = w.attributor();
    let mut ids = IncidentIds::default();
    for minute in 0..30 {
        let out = a.tick(t(minute * 60), &w.health(&["euw4".to_string()]), &mut ids);
        assert!(out.is_empty(), "{out:?}");
    }
    assert!(a.causes().is_empty());
    // Two unrelated lone failures sharing a big provider are no outage of it either.
    let out = a.tick(
        t(1900),
        &w.health(&["cf1".to_string(), "cf20".to_string()]),
        &mut ids,
    );
    assert!(opened(&out).is_empty(), "{out:?}");
}

#[test]
fn uncertain_edges_count_for_less() {
    // Six services certainly on Fastly and perhaps (0.3) on Cloudflare fail: Fastly.
    let w = World::new()
        .component("fastly")
        .component("cloudflare")
        .services("both", 6, &[("fastly", 1.0), ("cloudflare", 0.3)])
        .services("f", 6, &[("fastly", 1.0)])
        .services("c", 6, &[("cloudflare", 1.0)]);
    let mut a = w.attributor();
    let out = a.tick(
        t(0),
        &w.health(&names("both", 0..6)),
        &mut IncidentIds::default(),
    );
    // Fastly explains them with certainty though half its dependents are fine; Cloudflare
    // only through weak edges, with its sure dependents fine.
    let o = opened(&out);
    assert_eq!(o.len(), 1, "{out:?}");
    assert_eq!(o[0].0, "fastly");
    let f = a.component_score("fastly").unwrap();
    let c = a.component_score("cloudflare").unwrap();
    assert!(f > c, "fastly {f} cloudflare {c}");

    // The same failure seen only through uncertain edges still scores lower than through
    // certain ones.
    let weak = World::new()
        .component("x")
        .services("s", 5, &[("x", 0.4)])
        .services("o", 5, &[("y", 1.0)]);
    let sure = World::new()
        .component("x")
        .services("s", 5, &[("x", 1.0)])
        .services("o", 5, &[("y", 1.0)]);
    let mut aw = weak.attributor();
    aw.tick(
        t(0),
        &weak.health(&names("s", 0..5)),
        &mut IncidentIds::default(),
    );
    let mut asu = sure.attributor();
    asu.tick(
        t(0),
        &sure.health(&names("s", 0..5)),
        &mut IncidentIds::default(),
    );
    assert!(aw.component_score("x").unwrap() < asu.component_score("x").unwrap());
}

#[test]
fn a_service_failing_through_another_service() {
    let w = World::new()
        .component("fastly")
        .services("shop", 1, &[("fastly", 1.0)])
        .services("widget", 3, &[("shop0", 1.0)])
        .services("f", 6, &[("fastly", 1.0)]);
    // The shop fails on its own and takes its widgets down: no component is to blame.
    let mut a = w.attributor();
    let mut imp = vec!["shop0".to_string()];
    imp.extend(names("widget", 0..3));
    let out = a.tick(t(0), &w.health(&imp), &mut IncidentIds::default());
    assert!(opened(&out).is_empty(), "{out:?}");
    assert_eq!(
        a.causes()[0].kind,
        CauseKind::Service(a.graph().service_ix("shop0").unwrap())
    );

    // Fastly fails: its direct dependents, the shop, and the widgets through the shop.
    let mut a = w.attributor();
    imp.extend(names("f", 0..5));
    let out = a.tick(t(0), &w.health(&imp), &mut IncidentIds::default());
    let o = opened(&out);
    assert_eq!(o.len(), 1, "{out:?}");
    assert_eq!(o[0].0, "fastly");
    assert_eq!(o[0].2.len(), 9);
    // The widgets are transitive, not independent evidence.
    assert_eq!(a.causes()[0].independent, 6);
}

#[test]
fn incidents_grow_link_and_resolve_with_hysteresis() {
    let w = cloud_world();
    let mut a = w.attributor();
    assert!(a.is_idle(), "nothing impaired, nothing open");
    let mut ids = IncidentIds::starting_at(100);
    let mut health = w.health(&names("fst", 0..5));
    for (i, h) in health.iter_mut().enumerate() {
        if h.state.is_impaired() {
            h.incident = Some(500 + i as u64);
        }
    }
    let out = a.tick(t(0), &health, &mut ids);
    let o = opened(&out);
    assert_eq!(o.len(), 1, "{out:?}");
    let links = out
        .iter()
        .filter(|o| {
            matches!(
                o,
                Output::IncidentUpdated {
                    parent: Some(100),
                    ..
                }
            )
        })
        .count();
    assert_eq!(
        links, 5,
        "each service incident links to the component incident"
    );

    // More dependents fail: the incident grows (one update), links are not repeated.
    let mut health2 = w.health(&names("fst", 0..12));
    for (i, h) in health2.iter_mut().enumerate() {
        if h.state.is_impaired() {
            h.incident = Some(500 + i as u64);
        }
    }
    let out = a.tick(t(60), &health2, &mut ids);
    let grown: Vec<_> = out
        .iter()
        .filter_map(|o| match o {
            Output::IncidentUpdated {
                incident: 100,
                services: Some(s),
                ..
            } => Some(s.len()),
            _ => None,
        })
        .collect();
    assert_eq!(grown, [12], "{out:?}");
    assert_eq!(
        out.iter()
            .filter(|o| matches!(
                o,
                Output::IncidentUpdated {
                    parent: Some(100),
                    ..
                }
            ))
            .count(),
        7
    );
    // Same evidence again: nothing new.
    assert!(a.tick(t(120), &health2, &mut ids).is_empty());

    // Everything recovers: resolved only after five minutes without support.
    let healthy = w.health(&[]);
    for m in 3..7 {
        let out = a.tick(t(m * 60), &healthy, &mut ids);
        assert!(out.is_empty(), "minute {m}: {out:?}");
        // The engine must keep ticking it: the time alone resolves the incident.
        assert!(!a.is_idle(), "minute {m}");
    }
    let out = a.tick(t(7 * 60), &healthy, &mut ids);
    assert_eq!(
        out,
        [Output::IncidentResolved {
            at: t(420),
            incident: 100
        }]
    );
    assert!(a.open_incidents().is_empty());
    assert!(
        a.is_idle(),
        "resolved and healthy: later ticks would conclude nothing"
    );
}

#[test]
fn the_engine_changes_its_mind() {
    let w = cloud_world();
    let mut a = w.attributor();
    let mut ids = IncidentIds::default();
    let out = a.tick(t(0), &w.health(&names("dyn", 0..8)), &mut ids);
    assert_eq!(opened(&out)[0].0, "aws/us-east-1/dynamodb");
    // Then the rest of us-east-1 goes: the same incident now names the region.
    let mut imp = names("dyn", 0..10);
    imp.extend(names("use", 0..16));
    let out = a.tick(t(60), &w.health(&imp), &mut ids);
    assert!(opened(&out).is_empty(), "{out:?}");
    let changed = out.iter().find_map(|o| match o {
        Output::IncidentUpdated {
            incident: 1,
            component: Some(c),
            ..
        } => Some(c.clone()),
        _ => None,
    });
    assert_eq!(changed.as_deref(), Some("aws/us-east-1"), "{out:?}");
}

#[test]
fn unwatched_and_unknown_services_are_not_evidence() {
    let w = cloud_world();
    let mut a = w.attributor();
    let mut health = w.health(&names("fst", 0..3));
    // Every other Fastly dependent is unwatched: 3 of 3 observed dependents impaired.
    for (spec, h) in w.topology.services.iter().zip(health.iter_mut()) {
        if spec.id.starts_with("euw") {
            h.watched = false;
        }
        if spec.id.starts_with("fst") && !h.state.is_impaired() {
            h.state = State::Unknown;
        }
    }
    let out = a.tick(t(0), &health, &mut IncidentIds::default());
    assert!(a.causes()[0].dependents == 3, "{:?}", a.causes());
    assert_eq!(opened(&out)[0].0, "fastly");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Adding healthy services that do not depend on a component never raises its score.
    #[test]
    fn healthy_non_dependents_never_raise_a_score(
        deps in proptest::collection::vec((0usize..4, 0usize..4, 1u32..=10), 4..40),
        impaired_mask in proptest::collection::vec(any::<bool>(), 40),
        extra in proptest::collection::vec((0usize..4, 1u32..=10), 1..20),
        footprints in proptest::collection::vec(0u64..3, 40),
    ) {
        let comps = ["a", "a/x", "b", "c"];
        let mut topology = Topology::default();
        for (i, (d1, d2, conf)) in deps.iter().enumerate() {
            topology.services.push(ServiceSpec {
                id: format!("s{i}"),
                name: format!("s{i}"),
                depends_on: vec![
                    Dependency { target: comps[*d1].into(), confidence: *conf as f64 / 10.0, origin: Default::default() },
                    Dependency { target: comps[*d2].into(), confidence: 1.0, origin: Default::default() },
                ],
            });
        }
        let impaired: Vec<String> = (0..deps.len())
            .filter(|&i| impaired_mask[i])
            .map(|i| format!("s{i}"))
            .collect();
        // Impaired services fail from every vantage (0) or from one of two few (1, 2).
        let impaired: Vec<(String, Option<Footprint>)> = impaired
            .into_iter()
            .enumerate()
            .map(|(i, s)| (s, (footprints[i] > 0).then_some(Footprint { key: footprints[i], failing: 1, live: 3 })))
            .collect();
        let w = World { topology: topology.clone() };
        let mut a = w.attributor();
        a.tick(t(0), &health_with_footprints(&w, &impaired), &mut IncidentIds::default());

        for target in comps {
            let Some(before) = a.component_score(target) else { continue };
            // Healthy services depending on anything but `target` (or its descendants).
            let mut bigger = topology.clone();
            for (j, (c, conf)) in extra.iter().enumerate() {
                let dep = comps[*c];
                if dep == target || dep.starts_with(&format!("{target}/")) {
                    continue;
                }
                bigger.services.push(ServiceSpec {
                    id: format!("extra{j}"),
                    name: format!("extra{j}"),
                    depends_on: vec![Dependency { target: dep.into(), confidence: *conf as f64 / 10.0, origin: Default::default() }],
                });
            }
            let wb = World { topology: bigger };
            let mut b = wb.attributor();
            b.tick(t(0), &health_with_footprints(&wb, &impaired), &mut IncidentIds::default());
            let after = b.component_score(target);
            // `None` only when pruned: some candidate scored more than `prune_margin` above.
            let best = b.candidate_scores().iter().map(|c| c.score).fold(f64::NEG_INFINITY, f64::max);
            let margin = AttributionParams::default().prune_margin;
            prop_assert!(
                after.map_or(best - before >= margin - 1e-9, |s| s <= before + 1e-9),
                "{target}: {before} -> {after:?}"
            );
        }
    }
}

/// Health with each named service impaired since the given second ([`t`]), those in
/// `reported` seen by reports alone and the others by failing probes (HTTP errors).
fn health_seen_since(w: &World, impaired: &[(&str, i64)], reported: &[&str]) -> Vec<ServiceHealth> {
    let imp: Vec<(String, Timestamp)> = impaired
        .iter()
        .map(|(s, at)| (s.to_string(), t(*at)))
        .collect();
    let mut health = health_since(w, &imp);
    for (h, s) in health.iter_mut().zip(&w.topology.services) {
        if h.impaired() && !reported.contains(&s.id.as_str()) {
            h.symptom = Some(ProbeError::HttpStatus);
        }
    }
    health
}

/// [`health_seen_since`] with the probes of the services in `in_doubt` failed and not yet
/// confirmed.
fn health_in_doubt(w: &World, impaired: &[(&str, i64)], in_doubt: &[&str]) -> Vec<ServiceHealth> {
    let mut health = health_seen_since(w, impaired, &[]);
    for (h, s) in health.iter_mut().zip(&w.topology.services) {
        h.probes_in_doubt = in_doubt.contains(&s.id.as_str());
    }
    health
}

/// Health with each named service impaired since the given time, every other one operational.
fn health_since(w: &World, impaired: &[(String, Timestamp)]) -> Vec<ServiceHealth> {
    w.topology
        .services
        .iter()
        .map(|s| match impaired.iter().find(|(id, _)| *id == s.id) {
            Some((_, since)) => ServiceHealth {
                state: State::MajorOutage,
                since: Some(*since),
                watched: true,
                incident: None,
                symptom: None,
                probes_fail: false,
                probes_pass: false,
                probes_in_doubt: false,
                footprint: None,
                failed_partly: false,
            },
            None => ServiceHealth {
                state: State::Operational,
                since: Some(t(0)),
                watched: true,
                incident: None,
                symptom: None,
                probes_fail: false,
                probes_pass: false,
                probes_in_doubt: false,
                footprint: None,
                failed_partly: false,
            },
        })
        .collect()
}

#[test]
fn overlapping_causes_do_not_produce_a_broad_false_cause() {
    // Three CDNs fail at once; everything runs on one cloud, so the cloud's dependents are
    // impaired about as often as everything else: the cloud explains nothing.
    let w = World::new()
        .component("cdn1")
        .component("cdn2")
        .component("cdn3")
        .component("aws")
        .component("aws/r1")
        .component("aws/r2")
        .services("a", 20, &[("cdn1", 1.0), ("aws/r1", 1.0)])
        .services("b", 20, &[("cdn2", 1.0), ("aws/r2", 1.0)])
        .services("c", 20, &[("cdn3", 1.0), ("aws/r1", 1.0)])
        .services("d", 40, &[("aws/r2", 1.0)])
        .services("e", 20, &[("aws/r1", 1.0)]);
    let mut a = w.attributor();
    let mut imp = names("a", 0..18);
    imp.extend(names("b", 0..15));
    imp.extend(names("c", 0..12));
    // A few unrelated lone failures elsewhere on the cloud.
    imp.extend(names("d", 0..3));
    imp.extend(names("e", 0..2));
    let out = a.tick(t(0), &w.health(&imp), &mut IncidentIds::default());
    let mut comps: Vec<String> = opened(&out).into_iter().map(|o| o.0).collect();
    comps.sort();
    assert_eq!(comps, ["cdn1", "cdn2", "cdn3"], "{out:?}");
    for cause in a.causes() {
        if let CauseKind::Component(c) = cause.kind {
            let id = &a.graph().component(c).id;
            assert!(!id.starts_with("aws"), "{id} blamed: {cause:?}");
        }
    }
}

#[test]
fn residual_lift_rejects_a_component_impaired_at_the_background_rate() {
    // 41% of everything is impaired with no common component; a component whose dependents
    // are 45% impaired is not evidence.
    let w = World::new()
        .component("big")
        .services("x", 20, &[("big", 1.0)])
        .services("y", 80, &[]);
    let mut a = w.attributor();
    let mut imp = names("x", 0..9);
    imp.extend(names("y", 0..32));
    let out = a.tick(t(0), &w.health(&imp), &mut IncidentIds::default());
    assert!(opened(&out).is_empty(), "{out:?}");
    assert!(a.causes().is_empty(), "{:?}", a.causes());
}

#[test]
fn stale_impairments_are_not_fresh_evidence() {
    let w = cloud_world()
        .component("widget")
        .services("wd", 2, &[("widget", 1.0)]);
    let mut a = w.attributor();
    let mut ids = IncidentIds::default();
    // wd0 has been failing for an hour on its own; wd1 fails now.
    let imp = vec![("wd0".to_string(), t(0)), ("wd1".to_string(), t(3600))];
    for s in [3600, 3630, 3660] {
        let out = a.tick(t(s), &health_since(&w, &imp), &mut ids);
        assert!(opened(&out).is_empty(), "{out:?}");
    }
    assert!(a.causes().is_empty(), "{:?}", a.causes());
    // Both failing fresh together do name the widget.
    let mut b = w.eager_attributor();
    let imp = vec![("wd0".to_string(), t(3590)), ("wd1".to_string(), t(3600))];
    let out = b.tick(
        t(3630),
        &health_since(&w, &imp),
        &mut IncidentIds::default(),
    );
    let o = opened(&out);
    assert_eq!(o.len(), 1, "{out:?}");
    assert_eq!(o[0].0, "widget");
    // The window's edge: a dependent impaired just longer than the window before the other
    // is a failure of its own; just within it, the two fail together.
    let stale_s = STALE_BEFORE_ONSET_MS / 1000;
    for (gap_s, blamed) in [(stale_s + 30, false), (stale_s - 30, true)] {
        let mut c = w.eager_attributor();
        let now = 7200;
        let imp = vec![
            ("wd0".to_string(), t(now - gap_s)),
            ("wd1".to_string(), t(now)),
        ];
        let out = c.tick(
            t(now + 30),
            &health_since(&w, &imp),
            &mut IncidentIds::default(),
        );
        assert_eq!(!opened(&out).is_empty(), blamed, "gap {gap_s} s: {out:?}");
    }
}

#[test]
fn the_explanation_says_which_impaired_dependents_the_cause_does_not_explain() {
    let w = cloud_world()
        .component("widget")
        .services("wd", 4, &[("widget", 1.0)]);
    let mut a = w.eager_attributor();
    // wd0 has been failing for an hour on its own; wd1 and wd2 fail now.
    let imp = vec![
        ("wd0".to_string(), t(0)),
        ("wd1".to_string(), t(3590)),
        ("wd2".to_string(), t(3600)),
    ];
    let out = a.tick(
        t(3630),
        &health_since(&w, &imp),
        &mut IncidentIds::default(),
    );
    let o = opened(&out);
    assert_eq!(o.len(), 1, "{out:?}");
    assert_eq!(o[0].2, vec!["wd1".to_string(), "wd2".to_string()]);
    let explanation = first_explanation(&out);
    assert!(
        explanation.starts_with(
            "3 of 4 dependents of widget impaired, 2 of them explained by it (1 began at \
             another time or has another cause); 0 of 97 other services impaired"
        ),
        "{explanation}"
    );
}

#[test]
fn two_fresh_co_failing_dependents_of_a_specific_component_open_at_once() {
    let w = cloud_world().component("aws/us-east-1/sqs").services(
        "sq",
        3,
        &[("aws/us-east-1/sqs", 1.0)],
    );
    let mut a = w.attributor();
    let imp = vec![("sq0".to_string(), t(0)), ("sq1".to_string(), t(20))];
    // Seen by their probes: nothing thin about the claim (see
    // `a_thin_claim_waits_during_a_storm_for_what_else_may_be_unfolding`).
    let mut health = health_since(&w, &imp);
    for h in &mut health[..] {
        h.symptom = h.impaired().then_some(ProbeError::HttpStatus);
    }
    let out = a.tick(t(30), &health, &mut IncidentIds::default());
    let o = opened(&out);
    assert_eq!(o.len(), 1, "{out:?}");
    assert_eq!(o[0].0, "aws/us-east-1/sqs");
    assert!(o[0].1 >= AttributionParams::default().open_confidence);
}

#[test]
fn a_service_explained_by_two_open_incidents_keeps_its_first_parent() {
    // x0 relies on both CDNs. cdn-a fails first, with x0; then cdn-b fails completely and,
    // being the stronger cause, explains x0 from then on while cdn-a's incident stays open.
    let w = World::new()
        .component("cdn-a")
        .component("cdn-b")
        .services("a", 4, &[("cdn-a", 1.0)])
        .services("b", 4, &[("cdn-b", 1.0)])
        .services("x", 1, &[("cdn-a", 1.0), ("cdn-b", 1.0)])
        .services("z", 40, &[]);
    let mut a = w.attributor();
    let mut ids = IncidentIds::starting_at(100);
    let with_incidents = |impaired: &[String]| {
        let mut health = w.health(impaired);
        for (i, h) in health.iter_mut().enumerate() {
            if h.state.is_impaired() {
                h.incident = Some(500 + i as u64);
            }
        }
        health
    };
    let mut first = names("a", 0..3);
    first.push("x0".into());
    let mut second = first.clone();
    second.extend(names("b", 0..4));
    let x0_incident = 500 + 8;
    let mut parents = Vec::new();
    for s in 0..30 {
        let health = with_incidents(if s < 5 { &first } else { &second });
        for o in a.tick(t(s * 10), &health, &mut ids) {
            if let Output::IncidentUpdated {
                incident,
                parent: Some(p),
                ..
            } = o
            {
                if incident == x0_incident {
                    parents.push(p);
                }
            }
        }
    }
    assert_eq!(a.open_incidents().len(), 2, "{:?}", a.open_incidents());
    assert_eq!(parents.len(), 1, "x0 relinked: {parents:?}");
}

/// A widget with ten dependents and forty unrelated services: two of ten impaired is not
/// enough to blame it, three of ten is.
fn widget_world() -> World {
    World::new()
        .component("widget")
        .services("wd", 10, &[("widget", 1.0)])
        .services("z", 40, &[])
}

#[test]
fn a_dependent_impaired_long_after_the_others_is_no_evidence() {
    let w = widget_world();
    // wd2 fails well after wd0 and wd1: its own failure, not the widget's. Just within the
    // window, the three fail together. A dependent whose probes fail (it has a symptom) has
    // the shorter window; one impaired by its reports alone, which show a failure later, the
    // longer one.
    for (symptom, late_ms) in [
        (Some(ProbeError::Timeout), LATE_AFTER_ONSET_MS),
        (None, LATE_REPORTED_AFTER_ONSET_MS),
    ] {
        let late_s = late_ms / 1000;
        for (gap_s, blamed) in [(late_s + 60, false), (late_s - 60, true)] {
            let mut a = w.attributor();
            let imp = vec![
                ("wd0".to_string(), t(0)),
                ("wd1".to_string(), t(30)),
                ("wd2".to_string(), t(30 + gap_s)),
            ];
            let mut health = health_since(&w, &imp);
            for h in health.iter_mut().filter(|h| h.impaired()) {
                h.symptom = symptom;
            }
            // Two of ten failing in step may name the widget on their own; wd2 must not be
            // among what it explains once it is late.
            let out = a.tick(t(60 + gap_s), &health, &mut IncidentIds::default());
            let wd2_blamed = opened(&out)
                .iter()
                .any(|o| o.0 == "widget" && o.2.contains(&"wd2".to_string()));
            assert_eq!(wd2_blamed, blamed, "{symptom:?}, gap {gap_s} s: {out:?}");
        }
    }
}

/// Two of a CDN's seven dependents failing is a partial failure when their probes began
/// failing everywhere within moments of each other, and too little when the two could have
/// begun at unrelated moments: seen by their reports alone, or by probes minutes apart
/// (docs/attribution.md, "Timing"; the shape of seeds 480312 and 480381).
#[test]
fn two_dependents_failing_in_step_name_a_partial_failure() {
    let w = World::new()
        .component_of("cdn", ComponentKind::Cdn)
        .services("d", 7, &[("cdn", 1.0)])
        .services("o", 20, &[("other", 1.0)]);
    let named = |second_at: i64, probed: bool| {
        let imp = vec![("d0".to_string(), t(0)), ("d1".to_string(), t(second_at))];
        let mut health = health_since(&w, &imp);
        for h in health.iter_mut().filter(|h| h.impaired()) {
            h.symptom = probed.then_some(ProbeError::HttpStatus);
            h.probes_fail = probed;
        }
        let out = w
            .attributor()
            .tick(t(second_at + 10), &health, &mut IncidentIds::default());
        opened(&out).into_iter().map(|o| o.0).collect::<Vec<_>>()
    };
    assert_eq!(named(20, true), vec!["cdn"]);
    assert_eq!(named(80, true), vec!["cdn"]);
    assert_eq!(named(20, false), Vec::<String>::new());
    assert_eq!(named(150, true), Vec::<String>::new());
}

#[test]
fn a_late_dependent_still_joins_an_open_incident() {
    let w = widget_world();
    let mut a = w.attributor();
    let mut ids = IncidentIds::default();
    let mut imp = vec![
        ("wd0".to_string(), t(0)),
        ("wd1".to_string(), t(20)),
        ("wd2".to_string(), t(40)),
    ];
    let out = a.tick(t(60), &health_since(&w, &imp), &mut ids);
    assert_eq!(opened(&out).len(), 1, "{out:?}");
    // Twenty minutes in, wd3 fails too: the established failure explains it.
    imp.push(("wd3".to_string(), t(1200)));
    let out = a.tick(t(1230), &health_since(&w, &imp), &mut ids);
    let grown = out.iter().any(|o| {
        matches!(o, Output::IncidentUpdated { services: Some(s), .. } if s.contains(&"wd3".to_string()))
    });
    assert!(grown, "{out:?}");
}

#[test]
fn a_region_is_no_rival_to_its_managed_service_for_a_concurrent_causes_service() {
    // Five of six queue dependents fail, and so does DNS for its three dependents, one of
    // which (rd0) also runs in the queue's region. Blaming the region "explains" the five
    // plus rd0; once DNS is accepted, rd0 is DNS's, and the region claims nothing more than
    // the queue: the queue is named with full confidence.
    let w = World::new()
        .component("aws")
        .component("aws/us-west-2")
        .component("aws/us-west-2/sqs")
        .component("dns")
        .services("q", 6, &[("aws/us-west-2/sqs", 1.0)])
        .services("r", 8, &[("aws/us-west-2", 1.0)])
        .services("rd", 1, &[("aws/us-west-2", 1.0), ("dns", 1.0)])
        .services("d", 2, &[("dns", 1.0)])
        .services("z", 60, &[]);
    let mut a = w.attributor();
    let mut impaired = names("q", 0..5);
    impaired.extend(names("d", 0..2));
    impaired.push("rd0".into());
    a.tick(t(60), &w.health(&impaired), &mut IncidentIds::default());
    let sqs = a
        .causes()
        .iter()
        .find(|c| {
            c.kind == CauseKind::Component(a.graph().component_ix("aws/us-west-2/sqs").unwrap())
        })
        .unwrap_or_else(|| panic!("{:?}", a.causes()));
    assert!(sqs.confidence > 0.95, "{sqs:?}");
}

#[test]
fn a_region_covering_its_cdn_and_a_dns_failure_is_beaten_by_the_two() {
    // Everything runs in aws/us-east-1; some services sit behind aws/cloudfront, others use
    // the DNS provider ns. CloudFront and ns fail together: blaming the region "explains"
    // all ten impaired services at once, but CloudFront and ns together explain them
    // better, and CloudFront belongs to the same provider as the region.
    let w = World::new()
        .component("aws")
        .component("aws/us-east-1")
        .component("aws/cloudfront")
        .component("ns")
        .services("cfr", 6, &[("aws/cloudfront", 1.0), ("aws/us-east-1", 1.0)])
        .services("dn", 6, &[("ns", 1.0), ("aws/us-east-1", 1.0)])
        .services("ue", 20, &[("aws/us-east-1", 1.0)])
        .services("z", 20, &[]);
    let mut a = w.attributor();
    let mut impaired = names("cfr", 0..5);
    impaired.extend(names("dn", 0..5));
    let out = a.tick(t(60), &w.health(&impaired), &mut IncidentIds::default());
    let mut blamed: Vec<String> = opened(&out).into_iter().map(|o| o.0).collect();
    blamed.sort();
    assert_eq!(blamed, ["aws/cloudfront", "ns"], "{out:?}");
}

/// Run-of-the-mill services behind a CDN and a managed database with four dependents.
fn database_world() -> World {
    World::new()
        .component_of("fastly", ComponentKind::Cdn)
        .component_of("gcp", ComponentKind::Cloud)
        .component_of("gcp/us-central1", ComponentKind::Region)
        .component_of("gcp/us-central1/cloud-sql", ComponentKind::ManagedService)
        .services(
            "db",
            4,
            &[("gcp/us-central1/cloud-sql", 1.0), ("fastly", 1.0)],
        )
        .services("web", 40, &[("fastly", 1.0)])
}

fn opened_with(
    w: &World,
    impaired: &[(String, Option<ProbeError>)],
) -> Vec<(String, f64, Vec<String>)> {
    let mut a = w.eager_attributor();
    let mut ids = IncidentIds::default();
    opened(&a.tick(t(0), &health_with_symptoms(w, impaired), &mut ids))
}

#[test]
fn two_broken_certificates_do_not_blame_the_database_they_share() {
    // Two of the database's four dependents fail at once. Failing with 5xx, as services do
    // when their database is gone, the database is a credible cause; failing with broken
    // certificates, which a database cannot break, they are two lone failures.
    let w = database_world();
    let with = |e: ProbeError| opened_with(&w, &[("db0".into(), Some(e)), ("db1".into(), Some(e))]);
    let http = with(ProbeError::HttpStatus);
    assert_eq!(http.len(), 1, "{http:?}");
    assert_eq!(http[0].0, "gcp/us-central1/cloud-sql");
    assert_eq!(with(ProbeError::Tls), vec![]);
    // Impaired through reports only, there is no symptom to weigh: as with 5xx.
    let reports = opened_with(&w, &[("db0".into(), None), ("db1".into(), None)]);
    assert_eq!(reports.len(), 1, "{reports:?}");
}

#[test]
fn one_odd_symptom_among_many_does_not_stop_a_real_failure() {
    // Eight dependents fail with 5xx and one with a TLS error (its own certificate expired
    // the same hour, or a symptom no table foresaw): the database is still named.
    let w = World::new()
        .component_of("aws/us-east-1/rds", ComponentKind::ManagedService)
        .services("db", 10, &[("aws/us-east-1/rds", 1.0)])
        .services("web", 40, &[("other", 1.0)]);
    let mut impaired: Vec<(String, Option<ProbeError>)> = names("db", 0..8)
        .into_iter()
        .map(|s| (s, Some(ProbeError::HttpStatus)))
        .collect();
    impaired.push(("db8".into(), Some(ProbeError::Tls)));
    let got = opened_with(&w, &impaired);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "aws/us-east-1/rds");
    assert!(got[0].1 > 0.95, "{got:?}");
    assert_eq!(got[0].2.len(), 9, "the odd one is still explained: {got:?}");
}

#[test]
fn resolution_failures_point_at_the_dns_provider_rather_than_the_cdn() {
    // Eight services use both a DNS provider and a CDN; four more use only one of them each.
    // The eight fail: the dependents say nothing about which of the two failed, their
    // symptom does.
    let w = World::new()
        .component_of("ns1", ComponentKind::Dns)
        .component_of("fastly", ComponentKind::Cdn)
        .services("both", 8, &[("ns1", 1.0), ("fastly", 1.0)])
        .services("dns", 4, &[("ns1", 1.0)])
        .services("cdn", 4, &[("fastly", 1.0)])
        .services("web", 40, &[("other", 1.0)]);
    let with = |e: Option<ProbeError>| {
        let impaired: Vec<(String, Option<ProbeError>)> =
            names("both", 0..8).into_iter().map(|s| (s, e)).collect();
        opened_with(&w, &impaired)
    };
    assert_eq!(with(None), vec![], "no symptom: a tie, nobody is named");
    let dns = with(Some(ProbeError::DnsServfail));
    assert_eq!(dns.len(), 1, "{dns:?}");
    assert_eq!(dns[0].0, "ns1");
    let cdn = with(Some(ProbeError::HttpStatus));
    assert_eq!(cdn.len(), 1, "{cdn:?}");
    assert_eq!(cdn[0].0, "fastly");
}

#[test]
fn the_explanation_lists_the_errors_and_what_does_not_fit() {
    let w = World::new()
        .component_of("aws/us-east-1/rds", ComponentKind::ManagedService)
        .services("db", 10, &[("aws/us-east-1/rds", 1.0)])
        .services("web", 40, &[("other", 1.0)]);
    let mut impaired: Vec<(String, Option<ProbeError>)> = vec![
        ("db0".into(), Some(ProbeError::Timeout)),
        ("db1".into(), Some(ProbeError::Tls)),
        ("db2".into(), None),
    ];
    impaired.extend((3..8).map(|i| (format!("db{i}"), Some(ProbeError::HttpStatus))));
    let mut a = w.attributor();
    let out = a.tick(
        t(0),
        &health_with_symptoms(&w, &impaired),
        &mut IncidentIds::default(),
    );
    let explanation = out
        .iter()
        .find_map(|o| match o {
            Output::IncidentOpened {
                scope: Scope::Component,
                explanation: Some(e),
                ..
            } => Some(e.clone()),
            _ => None,
        })
        .unwrap();
    assert!(
        explanation.ends_with(
            "probe errors: http_status ×5, tls ×1, timeout ×1 (1 unusual for a managed-service failure)"
        ),
        "{explanation}"
    );
}

/// Component changes announced by incident updates: `(incident, component)`.
fn takeovers(out: &[Output]) -> Vec<(IncidentId, String)> {
    out.iter()
        .filter_map(|o| match o {
            Output::IncidentUpdated {
                incident,
                component: Some(c),
                ..
            } => Some((*incident, c.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn stragglers_of_a_recovering_failure_are_not_handed_to_another_component() {
    // A CDN failure takes six services down; an hour later four have recovered. The two left
    // also share a small database, which now explains them better than the CDN does.
    // With `more`, the database has that many more dependents.
    let world = |more: usize| {
        World::new()
            .component_of("fastly", ComponentKind::Cdn)
            .component_of("gcp/us-central1/cloud-sql", ComponentKind::ManagedService)
            .services(
                "a",
                2,
                &[("fastly", 1.0), ("gcp/us-central1/cloud-sql", 1.0)],
            )
            .services("b", 4, &[("fastly", 1.0)])
            .services("c", more, &[("gcp/us-central1/cloud-sql", 1.0)])
            .services("web", 30, &[("other", 1.0)])
    };
    let all: Vec<(String, Timestamp)> = names("a", 0..2)
        .into_iter()
        .chain(names("b", 0..4))
        .map(|s| (s, t(0)))
        .collect();
    let stragglers = &all[..2];
    let run = |straggle_until: i64, fresh_db_failure: bool| {
        let w = world(if fresh_db_failure { 2 } else { 0 });
        let mut a = w.attributor();
        let mut ids = IncidentIds::default();
        let mut out = Vec::new();
        for m in 0..80i64 {
            let now = t(m * 60);
            let mut impaired: Vec<(String, Timestamp)> = if m < 60 {
                all.clone()
            } else if m < straggle_until {
                stragglers.to_vec()
            } else {
                Vec::new()
            };
            if fresh_db_failure && m >= 60 {
                impaired.extend(names("c", 0..2).into_iter().map(|s| (s, t(3600))));
            }
            out.extend(a.tick(now, &health_since(&w, &impaired), &mut ids));
        }
        out
    };
    let fastly = |out: &[Output]| opened(out).iter().filter(|o| o.0 == "fastly").count();
    let db = |out: &[Output]| {
        opened(out)
            .iter()
            .filter(|o| o.0 == "gcp/us-central1/cloud-sql")
            .count()
    };

    // Stragglers that recover three minutes after the others: fastly keeps its name and
    // the database is never blamed.
    let out = run(63, false);
    assert_eq!(fastly(&out), 1, "{out:?}");
    assert_eq!(takeovers(&out), vec![], "{out:?}");
    assert_eq!(db(&out), 0, "{out:?}");

    // Stragglers that stay down: the database is named once fastly's incident is over.
    let out = run(80, false);
    assert_eq!(takeovers(&out), vec![], "{out:?}");
    assert_eq!(db(&out), 1, "{out:?}");

    // Two more of the database's dependents failing now are a new failure: named at once,
    // beside the winding-down incident.
    let out = run(63, true);
    assert_eq!(db(&out), 1, "{out:?}");
    assert_eq!(takeovers(&out), vec![], "{out:?}");
}

#[test]
fn a_coincidence_does_not_rename_a_failure_while_only_its_component_explains_a_service() {
    // A regional CDN failure takes r0 and v0 down, then l0, which also uses a DNS provider.
    // A service of the DNS provider's fails on its own meanwhile. When v0 has recovered, the
    // DNS provider explains l0 and the lone failure together better than the CDN explains
    // l0 and r0 (the shape of generated seed 442756). r0, still down, relies on the CDN
    // alone: renaming the CDN's incident after the DNS provider would leave it unexplained
    // and name a failure that never happened. With `r0_on_ns1`, r0 relies on the DNS
    // provider too, which then explains every service still down, and the engine may
    // change its mind.
    let run = |r0_on_ns1: bool| {
        let r0_deps: &[(&str, f64)] = if r0_on_ns1 {
            &[("aws/cloudfront", 1.0), ("ns1", 1.0)]
        } else {
            &[("aws/cloudfront", 1.0)]
        };
        let w = World::new()
            .component_of("aws/cloudfront", ComponentKind::Cdn)
            .component_of("ns1", ComponentKind::Dns)
            .services("r", 1, r0_deps)
            .services("v", 1, &[("aws/cloudfront", 1.0)])
            .services("l", 1, &[("aws/cloudfront", 1.0), ("ns1", 1.0)])
            .services("s", 1, &[("ns1", 1.0)])
            .services("web", 8, &[("other", 1.0)]);
        let mut a = w.attributor();
        let mut ids = IncidentIds::default();
        let mut out = Vec::new();
        for m in 0..30i64 {
            let mut impaired = vec![("r0".to_string(), t(0))];
            if m < 20 {
                impaired.push(("v0".into(), t(0)));
            }
            if m >= 10 {
                impaired.push(("l0".into(), t(600)));
            }
            if m >= 12 {
                impaired.push(("s0".into(), t(720)));
            }
            let mut health = health_since(&w, &impaired);
            for (h, spec) in health.iter_mut().zip(&w.topology.services) {
                if spec.id == "l0" || spec.id == "s0" {
                    h.symptom = Some(ProbeError::DnsServfail);
                }
            }
            out.extend(a.tick(t(m * 60), &health, &mut ids));
        }
        out
    };

    let out = run(false);
    let named: Vec<String> = opened(&out).into_iter().map(|o| o.0).collect();
    assert_eq!(named, vec!["aws/cloudfront"], "{out:?}");
    assert_eq!(takeovers(&out), vec![], "{out:?}");

    let out = run(true);
    assert_eq!(takeovers(&out), vec![(1, "ns1".to_string())], "{out:?}");
}

#[test]
fn a_component_has_one_open_incident_and_is_not_named_again_on_judged_impairments() {
    // A CDN fails; eleven minutes later a region fails too (the shape of generated seed
    // 18007). The services relying on both were down since the CDN's onset, so for the
    // region they are stale: once the CDN has recovered they form a second cluster of the
    // region's dependents, a second cause naming the same component. They must join the
    // region's open incident, not open a second one.
    // When the region recovers, those services are among its last. They have been down
    // since before the CDN's incident resolved: the engine judged then that the CDN no longer
    // keeps them down, and must not name the CDN again for them (it did, at 0.915), unless
    // new services fail with it (`fresh_cdn_failure`).
    let w = World::new()
        .component_of("cloudflare", ComponentKind::Cdn)
        .component_of("aws/us-east-1", ComponentKind::Region)
        .services("both", 7, &[("cloudflare", 1.0), ("aws/us-east-1", 1.0)])
        .services("cdn", 18, &[("cloudflare", 1.0)])
        .services("region", 60, &[("aws/us-east-1", 1.0)])
        .services("web", 60, &[("other", 1.0)]);
    let run = |fresh_cdn_failure: bool| {
        let mut a = w.attributor();
        let mut ids = IncidentIds::default();
        let mut out = Vec::new();
        for m in 0..130i64 {
            let mut impaired: Vec<(String, Timestamp)> = Vec::new();
            if m < 27 {
                impaired.extend(names("cdn", 0..18).into_iter().map(|s| (s, t(0))));
            }
            // The region recovers over ten minutes; the services relying on both are among
            // the last.
            if m < 100 {
                impaired.extend(names("both", 0..7).into_iter().map(|s| (s, t(0))));
            }
            if (11..90).contains(&m) {
                impaired.extend(names("region", 0..60).into_iter().map(|s| (s, t(11 * 60))));
            } else if (90..98).contains(&m) {
                impaired.extend(names("region", 0..30).into_iter().map(|s| (s, t(11 * 60))));
            }
            if fresh_cdn_failure && (88..110).contains(&m) {
                impaired.extend(names("cdn", 0..4).into_iter().map(|s| (s, t(88 * 60))));
            }
            out.extend(a.tick(t(m * 60), &health_since(&w, &impaired), &mut ids));
        }
        out
    };
    let named = |out: &[Output], c: &str| opened(out).iter().filter(|o| o.0 == c).count();

    let out = run(false);
    assert_eq!(named(&out, "cloudflare"), 1, "{out:?}");
    assert_eq!(named(&out, "aws/us-east-1"), 1, "{out:?}");
    assert_eq!(takeovers(&out), vec![], "{out:?}");
    // The region's incident holds the services it kept down after the CDN recovered.
    let region = out.iter().find_map(|o| match o {
        Output::IncidentOpened {
            incident,
            component: Some(c),
            ..
        } if c == "aws/us-east-1" => Some(*incident),
        _ => None,
    });
    let region_services: Vec<String> = out
        .iter()
        .filter_map(|o| match o {
            Output::IncidentOpened {
                incident,
                services: Some(s),
                ..
            }
            | Output::IncidentUpdated {
                incident,
                services: Some(s),
                ..
            } if Some(*incident) == region => Some(s.clone()),
            _ => None,
        })
        .next_back()
        .unwrap_or_default();
    for s in names("both", 0..7) {
        assert!(region_services.contains(&s), "{s} missing: {out:?}");
    }

    // Four of the CDN's dependents failing anew: the CDN has failed again and is named.
    let out = run(true);
    assert_eq!(named(&out, "cloudflare"), 2, "{out:?}");
}

/// A CDN with eighteen dependents, three of which also use a database with five.
fn unfolding_world() -> World {
    World::new()
        .component_of("cdn", ComponentKind::Cdn)
        .component_of("cloud/db", ComponentKind::ManagedService)
        .services("both", 3, &[("cdn", 1.0), ("cloud/db", 1.0)])
        .services("db", 2, &[("cloud/db", 1.0)])
        .services("web", 15, &[("cdn", 1.0)])
}

#[test]
fn a_small_component_is_not_named_while_a_larger_failure_may_still_be_unfolding() {
    // Seed 24007: the first three detected dependents of a CDN failure are three of the five
    // dependents of a database. Ten seconds later four more of the CDN's dependents fail.
    let w = unfolding_world();
    let mut a = w.attributor();
    let mut ids = IncidentIds::default();
    let start = 3600;
    let mut imp: Vec<(String, Timestamp)> = vec![
        ("both0".into(), t(start - 30)),
        ("both1".into(), t(start)),
        ("both2".into(), t(start)),
    ];
    let out = a.tick(t(start), &health_since(&w, &imp), &mut ids);
    assert!(opened(&out).is_empty(), "{out:?}");
    imp.extend(names("web", 0..4).into_iter().map(|s| (s, t(start + 10))));
    let out = a.tick(t(start + 10), &health_since(&w, &imp), &mut ids);
    let o = opened(&out);
    assert_eq!(o.len(), 1, "{out:?}");
    assert_eq!(o[0].0, "cdn");

    // The same first tick when the database really failed: the CDN's other dependents stay
    // healthy, and once their detection is due the database is named, within half a minute.
    let mut b = w.attributor();
    let mut ids = IncidentIds::default();
    let imp = &imp[..3];
    let mut named = None;
    for s in (start..=start + 30).step_by(10) {
        let out = b.tick(t(s), &health_since(&w, imp), &mut ids);
        if let Some(o) = opened(&out).first() {
            assert_eq!(o.0, "cloud/db", "{out:?}");
            named = Some(s - start);
            break;
        }
    }
    assert!(named.is_some_and(|d| d > 0), "named after {named:?} s");
}

#[test]
fn detection_due_rises_from_the_onset_to_one() {
    let mut last = 0.0;
    for ms in (0..=400_000).step_by(5_000) {
        let due = detection_due(ms);
        assert!((last..=1.0).contains(&due), "{ms} ms: {due} after {last}");
        last = due;
    }
    assert!(detection_due(0) > 0.0 && detection_due(0) < 0.5);
    assert_eq!(detection_due(LATE_AFTER_ONSET_MS), 1.0);
}

#[test]
fn a_failure_may_unfold_only_beyond_the_cause_s_own_dependents() {
    // Seed 10001: the first five detected dependents of a region failure are three of its
    // database's fifteen and two others. The database may still be unfolding, but its healthy
    // dependents all rely on the region too and weigh against both claims alike: the region
    // is named on the first tick, as it would be later.
    let w = World::new()
        .component_of("aws/r1", ComponentKind::Region)
        .component_of("aws/r1/db", ComponentKind::ManagedService)
        .services("db", 15, &[("aws/r1/db", 1.0)])
        .services("app", 28, &[("aws/r1", 1.0)]);
    let mut a = w.attributor();
    let start = 3600;
    let mut imp: Vec<(String, Timestamp)> = names("db", 0..3)
        .into_iter()
        .map(|s| (s, t(start)))
        .collect();
    imp.extend(names("app", 0..2).into_iter().map(|s| (s, t(start))));
    let out = a.tick(
        t(start),
        &health_since(&w, &imp),
        &mut IncidentIds::default(),
    );
    let o = opened(&out);
    assert_eq!(o.len(), 1, "{out:?}");
    assert_eq!(o[0].0, "aws/r1");
    assert!(
        o[0].1 >= AttributionParams::default().open_confidence,
        "{o:?}"
    );
}

/// Health with the named services impaired, each failing with the given footprint.
fn health_with_footprints(
    w: &World,
    impaired: &[(String, Option<Footprint>)],
) -> Vec<ServiceHealth> {
    health_with(w, impaired, |h, f| h.footprint = f)
}

const PARIS: Footprint = Footprint {
    key: 1,
    failing: 1,
    live: 3,
};
const SINGAPORE: Footprint = Footprint {
    key: 2,
    failing: 1,
    live: 3,
};

#[test]
fn dependents_failing_from_the_same_few_vantages_name_a_partial_failure() {
    // Two of a queue's ten dependents fail at once: as likely two services' own failures as a
    // partial failure of the queue, so no incident. Seen failing from the same one vantage of
    // three, they point to a regional failure of what they share.
    let w = cloud_world().component("aws/us-east-1/sqs").services(
        "sq",
        10,
        &[("aws/us-east-1/sqs", 1.0)],
    );
    let with = |a: Option<Footprint>, b: Option<Footprint>| {
        let imp = vec![("sq0".to_string(), a), ("sq1".to_string(), b)];
        let mut att = w.eager_attributor();
        let out = att.tick(
            t(30),
            &health_with_footprints(&w, &imp),
            &mut IncidentIds::default(),
        );
        (
            opened(&out),
            att.component_score("aws/us-east-1/sqs"),
            first_explanation(&out),
        )
    };
    let (none, plain, _) = with(None, None);
    assert!(none.is_empty(), "{none:?}");
    // Different vantages: no agreement, the same score.
    let (apart, apart_score, _) = with(Some(PARIS), Some(SINGAPORE));
    assert!(apart.is_empty(), "{apart:?}");
    assert_eq!(apart_score, plain);
    let (together, score, explanation) = with(Some(PARIS), Some(PARIS));
    assert_eq!(together.len(), 1, "{together:?}");
    assert_eq!(together[0].0, "aws/us-east-1/sqs");
    assert_eq!(together[0].2, names("sq", 0..2));
    assert!(score > plain, "{score:?} {plain:?}");
    assert!(
        explanation.ends_with("; 2 of them fail from the same 1 of 3 vantages"),
        "{explanation}"
    );
}

#[test]
fn a_broken_vantage_adds_nothing_to_any_component() {
    // Twenty unrelated services and three of a queue's ten dependents all fail from the same
    // vantage: that vantage's own network, not evidence that the queue failed.
    let w = cloud_world()
        .component("aws/us-east-1/sqs")
        .services("sq", 10, &[("aws/us-east-1/sqs", 1.0)])
        .services("z", 20, &[]);
    let score = |fp: Option<Footprint>| {
        let mut imp: Vec<(String, Option<Footprint>)> =
            names("sq", 0..3).into_iter().map(|s| (s, fp)).collect();
        imp.extend(names("z", 0..20).into_iter().map(|s| (s, fp)));
        let mut att = w.attributor();
        att.tick(
            t(30),
            &health_with_footprints(&w, &imp),
            &mut IncidentIds::default(),
        );
        att.component_score("aws/us-east-1/sqs")
    };
    assert!(score(None).is_some());
    assert_eq!(score(Some(PARIS)), score(None));
}

#[test]
fn dependents_that_turned_impaired_minutes_apart_do_not_name_what_they_share() {
    // Two of a small database's three dependents fail on their own, minutes apart: a common
    // failure reaches its dependents within a probe interval or a report window of each other.
    let w = World::new()
        .component_of("aws/eu-west-1/rds", ComponentKind::ManagedService)
        .services("db", 3, &[("aws/eu-west-1/rds", 1.0)])
        .services("z", 40, &[]);
    // db0 turns impaired first, db1 `gap_s` later; each seen by failing probes (from every
    // vantage, or from PARIS alone) or by reports.
    let run = |gap_s: i64, first: Seen, second: Seen| {
        let mut a = w.eager_attributor();
        let imp = vec![("db0".to_string(), t(0)), ("db1".to_string(), t(gap_s))];
        let mut health = health_since(&w, &imp);
        for (h, seen) in health.iter_mut().zip([first, second]) {
            h.symptom = (seen != Seen::Reports).then_some(ProbeError::HttpStatus);
            h.footprint = (seen == Seen::ProbesSomewhere).then_some(PARIS);
        }
        a.tick(t(gap_s + 10), &health, &mut IncidentIds::default())
    };
    use Seen::{ProbesEverywhere as E, ProbesSomewhere as S, Reports as R};
    for (gap_s, first, second, named) in [
        // Probes see a failure within a minute or so of each other.
        (30, E, E, true),
        (240, E, E, false),
        // Reports show it minutes after probes do, not minutes before.
        (200, E, R, true),
        (240, R, E, false),
        // A failure seen from one vantage is noticed later than one seen from all of them:
        // up to about three minutes after is on time, more than three minutes before is not.
        (170, E, S, true),
        (200, S, E, false),
    ] {
        let out = run(gap_s, first, second);
        assert_eq!(
            !opened(&out).is_empty(),
            named,
            "{first:?} then {second:?} {gap_s} s later: {out:?}"
        );
    }
}

#[test]
fn a_dependent_whose_few_failing_vantages_pass_again_is_not_in_step() {
    // Two of a CDN's six dependents turn impaired two seconds apart, both failing with 5xx.
    // Probes failing from every vantage at moments this close are in step, which a service
    // failing on its own rarely is. cdn1 failed from Paris alone: a failure seen from one
    // vantage says less of when it began, still so once Paris passes again during its
    // recovery hold (its footprint gone).
    let w = World::new()
        .component_of("fastly", ComponentKind::Cdn)
        .services("cdn", 6, &[("fastly", 1.0)])
        .services("z", 40, &[]);
    let confidence = |footprint: Option<Footprint>, failed_partly: bool| {
        let mut a = w.eager_attributor();
        let imp = vec![("cdn0".to_string(), t(0)), ("cdn1".to_string(), t(2))];
        let mut health = health_since(&w, &imp);
        for h in health.iter_mut().take(2) {
            h.symptom = Some(ProbeError::HttpStatus);
            h.probes_fail = true;
        }
        health[1].footprint = footprint;
        health[1].failed_partly = failed_partly;
        a.tick(t(10), &health, &mut IncidentIds::default());
        a.causes()
            .iter()
            .find(|c| matches!(c.kind, CauseKind::Component(_)))
            .map_or(0.0, |c| c.confidence)
    };
    let in_step = confidence(None, false);
    let somewhere = confidence(Some(PARIS), true);
    let recovering = confidence(None, true);
    assert!(in_step > somewhere, "{in_step} vs {somewhere}");
    assert_eq!(recovering, somewhere);
}

#[test]
fn the_explanation_says_how_many_dependents_began_apart() {
    let w = widget_world();
    let mut a = w.attributor();
    let imp = vec![
        ("wd0".to_string(), t(0)),
        ("wd1".to_string(), t(10)),
        ("wd2".to_string(), t(20)),
        ("wd3".to_string(), t(300)),
    ];
    let out = a.tick(t(310), &health_since(&w, &imp), &mut IncidentIds::default());
    let o = opened(&out);
    assert_eq!(o.len(), 1, "{out:?}");
    assert_eq!(o[0].2.len(), 4, "{out:?}");
    let text = first_explanation(&out);
    assert!(
        text.contains("; 1 of them began apart from the others"),
        "{text}"
    );
}

#[test]
fn an_open_incident_keeps_its_component_against_a_rival_that_claims_its_services_with_others() {
    // A DNS provider fails for three of its four dependents, which also sit behind a large
    // CDN; a minute later two more of the CDN's dependents fail on their own. The CDN, with
    // five of its 25 dependents impaired, now covers the DNS provider's three and the two
    // others; the DNS provider's failure, already named, is the better explanation for its
    // three (docs/attribution.md, "Naming persists").
    let w = World::new()
        .component_of("ultradns", ComponentKind::Dns)
        .component_of("cloudflare", ComponentKind::Cdn)
        .services("x", 3, &[("ultradns", 1.0), ("cloudflare", 1.0)])
        .services("d", 1, &[("ultradns", 1.0)])
        .services("c", 22, &[("cloudflare", 1.0)])
        .services("z", 40, &[]);
    let run = |params: AttributionParams| {
        let mut a = Attributor::new(&w.topology, params).unwrap();
        let mut ids = IncidentIds::default();
        let mut out = Vec::new();
        let mut imp: Vec<(String, Timestamp)> =
            names("x", 0..3).into_iter().map(|s| (s, t(0))).collect();
        for tick in 0..60i64 {
            let now = t(10 + tick * 10);
            if tick == 6 {
                imp.extend(names("c", 0..2).into_iter().map(|s| (s, t(60))));
            }
            out.extend(a.tick(now, &health_since(&w, &imp), &mut ids));
        }
        out
    };
    let resolved = |out: &[Output]| {
        out.iter()
            .any(|o| matches!(o, Output::IncidentResolved { .. }))
    };

    let out = run(AttributionParams::default());
    assert_eq!(opened(&out).len(), 1, "{out:?}");
    assert_eq!(opened(&out)[0].0, "ultradns", "{out:?}");
    assert_eq!(takeovers(&out), vec![], "{out:?}");
    assert!(!resolved(&out), "{out:?}");

    // Paying the full prior odds again every tick, the named failure loses its services to
    // the CDN and its incident resolves or changes its name.
    let forgetful = AttributionParams {
        open_incident_cost: AttributionParams::default().model.cause_cost,
        ..AttributionParams::default()
    };
    let out = run(forgetful);
    assert_eq!(opened(&out)[0].0, "ultradns", "{out:?}");
    assert!(resolved(&out) || !takeovers(&out).is_empty(), "{out:?}");
}

#[test]
fn a_thin_claim_waits_during_a_storm_for_what_else_may_be_unfolding() {
    // Seed 27010's shape: during a storm (here a DynamoDB failure, named before), a lone
    // failure seen by reports alone (wd0) and the first dependent of a CDN failure just
    // beginning (wx0) turn impaired in the same tick, and they are the two dependents of a
    // small component. The claim rests on two services, one of them without a probe's word,
    // and one of them relies on a larger component: it waits `thin_hold_ms`.
    let w = cloud_world()
        .component("widget")
        .services("wd", 1, &[("widget", 1.0)])
        .services("wx", 1, &[("widget", 1.0), ("fastly", 1.0)]);
    let storm: Vec<(String, i64)> = names("dyn", 0..8).into_iter().map(|s| (s, -300)).collect();
    let health_at = |impaired: &[(&str, i64)], reported: &[&str]| {
        let mut all: Vec<(&str, i64)> = storm.iter().map(|(s, at)| (s.as_str(), *at)).collect();
        all.extend_from_slice(impaired);
        health_seen_since(&w, &all, reported)
    };
    // An attributor that has named the storm's cause.
    let stormy = || {
        let mut a = w.attributor();
        let out = a.tick(t(0), &health_at(&[], &[]), &mut IncidentIds::default());
        assert_eq!(
            opened(&out).first().map(|o| o.0.as_str()),
            Some("aws/us-east-1/dynamodb")
        );
        a
    };
    let start = [("wd0", 0), ("wx0", 0)];

    // Nothing else happens: the widget opens once the claim has held for two minutes.
    let hold_s = AttributionParams::default().thin_hold_ms / 1000;
    let opened_at = first_opening_of(
        &openings(stormy(), (30..=300).step_by(30), |_| {
            health_at(&start, &["wd0"])
        }),
        "widget",
    );
    assert_eq!(opened_at, Some(30 + hold_s), "opened at {opened_at:?}");

    // The CDN's failure unfolds within the hold: Fastly is named, the widget never is.
    let named = components(openings(stormy(), (30..=300).step_by(30), |s| {
        let mut impaired = start.to_vec();
        if s >= 90 {
            impaired.extend([("fst0", 80), ("fst1", 80), ("fst2", 85), ("euw0", 85)]);
        }
        health_at(&impaired, &["wd0"])
    }));
    assert_eq!(named, vec!["fastly".to_string()]);

    // Both seen failing by their probes, the same claim opens at once.
    let mut a = stormy();
    let out = a.tick(t(30), &health_at(&start, &[]), &mut IncidentIds::default());
    assert_eq!(opened(&out).len(), 1, "{out:?}");

    // Outside a storm, with only one of its services behind a larger component, coincidences
    // are rarer: the claim waits only the shadowed claim's minute, counted from its services'
    // onsets, not the thin hold (docs/attribution.md, "A thin claim waits"; seed 442262).
    let calm = |impaired: &[(&str, i64)]| health_seen_since(&w, impaired, &["wd0"]);
    let shadow_s = AttributionParams::default().shadow_hold_ms / 1000;
    assert!(shadow_s < hold_s);
    let opened_at = first_opening_of(
        &openings(w.attributor(), (10..=300).step_by(10), |_| calm(&start)),
        "widget",
    );
    assert_eq!(opened_at, Some(shadow_s), "opened at {opened_at:?}");

    // Within that minute the CDN's failure shows its next dependents: Fastly is named, the
    // widget never is.
    let named = components(openings(w.attributor(), (10..=300).step_by(10), |s| {
        let mut impaired = start.to_vec();
        if s >= 50 {
            impaired.extend([("fst0", 45), ("fst1", 45), ("fst2", 50), ("euw0", 50)]);
        }
        calm(&impaired)
    }));
    assert_eq!(named, vec!["fastly".to_string()]);
}

#[test]
fn a_thin_claim_waits_when_its_probed_service_s_errors_point_past_it() {
    // Seed 431413's shape, outside a storm: a front door's two dependents turn impaired, one
    // by reports alone (a lone failure begun a minute earlier) and one whose probes see a DNS
    // SERVFAIL, the first dependent of a DNS provider's failure just beginning. The error fits
    // the DNS provider behind it, not the front door: the claim waits as in a storm.
    let w = World::new()
        .component_of("door", ComponentKind::FrontDoor)
        .component_of("dnsp", ComponentKind::Dns)
        .component_of("cdn", ComponentKind::Cdn)
        .services("dr", 1, &[("door", 1.0)])
        .services("dx", 1, &[("door", 1.0), ("dnsp", 1.0)])
        .services("dn", 4, &[("dnsp", 1.0)])
        .services("cd", 4, &[("cdn", 1.0)]);
    let failing = |impaired: &[(&str, i64)], error: ProbeError| {
        let mut health = health_seen_since(&w, impaired, &["dr0"]);
        for h in health.iter_mut().filter(|h| h.symptom.is_some()) {
            h.symptom = Some(error);
        }
        health
    };
    let start = [("dr0", -60), ("dx0", 0)];
    let hold_s = AttributionParams::default().thin_hold_ms / 1000;

    // Nothing else happens: the front door opens once the claim has held for two minutes.
    let opened_at = first_opening_of(
        &openings(w.attributor(), (30..=300).step_by(30), |_| {
            failing(&start, ProbeError::DnsServfail)
        }),
        "door",
    );
    assert_eq!(opened_at, Some(30 + hold_s), "opened at {opened_at:?}");

    // The DNS provider's failure unfolds within the hold: it is named, the front door never.
    let named = components(openings(w.attributor(), (30..=300).step_by(30), |s| {
        let mut impaired = start.to_vec();
        if s >= 60 {
            impaired.extend([("dn0", 40), ("dn1", 45), ("dn2", 50)]);
        }
        failing(&impaired, ProbeError::DnsServfail)
    }));
    assert_eq!(named, vec!["dnsp".to_string()]);

    // The same claim with an error a front door's failure produces waits only the shadowed
    // claim's minute from its last onset, as any thin claim outside a storm does.
    let shadow_s = AttributionParams::default().shadow_hold_ms / 1000;
    assert!(shadow_s < hold_s);
    let opened_at = first_opening_of(
        &openings(w.attributor(), (30..=300).step_by(10), |_| {
            failing(&start, ProbeError::HttpStatus)
        }),
        "door",
    );
    assert_eq!(opened_at, Some(shadow_s), "opened at {opened_at:?}");
}

#[test]
fn a_thin_claim_with_nothing_larger_behind_it_opens_at_once() {
    // Seed 430002's shape: a small world's CDN and two of its three dependents, which rely
    // on nothing else, one of them seen by reports alone (here both). No larger failure can
    // show itself behind them, so holding the claim would only delay the name.
    let w = cloud_world()
        .component("widget")
        .component("widget-dns")
        .services("wd", 2, &[("widget", 1.0)])
        .services("wn", 1, &[("widget", 1.0), ("widget-dns", 1.0)]);
    let start = [("wd0", 0), ("wn0", 0)];
    let reported = health_seen_since(&w, &start, &["wd0", "wn0"]);
    let out = w
        .attributor()
        .tick(t(30), &reported, &mut IncidentIds::default());
    assert_eq!(
        opened(&out).first().map(|o| o.0.as_str()),
        Some("widget"),
        "{out:?}"
    );

    // The same claim on two services that both rely on a larger component waits, storm or
    // not (the test above has the story of a storm).
    let w = w.services("wf", 2, &[("widget", 1.0), ("fastly", 1.0)]);
    let start = [("wf0", 0), ("wf1", 0)];
    let reported = health_seen_since(&w, &start, &["wf0"]);
    let out = w
        .attributor()
        .tick(t(30), &reported, &mut IncidentIds::default());
    assert!(opened(&out).is_empty(), "{out:?}");
}

#[test]
fn a_shadowed_claim_waits_for_the_larger_failure_it_may_begin() {
    // Seed 109010's shape: the first two dependents of a partial CDN failure seen by probes
    // are two of a small region's three dependents. The region is the better fit at that
    // tick (2 of 3 against 2 of 37); only the CDN's next dependents tell the two apart.
    let w = cloud_world()
        .component("aws/ap-northeast-1")
        .services("apn", 1, &[("aws/ap-northeast-1", 1.0)])
        .services("apc", 2, &[("aws/ap-northeast-1", 1.0), ("fastly", 1.0)]);
    let probed = |impaired: &[(&str, i64)]| health_seen_since(&w, impaired, &[]);
    let start = [("apc0", 0), ("apc1", 0)];
    let hold_s = AttributionParams::default().shadow_hold_ms / 1000;
    assert!(hold_s > 0);

    // At once the claim is convincing: an eager attributor names the region.
    let mut eager = w.eager_attributor();
    let out = eager.tick(t(10), &probed(&start), &mut IncidentIds::default());
    assert_eq!(
        opened(&out).first().map(|o| o.0.as_str()),
        Some("aws/ap-northeast-1")
    );

    // Nothing else happens: the region opens once both services have been impaired for the
    // hold.
    let opened_at = first_opening_of(
        &openings(w.attributor(), (10..=200).step_by(10), |_| probed(&start)),
        "aws/ap-northeast-1",
    );
    assert_eq!(opened_at, Some(hold_s), "opened at {opened_at:?}");

    // The CDN's failure shows its next dependents within the hold: Fastly is named, the
    // region never is.
    let named = components(openings(w.attributor(), (10..=200).step_by(10), |s| {
        let mut impaired = start.to_vec();
        if s >= 40 {
            impaired.extend([("fst0", 35), ("euw0", 40)]);
        }
        if s >= 60 {
            impaired.extend([("fst1", 55), ("fst2", 60), ("euw1", 60)]);
        }
        probed(&impaired)
    }));
    assert_eq!(named, vec!["fastly".to_string()]);

    // Seen first long after they turned impaired, they begin nothing: it opens at once.
    let mut a = w.attributor();
    let out = a.tick(t(600), &probed(&start), &mut IncidentIds::default());
    assert_eq!(
        opened(&out).first().map(|o| o.0.as_str()),
        Some("aws/ap-northeast-1")
    );

    // With the region's own dependents, which share nothing larger, it opens at once.
    let mut a = w.attributor();
    let out = a.tick(
        t(10),
        &probed(&[("apn0", 0), ("apc0", 0)]),
        &mut IncidentIds::default(),
    );
    assert_eq!(
        opened(&out).first().map(|o| o.0.as_str()),
        Some("aws/ap-northeast-1")
    );
}

/// A dependent whose probe has just failed from one vantage, not confirmed yet, is not
/// healthy: it counts neither for the component nor against it (the shared example: two of
/// Fastly's five dependents impaired while two more have a first failed probe).
#[test]
fn dependents_whose_probes_have_just_failed_are_not_counted_healthy() {
    let w = World::new()
        .component("cdn")
        .component("cloud")
        .services("d", 5, &[("cdn", 1.0)])
        .services("o", 3, &[("cloud", 1.0)]);
    let imp = vec![("d0".to_string(), t(0)), ("d1".to_string(), t(20))];
    let run = |doubt: &[&str]| {
        // The two impaired ones are seen by their reports, so that failing in step does not
        // count for them: this is a test of doubt alone.
        let mut health = health_since(&w, &imp);
        for (h, s) in health.iter_mut().zip(&w.topology.services) {
            h.probes_in_doubt = doubt.contains(&s.id.as_str());
        }
        let mut a = w.attributor();
        let out = a.tick(t(40), &health, &mut IncidentIds::default());
        (opened(&out), first_explanation(&out))
    };
    // 2 of 5 dependents impaired, 3 healthy: under the opening threshold.
    assert!(run(&[]).0.is_empty());
    // 2 of 3, two more in doubt: named, and the explanation says why the count is 3.
    let (o, text) = run(&["d2", "d3"]);
    assert_eq!(o.len(), 1, "{o:?}");
    assert_eq!(o[0].0, "cdn");
    assert!(
        text.starts_with("2 of 3 dependents of cdn impaired (2 more in doubt"),
        "{text}"
    );
    // Doubt about services that do not depend on it changes nothing.
    assert!(run(&["o0", "o1"]).0.is_empty());
    // An impaired service is never in doubt: its flag is ignored.
    assert!(run(&["d0"]).0.is_empty());
}

/// A dependent in doubt is still a dependent when the shadow hold compares sizes (seed
/// 72073: a CDN's third dependent had just failed a probe; counted out of the CDN's size,
/// the DNS provider its first two share looked larger, and the CDN waited).
#[test]
fn a_dependent_in_doubt_still_counts_in_a_component_s_size() {
    // Three dependents each: two shared, impaired, failing to resolve; the DNS provider's
    // third in doubt, the database's healthy.
    let w = World::new()
        .component_of("dns", ComponentKind::Dns)
        .component_of("db", ComponentKind::ManagedService)
        .services("s", 2, &[("dns", 1.0), ("db", 1.0)])
        .services("t", 1, &[("dns", 1.0)])
        .services("c", 1, &[("db", 1.0)]);
    let mut health = health_with_symptoms(
        &w,
        &[
            ("s0".into(), Some(ProbeError::DnsNxdomain)),
            ("s1".into(), Some(ProbeError::DnsNxdomain)),
        ],
    );
    for (h, s) in health.iter_mut().zip(&w.topology.services) {
        h.since = Some(t(0));
        h.probes_in_doubt = s.id == "t0";
    }
    let mut a = w.attributor();
    let out = a.tick(t(10), &health, &mut IncidentIds::default());
    assert_eq!(opened(&out).first().map(|o| o.0.as_str()), Some("dns"));
}

/// A failure its provider declares on its status page is weighed like one already named
/// (docs/attribution.md, "A declared failure"): two of a DNS provider's fourteen dependents
/// failing to resolve, in step, are too few to name it on their own, and enough once its
/// status page says it is failing; a status that declares nothing (operational, maintenance)
/// changes nothing, and a declaration covers the parts of the declared component.
#[test]
fn a_failure_declared_by_its_provider_is_named_on_fewer_dependents() {
    let w = World::new()
        .component_of("ns1", ComponentKind::Dns)
        .component_of("aws", ComponentKind::Cloud)
        .component_of("aws/us-east-1", ComponentKind::Region)
        .component_of("aws/us-east-1/sqs", ComponentKind::ManagedService)
        .services("dns", 14, &[("ns1", 1.0)])
        .services("q", 14, &[("aws/us-east-1/sqs", 1.0)]);
    // Services `{prefix}0` and `{prefix}1` impaired 20 s apart with `error`, after the
    // `official` statuses: what opens then, its explanation, and the attributor.
    let run = |prefix: &str, error: ProbeError, official: &[(&str, OfficialStatus)]| {
        let mut a = w.attributor();
        for (c, s) in official {
            a.set_official(c, *s, "status.example");
        }
        let imp = vec![(format!("{prefix}0"), t(0)), (format!("{prefix}1"), t(20))];
        let mut health = health_since(&w, &imp);
        for h in &mut health[..] {
            h.symptom = h.impaired().then_some(error);
        }
        let out = a.tick(t(30), &health, &mut IncidentIds::default());
        (opened(&out), first_explanation(&out), a)
    };
    let servfail = ProbeError::DnsServfail;
    let params = AttributionParams::default();
    let relief = params.model.cause_cost - params.open_incident_cost;
    let (o, _, a) = run("dns", servfail, &[]);
    assert!(o.is_empty(), "2 of 14 alone: {o:?}");
    let quiet = a.component_score("ns1").unwrap();
    for status in [OfficialStatus::Operational, OfficialStatus::Maintenance] {
        let (o, _, a) = run("dns", servfail, &[("ns1", status)]);
        assert!(o.is_empty(), "{status:?} declares nothing: {o:?}");
        assert_eq!(a.component_score("ns1"), Some(quiet));
    }
    for status in [
        OfficialStatus::Degraded,
        OfficialStatus::PartialOutage,
        OfficialStatus::MajorOutage,
    ] {
        let (o, explanation, a) = run("dns", servfail, &[("ns1", status)]);
        assert_eq!(o.len(), 1, "{status:?}: {o:?}");
        assert_eq!(o[0].0, "ns1");
        assert!(o[0].1 >= params.open_confidence);
        assert!((a.component_score("ns1").unwrap() - quiet - relief).abs() < 1e-9);
        assert!(
            explanation.ends_with(&format!(
                "; official status {} (status.example)",
                status.as_str()
            )),
            "{explanation}"
        );
    }
    // The declaration is about its component: another provider's says nothing of ns1.
    let (o, _, _) = run("dns", servfail, &[("aws", OfficialStatus::MajorOutage)]);
    assert!(o.is_empty(), "{o:?}");
    // A region's declaration covers its queue; the queue's own covers nothing above it.
    let (o, _, a) = run("q", ProbeError::HttpStatus, &[]);
    assert!(o.is_empty(), "{o:?}");
    let region = a.component_score("aws/us-east-1");
    assert!(region.is_some());
    let (o, _, a) = run(
        "q",
        ProbeError::HttpStatus,
        &[("aws/us-east-1/sqs", OfficialStatus::MajorOutage)],
    );
    assert_eq!(o.first().map(|o| o.0.as_str()), Some("aws/us-east-1/sqs"));
    assert_eq!(a.component_score("aws/us-east-1"), region);
    let (o, _, _) = run(
        "q",
        ProbeError::HttpStatus,
        &[("aws/us-east-1", OfficialStatus::PartialOutage)],
    );
    assert_eq!(o.first().map(|o| o.0.as_str()), Some("aws/us-east-1/sqs"));
    // A later status replaces the earlier one.
    let (o, _, _) = run(
        "dns",
        servfail,
        &[
            ("ns1", OfficialStatus::MajorOutage),
            ("ns1", OfficialStatus::Operational),
        ],
    );
    assert!(o.is_empty(), "{o:?}");
}

/// Seed 431626 (8 services): a lone failure elsewhere set the background of a tiny world at
/// one in three, and two healthy dependents on uncertain edges (0.44, 0.62) counted as
/// whole dependents, so three of the CDN's five failing stayed under the explaining-away
/// bar for twenty minutes. Dependents count by the confidence of their edges.
#[test]
fn dependents_on_uncertain_edges_count_for_less_in_explaining_away() {
    let world = |u: f64, v: f64| {
        World::new()
            .component_of("cdn", ComponentKind::Cdn)
            .services("a", 3, &[("cdn", 1.0)])
            .services("u", 1, &[("cdn", u)])
            .services("v", 1, &[("cdn", v)])
            .services("x", 3, &[])
    };
    let mut impaired = names("a", 0..3);
    impaired.push("x0".into());
    let run = |w: &World| {
        let mut a = w.eager_attributor();
        opened(&a.tick(t(0), &w.health(&impaired), &mut IncidentIds::default()))
    };
    let o = run(&world(0.44, 0.62));
    assert_eq!(o.len(), 1, "{o:?}");
    assert_eq!((o[0].0.as_str(), o[0].2.len()), ("cdn", 3));
    // The same world with certain edges: three of five against one of three elsewhere.
    assert_eq!(run(&world(1.0, 1.0)), vec![]);
}

/// Seeds 441732 and 441798 (12 services): two concurrent failures whose dependents are most
/// of a small world are each other's background; neither passed the explaining-away test,
/// so both open incidents resolved in the middle of their failures and came back later.
#[test]
fn two_concurrent_failures_are_not_each_other_s_background() {
    let w = World::new()
        .component_of("cdn", ComponentKind::Cdn)
        .component_of("dns", ComponentKind::Dns)
        .services("p", 4, &[("cdn", 1.0)])
        .services("q", 4, &[("dns", 1.0)])
        .services("z", 2, &[]);
    let mut a = w.attributor();
    let mut ids = IncidentIds::default();
    let mut impaired = names("p", 0..4);
    impaired.extend(names("q", 0..4));
    let mut o = opened(&a.tick(t(0), &w.health(&impaired), &mut ids));
    o.sort_by(|a, b| a.0.cmp(&b.0));
    let comps: Vec<(&str, usize)> = o.iter().map(|x| (x.0.as_str(), x.2.len())).collect();
    assert_eq!(comps, [("cdn", 4), ("dns", 4)]);
    // They stay named while both last.
    for minute in 1..30 {
        let out = a.tick(t(minute * 60), &w.health(&impaired), &mut ids);
        assert!(out.is_empty(), "minute {minute}: {out:?}");
        assert_eq!(a.causes().len(), 2, "minute {minute}: {:?}", a.causes());
    }
    // Their services must share nothing: one failure inside the other's is no partner.
    let w = World::new()
        .component("big")
        .services("p", 4, &[("big", 1.0)])
        .services("q", 4, &[("big", 1.0), ("dns", 1.0)])
        .services("y", 6, &[]);
    let mut a = w.attributor();
    let mut impaired = names("p", 0..2);
    impaired.extend(names("q", 0..4));
    impaired.extend(names("y", 0..3));
    let o = opened(&a.tick(t(0), &w.health(&impaired), &mut IncidentIds::default()));
    assert!(o.iter().all(|x| x.0 != "big"), "{o:?}");
}

/// Seed 431658: a DNS provider and a front door had the same three dependents, which failed
/// with DNS errors. The front door and its cloud (whose only impaired dependents were the
/// front door's) were counted as two rivals, holding the DNS provider's confidence under
/// the bar for twenty minutes. A component restated by its ancestor is one rival.
#[test]
fn an_ancestor_restating_a_rival_is_not_a_second_rival() {
    let world = |front_door: &str| {
        World::new()
            .component_of("ns1", ComponentKind::Dns)
            .component_of(front_door, ComponentKind::FrontDoor)
            .services("both", 3, &[("ns1", 1.0), (front_door, 1.0)])
            .services("web", 5, &[("other", 1.0)])
    };
    let impaired: Vec<(String, Option<ProbeError>)> = names("both", 0..3)
        .into_iter()
        .map(|s| (s, Some(ProbeError::DnsServfail)))
        .collect();
    let confidence = |w: &World| {
        let mut a = w.eager_attributor();
        a.tick(
            t(0),
            &health_with_symptoms(w, &impaired),
            &mut IncidentIds::default(),
        );
        let ns1 = a.graph().component_ix("ns1");
        let c: Vec<f64> = a
            .causes()
            .iter()
            .filter(|c| matches!(c.kind, CauseKind::Component(x) if Some(x) == ns1))
            .map(|c| c.confidence)
            .collect();
        c
    };
    let alone = confidence(&world("frontdoor"));
    assert_eq!(alone.len(), 1, "{alone:?}");
    let nested = confidence(&world("azure/front-door"));
    assert_eq!(nested.len(), 1, "{nested:?}");
    assert!((alone[0] - nested[0]).abs() < 1e-9, "{alone:?} {nested:?}");
}

/// Seed 441725: a front door down for two hours; three of its four dependents were seen by
/// crowd reports alone, which faded after half an hour (people stop reporting long before an
/// outage ends). With one dependent left no cause named the front door, and its incident
/// resolved in the middle of the failure. It stays open while a service it explained is
/// still impaired without a break, and resolves once that one recovers.
#[test]
fn an_incident_stays_open_while_a_service_it_explained_is_still_down() {
    let w = World::new()
        .component_of("cdn", ComponentKind::Cdn)
        .services("p", 3, &[("cdn", 1.0)])
        .services("z", 5, &[]);
    let mut a = w.attributor();
    let mut ids = IncidentIds::default();
    let out = a.tick(t(0), &w.health(&names("p", 0..3)), &mut ids);
    assert_eq!(opened(&out).len(), 1, "{out:?}");
    let resolved = |out: &[Output]| {
        out.iter()
            .any(|o| matches!(o, Output::IncidentResolved { .. }))
    };
    // Two of them recover; p0 is still down, impaired since the onset.
    for minute in 1..=120 {
        let out = a.tick(t(minute * 60), &w.health(&names("p", 0..1)), &mut ids);
        assert!(!resolved(&out), "minute {minute}: {out:?}");
    }
    // It recovers: the incident resolves after the usual hysteresis.
    let mut ended = None;
    for minute in 121..=140 {
        if resolved(&a.tick(t(minute * 60), &w.health(&[]), &mut ids)) {
            ended = Some(minute);
            break;
        }
    }
    assert!(ended.is_some_and(|m| m <= 121 + 10), "{ended:?}");
}

#[test]
fn a_probed_pair_that_began_apart_waits_as_a_thin_claim() {
    // Seed 443496's shape: a small CDN's two dependents, both seen by failing probes. One is
    // a lone failure; the other, two minutes later, is the first dependent of a larger CDN's
    // failure just beginning. Probes that began failing minutes apart tie the two no more
    // than reports do: the claim waits the shadowed claim's minute from its last onset.
    let w = cloud_world()
        .component("widget")
        .services("wd", 1, &[("widget", 1.0)])
        .services("wx", 1, &[("widget", 1.0), ("fastly", 1.0)]);
    let probed = |impaired: &[(&str, i64)]| health_seen_since(&w, impaired, &[]);
    let apart = [("wd0", -120), ("wx0", 0)];
    let shadow_s = AttributionParams::default().shadow_hold_ms / 1000;

    // Nothing else happens: the widget opens once the last of them has been impaired a minute.
    let opened_at = first_opening_of(
        &openings(w.attributor(), (10..=200).step_by(10), |_| probed(&apart)),
        "widget",
    );
    assert_eq!(opened_at, Some(shadow_s), "opened at {opened_at:?}");

    // The CDN's failure shows its next dependents within that minute: Fastly is named, the
    // widget never is.
    let named = components(openings(w.attributor(), (10..=200).step_by(10), |s| {
        let mut impaired = apart.to_vec();
        if s >= 40 {
            impaired.extend([("fst0", 35), ("fst1", 40), ("euw0", 40)]);
        }
        probed(&impaired)
    }));
    assert_eq!(named, vec!["fastly".to_string()]);

    // In step, the same two services open it at once.
    let mut a = w.attributor();
    let out = a.tick(
        t(10),
        &probed(&[("wd0", 0), ("wx0", 0)]),
        &mut IncidentIds::default(),
    );
    assert_eq!(
        opened(&out).first().map(|o| o.0.as_str()),
        Some("widget"),
        "{out:?}"
    );
}

#[test]
fn services_failing_through_one_service_are_one_piece_of_evidence() {
    // Seed 480767's shape: a page that embeds a docs site, and a mirror of it, both rely on
    // the CDN only through the docs site. The docs site fails on its own and takes both down
    // before its own slow reports show it: one failure of the docs site, not two pieces of
    // evidence about the CDN.
    let w = World::new()
        .component("cdn")
        .services("docs", 1, &[("cdn", 1.0)])
        .services("page", 2, &[("docs0", 1.0)])
        .services("f", 3, &[("cdn", 1.0)]);
    let probed = |impaired: &[(&str, i64)]| health_seen_since(&w, impaired, &[]);
    let mut a = w.eager_attributor();
    let out = a.tick(
        t(10),
        &probed(&[("page0", 0), ("page1", 0)]),
        &mut IncidentIds::default(),
    );
    assert!(opened(&out).is_empty(), "{out:?}");

    // A direct dependent failing with them is a second piece: the CDN is named.
    let mut a = w.eager_attributor();
    let out = a.tick(
        t(10),
        &probed(&[("page0", 0), ("page1", 0), ("f0", 0)]),
        &mut IncidentIds::default(),
    );
    assert_eq!(
        opened(&out).first().map(|o| o.0.as_str()),
        Some("cdn"),
        "{out:?}"
    );
}

#[test]
fn a_sympathy_surge_beside_a_lone_failure_during_a_storm_names_nothing() {
    // Seeds 443207 and 443059's shape: during a storm (a DynamoDB failure, named), a service
    // merely degraded by its reports (a sympathy surge) and, two and a half minutes later, a
    // lone failure seen by probes are the two dependents of a small component.
    let w = cloud_world()
        .component("widget")
        .services("wd", 2, &[("widget", 1.0)]);
    let storm: Vec<(String, i64)> = names("dyn", 0..8).into_iter().map(|s| (s, -300)).collect();
    let health_at = |impaired: &[(&str, i64)], surge: State| {
        let mut all: Vec<(&str, i64)> = storm.iter().map(|(s, at)| (s.as_str(), *at)).collect();
        all.extend_from_slice(impaired);
        let mut health = health_seen_since(&w, &all, &["wd0"]);
        let wd0 = w.topology.services.iter().position(|s| s.id == "wd0");
        if let Some(h) = wd0.and_then(|i| health.get_mut(i)) {
            h.state = surge;
        }
        health
    };
    let stormy = || {
        let mut a = w.attributor();
        let out = a.tick(
            t(0),
            &health_at(&[], State::Operational),
            &mut IncidentIds::default(),
        );
        assert_eq!(
            opened(&out).first().map(|o| o.0.as_str()),
            Some("aws/us-east-1/dynamodb")
        );
        a
    };
    let apart = [("wd0", 0), ("wd1", 150)];

    let named = components(openings(stormy(), (160..=600).step_by(20), |_| {
        health_at(&apart, State::Degraded)
    }));
    assert!(named.is_empty(), "{named:?}");

    // The surge turns overwhelming (a major outage): it is no sympathy, the widget is named.
    let named = components(openings(stormy(), (160..=600).step_by(20), |_| {
        health_at(&apart, State::MajorOutage)
    }));
    assert_eq!(named, vec!["widget".to_string()]);

    // Turned impaired together, the two are named as well.
    let named = components(openings(stormy(), (160..=600).step_by(20), |_| {
        health_at(&[("wd0", 150), ("wd1", 150)], State::Degraded)
    }));
    assert_eq!(named, vec!["widget".to_string()]);
}

#[test]
fn a_claim_waits_while_a_larger_failure_behind_all_its_services_unfolds() {
    // Seed 451436's shape: the first three dependents of a region's failure to be detected
    // are three of a CDN's seven dependents, failing in step, while a dozen more of the
    // region's dependents have failed a first probe. Three of seven in step name the CDN; the
    // region's failing probes say the three are its first dependents.
    let w = cloud_world()
        .component("widget")
        .services("wu", 3, &[("widget", 1.0), ("aws/us-east-1", 1.0)])
        .services("wo", 4, &[("widget", 1.0)]);
    let doubting =
        |impaired: &[(&str, i64)], in_doubt: &[&str]| health_in_doubt(&w, impaired, in_doubt);
    let start = [("wu0", 0), ("wu1", 0), ("wu2", 0)];
    let beside = ["use0", "use1", "use2", "use3"];

    // No failing probe beside them: the CDN is named at once.
    let opened_at = first_opening_of(
        &openings(w.attributor(), (10..=200).step_by(10), |_| {
            doubting(&start, &[])
        }),
        "widget",
    );
    assert_eq!(opened_at, Some(10), "opened at {opened_at:?}");

    // With the region's probes failing beside them, the claim waits the shadowed claim's
    // minute; nothing else happening, it then opens.
    let shadow_s = AttributionParams::default().shadow_hold_ms / 1000;
    let opened_at = first_opening_of(
        &openings(w.attributor(), (10..=200).step_by(10), |_| {
            doubting(&start, &beside)
        }),
        "widget",
    );
    assert_eq!(opened_at, Some(shadow_s), "opened at {opened_at:?}");

    // The region's failure shows within that minute: the region is named, the CDN never.
    let named = components(openings(w.attributor(), (10..=200).step_by(10), |s| {
        let mut impaired = start.to_vec();
        if s >= 30 {
            impaired.extend(beside.iter().map(|&x| (x, 25)));
            impaired.extend([("use4", 30), ("use5", 30)]);
        }
        doubting(&impaired, if s >= 30 { &[] } else { &beside })
    }));
    assert_eq!(named, vec!["aws/us-east-1".to_string()]);

    // Failing probes beside them that another named failure explains do not hold it: during
    // a Cloudflare failure, which the region's services in doubt also rely on, the CDN is
    // named at once.
    let mut a = w.attributor();
    let storm: Vec<(String, i64)> = names("cf", 0..10).into_iter().map(|s| (s, -300)).collect();
    let mut impaired: Vec<(&str, i64)> = storm.iter().map(|(s, at)| (s.as_str(), *at)).collect();
    let out = a.tick(t(0), &doubting(&impaired, &[]), &mut IncidentIds::default());
    assert_eq!(
        opened(&out).first().map(|o| o.0.as_str()),
        Some("cloudflare")
    );
    impaired.extend(start);
    let out = a.tick(
        t(10),
        &doubting(&impaired, &beside),
        &mut IncidentIds::default(),
    );
    assert_eq!(
        opened(&out).first().map(|o| o.0.as_str()),
        Some("widget"),
        "{out:?}"
    );
}

#[test]
fn a_claim_split_between_two_larger_failures_waits_while_both_unfold() {
    // Seed 444026's shape: two CDN failures begin together, and their first dependents to be
    // detected are the three dependents of a small component they both touch (one behind the
    // first CDN, two behind the second). Three of three name the small component; the CDNs'
    // other dependents failing a first probe beside them say the claim is theirs, split.
    let w = World::new()
        .component("small")
        .component("cfa")
        .component("cfb")
        .services("xa", 1, &[("cfa", 1.0), ("small", 1.0)])
        .services("xb", 2, &[("cfb", 1.0), ("small", 1.0)])
        .services("ao", 4, &[("cfa", 1.0)])
        .services("bo", 4, &[("cfb", 1.0)]);
    let doubting =
        |impaired: &[(&str, i64)], in_doubt: &[&str]| health_in_doubt(&w, impaired, in_doubt);
    let start = [("xa0", 0), ("xb0", 0), ("xb1", 0)];
    let first = |in_doubt: &'static [&'static str]| {
        first_opening_of(
            &openings(w.attributor(), (10..=200).step_by(10), |_| {
                doubting(&start, in_doubt)
            }),
            "small",
        )
    };

    // Nothing failing beside them: the small component is named at once.
    assert_eq!(first(&[]), Some(10));
    // Only the second CDN's probes failing beside its two: the first's service is not
    // accounted for, and the claim still opens at once.
    assert_eq!(first(&["bo0", "bo1"]), Some(10));
    // Each CDN with as many failing beside the claim as it holds of it: the shadowed
    // claim's minute from the last onset, then, nothing else happening, it opens.
    let shadow_s = AttributionParams::default().shadow_hold_ms / 1000;
    assert_eq!(first(&["ao0", "bo0", "bo1"]), Some(shadow_s));

    // Both failures show within that minute: both CDNs are named, the small component never.
    let mut named = components(openings(w.attributor(), (10..=200).step_by(10), |s| {
        let mut impaired = start.to_vec();
        if s >= 30 {
            impaired.extend([
                ("ao0", 25),
                ("ao1", 30),
                ("bo0", 25),
                ("bo1", 25),
                ("bo2", 30),
            ]);
        }
        doubting(
            &impaired,
            if s >= 30 { &[] } else { &["ao0", "bo0", "bo1"] },
        )
    }));
    named.sort();
    assert_eq!(named, vec!["cfa".to_string(), "cfb".to_string()]);
}

#[test]
fn a_pair_failing_unlike_its_claim_waits_when_an_error_points_past_it() {
    // Seed 441102's shape: a DNS provider's only two dependents fail in step, both probed,
    // neither with a DNS error: one on its own (a TLS error), one the first dependent of its
    // CDN's failure (a connect timeout). Two of two in step name the DNS provider, though
    // nothing seen fits a DNS failure and one error fits the larger CDN behind it.
    let w = World::new()
        .component_of("dnsp", ComponentKind::Dns)
        .component_of("cdn", ComponentKind::Cdn)
        .services("own", 1, &[("dnsp", 1.0)])
        .services("sf", 1, &[("cdn", 1.0), ("dnsp", 1.0)])
        .services("co", 3, &[("cdn", 1.0)])
        .services("q", 6, &[]);
    let failing = |impaired: &[(&str, i64)], own: ProbeError| {
        let mut health = health_seen_since(&w, impaired, &[]);
        for (h, s) in health.iter_mut().zip(&w.topology.services) {
            if h.impaired() {
                h.probes_fail = true;
                h.symptom = Some(match s.id.as_str() {
                    "own0" => own,
                    _ => ProbeError::ConnectTimeout,
                });
            }
        }
        health
    };
    let start = [("own0", 0), ("sf0", 0)];
    let hold_s = AttributionParams::default().thin_hold_ms / 1000;

    // Nothing else happens: the DNS provider opens once the claim has held the thin hold.
    let opened_at = first_opening_of(
        &openings(w.attributor(), (10..=300).step_by(10), |_| {
            failing(&start, ProbeError::Tls)
        }),
        "dnsp",
    );
    assert_eq!(opened_at, Some(10 + hold_s), "opened at {opened_at:?}");

    // The CDN's failure shows within the hold: the DNS provider is never named.
    let named = components(openings(w.attributor(), (10..=300).step_by(10), |s| {
        let mut impaired = start.to_vec();
        if s >= 60 {
            impaired.extend([("co0", 50), ("co1", 60)]);
        }
        failing(&impaired, ProbeError::Tls)
    }));
    assert!(!named.contains(&"dnsp".to_string()), "{named:?}");

    // One of them failing the way a DNS failure makes it fail: named at once.
    let opened_at = first_opening_of(
        &openings(w.attributor(), (10..=300).step_by(10), |_| {
            failing(&start, ProbeError::DnsServfail)
        }),
        "dnsp",
    );
    assert_eq!(opened_at, Some(10), "opened at {opened_at:?}");
}

#[test]
fn a_service_whose_probes_all_pass_is_no_evidence_its_edge_failed() {
    // Seeds 444489 and 481250's shape: a service impaired by its users (or its own status
    // page) while every probe of it passes, in step with an unrelated failure of another
    // dependent of its CDN. A failing CDN fails the probes that go through it, so the pair
    // is not the CDN's; a database behind the application can fail where the probes do not
    // look, so a pair on it is.
    let w = World::new()
        .component_of("cdn", ComponentKind::Cdn)
        .component_of("db", ComponentKind::ManagedService)
        .services("c", 3, &[("cdn", 1.0)])
        .services("d", 3, &[("db", 1.0)])
        .services("q", 8, &[]);
    // The CDN's third dependent in doubt (a probe failed, not confirmed yet): no healthy
    // dependent speaks against it, and the score alone would name it.
    let in_doubt = |health: &mut Vec<ServiceHealth>| health[2].probes_in_doubt = true;
    // `first` impaired by its reports (no live probe), `second` with `set` saying what its
    // probes see.
    let named = |first: &str, second: &str, set: fn(&mut ServiceHealth)| {
        let mut health = w.health(&[first.to_string(), second.to_string()]);
        for (h, s) in health.iter_mut().zip(&w.topology.services) {
            if s.id == second {
                set(h);
            }
        }
        in_doubt(&mut health);
        let mut ids = IncidentIds::default();
        let out = w.eager_attributor().tick(t(0), &health, &mut ids);
        components(opened(&out).into_iter().map(|o| (0, o.0)).collect())
    };
    let passing = |h: &mut ServiceHealth| h.probes_pass = true;
    let failing = |h: &mut ServiceHealth| {
        h.probes_fail = true;
        h.symptom = Some(ProbeError::HttpStatus);
    };
    let failing_unsaid = |h: &mut ServiceHealth| h.probes_fail = true;

    assert_eq!(named("c0", "c1", passing), Vec::<String>::new());
    assert_eq!(named("c0", "c1", failing), vec!["cdn"]);
    assert_eq!(named("c0", "c1", failing_unsaid), vec!["cdn"]);
    assert_eq!(named("d0", "d1", passing), vec!["db"]);

    // A third dependent failing in the probes too: two real pieces of evidence, named.
    let mut health = w.health(&["c0".into(), "c1".into(), "c2".into()]);
    health[1].probes_pass = true;
    failing(&mut health[2]);
    let out = w
        .eager_attributor()
        .tick(t(0), &health, &mut IncidentIds::default());
    assert_eq!(opened(&out).len(), 1, "{out:?}");
}

#[test]
fn a_pair_with_one_service_behind_an_unfolding_larger_failure_waits_the_minute() {
    // Seed 451551's shape: a service failing on its own (and its dependent through it) and
    // the first dependent of a CDN's failure share a small component. Two independent
    // services name it; the CDN's other dependents failing a first probe beside the second
    // say that one is the CDN's.
    let w = World::new()
        .component("small")
        .component_of("cdn", ComponentKind::Cdn)
        .services("own", 1, &[("small", 1.0)])
        .services("thr", 1, &[("own0", 1.0)])
        .services("x", 1, &[("small", 1.0), ("cdn", 1.0)])
        .services("so", 1, &[("small", 1.0)])
        .services("co", 4, &[("cdn", 1.0)])
        .services("q", 6, &[]);
    let start = [("own0", 0), ("thr0", 10), ("x0", 20)];
    let first = |in_doubt: &'static [&'static str]| {
        first_opening_of(
            &openings(w.attributor(), (20..=200).step_by(10), |_| {
                health_in_doubt(&w, &start, in_doubt)
            }),
            "small",
        )
    };

    // Nothing failing beside: named at once.
    assert_eq!(first(&[]), Some(20));
    // The CDN's other dependents failing a first probe: the minute from the last onset.
    let shadow_s = AttributionParams::default().shadow_hold_ms / 1000;
    assert_eq!(first(&["co0", "co1", "co2"]), Some(20 + shadow_s));

    // The CDN's failure shows within that minute: the CDN is named, the small one never.
    let named = components(openings(w.attributor(), (20..=200).step_by(10), |s| {
        let mut impaired = start.to_vec();
        if s >= 40 {
            impaired.extend([("co0", 35), ("co1", 35), ("co2", 40)]);
        }
        health_in_doubt(
            &w,
            &impaired,
            if s >= 40 { &[] } else { &["co0", "co1", "co2"] },
        )
    }));
    assert_eq!(named, vec!["cdn".to_string()]);
}

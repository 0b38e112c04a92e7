//! The generated world: components named like real providers, services spread over them with
//! realistic skew, and the dependencies that are *really* there (which the published topology
//! only approximates: some edges are uncertain, some uncertain edges are wrong).

use std::collections::HashMap;

use vigie_core::model::{
    ComponentKind, ComponentSpec, Dependency, DependencyOrigin, ServiceSpec, Topology,
};

use crate::rng::Rng;

const CDNS: [(&str, &str, f64); 6] = [
    ("cloudflare", "Cloudflare", 5.0),
    ("fastly", "Fastly", 3.0),
    ("akamai", "Akamai", 3.0),
    ("aws/cloudfront", "Amazon CloudFront", 2.5),
    ("azure/front-door", "Azure Front Door", 1.5),
    ("bunny", "Bunny CDN", 0.5),
];
/// (id, name, popularity, regions, managed services per region).
type CloudSpec = (
    &'static str,
    &'static str,
    f64,
    &'static [&'static str],
    &'static [&'static str],
);

const CLOUDS: [CloudSpec; 4] = [
    (
        "aws",
        "Amazon Web Services",
        5.0,
        &[
            "us-east-1",
            "us-west-2",
            "eu-west-1",
            "eu-central-1",
            "ap-southeast-1",
            "ap-northeast-1",
            "sa-east-1",
        ],
        &["dynamodb", "s3", "rds", "lambda", "sqs"],
    ),
    (
        "google-cloud",
        "Google Cloud",
        2.5,
        &[
            "us-central1",
            "europe-west1",
            "asia-east1",
            "us-east4",
            "europe-west4",
        ],
        &["cloud-sql", "gcs", "pubsub"],
    ),
    (
        "azure",
        "Microsoft Azure",
        2.5,
        &[
            "eastus",
            "westeurope",
            "northeurope",
            "southeastasia",
            "westus2",
        ],
        &["cosmos-db", "blob-storage", "sql-database"],
    ),
    (
        "ovh",
        "OVHcloud",
        0.8,
        &["gra", "rbx", "bhs"],
        &["object-storage"],
    ),
];
const DNS: [(&str, &str, f64); 3] = [
    ("ns1", "NS1", 2.0),
    ("ultradns", "UltraDNS", 1.0),
    ("dnsimple", "DNSimple", 0.7),
];
const SAAS: [(&str, &str, f64); 6] = [
    ("stripe", "Stripe", 2.0),
    ("auth0", "Auth0", 1.5),
    ("twilio", "Twilio", 1.0),
    ("sendgrid", "SendGrid", 0.8),
    ("okta", "Okta", 0.8),
    ("segment", "Segment", 0.5),
];

/// A component with the popularity that drives how many services pick it.
#[derive(Clone, Debug)]
pub struct Comp {
    pub spec: ComponentSpec,
    pub weight: f64,
}

/// How a service looks from outside.
#[derive(Clone, Debug)]
pub struct Profile {
    /// Reports per minute at the daily peak, in normal times.
    pub peak_rate: f64,
    /// Probed from every vantage, or watched through reports alone.
    pub probed: bool,
    pub latency_ms: f64,
    /// Consumer services peak in the evening and at weekends; business ones in office hours.
    pub consumer: bool,
    /// Hour of the daily peak, UTC (the audience's time zone).
    pub peak_hour: f64,
}

pub struct World {
    pub topology: Topology,
    pub components: Vec<Comp>,
    /// Per service: the components it really relies on (ancestors not included).
    pub real_components: Vec<Vec<String>>,
    /// Per service: the services it really relies on.
    pub real_services: Vec<Vec<usize>>,
    pub profiles: Vec<Profile>,
}

const SERVICE_WORDS: [&str; 24] = [
    "news", "shop", "stream", "chat", "bank", "pay", "game", "mail", "maps", "ride", "food",
    "travel", "music", "photo", "video", "social", "cloud", "docs", "learn", "health", "bet",
    "crypto", "home", "jobs",
];

/// Builds `n_components` listed components (at least a small core set) and `n_services`.
pub fn build(rng: &mut Rng, n_services: usize, n_components: usize) -> World {
    let mut comps: Vec<Comp> = Vec::new();
    let push = |comps: &mut Vec<Comp>,
                id: String,
                kind: ComponentKind,
                name: Option<String>,
                weight: f64| {
        comps.push(Comp {
            spec: ComponentSpec { id, kind, name },
            weight,
        });
    };
    // Core set in order of importance; truncated to the requested size (parents stay implied).
    for (id, name, w) in CDNS {
        let kind = if id.contains("front-door") {
            ComponentKind::FrontDoor
        } else {
            ComponentKind::Cdn
        };
        push(&mut comps, id.into(), kind, Some(name.into()), w);
    }
    let mut cloud_parts = Vec::new();
    for (cloud, name, w, regions, managed) in CLOUDS {
        push(
            &mut comps,
            cloud.into(),
            ComponentKind::Cloud,
            Some(name.into()),
            0.0,
        );
        for (ri, r) in regions.iter().enumerate() {
            // Region popularity falls off: the first region of each cloud is the busiest.
            let rw = w / (1.0 + ri as f64 * 0.7);
            cloud_parts.push((format!("{cloud}/{r}"), ComponentKind::Region, rw));
            for (mi, m) in managed.iter().enumerate() {
                cloud_parts.push((
                    format!("{cloud}/{r}/{m}"),
                    ComponentKind::ManagedService,
                    rw / (1.5 + mi as f64),
                ));
            }
        }
    }
    // Interleave so a truncated list still has regions and managed services of several clouds.
    cloud_parts.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    for (id, name, w) in DNS {
        push(
            &mut comps,
            id.into(),
            ComponentKind::Dns,
            Some(name.into()),
            w,
        );
    }
    for (id, name, w) in SAAS {
        push(
            &mut comps,
            id.into(),
            ComponentKind::Saas,
            Some(name.into()),
            w,
        );
    }
    for (id, kind, w) in cloud_parts {
        push(&mut comps, id, kind, None, w);
    }
    // Beyond the catalogue: more SaaS providers.
    let mut extra = 0;
    while comps.len() < n_components {
        push(
            &mut comps,
            format!("saas-{extra}"),
            ComponentKind::Saas,
            None,
            0.3,
        );
        extra += 1;
    }
    let keep = n_components.max(12).min(comps.len());
    comps.truncate(keep);

    let pick = |rng: &mut Rng, comps: &[Comp], kinds: &[ComponentKind]| -> Option<String> {
        let w: Vec<f64> = comps
            .iter()
            .map(|c| {
                if kinds.contains(&c.spec.kind) {
                    c.weight
                } else {
                    0.0
                }
            })
            .collect();
        if w.iter().sum::<f64>() <= 0.0 {
            return None;
        }
        Some(comps[rng.weighted(&w)].spec.id.clone())
    };

    let mut services = Vec::with_capacity(n_services);
    let mut real_components = Vec::with_capacity(n_services);
    let mut real_services = Vec::with_capacity(n_services);
    let mut profiles = Vec::with_capacity(n_services);
    let mut used_names: HashMap<String, usize> = HashMap::new();
    for i in 0..n_services {
        let word = SERVICE_WORDS[rng.below(SERVICE_WORDS.len())];
        let n = used_names.entry(word.to_string()).or_insert(0);
        *n += 1;
        let id = format!("{word}{n}");
        let mut real: Vec<String> = Vec::new();
        let mut published: Vec<Dependency> = Vec::new();
        let add = |real: &mut Vec<String>,
                   published: &mut Vec<Dependency>,
                   target: String,
                   rng: &mut Rng| {
            if real.contains(&target) {
                return;
            }
            real.push(target.clone());
            // One real edge in ten was discovered from weak evidence.
            let (confidence, origin) = if rng.chance(0.1) {
                (
                    (rng.range(0.5, 0.9) * 100.0).round() / 100.0,
                    DependencyOrigin::HttpHeader,
                )
            } else {
                (1.0, DependencyOrigin::Declared)
            };
            published.push(Dependency {
                target,
                confidence,
                origin,
            });
        };
        if rng.chance(0.75) {
            if let Some(c) = pick(rng, &comps, &[ComponentKind::Cdn, ComponentKind::FrontDoor]) {
                add(&mut real, &mut published, c, rng);
            }
        }
        if rng.chance(0.9) {
            let kinds: &[ComponentKind] = if rng.chance(0.5) {
                &[ComponentKind::ManagedService]
            } else {
                &[ComponentKind::Region]
            };
            if let Some(c) =
                pick(rng, &comps, kinds).or_else(|| pick(rng, &comps, &[ComponentKind::Region]))
            {
                add(&mut real, &mut published, c, rng);
            }
        }
        if rng.chance(0.25) {
            if let Some(c) = pick(rng, &comps, &[ComponentKind::Dns]) {
                add(&mut real, &mut published, c, rng);
            }
        }
        if rng.chance(0.2) {
            if let Some(c) = pick(rng, &comps, &[ComponentKind::Saas]) {
                add(&mut real, &mut published, c, rng);
            }
        }
        // An uncertain discovered edge that may be wrong (half of them are).
        if rng.chance(0.12) {
            if let Some(c) = pick(rng, &comps, &[ComponentKind::Cdn, ComponentKind::Region]) {
                if !real.contains(&c) {
                    let confidence = (rng.range(0.3, 0.7) * 100.0).round() / 100.0;
                    if rng.chance(0.5) {
                        real.push(c.clone());
                    }
                    published.push(Dependency {
                        target: c,
                        confidence,
                        origin: DependencyOrigin::IpRange,
                    });
                }
            }
        }
        // A service relying on another service (an embedded widget, a payment page).
        let mut rs = Vec::new();
        if i >= 8 && rng.chance(0.06) {
            let j = rng.below(i);
            rs.push(j);
            published.push(Dependency::declared(services_id(&services, j)));
        }
        let consumer = rng.chance(0.7);
        profiles.push(Profile {
            peak_rate: rng.lognormal(0.15, 1.3).clamp(0.005, 40.0),
            probed: rng.chance(0.65),
            latency_ms: rng.range(60.0, 260.0),
            consumer,
            peak_hour: if consumer {
                rng.range(17.0, 22.0)
            } else {
                rng.range(9.0, 15.0)
            },
        });
        services.push(ServiceSpec {
            id: id.clone(),
            name: title(&id),
            depends_on: published,
        });
        real_components.push(real);
        real_services.push(rs);
    }
    let topology = Topology {
        services,
        components: comps.iter().map(|c| c.spec.clone()).collect(),
    };
    World {
        topology,
        components: comps,
        real_components,
        real_services,
        profiles,
    }
}

fn services_id(services: &[ServiceSpec], j: usize) -> String {
    services[j].id.clone()
}

fn title(id: &str) -> String {
    let mut c = id.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

impl World {
    /// Services really hit when `component` fails: those relying on it or on a descendant,
    /// directly, plus (recursively) the services relying on those. Returns (service, depth):
    /// depth 0 for direct dependents.
    pub fn real_dependents(&self, component: &str) -> Vec<(usize, u32)> {
        let within = |c: &str| c == component || c.starts_with(&format!("{component}/"));
        let mut out: Vec<(usize, u32)> = Vec::new();
        let mut seen = vec![false; self.real_components.len()];
        for (s, comps) in self.real_components.iter().enumerate() {
            if comps.iter().any(|c| within(c)) {
                seen[s] = true;
                out.push((s, 0));
            }
        }
        self.extend_with_service_dependents(&mut out, &mut seen);
        out
    }

    /// Adds the services that rely on those already in `out`, recursively.
    pub fn extend_with_service_dependents(&self, out: &mut Vec<(usize, u32)>, seen: &mut [bool]) {
        let mut i = 0;
        while i < out.len() {
            let (s, d) = out[i];
            for (t, deps) in self.real_services.iter().enumerate() {
                if !seen[t] && deps.contains(&s) {
                    seen[t] = true;
                    out.push((t, d + 1));
                }
            }
            i += 1;
        }
    }
}

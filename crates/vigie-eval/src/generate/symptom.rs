//! Which error a failing service's probes see, by what made it fail.
//!
//! Real failures do not come with one error per kind of cause: a CDN outage shows 503s on
//! some customers, connect timeouts on others and hangs on a few; a service failing on its own
//! may answer 5xx exactly like one whose database is down. So each failing service draws its
//! own error from a distribution that depends on what failed, and the distributions overlap.
//! They are deliberately broader than attribution's table of what a kind of failure can
//! produce (`vigie_core::attribute::symptom`): every cause also shows, now and then, an error
//! that table calls unusual or implausible, so the engine is measured on symptoms it did not
//! foresee as well (docs/evaluation.md lists the shares).
//!
//! Draws come from their own random stream, so every other draw of a seed (incidents, timing,
//! reports) is the same whatever the symptoms are.

use vigie_core::model::{ComponentKind, ProbeError};

use crate::rng::Rng;

use ProbeError::{
    Assertion, ConnectRefused, ConnectTimeout, DnsNxdomain, DnsServfail, DnsTimeout, HttpStatus,
    Timeout, Tls,
};

/// What made a service fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// A component it relies on directly.
    Component(ComponentKind),
    /// A service it relies on (which may itself fail through a component).
    ThroughService,
    /// Its own failure.
    Own,
}

type Table = &'static [(ProbeError, f64)];

const CDN: Table = &[
    (HttpStatus, 0.45),
    (ConnectTimeout, 0.2),
    (Timeout, 0.15),
    (Tls, 0.08),
    (ConnectRefused, 0.07),
    (DnsServfail, 0.05),
];
const FRONT_DOOR: Table = &[
    (ConnectTimeout, 0.35),
    (HttpStatus, 0.35),
    (Timeout, 0.2),
    (Tls, 0.05),
    (DnsServfail, 0.05),
];
const REGION: Table = &[
    (Timeout, 0.35),
    (HttpStatus, 0.35),
    (ConnectTimeout, 0.15),
    (ConnectRefused, 0.1),
    (Tls, 0.03),
    (DnsTimeout, 0.02),
];
const MANAGED: Table = &[
    (HttpStatus, 0.55),
    (Timeout, 0.3),
    (Assertion, 0.08),
    (ConnectRefused, 0.05),
    (Tls, 0.02),
];
const DNS: Table = &[
    (DnsServfail, 0.45),
    (DnsTimeout, 0.3),
    (DnsNxdomain, 0.2),
    (Timeout, 0.05),
];
const SAAS: Table = &[
    (Assertion, 0.45),
    (HttpStatus, 0.4),
    (Timeout, 0.12),
    (ConnectRefused, 0.03),
];
const THROUGH_SERVICE: Table = &[
    (HttpStatus, 0.55),
    (Timeout, 0.3),
    (Assertion, 0.1),
    (ConnectRefused, 0.05),
];
/// A service failing on its own: bad deploys (5xx), overload (hangs), crashed or drained
/// backends (refused), expired certificates, a firewall change, a broken page, an expired
/// domain or a DNS change gone wrong.
const OWN: Table = &[
    (HttpStatus, 0.3),
    (Timeout, 0.15),
    (ConnectRefused, 0.15),
    (Tls, 0.12),
    (ConnectTimeout, 0.1),
    (Assertion, 0.08),
    (DnsNxdomain, 0.04),
    (DnsServfail, 0.03),
    (DnsTimeout, 0.03),
];

/// The distribution of errors for a failure.
pub fn table(failure: Failure) -> Table {
    match failure {
        Failure::Component(kind) => match kind {
            ComponentKind::Cdn => CDN,
            ComponentKind::FrontDoor => FRONT_DOOR,
            ComponentKind::Region | ComponentKind::Cloud => REGION,
            ComponentKind::ManagedService => MANAGED,
            ComponentKind::Dns => DNS,
            ComponentKind::Saas => SAAS,
            ComponentKind::Other => OWN,
        },
        Failure::ThroughService => THROUGH_SERVICE,
        Failure::Own => OWN,
    }
}

/// Draws the error a failing service's probes see.
pub fn draw(rng: &mut Rng, failure: Failure) -> ProbeError {
    let t = table(failure);
    let weights: Vec<f64> = t.iter().map(|x| x.1).collect();
    t[rng.weighted(&weights)].0
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Failure; 9] = [
        Failure::Component(ComponentKind::Cdn),
        Failure::Component(ComponentKind::FrontDoor),
        Failure::Component(ComponentKind::Region),
        Failure::Component(ComponentKind::ManagedService),
        Failure::Component(ComponentKind::Dns),
        Failure::Component(ComponentKind::Saas),
        Failure::Component(ComponentKind::Other),
        Failure::ThroughService,
        Failure::Own,
    ];

    #[test]
    fn every_table_is_a_distribution() {
        for f in ALL {
            let sum: f64 = table(f).iter().map(|x| x.1).sum();
            assert!((sum - 1.0).abs() < 1e-9, "{f:?}: {sum}");
        }
    }

    #[test]
    fn causes_and_lone_failures_share_their_commonest_errors() {
        // A test that could be passed by reading the error kind alone would measure nothing:
        // lone failures show every error some component failure shows.
        let own: Vec<ProbeError> = OWN.iter().map(|x| x.0).collect();
        for f in ALL {
            for (e, _) in table(f) {
                assert!(own.contains(e), "{f:?} {e:?}");
            }
        }
    }

    #[test]
    fn draws_follow_the_table() {
        let mut rng = Rng::new(7);
        let n = 20_000;
        let dns = (0..n)
            .filter(|_| {
                matches!(
                    draw(&mut rng, Failure::Component(ComponentKind::Dns)),
                    DnsServfail | DnsTimeout | DnsNxdomain
                )
            })
            .count();
        let share = dns as f64 / n as f64;
        assert!((share - 0.95).abs() < 0.01, "{share}");
    }
}

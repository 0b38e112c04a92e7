//! Debugging aid: rebuild the impaired set at a time from a replay output and print the
//! attribution verdicts. `attrib_debug SCENARIO.jsonl OUT.jsonl TIME`
use std::io::BufRead;

use vigie_core::attribute::{AttributionParams, Attributor, CauseKind, ServiceHealth};
use vigie_core::scenario::ScenarioReader;
use vigie_core::{IncidentIds, ProbeError, State, Timestamp};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let reader = ScenarioReader::new(std::io::BufReader::new(std::fs::File::open(&a[0])?))?;
    let topo = reader.header().topology.clone();
    let at = Timestamp::parse_rfc3339(&a[2])?;
    let mut health: Vec<ServiceHealth> = topo
        .services
        .iter()
        .map(|_| ServiceHealth {
            state: State::Operational,
            since: None,
            watched: true,
            incident: None,
            symptom: None,
            probes_fail: false,
            probes_pass: false,
            probes_in_doubt: false,
            footprint: None,
            failed_partly: false,
        })
        .collect();
    let ix: std::collections::HashMap<String, usize> = topo
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.clone(), i))
        .collect();
    let mut recovered: Vec<Option<Timestamp>> = vec![None; health.len()];
    for line in std::io::BufReader::new(std::fs::File::open(&a[1])?).lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        if v["type"] != "service_state" {
            continue;
        }
        let t = Timestamp::parse_rfc3339(v["at"].as_str().unwrap_or_default())?;
        if t > at {
            break;
        }
        let s = ix[v["service"].as_str().unwrap_or_default()];
        let state = State::parse(v["state"].as_str().unwrap_or_default()).unwrap_or(State::Unknown);
        // As the engine's `impaired_since`: degraded → major_outage keeps the onset, and so
        // does an impairment within the 10-minute resolve hold after a recovery.
        let relapse = recovered[s].is_some_and(|r: Timestamp| t.millis_since(r) < 600_000);
        let continues = health[s].state.is_impaired() && state.is_impaired();
        if !continues && !relapse {
            health[s].since = Some(t);
        }
        recovered[s] = (health[s].state.is_impaired() && !state.is_impaired()).then_some(t);
        health[s].state = state;
        // The symptom as of the state change, from "probes fail from 2 of 3 vantages (tls)".
        let cause = v["cause"].as_str().unwrap_or_default();
        health[s].symptom = ProbeError::ALL
            .into_iter()
            .find(|e| cause.contains(&format!("({})", e.as_str())));
    }
    let mut attr = Attributor::new(&topo, AttributionParams::default())?;
    let out = attr.tick(at, &health, &mut IncidentIds::default());
    let g = attr.graph();
    let name = |k: CauseKind| match k {
        CauseKind::Component(c) => g.component(c).id.clone(),
        CauseKind::Service(s) => format!("service:{}", g.service_id(s)),
    };
    let imp: Vec<String> = health
        .iter()
        .enumerate()
        .filter(|(_, h)| h.state.is_impaired())
        .map(|(i, h)| {
            format!(
                "{}@{}",
                g.service_id(i as u32),
                h.since.map(|t| t.to_rfc3339()).unwrap_or_default()
            )
        })
        .collect();
    println!("impaired: {imp:?}");
    for c in attr.causes() {
        let ex: Vec<&str> = c.explained.iter().map(|&s| g.service_id(s)).collect();
        println!(
            "cause {} score {:.2} conf {:.3} rho {:.2} indep {} explained {:?}",
            name(c.kind),
            c.score,
            c.confidence,
            c.hit_share,
            c.independent,
            ex
        );
    }
    let mut cs = attr.candidate_scores().to_vec();
    cs.sort_by(|a, b| b.score.total_cmp(&a.score));
    for c in cs.iter().take(8) {
        println!(
            "  candidate {} {:.2} impaired {}",
            name(c.kind),
            c.score,
            c.impaired
        );
    }
    for o in out {
        println!("{}", o.to_json_line());
    }
    Ok(())
}

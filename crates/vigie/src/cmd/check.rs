//! `vigie check URL|HOST:PORT`: one probe now, with its phase timings (like `curl -w`).
//! Exit status 0 when the check passes, 1 when it fails, 2 on bad input.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use vigie_probe::{check_for_target, Outcome, Prober};

#[derive(clap::Args)]
pub struct Args {
    /// An http(s) URL (HTTP check) or HOST:PORT (TCP check; IPv6 as [ADDR]:PORT).
    target: String,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// Time allowed for the whole probe (e.g. 10s, 500ms).
    #[arg(long, default_value = "10s")]
    timeout: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let timeout = vigie_config::parse_duration(&args.timeout)
        .map_err(|e| anyhow::anyhow!("--timeout: {e}"))?;
    if timeout.is_zero() {
        anyhow::bail!("--timeout must be longer than zero");
    }
    let spec = check_for_target(&args.target, timeout)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let outcome = runtime.block_on(async { Prober::new().run(&spec).await });

    if args.json {
        let mut value = serde_json::to_value(&outcome).context("encoding the outcome")?;
        if let Some(object) = value.as_object_mut() {
            object.insert("target".into(), serde_json::Value::String(args.target));
        }
        println!("{value}");
    } else {
        print!("{}", table(&args.target, &outcome));
    }
    Ok(if outcome.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn ms(d: Option<Duration>) -> String {
    match d {
        Some(d) => format!("{:.1} ms", d.as_secs_f64() * 1000.0),
        None => "-".to_string(),
    }
}

/// The human report: one `name value` line per phase and finding.
fn table(target: &str, outcome: &Outcome) -> String {
    let mut lines = vec![("target", target.to_string())];
    if let Some(remote) = outcome.remote {
        lines.push(("remote", remote.to_string()));
    }
    let p = &outcome.phases;
    lines.push(("dns", ms(p.dns)));
    if outcome.kind != "dns" {
        lines.push(("connect", ms(p.connect)));
    }
    if outcome.kind == "http" {
        lines.push(("tls", ms(p.tls)));
        lines.push(("first byte", ms(p.first_byte)));
    }
    lines.push(("total", ms(p.total)));
    if let Some(status) = outcome.http_status {
        lines.push(("status", status.to_string()));
    }
    if let Some(tls) = &outcome.tls {
        lines.push((
            "certificate",
            format!(
                "{}, valid until {} ({} days left)",
                tls.version, tls.not_after, tls.days_left
            ),
        ));
    }
    if let Some(dns) = &outcome.dns {
        lines.push(("rcode", dns.rcode.clone()));
        for answer in &dns.answers {
            lines.push(("answer", answer.clone()));
        }
    }
    let verdict = match (outcome.ok, outcome.slow, outcome.error) {
        (true, true, _) => format!("ok, slow: {}", outcome.detail),
        (true, false, _) => format!("ok: {}", outcome.detail),
        (false, _, Some(error)) => format!("fail ({}): {}", error.as_str(), outcome.detail),
        (false, _, None) => format!("fail: {}", outcome.detail),
    };
    lines.push(("outcome", verdict));
    lines
        .into_iter()
        .map(|(name, value)| format!("{name:<12}{value}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_core::ProbeError;

    #[test]
    fn table_shows_each_phase_and_the_verdict() {
        let mut outcome = Outcome::failed(
            "http",
            ProbeError::HttpStatus,
            "HTTP 503, expected 200-399".into(),
        );
        outcome.phases.connect = Some(Duration::from_micros(1250));
        outcome.phases.total = Some(Duration::from_millis(20));
        outcome.http_status = Some(503);
        let text = table("http://127.0.0.1:8080/", &outcome);
        assert!(text.contains("dns         -\n"), "{text}");
        assert!(text.contains("connect     1.2 ms\n") || text.contains("connect     1.3 ms\n"));
        assert!(text.contains("first byte  -\n"), "{text}");
        assert!(text.contains("status      503\n"), "{text}");
        assert!(
            text.ends_with("outcome     fail (http_status): HTTP 503, expected 200-399\n"),
            "{text}"
        );
    }

    #[test]
    fn tcp_table_has_no_http_phases() {
        let outcome = Outcome::failed("tcp", ProbeError::ConnectRefused, "refused".into());
        let text = table("db:5432", &outcome);
        assert!(!text.contains("first byte"), "{text}");
        assert!(!text.contains("tls"), "{text}");
    }
}

//! `vigie report SERVICE --kind KIND [--region CC] [--note TEXT] [--server URL]`: send one
//! crowd report to a running server.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use vigie_server::client::{send, HttpUrl};

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Kind {
    Website,
    App,
    Login,
    Connection,
    Payments,
    Other,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Website => "website",
            Kind::App => "app",
            Kind::Login => "login",
            Kind::Connection => "connection",
            Kind::Payments => "payments",
            Kind::Other => "other",
        }
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// The service's id (as in vigie.toml).
    service: String,
    /// What does not work.
    #[arg(long, value_enum, default_value = "other")]
    kind: Kind,
    /// Where you are: an ISO 3166 alpha-2 country code (FR, US, ...).
    #[arg(long)]
    region: Option<String>,
    /// A short note (at most 280 characters).
    #[arg(long)]
    note: Option<String>,
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    server: String,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let base = HttpUrl::parse(&args.server)?;
    let url = base.join(&format!(
        "/api/v1/services/{}/reports",
        encode(&args.service)
    ));
    let mut body = serde_json::json!({ "kind": args.kind.as_str() });
    if let Some(r) = &args.region {
        body["region"] = serde_json::Value::String(r.clone());
    }
    if let Some(n) = &args.note {
        body["note"] = serde_json::Value::String(n.clone());
    }
    let body = serde_json::to_vec(&body).context("encoding the report")?;
    let response = send(
        "POST",
        &url,
        &[("Content-Type", "application/json")],
        &body,
        Duration::from_secs(30),
    )?;
    let json: serde_json::Value = serde_json::from_slice(&response.body).unwrap_or_default();
    if response.status == 202 {
        let id = json["id"].as_u64().unwrap_or(0);
        if json["duplicate"].as_bool().unwrap_or(false) {
            println!(
                "report {id} stored (a duplicate: you already reported {} in the last 15 minutes)",
                args.service
            );
        } else {
            println!("report {id} accepted for {}", args.service);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let detail = json["detail"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| response.text());
    let mut message = format!(
        "the server refused the report ({}): {detail}",
        response.status
    );
    if let Some(retry) = response.header("retry-after") {
        message.push_str(&format!(" (retry after {retry} s)"));
    }
    anyhow::bail!(message)
}

/// Percent-encodes a path segment.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

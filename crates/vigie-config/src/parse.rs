//! From spanned TOML to a validated [`Config`]: every section is walked even after an
//! error, so one run of `vigie config check` lists every problem in the file.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use toml::de::{DeTable, DeValue};
use vigie_core::{ComponentKind, ComponentSpec, Dependency, DependencyOrigin, ServiceSpec};
use vigie_probe::{
    CheckKind, CheckSpec, DnsCheck, HttpCheck, JsonAssertion, StatusRange, TcpCheck,
};

use crate::error::{ConfigError, ConfigErrors};
use crate::section::{integer_of, Ctx, Section};
use crate::{
    AdminConfig, Config, ProbesConfig, ReportsConfig, ServerConfig, ServiceConfig, StorageConfig,
};

const SECOND: Duration = Duration::from_secs(1);
const DAY: Duration = Duration::from_secs(86_400);
/// Longest accepted identifier, for services, components and checks.
const MAX_ID_LEN: usize = 64;

/// Parses and validates `text`; `file` names it in errors.
pub fn parse_str(file: &str, text: &str) -> Result<Config, ConfigErrors> {
    let (doc, syntax) = DeTable::parse_recoverable(text);
    let ctx = Ctx::new(file, text);
    if !syntax.is_empty() {
        // A syntax error makes the rest of the tree unreliable: report the syntax only.
        for e in syntax {
            let span = e.span().unwrap_or(0..0);
            ctx.error(span, "", format!("TOML syntax: {}", e.message().trim()));
        }
        return Err(ConfigErrors(ctx.into_errors()));
    }
    let root = Section::root(&ctx, &doc);
    let config = walk_root(&root, file);
    root.finish();
    if ctx.has_errors() {
        return Err(ConfigErrors(ctx.into_errors()));
    }
    config.ok_or_else(|| {
        ConfigErrors(vec![ConfigError {
            file: file.to_string(),
            line: 0,
            column: 0,
            key: String::new(),
            message: "invalid configuration".into(),
        }])
    })
}

fn walk_root(root: &Section<'_, '_>, file: &str) -> Option<Config> {
    let server = root.table("server").map(|s| {
        let listen = s.string("listen").and_then(|(text, span)| {
            text.parse::<SocketAddr>()
                .map_err(|_| {
                    s.error(
                        "listen",
                        span,
                        format!("{text:?} is not an address:port like \"127.0.0.1:8080\""),
                    )
                })
                .ok()
        });
        s.finish();
        ServerConfig { listen }
    });
    let storage = root.table("storage").map(|s| {
        let c = StorageConfig {
            data_dir: s.string("data_dir").map(|(p, _)| PathBuf::from(p)),
            raw_retention: s
                .duration("raw_retention", Duration::from_secs(3600), 3650 * DAY)
                .unwrap_or(StorageConfig::DEFAULT_RAW_RETENTION),
            aggregate_retention: s
                .duration("aggregate_retention", DAY, 3650 * DAY)
                .unwrap_or(StorageConfig::DEFAULT_AGGREGATE_RETENTION),
        };
        s.finish();
        c
    });
    let probes = root.table("probes").map(|s| {
        let c = ProbesConfig {
            concurrency: s
                .integer("concurrency", 1, 65_536)
                .map(|(n, _)| n as usize)
                .unwrap_or(ProbesConfig::DEFAULT_CONCURRENCY),
            rate_per_second: s
                .integer("rate_per_second", 1, 1_000_000)
                .map(|(n, _)| n as u32)
                .unwrap_or(ProbesConfig::DEFAULT_RATE_PER_SECOND),
            vantage: s
                .string("vantage")
                .and_then(|(v, span)| checked_id(&s, "vantage", v, span))
                .unwrap_or_else(|| ProbesConfig::DEFAULT_VANTAGE.to_string()),
        };
        s.finish();
        c
    });
    let reports = root.table("reports").map(|s| {
        let trusted_proxies = s
            .string_array("trusted_proxies")
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .filter_map(|(i, (text, span))| parse_net(&s, i, &text, span))
            .collect();
        let c = ReportsConfig {
            trusted_proxies,
            per_reporter_per_minute: s
                .integer("per_reporter_per_minute", 1, 1_000_000)
                .map(|(n, _)| n as u32)
                .unwrap_or(ReportsConfig::DEFAULT_PER_REPORTER_PER_MINUTE),
            per_prefix_per_minute: s
                .integer("per_prefix_per_minute", 1, 100_000_000)
                .map(|(n, _)| n as u32)
                .unwrap_or(ReportsConfig::DEFAULT_PER_PREFIX_PER_MINUTE),
        };
        s.finish();
        c
    });
    let admin = root.table("admin").map(|s| {
        let c = AdminConfig {
            token_file: s.string("token_file").map(|(p, _)| PathBuf::from(p)),
            allow_private_targets: s.boolean("allow_private_targets").unwrap_or(false),
        };
        s.finish();
        c
    });

    let components = walk_components(root);
    let services = walk_services(root);

    Some(Config {
        source: file.to_string(),
        services,
        components,
        server: server.unwrap_or_default(),
        storage: storage.unwrap_or_default(),
        reports: reports.unwrap_or_default(),
        probes: probes.unwrap_or_default(),
        admin: admin.unwrap_or_default(),
    })
}

fn parse_net(
    s: &Section<'_, '_>,
    i: usize,
    text: &str,
    span: std::ops::Range<usize>,
) -> Option<ipnet::IpNet> {
    if let Ok(net) = text.parse::<ipnet::IpNet>() {
        return Some(net);
    }
    if let Ok(ip) = text.parse::<std::net::IpAddr>() {
        return Some(ipnet::IpNet::from(ip));
    }
    s.error(
        &format!("trusted_proxies[{i}]"),
        span,
        format!("{text:?} is not an IP address or CIDR network like \"127.0.0.1/32\""),
    );
    None
}

/// Identifiers: lower-case ASCII letters, digits, `-`, `_`, `.`; components may use `/`.
fn id_problem(id: &str, allow_slash: bool) -> Option<String> {
    if id.is_empty() {
        return Some("must not be empty".into());
    }
    if id.len() > MAX_ID_LEN {
        return Some(format!("is longer than {MAX_ID_LEN} characters"));
    }
    let ok_char = |c: char| {
        c.is_ascii_lowercase()
            || c.is_ascii_digit()
            || "-_.".contains(c)
            || (allow_slash && c == '/')
    };
    if let Some(c) = id.chars().find(|c| !ok_char(*c)) {
        return Some(format!(
            "contains {c:?}: use lower-case letters, digits, '-', '_', '.'{}",
            if allow_slash { " and '/'" } else { "" }
        ));
    }
    if allow_slash && (id.starts_with('/') || id.ends_with('/') || id.contains("//")) {
        return Some("has an empty path segment".into());
    }
    None
}

fn checked_id(
    s: &Section<'_, '_>,
    key: &str,
    id: String,
    span: std::ops::Range<usize>,
) -> Option<String> {
    checked_id_with(s, key, id, span, false)
}

fn checked_id_with(
    s: &Section<'_, '_>,
    key: &str,
    id: String,
    span: std::ops::Range<usize>,
    allow_slash: bool,
) -> Option<String> {
    match id_problem(&id, allow_slash) {
        Some(problem) => {
            s.error(key, span, format!("{id:?} {problem}"));
            None
        }
        None => Some(id),
    }
}

fn component_kind(text: &str) -> Option<ComponentKind> {
    use ComponentKind::*;
    [
        Cdn,
        Cloud,
        Region,
        ManagedService,
        Dns,
        FrontDoor,
        Saas,
        Other,
    ]
    .into_iter()
    .find(|k| k.as_str() == text)
}

fn walk_components(root: &Section<'_, '_>) -> Vec<ComponentSpec> {
    let mut out: Vec<ComponentSpec> = Vec::new();
    let mut seen = HashSet::new();
    for c in root.tables("component") {
        let id = c.required_string("id").and_then(|(id, span)| {
            checked_id_with(&c, "id", id, span.clone(), true).map(|id| (id, span))
        });
        let kind = c.string("kind").and_then(|(k, span)| {
            component_kind(&k).or_else(|| {
                c.error(
                    "kind",
                    span,
                    format!(
                        "unknown component kind {k:?}; expected one of: cdn, cloud, region, managed-service, dns, front-door, saas, other"
                    ),
                );
                None
            })
        });
        let name = c.string("name").map(|(n, _)| n);
        c.finish();
        if let Some((id, span)) = id {
            if !seen.insert(id.clone()) {
                c.error("id", span, format!("component {id:?} is declared twice"));
                continue;
            }
            out.push(ComponentSpec {
                id,
                kind: kind.unwrap_or_default(),
                name,
            });
        }
    }
    out
}

fn walk_services(root: &Section<'_, '_>) -> Vec<ServiceConfig> {
    let mut out: Vec<ServiceConfig> = Vec::new();
    let mut spans = Vec::new();
    let mut seen = HashSet::new();
    for s in root.tables("service") {
        let id = s
            .required_string("id")
            .and_then(|(id, span)| checked_id(&s, "id", id, span.clone()).map(|id| (id, span)));
        let name = s.required_string("name").map(|(n, _)| n);
        let tags = s
            .string_array("tags")
            .unwrap_or_default()
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        let depends_on = walk_depends_on(&s);
        let mut check_ids = HashSet::new();
        let checks: Vec<CheckSpec> = s
            .tables("check")
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let check = walk_check(c, i);
                c.finish();
                let check = check?;
                if !check_ids.insert(check.id.clone()) {
                    c.error(
                        "id",
                        c.span(),
                        format!("check id {:?} is used twice in this service", check.id),
                    );
                    return None;
                }
                Some(check)
            })
            .collect();
        s.finish();
        let (Some((id, span)), Some(name)) = (id, name) else {
            continue;
        };
        if !seen.insert(id.clone()) {
            s.error("id", span, format!("service {id:?} is declared twice"));
            continue;
        }
        spans.push((s.path().to_string(), s.span()));
        out.push(ServiceConfig {
            spec: ServiceSpec {
                id,
                name,
                depends_on,
            },
            tags,
            checks,
        });
    }
    for (i, cycle) in service_cycles(&out) {
        let (path, span) = &spans[i];
        root.ctx().error(
            span.clone(),
            &format!("{path}.depends_on"),
            format!("dependency cycle between services: {}", cycle.join(" → ")),
        );
    }
    out
}

/// Service → service edges must not loop: returns, for each service that starts a cycle,
/// the cycle as a list of ids.
fn service_cycles(services: &[ServiceConfig]) -> Vec<(usize, Vec<String>)> {
    let index: std::collections::HashMap<&str, usize> = services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.spec.id.as_str(), i))
        .collect();
    let edges: Vec<Vec<usize>> = services
        .iter()
        .map(|s| {
            s.spec
                .depends_on
                .iter()
                .filter_map(|d| index.get(d.target.as_str()).copied())
                .collect()
        })
        .collect();
    // 0 = unvisited, 1 = on the stack, 2 = done.
    let mut mark = vec![0u8; services.len()];
    let mut found = Vec::new();
    fn visit(
        n: usize,
        edges: &[Vec<usize>],
        mark: &mut [u8],
        stack: &mut Vec<usize>,
        found: &mut Vec<Vec<usize>>,
    ) {
        mark[n] = 1;
        stack.push(n);
        for &m in &edges[n] {
            if mark[m] == 1 {
                let from = stack.iter().position(|&x| x == m).unwrap_or(0);
                let mut cycle = stack[from..].to_vec();
                cycle.push(m);
                found.push(cycle);
            } else if mark[m] == 0 {
                visit(m, edges, mark, stack, found);
            }
        }
        stack.pop();
        mark[n] = 2;
    }
    for n in 0..services.len() {
        if mark[n] == 0 {
            let mut stack = Vec::new();
            let mut cycles = Vec::new();
            visit(n, &edges, &mut mark, &mut stack, &mut cycles);
            for c in cycles {
                let names = c.iter().map(|&i| services[i].spec.id.clone()).collect();
                found.push((c[0], names));
            }
        }
    }
    found
}

fn walk_depends_on(s: &Section<'_, '_>) -> Vec<Dependency> {
    let Some(items) = s.array("depends_on") else {
        return Vec::new();
    };
    let mut deps = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let key = format!("depends_on[{i}]");
        match item.get_ref() {
            DeValue::String(target) => {
                if let Some(problem) = id_problem(target, true) {
                    s.error(&key, item.span(), format!("{target:?} {problem}"));
                } else {
                    deps.push(Dependency::declared(target.to_string()));
                }
            }
            DeValue::Table(_) => {
                let Some(t) = s.item_table("depends_on", i, item) else {
                    continue;
                };
                let target = t
                    .required_string("id")
                    .and_then(|(id, span)| checked_id_with(&t, "id", id, span, true));
                let confidence = t.number("confidence").and_then(|(c, span)| {
                    if (0.0..=1.0).contains(&c) && c > 0.0 {
                        Some(c)
                    } else {
                        t.error("confidence", span, format!("{c} must be in (0, 1]"));
                        None
                    }
                });
                t.finish();
                if let Some(target) = target {
                    deps.push(Dependency {
                        target,
                        confidence: confidence.unwrap_or(1.0),
                        origin: DependencyOrigin::Declared,
                    });
                }
            }
            other => s.error(
                &key,
                item.span(),
                format!(
                    "expected a component or service id, or {{ id = \"...\", confidence = 0.5 }}, found {}",
                    match other {
                        DeValue::Integer(_) | DeValue::Float(_) => "a number",
                        DeValue::Boolean(_) => "a boolean",
                        _ => "another value",
                    }
                ),
            ),
        }
    }
    deps
}

fn walk_check(c: &Section<'_, '_>, index: usize) -> Option<CheckSpec> {
    let kind_name = c.required_string("kind");
    let id = c
        .string("id")
        .and_then(|(id, span)| checked_id(c, "id", id, span));
    let interval = c
        .duration("interval", SECOND, DAY)
        .unwrap_or(CheckSpec::DEFAULT_INTERVAL);
    let timeout = c
        .duration(
            "timeout",
            Duration::from_millis(100),
            Duration::from_secs(300),
        )
        .unwrap_or(CheckSpec::DEFAULT_TIMEOUT);
    let failure_threshold = c
        .integer("failure_threshold", 1, 100)
        .map(|(n, _)| n as u32)
        .unwrap_or(CheckSpec::DEFAULT_FAILURE_THRESHOLD);
    let recovery_threshold = c
        .integer("recovery_threshold", 1, 100)
        .map(|(n, _)| n as u32)
        .unwrap_or(CheckSpec::DEFAULT_RECOVERY_THRESHOLD);
    if timeout > interval {
        c.error(
            "timeout",
            c.span(),
            format!("timeout ({timeout:?}) must not exceed interval ({interval:?})"),
        );
    }
    let (kind_name, kind_span) = kind_name?;
    let kind = match kind_name.as_str() {
        "http" => walk_http(c).map(CheckKind::Http),
        "tcp" => walk_tcp(c).map(CheckKind::Tcp),
        "dns" => walk_dns(c).map(CheckKind::Dns),
        other => {
            c.error(
                "kind",
                kind_span,
                format!("unknown check kind {other:?}; expected one of: http, tcp, dns"),
            );
            None
        }
    }?;
    Some(CheckSpec {
        id: id.unwrap_or_else(|| format!("{}-{index}", kind.name())),
        kind,
        interval,
        timeout,
        failure_threshold,
        recovery_threshold,
    })
}

fn walk_http(c: &Section<'_, '_>) -> Option<HttpCheck> {
    let url = c
        .required_string("url")
        .and_then(|(text, span)| match url::Url::parse(&text) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Some(u),
            Ok(u) => {
                c.error(
                    "url",
                    span,
                    format!(
                        "{text:?}: scheme {:?} is not http or https, or the host is missing",
                        u.scheme()
                    ),
                );
                None
            }
            Err(e) => {
                c.error("url", span, format!("{text:?} is not a URL: {e}"));
                None
            }
        });
    let method = c
        .string("method")
        .and_then(|(m, span)| {
            let upper = m.to_ascii_uppercase();
            if ["GET", "HEAD", "POST", "PUT", "OPTIONS", "PATCH", "DELETE"].contains(&upper.as_str()) {
                Some(upper)
            } else {
                c.error("method", span, format!("unsupported method {m:?}; expected GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS"));
                None
            }
        })
        .unwrap_or_else(|| "GET".into());
    let headers = c.string_map("headers").unwrap_or_default();
    for (name, _) in &headers {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
        {
            c.error("headers", c.span(), format!("invalid header name {name:?}"));
        }
    }
    let accepted_statuses = walk_statuses(c);
    let body_contains = c.string("body_contains").map(|(s, _)| s);
    let pointer = c.string("json_pointer");
    let equals = c.value("json_equals");
    let json = match (pointer, equals) {
        (Some((p, span)), Some(v)) => {
            if !p.is_empty() && !p.starts_with('/') {
                c.error(
                    "json_pointer",
                    span,
                    format!("{p:?} is not a JSON pointer (RFC 6901): it must start with '/'"),
                );
                None
            } else {
                toml_to_json(v.get_ref()).map(|equals| JsonAssertion { pointer: p, equals })
            }
        }
        (Some((_, span)), None) => {
            c.error(
                "json_pointer",
                span,
                "json_pointer needs json_equals (the expected value)",
            );
            None
        }
        (None, Some(v)) => {
            c.error(
                "json_equals",
                v.span(),
                "json_equals needs json_pointer (where to look)",
            );
            None
        }
        (None, None) => None,
    };
    let degraded_latency = c.duration(
        "degraded_latency",
        Duration::from_millis(1),
        Duration::from_secs(300),
    );
    let min_tls_days = c.integer("min_tls_days", 0, 3650).map(|(n, _)| n as u32);
    let ca_file = c.string("ca_file").map(|(p, _)| PathBuf::from(p));
    Some(HttpCheck {
        url: url?,
        method,
        headers,
        accepted_statuses,
        body_contains,
        json,
        degraded_latency,
        min_tls_days,
        ca_file,
    })
}

fn walk_statuses(c: &Section<'_, '_>) -> Vec<StatusRange> {
    let default = vec![StatusRange {
        low: 200,
        high: 399,
    }];
    let Some(items) = c.array("expect_status") else {
        return default;
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let key = format!("expect_status[{i}]");
        let range = match item.get_ref() {
            DeValue::String(s) => s
                .split_once('-')
                .and_then(|(a, b)| {
                    Some((a.trim().parse::<u16>().ok()?, b.trim().parse::<u16>().ok()?))
                })
                .or_else(|| s.trim().parse::<u16>().ok().map(|n| (n, n))),
            other => integer_of(other)
                .and_then(|n| u16::try_from(n).ok())
                .map(|n| (n, n)),
        };
        match range {
            Some((low, high)) if (100..=599).contains(&low) && low <= high && high <= 599 => {
                out.push(StatusRange { low, high })
            }
            _ => c.error(
                &key,
                item.span(),
                "expected an HTTP status (100-599) or a range like \"200-299\"",
            ),
        }
    }
    if out.is_empty() {
        default
    } else {
        out
    }
}

fn toml_to_json(v: &DeValue<'_>) -> Option<serde_json::Value> {
    Some(match v {
        DeValue::String(s) => serde_json::Value::String(s.to_string()),
        DeValue::Boolean(b) => serde_json::Value::Bool(*b),
        DeValue::Integer(_) => serde_json::Value::from(integer_of(v)?),
        DeValue::Float(f) => {
            serde_json::Value::from(f.as_str().replace('_', "").parse::<f64>().ok()?)
        }
        DeValue::Datetime(d) => serde_json::Value::String(d.to_string()),
        DeValue::Array(items) => serde_json::Value::Array(
            items
                .iter()
                .map(|i| toml_to_json(i.get_ref()))
                .collect::<Option<_>>()?,
        ),
        DeValue::Table(t) => serde_json::Value::Object(
            t.iter()
                .map(|(k, v)| Some((k.get_ref().to_string(), toml_to_json(v.get_ref())?)))
                .collect::<Option<_>>()?,
        ),
    })
}

fn walk_tcp(c: &Section<'_, '_>) -> Option<TcpCheck> {
    let (target, span) = c.required_string("target")?;
    match split_host_port(&target) {
        Some((host, port)) => Some(TcpCheck { host, port }),
        None => {
            c.error(
                "target",
                span,
                format!("{target:?} is not host:port (e.g. \"example.com:443\" or \"[::1]:22\")"),
            );
            None
        }
    }
}

/// `example.com:443`, `127.0.0.1:80`, `[::1]:22` → host and port.
pub fn split_host_port(text: &str) -> Option<(String, u16)> {
    let (host, port) = text.rsplit_once(':')?;
    let port: u16 = port.parse().ok().filter(|p| *p != 0)?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '/') {
        return None;
    }
    if host.contains(':') && host.parse::<std::net::Ipv6Addr>().is_err() {
        return None;
    }
    Some((host.to_string(), port))
}

const RECORD_TYPES: [&str; 7] = ["A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA"];
const RCODES: [&str; 6] = [
    "NOERROR", "NXDOMAIN", "SERVFAIL", "REFUSED", "FORMERR", "NOTIMP",
];

fn walk_dns(c: &Section<'_, '_>) -> Option<DnsCheck> {
    let name = c.required_string("name").and_then(|(n, span)| {
        let valid = !n.is_empty()
            && n.len() <= 253
            && n.trim_end_matches('.').split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        if valid {
            Some(n)
        } else {
            c.error("name", span, format!("{n:?} is not a DNS name"));
            None
        }
    });
    let record_type = c
        .string("record_type")
        .and_then(|(t, span)| {
            let upper = t.to_ascii_uppercase();
            if RECORD_TYPES.contains(&upper.as_str()) {
                Some(upper)
            } else {
                c.error(
                    "record_type",
                    span,
                    format!(
                        "unsupported record type {t:?}; expected one of: {}",
                        RECORD_TYPES.join(", ")
                    ),
                );
                None
            }
        })
        .unwrap_or_else(|| "A".into());
    let expected_rcode = c
        .string("expected_rcode")
        .and_then(|(r, span)| {
            let upper = r.to_ascii_uppercase();
            if RCODES.contains(&upper.as_str()) {
                Some(upper)
            } else {
                c.error(
                    "expected_rcode",
                    span,
                    format!(
                        "unknown rcode {r:?}; expected one of: {}",
                        RCODES.join(", ")
                    ),
                );
                None
            }
        })
        .unwrap_or_else(|| "NOERROR".into());
    let expected_answer = c.string("expected_answer").map(|(a, _)| a);
    let server = c.string("server").and_then(|(s, span)| {
        s.parse::<SocketAddr>()
            .or_else(|_| {
                s.parse::<std::net::IpAddr>()
                    .map(|ip| SocketAddr::new(ip, 53))
            })
            .map_err(|_| {
                c.error(
                    "server",
                    span,
                    format!("{s:?} is not an IP address or address:port"),
                )
            })
            .ok()
    });
    Some(DnsCheck {
        name: name?,
        record_type,
        expected_rcode,
        expected_answer,
        server,
    })
}

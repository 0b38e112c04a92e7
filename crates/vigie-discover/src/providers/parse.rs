//! Parsers for the providers' IP-list formats. Each rejects malformed input with the file, the
//! place (JSON path or line) and the problem; none trusts a size it did not check.

use std::collections::BTreeMap;

use ipnet::IpNet;
use serde::Deserialize;
use serde_json::Value;
use vigie_core::{ComponentKind, ComponentSpec};

use super::{Format, ParsedList, ProviderSource, MAX_ENTRIES, MAX_FILE_BYTES};
use crate::iptable::{RangeEntry, RangeInfo};

/// A provider file that does not parse or holds a bad value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}: {location}: {message}")]
pub struct ParseError {
    pub file: String,
    /// Where: `line 12`, `prefixes[3].ip_prefix`, or `JSON line 4 column 7`.
    pub location: String,
    pub message: String,
}

/// Collects entries and implied components for one file.
struct Builder<'s> {
    source: &'s ProviderSource,
    entries: Vec<RangeEntry>,
    components: BTreeMap<String, ComponentSpec>,
    skipped: usize,
}

impl<'s> Builder<'s> {
    fn new(source: &'s ProviderSource) -> Self {
        Builder {
            source,
            entries: Vec::new(),
            components: BTreeMap::new(),
            skipped: 0,
        }
    }

    fn error(&self, location: impl Into<String>, message: impl Into<String>) -> ParseError {
        ParseError {
            file: self.source.file.to_string(),
            location: location.into(),
            message: message.into(),
        }
    }

    /// Parses and checks a prefix: canonical (no host bits), not absurdly broad.
    fn prefix(&self, location: &str, text: &str) -> Result<IpNet, ParseError> {
        let net: IpNet = text.trim().parse().map_err(|_| {
            self.error(
                location,
                format!("`{text}` is not an IP prefix (a.b.c.d/n or x::/n)"),
            )
        })?;
        if net.trunc() != net {
            return Err(self.error(
                location,
                format!("`{text}` has host bits set (did you mean {}?)", net.trunc()),
            ));
        }
        let too_broad = match net {
            IpNet::V4(n) => n.prefix_len() < 8,
            IpNet::V6(n) => n.prefix_len() < 16,
        };
        if too_broad {
            return Err(self.error(
                location,
                format!("`{text}` is broader than /8 (IPv4) or /16 (IPv6); no provider owns that"),
            ));
        }
        Ok(net)
    }

    fn add(
        &mut self,
        location: &str,
        prefix: &str,
        component: &str,
        label: String,
        rank: u8,
    ) -> Result<(), ParseError> {
        if self.entries.len() >= MAX_ENTRIES {
            return Err(self.error(location, format!("more than {MAX_ENTRIES} ranges")));
        }
        let net = self.prefix(location, prefix)?;
        if let Some(why) = crate::guard::special_purpose(net) {
            tracing::debug!(file = self.source.file, location, %net, why, "skipping special-purpose range");
            self.skipped += 1;
            return Ok(());
        }
        self.entries.push(RangeEntry {
            net,
            info: RangeInfo {
                component: component.to_string(),
                label,
            },
            rank,
        });
        Ok(())
    }

    fn component(&mut self, id: String, kind: ComponentKind, name: String) {
        self.components.entry(id.clone()).or_insert(ComponentSpec {
            id,
            kind,
            name: Some(name),
        });
    }

    /// Checks a region name taken from a file before it becomes part of a component id.
    fn region(&self, location: &str, region: &str) -> Result<String, ParseError> {
        let region = region.trim().to_ascii_lowercase();
        let ok = !region.is_empty()
            && region.len() <= 63
            && region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !region.starts_with('-')
            && !region.ends_with('-');
        if ok {
            Ok(region)
        } else {
            Err(self.error(
                location,
                format!("region `{region}` is not a lowercase a-z0-9- name"),
            ))
        }
    }

    fn finish(self, snapshot: String) -> Result<ParsedList, ParseError> {
        if self.entries.is_empty() {
            return Err(self.error("file", "holds no IP ranges"));
        }
        Ok(ParsedList {
            entries: self.entries,
            components: self.components.into_values().collect(),
            snapshot,
            skipped: self.skipped,
        })
    }
}

fn json<T: for<'de> Deserialize<'de>>(
    source: &ProviderSource,
    text: &str,
) -> Result<T, ParseError> {
    serde_json::from_str(text).map_err(|e| ParseError {
        file: source.file.to_string(),
        location: format!("JSON line {} column {}", e.line(), e.column()),
        message: e.to_string(),
    })
}

pub(super) fn parse(source: &ProviderSource, text: &str) -> Result<ParsedList, ParseError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(ParseError {
            file: source.file.to_string(),
            location: "file".into(),
            message: format!(
                "{} bytes is more than the {MAX_FILE_BYTES}-byte limit",
                text.len()
            ),
        });
    }
    match source.format {
        Format::AwsIpRanges => aws(source, text),
        Format::AzureServiceTags => azure(source, text),
        Format::GoogleCloud => google_cloud(source, text),
        Format::GoogleGoog => google_goog(source, text),
        Format::PlainList => plain_list(source, text),
        Format::FastlyList => fastly(source, text),
        Format::AkamaiDerived => akamai(source, text),
        Format::Oracle => oracle(source, text),
        Format::GeofeedCsv => geofeed_csv(source, text),
        Format::VultrGeofeed => vultr(source, text),
        Format::GithubMeta => github(source, text),
    }
}

// ---------------------------------------------------------------------------------------- AWS

#[derive(Deserialize)]
struct AwsFile {
    #[serde(rename = "createDate", default)]
    create_date: String,
    prefixes: Vec<AwsV4>,
    ipv6_prefixes: Vec<AwsV6>,
}

#[derive(Deserialize)]
struct AwsV4 {
    ip_prefix: String,
    region: String,
    service: String,
}

#[derive(Deserialize)]
struct AwsV6 {
    ipv6_prefix: String,
    region: String,
    service: String,
}

/// Maps one AWS entry to (component, rank, implied components). See the module docs.
fn aws_component(
    b: &mut Builder<'_>,
    location: &str,
    region: &str,
    service: &str,
) -> Result<(String, u8), ParseError> {
    let service_slug = service.trim().to_ascii_lowercase().replace('_', "-");
    if service_slug.is_empty()
        || !service_slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(b.error(
            location,
            format!("service `{service}` is not an AWS service name"),
        ));
    }
    match service {
        "CLOUDFRONT" | "CLOUDFRONT_ORIGIN_FACING" => return Ok(("aws/cloudfront".into(), 3)),
        "GLOBALACCELERATOR" => return Ok(("aws/global-accelerator".into(), 3)),
        "ROUTE53" => return Ok(("aws/route53".into(), 3)),
        _ => {}
    }
    let rank = match service {
        "AMAZON" => 1,
        "EC2" => 2,
        _ => 3,
    };
    if region == "GLOBAL" {
        return Ok(("aws".into(), rank));
    }
    let region = b.region(location, region)?;
    let region_id = format!("aws/{region}");
    b.component(
        region_id.clone(),
        ComponentKind::Region,
        format!("AWS {region}"),
    );
    if rank < 3 {
        return Ok((region_id, rank));
    }
    let id = format!("{region_id}/{service_slug}");
    b.component(
        id.clone(),
        ComponentKind::ManagedService,
        format!("AWS {service} ({region})"),
    );
    Ok((id, rank))
}

fn aws(source: &ProviderSource, text: &str) -> Result<ParsedList, ParseError> {
    let file: AwsFile = json(source, text)?;
    let mut b = Builder::new(source);
    let v4 = file.prefixes.iter().enumerate().map(|(i, p)| {
        (
            format!("prefixes[{i}]"),
            &p.ip_prefix,
            &p.region,
            &p.service,
        )
    });
    let v6 = file.ipv6_prefixes.iter().enumerate().map(|(i, p)| {
        (
            format!("ipv6_prefixes[{i}]"),
            &p.ipv6_prefix,
            &p.region,
            &p.service,
        )
    });
    for (location, prefix, region, service) in v4.chain(v6) {
        let (component, rank) = aws_component(&mut b, &location, region, service)?;
        b.add(
            &location,
            prefix,
            &component,
            format!("AWS {service} {region}"),
            rank,
        )?;
    }
    b.finish(format!("createDate {}", file.create_date))
}

// -------------------------------------------------------------------------------------- Azure

#[derive(Deserialize)]
struct AzureFile {
    #[serde(rename = "changeNumber")]
    change_number: u64,
    #[serde(default)]
    cloud: String,
    values: Vec<AzureTag>,
}

#[derive(Deserialize)]
struct AzureTag {
    name: String,
    properties: AzureProperties,
}

#[derive(Deserialize)]
struct AzureProperties {
    #[serde(default)]
    region: String,
    #[serde(rename = "addressPrefixes")]
    address_prefixes: Vec<String>,
}

/// The component an Azure tag maps to, with its rank; `None` for tags the mapping ignores.
fn azure_tag(name: &str) -> Option<(AzureTagKind, u8)> {
    if name == "AzureCloud" {
        Some((AzureTagKind::Global, 1))
    } else if name.starts_with("AzureCloud.") {
        Some((AzureTagKind::Region, 2))
    } else if name == "AzureFrontDoor.Frontend" || name == "AzureFrontDoor.FirstParty" {
        Some((AzureTagKind::FrontDoor, 3))
    } else {
        None
    }
}

enum AzureTagKind {
    Global,
    Region,
    FrontDoor,
}

fn azure(source: &ProviderSource, text: &str) -> Result<ParsedList, ParseError> {
    let file: AzureFile = json(source, text)?;
    let mut b = Builder::new(source);
    for (i, tag) in file.values.iter().enumerate() {
        let Some((kind, rank)) = azure_tag(&tag.name) else {
            continue;
        };
        let location = format!("values[{i}] ({})", tag.name);
        let component = match kind {
            AzureTagKind::Global => "azure".to_string(),
            AzureTagKind::FrontDoor => "azure/front-door".to_string(),
            AzureTagKind::Region => {
                let raw = if tag.properties.region.is_empty() {
                    tag.name.trim_start_matches("AzureCloud.")
                } else {
                    tag.properties.region.as_str()
                };
                let region = b.region(&location, raw)?;
                let id = format!("azure/{region}");
                b.component(id.clone(), ComponentKind::Region, format!("Azure {region}"));
                id
            }
        };
        for (j, prefix) in tag.properties.address_prefixes.iter().enumerate() {
            let at = format!("{location}.addressPrefixes[{j}]");
            b.add(&at, prefix, &component, format!("Azure {}", tag.name), rank)?;
        }
    }
    b.finish(format!(
        "changeNumber {} ({})",
        file.change_number, file.cloud
    ))
}

/// Azure's list with only the tags [`azure_tag`] maps, as compact JSON in the same schema.
pub(super) fn azure_compact(source: &ProviderSource, text: &str) -> Result<String, ParseError> {
    // Validate the whole file first, so a bad list is never stored.
    azure(source, text)?;
    let mut value: Value = json(source, text)?;
    if let Some(values) = value.get_mut("values").and_then(Value::as_array_mut) {
        values.retain(|tag| {
            tag.get("name")
                .and_then(Value::as_str)
                .is_some_and(|name| azure_tag(name).is_some())
        });
    }
    let mut out = serde_json::to_string(&value).map_err(|e| ParseError {
        file: source.file.to_string(),
        location: "file".into(),
        message: format!("cannot re-encode: {e}"),
    })?;
    out.push('\n');
    Ok(out)
}

// ------------------------------------------------------------------------------------- Google

#[derive(Deserialize)]
struct GoogleFile {
    #[serde(rename = "creationTime", default)]
    creation_time: String,
    prefixes: Vec<GooglePrefix>,
}

#[derive(Deserialize)]
struct GooglePrefix {
    #[serde(rename = "ipv4Prefix")]
    ipv4: Option<String>,
    #[serde(rename = "ipv6Prefix")]
    ipv6: Option<String>,
    #[serde(default)]
    scope: Option<String>,
}

fn google_prefix<'p>(
    b: &Builder<'_>,
    location: &str,
    p: &'p GooglePrefix,
) -> Result<&'p str, ParseError> {
    match (&p.ipv4, &p.ipv6) {
        (Some(v4), None) => Ok(v4),
        (None, Some(v6)) => Ok(v6),
        _ => Err(b.error(location, "needs exactly one of ipv4Prefix and ipv6Prefix")),
    }
}

fn google_cloud(source: &ProviderSource, text: &str) -> Result<ParsedList, ParseError> {
    let file: GoogleFile = json(source, text)?;
    let mut b = Builder::new(source);
    for (i, p) in file.prefixes.iter().enumerate() {
        let location = format!("prefixes[{i}]");
        let prefix = google_prefix(&b, &location, p)?;
        let scope = p
            .scope
            .as_deref()
            .ok_or_else(|| b.error(&location, "has no scope"))?;
        let component = if scope == "global" {
            "google-cloud".to_string()
        } else {
            let region = b.region(&location, scope)?;
            let id = format!("google-cloud/{region}");
            b.component(
                id.clone(),
                ComponentKind::Region,
                format!("Google Cloud {region}"),
            );
            id
        };
        b.add(
            &location,
            prefix,
            &component,
            format!("Google Cloud {scope}"),
            3,
        )?;
    }
    b.finish(format!("creationTime {}", file.creation_time))
}

fn google_goog(source: &ProviderSource, text: &str) -> Result<ParsedList, ParseError> {
    let file: GoogleFile = json(source, text)?;
    let mut b = Builder::new(source);
    for (i, p) in file.prefixes.iter().enumerate() {
        let location = format!("prefixes[{i}]");
        let prefix = google_prefix(&b, &location, p)?;
        b.add(&location, prefix, "google", "Google goog.json".into(), 1)?;
    }
    b.finish(format!("creationTime {}", file.creation_time))
}

// ------------------------------------------------------------------------- single-provider lists

/// One prefix per line (Cloudflare's ips-v4 / ips-v6); blank lines and `#` comments skipped.
fn plain_list(source: &ProviderSource, text: &str) -> Result<ParsedList, ParseError> {
    let mut b = Builder::new(source);
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let label = format!("{} {}", display(source.component), source.file);
        b.add(&format!("line {}", n + 1), line, source.component, label, 3)?;
    }
    b.finish(String::new())
}

#[derive(Deserialize)]
struct FastlyFile {
    addresses: Vec<String>,
    #[serde(default)]
    ipv6_addresses: Vec<String>,
}

fn fastly(source: &ProviderSource, text: &str) -> Result<ParsedList, ParseError> {
    let file: FastlyFile = json(source, text)?;
    let mut b = Builder::new(source);
    let v4 = file
        .addresses
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("addresses[{i}]"), p));
    let v6 = file
        .ipv6_addresses
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("ipv6_addresses[{i}]"), p));
    for (location, prefix) in v4.chain(v6) {
        b.add(
            &location,
            prefix,
            "fastly",
            "Fastly public-ip-list".into(),
            3,
        )?;
    }
    b.finish(String::new())
}

#[derive(Deserialize)]
struct AkamaiFile {
    #[serde(default)]
    last_updated: String,
    ipv4: Vec<String>,
    #[serde(default)]
    ipv6: Vec<String>,
}

fn akamai(source: &ProviderSource, text: &str) -> Result<ParsedList, ParseError> {
    let file: AkamaiFile = json(source, text)?;
    let mut b = Builder::new(source);
    let v4 = file
        .ipv4
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("ipv4[{i}]"), p));
    let v6 = file
        .ipv6
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("ipv6[{i}]"), p));
    for (location, prefix) in v4.chain(v6) {
        b.add(
            &location,
            prefix,
            "akamai",
            "Akamai (derived list)".into(),
            2,
        )?;
    }
    b.finish(format!("last_updated {}", file.last_updated))
}

#[derive(Deserialize)]
struct OracleFile {
    #[serde(default)]
    last_updated_timestamp: String,
    regions: Vec<OracleRegion>,
}

#[derive(Deserialize)]
struct OracleRegion {
    region: String,
    cidrs: Vec<OracleCidr>,
}

#[derive(Deserialize)]
struct OracleCidr {
    cidr: String,
    #[serde(default)]
    tags: Vec<String>,
}

fn oracle(source: &ProviderSource, text: &str) -> Result<ParsedList, ParseError> {
    let file: OracleFile = json(source, text)?;
    let mut b = Builder::new(source);
    for (i, region) in file.regions.iter().enumerate() {
        let location = format!("regions[{i}]");
        let name = b.region(&location, &region.region)?;
        let id = format!("oracle-cloud/{name}");
        b.component(
            id.clone(),
            ComponentKind::Region,
            format!("Oracle Cloud {name}"),
        );
        for (j, cidr) in region.cidrs.iter().enumerate() {
            let label = format!("Oracle Cloud {name} {}", cidr.tags.join("/"));
            b.add(&format!("{location}.cidrs[{j}]"), &cidr.cidr, &id, label, 3)?;
        }
    }
    b.finish(format!(
        "last_updated_timestamp {}",
        file.last_updated_timestamp
    ))
}

/// RFC 8805 geofeed: `prefix,country,region,city,postal`; `#` lines are comments.
fn geofeed_csv(source: &ProviderSource, text: &str) -> Result<ParsedList, ParseError> {
    let mut b = Builder::new(source);
    let mut snapshot = String::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(comment) = line.strip_prefix('#') {
            if let Some(date) = comment.trim().strip_prefix("Last modified:") {
                snapshot = format!("Last modified {}", date.trim());
            }
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let location = format!("line {}", n + 1);
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() < 2 {
            return Err(b.error(&location, "expected `prefix,country,region,city[,postal]`"));
        }
        let place = [fields.get(3), fields.get(1)]
            .iter()
            .filter_map(|f| f.map(|s| s.trim()).filter(|s| !s.is_empty()))
            .collect::<Vec<_>>()
            .join(", ");
        let label = format!("{} geofeed {place}", display(source.component));
        b.add(&location, fields[0], source.component, label, 3)?;
    }
    b.finish(snapshot)
}

#[derive(Deserialize)]
struct VultrFile {
    #[serde(default)]
    updated: String,
    subnets: Vec<VultrSubnet>,
}

#[derive(Deserialize)]
struct VultrSubnet {
    ip_prefix: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    alpha2code: String,
}

fn vultr(source: &ProviderSource, text: &str) -> Result<ParsedList, ParseError> {
    let file: VultrFile = json(source, text)?;
    let mut b = Builder::new(source);
    for (i, s) in file.subnets.iter().enumerate() {
        let label = format!("Vultr geofeed {}, {}", s.city, s.alpha2code);
        b.add(&format!("subnets[{i}]"), &s.ip_prefix, "vultr", label, 3)?;
    }
    b.finish(format!("updated {}", file.updated))
}

#[derive(Deserialize)]
struct GithubMeta {
    #[serde(default)]
    web: Vec<String>,
    #[serde(default)]
    api: Vec<String>,
    #[serde(default)]
    git: Vec<String>,
    pages: Vec<String>,
}

fn github(source: &ProviderSource, text: &str) -> Result<ParsedList, ParseError> {
    // `actions` and `codespaces` are Azure's ranges rented by GitHub: left out, or every Azure
    // customer would look like GitHub.
    let file: GithubMeta = json(source, text)?;
    let mut b = Builder::new(source);
    for (key, list, component) in [
        ("pages", &file.pages, "github/pages"),
        ("web", &file.web, "github"),
        ("api", &file.api, "github"),
        ("git", &file.git, "github"),
    ] {
        for (i, prefix) in list.iter().enumerate() {
            b.add(
                &format!("{key}[{i}]"),
                prefix,
                component,
                format!("GitHub meta {key}"),
                3,
            )?;
        }
    }
    b.finish(String::new())
}

fn display(component: &str) -> &str {
    match component {
        "cloudflare" => "Cloudflare",
        "digitalocean" => "DigitalOcean",
        "linode" => "Linode",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::source;

    fn src(name: &str) -> &'static ProviderSource {
        source(name).expect("known source")
    }

    #[test]
    fn aws_mapping_follows_service_and_region() {
        let text = r#"{"syncToken":"1","createDate":"2026-01-01-00-00-00","prefixes":[
            {"ip_prefix":"3.5.0.0/19","region":"us-east-1","service":"S3","network_border_group":"us-east-1"},
            {"ip_prefix":"3.2.0.0/16","region":"us-east-1","service":"EC2","network_border_group":"us-east-1"},
            {"ip_prefix":"13.32.0.0/15","region":"GLOBAL","service":"CLOUDFRONT","network_border_group":"GLOBAL"},
            {"ip_prefix":"52.0.0.0/11","region":"GLOBAL","service":"AMAZON","network_border_group":"GLOBAL"}],
            "ipv6_prefixes":[{"ipv6_prefix":"2600:1f18::/33","region":"us-east-1","service":"AMAZON","network_border_group":"us-east-1"}]}"#;
        let parsed = src("aws").parse(text).expect("valid");
        let got: Vec<(String, &str, u8)> = parsed
            .entries
            .iter()
            .map(|e| (e.net.to_string(), e.info.component.as_str(), e.rank))
            .collect();
        assert_eq!(
            got,
            [
                ("3.5.0.0/19".to_string(), "aws/us-east-1/s3", 3),
                ("3.2.0.0/16".to_string(), "aws/us-east-1", 2),
                ("13.32.0.0/15".to_string(), "aws/cloudfront", 3),
                ("52.0.0.0/11".to_string(), "aws", 1),
                ("2600:1f18::/33".to_string(), "aws/us-east-1", 1),
            ]
        );
        let ids: Vec<&str> = parsed.components.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["aws/us-east-1", "aws/us-east-1/s3"]);
        assert_eq!(parsed.snapshot, "createDate 2026-01-01-00-00-00");
    }

    #[test]
    fn malformed_lists_name_the_place() {
        let bad_prefix = r#"{"createDate":"x","prefixes":[{"ip_prefix":"3.5.0.0/19","region":"us-east-1","service":"S3"},
            {"ip_prefix":"3.5.0.1/19","region":"us-east-1","service":"S3"}],"ipv6_prefixes":[]}"#;
        let err = src("aws").parse(bad_prefix).expect_err("host bits");
        assert_eq!(err.location, "prefixes[1]");
        assert!(err.message.contains("host bits"), "{err}");

        let err = src("aws").parse("{\"prefixes\": [").expect_err("truncated");
        assert!(err.location.starts_with("JSON line 1"), "{err}");

        let err = src("cloudflare-v4")
            .parse("173.245.48.0/20\nnot-a-prefix\n")
            .expect_err("bad line");
        assert_eq!(err.location, "line 2");

        let err = src("cloudflare-v4")
            .parse("0.0.0.0/0\n")
            .expect_err("too broad");
        assert!(err.message.contains("broader"), "{err}");

        let err = src("cloudflare-v6")
            .parse("\n# nothing\n")
            .expect_err("empty");
        assert!(err.message.contains("no IP ranges"), "{err}");

        let err = src("linode")
            .parse("2600:3c00::/32\n")
            .expect_err("too few fields");
        assert_eq!(err.location, "line 1");

        let bad_region = r#"{"changeNumber":1,"cloud":"Public","values":[{"name":"AzureCloud.West Europe","id":"x",
            "properties":{"region":"West Europe!","addressPrefixes":["20.0.0.0/16"]}}]}"#;
        let err = src("azure").parse(bad_region).expect_err("bad region");
        assert!(err.location.contains("values[0]"), "{err}");
    }

    #[test]
    fn azure_compact_keeps_only_mapped_tags() {
        let text = r#"{"changeNumber":7,"cloud":"Public","values":[
            {"name":"ActionGroup","id":"ActionGroup","properties":{"region":"","addressPrefixes":["4.145.74.52/30"]}},
            {"name":"AzureCloud.westeurope","id":"AzureCloud.westeurope","properties":{"region":"westeurope","addressPrefixes":["20.50.0.0/18"]}},
            {"name":"AzureFrontDoor.Frontend","id":"AzureFrontDoor.Frontend","properties":{"region":"","addressPrefixes":["13.107.246.0/24"]}}]}"#;
        let compact = src("azure").stored_form(text).expect("valid");
        assert!(!compact.contains("ActionGroup"));
        let parsed = src("azure").parse(&compact).expect("compact form parses");
        let got: Vec<&str> = parsed
            .entries
            .iter()
            .map(|e| e.info.component.as_str())
            .collect();
        assert_eq!(got, ["azure/westeurope", "azure/front-door"]);
        assert_eq!(parsed.snapshot, "changeNumber 7 (Public)");
    }
}

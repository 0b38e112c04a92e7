//! Catalogue tests: the shipped data parses and holds what the docs promise; malformed
//! catalogues fail with the place named.

use super::*;
use crate::providers::source;

fn shipped() -> Arc<Catalog> {
    match Catalog::shipped() {
        Ok(c) => c,
        Err(e) => panic!("the shipped catalogue must build: {e}"),
    }
}

#[test]
fn every_shipped_file_parses_and_validates() {
    let catalog = shipped();
    assert_eq!(catalog.sources().len(), SOURCES.len());
    for s in catalog.sources() {
        assert!(s.ranges > 0, "{} holds no ranges", s.file);
    }
    // Every id is valid, unique, sorted, and has its parent.
    let ids: Vec<&str> = catalog.components().iter().map(|c| c.id.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "ids are sorted and unique");
    for c in catalog.components() {
        validate_component_id(&c.id).expect("valid id");
        assert!(
            c.name.as_deref().is_some_and(|n| !n.is_empty()),
            "{} has a name",
            c.id
        );
        if let Some(parent) = component_parent(&c.id) {
            assert!(
                catalog.component(parent).is_some(),
                "{} lacks parent {parent}",
                c.id
            );
        }
    }
    // Every rule points to a known component.
    for r in catalog.cname_rules().iter().chain(catalog.ns_rules()) {
        assert!(catalog.component(&r.component).is_some(), "{}", r.component);
    }
    for r in catalog.header_rules() {
        assert!(catalog.component(&r.component).is_some(), "{}", r.component);
    }
    for (net, info) in catalog.ip_table().prefixes() {
        assert!(
            catalog.component(&info.component).is_some(),
            "{net} → {}",
            info.component
        );
        assert_eq!(net, net.trunc(), "{net} is canonical");
    }
}

#[test]
fn design_ids_are_present() {
    let catalog = shipped();
    for id in [
        "fastly",
        "cloudflare",
        "akamai",
        "aws",
        "aws/us-east-1",
        "aws/eu-west-3",
        "aws/cloudfront",
        "aws/us-east-1/dynamodb",
        "aws/us-east-1/elb",
        "aws/route53",
        "azure",
        "azure/front-door",
        "azure/westeurope",
        "azure/dns",
        "google-cloud",
        "google-cloud/europe-west1",
        "google-cloud/dns",
        "cloudflare/dns",
        "ns1",
    ] {
        assert!(catalog.component(id).is_some(), "missing {id}");
    }
    assert_eq!(
        catalog.component("aws/us-east-1").map(|c| c.kind),
        Some(ComponentKind::Region)
    );
    assert_eq!(
        catalog.component("aws/cloudfront").map(|c| c.kind),
        Some(ComponentKind::Cdn)
    );
    assert_eq!(
        catalog.component("azure/front-door").map(|c| c.kind),
        Some(ComponentKind::FrontDoor)
    );
}

/// Addresses taken from the shipped lists, with the component each must map to.
#[test]
fn known_addresses_map_to_provider_and_region() {
    let catalog = shipped();
    let table = catalog.ip_table();
    for (addr, want) in [
        ("151.101.1.140", "fastly"),      // 151.101.0.0/16, Fastly
        ("2a04:4e42::1", "fastly"),       // 2a04:4e42::/32
        ("104.16.132.229", "cloudflare"), // 104.16.0.0/13
        ("2606:4700::6810:84e5", "cloudflare"),
        ("13.32.0.1", "aws/cloudfront"),  // CLOUDFRONT 13.32.0.0/15
        ("3.5.0.10", "aws/us-east-1/s3"), // S3 us-east-1 3.5.0.0/19
        ("3.80.0.1", "aws/us-east-1"),    // EC2 us-east-1 3.80.0.0/12
        ("15.236.0.1", "aws/eu-west-3"),  // EC2 eu-west-3 15.236.0.0/15
        ("34.1.208.1", "google-cloud/africa-south1"),
        ("8.8.8.8", "google"), // goog.json, not cloud.json
        ("185.199.108.153", "github/pages"),
        ("5.101.96.1", "digitalocean"),
        ("2600:3c00::1", "linode"),
        ("45.32.0.1", "vultr"),
        ("40.233.0.1", "oracle-cloud/mx-monterrey-1"),
        ("23.0.0.1", "akamai"),
    ] {
        let got = table.lookup(addr.parse().expect("address"));
        assert_eq!(got.map(|m| m.component), Some(want), "{addr}");
    }
    // Vultr's geofeed lists the documentation blocks; they are skipped, not mapped.
    assert_eq!(table.lookup("198.51.100.1".parse().expect("address")), None);
    assert_eq!(table.lookup("2001:db8::1".parse().expect("address")), None);
    let vultr = catalog
        .sources()
        .iter()
        .find(|s| s.name == "vultr")
        .expect("vultr");
    assert_eq!(vultr.skipped, 6);
}

#[test]
fn azure_regions_and_front_door_come_from_service_tags() {
    let catalog = shipped();
    let table = catalog.ip_table();
    // Pick a Front Door address and a westeurope address from the table itself, so the test
    // follows the shipped snapshot.
    let fd = table
        .prefixes()
        .find(|(_, i)| i.component == "azure/front-door")
        .map(|(n, _)| n)
        .expect("front door ranges");
    let hit = table.lookup(fd.network()).expect("front door hit");
    assert_eq!(hit.component, "azure/front-door");
    let we = table
        .prefixes()
        .find(|(_, i)| i.component == "azure/westeurope")
        .map(|(n, _)| n)
        .expect("westeurope ranges");
    assert!(table
        .lookup(we.network())
        .is_some_and(|m| m.component.starts_with("azure")));
}

#[test]
fn aws_specific_service_beats_amazon_for_the_same_prefix() {
    // 3.5.0.0/19 is listed as AMAZON and as S3 (us-east-1); S3 wins.
    let catalog = shipped();
    let hit = catalog
        .ip_table()
        .lookup("3.5.0.10".parse().expect("address"))
        .expect("hit");
    assert_eq!(hit.net.to_string(), "3.5.0.0/19");
    assert!(hit.label.contains("S3"), "{}", hit.label);
}

#[test]
fn fingerprints_resolve_to_components() {
    let catalog = shipped();
    let cname = |name: &str| {
        crate::fingerprint::best_name_match(catalog.cname_rules(), name)
            .map(|r| r.component.clone())
    };
    assert_eq!(cname("x.map.fastly.net").as_deref(), Some("fastly"));
    assert_eq!(
        cname("d111111abcdef8.cloudfront.net").as_deref(),
        Some("aws/cloudfront")
    );
    assert_eq!(
        cname("my-alb-123456.us-east-1.elb.amazonaws.com").as_deref(),
        Some("aws/us-east-1/elb")
    );
    assert_eq!(
        cname("b.s3.amazonaws.com").as_deref(),
        Some("aws/us-east-1/s3")
    );
    assert_eq!(
        cname("b.s3.eu-west-3.amazonaws.com").as_deref(),
        Some("aws/eu-west-3/s3")
    );
    assert_eq!(
        cname("www.example.com.edgekey.net").as_deref(),
        Some("akamai")
    );
    assert_eq!(
        cname("myapp-abc.z01.azurefd.net").as_deref(),
        Some("azure/front-door")
    );
    assert_eq!(cname("notfastly.net"), None);
    let ns = |name: &str| {
        crate::fingerprint::best_name_match(catalog.ns_rules(), name).map(|r| r.component.clone())
    };
    assert_eq!(ns("ns-1234.awsdns-56.org").as_deref(), Some("aws/route53"));
    assert_eq!(
        ns("alice.ns.cloudflare.com").as_deref(),
        Some("cloudflare/dns")
    );
    assert_eq!(ns("dns1.p01.nsone.net").as_deref(), Some("ns1"));
    assert_eq!(ns("ns1-05.azure-dns.com").as_deref(), Some("azure/dns"));
    assert_eq!(
        ns("ns-cloud-a1.googledomains.com").as_deref(),
        Some("google-cloud/dns")
    );
}

fn build_with(components: &str) -> Result<Catalog, CatalogError> {
    let lists = SOURCES.iter().map(|s| (s, s.shipped.to_string()));
    Catalog::build(components, lists)
}

fn expect_error(components: &str, needles: &[&str]) {
    match build_with(components) {
        Ok(_) => panic!("should fail: {components}"),
        Err(e) => {
            let text = e.to_string();
            for needle in needles {
                assert!(text.contains(needle), "`{text}` should mention `{needle}`");
            }
        }
    }
}

const BASE: &str = r#"
[[component]]
id = "aws"
kind = "cloud"
name = "AWS"
[[component]]
id = "aws/cloudfront"
kind = "cdn"
name = "CloudFront"
[[component]]
id = "aws/route53"
kind = "dns"
name = "Route 53"
[[component]]
id = "aws/global-accelerator"
kind = "other"
name = "GA"
[[component]]
id = "azure"
kind = "cloud"
name = "Azure"
[[component]]
id = "azure/front-door"
kind = "front-door"
name = "AFD"
[[component]]
id = "google-cloud"
kind = "cloud"
name = "GC"
[[component]]
id = "google"
kind = "saas"
name = "G"
[[component]]
id = "cloudflare"
kind = "cdn"
name = "CF"
[[component]]
id = "fastly"
kind = "cdn"
name = "Fastly"
[[component]]
id = "akamai"
kind = "cdn"
name = "Akamai"
[[component]]
id = "oracle-cloud"
kind = "cloud"
name = "OCI"
[[component]]
id = "digitalocean"
kind = "cloud"
name = "DO"
[[component]]
id = "linode"
kind = "cloud"
name = "Linode"
[[component]]
id = "vultr"
kind = "cloud"
name = "Vultr"
[[component]]
id = "github"
kind = "saas"
name = "GitHub"
[[component]]
id = "github/pages"
kind = "saas"
name = "Pages"
"#;

#[test]
fn a_minimal_catalogue_builds() {
    let catalog = build_with(BASE).expect("base builds");
    assert!(catalog.component("aws/us-east-1").is_some());
}

#[test]
fn malformed_catalogues_fail_naming_the_place() {
    expect_error("[[component]]\nid = \"x\"\n", &["components.toml", "line"]);
    expect_error(
        &format!("{BASE}[[component]]\nid = \"x\"\nkind = \"cdn\"\nname = \"X\"\nbogus = 1\n"),
        &["components.toml", "bogus"],
    );
    expect_error(
        &format!("{BASE}[[component]]\nid = \"x\"\nkind = \"warp-drive\"\nname = \"X\"\n"),
        &["components.toml", "warp-drive"],
    );
    expect_error(
        &format!("{BASE}[[component]]\nid = \"Bad Id\"\nkind = \"cdn\"\nname = \"X\"\n"),
        &["Bad Id", "label"],
    );
    expect_error(
        &format!("{BASE}[[component]]\nid = \"fastly\"\nkind = \"cdn\"\nname = \"X\"\n"),
        &["fastly", "duplicate"],
    );
    expect_error(
        &format!("{BASE}[[component]]\nid = \"nope/child\"\nkind = \"cdn\"\nname = \"X\"\n"),
        &["nope/child", "parent `nope`"],
    );
    expect_error(
        &format!("{BASE}[[component]]\nid = \"x\"\nkind = \"cdn\"\nname = \"X\"\ncname = [\"ok.net\", \"bad..net\"]\n"),
        &["`x`", "cname[1]", "empty label"],
    );
    expect_error(
        &format!("{BASE}[[component]]\nid = \"x\"\nkind = \"cdn\"\nname = \"X\"\nns = [\"com\"]\n"),
        &["ns[0]", "single label"],
    );
    expect_error(
        &format!("{BASE}[[component]]\nid = \"x\"\nkind = \"cdn\"\nname = \"X\"\ncname = [\"fastly.net\"]\n[[component]]\nid = \"y\"\nkind = \"cdn\"\nname = \"Y\"\ncname = [\"fastly.net\"]\n"),
        &["fastly.net", "claimed by both"],
    );
    expect_error(
        &format!("{BASE}[[component]]\nid = \"x\"\nkind = \"cdn\"\nname = \"X\"\nheaders = [{{ name = \"X-Bad\", weight = 0.5 }}]\n"),
        &["headers[0]", "X-Bad"],
    );
    expect_error(
        &format!("{BASE}[[component]]\nid = \"x\"\nkind = \"cdn\"\nname = \"X\"\nheaders = [{{ name = \"x-a\", weight = 1.5 }}]\n"),
        &["headers[0]", "weight"],
    );
    expect_error(
        &format!("{BASE}[[component]]\nid = \"x\"\nkind = \"cdn\"\nname = \"X\"\nheaders = [{{ name = \"x-a\", equals = \"a\", prefix = \"b\", weight = 0.5 }}]\n"),
        &["headers[0]", "at most one"],
    );
    expect_error(
        &format!("{BASE}[[component]]\nid = \"x\"\nkind = \"cdn\"\nname = \"X\"\ncname = [\"{{region}}.x.net\"]\n"),
        &["cname[0]", "outside a template"],
    );
    expect_error(
        &format!("{BASE}[[component]]\nid = \"nope/{{region}}/x\"\nkind = \"cdn\"\nname = \"X\"\n"),
        &["nope/{region}/x", "no `nope/<region>`"],
    );
    expect_error(
        &format!("{BASE}[[component]]\nid = \"aws/{{region}}/x\"\nkind = \"cdn\"\nname = \"X\"\nheaders = [{{ name = \"x-a\", weight = 0.5 }}]\n"),
        &["templates take cname and ns"],
    );
    expect_error(
        &format!("{BASE}[[component]]\nid = \"x\"\nkind = \"cdn\"\nname = \"  \"\n"),
        &["empty `name`"],
    );
    // A provider list naming a component the catalogue lacks.
    let without_fastly = BASE.replace("id = \"fastly\"", "id = \"fastly-not\"");
    expect_error(&without_fastly, &["unknown component `fastly`"]);
}

#[test]
fn malformed_provider_data_fails_the_build() {
    let bad = SOURCES.iter().map(|s| {
        let text = if s.name == "fastly" {
            r#"{"addresses":["151.101.0.0/16","151.101.0.0/33"],"ipv6_addresses":[]}"#.to_string()
        } else {
            s.shipped.to_string()
        };
        (s, text)
    });
    let err = Catalog::build(SHIPPED_COMPONENTS, bad).expect_err("bad prefix");
    let text = err.to_string();
    assert!(text.contains("fastly-public-ip-list.json"), "{text}");
    assert!(text.contains("addresses[1]"), "{text}");
    assert!(source("fastly").is_some());
}

#[test]
fn from_dir_reads_a_refreshed_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    for s in SOURCES {
        std::fs::write(dir.path().join(s.file), s.shipped).expect("write");
    }
    std::fs::write(dir.path().join("cloudflare-ips-v4.txt"), "1.0.0.0/24\n").expect("write");
    let addr = "1.0.0.7".parse().expect("addr");
    assert_eq!(
        shipped().ip_table().lookup(addr),
        None,
        "not in the shipped lists"
    );
    let catalog = Catalog::from_dir(dir.path()).expect("builds");
    let hit = catalog.ip_table().lookup(addr);
    assert_eq!(hit.map(|m| m.component), Some("cloudflare"));
    std::fs::remove_file(dir.path().join("vultr-geofeed.json")).expect("remove");
    let err = Catalog::from_dir(dir.path()).expect_err("missing file");
    assert!(err.to_string().contains("vultr-geofeed.json"), "{err}");
}

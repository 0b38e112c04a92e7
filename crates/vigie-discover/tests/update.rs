//! `vigie providers update` against a local HTTP server standing in for the providers: files
//! are fetched, validated, stored (Azure compacted), and nothing is written when one fails.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use support::{http_server, http_server_for};
use vigie_discover::providers::SOURCES;
use vigie_discover::update::{update_from_dir, update_from_urls, UpdateError, UpdateOptions};
use vigie_discover::Catalog;

const AZURE: &str = r#"{"changeNumber":999,"cloud":"Public","values":[
 {"name":"ActionGroup","id":"ActionGroup","properties":{"region":"","addressPrefixes":["4.145.74.52/30"]}},
 {"name":"AzureCloud.westeurope","id":"AzureCloud.westeurope","properties":{"region":"westeurope","addressPrefixes":["20.50.0.0/18"]}}]}"#;

fn options(dir: &std::path::Path, urls: BTreeMap<String, String>, only: &[&str]) -> UpdateOptions {
    UpdateOptions {
        dir: dir.to_path_buf(),
        only: only.iter().map(|s| s.to_string()).collect(),
        urls,
        timeout: Duration::from_secs(20),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetches_validates_and_replaces() {
    let (server, _task) = http_server_for(|addr| {
        BTreeMap::from([
            // Cloudflare redirects /ips-v4 to /ips-v4/ in real life too.
            ("/ips-v4".to_string(), "REDIRECT /ips-v4/".to_string()),
            ("/ips-v4/".to_string(), "173.245.48.0/20\n1.0.0.0/24\n".to_string()),
            (
                "/download/details.aspx?id=56519".to_string(),
                format!("<html><a href=\"http://{addr}/ServiceTags_Public_20261116.json\">Download</a></html>"),
            ),
            ("/ServiceTags_Public_20261116.json".to_string(), AZURE.to_string()),
        ])
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    for s in SOURCES {
        std::fs::write(dir.path().join(s.file), s.shipped).expect("seed");
    }
    let urls = BTreeMap::from([
        (
            "cloudflare-v4".to_string(),
            format!("http://{server}/ips-v4"),
        ),
        (
            "azure".to_string(),
            format!("http://{server}/download/details.aspx?id=56519"),
        ),
    ]);
    let report = update_from_urls(&options(dir.path(), urls, &["cloudflare-v4", "azure"]))
        .await
        .expect("update");
    assert_eq!(report.len(), 2);
    assert!(report.iter().all(|r| r.changed));
    assert_eq!(report[1].snapshot, "changeNumber 999 (Public)");
    let stored =
        std::fs::read_to_string(dir.path().join("azure-service-tags.json")).expect("azure");
    assert!(!stored.contains("ActionGroup"), "compacted");
    let catalog = Catalog::from_dir(dir.path()).expect("refreshed directory builds");
    let hit = catalog.ip_table().lookup("1.0.0.9".parse().expect("addr"));
    assert_eq!(hit.map(|m| m.component), Some("cloudflare"));
    let hit = catalog
        .ip_table()
        .lookup("20.50.0.1".parse().expect("addr"));
    assert_eq!(hit.map(|m| m.component), Some("azure/westeurope"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_download_writes_nothing() {
    let (server, _task) = http_server(BTreeMap::from([
        ("/ips-v4".to_string(), "173.245.48.0/20\n".to_string()),
        (
            "/ips-v6".to_string(),
            "2400:cb00::/32\nnot-a-prefix\n".to_string(),
        ),
    ]))
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("cloudflare-ips-v4.txt"), "old\n").expect("seed");
    let urls = BTreeMap::from([
        (
            "cloudflare-v4".to_string(),
            format!("http://{server}/ips-v4"),
        ),
        (
            "cloudflare-v6".to_string(),
            format!("http://{server}/ips-v6"),
        ),
    ]);
    let err = update_from_urls(&options(
        dir.path(),
        urls,
        &["cloudflare-v4", "cloudflare-v6"],
    ))
    .await
    .expect_err("bad v6 list");
    let text = err.to_string();
    assert!(text.contains("cloudflare-ips-v6.txt: line 2"), "{text}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("cloudflare-ips-v4.txt")).expect("v4"),
        "old\n",
        "the good file was not written either"
    );
    assert!(!dir.path().join("cloudflare-ips-v6.txt").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_fails_clearly() {
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let (server, _task) = http_server(BTreeMap::new()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let urls = BTreeMap::from([(
        "fastly".to_string(),
        format!("http://{closed}/public-ip-list"),
    )]);
    let err = update_from_urls(&options(dir.path(), urls, &["fastly"]))
        .await
        .expect_err("nothing listens");
    assert!(matches!(err, UpdateError::Fetch { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.starts_with("fastly: GET http://"), "{text}");
    assert!(text.contains("connect"), "{text}");

    let urls = BTreeMap::from([("fastly".to_string(), format!("http://{server}/missing"))]);
    let err = update_from_urls(&options(dir.path(), urls, &["fastly"]))
        .await
        .expect_err("404");
    assert!(err.to_string().contains("404"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
}

#[test]
fn the_shipped_snapshot_is_reproducible_from_the_raw_files() {
    // Importing the shipped files again changes nothing: the stored form is a fixed point.
    let raw = tempfile::tempdir().expect("raw");
    for s in SOURCES {
        std::fs::write(raw.path().join(s.file), s.shipped).expect("seed");
    }
    let out = tempfile::tempdir().expect("out");
    let first = update_from_dir(raw.path(), &UpdateOptions::new(out.path())).expect("import");
    assert_eq!(first.len(), SOURCES.len());
    for s in SOURCES {
        let stored = std::fs::read_to_string(out.path().join(s.file)).expect("stored");
        assert_eq!(stored, s.shipped, "{} is stored as shipped", s.file);
    }
    let again = update_from_dir(raw.path(), &UpdateOptions::new(out.path())).expect("again");
    assert!(again.iter().all(|r| !r.changed));
}

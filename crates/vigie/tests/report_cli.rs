//! `vigie report` against a running `vigie serve`, and `vigie blast-radius` on a config.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CONFIG: &str = r#"
[[component]]
id = "fastly"
kind = "cdn"

[[component]]
id = "aws/us-east-1"
kind = "region"

[[service]]
id = "shop"
name = "Shop"
depends_on = ["fastly"]

[[service]]
id = "blog"
name = "Blog"
depends_on = ["shop", "aws/us-east-1"]
"#;

fn vigie() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
}

#[test]
fn report_command_sends_one_report() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("vigie.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = vigie()
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--config",
        ])
        .arg(&config)
        .arg("--data")
        .arg(dir.path().join("data"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("http://127.0.0.1:"), "{line}");
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(120);
    let first = loop {
        let out = vigie()
            .args([
                "report",
                "shop",
                "--kind",
                "login",
                "--region",
                "FR",
                "--note",
                "down for me",
                "--server",
                &url,
            ])
            .output()
            .unwrap();
        if out.status.success() || Instant::now() > deadline {
            break out;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(stdout.contains("accepted for shop"), "{stdout}");

    let again = vigie()
        .args(["report", "shop", "--kind", "app", "--server", &url])
        .output()
        .unwrap();
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("duplicate"));

    let unknown = vigie()
        .args(["report", "nope", "--server", &url])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        stderr.contains("404") && stderr.contains("nope"),
        "{stderr}"
    );

    let bad = vigie()
        .args(["report", "shop", "--region", "XX", "--server", &url])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("region"));

    let _ = server.kill();
    let _ = server.wait();

    // Nobody listening: a clear error, exit 2.
    let down = vigie()
        .args(["report", "shop", "--server", &url])
        .output()
        .unwrap();
    assert_eq!(down.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&down.stderr).contains("cannot connect"));
}

#[test]
fn blast_radius_lists_direct_and_transitive_dependents() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("vigie.toml");
    std::fs::write(&config, CONFIG).unwrap();
    let out = vigie()
        .args(["blast-radius", "fastly", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("fastly: 2 services in the blast radius"),
        "{text}"
    );
    let direct = text.find("direct (1)").unwrap();
    let transitive = text.find("transitive (1)").unwrap();
    let shop = text.find("shop").unwrap();
    let blog = text.find("blog").unwrap();
    assert!(
        direct < shop && shop < transitive && transitive < blog,
        "{text}"
    );

    let out = vigie()
        .args(["blast-radius", "aws", "--json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["direct"][0]["service"], "blog");

    let out = vigie()
        .args(["blast-radius", "akamai", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown component") && stderr.contains("fastly"),
        "{stderr}"
    );
}

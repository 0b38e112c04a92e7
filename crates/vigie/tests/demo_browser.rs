//! `vigie demo` in real headless Chromium: each page loaded while the built-in scenario
//! replays, the outage arriving on an open overview without a reload (reports surge,
//! services fall, the component incident with its probable cause, recovery), and
//! screenshots as artefacts. With `VIGIE_UPDATE_SCREENSHOT=1` the overview taken during the
//! outage is also written to docs/overview.png for the README.

#[path = "../../vigie-server/tests/browser_support/mod.rs"]
mod browser_support;
mod demo_support;

use std::time::Duration;

use browser_support::{artifacts_dir, Browser};
use demo_support::Demo;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(180);

#[test]
fn demo_outage_unfolds_live_in_chromium() {
    // Default speed (60×): the outage starts 12 simulated minutes in, about 12 s.
    let demo = Demo::start(&["--exit-after", "600"]);
    let browser = Browser::launch();
    let mut page = browser.page();
    let dir = artifacts_dir();

    page.goto(&format!("{}/", demo.url));
    assert!(
        page.wait_for("document.body.dataset.live === 'open'", WAIT),
        "SSE did not connect"
    );
    page.eval("window.__marker = 'no reload'");
    page.screenshot(&dir.join("demo-overview-before.png"));

    // Services fall and the CDN is named as the probable cause, on the same page.
    assert!(
        page.wait_for("document.querySelectorAll('tr[data-service] [data-state=\"major_outage\"]').length >= 10", WAIT),
        "services did not fall on the open page"
    );
    assert!(
        page.wait_for("[...document.querySelectorAll('#live-incidents article[data-incident] h3')].some(h => h.textContent.includes('Fastly') && h.textContent.includes('probable cause'))", WAIT),
        "no component incident blaming Fastly appeared"
    );
    assert_eq!(page.eval("window.__marker"), Value::from("no reload"));
    page.screenshot(&dir.join("demo-overview-live.png"));
    // A settled picture for the README: a few seconds on, freshly loaded.
    std::thread::sleep(Duration::from_secs(4));
    page.goto(&format!("{}/", demo.url));
    assert!(page.wait_for("document.querySelector('time[data-local]')", WAIT));
    let overview = dir.join("demo-overview-outage.png");
    page.screenshot(&overview);
    if std::env::var_os("VIGIE_UPDATE_SCREENSHOT").is_some() {
        let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/overview.png");
        std::fs::copy(&overview, &docs).expect("write docs/overview.png");
    }
    let incident = page
        .eval("document.querySelector('#live-incidents article[data-incident]').dataset.incident")
        .as_str()
        .unwrap()
        .to_string();

    // The service page right away, while reports surge above the expected band.
    // (The chart is drawn on the server: reload until the surge has grown past the band.)
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        page.goto(&format!("{}/s/newsdaily", demo.url));
        if page.eval("!!document.querySelector('svg rect.bar.surge')") == Value::Bool(true) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the reports surge never showed above the band"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
    assert!(page.dom().contains("I have a problem with News Daily"));

    // Every page during the outage.
    for (path, name) in [
        ("/s/newsdaily".to_string(), "demo-service"),
        ("/s/mailbox".to_string(), "demo-service-sympathy"),
        ("/c/fastly".to_string(), "demo-component"),
        (format!("/incidents/{incident}"), "demo-incident"),
        ("/?lang=fr".to_string(), "demo-overview-fr"),
    ] {
        page.goto(&format!("{}{path}", demo.url));
        assert_eq!(
            page.eval("document.scripts.length"),
            Value::from(1),
            "{path}"
        );
        assert!(
            page.wait_for("document.querySelector('time[data-local]')", WAIT),
            "{path}"
        );
        page.screenshot(&dir.join(format!("{name}.png")));
    }
    page.goto(&format!("{}/incidents/{incident}", demo.url));
    assert!(page.dom().contains("Fastly"));

    // Recovery reaches the open overview.
    page.goto(&format!("{}/", demo.url));
    assert!(page.wait_for("document.body.dataset.live === 'open'", WAIT));
    assert!(
        page.wait_for("!document.querySelector('#live-incidents article[data-incident]') && document.querySelectorAll('tr[data-service] [data-state=\"major_outage\"]').length === 0", WAIT),
        "the outage did not resolve on the open page"
    );
    page.screenshot(&dir.join("demo-overview-recovered.png"));
}

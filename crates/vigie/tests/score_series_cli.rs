//! `vigie score-series` and `vigie eval nab` run as the real binary in a temporary directory.

use std::fmt::Write as _;
use std::process::Command;

fn vigie() -> Command {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
}

/// 2000 rows every 5 minutes of a smooth daily wave with a spike at row 1500.
fn series_csv() -> String {
    let mut text = String::from("timestamp,value\n");
    for i in 0..2000i64 {
        let t = 1_400_000_000 + i * 300;
        let phase = (i % 288) as f64 / 288.0 * std::f64::consts::TAU;
        let noise = ((i * 7919) % 13) as f64 / 13.0;
        let v = if i == 1500 {
            500.0
        } else {
            50.0 + 10.0 * phase.sin() + noise
        };
        writeln!(text, "{t},{v}").unwrap();
    }
    text
}

#[test]
fn scores_a_csv_causally_into_the_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    let output = dir.path().join("out.csv");
    std::fs::write(&input, series_csv()).unwrap();
    let status = vigie()
        .args(["score-series", "--input"])
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .status()
        .unwrap();
    assert!(status.success());
    let out = std::fs::read_to_string(&output).unwrap();
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("timestamp,value,anomaly_score"));
    let scores: Vec<f64> = lines
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(scores.len(), 2000);
    assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)));
    let before = scores[300..1500].iter().cloned().fold(0.0, f64::max);
    assert!(scores[1500] > before, "spike {} vs {before}", scores[1500]);
}

#[test]
fn a_malformed_csv_is_rejected_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.csv");
    std::fs::write(
        &input,
        "timestamp,value\n2014-01-01 00:00:00,1\n2014-01-01 00:05:00,oops\n",
    )
    .unwrap();
    let out = vigie()
        .args(["score-series", "--input"])
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.csv:3: invalid value \"oops\""), "{err}");
}

#[test]
fn eval_nab_scores_a_tiny_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").join("synthetic");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::create_dir_all(dir.path().join("labels")).unwrap();
    std::fs::write(data.join("spike.csv"), series_csv()).unwrap();
    // A window of 40 rows around the spike at row 1500 (timestamps in the labels' format).
    let stamp = |i: i64| {
        let secs = 1_400_000_000 + i * 300;
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        // 1_400_000_000 is 2014-05-13T16:53:20Z; days since then are few, so count by hand.
        let base_days = 1_400_000_000i64.div_euclid(86_400);
        let day = 13 + (days - base_days);
        format!(
            "2014-05-{day:02} {:02}:{:02}:{:02}.000000",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    };
    let labels = format!(
        "{{\"synthetic/spike.csv\": [[\"{}\", \"{}\"]]}}",
        stamp(1480),
        stamp(1519)
    );
    std::fs::write(
        dir.path().join("labels").join("combined_windows.json"),
        labels,
    )
    .unwrap();
    let out = vigie()
        .args(["eval", "nab"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let standard = text
        .lines()
        .find(|l| l.starts_with("standard"))
        .unwrap_or_else(|| panic!("no standard line in {text}"));
    let score: f64 = standard.split_whitespace().nth(1).unwrap().parse().unwrap();
    // Detected in the middle of its window: well above the null detector's 0.
    assert!(score > 50.0, "{text}");
}

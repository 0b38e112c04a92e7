//! `vigie scenario generate` and `vigie eval scenarios` end to end, through the binary.

use std::process::Command;

fn vigie(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .output()
        .expect("run vigie")
}

/// The value of `key=` in a summary line.
fn field<'a>(line: &'a str, key: &str) -> &'a str {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
        .unwrap_or_else(|| panic!("no {key} in {line}"))
}

#[test]
fn misses_lists_one_finding_per_counted_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scen");
    let gen = vigie(&[
        "scenario",
        "generate",
        "--services",
        "40",
        "--days",
        "1",
        "--incidents",
        "3",
        "--seed",
        "7",
        &format!("{}/", out.display()),
    ]);
    assert!(
        gen.status.success(),
        "{}",
        String::from_utf8_lossy(&gen.stderr)
    );

    let eval = vigie(&["eval", "scenarios", out.to_str().unwrap(), "--misses"]);
    assert!(
        eval.status.success(),
        "{}",
        String::from_utf8_lossy(&eval.stderr)
    );
    let text = String::from_utf8(eval.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let summary = lines[0];
    let (exact, total) = field(summary, "attr").split_once('/').unwrap();
    let errors: usize = total.parse::<usize>().unwrap() - exact.parse::<usize>().unwrap()
        + field(summary, "false_svc").parse::<usize>().unwrap()
        + field(summary, "false_comp").parse::<usize>().unwrap();
    let findings: Vec<&str> = lines[1..]
        .iter()
        .take_while(|l| l.starts_with("    "))
        .copied()
        .collect();
    // Seed 7 at this size has one component incident named only generally (deterministic).
    assert!(errors >= 1, "{text}");
    assert_eq!(findings.len(), errors, "{text}");
    for f in &findings {
        assert!(
            f.contains("missed cause ")
                || f.contains("false service alarm ")
                || f.contains("false component incident "),
            "{f}"
        );
    }
    assert!(lines.last().unwrap().starts_with("ALL (1)"), "{text}");

    // Without the flag, only the summaries.
    let plain = vigie(&["eval", "scenarios", out.to_str().unwrap()]);
    assert_eq!(String::from_utf8(plain.stdout).unwrap().lines().count(), 2);
}

//! `weightinit bisect` end to end, on scratch git repositories: a tiny crate
//! whose bench speaks the part of criterion's command line that the paired
//! gate uses and reports times set per commit. For the drift history, the
//! bench adds weather to every time it reports: a slow swing of ±5% from
//! slice to slice (the same for the two slices of a round, near enough)
//! and 1% of independent noise, both from a counter in the fixture (fixed
//! seed, so every run sees the same sequence).
mod common;

use common::{fixture_crate, git, scratch};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The fake bench: `op` ns for `fx/op/1`, 2000 ns for `fx/other/1`, with
/// `drift` (relative) weather; `broken` makes the commit fail to build.
fn bench_source(op: f64, drift: f64, broken: bool) -> String {
    let tail = if broken { "\nfn broken( {\n" } else { "" };
    format!(
        r#"const TIMES: &[(&str, f64)] = &[("fx/op/1", {op:?}), ("fx/other/1", 2000.0)];
const DRIFT: f64 = {drift:?};

/// A uniform in [0, 1) from `n` (SplitMix64).
fn unit(n: u64) -> f64 {{
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}}

fn main() {{
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {{
        for (id, _) in TIMES {{
            println!("{{id}}: benchmark");
        }}
        return;
    }}
    let mut factor = 1.0;
    if DRIFT > 0.0 {{
        let path = std::env::var("FAKE_COUNTER").expect("the fixture sets FAKE_COUNTER");
        let n: u64 = std::fs::read_to_string(&path).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0);
        std::fs::write(&path, (n + 1).to_string()).unwrap();
        let noise: f64 = (0..12).map(|i| unit(n * 16 + i)).sum::<f64>() - 6.0;
        factor = 1.0 + DRIFT * (n as f64 / 9.0).sin() + 0.01 * noise;
    }}
    let exact = args.iter().position(|a| a == "--exact").map(|i| args[i + 1].clone());
    for (id, ns) in TIMES {{
        if exact.as_deref().is_none_or(|e| e == *id) {{
            println!("test {{id}} ... bench: {{:>11}} ns/iter (+/- 1)", (ns * factor).round() as u64);
        }}
    }}
}}
{tail}"#
    )
}

/// A repository with one commit per entry of `history` (the op's time, and
/// whether that commit is broken); returns it and the commits, oldest first.
fn repo(name: &str, history: &[(f64, bool)], drift: f64) -> (tempfile::TempDir, Vec<String>) {
    let d = scratch(&format!("weightinit-bisect-{name}-"));
    let r = d.path();
    // Each commit below writes its own bench.
    fixture_crate(r, "bisectfixture", "");
    git(r, &["init", "-q"]);
    let mut commits = Vec::new();
    for (i, &(op, broken)) in history.iter().enumerate() {
        std::fs::write(r.join("benches/fake.rs"), bench_source(op, drift, broken)).unwrap();
        std::fs::write(r.join("src/lib.rs"), format!("// step {i}\n")).unwrap();
        git(r, &["add", "."]);
        git(r, &["commit", "-q", "-m", &format!("step {i}")]);
        commits.push(git(r, &["rev-parse", "HEAD"]));
    }
    (d, commits)
}

fn bisect(repo: &Path, good: &str, bad: &str) -> (Output, Value) {
    let counter: PathBuf = repo.join("target").join("counter");
    std::fs::create_dir_all(counter.parent().unwrap()).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_weightinit"))
        .args(["bisect", good, bad, "--filter", "^fx/", "--slice", "0.05"])
        .args(["--format", "json"])
        .current_dir(repo)
        .env("XDG_CACHE_HOME", repo.join("target").join("cache"))
        .env("FAKE_COUNTER", &counter)
        .output()
        .expect("the binary runs");
    let j = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "one JSON document: {e}; stdout {}; stderr {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o, j)
}

/// Builds beyond the endpoints a bisection of `n` commits may take: ⌈log₂ n⌉ + 2.
fn build_bound(n: usize) -> usize {
    (n as f64).log2().ceil() as usize + 2
}

/// Asserts that a bisection of `n` commits exited 0 naming `culprit`
/// within [`build_bound`] builds beyond the endpoints.
fn names_culprit(o: &Output, j: &Value, culprit: &str, n: usize) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(j["first_bad"], culprit);
    assert_eq!(j["commits"], n);
    let builds = j["builds"].as_u64().unwrap() as usize;
    assert!(builds - 2 <= build_bound(n), "{builds} builds");
}

#[test]
fn one_culprit_in_sixteen_commits() {
    // Commit 0 is GOOD; 1..=16 follow, and commit 11 makes fx/op 1.5x slower.
    let history: Vec<(f64, bool)> = (0..=16)
        .map(|i| (if i >= 11 { 1500.0 } else { 1000.0 }, false))
        .collect();
    let (d, c) = repo("sixteen", &history, 0.0);
    let (o, j) = bisect(d.path(), &c[0], &c[16]);
    names_culprit(&o, &j, &c[11], 16);
    let parent = &j["first_bad_vs_parent"][0];
    assert_eq!(parent["id"], "fx/op/1");
    assert!((parent["ratio"].as_f64().unwrap() - 1.5).abs() < 0.01);
    assert_eq!(parent["verdict"], "slower");
    // Only fx/op/1 was slowed, so only it is bisected.
    assert!(
        j["steps"][1]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["id"] == "fx/op/1")
    );
}

#[test]
fn a_partial_fix_does_not_hide_the_culprit() {
    // 1.5x at commit 5, partly fixed to 1.2x at commit 9: every commit from 5
    // on is slower than GOOD, so the first of them is named.
    let history: Vec<(f64, bool)> = (0..=12)
        .map(|i| {
            let t = match i {
                0..=4 => 1000.0,
                5..=8 => 1500.0,
                _ => 1200.0,
            };
            (t, false)
        })
        .collect();
    let (d, c) = repo("partial", &history, 0.0);
    let (o, j) = bisect(d.path(), &c[0], &c[12]);
    names_culprit(&o, &j, &c[5], 12);
}

#[test]
fn a_commit_that_does_not_build_is_skipped() {
    // Eight commits; commit 4 (the first midpoint) does not build, commit 6 is
    // the culprit.
    let history: Vec<(f64, bool)> = (0..=8)
        .map(|i| (if i >= 6 { 1300.0 } else { 1000.0 }, i == 4))
        .collect();
    let (d, c) = repo("broken", &history, 0.0);
    let (o, j) = bisect(d.path(), &c[0], &c[8]);
    names_culprit(&o, &j, &c[6], 8);
    let skipped: Vec<&Value> = j["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s.get("skipped").is_some())
        .collect();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0]["commit"], c[4]);
    // Text output names the skipped commit.
    let o = Command::new(env!("CARGO_BIN_EXE_weightinit"))
        .args([
            "bisect", &c[0], &c[8], "--filter", "^fx/", "--slice", "0.05",
        ])
        .current_dir(d.path())
        .env("XDG_CACHE_HOME", d.path().join("target").join("cache"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains(&c[4][..12]) && text.contains("skipped"),
        "{text}"
    );
    assert!(
        text.contains(&format!("first bad commit: {}", c[6])),
        "{text}"
    );
}

#[test]
fn an_eight_percent_culprit_under_five_percent_drift() {
    let history: Vec<(f64, bool)> = (0..=12)
        .map(|i| (if i >= 7 { 1080.0 } else { 1000.0 }, false))
        .collect();
    let (d, c) = repo("drift", &history, 0.05);
    let (o, j) = bisect(d.path(), &c[0], &c[12]);
    names_culprit(&o, &j, &c[7], 12);
}

#[test]
fn no_regression_no_bisection() {
    let history: Vec<(f64, bool)> = (0..=6).map(|_| (1000.0, false)).collect();
    let (d, c) = repo("none", &history, 0.0);
    let (o, j) = bisect(d.path(), &c[0], &c[6]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(j.get("first_bad").is_none() && j.get("range").is_none());
    assert_eq!(j["steps"].as_array().unwrap().len(), 1);
    assert_eq!(j["builds"], 2);
    // Bad input: a BAD that is not after GOOD.
    let o = Command::new(env!("CARGO_BIN_EXE_weightinit"))
        .args(["bisect", &c[6], &c[0]])
        .current_dir(d.path())
        .env("XDG_CACHE_HOME", d.path().join("target").join("cache"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not an ancestor"));
}

//! `weightinit ab` end to end, on a scratch git repository made here: a tiny
//! crate whose bench target speaks the part of criterion's command line that
//! `ab` uses (`--list`, `--exact ID`, `--output-format bencher`) and reports
//! a time fixed by its source. Two commits differ in that time, so the
//! verdicts and exit codes are exact, and each build takes a second.
mod common;

use common::{fixture_crate, git, scratch};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// The fake bench: `TIMES` is (ID, ns) per benchmark.
fn bench_source(times: &[(&str, u64)]) -> String {
    let table: String = times
        .iter()
        .map(|(id, ns)| format!("    (\"{id}\", {ns}),\n"))
        .collect();
    format!(
        r#"const TIMES: &[(&str, u64)] = &[
{table}];

fn main() {{
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") {{
        for (id, _) in TIMES {{
            println!("{{id}}: benchmark");
        }}
        return;
    }}
    let exact = args.iter().position(|a| a == "--exact").map(|i| args[i + 1].clone());
    for (id, ns) in TIMES {{
        if exact.as_deref().is_none_or(|e| e == *id) {{
            println!("test {{id}} ... bench: {{ns:>11}} ns/iter (+/- 1)");
        }}
    }}
}}
"#
    )
}

/// A repository with two commits: the second makes `fixture/op/1` 1.5×
/// slower and leaves `fixture/other/1` as it was.
fn scratch_repo(name: &str) -> tempfile::TempDir {
    let t = scratch(&format!("weightinit-ab-{name}-"));
    let d = t.path();
    fixture_crate(
        d,
        "abfixture",
        &bench_source(&[("fixture/op/1", 1000), ("fixture/other/1", 2000)]),
    );
    git(d, &["init", "-q"]);
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "base"]);
    std::fs::write(
        d.join("benches/fake.rs"),
        bench_source(&[("fixture/op/1", 1500), ("fixture/other/1", 2000)]),
    )
    .unwrap();
    git(d, &["commit", "-q", "-am", "slower"]);
    t
}

fn ab(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weightinit"))
        .arg("ab")
        .args(args)
        .current_dir(dir)
        // The private build cache: this one, removed with the fixture.
        .env("XDG_CACHE_HOME", dir.join("target").join("cache"))
        .output()
        .expect("the binary runs")
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "one JSON document: {e}; stdout {}; stderr {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn row<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no row {id} in {v}"))
}

#[test]
fn a_slower_commit_exits_1_and_names_the_benchmark() {
    let t = scratch_repo("slower");
    let d = t.path();
    let all = [
        "--filter",
        "fixture",
        "--rounds",
        "6",
        "--max-rounds",
        "6",
        "--format",
        "json",
    ];
    let o = ab(d, &[&["HEAD~1", "HEAD"][..], &all].concat());
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let v = json(&o);
    assert_eq!(v["schema"], 2);
    assert_eq!(
        (v["base"].as_str(), v["new"].as_str()),
        (Some("HEAD~1"), Some("HEAD"))
    );
    assert_eq!(v["rounds"], 6);
    assert_eq!(v["threshold_pct"], 5.0);
    let op = row(&v, "fixture/op/1");
    assert_eq!(op["verdict"], "slower");
    assert_eq!(op["ratio"], 1.5);
    assert_eq!(
        (op["lower"].as_f64(), op["upper"].as_f64()),
        (Some(1.5), Some(1.5))
    );
    assert_eq!(row(&v, "fixture/other/1")["verdict"], "same");

    // The other way round it is faster, and nothing is slower: exit 0.
    let o = ab(d, &[&["HEAD", "HEAD~1"][..], &all].concat());
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(row(&json(&o), "fixture/op/1")["verdict"], "faster");

    // One revision on both sides is quiet.
    let o = ab(d, &[&["HEAD", "HEAD"][..], &all].concat());
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    // A threshold above the change lets it pass; text output names the verdicts.
    let o = ab(
        d,
        &[
            "HEAD~1",
            "HEAD",
            "--filter",
            "op",
            "--rounds",
            "6",
            "--max-rounds",
            "6",
            "--threshold",
            "60",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("fixture/op/1") && text.contains("0 slower, 0 faster, 1 same"),
        "{text}"
    );
}

#[test]
fn the_working_tree_is_the_default_new_side() {
    let t = scratch_repo("worktree");
    let d = t.path();
    // Uncommitted: op back to 1000, other 2× slower.
    std::fs::write(
        d.join("benches/fake.rs"),
        bench_source(&[("fixture/op/1", 1000), ("fixture/other/1", 4000)]),
    )
    .unwrap();
    let o = ab(
        d,
        &[
            "HEAD",
            "--filter",
            "fixture",
            "--rounds",
            "6",
            "--max-rounds",
            "6",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let v = json(&o);
    assert_eq!(v["new"], "worktree");
    assert_eq!(row(&v, "fixture/op/1")["verdict"], "faster");
    assert_eq!(row(&v, "fixture/other/1")["verdict"], "slower");
    assert_eq!(row(&v, "fixture/other/1")["ratio"], 2.0);
}

#[test]
fn bad_input_and_broken_builds_exit_2() {
    let t = scratch_repo("bad");
    let d = t.path();
    let fails = |args: &[&str], needle: &str| {
        let o = ab(d, args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(needle),
            "{args:?}: `{err}` should name `{needle}`"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    };
    fails(&["no-such-rev"], "no-such-rev");
    fails(&["HEAD", "--rounds", "5"], "--rounds");
    fails(&["HEAD", "--rounds", "-3"], "-3");
    fails(&["HEAD", "--threshold", "NaN"], "NaN");
    fails(&["HEAD", "--threshold", "-1"], "-1");
    fails(&["HEAD", "--slice", "0"], "--slice");
    fails(&["HEAD", "--filter", "("], "--filter");
    fails(
        &["HEAD", "HEAD", "--filter", "nothing-matches"],
        "nothing-matches",
    );
    // A revision whose benches do not build is named.
    std::fs::write(d.join("benches/fake.rs"), "fn main() { not rust }").unwrap();
    git(d, &["commit", "-q", "-am", "broken"]);
    fails(&["HEAD~1", "HEAD", "--filter", "op"], "`HEAD`");
    // Outside a git repository.
    let plain = scratch("weightinit-ab-plain-");
    let o = ab(plain.path(), &["HEAD"]);
    assert_eq!(o.status.code(), Some(2));
}

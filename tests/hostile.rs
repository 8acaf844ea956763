//! The hostile-input suite: the command line used as a careless user or a
//! hostile neighbour would use it, on a shared machine or in CI as root.
//!
//! Every case asserts the exit status, the key words of the message, that
//! nothing panicked or aborted, that the command ended within its time limit
//! (10 s; `ab` cases, which build a crate, 180 s), and that no file outside
//! the command's target changed: each case runs in a scratch directory whose
//! every entry (type, mode, size, content, link target) is compared before
//! and after. Cases that need root (a device node, another user's cache) or
//! a tool (mknod, numpy, critcmp) say so and skip where they cannot run.
//!
//! Classes: writers (links, devices, FIFOs, directories, read-only targets,
//! long names, outputs that are inputs, report's two names, stale and
//! interrupted temporary files, `.npy` 2.0); the `ab` cache (links, another
//! user's directory, loose modes, planted and damaged trees, concurrent
//! runs, signals, list and clean); sizes and loops (experiment, train, IDX,
//! LSUV, orthogonal, criterion walks, results files); values (zero, tiny and
//! negative times, control characters); critcmp's real files; messages.
mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The limit for one command of the tool.
const LIMIT: Duration = Duration::from_secs(10);
/// The limit for an `ab` run, which builds a small crate.
const AB_LIMIT: Duration = Duration::from_secs(180);

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

fn scratch() -> tempfile::TempDir {
    common::scratch("weightinit-hostile-")
}

/// Every entry under `dir`: (type, mode, size, content or link target).
type Snapshot = BTreeMap<PathBuf, (String, u32, u64, Vec<u8>)>;

fn snapshot(dir: &Path) -> Snapshot {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(es) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in es.flatten() {
            let p = e.path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            let t = m.file_type();
            let (kind, body) = if t.is_symlink() {
                (
                    "link",
                    std::fs::read_link(&p)
                        .unwrap()
                        .into_os_string()
                        .into_encoded_bytes(),
                )
            } else if t.is_dir() {
                stack.push(p.clone());
                ("dir", Vec::new())
            } else if t.is_file() {
                ("file", std::fs::read(&p).unwrap_or_default())
            } else {
                ("special", Vec::new())
            };
            out.insert(p, (kind.to_string(), m.mode(), m.len(), body));
        }
    }
    out
}

/// Asserts that only `changed` (and what lies below them) differ between two snapshots.
fn only_changed(before: &Snapshot, after: &Snapshot, changed: &[&Path]) {
    let allowed = |p: &Path| changed.iter().any(|c| p.starts_with(c));
    for (p, v) in before {
        if !allowed(p) {
            assert_eq!(
                after.get(p),
                Some(v),
                "`{}` changed or vanished",
                p.display()
            );
        }
    }
    for p in after.keys() {
        assert!(
            before.contains_key(p) || allowed(p),
            "`{}` appeared",
            p.display()
        );
    }
}

/// Runs the tool in `cwd` with `env`, killed (and the test failed) past `limit`.
fn run_env(cwd: &Path, args: &[&str], env: &[(&str, &Path)], limit: Duration) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_weightinit"));
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("the binary runs");
    let t = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if t.elapsed() > limit {
            let _ = child.kill();
            let o = child.wait_with_output().unwrap();
            panic!(
                "{args:?} ran past {limit:?}; stderr: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn run(cwd: &Path, args: &[&str]) -> Output {
    run_env(cwd, args, &[], LIMIT)
}

/// Asserts exit `code`, every word of `words` in standard error, and no panic.
fn expect(o: &Output, code: i32, words: &[&str]) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(code), "exit status; stderr: {err}");
    for w in words {
        assert!(err.contains(w), "`{w}` missing from: {err}");
    }
    assert!(!err.contains("panicked"), "panicked: {err}");
}

/// Runs `args` in a scratch directory `d` and asserts a refusal (exit 2,
/// `words`) that changed nothing in `d`.
fn refused_in(d: &Path, args: &[&str], words: &[&str]) -> Output {
    let before = snapshot(d);
    let o = run(d, args);
    expect(&o, 2, words);
    only_changed(&before, &snapshot(d), &[]);
    o
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A criterion directory with one benchmark whose median is `median` ns.
fn criterion_dir(root: &Path, id: &str, median: f64) -> PathBuf {
    let dir = root.join("criterion");
    let b = dir.join(id.replace('/', "_")).join("new");
    std::fs::create_dir_all(&b).unwrap();
    let (g, rest) = id.split_once('/').unwrap();
    let (f, v) = rest.split_once('/').unwrap();
    std::fs::write(
        b.join("benchmark.json"),
        serde_json::json!({"group_id": g, "function_id": f, "value_str": v,
            "throughput": {"Elements": 1000}, "full_id": id})
        .to_string(),
    )
    .unwrap();
    let est = |x: f64| {
        serde_json::json!({"confidence_interval": {"confidence_level": 0.95,
            "lower_bound": x * 0.99, "upper_bound": x * 1.01},
            "point_estimate": x, "standard_error": x * 0.005})
    };
    std::fs::write(
        b.join("estimates.json"),
        serde_json::json!({"mean": est(median), "median": est(median)}).to_string(),
    )
    .unwrap();
    dir
}

/// A results file written by `report` from a one-benchmark criterion run.
fn results_file(d: &Path, name: &str, id: &str, median: f64) -> PathBuf {
    let work = d.join(format!("{name}-work"));
    std::fs::create_dir_all(&work).unwrap();
    let crit = criterion_dir(&work, id, median);
    let out = d.join(format!("{name}.json"));
    let o = run(
        d,
        &["report", "--criterion-dir", s(&crit), "--out", s(&out)],
    );
    expect(&o, 0, &[]);
    std::fs::remove_dir_all(&work).unwrap();
    std::fs::remove_file(out.with_extension("md")).unwrap();
    out
}

/// Edits a JSON file in place.
fn edit_json(p: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

// ---------------------------------------------------------------- writers

#[test]
fn writers_never_write_through_a_link() {
    let d = scratch();
    let d = d.path();
    let victim = d.join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let results = results_file(d, "r", "sgemm/blocked/8", 100.0);
    let crit = criterion_dir(&d.join("c"), "sgemm/blocked/8", 100.0);
    let link = d.join("out.json");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let svg = d.join("chart.svg");
    std::os::unix::fs::symlink(&victim, &svg).unwrap();
    let cases: [Vec<&str>; 5] = [
        vec![
            "sample",
            "--init",
            "he_normal",
            "--shape",
            "4x4",
            "--out",
            s(&link),
        ],
        vec!["report", "--criterion-dir", s(&crit), "--out", s(&link)],
        vec!["export", "--format", "bmf", s(&results), "--out", s(&link)],
        vec!["compare", s(&results), s(&results), "--plot", s(&svg)],
        vec!["score", s(&results), "--plot", s(&svg)],
    ];
    for args in cases {
        refused_in(d, &args, &["symbolic link"]);
    }
    // A --plot directory that is a link to another directory.
    let elsewhere = d.join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let figs = d.join("figs");
    std::os::unix::fs::symlink(&elsewhere, &figs).unwrap();
    refused_in(
        d,
        &[
            "experiment",
            "--init",
            "he_normal",
            "--activation",
            "relu",
            "--plot",
            s(&figs),
        ],
        &["symbolic link"],
    );
    refused_in(
        d,
        &["train", "--steps", "5", "--plot", s(&figs)],
        &["symbolic link"],
    );
    refused_in(
        d,
        &["roofline", s(&results), "--plot", s(&figs)],
        &["symbolic link"],
    );
}

#[test]
fn writers_refuse_devices_fifos_directories_and_read_only_files() {
    let d = scratch();
    let d = d.path();
    let results = results_file(d, "r", "sgemm/blocked/8", 100.0);
    let fifo = d.join("pipe.npy");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    if made {
        refused_in(
            d,
            &[
                "sample",
                "--init",
                "he_normal",
                "--shape",
                "4x4",
                "--out",
                s(&fifo),
            ],
            &["FIFO"],
        );
        refused_in(
            d,
            &["export", "--format", "gab", s(&results), "--out", s(&fifo)],
            &["FIFO"],
        );
        // A FIFO as an input neither blocks nor is read.
        refused_in(d, &["export", "--format", "gab", s(&fifo)], &["FIFO"]);
    } else {
        eprintln!("skipped: mkfifo is not available");
    }
    let dev = d.join("null.npy");
    let node = is_root()
        && Command::new("mknod")
            .arg(&dev)
            .args(["c", "1", "3"])
            .status()
            .is_ok_and(|s| s.success());
    if node {
        refused_in(
            d,
            &[
                "sample",
                "--init",
                "he_normal",
                "--shape",
                "4x4",
                "--out",
                s(&dev),
            ],
            &["device"],
        );
        refused_in(
            d,
            &["export", "--format", "bmf", s(&results), "--out", s(&dev)],
            &["device"],
        );
    } else {
        eprintln!("skipped: a device node needs root and mknod");
    }
    let dir = d.join("taken.npy");
    std::fs::create_dir(&dir).unwrap();
    refused_in(
        d,
        &[
            "sample",
            "--init",
            "he_normal",
            "--shape",
            "4x4",
            "--out",
            s(&dir),
        ],
        &["directory"],
    );
    refused_in(d, &["export", "--format", "bmf", s(&dir)], &["directory"]);
    let ro = d.join("ro.npy");
    std::fs::write(&ro, "keep").unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).unwrap();
    refused_in(
        d,
        &[
            "sample",
            "--init",
            "he_normal",
            "--shape",
            "4x4",
            "--out",
            s(&ro),
        ],
        &["read-only"],
    );
    refused_in(
        d,
        &["export", "--format", "bmf", s(&results), "--out", s(&ro)],
        &["read-only"],
    );
    // /dev/zero as an input: refused at once, not read until memory runs out.
    let o = run(d, &["export", "--format", "bmf", "/dev/zero"]);
    expect(&o, 2, &["/dev/zero", "device"]);
    let o = run(d, &["compare", "/dev/zero", s(&results)]);
    expect(&o, 2, &["/dev/zero"]);
}

#[test]
fn outputs_keep_modes_fit_long_names_and_are_never_inputs() {
    let d = scratch();
    let d = d.path();
    // A 250-byte name (255 is the usual limit) is written.
    let long = d.join(format!("{}.npy", "w".repeat(246)));
    let o = run(
        d,
        &[
            "sample",
            "--init",
            "he_normal",
            "--shape",
            "4x4",
            "--out",
            s(&long),
        ],
    );
    expect(&o, 0, &[]);
    assert!(long.is_file());
    // An existing file keeps its mode.
    std::fs::set_permissions(&long, std::fs::Permissions::from_mode(0o640)).unwrap();
    let o = run(
        d,
        &[
            "sample",
            "--init",
            "he_uniform",
            "--shape",
            "4x4",
            "--out",
            s(&long),
        ],
    );
    expect(&o, 0, &[]);
    assert_eq!(std::fs::metadata(&long).unwrap().mode() & 0o777, 0o640);
    let results = results_file(d, "r", "sgemm/blocked/8", 100.0);
    // The output is the input, by the same name or a hard link.
    refused_in(
        d,
        &[
            "export",
            "--format",
            "bmf",
            s(&results),
            "--out",
            s(&results),
        ],
        &["also the input"],
    );
    let hard = d.join("hard.json");
    std::fs::hard_link(&results, &hard).unwrap();
    refused_in(
        d,
        &["export", "--format", "bmf", s(&results), "--out", s(&hard)],
        &["also the input"],
    );
    refused_in(
        d,
        &["compare", s(&results), s(&hard), "--plot", s(&hard)],
        &["also the input"],
    );
    // An output the user named whole in another directory is refused when that is missing.
    refused_in(
        d,
        &[
            "sample",
            "--init",
            "he_normal",
            "--shape",
            "4x4",
            "--out",
            s(&d.join("no/such/w.npy")),
        ],
        &["no/such"],
    );
}

#[test]
fn report_never_lets_its_two_outputs_clobber_each_other_or_a_foreign_file() {
    let d = scratch();
    let d = d.path();
    let crit = criterion_dir(d, "sgemm/blocked/8", 100.0);
    refused_in(
        d,
        &[
            "report",
            "--criterion-dir",
            s(&crit),
            "--out",
            s(&d.join("x.md")),
        ],
        &[".md"],
    );
    // A foreign f.md beside f.json: refused, neither written.
    let notes = d.join("f.md");
    std::fs::write(&notes, "# my notes\n").unwrap();
    refused_in(
        d,
        &[
            "report",
            "--criterion-dir",
            s(&crit),
            "--out",
            s(&d.join("f.json")),
        ],
        &["f.md", "not written by"],
    );
    // Its own report is replaced.
    let out = d.join("g.json");
    let o = run(
        d,
        &["report", "--criterion-dir", s(&crit), "--out", s(&out)],
    );
    expect(&o, 0, &[]);
    let o = run(
        d,
        &["report", "--criterion-dir", s(&crit), "--out", s(&out)],
    );
    expect(&o, 0, &[]);
    assert!(
        std::fs::read_to_string(d.join("g.md"))
            .unwrap()
            .contains("Written by `weightinit report`")
    );
}

/// The prefix of the temporary files of `target` (see `whole_file`).
fn temp_prefix(target: &Path) -> String {
    let name = target.file_name().unwrap();
    format!(
        ".wi-{:08x}-",
        weightinit::whole_file::fnv1a(name.as_encoded_bytes()) as u32
    )
}

fn temporaries(d: &Path) -> Vec<String> {
    std::fs::read_dir(d)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".wi-"))
        .collect()
}

#[test]
fn stale_temporary_files_of_dead_writers_are_removed_and_nothing_else() {
    let d = scratch();
    let d = d.path();
    let target = d.join("w.npy");
    let prefix = temp_prefix(&target);
    // PID 4194304 is above Linux's largest: that writer is dead.
    let dead = d.join(format!("{prefix}4194304-aaaaaa.tmp"));
    std::fs::write(&dead, vec![0u8; 1 << 16]).unwrap();
    let live = d.join(format!("{prefix}1-bbbbbb.tmp"));
    std::fs::write(&live, "pid 1 runs").unwrap();
    let victim = d.join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let planted = d.join(format!("{prefix}4194304-cccccc.tmp"));
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    let o = run(
        d,
        &[
            "sample",
            "--init",
            "he_normal",
            "--shape",
            "8x8",
            "--out",
            s(&target),
        ],
    );
    expect(&o, 0, &[]);
    assert!(!dead.exists(), "the dead writer's file stays");
    assert!(live.exists(), "a live writer's file was removed");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert!(
        std::fs::symlink_metadata(&planted).is_ok(),
        "a link is not ours to remove"
    );
}

/// A `sample` write of four 16 MiB groups that raises `signal` at itself once
/// the first group is written (the WEIGHTINIT_TEST_SIGNAL hook).
fn signalled_write(d: &Path, target: &Path, signal: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_weightinit"))
        .args([
            "sample",
            "--init",
            "he_normal",
            "--shape",
            "4096x4096",
            "--out",
            s(target),
        ])
        .env("WEIGHTINIT_TEST_SIGNAL", signal)
        .current_dir(d)
        .output()
        .unwrap()
}

#[test]
fn signals_stop_a_write_cleanly_and_a_killed_one_is_cleaned_up_next_time() {
    let d = scratch();
    let d = d.path();
    let target = d.join("big.npy");
    std::fs::write(&target, "old weights").unwrap();
    for (sig, code) in [("TERM", 143), ("INT", 130)] {
        let o = signalled_write(d, &target, sig);
        expect(&o, code, &["big.npy", "not written"]);
        assert!(temporaries(d).is_empty(), "{:?}", temporaries(d));
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old weights");
    }
    // SIGKILL leaves the temporary file; the next write of the target removes it.
    let o = signalled_write(d, &target, "KILL");
    assert_eq!(o.status.code(), None, "killed by a signal");
    assert_eq!(temporaries(d).len(), 1);
    let o = run(
        d,
        &[
            "sample",
            "--init",
            "he_normal",
            "--shape",
            "8x8",
            "--out",
            s(&target),
        ],
    );
    expect(&o, 0, &[]);
    assert!(temporaries(d).is_empty(), "{:?}", temporaries(d));
    // A bad hook value is refused like any bad input.
    let o = Command::new(env!("CARGO_BIN_EXE_weightinit"))
        .args([
            "sample",
            "--init",
            "he_normal",
            "--shape",
            "8x8",
            "--out",
            s(&target),
        ])
        .env("WEIGHTINIT_TEST_SIGNAL", "HUP")
        .output()
        .unwrap();
    expect(&o, 2, &["WEIGHTINIT_TEST_SIGNAL", "HUP"]);
}

#[test]
fn npy_headers_past_65535_bytes_are_version_2() {
    let d = scratch();
    let d = d.path();
    let out = d.join("many.npy");
    let shape = vec!["1"; 22000].join("x");
    let o = run(
        d,
        &[
            "sample",
            "--init",
            "he_normal",
            "--shape",
            &shape,
            "--out",
            s(&out),
        ],
    );
    expect(&o, 0, &[]);
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[6..8], &[2, 0], "version 2.0");
    let hlen = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
    assert!(hlen > 65535 && (12 + hlen) % 64 == 0);
    let (dims, vals) = weightinit::npy::read(&bytes).unwrap();
    assert_eq!((dims.len(), vals.len()), (22000, 1));
    // A small shape stays version 1.0.
    let small = d.join("small.npy");
    expect(
        &run(
            d,
            &[
                "sample",
                "--init",
                "he_normal",
                "--shape",
                "3x5",
                "--out",
                s(&small),
            ],
        ),
        0,
        &[],
    );
    assert_eq!(&std::fs::read(&small).unwrap()[6..8], &[1, 0]);
    // numpy reads both, where it is installed. numpy arrays have at most 64
    // dimensions, so the long header is read by numpy's own header reader
    // (with its `max_header_size` guard, 10000 bytes by default, raised).
    let has_numpy = Command::new("python3")
        .args(["-c", "import numpy"])
        .output()
        .is_ok_and(|o| o.status.success());
    if has_numpy {
        let py = "import numpy, sys\nimport numpy.lib.format as F\nf = open(sys.argv[1], 'rb')\n\
                  v = F.read_magic(f)\nshape, fortran, dt = F.read_array_header_2_0(f, max_header_size=200000)\n\
                  b = numpy.load(sys.argv[2])\nprint(v, len(shape), fortran, dt, b.shape)";
        let o = Command::new("python3")
            .args(["-c", py, s(&out), s(&small)])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(
            String::from_utf8_lossy(&o.stdout).trim(),
            "(2, 0) 22000 False float32 (3, 5)"
        );
    } else {
        eprintln!("skipped: numpy is not installed (the header is checked above)");
    }
}

// ---------------------------------------------------------------- the ab cache

/// A scratch git repository with a tiny crate whose fake bench speaks the
/// part of criterion's command line that `ab` uses.
/// The fake bench of `ab_repo`: lists one benchmark and times it at once.
const FAST_BENCH: &str = r#"fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") { println!("fx/op/1: benchmark"); return; }
    println!("test fx/op/1 ... bench:        1000 ns/iter (+/- 1)");
}
"#;

fn ab_repo(d: &Path) -> PathBuf {
    ab_repo_with(d, FAST_BENCH)
}

/// A one-commit crate whose only bench is `bench` (a `main` of benches/fake.rs).
fn ab_repo_with(d: &Path, bench: &str) -> PathBuf {
    let r = d.join("repo");
    common::fixture_crate(&r, "abfixture", bench);
    common::git(&r, &["init", "-q"]);
    common::git(&r, &["add", "."]);
    common::git(&r, &["commit", "-q", "-m", "base"]);
    r
}

/// The processes whose executable lies under `dir`, from `/proc/*/exe`.
fn processes_running_from(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read_link(e.path().join("exe")).ok())
        .filter(|exe| exe.starts_with(dir))
        .collect()
}

fn head_sha(repo: &Path) -> String {
    common::git(repo, &["rev-parse", "HEAD"])
}

fn ab(repo: &Path, cache: &Path, args: &[&str]) -> Output {
    let mut a = vec!["ab"];
    a.extend(args);
    run_env(repo, &a, &[("XDG_CACHE_HOME", cache)], AB_LIMIT)
}

const AB_ARGS: [&str; 10] = [
    "HEAD",
    "HEAD",
    "--rounds",
    "6",
    "--max-rounds",
    "6",
    "--slice",
    "0.05",
    "--filter",
    "op",
];

#[test]
fn the_ab_cache_is_private_and_refuses_links_and_strangers() {
    let d = scratch();
    let d = d.path();
    let repo = ab_repo(d);
    // `weightinit/` is a link to a directory elsewhere: refused, nothing written there.
    let cache = d.join("cache1");
    let elsewhere = d.join("elsewhere");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("keep"), "x").unwrap();
    std::os::unix::fs::symlink(&elsewhere, cache.join("weightinit")).unwrap();
    let before = snapshot(&elsewhere);
    expect(&ab(&repo, &cache, &AB_ARGS), 2, &["symbolic link"]);
    only_changed(&before, &snapshot(&elsewhere), &[]);
    // `ab/` is a link: refused too.
    let cache2 = d.join("cache2");
    std::fs::create_dir_all(cache2.join("weightinit")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, cache2.join("weightinit/ab")).unwrap();
    expect(&ab(&repo, &cache2, &AB_ARGS), 2, &["symbolic link"]);
    only_changed(&before, &snapshot(&elsewhere), &[]);
    // Another user's directory (needs root to make one).
    if is_root() {
        let cache3 = d.join("cache3");
        std::fs::create_dir_all(cache3.join("weightinit")).unwrap();
        std::os::unix::fs::chown(cache3.join("weightinit"), Some(65534), Some(65534)).unwrap();
        expect(&ab(&repo, &cache3, &AB_ARGS), 2, &["belongs to user 65534"]);
    } else {
        eprintln!("skipped: another user's cache needs root to make");
    }
    // Neither XDG_CACHE_HOME nor HOME usable.
    let o = Command::new(env!("CARGO_BIN_EXE_weightinit"))
        .args(["ab", "HEAD"])
        .current_dir(&repo)
        .env_remove("HOME")
        .env("XDG_CACHE_HOME", "relative/cache")
        .output()
        .unwrap();
    expect(&o, 2, &["XDG_CACHE_HOME"]);
}

#[test]
fn the_ab_cache_reexports_planted_and_damaged_trees_and_survives_concurrency() {
    let d = scratch();
    let d = d.path();
    let repo = ab_repo(d);
    let cache = d.join("cache");
    let sha = head_sha(&repo);
    // A loose mode on our own cache is tightened.
    std::fs::create_dir_all(cache.join("weightinit")).unwrap();
    std::fs::set_permissions(
        cache.join("weightinit"),
        std::fs::Permissions::from_mode(0o777),
    )
    .unwrap();
    // A planted tree at the commit's place, with a build script that leaves a mark.
    let trees = cache.join("weightinit/ab/trees");
    let planted = trees.join(&sha);
    std::fs::create_dir_all(planted.join("src")).unwrap();
    let mark = d.join("planted-code-ran");
    std::fs::write(
        planted.join("Cargo.toml"),
        "[package]\nname = \"abfixture\"\nversion = \"0.1.0\"\nedition = \"2021\"\nbuild = \"build.rs\"\n",
    )
    .unwrap();
    std::fs::write(planted.join("src/lib.rs"), "").unwrap();
    std::fs::write(
        planted.join("build.rs"),
        format!(
            "fn main() {{ std::fs::write({:?}, \"ran\").unwrap(); }}",
            s(&mark)
        ),
    )
    .unwrap();
    let o = ab(&repo, &cache, &AB_ARGS);
    expect(&o, 0, &[]);
    assert!(!mark.exists(), "code planted in the cache ran");
    assert!(!planted.join("build.rs").exists());
    assert!(planted.join(".weightinit-stamp").is_file());
    for dir in ["weightinit", "weightinit/ab", "weightinit/ab/trees"] {
        assert_eq!(
            std::fs::metadata(cache.join(dir)).unwrap().mode() & 0o777,
            0o700,
            "{dir}"
        );
    }
    // A file lost from a stamped tree (a temp cleaner): exported again.
    std::fs::remove_file(planted.join("benches/fake.rs")).unwrap();
    let o = ab(&repo, &cache, &AB_ARGS);
    expect(&o, 0, &["does not match its stamp"]);
    assert!(planted.join("benches/fake.rs").is_file());
    // Two runs of one commit at once both finish.
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_weightinit"))
            .args(["ab"])
            .args(AB_ARGS)
            .current_dir(&repo)
            .env("XDG_CACHE_HOME", &cache)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    std::fs::remove_dir_all(&planted).unwrap();
    let (a, b) = (spawn(), spawn());
    for c in [a, b] {
        let o = c.wait_with_output().unwrap();
        expect(&o, 0, &[]);
    }
    // A temporary tree of a dead run is removed by the next export.
    let dead = trees.join(".tmp-4194304-xyz");
    std::fs::create_dir_all(dead.join("sub")).unwrap();
    std::fs::remove_dir_all(&planted).unwrap();
    expect(&ab(&repo, &cache, &AB_ARGS), 0, &[]);
    assert!(!dead.exists());
    // list shows the commit with sizes; clean removes it; a bad name is refused.
    let env = [("XDG_CACHE_HOME", cache.as_path())];
    let o = run_env(&repo, &["cache", "list"], &env, LIMIT);
    expect(&o, 0, &[]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(&sha[..12]) && out.contains("1 revisions"),
        "{out}"
    );
    expect(
        &run_env(&repo, &["cache", "clean", "zz-top"], &env, LIMIT),
        2,
        &["zz-top"],
    );
    expect(
        &run_env(&repo, &["cache", "clean", "abcdef12"], &env, LIMIT),
        2,
        &["no kept revision"],
    );
    let o = run_env(&repo, &["cache", "clean", &sha[..8]], &env, LIMIT);
    expect(&o, 0, &[]);
    assert!(!planted.exists() && !cache.join("weightinit/ab/targets").join(&sha).exists());
}

#[test]
fn a_signal_ends_ab_and_its_children_and_leaves_no_partial_tree() {
    let d = scratch();
    let d = d.path();
    // A slice that takes a minute, so that `ab` always has work in hand and a child to end.
    let repo = ab_repo_with(
        d,
        r#"fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--list") { println!("fx/op/1: benchmark"); return; }
    std::thread::sleep(std::time::Duration::from_secs(60));
    println!("test fx/op/1 ... bench:        1000 ns/iter (+/- 1)");
}
"#,
    );
    let cache = d.join("cache");
    // SIGTERM 0.3 s in (exporting or building); SIGINT once the bench runs.
    for (sig, code, in_bench) in [("-TERM", 143, false), ("-INT", 130, true)] {
        let child = Command::new(env!("CARGO_BIN_EXE_weightinit"))
            .args([
                "ab",
                "HEAD",
                "HEAD",
                "--rounds",
                "6",
                "--max-rounds",
                "6",
                "--slice",
                "0.05",
                "--filter",
                "^fx/",
            ])
            .current_dir(&repo)
            .env("XDG_CACHE_HOME", &cache)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if in_bench {
            let t = Instant::now();
            while processes_running_from(d).is_empty() {
                assert!(t.elapsed() < AB_LIMIT, "the bench never started");
                std::thread::sleep(Duration::from_millis(20));
            }
        } else {
            std::thread::sleep(Duration::from_millis(300));
        }
        assert!(
            Command::new("kill")
                .args([sig, &child.id().to_string()])
                .status()
                .unwrap()
                .success()
        );
        let t = Instant::now();
        let o = child.wait_with_output().unwrap();
        assert!(t.elapsed() < LIMIT);
        expect(&o, code, &[]);
        let left = processes_running_from(d);
        assert!(left.is_empty(), "children outlived ab: {left:?}");
        let trees = cache.join("weightinit/ab/trees");
        let partial: Vec<_> = std::fs::read_dir(&trees)
            .map(|es| {
                es.flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
                    .collect()
            })
            .unwrap_or_default();
        assert!(partial.is_empty(), "{partial:?}");
        for e in std::fs::read_dir(&trees).into_iter().flatten().flatten() {
            assert!(
                e.path().join(".weightinit-stamp").is_file(),
                "an unstamped tree: {:?}",
                e.path()
            );
        }
    }
}

// ---------------------------------------------------------------- sizes and loops

#[test]
fn sizes_are_checked_before_anything_is_allocated() {
    let d = scratch();
    let d = d.path();
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec![
                "experiment",
                "--batch",
                "1",
                "--width",
                "4096",
                "--layers",
                "1000",
            ],
            vec!["--layers 1000", "GB"],
        ),
        (
            vec!["experiment", "--width", "8192", "--batch", "8192"],
            vec!["--layers 5", "GB"],
        ),
        (
            vec!["experiment", "--layers", "100000000"],
            vec!["--layers"],
        ),
        (
            vec![
                "experiment",
                "--init",
                "all",
                "--width",
                "2048",
                "--batch",
                "1",
                "--layers",
                "100",
            ],
            vec!["--layers 100"],
        ),
        (vec!["experiment", "--bins", "100000000"], vec!["--bins"]),
        (
            vec!["train", "--steps", "1000000000"],
            vec!["--steps", "at most"],
        ),
        (
            vec!["train", "--batch", "100000000"],
            vec!["--batch", "at most"],
        ),
        (
            vec!["train", "--steps", "4611686018427387904", "--batch", "4"],
            vec!["--steps"],
        ),
        (
            vec!["train", "--steps", "10000000", "--batch", "1000"],
            vec!["steps × batch"],
        ),
        (
            vec![
                "experiment",
                "--init",
                "lsuv",
                "--lsuv-max-iter",
                "4294967295",
            ],
            vec!["--lsuv-max-iter", "4294967295"],
        ),
        (
            vec!["experiment", "--init", "lsuv", "--lsuv-tol", "1e-300"],
            vec!["--lsuv-tol", "1e-300"],
        ),
        (
            vec!["experiment", "--lsuv-tol", "NaN"],
            vec!["--lsuv-tol", "NaN"],
        ),
        (
            vec![
                "sample",
                "--init",
                "orthogonal",
                "--shape",
                "1x268435456",
                "--out",
                "o.npy",
            ],
            vec!["orthogonal", "268435456"],
        ),
        (
            vec![
                "sample",
                "--init",
                "he_normal",
                "--naive",
                "--shape",
                "65536x65536",
                "--out",
                "o.npy",
            ],
            vec!["--naive", "in memory"],
        ),
    ];
    for (args, words) in cases {
        refused_in(d, &args, &words);
    }
}

/// Writes MNIST's four files into `dir`: `images` as the training images, the rest valid.
fn idx_dir(dir: &Path, images: &[u8]) {
    std::fs::create_dir_all(dir).unwrap();
    let img = |n: u32| {
        let mut v = vec![0, 0, 8, 3];
        for x in [n, 2, 2] {
            v.extend(x.to_be_bytes());
        }
        v.extend(vec![7u8; 4 * n as usize]);
        v
    };
    let lab = |n: u32| {
        let mut v = vec![0, 0, 8, 1];
        v.extend(n.to_be_bytes());
        v.extend((0..n).map(|i| (i % 10) as u8));
        v
    };
    std::fs::write(dir.join("train-images-idx3-ubyte"), images).unwrap();
    std::fs::write(dir.join("train-labels-idx1-ubyte"), lab(4)).unwrap();
    std::fs::write(dir.join("t10k-images-idx3-ubyte"), img(4)).unwrap();
    std::fs::write(dir.join("t10k-labels-idx1-ubyte"), lab(4)).unwrap();
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn idx_files_are_read_within_their_declared_size() {
    let d = scratch();
    let d = d.path();
    let header = |n: u32| {
        let mut v = vec![0, 0, 8, 3];
        for x in [n, 2, 2] {
            v.extend(x.to_be_bytes());
        }
        v
    };
    // A gzip bomb: 4 images declared, 256 MB of zeros after them.
    let bomb = d.join("bomb");
    let mut raw = header(4);
    raw.extend(vec![0u8; 16 + (256 << 20)]);
    let packed = gzip(&raw);
    assert!(packed.len() < 1 << 20);
    drop(raw);
    std::fs::create_dir_all(&bomb).unwrap();
    idx_dir(&bomb, &[]);
    std::fs::remove_file(bomb.join("train-images-idx3-ubyte")).unwrap();
    std::fs::write(bomb.join("train-images-idx3-ubyte.gz"), packed).unwrap();
    let cases: Vec<(Vec<u8>, Vec<&str>)> = vec![
        (Vec::new(), vec!["is empty"]),
        (vec![0, 0], vec!["starts 00 00 00 00"]),
        (
            {
                let mut v = header(4);
                v.extend([1u8; 16 + 5]);
                v
            },
            vec!["data past"],
        ),
        (header(u32::MAX), vec!["limit"]),
        (
            {
                let mut v = header(4);
                v.extend([1u8; 3]);
                v
            },
            vec!["truncated"],
        ),
        (gzip(&header(u32::MAX)), vec!["limit"]),
    ];
    let o = run(d, &["train", "--steps", "2", "--data", s(&bomb)]);
    expect(&o, 2, &["data past", "train-images"]);
    for (i, (bytes, words)) in cases.into_iter().enumerate() {
        let dir = d.join(format!("idx{i}"));
        idx_dir(&dir, &bytes);
        refused_in(d, &["train", "--steps", "2", "--data", s(&dir)], &words);
    }
    // A FIFO in place of a file is not opened (it would block).
    let fifo_dir = d.join("fifo");
    idx_dir(&fifo_dir, &header(1));
    std::fs::remove_file(fifo_dir.join("train-images-idx3-ubyte")).unwrap();
    if Command::new("mkfifo")
        .arg(fifo_dir.join("train-images-idx3-ubyte"))
        .status()
        .is_ok_and(|s| s.success())
    {
        refused_in(
            d,
            &["train", "--steps", "2", "--data", s(&fifo_dir)],
            &["train-images-idx3-ubyte"],
        );
    }
}

#[test]
fn criterion_walks_follow_no_link_and_results_files_have_a_size_cap() {
    let d = scratch();
    let d = d.path();
    // Two links to `..` at every level made the walk exponential.
    let crit = criterion_dir(d, "sgemm/blocked/8", 100.0);
    let b = crit.join("sgemm_blocked_8");
    std::os::unix::fs::symlink("..", b.join("up1")).unwrap();
    std::os::unix::fs::symlink("..", b.join("up2")).unwrap();
    std::os::unix::fs::symlink("..", crit.join("up")).unwrap();
    let out = d.join("r.json");
    let o = run(
        d,
        &["report", "--criterion-dir", s(&crit), "--out", s(&out)],
    );
    expect(&o, 0, &[]);
    // A directory nested deeper than any criterion layout: ends, finds nothing.
    let mut deep = d.join("deep");
    for i in 0..64 {
        deep = deep.join(format!("d{i}"));
    }
    std::fs::create_dir_all(&deep).unwrap();
    refused_in(
        d,
        &[
            "report",
            "--criterion-dir",
            s(&d.join("deep")),
            "--out",
            s(&d.join("x.json")),
        ],
        &["no benchmark"],
    );
    // A 20 MB "results file".
    let big = d.join("big.json");
    std::fs::write(&big, vec![b' '; 20 << 20]).unwrap();
    refused_in(d, &["compare", s(&big), s(&out)], &["big.json", "limit"]);
    refused_in(d, &["score", s(&big)], &["big.json", "limit"]);
    refused_in(d, &["roofline", s(&big)], &["big.json", "limit"]);
    refused_in(
        d,
        &["export", "--format", "bmf", s(&big)],
        &["big.json", "limit"],
    );
    refused_in(d, &["compare", s(d), s(&out)], &["directory"]);
}

// ---------------------------------------------------------------- values

#[test]
fn times_that_no_measurement_gives_are_refused_everywhere() {
    let d = scratch();
    let d = d.path();
    let good = results_file(d, "good", "sgemm/blocked/8", 100.0);
    for (name, v) in [("zero", 0.0), ("tiny", 5e-324), ("negative", -125.0)] {
        // report: from criterion's files.
        let work = d.join(format!("{name}-crit"));
        let crit = criterion_dir(&work, "sgemm/blocked/8", v);
        let out = d.join(format!("{name}-report.json"));
        refused_in(
            d,
            &["report", "--criterion-dir", s(&crit), "--out", s(&out)],
            &["median", "no measurement"],
        );
        // load: compare, compare --plot (which hung), export.
        let bad = d.join(format!("{name}.json"));
        std::fs::copy(&good, &bad).unwrap();
        edit_json(&bad, |j| {
            j["benchmarks"]["sgemm/blocked/8"]["median_ns"] = serde_json::json!(v)
        });
        refused_in(d, &["compare", s(&good), s(&bad)], &["median_ns"]);
        refused_in(d, &["score", s(&good), s(&bad)], &["median_ns"]);
        refused_in(d, &["roofline", s(&bad)], &["median_ns"]);
        refused_in(
            d,
            &["compare", s(&good), s(&bad), "--plot", s(&d.join("c.svg"))],
            &["median_ns"],
        );
        refused_in(d, &["export", "--format", "bmf", s(&bad)], &["median_ns"]);
        refused_in(
            d,
            &[
                "export",
                "--format",
                "gab",
                s(&bad),
                "--out",
                s(&d.join("e.json")),
            ],
            &["median_ns"],
        );
    }
    // Every export of a good file is free of null and NaN.
    for f in ["bmf", "gab", "gab-throughput", "critcmp"] {
        let o = run(d, &["export", "--format", f, s(&good)]);
        expect(&o, 0, &[]);
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            !text.contains("NaN") && !text.contains("inf"),
            "{f}: {text}"
        );
        if f != "critcmp" {
            assert!(!text.contains("null"), "{f}: {text}");
        }
    }
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    // `weightinit … | head`: the reader is gone before the JSON is printed. The
    // process ends as `cat` would, by SIGPIPE, with nothing on standard error
    // (Rust ignores SIGPIPE, so a plain `print!` would panic there).
    use std::os::unix::process::ExitStatusExt;
    let d = scratch();
    let mut child = Command::new(env!("CARGO_BIN_EXE_weightinit"))
        .args(["experiment", "--init", "all", "--json"])
        .current_dir(d.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.is_empty(), "{err}");
    assert_eq!(o.status.signal(), Some(13), "{:?}", o.status);
}

#[test]
fn control_characters_in_ids_never_reach_the_terminal_raw() {
    let d = scratch();
    let d = d.path();
    let a = results_file(d, "a", "sgemm/blocked/8", 100.0);
    edit_json(&a, |j| {
        let b = j["benchmarks"]["sgemm/blocked/8"].take();
        j["benchmarks"] = serde_json::json!({"evil\u{1b}]2;pwned\u{7}/x/1": b});
    });
    let b = d.join("b.json");
    std::fs::copy(&a, &b).unwrap();
    for fmt in ["text", "markdown"] {
        let o = run(d, &["compare", s(&a), s(&b), "--format", fmt]);
        expect(&o, 0, &[]);
        assert!(!o.stdout.contains(&0x1b) && !o.stdout.contains(&0x07));
        assert!(String::from_utf8_lossy(&o.stdout).contains("\\u{1b}"));
    }
}

#[test]
fn experiment_and_train_write_no_nan_or_null() {
    let d = scratch();
    let d = d.path();
    // Weights so large that the network overflows f32: refused, naming them.
    refused_in(
        d,
        &["experiment", "--init", "normal:1e30", "--json"],
        &["normal:1e30", "overflow"],
    );
    // A learning rate that diverges: the run says where, and the JSON holds no null.
    let diverging = |json: bool| {
        let mut args = vec![
            "train",
            "--lr",
            "1e6",
            "--steps",
            "50",
            "--init",
            "he_normal",
        ];
        if json {
            args.push("--json");
        }
        let o = run(d, &args);
        expect(&o, 0, &[]);
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let text = diverging(true);
    assert!(!text.contains("null") && !text.contains("NaN"), "{text}");
    let j: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(
        j["runs"][0]["diverged_at"]
            .as_u64()
            .is_some_and(|t| t <= 50),
        "{text}"
    );
    let text = diverging(false);
    assert!(text.contains("diverges") && !text.contains("NaN"), "{text}");
}

// ---------------------------------------------------------------- critcmp

/// A critcmp 0.1.8 export as `critcmp --export` writes it (both throughput keys, one null).
fn real_critcmp_export(name: &str, median: f64) -> String {
    let st = |x: f64| {
        serde_json::json!({"confidence_interval": {"confidence_level": 0.95,
            "lower_bound": x * 0.99, "upper_bound": x * 1.01}, "point_estimate": x,
            "standard_error": x * 0.01})
    };
    serde_json::json!({"name": name, "benchmarks": {"sgemm/blocked/8": {
        "baseline": name, "fullname": format!("{name}/sgemm/blocked/8"),
        "criterion_benchmark_v1": {"group_id": "sgemm", "function_id": "blocked",
            "value_str": "8", "throughput": {"Bytes": null, "Elements": 1024},
            "full_id": "sgemm/blocked/8", "directory_name": "sgemm/blocked_8"},
        "criterion_estimates_v1": {"mean": st(median), "median": st(median),
            "median_abs_dev": st(1.0), "slope": null, "std_dev": st(2.0)}}}})
    .to_string()
}

#[test]
fn real_critcmp_exports_load_and_named_exports_stay_apart() {
    let d = scratch();
    let d = d.path();
    let a = d.join("a.json");
    let b = d.join("b.json");
    std::fs::write(&a, real_critcmp_export("before", 100.0)).unwrap();
    std::fs::write(&b, real_critcmp_export("after", 300.0)).unwrap();
    let o = run(d, &["compare", s(&a), s(&b)]);
    expect(&o, 1, &[]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("slower"));
    // --name sets the column; two exports of one machine stay two columns.
    let r = results_file(d, "r", "sgemm/blocked/8", 100.0);
    let x = d.join("x.json");
    let y = d.join("y.json");
    for (n, p) in [("run-1", &x), ("run-2", &y)] {
        expect(
            &run(
                d,
                &[
                    "export",
                    "--format",
                    "critcmp",
                    "--name",
                    n,
                    s(&r),
                    "--out",
                    s(p),
                ],
            ),
            0,
            &[],
        );
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        assert_eq!(v["name"], n);
        assert_eq!(
            v["benchmarks"]["sgemm/blocked/8"]["criterion_benchmark_v1"]["throughput"]["Bytes"],
            serde_json::Value::Null
        );
    }
    refused_in(
        d,
        &["export", "--format", "bmf", "--name", "z", s(&r)],
        &["--name"],
    );
    // critcmp itself reads them, where it is installed.
    match Command::new("critcmp").arg(&x).arg(&y).output() {
        Ok(o) => {
            let t = String::from_utf8_lossy(&o.stdout);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            assert!(t.contains("run-1") && t.contains("run-2"), "{t}");
        }
        Err(_) => eprintln!("skipped: critcmp is not installed"),
    }
}

// ---------------------------------------------------------------- messages

#[test]
fn messages_name_the_value_the_user_typed() {
    let d = scratch();
    let d = d.path();
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec![
                "sample",
                "--init",
                "uniform:1e-50",
                "--shape",
                "4x4",
                "--out",
                "w.npy",
            ],
            vec!["uniform:1e-50", "rounds to 0"],
        ),
        (
            vec![
                "sample",
                "--init",
                "he_normal",
                "--gain",
                "1e200",
                "--shape",
                "4x4",
                "--out",
                "w.npy",
            ],
            vec!["gain 1e200", "overflows"],
        ),
        (
            vec![
                "sample",
                "--init",
                "normal:1e39",
                "--shape",
                "4x4",
                "--out",
                "w.npy",
            ],
            vec!["normal:1e39", "overflows"],
        ),
        (
            vec![
                "sample", "--init", "bogus", "--shape", "4x4", "--out", "w.npy",
            ],
            vec!["bogus"],
        ),
        (
            vec![
                "sample",
                "--init",
                "he_normal",
                "--shape",
                "4x-4",
                "--out",
                "w.npy",
            ],
            vec!["4x-4"],
        ),
        (vec!["experiment", "--batch", "0"], vec!["--batch"]),
        (vec!["train", "--lr", "NaN"], vec!["--lr", "NaN"]),
        (vec!["cache", "clean"], vec!["--all"]),
    ];
    for (args, words) in cases {
        refused_in(d, &args, &words);
    }
}

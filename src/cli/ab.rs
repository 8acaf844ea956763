//! `weightinit ab BASE [NEW]`: paired A/B runs of two revisions' benchmarks.
//!
//! Each revision is exported with `git archive` into the private cache
//! ([`super::cache`]), outside the repository so that the working tree's
//! `.cargo/config.toml` does not add to the revision's own (cargo joins the
//! `rustflags` of every config file above the directory it runs in). The
//! working tree, when NEW is left out, is used where it is. Each side's
//! criterion benches are built with a target directory of their own
//! (`cargo bench --no-run`); an export and its build are kept for the next
//! run, and a commit's lock is held from its export to the end of the run. The benchmark IDs come from NEW's binaries
//! (`--list`). Each round runs every selected benchmark once per side, in
//! two adjacent short criterion runs of that one benchmark (`--exact`), the
//! side that goes first flipping each round; the statistics and the verdict
//! are [`weightinit::results::paired`]'s.
use super::CliError;
use super::args::{AbArgs, Format};
use super::cache::{self, Cache};
use super::table::{printable, table};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;
use weightinit::results::paired::{self, AB_SCHEMA, AbReport, PairedRow};

/// The default set: one to three key benchmarks of each group, each at most
/// a few milliseconds per iteration, so that the default run fits a
/// pull-request gate.
pub const DEFAULT_SET: [&str; 13] = [
    "rng_u32/simd/1048576",
    "uniform_f32/simd/1048576",
    "normal_f32/simd/1048576",
    "trunc_normal_f32/simd/1048576",
    "normal_f32/simd_par/16777216",
    "sgemm/blocked/1000x100x100",
    "sgemm/blocked/1024x1024x1024",
    "sgemm/blocked_par/1024x1024x1024",
    "activation_f32/sigmoid_simd/1048576",
    "activation_f32/tanh_simd/1048576",
    "experiment/fast/1000x100x5",
    "layer/fused/1000x100",
    "orthogonal/qr/100",
];

/// The label of the working tree as NEW.
const WORKTREE: &str = "worktree";

/// One side of the comparison: a source tree and its built benches.
struct Side {
    /// The revision as the user gave it, or [`WORKTREE`].
    label: String,
    /// The source tree.
    dir: PathBuf,
    /// Its own `CARGO_TARGET_DIR`.
    target: PathBuf,
    /// Bench target name → executable.
    benches: BTreeMap<String, PathBuf>,
    /// The commit's cache lock, held while the side is in use.
    _lock: Option<std::fs::File>,
}

fn usage(msg: impl std::fmt::Display) -> CliError {
    CliError::usage(msg)
}

/// Runs git in `dir` and returns its trimmed standard output.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let o = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !o.status.success() {
        return Err(String::from_utf8_lossy(&o.stderr).trim().to_string());
    }
    Ok(String::from_utf8_lossy(&o.stdout).trim().to_string())
}

/// Exports `rev` into the cache (once; a later run reuses it when its stamp holds).
fn export(cache: &Cache, root: &Path, rev: &str) -> Result<Side, CliError> {
    let sha = git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map_err(|_| usage(format!("`{rev}` is not a revision of this repository")))?;
    let lock = cache.lock(&sha)?;
    let dir = cache.tree(root, &sha)?;
    Ok(Side {
        label: rev.to_string(),
        target: cache.target(&sha),
        dir,
        benches: BTreeMap::new(),
        _lock: Some(lock),
    })
}

/// Builds a side's benches and records their executables.
fn build(side: &mut Side, cache: &Cache) -> Result<(), CliError> {
    eprintln!("ab: building the benchmarks of {}", side.label);
    let (status, out) = cache::output(
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args([
                "bench",
                "--no-run",
                "--message-format=json-render-diagnostics",
            ])
            .current_dir(&side.dir)
            .env("CARGO_TARGET_DIR", &side.target)
            // An exported tree has no `.git`: keep its build script's git from
            // finding a repository above the cache.
            .env("GIT_CEILING_DIRECTORIES", cache.root()),
        &format!("the build of `{}`", side.label),
    )?;
    for line in String::from_utf8_lossy(&out).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let is_bench = v["reason"] == "compiler-artifact"
            && v["target"]["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|x| x == "bench"));
        if let (true, Some(name), Some(exe)) = (
            is_bench,
            v["target"]["name"].as_str(),
            v["executable"].as_str(),
        ) {
            side.benches.insert(name.to_string(), PathBuf::from(exe));
        }
    }
    if !status.success() {
        return Err(usage(format!(
            "cannot build the benchmarks of `{}` (cargo bench --no-run exited {})",
            side.label,
            status.code().unwrap_or(-1)
        )));
    }
    Ok(())
}

/// The benchmark IDs of a side's criterion binaries, as (bench target, ID).
fn list(side: &Side) -> Result<Vec<(String, String)>, CliError> {
    let mut ids = Vec::new();
    for (name, exe) in &side.benches {
        let (_, stdout) = cache::output(
            Command::new(exe)
                .args(["--bench", "--list"])
                .current_dir(&side.dir)
                // A bench target with a harness of its own (`sgemm_pairs`) that
                // predates `--list` runs its measurements instead: one pair each.
                .env("PAIRS", "1")
                .stderr(Stdio::null()),
            &format!("`{}`", exe.display()),
        )?;
        for l in String::from_utf8_lossy(&stdout).lines() {
            if let Some(id) = l.strip_suffix(": benchmark") {
                ids.push((name.clone(), id.to_string()));
            }
        }
    }
    Ok(ids)
}

/// Reads the median time of `id` from criterion's `--output-format bencher`
/// line, `test ID ... bench:   12,345 ns/iter (+/- 67)`.
pub fn parse_bencher(stdout: &str, id: &str) -> Option<f64> {
    stdout.lines().find_map(|l| {
        let rest = l
            .strip_prefix("test ")?
            .strip_prefix(id)?
            .strip_prefix(" ...")?;
        let after = rest.split_once("bench:")?.1.trim_start();
        let (num, unit) = after.split_once(char::is_whitespace)?;
        let scale = match unit.trim_start().split('/').next()? {
            "ps" => 1e-3,
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            _ => return None,
        };
        num.replace(',', "").parse::<f64>().ok().map(|x| x * scale)
    })
}

/// One slice: a short criterion run of one benchmark on one side. `None`
/// where that side has no such benchmark.
fn slice(side: &Side, bench: &str, id: &str, a: &AbArgs) -> Result<Option<f64>, CliError> {
    let Some(exe) = side.benches.get(bench) else {
        return Ok(None);
    };
    let (status, stdout) = cache::output(
        Command::new(exe)
            .args(["--bench", "--exact", id, "--noplot", "--discard-baseline"])
            .args(["--output-format", "bencher", "--sample-size", "10"])
            .args(["--nresamples", "1000"])
            .arg("--warm-up-time")
            .arg((a.slice / 2.0).to_string())
            .arg("--measurement-time")
            .arg(a.slice.to_string())
            .current_dir(&side.dir)
            .env("CRITERION_HOME", side.target.join("criterion-ab"))
            .stderr(Stdio::null()),
        &format!("benchmark `{}`", printable(id)),
    )?;
    if !status.success() {
        return Err(usage(format!(
            "benchmark `{}` of `{}` failed (exit {})",
            printable(id),
            side.label,
            status.code().unwrap_or(-1)
        )));
    }
    Ok(parse_bencher(&String::from_utf8_lossy(&stdout), id))
}

/// Picks the benchmarks to run: those matching `--filter`, or the default set.
fn select(
    listed: Vec<(String, String)>,
    filter: Option<&regex::Regex>,
) -> Result<Vec<(String, String)>, CliError> {
    let chosen: Vec<(String, String)> = match filter {
        Some(re) => listed
            .into_iter()
            .filter(|(_, id)| re.is_match(id))
            .collect(),
        None => DEFAULT_SET
            .iter()
            .filter_map(|d| listed.iter().find(|(_, id)| id == d).cloned())
            .collect(),
    };
    if chosen.is_empty() {
        return Err(usage(match filter {
            Some(re) => format!("--filter `{re}` matches no benchmark"),
            None => "none of the default benchmarks exists in NEW".to_string(),
        }));
    }
    Ok(chosen)
}

/// Runs the subcommand; `Ok` carries the exit status (1 when anything is slower).
pub fn run(a: AbArgs) -> Result<u8, CliError> {
    if a.rounds < paired::MIN_PAIRS {
        return Err(usage(format!(
            "--rounds must be at least {} (a 95% interval of the median needs 6 pairs), got {}",
            paired::MIN_PAIRS,
            a.rounds
        )));
    }
    // The library names the field; the user typed the flag.
    paired::check_threshold(a.threshold).map_err(|e| usage(format!("--{e}")))?;
    if !(a.slice.is_finite() && (0.05..=60.0).contains(&a.slice)) {
        return Err(usage(format!(
            "--slice must be between 0.05 and 60 seconds, got {}",
            a.slice
        )));
    }
    // Compiled before anything is built, so that a bad one costs nothing.
    let filter = a
        .filter
        .as_deref()
        .map(|f| {
            regex::Regex::new(f)
                .map_err(|e| usage(format!("--filter `{f}` is not a valid regex: {e}")))
        })
        .transpose()?;
    let cwd = std::env::current_dir().map_err(|e| usage(format!("no working directory: {e}")))?;
    let root = PathBuf::from(
        git(&cwd, &["rev-parse", "--show-toplevel"])
            .map_err(|e| usage(format!("ab runs inside a git repository: {e}")))?,
    );
    super::signals::install();
    let cache = Cache::open()?;
    let mut base = export(&cache, &root, &a.base)?;
    let same = a
        .new
        .as_deref()
        .map(|rev| {
            git(
                &root,
                &[
                    "rev-parse",
                    "--verify",
                    "--quiet",
                    &format!("{rev}^{{commit}}"),
                ],
            )
        })
        .transpose()
        .ok()
        .flatten()
        .is_some_and(|sha| base.target == cache.target(&sha));
    let mut new = match &a.new {
        // One commit on both sides: one export and build serve both (and its lock is held once).
        Some(rev) if same => Side {
            label: rev.clone(),
            dir: base.dir.clone(),
            target: base.target.clone(),
            benches: BTreeMap::new(),
            _lock: None,
        },
        Some(rev) => export(&cache, &root, rev)?,
        None => Side {
            label: WORKTREE.into(),
            dir: root.clone(),
            target: root.join("target").join("ab").join(WORKTREE),
            benches: BTreeMap::new(),
            _lock: None,
        },
    };
    build(&mut base, &cache)?;
    if new.dir == base.dir {
        new.benches = base.benches.clone();
    } else {
        build(&mut new, &cache)?;
    }
    let chosen = select(list(&new)?, filter.as_ref())?;
    let report = measure(&base, &new, chosen, &a)?;
    let text = match a.format {
        Format::Json => serde_json::to_string_pretty(&report)
            .map_err(|e| usage(format!("cannot encode JSON: {e}")))?,
        f => printable(&render(&report, f == Format::Markdown)),
    };
    println!("{text}");
    Ok(if report.regressed() { 1 } else { 0 })
}

/// The rounds of slices, and the verdicts.
fn measure(
    base: &Side,
    new: &Side,
    mut chosen: Vec<(String, String)>,
    a: &AbArgs,
) -> Result<AbReport, CliError> {
    let tty = std::io::stderr().is_terminal();
    let estimate = (chosen.len() * a.rounds * 2) as f64 * (1.5 * a.slice + 0.2);
    eprintln!(
        "ab: {} benchmarks × {} rounds × 2 sides, slices of {} s (+{} s warm-up): about {}",
        chosen.len(),
        a.rounds,
        a.slice,
        a.slice / 2.0,
        if estimate < 120.0 {
            format!("{estimate:.0} s")
        } else {
            format!("{:.0} min", estimate / 60.0)
        }
    );
    let mut times: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); chosen.len()];
    let t0 = Instant::now();
    for round in 0..a.rounds {
        let mut i = 0;
        while i < chosen.len() {
            let (bench, id) = &chosen[i];
            super::signals::check_stop("ab was stopped between slices")?;
            if tty {
                eprint!(
                    "\r\x1b[K  round {}/{}  [{}/{}] {id}",
                    round + 1,
                    a.rounds,
                    i + 1,
                    chosen.len()
                );
                let _ = std::io::stderr().flush();
            }
            let order = if paired::base_first(round) {
                [base, new]
            } else {
                [new, base]
            };
            let mut got = [None, None];
            for (k, side) in order.iter().enumerate() {
                got[k] = slice(side, bench, id, a)?;
            }
            let (b, n) = if paired::base_first(round) {
                (got[0], got[1])
            } else {
                (got[1], got[0])
            };
            match (b, n) {
                (Some(b), Some(n)) => {
                    times[i].0.push(b);
                    times[i].1.push(n);
                    i += 1;
                }
                _ => {
                    let side = if b.is_none() { &base.label } else { &new.label };
                    eprintln!("\rab: `{id}` does not exist in `{side}`; left out");
                    chosen.remove(i);
                    times.remove(i);
                }
            }
        }
        if !tty {
            eprintln!(
                "ab: round {}/{} done ({:.0} s)",
                round + 1,
                a.rounds,
                t0.elapsed().as_secs_f64()
            );
        }
    }
    if tty {
        eprintln!("\r\x1b[K");
    }
    let rows = chosen
        .iter()
        .zip(&times)
        .map(|((_, id), (b, n))| {
            let r = paired::ratios(b, n).map_err(|e| usage(format!("`{id}`: {e}")))?;
            paired::judge(id, &r, a.threshold).map_err(|e| usage(format!("`{id}`: {e}")))
        })
        .collect::<Result<Vec<PairedRow>, CliError>>()?;
    Ok(AbReport {
        schema: AB_SCHEMA,
        base: base.label.clone(),
        new: new.label.clone(),
        rounds: a.rounds,
        threshold_pct: a.threshold,
        rows,
    })
}

/// `weightinit ab`'s verdicts.
fn render(r: &weightinit::results::paired::AbReport, md: bool) -> String {
    use weightinit::results::paired::interval_rank;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}paired A/B: {} (base) against {} (new), {} rounds, threshold {}%\n",
        if md { "### " } else { "" },
        r.base,
        r.new,
        r.rounds,
        r.threshold_pct
    );
    let head = ["benchmark", "new/base", "95% interval", "verdict"].map(String::from);
    let body: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|x| {
            vec![
                x.id.clone(),
                format!("{:.3}", x.ratio),
                format!("{:.3}–{:.3}", x.lower, x.upper),
                format!("{:?}", x.verdict).to_lowercase(),
            ]
        })
        .collect();
    s += &table(md, &head, &body);
    let (slower, faster, same) = r.counts();
    let _ = writeln!(s, "\n{slower} slower, {faster} faster, {same} same");
    if let Ok((k, cov)) = interval_rank(r.rounds) {
        let _ = write!(
            s,
            "(median of {} paired ratios; interval: order statistics {k} and {} of {}, coverage {:.1}%)",
            r.rounds,
            r.rounds + 1 - k,
            r.rounds,
            100.0 * cov
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::parse_bencher;

    #[test]
    fn reads_the_bencher_line() {
        let out = "\ntest sgemm/blocked/1000x100x100 ... bench:     250,700 ns/iter (+/- 12,345)\n";
        assert_eq!(
            parse_bencher(out, "sgemm/blocked/1000x100x100"),
            Some(250_700.0)
        );
        assert_eq!(parse_bencher(out, "sgemm/blocked/1000x100"), None);
        assert_eq!(
            parse_bencher("test x ... bench: 12 ms/iter (+/- 1)", "x"),
            Some(12e6)
        );
        assert_eq!(parse_bencher("nothing here", "x"), None);
    }
}

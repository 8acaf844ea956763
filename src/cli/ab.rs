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
use weightinit::results::compare::Verdict;
use weightinit::results::paired::{self, AB_SCHEMA, AbReport, PairedRow, Plan};

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
pub(super) struct Side {
    /// The revision as the user gave it, or [`WORKTREE`].
    pub(super) label: String,
    /// The source tree.
    dir: PathBuf,
    /// Its own `CARGO_TARGET_DIR`.
    target: PathBuf,
    /// Bench target name → executable.
    pub(super) benches: BTreeMap<String, PathBuf>,
    /// Where criterion keeps this side's slices.
    criterion: PathBuf,
    /// Where an exported revision's bench executables are kept once built
    /// (none for the working tree).
    bins: Option<PathBuf>,
    /// The commit's cache lock, held while the side is in use.
    _lock: Option<std::fs::File>,
}

fn usage(msg: impl std::fmt::Display) -> CliError {
    CliError::usage(msg)
}

/// Runs git in `dir` and returns its trimmed standard output.
pub(super) fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
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

/// The commit `rev` names in the repository at `root`.
pub(super) fn commit_of(root: &Path, rev: &str) -> Result<String, CliError> {
    git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map_err(|_| usage(format!("`{rev}` is not a revision of this repository")))
}

/// Exports `rev` into the cache (once; a later run reuses it when its stamp holds).
pub(super) fn export(cache: &Cache, root: &Path, rev: &str) -> Result<Side, CliError> {
    let sha = commit_of(root, rev)?;
    let lock = cache.lock(&sha)?;
    let dir = cache.tree(root, &sha)?;
    let target = cache.target_for(&dir);
    Ok(Side {
        label: rev.to_string(),
        criterion: target.join("criterion-ab").join(&sha[..12]),
        bins: Some(target.join("weightinit-bins").join(&sha)),
        target,
        dir,
        benches: BTreeMap::new(),
        _lock: Some(lock),
    })
}

/// The working tree as a side.
pub(super) fn worktree(root: &Path) -> Side {
    let target = root.join("target").join("ab").join(WORKTREE);
    Side {
        label: WORKTREE.into(),
        dir: root.to_path_buf(),
        criterion: target.join("criterion-ab"),
        bins: None,
        target,
        benches: BTreeMap::new(),
        _lock: None,
    }
}

/// Builds a side's benches and records their executables.
///
/// Exported revisions share a target directory per `Cargo.lock` and flags
/// (their compiled dependencies), where cargo gives every revision's bench
/// the same file name and may take another tree's build for fresh. So the
/// tree's files are touched first (its own crate is rebuilt), the build
/// holds the target's lock, and the executables are copied to the
/// revision's own `bins` directory, which later runs reuse.
pub(super) fn build(side: &mut Side, cache: &Cache) -> Result<(), CliError> {
    if let Some(kept) = side.bins.as_deref().and_then(cache::read_bins) {
        side.benches = kept;
        return Ok(());
    }
    eprintln!("building the benchmarks of {}", side.label);
    let _lock = match &side.bins {
        Some(_) => {
            cache::touch_tree(&side.dir)
                .map_err(|e| usage(format!("cannot prepare `{}`: {e}", side.dir.display())))?;
            Some(cache.lock_target(&side.target)?)
        }
        None => None,
    };
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
    if let Some(bins) = &side.bins {
        side.benches = cache::keep_bins(bins, &side.benches).map_err(|e| {
            usage(format!(
                "cannot keep the build in `{}`: {e}",
                bins.display()
            ))
        })?;
    }
    Ok(())
}

/// The benchmark IDs of a side's criterion binaries, as (bench target, ID).
pub(super) fn list(side: &Side) -> Result<Vec<(String, String)>, CliError> {
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
fn slice(side: &Side, bench: &str, id: &str, slice_s: f64) -> Result<Option<f64>, CliError> {
    let Some(exe) = side.benches.get(bench) else {
        return Ok(None);
    };
    let (status, stdout) = cache::output(
        Command::new(exe)
            .args(["--bench", "--exact", id, "--noplot", "--discard-baseline"])
            .args(["--output-format", "bencher", "--sample-size", "10"])
            .args(["--nresamples", "1000"])
            .arg("--warm-up-time")
            .arg((slice_s / 2.0).to_string())
            .arg("--measurement-time")
            .arg(slice_s.to_string())
            .current_dir(&side.dir)
            .env("CRITERION_HOME", &side.criterion)
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
pub(super) fn select(
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

/// How a paired comparison runs: its looks, threshold, slice and budget.
#[derive(Clone, Copy, Debug)]
pub(super) struct Gate {
    /// When each benchmark is judged.
    pub plan: Plan,
    /// The threshold, percent.
    pub threshold: f64,
    /// Seconds of measurement per slice.
    pub slice: f64,
    /// Seconds of slices at most.
    pub budget: f64,
    /// Whether a benchmark is decided once it is slower or not slower (a
    /// bisection step), rather than slower, faster or the same.
    pub one_sided: bool,
}

impl Gate {
    /// The gate of `ab`'s and `bisect`'s flags.
    pub(super) fn from_args(a: &super::args::GateArgs) -> Result<Gate, CliError> {
        Gate::new(a.rounds, a.max_rounds, a.threshold, a.slice, a.budget)
    }

    /// The gate, checked; errors name the flag.
    pub(super) fn new(
        rounds: usize,
        max_rounds: usize,
        threshold: f64,
        slice: f64,
        budget: f64,
    ) -> Result<Gate, CliError> {
        if rounds < paired::MIN_PAIRS {
            return Err(usage(format!(
                "--rounds must be at least {} (an interval of the median needs them), got {rounds}",
                paired::MIN_PAIRS
            )));
        }
        let plan = Plan::new(rounds, max_rounds).map_err(|e| match e {
            paired::PairedError::TooFewPairs(_) => usage(format!(
                "--rounds {rounds} is too few for {} looks at 95% together; raise --rounds or lower --max-rounds",
                Plan { first: rounds, max: max_rounds.max(rounds) }.looks()
            )),
            e => usage(format!("--{e}")),
        })?;
        paired::check_threshold(threshold).map_err(|e| usage(format!("--{e}")))?;
        if !(slice.is_finite() && (0.05..=60.0).contains(&slice)) {
            return Err(usage(format!(
                "--slice must be between 0.05 and 60 seconds, got {slice}"
            )));
        }
        if !(budget.is_finite() && (1.0..=86_400.0).contains(&budget)) {
            return Err(usage(format!(
                "--budget must be between 1 and 86400 seconds, got {budget}"
            )));
        }
        Ok(Gate {
            plan,
            threshold,
            slice,
            budget,
            one_sided: false,
        })
    }
}

/// How many more rounds the budget buys than the first round's pace says:
/// decided benchmarks leave the later rounds. In three A/A runs of the
/// default set on a 2-core Zen 3, 90 rounds took 358 s of slices where the
/// first round's pace (6.3 s) would have needed 567 s.
const ROUND_GAIN: f64 = 1.5;

/// The CPU's (steal, total) jiffies from `/proc/stat`, where there is one.
fn cpu_jiffies() -> Option<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    Some((*v.get(7)?, v.iter().take(8).sum()))
}

/// The rounds of slices and the verdicts: every benchmark until it is
/// decided at a look, or the rounds or the budget run out.
pub(super) fn measure(
    base: &Side,
    new: &Side,
    mut chosen: Vec<(String, String)>,
    gate: &Gate,
) -> Result<AbReport, CliError> {
    let tty = std::io::stderr().is_terminal();
    let mut plan = gate.plan;
    let estimate = (chosen.len() * plan.first * 2) as f64 * (1.5 * gate.slice + 0.2);
    eprintln!(
        "paired slices: {} benchmarks, {} rounds each (up to {} while undecided, within {:.0} s), slices of {} s: about {:.0} s",
        chosen.len(),
        plan.first,
        plan.max,
        gate.budget,
        gate.slice,
        estimate.min(gate.budget)
    );
    let jiffies = cpu_jiffies();
    let mut times: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); chosen.len()];
    let mut spent = vec![0f64; chosen.len()];
    let mut rows: Vec<Option<PairedRow>> = vec![None; chosen.len()];
    let t0 = Instant::now();
    let mut round = 0;
    while round < plan.max {
        let mut i = 0;
        while i < chosen.len() {
            if rows[i].is_some() {
                i += 1;
                continue;
            }
            let (bench, id) = &chosen[i];
            super::signals::check_stop("the paired slices were stopped")?;
            if tty {
                eprint!(
                    "\r\x1b[K  round {}  [{}/{}] {}",
                    round + 1,
                    i + 1,
                    chosen.len(),
                    printable(id)
                );
                let _ = std::io::stderr().flush();
            }
            let order = if paired::base_first(round) {
                [base, new]
            } else {
                [new, base]
            };
            let t = Instant::now();
            let mut got = [None, None];
            for (k, side) in order.iter().enumerate() {
                got[k] = slice(side, bench, id, gate.slice)?;
            }
            spent[i] += t.elapsed().as_secs_f64();
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
                    eprintln!("\r`{}` does not exist in `{side}`; left out", printable(id));
                    chosen.remove(i);
                    times.remove(i);
                    spent.remove(i);
                    rows.remove(i);
                }
            }
        }
        let done = round + 1;
        round += 1;
        if done == 1 {
            // The looks, fixed from the first round's time before any ratio is
            // judged. Decided benchmarks stop, so later rounds cost less than the
            // first: the plan takes the budget to buy ROUND_GAIN times the rounds
            // at the first round's pace, and a look that would overrun the
            // budget is never reached (fewer looks keep the bound).
            let per_round = t0.elapsed().as_secs_f64().max(1e-3);
            let fitted = plan.within((ROUND_GAIN * gate.budget / per_round).floor() as usize);
            let looks: Vec<String> = fitted.looks_at().iter().map(|n| n.to_string()).collect();
            eprintln!(
                "\rlooks at {} rounds ({} look{}, each at {:.2}%): a round took {per_round:.1} s of the {:.0} s budget",
                looks.join(", "),
                fitted.looks(),
                if fitted.looks() == 1 { "" } else { "s" },
                100.0 * fitted.confidence(),
                gate.budget
            );
            plan = fitted;
        }
        if !plan.is_look(done) {
            continue;
        }
        // The next look's cost: its rounds of every undecided benchmark.
        let more = plan.next_look(done).map_or(0, |n| n - done);
        let elapsed = t0.elapsed().as_secs_f64();
        let mut next = 0.0;
        for (i, (bench_id, (b, n))) in chosen.iter().zip(&times).enumerate() {
            if rows[i].is_some() {
                continue;
            }
            let row = paired::judge_times(&bench_id.1, b, n, gate.threshold, &plan)
                .map_err(|e| usage(format!("`{}`: {e}", printable(&bench_id.1))))?;
            let decided = row.verdict != Verdict::Inconclusive
                || (gate.one_sided && paired::not_slower(&row, gate.threshold));
            if decided {
                rows[i] = Some(row);
            } else {
                next += spent[i] / done as f64 * more as f64;
            }
        }
        let last = done == plan.max || elapsed + next > gate.budget;
        let open = rows.iter().filter(|r| r.is_none()).count();
        if !tty {
            let end = if last && open > 0 {
                ", the last look: they are inconclusive"
            } else {
                ""
            };
            eprintln!("look at {done} rounds ({elapsed:.0} s): {open} undecided{end}");
        }
        if last {
            for (i, (bench_id, (b, n))) in chosen.iter().zip(&times).enumerate() {
                if rows[i].is_none() {
                    rows[i] = Some(
                        paired::judge_times(&bench_id.1, b, n, gate.threshold, &plan)
                            .map_err(|e| usage(format!("`{}`: {e}", printable(&bench_id.1))))?,
                    );
                }
            }
        }
        if rows.iter().all(Option::is_some) {
            break;
        }
    }
    if tty {
        eprintln!("\r\x1b[K");
    }
    let steal_pct = match (jiffies, cpu_jiffies()) {
        (Some((s0, t0)), Some((s1, t1))) if t1 > t0 => {
            Some(100.0 * s1.saturating_sub(s0) as f64 / (t1 - t0) as f64)
        }
        _ => None,
    };
    Ok(AbReport {
        schema: AB_SCHEMA,
        base: base.label.clone(),
        new: new.label.clone(),
        rounds: plan.first,
        max_rounds: plan.max,
        looks: plan.looks(),
        confidence: plan.confidence(),
        threshold_pct: gate.threshold,
        rows: rows.into_iter().flatten().collect(),
        steal_pct,
        elapsed_s: t0.elapsed().as_secs_f64(),
    })
}

/// The regex of `--filter`, compiled before anything is built.
pub(super) fn compile_filter(f: Option<&str>) -> Result<Option<regex::Regex>, CliError> {
    f.map(|f| {
        regex::Regex::new(f).map_err(|e| usage(format!("--filter `{f}` is not a valid regex: {e}")))
    })
    .transpose()
}

/// The top of the repository the current directory is in.
pub(super) fn repo_root() -> Result<PathBuf, CliError> {
    let cwd = std::env::current_dir().map_err(|e| usage(format!("no working directory: {e}")))?;
    git(&cwd, &["rev-parse", "--show-toplevel"])
        .map(PathBuf::from)
        .map_err(|e| usage(format!("this runs inside a git repository: {e}")))
}

/// Runs the subcommand; `Ok` carries the exit status (see [`AbReport::exit_status`]).
pub fn run(a: AbArgs) -> Result<u8, CliError> {
    let gate = Gate::from_args(&a.gate)?;
    let filter = compile_filter(a.gate.filter.as_deref())?;
    let root = repo_root()?;
    super::signals::install();
    let cache = Cache::open()?;
    let mut base = export(&cache, &root, &a.base)?;
    let same = match &a.new {
        Some(rev) => commit_of(&root, rev)? == commit_of(&root, &a.base)?,
        None => false,
    };
    let mut new = match &a.new {
        // One commit on both sides: one export and build serve both (and its lock is held once).
        Some(rev) if same => Side {
            label: rev.clone(),
            dir: base.dir.clone(),
            target: base.target.clone(),
            criterion: base.criterion.clone(),
            bins: base.bins.clone(),
            benches: BTreeMap::new(),
            _lock: None,
        },
        Some(rev) => export(&cache, &root, rev)?,
        None => worktree(&root),
    };
    build(&mut base, &cache)?;
    if new.dir == base.dir {
        new.benches = base.benches.clone();
    } else {
        build(&mut new, &cache)?;
    }
    let chosen = select(list(&new)?, filter.as_ref())?;
    let report = measure(&base, &new, chosen, &gate)?;
    let text = match a.gate.format {
        Format::Json => serde_json::to_string_pretty(&report)
            .map_err(|e| usage(format!("cannot encode JSON: {e}")))?,
        f => printable(&render(&report, f == Format::Markdown)),
    };
    println!("{text}");
    Ok(report.exit_status())
}

/// A verdict in words.
pub(super) fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Slower => "slower",
        Verdict::Faster => "faster",
        Verdict::Same => "same",
        Verdict::Inconclusive => "inconclusive",
    }
}

/// The rows of a paired report as a table.
pub(super) fn rows_table(rows: &[PairedRow], md: bool) -> String {
    let head = [
        "benchmark",
        "new/base",
        "interval",
        "rounds",
        "detectable",
        "spread base/new",
        "verdict",
    ]
    .map(String::from);
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|x| {
            let spread = match (x.base_spread_pct, x.new_spread_pct) {
                (Some(b), Some(n)) => format!("{b:.1}%/{n:.1}%"),
                _ => "—".into(),
            };
            vec![
                x.id.clone(),
                format!("{:.3}", x.ratio),
                format!("{:.3}–{:.3}", x.lower, x.upper),
                x.rounds.to_string(),
                format!("±{:.1}%", x.detectable_pct),
                spread,
                verdict_word(x.verdict).into(),
            ]
        })
        .collect();
    table(md, &head, &body)
}

/// `weightinit ab`'s verdicts.
fn render(r: &AbReport, md: bool) -> String {
    let mut s = String::new();
    let h = if md { "### " } else { "" };
    let _ = writeln!(
        s,
        "{h}paired A/B: {} (base) against {} (new), threshold {}%\n",
        r.base, r.new, r.threshold_pct
    );
    s += &rows_table(&r.rows, md);
    let (slower, faster, same, inconclusive) = r.counts();
    let _ = writeln!(
        s,
        "\n{slower} slower, {faster} faster, {same} same, {inconclusive} inconclusive"
    );
    let _ = writeln!(
        s,
        "(median of the paired ratios; looks at {} rounds; each look's order-statistic interval at {:.2}%, {} looks by Bonferroni; detectable: the interval's half-width)",
        Plan {
            first: r.rounds,
            max: r.max_rounds
        }
        .looks_at()
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>()
        .join(", "),
        100.0 * r.confidence,
        r.looks
    );
    let _ = write!(
        s,
        "weather: {:.0} s of slices{}",
        r.elapsed_s,
        match r.steal_pct {
            Some(p) => format!(", {p:.1}% of CPU time stolen by the hypervisor"),
            None => String::new(),
        }
    );
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

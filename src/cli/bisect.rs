//! `weightinit bisect GOOD BAD`: the first commit that made the benchmarks slower.
//!
//! The first-parent commits after GOOD up to BAD are a line `c₁ … c_N`. The
//! paired gate of `ab` first confirms that BAD is slower than GOOD, and
//! keeps the benchmarks it slowed. Then each step builds the middle commit
//! of the open range and compares it with GOOD on those benchmarks: `slower`
//! makes it the new bad end, every benchmark decided not slower (its whole
//! interval below 1 + threshold) the new good end; a step's benchmarks stop
//! as soon as one of the two is decided. Each step compares with GOOD, not with the ends found
//! so far: the question is the *first* commit whose ratio to GOOD crosses
//! the threshold, so a later partial fix does not hide the culprit, and
//! every step is judged against one fixed reference. A commit that does not
//! build is skipped, as `git bisect skip` would, and a neighbour is tried;
//! a step that stays inconclusive within its rounds and budget ends the
//! search with the range it could not split. The builds reuse `ab`'s cache,
//! where revisions with the same `Cargo.lock` and flags share their
//! compiled dependencies, so a step costs one build of this crate.
use super::CliError;
use super::ab::{self, Gate, Side};
use super::args::{BisectArgs, Format};
use super::cache::Cache;
use super::table::{printable, table};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;
use weightinit::results::compare::Verdict;
use weightinit::results::paired::{
    self, AbReport, BISECT_SCHEMA, BisectReport, BisectStep, PairedRow,
};

/// The longest line of commits bisected.
const MAX_COMMITS: usize = 100_000;

fn usage(msg: impl std::fmt::Display) -> CliError {
    CliError::usage(msg)
}

/// The subject line of `sha`.
fn subject(root: &Path, sha: &str) -> String {
    ab::git(root, &["log", "-1", "--format=%s", sha]).unwrap_or_default()
}

/// Exports and builds `sha`; `Err` with the reason where it does not build.
fn built(cache: &Cache, root: &Path, sha: &str) -> Result<Result<Side, String>, CliError> {
    let mut side = ab::export(cache, root, sha)?;
    side.label = sha[..12.min(sha.len())].to_string();
    match ab::build(&mut side, cache) {
        Ok(()) => Ok(Ok(side)),
        Err(e) if e.code == 2 => Ok(Err(e.msg)),
        Err(e) => Err(e),
    }
}

/// The rows of `report` for the benchmarks in `ids`.
fn rows_of(report: AbReport, ids: &[(String, String)]) -> Vec<PairedRow> {
    report
        .rows
        .into_iter()
        .filter(|r| ids.iter().any(|(_, id)| *id == r.id))
        .collect()
}

/// Runs the subcommand.
pub fn run(a: BisectArgs) -> Result<u8, CliError> {
    let t0 = Instant::now();
    let gate = Gate::from_args(&a.gate)?;
    let filter = ab::compile_filter(a.gate.filter.as_deref())?;
    let root = ab::repo_root()?;
    let good = ab::commit_of(&root, &a.good)?;
    let bad = ab::commit_of(&root, &a.bad)?;
    if ab::git(&root, &["merge-base", "--is-ancestor", &good, &bad]).is_err() {
        return Err(usage(format!(
            "`{}` is not an ancestor of `{}`: bisect walks from GOOD to BAD",
            a.good, a.bad
        )));
    }
    let line: Vec<String> = ab::git(
        &root,
        &[
            "rev-list",
            "--first-parent",
            "--reverse",
            &format!("{good}..{bad}"),
        ],
    )
    .map_err(|e| usage(format!("cannot list the commits: {e}")))?
    .lines()
    .map(str::to_string)
    .collect();
    if line.is_empty() || line.last() != Some(&bad) {
        return Err(usage(format!(
            "`{}` is not on the first-parent line after `{}`",
            a.bad, a.good
        )));
    }
    if line.len() > MAX_COMMITS {
        return Err(usage(format!(
            "{} commits between GOOD and BAD; at most {MAX_COMMITS}",
            line.len()
        )));
    }
    super::signals::install();
    let cache = Cache::open()?;
    let good_side = built(&cache, &root, &good)?
        .map_err(|e| usage(format!("GOOD `{}` does not build: {e}", a.good)))?;
    let bad_side = built(&cache, &root, &bad)?
        .map_err(|e| usage(format!("BAD `{}` does not build: {e}", a.bad)))?;
    let mut builds = 2;
    let chosen = ab::select(ab::list(&bad_side)?, filter.as_ref())?;
    eprintln!(
        "bisect: confirming that {} is slower than {}",
        a.bad, a.good
    );
    let confirm = ab::measure(&good_side, &bad_side, chosen.clone(), &gate)?;
    drop(bad_side);
    let slowed: Vec<(String, String)> = chosen
        .into_iter()
        .filter(|(_, id)| {
            confirm
                .rows
                .iter()
                .any(|r| r.id == *id && r.verdict == Verdict::Slower)
        })
        .collect();
    let mut report = BisectReport {
        schema: BISECT_SCHEMA,
        good: a.good.clone(),
        bad: a.bad.clone(),
        commits: line.len(),
        threshold_pct: gate.threshold,
        steps: vec![BisectStep {
            commit: bad.clone(),
            subject: subject(&root, &bad),
            verdict: Some(paired::step_verdict(&confirm.rows, gate.threshold)),
            skipped: None,
            rows: confirm.rows.clone(),
        }],
        first_bad: None,
        first_bad_vs_parent: Vec::new(),
        range: Vec::new(),
        builds,
        elapsed_s: 0.0,
    };
    let status = if slowed.is_empty() {
        if confirm.inconclusive() { 3 } else { 0 }
    } else {
        // Indices into [GOOD, c₁ … c_N]: `lo` is known good, `hi` known bad.
        let (mut lo, mut hi) = (0usize, line.len());
        let mut skipped = vec![false; line.len() + 1];
        let commit = |i: usize| &line[i - 1];
        let mut stuck = false;
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            // The middle, else its nearest untried neighbours inside the range.
            let Some(m) = (0..hi - lo)
                .flat_map(|d| [mid + d, mid.wrapping_sub(d)])
                .find(|&m| m > lo && m < hi && !skipped[m])
            else {
                break;
            };
            let sha = commit(m).clone();
            let step_subject = subject(&root, &sha);
            let side = match built(&cache, &root, &sha)? {
                Ok(side) => side,
                Err(why) => {
                    eprintln!("bisect: {} does not build; skipped", &sha[..12]);
                    skipped[m] = true;
                    report.steps.push(BisectStep {
                        commit: sha,
                        subject: step_subject,
                        verdict: None,
                        skipped: Some(why.lines().next().unwrap_or("").to_string()),
                        rows: Vec::new(),
                    });
                    continue;
                }
            };
            builds += 1;
            eprintln!(
                "bisect: {} against {} ({} commits left)",
                &sha[..12],
                a.good,
                hi - lo - 1
            );
            let step_gate = Gate {
                one_sided: true,
                ..gate
            };
            let rows = rows_of(
                ab::measure(&good_side, &side, slowed.clone(), &step_gate)?,
                &slowed,
            );
            let verdict = paired::step_verdict(&rows, gate.threshold);
            report.steps.push(BisectStep {
                commit: sha,
                subject: step_subject,
                verdict: Some(verdict),
                skipped: None,
                rows,
            });
            match verdict {
                Verdict::Slower => hi = m,
                Verdict::Same | Verdict::Faster => lo = m,
                Verdict::Inconclusive => {
                    stuck = true;
                    break;
                }
            }
        }
        if hi - lo == 1 && !stuck {
            let culprit = commit(hi).clone();
            let parent = if hi == 1 {
                good.clone()
            } else {
                commit(hi - 1).clone()
            };
            // The culprit against its parent: the size of its own step.
            let parent_side = built(&cache, &root, &parent)?
                .map_err(|e| usage(format!("the parent of the culprit does not build: {e}")))?;
            let culprit_side = built(&cache, &root, &culprit)?
                .map_err(|e| usage(format!("the culprit does not build: {e}")))?;
            eprintln!("bisect: {} against its parent", &culprit[..12]);
            report.first_bad_vs_parent = rows_of(
                ab::measure(&parent_side, &culprit_side, slowed.clone(), &gate)?,
                &slowed,
            );
            report.first_bad = Some(culprit);
            0
        } else {
            report.range = ((lo + 1)..=hi).map(|i| commit(i).clone()).collect();
            3
        }
    };
    report.builds = builds;
    report.elapsed_s = t0.elapsed().as_secs_f64();
    let text = match a.gate.format {
        Format::Json => serde_json::to_string_pretty(&report)
            .map_err(|e| usage(format!("cannot encode JSON: {e}")))?,
        f => printable(&render(
            &report,
            slowed_ids(&report).is_empty(),
            f == Format::Markdown,
        )),
    };
    println!("{text}");
    Ok(status)
}

/// The benchmarks the confirmation found slower.
fn slowed_ids(r: &BisectReport) -> Vec<&str> {
    r.steps
        .first()
        .map(|s| {
            s.rows
                .iter()
                .filter(|x| x.verdict == Verdict::Slower)
                .map(|x| x.id.as_str())
                .collect()
        })
        .unwrap_or_default()
}

/// The worst (largest) ratio of a step's rows.
fn worst(rows: &[PairedRow]) -> Option<&PairedRow> {
    rows.iter().max_by(|a, b| a.ratio.total_cmp(&b.ratio))
}

fn render(r: &BisectReport, nothing: bool, md: bool) -> String {
    let mut s = String::new();
    let h = if md { "### " } else { "" };
    let _ = writeln!(
        s,
        "{h}bisect: {} (good) to {} (bad), {} first-parent commits, threshold {}%\n",
        r.good, r.bad, r.commits, r.threshold_pct
    );
    if nothing {
        let _ = writeln!(
            s,
            "{}",
            if r.steps[0]
                .rows
                .iter()
                .any(|x| x.verdict == Verdict::Inconclusive)
            {
                "could not confirm a regression: BAD against GOOD is inconclusive"
            } else {
                "no regression to bisect: no benchmark of BAD is slower than GOOD"
            }
        );
        s += &ab::rows_table(&r.steps[0].rows, md);
        return s;
    }
    let head = [
        "step",
        "commit",
        "subject",
        "worst ratio",
        "interval",
        "rounds",
        "verdict",
    ]
    .map(String::from);
    let body: Vec<Vec<String>> = r
        .steps
        .iter()
        .enumerate()
        .map(|(i, st)| {
            let w = worst(&st.rows);
            vec![
                if i == 0 {
                    "confirm".into()
                } else {
                    i.to_string()
                },
                st.commit.chars().take(12).collect(),
                st.subject.chars().take(48).collect(),
                w.map_or("—".into(), |w| format!("{:.3} ({})", w.ratio, w.id)),
                w.map_or("—".into(), |w| format!("{:.3}–{:.3}", w.lower, w.upper)),
                w.map_or("—".into(), |w| w.rounds.to_string()),
                match (&st.verdict, &st.skipped) {
                    (Some(v), _) => ab::verdict_word(*v).into(),
                    (None, _) => "skipped (does not build)".into(),
                },
            ]
        })
        .collect();
    s += &table(md, &head, &body);
    match &r.first_bad {
        Some(c) => {
            let _ = writeln!(s, "\nfirst bad commit: {c}");
            let _ = writeln!(s, "against its parent:");
            s += &ab::rows_table(&r.first_bad_vs_parent, md);
        }
        None => {
            let _ = writeln!(
                s,
                "\nno single culprit: the first bad commit is one of {} (the last step was inconclusive or its neighbours did not build):",
                r.range.len()
            );
            for c in &r.range {
                let _ = writeln!(s, "  {c}");
            }
        }
    }
    let _ = write!(s, "\n{} builds, {:.0} s", r.builds, r.elapsed_s);
    s
}

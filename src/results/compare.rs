//! Comparing results files: regressions on one machine, or machines side by side.
//!
//! Two files of the same machine id are a *regression check*: per common
//! benchmark, `r = new/base` of the median time. Criterion's 95% interval
//! describes the samples of one run, but on a shared machine the time drifts
//! *between* runs by more than that, so a change must also exceed the
//! between-run noise. The *allowance* of a benchmark is the largest of the
//! threshold, the base file's spread and the new file's spread, where a
//! file's spread is `max/min − 1` of its runs' medians (a file made from
//! several runs, `report --baseline A --baseline B …`), and a file of a
//! single run counts as [`SINGLE_RUN_ALLOWANCE_PCT`]. The verdict is
//! `slower` when `r > 1 + allowance`, `faster` when `r < 1/(1 + allowance)`,
//! each only when the two 95% intervals of the median are disjoint too;
//! otherwise `same`. For a verdict that holds on a noisy machine, pair the
//! runs instead: `weightinit ab` ([`super::paired`]). A critcmp export has no
//! fingerprint: with one, two files are taken to be of one machine. Anything else is a *cross-machine* table of throughputs, speedups
//! and fractions of each machine's own ceiling, with the fingerprint fields
//! that differ. Benchmarks present in only some files are listed.
#![forbid(unsafe_code)]

use super::suite::{self, LeftOut};
use super::{BenchResult, ResultsError, ResultsFile};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// The between-run allowance, in percent, assumed for a file that holds a
/// single run of the suite. Two full single runs of the same code on one
/// shared 2-core host (AMD Zen 4) moved single benchmarks by up to 47% (8 of
/// 96 by more than 30%, none by 50%). So a single run tells a 2× change
/// from the weather, but not a 1.5× one: for that, merge runs
/// (`report --baseline A --baseline B`) or pair them (`weightinit ab`).
pub const SINGLE_RUN_ALLOWANCE_PCT: f64 = 50.0;

/// A regression verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Significantly less time.
    Faster,
    /// Significantly more time.
    Slower,
    /// Within the threshold, or intervals overlap.
    Same,
    /// Not decided within the budget (paired runs only): the interval still
    /// straddles a threshold.
    Inconclusive,
}

/// One row of a regression check.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChangeRow {
    /// Benchmark ID.
    pub id: String,
    /// Base median, ns.
    pub base_ns: f64,
    /// New median, ns.
    pub new_ns: f64,
    /// Time change in percent (positive = slower).
    pub change_pct: f64,
    /// Whether the intervals overlap.
    pub intervals_overlap: bool,
    /// The allowance for between-run noise, percent (see the module doc).
    pub allowance_pct: f64,
    /// Whether the allowance was measured (both files hold several runs)
    /// rather than assumed for a single run.
    pub allowance_measured: bool,
    /// The verdict.
    pub verdict: Verdict,
}

/// One machine's figures for a benchmark.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cell {
    /// Median, ns.
    pub median_ns: f64,
    /// Throughput value and unit.
    pub throughput: Option<(f64, String)>,
    /// Speedup over naive.
    pub speedup_vs_naive: Option<f64>,
    /// Fraction of the machine's ceiling.
    pub fraction_of_ceiling: Option<f64>,
}

/// One row of a cross-machine table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MachineRow {
    /// Benchmark ID.
    pub id: String,
    /// One cell per file (None where the file lacks the benchmark).
    pub cells: Vec<Option<Cell>>,
}

/// One area of the suite across machines.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AreaSummary {
    /// `samplers`, `gemm`, `activations`, `experiment` or `orthogonal`.
    pub area: String,
    /// The area's benchmarks that every file holds.
    pub benchmarks: usize,
    /// Per file: the geometric mean, over those benchmarks, of the first
    /// file's time over this file's (throughput relative to the first file).
    pub speed_vs_first: Vec<f64>,
    /// Per file: the geometric mean of the fraction of the machine's own
    /// ceiling, over the benchmarks that have one (each capped at 1: a
    /// share above 1 means the ceiling was measured in other weather).
    pub share_of_ceiling: Vec<Option<f64>>,
}

/// The area of a benchmark group, for the cross-machine summary.
pub(crate) fn area_of(group: &str) -> Option<&'static str> {
    Some(match group {
        "uniform_f32" | "normal_f32" | "trunc_normal_f32" | "rng_u32" | "fill_f32" => "samplers",
        "sgemm" | "sgemm_kernel" | "peak" => "gemm",
        "activation_f32" => "activations",
        "experiment" | "experiment_grid" | "layer" => "experiment",
        "orthogonal" => "orthogonal",
        "train" => "training",
        _ => return None,
    })
}

/// The areas in the order the summary lists them.
pub(crate) const AREAS: [&str; 6] = [
    "samplers",
    "gemm",
    "activations",
    "experiment",
    "orthogonal",
    "training",
];

fn geomean(xs: impl Iterator<Item = f64>) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0usize);
    for x in xs.filter(|x| x.is_finite() && *x > 0.0) {
        sum += x.ln();
        n += 1;
    }
    (n > 0).then(|| (sum / n as f64).exp())
}

/// The per-area summary of files of different machines.
fn summarize(files: &[(PathBuf, ResultsFile)], common: &BTreeSet<&String>) -> Vec<AreaSummary> {
    let first = &files[0].1;
    AREAS
        .iter()
        .filter_map(|area| {
            let ids: Vec<&String> = common
                .iter()
                .copied()
                .filter(|id| area_of(&first.benchmarks[*id].group) == Some(area))
                .collect();
            if ids.is_empty() {
                return None;
            }
            let speed_vs_first =
                files
                    .iter()
                    .map(|(_, f)| {
                        geomean(ids.iter().map(|id| {
                            first.benchmarks[*id].median_ns / f.benchmarks[*id].median_ns
                        }))
                        .unwrap_or(f64::NAN)
                    })
                    .collect();
            let share_of_ceiling =
                files
                    .iter()
                    .map(|(_, f)| {
                        geomean(ids.iter().filter_map(|id| {
                            f.benchmarks[*id].fraction_of_ceiling.map(|x| x.min(1.0))
                        }))
                    })
                    .collect();
            Some(AreaSummary {
                area: area.to_string(),
                benchmarks: ids.len(),
                speed_vs_first,
                share_of_ceiling,
            })
        })
        .collect()
}

/// The result of a comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Comparison {
    /// Two files of one machine.
    Regression {
        /// The machine id.
        machine_id: String,
        /// Threshold in percent.
        threshold_pct: f64,
        /// Common benchmarks.
        rows: Vec<ChangeRow>,
        /// IDs only in some file, by file.
        only_in: Vec<(String, Vec<String>)>,
        /// Whether a file without a fingerprint (a critcmp export) was taken
        /// to be of the same machine as the other.
        assumed_one_machine: bool,
        /// The suite versions: what was left out, and which files have none.
        suite: SuiteCheck,
    },
    /// Files of different machines.
    Machines {
        /// A label per file (machine id).
        labels: Vec<String>,
        /// Fingerprint fields that differ from the first file: (label, field, first, this).
        differences: Vec<(String, String, String, String)>,
        /// One row per area, geometric means over its common benchmarks.
        summary: Vec<AreaSummary>,
        /// Every benchmark of any file.
        rows: Vec<MachineRow>,
        /// IDs only in some file, by file.
        only_in: Vec<(String, Vec<String>)>,
        /// The suite versions: what was left out, and which files have none.
        suite: SuiteCheck,
    },
}

/// How the files' suite versions ([`super::suite`]) shaped a comparison.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SuiteCheck {
    /// Each file's suite version (`None`: a file older than schema 3).
    pub versions: Vec<Option<String>>,
    /// Benchmarks every file holds but whose definitions differ: not compared.
    pub left_out: Vec<LeftOut>,
    /// The files without definitions (path and schema): their benchmarks
    /// were matched by ID alone.
    pub unversioned: Vec<(String, u32)>,
}

impl SuiteCheck {
    /// Whether every file has the same suite version.
    pub fn one_version(&self) -> bool {
        self.versions
            .iter()
            .all(|v| v.is_some() && *v == self.versions[0])
    }
}

impl Comparison {
    /// How the suite versions shaped the comparison.
    pub fn suite(&self) -> &SuiteCheck {
        match self {
            Comparison::Regression { suite, .. } | Comparison::Machines { suite, .. } => suite,
        }
    }

    /// Whether a regression check found anything slower.
    pub fn regressed(&self) -> bool {
        matches!(self, Comparison::Regression { rows, .. } if rows.iter().any(|r| r.verdict == Verdict::Slower))
    }
}

fn overlap(a: [f64; 2], b: [f64; 2]) -> bool {
    a[0] <= b[1] && b[0] <= a[1]
}

/// A file's between-run noise for one benchmark, percent, and whether it
/// was measured.
fn noise_pct(b: &BenchResult) -> (f64, bool) {
    match b.spread() {
        Some(s) => (100.0 * s, true),
        None => (SINGLE_RUN_ALLOWANCE_PCT, false),
    }
}

/// The verdict rule of the module doc.
pub(crate) fn judge(base: &BenchResult, new: &BenchResult, threshold_pct: f64) -> ChangeRow {
    let r = new.median_ns / base.median_ns;
    let change_pct = (r - 1.0) * 100.0;
    let intervals_overlap = overlap(base.median_ci_ns, new.median_ci_ns);
    let ((nb, mb), (nn, mn)) = (noise_pct(base), noise_pct(new));
    let allowance_pct = threshold_pct.max(nb).max(nn);
    let a = allowance_pct / 100.0;
    let verdict = if intervals_overlap {
        Verdict::Same
    } else if r > 1.0 + a {
        Verdict::Slower
    } else if r < 1.0 / (1.0 + a) {
        Verdict::Faster
    } else {
        Verdict::Same
    };
    ChangeRow {
        id: String::new(),
        base_ns: base.median_ns,
        new_ns: new.median_ns,
        change_pct,
        intervals_overlap,
        allowance_pct,
        allowance_measured: mb && mn,
        verdict,
    }
}

/// The benchmarks every file holds whose definitions match, and how the
/// suite versions shaped that; `strict` refuses files of different (or
/// unknown) suite versions.
pub(crate) fn common_benchmarks(
    files: &[(PathBuf, ResultsFile)],
    strict: bool,
) -> Result<(BTreeSet<&String>, SuiteCheck), ResultsError> {
    let ids: Vec<BTreeSet<&String>> = files
        .iter()
        .map(|(_, f)| f.benchmarks.keys().collect())
        .collect();
    let shared: BTreeSet<&String> = ids.iter().skip(1).fold(ids[0].clone(), |acc, s| {
        acc.intersection(s).copied().collect()
    });
    let maps: Vec<&BTreeMap<String, BenchResult>> =
        files.iter().map(|(_, f)| &f.benchmarks).collect();
    let (keep, left_out) = suite::matching(&maps, shared.iter().copied());
    let check = SuiteCheck {
        versions: files
            .iter()
            .map(|(_, f)| f.suite.as_ref().map(|s| s.version.clone()))
            .collect(),
        left_out,
        unversioned: files
            .iter()
            .filter(|(_, f)| f.suite.is_none())
            .map(|(p, f)| (p.display().to_string(), f.schema))
            .collect(),
    };
    if strict && !check.one_version() {
        let names: Vec<String> = files
            .iter()
            .zip(&check.versions)
            .map(|((p, f), v)| match v {
                Some(v) => format!("`{}` is suite {v}", p.display()),
                None => format!(
                    "`{}` (schema {}) has no suite version",
                    p.display(),
                    f.schema
                ),
            })
            .collect();
        return Err(ResultsError::Suite(format!(
            "--strict: the files are not of one suite version ({}); {} of their {} shared benchmarks differ in definition",
            names.join(", "),
            check.left_out.len(),
            shared.len()
        )));
    }
    Ok((keep.into_iter().collect(), check))
}

/// Compares loaded files (path, contents): the benchmarks every file holds
/// with one definition (`common_benchmarks`).
pub fn compare(
    files: &[(PathBuf, ResultsFile)],
    threshold_pct: f64,
    strict: bool,
) -> Result<Comparison, ResultsError> {
    let ids: Vec<BTreeSet<&String>> = files
        .iter()
        .map(|(_, f)| f.benchmarks.keys().collect())
        .collect();
    let (common, suite) = common_benchmarks(files, strict)?;
    if common.is_empty() {
        return Err(ResultsError::NoCommon(
            files.iter().map(|(p, _)| p.clone()).collect(),
        ));
    }
    let only_in: Vec<(String, Vec<String>)> = files
        .iter()
        .zip(&ids)
        .map(|((p, _), s)| {
            (
                p.display().to_string(),
                s.iter()
                    .filter(|i| {
                        !common.contains(*i) && !suite.left_out.iter().any(|l| &l.id == **i)
                    })
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let imported = files.iter().any(|(_, f)| f.imported_from.is_some());
    if files.len() == 2
        && (imported
            || (files[0].1.machine_id == files[1].1.machine_id
                && files[0].1.machine.same_cpu(&files[1].1.machine)))
    {
        let (base, new) = (&files[0].1, &files[1].1);
        let rows = common
            .iter()
            .map(|id| ChangeRow {
                id: id.to_string(),
                ..judge(&base.benchmarks[*id], &new.benchmarks[*id], threshold_pct)
            })
            .collect();
        return Ok(Comparison::Regression {
            machine_id: base.machine_id.clone(),
            threshold_pct,
            rows,
            only_in,
            assumed_one_machine: imported,
            suite,
        });
    }
    let labels: Vec<String> = files.iter().map(|(_, f)| f.machine_id.clone()).collect();
    let first = &files[0].1.machine;
    let differences = files
        .iter()
        .skip(1)
        .flat_map(|(_, f)| {
            first
                .differences(&f.machine)
                .into_iter()
                .map(move |(k, a, b)| (f.machine_id.clone(), k.to_string(), a, b))
        })
        .collect();
    let all: BTreeSet<&String> = ids.iter().flatten().copied().collect();
    let rows = all
        .iter()
        .map(|id| MachineRow {
            id: id.to_string(),
            cells: files
                .iter()
                .map(|(_, f)| {
                    f.benchmarks.get(*id).map(|b| Cell {
                        median_ns: b.median_ns,
                        throughput: b.throughput.as_ref().map(|t| (t.value, t.unit.clone())),
                        speedup_vs_naive: b.speedup_vs_naive,
                        fraction_of_ceiling: b.fraction_of_ceiling,
                    })
                })
                .collect(),
        })
        .collect();
    Ok(Comparison::Machines {
        labels,
        differences,
        summary: summarize(files, &common),
        rows,
        only_in,
        suite,
    })
}

//! A machine's score with a 95% interval, SPEC-style: per area and overall,
//! the geometric mean of the speed ratios to a reference machine.
//!
//! For each benchmark that the file and the reference both hold with one
//! definition ([`super::suite`]), the speed ratio is `ρᵢ = t_ref,i / tᵢ`.
//! An area's score is the geometric mean of its `ρᵢ`; the overall score is
//! the geometric mean of the area scores (each area weighs the same, however
//! many benchmarks it has), as SPEC CPU's score is the geometric mean of its
//! benchmarks' ratios to a pinned reference machine. The reference scores
//! 1.00 by definition.
//!
//! **The interval** (delta method, on logs). A time's uncertainty is its
//! file's between-run spread: where a file merges `R ≥ 2` runs of the suite,
//! the standard error of the log of the median run is `1.2533·s/√R`, with
//! `s` the standard deviation of the runs' log medians (1.2533 = √(π/2), the
//! median's large-sample efficiency). A single-run file has no measured
//! spread: it gets the between-run allowance `compare` uses
//! ([`SINGLE_RUN_ALLOWANCE_PCT`]), taken as the half-width of a 95% interval
//! (`se = ln(1 + A)/1.96`), and the output says so. A ratio's standard error
//! is `√(se_ref² + se²)`. An area's log score is the mean of its log ratios,
//! and its standard error is bounded by the mean of theirs, a bound that
//! holds whatever the correlation between benchmarks (a whole run slowed by
//! the weather moves all of them at once). The interval is `exp(m ± 1.96·se)`:
//! conservative where the benchmarks' errors are independent.
#![forbid(unsafe_code)]

use super::compare::{AREAS, SINGLE_RUN_ALLOWANCE_PCT, SuiteCheck, area_of, common_benchmarks};
use super::{BenchResult, ResultsError, ResultsFile};
use serde::Serialize;
use std::path::PathBuf;

/// The normal quantile of a two-sided 95% interval.
const Z95: f64 = 1.959_964;

/// One score with its interval.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Score {
    /// The geometric mean of the speed ratios.
    pub score: f64,
    /// The interval's lower end.
    pub lower: f64,
    /// The interval's upper end.
    pub upper: f64,
    /// Benchmarks that went into it.
    pub benchmarks: usize,
}

/// One area's score.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AreaScore {
    /// `samplers`, `gemm`, …
    pub area: String,
    /// The score.
    #[serde(flatten)]
    pub score: Score,
}

/// One machine's scores against the reference.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MachineScore {
    /// The file.
    pub file: String,
    /// Its machine id.
    pub machine_id: String,
    /// Whether this file is the reference.
    pub reference: bool,
    /// Runs the file merges (1: a single run, scored with the allowance).
    pub runs: usize,
    /// Per area, in `AREAS`' order (areas it shares with the reference).
    pub areas: Vec<AreaScore>,
    /// The geometric mean of the area scores.
    pub overall: Score,
    /// What the suite versions left out of this comparison.
    pub suite: SuiteCheck,
}

/// Every machine's scores.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scores {
    /// Always 1.
    pub schema: u32,
    /// The reference file and its machine id.
    pub reference: String,
    /// Its machine id.
    pub reference_machine: String,
    /// How the intervals were made, in words.
    pub method: String,
    /// One per file, in the order given.
    pub machines: Vec<MachineScore>,
}

/// The standard error of the log of a benchmark's time, and whether it was
/// measured (several runs) rather than allowed for (one run).
pub fn log_se(b: &BenchResult) -> (f64, bool) {
    let r = &b.runs_median_ns;
    if r.len() >= 2 {
        let logs: Vec<f64> = r.iter().map(|x| x.ln()).collect();
        let n = logs.len() as f64;
        let mean = logs.iter().sum::<f64>() / n;
        let var = logs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (1.2533 * var.sqrt() / n.sqrt(), true)
    } else {
        ((1.0 + SINGLE_RUN_ALLOWANCE_PCT / 100.0).ln() / Z95, false)
    }
}

/// `exp(m ± z·se)` as a [`Score`].
fn interval(m: f64, se: f64, benchmarks: usize) -> Score {
    Score {
        score: m.exp(),
        lower: (m - Z95 * se).exp(),
        upper: (m + Z95 * se).exp(),
        benchmarks,
    }
}

/// Scores every file against `reference` (which may be one of them).
pub fn score(
    reference: &(PathBuf, ResultsFile),
    files: &[(PathBuf, ResultsFile)],
    strict: bool,
) -> Result<Scores, ResultsError> {
    let mut machines = Vec::with_capacity(files.len());
    for (path, f) in files {
        let is_ref = path == &reference.0 || f == &reference.1;
        let pair = [reference.clone(), (path.clone(), f.clone())];
        let (ids, suite) = common_benchmarks(&pair, strict)?;
        if ids.is_empty() {
            return Err(ResultsError::NoCommon(vec![
                reference.0.clone(),
                path.clone(),
            ]));
        }
        let mut areas = Vec::new();
        for area in AREAS {
            let (mut sum, mut se_sum, mut n) = (0.0, 0.0, 0usize);
            for id in &ids {
                let (rb, b) = (&reference.1.benchmarks[*id], &f.benchmarks[*id]);
                if area_of(&rb.group) != Some(area) {
                    continue;
                }
                sum += (rb.median_ns / b.median_ns).ln();
                let se = if is_ref {
                    0.0
                } else {
                    (log_se(rb).0.powi(2) + log_se(b).0.powi(2)).sqrt()
                };
                se_sum += se;
                n += 1;
            }
            if n > 0 {
                areas.push(AreaScore {
                    area: area.to_string(),
                    score: interval(sum / n as f64, se_sum / n as f64, n),
                });
            }
        }
        let k = areas.len() as f64;
        let m = areas.iter().map(|a| a.score.score.ln()).sum::<f64>() / k;
        let se = areas
            .iter()
            .map(|a| (a.score.upper.ln() - a.score.lower.ln()) / (2.0 * Z95))
            .sum::<f64>()
            / k;
        let runs = f
            .benchmarks
            .values()
            .map(|b| b.runs_median_ns.len().max(1))
            .max()
            .unwrap_or(1);
        machines.push(MachineScore {
            file: path.display().to_string(),
            machine_id: f.machine_id.clone(),
            reference: is_ref,
            runs,
            overall: interval(m, se, ids.len()),
            areas,
            suite,
        });
    }
    Ok(Scores {
        schema: 1,
        reference: reference.0.display().to_string(),
        reference_machine: reference.1.machine_id.clone(),
        method: format!(
            "geometric mean of speed ratios to the reference; 95% interval by the delta method on logs, \
             from each file's between-run spread (a single-run file: a {SINGLE_RUN_ALLOWANCE_PCT}% allowance), \
             an area's error bounded by the mean of its benchmarks'"
        ),
        machines,
    })
}

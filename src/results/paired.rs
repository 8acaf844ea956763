//! Paired A/B verdicts: the statistics of `weightinit ab`.
//!
//! On a shared machine the time of one benchmark drifts between runs (other
//! tenants, clock, cache state) by more than criterion's interval of one run
//! says. Two builds timed minutes apart are timed in different weather. So
//! `ab` runs the two sides in short adjacent slices, in the order A B, B A,
//! A B, … (one *round* per pair, the order flipping each round so that a
//! trend within a round cancels), and judges each benchmark on its `N`
//! paired ratios `rᵢ = new_timeᵢ / base_timeᵢ`: the weather of a round
//! slows both sides of its pair alike, and drops out of the ratio.
//!
//! * **Estimate:** the median of the `rᵢ`.
//! * **Interval:** the distribution-free order-statistic interval of the
//!   median, `[r₍ₖ₎, r₍ₙ₋ₖ₊₁₎]` with the largest `k` whose coverage
//!   `1 − 2·P(Bin(N, ½) ≤ k − 1)` is at least 95% (Hahn & Meeker,
//!   *Statistical Intervals*, 1991, §5.2). It assumes only that the pairs
//!   are independent draws of one ratio distribution, not that it is normal,
//!   so a slice hit by a burst of load moves it by one rank, not by its size.
//!   It needs `N ≥ 6` (coverage 96.9%; 10 pairs: `[r₍₂₎, r₍₉₎]`, 97.9%).
//! * **Verdict:** `slower` when the whole interval lies above `1 + t`,
//!   `faster` when it lies below `1 − t`, `same` otherwise (`t` the
//!   threshold, 5% by default).
//!
//! Tango.rs (the `tango-bench` crate) pairs two builds iteration by iteration
//! inside one process; criterion's binaries are separate processes, so the
//! pairing here is per slice: each slice is one short criterion run of one
//! benchmark (`--warm-up-time`, `--measurement-time`), whose median time is
//! one side of a pair.
#![forbid(unsafe_code)]

use super::compare::Verdict;
use serde::{Deserialize, Serialize};

/// The schema of [`AbReport`]'s JSON.
pub const AB_SCHEMA: u32 = 1;

/// The interval's nominal confidence.
pub const CONFIDENCE: f64 = 0.95;

/// The fewest pairs for which an order-statistic interval reaches [`CONFIDENCE`].
pub const MIN_PAIRS: usize = 6;

/// Paired ratios could not be judged.
#[derive(Debug, Clone, PartialEq)]
pub enum PairedError {
    /// Fewer than [`MIN_PAIRS`] pairs.
    TooFewPairs(usize),
    /// A time or ratio that is not a finite positive number.
    BadTime(f64),
    /// A threshold that is not a finite percentage in `[0, 100)`.
    BadThreshold(f64),
}

impl core::fmt::Display for PairedError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PairedError::TooFewPairs(n) => write!(
                f,
                "rounds must be at least {MIN_PAIRS} for a 95% interval of the median ratio, got {n}"
            ),
            PairedError::BadTime(x) => write!(f, "time must be a finite positive number, got {x}"),
            PairedError::BadThreshold(t) => {
                write!(f, "threshold must be a percentage in [0, 100), got {t}")
            }
        }
    }
}

impl std::error::Error for PairedError {}

/// One benchmark's paired verdict (a row of `ab`'s JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairedRow {
    /// Benchmark ID, `group/impl/size`.
    pub id: String,
    /// Median of the paired ratios `new / base` (above 1: slower).
    pub ratio: f64,
    /// Lower end of the 95% interval of the median ratio.
    pub lower: f64,
    /// Upper end of that interval.
    pub upper: f64,
    /// The verdict.
    pub verdict: Verdict,
}

/// The whole of an `ab` run, as its JSON output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AbReport {
    /// Always [`AB_SCHEMA`].
    pub schema: u32,
    /// The base revision as given.
    pub base: String,
    /// The new revision as given (`worktree` for the working tree).
    pub new: String,
    /// Pairs per benchmark.
    pub rounds: usize,
    /// The threshold, percent.
    pub threshold_pct: f64,
    /// One row per benchmark, in the order run.
    pub rows: Vec<PairedRow>,
}

impl AbReport {
    /// Whether any benchmark is slower.
    pub fn regressed(&self) -> bool {
        self.rows.iter().any(|r| r.verdict == Verdict::Slower)
    }

    /// How many rows are slower, faster and the same.
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |v: Verdict| self.rows.iter().filter(|r| r.verdict == v).count();
        (n(Verdict::Slower), n(Verdict::Faster), n(Verdict::Same))
    }
}

/// A threshold must be a finite percentage in `[0, 100)`.
pub fn check_threshold(threshold_pct: f64) -> Result<(), PairedError> {
    if threshold_pct.is_finite() && (0.0..100.0).contains(&threshold_pct) {
        Ok(())
    } else {
        Err(PairedError::BadThreshold(threshold_pct))
    }
}

/// The median of a non-empty sorted slice.
fn median_sorted(s: &[f64]) -> f64 {
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        0.5 * (s[n / 2 - 1] + s[n / 2])
    }
}

/// `P(Bin(n, ½) ≤ j)`.
fn binomial_half_cdf(n: usize, j: usize) -> f64 {
    // C(n, i) / 2ⁿ term by term, in f64: exact enough for any n a run takes.
    let mut term = 0.5f64.powi(n as i32);
    let mut sum = 0.0;
    for i in 0..=j.min(n) {
        sum += term;
        term *= (n - i) as f64 / (i + 1) as f64;
    }
    sum
}

/// The 1-based rank `k` of the interval `[x₍ₖ₎, x₍ₙ₋ₖ₊₁₎]` and its coverage:
/// the largest `k` whose coverage is at least [`CONFIDENCE`].
pub fn interval_rank(n: usize) -> Result<(usize, f64), PairedError> {
    if n < MIN_PAIRS {
        return Err(PairedError::TooFewPairs(n));
    }
    let coverage = |k: usize| 1.0 - 2.0 * binomial_half_cdf(n, k - 1);
    let mut k = 1;
    while k < n / 2 && coverage(k + 1) >= CONFIDENCE {
        k += 1;
    }
    Ok((k, coverage(k)))
}

/// Judges one benchmark on its paired ratios `new / base` (the module doc's
/// rule); `threshold_pct` is `t` in percent.
pub fn judge(id: &str, ratios: &[f64], threshold_pct: f64) -> Result<PairedRow, PairedError> {
    check_threshold(threshold_pct)?;
    if let Some(&bad) = ratios.iter().find(|r| !(r.is_finite() && **r > 0.0)) {
        return Err(PairedError::BadTime(bad));
    }
    let (k, _) = interval_rank(ratios.len())?;
    let mut s = ratios.to_vec();
    s.sort_by(f64::total_cmp);
    let (lower, upper) = (s[k - 1], s[s.len() - k]);
    let t = threshold_pct / 100.0;
    let verdict = if lower > 1.0 + t {
        Verdict::Slower
    } else if upper < 1.0 - t {
        Verdict::Faster
    } else {
        Verdict::Same
    };
    Ok(PairedRow {
        id: id.to_string(),
        ratio: median_sorted(&s),
        lower,
        upper,
        verdict,
    })
}

/// The paired ratios of two equally long series of times, pair by pair.
pub fn ratios(base_ns: &[f64], new_ns: &[f64]) -> Result<Vec<f64>, PairedError> {
    base_ns
        .iter()
        .zip(new_ns)
        .map(|(&b, &n)| {
            for x in [b, n] {
                if !(x.is_finite() && x > 0.0) {
                    return Err(PairedError::BadTime(x));
                }
            }
            Ok(n / b)
        })
        .collect()
}

/// Whether round `r` (from 0) runs the base side first: A B, B A, A B, …
pub fn base_first(round: usize) -> bool {
    round % 2 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_and_coverage() {
        // n = 6: only the extremes, 1 − 2/64.
        assert_eq!(interval_rank(6).unwrap().0, 1);
        assert!((interval_rank(6).unwrap().1 - (1.0 - 2.0 / 64.0)).abs() < 1e-12);
        // n = 10: [x(2), x(9)], 1 − 2·11/1024 = 97.85%.
        let (k, c) = interval_rank(10).unwrap();
        assert_eq!(k, 2);
        assert!((c - (1.0 - 22.0 / 1024.0)).abs() < 1e-12);
        // Tabulated: n = 20 → k = 6 (95.9%), n = 30 → k = 10 (95.7%).
        assert_eq!(interval_rank(20).unwrap().0, 6);
        assert_eq!(interval_rank(30).unwrap().0, 10);
        assert_eq!(interval_rank(5), Err(PairedError::TooFewPairs(5)));
    }

    #[test]
    fn binomial_cdf_sums_to_one() {
        assert!((binomial_half_cdf(12, 12) - 1.0).abs() < 1e-12);
        assert!((binomial_half_cdf(4, 0) - 1.0 / 16.0).abs() < 1e-15);
        assert!((binomial_half_cdf(4, 1) - 5.0 / 16.0).abs() < 1e-15);
    }

    #[test]
    fn verdicts_follow_the_interval() {
        let slow = [1.2, 1.21, 1.19, 1.22, 1.18, 1.2, 1.2, 1.23, 1.17, 1.2];
        assert_eq!(judge("x", &slow, 5.0).unwrap().verdict, Verdict::Slower);
        let fast: Vec<f64> = slow.iter().map(|r| 1.0 / r).collect();
        assert_eq!(judge("x", &fast, 5.0).unwrap().verdict, Verdict::Faster);
        // 1.2 with two pairs at 1.0: the interval [r(2), r(9)] reaches 1.0.
        let mixed = [1.2, 1.0, 1.0, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2];
        let row = judge("x", &mixed, 5.0).unwrap();
        assert_eq!(
            (row.verdict, row.lower, row.ratio),
            (Verdict::Same, 1.0, 1.2)
        );
        // The threshold decides where the interval is clear of 1.
        assert_eq!(judge("x", &slow, 25.0).unwrap().verdict, Verdict::Same);
    }

    #[test]
    fn bad_input_is_named() {
        let ok = [1.0; 8];
        assert!(matches!(
            judge("x", &ok, f64::NAN),
            Err(PairedError::BadThreshold(t)) if t.is_nan()
        ));
        assert!(matches!(
            judge("x", &ok, -1.0),
            Err(PairedError::BadThreshold(_))
        ));
        assert!(matches!(
            ratios(&[1.0, 0.0], &[1.0, 1.0]),
            Err(PairedError::BadTime(0.0))
        ));
        assert!(judge("x", &[1.0, 1.0, f64::INFINITY, 1.0, 1.0, 1.0], 5.0).is_err());
    }
}

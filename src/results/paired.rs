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
//!   `faster` when it lies below `1 − t`, `same` when it lies wholly inside
//!   `[1 − t, 1 + t]` (`t` the threshold, 5% by default), and otherwise
//!   undecided: more rounds are run, and a benchmark still undecided when
//!   the rounds or the time budget run out is `inconclusive`. A gate then
//!   says that it could not tell, rather than calling a wide interval `same`.
//! * **Sequential looks:** a benchmark is judged at a fixed schedule of
//!   looks ([`Plan`]: after `first` pairs, then each look at 1.5 times the
//!   pairs of the one before, and at `max`), and stops at the first look
//!   that decides it. Looks grow geometrically so that a larger `max` costs
//!   few more of them (12 to 60 pairs: 12, 18, 27, 41, 60). So that looking
//!   several times does not inflate the error rate, each look's interval has
//!   confidence `1 − α/K` for the plan's `K` looks (Bonferroni): the chance
//!   that any look excludes the true median ratio stays below α = 5%.
//!   Stopping early (a decided benchmark, or the budget) only makes fewer
//!   looks, so the bound holds. The interval's half-width is the smallest
//!   change the run could have detected, reported per benchmark.
//!
//! Tango.rs (the `tango-bench` crate) pairs two builds iteration by iteration
//! inside one process; criterion's binaries are separate processes, so the
//! pairing here is per slice: each slice is one short criterion run of one
//! benchmark (`--warm-up-time`, `--measurement-time`), whose median time is
//! one side of a pair.
#![forbid(unsafe_code)]

use super::compare::Verdict;
use serde::{Deserialize, Serialize};

/// The schema of [`AbReport`]'s JSON (2: sequential looks, `inconclusive`,
/// rounds and detectable change per row, the run's weather).
pub const AB_SCHEMA: u32 = 2;

/// The chance, per benchmark, that any look's interval misses the true
/// median ratio.
pub const ALPHA: f64 = 0.05;

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
    /// A plan whose looks are out of order (`first`, `max`).
    BadPlan(usize, usize),
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
            PairedError::BadPlan(first, max) => write!(
                f,
                "max-rounds must be at least rounds ({first}) and at most {MAX_ROUNDS}, got {max}"
            ),
        }
    }
}

impl std::error::Error for PairedError {}

/// The most rounds a plan may take.
pub const MAX_ROUNDS: usize = 1000;

/// When a benchmark is judged: after `first` pairs, then at 1.5 times the
/// pairs of the look before, and at `max` (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Pairs at the first look.
    pub first: usize,
    /// Pairs at the last look.
    pub max: usize,
}

impl Plan {
    /// A plan, checked: `MIN_PAIRS ≤ first ≤ max ≤ MAX_ROUNDS`, and `first`
    /// pairs enough for the per-look confidence.
    pub fn new(first: usize, max: usize) -> Result<Plan, PairedError> {
        if first < MIN_PAIRS {
            return Err(PairedError::TooFewPairs(first));
        }
        if max < first || max > MAX_ROUNDS {
            return Err(PairedError::BadPlan(first, max));
        }
        let plan = Plan { first, max };
        interval_rank_at(first, plan.confidence())?;
        Ok(plan)
    }

    /// The pairs at each look, in order: `first`, then 1.5 times the look
    /// before while a quarter more pairs would still follow it before `max`,
    /// then `max` (a look a few pairs before the last costs confidence and
    /// decides little).
    pub fn looks_at(&self) -> Vec<usize> {
        let mut v = vec![self.first];
        let mut n = (self.first * 3).div_ceil(2);
        while 5 * n < 4 * self.max {
            v.push(n);
            n = (n * 3).div_ceil(2);
        }
        if self.max > self.first {
            v.push(self.max);
        }
        v
    }

    /// Whether `n` pairs make a look.
    pub fn is_look(&self, n: usize) -> bool {
        self.looks_at().contains(&n)
    }

    /// The look after `n` pairs, where there is one.
    pub fn next_look(&self, n: usize) -> Option<usize> {
        self.looks_at().into_iter().find(|&k| k > n)
    }

    /// The number of looks `K`.
    pub fn looks(&self) -> usize {
        self.looks_at().len()
    }

    /// Each look's confidence, `1 − α/K`.
    pub fn confidence(&self) -> f64 {
        1.0 - ALPHA / self.looks() as f64
    }

    /// This plan cut to the rounds a budget affords (as estimated from the
    /// first round's time): its last look at `affordable` rounds where that
    /// is fewer (never below [`MIN_PAIRS`]),
    /// and one look only where the first look's pairs cannot reach the
    /// confidence that several looks ask. Chosen from timings alone, before
    /// any ratio is seen, so the bound on the error rate holds.
    pub fn within(&self, affordable: usize) -> Plan {
        let max = self.max.min(affordable).max(MIN_PAIRS);
        let cut = Plan {
            first: self.first.min(max),
            max,
        };
        if interval_rank_at(cut.first, cut.confidence()).is_ok() {
            cut
        } else {
            Plan { first: max, max }
        }
    }
}

/// One benchmark's paired verdict (a row of `ab`'s JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairedRow {
    /// Benchmark ID, `group/impl/size`.
    pub id: String,
    /// Median of the paired ratios `new / base` (above 1: slower).
    pub ratio: f64,
    /// Lower end of the interval of the median ratio (the look's confidence).
    pub lower: f64,
    /// Upper end of that interval.
    pub upper: f64,
    /// The verdict.
    pub verdict: Verdict,
    /// Pairs measured.
    pub rounds: usize,
    /// The smallest change this run could have detected: the interval's
    /// half-width, percent.
    pub detectable_pct: f64,
    /// The spread of the base side's own slices: median absolute deviation
    /// over the median, percent (where the times are known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_spread_pct: Option<f64>,
    /// The same for the new side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_spread_pct: Option<f64>,
    /// The base side's slice times, ns, in the order of the rounds (where
    /// the times are known): the data the verdict was drawn from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub base_ns: Vec<f64>,
    /// The new side's slice times, ns, pair by pair with `base_ns`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub new_ns: Vec<f64>,
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
    /// Pairs at the first look.
    pub rounds: usize,
    /// Pairs at the last look at most.
    pub max_rounds: usize,
    /// Looks of the plan (`K`).
    pub looks: usize,
    /// Each look's confidence, `1 − α/K`.
    pub confidence: f64,
    /// The threshold, percent.
    pub threshold_pct: f64,
    /// One row per benchmark, in the order run.
    pub rows: Vec<PairedRow>,
    /// The CPU time stolen by the hypervisor during the run, percent of
    /// all CPU time (`/proc/stat`), where the system says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steal_pct: Option<f64>,
    /// Seconds the slices took.
    pub elapsed_s: f64,
}

impl AbReport {
    /// Whether any benchmark is slower.
    pub fn regressed(&self) -> bool {
        self.rows.iter().any(|r| r.verdict == Verdict::Slower)
    }

    /// Whether any benchmark is inconclusive.
    pub fn inconclusive(&self) -> bool {
        self.rows.iter().any(|r| r.verdict == Verdict::Inconclusive)
    }

    /// The exit status of a gate: 1 when anything is slower, else 3 when
    /// anything is inconclusive, else 0.
    pub fn exit_status(&self) -> u8 {
        if self.regressed() {
            1
        } else if self.inconclusive() {
            3
        } else {
            0
        }
    }

    /// How many rows are slower, faster, the same and inconclusive.
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let n = |v: Verdict| self.rows.iter().filter(|r| r.verdict == v).count();
        (
            n(Verdict::Slower),
            n(Verdict::Faster),
            n(Verdict::Same),
            n(Verdict::Inconclusive),
        )
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
    interval_rank_at(n, CONFIDENCE)
}

/// [`interval_rank`] at another confidence; too few pairs for it is an error.
pub fn interval_rank_at(n: usize, confidence: f64) -> Result<(usize, f64), PairedError> {
    let coverage = |k: usize| 1.0 - 2.0 * binomial_half_cdf(n, k - 1);
    if n < MIN_PAIRS || coverage(1) < confidence {
        return Err(PairedError::TooFewPairs(n));
    }
    let mut k = 1;
    while k < n / 2 && coverage(k + 1) >= confidence {
        k += 1;
    }
    Ok((k, coverage(k)))
}

/// Judges one benchmark on its paired ratios `new / base` at the default
/// 95% (the module doc's rule); `threshold_pct` is `t` in percent.
pub fn judge(id: &str, ratios: &[f64], threshold_pct: f64) -> Result<PairedRow, PairedError> {
    judge_at(id, ratios, threshold_pct, CONFIDENCE)
}

/// [`judge`] with an interval of confidence `confidence` (a look of a [`Plan`]).
pub fn judge_at(
    id: &str,
    ratios: &[f64],
    threshold_pct: f64,
    confidence: f64,
) -> Result<PairedRow, PairedError> {
    check_threshold(threshold_pct)?;
    if let Some(&bad) = ratios.iter().find(|r| !(r.is_finite() && **r > 0.0)) {
        return Err(PairedError::BadTime(bad));
    }
    let (k, _) = interval_rank_at(ratios.len(), confidence)?;
    let mut s = ratios.to_vec();
    s.sort_by(f64::total_cmp);
    let (lower, upper) = (s[k - 1], s[s.len() - k]);
    let t = threshold_pct / 100.0;
    let verdict = if lower > 1.0 + t {
        Verdict::Slower
    } else if upper < 1.0 - t {
        Verdict::Faster
    } else if lower >= 1.0 - t && upper <= 1.0 + t {
        Verdict::Same
    } else {
        Verdict::Inconclusive
    };
    Ok(PairedRow {
        id: id.to_string(),
        ratio: median_sorted(&s),
        lower,
        upper,
        verdict,
        rounds: ratios.len(),
        detectable_pct: 50.0 * (upper - lower),
        base_spread_pct: None,
        new_spread_pct: None,
        base_ns: Vec::new(),
        new_ns: Vec::new(),
    })
}

/// Judges one benchmark on its two series of times at a look of `plan`,
/// with each side's spread.
pub fn judge_times(
    id: &str,
    base_ns: &[f64],
    new_ns: &[f64],
    threshold_pct: f64,
    plan: &Plan,
) -> Result<PairedRow, PairedError> {
    let r = ratios(base_ns, new_ns)?;
    let mut row = judge_at(id, &r, threshold_pct, plan.confidence())?;
    row.base_spread_pct = Some(spread_pct(base_ns));
    row.new_spread_pct = Some(spread_pct(new_ns));
    row.base_ns = base_ns.to_vec();
    row.new_ns = new_ns.to_vec();
    Ok(row)
}

/// Median absolute deviation over the median, percent.
pub fn spread_pct(xs: &[f64]) -> f64 {
    let mut s = xs.to_vec();
    s.sort_by(f64::total_cmp);
    let m = median_sorted(&s);
    let mut d: Vec<f64> = s.iter().map(|x| (x - m).abs()).collect();
    d.sort_by(f64::total_cmp);
    100.0 * median_sorted(&d) / m
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

/// The schema of [`BisectReport`]'s JSON.
pub const BISECT_SCHEMA: u32 = 1;

/// Whether a row is decided not slower: its whole interval lies below
/// `1 + t` (what a bisection step asks of a commit, where `same` would ask
/// for the band on both sides).
pub fn not_slower(row: &PairedRow, threshold_pct: f64) -> bool {
    row.upper <= 1.0 + threshold_pct / 100.0
}

/// How a commit of a bisection compared with GOOD on the benchmarks BAD
/// slowed: `slower` if any of them is, `same` (good) if every one is
/// decided not slower, `inconclusive` otherwise.
pub fn step_verdict(rows: &[PairedRow], threshold_pct: f64) -> Verdict {
    if rows.iter().any(|r| r.verdict == Verdict::Slower) {
        Verdict::Slower
    } else if rows.iter().all(|r| not_slower(r, threshold_pct)) {
        Verdict::Same
    } else {
        Verdict::Inconclusive
    }
}

/// One commit a bisection measured (or skipped).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BisectStep {
    /// The commit.
    pub commit: String,
    /// Its subject line.
    pub subject: String,
    /// Against GOOD: `slower` (bad), `same` (good), `inconclusive`; absent
    /// for a commit that did not build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// Why it was skipped, where it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// The paired rows of the benchmarks BAD slowed, against GOOD.
    pub rows: Vec<PairedRow>,
}

/// The outcome of a bisection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BisectReport {
    /// Always [`BISECT_SCHEMA`].
    pub schema: u32,
    /// GOOD as given, and its commit.
    pub good: String,
    /// BAD as given.
    pub bad: String,
    /// First-parent commits after GOOD up to BAD.
    pub commits: usize,
    /// The threshold, percent.
    pub threshold_pct: f64,
    /// The confirmation (BAD against GOOD), then every bisection step.
    pub steps: Vec<BisectStep>,
    /// The first commit whose benchmarks are slower than GOOD's, where the
    /// bisection found one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_bad: Option<String>,
    /// The first bad commit against its parent, where it was found.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub first_bad_vs_parent: Vec<PairedRow>,
    /// The commits it could not tell apart, oldest first, where it found no
    /// single culprit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub range: Vec<String>,
    /// Revisions built, the endpoints included.
    pub builds: usize,
    /// Seconds the whole bisection took.
    pub elapsed_s: f64,
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
    fn plans_fit_a_budget() {
        let p = Plan::new(12, 30).unwrap();
        // 17 rounds afforded: looks at 12 and 17.
        let q = p.within(17);
        assert_eq!((q.first, q.max, q.looks()), (12, 17, 2));
        // More than enough: the plan as it was.
        assert_eq!(p.within(100), p);
        // Fewer than the first look: one look at what is afforded, never below 6.
        assert_eq!(p.within(9), Plan { first: 9, max: 9 });
        assert_eq!(p.within(2).max, MIN_PAIRS);
        assert_eq!(p.within(2).looks(), 1);
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
        // 1.2 with two pairs at 1.0: the interval [r(2), r(9)] reaches 1.0 and
        // straddles 1.05, so it decides nothing.
        let mixed = [1.2, 1.0, 1.0, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2];
        let row = judge("x", &mixed, 5.0).unwrap();
        assert_eq!(
            (row.verdict, row.lower, row.ratio),
            (Verdict::Inconclusive, 1.0, 1.2)
        );
        assert!((row.detectable_pct - 10.0).abs() < 1e-9);
        // Same only when the whole interval is inside [1 − t, 1 + t].
        let flat = [1.01, 0.99, 1.0, 1.02, 0.98, 1.0, 1.01, 0.99, 1.0, 1.0];
        assert_eq!(judge("x", &flat, 5.0).unwrap().verdict, Verdict::Same);
        assert_eq!(judge("x", &slow, 25.0).unwrap().verdict, Verdict::Same);
    }

    #[test]
    fn plans_count_their_looks() {
        let p = Plan::new(12, 30).unwrap();
        assert_eq!(p.looks_at(), [12, 18, 30]);
        assert!((p.confidence() - (1.0 - 0.05 / 3.0)).abs() < 1e-12);
        assert!(p.is_look(12) && p.is_look(18) && p.is_look(30) && !p.is_look(27));
        assert_eq!(p.next_look(18), Some(30));
        // A look just before the last is dropped: 62 of 64.
        assert_eq!(Plan::new(12, 64).unwrap().looks_at(), [12, 18, 27, 41, 64]);
        assert_eq!(
            Plan::new(12, 90).unwrap().looks_at(),
            [12, 18, 27, 41, 62, 90]
        );
        assert_eq!(p.next_look(30), None);
        assert_eq!(Plan::new(12, 60).unwrap().looks_at(), [12, 18, 27, 41, 60]);
        assert_eq!(Plan::new(12, 12).unwrap().looks(), 1);
        assert!(
            Plan::new(6, 30).is_err(),
            "6 pairs cannot reach 99% per look (5 looks)"
        );
        assert!(Plan::new(12, 10).is_err());
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

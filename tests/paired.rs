//! The paired A/B statistics of `weightinit ab` on synthetic timings with a
//! stated noise model, fixed seeds, and the default 12 rounds:
//!
//! * **Weather:** a log-normal factor per round (σ = 0.15: a host whose speed
//!   moves by 15% between rounds), a random walk from slice to slice inside
//!   a round (σ = 0.01 per step), and with probability 0.02 per slice a jump
//!   (σ = 0.2: a tenant arriving or leaving) that lasts for the rest of the
//!   round.
//! * **A slice's own noise:** log-normal, σ = 0.015, and with probability
//!   0.05 an outlier slowed by U(0, 30%).
//!
//! Under this model an A/A comparison (1000 benchmarks × 12 pairs) must
//! never be flagged; planted slowdowns of 20% and 50% must always be, and
//! one of 10% (twice the default threshold) in at least 90% of the trials.
//!
//! The sequential gate (`ab`'s default plan where the budget allows it:
//! looks at 12, 18, 27, 41, 62 and 90 pairs, each at 99.17%) is run on the same model, 1000 benchmarks per
//! seed: an A/A run is never `slower` or `faster`, and is `same` in at
//! least 97% of them; a change exactly at the threshold (5%) is mostly
//! `inconclusive` (at least 80%) and rarely `slower` (at most 10%); a 10%
//! slowdown is `slower` in at least 95%.
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use weightinit::results::compare::Verdict;
use weightinit::results::paired::{Plan, base_first, judge, judge_at, ratios};

const ROUNDS: usize = 12;
const TRIALS: usize = 1000;
const THRESHOLD_PCT: f64 = 5.0;

/// One benchmark's `rounds` pairs of times, the new side `slowdown` times slower.
fn trial(rng: &mut Xoshiro256PlusPlus, slowdown: f64, rounds: usize) -> (Vec<f64>, Vec<f64>) {
    let mut normal =
        |s: f64| s * <StandardNormal as Distribution<f64>>::sample(&StandardNormal, rng);
    let (mut base, mut new) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let mut weather = normal(0.15);
        let mut times = [0.0; 2];
        // Slices in the round's order: A B or B A.
        let order = if base_first(round) { [0, 1] } else { [1, 0] };
        for side in order {
            weather += normal(0.01);
            let jump = normal(1.0).abs() > 2.326; // two-sided tail: probability 0.02
            if jump {
                weather += normal(0.2);
            }
            let mut t = 1e6 * (weather + normal(0.015)).exp();
            if normal(1.0) > 1.645 {
                // probability 0.05
                t *= 1.0 + 0.3 * (normal(1.0).abs().min(3.0) / 3.0);
            }
            if side == 1 {
                t *= slowdown;
            }
            times[side] = t;
        }
        base.push(times[0]);
        new.push(times[1]);
    }
    (base, new)
}

/// How many of `TRIALS` benchmarks get each verdict: slower, faster, and
/// same or inconclusive.
fn verdicts(seed: u64, slowdown: f64) -> (usize, usize, usize) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (mut slower, mut faster, mut same) = (0, 0, 0);
    for _ in 0..TRIALS {
        let (b, n) = trial(&mut rng, slowdown, ROUNDS);
        let r = ratios(&b, &n).unwrap();
        match judge("x", &r, THRESHOLD_PCT).unwrap().verdict {
            Verdict::Slower => slower += 1,
            Verdict::Faster => faster += 1,
            Verdict::Same | Verdict::Inconclusive => same += 1,
        }
    }
    (slower, faster, same)
}

/// The sequential gate over `TRIALS` benchmarks: how many end slower,
/// faster, same and inconclusive, and the mean rounds they took.
fn sequential(seed: u64, slowdown: f64) -> ([usize; 4], f64) {
    let plan = Plan::new(12, 90).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut counts = [0; 4];
    let mut rounds = 0;
    for _ in 0..TRIALS {
        let (b, n) = trial(&mut rng, slowdown, plan.max);
        let r = ratios(&b, &n).unwrap();
        let looks = plan.looks_at();
        let (mut last, mut used) = (Verdict::Inconclusive, 0);
        for k in looks {
            used = k;
            last = judge_at("x", &r[..k], THRESHOLD_PCT, plan.confidence())
                .unwrap()
                .verdict;
            if last != Verdict::Inconclusive {
                break;
            }
        }
        rounds += used;
        counts[match last {
            Verdict::Slower => 0,
            Verdict::Faster => 1,
            Verdict::Same => 2,
            Verdict::Inconclusive => 3,
        }] += 1;
    }
    (counts, rounds as f64 / TRIALS as f64)
}

#[test]
fn sequential_a_against_a_is_same_and_never_flagged() {
    for seed in [21, 22, 23] {
        let ([slower, faster, same, inconclusive], rounds) = sequential(seed, 1.0);
        eprintln!("A/A seed {seed}: {same} same, {inconclusive} inconclusive, {rounds:.1} rounds");
        assert_eq!((slower, faster), (0, 0), "seed {seed}");
        assert!(same >= 970, "seed {seed}: {same} same of {TRIALS}");
    }
}

#[test]
fn sequential_change_at_the_threshold_is_inconclusive() {
    let ([slower, faster, _, inconclusive], _) = sequential(31, 1.0 + THRESHOLD_PCT / 100.0);
    eprintln!("at the threshold: {slower} slower, {inconclusive} inconclusive of {TRIALS}");
    assert_eq!(faster, 0);
    assert!(
        inconclusive >= 800,
        "{inconclusive} inconclusive of {TRIALS}"
    );
    assert!(slower <= 100, "{slower} slower of {TRIALS}");
}

#[test]
fn sequential_planted_slowdown_is_slower() {
    let ([slower, faster, ..], rounds) = sequential(41, 1.10);
    eprintln!("1.10x: {slower} slower of {TRIALS}, {rounds:.1} rounds on average");
    assert_eq!(faster, 0);
    assert!(slower >= 950, "{slower} of {TRIALS}");
}

#[test]
fn a_against_a_with_drift_is_never_flagged() {
    for seed in [1, 2, 3] {
        let (slower, faster, _) = verdicts(seed, 1.0);
        assert_eq!((slower, faster), (0, 0), "seed {seed}");
    }
}

#[test]
fn planted_slowdowns_are_flagged() {
    for (slowdown, at_least) in [(1.10, 900), (1.20, TRIALS), (1.50, TRIALS)] {
        let (slower, faster, _) = verdicts(7, slowdown);
        eprintln!("{slowdown}x: {slower} of {TRIALS} flagged slower");
        assert_eq!(faster, 0, "{slowdown}");
        assert!(
            slower >= at_least,
            "{slowdown}x: {slower} of {TRIALS} flagged, want ≥ {at_least}"
        );
    }
}

#[test]
fn planted_speedups_are_faster() {
    let (slower, faster, _) = verdicts(11, 1.0 / 1.2);
    assert_eq!((slower, faster), (0, TRIALS));
}

//! Statistics: SIMD accumulation against the scalar reference, binning edges, 10^8 values
//! and the summary of a small spread about a large mean.
use crate::activation::Activation;
use crate::network::stats_for;
use crate::rng::StreamKey;
use crate::sample::{Dist, Method, Normal};
use crate::stats::{Binning, Saturation, StatsAcc, Summary};

fn data(n: usize) -> Vec<f32> {
    let mut v = vec![0f32; n];
    Dist::Normal(Normal::new(0.3, 0.6).unwrap()).fill(
        StreamKey::new(3, 0),
        &mut v,
        Method::SimdPar,
    );
    v.extend([0.0, 1.0, -0.0, 2.0, -1.0, f32::NAN, 0.5, 1.0]);
    v
}

#[test]
fn simd_accumulation_matches_scalar() {
    let xs = data(100_003);
    let acc = StatsAcc::new(
        Binning::new(0.0, 1.0, 30),
        Some(Saturation { lo: 0.01, hi: 0.99 }),
        0.5,
    );
    let (mut a, mut b) = (acc.clone(), acc.clone());
    a.extend_scalar(&xs);
    b.extend_simd(&xs);
    let (a, b) = (a.finish(), b.finish());
    assert_eq!(a.histogram, b.histogram, "histograms are exact");
    assert_eq!(
        (a.count, a.nan_count, a.zero_fraction, a.saturation_fraction),
        (b.count, b.nan_count, b.zero_fraction, b.saturation_fraction)
    );
    // Moments are NaN here (a NaN was pushed); check them on the finite part below.
    let finite: Vec<f32> = xs.iter().copied().filter(|x| !x.is_nan()).collect();
    let (mut a, mut b) = (acc.clone(), acc);
    a.extend_scalar(&finite);
    b.extend_simd(&finite);
    let (a, b) = (a.finish(), b.finish());
    let (m, s) = crate::stats::mean_std(&finite);
    assert!((a.mean - m).abs() < 1e-9 && (a.std - s).abs() < 1e-9);
    assert!((b.mean - m).abs() < 1e-6 && (b.std - s).abs() < 1e-6 * s);
    assert_eq!((a.min, a.max), (b.min, b.max));
}

#[test]
fn binning_edges() {
    let b = Binning::new(0.0, 1.0, 30);
    assert_eq!(b.slot(0.0), 0);
    assert_eq!(b.slot(1.0), 29, "hi goes to the last bin");
    assert_eq!(b.slot(0.999_999_94), 29);
    assert_eq!(b.slot(-1e-9), 30, "below");
    assert_eq!(b.slot(1.000_000_1), 31, "above");
    assert_eq!(b.slot(f32::NAN), 32, "NaN apart");
    let mut acc = StatsAcc::new(b, None, 0.0);
    acc.extend_simd(&[0.0; 16]);
    acc.extend_simd(&[1.0; 16]);
    acc.extend_simd(&[-1.0; 16]);
    let s = acc.finish();
    assert_eq!(
        (
            s.histogram.counts[0],
            s.histogram.counts[29],
            s.histogram.below,
            s.histogram.above
        ),
        (16, 16, 16, 0)
    );
}

#[test]
fn moments_of_1e8_values() {
    // 10^8 values cycling through 0.1, 0.2, …, 0.9 (as f32): a plain f32 running sum
    // would be off by percents; the shifted lane sums flushed to f64 must give the
    // exact mean and std to 1e-6.
    let pattern: Vec<f32> = (1..=9).map(|k| k as f32 / 10.0).collect();
    let block: Vec<f32> = pattern
        .iter()
        .cycle()
        .take(9 * 1024 * 16)
        .copied()
        .collect();
    let n_blocks = 100_000_000 / block.len() + 1;
    let mut acc = stats_for(Activation::Sigmoid, 30);
    for _ in 0..n_blocks {
        acc.extend_simd(&block);
    }
    let s = acc.finish();
    let pm = pattern.iter().map(|&x| x as f64).sum::<f64>() / 9.0;
    let ps = (pattern
        .iter()
        .map(|&x| (x as f64 - pm).powi(2))
        .sum::<f64>()
        / 9.0)
        .sqrt();
    assert!(s.count >= 100_000_000);
    assert!(
        (s.mean - pm).abs() < 1e-6 && (s.std - ps).abs() < 1e-6,
        "{} {} vs {pm} {ps}",
        s.mean,
        s.std
    );
    let mut naive = 0f32;
    for _ in 0..n_blocks {
        for &x in &block {
            naive += x;
        }
    }
    assert!(
        (naive as f64 / s.count as f64 - pm).abs() > 1e-3,
        "the test would catch f32 accumulation"
    );
    let sm = Summary::of(&block);
    assert!((sm.mean() - pm).abs() < 1e-6 && (sm.std() - ps).abs() < 1e-6);
}

#[test]
fn summary_keeps_a_small_spread_about_a_large_mean() {
    // n = 10⁶ values 1000 + 0.01·z (z ~ N(0, 1), seed 21): Σx²/n − mean² would
    // cancel to noise here (f32 lane sums of x² ≈ 10⁶ carry errors far above
    // the variance 10⁻⁴). Against a two-pass f64 reference on the same f32
    // values: the mean within 1e-9 and the std within 1e-6 relative.
    let n = 1_000_000;
    let mut x = vec![0f32; n];
    Dist::Normal(Normal::new(1000.0, 0.01).unwrap()).fill(
        StreamKey::new(21, 0),
        &mut x,
        Method::Simd,
    );
    let mean = x.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
    let std = (x.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
    let s = Summary::of(&x);
    assert_eq!(s.n, n as u64);
    assert!((s.mean() - mean).abs() < 1e-9, "{} vs {mean}", s.mean());
    assert!((s.std() / std - 1.0).abs() < 1e-6, "{} vs {std}", s.std());
    // Merging two halves gives the whole.
    let (a, b) = x.split_at(n / 3);
    let m = Summary::of(a).merge(&Summary::of(b));
    assert!((m.std() / std - 1.0).abs() < 1e-6);
    assert_eq!((m.min, m.max), (s.min, s.max));
}

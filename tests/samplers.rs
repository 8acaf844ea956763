//! Samplers: SIMD against the scalar twin, bit-level edges, pinned values, KS tests,
//! moments and tails, and thread-count determinism.
mod common;

use common::{ks, moments, phi};
use weightinit::rng::StreamKey;
use weightinit::sample::truncated::{ERF_SQRT2, TRUNC_STD_2};
use weightinit::sample::uniform::next_down;
use weightinit::sample::{CHUNK, Dist, Normal, Path, Transform, TruncatedNormal, Uniform};
use weightinit::simd::Isa;

fn draw(d: Dist, n: usize, seed: u64, path: Path) -> Vec<f32> {
    let mut v = vec![0f32; n];
    d.fill(StreamKey::new(seed, 0), &mut v, path);
    v
}

fn uniform(lo: f32, hi: f32) -> Dist {
    Dist::Uniform(Uniform::new(lo, hi).unwrap())
}
fn normal(m: f32, s: f32) -> Dist {
    Dist::Normal(Normal::new(m, s).unwrap())
}
fn trunc(m: f32, s: f32) -> Dist {
    Dist::TruncatedNormal(TruncatedNormal::new(m, s).unwrap())
}

#[test]
fn the_simd_path_really_ran() {
    let isa = Isa::current();
    eprintln!(
        "SIMD path compiled: {} (features {:?})",
        isa.compiled, isa.compiled_features
    );
    if let Ok(req) = std::env::var("WEIGHTINIT_REQUIRE_ISA") {
        if !req.is_empty() {
            Isa::check_required(&req).unwrap();
        }
    }
    assert!(Isa::check_required("avx512-or-what").is_err());
}

#[test]
fn uniform_simd_equals_scalar_bit_for_bit() {
    // n = 300_000 (several chunks and a ragged tail), three ranges.
    for (lo, hi) in [(0.0, 1.0), (-0.2449, 0.2449), (3.0, 1e6)] {
        let a = draw(uniform(lo, hi), 300_001, 5, Path::Simd);
        let b = draw(uniform(lo, hi), 300_001, 5, Path::Scalar);
        assert!(
            a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()),
            "[{lo}, {hi})"
        );
        assert!(a.iter().all(|&x| x >= lo && x < hi));
    }
}

#[test]
fn normal_and_truncated_simd_match_scalar_within_1e6() {
    // n = 10^6 each; |z| < 5 compared with an absolute tolerance of 1e-6.
    for d in [normal(0.0, 1.0), trunc(0.0, 1.0)] {
        let a = draw(d, 1_000_000, 9, Path::Simd);
        let b = draw(d, 1_000_000, 9, Path::Scalar);
        let mut worst = 0f32;
        for (x, y) in a.iter().zip(&b) {
            if y.abs() < 5.0 {
                worst = worst.max((x - y).abs());
            }
        }
        assert!(worst <= 1e-6, "{d:?}: max |simd − scalar| = {worst}");
    }
}

#[test]
fn uniform_bit_edges() {
    for (lo, hi) in [(0.0f32, 1.0f32), (-1.0, 1.0), (-0.2449, 0.2449), (2.0, 3.0)] {
        let u = Uniform::new(lo, hi).unwrap();
        let (a, _) = u.apply::<f32>(0, 0);
        assert_eq!(a, lo, "all-zero bits give lo");
        let (b, _) = u.apply::<f32>(u32::MAX, 0);
        assert!(
            b < hi && b >= next_down(hi) - (hi - lo) * 2f32.powi(-23),
            "all-one bits: {b} vs hi {hi}"
        );
        let (sa, _) =
            u.apply::<wide::f32x16>(wide::u32x16::splat(u32::MAX), wide::u32x16::splat(0));
        assert_eq!(sa.as_array()[0].to_bits(), b.to_bits());
    }
    // On [0, 1) the grid's top is exactly the largest float below 1.
    let u = Uniform::new(0.0, 1.0).unwrap();
    assert_eq!(u.apply::<f32>(u32::MAX, 0).0, next_down(1.0));
    assert_eq!(
        Uniform::new(1.0, 1.0),
        Err(weightinit::sample::SampleError::EmptyRange { lo: 1.0, hi: 1.0 })
    );
    assert!(Uniform::new(f32::NAN, 1.0).is_err());
    assert!(Normal::new(0.0, -1.0).is_err());
    assert!(Normal::new(0.0, f32::NAN).is_err());
}

#[test]
fn first_outputs_are_pinned() {
    // Value stability (as rand_distr's tests/value_stability.rs): seed 42, stream 0.
    let got: Vec<Vec<f32>> = [uniform(-1.0, 1.0), normal(0.0, 1.0), trunc(0.0, 1.0)]
        .iter()
        .map(|&d| draw(d, 16, 42, Path::Simd))
        .collect();
    for (g, w) in got.iter().zip(PINNED.iter()) {
        for (x, y) in g.iter().zip(w.iter()) {
            assert!(
                (x - y).abs() <= 2e-6 * y.abs().max(1.0),
                "{g:?}\nvs pinned {w:?}"
            );
        }
    }
}

#[test]
fn kolmogorov_smirnov_at_alpha_0_001() {
    // n = 10^6, critical value 1.95/√n ≈ 0.00195 (α = 0.001), one fixed seed each.
    let n = 1_000_000;
    let crit = 1.95 / (n as f64).sqrt();
    let u = draw(uniform(-1.0, 1.0), n, 101, Path::SimdPar);
    let d = ks(&u, |x| ((x + 1.0) / 2.0).clamp(0.0, 1.0));
    assert!(d < crit, "uniform: D = {d}");
    let z = draw(normal(0.0, 1.0), n, 102, Path::SimdPar);
    let d = ks(&z, phi);
    assert!(d < crit, "normal: D = {d}");
    let sp = 1.0 / TRUNC_STD_2;
    let t = draw(trunc(0.0, 1.0), n, 103, Path::SimdPar);
    let d = ks(&t, |x| {
        ((phi(x / sp) - phi(-2.0)) / ERF_SQRT2).clamp(0.0, 1.0)
    });
    assert!(d < crit, "truncated normal: D = {d}");
    assert!(t.iter().all(|&x| (x as f64).abs() <= 2.0 * sp + 1e-6));
    // The naive reference passes the same test.
    let zn = draw(normal(0.0, 1.0), n, 104, Path::Naive);
    assert!(ks(&zn, phi) < crit);
    let tn = draw(trunc(0.0, 1.0), n, 105, Path::Naive);
    assert!(
        ks(&tn, |x| ((phi(x / sp) - phi(-2.0)) / ERF_SQRT2)
            .clamp(0.0, 1.0))
            < crit
    );
}

#[test]
fn normal_moments_and_tails_n_1e7() {
    // n = 10^7: |mean|, |sd − 1|, |skew|, |excess kurtosis| < 0.01; counts beyond 3σ and 4σ
    // within 5 binomial standard deviations of n·2(1 − Φ(k)).
    let n = 10_000_000;
    let z = draw(normal(0.0, 1.0), n, 2024, Path::SimdPar);
    let (m, sd, skew, kurt) = moments(&z);
    assert!(
        m.abs() < 0.01 && (sd - 1.0).abs() < 0.01 && skew.abs() < 0.01 && kurt.abs() < 0.01,
        "{m} {sd} {skew} {kurt}"
    );
    for k in [3.0, 4.0] {
        let p = 2.0 * (1.0 - phi(k));
        let want = n as f64 * p;
        let sdev = (n as f64 * p * (1.0 - p)).sqrt();
        let got = z.iter().filter(|&&x| (x as f64).abs() > k).count() as f64;
        assert!(
            (got - want).abs() < 5.0 * sdev,
            "beyond {k}σ: {got} vs {want} ± {sdev}"
        );
    }
    let max = z.iter().fold(0f32, |a, &x| a.max(x.abs()));
    assert!(max > 5.0, "reaches beyond 5σ: max |z| = {max}");
}

#[test]
fn identical_bytes_for_any_thread_count_and_length() {
    for d in [uniform(-1.0, 1.0), normal(0.5, 2.0), trunc(0.0, 0.1)] {
        for n in [0, 1, 7, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 3] {
            let seq = draw(d, n, 77, Path::Simd);
            for t in [1, 2, 3, 7] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(t)
                    .build()
                    .unwrap();
                let par = pool.install(|| draw(d, n, 77, Path::SimdPar));
                assert!(
                    seq.iter()
                        .zip(&par)
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{d:?} n={n} threads={t}"
                );
            }
            // An unaligned sub-slice gets the same values as a fresh buffer.
            let mut big = vec![0f32; n + 5];
            d.fill(StreamKey::new(77, 0), &mut big[3..3 + n], Path::SimdPar);
            assert!(
                big[3..3 + n]
                    .iter()
                    .zip(&seq)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
            );
            // Streaming from a chunk offset reproduces the tail of one big fill.
            if n > CHUNK {
                let mut tail = vec![0f32; n - CHUNK];
                d.fill_from_chunk(StreamKey::new(77, 0), 1, &mut tail, false);
                assert_eq!(tail, seq[CHUNK..]);
            }
        }
    }
}

// Generated once by the scalar twin; the SIMD path must agree within 2e-6.
const PINNED: [[f32; 16]; 3] = [
    [
        -0.97205603,
        -0.94356894,
        -0.18547809,
        0.032306552,
        -0.7974762,
        -0.106467485,
        0.18062818,
        -0.63965595,
        0.4167168,
        0.26135874,
        0.41047323,
        0.27448273,
        0.46058822,
        0.81395674,
        -0.24713838,
        -0.33849382,
    ],
    [
        -0.031382874,
        -0.18889742,
        0.9429155,
        -0.9088892,
        -0.100431666,
        -1.071291,
        0.31093982,
        0.57765245,
        0.9095284,
        1.281926,
        0.003183283,
        -0.73108035,
        0.79857993,
        -1.5106422,
        0.47187275,
        -0.88738656,
    ],
    [
        -2.0440817,
        -1.8734633,
        -0.25435588,
        0.043947745,
        -1.3391701,
        -0.14518915,
        0.2475973,
        -0.97839093,
        0.59249794,
        0.3614452,
        0.58279306,
        0.3802694,
        0.6619794,
        1.3851153,
        -0.34115955,
        -0.4737089,
    ],
];

#[test]
fn elementary_functions_of_the_normal_transform() {
    use weightinit::sample::normal::{ln_unit, sin_cos_2pi};
    // ln on the whole u₁ grid's range, sampled densely: relative error ≤ 2e-7 (|ln u| ≥ 2⁻²⁴
    // near 1, where an absolute bound of 2e-7·|ln u| + 1e-12 applies).
    for i in 1..=1_000_000u32 {
        let u = i as f32 / 1_000_000.0;
        let (got, want) = (ln_unit::<f32>(u) as f64, (u as f64).ln());
        assert!(
            (got - want).abs() <= 2e-7 * want.abs() + 1e-12,
            "ln({u}) = {got}, want {want}"
        );
    }
    for k in 0..=24 {
        let u = 2f32.powi(-k);
        assert!((ln_unit::<f32>(u) as f64 - (u as f64).ln()).abs() < 1e-6);
    }
    // sin and cos of 2πt over t ∈ [−½, ½]: absolute error ≤ 2e-7.
    for i in 0..=1_000_000 {
        let t = -0.5 + i as f32 / 1_000_000.0;
        let (s, c) = sin_cos_2pi::<f32>(t);
        let x = std::f64::consts::TAU * t as f64;
        assert!(
            (s as f64 - x.sin()).abs() < 2e-7 && (c as f64 - x.cos()).abs() < 2e-7,
            "t = {t}: {s} {c}"
        );
        let (sv, cv) = sin_cos_2pi::<wide::f32x16>(wide::f32x16::splat(t));
        assert!((sv.as_array()[3] - s).abs() < 1e-7 && (cv.as_array()[3] - c).abs() < 1e-7);
    }
}

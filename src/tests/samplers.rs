//! Samplers: SIMD against the scalar twin, bit-level edges, pinned values, KS tests,
//! moments and tails, and thread-count determinism.

use super::common::{ks, moments, phi};
use crate::rng::StreamKey;
use crate::sample::truncated::{ERF_SQRT2, TRUNC_STD_2};
use crate::sample::uniform::next_down;
use crate::sample::{CHUNK, Dist, Method, Normal, Transform, TruncatedNormal, Uniform};
use crate::simd::Isa;
use rand::{Rng, SeedableRng};

fn draw(d: Dist, n: usize, seed: u64, path: Method) -> Vec<f32> {
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
    // A native build must run the widest path this CPU has; a build made for
    // another CPU names what it requires in WEIGHTINIT_REQUIRE_ISA (.ci/run's
    // AVX2 tile run on an AVX-512 machine does).
    let isa = Isa::current();
    let required = match std::env::var("WEIGHTINIT_REQUIRE_ISA") {
        Ok(req) if !req.is_empty() => req,
        _ => isa.best_detected().to_string(),
    };
    if let Err(e) = Isa::check_required(&required) {
        panic!(
            "{e}; compiled {:?}, detected {:?}",
            isa.compiled_features, isa.detected_features
        );
    }
    assert!(Isa::check_required("avx512-or-what").is_err());
}

#[test]
fn uniform_simd_equals_scalar_bit_for_bit() {
    // n = 300_000 (several chunks and a ragged tail), three ranges.
    for (lo, hi) in [(0.0, 1.0), (-0.2449, 0.2449), (3.0, 1e6)] {
        let a = draw(uniform(lo, hi), 300_001, 5, Method::Simd);
        let b = draw(uniform(lo, hi), 300_001, 5, Method::Scalar);
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
        let a = draw(d, 1_000_000, 9, Method::Simd);
        let b = draw(d, 1_000_000, 9, Method::Scalar);
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
        let [a, ..] = u.apply::<f32>([0; 4]);
        assert_eq!(a, lo, "all-zero bits give lo");
        let [b, ..] = u.apply::<f32>([u32::MAX, 0, 0, 0]);
        assert!(
            b < hi && b >= next_down(hi) - (hi - lo) * 2f32.powi(-23),
            "all-one bits: {b} vs hi {hi}"
        );
        let [sa, ..] = u.apply::<wide::f32x16>([
            wide::u32x16::splat(u32::MAX),
            wide::u32x16::splat(0),
            wide::u32x16::splat(0),
            wide::u32x16::splat(0),
        ]);
        assert_eq!(sa.as_array()[0].to_bits(), b.to_bits());
    }
    // On [0, 1) the grid's top is exactly the largest float below 1.
    let u = Uniform::new(0.0, 1.0).unwrap();
    assert_eq!(u.apply::<f32>([u32::MAX; 4])[0], next_down(1.0));
    assert_eq!(
        Uniform::new(1.0, 1.0),
        Err(crate::sample::SampleError::EmptyRange { lo: 1.0, hi: 1.0 })
    );
    assert!(Uniform::new(f32::NAN, 1.0).is_err());
    assert!(Normal::new(0.0, -1.0).is_err());
    assert!(Normal::new(0.0, f32::NAN).is_err());
}

#[test]
fn first_outputs_are_pinned() {
    // Value stability (as rand_distr's tests/value_stability.rs): seed 42, stream 0.
    assert_eq!(
        crate::sample::STREAM_VERSION,
        3,
        "new values: pin them anew"
    );
    let got: Vec<Vec<f32>> = [uniform(-1.0, 1.0), normal(0.0, 1.0), trunc(0.0, 1.0)]
        .iter()
        .map(|&d| draw(d, 16, 42, Method::Simd))
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
    let u = draw(uniform(-1.0, 1.0), n, 101, Method::SimdPar);
    let d = ks(&u, |x| ((x + 1.0) / 2.0).clamp(0.0, 1.0));
    assert!(d < crit, "uniform: D = {d}");
    let z = draw(normal(0.0, 1.0), n, 102, Method::SimdPar);
    let d = ks(&z, phi);
    assert!(d < crit, "normal: D = {d}");
    let sp = 1.0 / TRUNC_STD_2;
    let t = draw(trunc(0.0, 1.0), n, 103, Method::SimdPar);
    let d = ks(&t, |x| {
        ((phi(x / sp) - phi(-2.0)) / ERF_SQRT2).clamp(0.0, 1.0)
    });
    assert!(d < crit, "truncated normal: D = {d}");
    assert!(t.iter().all(|&x| (x as f64).abs() <= 2.0 * sp + 1e-6));
    // The naive reference passes the same test.
    let zn = draw(normal(0.0, 1.0), n, 104, Method::RandDistr);
    assert!(ks(&zn, phi) < crit);
    let tn = draw(trunc(0.0, 1.0), n, 105, Method::RandDistr);
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
    let z = draw(normal(0.0, 1.0), n, 2024, Method::SimdPar);
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
            let seq = draw(d, n, 77, Method::Simd);
            for t in [1, 2, 3, 7] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(t)
                    .build()
                    .unwrap();
                let par = pool.install(|| draw(d, n, 77, Method::SimdPar));
                assert!(
                    seq.iter()
                        .zip(&par)
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{d:?} n={n} threads={t}"
                );
            }
            // An unaligned sub-slice gets the same values as a fresh buffer.
            let mut big = vec![0f32; n + 5];
            d.fill(StreamKey::new(77, 0), &mut big[3..3 + n], Method::SimdPar);
            assert!(
                big[3..3 + n]
                    .iter()
                    .zip(&seq)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
            );
            // Streaming from a chunk offset reproduces the tail of one big fill.
            if n > CHUNK {
                let mut tail = vec![0f32; n - CHUNK];
                d.fill_from_chunk(StreamKey::new(77, 0), 1, &mut tail);
                assert_eq!(tail, seq[CHUNK..]);
            }
        }
    }
}

// Stream version 3 (`crate::sample::STREAM_VERSION`), generated once by the
// scalar twin; the SIMD path must agree within 2e-6.
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
        0.7760742,
        0.5558958,
        1.9901305,
        -0.9534339,
        -0.969359,
        0.14201903,
        -0.67508125,
        -0.16875908,
        1.8533988,
        1.2737229,
        1.0289692,
        0.5068392,
        0.06987363,
        -0.2623438,
        -0.87042135,
        -1.3300973,
    ],
    [
        0.21017109,
        -0.8184668,
        -0.697403,
        -1.1693243,
        1.481979,
        -0.3533016,
        -1.2400396,
        -1.2222682,
        -0.44712988,
        -0.12557703,
        0.11055639,
        -1.1760095,
        1.7175862,
        -0.9538286,
        -0.37010568,
        0.48424524,
    ],
];

#[test]
fn elementary_functions_of_the_normal_transform() {
    use crate::sample::normal::{neg_two_ln, sin_cos_octant};
    // −2 ln u on a dense grid of (0, 1], on the transform's grid next to 1 and at
    // powers of two: relative error ≤ 1.5e-7; the SIMD lanes equal the scalar twin.
    let grid = (1..=1_000_000u32).map(|i| i as f32 / 1_000_000.0);
    let near_one = (0..4096u32).map(|k| 1.0 - k as f32 * 2f32.powi(-24));
    let powers = (0..=24).map(|k| 2f32.powi(-k));
    let mut worst = 0f64;
    for u in grid.chain(near_one).chain(powers) {
        let got = neg_two_ln::<f32>(u);
        let want = -2.0 * (u as f64).ln();
        if want > 0.0 {
            worst = worst.max((got as f64 - want).abs() / want);
        } else {
            assert_eq!(got, 0.0);
        }
        let v = neg_two_ln::<wide::f32x16>(wide::f32x16::splat(u));
        assert_eq!(v.as_array()[5].to_bits(), got.to_bits(), "u = {u}");
    }
    eprintln!("−2 ln u: worst relative error {worst:.2e}");
    assert!(worst <= 1.5e-7, "−2 ln u: relative error {worst}");
    // sin φ and cos φ over [0, π/4]: absolute error ≤ 1e-7.
    let mut worst = 0f64;
    for i in 0..=1_000_000 {
        let phi = std::f32::consts::FRAC_PI_4 * i as f32 / 1_000_000.0;
        let (s, c) = sin_cos_octant::<f32>(phi, 1.0);
        let x = phi as f64;
        worst = worst
            .max((s as f64 - x.sin()).abs())
            .max((c as f64 - x.cos()).abs());
        let (sv, cv) = sin_cos_octant::<wide::f32x16>(wide::f32x16::splat(phi), 1.0);
        assert!(sv.as_array()[3] == s && cv.as_array()[3] == c, "φ = {phi}");
    }
    eprintln!("sin, cos: worst absolute error {worst:.2e}");
    assert!(worst <= 1e-7, "sin/cos: absolute error {worst}");
}

#[test]
fn unit_circle_covers_every_octant_evenly() {
    use crate::sample::normal::unit_circle;
    // n = 2^20 words of one stream: x² + y² = 1 within 3e-7, and each of the
    // 8 octants holds n/8 within 5 binomial standard deviations.
    let n = 1 << 20;
    let mut r = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
    let mut octants = [0usize; 8];
    for _ in 0..n {
        let (x, y) = unit_circle::<f32>(r.next_u32(), 1.0);
        assert!(((x * x + y * y) as f64 - 1.0).abs() < 3e-7, "({x}, {y})");
        let a = (y as f64).atan2(x as f64).rem_euclid(std::f64::consts::TAU);
        octants[(a / std::f64::consts::FRAC_PI_4) as usize % 8] += 1;
    }
    let (want, sd) = (n as f64 / 8.0, (n as f64 * 0.125 * 0.875).sqrt());
    for (o, &c) in octants.iter().enumerate() {
        assert!((c as f64 - want).abs() < 5.0 * sd, "octant {o}: {c}");
    }
}

#[test]
fn the_four_normals_of_a_lane_are_independent() {
    // The four outputs of one lane share R² = −2 ln(u₁u₂) and split it by v; for an
    // exact 4-d standard normal every pair of them, and of their squares, is
    // uncorrelated. n = 2^20 quadruples (2^22 values): |corr| < 5e-3 for each of the
    // 6 pairs of z and of z² (the estimate's sd is 1e-3), and E[z₁² + … + z₄²] = 4
    // within 0.01.
    let v = draw(normal(0.0, 1.0), 1 << 22, 31, Method::SimdPar);
    let quads: Vec<[f64; 4]> = v
        .chunks_exact(64)
        .flat_map(|b| (0..16).map(move |i| [0, 1, 2, 3].map(|k| b[16 * k + i] as f64)))
        .collect();
    let corr = |f: &dyn Fn(f64) -> f64, i: usize, j: usize| {
        let n = quads.len() as f64;
        let (a, b): (Vec<f64>, Vec<f64>) = quads.iter().map(|q| (f(q[i]), f(q[j]))).unzip();
        let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
        let cov = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - ma) * (y - mb))
            .sum::<f64>()
            / n;
        let sd = |v: &[f64], m: f64| (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n).sqrt();
        cov / (sd(&a, ma) * sd(&b, mb))
    };
    for i in 0..4 {
        for j in i + 1..4 {
            let (c1, c2) = (corr(&|x| x, i, j), corr(&|x| x * x, i, j));
            assert!(c1.abs() < 5e-3 && c2.abs() < 5e-3, "z{i}, z{j}: {c1} {c2}");
        }
    }
    let r2 = quads
        .iter()
        .map(|q| q.iter().map(|x| x * x).sum::<f64>())
        .sum::<f64>();
    assert!((r2 / quads.len() as f64 - 4.0).abs() < 0.01);
}

#[test]
fn truncated_probit_is_accurate_on_its_whole_grid() {
    use crate::sample::truncated::{centred_uniform, probit_central};
    // Every 64th point of the 2^24 grid and its two ends: the error in z, read as
    // (Φ(z) − p)/φ(z) in f64, is ≤ 6e-7 (the grid's own spacing in z reaches 1.1e-6
    // at |z| = 2); all values lie within ±2; SIMD lanes equal the scalar twin.
    let pdf = |z: f64| (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let mut worst = 0f64;
    let ks = (0..1u32 << 24)
        .step_by(64)
        .chain([1, (1 << 24) - 2, (1 << 24) - 1]);
    for k in ks {
        let q = centred_uniform::<f32>(k);
        let z = probit_central::<f32>(q);
        let err = (phi(z as f64) - (0.5 + q as f64)) / pdf(z as f64);
        worst = worst.max(err.abs());
        assert!(z.abs() <= 2.0, "k = {k}: z = {z}");
        let zv =
            probit_central::<wide::f32x16>(centred_uniform::<wide::f32x16>(wide::u32x16::splat(k)));
        assert_eq!(zv.as_array()[9].to_bits(), z.to_bits(), "k = {k}");
    }
    eprintln!("truncated Φ⁻¹: worst error in z {worst:.2e}");
    assert!(worst <= 6e-7, "Φ⁻¹: error {worst}");
}

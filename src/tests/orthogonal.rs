//! Orthogonal initialization and LSUV.
use crate::activation::Activation;
use crate::backend::Backend;
use crate::gemm::{MatMut, MatRef, naive};
use crate::network::NetConfig;
use crate::network::lsuv::{self, LsuvConfig};
use crate::orthogonal;
use crate::rng::StreamKey;
use crate::sample::Method;

fn ortho(rows: usize, cols: usize, gain: f32, seed: u64) -> Vec<f32> {
    let mut w = vec![0f32; rows * cols];
    orthogonal::fill(
        rows,
        cols,
        gain,
        StreamKey::new(seed, 1),
        &mut w,
        Backend::Fast,
    )
    .unwrap();
    w
}

/// max |G − I| where G is the Gram matrix of the short side.
fn gram_error(w: &[f32], rows: usize, cols: usize) -> f32 {
    let m = MatRef::row_major(w, rows, cols).unwrap();
    let (a, b, k) = if rows >= cols {
        (m.t(), m, cols)
    } else {
        (m, m.t(), rows)
    };
    let mut g = vec![0f32; k * k];
    naive::gemm::<f64>(
        1.0,
        a,
        b,
        0.0,
        &mut MatMut::row_major(&mut g, k, k).unwrap(),
    )
    .unwrap();
    let mut worst = 0f32;
    for i in 0..k {
        for j in 0..k {
            worst = worst.max((g[i * k + j] - if i == j { 1.0 } else { 0.0 }).abs());
        }
    }
    worst
}

#[test]
fn square_and_rectangular_are_orthonormal() {
    for n in [1, 2, 3, 100, 257] {
        let w = ortho(n, n, 1.0, n as u64);
        let e = gram_error(&w, n, n);
        assert!(e < 1e-5, "{n}x{n}: max |WᵀW − I| = {e}");
    }
    for (r, c) in [(100, 300), (300, 100)] {
        let w = ortho(r, c, 1.0, 7);
        assert!(gram_error(&w, r, c) < 1e-5, "{r}x{c}");
    }
}

#[test]
fn gain_scales_exactly_and_is_deterministic() {
    let a = ortho(64, 64, 1.0, 3);
    let b = ortho(64, 64, 2.0, 3);
    assert!(
        a.iter()
            .zip(&b)
            .all(|(x, y)| (2.0 * x).to_bits() == y.to_bits())
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    assert_eq!(pool.install(|| ortho(64, 64, 1.0, 3)), a);
    let mut bad = vec![0f32; 5];
    assert!(orthogonal::fill(2, 3, 1.0, StreamKey::new(0, 0), &mut bad, Backend::Fast).is_err());
}

#[test]
fn sign_correction_centres_the_diagonal() {
    // Haar-distributed Q has E[Q_ii] = 0. Without the sign fix by sign(diag R), Householder
    // QR gives a biased diagonal. 200 seeds of 8×8: the mean diagonal entry (sd ≈ 0.35/√1600
    // ≈ 0.009) stays within 0.04.
    let mut sum = 0.0;
    let mut count = 0.0;
    for seed in 0..200 {
        let w = ortho(8, 8, 1.0, seed);
        for i in 0..8 {
            sum += w[i * 8 + i] as f64;
            count += 1.0;
        }
    }
    assert!((sum / count).abs() < 0.04, "mean diagonal {}", sum / count);
}

fn preact_vars(net: &NetConfig, act: Activation, k: Backend) -> Vec<f64> {
    let w = lsuv::init(net, act, LsuvConfig::default(), k).unwrap();
    let x = crate::network::input(net, k);
    crate::network::run(net, &x, &w, act, k)
        .iter()
        .map(|l| l.preact_std.powi(2))
        .collect()
}

#[test]
fn lsuv_gives_unit_preactivation_variance() {
    for width in [100, 512] {
        let net = NetConfig {
            width,
            batch: 1000,
            layers: 5,
            bins: 30,
            seed: 4,
        };
        for act in Activation::ALL {
            for v in preact_vars(&net, act, Backend::Fast) {
                assert!(
                    (v - 1.0).abs() < 0.1,
                    "width {width} {}: Var(a) = {v}",
                    act.name()
                );
            }
        }
    }
    let small = NetConfig {
        width: 30,
        batch: 200,
        layers: 3,
        bins: 10,
        seed: 4,
    };
    for v in preact_vars(&small, Activation::Tanh, Backend::Naive) {
        assert!((v - 1.0).abs() < 0.1);
    }
}

/// A row-major m×n matrix of N(0, 1) draws.
fn gaussian(m: usize, n: usize, seed: u64) -> Vec<f32> {
    use crate::sample::{Dist, Normal};
    let mut g = vec![0f32; m * n];
    Dist::Normal(Normal::new(0.0, 1.0).unwrap()).fill(
        StreamKey::new(seed, 0),
        &mut g,
        Method::Simd,
    );
    g
}

#[test]
fn blocked_qr_matches_the_unblocked_reference() {
    // The sign-fixed Q of a full-rank G is unique, so both factorizations compute the same
    // matrix; they differ by f32 rounding amplified by cond(G). Tall 600×200 (cond ≈ 3.7) and
    // 2×PANEL+3 columns so the last panel is ragged: max |ΔQ| < 1e-5. Square 257 (cond ≈ 10³)
    // within 1e-3.
    use orthogonal::{PANEL, Qr, haar_q};
    for (m, n, tol) in [
        (600, 200, 1e-5),
        (150, 2 * PANEL + 3, 1e-5),
        (257, 257, 1e-3),
        (5, 1, 1e-6),
    ] {
        let g = gaussian(m, n, 11);
        let u = haar_q(&g, m, n, Qr::Unblocked);
        let b = haar_q(&g, m, n, Qr::Blocked);
        let worst = u
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max);
        assert!(
            worst < tol,
            "{m}x{n}: max |Q_blocked − Q_unblocked| = {worst}"
        );
        assert!(gram_error(&u, m, n) < 1e-5, "{m}x{n} unblocked");
    }
}

#[test]
fn blocked_qr_stays_orthogonal_at_1024() {
    // 32 panels of f32 GEMM updates: max |QᵀQ − I| stays under 1e-5.
    let w = ortho(1024, 1024, 1.0, 5);
    let e = gram_error(&w, 1024, 1024);
    assert!(e < 1e-5, "1024x1024: max |WᵀW − I| = {e}");
}

#[test]
fn blocked_qr_is_the_same_for_any_thread_count() {
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let reference = one.install(|| ortho(300, 280, 1.0, 9));
    for threads in [2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        assert_eq!(
            pool.install(|| ortho(300, 280, 1.0, 9)),
            reference,
            "{threads} threads"
        );
    }
}

#[test]
fn naive_path_is_orthonormal_too() {
    for (r, c) in [(40, 40), (30, 70), (70, 30)] {
        let mut w = vec![0f32; r * c];
        orthogonal::fill(r, c, 1.0, StreamKey::new(2, 1), &mut w, Backend::Naive).unwrap();
        assert!(gram_error(&w, r, c) < 1e-5, "{r}x{c}");
    }
}

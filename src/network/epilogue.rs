//! The layer epilogue: activation, derivative and statistics of a layer's output.
//!
//! Four short passes: keep `x` in the derivative buffer and sum its
//! moments, `y = f(x)` in place, `f′(x)` from the kept `x` and `y`, and the
//! statistics of `y`. [`unfused`] runs them over a whole row block, and is
//! what the fast backend runs; [`fused`] runs them tile by tile ([`TILE`]
//! floats, 16 KiB per buffer, so that each tile stays in L1 across its
//! passes). Both give the same bytes. The fusion did not pay: `layer/fused`
//! took 1.12× `layer/unfused`'s time on a Zen 4 and was within noise on a
//! Zen 3, so it stays a benchmark only. [`naive`] is the scalar reference.
#![forbid(unsafe_code)]

use crate::activation::Activation;
use crate::stats::{SimdBatch, StatsAcc};
use wide::f32x16;

/// Tile by tile: `a ← f(a)`, `d ← f′(a)`, statistics of `f(a)` and of `a` into `acc`.
pub fn fused(act: Activation, a: &mut [f32], d: &mut [f32], acc: &mut StatsAcc) {
    assert_eq!(
        a.len(),
        d.len(),
        "activation and derivative buffers differ in length"
    );
    fused_body(act, a, d, acc);
}

/// Floats per tile of [`fused`].
pub const TILE: usize = 4096;

fn fused_body(act: Activation, a: &mut [f32], d: &mut [f32], acc: &mut StatsAcc) {
    let mut batch = SimdBatch::new(acc);
    for (ta, td) in a.chunks_mut(TILE).zip(d.chunks_mut(TILE)) {
        passes(act, ta, td, &mut batch, acc);
    }
    batch.flush(acc);
}

/// The epilogue's four passes over `a` and `d`: keep x in `d` and sum its
/// moments, activate `a` in place, turn the kept x into f′(x), and feed the
/// outputs to the statistics.
fn passes(
    act: Activation,
    a: &mut [f32],
    d: &mut [f32],
    batch: &mut SimdBatch,
    acc: &mut StatsAcc,
) {
    d.copy_from_slice(a);
    let body = a.len() / 16 * 16;
    for x in d[..body].chunks_exact(16) {
        batch.push_pre(acc, f32x16::from(x));
    }
    let tail_x: Vec<f32> = d[body..].to_vec();
    act.apply_simd_in_place(a);
    for (dv, &y) in d.iter_mut().zip(a.iter()) {
        *dv = act.derivative_from::<f32>(*dv, y);
    }
    for y in a[..body].chunks_exact(16) {
        batch.push(acc, f32x16::from(y));
    }
    batch.flush(acc);
    for (&x, &y) in tail_x.iter().zip(&a[body..]) {
        acc.push_layer(x, y);
    }
}

/// The same passes over the whole buffers, one after another (no tiling).
pub fn unfused(act: Activation, a: &mut [f32], d: &mut [f32], acc: &mut StatsAcc) {
    assert_eq!(
        a.len(),
        d.len(),
        "activation and derivative buffers differ in length"
    );
    let mut batch = SimdBatch::new(acc);
    passes(act, a, d, &mut batch, acc);
}

/// The reference: textbook scalar activation, derivative and statistics.
pub fn naive(act: Activation, a: &mut [f32], d: &mut [f32], acc: &mut StatsAcc) {
    for (av, dv) in a.iter_mut().zip(d.iter_mut()) {
        let x = *av;
        *av = act.naive(x);
        *dv = act.naive_derivative(x);
        acc.push_layer(x, *av);
    }
}

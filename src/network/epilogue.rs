//! The fused layer epilogue: activation, derivative and statistics in one pass.
//!
//! For each 16 pre-activations `x` (hot in L1 right after the GEMM wrote
//! them): `y = f(x)` overwrites `x`, `f′(x)` goes to the derivative buffer
//! kept for the backward pass, and `y` (with `x`) feeds the statistics lanes.
//! [`unfused`] does the same work in three passes, so the benchmark can
//! measure what fusion buys.
#![forbid(unsafe_code)]

use crate::activation::Activation;
use crate::stats::{SimdBatch, StatsAcc};
use wide::f32x16;

/// One pass: `a ← f(a)`, `d ← f′(a)`, statistics into `acc`.
pub fn fused(act: Activation, a: &mut [f32], d: &mut [f32], acc: &mut StatsAcc) {
    assert_eq!(
        a.len(),
        d.len(),
        "activation and derivative buffers differ in length"
    );
    match act {
        Activation::Sigmoid => fused_body(Activation::Sigmoid, a, d, acc),
        Activation::Tanh => fused_body(Activation::Tanh, a, d, acc),
        Activation::Relu => fused_body(Activation::Relu, a, d, acc),
    }
}

#[inline(always)]
fn fused_body(act: Activation, a: &mut [f32], d: &mut [f32], acc: &mut StatsAcc) {
    let mut batch = SimdBatch::new(acc);
    let mut ac = a.chunks_exact_mut(16);
    let mut dc = d.chunks_exact_mut(16);
    for (av, dv) in (&mut ac).zip(&mut dc) {
        let x = f32x16::from(&*av);
        let y = act.eval(x);
        av.copy_from_slice(y.as_array());
        dv.copy_from_slice(act.derivative_from(x, y).as_array());
        batch.push_layer(acc, x, y);
    }
    batch.flush(acc);
    for (av, dv) in ac.into_remainder().iter_mut().zip(dc.into_remainder()) {
        let x = *av;
        let y = act.eval::<f32>(x);
        *av = y;
        *dv = act.derivative_from::<f32>(x, y);
        acc.push_layer(x, y);
    }
}

/// The same results in three passes: activation, derivative, statistics.
pub fn unfused(act: Activation, a: &mut [f32], d: &mut [f32], acc: &mut StatsAcc) {
    assert_eq!(
        a.len(),
        d.len(),
        "activation and derivative buffers differ in length"
    );
    for (dv, &x) in d.iter_mut().zip(a.iter()) {
        *dv = x; // keep x for the derivative
    }
    act.apply_simd_in_place(a);
    for (dv, &y) in d.iter_mut().zip(a.iter()) {
        *dv = act.derivative_from::<f32>(*dv, y);
    }
    acc.extend_simd(a);
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

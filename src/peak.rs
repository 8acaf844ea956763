//! A register-only FMA loop: the machine's measured floating-point ceiling.
//!
//! Independent `f32x16` accumulators (more than FMA latency × issue
//! width) are updated `ITERS` times; nothing touches memory, so the rate is
//! the core's FMA throughput. Reports divide other GFLOP/s figures by it.
#![forbid(unsafe_code)]

use rayon::prelude::*;
use wide::f32x16;

/// Independent accumulators: enough chains to cover FMA latency × issue
/// width, few enough to stay in registers (AVX2: 6 × 2 `ymm` + 4 constants = 16).
#[cfg(not(target_feature = "avx512f"))]
const ACCS: usize = 6;
#[cfg(target_feature = "avx512f")]
const ACCS: usize = 12;
const ITERS: usize = 4096;
/// FLOP of one [`fma_loop`] call: accumulators × lanes × 2 × iterations.
pub const FLOP_PER_CALL: u64 = (ACCS * 16 * 2 * ITERS) as u64;

/// Runs the FMA loop on this thread; returns a value depending on every FMA.
#[inline(never)]
pub fn fma_loop(x: f32) -> f32 {
    // Distinct lanes everywhere, so the compiler cannot share work between them.
    let lanes = f32x16::new(core::array::from_fn(|l| l as f32 * 1e-3));
    let m = f32x16::splat(x) + lanes * f32x16::splat(1e-4);
    let add = f32x16::splat(1e-7) + lanes;
    let mut acc: [f32x16; ACCS] =
        core::array::from_fn(|i| std::hint::black_box(lanes + f32x16::splat(i as f32)));
    for _ in 0..ITERS {
        for a in acc.iter_mut() {
            *a = a.mul_add(m, add);
        }
    }
    acc.iter()
        .fold(0.0, |s, a| s + a.as_array().iter().sum::<f32>())
}

/// The FMA peak of every thread of the rayon pool, GFLOP/s: the fastest of
/// five timings of [`fma_loop_par`] (about 2 ms each on a 2-core AVX2
/// machine). A run's GFLOP/s over this is its share of the machine's ceiling.
pub fn pool_gflops() -> f64 {
    let threads = rayon::current_num_threads().max(1) as f64;
    let flop = FLOP_PER_CALL as f64 * PAR_REPEAT as f64 * threads;
    let best = (0..5)
        .map(|i| {
            let t = std::time::Instant::now();
            std::hint::black_box(fma_loop_par(std::hint::black_box(1.0 + i as f32 * 1e-6)));
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    flop / best.max(1e-9) / 1e9
}

/// [`fma_loop`] calls per thread in [`fma_loop_par`], so that waking the pool
/// (tens of µs) is small against the work.
pub const PAR_REPEAT: usize = 256;

/// [`PAR_REPEAT`] calls of [`fma_loop`] on every thread of the rayon pool:
/// `FLOP_PER_CALL · PAR_REPEAT` FLOP per thread.
pub fn fma_loop_par(x: f32) -> f32 {
    (0..rayon::current_num_threads())
        .into_par_iter()
        .map(|i| {
            (0..PAR_REPEAT)
                .map(|r| fma_loop(x + (i * PAR_REPEAT + r) as f32 * 1e-9))
                .sum::<f32>()
        })
        .sum()
}

//! N(mean, std²) by the Box–Muller transform (Box & Muller 1958).
//!
//! From two words, `u₁ = 1 − (w₀ >> 8)·2⁻²⁴ ∈ (0, 1]` and
//! `θ = 2π·((w₁ >> 8)·2⁻²⁴ − ½) ∈ [−π, π)`:
//!
//! ```text
//! r = √(−2 ln u₁),   z₀ = r cos θ,   z₁ = r sin θ
//! ```
//!
//! `z₀, z₁` are independent N(0, 1). This is an exact transform, not a CLT
//! sum: its only error is the 24-bit grid of `u₁, u₂` and the f32 `ln`/`sin_cos`
//! (a few ulp). The smallest `u₁` is 2⁻²⁴, so |z| reaches √(48 ln 2) ≈ 5.77σ.
//! The SIMD path uses `wide`'s polynomial `ln`, `sqrt` and `sin_cos`; the scalar
//! twin uses the standard library's; the two agree to about 1e-6 for |z| < 5.
use super::{SampleError, Transform, check_finite, check_std};
use crate::simd::Lanes;

/// N(mean, std²) for `f32`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Normal {
    /// Mean.
    pub mean: f32,
    /// Standard deviation (≥ 0).
    pub std: f32,
}

impl Normal {
    /// N(mean, std²); an error for a NaN/infinite mean or a negative/NaN std.
    pub fn new(mean: f32, std: f32) -> Result<Normal, SampleError> {
        check_finite("mean", mean)?;
        check_std("std", std)?;
        Ok(Normal { mean, std })
    }
}

/// The standard normal pair of the module doc.
#[inline(always)]
pub fn box_muller<V: Lanes>(w0: V::Bits, w1: V::Bits) -> (V, V) {
    let one = V::splat(1.0);
    let u1 = one - V::unit_from_bits(w0);
    let theta = (V::unit_from_bits(w1) - V::splat(0.5)) * V::splat(core::f32::consts::TAU);
    let r = (V::splat(-2.0) * u1.ln()).sqrt();
    let (s, c) = theta.sin_cos();
    (r * c, r * s)
}

impl Transform for Normal {
    #[inline(always)]
    fn apply<V: Lanes>(&self, w0: V::Bits, w1: V::Bits) -> (V, V) {
        let (z0, z1) = box_muller::<V>(w0, w1);
        let (m, s) = (V::splat(self.mean), V::splat(self.std));
        (z0.mul_add(s, m), z1.mul_add(s, m))
    }
}

//! Truncated normal, the Keras/JAX convention, by the inverse CDF.
//!
//! `N(mean, σ'²)` truncated to `mean ± 2σ'`, with `σ' = σ / 0.87962566103423978`
//! so that the result has standard deviation σ (0.8796… is the std of a unit
//! normal truncated to ±2).
//!
//! For a uniform `u ∈ [0, 1)`, `p = Φ(−2) + u·(Φ(2) − Φ(−2))` and
//! `z = Φ⁻¹(p) = √2 · erfinv(2p − 1) = √2 · erfinv((2u − 1)·erf(√2))`.
//! Since |2p − 1| ≤ erf(√2) ≈ 0.9545, `w = −ln(1 − x²) ≤ 2.42` and only the
//! central branch of Giles' single-precision `erfinv` is needed (M. Giles,
//! "Approximating the erfinv function", GPU Computing Gems Jade, 2011): a
//! degree-8 polynomial in `w − 2.5`. No rejection, so it vectorizes fully.
use super::{SampleError, Transform, check_finite, check_std};
use crate::simd::Lanes;

/// Std of N(0, 1) truncated to [−2, 2].
pub const TRUNC_STD_2: f64 = 0.879_625_661_034_239_8;
/// erf(√2) = Φ(2) − Φ(−2).
pub const ERF_SQRT2: f64 = 0.954_499_736_103_641_6;

/// Truncated normal with final std `std`, cut at ±2σ'.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TruncatedNormal {
    mean: f32,
    std: f32,
}

impl TruncatedNormal {
    /// A truncated normal whose std is `std`.
    pub fn new(mean: f32, std: f32) -> Result<TruncatedNormal, SampleError> {
        check_finite("mean", mean)?;
        check_std("std", std)?;
        Ok(TruncatedNormal { mean, std })
    }

    /// The mean.
    pub fn mean(&self) -> f32 {
        self.mean
    }

    /// The standard deviation after truncation.
    pub fn std(&self) -> f32 {
        self.std
    }

    /// σ' = σ / 0.8796…, the std of the normal before truncation.
    pub fn sigma_prime(&self) -> f32 {
        (self.std as f64 / TRUNC_STD_2) as f32
    }
}

/// Giles' single-precision erfinv, central branch (valid for |x| ≤ 0.9545...).
#[inline(always)]
pub fn erfinv_central<V: Lanes>(x: V) -> V {
    let w = -(V::splat(1.0) - x * x).ln() - V::splat(2.5);
    let mut p = V::splat(2.810_226_4e-8);
    for c in [
        3.432_739_4e-7,
        -3.523_387_7e-6,
        -4.391_506_5e-6,
        2.185_808_7e-4,
        -1.253_725e-3,
        -4.177_681_6e-3,
        0.246_640_73,
        1.501_409_4,
    ] {
        p = p.mul_add(w, V::splat(c));
    }
    p * x
}

impl Transform for TruncatedNormal {
    #[inline(always)]
    fn apply<V: Lanes>(&self, w0: V::Bits, w1: V::Bits) -> (V, V) {
        let k = V::splat((2.0 * ERF_SQRT2) as f32);
        let e = V::splat(ERF_SQRT2 as f32);
        let s = V::splat((std::f64::consts::SQRT_2 * self.sigma_prime() as f64) as f32);
        let m = V::splat(self.mean);
        let a = erfinv_central(V::unit_from_bits(w0).mul_add(k, -e));
        let b = erfinv_central(V::unit_from_bits(w1).mul_add(k, -e));
        (a.mul_add(s, m), b.mul_add(s, m))
    }
}

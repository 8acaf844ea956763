//! Truncated normal, the Keras/JAX convention, by the inverse CDF.
//!
//! `N(mean, σ'²)` truncated to `mean ± 2σ'`, with `σ' = σ / 0.87962566103423978`
//! so that the result has standard deviation σ (0.8796… is the std of a unit
//! normal truncated to ±2).
//!
//! One word gives one output: with `h = (Φ(2) − Φ(−2))/2 = erf(√2)/2`,
//!
//! ```text
//! q = (k + ½)·2⁻²⁴·2h − h ∈ (−h, h),   k = w mod 2²⁴
//! z = Φ⁻¹(½ + q) = q·P(x)/Q(x),        x = h² − q²
//! ```
//!
//! `P` and `Q` are a degree-(4, 4) rational minimax fit of `Φ⁻¹(½ + q)/q`
//! in `x ∈ [0, h²]`, made for this range (as Wichura's AS241 fits its
//! central region): its relative error is 7e-8 before rounding, and all
//! coefficients are positive, so Horner's rule cancels nothing. With the
//! division it is 15 operations per 16 outputs and no branch; the distance
//! to the pole of Φ⁻¹ at q = ½ (0.023) is what a log would otherwise handle.
//! The scalar twin divides as the SIMD path does (IEEE), so the two agree
//! bit for bit where the build has FMA.
//!
//! The rational replaced Giles' `erfinv` central branch, which needed a log
//! per output (stream version 2): `trunc_normal_f32/simd/1048576` rose from
//! 12% to 42% of `rng_u32/simd/1048576` on an AVX-512 Xeon.
use super::{SampleError, Transform, check_finite, check_std};
use crate::simd::Lanes;

/// Std of N(0, 1) truncated to [−2, 2].
pub(crate) const TRUNC_STD_2: f64 = 0.879_625_661_034_239_8;
/// erf(√2) = Φ(2) − Φ(−2).
pub(crate) const ERF_SQRT2: f64 = 0.954_499_736_103_641_6;

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

/// h = erf(√2)/2, the largest |q|.
const H: f64 = ERF_SQRT2 / 2.0;

/// `P`, lowest coefficient first.
const P: [f32; 5] = [4.190_676_7, 223.146_01, 3_008.677_7, 9_618.731, 3_413.585_4];
/// `Q`, lowest coefficient first.
const Q: [f32; 5] = [1.0, 60.755_062, 1_010.563_7, 4_676.157, 3_977.981_7];

/// Φ⁻¹(½ + q) for |q| ≤ h (the module doc's rational function).
#[inline(always)]
pub(crate) fn probit_central<V: Lanes>(q: V) -> V {
    let x = (-q).mul_add(q, V::splat((H * H) as f32));
    let mut p = V::splat(P[4]);
    let mut d = V::splat(Q[4]);
    for k in (0..4).rev() {
        p = p.mul_add(x, V::splat(P[k]));
        d = d.mul_add(x, V::splat(Q[k]));
    }
    (q * p) / d
}

/// The `q` of word `w`: midpoints of a 2²⁴ grid on (−h, h).
#[inline(always)]
pub(crate) fn centred_uniform<V: Lanes>(w: V::Bits) -> V {
    const STEP: f64 = 2.0 * H / (1u64 << 24) as f64;
    V::from_low_bits(w, 24).mul_add(V::splat(STEP as f32), V::splat((0.5 * STEP - H) as f32))
}

impl Transform for TruncatedNormal {
    const WORDWISE: bool = true;

    #[inline(always)]
    fn apply<V: Lanes>(&self, w: [V::Bits; 4]) -> [V; 4] {
        let s = V::splat(self.sigma_prime());
        let m = V::splat(self.mean);
        w.map(|w| probit_central(centred_uniform::<V>(w)).mul_add(s, m))
    }
}

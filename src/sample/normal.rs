//! N(mean, std²) by the Box–Muller transform (Box & Muller 1958).
//!
//! From two words, `u₁ = 1 − (w₀ >> 8)·2⁻²⁴ ∈ (0, 1]` and
//! `t = (w₁ >> 8)·2⁻²⁴ − ½ ∈ [−½, ½)`:
//!
//! ```text
//! r = √(−2 ln u₁),   z₀ = r cos 2πt,   z₁ = r sin 2πt
//! ```
//!
//! `z₀, z₁` are independent N(0, 1). This is an exact transform, not a CLT
//! sum: its only error is the 24-bit grid of `u₁, t` and the f32 arithmetic.
//! The smallest `u₁` is 2⁻²⁴, so |z| reaches √(48 ln 2) ≈ 5.77σ.
//!
//! Both elementary functions are written here for their known domains, so the
//! SIMD path needs no range checks and the scalar twin runs the very same
//! polynomials: [`ln_unit`] is Cephes' `logf` reduction (`u = m·2^e`,
//! `m ∈ [√½, √2)`, a degree-8 polynomial in `m − 1`), and [`sin_cos_2pi`] folds
//! `2πt` into [0, π/4] by symmetry and evaluates the Taylor polynomials of sin
//! (to φ⁹) and cos (to φ¹⁰), whose truncation error there is below 3e-8. Both
//! stay within 2e-7 of the exact values (`tests/samplers.rs`).
use super::{SampleError, Transform, check_finite, check_std};
use crate::simd::Lanes;

/// N(mean, std²) for `f32`. Its parameters are set by [`Normal::new`] alone,
/// which checks them:
///
/// ```compile_fail
/// let n = weightinit::sample::Normal { mean: 0.0, std: f32::NAN };
/// ```
///
/// As a `rand` distribution it draws one value per two words of the caller's
/// generator, by the scalar twin of the SIMD transform:
///
/// ```
/// use rand::{RngExt, SeedableRng};
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
/// let x: f32 = rng.sample(weightinit::sample::Normal::new(0.0, 1.0)?);
/// assert!(x.is_finite());
/// # Ok::<(), weightinit::sample::SampleError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Normal {
    mean: f32,
    std: f32,
}

impl Normal {
    /// N(mean, std²); an error for a NaN/infinite mean or a negative/NaN std.
    pub fn new(mean: f32, std: f32) -> Result<Normal, SampleError> {
        check_finite("mean", mean)?;
        check_std("std", std)?;
        Ok(Normal { mean, std })
    }

    /// The mean.
    pub fn mean(&self) -> f32 {
        self.mean
    }

    /// The standard deviation.
    pub fn std(&self) -> f32 {
        self.std
    }
}

/// ln u for `u ∈ (0, 1]` (any positive normal `u`), Cephes' `logf` polynomial.
#[inline(always)]
pub fn ln_unit<V: Lanes>(u: V) -> V {
    let (m, e) = u.frexp_sqrt2();
    let f = m - V::splat(1.0);
    let mut p = V::splat(7.037_683_6e-2);
    for c in [
        -1.151_461e-1,
        1.167_699_9e-1,
        -1.242_014_1e-1,
        1.424_932_3e-1,
        -1.666_805_8e-1,
        2.000_071_4e-1,
        -2.499_999_4e-1,
        3.333_333e-1,
    ] {
        p = p.mul_add(f, V::splat(c));
    }
    let f2 = f * f;
    // ln 2 = 0.693359375 − 2.12194440e-4 (Cody–Waite split: e·0.693359375 is exact).
    let y = (f2 * f).mul_add(p, e * V::splat(-2.121_944_4e-4));
    let y = f2.mul_add(V::splat(-0.5), y) + f;
    e.mul_add(V::splat(0.693_359_4), y)
}

/// (sin 2πt, cos 2πt) for `t ∈ [−½, ½]`, folded to an angle in [0, π/4].
#[inline(always)]
pub fn sin_cos_2pi<V: Lanes>(t: V) -> (V, V) {
    let (zero, one) = (V::splat(0.0), V::splat(1.0));
    let a = t.abs();
    // cos(2π(½ − a)) = −cos 2πa, sin(2π(½ − a)) = sin 2πa: fold a to [0, ¼].
    let past_quarter = a.select_gt(V::splat(0.25), one, zero);
    let b = a.select_gt(V::splat(0.25), V::splat(0.5) - a, a);
    // sin and cos swap under b → ¼ − b: fold b to [0, ⅛], i.e. φ ∈ [0, π/4].
    let swap = b.select_gt(V::splat(0.125), one, zero);
    let c = b.select_gt(V::splat(0.125), V::splat(0.25) - b, b);
    let phi = c * V::splat(core::f32::consts::TAU);
    let p2 = phi * phi;
    let mut sp = V::splat(1.0 / 362_880.0);
    for k in [-1.0 / 5040.0, 1.0 / 120.0, -1.0 / 6.0] {
        sp = sp.mul_add(p2, V::splat(k));
    }
    let sin_phi = (phi * p2).mul_add(sp, phi);
    let mut cp = V::splat(-1.0 / 3_628_800.0);
    for k in [1.0 / 40_320.0, -1.0 / 720.0, 1.0 / 24.0, -0.5] {
        cp = cp.mul_add(p2, V::splat(k));
    }
    let cos_phi = p2.mul_add(cp, one);
    let (s, c) = (
        swap.select_gt(V::splat(0.5), cos_phi, sin_phi),
        swap.select_gt(V::splat(0.5), sin_phi, cos_phi),
    );
    let c = past_quarter.select_gt(V::splat(0.5), -c, c);
    let s = t.select_gt(zero, s, -s);
    (s, c)
}

/// The standard normal pair of the module doc.
#[inline(always)]
pub fn box_muller<V: Lanes>(w0: V::Bits, w1: V::Bits) -> (V, V) {
    let u1 = V::splat(1.0) - V::unit_from_bits(w0);
    let t = V::unit_from_bits(w1) - V::splat(0.5);
    let r = (V::splat(-2.0) * ln_unit(u1)).sqrt();
    let (s, c) = sin_cos_2pi(t);
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

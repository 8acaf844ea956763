//! N(mean, std²) by the Box–Muller transform (Box & Muller 1958).
//!
//! A pair of words `(w₀, w₁)` gives two outputs:
//!
//! ```text
//! u  = 1 − k·2⁻²⁴ ∈ [2⁻²⁴, 1],       k = w₀ mod 2²⁴
//! r  = √(−2 ln u)
//! φ  = (j + ½)·(π/4)·2⁻²¹ ∈ (0, π/4),   j = w₁ mod 2²¹
//! (x, y) = (cos φ, sin φ), swapped when bit 30 of w₁ is set,
//!          x negated by bit 31 of w₁, y by bit 31 of w₀
//! z₀, z₁ = r·x, r·y
//! ```
//!
//! The swap and the two signs carry the octant: the angle of `(x, y)` is
//! uniform on a grid of 2²⁴ midpoints of the circle, symmetric under every
//! reflection of the square, so `z₀, z₁` are independent N(0, 1) up to the
//! 24-bit grids of `u` and the angle. The smallest `u` is 2⁻²⁴, so |z|
//! reaches √(48 ln 2) ≈ 5.77σ. Taking the octant from bits, rather
//! than folding an angle in [−π, π] by compares, leaves two short polynomials
//! and three bit operations.
//!
//! Both elementary functions are written here for their known domains, so the
//! SIMD path needs no range checks and the scalar twin runs the very same
//! polynomials:
//! - [`neg_two_ln`]: `u = m·2^e`, `m ∈ [√½, √2)` by integer arithmetic on the
//!   bits, then `ln m = f − f²/2 + f³·P(f)`, `f = m − 1`, with a degree-6
//!   minimax `P` fitted for relative error (Cephes' `logf` has the same form
//!   with degree 8);
//! - [`sin_cos_octant`]: Cephes' `sinf`/`cosf` polynomials on [0, π/4].
//!
//! `−2 ln u` stays within 1.2e-7 relative and sin, cos within 1e-7 absolute
//! of the exact values (`tests/samplers.rs`).
//!
//! Box–Muller was kept over √2·erfinv(2u − 1), XLA's normal: that needs a log
//! per output, where Box–Muller needs one per pair, and a tail branch. The
//! octant bits and the shorter log (stream version 2) took
//! `normal_f32/simd/1048576` from 23% to 39–40% of `rng_u32/simd/1048576` on
//! an AVX-512 Xeon (two criterion runs). Left untried: one log per four
//! outputs (a uniform point on S³), worth about 5% by operation count.
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

/// `P`, highest coefficient first: a degree-6 minimax fit of
/// `(ln(1 + f) − f + f²/2)/f³` on `[√½ − 1, √2 − 1]`, weighted for the
/// relative error of `ln(1 + f)` (3e-8 before rounding to `f32`).
const LN_POLY: [f32; 7] = [
    8.700_435e-2,
    -1.426_748_6e-1,
    1.491_477e-1,
    -1.657_758_5e-1,
    1.996_306_3e-1,
    -2.500_133_8e-1,
    3.333_391e-1,
];

/// −2 ln u for `u ∈ (0, 1]` (any positive normal `u`): `r²` of the transform.
#[inline(always)]
pub fn neg_two_ln<V: Lanes>(u: V) -> V {
    let (m, e) = u.frexp_sqrt2();
    let f = m - V::splat(1.0);
    let mut q = V::splat(LN_POLY[0]);
    for c in &LN_POLY[1..] {
        q = q.mul_add(f, V::splat(*c));
    }
    let q = q.mul_add(f, V::splat(-0.5));
    // −2 ln m = f'·(1 + f·q) with f' = −2f and q = f·P − ½; e·(−2 ln 2) is exact enough
    // unsplit: |e| ≥ 1 only where |−2 ln u| ≥ 0.69.
    let f2 = f * V::splat(-2.0);
    let y = (f2 * f).mul_add(q, f2);
    e.mul_add(V::splat(-2.0 * core::f32::consts::LN_2), y)
}

/// Bits of the angle word: the offset within the octant, and the octant's three bits.
const ANGLE_BITS: u32 = 21;
const SWAP_BIT: u32 = 30;
const SIGN_BIT: u32 = 31;
/// Bits of `w₀` that give `u`.
const RADIUS_BITS: u32 = 24;

/// (sin φ, cos φ) for φ ∈ [0, π/4]: Cephes' `sinf` and `cosf` minimax polynomials.
#[inline(always)]
pub fn sin_cos_octant<V: Lanes>(phi: V) -> (V, V) {
    let z = phi * phi;
    let sp = V::splat(-1.951_529_6e-4)
        .mul_add(z, V::splat(8.332_161e-3))
        .mul_add(z, V::splat(-1.666_665_5e-1));
    let sin = (phi * z).mul_add(sp, phi);
    let cp = V::splat(2.443_315_7e-5)
        .mul_add(z, V::splat(-1.388_731_6e-3))
        .mul_add(z, V::splat(4.166_664_6e-2));
    let cos = (z * z).mul_add(cp, z.mul_add(V::splat(-0.5), V::splat(1.0)));
    (sin, cos)
}

/// The unit vector `(x, y)` of the module doc.
#[inline(always)]
pub fn unit_circle<V: Lanes>(w0: V::Bits, w1: V::Bits) -> (V, V) {
    const STEP: f32 = core::f32::consts::FRAC_PI_4 / (1u32 << ANGLE_BITS) as f32;
    let phi = V::from_low_bits(w1, ANGLE_BITS).mul_add(V::splat(STEP), V::splat(0.5 * STEP));
    let (s, c) = sin_cos_octant(phi);
    let x = V::select_by_bit(w1, SWAP_BIT, s, c).flip_sign_by_bit(w1, SIGN_BIT);
    let y = V::select_by_bit(w1, SWAP_BIT, c, s).flip_sign_by_bit(w0, SIGN_BIT);
    (x, y)
}

/// The radius `r` and the unit vector `(x, y)` of the module doc.
#[inline(always)]
pub fn polar<V: Lanes>(w0: V::Bits, w1: V::Bits) -> (V, V, V) {
    const STEP: f32 = 1.0 / (1u32 << RADIUS_BITS) as f32;
    let u = V::from_low_bits(w0, RADIUS_BITS).mul_add(V::splat(-STEP), V::splat(1.0));
    let r = neg_two_ln(u).sqrt();
    let (x, y) = unit_circle::<V>(w0, w1);
    (r, x, y)
}

impl Transform for Normal {
    #[inline(always)]
    fn apply<V: Lanes>(&self, w0: V::Bits, w1: V::Bits) -> (V, V) {
        let (r, x, y) = polar::<V>(w0, w1);
        let (m, rs) = (V::splat(self.mean), r * V::splat(self.std));
        (x.mul_add(rs, m), y.mul_add(rs, m))
    }
}

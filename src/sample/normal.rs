//! N(mean, std²), four at a time: a χ₄ radius times a uniform point on S³.
//!
//! Box & Muller (1958) make two normals from a radius `r = √(−2 ln u)` and a
//! uniform angle. Four normals need only one log: for a standard normal
//! `z ∈ ℝ⁴`, `R² = |z|²` is χ²₄, which is `−2 ln(u₁u₂)`, and independently
//! `(z₁² + z₂²)/R²` is uniform on (0, 1) (a ratio of two χ²₂); each pair's
//! direction is uniform on its circle. From four words `a, b, c, d` of one
//! lane (consecutive steps), each uniform read straight off the bits as the
//! mantissa of a float in [1, 2) (no integer conversion):
//!
//! ```text
//! u₁ = 2 − (1 + (a mod 2²³)·2⁻²³),  u₂ the same of c  ∈ [2⁻²³, 1]
//! R² = −2 ln(u₁u₂)
//! v  = (k + ½)·2⁻²³ ∈ (0, 1),  k = the top bytes of a and c and bits 24..30 of b
//! r₁ = √(R²·v),  r₂ = √(R² − R²·v)
//! z₁, z₂ = r₁·(x, y) of b;     z₃, z₄ = r₂·(x, y) of d
//! ```
//!
//! The unit vector `(x, y)` of a word `w`: `φ = (j + ½)·(π/4)·2⁻²¹ ∈ (0, π/4)`
//! with `j` = bits 2..22 of `w`, then `(cos φ, sin φ)`, swapped when bit 0 is
//! set, `y` negated by bit 1 and `x` by bit 31 (the sign bit's own place, one
//! bitwise operation). The swap and the signs carry the octant, so the angle
//! is uniform on a grid of 2²⁴ midpoints of the circle, symmetric under every
//! reflection of the square, with two short polynomials and no compare folds.
//! The smallest `u₁u₂` is 2⁻⁴⁶, so |z| reaches √(92 ln 2) ≈ 8.0σ; the rounding
//! of the product moves R² by at most 1.2e-7, which matters only for
//! R² < 10⁻⁵ (probability 10⁻¹¹).
//!
//! Both elementary functions are written here for their known domains, so the
//! SIMD path needs no range checks and the scalar twin runs the very same
//! polynomials:
//! - [`neg_two_ln`]: `u = m·2^e`, `m ∈ [√½, √2)` by integer arithmetic on the
//!   bits, then `ln m = f − f²/2 + f³·P(f)`, `f = m − 1`, with a degree-6
//!   minimax `P` fitted for relative error (Cephes' `logf` has the same form
//!   with degree 8);
//! - [`sin_cos_octant`]: Cephes' `sinf`/`cosf` coefficients on [0, π/4], by
//!   Horner's rule in φ², times the std (so `z = r·(x, y) + mean` is one FMA).
//!
//! `−2 ln u` stays within 1.5e-7 relative and sin, cos within 1e-7 absolute
//! of the exact values (`tests/samplers.rs`).
//!
//! Tuning stopped (stream version 3) when `normal_f32/simd/1048576` ran at
//! 48% of `rng_u32/simd/1048576` on an AVX-512 Xeon, past its 40% target;
//! the generator's four steps per 64 outputs are a third of what is left.
//! The history is in the commit messages.
use super::{SampleError, Transform, check_finite, check_std};
use crate::simd::{Lanes, MANTISSA, TWO_POW_M24};

/// N(mean, std²) for `f32`. Its parameters are set by [`Normal::new`] alone,
/// which checks them:
///
/// ```compile_fail
/// let n = weightinit::sample::Normal { mean: 0.0, std: f32::NAN };
/// ```
///
/// As a `rand` distribution it draws one value per four words of the caller's
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
pub(crate) fn neg_two_ln<V: Lanes>(u: V) -> V {
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

/// Bits of an angle word: the offset within the octant (bits 2..22, read as a
/// mantissa with bit 1 set for the midpoint), then the octant's three bits.
const ANGLE_MASK: u32 = 0x007f_fffc;
const ANGLE_MIDPOINT: u32 = 0b10;
const SWAP_BIT: u32 = 0;
const SIGN_Y_BIT: u32 = 1;
/// The sign bit's own place: the flip is a single bitwise operation.
const SIGN_X_BIT: u32 = 31;

/// Cephes' `sinf` coefficients after the leading 1, highest first.
const SIN_POLY: [f32; 3] = [-1.951_529_6e-4, 8.332_161e-3, -1.666_665_5e-1];
/// Cephes' `cosf` coefficients, highest first, then −½ and 1.
const COS_POLY: [f32; 5] = [2.443_315_7e-5, -1.388_731_6e-3, 4.166_664_6e-2, -0.5, 1.0];

/// (k·sin φ, k·cos φ) for φ ∈ [0, π/4]: Cephes' `sinf` and `cosf` minimax
/// polynomials, each by Horner's rule in φ² with its coefficients times `k`
/// (the normal's std), so the scale costs no operation.
#[inline(always)]
pub(crate) fn sin_cos_octant<V: Lanes>(phi: V, k: f32) -> (V, V) {
    let z = phi * phi;
    let horner = |coefs: &[f32], last: f32| {
        let mut acc = V::splat(coefs[0] * k);
        for c in &coefs[1..] {
            acc = acc.mul_add(z, V::splat(c * k));
        }
        acc.mul_add(z, V::splat(last * k))
    };
    let sin = phi * horner(&SIN_POLY, 1.0);
    let cos = horner(&COS_POLY[..4], COS_POLY[4]);
    (sin, cos)
}

/// The vector `k·(x, y)` for the unit vector `(x, y)` of angle word `w` (the module doc).
#[inline(always)]
pub(crate) fn unit_circle<V: Lanes>(w: V::Bits, k: f32) -> (V, V) {
    const QUARTER_PI: f32 = core::f32::consts::FRAC_PI_4;
    let m = V::one_plus_mantissa(w, ANGLE_MASK, ANGLE_MIDPOINT);
    let phi = m.mul_add(V::splat(QUARTER_PI), V::splat(-QUARTER_PI));
    let (s, c) = sin_cos_octant(phi, k);
    let x = V::select_by_bit(w, SWAP_BIT, s, c).flip_sign_by_bit(w, SIGN_X_BIT);
    let y = V::select_by_bit(w, SWAP_BIT, c, s).flip_sign_by_bit(w, SIGN_Y_BIT);
    (x, y)
}

/// `u ∈ [2⁻²³, 1]` of radius word `w`: 2 − (1 + k·2⁻²³), exactly.
#[inline(always)]
fn radius_uniform<V: Lanes>(w: V::Bits) -> V {
    V::splat(2.0) - V::one_plus_mantissa(w, MANTISSA, 0)
}

/// The two radii `(r₁, r₂)` of words `a, b, c` (the module doc).
#[inline(always)]
pub(crate) fn radii<V: Lanes>(a: V::Bits, b: V::Bits, c: V::Bits) -> (V, V) {
    let r2 = neg_two_ln(radius_uniform::<V>(a) * radius_uniform::<V>(c));
    // (1 + k·2⁻²³) − (1 − 2⁻²⁴) = (k + ½)·2⁻²³, exactly.
    let v = V::one_plus_top_bytes(a, c, b) - V::splat(1.0 - TWO_POW_M24);
    let p = r2 * v;
    (p.sqrt(), (r2 - p).sqrt())
}

impl Transform for Normal {
    const WORDWISE: bool = false;

    #[inline(always)]
    fn apply<V: Lanes>(&self, w: [V::Bits; 4]) -> [V; 4] {
        let [a, b, c, d] = w;
        let (r1, r2) = radii::<V>(a, b, c);
        let (x1, y1) = unit_circle::<V>(b, self.std);
        let (x2, y2) = unit_circle::<V>(d, self.std);
        let m = V::splat(self.mean);
        [
            x1.mul_add(r1, m),
            y1.mul_add(r1, m),
            x2.mul_add(r2, m),
            y2.mul_add(r2, m),
        ]
    }
}

//! U[lo, hi) from the top 24 bits of a 32-bit word.
//!
//! `u = (w >> 8) · 2⁻²⁴ ∈ [0, 1 − 2⁻²⁴]`, then `x = min(lo + u·(hi − lo), hi⁻)`
//! where `hi⁻` is the largest `f32` below `hi`. All-zero bits give exactly `lo`;
//! the product and the sum are separate IEEE operations (no FMA), so every ISA
//! gives the same bits, and the clamp guarantees that no value reaches `hi`.
use super::{SampleError, Transform, check_finite};
use crate::simd::Lanes;

/// U[lo, hi) for `f32`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Uniform {
    lo: f32,
    hi: f32,
    scale: f32,
    below_hi: f32,
}

impl Uniform {
    /// U[lo, hi); an error for non-finite bounds or `lo ≥ hi`.
    pub fn new(lo: f32, hi: f32) -> Result<Uniform, SampleError> {
        check_finite("lo", lo)?;
        check_finite("hi", hi)?;
        if lo >= hi || !(hi - lo).is_finite() {
            return Err(SampleError::EmptyRange {
                lo: lo as f64,
                hi: hi as f64,
            });
        }
        Ok(Uniform {
            lo,
            hi,
            scale: hi - lo,
            below_hi: next_down(hi),
        })
    }

    /// U[−a, a); `a` must be finite and > 0.
    pub fn symmetric(a: f32) -> Result<Uniform, SampleError> {
        Uniform::new(-a, a)
    }

    /// The lower bound.
    pub fn lo(&self) -> f32 {
        self.lo
    }

    /// The (excluded) upper bound.
    pub fn hi(&self) -> f32 {
        self.hi
    }

    /// The largest value that can be drawn.
    pub fn max_value(&self) -> f32 {
        self.below_hi
    }

    /// Standard deviation (hi − lo)/√12.
    pub fn std(&self) -> f64 {
        self.scale as f64 / 12f64.sqrt()
    }
}

/// The largest `f32` below a finite `x`.
pub(crate) fn next_down(x: f32) -> f32 {
    if x == 0.0 {
        -f32::from_bits(1)
    } else if x > 0.0 {
        f32::from_bits(x.to_bits() - 1)
    } else {
        f32::from_bits(x.to_bits() + 1)
    }
}

impl Transform for Uniform {
    const WORDWISE: bool = true;

    #[inline(always)]
    fn apply<V: Lanes>(&self, w: [V::Bits; 4]) -> [V; 4] {
        let (lo, scale, top) = (
            V::splat(self.lo),
            V::splat(self.scale),
            V::splat(self.below_hi),
        );
        w.map(|w| (V::unit_from_bits(w) * scale + lo).min(top))
    }
}

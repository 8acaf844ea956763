//! The textbook triple loop: the reference every fast GEMM is tested against.
//!
//! `C ← α·A·B + β·C`, with `β = 0` ignoring C's old contents (NaN included)
//! and `α = 0` skipping the product, as BLAS does. One body, generic over the
//! type it sums in: `f32` (the reference the fast paths meet within rounding)
//! or `f64` (the tests' nearly exact one).
#![forbid(unsafe_code)]

use super::{GemmError, MatMut, MatRef, check_dims};
use core::ops::{Add, Mul};

/// A type the triple loop sums in.
pub trait Accumulator: Copy + Add<Output = Self> + Mul<Output = Self> {
    /// 0.
    const ZERO: Self;
    /// From an element.
    fn of(x: f32) -> Self;
    /// Back to an element.
    fn to_f32(self) -> f32;
}

impl Accumulator for f32 {
    const ZERO: f32 = 0.0;
    fn of(x: f32) -> f32 {
        x
    }
    fn to_f32(self) -> f32 {
        self
    }
}

impl Accumulator for f64 {
    const ZERO: f64 = 0.0;
    fn of(x: f32) -> f64 {
        x as f64
    }
    fn to_f32(self) -> f32 {
        self as f32
    }
}

/// `C ← α·A·B + β·C` by `for i { for j { for p { … } } }`, summing in `T`.
pub fn gemm<T: Accumulator>(
    alpha: f32,
    a: MatRef,
    b: MatRef,
    beta: f32,
    c: &mut MatMut,
) -> Result<(), GemmError> {
    check_dims(&a, &b, c)?;
    for i in 0..c.rows {
        for j in 0..c.cols {
            let mut s = T::ZERO;
            if alpha != 0.0 {
                for p in 0..a.cols {
                    s = s + T::of(a.at(i, p)) * T::of(b.at(p, j));
                }
            }
            let old = T::of(*c.at_mut(i, j));
            let v = if beta == 0.0 {
                T::of(alpha) * s
            } else {
                T::of(alpha) * s + T::of(beta) * old
            };
            *c.at_mut(i, j) = v.to_f32();
        }
    }
    Ok(())
}

/// `gemm` summing in `f32`: the reference of the fast paths.
pub fn sgemm(alpha: f32, a: MatRef, b: MatRef, beta: f32, c: &mut MatMut) -> Result<(), GemmError> {
    gemm::<f32>(alpha, a, b, beta, c)
}

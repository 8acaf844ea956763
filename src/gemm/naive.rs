//! The textbook triple loop: the reference every fast GEMM is tested against.
//!
//! `C ← α·A·B + β·C`, with `β = 0` ignoring C's old contents (NaN included)
//! and `α = 0` skipping the product, as BLAS does.
#![forbid(unsafe_code)]

use super::{GemmError, MatMut, MatRef, check_dims};

/// `C ← α·A·B + β·C` by `for i { for j { for p { … } } }`, summing in `f32`.
pub fn sgemm(alpha: f32, a: MatRef, b: MatRef, beta: f32, c: &mut MatMut) -> Result<(), GemmError> {
    check_dims(&a, &b, c)?;
    for i in 0..c.rows {
        for j in 0..c.cols {
            let mut s = 0f32;
            if alpha != 0.0 {
                for p in 0..a.cols {
                    s += a.at(i, p) * b.at(p, j);
                }
            }
            let old = *c.at_mut(i, j);
            *c.at_mut(i, j) = if beta == 0.0 {
                alpha * s
            } else {
                alpha * s + beta * old
            };
        }
    }
    Ok(())
}

/// The same product accumulated in `f64` (the tests' exact-ish reference).
pub fn sgemm_f64(
    alpha: f32,
    a: MatRef,
    b: MatRef,
    beta: f32,
    c: &mut MatMut,
) -> Result<(), GemmError> {
    check_dims(&a, &b, c)?;
    for i in 0..c.rows {
        for j in 0..c.cols {
            let mut s = 0f64;
            if alpha != 0.0 {
                for p in 0..a.cols {
                    s += a.at(i, p) as f64 * b.at(p, j) as f64;
                }
            }
            let old = *c.at_mut(i, j) as f64;
            let v = if beta == 0.0 {
                alpha as f64 * s
            } else {
                alpha as f64 * s + beta as f64 * old
            };
            *c.at_mut(i, j) = v as f32;
        }
    }
    Ok(())
}

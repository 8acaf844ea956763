//! Orthogonal initialization (Saxe, McClelland & Ganguli, "Exact solutions to the
//! nonlinear dynamics of learning in deep linear neural networks", ICLR 2014).
//!
//! Draw `G` with i.i.d. N(0, 1) entries (our samplers), shaped tall
//! (`max(r, c) × min(r, c)`), factor `G = QR` by Householder reflections, and
//! multiply column `j` of `Q` by sign(R_jj). The sign correction makes `Q`
//! Haar-distributed (Mezzadri, "How to generate random matrices from the
//! classical compact groups", 2007). The result is `gain·Q` (tall) or
//! `gain·Qᵀ` (wide): orthonormal columns or rows, whichever side is shorter.
//!
//! Cost: `2mn² − 2n³/3` flops for R plus as much again to form Q, done in
//! `f64`, unblocked, on one thread (about 1 s for 1024 × 1024 here, see the
//! `orthogonal` benchmark). A blocked (WY) variant would route the updates
//! through the GEMM; at the experiment's sizes (100 × 100, ~1 ms) it does not
//! pay, so it is not done.
#![forbid(unsafe_code)]

use crate::rng::StreamKey;
use crate::sample::{Dist, Normal, Path};

/// Orthogonal initialization failed.
#[derive(Clone, Debug, PartialEq)]
pub enum OrthogonalError {
    /// `out` does not hold `rows × cols` floats, or a side is 0.
    Shape {
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
        /// Floats given.
        len: usize,
    },
}

impl core::fmt::Display for OrthogonalError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let OrthogonalError::Shape { rows, cols, len } = self;
        write!(
            f,
            "orthogonal: a {rows}x{cols} matrix does not fit {len} floats"
        )
    }
}

impl std::error::Error for OrthogonalError {}

/// Fills the row-major `rows × cols` matrix `out` with `gain ·` a Haar (semi-)orthogonal matrix.
pub fn fill(
    rows: usize,
    cols: usize,
    gain: f32,
    key: StreamKey,
    out: &mut [f32],
    path: Path,
) -> Result<(), OrthogonalError> {
    if rows == 0 || cols == 0 || out.len() != rows * cols {
        return Err(OrthogonalError::Shape {
            rows,
            cols,
            len: out.len(),
        });
    }
    let (m, n) = (rows.max(cols), rows.min(cols));
    let mut g = vec![0f32; m * n];
    let normal = Dist::Normal(Normal::new(0.0, 1.0).expect("unit normal is valid"));
    normal.fill(
        key,
        &mut g,
        if path == Path::Naive {
            Path::Naive
        } else {
            Path::SimdPar
        },
    );
    // Column-major m×n copy in f64: column j is a[j*m .. (j+1)*m]; g is read as row-major m×n.
    let mut a = vec![0f64; m * n];
    for i in 0..m {
        for j in 0..n {
            a[j * m + i] = g[i * n + j] as f64;
        }
    }
    let q = householder_q(&mut a, m, n);
    for i in 0..rows {
        for j in 0..cols {
            // Tall: W = Q (m = rows). Wide: W = Qᵀ (m = cols).
            let v = if rows >= cols {
                q[j * m + i]
            } else {
                q[i * m + j]
            };
            out[i * cols + j] = gain * v as f32;
        }
    }
    Ok(())
}

/// Q·diag(sign(diag R)) of the column-major `m × n` matrix `a` (m ≥ n), column-major.
fn householder_q(a: &mut [f64], m: usize, n: usize) -> Vec<f64> {
    let mut vs: Vec<Vec<f64>> = Vec::with_capacity(n);
    let mut signs = vec![1f64; n];
    for j in 0..n {
        let x = &a[j * m + j..(j + 1) * m];
        let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
        let alpha = if x[0] >= 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = x.to_vec();
        v[0] -= alpha;
        let vn = v.iter().map(|t| t * t).sum::<f64>().sqrt();
        if vn > 0.0 {
            v.iter_mut().for_each(|t| *t /= vn);
        }
        // R_jj = alpha; apply H = I − 2vvᵀ to the trailing columns.
        signs[j] = if alpha < 0.0 { -1.0 } else { 1.0 };
        for c in j..n {
            let col = &mut a[c * m + j..(c + 1) * m];
            let d = 2.0 * v.iter().zip(col.iter()).map(|(p, q)| p * q).sum::<f64>();
            col.iter_mut().zip(&v).for_each(|(t, p)| *t -= d * p);
        }
        vs.push(v);
    }
    // Q = H₀ H₁ … H_{n−1} · I[:, :n], applied right to left.
    let mut q = vec![0f64; m * n];
    for j in 0..n {
        q[j * m + j] = 1.0;
    }
    for j in (0..n).rev() {
        let v = &vs[j];
        for c in 0..n {
            let col = &mut q[c * m + j..(c + 1) * m];
            let d = 2.0 * v.iter().zip(col.iter()).map(|(p, q)| p * q).sum::<f64>();
            col.iter_mut().zip(v).for_each(|(t, p)| *t -= d * p);
        }
    }
    for (j, s) in signs.iter().enumerate() {
        q[j * m..(j + 1) * m].iter_mut().for_each(|t| *t *= s);
    }
    q
}

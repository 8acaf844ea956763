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
//! # Two factorizations of the same `Q`
//! * [`Qr::Unblocked`], the reference: one reflector `H_j = I − 2v_jv_jᵀ` at a
//!   time, in `f64`, on one thread. `2mn² − 2n³/3` flops for R and as many again
//!   to form Q, all of them vector–vector (BLAS-2 style), so memory-bound once
//!   the matrix leaves the cache.
//! * [`Qr::Blocked`], the fast path: panels of [`PANEL`] columns are factored
//!   unblocked (in `f64`), and their reflectors are gathered in the compact WY
//!   form `H_k ⋯ H_{k+b−1} = I − V T Vᵀ` (Schreiber & Van Loan, "A
//!   storage-efficient WY representation for products of Householder
//!   transformations", 1989; LAPACK's `dlarft`). The trailing matrix update
//!   `A ← A − V Tᵀ (Vᵀ A)` and the formation of Q, `Q ← Q − V T (Vᵀ Q)`, are
//!   then three matrix products each, run by [`crate::gemm`] (on the rayon pool
//!   when large): all but `O(mnb)` of the flops go through the blocked GEMM, in
//!   `f32`.
//!
//! Each `v` is rounded to `f32` once and its `τ = 2/(vᵀv)` computed from the
//! rounded values, so every block reflector is exactly orthogonal and the only
//! loss of orthogonality is the `f32` rounding of the products
//! (`‖QᵀQ − I‖_max` < 1e-5 at 1024 × 1024, asserted in `tests/orthogonal.rs`). The `orthogonal/qr/{100,1024}`
//! benchmark gives the cost; the README quotes it. Both paths are deterministic
//! for a seed, and the GEMM never splits K, so the bytes do not depend on the
//! thread count.
#![forbid(unsafe_code)]

use crate::backend::Backend;
use crate::gemm::{self, MatMut, MatRef};
use crate::rng::StreamKey;
use crate::sample::{Dist, Normal};

/// Columns per panel of [`Qr::Blocked`]. The update `A − V (Tᵀ W)` is a GEMM of
/// depth `PANEL`, so each MR × NR tile of C is loaded and stored once per
/// `PANEL` rank-1 steps: 64 keeps that traffic small against the FMAs. The
/// unblocked panel work, about `m·n·PANEL` flops in `f64`, is a `PANEL/n`
/// share of the `(8/3)n³` total: 6% at 1024.
pub const PANEL: usize = 64;

/// The most entries an orthogonal matrix may have (2²⁶): the factorization
/// holds about eight copies of the matrix (`f64` in the reference), 2 GiB at
/// this size, and takes `(8/3)·n³` flops for the shorter side `n`.
pub const MAX_ELEMENTS: usize = 1 << 26;

/// How to compute the Householder `Q`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Qr {
    /// One reflector at a time, `f64`, one thread (the reference).
    Unblocked,
    /// Compact-WY panels with the updates on the blocked GEMM (the fast path).
    Blocked,
}

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
    /// More than [`MAX_ELEMENTS`] entries.
    TooLarge {
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
    },
}

/// Checks a shape before anything is allocated for it.
pub fn check_size(rows: usize, cols: usize) -> Result<(), OrthogonalError> {
    match rows.checked_mul(cols) {
        Some(n) if n <= MAX_ELEMENTS => Ok(()),
        _ => Err(OrthogonalError::TooLarge { rows, cols }),
    }
}

impl core::fmt::Display for OrthogonalError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            OrthogonalError::Shape { rows, cols, len } => write!(
                f,
                "orthogonal: a {rows}x{cols} matrix does not fit {len} floats"
            ),
            OrthogonalError::TooLarge { rows, cols } => write!(
                f,
                "orthogonal: a {rows}x{cols} matrix has more than {MAX_ELEMENTS} entries \
                 (its factorization is held in memory)"
            ),
        }
    }
}

impl std::error::Error for OrthogonalError {}

/// Fills the row-major `rows × cols` matrix `out` with `gain ·` a Haar (semi-)orthogonal matrix.
///
/// The naive backend factors with `Qr::Unblocked`, the fast one with
/// `Qr::Blocked`; both draw `G` with their sampler (the same values).
pub fn fill(
    rows: usize,
    cols: usize,
    gain: f32,
    key: StreamKey,
    out: &mut [f32],
    backend: Backend,
) -> Result<(), OrthogonalError> {
    check_size(rows, cols)?;
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
    let qr = match backend {
        Backend::Naive => Qr::Unblocked,
        Backend::Fast => Qr::Blocked,
    };
    backend.fill(&normal, key, &mut g);
    let q = haar_q(&g, m, n, qr);
    for i in 0..rows {
        for j in 0..cols {
            // Tall: W = Q (m = rows). Wide: W = Qᵀ (m = cols).
            let v = if rows >= cols {
                q[i * n + j]
            } else {
                q[j * n + i]
            };
            out[i * cols + j] = gain * v;
        }
    }
    Ok(())
}

/// `Q·diag(sign(diag R))` of the row-major `m × n` matrix `g` (`m ≥ n ≥ 1`), row-major `m × n`.
///
/// # Panics
/// If `m < n`, `n == 0` or `g.len() != m·n` (a programming error: [`fill`] checks the shape).
pub fn haar_q(g: &[f32], m: usize, n: usize, method: Qr) -> Vec<f32> {
    assert!(
        m >= n && n > 0 && g.len() == m * n,
        "haar_q needs a tall m×n matrix, got {m}x{n} over {} floats",
        g.len()
    );
    match method {
        Qr::Unblocked => unblocked(g, m, n),
        Qr::Blocked => blocked(g, m, n),
    }
}

/// The unit Householder vector `v` (‖v‖ = 1, `H = I − 2vvᵀ`) that maps `x` onto
/// `alpha·e₁`, with `alpha = −sign(x₀)‖x‖` (no cancellation). Returns `(v, alpha)`.
fn reflector(x: &[f64]) -> (Vec<f64>, f64) {
    let norm = dot(x, x).sqrt();
    let alpha = if x[0] >= 0.0 { -norm } else { norm };
    let mut v = x.to_vec();
    v[0] -= alpha;
    let vn = dot(&v, &v).sqrt();
    if vn > 0.0 {
        v.iter_mut().for_each(|t| *t /= vn);
    }
    (v, alpha)
}

/// `xᵀy` with four partial sums, so the additions do not wait on each other
/// (and the compiler can vectorize them); a fixed order, so deterministic.
fn dot(x: &[f64], y: &[f64]) -> f64 {
    let mut acc = [0f64; 4];
    let (xc, yc) = (x.chunks_exact(4), y.chunks_exact(4));
    let tail: f64 = xc
        .remainder()
        .iter()
        .zip(yc.remainder())
        .map(|(p, q)| p * q)
        .sum();
    for (p, q) in xc.zip(yc) {
        for l in 0..4 {
            acc[l] += p[l] * q[l];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// `col ← col − τ (vᵀ col) v`.
fn reflect(v: &[f64], tau: f64, col: &mut [f64]) {
    let d = tau * dot(v, col);
    col.iter_mut().zip(v).for_each(|(t, p)| *t -= d * p);
}

/// The reference: reflectors one at a time, `f64` throughout.
fn unblocked(g: &[f32], m: usize, n: usize) -> Vec<f32> {
    // Column-major f64 copy: column j is a[j*m .. (j+1)*m].
    let mut a = vec![0f64; m * n];
    for i in 0..m {
        for j in 0..n {
            a[j * m + i] = g[i * n + j] as f64;
        }
    }
    let mut vs: Vec<Vec<f64>> = Vec::with_capacity(n);
    let mut signs = vec![1f64; n];
    for j in 0..n {
        let (v, alpha) = reflector(&a[j * m + j..(j + 1) * m]);
        // R_jj = alpha; apply H to the trailing columns.
        signs[j] = if alpha < 0.0 { -1.0 } else { 1.0 };
        for c in j..n {
            reflect(&v, 2.0, &mut a[c * m + j..(c + 1) * m]);
        }
        vs.push(v);
    }
    // Q = H₀ H₁ … H_{n−1} · I[:, :n], applied right to left.
    let mut q = vec![0f64; m * n];
    for j in 0..n {
        q[j * m + j] = 1.0;
    }
    for j in (0..n).rev() {
        for c in 0..n {
            reflect(&vs[j], 2.0, &mut q[c * m + j..(c + 1) * m]);
        }
    }
    let mut out = vec![0f32; m * n];
    for i in 0..m {
        for j in 0..n {
            out[i * n + j] = (q[j * m + i] * signs[j]) as f32;
        }
    }
    out
}

/// One panel's block reflector `I − V T Vᵀ`, acting on rows `k..m`.
struct BlockReflector {
    /// First row (and column) of the panel.
    k: usize,
    /// Columns in the panel.
    b: usize,
    /// `(m − k) × b`, row-major; column j is zero above row j.
    v: Vec<f32>,
    /// `b × b` upper triangular, row-major.
    t: Vec<f32>,
}

impl BlockReflector {
    /// Factors the panel `a[k.., k..k+b]` (row-major `a`, `n` columns) in `f64`,
    /// leaving `R` in its upper triangle, and returns the block reflector and the
    /// panel's `sign(R_jj)`.
    fn factor(a: &mut [f32], m: usize, n: usize, k: usize, b: usize) -> (Self, Vec<f32>) {
        let h = m - k;
        // Column-major f64 panel: column j is p[j*h .. (j+1)*h].
        let mut p = vec![0f64; h * b];
        for i in 0..h {
            for j in 0..b {
                p[j * h + i] = a[(k + i) * n + k + j] as f64;
            }
        }
        let mut v = vec![0f32; h * b];
        let mut vf = vec![0f64; h * b]; // the f32-rounded v, column-major, as f64
        let mut tau = vec![0f64; b];
        let mut signs = vec![1f32; b];
        for j in 0..b {
            let (u, alpha) = reflector(&p[j * h + j..(j + 1) * h]);
            signs[j] = if alpha < 0.0 { -1.0 } else { 1.0 };
            let col = &mut vf[j * h + j..(j + 1) * h];
            for (i, (dst, &x)) in col.iter_mut().zip(&u).enumerate() {
                let r = x as f32;
                v[(j + i) * b + j] = r;
                *dst = r as f64;
            }
            let vv = dot(col, col);
            tau[j] = if vv > 0.0 { 2.0 / vv } else { 0.0 };
            let uj = &vf[j * h + j..(j + 1) * h];
            for c in j..b {
                reflect(uj, tau[j], &mut p[c * h + j..(c + 1) * h]);
            }
        }
        for i in 0..h {
            for j in 0..b {
                a[(k + i) * n + k + j] = p[j * h + i] as f32;
            }
        }
        // T by the forward recurrence (dlarft): T_jj = τ_j,
        // T[0..j, j] = −τ_j · T[0..j, 0..j] · (V[:, 0..j]ᵀ v_j).
        let mut t = vec![0f64; b * b];
        for j in 0..b {
            t[j * b + j] = tau[j];
            let vj = &vf[j * h..(j + 1) * h];
            let w: Vec<f64> = (0..j)
                .map(|i| {
                    let vi = &vf[i * h..(i + 1) * h];
                    dot(&vi[j..], &vj[j..])
                })
                .collect();
            for i in 0..j {
                let s: f64 = (i..j).map(|l| t[i * b + l] * w[l]).sum();
                t[i * b + j] = -tau[j] * s;
            }
        }
        let t = t.iter().map(|&x| x as f32).collect();
        (BlockReflector { k, b, v, t }, signs)
    }

    /// `C ← (I − V op(T) Vᵀ) C` for the `(m − k) × cols` view `C` = `x[k.., col0..]`
    /// of the row-major `m × n` matrix `x`; `op(T)` is `Tᵀ` when `transpose`.
    fn apply(&self, x: &mut [f32], n: usize, col0: usize, transpose: bool) {
        let cols = n - col0;
        if cols == 0 {
            return;
        }
        let (h, b) = (self.v.len() / self.b, self.b);
        let v = MatRef::row_major(&self.v, h, b).expect("V fits");
        let t = MatRef::row_major(&self.t, b, b).expect("T fits");
        let t = if transpose { t.t() } else { t };
        let sub = &mut x[self.k * n + col0..];
        let mut w = vec![0f32; b * cols];
        let mut w2 = vec![0f32; b * cols];
        {
            let c = MatRef::new(sub, h, cols, n, 1).expect("sub-block fits");
            let mut wm = MatMut::row_major(&mut w, b, cols).expect("W fits");
            product(1.0, v.t(), c, 0.0, &mut wm);
        }
        let wr = MatRef::row_major(&w, b, cols).expect("W fits");
        let mut w2m = MatMut::row_major(&mut w2, b, cols).expect("W fits");
        product(1.0, t, wr, 0.0, &mut w2m);
        let mut c = MatMut::new(sub, h, cols, n, 1).expect("sub-block fits");
        let w2r = MatRef::row_major(&w2, b, cols).expect("W fits");
        product(-1.0, v, w2r, 1.0, &mut c);
    }
}

/// Products of fewer flops than this run on the calling thread: splitting them
/// over the pool costs more than it saves (the 100 × 100 factorization's
/// largest product is 2·100·100·64 ≈ 1.3 MFLOP).
const PAR_MIN_FLOP: usize = 1 << 23;

/// `C ← α·A·B + β·C` on the blocked GEMM, parallel when the product is large
/// enough to pay; the bytes are the same either way.
fn product(alpha: f32, a: MatRef, b: MatRef, beta: f32, c: &mut MatMut) {
    let flop = 2 * a.rows() * a.cols() * b.cols();
    let run = if flop >= PAR_MIN_FLOP {
        gemm::sgemm_par
    } else {
        gemm::sgemm
    };
    run(alpha, a, b, beta, c).expect("the block reflector's shapes agree");
}

/// The fast path: compact-WY panels, updates on the blocked GEMM.
fn blocked(g: &[f32], m: usize, n: usize) -> Vec<f32> {
    let mut a = g.to_vec();
    let mut blocks = Vec::with_capacity(n.div_ceil(PANEL));
    let mut signs = Vec::with_capacity(n);
    for k in (0..n).step_by(PANEL) {
        let b = PANEL.min(n - k);
        let (block, s) = BlockReflector::factor(&mut a, m, n, k, b);
        // Trailing update: A ← (H_k ⋯ H_{k+b−1})ᵀ A = A − V Tᵀ (Vᵀ A).
        block.apply(&mut a, n, k + b, true);
        blocks.push(block);
        signs.extend(s);
    }
    // Q = (I − V₀T₀V₀ᵀ) ⋯ (I − V_pT_pV_pᵀ) · I[:, :n], applied right to left. Before
    // block k is applied, columns left of k are still e_j, which it leaves alone.
    let mut q = vec![0f32; m * n];
    for j in 0..n {
        q[j * n + j] = 1.0;
    }
    for block in blocks.iter().rev() {
        block.apply(&mut q, n, block.k, false);
    }
    for row in q.chunks_exact_mut(n) {
        row.iter_mut().zip(&signs).for_each(|(x, s)| *x *= s);
    }
    q
}

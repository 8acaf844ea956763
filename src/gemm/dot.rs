//! The last few columns of C as dot products along `k`.
//!
//! The micro-kernel runs its vectors across `n`, so a C whose width is not a
//! multiple of the vector pays for whole vectors: `n = 100` takes 13 vectors of
//! 8 per row where 96 columns take 12, 8% more FMAs for 4% more FLOP. When A is
//! read in place (small `n`) its rows are contiguous along `k`, and the last
//! `t = n mod LANES` columns (`1 ≤ t ≤` [`DOT_COLS`]) go here instead, with the
//! vectors running along `k`:
//!
//! ```text
//! acc[i][j] += A[i, p .. p+N] ⊙ Bᵗ[j, p .. p+N]      (p = 0, N, 2N, …)
//! C[i, j]    = α · Σ_lanes acc[i][j] + β · C[i, j]
//! ```
//!
//! `Bᵗ` is the transposed tail of B that [`super::packing`] stores after the
//! micro-panels, `DOT_COLS` rows of `kc` rounded up to `N` (rows past `t`
//! zero). When `N` does not divide `kc`, the last step reads the vector of A
//! that ends at `kc` (a whole-vector read past it would leave the row), and the
//! last step of `Bᵗ` holds zeros in the lanes that overlap the step before.
//!
//! Per row of C this costs `DOT_COLS·⌈k/N⌉` FMAs where a padded vector costs
//! `k`: at `n = 100`, `k = 100`, 52 against 100, and the 96 columns left to the
//! micro-kernel make four whole 24-wide panels where 100 made three and two
//! narrower ones (16 + 12). The price is a horizontal sum per row and its
//! store (one 16-byte write when the tail is four columns wide and C's columns
//! are contiguous, else a float at a time), a fixed cost per tile that `k`
//! must repay (see [`super::packing::DOT_MIN_K`]). At 1000 × 100 × 100 the
//! product ran 1.05× as fast as with the padded panels, though the tail runs
//! at about 60% of the micro-kernel's rate per FMA (it loads 96 bytes of A
//! per step from beyond L1 where the kernel loads 16).
//!
//! The sum over `k` runs in a fixed order per element, whatever thread
//! computes it, so determinism holds.
#![deny(clippy::undocumented_unsafe_blocks)]

use crate::simd::Lanes;

/// Columns of the tail at most: the columns of one dot tile.
pub const DOT_COLS: usize = 4;

/// Rows of C per dot tile. `DOT_ROWS × DOT_COLS` = 12 accumulators, as in the
/// micro-kernel's 4 × 24 tile; with B's rows taken one at a time they leave
/// 3 + 1 of the 16 `ymm` registers for A's rows and B's, and each step of `k`
/// loads 3 + 4 vectors for 12 FMAs (the micro-kernel: 3 + 4 broadcasts).
pub const DOT_ROWS: usize = 3;

/// For each of the `rows` rows of A, row `i` being `a[i·rsa .. i·rsa + kc]`,
/// calls `emit(i, sums)` with `sums[j] = Σ_{p < kc} A[i, p] · bt[j·ldb + p]`
/// for the [`DOT_COLS`] rows of `bt`, [`DOT_ROWS`] rows of A at a time.
///
/// # Panics
/// If `kc < V::N`, if `a` is too short for `rows` rows, if `bt` is shorter
/// than `DOT_COLS · ldb`, or if `ldb < kc` rounded up to `V::N`.
#[inline(always)]
pub fn dot_rows<V: Lanes>(
    rows: usize,
    kc: usize,
    a: &[f32],
    rsa: usize,
    bt: &[f32],
    ldb: usize,
    mut emit: impl FnMut(usize, [f32; DOT_COLS]),
) {
    if rows == 0 {
        return;
    }
    assert!(kc >= V::N, "rows shorter than a vector");
    assert!(a.len() >= (rows - 1) * rsa + kc, "A too short for its rows");
    assert!(ldb >= kc.next_multiple_of(V::N) && bt.len() >= DOT_COLS * ldb);
    for g in (0..rows).step_by(DOT_ROWS) {
        let h = DOT_ROWS.min(rows - g);
        // Rows past `h` repeat the last one; their sums are not emitted.
        let r: [usize; DOT_ROWS] = core::array::from_fn(|i| (g + i.min(h - 1)) * rsa);
        // SAFETY: each row `r[i] .. r[i] + kc` is inside `a` (row index < rows,
        // asserted), `bt` holds DOT_COLS·ldb floats with `ldb ≥ kc` rounded up
        // to N, and `kc ≥ N` (asserted).
        let acc =
            unsafe { tile::<V, DOT_ROWS>(kc, r.map(|o| a.as_ptr().add(o)), bt.as_ptr(), ldb) };
        for (i, row) in acc.into_iter().enumerate().take(h) {
            emit(g + i, V::sum4(row));
        }
    }
}

/// One tile of [`dot_rows`]: the `R` rows at `a`, `kc ≥ N` deep.
///
/// # Safety
/// `a[i]` must be readable for `kc` floats, and `bt` for `DOT_COLS · ldb`
/// floats, `ldb ≥ kc` rounded up to `V::N`; `kc ≥ V::N`.
#[inline(always)]
unsafe fn tile<V: Lanes, const R: usize>(
    kc: usize,
    a: [*const f32; R],
    bt: *const f32,
    ldb: usize,
) -> [[V; DOT_COLS]; R] {
    // The last step of A reads the vector that ends at `kc`: a whole vector
    // from `⌊kc/N⌋·N` would leave the row when N does not divide `kc`; the
    // last step of Bᵗ is zero in the lanes that overlap the step before.
    let last = kc - V::N;
    let mut acc = [[V::splat(0.0); DOT_COLS]; R];
    for off in (0..kc).step_by(V::N) {
        let ao = off.min(last);
        // SAFETY: `ao + N ≤ kc`: inside each row by the contract.
        let av: [V; R] = core::array::from_fn(|i| unsafe { V::load(a[i].add(ao)) });
        for j in 0..DOT_COLS {
            // SAFETY: `off + N ≤ kc` rounded up to N `≤ ldb`, so row j's vector
            // at `off` lies inside `bt` (`DOT_COLS · ldb` floats by the contract).
            let b = unsafe { V::load(bt.add(j * ldb + off)) };
            for (row, x) in acc.iter_mut().zip(&av) {
                row[j] = x.mul_add(b, row[j]);
            }
        }
    }
    acc
}

//! The micro-kernel: an `MR × (NVK·N)` tile of C accumulated in registers
//! (`N` the lanes of the vector type: 8 or 16).
//!
//! For `p` in `0..kc`, the kernel loads `NVK` vectors of the packed B
//! micro-panel and broadcasts `MR` elements of A, and does `MR·NVK` FMAs:
//!
//! ```text
//! acc[i][v] += A[i, p] · B~[p, v·N .. v·N+N]
//! ```
//!
//! A is read through strides `(rsa, csa)`: `(1, MR)` for a packed A~ panel, or
//! the matrix's own strides when A is read in place. One generic body over
//! [`Lanes`] serves every tile width (`NVK` = 1, 2, …): the compiler unrolls the
//! constant loops and keeps `acc` in registers. [`store_tile`] then writes
//! `α·acc + β·C` (`β = 0`: C is not read).
#![deny(clippy::undocumented_unsafe_blocks)]

use super::archparams::UNROLL;
use crate::simd::Lanes;

/// Floats of the largest tile the scratch buffer of edge write-backs holds.
pub const MAX_TILE: usize = 1024;

/// `acc = A[0..MR, 0..kc] · B~[0..kc, 0..NVK·N]`.
///
/// # Safety
/// `a + i·rsa + p·csa` must be readable for `i < MR`, `p < kc`, and `b` must be
/// readable for `kc · NVK · V::N` floats.
#[inline(always)]
// UNROLL is 1 on the AVX2 tile, where `kc % UNROLL` is 0 by design.
#[allow(clippy::modulo_one)]
pub unsafe fn kernel<V: Lanes, const MR: usize, const NVK: usize>(
    kc: usize,
    a: *const f32,
    rsa: usize,
    csa: usize,
    b: *const f32,
) -> [[V; NVK]; MR] {
    let mut acc = [[V::splat(0.0); NVK]; MR];
    let step = NVK * V::N;
    // One step of `p`: A's column at `ap`, B~'s row at `bp`.
    let mut fma_row = |ap: *const f32, bp: *const f32| {
        // SAFETY: `bp` is B~'s row `p < kc`: each of its NVK vectors is inside the panel.
        let bv: [V; NVK] = core::array::from_fn(|v| unsafe { V::load(bp.add(v * V::N)) });
        for (i, row) in acc.iter_mut().enumerate() {
            // SAFETY: `i < MR`, `p < kc`: the element A[i, p] is readable by the contract.
            let ai = V::splat(unsafe { *ap.add(i * rsa) });
            for (v, c) in row.iter_mut().enumerate() {
                *c = ai.mul_add(bv[v], *c);
            }
        }
    };
    // UNROLL steps of `p` per trip ([`UNROLL`]), then the rest one by one.
    // The two pointers move by whole steps and the trip counts are fixed
    // before the loops, so that the loop keeps no index of its own: counting
    // `p` and bounding `p + UNROLL ≤ kc` cost four scalar instructions per
    // trip beside the 12 FMAs of the AVX2 tile. `wrapping_add`: after the
    // last step the pointers may point past the operands, and are not read.
    let (mut ap, mut bp) = (a, b);
    for _ in 0..kc / UNROLL {
        for u in 0..UNROLL {
            fma_row(ap.wrapping_add(u * csa), bp.wrapping_add(u * step));
        }
        ap = ap.wrapping_add(UNROLL * csa);
        bp = bp.wrapping_add(UNROLL * step);
    }
    for _ in 0..kc % UNROLL {
        fma_row(ap, bp);
        ap = ap.wrapping_add(csa);
        bp = bp.wrapping_add(step);
    }
    acc
}

/// Writes `C[0..mr, 0..nr] ← α·acc + β·C`.
///
/// # Safety
/// `c + i·rsc + j·csc` must be valid for reads and writes for `i < mr`,
/// `j < nr`, with no other thread touching them; `mr ≤ MR`, `nr ≤ NVK·V::N`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub unsafe fn store_tile<V: Lanes, const MR: usize, const NVK: usize>(
    acc: &[[V; NVK]; MR],
    c: *mut f32,
    rsc: usize,
    csc: usize,
    mr: usize,
    nr: usize,
    alpha: f32,
    beta: f32,
) {
    let (va, vb) = (V::splat(alpha), V::splat(beta));
    if mr == MR && nr == NVK * V::N && csc == 1 {
        let at = |i: usize, v: usize| c.wrapping_add(i * rsc + v * V::N);
        let out: [[V; NVK]; MR] = if beta == 0.0 {
            acc.map(|row| row.map(|x| x * va))
        } else {
            // Every load of C before any store. With a row stride that is a
            // multiple of 4 KiB (1024 columns), a row's loads share their low 12
            // address bits with the row above's stores, and the core makes them
            // wait for those stores (4K aliasing). Loading first took the
            // write-back from 4.3% to 3.2% of a 1024³ product's samples.
            core::array::from_fn(|i| {
                // SAFETY: full tile, unit column stride: these N floats are in C's view.
                core::array::from_fn(|v| acc[i][v] * va + vb * unsafe { V::load(at(i, v)) })
            })
        };
        for (i, row) in out.iter().enumerate() {
            for (v, x) in row.iter().enumerate() {
                // SAFETY: as above.
                unsafe { x.store(at(i, v)) };
            }
        }
        return;
    }
    let width = NVK * V::N;
    assert!(
        MR * width <= MAX_TILE,
        "register tile larger than the scratch tile"
    );
    // Not zeroed: every float read below is written first, and zeroing 4 KiB
    // per edge tile cost 8% of a 1000×100×100 product.
    let mut tile = core::mem::MaybeUninit::<[f32; MAX_TILE]>::uninit();
    let tp = tile.as_mut_ptr() as *mut f32;
    for (i, row) in acc.iter().enumerate() {
        for (v, x) in row.iter().enumerate() {
            // SAFETY: `i·width + v·N + N ≤ MR·NVK·N ≤ MAX_TILE`.
            unsafe { x.store(tp.add(i * width + v * V::N)) };
        }
    }
    for i in 0..mr {
        for j in 0..nr {
            // SAFETY: `i < mr`, `j < nr`: inside C's view by the contract, and
            // `tile[i·width + j]` was written above (`i < MR`, `j < NVK·N`).
            unsafe {
                update_c(
                    &mut *c.add(i * rsc + j * csc),
                    alpha,
                    *tp.add(i * width + j),
                    beta,
                )
            };
        }
    }
}

/// `c ← α·x + β·c` for one element of C; `β = 0` does not read `c`, so a NaN
/// there is overwritten, as BLAS does.
#[inline(always)]
pub fn update_c(c: &mut f32, alpha: f32, x: f32, beta: f32) {
    *c = if beta == 0.0 {
        alpha * x
    } else {
        alpha * x + beta * *c
    };
}

/// Asks the cache for the first and last float of each of the `h` rows of a
/// `h × w` tile of C before the kernel runs, so that the `β·C` read after it
/// does not wait on memory (C lines of a large product are in L3 or DRAM by
/// the time their tile comes round again). A hint only: it reads nothing.
#[inline(always)]
pub fn prefetch_tile(c: *const f32, rsc: usize, csc: usize, h: usize, w: usize) {
    for i in 0..h {
        let row = c.wrapping_add(i * rsc);
        crate::simd::prefetch(row);
        crate::simd::prefetch(row.wrapping_add(w.saturating_sub(1) * csc));
    }
}

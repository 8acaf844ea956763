//! Packing: copies of A and B blocks into contiguous, aligned micro-panels.
//!
//! * B~ (`kc × nc`, LOOP 4/5): panel `q` holds the `w` columns that [`b_panel`]
//!   gives it as `kc` rows of `nvk·LANES` floats, `nvk = ⌈w/LANES⌉`, zero-padded
//!   past `w`. Panel `q` starts at `q·kc·NR`.
//! * When [`BLayout`] gives the slab a tail (the last `t` columns of a narrow
//!   B), the panels cover the other columns only, and the tail follows them
//!   transposed: [`DOT_COLS`] rows of `kc` rounded up to `LANES` floats, row `j`
//!   holding column `j` of the tail, zero-padded (read by [`super::dot`]).
//!   When `LANES` does not divide `kc ≥ LANES`, the last vector of a row holds
//!   `B[kc − LANES .. kc]` with the lanes before `⌊kc/LANES⌋·LANES` zeroed, to
//!   match the vector of A that ends at `kc`.
//! * A~ (`mc × kc`, LOOP 3): panel `r` holds rows `r·MR .. r·MR + h` as `kc`
//!   columns of `MR` floats (zero-padded past `h`), so the kernel reads it with
//!   strides `(1, MR)`.
//!
//! Sources are read through their strides, so a transposed operand is packed
//! straight from the untransposed buffer.
#![forbid(unsafe_code)]

use super::MatRef;
use super::Threads;
use super::archparams::{LANES, MR, NR, PACK_A_MIN_N};
use super::dot::DOT_COLS;
use rayon::prelude::*;
use wide::f32x16;

/// A 64-byte aligned, reusable float buffer.
#[derive(Default, Debug)]
pub struct AlignedBuf {
    v: Vec<f32x16>,
}

impl AlignedBuf {
    /// The first `len` floats, zeroed only when the buffer had to grow.
    pub fn get(&mut self, len: usize) -> &mut [f32] {
        let vecs = len.div_ceil(16);
        if self.v.len() < vecs {
            self.v.resize(vecs, f32x16::splat(0.0));
        }
        &mut wide::bytemuck::cast_slice_mut::<f32x16, f32>(&mut self.v)[..len]
    }

    /// All floats held.
    pub fn floats(&self) -> &[f32] {
        wide::bytemuck::cast_slice::<f32x16, f32>(&self.v)
    }
}

/// Micro-panels of B~ for `nc` columns: `⌈nc/NR⌉`, the same count as plain `NR`-wide cuts.
pub fn b_panels(nc: usize) -> usize {
    nc.div_ceil(NR)
}

/// Panel `q` of `nc` columns: `(first column, width)`.
///
/// Panels are `NR` wide, the last one narrower, except where that last one would
/// be a single vector (`1 ≤ nc mod NR ≤ LANES`) after a full panel and the tile
/// is three vectors wide: then the last `NR + rest` columns are cut `2·LANES`
/// and `NR − 2·LANES + rest`, both two vectors wide. A one-vector tile has only
/// MR accumulators, too few to hide the FMA latency, and loads a broadcast per
/// FMA; for `n = 100` (`4·24 + 4`) it took 11% of the time for 4% of the flops.
pub fn b_panel(nc: usize, q: usize) -> (usize, usize) {
    let rest = nc % NR;
    let last = b_panels(nc) - 1;
    let split = NR == 3 * LANES && nc > NR && (1..=LANES).contains(&rest);
    if split && q + 1 >= last {
        let start = last.saturating_sub(1) * NR;
        if q + 1 == last {
            (start, 2 * LANES)
        } else {
            (start + 2 * LANES, NR - 2 * LANES + rest)
        }
    } else {
        (q * NR, NR.min(nc - q * NR))
    }
}

/// Floats of the micro-panels of `nc` columns, `kc` deep.
fn panels_len(kc: usize, nc: usize) -> usize {
    match b_panels(nc) {
        0 => 0,
        panels => {
            let (_, w) = b_panel(nc, panels - 1);
            kc * ((panels - 1) * NR + w.div_ceil(LANES) * LANES)
        }
    }
}

/// How the `nc` columns of a `kc`-deep B~ slab split between micro-panels
/// (`main`, the first ones) and the dot-product tail (`tail`, the last ones;
/// see [`super::dot`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BLayout {
    /// Columns in micro-panels.
    pub main: usize,
    /// Columns in the transposed tail, 0 ..= [`DOT_COLS`].
    pub tail: usize,
    /// Depth of the slab.
    pub kc: usize,
}

impl BLayout {
    /// The layout of a `kc`-deep slab of columns `jc .. jc+nc` of a B with `n`
    /// columns, for an A whose rows are contiguous (`a_rows`) or not. A tail is
    /// cut when all of these hold:
    /// * `n <` [`PACK_A_MIN_N`] (so A is read in place and the slab is all of
    ///   B) and A's rows are contiguous, so that they are read along `k` as
    ///   they are (copying a transposed A's rows first cost a third).
    /// * `1 ≤ n mod LANES ≤ DOT_COLS`: the padded last vector wastes at least
    ///   half its lanes.
    /// * `kc ≥` [`DOT_MIN_K`].
    pub fn new(n: usize, nc: usize, kc: usize, a_rows: bool) -> BLayout {
        const { assert!(DOT_MIN_K >= LANES, "a tail's rows hold a vector at least") };
        let rest = nc % LANES;
        let cut = a_rows
            && n < PACK_A_MIN_N
            && nc == n
            && kc >= DOT_MIN_K
            && (1..=DOT_COLS).contains(&rest);
        let tail = if cut { rest } else { 0 };
        BLayout {
            main: nc - tail,
            tail,
            kc,
        }
    }

    /// Columns of the slab.
    #[cfg(test)]
    pub fn cols(&self) -> usize {
        self.main + self.tail
    }

    /// Floats from the slab's start to its transposed tail.
    pub fn tail_offset(&self) -> usize {
        panels_len(self.kc, self.main)
    }

    /// Floats per row of the transposed tail: `kc` rounded up to whole vectors.
    pub fn tail_stride(&self) -> usize {
        self.kc.next_multiple_of(LANES)
    }

    /// Floats needed for the slab.
    pub fn floats(&self) -> usize {
        let tail = if self.tail > 0 {
            DOT_COLS * self.tail_stride()
        } else {
            0
        };
        self.tail_offset() + tail
    }
}

/// The shortest slab given a tail. Each row of the tail pays a horizontal sum
/// and a store of its own, which the FMAs saved must repay: against the padded
/// panels, `1000 × k × 100` products first gained at `k` = 64 (1.03×).
pub const DOT_MIN_K: usize = 64;

/// Packs `B[pc .. pc+kc, jc .. jc+nc]` (`kc`, `nc` and the split as `layout`
/// gives them) into `dst` (B~ layout above); on [`Threads::Pool`], the
/// micro-panels are packed on the rayon pool.
pub fn pack_b(
    b: &MatRef,
    pc: usize,
    jc: usize,
    layout: BLayout,
    dst: &mut [f32],
    threads: Threads,
) {
    let parallel = threads == Threads::Pool;
    let kc = layout.kc;
    let len = layout.tail_offset();
    let panels = b_panels(layout.main);
    // Contiguous groups of panels, one per thread; each group is packed a few
    // rows at a time across its panels (see `pack_b_group`).
    let group = if parallel {
        panels.div_ceil(rayon::current_num_threads().max(1))
    } else {
        panels
    };
    let main = layout.main;
    let run = |(g, d): (usize, &mut [f32])| pack_b_group(b, pc, jc, kc, main, g * group, d);
    if parallel && len > 0 {
        dst[..len]
            .par_chunks_mut(kc * NR * group)
            .enumerate()
            .for_each(run);
    } else {
        run((0, &mut dst[..len]));
    }
    if layout.tail > 0 {
        let ld = layout.tail_stride();
        let t = &mut dst[len..layout.floats()];
        t.fill(0.0);
        let full = kc / LANES * LANES;
        for (j, row) in t.chunks_exact_mut(ld).take(layout.tail).enumerate() {
            let at = |p: usize| b.data[(pc + p) * b.rs + (jc + main + j) * b.cs];
            for (p, x) in row[..full].iter_mut().enumerate() {
                *x = at(p);
            }
            if kc > full {
                // The last step lines up with the A vector that ends at `kc`
                // (`kc ≥ DOT_MIN_K ≥ LANES`): its lanes before `full` are the
                // step before's, so they stay zero here.
                for (l, x) in row[full..].iter_mut().enumerate() {
                    let p = kc - LANES + l;
                    if p >= full {
                        *x = at(p);
                    }
                }
            }
        }
    }
}

/// Packs the panels `q0 ..` that `dst` holds, [`B_ROWS`] rows at a time across
/// all of them: B is read along its rows, a stream that the hardware prefetcher
/// follows. Packing one whole panel after another read `kc` rows of 96 bytes
/// each a row stride apart (4 KiB at n = 1024: a new page every row, where
/// prefetchers stop); in a 1024³ product packing B took 3.0% of the samples that
/// way (two runs) and 1.1–1.6% this way (`perf record`, four runs).
fn pack_b_group(
    b: &MatRef,
    pc: usize,
    jc: usize,
    kc: usize,
    nc: usize,
    q0: usize,
    dst: &mut [f32],
) {
    for p0 in (0..kc).step_by(B_ROWS) {
        let rows = B_ROWS.min(kc - p0);
        for (i, panel) in dst.chunks_mut(kc * NR).enumerate() {
            let (start, w) = b_panel(nc, q0 + i);
            let pw = w.div_ceil(LANES) * LANES;
            let part = &mut panel[p0 * pw..(p0 + rows) * pw];
            pack_b_panel(b, pc + p0, jc + start, rows, w, part);
        }
    }
}

/// Rows of B packed across all panels before the next rows: 4, 16 and 32 ran
/// within 2% of 8 at 1024³.
const B_ROWS: usize = 8;

/// Packs the `kc × w` block at `(pc, j0)` as one micro-panel of `kc` rows of
/// `⌈w/LANES⌉·LANES` floats, zero-padded.
fn pack_b_panel(b: &MatRef, pc: usize, j0: usize, kc: usize, w: usize, panel: &mut [f32]) {
    let pw = w.div_ceil(LANES) * LANES;
    for (p, row) in panel.chunks_exact_mut(pw).take(kc).enumerate() {
        let base = (pc + p) * b.rs + j0 * b.cs;
        if b.cs == 1 && w == NR {
            // A copy of constant length is inlined as a few vector moves; the
            // general one below is a `memmove` call per 96-byte row.
            let src: &[f32; NR] = b.data[base..base + NR].try_into().expect("NR floats");
            let dst: &mut [f32; NR] = (&mut row[..NR]).try_into().expect("NR floats");
            *dst = *src;
        } else if b.cs == 1 {
            row[..w].copy_from_slice(&b.data[base..base + w]);
        } else {
            for (j, x) in row[..w].iter_mut().enumerate() {
                *x = b.data[base + j * b.cs];
            }
        }
        row[w..].fill(0.0);
    }
}

/// Packs `A[ic .. ic+mc, pc .. pc+kc]` into `dst` (A~ layout above).
pub fn pack_a(a: &MatRef, ic: usize, pc: usize, mc: usize, kc: usize, dst: &mut [f32]) {
    for r in 0..mc.div_ceil(MR) {
        let h = (mc - r * MR).min(MR);
        let panel = &mut dst[r * MR * kc..(r + 1) * MR * kc];
        let row0 = ic + r * MR;
        if a.rs == 1 {
            // Column-major source: MR consecutive floats per column.
            for p in 0..kc {
                let base = row0 + (pc + p) * a.cs;
                panel[p * MR..p * MR + h].copy_from_slice(&a.data[base..base + h]);
                panel[p * MR + h..(p + 1) * MR].fill(0.0);
            }
        } else if a.cs == 1 && h == MR {
            // Row-major source, a full panel: gather one float of each of the MR
            // rows per column, from slices whose length the compiler knows.
            let rows: [&[f32]; MR] = core::array::from_fn(|i| {
                let base = (row0 + i) * a.rs + pc;
                &a.data[base..base + kc]
            });
            for (p, col) in panel.chunks_exact_mut(MR).enumerate() {
                for (x, r) in col.iter_mut().zip(&rows) {
                    *x = r[p];
                }
            }
        } else {
            for i in 0..MR {
                if i < h {
                    let base = (row0 + i) * a.rs + pc * a.cs;
                    for p in 0..kc {
                        panel[p * MR + i] = a.data[base + p * a.cs];
                    }
                } else {
                    for p in 0..kc {
                        panel[p * MR + i] = 0.0;
                    }
                }
            }
        }
    }
}

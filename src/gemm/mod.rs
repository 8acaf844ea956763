//! Single-precision GEMM, `C ← α·A·B + β·C`, BLIS style, with a naive twin.
//!
//! Operands are strided views ([`MatRef`], [`MatMut`]), validated once, so
//! transposes cost nothing. `β = 0` ignores C's old contents (NaN included) and
//! `α = 0` skips the product, as BLAS does.
//!
//! # The loop nest (Goto & van de Geijn 2008; Van Zee & van de Geijn, BLIS, 2015)
//! ```text
//! LOOP 5  jc over n in steps of NC      B block of NC columns
//! LOOP 4  pc over k in steps of KC      pack B[pc.., jc..] → B~ (KC × NC, in L3)
//! LOOP 3  ic over m in steps of MC      pack A[ic.., pc..] → A~ (MC × KC, in L2)   ← rayon
//! LOOP 2  jr over NC in steps of NR     B~ micro-panel (KC × NR, in L1)
//! LOOP 1  ir over MC in steps of MR     micro-kernel: MR × NR tile of C in registers
//! ```
//! With `archparams::A_PANEL_IN_L1` (the AVX-512 tile set) LOOPs 2 and 1
//! trade places: LOOP 2 steps over the MR-row micro-panels of A~, and LOOP 1
//! over the B~ micro-panels, so that the A micro-panel (MR × KC) stays in L1
//! while the B~ slab (KC × NC, held in L2) streams past it, and C is walked
//! along its rows:
//! ```text
//! LOOP 2' ir over MC in steps of MR     A micro-panel (MR × KC, in L1)
//! LOOP 1' jr over NC in steps of NR     micro-kernel; B~ micro-panel from L2
//! ```
//! The constants are derived in `archparams`. When C has few columns
//! (`n < PACK_A_MIN_N`) A is read in place rather than packed: there each
//! element of A is used too few times for a copy to pay (see `archparams`
//! for the measurement). In the order with the A micro-panel in L1, an A
//! with contiguous rows is read in place at every `n`
//! (`archparams::A_ROWS_IN_PLACE`). The last panels of `n`, when narrower
//! than NR, then take `MR_TALL`-row tiles in LOOP 1, so that they keep as
//! many accumulators in flight as the full tile.
//!
//! # Example
//! ```
//! use weightinit::gemm::{sgemm, MatMut, MatRef};
//!
//! // C (2×2) ← A (2×3) · Bᵀ, where B is stored 2×3 row-major: the transpose is a view.
//! let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
//! let b = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
//! let mut c = [f32::NAN; 4]; // β = 0 ignores C, NaN included
//! let bt = MatRef::row_major(&b, 2, 3)?.t();
//! sgemm(1.0, MatRef::row_major(&a, 2, 3)?, bt, 0.0, &mut MatMut::row_major(&mut c, 2, 2)?)?;
//! assert_eq!(c, [4.0, 2.0, 10.0, 5.0]);
//! # Ok::<(), weightinit::gemm::GemmError>(())
//! ```
//!
//! # Threads
//! [`sgemm_par`] spreads LOOP 3's MC blocks over the rayon pool, one slab at a
//! time, with the slab's B~ packed once and shared. A product of several slabs
//! whose C has contiguous rows is instead cut into one band of rows per thread,
//! each thread running the one-thread product on its band (`split_rows`): no
//! join between slabs.
//!
//! # Determinism
//! K is never split across threads, and every element of C is summed by the
//! same FMA sequence over `p = 0..k` whichever thread computes its tile, so
//! [`sgemm_par`] gives the same bytes for any thread count, equal to [`sgemm`].
#![deny(clippy::undocumented_unsafe_blocks)]

// Tuning internals: the benches reach them through `weightinit::bench`.
pub(crate) mod archparams;
pub(crate) mod dot;
pub(crate) mod kernel;
pub(crate) mod naive;
pub(crate) mod packing;
mod view;

pub use view::{MatMut, MatRef};

use archparams::{
    A_PANEL_IN_L1, A_ROWS_IN_PLACE, KC, LANES, MC, MR, MR_LCM, MR_TALL, NR, NV, PACK_A_MIN_N,
    Vector, nc_step,
};
use dot::dot_rows;
use packing::{AlignedBuf, BLayout, b_panel, b_panels, pack_a, pack_b};
use rayon::prelude::*;
use std::cell::RefCell;

/// A GEMM argument was invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GemmError {
    /// A view reaches past the end of its slice.
    OutOfBounds {
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
        /// Row stride.
        rs: usize,
        /// Column stride.
        cs: usize,
        /// Slice length.
        len: usize,
    },
    /// A mutable view maps two elements to one slot.
    Aliasing {
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
        /// Row stride.
        rs: usize,
        /// Column stride.
        cs: usize,
    },
    /// Shapes do not chain: A is m×k, B is k×n, C must be m×n.
    DimMismatch {
        /// A's shape.
        a: (usize, usize),
        /// B's shape.
        b: (usize, usize),
        /// C's shape.
        c: (usize, usize),
    },
}

impl core::fmt::Display for GemmError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            GemmError::OutOfBounds {
                rows,
                cols,
                rs,
                cs,
                len,
            } => write!(
                f,
                "a {rows}x{cols} view with strides ({rs}, {cs}) overruns a slice of {len} floats"
            ),
            GemmError::Aliasing { rows, cols, rs, cs } => write!(
                f,
                "a mutable {rows}x{cols} view with strides ({rs}, {cs}) maps two elements to one slot"
            ),
            GemmError::DimMismatch { a, b, c } => write!(
                f,
                "shapes do not chain: A {}x{}, B {}x{}, C {}x{}",
                a.0, a.1, b.0, b.1, c.0, c.1
            ),
        }
    }
}

impl std::error::Error for GemmError {}

pub(crate) fn check_dims(a: &MatRef, b: &MatRef, c: &MatMut) -> Result<(), GemmError> {
    check_shapes(a, (b.rows, b.cols), c)
}

/// A is m×k, B (given by its shape) k×n, C m×n.
fn check_shapes(a: &MatRef, b: (usize, usize), c: &MatMut) -> Result<(), GemmError> {
    if a.cols != b.0 || c.rows != a.rows || c.cols != b.1 {
        return Err(GemmError::DimMismatch {
            a: (a.rows, a.cols),
            b,
            c: (c.rows, c.cols),
        });
    }
    Ok(())
}

/// `C ← α·A·B + β·C`, blocked and packed, on this thread.
pub fn sgemm(alpha: f32, a: MatRef, b: MatRef, beta: f32, c: &mut MatMut) -> Result<(), GemmError> {
    gemm(alpha, a, BSource::View(b), beta, c, Threads::One)
}

/// `C ← α·A·B + β·C`, with the MC blocks of LOOP 3 spread over the rayon pool.
pub fn sgemm_par(
    alpha: f32,
    a: MatRef,
    b: MatRef,
    beta: f32,
    c: &mut MatMut,
) -> Result<(), GemmError> {
    gemm(alpha, a, BSource::View(b), beta, c, Threads::Pool)
}

/// `C ← α·A·B + β·C` with a B packed beforehand (reused across many A's).
pub(crate) fn sgemm_packed(
    alpha: f32,
    a: MatRef,
    b: &PackedB,
    beta: f32,
    c: &mut MatMut,
) -> Result<(), GemmError> {
    gemm(alpha, a, BSource::Packed(b), beta, c, Threads::One)
}

/// Where a product, or a packing, runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Threads {
    /// On the calling thread.
    One,
    /// Spread over the rayon pool.
    Pool,
}

/// B packed into KC × NC slabs, for reuse across calls.
#[derive(Debug, Default)]
pub(crate) struct PackedB {
    k: usize,
    n: usize,
    /// The LOOP 5 block of columns `jc ..` starts at `blocks[jc / nc_step(n)]`;
    /// its slabs follow one another as [`slabs`] lays them out.
    blocks: Vec<usize>,
    buf: AlignedBuf,
}

impl PackedB {
    /// Packs all of `b`, laid out for an A with contiguous rows (unit column
    /// stride, as a row-major A has): its last columns may then be left to dot
    /// products along `k` ([`dot`]). Any A works; another A's rows are copied
    /// for those columns.
    pub fn new(b: MatRef) -> PackedB {
        let mut p = PackedB::default();
        p.repack(b);
        p
    }

    /// `(k, n)`: the shape of the B this holds.
    pub fn shape(&self) -> (usize, usize) {
        (self.k, self.n)
    }

    /// Packs `b` in place of what this held, reusing its buffer.
    pub fn repack(&mut self, b: MatRef) {
        let (k, n) = (b.rows, b.cols);
        self.blocks.clear();
        let mut total = 0;
        let step = nc_step(n);
        for jc in (0..n).step_by(step) {
            self.blocks.push(total);
            total += slabs(k, n, step.min(n - jc), true).1;
        }
        let dst = self.buf.get(total);
        for (jc, &start) in (0..n).step_by(step).zip(&self.blocks) {
            let (block, len) = slabs(k, n, step.min(n - jc), true);
            pack_slabs(&b, jc, &block, &mut dst[start..start + len], Threads::One);
        }
        (self.k, self.n) = (k, n);
    }
}

/// One KC-deep slab of a packed block of B: rows `pc .. pc+layout.kc`, at
/// float `offset` of the block.
#[derive(Clone, Copy, Debug)]
struct Slab {
    pc: usize,
    layout: BLayout,
    offset: usize,
}

/// The LOOP 4 slabs of a block of `nc` columns of a `k × n` B, laid end to
/// end, and the floats they take together.
fn slabs(k: usize, n: usize, nc: usize, a_rows: bool) -> (Vec<Slab>, usize) {
    let mut total = 0;
    let list = (0..k)
        .step_by(KC)
        .map(|pc| {
            let layout = BLayout::new(n, nc, KC.min(k - pc), a_rows);
            let slab = Slab {
                pc,
                layout,
                offset: total,
            };
            total += layout.floats();
            slab
        })
        .collect();
    (list, total)
}

/// Packs every slab of the block of columns `jc ..` into `dst`.
fn pack_slabs(b: &MatRef, jc: usize, slabs: &[Slab], dst: &mut [f32], threads: Threads) {
    for s in slabs {
        let d = &mut dst[s.offset..s.offset + s.layout.floats()];
        pack_b(b, s.pc, jc, s.layout, d, threads);
    }
}

#[derive(Clone, Copy)]
enum BSource<'a, 'b> {
    View(MatRef<'a>),
    Packed(&'b PackedB),
}

thread_local! {
    static B_BUF: RefCell<AlignedBuf> = RefCell::default();
    static A_BUF: RefCell<AlignedBuf> = RefCell::default();
}

/// Runs `f` with a reusable per-thread buffer, or a fresh one if it is in use.
fn with_buf<R>(
    key: &'static std::thread::LocalKey<RefCell<AlignedBuf>>,
    f: impl FnOnce(&mut AlignedBuf) -> R,
) -> R {
    key.with(|cell| match cell.try_borrow_mut() {
        Ok(mut b) => f(&mut b),
        Err(_) => f(&mut AlignedBuf::default()),
    })
}

#[derive(Clone, Copy)]
struct CPtr(*mut f32);
// SAFETY: the pointer is only used to write disjoint row blocks of C, one per
// task, and C's view guarantees distinct slots for distinct elements.
unsafe impl Send for CPtr {}
// SAFETY: as above; tasks never touch the same element.
unsafe impl Sync for CPtr {}

fn scale_c(beta: f32, c: &mut MatMut) {
    for i in 0..c.rows {
        for j in 0..c.cols {
            let x = c.at_mut(i, j);
            *x = if beta == 0.0 { 0.0 } else { beta * *x };
        }
    }
}

fn gemm(
    alpha: f32,
    a: MatRef,
    b: BSource,
    beta: f32,
    c: &mut MatMut,
    on: Threads,
) -> Result<(), GemmError> {
    let par = on == Threads::Pool;
    let b_shape = match &b {
        BSource::View(v) => (v.rows, v.cols),
        BSource::Packed(p) => (p.k, p.n),
    };
    check_shapes(&a, b_shape, c)?;
    let (m, n, k) = (c.rows, c.cols, a.cols);
    if m == 0 || n == 0 {
        return Ok(());
    }
    if alpha == 0.0 || k == 0 {
        scale_c(beta, c);
        return Ok(());
    }
    let threads = if par {
        rayon::current_num_threads().max(1)
    } else {
        1
    };
    // Bands of rows where there are joins between slabs to save (several slabs),
    // C's rows can be cut apart (unit column stride), and each band still holds
    // two MC blocks.
    if threads > 1 && k > KC && c.cs == 1 && m >= 2 * MC * threads {
        split_rows(alpha, &a, &b, beta, c, threads);
        return Ok(());
    }
    // A is packed unless it is read in place: always when its rows are
    // contiguous and its micro-panel stays in L1 (see `A_ROWS_IN_PLACE`),
    // otherwise below PACK_A_MIN_N columns.
    let pack = !(A_ROWS_IN_PLACE && a.cs == 1) && n >= PACK_A_MIN_N;
    let cp = CPtr(c.data.as_mut_ptr());
    let (rsc, csc) = (c.rs, c.cs);
    let mc_step = if par {
        // As few blocks of at most MC rows as a whole number of rounds over the
        // threads allows, all of nearly equal height: with MC = 120, 1024 rows on 2
        // threads make 10 blocks (9 of 104 and one of 88) rather than 8 of 120 and
        // one of 64.
        let blocks = m.div_ceil(MC).next_multiple_of(threads);
        m.div_ceil(blocks).div_ceil(MR).clamp(1, MC / MR) * MR
    } else {
        MC
    };
    // A packed B was laid out for an A with contiguous rows.
    let a_rows = matches!(b, BSource::Packed(_)) || a.cs == 1;
    let blocks = || {
        with_buf(&B_BUF, |bbuf| {
            let step = nc_step(n);
            for (ji, jc) in (0..n).step_by(step).enumerate() {
                // LOOP 5: a block of at most NC columns of B and C.
                let nc = step.min(n - jc);
                let (slabs, _) = slabs(k, n, nc, a_rows);
                for s in &slabs {
                    // LOOP 4: a KC-deep slab; B[pc.., jc..] packed into B~.
                    let len = s.layout.floats();
                    let bp: &[f32] = match &b {
                        BSource::View(v) => {
                            let dst = bbuf.get(len);
                            pack_b(v, s.pc, jc, s.layout, dst, on);
                            dst
                        }
                        BSource::Packed(p) => {
                            let off = p.blocks[ji] + s.offset;
                            &p.buf.floats()[off..off + len]
                        }
                    };
                    let blk = Block {
                        a: &a,
                        bp,
                        pc: s.pc,
                        kc: s.layout.kc,
                        jc,
                        layout: s.layout,
                        pack,
                        c: cp,
                        rsc,
                        csc,
                        alpha,
                        beta: if s.pc == 0 { beta } else { 1.0 },
                    };
                    // LOOP 3: MC rows of A and C.
                    if par {
                        (0..m.div_ceil(mc_step)).into_par_iter().for_each(|bi| {
                            let ic = bi * mc_step;
                            blk.run(ic, mc_step.min(m - ic));
                        });
                    } else {
                        for ic in (0..m).step_by(mc_step) {
                            blk.run(ic, mc_step.min(m - ic));
                        }
                    }
                }
            }
        })
    };
    if par {
        // Enter the pool once for the whole product: called from outside it, every
        // parallel loop below would otherwise hand over to a worker and block.
        rayon::scope(|_| blocks());
    } else {
        blocks();
    }
    Ok(())
}

/// The parallel product of a C with contiguous rows and more than one slab:
/// C's rows cut into one band per thread (a multiple of MR rows each), and
/// every thread runs the whole one-thread product on its band, packing its
/// own B~ slabs. Sharing one B~ slab between the threads instead joins them
/// twice per slab (its packing, then LOOP 3); the bands ran 1.05× as fast at
/// 1024³ on 2 threads.
///
/// Every element is summed as in the one-thread product, so the bytes do not
/// change with the thread count.
fn split_rows(alpha: f32, a: &MatRef, b: &BSource, beta: f32, c: &mut MatMut, threads: usize) {
    let (m, n, k) = (c.rows, c.cols, a.cols);
    let band = m.div_ceil(threads).next_multiple_of(MR);
    let rs = c.rs;
    let mut bands = Vec::with_capacity(threads);
    let mut rest: &mut [f32] = &mut c.data[..];
    for r0 in (0..m).step_by(band) {
        let rows = band.min(m - r0);
        // Unit column stride and distinct slots: row i is `i·rs .. i·rs + n`
        // with n ≤ rs, so whole rows of `rs` floats cut C into disjoint bands.
        let cut = if r0 + rows < m { rows * rs } else { rest.len() };
        let (head, tail) = core::mem::take(&mut rest).split_at_mut(cut);
        rest = tail;
        bands.push((r0, rows, head));
    }
    bands.into_par_iter().for_each(|(r0, rows, data)| {
        let a_band = MatRef::new(&a.data[r0 * a.rs..], rows, k, a.rs, a.cs)
            .expect("a band of A's rows lies inside A's view");
        let mut c_band =
            MatMut::new(data, rows, n, rs, 1).expect("a band of C's rows lies inside C's view");
        gemm(alpha, a_band, *b, beta, &mut c_band, Threads::One).expect("the bands' shapes chain");
    });
}

/// One LOOP 4 slab, shared by the LOOP 3 tasks.
struct Block<'x> {
    a: &'x MatRef<'x>,
    bp: &'x [f32],
    pc: usize,
    kc: usize,
    jc: usize,
    layout: BLayout,
    pack: bool,
    c: CPtr,
    rsc: usize,
    csc: usize,
    alpha: f32,
    beta: f32,
}

// SAFETY: `Block` only reads shared data, and its C pointer is written by
// `run` on row blocks that the caller keeps disjoint across threads.
unsafe impl Sync for Block<'_> {}

impl Block<'_> {
    /// LOOPs 2 and 1 over rows `ic .. ic+mc` of this slab.
    fn run(&self, ic: usize, mc: usize) {
        let (a, kc) = (self.a, self.kc);
        with_buf(&A_BUF, |abuf| {
            // The A source: a packed A~ block, or A in place with its last
            // rows packed (the kernel always reads full tiles): `full` rows,
            // a multiple of both tile heights, are read in place.
            let full = if self.pack { 0 } else { mc / MR_LCM * MR_LCM };
            let packed_rows = mc - full;
            let ap = abuf.get(packed_rows.div_ceil(MR) * MR * kc);
            if packed_rows > 0 {
                pack_a(a, ic + full, self.pc, packed_rows, kc, ap);
            }
            let main = self.layout.main;
            let panels = b_panels(main);
            // Narrow panels read in place take MR_TALL-row tiles over the
            // first `full` rows; everything else takes MR-row tiles. The tiles
            // of panel `q` within rows `lo .. hi` (`lo` a multiple of MR_LCM):
            let tiles = move |q: usize, lo: usize, hi: usize| {
                let nvk = b_panel(main, q).1.div_ceil(LANES);
                let tall = if nvk < NV && MR_TALL != MR { full } else { 0 };
                (lo..hi.min(tall))
                    .step_by(MR_TALL)
                    .map(|row| (row, MR_TALL))
                    .chain((lo.max(tall)..hi).step_by(MR).map(|row| (row, MR)))
            };
            if A_PANEL_IN_L1 {
                for g in (0..mc).step_by(MR_LCM) {
                    // LOOP 2': the rows g .. g+MR_LCM of A (one micro-panel
                    // when both tile heights are MR), kept in L1 ...
                    for q in 0..panels {
                        // LOOP 1': ... against every B~ micro-panel in turn.
                        for (row, mr) in tiles(q, g, (g + MR_LCM).min(mc)) {
                            self.tile(ap, full, ic, mc, q, row, mr);
                        }
                    }
                }
            } else {
                for q in 0..panels {
                    // LOOP 2: one B~ micro-panel of NR columns.
                    for (row, mr) in tiles(q, 0, mc) {
                        // LOOP 1: one mr × NR tile of C.
                        self.tile(ap, full, ic, mc, q, row, mr);
                    }
                }
            }
        });
        if self.layout.tail > 0 {
            self.run_tail(ic, mc);
        }
    }

    /// One `mr × NR` tile of C (rows `row ..` of this block, panel `q`).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn tile(&self, ap: &[f32], full: usize, ic: usize, mc: usize, q: usize, row: usize, mr: usize) {
        let (a, kc) = (self.a, self.kc);
        let (start, w) = b_panel(self.layout.main, q);
        let nvk = w.div_ceil(LANES);
        let bq = &self.bp[q * kc * NR..];
        let h = mr.min(mc - row);
        let (aptr, rsa, csa) = if row < full {
            // SAFETY: rows ic+row .. ic+row+mr (row + mr ≤ full ≤ mc, `full` being a
            // multiple of both tile heights) and columns pc .. pc+kc are inside A's view.
            (
                unsafe { a.data.as_ptr().add((ic + row) * a.rs + self.pc * a.cs) },
                a.rs,
                a.cs,
            )
        } else {
            (ap[(row - full) * kc..].as_ptr(), 1, MR)
        };
        // SAFETY: element (ic+row, jc+start) is inside C's view (row < mc, start < nc).
        let cptr = unsafe {
            self.c
                .0
                .add((ic + row) * self.rsc + (self.jc + start) * self.csc)
        };
        if self.beta != 0.0 {
            kernel::prefetch_tile(cptr, self.rsc, self.csc, h, w);
        }
        macro_rules! tile {
            ($nvk:literal) => {
                if mr == MR_TALL && MR_TALL != MR {
                    tile!(MR_TALL, $nvk)
                } else {
                    tile!(MR, $nvk)
                }
            };
            ($mr:expr, $nvk:literal) => {{
                // SAFETY: A rows/columns are in the view or the packed buffer
                // ($mr rows × kc), the B~ panel holds kc × nvk·LANES floats, and the
                // h × w tile of C is inside C's view and written by this task only.
                // The three calls differ only in which strides are compile-time
                // constants once the kernel is inlined.
                unsafe {
                    let b = bq.as_ptr();
                    let acc = if rsa == 1 && csa == MR {
                        kernel::kernel::<Vector, { $mr }, $nvk>(kc, aptr, 1, MR, b)
                    } else if csa == 1 {
                        kernel::kernel::<Vector, { $mr }, $nvk>(kc, aptr, rsa, 1, b)
                    } else {
                        kernel::kernel::<Vector, { $mr }, $nvk>(kc, aptr, rsa, csa, b)
                    };
                    kernel::store_tile::<Vector, { $mr }, $nvk>(
                        &acc, cptr, self.rsc, self.csc, h, w, self.alpha, self.beta,
                    );
                }
            }};
        }
        match nvk {
            1 => tile!(1),
            2 if NV >= 2 => tile!(2),
            3 if NV >= 3 => tile!(3),
            4 if NV >= 4 => tile!(4),
            _ => unreachable!("panel wider than NR"),
        }
    }

    /// The tail columns of rows `ic .. ic+mc` as dot products along `k`
    /// ([`dot`]). A's rows are read in place when they are contiguous, else
    /// copied first.
    fn run_tail(&self, ic: usize, mc: usize) {
        let (a, kc, pc) = (self.a, self.kc, self.pc);
        let (main, tail) = (self.layout.main, self.layout.tail);
        let ldb = self.layout.tail_stride();
        let off = self.layout.tail_offset();
        let bt = &self.bp[off..off + dot::DOT_COLS * ldb];
        // Copies, so that the writes through `c` below cannot be taken to
        // change them (they would be reloaded for every element).
        let (alpha, beta, rsc, csc) = (self.alpha, self.beta, self.rsc, self.csc);
        // SAFETY: row ic, column jc+main: inside C's view (ic < m, main < nc).
        let c0 = unsafe { self.c.0.add(ic * rsc + (self.jc + main) * csc) };
        let emit = move |i: usize, s: [f32; dot::DOT_COLS]| {
            // SAFETY: rows ic+i < ic+mc ≤ m, columns jc+main+j < jc+nc ≤ n:
            // inside C's view, and this task alone writes these rows.
            unsafe {
                let row = c0.add(i * rsc);
                if tail == dot::DOT_COLS && csc == 1 {
                    // Four adjacent floats, a fixed count: one vector multiply and store.
                    let p = &mut *(row as *mut [f32; dot::DOT_COLS]);
                    for (c, x) in p.iter_mut().zip(s) {
                        kernel::update_c(c, alpha, x, beta);
                    }
                    return;
                }
                for (j, &x) in s.iter().enumerate().take(tail) {
                    kernel::update_c(&mut *row.add(j * csc), alpha, x, beta);
                }
            }
        };
        if a.cs == 1 {
            let start = ic * a.rs + pc;
            let rows = &a.data[start..start + (mc - 1) * a.rs + kc];
            dot_rows::<Vector>(mc, kc, rows, a.rs, bt, ldb, emit);
        } else {
            with_buf(&A_BUF, |buf| {
                let rows = buf.get(mc * kc);
                for (i, row) in rows.chunks_exact_mut(kc).enumerate() {
                    for (p, x) in row.iter_mut().enumerate() {
                        *x = a.data[(ic + i) * a.rs + (pc + p) * a.cs];
                    }
                }
                dot_rows::<Vector>(mc, kc, rows, kc, bt, ldb, emit);
            });
        }
    }
}

//! Register and cache blocking for the two tile sets, each derived from the
//! machine it was measured on:
//!
//! * **AVX2** (16 `ymm` registers), derived for AMD Zen 4 (32 KiB L1d and
//!   1 MiB L2 per core, 32 MiB L3) and measured on AVX2-only AMD EPYC hosts
//!   (`results/amd-epyc-2c-avx2.json`: 512 KiB L2 per core).
//! * **AVX-512** (32 `zmm` registers), measured on an Intel Xeon (Sapphire
//!   Rapids or later, two 512-bit FMA ports): 48 KiB L1d and 2 MiB L2 per core,
//!   a large shared L3 (`results/intel-r-xeon-r-processor-2c-avx512.json`).
//!   `peak/fma_f32/1` read 208–238 GFLOP/s there, twice what two 256-bit FMA
//!   ports allow at the same clock.
//!
//! The micro-kernel keeps an `MR × NR` tile of C in registers, `NR = NV·LANES`.
//! Choices were measured with `cargo bench --bench sgemm` and paired runs of
//! two builds (see the README and each constant).
//!
//! The set is chosen by `target_feature = "avx512f"`. The build flag
//! `--cfg weightinit_avx512_tile` selects the AVX-512 set on any machine: its
//! `f32x16` then runs as two `f32x8` halves (spilling, slow), which is enough
//! to test its loop nest, edge tiles and panel cuts where no AVX-512 core is at
//! hand. `.ci/run` runs the GEMM tests that way as well, and the AVX2 set with
//! `avx512f` turned off on a machine that has it.

pub use tile::{A_PANEL_IN_L1, KC, MC, MR, MR_TALL, NC, NV, UNROLL, Vector};

/// The AVX2 tile set (16 `ymm` registers).
#[cfg(not(any(target_feature = "avx512f", weightinit_avx512_tile)))]
mod tile {
    /// The vector type of the micro-kernel. With AVX2 there are 16 `ymm`
    /// registers: a 4 × 24 tile (12 accumulators, 3 B vectors, one broadcast)
    /// fills them without spilling. It needs 7 loads per 12 FMAs, against 8 for
    /// the classic 6 × 16 tile. `sgemm/blocked/1000x100x100` measured 70.5 GFLOP/s
    /// with 4 × 24 against 64.7 with 6 × 16 (`cargo bench --bench sgemm` with `MR`
    /// and `NV` changed, one session; the machine is noisy).
    pub type Vector = wide::f32x8;

    /// Rows of the register tile (LOOP 1 step).
    pub const MR: usize = 4;

    /// Rows of the register tile for the narrower last panels of `n` (fewer than
    /// [`NV`] vectors) when A is read in place. A 4 × 16 tile has 8 accumulators,
    /// just the FMA latency (4 cycles) times the two FMA pipes, and loads a
    /// broadcast per two FMAs; 6 × 16 has 12 and fills the 16 `ymm` registers
    /// like 4 × 24 (12 + 2 B vectors + 1 broadcast). At `n = 100` (panels 24,
    /// 24, 24, 16, 12) the narrow panels took 1.30× the main loop's time per FLOP
    /// with 4-row tiles and 1.19× with 6-row tiles (`perf record`), and
    /// `sgemm/blocked/1000x100x100` went from 72.2–73.2 to 74.9–77.3 GFLOP/s over
    /// three alternating runs (`cargo bench --bench sgemm -- 'sgemm/blocked/1000x100x100'`).
    /// (Measured before the dot-product tail, [`crate::gemm::dot`]: with a
    /// row-major A and `k ≥ 64`, `n = 100` is now four 24-wide panels and a
    /// tail, and narrow panels remain for other widths and layouts, e.g. `n = 20`.)
    pub const MR_TALL: usize = 6;

    /// Vectors per row of the register tile: `NR = NV · LANES` columns (LOOP 2 step).
    pub const NV: usize = 3;

    /// Depth of a packed slab (LOOP 4 step). Every slab after the first reads and
    /// writes all of C again (`β = 1`), and every tile pays its fixed costs (start,
    /// write-back) once per slab, so a deeper slab costs less per FLOP. The limit is
    /// the B micro-panel, `KC × NR` floats, which the tiles of a block share: the
    /// textbook choice keeps it in the 32 KiB L1d (AVX2: 256·24·4 B = 24 KiB at
    /// KC = 256). At 384 it is 36 KiB and partly read from L2, which keeps up (the
    /// kernel needs 96 B per 6 cycles, and a panel of 36 KiB ran within 3% of one
    /// of 24 KiB in a timing loop), and a 1024-deep product takes 3 slabs, not 4.
    /// Against KC = 256 with MC = 192, KC = 384 with MC = 120 ran 1.07× faster at
    /// 1024³ (median of 40 pairs, quartiles 1.04–1.14), 1.10× at 2048³, 1.09× at
    /// 1024³ on 2 threads; KC = 256 with MC = 120 alone gave 1.00× at 1024³. These
    /// are estimates from a throwaway harness that ran the two builds' `sgemm` in
    /// alternating processes (best of three runs of about 0.3 GFLOP each, the
    /// method of `benches/sgemm_pairs.rs` across builds); the criterion runs after
    /// the change are in the README.
    pub const KC: usize = 384;

    /// Rows of a packed A block (LOOP 3 step): `MC × KC` floats = 180 KiB, inside a
    /// 512 KiB–1 MiB L2 with room for the B micro-panel streaming past it and for
    /// B~ itself when it is small. Against 192 rows, 120 ran 1.08× faster at 256³
    /// (one slab of 256: A~ 120 KiB against 192 KiB, beside a B~ of 256 KiB) and
    /// the same at 1000 × 100 × 100 (1.02×, within noise); estimates taken as for
    /// [`KC`]. A
    /// multiple of both MR values (and of their lcm, 12).
    pub const MC: usize = 120;

    /// Columns of a packed B block (LOOP 5 step): `KC × NC` floats = 6 MiB, a
    /// fifth of L3.
    pub const NC: usize = 4096;

    /// The textbook loop order (`false`): LOOP 2 steps over the B~ micro-panels
    /// and LOOP 1 over the MR-row tiles of the A~ block, so that each B~
    /// micro-panel stays in L1 while A streams past it from L2.
    pub const A_PANEL_IN_L1: bool = false;

    /// Steps of the micro-kernel's `p` loop per trip: one, as the compiler
    /// lays it out, the way this set was measured on the AMD hosts. On the
    /// Xeon of the AVX-512 set, built with `avx512f` off, four ran alike
    /// (0.99–1.01× on the four benchmark shapes, medians of 8 alternating
    /// runs of the two builds); AMD was not at hand to measure it.
    pub const UNROLL: usize = 1;
}

/// The AVX-512 tile set (32 `zmm` registers): an 8 × 48 tile of `f32x16`,
/// with A's micro-panel kept in L1 ([`A_PANEL_IN_L1`]). Measured on the Intel
/// Xeon above; Zen 4, which splits each 512-bit FMA in two, was not at hand
/// for it.
///
/// Every figure below is from paired runs of two builds in alternating
/// processes (best of three runs of about 0.3 GFLOP each, 30–50 rounds, the
/// method of `benches/sgemm_pairs.rs` across builds): estimates, since the
/// host's other tenants move single runs by ±10%.
#[cfg(any(target_feature = "avx512f", weightinit_avx512_tile))]
mod tile {
    /// The vector type of the micro-kernel.
    pub type Vector = wide::f32x16;

    /// Rows of the register tile (LOOP 1 step). An 8 × 48 tile holds 24
    /// accumulators, 3 B vectors and a broadcast in 28 of the 32 registers,
    /// and loads 3 + 8 values per 24 FMAs; 8 × 32 (16 accumulators) loads
    /// 2 + 8 per 16, 12 × 32 loads 2 + 12 per 24. On the three benchmark
    /// shapes 8 × 48 ran 1.02×, 1.07× and 1.11× as fast as 12 × 32 (1024³,
    /// 1000 × 100 × 100, 256³), and 6 × 64 ran 1.00×, 0.97× and 1.00× as fast
    /// as 8 × 48. 12-row tiles lose at 256³ to the padded last tile (256 =
    /// 21·12 + 4), 8-row tiles divide the benchmark's row counts.
    pub const MR: usize = 8;

    /// Rows of the tile for the narrower last panels: as [`MR`] (a 16 × 32
    /// tile would need all 32 registers for its accumulators).
    pub const MR_TALL: usize = MR;

    /// Vectors per row of the register tile: `NR = NV · LANES` = 48 columns
    /// (LOOP 2 step).
    pub const NV: usize = 3;

    /// Depth of a packed slab (LOOP 4 step). With the A micro-panel in L1 it
    /// takes `MR × KC` floats = 8 KiB there, and the B~ slab, `KC × NC` floats
    /// = 1 MiB, half of the 2 MiB L2, streams past it. Against 256, KC = 192
    /// ran 0.99× as fast at 1024³, 320 ran 0.97× and 384 0.94× (1.5 MiB of
    /// B~, too much of L2 beside C's stream); at 1000 × 100 × 100 (one slab
    /// of 100) all were alike.
    pub const KC: usize = 256;

    /// Rows of a packed A block (LOOP 3 step): `MC × KC` floats = 128 KiB, read
    /// once per slab from L2, one micro-panel at a time. 128 rows make 8
    /// equal blocks of a 1024-row product, 4 per thread on 2 threads (120 rows
    /// make 9 of 104 and one of 88). On one thread 120 and 128 ran alike
    /// (1.00×); on two, neither 64 nor 128 moved the 2-thread ratio beyond
    /// the noise (medians 1.74–1.86× over 10 runs each).
    pub const MC: usize = 128;

    /// Columns of a packed B block at most (LOOP 5 step): the B~ slab,
    /// `KC × NC` floats = 1 MiB, must stay in L2 while every micro-panel of
    /// A sweeps it. At 2048³ an NC of 1024 or 1536 ran 1.37× as fast as 2048
    /// or 4096 (a 2–4 MiB slab, which spills to L3); at 1024³ (one block
    /// either way) 1024 and 4096 ran alike.
    pub const NC: usize = 1024;

    /// The loop order (`true`): LOOP 2 steps over the MR-row micro-panels of
    /// the A~ block and LOOP 1 over the B~ micro-panels, so that an A
    /// micro-panel (8 KiB) stays in L1 while the whole B~ slab streams past
    /// it from L2 (the order of BLIS's Skylake-X kernels, which keep the
    /// broadcast operand in L1). It also walks C along its rows, where the
    /// textbook order walks down a column of tiles. Against the textbook
    /// order it ran 1.04× as fast at 1024³ with the 12 × 32 tile (best
    /// 201 against 190 GFLOP/s), and 1.02×, 1.04× and 1.00× with the 8 × 48
    /// tile at 1024³, 1000 × 100 × 100 and 256³ (ratios of each order's
    /// median against one common build). A B~ micro-panel of 8 × 48
    /// is 48 KiB at KC = 256, all of L1, so the textbook order would have
    /// to hold it there.
    pub const A_PANEL_IN_L1: bool = true;

    /// Steps of the micro-kernel's `p` loop per trip. Left to itself the
    /// compiler runs one per trip: 3 + 8 loads and 24 FMAs, then the loop's
    /// add, add and branch. Four per trip took the kernel from 84% to 92% of
    /// `peak/fma_f32/1` on a B~ slab streaming from L2 (21 panels of
    /// 256 × 48, 1 MiB; medians of 6 alternating runs of a timing loop), and
    /// the one-thread product 1.02–1.03× as fast at 1024³, 1.03× at 2048³ and
    /// 1.03× at 1000 × 100 × 100 (two sets of 12 and 8 alternating runs of
    /// the two builds); on two threads 1.03× at 1024³ and 1.05× at 2048³.
    /// Two per trip ran 0.97× at 1000 × 100 × 100, and eight only 82% of
    /// peak on the streaming slab.
    pub const UNROLL: usize = 4;
}

/// Lanes of [`Vector`].
pub const LANES: usize = <Vector as crate::simd::Lanes>::N;

/// Rows of A read in place per block are a multiple of this (`lcm(MR, MR_TALL)`),
/// so that both tile heights cover them exactly; the rest are packed.
pub const MR_LCM: usize = lcm(MR, MR_TALL);

const fn lcm(a: usize, b: usize) -> usize {
    let (mut x, mut y) = (a, b);
    while y != 0 {
        (x, y) = (y, x % y);
    }
    a / x * b
}

/// Columns of the register tile.
pub const NR: usize = NV * LANES;

/// The LOOP 5 step for a B of `n` columns: `n` cut into as few blocks of at
/// most [`NC`] columns as it takes, all of nearly equal width (a whole number
/// of panels), so that no block is left a sliver.
pub const fn nc_step(n: usize) -> usize {
    let blocks = n.div_ceil(NC);
    if blocks == 0 {
        return NR;
    }
    n.div_ceil(blocks).next_multiple_of(NR)
}

/// Below this many columns of C the A block is read in place instead of
/// packed: packing costs one pass over A per call, which small `n` may not
/// repay. While A was packed element by element, `sgemm/blocked/1000x100x100`
/// measured 46.8 GFLOP/s with A packed against 64.7 read in place. With the
/// packing of full row-major panels as it is now, the two are within noise:
/// 73.9 packed against 72.7 in place, matrixmultiply at 66.0 and 63.5 in the
/// same runs (`cargo bench --bench sgemm -- 'sgemm/(blocked|matrixmultiply)/1000x100x100'`
/// with this constant at 0, then at 256). Reading in place skips a copy, so it stays.
pub const PACK_A_MIN_N: usize = 256;

/// Whether an A with contiguous rows (unit column stride) is read in place
/// at every `n`, not only below [`PACK_A_MIN_N`]: where the A micro-panel
/// stays in L1 while the whole B~ slab streams past it
/// ([`A_PANEL_IN_L1`]), packing it copies no more than what the first
/// tile's loads bring into L1 anyway, and the kernel broadcasts from the
/// `MR` rows as they lie. With the AVX-512 set, reading in place ran
/// 1.005–1.03× as fast at 1024³, 1.00–1.03× at 2048³ and 1.04–1.06× at
/// 256³ on one thread (medians of three sets of 30–40 alternating runs of
/// the two builds; two copies of one build read 0.99–1.00×), and 1.01× at
/// 1024³ and 2048³ on two. `pack_a` had taken 3.2% of a 1024³ product's
/// samples (`perf record`). An A with strided rows (a transposed view) is
/// still packed: its micro-panel in place would take a cache line of its
/// own for every step of `p`, a column stride apart. The AVX2 set, whose
/// A~ block streams from L2 past a B~ micro-panel in L1, keeps packing.
pub const A_ROWS_IN_PLACE: bool = A_PANEL_IN_L1;

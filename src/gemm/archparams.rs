//! Register and cache blocking, derived from AMD Zen 4 (the reference machine):
//! 32 KiB L1d and 1 MiB L2 per core, 32 MiB L3, 32 vector registers, one
//! 512-bit (or two 256-bit) FMA per cycle.
//!
//! The micro-kernel keeps an `MR × NR` tile of C in registers, `NR = NV·LANES`.
//! Choices were measured with `cargo bench --bench sgemm` (see the README).
//!
//! Two tile sets exist: the AVX2 one (16 `ymm` registers) and the AVX-512 one
//! (32 `zmm`), chosen by `target_feature = "avx512f"`. The build flag
//! `--cfg weightinit_avx512_tile` selects the AVX-512 set on any machine: its
//! `f32x16` then runs as two `f32x8` halves (spilling, slow), which is enough
//! to test its loop nest, edge tiles and panel cuts where no AVX-512 core is at
//! hand. `.ci/run` runs the GEMM tests that way as well.

pub use tile::{MR, MR_TALL, NV, Vector};

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
}

/// The AVX-512 tile set (32 `zmm` registers): an 8 × 32 tile of `f32x16`.
/// (Zen 4 runs both sets at the same FMA peak: two 256-bit FMAs or one 512-bit
/// FMA per cycle.)
#[cfg(any(target_feature = "avx512f", weightinit_avx512_tile))]
mod tile {
    /// The vector type of the micro-kernel.
    pub type Vector = wide::f32x16;
    /// Rows of the register tile (LOOP 1 step).
    pub const MR: usize = 8;
    /// Rows of the tile for the narrower last panels: as [`MR`] (not measured;
    /// no AVX-512 core was at hand).
    pub const MR_TALL: usize = MR;
    /// Vectors per row of the register tile: `NR = NV · LANES` columns (LOOP 2 step).
    pub const NV: usize = 2;
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
/// the change are in the README. Measured on AVX2 only; the AVX-512 tile
/// shares it.
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

/// Below this many columns of C the A block is read in place instead of
/// packed: packing costs one pass over A per call, which small `n` may not
/// repay. While A was packed element by element, `sgemm/blocked/1000x100x100`
/// measured 46.8 GFLOP/s with A packed against 64.7 read in place. With the
/// packing of full row-major panels as it is now, the two are within noise:
/// 73.9 packed against 72.7 in place, matrixmultiply at 66.0 and 63.5 in the
/// same runs (`cargo bench --bench sgemm -- 'sgemm/(blocked|matrixmultiply)/1000x100x100'`
/// with this constant at 0, then at 256). Reading in place skips a copy, so it stays.
pub const PACK_A_MIN_N: usize = 256;

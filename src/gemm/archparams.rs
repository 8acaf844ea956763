//! Register and cache blocking for the two tile sets, chosen at compile time
//! by `target_feature = "avx512f"`.
//!
//! | | AVX2 (16 `ymm`) | AVX-512 (32 `zmm`) |
//! |---|---|---|
//! | register tile | 4 × 24 of `f32x8` | 8 × 48 of `f32x16` |
//! | narrow panels | 6-row tiles (`MR_TALL`) | 8-row tiles |
//! | KC × MC × NC | 384 × 120 × 4096 | 256 × 128 × 1024 |
//! | loop order | B~ micro-panel in L1, A~ streams from L2 | A micro-panel in L1, B~ slab streams from L2 |
//! | A with contiguous rows | packed (read in place below 256 columns) | read in place |
//! | `p` steps per kernel trip | 1 | 4 |
//!
//! Why they differ: a 4 × 24 tile fills the 16 `ymm` registers, and its B
//! micro-panel (KC × 24 floats) fits a 32 KiB L1d, so the textbook order
//! keeps it there while A~ streams from L2. The 8 × 48 tile's B micro-panel
//! is 48 KiB at KC = 256, all of a 48 KiB L1d, so the AVX-512 set keeps the
//! smaller A micro-panel (8 × KC) in L1 instead and streams the B~ slab
//! (1 MiB) from L2 past it, as BLIS's Skylake-X kernels do; packing that A
//! panel then only copies what the first tile brings into L1 anyway.
//!
//! The AVX2 set was measured on AMD Zen 3 and Zen 4 (with `avx512f` off),
//! the AVX-512 set on an Intel Xeon (Sapphire Rapids class, two 512-bit FMA
//! ports) and checked on Zen 4. Each constant's doc gives the figure that
//! decided it; the measurements are in the commit messages. Before a change
//! here lands, run `weightinit ab` on GEMM for both sets (see the README):
//! a gain on one ISA must not be a loss on the other.
//!
//! The build flag `--cfg weightinit_avx512_tile` selects the AVX-512 set on
//! any machine (its `f32x16` then runs as two `f32x8` halves), so that its
//! loop nest, edge tiles and panel cuts are tested where no AVX-512 core is
//! at hand; `.ci/run` does, and tests the AVX2 set with `avx512f` off.

pub use tile::{A_PANEL_IN_L1, KC, MC, MR, MR_TALL, NC, NV, UNROLL, Vector};

/// The AVX2 tile set (16 `ymm` registers).
#[cfg(not(any(target_feature = "avx512f", weightinit_avx512_tile)))]
mod tile {
    /// The vector type of the micro-kernel.
    pub type Vector = wide::f32x8;

    /// Rows of the register tile (LOOP 1 step). A 4 × 24 tile (12
    /// accumulators, 3 B vectors, one broadcast) fills the 16 registers and
    /// loads 7 values per 12 FMAs, against 8 for the classic 6 × 16:
    /// 70.5 against 64.7 GFLOP/s at 1000 × 100 × 100.
    pub const MR: usize = 4;

    /// Rows of the tile for the narrower last panels of `n` (fewer than
    /// [`NV`] vectors) when A is read in place: a 6 × 16 tile keeps 12
    /// accumulators in flight where 4 × 16 keeps 8 (those panels' time per
    /// FLOP fell from 1.30× to 1.19× the main loop's).
    pub const MR_TALL: usize = 6;

    /// Vectors per row of the register tile: `NR = NV · LANES` = 24 columns.
    pub const NV: usize = 3;

    /// Depth of a packed slab (LOOP 4 step). Each slab re-reads C and pays
    /// each tile's fixed costs once, so deeper is cheaper until the B
    /// micro-panel (KC × 24 floats, 36 KiB here) spills L1 faster than L2
    /// refills it. With MC = 120, KC = 384 ran 1.07× as fast as 256 at 1024³.
    pub const KC: usize = 384;

    /// Rows of a packed A block (LOOP 3 step): `MC × KC` floats = 180 KiB of
    /// a 512 KiB–1 MiB L2, beside the B micro-panel and a small B~. 120 rows
    /// ran 1.08× as fast as 192 at 256³. A multiple of both tile heights.
    pub const MC: usize = 120;

    /// Columns of a packed B block at most (LOOP 5 step): `KC × NC` floats
    /// = 6 MiB, a fifth of L3.
    pub const NC: usize = 4096;

    /// The textbook loop order (see the module doc).
    pub const A_PANEL_IN_L1: bool = false;

    /// Steps of the micro-kernel's `p` loop per trip: one, which the
    /// compiler unrolls twice by itself (24 FMAs per loop); four ran alike.
    pub const UNROLL: usize = 1;
}

/// The AVX-512 tile set (32 `zmm` registers).
#[cfg(any(target_feature = "avx512f", weightinit_avx512_tile))]
mod tile {
    /// The vector type of the micro-kernel.
    pub type Vector = wide::f32x16;

    /// Rows of the register tile (LOOP 1 step). 8 × 48 holds 24
    /// accumulators, 3 B vectors and a broadcast in 28 registers and loads
    /// 11 values per 24 FMAs; it ran up to 1.11× as fast as 12 × 32.
    pub const MR: usize = 8;

    /// Rows of the tile for the narrower last panels: as [`MR`] (a 16 × 32
    /// tile would need all 32 registers for its accumulators).
    pub const MR_TALL: usize = MR;

    /// Vectors per row of the register tile: `NR = NV · LANES` = 48 columns.
    pub const NV: usize = 3;

    /// Depth of a packed slab (LOOP 4 step): the A micro-panel takes 8 KiB
    /// of L1, the B~ slab (`KC × NC` = 1 MiB) half of a 2 MiB L2. 384 ran
    /// 0.94× as fast at 1024³ (a 1.5 MiB slab crowds C's stream out of L2).
    pub const KC: usize = 256;

    /// Rows of a packed A block (LOOP 3 step): 128 rows make 8 equal blocks
    /// of a 1024-row product; 120 ran alike on one thread.
    pub const MC: usize = 128;

    /// Columns of a packed B block at most (LOOP 5 step), so that the B~
    /// slab stays in L2 while every A micro-panel sweeps it: at 2048³, 1024
    /// ran 1.37× as fast as 2048 (a 2 MiB slab that spills to L3).
    pub const NC: usize = 1024;

    /// The loop order with the A micro-panel in L1 (see the module doc):
    /// 1.02–1.04× the textbook order at 1024³ and 1000 × 100 × 100.
    pub const A_PANEL_IN_L1: bool = true;

    /// Steps of the micro-kernel's `p` loop per trip: four took the kernel
    /// from 84% to 92% of `peak/fma_f32/1` on a B~ slab streaming from L2.
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
/// packed: packing costs a pass over A per call, which a small `n` does not
/// repay (the two ran within noise at 1000 × 100 × 100; in place skips a copy).
pub const PACK_A_MIN_N: usize = 256;

/// Whether an A with contiguous rows is read in place at every `n`: where
/// the A micro-panel stays in L1 while the B~ slab streams past it
/// ([`A_PANEL_IN_L1`]), packing it copies no more than the first tile's
/// loads bring into L1 anyway: up to 1.06× as fast at 256³ with the AVX-512
/// set. A transposed A is still packed: in place, each step of `p` would
/// take a cache line of its own.
pub const A_ROWS_IN_PLACE: bool = A_PANEL_IN_L1;

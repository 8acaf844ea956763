//! Register and cache blocking, derived from AMD Zen 4 (the reference machine):
//! 32 KiB L1d and 1 MiB L2 per core, 32 MiB L3, 32 vector registers, one
//! 512-bit (or two 256-bit) FMA per cycle.
//!
//! The micro-kernel keeps an `MR × NR` tile of C in registers, `NR = NV·LANES`.
//! Choices were measured with `cargo bench --bench sgemm` (see the README).

/// The vector type of the micro-kernel. With AVX2 there are 16 `ymm`
/// registers: a 4 × 24 tile (12 accumulators, 3 B vectors, one broadcast)
/// fills them without spilling. It needs 7 loads per 12 FMAs, against 8 for
/// the classic 6 × 16 tile. `sgemm/blocked/1000x100x100` measured 70.5 GFLOP/s
/// with 4 × 24 against 64.7 with 6 × 16 (`cargo bench --bench sgemm` with `MR`
/// and `NV` changed, one session; the machine is noisy). An AVX-512 build has 32 `zmm`
/// registers and uses an 8 × 32 tile of `f32x16`. (Zen 4 runs both at the
/// same FMA peak: two 256-bit FMAs or one 512-bit FMA per cycle.)
#[cfg(not(target_feature = "avx512f"))]
pub type Vector = wide::f32x8;
/// The vector type of the micro-kernel (AVX-512: 32 registers, 8 × 32 tile).
#[cfg(target_feature = "avx512f")]
pub type Vector = wide::f32x16;

/// Lanes of [`Vector`].
pub const LANES: usize = <Vector as crate::simd::Lanes>::N;

/// Rows of the register tile (LOOP 1 step).
#[cfg(not(target_feature = "avx512f"))]
pub const MR: usize = 4;
/// Rows of the register tile (LOOP 1 step).
#[cfg(target_feature = "avx512f")]
pub const MR: usize = 8;

/// Vectors per row of the register tile: `NR = NV · LANES` columns (LOOP 2 step).
#[cfg(not(target_feature = "avx512f"))]
pub const NV: usize = 3;
/// Vectors per row of the register tile: `NR = NV · LANES` columns (LOOP 2 step).
#[cfg(target_feature = "avx512f")]
pub const NV: usize = 2;

/// Columns of the register tile.
pub const NR: usize = NV * LANES;

/// Depth of a packed slab (LOOP 4 step). One B micro-panel `KC × NR` floats
/// (AVX2: 256·24·4 B = 24 KiB) stays in the 32 KiB L1d while the
/// `MR × KC` A micro-panels (4 KiB each) stream past it.
pub const KC: usize = 256;

/// Rows of a packed A block (LOOP 3 step): `MC × KC` floats = 192 KiB, well
/// inside a 512 KiB–1 MiB L2, so A~ stays in L2 while the B micro-panels
/// stream past it. A multiple of both MR values.
pub const MC: usize = 192;

/// Columns of a packed B block (LOOP 5 step): `KC × NC` floats = 4 MiB, an
/// eighth of L3.
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

//! Register and cache blocking, derived from AMD Zen 4 (the reference machine):
//! 32 KiB L1d and 1 MiB L2 per core, 32 MiB L3, 32 vector registers, one
//! 512-bit (or two 256-bit) FMA per cycle.
//!
//! The micro-kernel keeps an `MR × NR` tile of C in registers, `NR = NV·16`.
//! Choices were measured with `cargo bench --bench sgemm` (see the README).

/// The vector type of the micro-kernel. Zen 4 has the same FMA peak for
/// `f32x8` and `f32x16`; `f32x16` halves the instruction count.
pub type Vector = wide::f32x16;

/// Rows of the register tile (LOOP 1 step). `MR·NV = 16` accumulators plus
/// `NV` B vectors and a broadcast fit the 32 registers; 1000 = 125·8 rows.
pub const MR: usize = 8;

/// Vectors per row of the register tile: `NR = NV · 16` columns (LOOP 2 step).
pub const NV: usize = 2;

/// Columns of the register tile.
pub const NR: usize = NV * 16;

/// Depth of a packed slab (LOOP 4 step). One B micro-panel `KC × NR` floats
/// = 256·32·4 B = 32 KiB streams through L1 while the `MR × KC` A micro-panel
/// (8 KiB) stays there.
pub const KC: usize = 256;

/// Rows of a packed A block (LOOP 3 step): `MC × KC` floats = 192 KiB, a fifth
/// of L2, so A~ stays in L2 while the B micro-panels stream past it.
pub const MC: usize = 192;

/// Columns of a packed B block (LOOP 5 step): `KC × NC` floats = 4 MiB, an
/// eighth of L3.
pub const NC: usize = 4096;

/// Below this many columns of C the A block is read in place instead of
/// packed: packing costs one pass over A per call, which small `n` cannot
/// repay (measured on 1000×100×100).
pub const PACK_A_MIN_N: usize = 256;

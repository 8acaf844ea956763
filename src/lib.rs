//! weightinit: neural-network weight initialization, made exact, fast and measurable.
//!
//! The crate reproduces the classic experiment (Saito, *Deep Learning from
//! Scratch*, §6.2): a batch of N(0, 1) inputs through square layers without
//! bias, weights from one initializer, and per-layer activation and gradient
//! statistics; and Saito's §6.2.4 training comparison. Each hot path has a
//! plain scalar reference beside it, and a run picks one [`Backend`] for all
//! of them.
//!
//! The front door:
//!
//! | what | where |
//! |---|---|
//! | an initializer by preset or name, drawn into a new tensor or a buffer | [`Init`] (`Init::he_normal().sample(&shape, seed)`) |
//! | the samplers, as rand's `Distribution<f32>` | [`sample::Normal`], [`sample::Uniform`], [`sample::TruncatedNormal`] |
//! | `C ← αAB + βC` on strided views | [`gemm::sgemm`] |
//! | the init × activation grid | [`experiment::run`] |
//! | the training comparison | [`train::train`], on [`data`] |
//! | results files, comparisons, the A/B gate's statistics, exports | [`results`] |
//!
//! Floors, each importing only from those below: kernels (`simd`, `rng`,
//! [`gemm`], [`activation`], [`peak`], [`npy`], [`whole_file`]); samplers and
//! statistics ([`sample`], `stats`, [`backend`]); [`init`] (with orthogonal
//! weights), the experiment's `network`, [`data`]; [`experiment`], [`train`],
//! [`results`]. Nothing below the command line prints or exits.
//!
//! # Example
//! A He-normal 784 × 256 weight, seeded; the same bytes on any thread count:
//! ```
//! use weightinit::Init;
//!
//! let w = Init::he_normal().sample(&[784, 256], 7)?; // [k…, fan_in, fan_out]
//! let var = w.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / w.len() as f64;
//! assert!((var - 2.0 / 784.0).abs() < 0.05 * 2.0 / 784.0); // He: Var = 2/fan_in
//! # Ok::<(), weightinit::init::InitError>(())
//! ```
#![deny(clippy::undocumented_unsafe_blocks)]

/// The seed of every run the tool makes unless told otherwise.
pub const DEFAULT_SEED: u64 = 20_250_506;

pub mod activation;
pub mod backend;
pub mod build_info;
pub mod data;
pub mod experiment;
pub mod gemm;
pub mod init;
pub mod npy;
pub mod peak;
pub mod results;
pub mod sample;
pub mod train;
pub mod whole_file;

mod network;
mod orthogonal;
mod rng;
mod simd;
mod stats;

pub use backend::Backend;
pub use init::Init;

/// What the benchmarks measure beside the front door: the kernels and
/// tuning internals, reachable for `benches/` and nowhere else.
#[doc(hidden)]
pub mod bench {
    pub use crate::activation::{copy_simd, copy_simd_par};
    pub use crate::gemm::archparams::{MR, NR, NV, Vector};
    pub use crate::gemm::kernel::kernel;
    pub use crate::gemm::naive::sgemm as naive_sgemm;
    pub use crate::network::epilogue::{fused, naive as naive_epilogue, unfused};
    pub use crate::network::{init_weights, input, run as network_run, stats_for};
    pub use crate::orthogonal::fill as orthogonal_fill;
    pub use crate::peak::{FLOP_PER_CALL, PAR_REPEAT, fma_loop, fma_loop_par};
    pub use crate::rng::{BlockRng, SimdXoshiro, StreamKey, WORDS_PER_BLOCK};
    pub use crate::sample::naive::rng as rand_distr_rng;
    pub use crate::sample::{CHUNK, Dist, Method};
    pub use crate::stats::StatsAcc;
}

#[cfg(test)]
mod tests;

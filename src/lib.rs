//! weightinit: neural-network weight initialization, made exact, fast and measurable.
//!
//! The crate reproduces the classic experiment (Saito, *Deep Learning from
//! Scratch*, §6.2): a batch of N(0, 1) inputs through square layers without
//! bias, weights from one initializer, and per-layer activation and gradient
//! statistics. Each hot path has a plain reference beside it:
//!
//! | floor | module | fast path | reference |
//! |---|---|---|---|
//! | 0 | [`simd`] | `f32x16` / `f32x8` | `f32` |
//! | 1 | [`rng`] | xoshiro256++ in 8 SIMD lanes | the same lanes, scalar |
//! | 1 | [`gemm`] | packed, register-tiled, rayon | triple loop |
//! | 1 | [`activation`] | `wide` sigmoid/tanh/ReLU | `f32::exp` |
//! | 1 | [`npy`] | streaming .npy writer | |
//! | 0 | [`whole_file`] | files written whole (temporary file, then rename) | |
//! | 2 | [`sample`] | SIMD uniform/normal/truncated | rand_distr |
//! | 2 | [`stats`] | fused SIMD accumulation | scalar, f64 |
//! | 3 | [`init`] | variance scaling, orthogonal | |
//! | 3 | [`network`] | fused forward/backward, LSUV | naive kernels |
//! | 4 | [`experiment`] | the init × activation grid | |
//! | 4 | [`train`] | Saito's training comparison: blocked GEMM, SIMD activations and softmax | triple loop, `f32::exp` |
//! | 4 | [`results`] | criterion → machine-tagged results, comparison, paired A/B verdicts, exports | |
//!
//! Imports flow down the floors; nothing below the CLI prints or exits.
//!
//! # Example
//! A He-normal 784 × 256 weight, seeded; the same bytes on any thread count:
//! ```
//! use weightinit::init::{Fans, Init};
//! use weightinit::rng::StreamKey;
//! use weightinit::sample::Path;
//!
//! let init = Init::parse("he_normal")?; // or xavier_uniform, normal:0.02, orthogonal, …
//! let fans = Fans::from_shape(&[784, 256])?; // [k…, fan_in, fan_out], HWIO for convolutions
//! let mut w = vec![0f32; 784 * 256];
//! init.fill_stream(fans, StreamKey::new(7, 0), &mut w, Path::SimdPar)?;
//! let var = w.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / w.len() as f64;
//! assert!((var - 2.0 / 784.0).abs() < 0.05 * 2.0 / 784.0); // He: Var = 2/fan_in
//! # Ok::<(), weightinit::init::InitError>(())
//! ```

pub mod activation;
pub mod experiment;
pub mod gemm;
pub mod init;
pub use init::Init;
pub mod network;
pub mod npy;
pub mod orthogonal;
#[doc(hidden)] // the benches' FMA ceiling
pub mod peak;
pub mod results;
pub mod rng;
pub mod sample;
pub mod simd;
pub mod stats;
pub mod train;
pub mod whole_file;

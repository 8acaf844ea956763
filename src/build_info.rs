//! What this build runs: the SIMD path, the sampler streams and the GEMM tile
//! (`weightinit info`, and every results file's fingerprint).
#![forbid(unsafe_code)]

pub use crate::simd::Isa;

/// This build and this CPU.
#[derive(Clone, Debug)]
pub struct BuildInfo {
    /// The SIMD path compiled in, and the features compiled and detected.
    pub isa: Isa,
    /// xoshiro256++ lanes of the generator (fixed on every ISA).
    pub rng_lanes: usize,
    /// Floats per sampler stream chunk.
    pub sampler_chunk: usize,
    /// The version of the values a seed gives.
    pub stream_version: u32,
    /// The GEMM's register tile and blocking, in words.
    pub gemm_tile: String,
    /// Threads of the rayon pool.
    pub threads: usize,
    /// The compiler that built this.
    pub rustc: &'static str,
}

impl BuildInfo {
    /// Reads this build and this CPU.
    pub fn current() -> BuildInfo {
        use crate::gemm::archparams as ap;
        BuildInfo {
            isa: Isa::current(),
            rng_lanes: crate::rng::LANES,
            sampler_chunk: crate::sample::CHUNK,
            stream_version: crate::sample::STREAM_VERSION,
            gemm_tile: format!(
                "{}x{} tile of f32x{} (MR x NR), KC {}, MC {}, NC {}",
                ap::MR,
                ap::NR,
                ap::LANES,
                ap::KC,
                ap::MC,
                ap::NC
            ),
            threads: rayon::current_num_threads(),
            rustc: env!("WEIGHTINIT_RUSTC_VERSION"),
        }
    }
}

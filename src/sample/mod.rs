//! Uniform, normal and truncated-normal `f32` samplers over the `rng` lanes.
//!
//! Each distribution is a `Transform` from random words to floats, written
//! once over `Lanes` (see `uniform`, `normal`, `truncated`). Two
//! blocks of the 8-lane generator (four steps) give 64 words `w[0..64]`; the
//! transform maps the quadruple `(w[i], w[16 + i], w[32 + i], w[48 + i])` (one
//! lane, consecutive steps) to the outputs `out[i], out[16 + i], out[32 + i],
//! out[48 + i]` for `i < 16`. The SIMD path does this with four `f32x16`, the
//! scalar twin with 16 quadruples of `f32`: the same algorithm, lane by lane.
//! The uniform and the truncated normal map each word to its own output; the
//! normal needs all four.
//!
//! # Chunks and threads
//! An output buffer is cut into chunks of [`CHUNK`] floats; chunk `c` is filled
//! from its own generator `(seed, stream, c)` (see the seeding rule in
//! `rng`). `fill_par` spreads the chunks over rayon, so the
//! bytes are identical for any thread count and any chunk → thread assignment,
//! and equal to the sequential `fill_seq`.
//!
//! # Stream versions
//! [`STREAM_VERSION`] names the values that a `(seed, stream)` gives. It
//! changes whenever an algorithm changes them, as rand_distr's value-stability
//! tests pin theirs; `tests/samplers.rs` pins the first outputs of each version.
//!
//! | version | normal | truncated normal | uniform |
//! |---|---|---|---|
//! | 1 | Box–Muller, angle folded by compares, Cephes `logf` | Giles' `erfinv` | top 24 bits |
//! | 2 | four at a time: χ₄ radius (one log), octants from bits, shorter log | rational Φ⁻¹, low 24 bits | unchanged |
//! | 3 | uniforms read as mantissas (2⁻²³ grids), x sign from bit 31, std in the sine/cosine coefficients | unchanged | unchanged |
//!
//! # The naive reference
//! `naive` draws the same distributions element by element with rand_distr
//! and `Xoshiro256PlusPlus`: another stream, the same distribution.
#![forbid(unsafe_code)]

pub(crate) mod naive;
pub(crate) mod normal;
pub(crate) mod truncated;
pub(crate) mod uniform;

use crate::rng::{BlockRng, ScalarXoshiro, SimdXoshiro, StreamKey, WORDS_PER_BLOCK};
use crate::simd::Lanes;
use rayon::prelude::*;
use wide::f32x16;

pub use normal::Normal;
pub use truncated::TruncatedNormal;
pub use uniform::Uniform;

/// The version of the sampler streams (see the module doc).
pub const STREAM_VERSION: u32 = 3;

/// Floats per chunk: each chunk has its own generator. 2¹⁶ floats (256 KiB)
/// keeps a chunk in L2 and gives rayon 16 tasks per million values.
#[doc(hidden)] // `weightinit info` and the benchmarks
pub const CHUNK: usize = 1 << 16;
/// Floats per call of a [`Transform`]: two generator blocks.
pub(crate) const BLOCK: usize = 2 * WORDS_PER_BLOCK;
/// Floats per vector of the block.
const QUARTER: usize = BLOCK / 4;

/// Maps random words to floats, four at a time, for any lane width.
pub(crate) trait Transform: Sync {
    /// Whether output `k` depends on word `k` alone (the uniform, the truncated
    /// normal). The SIMD fill then transforms each generator block as it is
    /// drawn: with two blocks' words live at once, the AVX2 build (16 `ymm`
    /// registers) spilled the generator's state and the uniform lost 10%.
    const WORDWISE: bool;
    /// Outputs for the words `w` of four consecutive generator steps of each lane.
    fn apply<V: Lanes>(&self, w: [V::Bits; 4]) -> [V; 4];
}

/// A generator that can run a [`Transform`] over two blocks of its lanes.
pub(crate) trait BlockFill: BlockRng {
    /// Draws two blocks and writes 64 floats.
    fn fill_block<T: Transform>(&mut self, t: &T, out: &mut [f32; BLOCK]);
}

impl BlockFill for SimdXoshiro {
    #[inline(always)]
    fn fill_block<T: Transform>(&mut self, t: &T, out: &mut [f32; BLOCK]) {
        if T::WORDWISE {
            for half in out.chunks_exact_mut(2 * QUARTER) {
                let [w0, w1] = self.next_block();
                // Outputs 2 and 3 repeat 0 and 1; unused, they are never computed.
                let [a, b, _, _] = t.apply::<f32x16>([w0, w1, w0, w1]);
                half[..QUARTER].copy_from_slice(a.as_array());
                half[QUARTER..].copy_from_slice(b.as_array());
            }
        } else {
            let [w0, w1] = self.next_block();
            let [w2, w3] = self.next_block();
            let v: [f32x16; 4] = t.apply::<f32x16>([w0, w1, w2, w3]);
            for (o, v) in out.chunks_exact_mut(QUARTER).zip(v) {
                o.copy_from_slice(v.as_array());
            }
        }
    }
}

impl BlockFill for ScalarXoshiro {
    #[inline]
    fn fill_block<T: Transform>(&mut self, t: &T, out: &mut [f32; BLOCK]) {
        let (a, b) = (self.next_block(), self.next_block());
        for i in 0..QUARTER {
            let w = [a[i], a[QUARTER + i], b[i], b[QUARTER + i]];
            let v: [f32; 4] = t.apply::<f32>(w);
            for (k, x) in v.into_iter().enumerate() {
                out[k * QUARTER + i] = x;
            }
        }
    }
}

/// Fills `out` (at most [`CHUNK`] floats) from chunk `chunk` of `key`.
#[inline]
pub(crate) fn fill_chunk<G: BlockFill, T: Transform>(
    t: &T,
    key: StreamKey,
    chunk: u64,
    out: &mut [f32],
) {
    debug_assert!(out.len() <= CHUNK);
    let mut g = G::new(key, chunk);
    let mut blocks = out.chunks_exact_mut(BLOCK);
    for b in &mut blocks {
        let b: &mut [f32; BLOCK] = b.try_into().expect("chunks_exact gives BLOCK floats");
        g.fill_block(t, b);
    }
    let rest = blocks.into_remainder();
    if !rest.is_empty() {
        let mut tmp = [0f32; BLOCK];
        g.fill_block(t, &mut tmp);
        let n = rest.len();
        rest.copy_from_slice(&tmp[..n]);
    }
}

/// A distribution the fast samplers draw, validated at construction.
#[derive(Clone, Copy, Debug, PartialEq)]
#[doc(hidden)] // the benchmarks
pub enum Dist {
    /// U[lo, hi).
    Uniform(Uniform),
    /// N(mean, std²).
    Normal(Normal),
    /// N(mean, σ'²) truncated to ±2σ', with std σ.
    TruncatedNormal(TruncatedNormal),
}

/// Which implementation fills a buffer (the sampler benchmarks' `naive`,
/// `simd` and `simd_par`; a run picks its method through its
/// [`Backend`](crate::Backend)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[doc(hidden)] // the benchmarks
pub enum Method {
    /// rand_distr, element by element: another stream, the same distribution
    /// (the benchmarks' `naive`).
    RandDistr,
    /// The scalar twin of the SIMD algorithm, one lane at a time.
    Scalar,
    /// SIMD, this thread.
    Simd,
    /// SIMD, chunks over the rayon pool.
    SimdPar,
}

macro_rules! with_transform {
    ($dist:expr, |$t:ident| $body:expr) => {
        match $dist {
            Dist::Uniform($t) => $body,
            Dist::Normal($t) => $body,
            Dist::TruncatedNormal($t) => $body,
        }
    };
}

impl Dist {
    /// Fills `out` by `method` from stream `key`.
    pub fn fill(&self, key: StreamKey, out: &mut [f32], method: Method) {
        match method {
            Method::RandDistr => naive::fill(self, key, out),
            Method::Scalar => {
                with_transform!(self, |t| fill_seq::<ScalarXoshiro, _>(t, key, 0, out))
            }
            Method::Simd => with_transform!(self, |t| fill_seq::<SimdXoshiro, _>(t, key, 0, out)),
            Method::SimdPar => with_transform!(self, |t| fill_par(t, key, 0, out)),
        }
    }

    /// Fills `out` as the part of a larger buffer that starts at chunk
    /// `first_chunk` (for streaming huge outputs), SIMD over rayon: the bytes
    /// equal that part of one big fill.
    pub fn fill_from_chunk(&self, key: StreamKey, first_chunk: u64, out: &mut [f32]) {
        with_transform!(self, |t| fill_par(t, key, first_chunk, out))
    }

    /// The distribution's standard deviation.
    pub fn std(&self) -> f64 {
        match self {
            Dist::Uniform(u) => u.std(),
            Dist::Normal(n) => n.std() as f64,
            Dist::TruncatedNormal(t) => t.std() as f64,
        }
    }
}

/// Sequential fill, chunk by chunk, with generator `G`.
pub(crate) fn fill_seq<G: BlockFill, T: Transform>(
    t: &T,
    key: StreamKey,
    first_chunk: u64,
    out: &mut [f32],
) {
    for (c, ch) in out.chunks_mut(CHUNK).enumerate() {
        fill_chunk::<G, T>(t, key, first_chunk + c as u64, ch);
    }
}

/// Parallel SIMD fill: the chunks of [`fill_seq`] spread over the rayon pool.
pub(crate) fn fill_par<T: Transform>(t: &T, key: StreamKey, first_chunk: u64, out: &mut [f32]) {
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, ch)| fill_chunk::<SimdXoshiro, T>(t, key, first_chunk + c as u64, ch));
}

/// A sampler parameter was invalid.
#[derive(Clone, Debug, PartialEq)]
pub enum SampleError {
    /// A parameter was NaN or infinite.
    NotFinite {
        /// The parameter's name.
        name: &'static str,
        /// Its value.
        value: f64,
    },
    /// A standard deviation or bound was negative.
    Negative {
        /// The parameter's name.
        name: &'static str,
        /// Its value.
        value: f64,
    },
    /// `lo` was not below `hi`.
    EmptyRange {
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
}

impl core::fmt::Display for SampleError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SampleError::NotFinite { name, value } => {
                write!(f, "{name} must be finite, got {value}")
            }
            SampleError::Negative { name, value } => write!(f, "{name} must be ≥ 0, got {value}"),
            SampleError::EmptyRange { lo, hi } => {
                write!(f, "need lo < hi, got lo = {lo}, hi = {hi}")
            }
        }
    }
}

impl std::error::Error for SampleError {}

pub(crate) fn check_finite(name: &'static str, value: f32) -> Result<(), SampleError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(SampleError::NotFinite {
            name,
            value: value as f64,
        })
    }
}

pub(crate) fn check_std(name: &'static str, value: f32) -> Result<(), SampleError> {
    check_finite(name, value)?;
    if value < 0.0 {
        Err(SampleError::Negative {
            name,
            value: value as f64,
        })
    } else {
        Ok(())
    }
}

/// `rand`'s [`Distribution`](rand::distr::Distribution) for the samplers:
/// one draw takes as many words of the caller's generator as the transform
/// reads for one output (one, or four for the normal) and returns the first
/// output of the scalar twin of the SIMD transform (the bulk fills above are
/// the fast path).
macro_rules! distribution_by_scalar_twin {
    ($($t:ty: $words:expr),*) => {$(
        impl rand::distr::Distribution<f32> for $t {
            fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f32 {
                let mut w = [0u32; 4];
                w[..$words].iter_mut().for_each(|x| *x = rng.next_u32());
                self.apply::<f32>(w)[0]
            }
        }
    )*};
}

distribution_by_scalar_twin!(Uniform: 1, Normal: 4, TruncatedNormal: 1);

//! xoshiro256++ in lanes: the SIMD generator, its scalar twin, and the seeding rule.
//!
//! The generator is Blackman & Vigna's xoshiro256++ ("Scrambled linear
//! pseudorandom number generators", ACM TOMS 2021). Its step is written once,
//! over the [`Word`] trait, and runs on plain `u64` (the scalar twin, one lane
//! at a time) and on `wide::u64x8` (the SIMD path, eight lanes per register).
//!
//! # Lanes
//! There are always [`LANES`] = 8 logical lanes, whatever the ISA: one `u64x8`
//! per state word (one `zmm` register on AVX-512, two `ymm` on AVX2, four on
//! SSE/NEON). Each lane is an independent xoshiro256++ that reproduces
//! `rand_xoshiro::Xoshiro256PlusPlus` bit for bit from the same state. Eight
//! lanes keep the whole state in 8 `ymm` registers on AVX2; with sixteen the
//! state alone filled all 16 and the generated loop spilled it to the stack.
//!
//! A *block* is two steps of all lanes: 16 `u64` read as 32 `u32` words. Word
//! `2·l` (`2·l + 1`) is the low (high) half of lane `l`'s first output and word
//! `16 + 2·l` (`16 + 2·l + 1`) the same of its second output (the
//! little-endian view of the registers). So words `i` and `16 + i` always come
//! from the same lane, one step apart.
//!
//! # Seeding rule
//! A stream is named by `(seed, stream, chunk)`; the state of lane `l` is
//!
//! ```text
//! x  = m(m(m(m(seed) ⊕ stream) ⊕ chunk) ⊕ l)      m = SplitMix64 finaliser of (x + γ)
//! s0, s1, s2, s3 = the next four outputs of SplitMix64 started at x
//! ```
//!
//! Every `m` is a bijection of `u64`, so two names that differ only in their
//! last component never share a starting point; otherwise a collision needs a
//! 64-bit hash collision. Starting points are then 256-bit states spread over a
//! period of 2²⁵⁶ − 1, so streams do not overlap in practice (Vigna recommends
//! exactly this SplitMix64 seeding). `sample` gives every fixed-size chunk of an
//! output buffer its own `chunk` index, which is what makes parallel fills
//! independent of the thread count.
#![forbid(unsafe_code)]

use core::ops::{BitOr, BitXor};
use wide::{u32x16, u64x8};

/// Logical lanes of the generator, fixed for every ISA.
pub const LANES: usize = 8;
/// `u32` words produced by one block (two steps of all lanes).
pub const WORDS_PER_BLOCK: usize = 4 * LANES;

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// One SplitMix64 step (Steele, Lea & Flood 2014): advances `state` and returns the output.
#[inline]
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(GOLDEN_GAMMA);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The SplitMix64 output for `x` as a state: a bijective 64-bit mixer.
#[inline]
pub fn mix64(x: u64) -> u64 {
    let mut s = x;
    splitmix64(&mut s)
}

/// A stream: a seed and a stream index (one per tensor of an experiment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamKey {
    /// The user's seed.
    pub seed: u64,
    /// The stream within that seed (e.g. 0 for the input, l for layer l).
    pub stream: u64,
}

impl StreamKey {
    /// A new key.
    pub fn new(seed: u64, stream: u64) -> StreamKey {
        StreamKey { seed, stream }
    }

    /// The xoshiro256++ state of lane `lane` of chunk `chunk` (the module's seeding rule).
    pub fn lane_state(self, chunk: u64, lane: usize) -> [u64; 4] {
        let mut x = mix64(mix64(mix64(mix64(self.seed) ^ self.stream) ^ chunk) ^ lane as u64);
        let s = [
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
        ];
        // The all-zero state is a fixed point; SplitMix64 cannot emit four zeros in a
        // row in practice, but guard the invariant anyway.
        if s == [0; 4] { [1, 0, 0, 0] } else { s }
    }

    /// A single-generator seed for the naive rand_distr path: `m(m(seed) ⊕ stream)`.
    pub fn scalar_seed(self) -> u64 {
        mix64(mix64(self.seed) ^ self.stream)
    }
}

/// The word operations of the xoshiro step, for `u64` and `u64x8`.
pub trait Word: Copy + BitXor<Output = Self> + BitOr<Output = Self> {
    /// Wrapping addition.
    fn wadd(self, o: Self) -> Self;
    /// Logical shift left by `k` < 64.
    fn shl(self, k: u32) -> Self;
    /// Logical shift right by `k` < 64.
    fn shr(self, k: u32) -> Self;
}

impl Word for u64 {
    #[inline(always)]
    fn wadd(self, o: Self) -> Self {
        self.wrapping_add(o)
    }
    #[inline(always)]
    fn shl(self, k: u32) -> Self {
        self << k
    }
    #[inline(always)]
    fn shr(self, k: u32) -> Self {
        self >> k
    }
}

impl Word for u64x8 {
    #[inline(always)]
    fn wadd(self, o: Self) -> Self {
        self + o
    }
    #[inline(always)]
    fn shl(self, k: u32) -> Self {
        self.unbounded_shl_scalar(k)
    }
    #[inline(always)]
    fn shr(self, k: u32) -> Self {
        self.unbounded_shr_scalar(k)
    }
}

#[inline(always)]
fn rotl<W: Word>(x: W, k: u32) -> W {
    x.shl(k) | x.shr(64 - k)
}

/// One xoshiro256++ step on any [`Word`]: returns the output and advances `s`.
#[inline(always)]
pub fn xoshiro_next<W: Word>(s: &mut [W; 4]) -> W {
    let result = rotl(s[0].wadd(s[3]), 23).wadd(s[0]);
    let t = s[1].shl(17);
    s[2] = s[2] ^ s[0];
    s[3] = s[3] ^ s[1];
    s[1] = s[1] ^ s[2];
    s[0] = s[0] ^ s[3];
    s[2] = s[2] ^ t;
    s[3] = rotl(s[3], 45);
    result
}

/// A source of 32-word blocks: the SIMD generator or its scalar twin.
pub trait BlockRng {
    /// The block as the sampler transforms consume it: two vectors of 16 words
    /// for the SIMD path, 32 separate words for the scalar twin.
    type Block;
    /// Starts all lanes of `key`'s chunk `chunk`.
    fn new(key: StreamKey, chunk: u64) -> Self;
    /// Steps every lane twice.
    fn next_block(&mut self) -> Self::Block;
}

/// The SIMD generator: 8 lanes, one `u64x8` per state word (structure of arrays).
#[derive(Clone, Debug)]
pub struct SimdXoshiro {
    s: [u64x8; 4],
}

impl BlockRng for SimdXoshiro {
    type Block = [u32x16; 2];

    fn new(key: StreamKey, chunk: u64) -> Self {
        // Structure of arrays: register w holds state word w of every lane.
        let states: [[u64; 4]; LANES] = core::array::from_fn(|lane| key.lane_state(chunk, lane));
        let words: [[u64; LANES]; 4] = core::array::from_fn(|w| states.map(|st| st[w]));
        SimdXoshiro {
            s: words.map(u64x8::new),
        }
    }

    #[inline(always)]
    fn next_block(&mut self) -> [u32x16; 2] {
        let a = xoshiro_next(&mut self.s);
        let b = xoshiro_next(&mut self.s);
        [
            wide::bytemuck::cast::<u64x8, u32x16>(a),
            wide::bytemuck::cast::<u64x8, u32x16>(b),
        ]
    }
}

/// The scalar twin: the same 8 lanes stepped one at a time.
#[derive(Clone, Debug)]
pub struct ScalarXoshiro {
    s: [[u64; 4]; LANES],
}

impl BlockRng for ScalarXoshiro {
    type Block = [u32; WORDS_PER_BLOCK];

    fn new(key: StreamKey, chunk: u64) -> Self {
        ScalarXoshiro {
            s: core::array::from_fn(|lane| key.lane_state(chunk, lane)),
        }
    }

    #[inline]
    fn next_block(&mut self) -> [u32; WORDS_PER_BLOCK] {
        let mut out = [0u32; WORDS_PER_BLOCK];
        for step in 0..2 {
            for (lane, s) in self.s.iter_mut().enumerate() {
                let x = xoshiro_next(s);
                out[16 * step + 2 * lane] = x as u32;
                out[16 * step + 2 * lane + 1] = (x >> 32) as u32;
            }
        }
        out
    }
}

/// The words of a SIMD block in the scalar twin's order (for tests).
#[cfg(test)]
pub fn block_words(block: &[u32x16; 2]) -> [u32; WORDS_PER_BLOCK] {
    let mut out = [0u32; WORDS_PER_BLOCK];
    out[..16].copy_from_slice(&block[0].to_array());
    out[16..].copy_from_slice(&block[1].to_array());
    out
}

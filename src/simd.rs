//! A small vector trait over `f32`, [`f32x8`] and [`f32x16`].
//!
//! Every SIMD algorithm of the crate (the sampler transforms, the activations,
//! the GEMM micro-kernel) is written once over [`Lanes`]. The scalar twin is the
//! same body instantiated at `f32`, one lane at a time; the SIMD path
//! instantiates it at `f32x16` (or `f32x8`). Elementary functions (exp, the
//! samplers' log, sin and cos) are polynomials written over [`Lanes`] too, so
//! both run the same arithmetic. This is the layout
//! of memchr's `src/vector.rs`: the algorithm once, the ISA underneath.
//!
//! `wide` picks its implementation at compile time from the enabled target
//! features, so [`Isa::compiled`] tells which path this build really runs.
#![deny(clippy::undocumented_unsafe_blocks)]

use core::ops::{Add, Div, Mul, Neg, Sub};
use wide::{f32x8, f32x16, i32x16, u32x16};

/// Arithmetic that the crate's vector algorithms need, for one or many `f32` lanes.
pub trait Lanes:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + Send
    + Sync
    + 'static
{
    /// Number of `f32` lanes.
    const N: usize;
    /// The matching vector of `u32` lanes (random bits).
    type Bits: Copy;

    /// All lanes set to `x`.
    fn splat(x: f32) -> Self;
    /// `self * a + b`, fused where the build has FMA.
    fn mul_add(self, a: Self, b: Self) -> Self;
    /// Lane-wise minimum (IEEE `minNum` is not required: inputs are not NaN).
    fn min(self, o: Self) -> Self;
    /// Lane-wise maximum.
    fn max(self, o: Self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// max(x, 0) with NaN passed through and −0 mapped to +0 (ReLU).
    fn max0(self) -> Self;
    /// |x|.
    fn abs(self) -> Self;
    /// `self` with the sign bit of `s` or-ed in: for a `self` that is +0 or
    /// of the same sign as `s`, only `−0` changes (to keep the sign of `s = −0`).
    fn or_sign_of(self, s: Self) -> Self;
    /// For `self = n + SHIFTER` with an integral `n` in [−127, 128] (so `n + 127`
    /// sits in the low mantissa bits): 2ⁿ, made by shifting those bits into the
    /// exponent field. `n = −127` gives +0 and `n = 128` gives +∞.
    fn pow2_of_shifted(self) -> Self;
    /// `self` clamped to `[lo, hi]`; NaN stays NaN.
    fn clamp(self, lo: f32, hi: f32) -> Self;
    /// For a positive normal `x`: `(m, e)` with `x = m·2^e`, `m ∈ [√½, √2)`, `e` integral.
    ///
    /// Integer arithmetic on the bits, without a compare: subtracting the bits
    /// of √½ from those of `x` leaves `e` in the exponent field (an arithmetic
    /// shift reads it) and `m`'s offset from √½ in the mantissa field.
    fn frexp_sqrt2(self) -> (Self, Self);
    /// The low `n ≤ 24` bits of each word as a float, exactly `w mod 2ⁿ`.
    fn from_low_bits(bits: Self::Bits, n: u32) -> Self;
    /// `1 + ((w & mask) | set)·2⁻²³ ∈ [1, 2)`, `mask` and `set` within the 23
    /// mantissa bits: the bits made the mantissa of a float of exponent 0, one
    /// bitwise operation where a conversion from integer takes three.
    fn one_plus_mantissa(bits: Self::Bits, mask: u32, set: u32) -> Self;
    /// `1 + k·2⁻²³` for the 23-bit `k = a₂₄..₃₁ + 2⁸·b₂₄..₃₁ + 2¹⁶·c₂₄..₃₀`:
    /// the top bytes of three words (`c`'s top bit left out) as a mantissa.
    fn one_plus_top_bytes(a: Self::Bits, b: Self::Bits, c: Self::Bits) -> Self;
    /// `self` with its sign flipped in the lanes whose word has bit `bit` set.
    fn flip_sign_by_bit(self, bits: Self::Bits, bit: u32) -> Self;
    /// Lanes whose word has bit `bit` set take `a`, the others `b`.
    fn select_by_bit(bits: Self::Bits, bit: u32, a: Self, b: Self) -> Self;
    /// Lanes where `self > o` take `a`, others `b`.
    fn select_gt(self, o: Self, a: Self, b: Self) -> Self;
    /// The top 24 bits of each 32-bit word as a float in [0, 1 − 2⁻²⁴], exactly `(w >> 8) · 2⁻²⁴`.
    fn unit_from_bits(bits: Self::Bits) -> Self;
    /// Loads `N` floats.
    ///
    /// # Safety
    /// `p` must be valid for reads of `N` floats (any alignment).
    unsafe fn load(p: *const f32) -> Self;
    /// Stores `N` floats.
    ///
    /// # Safety
    /// `p` must be valid for writes of `N` floats (any alignment).
    unsafe fn store(self, p: *mut f32);
    /// The sum of the lanes (in an order of the implementation's choosing, the
    /// same on every call).
    fn reduce_add(self) -> f32;
    /// The lane sums of four vectors, `[Σ v[0], Σ v[1], Σ v[2], Σ v[3]]` (each in
    /// a fixed order).
    #[inline(always)]
    fn sum4(v: [Self; 4]) -> [f32; 4] {
        v.map(Self::reduce_add)
    }
}

/// The bits of √½ (rounded down), the offset of [`Lanes::frexp_sqrt2`].
const BITS_SQRT_HALF: i32 = 0x3f35_04f3;

/// 2⁻²⁴: the spacing of the 24-bit uniform grid.
pub const TWO_POW_M24: f32 = 1.0 / 16_777_216.0;

/// The 23 mantissa bits of an `f32`.
pub const MANTISSA: u32 = 0x007f_ffff;
/// The bits of 1.0: the exponent field of [1, 2).
const ONE_BITS: u32 = 0x3f80_0000;

/// `1.5·2²³ + 127`: adding it to a float `|y| < 2²²` rounds `y` to the nearest
/// integer `n` (the spacing of floats there is 1) and leaves `n + 127`, the
/// biased exponent of 2ⁿ, in the low mantissa bits; see [`Lanes::pow2_of_shifted`].
pub const SHIFTER: f32 = 12_582_912.0 + 127.0;

impl Lanes for f32 {
    const N: usize = 1;
    type Bits = u32;
    #[inline(always)]
    fn splat(x: f32) -> Self {
        x
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        if cfg!(target_feature = "fma") {
            f32::mul_add(self, a, b)
        } else {
            self * a + b
        }
    }
    #[inline(always)]
    fn min(self, o: Self) -> Self {
        f32::min(self, o)
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        f32::max(self, o)
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        f32::sqrt(self)
    }
    #[inline(always)]
    fn max0(self) -> Self {
        if self > 0.0 || self.is_nan() {
            self
        } else {
            0.0
        }
    }
    #[inline(always)]
    fn abs(self) -> Self {
        f32::abs(self)
    }
    #[inline(always)]
    fn or_sign_of(self, s: Self) -> Self {
        f32::from_bits(self.to_bits() | (s.to_bits() & 0x8000_0000))
    }
    #[inline(always)]
    fn pow2_of_shifted(self) -> Self {
        f32::from_bits(self.to_bits() << 23)
    }
    #[inline(always)]
    fn clamp(self, lo: f32, hi: f32) -> Self {
        f32::clamp(self, lo, hi)
    }
    #[inline(always)]
    fn frexp_sqrt2(self) -> (Self, Self) {
        let t = (self.to_bits() as i32).wrapping_sub(BITS_SQRT_HALF);
        let m = f32::from_bits(((t & MANTISSA as i32) + BITS_SQRT_HALF) as u32);
        (m, (t >> 23) as f32)
    }
    #[inline(always)]
    fn from_low_bits(bits: u32, n: u32) -> Self {
        (bits & ((1 << n) - 1)) as f32
    }
    #[inline(always)]
    fn one_plus_mantissa(bits: u32, mask: u32, set: u32) -> Self {
        f32::from_bits((bits & mask & MANTISSA) | (set & MANTISSA) | ONE_BITS)
    }
    #[inline(always)]
    fn one_plus_top_bytes(a: u32, b: u32, c: u32) -> Self {
        f32::from_bits((a >> 24) | ((b >> 16) & 0xff00) | ((c >> 8) & 0x00ff_0000) | ONE_BITS)
    }
    #[inline(always)]
    fn flip_sign_by_bit(self, bits: u32, bit: u32) -> Self {
        f32::from_bits(self.to_bits() ^ ((bits << (31 - bit)) & 0x8000_0000))
    }
    #[inline(always)]
    fn select_by_bit(bits: u32, bit: u32, a: Self, b: Self) -> Self {
        if bits & (1 << bit) != 0 { a } else { b }
    }
    #[inline(always)]
    fn select_gt(self, o: Self, a: Self, b: Self) -> Self {
        if self > o { a } else { b }
    }
    #[inline(always)]
    fn unit_from_bits(bits: u32) -> Self {
        (bits >> 8) as f32 * TWO_POW_M24
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self {
        // SAFETY: the caller guarantees `p` is valid for one read.
        unsafe { p.read_unaligned() }
    }
    #[inline(always)]
    unsafe fn store(self, p: *mut f32) {
        // SAFETY: the caller guarantees `p` is valid for one write.
        unsafe { p.write_unaligned(self) }
    }
    #[inline(always)]
    fn reduce_add(self) -> f32 {
        self
    }
}

macro_rules! impl_lanes_wide {
    ($v:ty, $n:expr, $bits:ty, $ints:ty, $from_bits:expr $(, $sum4:item)?) => {
        impl Lanes for $v {
            const N: usize = $n;
            type Bits = $bits;
            #[inline(always)]
            fn splat(x: f32) -> Self {
                <$v>::splat(x)
            }
            #[inline(always)]
            fn mul_add(self, a: Self, b: Self) -> Self {
                <$v>::mul_add(self, a, b)
            }
            #[inline(always)]
            fn min(self, o: Self) -> Self {
                <$v>::fast_min(self, o)
            }
            #[inline(always)]
            fn max(self, o: Self) -> Self {
                <$v>::fast_max(self, o)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$v>::sqrt(self)
            }
            #[inline(always)]
            fn max0(self) -> Self {
                let zero = <$v>::splat(0.0);
                self.simd_gt(zero)
                    .select(self, self.is_nan().select(self, zero))
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$v>::abs(self)
            }
            #[inline(always)]
            fn or_sign_of(self, s: Self) -> Self {
                self | (s & <$v>::splat(-0.0))
            }
            #[inline(always)]
            fn pow2_of_shifted(self) -> Self {
                type U = <$v as Lanes>::Bits;
                let b: U = wide::bytemuck::cast(self);
                wide::bytemuck::cast(b << 23)
            }
            #[inline(always)]
            fn clamp(self, lo: f32, hi: f32) -> Self {
                // x86's MAXPS/MINPS return their second operand when either is
                // NaN, and NEON's FMAX/FMIN return NaN: with `self` second, a
                // NaN passes through both at no cost. Elsewhere it is restored.
                let c = <$v>::splat(hi).fast_min(<$v>::splat(lo).fast_max(self));
                if cfg!(any(
                    target_arch = "x86",
                    target_arch = "x86_64",
                    all(target_arch = "aarch64", target_feature = "neon")
                )) {
                    c
                } else {
                    self.is_nan().select(self, c)
                }
            }
            #[inline(always)]
            fn frexp_sqrt2(self) -> (Self, Self) {
                type I = $ints;
                let t: I = wide::bytemuck::cast::<$v, I>(self) - I::splat(BITS_SQRT_HALF);
                let m: $v =
                    wide::bytemuck::cast((t & I::splat(MANTISSA as i32)) + I::splat(BITS_SQRT_HALF));
                (m, t.unbounded_shr_scalar(23).round_float())
            }
            #[inline(always)]
            fn from_low_bits(bits: $bits, n: u32) -> Self {
                type I = $ints;
                let low = bits & <$bits>::splat((1 << n) - 1);
                wide::bytemuck::cast::<$bits, I>(low).round_float()
            }
            #[inline(always)]
            fn one_plus_mantissa(bits: $bits, mask: u32, set: u32) -> Self {
                let set = (set & MANTISSA) | ONE_BITS;
                let m = (bits & <$bits>::splat(mask & MANTISSA)) | <$bits>::splat(set);
                wide::bytemuck::cast::<$bits, $v>(m)
            }
            #[inline(always)]
            fn one_plus_top_bytes(a: $bits, b: $bits, c: $bits) -> Self {
                // `c`'s top bit lands on bit 23, the exponent's lowest, which the
                // exponent of 1 sets anyway.
                let v = a.unbounded_shr_scalar(24)
                    | (b.unbounded_shr_scalar(16) & <$bits>::splat(0xff00))
                    | (c.unbounded_shr_scalar(8) & <$bits>::splat(0x00ff_0000))
                    | <$bits>::splat(ONE_BITS);
                wide::bytemuck::cast::<$bits, $v>(v)
            }
            #[inline(always)]
            fn flip_sign_by_bit(self, bits: $bits, bit: u32) -> Self {
                let sign = bits.unbounded_shl_scalar(31 - bit) & <$bits>::splat(0x8000_0000);
                self ^ wide::bytemuck::cast::<$bits, $v>(sign)
            }
            #[inline(always)]
            fn select_by_bit(bits: $bits, bit: u32, a: Self, b: Self) -> Self {
                let set = (bits & <$bits>::splat(1 << bit)).simd_eq(<$bits>::splat(0));
                wide::bytemuck::cast::<$bits, $v>(set).select(b, a)
            }
            #[inline(always)]
            fn select_gt(self, o: Self, a: Self, b: Self) -> Self {
                self.simd_gt(o).select(a, b)
            }
            #[inline(always)]
            fn unit_from_bits(bits: $bits) -> Self {
                let f: fn($bits) -> Self = $from_bits;
                f(bits) * <$v>::splat(TWO_POW_M24)
            }
            #[inline(always)]
            unsafe fn load(p: *const f32) -> Self {
                // SAFETY: the caller guarantees `p` is valid for N reads; the
                // vector types are `repr(C)` arrays of N f32 (bytemuck::Pod).
                unsafe { (p as *const $v).read_unaligned() }
            }
            #[inline(always)]
            unsafe fn store(self, p: *mut f32) {
                // SAFETY: the caller guarantees `p` is valid for N writes.
                unsafe { (p as *mut $v).write_unaligned(self) }
            }
            #[inline(always)]
            fn reduce_add(self) -> f32 {
                <$v>::reduce_add(self)
            }
            $($sum4)*
        }
    };
}

impl_lanes_wide!(
    f32x16,
    16,
    u32x16,
    i32x16,
    |b| {
        // Values below 2²⁴ convert exactly through i32.
        f32x16::from_i32x16(wide::bytemuck::cast::<u32x16, i32x16>(
            b.unbounded_shr_scalar(8),
        ))
    },
    // Each vector's two halves added, then the four halves summed as `f32x8`
    // does (three horizontal adds with AVX), where four separate reductions
    // each fold their own vector down to one lane. With the four reductions,
    // the sums and stores of the dot-product tail took about 60% of its
    // samples at 1000 × 100 × 100 (`perf annotate`).
    #[inline(always)]
    fn sum4(v: [Self; 4]) -> [f32; 4] {
        let halves = v.map(|x| {
            let [lo, hi] = wide::bytemuck::cast::<f32x16, [f32x8; 2]>(x);
            lo + hi
        });
        <f32x8 as Lanes>::sum4(halves)
    }
);
impl_lanes_wide!(
    f32x8,
    8,
    wide::u32x8,
    wide::i32x8,
    |b| {
        f32x8::from_i32x8(wide::bytemuck::cast::<wide::u32x8, wide::i32x8>(
            b.unbounded_shr_scalar(8),
        ))
    },
    // Three horizontal adds and one add of halves, where four separate
    // reductions take six operations each.
    #[cfg(all(target_arch = "x86_64", target_feature = "avx"))]
    #[inline(always)]
    fn sum4(v: [Self; 4]) -> [f32; 4] {
        use core::arch::x86_64::{
            __m128, __m256, _mm_add_ps, _mm256_castps256_ps128, _mm256_extractf128_ps,
            _mm256_hadd_ps,
        };
        let [a, b, c, d] = v.map(wide::bytemuck::cast::<f32x8, __m256>);
        // [a01 a23 b01 b23 | a45 a67 b45 b67], then the same for c, d, then
        // [a0123 b0123 c0123 d0123 | a4567 b4567 c4567 d4567].
        // SAFETY: the build enables AVX (the `cfg` above), which these
        // register-only intrinsics need; they touch no memory.
        let s = unsafe {
            let h = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d));
            _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps::<1>(h))
        };
        wide::bytemuck::cast::<__m128, [f32; 4]>(s)
    }
);

/// Asks the cache for the line holding `p` (into L1). A hint only: it reads
/// nothing and never faults, so `p` may point anywhere, past the end of a
/// slice included.
#[inline(always)]
pub fn prefetch(p: *const f32) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 has no visible effect and never faults, whatever the address.
    unsafe {
        use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(p as *const i8)
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Writes `v` to `out`, with non-temporal (streaming) stores where the build
/// has AVX and `out` is 32-byte aligned, else with plain stores.
///
/// A plain store to a line that is not in cache first reads the line
/// (read-for-ownership), so a map over buffers larger than the last-level
/// cache moves three bytes for every two it needs. A streaming store writes
/// the line without reading it and without evicting cached data. Call
/// [`stream_fence`] after a run of them.
#[inline(always)]
pub fn store_streaming(v: f32x16, out: &mut [f32; 16]) {
    #[cfg(all(target_arch = "x86_64", target_feature = "avx"))]
    if out.as_ptr() as usize % 32 == 0 {
        use core::arch::x86_64::{_mm256_loadu_ps, _mm256_stream_ps};
        let a = v.as_array();
        let (src, dst) = (a.as_ptr(), out.as_mut_ptr());
        // SAFETY: AVX is enabled at compile time. `a` and `out` hold 16 floats
        // each, so both 8-float halves are in bounds, and `dst` is 32-byte
        // aligned (checked above), so `dst + 8` is too, as VMOVNTPS requires.
        unsafe {
            _mm256_stream_ps(dst, _mm256_loadu_ps(src));
            _mm256_stream_ps(dst.add(8), _mm256_loadu_ps(src.add(8)));
        }
        return;
    }
    out.copy_from_slice(v.as_array());
}

/// Orders all earlier streaming stores of this thread before its later
/// stores (SFENCE), so that whoever is handed the buffer next sees them.
#[inline]
pub fn stream_fence() {
    #[cfg(all(target_arch = "x86_64", target_feature = "avx"))]
    // SAFETY: SFENCE has no operands and is part of SSE, which AVX implies.
    unsafe {
        core::arch::x86_64::_mm_sfence()
    }
}

/// Lane-wise helpers for the statistics epilogue, which counts rather than computes.
#[inline(always)]
pub(crate) fn count_lt(x: f32x16, t: f32) -> u32 {
    x.simd_lt(f32x16::splat(t)).to_bitmask().count_ones()
}
#[inline(always)]
pub(crate) fn count_gt(x: f32x16, t: f32) -> u32 {
    x.simd_gt(f32x16::splat(t)).to_bitmask().count_ones()
}
#[inline(always)]
pub(crate) fn count_eq(x: f32x16, t: f32) -> u32 {
    x.simd_eq(f32x16::splat(t)).to_bitmask().count_ones()
}

/// The instruction set this build compiled `wide` for, and what the CPU offers.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Isa {
    /// The widest vector path compiled in: `avx512`, `avx2`, `sse4.1`, `sse2`, `neon` or `scalar`.
    pub compiled: String,
    /// Target features compiled in (a fixed list of the ones that matter here).
    pub compiled_features: Vec<String>,
    /// The same features as detected on the running CPU.
    pub detected_features: Vec<String>,
}

impl Isa {
    /// Describes this build and this CPU.
    pub fn current() -> Isa {
        let mut compiled_features = Vec::new();
        macro_rules! compiled {
            ($($f:tt),*) => {$(
                if cfg!(target_feature = $f) { compiled_features.push($f.to_string()); }
            )*};
        }
        compiled!("sse2", "sse4.1", "avx", "avx2", "fma", "avx512f", "neon");
        Isa {
            compiled: compiled_path().to_string(),
            compiled_features,
            detected_features: detected_features(),
        }
    }

    /// The widest path the running CPU could run: what a native build
    /// (`-C target-cpu=native`) of this crate compiles in.
    pub fn best_detected(&self) -> &'static str {
        let has = |f: &str| self.detected_features.iter().any(|d| d == f);
        if has("avx512f") {
            "avx512"
        } else if has("avx2") && has("fma") {
            "avx2"
        } else {
            "sse2"
        }
    }

    /// Whether the build covers the ISA named by `WEIGHTINIT_REQUIRE_ISA`
    /// (`avx2` or `avx512`); `Err` names what is missing.
    pub fn check_required(required: &str) -> Result<(), String> {
        let have = compiled_path();
        let ok = match required {
            "avx512" => have == "avx512",
            "avx2" => have == "avx512" || have == "avx2",
            "sse2" | "scalar" => true,
            "neon" => have == "neon",
            other => return Err(format!("unknown ISA `{other}` (expected avx2 or avx512)")),
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "WEIGHTINIT_REQUIRE_ISA={required}, but this build runs the `{have}` path \
                 (build with RUSTFLAGS=\"-C target-cpu=native\" on a CPU that has it)"
            ))
        }
    }
}

/// The widest path `wide` was compiled for.
pub fn compiled_path() -> &'static str {
    if cfg!(target_feature = "avx512f") {
        "avx512"
    } else if cfg!(all(target_feature = "avx2", target_feature = "fma")) {
        "avx2"
    } else if cfg!(target_feature = "sse4.1") {
        "sse4.1"
    } else if cfg!(target_feature = "sse2") {
        "sse2"
    } else if cfg!(target_feature = "neon") {
        "neon"
    } else {
        "scalar"
    }
}

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
fn detected_features() -> Vec<String> {
    let mut v = Vec::new();
    macro_rules! detect {
        ($($f:tt),*) => {$(
            if std::arch::is_x86_feature_detected!($f) { v.push($f.to_string()); }
        )*};
    }
    detect!("sse2", "sse4.1", "avx", "avx2", "fma", "avx512f");
    v
}

#[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
fn detected_features() -> Vec<String> {
    Vec::new()
}

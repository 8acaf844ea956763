//! Sigmoid, tanh and ReLU with their derivatives: scalar references and SIMD.
//!
//! ```text
//! σ(x)    = 1 / (1 + e^(−x))          σ′(x)    = σ(x)·(1 − σ(x))
//! tanh(x) = 1 − 2 / (e^(2x) + 1)      tanh′(x) = 1 − tanh²(x)
//! relu(x) = max(x, 0)                 relu′(x) = 1 if x > 0 else 0   (relu′(0) = 0)
//! ```
//!
//! Each function is written once over `Lanes`: `Activation::apply_simd`
//! runs it on `f32x16`, and the scalar twin `Activation::apply_scalar` on
//! `f32`, with the same `exp` polynomial. `Activation::apply_naive` is the
//! textbook formula with `f32::exp` / `f32::tanh`, the benchmark baseline.
//!
//! `exp` reduces the argument the classic way (Cody & Waite 1980; Cephes'
//! `expf`): `n = round(x·log₂e)`, `r = x − n·ln 2` with ln 2 split in two so
//! that `r` is exact, |r| ≤ ½ ln 2, and `eˣ = 2ⁿ·eʳ` (sigmoid and tanh, whose
//! error shrinks with eˣ, take one FMA with ln 2 rounded instead). Then
//! `eʳ ≈ 1 + r + r²·Q(r)` with a cubic `Q` fitted for the least maximum
//! relative error of eʳ on that interval (1.05·10⁻⁷, under one f32 ulp; Cephes'
//! quintic `Q` reaches 10⁻¹⁰, far below what f32 can hold, at two more FMAs).
//! `n` comes from adding a shifter constant, which also leaves the exponent
//! bits of `2ⁿ` ready to shift into place (see `SHIFTER`). The input is
//! clamped to [−88, 89] first, so that `2ⁿ` is +0 below and +∞ above and
//! σ(±∞), tanh(±∞) come out exact without special cases; the clamp lets NaN
//! through (`Lanes::clamp`), and NaN propagates to the output.
//!
//! Derivatives are taken from the output `y = f(x)` (and from `x` for ReLU), so
//! a layer can keep f′(a) without a second pass.
//!
//! Special values: σ(−∞) = 0, σ(+∞) = 1, tanh(±∞) = ±1, ±0 map to σ = ½ and
//! tanh(±0) = ±0, NaN passes through. Outputs stay inside [0, 1] and [−1, 1].
#![forbid(unsafe_code)]

use crate::simd::{Lanes, SHIFTER, prefetch, store_streaming, stream_fence};
use rayon::prelude::*;
use wide::f32x16;

/// An activation function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// The logistic sigmoid.
    Sigmoid,
    /// The hyperbolic tangent.
    Tanh,
    /// The rectified linear unit.
    Relu,
}

/// Unknown activation name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownActivation(pub String);

impl core::fmt::Display for UnknownActivation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "unknown activation `{}` (expected sigmoid, tanh or relu)",
            self.0
        )
    }
}
impl std::error::Error for UnknownActivation {}

/// eˣ (see the module doc): relative error within 2.5·10⁻⁷ (about two
/// ulp) on [−87, 88]; +0 below about −87.7 (where 2ⁿ would be subnormal) and
/// +∞ from 127.5·ln 2 ≈ 88.38 (where 2ⁿ overflows); NaN passes through.
#[inline(always)]
pub(crate) fn exp<V: Lanes>(x: V) -> V {
    let (em1, scale) = expm1_parts::<V, true>(x, 89.0);
    // (eʳ − 1 + 1)·2ⁿ, not 2ⁿ + 2ⁿ·(eʳ − 1): at 2ⁿ = +∞ the latter is ∞ − ∞.
    (em1 + V::splat(1.0)) * scale
}

/// e^min(x, hi) as `(eʳ − 1, 2ⁿ)` (for `hi ≤ 89`), so that `eˣ = 2ⁿ + 2ⁿ·(eʳ − 1)` and
/// `eˣ − 1 = (2ⁿ − 1) + 2ⁿ·(eʳ − 1)`, each one FMA, with no cancellation
/// near x = 0 (where n = 0 and eʳ − 1 is the polynomial itself).
#[inline(always)]
fn expm1_parts<V: Lanes, const CODY_WAITE: bool>(x: V, hi: f32) -> (V, V) {
    let c = |v: f32| V::splat(v);
    let z = x.clamp(-88.0, hi);
    // n = round(z·log₂e) by the shifter: j holds n + 127 in its low bits.
    let j = z.mul_add(c(core::f32::consts::LOG2_E), c(SHIFTER));
    let n = j - c(SHIFTER);
    // With CODY_WAITE, ln 2 = 0.693359375 − 2.12194440e-4: the first part has
    // 12 significant bits, so n·0.693359375 is exact for |n| ≤ 2¹², and so is
    // r's first step. Without, one FMA with ln 2 rounded to f32 (off by
    // 1.9e-9): r is off by at most |n|·1.9e-9, and eʳ by that much relatively,
    // 2.4e-7 at |n| = 128, too much for `exp`. Sigmoid and tanh take it: their
    // error is σ(1 − σ) or 2e^(−2|x|) times it, below 1e-8 everywhere, and the
    // FMA saved is one of nine on the FMA pipes (sigmoid_simd/1048576: 0.75×).
    let r = if CODY_WAITE {
        n.mul_add(c(2.121_944_4e-4), n.mul_add(c(-0.693_359_4), z))
    } else {
        n.mul_add(c(-core::f32::consts::LN_2), z)
    };
    // Q(r) = q₀ + q₁r + q₂r² + q₃r³ by Estrin's scheme (Knuth, TAOCP vol. 2,
    // §4.6.4): two dependent steps instead of Horner's three.
    let r2 = r * r;
    let q01 = c(1.666_711_4e-1).mul_add(r, c(4.999_923e-1));
    let q23 = c(8.312_545e-3).mul_add(r, c(4.189_015e-2));
    let q = q23.mul_add(r2, q01);
    (r2.mul_add(q, r), j.pow2_of_shifted())
}

/// Outputs from which [`Activation::apply_simd`] writes with streaming stores:
/// 2²² floats, 16 MiB, half the L3 of the reference machine. Below, the output
/// likely stays in cache for whoever reads it next, and plain stores keep it
/// there; above, it cannot, and streaming stores save the read of each line.
pub(crate) const STREAM_MIN: usize = 1 << 22;

/// How far ahead of the loop [`Activation::apply_simd`] asks for its input:
/// 512 floats, 2 KiB, 32 cache lines. The hardware prefetcher alone left the
/// loop waiting on memory: `sigmoid_simd/16777216` went from 10.69 to 9.12 ms
/// with it; 128 and 256 floats ahead did about as well, 2048 worse.
pub(crate) const PREFETCH_AHEAD: usize = 512;

/// Elements per rayon task in the parallel paths.
pub(crate) const PAR_CHUNK: usize = 1 << 15;

impl Activation {
    /// All activations, in the experiment's order.
    pub const ALL: [Activation; 3] = [Activation::Sigmoid, Activation::Tanh, Activation::Relu];

    /// The stable name.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
        }
    }

    /// Parses a stable name.
    pub fn parse(s: &str) -> Result<Activation, UnknownActivation> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sigmoid" | "logistic" => Ok(Activation::Sigmoid),
            "tanh" => Ok(Activation::Tanh),
            "relu" => Ok(Activation::Relu),
            _ => Err(UnknownActivation(s.to_string())),
        }
    }

    /// f(x) for any lane width: the one body behind the SIMD path and its scalar twin.
    #[inline(always)]
    pub(crate) fn eval<V: Lanes>(self, x: V) -> V {
        let one = V::splat(1.0);
        match self {
            Activation::Sigmoid => {
                // 1 + e^(−x) = 1 + 2ⁿ·eʳ (eʳ > 0, so 2ⁿ = +∞ gives +∞ and σ = 0)
                let (em1, scale) = expm1_parts::<V, false>(-x, 89.0);
                one / (em1 + one).mul_add(scale, one)
            }
            Activation::Tanh => {
                // On a = |x|: tanh a = −m/(m + 2) with m = e^(−2a) − 1 ∈ (−1, 0].
                // m keeps full relative accuracy near 0 (tanh a ≈ a), and m + 2 ∈ (1, 2]
                // cancels nothing; both move monotonically with a, so tanh does.
                // The quotient is ≤ 0 (or +0): its magnitude gets the sign of x,
                // which also maps ±0 to ±0. NaN passes the clamp and propagates.
                let (em1, scale) = expm1_parts::<V, false>(x.abs() * V::splat(-2.0), 89.0);
                let m = em1.mul_add(scale, scale - one);
                (m / (m + V::splat(2.0))).abs().or_sign_of(x)
            }
            Activation::Relu => x.max0(),
        }
    }

    /// f′ from the input `x` and the output `y = f(x)`.
    #[inline(always)]
    pub(crate) fn derivative_from<V: Lanes>(self, x: V, y: V) -> V {
        let one = V::splat(1.0);
        match self {
            Activation::Sigmoid => y * (one - y),
            Activation::Tanh => one - y * y,
            Activation::Relu => x.select_gt(V::splat(0.0), one, V::splat(0.0)),
        }
    }

    /// Textbook scalar f(x) with `f32::exp` / `f32::tanh`: the naive baseline.
    #[inline]
    pub(crate) fn naive(self, x: f32) -> f32 {
        match self {
            Activation::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Activation::Tanh => x.tanh(),
            Activation::Relu => {
                if x > 0.0 {
                    x
                } else {
                    0.0
                }
            }
        }
    }

    /// Textbook scalar f′(x).
    #[inline]
    pub(crate) fn naive_derivative(self, x: f32) -> f32 {
        match self {
            Activation::Sigmoid => {
                let s = self.naive(x);
                s * (1.0 - s)
            }
            Activation::Tanh => {
                let t = x.tanh();
                1.0 - t * t
            }
            Activation::Relu => {
                if x > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }

    /// `out[i] = f(x[i])` with the naive scalar formula.
    #[doc(hidden)] // the benchmarks' baseline
    pub fn apply_naive(self, x: &[f32], out: &mut [f32]) {
        assert_eq!(x.len(), out.len(), "input and output lengths differ");
        for (o, &v) in out.iter_mut().zip(x) {
            *o = self.naive(v);
        }
    }

    /// `out[i] = f(x[i])` with the scalar twin of the SIMD body (for the tests).
    #[cfg(test)]
    pub(crate) fn apply_scalar(self, x: &[f32], out: &mut [f32]) {
        assert_eq!(x.len(), out.len(), "input and output lengths differ");
        for (o, &v) in out.iter_mut().zip(x) {
            *o = self.eval::<f32>(v);
        }
    }

    /// `out[i] = f(x[i])` with `f32x16`; the tail goes through one zero-padded
    /// vector, so every element gets the same arithmetic. From [`STREAM_MIN`]
    /// elements on, the output is written with streaming stores.
    #[doc(hidden)] // the benchmarks' fast path
    pub fn apply_simd(self, x: &[f32], out: &mut [f32]) {
        assert_eq!(x.len(), out.len(), "input and output lengths differ");
        self.apply_simd_to(x, out, x.len() >= STREAM_MIN);
    }

    /// [`apply_simd`](Self::apply_simd) over the rayon pool, in chunks of [`PAR_CHUNK`].
    #[doc(hidden)] // the benchmarks' fast path
    pub fn apply_simd_par(self, x: &[f32], out: &mut [f32]) {
        assert_eq!(x.len(), out.len(), "input and output lengths differ");
        par_chunks(x, out, |i, o, stream| self.apply_simd_to(i, o, stream));
    }

    fn apply_simd_to(self, x: &[f32], out: &mut [f32], stream: bool) {
        // One match outside the loop, so each loop is compiled for one function.
        match self {
            Activation::Sigmoid => map(x, out, stream, |v| Activation::Sigmoid.eval(v)),
            Activation::Tanh => map(x, out, stream, |v| Activation::Tanh.eval(v)),
            Activation::Relu if !stream => relu_loop(x, out),
            Activation::Relu => map(x, out, stream, |v| Activation::Relu.eval(v)),
        }
    }

    /// In place: `x[i] = f(x[i])`, as [`apply_simd`](Self::apply_simd).
    // Never inlined: inlined into the layer epilogue (once its module was
    // private), it made `layer/fused` 1.2-1.75x slower on a Zen 3.
    #[inline(never)]
    pub(crate) fn apply_simd_in_place(self, x: &mut [f32]) {
        map_in_place(x, |v| self.eval(v))
    }

    /// `h[i] = f(z[i])` and, in place, `z[i] = f′(z[i])`, 16 at a time (the
    /// tail through one zero-padded vector); ReLU by the compiler's loop.
    pub(crate) fn apply_with_derivative(self, z: &mut [f32], h: &mut [f32]) {
        assert_eq!(z.len(), h.len(), "input and output lengths differ");
        match self {
            Activation::Sigmoid => map_with_derivative(Activation::Sigmoid, z, h),
            Activation::Tanh => map_with_derivative(Activation::Tanh, z, h),
            Activation::Relu => {
                for (zi, hi) in z.iter_mut().zip(h.iter_mut()) {
                    *hi = relu(*zi);
                    *zi = self.derivative_from::<f32>(*zi, *hi);
                }
            }
        }
    }
}

/// [`Activation::apply_with_derivative`]'s SIMD loop for one function.
#[inline(always)]
fn map_with_derivative(act: Activation, z: &mut [f32], h: &mut [f32]) {
    let f = |zv: f32x16| {
        let y = act.eval(zv);
        (y, act.derivative_from(zv, y))
    };
    let mut zc = z.chunks_exact_mut(16);
    let mut hc = h.chunks_exact_mut(16);
    for (zs, hs) in (&mut zc).zip(&mut hc) {
        let (y, d) = f(f32x16::from(&*zs));
        hs.copy_from_slice(y.as_array());
        zs.copy_from_slice(d.as_array());
    }
    let (zr, hr) = (zc.into_remainder(), hc.into_remainder());
    if !zr.is_empty() {
        let (y, d) = f(padded(zr));
        let n = zr.len();
        hr.copy_from_slice(&y.as_array()[..n]);
        zr.copy_from_slice(&d.as_array()[..n]);
    }
}

/// ReLU by the compiler's own loop (one compare and a mask per vector) below
/// [`STREAM_MIN`], where the hand-written map (prefetch, padded tail) lost
/// to the naive loop (0.75× at 4096 on a Zen 4). With it `relu_simd/4096`
/// runs at the naive loop's speed (224 against 212 ns, within noise, `cargo
/// bench --bench activations` on a Zen 3). From there on the map's streaming
/// stores win (`relu_simd/16777216` 4.35 against 7.29 ms naive), and are kept.
fn relu_loop(x: &[f32], out: &mut [f32]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = relu(v);
    }
}

/// `max(x, 0)` as [`Lanes::max0`] defines it (NaN passes through), written
/// as one compare so that the compiler vectorizes it.
#[inline(always)]
fn relu(x: f32) -> f32 {
    if x <= 0.0 { 0.0 } else { x }
}

/// In place: `x[i] = eˣ⁽ⁱ⁾` by [`exp`] on `f32x16` (the softmax of the training network).
pub(crate) fn exp_simd_in_place(x: &mut [f32]) {
    map_in_place(x, exp)
}

/// `x[i] = f(x[i])`, 16 at a time; the tail through one zero-padded vector.
fn map_in_place(x: &mut [f32], f: impl Fn(f32x16) -> f32x16) {
    let mut chunks = x.chunks_exact_mut(16);
    for c in &mut chunks {
        let y = f(f32x16::from(&*c));
        c.copy_from_slice(y.as_array());
    }
    let tail = chunks.into_remainder();
    if !tail.is_empty() {
        let y = f(padded(tail));
        tail.copy_from_slice(&y.as_array()[..tail.len()]);
    }
}

/// `out = x` through the loop of [`Activation::apply_simd`] (prefetch, and
/// streaming stores from [`STREAM_MIN`] on) with the identity for `f`: the
/// memory-bound ceiling of an activation, benchmarked as `activation_f32/copy`.
#[doc(hidden)] // the benchmarks' ceiling
pub fn copy_simd(x: &[f32], out: &mut [f32]) {
    assert_eq!(x.len(), out.len(), "input and output lengths differ");
    copy_to(x, out, x.len() >= STREAM_MIN);
}

/// [`copy_simd`] over the rayon pool, as [`Activation::apply_simd_par`].
#[doc(hidden)] // the benchmarks' ceiling
pub fn copy_simd_par(x: &[f32], out: &mut [f32]) {
    assert_eq!(x.len(), out.len(), "input and output lengths differ");
    par_chunks(x, out, copy_to);
}

fn copy_to(x: &[f32], out: &mut [f32], stream: bool) {
    map(x, out, stream, |v| v)
}

/// [`map_simd`] with the store kind chosen at run time.
#[inline(always)]
fn map(x: &[f32], out: &mut [f32], stream: bool, f: impl Fn(f32x16) -> f32x16) {
    if stream {
        map_simd::<true>(x, out, f)
    } else {
        map_simd::<false>(x, out, f)
    }
}

/// `f(x chunk, out chunk, stream)` over the rayon pool in chunks of
/// [`PAR_CHUNK`], streaming when the whole output reaches [`STREAM_MIN`].
fn par_chunks(x: &[f32], out: &mut [f32], f: impl Fn(&[f32], &mut [f32], bool) + Sync) {
    let stream = x.len() >= STREAM_MIN;
    out.par_chunks_mut(PAR_CHUNK)
        .zip(x.par_chunks(PAR_CHUNK))
        .for_each(|(o, i)| f(i, o, stream));
}

/// The up to 15 floats of a tail, zero-padded to one vector.
#[inline(always)]
pub(crate) fn padded(tail: &[f32]) -> f32x16 {
    let mut v = [0f32; 16];
    v[..tail.len()].copy_from_slice(tail);
    f32x16::from(v)
}

/// `out[i] = f(x[i])`, 16 at a time, the input prefetched [`PREFETCH_AHEAD`]
/// floats ahead; with `STREAM`, the first up to 7 outputs
/// go through the padded path so that the rest are 32-byte aligned for
/// [`store_streaming`].
#[inline(always)]
fn map_simd<const STREAM: bool>(x: &[f32], out: &mut [f32], f: impl Fn(f32x16) -> f32x16) {
    let head = match out.as_ptr().align_offset(32) {
        h if STREAM && h < 8 => h.min(out.len()),
        _ => 0,
    };
    let (xh, x) = x.split_at(head);
    let (oh, out) = out.split_at_mut(head);
    if head > 0 {
        oh.copy_from_slice(&f(padded(xh)).as_array()[..head]);
    }
    let mut oc = out.chunks_exact_mut(16);
    let mut ic = x.chunks_exact(16);
    for (o, i) in (&mut oc).zip(&mut ic) {
        prefetch(i.as_ptr().wrapping_add(PREFETCH_AHEAD));
        let y = f(f32x16::from(i));
        if STREAM {
            store_streaming(y, o.try_into().expect("chunks_exact gives 16 floats"));
        } else {
            o.copy_from_slice(y.as_array());
        }
    }
    if STREAM {
        stream_fence();
    }
    let (ot, it) = (oc.into_remainder(), ic.remainder());
    if !it.is_empty() {
        ot.copy_from_slice(&f(padded(it)).as_array()[..it.len()]);
    }
}

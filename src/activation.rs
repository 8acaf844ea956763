//! Sigmoid, tanh and ReLU with their derivatives: scalar references and SIMD.
//!
//! ```text
//! σ(x)    = 1 / (1 + e^(−x))          σ′(x)    = σ(x)·(1 − σ(x))
//! tanh(x) = 1 − 2 / (e^(2x) + 1)      tanh′(x) = 1 − tanh²(x)
//! relu(x) = max(x, 0)                 relu′(x) = 1 if x > 0 else 0   (relu′(0) = 0)
//! ```
//!
//! Each function is written once over [`Lanes`]: [`Activation::apply_simd`]
//! runs it on `f32x16`, and the scalar twin [`Activation::apply_scalar`] on
//! `f32`, with the same [`exp`] polynomial. [`Activation::apply_naive`] is the
//! textbook formula with `f32::exp` / `f32::tanh`, the benchmark baseline.
//!
//! [`exp`] is Cephes' `expf`: `n = round(x·log₂e)`, `r = x − n·ln 2` (Cody–Waite,
//! |r| ≤ ½ ln 2), `eʳ ≈ 1 + r + r²·P(r)` with a degree-5 `P`, scaled by `2ⁿ`
//! from the exponent bits. Two changes to the textbook form cut the work per
//! vector: `n` comes from adding a shifter constant (which also leaves the
//! exponent bits of `2ⁿ` ready to shift into place, see [`SHIFTER`]), and `P`
//! is evaluated by Estrin's scheme (Knuth, TAOCP vol. 2, §4.6.4), three
//! dependent steps instead of five. `activation_f32/sigmoid_simd` measures it. The input is clamped to [−88, 89] first: below,
//! `2ⁿ` is +0; above, +∞; so σ(±∞) and tanh(±∞) come out exact without
//! special cases, and NaN is restored at the end.
//! Derivatives are taken from the output `y = f(x)` (and from `x` for ReLU), so
//! a layer can keep f′(a) without a second pass.
//!
//! Special values: σ(−∞) = 0, σ(+∞) = 1, tanh(±∞) = ±1, ±0 map to σ = ½ and
//! tanh(±0) = ±0, NaN passes through. Outputs stay inside [0, 1] and [−1, 1].
#![deny(clippy::undocumented_unsafe_blocks)]

use crate::simd::{Lanes, SHIFTER};
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

/// eˣ (Cephes `expf`, see the module doc): relative error about 1 ulp on
/// [−87, 88], +0 below about −87.7 (where eˣ < 2⁻¹²⁶) and +∞ above 88.8; NaN passes through.
#[inline(always)]
pub fn exp<V: Lanes>(x: V) -> V {
    exp_or_clamped(x).keep_nan(x)
}

/// [`exp`] without restoring NaN (a NaN input gives some finite value): for
/// callers that restore or select NaN themselves, at two instructions less.
#[inline(always)]
fn exp_or_clamped<V: Lanes>(x: V) -> V {
    let z = x.max(V::splat(-88.0)).min(V::splat(89.0));
    // n = round(z·log₂e) by the shifter: j holds n + 127 in its low bits.
    let j = z.mul_add(V::splat(core::f32::consts::LOG2_E), V::splat(SHIFTER));
    let n = j - V::splat(SHIFTER);
    let r = n.mul_add(V::splat(-0.693_359_4), z);
    let r = n.mul_add(V::splat(2.121_944_4e-4), r);
    // P(r) = c₀ + c₁r + … + c₅r⁵ by Estrin's scheme: three dependent steps
    // instead of Horner's five, so more vectors are in flight at once.
    let c = |v: f32| V::splat(v);
    let r2 = r * r;
    let p01 = c(1.666_666_5e-1).mul_add(r, c(0.5));
    let p23 = c(8.333_452e-3).mul_add(r, c(4.166_579_6e-2));
    let p45 = c(1.987_569_1e-4).mul_add(r, c(1.398_2e-3));
    let p = p45.mul_add(r2, p23).mul_add(r2, p01);
    let e = r2.mul_add(p, r) + V::splat(1.0);
    e * j.pow2_of_shifted()
}

/// Elements per rayon task in the parallel paths.
pub const PAR_CHUNK: usize = 1 << 15;

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
    pub fn eval<V: Lanes>(self, x: V) -> V {
        let one = V::splat(1.0);
        match self {
            Activation::Sigmoid => (one / (one + exp_or_clamped(-x))).keep_nan(x),
            Activation::Tanh => {
                // 1 − 2/(e^{2x}+1) loses relative accuracy near 0, so small |x| use x·(odd poly);
                // selection keeps NaN (NaN > t is false → poly branch, which propagates NaN).
                let e = exp_or_clamped(x + x);
                let big = one - V::splat(2.0) / (e + one);
                let x2 = x * x;
                // tanh x = x(1 − x²/3 + 2x⁴/15 − 17x⁶/315 + 62x⁸/2835), |x| ≤ 0.0625: error < 1e-12
                let poly = x * V::splat(62.0 / 2835.0)
                    .mul_add(x2, V::splat(-17.0 / 315.0))
                    .mul_add(x2, V::splat(2.0 / 15.0))
                    .mul_add(x2, V::splat(-1.0 / 3.0))
                    .mul_add(x2, one);
                x2.select_gt(V::splat(0.0625 * 0.0625), big, poly)
            }
            Activation::Relu => x.max0(),
        }
    }

    /// f′ from the input `x` and the output `y = f(x)`.
    #[inline(always)]
    pub fn derivative_from<V: Lanes>(self, x: V, y: V) -> V {
        let one = V::splat(1.0);
        match self {
            Activation::Sigmoid => y * (one - y),
            Activation::Tanh => one - y * y,
            Activation::Relu => x.select_gt(V::splat(0.0), one, V::splat(0.0)),
        }
    }

    /// Textbook scalar f(x) with `f32::exp` / `f32::tanh`: the naive baseline.
    #[inline]
    pub fn naive(self, x: f32) -> f32 {
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
    pub fn naive_derivative(self, x: f32) -> f32 {
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
    pub fn apply_naive(self, x: &[f32], out: &mut [f32]) {
        assert_eq!(x.len(), out.len(), "input and output lengths differ");
        for (o, &v) in out.iter_mut().zip(x) {
            *o = self.naive(v);
        }
    }

    /// `out[i] = f(x[i])` with the scalar twin of the SIMD body.
    pub fn apply_scalar(self, x: &[f32], out: &mut [f32]) {
        assert_eq!(x.len(), out.len(), "input and output lengths differ");
        for (o, &v) in out.iter_mut().zip(x) {
            *o = self.eval::<f32>(v);
        }
    }

    /// `out[i] = f(x[i])` with `f32x16`; the tail runs the scalar twin.
    pub fn apply_simd(self, x: &[f32], out: &mut [f32]) {
        assert_eq!(x.len(), out.len(), "input and output lengths differ");
        match self {
            Activation::Sigmoid => map_simd(x, out, |v| Activation::Sigmoid.eval(v)),
            Activation::Tanh => map_simd(x, out, |v| Activation::Tanh.eval(v)),
            Activation::Relu => map_simd(x, out, |v| Activation::Relu.eval(v)),
        }
    }

    /// [`apply_simd`](Self::apply_simd) over the rayon pool, in chunks of [`PAR_CHUNK`].
    pub fn apply_simd_par(self, x: &[f32], out: &mut [f32]) {
        assert_eq!(x.len(), out.len(), "input and output lengths differ");
        out.par_chunks_mut(PAR_CHUNK)
            .zip(x.par_chunks(PAR_CHUNK))
            .for_each(|(o, i)| self.apply_simd(i, o));
    }

    /// In place: `x[i] = f(x[i])` with `f32x16`.
    pub fn apply_simd_in_place(self, x: &mut [f32]) {
        let mut chunks = x.chunks_exact_mut(16);
        for c in &mut chunks {
            let v = f32x16::from(&*c);
            c.copy_from_slice(self.eval(v).as_array());
        }
        for v in chunks.into_remainder() {
            *v = self.eval::<f32>(*v);
        }
    }
}

#[inline(always)]
fn map_simd(x: &[f32], out: &mut [f32], f: impl Fn(f32x16) -> f32x16) {
    let mut oc = out.chunks_exact_mut(16);
    let mut ic = x.chunks_exact(16);
    for (o, i) in (&mut oc).zip(&mut ic) {
        o.copy_from_slice(f(f32x16::from(i)).as_array());
    }
    for (o, &i) in oc.into_remainder().iter_mut().zip(ic.remainder()) {
        let v = f(f32x16::splat(i));
        *o = v.as_array()[0];
    }
}

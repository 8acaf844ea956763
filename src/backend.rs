//! The implementation of a run, chosen once: the plain scalar reference or the fast path.
//!
//! Every layer above the kernels (the experiment's network and LSUV, the
//! training network, orthogonal weights) takes a [`Backend`] value and is
//! written once; the choice never travels as a flag.
//!
//! | operation | [`Backend::Naive`] | [`Backend::Fast`] |
//! |---|---|---|
//! | fill from a sampler | its scalar twin, one lane at a time | SIMD, chunks over rayon |
//! | `C ← αAB + βC` | triple loop | blocked, packed GEMM over rayon |
//! | the same with B readied for many products | triple loop | B packed once, then the GEMM on this thread |
//! | a layer `h = f(xW)`, `f′`, statistics | triple loop, textbook `f`, `f′`, scalar statistics | B packed once, row blocks over rayon, SIMD epilogue |
//! | `h = f(z)`, `z ← f′(z)` | textbook `f`, `f′` | SIMD (ReLU: the compiler's loop) |
//! | `eˣ` in place | `f32::exp` | SIMD polynomial |
//! | the QR of orthogonal weights | unblocked Householder, `f64` | compact WY on the GEMM |
//!
//! Both backends draw the same weights (the scalar twin gives the SIMD
//! sampler's values), so a naive run differs from a fast one by rounding
//! alone, and the tests compare the two everywhere. The sampler benchmarks'
//! rand_distr reference is [`crate::sample::Method::RandDistr`], not a backend.
#![forbid(unsafe_code)]

use crate::activation::{self, Activation};
use crate::gemm::{self, MatMut, MatRef};
use crate::rng::StreamKey;
use crate::sample::{Dist, Method};
use serde::{Deserialize, Serialize};

/// The implementation of a run (see the module doc).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// The plain scalar reference.
    Naive,
    /// SIMD, blocked and parallel.
    #[default]
    Fast,
}

const SHAPES_OK: &str = "shapes are set by the caller's network";

/// A right-hand GEMM operand readied once for many products
/// ([`Backend::prepare`]): packed on the fast backend, empty on the naive one.
#[derive(Debug, Default)]
pub(crate) struct PreparedB {
    packed: gemm::PackedB,
}

impl Backend {
    /// `naive` or `fast`: the name in JSON, benchmark IDs and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Naive => "naive",
            Backend::Fast => "fast",
        }
    }

    /// Parses [`Backend::name`].
    pub fn parse(s: &str) -> Option<Backend> {
        [Backend::Naive, Backend::Fast]
            .into_iter()
            .find(|b| b.name() == s)
    }

    /// The sampler method of this backend.
    pub(crate) fn sampler(self) -> Method {
        match self {
            Backend::Naive => Method::Scalar,
            Backend::Fast => Method::SimdPar,
        }
    }

    /// Fills `out` from `dist`, stream `key`.
    pub(crate) fn fill(self, dist: &Dist, key: StreamKey, out: &mut [f32]) {
        dist.fill(key, out, self.sampler());
    }

    /// `C ← α·A·B + β·C`. The fast product gives the same bytes on any
    /// number of threads (the GEMM never splits K).
    pub(crate) fn matmul(self, alpha: f32, a: MatRef, b: MatRef, beta: f32, c: &mut MatMut) {
        match self {
            Backend::Naive => gemm::naive::sgemm(alpha, a, b, beta, c),
            Backend::Fast => gemm::sgemm_par(alpha, a, b, beta, c),
        }
        .expect(SHAPES_OK);
    }

    /// Readies `b` as the right-hand operand of many products of
    /// [`Backend::matmul_prepared`]: packed for the fast GEMM (reusing
    /// `into`'s buffer), nothing for the naive one.
    pub(crate) fn prepare(self, b: MatRef, into: &mut PreparedB) {
        if self == Backend::Fast {
            into.packed.repack(b);
        }
    }

    /// [`Backend::matmul`] on the calling thread alone, for work already
    /// spread over the pool, with `b` readied by [`Backend::prepare`]. The
    /// same bytes: the GEMM's thread count never changes a value, packing is
    /// what the fast GEMM does to `b` anyway, and `a`'s rows must be
    /// contiguous, as the packing laid `b` out for them.
    pub(crate) fn matmul_prepared(
        self,
        alpha: f32,
        a: MatRef,
        b: MatRef,
        prepared: &PreparedB,
        beta: f32,
        c: &mut MatMut,
    ) {
        match self {
            Backend::Naive => gemm::naive::sgemm(alpha, a, b, beta, c),
            Backend::Fast => {
                debug_assert_eq!(a.cs, 1, "packed for an A with contiguous rows");
                debug_assert_eq!(
                    prepared.packed.shape(),
                    (b.rows, b.cols),
                    "prepared from another B"
                );
                gemm::sgemm_packed(alpha, a, &prepared.packed, beta, c)
            }
        }
        .expect(SHAPES_OK);
    }

    /// `h ← f(z)` and, in place, `z ← f′(z)`.
    pub(crate) fn activate(self, act: Activation, z: &mut [f32], h: &mut [f32]) {
        match self {
            Backend::Naive => {
                for (zi, hi) in z.iter_mut().zip(h.iter_mut()) {
                    *hi = act.naive(*zi);
                    *zi = act.naive_derivative(*zi);
                }
            }
            Backend::Fast => act.apply_with_derivative(z, h),
        }
    }

    /// `e[i] ← exp(e[i])`.
    pub(crate) fn exp_in_place(self, e: &mut [f32]) {
        match self {
            Backend::Naive => e.iter_mut().for_each(|v| *v = v.exp()),
            Backend::Fast => activation::exp_simd_in_place(e),
        }
    }
}

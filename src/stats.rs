//! Statistics of values: per-layer activation statistics ([`StatsAcc`]:
//! moments, extremes, counts and a histogram) and a summary of any stream of
//! values ([`Summary`]: count, mean, variance, min and max, merged by Chan,
//! Golub & LeVeque's update).
//!
//! [`StatsAcc`] accumulates one stream of values; partial accumulators (one per
//! rayon task or row block) are combined with [`StatsAcc::merge`] in a fixed
//! order, so the result does not depend on the thread count.
//!
//! Moments are kept as shifted power sums in `f64`: `S₁ = Σ(x − c)` and
//! `S₂ = Σ(x − c)²` for a fixed centre `c` (½ for sigmoid, 0 otherwise), so
//! `mean = c + S₁/n` and `var = S₂/n − (S₁/n)²` (population). The SIMD path sums
//! at most 64 values per lane in `f32` before flushing into the `f64` totals,
//! so 10⁸ values keep about 7 significant digits.
//!
//! The histogram has `bins` equal bins over [lo, hi]: `x` in [lo, hi) goes to
//! bin ⌊(x − lo)·bins/(hi − lo)⌋ (computed in `f32`, clamped to the last bin),
//! `x = hi` to the last bin, and values outside are counted in `below` and
//! `above`; NaN is counted apart.
#![forbid(unsafe_code)]

use crate::simd::{count_eq, count_gt, count_lt};
use serde::{Deserialize, Serialize};
use wide::f32x16;

/// The histogram of one layer, in the public JSON schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    /// Lower edge.
    pub lo: f64,
    /// Upper edge (inclusive for the last bin).
    pub hi: f64,
    /// Counts per bin.
    pub counts: Vec<u64>,
    /// Values below `lo`.
    pub below: u64,
    /// Values above `hi`.
    pub above: u64,
}

/// The binning rule, shared by the scalar and SIMD accumulators.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Binning {
    lo: f32,
    hi: f32,
    inv_width: f32,
    bins: usize,
}

/// Slot offsets after the `bins` regular counts.
const BELOW: usize = 0;
const ABOVE: usize = 1;
const NAN: usize = 2;

impl Binning {
    /// `bins` ≥ 1 equal bins over [lo, hi], lo < hi finite (validated by the caller).
    pub fn new(lo: f32, hi: f32, bins: usize) -> Binning {
        debug_assert!(bins >= 1 && lo < hi);
        Binning {
            lo,
            hi,
            inv_width: bins as f32 / (hi - lo),
            bins,
        }
    }

    /// The slot of `x`: a bin in `0..bins`, or `bins + {0: below, 1: above, 2: NaN}`.
    #[inline]
    pub fn slot(&self, x: f32) -> usize {
        if x.is_nan() {
            self.bins + NAN
        } else if x < self.lo {
            self.bins + BELOW
        } else if x > self.hi {
            self.bins + ABOVE
        } else {
            let t = ((x - self.lo) * self.inv_width).floor();
            (t.max(0.0) as usize).min(self.bins - 1)
        }
    }

    /// The slots of 16 values, with the same f32 operations as [`slot`](Self::slot).
    #[inline(always)]
    fn slots16(&self, x: f32x16) -> [i32; 16] {
        let t = ((x - f32x16::splat(self.lo)) * f32x16::splat(self.inv_width)).floor();
        let t = t
            .fast_max(f32x16::splat(0.0))
            .fast_min(f32x16::splat((self.bins - 1) as f32));
        let t = x
            .simd_lt(f32x16::splat(self.lo))
            .select(f32x16::splat((self.bins + BELOW) as f32), t);
        let t = x
            .simd_gt(f32x16::splat(self.hi))
            .select(f32x16::splat((self.bins + ABOVE) as f32), t);
        let t = x
            .is_nan()
            .select(f32x16::splat((self.bins + NAN) as f32), t);
        t.round_int().to_array()
    }
}

/// Thresholds of the saturation count: values below `lo` or above `hi`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Saturation {
    /// Values below this count as saturated.
    pub lo: f32,
    /// Values above this count as saturated.
    pub hi: f32,
}

/// A running accumulator of one layer's activation statistics.
#[derive(Clone, Debug, PartialEq)]
pub struct StatsAcc {
    binning: Binning,
    saturation: Option<Saturation>,
    centre: f32,
    n: u64,
    s1: f64,
    s2: f64,
    min: f32,
    max: f32,
    zeros: u64,
    saturated: u64,
    slots: Vec<u64>,
    pre_n: u64,
    pre_s1: f64,
    pre_s2: f64,
}

/// Finished statistics of one layer's activations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActStats {
    /// Number of values.
    pub count: u64,
    /// Mean.
    pub mean: f64,
    /// Population standard deviation.
    pub std: f64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
    /// Fraction of values exactly 0.
    pub zero_fraction: f64,
    /// Fraction within 0.01 of an asymptote (sigmoid, tanh); `None` for ReLU.
    pub saturation_fraction: Option<f64>,
    /// NaN values seen.
    pub nan_count: u64,
    /// The histogram.
    pub histogram: Histogram,
}

impl StatsAcc {
    /// An empty accumulator.
    pub fn new(binning: Binning, saturation: Option<Saturation>, centre: f32) -> StatsAcc {
        StatsAcc {
            binning,
            saturation,
            centre,
            n: 0,
            s1: 0.0,
            s2: 0.0,
            min: f32::INFINITY,
            max: f32::NEG_INFINITY,
            zeros: 0,
            saturated: 0,
            slots: vec![0; binning.bins + 3],
            pre_n: 0,
            pre_s1: 0.0,
            pre_s2: 0.0,
        }
    }

    /// An empty accumulator with the same settings.
    pub fn empty_like(&self) -> StatsAcc {
        StatsAcc::new(self.binning, self.saturation, self.centre)
    }

    /// Adds one value (the scalar reference path).
    #[inline]
    pub fn push(&mut self, x: f32) {
        self.n += 1;
        let d = x as f64 - self.centre as f64;
        self.s1 += d;
        self.s2 += d * d;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        self.zeros += (x == 0.0) as u64;
        if let Some(s) = self.saturation {
            self.saturated += (x < s.lo || x > s.hi) as u64;
        }
        self.slots[self.binning.slot(x)] += 1;
    }

    /// Adds one output `y = f(x)` and its pre-activation `x` (the layer reference path).
    #[inline]
    pub fn push_layer(&mut self, x: f32, y: f32) {
        self.pre_n += 1;
        self.pre_s1 += x as f64;
        self.pre_s2 += x as f64 * x as f64;
        self.push(y);
    }

    /// Adds every value of `xs` one at a time.
    pub fn extend_scalar(&mut self, xs: &[f32]) {
        for &x in xs {
            self.push(x);
        }
    }

    /// Adds every value of `xs` with `f32x16`.
    pub fn extend_simd(&mut self, xs: &[f32]) {
        let mut vecs = xs.chunks_exact(16);
        let mut batch = SimdBatch::new(self);
        for v in &mut vecs {
            batch.push(self, f32x16::from(v));
        }
        batch.flush(self);
        for &x in vecs.remainder() {
            self.push(x);
        }
    }

    /// Adds the partial result `other` (same settings).
    pub fn merge(&mut self, other: &StatsAcc) {
        debug_assert_eq!(self.binning, other.binning);
        self.n += other.n;
        self.s1 += other.s1;
        self.s2 += other.s2;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.zeros += other.zeros;
        self.saturated += other.saturated;
        self.pre_n += other.pre_n;
        self.pre_s1 += other.pre_s1;
        self.pre_s2 += other.pre_s2;
        for (a, b) in self.slots.iter_mut().zip(&other.slots) {
            *a += b;
        }
    }

    /// Number of values so far.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Mean and population variance of the pre-activations seen by `push_layer`.
    pub fn preact_mean_var(&self) -> (f64, f64) {
        let n = self.pre_n.max(1) as f64;
        let m = self.pre_s1 / n;
        (m, (self.pre_s2 / n - m * m).max(0.0))
    }

    /// The finished statistics.
    pub fn finish(&self) -> ActStats {
        let n = self.n.max(1) as f64;
        let nan = self.slots[self.binning.bins + NAN];
        let m1 = self.s1 / n;
        let var = (self.s2 / n - m1 * m1).max(0.0);
        let b = self.binning.bins;
        ActStats {
            count: self.n,
            mean: self.centre as f64 + m1,
            std: var.sqrt(),
            min: if self.n == 0 {
                f64::NAN
            } else {
                self.min as f64
            },
            max: if self.n == 0 {
                f64::NAN
            } else {
                self.max as f64
            },
            zero_fraction: self.zeros as f64 / n,
            saturation_fraction: self.saturation.map(|_| self.saturated as f64 / n),
            nan_count: nan,
            histogram: Histogram {
                lo: self.binning.lo as f64,
                hi: self.binning.hi as f64,
                counts: self.slots[..b].to_vec(),
                below: self.slots[b + BELOW],
                above: self.slots[b + ABOVE],
            },
        }
    }
}

/// Vectors summed in `f32` lanes before a flush to the `f64` totals.
const FLUSH_EVERY: u32 = 64;

/// Sub-histograms of a [`SimdBatch`]: lane `i` counts into copy `i mod 4`, so runs of
/// equal bins (ReLU zeros, saturated sigmoids) make four independent increment chains
/// instead of one chain through a single counter.
const SUB_HISTOGRAMS: usize = 4;

/// The SIMD side of an accumulator: lane sums that flush into a [`StatsAcc`].
pub(crate) struct SimdBatch {
    sub: Vec<u32>,
    stride: usize,
    p1: f32x16,
    p2: f32x16,
    pre_pending: u64,
    s1: f32x16,
    s2: f32x16,
    min: f32x16,
    max: f32x16,
    pending: u32,
    centre: f32x16,
}

impl SimdBatch {
    pub(crate) fn new(acc: &StatsAcc) -> SimdBatch {
        let stride = acc.slots.len();
        SimdBatch {
            sub: vec![0; SUB_HISTOGRAMS * stride],
            stride,
            p1: f32x16::splat(0.0),
            p2: f32x16::splat(0.0),
            pre_pending: 0,
            s1: f32x16::splat(0.0),
            s2: f32x16::splat(0.0),
            min: f32x16::splat(f32::INFINITY),
            max: f32x16::splat(f32::NEG_INFINITY),
            pending: 0,
            centre: f32x16::splat(acc.centre),
        }
    }

    /// Adds 16 pre-activations to their moments (flushed every [`FLUSH_EVERY`] vectors).
    #[inline(always)]
    pub(crate) fn push_pre(&mut self, acc: &mut StatsAcc, x: f32x16) {
        self.p1 += x;
        self.p2 = x.mul_add(x, self.p2);
        self.pre_pending += 16;
        if self.pre_pending == 16 * FLUSH_EVERY as u64 {
            self.flush_pre(acc);
        }
    }

    /// Moves the pre-activation lane sums into the `f64` totals.
    #[inline]
    fn flush_pre(&mut self, acc: &mut StatsAcc) {
        acc.pre_n += self.pre_pending;
        acc.pre_s1 += self.p1.as_array().iter().map(|&v| v as f64).sum::<f64>();
        acc.pre_s2 += self.p2.as_array().iter().map(|&v| v as f64).sum::<f64>();
        self.p1 = f32x16::splat(0.0);
        self.p2 = f32x16::splat(0.0);
        self.pre_pending = 0;
    }

    /// Adds 16 values.
    #[inline(always)]
    pub(crate) fn push(&mut self, acc: &mut StatsAcc, y: f32x16) {
        let d = y - self.centre;
        self.s1 += d;
        self.s2 = d.mul_add(d, self.s2);
        self.min = self.min.fast_min(y);
        self.max = self.max.fast_max(y);
        acc.n += 16;
        acc.zeros += count_eq(y, 0.0) as u64;
        if let Some(s) = acc.saturation {
            acc.saturated += (count_lt(y, s.lo) + count_gt(y, s.hi)) as u64;
        }
        for (i, s) in acc.binning.slots16(y).into_iter().enumerate() {
            self.sub[(i % SUB_HISTOGRAMS) * self.stride + s as usize] += 1;
        }
        self.pending += 1;
        if self.pending == FLUSH_EVERY {
            self.flush(acc);
        }
    }

    /// Moves the lane sums into the `f64` totals.
    #[inline]
    pub(crate) fn flush(&mut self, acc: &mut StatsAcc) {
        if self.pre_pending > 0 {
            self.flush_pre(acc);
        }
        if self.pending == 0 {
            return;
        }
        for copy in self.sub.chunks_exact_mut(self.stride) {
            for (a, c) in acc.slots.iter_mut().zip(copy.iter_mut()) {
                *a += *c as u64;
                *c = 0;
            }
        }
        acc.s1 += self.s1.as_array().iter().map(|&v| v as f64).sum::<f64>();
        acc.s2 += self.s2.as_array().iter().map(|&v| v as f64).sum::<f64>();
        acc.min = self.min.as_array().iter().fold(acc.min, |m, &v| m.min(v));
        acc.max = self.max.as_array().iter().fold(acc.max, |m, &v| m.max(v));
        self.s1 = f32x16::splat(0.0);
        self.s2 = f32x16::splat(0.0);
        self.min = f32x16::splat(f32::INFINITY);
        self.max = f32x16::splat(f32::NEG_INFINITY);
        self.pending = 0;
    }
}

/// Population mean and standard deviation of `xs`, two-pass in `f64` (the reference).
pub fn mean_std(xs: &[f32]) -> (f64, f64) {
    if xs.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let n = xs.len() as f64;
    let mean = xs.iter().map(|&x| x as f64).sum::<f64>() / n;
    let var = xs.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// √(mean(x²)), from [`Summary`]'s moments: `M2/n + mean²`.
pub fn rms(xs: &[f32]) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    let s = Summary::of_seq(xs);
    (s.m2 / s.n as f64 + s.mean * s.mean).sqrt()
}

/// Count, mean, population std, min and max of a buffer.
///
/// The moments are kept as the mean and `M2 = Σ(x − mean)²`, not as `Σx` and
/// `Σx²`, whose difference `Σx²/n − mean²` cancels when the mean is large
/// against the spread. Each block of 1024 values takes two passes in `f32x16`
/// lanes (its mean, then the squares about it) while it sits in L1, and blocks
/// and chunks are merged by Chan, Golub & LeVeque's rule (1979):
/// `M2 = M2ₐ + M2ᵦ + δ²·nₐnᵦ/n` with `δ = meanᵦ − meanₐ`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Values.
    pub n: u64,
    /// Mean.
    pub mean: f64,
    /// Σ(x − mean)².
    pub m2: f64,
    /// Minimum.
    pub min: f32,
    /// Maximum.
    pub max: f32,
}

impl Summary {
    /// The empty summary.
    pub const EMPTY: Summary = Summary {
        n: 0,
        mean: 0.0,
        m2: 0.0,
        min: f32::INFINITY,
        max: f32::NEG_INFINITY,
    };

    /// Summarizes `xs` block by block in `f32x16` lanes, chunks over rayon.
    pub fn of(xs: &[f32]) -> Summary {
        use rayon::prelude::*;
        xs.par_chunks(1 << 16)
            .map(Summary::of_seq)
            .collect::<Vec<_>>()
            .iter()
            .fold(Summary::EMPTY, |a, b| a.merge(b))
    }

    fn of_seq(xs: &[f32]) -> Summary {
        let mut s = Summary::EMPTY;
        let mut blocks = xs.chunks_exact(16 * FLUSH_EVERY as usize);
        for block in &mut blocks {
            // Pass 1 about the block's first value, so that the f32 sums stay
            // as small as the spread: mean = x₀ + Σ(x − x₀)/n.
            let pivot = f32x16::splat(block[0]);
            let mut s1 = f32x16::splat(0.0);
            let (mut lo, mut hi) = (
                f32x16::splat(f32::INFINITY),
                f32x16::splat(f32::NEG_INFINITY),
            );
            for v in block.chunks_exact(16) {
                let x = f32x16::from(v);
                s1 += x - pivot;
                lo = lo.fast_min(x);
                hi = hi.fast_max(x);
            }
            let n = block.len() as f64;
            let mean = block[0] as f64 + s1.as_array().iter().map(|&v| v as f64).sum::<f64>() / n;
            // Pass 2 about the mean rounded to f32, m: Σ(x − mean)² = Σ(x − m)² − n·(mean − m)².
            let m = mean as f32;
            let mut s2 = f32x16::splat(0.0);
            for v in block.chunks_exact(16) {
                let d = f32x16::from(v) - f32x16::splat(m);
                s2 = d.mul_add(d, s2);
            }
            let delta = mean - m as f64;
            let m2 =
                (s2.as_array().iter().map(|&v| v as f64).sum::<f64>() - n * delta * delta).max(0.0);
            let b = Summary {
                n: block.len() as u64,
                mean,
                m2,
                min: lo.as_array().iter().fold(f32::INFINITY, |a, &v| a.min(v)),
                max: hi
                    .as_array()
                    .iter()
                    .fold(f32::NEG_INFINITY, |a, &v| a.max(v)),
            };
            s = s.merge(&b);
        }
        let rest = blocks.remainder();
        if !rest.is_empty() {
            let n = rest.len() as f64;
            let mean = rest.iter().map(|&x| x as f64).sum::<f64>() / n;
            let b = Summary {
                n: rest.len() as u64,
                mean,
                m2: rest.iter().map(|&x| (x as f64 - mean).powi(2)).sum(),
                min: rest.iter().fold(f32::INFINITY, |a, &v| a.min(v)),
                max: rest.iter().fold(f32::NEG_INFINITY, |a, &v| a.max(v)),
            };
            s = s.merge(&b);
        }
        s
    }

    /// Combines two summaries (Chan, Golub & LeVeque's rule).
    pub fn merge(&self, o: &Summary) -> Summary {
        let n = self.n + o.n;
        if n == 0 {
            return Summary::EMPTY;
        }
        let (na, nb) = (self.n as f64, o.n as f64);
        let d = o.mean - self.mean;
        Summary {
            n,
            mean: self.mean + d * nb / n as f64,
            m2: self.m2 + o.m2 + d * d * na * nb / n as f64,
            min: self.min.min(o.min),
            max: self.max.max(o.max),
        }
    }

    /// Mean.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// Population standard deviation.
    pub fn std(&self) -> f64 {
        (self.m2 / self.n.max(1) as f64).sqrt()
    }
}

//! The experiment's network: square layers without bias, forward, backward, statistics.
//!
//! ```text
//! h₀ = X (batch × width, N(0, 1)),   a_l = h_{l−1}·W_l,   h_l = f(a_l)
//! L = (1/batch)·Σ h_L  ⇒  ∂L/∂h_L = 1/batch
//! δ_l = ∂L/∂h_l ⊙ f′(a_l),   ∂L/∂W_l = h_{l−1}ᵀ·δ_l,   ∂L/∂h_{l−1} = δ_l·W_lᵀ
//! ```
//!
//! The arithmetic goes through the run's [`Backend`]: the naive one (the
//! triple-loop GEMM, textbook activations, scalar statistics) or the fast one
//! (the blocked GEMM with B packed once and a SIMD activation and statistics
//! epilogue per row block, over rayon). Both run the same code path here, so
//! their results can be compared anywhere. The backward products use
//! transposed views of `h` and `W`: no copies.
//!
//! [`lsuv`] is the data-dependent initializer (Mishkin & Matas, ICLR 2016): it
//! needs this forward pass, so it lives here.
#![forbid(unsafe_code)]

pub(crate) mod epilogue;
pub(crate) mod lsuv;

use crate::activation::Activation;
use crate::backend::Backend;
use crate::gemm::{self, MatMut, MatRef, PackedB};
use crate::init::{Fans, Init, InitError};
use crate::rng::StreamKey;
use crate::sample::{Dist, Normal};
use crate::stats::{ActStats, Binning, Saturation, StatsAcc};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Rows per task of the fused forward pass: 64 × width floats of input and
/// output stay in L1/L2 between the GEMM and the epilogue.
pub const ROW_BLOCK: usize = 64;

/// The network and statistics settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetConfig {
    /// Inputs per batch.
    pub batch: usize,
    /// Units per layer.
    pub width: usize,
    /// Layers.
    pub layers: usize,
    /// Histogram bins.
    pub bins: usize,
    /// The seed.
    pub seed: u64,
}

impl Default for NetConfig {
    /// The seed's experiment: 1000 inputs, 5 layers of 100 units, 30 bins.
    fn default() -> Self {
        NetConfig {
            batch: 1000,
            width: 100,
            layers: 5,
            bins: 30,
            seed: crate::DEFAULT_SEED,
        }
    }
}

/// One layer's statistics, as in the public JSON schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerStats {
    /// 1-based layer index.
    pub layer: usize,
    /// Statistics of h_l: mean, std, min, max, zero and saturated fractions, the
    /// histogram (flattened into the layer's JSON object).
    #[serde(flatten)]
    pub activations: ActStats,
    /// √mean(δ_l²).
    pub grad_rms: f64,
    /// √mean((∂L/∂W_l)²).
    pub weight_grad_rms: f64,
    /// Mean of the pre-activations a_l.
    pub preact_mean: f64,
    /// Population std of the pre-activations a_l.
    pub preact_std: f64,
    /// Std of W_l's entries.
    pub weight_std: f64,
    /// LSUV iterations for this layer (LSUV runs only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub lsuv_iterations: Option<u32>,
}

impl LayerStats {
    /// Whether every statistic is finite (no NaN was seen): false once the
    /// activations or gradients left f32's range.
    pub fn is_finite(&self) -> bool {
        let a = &self.activations;
        a.nan_count == 0
            && [
                a.mean,
                a.std,
                a.min,
                a.max,
                self.grad_rms,
                self.weight_grad_rms,
                self.preact_mean,
                self.preact_std,
                self.weight_std,
            ]
            .iter()
            .all(|x| x.is_finite())
    }
}

const SHAPES_OK: &str = "shapes are validated by the network";

impl Backend {
    /// `h ← f(h_prev·W)`, `d ← f′(h_prev·W)`, statistics of h into `acc`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn forward_layer(
        self,
        h_prev: &[f32],
        w: &[f32],
        rows: usize,
        width: usize,
        act: Activation,
        h: &mut [f32],
        d: &mut [f32],
        acc: &mut StatsAcc,
    ) {
        debug_assert_eq!(h.len(), rows * width);
        let wv = MatRef::row_major(w, width, width).expect(SHAPES_OK);
        if self == Backend::Naive {
            let a = MatRef::row_major(h_prev, rows, width).expect(SHAPES_OK);
            let mut c = MatMut::row_major(h, rows, width).expect(SHAPES_OK);
            self.matmul(1.0, a, wv, 0.0, &mut c);
            epilogue::naive(act, h, d, acc);
            return;
        }
        let packed = PackedB::new(wv);
        let block = ROW_BLOCK * width;
        let parts: Vec<StatsAcc> = h
            .par_chunks_mut(block)
            .zip(d.par_chunks_mut(block))
            .zip(h_prev.par_chunks(block))
            .map(|((hc, dc), xc)| {
                let r = hc.len() / width;
                let a = MatRef::row_major(xc, r, width).expect(SHAPES_OK);
                gemm::sgemm_packed(
                    1.0,
                    a,
                    &packed,
                    0.0,
                    &mut MatMut::row_major(hc, r, width).expect(SHAPES_OK),
                )
                .expect(SHAPES_OK);
                let mut part = acc.empty_like();
                epilogue::unfused(act, hc, dc, &mut part);
                part
            })
            .collect();
        // Merged in block order: the same sums for any thread count.
        for p in &parts {
            acc.merge(p);
        }
    }
}

/// The histogram range, saturation thresholds and moment centre of an activation.
pub fn stats_for(act: Activation, bins: usize) -> StatsAcc {
    match act {
        Activation::Sigmoid => StatsAcc::new(
            Binning::new(0.0, 1.0, bins),
            Some(Saturation { lo: 0.01, hi: 0.99 }),
            0.5,
        ),
        Activation::Tanh => StatsAcc::new(
            Binning::new(-1.0, 1.0, bins),
            Some(Saturation {
                lo: -0.99,
                hi: 0.99,
            }),
            0.0,
        ),
        Activation::Relu => StatsAcc::new(Binning::new(0.0, 1.0, bins), None, 0.0),
    }
}

/// The weights of every layer, row-major `width × width` each.
#[derive(Clone, Debug)]
pub struct Weights {
    /// W_1 … W_L.
    pub w: Vec<Vec<f32>>,
    /// LSUV iterations per layer, when LSUV made them.
    pub lsuv_iterations: Option<Vec<u32>>,
}

/// The input batch X from stream `(seed, 0)`.
pub fn input(cfg: &NetConfig, backend: Backend) -> Vec<f32> {
    let mut x = vec![0f32; cfg.batch * cfg.width];
    backend.fill(
        &Dist::Normal(Normal::new(0.0, 1.0).expect("unit normal")),
        StreamKey::new(cfg.seed, 0),
        &mut x,
    );
    x
}

/// W_l from stream `(seed, l)` for every layer.
pub fn init_weights(cfg: &NetConfig, init: &Init, backend: Backend) -> Result<Weights, InitError> {
    let fans = Fans::dense(cfg.width, cfg.width)?;
    let mut w = Vec::with_capacity(cfg.layers);
    for l in 1..=cfg.layers {
        let mut wl = vec![0f32; cfg.width * cfg.width];
        init.fill_stream(fans, StreamKey::new(cfg.seed, l as u64), &mut wl, backend)?;
        w.push(wl);
    }
    Ok(Weights {
        w,
        lsuv_iterations: None,
    })
}

/// Forward and backward through `weights` on input `x`; per-layer statistics.
pub fn run(
    cfg: &NetConfig,
    x: &[f32],
    weights: &Weights,
    act: Activation,
    backend: Backend,
) -> Vec<LayerStats> {
    forward_backward(cfg, x, weights, act, backend).0
}

/// [`run`], also returning ∂L/∂W_l for every layer (row-major `width × width`).
pub fn forward_backward(
    cfg: &NetConfig,
    x: &[f32],
    weights: &Weights,
    act: Activation,
    backend: Backend,
) -> (Vec<LayerStats>, Vec<Vec<f32>>) {
    let (n, width, layers) = (cfg.batch, cfg.width, cfg.layers);
    let size = n * width;
    with_workspace((2 * layers + 3) * size, |ws| {
        // h_0 … h_L, f′(a_1) … f′(a_L), ∂L/∂h and δ: every buffer is fully written before it is read.
        let (hs, rest) = ws.split_at_mut((layers + 1) * size);
        let (ds, rest) = rest.split_at_mut(layers * size);
        let (g, delta) = rest.split_at_mut(size);
        hs[..size].copy_from_slice(x);
        let mut acts: Vec<StatsAcc> = Vec::with_capacity(layers);
        for (l, wl) in weights.w.iter().enumerate() {
            let (prev, cur) = hs.split_at_mut((l + 1) * size);
            let mut acc = stats_for(act, cfg.bins);
            backend.forward_layer(
                &prev[l * size..],
                wl,
                n,
                width,
                act,
                &mut cur[..size],
                &mut ds[l * size..(l + 1) * size],
                &mut acc,
            );
            acts.push(acc);
        }
        // Backward from ∂L/∂h_L = 1/batch.
        g.fill(1.0 / n as f32);
        let mut grad = vec![(0.0, 0.0); layers];
        let mut dws = vec![Vec::new(); layers];
        for l in (0..layers).rev() {
            for ((o, a), b) in delta
                .iter_mut()
                .zip(g.iter())
                .zip(&ds[l * size..(l + 1) * size])
            {
                *o = a * b;
            }
            let mut dw = vec![0f32; width * width];
            let dv = MatRef::row_major(delta, n, width).expect(SHAPES_OK);
            let hp = MatRef::row_major(&hs[l * size..(l + 1) * size], n, width).expect(SHAPES_OK);
            backend.matmul(
                1.0,
                hp.t(),
                dv,
                0.0,
                &mut MatMut::row_major(&mut dw, width, width).expect(SHAPES_OK),
            );
            grad[l] = (crate::stats::rms(delta), crate::stats::rms(&dw));
            if l > 0 {
                let wt = MatRef::row_major(&weights.w[l], width, width)
                    .expect(SHAPES_OK)
                    .t();
                backend.matmul(
                    1.0,
                    dv,
                    wt,
                    0.0,
                    &mut MatMut::row_major(g, n, width).expect(SHAPES_OK),
                );
            }
            dws[l] = dw;
        }
        (assemble(weights, &acts, &grad), dws)
    })
}

thread_local! {
    static WORKSPACE: std::cell::RefCell<Vec<f32>> = std::cell::RefCell::default();
}

/// Runs `f` on a per-thread buffer of `len` floats, reused across runs: the
/// experiment's 2–5 MB of activations are then allocated (and page-faulted) once
/// per thread, not once per run. A nested call gets a fresh buffer.
fn with_workspace<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    WORKSPACE.with(|cell| match cell.try_borrow_mut() {
        Ok(mut v) => {
            if v.len() < len {
                v.resize(len, 0.0);
            }
            f(&mut v[..len])
        }
        Err(_) => f(&mut vec![0.0; len]),
    })
}

fn assemble(weights: &Weights, acts: &[StatsAcc], grad: &[(f64, f64)]) -> Vec<LayerStats> {
    acts.iter()
        .enumerate()
        .map(|(l, acc)| {
            let (pm, pv) = acc.preact_mean_var();
            LayerStats {
                layer: l + 1,
                activations: acc.finish(),
                grad_rms: grad[l].0,
                weight_grad_rms: grad[l].1,
                preact_mean: pm,
                preact_std: pv.sqrt(),
                weight_std: crate::stats::mean_std(&weights.w[l]).1,
                lsuv_iterations: weights.lsuv_iterations.as_ref().map(|v| v[l]),
            }
        })
        .collect()
}

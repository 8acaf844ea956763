//! LSUV, layer-sequential unit-variance initialization (Mishkin & Matas, "All
//! you need is a good init", ICLR 2016).
//!
//! Start from orthogonal weights. For `l = 1..L` in order: forward the batch
//! through the layers already fixed, compute `v = Var(h_{l−1}·W_l)`, and while
//! `|v − 1| ≥ tol` (at most `max_iter` times) set `W_l ← W_l / √v`. The
//! pre-activation variance of every layer is then 1 within `tol`, whatever the
//! activation: the variance is measured rather than predicted from fan_in.
#![forbid(unsafe_code)]

use super::{NetConfig, SHAPES_OK, Weights, input, stats_for};
use crate::activation::Activation;
use crate::backend::Backend;
use crate::gemm::{MatMut, MatRef};
use crate::init::{Init, InitError};
use crate::stats::mean_std;

/// LSUV settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LsuvConfig {
    /// Accept when |Var(a_l) − 1| < tol.
    pub tol: f64,
    /// Rescalings per layer at most.
    pub max_iter: u32,
}

impl Default for LsuvConfig {
    fn default() -> Self {
        LsuvConfig {
            tol: 0.1,
            max_iter: 10,
        }
    }
}

impl LsuvConfig {
    /// The factor that brings pre-activations of variance `var` to 1 after
    /// `used` rescalings, or `None` when LSUV stops: the variance is within
    /// `tol` of 1, `max_iter` rescalings are spent, or it is 0 or not finite.
    pub fn rescale(&self, var: f64, used: u32) -> Option<f32> {
        let done = (var - 1.0).abs() < self.tol || used >= self.max_iter;
        (!done && var > 0.0 && var.is_finite()).then(|| (1.0 / var.sqrt()) as f32)
    }
}

/// LSUV's loop for one layer: while `variance(w)`, the variance of the
/// layer's pre-activations with weights `w`, is not within `tol` of 1 (and
/// `max_iter` rescalings are not spent), `w ← w/√v`. Returns the rescalings.
/// The experiment's network and the training network both fit their layers
/// by it.
pub(crate) fn fit_layer(
    cfg: LsuvConfig,
    w: &mut [f32],
    mut variance: impl FnMut(&[f32]) -> f64,
) -> u32 {
    let mut used = 0;
    while let Some(s) = cfg.rescale(variance(w), used) {
        w.iter_mut().for_each(|x| *x *= s);
        used += 1;
    }
    used
}

/// LSUV weights for `act` on the experiment's batch.
pub fn init(
    cfg: &NetConfig,
    act: Activation,
    lsuv: LsuvConfig,
    backend: Backend,
) -> Result<Weights, InitError> {
    let mut weights = super::init_weights(cfg, &Init::orthogonal(), backend)?;
    let (n, width) = (cfg.batch, cfg.width);
    let mut h = input(cfg, backend);
    let mut a = vec![0f32; n * width];
    let mut iters = Vec::with_capacity(cfg.layers);
    for wl in weights.w.iter_mut() {
        let used = fit_layer(lsuv, wl, |w| {
            let hv = MatRef::row_major(&h, n, width).expect(SHAPES_OK);
            let wv = MatRef::row_major(w, width, width).expect(SHAPES_OK);
            let mut av = MatMut::row_major(&mut a, n, width).expect(SHAPES_OK);
            backend.matmul(1.0, hv, wv, 0.0, &mut av);
            mean_std(&a).1.powi(2)
        });
        iters.push(used);
        // h_l = f(a_l) for the next layer.
        let mut d = vec![0f32; n * width];
        let mut acc = stats_for(act, cfg.bins);
        let prev = h.clone();
        backend.forward_layer(&prev, wl, n, width, act, &mut h, &mut d, &mut acc);
    }
    weights.lsuv_iterations = Some(iters);
    Ok(weights)
}

//! Does the initializer change learning? Saito's §6.2.4 comparison, trained for real.
//!
//! The same network is trained from each initializer with the same batches
//! (Saito, *Deep Learning from Scratch*, `weight_init_compare.py`):
//!
//! - **Network.** `n₀ → 100 → 100 → 100 → 100 → 10`: five affine layers with
//!   biases, the activation (ReLU) on the four hidden ones, softmax with mean
//!   cross-entropy (`mlp`). Each `W` (fan_in × fan_out) comes from the
//!   initializer, on stream `(seed, l)` for layer `l`; biases start at zero.
//! - **Training.** Plain SGD, learning rate 0.01, batch 128, 2000 steps. Step
//!   `t` draws 128 training rows uniformly with replacement from the run's
//!   seed (the same rows for every initializer). `loss[t]` is the batch loss
//!   before update `t`.
//! - **Data.** The embedded UCI digits (8×8), or MNIST's IDX format: Saito's
//!   exact 784-100-100-100-100-10 on Fashion-MNIST or MNIST ([`crate::data`]).
//!
//! Saito's result, which the digits reproduce: with std = 0.01 each ReLU layer
//! shrinks the signal 14-fold (√(fan_in·σ²/2) = √(100·0.01²/2)), the
//! gradients with it, and the loss stays at ln 10; LeCun's 1/√fan_in (Saito's
//! "Xavier") learns; He learns fastest.
//!
//! **Threads.** Each initializer's run is independent, and runs go over the
//! rayon pool. Inside a run, a step (`mlp::Mlp::step`) splits its batch into
//! one block of rows per thread for the forward pass, the softmax and every
//! `δ_l` (row by row), then runs the layers' `∂W_l = h_{l−1}ᵀ·δ_l` GEMMs over
//! the whole batch side by side, each updating its layer. A step joins the
//! threads three times (the weights' packing is the first). The fast
//! backend's GEMM gives the same bytes on any number of threads, and every
//! other value is computed row by row or element by element, so the curves
//! are the same bytes for any thread count. (Splitting the batch and summing
//! per-thread `∂W` would also scale, but would change the sums' order with the
//! thread count.) On a 2-core Zen 3 one He run on Fashion-MNIST takes 1.7×
//! less time on 2 threads than on 1 when the two cores are near (a cache
//! line's round trip between them about 110 ns). Each step, a thread reads
//! weights the other has just updated (0.44 MB of them on Fashion-MNIST),
//! their packed copies, and rows the other has just gathered; on cores far
//! apart (about 480 ns) a step takes a third longer, and the run gains only
//! 1.3–1.4×.
#![forbid(unsafe_code)]

pub(crate) mod mlp;

use crate::activation::Activation;
use crate::backend::Backend;
use crate::data::{Dataset, Split};
use crate::init::{Fans, Init, InitError, InitSpec};
use crate::network::lsuv::{self, LsuvConfig};
use crate::rng::StreamKey;
use mlp::{Mlp, Workspace};
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The stream of the batch indices (weights use streams 1..=layers).
pub(crate) const BATCH_STREAM: u64 = 1 << 32;

/// The initializers Saito compares: std = 0.01, "Xavier" (1/√fan_in, which is
/// LeCun's), He.
pub const DEFAULT_INITS: [&str; 3] = ["normal:0.01", "lecun_normal", "he_normal"];

/// Steps over which `loss` is averaged for the report and the verdict.
pub const WINDOW: usize = 100;

/// Training settings.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainConfig {
    /// Hidden layer widths.
    pub hidden: Vec<usize>,
    /// The hidden layers' activation.
    pub activation: Activation,
    /// SGD steps.
    pub steps: usize,
    /// Rows per batch.
    pub batch: usize,
    /// Learning rate.
    pub lr: f32,
    /// The seed of the weights and the batches.
    pub seed: u64,
}

impl Default for TrainConfig {
    /// Saito's setting: four hidden layers of 100 ReLU units, SGD 0.01, batch 128, 2000 steps.
    fn default() -> Self {
        TrainConfig {
            hidden: vec![100; 4],
            activation: Activation::Relu,
            steps: 2000,
            batch: 128,
            lr: 0.01,
            seed: crate::DEFAULT_SEED,
        }
    }
}

/// A setting that cannot train, naming the field.
#[derive(Clone, Debug, PartialEq)]
pub enum TrainError {
    /// A count that must be positive was zero.
    Zero(&'static str),
    /// The learning rate was not a finite positive number.
    LearningRate(f32),
    /// The initializer failed.
    Init(String),
    /// The dataset has no rows.
    Empty(&'static str),
    /// A count above its limit ([`MAX_STEPS`], [`MAX_BATCH`], [`MAX_DRAWS`]).
    TooLarge {
        /// `steps`, `batch` or `steps × batch`.
        what: &'static str,
        /// The value.
        value: u128,
        /// The limit.
        max: u128,
    },
}

/// Most SGD steps of a run (a loss per step is kept).
pub const MAX_STEPS: usize = 10_000_000;
/// Most rows per batch.
pub const MAX_BATCH: usize = 65_536;
/// Most row draws, steps × batch: the batches' row indices are drawn up
/// front, 4 bytes each (1 GiB at the limit).
pub const MAX_DRAWS: usize = 1 << 28;

impl core::fmt::Display for TrainError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TrainError::Zero(what) => write!(f, "{what} must be at least 1, got 0"),
            TrainError::LearningRate(v) => {
                write!(f, "the learning rate must be a finite number > 0, got {v}")
            }
            TrainError::Init(e) => write!(f, "{e}"),
            TrainError::Empty(what) => write!(f, "the {what} set has no rows"),
            TrainError::TooLarge { what, value, max } => {
                write!(f, "{what} must be at most {max}, got {value}")
            }
        }
    }
}

impl std::error::Error for TrainError {}

impl From<InitError> for TrainError {
    fn from(e: InitError) -> Self {
        TrainError::Init(e.to_string())
    }
}

impl TrainConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), TrainError> {
        if self.steps == 0 {
            return Err(TrainError::Zero("steps"));
        }
        if self.batch == 0 {
            return Err(TrainError::Zero("batch"));
        }
        if self.hidden.contains(&0) {
            return Err(TrainError::Zero("a hidden layer's width"));
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(TrainError::LearningRate(self.lr));
        }
        let draws = self.steps as u128 * self.batch as u128;
        for (what, value, max) in [
            ("steps", self.steps as u128, MAX_STEPS),
            ("batch", self.batch as u128, MAX_BATCH),
            ("steps × batch", draws, MAX_DRAWS),
        ] {
            if value > max as u128 {
                return Err(TrainError::TooLarge {
                    what,
                    value,
                    max: max as u128,
                });
            }
        }
        Ok(())
    }

    /// Units per layer for `data`: input, hidden, classes.
    pub fn sizes(&self, data: &Dataset) -> Vec<usize> {
        let mut s = vec![data.features];
        s.extend(&self.hidden);
        s.push(data.classes);
        s
    }
}

/// FLOP of the forward GEMMs of `rows` rows through layers of `sizes`:
/// `2·rows·Σₗ nₗ·nₗ₊₁` (the biases, activations and softmax are not counted).
pub fn forward_flop(sizes: &[usize], rows: usize) -> u64 {
    let macs: u64 = sizes.windows(2).map(|w| (w[0] * w[1]) as u64).sum();
    2 * rows as u64 * macs
}

/// FLOP of the GEMMs of one training step of `batch` rows: the forward pass,
/// `∂W_l = h_{l−1}ᵀ·δ_l` for every layer (as much again), and `δ_l·W_lᵀ` for
/// every layer but the first: `2·batch·(2·Σₗ nₗnₗ₊₁ + Σ_{l>0} nₗnₗ₊₁)`. Saito's
/// 784-100-100-100-100-10 at batch 128: 64.0 MFLOP.
pub fn step_flop(sizes: &[usize], batch: usize) -> u64 {
    let tail = if sizes.len() > 2 {
        &sizes[1..]
    } else {
        &[][..]
    };
    2 * forward_flop(sizes, batch) + forward_flop(tail, batch)
}

/// FLOP of a run's GEMMs: its steps (those it took, the step it diverged
/// at included), then the accuracy's forward passes over the training and
/// test rows (LSUV's probes are not counted).
pub fn run_flop(cfg: &TrainConfig, split: &Split, run: &TrainRun) -> u64 {
    let sizes = cfg.sizes(&split.train);
    let steps = run.loss.len() + usize::from(run.diverged_at.is_some());
    steps as u64 * step_flop(&sizes, cfg.batch)
        + forward_flop(&sizes, split.train.len() + split.test.len())
}

/// One initializer's training run.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainRun {
    /// The initializer's name.
    pub init: String,
    /// The hidden layers' activation.
    pub activation: Activation,
    /// The batch loss before each update.
    pub loss: Vec<f32>,
    /// Accuracy on the whole training set after the last step.
    pub train_accuracy: f64,
    /// Accuracy on the test set after the last step.
    pub test_accuracy: f64,
    /// The step (1-based) whose loss left f32's range, where training
    /// stopped; `loss` holds the finite losses before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diverged_at: Option<usize>,
}

impl TrainRun {
    /// The mean of the last [`WINDOW`] batch losses ending at step `t`
    /// (0-based); `None` past the steps a diverged run took.
    pub fn smoothed(&self, t: usize) -> Option<f64> {
        let lo = (t + 1).saturating_sub(WINDOW);
        let w = self.loss.get(lo..=t)?;
        Some(w.iter().map(|&x| x as f64).sum::<f64>() / w.len() as f64)
    }

    /// The smoothed loss after the last step; `None` for a diverged run.
    pub fn final_loss(&self) -> Option<f64> {
        match self.diverged_at {
            Some(_) => None,
            None => self.smoothed(self.loss.len().checked_sub(1)?),
        }
    }

    /// Whether the loss left ln(classes): the final smoothed loss is below 90% of it.
    pub fn learns(&self, classes: usize) -> bool {
        self.final_loss()
            .is_some_and(|l| l < 0.9 * (classes as f64).ln())
    }
}

/// The verdict of each run: "does not learn", or "learns", and "learns fastest"
/// for the learner with the lowest final loss.
pub fn verdicts(runs: &[TrainRun], classes: usize) -> Vec<String> {
    let best = runs
        .iter()
        .enumerate()
        .filter(|(_, r)| r.learns(classes))
        .min_by(|a, b| {
            let l = |r: &TrainRun| r.final_loss().unwrap_or(f64::INFINITY);
            l(a.1).total_cmp(&l(b.1))
        })
        .map(|(i, _)| i);
    runs.iter()
        .enumerate()
        .map(
            |(i, r)| match (r.diverged_at, r.learns(classes), Some(i) == best) {
                (Some(t), ..) => format!("diverges (the loss overflows at step {t})"),
                (None, false, _) => "does not learn".into(),
                (None, true, true) => "learns fastest".into(),
                (None, true, false) => "learns".into(),
            },
        )
        .collect()
}

/// The initial network for `spec` on `data` (LSUV scales orthogonal weights on
/// the first batch of training rows).
pub(crate) fn initial_network(
    cfg: &TrainConfig,
    spec: &InitSpec,
    data: &Dataset,
    k: Backend,
) -> Result<Mlp, TrainError> {
    let sizes = cfg.sizes(data);
    let mut net = Mlp::zeros(&sizes);
    let init = match spec {
        InitSpec::Scheme(i) => i.clone(),
        InitSpec::Lsuv => Init::orthogonal(),
    };
    for (l, w) in net.w.iter_mut().enumerate() {
        let fans = Fans::dense(sizes[l], sizes[l + 1])?;
        init.fill_stream(fans, StreamKey::new(cfg.seed, l as u64 + 1), w, k)?;
    }
    if *spec == InitSpec::Lsuv {
        let rows = cfg.batch.min(data.len());
        lsuv(&mut net, &data.rows(0..rows), rows, cfg.activation, k);
    }
    Ok(net)
}

/// LSUV on the training network ([`crate::network::lsuv`]'s rule and
/// default settings): layer by layer, the weights are rescaled until the
/// layer's pre-activations on `x` have variance 1.
fn lsuv(net: &mut Mlp, x: &[f32], rows: usize, act: Activation, k: Backend) {
    for l in 0..net.layers() {
        // The network up to layer l: its output is layer l's pre-activations.
        let mut probe = net.clone();
        probe.sizes.truncate(l + 2);
        probe.w.truncate(l + 1);
        probe.b.truncate(l + 1);
        lsuv::fit_layer(LsuvConfig::default(), &mut net.w[l], |w| {
            probe.w[l].copy_from_slice(w);
            crate::stats::mean_std(&probe.logits(x, rows, act, k))
                .1
                .powi(2)
        });
    }
}

/// The batch rows of every step: `steps × batch` indices into `rows` training rows.
pub(crate) fn batch_indices(cfg: &TrainConfig, rows: usize) -> Vec<u32> {
    let key = StreamKey::new(cfg.seed, BATCH_STREAM);
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(key.scalar_seed());
    (0..cfg.steps * cfg.batch)
        .map(|_| rng.random_range(0..rows as u32))
        .collect()
}

/// Trains from `spec`; `done` counts finished steps (for a progress bar).
pub(crate) fn train_one(
    cfg: &TrainConfig,
    spec: &InitSpec,
    split: &Split,
    indices: &[u32],
    k: Backend,
    done: &AtomicUsize,
) -> Result<TrainRun, TrainError> {
    let data = &split.train;
    let mut net = initial_network(cfg, spec, data, k)?;
    let mut ws = Workspace::default();
    let mut loss = Vec::with_capacity(cfg.steps);
    let mut diverged_at = None;
    for (t, rows) in indices.chunks_exact(cfg.batch).take(cfg.steps).enumerate() {
        let l = net.step(data, rows, cfg.lr, cfg.activation, k, &mut ws);
        if !l.is_finite() {
            // Nothing after this step means anything, and no NaN is reported.
            diverged_at = Some(t + 1);
            done.fetch_add(cfg.steps - t, Ordering::Relaxed);
            break;
        }
        loss.push(l);
        done.fetch_add(1, Ordering::Relaxed);
    }
    let act = cfg.activation;
    Ok(TrainRun {
        init: spec.name(),
        activation: act,
        loss,
        train_accuracy: net.accuracy(data, act, k),
        test_accuracy: net.accuracy(&split.test, act, k),
        diverged_at,
    })
}

/// Trains from every initializer of `specs` (in parallel); runs in `specs`' order.
pub fn train(
    cfg: &TrainConfig,
    specs: &[InitSpec],
    split: &Split,
    k: Backend,
    done: &AtomicUsize,
) -> Result<Vec<TrainRun>, TrainError> {
    cfg.validate()?;
    if split.train.is_empty() {
        return Err(TrainError::Empty("training"));
    }
    if split.test.is_empty() {
        return Err(TrainError::Empty("test"));
    }
    let indices = batch_indices(cfg, split.train.len());
    // Inside the pool for the whole run: a parallel loop of one item (a single
    // initializer) runs on the calling thread, and from outside the pool every
    // parallel loop of every step would hand its work to a worker and sleep
    // until it is done (a futex wait and wake per loop).
    rayon::scope(|_| {
        specs
            .par_iter()
            .map(|s| train_one(cfg, s, split, &indices, k, done))
            .collect()
    })
}

//! The experiment: the init × activation grid, its configuration, verdicts and JSON schema.
//!
//! A run draws X and W_1..W_L, goes forward and backward through
//! `network`, and keeps each layer's `LayerStats`. The grid
//! shares X between runs (same seed), so differences come from the weights.
//!
//! # JSON schema (public, version 1)
//! ```text
//! {"schema": 1,
//!  "config": {"batch", "width", "layers", "bins", "seed", "path": "fast"|"naive"},
//!  "runs": [{"init", "activation", "verdict",
//!            "layers": [{"layer", "count", "mean", "std", "min", "max", "zero_fraction", "nan_count",
//!                        "saturation_fraction", "histogram": {"lo", "hi", "counts", "below", "above"},
//!                        "grad_rms", "weight_grad_rms", "preact_mean", "preact_std",
//!                        "weight_std", "lsuv_iterations"?}]}]}
//! ```
#![forbid(unsafe_code)]

use crate::activation::Activation;
use crate::backend::Backend;
use crate::init::{InitError, InitSpec};
use crate::network;
use crate::network::lsuv::{self, LsuvConfig};
pub use crate::network::{LayerStats, NetConfig};
pub use crate::stats::{ActStats, Histogram};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Largest batch × width the experiment accepts (2²⁶ floats = 256 MiB per buffer).
pub const MAX_ELEMENTS: usize = 1 << 26;
/// Largest total of the floats one experiment holds at once (4 GiB): see
/// [`ExperimentConfig::memory_floats`].
pub const MAX_WORKSPACE: usize = 1 << 30;
/// Most LSUV rescalings per layer (each is a forward pass of the layer).
pub const MAX_LSUV_ITER: u32 = 1000;
/// The smallest LSUV tolerance: the variance of f32 pre-activations is not
/// measured closer than this.
pub const MIN_LSUV_TOL: f64 = 1e-6;
/// Most histogram bins.
pub const MAX_BINS: usize = 1 << 20;

/// A validated experiment.
#[derive(Clone, Debug)]
pub struct ExperimentConfig {
    net: NetConfig,
    inits: Vec<InitSpec>,
    activations: Vec<Activation>,
    backend: Backend,
    lsuv: LsuvConfig,
}

/// A configuration value was invalid.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigError {
    /// A size was zero.
    Zero(&'static str),
    /// batch × width was too large.
    TooLarge {
        /// batch.
        batch: usize,
        /// width.
        width: usize,
    },
    /// So many layers (at this batch, width and grid) that the
    /// activations, weights and gradients would not fit [`MAX_WORKSPACE`].
    TooDeep {
        /// layers.
        layers: usize,
        /// The floats the run would hold (saturated at `u128::MAX`).
        floats: u128,
    },
    /// The LSUV tolerance is not finite or below [`MIN_LSUV_TOL`].
    LsuvTol(f64),
    /// More LSUV rescalings than [`MAX_LSUV_ITER`].
    LsuvIter(u32),
    /// A run's statistics left f32's range: the weights are too large for
    /// this network.
    Overflow {
        /// The initializer.
        init: String,
        /// The activation.
        activation: Activation,
        /// The first layer with a non-finite statistic.
        layer: usize,
    },
    /// Too many histogram bins.
    TooManyBins(usize),
    /// An initializer problem.
    Init(InitError),
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ConfigError::Zero(what) => write!(f, "{what} must be at least 1, got 0"),
            ConfigError::TooLarge { batch, width } => {
                write!(
                    f,
                    "batch × width = {batch} × {width} exceeds {MAX_ELEMENTS} values"
                )
            }
            ConfigError::TooDeep { layers, floats } => write!(
                f,
                "layers {layers} needs {:.1} GB of activations, weights and gradients at this batch, \
                 width and grid; the limit is {:.1} GB",
                *floats as f64 * 4e-9,
                MAX_WORKSPACE as f64 * 4e-9
            ),
            ConfigError::LsuvTol(t) => write!(
                f,
                "lsuv-tol must be a finite number ≥ {MIN_LSUV_TOL:e}, got {}",
                if *t == 0.0 || (1e-4..1e9).contains(&t.abs()) {
                    t.to_string()
                } else {
                    format!("{t:e}")
                }
            ),
            ConfigError::LsuvIter(n) => {
                write!(f, "lsuv-max-iter must be at most {MAX_LSUV_ITER}, got {n}")
            }
            ConfigError::Overflow {
                init,
                activation,
                layer,
            } => write!(
                f,
                "{init} + {}: the activations or gradients overflow f32 from layer {layer} \
                 (the weights are too large for this network); nothing is reported",
                activation.name()
            ),
            ConfigError::TooManyBins(b) => write!(f, "bins {b} exceeds {MAX_BINS}"),
            ConfigError::Init(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Init(e) => Some(e),
            _ => None,
        }
    }
}

impl From<InitError> for ConfigError {
    fn from(e: InitError) -> Self {
        ConfigError::Init(e)
    }
}

impl ExperimentConfig {
    /// Validates sizes once; every run can then assume them.
    pub fn new(
        net: NetConfig,
        inits: Vec<InitSpec>,
        activations: Vec<Activation>,
        backend: Backend,
    ) -> Result<Self, ConfigError> {
        for (v, name) in [
            (net.batch, "batch"),
            (net.width, "width"),
            (net.layers, "layers"),
            (net.bins, "bins"),
        ] {
            if v == 0 {
                return Err(ConfigError::Zero(name));
            }
        }
        if net
            .batch
            .checked_mul(net.width)
            .is_none_or(|e| e > MAX_ELEMENTS)
            || net.width * net.width > MAX_ELEMENTS
        {
            return Err(ConfigError::TooLarge {
                batch: net.batch,
                width: net.width,
            });
        }
        if net.bins > MAX_BINS {
            return Err(ConfigError::TooManyBins(net.bins));
        }
        let inits = if inits.is_empty() {
            InitSpec::default_grid()
        } else {
            inits
        };
        let activations = if activations.is_empty() {
            Activation::ALL.to_vec()
        } else {
            activations
        };
        let cfg = ExperimentConfig {
            net,
            inits,
            activations,
            backend,
            lsuv: LsuvConfig::default(),
        };
        let floats = cfg.memory_floats();
        if floats > MAX_WORKSPACE as u128 {
            return Err(ConfigError::TooDeep {
                layers: net.layers,
                floats,
            });
        }
        Ok(cfg)
    }

    /// The network and statistics settings.
    pub fn net(&self) -> &NetConfig {
        &self.net
    }

    /// The initializers, in order (the default grid when none was given).
    pub fn inits(&self) -> &[InitSpec] {
        &self.inits
    }

    /// The activations, in order (all three when none was given).
    pub fn activations(&self) -> &[Activation] {
        &self.activations
    }

    /// The backend of every run.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The same configuration with LSUV's tolerance and rescaling cap, checked.
    pub fn with_lsuv(mut self, tol: f64, max_iter: u32) -> Result<Self, ConfigError> {
        if !(tol.is_finite() && tol >= MIN_LSUV_TOL) {
            return Err(ConfigError::LsuvTol(tol));
        }
        if max_iter > MAX_LSUV_ITER {
            return Err(ConfigError::LsuvIter(max_iter));
        }
        self.lsuv = LsuvConfig { tol, max_iter };
        Ok(self)
    }

    /// The floats the experiment holds at its peak: the input; every
    /// element-wise initializer's weights (`layers · width²` each, drawn
    /// before the runs); and per worker thread the activation workspace
    /// (`(2·layers + 3) · batch · width`), the weight gradients
    /// (`layers · width²`) and, for LSUV, its own weights and two buffers.
    pub fn memory_floats(&self) -> u128 {
        let (b, w, l) = (
            self.net.batch as u128,
            self.net.width as u128,
            self.net.layers as u128,
        );
        let size = b * w;
        let weights = l * w * w;
        let shared = self
            .inits
            .iter()
            .filter(|s| matches!(s, InitSpec::Scheme(_)))
            .count() as u128;
        let lsuv = self.inits.contains(&InitSpec::Lsuv);
        let jobs = (self.inits.len() * self.activations.len()).max(1);
        let workers = rayon::current_num_threads().clamp(1, jobs) as u128;
        let per_worker = (2 * l + 3) * size + weights + if lsuv { weights + 2 * size } else { 0 };
        size + shared * weights + workers * per_worker
    }
}

/// One init × activation run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Initializer name.
    pub init: String,
    /// Activation.
    pub activation: Activation,
    /// A one-line verdict.
    pub verdict: String,
    /// Per-layer statistics.
    pub layers: Vec<LayerStats>,
}

/// The configuration as written to JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConfigOut {
    /// Network and statistics settings (flattened into the JSON object).
    #[serde(flatten)]
    pub net: NetConfig,
    /// `fast` or `naive` (the JSON's `path`).
    #[serde(rename = "path")]
    pub backend: Backend,
}

/// The whole experiment's output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Schema version (1).
    pub schema: u32,
    /// The configuration.
    pub config: ConfigOut,
    /// The runs, inits outer, activations inner.
    pub runs: Vec<Run>,
}

/// Runs the grid.
pub fn run(cfg: &ExperimentConfig) -> Result<Report, ConfigError> {
    let runs = run_with(cfg)?;
    Ok(Report {
        schema: 1,
        config: ConfigOut {
            net: cfg.net,
            backend: cfg.backend,
        },
        runs,
    })
}

/// Runs the grid with kernels `k`: the runs spread over the rayon pool (each is
/// deterministic on its own, and they are collected in grid order).
fn run_with(cfg: &ExperimentConfig) -> Result<Vec<Run>, ConfigError> {
    let k = cfg.backend;
    let x = network::input(&cfg.net, k);
    let shared: Vec<Option<network::Weights>> = cfg
        .inits
        .iter()
        .map(|spec| match spec {
            InitSpec::Scheme(init) => network::init_weights(&cfg.net, init, k).map(Some),
            InitSpec::Lsuv => Ok(None),
        })
        .collect::<Result<_, _>>()?;
    let jobs: Vec<(usize, Activation)> = (0..cfg.inits.len())
        .flat_map(|i| cfg.activations.iter().map(move |&a| (i, a)))
        .collect();
    jobs.par_iter()
        .map(|&(i, act)| {
            let lsuv_weights;
            let weights = match &shared[i] {
                Some(w) => w,
                None => {
                    lsuv_weights = lsuv::init(&cfg.net, act, cfg.lsuv, k)?;
                    &lsuv_weights
                }
            };
            let layers = network::run(&cfg.net, &x, weights, act, k);
            if let Some(bad) = layers.iter().find(|l| !l.is_finite()) {
                return Err(ConfigError::Overflow {
                    init: cfg.inits[i].name(),
                    activation: act,
                    layer: bad.layer,
                });
            }
            Ok(Run {
                init: cfg.inits[i].name(),
                activation: act,
                verdict: verdict(act, &layers),
                layers,
            })
        })
        .collect()
}

/// A one-line reading of a run, in the seed's terms: first the activations
/// (saturated, collapsed, shrinking or growing by a factor per layer outside
/// [0.8, 1.25]), then the gradients (vanishing or exploding when layer 1's
/// weight-gradient RMS is 10³ times below or above layer L's); "healthy" when
/// neither applies.
pub fn verdict(act: Activation, layers: &[LayerStats]) -> String {
    let (Some(first), Some(last)) = (layers.first(), layers.last()) else {
        return "no layers".into();
    };
    let depth = layers.len().saturating_sub(1).max(1) as f64;
    let per_layer = (last.activations.std / first.activations.std).powf(1.0 / depth);
    let mean_sat = layers
        .iter()
        .filter_map(|l| l.activations.saturation_fraction)
        .sum::<f64>()
        / layers.len() as f64;
    let centre = if last.activations.mean.abs() < 0.005 {
        0.0
    } else {
        last.activations.mean
    };
    let mut parts: Vec<String> = Vec::new();
    if matches!(act, Activation::Sigmoid | Activation::Tanh) && mean_sat > 0.3 {
        parts.push(format!(
            "saturated ({:.0}% of outputs within 0.01 of an asymptote)",
            100.0 * mean_sat
        ));
    } else if last.activations.std < 0.02 {
        parts.push(format!(
            "collapsed to {centre:.2} (layer-{} std {:.1e})",
            last.layer, last.activations.std
        ));
    } else if layers.len() > 1 && per_layer < 0.8 {
        parts.push(format!("shrinking (std ×{per_layer:.2} per layer)"));
    } else if layers.len() > 1 && per_layer > 1.25 {
        parts.push(format!("growing (std ×{per_layer:.2} per layer)"));
    }
    let grad_ratio = first.weight_grad_rms / last.weight_grad_rms;
    if grad_ratio < 1e-3 || first.weight_grad_rms < 1e-7 {
        if parts.is_empty() {
            parts.push("spread kept".into());
        }
        parts.push(format!(
            "vanishing gradient (layer-1 weight-grad RMS 10^{:.1}, 10^{:.1} of layer {})",
            first.weight_grad_rms.log10(),
            grad_ratio.log10(),
            last.layer
        ));
    } else if grad_ratio > 1e3 {
        if parts.is_empty() {
            parts.push("spread kept".into());
        }
        parts.push(format!(
            "exploding gradient (layer-1 weight-grad RMS 10^{:.1})",
            first.weight_grad_rms.log10()
        ));
    }
    if parts.is_empty() {
        "healthy".into()
    } else {
        parts.join("; ")
    }
}

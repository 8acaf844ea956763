//! The experiment against theory, the two paths against each other, thread determinism,
//! and a finite-difference check of the backward pass.
use crate::activation::Activation;
use crate::backend::Backend;
use crate::experiment::{self, ExperimentConfig};
use crate::init::Init;
use crate::init::InitSpec;
use crate::network::{self, LayerStats, NetConfig, Weights};

fn cfg(seed: u64) -> NetConfig {
    NetConfig {
        seed,
        ..NetConfig::default()
    }
}

fn layers(init: &str, act: Activation, net: &NetConfig, k: Backend) -> Vec<LayerStats> {
    let x = network::input(net, k);
    let w = network::init_weights(net, &Init::parse(init).unwrap(), k).unwrap();
    network::run(net, &x, &w, act, k)
}

/// Per-layer std averaged over `seeds` seeds (fast path).
fn mean_std_over_seeds(init: &str, act: Activation, seeds: u64) -> Vec<f64> {
    let mut acc = vec![0.0; 5];
    for s in 0..seeds {
        for (a, l) in acc
            .iter_mut()
            .zip(layers(init, act, &cfg(1000 + s), Backend::Fast))
        {
            *a += l.activations.std / seeds as f64;
        }
    }
    acc
}

#[test]
fn layer1_preactivation_variance_is_fan_in_times_weight_variance() {
    // Var(a₁) = fan_in · Var(w) · Var(x): with the realised Var(w) of the 10⁴ weights and
    // Var(x) ≈ 1 (10⁵ inputs), within 3%.
    for init in [
        "xavier_normal",
        "he_uniform",
        "lecun_truncated_normal",
        "normal:1",
    ] {
        let l = &layers(init, Activation::Tanh, &cfg(1), Backend::Fast)[0];
        let want = 100.0 * l.weight_std.powi(2);
        assert!(
            (l.preact_std.powi(2) / want - 1.0).abs() < 0.03,
            "{init}: {} vs {want}",
            l.preact_std.powi(2)
        );
    }
}

#[test]
fn std1_sigmoid_saturates() {
    // Layer-1 std ≈ 0.46 and ≥ 60% of values within 0.05 of 0 or 1 (20 bins of width 0.05).
    let net = NetConfig { bins: 20, ..cfg(1) };
    let ls = layers("normal:1", Activation::Sigmoid, &net, Backend::Fast);
    assert!(
        (ls[0].activations.std - 0.46).abs() < 0.02,
        "{}",
        ls[0].activations.std
    );
    for l in &ls {
        let h = &l.activations.histogram;
        let edge = (h.counts[0] + h.counts[19]) as f64 / 100_000.0;
        assert!(edge >= 0.6, "layer {}: {edge}", l.layer);
    }
}

#[test]
fn small_normal_sigmoid_collapses_and_gradients_vanish() {
    let ls = layers("normal:0.01", Activation::Sigmoid, &cfg(1), Backend::Fast);
    for l in &ls {
        assert!(
            l.activations.std < 0.03,
            "layer {} std {}",
            l.layer,
            l.activations.std
        );
        assert!(
            (l.activations.mean - 0.5).abs() < 0.005,
            "layer {} mean {}",
            l.layer,
            l.activations.mean
        );
    }
    assert!(
        ls[0].weight_grad_rms * 1e3 < ls[4].weight_grad_rms,
        "{} vs {}",
        ls[0].weight_grad_rms,
        ls[4].weight_grad_rms
    );
}

#[test]
fn he_relu_keeps_std_near_0_83() {
    // Averaged over 32 seeds. A single seed's layer-5 std has sd ≈ 0.12 here, so the
    // mean of 32 has sd ≈ 0.021; the tolerance 0.07 is 3.3 of those.
    for (l, s) in mean_std_over_seeds("he_normal", Activation::Relu, 32)
        .iter()
        .enumerate()
    {
        assert!((s - 0.83).abs() < 0.07, "layer {}: {s}", l + 1);
    }
}

#[test]
fn xavier_relu_decays_by_0_7_per_layer() {
    let s = mean_std_over_seeds("xavier_normal", Activation::Relu, 32);
    let r = (s[4] / s[0]).powf(0.25);
    assert!((r - 0.707).abs() < 0.04, "{s:?}: ratio {r}");
}

#[test]
fn xavier_tanh_decays_from_0_63_to_0_32() {
    let s = mean_std_over_seeds("xavier_normal", Activation::Tanh, 32);
    assert!(
        (s[0] - 0.63).abs() < 0.03 && (s[4] - 0.32).abs() < 0.04,
        "{s:?}"
    );
    assert!(s.windows(2).all(|w| w[1] < w[0]));
}

fn tv(a: &LayerStats, b: &LayerStats) -> f64 {
    let tot = |l: &LayerStats| {
        (l.activations.histogram.counts.iter().sum::<u64>()
            + l.activations.histogram.below
            + l.activations.histogram.above) as f64
    };
    let (ta, tb) = (tot(a), tot(b));
    let mut d: f64 = a
        .activations
        .histogram
        .counts
        .iter()
        .zip(&b.activations.histogram.counts)
        .map(|(&x, &y)| (x as f64 / ta - y as f64 / tb).abs())
        .sum();
    d += (a.activations.histogram.below as f64 / ta - b.activations.histogram.below as f64 / tb)
        .abs();
    d += (a.activations.histogram.above as f64 / ta - b.activations.histogram.above as f64 / tb)
        .abs();
    d / 2.0
}

#[test]
fn fast_and_naive_kernels_agree_on_the_same_weights() {
    // Same X and W through both kernel sets: differences are rounding only.
    let net = cfg(3);
    let x = network::input(&net, Backend::Fast);
    for init in InitSpec::default_grid() {
        let InitSpec::Scheme(init) = init else {
            unreachable!()
        };
        let w = network::init_weights(&net, &init, Backend::Fast).unwrap();
        for act in Activation::ALL {
            let f = network::run(&net, &x, &w, act, Backend::Fast);
            let n = network::run(&net, &x, &w, act, Backend::Naive);
            for (a, b) in f.iter().zip(&n) {
                let close = |p: f64, q: f64| {
                    (p - q).abs() <= 1e-3 * q.abs().max(1e-30) + 1e-6 * b.activations.std
                };
                assert!(
                    close(a.activations.mean, b.activations.mean)
                        && close(a.activations.std, b.activations.std),
                    "{} {} layer {}: {a:?} vs {b:?}",
                    init.name,
                    act.name(),
                    a.layer
                );
                assert!(
                    close(a.grad_rms, b.grad_rms) && close(a.weight_grad_rms, b.weight_grad_rms),
                    "{} {} layer {}",
                    init.name,
                    act.name(),
                    a.layer
                );
                assert!(
                    tv(a, b) < 0.002,
                    "{} {} layer {}: TV {}",
                    init.name,
                    act.name(),
                    a.layer,
                    tv(a, b)
                );
            }
        }
    }
}

/// Per seed, run and layer: (mean, std, normalised histogram with below/above).
type Layerwise = (f64, f64, Vec<f64>);
type Seeded = Vec<Vec<Vec<Layerwise>>>;

fn per_seed(backend: Backend, seeds: std::ops::Range<u64>) -> Seeded {
    seeds
        .map(|seed| {
            let r = experiment::run(
                &ExperimentConfig::new(cfg(seed), vec![], vec![], backend).unwrap(),
            )
            .unwrap();
            r.runs
                .iter()
                .map(|run| {
                    run.layers
                        .iter()
                        .map(|l| {
                            let h = &l.activations.histogram;
                            let tot = (h.counts.iter().sum::<u64>() + h.below + h.above) as f64;
                            (
                                l.activations.mean,
                                l.activations.std,
                                h.counts
                                    .iter()
                                    .chain([h.below, h.above].iter())
                                    .map(|&v| v as f64 / tot)
                                    .collect(),
                            )
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// Mean and standard error over seeds of `f` at (run, layer).
fn mean_se(
    s: &Seeded,
    run: usize,
    layer: usize,
    f: impl Fn(&(f64, f64, Vec<f64>)) -> f64,
) -> (f64, f64) {
    let v: Vec<f64> = s.iter().map(|x| f(&x[run][layer])).collect();
    let k = v.len() as f64;
    let m = v.iter().sum::<f64>() / k;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (k - 1.0);
    (m, (var / k).sqrt())
}

fn avg_hist(s: &[Vec<Vec<Layerwise>>], run: usize, layer: usize) -> Vec<f64> {
    let mut h = vec![0.0; s[0][run][layer].2.len()];
    for x in s {
        for (a, b) in h.iter_mut().zip(&x[run][layer].2) {
            *a += b / s.len() as f64;
        }
    }
    h
}

fn tv_of(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| (p - q).abs()).sum::<f64>() / 2.0
}

#[test]
fn fast_and_naive_paths_agree_within_sampling_noise() {
    // Different random streams, 6 seeds per path; the weight draw dominates the noise.
    // * mean and std of each layer: a two-sample z-test, |Δ| < 4.5 standard errors
    //   (estimated from the seeds; 360 comparisons, family-wise α ≈ 0.2%);
    // * histograms averaged over the seeds: the TV distance between the paths is at most
    //   0.02 plus twice the TV distance between two halves of the fast path's own seeds
    //   (the noise scale of an average of 3 seeds).
    let f = per_seed(Backend::Fast, 100..106);
    let n = per_seed(Backend::Naive, 200..206);
    let r = experiment::run(&ExperimentConfig::new(cfg(1), vec![], vec![], Backend::Fast).unwrap())
        .unwrap();
    assert_eq!(r.runs.len(), 24);
    for (ri, run) in r.runs.iter().enumerate() {
        for li in 0..run.layers.len() {
            let ctx = format!("{} {} layer {}", run.init, run.activation.name(), li + 1);
            for (what, g) in [
                (
                    "mean",
                    (|x: &(f64, f64, Vec<f64>)| x.0) as fn(&(f64, f64, Vec<f64>)) -> f64,
                ),
                ("log std", |x| x.1.ln()),
            ] {
                let (a, sa) = mean_se(&f, ri, li, g);
                let (b, sb) = mean_se(&n, ri, li, g);
                let se = (sa * sa + sb * sb).sqrt();
                assert!(
                    (a - b).abs() <= 4.5 * se + 1e-9,
                    "{ctx}: {what} {a} vs {b} (se {se})"
                );
            }
            let between = tv_of(&avg_hist(&f, ri, li), &avg_hist(&n, ri, li));
            let within = tv_of(&avg_hist(&f[..3], ri, li), &avg_hist(&f[3..], ri, li));
            assert!(
                between <= 0.02 + 2.0 * within,
                "{ctx}: TV {between} (within-path {within})"
            );
        }
    }
}

#[test]
fn identical_bytes_for_1_and_n_threads() {
    let ecfg = ExperimentConfig::new(cfg(5), InitSpec::all(), vec![], Backend::Fast).unwrap();
    let run = |t: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .unwrap();
        serde_json::to_string(&pool.install(|| experiment::run(&ecfg).unwrap())).unwrap()
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(3));
}

/// L = (1/batch)·Σ h_L in f64, straight from the definition.
fn loss(x: &[f64], ws: &[Vec<f64>], batch: usize, width: usize, act: Activation) -> f64 {
    let f = |v: f64| match act {
        Activation::Sigmoid => 1.0 / (1.0 + (-v).exp()),
        Activation::Tanh => v.tanh(),
        Activation::Relu => v.max(0.0),
    };
    let mut h = x.to_vec();
    for w in ws {
        let mut a = vec![0.0; batch * width];
        for i in 0..batch {
            for j in 0..width {
                a[i * width + j] = (0..width)
                    .map(|p| h[i * width + p] * w[p * width + j])
                    .sum();
            }
        }
        h = a.into_iter().map(f).collect();
    }
    h.iter().sum::<f64>() / batch as f64
}

#[test]
fn backward_matches_finite_differences() {
    // batch 3, width 4, 3 layers: central differences (ε = 1e-4, in f64) against ∂L/∂W.
    let net = NetConfig {
        batch: 3,
        width: 4,
        layers: 3,
        bins: 10,
        seed: 9,
    };
    for act in Activation::ALL {
        let x = network::input(&net, Backend::Naive);
        let w: Weights = network::init_weights(
            &net,
            &Init::parse("xavier_normal")
                .unwrap()
                .with_gain(crate::init::Gain(1.5)),
            Backend::Naive,
        )
        .unwrap();
        let xf: Vec<f64> = x.iter().map(|&v| v as f64).collect();
        let wf: Vec<Vec<f64>> =
            w.w.iter()
                .map(|l| l.iter().map(|&v| v as f64).collect())
                .collect();
        let (_, g_naive) = network::forward_backward(&net, &x, &w, act, Backend::Naive);
        let (_, g_fast) = network::forward_backward(&net, &x, &w, act, Backend::Fast);
        for l in 0..net.layers {
            for e in 0..16 {
                let eps = 1e-4;
                let mut plus = wf.clone();
                plus[l][e] += eps;
                let mut minus = wf.clone();
                minus[l][e] -= eps;
                let fd = (loss(&xf, &plus, 3, 4, act) - loss(&xf, &minus, 3, 4, act)) / (2.0 * eps);
                for (name, g) in [("naive", &g_naive), ("fast", &g_fast)] {
                    let got = g[l][e] as f64;
                    assert!(
                        (got - fd).abs() < 1e-4 + 1e-3 * fd.abs(),
                        "{} {name} layer {} w[{e}]: {got} vs {fd}",
                        act.name(),
                        l + 1
                    );
                }
            }
        }
    }
}

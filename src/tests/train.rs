//! Training: gradients against finite differences, the fast path against the
//! naive one, thread-count determinism, Saito's outcome over seeds, the
//! embedded digits and MNIST's IDX files.
use crate::activation::Activation;
use crate::backend::Backend;
use crate::data::idx::{self, IdxError};
use crate::data::{self, Dataset, Split};
use crate::init::InitSpec;
use crate::train::mlp::{Mlp, Workspace};
use crate::train::{self, TrainConfig, TrainRun};
use std::io::Write;
use std::num::NonZeroU8;
use std::sync::atomic::AtomicUsize;

fn specs(names: &[&str]) -> Vec<InitSpec> {
    names.iter().map(|n| InitSpec::parse(n).unwrap()).collect()
}

fn run(cfg: &TrainConfig, names: &[&str], fast: bool) -> Vec<TrainRun> {
    let split = data::digits();
    let done = AtomicUsize::new(0);
    if fast {
        train::train(cfg, &specs(names), &split, Backend::Fast, &done).unwrap()
    } else {
        train::train(cfg, &specs(names), &split, Backend::Naive, &done).unwrap()
    }
}

#[test]
fn the_embedded_digits_are_scikit_learns() {
    let d = data::digits();
    assert_eq!((d.train.len(), d.test.len()), (1437, 360));
    assert_eq!((d.train.features, d.train.classes), (64, 10));
    // The file's first row: 0,0,5,13,9,1,0,0,… label 0; its last label is 8.
    assert_eq!(
        &d.train.rows(0..1)[..4],
        &[0.0, 0.0, 5.0 / 16.0, 13.0 / 16.0]
    );
    assert_eq!(d.train.y[0], 0);
    assert_eq!(*d.test.y.last().unwrap(), 8);
    let mut counts = [0usize; 10];
    d.train
        .y
        .iter()
        .chain(&d.test.y)
        .for_each(|&y| counts[y as usize] += 1);
    assert!(
        counts.iter().all(|&c| (174..=183).contains(&c)),
        "{counts:?}"
    );
    assert_eq!(d.train.white.get(), 16);
    assert!(d.train.pixels.iter().all(|&p| p <= 16));
    let x = d.train.rows(0..d.train.len());
    assert!(x.iter().all(|&v| (0.0..=1.0).contains(&v)));
}

/// A small network with random parameters, and a batch.
fn small() -> (Mlp, Vec<f32>, Vec<u8>) {
    let sizes = [7, 6, 5, 4];
    let mut net = Mlp::zeros(&sizes);
    let mut s = 12345u64;
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    };
    for p in net.w.iter_mut().chain(net.b.iter_mut()) {
        p.iter_mut().for_each(|v| *v = 0.8 * next());
    }
    let x: Vec<f32> = (0..5 * 7).map(|_| next()).collect();
    let y = vec![0, 3, 1, 2, 3];
    (net, x, y)
}

#[test]
fn a_step_is_the_gradients_then_sgd() {
    // `step` updates W inside the ∂W product (α = −η, β = 1) and gathers its rows
    // itself; it must give what `gradients` then `θ ← θ − η·∂θ` give. The same
    // bytes: the store computes (−η·∂W) + W, the SGD pass W − η·∂W, and with a
    // batch within one KC slab ∂W is summed in one piece either way. Both
    // backends, three activations, two steps on one workspace.
    let (net0, x, y) = small();
    // The batch's features as 8-bit pixels, as a data set holds them.
    let data = Dataset {
        pixels: x.iter().map(|v| ((v + 1.0) * 127.5) as u8).collect(),
        white: NonZeroU8::MAX,
        y: y.clone(),
        features: 7,
        classes: 4,
    };
    let rows: Vec<u32> = vec![4, 0, 2, 1, 3];
    let lr = 0.3;
    for k in [Backend::Naive, Backend::Fast] {
        for act in [Activation::Tanh, Activation::Sigmoid, Activation::Relu] {
            let (mut stepped, mut by_hand) = (net0.clone(), net0.clone());
            let mut ws = Workspace::default();
            for _ in 0..2 {
                let loss = stepped.step(&data, &rows, lr, act, k, &mut ws);
                let xs: Vec<f32> = rows
                    .iter()
                    .flat_map(|&r| data.rows(r as usize..r as usize + 1))
                    .collect();
                let ys: Vec<u8> = rows.iter().map(|&r| y[r as usize]).collect();
                let mut g = by_hand.zero_grads();
                let want = by_hand.gradients(&xs, &ys, act, k, &mut Workspace::default(), &mut g);
                for (p, gp) in by_hand
                    .w
                    .iter_mut()
                    .chain(by_hand.b.iter_mut())
                    .zip(g.w.iter().chain(&g.b))
                {
                    p.iter_mut().zip(gp).for_each(|(v, d)| *v -= lr * d);
                }
                assert_eq!(loss.to_bits(), want.to_bits(), "{k:?} {}", act.name());
                assert!(
                    stepped == by_hand,
                    "{k:?} {}: the step's weights differ",
                    act.name()
                );
            }
        }
    }
}

#[test]
fn backward_matches_finite_differences() {
    // Every weight and bias of a 7-6-5-4 network, batch 5, with tanh, sigmoid and ReLU
    // (whose pre-activations here stay clear of the kink under a step of h): central
    // differences with h = 1e-2 on the f32 loss. |analytic − numeric| ≤
    // 1e-4·max(1, |numeric|): truncation O(h²) and f32 rounding ~1e-7/h (8e-6 when
    // this was written); a wrong term gives O(1).
    for act in [Activation::Tanh, Activation::Sigmoid, Activation::Relu] {
        let (net, x, y) = small();
        let mut g = net.zero_grads();
        net.gradients(
            &x,
            &y,
            act,
            Backend::Naive,
            &mut Workspace::default(),
            &mut g,
        );
        // The fast path's gradients agree with these within 1e-5 (relative to max(1, |g|)).
        let mut gf = net.zero_grads();
        net.gradients(
            &x,
            &y,
            act,
            Backend::Fast,
            &mut Workspace::default(),
            &mut gf,
        );
        let pairs = g.w.iter().chain(&g.b).zip(gf.w.iter().chain(&gf.b));
        for (a, b) in pairs.flat_map(|(a, b)| a.iter().zip(b)) {
            assert!(
                (a - b).abs() <= 1e-5 * a.abs().max(1.0),
                "{}: {a} vs {b}",
                act.name()
            );
        }
        let mut worst = 0f32;
        let h = 1e-2f32;
        for l in 0..net.layers() {
            for which in 0..2 {
                let n = if which == 0 {
                    net.w[l].len()
                } else {
                    net.b[l].len()
                };
                for i in 0..n {
                    let at = |d: f32| {
                        let mut m = net.clone();
                        if which == 0 {
                            m.w[l][i] += d;
                        } else {
                            m.b[l][i] += d;
                        }
                        m.loss(&x, &y, act, Backend::Naive)
                    };
                    let numeric = (at(h) - at(-h)) / (2.0 * h);
                    let analytic = if which == 0 { g.w[l][i] } else { g.b[l][i] };
                    let err = (analytic - numeric).abs() / numeric.abs().max(1.0);
                    worst = worst.max(err);
                }
            }
        }
        eprintln!("{}: worst gradient error {worst:.2e}", act.name());
        assert!(worst <= 1e-4, "{}: gradient error {worst}", act.name());
    }
}

#[test]
fn the_fast_path_reproduces_the_naive_loss_curve() {
    // 300 steps of the default protocol, He and LeCun: every batch loss within 1e-3
    // (absolute; losses run from 2.3 down to ~0.5) of the naive path's. The two
    // differ only in summation order and exp's last bits, and SGD carries those
    // differences forward (1.6e-4 at step 300 when this was written).
    let cfg = TrainConfig {
        steps: 300,
        ..TrainConfig::default()
    };
    let names = ["he_normal", "lecun_normal"];
    let (fast, naive) = (run(&cfg, &names, true), run(&cfg, &names, false));
    for (f, n) in fast.iter().zip(&naive) {
        let worst = f
            .loss
            .iter()
            .zip(&n.loss)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        eprintln!("{}: worst |fast − naive| {worst:.2e}", f.init);
        assert!(worst <= 1e-3, "{}: {worst}", f.init);
        assert!((f.test_accuracy - n.test_accuracy).abs() <= 1.0 / 360.0 + 1e-9);
    }
}

#[test]
fn curves_are_identical_for_one_and_two_threads() {
    let cfg = TrainConfig {
        steps: 200,
        ..TrainConfig::default()
    };
    let names = ["he_normal", "normal:0.01", "lsuv"];
    let on = |t| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .unwrap()
            .install(|| run(&cfg, &names, true))
    };
    assert_eq!(on(1), on(2));
}

#[test]
fn saito_6_2_4_std_001_does_not_learn_and_he_learns_fastest() {
    // The default protocol (2000 steps) at 3 seeds. Final loss = mean of the last 100
    // batch losses, averaged over the seeds: std = 0.01 stays within 0.02 of ln 10;
    // He ends below LeCun (Saito's "Xavier"), and both learn (below 1.0).
    let names = ["normal:0.01", "lecun_normal", "he_normal"];
    let mut fin = [0f64; 3];
    let seeds = [1u64, 2, 3];
    for seed in seeds {
        let cfg = TrainConfig {
            seed,
            ..TrainConfig::default()
        };
        for (f, r) in fin.iter_mut().zip(run(&cfg, &names, true)) {
            *f += r.final_loss().expect("no run diverges") / seeds.len() as f64;
        }
    }
    eprintln!("final losses: {fin:?}");
    assert!((fin[0] - 10f64.ln()).abs() < 0.02, "std 0.01: {}", fin[0]);
    assert!(fin[1] < 1.0 && fin[2] < 1.0, "{fin:?}");
    assert!(fin[2] < fin[1], "He {} vs LeCun {}", fin[2], fin[1]);
}

#[test]
fn bad_settings_are_named() {
    let d = data::digits();
    let done = AtomicUsize::new(0);
    let specs = specs(&["he_normal"]);
    for (cfg, want) in [
        (
            TrainConfig {
                steps: 0,
                ..TrainConfig::default()
            },
            "steps",
        ),
        (
            TrainConfig {
                batch: 0,
                ..TrainConfig::default()
            },
            "batch",
        ),
        (
            TrainConfig {
                lr: f32::NAN,
                ..TrainConfig::default()
            },
            "NaN",
        ),
    ] {
        let e = train::train(&cfg, &specs, &d, Backend::Fast, &done).unwrap_err();
        assert!(e.to_string().contains(want), "{e}");
    }
    let empty = Split {
        name: "x".into(),
        train: Dataset {
            pixels: vec![],
            white: NonZeroU8::MAX,
            y: vec![],
            features: 64,
            classes: 10,
        },
        test: d.test.clone(),
    };
    let e = train::train(
        &TrainConfig::default(),
        &specs,
        &empty,
        Backend::Fast,
        &done,
    )
    .unwrap_err();
    assert!(e.to_string().contains("training"), "{e}");
}

/// An IDX file of unsigned bytes.
pub fn idx_bytes(dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 0, 8, dims.len() as u8];
    for d in dims {
        v.extend(d.to_be_bytes());
    }
    v.extend(data);
    v
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A tiny MNIST in `dir`: 3 training and 2 test images of 2×2 pixels; the test
/// files gzipped.
fn write_mnist(dir: &std::path::Path) {
    std::fs::create_dir_all(dir).unwrap();
    let w = |n: &str, b: Vec<u8>| std::fs::write(dir.join(n), b).unwrap();
    w(
        "train-images-idx3-ubyte",
        idx_bytes(&[3, 2, 2], &[0, 255, 51, 102, 1, 2, 3, 4, 9, 9, 9, 9]),
    );
    w("train-labels-idx1-ubyte", idx_bytes(&[3], &[7, 0, 9]));
    w(
        "t10k-images-idx3-ubyte.gz",
        gz(&idx_bytes(&[2, 2, 2], &[5, 6, 7, 8, 0, 0, 0, 255])),
    );
    w("t10k-labels-idx1-ubyte.gz", gz(&idx_bytes(&[2], &[3, 4])));
}

/// A new private directory of a random name (the tests remove it).
fn scratch(name: &str) -> std::path::PathBuf {
    tempfile::Builder::new()
        .prefix(&format!("weightinit-train-{name}-"))
        .tempdir()
        .expect("a scratch directory")
        .keep()
}

#[test]
fn mnist_idx_files_load_plain_and_gzipped() {
    let dir = scratch("ok");
    write_mnist(&dir);
    let s = idx::load_mnist(&dir).unwrap();
    assert_eq!((s.train.len(), s.test.len(), s.train.features), (3, 2, 4));
    assert_eq!(s.train.y, vec![7, 0, 9]);
    assert_eq!(s.test.y, vec![3, 4]);
    assert_eq!(&s.train.rows(0..1), &[0.0, 1.0, 0.2, 0.4]);
    assert_eq!(s.test.rows(0..2)[7], 1.0);
    assert_eq!((s.train.white.get(), s.test.pixels[7]), (255, 255));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_idx_files_are_named() {
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("magic", vec![0, 0, 9, 3, 0, 0, 0, 1], "not an IDX file"),
        ("short header", vec![0, 0, 8, 3, 0, 0], "truncated"),
        ("truncated", idx_bytes(&[3, 2, 2], &[1, 2, 3]), "truncated"),
        ("zero dim", idx_bytes(&[3, 0, 2], &[]), "dimension 2 is 0"),
    ];
    for (what, bytes, want) in cases {
        let dir = scratch(what.replace(' ', "_").as_str());
        write_mnist(&dir);
        std::fs::write(dir.join("train-images-idx3-ubyte"), bytes).unwrap();
        let e = idx::load_mnist(&dir).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains(want) && msg.contains("train-images"),
            "{what}: {msg}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
    // A label beyond 9, and counts that differ.
    let dir = scratch("labels");
    write_mnist(&dir);
    std::fs::write(
        dir.join("train-labels-idx1-ubyte"),
        idx_bytes(&[3], &[1, 10, 2]),
    )
    .unwrap();
    let e = idx::load_mnist(&dir).unwrap_err();
    assert!(
        matches!(
            e,
            IdxError::Label {
                index: 1,
                value: 10,
                ..
            }
        ),
        "{e}"
    );
    std::fs::write(
        dir.join("train-labels-idx1-ubyte"),
        idx_bytes(&[2], &[1, 2]),
    )
    .unwrap();
    assert!(
        idx::load_mnist(&dir)
            .unwrap_err()
            .to_string()
            .contains("2 labels for 3 images")
    );
    write_mnist(&dir);
    std::fs::remove_file(dir.join("t10k-labels-idx1-ubyte.gz")).unwrap();
    let e = idx::load_mnist(&dir).unwrap_err();
    assert!(e.to_string().contains("t10k-labels-idx1-ubyte"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_tiny_mnist_trains_end_to_end() {
    let dir = scratch("tiny");
    write_mnist(&dir);
    let s = idx::load_mnist(&dir).unwrap();
    let cfg = TrainConfig {
        steps: 20,
        batch: 4,
        ..TrainConfig::default()
    };
    let done = AtomicUsize::new(0);
    let r = train::train(&cfg, &specs(&["he_normal"]), &s, Backend::Fast, &done).unwrap();
    assert_eq!(r[0].loss.len(), 20);
    assert!(r[0].loss.iter().all(|l| l.is_finite()));
    assert_eq!(done.into_inner(), 20);
    std::fs::remove_dir_all(&dir).unwrap();
}

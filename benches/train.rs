//! Training (Saito §6.2.4): one He-normal run of the default protocol
//! (4 hidden layers of 100 ReLU units, batch 128, SGD 0.01), weights, steps
//! and the final accuracies included.
//!
//! - `train/{naive,fast}/digits`: the embedded digits, 64-100-100-100-100-10.
//! - `train/fast/fashion`: Saito's exact shape on Fashion-MNIST's 28×28
//!   images, 784-100-100-100-100-10, on its first [`FASHION_TRAIN`] training
//!   and [`FASHION_TEST`] test rows (so that the accuracies at the end, which
//!   a whole run pays once, stay small beside the steps). It is left out,
//!   with a message, where the data set is not installed (`dataset-fashion-mnist`).
//!
//! Each iteration runs the first [`STEPS`] of the 2000 steps: a naive step
//! takes about 10 ms, so the whole run (20 s) times 10 samples would add over
//! three minutes to `cargo bench`. Every step does the same work, so the
//! ratio of the two is the ratio of whole runs. The throughput is the GEMMs'
//! FLOP per iteration (`train::step_flop` per step, `train::forward_flop` for
//! the accuracies), so that reports show GFLOP/s.
use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use std::hint::black_box;
use std::sync::atomic::AtomicUsize;
use weightinit::Backend;
use weightinit::data;
use weightinit::init::InitSpec;
use weightinit::train::{self, TrainConfig};

/// Steps per iteration.
const STEPS: usize = 200;
/// Fashion-MNIST training rows the batches are drawn from.
const FASHION_TRAIN: usize = 10_000;
/// Fashion-MNIST test rows.
const FASHION_TEST: usize = 1_000;

fn config() -> TrainConfig {
    TrainConfig {
        steps: STEPS,
        ..TrainConfig::default()
    }
}

fn run(split: &data::Split, k: Backend) -> f64 {
    let spec = [InitSpec::parse("he_normal").unwrap()];
    let done = AtomicUsize::new(0);
    train::train(&config(), &spec, split, k, &done).unwrap()[0].test_accuracy
}

/// FLOP of one iteration on `split`.
fn flop(split: &data::Split) -> u64 {
    let cfg = config();
    let sizes = cfg.sizes(&split.train);
    STEPS as u64 * train::step_flop(&sizes, cfg.batch)
        + train::forward_flop(&sizes, split.train.len() + split.test.len())
}

fn training(c: &mut Criterion) {
    let digits = data::digits();
    let mut g = c.benchmark_group("train");
    g.sample_size(10).sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(flop(&digits)));
    g.bench_function(BenchmarkId::new("naive", "digits"), |b| {
        b.iter(|| black_box(run(&digits, Backend::Naive)))
    });
    g.bench_function(BenchmarkId::new("fast", "digits"), |b| {
        b.iter(|| black_box(run(&digits, Backend::Fast)))
    });
    match data::open("fashion-mnist") {
        Ok(all) => {
            let fashion = data::Split {
                name: all.name,
                train: all.train.slice(0..FASHION_TRAIN.min(all.train.len())),
                test: all.test.slice(0..FASHION_TEST.min(all.test.len())),
            };
            g.throughput(Throughput::Elements(flop(&fashion)));
            g.bench_function(BenchmarkId::new("fast", "fashion"), |b| {
                b.iter(|| black_box(run(&fashion, Backend::Fast)))
            });
        }
        Err(e) => eprintln!("train/fast/fashion left out: {e}"),
    }
    g.finish();
}

mod common;

criterion_group! {
    name = benches;
    config = common::config();
    targets = training
}
criterion_main!(benches);

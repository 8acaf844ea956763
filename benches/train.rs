//! Training (Saito §6.2.4): `train/{naive,fast}/digits`, one He-normal run of
//! the default protocol on the embedded digits (64-100-100-100-100-10 ReLU,
//! batch 128, SGD 0.01), weights, steps and the final accuracies included.
//!
//! Each iteration runs the first [`STEPS`] of the 2000 steps: a naive step
//! takes about 10 ms, so the whole run (20 s) times 10 samples would add over
//! three minutes to `cargo bench`. Every step does the same work, so the
//! ratio of the two is the ratio of whole runs; the throughput is in steps.
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

fn run(split: &data::Split, k: Backend) -> f64 {
    let cfg = TrainConfig {
        steps: STEPS,
        ..TrainConfig::default()
    };
    let spec = [InitSpec::parse("he_normal").unwrap()];
    let done = AtomicUsize::new(0);
    train::train(&cfg, &spec, split, k, &done).unwrap()[0].test_accuracy
}

fn training(c: &mut Criterion) {
    let split = data::digits();
    let mut g = c.benchmark_group("train");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Elements(STEPS as u64));
    g.bench_function(BenchmarkId::new("naive", "digits"), |b| {
        b.iter(|| black_box(run(&split, Backend::Naive)))
    });
    g.bench_function(BenchmarkId::new("fast", "digits"), |b| {
        b.iter(|| black_box(run(&split, Backend::Fast)))
    });
    g.finish();
}

mod common;

criterion_group! {
    name = benches;
    config = common::config();
    targets = training
}
criterion_main!(benches);

//! Whole experiments and layer-level pieces:
//! * `experiment/{naive,fast}/1000x100x5`: init, forward, backward and statistics,
//!   he_normal + relu;
//! * `experiment_grid/{naive,fast}/24`: the default grid;
//! * `layer/{fused,unfused}/1000x100`: one layer's epilogue (activation, derivative,
//!   statistics) in one pass or three, on a fresh copy of the pre-activations
//!   (`iter_batched`, so the copy is not timed);
//! * `orthogonal/{qr,qr_naive}/{100,1024}`: Householder orthogonal initialization,
//!   blocked on the GEMM against the unblocked reference.
use criterion::{
    BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use std::hint::black_box;
use weightinit::activation::Activation;
use weightinit::experiment::{self, ExperimentConfig};
use weightinit::init::Init;
use weightinit::network::{self, Fast, Kernels, Naive, NetConfig, epilogue, stats_for};
use weightinit::rng::StreamKey;
use weightinit::sample::{Dist, Normal, Path};

fn one_run<K: Kernels>(k: &K) -> f64 {
    let net = NetConfig::default();
    let x = network::input(&net, k);
    let w = network::init_weights(&net, &Init::parse("he_normal").unwrap(), k).unwrap();
    network::run(&net, &x, &w, Activation::Relu, k)[4]
        .activations
        .std
}

fn experiments(c: &mut Criterion) {
    let mut g = c.benchmark_group("experiment");
    g.sample_size(10).sampling_mode(SamplingMode::Flat);
    g.bench_function(BenchmarkId::new("naive", "1000x100x5"), |b| {
        b.iter(|| black_box(one_run(&Naive)))
    });
    g.bench_function(BenchmarkId::new("fast", "1000x100x5"), |b| {
        b.iter(|| black_box(one_run(&Fast)))
    });
    g.finish();
    let mut g = c.benchmark_group("experiment_grid");
    g.sample_size(10).sampling_mode(SamplingMode::Flat);
    for (name, naive) in [("naive", true), ("fast", false)] {
        let cfg = ExperimentConfig::new(NetConfig::default(), vec![], vec![], naive).unwrap();
        g.bench_function(BenchmarkId::new(name, "24"), |b| {
            b.iter(|| black_box(experiment::run(&cfg).unwrap()))
        });
    }
    g.finish();
}

fn fusion(c: &mut Criterion) {
    let mut g = c.benchmark_group("layer");
    let n = 1000 * 100;
    let mut a = vec![0f32; n];
    Dist::Normal(Normal::new(0.0, 1.4).unwrap()).fill(StreamKey::new(1, 0), &mut a, Path::Simd);
    g.throughput(Throughput::Elements(n as u64));
    type F = fn(Activation, &mut [f32], &mut [f32], &mut weightinit::stats::StatsAcc);
    let impls: [(&str, F); 3] = [
        ("fused", epilogue::fused),
        ("unfused", epilogue::unfused),
        ("naive", epilogue::naive),
    ];
    for (name, f) in impls {
        g.bench_function(BenchmarkId::new(name, "1000x100"), |b| {
            b.iter_batched(
                || (a.clone(), vec![0f32; n], stats_for(Activation::Sigmoid, 30)),
                |(mut x, mut d, mut acc)| {
                    f(Activation::Sigmoid, &mut x, &mut d, &mut acc);
                    black_box((x, d, acc.count()))
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

fn orthogonal(c: &mut Criterion) {
    let mut g = c.benchmark_group("orthogonal");
    g.sample_size(10).sampling_mode(SamplingMode::Flat);
    for n in [100usize, 1024] {
        // Householder QR plus forming Q: about 4n³ − 4n³/3 = (8/3)n³ FLOP.
        g.throughput(Throughput::Elements((8 * n * n * n / 3) as u64));
        let init = Init::parse("orthogonal").unwrap();
        let fans = weightinit::init::Fans::dense(n, n).unwrap();
        let mut w = vec![0f32; n * n];
        // `qr`: SIMD sampler + compact-WY blocked QR on the GEMM (the fast path);
        // `qr_naive`: rand_distr + the unblocked f64 reference.
        for (id, path) in [("qr", Path::SimdPar), ("qr_naive", Path::Naive)] {
            g.bench_function(BenchmarkId::new(id, n), |b| {
                b.iter(|| {
                    init.fill_stream(fans, StreamKey::new(1, 1), &mut w, path)
                        .unwrap()
                })
            });
        }
    }
    g.finish();
}

mod common;

criterion_group! {
    name = benches;
    config = common::config();
    targets = experiments, fusion, orthogonal
}
criterion_main!(benches);

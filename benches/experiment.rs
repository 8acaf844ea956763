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
use weightinit::Backend;
use weightinit::activation::Activation;
use weightinit::bench::{
    Dist, Method, StatsAcc, StreamKey, fused, init_weights, input, naive_epilogue, network_run,
    orthogonal_fill, stats_for, unfused,
};
use weightinit::experiment::{self, ExperimentConfig, NetConfig};
use weightinit::init::Init;
use weightinit::sample::Normal;

fn one_run(k: Backend) -> f64 {
    let net = NetConfig::default();
    let x = input(&net, k);
    let w = init_weights(&net, &Init::he_normal(), k).unwrap();
    network_run(&net, &x, &w, Activation::Relu, k)[4]
        .activations
        .std
}

fn experiments(c: &mut Criterion) {
    let mut g = c.benchmark_group("experiment");
    g.sample_size(10).sampling_mode(SamplingMode::Flat);
    g.bench_function(BenchmarkId::new("naive", "1000x100x5"), |b| {
        b.iter(|| black_box(one_run(Backend::Naive)))
    });
    g.bench_function(BenchmarkId::new("fast", "1000x100x5"), |b| {
        b.iter(|| black_box(one_run(Backend::Fast)))
    });
    g.finish();
    let mut g = c.benchmark_group("experiment_grid");
    g.sample_size(10).sampling_mode(SamplingMode::Flat);
    for backend in [Backend::Naive, Backend::Fast] {
        let cfg = ExperimentConfig::new(NetConfig::default(), vec![], vec![], backend).unwrap();
        g.bench_function(BenchmarkId::new(backend.name(), "24"), |b| {
            b.iter(|| black_box(experiment::run(&cfg).unwrap()))
        });
    }
    g.finish();
}

fn fusion(c: &mut Criterion) {
    let mut g = c.benchmark_group("layer");
    let n = 1000 * 100;
    let mut a = vec![0f32; n];
    Dist::Normal(Normal::new(0.0, 1.4).unwrap()).fill(StreamKey::new(1, 0), &mut a, Method::Simd);
    g.throughput(Throughput::Elements(n as u64));
    type F = fn(Activation, &mut [f32], &mut [f32], &mut StatsAcc);
    let impls: [(&str, F); 3] = [
        ("fused", fused),
        ("unfused", unfused),
        ("naive", naive_epilogue),
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
        let mut w = vec![0f32; n * n];
        // `qr`: the fast backend (SIMD sampler, compact-WY blocked QR on the
        // GEMM); `qr_naive`: the naive one (the unblocked f64 reference).
        for (id, backend) in [("qr", Backend::Fast), ("qr_naive", Backend::Naive)] {
            g.bench_function(BenchmarkId::new(id, n), |b| {
                b.iter(|| {
                    orthogonal_fill(n, n, 1.0, StreamKey::new(1, 1), &mut w, backend).unwrap()
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

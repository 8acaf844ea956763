//! `activation_f32`: {sigmoid, tanh, relu} × {naive (`f32::exp`), simd, simd_par} × n,
//! and `copy` / `copy_par`: the same loop with the identity, the memory-bound ceiling.
//! The input is fixed and the output buffer separate, so no setup is timed.
use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use std::hint::black_box;
use weightinit::activation::Activation;
use weightinit::bench::{copy_simd, copy_simd_par};

fn activations(c: &mut Criterion) {
    let mut g = c.benchmark_group("activation_f32");
    for n in [4096usize, 1 << 20, 1 << 24] {
        let x: Vec<f32> = (0..n)
            .map(|i| ((i * 7919) % 20_000) as f32 / 1000.0 - 10.0)
            .collect();
        let mut out = vec![0f32; n];
        g.throughput(Throughput::Elements(n as u64));
        if n >= 1 << 24 {
            g.sample_size(10).sampling_mode(SamplingMode::Flat);
        }
        for act in Activation::ALL {
            type F = fn(Activation, &[f32], &mut [f32]);
            let impls: [(&str, F); 3] = [
                ("naive", Activation::apply_naive),
                ("simd", Activation::apply_simd),
                ("simd_par", Activation::apply_simd_par),
            ];
            for (name, f) in impls {
                g.bench_with_input(
                    BenchmarkId::new(format!("{}_{name}", act.name()), n),
                    &n,
                    |b, _| {
                        b.iter(|| {
                            f(act, black_box(&x), &mut out);
                            black_box(&out);
                        })
                    },
                );
            }
        }
        type C = fn(&[f32], &mut [f32]);
        let copies: [(&str, C); 2] = [("copy", copy_simd), ("copy_par", copy_simd_par)];
        for (name, f) in copies {
            g.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                b.iter(|| {
                    f(black_box(&x), &mut out);
                    black_box(&out);
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
    targets = activations
}
criterion_main!(benches);

//! `activation_f32`: {sigmoid, tanh, relu} × {naive (`f32::exp`), simd, simd_par} × n,
//! and the memory-bound ceilings of a read-and-write loop: `copy` / `copy_par`
//! (the activations' loop with the identity) and `memcpy` / `memcpy_par`
//! (`copy_from_slice`: the C library's copy, with whatever stores it finds
//! fastest), at the L1-, L2-, L3- and memory-sized points 16 KiB, 256 KiB,
//! 4 MiB and 64 MiB of input. The roofline takes the fastest as its roof.
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
    }
    copies(&mut g);
    g.finish();
}

/// `out ← x` by `copy_from_slice`, in one block per rayon task.
fn memcpy_par(x: &[f32], out: &mut [f32]) {
    use rayon::prelude::*;
    const BLOCK: usize = 1 << 16;
    out.par_chunks_mut(BLOCK)
        .zip(x.par_chunks(BLOCK))
        .for_each(|(o, i)| o.copy_from_slice(i));
}

/// The read-and-write ceilings at every level of the memory hierarchy.
fn copies(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    for n in [4096usize, 1 << 16, 1 << 20, 1 << 24] {
        let x: Vec<f32> = (0..n).map(|i| i as f32).collect();
        let mut out = vec![0f32; n];
        g.throughput(Throughput::Elements(n as u64));
        if n >= 1 << 24 {
            g.sample_size(10).sampling_mode(SamplingMode::Flat);
        } else {
            g.sample_size(20).sampling_mode(SamplingMode::Auto);
        }
        type C = fn(&[f32], &mut [f32]);
        let copies: [(&str, C); 4] = [
            ("copy", copy_simd),
            ("copy_par", copy_simd_par),
            ("memcpy", |x, out| out.copy_from_slice(x)),
            ("memcpy_par", memcpy_par),
        ];
        for (name, f) in copies {
            g.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                b.iter(|| {
                    f(black_box(&x), &mut out);
                    black_box(&out);
                })
            });
        }
    }
}

mod common;

criterion_group! {
    name = benches;
    config = common::config();
    targets = activations
}
criterion_main!(benches);

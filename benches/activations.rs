//! `activation_f32`: {sigmoid, tanh, relu} × {naive (`f32::exp`), simd, simd_par} × n,
//! and `copy` / `copy_par` (`out = x`): the memory-bound ceiling of any map.
//! The input is fixed and the output buffer separate, so no setup is timed.
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rayon::prelude::*;
use std::hint::black_box;
use weightinit::activation::{Activation, PAR_CHUNK};

fn activations(c: &mut Criterion) {
    let mut g = c.benchmark_group("activation_f32");
    for n in [4096usize, 1 << 20, 1 << 24] {
        let x: Vec<f32> = (0..n)
            .map(|i| ((i * 7919) % 20_000) as f32 / 1000.0 - 10.0)
            .collect();
        let mut out = vec![0f32; n];
        g.throughput(Throughput::Elements(n as u64));
        g.sample_size(if n >= 1 << 24 { 10 } else { 50 });
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
        g.bench_with_input(BenchmarkId::new("copy", n), &n, |b, _| {
            b.iter(|| {
                out.copy_from_slice(black_box(&x));
                black_box(&out);
            })
        });
        g.bench_with_input(BenchmarkId::new("copy_par", n), &n, |b, _| {
            b.iter(|| {
                out.par_chunks_mut(PAR_CHUNK)
                    .zip(black_box(&x).par_chunks(PAR_CHUNK))
                    .for_each(|(o, i)| o.copy_from_slice(i));
                black_box(&out);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, activations);
criterion_main!(benches);

//! Sampler throughput: `uniform_f32`, `normal_f32`, `trunc_normal_f32` × {naive, simd,
//! simd_par} × n, and the memory ceiling `fill_f32` × {seq, par}. Throughput is
//! `Elements(n)`: samples (or floats written) per second. `rng_u32` × {naive, simd}
//! writes raw 32-bit words of the generator: the ceiling of any sampler built on it.
use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use rayon::prelude::*;
use std::hint::black_box;
use weightinit::bench::{CHUNK, Dist, Method, StreamKey};
use weightinit::sample::{Normal, TruncatedNormal, Uniform};

const SIZES: [usize; 3] = [4096, 1 << 20, 1 << 24];

fn samplers(c: &mut Criterion) {
    let dists = [
        (
            "uniform_f32",
            Dist::Uniform(Uniform::new(-1.0, 1.0).unwrap()),
        ),
        ("normal_f32", Dist::Normal(Normal::new(0.0, 1.0).unwrap())),
        (
            "trunc_normal_f32",
            Dist::TruncatedNormal(TruncatedNormal::new(0.0, 1.0).unwrap()),
        ),
    ];
    for (group, d) in dists {
        let mut g = c.benchmark_group(group);
        for n in SIZES {
            g.throughput(Throughput::Elements(n as u64));
            if n >= 1 << 24 {
                g.sample_size(10).sampling_mode(SamplingMode::Flat);
            }
            let mut buf = vec![0f32; n];
            for (name, path) in [
                ("naive", Method::RandDistr),
                ("simd", Method::Simd),
                ("simd_par", Method::SimdPar),
            ] {
                g.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                    b.iter(|| {
                        d.fill(StreamKey::new(1, 0), &mut buf, path);
                        black_box(&buf);
                    })
                });
            }
        }
        g.finish();
    }
}

fn fill(c: &mut Criterion) {
    let mut g = c.benchmark_group("fill_f32");
    // The write-only ceiling, at the sizes of the samplers and at an L2-sized point.
    for n in [4096, 1 << 16, 1 << 20, 1 << 24] {
        g.throughput(Throughput::Elements(n as u64));
        if n >= 1 << 24 {
            g.sample_size(10).sampling_mode(SamplingMode::Flat);
        }
        let mut buf = vec![0f32; n];
        g.bench_with_input(BenchmarkId::new("seq", n), &n, |b, _| {
            b.iter(|| {
                buf.fill(black_box(0.5));
                black_box(&buf);
            })
        });
        g.bench_with_input(BenchmarkId::new("par", n), &n, |b, _| {
            b.iter(|| {
                buf.par_chunks_mut(CHUNK)
                    .for_each(|c| c.fill(black_box(0.5)));
                black_box(&buf);
            })
        });
    }
    g.finish();
}

fn words(c: &mut Criterion) {
    use weightinit::bench::{BlockRng, SimdXoshiro, WORDS_PER_BLOCK};
    let mut g = c.benchmark_group("rng_u32");
    let n = 1 << 20;
    g.throughput(Throughput::Elements(n as u64));
    let mut buf = vec![0u32; n];
    g.bench_function(BenchmarkId::new("naive", n), |b| {
        b.iter(|| {
            let mut r = weightinit::bench::rand_distr_rng(StreamKey::new(1, 0));
            buf.iter_mut()
                .for_each(|w| *w = rand::Rng::next_u32(&mut r));
            black_box(&buf);
        })
    });
    g.bench_function(BenchmarkId::new("simd", n), |b| {
        b.iter(|| {
            let mut r = SimdXoshiro::new(StreamKey::new(1, 0), 0);
            for out in buf.chunks_exact_mut(WORDS_PER_BLOCK) {
                let [lo, hi] = r.next_block();
                out[..16].copy_from_slice(lo.as_array());
                out[16..].copy_from_slice(hi.as_array());
            }
            black_box(&buf);
        })
    });
    g.finish();
}

mod common;

criterion_group! {
    name = benches;
    config = common::config();
    targets = samplers, fill, words
}
criterion_main!(benches);

//! `sgemm` and `peak` groups. GFLOP/s = 2·m·k·n / time: the throughput unit
//! `Elements(2·m·k·n)` is FLOP, so criterion's "elem/s" reads as FLOP/s.
use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use std::hint::black_box;
use weightinit::bench::{
    FLOP_PER_CALL, MR, NR, NV, PAR_REPEAT, Vector, fma_loop, fma_loop_par, kernel, naive_sgemm,
};
use weightinit::gemm::{self, MatMut, MatRef};

mod common;

const SHAPES: [(usize, usize, usize); 4] = [
    (1000, 100, 100),
    (256, 256, 256),
    (1024, 1024, 1024),
    (2048, 2048, 2048),
];

fn sgemm(c: &mut Criterion) {
    let mut g = c.benchmark_group("sgemm");
    for (m, k, n) in SHAPES {
        let id = format!("{m}x{k}x{n}");
        let (a, b) = common::operands(m, k, n);
        let mut cbuf = vec![0f32; m * n];
        g.throughput(Throughput::Elements(2 * (m * k * n) as u64));
        if m * k * n >= 1 << 30 {
            g.sample_size(10).sampling_mode(SamplingMode::Flat);
        }
        let ar = MatRef::row_major(&a, m, k).unwrap();
        let br = MatRef::row_major(&b, k, n).unwrap();
        type F = fn(f32, MatRef, MatRef, f32, &mut MatMut) -> Result<(), gemm::GemmError>;
        let mut impls: Vec<(&str, F)> = vec![
            ("blocked", gemm::sgemm),
            ("blocked_par", gemm::sgemm_par),
            ("matrixmultiply", common::matrixmultiply_sgemm),
        ];
        // The triple loop takes seconds per call at 1024³: it is measured up
        // to 256³, which is enough for its rate.
        if m * k * n <= 256 * 256 * 256 {
            impls.insert(0, ("naive", naive_sgemm));
        }
        for (name, f) in impls {
            g.bench_with_input(BenchmarkId::new(name, &id), &(), |bch, _| {
                bch.iter(|| {
                    let mut cm = MatMut::row_major(&mut cbuf, m, n).unwrap();
                    f(1.0, ar, br, 0.0, &mut cm).unwrap();
                    black_box(&cbuf);
                })
            });
        }
    }
    g.finish();
}

fn peak_fma(c: &mut Criterion) {
    let mut g = c.benchmark_group("peak");
    g.throughput(Throughput::Elements(FLOP_PER_CALL));
    g.bench_function(BenchmarkId::new("fma_f32", "1"), |b| {
        b.iter(|| black_box(fma_loop(black_box(1.0001))))
    });
    let threads = rayon::current_num_threads() as u64;
    g.throughput(Throughput::Elements(
        FLOP_PER_CALL * PAR_REPEAT as u64 * threads,
    ));
    g.bench_function(BenchmarkId::new("fma_f32", "par"), |b| {
        b.iter(|| black_box(fma_loop_par(black_box(1.0001))))
    });
    g.finish();
}

/// The micro-kernel alone on packed panels that stay in L1: `kc` FMA steps of an
/// MR × NR tile, no packing and no C traffic. It separates the kernel's speed from
/// the memory side of the full GEMM. `kc` is 256 where both panels fit in 32 KiB
/// (the AVX2 tile: 28 KiB), else 128 (the AVX-512 8 × 48 tile: 56 KiB at 256,
/// more than a 48 KiB L1d).
fn micro_kernel(c: &mut Criterion) {
    let kc = if (MR + NR) * 256 * 4 <= 32 << 10 {
        256
    } else {
        128
    };
    let a: Vec<f32> = (0..MR * kc).map(|i| (i % 7) as f32 * 0.01).collect();
    let b: Vec<f32> = (0..NR * kc).map(|i| (i % 5) as f32 * 0.01).collect();
    let mut g = c.benchmark_group("sgemm_kernel");
    g.throughput(Throughput::Elements((2 * MR * NR * kc) as u64));
    g.bench_function(
        BenchmarkId::new("register_tile", format!("{MR}x{NR}x{kc}")),
        |bch| {
            bch.iter(|| {
                // SAFETY: `a` holds MR × kc floats read with strides (1, MR), and `b` holds
                // kc × NR = kc × NV·LANES floats, exactly what the kernel reads.
                let acc = unsafe {
                    kernel::<Vector, MR, NV>(
                        kc,
                        black_box(a.as_ptr()),
                        1,
                        MR,
                        black_box(b.as_ptr()),
                    )
                };
                black_box(acc)
            })
        },
    );
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = sgemm, peak_fma, micro_kernel
}
criterion_main!(benches);

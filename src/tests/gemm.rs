//! GEMM against the naive reference: shapes, layouts, α/β, sentinels, threads, bad views.

use crate::gemm::archparams::{KC, MC, MR, NC, NR, nc_step};
use crate::gemm::{self, GemmError, MatMut, MatRef, naive};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// A matrix stored with `pad` extra floats between rows/columns, in one of four layouts.
struct Stored {
    data: Vec<f32>,
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

fn store(vals: &[f32], rows: usize, cols: usize, layout: usize, fill: f32) -> Stored {
    // layout 0: row-major; 1: column-major; 2: row-major with padded rows (rs = cols + 3);
    // 3: non-unit column stride (cs = 2, rs = 2·cols + 1).
    let (rs, cs) = match layout {
        0 => (cols, 1),
        1 => (1, rows.max(1)),
        2 => (cols + 3, 1),
        _ => (2 * cols + 1, 2),
    };
    let len = if rows == 0 || cols == 0 {
        4
    } else {
        (rows - 1) * rs + (cols - 1) * cs + 1 + 4
    };
    let mut data = vec![fill; len];
    for i in 0..rows {
        for j in 0..cols {
            data[i * rs + j * cs] = vals[i * cols + j];
        }
    }
    Stored {
        data,
        rows,
        cols,
        rs,
        cs,
    }
}

fn ints(rng: &mut Xoshiro256PlusPlus, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(-4i32..=4) as f32).collect()
}

type Gemm = fn(f32, MatRef, MatRef, f32, &mut MatMut) -> Result<(), GemmError>;

/// One GEMM case: shape, layouts of A, B, C, α, β and the seed of the integer inputs.
struct Case {
    m: usize,
    k: usize,
    n: usize,
    layouts: (usize, usize, usize),
    alpha: f32,
    beta: f32,
    seed: u64,
}

fn check(f: Gemm, name: &str, case: &Case) {
    let Case {
        m,
        k,
        n,
        layouts: (la, lb, lc),
        alpha,
        beta,
        seed,
    } = *case;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (av, bv, cv) = (
        ints(&mut rng, m * k),
        ints(&mut rng, k * n),
        ints(&mut rng, m * n),
    );
    let a = store(&av, m, k, la, f32::NAN);
    let b = store(&bv, k, n, lb, f32::NAN);
    let mut c = store(&cv, m, n, lc, f32::NAN);
    if beta == 0.0 {
        // β = 0 must ignore C's contents, NaN included.
        for i in 0..m {
            for j in 0..n {
                c.data[i * c.rs + j * c.cs] = f32::NAN;
            }
        }
    }
    let mut want = store(&cv, m, n, lc, f32::NAN);
    let ar = MatRef::new(&a.data, a.rows, a.cols, a.rs, a.cs).unwrap();
    let br = MatRef::new(&b.data, b.rows, b.cols, b.rs, b.cs).unwrap();
    {
        let mut wm = MatMut::new(&mut want.data, m, n, want.rs, want.cs).unwrap();
        naive::gemm::<f64>(alpha, ar, br, beta, &mut wm).unwrap();
    }
    {
        let mut cm = MatMut::new(&mut c.data, m, n, c.rs, c.cs).unwrap();
        f(alpha, ar, br, beta, &mut cm).unwrap();
    }
    // Integer inputs with |sum| < 2^24: exact. Every slot, sentinels included, must match.
    for (idx, (g, w)) in c.data.iter().zip(&want.data).enumerate() {
        let same = g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()) || g == w;
        assert!(
            same,
            "{name} {m}x{k}x{n} layouts ({la},{lb},{lc}) α={alpha} β={beta}: slot {idx}: got {g}, want {w}"
        );
    }
}

#[test]
fn blocked_matches_naive_over_shapes_layouts_and_scalars() {
    let dims = [0, 1, 2, MR - 1, MR, MR + 1, NR - 1, NR + 1, 100, KC + 1];
    let mut seed = 0;
    for &m in &dims {
        for &k in &[0, 1, 2, MR + 1, KC - 1, KC + 1, 257] {
            for &n in &dims {
                if m * k * n > 3_000_000 {
                    continue;
                }
                seed += 1;
                let (la, lb, lc) = (seed % 4, (seed / 4) % 4, (seed / 16) % 4);
                let (alpha, beta) =
                    [(1.0, 0.0), (2.5, 1.0), (1.0, -0.5), (0.0, -0.5), (2.5, 0.0)][seed % 5];
                check(
                    gemm::sgemm,
                    "sgemm",
                    &Case {
                        m,
                        k,
                        n,
                        layouts: (la, lb, lc),
                        alpha,
                        beta,
                        seed: seed as u64,
                    },
                );
                check(
                    gemm::sgemm_par,
                    "sgemm_par",
                    &Case {
                        m,
                        k,
                        n,
                        layouts: (lc, la, lb),
                        alpha,
                        beta,
                        seed: seed as u64,
                    },
                );
            }
        }
    }
}

#[test]
fn every_layout_and_scalar_pair_on_an_odd_shape() {
    let mut seed = 1000;
    for la in 0..4 {
        for lb in 0..4 {
            for lc in 0..4 {
                for (alpha, beta) in [(0.0, 0.0), (1.0, 1.0), (2.5, -0.5), (1.0, 0.0), (0.0, 1.0)] {
                    seed += 1;
                    check(
                        gemm::sgemm,
                        "sgemm",
                        &Case {
                            m: 37,
                            k: 300,
                            n: 290,
                            layouts: (la, lb, lc),
                            alpha,
                            beta,
                            seed,
                        },
                    );
                }
            }
        }
    }
}

#[test]
fn random_floats_within_k_eps_bound() {
    let (m, k, n) = (257, 513, 300);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let a: Vec<f32> = (0..m * k).map(|_| rng.random_range(-1.0..1.0)).collect();
    let b: Vec<f32> = (0..k * n).map(|_| rng.random_range(-1.0..1.0)).collect();
    let mut c = vec![0f32; m * n];
    let mut w = vec![0f32; m * n];
    let (ar, br) = (
        MatRef::row_major(&a, m, k).unwrap(),
        MatRef::row_major(&b, k, n).unwrap(),
    );
    gemm::sgemm(
        1.0,
        ar,
        br,
        0.0,
        &mut MatMut::row_major(&mut c, m, n).unwrap(),
    )
    .unwrap();
    naive::gemm::<f64>(
        1.0,
        ar,
        br,
        0.0,
        &mut MatMut::row_major(&mut w, m, n).unwrap(),
    )
    .unwrap();
    // |a|,|b| ≤ 1: error ≤ k·ε·Σ|a||b| ≤ k·ε·k.
    let tol = (k as f32) * f32::EPSILON * k as f32;
    for (g, w) in c.iter().zip(&w) {
        assert!((g - w).abs() <= tol, "{g} vs {w}");
    }
}

#[test]
fn thread_count_does_not_change_bytes() {
    // n = 130: six B panels, packed in groups of 2 or 3 by 5 or 2 threads;
    // n = 100: the last 28 columns cut 16 + 12 (AVX2), split across groups;
    // 1300 rows and two slabs: bands of rows, one per thread (2 and 5).
    for (m, k, n) in [(1000, 300, 130), (300, 100, 100), (1300, KC + 45, 70)] {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let a: Vec<f32> = (0..m * k).map(|_| rng.random_range(-1.0..1.0)).collect();
        let b: Vec<f32> = (0..k * n).map(|_| rng.random_range(-1.0..1.0)).collect();
        let product = |f: Gemm| {
            let mut c = vec![0f32; m * n];
            let ar = MatRef::row_major(&a, m, k).unwrap();
            let br = MatRef::row_major(&b, k, n).unwrap();
            f(
                1.0,
                ar,
                br,
                0.0,
                &mut MatMut::row_major(&mut c, m, n).unwrap(),
            )
            .unwrap();
            c
        };
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| product(gemm::sgemm_par))
        };
        let one = run(1);
        for t in [2, 5] {
            assert_eq!(
                one.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                run(t).iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                "{m}x{k}x{n}: {t} threads"
            );
        }
        assert_eq!(one, product(gemm::sgemm), "{m}x{k}x{n}");
    }
}

#[test]
fn several_column_blocks_match_naive() {
    // n past NC: LOOP 5 cuts B into blocks of nearly equal width, here with two
    // slabs each (k = KC + 1), over every layout and both threadings.
    for (i, n) in [NC + 1, NC + NR + 5, 2 * NC + 3].into_iter().enumerate() {
        let step = nc_step(n);
        assert!(step % NR == 0 && step <= NC + NR && n.div_ceil(step) == n.div_ceil(NC));
        for layout in 0..4 {
            let case = Case {
                m: MR + 3,
                k: KC + 1,
                n,
                layouts: (layout, (layout + 1) % 4, (layout + 2) % 4),
                alpha: [1.0, 2.5][layout % 2],
                beta: [0.0, -0.5][i % 2],
                seed: 500 + (4 * i + layout) as u64,
            };
            check(gemm::sgemm, "sgemm", &case);
            check(gemm::sgemm_par, "sgemm_par", &case);
        }
    }
}

#[test]
fn row_bands_match_naive_over_layouts() {
    // Two threads, two slabs and over 2·MC rows per thread: the parallel product
    // cuts C into bands of rows where C's rows are contiguous (layouts 0 and 2),
    // and shares B~ slabs where they are not (1 and 3).
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    pool.install(|| {
        for lc in 0..4 {
            let case = Case {
                m: 4 * MC + 7,
                k: KC + 3,
                n: 37,
                layouts: ((lc + 1) % 4, (lc + 2) % 4, lc),
                alpha: 2.5,
                beta: [0.0, -0.5][lc % 2],
                seed: 700 + lc as u64,
            };
            check(gemm::sgemm_par, "sgemm_par", &case);
        }
    });
}

#[test]
fn packed_b_matches_unpacked() {
    for (m, k, n) in [(300, 700, 100), (20, KC + 7, NC + 70)] {
        packed_b_matches_unpacked_at(m, k, n);
    }
}

fn packed_b_matches_unpacked_at(m: usize, k: usize, n: usize) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let a = ints(&mut rng, m * k);
    let b = ints(&mut rng, k * n);
    let (ar, br) = (
        MatRef::row_major(&a, m, k).unwrap(),
        MatRef::row_major(&b, k, n).unwrap(),
    );
    let mut c1 = vec![0f32; m * n];
    gemm::sgemm(
        1.0,
        ar,
        br,
        0.0,
        &mut MatMut::row_major(&mut c1, m, n).unwrap(),
    )
    .unwrap();
    let pb = gemm::PackedB::new(br);
    // The same A stored transposed as well: its rows are strided, so the
    // columns that the packed B leaves to dot products read copies of them.
    let at: Vec<f32> = (0..k * m).map(|i| a[(i % m) * k + i / m]).collect();
    let atr = MatRef::row_major(&at, k, m).unwrap().t();
    for (name, av) in [("row-major", ar), ("transposed", atr)] {
        let mut c2 = vec![f32::NAN; m * n];
        gemm::sgemm_packed(
            1.0,
            av,
            &pb,
            0.0,
            &mut MatMut::row_major(&mut c2, m, n).unwrap(),
        )
        .unwrap();
        assert!(c1 == c2, "{name} A: packed B differs from unpacked");
    }
}

/// A packed B reused for another shape (larger, then smaller, then a
/// transposed view) gives what a fresh packing gives: nothing of the old
/// contents or layout leaks into the product.
#[test]
fn a_repacked_b_matches_a_fresh_one() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
    let mut reused = gemm::PackedB::default();
    for (m, k, n, transposed) in [
        (33, 784, 100, false),
        (64, 100, 100, true),
        (17, 1000, 1100, false),
        (5, 100, 10, true),
    ] {
        let a = ints(&mut rng, m * k);
        let b = ints(&mut rng, k * n);
        let ar = MatRef::row_major(&a, m, k).unwrap();
        let br = if transposed {
            MatRef::row_major(&b, n, k).unwrap().t()
        } else {
            MatRef::row_major(&b, k, n).unwrap()
        };
        reused.repack(br);
        let fresh = gemm::PackedB::new(br);
        let (mut c1, mut c2) = (vec![f32::NAN; m * n], vec![f32::NAN; m * n]);
        for (pb, c) in [(&reused, &mut c1), (&fresh, &mut c2)] {
            gemm::sgemm_packed(1.0, ar, pb, 0.0, &mut MatMut::row_major(c, m, n).unwrap()).unwrap();
        }
        let mut c3 = vec![0f32; m * n];
        gemm::naive::sgemm(
            1.0,
            ar,
            br,
            0.0,
            &mut MatMut::row_major(&mut c3, m, n).unwrap(),
        )
        .unwrap();
        assert!(
            c1 == c2,
            "{m}x{k}x{n}: a repacked B differs from a fresh one"
        );
        assert!(
            c1 == c3,
            "{m}x{k}x{n}: differs from the naive product (exact on integers)"
        );
    }
}

#[test]
fn bad_views_are_errors() {
    let d = vec![0f32; 10];
    assert!(matches!(
        MatRef::new(&d, 3, 4, 4, 1),
        Err(GemmError::OutOfBounds { .. })
    ));
    assert!(matches!(
        MatRef::new(&d, 2, 2, usize::MAX, 1),
        Err(GemmError::OutOfBounds { .. })
    ));
    let mut e = vec![0f32; 10];
    assert!(matches!(
        MatMut::new(&mut e, 2, 3, 1, 1),
        Err(GemmError::Aliasing { .. })
    ));
    assert!(matches!(
        MatMut::new(&mut e, 3, 3, 0, 1),
        Err(GemmError::Aliasing { .. })
    ));
    let a = vec![0f32; 6];
    let b = vec![0f32; 6];
    let mut c = vec![0f32; 4];
    let r = gemm::sgemm(
        1.0,
        MatRef::row_major(&a, 2, 3).unwrap(),
        MatRef::row_major(&b, 2, 3).unwrap(),
        0.0,
        &mut MatMut::row_major(&mut c, 2, 2).unwrap(),
    );
    assert!(matches!(r, Err(GemmError::DimMismatch { .. })));
    assert!(MatRef::new(&[], 0, 5, 5, 1).is_ok());
}

#[test]
fn b_panels_and_tail_cover_every_column_once() {
    use crate::gemm::archparams::{LANES, NR, PACK_A_MIN_N};
    use crate::gemm::dot::DOT_COLS;
    use crate::gemm::packing::{BLayout, DOT_MIN_K, b_panel, b_panels};
    for nc in 1..=4 * NR + 3 {
        let layout = BLayout::new(nc, nc, DOT_MIN_K, true);
        let rest = nc % LANES;
        let tail = if (1..=DOT_COLS).contains(&rest) {
            rest
        } else {
            0
        };
        assert_eq!(layout.tail, tail, "nc {nc}: tail columns");
        assert_eq!(layout.cols(), nc);
        let mut next = 0;
        let mut floats = 0;
        for q in 0..b_panels(layout.main) {
            let (start, w) = b_panel(layout.main, q);
            assert_eq!(start, next, "nc {nc}: panel {q} starts at {start}");
            assert!((1..=NR).contains(&w), "nc {nc}: panel {q} is {w} wide");
            if NR == 3 * LANES && layout.main > NR {
                assert!(w > LANES, "nc {nc}: panel {q} is one vector wide");
            }
            next += w;
            floats = q * NR + w.div_ceil(LANES) * LANES;
        }
        assert_eq!(next, layout.main);
        assert_eq!(
            layout.tail_offset(),
            floats * DOT_MIN_K,
            "nc {nc}: panels' length"
        );
        let tail_floats = if tail > 0 {
            DOT_COLS * DOT_MIN_K.next_multiple_of(LANES)
        } else {
            0
        };
        assert_eq!(
            layout.floats(),
            (floats * DOT_MIN_K) + tail_floats,
            "nc {nc}: B~ length"
        );
    }
    // No tail for a packed A (wide B), a slab short of B's last column, a
    // shallow slab, or an A whose rows are strided.
    let n = PACK_A_MIN_N.next_multiple_of(LANES) + 1;
    assert_eq!(BLayout::new(n, n, DOT_MIN_K, true).tail, 0);
    assert_eq!(BLayout::new(101, 100, DOT_MIN_K, true).tail, 0);
    assert_eq!(BLayout::new(100, 100, DOT_MIN_K - 1, true).tail, 0);
    assert_eq!(BLayout::new(100, 100, DOT_MIN_K, false).tail, 0);
    assert_eq!(BLayout::new(100, 100, DOT_MIN_K, true).tail, 100 % LANES);
}

#[test]
fn narrow_panels_take_tall_tiles_at_every_height() {
    // Panels narrower than NR (the 16 + 12 last columns of n = 100, or n = 16 alone)
    // use taller tiles over the rows of A read in place and MR-row tiles over the
    // packed rest; every height from 1 to 40 crosses each boundary, and 1000 rows
    // span several MC blocks. Integer inputs: exact against the f64 reference.
    let mut seed = 5000;
    for n in [16, 100] {
        for m in (1..=40).chain([1000]) {
            seed += 1;
            let layouts = [(0, 0, 0), (2, 1, 3), (3, 0, 2)][seed % 3];
            let (alpha, beta) = [(1.0, 0.0), (2.5, -0.5)][seed % 2];
            let case = Case {
                m,
                k: 37,
                n,
                layouts,
                alpha,
                beta,
                seed: seed as u64,
            };
            check(gemm::sgemm, "sgemm", &case);
            check(gemm::sgemm_par, "sgemm_par", &case);
        }
    }
}

#[test]
fn tile_set_follows_the_build() {
    // `.ci/run` also runs these tests with `--cfg weightinit_avx512_tile`; this
    // fails if that flag stopped selecting the AVX-512 tile set.
    use crate::gemm::archparams::{LANES, MR, MR_TALL, NV};
    if cfg!(any(target_feature = "avx512f", weightinit_avx512_tile)) {
        assert_eq!((MR, MR_TALL, NV, LANES), (8, 8, 3, 16));
    } else {
        assert_eq!((MR, MR_TALL, NV, LANES), (4, 6, 3, 8));
    }
}

/// `Lanes::sum4` (three horizontal adds on AVX) against the lanes summed one by
/// one in f64: exact on small integers, within 8·ε·Σ|x| on random floats
/// (1000 sets of four vectors, seed 11).
#[test]
fn sum4_matches_lane_by_lane_sums() {
    use crate::simd::Lanes;
    fn check<V: Lanes>(rng: &mut Xoshiro256PlusPlus, ints: bool) {
        for _ in 0..1000 {
            let vals: Vec<f32> = (0..4 * V::N)
                .map(|_| {
                    if ints {
                        rng.random_range(-100i32..=100) as f32
                    } else {
                        rng.random_range(-1.0f32..1.0)
                    }
                })
                .collect();
            // SAFETY: `vals` holds 4·N floats; vector j reads floats j·N .. j·N + N.
            let v: [V; 4] = core::array::from_fn(|j| unsafe { V::load(vals[j * V::N..].as_ptr()) });
            let got = V::sum4(v);
            for (j, g) in got.iter().enumerate() {
                let lanes = &vals[j * V::N..(j + 1) * V::N];
                let want: f64 = lanes.iter().map(|&x| x as f64).sum();
                let scale: f64 = lanes.iter().map(|&x| (x as f64).abs()).sum();
                let tol = if ints {
                    0.0
                } else {
                    8.0 * f32::EPSILON as f64 * scale
                };
                assert!(
                    (*g as f64 - want).abs() <= tol,
                    "{} lanes, vector {j}: {g} against {want}",
                    V::N
                );
            }
        }
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    for ints in [true, false] {
        check::<wide::f32x8>(&mut rng, ints);
        check::<wide::f32x16>(&mut rng, ints);
        check::<gemm::archparams::Vector>(&mut rng, ints);
    }
}

//! The suite version's digests and the machine score's intervals, on
//! synthetic runs of the suite (fixed seeds; sample sizes and tolerances
//! stated per test).
use crate::results::compare::{self, SINGLE_RUN_ALLOWANCE_PCT};
use crate::results::criterion::{
    Benchmark, ConfidenceInterval, Estimate, Estimates, Measured, Throughput,
};
use crate::results::{Fingerprint, ResultsFile, from_runs, score, suite};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use std::path::PathBuf;

fn estimate(ns: f64) -> Estimate {
    Estimate {
        confidence_interval: ConfidenceInterval {
            confidence_level: 0.95,
            lower_bound: 0.99 * ns,
            upper_bound: 1.01 * ns,
        },
        point_estimate: ns,
        standard_error: 0.005 * ns,
    }
}

/// A measured benchmark `group/implementation/size` of `ns` per iteration
/// and `elements` of work.
fn measured(id: &str, ns: f64, elements: u64) -> Measured {
    let mut p = id.splitn(3, '/');
    let (g, i, s) = (p.next().unwrap(), p.next().unwrap(), p.next().unwrap());
    Measured {
        benchmark: Benchmark {
            group_id: g.into(),
            function_id: Some(i.into()),
            value_str: Some(s.into()),
            throughput: Some(Throughput::Elements(elements)),
            full_id: id.into(),
        },
        estimates: Estimates {
            mean: estimate(ns),
            median: estimate(ns),
            std_dev: None,
            median_abs_dev: None,
        },
        samples: 20,
        dir: PathBuf::new(),
    }
}

/// Eight benchmarks in each of three areas: (id, ns, elements).
fn suite_ids() -> Vec<(String, f64, u64)> {
    let mut v = Vec::new();
    for k in 0..8u64 {
        let n = 1024 << k;
        v.push((format!("normal_f32/simd/{n}"), 1e3 * n as f64, n));
        v.push((
            format!("sgemm/blocked/{n}x64x64"),
            2e2 * n as f64,
            2 * 64 * 64 * n,
        ));
        v.push((
            format!("activation_f32/sigmoid_simd/{n}"),
            0.5 * n as f64,
            n,
        ));
    }
    v
}

/// `runs` runs of the suite on one machine: each time × exp(weather of the
/// run + noise of the benchmark), both normal with σ = `weather`, `noise`;
/// the `slow_area`'s times × `factor`.
fn machine(
    rng: &mut rand_xoshiro::Xoshiro256PlusPlus,
    runs: usize,
    weather: f64,
    noise: f64,
    slow: (&str, f64),
) -> ResultsFile {
    let mut z = || <StandardNormal as Distribution<f64>>::sample(&StandardNormal, rng);
    let all: Vec<Vec<Measured>> = (0..runs)
        .map(|_| {
            let w = weather * z();
            suite_ids()
                .into_iter()
                .map(|(id, ns, el)| {
                    let f = if id.starts_with(slow.0) { slow.1 } else { 1.0 };
                    measured(&id, ns * f * (w + noise * z()).exp(), el)
                })
                .collect()
        })
        .collect();
    from_runs(&all, Fingerprint::unknown())
}

fn rng(seed: u64) -> rand_xoshiro::Xoshiro256PlusPlus {
    rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed)
}

fn file(name: &str, f: ResultsFile) -> (PathBuf, ResultsFile) {
    (PathBuf::from(name), f)
}

#[test]
fn a_changed_definition_changes_the_digest() {
    let one = from_runs(
        &[vec![measured("sgemm/blocked/64x64x64", 1e4, 524_288)]],
        Fingerprint::unknown(),
    );
    let same = from_runs(
        &[vec![measured("sgemm/blocked/64x64x64", 2e4, 524_288)]],
        Fingerprint::unknown(),
    );
    // Another time, the same definition and suite version.
    assert_eq!(one.suite, same.suite);
    let b = &one.benchmarks["sgemm/blocked/64x64x64"];
    assert_eq!(b.definition.as_deref().map(str::len), Some(16));
    // Another flop count (a changed size), another sample count, another ID.
    for other in [
        measured("sgemm/blocked/64x64x64", 1e4, 2 * 64 * 64 * 65),
        Measured {
            samples: 10,
            ..measured("sgemm/blocked/64x64x64", 1e4, 524_288)
        },
    ] {
        let f = from_runs(&[vec![other]], Fingerprint::unknown());
        let d = &f.benchmarks["sgemm/blocked/64x64x64"].definition;
        assert_ne!(d, &b.definition);
        assert_ne!(f.suite, one.suite);
    }
    let renamed = from_runs(
        &[vec![measured("sgemm/blocked/64x64x65", 1e4, 524_288)]],
        Fingerprint::unknown(),
    );
    assert_ne!(
        renamed.suite.unwrap().version,
        one.suite.as_ref().unwrap().version
    );
    assert_eq!(
        b.definition.as_deref(),
        Some(suite::definition("sgemm/blocked/64x64x64", b).as_str())
    );
}

#[test]
fn compare_leaves_out_other_definitions_and_strict_refuses() {
    let mut r = rng(5);
    let a = machine(&mut r, 1, 0.0, 0.01, ("", 1.0));
    let mut b = a.clone();
    // Two benchmarks measured with another flop count: another suite version.
    for id in ["sgemm/blocked/1024x64x64", "sgemm/blocked/2048x64x64"] {
        let x = b.benchmarks.get_mut(id).unwrap();
        x.per_iteration = Some(7);
        x.definition = Some(suite::definition(id, x));
    }
    b.suite = Some(suite::version(&b.benchmarks));
    let files = [file("a.json", a.clone()), file("b.json", b)];
    let (ids, check) = compare::common_benchmarks(&files, false).unwrap();
    assert_eq!(ids.len(), 22);
    assert_eq!(check.left_out.len(), 2);
    assert!(check.left_out[0].why.contains("definition differs"));
    assert!(compare::common_benchmarks(&files, true).is_err());
    // One version: strict passes. A file without one: matched by ID, refused under strict.
    let same = [file("a.json", a.clone()), file("a2.json", a.clone())];
    assert!(compare::common_benchmarks(&same, true).is_ok());
    let mut old = a.clone();
    old.suite = None;
    old.benchmarks
        .values_mut()
        .for_each(|b| b.definition = None);
    let mixed = [file("a.json", a), file("old.json", old)];
    let (ids, check) = compare::common_benchmarks(&mixed, false).unwrap();
    assert_eq!((ids.len(), check.unversioned.len()), (24, 1));
    assert!(compare::common_benchmarks(&mixed, true).is_err());
}

/// Coverage of the score's interval for two machines of equal speed, three
/// merged runs each, with weather common to a run (σ = 3%) and each
/// benchmark's own noise (σ = 2%): 400 trials per seed; the overall and
/// every area's interval must contain 1.00 in at least 95% of them (the
/// bound on an area's error is conservative, so more is expected).
#[test]
fn the_interval_covers_equal_machines() {
    for seed in [1, 2] {
        let mut r = rng(seed);
        let (mut hit, mut total) = (0, 0);
        for _ in 0..400 {
            let a = file("a.json", machine(&mut r, 3, 0.03, 0.02, ("", 1.0)));
            let b = file("b.json", machine(&mut r, 3, 0.03, 0.02, ("", 1.0)));
            let s = score::score(&a, &[b], false).unwrap();
            let m = &s.machines[0];
            for x in m.areas.iter().map(|a| &a.score).chain([&m.overall]) {
                total += 1;
                hit += usize::from(x.lower <= 1.0 && 1.0 <= x.upper);
            }
        }
        let rate = hit as f64 / total as f64;
        assert!(rate >= 0.95, "seed {seed}: coverage {rate:.3}");
    }
}

#[test]
fn an_area_slowed_by_1_3_scores_1_30_and_the_others_1_00() {
    let mut r = rng(9);
    let base = machine(&mut r, 3, 0.02, 0.01, ("", 1.0));
    // The copy: every time of one area × 1.3, its runs too.
    let mut slow = base.clone();
    for (id, b) in slow.benchmarks.iter_mut() {
        if id.starts_with("sgemm/") {
            b.median_ns *= 1.3;
            b.runs_median_ns.iter_mut().for_each(|t| *t *= 1.3);
        }
    }
    let s = score::score(&file("slow.json", slow), &[file("base.json", base)], false).unwrap();
    let m = &s.machines[0];
    for a in &m.areas {
        let x = &a.score;
        if a.area == "gemm" {
            assert!((x.score - 1.3).abs() < 1e-9, "{}", x.score);
            assert!(x.lower > 1.0, "{x:?}");
        } else {
            assert!((x.score - 1.0).abs() < 1e-9, "{}: {}", a.area, x.score);
            assert!(x.lower < 1.0 && x.upper > 1.0);
        }
    }
    // A single-run file gets the allowance: a wider interval, stated.
    let one = file("one.json", machine(&mut r, 1, 0.0, 0.0, ("", 1.0)));
    let s = score::score(&one, std::slice::from_ref(&one), false).unwrap();
    assert_eq!(s.machines[0].overall.score, 1.0);
    let (se, measured) = score::log_se(&one.1.benchmarks["sgemm/blocked/1024x64x64"]);
    assert!(!measured);
    assert!((se - (1.0 + SINGLE_RUN_ALLOWANCE_PCT / 100.0).ln() / 1.959_964).abs() < 1e-9);
}

/// The roofline's work counts against hand-computed values.
#[test]
fn roofline_intensities_by_hand() {
    use crate::results::roofline::work;
    // 2·1024³ FLOP over 4·(3 + 1)·1024² bytes (A, B read; C read and written).
    let g = work("sgemm", "blocked", "1024x1024x1024").unwrap();
    assert_eq!(g.flop, 2.0 * 1024f64.powi(3));
    assert_eq!(g.bytes, 16.0 * 1024f64.powi(2));
    assert_eq!(g.intensity(), 128.0);
    // Sigmoid: 18 FLOP per element, 8 bytes per element.
    let s = work("activation_f32", "sigmoid_simd", "1048576").unwrap();
    assert_eq!(s.intensity(), 2.25);
    assert_eq!(s.flop, 18.0 * 1048576.0);
    // One layer of 1000 × 100: 2·1000·100² FLOP, 4·(2·1000·100 + 100²) bytes.
    let l = work("layer", "fused", "1000x100").unwrap();
    assert_eq!((l.flop, l.bytes), (2e7, 840_000.0));
    // Uniform: 3 FLOP per 4-byte value. No floating-point work: no point.
    assert_eq!(
        work("uniform_f32", "simd", "4096").unwrap().intensity(),
        0.75
    );
    assert!(work("rng_u32", "simd", "1048576").is_none());
    assert!(work("fill_f32", "seq", "4096").is_none());
}

/// Roofs from the ceilings' benchmarks; each point meets the level that
/// holds its bytes and its thread count's roofs.
#[test]
fn roofline_picks_the_level_and_the_bound() {
    let run = vec![
        // 1 GFLOP per iteration in 10 ms: 100 GFLOP/s on one thread, 200 on all.
        measured("peak/fma_f32/1", 1e7, 1_000_000_000),
        measured("peak/fma_f32/par", 5e6, 1_000_000_000),
        // Copies of n elements (8n bytes): L1 at 80 GB/s, memory at 8 GB/s.
        measured("activation_f32/copy/4096", 8.0 * 4096.0 / 80.0, 4096),
        measured(
            "activation_f32/memcpy/16777216",
            8.0 * 16_777_216.0 / 8.0,
            16_777_216,
        ),
        measured(
            "activation_f32/copy/16777216",
            8.0 * 16_777_216.0 / 4.0,
            16_777_216,
        ),
        // Sigmoid (2.25 FLOP/byte): in L1 bound by 2.25·80 = 180 > 100, so compute;
        // in memory by 2.25·8 = 18 GFLOP/s, and running at 9.
        measured(
            "activation_f32/sigmoid_simd/4096",
            18.0 * 4096.0 / 50.0,
            4096,
        ),
        measured(
            "activation_f32/sigmoid_simd/16777216",
            18.0 * 16_777_216.0 / 9.0,
            16_777_216,
        ),
    ];
    let f = from_runs(&[run], Fingerprint::unknown());
    let r = crate::results::roofline::roofline(&f).unwrap();
    let roof = |name: &str| r.roofs.iter().find(|x| x.name == name).unwrap().value;
    assert!((roof("FMA peak, 1 thread") - 100.0).abs() < 1e-9);
    // The faster of copy and memcpy is the memory roof.
    assert!((roof("memory bandwidth, 1 thread") - 8.0).abs() < 1e-9);
    assert_eq!(r.missing, ["L2", "L3"]);
    let point = |id: &str| r.points.iter().find(|p| p.id == id).unwrap();
    let l1 = point("activation_f32/sigmoid_simd/4096");
    assert_eq!(l1.bound, "FMA peak, 1 thread");
    assert!((l1.share - 0.5).abs() < 1e-9);
    let mem = point("activation_f32/sigmoid_simd/16777216");
    assert_eq!(mem.bound, "memory bandwidth, 1 thread");
    assert!((mem.bound_gflops - 18.0).abs() < 1e-9 && (mem.share - 0.5).abs() < 1e-9);
}

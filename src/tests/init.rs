//! Initializers: empirical variance and bounds of 1000×1000 draws against the formulas,
//! fan modes, gains, conv fans, and typed errors.
use crate::backend::Backend;
use crate::init::{FanMode, Fans, Gain, Init, InitError};
use crate::rng::StreamKey;
use crate::sample::Method;
use crate::sample::truncated::TRUNC_STD_2;

fn draw(init: &Init, fans: Fans, seed: u64) -> Vec<f32> {
    let mut w = vec![0f32; 1_000_000];
    init.fill_stream(fans, StreamKey::new(seed, 1), &mut w, Backend::Fast)
        .unwrap();
    w
}

#[test]
fn every_preset_matches_its_variance_and_bounds() {
    // n = 10^6. The relative standard error of a sample variance is √((κ − 1)/n):
    // 1.4e-3 for a normal (κ = 3), 0.9e-3 for a uniform (κ = 1.8). Tolerance: 5 of them.
    let fans = Fans::dense(300, 500).unwrap();
    let cases: [(&str, f64); 11] = [
        ("lecun_normal", 1.0 / 300.0),
        ("lecun_uniform", 1.0 / 300.0),
        ("lecun_truncated_normal", 1.0 / 300.0),
        ("xavier_normal", 2.0 / 800.0),
        ("glorot_uniform", 2.0 / 800.0),
        ("xavier_truncated_normal", 2.0 / 800.0),
        ("he_normal", 2.0 / 300.0),
        ("kaiming_uniform", 2.0 / 300.0),
        ("he_truncated_normal", 2.0 / 300.0),
        ("normal:0.01", 1e-4),
        ("uniform:0.5", 0.25 / 3.0),
    ];
    for (i, (name, var)) in cases.iter().enumerate() {
        let init = Init::parse(name).unwrap();
        assert!(
            (init.variance(fans) - var).abs() < 1e-12 * var,
            "{name}: formula"
        );
        let w = draw(&init, fans, i as u64);
        let (m, s) = crate::stats::mean_std(&w);
        let rel = (s * s / var - 1.0).abs();
        assert!(
            rel < 5.0 * (2.0f64 / 1e6).sqrt(),
            "{name}: variance {} vs {var} (rel {rel:e})",
            s * s
        );
        assert!(m.abs() < 5.0 * var.sqrt() / 1e3, "{name}: mean {m}");
        let max = w.iter().fold(0f32, |a, &x| a.max(x.abs())) as f64;
        if name.contains("uniform") {
            let a = (3.0 * var).sqrt();
            // U[−a, a) in f32: |w| ≤ (a as f32), reached only at the included lower end.
            assert!(
                max <= (a as f32) as f64 && max > 0.999 * a,
                "{name}: bound {max} vs {a}"
            );
        } else if name.contains("truncated") {
            let a = 2.0 * var.sqrt() / TRUNC_STD_2;
            assert!(
                max <= a * (1.0 + 1e-6) && max > 0.99 * a,
                "{name}: bound {max} vs {a}"
            );
        } else {
            assert!(max > 4.5 * var.sqrt(), "{name}: normal tails reach {max}");
        }
    }
}

#[test]
fn uniform_bounds_are_the_seed_formulas() {
    let fans = Fans::dense(100, 100).unwrap();
    let bound = |n: &str| (3.0 * Init::parse(n).unwrap().variance(fans)).sqrt();
    assert!((bound("lecun_uniform") - (3.0f64 / 100.0).sqrt()).abs() < 1e-12);
    assert!((bound("he_uniform") - (6.0f64 / 100.0).sqrt()).abs() < 1e-12);
    assert!((bound("xavier_uniform") - (6.0f64 / 200.0).sqrt()).abs() < 1e-12);
}

#[test]
fn fan_modes_gains_and_conv_shapes() {
    let conv = Fans::from_shape(&[3, 3, 64, 128]).unwrap();
    assert_eq!(
        conv,
        Fans {
            fan_in: 576,
            fan_out: 1152
        }
    );
    let he = Init::parse("he_normal").unwrap();
    assert!((he.variance(conv) - 2.0 / 576.0).abs() < 1e-15);
    assert!(
        (he.clone().with_fan_mode(FanMode::FanOut).variance(conv) - 2.0 / 1152.0).abs() < 1e-15
    );
    assert!((he.clone().with_fan_mode(FanMode::FanAvg).variance(conv) - 2.0 / 864.0).abs() < 1e-15);
    let g = |s: &str| Gain::parse(s).unwrap().0;
    assert_eq!(g("linear"), 1.0);
    assert_eq!(g("sigmoid"), 1.0);
    assert!((g("tanh") - 5.0 / 3.0).abs() < 1e-15);
    assert!((g("relu") - 2f64.sqrt()).abs() < 1e-15);
    assert!((g("leaky_relu") - (2.0 / (1.0 + 1e-4f64)).sqrt()).abs() < 1e-15);
    assert!((g("leaky_relu:0.2") - (2.0 / 1.04f64).sqrt()).abs() < 1e-15);
    assert_eq!(g("selu"), 0.75);
    assert_eq!(g("2.5"), 2.5);
    let x = Init::parse("xavier_uniform")
        .unwrap()
        .with_gain(Gain::parse("tanh").unwrap());
    let fans = Fans::dense(1000, 1000).unwrap();
    assert!((x.variance(fans) - 25.0 / 9.0 / 1000.0).abs() < 1e-15);
    let w = draw(&x, fans, 5);
    let (_, s) = crate::stats::mean_std(&w);
    assert!((s / x.expected_std(fans) - 1.0).abs() < 5e-3);
}

#[test]
fn bad_parameters_are_typed_errors() {
    assert!(matches!(
        Init::parse("he_gaussian"),
        Err(InitError::UnknownName(_))
    ));
    assert!(matches!(
        Init::parse("bogus"),
        Err(InitError::UnknownName(_))
    ));
    assert!(matches!(
        Init::parse("normal:-1"),
        Err(InitError::BadNumber { .. })
    ));
    assert!(matches!(
        Init::parse("normal:nan"),
        Err(InitError::BadNumber { .. })
    ));
    assert!(matches!(
        Init::parse("uniform:0"),
        Err(InitError::BadNumber { .. })
    ));
    assert!(matches!(Fans::dense(0, 10), Err(InitError::ZeroDim { .. })));
    assert!(matches!(Fans::from_shape(&[10]), Err(InitError::Rank(1))));
    assert!(matches!(
        FanMode::parse("fan_mid"),
        Err(InitError::UnknownFanMode(_))
    ));
    assert!(matches!(
        Gain::parse("swish"),
        Err(InitError::UnknownNonlinearity(_))
    ));
    assert!(matches!(
        Gain::parse("-1"),
        Err(InitError::BadNumber { .. })
    ));
    assert!(
        Init::parse("unknown")
            .unwrap_err()
            .to_string()
            .contains("`unknown`")
    );
}

#[test]
fn naive_and_fast_paths_draw_the_same_distribution() {
    let fans = Fans::dense(1000, 1000).unwrap();
    for name in ["he_normal", "xavier_uniform", "lecun_truncated_normal"] {
        let init = Init::parse(name).unwrap();
        let mut a = vec![0f32; 1_000_000];
        let dist = init.dist(fans).unwrap();
        dist.fill(StreamKey::new(1, 1), &mut a, Method::RandDistr);
        let b = draw(&init, fans, 1);
        // The naive backend draws the fast one's values, by the scalar twin.
        let mut c = vec![0f32; 1_000_000];
        init.fill_stream(fans, StreamKey::new(1, 1), &mut c, Backend::Naive)
            .unwrap();
        assert!(
            c.iter()
                .zip(&b)
                .all(|(x, y)| (x - y).abs() <= 1e-6 * y.abs().max(1.0)),
            "{name}"
        );
        let (_, sa) = crate::stats::mean_std(&a);
        let (_, sb) = crate::stats::mean_std(&b);
        assert!((sa / sb - 1.0).abs() < 4e-3, "{name}: {sa} vs {sb}");
    }
}

// ---- the front door: constructors, sample and fill, rand's Distribution ----

#[test]
fn front_door_sample_and_fill_agree_for_any_thread_count() {
    use crate::init::Init;
    let shape = [3, 3, 64, 128];
    let draw = |threads: usize, init: &Init| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| init.sample(&shape, 7).unwrap())
    };
    for init in [
        Init::he_normal(),
        Init::xavier_uniform(),
        Init::lecun_truncated_normal(),
    ] {
        let one = draw(1, &init);
        let two = draw(2, &init);
        let three = draw(3, &init);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&one), bits(&two), "{}", init.name);
        assert_eq!(bits(&one), bits(&three), "{}", init.name);
        let mut buf = vec![0f32; 3 * 3 * 64 * 128];
        init.fill(&mut buf, &shape, 7).unwrap();
        assert_eq!(bits(&one), bits(&buf), "{}", init.name);
        // Fans from the HWIO shape: 9·64 in, 9·128 out.
        let fans = Fans::from_shape(&shape).unwrap();
        let var = one.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / one.len() as f64;
        let want = init.variance(fans);
        // n = 73 728: the sample variance is within 3% of Var (about 6 standard errors).
        assert!(
            (var / want - 1.0).abs() < 0.03,
            "{}: {var} vs {want}",
            init.name
        );
    }
    // Another seed, other values.
    assert_ne!(
        Init::he_normal().sample(&[16, 16], 7).unwrap(),
        Init::he_normal().sample(&[16, 16], 8).unwrap()
    );
}

#[test]
fn front_door_names_bad_input() {
    use crate::init::Init;
    use crate::init::InitError;
    let mut short = vec![0f32; 10];
    assert_eq!(
        Init::he_normal().fill(&mut short, &[4, 4], 1),
        Err(InitError::Length {
            len: 10,
            elements: 16
        })
    );
    assert!(matches!(
        Init::he_normal().sample(&[4, 0], 1),
        Err(InitError::ZeroDim { .. })
    ));
    assert!(matches!(
        Init::he_normal().sample(&[usize::MAX, 2], 1),
        Err(InitError::TooLarge(_))
    ));
    assert!(matches!(
        Init::normal(f64::NAN),
        Err(InitError::BadNumber { .. })
    ));
    assert!(matches!(
        Init::normal(-1.0),
        Err(InitError::BadNumber { .. })
    ));
    assert!(matches!(
        Init::uniform(0.0),
        Err(InitError::BadNumber { .. })
    ));
    assert_eq!(Init::normal(0.02).unwrap().name, "normal:0.02");
    let orth = Init::orthogonal().sample(&[8, 8], 3).unwrap();
    assert_eq!(orth.len(), 64);
    // A sampler error is the cause of an init error.
    let e = InitError::from(crate::sample::Normal::new(0.0, f32::NAN).unwrap_err());
    assert!(std::error::Error::source(&e).is_some());
}

#[test]
fn samplers_are_rand_distributions() {
    use crate::sample::{Normal, TruncatedNormal, Uniform};
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
    // n = 200 000 draws each: the mean within 0.01 (4.5 standard errors of a
    // unit normal), the std within 1%.
    let n = 200_000;
    let stats = |xs: &[f32]| {
        let m = xs.iter().map(|&x| f64::from(x)).sum::<f64>() / xs.len() as f64;
        let v = xs.iter().map(|&x| (f64::from(x) - m).powi(2)).sum::<f64>() / xs.len() as f64;
        (m, v.sqrt())
    };
    let normal = Normal::new(0.0, 1.0).unwrap();
    let xs: Vec<f32> = (0..n).map(|_| rng.sample(normal)).collect();
    let (m, s) = stats(&xs);
    assert!(m.abs() < 0.01 && (s - 1.0).abs() < 0.01, "normal: {m} {s}");
    let trunc = TruncatedNormal::new(0.0, 1.0).unwrap();
    let xs: Vec<f32> = (0..n).map(|_| rng.sample(trunc)).collect();
    let (m, s) = stats(&xs);
    assert!(
        m.abs() < 0.01 && (s - 1.0).abs() < 0.01,
        "truncated: {m} {s}"
    );
    let bound = 2.0 * trunc.sigma_prime();
    assert!(xs.iter().all(|x| x.abs() <= bound * (1.0 + 1e-6)));
    let uniform = Uniform::new(-0.5, 0.5).unwrap();
    let xs: Vec<f32> = (0..n).map(|_| rng.sample(uniform)).collect();
    let (m, s) = stats(&xs);
    assert!(xs.iter().all(|x| (-0.5..0.5).contains(x)));
    assert!(
        m.abs() < 0.01 && (s - (1.0f64 / 12.0).sqrt()).abs() < 0.01,
        "uniform: {m} {s}"
    );
}

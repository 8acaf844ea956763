//! Activations: accuracy against f64, special values, ranges, monotonicity, derivatives.
use crate::activation::Activation;

fn sweep() -> Vec<f32> {
    // 10^6 points evenly over [−100, 100], plus special and edge values.
    let n = 1_000_000;
    let mut xs: Vec<f32> = (0..n)
        .map(|i| -100.0 + 200.0 * i as f32 / (n - 1) as f32)
        .collect();
    xs.extend([
        0.0,
        -0.0,
        1e-30,
        -1e-30,
        1e-8,
        -1e-8,
        0.0625,
        -0.0625,
        0.06249,
        9.0,
        20.0,
        -20.0,
        88.0,
        -88.0,
        89.0,
        -104.0,
        f32::MAX,
        f32::MIN,
        f32::INFINITY,
        f32::NEG_INFINITY,
    ]);
    xs
}

fn reference(act: Activation, x: f64) -> f64 {
    match act {
        Activation::Sigmoid => 1.0 / (1.0 + (-x).exp()),
        Activation::Tanh => x.tanh(),
        Activation::Relu => x.max(0.0),
    }
}

#[test]
fn accuracy_against_f64() {
    let xs = sweep();
    for (act, tol) in [
        (Activation::Sigmoid, 2e-7),
        (Activation::Tanh, 4e-7),
        (Activation::Relu, 0.0),
    ] {
        let mut simd = vec![0f32; xs.len()];
        let mut scalar = vec![0f32; xs.len()];
        act.apply_simd(&xs, &mut simd);
        act.apply_scalar(&xs, &mut scalar);
        for (path, out) in [("simd", &simd), ("scalar twin", &scalar)] {
            let worst = xs
                .iter()
                .zip(out.iter())
                .map(|(&x, &y)| (y as f64 - reference(act, x as f64)).abs())
                .fold(0.0, f64::max);
            assert!(
                worst <= tol,
                "{} {path}: max abs error {worst:e} > {tol:e}",
                act.name()
            );
        }
        let mut par = vec![0f32; xs.len()];
        act.apply_simd_par(&xs, &mut par);
        assert_eq!(par, simd, "{}: parallel equals sequential", act.name());
    }
}

#[test]
fn special_values_and_ranges() {
    let s = |x: f32| {
        let mut o = [0f32; 17];
        Activation::Sigmoid.apply_simd(&[x; 17], &mut o);
        assert_eq!(
            o[0].to_bits(),
            o[16].to_bits(),
            "SIMD body and tail agree at {x}"
        );
        o[0]
    };
    let t = |x: f32| {
        let mut o = [0f32; 17];
        Activation::Tanh.apply_simd(&[x; 17], &mut o);
        o[0]
    };
    let r = |x: f32| {
        let mut o = [0f32; 17];
        Activation::Relu.apply_simd(&[x; 17], &mut o);
        o[0]
    };
    assert_eq!(s(f32::NEG_INFINITY), 0.0);
    assert_eq!(s(f32::INFINITY), 1.0);
    assert_eq!(s(0.0), 0.5);
    assert_eq!(s(-0.0), 0.5);
    assert!(s(f32::NAN).is_nan());
    assert_eq!(t(f32::INFINITY), 1.0);
    assert_eq!(t(f32::NEG_INFINITY), -1.0);
    assert_eq!(t(0.0).to_bits(), 0.0f32.to_bits());
    assert_eq!(t(-0.0).to_bits(), (-0.0f32).to_bits());
    assert!(t(f32::NAN).is_nan());
    assert_eq!(r(-3.0).to_bits(), 0.0f32.to_bits());
    assert_eq!(r(-0.0).to_bits(), 0.0f32.to_bits());
    assert_eq!(r(2.5), 2.5);
    assert_eq!(r(f32::NEG_INFINITY), 0.0);
    assert!(r(f32::NAN).is_nan());
    for x in sweep() {
        let (a, b) = (s(x), t(x));
        assert!(
            (0.0..=1.0).contains(&a) && (-1.0..=1.0).contains(&b),
            "range at {x}: {a} {b}"
        );
    }
}

#[test]
fn monotonic_over_a_dense_sweep() {
    // Every f32 step of 2^-12 over [−20, 20] (327 681 points): never decreasing.
    let xs: Vec<f32> = (0..=327_680).map(|i| -20.0 + i as f32 / 8192.0).collect();
    for act in Activation::ALL {
        let mut o = vec![0f32; xs.len()];
        act.apply_simd(&xs, &mut o);
        assert!(
            o.windows(2).all(|w| w[1] >= w[0]),
            "{} not monotonic",
            act.name()
        );
    }
}

#[test]
fn derivatives_match_f64() {
    // f′ from (x, f(x)) against the analytic f64 derivative; relu′(0) = 0.
    for act in Activation::ALL {
        for i in 0..20_001 {
            let x = -10.0 + i as f32 * 1e-3;
            let y = act.eval::<f32>(x);
            let d = act.derivative_from::<f32>(x, y) as f64;
            let r = reference(act, x as f64);
            let want = match act {
                Activation::Sigmoid => r * (1.0 - r),
                Activation::Tanh => 1.0 - r * r,
                Activation::Relu => (x > 0.0) as u8 as f64,
            };
            assert!(
                (d - want).abs() < 1e-6,
                "{} at {x}: {d} vs {want}",
                act.name()
            );
            assert!((act.naive_derivative(x) as f64 - want).abs() < 1e-6);
        }
    }
    assert_eq!(Activation::Relu.derivative_from::<f32>(0.0, 0.0), 0.0);
    assert!(Activation::parse("swish").is_err());
    assert_eq!(Activation::parse("ReLU"), Ok(Activation::Relu));
}

#[test]
fn exp_relative_error_and_special_values() {
    // 2·10⁶ points over [−87, 88]: relative error ≤ 2.5e-7 (about two f32 ulp),
    // the same on the SIMD and the scalar twin.
    use crate::activation::exp;
    use wide::f32x16;
    let xs: Vec<f32> = (0..2_000_000)
        .map(|i| -87.0 + 175.0 * i as f32 / 2e6)
        .collect();
    let mut worst = 0f64;
    for c in xs.chunks_exact(16) {
        let v = exp(f32x16::from(c));
        for (&x, &y) in c.iter().zip(v.as_array()) {
            assert_eq!(y.to_bits(), exp::<f32>(x).to_bits(), "twin at {x}");
            worst = worst.max((y as f64 / (x as f64).exp() - 1.0).abs());
        }
    }
    assert!(worst <= 2.5e-7, "max relative error {worst:e}");
    assert_eq!(exp::<f32>(f32::NEG_INFINITY), 0.0);
    assert_eq!(exp::<f32>(-104.0), 0.0);
    assert_eq!(exp::<f32>(f32::INFINITY), f32::INFINITY);
    assert_eq!(exp::<f32>(0.0), 1.0);
    assert!(exp::<f32>(f32::NAN).is_nan());
    assert!(exp(f32x16::splat(f32::NAN)).as_array()[3].is_nan());
}

#[test]
fn streaming_stores_write_the_same_bytes() {
    // Above STREAM_MIN the output goes out through streaming stores after an
    // unaligned head; offset 3 makes the head non-empty. Compared bit for bit
    // with the scalar twin, plus NaN and infinities inside the streamed part; the
    // copy through the same loop gives back the input.
    use crate::activation::STREAM_MIN;
    let n = STREAM_MIN + 37;
    let mut x: Vec<f32> = (0..n)
        .map(|i| ((i * 7919) % 20_000) as f32 / 500.0 - 20.0)
        .collect();
    x[1000] = f32::NAN;
    x[1001] = f32::INFINITY;
    x[1002] = f32::NEG_INFINITY;
    for act in Activation::ALL {
        let mut scalar = vec![0f32; n];
        act.apply_scalar(&x, &mut scalar);
        let mut buf = vec![0f32; n + 3];
        act.apply_simd(&x, &mut buf[3..]);
        let mut par = vec![0f32; n];
        act.apply_simd_par(&x, &mut par);
        let mut copy = vec![0f32; n + 3];
        crate::activation::copy_simd(&x, &mut copy[3..]);
        let mut copy_par = vec![0f32; n];
        crate::activation::copy_simd_par(&x, &mut copy_par);
        let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert!(
            bits(&copy[3..]) == bits(&x) && bits(&copy_par) == bits(&x),
            "copy"
        );
        for (i, ((&a, &b), &c)) in scalar.iter().zip(&buf[3..]).zip(&par).enumerate() {
            assert!(
                a.to_bits() == b.to_bits() && a.to_bits() == c.to_bits(),
                "{} at {i} (x = {}): scalar {a}, simd {b}, par {c}",
                act.name(),
                x[i]
            );
        }
    }
}

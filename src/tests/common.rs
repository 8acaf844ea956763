//! Shared test helpers: reference CDFs and the KS statistic.
#![allow(dead_code)]

/// erf(x) to ~1e-12 (series for small |x|, continued fraction via erfc otherwise).
pub fn erf(x: f64) -> f64 {
    if x.abs() < 2.5 {
        // Taylor series: erf x = 2/√π Σ (−1)ⁿ x^(2n+1) / (n! (2n+1))
        let mut sum = 0.0;
        let mut term = x;
        let mut n = 0.0;
        while term.abs() > 1e-17 {
            sum += term / (2.0 * n + 1.0);
            n += 1.0;
            term *= -x * x / n;
        }
        sum * 2.0 / std::f64::consts::PI.sqrt()
    } else {
        x.signum() * (1.0 - erfc_cf(x.abs()))
    }
}

/// erfc for x ≥ 2.5 by Lentz's continued fraction.
fn erfc_cf(x: f64) -> f64 {
    // erfc x = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...))))
    let mut f = 0.0;
    for k in (1..200).rev() {
        f = (k as f64 / 2.0) / (x + f);
    }
    (-x * x).exp() / std::f64::consts::PI.sqrt() / (x + f)
}

/// Φ(x), the standard normal CDF.
pub fn phi(x: f64) -> f64 {
    0.5 * (1.0 + erf(x / std::f64::consts::SQRT_2))
}

/// The Kolmogorov–Smirnov statistic of `xs` against `cdf`.
pub fn ks(xs: &[f32], cdf: impl Fn(f64) -> f64) -> f64 {
    let mut v: Vec<f64> = xs.iter().map(|&x| x as f64).collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len() as f64;
    let mut d: f64 = 0.0;
    for (i, &x) in v.iter().enumerate() {
        let f = cdf(x);
        d = d
            .max((f - i as f64 / n).abs())
            .max(((i + 1) as f64 / n - f).abs());
    }
    d
}

/// Sample moments: mean, sd, skewness, excess kurtosis.
pub fn moments(xs: &[f32]) -> (f64, f64, f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().map(|&x| x as f64).sum::<f64>() / n;
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    for &x in xs {
        let d = x as f64 - mean;
        m2 += d * d;
        m3 += d * d * d;
        m4 += d * d * d * d;
    }
    let (m2, m3, m4) = (m2 / n, m3 / n, m4 / n);
    (mean, m2.sqrt(), m3 / m2.powf(1.5), m4 / (m2 * m2) - 3.0)
}

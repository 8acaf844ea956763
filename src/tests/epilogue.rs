//! The layer epilogue: fused (tiled) and unfused passes give the same bytes,
//! and both meet the textbook scalar reference.
use crate::activation::Activation;
use crate::network::{epilogue, stats_for};
use crate::rng::StreamKey;
use crate::sample::{Dist, Method, Normal};

#[test]
fn fused_epilogue_matches_unfused_and_naive() {
    let n = 64 * 100 + 7;
    let mut x = vec![0f32; n];
    Dist::Normal(Normal::new(0.0, 2.0).unwrap()).fill(StreamKey::new(8, 0), &mut x, Method::Simd);
    for act in Activation::ALL {
        let (mut a1, mut a2, mut a3) = (x.clone(), x.clone(), x.clone());
        let (mut d1, mut d2, mut d3) = (vec![0f32; n], vec![0f32; n], vec![0f32; n]);
        let (mut s1, mut s2, mut s3) = (stats_for(act, 30), stats_for(act, 30), stats_for(act, 30));
        epilogue::fused(act, &mut a1, &mut d1, &mut s1);
        epilogue::unfused(act, &mut a2, &mut d2, &mut s2);
        epilogue::naive(act, &mut a3, &mut d3, &mut s3);
        assert_eq!(a1, a2, "{}: same activations", act.name());
        assert_eq!(d1, d2, "{}: same derivatives", act.name());
        let (f, u, r) = (s1.finish(), s2.finish(), s3.finish());
        assert_eq!(f.histogram, u.histogram);
        assert!((f.mean - u.mean).abs() < 1e-7 && (f.std - u.std).abs() < 1e-7);
        // Against the textbook scalar path: values within 4e-7, so moments agree closely
        // and at most a few values change bins.
        assert!(
            a1.iter()
                .zip(&a3)
                .all(|(p, q)| (p - q).abs() <= 4e-7 * q.abs().max(1.0))
        );
        assert!(d1.iter().zip(&d3).all(|(p, q)| (p - q).abs() <= 1e-6));
        assert!((f.mean - r.mean).abs() < 1e-6 && (f.std - r.std).abs() < 1e-6);
        let moved: u64 = f
            .histogram
            .counts
            .iter()
            .zip(&r.histogram.counts)
            .map(|(a, b)| a.abs_diff(*b))
            .sum();
        assert!(moved <= 4, "{}: {moved} values changed bins", act.name());
        let (pm, pv) = s1.preact_mean_var();
        let (qm, qv) = s3.preact_mean_var();
        assert!((pm - qm).abs() < 1e-6 && (pv - qv).abs() < 1e-5 * qv);
    }
}

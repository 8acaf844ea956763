//! The reference path: rand_distr element by element from one `Xoshiro256PlusPlus`.
//!
//! The truncated normal is drawn by rejection from N(mean, σ'²), keeping values
//! within ±2σ' (the definition, with no cleverness).
use super::Dist;
use crate::rng::StreamKey;
use rand::SeedableRng;
use rand_distr::Distribution;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator of the naive path for `key`.
pub fn rng(key: StreamKey) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(key.scalar_seed())
}

/// Fills `out` from `dist`, one element at a time.
pub fn fill(dist: &Dist, key: StreamKey, out: &mut [f32]) {
    let mut r = rng(key);
    match *dist {
        Dist::Uniform(u) => {
            let d = rand_distr::Uniform::new(u.lo(), u.hi()).expect("validated by Uniform::new");
            for x in out.iter_mut() {
                *x = d.sample(&mut r);
            }
        }
        Dist::Normal(n) => {
            let d = rand_distr::Normal::new(n.mean(), n.std()).expect("validated by Normal::new");
            for x in out.iter_mut() {
                *x = d.sample(&mut r);
            }
        }
        Dist::TruncatedNormal(t) => {
            let sp = t.sigma_prime();
            let d = rand_distr::Normal::new(0.0f32, sp).expect("validated by TruncatedNormal::new");
            for x in out.iter_mut() {
                *x = t.mean()
                    + loop {
                        let z = d.sample(&mut r);
                        if z.abs() <= 2.0 * sp {
                            break z;
                        }
                    };
            }
        }
    }
}

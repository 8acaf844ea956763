use weightinit::rng::StreamKey;
use weightinit::sample::*;
fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    let d = if which == "normal" {
        Dist::Normal(Normal::new(0.0, 1.0).unwrap())
    } else {
        Dist::Uniform(Uniform::new(-1.0, 1.0).unwrap())
    };
    let mut v = vec![0f32; 1 << 20];
    let t = std::time::Instant::now();
    for i in 0..300 {
        d.fill(StreamKey::new(i, 0), &mut v, Path::Simd);
    }
    println!(
        "{which}: {:.2} G/s",
        300.0 * (1 << 20) as f64 / t.elapsed().as_secs_f64() / 1e9
    );
}

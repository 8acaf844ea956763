fn main() {
    let t = std::time::Instant::now();
    let mut s = 0.0;
    for i in 0..20000 { s += weightinit::peak::fma_loop(1.0001 + i as f32 * 1e-9); }
    let dt = t.elapsed().as_secs_f64();
    println!("{} GFLOP/s {s}", 20000.0 * weightinit::peak::FLOP_PER_CALL as f64 / dt / 1e9);
}

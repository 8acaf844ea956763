//! Shared by the GEMM benchmarks.

/// The operands of an `m × k × n` product, row-major: small multiples of 1/8
/// (exact in f32), the same in every GEMM benchmark so that their figures
/// compare.
pub fn operands(m: usize, k: usize, n: usize) -> (Vec<f32>, Vec<f32>) {
    let a = (0..m * k)
        .map(|i| ((i * 7 % 13) as f32 - 6.0) / 8.0)
        .collect();
    let b = (0..k * n)
        .map(|i| ((i * 5 % 11) as f32 - 5.0) / 8.0)
        .collect();
    (a, b)
}

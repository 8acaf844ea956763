//! Shared by the benchmarks.
use weightinit::gemm::{GemmError, MatMut, MatRef};

/// The operands of an `m × k × n` product, row-major: small multiples of 1/8
/// (exact in f32), the same in every GEMM benchmark so that their figures
/// compare.
#[allow(dead_code)] // the GEMM benches only
pub fn operands(m: usize, k: usize, n: usize) -> (Vec<f32>, Vec<f32>) {
    let a = (0..m * k)
        .map(|i| ((i * 7 % 13) as f32 - 6.0) / 8.0)
        .collect();
    let b = (0..k * n)
        .map(|i| ((i * 5 % 11) as f32 - 5.0) / 8.0)
        .collect();
    (a, b)
}

/// The suite's criterion settings, sized so that a full `cargo bench` fits a
/// 10-minute gate on 2 cores: 0.5 s of warm-up and 1.5 s of measurement per
/// benchmark, 20 samples (criterion's defaults are 3 s, 5 s and 100), and no
/// HTML report (its plots took about as long as the measurements). Flags on
/// the command line (`--warm-up-time`, `--measurement-time`, `--sample-size`,
/// `--quick`) still override the times and counts; groups of slow
/// benchmarks set fewer samples and flat sampling themselves.
#[allow(dead_code)] // sgemm_pairs, which shares this module, has no criterion
pub fn config() -> criterion::Criterion {
    // The suite's settings are part of every benchmark's definition (its
    // suite version): one constant, read here and by `report`.
    let s = weightinit::results::suite::SETTINGS;
    criterion::Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(s.warm_up_ms))
        .measurement_time(std::time::Duration::from_millis(s.measurement_ms))
        .sample_size(s.sample_size)
        .without_plots()
}

/// `C ← α·A·B + β·C` by `matrixmultiply::sgemm`: the GEMM benchmarks' peer.
#[allow(dead_code)] // the GEMM benches only
pub fn matrixmultiply_sgemm(
    alpha: f32,
    a: MatRef,
    b: MatRef,
    beta: f32,
    c: &mut MatMut,
) -> Result<(), GemmError> {
    let (m, k, n) = (c.rows(), a.cols(), c.cols());
    assert!(
        a.rows() == m && b.rows() == k && b.cols() == n,
        "the benches' shapes agree"
    );
    if m == 0 || n == 0 {
        return Ok(());
    }
    let ((ars, acs), (brs, bcs), (crs, ccs)) = (a.strides(), b.strides(), c.strides());
    // SAFETY: the three views were validated against their slices by their
    // constructors (every element of each shape is inside its slice), and C's
    // elements are distinct slots; matrixmultiply reads and writes exactly
    // the elements of these shapes and strides.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            alpha,
            a.as_slice().as_ptr(),
            ars as isize,
            acs as isize,
            b.as_slice().as_ptr(),
            brs as isize,
            bcs as isize,
            beta,
            c.as_mut_slice().as_mut_ptr(),
            crs as isize,
            ccs as isize,
        );
    }
    Ok(())
}

//! The roofline (Williams, Waterman & Patterson, "Roofline: an insightful
//! visual performance model for multicore architectures", CACM 52(4), 2009):
//! each kernel at its arithmetic intensity against the machine's measured
//! roofs.
//!
//! A kernel that does `F` FLOP while moving `B` bytes runs at most at
//! `min(P, I·W)`, with `I = F/B` its intensity, `P` the compute roof and `W`
//! the bandwidth of the level its data live in. All roofs are measured by
//! the suite on the machine itself:
//!
//! * **compute**: `peak/fma_f32/1` and `peak/fma_f32/par`, the register-only
//!   FMA loop on one thread and on all;
//! * **bandwidth**, per level, the fastest loop measured at that level's
//!   size: the read-and-write loops (`activation_f32/{copy,memcpy}`, and
//!   ReLU, which is a copy with one max per element: 8 bytes per element)
//!   and the write-only fill (`fill_f32`: 4 bytes per element, 8 where the
//!   buffer is in memory and each line is read for ownership first), at 4096
//!   elements (L1), 65536 (L2), 2²⁰ (L3) and 2²⁴ (memory), on one thread
//!   and on all (`_par`, `par`). A roof must bound every kernel under it,
//!   so it is the best bandwidth any of them showed: on a Zen 3 the ReLU
//!   loop at 2²⁴ ran 1.2× as fast as the copy loop, beyond both runs' spread.
//!
//! A kernel meets the bandwidth of the smallest level whose roof's working
//! set holds its bytes, and the roofs of its thread count (`par` in its
//! implementation, or the rayon-parallel `fast` experiment and training).
//! The work of each benchmark is counted by [`work`], its formula beside it:
//! FLOP counts arithmetic (an FMA is 2, a division, square root, min or max
//! 1; integer and bit operations 0), bytes the traffic of one iteration:
//! each value read once and written once, and a write with ordinary stores
//! to a buffer in memory counted twice (write-allocate). Benchmarks without floating-point work (`rng_u32`) and the
//! roofs themselves are not points.
#![forbid(unsafe_code)]

use super::{BenchResult, ResultsFile};
use serde::Serialize;

/// The work of one iteration of a benchmark.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Work {
    /// Floating-point operations.
    pub flop: f64,
    /// Bytes moved to and from memory.
    pub bytes: f64,
    /// How both were counted.
    pub formula: String,
}

impl Work {
    /// FLOP per byte.
    pub fn intensity(&self) -> f64 {
        self.flop / self.bytes
    }
}

/// The sizes of the bandwidth roofs (elements) and their names.
pub const LEVELS: [(u64, &str); 4] = [
    (4096, "L1"),
    (1 << 16, "L2"),
    (1 << 20, "L3"),
    (1 << 24, "memory"),
];

/// FLOP per element of an activation: sigmoid, the exponential's reduction
/// and polynomial (14: 6 FMAs, a subtraction, a multiplication) then
/// `1/(1 + 2ⁿ·eʳ)` (an addition, an FMA, a division); tanh the same on −2|x|
/// (a multiplication more) and `−m/(m + 2)` (an FMA, a subtraction, an
/// addition, a division); ReLU one max.
fn activation_flop(name: &str) -> Option<f64> {
    Some(match name {
        "sigmoid" => 18.0,
        "tanh" => 20.0,
        "relu" => 1.0,
        _ => return None,
    })
}

/// Values from which a written buffer lives in memory rather than in cache
/// (2²² floats, 16 MiB: the activations' streaming-store threshold).
const IN_MEMORY: f64 = (1u64 << 22) as f64;

/// The bytes of writing `n` floats with ordinary stores: 4 each, and from
/// [`IN_MEMORY`] on 8, as every line is read from memory for ownership before
/// it is written (in cache that read is a hit and costs no traffic).
fn written(n: f64) -> f64 {
    if n >= IN_MEMORY { 8.0 * n } else { 4.0 * n }
}

/// Parses `AxBxC…` into numbers.
fn dims(size: &str) -> Option<Vec<f64>> {
    size.split('x').map(|d| d.parse::<f64>().ok()).collect()
}

/// The sizes of the training networks of the `train` benchmarks: input, four
/// hidden layers of 100, 10 classes; and the rows their accuracy reads.
fn train_net(data: &str) -> Option<(Vec<usize>, usize)> {
    match data {
        "digits" => Some((vec![64, 100, 100, 100, 100, 10], 1797)),
        "fashion" => Some((vec![784, 100, 100, 100, 100, 10], 11_000)),
        _ => None,
    }
}

/// The work of one iteration of benchmark `group/implementation/size`,
/// where it does floating-point work.
pub fn work(group: &str, implementation: &str, size: &str) -> Option<Work> {
    let w = |flop: f64, bytes: f64, formula: &str| {
        Some(Work {
            flop,
            bytes,
            formula: formula.to_string(),
        })
    };
    match group {
        "sgemm" => {
            let d = dims(size)?;
            let (m, n, k) = (*d.first()?, *d.get(1)?, *d.get(2)?);
            w(
                2.0 * m * n * k,
                4.0 * (m * k + k * n + 2.0 * m * n),
                "2mnk FLOP; A and B read, C read and written once: 4(mk + kn + 2mn) bytes",
            )
        }
        "activation_f32" => {
            let n: f64 = size.parse().ok()?;
            let f = activation_flop(implementation.split('_').next()?)?;
            w(
                f * n,
                8.0 * n,
                &format!("{f} FLOP per element by the polynomial; 1 read + 1 write of 4 bytes"),
            )
        }
        "uniform_f32" => {
            let n: f64 = size.parse().ok()?;
            w(
                3.0 * n,
                written(n),
                "3 FLOP per value (u − 1, a + (b − a)·u); one 4-byte write (twice in memory: write-allocate)",
            )
        }
        "normal_f32" => {
            let n: f64 = size.parse().ok()?;
            w(
                14.0 * n,
                written(n),
                "14 FLOP per value (per 4 values: the log's polynomial 14, two square roots, \
                 two sine/cosine pairs 26, the splits and outputs 14); one 4-byte write (twice in memory)",
            )
        }
        "trunc_normal_f32" => {
            let n: f64 = size.parse().ok()?;
            w(
                24.0 * n,
                written(n),
                "24 FLOP per value (q and x by FMA, P and Q of degree 4 by Horner, a division, \
                 the scaling); one 4-byte write (twice in memory)",
            )
        }
        "experiment" => {
            let d = dims(size)?;
            let (b, wd, l) = (*d.first()?, *d.get(1)?, *d.get(2)?);
            w(
                2.0 * b * wd * wd * l,
                4.0 * l * (2.0 * b * wd + wd * wd),
                "the GEMMs' 2·B·W²·L FLOP; per layer the input and output (4·2BW) and the weights (4W²)",
            )
        }
        "experiment_grid" => {
            let runs: f64 = size.parse().ok()?;
            let (b, wd, l) = (1000.0, 100.0, 5.0);
            w(
                runs * 2.0 * b * wd * wd * l,
                runs * 4.0 * l * (2.0 * b * wd + wd * wd),
                "per run as `experiment` at 1000x100x5",
            )
        }
        "layer" => {
            let d = dims(size)?;
            let (b, wd) = (*d.first()?, *d.get(1)?);
            w(
                2.0 * b * wd * wd,
                4.0 * (2.0 * b * wd + wd * wd),
                "2BW² FLOP; the input and output (4·2BW) and the weights (4W²)",
            )
        }
        "orthogonal" => {
            let n: f64 = size.parse().ok()?;
            w(
                8.0 / 3.0 * n * n * n,
                8.0 * n * n,
                "Householder QR (4n³/3) and forming Q (4n³/3); the matrix read and Q written",
            )
        }
        "train" => {
            let (sizes, eval_rows) = train_net(size)?;
            const STEPS: usize = 200;
            const BATCH: usize = 128;
            let params: usize = sizes.windows(2).map(|s| s[0] * s[1] + s[1]).sum();
            let flop = STEPS as u64 * crate::train::step_flop(&sizes, BATCH)
                + crate::train::forward_flop(&sizes, eval_rows);
            let per_step = 4 * (5 * params + 2 * BATCH * sizes[0]);
            w(
                flop as f64,
                (STEPS * per_step + 4 * eval_rows * sizes[0]) as f64,
                "the GEMMs' FLOP (train::step_flop, forward_flop); per step the parameters read \
                 and written 5 times and the batch gathered, then the accuracy's rows",
            )
        }
        _ => None,
    }
}

/// A roof: a compute ceiling (GFLOP/s) or a bandwidth (GB/s).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Roof {
    /// e.g. `FMA peak, all threads`, `L2 bandwidth, 1 thread`.
    pub name: String,
    /// GFLOP/s for a compute roof, GB/s for a bandwidth.
    pub value: f64,
    /// Whether this is a bandwidth.
    pub bandwidth: bool,
    /// All threads (else one).
    pub all_threads: bool,
    /// The benchmark it was measured by.
    pub from: String,
    /// For a bandwidth: the bytes its level holds (a copy of its size's
    /// elements: 8 bytes each).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_set: Option<f64>,
}

/// A benchmark on the roofline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Point {
    /// Benchmark ID.
    pub id: String,
    /// Its work per iteration.
    pub work: Work,
    /// FLOP per byte.
    pub intensity: f64,
    /// Achieved GFLOP/s (at the median time).
    pub gflops: f64,
    /// Whether it runs on all threads.
    pub all_threads: bool,
    /// The roof that limits it at its intensity.
    pub bound: String,
    /// That roof's GFLOP/s at this intensity.
    pub bound_gflops: f64,
    /// `gflops / bound_gflops`.
    pub share: f64,
}

/// A machine's roofline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Roofline {
    /// The machine id.
    pub machine_id: String,
    /// Compute roofs, then bandwidth roofs from L1 to memory.
    pub roofs: Vec<Roof>,
    /// Every benchmark with floating-point work, in ID order.
    pub points: Vec<Point>,
    /// The levels without a roof in this file (older files lack the L2 point).
    pub missing: Vec<String>,
}

/// Whether benchmark `id` runs on all threads.
fn on_all_threads(b: &BenchResult) -> bool {
    b.implementation.contains("par")
        || (b.implementation == "fast"
            && matches!(b.group.as_str(), "experiment" | "experiment_grid" | "train"))
}

/// The roofline of a results file; `None` without a compute roof.
pub fn roofline(f: &ResultsFile) -> Option<Roofline> {
    let gflops = |b: &BenchResult, flop: f64| flop / b.median_ns;
    let mut roofs = Vec::new();
    for (id, all) in [("peak/fma_f32/1", false), ("peak/fma_f32/par", true)] {
        let b = f.benchmarks.get(id)?;
        roofs.push(Roof {
            name: format!("FMA peak, {}", if all { "all threads" } else { "1 thread" }),
            value: gflops(b, b.per_iteration? as f64),
            bandwidth: false,
            all_threads: all,
            from: id.to_string(),
            working_set: None,
        });
    }
    let mut missing = Vec::new();
    for (n, level) in LEVELS {
        for all in [false, true] {
            // (benchmark, bytes per element)
            let candidates: Vec<(String, f64)> = if all {
                vec![
                    (format!("activation_f32/copy_par/{n}"), 8.0),
                    (format!("activation_f32/memcpy_par/{n}"), 8.0),
                    (format!("activation_f32/relu_simd_par/{n}"), 8.0),
                    (format!("fill_f32/par/{n}"), written(n as f64) / n as f64),
                ]
            } else {
                vec![
                    (format!("activation_f32/copy/{n}"), 8.0),
                    (format!("activation_f32/memcpy/{n}"), 8.0),
                    (format!("activation_f32/relu_simd/{n}"), 8.0),
                    (format!("activation_f32/relu_naive/{n}"), 8.0),
                    (format!("fill_f32/seq/{n}"), written(n as f64) / n as f64),
                ]
            };
            let best = candidates
                .iter()
                .filter_map(|(id, per)| {
                    let b = f.benchmarks.get(id)?;
                    Some((id, per * n as f64 / b.median_ns))
                })
                .max_by(|a, b| a.1.total_cmp(&b.1));
            match best {
                Some((id, gbs)) => roofs.push(Roof {
                    name: format!(
                        "{level} bandwidth, {}",
                        if all { "all threads" } else { "1 thread" }
                    ),
                    value: gbs,
                    bandwidth: true,
                    all_threads: all,
                    from: id.clone(),
                    // The level holds what a copy of n elements moves.
                    working_set: Some(8.0 * n as f64),
                }),
                None if !all => missing.push(level.to_string()),
                None => {}
            }
        }
    }
    // All threads can do at least what one can: where a level's parallel
    // loop measured slower than its one-thread loop (small sizes, where
    // waking the pool costs more than the copy), the one-thread figure is
    // that level's all-threads roof too.
    let one: Vec<(String, f64, String)> = roofs
        .iter()
        .filter(|r| !r.all_threads)
        .map(|r| {
            (
                r.name.replace("1 thread", "all threads"),
                r.value,
                r.from.clone(),
            )
        })
        .collect();
    for r in roofs.iter_mut().filter(|r| r.all_threads) {
        if let Some((_, v, from)) = one.iter().find(|(n, v, _)| *n == r.name && *v > r.value) {
            r.value = *v;
            r.from = from.clone();
        }
    }
    let mut points = Vec::new();
    for (id, b) in &f.benchmarks {
        let Some(work) = work(&b.group, &b.implementation, &b.size) else {
            continue;
        };
        let all = on_all_threads(b);
        let i = work.intensity();
        let compute = roofs
            .iter()
            .find(|r| !r.bandwidth && r.all_threads == all)?;
        // The smallest level whose working set holds this benchmark's bytes.
        let bw = roofs
            .iter()
            .filter(|r| r.bandwidth && r.all_threads == all)
            .find(|r| r.working_set.unwrap_or(0.0) >= work.bytes)
            .or_else(|| {
                roofs
                    .iter()
                    .rev()
                    .find(|r| r.bandwidth && r.all_threads == all)
            });
        let (bound, bound_gflops) = match bw {
            Some(r) if r.value * i < compute.value => (r.name.clone(), r.value * i),
            _ => (compute.name.clone(), compute.value),
        };
        let g = gflops(b, work.flop);
        points.push(Point {
            id: id.clone(),
            intensity: i,
            gflops: g,
            all_threads: all,
            bound,
            bound_gflops,
            share: g / bound_gflops,
            work,
        });
    }
    Some(Roofline {
        machine_id: f.machine_id.clone(),
        roofs,
        points,
        missing,
    })
}

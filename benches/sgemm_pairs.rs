//! Paired ratios of the GEMM against its peers, for shared and noisy machines.
//!
//! Criterion measures one benchmark after another for seconds each, so on a
//! machine whose other tenants come and go, two implementations can be timed in
//! different weather and their ratio moves by ±10% between runs (see the
//! README). Here the two sides of each ratio alternate in short runs (about
//! 0.3 GFLOP each, three repetitions), the order flipping every pair,
//! and the median and quartiles of the per-pair ratios are printed: a burst of
//! load mostly slows both runs of a pair alike, so the median moves far less
//! between runs than the ratio of two criterion medians.
//!
//! Each line also gives the best rate of the numerator as a share of the
//! one-core FMA peak (`peak::fma_loop`, measured first, best of 30), times the
//! rayon threads for `blocked_par`.
//!
//! The ratios against `peak/fma_f32/1` pair each run of the one-thread GEMM
//! with a run of the FMA loop of the same length, so that its share of the
//! peak is taken in one weather too: in criterion's run the two benchmarks
//! are minutes apart, and the peak loop alone has read 208–238 GFLOP/s on the
//! same machine on different hours.
//!
//! Each side of a pair is three runs. The ratio of their medians is what a
//! user's typical call sees (it keeps a per-call cost or a slow call that
//! the best run skips); the ratio of their best runs is printed beside it.
//!
//! **Guard:** the bench exits 1 when the one-thread blocked GEMM takes more
//! than twice matrixmultiply's time (median pair) at any shape it pairs them
//! on, so `cargo bench` fails on a 2× regression of the product on the
//! machine at hand, whatever the machine's speed.
//!
//! `cargo bench --bench sgemm_pairs` (all ratios), or with a filter on the
//! ratio's name, e.g. `cargo bench --bench sgemm_pairs -- 1024`. `PAIRS=N`
//! sets the pairs per ratio (default 30).
use std::hint::black_box;
use std::time::Instant;
use weightinit::bench::{FLOP_PER_CALL, fma_loop};
use weightinit::gemm::{self, GemmError, MatMut, MatRef};

mod common;

type Gemm = fn(f32, MatRef, MatRef, f32, &mut MatMut) -> Result<(), GemmError>;

/// The denominator of a ratio: another GEMM on the same operands, or the
/// one-core FMA loop.
#[derive(Clone, Copy)]
enum Den {
    Gemm(&'static str, Gemm),
    Peak,
}

/// One comparison: `num` over `den` on an `m × k × n` product.
struct Ratio {
    shape: (usize, usize, usize),
    num: (&'static str, Gemm),
    den: Den,
}

impl Ratio {
    /// Cores the numerator runs on.
    fn threads(&self) -> usize {
        if self.num.0 == "blocked_par" {
            rayon::current_num_threads()
        } else {
            1
        }
    }
}

/// GFLOP/s of the FMA loop over three runs of about 0.3 GFLOP each (the
/// length of one side of a GEMM pair): (median, best).
fn fma_rate() -> (f64, f64) {
    let calls = (3e8 / FLOP_PER_CALL as f64).ceil() as u64;
    let mut r = [0f64; 3];
    for x in &mut r {
        let t = Instant::now();
        for _ in 0..calls {
            black_box(fma_loop(black_box(1.0001)));
        }
        *x = (FLOP_PER_CALL * calls) as f64 / t.elapsed().as_secs_f64() / 1e9;
    }
    r.sort_by(f64::total_cmp);
    (r[1], r[2])
}

/// GFLOP/s of `f` over three runs of about 0.3 GFLOP each: (median, best).
fn rate(
    f: Gemm,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    (m, k, n): (usize, usize, usize),
) -> (f64, f64) {
    let flop = 2.0 * (m * k * n) as f64;
    let reps = ((3e8 / flop) as usize).max(1);
    let mut r = [0f64; 3];
    for x in &mut r {
        let t = Instant::now();
        for _ in 0..reps {
            let ar = MatRef::row_major(a, m, k).expect("A fits");
            let br = MatRef::row_major(b, k, n).expect("B fits");
            let mut cm = MatMut::row_major(c, m, n).expect("C fits");
            f(1.0, ar, br, 0.0, &mut cm).expect("shapes chain");
            black_box(&cm);
        }
        *x = flop * reps as f64 / t.elapsed().as_secs_f64() / 1e9;
    }
    r.sort_by(f64::total_cmp);
    (r[1], r[2])
}

/// What the command line asks for. `cargo bench` hands every bench target
/// criterion's flags (`--bench`, `--quick`, `--warm-up-time 1`, …): this
/// harness skips them and their values, takes the first free argument as a
/// filter on the ratio's name (a substring, or the whole name with
/// `--exact`), lists nothing for `--list` (it has no criterion benchmark),
/// and runs nothing for `--test`.
struct Cli {
    filter: Option<String>,
    exact: bool,
    run: bool,
}

impl Cli {
    fn parse(args: impl Iterator<Item = String>) -> Cli {
        const WITH_VALUE: [&str; 19] = [
            "--warm-up-time",
            "--measurement-time",
            "--sample-size",
            "--save-baseline",
            "-s",
            "--baseline",
            "-b",
            "--baseline-lenient",
            "--load-baseline",
            "--output-format",
            "--format",
            "--color",
            "-c",
            "--nresamples",
            "--noise-threshold",
            "--confidence-level",
            "--significance-level",
            "--profile-time",
            "--plotting-backend",
        ];
        let mut cli = Cli {
            filter: None,
            exact: false,
            run: true,
        };
        let mut args = args.skip(1);
        while let Some(a) = args.next() {
            if WITH_VALUE.contains(&a.as_str()) {
                args.next();
            } else if a == "--exact" {
                cli.exact = true;
            } else if a == "--list" || a == "--test" {
                cli.run = false;
            } else if !a.starts_with('-') && cli.filter.is_none() {
                cli.filter = Some(a);
            }
        }
        cli
    }

    fn selects(&self, name: &str) -> bool {
        match &self.filter {
            None => true,
            Some(f) if self.exact => name == f,
            Some(f) => name.contains(f.as_str()),
        }
    }
}

/// The median and quartiles of a sample.
fn quartiles(mut q: Vec<f64>) -> [f64; 3] {
    q.sort_by(f64::total_cmp);
    let at = |f: f64| q[((q.len() - 1) as f64 * f).round() as usize];
    [at(0.25), at(0.5), at(0.75)]
}

/// The guard: the blocked GEMM on one thread must not take more than this
/// many times matrixmultiply's time (median pair), or the bench exits 1.
const GUARD: f64 = 2.0;

fn main() {
    let blocked = ("blocked", gemm::sgemm as Gemm);
    let mm = Den::Gemm("matrixmultiply", common::matrixmultiply_sgemm);
    let par = ("blocked_par", gemm::sgemm_par as Gemm);
    let ratio = |shape, num, den| Ratio { shape, num, den };
    let ratios = [
        ratio((1000, 100, 100), blocked, mm),
        ratio((256, 256, 256), blocked, mm),
        ratio((1024, 1024, 1024), blocked, mm),
        ratio((1024, 1024, 1024), par, Den::Gemm(blocked.0, blocked.1)),
        ratio((1000, 100, 100), blocked, Den::Peak),
        ratio((1024, 1024, 1024), blocked, Den::Peak),
        ratio((2048, 2048, 2048), blocked, Den::Peak),
    ];
    let cli = Cli::parse(std::env::args());
    let name = |r: &Ratio| {
        let (m, k, n) = r.shape;
        let den_name = match r.den {
            Den::Gemm(name, _) => name,
            Den::Peak => "peak/fma_f32/1",
        };
        format!("sgemm/{}/{m}x{k}x{n} : {den_name}", r.num.0)
    };
    // Nothing to run (`--list`, `--test`, or a filter of another bench's
    // benchmarks, as `cargo bench -- FILTER` hands every target): return
    // before measuring the peak.
    if !cli.run || !ratios.iter().any(|r| cli.selects(&name(r))) {
        return;
    }
    let pairs: usize = match std::env::var("PAIRS") {
        Ok(v) => match v.parse() {
            Ok(p) if p > 0 => p,
            _ => {
                eprintln!("PAIRS must be a positive integer, got `{v}`");
                std::process::exit(2);
            }
        },
        Err(_) => 30,
    };
    let peak_rate = (0..30)
        .map(|_| {
            let calls = 400;
            let t = Instant::now();
            for _ in 0..calls {
                black_box(fma_loop(black_box(1.0001)));
            }
            (FLOP_PER_CALL * calls) as f64 / t.elapsed().as_secs_f64() / 1e9
        })
        .fold(0f64, f64::max);
    println!("peak/fma_f32/1: best {peak_rate:.1} GFLOP/s");
    println!(
        "ratio over {pairs} alternating pairs: median (quartiles) of the pairs' typical runs, then of their best runs; \
         best GFLOP/s of each side; numerator's best of peak"
    );
    let mut guard_failed = Vec::new();
    for r in &ratios {
        let (m, k, n) = r.shape;
        let name = name(r);
        if !cli.selects(&name) {
            continue;
        }
        let den_name = match r.den {
            Den::Gemm(name, _) => name,
            Den::Peak => "peak/fma_f32/1",
        };
        let (a, b) = common::operands(m, k, n);
        let mut c = vec![0f32; m * n];
        let (mut best_num, mut best_den) = (0f64, 0f64);
        let den = |c: &mut [f32]| match r.den {
            Den::Gemm(_, f) => rate(f, &a, &b, c, r.shape),
            Den::Peak => fma_rate(),
        };
        let (typical, best): (Vec<f64>, Vec<f64>) = (0..pairs)
            .map(|i| {
                let (x, y) = if i % 2 == 0 {
                    let x = rate(r.num.1, &a, &b, &mut c, r.shape);
                    (x, den(&mut c))
                } else {
                    let y = den(&mut c);
                    (rate(r.num.1, &a, &b, &mut c, r.shape), y)
                };
                best_num = best_num.max(x.1);
                best_den = best_den.max(y.1);
                (x.0 / y.0, x.1 / y.1)
            })
            .unzip();
        let [t1, t2, t3] = quartiles(typical);
        let [b1, b2, b3] = quartiles(best);
        println!(
            "{name:48} {t2:.3}x ({t1:.3}-{t3:.3})  best-run {b2:.3}x ({b1:.3}-{b3:.3})  \
             best {best_num:.1} / {best_den:.1} GFLOP/s  {:.0}%",
            100.0 * best_num / (peak_rate * r.threads() as f64)
        );
        if r.num.0 == "blocked" && den_name == "matrixmultiply" && t2 < 1.0 / GUARD {
            guard_failed.push(format!("{name}: {t2:.3}x"));
        }
    }
    if !guard_failed.is_empty() {
        eprintln!(
            "sgemm_pairs: the blocked GEMM took more than {GUARD}x matrixmultiply's time: {}",
            guard_failed.join(", ")
        );
        std::process::exit(1);
    }
}

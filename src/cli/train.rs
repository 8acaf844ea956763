//! `weightinit train`: Saito's §6.2.4 comparison, one training run per initializer.
use super::CliError;
use super::args::TrainArgs;
use super::plot;
use super::table::printable;
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use weightinit::activation::Activation;
use weightinit::data::{self, Split};
use weightinit::init::InitSpec;
use weightinit::train::{self, DEFAULT_INITS, TrainConfig, TrainError, TrainRun, WINDOW};

/// The JSON document of `--json`.
#[derive(serde::Serialize)]
struct TrainReport<'a> {
    schema: u32,
    config: Config<'a>,
    runs: &'a [TrainRun],
    /// The GEMMs' FLOP over the whole run's wall time, GFLOP/s.
    gflops: f64,
    /// The FMA peak of every thread, measured after the run, GFLOP/s.
    peak_gflops: f64,
    threads: usize,
}

#[derive(serde::Serialize)]
struct Config<'a> {
    data: &'a str,
    train_rows: usize,
    test_rows: usize,
    sizes: Vec<usize>,
    #[serde(flatten)]
    train: &'a TrainConfig,
    path: &'static str,
    smoothing_window: usize,
}

/// The library names the field; the user typed a flag.
fn train_error(e: TrainError) -> CliError {
    match e {
        TrainError::Zero(f @ ("steps" | "batch")) => {
            CliError::usage(format!("--{f} must be at least 1, got 0"))
        }
        TrainError::TooLarge {
            what: f @ ("steps" | "batch"),
            value,
            max,
        } => CliError::usage(format!("--{f} must be at most {max}, got {value}")),
        TrainError::LearningRate(v) => {
            CliError::usage(format!("--lr must be a finite number > 0, got {v}"))
        }
        e => CliError::usage(e),
    }
}

pub fn run(a: TrainArgs) -> Result<u8, CliError> {
    super::require_isa()?;
    let mut specs = super::parse_inits(&a.inits)?;
    if specs.is_empty() {
        specs = DEFAULT_INITS
            .iter()
            .map(|s| InitSpec::parse(s).expect("built-in names parse"))
            .collect();
    }
    let cfg = TrainConfig {
        activation: Activation::parse(&a.activation).map_err(CliError::usage)?,
        steps: a.steps,
        batch: a.batch,
        lr: a.lr,
        seed: a.seed,
        ..TrainConfig::default()
    };
    cfg.validate().map_err(train_error)?;
    if let Some(dir) = &a.plot {
        super::check_plot_dir(dir)?;
    }
    let split = data::open(&a.data).map_err(CliError::usage)?;
    let done = AtomicUsize::new(0);
    let total = cfg.steps * specs.len();
    // The peak is timed before and after the run and the higher taken: on a
    // shared machine a neighbour's burst can hold one core through a timing.
    let peak_before = weightinit::peak::pool_gflops();
    let t = Instant::now();
    let runs = with_progress(&done, total, || {
        train::train(&cfg, &specs, &split, a.backend, &done)
    })
    .map_err(train_error)?;
    let elapsed = t.elapsed();
    let flop: u64 = runs.iter().map(|r| train::run_flop(&cfg, &split, r)).sum();
    let speed = Speed {
        gflops: flop as f64 / elapsed.as_secs_f64().max(1e-9) / 1e9,
        peak_gflops: peak_before.max(weightinit::peak::pool_gflops()),
        threads: rayon::current_num_threads(),
    };
    let path = a.backend.name();
    if a.json {
        let report = TrainReport {
            schema: 1,
            config: Config {
                data: &split.name,
                train_rows: split.train.len(),
                test_rows: split.test.len(),
                sizes: cfg.sizes(&split.train),
                train: &cfg,
                path,
                smoothing_window: WINDOW,
            },
            runs: &runs,
            gflops: speed.gflops,
            peak_gflops: speed.peak_gflops,
            threads: speed.threads,
        };
        let s = serde_json::to_string(&report)
            .map_err(|e| CliError::usage(format!("cannot encode JSON: {e}")))?;
        println!("{s}");
    } else {
        print!("{}", render(&cfg, &split, &runs, path, elapsed, &speed));
    }
    if let Some(dir) = a.plot {
        let file = dir.join(format!("train_loss_{}.svg", split.slug()));
        let title = format!(
            "training loss on {}, {} (Saito fig. 6-15)",
            split.name,
            cfg.activation.name()
        );
        plot::train_loss(&runs, &title, &file).map_err(CliError::usage)?;
        if !a.json {
            println!("wrote {}", file.display());
        }
    }
    Ok(0)
}

/// Runs `f`, drawing a progress bar of `done` / `total` steps on a terminal.
fn with_progress<R: Send>(done: &AtomicUsize, total: usize, f: impl FnOnce() -> R + Send) -> R {
    if !std::io::stderr().is_terminal() {
        return f();
    }
    let finished = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !finished.load(Ordering::Relaxed) {
                let d = done.load(Ordering::Relaxed).min(total);
                let filled = 40 * d / total.max(1);
                eprint!(
                    "\r[{}{}] {d}/{total} steps",
                    "#".repeat(filled),
                    ".".repeat(40 - filled)
                );
                std::thread::sleep(Duration::from_millis(100));
            }
            eprint!("\r{}\r", " ".repeat(64));
        });
        let r = f();
        finished.store(true, Ordering::Relaxed);
        r
    })
}

/// A loss for the table: four decimals, or `—` where a run had diverged.
fn loss_cell(l: Option<f64>, w: usize) -> String {
    match l {
        Some(l) => format!("{l:>w$.4}"),
        None => format!("{:>w$}", "—"),
    }
}

/// The run's throughput against the machine's ceiling.
struct Speed {
    gflops: f64,
    peak_gflops: f64,
    threads: usize,
}

fn render(
    cfg: &TrainConfig,
    split: &Split,
    runs: &[TrainRun],
    path: &str,
    elapsed: Duration,
    speed: &Speed,
) -> String {
    let mut s = String::new();
    let sizes: Vec<String> = cfg
        .sizes(&split.train)
        .iter()
        .map(|n| n.to_string())
        .collect();
    let _ = writeln!(
        s,
        "weightinit train: {} ({} train / {} test rows), {} {}, SGD lr {}, batch {}, {} steps, \
         seed {}, {path} path: {} runs in {:.2} s",
        printable(&split.name),
        split.train.len(),
        split.test.len(),
        sizes.join("-"),
        cfg.activation.name(),
        cfg.lr,
        cfg.batch,
        cfg.steps,
        cfg.seed,
        runs.len(),
        elapsed.as_secs_f64()
    );
    let _ = writeln!(
        s,
        "speed: {:.1} GFLOP/s of GEMM work, {:.0}% of the {:.0} GFLOP/s FMA peak of {} thread{}",
        speed.gflops,
        100.0 * speed.gflops / speed.peak_gflops,
        speed.peak_gflops,
        speed.threads,
        if speed.threads == 1 { "" } else { "s" }
    );
    let _ = writeln!(
        s,
        "\nloss (mean of the last {WINDOW} batch losses; ln {} = {:.3} is chance)",
        split.train.classes,
        (split.train.classes as f64).ln()
    );
    let w = runs.iter().map(|r| r.init.len()).max().unwrap_or(4).max(8);
    let _ = write!(s, "{:>6}", "step");
    for r in runs {
        let _ = write!(s, "  {:>w$}", r.init);
    }
    let _ = writeln!(s);
    let every = if cfg.steps <= 2000 {
        WINDOW.min(cfg.steps)
    } else {
        cfg.steps / 20
    };
    let mut steps: Vec<usize> = (every..=cfg.steps).step_by(every.max(1)).collect();
    if steps.last() != Some(&cfg.steps) {
        steps.push(cfg.steps);
    }
    for t in steps {
        let _ = write!(s, "{t:>6}");
        for r in runs {
            let _ = write!(s, "  {}", loss_cell(r.smoothed(t - 1), w));
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(
        s,
        "\n{:<w$}  {:>10}  {:>9}  {:>8}  verdict",
        "init", "final loss", "train acc", "test acc"
    );
    for (r, v) in runs.iter().zip(train::verdicts(runs, split.train.classes)) {
        let _ = writeln!(
            s,
            "{:<w$}  {}  {:>8.1}%  {:>7.1}%  {v}",
            r.init,
            loss_cell(r.final_loss(), 10),
            100.0 * r.train_accuracy,
            100.0 * r.test_accuracy
        );
    }
    s
}

//! `weightinit` / `weightinit experiment`: the init × activation grid and its text.
use super::args::ExperimentArgs;
use super::table::sparkline;
use super::{CliError, check_plot_dir, parse_inits, plot, require_isa};
use std::fmt::Write;
use std::time::{Duration, Instant};
use weightinit::activation::Activation;
use weightinit::experiment::{self, ExperimentConfig, NetConfig, Report};

pub fn run(a: ExperimentArgs) -> Result<u8, CliError> {
    require_isa()?;
    let inits = parse_inits(&a.inits)?;
    let acts = a
        .activations
        .iter()
        .map(|s| Activation::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::usage)?;
    let net = NetConfig {
        batch: a.batch,
        width: a.width,
        layers: a.layers,
        bins: a.bins,
        seed: a.seed,
    };
    let cfg = ExperimentConfig::new(net, inits, acts, a.backend)
        .and_then(|c| c.with_lsuv(a.lsuv_tol, a.lsuv_max_iter))
        .map_err(config_error)?;
    if let Some(dir) = &a.plot {
        check_plot_dir(dir)?;
    }
    let t = Instant::now();
    let report = experiment::run(&cfg).map_err(config_error)?;
    let elapsed = t.elapsed();
    if a.json {
        let s = serde_json::to_string(&report)
            .map_err(|e| CliError::usage(format!("cannot encode JSON: {e}")))?;
        println!("{s}");
    } else {
        print!("{}", render(&report, elapsed));
    }
    if let Some(dir) = a.plot {
        let files = plot::experiment_figures(&report, &dir).map_err(CliError::usage)?;
        if !a.json {
            println!("wrote {} figures to {}", files.len(), dir.display());
        }
    }
    Ok(0)
}

/// The library names the field (`layers must be…`); the user typed a flag.
fn config_error(e: experiment::ConfigError) -> CliError {
    use experiment::ConfigError as E;
    match e {
        E::Zero(_) | E::TooDeep { .. } | E::TooManyBins(_) | E::LsuvTol(_) | E::LsuvIter(_) => {
            CliError::usage(format!("--{e}"))
        }
        _ => CliError::usage(e),
    }
}

fn short(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if x.abs() >= 0.01 && x.abs() < 1000.0 {
        format!("{x:.3}")
    } else {
        format!("{x:.1e}")
    }
}

/// The experiment as tables with a histogram per layer.
fn render(r: &Report, elapsed: Duration) -> String {
    let c = &r.config;
    let mut s = String::new();
    let isa = weightinit::build_info::Isa::current();
    let _ = writeln!(
        s,
        "weightinit experiment: batch {}, width {}, {} layers, {} bins, seed {}, {} path ({} SIMD, {} threads)",
        c.net.batch,
        c.net.width,
        c.net.layers,
        c.net.bins,
        c.net.seed,
        c.backend.name(),
        isa.compiled,
        rayon::current_num_threads()
    );
    for run in &r.runs {
        let lo_hi = run
            .layers
            .first()
            .map(|l| (l.activations.histogram.lo, l.activations.histogram.hi))
            .unwrap_or((0.0, 1.0));
        let _ = writeln!(
            s,
            "\n── {} + {}: {}",
            run.init,
            run.activation.name(),
            run.verdict
        );
        let sat_head = if run
            .layers
            .iter()
            .any(|l| l.activations.saturation_fraction.is_some())
        {
            "  sat"
        } else {
            " zero"
        };
        let _ = writeln!(
            s,
            "layer   mean    std {sat_head}  grad_rms  wgrad_rms  histogram [{}, {}] (below/above)",
            lo_hi.0, lo_hi.1
        );
        for l in &run.layers {
            let frac = l
                .activations
                .saturation_fraction
                .unwrap_or(l.activations.zero_fraction);
            let out = if l.activations.histogram.below + l.activations.histogram.above > 0 {
                format!(
                    " ({}/{})",
                    l.activations.histogram.below, l.activations.histogram.above
                )
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "{:>5} {:>6} {:>6} {:>5.2} {:>9} {:>10}  |{}|{}",
                l.layer,
                short(l.activations.mean),
                short(l.activations.std),
                frac,
                format!("{:.2e}", l.grad_rms),
                format!("{:.2e}", l.weight_grad_rms),
                sparkline(&l.activations.histogram.counts),
                out
            );
        }
        if let Some(it) = run
            .layers
            .iter()
            .map(|l| l.lsuv_iterations)
            .collect::<Option<Vec<_>>>()
        {
            let _ = writeln!(s, "      LSUV iterations per layer: {it:?}");
        }
    }
    let _ = writeln!(
        s,
        "\n{} runs in {:.1} ms",
        r.runs.len(),
        elapsed.as_secs_f64() * 1e3
    );
    s
}

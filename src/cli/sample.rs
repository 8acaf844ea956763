//! `weightinit sample`: a weight tensor drawn into a `.npy` file.
use super::args::SampleArgs;
use super::{CliError, require_isa, signals};
use std::io::IsTerminal;
use std::time::Instant;
use weightinit::Backend;
use weightinit::init::{FanMode, Fans, Gain, Init, WriteError};
use weightinit::npy::NpyError;

/// Parses `784x256` into dimensions, naming the bad part.
fn parse_shape(s: &str) -> Result<Vec<usize>, CliError> {
    let dims: Vec<usize> = s
        .split(['x', 'X', ','])
        .map(|d| {
            d.trim().parse::<usize>().map_err(|_| {
                CliError::usage(format!("bad shape `{s}`: `{d}` is not a positive integer"))
            })
        })
        .collect::<Result<_, _>>()?;
    if dims.len() < 2 {
        return Err(CliError::usage(format!(
            "bad shape `{s}`: need at least two dimensions ([.., fan_in, fan_out])"
        )));
    }
    if let Some(pos) = dims.iter().position(|&d| d == 0) {
        return Err(CliError::usage(format!(
            "bad shape `{s}`: dimension {} is 0",
            pos + 1
        )));
    }
    dims.iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .ok_or_else(|| CliError::usage(format!("bad shape `{s}`: too many elements")))?;
    Ok(dims)
}

pub fn run(a: SampleArgs) -> Result<u8, CliError> {
    require_isa()?;
    let shape = parse_shape(&a.shape)?;
    let fans = Fans::from_shape(&shape).map_err(CliError::usage)?;
    let mut init = Init::parse(&a.init).map_err(CliError::usage)?;
    if let Some(m) = &a.fan_mode {
        init = init.with_fan_mode(FanMode::parse(m).map_err(CliError::usage)?);
    }
    if let Some(g) = &a.gain {
        init = init.with_gain(Gain::parse(g).map_err(CliError::usage)?);
    }
    let n: usize = shape.iter().product();
    weightinit::whole_file::check_target(&a.out)
        .map_err(|e| CliError::usage(format!("cannot write `{}`: {e}", a.out.display())))?;
    signals::install();
    let cancel = || signals::caught().is_some();
    let t = Instant::now();
    let progress = std::io::stderr().is_terminal() && n >= 1 << 26;
    let show = |done: usize| {
        if progress {
            eprint!(
                "\r  {:5.1}%  {done} / {n} values",
                100.0 * done as f64 / n as f64
            );
        }
    };
    let mut hook = test_signal()?;
    let show = |done: usize| {
        show(done);
        if let Some(sig) = hook.take() {
            let _ = signal_hook::low_level::raise(sig);
        }
    };
    let written = init.write_npy(&a.out, &shape, a.seed, a.backend, show, &cancel);
    if progress {
        eprintln!();
    }
    let summary = match written {
        Ok(s) => s,
        Err(WriteError::Npy(NpyError::Cancelled(p))) => {
            let sig = signals::caught().unwrap_or(2);
            return Err(signals::stopped(
                sig,
                format!("`{}` was not written", p.display()),
            ));
        }
        Err(WriteError::Init(e)) => {
            let naive = if a.backend == Backend::Naive {
                " with --naive"
            } else {
                ""
            };
            return Err(CliError::usage(format!("--shape {}{naive}: {e}", a.shape)));
        }
        Err(e) => return Err(CliError::usage(e)),
    };
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{} {}: n {}, mean {:+.3e}, std {:.4e} (expected {:.4e}), min {:+.4e}, max {:+.4e}; {:.3} s, {:.2} G values/s -> {}",
        init.name(),
        a.shape,
        summary.n,
        summary.mean(),
        summary.std(),
        init.expected_std(fans),
        summary.min,
        summary.max,
        secs,
        n as f64 / secs / 1e9,
        a.out.display()
    );
    Ok(0)
}

/// The test hook `WEIGHTINIT_TEST_SIGNAL=INT|TERM|KILL`: the signal is raised
/// at this process once the first group of values is written, so that the
/// tests interrupt a write at a known point instead of racing a large one.
fn test_signal() -> Result<Option<i32>, CliError> {
    use signal_hook::consts::{SIGINT, SIGKILL, SIGTERM};
    match std::env::var("WEIGHTINIT_TEST_SIGNAL").ok().as_deref() {
        None | Some("") => Ok(None),
        Some("INT") => Ok(Some(SIGINT)),
        Some("TERM") => Ok(Some(SIGTERM)),
        Some("KILL") => Ok(Some(SIGKILL)),
        Some(other) => Err(CliError::usage(format!(
            "WEIGHTINIT_TEST_SIGNAL must be INT, TERM or KILL, got `{other}`"
        ))),
    }
}

//! One function per subcommand.
use super::CliError;
use super::args::{
    Cli, Cmd, CompareArgs, ExperimentArgs, ExportArgs, ExportFormat, Format, ReportArgs, SampleArgs,
};
use super::{plot, render};
use std::io::IsTerminal;
use std::time::Instant;
use weightinit::activation::Activation;
use weightinit::experiment::{self, ExperimentConfig, InitSpec};
use weightinit::init::{FanMode, Fans, Gain, Init, Scheme};
use weightinit::network::NetConfig;
use weightinit::npy;
use weightinit::results::{self, compare};
use weightinit::rng::StreamKey;
use weightinit::sample::{CHUNK, Path};
use weightinit::stats::Summary;

/// Dispatches; `Ok` carries the exit status.
pub fn run(cli: Cli) -> Result<u8, CliError> {
    match cli.cmd {
        None => experiment_cmd(cli.experiment),
        Some(Cmd::Experiment(a)) => experiment_cmd(a),
        Some(Cmd::Sample(a)) => sample_cmd(a),
        Some(Cmd::Info) => {
            print!("{}", render::info());
            Ok(0)
        }
        Some(Cmd::Report(a)) => report_cmd(a),
        Some(Cmd::Compare(a)) => compare_cmd(a),
        Some(Cmd::Ab(a)) => super::ab::run(a),
        Some(Cmd::Cache(a)) => super::cache::run(a),
        Some(Cmd::Export(a)) => export_cmd(a),
        Some(Cmd::Train(a)) => super::train::run(a),
    }
}

pub(super) fn require_isa() -> Result<(), CliError> {
    match std::env::var("WEIGHTINIT_REQUIRE_ISA") {
        Ok(req) if !req.is_empty() => {
            weightinit::simd::Isa::check_required(&req).map_err(CliError::usage)
        }
        _ => Ok(()),
    }
}

/// `--init` values: every scheme for `all`, else each name parsed (none for none).
pub(super) fn parse_inits(names: &[String]) -> Result<Vec<InitSpec>, CliError> {
    if names.iter().any(|s| s.eq_ignore_ascii_case("all")) {
        return Ok(InitSpec::all());
    }
    names
        .iter()
        .map(|s| InitSpec::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::usage)
}

fn experiment_cmd(a: ExperimentArgs) -> Result<u8, CliError> {
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
    let cfg = ExperimentConfig::new(net, inits, acts, a.naive)
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
        print!("{}", render::experiment(&report, elapsed));
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

/// A `--plot` directory: absent (it is created) or a directory, never a
/// link to one elsewhere or a file.
pub(super) fn check_plot_dir(dir: &std::path::Path) -> Result<(), CliError> {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(m) if m.file_type().is_symlink() => Err(CliError::usage(format!(
            "--plot `{}` is a symbolic link; name the directory itself",
            dir.display()
        ))),
        Ok(_) => Err(CliError::usage(format!(
            "--plot `{}` exists and is not a directory",
            dir.display()
        ))),
        Err(_) => Ok(()),
    }
}

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

/// The most values `sample --naive` draws in memory (1 GiB of f32).
const MAX_IN_MEMORY: usize = 1 << 28;

/// Floats per write: 64 generator chunks (16 MiB); two buffers are in flight.
const WRITE_GROUP: usize = 64 * CHUNK;

fn sample_cmd(a: SampleArgs) -> Result<u8, CliError> {
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
    let key = StreamKey::new(a.seed, 0);
    weightinit::whole_file::check_target(&a.out)
        .map_err(|e| CliError::usage(format!("cannot write `{}`: {e}", a.out.display())))?;
    super::signals::install();
    let cancel = || super::signals::caught().is_some();
    let t = Instant::now();
    let mut summary = Summary::EMPTY;
    let progress = std::io::stderr().is_terminal() && n >= 1 << 26;
    let seen = |buf: &[f32], summary: &mut Summary| *summary = summary.merge(&Summary::of(buf));
    let written = if init.scheme == Scheme::Orthogonal || a.naive {
        if init.scheme == Scheme::Orthogonal {
            weightinit::orthogonal::check_size(n / fans.fan_out, fans.fan_out)
                .map_err(|e| CliError::usage(format!("--shape {}: {e}", a.shape)))?;
        }
        if n > MAX_IN_MEMORY {
            return Err(CliError::usage(format!(
                "--shape {}: {} with --naive draws all {n} values in memory; at most {MAX_IN_MEMORY} here",
                a.shape, init.name
            )));
        }
        let mut buf = vec![0f32; n];
        init.fill_stream(
            fans,
            key,
            &mut buf,
            if a.naive { Path::Naive } else { Path::SimdPar },
        )
        .map_err(CliError::usage)?;
        npy::write_file(
            &a.out,
            &shape,
            WRITE_GROUP,
            |start, out| out.copy_from_slice(&buf[start..start + out.len()]),
            |g| seen(g, &mut summary),
            &cancel,
        )
    } else {
        let dist = init.dist(fans).map_err(CliError::usage)?;
        npy::write_file(
            &a.out,
            &shape,
            WRITE_GROUP,
            |start, out| dist.fill_from_chunk(key, (start / CHUNK) as u64, out, true),
            |g| {
                seen(g, &mut summary);
                if progress {
                    let done = summary.n as usize;
                    eprint!(
                        "\r  {:5.1}%  {done} / {n} values",
                        100.0 * done as f64 / n as f64
                    );
                }
            },
            &cancel,
        )
    };
    if progress {
        eprintln!();
    }
    match written {
        Ok(()) => {}
        Err(npy::NpyError::Cancelled(p)) => {
            let sig = super::signals::caught().unwrap_or(2);
            return Err(super::signals::stopped(
                sig,
                format!("`{}` was not written", p.display()),
            ));
        }
        Err(e) => return Err(CliError::usage(e)),
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{} {}: n {}, mean {:+.3e}, std {:.4e} (expected {:.4e}), min {:+.4e}, max {:+.4e}; {:.3} s, {:.2} G values/s -> {}",
        init.name,
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

fn report_cmd(a: ReportArgs) -> Result<u8, CliError> {
    let baselines = if a.baselines.is_empty() {
        vec!["new".to_string()]
    } else {
        a.baselines
    };
    let file = results::report(&a.criterion_dir, &baselines).map_err(CliError::usage)?;
    let out = a.out.unwrap_or_else(|| {
        std::path::PathBuf::from("results").join(format!("{}.json", file.machine_id))
    });
    // The machine's report beside it, for people: results/<machine-id>.md.
    let md = report_companion(&out)?;
    results::save(&file, &out).map_err(CliError::usage)?;
    results::write_whole(
        &md,
        render::printable(&render::report_summary(&file, true)).as_bytes(),
    )
    .map_err(CliError::usage)?;
    print!(
        "{}",
        render::printable(&render::report_summary(&file, false))
    );
    println!("wrote {} and {}", out.display(), md.display());
    Ok(0)
}

/// The path of the report written beside results file `out` (`.md`), after
/// checking that neither write can destroy the other or a file that `report`
/// did not write.
fn report_companion(out: &std::path::Path) -> Result<std::path::PathBuf, CliError> {
    if out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("md"))
    {
        return Err(CliError::usage(format!(
            "--out `{}`: the results file must not end in .md, the name its report takes",
            out.display()
        )));
    }
    let md = out.with_extension("md");
    for p in [out, md.as_path()] {
        weightinit::whole_file::check_target(p)
            .map_err(|e| CliError::usage(format!("cannot write `{}`: {e}", p.display())))?;
    }
    if let Ok(f) = std::fs::File::open(&md) {
        use std::io::Read;
        let mut head = String::new();
        let _ = f.take(512).read_to_string(&mut head);
        if !head.contains(render::REPORT_MARK) {
            return Err(CliError::usage(format!(
                "`{}` exists and was not written by `weightinit report`; not replacing it \
                 (choose another --out)",
                md.display()
            )));
        }
    }
    Ok(md)
}

fn compare_cmd(a: CompareArgs) -> Result<u8, CliError> {
    if !(a.threshold.is_finite() && a.threshold >= 0.0) {
        return Err(CliError::usage(format!(
            "--threshold must be a finite percentage ≥ 0, got {}",
            a.threshold
        )));
    }
    let files = a
        .files
        .iter()
        .map(|p| results::load(p).map(|f| (p.clone(), f)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::usage)?;
    if let Some(p) = &a.plot {
        let inputs: Vec<&std::path::Path> = a.files.iter().map(|p| p.as_path()).collect();
        weightinit::whole_file::check_not_input(p, &inputs)
            .and_then(|_| weightinit::whole_file::check_target(p).map(|_| ()))
            .map_err(|e| CliError::usage(format!("--plot `{}`: {e}", p.display())))?;
    }
    let cmp = compare::compare(&files, a.threshold).map_err(CliError::usage)?;
    let text = match a.format {
        Format::Json => {
            serde_json::to_string_pretty(&cmp)
                .map_err(|e| CliError::usage(format!("cannot encode JSON: {e}")))?
                + "\n"
        }
        f => {
            let loaded: Vec<&results::ResultsFile> = files.iter().map(|(_, f)| f).collect();
            render::printable(&render::compare(
                &cmp,
                &loaded,
                f == Format::Markdown,
                a.summary,
            ))
        }
    };
    print!("{text}");
    if let Some(p) = &a.plot {
        plot::compare_chart(&cmp, p).map_err(CliError::usage)?;
    }
    Ok(if cmp.regressed() { 1 } else { 0 })
}

fn export_cmd(a: ExportArgs) -> Result<u8, CliError> {
    use weightinit::results::export::{Export, critcmp, export};
    if let Some(out) = &a.out {
        weightinit::whole_file::check_not_input(out, &[&a.file])
            .and_then(|_| weightinit::whole_file::check_target(out).map(|_| ()))
            .map_err(|e| CliError::usage(format!("--out `{}`: {e}", out.display())))?;
    }
    if a.name.is_some() && a.format != ExportFormat::Critcmp {
        return Err(CliError::usage(
            "--name sets critcmp's column; it goes with --format critcmp",
        ));
    }
    let file = results::load(&a.file).map_err(CliError::usage)?;
    let format = match a.format {
        ExportFormat::Bmf => Export::Bmf,
        ExportFormat::Gab => Export::Gab,
        ExportFormat::GabThroughput => Export::GabThroughput,
        ExportFormat::Critcmp => Export::Critcmp,
    };
    let doc = match &a.name {
        Some(name) => critcmp(&file, name),
        None => export(&file, format),
    };
    let text = serde_json::to_string_pretty(&doc)
        .map_err(|e| CliError::usage(format!("cannot encode JSON: {e}")))?
        + "\n";
    match &a.out {
        Some(out) => results::write_whole(out, text.as_bytes()).map_err(CliError::usage)?,
        None => print!("{text}"),
    }
    Ok(0)
}

//! The command line: arguments in, text/JSON/SVG out, exit codes.
//!
//! `main` turns every error into a message naming the bad value and an exit
//! status: 2 for bad input, 1 for a regression found by `compare` or `ab`,
//! 130 or 143 for a command stopped by SIGINT or SIGTERM. Nothing below this
//! module prints or exits.

mod ab;
mod args;
mod bisect;
mod cache;
mod compare;
mod experiment;
mod export;
mod info;
mod plot;
mod report;
mod roofline;
mod sample;
mod score;
mod signals;
mod table;
mod train;

use args::{Cli, Cmd};
use clap::Parser;
use std::process::ExitCode;
use weightinit::init::InitSpec;

/// An error for the user, with its exit status.
#[derive(Debug)]
pub struct CliError {
    /// The message.
    pub msg: String,
    /// The exit status.
    pub code: u8,
}

impl CliError {
    /// Bad input: exit status 2.
    pub fn usage(msg: impl std::fmt::Display) -> CliError {
        CliError {
            msg: msg.to_string(),
            code: 2,
        }
    }
}

/// Parses the arguments, runs the command, and maps errors to exit codes.
pub fn main() -> ExitCode {
    signals::default_sigpipe();
    let cli = match args::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("weightinit: error: {}", e.msg);
            ExitCode::from(e.code)
        }
    }
}

/// Dispatches; `Ok` carries the exit status.
fn run(cli: Cli) -> Result<u8, CliError> {
    match cli.cmd {
        None => experiment::run(cli.experiment),
        Some(Cmd::Experiment(a)) => experiment::run(a),
        Some(Cmd::Sample(a)) => sample::run(a),
        Some(Cmd::Info) => {
            print!("{}", info::render());
            Ok(0)
        }
        Some(Cmd::Report(a)) => report::run(a),
        Some(Cmd::Compare(a)) => compare::run(a),
        Some(Cmd::Score(a)) => score::run(a),
        Some(Cmd::Roofline(a)) => roofline::run(a),
        Some(Cmd::Ab(a)) => ab::run(a),
        Some(Cmd::Bisect(a)) => bisect::run(a),
        Some(Cmd::Cache(a)) => cache::run(a),
        Some(Cmd::Export(a)) => export::run(a),
        Some(Cmd::Train(a)) => train::run(a),
    }
}

fn require_isa() -> Result<(), CliError> {
    match std::env::var("WEIGHTINIT_REQUIRE_ISA") {
        Ok(req) if !req.is_empty() => {
            weightinit::build_info::Isa::check_required(&req).map_err(CliError::usage)
        }
        _ => Ok(()),
    }
}

/// `--init` values: every scheme for `all`, else each name parsed (none for none).
fn parse_inits(names: &[String]) -> Result<Vec<InitSpec>, CliError> {
    if names.iter().any(|s| s.eq_ignore_ascii_case("all")) {
        return Ok(InitSpec::all());
    }
    names
        .iter()
        .map(|s| InitSpec::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::usage)
}

/// A `--plot` directory: absent (it is created) or a directory, never a
/// link to one elsewhere or a file.
fn check_plot_dir(dir: &std::path::Path) -> Result<(), CliError> {
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

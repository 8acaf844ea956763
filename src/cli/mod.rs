//! The command line: arguments in, text/JSON/SVG out, exit codes.
//!
//! `main` turns every error into a message naming the bad value and an exit
//! status: 2 for bad input, 1 for a regression found by `compare` or `ab`,
//! 130 or 143 for a command stopped by SIGINT or SIGTERM. Nothing below this
//! module prints or exits.

mod ab;
mod args;
mod cache;
mod commands;
mod plot;
mod render;
mod signals;
mod train;

use clap::Parser;
use std::process::ExitCode;

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
    let cli = match args::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("weightinit: error: {}", e.msg);
            ExitCode::from(e.code)
        }
    }
}

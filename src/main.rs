//! The `weightinit` command line: experiment, sample, info, report, compare.
mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}

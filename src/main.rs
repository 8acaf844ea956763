//! The `weightinit` command line: experiment, sample, train, info, report,
//! compare, export, ab and cache (see `cli`).
mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}

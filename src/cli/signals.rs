//! SIGINT and SIGTERM, for the commands that stop cleanly (`sample`, `ab`).
//!
//! The first signal is only recorded: the command sees it between units of
//! work, removes what it had half made, ends its child processes and exits
//! with 128 + the signal's number (130 for SIGINT, 143 for SIGTERM), as a
//! shell reports a process the signal killed. A second signal ends the
//! process at once with the same status. Commands that do not install the
//! handlers keep the default: the signal ends them.
use super::CliError;
use signal_hook::consts::{SIGINT, SIGTERM};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

struct Flags {
    /// The number of the first signal caught, 0 before any.
    which: Arc<AtomicUsize>,
}

static FLAGS: OnceLock<Flags> = OnceLock::new();

/// Installs the handlers (once); later calls do nothing.
pub fn install() {
    FLAGS.get_or_init(|| {
        let which = Arc::new(AtomicUsize::new(0));
        for sig in [SIGINT, SIGTERM] {
            let seen = Arc::new(AtomicBool::new(false));
            // Registered first, so that it sees `seen` as the previous signal left it.
            let _ = signal_hook::flag::register_conditional_shutdown(sig, 128 + sig, seen.clone());
            let _ = signal_hook::flag::register(sig, seen);
            let _ = signal_hook::flag::register_usize(sig, which.clone(), sig as usize);
        }
        Flags { which }
    });
}

/// Lets a write into a closed pipe end the process quietly, as it ends `cat`
/// (`weightinit compare … | head`): Rust ignores SIGPIPE, so every `print!`
/// into the closed pipe would panic instead. The default action is emulated
/// from a handler (signal-hook), so no `unsafe` is needed here.
pub fn default_sigpipe() {
    let always = Arc::new(AtomicBool::new(true));
    let _ = signal_hook::flag::register_conditional_default(signal_hook::consts::SIGPIPE, always);
}

/// The signal caught, if any.
pub fn caught() -> Option<i32> {
    let n = FLAGS.get()?.which.load(Ordering::Relaxed);
    (n != 0).then_some(n as i32)
}

/// The error that ends a command stopped by `sig`: exit status 128 + `sig`.
pub fn stopped(sig: i32, what: impl std::fmt::Display) -> CliError {
    let name = if sig == SIGTERM {
        "terminated"
    } else {
        "interrupted"
    };
    CliError {
        msg: format!("{name}: {what}"),
        code: (128 + sig) as u8,
    }
}

/// `Err` with [`stopped`] once a signal was caught.
pub fn check_stop(what: impl std::fmt::Display) -> Result<(), CliError> {
    match caught() {
        Some(sig) => Err(stopped(sig, what)),
        None => Ok(()),
    }
}

//! SIGINT/SIGTERM handling, one rule for every command:
//! - a command that can stop cleanly (`run`, `compare`, `sweep`) hears the first signal through
//!   [`requested`] / [`flag`], says on stderr what it will do, and then exits with code 130 after
//!   writing what is complete (a run or comparison marked `"complete": false`; a sweep's finished
//!   lines) and how to resume;
//! - every other command, and a second signal to any command, exits at once with code 130 without
//!   writing anything, after removing the temporary file of an atomic write in progress (so that
//!   no `.NAME.PID.tmp` is left behind; a result file is complete or absent).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

static REQUESTED: AtomicBool = AtomicBool::new(false);
static GRACEFUL: OnceLock<Option<&'static str>> = OnceLock::new();

/// What `run` and `compare` say on the first signal.
pub const FINISH_ITERATION: &str =
    "finishing the current iteration, then writing the partial result (again to abort)";

/// What `sweep` says on the first signal.
pub const FINISH_JOBS: &str = "no new jobs start; the running jobs finish and are recorded, \
     then the sweep stops (again to abort at once)";

/// Installs the handler (once; later calls are no-ops). `graceful`: what the command does on a
/// first signal, for commands that stop cleanly; `None`: the first signal exits at once.
pub fn install(graceful: Option<&'static str>) {
    if GRACEFUL.set(graceful).is_err() {
        return;
    }
    let _ = ctrlc::set_handler(|| {
        let graceful = GRACEFUL.get().copied().flatten();
        if REQUESTED.swap(true, Ordering::SeqCst) || graceful.is_none() {
            symrfm::report::write::remove_pending_temp_files();
            errln!("\ninterrupted: nothing more is written");
            std::process::exit(130);
        }
        if let Some(what) = graceful {
            errln!("\ninterrupt: {what}");
        }
    });
}

/// Whether a stop was requested.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// The flag a signal sets, for library code that polls it (a sweep's job scheduler).
pub fn flag() -> &'static AtomicBool {
    &REQUESTED
}

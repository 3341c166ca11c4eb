//! SIGINT/SIGTERM handling: the first signal asks the running command to stop after the current
//! iteration (it then writes what is complete, marked `"complete": false`, and says how to resume);
//! a second signal exits at once (exit code 130) without writing anything, after removing the
//! temporary file of an atomic write in progress (so that no `.NAME.PID.tmp` is left behind).

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Installs the handler (once; later calls are no-ops).
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        if REQUESTED.swap(true, Ordering::SeqCst) {
            symrfm::report::write::remove_pending_temp_files();
            std::process::exit(130);
        }
        eprintln!("\ninterrupt: finishing the current iteration, then writing the partial result (again to abort)");
    });
}

/// Whether a stop was requested.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

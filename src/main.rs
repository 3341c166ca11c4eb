//! The `symrfm` binary: parse flags, call the library, map errors to exit codes
//! (0 success, 1 runtime failure, 2 usage error, 130 interrupted).

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Behave like a Unix filter when stdout is closed early (`symrfm run | head`): end quietly on
    // SIGPIPE instead of panicking inside `println!`.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let command_line: Vec<String> = std::env::args().collect();
    let parsed = match cli::args::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli::dispatch(parsed, command_line) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let ours = || {
                err.chain()
                    .filter_map(|e| e.downcast_ref::<symrfm::Error>())
            };
            if ours().any(|e| matches!(e, symrfm::Error::Interrupted)) {
                return ExitCode::from(130);
            }
            eprintln!("error: {err:#}");
            ExitCode::from(if ours().any(symrfm::Error::is_usage) {
                2
            } else {
                1
            })
        }
    }
}

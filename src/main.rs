//! The `symrfm` binary: parse flags, call the library, map errors to exit codes
//! (0 success, 1 runtime failure, 2 usage error, 130 interrupted).

mod cli;

use clap::Parser;
use std::io::Write as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    // SIGPIPE stays ignored (Rust's default): when stdout is closed early (`symrfm run … | head`)
    // the command's printing is dropped (`outln!` in `cli`) and its result file is still written.
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
            let _ = writeln!(std::io::stderr(), "error: {err:#}");
            ExitCode::from(if ours().any(symrfm::Error::is_usage) {
                2
            } else {
                1
            })
        }
    }
}

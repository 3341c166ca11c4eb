//! The `symrfm` binary: parse flags, call the library, map errors to exit codes
//! (0 success, 1 runtime failure, 2 usage error).

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
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
            let usage = err.chain().any(|e| {
                e.downcast_ref::<symrfm::Error>()
                    .is_some_and(symrfm::Error::is_usage)
            });
            eprintln!("error: {err:#}");
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}

//! The command line: raw clap flags ([`args`]) → validated configurations → library calls.
//! Each subcommand lives in its own file; `main.rs` maps errors to exit codes.

pub mod args;
pub mod merge;
pub mod progress;
pub mod report;
pub mod run;
pub mod sweep;

use anyhow::Result;
use args::{Cli, Command};

/// Runs the parsed command line.
pub fn dispatch(cli: Cli, command_line: Vec<String>) -> Result<()> {
    match cli.command {
        Command::Run(args) => run::run(&args, command_line),
        Command::Sweep(args) => sweep::run(&args, command_line),
        Command::Merge(args) => merge::run(&args),
        Command::Report(args) => report::run(&args, command_line),
    }
}

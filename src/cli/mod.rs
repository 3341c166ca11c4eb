//! The command line: raw clap flags ([`args`]) → validated configurations → library calls.
//! Each subcommand lives in its own file; `main.rs` maps errors to exit codes.

pub mod args;
pub mod bench;
pub mod compare;
pub mod decompose;
pub mod eigen_report;
pub mod interrupt;
pub mod intervention_flags;
pub mod merge;
pub mod progress;
pub mod report;
pub mod run;
pub mod split_flags;
pub mod sweep;

use anyhow::Result;
use args::{Cli, Command};

/// Runs the parsed command line.
pub fn dispatch(cli: Cli, command_line: Vec<String>) -> Result<()> {
    interrupt::install();
    match cli.command {
        Command::Run(args) => run::run(&args, command_line),
        Command::Compare(args) => compare::compare(&args, command_line),
        Command::Decompose(args) => decompose::decompose(&args, command_line),
        Command::Bench(args) => bench::run(&args),
        Command::Sweep(args) => sweep::run(&args, command_line),
        Command::Merge(args) => merge::run(&args),
        Command::Report(args) => report::run(&args, command_line),
    }
}

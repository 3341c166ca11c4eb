//! The command line: raw clap flags ([`args`]) → validated configurations → library calls.
//! Each subcommand lives in its own file; `main.rs` maps errors to exit codes.

/// `println!` that never fails: when stdout is closed early (`symrfm run … | head -1`) the text is
/// dropped and the command goes on to write its result file. (`println!` would panic, and the
/// default SIGPIPE disposition would kill the process before the file is written.)
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `print!` that never fails (see `outln!`).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

/// `eprintln!` that never fails (see `outln!`; for `symrfm run 2>&1 | head`).
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod args;
pub mod bench;
pub mod compare;
pub mod decompose;
pub mod eigen_report;
pub mod flags;
pub mod interrupt;
pub mod intervention_flags;
pub mod isotypic_report;
pub mod merge;
pub mod model_flags;
pub mod net_flags;
pub mod net_run;
pub mod progress;
pub mod report;
pub mod report_strip;
pub mod resume;
pub mod run;
pub mod split;
pub mod split_flags;
pub mod sweep;
pub mod symmetry;

use anyhow::Result;
use args::{Cli, Command};

/// Runs the parsed command line.
pub fn dispatch(cli: Cli, command_line: Vec<String>) -> Result<()> {
    interrupt::install(match cli.command {
        Command::Run(_) | Command::Compare(_) => Some(interrupt::FINISH_ITERATION),
        Command::Sweep(_) => Some(interrupt::FINISH_JOBS),
        _ => None,
    });
    // Library errors name specification parameters; the CLI speaks in flags. A sweep's jobs are
    // specifications as written in the grid, so only its own settings (`sweep.*`) are translated.
    let scope = match cli.command {
        Command::Sweep(_) | Command::Merge(_) => "sweep.",
        _ => "",
    };
    let result = match cli.command {
        Command::Run(args) => match &args.resume {
            Some(path) => resume::run(&args, path, command_line),
            None => model_flags::check(
                &resume::given_flags(&command_line, "run"),
                args.net.is_network(),
                args.net.model.trim(),
            )
            .map_err(anyhow::Error::from)
            .and_then(|()| {
                if args.net.is_network() {
                    net_run::run(&args, command_line)
                } else {
                    run::run(&args, command_line)
                }
            }),
        },
        Command::Compare(args) => model_flags::check(
            &resume::given_flags(&command_line, "compare"),
            args.net.is_network(),
            args.net.model.trim(),
        )
        .map_err(anyhow::Error::from)
        .and_then(|()| compare::compare(&args, command_line)),
        Command::Decompose(args) => decompose::decompose(&args, command_line),
        Command::Bench(args) => bench::run(&args),
        Command::Sweep(args) => sweep::run(&args, command_line),
        Command::Merge(args) => merge::run(&args),
        Command::Report(args) => report::run(&args, command_line),
        Command::Symmetry(args) => symmetry::run(&args, command_line),
        Command::Split(args) => split::run(&args),
    };
    result.map_err(|e| flags::in_flags(e, scope))
}

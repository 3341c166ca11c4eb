//! The command line: the subcommands and where their flags live (each subcommand's file).

use clap::{Parser, Subcommand};

/// symrfm: Recursive Feature Machines on algebraic tasks, and the data symmetry that decides
/// whether they generalize.
#[derive(Parser, Debug)]
#[command(name = "symrfm", version, about, long_about = None, args_override_self = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Train an RFM on one task and split; write one JSON file with every number of the run.
    Run(super::run::RunArgs),
    /// Train on a symmetric split and on its symmetry-broken twin with identical settings; print
    /// both test accuracies side by side and a verdict; write one JSON holding both runs.
    #[command(mut_arg("iters", |a| a.default_value("60")))]
    Compare(super::compare::CompareArgs),
    /// Decompose a feature matrix into group elements and measure its block structure.
    Decompose(super::decompose::DecomposeArgs),
    /// Measure the engine: per-stage time and GFLOP/s, the GEMM ceiling, the dense AGOP, f32 vs f64.
    Bench(super::bench::BenchArgs),
    /// Run a grid of jobs in parallel, appending one result line per job to a JSONL file
    /// (resumable after a kill, shardable over machines).
    Sweep(super::sweep::SweepArgs),
    /// Join the results files of a sharded sweep, checking for missing and duplicated jobs.
    Merge(super::merge::MergeArgs),
    /// Tables (markdown, CSV) and figures (PNG, SVG) from a results file or a feature matrix.
    Report(super::report::ReportArgs),
    /// The symmetry group Sym_f of any task: order, generators, swaps, elements, fixed points;
    /// optionally written as JSON.
    Symmetry(super::symmetry::SymmetryArgs),
    /// Build the split `run` would train on (same task and split flags), print its symmetry
    /// report (stabilizer, orbits, Orbit_H(train) \ train) and write it as CSV for --split-file;
    /// no training.
    Split(super::split::SplitCmdArgs),
}

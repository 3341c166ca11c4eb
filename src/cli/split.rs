//! `symrfm split`: build the split `run` would train on (the same task and split flags), print
//! its symmetry report and write it as CSV (`a,b,label,is_train`, the format `--split-file`
//! reads), without training.

use super::flags::{to_flags, AnalysisArgs, SplitArgs, TaskArgs};
use super::run::{count, pairs_text, print_symmetry, split_tag, stem};
use super::split_flags::SymmetryArgs;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use symrfm::experiment::ExperimentSpec;
use symrfm::group::Task;
use symrfm::report;
use symrfm::rfm::RfmParams;
use symrfm::symmetry::split_orbits::orbit_counts;
use symrfm::symmetry::{stabilizer, TaskSymmetry};

/// `symrfm split`.
#[derive(Args, Debug, Clone)]
pub struct SplitCmdArgs {
    #[command(flatten)]
    pub task: TaskArgs,
    #[command(flatten)]
    pub split: SplitArgs,
    #[command(flatten)]
    pub symmetry: SymmetryArgs,
    /// Output CSV [default: results/split-<task>-p<p>-<split>.csv]: header `a,b,label,is_train`,
    /// one line per pair, symbol indices (as `run --split-file` reads it).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Overwrite the output file if it exists (without it an existing file is never overwritten:
    /// the command is refused, exit code 2).
    #[arg(long)]
    pub force: bool,
    /// Pairs of Orbit_H(train) \ train listed (the count is always printed).
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub show: usize,
}

/// Runs `symrfm split`.
pub fn run(args: &SplitCmdArgs) -> Result<()> {
    let task = Task::new(args.task.spec()?).map_err(|e| to_flags(e, &[]))?;
    let choice = args.symmetry.choose(&task, &args.split)?;
    let spec = ExperimentSpec {
        task: args.task.spec()?,
        split: choice.spec.clone(),
        params: RfmParams::default(),
        init_m: None,
        label: None,
        analysis: AnalysisArgs::default().spec(choice.theory_subgroup.clone()),
        init: Default::default(),
        net: None,
    };
    let experiment = spec
        .validate()
        .map_err(|e| to_flags(e, &[("split.subgroup", choice.h_flag)]))?;
    let split = experiment.split();
    let recorded = &experiment.spec().split;
    outln!(
        "{}: {} train / {} ({})",
        task.describe(),
        split.train.len(),
        count(split.test.len(), "test pair"),
        split_tag(recorded)
    );
    print_symmetry(&experiment, "split");
    if let Some(report) = experiment.symmetry() {
        let sym = TaskSymmetry::of(&task);
        let h = match experiment.theory() {
            Some(h) => Some(h.clone()),
            None => stabilizer(&sym, &split.train),
        };
        if let Some(h) = h {
            let c = orbit_counts(&sym, &h, split);
            outln!(
                "split: {} under H = {}: {} in train, {} in test, {} cut by the split",
                count(c.orbits, "orbit"),
                report.orbit_subgroup_name,
                c.in_train,
                c.in_test,
                c.mixed
            );
        }
        if !report.predicted.is_empty() {
            outln!(
                "split: Orbit_H(train) \\ train: {}",
                pairs_text(&task, &report.predicted, args.show)
            );
        }
    }
    if experiment.symmetry().is_none() {
        outln!(
            "split: no symmetry report for {}: its Sym_f does not list its elements (`symrfm \
             symmetry` with the same task flags shows its order and generators)",
            task.describe()
        );
    }
    let out = match &args.out {
        Some(p) => p.clone(),
        None => {
            let kernel = format!("-{}", experiment.params().kernel.name().to_lowercase());
            let task_stem = stem(&experiment);
            let task_stem = task_stem.strip_suffix(&kernel).unwrap_or(&task_stem);
            PathBuf::from("results").join(format!("split-{task_stem}-{}.csv", split_tag(recorded)))
        }
    };
    super::flags::prepare_output(&out, args.force, false)?;
    report::write_atomic(&out, split.to_csv(&task).as_bytes())?;
    outln!("wrote {}", out.display());
    Ok(())
}

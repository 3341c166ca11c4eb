//! `symrfm run`: one task, one split, one RFM; one JSON file.
//!
//! The flags become an [`ExperimentSpec`]; [`execute`] runs a validated [`Experiment`] with the
//! progress display and the printed summaries (shared with `symrfm compare`).

use super::flags::{prepare_output, to_flags, AnalysisArgs, RfmArgs, SplitArgs, TaskArgs};
use super::progress::Progress;
use super::split_flags::{SplitChoice, SymmetryArgs};
use anyhow::{Context, Result};
use clap::Args;
use std::path::{Path, PathBuf};
use symrfm::analysis::{acquisition_lead, off_diagonal_deviation, MatrixAnalysis};
use symrfm::data::{SplitEdit, SplitSpec};
use symrfm::experiment::{Experiment, ExperimentSpec, RunOptions};
use symrfm::group::Task;
use symrfm::report::{self, RunReport};
use symrfm::rfm::{Control, RfmParams};

/// Threshold of the symmetry-acquisition lead printed by `run`.
const LEAD_THRESHOLD: f64 = 0.9;

/// `symrfm run`.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub task: TaskArgs,
    #[command(flatten)]
    pub split: SplitArgs,
    #[command(flatten)]
    pub symmetry: SymmetryArgs,
    #[command(flatten)]
    pub rfm: RfmArgs,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    #[command(flatten)]
    pub interventions: super::intervention_flags::InterventionArgs,
    #[command(flatten)]
    pub net: super::net_flags::NetArgs,
    /// Output JSON path (default: results/run-<task>-p<p>-<kernel>-f<frac>-s<seed>.json; a
    /// missing directory is created).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Overwrite the output file(s) if they exist (without it an existing result is never
    /// overwritten: the run is refused before any work, exit code 2).
    #[arg(long)]
    pub force: bool,
    /// Also write the final M as a .npy file next to the JSON.
    #[arg(long)]
    pub npy: bool,
    /// Also store the fitted model (M and α of the last iteration) in the JSON (`model`), so that
    /// it can predict any pair later (library: `Model::from_report`).
    #[arg(long)]
    pub save_model: bool,
    /// Also store the outputs f(x) of the last iteration on the test pairs in the JSON
    /// (`predictions`); with --npy write them as <out>.predictions.npy (n_test × c) and α as
    /// <out>.alpha.npy (n_train × c) instead.
    #[arg(long)]
    pub save_predictions: bool,
    /// Continue the run in this file (interrupted or finished) with its own parameters, up to
    /// --iters iterations in all (default: the file's own count); iteration numbers go on and the
    /// curves are joined in one file (by default the file itself, rewritten). Only --iters, --out,
    /// --force, --threads, --max-memory, --npy, --save-model, --save-predictions and -q may be
    /// given with it. A network run file (`--model`) continues to --steps steps in all
    /// (default: its own total), with only --steps, --out, --force, --threads, --save-model
    /// and -q.
    #[arg(long, value_name = "RUN.json")]
    pub resume: Option<PathBuf>,
    /// No progress output.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Print the estimated peak memory and the predicted run time, then exit without training.
    #[arg(long)]
    pub dry_run: bool,
}

/// The experiment of a task, a split and the RFM and analysis flags, validated. Errors name the
/// flags (`split.subgroup` as the flag that named H).
pub fn experiment(
    task: &TaskArgs,
    split: &SplitChoice,
    rfm: &RfmArgs,
    analysis: &AnalysisArgs,
) -> Result<Experiment> {
    let spec = ExperimentSpec {
        task: task.spec()?,
        split: split.spec.clone(),
        params: rfm.params()?,
        init_m: rfm.init_m.clone(),
        label: None,
        analysis: analysis.spec(split.theory_subgroup.clone()),
        init: Default::default(),
        net: None,
    };
    Ok(spec
        .validate()
        .map_err(|e| to_flags(e, &[("split.subgroup", split.h_flag)]))?)
}

/// The options of a run from the flags.
pub fn run_options(rfm: &RfmArgs, command_line: Vec<String>, save_model: bool) -> RunOptions {
    RunOptions {
        max_memory: rfm.max_memory.map(|mib| mib.saturating_mul(1 << 20)),
        command_line,
        save_model,
        save_predictions: false,
    }
}

/// `add-p61-gaussian`: task, modulus (or group) and kernel, for file names.
pub fn stem(experiment: &Experiment) -> String {
    let spec = experiment.task().spec();
    let kernel = experiment.params().kernel.name().to_lowercase();
    let named = spec
        .group_name
        .as_deref()
        .or(spec.graph.as_deref())
        .map(str::to_string)
        .or_else(|| {
            spec.table
                .as_ref()
                .and_then(|t| t.file_stem())
                .map(|s| s.to_string_lossy().into_owned())
        });
    if let Some(name) = named {
        let slug: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        return format!("{}-{slug}-{kernel}", spec.operation.name());
    }
    let p = match &spec.group {
        Some(g) => g
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("x"),
        None => spec.modulus.to_string(),
    };
    format!("{}-p{p}-{kernel}", spec.operation.name())
}

/// A short file-name tag for a split spec: `f0.5-s0`, `fix-s`, `orbit-r16_s-f0.5-s0`, `fix-s-mr1-s0`.
pub fn split_tag(spec: &SplitSpec) -> String {
    let slug = |h: &str| {
        let mut out = String::new();
        for c in h.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if (c == ' ' || c == ',') && !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
        }
        out.trim_end_matches('_').to_string()
    };
    match spec {
        SplitSpec::Random { fraction, seed } => format!("f{fraction}-s{seed}"),
        SplitSpec::File { path } => format!(
            "split-{}",
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        ),
        SplitSpec::FixedPoints { subgroup } => format!("fix-{}", slug(subgroup)),
        SplitSpec::Orbit {
            subgroup,
            fraction,
            seed,
        } => format!("orbit-{}-f{fraction}-s{seed}", slug(subgroup)),
        SplitSpec::Edited { base, edits } => {
            let mut tag = split_tag(base);
            let mut seed = None;
            for e in edits {
                let (part, s) = match e {
                    SplitEdit::MoveRandom { count, seed, .. } => {
                        (format!("mr{count}"), Some(*seed))
                    }
                    SplitEdit::MoveOrbits { count, seed, .. } => {
                        (format!("mo{count}"), Some(*seed))
                    }
                    SplitEdit::MoveToTrain { pairs } => (format!("tt{}", pairs.len()), None),
                    SplitEdit::HoldOut { pairs } => (format!("ho{}", pairs.len()), None),
                };
                tag.push('-');
                tag.push_str(&part);
                seed = seed.or(s);
            }
            if let (Some(s), None) = (seed, base.seed()) {
                tag.push_str(&format!("-s{s}"));
            }
            tag
        }
    }
}

/// `a:b` by symbol values.
pub fn pair_text(task: &Task, k: usize) -> String {
    let (a, b) = task.pair(k);
    format!("{}:{}", task.symbol_name(a), task.symbol_name(b))
}

/// Up to `limit` pairs as `a:b`, then `…`.
pub fn pairs_text(task: &Task, pairs: &[usize], limit: usize) -> String {
    let mut parts: Vec<String> = pairs
        .iter()
        .take(limit)
        .map(|&k| pair_text(task, k))
        .collect();
    if pairs.len() > limit {
        parts.push(format!("… ({} in all)", pairs.len()));
    }
    parts.join(", ")
}

/// `1 thread`, `2 threads`: a count and its noun, plural unless the count is 1.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The note printed when --init-m is a float32 `.npy` (read widened to float64).
pub fn init_m_note(rfm: &RfmArgs) {
    if let Some(note) = rfm.init_m.as_deref().and_then(super::decompose::f32_note) {
        errln!("{note}");
    }
}

/// Prints the symmetry report of the split (on Dih(A), or on a listed Sym_f).
pub fn print_symmetry(experiment: &Experiment, label: &str) {
    let Some(report) = experiment.symmetry() else {
        return;
    };
    let group = experiment.symmetry_group_name();
    let prefix = if label.is_empty() { "symmetry" } else { label };
    let elements = if report.stabilizer_order <= 8 {
        format!(": {}", report.stabilizer.join(", "))
    } else {
        String::new()
    };
    outln!(
        "{prefix}: stabilizer of the training set in {group} is {} (order {}{elements})",
        report.stabilizer_name,
        report.stabilizer_order
    );
    let moved = experiment.spec().split.moved_to_test();
    if !moved.is_empty() {
        outln!(
            "{prefix}: moved to test: {}",
            pairs_text(experiment.task(), &moved, 10)
        );
    }
    let h = &report.orbit_subgroup_name;
    outln!(
        "{prefix}: {} of {} {} outside Orbit_H(train), H = {h}; Orbit_H(train) \\ train holds {}",
        report.test_outside_orbits,
        count(report.n_test, "test pair"),
        if report.test_outside_orbits == 1 {
            "lies"
        } else {
            "lie"
        },
        report.predicted.len()
    );
}

/// Trains `experiment`; prints the symmetry report before and progress during training
/// (progress on stderr, silenced by `quiet`), then the analysis summary.
pub fn execute(
    experiment: &Experiment,
    options: &RunOptions,
    label: &str,
    quiet: bool,
) -> Result<RunReport> {
    execute_with(experiment, label, quiet, 0, &mut |observer| {
        experiment.run(options, observer)
    })
    .map(|o| o.report)
}

/// What sees each iteration of a run and may stop it.
pub type Observer<'a> = dyn FnMut(&symrfm::rfm::IterationState<'_>) -> Control + Send + 'a;

/// The training of a run with its display: [`execute`] for a run started by `train` (which
/// gets the observer) at iteration `done` (0 unless resumed); returns the whole outcome.
pub fn execute_with(
    experiment: &Experiment,
    label: &str,
    quiet: bool,
    done: usize,
    train: &mut dyn FnMut(&mut Observer<'_>) -> symrfm::Result<symrfm::experiment::Outcome>,
) -> Result<symrfm::experiment::Outcome> {
    let (task, split, params) = (experiment.task(), experiment.split(), experiment.params());
    print_symmetry(experiment, label);
    let progress = Progress::new(params.iters, quiet, label);
    progress.resume_at(done);
    let header = if label.is_empty() {
        "symrfm run"
    } else {
        label
    };
    progress.note(&format!(
        "{header}: {} | {} train / {} | {} kernel | ridge {} | s = {} | {} | {}",
        task.describe(),
        split.train.len(),
        count(split.test.len(), "test pair"),
        params.kernel.name(),
        params.ridge,
        params.agop_power,
        count(params.iters, "iteration"),
        count(params.effective_threads(), "thread")
    ));
    let total = params.iters;
    let outcome = train(&mut |state| {
        progress.iteration(state.record, total);
        if super::interrupt::requested() {
            Control::Stop
        } else {
            Control::Continue
        }
    })
    .map_err(|e| to_flags(e, &[]))
    .with_context(|| format!("training {}", task.describe()))?;
    progress.finish();
    for w in &outcome.warnings {
        errln!("warning: {}", super::flags::text_in_flags(w));
    }
    print_analysis(&outcome.report, label);
    Ok(outcome)
}

/// The analysis lines of a finished run, each prefixed with `label: ` when there is one (the
/// two runs of `compare`).
fn print_analysis(report: &RunReport, label: &str) {
    let prefix = if label.is_empty() {
        String::new()
    } else {
        format!("{label}: ")
    };
    if let Some(a) = &report.final_analysis {
        outln!("{prefix}{}", final_summary(a, "M"));
    }
    if let (Some(first), Some(last)) = (report.structure.get(1), report.structure.last()) {
        let dlog = last.circulance_dlog.is_some();
        outln!(
            "{prefix}off-diagonal circulant/Hankel deviation{}: {} at t = 1, {} at t = {}",
            if dlog { " (discrete-log order)" } else { "" },
            report::sci(off_diagonal_deviation(first, dlog), 3),
            report::sci(off_diagonal_deviation(last, dlog), 3),
            last.t
        );
    }
    if let Some(line) = acquisition_line(report) {
        outln!("{prefix}{line}");
    }
}

/// The symmetry-acquisition lead of a run with the diagnostic: when the held-out agreement and the
/// test accuracy reach [`LEAD_THRESHOLD`] and their halfway points (iterations for RFM, optimizer
/// steps for a network).
pub fn acquisition_line(report: &RunReport) -> Option<String> {
    if report.symmetry_diagnostic.is_empty() {
        return None;
    }
    let unit = if report.network.is_some() {
        "step"
    } else {
        "iteration"
    };
    let lead = acquisition_lead(&report.symmetry_diagnostic, LEAD_THRESHOLD);
    let it = |t: Option<usize>| t.map_or("never".to_string(), |t| t.to_string());
    let lead_text = |l: Option<i64>| l.map_or("undefined".to_string(), |l| format!("{l:+}"));
    Some(format!(
        "symmetry: held-out agreement >= {LEAD_THRESHOLD} at {unit} {}, test accuracy >= \
         {LEAD_THRESHOLD} at {} (lead {}); halfway points {} and {} (lead {})",
        it(lead.symmetry_first),
        it(lead.accuracy_first),
        lead_text(lead.lead),
        it(lead.symmetry_half),
        it(lead.accuracy_half),
        lead_text(lead.half_lead)
    ))
}

/// One line about the final M.
pub fn final_summary(a: &MatrixAnalysis, name: &str) -> String {
    match &a.group {
        Some(g) => {
            format!(
                "final {name}: largest elements {}; residual to the group algebra {}; commutant \
                 distance {}",
                g.decomposition.top_text(3, 4),
                report::sci(g.decomposition.residual, 3),
                report::sci(g.commutant_distance, 3)
            )
        }
        None => format!(
            "final {name}: no symmetry group ({}); effective rank {:.2}",
            a.task, a.blocks.effective_rank.entropy_rank
        ),
    }
}

/// The orbit-theory line of a finished run, if it was scored.
pub fn theory_line(report: &RunReport) -> Option<String> {
    let sym = report.symmetry.as_ref()?;
    let s = sym.theory.as_ref()?;
    Some(format!(
        "orbit theory, H = {}: precision {:.4}, recall {:.4} ({} correct, {} in Orbit_H(train) \\ train, {} both)",
        sym.orbit_subgroup_name,
        s.precision,
        s.recall,
        count(s.n_correct, "test pair"),
        s.n_predicted,
        s.n_both
    ))
}

/// The summary line of `symrfm run` on memory: the measured peak (VmHWM) and the estimate.
pub fn memory_line(experiment: &Experiment) -> String {
    let est = symrfm::rfm::memory::estimate_bytes(&symrfm::rfm::memory::plan(
        sizes(experiment),
        experiment.params(),
    ));
    let mib = |b: u64| b as f64 / 1048576.0;
    match symrfm::solve::memory::peak_rss_bytes() {
        Some(peak) => format!(
            "memory: peak {:.1} MiB (estimated {:.1} MiB)",
            mib(peak),
            mib(est)
        ),
        None => format!("memory: estimated {:.1} MiB", mib(est)),
    }
}

fn sizes(experiment: &Experiment) -> symrfm::rfm::memory::Sizes {
    let (task, split) = (experiment.task(), experiment.split());
    symrfm::rfm::memory::Sizes {
        n_train: split.train.len(),
        n_test: split.test.len(),
        n_classes: task.n_classes(),
        dim: task.input_dim(),
    }
}

/// `symrfm run --dry-run`: the forecast of a run, without training.
pub fn dry_run(experiment: &Experiment, params: &RfmParams, max_memory_mib: Option<u64>) {
    let sizes = sizes(experiment);
    let forecast =
        symrfm::perf::Forecast::new(sizes, params, std::path::Path::new("results/bench.json"));
    outln!(
        "{} (dry run: nothing trained)",
        experiment.task().describe()
    );
    outln!("{forecast}");
    let plan = symrfm::rfm::memory::plan(sizes, params);
    if let Err(e) =
        symrfm::rfm::memory::check(&plan, max_memory_mib.map(|m| m.saturating_mul(1 << 20)))
    {
        outln!("a real run would refuse to start: {}", to_flags(e, &[]));
    }
}

/// Runs `symrfm run`.
pub fn run(args: &RunArgs, command_line: Vec<String>) -> Result<()> {
    let task = Task::new(args.task.spec()?).map_err(|e| to_flags(e, &[]))?;
    let choice = args.symmetry.choose(&task, &args.split)?;
    let experiment =
        args.interventions
            .experiment(&args.task, &choice, &args.rfm, &args.analysis)?;
    init_m_note(&args.rfm);
    if args.dry_run {
        print_symmetry(&experiment, "");
        dry_run(&experiment, experiment.params(), args.rfm.max_memory);
        return Ok(());
    }
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("results").join(format!(
            "run-{}-{}.json",
            stem(&experiment),
            split_tag(&experiment.spec().split)
        ))
    });
    prepare_output(&out, args.force, args.quiet)?;
    prepare_npy_outputs(args, &out, args.force)?;

    let mut options = run_options(&args.rfm, command_line, args.save_model);
    extra_options(args, &mut options);
    let report = execute(&experiment, &options, "", args.quiet)?;
    conclude(args, &experiment, &out, report)
}

/// Prepares the `.npy` files written next to the run file `out` (the final M with `--npy`; the
/// test predictions and α with `--save-predictions --npy`), refusing existing ones unless `force`.
pub fn prepare_npy_outputs(args: &RunArgs, out: &Path, force: bool) -> Result<()> {
    if !args.npy {
        return Ok(());
    }
    prepare_output(&out.with_extension("npy"), force, args.quiet)?;
    if args.save_predictions {
        for ext in ["predictions.npy", "alpha.npy"] {
            prepare_output(&out.with_extension(ext), force, args.quiet)?;
        }
    }
    Ok(())
}

/// Writes a finished (or interrupted) run's files and prints its summary.
pub fn conclude(
    args: &RunArgs,
    experiment: &Experiment,
    out: &Path,
    mut report: RunReport,
) -> Result<()> {
    let out = out.to_path_buf();
    write_npy_extras(args, &mut report, &out)?;
    report::write_json_atomic(&out, &report)?;
    if args.npy {
        if let Some(m) = report.final_m() {
            let m = m.map_err(anyhow::Error::msg)?;
            report::write::write_npy_atomic(&out.with_extension("npy"), &m)?;
        }
    }
    if !report.complete {
        let (done, total) = (report.iterations.len(), report.params.iters);
        errln!(
            "interrupted after {done} of {total} iterations; wrote the partial run (\"complete\": false) to {}",
            out.display()
        );
        errln!(
            "to resume: symrfm run --resume {} (continues at t = {done} up to {total} iterations and rewrites that file with the joined run)",
            out.display()
        );
        return Err(symrfm::Error::Interrupted.into());
    }
    print_outcome(&report);
    let st = &report.timings.stages;
    outln!(
        "time: {:.2} s (kernel {:.2}, solve {:.2}, predict {:.2}, agop {:.2}, eig {:.2})",
        report.timings.total_seconds,
        st.kernel,
        st.solve,
        st.predict,
        st.agop,
        st.eig
    );
    outln!("{}", memory_line(experiment));
    outln!("wrote {}", out.display());
    Ok(())
}

/// The outcome lines of a finished run, RFM or network: when test accuracy first reached 0.99
/// (an iteration t, or an optimizer step), the final accuracies, the orbit theory and the trap.
pub fn print_outcome(report: &RunReport) {
    let s = &report.summary;
    let first = if report.network.is_some() {
        "first step with test accuracy >= 0.99"
    } else {
        "first iteration t with test accuracy >= 0.99 (metrics use M_t, M_0 = I)"
    };
    outln!(
        "{first}: {}",
        s.first_iter_test_acc_ge_099
            .map_or("never".to_string(), |t| t.to_string())
    );
    outln!(
        "final accuracy: train {:.4}, test {:.4}",
        s.final_train_acc,
        s.final_test_acc
    );
    if let Some(line) = theory_line(report) {
        outln!("{line}");
    }
    if let Some(line) = super::intervention_flags::trap_line(report) {
        outln!("{line}");
    }
}

/// Sets the run options of `--save-predictions`: the predictions, and with `--npy` the model
/// too (its α is written as `.npy`).
pub fn extra_options(args: &RunArgs, options: &mut RunOptions) {
    options.save_predictions = args.save_predictions;
    if args.save_predictions && args.npy {
        options.save_model = true;
    }
}

/// With `--save-predictions --npy`: writes the test predictions as `<out>.predictions.npy` and α as
/// `<out>.alpha.npy`, and takes them out of the JSON (the model stays only with `--save-model`).
fn write_npy_extras(args: &RunArgs, report: &mut RunReport, out: &Path) -> Result<()> {
    if !(args.save_predictions && args.npy) {
        return Ok(());
    }
    if let Some(p) = report.predictions.take() {
        let outputs = p.to_array().map_err(anyhow::Error::msg)?;
        report::write::write_npy_atomic(&out.with_extension("predictions.npy"), &outputs)?;
    }
    let model = if args.save_model {
        report.model.clone()
    } else {
        report.model.take()
    };
    if let Some(model) = model {
        let (n, c) = (model.alpha.len(), model.alpha.first().map_or(0, Vec::len));
        let alpha = ndarray::Array2::from_shape_fn((n, c), |(i, j)| model.alpha[i][j]);
        report::write::write_npy_atomic(&out.with_extension("alpha.npy"), &alpha)?;
    }
    Ok(())
}

//! `symrfm run --model mlp|mlp2`: a network on the same task and split as RFM; one run file.

use super::flags::{prepare_output, to_flags};
use super::run::{print_symmetry, split_tag, RunArgs};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use symrfm::experiment::{Experiment, NetOutcome, RunOptions};
use symrfm::group::Task;
use symrfm::net::ModelKind;
use symrfm::report::{self, RunReport};
use symrfm::rfm::Control;

/// The network experiment of the run flags, validated.
pub fn experiment(args: &RunArgs) -> Result<Experiment> {
    let task = Task::new(args.task.spec()?).map_err(|e| to_flags(e, &[]))?;
    let choice = args.symmetry.choose(&task, &args.split)?;
    let base = args
        .interventions
        .experiment(&args.task, &choice, &args.rfm, &args.analysis)?;
    with_network(
        &base,
        &args.net,
        args.interventions.perturb,
        args.rfm.threads,
        choice.h_flag,
    )
}

/// `experiment` with the network of the flags instead of RFM (its M_0 settings dropped),
/// validated again.
pub fn with_network(
    experiment: &Experiment,
    net: &super::net_flags::NetArgs,
    perturb: Option<f64>,
    threads: usize,
    h_flag: &'static str,
) -> Result<Experiment> {
    let mut spec = experiment.spec().clone();
    spec.init = Default::default();
    spec.init_m = None;
    // The shared --precision flag: the network's training type (RFM's products are not run).
    let precision = std::mem::take(&mut spec.params.precision);
    spec.net = Some(net.params(perturb, threads, precision)?);
    Ok(spec
        .validate()
        .map_err(|e| to_flags(e, &[("split.subgroup", h_flag)]))?)
}

/// `add-p61-mlp`: task, modulus (or group) and model, for file names.
pub fn stem(experiment: &Experiment) -> String {
    let rfm_stem = super::run::stem(experiment);
    let kernel = experiment.params().kernel.name().to_lowercase();
    let model = experiment.net_params().map_or("rfm", |p| p.model.name());
    match rfm_stem.strip_suffix(&kernel) {
        Some(prefix) => format!("{prefix}{model}"),
        None => format!("{rfm_stem}-{model}"),
    }
}

/// `mlp width 256 quadratic` or `transformer d_model 128, 4 heads of 32, d_mlp 512`.
fn model_text(p: &symrfm::net::NetParams) -> String {
    match p.model {
        ModelKind::Mlp | ModelKind::Mlp2 => {
            format!("{} width {} {}", p.model.name(), p.width, p.act.name())
        }
        ModelKind::Transformer => {
            let c = p.transformer_config();
            format!(
                "transformer d_model {}, {} heads of {}, d_mlp {}",
                c.d_model, c.n_heads, c.d_head, c.d_mlp
            )
        }
    }
}

/// Trains with progress lines on stderr (unless `quiet`) and prints the summary.
pub fn execute(
    experiment: &Experiment,
    options: &RunOptions,
    label: &str,
    quiet: bool,
) -> Result<NetOutcome> {
    execute_with(experiment, label, quiet, &mut |observer| {
        experiment.run_network(options, observer)
    })
}

/// The observer of a network run: progress about 20 times per run and the interrupt.
pub type NetObserver<'o> = dyn FnMut(&symrfm::net::NetState<'_>) -> Control + Send + 'o;

/// [`execute`] with the training done by `train` (a fresh run or a continuation), which gets the
/// observer.
pub fn execute_with(
    experiment: &Experiment,
    label: &str,
    quiet: bool,
    train: &mut dyn FnMut(&mut NetObserver<'_>) -> symrfm::Result<NetOutcome>,
) -> Result<NetOutcome> {
    let params = experiment.net_params().context("a network experiment")?;
    let (task, split) = (experiment.task(), experiment.split());
    print_symmetry(experiment, label);
    let total = params.total_steps(split.train.len());
    let prefix = if label.is_empty() {
        String::new()
    } else {
        format!("{label}: ")
    };
    if !quiet {
        errln!(
            "{prefix}symrfm run: {} | {} train / {} test | {} | {} lr {} wd {} | batch {} | {} steps",
            task.describe(),
            split.train.len(),
            split.test.len(),
            model_text(params),
            params.optimizer.name(),
            params.lr,
            params.weight_decay,
            params.batch,
            total
        );
    }
    // About 20 progress lines per run.
    let every = (total / 20).max(1);
    let mut next = 0usize;
    let outcome = train(&mut |state| {
            let r = state.record;
            if !quiet && (r.step >= next || r.step == state.total_steps) {
                errln!(
                    "{prefix}[step {:>7}/{}] epoch {:>8.2}  train loss {}  acc {:.4}  test loss {}  acc {:.4}  {:.1}s",
                    r.step,
                    state.total_steps,
                    r.epoch,
                    report::sci(r.train_loss, 3),
                    r.train_acc,
                    report::sci(r.test_loss, 3),
                    r.test_acc,
                    r.seconds
                );
                next = r.step + every;
            }
            if super::interrupt::requested() {
                Control::Stop
            } else {
                Control::Continue
            }
        })
        .map_err(|e| to_flags(e, &[]))
        .with_context(|| format!("training a network on {}", task.describe()))?;
    for w in &outcome.warnings {
        errln!("warning: {}", super::flags::text_in_flags(w));
    }
    print_summary(&outcome.report, &prefix);
    Ok(outcome)
}

/// The analysis lines of a network run.
fn print_summary(report: &RunReport, prefix: &str) {
    let Some(net) = &report.network else { return };
    if let Some(f) = net.features.last() {
        let c = |x: Option<f64>| x.map_or("undefined".to_string(), |v| format!("{v:.4}"));
        outln!(
            "{prefix}NFA at step {}: corr(√AGOP, NFM) {}, without diagonals {}",
            f.step,
            c(f.nfa_corr),
            c(f.nfa_corr_no_diag)
        );
    }
    if let Some(a) = report.final_analysis.as_ref().filter(|a| a.group.is_some()) {
        outln!("{prefix}{}", super::run::final_summary(a, "NFM"));
    }
    if let Some(line) = super::run::acquisition_line(report) {
        outln!("{prefix}{line}");
    }
}

/// Runs `symrfm run --model mlp|mlp2`.
pub fn run(args: &RunArgs, command_line: Vec<String>) -> Result<()> {
    let experiment = experiment(args)?;
    if args.dry_run {
        print_symmetry(&experiment, "");
        let p = experiment.net_params().context("a network experiment")?;
        outln!(
            "{} (dry run: nothing trained): {} steps of {}",
            experiment.task().describe(),
            p.total_steps(experiment.split().train.len()),
            model_text(p)
        );
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
    if args.npy {
        prepare_output(&out.with_extension("npy"), args.force, args.quiet)?;
    }
    let options = RunOptions {
        max_memory: None,
        command_line,
        save_model: args.save_model,
        save_predictions: false,
    };
    let outcome = execute(&experiment, &options, "", args.quiet)?;
    conclude(args, &out, &outcome.report)
}

/// Writes the run file (and `--npy`) and prints the closing lines.
pub fn conclude(args: &RunArgs, out: &Path, report: &RunReport) -> Result<()> {
    report::write_json_atomic(out, report)?;
    if args.npy {
        if let Some(m) = report.final_m() {
            let m = m.map_err(anyhow::Error::msg)?;
            report::write::write_npy_atomic(&out.with_extension("npy"), &m)?;
        }
    }
    if !report.complete {
        errln!(
            "interrupted; wrote the partial run (\"complete\": false) to {}; continue it with \
             `symrfm run --resume {}`",
            out.display(),
            out.display()
        );
        return Err(symrfm::Error::Interrupted.into());
    }
    super::run::print_outcome(report);
    if let Some(net) = &report.network {
        outln!(
            "time: {:.2} s (train {:.2}, eval {:.2}, features {:.2})",
            report.timings.total_seconds,
            net.seconds.train,
            net.seconds.eval,
            net.seconds.features
        );
    }
    outln!("wrote {}", out.display());
    Ok(())
}

/// The `run` flags that may be given with `--resume` on a network run file (clap ids).
pub const WITH_RESUME: &[&str] = &[
    "resume",
    "steps",
    "out",
    "threads",
    "save_model",
    "quiet",
    "force",
];

/// `symrfm run --resume PATH` on a network run file: continue it to `--steps` in all (default:
/// its own total).
pub fn resume(
    args: &RunArgs,
    path: &Path,
    given: &[super::model_flags::Given],
    command_line: Vec<String>,
) -> Result<()> {
    use symrfm::experiment::NetResumption;
    if let Some(g) = given.iter().find(|g| !WITH_RESUME.contains(&g.id.as_str())) {
        return Err(symrfm::Error::param(
            "--resume",
            format!("{} with {}", path.display(), g.flag),
            "--resume alone: the network run continues with the parameters its file records; \
             only --steps (the new total), --out, --force, --threads, --save-model and -q may \
             be given with it",
        )
        .into());
    }
    // Rewriting the file being continued loses nothing (the joined run holds all of it).
    let out: PathBuf = args.out.clone().unwrap_or_else(|| path.to_path_buf());
    let in_place = super::flags::same_file(&out, path);
    prepare_output(&out, args.force || in_place, args.quiet)?;
    let steps = given
        .iter()
        .any(|g| g.id == "steps")
        .then_some(args.net.steps)
        .flatten();
    let mut resumption = NetResumption::from_file(path, steps).map_err(|e| to_flags(e, &[]))?;
    resumption
        .set_threads(args.rfm.threads)
        .map_err(|e| to_flags(e, &[]))?;
    let experiment = resumption.experiment().clone();
    let done = resumption.done();
    if !args.quiet {
        let total = experiment
            .net_params()
            .map_or(0, |p| p.total_steps(experiment.split().train.len()));
        errln!(
            "resuming {}: {done} steps done, continuing at step {} up to {total} in all",
            path.display(),
            done + 1
        );
    }
    let options = RunOptions {
        max_memory: None,
        command_line,
        save_model: args.save_model,
        save_predictions: false,
    };
    let outcome = execute_with(&experiment, "", args.quiet, &mut |observer| {
        resumption.run(&options, observer)
    })?;
    conclude(args, &out, &outcome.report)
}

//! `symrfm run`: one task, one split, one RFM; one JSON file.
//!
//! [`execute`] (one training with its symmetry report, returned as a [`RunReport`]) is shared with
//! `symrfm compare`.

use super::args::{RfmArgs, RunArgs, TaskArgs};
use super::progress::Progress;
use super::split_flags::SplitChoice;
use anyhow::{Context, Result};
use ndarray::Array2;
use std::path::PathBuf;
use std::time::Instant;
use symrfm::data::{SplitEdit, SplitSpec};
use symrfm::group::Task;
use symrfm::report::{self, RunReport};
use symrfm::rfm::{self, Control, RfmParams};
use symrfm::symmetry::{DihedralGroup, SymmetryReport};

/// Everything a training needs apart from the split, validated.
pub struct RunSetup {
    /// The task.
    pub task: Task,
    /// RFM hyper-parameters.
    pub params: RfmParams,
    /// M_0, if not the identity.
    pub init: Option<Array2<f64>>,
    /// Where M_0 came from (`identity` or the file).
    pub init_name: String,
    /// Peak memory limit in bytes.
    pub max_memory: Option<u64>,
}

impl RunSetup {
    /// Validates the task and RFM flags and reads `--init-m`.
    pub fn new(task: &TaskArgs, rfm: &RfmArgs) -> Result<Self> {
        let task = Task::new(task.spec()?)?;
        let params = rfm.params()?;
        let init = match &rfm.init_m {
            Some(path) => Some(report::load_matrix(path, None)?),
            None => None,
        };
        let init_name = rfm
            .init_m
            .as_ref()
            .map_or("identity".to_string(), |p| p.display().to_string());
        let max_memory = rfm.max_memory.map(|mib| mib.saturating_mul(1 << 20));
        Ok(RunSetup {
            task,
            params,
            init,
            init_name,
            max_memory,
        })
    }

    /// `add-p61-gaussian`: task, modulus (or group) and kernel, for file names.
    pub fn stem(&self) -> String {
        let spec = self.task.spec();
        let p = match &spec.group {
            Some(g) => g
                .iter()
                .map(|f| f.to_string())
                .collect::<Vec<_>>()
                .join("x"),
            None => spec.modulus.to_string(),
        };
        format!(
            "{}-p{p}-{}",
            spec.operation.name(),
            self.params.kernel.name().to_lowercase()
        )
    }
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

/// The symmetry report of `choice` (None for tasks without group structure), printed to stdout.
fn symmetry_report(setup: &RunSetup, choice: &SplitChoice, label: &str) -> Option<SymmetryReport> {
    let dih = DihedralGroup::new(&setup.task).ok()?;
    let report = SymmetryReport::new(&dih, &choice.split, choice.theory.as_ref());
    let prefix = if label.is_empty() { "symmetry" } else { label };
    let elements = if report.stabilizer_order <= 8 {
        format!(": {}", report.stabilizer.join(", "))
    } else {
        String::new()
    };
    println!(
        "{prefix}: stabilizer of the training set in {} is {} (order {}{elements})",
        dih.name(),
        report.stabilizer_name,
        report.stabilizer_order
    );
    let moved = choice.spec.moved_to_test();
    if !moved.is_empty() {
        println!(
            "{prefix}: moved to test: {}",
            pairs_text(&setup.task, &moved, 10)
        );
    }
    let h = &report.orbit_subgroup_name;
    println!(
        "{prefix}: {} of {} test pairs lie outside Orbit_H(train), H = {h}; Orbit_H(train) \\ train holds {}",
        report.test_outside_orbits,
        report.n_test,
        report.predicted.len()
    );
    Some(report)
}

/// Trains on `choice` with `setup`; prints the symmetry report before and progress during
/// training (progress on stderr, silenced by `quiet`). The report's `symmetry` holds the
/// orbit-theory score when `choice.theory` is set.
pub fn execute(
    setup: &RunSetup,
    choice: &SplitChoice,
    command_line: Vec<String>,
    label: &str,
    quiet: bool,
    analysis: &super::decompose::AnalysisArgs,
) -> Result<RunReport> {
    let (task, params, split) = (&setup.task, &setup.params, &choice.split);
    let mut symmetry = symmetry_report(setup, choice, label);
    let progress = Progress::new(params.iters, quiet, label);
    let header = if label.is_empty() {
        "symrfm run"
    } else {
        label
    };
    progress.note(&format!(
        "{header}: {} | {} train / {} test pairs | {} kernel | ridge {} | s = {} | {} iterations | {} threads",
        task.describe(),
        split.train.len(),
        split.test.len(),
        params.kernel.name(),
        params.ridge,
        params.agop_power,
        params.iters,
        params.effective_threads()
    ));
    let started = Instant::now();
    let total = params.iters;
    let mut analyzer = analysis.analyzer(task, split, params.effective_threads())?;
    let output = rfm::train(
        task,
        split,
        params,
        setup.init.clone(),
        setup.max_memory,
        &mut |state| {
            progress.iteration(state.record, total);
            let control = analyzer.observe(state);
            if super::interrupt::requested() {
                Control::Stop
            } else {
                control
            }
        },
    )
    .with_context(|| format!("training {}", task.describe()))?;
    progress.finish();
    let seconds = started.elapsed().as_secs_f64();

    let mut report = RunReport::new(
        command_line,
        task,
        params,
        &choice.spec,
        split,
        setup.init_name.clone(),
        &output,
        seconds,
    );
    if let (Some(sym), Some(_)) = (symmetry.as_mut(), &choice.theory) {
        sym.score(&output.test_correct);
    }
    report.symmetry = symmetry;
    super::decompose::attach(analyzer, &output, &mut report);
    Ok(report)
}

/// The orbit-theory line of a finished run, if it was scored.
pub fn theory_line(report: &RunReport) -> Option<String> {
    let sym = report.symmetry.as_ref()?;
    let s = sym.theory.as_ref()?;
    Some(format!(
        "orbit theory, H = {}: precision {:.4}, recall {:.4} ({} test pairs correct, {} in Orbit_H(train) \\ train, {} both)",
        sym.orbit_subgroup_name, s.precision, s.recall, s.n_correct, s.n_predicted, s.n_both
    ))
}

/// Runs `symrfm run`.
pub fn run(args: &RunArgs, command_line: Vec<String>) -> Result<()> {
    let mut setup = RunSetup::new(&args.task, &args.rfm)?;
    let init_spec = args.interventions.apply(&mut setup)?;
    let choice = args.symmetry.choose(&setup.task, &args.split)?;
    if args.dry_run {
        return super::bench::dry_run(
            &setup.task,
            &choice.split,
            &setup.params,
            args.rfm.max_memory,
        );
    }
    let (out, default) = match &args.out {
        Some(p) => (p.clone(), false),
        None => (
            PathBuf::from("results").join(format!(
                "run-{}-{}.json",
                setup.stem(),
                split_tag(&choice.spec)
            )),
            true,
        ),
    };
    report::write::check_writable(&out, default)?;

    let mut report = execute(
        &setup,
        &choice,
        command_line,
        "",
        args.quiet,
        &args.analysis,
    )?;
    report.init = init_spec;
    report::write_json_atomic(&out, &report)?;
    if args.npy {
        if let Some(m) = report.final_m() {
            let m = m.map_err(anyhow::Error::msg)?;
            report::write::write_npy_atomic(&out.with_extension("npy"), &m)?;
        }
    }
    if !report.complete {
        let (done, total) = (report.iterations.len(), report.params.iters);
        eprintln!(
            "interrupted after {done} of {total} iterations; wrote the partial run (\"complete\": false) to {}",
            out.display()
        );
        eprintln!(
            "to resume, rerun the same command with --init-m {} --iters {} (and a new --out)",
            out.display(),
            total - done
        );
        return Err(symrfm::Error::Interrupted.into());
    }
    let s = &report.summary;
    println!(
        "first iteration t with test accuracy >= 0.99 (metrics use M_t, M_0 = I): {}",
        s.first_iter_test_acc_ge_099
            .map_or("never".to_string(), |t| t.to_string())
    );
    println!(
        "final accuracy: train {:.4}, test {:.4}",
        s.final_train_acc, s.final_test_acc
    );
    if let Some(line) = theory_line(&report) {
        println!("{line}");
    }
    if let Some(line) = super::intervention_flags::trap_line(&report) {
        println!("{line}");
    }
    let st = &report.timings.stages;
    println!(
        "time: {:.2} s (kernel {:.2}, solve {:.2}, predict {:.2}, agop {:.2}, eig {:.2})",
        report.timings.total_seconds, st.kernel, st.solve, st.predict, st.agop, st.eig
    );
    println!(
        "{}",
        super::bench::memory_line(&setup.task, &choice.split, &setup.params)
    );
    println!("wrote {}", out.display());
    Ok(())
}

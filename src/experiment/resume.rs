//! Continuing a run from its run file: the same parameters, the iteration numbers going on, the
//! curves joined into one report, bitwise the report of an uninterrupted run apart from timings
//! and the command line.
//!
//! The RFM loop's only state between iterations is M_t (interventions depend on t alone, the
//! perturbation and random initializations only on M_0), and a run file holds its final M at full
//! precision (floats round-trip exactly), so continuing from it repeats the uninterrupted run's
//! arithmetic. What the file must also give back is joined: the iteration records, the saved
//! matrices (`save_every`), the trap dynamics and the symmetry diagnostic. The per-iteration
//! structure (`analysis.structure`) cannot be continued (its alignment to the final M needs every
//! M_t, which the file does not hold): such runs are refused.

use super::run::{Outcome, RunOptions};
use super::spec::{Experiment, ExperimentSpec};
use crate::analysis::SymmetryDiagnostic;
use crate::error::{Error, Result};
use crate::report::{read_file, RunReport, SymrfmFile};
use crate::rfm::{Control, IterationRecord, IterationState, RfmParams, SavedMatrix, TrainOutput};
use crate::rfm::{InitKind, TrapDynamics};
use ndarray::Array2;
use std::path::{Path, PathBuf};

/// What a continued run takes over from its run file.
#[derive(Clone, Debug)]
pub(crate) struct Previous {
    /// Iterations done (t = 0 … done − 1).
    pub done: usize,
    iterations: Vec<IterationRecord>,
    /// Saved matrices M_t with t < done, and M_done (the file's final M).
    saved: Vec<SavedMatrix>,
    trap: Option<TrapDynamics>,
    pub diagnostics: Vec<SymmetryDiagnostic>,
    /// Training seconds of the file.
    pub seconds: f64,
}

impl Previous {
    /// The output of an uninterrupted run: the file's iterations and matrices, then `new`'s.
    pub fn join(&self, new: TrainOutput, params: &RfmParams) -> TrainOutput {
        let done = self.done;
        let mut saved: Vec<SavedMatrix> =
            self.saved.iter().filter(|s| s.t < done).cloned().collect();
        // M_done was the file's final M; an uninterrupted run keeps it only on the schedule.
        if params.save_every.is_some_and(|e| done.is_multiple_of(e)) && done < params.iters {
            if let Some(last) = self.saved.iter().find(|s| s.t == done) {
                saved.push(last.clone());
            }
        }
        saved.extend(new.saved);
        let mut iterations = self.iterations.clone();
        iterations.extend(new.iterations);
        let trap = match (&self.trap, new.trap) {
            (Some(old), Some(new)) => {
                // The file's asymmetry covers M_0 … M_done; the new record starts at M_done.
                let mut joined = old.clone();
                joined.asymmetry.truncate(done);
                joined.asymmetry.extend(new.asymmetry);
                // the trapped accuracy of the file covers iterations 0 … done − 1
                joined.trapped_accuracy.truncate(done);
                joined.trapped_accuracy.extend(new.trapped_accuracy);
                joined.summarize(0);
                Some(joined)
            }
            // A file without a trap record (written before the task had one) stays without:
            // the asymmetry of its first iterations is unknown. Resumption::new checked that a
            // file with a record belongs to a run that makes one.
            _ => None,
        };
        TrainOutput {
            iterations,
            saved,
            trap,
            ..new
        }
    }
}

/// A run file to continue (`symrfm run --resume`): its experiment rebuilt from the recorded
/// specification, with M_0 replaced by the file's final M and the loop starting at the next
/// iteration.
#[derive(Clone, Debug)]
pub struct Resumption {
    experiment: Experiment,
    previous: Previous,
    resumed_from: Array2<f64>,
    save_model: bool,
    save_predictions: bool,
}

/// Reads the run file at `path` and hands it to `prepare` (an RFM or a network continuation);
/// errors that name `resume` (the report cannot be continued) are reported against the file.
pub(crate) fn continue_run_file<T>(
    path: &Path,
    prepare: impl FnOnce(RunReport) -> Result<T>,
) -> Result<T> {
    let bad = |reason: String| Error::InvalidInput {
        path: path.to_path_buf(),
        reason,
    };
    match read_file(path)? {
        SymrfmFile::Run(report) => prepare(*report).map_err(|e| match e {
            Error::InvalidParameter {
                name: "resume",
                allowed,
                ..
            } => bad(allowed),
            e => e,
        }),
        other => Err(bad(format!(
            "a run file (kind \"run\") to continue, not a {} file",
            other.kind()
        ))),
    }
}

impl Resumption {
    /// Reads the run file at `path` and prepares its continuation to `iters` iterations in all
    /// (default: the file's own `params.iters`, for an interrupted run). Errors name the file.
    pub fn from_file(path: &Path, iters: Option<usize>) -> Result<Self> {
        continue_run_file(path, |report| Self::new(report, iters))
    }

    /// Prepares the continuation of `previous` to `iters` iterations in all (default: its own
    /// `params.iters`). Errors name `params.iters` (not more than the iterations done),
    /// `analysis.structure` (cannot be continued) or `resume` (the report itself cannot be
    /// continued exactly, e.g. it lacks the final M).
    pub fn new(previous: RunReport, iters: Option<usize>) -> Result<Self> {
        let bad = |reason: String| Error::param("resume", "the run file", reason);
        if previous.kind != "run" {
            return Err(bad(format!("a run report, not kind {:?}", previous.kind)));
        }
        let done = previous.iterations.len();
        if let Some((i, r)) = previous
            .iterations
            .iter()
            .enumerate()
            .find(|(i, r)| r.iter != *i)
        {
            return Err(bad(format!(
                "iterations numbered 0, 1, … (record {i} is iteration {})",
                r.iter
            )));
        }
        if done == 0 {
            return Err(bad("at least one completed iteration".into()));
        }
        let last = previous
            .feature_matrices
            .last()
            .ok_or_else(|| bad("its final feature matrix (`feature_matrices` is empty)".into()))?;
        if last.t != done {
            return Err(bad(format!(
                "its final feature matrix M_{done} after {done} iterations (the last stored is M_{})",
                last.t
            )));
        }
        let m = last
            .to_array()
            .map_err(|r| bad(format!("a readable final M: {r}")))?;
        if previous.analysis.structure {
            return Err(Error::param(
                "analysis.structure",
                "on in the run file",
                "a run without the per-iteration structure: its alignment to the final M needs \
                 every M_t, which the file does not hold (rerun from the start instead)",
            ));
        }
        let mut params = previous.params.clone();
        params.iters = iters.unwrap_or(params.iters);
        if params.iters <= done {
            return Err(Error::param(
                "params.iters",
                params.iters,
                format!(
                    "a total number of iterations above the {done} the run file holds{}",
                    if previous.complete {
                        " (it is complete: ask for more)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        let spec = ExperimentSpec {
            task: previous.task.spec.clone(),
            split: previous.split.spec.clone(),
            params,
            init_m: None,
            label: None,
            analysis: previous.analysis.clone(),
            init: Default::default(),
            net: None,
        };
        let mut experiment = spec.validate()?;
        if experiment.split.train != previous.split.train_indices {
            return Err(bad(
                "a split that its `split.spec` rebuilds: the rebuilt training pairs differ from \
                 `split.train_indices`"
                    .into(),
            ));
        }
        crate::rfm::train::check_init(&m, experiment.task.input_dim())?;
        let diagnostic = experiment
            .spec
            .analysis
            .run_options(&experiment.task)
            .symmetry;
        if diagnostic && previous.symmetry_diagnostic.len() != done {
            return Err(bad(format!(
                "one symmetry diagnostic per iteration ({} for {done} iterations)",
                previous.symmetry_diagnostic.len()
            )));
        }
        let trap = previous.trap.clone();
        let records_trap = crate::rfm::Interventions::new(
            &experiment.task,
            &experiment.split,
            &experiment.spec.params,
        )?
        .trap_recorder()
        .is_some();
        if trap.is_some() && !records_trap {
            return Err(bad(
                "no trap record, as a run of this task writes (the file holds one)".to_string(),
            ));
        }
        if trap.as_ref().is_some_and(|t| t.asymmetry.len() != done + 1) {
            return Err(bad(format!("one trap asymmetry per M_t, t = 0 … {done}")));
        }
        // Record M_0's provenance as the file did.
        let init = previous.init.clone().unwrap_or_default();
        experiment.spec.init_m = match previous.init_m.as_str() {
            "identity" => None,
            "random-circulant" if init.kind == InitKind::RandomCirculant => None,
            path => Some(PathBuf::from(path)),
        };
        experiment.spec.init = init;
        experiment.init = Some(m.clone());
        let previous_state = Previous {
            done,
            saved: previous
                .feature_matrices
                .iter()
                .map(|r| {
                    r.to_array()
                        .map(|m| SavedMatrix { t: r.t, m })
                        .map_err(|e| bad(format!("readable feature matrices: {e}")))
                })
                .collect::<Result<_>>()?,
            iterations: previous.iterations,
            trap,
            diagnostics: previous.symmetry_diagnostic,
            seconds: previous.timings.total_seconds,
        };
        Ok(Resumption {
            experiment,
            previous: previous_state,
            resumed_from: m,
            save_model: previous.model.is_some(),
            save_predictions: previous.predictions.is_some(),
        })
    }

    /// The experiment as continued (its `params.iters` is the new total).
    pub fn experiment(&self) -> &Experiment {
        &self.experiment
    }

    /// Sets the worker threads (an execution setting, not recorded in run files).
    pub fn set_threads(&mut self, threads: usize) -> Result<()> {
        self.experiment.set_threads(threads)
    }

    /// Iterations already done: the continuation starts at t = `done()`.
    pub fn done(&self) -> usize {
        self.previous.done
    }

    /// M_done, the file's final M, where the continuation starts.
    pub fn start_matrix(&self) -> &Array2<f64> {
        &self.resumed_from
    }

    /// Runs iterations `done()` … `params.iters − 1` and returns the joined outcome: the report
    /// an uninterrupted run would have written (bitwise, apart from `timings` and
    /// `command_line`), its model and warnings. The model and test predictions are stored when
    /// `options` ask or the file had them.
    pub fn run(
        &self,
        options: &RunOptions,
        observer: &mut (dyn FnMut(&IterationState<'_>) -> Control + Send),
    ) -> Result<Outcome> {
        let options = RunOptions {
            save_model: options.save_model || self.save_model,
            save_predictions: options.save_predictions || self.save_predictions,
            ..options.clone()
        };
        self.experiment
            .run_from(&options, Some(&self.previous), observer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::{Operation, TaskSpec};
    use crate::kernel::KernelKind;
    use crate::rfm::Precision;

    fn spec(iters: usize, kernel: KernelKind, precision: Precision) -> ExperimentSpec {
        let mut spec = ExperimentSpec {
            task: TaskSpec::new(Operation::Add, 13),
            ..ExperimentSpec::default()
        };
        spec.params.iters = iters;
        spec.params.kernel = kernel;
        spec.params.precision = precision;
        spec.params.save_every = Some(2);
        spec.params.threads = 1;
        spec
    }

    /// The report without what may differ between two runs of the same parameters.
    fn comparable(mut report: RunReport) -> RunReport {
        report.timings = Default::default();
        report.command_line.clear();
        report
            .iterations
            .iter_mut()
            .for_each(|r| r.seconds = Default::default());
        report
    }

    #[test]
    fn a_continued_run_is_the_uninterrupted_run_for_every_kernel_and_precision() {
        let go = |_: &IterationState<'_>| Control::Continue;
        for kernel in [
            KernelKind::Gaussian { bandwidth: 2.5 },
            KernelKind::Laplace { bandwidth: 2.0 },
            KernelKind::Quadratic,
        ] {
            for precision in [Precision::F64, Precision::F32] {
                let options = RunOptions {
                    save_predictions: true,
                    ..RunOptions::default()
                };
                let run = |iters: usize| {
                    spec(iters, kernel, precision)
                        .validate()
                        .unwrap()
                        .run(&options, &mut go.clone())
                        .unwrap()
                };
                let full = run(7);
                let part = run(3);
                let resumption = Resumption::new(part.report, Some(7)).unwrap();
                assert_eq!(resumption.done(), 3);
                let resumed = resumption
                    .run(&RunOptions::default(), &mut go.clone())
                    .unwrap();
                assert_eq!(resumed.model, full.model, "{kernel:?} {precision:?}");
                assert!(resumed.report.predictions.is_some(), "kept from the file");
                assert_eq!(
                    comparable(resumed.report),
                    comparable(full.report),
                    "{kernel:?} {precision:?}"
                );
            }
        }
    }

    #[test]
    fn a_run_cannot_be_continued_to_fewer_iterations_or_without_its_final_m() {
        let go = |_: &IterationState<'_>| Control::Continue;
        let kernel = KernelKind::Gaussian { bandwidth: 2.5 };
        let report = spec(3, kernel, Precision::F64)
            .validate()
            .unwrap()
            .run(&RunOptions::default(), &mut go.clone())
            .unwrap()
            .report;
        for iters in [None, Some(3), Some(2)] {
            let e = Resumption::new(report.clone(), iters).unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::InvalidParameter {
                        name: "params.iters",
                        ..
                    }
                ),
                "{e}"
            );
        }
        let mut no_final = report.clone();
        no_final.feature_matrices.pop();
        let e = Resumption::new(no_final, Some(5)).unwrap_err().to_string();
        assert!(e.contains("final feature matrix"), "{e}");
        let mut structure = report;
        structure.analysis.structure = true;
        let e = Resumption::new(structure, Some(5)).unwrap_err().to_string();
        assert!(e.contains("analysis.structure"), "{e}");
    }
}

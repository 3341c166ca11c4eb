//! Continuing a network run from its run file (`symrfm run --resume` on a `--model` run): the
//! same parameters, the steps going on, the records joined into one report, bitwise the report
//! of an uninterrupted run apart from timings and the command line.
//!
//! A network run's state between steps is its weights, the optimizer state (AdamW's m and v or
//! SGD's momentum buffer, and its step count), the minibatch order and the symmetry-loss
//! generator. Every network run file holds the first two and the generator's position in
//! `network.resume` (floats round-trip exactly); the minibatch order is replayed from the seed
//! and the step count. A run stopped early (Ctrl-C, an observer's stop) or shorter than the
//! total asked for has records at its last step that an uninterrupted run may not have (that
//! step's evaluation and feature matrices off their schedules): they are dropped when joining.

use super::network::{NetOutcome, NetPrevious};
use super::run::RunOptions;
use super::spec::{Experiment, ExperimentSpec};
use crate::error::{Error, Result};
use crate::net::{NetState, Network};
use crate::report::RunReport;
use crate::rfm::{Control, RfmParams};
use std::path::Path;

/// A network run file to continue: its experiment rebuilt from the recorded specification, the
/// network and optimizer state after its last step.
#[derive(Clone, Debug)]
pub struct NetResumption {
    experiment: Experiment,
    network: Network,
    previous: NetPrevious,
    save_model: bool,
}

impl NetResumption {
    /// Reads the run file at `path` and prepares its continuation to `steps` optimizer steps in
    /// all (default: the file's own total, for an interrupted run). Errors name the file.
    pub fn from_file(path: &Path, steps: Option<usize>) -> Result<Self> {
        super::resume::continue_run_file(path, |report| Self::new(report, steps))
    }

    /// Prepares the continuation of the network run `previous` to `steps` optimizer steps in all
    /// (default: its own total). Errors name `net.steps` (not more than the steps done) or
    /// `resume` (the report cannot be continued exactly, e.g. it has no `network.resume`).
    pub fn new(previous: RunReport, steps: Option<usize>) -> Result<Self> {
        let bad = |reason: String| Error::param("resume", "the run file", reason);
        let net = previous
            .network
            .as_ref()
            .ok_or_else(|| bad("a network run (`run --model …`)".into()))?;
        let state = net.resume.as_ref().ok_or_else(|| {
            bad(
                "a network run file with its resume state (`network.resume`, written since \
                 network runs can be resumed)"
                    .into(),
            )
        })?;
        let done = state.step;
        if done == 0 {
            return Err(bad(
                "at least one optimizer step done (run it again from the start)".into(),
            ));
        }
        if net.steps.last().map(|r| r.step) != Some(done) {
            return Err(bad(format!(
                "its last evaluation at the step of its resume state ({done})"
            )));
        }
        let mut params = net.params.clone();
        let n_train = previous.split.n_train;
        if let Some(total) = steps {
            params.steps = Some(total);
        }
        let total = params.total_steps(n_train);
        if total <= done {
            return Err(Error::param(
                "net.steps",
                total,
                format!(
                    "a total number of steps above the {done} the run file holds{}",
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
            params: RfmParams::default(),
            init_m: None,
            label: None,
            analysis: previous.analysis.clone(),
            init: Default::default(),
            net: Some(params.clone()),
        };
        let experiment = spec.validate()?;
        if experiment.split.train != previous.split.train_indices {
            return Err(bad(
                "a split that its `split.spec` rebuilds: the rebuilt training pairs differ from \
                 `split.train_indices`"
                    .into(),
            ));
        }
        let network = Network::from_weights(
            &params,
            previous.task.n_symbols,
            previous.task.n_classes,
            &state.weights,
        )?;
        if state.optimizer.moments().0.len() != state.weights.len() {
            return Err(bad("an optimizer state with one moment per weight".into()));
        }
        // Keep what an uninterrupted run records: evaluations on the schedule, features on
        // theirs (step 0 is on both).
        let (eval, agop) = (params.eval_period(n_train), params.agop_period(n_train));
        let keep: Vec<bool> = net.steps.iter().map(|r| r.step % eval == 0).collect();
        let kept = |v: &[_]| -> bool { v.is_empty() || v.len() == keep.len() };
        let diagnostics = &previous.symmetry_diagnostic;
        let diagnostic = experiment
            .spec
            .analysis
            .run_options(&experiment.task)
            .symmetry;
        if diagnostic && diagnostics.len() != keep.len() {
            return Err(bad(format!(
                "one symmetry diagnostic per evaluation ({} for {})",
                diagnostics.len(),
                keep.len()
            )));
        }
        let filter = |v: &[_]| keep_where(v, &keep);
        let trap = match &previous.trap {
            Some(t) if kept(&t.asymmetry) && kept(&t.trapped_accuracy) => {
                let mut t = t.clone();
                t.asymmetry = filter(&t.asymmetry);
                t.trapped_accuracy = filter(&t.trapped_accuracy);
                Some(t)
            }
            Some(_) => return Err(bad("one trap record entry per evaluation".into())),
            None => None,
        };
        let previous_state = NetPrevious {
            start: state.start(),
            steps: keep_where(&net.steps, &keep),
            features: net
                .features
                .iter()
                .filter(|f| f.step % agop == 0)
                .cloned()
                .collect(),
            diagnostics: keep_where(diagnostics, &keep),
            trap,
            seconds: net.seconds.clone(),
            total_seconds: previous.timings.total_seconds,
        };
        Ok(NetResumption {
            experiment,
            network,
            previous: previous_state,
            save_model: net.weights.is_some(),
        })
    }

    /// The experiment as continued (its `net.steps` is the new total when one was given).
    pub fn experiment(&self) -> &Experiment {
        &self.experiment
    }

    /// Sets the worker threads (an execution setting, not recorded in run files).
    pub fn set_threads(&mut self, threads: usize) -> Result<()> {
        if let Some(net) = self.experiment.spec.net.as_mut() {
            net.threads = threads;
        }
        Ok(())
    }

    /// Optimizer steps already done: the continuation starts with step `done() + 1`.
    pub fn done(&self) -> usize {
        self.previous.start.step
    }

    /// Runs the remaining steps and returns the joined outcome: the report an uninterrupted run
    /// would have written (bitwise, apart from timings, `seconds` and `command_line`). The final
    /// weights are stored when `options` ask or the file had them.
    pub fn run(
        &self,
        options: &RunOptions,
        observer: &mut (dyn FnMut(&NetState<'_>) -> Control + Send),
    ) -> Result<NetOutcome> {
        let options = RunOptions {
            save_model: options.save_model || self.save_model,
            ..options.clone()
        };
        self.experiment.run_network_joined(
            &options,
            self.network.clone(),
            Some(&self.previous),
            observer,
        )
    }
}

/// The entries of `v` whose `keep` is true (parallel slices).
fn keep_where<T: Clone>(v: &[T], keep: &[bool]) -> Vec<T> {
    v.iter()
        .zip(keep)
        .filter(|(_, &k)| k)
        .map(|(x, _)| x.clone())
        .collect()
}

//! Running a validated experiment: training, analysis and the run report, in one place.

use super::model::Model;
use super::spec::Experiment;
use crate::analysis::RunAnalyzer;
use crate::error::{Error, Result};
use crate::report::{PredictionsRecord, RunReport};
use crate::rfm::{self, Control, IterationState};
use std::time::Instant;

pub(crate) use super::resume::Previous;

/// How to run an experiment (settings that do not change its numbers).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Refuse to start when the estimated peak memory exceeds this many bytes (default: the
    /// memory available).
    pub max_memory: Option<u64>,
    /// The command line recorded in the report.
    pub command_line: Vec<String>,
    /// Store the fitted model (M, α) in the report's `model` field.
    pub save_model: bool,
    /// Store the outputs f(x) on the test pairs at the last iteration in the report's
    /// `predictions` field.
    pub save_predictions: bool,
}

/// What a run produced.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The run report: everything written to the run file.
    pub report: RunReport,
    /// The predictor of the last completed iteration (the one behind the final metrics).
    pub model: Model,
    /// Non-fatal problems met along the way (e.g. an analysis that failed; the run is kept).
    pub warnings: Vec<String>,
}

impl Experiment {
    /// Trains, analyzes and reports. `observer` sees every iteration (progress, callbacks) and
    /// can stop the run early; the report is then marked incomplete (`complete: false`).
    pub fn run(
        &self,
        options: &RunOptions,
        observer: &mut (dyn FnMut(&IterationState<'_>) -> Control + Send),
    ) -> Result<Outcome> {
        self.run_from(options, None, observer)
    }

    /// [`run`](Self::run), continuing `previous` when given (see [`super::Resumption`]).
    pub(crate) fn run_from(
        &self,
        options: &RunOptions,
        previous: Option<&Previous>,
        observer: &mut (dyn FnMut(&IterationState<'_>) -> Control + Send),
    ) -> Result<Outcome> {
        if self.spec.net.is_some() {
            return Err(Error::param(
                "net",
                "network parameters",
                "an RFM experiment (run a network with Experiment::run_network)",
            ));
        }
        let (task, split, params) = (&self.task, &self.split, &self.spec.params);
        let analysis = self.spec.analysis.run_options(task);
        let mut analyzer = RunAnalyzer::new(task, split, &analysis, params.effective_threads())?;
        let started = Instant::now();
        let first = previous.map_or(0, |p| p.done);
        let output = rfm::train_from(
            task,
            split,
            params,
            self.init.clone(),
            first,
            options.max_memory,
            &mut |state| {
                let analyzed = analyzer.observe(state);
                match observer(state) {
                    Control::Stop => Control::Stop,
                    Control::Continue => analyzed,
                }
            },
        )?;
        let mut seconds = started.elapsed().as_secs_f64();
        let output = match previous {
            Some(p) => {
                seconds += p.seconds;
                p.join(output, params)
            }
            None => output,
        };
        let model =
            Model::from_training(task, split, params, &output).ok_or_else(|| Error::Numerical {
                iteration: 0,
                what: "training ended before its first iteration".into(),
            })?;
        let mut report = RunReport::new(
            options.command_line.clone(),
            task,
            params,
            &self.spec.split,
            split,
            self.init_name(),
            &output,
            seconds,
        );
        report.analysis = self.spec.analysis.clone();
        report.init = (!self.spec.init.is_default()).then(|| self.spec.init.clone());
        let mut symmetry = self.symmetry.clone();
        if let Some(sym) = symmetry.as_mut() {
            if self.theory.is_some() {
                sym.score(&output.test_correct);
            }
        }
        report.symmetry = symmetry;
        let mut warnings = Vec::new();
        match analyzer.finish(&output) {
            Ok(a) => {
                report.structure = a.structure;
                report.final_analysis = a.final_analysis;
                report.symmetry_diagnostic = match previous {
                    Some(p) => p
                        .diagnostics
                        .iter()
                        .cloned()
                        .chain(a.symmetry_diagnostic)
                        .collect(),
                    None => a.symmetry_diagnostic,
                };
            }
            Err(e) => warnings.push(format!("analysis of the feature matrices failed: {e}")),
        }
        if options.save_model {
            report.model = Some(model.record());
        }
        if options.save_predictions {
            report.predictions = output.last_solve.as_ref().map(|last| PredictionsRecord {
                t: last.t,
                pairs: split.test.clone(),
                outputs: last
                    .test_predictions
                    .rows()
                    .into_iter()
                    .map(|r| r.to_vec())
                    .collect(),
            });
        }
        warnings.extend(super::ill_posed::warning(
            &output.iterations,
            params,
            task.input_dim(),
        ));
        Ok(Outcome {
            report,
            model,
            warnings,
        })
    }
}

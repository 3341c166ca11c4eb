//! Analysis along an RFM run: the per-iteration structure, the symmetry-acquisition diagnostic and
//! the analysis of the final M, from one observer.
//!
//! ```
//! use symrfm::analysis::run::{RunAnalysisOptions, RunAnalyzer};
//! use symrfm::data::{Split, SplitSpec};
//! use symrfm::group::{Operation, Task, TaskSpec};
//! use symrfm::rfm::{train, RfmParams};
//!
//! let task = Task::new(TaskSpec::new(Operation::Add, 11))?;
//! let split = Split::build(&task, &SplitSpec::Random { fraction: 0.5, seed: 0 })?;
//! let params = RfmParams { iters: 3, threads: 1, ..RfmParams::default() };
//! let options = RunAnalysisOptions { structure: true, symmetry: true, ..Default::default() };
//! let mut analyzer = RunAnalyzer::new(&task, &split, &options, 1)?;
//! let out = train(&task, &split, &params, None, None, &mut |s| analyzer.observe(s))?;
//! let analysis = analyzer.finish(&out)?;
//! assert_eq!(analysis.structure.len(), 4); // M_0 … M_3
//! assert_eq!(analysis.symmetry_diagnostic.len(), 3);
//! assert!(analysis.final_analysis.is_some());
//! # Ok::<(), symrfm::Error>(())
//! ```

use super::invariance::{InvarianceProbe, SymmetryDiagnostic};
use super::matrix::{analysis_symmetry, analyze_matrix, AnalysisOptions, MatrixAnalysis};
use super::track::{IterationStructure, StructureTracker};
use crate::data::Split;
use crate::error::{Error, Result};
use crate::group::Task;
use crate::rfm::{Control, IterationState, TrainOutput};
use crate::symmetry::TaskSymmetry;
use serde::{Deserialize, Serialize};

/// What to measure along a run besides the metrics (the final M is always analyzed).
///
/// Every field at its default is left out of serialized specifications, so a specification
/// without analysis options reads and writes as it did before they existed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisSpec {
    /// Measure the structure of every M_t (and, for tasks on a group, the symmetry diagnostic).
    #[serde(default, skip_serializing_if = "is_false")]
    pub structure: bool,
    /// The symmetry-acquisition diagnostic per iteration (under Dih(A), or the computed Sym_f).
    #[serde(default, skip_serializing_if = "is_false")]
    pub symmetry_diagnostic: bool,
    /// Probe a fixed seeded subset of this many test points in the diagnostic (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symmetry_points: Option<usize>,
    /// Frequencies per block in the Fourier energy fraction (default: n).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fourier_top_k: Option<usize>,
    /// Also report the final M's distance to the commutant of this subgroup of Dih(A).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commutant_subgroup: Option<String>,
    /// The subgroup H whose orbit prediction `Orbit_H(train) \ train` is scored against the run.
    /// Default: the subgroup the split names (fixed points, orbits, moved orbits), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theory_subgroup: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl AnalysisSpec {
    /// Whether every option is at its default.
    pub fn is_default(&self) -> bool {
        *self == AnalysisSpec::default()
    }

    /// The analyzer's options for `task`.
    pub fn run_options(&self, task: &Task) -> RunAnalysisOptions {
        RunAnalysisOptions {
            structure: self.structure,
            symmetry: self.symmetry_diagnostic || (self.structure && task.group().is_some()),
            symmetry_points: self.symmetry_points,
            top_k: self.fourier_top_k,
            subgroup: self.commutant_subgroup.clone(),
        }
    }
}

/// What to measure along a run (the final M is always analyzed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunAnalysisOptions {
    /// Structure of every M_t ([`IterationStructure`]).
    pub structure: bool,
    /// The symmetry-acquisition diagnostic per iteration (under Dih(A), or the computed Sym_f).
    pub symmetry: bool,
    /// Probe a seeded subset of this many test points instead of all of them.
    pub symmetry_points: Option<usize>,
    /// Frequencies per block in the Fourier energy fraction (default n).
    pub top_k: Option<usize>,
    /// A subgroup whose commutant distance the final analysis reports.
    pub subgroup: Option<String>,
}

/// What a [`RunAnalyzer`] produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunAnalysis {
    /// One entry per M_t, t = 0..=T (empty unless [`RunAnalysisOptions::structure`]).
    pub structure: Vec<IterationStructure>,
    /// The analysis of the final M.
    pub final_analysis: Option<MatrixAnalysis>,
    /// One entry per iteration (empty unless [`RunAnalysisOptions::symmetry`]).
    pub symmetry_diagnostic: Vec<SymmetryDiagnostic>,
}

/// Observes an RFM run (pass [`observe`](Self::observe) as, or inside, the observer of
/// [`crate::rfm::train()`]) and analyzes its final M in [`finish`](Self::finish).
pub struct RunAnalyzer<'a> {
    task: &'a Task,
    options: RunAnalysisOptions,
    tracker: Option<StructureTracker>,
    probe: Option<InvarianceProbe>,
    diagnostics: Vec<SymmetryDiagnostic>,
    par: faer::Par,
    error: Option<Error>,
}

impl<'a> RunAnalyzer<'a> {
    /// Validates the options for `task` and `split` before training starts: the subgroup must
    /// parse, `top_k` must be in range, and the diagnostic needs a non-trivial symmetry group with
    /// its elements listed and a non-empty test set. `threads` is the parallelism of the diagnostic's predictions.
    pub fn new(
        task: &'a Task,
        split: &Split,
        options: &RunAnalysisOptions,
        threads: usize,
    ) -> Result<Self> {
        if let Some(spec) = &options.subgroup {
            analysis_symmetry(task, Some(spec), "analysis.commutant_subgroup")?;
        }
        // Checks top_k even when only the final M is analyzed.
        let tracker = StructureTracker::new(task, options.top_k)?;
        let probe = if options.symmetry {
            Some(InvarianceProbe::new(
                &TaskSymmetry::of(task),
                split,
                options.symmetry_points,
            )?)
        } else {
            None
        };
        Ok(RunAnalyzer {
            task,
            options: options.clone(),
            tracker: options.structure.then_some(tracker),
            probe,
            diagnostics: Vec::new(),
            par: crate::linalg::par(threads),
            error: None,
        })
    }

    /// Measures one iteration. Never stops the run: a failure is kept and reported by
    /// [`finish`](Self::finish), and nothing more is measured after it.
    pub fn observe(&mut self, state: &IterationState<'_>) -> Control {
        if self.error.is_some() {
            return Control::Continue;
        }
        if let Some(tracker) = &mut self.tracker {
            if let Err(e) = tracker.record(state.record.iter, state.m) {
                self.error = Some(e);
                return Control::Continue;
            }
        }
        if let Some(probe) = &self.probe {
            self.diagnostics.push(probe.measure(state, self.par));
        }
        Control::Continue
    }

    /// Adds the final M of `output` and analyzes it. Errors with the first failure met.
    pub fn finish(mut self, output: &TrainOutput) -> Result<RunAnalysis> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let final_m = output.saved.last();
        let structure = match self.tracker.take() {
            Some(mut tracker) => {
                if let Some(last) = final_m {
                    tracker.record(last.t, last.m.view())?;
                }
                tracker.finish()
            }
            None => Vec::new(),
        };
        let options = AnalysisOptions {
            top_k: self.options.top_k,
            subgroup: self.options.subgroup.clone(),
        };
        let final_analysis = final_m
            .map(|last| analyze_matrix(self.task, last.m.view(), &options))
            .transpose()?;
        Ok(RunAnalysis {
            structure,
            final_analysis,
            symmetry_diagnostic: self.diagnostics,
        })
    }
}

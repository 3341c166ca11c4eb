//! The experiment specification and its validation into an [`Experiment`].

use crate::analysis::AnalysisSpec;
use crate::data::{Split, SplitEdit, SplitSpec};
use crate::error::Result;
use crate::group::{Operation, Task, TaskSpec};
use crate::rfm::{InitKind, InitSpec, RfmParams};
use crate::symmetry::{Subgroup, SymmetryReport, TaskSymmetry};
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One experiment: a task, a split, the RFM parameters, the initial feature matrix and the
/// analysis options. This is exactly what a run file records and what a sweep job is (the
/// `kind: "run"` job configuration), and it is what every front end (CLI, sweeps, Python) builds.
///
/// Validate it with [`ExperimentSpec::validate`]; errors name the parameter by its path in this
/// specification (`params.ridge`, `split.fraction`, `task.modulus`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentSpec {
    /// The task.
    pub task: TaskSpec,
    /// The split (any split kind the library knows).
    pub split: SplitSpec,
    /// RFM hyper-parameters (`threads` and `backend` are execution settings: not serialized).
    pub params: RfmParams,
    /// Start from the final M of this file (run file, JSON matrix or `.npy`) instead of I.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_m: Option<PathBuf>,
    /// A free label for grouping results in reports (e.g. `symmetric`, `broken`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// What to measure along the run.
    #[serde(default, skip_serializing_if = "AnalysisSpec::is_default")]
    pub analysis: AnalysisSpec,
    /// How M_0 is built from `init_m` (or the identity): random block-circulant, perturbed
    /// (`init.kind`, `init.seed`, `init.perturb`; absent when default).
    #[serde(default, skip_serializing_if = "InitSpec::is_default")]
    pub init: InitSpec,
    /// Train a network instead of RFM (`model`, `width`, optimizer, …); absent for RFM, the
    /// default. `params` then only matters for nothing but its defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net: Option<crate::net::NetParams>,
}

impl Default for ExperimentSpec {
    /// The literature's default experiment: (a + b) mod 61, a random half of the pairs for
    /// training (seed 0), Gaussian RFM with L = 2.5, λ = 0, s = 1/2, 50 iterations.
    fn default() -> Self {
        ExperimentSpec {
            task: TaskSpec::new(Operation::Add, 61),
            split: SplitSpec::Random {
                fraction: 0.5,
                seed: 0,
            },
            params: RfmParams::default(),
            init_m: None,
            label: None,
            analysis: AnalysisSpec::default(),
            init: InitSpec::default(),
            net: None,
        }
    }
}

impl ExperimentSpec {
    /// Checks every part of the specification and builds everything a run needs: the task's
    /// label table, the split (with its seeded choices resolved), the initial matrix, the
    /// symmetry report of the split. The returned [`Experiment`] can only hold valid values.
    pub fn validate(&self) -> Result<Experiment> {
        let task = Task::new(self.task.clone())?;
        self.params.validate()?;
        if let Some(net) = &self.net {
            net.validate()?;
        }
        let (split, split_spec) = self.split.resolve(&task)?;
        split.check_nonempty()?;
        let init = match &self.init_m {
            Some(path) => {
                let m = crate::report::read::load_matrix(path, None)?;
                crate::rfm::train::check_init(&m, task.input_dim())?;
                Some(m)
            }
            None => None,
        };
        let init = self.init.build(&task, init)?;
        // Interventions name subgroups of the task's group: resolve them once here.
        crate::rfm::Interventions::new(&task, &split, &self.params)?;
        let sym = TaskSymmetry::of(&task);
        let theory = self.theory_subgroup(&split_spec, &sym)?;
        // The analyzer checks its options (subgroup, top_k, diagnostic) against the task.
        crate::analysis::RunAnalyzer::new(&task, &split, &self.analysis.run_options(&task), 1)?;
        let symmetry = SymmetryReport::new(&sym, &split, theory.as_ref());
        let symmetry_group_name = if sym.is_dihedral() {
            sym.name()
        } else {
            format!("Sym_f of {}", task.describe())
        };
        let mut spec = self.clone();
        spec.split = split_spec;
        Ok(Experiment {
            spec,
            task,
            split,
            init,
            theory,
            symmetry,
            symmetry_group_name,
        })
    }

    /// The subgroup whose orbit prediction is scored: the one given in the analysis options,
    /// else the first the split names.
    fn theory_subgroup(&self, split: &SplitSpec, sym: &TaskSymmetry) -> Result<Option<Subgroup>> {
        let named = self
            .analysis
            .theory_subgroup
            .clone()
            .or_else(|| split_subgroup(split));
        match named {
            // without the element list of Sym_f there are no subgroups to score
            Some(h) if !sym.is_empty() => Subgroup::parse(sym, &h)
                .map(Some)
                .map_err(|e| e.renamed("analysis.theory_subgroup")),
            _ => Ok(None),
        }
    }
}

/// The first subgroup a split specification names (its base's, else a moved-orbits edit's).
fn split_subgroup(spec: &SplitSpec) -> Option<String> {
    match spec {
        SplitSpec::FixedPoints { subgroup } | SplitSpec::Orbit { subgroup, .. } => {
            Some(subgroup.clone())
        }
        SplitSpec::Random { .. } | SplitSpec::File { .. } => None,
        SplitSpec::Edited { base, edits } => split_subgroup(base).or_else(|| {
            edits.iter().find_map(|e| match e {
                SplitEdit::MoveOrbits { subgroup, .. } => Some(subgroup.clone()),
                _ => None,
            })
        }),
    }
}

/// A validated experiment, ready to [`run`](Experiment::run). Built only by
/// [`ExperimentSpec::validate`].
#[derive(Clone, Debug)]
pub struct Experiment {
    pub(crate) spec: ExperimentSpec,
    pub(crate) task: Task,
    pub(crate) split: Split,
    pub(crate) init: Option<Array2<f64>>,
    pub(crate) theory: Option<Subgroup>,
    pub(crate) symmetry: Option<SymmetryReport>,
    /// The name of the task's symmetry group (`Dih(Z_61)`, `Sym_f of mul on S4`).
    pub(crate) symmetry_group_name: String,
}

impl Experiment {
    /// The specification as it will be recorded: the split with its subgroups by canonical name
    /// and the pairs its seeded edits moved.
    pub fn spec(&self) -> &ExperimentSpec {
        &self.spec
    }

    /// The task.
    pub fn task(&self) -> &Task {
        &self.task
    }

    /// The split.
    pub fn split(&self) -> &Split {
        &self.split
    }

    /// The RFM parameters.
    pub fn params(&self) -> &RfmParams {
        &self.spec.params
    }

    /// M_0 when it is not the identity.
    pub fn init(&self) -> Option<&Array2<f64>> {
        self.init.as_ref()
    }

    /// Where M_0 comes from, as recorded: `identity` or the file's path.
    pub fn init_name(&self) -> String {
        if self.spec.init.kind == InitKind::RandomCirculant {
            return "random-circulant".to_string();
        }
        self.spec
            .init_m
            .as_ref()
            .map_or("identity".to_string(), |p| p.display().to_string())
    }

    /// The subgroup H whose orbit prediction is scored, if any.
    pub fn theory(&self) -> Option<&Subgroup> {
        self.theory.as_ref()
    }

    /// The symmetry report of the split before training (tasks whose Sym_f lists its elements).
    pub fn symmetry(&self) -> Option<&SymmetryReport> {
        self.symmetry.as_ref()
    }

    /// The name of the task's symmetry group, as reports print it (`Dih(Z_61)`, `Sym_f of …`).
    pub fn symmetry_group_name(&self) -> &str {
        &self.symmetry_group_name
    }

    /// Sets the worker threads (an execution setting: results do not depend on it).
    pub fn set_threads(&mut self, threads: usize) -> Result<()> {
        let mut params = self.spec.params.clone();
        params.threads = threads;
        params.validate()?;
        self.spec.params = params;
        Ok(())
    }
}

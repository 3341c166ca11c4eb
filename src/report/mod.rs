//! The versioned, self-describing JSON written by every run, and safe writers.
//!
//! The schema is documented in README.md ("Output schema") and checked by round-trip tests. Fields
//! are only ever added within a schema version; a change of meaning bumps [`SCHEMA_VERSION`].
//! All numbers are deterministic for a given command line except the timing fields
//! (`iterations[].seconds`, `timings`).

pub mod compare;
pub mod decompose;
pub mod eigen_figures;
pub mod figures;
pub mod line;
pub mod network;
pub mod read;
pub mod strip;
/// The safe writers (atomic JSON, `.npy`, the output checks): [`crate::output`].
pub use crate::output as write;

use crate::analysis::{AnalysisSpec, IterationStructure, MatrixAnalysis, SymmetryDiagnostic};
use crate::data::{Split, SplitSpec};
use crate::group::{Task, TaskSpec};
use crate::rfm::{InitSpec, IterationRecord, RfmParams, StageSeconds, TrainOutput, TrapDynamics};
use crate::symmetry::SymmetryReport;
use ndarray::Array2;
use serde::{Deserialize, Serialize};

pub use decompose::{DecomposeReport, MatrixSource};
pub use read::{load_matrix, read_file, SymrfmFile};
pub use write::{write_atomic, write_json_atomic};

/// Version of the JSON layout.
pub const SCHEMA_VERSION: u32 = 1;

/// The task as written in outputs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskInfo {
    /// What the user asked for, as used: without `modulus` for a task on a named or product group
    /// and without `zero` where the zero convention does not apply (see [`recorded_spec`]).
    #[serde(serialize_with = "recorded_spec")]
    pub spec: TaskSpec,
    /// Human description (`add on Z_61`).
    pub description: String,
    /// Number of symbols n; inputs are `e_a ‖ e_b ∈ R^{2n}`.
    pub n_symbols: usize,
    /// Number of classes.
    pub n_classes: usize,
    /// How a pair index encodes a pair: always `a * n + b` (a, b symbol indices).
    pub pair_index: String,
    /// The value of each symbol index (e.g. residue `i + 1` for Z_p^*).
    pub symbols: Vec<String>,
}

/// `x` in scientific notation with `digits` decimals and a signed two-digit exponent, as C and
/// NumPy print it: `1.0000e+00`, `3.210e-05` (Rust's `{:e}` gives `1.0000e0`). NaN is `undefined`.
pub fn sci(x: f64, digits: usize) -> String {
    if x.is_nan() {
        return "undefined".into();
    }
    if x.is_infinite() {
        return format!("{x}");
    }
    let text = format!("{:.*e}", digits, x + 0.0);
    match text.split_once('e') {
        Some((mantissa, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => text,
    }
}

/// Writes a task specification as a run used it: `modulus` only when the task is on Z_p (not on a
/// group given by `group` or `group_name`, a graph or a table), and `zero` only for `mul`/`div`
/// on Z_p, the only tasks with a zero convention. Readers fill both back in with their defaults
/// (`modulus` 0, `zero` drop), so files stay readable either way. Sweep job ids hash the spec's
/// own serialization, which is unchanged.
pub fn recorded_spec<S: serde::Serializer>(
    spec: &TaskSpec,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    use crate::group::Operation;
    let mut value = serde_json::to_value(spec).map_err(serde::ser::Error::custom)?;
    let on_zp = spec.group.is_none()
        && spec.group_name.is_none()
        && spec.graph.is_none()
        && spec.table.is_none();
    if let Some(obj) = value.as_object_mut() {
        if !on_zp {
            obj.remove("modulus");
        }
        if !(on_zp && matches!(spec.operation, Operation::Mul | Operation::Div)) {
            obj.remove("zero");
        }
    }
    value.serialize(serializer)
}

impl TaskInfo {
    /// Describes `task`.
    pub fn new(task: &Task) -> Self {
        TaskInfo {
            spec: task.spec().clone(),
            description: task.describe(),
            n_symbols: task.n_symbols(),
            n_classes: task.n_classes(),
            pair_index: "a * n + b".into(),
            symbols: (0..task.n_symbols())
                .map(|a| task.symbol_name(a).to_string())
                .collect(),
        }
    }
}

/// The split as written in outputs: how to rebuild it and the training indices themselves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SplitInfo {
    /// How the split was made.
    pub spec: SplitSpec,
    /// Number of training pairs.
    pub n_train: usize,
    /// Number of test pairs.
    pub n_test: usize,
    /// Training pair indices (`a * n + b`), ascending. The test set is every other pair.
    pub train_indices: Vec<usize>,
    /// [`Split::id`]: equal ids, equal pairs (absent in files written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl SplitInfo {
    /// Describes `split`, built from `spec`.
    pub fn new(spec: &SplitSpec, split: &Split) -> Self {
        SplitInfo {
            spec: spec.clone(),
            n_train: split.train.len(),
            n_test: split.test.len(),
            train_indices: split.train.clone(),
            id: Some(split.id()),
        }
    }
}

/// A feature matrix in the output: row-major nested arrays.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatrixRecord {
    /// Number of updates applied (this is M_t; the last record is the final M).
    pub t: usize,
    /// Side length d = 2n.
    pub dim: usize,
    /// Rows of M.
    pub rows: Vec<Vec<f64>>,
}

impl MatrixRecord {
    /// Records M_t.
    pub fn new(t: usize, m: &Array2<f64>) -> Self {
        MatrixRecord {
            t,
            dim: m.nrows(),
            rows: m.rows().into_iter().map(|r| r.to_vec()).collect(),
        }
    }
    /// The matrix, checking that it is square with `dim` rows.
    pub fn to_array(&self) -> std::result::Result<Array2<f64>, String> {
        to_square(&self.rows).and_then(|m| {
            if m.nrows() == self.dim {
                Ok(m)
            } else {
                Err(format!(
                    "`dim` is {} but the matrix has {} rows",
                    self.dim,
                    m.nrows()
                ))
            }
        })
    }
}

pub(crate) fn to_square(rows: &[Vec<f64>]) -> std::result::Result<Array2<f64>, String> {
    let d = rows.len();
    if d == 0 {
        return Err("empty matrix".into());
    }
    if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != d) {
        return Err(format!(
            "not square: row {i} has {} entries, expected {d}",
            r.len()
        ));
    }
    Ok(Array2::from_shape_fn((d, d), |(i, j)| rows[i][j]))
}

/// The end-of-run summary.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// First well-posed iteration with test accuracy ≥ 0.99, if any (ill-posed ones are skipped).
    pub first_iter_test_acc_ge_099: Option<usize>,
    /// Training accuracy at the last iteration.
    pub final_train_acc: f64,
    /// Test accuracy at the last iteration.
    pub final_test_acc: f64,
    /// Best test accuracy over the well-posed iterations (0 when every iteration is ill-posed).
    pub best_test_acc: f64,
}

impl Summary {
    /// Summarizes iteration records. Ill-posed iterations (`ill_posed`) count neither for
    /// `first_iter_test_acc_ge_099` nor for `best_test_acc`; the final accuracies are the last
    /// iteration's whatever it was.
    pub fn new(iterations: &[IterationRecord]) -> Self {
        let last = iterations.last();
        let well_posed = || iterations.iter().filter(|r| !r.ill_posed);
        Summary {
            first_iter_test_acc_ge_099: well_posed().find(|r| r.test_acc >= 0.99).map(|r| r.iter),
            final_train_acc: last.map_or(0.0, |r| r.train_acc),
            final_test_acc: last.map_or(0.0, |r| r.test_acc),
            best_test_acc: well_posed().map(|r| r.test_acc).fold(0.0, f64::max),
        }
    }
}

/// Wall-clock times (not deterministic).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// Wall time of the whole training, seconds.
    pub total_seconds: f64,
    /// Sums over iterations per stage.
    pub stages: StageSeconds,
    /// Threads used.
    pub threads: usize,
    /// Peak resident memory of the process (`VmHWM`) when the report was assembled, right after
    /// training; absent where the platform does not report it (and in files of older versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_memory_bytes: Option<u64>,
}

/// One RFM run: everything needed to interpret and reproduce it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Always `"run"`.
    pub kind: String,
    /// Version of symrfm that wrote the file.
    pub symrfm_version: String,
    /// The command line that produced it.
    pub command_line: Vec<String>,
    /// False if the run stopped before its last iteration.
    pub complete: bool,
    /// The task.
    pub task: TaskInfo,
    /// All RFM hyper-parameters.
    pub params: RfmParams,
    /// The seed of the split's first random choice (None for deterministic splits and files).
    pub seed: Option<u64>,
    /// The split.
    pub split: SplitInfo,
    /// Where M_0 came from (`"identity"` or a file path).
    pub init_m: String,
    /// One record per iteration.
    pub iterations: Vec<IterationRecord>,
    /// Saved feature matrices, ascending in t; the last is the final M.
    pub feature_matrices: Vec<MatrixRecord>,
    /// Test pair indices classified correctly at the last iteration.
    pub test_correct: Vec<usize>,
    /// Summary numbers.
    pub summary: Summary,
    /// Estimated peak memory of the large buffers, bytes.
    pub memory_estimate_bytes: u64,
    /// Wall-clock times.
    pub timings: Timings,
    /// The symmetry of the split (group tasks only): stabilizer, orbit prediction and, when a
    /// subgroup H was given, the orbit-theory score of the final iteration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symmetry: Option<SymmetryReport>,
    /// Structure of every M_t, t = 0..=T (`run --structure`; absent otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub structure: Vec<IterationStructure>,
    /// Decomposition and structure of the final M (always written by `run`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_analysis: Option<MatrixAnalysis>,
    /// Invariance of the predictor under Dih(A) on held-out points, per iteration
    /// (`run --structure` or `--symmetry-diagnostic`; absent otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub symmetry_diagnostic: Vec<SymmetryDiagnostic>,
    /// The analysis options of the run (absent when all are at their defaults).
    #[serde(default, skip_serializing_if = "AnalysisSpec::is_default")]
    pub analysis: AnalysisSpec,
    /// The fitted predictor of the last iteration (`run --save-model`; absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelRecord>,
    /// How M_0 was built when not simply given (random block-circulant, perturbed); absent for
    /// the identity or a file without perturbation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<InitSpec>,
    /// Trap dynamics: asymmetry of every M_t with respect to the training set's stabilizer, its
    /// growth rate and the iteration it exceeded 1e-3 (tasks on a group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trap: Option<TrapDynamics>,
    /// The outputs f(x) of the last iteration's predictor on the test pairs (`run
    /// --save-predictions`; absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predictions: Option<PredictionsRecord>,
    /// The network of a network run (`run --model mlp|mlp2`): its parameters, per-step curves
    /// and feature matrices (see [`network`]); absent for RFM runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<network::NetworkRecord>,
}

/// The raw outputs of one iteration's predictor on the test pairs, as stored in a run file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PredictionsRecord {
    /// The iteration t whose predictor `f_t(x) = Σ_i α_i k_{M_t}(x, x_i)` produced them (the last
    /// completed one).
    pub t: usize,
    /// The test pairs (pair indices `a * n + b`, ascending), one per row of `outputs`.
    pub pairs: Vec<usize>,
    /// f_t(x): one row of c class scores per test pair; the argmax of a row (ties to the lowest
    /// class) is the predicted label behind `test_correct` and the last test accuracy.
    pub outputs: Vec<Vec<f64>>,
}

impl PredictionsRecord {
    /// The outputs as an n_test × c matrix.
    pub fn to_array(&self) -> std::result::Result<Array2<f64>, String> {
        let c = self.outputs.first().map_or(0, Vec::len);
        if self.outputs.iter().any(|r| r.len() != c) {
            return Err("rows of different lengths".into());
        }
        if self.outputs.len() != self.pairs.len() {
            return Err(format!(
                "{} rows for {} pairs",
                self.outputs.len(),
                self.pairs.len()
            ));
        }
        Ok(Array2::from_shape_fn((self.outputs.len(), c), |(i, j)| {
            self.outputs[i][j]
        }))
    }
}

/// The fitted predictor `f(x) = Σ_i α_i k_M(x, x_i)` of iteration `t`, as stored in a run file.
/// The kernel and precision are the run's `params`; the training inputs are the split's
/// `train_indices`, in the order of α's rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelRecord {
    /// The iteration whose predictor this is (the last completed one).
    pub t: usize,
    /// M_t, the feature matrix the kernel used (before iteration t's update).
    pub m: MatrixRecord,
    /// α_t: one row of c coefficients per training pair.
    pub alpha: Vec<Vec<f64>>,
}

impl RunReport {
    /// Assembles the report of a finished (or stopped) training.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        command_line: Vec<String>,
        task: &Task,
        params: &RfmParams,
        split_spec: &SplitSpec,
        split: &Split,
        init_m: String,
        out: &TrainOutput,
        total_seconds: f64,
    ) -> Self {
        let mut stages = StageSeconds::default();
        for r in &out.iterations {
            let s = r.seconds;
            stages.kernel += s.kernel;
            stages.solve += s.solve;
            stages.predict += s.predict;
            stages.agop += s.agop;
            stages.eig += s.eig;
            stages.total += s.total;
        }
        let seed = split_spec.seed();
        RunReport {
            schema_version: SCHEMA_VERSION,
            kind: "run".into(),
            symrfm_version: env!("CARGO_PKG_VERSION").into(),
            command_line,
            complete: out.complete,
            task: TaskInfo::new(task),
            params: params.clone(),
            seed,
            split: SplitInfo::new(split_spec, split),
            init_m,
            iterations: out.iterations.clone(),
            feature_matrices: out
                .saved
                .iter()
                .map(|s| MatrixRecord::new(s.t, &s.m))
                .collect(),
            test_correct: out.test_correct.clone(),
            summary: Summary::new(&out.iterations),
            memory_estimate_bytes: out.memory_estimate,
            timings: Timings {
                total_seconds,
                stages,
                threads: params.effective_threads(),
                peak_memory_bytes: crate::solve::memory::peak_rss_bytes(),
            },
            symmetry: None,
            structure: Vec::new(),
            final_analysis: None,
            symmetry_diagnostic: Vec::new(),
            analysis: AnalysisSpec::default(),
            model: None,
            init: None,
            trap: out.trap.clone(),
            predictions: None,
            network: None,
        }
    }

    /// The final feature matrix.
    pub fn final_m(&self) -> Option<std::result::Result<Array2<f64>, String>> {
        self.feature_matrices.last().map(MatrixRecord::to_array)
    }
}

#[cfg(test)]
mod sci_tests {
    #[test]
    fn scientific_notation_has_a_signed_two_digit_exponent() {
        assert_eq!(super::sci(1.0, 4), "1.0000e+00");
        assert_eq!(super::sci(3.21e-5, 3), "3.210e-05");
        assert_eq!(super::sci(-2.5e120, 1), "-2.5e+120");
        assert_eq!(super::sci(-0.0, 2), "0.00e+00");
        assert_eq!(super::sci(f64::NAN, 2), "undefined");
    }
}

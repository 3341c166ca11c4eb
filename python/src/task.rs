//! Tasks and splits.

use crate::convert::{from_json, indices, to_json};
use crate::errors::IntoPyResult;
use numpy::{PyArray1, PyArray2};
use pyo3::prelude::*;
use std::sync::Arc;
use symrfm::data::{Split, SplitSpec};
use symrfm::group::{Task, TaskSpec};
use symrfm::report::TaskInfo;
use symrfm::symmetry::{SymmetrySummary, TaskSymmetry};

/// A validated task (the Rust half of `symrfm.Task`).
#[pyclass(module = "symrfm._core", name = "TaskCore", frozen)]
pub struct PyTask {
    /// The library task, shared with splits and runs built from it.
    pub task: Arc<Task>,
    /// Its symmetry group Sym_f, computed on first use.
    symmetry: std::sync::OnceLock<TaskSymmetry>,
}

impl PyTask {
    /// A task handle around a library task.
    pub fn wrap(task: Arc<Task>) -> Self {
        PyTask {
            task,
            symmetry: std::sync::OnceLock::new(),
        }
    }

    /// Sym_f of the task (computed once).
    pub fn symmetry(&self) -> &TaskSymmetry {
        self.symmetry.get_or_init(|| TaskSymmetry::of(&self.task))
    }
}

#[pymethods]
impl PyTask {
    /// Validates a task specification (JSON of `symrfm::group::TaskSpec`).
    #[new]
    fn new(py: Python<'_>, spec_json: &str) -> PyResult<Self> {
        let spec: TaskSpec = from_json("task specification", spec_json)?;
        let task = py.detach(|| Task::new(spec)).py_err()?;
        Ok(PyTask::wrap(Arc::new(task)))
    }

    /// The task as written in run files (`task` object), as JSON.
    fn info_json(&self) -> PyResult<String> {
        to_json(&TaskInfo::new(&self.task))
    }

    /// Number of symbols n.
    #[getter]
    fn n_symbols(&self) -> usize {
        self.task.n_symbols()
    }

    /// Number of classes.
    #[getter]
    fn n_classes(&self) -> usize {
        self.task.n_classes()
    }

    /// Whether the task is on an abelian group (has the dihedral symmetry group).
    #[getter]
    fn has_group(&self) -> bool {
        self.task.group().is_some()
    }

    /// The computed symmetry group Sym_f as JSON, exactly what `symrfm symmetry --out` writes
    /// (`command_line` empty); `search` forces the exact search as `--search` does.
    fn sym_f_json(&self, py: Python<'_>, search: bool) -> PyResult<String> {
        let task = Arc::clone(&self.task);
        let summary = py.detach(move || {
            if search {
                SymmetrySummary::new(&task, &TaskSymmetry::searched(&task), Vec::new())
            } else {
                SymmetrySummary::new(&task, self.symmetry(), Vec::new())
            }
        });
        to_json(&summary)
    }

    /// The label table, n × n (int64): `labels[a, b]` is the class of the pair (a, b).
    fn labels<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<i64>>> {
        let n = self.task.n_symbols();
        let flat: Vec<i64> = self.task.labels().iter().map(|&l| i64::from(l)).collect();
        let table = ndarray::Array2::from_shape_vec((n, n), flat)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        Ok(PyArray2::from_owned_array(py, table))
    }
}

/// A built split (the Rust half of `symrfm.Split`).
#[pyclass(module = "symrfm._core", name = "SplitCore", frozen)]
pub struct PySplit {
    /// The task it belongs to.
    pub task: Arc<Task>,
    /// The spec as recorded (moved pairs filled in, canonical subgroup names).
    pub spec: SplitSpec,
    /// The split.
    pub split: Split,
}

#[pymethods]
impl PySplit {
    /// Builds the split `spec_json` (JSON of `symrfm::data::SplitSpec`) of `task`.
    #[new]
    fn new(py: Python<'_>, task: &PyTask, spec_json: &str) -> PyResult<Self> {
        let spec: SplitSpec = from_json("split specification", spec_json)?;
        let t = task.task.clone();
        let (split, spec) = py.detach(|| spec.resolve(&t)).py_err()?;
        Ok(PySplit {
            task: task.task.clone(),
            spec,
            split,
        })
    }

    /// The spec as recorded, as JSON.
    fn spec_json(&self) -> PyResult<String> {
        to_json(&self.spec)
    }

    /// The seed of the split's first random choice, if any.
    fn seed(&self) -> Option<u64> {
        self.spec.seed()
    }

    /// Training pair indices (a·n + b), ascending, int64.
    fn train<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        indices(py, &self.split.train)
    }

    /// Test pair indices, ascending, int64.
    fn test<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        indices(py, &self.split.test)
    }

    /// The pairs the edits moved from train to test, in edit order.
    fn moved_to_test<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        indices(py, &self.spec.moved_to_test())
    }

    /// The symmetry report (JSON of `symrfm::symmetry::SymmetryReport`) on the task's Sym_f with
    /// the orbit prediction of the subgroup `subgroup` (generator list), or of the stabilizer when
    /// None (None when the elements of Sym_f are not listed).
    #[pyo3(signature = (subgroup=None))]
    fn symmetry_json(&self, py: Python<'_>, subgroup: Option<&str>) -> PyResult<Option<String>> {
        let report = py
            .detach(|| -> symrfm::Result<_> {
                use symrfm::symmetry::{Subgroup, SymmetryReport};
                let sym = TaskSymmetry::of(&self.task);
                let h = subgroup.map(|t| Subgroup::parse(&sym, t)).transpose()?;
                Ok(SymmetryReport::new(&sym, &self.split, h.as_ref()))
            })
            .py_err()?;
        report.as_ref().map(to_json).transpose()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyTask>()?;
    m.add_class::<PySplit>()?;
    Ok(())
}

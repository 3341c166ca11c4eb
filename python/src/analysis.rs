//! Decomposition of feature matrices and the structure measures.

use crate::convert::{matrix, to_json};
use crate::errors::IntoPyResult;
use crate::task::PyTask;
use numpy::{PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;
use symrfm::analysis::{self, AnalysisOptions};
use symrfm::report::{DecomposeReport, MatrixSource};

/// `symrfm::analysis::analyze_matrix` (JSON of `MatrixAnalysis`).
#[pyfunction]
#[pyo3(signature = (task, m, top_k=None, subgroup=None))]
fn analyze_matrix(
    py: Python<'_>,
    task: &PyTask,
    m: PyReadonlyArray2<'_, f64>,
    top_k: Option<usize>,
    subgroup: Option<String>,
) -> PyResult<String> {
    let m = m.as_array();
    let options = AnalysisOptions { top_k, subgroup };
    let t = &task.task;
    let a = py
        .detach(|| analysis::analyze_matrix(t, m, &options))
        .py_err()?;
    to_json(&a)
}

/// `symrfm::analysis::eigen_features` (JSON of `EigenFeatures`): the `k` leading eigenpairs of M
/// and the Fourier energy of each eigenvector, as `decompose --eigen K` records them.
#[pyfunction]
#[pyo3(signature = (task, m, k, isotypic=None))]
fn eigen_features(
    py: Python<'_>,
    task: &PyTask,
    m: PyReadonlyArray2<'_, f64>,
    k: usize,
    isotypic: Option<&str>,
) -> PyResult<String> {
    if k == 0 {
        return Err(symrfm::Error::param("eigen", 0, "an integer ≥ 1")).py_err();
    }
    let m = m.as_array();
    let t = &task.task;
    let f = py
        .detach(|| -> symrfm::Result<_> {
            let mut f = analysis::eigen_features(t, m, k)?;
            // the isotypic components of H (`full`: Sym_f); by default on a non-abelian group
            if let Some(h) = isotypic.or_else(|| analysis::default_isotypic(t)) {
                f.isotypic = Some(analysis::eigen_isotypic(t, m, k, h)?);
            }
            Ok(f)
        })
        .py_err()?;
    to_json(&f)
}

/// A `DecomposeReport` (what `symrfm decompose` writes) around an analysis (JSON in, JSON out),
/// with the eigen features (JSON of `EigenFeatures`) when given.
#[pyfunction]
#[pyo3(signature = (task, analysis_json, source, source_kind, t, command_line, eigen_json=None))]
fn decompose_report(
    task: &PyTask,
    analysis_json: &str,
    source: String,
    source_kind: &str,
    t: Option<usize>,
    command_line: Vec<String>,
    eigen_json: Option<&str>,
) -> PyResult<String> {
    let analysis: analysis::MatrixAnalysis = crate::convert::from_json("analysis", analysis_json)?;
    let kind: MatrixSource =
        crate::convert::from_json("source kind", &format!("\"{source_kind}\""))?;
    let mut report = DecomposeReport::new(command_line, source, kind, t, &task.task, analysis);
    report.eigen = eigen_json
        .map(|e| crate::convert::from_json("eigen features", e))
        .transpose()?;
    to_json(&report)
}

/// (circulant, hankel, min) deviation of a square block.
#[pyfunction]
fn circulance(b: PyReadonlyArray2<'_, f64>) -> PyResult<(f64, f64, f64)> {
    let c = analysis::circulance(b.as_array()).py_err()?;
    Ok((c.circulant, c.hankel, c.min))
}

/// (entropy_rank, participation_ratio) of a symmetric matrix.
#[pyfunction]
fn effective_rank(py: Python<'_>, m: PyReadonlyArray2<'_, f64>) -> PyResult<(f64, f64)> {
    let m = m.as_array();
    let r = py.detach(|| analysis::effective_rank(m)).py_err()?;
    Ok((r.entropy_rank, r.participation_ratio))
}

/// cos(vec A, vec B).
#[pyfunction]
fn alignment(a: PyReadonlyArray2<'_, f64>, b: PyReadonlyArray2<'_, f64>) -> PyResult<f64> {
    analysis::alignment(a.as_array(), b.as_array()).py_err()
}

/// Fraction of the 2-D Fourier energy of a block in its `k` largest frequencies.
#[pyfunction]
fn top_k_energy_fraction(b: PyReadonlyArray2<'_, f64>, k: usize) -> PyResult<f64> {
    analysis::top_k_energy_fraction(b.as_array(), k).py_err()
}

/// |2-D DFT| of a block.
#[pyfunction]
fn dft2_magnitude<'py>(
    py: Python<'py>,
    b: PyReadonlyArray2<'_, f64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    Ok(matrix(py, analysis::dft2_magnitude(b.as_array()).py_err()?))
}

/// Block structure (JSON of `BlockStructure`) of a 2n × 2n matrix, optionally after reordering
/// the symbols by `order`.
#[pyfunction]
#[pyo3(signature = (m, top_k, order=None))]
fn block_structure(
    m: PyReadonlyArray2<'_, f64>,
    top_k: usize,
    order: Option<Vec<usize>>,
) -> PyResult<String> {
    let s = analysis::block_structure(m.as_array(), order.as_deref(), top_k).py_err()?;
    to_json(&s)
}

/// The discrete-log symbol order and generator of a `mul`/`div` task (None otherwise).
#[pyfunction]
fn dlog_order(task: &PyTask) -> PyResult<Option<(Vec<usize>, String)>> {
    analysis::matrix::dlog_order(&task.task).py_err()
}

/// Distance of M to the commutant of the subgroup `generators`: ‖M − (1/|H|) Σ Π(h)ᵀ M Π(h)‖ / ‖M‖.
#[pyfunction]
fn commutant_distance(
    py: Python<'_>,
    task: &PyTask,
    m: PyReadonlyArray2<'_, f64>,
    generators: &str,
) -> PyResult<f64> {
    let m = m.as_array();
    let t = &task.task;
    py.detach(|| -> symrfm::Result<f64> {
        analysis::check_task_shape(t, m)?;
        let sym = symrfm::symmetry::TaskSymmetry::of(t);
        let h = symrfm::symmetry::Subgroup::parse(&sym, generators)?;
        let perms = analysis::matrix::subgroup_permutations(&sym, &h);
        analysis::commutant_distance(m, &perms)
    })
    .py_err()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(analyze_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(decompose_report, m)?)?;
    m.add_function(wrap_pyfunction!(eigen_features, m)?)?;
    m.add_function(wrap_pyfunction!(circulance, m)?)?;
    m.add_function(wrap_pyfunction!(effective_rank, m)?)?;
    m.add_function(wrap_pyfunction!(alignment, m)?)?;
    m.add_function(wrap_pyfunction!(top_k_energy_fraction, m)?)?;
    m.add_function(wrap_pyfunction!(dft2_magnitude, m)?)?;
    m.add_function(wrap_pyfunction!(block_structure, m)?)?;
    m.add_function(wrap_pyfunction!(dlog_order, m)?)?;
    m.add_function(wrap_pyfunction!(commutant_distance, m)?)?;
    Ok(())
}

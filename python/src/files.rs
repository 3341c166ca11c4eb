//! Reading every file symrfm writes, through the library's typed schemas.

use crate::convert::{matrix, to_json};
use crate::errors::IntoPyResult;
use crate::experiment::{PyCompare, PyRun};
use numpy::PyArray2;
use pyo3::prelude::*;
use std::path::{Path, PathBuf};
use symrfm::report::compare::CompareReport;
use symrfm::report::{DecomposeReport, RunReport};
use symrfm::Error;

fn bad(path: &Path, reason: String) -> Error {
    Error::InvalidInput {
        path: path.to_path_buf(),
        reason,
    }
}

fn read_json(path: &Path) -> symrfm::Result<serde_json::Value> {
    let text = std::fs::read_to_string(path).map_err(|e| bad(path, e.to_string()))?;
    serde_json::from_str(&text).map_err(|e| bad(path, format!("not valid JSON: {e}")))
}

fn typed<T: serde::de::DeserializeOwned>(
    path: &Path,
    value: serde_json::Value,
    what: &str,
) -> symrfm::Result<T> {
    serde_json::from_value(value)
        .map_err(|e| bad(path, format!("not a valid symrfm {what} file: {e}")))
}

/// The kind of a symrfm file: `run`, `compare`, `decompose` (a JSON object with that `kind`),
/// `sweep` (a JSON-lines results file, by extension `.jsonl`), `npy` or `matrix` (a JSON array).
#[pyfunction]
fn file_kind(py: Python<'_>, path: PathBuf) -> PyResult<String> {
    py.detach(|| -> symrfm::Result<String> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if ext == "jsonl" {
            return Ok("sweep".into());
        }
        if ext == "npy" {
            return Ok("npy".into());
        }
        let v = read_json(&path)?;
        if v.is_array() {
            return Ok("matrix".into());
        }
        match v.get("kind").and_then(|k| k.as_str()) {
            Some(k @ ("run" | "compare" | "decompose")) => Ok(k.to_string()),
            Some(k) => Err(bad(&path, format!("unknown kind `{k}`"))),
            None if v.get("job_id").is_some() => Ok("sweep".into()),
            None => Err(bad(&path, "not a symrfm output (no `kind`)".into())),
        }
    })
    .py_err()
}

/// A run file.
#[pyfunction]
fn load_run(py: Python<'_>, path: PathBuf) -> PyResult<PyRun> {
    let r: RunReport = py
        .detach(|| typed(&path, read_json(&path)?, "run"))
        .py_err()?;
    Ok(PyRun::from_report(r))
}

/// A compare file.
#[pyfunction]
fn load_compare(py: Python<'_>, path: PathBuf) -> PyResult<PyCompare> {
    let r: CompareReport = py
        .detach(|| typed(&path, read_json(&path)?, "compare"))
        .py_err()?;
    Ok(PyCompare::from_report(r))
}

/// A decompose file, checked against its schema and returned as JSON.
#[pyfunction]
fn load_decompose(py: Python<'_>, path: PathBuf) -> PyResult<String> {
    let r: DecomposeReport = py
        .detach(|| typed(&path, read_json(&path)?, "decompose"))
        .py_err()?;
    to_json(&r)
}

/// A sweep results file: the complete lines, each checked against its schema, as JSON texts.
#[pyfunction]
fn load_sweep(py: Python<'_>, path: PathBuf) -> PyResult<Vec<String>> {
    let contents = py
        .detach(|| symrfm::sweep::store::read_results(&path))
        .py_err()?;
    contents.lines.iter().map(to_json).collect()
}

/// A feature matrix from a run file (its final M, or M_t), a JSON matrix or a `.npy`.
#[pyfunction]
#[pyo3(signature = (path, t=None))]
fn load_matrix<'py>(
    py: Python<'py>,
    path: PathBuf,
    t: Option<usize>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let m = py
        .detach(|| symrfm::report::load_matrix(&path, t))
        .py_err()?;
    Ok(matrix(py, m))
}

/// Writes a decompose report (JSON text of a `DecomposeReport`) as `symrfm decompose` does.
#[pyfunction]
fn write_decompose(py: Python<'_>, path: PathBuf, json: &str) -> PyResult<()> {
    let r: DecomposeReport = crate::convert::from_json("decompose report", json)?;
    py.detach(|| symrfm::report::write_json_atomic(&path, &r))
        .py_err()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(file_kind, m)?)?;
    m.add_function(wrap_pyfunction!(load_run, m)?)?;
    m.add_function(wrap_pyfunction!(load_compare, m)?)?;
    m.add_function(wrap_pyfunction!(load_decompose, m)?)?;
    m.add_function(wrap_pyfunction!(load_sweep, m)?)?;
    m.add_function(wrap_pyfunction!(load_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(write_decompose, m)?)?;
    Ok(())
}

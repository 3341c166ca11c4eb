//! Reading every file symrfm writes, through the library's typed schemas.

use crate::convert::{matrix, to_json};
use crate::errors::IntoPyResult;
use crate::experiment::{PyCompare, PyRun};
use numpy::PyArray2;
use pyo3::prelude::*;
use std::path::PathBuf;
use symrfm::report::read::{self, SymrfmFile};
use symrfm::report::DecomposeReport;

/// Reads any file symrfm writes with the library's typed reader (`symrfm::report::read`) and
/// returns its kind (`run`, `compare`, `decompose`, `sweep`, `matrix`) with its contents: a run or
/// compare object, a decompose report or the sweep lines as JSON text, or a float64 matrix.
#[pyfunction]
fn load_file(py: Python<'_>, path: PathBuf) -> PyResult<(String, Py<PyAny>)> {
    let file = py.detach(|| read::read_file(&path)).py_err()?;
    let kind = file.kind().to_string();
    let value: Py<PyAny> = match file {
        SymrfmFile::Run(r) => Py::new(py, PyRun::from_report(*r))?.into_any(),
        SymrfmFile::Compare(c) => Py::new(py, PyCompare::from_report(*c))?.into_any(),
        SymrfmFile::Decompose(d) => to_json(&*d)?.into_pyobject(py)?.into_any().unbind(),
        SymrfmFile::Sweep(lines) => lines
            .iter()
            .map(to_json)
            .collect::<PyResult<Vec<String>>>()?
            .into_pyobject(py)?
            .into_any()
            .unbind(),
        SymrfmFile::Matrix(m) => matrix(py, m).into_any().unbind(),
    };
    Ok((kind, value))
}

/// A feature matrix from a run file (its final M, or M_t), a JSON matrix or a `.npy`.
#[pyfunction]
#[pyo3(signature = (path, t=None))]
fn load_matrix<'py>(
    py: Python<'py>,
    path: PathBuf,
    t: Option<usize>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let m = py.detach(|| read::load_matrix(&path, t)).py_err()?;
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
    m.add_function(wrap_pyfunction!(load_file, m)?)?;
    m.add_function(wrap_pyfunction!(load_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(write_decompose, m)?)?;
    Ok(())
}

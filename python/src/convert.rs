//! Conversions between library values and Python values.

use crate::errors::spec_error;
use ndarray::Array2;
use numpy::{PyArray1, PyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Parses a JSON specification built by the Python layer.
pub fn from_json<T: DeserializeOwned>(what: &str, text: &str) -> PyResult<T> {
    serde_json::from_str(text).map_err(|e| spec_error(what, e))
}

/// Serializes a library value to JSON text (the Python layer decodes it with `json.loads`).
pub fn to_json<T: Serialize>(value: &T) -> PyResult<String> {
    serde_json::to_string(value)
        .map_err(|e| PyValueError::new_err(format!("cannot serialize: {e}")))
}

/// Indices as an int64 numpy array.
pub fn indices<'py>(py: Python<'py>, v: &[usize]) -> Bound<'py, PyArray1<i64>> {
    PyArray1::from_iter(py, v.iter().map(|&k| k as i64))
}

/// An owned matrix moved into numpy without a copy.
pub fn matrix<'py>(py: Python<'py>, m: Array2<f64>) -> Bound<'py, PyArray2<f64>> {
    PyArray2::from_owned_array(py, m)
}

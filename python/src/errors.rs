//! Library errors as Python exceptions.
//!
//! - `InvalidParameter` → `ValueError` with attributes `parameter`, `value`, `allowed`;
//! - `InvalidInput` (an unusable file) → `ValueError`; `TooMuchMemory` → `MemoryError`;
//! - `Numerical` → `symrfm.NumericalError` (a `RuntimeError`) with attribute `iteration`;
//! - `Io`, `Unwritable` → `OSError`; `Interrupted` → `KeyboardInterrupt`.

use pyo3::exceptions::{
    PyKeyboardInterrupt, PyMemoryError, PyOSError, PyRuntimeError, PyValueError,
};
use pyo3::prelude::*;

pyo3::create_exception!(
    _core,
    NumericalError,
    PyRuntimeError,
    "A numerical failure during training (kernel underflow or overflow, an unsolvable system, a \
     zero AGOP, a non-finite M). `iteration` is the 0-based RFM iteration in which it happened."
);

/// Registers the exception types.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("NumericalError", m.py().get_type::<NumericalError>())?;
    Ok(())
}

/// Converts a library error into the Python exception described in the module docs.
pub fn to_py(e: symrfm::Error) -> PyErr {
    use symrfm::Error;
    let text = e.to_string();
    Python::attach(|py| {
        let err = match &e {
            Error::InvalidParameter {
                name,
                value,
                allowed,
            } => {
                let err = PyValueError::new_err(text);
                let v = err.value(py);
                let _ = v.setattr("parameter", *name);
                let _ = v.setattr("value", value.as_str());
                let _ = v.setattr("allowed", allowed.as_str());
                return err;
            }
            Error::InvalidInput { .. } => PyValueError::new_err(text),
            Error::TooMuchMemory { .. } => PyMemoryError::new_err(text),
            Error::Numerical { iteration, .. } => {
                let err = NumericalError::new_err(text);
                let _ = err.value(py).setattr("iteration", *iteration);
                return err;
            }
            Error::Interrupted => PyKeyboardInterrupt::new_err(text),
            Error::Io { .. } | Error::Unwritable { .. } => PyOSError::new_err(text),
        };
        err
    })
}

/// `Result<T, symrfm::Error>` → `PyResult<T>`.
pub trait IntoPyResult<T> {
    /// Maps the error with [`to_py`].
    fn py_err(self) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for symrfm::Result<T> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}

/// A `ValueError` for a malformed JSON specification coming from the Python layer.
pub fn spec_error(what: &str, e: serde_json::Error) -> PyErr {
    PyValueError::new_err(format!("invalid {what}: {e}"))
}

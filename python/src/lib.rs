//! `symrfm._core`: the Python extension module of symrfm.
//!
//! A thin layer: every computation is a call into the `symrfm` library; this crate converts
//! arguments (JSON specifications, numpy arrays) and results, maps library errors to Python
//! exceptions and releases the GIL while the library works. The public Python API is the pure-Python
//! package `symrfm` (python/symrfm/), which wraps these functions.

mod analysis;
mod convert;
mod errors;
mod experiment;
mod files;
mod network;
mod symmetry;
mod task;

use pyo3::prelude::*;

/// The extension module.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    task::register(m)?;
    symmetry::register(m)?;
    analysis::register(m)?;
    experiment::register(m)?;
    files::register(m)?;
    network::register(m)?;
    Ok(())
}

//! Networks (`symrfm.run(..., model="mlp")`) and the split exports a researcher needs to train a
//! network of their own on exactly symrfm's split (`Split.to_csv`).
//!
//! A network run crosses the boundary as the JSON of an experiment spec with its `net` section;
//! the run releases the GIL, and at every evaluation the observer re-acquires it to check for
//! signals and to call the Python callback, which can stop the run (as RFM runs do).

use crate::convert::from_json;
use crate::errors::IntoPyResult;
use crate::experiment::{drive_loop, warn, PyRun};
use crate::task::PySplit;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use symrfm::experiment::{ExperimentSpec, NetOutcome, NetResumption, RunOptions};
use symrfm::net::{NetState, StepRecord};
use symrfm::rfm::Control;

/// The CSV `symrfm split` writes for this split (`a,b,label,is_train`, symbol values).
#[pyfunction]
fn split_csv(split: &PySplit) -> String {
    split.split.to_csv(&split.task)
}

fn step_dict<'py>(py: Python<'py>, r: &StepRecord, total: usize) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("iter", r.step)?;
    d.set_item("step", r.step)?;
    d.set_item("total", total)?;
    d.set_item("epoch", r.epoch)?;
    d.set_item("batch_loss", r.batch_loss)?;
    d.set_item("train_loss", r.train_loss)?;
    d.set_item("train_acc", r.train_acc)?;
    d.set_item("test_loss", r.test_loss)?;
    d.set_item("test_acc", r.test_acc)?;
    d.set_item("seconds", r.seconds)?;
    Ok(d)
}

/// Drives a network run (fresh or continued) with the callback getting each evaluation's record.
fn drive_network(
    py: Python<'_>,
    callback: Option<Py<PyAny>>,
    train: impl FnOnce(&mut NetObserver<'_>) -> symrfm::Result<NetOutcome> + Send,
) -> PyResult<(PyRun, Option<PyErr>)> {
    let (outcome, pending) = drive_loop(
        py,
        callback,
        |py, (r, total): &(StepRecord, usize)| Ok(step_dict(py, r, *total)?.into_any().unbind()),
        |send| {
            train(&mut |state: &NetState<'_>| {
                if send((state.record.clone(), state.total_steps)) {
                    Control::Continue
                } else {
                    Control::Stop
                }
            })
        },
    )?;
    warn(py, &outcome.warnings)?;
    Ok((PyRun::from_report(outcome.report), pending))
}

type NetObserver<'a> = dyn FnMut(&NetState<'_>) -> Control + Send + 'a;

/// Trains the network of `spec_json` (an experiment spec with `net`). Returns the result and,
/// when the run was stopped by an exception (Ctrl-C or one raised by the callback), that
/// exception, for the Python layer to raise with the partial result attached.
#[pyfunction]
#[pyo3(signature = (spec_json, threads=0, command_line=Vec::new(), save_model=false, callback=None))]
fn run_network(
    py: Python<'_>,
    spec_json: &str,
    threads: usize,
    command_line: Vec<String>,
    save_model: bool,
    callback: Option<Py<PyAny>>,
) -> PyResult<(PyRun, Option<PyErr>)> {
    let mut spec: ExperimentSpec = from_json("experiment specification", spec_json)?;
    if let Some(net) = spec.net.as_mut() {
        net.threads = threads;
    }
    let experiment = py.detach(|| spec.validate()).py_err()?;
    let options = RunOptions {
        max_memory: None,
        command_line,
        save_model,
        save_predictions: false,
    };
    drive_network(py, callback, |observer| {
        experiment.run_network(&options, observer)
    })
}

/// Continues the network run `previous` (`symrfm run --resume` on a network file) to `steps`
/// optimizer steps in all (default: its own total) through
/// `symrfm::experiment::NetResumption`: the result is the report an uninterrupted run would have
/// written, apart from timings and the command line.
#[pyfunction]
#[pyo3(signature = (previous, steps=None, threads=0, command_line=Vec::new(), save_model=false, callback=None))]
fn resume_network(
    py: Python<'_>,
    previous: &PyRun,
    steps: Option<usize>,
    threads: usize,
    command_line: Vec<String>,
    save_model: bool,
    callback: Option<Py<PyAny>>,
) -> PyResult<(PyRun, Option<PyErr>)> {
    let report = previous.report.clone();
    let resumption = py
        .detach(|| -> symrfm::Result<NetResumption> {
            let mut r = NetResumption::new(report, steps)?;
            r.set_threads(threads)?;
            Ok(r)
        })
        .py_err()?;
    let options = RunOptions {
        max_memory: None,
        command_line,
        save_model,
        save_predictions: false,
    };
    drive_network(py, callback, |observer| resumption.run(&options, observer))
}

/// Registers the functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(split_csv, m)?)?;
    m.add_function(wrap_pyfunction!(run_network, m)?)?;
    m.add_function(wrap_pyfunction!(resume_network, m)?)?;
    Ok(())
}

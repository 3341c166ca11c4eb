//! One experiment: a specification in, a report and a fitted model out; compare reports.
//!
//! The specification crossing the boundary is the JSON of an experiment spec (`task`, `split`,
//! `params`, `init_m`, `label`, `analysis`), exactly what a run JSON records. The run releases the
//! GIL; after every iteration the observer re-acquires it to check for signals (Ctrl-C) and to call
//! the Python callback, which can stop the run.

use crate::convert::{from_json, indices, matrix, to_json};
use crate::errors::IntoPyResult;
use numpy::{PyArray1, PyArray2};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict};
use std::path::PathBuf;
use symrfm::experiment::{ExperimentSpec, Model, Outcome, Resumption, RunOptions};
use symrfm::report::compare::CompareReport;
use symrfm::report::{self, RunReport};
use symrfm::rfm::{Control, IterationRecord, IterationState};
use symrfm::solve::Backend;

/// The result of a run (the Rust half of `symrfm.RunResult`).
#[pyclass(module = "symrfm._core", name = "RunCore", frozen)]
pub struct PyRun {
    pub(crate) report: RunReport,
    model: Option<Model>,
}

impl PyRun {
    /// A run read from a file: its model is available when the file stores one (`save_model`).
    pub fn from_report(report: RunReport) -> Self {
        let model = report
            .model
            .as_ref()
            .and_then(|_| Model::from_report(&report).ok());
        PyRun { report, model }
    }
}

fn check_pairs(n_pairs: usize, pairs: &[i64]) -> PyResult<Vec<usize>> {
    pairs
        .iter()
        .map(|&k| {
            if k >= 0 && (k as u64) < n_pairs as u64 {
                Ok(k as usize)
            } else {
                Err(PyValueError::new_err(format!(
                    "pair index {k} out of range 0..{n_pairs} (a pair (a, b) has index a * n + b)"
                )))
            }
        })
        .collect()
}

#[pymethods]
impl PyRun {
    /// The whole report as JSON (what `save` writes).
    fn report_json(&self) -> PyResult<String> {
        to_json(&self.report)
    }

    /// The summary as JSON.
    fn summary_json(&self) -> PyResult<String> {
        to_json(&self.report.summary)
    }

    /// Whether all iterations ran.
    #[getter]
    fn complete(&self) -> bool {
        self.report.complete
    }

    /// Per-iteration metrics as float64/int64 arrays (and the solver names as a list).
    fn metrics<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let it = &self.report.iterations;
        let d = PyDict::new(py);
        let col = |f: fn(&IterationRecord) -> f64| PyArray1::from_iter(py, it.iter().map(f));
        d.set_item(
            "iter",
            indices(py, &it.iter().map(|r| r.iter).collect::<Vec<_>>()),
        )?;
        d.set_item("train_acc", col(|r| r.train_acc))?;
        d.set_item("test_acc", col(|r| r.test_acc))?;
        d.set_item("train_mse", col(|r| r.train_mse))?;
        d.set_item("test_mse", col(|r| r.test_mse))?;
        d.set_item("trace_m", col(|r| r.trace_m))?;
        d.set_item("trace_m_next", col(|r| r.trace_m_next))?;
        d.set_item("seconds", col(|r| r.seconds.total))?;
        let solver: Vec<String> = it
            .iter()
            .map(|r| {
                serde_json::to_value(r.solver)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default()
            })
            .collect();
        d.set_item("solver", solver)?;
        Ok(d)
    }

    /// The saved feature matrices as (t, M_t) pairs, float64 (the last is the final M).
    fn feature_matrices<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Vec<(usize, Bound<'py, PyArray2<f64>>)>> {
        self.report
            .feature_matrices
            .iter()
            .map(|r| {
                let m = r.to_array().map_err(PyValueError::new_err)?;
                Ok((r.t, matrix(py, m)))
            })
            .collect()
    }

    /// The network section of a network run (JSON of `symrfm::report::network::NetworkRecord`),
    /// None for an RFM run.
    fn network_json(&self) -> PyResult<Option<String>> {
        self.report.network.as_ref().map(to_json).transpose()
    }

    /// The trap dynamics (JSON of `symrfm::rfm::TrapDynamics`), None for tasks without a record.
    fn trap_json(&self) -> PyResult<Option<String>> {
        self.report.trap.as_ref().map(to_json).transpose()
    }

    /// The stored test predictions (`save_predictions`) as (t, test pair indices, outputs
    /// n_test × c), None when the run did not store them.
    #[allow(clippy::type_complexity)]
    fn predictions<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Option<(usize, Bound<'py, PyArray1<i64>>, Bound<'py, PyArray2<f64>>)>> {
        self.report
            .predictions
            .as_ref()
            .map(|p| {
                let out = p.to_array().map_err(PyValueError::new_err)?;
                Ok((p.t, indices(py, &p.pairs), matrix(py, out)))
            })
            .transpose()
    }

    /// Test pairs classified correctly at the last iteration.
    fn test_correct<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        indices(py, &self.report.test_correct)
    }

    /// Whether the fitted model (α and the M it belongs to) is available.
    #[getter]
    fn has_model(&self) -> bool {
        self.model.is_some()
    }

    /// Raw outputs f(x) (len(pairs) × n_classes) of the fitted model for pair indices a·n + b.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        pairs: Vec<i64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let model = self.model.as_ref().ok_or_else(|| {
            PyRuntimeError::new_err(
                "this result has no fitted model (the run file was written without save_model)",
            )
        })?;
        let n = self.report.task.n_symbols;
        let pairs = check_pairs(n * n, &pairs)?;
        let out = py.detach(|| model.predict(&pairs)).py_err()?;
        Ok(matrix(py, out))
    }

    /// Writes the report as the CLI does (atomically, exact round-trip floats).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| report::write_json_atomic(&path, &self.report))
            .py_err()
    }
}

fn record_dict<'py>(
    py: Python<'py>,
    r: &IterationRecord,
    total: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("iter", r.iter)?;
    d.set_item("iters", total)?;
    d.set_item("train_acc", r.train_acc)?;
    d.set_item("test_acc", r.test_acc)?;
    d.set_item("train_mse", r.train_mse)?;
    d.set_item("test_mse", r.test_mse)?;
    d.set_item("trace_m", r.trace_m)?;
    d.set_item("trace_m_next", r.trace_m_next)?;
    d.set_item(
        "solver",
        serde_json::to_value(r.solver)
            .ok()
            .and_then(|v| v.as_str().map(String::from)),
    )?;
    d.set_item("seconds", r.seconds.total)?;
    Ok(d)
}

/// Parses the backend name of `params.backend`.
fn parse_backend(backend: &str) -> PyResult<Backend> {
    match backend {
        "faer" => Ok(Backend::Faer),
        "openblas" => Ok(Backend::OpenBlas),
        other => Err(symrfm::Error::param(
            "params.backend",
            other,
            "faer or openblas",
        ))
        .py_err(),
    }
}

type Observer<'a> = dyn FnMut(&IterationState<'_>) -> Control + Send + 'a;

/// Sends one evaluation's message to the Python thread and answers whether to go on.
pub(crate) type Handover<'a, M> = dyn FnMut(M) -> bool + Send + 'a;

/// Drives one training loop (`train` runs it with a function that hands each evaluation's
/// message `M` over and answers whether to go on) and returns its outcome with, when the run was
/// stopped by an exception (Ctrl-C or one raised by the callback), that exception. The callback
/// gets `to_dict(message)`; returning `False` stops the run. Shared by RFM and network runs.
///
/// The library runs the loop on a worker of its thread pool, but Python runs signal handlers (and
/// expects notebook callbacks) on the main thread. So training runs on a scoped thread and sends
/// each evaluation's message here; this thread, with the GIL released in between, calls the
/// callback, checks for signals every 50 ms and answers whether to go on.
pub(crate) fn drive_loop<M: Send, O: Send>(
    py: Python<'_>,
    callback: Option<Py<PyAny>>,
    to_dict: impl Fn(Python<'_>, &M) -> PyResult<Py<PyAny>> + Send + Sync,
    train: impl FnOnce(&mut Handover<'_, M>) -> symrfm::Result<O> + Send,
) -> PyResult<(O, Option<PyErr>)> {
    let mut pending: Option<PyErr> = None;
    let (tx, rx) = std::sync::mpsc::channel::<(M, std::sync::mpsc::SyncSender<bool>)>();
    let outcome = py.detach(|| {
        let rx = rx;
        std::thread::scope(|scope| {
            let worker = scope.spawn(|| {
                let tx = tx;
                train(&mut |message: M| {
                    let (reply_tx, reply_rx) = std::sync::mpsc::sync_channel(1);
                    if tx.send((message, reply_tx)).is_err() {
                        return false;
                    }
                    matches!(reply_rx.recv(), Ok(true))
                })
            });
            loop {
                match rx.recv_timeout(std::time::Duration::from_millis(50)) {
                    Ok((message, reply)) => {
                        let go_on = pending.is_none()
                            && Python::attach(|py| -> PyResult<bool> {
                                py.check_signals()?;
                                if let Some(cb) = &callback {
                                    let ret = cb.call1(py, (to_dict(py, &message)?,))?;
                                    let ret = ret.bind(py);
                                    if ret.is_instance_of::<PyBool>() && !ret.extract::<bool>()? {
                                        return Ok(false);
                                    }
                                }
                                Ok(true)
                            })
                            .unwrap_or_else(|e| {
                                pending = Some(e);
                                false
                            });
                        let _ = reply.send(go_on);
                    }
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                        if pending.is_none() {
                            if let Err(e) = Python::attach(|py| py.check_signals()) {
                                pending = Some(e);
                            }
                        }
                    }
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
            worker.join().unwrap_or_else(|_| {
                Err(symrfm::Error::Numerical {
                    iteration: 0,
                    what: "the training thread panicked".into(),
                })
            })
        })
    });
    match outcome {
        Ok(o) => Ok((o, pending)),
        Err(e) => Err(pending.unwrap_or_else(|| crate::errors::to_py(e))),
    }
}

/// Issues the run's warnings as Python warnings.
pub(crate) fn warn(py: Python<'_>, warnings: &[String]) -> PyResult<()> {
    if !warnings.is_empty() {
        let module = py.import("warnings")?;
        for w in warnings {
            module.call_method1("warn", (w.as_str(),))?;
        }
    }
    Ok(())
}

/// [`drive_loop`] for an RFM run: the callback gets each iteration's record.
fn drive(
    py: Python<'_>,
    total: usize,
    callback: Option<Py<PyAny>>,
    train: impl FnOnce(&mut Observer<'_>) -> symrfm::Result<Outcome> + Send,
) -> PyResult<(PyRun, Option<PyErr>)> {
    let (outcome, pending) = drive_loop(
        py,
        callback,
        |py, r: &IterationRecord| Ok(record_dict(py, r, total)?.into_any().unbind()),
        |send| {
            train(&mut |state: &IterationState<'_>| {
                if send(state.record.clone()) {
                    Control::Continue
                } else {
                    Control::Stop
                }
            })
        },
    )?;
    warn(py, &outcome.warnings)?;
    Ok((
        PyRun {
            report: outcome.report,
            model: Some(outcome.model),
        },
        pending,
    ))
}

/// Runs one experiment. Returns the result and, when the run was stopped by an exception (Ctrl-C
/// or one raised by the callback), that exception: the Python layer attaches the partial result
/// and raises it.
#[pyfunction]
#[pyo3(signature = (spec_json, threads=0, backend="faer", max_memory=None, command_line=Vec::new(), save_model=false, callback=None, save_predictions=false))]
#[allow(clippy::too_many_arguments)]
fn run_experiment(
    py: Python<'_>,
    spec_json: &str,
    threads: usize,
    backend: &str,
    max_memory: Option<u64>,
    command_line: Vec<String>,
    save_model: bool,
    callback: Option<Py<PyAny>>,
    save_predictions: bool,
) -> PyResult<(PyRun, Option<PyErr>)> {
    let mut spec: ExperimentSpec = from_json("experiment specification", spec_json)?;
    spec.params.threads = threads;
    spec.params.backend = parse_backend(backend)?;
    let experiment = py.detach(|| spec.validate()).py_err()?;
    let options = RunOptions {
        max_memory,
        command_line,
        save_model,
        save_predictions,
    };
    let total = experiment.params().iters;
    drive(py, total, callback, |observer| {
        experiment.run(&options, observer)
    })
}

/// Continues the run `previous` (`symrfm run --resume`) to `iters` iterations in all (default:
/// its own `params.iters`) through `symrfm::experiment::Resumption`: the result is the report an
/// uninterrupted run would have written, apart from timings and the command line.
#[pyfunction]
#[pyo3(signature = (previous, iters=None, threads=0, max_memory=None, command_line=Vec::new(), save_model=false, callback=None, save_predictions=false))]
#[allow(clippy::too_many_arguments)]
fn resume_experiment(
    py: Python<'_>,
    previous: &PyRun,
    iters: Option<usize>,
    threads: usize,
    max_memory: Option<u64>,
    command_line: Vec<String>,
    save_model: bool,
    callback: Option<Py<PyAny>>,
    save_predictions: bool,
) -> PyResult<(PyRun, Option<PyErr>)> {
    let report = previous.report.clone();
    let resumption = py
        .detach(|| -> symrfm::Result<Resumption> {
            let mut r = Resumption::new(report, iters)?;
            r.set_threads(threads)?;
            Ok(r)
        })
        .py_err()?;
    let options = RunOptions {
        max_memory,
        command_line,
        save_model,
        save_predictions,
    };
    let total = resumption.experiment().params().iters;
    drive(py, total, callback, |observer| {
        resumption.run(&options, observer)
    })
}

/// The result of a comparison (the Rust half of `symrfm.CompareResult`).
#[pyclass(module = "symrfm._core", name = "CompareCore", frozen)]
pub struct PyCompare {
    report: CompareReport,
}

impl PyCompare {
    pub fn from_report(report: CompareReport) -> Self {
        PyCompare { report }
    }
}

#[pymethods]
impl PyCompare {
    /// The whole report as JSON.
    fn report_json(&self) -> PyResult<String> {
        to_json(&self.report)
    }
    /// The verdict as JSON.
    fn verdict_json(&self) -> PyResult<String> {
        to_json(&self.report.verdict)
    }
    /// The symmetric run (without model).
    fn symmetric(&self) -> PyRun {
        PyRun::from_report(self.report.symmetric.clone())
    }
    /// The twin run (without model); None when the comparison was interrupted before it.
    fn twin(&self) -> Option<PyRun> {
        self.report.twin.clone().map(PyRun::from_report)
    }
    /// Writes the report as `symrfm compare` does.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| report::write_json_atomic(&path, &self.report))
            .py_err()
    }
}

/// Assembles a compare report from the symmetric run and its twin.
#[pyfunction]
fn compare_report(
    task: &crate::task::PyTask,
    symmetric: &PyRun,
    twin: &PyRun,
    twin_edit: String,
    twin_label: String,
    moved: Vec<usize>,
    command_line: Vec<String>,
) -> PyCompare {
    PyCompare {
        report: CompareReport::new(
            command_line,
            &task.task,
            twin_edit,
            twin_label,
            &moved,
            symmetric.report.clone(),
            Some(twin.report.clone()),
        ),
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyRun>()?;
    m.add_class::<PyCompare>()?;
    m.add_function(wrap_pyfunction!(run_experiment, m)?)?;
    m.add_function(wrap_pyfunction!(resume_experiment, m)?)?;
    m.add_function(wrap_pyfunction!(compare_report, m)?)?;
    Ok(())
}

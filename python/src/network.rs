//! Networks (`symrfm.run(..., model="mlp")`) and the split exports a researcher needs to train a
//! network of their own on exactly symrfm's split (`Split.to_csv`).
//!
//! A network run crosses the boundary as the JSON of an experiment spec with its `net` section;
//! the run releases the GIL, and at every evaluation the observer re-acquires it to check for
//! signals and to call the Python callback, which can stop the run (as RFM runs do).

use crate::convert::from_json;
use crate::errors::IntoPyResult;
use crate::experiment::PyRun;
use crate::task::PySplit;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict};
use symrfm::experiment::{ExperimentSpec, NetOutcome, RunOptions};
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
    let mut pending: Option<PyErr> = None;
    type Message = (StepRecord, usize, std::sync::mpsc::SyncSender<bool>);
    let (tx, rx) = std::sync::mpsc::channel::<Message>();
    let outcome: symrfm::Result<NetOutcome> = py.detach(|| {
        let rx = rx;
        std::thread::scope(|scope| {
            let worker = scope.spawn(|| {
                let tx = tx;
                experiment.run_network(&options, &mut |state: &NetState<'_>| {
                    let (reply_tx, reply_rx) = std::sync::mpsc::sync_channel(1);
                    if tx
                        .send((state.record.clone(), state.total_steps, reply_tx))
                        .is_err()
                    {
                        return Control::Stop;
                    }
                    match reply_rx.recv() {
                        Ok(true) => Control::Continue,
                        _ => Control::Stop,
                    }
                })
            });
            loop {
                match rx.recv_timeout(std::time::Duration::from_millis(50)) {
                    Ok((record, total, reply)) => {
                        let go_on = pending.is_none()
                            && Python::attach(|py| -> PyResult<bool> {
                                py.check_signals()?;
                                if let Some(cb) = &callback {
                                    let ret = cb.call1(py, (step_dict(py, &record, total)?,))?;
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
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => return Err(pending.unwrap_or_else(|| crate::errors::to_py(e))),
    };
    if !outcome.warnings.is_empty() {
        let warnings = py.import("warnings")?;
        for w in &outcome.warnings {
            warnings.call_method1("warn", (w.as_str(),))?;
        }
    }
    Ok((PyRun::from_report(outcome.report), pending))
}

/// Registers the functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(split_csv, m)?)?;
    m.add_function(wrap_pyfunction!(run_network, m)?)?;
    Ok(())
}

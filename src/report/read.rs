//! One typed reader for every file symrfm writes: run, compare and decompose reports, sweep
//! results (JSONL), and bare feature matrices (a JSON array of rows or a `.npy` file).

use super::compare::CompareReport;
use super::line::ResultLine;
use super::{to_square, DecomposeReport, MatrixRecord, RunReport};
use crate::error::{Error, Result};
use ndarray::Array2;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::path::Path;

/// A file written by symrfm, parsed into its type.
#[derive(Clone, Debug)]
pub enum SymrfmFile {
    /// `symrfm run` (or a run saved by `sweep --save-runs`).
    Run(Box<RunReport>),
    /// `symrfm compare`.
    Compare(Box<CompareReport>),
    /// `symrfm decompose`.
    Decompose(Box<DecomposeReport>),
    /// A sweep results file: one line per job.
    Sweep(Vec<ResultLine>),
    /// A bare matrix: a JSON array of rows or a 2-D `.npy` file.
    Matrix(Array2<f64>),
}

impl SymrfmFile {
    /// What kind of file this is, as written in its `kind` field (`matrix`, `sweep` otherwise).
    pub fn kind(&self) -> &'static str {
        match self {
            SymrfmFile::Run(_) => "run",
            SymrfmFile::Compare(_) => "compare",
            SymrfmFile::Decompose(_) => "decompose",
            SymrfmFile::Sweep(_) => "sweep",
            SymrfmFile::Matrix(_) => "matrix",
        }
    }
}

fn bad(path: &Path, reason: String) -> Error {
    Error::InvalidInput {
        path: path.to_path_buf(),
        reason,
    }
}

/// Reads any file symrfm writes. The kind is told by the `.npy` extension, a JSON array (a
/// matrix), the `kind` field of a report, or result lines (`job_id`) of a sweep.
pub fn read_file(path: &Path) -> Result<SymrfmFile> {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
    {
        return read_npy(path).map(SymrfmFile::Matrix);
    }
    let text = std::fs::read_to_string(path).map_err(|e| bad(path, e.to_string()))?;
    let value: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        // Several JSON objects, one per line: a sweep results file.
        Err(_)
            if text.lines().next().is_some_and(|l| {
                serde_json::from_str::<serde_json::Map<String, Value>>(l).is_ok()
            }) =>
        {
            return read_lines(path, &text).map(SymrfmFile::Sweep)
        }
        Err(e) => return Err(bad(path, format!("not valid JSON: {e}"))),
    };
    if value.is_array() {
        let rows: Vec<Vec<f64>> = serde_json::from_value(value)
            .map_err(|e| bad(path, format!("expected an array of rows of numbers: {e}")))?;
        return to_square(&rows)
            .map(SymrfmFile::Matrix)
            .map_err(|r| bad(path, r));
    }
    match value.get("kind").and_then(Value::as_str) {
        Some("run") => typed(path, value).map(|r| SymrfmFile::Run(Box::new(r))),
        Some("compare") => typed(path, value).map(|r| SymrfmFile::Compare(Box::new(r))),
        Some("decompose") => typed(path, value).map(|r| SymrfmFile::Decompose(Box::new(r))),
        _ if value.get("job_id").is_some() => read_lines(path, &text).map(SymrfmFile::Sweep),
        Some(other) => Err(bad(path, format!("unknown kind of symrfm file `{other}`"))),
        None => Err(bad(
            path,
            "neither a matrix (array of rows) nor a symrfm file (run, compare, decompose, sweep \
             results)"
                .into(),
        )),
    }
}

/// Reads a run file (also the runs saved by `sweep --save-runs`).
pub fn read_run(path: &Path) -> Result<RunReport> {
    match read_file(path)? {
        SymrfmFile::Run(r) => Ok(*r),
        other => Err(bad(
            path,
            format!("a {} file, expected a run file", other.kind()),
        )),
    }
}

fn typed<T: DeserializeOwned>(path: &Path, value: Value) -> Result<T> {
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("symrfm")
        .to_string();
    serde_json::from_value(value).map_err(|e| bad(path, format!("malformed {kind} file: {e}")))
}

fn read_lines(path: &Path, text: &str) -> Result<Vec<ResultLine>> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| {
                bad(
                    path,
                    format!("line {}: not a sweep result line: {e}", i + 1),
                )
            })
        })
        .collect()
}

/// Reads a 2-D `.npy` of float64, or of float32 widened to float64 (exactly: every f32 is an f64).
fn read_npy(path: &Path) -> Result<Array2<f64>> {
    match ndarray_npy::read_npy::<_, Array2<f64>>(path) {
        Ok(m) => Ok(m),
        Err(e64) => match ndarray_npy::read_npy::<_, Array2<f32>>(path) {
            Ok(m) => Ok(m.mapv(f64::from)),
            Err(_) => Err(bad(
                path,
                format!("not a 2-D float64 or float32 .npy file: {e64}"),
            )),
        },
    }
}

/// Whether `path` is a `.npy` file of float32 values (read widened to float64 by [`read_file`]
/// and [`load_matrix`]; callers say so in their output). Reads only the header.
pub fn npy_is_f32(path: &Path) -> bool {
    use std::io::Read;
    let is_npy = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = Vec::new();
    if !is_npy || file.take(4096).read_to_end(&mut head).is_err() {
        return false;
    }
    let text = String::from_utf8_lossy(&head);
    // The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False, ...}
    text.split_once("'descr'")
        .and_then(|(_, rest)| rest.split('\'').nth(1))
        .is_some_and(|d| matches!(d, "<f4" | ">f4" | "=f4" | "|f4"))
}

/// Reads a feature matrix: a run file's final M (or its saved M_t with `t = Some(..)`), a bare
/// JSON array of rows, or a `.npy` file. The matrix must be square.
pub fn load_matrix(path: &Path, t: Option<usize>) -> Result<Array2<f64>> {
    let m = match read_file(path)? {
        SymrfmFile::Matrix(m) => m,
        SymrfmFile::Run(run) => run_matrix(path, &run.feature_matrices, t)?,
        other => {
            return Err(bad(
                path,
                format!(
                    "a {} file: neither a matrix (array of rows) nor a symrfm run file with \
                     `feature_matrices`",
                    other.kind()
                ),
            ))
        }
    };
    if m.nrows() != m.ncols() {
        return Err(bad(
            path,
            format!("not square: {}×{}", m.nrows(), m.ncols()),
        ));
    }
    Ok(m)
}

/// The saved M_t of a run (the final M with `t = None`).
pub fn run_matrix(path: &Path, records: &[MatrixRecord], t: Option<usize>) -> Result<Array2<f64>> {
    let record = match t {
        None => records
            .last()
            .ok_or_else(|| bad(path, "`feature_matrices` is empty".into()))?,
        Some(t) => records.iter().find(|r| r.t == t).ok_or_else(|| {
            let have: Vec<usize> = records.iter().map(|r| r.t).collect();
            bad(
                path,
                format!(
                    "no saved M_{t}; the file has t in {have:?} (use `params.save_every` \
                     when training)"
                ),
            )
        })?,
    };
    record.to_array().map_err(|r| bad(path, r))
}

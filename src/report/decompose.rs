//! The JSON written by `symrfm decompose`.

use super::{TaskInfo, SCHEMA_VERSION};
use crate::analysis::{EigenFeatures, MatrixAnalysis};
use crate::group::Task;
use serde::{Deserialize, Serialize};

/// Where a decomposed matrix came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatrixSource {
    /// A run JSON written by `symrfm run` (task read from the file).
    Run,
    /// A bare JSON matrix (array of rows).
    Json,
    /// A `.npy` file.
    Npy,
    /// One run of a compare JSON written by `symrfm compare` (which one: `run`).
    Compare,
}

/// The analysis of one feature matrix (`symrfm decompose`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecomposeReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Always `"decompose"`.
    pub kind: String,
    /// Version of symrfm that wrote the file.
    pub symrfm_version: String,
    /// The command line that produced it.
    pub command_line: Vec<String>,
    /// The input file.
    pub source: String,
    /// What kind of file it was.
    pub source_kind: MatrixSource,
    /// Which saved M_t of a run was analyzed (`None` for a bare matrix).
    pub t: Option<usize>,
    /// The task the matrix belongs to.
    pub task: TaskInfo,
    /// The analysis.
    pub analysis: MatrixAnalysis,
    /// For a compare file: which of its runs, `symmetric` or `twin` (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// The leading eigenpairs and their Fourier energy (`decompose --eigen K`; absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eigen: Option<EigenFeatures>,
}

impl DecomposeReport {
    /// Assembles the report.
    pub fn new(
        command_line: Vec<String>,
        source: String,
        source_kind: MatrixSource,
        t: Option<usize>,
        task: &Task,
        analysis: MatrixAnalysis,
    ) -> Self {
        DecomposeReport {
            schema_version: SCHEMA_VERSION,
            kind: "decompose".into(),
            symrfm_version: env!("CARGO_PKG_VERSION").into(),
            command_line,
            source,
            source_kind,
            t,
            task: TaskInfo::new(task),
            analysis,
            run: None,
            eigen: None,
        }
    }
}

//! One line of a results file (JSONL): the outcome of one job.
//!
//! Everything in a line is determined by the job's configuration except `execution` (wall time,
//! threads, host, shard, symrfm version, where the full run was saved): two lines of the same job
//! are "the same result" when they agree apart from `execution` ([`ResultLine::same_result`]).

use super::Summary;
use crate::rfm::IterationRecord;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Version of the result-line layout.
pub const LINE_SCHEMA_VERSION: u32 = 1;

/// Whether a job produced a result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum JobStatus {
    /// The job ran to the end.
    Ok,
    /// The job failed (see `error`); a rerun of the sweep tries it again.
    Failed,
}

/// Per-iteration curves of a run (index t = iteration t, metrics with M_t).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Curves {
    /// Test accuracy.
    pub test_acc: Vec<f64>,
    /// Training accuracy.
    pub train_acc: Vec<f64>,
    /// Test mean squared error.
    pub test_mse: Vec<f64>,
    /// Training mean squared error.
    pub train_mse: Vec<f64>,
}

impl Curves {
    /// The curves of a run's iteration records.
    pub fn from_records(records: &[IterationRecord]) -> Self {
        Curves {
            test_acc: records.iter().map(|r| r.test_acc).collect(),
            train_acc: records.iter().map(|r| r.train_acc).collect(),
            test_mse: records.iter().map(|r| r.test_mse).collect(),
            train_mse: records.iter().map(|r| r.train_mse).collect(),
        }
    }
}

/// What a successful job produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Training pairs.
    pub n_train: usize,
    /// Test pairs.
    pub n_test: usize,
    /// Final/best accuracies and the first iteration with test accuracy ≥ 0.99.
    pub summary: Summary,
    /// Per-iteration curves.
    pub curves: Curves,
}

/// How and where a job ran (not deterministic).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Execution {
    /// Wall time of the job, seconds.
    pub seconds: f64,
    /// Threads the job used.
    pub threads: usize,
    /// Host name.
    pub host: String,
    /// The shard (`I/N`) of the sweep that ran it, if sharded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// When the job finished, seconds since the Unix epoch.
    pub finished_unix: f64,
    /// The symrfm version that ran it.
    pub symrfm_version: String,
    /// Where the full run JSON was saved (`--save-runs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_file: Option<String>,
}

/// One line of a results file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultLine {
    /// [`LINE_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The job's id.
    pub job_id: String,
    /// The job's index in its grid.
    pub job_index: usize,
    /// The job's canonical configuration (with `kind`).
    pub config: Value,
    /// Whether it succeeded.
    pub status: JobStatus,
    /// The error of a failed job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The result of a successful job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// How and where it ran.
    pub execution: Execution,
}

impl ResultLine {
    /// Whether two lines hold the same result (equal apart from `execution`).
    pub fn same_result(&self, other: &ResultLine) -> bool {
        self.job_id == other.job_id
            && self.job_index == other.job_index
            && self.config == other.config
            && self.status == other.status
            && self.error == other.error
            && self.outcome == other.outcome
    }

    /// Whether the job succeeded.
    pub fn is_ok(&self) -> bool {
        self.status == JobStatus::Ok && self.outcome.is_some()
    }
}

/// This machine's host name (for `execution.host`).
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

//! Running jobs: a fixed number of concurrent jobs, each with its own thread budget, results
//! appended to the results file by one writer as they finish.

use super::job::{Job, JobKind, RunJob};
use super::line::{
    host_name, Curves, Execution, JobStatus, Outcome, ResultLine, LINE_SCHEMA_VERSION,
};
use super::shard::Shard;
use super::store::ResultsLog;
use crate::error::{Error, Result};
use crate::experiment::RunOptions;
use crate::report;
use crate::rfm::Control;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// How to run a list of jobs.
#[derive(Clone, Debug)]
pub struct ExecOptions {
    /// Jobs running at the same time (≥ 1).
    pub jobs: usize,
    /// Worker threads of each job (≥ 1). `jobs × threads_per_job` should not exceed the cores.
    pub threads_per_job: usize,
    /// Memory cap of each job in bytes (default: the memory available when it starts).
    pub max_memory_per_job: Option<u64>,
    /// Also write each run's full JSON report to `DIR/<job id>.json`.
    pub save_runs: Option<PathBuf>,
    /// The shard being run (recorded in each line).
    pub shard: Option<Shard>,
    /// The command line (recorded in saved run reports).
    pub command_line: Vec<String>,
    /// A stop request (e.g. set by a signal handler): once it is true no new job starts; jobs
    /// already running finish and are recorded, and [`execute`] returns with
    /// [`ExecSummary::not_started`] counting the rest.
    pub stop: Option<&'static AtomicBool>,
}

/// What the caller hears after each finished job.
#[derive(Clone, Copy, Debug)]
pub struct Finished<'a> {
    /// The job.
    pub job: &'a Job,
    /// Its result line, already on disk.
    pub line: &'a ResultLine,
    /// Jobs finished so far in this call (including this one).
    pub done: usize,
    /// Jobs in this call.
    pub total: usize,
}

/// Counts of a finished [`execute`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExecSummary {
    /// Jobs that succeeded.
    pub ok: usize,
    /// Jobs that failed (recorded with `status: failed`).
    pub failed: usize,
    /// Jobs never started because a stop was requested (see [`ExecOptions::stop`]).
    pub not_started: usize,
}

/// Runs `jobs` with `opts.jobs` at a time and appends one line per finished job to `log`, in the
/// order they finish. A job that fails is recorded as failed and the others go on; a failure to
/// write the results file stops the sweep (jobs already running finish, but are not recorded).
pub fn execute(
    jobs: &[Job],
    opts: &ExecOptions,
    log: &mut ResultsLog,
    on_done: &mut dyn FnMut(Finished<'_>),
) -> Result<ExecSummary> {
    if opts.jobs == 0 || opts.threads_per_job == 0 {
        return Err(Error::param(
            "sweep.jobs",
            format!("{} jobs × {} threads", opts.jobs, opts.threads_per_job),
            "at least one job with at least one thread",
        ));
    }
    if let Some(dir) = &opts.save_runs {
        std::fs::create_dir_all(dir).map_err(|e| Error::Unwritable {
            path: dir.clone(),
            reason: e.to_string(),
        })?;
    }
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<(usize, ResultLine)>();
    let mut summary = ExecSummary::default();
    let mut write_error: Option<Error> = None;
    std::thread::scope(|scope| {
        for _ in 0..opts.jobs.min(jobs.len()) {
            let tx = tx.clone();
            let (next, stop) = (&next, &stop);
            scope.spawn(move || loop {
                let requested = opts.stop.is_some_and(|s| s.load(Ordering::SeqCst));
                if stop.load(Ordering::SeqCst) || requested {
                    break;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(job) = jobs.get(i) else { break };
                let line = run_one(job, opts);
                if tx.send((i, line)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let mut done = 0;
        for (i, line) in rx {
            if write_error.is_some() {
                continue;
            }
            if let Err(e) = log.append(&line) {
                stop.store(true, Ordering::SeqCst);
                write_error = Some(e);
                continue;
            }
            done += 1;
            if line.is_ok() {
                summary.ok += 1;
            } else {
                summary.failed += 1;
            }
            on_done(Finished {
                job: &jobs[i],
                line: &line,
                done,
                total: jobs.len(),
            });
        }
    });
    summary.not_started = jobs.len().saturating_sub(next.load(Ordering::SeqCst));
    match write_error {
        Some(e) => Err(e),
        None => Ok(summary),
    }
}

/// Runs one job and builds its result line (never panics: a panic becomes a failed line).
pub fn run_one(job: &Job, opts: &ExecOptions) -> ResultLine {
    let started = Instant::now();
    let result: std::result::Result<(Outcome, Option<String>), String> =
        match catch_unwind(AssertUnwindSafe(|| match job.kind {
            JobKind::Run => run_job(job, opts),
        })) {
            Ok(r) => r.map_err(|e| e.to_string()),
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                Err(format!("the job panicked: {what}"))
            }
        };
    let finished_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let mut execution = Execution {
        seconds: started.elapsed().as_secs_f64(),
        threads: opts.threads_per_job,
        host: host_name(),
        shard: opts.shard.map(|s| s.to_string()),
        finished_unix,
        symrfm_version: env!("CARGO_PKG_VERSION").into(),
        run_file: None,
    };
    let (status, error, outcome) = match result {
        Ok((outcome, run_file)) => {
            execution.run_file = run_file;
            (JobStatus::Ok, None, Some(outcome))
        }
        Err(e) => (JobStatus::Failed, Some(e), None),
    };
    ResultLine {
        schema_version: LINE_SCHEMA_VERSION,
        job_id: job.id.clone(),
        job_index: job.index,
        config: job.config.clone(),
        status,
        error,
        outcome,
        execution,
    }
}

fn run_job(job: &Job, opts: &ExecOptions) -> Result<(Outcome, Option<String>)> {
    let mut spec = RunJob::from_config(&job.config)?;
    if let Some(net) = spec.net.as_mut() {
        net.threads = opts.threads_per_job;
    }
    let mut experiment = spec.validate()?;
    experiment.set_threads(opts.threads_per_job)?;
    let mut command_line = opts.command_line.clone();
    command_line.push(format!("# job {}", job.id));
    let options = RunOptions {
        max_memory: opts.max_memory_per_job,
        command_line,
        save_model: false,
        save_predictions: false,
    };
    // A job with a `net` section trains a network (the grid's model axis); its curves are the
    // evaluations' accuracies and task losses.
    let report = if experiment.net_params().is_some() {
        experiment
            .run_network(&options, &mut |_| Control::Continue)?
            .report
    } else {
        experiment.run(&options, &mut |_| Control::Continue)?.report
    };
    let curves = match &report.network {
        Some(net) => Curves {
            test_acc: net.steps.iter().map(|r| r.test_acc).collect(),
            train_acc: net.steps.iter().map(|r| r.train_acc).collect(),
            test_mse: net.steps.iter().map(|r| r.test_loss).collect(),
            train_mse: net.steps.iter().map(|r| r.train_loss).collect(),
        },
        None => Curves::from_records(&report.iterations),
    };
    let outcome = Outcome {
        n_train: report.split.n_train,
        n_test: report.split.n_test,
        summary: report.summary.clone(),
        curves,
    };
    let mut run_file = None;
    if let Some(dir) = &opts.save_runs {
        let path = dir.join(format!("{}.json", job.id));
        report::write_json_atomic(&path, &report)?;
        run_file = Some(path.display().to_string());
    }
    Ok((outcome, run_file))
}

//! `symrfm sweep GRID`: run a grid's jobs (or one shard of them), N at a time, appending one line
//! per finished job to a results file; finished jobs already in the file are skipped.

use anyhow::{Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use symrfm::solve::memory::available_bytes;
use symrfm::sweep::exec::{execute, ExecOptions, Finished};
use symrfm::sweep::{read_results, Grid, Job, ResultsLog, Shard};
use symrfm::Error;

/// `symrfm sweep`.
#[derive(Args, Debug, Clone)]
pub struct SweepArgs {
    /// The grid file, JSON or TOML (by its `.toml` extension): `base` settings and `axes` whose Cartesian product are the jobs.
    pub grid: PathBuf,
    /// Results file (JSON lines), appended to; jobs it already holds are skipped
    /// [default: results/<grid name>.jsonl, or results/<grid name>.shard-I-of-N.jsonl].
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Run only shard I of N (0 ≤ I < N): the jobs whose grid index is ≡ I (mod N).
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Jobs running at the same time [default: the cores, at most the jobs to run].
    #[arg(long, short = 'j')]
    pub jobs: Option<usize>,
    /// Cores to use [default: all available]; each job gets cores / jobs threads.
    #[arg(long)]
    pub cores: Option<usize>,
    /// Also write each run's full JSON report (with its final M) to DIR/<job id>.json.
    #[arg(long, value_name = "DIR")]
    pub save_runs: Option<PathBuf>,
    /// Memory cap per job in MiB [default: available memory / jobs].
    #[arg(long, value_name = "MIB")]
    pub max_memory: Option<u64>,
    /// Overwrite the --save-runs files of jobs still to run if they exist (left by a sweep whose
    /// results file lost their lines); without it such a sweep is refused before any work.
    #[arg(long)]
    pub force: bool,
    /// List the jobs of this shard (index, id, parameters, whether done) and exit.
    #[arg(long)]
    pub dry_run: bool,
    /// No progress output.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

fn default_out(grid: &Path, shard: Option<Shard>) -> PathBuf {
    let stem = grid
        .file_stem()
        .map_or("sweep".into(), |s| s.to_string_lossy().into_owned());
    let name = match shard {
        Some(s) => format!("{stem}.shard-{}-of-{}.jsonl", s.index, s.count),
        None => format!("{stem}.jsonl"),
    };
    PathBuf::from("results").join(name)
}

/// A command line as one could type it again (arguments with spaces or quotes are quoted).
fn shell_line(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            let plain = !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=,+@%^".contains(c));
            if plain {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn hms(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h{:02}m{:02}s", s / 3600, (s / 60) % 60, s % 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// Runs `symrfm sweep`.
pub fn run(args: &SweepArgs, command_line: Vec<String>) -> Result<()> {
    let grid = Grid::load(&args.grid)?;
    let jobs = grid.jobs_from(&args.grid)?;
    let shard = args.shard.as_deref().map(str::parse::<Shard>).transpose()?;
    let selected: Vec<&Job> = jobs
        .iter()
        .filter(|j| shard.is_none_or(|s| s.contains(j.index)))
        .collect();
    for job in &selected {
        job.kind.validate(&job.config).with_context(|| {
            format!(
                "job {} ({}) of {}",
                job.index,
                job.describe(),
                args.grid.display()
            )
        })?;
    }
    let available = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cores = args.cores.unwrap_or(available);
    if cores == 0 || cores > available {
        return Err(Error::param(
            "--cores",
            cores,
            format!("1 to {available} (the cores available to this process)"),
        )
        .into());
    }
    if let Some(j) = args.jobs.filter(|&j| j == 0 || j > cores) {
        return Err(Error::param(
            "--jobs",
            j,
            format!("1 to {cores} (the cores; each job gets cores / jobs threads)"),
        )
        .into());
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&args.grid, shard));
    let existing = if args.dry_run {
        if out.exists() {
            read_results(&out)?.lines
        } else {
            Vec::new()
        }
    } else {
        Vec::new()
    };
    let (log, lines) = if args.dry_run {
        (None, existing)
    } else {
        // The results file is appended to, never overwritten: the lines it holds are kept and
        // their jobs skipped (hence "overwrite": an existing file is accepted). Its directory is
        // created like every output's.
        super::flags::prepare_output(&out, true, args.quiet)?;
        let (log, contents) = ResultsLog::open(&out)?;
        if contents.partial_bytes > 0 && !args.quiet {
            errln!(
                "note: removed a partial last line ({} bytes) from {} (a job interrupted while \
                 writing; it will run again)",
                contents.partial_bytes,
                out.display()
            );
        }
        (Some(log), contents.lines)
    };
    let grid_ids: HashSet<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
    let done: HashSet<&str> = lines
        .iter()
        .filter(|l| l.is_ok())
        .map(|l| l.job_id.as_str())
        .collect();
    let foreign = lines
        .iter()
        .filter(|l| !grid_ids.contains(l.job_id.as_str()))
        .count();
    let pending: Vec<Job> = selected
        .iter()
        .filter(|j| !done.contains(j.id.as_str()))
        .map(|j| (*j).clone())
        .collect();
    let shard_text = shard.map_or(String::new(), |s| {
        format!(", shard {s}: {}", selected.len())
    });

    if args.dry_run {
        // A closed pipe (`| head`) ends the listing quietly.
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(
            stdout,
            "{}: {} jobs{shard_text}; {} done, {} to run (results: {})",
            args.grid.display(),
            jobs.len(),
            selected.len() - pending.len(),
            pending.len(),
            out.display()
        );
        for j in &selected {
            let state = if done.contains(j.id.as_str()) {
                "done"
            } else {
                "todo"
            };
            if writeln!(
                stdout,
                "{:>6}  {}  {state}  {}",
                j.index,
                j.id,
                j.describe()
            )
            .is_err()
            {
                break;
            }
        }
        return Ok(());
    }
    if let Some(dir) = &args.save_runs {
        for job in &pending {
            super::flags::prepare_output(
                &dir.join(format!("{}.json", job.id)),
                args.force,
                args.quiet,
            )?;
        }
    }
    let mut log = log.context("results file not open")?;
    if foreign > 0 && !args.quiet {
        errln!(
            "note: {foreign} lines of {} belong to no job of this grid; they are kept",
            out.display()
        );
    }

    let n_jobs = args.jobs.unwrap_or(cores.min(pending.len()).max(1));
    let threads = cores / n_jobs;
    let max_memory = match args.max_memory {
        Some(mib) => Some(mib.saturating_mul(1 << 20)),
        None => available_bytes().map(|b| b / n_jobs as u64),
    };
    let opts = ExecOptions {
        jobs: n_jobs,
        threads_per_job: threads,
        max_memory_per_job: max_memory,
        save_runs: args.save_runs.clone(),
        shard,
        command_line: command_line.clone(),
        stop: Some(super::interrupt::flag()),
    };

    let quiet = args.quiet;
    let say = |msg: &str| {
        if !quiet {
            errln!("{msg}");
        }
    };
    say(&format!(
        "symrfm sweep: {} | {} jobs{shard_text} | {} done, {} to run | {n_jobs} at a time × {threads} \
         thread{} | results: {}",
        args.grid.display(),
        jobs.len(),
        selected.len() - pending.len(),
        pending.len(),
        if threads == 1 { "" } else { "s" },
        out.display()
    ));
    if pending.is_empty() {
        say("nothing to do: every job of this grid (shard) is in the results file");
        return Ok(());
    }

    // Progress is measured in estimated cost (Job::cost_hint), so that the ETA accounts for
    // jobs of different sizes; the message counts jobs.
    let costs: Vec<f64> = pending.iter().map(Job::cost_hint).collect();
    let total_cost: f64 = costs.iter().sum();
    let unit = 1e6 / total_cost.max(f64::MIN_POSITIVE);
    let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::with_draw_target(Some(1_000_000), ProgressDrawTarget::stderr());
        if let Ok(style) =
            ProgressStyle::with_template("[{bar:30}] {msg} ({elapsed}, eta {eta}, cost-weighted)")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(format!("0/{} jobs", pending.len()));
        bar.enable_steady_tick(Duration::from_millis(500));
        bar
    });
    let started = Instant::now();
    let mut done_cost = 0.0;
    let mut on_done = |f: Finished<'_>| {
        let cost = pending
            .iter()
            .position(|j| j.index == f.job.index)
            .map_or(0.0, |k| costs[k]);
        done_cost += cost;
        let result = match &f.line.outcome {
            Some(o) => format!(
                "test {:.4} (best {:.4}), ≥0.99 at {}",
                o.summary.final_test_acc,
                o.summary.best_test_acc,
                o.summary
                    .first_iter_test_acc_ge_099
                    .map_or("never".into(), |t| format!("t={t}"))
            ),
            None => format!(
                "FAILED: {}",
                f.line.error.as_deref().unwrap_or("unknown error")
            ),
        };
        let text = format!(
            "[{}/{}] job {} {}: {result} ({:.1}s)",
            f.done,
            f.total,
            f.job.id,
            f.job.describe(),
            f.line.execution.seconds
        );
        if let Some(bar) = &bar {
            bar.println(text);
            bar.set_message(format!("{}/{} jobs", f.done, f.total));
            bar.inc((cost * unit).round() as u64);
        } else if !quiet {
            let elapsed = started.elapsed();
            let left = (total_cost - done_cost).max(0.0) / done_cost.max(f64::MIN_POSITIVE);
            let eta = elapsed.mul_f64(left.min(1e6));
            errln!("{text} | elapsed {}, eta {}", hms(elapsed), hms(eta));
        }
    };
    let summary = execute(&pending, &opts, &mut log, &mut on_done);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let summary = summary?;
    if summary.not_started > 0 {
        errln!(
            "sweep interrupted: {} jobs finished this time ({} ok, {} failed) and are in {}; {} \
             not started",
            summary.ok + summary.failed,
            summary.ok,
            summary.failed,
            out.display(),
            summary.not_started
        );
        errln!(
            "to resume, rerun the same command (finished jobs are skipped): {}",
            shell_line(&command_line)
        );
        return Err(Error::Interrupted.into());
    }
    outln!(
        "finished {} jobs in {}: {} ok, {} failed; results in {}",
        summary.ok + summary.failed,
        hms(started.elapsed()),
        summary.ok,
        summary.failed,
        out.display()
    );
    if summary.failed > 0 {
        anyhow::bail!(
            "{} jobs failed (their lines in {} hold the error); rerun the same command to retry them",
            summary.failed,
            out.display()
        );
    }
    Ok(())
}

//! `symrfm merge OUT IN…  --grid GRID`: join the results files of a sharded sweep.

use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use symrfm::sweep::merge::{merge, recorded_shard_count};
use symrfm::sweep::{read_results, Grid};
use symrfm::Error;

/// `symrfm merge`.
#[derive(Args, Debug, Clone)]
pub struct MergeArgs {
    /// The merged results file (written atomically, one line per job in grid order).
    pub out: PathBuf,
    /// The shards' results files.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The grid the shards ran.
    #[arg(long)]
    pub grid: PathBuf,
    /// Number of shards, to name the shard of each missing job [default: as recorded in the
    /// lines, else the number of input files].
    #[arg(long, value_name = "N")]
    pub shards: Option<usize>,
    /// Write the merged file even when jobs are missing or failed (exit 0).
    #[arg(long)]
    pub allow_missing: bool,
    /// Overwrite the output file(s) if they exist (without it an existing result is never
    /// overwritten: the command is refused before any work, exit code 2).
    #[arg(long)]
    pub force: bool,
}

fn list(items: &[String]) -> String {
    const SHOW: usize = 8;
    let mut s = items
        .iter()
        .take(SHOW)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOW {
        s.push_str(&format!(", … ({} more)", items.len() - SHOW));
    }
    s
}

/// Runs `symrfm merge`.
pub fn run(args: &MergeArgs) -> Result<()> {
    let grid = Grid::load(&args.grid)?;
    let jobs = grid.jobs_from(&args.grid)?;
    let out_abs = std::path::absolute(&args.out).unwrap_or_else(|_| args.out.clone());
    let mut inputs = Vec::new();
    for path in &args.inputs {
        if std::path::absolute(path).is_ok_and(|p| p == out_abs) {
            return Err(Error::param(
                "OUT",
                args.out.display(),
                "a file that is not one of the inputs",
            )
            .into());
        }
        let contents = read_results(path)?;
        if contents.partial_bytes > 0 {
            errln!(
                "warning: {}: ignoring a partial last line ({} bytes)",
                path.display(),
                contents.partial_bytes
            );
        }
        inputs.push((path.clone(), contents.lines));
    }
    if args.shards == Some(0) {
        return Err(Error::param("--shards", 0, "an integer ≥ 1").into());
    }
    let shards = args
        .shards
        .or_else(|| recorded_shard_count(inputs.iter().flat_map(|(_, l)| l)))
        .unwrap_or(args.inputs.len());
    let merged = merge(&jobs, &inputs, shards);

    for (id, path) in &merged.foreign {
        errln!(
            "warning: {}: job {id} is not in {} (left out)",
            path.display(),
            args.grid.display()
        );
    }
    for gap in &merged.gaps {
        if !gap.missing.is_empty() {
            let ids: Vec<String> = gap
                .missing
                .iter()
                .map(|(i, id)| format!("{id} (#{i})"))
                .collect();
            errln!(
                "shard {} missing: {} job{}: {}",
                gap.shard,
                gap.missing.len(),
                if gap.missing.len() == 1 { "" } else { "s" },
                list(&ids)
            );
        }
        if !gap.failed.is_empty() {
            let ids: Vec<String> = gap
                .failed
                .iter()
                .map(|(i, id, e)| format!("{id} (#{i}: {e})"))
                .collect();
            errln!(
                "shard {} failed: {} job{}: {}",
                gap.shard,
                gap.failed.len(),
                if gap.failed.len() == 1 { "" } else { "s" },
                list(&ids)
            );
        }
    }
    if merged.duplicates > 0 {
        errln!(
            "note: {} duplicated lines with identical results were merged",
            merged.duplicates
        );
    }
    if !merged.conflicts.is_empty() {
        for c in &merged.conflicts {
            let files: Vec<String> = c.files.iter().map(|f| f.display().to_string()).collect();
            errln!("conflict: job {}: {} ({})", c.id, c.what, files.join(", "));
        }
        return Err(Error::InvalidInput {
            path: args.inputs[0].clone(),
            reason: format!(
                "{} jobs have conflicting results across the inputs (listed above); nothing written",
                merged.conflicts.len()
            ),
        }
        .into());
    }
    let n_missing = merged.n_missing();
    if n_missing > 0 && !args.allow_missing {
        let shards_hit: Vec<String> = merged.gaps.iter().map(|g| g.shard.to_string()).collect();
        return Err(Error::InvalidInput {
            path: args.grid.clone(),
            reason: format!(
                "{n_missing} of {} jobs have no result (shard{} {}); nothing written \
                 (rerun those shards, or pass --allow-missing)",
                jobs.len(),
                if shards_hit.len() == 1 { "" } else { "s" },
                shards_hit.join(", ")
            ),
        }
        .into());
    }
    let mut bytes = Vec::new();
    for line in &merged.lines {
        bytes.extend(serde_json::to_vec(line)?);
        bytes.push(b'\n');
    }
    super::flags::prepare_output(&args.out, args.force, false)?;
    symrfm::report::write_atomic(&args.out, &bytes)?;
    outln!(
        "merged {} inputs: {} of {} jobs ({} missing or failed) → {}",
        inputs.len(),
        merged.lines.iter().filter(|l| l.is_ok()).count(),
        jobs.len(),
        n_missing,
        args.out.display()
    );
    Ok(())
}

//! Joining the results files of the shards of one grid, checking that every job is there once.

use super::job::Job;
use super::line::ResultLine;
use super::shard::Shard;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// Jobs of one shard that have no result.
#[derive(Clone, Debug, PartialEq)]
pub struct ShardGap {
    /// The shard (by the round-robin rule of [`Shard`]).
    pub shard: Shard,
    /// Jobs with no line at all: (index, id).
    pub missing: Vec<(usize, String)>,
    /// Jobs whose only lines are failures: (index, id, error).
    pub failed: Vec<(usize, String, String)>,
}

/// A job with lines that disagree.
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    /// The job id.
    pub id: String,
    /// The files the disagreeing lines come from.
    pub files: Vec<PathBuf>,
    /// What differs.
    pub what: String,
}

/// The outcome of a merge.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Merged {
    /// One line per job that has one, in grid order (a successful line if there is one, else the
    /// last failed one).
    pub lines: Vec<ResultLine>,
    /// Shards with missing or failed jobs, ascending.
    pub gaps: Vec<ShardGap>,
    /// Lines of a job seen more than once with the same result (tolerated), counted beyond the
    /// first.
    pub duplicates: usize,
    /// Jobs whose lines disagree (an error).
    pub conflicts: Vec<Conflict>,
    /// Ids of lines that belong to no job of the grid, with their file.
    pub foreign: Vec<(String, PathBuf)>,
}

impl Merged {
    /// Number of jobs without a successful result.
    pub fn n_missing(&self) -> usize {
        self.gaps
            .iter()
            .map(|g| g.missing.len() + g.failed.len())
            .sum()
    }
}

/// The shard count recorded in the lines (`execution.shard = "I/N"`), if they all agree.
pub fn recorded_shard_count<'a>(lines: impl IntoIterator<Item = &'a ResultLine>) -> Option<usize> {
    let mut count = None;
    for line in lines {
        let n = line
            .execution
            .shard
            .as_deref()
            .and_then(|s| s.parse::<Shard>().ok())
            .map(|s| s.count)?;
        if count.is_some_and(|c| c != n) {
            return None;
        }
        count = Some(n);
    }
    count
}

/// Merges the lines of `inputs` (file, lines) against the grid's `jobs`, attributing missing jobs
/// to shards `0..shards` by the round-robin rule.
pub fn merge(jobs: &[Job], inputs: &[(PathBuf, Vec<ResultLine>)], shards: usize) -> Merged {
    let by_id: HashMap<&str, &Job> = jobs.iter().map(|j| (j.id.as_str(), j)).collect();
    let mut seen: HashMap<&str, Vec<(&PathBuf, &ResultLine)>> = HashMap::new();
    let mut merged = Merged::default();
    for (path, lines) in inputs {
        for line in lines {
            match by_id.get(line.job_id.as_str()) {
                Some(job) => seen.entry(job.id.as_str()).or_default().push((path, line)),
                None => merged.foreign.push((line.job_id.clone(), path.clone())),
            }
        }
    }
    let mut gaps: BTreeMap<usize, ShardGap> = BTreeMap::new();
    for job in jobs {
        let shard = Shard::of(job.index, shards);
        let Some(lines) = seen.get(job.id.as_str()) else {
            gap_of(&mut gaps, shard)
                .missing
                .push((job.index, job.id.clone()));
            continue;
        };
        if let Some((path, _)) = lines
            .iter()
            .find(|(_, l)| l.config != job.config || l.job_index != job.index)
        {
            merged.conflicts.push(Conflict {
                id: job.id.clone(),
                files: vec![(*path).clone()],
                what: format!(
                    "its configuration or index differs from job {} of the grid",
                    job.index
                ),
            });
            continue;
        }
        let ok: Vec<&(&PathBuf, &ResultLine)> = lines.iter().filter(|(_, l)| l.is_ok()).collect();
        match ok.first() {
            Some((first_path, first)) => {
                let mut conflict = false;
                for (path, other) in &ok[1..] {
                    if other.same_result(first) {
                        merged.duplicates += 1;
                    } else {
                        conflict = true;
                        merged.conflicts.push(Conflict {
                            id: job.id.clone(),
                            files: vec![(*first_path).clone(), (*path).clone()],
                            what: "two successful lines with different results".into(),
                        });
                    }
                }
                if !conflict {
                    merged.lines.push((*first).clone());
                }
            }
            None => {
                // Only failures: keep the last one and report the job.
                if let Some((_, last)) = lines.last() {
                    merged.lines.push((*last).clone());
                    gap_of(&mut gaps, shard).failed.push((
                        job.index,
                        job.id.clone(),
                        last.error.clone().unwrap_or_default(),
                    ));
                }
            }
        }
    }
    merged.gaps = gaps.into_values().collect();
    merged
}

fn gap_of(gaps: &mut BTreeMap<usize, ShardGap>, shard: Shard) -> &mut ShardGap {
    gaps.entry(shard.index).or_insert_with(|| ShardGap {
        shard,
        missing: Vec::new(),
        failed: Vec::new(),
    })
}

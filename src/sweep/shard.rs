//! Shards: disjoint slices of a grid's jobs for running on several machines.
//!
//! Shard `I/N` (0 ≤ I < N) holds the jobs whose grid index is ≡ I (mod N). Round-robin rather than
//! contiguous slices, because grids vary their last axis fastest: neighbouring jobs differ in seed
//! or fraction, so round-robin spreads expensive settings evenly over the shards. Membership
//! depends only on the job's index in the grid, never on which jobs are already finished, so a
//! shard is the same set of jobs on every rerun.

use crate::error::{Error, Result};
use std::fmt;
use std::str::FromStr;

/// Shard `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shard {
    /// I, 0-based.
    pub index: usize,
    /// N ≥ 1.
    pub count: usize,
}

impl Shard {
    /// Shard `index` of `count` (checked).
    pub fn new(index: usize, count: usize) -> Result<Self> {
        if count == 0 || index >= count {
            return Err(Error::param(
                "sweep.shard",
                format!("{index}/{count}"),
                "I/N with N ≥ 1 and 0 ≤ I < N (e.g. 0/4 … 3/4)",
            ));
        }
        Ok(Shard { index, count })
    }

    /// The shard that job `job_index` belongs to among `count` shards.
    pub fn of(job_index: usize, count: usize) -> Shard {
        Shard {
            index: job_index % count.max(1),
            count: count.max(1),
        }
    }

    /// Whether job `job_index` belongs to this shard.
    pub fn contains(&self, job_index: usize) -> bool {
        job_index % self.count == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::param("sweep.shard", s, "I/N with 0 ≤ I < N, e.g. 0/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let i = i.trim().parse().map_err(|_| bad())?;
        let n = n.trim().parse().map_err(|_| bad())?;
        Shard::new(i, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_jobs() {
        let n = 4;
        for job in 0..37 {
            let owners: Vec<usize> = (0..n)
                .filter(|&i| Shard::new(i, n).unwrap().contains(job))
                .collect();
            assert_eq!(owners, vec![Shard::of(job, n).index]);
        }
        assert_eq!(
            "2/4".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 4 }
        );
        assert_eq!(Shard::new(2, 4).unwrap().to_string(), "2/4");
        for bad in ["4/4", "1/0", "x/2", "3", "-1/2"] {
            let e = bad.parse::<Shard>().unwrap_err();
            assert!(e.is_usage() && e.to_string().contains("sweep.shard"), "{e}");
        }
    }
}

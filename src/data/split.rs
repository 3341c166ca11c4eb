//! Training/test splits of the n² pairs, always reproducible from their specification.

use crate::error::{Error, Result};
use crate::group::Task;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How a split is made. Serialized into every output so the split can be rebuilt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SplitSpec {
    /// A uniformly random subset of ⌊fraction · n²⌋ pairs, the first ones of
    /// [`shuffle`](super::shuffle::shuffle) of all pairs with `seed`.
    Random {
        /// Training fraction in (0, 1).
        fraction: f64,
        /// RNG seed.
        seed: u64,
    },
    /// Read from a CSV file with header `a,b,label,is_train` (the reference implementation's format).
    File {
        /// The file.
        path: PathBuf,
    },
    /// Test = the fixed points of every reflection of the subgroup H ≤ Dih(A), train = the rest
    /// (SCIENCE.md §4); deterministic. For H = ⟨s r^k⟩ the test set is Fix(s r^k), n pairs.
    FixedPoints {
        /// H, as a generator list that [`Subgroup::parse`](crate::symmetry::Subgroup::parse)
        /// accepts (outputs hold its canonical name, e.g. `<s>`, `<r^16, s>`).
        subgroup: String,
    },
    /// A random H-invariant split: whole H-orbits, shuffled with ChaCha8 seeded by `seed`, fill the
    /// training set up to ⌊fraction · n²⌋ pairs (see [`orbit_split`](crate::symmetry::orbit_split)).
    Orbit {
        /// H, as for `FixedPoints`.
        subgroup: String,
        /// Target training fraction in (0, 1).
        fraction: f64,
        /// RNG seed.
        seed: u64,
    },
    /// The split `base` followed by `edits`, applied in the order listed.
    Edited {
        /// The split before the edits.
        base: Box<SplitSpec>,
        /// The edits, in order.
        edits: Vec<SplitEdit>,
    },
}

/// An edit of a split that keeps or breaks its symmetry. Pairs are pair indices `a * n + b`
/// (symbol indices, not symbol values). Seeded edits record the pairs they moved in `moved`, so an
/// output says which pairs moved; rebuilding recomputes them and checks them against the record
/// (an empty `moved` is not checked).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SplitEdit {
    /// Move `count` training pairs chosen uniformly at random (ChaCha8 seeded by `seed`) to the
    /// test set: breaks the symmetry ([`move_random_train_to_test`](crate::symmetry::move_random_train_to_test)).
    MoveRandom {
        /// Number of pairs moved.
        count: usize,
        /// RNG seed.
        seed: u64,
        /// The pairs moved, ascending.
        #[serde(default)]
        moved: Vec<usize>,
    },
    /// Move `count` whole H-orbits lying in the training set, chosen at random (ChaCha8 seeded by
    /// `seed`), to the test set: keeps H-invariance ([`move_orbits_to_test`](crate::symmetry::move_orbits_to_test)).
    MoveOrbits {
        /// H, as for [`SplitSpec::FixedPoints`].
        subgroup: String,
        /// Number of orbits moved.
        count: usize,
        /// RNG seed.
        seed: u64,
        /// The pairs moved (all orbits together), ascending.
        #[serde(default)]
        moved: Vec<usize>,
    },
    /// Move these test pairs to the training set.
    MoveToTrain {
        /// Pair indices, ascending.
        pairs: Vec<usize>,
    },
    /// Move these training pairs to the test set.
    HoldOut {
        /// Pair indices, ascending.
        pairs: Vec<usize>,
    },
}

impl SplitEdit {
    /// The pairs this edit moves from train to test (empty for [`SplitEdit::MoveToTrain`]).
    pub fn moved_to_test(&self) -> &[usize] {
        match self {
            SplitEdit::MoveRandom { moved, .. } | SplitEdit::MoveOrbits { moved, .. } => moved,
            SplitEdit::HoldOut { pairs } => pairs,
            SplitEdit::MoveToTrain { .. } => &[],
        }
    }
}

impl SplitSpec {
    /// The seed of the split's first random choice, if it makes one: the base split's seed, else
    /// the first seeded edit's.
    pub fn seed(&self) -> Option<u64> {
        match self {
            SplitSpec::Random { seed, .. } | SplitSpec::Orbit { seed, .. } => Some(*seed),
            SplitSpec::File { .. } | SplitSpec::FixedPoints { .. } => None,
            SplitSpec::Edited { base, edits } => base.seed().or_else(|| {
                edits.iter().find_map(|e| match e {
                    SplitEdit::MoveRandom { seed, .. } | SplitEdit::MoveOrbits { seed, .. } => {
                        Some(*seed)
                    }
                    SplitEdit::MoveToTrain { .. } | SplitEdit::HoldOut { .. } => None,
                })
            }),
        }
    }

    /// Every pair the edits moved from train to test, in edit order (empty without edits).
    pub fn moved_to_test(&self) -> Vec<usize> {
        match self {
            SplitSpec::Edited { edits, .. } => edits
                .iter()
                .flat_map(|e| e.moved_to_test().iter().copied())
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A split: sorted, disjoint training and test pair indices covering all pairs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    /// Training pair indices (`a * n + b`), ascending.
    pub train: Vec<usize>,
    /// Test pair indices, ascending.
    pub test: Vec<usize>,
}

impl Split {
    /// The split's id: the first 16 hex digits of the SHA-256 of the text
    /// `"<n_pairs>:<train indices, comma-separated, ascending>"`. Two runs (RFM or network, any
    /// seed of the model) with the same id trained and tested on exactly the same pairs.
    pub fn id(&self) -> String {
        use sha2::{Digest, Sha256};
        let n_pairs = self.train.len() + self.test.len();
        let mut text = format!("{n_pairs}:");
        for (i, k) in self.train.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&k.to_string());
        }
        let digest = Sha256::digest(text.as_bytes());
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A random split of `n_pairs` pairs with ⌊fraction · n_pairs⌋ training pairs.
    pub fn random(n_pairs: usize, fraction: f64, seed: u64) -> Result<Self> {
        if !(fraction > 0.0 && fraction < 1.0) {
            return Err(Error::param(
                "split.fraction",
                fraction,
                "a number strictly between 0 and 1",
            ));
        }
        let n_train = (fraction * n_pairs as f64).floor() as usize;
        if n_train == 0 || n_train == n_pairs {
            return Err(Error::param(
                "split.fraction",
                fraction,
                format!(
                    "a fraction leaving at least one training and one test pair out of {n_pairs}"
                ),
            ));
        }
        let mut order: Vec<usize> = (0..n_pairs).collect();
        super::shuffle::shuffle(&mut order, seed);
        Ok(Self::from_train(n_pairs, order[..n_train].to_vec()))
    }

    /// The split whose training set is `train` (any order, no duplicates); test is the rest.
    pub fn from_train(n_pairs: usize, mut train: Vec<usize>) -> Self {
        train.sort_unstable();
        train.dedup();
        let mut is_train = vec![false; n_pairs];
        for &k in &train {
            is_train[k] = true;
        }
        let test = (0..n_pairs).filter(|&k| !is_train[k]).collect();
        Split { train, test }
    }

    /// Reads a CSV with header `a,b,label,is_train`; `a`, `b` are symbol indices and every pair must
    /// appear exactly once with the task's label.
    pub fn from_csv(task: &Task, path: &Path) -> Result<Self> {
        let bad = |reason: String| Error::InvalidInput {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let mut lines = text.lines();
        let header = lines.next().ok_or_else(|| bad("empty file".into()))?;
        let cols: Vec<&str> = header.split(',').map(str::trim).collect();
        let find = |name: &str| {
            cols.iter()
                .position(|c| *c == name)
                .ok_or_else(|| bad(format!("missing column `{name}` in header")))
        };
        let (ia, ib, il, it) = (find("a")?, find("b")?, find("label")?, find("is_train")?);
        let n = task.n_symbols();
        let mut seen = vec![false; task.n_pairs()];
        let mut train = Vec::new();
        for (lineno, line) in lines.enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let get = |i: usize| -> Result<usize> {
                fields
                    .get(i)
                    .and_then(|s| s.parse::<usize>().ok())
                    .ok_or_else(|| {
                        bad(format!(
                            "line {}: expected a non-negative integer in column {}",
                            lineno + 2,
                            i + 1
                        ))
                    })
            };
            let (a, b, label, is_train) = (get(ia)?, get(ib)?, get(il)?, get(it)?);
            if a >= n || b >= n {
                return Err(bad(format!(
                    "line {}: pair ({a},{b}) outside 0..{n}",
                    lineno + 2
                )));
            }
            if task.label(a, b) != label {
                return Err(bad(format!(
                    "line {}: label {label} of ({a},{b}) disagrees with task {} (expected {})",
                    lineno + 2,
                    task.describe(),
                    task.label(a, b)
                )));
            }
            if is_train > 1 {
                return Err(bad(format!("line {}: is_train must be 0 or 1", lineno + 2)));
            }
            let k = a * n + b;
            if std::mem::replace(&mut seen[k], true) {
                return Err(bad(format!(
                    "line {}: pair ({a},{b}) appears twice",
                    lineno + 2
                )));
            }
            if is_train == 1 {
                train.push(k);
            }
        }
        let missing = seen.iter().filter(|s| !**s).count();
        if missing > 0 {
            return Err(bad(format!(
                "{missing} of {} pairs are missing",
                task.n_pairs()
            )));
        }
        let split = Self::from_train(task.n_pairs(), train);
        split.check_nonempty().map_err(|e| bad(e.to_string()))?;
        Ok(split)
    }

    /// The split as the CSV [`from_csv`](Self::from_csv) reads: header `a,b,label,is_train`, one
    /// line per pair in pair-index order, `a`, `b` and `label` symbol indices, `is_train` 0 or 1.
    pub fn to_csv(&self, task: &Task) -> String {
        let n = task.n_symbols();
        let mut is_train = vec![false; task.n_pairs()];
        for &k in &self.train {
            if let Some(t) = is_train.get_mut(k) {
                *t = true;
            }
        }
        let mut out = String::from("a,b,label,is_train\n");
        for (k, &train) in is_train.iter().enumerate() {
            let (a, b) = (k / n, k % n);
            out.push_str(&format!(
                "{a},{b},{},{}\n",
                task.label(a, b),
                u8::from(train)
            ));
        }
        out
    }

    /// Errors unless both sides have at least one pair.
    pub fn check_nonempty(&self) -> Result<()> {
        if self.train.is_empty() || self.test.is_empty() {
            return Err(Error::param(
                "split",
                format!(
                    "{} training / {} test pairs",
                    self.train.len(),
                    self.test.len()
                ),
                "at least one training and one test pair",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn split_id_is_the_sha256_of_its_training_pairs() {
        let a = Split {
            train: vec![0, 2],
            test: vec![1, 3],
        };
        // python3 -c "import hashlib; print(hashlib.sha256(b'4:0,2').hexdigest()[:16])"
        assert_eq!(a.id(), "6ececf234127b02f");
        let b = Split {
            train: vec![0, 1],
            test: vec![2, 3],
        };
        assert_ne!(a.id(), b.id());
    }

    use super::*;

    #[test]
    fn csv_written_reads_back_as_the_same_split() {
        use crate::group::{Operation, TaskSpec};
        let task = Task::new(TaskSpec::new(Operation::Mul, 7)).unwrap();
        let split = Split::random(task.n_pairs(), 0.4, 3).unwrap();
        let text = split.to_csv(&task);
        assert!(text.starts_with("a,b,label,is_train\n0,0,0,"));
        assert_eq!(text.lines().count(), 1 + 36);
        let path =
            std::env::temp_dir().join(format!("symrfm-split-csv-{}.csv", std::process::id()));
        std::fs::write(&path, &text).unwrap();
        let back = Split::from_csv(&task, &path).unwrap();
        let _ = std::fs::remove_file(&path);
        assert_eq!(back, split);
    }

    #[test]
    fn random_split_is_seeded_and_partitions() {
        let a = Split::random(3721, 0.5, 7).unwrap();
        let b = Split::random(3721, 0.5, 7).unwrap();
        let c = Split::random(3721, 0.5, 8).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.train.len(), 1860);
        assert_eq!(a.train.len() + a.test.len(), 3721);
        let mut all: Vec<usize> = a.train.iter().chain(&a.test).copied().collect();
        all.sort_unstable();
        assert!(all.iter().enumerate().all(|(i, &k)| i == k));
    }

    #[test]
    fn bad_fractions_are_rejected() {
        for f in [0.0, 1.0, -0.1, 1.5, f64::NAN, 1e-9] {
            let e = Split::random(100, f, 0).unwrap_err();
            assert!(e.to_string().contains("split.fraction"), "{e}");
        }
    }
}

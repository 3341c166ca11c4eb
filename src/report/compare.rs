//! The JSON written by `symrfm compare`: a symmetric split and its edited twin, trained with
//! identical settings, in one self-describing file.
//!
//! Both runs are complete [`RunReport`]s (each with its own split spec, symmetry report and final
//! M); the file adds which pairs were moved and a verdict.

use super::{RunReport, SCHEMA_VERSION};
use crate::group::Task;
use serde::{Deserialize, Serialize};

/// A run "stays trapped" when its test accuracy never exceeds this.
pub const TRAPPED_MAX_TEST_ACC: f64 = 0.05;
/// A run "generalizes" when its final test accuracy is at least this.
pub const GENERALIZES_FINAL_TEST_ACC: f64 = 0.95;

/// A pair by index and by symbol values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairRecord {
    /// Pair index `a * n + b` (symbol indices).
    pub index: usize,
    /// Symbol value of the left operand.
    pub a: String,
    /// Symbol value of the right operand.
    pub b: String,
    /// Symbol value of the label `a ⋆ b`.
    pub label: String,
}

impl PairRecord {
    /// Describes pair `index` of `task`.
    pub fn new(task: &Task, index: usize) -> Self {
        let (a, b) = task.pair(index);
        PairRecord {
            index,
            a: task.symbol_name(a).to_string(),
            b: task.symbol_name(b).to_string(),
            label: task.symbol_name(task.label(a, b)).to_string(),
        }
    }
}

/// What a run's test accuracy did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Test accuracy never above [`TRAPPED_MAX_TEST_ACC`].
    Trapped,
    /// Final test accuracy at least [`GENERALIZES_FINAL_TEST_ACC`].
    Generalizes,
    /// Neither.
    Partial,
}

/// One run's side of the verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunVerdict {
    /// Largest test accuracy over all iterations.
    pub max_test_acc: f64,
    /// Test accuracy at the last iteration.
    pub final_test_acc: f64,
    /// The classification of the two numbers.
    pub outcome: Outcome,
}

impl RunVerdict {
    /// Classifies a run.
    pub fn new(run: &RunReport) -> Self {
        Self::from_accuracies(run.summary.best_test_acc, run.summary.final_test_acc)
    }

    /// Classifies a run by its largest and its final test accuracy.
    pub fn from_accuracies(max_test_acc: f64, final_test_acc: f64) -> Self {
        let outcome = if max_test_acc <= TRAPPED_MAX_TEST_ACC {
            Outcome::Trapped
        } else if final_test_acc >= GENERALIZES_FINAL_TEST_ACC {
            Outcome::Generalizes
        } else {
            Outcome::Partial
        };
        RunVerdict {
            max_test_acc,
            final_test_acc,
            outcome,
        }
    }

    /// `max test acc 0.000 — stays trapped`, `final 1.000 — generalizes`, …
    pub fn describe(&self) -> String {
        match self.outcome {
            Outcome::Trapped => format!("max test acc {:.3} — stays trapped", self.max_test_acc),
            Outcome::Generalizes => format!("final {:.3} — generalizes", self.final_test_acc),
            Outcome::Partial => format!(
                "final {:.3}, max {:.3} — partial",
                self.final_test_acc, self.max_test_acc
            ),
        }
    }
}

/// The test pairs the twin still gets wrong at its last iteration, when its symmetric split is
/// the fixed points of H: which of them are fixed points of H tied to a moved pair (sharing an
/// operand with it, or its label). The orbit theory (results/symmetry.md) explains why these stay
/// wrong: the one moved pair breaks the symmetry, but the kernel learns nothing from training pairs
/// about a fixed point whose only informative partners were the moved pair's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TwinMisses {
    /// Test pairs of the twin classified wrongly at its last iteration.
    pub n_wrong: usize,
    /// How many of them are fixed points of H (test pairs of the symmetric split).
    pub n_fixed_points: usize,
    /// The wrong fixed points tied to a moved pair (a, b): (a, a)-like pairs sharing an operand
    /// with it, or pairs with its label.
    pub tied: Vec<PairRecord>,
    /// The other wrong test pairs.
    pub other: Vec<PairRecord>,
    /// One line, appended to the verdict's text.
    pub text: String,
}

impl TwinMisses {
    /// The misses of `twin` (a run of `task`) whose symmetric split `symmetric` tests the fixed
    /// points of H; `None` unless the symmetric split is a fixed-points split and the twin gets
    /// some but not all test pairs right.
    pub fn new(
        task: &Task,
        symmetric: &RunReport,
        twin: &RunReport,
        moved: &[usize],
    ) -> Option<Self> {
        let subgroup = match &symmetric.split.spec {
            crate::data::SplitSpec::FixedPoints { subgroup } => subgroup.clone(),
            _ => return None,
        };
        let n_pairs = task.n_pairs();
        let in_set = |list: &[usize]| {
            let mut v = vec![false; n_pairs];
            for &k in list {
                if k < n_pairs {
                    v[k] = true;
                }
            }
            v
        };
        let (twin_train, correct, sym_train) = (
            in_set(&twin.split.train_indices),
            in_set(&twin.test_correct),
            in_set(&symmetric.split.train_indices),
        );
        let wrong: Vec<usize> = (0..n_pairs)
            .filter(|&k| !twin_train[k] && !correct[k])
            .collect();
        let n_test = n_pairs - twin.split.train_indices.len();
        if wrong.is_empty() || wrong.len() == n_test || moved.is_empty() {
            return None;
        }
        let tied_to = |k: usize| {
            let (u, v) = task.pair(k);
            moved.iter().any(|&m| {
                let (a, b) = task.pair(m);
                u == a || u == b || v == a || v == b || task.label(u, v) == task.label(a, b)
            })
        };
        let fixed: Vec<usize> = wrong.iter().copied().filter(|&k| !sym_train[k]).collect();
        let (tied, other): (Vec<usize>, Vec<usize>) = wrong
            .iter()
            .copied()
            .partition(|&k| !sym_train[k] && tied_to(k));
        let names = |ks: &[usize]| {
            ks.iter()
                .take(8)
                .map(|&k| {
                    let p = PairRecord::new(task, k);
                    format!("{}:{}", p.a, p.b)
                })
                .chain((ks.len() > 8).then(|| format!("… ({} in all)", ks.len())))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let moved_names = names(moved);
        let plural = |n: usize, one: &str, many: &str| {
            if n == 1 {
                format!("{n} {one}")
            } else {
                format!("{n} {many}")
            }
        };
        let mut text = format!(
            "the twin's {} ({}) {} of {subgroup}",
            plural(wrong.len(), "wrong test pair", "wrong test pairs"),
            names(&wrong),
            if fixed.len() == wrong.len() {
                if wrong.len() == 1 {
                    "is a fixed point".to_string()
                } else {
                    "are all fixed points".to_string()
                }
            } else {
                format!(
                    "include {}",
                    plural(fixed.len(), "fixed point", "fixed points")
                )
            }
        );
        if !tied.is_empty() {
            text.push_str(&format!(
                "; {} tied to the moved pair{} {moved_names} (sharing an operand or the label): {}",
                if tied.len() == 1 {
                    "1 is".to_string()
                } else {
                    format!("{} are", tied.len())
                },
                if moved.len() == 1 { "" } else { "s" },
                names(&tied)
            ));
        }
        Some(TwinMisses {
            n_wrong: wrong.len(),
            n_fixed_points: fixed.len(),
            tied: tied.iter().map(|&k| PairRecord::new(task, k)).collect(),
            other: other.iter().map(|&k| PairRecord::new(task, k)).collect(),
            text,
        })
    }
}

/// The verdict of a comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The symmetric run.
    pub symmetric: RunVerdict,
    /// The twin.
    pub twin: RunVerdict,
    /// One line, e.g. `symmetric: max test acc 0.000 — stays trapped; broken: final 1.000 —
    /// generalizes`; when the twin misses some test pairs, followed by [`TwinMisses::text`].
    pub text: String,
    /// Which test pairs the twin still gets wrong and whether they are fixed points tied to the
    /// moved pair (fixed-points comparisons whose twin is neither perfect nor trapped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub twin_misses: Option<TwinMisses>,
}

impl Verdict {
    /// The verdict for two runs; `twin_label` names the twin in the text.
    pub fn new(symmetric: &RunReport, twin: &RunReport, twin_label: &str) -> Self {
        let (s, t) = (RunVerdict::new(symmetric), RunVerdict::new(twin));
        let text = format!(
            "symmetric: {}; {twin_label}: {}",
            s.describe(),
            t.describe()
        );
        Verdict {
            symmetric: s,
            twin: t,
            text,
            twin_misses: None,
        }
    }
}

/// `symrfm compare`'s output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CompareReport {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Always `"compare"`.
    pub kind: String,
    /// Version of symrfm that wrote the file.
    pub symrfm_version: String,
    /// The command line that produced it.
    pub command_line: Vec<String>,
    /// How the twin differs from the symmetric split (e.g. `move 1 random training pair to test`).
    pub twin_edit: String,
    /// `broken` (random pairs moved) or `orbits-moved` (whole H-orbits moved: H-invariance kept).
    pub twin_label: String,
    /// The pairs moved from train to test in the twin.
    pub moved: Vec<PairRecord>,
    /// The run on the symmetric split.
    pub symmetric: RunReport,
    /// The run on the twin split; absent when the comparison was interrupted before it started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub twin: Option<RunReport>,
    /// Outcome of both runs; absent unless both are complete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// False when the comparison was interrupted (SIGINT/SIGTERM): the file then holds what had
    /// finished, each run marked by its own `complete`. Absent (true) in a complete comparison.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub complete: bool,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

/// One of the two runs of a comparison (`--which`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Which {
    /// The run on the symmetric split.
    Symmetric,
    /// The run on the twin split.
    Twin,
}

impl Which {
    /// `symmetric` or `twin`: the part of output names that tells the two apart.
    pub fn name(self) -> &'static str {
        match self {
            Which::Symmetric => "symmetric",
            Which::Twin => "twin",
        }
    }
}

impl CompareReport {
    /// The runs `which` names, or both (symmetric first) with `None`; an interrupted comparison
    /// may lack its twin.
    pub fn runs(&self, which: Option<Which>) -> Vec<(Which, &RunReport)> {
        [
            (Which::Symmetric, Some(&self.symmetric)),
            (Which::Twin, self.twin.as_ref()),
        ]
        .into_iter()
        .filter_map(|(w, run)| Some((w, run?)))
        .filter(|(w, _)| which.is_none_or(|x| x == *w))
        .collect()
    }

    /// Assembles the report; `moved` are the twin's moved pair indices. A comparison is complete
    /// when both runs are; only then does it carry a verdict.
    pub fn new(
        command_line: Vec<String>,
        task: &Task,
        twin_edit: String,
        twin_label: String,
        moved: &[usize],
        symmetric: RunReport,
        twin: Option<RunReport>,
    ) -> Self {
        let complete = symmetric.complete && twin.as_ref().is_some_and(|t| t.complete);
        let verdict = match &twin {
            Some(twin) if complete => {
                let mut verdict = Verdict::new(&symmetric, twin, &twin_label);
                if verdict.twin.outcome != Outcome::Trapped {
                    verdict.twin_misses = TwinMisses::new(task, &symmetric, twin, moved);
                }
                if let Some(m) = &verdict.twin_misses {
                    verdict.text = format!("{}; {}", verdict.text, m.text);
                }
                Some(verdict)
            }
            _ => None,
        };
        CompareReport {
            schema_version: SCHEMA_VERSION,
            kind: "compare".into(),
            symrfm_version: env!("CARGO_PKG_VERSION").into(),
            command_line,
            twin_edit,
            twin_label,
            moved: moved.iter().map(|&k| PairRecord::new(task, k)).collect(),
            symmetric,
            twin,
            verdict,
            complete,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::{Operation, TaskSpec};

    #[test]
    fn pairs_are_named_by_symbol_values() {
        let t = Task::new(TaskSpec::new(Operation::Mul, 7)).unwrap();
        // symbol index i is residue i + 1: pair (1, 2) is 2 · 3 = 6
        let p = PairRecord::new(&t, 6 + 2);
        assert_eq!(
            (p.a.as_str(), p.b.as_str(), p.label.as_str()),
            ("2", "3", "6")
        );
    }

    #[test]
    fn outcomes_follow_the_thresholds() {
        let o = |max, fin| RunVerdict::from_accuracies(max, fin).outcome;
        assert_eq!(o(0.0, 0.0), Outcome::Trapped);
        assert_eq!(o(0.05, 0.01), Outcome::Trapped);
        assert_eq!(o(0.06, 0.06), Outcome::Partial);
        assert_eq!(o(1.0, 0.95), Outcome::Generalizes);
        assert_eq!(o(1.0, 0.5), Outcome::Partial);
        let v = RunVerdict::from_accuracies(0.0, 0.0).describe();
        assert_eq!(v, "max test acc 0.000 — stays trapped");
        let v = RunVerdict::from_accuracies(1.0, 1.0).describe();
        assert_eq!(v, "final 1.000 — generalizes");
    }
}

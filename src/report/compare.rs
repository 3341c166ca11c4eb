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

/// The verdict of a comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The symmetric run.
    pub symmetric: RunVerdict,
    /// The twin.
    pub twin: RunVerdict,
    /// One line, e.g. `symmetric: max test acc 0.000 — stays trapped; broken: final 1.000 —
    /// generalizes`.
    pub text: String,
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

impl CompareReport {
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
            Some(twin) if complete => Some(Verdict::new(&symmetric, twin, &twin_label)),
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

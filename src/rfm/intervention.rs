//! Interventions on the feature matrix during training, and the dynamics of symmetric traps.
//!
//! An [`Intervention`] (in `params.interventions`) replaces `M_{t+1}` right after the update of
//! iteration t by `(1 − β) M_{t+1} + β T(M_{t+1})`, where T is one of
//! - `commutant { subgroup }`: the projection onto the commutant of a subgroup H,
//!   `P_H(M) = (1/|H|) Σ_h Π(h) M Π(h)ᵀ`;
//! - `group-algebra { subgroup }`: the orthogonal projection onto span{Π(h) : h ∈ H};
//! - `enforce-circulant`: the enforced block-circulant structure of arXiv 2407.20199 (see
//!   [`circulant`](super::circulant) for exactly what is done), with the off-diagonal generator
//!   read from the first column (the paper) or, with `generator: average`, averaged over the
//!   wrapped diagonals ([`circulant_average`](super::circulant_average));
//!
//! from iteration `from` on, every `every` iterations (t = from, from + every, …). Subgroups of the
//! task's Sym_f are named as in [`Subgroup::parse`] (`r`, `s r^3`, `r^16, s` on Dih(A);
//! `r^{(1 2 3)}, r^{(1 2)}` on S_3; `full`, `Sym_f`), plus `stabilizer` (the stabilizer of the
//! training set) and, on group tasks, `rotations` (every `r^x`, the elements that keep the operands
//! in place). `params.exact_symmetry` projects onto the
//! commutant of the stabilizer of the training set after every update, after the listed
//! interventions, so that a symmetric run stays symmetric up to the rounding of one projection.
//!
//! The projections act through [`PermutationGroup`], a plain list of coordinate permutations, so
//! they apply to any group that can list them.
//!
//! **Trap dynamics** ([`TrapDynamics`], always recorded for tasks whose Sym_f lists its
//! elements): for every M_t, the asymmetry `‖M_t − P_S(M_t)‖_F / ‖M_t‖_F` with respect to the
//! stabilizer S of the training set (0 when S is trivial) and its growth rate; and, judged by what
//! happens rather than by a threshold, the test accuracy on the *trapped pairs* (the test pairs
//! outside `Orbit_S(train)`, which a predictor keeping S cannot learn from the training labels)
//! at every iteration, the first iteration where it leaves its value at the first iteration
//! (`escaped_at`, also recorded as `broken_at`) and the asymmetry of M_t at that moment
//! (SCIENCE.md, "The trap record").

use super::circulant::{enforce_circulant_with, CirculantLayout};
use super::circulant_average::CirculantGenerator;
use super::projection::{blend, PermutationGroup};
use super::RfmParams;
use crate::data::Split;
use crate::error::{Error, Result};
use crate::group::Task;
use crate::symmetry::task_symmetry::Method;
use crate::symmetry::{stabilizer, Subgroup, TaskSymmetry};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// Asymmetry that ends the growth phase over which [`TrapDynamics::growth_rate`] is fitted.
pub const TRAP_BROKEN: f64 = 1e-3;

/// What an intervention does to M.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum InterventionKind {
    /// Projection onto the commutant of a subgroup.
    Commutant {
        /// The subgroup's name (`r`, `s r^3`, `rotations`, `stabilizer`, …).
        subgroup: String,
    },
    /// Projection onto the group algebra span{Π(h) : h ∈ H} of a subgroup.
    GroupAlgebra {
        /// The subgroup's name.
        subgroup: String,
    },
    /// The enforced block-circulant structure of arXiv 2407.20199.
    EnforceCirculant,
}

fn one() -> f64 {
    1.0
}

fn one_usize() -> usize {
    1
}

fn is_one(v: &f64) -> bool {
    *v == 1.0
}

fn is_zero(v: &usize) -> bool {
    *v == 0
}

fn is_one_usize(v: &usize) -> bool {
    *v == 1
}

/// One intervention of `params.interventions`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Intervention {
    /// What it does.
    #[serde(flatten)]
    pub kind: InterventionKind,
    /// β ∈ (0, 1]: `M ← (1 − β) M + β T(M)` (default 1).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub strength: f64,
    /// First iteration t whose update is followed by the intervention (default 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub from: usize,
    /// Apply after the updates of t = from, from + every, … (default 1: every update).
    #[serde(default = "one_usize", skip_serializing_if = "is_one_usize")]
    pub every: usize,
    /// How `enforce-circulant` reads the off-diagonal generator: `first-column` (the paper's
    /// procedure, the default, not written) or `average` (the orthogonal projection onto
    /// circulant blocks). Only with `enforce-circulant`.
    #[serde(default, skip_serializing_if = "CirculantGenerator::is_first_column")]
    pub generator: CirculantGenerator,
}

impl Intervention {
    /// An intervention applied after every update, at full strength.
    pub fn new(kind: InterventionKind) -> Self {
        Intervention {
            kind,
            strength: 1.0,
            from: 0,
            every: 1,
            generator: CirculantGenerator::FirstColumn,
        }
    }

    /// Checks strength and schedule (the subgroup is checked against the task in [`Interventions::new`]).
    pub fn validate(&self) -> Result<()> {
        if !(self.strength.is_finite() && self.strength > 0.0 && self.strength <= 1.0) {
            return Err(Error::param(
                "params.interventions.strength",
                self.strength,
                "a number in (0, 1]",
            ));
        }
        if !self.generator.is_first_column() && self.kind != InterventionKind::EnforceCirculant {
            return Err(Error::param(
                "params.interventions.generator",
                self.generator.name(),
                "`first-column` (the default) except with the enforce-circulant intervention",
            ));
        }
        if self.every == 0 {
            return Err(Error::param(
                "params.interventions.every",
                0,
                "an integer ≥ 1",
            ));
        }
        Ok(())
    }

    /// Whether it follows the update of iteration `t`.
    pub fn applies_at(&self, t: usize) -> bool {
        t >= self.from && (t - self.from).is_multiple_of(self.every)
    }
}

#[derive(Clone, Debug)]
enum Action {
    Commutant(PermutationGroup),
    GroupAlgebra(PermutationGroup),
    EnforceCirculant(CirculantLayout),
}

/// The interventions of a run resolved against its task and split, and the trap measure.
#[derive(Clone, Debug)]
pub struct Interventions {
    steps: Vec<(Intervention, Action)>,
    exact: Option<PermutationGroup>,
    /// The stabilizer S of the training set, its name, and the positions in the test set of the
    /// trapped pairs (test pairs outside `Orbit_S(train)`; none when S is trivial).
    trap: Option<(PermutationGroup, String, Vec<usize>)>,
}

impl Interventions {
    /// Resolves `params.interventions` and `params.exact_symmetry` for `task` and `split`.
    /// Errors (naming `params.interventions` or `params.exact_symmetry`) when a projection needs
    /// a group the task does not have, or a subgroup name does not parse.
    pub fn new(task: &Task, split: &Split, params: &RfmParams) -> Result<Self> {
        let sym = TaskSymmetry::of(task);
        let resolve = |subgroup: &str| {
            resolve_subgroup(&sym, &split.train, subgroup).map(|h| permutation_group(&sym, &h))
        };
        let mut steps = Vec::with_capacity(params.interventions.len());
        for iv in &params.interventions {
            iv.validate()?;
            let action = match &iv.kind {
                InterventionKind::Commutant { subgroup } => Action::Commutant(resolve(subgroup)?),
                InterventionKind::GroupAlgebra { subgroup } => {
                    Action::GroupAlgebra(resolve(subgroup)?)
                }
                InterventionKind::EnforceCirculant => Action::EnforceCirculant(
                    CirculantLayout::for_task(task, "params.interventions")?,
                ),
            };
            steps.push((iv.clone(), action));
        }
        let trap = stabilizer(&sym, &split.train).map(|s| {
            let trapped = if s.is_trivial() {
                Vec::new()
            } else {
                let in_orbit = s.orbit_of_set(&sym, &split.train);
                (0..split.test.len())
                    .filter(|&i| in_orbit.binary_search(&split.test[i]).is_err())
                    .collect()
            };
            (permutation_group(&sym, &s), s.name(&sym), trapped)
        });
        let exact = if params.exact_symmetry {
            let (s, _, _) = trap.clone().ok_or_else(|| {
                Error::param(
                    "params.exact_symmetry",
                    task.describe(),
                    "a task whose Sym_f lists its elements (the stabilizer is computed from them)",
                )
            })?;
            Some(s)
        } else {
            None
        };
        Ok(Interventions { steps, exact, trap })
    }

    /// Whether nothing is applied (M stays exactly what the update produced).
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty() && self.exact.is_none()
    }

    /// Applies the interventions due after the update of iteration `t` to `m` = M_{t+1}, in
    /// order, then the exact-symmetry projection.
    pub fn apply(&self, t: usize, m: &mut Array2<f64>) -> Result<()> {
        for (iv, action) in &self.steps {
            if !iv.applies_at(t) {
                continue;
            }
            let target = match action {
                Action::Commutant(h) => h.commutant_projection(m.view()),
                Action::GroupAlgebra(h) => {
                    h.group_algebra_projection(m.view()).map_err(|e| match e {
                        Error::Numerical { what, .. } => Error::Numerical { iteration: t, what },
                        e => e,
                    })?
                }
                Action::EnforceCirculant(layout) => {
                    enforce_circulant_with(m.view(), layout, iv.generator)
                }
            };
            blend(m, &target, iv.strength);
        }
        if let Some(s) = &self.exact {
            if !s.is_trivial() {
                let p = s.commutant_projection(m.view());
                m.assign(&p);
            }
        }
        Ok(())
    }

    /// A recorder of the trap dynamics, or `None` for tasks without a group.
    pub fn trap_recorder(&self) -> Option<TrapRecorder<'_>> {
        self.trap
            .as_ref()
            .map(|(group, name, trapped)| TrapRecorder {
                group,
                trapped,
                first: None,
                dynamics: TrapDynamics {
                    stabilizer: name.clone(),
                    stabilizer_order: group.order(),
                    asymmetry: Vec::new(),
                    growth_rate: None,
                    broken_at: None,
                    trapped_pairs: trapped.len(),
                    trapped_accuracy: Vec::new(),
                    escaped_at: None,
                    escape_asymmetry: None,
                },
            })
    }
}

/// The parameter named by errors about a subgroup name.
const SUBGROUP: &str = "params.interventions.subgroup";

/// The coordinate permutations of `h`, in element order.
fn permutation_group(sym: &TaskSymmetry, h: &Subgroup) -> PermutationGroup {
    PermutationGroup::from_coordinate_permutations(2 * sym.n(), &h.permutations(sym))
}

/// Resolves a subgroup name of `params.interventions[].subgroup`: `stabilizer` (of the training
/// set), `rotations` (the elements `r^x` of a group task, those keeping the operands in place),
/// `full` or `Sym_f`, or a generator list for [`Subgroup::parse`]. Errors name
/// `params.interventions.subgroup`.
pub fn resolve_subgroup(sym: &TaskSymmetry, train: &[usize], name: &str) -> Result<Subgroup> {
    let text = name.trim();
    if sym.is_empty() {
        return Err(Error::param(
            SUBGROUP,
            text,
            format!(
                "a subgroup of a Sym_f whose elements are listed; this one's are not kept (order {})",
                sym.order_text()
            ),
        ));
    }
    match text {
        "stabilizer" => Ok(stabilizer(sym, train).unwrap_or_else(|| Subgroup::trivial(sym))),
        "Sym_f" => Ok(Subgroup::full(sym)),
        "rotations" => {
            if sym.method() != Method::Construction {
                return Err(Error::param(
                    SUBGROUP,
                    text,
                    "`rotations` (the elements r^g of a group task) only on a group task; this \
                     task's Sym_f was found by search and has no rotations: name elements of \
                     Sym_f, or `full`, `stabilizer`",
                ));
            }
            let rotations: Vec<usize> = (0..sym.len()).filter(|&g| !sym.is_swap_index(g)).collect();
            Ok(Subgroup::closure(sym, &rotations))
        }
        other => Subgroup::parse(sym, other).map_err(|e| match e {
            Error::InvalidParameter { value, allowed, .. } => Error::InvalidParameter {
                name: SUBGROUP,
                value,
                allowed: if sym.is_dihedral() {
                    format!("{allowed}; or `rotations`, `stabilizer`")
                } else {
                    format!("{allowed}; or `full`, `rotations`, `stabilizer`")
                },
            },
            e => e,
        }),
    }
}

/// The asymmetry of M_t with respect to the stabilizer S of the training set over a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrapDynamics {
    /// The name of S (e.g. `<s>`, `trivial`).
    pub stabilizer: String,
    /// |S|.
    pub stabilizer_order: usize,
    /// `‖M_t − P_S(M_t)‖_F / ‖M_t‖_F` for t = 0, 1, …, T (M_0 first, the final M last); all 0 when
    /// S is trivial.
    pub asymmetry: Vec<f64>,
    /// Least-squares slope of ln(asymmetry) against t, over the t with asymmetry > 0 up to and
    /// including the first one above [`TRAP_BROKEN`] (the growth phase); `exp(growth_rate)` is the
    /// factor per iteration. Absent with fewer than two positive values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub growth_rate: Option<f64>,
    /// The trap broken, judged by the outcome: the same as [`escaped_at`](Self::escaped_at).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broken_at: Option<usize>,
    /// The number of trapped pairs: the test pairs outside `Orbit_S(train)` (0, and absent, when
    /// S is trivial).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub trapped_pairs: usize,
    /// The test accuracy on the trapped pairs at every iteration t (the predictor with M_t), in
    /// iteration order; empty without trapped pairs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trapped_accuracy: Vec<f64>,
    /// The first iteration t at which the accuracy on the trapped pairs differs from its value at
    /// the first iteration: the run left the trap. Absent if it never did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escaped_at: Option<usize>,
    /// The asymmetry of M_t at [`escaped_at`](Self::escaped_at).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escape_asymmetry: Option<f64>,
}

impl TrapDynamics {
    /// Computes [`growth_rate`](Self::growth_rate) from [`asymmetry`](Self::asymmetry), and
    /// [`escaped_at`](Self::escaped_at), [`escape_asymmetry`](Self::escape_asymmetry) and
    /// [`broken_at`](Self::broken_at) from [`trapped_accuracy`](Self::trapped_accuracy), whose
    /// first entry is iteration `first` (the asymmetry series starts with M_first).
    pub fn summarize(&mut self, first: usize) {
        let escape = self
            .trapped_accuracy
            .iter()
            .position(|&a| a != self.trapped_accuracy[0]);
        self.escaped_at = escape.map(|i| first + i);
        self.escape_asymmetry = escape.and_then(|i| self.asymmetry.get(i).copied());
        self.broken_at = self.escaped_at;
        let growth_end = self.asymmetry.iter().position(|&a| a > TRAP_BROKEN);
        let end = growth_end.map_or(self.asymmetry.len(), |b| b + 1);
        let points: Vec<(f64, f64)> = self.asymmetry[..end]
            .iter()
            .enumerate()
            .filter(|(_, &a)| a > 0.0 && a.is_finite())
            .map(|(t, &a)| (t as f64, a.ln()))
            .collect();
        self.growth_rate = least_squares_slope(&points);
    }
}

/// Slope of the least-squares line through `points`; `None` with fewer than two distinct x.
pub fn least_squares_slope(points: &[(f64, f64)]) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let k = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / k;
    let my = points.iter().map(|p| p.1).sum::<f64>() / k;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Collects the asymmetry of each M_t and the accuracy on the trapped pairs during training.
#[derive(Debug)]
pub struct TrapRecorder<'a> {
    group: &'a PermutationGroup,
    trapped: &'a [usize],
    first: Option<usize>,
    dynamics: TrapDynamics,
}

impl TrapRecorder<'_> {
    /// Records the asymmetry of the next M_t.
    pub fn push(&mut self, m: &Array2<f64>) {
        self.dynamics.asymmetry.push(self.group.asymmetry(m.view()));
    }

    /// Whether the split has trapped pairs (the stabilizer is not trivial).
    pub fn has_trapped_pairs(&self) -> bool {
        !self.trapped.is_empty()
    }

    /// Records the accuracy on the trapped pairs at iteration `t`, from the hits of the test
    /// predictions (parallel to the test set).
    pub fn observe(&mut self, t: usize, test_hits: &[bool]) {
        self.first.get_or_insert(t);
        if self.trapped.is_empty() {
            return;
        }
        let hits = self.trapped.iter().filter(|&&i| test_hits[i]).count();
        self.dynamics
            .trapped_accuracy
            .push(hits as f64 / self.trapped.len() as f64);
    }

    /// The finished record.
    pub fn finish(mut self) -> TrapDynamics {
        self.dynamics.summarize(self.first.unwrap_or(0));
        self.dynamics
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::SplitSpec;
    use crate::group::{Operation, TaskSpec};

    #[test]
    fn schedule() {
        let iv = Intervention {
            from: 3,
            every: 2,
            ..Intervention::new(InterventionKind::EnforceCirculant)
        };
        let at: Vec<usize> = (0..10).filter(|&t| iv.applies_at(t)).collect();
        assert_eq!(at, vec![3, 5, 7, 9]);
    }

    #[test]
    fn serde_is_compact_and_round_trips() {
        let iv = Intervention::new(InterventionKind::Commutant {
            subgroup: "r".into(),
        });
        let text = serde_json::to_string(&iv).unwrap();
        assert_eq!(text, r#"{"kind":"commutant","subgroup":"r"}"#);
        let back: Intervention = serde_json::from_str(&text).unwrap();
        assert_eq!(back, iv);
        let iv2: Intervention = serde_json::from_str(
            r#"{"kind":"enforce-circulant","strength":0.5,"from":2,"every":3}"#,
        )
        .unwrap();
        assert_eq!(iv2.strength, 0.5);
        assert_eq!((iv2.from, iv2.every), (2, 3));
        assert_eq!(iv2.kind, InterventionKind::EnforceCirculant);
        let ga: Intervention =
            serde_json::from_str(r#"{"kind":"group-algebra","subgroup":"rotations"}"#).unwrap();
        assert_eq!(
            ga.kind,
            InterventionKind::GroupAlgebra {
                subgroup: "rotations".into()
            }
        );
    }

    #[test]
    fn bad_values_name_their_spec_parameter() {
        let mut iv = Intervention::new(InterventionKind::EnforceCirculant);
        iv.strength = 0.0;
        assert!(iv
            .validate()
            .unwrap_err()
            .to_string()
            .contains("params.interventions.strength"));
        iv.strength = 1.0;
        iv.every = 0;
        assert!(iv
            .validate()
            .unwrap_err()
            .to_string()
            .contains("params.interventions.every"));

        let task = Task::new(TaskSpec::new(Operation::Add, 7)).unwrap();
        let split = Split::build(
            &task,
            &SplitSpec::Random {
                fraction: 0.5,
                seed: 0,
            },
        )
        .unwrap();
        let params = RfmParams {
            interventions: vec![Intervention::new(InterventionKind::Commutant {
                subgroup: "q^2".into(),
            })],
            ..RfmParams::default()
        };
        let e = Interventions::new(&task, &split, &params).unwrap_err();
        assert!(e.to_string().contains("params.interventions"), "{e}");
        assert!(!e.to_string().contains("--"), "{e}");

        let poly = Task::new(TaskSpec::new(Operation::SquareSum, 7)).unwrap();
        let split = Split::build(
            &poly,
            &SplitSpec::Random {
                fraction: 0.5,
                seed: 0,
            },
        )
        .unwrap();
        let params = RfmParams {
            exact_symmetry: true,
            ..RfmParams::default()
        };
        // x² + y² has a Sym_f (the swap, a ↦ −a on each operand): exact symmetry applies, and
        // there is a trap record
        assert!(Interventions::new(&poly, &split, &params).is_ok());
        let none = Interventions::new(&poly, &split, &RfmParams::default()).unwrap();
        assert!(none.is_empty() && none.trap_recorder().is_some());
    }

    #[test]
    fn trap_summary() {
        let mut d = TrapDynamics {
            stabilizer: "<s>".into(),
            stabilizer_order: 2,
            asymmetry: vec![
                0.0, 1e-16, 1e-14, 1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 0.3, 0.3,
            ],
            growth_rate: None,
            broken_at: None,
            trapped_pairs: 4,
            trapped_accuracy: vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.25],
            escaped_at: None,
            escape_asymmetry: None,
        };
        d.summarize(0);
        // the growth phase ends at the first asymmetry above 1e-3 (t = 8); the accuracy on the
        // trapped pairs first moves at t = 9, where the asymmetry is 0.3
        let rate = d.growth_rate.unwrap();
        assert!((rate - 100f64.ln()).abs() < 1e-9, "{rate}");
        assert_eq!((d.escaped_at, d.broken_at), (Some(9), Some(9)));
        assert_eq!(d.escape_asymmetry, Some(0.3));
        // a resumed run counts iterations from where it started
        d.summarize(5);
        assert_eq!(d.escaped_at, Some(14));
        d.asymmetry = vec![0.0; 5];
        d.trapped_accuracy = vec![0.5; 4];
        d.summarize(0);
        assert_eq!(
            (d.broken_at, d.growth_rate, d.escaped_at),
            (None, None, None)
        );
    }

    #[test]
    fn stabilizer_and_rotations_resolve() {
        let task = Task::new(TaskSpec::new(Operation::Add, 7)).unwrap();
        let dih = TaskSymmetry::of(&task);
        let split = Split::build(
            &task,
            &SplitSpec::FixedPoints {
                subgroup: "s r^2".into(),
            },
        )
        .unwrap();
        assert_eq!(
            resolve_subgroup(&dih, &split.train, "stabilizer")
                .unwrap()
                .name(&dih),
            "<s r^2>"
        );
        assert_eq!(
            resolve_subgroup(&dih, &split.train, "rotations")
                .unwrap()
                .order(),
            7
        );
        assert_eq!(
            resolve_subgroup(&dih, &split.train, "r^3, s")
                .unwrap()
                .order(),
            14
        );
    }
}

#[cfg(test)]
mod sym_f_tests {
    use super::*;
    use crate::data::SplitSpec;
    use crate::group::{Operation, TaskSpec};
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The resolution as the interventions see it.
    struct G(TaskSymmetry);
    impl G {
        fn of(t: &Task) -> Self {
            G(TaskSymmetry::of(t))
        }
        fn subgroup(&self, split: &Split, name: &str) -> Result<Option<PermutationGroup>> {
            resolve_subgroup(&self.0, &split.train, name)
                .map(|h| Some(permutation_group(&self.0, &h)))
        }
        fn stabilizer(&self, split: &Split) -> Option<(PermutationGroup, String)> {
            stabilizer(&self.0, &split.train)
                .map(|s| (permutation_group(&self.0, &s), s.name(&self.0)))
        }
    }

    fn named(op: Operation, group: &str) -> Task {
        Task::new(TaskSpec::on_group(op, group)).unwrap()
    }

    fn random_split(task: &Task) -> Split {
        Split::build(
            task,
            &SplitSpec::Random {
                fraction: 0.5,
                seed: 0,
            },
        )
        .unwrap()
    }

    fn frob(a: &Array2<f64>) -> f64 {
        a.iter().map(|v| v * v).sum::<f64>().sqrt()
    }

    fn inner(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn names_resolve_on_a_non_abelian_group() {
        let t = named(Operation::Mul, "S4");
        let g = G::of(&t);
        let split = random_split(&t);
        let order = |name: &str| g.subgroup(&split, name).unwrap().unwrap().order();
        assert_eq!(order("full"), 24);
        assert_eq!(order("Sym_f"), 24);
        // no swaps on a non-abelian group: the rotations are all of Sym_f
        assert_eq!(order("rotations"), 24);
        assert_eq!(order("r^{(1 2 3 4)}"), 4);
        assert_eq!(order("r^{(1 2 3)}, r^{(1 2)}"), 6);
        // a random split of S4 has a trivial stabilizer
        assert_eq!(order("stabilizer"), 1);
        let (s, name) = g.stabilizer(&split).unwrap();
        assert_eq!((s.order(), name.as_str()), (1, "trivial"));
        // an orbit split under H: its stabilizer contains H
        let (orbit, _) = SplitSpec::Orbit {
            subgroup: "r^{(1 2 3)}".into(),
            fraction: 0.5,
            seed: 1,
        }
        .resolve(&t)
        .unwrap();
        let (s, name) = g.stabilizer(&orbit).unwrap();
        assert!(s.order() >= 3 && s.order().is_multiple_of(3), "{name}");
        assert_ne!(name, "trivial");
    }

    #[test]
    fn bad_names_name_the_spec_parameter() {
        let t = named(Operation::Mul, "S3");
        let g = G::of(&t);
        let split = random_split(&t);
        for bad in ["q", "r^{(1 4)}", "r^3"] {
            let e = g.subgroup(&split, bad).unwrap_err().to_string();
            assert!(e.contains("params.interventions.subgroup"), "{e}");
            assert!(e.contains("rotations") && !e.contains("--"), "{e}");
        }
        // rotations mean nothing on a searched Sym_f
        let mut s = TaskSpec::new(Operation::GraphDistance, 0);
        s.graph = Some("cycle:6".into());
        let c = Task::new(s).unwrap();
        let g = G::of(&c);
        let split = random_split(&c);
        let e = g.subgroup(&split, "rotations").unwrap_err().to_string();
        assert!(
            e.contains("params.interventions.subgroup") && e.contains("search"),
            "{e}"
        );
        assert_eq!(g.subgroup(&split, "full").unwrap().unwrap().order(), 24);
        assert_eq!(g.subgroup(&split, "s").unwrap().unwrap().order(), 2);
    }

    /// The issue's unit checks for a non-abelian H: both projections idempotent and orthogonal,
    /// the commutant projection the dense average (1/|H|) Σ Π M Πᵀ.
    #[test]
    fn projections_for_non_abelian_subgroups_are_orthogonal_projections() {
        let mut rng = ChaCha8Rng::seed_from_u64(21);
        for (op, group, h) in [
            (Operation::Mul, "S4", "r^{(1 2 3)}, r^{(1 2)}"),
            (Operation::Mul, "D6", "full"),
            (Operation::Div, "Q8", "rotations"),
            (Operation::Mul, "A4", "r^{(1 2)(3 4)}, r^{(1 3)(2 4)}"),
        ] {
            let t = named(op, group);
            let sym = TaskSymmetry::of(&t);
            let g = G(sym.clone());
            let split = random_split(&t);
            let grp = g.subgroup(&split, h).unwrap().unwrap();
            let d = grp.dim();
            let m = Array2::from_shape_fn((d, d), |_| rng.random::<f64>() - 0.5);
            let n = Array2::from_shape_fn((d, d), |_| rng.random::<f64>() - 0.5);
            let mut naive = Array2::<f64>::zeros((d, d));
            for p in grp.permutations() {
                let u: Vec<u32> = p.iter().map(|&v| v as u32).collect();
                let pi = sym.permutation_matrix(&u);
                naive += &pi.dot(&m).dot(&pi.t());
                assert!(sym.preserves_labels(&t, &u), "{group} {h}");
            }
            naive /= grp.order() as f64;
            let p = grp.commutant_projection(m.view());
            assert!(frob(&(&p - &naive)) <= 1e-13 * frob(&m), "{group} {h}");
            let pp = grp.commutant_projection(p.view());
            assert!(frob(&(&pp - &p)) <= 1e-13 * frob(&m));
            let pn = grp.commutant_projection(n.view());
            assert!(inner(&(&m - &p), &pn).abs() <= 1e-12 * frob(&m) * frob(&n));
            let a = grp.group_algebra_projection(m.view()).unwrap();
            let aa = grp.group_algebra_projection(a.view()).unwrap();
            assert!(frob(&(&aa - &a)) <= 1e-12 * frob(&m));
            let an = grp.group_algebra_projection(n.view()).unwrap();
            assert!(inner(&(&m - &a), &an).abs() <= 1e-12 * frob(&m) * frob(&n));
            for q in grp.permutations() {
                let u: Vec<u32> = q.iter().map(|&v| v as u32).collect();
                let pi = sym.permutation_matrix(&u);
                assert!(inner(&(&m - &a), &pi).abs() <= 1e-12 * frob(&m));
            }
        }
    }

    #[test]
    fn dihedral_tasks_keep_todays_resolution() {
        let t = Task::new(TaskSpec::new(Operation::Add, 7)).unwrap();
        let g = G::of(&t);
        let split = random_split(&t);
        assert_eq!(g.subgroup(&split, "Sym_f").unwrap().unwrap().order(), 14);
        assert_eq!(g.subgroup(&split, "rotations").unwrap().unwrap().order(), 7);
        // a polynomial control has its searched Sym_f: x² + y² keeps the swap and a ↦ −a
        let poly = Task::new(TaskSpec::new(Operation::SquareSum, 7)).unwrap();
        let g = G::of(&poly);
        assert!(g.0.has_swaps() && g.0.order() > Some(2));
        assert!(g.stabilizer(&random_split(&poly)).is_some());
    }
}

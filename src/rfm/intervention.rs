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
//! from iteration `from` on, every `every` iterations (t = from, from + every, …). On Dih(A)
//! subgroups are named as in [`Subgroup::parse`](crate::symmetry::Subgroup::parse) (`r`, `s r^3`,
//! `r^16, s`, `full`), plus `rotations` (all `r^x`) and `stabilizer` (the stabilizer of the
//! training set); on the Sym_f of any other task by its element names (`r^{(1 2 3)}, r^{(1 2)}` on
//! S_3), `full`, `stabilizer`, and `rotations` on group tasks (see
//! [`generic_intervention`](super::generic_intervention)). `params.exact_symmetry` projects onto the
//! commutant of the stabilizer of the training set after every update, after the listed
//! interventions, so that a symmetric run stays symmetric up to the rounding of one projection.
//!
//! The projections act through [`PermutationGroup`], a plain list of coordinate permutations, so
//! they apply to any group that can list them.
//!
//! **Trap dynamics** ([`TrapDynamics`], always recorded for tasks with a symmetry group whose
//! elements are listed: Dih(A) or a listed Sym_f): for every M_t, the
//! asymmetry `‖M_t − P_S(M_t)‖_F / ‖M_t‖_F` with respect to the stabilizer S of the training set
//! (0 when S is trivial), its growth rate and the first t where it exceeds [`TRAP_BROKEN`].

use super::circulant::{enforce_circulant_with, CirculantLayout};
use super::circulant_average::CirculantGenerator;
#[cfg(test)]
use super::generic_intervention::resolve_dihedral as resolve_subgroup;
use super::generic_intervention::TaskGroup;
use super::projection::{blend, PermutationGroup};
use super::RfmParams;
use crate::data::Split;
use crate::error::{Error, Result};
use crate::group::Task;
#[cfg(test)]
use crate::symmetry::DihedralGroup;
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// Asymmetry above which a symmetric trap counts as broken.
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
    /// The stabilizer S of the training set (tasks on a group only) and its name.
    trap: Option<(PermutationGroup, String)>,
}

impl Interventions {
    /// Resolves `params.interventions` and `params.exact_symmetry` for `task` and `split`.
    /// Errors (naming `params.interventions` or `params.exact_symmetry`) when a projection needs
    /// a group the task does not have, or a subgroup name does not parse.
    pub fn new(task: &Task, split: &Split, params: &RfmParams) -> Result<Self> {
        let group = TaskGroup::of(task);
        let need_group = |name: &'static str| {
            Error::param(
                name,
                task.describe(),
                "a task with a symmetry group (a group task, a graph, a comparison, a table): \
                 projections need it",
            )
        };
        let resolve = |subgroup: &str| {
            group
                .subgroup(split, subgroup)?
                .ok_or_else(|| need_group("params.interventions"))
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
        let trap = group.stabilizer(split);
        let exact = if params.exact_symmetry {
            if !group.is_some() {
                return Err(need_group("params.exact_symmetry"));
            }
            let (s, _) = trap.clone().ok_or_else(|| {
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
        self.trap.as_ref().map(|(group, name)| TrapRecorder {
            group,
            dynamics: TrapDynamics {
                stabilizer: name.clone(),
                stabilizer_order: group.order(),
                asymmetry: Vec::new(),
                growth_rate: None,
                broken_at: None,
            },
        })
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
    /// The first t with asymmetry > [`TRAP_BROKEN`] ("trap broken"), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broken_at: Option<usize>,
}

impl TrapDynamics {
    /// Computes [`growth_rate`](Self::growth_rate) and [`broken_at`](Self::broken_at) from
    /// [`asymmetry`](Self::asymmetry).
    pub fn summarize(&mut self) {
        self.broken_at = self.asymmetry.iter().position(|&a| a > TRAP_BROKEN);
        let end = self.broken_at.map_or(self.asymmetry.len(), |b| b + 1);
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

/// Collects the asymmetry of each M_t during training.
#[derive(Debug)]
pub struct TrapRecorder<'a> {
    group: &'a PermutationGroup,
    dynamics: TrapDynamics,
}

impl TrapRecorder<'_> {
    /// Records the asymmetry of the next M_t.
    pub fn push(&mut self, m: &Array2<f64>) {
        self.dynamics.asymmetry.push(self.group.asymmetry(m.view()));
    }

    /// The finished record.
    pub fn finish(mut self) -> TrapDynamics {
        self.dynamics.summarize();
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
        let e = Interventions::new(&poly, &split, &params).unwrap_err();
        assert!(e.to_string().contains("params.exact_symmetry"), "{e}");
        // without interventions a polynomial task is fine, and has no trap record
        let none = Interventions::new(&poly, &split, &RfmParams::default()).unwrap();
        assert!(none.is_empty() && none.trap_recorder().is_none());
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
        };
        d.summarize();
        assert_eq!(d.broken_at, Some(8));
        let rate = d.growth_rate.unwrap();
        assert!((rate - 100f64.ln()).abs() < 1e-9, "{rate}");
        d.asymmetry = vec![0.0; 5];
        d.summarize();
        assert_eq!((d.broken_at, d.growth_rate), (None, None));
    }

    #[test]
    fn stabilizer_and_rotations_resolve() {
        let task = Task::new(TaskSpec::new(Operation::Add, 7)).unwrap();
        let dih = DihedralGroup::new(&task).unwrap();
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

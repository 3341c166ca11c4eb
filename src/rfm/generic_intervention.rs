//! The symmetry group an intervention acts through, for any task: Dih(A) for the abelian tasks
//! (today's names and behaviour, unchanged), the computed Sym_f ([`TaskSymmetry`]) for every task
//! of the generic layer (non-abelian groups, graphs, comparisons, tables, …).
//!
//! Subgroup names of `params.interventions[].subgroup` resolve as follows:
//!
//! | name | Dih(A) tasks | generic Sym_f tasks |
//! |---|---|---|
//! | `stabilizer` | stabilizer of the training set in Dih(A) | the same in Sym_f ([`generic_stabilizer`]) |
//! | `full`, `Sym_f` | Dih(A) | all of Sym_f |
//! | `rotations` | all `r^x` | the elements `r^g` (no operand swap) of a group task; an error for tasks whose Sym_f was searched (graphs, comparisons, tables), where no element is a "rotation" |
//! | generators | [`Subgroup::parse`] (`r^3, s`) | [`GenericSubgroup::parse`] on the element names of Sym_f (`r^{(1 2 3)}, r^{(1 2)}`) |
//!
//! The projections themselves act through [`PermutationGroup`], the same code for both.

use super::projection::PermutationGroup;
use crate::data::Split;
use crate::error::{Error, Result};
use crate::group::Task;
use crate::symmetry::generic::Method;
use crate::symmetry::{
    generic_stabilizer, stabilizer, uses_generic_symmetry, DihElement, DihedralGroup,
    GenericSubgroup, Subgroup, SymmetryReport, TaskSymmetry,
};

/// The parameter named by errors about a subgroup name.
const SUBGROUP: &str = "params.interventions.subgroup";

/// The symmetry group of a task as far as interventions and trap dynamics are concerned.
#[derive(Clone, Debug)]
pub enum TaskGroup<'a> {
    /// Dih(A), for the tasks on an abelian group written as today (add, sub, mul, div).
    Dihedral(DihedralGroup<'a>),
    /// The computed Sym_f of a task of the generic layer.
    Generic(TaskSymmetry),
    /// No symmetry group (the polynomial controls, `mul`/`div` keeping 0): no projection, no trap
    /// record, as in the first release.
    None,
}

impl<'a> TaskGroup<'a> {
    /// The group of `task` (see the variants).
    pub fn of(task: &'a Task) -> Self {
        if let Ok(dih) = DihedralGroup::new(task) {
            TaskGroup::Dihedral(dih)
        } else if uses_generic_symmetry(task) {
            TaskGroup::Generic(TaskSymmetry::of(task))
        } else {
            TaskGroup::None
        }
    }

    /// Whether the task has a group to project with.
    pub fn is_some(&self) -> bool {
        !matches!(self, TaskGroup::None)
    }

    /// Resolves a subgroup name (see the module docs) to its coordinate permutations. Errors name
    /// `params.interventions.subgroup`; `None` is returned for [`TaskGroup::None`].
    pub fn subgroup(&self, split: &Split, name: &str) -> Result<Option<PermutationGroup>> {
        match self {
            TaskGroup::Dihedral(dih) => {
                let h = resolve_dihedral(dih, &split.train, name)?;
                Ok(Some(PermutationGroup::from_subgroup(dih, &h)))
            }
            TaskGroup::Generic(sym) => resolve_generic(sym, split, name).map(Some),
            TaskGroup::None => Ok(None),
        }
    }

    /// The stabilizer S of the training set with its name (as in the split's symmetry report),
    /// or `None` without a group or when the element list of Sym_f is not kept.
    pub fn stabilizer(&self, split: &Split) -> Option<(PermutationGroup, String)> {
        match self {
            TaskGroup::Dihedral(dih) => {
                let s = stabilizer(dih, &split.train);
                Some((PermutationGroup::from_subgroup(dih, &s), s.name(dih)))
            }
            TaskGroup::Generic(sym) => generic_stabilizer_group(sym, split),
            TaskGroup::None => None,
        }
    }
}

/// Resolves a subgroup name on Dih(A): `stabilizer`, `rotations`, `Sym_f` (= `full`), or a
/// [`Subgroup::parse`] name.
pub(crate) fn resolve_dihedral(
    dih: &DihedralGroup,
    train: &[usize],
    name: &str,
) -> Result<Subgroup> {
    match name.trim() {
        "stabilizer" => Ok(stabilizer(dih, train)),
        "rotations" => {
            let all: Vec<DihElement> = dih.rotations().collect();
            Ok(Subgroup::closure(dih, &all))
        }
        "Sym_f" => Ok(Subgroup::full(dih)),
        other => Subgroup::parse(dih, other).map_err(|e| match e {
            Error::InvalidParameter { value, allowed, .. } => Error::InvalidParameter {
                name: SUBGROUP,
                value,
                allowed: format!("{allowed}; or `rotations`, `stabilizer`"),
            },
            e => e,
        }),
    }
}

fn from_elements(sym: &TaskSymmetry, elements: &[Vec<u32>]) -> PermutationGroup {
    PermutationGroup::from_coordinate_permutations(2 * sym.n(), elements)
}

fn generic_stabilizer_group(
    sym: &TaskSymmetry,
    split: &Split,
) -> Option<(PermutationGroup, String)> {
    let els = sym.elements()?;
    let idx = generic_stabilizer(sym, &split.train)?;
    let members: Vec<Vec<u32>> = idx.iter().map(|&i| els[i].clone()).collect();
    let name = if idx.len() <= 1 {
        "trivial".to_string()
    } else {
        SymmetryReport::generic(sym, split, None)?.stabilizer_name
    };
    Some((from_elements(sym, &members), name))
}

/// Resolves a subgroup name on the generic Sym_f.
fn resolve_generic(sym: &TaskSymmetry, split: &Split, name: &str) -> Result<PermutationGroup> {
    let text = name.trim();
    let unlisted = || {
        Error::param(
            SUBGROUP,
            text,
            format!(
                "a subgroup of a Sym_f whose elements are listed; this one's are not kept (order {})",
                sym.order_text()
            ),
        )
    };
    match text {
        "stabilizer" => generic_stabilizer_group(sym, split)
            .map(|(g, _)| g)
            .ok_or_else(unlisted),
        "full" | "Sym_f" => {
            let h = GenericSubgroup::whole(sym).ok_or_else(unlisted)?;
            Ok(from_elements(sym, &h.elements))
        }
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
            let els = sym.elements().ok_or_else(unlisted)?;
            let rotations: Vec<Vec<u32>> =
                els.iter().filter(|p| !sym.is_swap(p)).cloned().collect();
            Ok(from_elements(sym, &rotations))
        }
        other => {
            let h = GenericSubgroup::parse(sym, other).map_err(|e| match e {
                Error::InvalidParameter { value, allowed, .. } => Error::InvalidParameter {
                    name: SUBGROUP,
                    value,
                    allowed: format!("{allowed}; or `full`, `rotations`, `stabilizer`"),
                },
                e => e,
            })?;
            Ok(from_elements(sym, &h.elements))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::SplitSpec;
    use crate::group::{Operation, TaskSpec};
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

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
        let g = TaskGroup::of(&t);
        assert!(matches!(g, TaskGroup::Generic(_)));
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
        let g = TaskGroup::of(&t);
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
        let g = TaskGroup::of(&c);
        let split = random_split(&c);
        let e = g.subgroup(&split, "rotations").unwrap_err().to_string();
        assert!(
            e.contains("params.interventions.subgroup") && e.contains("search"),
            "{e}"
        );
        assert_eq!(g.subgroup(&split, "full").unwrap().unwrap().order(), 24);
        assert_eq!(g.subgroup(&split, "s").unwrap().unwrap().order(), 2);
    }

    /// The unit checks for a non-abelian H: both projections idempotent and orthogonal,
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
            let TaskGroup::Generic(sym) = TaskGroup::of(&t) else {
                panic!("{group} is generic");
            };
            let g = TaskGroup::Generic(sym.clone());
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
        let g = TaskGroup::of(&t);
        let TaskGroup::Dihedral(dih) = &g else {
            panic!("add is dihedral");
        };
        let split = random_split(&t);
        assert_eq!(g.subgroup(&split, "Sym_f").unwrap().unwrap().order(), 14);
        assert_eq!(
            resolve_dihedral(dih, &split.train, "rotations")
                .unwrap()
                .order(),
            7
        );
        let poly = Task::new(TaskSpec::new(Operation::SquareSum, 7)).unwrap();
        let g = TaskGroup::of(&poly);
        assert!(!g.is_some());
        assert!(g.stabilizer(&random_split(&poly)).is_none());
    }
}

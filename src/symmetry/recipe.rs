//! Building the symmetry-controlled [`SplitSpec`]s: fixed points, orbit splits and edits.
//!
//! [`SplitSpec::resolve`] dispatches here for every spec that needs the task's symmetry group
//! Sym_f ([`TaskSymmetry`]) or edits a split. Errors name the `symrfm run` flag that sets the offending part of the spec (`--subgroup`,
//! `--move-random`, `--move-orbits`, `--move-to-train`, `--hold-out`), since specs are written by
//! that command and read back from its outputs.

use super::splits::{
    fixed_points_split, hold_out, move_orbits_to_test, move_random_train_to_test,
    move_test_to_train, orbit_split,
};
use super::subgroup::Subgroup;
use super::task_symmetry::TaskSymmetry;
use crate::data::{Split, SplitEdit, SplitSpec};
use crate::error::{Error, Result};
use crate::group::Task;

impl SplitSpec {
    /// Builds the split and returns it with the spec as it should be recorded: the same spec with
    /// the `moved` pairs of every seeded edit filled in. Errors when a recorded `moved` list
    /// disagrees with what the seed gives now.
    pub fn resolve(&self, task: &Task) -> Result<(Split, SplitSpec)> {
        match self {
            SplitSpec::Random { fraction, seed } => Ok((
                Split::random(task.n_pairs(), *fraction, *seed)?,
                self.clone(),
            )),
            SplitSpec::File { path } => Ok((Split::from_csv(task, path)?, self.clone())),
            SplitSpec::FixedPoints { .. } | SplitSpec::Orbit { .. } | SplitSpec::Edited { .. } => {
                resolve(task, self)
            }
        }
    }
}

impl Split {
    /// Builds the split described by `spec` for `task`.
    pub fn build(task: &Task, spec: &SplitSpec) -> Result<Self> {
        spec.resolve(task).map(|(split, _)| split)
    }
}

/// Builds `spec` (any kind) for `task` and returns the split with the spec as recorded: subgroups
/// by their canonical names, `moved` filled in for seeded edits.
fn resolve(task: &Task, spec: &SplitSpec) -> Result<(Split, SplitSpec)> {
    match spec {
        SplitSpec::Random { .. } | SplitSpec::File { .. } => spec.resolve(task),
        SplitSpec::FixedPoints { subgroup } => {
            let sym = symmetry_of(task)?;
            let h = parse_subgroup(&sym, subgroup)?;
            let split = fixed_points_split(&sym, &h)
                .map_err(flag("split.subgroup"))
                .map_err(as_typed(&sym, &h, subgroup))?;
            let subgroup = h.name(&sym);
            Ok((split, SplitSpec::FixedPoints { subgroup }))
        }
        SplitSpec::Orbit {
            subgroup,
            fraction,
            seed,
        } => {
            let sym = symmetry_of(task)?;
            let h = parse_subgroup(&sym, subgroup)?;
            let split = orbit_split(&sym, &h, *fraction, *seed)
                .map_err(flag("split.subgroup"))
                .map_err(as_typed(&sym, &h, subgroup))?;
            let spec = SplitSpec::Orbit {
                subgroup: h.name(&sym),
                fraction: *fraction,
                seed: *seed,
            };
            Ok((split, spec))
        }
        SplitSpec::Edited { base, edits } => {
            let (mut split, base) = base.resolve(task)?;
            let mut done = Vec::with_capacity(edits.len());
            for edit in edits {
                let (next, recorded) = apply(task, &split, edit)?;
                split = next;
                done.push(recorded);
            }
            split.check_nonempty()?;
            let spec = SplitSpec::Edited {
                base: Box::new(base),
                edits: done,
            };
            Ok((split, spec))
        }
    }
}

/// Sym_f of `task`, for a split that names a subgroup of it. Errors (naming `task.operation`) when
/// Sym_f is trivial: then no split keeps a symmetry and a random split is the one to use.
fn symmetry_of(task: &Task) -> Result<TaskSymmetry> {
    let sym = TaskSymmetry::of(task);
    if sym.order() == Some(1) {
        return Err(Error::param(
            "task.operation",
            task.describe(),
            "a task with a non-trivial symmetry group: no map of the pairs keeps every label \
             of this one (`symrfm symmetry` shows Sym_f), so only random or file splits apply",
        ));
    }
    Ok(sym)
}

/// The subgroup H of a fixed-point or orbit split when none is named: `s` (the operand swap)
/// when Sym_f has it, as on every task on an abelian group; otherwise the first element of Sym_f,
/// in the order `symrfm symmetry` lists them, that fixes some but not every pair (for a
/// fixed-point split, `fixed_points`) or that is not the identity (for an orbit split). Without
/// one (a trivial Sym_f, a Sym_f acting freely for a fixed-point split, an unlisted Sym_f) the
/// error names the task (`task.operation`) and says what to name instead.
pub fn default_subgroup(task: &Task, fixed_points: bool) -> Result<String> {
    let sym = TaskSymmetry::of(task);
    if sym.parse_element("s").is_ok_and(|g| sym.is_swap_index(g)) {
        return Ok("s".to_string());
    }
    let stop = |why: String| Error::param("task.operation", task.describe(), why);
    if sym.is_empty() {
        return Err(stop(format!(
            "a task whose Sym_f lists its elements for a default subgroup (this one has order \
             {}); name the subgroup with `split.subgroup` (`symrfm symmetry` shows generators)",
            sym.order_text()
        )));
    }
    if sym.len() == 1 {
        return Err(stop(
            "a task with a non-trivial symmetry group: its Sym_f is trivial, so no split keeps a \
             symmetry; use a random split"
                .to_string(),
        ));
    }
    let n_pairs = sym.n() * sym.n();
    let pick = (1..sym.len()).find(|&g| {
        !fixed_points || {
            let fixed = sym.fixed_points(sym.element(g)).len();
            fixed > 0 && fixed < n_pairs
        }
    });
    match pick {
        Some(g) => Ok(sym.element_name(g).to_string()),
        None => Err(stop(format!(
            "a task whose Sym_f has an element fixing a pair, for a fixed-point split: this \
             Sym_f (order {}) acts freely, no element but id fixes a pair; use an orbit split \
             (`split.kind` orbit) with `split.subgroup` naming elements of Sym_f, e.g. `split.subgroup` '{}' \
             (`symrfm symmetry` lists them)",
            sym.len(),
            sym.element_name(1)
        ))),
    }
}

/// Applies one edit; returns the new split and the edit as recorded.
fn apply(task: &Task, split: &Split, edit: &SplitEdit) -> Result<(Split, SplitEdit)> {
    match edit {
        SplitEdit::MoveRandom { count, seed, moved } => {
            let (next, now) = move_random_train_to_test(split, *count, *seed)
                .map_err(flag("split.move_random"))?;
            check_recorded(task, "split.move_random", moved, &now)?;
            let edit = SplitEdit::MoveRandom {
                count: *count,
                seed: *seed,
                moved: now,
            };
            Ok((next, edit))
        }
        SplitEdit::MoveOrbits {
            subgroup,
            count,
            seed,
            moved,
        } => {
            let sym = symmetry_of(task)?;
            let h = parse_subgroup(&sym, subgroup)?;
            let (next, now) = move_orbits_to_test(&sym, split, &h, *count, *seed)
                .map_err(flag("split.move_orbits"))?;
            check_recorded(task, "split.move_orbits", moved, &now)?;
            let edit = SplitEdit::MoveOrbits {
                subgroup: h.name(&sym),
                count: *count,
                seed: *seed,
                moved: now,
            };
            Ok((next, edit))
        }
        SplitEdit::MoveToTrain { pairs } => {
            let pairs = checked(task, "split.move_to_train", pairs, &split.test, "test")?;
            let next = move_test_to_train(split, &pairs).map_err(flag("split.move_to_train"))?;
            Ok((next, SplitEdit::MoveToTrain { pairs }))
        }
        SplitEdit::HoldOut { pairs } => {
            let pairs = checked(task, "split.hold_out", pairs, &split.train, "training")?;
            let next = hold_out(split, &pairs).map_err(flag("split.hold_out"))?;
            Ok((next, SplitEdit::HoldOut { pairs }))
        }
    }
}

/// Parses a subgroup, naming `split.subgroup` in errors.
fn parse_subgroup(sym: &TaskSymmetry, text: &str) -> Result<Subgroup> {
    Subgroup::parse(sym, text).map_err(flag("split.subgroup"))
}

/// An error about the subgroup H names it as the user wrote it (`r^3`) and says what it
/// generates when that differs (`<r^1>`, the whole rotation group of Dih(Z_11)), instead of naming
/// only the generated subgroup.
fn as_typed<'a>(
    sym: &'a TaskSymmetry,
    h: &'a Subgroup,
    typed: &'a str,
) -> impl Fn(Error) -> Error + 'a {
    move |e| match e {
        Error::InvalidParameter {
            name,
            value,
            allowed,
        } if name == "split.subgroup" && value == h.name(sym) && typed.trim() != value => {
            let rotations = h.swaps(sym).next().is_none();
            let what = if rotations && sym.is_dihedral() && h.order() == sym.n() {
                format!("all {} rotations of {}", h.order(), sym.name())
            } else {
                format!("a subgroup of order {}", h.order())
            };
            Error::InvalidParameter {
                name,
                value: typed.trim().to_string(),
                allowed: format!("{allowed}; `{}` generates {value}, {what}", typed.trim()),
            }
        }
        other => other,
    }
}

/// Renames a usage error whose parameter is not a specification parameter (`group element`,
/// `moved pairs`, …) to `name`; errors already naming one (`split.fraction`, `task.operation`) are
/// kept.
fn flag(name: &'static str) -> impl Fn(Error) -> Error {
    move |e| match e {
        Error::InvalidParameter {
            name: old,
            value,
            allowed,
        } if !old.contains('.') => Error::InvalidParameter {
            name,
            value,
            allowed,
        },
        other => other,
    }
}

/// `a:b` with symbol values, for messages.
fn pair_name(task: &Task, k: usize) -> String {
    let (a, b) = task.pair(k);
    format!("{}:{}", task.symbol_name(a), task.symbol_name(b))
}

/// Sorted, deduplicated `pairs`, each checked to lie in `side` (ascending); messages show pairs by
/// symbol values.
fn checked(
    task: &Task,
    name: &'static str,
    pairs: &[usize],
    side: &[usize],
    side_name: &str,
) -> Result<Vec<usize>> {
    let mut pairs = pairs.to_vec();
    pairs.sort_unstable();
    pairs.dedup();
    for &k in &pairs {
        if k >= task.n_pairs() {
            return Err(Error::param(
                name,
                format!("pair index {k}"),
                format!("pair indices below {}", task.n_pairs()),
            ));
        }
        if side.binary_search(&k).is_err() {
            return Err(Error::param(
                name,
                pair_name(task, k),
                format!("pairs of the {side_name} set at this point"),
            ));
        }
    }
    Ok(pairs)
}

/// Errors when a recorded `moved` list (non-empty) differs from the one rebuilt now.
fn check_recorded(
    task: &Task,
    name: &'static str,
    recorded: &[usize],
    now: &[usize],
) -> Result<()> {
    if recorded.is_empty() || recorded == now {
        return Ok(());
    }
    let show = |v: &[usize]| {
        v.iter()
            .take(5)
            .map(|&k| pair_name(task, k))
            .collect::<Vec<_>>()
            .join(",")
    };
    Err(Error::param(
        name,
        format!("recorded moved pairs {}", show(recorded)),
        format!(
            "the pairs the seed gives now ({}); the split spec was written by an incompatible \
             version",
            show(now)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::{Operation, TaskSpec};
    use crate::symmetry::stabilizer;

    fn task(op: Operation, p: u64) -> Task {
        Task::new(TaskSpec::new(op, p)).unwrap()
    }

    #[test]
    fn fixed_points_then_one_random_point() {
        let t = task(Operation::Add, 31);
        let spec = SplitSpec::Edited {
            base: Box::new(SplitSpec::FixedPoints {
                subgroup: "s".into(),
            }),
            edits: vec![SplitEdit::MoveRandom {
                count: 1,
                seed: 4,
                moved: vec![],
            }],
        };
        let (split, recorded) = spec.resolve(&t).unwrap();
        assert_eq!(split.test.len(), 32);
        let SplitSpec::Edited { base, edits } = &recorded else {
            panic!("{recorded:?}")
        };
        assert_eq!(
            **base,
            SplitSpec::FixedPoints {
                subgroup: "<s>".into()
            }
        );
        let moved = recorded.moved_to_test();
        assert_eq!(moved.len(), 1);
        assert!(split.test.binary_search(&moved[0]).is_ok());
        let (a, b) = t.pair(moved[0]);
        assert_ne!(a, b, "fixed points of s are already in the test set");
        assert!(matches!(&edits[0], SplitEdit::MoveRandom { seed: 4, .. }));
        // the recorded spec rebuilds the same split, and resolving it again changes nothing
        let (again, same) = recorded.resolve(&t).unwrap();
        assert_eq!(again, split);
        assert_eq!(same, recorded);
        assert_eq!(recorded.seed(), Some(4));
        assert_eq!(Split::build(&t, &recorded).unwrap(), split);
        let dih = TaskSymmetry::of(&t);
        assert!(stabilizer(&dih, &split.train).unwrap().is_trivial());
    }

    #[test]
    fn a_tampered_record_is_refused() {
        let t = task(Operation::Add, 13);
        let spec = SplitSpec::Edited {
            base: Box::new(SplitSpec::FixedPoints {
                subgroup: "s r^2".into(),
            }),
            edits: vec![SplitEdit::MoveRandom {
                count: 2,
                seed: 0,
                moved: vec![],
            }],
        };
        let (_, mut recorded) = spec.resolve(&t).unwrap();
        if let SplitSpec::Edited { edits, .. } = &mut recorded {
            if let SplitEdit::MoveRandom { moved, .. } = &mut edits[0] {
                moved[0] = (moved[0] + 1) % 169;
            }
        }
        let err = recorded.resolve(&t).unwrap_err();
        assert!(err.to_string().contains("split.move_random"), "{err}");
    }

    #[test]
    fn orbit_edits_keep_the_symmetry_and_explicit_edits_apply_in_order() {
        let t = task(Operation::Mul, 29);
        let dih = TaskSymmetry::of(&t);
        let base = SplitSpec::FixedPoints {
            subgroup: "s r^3".into(),
        };
        let (sym, _) = base.resolve(&t).unwrap();
        let spec = SplitSpec::Edited {
            base: Box::new(base),
            edits: vec![
                SplitEdit::HoldOut {
                    pairs: vec![sym.train[0]],
                },
                SplitEdit::MoveToTrain {
                    pairs: vec![sym.train[0]],
                },
                SplitEdit::MoveOrbits {
                    subgroup: "s r^3".into(),
                    count: 3,
                    seed: 1,
                    moved: vec![],
                },
            ],
        };
        let (split, recorded) = spec.resolve(&t).unwrap();
        assert_eq!(split.test.len(), sym.test.len() + 6);
        assert_eq!(recorded.moved_to_test().len(), 7, "1 held out + 3 pairs");
        let h = Subgroup::parse(&dih, "s r^3").unwrap();
        assert!(h.leaves_invariant(&dih, &split.train));
        assert_eq!(recorded.seed(), Some(1));
    }

    #[test]
    fn errors_name_the_flag() {
        let t = task(Operation::Add, 11);
        let cases: Vec<(SplitSpec, &str)> = vec![
            (
                SplitSpec::FixedPoints {
                    subgroup: "r^3".into(),
                },
                "split.subgroup",
            ),
            (
                SplitSpec::FixedPoints {
                    subgroup: "q".into(),
                },
                "split.subgroup",
            ),
            (
                SplitSpec::Orbit {
                    subgroup: "s".into(),
                    fraction: 1.5,
                    seed: 0,
                },
                "split.fraction",
            ),
        ];
        let edited = |edit: SplitEdit| SplitSpec::Edited {
            base: Box::new(SplitSpec::FixedPoints {
                subgroup: "s".into(),
            }),
            edits: vec![edit],
        };
        let mut cases = cases;
        cases.extend([
            (
                edited(SplitEdit::MoveRandom {
                    count: 110,
                    seed: 0,
                    moved: vec![],
                }),
                "split.move_random",
            ),
            (
                edited(SplitEdit::MoveOrbits {
                    subgroup: "s".into(),
                    count: 56,
                    seed: 0,
                    moved: vec![],
                }),
                "split.move_orbits",
            ),
            (
                edited(SplitEdit::HoldOut { pairs: vec![0] }),
                "split.hold_out",
            ),
            (
                edited(SplitEdit::MoveToTrain {
                    pairs: (0..11).map(|a| a * 11 + a).collect(),
                }),
                "split.move_to_train",
            ),
        ]);
        for (spec, name) in cases {
            let err = spec.resolve(&t).unwrap_err();
            assert!(err.is_usage(), "{err}");
            assert!(err.to_string().contains(name), "{name}: {err}");
        }
        // (0, 0) is a fixed point of s, so a test pair: the message shows it by symbol values
        let err = edited(SplitEdit::HoldOut { pairs: vec![0] })
            .resolve(&t)
            .unwrap_err();
        assert!(err.to_string().contains("0:0"), "{err}");
        // x² + y² keeps the operand swap s: its fixed points are the diagonal
        let poly = task(Operation::SquareSum, 11);
        let (split, _) = SplitSpec::FixedPoints {
            subgroup: "s".into(),
        }
        .resolve(&poly)
        .unwrap();
        assert_eq!(split.test, (0..11).map(|a| a * 11 + a).collect::<Vec<_>>());
    }
}

//! Subgroups, orbits, orbit splits and stabilizers on the Sym_f of any task ([`TaskSymmetry`]).
//!
//! The generic counterparts of [`Subgroup`](super::Subgroup), [`orbit_split`](super::orbit_split)
//! and [`stabilizer`](super::stabilizer): a subgroup H ≤ Sym_f is given by generators named as in
//! [`TaskSymmetry::names`] (`r^{(1 2 3)}, r^{(1 2)}` on S_3); an orbit split trains on whole
//! H-orbits of pairs, so its training set is H-invariant. For a non-abelian group task the action
//! is free (no element but the identity fixes a pair), so orbit splits are its symmetric splits.
//! All of it needs the element list of Sym_f (|Sym_f| within [`ELEMENT_BOUND`](super::generic::ELEMENT_BOUND)).

use super::generic::{closure, CoordPerm, TaskSymmetry};
use super::splits::{orbit_union_split, SymmetryReport};
use super::subgroup::split_top_level;
use crate::data::Split;
use crate::error::{Error, Result};

/// A subgroup H ≤ Sym_f: its elements (identity first) and the generator names it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenericSubgroup {
    /// The generators as written (canonical element names), `<>` for the trivial group.
    pub name: String,
    /// All elements of H.
    pub elements: Vec<CoordPerm>,
}

impl GenericSubgroup {
    /// Parses `g1, g2, …` (element names of `sym`, or `#k` for element k of its list; top-level
    /// commas; `<…>` brackets allowed) into the subgroup they generate. Errors name the parameter `split.subgroup`.
    pub fn parse(sym: &TaskSymmetry, text: &str) -> Result<Self> {
        let names = sym.names().ok_or_else(|| {
            Error::param(
                "split.subgroup",
                text.trim(),
                format!(
                    "subgroups need the element list of Sym_f, which is not kept (order {})",
                    sym.order_text()
                ),
            )
        })?;
        let els = sym.elements().unwrap_or(&[]);
        let inner = text.trim();
        let inner = inner
            .strip_prefix('<')
            .and_then(|t| t.strip_suffix('>'))
            .unwrap_or(inner);
        let mut gens = Vec::new();
        let mut gen_names = Vec::new();
        for part in split_top_level(inner) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let by_index = part
                .strip_prefix('#')
                .and_then(|k| k.parse::<usize>().ok())
                .filter(|&k| k < names.len());
            let i = by_index
                .or_else(|| names.iter().position(|n| n == part))
                .ok_or_else(|| {
                    let examples: Vec<&str> = names.iter().take(6).map(String::as_str).collect();
                    Error::param(
                        "split.subgroup",
                        part,
                        format!(
                        "element names of Sym_f separated by commas, e.g. {}; or #k for element k \
                         of the list (0 to {})",
                        examples.join(", "),
                        names.len() - 1
                    ),
                    )
                })?;
            gens.push(els[i].clone());
            gen_names.push(names[i].clone());
        }
        let elements = closure(&gens, 2 * sym.n());
        Ok(GenericSubgroup {
            name: format!("<{}>", gen_names.join(", ")),
            elements,
        })
    }

    /// The whole group (all listed elements), or `None` if they are not kept.
    pub fn whole(sym: &TaskSymmetry) -> Option<Self> {
        Some(GenericSubgroup {
            name: "Sym_f".to_string(),
            elements: sym.elements()?.to_vec(),
        })
    }

    /// |H|.
    pub fn order(&self) -> usize {
        self.elements.len()
    }

    /// The H-orbits of the pairs (indices `a * n + b`), each ascending, ordered by smallest pair.
    pub fn orbits(&self, sym: &TaskSymmetry) -> Vec<Vec<usize>> {
        let n = sym.n();
        let mut seen = vec![false; n * n];
        let mut out = Vec::new();
        for k in 0..n * n {
            if seen[k] {
                continue;
            }
            let mut orbit: Vec<usize> = self
                .elements
                .iter()
                .map(|g| {
                    let (a, b) = sym.act(g, (k / n, k % n));
                    a * n + b
                })
                .collect();
            orbit.sort_unstable();
            orbit.dedup();
            for &j in &orbit {
                seen[j] = true;
            }
            out.push(orbit);
        }
        out
    }
}

/// A split whose training set is a union of whole H-orbits, about ⌊fraction · n²⌋ pairs (orbits
/// in a ChaCha8 order seeded by `seed`, as [`orbit_split`](super::orbit_split)).
pub fn generic_orbit_split(
    sym: &TaskSymmetry,
    h: &GenericSubgroup,
    fraction: f64,
    seed: u64,
) -> Result<Split> {
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(Error::param(
            "split.fraction",
            fraction,
            "a number strictly between 0 and 1",
        ));
    }
    let n_pairs = sym.n() * sym.n();
    orbit_union_split(h.orbits(sym), n_pairs, fraction, seed, &h.name)
}

/// The split with test = the pairs fixed by some element of H other than the identity, train =
/// everything else (the generic [`fixed_points_split`](super::fixed_points_split)). The test set
/// is H-invariant (if h fixes x, g h g⁻¹ fixes g x). Errors, naming `split.subgroup`, when no
/// element of H fixes a pair (e.g. a group acting freely, as Sym_f of every non-abelian group
/// task: use an orbit split there) or when every pair is fixed.
pub fn generic_fixed_points_split(sym: &TaskSymmetry, h: &GenericSubgroup) -> Result<Split> {
    let n_pairs = sym.n() * sym.n();
    let identity: Vec<u32> = (0..2 * sym.n() as u32).collect();
    let mut in_test = vec![false; n_pairs];
    for g in h.elements.iter().filter(|g| **g != identity) {
        for k in sym.fixed_points(g) {
            in_test[k] = true;
        }
    }
    let n_test = in_test.iter().filter(|&&t| t).count();
    if n_test == 0 {
        return Err(Error::param(
            "split.subgroup",
            &h.name,
            "a subgroup with an element that fixes a pair: no element of this one fixes any \
             (it acts freely; use an orbit split)",
        ));
    }
    if n_test == n_pairs {
        return Err(Error::param(
            "split.subgroup",
            &h.name,
            "a subgroup whose elements leave some pair unfixed: these fix every pair, leaving no \
             training pair",
        ));
    }
    let train: Vec<usize> = (0..n_pairs).filter(|&k| !in_test[k]).collect();
    Ok(Split::from_train(n_pairs, train))
}

/// Moves `count` whole H-orbits lying entirely in the training set to the test set, chosen in a
/// ChaCha8 order seeded by `seed` (the generic [`move_orbits_to_test`](super::move_orbits_to_test);
/// H-invariance of the split is kept). Returns the new split and the moved pairs, ascending.
pub fn generic_move_orbits_to_test(
    sym: &TaskSymmetry,
    split: &Split,
    h: &GenericSubgroup,
    count: usize,
    seed: u64,
) -> Result<(Split, Vec<usize>)> {
    let n_pairs = split.train.len() + split.test.len();
    let mut in_train = vec![false; n_pairs];
    for &k in &split.train {
        in_train[k] = true;
    }
    let candidates: Vec<Vec<usize>> = h
        .orbits(sym)
        .into_iter()
        .filter(|orbit| orbit.iter().all(|&k| in_train[k]))
        .collect();
    if count > candidates.len() {
        return Err(Error::param(
            "split.move_orbits",
            count,
            format!(
                "at most {} (the {}-orbits lying entirely in the training set)",
                candidates.len(),
                h.name
            ),
        ));
    }
    super::splits::move_orbit_choice(split, candidates, count, seed)
        .map_err(|e| e.renamed("split.move_orbits"))
}

impl SymmetryReport {
    /// The report of `split` on the generic Sym_f (see [`SymmetryReport::new`] for Dih(A)): its
    /// stabilizer in Sym_f, and the orbit prediction for `orbit_subgroup` (the stabilizer when
    /// `None`). `None` when the element list of Sym_f is not kept.
    pub fn generic(
        sym: &TaskSymmetry,
        split: &Split,
        orbit_subgroup: Option<&GenericSubgroup>,
    ) -> Option<Self> {
        let els = sym.elements()?;
        let stab_idx = generic_stabilizer(sym, &split.train)?;
        let names: Vec<String> = stab_idx.iter().map(|&i| sym.name_of(&els[i])).collect();
        let stab_name = if names.len() == 1 {
            "trivial".to_string()
        } else if names.len() == els.len() {
            "Sym_f".to_string()
        } else if names.len() <= 4 {
            format!("{{{}}}", names.join(", "))
        } else {
            format!("a subgroup of order {}", names.len())
        };
        let stab = GenericSubgroup {
            name: stab_name.clone(),
            elements: stab_idx.iter().map(|&i| els[i].clone()).collect(),
        };
        let h = orbit_subgroup.unwrap_or(&stab);
        let n_pairs = sym.n() * sym.n();
        let mut in_orbit = vec![false; n_pairs];
        let mut in_train = vec![false; n_pairs];
        for &k in &split.train {
            in_train[k] = true;
        }
        for orbit in h.orbits(sym) {
            if orbit.iter().any(|&k| in_train[k]) {
                for k in orbit {
                    in_orbit[k] = true;
                }
            }
        }
        let predicted: Vec<usize> = (0..n_pairs)
            .filter(|&k| in_orbit[k] && !in_train[k])
            .collect();
        Some(SymmetryReport {
            stabilizer: names,
            stabilizer_order: stab.order(),
            stabilizer_name: stab_name,
            orbit_subgroup_name: h.name.clone(),
            orbit_subgroup_order: h.order(),
            n_train: split.train.len(),
            n_test: split.test.len(),
            test_outside_orbits: split.test.iter().filter(|&&k| !in_orbit[k]).count(),
            predicted,
            theory: None,
        })
    }
}

/// The stabilizer of a training set: the elements of Sym_f mapping it onto itself (indices into
/// [`TaskSymmetry::elements`], identity first); `None` when the elements are not kept.
pub fn generic_stabilizer(sym: &TaskSymmetry, train: &[usize]) -> Option<Vec<usize>> {
    let n = sym.n();
    let els = sym.elements()?;
    let mut in_train = vec![false; n * n];
    for &k in train {
        in_train[k] = true;
    }
    Some(
        (0..els.len())
            .filter(|&i| {
                train.iter().all(|&k| {
                    let (a, b) = sym.act(&els[i], (k / n, k % n));
                    in_train[a * n + b]
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::SplitSpec;
    use crate::group::{Operation, Task, TaskSpec};
    use proptest::prelude::*;

    fn named(op: Operation, group: &str) -> Task {
        Task::new(TaskSpec::on_group(op, group)).unwrap()
    }

    fn graph(g: &str) -> Task {
        Task::new(TaskSpec::on_graph(g)).unwrap()
    }

    /// Whether `set` (pair indices) is mapped onto itself by every element of `h`.
    fn invariant(sym: &TaskSymmetry, h: &GenericSubgroup, set: &[usize]) -> bool {
        let n = sym.n();
        let mut inside = vec![false; n * n];
        for &k in set {
            inside[k] = true;
        }
        h.elements.iter().all(|g| {
            set.iter().all(|&k| {
                let (a, b) = sym.act(g, (k / n, k % n));
                inside[a * n + b]
            })
        })
    }

    /// `#k` names element k of the list, the same subgroup as its full name; out of range or
    /// malformed, it is an error naming the parameter.
    #[test]
    fn elements_can_be_named_by_their_index() {
        let mut s = TaskSpec::new(Operation::Sign, 7);
        s.modulus = 7;
        let t = Task::new(s).unwrap();
        let sym = TaskSymmetry::of(&t);
        let names = sym.names().unwrap();
        assert_eq!(names.len(), 2);
        let by_index = GenericSubgroup::parse(&sym, "#1").unwrap();
        let by_name = GenericSubgroup::parse(&sym, &names[1]).unwrap();
        assert_eq!(by_index, by_name);
        assert_eq!(by_index.order(), 2);
        for bad in ["#2", "#x", "#"] {
            let e = GenericSubgroup::parse(&sym, bad).unwrap_err().to_string();
            assert!(e.contains("split.subgroup") && e.contains("#k"), "{e}");
        }
    }

    #[test]
    fn fixed_point_splits_test_exactly_the_fixed_pairs_and_are_invariant() {
        let t = graph("cycle:12");
        let sym = TaskSymmetry::of(&t);
        let h = GenericSubgroup::parse(&sym, "s").unwrap();
        let split = generic_fixed_points_split(&sym, &h).unwrap();
        // s swaps the operands: it fixes exactly the diagonal pairs (a, a) — computed here from
        // the action directly, not from `fixed_points`.
        let n = 12;
        let s_el = h.elements.iter().find(|g| sym.is_swap(g)).unwrap();
        let fixed: Vec<usize> = (0..n * n)
            .filter(|&k| sym.act(s_el, (k / n, k % n)) == (k / n, k % n))
            .collect();
        assert_eq!(split.test, fixed);
        assert_eq!(split.train.len() + split.test.len(), n * n);
        assert!(invariant(&sym, &h, &split.train) && invariant(&sym, &h, &split.test));
        // A free action has no fixed points: the error names the parameter and says why.
        let s3 = named(Operation::Mul, "S3");
        let sym3 = TaskSymmetry::of(&s3);
        let h3 = GenericSubgroup::parse(&sym3, "r^{(1 2 3)}").unwrap();
        let err = generic_fixed_points_split(&sym3, &h3).unwrap_err();
        assert!(
            err.to_string().contains("split.subgroup") && err.to_string().contains("freely"),
            "{err}"
        );
        // Through the split spec: the recorded subgroup is the canonical name.
        let (built, spec) = SplitSpec::FixedPoints {
            subgroup: "s".into(),
        }
        .resolve(&t)
        .unwrap();
        assert_eq!(built.test, split.test);
        assert_eq!(
            spec,
            SplitSpec::FixedPoints {
                subgroup: "<s>".into()
            }
        );
    }

    #[test]
    fn moving_orbits_keeps_invariance_and_follows_the_seed() {
        let t = named(Operation::Mul, "D6");
        let sym = TaskSymmetry::of(&t);
        let h = GenericSubgroup::parse(&sym, "r^s").unwrap();
        let base = generic_orbit_split(&sym, &h, 0.6, 3).unwrap();
        let (next, moved) = generic_move_orbits_to_test(&sym, &base, &h, 2, 7).unwrap();
        assert_eq!(moved.len(), 2 * h.order()); // free action: orbits of |H| pairs
        assert!(moved
            .iter()
            .all(|k| base.train.contains(k) && next.test.contains(k)));
        assert_eq!(next.train.len() + moved.len(), base.train.len());
        assert!(invariant(&sym, &h, &next.train) && invariant(&sym, &h, &moved));
        let (_, again) = generic_move_orbits_to_test(&sym, &base, &h, 2, 7).unwrap();
        assert_eq!(moved, again);
        let (_, other) = generic_move_orbits_to_test(&sym, &base, &h, 2, 8).unwrap();
        assert_ne!(moved, other);
        let too_many = base.train.len() / h.order() + 1;
        let err = generic_move_orbits_to_test(&sym, &base, &h, too_many, 7).unwrap_err();
        assert!(err.to_string().contains("split.move_orbits"), "{err}");
    }

    #[test]
    fn orbits_of_a_subgroup_of_s3_have_its_order_and_keep_labels() {
        let t = named(Operation::Mul, "S3");
        let sym = TaskSymmetry::of(&t);
        let h = GenericSubgroup::parse(&sym, "r^{(1 2 3)}").unwrap();
        assert_eq!(h.order(), 3);
        assert_eq!(h.name, "<r^{(1 2 3)}>");
        let orbits = h.orbits(&sym);
        // a free action: every orbit has |H| pairs, all with the same label
        assert_eq!(orbits.len(), 36 / 3);
        for o in &orbits {
            assert_eq!(o.len(), 3);
            let label = t.labels()[o[0]];
            assert!(o.iter().all(|&k| t.labels()[k] == label));
        }
        // H = Sym_f: the orbits are the label classes
        let all = GenericSubgroup::parse(&sym, "r^{(1 2 3)}, r^{(1 2)}").unwrap();
        assert_eq!(all.order(), 6);
        assert_eq!(all.orbits(&sym).len(), 6);
        for bad in ["r^{(1 4)}", "x", "r^(1 2)"] {
            let e = GenericSubgroup::parse(&sym, bad).unwrap_err();
            assert!(e.to_string().contains("split.subgroup") && e.to_string().contains(bad));
        }
    }

    #[test]
    fn the_stabilizer_of_a_random_split_of_a_large_task_is_trivial() {
        let t = named(Operation::Mul, "S5");
        let sym = TaskSymmetry::of(&t);
        let split = Split::build(
            &t,
            &SplitSpec::Random {
                fraction: 0.5,
                seed: 3,
            },
        )
        .unwrap();
        assert_eq!(generic_stabilizer(&sym, &split.train).unwrap(), vec![0]);
        let c = {
            let mut s = TaskSpec::new(Operation::GraphDistance, 0);
            s.graph = Some("cycle:40".into());
            Task::new(s).unwrap()
        };
        let sym = TaskSymmetry::of(&c);
        let split = Split::build(
            &c,
            &SplitSpec::Random {
                fraction: 0.5,
                seed: 1,
            },
        )
        .unwrap();
        assert_eq!(generic_stabilizer(&sym, &split.train).unwrap(), vec![0]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn orbit_splits_are_invariant_under_their_subgroup(
            group in prop::sample::select(vec!["S3", "S4", "D6", "Q8", "A4"]),
            pick in 1usize..1000,
            fraction in 0.2f64..0.8,
            seed in any::<u64>(),
        ) {
            let t = named(Operation::Mul, group);
            let sym = TaskSymmetry::of(&t);
            let names = sym.names().unwrap();
            let g = &names[1 + pick % (names.len() - 1)];
            let h = GenericSubgroup::parse(&sym, g).unwrap();
            let split = generic_orbit_split(&sym, &h, fraction, seed).unwrap();
            let stab = generic_stabilizer(&sym, &split.train).unwrap();
            // H ⊆ Stab(train): every element of H maps train onto itself
            for e in &h.elements {
                let i = sym.elements().unwrap().iter().position(|x| x == e).unwrap();
                prop_assert!(stab.contains(&i));
            }
            prop_assert_eq!(split.train.len() + split.test.len(), t.n_pairs());
        }
    }
}

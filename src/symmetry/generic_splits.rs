//! Subgroups, orbits, orbit splits and stabilizers on the Sym_f of any task ([`TaskSymmetry`]).
//!
//! The generic counterparts of [`Subgroup`](super::Subgroup), [`orbit_split`](super::orbit_split)
//! and [`stabilizer`](super::stabilizer): a subgroup H ≤ Sym_f is given by generators named as in
//! [`TaskSymmetry::names`] (`r^{(1 2 3)}, r^{(1 2)}` on S_3); an orbit split trains on whole
//! H-orbits of pairs, so its training set is H-invariant. For a non-abelian group task the action
//! is free (no element but the identity fixes a pair), so orbit splits are its symmetric splits.
//! All of it needs the element list of Sym_f (|Sym_f| within [`ELEMENT_BOUND`](super::generic::ELEMENT_BOUND)).

use super::generic::{closure, CoordPerm, TaskSymmetry};
use super::splits::orbit_union_split;
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
    /// Parses `g1, g2, …` (element names of `sym`, top-level commas; `<…>` brackets allowed) into
    /// the subgroup they generate. Errors name the parameter `split.subgroup`.
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
            let i = names.iter().position(|n| n == part).ok_or_else(|| {
                let examples: Vec<&str> = names.iter().take(6).map(String::as_str).collect();
                Error::param(
                    "split.subgroup",
                    part,
                    format!(
                        "element names of Sym_f separated by commas, e.g. {}",
                        examples.join(", ")
                    ),
                )
            })?;
            gens.push(els[i].clone());
            gen_names.push(part.to_string());
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
        let mut s = TaskSpec::new(op, 0);
        s.group_name = Some(group.to_string());
        Task::new(s).unwrap()
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

//! Splits that keep or break a symmetry (SCIENCE.md §4), and the symmetry report of a split.
//!
//! Builders return a [`Split`]; every random choice is [`crate::data::shuffle::shuffle`] of a list
//! with `seed`, so the same arguments always give the same split.
//!
//! - [`fixed_points_split`]: test = the fixed points of the elements of H (the reflections of
//!   H ≤ Dih(A)); the canonical symmetric split (train ≈ 98 % of the data, yet H-invariant).
//! - [`orbit_split`]: a random split at a training fraction made of whole H-orbits.
//! - Edits of an existing split: [`move_random_train_to_test`] breaks the symmetry,
//!   [`move_orbits_to_test`] keeps it, [`move_test_to_train`] and [`hold_out`] move given pairs.
//! - [`SymmetryReport`] summarizes the stabilizer of a split and the test pairs in the H-orbits of
//!   the training set, and [`orbit_prediction_score`] compares that prediction to a run.

use super::subgroup::{membership, stabilizer, Subgroup};
use super::task_symmetry::TaskSymmetry;
use crate::data::shuffle::shuffle;
use crate::data::Split;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// The split whose test set is the union of the fixed points of the elements of `h` other than
/// the identity (on Dih(A): of its reflections; no other element fixes a pair); the training set
/// is the rest. The split is H-invariant: `h(Fix(t)) = Fix(h t h⁻¹)`.
///
/// Errors when no element of `h` fixes a pair (rotations of Dih(A); every non-trivial subgroup of
/// a group acting freely, as Sym_f of a non-abelian group task: use an orbit split there) or when
/// they fix every pair (the full Dih(A): each pair is fixed by exactly one reflection).
pub fn fixed_points_split(sym: &TaskSymmetry, h: &Subgroup) -> Result<Split> {
    let n_pairs = sym.n() * sym.n();
    let mut in_test = vec![false; n_pairs];
    for &g in &h.elements()[1..] {
        for k in sym.fixed_points(sym.element(g)) {
            in_test[k] = true;
        }
    }
    let n_test = in_test.iter().filter(|&&t| t).count();
    if n_test == 0 {
        let allowed = if sym.is_dihedral() {
            "a subgroup containing a reflection s r^k (rotations other than id fix no pair)"
        } else {
            "a subgroup with an element that fixes a pair: no element of this one fixes any \
             (it acts freely; use an orbit split)"
        };
        return Err(Error::param("subgroup", h.name(sym), allowed));
    }
    if n_test == n_pairs {
        let allowed = if sym.is_dihedral() {
            "a proper subgroup: the reflections of the full group fix every pair, leaving no \
             training pair"
        } else {
            "a subgroup whose elements leave some pair unfixed: these fix every pair, leaving no \
             training pair"
        };
        return Err(Error::param("subgroup", h.name(sym), allowed));
    }
    let train: Vec<usize> = (0..n_pairs).filter(|&k| !in_test[k]).collect();
    Ok(Split::from_train(n_pairs, train))
}

/// A random H-invariant split: whole H-orbits go to the training set, aiming at
/// `target = ⌊fraction · n²⌋` training pairs.
///
/// Rule: shuffle the H-orbits (ChaCha8 seeded with `seed`), walk them in that order and put an orbit
/// in the training set whenever it fits without exceeding `target`. If that leaves a deficit, the
/// smallest skipped orbit (first in shuffled order among equals) is added too when it lands closer to
/// `target` than the deficit (overshoot < deficit). The training set is then within half an orbit of
/// `target` whenever some skipped orbit is small enough. For trivial H this is a uniformly random
/// subset of exactly `target` pairs (but not the same one as [`Split::random`]).
///
/// Errors when `fraction` is not strictly between 0 and 1 or when no union of orbits near `target`
/// leaves both sides non-empty.
pub fn orbit_split(sym: &TaskSymmetry, h: &Subgroup, fraction: f64, seed: u64) -> Result<Split> {
    let n_pairs = sym.n() * sym.n();
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(Error::param(
            "split.fraction",
            fraction,
            "a number strictly between 0 and 1",
        ));
    }
    orbit_union_split(h.orbits(sym), n_pairs, fraction, seed, &h.name(sym))
}

/// The training set of an orbit split: whole orbits (a partition of the `n_pairs` pairs) in a
/// seeded random order, each taken while it fits in ⌊fraction · n_pairs⌋ (then the smallest
/// skipped orbit if it brings the size closer to the target). `name` names the subgroup in
/// errors.
fn orbit_union_split(
    mut orbits: Vec<Vec<usize>>,
    n_pairs: usize,
    fraction: f64,
    seed: u64,
    name: &str,
) -> Result<Split> {
    let target = (fraction * n_pairs as f64).floor() as usize;
    shuffle(&mut orbits, seed);
    let mut train = Vec::with_capacity(target);
    let mut skipped: Vec<&Vec<usize>> = Vec::new();
    for orbit in &orbits {
        if train.len() + orbit.len() <= target {
            train.extend_from_slice(orbit);
        } else {
            skipped.push(orbit);
        }
    }
    let deficit = target - train.len();
    if deficit > 0 {
        if let Some(smallest) = skipped.iter().min_by_key(|o| o.len()) {
            if smallest.len() - deficit < deficit {
                train.extend_from_slice(smallest);
            }
        }
    }
    if train.is_empty() || train.len() == n_pairs {
        let sizes = orbits.iter().map(Vec::len);
        let (lo, hi) = (sizes.clone().min(), sizes.max());
        return Err(Error::param(
            "split.fraction",
            fraction,
            format!(
                "a fraction for which whole orbits of {} (sizes {}..{} out of {n_pairs} pairs) \
                 leave at least one training and one test pair",
                name,
                lo.unwrap_or(0),
                hi.unwrap_or(0)
            ),
        ));
    }
    Ok(Split::from_train(n_pairs, train))
}

/// Moves `m` training pairs chosen uniformly at random (ChaCha8 seeded with `seed`) to the test
/// set. Returns the new split and the moved pairs (ascending). Errors unless `m` leaves at least
/// one training pair. Moving even one random pair out of a symmetric split typically breaks its
/// symmetry.
pub fn move_random_train_to_test(
    split: &Split,
    m: usize,
    seed: u64,
) -> Result<(Split, Vec<usize>)> {
    let available = split.train.len();
    if m >= available {
        return Err(Error::param(
            "moved pairs",
            m,
            format!(
                "at most {} (the training set has {available} pairs and must keep one)",
                available.saturating_sub(1)
            ),
        ));
    }
    let mut order = split.train.clone();
    shuffle(&mut order, seed);
    let mut moved = order[..m].to_vec();
    moved.sort_unstable();
    let rest = order[m..].to_vec();
    Ok((Split::from_train(n_pairs(split), rest), moved))
}

/// Moves `m` whole H-orbits that lie entirely in the training set (for H = ⟨s r^k⟩ the reflection
/// pairs `{x, s r^k x}`, or single fixed points of s r^k if the training set has any), chosen at
/// random (ChaCha8 seeded with `seed`), to the test set. An H-invariant split stays H-invariant.
/// Returns the new split and the moved pairs (ascending).
///
/// Errors when fewer than `m` such orbits exist or the training set would become empty.
pub fn move_orbits_to_test(
    sym: &TaskSymmetry,
    split: &Split,
    h: &Subgroup,
    m: usize,
    seed: u64,
) -> Result<(Split, Vec<usize>)> {
    let in_train = membership(sym.n() * sym.n(), &split.train);
    let candidates: Vec<Vec<usize>> = h
        .orbits(sym)
        .into_iter()
        .filter(|orbit| orbit.iter().all(|&k| in_train[k]))
        .collect();
    if m > candidates.len() {
        return Err(Error::param(
            "orbits to move",
            m,
            format!(
                "at most {} (the {}-orbits lying entirely in the training set)",
                candidates.len(),
                h.name(sym)
            ),
        ));
    }
    move_orbit_choice(split, candidates, m, seed)
}

/// Moves `m` of the `candidates` (orbits lying entirely in the training set), chosen in a ChaCha8
/// order seeded by `seed`, from train to test; returns the new split and the moved pairs,
/// ascending. Errors (parameter `orbits to move`) when the moves would empty the training set.
fn move_orbit_choice(
    split: &Split,
    mut candidates: Vec<Vec<usize>>,
    m: usize,
    seed: u64,
) -> Result<(Split, Vec<usize>)> {
    shuffle(&mut candidates, seed);
    let mut moved: Vec<usize> = candidates[..m.min(candidates.len())]
        .iter()
        .flatten()
        .copied()
        .collect();
    moved.sort_unstable();
    if moved.len() >= split.train.len() {
        return Err(Error::param(
            "orbits to move",
            m,
            format!(
                "fewer orbits: moving {m} would empty the training set of {} pairs",
                split.train.len()
            ),
        ));
    }
    let rest: Vec<usize> = split
        .train
        .iter()
        .copied()
        .filter(|k| moved.binary_search(k).is_err())
        .collect();
    Ok((Split::from_train(n_pairs(split), rest), moved))
}

/// Moves the given test pairs to the training set (duplicates are ignored). Errors on a pair that is
/// not in the test set, or when the test set would become empty.
pub fn move_test_to_train(split: &Split, pairs: &[usize]) -> Result<Split> {
    let pairs = checked_pairs(split, pairs, &split.test, "test")?;
    if pairs.len() == split.test.len() {
        return Err(Error::param(
            "pairs",
            format!("{} pairs", pairs.len()),
            "fewer pairs than the whole test set",
        ));
    }
    let mut train = split.train.clone();
    train.extend_from_slice(&pairs);
    Ok(Split::from_train(n_pairs(split), train))
}

/// Moves the given training pairs to the test set (duplicates are ignored). Errors on a pair that is
/// not in the training set, or when the training set would become empty.
pub fn hold_out(split: &Split, pairs: &[usize]) -> Result<Split> {
    let pairs = checked_pairs(split, pairs, &split.train, "training")?;
    if pairs.len() == split.train.len() {
        return Err(Error::param(
            "pairs",
            format!("{} pairs", pairs.len()),
            "fewer pairs than the whole training set",
        ));
    }
    let train: Vec<usize> = split
        .train
        .iter()
        .copied()
        .filter(|k| pairs.binary_search(k).is_err())
        .collect();
    Ok(Split::from_train(n_pairs(split), train))
}

/// Sorted, deduplicated `pairs`, each checked to be in the ascending `side` of `split`.
fn checked_pairs(
    split: &Split,
    pairs: &[usize],
    side: &[usize],
    side_name: &str,
) -> Result<Vec<usize>> {
    let total = n_pairs(split);
    let mut pairs = pairs.to_vec();
    pairs.sort_unstable();
    pairs.dedup();
    for &k in &pairs {
        if k >= total {
            return Err(Error::param(
                "pairs",
                k,
                format!("pair indices below {total}"),
            ));
        }
        if side.binary_search(&k).is_err() {
            return Err(Error::param(
                "pairs",
                k,
                format!("pairs of the {side_name} set"),
            ));
        }
    }
    Ok(pairs)
}

fn n_pairs(split: &Split) -> usize {
    split.train.len() + split.test.len()
}

/// The symmetry of a split: its stabilizer, and what the orbits of a subgroup H predict.
///
/// With H = the stabilizer (the default), `Orbit_H(train) = train`, so `predicted` is empty and every
/// test pair lies outside the orbits: the §4 finding says RFM then fails on the test set whenever
/// the stabilizer is non-trivial. With H given (e.g. the subgroup a seeded M was learned under), a
/// run that learns only H classifies correctly exactly `predicted = Orbit_H(train) \ train`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SymmetryReport {
    /// Names of the stabilizer's elements, in group order (`id` first).
    pub stabilizer: Vec<String>,
    /// |stabilizer|; 1 means the split breaks every symmetry.
    pub stabilizer_order: usize,
    /// Readable name of the stabilizer (`trivial`, `<s r^3>`, …).
    pub stabilizer_name: String,
    /// Name of the subgroup H used for the orbit prediction.
    pub orbit_subgroup_name: String,
    /// |H|.
    pub orbit_subgroup_order: usize,
    /// Number of training pairs.
    pub n_train: usize,
    /// Number of test pairs.
    pub n_test: usize,
    /// Test pairs outside `Orbit_H(train)`: `|test \ Orbit_H(train)|`.
    pub test_outside_orbits: usize,
    /// `Orbit_H(train) \ train`, ascending pair indices (all of them test pairs).
    pub predicted: Vec<usize>,
    /// How a finished run's correctly classified test pairs compare with `predicted` (set by
    /// [`SymmetryReport::score`] after training; absent before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theory: Option<OrbitScore>,
}

/// The orbit theory scored against a run: which test pairs it classified correctly versus
/// `Orbit_H(train) \ train` (see [`orbit_prediction_score`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrbitScore {
    /// |correct ∩ predicted| / |correct| (1 when nothing is correct).
    pub precision: f64,
    /// |correct ∩ predicted| / |predicted| (1 when nothing is predicted).
    pub recall: f64,
    /// Test pairs classified correctly.
    pub n_correct: usize,
    /// Test pairs predicted by the theory.
    pub n_predicted: usize,
    /// Pairs in both.
    pub n_both: usize,
}

impl SymmetryReport {
    /// The report of `split`, with the orbit prediction for `orbit_subgroup` (the stabilizer when
    /// `None`); `None` when the elements of Sym_f are not listed.
    pub fn new(
        sym: &TaskSymmetry,
        split: &Split,
        orbit_subgroup: Option<&Subgroup>,
    ) -> Option<Self> {
        let stab = stabilizer(sym, &split.train)?;
        let h = orbit_subgroup.unwrap_or(&stab);
        let in_orbit = h.orbit_membership(sym, &split.train);
        let in_train = membership(sym.n() * sym.n(), &split.train);
        let predicted: Vec<usize> = (0..in_orbit.len())
            .filter(|&k| in_orbit[k] && !in_train[k])
            .collect();
        let test_outside_orbits = split.test.iter().filter(|&&k| !in_orbit[k]).count();
        Some(SymmetryReport {
            stabilizer: stab.element_names(sym),
            stabilizer_order: stab.order(),
            stabilizer_name: stab.name(sym),
            orbit_subgroup_name: h.name(sym),
            orbit_subgroup_order: h.order(),
            n_train: split.train.len(),
            n_test: split.test.len(),
            test_outside_orbits,
            predicted,
            theory: None,
        })
    }

    /// Scores the prediction against the test pairs a run classified correctly (e.g.
    /// `TrainOutput::test_correct`), stores the score in `theory` and returns it.
    pub fn score(&mut self, test_correct: &[usize]) -> OrbitScore {
        let (precision, recall) = orbit_prediction_score(test_correct, &self.predicted);
        let mut correct = test_correct.to_vec();
        correct.sort_unstable();
        correct.dedup();
        let n_both = correct
            .iter()
            .filter(|k| self.predicted.binary_search(k).is_ok())
            .count();
        let score = OrbitScore {
            precision,
            recall,
            n_correct: correct.len(),
            n_predicted: self.predicted.len(),
            n_both,
        };
        self.theory = Some(score.clone());
        score
    }
}

/// Precision and recall of the orbit theory against a run: `predicted_correct` are the test pairs
/// the run classified correctly, `theory` the pairs theory predicts (`Orbit_H(train) \ train`).
/// precision = |correct ∩ theory| / |correct|, recall = |correct ∩ theory| / |theory|; duplicates
/// are ignored, and a ratio with an empty denominator is 1 (vacuously true).
pub fn orbit_prediction_score(predicted_correct: &[usize], theory: &[usize]) -> (f64, f64) {
    let sorted = |v: &[usize]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v.dedup();
        v
    };
    let (correct, theory) = (sorted(predicted_correct), sorted(theory));
    let both = correct
        .iter()
        .filter(|k| theory.binary_search(k).is_ok())
        .count();
    let ratio = |num: usize, den: usize| {
        if den == 0 {
            1.0
        } else {
            num as f64 / den as f64
        }
    };
    (ratio(both, correct.len()), ratio(both, theory.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::{Operation, Task, TaskSpec};
    use proptest::prelude::*;

    fn task(op: Operation, p: u64) -> Task {
        Task::new(TaskSpec::new(op, p)).unwrap()
    }

    fn product_task(op: Operation, factors: &[usize]) -> Task {
        let mut spec = TaskSpec::new(op, 0);
        spec.group = Some(factors.to_vec());
        Task::new(spec).unwrap()
    }

    fn is_partition(split: &Split, n_pairs: usize) -> bool {
        let mut all: Vec<usize> = split.train.iter().chain(&split.test).copied().collect();
        all.sort_unstable();
        all.len() == n_pairs && all.iter().enumerate().all(|(i, &k)| i == k)
    }

    #[test]
    fn fixed_points_split_of_one_reflection() {
        for op in [
            Operation::Add,
            Operation::Sub,
            Operation::Mul,
            Operation::Div,
        ] {
            let t = task(op, 31);
            let dih = TaskSymmetry::of(&t);
            let g = dih.parse_element("s r^7").unwrap();
            let split = fixed_points_split(&dih, &Subgroup::closure(&dih, &[g])).unwrap();
            assert_eq!(split.test, dih.fixed_points(dih.element(g)));
            assert_eq!(split.test.len(), dih.n());
            assert!(is_partition(&split, t.n_pairs()));
            let stab = stabilizer(&dih, &split.train).unwrap();
            assert!(stab.contains(g), "{}", op.name());
            if dih.n() % 2 == 1 {
                // the centralizer of a reflection in Dih(A), n odd, is {id, s r^k}
                assert_eq!(stab.order(), 2);
                assert_eq!(stab.name(&dih), "<s r^7>");
            } else {
                // n even: r^x with x⋆x = e commutes with every reflection
                assert_eq!(stab.order(), 4, "{}", op.name());
            }
        }
        let t = task(Operation::Add, 11);
        let dih = TaskSymmetry::of(&t);
        let r2 = Subgroup::closure(&dih, &[dih.parse_element("r^2").unwrap()]);
        let err = fixed_points_split(&dih, &r2);
        assert!(err.unwrap_err().to_string().contains("reflection"));
    }

    #[test]
    fn fixed_points_split_of_a_dihedral_subgroup() {
        let t = task(Operation::Add, 32);
        let dih = TaskSymmetry::of(&t);
        let h = Subgroup::parse(&dih, "r^16, s").unwrap();
        let split = fixed_points_split(&dih, &h).unwrap();
        assert_eq!(split.test.len(), 64);
        let stab = stabilizer(&dih, &split.train).unwrap();
        for &g in h.elements() {
            assert!(stab.contains(g));
        }
        for bad in ["r^4", "r, s"] {
            let h = Subgroup::parse(&dih, bad).unwrap();
            let err = fixed_points_split(&dih, &h).unwrap_err();
            assert!(err.to_string().contains("subgroup"), "{err}");
        }
    }

    #[test]
    fn one_random_point_breaks_the_symmetry_and_reflection_pairs_keep_it() {
        for (op, p) in [
            (Operation::Add, 31),
            (Operation::Sub, 31),
            (Operation::Add, 61),
            (Operation::Mul, 31),
            (Operation::Div, 23),
        ] {
            let t = task(op, p);
            let dih = TaskSymmetry::of(&t);
            let g = dih.parse_element("s r^3").unwrap();
            let h = Subgroup::closure(&dih, &[g]);
            let split = fixed_points_split(&dih, &h).unwrap();
            for seed in 0..4 {
                let (broken, moved) = move_random_train_to_test(&split, 1, seed).unwrap();
                assert_eq!(moved.len(), 1);
                assert_eq!(broken.test.len(), split.test.len() + 1);
                assert!(broken.test.binary_search(&moved[0]).is_ok());
                let stab = stabilizer(&dih, &broken.train).unwrap();
                assert!(!stab.contains(g));
                if dih.n() % 2 == 1 {
                    // proof: any g with g(test) = test maps Fix(s r^3) to a fixed-point set inside
                    // test, so commutes with s r^3, so is id or s r^3, and s r^3 moves the new point
                    assert!(stab.is_trivial(), "{} p={p} seed {seed}", op.name());
                }
                for m in [1, 2, 5] {
                    let (kept, moved) = move_orbits_to_test(&dih, &split, &h, m, seed).unwrap();
                    assert_eq!(moved.len(), 2 * m, "reflection pairs");
                    for &k in &moved {
                        assert!(moved.binary_search(&dih.act_index(g, k)).is_ok());
                    }
                    assert!(stabilizer(&dih, &kept.train).unwrap().contains(g));
                    assert!(h.leaves_invariant(&dih, &kept.train));
                }
                // moving fixed points from test to train keeps the symmetry too
                let back = move_test_to_train(&split, &split.test[..3]).unwrap();
                assert!(stabilizer(&dih, &back.train).unwrap().contains(g));
            }
        }
    }

    #[test]
    fn edits_are_seeded_and_checked() {
        let t = task(Operation::Add, 13);
        let dih = TaskSymmetry::of(&t);
        let h = Subgroup::parse(&dih, "s").unwrap();
        let split = fixed_points_split(&dih, &h).unwrap();
        let a = move_random_train_to_test(&split, 5, 1).unwrap();
        assert_eq!(a, move_random_train_to_test(&split, 5, 1).unwrap());
        assert_ne!(a.1, move_random_train_to_test(&split, 5, 2).unwrap().1);
        assert!(is_partition(&a.0, 169));
        let b = move_orbits_to_test(&dih, &split, &h, 3, 9).unwrap();
        assert_eq!(b, move_orbits_to_test(&dih, &split, &h, 3, 9).unwrap());

        // too many: 156 training pairs, 78 reflection pairs
        let err = move_random_train_to_test(&split, 156, 0).unwrap_err();
        assert!(
            err.is_usage() && err.to_string().contains("at most 155"),
            "{err}"
        );
        let err = move_orbits_to_test(&dih, &split, &h, 79, 0).unwrap_err();
        assert!(err.to_string().contains("at most 78"), "{err}");
        assert!(move_orbits_to_test(&dih, &split, &h, 78, 0).is_err());
        assert!(move_orbits_to_test(&dih, &split, &h, 77, 0).is_ok());
        // pairs on the wrong side, out of range, or emptying a side
        let err = hold_out(&split, &[split.test[0]]).unwrap_err();
        assert!(err.to_string().contains("training set"), "{err}");
        assert!(move_test_to_train(&split, &[split.train[0]]).is_err());
        assert!(move_test_to_train(&split, &[169]).is_err());
        assert!(move_test_to_train(&split, &split.test).is_err());
        assert!(hold_out(&split, &split.train).is_err());
        let held = hold_out(&split, &[split.train[4], split.train[4], split.train[0]]).unwrap();
        assert_eq!(held.test.len(), 15);
        assert_eq!(
            move_test_to_train(&held, &[split.train[0]])
                .unwrap()
                .test
                .len(),
            14
        );
    }

    #[test]
    fn report_and_scores() {
        let t = task(Operation::Add, 31);
        let dih = TaskSymmetry::of(&t);
        let g = dih.parse_element("s r^5").unwrap();
        let h = Subgroup::closure(&dih, &[g]);

        let sym = fixed_points_split(&dih, &h).unwrap();
        let report = SymmetryReport::new(&dih, &sym, None).unwrap();
        assert_eq!(report.stabilizer, ["id", "s r^5"]);
        assert_eq!(report.stabilizer_name, "<s r^5>");
        assert_eq!(report.stabilizer_order, 2);
        assert!(report.predicted.is_empty());
        assert_eq!(report.test_outside_orbits, 31);

        let random = Split::random(t.n_pairs(), 0.5, 3).unwrap();
        let report = SymmetryReport::new(&dih, &random, Some(&h)).unwrap();
        assert_eq!(report.stabilizer_name, "trivial");
        assert_eq!(report.orbit_subgroup_name, "<s r^5>");
        let mut expected: Vec<usize> = random
            .train
            .iter()
            .map(|&k| dih.act_index(g, k))
            .filter(|k| random.test.binary_search(k).is_ok())
            .collect();
        expected.sort_unstable();
        assert_eq!(report.predicted, expected);
        assert_eq!(
            report.test_outside_orbits,
            random.test.len() - expected.len()
        );
        let json = serde_json::to_string(&report).unwrap();
        let back: SymmetryReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back, report);

        let mut scored = report.clone();
        let half = &expected[..expected.len() / 2];
        let outside = random
            .test
            .iter()
            .copied()
            .find(|k| expected.binary_search(k).is_err())
            .unwrap();
        let s = scored.score(&[half, &[outside]].concat());
        assert_eq!(s.n_correct, half.len() + 1);
        assert_eq!((s.n_predicted, s.n_both), (expected.len(), half.len()));
        assert_eq!(scored.theory, Some(s.clone()));
        let back: SymmetryReport =
            serde_json::from_str(&serde_json::to_string(&scored).unwrap()).unwrap();
        assert_eq!(back, scored);
        assert!(!serde_json::to_string(&report).unwrap().contains("theory"));

        assert_eq!(orbit_prediction_score(&expected, &expected), (1.0, 1.0));
        assert_eq!(
            orbit_prediction_score(&[1, 2, 3, 4], &[3, 4, 5]),
            (0.5, 2.0 / 3.0)
        );
        assert_eq!(orbit_prediction_score(&[1, 1, 2], &[2]), (0.5, 1.0));
        assert_eq!(orbit_prediction_score(&[], &[1]), (1.0, 0.0));
        assert_eq!(orbit_prediction_score(&[], &[]), (1.0, 1.0));
    }

    #[test]
    fn orbit_split_errors() {
        let t = task(Operation::Add, 7);
        let dih = TaskSymmetry::of(&t);
        let h = Subgroup::full(&dih);
        for f in [0.0, 1.0, f64::NAN, -0.5] {
            assert!(orbit_split(&dih, &h, f, 0).is_err());
        }
        // Every Dih(Z_7)-orbit has 7 pairs (each pair is fixed by one reflection); 1 % of 49 is 0.
        let err = orbit_split(&dih, &h, 0.01, 0).unwrap_err();
        assert!(err.to_string().contains("split.fraction"), "{err}");
        assert!(orbit_split(&dih, &h, 0.5, 0).is_ok());
    }

    fn specs() -> Vec<TaskSpec> {
        let mut specs = Vec::new();
        for p in [5u64, 7, 11, 13] {
            for op in [
                Operation::Add,
                Operation::Sub,
                Operation::Mul,
                Operation::Div,
            ] {
                specs.push(TaskSpec::new(op, p));
            }
        }
        for factors in [vec![2, 4], vec![3, 5]] {
            for op in [Operation::Add, Operation::Sub] {
                let mut spec = TaskSpec::new(op, 0);
                spec.group = Some(factors.clone());
                specs.push(spec);
            }
        }
        specs
    }

    proptest! {
        #[test]
        fn orbit_splits_are_invariant_and_near_the_target(
            spec in prop::sample::select(specs()),
            gens in prop::collection::vec(0usize..64, 0..3),
            fraction in 0.2f64..0.8,
            seed in any::<u64>(),
        ) {
            let t = Task::new(spec).unwrap();
            let dih = TaskSymmetry::of(&t);
            let gens: Vec<usize> = gens.iter().map(|&i| i % dih.len()).collect();
            let h = Subgroup::closure(&dih, &gens);
            let split = orbit_split(&dih, &h, fraction, seed).unwrap();
            prop_assert!(is_partition(&split, t.n_pairs()));
            prop_assert!(h.leaves_invariant(&dih, &split.train));
            prop_assert!(h.leaves_invariant(&dih, &split.test));
            let stab = stabilizer(&dih, &split.train).unwrap();
            for &g in h.elements() {
                prop_assert!(stab.contains(g));
            }
            let target = (fraction * t.n_pairs() as f64).floor() as usize;
            prop_assert!(split.train.len().abs_diff(target) <= h.order(), "{} vs {}", split.train.len(), target);
            prop_assert_eq!(&split, &orbit_split(&dih, &h, fraction, seed).unwrap());
            if h.is_trivial() {
                prop_assert_eq!(split.train.len(), target);
            }
        }
    }

    #[test]
    fn product_group_fixed_points_and_orbit_split() {
        let t = product_task(Operation::Sub, &[3, 5]);
        let dih = TaskSymmetry::of(&t);
        let h = Subgroup::parse(&dih, "s r^(1,2)").unwrap();
        let split = fixed_points_split(&dih, &h).unwrap();
        assert_eq!(split.test.len(), 15);
        assert_eq!(
            stabilizer(&dih, &split.train).unwrap().name(&dih),
            "<s r^(1,2)>"
        );
        let s = orbit_split(&dih, &h, 0.5, 4).unwrap();
        assert!(h.leaves_invariant(&dih, &s.train));
    }
}

#[cfg(test)]
mod sym_f_tests {
    use super::*;
    use crate::data::{Split, SplitSpec};
    use crate::group::{Operation, Task, TaskSpec};
    use crate::symmetry::stabilizer;
    use crate::symmetry::TaskSymmetry;
    use proptest::prelude::*;

    fn named(op: Operation, group: &str) -> Task {
        Task::new(TaskSpec::on_group(op, group)).unwrap()
    }

    fn graph(g: &str) -> Task {
        Task::new(TaskSpec::on_graph(g)).unwrap()
    }

    /// Whether `set` (pair indices) is mapped onto itself by every element of `h` (from the
    /// action of the coordinate permutations directly).
    fn invariant(sym: &TaskSymmetry, h: &Subgroup, set: &[usize]) -> bool {
        let n = sym.n();
        let mut inside = vec![false; n * n];
        for &k in set {
            inside[k] = true;
        }
        h.elements().iter().all(|&g| {
            set.iter().all(|&k| {
                let (a, b) = sym.act(sym.element(g), (k / n, k % n));
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
        let by_index = Subgroup::parse(&sym, "#1").unwrap();
        let by_name = Subgroup::parse(&sym, &names[1]).unwrap();
        assert_eq!(by_index, by_name);
        assert_eq!(by_index.order(), 2);
        for bad in ["#2", "#x", "#"] {
            let e = Subgroup::parse(&sym, bad).unwrap_err().to_string();
            assert!(e.contains("group element") && e.contains("#k"), "{e}");
        }
    }

    #[test]
    fn fixed_point_splits_test_exactly_the_fixed_pairs_and_are_invariant() {
        let t = graph("cycle:12");
        let sym = TaskSymmetry::of(&t);
        let h = Subgroup::parse(&sym, "s").unwrap();
        let split = fixed_points_split(&sym, &h).unwrap();
        // s swaps the operands: it fixes exactly the diagonal pairs (a, a) — computed here from
        // the action directly, not from `fixed_points`.
        let n = 12;
        let s_el = sym.element(
            *h.elements()
                .iter()
                .find(|&&g| sym.is_swap_index(g))
                .unwrap(),
        );
        let fixed: Vec<usize> = (0..n * n)
            .filter(|&k| sym.act(s_el, (k / n, k % n)) == (k / n, k % n))
            .collect();
        assert_eq!(split.test, fixed);
        assert_eq!(split.train.len() + split.test.len(), n * n);
        assert!(invariant(&sym, &h, &split.train) && invariant(&sym, &h, &split.test));
        // A free action has no fixed points: the error names the parameter and says why.
        let s3 = named(Operation::Mul, "S3");
        let sym3 = TaskSymmetry::of(&s3);
        let h3 = Subgroup::parse(&sym3, "r^{(1 2 3)}").unwrap();
        let err = fixed_points_split(&sym3, &h3).unwrap_err();
        assert!(
            err.to_string().contains("subgroup") && err.to_string().contains("freely"),
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
        let h = Subgroup::parse(&sym, "r^s").unwrap();
        let base = orbit_split(&sym, &h, 0.6, 3).unwrap();
        let (next, moved) = move_orbits_to_test(&sym, &base, &h, 2, 7).unwrap();
        assert_eq!(moved.len(), 2 * h.order()); // free action: orbits of |H| pairs
        assert!(moved
            .iter()
            .all(|k| base.train.contains(k) && next.test.contains(k)));
        assert_eq!(next.train.len() + moved.len(), base.train.len());
        assert!(invariant(&sym, &h, &next.train) && invariant(&sym, &h, &moved));
        let (_, again) = move_orbits_to_test(&sym, &base, &h, 2, 7).unwrap();
        assert_eq!(moved, again);
        let (_, other) = move_orbits_to_test(&sym, &base, &h, 2, 8).unwrap();
        assert_ne!(moved, other);
        let too_many = base.train.len() / h.order() + 1;
        let err = move_orbits_to_test(&sym, &base, &h, too_many, 7).unwrap_err();
        assert!(err.to_string().contains("orbits to move"), "{err}");
    }

    #[test]
    fn orbits_of_a_subgroup_of_s3_have_its_order_and_keep_labels() {
        let t = named(Operation::Mul, "S3");
        let sym = TaskSymmetry::of(&t);
        let h = Subgroup::parse(&sym, "r^{(1 2 3)}").unwrap();
        assert_eq!(h.order(), 3);
        let name = h.name(&sym);
        assert!(name == "<r^{(1 2 3)}>" || name == "<r^{(1 3 2)}>", "{name}");
        assert_eq!(Subgroup::parse(&sym, &name).unwrap(), h);
        let orbits = h.orbits(&sym);
        // a free action: every orbit has |H| pairs, all with the same label
        assert_eq!(orbits.len(), 36 / 3);
        for o in &orbits {
            assert_eq!(o.len(), 3);
            let label = t.labels()[o[0]];
            assert!(o.iter().all(|&k| t.labels()[k] == label));
        }
        // H = Sym_f: the orbits are the label classes
        let all = Subgroup::parse(&sym, "r^{(1 2 3)}, r^{(1 2)}").unwrap();
        assert_eq!(all.order(), 6);
        assert_eq!(all.orbits(&sym).len(), 6);
        // braces are optional where unambiguous
        assert_eq!(
            Subgroup::parse(&sym, "r^(1 2)").unwrap(),
            Subgroup::parse(&sym, "r^{(1 2)}").unwrap()
        );
        for bad in ["r^{(1 4)}", "x", "r^(1 4)"] {
            let e = Subgroup::parse(&sym, bad).unwrap_err();
            assert!(e.to_string().contains("group element") && e.to_string().contains(bad));
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
        assert_eq!(stabilizer(&sym, &split.train).unwrap().elements(), [0]);
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
        assert_eq!(stabilizer(&sym, &split.train).unwrap().elements(), [0]);
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
            let h = Subgroup::parse(&sym, g).unwrap();
            let split = orbit_split(&sym, &h, fraction, seed).unwrap();
            let stab = stabilizer(&sym, &split.train).unwrap();
            // H ⊆ Stab(train): every element of H maps train onto itself
            for &e in h.elements() {
                prop_assert!(stab.contains(e));
            }
            prop_assert_eq!(split.train.len() + split.test.len(), t.n_pairs());
        }
    }
}

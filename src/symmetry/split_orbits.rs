//! How the H-orbits on pairs fall on a split: entirely in train, entirely in test, or cut by it
//! (the cut orbits are where `Orbit_H(train) \ train` comes from). Printed by `symrfm split`.

use super::subgroup::Subgroup;
use super::task_symmetry::TaskSymmetry;
use crate::data::Split;
use serde::{Deserialize, Serialize};

/// Counts of the H-orbits on the n² pairs by the side of the split they lie on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrbitCounts {
    /// All H-orbits.
    pub orbits: usize,
    /// Orbits all of whose pairs are training pairs.
    pub in_train: usize,
    /// Orbits all of whose pairs are test pairs.
    pub in_test: usize,
    /// Orbits with pairs on both sides: the split is not H-invariant exactly when there is one.
    pub mixed: usize,
}

/// The orbit counts of `split` under `h`.
pub fn orbit_counts(sym: &TaskSymmetry, h: &Subgroup, split: &Split) -> OrbitCounts {
    let n_pairs = sym.n() * sym.n();
    let mut is_train = vec![false; n_pairs];
    for &k in &split.train {
        if k < n_pairs {
            is_train[k] = true;
        }
    }
    let mut c = OrbitCounts {
        orbits: 0,
        in_train: 0,
        in_test: 0,
        mixed: 0,
    };
    for orbit in h.orbits(sym) {
        c.orbits += 1;
        let train = orbit.iter().filter(|&&k| is_train[k]).count();
        if train == orbit.len() {
            c.in_train += 1;
        } else if train == 0 {
            c.in_test += 1;
        } else {
            c.mixed += 1;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::{Operation, Task, TaskSpec};
    use crate::symmetry::fixed_points_split;

    #[test]
    fn fixed_points_of_s_are_the_singleton_orbits() {
        // add mod 7, H = <s>: the 7 pairs (a, a) are singleton orbits (the test set), the other
        // 42 pairs form 21 orbits {(a, b), (b, a)} in train.
        let task = Task::new(TaskSpec::new(Operation::Add, 7)).unwrap();
        let dih = TaskSymmetry::of(&task);
        let h = Subgroup::parse(&dih, "s").unwrap();
        let split = fixed_points_split(&dih, &h).unwrap();
        let c = orbit_counts(&dih, &h, &split);
        assert_eq!(
            c,
            OrbitCounts {
                orbits: 28,
                in_train: 21,
                in_test: 7,
                mixed: 0
            }
        );
        // Moving one training pair to test cuts its orbit.
        let mut train = split.train.clone();
        train.remove(0);
        let cut = orbit_counts(&dih, &h, &Split::from_train(49, train));
        assert_eq!((cut.in_train, cut.mixed), (20, 1));
    }
}

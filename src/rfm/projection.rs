//! Orthogonal projections of a feature matrix defined by a group of coordinate permutations.
//!
//! A finite group H acts on the d input coordinates by permutations σ_h, with permutation matrices
//! `Π(h) e_i = e_{σ_h(i)}` (the convention of
//! [`TaskSymmetry`](crate::symmetry::TaskSymmetry)). This module only
//! needs that list of permutations ([`PermutationGroup`]), so it serves any group that can list
//! its coordinate permutations, not only Dih(A). Both projections are computed by moving entries
//! (O(|H|·d²)), never by dense matrix products:
//!
//! - the **commutant** `{M : Π(h) M = M Π(h) ∀h}`:
//!   `P_H(M) = (1/|H|) Σ_h Π(h) M Π(h)ᵀ`, i.e. `P_H(M)[σ_h(i), σ_h(j)]` accumulates `M[i, j]/|H|`;
//! - the **group algebra** `span{Π(h)}`: `Σ_h α_h Π(h)` with `α` solving the Gram system
//!   `⟨Π(g), Π(h)⟩_F α = (⟨Π(g), M⟩_F)_g` (for a group acting freely on the coordinates, as Dih(A)
//!   does, the Π(h) are mutually orthogonal and `α_h = ⟨Π(h), M⟩_F / d`).
//!
//! Both are orthogonal projections for the Frobenius inner product, and both map symmetric matrices
//! to symmetric matrices. [`PermutationGroup::asymmetry`] is the relative distance to the commutant,
//! the measure of how far a symmetric trap has been left.

use crate::error::{Error, Result};
use crate::linalg::eigh;
use crate::symmetry::{Subgroup, TaskSymmetry};
use ndarray::{Array2, ArrayView2};
use std::collections::HashSet;

/// A finite group of permutations of `0..dim` (closed under composition, with the identity).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermutationGroup {
    dim: usize,
    perms: Vec<Vec<usize>>,
    /// Whether the permutation matrices are mutually orthogonal (no two elements agree on any
    /// coordinate), so the group-algebra coefficients need no Gram system.
    orthogonal: bool,
}

impl PermutationGroup {
    /// Checks that every entry of `perms` is a permutation of `0..dim` and that the set is a group
    /// (contains the identity, closed under composition); duplicates are dropped. `name` is the
    /// parameter named in errors (e.g. `params.interventions`).
    pub fn new(name: &'static str, dim: usize, perms: Vec<Vec<usize>>) -> Result<Self> {
        let mut seen = HashSet::new();
        let mut unique = Vec::with_capacity(perms.len());
        for p in perms {
            let mut hit = vec![false; dim];
            let ok = p.len() == dim
                && p.iter()
                    .all(|&j| j < dim && !std::mem::replace(&mut hit[j], true));
            if !ok {
                return Err(Error::param(
                    name,
                    format!("{p:?}"),
                    format!("permutations of 0..{dim} (one image per coordinate)"),
                ));
            }
            if seen.insert(p.clone()) {
                unique.push(p);
            }
        }
        let identity: Vec<usize> = (0..dim).collect();
        if !seen.contains(&identity) {
            return Err(Error::param(
                name,
                "a permutation list without the identity",
                "a group of permutations (it must contain the identity)",
            ));
        }
        for a in &unique {
            for b in &unique {
                let ab: Vec<usize> = b.iter().map(|&j| a[j]).collect();
                if !seen.contains(&ab) {
                    return Err(Error::param(
                        name,
                        "a permutation list not closed under composition",
                        "a group of permutations",
                    ));
                }
            }
        }
        Ok(Self::from_checked(dim, unique))
    }

    fn from_checked(dim: usize, perms: Vec<Vec<usize>>) -> Self {
        let orthogonal = perms.iter().enumerate().all(|(g, a)| {
            perms[..g]
                .iter()
                .all(|b| a.iter().zip(b).all(|(x, y)| x != y))
        });
        PermutationGroup {
            dim,
            perms,
            orthogonal,
        }
    }

    /// The coordinate permutations of a subgroup H ≤ Sym_f (`Π(h)` as in
    /// [`TaskSymmetry`]), in element order; d = 2n. H is a group by construction.
    pub fn from_subgroup(sym: &TaskSymmetry, h: &Subgroup) -> Self {
        let perms = h.elements().iter().map(|&g| sym.permutation(g)).collect();
        Self::from_checked(2 * sym.n(), perms)
    }

    /// The group of the coordinate permutations `elements` (as listed by
    /// [`TaskSymmetry`](crate::symmetry::TaskSymmetry), `u32` images) of dimension `dim`; they
    /// must form a group (a subgroup of Sym_f listed by closure, a stabilizer), which is not
    /// checked again.
    pub fn from_coordinate_permutations(dim: usize, elements: &[Vec<u32>]) -> Self {
        let perms = elements
            .iter()
            .map(|p| p.iter().map(|&v| v as usize).collect())
            .collect();
        Self::from_checked(dim, perms)
    }

    /// The dimension d the permutations act on.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// |H|.
    pub fn order(&self) -> usize {
        self.perms.len()
    }

    /// Whether H is trivial (only the identity).
    pub fn is_trivial(&self) -> bool {
        self.perms.len() <= 1
    }

    /// The permutations σ_h.
    pub fn permutations(&self) -> &[Vec<usize>] {
        &self.perms
    }

    #[track_caller]
    fn check(&self, m: ArrayView2<'_, f64>) {
        assert_eq!(
            m.dim(),
            (self.dim, self.dim),
            "matrix shape does not match the permutation group"
        );
    }

    /// `P_H(M) = (1/|H|) Σ_h Π(h) M Π(h)ᵀ`, the orthogonal projection onto the commutant of H.
    /// Panics if `m` is not d × d.
    #[track_caller]
    pub fn commutant_projection(&self, m: ArrayView2<'_, f64>) -> Array2<f64> {
        self.check(m);
        let d = self.dim;
        let mut out = Array2::<f64>::zeros((d, d));
        if self.is_trivial() {
            out.assign(&m);
            return out;
        }
        let w = 1.0 / self.order() as f64;
        for sigma in &self.perms {
            for (i, row) in m.rows().into_iter().enumerate() {
                let mut target = out.row_mut(sigma[i]);
                for (j, &v) in row.iter().enumerate() {
                    target[sigma[j]] += v;
                }
            }
        }
        out.mapv_inplace(|v| v * w);
        out
    }

    /// The coefficients `α_h` of the orthogonal projection `Σ_h α_h Π(h)` of `m` onto the group
    /// algebra span{Π(h)}, in the order of [`permutations`](Self::permutations). With mutually
    /// orthogonal Π(h) this is `⟨Π(h), M⟩_F / d`; otherwise the least-squares solution of the Gram
    /// system (minimum norm when the Π(h) are linearly dependent).
    #[track_caller]
    pub fn group_algebra_coefficients(&self, m: ArrayView2<'_, f64>) -> Result<Vec<f64>> {
        self.check(m);
        // ⟨Π(h), M⟩_F = Σ_i M[σ_h(i), i]
        let b: Vec<f64> = self
            .perms
            .iter()
            .map(|s| s.iter().enumerate().map(|(i, &si)| m[[si, i]]).sum())
            .collect();
        if self.orthogonal {
            return Ok(b.iter().map(|v| v / self.dim as f64).collect());
        }
        let k = self.order();
        let gram = Array2::from_shape_fn((k, k), |(g, h)| {
            self.perms[g]
                .iter()
                .zip(&self.perms[h])
                .filter(|(x, y)| x == y)
                .count() as f64
        });
        let (lambda, u) = eigh(gram.view())?;
        let top = lambda.iter().fold(0.0f64, |a, &l| a.max(l));
        let cutoff = top * 1e-10;
        let mut alpha = vec![0.0; k];
        for (c, &l) in lambda.iter().enumerate() {
            if l <= cutoff {
                continue;
            }
            let proj: f64 = (0..k).map(|g| u[[g, c]] * b[g]).sum::<f64>() / l;
            for (g, a) in alpha.iter_mut().enumerate() {
                *a += u[[g, c]] * proj;
            }
        }
        Ok(alpha)
    }

    /// The orthogonal projection of `m` onto span{Π(h) : h ∈ H} (see
    /// [`group_algebra_coefficients`](Self::group_algebra_coefficients)).
    #[track_caller]
    pub fn group_algebra_projection(&self, m: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        let alpha = self.group_algebra_coefficients(m)?;
        let mut out = Array2::<f64>::zeros((self.dim, self.dim));
        for (sigma, &a) in self.perms.iter().zip(&alpha) {
            for (i, &si) in sigma.iter().enumerate() {
                out[[si, i]] += a;
            }
        }
        Ok(out)
    }

    /// The asymmetry of `m` with respect to H: `‖M − P_H(M)‖_F / ‖M‖_F`, 0 when H is trivial or
    /// M = 0.
    #[track_caller]
    pub fn asymmetry(&self, m: ArrayView2<'_, f64>) -> f64 {
        if self.is_trivial() {
            return 0.0;
        }
        let p = self.commutant_projection(m);
        let norm_sq: f64 = m.iter().map(|v| v * v).sum();
        if norm_sq == 0.0 {
            return 0.0;
        }
        let diff_sq: f64 = m.iter().zip(&p).map(|(a, b)| (a - b) * (a - b)).sum();
        (diff_sq / norm_sq).sqrt()
    }
}

/// `M ← (1 − β) M + β P` in place (`β = 1` copies `P` exactly).
pub fn blend(m: &mut Array2<f64>, p: &Array2<f64>, strength: f64) {
    if strength == 1.0 {
        m.assign(p);
    } else {
        m.zip_mut_with(p, |a, &b| *a = (1.0 - strength) * *a + strength * b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::{Operation, Task, TaskSpec};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn random_sym(d: usize, rng: &mut ChaCha8Rng) -> Array2<f64> {
        let a = Array2::from_shape_fn((d, d), |_| rng.random::<f64>() - 0.5);
        &a + &a.t()
    }

    fn random(d: usize, rng: &mut ChaCha8Rng) -> Array2<f64> {
        Array2::from_shape_fn((d, d), |_| rng.random::<f64>() - 0.5)
    }

    fn frob(a: &Array2<f64>) -> f64 {
        a.iter().map(|v| v * v).sum::<f64>().sqrt()
    }

    fn inner(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    fn perm_matrix(sigma: &[usize]) -> Array2<f64> {
        let mut p = Array2::zeros((sigma.len(), sigma.len()));
        for (i, &j) in sigma.iter().enumerate() {
            p[[j, i]] = 1.0;
        }
        p
    }

    /// Subgroups of several Dih(A) (add, sub, mul, a product group), by name.
    fn cases() -> Vec<(Task, &'static str)> {
        let mut out = Vec::new();
        for (op, p, h) in [
            (Operation::Add, 7, "s r^2"),
            (Operation::Add, 7, "r"),
            (Operation::Add, 7, "full"),
            (Operation::Sub, 5, "r,s"),
            (Operation::Mul, 7, "s r^3"),
            (Operation::Div, 7, "r^6, s"),
            (Operation::Add, 9, "r^3, s"),
        ] {
            out.push((Task::new(TaskSpec::new(op, p)).unwrap(), h));
        }
        out
    }

    #[test]
    fn commutant_projection_matches_the_dense_sum_and_is_an_orthogonal_projection() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for (task, name) in cases() {
            let dih = TaskSymmetry::of(&task);
            let h = Subgroup::parse(&dih, name).unwrap();
            let group = PermutationGroup::from_subgroup(&dih, &h);
            let d = group.dim();
            let m = random(d, &mut rng);
            let n = random(d, &mut rng);
            let p = group.commutant_projection(m.view());
            // naive reference: (1/|H|) Σ Π M Πᵀ with dense products
            let mut naive = Array2::<f64>::zeros((d, d));
            for g in h.elements() {
                let pi = dih.permutation_matrix(dih.element(*g));
                naive += &pi.dot(&m).dot(&pi.t());
            }
            naive /= h.order() as f64;
            assert!(frob(&(&p - &naive)) <= 1e-13 * frob(&m), "{name}");
            // idempotent
            let pp = group.commutant_projection(p.view());
            assert!(frob(&(&pp - &p)) <= 1e-13 * frob(&m), "{name}");
            // orthogonal: ⟨M − P(M), P(N)⟩ = 0
            let pn = group.commutant_projection(n.view());
            assert!(
                inner(&(&m - &p), &pn).abs() <= 1e-12 * frob(&m) * frob(&n),
                "{name}"
            );
            // commutes with every Π(h)
            for g in h.elements() {
                let pi = dih.permutation_matrix(dih.element(*g));
                assert!(
                    frob(&(pi.dot(&p) - p.dot(&pi))) <= 1e-12 * frob(&m),
                    "{name}"
                );
            }
            // a matrix in the commutant is unchanged
            let q = group.commutant_projection(p.view());
            assert!(frob(&(&q - &p)) <= 1e-14 * frob(&p));
        }
    }

    #[test]
    fn group_algebra_projection_is_an_orthogonal_projection_onto_the_span() {
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        for (task, name) in cases() {
            let dih = TaskSymmetry::of(&task);
            let h = Subgroup::parse(&dih, name).unwrap();
            let group = PermutationGroup::from_subgroup(&dih, &h);
            assert!(group.orthogonal, "Dih(A) acts freely on coordinates");
            let d = group.dim();
            let m = random_sym(d, &mut rng);
            let n = random(d, &mut rng);
            let p = group.group_algebra_projection(m.view()).unwrap();
            let pp = group.group_algebra_projection(p.view()).unwrap();
            assert!(frob(&(&pp - &p)) <= 1e-13 * frob(&m), "{name}");
            let pn = group.group_algebra_projection(n.view()).unwrap();
            assert!(
                inner(&(&m - &p), &pn).abs() <= 1e-12 * frob(&m) * frob(&n),
                "{name}"
            );
            // residual orthogonal to every Π(h): this is what characterizes the projection
            for g in h.elements() {
                let pi = dih.permutation_matrix(dih.element(*g));
                assert!(inner(&(&m - &p), &pi).abs() <= 1e-12 * frob(&m), "{name}");
            }
            // symmetric in, symmetric out
            assert!(frob(&(&p - &p.t())) <= 1e-14 * frob(&m));
            // an element of the span is unchanged
            let x = 0.3 * perm_matrix(&group.permutations()[0])
                - 1.7 * perm_matrix(group.permutations().last().unwrap());
            let px = group.group_algebra_projection(x.view()).unwrap();
            assert!(frob(&(&px - &x)) <= 1e-14 * frob(&x));
        }
    }

    #[test]
    fn gram_system_handles_non_orthogonal_and_dependent_permutations() {
        // S_3 on 3 points: the six permutation matrices span a 5-dimensional space and overlap.
        let perms = vec![
            vec![0, 1, 2],
            vec![1, 0, 2],
            vec![0, 2, 1],
            vec![2, 1, 0],
            vec![1, 2, 0],
            vec![2, 0, 1],
        ];
        let group = PermutationGroup::new("test", 3, perms).unwrap();
        assert!(!group.orthogonal);
        let mut rng = ChaCha8Rng::seed_from_u64(13);
        for _ in 0..5 {
            let m = random(3, &mut rng);
            let n = random(3, &mut rng);
            let p = group.group_algebra_projection(m.view()).unwrap();
            let pp = group.group_algebra_projection(p.view()).unwrap();
            assert!(frob(&(&pp - &p)) <= 1e-12);
            let pn = group.group_algebra_projection(n.view()).unwrap();
            assert!(inner(&(&m - &p), &pn).abs() <= 1e-12);
            for s in group.permutations() {
                assert!(inner(&(&m - &p), &perm_matrix(s)).abs() <= 1e-12);
            }
        }
    }

    #[test]
    fn asymmetry_is_zero_in_the_commutant_and_for_the_trivial_group() {
        let task = Task::new(TaskSpec::new(Operation::Add, 7)).unwrap();
        let dih = TaskSymmetry::of(&task);
        let mut rng = ChaCha8Rng::seed_from_u64(14);
        let m = random_sym(14, &mut rng);
        let trivial = PermutationGroup::from_subgroup(&dih, &Subgroup::trivial(&dih));
        assert_eq!(trivial.asymmetry(m.view()), 0.0);
        let s = PermutationGroup::from_subgroup(&dih, &Subgroup::parse(&dih, "s").unwrap());
        let a = s.asymmetry(m.view());
        assert!(a > 0.1 && a < 1.0, "{a}");
        let p = s.commutant_projection(m.view());
        assert!(s.asymmetry(p.view()) <= 1e-15);
        // distance check: ‖M − P‖ / ‖M‖ by hand
        assert!((a - frob(&(&m - &p)) / frob(&m)).abs() <= 1e-14);
    }

    #[test]
    fn rejects_non_permutations_and_non_groups() {
        assert!(PermutationGroup::new("params.interventions", 3, vec![vec![0, 0, 1]]).is_err());
        assert!(PermutationGroup::new("params.interventions", 3, vec![vec![1, 0, 2]]).is_err());
        let e = PermutationGroup::new(
            "params.interventions",
            3,
            vec![vec![0, 1, 2], vec![1, 2, 0]],
        )
        .unwrap_err();
        assert!(e.to_string().contains("params.interventions"), "{e}");
        let ok = PermutationGroup::new(
            "params.interventions",
            3,
            vec![vec![0, 1, 2], vec![1, 2, 0], vec![2, 0, 1], vec![1, 2, 0]],
        )
        .unwrap();
        assert_eq!(ok.order(), 3);
    }

    #[test]
    fn blend_interpolates() {
        let mut m = Array2::from_elem((2, 2), 1.0);
        let p = Array2::from_elem((2, 2), 3.0);
        blend(&mut m, &p, 0.25);
        assert!(m.iter().all(|&v| (v - 1.5).abs() < 1e-15));
        blend(&mut m, &p, 1.0);
        assert_eq!(m, p);
    }
}

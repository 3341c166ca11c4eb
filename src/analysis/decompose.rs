//! Decomposition of a feature matrix into group elements acting by coordinate permutations
//! (SCIENCE.md §5).
//!
//! A group element g acts on the `d = 2n` input coordinates by a permutation σ_g; its permutation
//! matrix Π(g) maps `e_i` to `e_{σ_g(i)}`, i.e. `Π(g)[σ_g(i), i] = 1`. All computations use the
//! sparse form: `⟨Π(g), M⟩_F = Σ_i M[σ_g(i), i]` and `(Π(g)ᵀ M Π(g))[i, j] = M[σ_g(i), σ_g(j)]`.
//!
//! Three reference subspaces are measured:
//! - the *group algebra* `span{Π(g)}` ([`decompose`], [`group_algebra_projection`]);
//! - the *commutant* `{X : Π(h) X = X Π(h) ∀h ∈ H}` of a subgroup H ([`commutant_distance`]);
//! - `span{I, 11ᵀ}`, for the whole matrix or each n×n block ([`fit_identity_ones`],
//!   [`fit_identity_ones_blockwise`]).

use super::{check_square, frobenius_norm_sq, ratio_or_zero, structure::split_blocks};
use crate::error::{Error, Result};
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// A group element acting on the coordinates by the permutation `sigma`: Π e_i = e_{σ(i)}.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CoordinatePermutation {
    /// A readable name, e.g. `"s r^3"`.
    pub name: String,
    /// The image of each coordinate: `sigma[i] = σ(i)`.
    pub sigma: Vec<usize>,
}

impl From<(String, Vec<usize>)> for CoordinatePermutation {
    fn from((name, sigma): (String, Vec<usize>)) -> Self {
        CoordinatePermutation { name, sigma }
    }
}

impl CoordinatePermutation {
    /// An element named `name` acting by `sigma` (not validated; the analysis functions validate).
    pub fn new(name: impl Into<String>, sigma: Vec<usize>) -> Self {
        CoordinatePermutation {
            name: name.into(),
            sigma,
        }
    }

    /// The identity permutation of `dim` coordinates, named `"id"`.
    pub fn identity(dim: usize) -> Self {
        Self::new("id", (0..dim).collect())
    }

    /// Number of coordinates the permutation acts on.
    pub fn dim(&self) -> usize {
        self.sigma.len()
    }

    /// The composition `self ∘ inner` (apply `inner` first), so that
    /// `Π(self ∘ inner) = Π(self) Π(inner)`. Named `"{self} {inner}"`.
    ///
    /// # Panics
    /// If the two permutations act on different numbers of coordinates.
    #[track_caller]
    pub fn compose(&self, inner: &Self) -> Self {
        assert_eq!(self.dim(), inner.dim(), "compose: dimension mismatch");
        let sigma = inner.sigma.iter().map(|&i| self.sigma[i]).collect();
        Self::new(format!("{} {}", self.name, inner.name), sigma)
    }

    /// The inverse permutation, named `"({self})^-1"`.
    ///
    /// # Panics
    /// If `sigma` is not a permutation of `0..dim`.
    #[track_caller]
    pub fn inverse(&self) -> Self {
        let mut inv = vec![usize::MAX; self.dim()];
        for (i, &s) in self.sigma.iter().enumerate() {
            inv[s] = i;
        }
        assert!(
            inv.iter().all(|&i| i != usize::MAX),
            "inverse: not a permutation"
        );
        Self::new(format!("({})^-1", self.name), inv)
    }

    /// The dense permutation matrix Π with `Π[σ(i), i] = 1`.
    pub fn to_matrix(&self) -> Array2<f64> {
        let d = self.dim();
        let mut p = Array2::zeros((d, d));
        for (i, &s) in self.sigma.iter().enumerate() {
            p[[s, i]] = 1.0;
        }
        p
    }

    /// The conjugate `Πᵀ M Π`, whose entry `(i, j)` is `M[σ(i), σ(j)]`.
    ///
    /// # Panics
    /// If `m` is not `dim × dim`.
    #[track_caller]
    pub fn conjugate(&self, m: ArrayView2<'_, f64>) -> Array2<f64> {
        let d = self.dim();
        assert_eq!(m.dim(), (d, d), "conjugate: shape mismatch");
        Array2::from_shape_fn((d, d), |(i, j)| m[[self.sigma[i], self.sigma[j]]])
    }

    /// `⟨Π, M⟩_F = Σ_i M[σ(i), i]`.
    fn frobenius_inner(&self, m: ArrayView2<'_, f64>) -> f64 {
        self.sigma.iter().enumerate().map(|(i, &s)| m[[s, i]]).sum()
    }

    /// `⟨Π(self), Π(other)⟩_F`: the number of coordinates on which the two permutations agree.
    fn overlap(&self, other: &Self) -> usize {
        self.sigma
            .iter()
            .zip(&other.sigma)
            .filter(|(a, b)| a == b)
            .count()
    }

    /// Checks that `sigma` is a permutation of `0..dim`.
    fn check(&self, dim: usize) -> Result<()> {
        let allowed = || format!("a permutation of 0..{dim} (the feature matrix is {dim}×{dim})");
        if self.dim() != dim {
            return Err(Error::param(
                "group element",
                format!("{} of length {}", self.name, self.dim()),
                allowed(),
            ));
        }
        let mut seen = vec![false; dim];
        for &s in &self.sigma {
            if s >= dim || std::mem::replace(&mut seen[s], true) {
                return Err(Error::param(
                    "group element",
                    format!("{} maps to {s} (repeated or out of range)", self.name),
                    allowed(),
                ));
            }
        }
        Ok(())
    }
}

/// Validates a non-empty list of permutations of `0..dim`.
fn check_elements(elements: &[CoordinatePermutation], dim: usize) -> Result<()> {
    if elements.is_empty() {
        return Err(Error::param(
            "group elements",
            "an empty list",
            "at least one element",
        ));
    }
    elements.iter().try_for_each(|g| g.check(dim))
}

/// The coefficient of one group element in a [`Decomposition`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ElementCoefficient {
    /// The element's name.
    pub name: String,
    /// Position of the element in the list given to [`decompose`].
    pub index: usize,
    /// The naive coefficient `α_g = ⟨Π(g), M⟩_F / ‖Π(g)‖²_F = ⟨Π(g), M⟩_F / d` (SCIENCE.md §5).
    pub alpha: f64,
    /// Share of `‖M‖²_F` carried by `α_g Π(g)`: `α_g² d / ‖M‖²_F` (0 for a zero matrix).
    pub share: f64,
    /// Coefficient of Π(g) in the orthogonal projection of M onto `span{Π(g)}`. Equal to `alpha`
    /// when the Π(g) are mutually orthogonal; otherwise the minimum-norm solution of the Gram
    /// system (unique when the Π(g) are linearly independent).
    pub coefficient: f64,
}

/// Decomposition of a feature matrix on the permutation matrices of a group (SCIENCE.md §5).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decomposition {
    /// Dimension `d = 2n` of the feature matrix.
    pub dim: usize,
    /// `‖M‖_F`.
    pub frobenius_norm: f64,
    /// Whether the Π(g) are mutually orthogonal (no two elements agree on any coordinate, e.g. a
    /// group acting freely on the coordinates such as Dih(A)). Then `coefficient == alpha`, the
    /// shares add up to `1 − residual²` and `naive_residual == residual`.
    pub orthogonal: bool,
    /// Rank of the Gram matrix `G_gh = ⟨Π(g), Π(h)⟩_F`: the dimension of `span{Π(g)}`.
    pub gram_rank: usize,
    /// One entry per element, sorted by `|alpha|` descending (ties keep the input order).
    pub elements: Vec<ElementCoefficient>,
    /// `‖M − P(M)‖_F / ‖M‖_F` with `P` the orthogonal projection onto `span{Π(g)}`
    /// (0 for a zero matrix).
    pub residual: f64,
    /// `‖M − Σ_g α_g Π(g)‖_F / ‖M‖_F` with the naive coefficients: the formula as printed in
    /// SCIENCE.md §5, correct only when `orthogonal`.
    pub naive_residual: f64,
}

impl Decomposition {
    /// The `k` largest elements as `name ±coefficient` with `digits` decimals, comma-separated (for
    /// summaries and figure subtitles).
    pub fn top_text(&self, k: usize, digits: usize) -> String {
        self.elements
            .iter()
            .take(k)
            .map(|e| format!("{} {:+.*}", e.name, digits, e.coefficient))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The Gram matrix `G_gh = ⟨Π(g), Π(h)⟩_F` (row-major, `k × k`).
fn gram_matrix(elements: &[CoordinatePermutation]) -> Vec<f64> {
    let k = elements.len();
    let mut gram = vec![0.0; k * k];
    for (a, g) in elements.iter().enumerate() {
        for (b, h) in elements.iter().enumerate().skip(a) {
            let v = g.overlap(h) as f64;
            gram[a * k + b] = v;
            gram[b * k + a] = v;
        }
    }
    gram
}

/// Coefficients `c` of the orthogonal projection `Σ_g c_g Π(g)` given the right-hand side
/// `b_g = ⟨Π(g), M⟩_F`, and the rank of the Gram matrix.
///
/// A diagonal Gram matrix (the usual case) is solved exactly by division. Otherwise the minimum-norm
/// solution `G⁺ b` is formed from the symmetric eigendecomposition of `G`, dropping eigenvalues below
/// `64 k ε λ_max`; `P(M)` does not depend on which solution is taken.
fn projection_coefficients(gram: &[f64], rhs: &[f64]) -> Result<(Vec<f64>, usize)> {
    let k = rhs.len();
    let diagonal = (0..k).all(|a| (0..k).all(|b| a == b || gram[a * k + b] == 0.0));
    if diagonal {
        // Every diagonal entry is d ≥ 1, so the division is safe.
        let c = (0..k).map(|a| rhs[a] / gram[a * k + a]).collect();
        return Ok((c, k));
    }
    let g = faer::MatRef::from_row_major_slice(gram, k, k);
    let evd = g
        .self_adjoint_eigen(faer::Side::Lower)
        .map_err(|e| Error::Numerical {
            iteration: 0,
            what: format!("eigendecomposition of the {k}×{k} Gram matrix failed: {e:?}"),
        })?;
    let u = evd.U();
    let s = evd.S().column_vector();
    let lambda_max = (0..k).map(|i| s[i].abs()).fold(0.0, f64::max);
    let tol = 64.0 * k as f64 * f64::EPSILON * lambda_max;
    let mut c = vec![0.0; k];
    let mut rank = 0;
    for j in 0..k {
        if s[j] <= tol {
            continue;
        }
        rank += 1;
        let proj: f64 = (0..k).map(|i| u[(i, j)] * rhs[i]).sum::<f64>() / s[j];
        for (i, ci) in c.iter_mut().enumerate() {
            *ci += u[(i, j)] * proj;
        }
    }
    Ok((c, rank))
}

/// `Σ_g c_g Π(g)` as a dense matrix.
fn combine(elements: &[CoordinatePermutation], coefficients: &[f64], dim: usize) -> Array2<f64> {
    let mut out = Array2::zeros((dim, dim));
    for (g, &c) in elements.iter().zip(coefficients) {
        for (i, &s) in g.sigma.iter().enumerate() {
            out[[s, i]] += c;
        }
    }
    out
}

/// `‖A − B‖²_F`.
fn distance_sq(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>) -> f64 {
    a.iter().zip(b.iter()).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The orthogonal projection of `m` onto the group algebra `span{Π(g)}` and its coefficients
/// (see [`ElementCoefficient::coefficient`]), in the order of `elements`.
///
/// `m` must be a finite square matrix and every element a permutation of its coordinates (for the
/// tasks of this crate `m` is 2n×2n, but the projection works for any dimension).
pub fn group_algebra_projection(
    m: ArrayView2<'_, f64>,
    elements: &[CoordinatePermutation],
) -> Result<(Array2<f64>, Vec<f64>)> {
    let d = check_square("feature matrix", m)?;
    check_elements(elements, d)?;
    let rhs: Vec<f64> = elements.iter().map(|g| g.frobenius_inner(m)).collect();
    let (c, _) = projection_coefficients(&gram_matrix(elements), &rhs)?;
    Ok((combine(elements, &c, d), c))
}

/// Decomposes `m` on the permutation matrices of `elements` (SCIENCE.md §5): naive coefficients
/// `α_g` with their shares of `‖M‖²_F`, exact projection coefficients, and the residual distance to
/// the group algebra.
///
/// `m` must be a finite square matrix (2n×2n for the tasks of this crate) and every element a
/// permutation of its coordinates; `elements` must not be empty. Elements need not form a group.
pub fn decompose(
    m: ArrayView2<'_, f64>,
    elements: &[CoordinatePermutation],
) -> Result<Decomposition> {
    let d = check_square("feature matrix", m)?;
    check_elements(elements, d)?;
    let norm_sq = frobenius_norm_sq(m);
    let gram = gram_matrix(elements);
    let k = elements.len();
    let orthogonal = (0..k).all(|a| (0..k).all(|b| a == b || gram[a * k + b] == 0.0));
    let rhs: Vec<f64> = elements.iter().map(|g| g.frobenius_inner(m)).collect();
    let alpha: Vec<f64> = rhs.iter().map(|b| b / d as f64).collect();
    let (coefficient, gram_rank) = projection_coefficients(&gram, &rhs)?;

    let projection = combine(elements, &coefficient, d);
    let residual = ratio_or_zero(distance_sq(m, projection.view()), norm_sq).sqrt();
    let naive = if orthogonal {
        projection
    } else {
        combine(elements, &alpha, d)
    };
    let naive_residual = ratio_or_zero(distance_sq(m, naive.view()), norm_sq).sqrt();

    let mut entries: Vec<ElementCoefficient> = elements
        .iter()
        .enumerate()
        .map(|(index, g)| ElementCoefficient {
            name: g.name.clone(),
            index,
            alpha: alpha[index],
            share: ratio_or_zero(alpha[index] * alpha[index] * d as f64, norm_sq),
            coefficient: coefficient[index],
        })
        .collect();
    entries.sort_by(|a, b| b.alpha.abs().total_cmp(&a.alpha.abs()));

    Ok(Decomposition {
        dim: d,
        frobenius_norm: norm_sq.sqrt(),
        orthogonal,
        gram_rank,
        elements: entries,
        residual,
        naive_residual,
    })
}

/// Checks that `subgroup` is a valid non-empty set of permutations of `0..dim`, closed under
/// composition (hence a subgroup: a finite set of permutations closed under composition contains the
/// identity and all inverses).
fn check_subgroup(subgroup: &[CoordinatePermutation], dim: usize) -> Result<()> {
    check_elements(subgroup, dim)?;
    let members: HashSet<&[usize]> = subgroup.iter().map(|h| h.sigma.as_slice()).collect();
    let mut product = vec![0; dim];
    for g in subgroup {
        for h in subgroup {
            for (p, &i) in product.iter_mut().zip(&h.sigma) {
                *p = g.sigma[i];
            }
            if !members.contains(product.as_slice()) {
                return Err(Error::param(
                    "subgroup",
                    format!(
                        "{{{}}} (missing the product {})",
                        subgroup
                            .iter()
                            .map(|x| x.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                        g.compose(h).name
                    ),
                    "a set of elements closed under composition (a subgroup, with the identity)",
                ));
            }
        }
    }
    Ok(())
}

/// The orthogonal projection of `m` onto the commutant of the subgroup H:
/// `(1/|H|) Σ_h Π(h)ᵀ M Π(h)` (the group average).
///
/// `subgroup` must be closed under composition (include the identity and all products); for a set
/// that is not a group the average is not a projection, so it is rejected with an error naming the
/// missing product. Duplicate elements are counted once.
pub fn commutant_projection(
    m: ArrayView2<'_, f64>,
    subgroup: &[CoordinatePermutation],
) -> Result<Array2<f64>> {
    let d = check_square("feature matrix", m)?;
    check_subgroup(subgroup, d)?;
    let mut seen = HashSet::new();
    let distinct: Vec<&CoordinatePermutation> = subgroup
        .iter()
        .filter(|h| seen.insert(h.sigma.as_slice()))
        .collect();
    let mut avg = Array2::<f64>::zeros((d, d));
    for h in &distinct {
        for i in 0..d {
            let si = h.sigma[i];
            for j in 0..d {
                avg[[i, j]] += m[[si, h.sigma[j]]];
            }
        }
    }
    avg /= distinct.len() as f64;
    Ok(avg)
}

/// Relative distance of `m` to the commutant of the subgroup H:
/// `‖M − (1/|H|) Σ_h Π(h)ᵀ M Π(h)‖_F / ‖M‖_F` (0 for a zero matrix). See [`commutant_projection`]
/// for the requirements on `subgroup`.
pub fn commutant_distance(
    m: ArrayView2<'_, f64>,
    subgroup: &[CoordinatePermutation],
) -> Result<f64> {
    let avg = commutant_projection(m, subgroup)?;
    Ok(ratio_or_zero(distance_sq(m, avg.view()), frobenius_norm_sq(m)).sqrt())
}

/// Best approximation `c_I I + c_J 11ᵀ` of a square matrix and its relative distance.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct IdentityOnesFit {
    /// Coefficient of the identity.
    pub identity: f64,
    /// Coefficient of the all-ones matrix `11ᵀ`.
    pub ones: f64,
    /// `‖B − c_I I − c_J 11ᵀ‖_F / ‖B‖_F` (0 for a zero matrix).
    pub distance: f64,
}

/// Orthogonal projection of a square matrix `b` (any size k) onto `span{I, 11ᵀ}`.
///
/// Computed in the orthogonal basis `{P, 11ᵀ}` with `P = I − 11ᵀ/k`: the projection is
/// `(⟨B,P⟩/(k−1)) P + (⟨B,11ᵀ⟩/k²) 11ᵀ`, rewritten in terms of `I` and `11ᵀ`. For `k = 1` the span is
/// one-dimensional and the fit is exact with `identity = 0`.
pub fn fit_identity_ones(b: ArrayView2<'_, f64>) -> Result<IdentityOnesFit> {
    let k = check_square("matrix", b)?;
    let kf = k as f64;
    let total: f64 = b.sum();
    let trace: f64 = b.diag().sum();
    let ones_part = total / (kf * kf);
    let identity = if k > 1 {
        // ⟨B, P⟩ = trace − total/k; ‖P‖² = k − 1.
        (trace - total / kf) / (kf - 1.0)
    } else {
        0.0
    };
    let ones = ones_part - identity / kf;
    let dist_sq: f64 = b
        .indexed_iter()
        .map(|((i, j), &x)| {
            let fit = ones + if i == j { identity } else { 0.0 };
            (x - fit) * (x - fit)
        })
        .sum();
    Ok(IdentityOnesFit {
        identity,
        ones,
        distance: ratio_or_zero(dist_sq, frobenius_norm_sq(b)).sqrt(),
    })
}

/// Fits of each n×n block of a feature matrix to `span{I_n, 11ᵀ}`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockwiseIdentityOnesFit {
    /// Left-left block (rows and columns `0..n`).
    pub m11: IdentityOnesFit,
    /// Left-right block (rows `0..n`, columns `n..2n`).
    pub m12: IdentityOnesFit,
    /// Right-left block.
    pub m21: IdentityOnesFit,
    /// Right-right block.
    pub m22: IdentityOnesFit,
    /// Relative distance of the whole matrix to the blockwise span:
    /// `sqrt(Σ_blocks ‖B − fit(B)‖²_F) / ‖M‖_F` (0 for a zero matrix).
    pub distance: f64,
}

/// Fits every n×n block of the 2n×2n feature matrix `m` to `span{I_n, 11ᵀ}` (the form of the
/// diagonal blocks `A ≈ c₁I + c₂11ᵀ` in SCIENCE.md §2, and of all blocks on a symmetric split, §4).
pub fn fit_identity_ones_blockwise(m: ArrayView2<'_, f64>) -> Result<BlockwiseIdentityOnesFit> {
    let blocks = split_blocks(m)?;
    let m11 = fit_identity_ones(blocks.m11)?;
    let m12 = fit_identity_ones(blocks.m12)?;
    let m21 = fit_identity_ones(blocks.m21)?;
    let m22 = fit_identity_ones(blocks.m22)?;
    let abs_sq = |fit: &IdentityOnesFit, b: ArrayView2<'_, f64>| {
        fit.distance * fit.distance * frobenius_norm_sq(b)
    };
    let dist_sq = abs_sq(&m11, blocks.m11)
        + abs_sq(&m12, blocks.m12)
        + abs_sq(&m21, blocks.m21)
        + abs_sq(&m22, blocks.m22);
    Ok(BlockwiseIdentityOnesFit {
        m11,
        m12,
        m21,
        m22,
        distance: ratio_or_zero(dist_sq, frobenius_norm_sq(m)).sqrt(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testutil::{
        assert_json_round_trip, dihedral_zn, random_matrix, random_symmetric, rng,
    };
    use crate::analysis::{check_finite, frobenius_inner};
    use ndarray::s;
    use rand::Rng;

    fn element_sum(elements: &[CoordinatePermutation], coeffs: &[f64]) -> Array2<f64> {
        let d = elements[0].dim();
        let mut m = Array2::zeros((d, d));
        for (g, &c) in elements.iter().zip(coeffs) {
            m.scaled_add(c, &g.to_matrix());
        }
        m
    }

    fn norm(a: ArrayView2<'_, f64>) -> f64 {
        frobenius_norm_sq(a).sqrt()
    }

    #[test]
    fn dihedral_elements_form_a_group() {
        for n in [1, 2, 7, 12] {
            let g = dihedral_zn(n);
            assert_eq!(g.len(), 2 * n);
            assert!(check_subgroup(&g, 2 * n).is_ok(), "Dih(Z_{n}) not closed");
            // Π(g∘h) = Π(g) Π(h).
            let a = &g[g.len() - 1];
            let b = &g[1 % g.len()];
            assert_eq!(a.compose(b).to_matrix(), a.to_matrix().dot(&b.to_matrix()));
            assert_eq!(
                a.compose(&a.inverse()).sigma,
                (0..2 * n).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn dihedral_combination_is_recovered() {
        let mut rng = rng(1);
        for n in [7, 11, 12] {
            let group = dihedral_zn(n);
            let a: Vec<f64> = (0..group.len())
                .map(|_| rng.random_range(-1.0..1.0))
                .collect();
            let m = element_sum(&group, &a);
            let dec = decompose(m.view(), &group).unwrap();
            assert!(dec.orthogonal);
            assert_eq!(dec.gram_rank, 2 * n);
            assert_eq!(dec.dim, 2 * n);
            assert!(dec.residual <= 1e-12, "n={n}: residual {}", dec.residual);
            assert!(dec.naive_residual <= 1e-12);
            for e in &dec.elements {
                assert_eq!(e.name, group[e.index].name);
                assert!((e.alpha - a[e.index]).abs() <= 1e-10, "n={n}: {}", e.name);
                assert_eq!(e.alpha, e.coefficient);
            }
            let shares: f64 = dec.elements.iter().map(|e| e.share).sum();
            assert!((shares - 1.0).abs() <= 1e-12);
            assert!(dec
                .elements
                .windows(2)
                .all(|w| w[0].alpha.abs() >= w[1].alpha.abs()));
        }
    }

    /// With E ⟂ span{Π(g)}, P(M + E) = M, so the residual is exactly ‖E‖ / ‖M + E‖
    /// = ε / sqrt(1 + ε² + 2⟨M,E⟩/‖M‖²) = ε/sqrt(1+ε²) since ⟨M, E⟩ = 0 as well.
    /// Without projecting E the residual is ‖E − P(E)‖ / ‖M + E‖ ≤ ε ‖M‖ / ‖M + E‖, close to ε
    /// because a random symmetric E has only a small part in the 2n-dimensional span.
    #[test]
    fn perturbation_gives_residual_epsilon() {
        let mut rng = rng(2);
        for n in [7, 11, 12] {
            let group = dihedral_zn(n);
            let a: Vec<f64> = (0..group.len())
                .map(|_| rng.random_range(-1.0..1.0))
                .collect();
            let m = element_sum(&group, &a);
            let m_norm = norm(m.view());
            for eps in [1e-3, 0.1, 0.5] {
                let e = random_symmetric(&mut rng, 2 * n);
                // Orthogonal perturbation.
                let (pe, _) = group_algebra_projection(e.view(), &group).unwrap();
                let mut e_perp = &e - &pe;
                e_perp *= eps * m_norm / norm(e_perp.view());
                let dec = decompose((&m + &e_perp).view(), &group).unwrap();
                let expected = eps / (1.0 + eps * eps).sqrt();
                assert!(
                    (dec.residual - expected).abs() <= 1e-12 * expected.max(1.0),
                    "n={n} eps={eps}: {} vs {expected}",
                    dec.residual
                );
                for el in &dec.elements {
                    assert!((el.alpha - a[el.index]).abs() <= 1e-10);
                }
                // Raw perturbation.
                let mut e_raw = e.clone();
                e_raw *= eps * m_norm / norm(e.view());
                let perturbed = &m + &e_raw;
                let dec = decompose(perturbed.view(), &group).unwrap();
                let (pe, _) = group_algebra_projection(e_raw.view(), &group).unwrap();
                let exact = norm((&e_raw - &pe).view()) / norm(perturbed.view());
                assert!((dec.residual - exact).abs() <= 1e-12);
                assert!(
                    (dec.residual - eps).abs() <= 0.2 * eps,
                    "n={n} eps={eps}: {}",
                    dec.residual
                );
            }
        }
    }

    /// S_3 acting on the first three of six coordinates: the Π(g) share fixed points, so the Gram
    /// matrix is not diagonal and the naive coefficients are wrong, but the projection is exact.
    #[test]
    fn non_orthogonal_elements_are_projected_exactly() {
        let perms = [
            [0, 1, 2],
            [1, 0, 2],
            [0, 2, 1],
            [2, 1, 0],
            [1, 2, 0],
            [2, 0, 1],
        ];
        let group: Vec<CoordinatePermutation> = perms
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let sigma = p.iter().copied().chain(3..6).collect();
                CoordinatePermutation::new(format!("g{k}"), sigma)
            })
            .collect();
        assert!(check_subgroup(&group, 6).is_ok());
        let mut rng = rng(3);
        // Σ_even Π(g) = Σ_odd Π(g), so the six Π(g) span only 5 dimensions; the rank is checked
        // against a dense SVD of the stacked vec Π(g) rather than assumed.
        let dense: Vec<f64> = group
            .iter()
            .flat_map(|g| g.to_matrix().iter().copied().collect::<Vec<_>>())
            .collect();
        let reference_rank = faer::MatRef::from_row_major_slice(&dense, 6, 36)
            .singular_values()
            .unwrap()
            .iter()
            .filter(|&&s| s > 1e-10)
            .count();
        assert_eq!(reference_rank, 5);
        for trial in 0..5 {
            let coeffs: Vec<f64> = (0..6).map(|_| rng.random_range(-1.0..1.0)).collect();
            let in_span = element_sum(&group, &coeffs);
            let dec = decompose(in_span.view(), &group).unwrap();
            assert!(!dec.orthogonal);
            assert_eq!(dec.gram_rank, reference_rank);
            assert!(dec.residual <= 1e-12, "trial {trial}: {}", dec.residual);
            assert!(dec.naive_residual > 1e-3);

            let m = random_matrix(&mut rng, 6, 6);
            let (p, c) = group_algebra_projection(m.view(), &group).unwrap();
            // P(M) lies in the span and M − P(M) is orthogonal to every Π(g).
            let rebuilt = element_sum(&group, &c);
            assert!(norm((&rebuilt - &p).view()) <= 1e-12);
            let r = &m - &p;
            for g in &group {
                assert!(frobenius_inner(r.view(), g.to_matrix().view()).abs() <= 1e-12);
            }
        }
        // A duplicated element lowers nothing but the rank bookkeeping.
        let mut dup = group.clone();
        dup.push(group[1].clone());
        let m = random_matrix(&mut rng, 6, 6);
        let a = decompose(m.view(), &group).unwrap();
        let b = decompose(m.view(), &dup).unwrap();
        assert_eq!(a.gram_rank, b.gram_rank);
        assert!((a.residual - b.residual).abs() <= 1e-12);
    }

    #[test]
    fn commutant_distance_vanishes_in_the_commutant() {
        let mut rng = rng(4);
        for n in [7, 12] {
            let group = dihedral_zn(n);
            let id = &group[0];
            let rotations: Vec<_> = group[..n].to_vec();
            let s_r3 = group[n + 3].clone();
            let mut subgroups = vec![
                group.clone(),
                rotations,
                vec![id.clone(), s_r3.clone()],
                vec![id.clone()],
            ];
            if n % 2 == 0 {
                // ⟨r^{n/2}, s⟩ = {id, r^{n/2}, s, s r^{n/2}}.
                subgroups.push(vec![
                    id.clone(),
                    group[n / 2].clone(),
                    group[n].clone(),
                    group[n + n / 2].clone(),
                ]);
            }
            for h in &subgroups {
                let x = random_symmetric(&mut rng, 2 * n);
                let m = commutant_projection(x.view(), h).unwrap();
                assert!(commutant_distance(m.view(), h).unwrap() <= 1e-12);
                for g in h {
                    let pm = g.to_matrix().dot(&m);
                    let mp = m.dot(&g.to_matrix());
                    assert!(norm((&pm - &mp).view()) <= 1e-12);
                }
                let d = commutant_distance(x.view(), h).unwrap();
                if h.len() > 1 {
                    assert!(d > 0.3, "|H|={}: {d}", h.len());
                } else {
                    assert_eq!(d, 0.0);
                }
            }
            // The symmetric-split form c [[P, −P], [−P, P]] of SCIENCE.md §4 (for the reflection s,
            // whose fixed points (a, a) it all maps to 0) commutes with s, but not with s r^3.
            let p = Array2::<f64>::eye(n) - Array2::<f64>::ones((n, n)) / n as f64;
            let mut m = Array2::zeros((2 * n, 2 * n));
            m.slice_mut(s![..n, ..n]).assign(&p);
            m.slice_mut(s![n.., n..]).assign(&p);
            m.slice_mut(s![..n, n..]).assign(&(-&p));
            m.slice_mut(s![n.., ..n]).assign(&(-&p));
            let h = vec![id.clone(), group[n].clone()];
            assert!(commutant_distance(m.view(), &h).unwrap() <= 1e-12);
            let h = vec![id.clone(), s_r3];
            assert!(commutant_distance(m.view(), &h).unwrap() > 0.1);
        }
    }

    #[test]
    fn commutant_rejects_non_subgroups() {
        let group = dihedral_zn(5);
        let m = Array2::<f64>::eye(10);
        // A reflection alone lacks the identity.
        let err = commutant_distance(m.view(), &group[5..6]).unwrap_err();
        assert!(err.is_usage());
        assert!(err.to_string().contains("missing the product"), "{err}");
        // {id, r} is not closed.
        assert!(commutant_distance(m.view(), &group[..2]).is_err());
    }

    #[test]
    fn identity_ones_fit() {
        let mut rng = rng(5);
        for k in [1, 2, 5, 12] {
            let (ci, cj) = (rng.random_range(-2.0..2.0), rng.random_range(-2.0..2.0));
            let b = Array2::<f64>::eye(k) * ci + Array2::<f64>::ones((k, k)) * cj;
            let fit = fit_identity_ones(b.view()).unwrap();
            assert!(fit.distance <= 1e-12);
            if k > 1 {
                assert!((fit.identity - ci).abs() <= 1e-12 && (fit.ones - cj).abs() <= 1e-12);
            }
            // Residual of a random matrix is orthogonal to I and 11ᵀ.
            let r = random_matrix(&mut rng, k, k);
            let fit = fit_identity_ones(r.view()).unwrap();
            let res = Array2::from_shape_fn((k, k), |(i, j)| {
                r[[i, j]] - fit.ones - if i == j { fit.identity } else { 0.0 }
            });
            assert!(res.sum().abs() <= 1e-12 && res.diag().sum().abs() <= 1e-12);
            assert!(
                (fit.distance - norm(res.view()) / norm(r.view())).abs() <= 1e-12,
                "k={k}"
            );
        }
        assert_eq!(
            fit_identity_ones(Array2::zeros((3, 3)).view())
                .unwrap()
                .distance,
            0.0
        );
    }

    #[test]
    fn blockwise_identity_ones_fit() {
        let n = 6;
        let i = Array2::<f64>::eye(n);
        let j = Array2::<f64>::ones((n, n));
        let mut m = Array2::zeros((2 * n, 2 * n));
        m.slice_mut(s![..n, ..n]).assign(&(&i * 2.0 + &j * 0.5));
        m.slice_mut(s![..n, n..]).assign(&(&i * -1.0 + &j * 0.25));
        m.slice_mut(s![n.., ..n]).assign(&(&i * -1.0 + &j * 0.25));
        m.slice_mut(s![n.., n..]).assign(&(&i * 2.0 + &j * 0.5));
        let fit = fit_identity_ones_blockwise(m.view()).unwrap();
        assert!(fit.distance <= 1e-12);
        assert!((fit.m12.identity + 1.0).abs() <= 1e-12 && (fit.m12.ones - 0.25).abs() <= 1e-12);
        assert!((fit.m22.identity - 2.0).abs() <= 1e-12);
        // As a 2n×2n matrix it is far from span{I, 11ᵀ}.
        assert!(fit_identity_ones(m.view()).unwrap().distance > 0.3);
        // A random circulant off-diagonal block is not in the blockwise span.
        let mut rng = rng(6);
        let c: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
        m.slice_mut(s![..n, n..])
            .assign(&Array2::from_shape_fn((n, n), |(a, b)| c[(b + n - a) % n]));
        let fit = fit_identity_ones_blockwise(m.view()).unwrap();
        assert!(fit.m12.distance > 0.1 && fit.m21.distance <= 1e-12);
        assert!(fit.distance > 0.0);
    }

    #[test]
    fn shape_errors_are_usage_errors() {
        let group = dihedral_zn(3);
        let bad = Array2::<f64>::zeros((6, 5));
        assert!(decompose(bad.view(), &group).unwrap_err().is_usage());
        assert!(
            fit_identity_ones_blockwise(Array2::<f64>::zeros((5, 5)).view())
                .unwrap_err()
                .is_usage()
        );
        let m = Array2::<f64>::eye(8);
        let err = decompose(m.view(), &group).unwrap_err();
        assert!(
            err.is_usage() && err.to_string().contains("length 6"),
            "{err}"
        );
        let not_perm = CoordinatePermutation::new("x", vec![0, 0, 1, 2, 3, 4]);
        assert!(decompose(Array2::<f64>::eye(6).view(), &[not_perm]).is_err());
        assert!(decompose(Array2::<f64>::eye(6).view(), &[]).is_err());
        let mut nan = Array2::<f64>::eye(6);
        nan[[1, 2]] = f64::NAN;
        assert!(decompose(nan.view(), &group).unwrap_err().is_usage());
        assert!(check_finite("m", Array2::<f64>::eye(2).view()).is_ok());
    }

    #[test]
    fn zero_matrix_has_zero_residual() {
        let group = dihedral_zn(4);
        let dec = decompose(Array2::<f64>::zeros((8, 8)).view(), &group).unwrap();
        assert_eq!(dec.residual, 0.0);
        assert!(dec.elements.iter().all(|e| e.share == 0.0));
    }

    #[test]
    fn decomposition_round_trips_through_json() {
        let group = dihedral_zn(5);
        let mut rng = rng(7);
        let m = random_symmetric(&mut rng, 10);
        assert_json_round_trip(&decompose(m.view(), &group).unwrap());
        assert_json_round_trip(&fit_identity_ones_blockwise(m.view()).unwrap());
        assert_json_round_trip(&group[7]);
    }
}

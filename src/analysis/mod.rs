//! Analysis of learned feature matrices: which symmetry does an RFM feature matrix carry?
//!
//! Every function here is a pure function of a feature matrix `M` given as an
//! [`ArrayView2<f64>`](ndarray::ArrayView2). For the binary tasks of this crate `M` is 2n×2n with
//! n×n blocks `[[M11, M12], [M21, M22]]`: coordinates `0..n` belong to the left operand and
//! `n..2n` to the right operand (see SCIENCE.md §1).
//!
//! - [`mod@decompose`]: coefficients of `M` on the permutation matrices Π(g) of a group acting on the
//!   coordinates (e.g. Dih(A)), the distance to the group algebra, to the commutant of a subgroup,
//!   and to `span{I, 11ᵀ}` (whole and blockwise) — SCIENCE.md §5.
//! - [`mod@structure`]: block measures — circulant and Hankel deviation, discrete-log reindexing,
//!   Fourier spectra, effective rank and alignment.
//! - [`mod@matrix`]: all of the above for a task's feature matrix in one serializable
//!   [`MatrixAnalysis`] (what `symrfm decompose` prints and every run stores for its final M).
//! - [`mod@track`]: the structure of every M_t along a run ([`IterationStructure`]).
//! - [`mod@invariance`]: the symmetry-acquisition diagnostic — how invariant the predictor is under
//!   Dih(A) on held-out points, per iteration ([`SymmetryDiagnostic`]) — and its lead over test
//!   accuracy.
//! - [`mod@isotypic`]: exact real isotypic decomposition of a permutation representation (class
//!   sums, no character tables); the energy of M's blocks in each irreducible representation of a
//!   non-abelian task group, and of M's eigenvectors in the components of a subgroup of Sym_f.
//! - [`mod@run`]: one observer that does all of this during [`crate::rfm::train()`] ([`RunAnalyzer`]).
//!
//! # Conventions
//! - Relative distances are `‖M − P(M)‖_F / ‖M‖_F` for an orthogonal projection `P`. The zero matrix
//!   lies in every subspace, so its relative distances are defined as 0 (this matters for blocks:
//!   the off-diagonal blocks of `M_0 = I` are zero). No function returns NaN.
//! - Shape errors a user can cause (a matrix file of the wrong shape, a permutation of the wrong
//!   length) and non-finite entries are reported as [`Error::InvalidParameter`](crate::Error).
//!
//! ```
//! use ndarray::Array2;
//! use symrfm::analysis::{decompose, CoordinatePermutation};
//!
//! // Z_3 acting on 2n = 6 coordinates: the rotations of Dih(Z_3), r^k(a, b) = (a + k, b − k).
//! let n = 3;
//! let rotation = |k: usize| {
//!     let sigma = (0..n).map(|a| (a + k) % n).chain((0..n).map(|b| n + (b + n - k) % n)).collect();
//!     CoordinatePermutation::new(format!("r^{k}"), sigma)
//! };
//! let elements: Vec<_> = (0..n).map(rotation).collect();
//! let m = Array2::<f64>::eye(2 * n) * 2.0 + elements[1].to_matrix();
//! let d = decompose(m.view(), &elements).unwrap();
//! assert_eq!(d.elements[0].name, "r^0");
//! assert!((d.elements[0].alpha - 2.0).abs() < 1e-12);
//! assert!(d.residual < 1e-12);
//! ```

pub mod decompose;
pub mod eigen;
pub mod gcirculant;
pub mod invariance;
pub mod isotypic;
pub mod matrix;
pub mod run;
pub mod structure;
pub mod track;

#[cfg(test)]
mod testutil;

pub use decompose::{
    commutant_distance, commutant_projection, decompose, fit_identity_ones,
    fit_identity_ones_blockwise, group_algebra_projection, BlockwiseIdentityOnesFit,
    CoordinatePermutation, Decomposition, ElementCoefficient, IdentityOnesFit,
};
pub use eigen::{eigen_features, EigenFeature, EigenFeatures};
pub use invariance::{acquisition_lead, AcquisitionLead, InvarianceProbe, SymmetryDiagnostic};
pub use isotypic::{
    default_isotypic, eigen_isotypic, irrep_energies, isotypic_decomposition, regular_isotypic,
    EigenIsotypic, IrrepComponent, IrrepEnergies, IsotypicDecomposition,
};
pub use matrix::{
    analyze_matrix, check_task_shape, subgroup_permutations, AnalysisOptions, GroupAnalysis,
    MatrixAnalysis, SubgroupDistance,
};
pub use run::{AnalysisSpec, RunAnalysis, RunAnalysisOptions, RunAnalyzer};
pub use structure::{
    alignment, block_structure, circulance, circulant_deviation, dft2_magnitude,
    diagonal_deviation, diagonal_means, diagonal_spectrum, effective_rank, hankel_deviation,
    order_from_dlog, reindex_symbols, split_blocks, top_k_energy_fraction, BlockMeasures,
    BlockStructure, Blocks, Circulance, DiagonalDirection, EffectiveRank,
};
pub use track::{off_diagonal_deviation, IterationStructure, PerBlock, StructureTracker};

use crate::error::{Error, Result};
use ndarray::ArrayView2;

/// Checks that every entry of `m` is finite.
pub(crate) fn check_finite(name: &'static str, m: ArrayView2<'_, f64>) -> Result<()> {
    match m.indexed_iter().find(|(_, x)| !x.is_finite()) {
        None => Ok(()),
        Some(((i, j), x)) => Err(Error::param(
            name,
            format!("entry ({i}, {j}) = {x}"),
            "finite entries only",
        )),
    }
}

/// Checks that `m` is square and finite; returns its dimension.
pub(crate) fn check_square(name: &'static str, m: ArrayView2<'_, f64>) -> Result<usize> {
    let (r, c) = m.dim();
    if r != c || r == 0 {
        return Err(Error::param(
            name,
            format!("a {r}×{c} matrix"),
            "a non-empty square matrix",
        ));
    }
    check_finite(name, m)?;
    Ok(r)
}

/// Checks that `m` is a finite 2n×2n feature matrix with n ≥ 1; returns n.
pub(crate) fn check_feature_matrix(m: ArrayView2<'_, f64>) -> Result<usize> {
    let (r, c) = m.dim();
    if r != c || r == 0 || r % 2 != 0 {
        return Err(Error::param(
            "feature matrix",
            format!("a {r}×{c} matrix"),
            "a square 2n×2n matrix with n ≥ 1 (left operand block, then right operand block)",
        ));
    }
    check_finite("feature matrix", m)?;
    Ok(r / 2)
}

/// Frobenius inner product ⟨A, B⟩_F of two matrices of the same shape.
pub(crate) fn frobenius_inner(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>) -> f64 {
    assert_eq!(a.dim(), b.dim(), "frobenius_inner: shape mismatch");
    a.iter().zip(b.iter()).map(|(x, y)| x * y).sum()
}

/// Squared Frobenius norm.
pub(crate) fn frobenius_norm_sq(a: ArrayView2<'_, f64>) -> f64 {
    a.iter().map(|x| x * x).sum()
}

/// `num / den` with the convention that a zero denominator (a zero matrix) gives 0.
pub(crate) fn ratio_or_zero(num: f64, den: f64) -> f64 {
    if den > 0.0 {
        num / den
    } else {
        0.0
    }
}

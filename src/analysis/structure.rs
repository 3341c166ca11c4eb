//! Block structure of a feature matrix: circulant and Hankel deviation, discrete-log reindexing,
//! Fourier spectra, effective rank and alignment (SCIENCE.md §2 and §5).
//!
//! A learned `M` has the block form `[[A, Cᵀ], [C, A]]` with `C` circulant (`add`) or Hankel (`sub`);
//! for `mul`/`div` only after the symbols are reordered by discrete logarithm ([`order_from_dlog`],
//! [`reindex_symbols`]). The measures below quantify how close each n×n block is to these forms.
//!
//! # Wrapped diagonals
//! For an n×n block `B` and `k ∈ 0..n`, the k-th wrapped diagonal is
//! - in the [`Circulant`](DiagonalDirection::Circulant) direction: the entries `B[i, (i + k) mod n]`
//!   (constant on each diagonal ⇔ `B[i, j]` depends only on `j − i` ⇔ `B` is circulant);
//! - in the [`Hankel`](DiagonalDirection::Hankel) direction: the entries `B[i, (k − i) mod n]`
//!   (constant ⇔ `B[i, j]` depends only on `i + j mod n`: a circulant Hankel matrix).
//!
//! The diagonals partition the block, so replacing each entry by the mean of its diagonal is the
//! orthogonal projection onto the circulant (resp. Hankel) matrices.

use super::{
    check_feature_matrix, check_square, frobenius_inner, frobenius_norm_sq, ratio_or_zero,
};
use crate::error::{Error, Result};
use ndarray::{s, Array2, ArrayView2};
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// The four n×n blocks of a 2n×2n feature matrix (first block: left operand coordinates `0..n`,
/// second block: right operand coordinates `n..2n`).
#[derive(Clone, Copy, Debug)]
pub struct Blocks<'a> {
    /// The block size n.
    pub n: usize,
    /// Rows `0..n`, columns `0..n`.
    pub m11: ArrayView2<'a, f64>,
    /// Rows `0..n`, columns `n..2n`.
    pub m12: ArrayView2<'a, f64>,
    /// Rows `n..2n`, columns `0..n`.
    pub m21: ArrayView2<'a, f64>,
    /// Rows `n..2n`, columns `n..2n`.
    pub m22: ArrayView2<'a, f64>,
}

/// Splits a 2n×2n feature matrix into its four n×n blocks.
pub fn split_blocks(m: ArrayView2<'_, f64>) -> Result<Blocks<'_>> {
    let n = check_feature_matrix(m)?;
    Ok(Blocks {
        n,
        m11: m.slice_move(s![..n, ..n]),
        m12: m.slice_move(s![..n, n..]),
        m21: m.slice_move(s![n.., ..n]),
        m22: m.slice_move(s![n.., n..]),
    })
}

/// The direction of the wrapped diagonals (see the [module documentation](self)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagonalDirection {
    /// Entries `B[i, (i + k) mod n]`: constant diagonals make a circulant matrix.
    Circulant,
    /// Entries `B[i, (k − i) mod n]`: constant diagonals make a (circulant) Hankel matrix.
    Hankel,
}

impl DiagonalDirection {
    /// Column of the entry of row `i` on the k-th wrapped diagonal of an n×n block.
    #[inline]
    fn column(self, i: usize, k: usize, n: usize) -> usize {
        match self {
            DiagonalDirection::Circulant => (i + k) % n,
            DiagonalDirection::Hankel => (k + n - i) % n,
        }
    }
}

/// The mean `c_k` of each wrapped diagonal `k ∈ 0..n` of a square block: the generating sequence of
/// the nearest circulant (`B̂[i, j] = c_{(j−i) mod n}`) or Hankel (`B̂[i, j] = c_{(i+j) mod n}`)
/// matrix. For a circulant block this is its first row.
pub fn diagonal_means(b: ArrayView2<'_, f64>, direction: DiagonalDirection) -> Result<Vec<f64>> {
    let n = check_square("block", b)?;
    Ok((0..n)
        .map(|k| {
            (0..n)
                .map(|i| b[[i, direction.column(i, k, n)]])
                .sum::<f64>()
                / n as f64
        })
        .collect())
}

/// Deviation of a square block from the circulant (or Hankel) form:
///
/// `dev(B) = n · Σ_k Var_k / ‖B‖²_F`, where `Var_k = (1/n) Σ_i (B[i, col_k(i)] − c_k)²` is the
/// population variance of the k-th wrapped diagonal and `c_k` its mean.
///
/// Since `n · Var_k` is the squared distance of the diagonal to its mean, `dev(B)` equals
/// `‖B − B̂‖²_F / ‖B‖²_F`, the *squared* relative Frobenius distance to the nearest circulant
/// (Hankel) matrix `B̂`. It lies in `[0, 1]`: 0 for a circulant (Hankel) block, about `1 − 1/n` for a
/// block of i.i.d. zero-mean entries. A zero block is circulant: its deviation is 0.
pub fn diagonal_deviation(b: ArrayView2<'_, f64>, direction: DiagonalDirection) -> Result<f64> {
    let means = diagonal_means(b, direction)?;
    let n = means.len();
    let mut sum_sq = 0.0;
    for (k, &c) in means.iter().enumerate() {
        for i in 0..n {
            let x = b[[i, direction.column(i, k, n)]] - c;
            sum_sq += x * x;
        }
    }
    Ok(ratio_or_zero(sum_sq, frobenius_norm_sq(b)))
}

/// [`diagonal_deviation`] in the circulant direction.
pub fn circulant_deviation(b: ArrayView2<'_, f64>) -> Result<f64> {
    diagonal_deviation(b, DiagonalDirection::Circulant)
}

/// [`diagonal_deviation`] in the Hankel direction.
pub fn hankel_deviation(b: ArrayView2<'_, f64>) -> Result<f64> {
    diagonal_deviation(b, DiagonalDirection::Hankel)
}

/// Circulant and Hankel deviation of one block. All three are undefined (NaN, written as `null`)
/// for a zero block, which is trivially both circulant and Hankel: e.g. the off-diagonal blocks
/// of M_0 = I.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Circulance {
    /// [`circulant_deviation`].
    #[serde(deserialize_with = "nan_if_null")]
    pub circulant: f64,
    /// [`hankel_deviation`].
    #[serde(deserialize_with = "nan_if_null")]
    pub hankel: f64,
    /// The smaller of the two: how far the block is from either diagonal form.
    #[serde(deserialize_with = "nan_if_null")]
    pub min: f64,
}

/// A number, or NaN where the file has `null` (how serde_json writes NaN).
pub fn nan_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// Both diagonal deviations of a square block and their minimum (NaN for a zero block).
pub fn circulance(b: ArrayView2<'_, f64>) -> Result<Circulance> {
    let circulant = circulant_deviation(b)?;
    let hankel = hankel_deviation(b)?;
    if frobenius_norm_sq(b) == 0.0 {
        return Ok(Circulance {
            circulant: f64::NAN,
            hankel: f64::NAN,
            min: f64::NAN,
        });
    }
    Ok(Circulance {
        circulant,
        hankel,
        min: circulant.min(hankel),
    })
}

/// `cos(2πt/n)` and `sin(2πt/n)` for `t ∈ 0..n`; indices are reduced mod n by the callers so that
/// the DFT is exactly periodic.
fn twiddles(n: usize) -> (Vec<f64>, Vec<f64>) {
    (0..n)
        .map(|t| {
            let angle = 2.0 * PI * t as f64 / n as f64;
            (angle.cos(), angle.sin())
        })
        .unzip()
}

/// The 1-D DFT magnitudes `|Σ_t x_t e^{−2πi ut/n}|`, `u ∈ 0..n` (direct O(n²) sum).
fn dft_magnitude(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let (cos, sin) = twiddles(n);
    (0..n)
        .map(|u| {
            let (mut re, mut im) = (0.0, 0.0);
            for (t, &v) in x.iter().enumerate() {
                let w = (u * t) % n;
                re += v * cos[w];
                im -= v * sin[w];
            }
            re.hypot(im)
        })
        .collect()
}

/// Magnitude spectrum of the diagonal means (see [`diagonal_means`]): `|ĉ_u| = |Σ_k c_k e^{−2πi uk/n}|`.
///
/// For a circulant block these are the moduli of its eigenvalues; since circulant matrices are
/// normal, they are also its singular values. A Hankel block is a circulant times the reversal
/// permutation `j ↦ −j mod n`, so its singular values are the same `|ĉ_u|`. For other blocks this is
/// the spectrum of the nearest circulant (Hankel) matrix.
pub fn diagonal_spectrum(b: ArrayView2<'_, f64>, direction: DiagonalDirection) -> Result<Vec<f64>> {
    Ok(dft_magnitude(&diagonal_means(b, direction)?))
}

/// Magnitudes of the 2-D DFT `F[u, v] = Σ_{i,j} B[i, j] e^{−2πi (ui/r + vj/c)}` of an r×c block
/// (unnormalized, so `Σ |F|² = r c ‖B‖²_F`). Computed directly with cosine/sine tables in
/// O(rc(r + c)) — fine for the block sizes of this crate.
///
/// A circulant block `B[i, j] = c_{j−i}` has `F[u, v] = n δ_{u+v ≡ 0} ĉ_v`, a Hankel block is supported
/// on `u ≡ v`: either way at most n non-zero frequencies.
pub fn dft2_magnitude(b: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
    let (r, c) = b.dim();
    if r == 0 || c == 0 {
        return Err(Error::param(
            "block",
            format!("a {r}×{c} matrix"),
            "a non-empty matrix",
        ));
    }
    super::check_finite("block", b)?;
    let (cos_c, sin_c) = twiddles(c);
    let (cos_r, sin_r) = twiddles(r);
    // Along rows: R[i, v] = Σ_j B[i, j] e^{−2πi vj/c}.
    let mut row_re = Array2::<f64>::zeros((r, c));
    let mut row_im = Array2::<f64>::zeros((r, c));
    for i in 0..r {
        for v in 0..c {
            let (mut re, mut im) = (0.0, 0.0);
            for j in 0..c {
                let w = (v * j) % c;
                re += b[[i, j]] * cos_c[w];
                im -= b[[i, j]] * sin_c[w];
            }
            row_re[[i, v]] = re;
            row_im[[i, v]] = im;
        }
    }
    // Along columns: F[u, v] = Σ_i e^{−2πi ui/r} R[i, v].
    Ok(Array2::from_shape_fn((r, c), |(u, v)| {
        let (mut re, mut im) = (0.0, 0.0);
        for i in 0..r {
            let w = (u * i) % r;
            let (cw, sw) = (cos_r[w], sin_r[w]);
            re += cw * row_re[[i, v]] + sw * row_im[[i, v]];
            im += cw * row_im[[i, v]] - sw * row_re[[i, v]];
        }
        re.hypot(im)
    }))
}

/// Fraction of the spectral energy `Σ |F[u, v]|²` of a block in its `k` largest frequencies
/// (`1 ≤ k ≤` number of entries). Measures concentration: 1 with `k = n` for a circulant or Hankel
/// n×n block, about `k / n²` for noise. A zero block counts as fully concentrated (1).
pub fn top_k_energy_fraction(b: ArrayView2<'_, f64>, k: usize) -> Result<f64> {
    let size = b.len();
    if k == 0 || k > size {
        return Err(Error::param(
            "top_k",
            k,
            format!("1..={size} (the number of frequencies of the block)"),
        ));
    }
    let spectrum = dft2_magnitude(b)?;
    let mut energy: Vec<f64> = spectrum.iter().map(|x| x * x).collect();
    energy.sort_by(|a, b| b.total_cmp(a));
    let total: f64 = energy.iter().sum();
    if total > 0.0 {
        Ok(energy[..k].iter().sum::<f64>() / total)
    } else {
        Ok(1.0)
    }
}

/// Builds the reordering of the symbols by discrete logarithm: given `dlog[e]` for every element
/// index `e` (as from [`AbelianGroup::discrete_log`](crate::group::AbelianGroup::discrete_log)),
/// returns `order` with `order[k]` = the element whose discrete log is `k`, i.e. the elements in the
/// order `g⁰, g¹, g², …`. `dlog` must be a permutation of `0..len`.
pub fn order_from_dlog(dlog: &[usize]) -> Result<Vec<usize>> {
    let n = dlog.len();
    let mut order = vec![usize::MAX; n];
    for (element, &k) in dlog.iter().enumerate() {
        if k >= n || order[k] != usize::MAX {
            return Err(Error::param(
                "discrete log table",
                format!("dlog[{element}] = {k} (out of range or repeated)"),
                format!("a permutation of 0..{n}"),
            ));
        }
        order[k] = element;
    }
    Ok(order)
}

/// Reorders the symbols of a 2n×2n feature matrix, the same way in both operand blocks:
/// new index `k` (resp. `n + k`) holds old index `order[k]` (resp. `n + order[k]`), so that
/// `out[k, l] = M[order[k], order[l]]` within each block. `order` must be a permutation of `0..n`
/// (e.g. from [`order_from_dlog`]: then `mul` blocks become Hankel and `div` blocks circulant).
pub fn reindex_symbols(m: ArrayView2<'_, f64>, order: &[usize]) -> Result<Array2<f64>> {
    let n = check_feature_matrix(m)?;
    let mut seen = vec![false; n];
    let valid = order.len() == n
        && order
            .iter()
            .all(|&e| e < n && !std::mem::replace(&mut seen[e], true));
    if !valid {
        return Err(Error::param(
            "symbol order",
            format!("{order:?}"),
            format!("a permutation of 0..{n} (the block size of the feature matrix)"),
        ));
    }
    let full = |i: usize| if i < n { order[i] } else { n + order[i - n] };
    Ok(Array2::from_shape_fn((2 * n, 2 * n), |(i, j)| {
        m[[full(i), full(j)]]
    }))
}

/// Effective rank of a symmetric matrix from the moduli of its eigenvalues `|λ_i|`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EffectiveRank {
    /// `exp(−Σ p_i ln p_i)` with `p_i = |λ_i| / Σ_j |λ_j|` (Roy & Vetterli); 0 for the zero matrix.
    pub entropy_rank: f64,
    /// Participation ratio `(Σ |λ_i|)² / Σ λ_i²`; 0 for the zero matrix.
    pub participation_ratio: f64,
}

/// Relative asymmetry `‖M − Mᵀ‖_F / ‖M‖_F` above which [`effective_rank`] rejects a matrix.
const SYMMETRY_TOLERANCE: f64 = 1e-8;

/// Effective rank of a symmetric matrix (`M` is symmetric PSD in practice; |λ| is used so that
/// rounding-level negative eigenvalues do no harm). Both measures equal k for `I_k ⊕ 0`.
///
/// The symmetric part `(M + Mᵀ)/2` is used; a matrix whose relative asymmetry exceeds `1e-8` is
/// rejected.
pub fn effective_rank(m: ArrayView2<'_, f64>) -> Result<EffectiveRank> {
    let d = check_square("matrix", m)?;
    let sym = Array2::from_shape_fn((d, d), |(i, j)| 0.5 * (m[[i, j]] + m[[j, i]]));
    let asym_sq: f64 = m
        .indexed_iter()
        .map(|((i, j), &x)| (x - m[[j, i]]).powi(2))
        .sum();
    let norm_sq = frobenius_norm_sq(m);
    if asym_sq > SYMMETRY_TOLERANCE * SYMMETRY_TOLERANCE * norm_sq {
        return Err(Error::param(
            "matrix",
            format!("relative asymmetry {:.3e}", (asym_sq / norm_sq).sqrt()),
            format!("a symmetric matrix (relative asymmetry ≤ {SYMMETRY_TOLERANCE:e})"),
        ));
    }
    let data: Vec<f64> = sym.iter().copied().collect();
    let eigenvalues = faer::MatRef::from_row_major_slice(&data, d, d)
        .self_adjoint_eigenvalues(faer::Side::Lower)
        .map_err(|e| Error::Numerical {
            iteration: 0,
            what: format!("eigenvalues of the {d}×{d} matrix did not converge: {e:?}"),
        })?;
    let abs: Vec<f64> = eigenvalues.iter().map(|x| x.abs()).collect();
    let sum: f64 = abs.iter().sum();
    if sum == 0.0 {
        return Ok(EffectiveRank {
            entropy_rank: 0.0,
            participation_ratio: 0.0,
        });
    }
    let entropy: f64 = abs
        .iter()
        .filter(|&&x| x > 0.0)
        .map(|&x| {
            let p = x / sum;
            -p * p.ln()
        })
        .sum();
    let sum_sq: f64 = abs.iter().map(|x| x * x).sum();
    Ok(EffectiveRank {
        entropy_rank: entropy.exp(),
        participation_ratio: sum * sum / sum_sq,
    })
}

/// Alignment `cos(vec A, vec B) = ⟨A, B⟩_F / (‖A‖_F ‖B‖_F)` of two matrices of the same shape, e.g.
/// `M_t` against the final `M` per iteration. Undefined (an error) if either matrix is zero.
pub fn alignment(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>) -> Result<f64> {
    if a.dim() != b.dim() {
        return Err(Error::param(
            "matrix",
            format!("shapes {:?} and {:?}", a.dim(), b.dim()),
            "two matrices of the same shape",
        ));
    }
    super::check_finite("matrix", a)?;
    super::check_finite("matrix", b)?;
    let (na, nb) = (frobenius_norm_sq(a).sqrt(), frobenius_norm_sq(b).sqrt());
    if na == 0.0 || nb == 0.0 {
        return Err(Error::param(
            "matrix",
            "a zero matrix",
            "non-zero matrices (the alignment of a zero matrix is undefined)",
        ));
    }
    // Clamp rounding just outside [−1, 1].
    Ok((frobenius_inner(a, b) / na / nb).clamp(-1.0, 1.0))
}

/// Structure measures of one n×n block.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockMeasures {
    /// Circulant and Hankel deviation.
    pub circulance: Circulance,
    /// [`top_k_energy_fraction`] with the `top_k` of the enclosing [`BlockStructure`].
    pub top_k_energy_fraction: f64,
    /// [`diagonal_spectrum`] in the circulant direction (n values, frequency `u` at index `u`).
    pub circulant_spectrum: Vec<f64>,
    /// [`diagonal_spectrum`] in the Hankel direction.
    pub hankel_spectrum: Vec<f64>,
}

impl BlockMeasures {
    fn of(b: ArrayView2<'_, f64>, top_k: usize) -> Result<Self> {
        Ok(BlockMeasures {
            circulance: circulance(b)?,
            top_k_energy_fraction: top_k_energy_fraction(b, top_k)?,
            circulant_spectrum: diagonal_spectrum(b, DiagonalDirection::Circulant)?,
            hankel_spectrum: diagonal_spectrum(b, DiagonalDirection::Hankel)?,
        })
    }
}

/// Block structure of a feature matrix: per-block measures and the effective rank of the whole.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockStructure {
    /// Block size n.
    pub n: usize,
    /// Whether the symbols were reordered before measuring (e.g. by discrete log for `mul`/`div`).
    pub reindexed: bool,
    /// Number of frequencies in the energy fraction.
    pub top_k: usize,
    /// Left-left block.
    pub m11: BlockMeasures,
    /// Left-right block.
    pub m12: BlockMeasures,
    /// Right-left block.
    pub m21: BlockMeasures,
    /// Right-right block.
    pub m22: BlockMeasures,
    /// Effective rank of the whole (symmetric) matrix.
    pub effective_rank: EffectiveRank,
}

/// Measures the block structure of a symmetric 2n×2n feature matrix, after reordering the symbols
/// by `order` if given (see [`reindex_symbols`]; pass [`order_from_dlog`] of the discrete-log table
/// for `mul`/`div`). `top_k` must be in `1..=n²`; `n` is the natural choice, since a circulant or
/// Hankel block has at most n non-zero frequencies.
pub fn block_structure(
    m: ArrayView2<'_, f64>,
    order: Option<&[usize]>,
    top_k: usize,
) -> Result<BlockStructure> {
    let n = check_feature_matrix(m)?;
    if top_k == 0 || top_k > n * n {
        return Err(Error::param(
            "top_k",
            top_k,
            format!("1..={} (n² for blocks of size n = {n})", n * n),
        ));
    }
    let reindexed = order.map(|o| reindex_symbols(m, o)).transpose()?;
    let m = reindexed.as_ref().map_or(m, |r| r.view());
    let blocks = split_blocks(m)?;
    Ok(BlockStructure {
        n,
        reindexed: order.is_some(),
        top_k,
        m11: BlockMeasures::of(blocks.m11, top_k)?,
        m12: BlockMeasures::of(blocks.m12, top_k)?,
        m21: BlockMeasures::of(blocks.m21, top_k)?,
        m22: BlockMeasures::of(blocks.m22, top_k)?,
        effective_rank: effective_rank(m)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testutil::{assert_json_round_trip, random_matrix, random_symmetric, rng};
    use crate::group::AbelianGroup;
    use proptest::prelude::*;
    use rand::Rng;

    fn random_vec(rng: &mut impl Rng, n: usize) -> Vec<f64> {
        (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
    }

    fn circulant(c: &[f64]) -> Array2<f64> {
        let n = c.len();
        Array2::from_shape_fn((n, n), |(i, j)| c[(j + n - i) % n])
    }

    fn hankel(h: &[f64]) -> Array2<f64> {
        let n = h.len();
        Array2::from_shape_fn((n, n), |(i, j)| h[(i + j) % n])
    }

    fn sorted_desc(mut v: Vec<f64>) -> Vec<f64> {
        v.sort_by(|a, b| b.total_cmp(a));
        v
    }

    #[test]
    fn circulant_and_hankel_blocks_are_recognized() {
        let mut rng = rng(10);
        for n in [1, 2, 7, 12, 31] {
            let c = random_vec(&mut rng, n);
            let circ = circulant(&c);
            let hank = hankel(&c);
            assert!(circulant_deviation(circ.view()).unwrap() <= 1e-12);
            assert!(hankel_deviation(hank.view()).unwrap() <= 1e-12);
            assert!(circulance(hank.view()).unwrap().min <= 1e-12);
            let means = [
                diagonal_means(circ.view(), DiagonalDirection::Circulant).unwrap(),
                diagonal_means(hank.view(), DiagonalDirection::Hankel).unwrap(),
            ];
            for mean in means {
                assert!(mean.iter().zip(&c).all(|(x, y)| (x - y).abs() <= 1e-15));
            }
            if n >= 7 {
                let random = random_matrix(&mut rng, n, n);
                let r = circulance(random.view()).unwrap();
                assert!(r.circulant > 0.5 && r.hankel > 0.5, "n={n}: {r:?}");
                assert!(hankel_deviation(circ.view()).unwrap() > 0.1);
                assert!(circulant_deviation(hank.view()).unwrap() > 0.1);
            }
        }
        assert_eq!(
            circulant_deviation(Array2::zeros((4, 4)).view()).unwrap(),
            0.0
        );
    }

    proptest! {
        /// The deviation is the squared relative distance to the matrix of diagonal means, in [0, 1]
        /// and scale invariant.
        #[test]
        fn deviation_is_squared_relative_distance(seed in any::<u64>(), n in 1usize..10) {
            let mut rng = rng(seed);
            let b = random_matrix(&mut rng, n, n);
            for dir in [DiagonalDirection::Circulant, DiagonalDirection::Hankel] {
                let dev = diagonal_deviation(b.view(), dir).unwrap();
                let c = diagonal_means(b.view(), dir).unwrap();
                let nearest = match dir {
                    DiagonalDirection::Circulant => circulant(&c),
                    DiagonalDirection::Hankel => hankel(&c),
                };
                let reference = frobenius_norm_sq((&b - &nearest).view()) / frobenius_norm_sq(b.view());
                prop_assert!((dev - reference).abs() <= 1e-12);
                prop_assert!((0.0..=1.0 + 1e-12).contains(&dev));
                let scaled = diagonal_deviation((&b * -3.5).view(), dir).unwrap();
                prop_assert!((dev - scaled).abs() <= 1e-12);
            }
        }
    }

    /// With x_e = e + 1 ∈ Z_p^* and B[i, j] = f(x_i x_j) (mul) or f(x_i x_j⁻¹) (div) for a random f,
    /// reordering by discrete log gives B'[k, l] = f(g^{k+l}) (Hankel) or f(g^{k−l}) (circulant).
    #[test]
    fn discrete_log_reindexing_reveals_hankel_and_circulant_blocks() {
        let mut rng = rng(11);
        for p in [11u64, 13, 31] {
            let group = AbelianGroup::multiplicative(p).unwrap();
            let n = group.order();
            let f = random_vec(&mut rng, n);
            let mul = Array2::from_shape_fn((n, n), |(i, j)| f[group.op(i, j)]);
            let div = Array2::from_shape_fn((n, n), |(i, j)| f[group.op(i, group.inverse(j))]);
            let mut m = Array2::zeros((2 * n, 2 * n));
            m.slice_mut(s![..n, ..n]).assign(&mul);
            m.slice_mut(s![..n, n..]).assign(&div);
            m.slice_mut(s![n.., ..n]).assign(&div.t());
            m.slice_mut(s![n.., n..]).assign(&mul);
            let before = split_blocks(m.view()).unwrap();
            assert!(circulance(before.m11).unwrap().min > 0.1, "p={p}");
            assert!(circulance(before.m12).unwrap().min > 0.1, "p={p}");

            let (_, dlog) = group.discrete_log().unwrap();
            let order = order_from_dlog(dlog).unwrap();
            let r = reindex_symbols(m.view(), &order).unwrap();
            let after = split_blocks(r.view()).unwrap();
            assert!(hankel_deviation(after.m11).unwrap() <= 1e-12, "p={p}");
            assert!(hankel_deviation(after.m22).unwrap() <= 1e-12, "p={p}");
            assert!(circulant_deviation(after.m12).unwrap() <= 1e-12, "p={p}");
            assert!(circulant_deviation(after.m21).unwrap() <= 1e-12, "p={p}");

            let structure = block_structure(m.view(), Some(&order), n).unwrap();
            assert!(structure.reindexed);
            assert!(structure.m11.circulance.hankel <= 1e-12);
            assert!(structure.m12.circulance.circulant <= 1e-12);
            assert!((structure.m12.top_k_energy_fraction - 1.0).abs() <= 1e-12);
        }
    }

    #[test]
    fn reindexing_validates_its_inputs() {
        assert!(order_from_dlog(&[0, 2, 1]).is_ok());
        assert!(order_from_dlog(&[0, 0, 1]).unwrap_err().is_usage());
        assert!(order_from_dlog(&[0, 3, 1]).is_err());
        let m = Array2::<f64>::eye(6);
        assert!(reindex_symbols(m.view(), &[0, 1]).unwrap_err().is_usage());
        assert!(reindex_symbols(m.view(), &[0, 1, 1]).is_err());
        assert_eq!(reindex_symbols(m.view(), &[2, 0, 1]).unwrap(), m);
        assert_eq!(order_from_dlog(&[2, 0, 1]).unwrap(), vec![1, 2, 0]);
    }

    /// Naive O(n⁴) reference for the 2-D DFT.
    fn naive_dft2(b: &Array2<f64>) -> Array2<f64> {
        let (r, c) = b.dim();
        Array2::from_shape_fn((r, c), |(u, v)| {
            let (mut re, mut im) = (0.0, 0.0);
            for ((i, j), &x) in b.indexed_iter() {
                let angle = -2.0 * PI * ((u * i) as f64 / r as f64 + (v * j) as f64 / c as f64);
                re += x * angle.cos();
                im += x * angle.sin();
            }
            re.hypot(im)
        })
    }

    #[test]
    fn dft2_matches_the_naive_sum_and_parseval() {
        let mut rng = rng(12);
        for (r, c) in [(1, 1), (5, 5), (4, 7), (12, 12)] {
            let b = random_matrix(&mut rng, r, c);
            let f = dft2_magnitude(b.view()).unwrap();
            let reference = naive_dft2(&b);
            let err = (&f - &reference).iter().fold(0.0f64, |m, x| m.max(x.abs()));
            assert!(err <= 1e-11, "{r}×{c}: {err}");
            let energy: f64 = f.iter().map(|x| x * x).sum();
            let expected = (r * c) as f64 * frobenius_norm_sq(b.view());
            assert!((energy - expected).abs() <= 1e-10 * expected);
        }
        let mut delta = Array2::<f64>::zeros((3, 3));
        delta[[0, 0]] = 1.0;
        assert!(dft2_magnitude(delta.view())
            .unwrap()
            .iter()
            .all(|&x| (x - 1.0).abs() < 1e-15));
    }

    #[test]
    fn diagonal_forms_concentrate_their_spectrum() {
        let mut rng = rng(13);
        for n in [7, 12] {
            let c = random_vec(&mut rng, n);
            for (b, dir) in [
                (circulant(&c), DiagonalDirection::Circulant),
                (hankel(&c), DiagonalDirection::Hankel),
            ] {
                assert!((top_k_energy_fraction(b.view(), n).unwrap() - 1.0).abs() <= 1e-12);
                // |ĉ_u| are the singular values of the block.
                let spectrum = sorted_desc(diagonal_spectrum(b.view(), dir).unwrap());
                let data: Vec<f64> = b.iter().copied().collect();
                let sv = faer::MatRef::from_row_major_slice(&data, n, n)
                    .singular_values()
                    .unwrap();
                for (x, y) in spectrum.iter().zip(&sv) {
                    assert!((x - y).abs() <= 1e-10, "{dir:?} n={n}: {x} vs {y}");
                }
            }
            let noise = random_matrix(&mut rng, n, n);
            assert!(top_k_energy_fraction(noise.view(), n).unwrap() < 0.9);
            assert!(top_k_energy_fraction(noise.view(), n * n).unwrap() > 1.0 - 1e-12);
            assert!(top_k_energy_fraction(noise.view(), 0)
                .unwrap_err()
                .is_usage());
            assert!(top_k_energy_fraction(noise.view(), n * n + 1).is_err());
        }
        assert_eq!(
            top_k_energy_fraction(Array2::zeros((3, 3)).view(), 1).unwrap(),
            1.0
        );
    }

    #[test]
    fn effective_rank_of_a_projector() {
        for k in 0..=6 {
            let mut m = Array2::<f64>::zeros((6, 6));
            for i in 0..k {
                m[[i, i]] = 1.0;
            }
            let r = effective_rank(m.view()).unwrap();
            assert!((r.entropy_rank - k as f64).abs() <= 1e-12, "k={k}: {r:?}");
            assert!(
                (r.participation_ratio - k as f64).abs() <= 1e-12,
                "k={k}: {r:?}"
            );
        }
        // Invariant under orthogonal similarity: permute I_2 ⊕ 0 and scale.
        let mut m = Array2::<f64>::zeros((5, 5));
        m[[1, 1]] = 3.0;
        m[[4, 4]] = 3.0;
        let r = effective_rank(m.view()).unwrap();
        assert!((r.entropy_rank - 2.0).abs() <= 1e-12);
        // Unequal spectrum: both measures strictly between 1 and 2.
        m[[4, 4]] = 1.0;
        let r = effective_rank(m.view()).unwrap();
        assert!(r.entropy_rank > 1.0 && r.entropy_rank < 2.0);
        assert!((r.participation_ratio - 16.0 / 10.0).abs() <= 1e-12);
        let mut asym = Array2::<f64>::eye(3);
        asym[[0, 1]] = 0.5;
        assert!(effective_rank(asym.view()).unwrap_err().is_usage());
    }

    #[test]
    fn alignment_is_a_cosine() {
        let mut rng = rng(14);
        let a = random_symmetric(&mut rng, 8);
        assert!((alignment(a.view(), (&a * 2.0).view()).unwrap() - 1.0).abs() <= 1e-15);
        assert!((alignment(a.view(), (&a * -0.5).view()).unwrap() + 1.0).abs() <= 1e-15);
        let e = Array2::<f64>::eye(2);
        let off = Array2::from_shape_vec((2, 2), vec![0.0, 1.0, 1.0, 0.0]).unwrap();
        assert_eq!(alignment(e.view(), off.view()).unwrap(), 0.0);
        assert!(alignment(a.view(), e.view()).unwrap_err().is_usage());
        assert!(alignment(e.view(), Array2::zeros((2, 2)).view()).is_err());
    }

    #[test]
    fn block_structure_of_the_symmetric_split_form() {
        // M = [[P, −P], [−P, P]] with P = I − 11ᵀ/n: every block is circulant (not Hankel: the
        // diagonal of P runs along j − i), and M has rank n − 1 with equal eigenvalues 2.
        let n = 9;
        let p = Array2::<f64>::eye(n) - Array2::<f64>::ones((n, n)) / n as f64;
        let mut m = Array2::zeros((2 * n, 2 * n));
        m.slice_mut(s![..n, ..n]).assign(&p);
        m.slice_mut(s![n.., n..]).assign(&p);
        m.slice_mut(s![..n, n..]).assign(&(-&p));
        m.slice_mut(s![n.., ..n]).assign(&(-&p));
        let st = block_structure(m.view(), None, n).unwrap();
        assert!(!st.reindexed);
        for b in [&st.m11, &st.m12, &st.m21, &st.m22] {
            assert!(b.circulance.circulant <= 1e-12 && b.circulance.min <= 1e-12);
            assert!(b.circulance.hankel > 0.5);
            assert_eq!(b.circulant_spectrum.len(), n);
        }
        assert!((st.effective_rank.entropy_rank - (n - 1) as f64).abs() <= 1e-9);
        assert!((st.effective_rank.participation_ratio - (n - 1) as f64).abs() <= 1e-9);
        assert_json_round_trip(&st);
        assert!(block_structure(m.view(), None, 0).is_err());
        assert!(block_structure(m.view(), None, n * n + 1).is_err());
        assert!(split_blocks(Array2::<f64>::zeros((3, 3)).view())
            .unwrap_err()
            .is_usage());
    }
}

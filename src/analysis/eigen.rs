//! Which features has M learned: its leading eigenpairs and the Fourier content of each
//! eigenvector, block by block.
//!
//! For an eigenvector `v = (v₁ ‖ v₂)` (left and right operand blocks of n entries each), the
//! energy of block b at frequency ξ is `|v̂_b(ξ)|² / (n ‖v‖²)` with `v̂_b(ξ) = Σ_a v_b[a] χ_ξ(a)*`,
//! χ_ξ the characters of the task's group A: `exp(2πi Σ_j ξ_j x_j / n_j)` for `a` with
//! coordinates `x_j` in the cyclic factors `C_{n_j}` (mixed radix as in the group module), and
//! for Z_p^* the discrete logarithm `x = log_g a` (smallest primitive root g), so the characters are
//! the multiplicative ones. By Parseval the energies of both blocks sum to 1. Tasks without a group
//! (the polynomial controls) use Z_n in symbol order, and say so. Frequencies are indexed like
//! elements (mixed radix); ξ and −ξ carry equal energy for a real vector.

use super::check_feature_matrix;
use crate::error::Result;
use crate::group::Task;
use crate::linalg::eigh;
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

/// One eigenpair of M and the Fourier energy of its eigenvector.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EigenFeature {
    /// Rank (0 = largest eigenvalue).
    pub rank: usize,
    /// The eigenvalue.
    pub eigenvalue: f64,
    /// The unit eigenvector (2n entries, symbol order; sign fixed so the largest |entry| is
    /// positive).
    pub vector: Vec<f64>,
    /// Share of ‖v‖² in the left operand block.
    pub left_share: f64,
    /// Energy per frequency of the left block (n entries, frequency index as element index).
    pub left_energy: Vec<f64>,
    /// Energy per frequency of the right block.
    pub right_energy: Vec<f64>,
    /// The frequency with the most energy (both blocks summed) and its name, e.g. `5` or `(1,2)`.
    pub dominant_frequency: usize,
    /// Name of the dominant frequency.
    pub dominant_frequency_name: String,
    /// Energy at ±dominant frequency (both blocks): near 1 for a pure Fourier feature.
    pub dominant_energy: f64,
}

/// The top-K eigenpairs of a feature matrix with their Fourier content.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EigenFeatures {
    /// The Fourier basis used: e.g. `characters of Z_61`, `multiplicative characters of Z_61^*
    /// (discrete log, generator 2)`, `Z_11 in symbol order (no group)`.
    pub basis: String,
    /// All eigenvalues, descending.
    pub spectrum: Vec<f64>,
    /// The leading K eigenpairs, by descending eigenvalue.
    pub leading: Vec<EigenFeature>,
    /// Their energies (and those of their eigenvalue clusters) in the isotypic components of a
    /// subgroup of Sym_f (`analysis.isotypic`, [`eigen_isotypic`](super::eigen_isotypic));
    /// absent unless asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isotypic: Option<super::isotypic::EigenIsotypic>,
}

/// Coordinates of each element in the cyclic factors, the factor orders, and a description.
fn fourier_coordinates(task: &Task) -> (Vec<Vec<usize>>, Vec<usize>, String) {
    let n = task.n_symbols();
    match task.group() {
        Some(g) => match g.discrete_log() {
            Some((gen, dlog)) => (
                dlog.iter().map(|&x| vec![x]).collect(),
                vec![n],
                format!(
                    "multiplicative characters of {} (discrete log, generator {})",
                    g.name(),
                    g.element_name(gen)
                ),
            ),
            None => {
                let factors = g.factors().to_vec();
                let coords = (0..n).map(|a| digits(a, &factors)).collect();
                (coords, factors, format!("characters of {}", g.name()))
            }
        },
        None => (
            (0..n).map(|a| vec![a]).collect(),
            vec![n],
            match task.finite_group() {
                Some(g) if !g.is_abelian() => format!(
                    "Z_{n} in symbol order ({} is not abelian: no Fourier basis; its basis is the \
                     isotypic decomposition, `analysis.isotypic`)",
                    g.name()
                ),
                _ => format!("Z_{n} in symbol order (the task has no group)"),
            },
        ),
    }
}

/// Mixed-radix digits of `x`, last factor least significant.
fn digits(mut x: usize, factors: &[usize]) -> Vec<usize> {
    let mut d = vec![0; factors.len()];
    for (k, &f) in factors.iter().enumerate().rev() {
        d[k] = x % f;
        x /= f;
    }
    d
}

/// |v̂(ξ)|² for every frequency ξ (indexed like elements), by the direct sum (n² per block).
fn energies(v: &[f64], coords: &[Vec<usize>], factors: &[usize]) -> Vec<f64> {
    let n = v.len();
    (0..n)
        .map(|xi| {
            let f = digits(xi, factors);
            let (mut re, mut im) = (0.0, 0.0);
            for (a, &va) in v.iter().enumerate() {
                let phase: f64 = coords[a]
                    .iter()
                    .zip(&f)
                    .zip(factors)
                    .map(|((&x, &k), &m)| ((x * k) % m) as f64 / m as f64)
                    .sum();
                let angle = 2.0 * PI * phase;
                re += va * angle.cos();
                im -= va * angle.sin();
            }
            re * re + im * im
        })
        .collect()
}

/// The index of −ξ (componentwise negation in the factors).
fn negate(xi: usize, factors: &[usize]) -> usize {
    digits(xi, factors)
        .iter()
        .zip(factors)
        .fold(0, |acc, (&d, &m)| acc * m + (m - d) % m)
}

/// The `k` leading eigenpairs of the 2n×2n feature matrix `m` of `task` (all of them when `k`
/// exceeds 2n) and the Fourier energy of each eigenvector.
pub fn eigen_features(task: &Task, m: ArrayView2<'_, f64>, k: usize) -> Result<EigenFeatures> {
    let n = check_feature_matrix(m)?;
    let (lambda, u) = eigh(m)?;
    let (coords, factors, basis) = fourier_coordinates(task);
    let d = 2 * n;
    let order: Vec<usize> = (0..d).rev().collect(); // eigh is ascending
    let spectrum: Vec<f64> = order.iter().map(|&c| lambda[c]).collect();
    let mut leading = Vec::new();
    for (rank, &c) in order.iter().take(k.min(d)).enumerate() {
        let mut v: Vec<f64> = u.column(c).to_vec();
        let (imax, _) = v.iter().enumerate().fold((0, 0.0f64), |best, (i, &x)| {
            if x.abs() > best.1 {
                (i, x.abs())
            } else {
                best
            }
        });
        if v[imax] < 0.0 {
            v.iter_mut().for_each(|x| *x = -*x);
        }
        let norm_sq: f64 = v.iter().map(|x| x * x).sum::<f64>().max(f64::MIN_POSITIVE);
        let scale = 1.0 / (n as f64 * norm_sq);
        let left: Vec<f64> = energies(&v[..n], &coords, &factors)
            .into_iter()
            .map(|e| e * scale)
            .collect();
        let right: Vec<f64> = energies(&v[n..], &coords, &factors)
            .into_iter()
            .map(|e| e * scale)
            .collect();
        let both: Vec<f64> = left.iter().zip(&right).map(|(a, b)| a + b).collect();
        let dominant = (0..n).fold(0, |best, xi| if both[xi] > both[best] { xi } else { best });
        let neg = negate(dominant, &factors);
        let dominant_energy = if neg == dominant {
            both[dominant]
        } else {
            both[dominant] + both[neg]
        };
        let name = {
            let dg = digits(dominant, &factors);
            if dg.len() == 1 {
                dg[0].to_string()
            } else {
                format!(
                    "({})",
                    dg.iter()
                        .map(|x| x.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                )
            }
        };
        leading.push(EigenFeature {
            rank,
            eigenvalue: lambda[c],
            left_share: v[..n].iter().map(|x| x * x).sum::<f64>() / norm_sq,
            vector: v,
            left_energy: left,
            right_energy: right,
            dominant_frequency: dominant,
            dominant_frequency_name: name,
            dominant_energy,
        });
    }
    Ok(EigenFeatures {
        basis,
        spectrum,
        leading,
        isotypic: None,
    })
}

impl EigenFeatures {
    /// The leading eigenvectors as a K × 2n matrix (row r = eigenvector of rank r).
    pub fn vectors(&self) -> Array2<f64> {
        let k = self.leading.len();
        let d = self.leading.first().map_or(0, |f| f.vector.len());
        Array2::from_shape_fn((k, d), |(r, i)| self.leading[r].vector[i])
    }

    /// The frequency energies as a K × 2n matrix (left block's frequencies, then the right's).
    pub fn energy_matrix(&self) -> Array2<f64> {
        let k = self.leading.len();
        let n = self.leading.first().map_or(0, |f| f.left_energy.len());
        Array2::from_shape_fn((k, 2 * n), |(r, i)| {
            let f = &self.leading[r];
            if i < n {
                f.left_energy[i]
            } else {
                f.right_energy[i - n]
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::{Operation, TaskSpec};

    #[test]
    fn a_planted_fourier_feature_is_found_at_its_frequency() {
        // M = λ v vᵀ + small I with v a cosine of frequency 3 in the left block (add, Z_11).
        let task = Task::new(TaskSpec::new(Operation::Add, 11)).unwrap();
        let n = 11;
        let mut v = vec![0.0; 2 * n];
        for (a, x) in v.iter_mut().take(n).enumerate() {
            *x = (2.0 * PI * 3.0 * a as f64 / n as f64).cos();
        }
        let m = Array2::from_shape_fn((2 * n, 2 * n), |(i, j)| {
            5.0 * v[i] * v[j] + if i == j { 0.01 } else { 0.0 }
        });
        let f = eigen_features(&task, m.view(), 3).unwrap();
        assert_eq!(f.spectrum.len(), 22);
        let top = &f.leading[0];
        assert!(top.dominant_frequency == 3 || top.dominant_frequency == 8);
        assert!(
            (top.dominant_energy - 1.0).abs() < 1e-12,
            "{}",
            top.dominant_energy
        );
        assert!((top.left_share - 1.0).abs() < 1e-12);
        let total: f64 = top.left_energy.iter().chain(&top.right_energy).sum();
        assert!((total - 1.0).abs() < 1e-12, "Parseval: {total}");
        assert!(f.spectrum.windows(2).all(|w| w[0] >= w[1]));
    }

    #[test]
    fn multiplicative_characters_use_the_discrete_log() {
        // v[a] = cos(2π·2·log_g(a)/n) on Z_7^* (n = 6): pure frequency 2 (or 4).
        let task = Task::new(TaskSpec::new(Operation::Mul, 7)).unwrap();
        let g = task.group().unwrap();
        let (_, dlog) = g.discrete_log().unwrap();
        let n = 6;
        let mut v = vec![0.0; 2 * n];
        for a in 0..n {
            v[n + a] = (2.0 * PI * 2.0 * dlog[a] as f64 / n as f64).cos();
        }
        let m = Array2::from_shape_fn((2 * n, 2 * n), |(i, j)| v[i] * v[j]);
        let f = eigen_features(&task, m.view(), 1).unwrap();
        let top = &f.leading[0];
        assert!(top.dominant_frequency == 2 || top.dominant_frequency == 4);
        assert!((top.dominant_energy - 1.0).abs() < 1e-12);
        assert!(top.left_share < 1e-12);
        assert!(f.basis.contains("discrete log"));
    }

    #[test]
    fn negation_in_mixed_radix() {
        assert_eq!(negate(0, &[5]), 0);
        assert_eq!(negate(2, &[5]), 3);
        // (1,2) in C_3 × C_4 is 1·4 + 2 = 6; −(1,2) = (2,2) = 10
        assert_eq!(negate(6, &[3, 4]), 10);
    }
}

//! Kernel ridge regression: solve `(K + λI) α = Y`.
//!
//! The default path is an in-place Cholesky factorization (faer; LAPACK on OpenBLAS with the
//! `openblas` cargo feature and [`Backend::OpenBlas`]) of `K + λI`, then two triangular solves. If the matrix is not numerically positive definite (a non-positive pivot, which
//! happens with λ = 0 when the learned metric M makes distinct inputs nearly coincide) we fall back to
//! an LU factorization with partial pivoting of the same matrix, which needs no definiteness. Which
//! path ran is reported as a [`SolverKind`]. A solution with NaN or ∞ is an error.

pub mod memory;
#[cfg(feature = "openblas")]
pub mod openblas;

use crate::error::{Error, Result};
use crate::linalg::{as_faer, as_faer_mut, Real};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::Par;
use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use serde::{Deserialize, Serialize};

/// Which library factorizes the kernel matrix and solves with it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Backend {
    /// faer (pure Rust; the default).
    #[default]
    Faer,
    /// LAPACK on the system OpenBLAS, through ndarray-linalg (cargo feature `openblas`).
    OpenBlas,
}

impl Backend {
    /// `faer` or `openblas`.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Faer => "faer",
            Backend::OpenBlas => "openblas",
        }
    }

    /// Whether this build contains the backend.
    pub fn available(&self) -> bool {
        match self {
            Backend::Faer => true,
            Backend::OpenBlas => cfg!(feature = "openblas"),
        }
    }

    /// The backends this build contains.
    pub fn all_available() -> Vec<Backend> {
        [Backend::Faer, Backend::OpenBlas]
            .into_iter()
            .filter(|b| b.available())
            .collect()
    }
}

/// Which factorization solved the system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SolverKind {
    /// Cholesky `LLᵀ` (the matrix was numerically positive definite).
    Cholesky,
    /// LU with partial pivoting (fallback after a failed Cholesky).
    Lu,
}

impl SolverKind {
    /// The name as written in the JSON (`cholesky`, `lu`), for progress lines too.
    pub fn name(self) -> &'static str {
        match self {
            SolverKind::Cholesky => "cholesky",
            SolverKind::Lu => "lu",
        }
    }
}

/// Solves `(K + λI) α = Y`.
///
/// `work` (n × n) is overwritten with the factorization; `k` is left untouched. `rhs` (n × c) holds Y
/// on entry and α on exit; column-major layout (e.g. the transpose of a standard c × n array) is the
/// fastest.
pub fn solve_in_place(
    k: ArrayView2<'_, f64>,
    ridge: f64,
    work: &mut Array2<f64>,
    rhs: ArrayViewMut2<'_, f64>,
    par: Par,
    iteration: usize,
) -> Result<SolverKind> {
    let n = k.nrows();
    assert_eq!(k.dim(), (n, n));
    assert_eq!(work.dim(), (n, n));
    let mut fill = |mut a: ArrayViewMut2<'_, f64>| {
        a.assign(&k);
        if ridge != 0.0 {
            a.diag_mut().iter_mut().for_each(|v| *v += ridge);
        }
    };
    fill(work.view_mut());
    factor_and_solve(
        work.view_mut(),
        rhs,
        par,
        Backend::Faer,
        iteration,
        &mut fill,
    )
}

/// Solves `A α = Y` for symmetric `A` without a second n × n buffer.
///
/// `a` holds A on entry (only its lower triangle is read by the Cholesky factorization) and is
/// overwritten. If the Cholesky factorization meets a non-positive pivot, `refill` must write the
/// whole of A into the buffer again, and LU with partial pivoting solves the system. `rhs` (n × c)
/// holds Y on entry and α on exit.
pub fn factor_and_solve<T: Real>(
    mut a: ArrayViewMut2<'_, T>,
    mut rhs: ArrayViewMut2<'_, T>,
    par: Par,
    backend: Backend,
    iteration: usize,
    refill: &mut dyn FnMut(ArrayViewMut2<'_, T>),
) -> Result<SolverKind> {
    let n = a.nrows();
    assert_eq!(a.dim(), (n, n));
    assert_eq!(rhs.nrows(), n);
    let factored = if backend == Backend::OpenBlas {
        #[cfg(feature = "openblas")]
        {
            openblas::cholesky_solve(a.view_mut(), rhs.view_mut()).map_err(|e| match e {
                Error::Numerical { what, .. } => Error::Numerical { iteration, what },
                other => other,
            })?
        }
        #[cfg(not(feature = "openblas"))]
        return Err(Error::param(
            "params.backend",
            "openblas",
            "faer (this build has no `openblas` feature)",
        ));
    } else {
        let req = faer::linalg::cholesky::llt::factor::cholesky_in_place_scratch::<T>(
            n,
            par,
            Default::default(),
        );
        let mut buf = MemBuffer::new(req);
        let stack = MemStack::new(&mut buf);
        faer::linalg::cholesky::llt::factor::cholesky_in_place(
            as_faer_mut(a.view_mut()),
            Default::default(),
            par,
            stack,
            Default::default(),
        )
        .is_ok()
            && {
                cholesky_solve_columns(a.view(), rhs.view_mut(), par);
                true
            }
    };
    let kind = if factored {
        SolverKind::Cholesky
    } else {
        refill(a.view_mut());
        let mut perm = vec![0usize; n];
        let mut perm_inv = vec![0usize; n];
        let req = faer::linalg::lu::partial_pivoting::factor::lu_in_place_scratch::<usize, T>(
            n,
            n,
            par,
            Default::default(),
        )
        .or(
            faer::linalg::lu::partial_pivoting::solve::solve_in_place_scratch::<usize, T>(
                n,
                rhs.ncols(),
                par,
            ),
        );
        let mut buf = MemBuffer::new(req);
        let stack = MemStack::new(&mut buf);
        let (_, p) = faer::linalg::lu::partial_pivoting::factor::lu_in_place(
            as_faer_mut(a.view_mut()),
            &mut perm,
            &mut perm_inv,
            par,
            stack,
            Default::default(),
        );
        let lu = as_faer(a.view());
        faer::linalg::lu::partial_pivoting::solve::solve_in_place_with_conj(
            lu,
            lu,
            p,
            faer::Conj::No,
            as_faer_mut(rhs.view_mut()),
            par,
            stack,
        );
        SolverKind::Lu
    };
    check_finite(rhs.view(), kind, iteration)
}

/// Solves `L Lᵀ X = B` in place for the factor `l` (lower triangle): the right-hand sides are cut
/// into two halves that are solved in parallel, each sequentially. faer's own parallel triangular
/// solve scales poorly with a few dozen right-hand sides: at n = 1860, c = 61 on two threads it
/// takes 7.5 ms against 5.4 ms for the halves; at n = 4704, c = 97 both take 56 ms, and four
/// parts take 74 ms (each part sweeps L once more). The halves are fixed by the number of
/// columns, never by the thread count, so the numbers do not depend on `--threads` (with one
/// thread the halves run one after the other).
fn cholesky_solve_columns<T: Real>(l: ArrayView2<'_, T>, mut rhs: ArrayViewMut2<'_, T>, par: Par) {
    use rayon::prelude::*;
    let solve = |mut b: ArrayViewMut2<'_, T>| {
        faer::linalg::cholesky::llt::solve::solve_in_place_with_conj(
            as_faer(l),
            faer::Conj::No,
            as_faer_mut(b.view_mut()),
            Par::Seq,
            MemStack::new(&mut MemBuffer::new(faer::dyn_stack::StackReq::EMPTY)),
        );
    };
    let half = rhs.ncols().div_ceil(2).max(1);
    let mut chunks: Vec<_> = rhs.axis_chunks_iter_mut(ndarray::Axis(1), half).collect();
    if matches!(par, Par::Seq) {
        chunks.into_iter().for_each(solve);
    } else {
        chunks.par_iter_mut().for_each(|b| solve(b.view_mut()));
    }
}

/// A solution with NaN or ∞ is a numerical error.
fn check_finite<T: Real>(
    rhs: ArrayView2<'_, T>,
    kind: SolverKind,
    iteration: usize,
) -> Result<SolverKind> {
    if rhs.iter().any(|v| !v.wide().is_finite()) {
        return Err(Error::Numerical {
            iteration,
            what: format!(
                "the kernel system (K + λI)α = Y is singular: {kind:?} gave a non-finite solution \
                 (try a ridge > 0, e.g. `params.ridge` 1e-8, or a larger `params.kernel.bandwidth`)"
            ),
        });
    }
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Solves the system by Gaussian elimination with partial pivoting: slow and obviously correct.
    fn naive_solve(a: &Array2<f64>, b: &Array2<f64>) -> Array2<f64> {
        let n = a.nrows();
        let mut a = a.clone();
        let mut x = b.clone();
        for col in 0..n {
            let piv = (col..n)
                .max_by(|&i, &j| a[[i, col]].abs().total_cmp(&a[[j, col]].abs()))
                .unwrap();
            for j in 0..n {
                a.swap([col, j], [piv, j]);
            }
            for j in 0..x.ncols() {
                x.swap([col, j], [piv, j]);
            }
            for i in col + 1..n {
                let f = a[[i, col]] / a[[col, col]];
                for j in col..n {
                    a[[i, j]] -= f * a[[col, j]];
                }
                for j in 0..x.ncols() {
                    x[[i, j]] -= f * x[[col, j]];
                }
            }
        }
        for col in (0..n).rev() {
            for j in 0..x.ncols() {
                let mut s = x[[col, j]];
                for k in col + 1..n {
                    s -= a[[col, k]] * x[[k, j]];
                }
                x[[col, j]] = s / a[[col, col]];
            }
        }
        x
    }

    fn spd(n: usize, seed: u64) -> Array2<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let x = Array2::from_shape_fn((n, n + 3), |_| rng.random_range(-1.0..1.0));
        x.dot(&x.t())
    }

    #[test]
    fn cholesky_solves_with_small_residual_for_several_sizes() {
        for (n, seed) in [(1, 1), (7, 2), (64, 3), (300, 4)] {
            let k = spd(n, seed);
            let mut rng = ChaCha8Rng::seed_from_u64(seed + 100);
            let y = Array2::from_shape_fn((n, 5), |_| rng.random_range(-1.0..1.0));
            for ridge in [0.0, 1e-3] {
                let mut rhs = y.t().to_owned(); // c × n standard = n × c column-major
                let mut work = Array2::zeros((n, n));
                let kind = solve_in_place(
                    k.view(),
                    ridge,
                    &mut work,
                    rhs.view_mut().reversed_axes(),
                    Par::rayon(2),
                    0,
                )
                .unwrap();
                assert_eq!(kind, SolverKind::Cholesky);
                let alpha = rhs.t();
                let shifted = &k + &(Array2::<f64>::eye(n) * ridge);
                let resid = (&shifted.dot(&alpha) - &y)
                    .iter()
                    .map(|v| v * v)
                    .sum::<f64>()
                    .sqrt();
                let scale = shifted.iter().map(|v| v * v).sum::<f64>().sqrt()
                    * alpha.iter().map(|v| v * v).sum::<f64>().sqrt();
                assert!(
                    resid <= 1e3 * n as f64 * f64::EPSILON * scale,
                    "n={n}: residual {resid}"
                );
                let reference = naive_solve(&shifted, &y);
                let diff = (&reference - &alpha)
                    .iter()
                    .map(|v| v.abs())
                    .fold(0.0, f64::max);
                let size = reference.iter().map(|v| v.abs()).fold(0.0, f64::max);
                assert!(
                    diff <= 1e-8 * size.max(1.0),
                    "n={n}: differs from naive by {diff}"
                );
            }
        }
    }

    #[test]
    fn cholesky_reads_only_the_lower_triangle() {
        // The training loop fills only the lower triangle of K before factorizing.
        let n = 120;
        let k = spd(n, 11);
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        let y = Array2::from_shape_fn((4, n), |_| rng.random_range(-1.0..1.0));
        let mut a =
            Array2::from_shape_fn((n, n), |(i, j)| if j <= i { k[[i, j]] } else { f64::NAN });
        let mut rhs = y.clone();
        let kind = factor_and_solve(
            a.view_mut(),
            rhs.view_mut().reversed_axes(),
            Par::rayon(2),
            Backend::Faer,
            0,
            &mut |_| unreachable!("positive definite"),
        )
        .unwrap();
        assert_eq!(kind, SolverKind::Cholesky);
        let resid = (&k.dot(&rhs.t()) - &y.t())
            .iter()
            .fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(resid < 1e-8, "residual {resid}");
    }

    #[test]
    fn indefinite_matrices_fall_back_to_lu() {
        let n = 40;
        let mut k = spd(n, 9);
        k[[0, 0]] = -5.0; // no longer positive definite, still nonsingular
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let y = Array2::from_shape_fn((n, 3), |_| rng.random_range(-1.0..1.0));
        let mut rhs = y.t().to_owned();
        let mut work = Array2::zeros((n, n));
        let kind = solve_in_place(
            k.view(),
            0.0,
            &mut work,
            rhs.view_mut().reversed_axes(),
            Par::Seq,
            0,
        )
        .unwrap();
        assert_eq!(kind, SolverKind::Lu);
        let resid = (&k.dot(&rhs.t()) - &y)
            .iter()
            .map(|v| v.abs())
            .fold(0.0, f64::max);
        assert!(resid < 1e-8, "residual {resid}");
        let reference = naive_solve(&k, &y);
        assert!((&reference - &rhs.t()).iter().all(|v| v.abs() < 1e-8));
    }

    #[test]
    fn singular_systems_are_numerical_errors() {
        let n = 6;
        let k = Array2::<f64>::ones((n, n)) * 0.0;
        let mut rhs = Array2::<f64>::ones((2, n));
        let mut work = Array2::zeros((n, n));
        let err = solve_in_place(
            k.view(),
            0.0,
            &mut work,
            rhs.view_mut().reversed_axes(),
            Par::Seq,
            3,
        )
        .unwrap_err();
        assert!(
            matches!(err, Error::Numerical { iteration: 3, .. }),
            "{err}"
        );
    }
}

//! The factorization on LAPACK (system OpenBLAS) through ndarray-linalg (cargo feature `openblas`).
//!
//! `?potrf` (ndarray-linalg's LAPACK layer) factorizes `K + λI` in place and `?potrs` solves with
//! all right-hand sides in one call (ndarray-linalg's own wrapper takes one right-hand side at a
//! time, so it is declared here); the rare LU fallback stays on faer. The kernel matrix is filled in
//! its lower triangle in row-major order, which LAPACK (column-major) sees as the upper triangle of
//! the same symmetric matrix. OpenBLAS runs its own threads: [`set_threads`] sets their number (the
//! factorization is the only OpenBLAS call of a run, made outside any parallel region).

use crate::error::{Error, Result};
use crate::linalg::Real;
use ndarray::{ArrayView2, ArrayViewMut2};
use ndarray_linalg::layout::MatrixLayout;
use ndarray_linalg::UPLO;
use std::os::raw::c_int;

extern "C" {
    fn openblas_set_num_threads(num_threads: c_int);
    #[allow(clippy::too_many_arguments)]
    fn cblas_dgemm(
        layout: c_int,
        trans_a: c_int,
        trans_b: c_int,
        m: c_int,
        n: c_int,
        k: c_int,
        alpha: f64,
        a: *const f64,
        lda: c_int,
        b: *const f64,
        ldb: c_int,
        beta: f64,
        c: *mut f64,
        ldc: c_int,
    );
}

/// Sets the number of OpenBLAS threads.
pub fn set_threads(threads: usize) {
    let n = threads.clamp(1, c_int::MAX as usize) as c_int;
    // SAFETY: a plain setter of the OpenBLAS library this feature links; any positive count is valid.
    unsafe { openblas_set_num_threads(n) }
}

/// Solves `A α = Y` by Cholesky (see [`super::factor_and_solve`]) with LAPACK; `Ok(false)` if A is
/// not numerically positive definite (the caller falls back to LU). `a` must be in standard layout
/// with its lower triangle filled, `rhs` column-major (the transpose of a standard array).
pub fn cholesky_solve<T: Real>(
    mut a: ArrayViewMut2<'_, T>,
    mut rhs: ArrayViewMut2<'_, T>,
) -> Result<bool> {
    let (n, c) = rhs.dim();
    let side = c_int::try_from(n).map_err(|_| Error::Numerical {
        iteration: 0,
        what: format!("a {n}×{n} system is too large for LAPACK's 32-bit indices"),
    })?;
    let nrhs = c_int::try_from(c).map_err(|_| Error::Numerical {
        iteration: 0,
        what: format!("{c} right-hand sides are too many for LAPACK's 32-bit indices"),
    })?;
    let a = a.as_slice_mut().expect("kernel matrix in standard layout");
    // Row-major lower triangle = column-major upper triangle.
    let layout = MatrixLayout::F {
        col: side,
        lda: side,
    };
    if <T as ndarray_linalg::Lapack>::cholesky(layout, UPLO::Upper, a).is_err() {
        return Ok(false);
    }
    let mut rhs_t = rhs.view_mut().reversed_axes();
    let b = rhs_t
        .as_slice_mut()
        .expect("right-hand side in column-major layout");
    let info = T::potrs(b'U', side, nrhs, a, b);
    if info != 0 {
        return Err(Error::Numerical {
            iteration: 0,
            what: format!("LAPACK ?potrs failed (info {info})"),
        });
    }
    Ok(true)
}

/// `c = a · b` with OpenBLAS `cblas_dgemm` (all three in standard layout).
pub fn gemm(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>, mut c: ArrayViewMut2<'_, f64>) {
    const ROW_MAJOR: c_int = 101;
    const NO_TRANS: c_int = 111;
    let (m, k) = a.dim();
    let n = b.ncols();
    assert!(b.nrows() == k && c.dim() == (m, n), "gemm shapes");
    let int = |v: usize| c_int::try_from(v).expect("matrix side fits a C int");
    let (a, b) = (
        a.as_slice().expect("standard layout"),
        b.as_slice().expect("standard layout"),
    );
    let c = c.as_slice_mut().expect("standard layout");
    // SAFETY: the slices hold m×k, k×n and m×n row-major matrices with leading dimensions k, n, n,
    // as the call declares; OpenBLAS reads a and b and writes c within these bounds.
    unsafe {
        cblas_dgemm(
            ROW_MAJOR,
            NO_TRANS,
            NO_TRANS,
            int(m),
            int(n),
            int(k),
            1.0,
            a.as_ptr(),
            int(k),
            b.as_ptr(),
            int(n),
            0.0,
            c.as_mut_ptr(),
            int(n),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::{factor_and_solve, Backend, SolverKind};
    use faer::Par;
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn lapack_agrees_with_faer_reading_only_the_lower_triangle() {
        let n = 150;
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let x = Array2::from_shape_fn((n, n + 5), |_| rng.random_range(-1.0..1.0));
        let k = x.dot(&x.t());
        let y = Array2::from_shape_fn((3, n), |_| rng.random_range(-1.0..1.0));
        let solve = |backend: Backend| {
            // Lower triangle only, as the training loop fills it.
            let mut a =
                Array2::from_shape_fn((n, n), |(i, j)| if j <= i { k[[i, j]] } else { f64::NAN });
            let mut rhs = y.clone();
            let kind = factor_and_solve(
                a.view_mut(),
                rhs.view_mut().reversed_axes(),
                Par::Seq,
                backend,
                0,
                &mut |_| unreachable!("positive definite"),
            )
            .unwrap();
            assert_eq!(kind, SolverKind::Cholesky);
            rhs
        };
        let (faer, lapack) = (solve(Backend::Faer), solve(Backend::OpenBlas));
        let scale = faer.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let diff = (&faer - &lapack).iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(diff <= 1e-9 * scale, "{diff:e}");
    }
}

//! The bridge between ndarray (arrays at the API) and faer (factorizations and products).
//!
//! Views are zero-copy: an ndarray view becomes a faer view with the same pointer and strides.

use crate::error::{Error, Result};
use faer::{MatMut, MatRef, Par};
use ndarray::{Array2, ArrayView2, ArrayViewMut2, CowArray, Ix2};

/// What the OpenBLAS backend needs of a scalar (nothing without the `openblas` feature).
#[cfg(feature = "openblas")]
pub trait LapackScalar: ndarray_linalg::Lapack + lapack::CholeskySolve {}
#[cfg(feature = "openblas")]
impl<T: ndarray_linalg::Lapack + lapack::CholeskySolve> LapackScalar for T {}

/// LAPACK's `?potrs` (solve with a Cholesky factor, all right-hand sides in one call), which
/// ndarray-linalg does not wrap; used by the OpenBLAS backend (`crate::solve::openblas`).
#[cfg(feature = "openblas")]
pub mod lapack {
    use std::os::raw::{c_char, c_int};

    extern "C" {
        fn dpotrs_(
            uplo: *const c_char,
            n: *const c_int,
            nrhs: *const c_int,
            a: *const f64,
            lda: *const c_int,
            b: *mut f64,
            ldb: *const c_int,
            info: *mut c_int,
        );
        fn spotrs_(
            uplo: *const c_char,
            n: *const c_int,
            nrhs: *const c_int,
            a: *const f32,
            lda: *const c_int,
            b: *mut f32,
            ldb: *const c_int,
            info: *mut c_int,
        );
    }

    /// `?potrs` for the two precisions.
    pub trait CholeskySolve: Sized {
        /// Solves `A X = B` with the factor in `a` (n × n, column-major, `uplo` triangle) for the
        /// `nrhs` columns of `b` (n × nrhs, column-major); returns LAPACK's `info`.
        fn potrs(uplo: u8, n: c_int, nrhs: c_int, a: &[Self], b: &mut [Self]) -> c_int;
    }

    macro_rules! impl_potrs {
        ($t:ty, $f:ident) => {
            impl CholeskySolve for $t {
                fn potrs(uplo: u8, n: c_int, nrhs: c_int, a: &[Self], b: &mut [Self]) -> c_int {
                    assert!(
                        a.len() >= (n as usize).pow(2) && b.len() >= n as usize * nrhs as usize
                    );
                    let mut info = 0;
                    let uplo = uplo as c_char;
                    // SAFETY: a holds n × n and b n × nrhs column-major values with leading dimension
                    // n (checked above); LAPACK reads a and overwrites b within these bounds.
                    unsafe {
                        $f(
                            &uplo,
                            &n,
                            &nrhs,
                            a.as_ptr(),
                            &n,
                            b.as_mut_ptr(),
                            &n,
                            &mut info,
                        )
                    };
                    info
                }
            }
        };
    }
    impl_potrs!(f64, dpotrs_);
    impl_potrs!(f32, spotrs_);
}
/// What the OpenBLAS backend needs of a scalar (nothing without the `openblas` feature).
#[cfg(not(feature = "openblas"))]
pub trait LapackScalar {}
#[cfg(not(feature = "openblas"))]
impl<T> LapackScalar for T {}

/// The floating-point types the heavy products run in: `f64` (default) and `f32` (`--precision f32`).
pub trait Real:
    faer::traits::RealField
    + LapackScalar
    + Copy
    + Send
    + Sync
    + Default
    + std::ops::Neg<Output = Self>
    + std::iter::Sum
    + 'static
{
    /// `f32` or `f64`.
    const NAME: &'static str;
    /// Rounds an `f64` to this type.
    fn cast(v: f64) -> Self;
    /// Widens to `f64` (exact).
    fn wide(self) -> f64;
    /// The same matrix in `f64` (a view for `f64`, a widened copy otherwise).
    fn view_f64(a: ArrayView2<'_, Self>) -> CowArray<'_, f64, Ix2>;
    /// `dst += a aᵀ` (lower triangle) with the crate's own kernel for a small `dst` and a long,
    /// row-contiguous `a`, when this type and CPU have one; `false` leaves `dst` untouched.
    fn gram_lower_kernel(_dst: ArrayViewMut2<'_, Self>, _a: ArrayView2<'_, Self>) -> bool {
        false
    }
}

impl Real for f64 {
    const NAME: &'static str = "f64";
    #[inline(always)]
    fn cast(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn wide(self) -> f64 {
        self
    }
    fn view_f64(a: ArrayView2<'_, Self>) -> CowArray<'_, f64, Ix2> {
        CowArray::from(a)
    }
    fn gram_lower_kernel(dst: ArrayViewMut2<'_, Self>, a: ArrayView2<'_, Self>) -> bool {
        crate::gram::gram_lower_f64(dst, a)
    }
}

impl Real for f32 {
    const NAME: &'static str = "f32";
    #[inline(always)]
    fn cast(v: f64) -> Self {
        v as f32
    }
    #[inline(always)]
    fn wide(self) -> f64 {
        self as f64
    }
    fn view_f64(a: ArrayView2<'_, Self>) -> CowArray<'_, f64, Ix2> {
        CowArray::from(a.mapv(f64::from))
    }
}

/// A faer view of an ndarray view (no copy).
pub fn as_faer<T>(a: ArrayView2<'_, T>) -> MatRef<'_, T> {
    let (r, c) = a.dim();
    let s = a.strides();
    // SAFETY: the pointer, shape and strides come from a live ndarray view whose lifetime bounds the
    // returned view; ndarray guarantees every (i, j) in range addresses an element of the view.
    unsafe { MatRef::from_raw_parts(a.as_ptr(), r, c, s[0], s[1]) }
}

/// A mutable faer view of a mutable ndarray view (no copy).
pub fn as_faer_mut<T>(mut a: ArrayViewMut2<'_, T>) -> MatMut<'_, T> {
    let (r, c) = a.dim();
    let (s0, s1) = (a.strides()[0], a.strides()[1]);
    // SAFETY: as in `as_faer`; the view is unique (mutable borrow) for the returned lifetime.
    unsafe { MatMut::from_raw_parts_mut(a.as_mut_ptr(), r, c, s0, s1) }
}

/// faer parallelism for a thread count (1 ⇒ sequential).
pub fn par(threads: usize) -> Par {
    if threads <= 1 {
        Par::Seq
    } else {
        Par::rayon(threads)
    }
}

/// faer's accumulation mode: add into the destination or replace it.
fn accum(accumulate: bool) -> faer::Accum {
    if accumulate {
        faer::Accum::Add
    } else {
        faer::Accum::Replace
    }
}

/// `dst = alpha · lhs · rhs` (or `dst += …` with `accumulate`).
pub fn matmul<T: Real>(
    dst: ArrayViewMut2<'_, T>,
    lhs: ArrayView2<'_, T>,
    rhs: ArrayView2<'_, T>,
    alpha: T,
    accumulate: bool,
    par: Par,
) {
    let accum = accum(accumulate);
    faer::linalg::matmul::matmul(
        as_faer_mut(dst),
        accum,
        as_faer(lhs),
        as_faer(rhs),
        alpha,
        par,
    );
}

/// `dst (+)= alpha · a · aᵀ`, lower triangle only (the strict upper triangle of `dst` is untouched).
pub fn syrk_lower<T: Real>(
    dst: ArrayViewMut2<'_, T>,
    a: ArrayView2<'_, T>,
    alpha: T,
    accumulate: bool,
    par: Par,
) {
    // The AGOP's Gram update (sequential, small d × d output, long rows, α = 1): faer's triangular
    // product reaches about 70 % of its matrix-product rate at this shape, the kernel in
    // [`crate::gram`] about 95 % (`symrfm bench`).
    let mut dst = dst;
    if matches!(par, Par::Seq)
        && accumulate
        && alpha == T::one()
        && T::gram_lower_kernel(dst.view_mut(), a)
    {
        return;
    }
    let accum = accum(accumulate);
    faer::linalg::matmul::triangular::matmul(
        as_faer_mut(dst),
        faer::linalg::matmul::triangular::BlockStructure::TriangularLower,
        accum,
        as_faer(a),
        faer::linalg::matmul::triangular::BlockStructure::Rectangular,
        as_faer(a.t()),
        faer::linalg::matmul::triangular::BlockStructure::Rectangular,
        alpha,
        par,
    );
}

/// Symmetric eigendecomposition `A = U diag(λ) Uᵀ` (ascending λ), reading the lower triangle.
///
/// Runs sequentially on purpose: faer's high-level solvers follow the global thread count, which
/// would make the rounding of M depend on `--threads`; the matrices here are small (d = 2n).
pub fn eigh(a: ArrayView2<'_, f64>) -> Result<(Vec<f64>, Array2<f64>)> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::evd::{self_adjoint_evd, self_adjoint_evd_scratch, ComputeEigenvectors};
    let n = a.nrows();
    let mut lambda = faer::Col::<f64>::zeros(n);
    let mut vectors = Array2::<f64>::zeros((n, n)).reversed_axes(); // column-major, as faer prefers
    let req =
        self_adjoint_evd_scratch::<f64>(n, ComputeEigenvectors::Yes, Par::Seq, Default::default());
    let mut buf = MemBuffer::new(req);
    self_adjoint_evd(
        as_faer(a),
        lambda.as_diagonal_mut(),
        Some(as_faer_mut(vectors.view_mut())),
        Par::Seq,
        MemStack::new(&mut buf),
        Default::default(),
    )
    .map_err(|e| Error::Numerical {
        iteration: 0,
        what: format!("symmetric eigendecomposition did not converge: {e:?}"),
    })?;
    Ok((
        lambda.iter().copied().collect(),
        vectors.as_standard_layout().into_owned(),
    ))
}

/// `A^s` for symmetric positive semi-definite `A`: eigendecomposition with negative eigenvalues
/// clamped to zero. Returns the power and the clamped eigenvalues of `A` (ascending).
pub fn sym_power(a: ArrayView2<'_, f64>, s: f64) -> Result<(Array2<f64>, Vec<f64>)> {
    let (mut lambda, u) = eigh(a)?;
    for l in lambda.iter_mut() {
        *l = l.max(0.0);
    }
    let powered: Vec<f64> = lambda
        .iter()
        .map(|&l| if l > 0.0 { l.powf(s) } else { 0.0 })
        .collect();
    // U diag(λ^s) Uᵀ = (U diag(λ^s)) Uᵀ
    let mut scaled = u.clone();
    for (mut col, &w) in scaled.columns_mut().into_iter().zip(&powered) {
        col *= w;
    }
    let n = a.nrows();
    let mut out = Array2::<f64>::zeros((n, n));
    matmul(out.view_mut(), scaled.view(), u.t(), 1.0, false, Par::Seq);
    symmetrize(&mut out);
    Ok((out, lambda))
}

/// Replaces `A` by `(A + Aᵀ)/2`.
pub fn symmetrize(a: &mut Array2<f64>) {
    let n = a.nrows();
    for i in 0..n {
        for j in 0..i {
            let v = 0.5 * (a[[i, j]] + a[[j, i]]);
            a[[i, j]] = v;
            a[[j, i]] = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn random(r: usize, c: usize, seed: u64) -> Array2<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        Array2::from_shape_fn((r, c), |_| rng.random_range(-1.0..1.0))
    }

    #[test]
    fn matmul_matches_ndarray_for_all_layouts() {
        let a = random(17, 9, 1);
        let b = random(9, 13, 2);
        let expected = a.dot(&b);
        for (lhs, rhs) in [(a.view(), b.view()), (a.t().t(), b.view())] {
            let mut out = Array2::zeros((17, 13));
            matmul(out.view_mut(), lhs, rhs, 1.0, false, Par::Seq);
            assert!((&out - &expected).iter().all(|x| x.abs() < 1e-12));
        }
        // transposed operands and a column-major destination
        let at = a.t().to_owned();
        let mut out = Array2::zeros((13, 17)).reversed_axes();
        matmul(out.view_mut(), at.t(), b.view(), 2.0, false, Par::rayon(2));
        assert!((&out - &(2.0 * &expected)).iter().all(|x| x.abs() < 1e-12));
    }

    #[test]
    fn sym_power_squares_back() {
        let x = random(12, 12, 3);
        let a = x.t().dot(&x);
        let (root, lambda) = sym_power(a.view(), 0.5).unwrap();
        let back = root.dot(&root);
        let scale = a.iter().map(|v| v.abs()).fold(0.0, f64::max);
        assert!((&back - &a).iter().all(|v| v.abs() < 1e-10 * scale));
        assert!(lambda.windows(2).all(|w| w[0] <= w[1]));
        // negative eigenvalues are clamped: -A has power 0
        let (neg, _) = sym_power((-&a).view(), 0.5).unwrap();
        assert!(neg.iter().all(|v| v.abs() < 1e-12));
    }
}

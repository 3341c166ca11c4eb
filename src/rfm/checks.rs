//! Numerical health checks run every iteration: each failure stops training with an error that
//! names the iteration and what to change.

use crate::error::{Error, Result};
use crate::kernel::KernelKind;
use crate::linalg::Real;
use ndarray::ArrayView2;

fn fail(iteration: usize, what: String) -> Error {
    Error::Numerical { iteration, what }
}

/// The training kernel (its lower triangle, which is all the factorization reads) must be finite,
/// and for the Gaussian and Laplace kernels not numerically the identity (every off-diagonal entry
/// below machine epsilon: the bandwidth is too small for M, the predictor is zero away from the
/// training points and the AGOP degenerates).
pub fn kernel_lower<T: Real>(
    k: ArrayView2<'_, T>,
    kind: KernelKind,
    iteration: usize,
) -> Result<()> {
    let mut max_off = 0.0f64;
    for (i, row) in k.rows().into_iter().enumerate() {
        for (j, v) in row.iter().take(i + 1).enumerate() {
            let v = v.wide();
            if !v.is_finite() {
                return Err(fail(
                    iteration,
                    format!("the kernel matrix has a non-finite entry ({v}) at ({i}, {j}): M or the kernel overflowed"),
                ));
            }
            if i != j {
                max_off = max_off.max(v.abs());
            }
        }
    }
    if let KernelKind::Gaussian { bandwidth } | KernelKind::Laplace { bandwidth } = kind {
        if k.nrows() > 1 && max_off < f64::EPSILON {
            return Err(fail(
                iteration,
                format!(
                    "kernel underflow: every off-diagonal kernel entry is below {:.1e} (largest {max_off:.1e}), \
                     so K is numerically the identity; --bandwidth {bandwidth} is too small for this M, use a larger one",
                    f64::EPSILON
                ),
            ));
        }
    }
    Ok(())
}

/// The AGOP must be finite and not numerically zero.
pub fn agop(g: ArrayView2<'_, f64>, iteration: usize) -> Result<()> {
    let mut max = 0.0f64;
    for &v in g.iter() {
        if !v.is_finite() {
            return Err(fail(
                iteration,
                format!("the AGOP has a non-finite entry ({v})"),
            ));
        }
        max = max.max(v.abs());
    }
    if max < f64::MIN_POSITIVE {
        return Err(fail(
            iteration,
            format!(
                "the AGOP is numerically zero (largest entry {max:.1e}): the predictor's gradients vanish on the \
                 training set and M would collapse to 0 (is --ridge too large?)"
            ),
        ));
    }
    Ok(())
}

/// The new feature matrix must be finite.
pub fn feature_matrix(m: ArrayView2<'_, f64>, iteration: usize) -> Result<()> {
    match m.iter().find(|v| !v.is_finite()) {
        Some(v) => Err(fail(
            iteration,
            format!("the updated feature matrix M has a non-finite entry ({v})"),
        )),
        None => Ok(()),
    }
}

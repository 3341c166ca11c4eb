//! Numerical health checks run every iteration: each failure stops training with an error that
//! names the iteration and what to change.

use crate::error::{Error, Result};
use crate::kernel::KernelKind;
use crate::linalg::Real;
use ndarray::ArrayView2;

/// Growth of tr(M) since the first iteration beyond which a kernel underflow is blamed on M's
/// growth (earlier ill-posed solves) rather than on a small bandwidth.
pub const GROWN: f64 = 1e3;

fn fail(iteration: usize, what: String) -> Error {
    Error::Numerical { iteration, what }
}

/// The training kernel (its lower triangle, which is all the factorization reads) must be finite,
/// and for the Gaussian and Laplace kernels not numerically the identity (every off-diagonal entry
/// below machine epsilon: the bandwidth is too small for M, the predictor is zero away from the
/// training points and the AGOP degenerates).
///
/// Rows are scanned in parallel (the result is a maximum and a yes/no, exact whatever the thread
/// count); the first non-finite entry in row-major order is located only when there is one.
///
/// `growth` is tr(M_t) / tr(M_0): an underflow after M grew by orders of magnitude is not cured by
/// a larger bandwidth; it follows ill-posed solves in earlier iterations (K near the all-ones
/// matrix when the bandwidth is too large, whose huge α inflate the AGOP), and the message says so.
pub fn kernel_lower<T: Real>(
    k: ArrayView2<'_, T>,
    kind: KernelKind,
    iteration: usize,
    growth: f64,
) -> Result<()> {
    use rayon::prelude::*;
    let n = k.ncols();
    assert_eq!(k.nrows(), n, "the training kernel is square");
    if n == 0 {
        return Ok(());
    }
    // The training buffer is in standard layout, so this is a view, not a copy.
    let rows = k.as_standard_layout();
    let (max_off, finite) = rows
        .as_slice()
        .expect("standard layout")
        .par_chunks(n)
        .enumerate()
        .map(|(i, r)| scan(&r[..i], r[i]))
        .reduce(|| (0.0, true), |a, b| (a.0.max(b.0), a.1 && b.1));
    if !finite {
        let (i, j, v) = k
            .rows()
            .into_iter()
            .enumerate()
            .find_map(|(i, row)| {
                row.iter()
                    .take(i + 1)
                    .position(|v| !v.wide().is_finite())
                    .map(|j| (i, j, row[j].wide()))
            })
            .expect("a non-finite entry was seen");
        return Err(fail(
            iteration,
            format!("the kernel matrix has a non-finite entry ({v}) at ({i}, {j}): M or the kernel overflowed"),
        ));
    }
    if let KernelKind::Gaussian { bandwidth } | KernelKind::Laplace { bandwidth } = kind {
        if k.nrows() > 1 && max_off < f64::EPSILON {
            let advice = if growth > GROWN {
                format!(
                    "M grew {growth:.1e}-fold since the first iteration, after ill-posed solves \
                     (see the iterations marked ill-posed): typically `params.kernel.bandwidth` \
                     {bandwidth} is too large, K is then close to the all-ones matrix and its \
                     solution huge; use a smaller bandwidth or a positive `params.ridge`"
                )
            } else {
                format!(
                    "`params.kernel.bandwidth` {bandwidth} is too small for this M, use a larger one"
                )
            };
            return Err(fail(
                iteration,
                format!(
                    "kernel underflow: every off-diagonal kernel entry is below {:.1e} (largest {max_off:.1e}), \
                     so K is numerically the identity; {advice}",
                    f64::EPSILON
                ),
            ));
        }
    }
    Ok(())
}

/// The largest |entry| of `off` and whether `off` and `diag` are all finite, in a form the compiler
/// vectorizes: eight independent lanes, and `v · 0` (0 for a finite v, NaN otherwise) summed.
fn scan<T: Real>(off: &[T], diag: T) -> (f64, bool) {
    const LANES: usize = 8;
    let mut max = [0.0f64; LANES];
    let mut bad = [0.0f64; LANES];
    let chunks = off.chunks_exact(LANES);
    let tail = chunks.remainder();
    for c in chunks {
        for l in 0..LANES {
            let v = c[l].wide();
            max[l] = max[l].max(v.abs());
            bad[l] += v * 0.0;
        }
    }
    let d = diag.wide();
    let mut m = 0.0f64;
    let mut b = d * 0.0;
    for &v in tail {
        let v = v.wide();
        m = m.max(v.abs());
        b += v * 0.0;
    }
    for l in 0..LANES {
        m = m.max(max[l]);
        b += bad[l];
    }
    // `f64::max` ignores NaN, but NaN also makes `b` NaN.
    (m, b == 0.0)
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
                 training set and M would collapse to 0 (is `params.ridge` too large?)"
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

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    const GAUSS: KernelKind = KernelKind::Gaussian { bandwidth: 2.5 };

    /// The plain definition: every lower entry finite, largest off-diagonal |entry|.
    fn reference(k: &Array2<f64>) -> (f64, Option<(usize, usize)>) {
        let mut max = 0.0f64;
        for i in 0..k.nrows() {
            for j in 0..=i {
                if !k[[i, j]].is_finite() {
                    return (max, Some((i, j)));
                }
                if i != j {
                    max = max.max(k[[i, j]].abs());
                }
            }
        }
        (max, None)
    }

    #[test]
    fn kernel_check_finds_the_first_non_finite_lower_entry() {
        for n in [1usize, 2, 7, 8, 9, 17, 40] {
            for (i, j) in [(n - 1, 0), (n - 1, n - 1), (n / 2, n / 3), (n - 1, n / 2)] {
                for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                    let mut k = Array2::from_shape_fn((n, n), |(a, b)| {
                        0.5 / (1.0 + (a as f64 - b as f64).abs())
                    });
                    k[[i, j]] = bad;
                    // Above the diagonal is not read.
                    if n > 1 {
                        k[[0, n - 1]] = f64::NAN;
                    }
                    let (_, first) = reference(&k);
                    let (fi, fj) = first.expect("a bad entry");
                    let msg = kernel_lower(k.view(), GAUSS, 3, 1.0)
                        .unwrap_err()
                        .to_string();
                    assert!(msg.contains(&format!("at ({fi}, {fj})")), "{msg}");
                    assert!(msg.contains("at iteration 3"), "{msg}");
                }
            }
        }
    }

    #[test]
    fn kernel_check_accepts_finite_matrices_and_detects_underflow() {
        for n in [2usize, 9, 33] {
            let mut k = Array2::<f64>::eye(n);
            k[[0, n - 1]] = 1.0; // upper triangle: ignored
            assert!(reference(&k).0 < f64::EPSILON);
            let err = kernel_lower(k.view(), GAUSS, 0, 1.0)
                .unwrap_err()
                .to_string();
            assert!(err.contains("kernel underflow"), "{err}");
            assert!(
                err.contains("too small for this M, use a larger one"),
                "{err}"
            );
            // After M grew a thousandfold the advice is the other way round.
            let grown = kernel_lower(k.view(), GAUSS, 4, 1e5)
                .unwrap_err()
                .to_string();
            assert!(
                grown.contains("too large") && grown.contains("`params.ridge`"),
                "{grown}"
            );
            assert!(!grown.contains("use a larger one"), "{grown}");
            // The quadratic kernel has no underflow condition.
            assert!(kernel_lower(k.view(), KernelKind::Quadratic, 0, 1.0).is_ok());
            k[[n - 1, 0]] = 1e-3;
            assert!(kernel_lower(k.view(), GAUSS, 0, 1.0).is_ok());
            let k32 = k.mapv(|v| v as f32);
            assert!(kernel_lower(k32.view(), GAUSS, 0, 1.0).is_ok());
        }
    }
}

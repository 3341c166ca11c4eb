//! Per-iteration metrics.

use crate::solve::SolverKind;
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

/// Seconds spent in each stage of one iteration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StageSeconds {
    /// Building the training kernel (and gradient weights).
    pub kernel: f64,
    /// Factorization and solve.
    pub solve: f64,
    /// Predictions on the training and test sets (test kernel included).
    pub predict: f64,
    /// The AGOP.
    pub agop: f64,
    /// Eigendecomposition for M ← AGOP^s.
    pub eig: f64,
    /// The whole iteration.
    pub total: f64,
}

/// Metrics of iteration t, computed with M_t (before that iteration's update).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IterationRecord {
    /// Iteration index t (0-based).
    pub iter: usize,
    /// Training accuracy (argmax; ties go to the lowest class).
    pub train_acc: f64,
    /// Test accuracy.
    pub test_acc: f64,
    /// Training mean squared error over all n_train × n_classes entries.
    pub train_mse: f64,
    /// Test mean squared error over all n_test × n_classes entries.
    pub test_mse: f64,
    /// trace(M_t).
    pub trace_m: f64,
    /// trace(M_{t+1}), the matrix after this iteration's update.
    pub trace_m_next: f64,
    /// Which factorization solved the kernel system.
    pub solver: SolverKind,
    /// Seconds per stage.
    pub seconds: StageSeconds,
    /// Relative residual `‖(K + λI)α − Y‖_F / ‖Y‖_F` of the solved kernel system, with `Kα` the
    /// training predictions recomputed from the kernel (not from the factorization). Absent in
    /// files written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residual: Option<f64>,
    /// Whether the iteration is ill-posed (see [`is_ill_posed`]): its numbers are kept but it
    /// counts neither for `best_test_acc` nor for the first iteration with test accuracy ≥ 0.99.
    /// Absent (false) for well-posed iterations.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ill_posed: bool,
}

/// Relative residual above which the solution of the kernel system counts as ill-posed, for runs
/// in f64. Measured on the default run (add mod 61, 50 iterations): 1.9e-13 to 1.6e-12.
pub const ILL_POSED_RESIDUAL_F64: f64 = 1e-6;
/// The same tolerance for runs in f32 (`params.precision`). Measured: 1.1e-4 to 8.5e-4 on the
/// default run, 1.5e-4 to 1.4e-3 at p = 97.
pub const ILL_POSED_RESIDUAL_F32: f64 = 1e-2;

/// The residual tolerance for a precision.
pub fn ill_posed_tolerance(precision: super::Precision) -> f64 {
    match precision {
        super::Precision::F64 => ILL_POSED_RESIDUAL_F64,
        super::Precision::F32 => ILL_POSED_RESIDUAL_F32,
    }
}

/// Whether an iteration is ill-posed: the relative residual of its kernel system exceeds
/// `tolerance` (or is not finite), or the ridge is 0 and the training set is not interpolated
/// (train accuracy < 1, which an exact solution of `Kα = Y` cannot give).
pub fn is_ill_posed(residual: f64, tolerance: f64, ridge: f64, train_acc: f64) -> bool {
    residual.is_nan() || residual > tolerance || (ridge == 0.0 && train_acc < 1.0)
}

/// Σ v², in four independent lanes.
fn sum_of_squares(v: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let chunks = v.chunks_exact(4);
    let tail = chunks.remainder();
    for c in chunks {
        for l in 0..4 {
            acc[l] += c[l] * c[l];
        }
    }
    let t: f64 = tail.iter().map(|x| x * x).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + t
}

/// `‖P + λα − Y‖_F / ‖Y‖_F` for the training predictions `P = Kα` (n × c), the coefficients α
/// (n × c), the ridge λ and the labels (Y one-hot): the relative residual of `(K + λI)α = Y`.
/// NaN or ∞ when the solution is not finite.
pub fn relative_residual(
    predictions: ArrayView2<'_, f64>,
    alpha: ArrayView2<'_, f64>,
    ridge: f64,
    labels: &[u32],
) -> f64 {
    assert_eq!(predictions.dim(), alpha.dim(), "predictions and α");
    assert_eq!(predictions.nrows(), labels.len(), "labels");
    // α is usually a transposed view (column-major): read it in row order from a copy, or not
    // at all at λ = 0.
    let alpha = (ridge != 0.0).then(|| alpha.as_standard_layout().into_owned());
    let mut row_buf = Vec::new();
    let mut sse = 0.0;
    for (i, (p, &y)) in predictions.rows().into_iter().zip(labels).enumerate() {
        let y = y as usize;
        let row: &[f64] = match (&alpha, p.as_slice()) {
            (None, Some(p)) => p,
            _ => {
                row_buf.clear();
                row_buf.extend(p.iter().copied());
                if let Some(a) = &alpha {
                    for (r, &a) in row_buf.iter_mut().zip(a.row(i)) {
                        *r += ridge * a;
                    }
                }
                &row_buf
            }
        };
        // The label's entry apart: the others are summed without ever adding and removing 1.
        let e = row[y] - 1.0;
        sse += sum_of_squares(&row[..y]) + e * e + sum_of_squares(&row[y + 1..]);
    }
    // ‖Y‖_F² = number of rows (one 1 per row).
    (sse / labels.len().max(1) as f64).sqrt()
}

/// Index of the largest entry (the first one on ties, as numpy/torch argmax; a NaN never wins
/// against an earlier entry, and a leading NaN is never beaten). 0 for an empty row.
pub fn argmax(row: impl IntoIterator<Item = f64>) -> usize {
    let mut row = row.into_iter();
    let Some(mut best) = row.next() else {
        return 0;
    };
    let mut at = 0;
    for (i, v) in row.enumerate() {
        if v > best {
            best = v;
            at = i + 1;
        }
    }
    at
}

/// Number of correct argmax predictions and the sum of squared errors against one-hot labels.
pub fn score(pred: ArrayView2<'_, f64>, labels: &[u32]) -> (usize, f64, Vec<bool>) {
    let mut correct = 0;
    let mut sse = 0.0;
    let mut hits = Vec::with_capacity(labels.len());
    for (row, &y) in pred.rows().into_iter().zip(labels) {
        let y = y as usize;
        // Rows are contiguous here; a slice iterates much faster than ndarray's strided iterator.
        let owned;
        let row: &[f64] = match row.as_slice() {
            Some(r) => r,
            None => {
                owned = row.to_vec();
                &owned
            }
        };
        let hit = argmax(row.iter().copied()) == y;
        correct += hit as usize;
        hits.push(hit);
        for (c, &v) in row.iter().enumerate() {
            let e = v - if c == y { 1.0 } else { 0.0 };
            sse += e * e;
        }
    }
    (correct, sse, hits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_the_first_maximum() {
        assert_eq!(argmax([0.1, 0.5, 0.5, 0.2]), 1);
        assert_eq!(argmax([3.0]), 0);
        assert_eq!(argmax([-1.0, -1.0]), 0);
    }

    /// The definition, written the obvious way: keep the first strictly larger entry.
    fn argmax_reference(row: &[f64]) -> usize {
        let mut best: Option<(usize, f64)> = None;
        for (i, &v) in row.iter().enumerate() {
            if best.is_none_or(|(_, b)| v > b) {
                best = Some((i, v));
            }
        }
        best.map_or(0, |(i, _)| i)
    }

    #[test]
    fn argmax_agrees_with_the_reference_on_ties_nan_and_empty_rows() {
        let rows: [(&[f64], usize); 6] = [
            (&[], 0),
            (&[2.0], 0),
            (&[0.1, 0.5, 0.5, 0.2], 1),
            (&[f64::NAN, 1.0, 3.0], 0),
            (&[1.0, f64::NAN, 3.0, 3.0], 2),
            (&[-1.0, -1.0, -0.5], 2),
        ];
        for (r, want) in rows {
            assert_eq!(argmax_reference(r), want, "{r:?}");
            assert_eq!(argmax(r.iter().copied()), want, "{r:?}");
        }
    }

    #[test]
    fn score_counts_hits_and_squared_errors() {
        let pred = ndarray::array![[0.9, 0.1], [0.6, 0.4]];
        let (correct, sse, hits) = score(pred.view(), &[0, 1]);
        assert_eq!(correct, 1);
        assert_eq!(hits, vec![true, false]);
        let expected = 0.01 + 0.01 + 0.36 + 0.36;
        assert!((sse - expected).abs() < 1e-12);
    }

    /// The residual of the training predictions the AGOP code computes, against
    /// `‖(K + λI)α − Y‖_F / ‖Y‖_F` with a dense kernel matrix from the naive reference.
    #[test]
    fn the_relative_residual_matches_a_naive_dense_computation() {
        use crate::data::{self, Split, SplitSpec};
        use crate::group::{Operation, Task, TaskSpec};
        use crate::kernel::onehot::Tokens;
        use crate::kernel::KernelKind;
        use crate::rfm::agop::{agop_with_predictions, AgopInput};
        use ndarray::Array2;
        use rand::{Rng, SeedableRng};

        let task = Task::new(TaskSpec::new(Operation::Add, 7)).unwrap();
        let split = Split::build(
            &task,
            &SplitSpec::Random {
                fraction: 0.5,
                seed: 1,
            },
        )
        .unwrap();
        let (first, second) = data::tokens(&task, &split.train);
        let labels = data::labels(&task, &split.train);
        let (n, c, d) = (split.train.len(), task.n_classes(), task.input_dim());
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        // A random symmetric positive definite M and a random α (not a solution: the residual
        // is O(1), so the comparison is not lost in rounding).
        let b = Array2::from_shape_fn((d, d), |_| rng.random::<f64>() - 0.5);
        let m = b.t().dot(&b) / d as f64 + Array2::<f64>::eye(d);
        let alpha_t = Array2::from_shape_fn((c, n), |_| rng.random::<f64>() - 0.5);
        // Column-major α, as in the training loop.
        let alpha = alpha_t.t();
        let pairs: Vec<(usize, usize)> = split.train.iter().map(|&k| task.pair(k)).collect();
        let x = crate::naive::onehot(task.n_symbols(), &pairs);
        for kernel in [
            KernelKind::Gaussian { bandwidth: 1.7 },
            KernelKind::Laplace { bandwidth: 2.0 },
            KernelKind::Quadratic,
        ] {
            let out = agop_with_predictions(
                &AgopInput {
                    tokens: Tokens {
                        first: &first,
                        second: &second,
                    },
                    alpha,
                    m: m.view(),
                    kernel,
                    centering: true,
                },
                faer::Par::Seq,
            );
            let k = crate::naive::kernel(kernel, m.view(), x.view(), x.view());
            for ridge in [0.0, 0.3] {
                let mut r = k.dot(&alpha) + &(&alpha * ridge);
                for (i, &y) in labels.iter().enumerate() {
                    r[[i, y as usize]] -= 1.0;
                }
                let naive = r.iter().map(|v| v * v).sum::<f64>().sqrt() / (n as f64).sqrt();
                let ours = relative_residual(out.predictions.view(), alpha, ridge, &labels);
                assert!(naive > 0.1, "{kernel:?}: a non-trivial residual");
                assert!(
                    (ours - naive).abs() <= 1e-12 * naive,
                    "{kernel:?}, λ = {ridge}: {ours} vs naive {naive}"
                );
            }
        }
    }

    #[test]
    fn ill_posed_means_a_large_residual_or_no_interpolation_at_ridge_zero() {
        assert!(!is_ill_posed(1e-12, 1e-6, 0.0, 1.0));
        assert!(is_ill_posed(1e-5, 1e-6, 0.0, 1.0));
        assert!(is_ill_posed(1e-12, 1e-6, 0.0, 0.99));
        // With a ridge, the training set need not be interpolated.
        assert!(!is_ill_posed(1e-12, 1e-6, 1e-3, 0.5));
        assert!(is_ill_posed(f64::NAN, 1e-6, 1e-3, 1.0));
        assert!(is_ill_posed(f64::INFINITY, 1e-6, 1e-3, 1.0));
    }
}

//! Losses on the network outputs and their gradients with respect to the outputs.

use super::params::LossKind;
use super::real::NetReal;
use ndarray::{Array2, ArrayView2, Axis};

/// The loss of `logits` (batch × c) against `labels` and its gradient dL/dlogits.
///
/// MSE: `L = (1/(B·c)) Σ_ij (f_ij − [j = y_i])²` (`torch.nn.MSELoss` on one-hot labels), gradient
/// `2(f − Y)/(B·c)`. Cross-entropy: `L = (1/B) Σ_i (logsumexp f_i − f_{i,y_i})`, gradient
/// `(softmax f − Y)/B`.
pub fn loss_and_grad<T: NetReal>(
    kind: LossKind,
    logits: ArrayView2<'_, T>,
    labels: &[u32],
) -> (T, Array2<T>) {
    let mut grad = Array2::<T>::zeros((0, 0));
    let loss = loss_and_grad_into(kind, logits, labels, &mut grad);
    (loss, grad)
}

/// [`loss_and_grad`] writing the gradient into `grad` (resized to the shape of `logits` when
/// needed), for a training loop that reuses its buffers.
pub fn loss_and_grad_into<T: NetReal>(
    kind: LossKind,
    logits: ArrayView2<'_, T>,
    labels: &[u32],
    grad: &mut Array2<T>,
) -> T {
    let (rows, c) = logits.dim();
    if grad.dim() != (rows, c) {
        *grad = Array2::<T>::zeros((rows, c));
    }
    if rows == 0 {
        return T::zero();
    }
    let two = T::one() + T::one();
    match kind {
        LossKind::Mse => {
            let scale = T::one() / T::cast((rows * c) as f64);
            let mut sum = T::zero();
            if let (Some(f), Some(g)) = (logits.as_slice(), grad.as_slice_mut()) {
                // Contiguous rows: the same sums in the same order, without iterator overhead.
                for (i, (row, gr)) in f.chunks_exact(c).zip(g.chunks_exact_mut(c)).enumerate() {
                    let y = labels[i] as usize;
                    for (j, (&fj, gj)) in row.iter().zip(gr.iter_mut()).enumerate() {
                        let r = fj - if j == y { T::one() } else { T::zero() };
                        sum += r * r;
                        *gj = two * r * scale;
                    }
                }
                return sum * scale;
            }
            for (i, (row, mut g)) in logits
                .axis_iter(Axis(0))
                .zip(grad.axis_iter_mut(Axis(0)))
                .enumerate()
            {
                let y = labels[i] as usize;
                for (j, (&f, gj)) in row.iter().zip(g.iter_mut()).enumerate() {
                    let r = f - if j == y { T::one() } else { T::zero() };
                    sum += r * r;
                    *gj = two * r * scale;
                }
            }
            sum * scale
        }
        LossKind::Ce => {
            let scale = T::one() / T::cast(rows as f64);
            let mut sum = T::zero();
            for (i, (row, mut g)) in logits
                .axis_iter(Axis(0))
                .zip(grad.axis_iter_mut(Axis(0)))
                .enumerate()
            {
                let y = labels[i] as usize;
                let (lse, p) = log_softmax_parts(row);
                sum += lse - row[y];
                for (j, (gj, pj)) in g.iter_mut().zip(p).enumerate() {
                    *gj = (pj - if j == y { T::one() } else { T::zero() }) * scale;
                }
            }
            sum * scale
        }
    }
}

/// logsumexp of a row and its softmax.
pub fn log_softmax_parts<T: NetReal>(row: ndarray::ArrayView1<'_, T>) -> (T, Vec<T>) {
    let max = row.iter().fold(T::neg_infinity(), |a, &b| a.max(b));
    let e: Vec<T> = row.iter().map(|&f| (f - max).exp()).collect();
    let s: T = e.iter().copied().sum();
    (max + s.ln(), e.into_iter().map(|x| x / s).collect())
}

/// The loss only (no gradient), summed over the rows (not divided by the batch): for evaluation
/// over a data set in chunks, divide the total by the number of rows (and by c for MSE) at the
/// end. Returns (sum, number of correct argmax predictions, ties to the lowest class).
pub fn loss_sum_and_hits<T: NetReal>(
    kind: LossKind,
    logits: ArrayView2<'_, T>,
    labels: &[u32],
) -> (T, usize) {
    let mut sum = T::zero();
    let mut hits = 0;
    for (i, row) in logits.axis_iter(Axis(0)).enumerate() {
        let y = labels[i] as usize;
        let mut best = 0;
        for (j, &f) in row.iter().enumerate() {
            if f > row[best] {
                best = j;
            }
        }
        if best == y {
            hits += 1;
        }
        match kind {
            LossKind::Mse => {
                for (j, &f) in row.iter().enumerate() {
                    let r = f - if j == y { T::one() } else { T::zero() };
                    sum += r * r;
                }
            }
            LossKind::Ce => {
                let (lse, _) = log_softmax_parts(row);
                sum += lse - row[y];
            }
        }
    }
    (sum, hits)
}

/// The symmetric KL divergence `KL(P‖Q) + KL(Q‖P)` of the softmaxes of the rows of `f` and `g`
/// (batch × c), mean over the rows, times `weight`, and its gradients with respect to `f` and `g`.
///
/// With p = softmax f, q = softmax g and d = log p − log q: `SKL = Σ_j (p_j − q_j) d_j`,
/// `∂SKL/∂f = p ⊙ (d − ⟨p, d⟩) + (p − q)` and `∂SKL/∂g = q ⊙ (⟨q, d⟩ − d) + (q − p)`.
pub fn symmetric_kl<T: NetReal>(
    f: ArrayView2<'_, T>,
    g: ArrayView2<'_, T>,
    weight: f64,
) -> (T, Array2<T>, Array2<T>) {
    let (rows, c) = f.dim();
    let mut df = Array2::<T>::zeros((rows, c));
    let mut dg = Array2::<T>::zeros((rows, c));
    if rows == 0 {
        return (T::zero(), df, dg);
    }
    let scale = T::cast(weight / rows as f64);
    let mut total = T::zero();
    for i in 0..rows {
        let (lf, p) = log_softmax_parts(f.row(i));
        let (lg, q) = log_softmax_parts(g.row(i));
        let d: Vec<T> = (0..c)
            .map(|j| (f[[i, j]] - lf) - (g[[i, j]] - lg))
            .collect();
        let pd: T = p.iter().zip(&d).map(|(&a, &b)| a * b).sum();
        let qd: T = q.iter().zip(&d).map(|(&a, &b)| a * b).sum();
        total += pd - qd;
        for j in 0..c {
            df[[i, j]] = scale * (p[j] * (d[j] - pd) + p[j] - q[j]);
            dg[[i, j]] = scale * (q[j] * (qd - d[j]) + q[j] - p[j]);
        }
    }
    (total * scale, df, dg)
}

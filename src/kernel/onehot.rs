//! Kernel matrices between one-hot pairs, built from lookups into M.
//!
//! A set of inputs is given by its [`Tokens`]: input i is `e_{first[i]} + e_{second[i]}` with tokens in
//! `0..d`. For row i we form `u = M[first_i, :] + M[second_i, :]`; then `x_iᵀ M x_j = u[first_j] +
//! u[second_j]`. A whole kernel matrix costs O(rows · (d + cols)) and no matrix product.

use super::KernelKind;
use ndarray::{ArrayView2, ArrayViewMut2};
use rayon::prelude::*;

/// Token indices of a set of one-hot pair inputs.
#[derive(Clone, Copy, Debug)]
pub struct Tokens<'a> {
    /// Token of the first operand (`a`), in `0..n`.
    pub first: &'a [u32],
    /// Token of the second operand (`n + b`), in `n..2n`.
    pub second: &'a [u32],
}

impl Tokens<'_> {
    /// Number of inputs.
    pub fn len(&self) -> usize {
        self.first.len()
    }
    /// Whether there are no inputs.
    pub fn is_empty(&self) -> bool {
        self.first.is_empty()
    }
}

#[inline]
fn row_sum(m: &ArrayView2<'_, f64>, a: usize, b: usize, u: &mut [f64]) {
    let (ra, rb) = (m.row(a), m.row(b));
    for ((u, x), y) in u.iter_mut().zip(ra.iter()).zip(rb.iter()) {
        *u = x + y;
    }
}

/// `‖x_i‖²_M` for every input, computed exactly as the diagonal of [`kernel_matrix`] computes its
/// inner products (so that `‖x_i − x_i‖²_M` is exactly 0).
pub fn sq_norms(m: ArrayView2<'_, f64>, t: Tokens<'_>) -> Vec<f64> {
    let d = m.nrows();
    let mut u = vec![0.0; d];
    (0..t.len())
        .map(|i| {
            let (a, b) = (t.first[i] as usize, t.second[i] as usize);
            row_sum(&m, a, b, &mut u);
            u[a] + u[b]
        })
        .collect()
}

/// Fills `k[i, j] = k_M(x_i, z_j)` for rows `x` and columns `z`, and, if given, `w[i, j]` with the
/// gradient weight (see [`KernelKind::entry`]). `k` and `w` must be in standard (row-major) layout.
/// Rows are computed in parallel; every entry is computed independently, so the result does not
/// depend on the thread count.
#[allow(clippy::too_many_arguments)]
pub fn kernel_matrix(
    kind: KernelKind,
    m: ArrayView2<'_, f64>,
    rows: Tokens<'_>,
    row_norms: &[f64],
    cols: Tokens<'_>,
    col_norms: &[f64],
    mut k: ArrayViewMut2<'_, f64>,
    w: Option<ArrayViewMut2<'_, f64>>,
) {
    let (nr, nc) = (rows.len(), cols.len());
    assert_eq!(k.dim(), (nr, nc), "kernel matrix shape");
    assert!(
        row_norms.len() == nr && col_norms.len() == nc,
        "norm lengths"
    );
    let d = m.nrows();
    if nc == 0 || nr == 0 {
        return;
    }
    let fill_row = |i: usize, krow: &mut [f64], mut wrow: Option<&mut [f64]>| {
        let mut u = vec![0.0; d];
        row_sum(&m, rows.first[i] as usize, rows.second[i] as usize, &mut u);
        let ni = row_norms[i];
        for j in 0..nc {
            let q = u[cols.first[j] as usize] + u[cols.second[j] as usize];
            let (kv, wv) = kind.entry(ni, col_norms[j], q);
            krow[j] = kv;
            if let Some(w) = wrow.as_deref_mut() {
                w[j] = wv;
            }
        }
    };
    let ks = k
        .as_slice_mut()
        .expect("kernel matrix must be in standard layout");
    match w {
        Some(mut w) => {
            assert_eq!(w.dim(), (nr, nc), "weight matrix shape");
            let ws = w
                .as_slice_mut()
                .expect("weight matrix must be in standard layout");
            ks.par_chunks_mut(nc)
                .zip(ws.par_chunks_mut(nc))
                .enumerate()
                .for_each(|(i, (kr, wr))| fill_row(i, kr, Some(wr)));
        }
        None => ks
            .par_chunks_mut(nc)
            .enumerate()
            .for_each(|(i, kr)| fill_row(i, kr, None)),
    }
}

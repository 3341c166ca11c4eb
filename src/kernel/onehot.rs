//! Kernel matrices between one-hot pairs, built from lookups into M.
//!
//! A set of inputs is given by its [`Tokens`]: input i is `e_{first[i]} + e_{second[i]}` with tokens in
//! `0..d`. With `u_i = M[first_i, :] + M[second_i, :]`, `x_iᵀ M x_j = u_i[first_j] + u_i[second_j]`:
//! a kernel entry needs four entries of M and no matrix product.
//!
//! The Gaussian kernel needs no exponential per entry either. With `E = exp(M / L²)` (entrywise, d²
//! exponentials per matrix M) and `e_i = exp(−‖x_i‖²_M / 2L²)`,
//!
//! `k(x_i, x_j) = exp(−(‖x_i‖² + ‖x_j‖² − 2 x_iᵀ M x_j) / 2L²) = e_i e_j · R_i[a_j] R_i[b_j]`,
//! `R_i = E[a_i, :] ∘ E[b_i, :]`,
//!
//! so an entry costs three multiplications and two lookups. The factors are used only when every
//! exponent is at most [`FACTORED_EXPONENT_LIMIT`] in magnitude, so that no partial product can
//! overflow or underflow (f64 covers e^±708); otherwise the row is computed by the direct formula.
//! Both agree to a few units in the last place times the size of the exponents (`tests` below), the
//! same size as the rounding error of the direct formula itself. Values are capped at 1, the
//! factored counterpart of clamping negative squared distances to 0.

use super::KernelKind;
use crate::linalg::Real;
use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use rayon::prelude::*;
use std::ops::Range;

/// Largest |exponent| of a single factor in the factored Gaussian kernel. A kernel entry multiplies
/// `e_i e_j` (each ≥ e^−160) by `R_i[a_j] R_i[b_j]` (four factors of E, each within e^±160): every
/// partial product stays within e^±640, inside the normal range of f64.
pub const FACTORED_EXPONENT_LIMIT: f64 = 160.0;

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

/// `x_iᵀ M x_j` for `x_i = e_a + e_b`, `x_j = e_c + e_e`, summed in the order every kernel row uses:
/// `(M[a,c] + M[b,c]) + (M[a,e] + M[b,e])`.
#[inline]
fn quad(m: &ArrayView2<'_, f64>, a: usize, b: usize, c: usize, e: usize) -> f64 {
    (m[[a, c]] + m[[b, c]]) + (m[[a, e]] + m[[b, e]])
}

/// `‖x_i‖²_M` for every input, summed exactly as the kernel rows sum their inner products (so that
/// `‖x_i − x_i‖²_M` is exactly 0 on the direct path).
pub fn sq_norms(m: ArrayView2<'_, f64>, t: Tokens<'_>) -> Vec<f64> {
    t.first
        .iter()
        .zip(t.second)
        .map(|(&a, &b)| quad(&m, a as usize, b as usize, a as usize, b as usize))
        .collect()
}

/// `k[j] = min(scale · f[j] · r[idx[j]], 1)`: the inner loop of the factored Gaussian kernel.
#[inline(always)]
fn scaled_lookup<T: Real>(scale: f64, f: &[f64], idx: &[u32], r: &[f64], k: &mut [T]) {
    let Some(last) = r.len().checked_sub(1) else {
        return;
    };
    let len = k.len().min(idx.len()).min(f.len());
    let (k, idx, f) = (&mut k[..len], &idx[..len], &f[..len]);
    for j in 0..len {
        // `min` keeps the lookup provably in bounds (tokens are < d): no bounds check.
        let v = scale * (f[j] * r[(idx[j] as usize).min(last)]);
        k[j] = T::cast(if v < 1.0 { v } else { 1.0 });
    }
}

/// Evaluates kernel entries for one M: holds `E = exp(M/L²)` for the factored Gaussian.
#[derive(Clone, Debug)]
pub struct KernelEvaluator<'a> {
    kind: KernelKind,
    m: ArrayView2<'a, f64>,
    /// `exp(M / L²)` when the kernel is Gaussian and every `|M_st| / L²` is within the limit.
    exp_m: Option<Array2<f64>>,
}

/// The columns of a kernel matrix: inputs, their squared norms and (factored Gaussian) `e_j`.
#[derive(Clone, Debug)]
pub struct KernelColumns<'a> {
    tokens: Tokens<'a>,
    norms: &'a [f64],
    /// `exp(−‖x_j‖² / 2L²)` when every column's exponent is within the limit.
    factors: Option<Vec<f64>>,
    /// Runs of consecutive columns that share one token (`start`, `end`, shared token), and for every
    /// column its other token: a factored entry is then `(e_i R_i[shared]) · (e_j R_i[other_j])`,
    /// one lookup per entry.
    runs: Vec<(usize, usize, u32)>,
    other: Vec<u32>,
}

/// Splits columns into maximal runs sharing their first or their second token.
fn shared_token_runs(t: Tokens<'_>) -> (Vec<(usize, usize, u32)>, Vec<u32>) {
    let n = t.len();
    let mut runs = Vec::new();
    let mut other = vec![0u32; n];
    let mut start = 0;
    while start < n {
        let len_with = |key: &[u32]| {
            key[start..]
                .iter()
                .take_while(|&&k| k == key[start])
                .count()
        };
        let (by_first, by_second) = (len_with(t.first), len_with(t.second));
        let (shared, varying, len) = if by_first >= by_second {
            (t.first, t.second, by_first)
        } else {
            (t.second, t.first, by_second)
        };
        other[start..start + len].copy_from_slice(&varying[start..start + len]);
        runs.push((start, start + len, shared[start]));
        start += len;
    }
    (runs, other)
}

impl KernelColumns<'_> {
    /// Number of columns.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }
    /// Whether there are no columns.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

/// Rows of a kernel block, prepared once for many column ranges: per row its tokens, squared norm
/// and either `(e_i, R_i)` (factored Gaussian) or `u_i = M[a_i] + M[b_i]` (direct formula).
#[derive(Clone, Debug, Default)]
pub struct PreparedRows {
    rows: Vec<PreparedRow>,
    /// Row-major rows × d: `R_i` or `u_i`.
    vectors: Vec<f64>,
    /// The same, transposed (d × rows), when every row is factored.
    transposed: Vec<f64>,
    /// `e_i` of every row, when every row is factored.
    factors: Vec<f64>,
    d: usize,
}

#[derive(Clone, Copy, Debug)]
struct PreparedRow {
    a: usize,
    b: usize,
    norm: f64,
    /// `e_i` when the row uses the factored Gaussian.
    factor: Option<f64>,
}

impl PreparedRows {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }
    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl<'a> KernelEvaluator<'a> {
    /// Prepares the evaluation of kernel entries `k_M(x, z)` (d² exponentials for the Gaussian).
    pub fn new(kind: KernelKind, m: ArrayView2<'a, f64>) -> Self {
        let exp_m = match kind {
            KernelKind::Gaussian { bandwidth } => {
                let inv = 1.0 / (bandwidth * bandwidth);
                let fits = m.iter().all(|v| (v * inv).abs() <= FACTORED_EXPONENT_LIMIT);
                fits.then(|| m.mapv(|v| (v * inv).exp()))
            }
            KernelKind::Laplace { .. } | KernelKind::Quadratic => None,
        };
        KernelEvaluator { kind, m, exp_m }
    }

    /// The kernel.
    pub fn kind(&self) -> KernelKind {
        self.kind
    }

    /// The feature matrix M.
    pub fn m(&self) -> ArrayView2<'a, f64> {
        self.m
    }

    /// Whether Gaussian entries are computed from factors (true unless an exponent is out of range,
    /// or the kernel is not Gaussian).
    pub fn factored(&self) -> bool {
        self.exp_m.is_some()
    }

    fn half_inv(&self) -> f64 {
        match self.kind {
            KernelKind::Gaussian { bandwidth } => 0.5 / (bandwidth * bandwidth),
            KernelKind::Laplace { .. } | KernelKind::Quadratic => 0.0,
        }
    }

    /// Prepares a set of columns with their squared norms ([`sq_norms`]).
    pub fn columns<'c>(&self, tokens: Tokens<'c>, norms: &'c [f64]) -> KernelColumns<'c> {
        assert_eq!(tokens.len(), norms.len(), "column norms");
        let half_inv = self.half_inv();
        let factors = self
            .exp_m
            .as_ref()
            .filter(|_| {
                norms
                    .iter()
                    .all(|v| (v * half_inv).abs() <= FACTORED_EXPONENT_LIMIT)
            })
            .map(|_| norms.iter().map(|v| (-v * half_inv).exp()).collect());
        let (runs, other) = shared_token_runs(tokens);
        KernelColumns {
            tokens,
            norms,
            factors,
            runs,
            other,
        }
    }

    /// Prepares the rows `rows` (with their squared norms) into `out` (d values per row).
    pub fn prepare_rows(&self, rows: Tokens<'_>, norms: &[f64], out: &mut PreparedRows) {
        assert_eq!(rows.len(), norms.len(), "row norms");
        let d = self.m.nrows();
        let half_inv = self.half_inv();
        out.d = d;
        out.rows.clear();
        out.vectors.resize(rows.len() * d, 0.0);
        for (i, v) in out
            .vectors
            .chunks_exact_mut(d.max(1))
            .enumerate()
            .take(rows.len())
        {
            let (a, b, norm) = (rows.first[i] as usize, rows.second[i] as usize, norms[i]);
            let factor = match &self.exp_m {
                Some(e) if (norm * half_inv).abs() <= FACTORED_EXPONENT_LIMIT => {
                    for ((r, x), y) in v.iter_mut().zip(e.row(a)).zip(e.row(b)) {
                        *r = x * y;
                    }
                    Some((-norm * half_inv).exp())
                }
                _ => {
                    row_sum(&self.m, a, b, v);
                    None
                }
            };
            out.rows.push(PreparedRow { a, b, norm, factor });
        }
        out.factors.clear();
        out.transposed.clear();
        if out.rows.iter().all(|r| r.factor.is_some()) {
            let nr = out.rows.len();
            out.factors.extend(out.rows.iter().filter_map(|r| r.factor));
            out.transposed.resize(d * nr, 0.0);
            for (i, v) in out.vectors.chunks_exact(d.max(1)).enumerate().take(nr) {
                for (t, &x) in v.iter().enumerate() {
                    out.transposed[t * nr + i] = x;
                }
            }
        }
    }

    /// Like [`Self::fill`] with `cut` = all, but writes the transpose: `kt[j, i] = k(x_i,
    /// z_{range.start + j})` (`kt`: range × rows, standard layout), one column of the block at a
    /// time. With every row and column factored this needs no lookups at all:
    /// `kt[j, :] = (e ∘ R[:, shared_j]) ∘ (e_j R[:, other_j])`, with the same rounding as
    /// [`Self::fill`].
    pub fn fill_transposed<T: Real>(
        &self,
        rows: &PreparedRows,
        cols: &KernelColumns<'_>,
        range: Range<usize>,
        kt: ArrayViewMut2<'_, T>,
        wt: Option<ArrayViewMut2<'_, T>>,
        scale: &mut Vec<f64>,
    ) {
        crate::simd::dispatch(FillTransposed {
            eval: self,
            rows,
            cols,
            range,
            kt,
            wt,
            scale,
        })
    }

    #[inline(always)]
    fn fill_transposed_body<T: Real>(
        &self,
        rows: &PreparedRows,
        cols: &KernelColumns<'_>,
        range: Range<usize>,
        mut kt: ArrayViewMut2<'_, T>,
        mut wt: Option<ArrayViewMut2<'_, T>>,
        scale: &mut Vec<f64>,
    ) {
        let nr = rows.len();
        assert_eq!(kt.dim(), (range.len(), nr), "transposed kernel block shape");
        assert!(range.end <= cols.len(), "column range");
        let (Some(f), false) = (&cols.factors, rows.factors.is_empty() && nr > 0) else {
            // Direct formula, entry by entry.
            for (i, row) in rows.rows.iter().enumerate() {
                let u_owned;
                let u: &[f64] = if row.factor.is_some() {
                    let mut u = vec![0.0; rows.d];
                    row_sum(&self.m, row.a, row.b, &mut u);
                    u_owned = u;
                    &u_owned
                } else {
                    &rows.vectors[i * rows.d..(i + 1) * rows.d]
                };
                for (j, s) in range.clone().enumerate() {
                    let q = u[cols.tokens.first[s] as usize] + u[cols.tokens.second[s] as usize];
                    let (kv, wv) = self.kind.entry(row.norm, cols.norms[s], q);
                    kt[[j, i]] = T::cast(kv);
                    if let Some(wt) = wt.as_mut() {
                        wt[[j, i]] = T::cast(wv);
                    }
                }
            }
            return;
        };
        if nr == 0 || range.is_empty() {
            return;
        }
        let ks = kt
            .as_slice_mut()
            .expect("transposed kernel block must be in standard layout");
        let first_run = cols.runs.partition_point(|r| r.1 <= range.start);
        scale.resize(nr, 0.0);
        for &(s0, e0, shared) in &cols.runs[first_run..] {
            if s0 >= range.end {
                break;
            }
            let rt_shared = &rows.transposed[shared as usize * nr..(shared as usize + 1) * nr];
            for ((sc, &e), &r) in scale.iter_mut().zip(&rows.factors).zip(rt_shared) {
                *sc = e * r;
            }
            let (s, e) = (s0.max(range.start), e0.min(range.end));
            let cols_out = ks[(s - range.start) * nr..(e - range.start) * nr].chunks_exact_mut(nr);
            for ((col, &o), &fs) in cols_out.zip(&cols.other[s..e]).zip(&f[s..e]) {
                let rt = &rows.transposed[o as usize * nr..(o as usize + 1) * nr];
                for ((k, &sc), &r) in col.iter_mut().zip(&scale[..]).zip(rt) {
                    let v = sc * (fs * r);
                    *k = T::cast(if v < 1.0 { v } else { 1.0 });
                }
            }
        }
        if let Some(wt) = wt.as_mut() {
            wt.assign(&kt);
        }
    }

    /// Fills `k[i, j] = k(x_i, z_{range.start + j})` for the prepared rows and the columns `range`,
    /// and, if given, `w` with the gradient weights (see [`KernelKind::entry`]); `cut(i)` limits row
    /// i to its first `cut(i)` columns (the rest is left untouched). `k` and `w` must be in standard
    /// layout.
    pub fn fill<T: Real, C: Fn(usize) -> usize>(
        &self,
        rows: &PreparedRows,
        cols: &KernelColumns<'_>,
        range: Range<usize>,
        k: ArrayViewMut2<'_, T>,
        w: Option<ArrayViewMut2<'_, T>>,
        cut: C,
    ) {
        crate::simd::dispatch(FillRows {
            eval: self,
            rows,
            cols,
            range,
            k,
            w,
            cut,
        })
    }

    #[inline(always)]
    fn fill_body<T: Real, C: Fn(usize) -> usize>(
        &self,
        rows: &PreparedRows,
        cols: &KernelColumns<'_>,
        range: Range<usize>,
        mut k: ArrayViewMut2<'_, T>,
        mut w: Option<ArrayViewMut2<'_, T>>,
        cut: C,
    ) {
        assert_eq!(k.dim(), (rows.len(), range.len()), "kernel block shape");
        assert!(range.end <= cols.len(), "column range");
        let d = rows.d.max(1);
        let width = range.len();
        if width == 0 {
            return;
        }
        let ks = k
            .as_slice_mut()
            .expect("kernel block must be in standard layout");
        let mut ws = w.as_mut().map(|w| {
            w.as_slice_mut()
                .expect("weight block must be in standard layout")
        });
        // Runs that meet the range.
        let first_run = cols.runs.partition_point(|r| r.1 <= range.start);
        let runs = &cols.runs[first_run..];
        for (i, ((row, v), krow)) in rows
            .rows
            .iter()
            .zip(rows.vectors.chunks_exact(d))
            .zip(ks.chunks_exact_mut(width))
            .enumerate()
        {
            let end = range.start + cut(i).min(width);
            let krow = &mut krow[..end - range.start];
            if let (Some(ei), Some(f)) = (row.factor, &cols.factors) {
                for &(s, e, shared) in runs {
                    if s >= end {
                        break;
                    }
                    let (s, e) = (s.max(range.start), e.min(end));
                    scaled_lookup(
                        ei * v[shared as usize],
                        &f[s..e],
                        &cols.other[s..e],
                        v,
                        &mut krow[s - range.start..e - range.start],
                    );
                }
                if let Some(ws) = ws.as_deref_mut() {
                    ws[i * width..i * width + krow.len()].copy_from_slice(krow);
                }
                continue;
            }
            let u = match row.factor {
                // A factored row against columns whose norms are out of range: rebuild u.
                Some(_) => {
                    let mut u = vec![0.0; d];
                    row_sum(&self.m, row.a, row.b, &mut u);
                    std::borrow::Cow::Owned(u)
                }
                None => std::borrow::Cow::Borrowed(v),
            };
            let (first, second, norms) = (
                &cols.tokens.first[range.start..end],
                &cols.tokens.second[range.start..end],
                &cols.norms[range.start..end],
            );
            let kind = self.kind;
            match ws.as_deref_mut() {
                Some(ws) => {
                    let wrow = &mut ws[i * width..(i + 1) * width];
                    for ((((k, w), &ca), &cb), &nj) in krow
                        .iter_mut()
                        .zip(wrow.iter_mut())
                        .zip(first)
                        .zip(second)
                        .zip(norms)
                    {
                        let (kv, wv) = kind.entry(row.norm, nj, u[ca as usize] + u[cb as usize]);
                        *k = T::cast(kv);
                        *w = T::cast(wv);
                    }
                }
                None => {
                    for (((k, &ca), &cb), &nj) in krow.iter_mut().zip(first).zip(second).zip(norms)
                    {
                        let q = u[ca as usize] + u[cb as usize];
                        *k = T::cast(kind.entry(row.norm, nj, q).0);
                    }
                }
            }
        }
    }

    /// Fills the block `k[i, j] = k(x_i, z_j)` (and the weights `w`) for the rows `rows`,
    /// sequentially. `k` and `w` must have contiguous rows.
    pub fn fill_block<T: Real>(
        &self,
        cols: &KernelColumns<'_>,
        rows: Tokens<'_>,
        row_norms: &[f64],
        k: ArrayViewMut2<'_, T>,
        w: Option<ArrayViewMut2<'_, T>>,
        scratch: &mut PreparedRows,
    ) {
        self.prepare_rows(rows, row_norms, scratch);
        self.fill(scratch, cols, 0..cols.len(), k, w, |_| usize::MAX);
    }
}

/// Which entries of a square kernel matrix to fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fill {
    /// Every entry.
    Full,
    /// Entries `j ≤ i` only (what a Cholesky factorization reads); the rest is left untouched.
    Lower,
}

/// Fills `k[i, j] = k_M(x_i, z_j)` for rows `x` and columns `z`, and, if given, `w[i, j]` with the
/// gradient weight (see [`KernelKind::entry`]). `k` and `w` must be in standard (row-major) layout.
/// Rows are computed in parallel; every entry is computed independently, so the result does not
/// depend on the thread count.
#[allow(clippy::too_many_arguments)]
pub fn kernel_matrix<T: Real>(
    kind: KernelKind,
    m: ArrayView2<'_, f64>,
    rows: Tokens<'_>,
    row_norms: &[f64],
    cols: Tokens<'_>,
    col_norms: &[f64],
    k: ArrayViewMut2<'_, T>,
    w: Option<ArrayViewMut2<'_, T>>,
) {
    let eval = KernelEvaluator::new(kind, m);
    kernel_matrix_with(&eval, rows, row_norms, cols, col_norms, k, w, Fill::Full);
}

/// [`kernel_matrix`] with a prepared evaluator, filling all entries or the lower triangle of a
/// square matrix ([`Fill::Lower`] requires rows = columns).
#[allow(clippy::too_many_arguments)]
pub fn kernel_matrix_with<T: Real>(
    eval: &KernelEvaluator<'_>,
    rows: Tokens<'_>,
    row_norms: &[f64],
    cols: Tokens<'_>,
    col_norms: &[f64],
    mut k: ArrayViewMut2<'_, T>,
    w: Option<ArrayViewMut2<'_, T>>,
    fill: Fill,
) {
    let (nr, nc) = (rows.len(), cols.len());
    assert_eq!(k.dim(), (nr, nc), "kernel matrix shape");
    assert!(row_norms.len() == nr, "norm lengths");
    if fill == Fill::Lower {
        assert_eq!(nr, nc, "a lower triangle needs a square matrix");
    }
    if nc == 0 || nr == 0 {
        return;
    }
    let columns = eval.columns(cols, col_norms);
    // Rows in parallel, a few at a time (each row is computed independently of the others).
    const ROWS: usize = 8;
    let fill_rows = |r0: usize, kr: &mut [T], wr: Option<&mut [T]>, s: &mut PreparedRows| {
        let r1 = (r0 + ROWS).min(nr);
        let t = Tokens {
            first: &rows.first[r0..r1],
            second: &rows.second[r0..r1],
        };
        eval.prepare_rows(t, &row_norms[r0..r1], s);
        let kv = ArrayViewMut2::from_shape((r1 - r0, nc), kr).expect("row chunk");
        let wv = wr.map(|w| ArrayViewMut2::from_shape((r1 - r0, nc), w).expect("row chunk"));
        let cut = |i: usize| match fill {
            Fill::Full => nc,
            Fill::Lower => r0 + i + 1,
        };
        eval.fill(s, &columns, 0..nc, kv, wv, cut);
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
            ks.par_chunks_mut(ROWS * nc)
                .zip(ws.par_chunks_mut(ROWS * nc))
                .enumerate()
                .for_each_init(PreparedRows::default, |s, (i, (kr, wr))| {
                    fill_rows(i * ROWS, kr, Some(wr), s)
                });
        }
        None => ks
            .par_chunks_mut(ROWS * nc)
            .enumerate()
            .for_each_init(PreparedRows::default, |s, (i, kr)| {
                fill_rows(i * ROWS, kr, None, s)
            }),
    }
}

/// The arguments of [`KernelEvaluator::fill_transposed`], for [`crate::simd::dispatch`].
struct FillTransposed<'a, 'e, 'c, T> {
    eval: &'a KernelEvaluator<'e>,
    rows: &'a PreparedRows,
    cols: &'a KernelColumns<'c>,
    range: Range<usize>,
    kt: ArrayViewMut2<'a, T>,
    wt: Option<ArrayViewMut2<'a, T>>,
    scale: &'a mut Vec<f64>,
}

impl<T: Real> crate::simd::HotLoop for FillTransposed<'_, '_, '_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        self.eval.fill_transposed_body(
            self.rows, self.cols, self.range, self.kt, self.wt, self.scale,
        )
    }
}

/// The arguments of [`KernelEvaluator::fill`], for [`crate::simd::dispatch`].
struct FillRows<'a, 'e, 'c, T, C> {
    eval: &'a KernelEvaluator<'e>,
    rows: &'a PreparedRows,
    cols: &'a KernelColumns<'c>,
    range: Range<usize>,
    k: ArrayViewMut2<'a, T>,
    w: Option<ArrayViewMut2<'a, T>>,
    cut: C,
}

impl<T: Real, C: Fn(usize) -> usize> crate::simd::HotLoop for FillRows<'_, '_, '_, T, C> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        self.eval
            .fill_body(self.rows, self.cols, self.range, self.k, self.w, self.cut)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn direct(
        kind: KernelKind,
        m: ArrayView2<'_, f64>,
        x: (usize, usize),
        z: (usize, usize),
    ) -> f64 {
        let nx = quad(&m, x.0, x.1, x.0, x.1);
        let nz = quad(&m, z.0, z.1, z.0, z.1);
        kind.entry(nx, nz, quad(&m, x.0, x.1, z.0, z.1)).0
    }

    fn random_tokens(n: usize, count: usize, rng: &mut ChaCha8Rng) -> (Vec<u32>, Vec<u32>) {
        (0..count)
            .map(|_| {
                (
                    rng.random_range(0..n) as u32,
                    (n + rng.random_range(0..n)) as u32,
                )
            })
            .unzip()
    }

    /// The factored Gaussian agrees with the direct formula to within the direct formula's own
    /// rounding error, ~ε · (‖x‖² + ‖z‖² + 2|xᵀMz|) / 2L², for matrices of growing scale.
    #[test]
    fn factored_gaussian_matches_the_direct_formula() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let n = 9;
        let d = 2 * n;
        for scale in [0.01, 1.0, 30.0, 300.0] {
            let a = Array2::from_shape_fn((d, d), |_| rng.random_range(-1.0..1.0));
            let m = a.t().dot(&a) * (scale / d as f64);
            let kind = KernelKind::Gaussian { bandwidth: 2.5 };
            let eval = KernelEvaluator::new(kind, m.view());
            assert!(eval.factored(), "scale {scale}");
            let (f1, s1) = random_tokens(n, 40, &mut rng);
            let (f2, s2) = random_tokens(n, 30, &mut rng);
            let (rows, cols) = (
                Tokens {
                    first: &f1,
                    second: &s1,
                },
                Tokens {
                    first: &f2,
                    second: &s2,
                },
            );
            let (rn, cn) = (sq_norms(m.view(), rows), sq_norms(m.view(), cols));
            let mut k = Array2::<f64>::zeros((40, 30));
            kernel_matrix(kind, m.view(), rows, &rn, cols, &cn, k.view_mut(), None);
            for i in 0..40 {
                for j in 0..30 {
                    let x = (f1[i] as usize, s1[i] as usize);
                    let z = (f2[j] as usize, s2[j] as usize);
                    let expect = direct(kind, m.view(), x, z);
                    let size = (rn[i] + cn[j] + 2.0 * quad(&m.view(), x.0, x.1, z.0, z.1).abs())
                        / (2.0 * 2.5 * 2.5);
                    let tol = 16.0 * f64::EPSILON * (1.0 + size);
                    assert!(
                        (k[[i, j]] - expect).abs() <= tol * expect,
                        "scale {scale} ({i},{j}): {} vs {expect}",
                        k[[i, j]]
                    );
                }
            }
        }
    }

    #[test]
    fn out_of_range_exponents_fall_back_to_the_direct_formula() {
        let d = 6;
        let m = Array2::<f64>::eye(d) * 5000.0;
        let kind = KernelKind::Gaussian { bandwidth: 1.0 };
        assert!(!KernelEvaluator::new(kind, m.view()).factored());
        let (f, s) = (vec![0u32, 1, 2], vec![3u32, 4, 3]);
        let t = Tokens {
            first: &f,
            second: &s,
        };
        let nm = sq_norms(m.view(), t);
        let mut k = Array2::<f64>::zeros((3, 3));
        kernel_matrix(kind, m.view(), t, &nm, t, &nm, k.view_mut(), None);
        for i in 0..3 {
            assert_eq!(k[[i, i]], 1.0);
            for j in 0..3 {
                let expect = direct(
                    kind,
                    m.view(),
                    (f[i] as usize, s[i] as usize),
                    (f[j] as usize, s[j] as usize),
                );
                assert_eq!(k[[i, j]], expect);
            }
        }
    }

    #[test]
    fn lower_fill_matches_full_fill_and_leaves_the_upper_triangle() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        let n = 7;
        let a = Array2::from_shape_fn((2 * n, 2 * n), |_| rng.random_range(-1.0..1.0));
        let m = a.t().dot(&a) / (2 * n) as f64;
        let (f, s) = random_tokens(n, 25, &mut rng);
        let t = Tokens {
            first: &f,
            second: &s,
        };
        let nm = sq_norms(m.view(), t);
        for kind in [
            KernelKind::Gaussian { bandwidth: 2.5 },
            KernelKind::Laplace { bandwidth: 1.0 },
            KernelKind::Quadratic,
        ] {
            let eval = KernelEvaluator::new(kind, m.view());
            let mut full = Array2::<f64>::zeros((25, 25));
            let mut lower = Array2::<f64>::from_elem((25, 25), f64::NAN);
            kernel_matrix_with(&eval, t, &nm, t, &nm, full.view_mut(), None, Fill::Full);
            kernel_matrix_with(&eval, t, &nm, t, &nm, lower.view_mut(), None, Fill::Lower);
            for i in 0..25 {
                for j in 0..25 {
                    if j <= i {
                        assert_eq!(lower[[i, j]], full[[i, j]]);
                    } else {
                        assert!(lower[[i, j]].is_nan());
                    }
                }
            }
        }
    }
}

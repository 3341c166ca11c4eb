//! The Average Gradient Outer Product of a kernel predictor on one-hot inputs, without the n × c × d
//! Jacobian tensor and without an n × n weight matrix.
//!
//! For a difference kernel (`∇_x k(x, z) = γ w(x, z) M (x − z)`), the Jacobian of
//! `f_c(x) = Σ_i α_ic k(x, x_i)` at training input x_j is `γ D_c[j, :] M` with
//! `D_c = diag(W α_c) X − W diag(α_c) X`, where `W[j, i] = w(x_j, x_i)` and X is the one-hot input
//! matrix. For the quadratic kernel (`∇_x k = γ w M z`) the first term is absent (and the sign is
//! irrelevant). With centering, D_c is replaced by D̃_c = D_c − 1 mean_j D_c[j, :]. Then
//!
//! `AGOP = (1/n) Σ_j J_jᵀ J_j = (γ² / n) · M (Σ_c D̃_cᵀ D̃_c) M`.
//!
//! Column t of D_c is `F_t[:, c]` with `F_t[j, c] = [t ∈ x_j] (Wα)_jc − Σ_{i: t ∈ x_i} W_ji α_ic`: the
//! second term is a product of W restricted to the training points that carry token t with the
//! matching rows of α. Every training point carries one first and one second token, so listing the
//! points grouped by first token and then grouped by second token (the *incidence order*, 2n
//! columns) makes every token's group a contiguous range.
//!
//! The training rows are processed in blocks of [`AGOP_BLOCK`] rows. For a block J: the weights
//! `W[J, incidence order]` are computed from lookups into M (see [`crate::kernel::onehot`]); per
//! token t one small product `W[J, group_t] α[group_t, :]` gives F_t; the predictions `(Wα)[J]` are
//! the sum of the first-token products (Gaussian kernel, W = K; other kernels use one more product
//! with K); then the Gram update `G += Fᵀ F` (d × (block·c) times its transpose, lower triangle).
//! Blocks are grouped into a fixed number of chunks that run in parallel, each sequentially with its
//! own partial Gram matrix; the partial matrices are added in chunk order, so the result does not
//! depend on the thread count. Memory is O(workers · block · (n + c·d) + chunks · d²); flops are
//! 4n²c (the token products) + n c d² (the Gram matrix) + 2n²c for non-Gaussian kernels.

use crate::kernel::onehot::{sq_norms, KernelColumns, KernelEvaluator, PreparedRows, Tokens};
use crate::kernel::KernelKind;
use crate::linalg::{matmul, syrk_lower, Real};
use crate::parallel::{even_ranges, map_items_reusing};
use faer::Par;
use ndarray::{s, Array2, ArrayView2, ArrayViewMut2};
use std::ops::Range;

/// Training rows per block of the structured AGOP.
pub const AGOP_BLOCK: usize = 64;
/// Number of chunks (groups of AGOP blocks with their own partial Gram matrix) the AGOP is split
/// into for parallel work; fixed, so that the result does not depend on the thread count.
pub const AGOP_CHUNKS: usize = 16;

/// Everything the AGOP of a fitted kernel predictor depends on.
#[derive(Clone, Copy, Debug)]
pub struct AgopInput<'a, T = f64> {
    /// The training inputs (first tokens in `0..d/2`, second tokens in `d/2..d`).
    pub tokens: Tokens<'a>,
    /// Coefficients α (n × c).
    pub alpha: ArrayView2<'a, T>,
    /// The feature matrix M (d × d, symmetric).
    pub m: ArrayView2<'a, f64>,
    /// The kernel (its gradient weights are computed from M on the fly).
    pub kernel: KernelKind,
    /// Subtract the mean Jacobian over the training points.
    pub centering: bool,
}

/// The AGOP and, as a by-product, the predictions on the training inputs.
#[derive(Clone, Debug)]
pub struct AgopOutput {
    /// `(γ²/n) · M (Σ_c D̃_cᵀ D̃_c) M` (d × d, symmetric).
    pub agop: Array2<f64>,
    /// `Σ_c D̃_cᵀ D̃_c` (d × d, symmetric).
    pub gram: Array2<f64>,
    /// `K α` on the training inputs (n × c).
    pub predictions: Array2<f64>,
}

/// The training points listed by first token, then by second token, with the range of every token.
struct Incidence<T> {
    first: Vec<u32>,
    second: Vec<u32>,
    norms: Vec<f64>,
    /// α in incidence order (2n × c).
    alpha: Array2<T>,
    /// Per token, its range among the first-token groups (`0..n`) and the second-token groups
    /// (`n..2n`).
    groups: Vec<(Range<usize>, Range<usize>)>,
    /// The size of the largest group.
    largest: usize,
}

impl<T: Real> Incidence<T> {
    fn new(t: Tokens<'_>, norms: &[f64], alpha: ArrayView2<'_, T>, d: usize) -> Self {
        let n = t.len();
        let by = |key: &[u32]| -> (Vec<usize>, Vec<Range<usize>>) {
            let mut count = vec![0usize; d + 1];
            for &k in key {
                count[k as usize + 1] += 1;
            }
            for i in 0..d {
                count[i + 1] += count[i];
            }
            let ranges = (0..d).map(|i| count[i]..count[i + 1]).collect();
            let mut next = count;
            let mut order = vec![0usize; n];
            for (i, &k) in key.iter().enumerate() {
                order[next[k as usize]] = i;
                next[k as usize] += 1;
            }
            (order, ranges)
        };
        let (order_a, ranges_a) = by(t.first);
        let (order_b, ranges_b) = by(t.second);
        let order: Vec<usize> = order_a.iter().chain(&order_b).copied().collect();
        let largest = ranges_a
            .iter()
            .chain(&ranges_b)
            .map(|r| r.len())
            .max()
            .unwrap_or(0);
        let groups = ranges_a
            .into_iter()
            .zip(ranges_b)
            .map(|(a, b)| (a, n + b.start..n + b.end))
            .collect();
        Incidence {
            first: order.iter().map(|&i| t.first[i]).collect(),
            second: order.iter().map(|&i| t.second[i]).collect(),
            norms: order.iter().map(|&i| norms[i]).collect(),
            alpha: alpha.select(ndarray::Axis(0), &order),
            groups,
            largest,
        }
    }

    fn tokens(&self) -> Tokens<'_> {
        Tokens {
            first: &self.first,
            second: &self.second,
        }
    }
}

/// One worker's buffers.
struct Scratch<T> {
    /// Gradient weights of a block against one token's group (block × group, row-major).
    w: Vec<T>,
    /// Kernel values, when they differ from the weights (non-Gaussian kernels).
    k: Option<Vec<T>>,
    /// Row t holds F_t of the block (block × c, row-major): d × (block · c).
    f: Array2<T>,
    /// `(Wα)[J]`, the diagonal term (block × c).
    pw: Array2<T>,
    rows: PreparedRows,
    scale: Vec<f64>,
}

/// What one chunk of training rows contributes.
struct ChunkSums<T> {
    /// Lower triangle of `Σ_{j in chunk} F_jᵀ F_j`.
    gram: Array2<T>,
    /// `Σ_{j in chunk} F[j, t, c]` (d × c).
    colsum: Array2<T>,
    /// Predictions `Kα` for the chunk's rows.
    predictions: Array2<T>,
}

/// Number of workers a [`Par`] asks for.
pub(crate) fn workers(par: Par) -> usize {
    match par {
        Par::Seq => 1,
        Par::Rayon(n) => n.get(),
    }
}

/// The workers' buffers of the AGOP, kept between calls so that they are allocated once per run.
pub struct AgopWorkspace<T> {
    scratch: Vec<Scratch<T>>,
}

impl<T> Default for AgopWorkspace<T> {
    fn default() -> Self {
        AgopWorkspace {
            scratch: Vec::new(),
        }
    }
}

/// `Σ_c D̃_cᵀ D̃_c` (d × d, symmetric): the AGOP before the outer `γ²/n · M (·) M`, with the
/// training predictions.
pub fn gradient_gram<T: Real>(input: &AgopInput<'_, T>, par: Par) -> (Array2<f64>, Array2<f64>) {
    gradient_gram_in(input, par, &mut AgopWorkspace::default())
}

/// [`gradient_gram`] with buffers kept in `workspace`.
pub fn gradient_gram_in<T: Real>(
    input: &AgopInput<'_, T>,
    par: Par,
    workspace: &mut AgopWorkspace<T>,
) -> (Array2<f64>, Array2<f64>) {
    let t = input.tokens;
    let n = t.len();
    let d = input.m.nrows();
    let c = input.alpha.ncols();
    assert_eq!(input.alpha.nrows(), n, "alpha rows");
    assert_eq!(input.m.dim(), (d, d), "M shape");
    assert!(
        t.first.iter().all(|&a| (a as usize) < d / 2)
            && t.second
                .iter()
                .all(|&b| (b as usize) >= d / 2 && (b as usize) < d),
        "first tokens must lie in 0..d/2 and second tokens in d/2..d"
    );
    if n == 0 {
        return (Array2::zeros((d, d)), Array2::zeros((0, c)));
    }
    let kind = input.kernel;
    let separate_weights = !matches!(kind, KernelKind::Gaussian { .. });
    let eval = KernelEvaluator::new(kind, input.m);
    let norms = sq_norms(input.m, t);
    let inc = Incidence::new(t, &norms, input.alpha, d);
    let columns = eval.columns(inc.tokens(), &inc.norms);

    let block = AGOP_BLOCK.min(n);
    let blocks = n.div_ceil(block);
    let chunks = even_ranges(blocks, AGOP_CHUNKS);
    let fresh = || Scratch {
        w: vec![T::zero(); block * inc.largest],
        k: separate_weights.then(|| vec![T::zero(); block * inc.largest]),
        f: Array2::zeros((d, block * c)),
        pw: Array2::zeros((block, c)),
        rows: PreparedRows::default(),
        scale: Vec::new(),
    };
    // Buffers of another problem size are replaced.
    workspace.scratch.retain(|s| {
        s.f.dim() == (d, block * c)
            && s.w.len() == block * inc.largest
            && s.k.is_some() == separate_weights
    });
    let sums = map_items_reusing(
        chunks.len(),
        workers(par),
        &mut workspace.scratch,
        fresh,
        |ci, scratch| {
            let rows = chunks[ci].start * block..(chunks[ci].end * block).min(n);
            let mut out = ChunkSums {
                gram: Array2::zeros((d, d)),
                colsum: Array2::zeros((d, c)),
                predictions: Array2::zeros((rows.len(), c)),
            };
            let mut r0 = rows.start;
            while r0 < rows.end {
                let r1 = (r0 + block).min(rows.end);
                let ChunkSums {
                    gram,
                    colsum,
                    predictions,
                } = &mut out;
                let p = predictions.slice_mut(s![r0 - rows.start..r1 - rows.start, ..]);
                block_update(
                    input,
                    &eval,
                    &columns,
                    &inc,
                    r0..r1,
                    scratch,
                    p,
                    gram,
                    colsum,
                );
                r0 = r1;
            }
            out
        },
    );

    let mut gram = Array2::<f64>::zeros((d, d));
    let mut colsum = Array2::<f64>::zeros((d, c));
    let mut predictions = Array2::<f64>::zeros((n, c));
    let mut row = 0;
    for s in &sums {
        for i in 0..d {
            for j in 0..=i {
                gram[[i, j]] += s.gram[[i, j]].wide();
            }
        }
        colsum.zip_mut_with(&s.colsum, |a, b| *a += b.wide());
        let rows = s.predictions.nrows();
        predictions
            .slice_mut(s![row..row + rows, ..])
            .zip_mut_with(&s.predictions, |a, b| *a = b.wide());
        row += rows;
    }
    for i in 0..d {
        for j in 0..i {
            gram[[j, i]] = gram[[i, j]];
        }
    }
    if input.centering {
        // Σ_j (F_j − μ)ᵀ(F_j − μ) = Σ_j F_jᵀ F_j − n μᵀμ, μ = colsum / n.
        matmul(
            gram.view_mut(),
            colsum.view(),
            colsum.t(),
            -1.0 / n as f64,
            true,
            Par::Seq,
        );
    }
    (gram, predictions)
}

/// Adds the contribution of the training rows `rows` (one block) to the chunk's Gram matrix and
/// column sums, and writes their predictions into `p` (with AVX2 when the CPU has it, see
/// [`crate::simd`]).
#[allow(clippy::too_many_arguments)]
fn block_update<T: Real>(
    input: &AgopInput<'_, T>,
    eval: &KernelEvaluator<'_>,
    columns: &KernelColumns<'_>,
    inc: &Incidence<T>,
    rows: Range<usize>,
    scratch: &mut Scratch<T>,
    p: ArrayViewMut2<'_, T>,
    gram: &mut Array2<T>,
    colsum: &mut Array2<T>,
) {
    #[cfg(target_arch = "x86_64")]
    if crate::simd::has_avx2() {
        #[target_feature(enable = "avx2,fma")]
        #[allow(clippy::too_many_arguments)]
        fn wide<T: Real>(
            input: &AgopInput<'_, T>,
            eval: &KernelEvaluator<'_>,
            columns: &KernelColumns<'_>,
            inc: &Incidence<T>,
            rows: Range<usize>,
            scratch: &mut Scratch<T>,
            p: ArrayViewMut2<'_, T>,
            gram: &mut Array2<T>,
            colsum: &mut Array2<T>,
        ) {
            block_update_body(input, eval, columns, inc, rows, scratch, p, gram, colsum)
        }
        // SAFETY: the CPU has AVX2 and FMA (checked just above), all `wide` requires.
        return unsafe { wide(input, eval, columns, inc, rows, scratch, p, gram, colsum) };
    }
    block_update_body(input, eval, columns, inc, rows, scratch, p, gram, colsum)
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn block_update_body<T: Real>(
    input: &AgopInput<'_, T>,
    eval: &KernelEvaluator<'_>,
    columns: &KernelColumns<'_>,
    inc: &Incidence<T>,
    rows: Range<usize>,
    scratch: &mut Scratch<T>,
    mut p: ArrayViewMut2<'_, T>,
    gram: &mut Array2<T>,
    colsum: &mut Array2<T>,
) {
    let t = input.tokens;
    let c = input.alpha.ncols();
    let d = input.m.nrows();
    let bj = rows.len();
    let width = bj * c;
    let block_tokens = Tokens {
        first: &t.first[rows.clone()],
        second: &t.second[rows.clone()],
    };
    let norms = sq_norms(input.m, block_tokens);
    eval.prepare_rows(block_tokens, &norms, &mut scratch.rows);
    let gaussian = scratch.k.is_none();

    // F_t = −W[J, group_t] α[group_t] for every token, with W[J, group_t] computed just before its
    // product (it stays in cache). Wα (the diagonal term) is the sum over first-token groups; for the
    // Gaussian (W = K) it is also the prediction Kα; other kernels add up K[J, group_t] α[group_t]
    // over the first-token groups.
    let difference = input.kernel.is_difference_kernel();
    p.fill(T::zero());
    let mut pw = scratch.pw.slice_mut(s![..bj, ..]);
    pw.fill(T::zero());
    let minus_one = -T::one();
    for (tok, (ga, gb)) in inc.groups.iter().enumerate() {
        let frow = scratch
            .f
            .row_mut(tok)
            .into_slice()
            .expect("standard layout");
        let mut f = ArrayViewMut2::from_shape((bj, c), &mut frow[..width]).expect("block shape");
        let mut written = false;
        for (group, first) in [(ga, true), (gb, false)] {
            if group.is_empty() {
                continue;
            }
            let len = group.len();
            // Transposed blocks (group × block, standard): column-major for the product.
            let mut wt = ArrayViewMut2::from_shape((len, bj), &mut scratch.w[..bj * len])
                .expect("group block");
            let alpha = inc.alpha.slice(s![group.clone(), ..]);
            match scratch.k.as_mut() {
                None => eval.fill_transposed(
                    &scratch.rows,
                    columns,
                    group.clone(),
                    wt.view_mut(),
                    None,
                    &mut scratch.scale,
                ),
                Some(kbuf) => {
                    let mut kt = ArrayViewMut2::from_shape((len, bj), &mut kbuf[..bj * len])
                        .expect("group block");
                    eval.fill_transposed(
                        &scratch.rows,
                        columns,
                        group.clone(),
                        kt.view_mut(),
                        Some(wt.view_mut()),
                        &mut scratch.scale,
                    );
                    if first {
                        matmul(p.view_mut(), kt.t(), alpha, T::one(), true, Par::Seq);
                    }
                }
            }
            let w = wt.t();
            matmul(f.view_mut(), w, alpha, minus_one, written, Par::Seq);
            written = true;
            if first && difference {
                let (pws, fs) = (
                    pw.as_slice_mut().expect("standard layout"),
                    f.as_slice().expect("standard layout"),
                );
                for (p, &v) in pws.iter_mut().zip(fs) {
                    *p -= v;
                }
            }
        }
        if !written {
            f.fill(T::zero());
        }
    }
    if gaussian {
        p.assign(&pw);
    }
    let f_all = scratch.f.as_slice_mut().expect("standard layout");
    let stride = f_all.len() / d;
    if difference {
        for (jl, prow) in pw.rows().into_iter().enumerate() {
            for tok in [block_tokens.first[jl], block_tokens.second[jl]] {
                let start = tok as usize * stride + jl * c;
                for (f, &v) in f_all[start..start + c].iter_mut().zip(prow) {
                    *f += v;
                }
            }
        }
    }
    if input.centering {
        for (tok, mut cs) in colsum.rows_mut().into_iter().enumerate() {
            let cs = cs.as_slice_mut().expect("standard layout");
            for frow in f_all[tok * stride..tok * stride + width].chunks_exact(c) {
                for (s, &v) in cs.iter_mut().zip(frow) {
                    *s += v;
                }
            }
        }
    }
    syrk_lower(
        gram.view_mut(),
        scratch.f.slice(s![.., ..width]),
        T::one(),
        true,
        Par::Seq,
    );
}

/// The AGOP `(γ²/n) · M (Σ_c D̃_cᵀ D̃_c) M` (d × d, symmetric) and the training predictions.
pub fn agop_with_predictions<T: Real>(input: &AgopInput<'_, T>, par: Par) -> AgopOutput {
    agop_with_predictions_in(input, par, &mut AgopWorkspace::default())
}

/// [`agop_with_predictions`] with buffers kept in `workspace` (the training loop keeps one).
pub fn agop_with_predictions_in<T: Real>(
    input: &AgopInput<'_, T>,
    par: Par,
    workspace: &mut AgopWorkspace<T>,
) -> AgopOutput {
    let n = input.tokens.len().max(1);
    let (gram, predictions) = gradient_gram_in(input, par, workspace);
    let d = input.m.nrows();
    let mut tmp = Array2::<f64>::zeros((d, d));
    matmul(tmp.view_mut(), input.m, gram.view(), 1.0, false, Par::Seq);
    let mut agop = Array2::<f64>::zeros((d, d));
    let scale = input.kernel.gradient_scale();
    let factor = scale * scale / n as f64;
    matmul(
        agop.view_mut(),
        tmp.view(),
        input.m,
        factor,
        false,
        Par::Seq,
    );
    crate::linalg::symmetrize(&mut agop);
    AgopOutput {
        agop,
        gram,
        predictions,
    }
}

/// The AGOP `(γ²/n) · M (Σ_c D̃_cᵀ D̃_c) M` (d × d, symmetric).
pub fn agop<T: Real>(input: &AgopInput<'_, T>, par: Par) -> Array2<f64> {
    agop_with_predictions(input, par).agop
}

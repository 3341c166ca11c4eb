//! The Average Gradient Outer Product of a kernel predictor on one-hot inputs, without the n × c × d
//! Jacobian tensor.
//!
//! For a difference kernel (`∇_x k(x, z) = γ w(x, z) M (x − z)`), the Jacobian of
//! `f_c(x) = Σ_i α_ic k(x, x_i)` at training input x_j is `γ D_c[j, :] M` with
//! `D_c = diag(W α_c) X − W diag(α_c) X`, where `W[j, i] = w(x_j, x_i)` and X is the one-hot input
//! matrix. For the quadratic kernel (`∇_x k = γ w M z`) the first term is absent (and the sign is
//! irrelevant). With centering, D_c is replaced by D̃_c = D_c − 1 mean_j D_c[j, :]. Then
//!
//! `AGOP = (1/n) Σ_j J_jᵀ J_j = (γ² / n) · M (Σ_c D̃_cᵀ D̃_c) M`.
//!
//! Column t of D_c is `F_t[:, c]` with `F_t[j, c] = [t ∈ x_j] (Wα)_jc − Σ_{i: t ∈ x_i} W_ji α_ic`:
//! the second term is a product of W restricted to the training points that carry token t with the
//! matching rows of α. So we process the training rows in blocks of [`AGOP_BLOCK`]: for each token t
//! one small product `W[J, S_t] α[S_t, :]` (in parallel over tokens, each sequential), then one Gram
//! update `G += Fᵀ F` of the block (d × (block·c) times its transpose, lower triangle only, on
//! faer's parallel GEMM). Memory is O(n² + block·c·d + d²); flops are 4n²c + n c d².

use crate::kernel::onehot::Tokens;
use crate::linalg::{as_faer, as_faer_mut, matmul};
use crate::solve::memory::AGOP_BLOCK;
use faer::linalg::matmul::triangular::BlockStructure;
use faer::Par;
use ndarray::{s, Array2, ArrayView2, ArrayViewMut2};
use rayon::prelude::*;

/// Everything the AGOP of a fitted kernel predictor depends on.
#[derive(Clone, Copy, Debug)]
pub struct AgopInput<'a> {
    /// The training inputs.
    pub tokens: Tokens<'a>,
    /// Gradient weights `W[j, i] = w(x_j, x_i)` (n × n, standard layout).
    pub weights: ArrayView2<'a, f64>,
    /// Coefficients α (n × c).
    pub alpha: ArrayView2<'a, f64>,
    /// The feature matrix M (d × d, symmetric).
    pub m: ArrayView2<'a, f64>,
    /// Whether the kernel's gradient is ∝ M(x − z) (true) or ∝ M z (false).
    pub difference: bool,
    /// The constant γ of the gradient.
    pub scale: f64,
    /// Subtract the mean Jacobian over the training points.
    pub centering: bool,
}

/// `Σ_c D̃_cᵀ D̃_c` (d × d, symmetric): the AGOP before the outer `γ²/n · M (·) M`.
pub fn gradient_gram(input: &AgopInput<'_>, par: Par) -> Array2<f64> {
    let t = input.tokens;
    let n = t.len();
    let d = input.m.nrows();
    let c = input.alpha.ncols();
    assert_eq!(input.weights.dim(), (n, n), "weights shape");
    assert_eq!(input.alpha.nrows(), n, "alpha rows");
    let weights = input.weights;
    let w_rows = weights
        .as_slice()
        .expect("weights must be in standard layout");
    let alpha = input.alpha.as_standard_layout().into_owned();

    // Training points carrying each token, ascending.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); d];
    for i in 0..n {
        members[t.first[i] as usize].push(i);
        members[t.second[i] as usize].push(i);
    }
    // Contiguous groups read W and α in place; the others use gathered rows of α.
    let contiguous: Vec<bool> = members
        .iter()
        .map(|m| m.windows(2).all(|w| w[1] == w[0] + 1))
        .collect();
    let gathered_alpha: Vec<Option<Array2<f64>>> = members
        .iter()
        .zip(&contiguous)
        .map(|(m, &contig)| (!contig).then(|| alpha.select(ndarray::Axis(0), m)))
        .collect();

    // P = W α for the diagonal term.
    let p = if input.difference {
        let mut p = Array2::<f64>::zeros((n, c));
        matmul(p.view_mut(), weights, alpha.view(), 1.0, false, par);
        Some(p)
    } else {
        None
    };

    let block = AGOP_BLOCK.min(n.max(1));
    let mut ft = Array2::<f64>::zeros((d, block * c));
    let mut colsum = Array2::<f64>::zeros((d, c));
    let mut gram = Array2::<f64>::zeros((d, d));
    let mut r0 = 0;
    while r0 < n {
        let bj = block.min(n - r0);
        let width = bj * c;
        let ft_slice = ft.as_slice_mut().expect("standard layout");
        let cs_slice = colsum.as_slice_mut().expect("standard layout");
        ft_slice
            .par_chunks_mut(block * c)
            .zip(cs_slice.par_chunks_mut(c))
            .enumerate()
            .for_each(|(tok, (row, csum))| {
                let row = &mut row[..width];
                let mem = &members[tok];
                let mut f = ArrayViewMut2::from_shape((bj, c), row).expect("block shape");
                if mem.is_empty() {
                    f.fill(0.0);
                } else if contiguous[tok] {
                    let (lo, hi) = (mem[0], mem[mem.len() - 1] + 1);
                    let w = weights.slice(s![r0..r0 + bj, lo..hi]);
                    matmul(
                        f.view_mut(),
                        w,
                        alpha.slice(s![lo..hi, ..]),
                        -1.0,
                        false,
                        Par::Seq,
                    );
                } else {
                    let mut wg = Array2::<f64>::zeros((bj, mem.len()));
                    for (jl, mut wrow) in wg.rows_mut().into_iter().enumerate() {
                        let src = &w_rows[(r0 + jl) * n..(r0 + jl + 1) * n];
                        for (dst, &i) in wrow.iter_mut().zip(mem) {
                            *dst = src[i];
                        }
                    }
                    let ag = gathered_alpha[tok].as_ref().expect("gathered alpha");
                    matmul(f.view_mut(), wg.view(), ag.view(), -1.0, false, Par::Seq);
                }
                if let Some(p) = &p {
                    let start = mem.partition_point(|&i| i < r0);
                    for &i in mem[start..].iter().take_while(|&&i| i < r0 + bj) {
                        let mut frow = f.row_mut(i - r0);
                        frow += &p.row(i);
                    }
                }
                if input.centering {
                    for frow in f.rows() {
                        for (s, v) in csum.iter_mut().zip(frow) {
                            *s += v;
                        }
                    }
                }
            });
        let fb = ft.slice(s![.., ..width]);
        faer::linalg::matmul::triangular::matmul(
            as_faer_mut(gram.view_mut()),
            BlockStructure::TriangularLower,
            faer::Accum::Add,
            as_faer(fb),
            BlockStructure::Rectangular,
            as_faer(fb.t()),
            BlockStructure::Rectangular,
            1.0,
            par,
        );
        r0 += bj;
    }
    for i in 0..d {
        for j in 0..i {
            gram[[j, i]] = gram[[i, j]];
        }
    }
    if input.centering && n > 0 {
        // Σ_j (F_j − μ)ᵀ(F_j − μ) = Σ_j F_jᵀ F_j − n μᵀμ, μ = colsum / n.
        matmul(
            gram.view_mut(),
            colsum.view(),
            colsum.t(),
            -1.0 / n as f64,
            true,
            par,
        );
    }
    gram
}

/// The AGOP `(γ²/n) · M (Σ_c D̃_cᵀ D̃_c) M` (d × d, symmetric).
pub fn agop(input: &AgopInput<'_>, par: Par) -> Array2<f64> {
    let n = input.tokens.len().max(1);
    let gram = gradient_gram(input, par);
    let d = input.m.nrows();
    let mut tmp = Array2::<f64>::zeros((d, d));
    matmul(tmp.view_mut(), input.m, gram.view(), 1.0, false, par);
    let mut out = Array2::<f64>::zeros((d, d));
    let factor = input.scale * input.scale / n as f64;
    matmul(out.view_mut(), tmp.view(), input.m, factor, false, par);
    crate::linalg::symmetrize(&mut out);
    out
}

//! Feature matrices of a network: the neural feature matrix NFM = W₁ᵀW₁, the network AGOP in
//! closed form (uncentered as the reference, centered per class as RFM) and the Neural Feature
//! Ansatz correlations.
//!
//! For input x_j the Jacobian is J_j = V_j W₁ with V_j = ∂f/∂z₁ (c × h): for the one-layer net
//! V_j = W₂ D_j (D_j = diag σ′(W₁x_j)), for the two-layer net V_j = W₃ D₂ⱼ W₂ D₁ⱼ. Hence
//!
//! `AGOP = (1/N) Σ_j J_jᵀJ_j = W₁ᵀ Q W₁`, `Q = (1/N) Σ_j V_jᵀV_j` (h × h),
//!
//! and for the one-layer net `Q = (W₂ᵀW₂) ⊙ S` with `S = (1/N) Σ_j σ′(z_j)σ′(z_j)ᵀ`: no
//! per-sample Jacobian is formed. The centered AGOP subtracts J̄ᵀJ̄ with J̄ = V̄ W₁, V̄ = mean_j V_j
//! (for the one-layer net V̄ᵀV̄ = (W₂ᵀW₂) ⊙ s̄s̄ᵀ).

use super::mlp::Mlp;
use super::params::ModelKind;
use super::real::{lit, NetReal};
use super::transformer::Transformer;
use crate::error::Result;
use crate::linalg::eigh;
use ndarray::{Array2, ArrayView2, Axis};

/// Samples per work item of the chunked sums (fixed: the sums do not depend on the threads).
pub const CHUNK: usize = 64;

/// NFM = W₁ᵀW₁ = E Eᵀ (2n × 2n).
pub fn nfm(net: &Mlp) -> Array2<f64> {
    let e = net.embedding();
    e.dot(&e.t())
}

/// σ′(z₁) for the pairs (a_j, b_j) (N × h).
fn first_derivatives<T: NetReal>(net: &Mlp<T>, a: &[u32], b: &[u32]) -> (Array2<T>, Array2<T>) {
    let act = net.activation();
    let cache_z1 = first_preactivations(net, a, b);
    let s1 = cache_z1.mapv(|z| act.derivative(z));
    (cache_z1, s1)
}

fn first_preactivations<T: NetReal>(net: &Mlp<T>, a: &[u32], b: &[u32]) -> Array2<T> {
    let (n, h) = (net.n_symbols(), net.width());
    let e = net.embedding();
    let mut z = Array2::<T>::zeros((a.len(), h));
    for (i, mut row) in z.axis_iter_mut(Axis(0)).enumerate() {
        let ea = e.row(a[i] as usize);
        let eb = e.row(n + b[i] as usize);
        for ((zz, &x), &y) in row.iter_mut().zip(ea.iter()).zip(eb.iter()) {
            *zz = x + y;
        }
    }
    z
}

/// Q and its centering term V̄ᵀV̄ (both h × h, Q already divided by N) over the pairs.
fn q_matrices(net: &Mlp, a: &[u32], b: &[u32], threads: usize) -> (Array2<f64>, Array2<f64>) {
    let h = net.width();
    let nn = a.len().max(1) as f64;
    let w_out = net.output();
    match net.kind() {
        ModelKind::Mlp => {
            let g = w_out.t().dot(&w_out);
            let (_, s1) = first_derivatives(net, a, b);
            let s = s1.t().dot(&s1) / nn;
            let mean = s1.sum_axis(Axis(0)) / nn;
            let q = &g * &s;
            let outer = Array2::from_shape_fn((h, h), |(k, l)| g[[k, l]] * mean[k] * mean[l]);
            (q, outer)
        }
        ModelKind::Transformer => unreachable!("an Mlp is never a transformer (Mlp::zeros)"),
        ModelKind::Mlp2 => {
            let act = net.activation();
            let w2 = net.hidden().expect("two-layer net has W₂");
            let chunks = a.len().div_ceil(CHUNK);
            let parts = crate::parallel::map_items(
                chunks,
                threads,
                || (),
                |ci, _| {
                    let lo = ci * CHUNK;
                    let hi = (lo + CHUNK).min(a.len());
                    let z1 = first_preactivations(net, &a[lo..hi], &b[lo..hi]);
                    let h1 = z1.mapv(|z| act.value(z));
                    let z2 = h1.dot(&w2.t());
                    let c = w_out.nrows();
                    let mut stack = Array2::<f64>::zeros(((hi - lo) * c, h));
                    let mut vsum = Array2::<f64>::zeros((c, h));
                    for j in 0..hi - lo {
                        let s2 = z2.row(j).mapv(|z| act.derivative(z));
                        let s1 = z1.row(j).mapv(|z| act.derivative(z));
                        let mut u = w_out.to_owned();
                        for mut row in u.axis_iter_mut(Axis(0)) {
                            row.zip_mut_with(&s2, |x, &s| *x *= s);
                        }
                        let mut v = u.dot(&w2);
                        for mut row in v.axis_iter_mut(Axis(0)) {
                            row.zip_mut_with(&s1, |x, &s| *x *= s);
                        }
                        vsum += &v;
                        stack
                            .slice_mut(ndarray::s![j * c..(j + 1) * c, ..])
                            .assign(&v);
                    }
                    (stack.t().dot(&stack), vsum)
                },
            );
            let mut q = Array2::<f64>::zeros((h, h));
            let mut vbar = Array2::<f64>::zeros((w_out.nrows(), h));
            for (qp, vp) in &parts {
                q += qp;
                vbar += vp;
            }
            q /= nn;
            vbar /= nn;
            let outer = vbar.t().dot(&vbar);
            (q, outer)
        }
    }
}

/// The network AGOP over the pairs (a_j, b_j): uncentered (the reference's `calc_full_agop`)
/// and centered (the mean Jacobian subtracted, as RFM), both 2n × 2n.
pub fn agop(net: &Mlp, a: &[u32], b: &[u32], threads: usize) -> (Array2<f64>, Array2<f64>) {
    let (q, outer) = q_matrices(net, a, b, threads);
    let e = net.embedding();
    let qc = &q - &outer;
    let un = e.dot(&q).dot(&e.t());
    let ce = e.dot(&qc).dot(&e.t());
    (symmetrized(un), symmetrized(ce))
}

/// The transformer's AGOP over the pairs (a_j, b_j), uncentered and centered as [`agop`]: from
/// [`Transformer::input_jacobian_moments`] (mean J and mean JᵀJ), the centered one minus J̄ᵀJ̄.
/// Panics if there are no pairs.
pub fn transformer_agop(net: &Transformer, a: &[u32], b: &[u32]) -> (Array2<f64>, Array2<f64>) {
    let (mean, outer) = net.input_jacobian_moments(a, b);
    let centered = &outer - &mean.t().dot(&mean);
    (symmetrized(outer), symmetrized(centered))
}

fn symmetrized(m: Array2<f64>) -> Array2<f64> {
    let t = m.t().to_owned();
    (&m + &t) * 0.5
}

/// The AGOP computed the slow way, from the per-sample Jacobians `input_jacobian` (for tests).
pub fn agop_naive(net: &Mlp, a: &[u32], b: &[u32]) -> (Array2<f64>, Array2<f64>) {
    let d = 2 * net.n_symbols();
    let mut sum = Array2::<f64>::zeros((d, d));
    let mut mean = Array2::<f64>::zeros((net.n_classes(), d));
    for (&x, &y) in a.iter().zip(b) {
        let j = net.input_jacobian(x, y);
        sum += &j.t().dot(&j);
        mean += &j;
    }
    let nn = a.len() as f64;
    sum /= nn;
    mean /= nn;
    let centered = &sum - &mean.t().dot(&mean);
    (sum, centered)
}

/// The Neural Feature Ansatz correlations as the reference logs them: the Pearson correlation of
/// vec(√AGOP) and vec(NFM), and the same with both diagonals set to zero (the zeros stay in the
/// vectors, as `train_net.py` does). √AGOP is the principal square root (negative eigenvalues of
/// rounding size are clamped to 0, as the real part of `scipy.linalg.sqrtm`).
pub fn nfa_correlations(agop: ArrayView2<'_, f64>, nfm: ArrayView2<'_, f64>) -> Result<(f64, f64)> {
    let root = psd_sqrt(agop)?;
    let full = pearson(root.iter().copied(), nfm.iter().copied());
    let d = root.nrows();
    let off = |m: ArrayView2<'_, f64>| {
        let mut m = m.to_owned();
        for i in 0..d {
            m[[i, i]] = 0.0;
        }
        m
    };
    let (ro, no) = (off(root.view()), off(nfm));
    let no_diag = pearson(ro.iter().copied(), no.iter().copied());
    Ok((full, no_diag))
}

/// The principal square root of a symmetric positive semi-definite matrix.
pub fn psd_sqrt(m: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
    let (lambda, u) = eigh(m)?;
    let d = m.nrows();
    let mut scaled = u.clone();
    for (k, &l) in lambda.iter().enumerate() {
        let s = l.max(0.0).sqrt();
        scaled.column_mut(k).mapv_inplace(|x| x * s);
    }
    let out = scaled.dot(&u.t());
    debug_assert_eq!(out.nrows(), d);
    Ok(out)
}

/// Pearson correlation (NaN when a vector is constant).
pub fn pearson(x: impl Iterator<Item = f64> + Clone, y: impl Iterator<Item = f64> + Clone) -> f64 {
    let xs: Vec<f64> = x.collect();
    let ys: Vec<f64> = y.collect();
    let n = xs.len() as f64;
    let mx = xs.iter().sum::<f64>() / n;
    let my = ys.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in xs.iter().zip(&ys) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx.sqrt() * syy.sqrt())
}

/// tr(AGOP) over the pairs for the one-layer net, and adds `weight ×` its gradient with respect
/// to the weights to `grad`. With A = W₂ᵀW₂, B = W₁W₁ᵀ, S as above, tr AGOP = Σ_kl A_kl S_kl B_kl;
/// ∂/∂W₂ = 2W₂(S⊙B), ∂/∂W₁ = 2(A⊙S)W₁ + Σ_j (2/N) (σ″(z_j) ⊙ (A⊙B)σ′(z_j)) x_jᵀ.
/// Returns None (and adds nothing) for the two-layer net.
pub fn agop_trace_and_grad<T: NetReal>(
    net: &Mlp<T>,
    a: &[u32],
    b: &[u32],
    weight: f64,
    grad: &mut [T],
) -> Option<T> {
    if net.kind() != ModelKind::Mlp {
        return None;
    }
    let (n, h, c) = (net.n_symbols(), net.width(), net.n_classes());
    let act = net.activation();
    let nn: T = lit(a.len().max(1) as f64);
    let e = net.embedding();
    let w_out = net.output();
    let big_a = w_out.t().dot(&w_out);
    let big_b = e.t().dot(&e);
    let (z1, s1) = first_derivatives(net, a, b);
    let s = s1.t().dot(&s1) / nn;
    let trace: T = big_a
        .iter()
        .zip(s.iter())
        .zip(big_b.iter())
        .map(|((&x, &y), &z)| x * y * z)
        .sum();
    let (g_e, g_out) = grad.split_at_mut(2 * n * h);
    // W_out.
    let sb = &s * &big_b;
    let d_out = w_out.dot(&sb) * lit::<T>(2.0 * weight);
    for (g, &d) in g_out.iter_mut().zip(d_out.iter()) {
        *g += d;
    }
    // E through B: 2 E (A ⊙ S).
    let as_ = &big_a * &s;
    let d_e = e.dot(&as_) * lit::<T>(2.0 * weight);
    for (g, &d) in g_e.iter_mut().zip(d_e.iter()) {
        *g += d;
    }
    // E through S.
    let ab = &big_a * &big_b;
    let t = s1.dot(&ab); // N × h: row j is (A⊙B) s_j (A⊙B symmetric)
    let coef = lit::<T>(2.0 * weight) / nn;
    for j in 0..a.len() {
        for k in [a[j] as usize, n + b[j] as usize] {
            let dst = &mut g_e[k * h..(k + 1) * h];
            for l in 0..h {
                dst[l] += coef * act.second_derivative(z1[[j, l]]) * t[[j, l]];
            }
        }
    }
    let _ = c;
    Some(trace)
}

//! Initial weights: random (the reference's scaled Kaiming-uniform), projected onto H-invariant
//! first layers, drawn from an RFM feature matrix, optionally perturbed. Every draw comes from
//! ChaCha8 seeded by `net.seed` (stream 0: weights, stream 2: perturbation, stream 4: RFM rows).

use super::mlp::Mlp;
use super::params::{ModelKind, NetParams};
use super::transformer::Transformer;
use crate::error::{Error, Result};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Stream of the minibatch shuffles.
pub const STREAM_SHUFFLE: u64 = 1;
/// Stream of the symmetry-prompting samples.
pub const STREAM_SYMMETRY: u64 = 3;

/// A seeded generator on one stream.
pub fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

/// A standard normal draw (Box–Muller; `1 − u` keeps the logarithm finite).
pub fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn uniform(rng: &mut ChaCha8Rng, bound: f64) -> f64 {
    (2.0 * rng.random::<f64>() - 1.0) * bound
}

/// The random network of `params`: every layer U(−s/√fan_in, s/√fan_in) as the reference's
/// `reset_params` (fan_in = 2n for W₁, h for the others), drawn layer by layer in torch's
/// row-major order (W₁ as h × 2n).
pub fn random(params: &NetParams, n_symbols: usize, n_classes: usize) -> Result<Mlp> {
    let (kind, h) = (params.model, params.width);
    let mut net = Mlp::zeros(kind, params.act, n_symbols, h, n_classes)?;
    let mut r = rng(params.seed, 0);
    let s = params.init_scale;
    let d = 2 * n_symbols;
    let b1 = s / (d as f64).sqrt();
    {
        let mut e = net.embedding_mut();
        for k in 0..h {
            for i in 0..d {
                e[[i, k]] = uniform(&mut r, b1);
            }
        }
    }
    let bh = s / (h as f64).sqrt();
    let w = net.params_mut();
    let rest = &mut w[d * h..];
    let n_hidden = match kind {
        ModelKind::Mlp | ModelKind::Transformer => 0,
        ModelKind::Mlp2 => h * h,
    };
    for x in rest[..n_hidden].iter_mut() {
        *x = uniform(&mut r, bh);
    }
    for x in rest[n_hidden..].iter_mut() {
        *x = uniform(&mut r, bh);
    }
    Ok(net)
}

/// Projects the first layer onto the H-invariant weights: W₁ ↦ (1/|H|) Σ_h W₁ Π(h)ᵀ for the
/// coordinate permutations `perms` of H (`Π(h)e_i = e_{σ_h(i)}`, so column σ_h(i) of W₁Π(h)ᵀ is
/// column i of W₁). The result satisfies W₁Π(h)ᵀ = W₁ for every h ∈ H when `perms` is a group.
pub fn symmetrize(net: &mut Mlp, perms: &[Vec<usize>]) -> Result<()> {
    let d = 2 * net.n_symbols();
    if perms.is_empty() || perms.iter().any(|p| p.len() != d) {
        return Err(Error::param(
            "net.init",
            format!("{} permutations", perms.len()),
            format!("a non-empty group of permutations of the {d} input coordinates"),
        ));
    }
    let e = net.embedding().to_owned();
    let mut out = Array2::<f64>::zeros(e.dim());
    for sigma in perms {
        for (i, &si) in sigma.iter().enumerate() {
            let mut row = out.row_mut(si);
            row += &e.row(i);
        }
    }
    out /= perms.len() as f64;
    net.embedding_mut().assign(&out);
    Ok(())
}

/// Draws the first layer from the feature matrix `m` (2n × 2n, symmetric PSD): the rows of W₁
/// are i.i.d. N(0, (s²/2n)·M), i.e. `M^{1/2} z · s/√(2n)` with z standard normal (stream 4).
pub fn from_feature_matrix(net: &mut Mlp, m: &Array2<f64>, params: &NetParams) -> Result<()> {
    let d = 2 * net.n_symbols();
    if m.dim() != (d, d) {
        return Err(Error::param(
            "net.init",
            format!("a {}×{} matrix", m.nrows(), m.ncols()),
            format!("a {d}×{d} feature matrix"),
        ));
    }
    let sym = (m + &m.t()) * 0.5;
    let root = super::features::psd_sqrt(sym.view())?;
    let mut r = rng(params.seed, 4);
    let scale = params.init_scale / (d as f64).sqrt();
    let h = net.width();
    let mut e = net.embedding_mut();
    for k in 0..h {
        let z: Vec<f64> = (0..d).map(|_| standard_normal(&mut r)).collect();
        for i in 0..d {
            let v: f64 = (0..d).map(|j| root[[i, j]] * z[j]).sum();
            e[[i, k]] = v * scale;
        }
    }
    Ok(())
}

/// Adds a Gaussian perturbation of relative size ε to the first layer: W₁ + ε‖W₁‖_F R/‖R‖_F with
/// R i.i.d. standard normal (stream 2); ε = 0 leaves the weights exactly as they are.
pub fn perturb(net: &mut Mlp, epsilon: f64, seed: u64) {
    if epsilon == 0.0 {
        return;
    }
    let mut e = net.embedding_mut();
    let mut values: Vec<f64> = e.iter().copied().collect();
    perturb_values(&mut values, epsilon, seed);
    for (w, v) in e.iter_mut().zip(values) {
        *w = v;
    }
}

/// `w + ε‖w‖ r/‖r‖` with r i.i.d. standard normal (stream 2 of `seed`), in place.
fn perturb_values(w: &mut [f64], epsilon: f64, seed: u64) {
    let mut r = rng(seed, 2);
    let noise: Vec<f64> = (0..w.len()).map(|_| standard_normal(&mut r)).collect();
    let norm_w = w.iter().map(|v| v * v).sum::<f64>().sqrt();
    let norm_r = noise.iter().map(|v| v * v).sum::<f64>().sqrt();
    let k = if norm_r > 0.0 {
        epsilon * norm_w / norm_r
    } else {
        0.0
    };
    for (w, z) in w.iter_mut().zip(&noise) {
        *w += k * z;
    }
}

/// The token embedding `W_E` ((n + 1) × d, row n is `=`) and the position embedding `W_pos`
/// (3 × d) of a transformer, as one contiguous slice of its parameters (they are adjacent).
fn transformer_embeddings(t: &mut Transformer) -> Result<(&mut [f64], usize, usize)> {
    let blocks = t.blocks();
    let find = |name: &str| blocks.iter().find(|b| b.0 == name).cloned();
    let (Some(we), Some(pos)) = (find("W_E"), find("W_pos")) else {
        return Err(Error::param(
            "net.model",
            "transformer",
            "a transformer with W_E and W_pos",
        ));
    };
    let (rows, d) = (we.2[0], we.2[1]);
    let (start, end) = (we.1, pos.1 + 3 * d);
    if pos.1 != start + rows * d {
        return Err(Error::param(
            "net.model",
            "transformer",
            "W_pos right after W_E",
        ));
    }
    Ok((&mut t.params_mut()[start..end], rows - 1, d))
}

/// The transformer's counterpart of [`symmetrize`]: makes its output exactly invariant under H by
/// constraining the embeddings. `perms` are H's permutations of the 2n input coordinates (a ↦
/// coordinate a, b ↦ n + b). An element h maps (a, b) to (σ(a), τ(b)), or — when it exchanges the
/// two inputs — to (σ(b), τ(a)). The token embedding is shared by both positions, so every row of
/// W_E is replaced by the mean over its orbit under all the σ and τ of H (the `=` row is kept), and
/// when some h exchanges the inputs the position embeddings of a and b are replaced by their mean
/// (attention from `=` then sees the same set of keys and values for (a, b) and its image). A
/// subgroup of relabellings makes W_E constant on orbits, as [`symmetrize`] makes W₁'s columns.
pub fn symmetrize_transformer(t: &mut Transformer, perms: &[Vec<usize>]) -> Result<()> {
    let (emb, n, d) = transformer_embeddings(t)?;
    let bad = |what: &str| {
        Error::param(
            "net.init",
            format!("{} permutations", perms.len()),
            format!("permutations of the {} input coordinates ({what})", 2 * n),
        )
    };
    if perms.is_empty() || perms.iter().any(|p| p.len() != 2 * n) {
        return Err(bad("one per element of H"));
    }
    // Union-find over the n symbols: a ~ σ(a) and b ~ τ(b) for every element.
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut swaps = false;
    for p in perms {
        let swap = p[0] >= n;
        if (0..n).any(|i| (p[i] >= n) != swap || (p[n + i] < n) != swap) {
            return Err(bad(
                "each element keeps or exchanges the two inputs as a whole",
            ));
        }
        swaps |= swap;
        for (i, &pi) in p.iter().enumerate() {
            let (x, y) = (root(&mut parent, i % n), root(&mut parent, pi % n));
            parent[x.max(y)] = x.min(y);
        }
    }
    let mut sums = vec![0.0; n * d];
    let mut counts = vec![0usize; n];
    for a in 0..n {
        let r = root(&mut parent, a);
        counts[r] += 1;
        for k in 0..d {
            sums[r * d + k] += emb[a * d + k];
        }
    }
    for a in 0..n {
        let r = root(&mut parent, a);
        for k in 0..d {
            emb[a * d + k] = sums[r * d + k] / counts[r] as f64;
        }
    }
    if swaps {
        let pos = (n + 1) * d;
        for k in 0..d {
            let mean = 0.5 * (emb[pos + k] + emb[pos + d + k]);
            emb[pos + k] = mean;
            emb[pos + d + k] = mean;
        }
    }
    Ok(())
}

/// The transformer's counterpart of [`perturb`]: adds a Gaussian of relative size ε to its token
/// and position embeddings (W_E and W_pos as one vector; stream 2); ε = 0 changes nothing.
pub fn perturb_transformer(t: &mut Transformer, epsilon: f64, seed: u64) -> Result<()> {
    if epsilon != 0.0 {
        let (emb, _, _) = transformer_embeddings(t)?;
        perturb_values(emb, epsilon, seed);
    }
    Ok(())
}

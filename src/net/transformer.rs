//! The one-layer transformer of the mechanistic grokking literature (Nanda et al. 2023), with a
//! hand-derived backward pass.
//!
//! # Model
//! The input is the token sequence `a, b, =` over a vocabulary of `n + 1` tokens (`=` is token `n`).
//! With `d = d_model`, `H = n_heads`, `dₕ = d_head` and `D = H·dₕ`:
//!
//! ```text
//! x_p   = W_E[tok_p] + W_pos[p]                      p = 0, 1, 2      (d)
//! q_h   = x_2 W_Q,h     k_h,p = x_p W_K,h     v_h,p = x_p W_V,h       (dₕ each)
//! α_h   = softmax_p (q_h · k_h,p / √dₕ)      over the keys p = 0, 1, 2 (causal mask: the query
//!                                             at position 2 sees all three)
//! z     = [Σ_p α_h,p v_h,p]_h                                        (D)
//! r     = x_2 + z W_O                                                (d)
//! r'    = r + ReLU(r W_in + b_in) W_out + b_out                      (d)
//! logits = r' W_U                                                    (n_classes)
//! ```
//!
//! No LayerNorm, no attention biases (as Nanda et al.). The logits are read at the `=` position
//! only, so only the query at position 2 is computed: in a one-layer model the outputs at
//! positions 0 and 1 influence nothing that reaches the logits at position 2 (they would only feed
//! a second layer), and the keys and values at positions 0–2 are functions of the embeddings
//! alone. This is exact, not an approximation: the full causal three-position computation gives
//! the same logits and gradients (the PyTorch parity fixture computes all three positions).
//!
//! # One-hot structure
//! `x_0` depends on `a` only, `x_1` on `b` only, `x_2` on nothing: keys, values and attention
//! scores are computed once per vocabulary token (tables of `n` rows) and gathered per pair; their
//! gradients are scatter-added into the same tables, and the weight gradients of `W_Q`, `W_K`,
//! `W_V`, `W_E`, `W_pos` are products with the tables, never with the batch. Per batch the work is
//! a handful of dense products over the stacked batch (`W_O`, `W_in`, `W_out`, `W_U` forward and
//! backward) plus `O(batch · D)` element-wise work.
//!
//! # Determinism
//! The batch is cut into chunks of [`CHUNK`] pairs, whatever the thread count; chunks run on the
//! current rayon pool, each sequentially (faer `Par::Seq`), and their gradient contributions are
//! added in chunk order. The numbers are bit-identical for any number of threads.
//!
//! # Parameter layout
//! One flat `f64` vector, blocks in this order, each row-major:
//!
//! | block | shape | |
//! |---|---|---|
//! | `W_E` | (n + 1) × d | token embedding, row `n` is `=` |
//! | `W_pos` | 3 × d | position embedding |
//! | `W_Q` | d × D | head `h` in columns `h·dₕ .. (h+1)·dₕ` |
//! | `W_K` | d × D | same |
//! | `W_V` | d × D | same |
//! | `W_O` | D × d | rows `h·dₕ ..` read head `h` |
//! | `W_in` | d × d_mlp | |
//! | `b_in` | d_mlp | |
//! | `W_out` | d_mlp × d | |
//! | `b_out` | d | |
//! | `W_U` | d × n_classes | |
//!
//! # Initialization
//! Every weight i.i.d. normal (ChaCha8 seeded by `seed`, Box–Muller, drawn in layout order), with
//! standard deviation `init_scale / √fan_in`: `fan_in = d` for `W_E`, `W_pos`, `W_Q`, `W_K`,
//! `W_V`, `W_in`, `W_U`; `D` for `W_O`; `d_mlp` for `W_out`. Biases start at zero. With
//! `init_scale = 1` and `D = d` this is Nanda et al.'s `randn / √d_model` for every matrix except
//! `W_out` (theirs `/√d_model`, ours `/√d_mlp`) and `W_U` (theirs `/√d_vocab`, ours `/√d_model`).
//!
//! # Why hand-derived gradients
//! The model is five small dense products per direction plus gathers; a hand-derived backward pass
//! on faer is exact to rounding (checked against central differences and PyTorch to 1e-10),
//! allocates nothing per pair, uses the one-hot structure, and adds no build time — a
//! deep-learning crate (candle, burn) would add minutes of clean-build time and a second tensor
//! type for a model whose backward pass is a page.

use crate::error::{Error, Result};
use crate::linalg::matmul;
use crate::parallel::map_items;
use faer::Par;
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut2, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Pairs per work item: fixed, so that the order of every reduction is independent of the
/// number of threads.
pub const CHUNK: usize = 256;

/// Upper bound on the number of parameters (a guard against absurd sizes, 2³⁰ ≈ 8.6 GB of f64).
const MAX_PARAMS: usize = 1 << 30;

/// Sizes and initialization scale of a [`Transformer`]. The defaults are Nanda et al.'s.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TransformerConfig {
    /// Width of the residual stream `d`.
    pub d_model: usize,
    /// Number of attention heads `H`.
    pub n_heads: usize,
    /// Width of each head `dₕ`.
    pub d_head: usize,
    /// Hidden width of the MLP block.
    pub d_mlp: usize,
    /// Multiplier `s` of the initial standard deviations `s / √fan_in`.
    pub init_scale: f64,
}

impl Default for TransformerConfig {
    fn default() -> Self {
        TransformerConfig {
            d_model: 128,
            n_heads: 4,
            d_head: 32,
            d_mlp: 512,
            init_scale: 1.0,
        }
    }
}

impl TransformerConfig {
    /// Checks every size (≥ 1) and the scale (finite, > 0), naming the parameter (`net.d_model`, …).
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("net.d_model", self.d_model),
            ("net.n_heads", self.n_heads),
            ("net.d_head", self.d_head),
            ("net.d_mlp", self.d_mlp),
        ] {
            if v == 0 {
                return Err(Error::param(name, v, "an integer ≥ 1"));
            }
        }
        if !(self.init_scale.is_finite() && self.init_scale > 0.0) {
            return Err(Error::param(
                "net.init_scale",
                self.init_scale,
                "a finite number > 0",
            ));
        }
        Ok(())
    }
}

/// Offsets of the parameter blocks in the flat vector (see the module documentation).
#[derive(Clone, Debug, PartialEq)]
struct Layout {
    n: usize,
    c: usize,
    d: usize,
    heads: usize,
    dh: usize,
    hd: usize,
    dm: usize,
    we: usize,
    pos: usize,
    wq: usize,
    wk: usize,
    wv: usize,
    wo: usize,
    w_in: usize,
    b_in: usize,
    w_out: usize,
    b_out: usize,
    wu: usize,
    len: usize,
}

impl Layout {
    /// `None` when the sizes overflow `usize`.
    fn new(cfg: &TransformerConfig, n: usize, c: usize) -> Option<Layout> {
        let d = cfg.d_model;
        let hd = cfg.n_heads.checked_mul(cfg.d_head)?;
        let dm = cfg.d_mlp;
        let sizes = [
            n.checked_add(1)?.checked_mul(d)?,
            3usize.checked_mul(d)?,
            d.checked_mul(hd)?,
            d.checked_mul(hd)?,
            d.checked_mul(hd)?,
            hd.checked_mul(d)?,
            d.checked_mul(dm)?,
            dm,
            dm.checked_mul(d)?,
            d,
            d.checked_mul(c)?,
        ];
        let mut off = [0usize; 12];
        for (i, s) in sizes.iter().enumerate() {
            off[i + 1] = off[i].checked_add(*s)?;
        }
        Some(Layout {
            n,
            c,
            d,
            heads: cfg.n_heads,
            dh: cfg.d_head,
            hd,
            dm,
            we: off[0],
            pos: off[1],
            wq: off[2],
            wk: off[3],
            wv: off[4],
            wo: off[5],
            w_in: off[6],
            b_in: off[7],
            w_out: off[8],
            b_out: off[9],
            wu: off[10],
            len: off[11],
        })
    }
}

/// A `rows × cols` row-major view of `p[off ..]`.
fn mat(p: &[f64], off: usize, rows: usize, cols: usize) -> ArrayView2<'_, f64> {
    ArrayView2::from_shape((rows, cols), &p[off..off + rows * cols]).expect("parameter layout")
}

/// `p[off ..] += src` (row-major order of `src`).
fn add_block(p: &mut [f64], off: usize, src: ArrayView2<'_, f64>) {
    for (g, s) in p[off..off + src.len()].iter_mut().zip(src.iter()) {
        *g += s;
    }
}

/// `p[off ..] += src`.
fn add_vec(p: &mut [f64], off: usize, src: ArrayView1<'_, f64>) {
    for (g, s) in p[off..off + src.len()].iter_mut().zip(src.iter()) {
        *g += s;
    }
}

/// `u ⊗ v` as a matrix.
fn outer(u: &Array1<f64>, v: &Array1<f64>) -> Array2<f64> {
    Array2::from_shape_fn((u.len(), v.len()), |(i, j)| u[i] * v[j])
}

fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

/// A standard normal draw (Box–Muller; `1 − u` keeps the logarithm finite).
fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// The one-layer transformer (see the module documentation for the model, layout and init).
#[derive(Clone, Debug, PartialEq)]
pub struct Transformer {
    cfg: TransformerConfig,
    layout: Layout,
    params: Vec<f64>,
}

/// Per-token quantities shared by every pair of a batch: the residual rows at positions 0 and 1
/// for each token (`x0`, `x1`), the constant row at position 2 (`c`), their keys and values, the
/// query, and the attention scores.
#[derive(Clone, Debug)]
struct Tables {
    x0: Array2<f64>,
    x1: Array2<f64>,
    c: Array1<f64>,
    k0: Array2<f64>,
    k1: Array2<f64>,
    v0: Array2<f64>,
    v1: Array2<f64>,
    q: Array1<f64>,
    k2: Array1<f64>,
    v2: Array1<f64>,
    /// `s0[t, h] = q_h · k0[t]_h / √dₕ`.
    s0: Array2<f64>,
    s1: Array2<f64>,
    s2: Array1<f64>,
}

/// The activations of one chunk of pairs.
#[derive(Clone, Debug)]
struct ChunkCache {
    /// Attention weights, `[pair, 3h + p]`.
    alpha: Array2<f64>,
    /// Head outputs (rows × D).
    z: Array2<f64>,
    /// Residual after attention (rows × d).
    r: Array2<f64>,
    /// MLP hidden activations after ReLU (rows × d_mlp).
    m: Array2<f64>,
    /// Residual after the MLP (rows × d).
    r2: Array2<f64>,
}

/// The forward pass of a batch, kept for [`Transformer::backward`].
#[derive(Clone, Debug)]
pub struct TransformerCache {
    /// Logits at the `=` position, batch × n_classes.
    pub logits: Array2<f64>,
    a: Vec<u32>,
    b: Vec<u32>,
    tables: Tables,
    chunks: Vec<ChunkCache>,
}

/// One chunk's contribution to the gradient (summed over chunks in order).
struct Partial {
    wu: Array2<f64>,
    b_out: Array1<f64>,
    w_out: Array2<f64>,
    w_in: Array2<f64>,
    b_in: Array1<f64>,
    wo: Array2<f64>,
    /// Σ over pairs of ∂L/∂r (the direct path into `x_2`).
    gc: Array1<f64>,
    /// ∂L/∂score scatter-added per token: `[t, h]`.
    sig0: Array2<f64>,
    sig1: Array2<f64>,
    sig2: Array1<f64>,
    /// ∂L/∂value scatter-added per token.
    gv0: Array2<f64>,
    gv1: Array2<f64>,
    gv2: Array1<f64>,
}

impl Partial {
    fn zeros(l: &Layout, t0: usize, t1: usize) -> Partial {
        Partial {
            wu: Array2::zeros((l.d, l.c)),
            b_out: Array1::zeros(l.d),
            w_out: Array2::zeros((l.dm, l.d)),
            w_in: Array2::zeros((l.d, l.dm)),
            b_in: Array1::zeros(l.dm),
            wo: Array2::zeros((l.hd, l.d)),
            gc: Array1::zeros(l.d),
            sig0: Array2::zeros((t0, l.heads)),
            sig1: Array2::zeros((t1, l.heads)),
            sig2: Array1::zeros(l.heads),
            gv0: Array2::zeros((t0, l.hd)),
            gv1: Array2::zeros((t1, l.hd)),
            gv2: Array1::zeros(l.hd),
        }
    }

    fn add(&mut self, o: &Partial) {
        self.wu += &o.wu;
        self.b_out += &o.b_out;
        self.w_out += &o.w_out;
        self.w_in += &o.w_in;
        self.b_in += &o.b_in;
        self.wo += &o.wo;
        self.gc += &o.gc;
        self.sig0 += &o.sig0;
        self.sig1 += &o.sig1;
        self.sig2 += &o.sig2;
        self.gv0 += &o.gv0;
        self.gv1 += &o.gv1;
        self.gv2 += &o.gv2;
    }
}

/// Buffers of one input-Jacobian computation (one class per row), reused across pairs.
struct JacobianScratch {
    gm: Array2<f64>,
    gr: Array2<f64>,
    gz: Array2<f64>,
    gk0: Array2<f64>,
    gk1: Array2<f64>,
    gv0: Array2<f64>,
    gv1: Array2<f64>,
    gx0: Array2<f64>,
    gx1: Array2<f64>,
    j: Array2<f64>,
}

impl JacobianScratch {
    fn new(l: &Layout) -> JacobianScratch {
        let z = |cols: usize| Array2::<f64>::zeros((l.c, cols));
        JacobianScratch {
            gm: z(l.dm),
            gr: z(l.d),
            gz: z(l.hd),
            gk0: z(l.hd),
            gk1: z(l.hd),
            gv0: z(l.hd),
            gv1: z(l.hd),
            gx0: z(l.d),
            gx1: z(l.d),
            j: z(2 * l.n),
        }
    }
}

/// Number of workers for the current rayon pool.
fn workers() -> usize {
    rayon::current_num_threads().max(1)
}

impl Transformer {
    /// A freshly initialized model for `n_symbols` operands and `n_classes` labels (see the
    /// module documentation for the initialization). Errors name `net.d_model`, `net.n_heads`,
    /// `net.d_head`, `net.d_mlp`, `net.init_scale`, `net.n_symbols`, `net.n_classes`.
    pub fn new(
        cfg: TransformerConfig,
        n_symbols: usize,
        n_classes: usize,
        seed: u64,
    ) -> Result<Transformer> {
        let mut t = Transformer::zeros(cfg, n_symbols, n_classes)?;
        let l = &t.layout;
        let s = cfg.init_scale;
        let (d, hd, dm) = (l.d as f64, l.hd as f64, l.dm as f64);
        // (start, end, std) in layout order; the biases stay zero.
        let blocks = [
            (l.we, l.wq, s / d.sqrt()),
            (l.wq, l.wo, s / d.sqrt()),
            (l.wo, l.w_in, s / hd.sqrt()),
            (l.w_in, l.b_in, s / d.sqrt()),
            (l.w_out, l.b_out, s / dm.sqrt()),
            (l.wu, l.len, s / d.sqrt()),
        ];
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for (lo, hi, std) in blocks {
            for p in &mut t.params[lo..hi] {
                *p = std * standard_normal(&mut rng);
            }
        }
        Ok(t)
    }

    /// A model with the given parameters (layout of the module documentation); `net.params` is
    /// named when the length does not match.
    pub fn from_params(
        cfg: TransformerConfig,
        n_symbols: usize,
        n_classes: usize,
        params: Vec<f64>,
    ) -> Result<Transformer> {
        let mut t = Transformer::zeros(cfg, n_symbols, n_classes)?;
        if params.len() != t.params.len() {
            return Err(Error::param(
                "net.params",
                format!("{} values", params.len()),
                format!("{} values for this configuration", t.params.len()),
            ));
        }
        t.params = params;
        Ok(t)
    }

    fn zeros(cfg: TransformerConfig, n_symbols: usize, n_classes: usize) -> Result<Transformer> {
        cfg.validate()?;
        if n_symbols == 0 || n_symbols > u32::MAX as usize - 1 {
            return Err(Error::param("net.n_symbols", n_symbols, "an integer ≥ 1"));
        }
        if n_classes == 0 {
            return Err(Error::param("net.n_classes", n_classes, "an integer ≥ 1"));
        }
        let layout = Layout::new(&cfg, n_symbols, n_classes)
            .filter(|l| l.len <= MAX_PARAMS)
            .ok_or_else(|| {
                Error::param(
                    "net.d_model",
                    cfg.d_model,
                    format!("sizes with at most {MAX_PARAMS} parameters in all"),
                )
            })?;
        Ok(Transformer {
            cfg,
            params: vec![0.0; layout.len],
            layout,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &TransformerConfig {
        &self.cfg
    }

    /// Number of operand symbols `n` (the vocabulary is `n + 1`).
    pub fn n_symbols(&self) -> usize {
        self.layout.n
    }

    /// Number of output classes.
    pub fn n_classes(&self) -> usize {
        self.layout.c
    }

    /// All parameters, in the layout of the module documentation.
    pub fn params(&self) -> &[f64] {
        &self.params
    }

    /// All parameters, mutable (same layout).
    pub fn params_mut(&mut self) -> &mut [f64] {
        &mut self.params
    }

    /// Named parameter blocks `(name, offset, shape)` in layout order (`W_E`, `W_pos`, `W_Q`, `W_K`,
    /// `W_V`, `W_O`, `W_in`, `b_in`, `W_out`, `b_out`, `W_U`); vectors have one dimension.
    pub fn blocks(&self) -> Vec<(&'static str, usize, Vec<usize>)> {
        let l = &self.layout;
        vec![
            ("W_E", l.we, vec![l.n + 1, l.d]),
            ("W_pos", l.pos, vec![3, l.d]),
            ("W_Q", l.wq, vec![l.d, l.hd]),
            ("W_K", l.wk, vec![l.d, l.hd]),
            ("W_V", l.wv, vec![l.d, l.hd]),
            ("W_O", l.wo, vec![l.hd, l.d]),
            ("W_in", l.w_in, vec![l.d, l.dm]),
            ("b_in", l.b_in, vec![l.dm]),
            ("W_out", l.w_out, vec![l.dm, l.d]),
            ("b_out", l.b_out, vec![l.d]),
            ("W_U", l.wu, vec![l.d, l.c]),
        ]
    }

    fn w(&self, off: usize, rows: usize, cols: usize) -> ArrayView2<'_, f64> {
        mat(&self.params, off, rows, cols)
    }

    fn vec(&self, off: usize, len: usize) -> ArrayView1<'_, f64> {
        ArrayView1::from(&self.params[off..off + len])
    }

    /// The operand rows of `W_E` (tokens 0..n) plus the position-`p` embedding.
    fn operand_rows(&self, p: usize) -> Array2<f64> {
        let l = &self.layout;
        let pos = self.w(l.pos, 3, l.d).row(p).to_owned();
        let mut x = self.w(l.we, l.n, l.d).to_owned();
        x += &pos;
        x
    }

    /// Forward pass of the pairs `(a[i], b[i])`. Panics if the lengths differ or a token is ≥ n.
    pub fn forward(&self, a: &[u32], b: &[u32]) -> TransformerCache {
        let n = self.layout.n;
        assert_eq!(a.len(), b.len(), "forward: a and b differ in length");
        assert!(
            a.iter().chain(b).all(|&t| (t as usize) < n),
            "forward: operand token ≥ n = {n}"
        );
        self.forward_tables(self.operand_rows(0), self.operand_rows(1), a, b)
    }

    /// Logits for one pair given the two operand embedding rows directly: `x_0 = e0 + W_pos[0]`,
    /// `x_1 = e1 + W_pos[1]` (so `e0 = W_E[a]` gives `forward(&[a], &[b])`). For relaxed,
    /// real-valued inputs `e0 = Σ_i x_i W_E[i]`, the derivative checked by
    /// [`Transformer::input_jacobian`].
    pub fn forward_embedded(&self, e0: &[f64], e1: &[f64]) -> Array1<f64> {
        let l = &self.layout;
        assert!(
            e0.len() == l.d && e1.len() == l.d,
            "forward_embedded: rows of length d"
        );
        let pos = self.w(l.pos, 3, l.d);
        let x0 = Array2::from_shape_fn((1, l.d), |(_, j)| e0[j] + pos[[0, j]]);
        let x1 = Array2::from_shape_fn((1, l.d), |(_, j)| e1[j] + pos[[1, j]]);
        let cache = self.forward_tables(x0, x1, &[0], &[0]);
        cache.logits.row(0).to_owned()
    }

    /// Builds the per-token tables from the residual rows of positions 0 and 1.
    fn tables(&self, x0: Array2<f64>, x1: Array2<f64>) -> Tables {
        let l = &self.layout;
        let (d, hd) = (l.d, l.hd);
        let (wq, wk, wv) = (
            self.w(l.wq, d, hd),
            self.w(l.wk, d, hd),
            self.w(l.wv, d, hd),
        );
        let c = &self.w(l.we, l.n + 1, d).row(l.n) + &self.w(l.pos, 3, d).row(2);
        let prod = |x: &Array2<f64>, w: ArrayView2<'_, f64>| {
            let mut out = Array2::zeros((x.nrows(), hd));
            matmul(out.view_mut(), x.view(), w, 1.0, false, Par::Seq);
            out
        };
        let (k0, k1, v0, v1) = (prod(&x0, wk), prod(&x1, wk), prod(&x0, wv), prod(&x1, wv));
        let q = c.dot(&wq);
        let k2 = c.dot(&wk);
        let v2 = c.dot(&wv);
        let scale = 1.0 / (l.dh as f64).sqrt();
        let scores = |k: &Array2<f64>| {
            Array2::from_shape_fn((k.nrows(), l.heads), |(t, h)| {
                let r = h * l.dh..(h + 1) * l.dh;
                dot(
                    &k.row(t).as_slice().expect("standard layout")[r.clone()],
                    &q.as_slice().expect("standard layout")[r],
                ) * scale
            })
        };
        let (s0, s1) = (scores(&k0), scores(&k1));
        let s2 = Array1::from_shape_fn(l.heads, |h| {
            let r = h * l.dh..(h + 1) * l.dh;
            dot(
                &k2.as_slice().expect("standard layout")[r.clone()],
                &q.as_slice().expect("standard layout")[r],
            ) * scale
        });
        Tables {
            x0,
            x1,
            c,
            k0,
            k1,
            v0,
            v1,
            q,
            k2,
            v2,
            s0,
            s1,
            s2,
        }
    }

    /// Forward pass where pair `i` reads row `a[i]` of `x0` and row `b[i]` of `x1` as its
    /// residual at positions 0 and 1.
    fn forward_tables(
        &self,
        x0: Array2<f64>,
        x1: Array2<f64>,
        a: &[u32],
        b: &[u32],
    ) -> TransformerCache {
        let l = &self.layout;
        let tables = self.tables(x0, x1);
        let batch = a.len();
        let n_chunks = batch.div_ceil(CHUNK);
        let chunks: Vec<(ChunkCache, Array2<f64>)> = map_items(
            n_chunks,
            workers(),
            || (),
            |i, _| {
                let lo = i * CHUNK;
                let hi = (lo + CHUNK).min(batch);
                self.forward_chunk(&tables, &a[lo..hi], &b[lo..hi])
            },
        );
        let mut logits = Array2::zeros((batch, l.c));
        let mut caches = Vec::with_capacity(n_chunks);
        for (i, (cache, lg)) in chunks.into_iter().enumerate() {
            let lo = i * CHUNK;
            logits.slice_mut(s![lo..lo + lg.nrows(), ..]).assign(&lg);
            caches.push(cache);
        }
        TransformerCache {
            logits,
            a: a.to_vec(),
            b: b.to_vec(),
            tables,
            chunks: caches,
        }
    }

    fn forward_chunk(&self, t: &Tables, a: &[u32], b: &[u32]) -> (ChunkCache, Array2<f64>) {
        let l = &self.layout;
        let (d, hd, dh, dm, heads) = (l.d, l.hd, l.dh, l.dm, l.heads);
        let rows = a.len();
        let mut alpha = Array2::<f64>::zeros((rows, 3 * heads));
        let mut z = Array2::<f64>::zeros((rows, hd));
        let v2 = t.v2.as_slice().expect("standard layout");
        for i in 0..rows {
            let (ta, tb) = (a[i] as usize, b[i] as usize);
            let v0 = t.v0.row(ta);
            let v1 = t.v1.row(tb);
            let (v0, v1) = (
                v0.as_slice().expect("standard layout"),
                v1.as_slice().expect("standard layout"),
            );
            let mut al = alpha.row_mut(i);
            let al = al.as_slice_mut().expect("standard layout");
            let mut zi = z.row_mut(i);
            let zi = zi.as_slice_mut().expect("standard layout");
            for h in 0..heads {
                let sc = [t.s0[[ta, h]], t.s1[[tb, h]], t.s2[h]];
                let mx = sc[0].max(sc[1]).max(sc[2]);
                let e = [(sc[0] - mx).exp(), (sc[1] - mx).exp(), (sc[2] - mx).exp()];
                let sum = e[0] + e[1] + e[2];
                let w = [e[0] / sum, e[1] / sum, e[2] / sum];
                al[3 * h..3 * h + 3].copy_from_slice(&w);
                for j in h * dh..(h + 1) * dh {
                    zi[j] = w[0] * v0[j] + w[1] * v1[j] + w[2] * v2[j];
                }
            }
        }
        // r = x_2 + z W_O
        let mut r = Array2::<f64>::zeros((rows, d));
        matmul(
            r.view_mut(),
            z.view(),
            self.w(l.wo, hd, d),
            1.0,
            false,
            Par::Seq,
        );
        r += &t.c;
        // m = ReLU(r W_in + b_in)
        let mut m = Array2::<f64>::zeros((rows, dm));
        matmul(
            m.view_mut(),
            r.view(),
            self.w(l.w_in, d, dm),
            1.0,
            false,
            Par::Seq,
        );
        m += &self.vec(l.b_in, dm);
        m.mapv_inplace(|u| u.max(0.0));
        // r' = r + m W_out + b_out
        let mut r2 = Array2::<f64>::zeros((rows, d));
        matmul(
            r2.view_mut(),
            m.view(),
            self.w(l.w_out, dm, d),
            1.0,
            false,
            Par::Seq,
        );
        r2 += &self.vec(l.b_out, d);
        r2 += &r;
        let mut logits = Array2::<f64>::zeros((rows, l.c));
        matmul(
            logits.view_mut(),
            r2.view(),
            self.w(l.wu, d, l.c),
            1.0,
            false,
            Par::Seq,
        );
        (ChunkCache { alpha, z, r, m, r2 }, logits)
    }

    /// Accumulates `∂L/∂params` into `grad` given `dlogits = ∂L/∂logits` (batch × n_classes) for
    /// the batch of `cache`. Panics on mismatched shapes.
    pub fn backward(
        &self,
        cache: &TransformerCache,
        dlogits: ArrayView2<'_, f64>,
        grad: &mut [f64],
    ) {
        let l = &self.layout;
        let (gx0, gx1, gc) = self.backward_tables(cache, dlogits, grad);
        // x0[t] = W_E[t] + W_pos[0], x1[t] = W_E[t] + W_pos[1], x_2 = W_E[n] + W_pos[2].
        let mut gwe = &gx0 + &gx1;
        gwe.push_row(gc.view()).expect("d columns");
        add_block(grad, l.we, gwe.view());
        let gpos = ndarray::stack![Axis(0), gx0.sum_axis(Axis(0)), gx1.sum_axis(Axis(0)), gc];
        add_block(grad, l.pos, gpos.view());
    }

    /// The backward pass down to the residual rows: accumulates the gradients of every block from
    /// `W_Q` on into `grad` and returns `∂L/∂x0`, `∂L/∂x1` (per table row) and `∂L/∂x_2`.
    fn backward_tables(
        &self,
        cache: &TransformerCache,
        dlogits: ArrayView2<'_, f64>,
        grad: &mut [f64],
    ) -> (Array2<f64>, Array2<f64>, Array1<f64>) {
        let l = &self.layout;
        let (d, hd, dh) = (l.d, l.hd, l.dh);
        let batch = cache.a.len();
        assert_eq!(
            dlogits.dim(),
            (batch, l.c),
            "backward: dlogits is batch × n_classes"
        );
        assert_eq!(grad.len(), l.len, "backward: grad has the length of params");
        let t = &cache.tables;
        let (t0, t1) = (t.x0.nrows(), t.x1.nrows());
        let partials: Vec<Partial> = map_items(
            cache.chunks.len(),
            workers(),
            || (),
            |i, _| {
                let lo = i * CHUNK;
                let rows = cache.chunks[i].r.nrows();
                self.backward_chunk(
                    t,
                    &cache.chunks[i],
                    &cache.a[lo..lo + rows],
                    &cache.b[lo..lo + rows],
                    dlogits.slice(s![lo..lo + rows, ..]),
                )
            },
        );
        let mut p = Partial::zeros(l, t0, t1);
        for part in &partials {
            p.add(part);
        }
        add_block(grad, l.wo, p.wo.view());
        add_block(grad, l.w_in, p.w_in.view());
        add_vec(grad, l.b_in, p.b_in.view());
        add_block(grad, l.w_out, p.w_out.view());
        add_vec(grad, l.b_out, p.b_out.view());
        add_block(grad, l.wu, p.wu.view());

        // Scores s_p,h = q_h · k_p,h / √dₕ.
        let scale = 1.0 / (dh as f64).sqrt();
        let gk = |sig: &Array2<f64>| {
            Array2::from_shape_fn((sig.nrows(), hd), |(r, j)| {
                sig[[r, j / dh]] * t.q[j] * scale
            })
        };
        let (gk0, gk1) = (gk(&p.sig0), gk(&p.sig1));
        let gk2 = Array1::from_shape_fn(hd, |j| p.sig2[j / dh] * t.q[j] * scale);
        let mut gq = Array1::from_shape_fn(hd, |j| p.sig2[j / dh] * t.k2[j] * scale);
        for (sig, k) in [(&p.sig0, &t.k0), (&p.sig1, &t.k1)] {
            for r in 0..sig.nrows() {
                for j in 0..hd {
                    gq[j] += sig[[r, j / dh]] * k[[r, j]] * scale;
                }
            }
        }
        let wq = self.w(l.wq, d, hd);
        let wk = self.w(l.wk, d, hd);
        let wv = self.w(l.wv, d, hd);
        add_block(grad, l.wq, outer(&t.c, &gq).view());
        let mut gwk = outer(&t.c, &gk2);
        matmul(gwk.view_mut(), t.x0.t(), gk0.view(), 1.0, true, Par::Seq);
        matmul(gwk.view_mut(), t.x1.t(), gk1.view(), 1.0, true, Par::Seq);
        add_block(grad, l.wk, gwk.view());
        let mut gwv = outer(&t.c, &p.gv2);
        matmul(gwv.view_mut(), t.x0.t(), p.gv0.view(), 1.0, true, Par::Seq);
        matmul(gwv.view_mut(), t.x1.t(), p.gv1.view(), 1.0, true, Par::Seq);
        add_block(grad, l.wv, gwv.view());

        let gx = |gk: &Array2<f64>, gv: &Array2<f64>| {
            let mut out = Array2::<f64>::zeros((gk.nrows(), d));
            matmul(out.view_mut(), gk.view(), wk.t(), 1.0, false, Par::Seq);
            matmul(out.view_mut(), gv.view(), wv.t(), 1.0, true, Par::Seq);
            out
        };
        let gx0 = gx(&gk0, &p.gv0);
        let gx1 = gx(&gk1, &p.gv1);
        let gc = &p.gc + &wq.dot(&gq) + wk.dot(&gk2) + wv.dot(&p.gv2);
        (gx0, gx1, gc)
    }

    fn backward_chunk(
        &self,
        t: &Tables,
        cc: &ChunkCache,
        a: &[u32],
        b: &[u32],
        gl: ArrayView2<'_, f64>,
    ) -> Partial {
        let l = &self.layout;
        let (d, hd, dh, dm, heads) = (l.d, l.hd, l.dh, l.dm, l.heads);
        let rows = a.len();
        let mut p = Partial::zeros(l, t.x0.nrows(), t.x1.nrows());
        let wu = self.w(l.wu, d, l.c);
        let w_out = self.w(l.w_out, dm, d);
        let w_in = self.w(l.w_in, d, dm);
        let wo = self.w(l.wo, hd, d);
        // logits = r' W_U
        matmul(p.wu.view_mut(), cc.r2.t(), gl, 1.0, false, Par::Seq);
        let mut gr = Array2::<f64>::zeros((rows, d)); // ∂L/∂r', then ∂L/∂r
        matmul(gr.view_mut(), gl, wu.t(), 1.0, false, Par::Seq);
        // r' = r + m W_out + b_out
        p.b_out = gr.sum_axis(Axis(0));
        matmul(
            p.w_out.view_mut(),
            cc.m.t(),
            gr.view(),
            1.0,
            false,
            Par::Seq,
        );
        let mut gu = Array2::<f64>::zeros((rows, dm));
        matmul(gu.view_mut(), gr.view(), w_out.t(), 1.0, false, Par::Seq);
        ndarray::Zip::from(&mut gu).and(&cc.m).for_each(|g, &m| {
            if m <= 0.0 {
                *g = 0.0;
            }
        });
        // m = ReLU(r W_in + b_in)
        matmul(p.w_in.view_mut(), cc.r.t(), gu.view(), 1.0, false, Par::Seq);
        p.b_in = gu.sum_axis(Axis(0));
        matmul(gr.view_mut(), gu.view(), w_in.t(), 1.0, true, Par::Seq);
        // r = x_2 + z W_O
        p.gc = gr.sum_axis(Axis(0));
        matmul(p.wo.view_mut(), cc.z.t(), gr.view(), 1.0, false, Par::Seq);
        let mut gz = Array2::<f64>::zeros((rows, hd));
        matmul(gz.view_mut(), gr.view(), wo.t(), 1.0, false, Par::Seq);
        // z_h = Σ_p α_h,p v_h,p ; α_h = softmax(s_h)
        let v2 = t.v2.as_slice().expect("standard layout");
        for i in 0..rows {
            let (ta, tb) = (a[i] as usize, b[i] as usize);
            let g = gz.row(i);
            let g = g.as_slice().expect("standard layout");
            let al = cc.alpha.row(i);
            let al = al.as_slice().expect("standard layout");
            let v0 = t.v0.row(ta);
            let v1 = t.v1.row(tb);
            let (v0, v1) = (
                v0.as_slice().expect("standard layout"),
                v1.as_slice().expect("standard layout"),
            );
            for h in 0..heads {
                let r = h * dh..(h + 1) * dh;
                let ga = [
                    dot(&g[r.clone()], &v0[r.clone()]),
                    dot(&g[r.clone()], &v1[r.clone()]),
                    dot(&g[r.clone()], &v2[r.clone()]),
                ];
                let w = &al[3 * h..3 * h + 3];
                let mean = w[0] * ga[0] + w[1] * ga[1] + w[2] * ga[2];
                p.sig0[[ta, h]] += w[0] * (ga[0] - mean);
                p.sig1[[tb, h]] += w[1] * (ga[1] - mean);
                p.sig2[h] += w[2] * (ga[2] - mean);
                for j in r {
                    p.gv0[[ta, j]] += w[0] * g[j];
                    p.gv1[[tb, j]] += w[1] * g[j];
                    p.gv2[j] += w[2] * g[j];
                }
            }
        }
        p
    }

    /// The input Jacobian by the general backward pass (one table row per class): the slow
    /// reference of [`Transformer::input_jacobian`].
    #[cfg(test)]
    fn input_jacobian_by_backward(&self, a: u32, b: u32) -> Array2<f64> {
        let l = &self.layout;
        let (n, c, d) = (l.n, l.c, l.d);
        assert!(
            (a as usize) < n && (b as usize) < n,
            "input_jacobian: token ≥ n = {n}"
        );
        // One table row per class, so that each class's backward pass lands in its own row.
        let x0 = self.operand_rows(0);
        let x1 = self.operand_rows(1);
        let r0 = x0.row(a as usize);
        let r1 = x1.row(b as usize);
        let x0 = Array2::from_shape_fn((c, d), |(_, j)| r0[j]);
        let x1 = Array2::from_shape_fn((c, d), |(_, j)| r1[j]);
        let idx: Vec<u32> = (0..c as u32).collect();
        let cache = self.forward_tables(x0, x1, &idx, &idx);
        let eye = Array2::<f64>::eye(c);
        let mut scratch = vec![0.0; l.len];
        let (g0, g1, _) = self.backward_tables(&cache, eye.view(), &mut scratch);
        let we = self.w(l.we, n, d);
        let mut j = Array2::<f64>::zeros((c, 2 * n));
        matmul(
            j.slice_mut(s![.., ..n]),
            g0.view(),
            we.t(),
            1.0,
            false,
            Par::Seq,
        );
        matmul(
            j.slice_mut(s![.., n..]),
            g1.view(),
            we.t(),
            1.0,
            false,
            Par::Seq,
        );
        j
    }

    /// `∂logits/∂x` (n_classes × 2n) at the pair `(a, b)`, where `x = [e_a; e_b]` enters linearly
    /// through the token embeddings: `x_0 = Σ_i x_i W_E[i] + W_pos[0]`,
    /// `x_1 = Σ_i x_{n+i} W_E[i] + W_pos[1]`. Panics if a token is ≥ n.
    pub fn input_jacobian(&self, a: u32, b: u32) -> Array2<f64> {
        let n = self.layout.n;
        assert!(
            (a as usize) < n && (b as usize) < n,
            "input_jacobian: token ≥ n = {n}"
        );
        let cache = self.forward(&[a], &[b]);
        let shared = self.jacobian_shared();
        let mut scratch = JacobianScratch::new(&self.layout);
        self.jacobian_into(
            &cache.tables,
            &cache.chunks[0],
            0,
            a,
            b,
            &shared,
            &mut scratch,
        );
        scratch.j
    }

    /// Mean input Jacobian `J̄ = (1/N) Σ_j J_j` (n_classes × 2n) and mean outer product
    /// `(1/N) Σ_j J_jᵀ J_j` (2n × 2n) over the pairs `(a[j], b[j])`: the network AGOP is the
    /// second (uncentered, as the reference), the per-class centered one is the second minus
    /// `J̄ᵀ J̄`. Chunks of pairs run in parallel, reduced in a fixed order (bit-identical for any
    /// thread count). Panics if the lengths differ, a token is ≥ n, or there are no pairs.
    pub fn input_jacobian_moments(&self, a: &[u32], b: &[u32]) -> (Array2<f64>, Array2<f64>) {
        let l = &self.layout;
        assert!(!a.is_empty(), "input_jacobian_moments: no pairs");
        let cache = self.forward(a, b);
        let shared = self.jacobian_shared();
        let parts: Vec<(Array2<f64>, Array2<f64>)> = map_items(
            cache.chunks.len(),
            workers(),
            || (),
            |ci, _| {
                let mut scratch = JacobianScratch::new(l);
                let mut sum = Array2::<f64>::zeros((l.c, 2 * l.n));
                let mut outer = Array2::<f64>::zeros((2 * l.n, 2 * l.n));
                let chunk = &cache.chunks[ci];
                let lo = ci * CHUNK;
                for i in 0..chunk.r.nrows() {
                    let (ta, tb) = (a[lo + i], b[lo + i]);
                    self.jacobian_into(&cache.tables, chunk, i, ta, tb, &shared, &mut scratch);
                    sum += &scratch.j;
                    matmul(
                        outer.view_mut(),
                        scratch.j.t(),
                        scratch.j.view(),
                        1.0,
                        true,
                        Par::Seq,
                    );
                }
                (sum, outer)
            },
        );
        let mut sum = Array2::<f64>::zeros((l.c, 2 * l.n));
        let mut outer = Array2::<f64>::zeros((2 * l.n, 2 * l.n));
        for (s_, o) in &parts {
            sum += s_;
            outer += o;
        }
        let inv = 1.0 / a.len() as f64;
        sum *= inv;
        outer *= inv;
        crate::linalg::symmetrize(&mut outer);
        (sum, outer)
    }

    /// Products shared by every pair's Jacobian: `W_Uᵀ` (c × d) and `P = (W_out W_U)ᵀ` (c × d_mlp).
    fn jacobian_shared(&self) -> (Array2<f64>, Array2<f64>) {
        let l = &self.layout;
        let wu = self.w(l.wu, l.d, l.c);
        let mut p = Array2::<f64>::zeros((l.c, l.dm));
        matmul(
            p.view_mut(),
            wu.t(),
            self.w(l.w_out, l.dm, l.d).t(),
            1.0,
            false,
            Par::Seq,
        );
        (wu.t().to_owned(), p)
    }

    /// `scratch.j ← ∂logits/∂x` for pair `row` of `chunk` (tokens `a`, `b`). With `dlogits = e_k`
    /// for every class k at once: `∂L/∂r' = W_U[:, k]`, `∂L/∂m = P[k] ⊙ 1[m > 0]`,
    /// `∂L/∂r = W_U[:, k] + (∂L/∂m) W_inᵀ`, then attention and the embedding as in the backward pass.
    #[allow(clippy::too_many_arguments)]
    fn jacobian_into(
        &self,
        t: &Tables,
        chunk: &ChunkCache,
        row: usize,
        a: u32,
        b: u32,
        shared: &(Array2<f64>, Array2<f64>),
        sc: &mut JacobianScratch,
    ) {
        let l = &self.layout;
        let (n, d, hd, dh, dm) = (l.n, l.d, l.hd, l.dh, l.dm);
        let (ta, tb) = (a as usize, b as usize);
        let m = chunk.m.row(row);
        ndarray::Zip::from(sc.gm.rows_mut())
            .and(shared.1.rows())
            .for_each(|mut g, p| {
                ndarray::Zip::from(&mut g)
                    .and(&p)
                    .and(&m)
                    .for_each(|g, &p, &m| {
                        *g = if m > 0.0 { p } else { 0.0 };
                    });
            });
        sc.gr.assign(&shared.0);
        matmul(
            sc.gr.view_mut(),
            sc.gm.view(),
            self.w(l.w_in, d, dm).t(),
            1.0,
            true,
            Par::Seq,
        );
        matmul(
            sc.gz.view_mut(),
            sc.gr.view(),
            self.w(l.wo, hd, d).t(),
            1.0,
            false,
            Par::Seq,
        );
        let scale = 1.0 / (dh as f64).sqrt();
        let al = chunk.alpha.row(row);
        let v0 = t.v0.row(ta);
        let v1 = t.v1.row(tb);
        for k in 0..l.c {
            for h in 0..l.heads {
                let r = h * dh..(h + 1) * dh;
                let (mut ga0, mut ga1, mut ga2) = (0.0, 0.0, 0.0);
                for j in r.clone() {
                    let g = sc.gz[[k, j]];
                    ga0 += g * v0[j];
                    ga1 += g * v1[j];
                    ga2 += g * t.v2[j];
                }
                let (w0, w1, w2) = (al[3 * h], al[3 * h + 1], al[3 * h + 2]);
                let mean = w0 * ga0 + w1 * ga1 + w2 * ga2;
                let (gs0, gs1) = (w0 * (ga0 - mean), w1 * (ga1 - mean));
                for j in r {
                    let g = sc.gz[[k, j]];
                    sc.gk0[[k, j]] = gs0 * t.q[j] * scale;
                    sc.gk1[[k, j]] = gs1 * t.q[j] * scale;
                    sc.gv0[[k, j]] = w0 * g;
                    sc.gv1[[k, j]] = w1 * g;
                }
            }
        }
        let (wk, wv) = (self.w(l.wk, d, hd), self.w(l.wv, d, hd));
        matmul(
            sc.gx0.view_mut(),
            sc.gk0.view(),
            wk.t(),
            1.0,
            false,
            Par::Seq,
        );
        matmul(
            sc.gx0.view_mut(),
            sc.gv0.view(),
            wv.t(),
            1.0,
            true,
            Par::Seq,
        );
        matmul(
            sc.gx1.view_mut(),
            sc.gk1.view(),
            wk.t(),
            1.0,
            false,
            Par::Seq,
        );
        matmul(
            sc.gx1.view_mut(),
            sc.gv1.view(),
            wv.t(),
            1.0,
            true,
            Par::Seq,
        );
        let we = self.w(l.we, n, d);
        matmul(
            sc.j.slice_mut(s![.., ..n]),
            sc.gx0.view(),
            we.t(),
            1.0,
            false,
            Par::Seq,
        );
        matmul(
            sc.j.slice_mut(s![.., n..]),
            sc.gx1.view(),
            we.t(),
            1.0,
            false,
            Par::Seq,
        );
    }

    /// The network's analogue of the NFM: `E Eᵀ` (2n × 2n) with `E` the 2n × d matrix of the
    /// operand rows at position 0 (`W_E[i] + W_pos[0]`, i < n) stacked over those at position 1
    /// (`W_E[i] + W_pos[1]`).
    pub fn embedding_gram(&self) -> Array2<f64> {
        let n = self.layout.n;
        let e = ndarray::concatenate![Axis(0), self.operand_rows(0), self.operand_rows(1)];
        let mut g = Array2::<f64>::zeros((2 * n, 2 * n));
        let gv: ArrayViewMut2<'_, f64> = g.view_mut();
        matmul(gv, e.view(), e.t(), 1.0, false, Par::Seq);
        crate::linalg::symmetrize(&mut g);
        g
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Transformer {
        let cfg = TransformerConfig {
            d_model: 6,
            n_heads: 2,
            d_head: 4,
            d_mlp: 7,
            init_scale: 1.0,
        };
        Transformer::new(cfg, 5, 4, 1).unwrap()
    }

    #[test]
    fn blocks_tile_the_parameter_vector() {
        let t = small();
        let mut next = 0;
        for (_, off, shape) in t.blocks() {
            assert_eq!(off, next);
            next += shape.iter().product::<usize>();
        }
        assert_eq!(next, t.params().len());
        // (n+1)d + 3d + 3·d·D + D·d + d·dm + dm + dm·d + d + d·c
        assert_eq!(next, 36 + 18 + 3 * 48 + 48 + 42 + 7 + 42 + 6 + 24);
    }

    #[test]
    fn attention_weights_are_a_distribution_and_tables_are_per_token() {
        let t = small();
        let cache = t.forward(&[0, 4, 4], &[1, 1, 3]);
        let chunk = &cache.chunks[0];
        for row in chunk.alpha.rows() {
            for h in 0..2 {
                let s: f64 = row.slice(s![3 * h..3 * h + 3]).sum();
                assert!((s - 1.0).abs() < 1e-15);
                assert!(row.slice(s![3 * h..3 * h + 3]).iter().all(|&w| w > 0.0));
            }
        }
        assert_eq!(cache.tables.k0.dim(), (5, 8));
        // Pairs sharing `a` share the position-0 attention score.
        assert_eq!(cache.tables.s0.dim(), (5, 2));
        assert_eq!(cache.logits.dim(), (3, 4));
    }

    #[test]
    fn empty_batch_gives_empty_logits_and_zero_gradient_from_the_batch() {
        let t = small();
        let cache = t.forward(&[], &[]);
        assert_eq!(cache.logits.dim(), (0, 4));
        let mut g = vec![0.0; t.params().len()];
        t.backward(&cache, Array2::<f64>::zeros((0, 4)).view(), &mut g);
        assert!(g.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn fast_input_jacobian_equals_the_general_backward_pass() {
        let mut t = small();
        // Random biases too, so that some ReLUs are off.
        for (i, p) in t.params_mut().iter_mut().enumerate() {
            *p += 0.3 * ((i as f64) * 0.7).sin();
        }
        for (a, b) in [(0u32, 0u32), (1, 4), (3, 2)] {
            let fast = t.input_jacobian(a, b);
            let slow = t.input_jacobian_by_backward(a, b);
            for (x, y) in fast.iter().zip(&slow) {
                assert!((x - y).abs() < 1e-12 * (1.0 + y.abs()), "{x} vs {y}");
            }
        }
        // The moments are the mean of J and of JᵀJ.
        let (a, b) = ([0u32, 1, 3, 3], [0u32, 4, 2, 2]);
        let (mean, outer) = t.input_jacobian_moments(&a, &b);
        let mut want_mean = Array2::<f64>::zeros(mean.dim());
        let mut want_outer = Array2::<f64>::zeros(outer.dim());
        for (&x, &y) in a.iter().zip(&b) {
            let j = t.input_jacobian_by_backward(x, y);
            want_mean += &(&j / 4.0);
            want_outer += &(j.t().dot(&j) / 4.0);
        }
        for (x, y) in mean
            .iter()
            .zip(&want_mean)
            .chain(outer.iter().zip(&want_outer))
        {
            assert!((x - y).abs() < 1e-12 * (1.0 + y.abs()), "{x} vs {y}");
        }
    }
}

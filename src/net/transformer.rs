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
//! One flat vector (`f64`, or `f32` in a float32 training loop), blocks in this order, each row-major:
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

use super::real::{lit, NetReal};
use crate::error::{Error, Result};
use crate::linalg::matmul;
use crate::parallel::map_items;
use faer::Par;
use ndarray::{s, Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis};
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
fn mat<T>(p: &[T], off: usize, rows: usize, cols: usize) -> ArrayView2<'_, T> {
    ArrayView2::from_shape((rows, cols), &p[off..off + rows * cols]).expect("parameter layout")
}

fn dot<T: NetReal>(x: &[T], y: &[T]) -> T {
    x.iter().zip(y).map(|(&a, &b)| a * b).sum()
}

/// A standard normal draw (Box–Muller; `1 − u` keeps the logarithm finite).
fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// The one-layer transformer (see the module documentation for the model, layout and init).
#[derive(Clone, Debug, PartialEq)]
pub struct Transformer<T = f64> {
    cfg: TransformerConfig,
    layout: Layout,
    params: Vec<T>,
}

/// Per-token quantities shared by every pair of a batch: the residual rows at positions 0 and 1
/// of the distinct tokens the batch uses (`x0`, `x1`; one row per token, ascending), the constant
/// row at position 2 (`c`), their keys and values, the query, and the attention scores.
#[derive(Clone, Debug)]
struct Tables<T: NetReal = f64> {
    /// The token (row of `W_E`) of each row of `x0`.
    tok0: Vec<u32>,
    /// The token of each row of `x1`.
    tok1: Vec<u32>,
    x0: Array2<T>,
    x1: Array2<T>,
    c: Array1<T>,
    k0: Array2<T>,
    k1: Array2<T>,
    v0: Array2<T>,
    v1: Array2<T>,
    q: Array1<T>,
    k2: Array1<T>,
    v2: Array1<T>,
    /// `s0[t, h] = q_h · k0[t]_h / √dₕ`.
    s0: Array2<T>,
    s1: Array2<T>,
    s2: Array1<T>,
}

/// The activations of one chunk of pairs.
#[derive(Clone, Debug)]
struct ChunkCache<T: NetReal = f64> {
    /// Attention weights, `[pair, 3h + p]`.
    alpha: Array2<T>,
    /// Head outputs (rows × D).
    z: Array2<T>,
    /// Residual after attention (rows × d).
    r: Array2<T>,
    /// MLP hidden activations after ReLU (rows × d_mlp).
    m: Array2<T>,
    /// Residual after the MLP (rows × d).
    r2: Array2<T>,
}

/// The forward pass of a batch, kept for [`Transformer::backward`].
#[derive(Clone, Debug)]
pub struct TransformerCache<T: NetReal = f64> {
    /// Logits at the `=` position, batch × n_classes.
    pub logits: Array2<T>,
    /// Row of `tables.x0` of each pair (position 0).
    a: Vec<u32>,
    /// Row of `tables.x1` of each pair (position 1).
    b: Vec<u32>,
    tables: Tables<T>,
    chunks: Vec<ChunkCache<T>>,
}

impl<T: NetReal> Drop for Tables<T> {
    /// Hands the large buffers back to this thread's free list (see [`buffers`]).
    fn drop(&mut self) {
        for a in [
            &mut self.x0,
            &mut self.x1,
            &mut self.k0,
            &mut self.k1,
            &mut self.v0,
            &mut self.v1,
        ] {
            buffers::give(std::mem::take(a));
        }
    }
}

impl<T: NetReal> Drop for ChunkCache<T> {
    /// Hands the buffers back to this thread's free list (see [`buffers`]).
    fn drop(&mut self) {
        for a in [
            &mut self.alpha,
            &mut self.z,
            &mut self.r,
            &mut self.m,
            &mut self.r2,
        ] {
            buffers::give(std::mem::take(a));
        }
    }
}

/// A per-thread free list of `T` buffers: a training step allocates the same few arrays (up to
/// d_mlp × 256 values) every step, and returning them to the system allocator made every step
/// fault its pages in again. Buffers come back zeroed; results do not depend on which buffer is
/// reused.
mod buffers {
    use super::NetReal;
    use ndarray::Array2;

    /// Buffers kept per thread.
    const KEPT: usize = 48;

    /// A `rows × cols` array of zeros, in the smallest kept buffer that is large enough.
    pub(super) fn zeros<T: NetReal>(rows: usize, cols: usize) -> Array2<T> {
        let len = rows * cols;
        let reused = T::with_free_list(|f| {
            let mut f = f.borrow_mut();
            let best = f
                .iter()
                .enumerate()
                .filter(|(_, v)| v.capacity() >= len)
                .min_by_key(|(_, v)| v.capacity())
                .map(|(i, _)| i);
            best.map(|i| f.swap_remove(i))
        })
        .flatten();
        let mut v = reused.unwrap_or_default();
        v.clear();
        v.resize(len, T::zero());
        Array2::from_shape_vec((rows, cols), v).expect("rows × cols values")
    }

    /// Keeps the buffer of `a` for a later [`zeros`] on this thread (drops it when the list is full).
    pub(super) fn give<T: NetReal>(a: Array2<T>) {
        let (v, _) = a.into_raw_vec_and_offset();
        if v.capacity() == 0 {
            return;
        }
        T::with_free_list(|f| {
            let mut f = f.borrow_mut();
            if f.len() < KEPT {
                f.push(v);
            }
        });
    }
}

/// Gradients of the attention inputs accumulated per table row (summed over chunks in order).
struct AttnGrad<T: NetReal> {
    /// Σ over pairs of ∂L/∂r (the direct path into `x_2`).
    gc: Array1<T>,
    /// ∂L/∂score scatter-added per table row: `[t, h]`.
    sig0: Array2<T>,
    sig1: Array2<T>,
    sig2: Array1<T>,
    /// ∂L/∂value scatter-added per table row.
    gv0: Array2<T>,
    gv1: Array2<T>,
    gv2: Array1<T>,
}

impl<T: NetReal> AttnGrad<T> {
    fn zeros(l: &Layout, t0: usize, t1: usize) -> AttnGrad<T> {
        AttnGrad {
            gc: Array1::zeros(l.d),
            sig0: Array2::zeros((t0, l.heads)),
            sig1: Array2::zeros((t1, l.heads)),
            sig2: Array1::zeros(l.heads),
            gv0: buffers::zeros(t0, l.hd),
            gv1: buffers::zeros(t1, l.hd),
            gv2: Array1::zeros(l.hd),
        }
    }

    fn add(&mut self, o: &AttnGrad<T>) {
        self.gc += &o.gc;
        self.sig0 += &o.sig0;
        self.sig1 += &o.sig1;
        self.sig2 += &o.sig2;
        self.gv0 += &o.gv0;
        self.gv1 += &o.gv1;
        self.gv2 += &o.gv2;
    }

    fn recycle(self) {
        buffers::give(self.gv0);
        buffers::give(self.gv1);
    }
}

/// Where one chunk accumulates the gradients of the dense blocks: the gradient vector's own
/// blocks (a batch of one chunk) or the chunk's [`Partial`].
struct WeightGrads<'a, T> {
    wu: ArrayViewMut2<'a, T>,
    b_out: ArrayViewMut1<'a, T>,
    w_out: ArrayViewMut2<'a, T>,
    w_in: ArrayViewMut2<'a, T>,
    b_in: ArrayViewMut1<'a, T>,
    wo: ArrayViewMut2<'a, T>,
}

impl<T: NetReal> WeightGrads<'_, T> {
    fn add(&mut self, p: &Partial<T>) {
        self.wu += &p.wu;
        self.b_out += &p.b_out;
        self.w_out += &p.w_out;
        self.w_in += &p.w_in;
        self.b_in += &p.b_in;
        self.wo += &p.wo;
    }
}

/// One chunk's contribution to the gradient, for batches of several chunks (added in chunk order).
struct Partial<T: NetReal> {
    wu: Array2<T>,
    b_out: Array1<T>,
    w_out: Array2<T>,
    w_in: Array2<T>,
    b_in: Array1<T>,
    wo: Array2<T>,
    attn: AttnGrad<T>,
}

impl<T: NetReal> Partial<T> {
    fn zeros(l: &Layout, t0: usize, t1: usize) -> Partial<T> {
        Partial {
            wu: Array2::zeros((l.d, l.c)),
            b_out: Array1::zeros(l.d),
            w_out: Array2::zeros((l.dm, l.d)),
            w_in: Array2::zeros((l.d, l.dm)),
            b_in: Array1::zeros(l.dm),
            wo: Array2::zeros((l.hd, l.d)),
            attn: AttnGrad::zeros(l, t0, t1),
        }
    }

    fn split(&mut self) -> (WeightGrads<'_, T>, &mut AttnGrad<T>) {
        (
            WeightGrads {
                wu: self.wu.view_mut(),
                b_out: self.b_out.view_mut(),
                w_out: self.w_out.view_mut(),
                w_in: self.w_in.view_mut(),
                b_in: self.b_in.view_mut(),
                wo: self.wo.view_mut(),
            },
            &mut self.attn,
        )
    }
}

/// The parameter blocks of a gradient vector, mutable and disjoint (layout order).
struct GradBlocks<'a, T> {
    we: &'a mut [T],
    pos: &'a mut [T],
    wq: &'a mut [T],
    wk: &'a mut [T],
    wv: &'a mut [T],
    wo: &'a mut [T],
    w_in: &'a mut [T],
    b_in: &'a mut [T],
    w_out: &'a mut [T],
    b_out: &'a mut [T],
    wu: &'a mut [T],
}

impl<'a, T: NetReal> GradBlocks<'a, T> {
    fn new(g: &'a mut [T], l: &Layout) -> GradBlocks<'a, T> {
        let (we, g) = g.split_at_mut(l.pos - l.we);
        let (pos, g) = g.split_at_mut(l.wq - l.pos);
        let (wq, g) = g.split_at_mut(l.wk - l.wq);
        let (wk, g) = g.split_at_mut(l.wv - l.wk);
        let (wv, g) = g.split_at_mut(l.wo - l.wv);
        let (wo, g) = g.split_at_mut(l.w_in - l.wo);
        let (w_in, g) = g.split_at_mut(l.b_in - l.w_in);
        let (b_in, g) = g.split_at_mut(l.w_out - l.b_in);
        let (w_out, g) = g.split_at_mut(l.b_out - l.w_out);
        let (b_out, wu) = g.split_at_mut(l.wu - l.b_out);
        GradBlocks {
            we,
            pos,
            wq,
            wk,
            wv,
            wo,
            w_in,
            b_in,
            w_out,
            b_out,
            wu,
        }
    }

    /// The dense blocks as matrices, for [`Transformer::backward_chunk`].
    fn dense(&mut self, l: &Layout) -> WeightGrads<'_, T> {
        fn m<T>(s: &mut [T], r: usize, c: usize) -> ArrayViewMut2<'_, T> {
            ArrayViewMut2::from_shape((r, c), s).expect("parameter layout")
        }
        WeightGrads {
            wu: m(self.wu, l.d, l.c),
            b_out: ArrayViewMut1::from(&mut *self.b_out),
            w_out: m(self.w_out, l.dm, l.d),
            w_in: m(self.w_in, l.d, l.dm),
            b_in: ArrayViewMut1::from(&mut *self.b_in),
            wo: m(self.wo, l.hd, l.d),
        }
    }
}

/// The distinct values of `t` (each < n) in ascending order and, per entry of `t`, its index
/// among them.
fn distinct(t: &[u32], n: usize) -> (Vec<u32>, Vec<u32>) {
    let mut row = vec![u32::MAX; n];
    for &x in t {
        row[x as usize] = 0;
    }
    let mut values = Vec::new();
    for (v, r) in row.iter_mut().enumerate() {
        if *r == 0 {
            *r = values.len() as u32;
            values.push(v as u32);
        }
    }
    (values, t.iter().map(|&x| row[x as usize]).collect())
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

/// The hidden units of the MLP block are cut into two contiguous blocks whatever the thread count
/// (`0..mlp_half(dm)`, `mlp_half(dm)..dm`); a chunk's two blocks run in parallel when the pool has
/// two threads, and their sums over hidden units are added in block order, so the numbers do not
/// depend on the number of threads.
fn mlp_half(dm: usize) -> usize {
    dm.div_ceil(2)
}

/// The hidden units of MLP block `k` (0 or 1).
fn mlp_block(k: usize, dm: usize) -> std::ops::Range<usize> {
    if k == 0 {
        0..mlp_half(dm)
    } else {
        mlp_half(dm)..dm
    }
}

/// `[f(0, x[0]), f(1, x[1])]`, on two threads of the current pool when it has more than one.
fn in_two<A: Send, R: Send>(x: [A; 2], f: impl Fn(usize, A) -> R + Sync) -> [R; 2] {
    let [x0, x1] = x;
    let (r0, r1) = if workers() > 1 {
        rayon::join(|| f(0, x0), || f(1, x1))
    } else {
        (f(0, x0), f(1, x1))
    };
    [r0, r1]
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
}

impl<T: NetReal> Transformer<T> {
    /// The same model with every weight converted to `U` (rounded to `f32`, or widened to `f64`
    /// exactly).
    pub fn cast<U: NetReal>(&self) -> Transformer<U> {
        Transformer {
            cfg: self.cfg,
            layout: self.layout.clone(),
            params: self.params.iter().map(|&x| U::cast(x.wide())).collect(),
        }
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
    pub fn params(&self) -> &[T] {
        &self.params
    }

    /// All parameters, mutable (same layout).
    pub fn params_mut(&mut self) -> &mut [T] {
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

    fn w(&self, off: usize, rows: usize, cols: usize) -> ArrayView2<'_, T> {
        mat(&self.params, off, rows, cols)
    }

    fn vec(&self, off: usize, len: usize) -> ArrayView1<'_, T> {
        ArrayView1::from(&self.params[off..off + len])
    }

    /// The operand rows of `W_E` (tokens 0..n) plus the position-`p` embedding.
    fn operand_rows(&self, p: usize) -> Array2<T> {
        let all: Vec<u32> = (0..self.layout.n as u32).collect();
        self.operand_rows_of(p, &all)
    }

    /// The rows `W_E[t] + W_pos[p]` for the tokens `t` of `tok`.
    fn operand_rows_of(&self, p: usize, tok: &[u32]) -> Array2<T> {
        let l = &self.layout;
        let d = l.d;
        let pos = &self.params[l.pos + p * d..l.pos + (p + 1) * d];
        let mut x = buffers::zeros(tok.len(), d);
        for (mut row, &t) in x.rows_mut().into_iter().zip(tok) {
            let e = &self.params[l.we + t as usize * d..l.we + (t as usize + 1) * d];
            for ((x, e), p) in row.iter_mut().zip(e).zip(pos) {
                *x = e + p;
            }
        }
        x
    }

    /// Forward pass of the pairs `(a[i], b[i])`. Panics if the lengths differ or a token is ≥ n.
    pub fn forward(&self, a: &[u32], b: &[u32]) -> TransformerCache<T> {
        let n = self.layout.n;
        assert_eq!(a.len(), b.len(), "forward: a and b differ in length");
        assert!(
            a.iter().chain(b).all(|&t| (t as usize) < n),
            "forward: operand token ≥ n = {n}"
        );
        // Tables only for the tokens the batch uses (a minibatch of 32 pairs of p = 61 uses
        // about 25 of the 61 at each position).
        let (tok0, ia) = distinct(a, n);
        let (tok1, ib) = distinct(b, n);
        let x0 = self.operand_rows_of(0, &tok0);
        let x1 = self.operand_rows_of(1, &tok1);
        self.forward_tables(x0, x1, tok0, tok1, ia, ib)
    }

    /// Logits for one pair given the two operand embedding rows directly: `x_0 = e0 + W_pos[0]`,
    /// `x_1 = e1 + W_pos[1]` (so `e0 = W_E[a]` gives `forward(&[a], &[b])`). For relaxed,
    /// real-valued inputs `e0 = Σ_i x_i W_E[i]`, the derivative checked by
    /// [`Transformer::input_jacobian`].
    pub fn forward_embedded(&self, e0: &[T], e1: &[T]) -> Array1<T> {
        let l = &self.layout;
        assert!(
            e0.len() == l.d && e1.len() == l.d,
            "forward_embedded: rows of length d"
        );
        let pos = self.w(l.pos, 3, l.d);
        let x0 = Array2::from_shape_fn((1, l.d), |(_, j)| e0[j] + pos[[0, j]]);
        let x1 = Array2::from_shape_fn((1, l.d), |(_, j)| e1[j] + pos[[1, j]]);
        let cache = self.forward_tables(x0, x1, vec![0], vec![0], vec![0], vec![0]);
        cache.logits.row(0).to_owned()
    }

    /// Builds the per-token tables from the residual rows of positions 0 and 1 (`tok0`, `tok1`:
    /// the token of each row).
    fn tables(&self, x0: Array2<T>, x1: Array2<T>, tok0: Vec<u32>, tok1: Vec<u32>) -> Tables<T> {
        let l = &self.layout;
        let (d, hd) = (l.d, l.hd);
        let (wq, wk, wv) = (
            self.w(l.wq, d, hd),
            self.w(l.wk, d, hd),
            self.w(l.wv, d, hd),
        );
        let c = &self.w(l.we, l.n + 1, d).row(l.n) + &self.w(l.pos, 3, d).row(2);
        let prod = |x: &Array2<T>, w: ArrayView2<'_, T>| {
            let mut out = buffers::zeros(x.nrows(), hd);
            matmul(out.view_mut(), x.view(), w, T::one(), false, Par::Seq);
            out
        };
        // Keys and values of the two operand positions, one position per thread.
        let [(k0, v0), (k1, v1)] = in_two([&x0, &x1], |_, x| (prod(x, wk), prod(x, wv)));
        let q = c.dot(&wq);
        let k2 = c.dot(&wk);
        let v2 = c.dot(&wv);
        let scale: T = lit(1.0 / (l.dh as f64).sqrt());
        let scores = |k: &Array2<T>| {
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
            tok0,
            tok1,
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
    /// residual at positions 0 and 1 (rows of tokens `tok0`, `tok1`).
    fn forward_tables(
        &self,
        x0: Array2<T>,
        x1: Array2<T>,
        tok0: Vec<u32>,
        tok1: Vec<u32>,
        a: Vec<u32>,
        b: Vec<u32>,
    ) -> TransformerCache<T> {
        let l = &self.layout;
        let tables = self.tables(x0, x1, tok0, tok1);
        let batch = a.len();
        let n_chunks = batch.div_ceil(CHUNK);
        let chunks: Vec<(ChunkCache<T>, Array2<T>)> = map_items(
            n_chunks,
            workers(),
            || (),
            |i, _| {
                let lo = i * CHUNK;
                let hi = (lo + CHUNK).min(batch);
                self.forward_chunk(&tables, &a[lo..hi], &b[lo..hi])
            },
        );
        let mut caches = Vec::with_capacity(n_chunks);
        let logits = if n_chunks == 1 {
            let (cache, lg) = chunks.into_iter().next().expect("one chunk");
            caches.push(cache);
            lg
        } else {
            let mut logits = buffers::zeros(batch, l.c);
            for (i, (cache, lg)) in chunks.into_iter().enumerate() {
                let lo = i * CHUNK;
                logits.slice_mut(s![lo..lo + lg.nrows(), ..]).assign(&lg);
                buffers::give(lg);
                caches.push(cache);
            }
            logits
        };
        TransformerCache {
            logits,
            a,
            b,
            tables,
            chunks: caches,
        }
    }

    fn forward_chunk(&self, t: &Tables<T>, a: &[u32], b: &[u32]) -> (ChunkCache<T>, Array2<T>) {
        let l = &self.layout;
        let (d, hd, dh, dm, heads) = (l.d, l.hd, l.dh, l.dm, l.heads);
        let rows = a.len();
        let mut alpha = buffers::zeros(rows, 3 * heads);
        let mut z = buffers::zeros(rows, hd);
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
        let mut r = buffers::zeros(rows, d);
        matmul(
            r.view_mut(),
            z.view(),
            self.w(l.wo, hd, d),
            T::one(),
            false,
            Par::Seq,
        );
        r += &t.c;
        // m = ReLU(r W_in + b_in) and r' = r + m W_out + b_out, by blocks of hidden units:
        // r' = r + b_out + Σ_k m[:, k] W_out[k, :] summed in block order.
        let mut m = buffers::zeros(rows, dm);
        let mut r2 = buffers::zeros(rows, d);
        let mut p1 = buffers::zeros(rows, d);
        let (w_in, b_in, w_out) = (
            self.w(l.w_in, d, dm),
            self.vec(l.b_in, dm),
            self.w(l.w_out, dm, d),
        );
        let half = mlp_half(dm);
        let (m0, m1) = m.view_mut().split_at(Axis(1), half);
        let rv = r.view();
        in_two(
            [(m0, r2.view_mut()), (m1, p1.view_mut())],
            |k, (mut mk, mut pk)| {
                let cols = mlp_block(k, dm);
                matmul(
                    mk.view_mut(),
                    rv,
                    w_in.slice(s![.., cols.clone()]),
                    T::one(),
                    false,
                    Par::Seq,
                );
                let bk = b_in.slice(s![cols.clone()]);
                for mut row in mk.rows_mut() {
                    for (u, &bb) in row.iter_mut().zip(&bk) {
                        *u = (*u + bb).max(T::zero());
                    }
                }
                matmul(
                    pk.view_mut(),
                    mk.view(),
                    w_out.slice(s![cols, ..]),
                    T::one(),
                    false,
                    Par::Seq,
                );
            },
        );
        r2 += &p1;
        buffers::give(p1);
        r2 += &self.vec(l.b_out, d);
        r2 += &r;
        let mut logits = buffers::zeros(rows, l.c);
        matmul(
            logits.view_mut(),
            r2.view(),
            self.w(l.wu, d, l.c),
            T::one(),
            false,
            Par::Seq,
        );
        (ChunkCache { alpha, z, r, m, r2 }, logits)
    }

    /// Accumulates `∂L/∂params` into `grad` given `dlogits = ∂L/∂logits` (batch × n_classes) for
    /// the batch of `cache`. Panics on mismatched shapes.
    pub fn backward(
        &self,
        cache: &TransformerCache<T>,
        dlogits: ArrayView2<'_, T>,
        grad: &mut [T],
    ) {
        let l = &self.layout;
        let (n, d) = (l.n, l.d);
        let (gx0, gx1, gc) = self.backward_tables(cache, dlogits, grad);
        let t = &cache.tables;
        let g = GradBlocks::new(grad, l);
        // x0[r] = W_E[tok0[r]] + W_pos[0], x1[r] = W_E[tok1[r]] + W_pos[1], x_2 = W_E[n] + W_pos[2]:
        // scatter-add the table rows into the embedding rows of their tokens.
        for (p, gx, tok) in [(0, &gx0, &t.tok0), (1, &gx1, &t.tok1)] {
            for (row, &tk) in gx.rows().into_iter().zip(tok) {
                let dst = &mut g.we[tk as usize * d..(tk as usize + 1) * d];
                for (g, x) in dst.iter_mut().zip(row) {
                    *g += x;
                }
            }
            let sum = gx.sum_axis(Axis(0));
            for (g, x) in g.pos[p * d..(p + 1) * d].iter_mut().zip(&sum) {
                *g += x;
            }
        }
        for (g, x) in g.we[n * d..(n + 1) * d].iter_mut().zip(&gc) {
            *g += x;
        }
        for (g, x) in g.pos[2 * d..3 * d].iter_mut().zip(&gc) {
            *g += x;
        }
        buffers::give(gx0);
        buffers::give(gx1);
    }

    /// The backward pass down to the residual rows: accumulates the gradients of every block from
    /// `W_Q` on into `grad` and returns `∂L/∂x0`, `∂L/∂x1` (per table row) and `∂L/∂x_2`.
    fn backward_tables(
        &self,
        cache: &TransformerCache<T>,
        dlogits: ArrayView2<'_, T>,
        grad: &mut [T],
    ) -> (Array2<T>, Array2<T>, Array1<T>) {
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
        let mut g = GradBlocks::new(grad, l);
        let mut p = AttnGrad::zeros(l, t0, t1);
        if cache.chunks.len() == 1 {
            // One chunk (every minibatch up to CHUNK pairs): straight into the gradient.
            self.backward_chunk(
                t,
                &cache.chunks[0],
                &cache.a,
                &cache.b,
                dlogits,
                &mut g.dense(l),
                &mut p,
            );
        } else {
            let partials: Vec<Partial<T>> = map_items(
                cache.chunks.len(),
                workers(),
                || (),
                |i, _| {
                    let lo = i * CHUNK;
                    let rows = cache.chunks[i].r.nrows();
                    let mut part = Partial::zeros(l, t0, t1);
                    let (mut sink, attn) = part.split();
                    self.backward_chunk(
                        t,
                        &cache.chunks[i],
                        &cache.a[lo..lo + rows],
                        &cache.b[lo..lo + rows],
                        dlogits.slice(s![lo..lo + rows, ..]),
                        &mut sink,
                        attn,
                    );
                    part
                },
            );
            let mut dense = g.dense(l);
            for part in partials {
                dense.add(&part);
                p.add(&part.attn);
                part.attn.recycle();
            }
        }

        // Scores s_p,h = q_h · k_p,h / √dₕ.
        let scale: T = lit(1.0 / (dh as f64).sqrt());
        let gk = |sig: &Array2<T>| {
            let mut out = buffers::zeros(sig.nrows(), hd);
            for (mut o, s) in out.rows_mut().into_iter().zip(sig.rows()) {
                for (j, o) in o.iter_mut().enumerate() {
                    *o = s[j / dh] * t.q[j] * scale;
                }
            }
            out
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
        let outer_add = |dst: &mut [T], v: &Array1<T>| {
            for (row, &ci) in dst.chunks_exact_mut(hd).zip(&t.c) {
                for (g, &vj) in row.iter_mut().zip(v) {
                    *g += ci * vj;
                }
            }
        };
        outer_add(g.wq, &gq);
        // ∂L/∂W_K and ∂L/∂W_V, one per thread (each summed in the same order as alone).
        in_two(
            [
                (&mut *g.wk, &gk2, &gk0, &gk1),
                (&mut *g.wv, &p.gv2, &p.gv0, &p.gv1),
            ],
            |_, (dst, g2, g0, g1)| {
                outer_add(dst, g2);
                let mut gw = ArrayViewMut2::from_shape((d, hd), dst).expect("parameter layout");
                matmul(gw.view_mut(), t.x0.t(), g0.view(), T::one(), true, Par::Seq);
                matmul(gw.view_mut(), t.x1.t(), g1.view(), T::one(), true, Par::Seq);
            },
        );

        let gx = |gk: &Array2<T>, gv: &Array2<T>| {
            let mut out = buffers::zeros(gk.nrows(), d);
            matmul(out.view_mut(), gk.view(), wk.t(), T::one(), false, Par::Seq);
            matmul(out.view_mut(), gv.view(), wv.t(), T::one(), true, Par::Seq);
            out
        };
        let [gx0, gx1] = in_two([(&gk0, &p.gv0), (&gk1, &p.gv1)], |_, (gk, gv)| gx(gk, gv));
        let gc = &p.gc + &wq.dot(&gq) + wk.dot(&gk2) + wv.dot(&p.gv2);
        buffers::give(gk0);
        buffers::give(gk1);
        p.recycle();
        (gx0, gx1, gc)
    }

    /// One chunk's backward pass: the dense blocks' gradients added into `w`, the attention
    /// inputs' into `p`.
    #[allow(clippy::too_many_arguments)]
    fn backward_chunk(
        &self,
        t: &Tables<T>,
        cc: &ChunkCache<T>,
        a: &[u32],
        b: &[u32],
        gl: ArrayView2<'_, T>,
        w: &mut WeightGrads<'_, T>,
        p: &mut AttnGrad<T>,
    ) {
        let l = &self.layout;
        let (d, hd, dh, dm, heads) = (l.d, l.hd, l.dh, l.dm, l.heads);
        let rows = a.len();
        let wu = self.w(l.wu, d, l.c);
        let w_out = self.w(l.w_out, dm, d);
        let w_in = self.w(l.w_in, d, dm);
        let wo = self.w(l.wo, hd, d);
        // logits = r' W_U
        matmul(w.wu.view_mut(), cc.r2.t(), gl, T::one(), true, Par::Seq);
        let mut gr = buffers::zeros(rows, d); // ∂L/∂r', then ∂L/∂r
        matmul(gr.view_mut(), gl, wu.t(), T::one(), false, Par::Seq);
        // r' = r + m W_out + b_out
        w.b_out += &gr.sum_axis(Axis(0));
        // m = ReLU(r W_in + b_in), by the blocks of hidden units of the forward pass: each block
        // owns its rows of ∂W_out, columns of ∂W_in and ∂b_in; ∂L/∂r gets the blocks' terms
        // `∂L/∂m[:, k] W_in[:, k]ᵀ` added in block order.
        let mut gu = buffers::zeros(rows, dm);
        let mut q0 = buffers::zeros(rows, d);
        let mut q1 = buffers::zeros(rows, d);
        let half = mlp_half(dm);
        {
            let (gwo0, gwo1) = w.w_out.view_mut().split_at(Axis(0), half);
            let (gwi0, gwi1) = w.w_in.view_mut().split_at(Axis(1), half);
            let (gbi0, gbi1) = w.b_in.view_mut().split_at(Axis(0), half);
            let (gu0, gu1) = gu.view_mut().split_at(Axis(1), half);
            let grv = gr.view();
            in_two(
                [
                    (gwo0, gwi0, gbi0, gu0, q0.view_mut()),
                    (gwo1, gwi1, gbi1, gu1, q1.view_mut()),
                ],
                |k, (mut gwo, mut gwi, mut gbi, mut guk, mut qk)| {
                    let cols = mlp_block(k, dm);
                    let mk = cc.m.slice(s![.., cols.clone()]);
                    matmul(gwo.view_mut(), mk.t(), grv, T::one(), true, Par::Seq);
                    matmul(
                        guk.view_mut(),
                        grv,
                        w_out.slice(s![cols.clone(), ..]).t(),
                        T::one(),
                        false,
                        Par::Seq,
                    );
                    ndarray::Zip::from(&mut guk).and(&mk).for_each(|g, &m| {
                        if m <= T::zero() {
                            *g = T::zero();
                        }
                    });
                    matmul(
                        gwi.view_mut(),
                        cc.r.t(),
                        guk.view(),
                        T::one(),
                        true,
                        Par::Seq,
                    );
                    gbi += &guk.sum_axis(Axis(0));
                    matmul(
                        qk.view_mut(),
                        guk.view(),
                        w_in.slice(s![.., cols]).t(),
                        T::one(),
                        false,
                        Par::Seq,
                    );
                },
            );
        }
        gr += &q0;
        gr += &q1;
        buffers::give(q0);
        buffers::give(q1);
        // r = x_2 + z W_O
        p.gc += &gr.sum_axis(Axis(0));
        matmul(
            w.wo.view_mut(),
            cc.z.t(),
            gr.view(),
            T::one(),
            true,
            Par::Seq,
        );
        let mut gz = buffers::zeros(rows, hd);
        matmul(gz.view_mut(), gr.view(), wo.t(), T::one(), false, Par::Seq);
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
        buffers::give(gr);
        buffers::give(gu);
        buffers::give(gz);
    }
}

impl Transformer {
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
        let cache = self.forward_tables(x0, x1, idx.clone(), idx.clone(), idx.clone(), idx);
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
            cache.a[0],
            cache.b[0],
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
                    let (ta, tb) = (cache.a[lo + i], cache.b[lo + i]);
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

    /// `scratch.j ← ∂logits/∂x` for pair `row` of `chunk` (rows `a`, `b` of the tables). With `dlogits = e_k`
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
        // One table row per distinct token: a ∈ {0, 4}, b ∈ {1, 3}.
        assert_eq!(cache.tables.tok0, [0, 4]);
        assert_eq!(cache.tables.tok1, [1, 3]);
        assert_eq!(
            (&cache.a[..], &cache.b[..]),
            (&[0, 1, 1][..], &[0, 0, 1][..])
        );
        assert_eq!(cache.tables.k0.dim(), (2, 8));
        // Pairs sharing `a` share the position-0 attention score.
        assert_eq!(cache.tables.s0.dim(), (2, 2));
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

//! The reference's fully connected networks on one-hot pairs, with hand-derived gradients.
//!
//! `OneLayerFCN`: f(x) = W₂ σ(W₁ x); `TwoLayerFCN`: f(x) = W₃ σ(W₂ σ(W₁ x)); no biases,
//! x = e_a ‖ e_b ∈ R^{2n}. Because x is one-hot, W₁x = W₁[:, a] + W₁[:, n + b] is a gather of two
//! columns and the gradient of W₁ a scatter-add into them: no product with a one-hot matrix is
//! ever formed.
//!
//! All weights live in one flat vector (so the optimizer and the training loop are model-agnostic):
//!
//! | block | shape | layout |
//! |---|---|---|
//! | E = W₁ᵀ | 2n × h | row-major: row i is column i of W₁ (the "embedding" of coordinate i) |
//! | W₂ (two-layer only) | h × h | row-major, torch's `fc2.weight` |
//! | W_out | c × h | row-major, torch's `out.weight` |
//!
//! Storing W₁ transposed makes the gather and the scatter-add touch contiguous rows.

use super::mlp_step::{hidden_blocks, sum_blocks, Block};
use super::params::{Activation, ModelKind};
use super::real::NetReal;
use crate::error::{Error, Result};
use crate::linalg::matmul;
use faer::Par;
use ndarray::{s, Array2, ArrayView2, ArrayViewMut2, Axis};

/// A fully connected network (one or two hidden layers) with its weights.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp<T = f64> {
    kind: ModelKind,
    act: Activation,
    n: usize,
    h: usize,
    c: usize,
    params: Vec<T>,
}

/// What the forward pass keeps for the backward pass.
#[derive(Clone, Debug)]
pub struct MlpCache<T = f64> {
    /// The first symbols a (0..n).
    a: Vec<u32>,
    /// The second symbols b (0..n).
    b: Vec<u32>,
    /// Pre-activations of the first hidden layer (batch × h).
    z1: Array2<T>,
    /// Pre-activations of the second hidden layer (two-layer net only).
    z2: Option<Array2<T>>,
    /// σ of the last hidden layer (batch × h).
    last: Array2<T>,
    /// The outputs f(x) (batch × c).
    pub logits: Array2<T>,
}

impl Mlp {
    /// A network with all weights zero; fill them with [`params_mut`](Self::params_mut) or
    /// [`super::init`].
    pub fn zeros(
        kind: ModelKind,
        act: Activation,
        n_symbols: usize,
        width: usize,
        n_classes: usize,
    ) -> Result<Self> {
        if kind == ModelKind::Transformer {
            return Err(Error::param(
                "net.model",
                kind.name(),
                "`mlp` or `mlp2` for a fully connected network",
            ));
        }
        if n_symbols == 0 || n_classes == 0 {
            return Err(Error::param(
                "task",
                format!("{n_symbols} symbols, {n_classes} classes"),
                "a task with at least one symbol and one class",
            ));
        }
        let len = Self::layout_len(kind, n_symbols, width, n_classes);
        Ok(Mlp {
            kind,
            act,
            n: n_symbols,
            h: width,
            c: n_classes,
            params: vec![0.0; len],
        })
    }
}

impl<T: NetReal> Mlp<T> {
    /// The same network with every weight converted to `U` (rounded to `f32`, or widened to
    /// `f64` exactly).
    pub fn cast<U: NetReal>(&self) -> Mlp<U> {
        Mlp {
            kind: self.kind,
            act: self.act,
            n: self.n,
            h: self.h,
            c: self.c,
            params: self.params.iter().map(|&x| U::cast(x.wide())).collect(),
        }
    }

    fn layout_len(kind: ModelKind, n: usize, h: usize, c: usize) -> usize {
        2 * n * h
            + match kind {
                ModelKind::Mlp | ModelKind::Transformer => 0,
                ModelKind::Mlp2 => h * h,
            }
            + c * h
    }

    /// Which network.
    pub fn kind(&self) -> ModelKind {
        self.kind
    }

    /// The activation.
    pub fn activation(&self) -> Activation {
        self.act
    }

    /// Number of symbols n (inputs are 2n-dimensional).
    pub fn n_symbols(&self) -> usize {
        self.n
    }

    /// Hidden width h.
    pub fn width(&self) -> usize {
        self.h
    }

    /// Number of classes c.
    pub fn n_classes(&self) -> usize {
        self.c
    }

    /// The flat weights (layout in the module documentation).
    pub fn params(&self) -> &[T] {
        &self.params
    }

    /// The flat weights, mutable.
    pub fn params_mut(&mut self) -> &mut [T] {
        &mut self.params
    }

    /// Offsets of the blocks: (E, W₂ if any, W_out).
    fn offsets(&self) -> (usize, Option<usize>, usize) {
        let e = 2 * self.n * self.h;
        match self.kind {
            ModelKind::Mlp | ModelKind::Transformer => (0, None, e),
            ModelKind::Mlp2 => (0, Some(e), e + self.h * self.h),
        }
    }

    /// E = W₁ᵀ (2n × h).
    pub fn embedding(&self) -> ArrayView2<'_, T> {
        view(&self.params[..2 * self.n * self.h], 2 * self.n, self.h)
    }

    /// E = W₁ᵀ, mutable.
    pub fn embedding_mut(&mut self) -> ArrayViewMut2<'_, T> {
        let (n, h) = (self.n, self.h);
        view_mut(&mut self.params[..2 * n * h], 2 * n, h)
    }

    /// W₂ (h × h) of the two-layer net.
    pub fn hidden(&self) -> Option<ArrayView2<'_, T>> {
        let (_, w2, _) = self.offsets();
        w2.map(|o| view(&self.params[o..o + self.h * self.h], self.h, self.h))
    }

    /// W_out (c × h).
    pub fn output(&self) -> ArrayView2<'_, T> {
        let (_, _, o) = self.offsets();
        view(&self.params[o..], self.c, self.h)
    }

    /// The forward pass on the pairs (a_i, b_i) (symbol indices 0..n).
    pub fn forward(&self, a: &[u32], b: &[u32]) -> MlpCache<T> {
        let (n, h) = (self.n, self.h);
        let rows = a.len().min(b.len());
        if self.kind == ModelKind::Mlp {
            return self.forward_blocks(&a[..rows], &b[..rows]);
        }
        let e = self.embedding();
        let mut z1 = Array2::<T>::zeros((rows, h));
        for (i, mut row) in z1.axis_iter_mut(Axis(0)).enumerate() {
            let ea = e.row(a[i] as usize);
            let eb = e.row(n + b[i] as usize);
            for ((z, &x), &y) in row.iter_mut().zip(ea.iter()).zip(eb.iter()) {
                *z = x + y;
            }
        }
        let act = self.act;
        let h1 = z1.mapv(|z| act.value(z));
        let (z2, last) = match self.hidden() {
            Some(w2) => {
                let mut z2 = Array2::<T>::zeros((rows, h));
                matmul(z2.view_mut(), h1.view(), w2.t(), T::one(), false, Par::Seq);
                let h2 = z2.mapv(|z| act.value(z));
                (Some(z2), h2)
            }
            None => (None, h1),
        };
        let mut logits = Array2::<T>::zeros((rows, self.c));
        matmul(
            logits.view_mut(),
            last.view(),
            self.output().t(),
            T::one(),
            false,
            Par::Seq,
        );
        MlpCache {
            a: a[..rows].to_vec(),
            b: b[..rows].to_vec(),
            z1,
            z2,
            last,
            logits,
        }
    }

    /// The one-hidden-layer forward pass, block by block of hidden units (see [`super::mlp_step`]).
    fn forward_blocks(&self, a: &[u32], b: &[u32]) -> MlpCache<T> {
        let (rows, h) = (a.len(), self.h);
        let mut z1 = Array2::<T>::zeros((rows, h));
        let mut last = Array2::<T>::zeros((rows, h));
        let mut parts = Vec::new();
        for cols in hidden_blocks(h) {
            let block = Block::of(self, cols.clone());
            let (mut z, mut sz, mut l) = (
                Array2::zeros((0, 0)),
                Array2::zeros((0, 0)),
                Array2::zeros((0, 0)),
            );
            block.forward(self.act, self.n, a, b, &mut z, &mut sz, &mut l);
            z1.slice_mut(s![.., cols.clone()]).assign(&z);
            last.slice_mut(s![.., cols]).assign(&sz);
            parts.push(l);
        }
        let mut logits = Array2::<T>::zeros((rows, self.c));
        sum_blocks(&mut logits, &parts);
        MlpCache {
            a: a.to_vec(),
            b: b.to_vec(),
            z1,
            z2: None,
            last,
            logits,
        }
    }

    /// The one-hidden-layer backward pass, block by block of hidden units.
    fn backward_blocks(&self, cache: &MlpCache<T>, dlogits: ArrayView2<'_, T>, grad: &mut [T]) {
        let (n, h) = (self.n, self.h);
        let (_, _, out_off) = self.offsets();
        let dy = dlogits.as_standard_layout();
        let (mut d, mut g_out) = (Array2::zeros((0, 0)), Array2::zeros((0, 0)));
        for cols in hidden_blocks(h) {
            let block = Block::of(self, cols.clone());
            let z = cache.z1.slice(s![.., cols.clone()]).to_owned();
            let sz = cache.last.slice(s![.., cols.clone()]).to_owned();
            let mut g_e = Array2::<T>::zeros((2 * n, cols.len()));
            block.backward(
                self.act,
                n,
                &cache.a,
                &cache.b,
                &z,
                &sz,
                dy.view(),
                &mut d,
                &mut g_e,
                &mut g_out,
            );
            for (off, part) in [(0, &g_e), (out_off, &g_out)] {
                for (r, row) in part.axis_iter(Axis(0)).enumerate() {
                    let dst = &mut grad[off + r * h + cols.start..off + r * h + cols.end];
                    dst.iter_mut().zip(row).for_each(|(g, &x)| *g += x);
                }
            }
        }
    }

    /// Adds the gradient of `Σ_ij dlogits[i, j] · f(x_i)_j` with respect to the weights to `grad`
    /// (same layout as [`params`](Self::params)).
    pub fn backward(&self, cache: &MlpCache<T>, dlogits: ArrayView2<'_, T>, grad: &mut [T]) {
        if self.kind == ModelKind::Mlp {
            return self.backward_blocks(cache, dlogits, grad);
        }
        let (n, h, c) = (self.n, self.h, self.c);
        let (_, w2_off, out_off) = self.offsets();
        let act = self.act;
        let (g_front, g_out) = grad.split_at_mut(out_off);
        // W_out: dW_out += dYᵀ H_last.
        let mut g_out = view_mut(g_out, c, h);
        matmul(
            g_out.view_mut(),
            dlogits.t(),
            cache.last.view(),
            T::one(),
            true,
            Par::Seq,
        );
        // dH_last = dY W_out.
        let rows = dlogits.nrows();
        let mut d_last = Array2::<T>::zeros((rows, h));
        matmul(
            d_last.view_mut(),
            dlogits,
            self.output(),
            T::one(),
            false,
            Par::Seq,
        );
        let (g_e, d_z1) = match (self.hidden(), w2_off, cache.z2.as_ref()) {
            (Some(w2), Some(off), Some(z2)) => {
                // dZ2 = dH2 ⊙ σ′(Z2); dW2 += dZ2ᵀ H1; dH1 = dZ2 W2.
                let mut d_z2 = d_last;
                d_z2.zip_mut_with(z2, |d, &z| *d *= act.derivative(z));
                let (g_e, g_w2) = g_front.split_at_mut(off);
                let h1 = cache.z1.mapv(|z| act.value(z));
                let mut g_w2 = view_mut(g_w2, h, h);
                matmul(
                    g_w2.view_mut(),
                    d_z2.t(),
                    h1.view(),
                    T::one(),
                    true,
                    Par::Seq,
                );
                let mut d_h1 = Array2::<T>::zeros((rows, h));
                matmul(d_h1.view_mut(), d_z2.view(), w2, T::one(), false, Par::Seq);
                (g_e, d_h1)
            }
            _ => (g_front, d_last),
        };
        let mut d_z1 = d_z1;
        d_z1.zip_mut_with(&cache.z1, |d, &z| *d *= act.derivative(z));
        // Scatter-add into the rows a and n + b of E.
        for (i, row) in d_z1.axis_iter(Axis(0)).enumerate() {
            for k in [cache.a[i] as usize, n + cache.b[i] as usize] {
                let dst = &mut g_e[k * h..(k + 1) * h];
                for (g, &d) in dst.iter_mut().zip(row.iter()) {
                    *g += d;
                }
            }
        }
    }
}

impl Mlp {
    /// The outputs on dense inputs x (rows × 2n): the same network without the one-hot
    /// shortcut, for checks (finite differences in x, the per-sample Jacobian).
    pub fn forward_dense(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let act = self.act;
        let mut z = x.dot(&self.embedding()).mapv(|v| act.value(v));
        if let Some(w2) = self.hidden() {
            z = z.dot(&w2.t()).mapv(|v| act.value(v));
        }
        z.dot(&self.output().t())
    }

    /// The per-sample factor V_j = ∂f/∂z₁ (c × h) at the pair (a, b): the Jacobian ∂f/∂x is
    /// V_j W₁ = V_j Eᵀ.
    pub fn hidden_jacobian(&self, a: u32, b: u32) -> Array2<f64> {
        let cache = self.forward(&[a], &[b]);
        let act = self.act;
        let s1 = cache.z1.row(0).mapv(|z| act.derivative(z));
        let mut v = self.output().to_owned();
        if let (Some(w2), Some(z2)) = (self.hidden(), cache.z2.as_ref()) {
            let s2 = z2.row(0).mapv(|z| act.derivative(z));
            for mut row in v.axis_iter_mut(Axis(0)) {
                row.zip_mut_with(&s2, |x, &s| *x *= s);
            }
            v = v.dot(&w2);
        }
        for mut row in v.axis_iter_mut(Axis(0)) {
            row.zip_mut_with(&s1, |x, &s| *x *= s);
        }
        v
    }

    /// ∂f/∂x (c × 2n) at x = e_a ‖ e_b.
    pub fn input_jacobian(&self, a: u32, b: u32) -> Array2<f64> {
        self.hidden_jacobian(a, b).dot(&self.embedding().t())
    }
}

pub(crate) fn view<T>(s: &[T], r: usize, c: usize) -> ArrayView2<'_, T> {
    ArrayView2::from_shape((r, c), s).expect("block size matches the layout")
}

pub(crate) fn view_mut<T>(s: &mut [T], r: usize, c: usize) -> ArrayViewMut2<'_, T> {
    ArrayViewMut2::from_shape((r, c), s).expect("block size matches the layout")
}

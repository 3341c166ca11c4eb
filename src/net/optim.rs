//! Optimizers on flat f64 slices with exactly torch.optim's update formulas (single-tensor CPU
//! path), so that a run reproduces a PyTorch run from the same weights and batches.

use super::params::{NetParams, OptimizerKind};
use serde::{Deserialize, Serialize};

/// An optimizer and its state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Optimizer {
    kind: OptimizerKind,
    lr: f64,
    weight_decay: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    momentum: f64,
    /// Steps taken.
    step: u64,
    /// First moment (AdamW) or momentum buffer (SGD).
    m: Vec<f64>,
    /// Second moment (AdamW).
    v: Vec<f64>,
    /// Worker threads of the elementwise update (an execution setting: each weight's update is
    /// the same arithmetic whichever thread does it, so results do not depend on it).
    #[serde(skip)]
    threads: usize,
}

/// Weights per work item of a parallel AdamW update.
const ADAM_CHUNK: usize = 8192;

impl Optimizer {
    /// A fresh optimizer for `len` weights.
    pub fn new(params: &NetParams, len: usize) -> Self {
        Optimizer {
            kind: params.optimizer,
            lr: params.lr,
            weight_decay: params.weight_decay,
            beta1: params.beta1,
            beta2: params.beta2,
            eps: params.eps,
            momentum: params.momentum,
            step: 0,
            m: vec![0.0; len],
            v: match params.optimizer {
                OptimizerKind::Adamw => vec![0.0; len],
                OptimizerKind::Sgd => Vec::new(),
            },
            threads: params.effective_threads(),
        }
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// Sets the worker threads of the update (an execution setting, not serialized: an
    /// optimizer read from a file has 0, one thread).
    pub fn set_threads(&mut self, threads: usize) {
        self.threads = threads;
    }

    /// The first moment (AdamW) or momentum buffer (SGD), and the second moment (AdamW; empty
    /// for SGD).
    pub fn moments(&self) -> (&[f64], &[f64]) {
        (&self.m, &self.v)
    }

    /// One update of `w` with the gradient `g`.
    pub fn step(&mut self, w: &mut [f64], g: &[f64]) {
        self.step += 1;
        match self.kind {
            OptimizerKind::Adamw => self.adamw(w, g),
            OptimizerKind::Sgd => self.sgd(w, g),
        }
    }

    /// `torch.optim.AdamW` (amsgrad off): `p ← p·(1 − lr·wd)`; `m ← m + (1 − β₁)(g − m)` (torch's
    /// `lerp` for a weight below 1/2); `v ← β₂v + ((1 − β₂)g)g`; `p ← p + (−lr/bc₁)·m / (√v/√bc₂ + ε)`
    /// with `bc_i = 1 − β_i^t`.
    fn adamw(&mut self, w: &mut [f64], g: &[f64]) {
        let t = self.step as f64;
        let (b1, b2) = (self.beta1, self.beta2);
        let bc1 = 1.0 - b1.powf(t);
        let bc2 = 1.0 - b2.powf(t);
        let (decay, lerp_w, neg_step, bc2_sqrt, eps) = (
            1.0 - self.lr * self.weight_decay,
            1.0 - b1,
            -(self.lr / bc1),
            bc2.sqrt(),
            self.eps,
        );
        let update = |w: &mut [f64], g: &[f64], m: &mut [f64], v: &mut [f64]| {
            crate::simd::dispatch(AdamwLoop {
                w,
                g,
                m,
                v,
                decay,
                lerp_w,
                b2,
                one_minus_b2: 1.0 - b2,
                neg_step,
                bc2_sqrt,
                eps,
            })
        };
        if self.threads <= 1 || w.len() < 2 * ADAM_CHUNK {
            update(w, g, &mut self.m, &mut self.v);
            return;
        }
        use rayon::prelude::*;
        let min_len = w.len().div_ceil(ADAM_CHUNK).div_ceil(self.threads);
        let chunks = w
            .par_chunks_mut(ADAM_CHUNK)
            .zip(g.par_chunks(ADAM_CHUNK))
            .zip(self.m.par_chunks_mut(ADAM_CHUNK))
            .zip(self.v.par_chunks_mut(ADAM_CHUNK));
        chunks
            .with_min_len(min_len)
            .for_each(|(((w, g), m), v)| update(w, g, m, v));
    }

    /// `torch.optim.SGD` (no dampening, no Nesterov): `d = g + wd·p`; the momentum buffer is `d`
    /// at the first step, then `μ·buf + d`; `p ← p − lr·buf`.
    fn sgd(&mut self, w: &mut [f64], g: &[f64]) {
        let (lr, wd, mu) = (self.lr, self.weight_decay, self.momentum);
        let first = self.step == 1;
        for ((p, &gi), buf) in w.iter_mut().zip(g).zip(&mut self.m) {
            let d = if wd != 0.0 { gi + wd * *p } else { gi };
            let d = if mu != 0.0 {
                *buf = if first { d } else { *buf * mu + d };
                *buf
            } else {
                d
            };
            *p += -lr * d;
        }
    }
}

/// The AdamW update of every weight, as a [`crate::simd::HotLoop`] (the same arithmetic with or
/// without AVX2: square roots and divisions are correctly rounded, no contraction into FMA).
struct AdamwLoop<'a> {
    w: &'a mut [f64],
    g: &'a [f64],
    m: &'a mut [f64],
    v: &'a mut [f64],
    decay: f64,
    lerp_w: f64,
    b2: f64,
    one_minus_b2: f64,
    neg_step: f64,
    bc2_sqrt: f64,
    eps: f64,
}

impl crate::simd::HotLoop for AdamwLoop<'_> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let AdamwLoop {
            w,
            g,
            m,
            v,
            decay,
            lerp_w,
            b2,
            one_minus_b2,
            neg_step,
            bc2_sqrt,
            eps,
        } = self;
        let len = w.len().min(g.len()).min(m.len()).min(v.len());
        let (w, g, m, v) = (&mut w[..len], &g[..len], &mut m[..len], &mut v[..len]);
        // torch's `lerp`: `m + w·(g − m)` for a weight below 1/2, `g − (g − m)(1 − w)` otherwise.
        if lerp_w < 0.5 {
            for i in 0..len {
                m[i] += lerp_w * (g[i] - m[i]);
            }
        } else {
            let k = 1.0 - lerp_w;
            for i in 0..len {
                m[i] = g[i] - (g[i] - m[i]) * k;
            }
        }
        for i in 0..len {
            let gi = g[i];
            v[i] = v[i] * b2 + one_minus_b2 * gi * gi;
            let denom = v[i].sqrt() / bc2_sqrt + eps;
            w[i] = w[i] * decay + neg_step * m[i] / denom;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AdamW written out from the algorithm box of Loshchilov & Hutter / the torch docs, one
    /// scalar at a time, as an independent check of the vectorized update.
    #[test]
    fn adamw_matches_the_textbook_update() {
        let params = NetParams {
            lr: 0.01,
            weight_decay: 0.5,
            ..NetParams::default()
        };
        let mut opt = Optimizer::new(&params, 2);
        let mut w = vec![0.3, -0.7];
        let (mut m, mut v) = ([0.0f64; 2], [0.0f64; 2]);
        let mut w_ref = w.clone();
        for t in 1..=5 {
            let g: Vec<f64> = w.iter().map(|x| 2.0 * x + t as f64 * 0.1).collect();
            let g_ref: Vec<f64> = w_ref.iter().map(|x| 2.0 * x + t as f64 * 0.1).collect();
            opt.step(&mut w, &g);
            for i in 0..2 {
                w_ref[i] -= 0.01 * 0.5 * w_ref[i];
                m[i] = 0.9 * m[i] + 0.1 * g_ref[i];
                v[i] = 0.98 * v[i] + 0.02 * g_ref[i] * g_ref[i];
                let mh = m[i] / (1.0 - 0.9f64.powi(t));
                let vh = v[i] / (1.0 - 0.98f64.powi(t));
                w_ref[i] -= 0.01 * mh / (vh.sqrt() + 1e-8 * 1.0);
            }
        }
        for i in 0..2 {
            // ε enters as ε/√bc₂ in the textbook form versus ε in torch's: equal to ~1e-8 relative.
            assert!(
                (w[i] - w_ref[i]).abs() < 1e-9 * w_ref[i].abs().max(1.0),
                "{w:?} {w_ref:?}"
            );
        }
    }

    #[test]
    fn sgd_momentum_matches_the_textbook_update() {
        let params = NetParams {
            optimizer: OptimizerKind::Sgd,
            lr: 0.1,
            weight_decay: 0.01,
            momentum: 0.9,
            ..NetParams::default()
        };
        let mut opt = Optimizer::new(&params, 1);
        let mut w = vec![1.0];
        let (mut x, mut buf) = (1.0f64, 0.0f64);
        for t in 0..4 {
            let g = 3.0 * w[0];
            opt.step(&mut w, &[g]);
            let d = 3.0 * x + 0.01 * x;
            buf = if t == 0 { d } else { 0.9 * buf + d };
            x -= 0.1 * buf;
            assert!((w[0] - x).abs() < 1e-15);
        }
    }
}

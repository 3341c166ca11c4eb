//! Optimizers on flat f64 (or f32) slices with exactly torch.optim's update formulas (single-tensor CPU
//! path), so that a run reproduces a PyTorch run from the same weights and batches.

use super::params::{NetParams, OptimizerKind};
use super::real::{lit, NetReal};
use serde::{Deserialize, Serialize};

/// An optimizer and its state, in the training type `T` (the hyper-parameters stay `f64`; each
/// step's coefficients are computed in `f64` and rounded to `T`, as torch does with Python floats).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: Deserialize<'de>"))]
pub struct Optimizer<T = f64> {
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
    m: Vec<T>,
    /// Second moment (AdamW).
    v: Vec<T>,
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
}

impl<T: NetReal> Optimizer<T> {
    /// The same optimizer with its state converted to `U` (rounded to `f32`, or widened to `f64`
    /// exactly).
    pub fn cast<U: NetReal>(&self) -> Optimizer<U> {
        let conv = |x: &[T]| x.iter().map(|&v| U::cast(v.wide())).collect();
        Optimizer {
            kind: self.kind,
            lr: self.lr,
            weight_decay: self.weight_decay,
            beta1: self.beta1,
            beta2: self.beta2,
            eps: self.eps,
            momentum: self.momentum,
            step: self.step,
            m: conv(&self.m),
            v: conv(&self.v),
            threads: self.threads,
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
    pub fn moments(&self) -> (&[T], &[T]) {
        (&self.m, &self.v)
    }

    /// One update of `w` with the gradient `g`.
    pub fn step(&mut self, w: &mut [T], g: &[T]) {
        let update = self.begin_step();
        let threads = self.threads;
        let (m, v) = (&mut self.m, &mut self.v);
        if threads <= 1 || w.len() < 2 * ADAM_CHUNK {
            update.apply(w, g, m, v);
            return;
        }
        use rayon::prelude::*;
        let min_len = w.len().div_ceil(ADAM_CHUNK).div_ceil(threads);
        let v_chunks = v
            .chunks_mut(ADAM_CHUNK)
            .map(Some)
            .chain(std::iter::repeat_with(|| None));
        let items: Vec<_> = w
            .chunks_mut(ADAM_CHUNK)
            .zip(g.chunks(ADAM_CHUNK))
            .zip(m.chunks_mut(ADAM_CHUNK))
            .zip(v_chunks)
            .collect();
        items
            .into_par_iter()
            .with_min_len(min_len)
            .for_each(|(((w, g), m), v)| update.apply(w, g, m, v.unwrap_or_default()));
    }

    /// Starts step t + 1: counts it and returns its elementwise update, to be applied to every
    /// weight exactly once (in any order and on any thread: each weight's update is the same
    /// arithmetic) with its slices of the state ([`state_mut`](Self::state_mut)).
    pub fn begin_step(&mut self) -> Update<T> {
        self.step += 1;
        self.update_at(self.step)
    }

    /// The updates of the next `count` steps, counted as taken (for a training loop that runs
    /// them elsewhere: see [`super::mlp_step`]).
    pub fn plan_steps(&mut self, count: usize) -> Vec<Update<T>> {
        (0..count).map(|_| self.begin_step()).collect()
    }

    /// The elementwise update of step `step` (1-based).
    fn update_at(&self, step: u64) -> Update<T> {
        match self.kind {
            OptimizerKind::Adamw => {
                let t = step as f64;
                let (b1, b2) = (self.beta1, self.beta2);
                let bc1 = 1.0 - b1.powf(t);
                let bc2 = 1.0 - b2.powf(t);
                Update::Adamw(AdamwCoeffs {
                    decay: lit(1.0 - self.lr * self.weight_decay),
                    lerp_w: lit(1.0 - b1),
                    b2: lit(b2),
                    one_minus_b2: lit(1.0 - b2),
                    neg_step: lit(-(self.lr / bc1)),
                    bc2_sqrt: lit(bc2.sqrt()),
                    eps: lit(self.eps),
                })
            }
            OptimizerKind::Sgd => Update::Sgd {
                lr: lit(self.lr),
                weight_decay: lit(self.weight_decay),
                momentum: lit(self.momentum),
                first: step == 1,
            },
        }
    }

    /// The state in the layout of the weights: first moment (AdamW) or momentum buffer (SGD), and
    /// the second moment (AdamW; empty for SGD).
    pub fn state_mut(&mut self) -> (&mut [T], &mut [T]) {
        (&mut self.m, &mut self.v)
    }

    /// The state, read-only (as [`state_mut`](Self::state_mut)).
    pub fn state(&self) -> (&[T], &[T]) {
        (&self.m, &self.v)
    }
}

/// The elementwise update of one optimizer step (from [`Optimizer::begin_step`]), its
/// coefficients in the training type `T`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Update<T = f64> {
    /// `torch.optim.AdamW` (amsgrad off): `p ← p·(1 − lr·wd)`; `m ← m + (1 − β₁)(g − m)` (torch's
    /// `lerp` for a weight below 1/2); `v ← β₂v + ((1 − β₂)g)g`; `p ← p + (−lr/bc₁)·m / (√v/√bc₂ + ε)`
    /// with `bc_i = 1 − β_i^t`.
    Adamw(AdamwCoeffs<T>),
    /// `torch.optim.SGD` (no dampening, no Nesterov): `d = g + wd·p`; the momentum buffer is `d`
    /// at the first step, then `μ·buf + d`; `p ← p − lr·buf`.
    Sgd {
        /// Learning rate.
        lr: T,
        /// Weight decay.
        weight_decay: T,
        /// Momentum μ.
        momentum: T,
        /// Whether this is the first step (the buffer starts at d).
        first: bool,
    },
}

/// The coefficients of one AdamW step (see [`Update::Adamw`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamwCoeffs<T = f64> {
    /// 1 − lr·wd.
    pub decay: T,
    /// 1 − β₁.
    pub lerp_w: T,
    /// β₂.
    pub b2: T,
    /// 1 − β₂.
    pub one_minus_b2: T,
    /// −lr / bc₁.
    pub neg_step: T,
    /// √bc₂.
    pub bc2_sqrt: T,
    /// ε.
    pub eps: T,
}

impl<T: NetReal> Update<T> {
    /// Updates the weights `w` with their gradient `g` and their state `m`, `v` (slices of the
    /// same weights; `v` is ignored by SGD).
    pub fn apply(&self, w: &mut [T], g: &[T], m: &mut [T], v: &mut [T]) {
        match *self {
            Update::Adamw(k) => crate::simd::dispatch(AdamwLoop { w, g, m, v, k }),
            Update::Sgd {
                lr,
                weight_decay: wd,
                momentum: mu,
                first,
            } => {
                for ((p, &gi), buf) in w.iter_mut().zip(g).zip(m.iter_mut()) {
                    let d = if wd != T::zero() { gi + wd * *p } else { gi };
                    let d = if mu != T::zero() {
                        *buf = if first { d } else { *buf * mu + d };
                        *buf
                    } else {
                        d
                    };
                    *p += -lr * d;
                }
            }
        }
    }
}

/// The AdamW update of every weight, as a [`crate::simd::HotLoop`] (the same arithmetic with or
/// without AVX2: square roots and divisions are correctly rounded, no contraction into FMA).
struct AdamwLoop<'a, T> {
    w: &'a mut [T],
    g: &'a [T],
    m: &'a mut [T],
    v: &'a mut [T],
    k: AdamwCoeffs<T>,
}

impl<T: NetReal> crate::simd::HotLoop for AdamwLoop<'_, T> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let AdamwLoop { w, g, m, v, k } = self;
        let AdamwCoeffs {
            decay,
            lerp_w,
            b2,
            one_minus_b2,
            neg_step,
            bc2_sqrt,
            eps,
        } = k;
        let len = w.len().min(g.len()).min(m.len()).min(v.len());
        let (w, g, m, v) = (&mut w[..len], &g[..len], &mut m[..len], &mut v[..len]);
        // torch's `lerp`: `m + w·(g − m)` for a weight below 1/2, `g − (g − m)(1 − w)` otherwise.
        if lerp_w < lit(0.5) {
            for i in 0..len {
                m[i] += lerp_w * (g[i] - m[i]);
            }
        } else {
            let k = T::one() - lerp_w;
            for i in 0..len {
                m[i] = g[i] - (g[i] - m[i]) * k;
            }
        }
        if bc2_sqrt == T::one() {
            // 1 − β₂^t rounds to exactly 1 after a few thousand steps (t > 1853 for β₂ = 0.98):
            // dividing by it is then the identity, and the loop saves one division per weight.
            for i in 0..len {
                let gi = g[i];
                v[i] = v[i] * b2 + one_minus_b2 * gi * gi;
                let denom = v[i].sqrt() + eps;
                w[i] = w[i] * decay + neg_step * m[i] / denom;
            }
        } else {
            for i in 0..len {
                let gi = g[i];
                v[i] = v[i] * b2 + one_minus_b2 * gi * gi;
                let denom = v[i].sqrt() / bc2_sqrt + eps;
                w[i] = w[i] * decay + neg_step * m[i] / denom;
            }
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

    /// Late steps, where 1 − β₂^t rounds to 1 and the update skips the division by √bc₂: the
    /// weights equal torch's formula (with the division) bit for bit.
    #[test]
    fn late_adamw_steps_equal_torch_formula_bit_for_bit() {
        let params = NetParams::default();
        let mut opt = Optimizer::new(&params, 3);
        let updates = opt.plan_steps(1860);
        assert_eq!(opt.steps(), 1860);
        let (mut w, mut m, mut v) = (vec![0.3, -0.7, 2.0], vec![0.0; 3], vec![0.0; 3]);
        let (mut w_ref, mut m_ref, mut v_ref) = (w.clone(), m.clone(), v.clone());
        for (t, u) in (1..=1860).zip(&updates) {
            let g: Vec<f64> = w.iter().map(|x| 0.5 * x - 0.01 * (t % 7) as f64).collect();
            let g_ref: Vec<f64> = w_ref
                .iter()
                .map(|x| 0.5 * x - 0.01 * (t % 7) as f64)
                .collect();
            u.apply(&mut w, &g, &mut m, &mut v);
            let bc1 = 1.0 - 0.9f64.powf(t as f64);
            let bc2_sqrt = (1.0 - 0.98f64.powf(t as f64)).sqrt();
            for i in 0..3 {
                w_ref[i] *= 1.0 - 1e-3 * 1.0;
                m_ref[i] += (1.0 - 0.9) * (g_ref[i] - m_ref[i]);
                v_ref[i] = v_ref[i] * 0.98 + (1.0 - 0.98) * g_ref[i] * g_ref[i];
                let denom = v_ref[i].sqrt() / bc2_sqrt + 1e-8;
                w_ref[i] += -(1e-3 / bc1) * m_ref[i] / denom;
            }
        }
        assert!(matches!(updates[1859], Update::Adamw(k) if k.bc2_sqrt == 1.0));
        assert_eq!(w, w_ref);
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

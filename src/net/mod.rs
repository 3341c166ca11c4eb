//! Neural networks on the same tasks and splits as RFM: the reference's fully connected
//! networks (`OneLayerFCN` and its two-hidden-layer variant) and the one-layer transformer of
//! Nanda et al. ([`transformer`]) with hand-derived gradients, torch's optimizers on flat weight
//! vectors, the training loop, and the network's feature matrices (NFM, AGOP in closed form, NFA
//! correlations). See SCIENCE.md §7.
//!
//! Training runs in `f64` or, with `net.precision = "f32"`, in `f32`: the models, losses,
//! optimizers and the training step are generic over [`NetReal`] ([`real`]); everything after
//! training (evaluation, feature matrices, `predict`) reads the weights widened to `f64`.
//!
//! The transformer trains with the same loop and defaults as the MLP (AdamW lr 1e-3, weight
//! decay 1, batch 32, MSE); Nanda et al.'s setup is full batch with cross-entropy
//! (`batch: 0, loss: Ce`). Its NFM is the Gram matrix of the operand embeddings at both
//! positions, its AGOP is taken in the one-hot inputs entering through the token embeddings; it
//! starts from a random or symmetric init ([`init::symmetrize_transformer`]; no RFM-drawn one)
//! and has no AGOP regularizer.
//!
//! ```
//! use symrfm::group::{Operation, Task, TaskSpec};
//! use symrfm::data::{Split, SplitSpec};
//! use symrfm::net::{self, NetData, NetParams};
//! use symrfm::rfm::Control;
//!
//! let task = Task::new(TaskSpec::new(Operation::Add, 7))?;
//! let split = Split::build(&task, &SplitSpec::Random { fraction: 0.5, seed: 0 })?;
//! let n = task.n_symbols();
//! let (train, test) = (
//!     NetData::from_pairs(n, &split.train, task.labels()),
//!     NetData::from_pairs(n, &split.test, task.labels()),
//! );
//! let params = NetParams { width: 16, steps: Some(20), ..NetParams::default() };
//! let net = net::Network::random(&params, n, task.n_classes())?;
//! let out = net::train(net, &params, &train, &test, None, &mut |_| Control::Continue)?;
//! assert_eq!(out.steps.last().unwrap().step, 20);
//! assert_eq!(out.features.last().unwrap().nfm.dim(), (14, 14));
//! # Ok::<(), symrfm::Error>(())
//! ```

pub mod features;
pub mod init;
pub mod loss;
pub mod mlp;
pub mod mlp_step;
pub mod optim;
pub mod params;
pub mod real;
pub mod train;
pub mod transformer;

pub use mlp::{Mlp, MlpCache};
pub use optim::Optimizer;
pub use params::{Activation, LossKind, ModelKind, NetInit, NetParams, OptimizerKind};
pub use real::NetReal;
pub use train::{
    train, train_from, FeatureSnapshot, NetData, NetOutput, NetSeconds, NetStart, NetState,
    StepRecord,
};
pub use transformer::{Transformer, TransformerCache, TransformerConfig};

use crate::error::Result;
use ndarray::{Array2, ArrayView2};

/// A network of any kind the library trains, with its weights in `T` (`f64`, or `f32` inside
/// an f32 training loop). Every operation dispatches by an exhaustive match, so a new kind is a
/// variant and its arms.
#[derive(Clone, Debug, PartialEq)]
pub enum Network<T = f64> {
    /// The fully connected networks (`mlp`, `mlp2`).
    Fcn(Mlp<T>),
    /// The one-layer transformer (`transformer`).
    Transformer(Transformer<T>),
}

/// What a forward pass keeps for the backward pass.
// One per forward pass; its arrays live on the heap, so the variants' inline sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Cache<T: NetReal = f64> {
    /// Of a fully connected network.
    Fcn(MlpCache<T>),
    /// Of the transformer.
    Transformer(TransformerCache<T>),
}

impl<T: NetReal> Cache<T> {
    /// The outputs f(x) (batch × c).
    pub fn logits(&self) -> &Array2<T> {
        match self {
            Cache::Fcn(c) => &c.logits,
            Cache::Transformer(c) => &c.logits,
        }
    }
}

impl Network {
    /// The random network of `params` for a task with `n_symbols` symbols and `n_classes`
    /// classes (the first layer as `params.init` says only when it is `random`; the experiment
    /// layer builds the others). The transformer is drawn by [`Transformer::new`] from
    /// `params.seed` with the sizes of [`NetParams::transformer_config`].
    pub fn random(params: &NetParams, n_symbols: usize, n_classes: usize) -> Result<Self> {
        match params.model {
            ModelKind::Mlp | ModelKind::Mlp2 => {
                init::random(params, n_symbols, n_classes).map(Network::Fcn)
            }
            ModelKind::Transformer => Transformer::new(
                params.transformer_config(),
                n_symbols,
                n_classes,
                params.seed,
            )
            .map(Network::Transformer),
        }
    }
}

impl<T: NetReal> Network<T> {
    /// The same network with every weight converted to `U` (rounded to `f32`, or widened to
    /// `f64` exactly).
    pub fn cast<U: NetReal>(&self) -> Network<U> {
        match self {
            Network::Fcn(m) => Network::Fcn(m.cast()),
            Network::Transformer(t) => Network::Transformer(t.cast()),
        }
    }

    /// Which network.
    pub fn kind(&self) -> ModelKind {
        match self {
            Network::Fcn(m) => m.kind(),
            Network::Transformer(_) => ModelKind::Transformer,
        }
    }

    /// Number of symbols n.
    pub fn n_symbols(&self) -> usize {
        match self {
            Network::Fcn(m) => m.n_symbols(),
            Network::Transformer(t) => t.n_symbols(),
        }
    }

    /// Number of classes c.
    pub fn n_classes(&self) -> usize {
        match self {
            Network::Fcn(m) => m.n_classes(),
            Network::Transformer(t) => t.n_classes(),
        }
    }

    /// The flat weights.
    pub fn params(&self) -> &[T] {
        match self {
            Network::Fcn(m) => m.params(),
            Network::Transformer(t) => t.params(),
        }
    }

    /// The flat weights, mutable.
    pub fn params_mut(&mut self) -> &mut [T] {
        match self {
            Network::Fcn(m) => m.params_mut(),
            Network::Transformer(t) => t.params_mut(),
        }
    }

    /// The forward pass on pairs (a_i, b_i) (symbols 0..n).
    pub fn forward(&self, a: &[u32], b: &[u32]) -> Cache<T> {
        match self {
            Network::Fcn(m) => Cache::Fcn(m.forward(a, b)),
            Network::Transformer(t) => Cache::Transformer(t.forward(a, b)),
        }
    }

    /// Adds the gradient of `Σ dlogits ⊙ f` with respect to the weights to `grad`. Panics if
    /// `cache` is not from a forward pass of this kind of network.
    pub fn backward(&self, cache: &Cache<T>, dlogits: ArrayView2<'_, T>, grad: &mut [T]) {
        match (self, cache) {
            (Network::Fcn(m), Cache::Fcn(c)) => m.backward(c, dlogits, grad),
            (Network::Transformer(t), Cache::Transformer(c)) => t.backward(c, dlogits, grad),
            _ => panic!("backward: the cache is from another kind of network"),
        }
    }

    /// λ·tr(AGOP) over the pairs with its gradient added to `grad` (None when the network has no
    /// closed form for it).
    pub fn agop_trace_and_grad(
        &self,
        a: &[u32],
        b: &[u32],
        weight: f64,
        grad: &mut [T],
    ) -> Option<T> {
        match self {
            Network::Fcn(m) => features::agop_trace_and_grad(m, a, b, weight, grad),
            Network::Transformer(_) => None,
        }
    }

    /// The fully connected network, if it is one.
    pub fn as_fcn(&self) -> Option<&Mlp<T>> {
        match self {
            Network::Fcn(m) => Some(m),
            Network::Transformer(_) => None,
        }
    }

    /// The fully connected network, mutable, if it is one.
    pub fn as_fcn_mut(&mut self) -> Option<&mut Mlp<T>> {
        match self {
            Network::Fcn(m) => Some(m),
            Network::Transformer(_) => None,
        }
    }

    /// The transformer, if it is one.
    pub fn as_transformer(&self) -> Option<&Transformer<T>> {
        match self {
            Network::Transformer(t) => Some(t),
            Network::Fcn(_) => None,
        }
    }
}

impl Network {
    /// ∂f/∂x (c × 2n) at x = e_a ‖ e_b (for the transformer, x enters linearly through the
    /// token embeddings: see [`Transformer::input_jacobian`]).
    pub fn input_jacobian(&self, a: u32, b: u32) -> Array2<f64> {
        match self {
            Network::Fcn(m) => m.input_jacobian(a, b),
            Network::Transformer(t) => t.input_jacobian(a, b),
        }
    }

    /// The neural feature matrix (2n × 2n): W₁ᵀW₁ for the fully connected networks, the Gram
    /// matrix of the operand embeddings at both positions ([`Transformer::embedding_gram`]) for
    /// the transformer.
    pub fn nfm(&self) -> Array2<f64> {
        match self {
            Network::Fcn(m) => features::nfm(m),
            Network::Transformer(t) => t.embedding_gram(),
        }
    }

    /// The AGOP over the pairs, uncentered ((1/N) Σ_j J_jᵀJ_j) and centered (minus J̄ᵀJ̄, J̄ the
    /// mean Jacobian), 2n × 2n each, symmetric. `threads` bounds the fully connected networks'
    /// workers; the transformer runs on the current rayon pool. Neither result depends on the
    /// number of threads.
    pub fn agop(&self, a: &[u32], b: &[u32], threads: usize) -> (Array2<f64>, Array2<f64>) {
        match self {
            Network::Fcn(m) => features::agop(m, a, b, threads),
            Network::Transformer(t) => features::transformer_agop(t, a, b),
        }
    }

    /// The outputs f(x) (one row of c scores per pair) for pair indices `a·n + b`.
    pub fn predict(&self, pairs: &[usize]) -> Result<Array2<f64>> {
        let n = self.n_symbols();
        if let Some(&bad) = pairs.iter().find(|&&k| k >= n * n) {
            return Err(crate::error::Error::param(
                "pairs",
                bad,
                format!("pair indices a * n + b below {}", n * n),
            ));
        }
        let a: Vec<u32> = pairs.iter().map(|&k| (k / n) as u32).collect();
        let b: Vec<u32> = pairs.iter().map(|&k| (k % n) as u32).collect();
        Ok(self.outputs(&a, &b))
    }

    /// The outputs f(x) at the pairs (a_i, b_i) (symbols 0..n; one row of c scores per pair), by
    /// forward passes over fixed chunks of [`train::EVAL_CHUNK`] pairs.
    ///
    /// # Panics
    /// If `a` and `b` differ in length or a symbol is not below n.
    pub fn outputs(&self, a: &[u32], b: &[u32]) -> Array2<f64> {
        assert_eq!(a.len(), b.len(), "outputs: as many first as second symbols");
        let mut out = Array2::<f64>::zeros((a.len(), self.n_classes()));
        for lo in (0..a.len()).step_by(train::EVAL_CHUNK) {
            let hi = (lo + train::EVAL_CHUNK).min(a.len());
            let cache = self.forward(&a[lo..hi], &b[lo..hi]);
            out.slice_mut(ndarray::s![lo..hi, ..])
                .assign(cache.logits());
        }
        out
    }

    /// The network of `params` with the flat weights `weights` (as [`params`](Self::params)
    /// returns them), for a task with `n_symbols` symbols and `n_classes` classes.
    pub fn from_weights(
        params: &NetParams,
        n_symbols: usize,
        n_classes: usize,
        weights: &[f64],
    ) -> Result<Self> {
        let mut net = match params.model {
            ModelKind::Mlp | ModelKind::Mlp2 => Network::Fcn(Mlp::zeros(
                params.model,
                params.act,
                n_symbols,
                params.width,
                n_classes,
            )?),
            ModelKind::Transformer => Network::Transformer(Transformer::new(
                params.transformer_config(),
                n_symbols,
                n_classes,
                params.seed,
            )?),
        };
        if weights.len() != net.params().len() {
            return Err(crate::error::Error::param(
                "network.weights",
                format!("{} weights", weights.len()),
                format!("{} weights for this model", net.params().len()),
            ));
        }
        net.params_mut().copy_from_slice(weights);
        Ok(net)
    }
}

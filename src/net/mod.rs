//! Neural networks on the same tasks and splits as RFM: the reference's fully connected
//! networks (`OneLayerFCN` and its two-hidden-layer variant) with hand-derived gradients, torch's
//! optimizers on flat weight vectors, the training loop, and the network's feature matrices (NFM,
//! AGOP in closed form, NFA correlations). See SCIENCE.md §7.
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
pub mod optim;
pub mod params;
pub mod train;
pub mod transformer;

pub use mlp::{Mlp, MlpCache};
pub use optim::Optimizer;
pub use params::{Activation, LossKind, ModelKind, NetInit, NetParams, OptimizerKind};
pub use train::{train, FeatureSnapshot, NetData, NetOutput, NetSeconds, NetState, StepRecord};

use crate::error::Result;
use ndarray::{Array2, ArrayView2};

/// A network of any kind the library trains. Every operation dispatches by an exhaustive match,
/// so a new kind is a variant and its arms.
#[derive(Clone, Debug, PartialEq)]
pub enum Network {
    /// The fully connected networks (`mlp`, `mlp2`).
    Fcn(Mlp),
}

/// What a forward pass keeps for the backward pass.
#[derive(Clone, Debug)]
pub enum Cache {
    /// Of a fully connected network.
    Fcn(MlpCache),
}

impl Cache {
    /// The outputs f(x) (batch × c).
    pub fn logits(&self) -> &Array2<f64> {
        match self {
            Cache::Fcn(c) => &c.logits,
        }
    }
}

impl Network {
    /// The random network of `params` for a task with `n_symbols` symbols and `n_classes`
    /// classes (the first layer as `params.init` says only when it is `random`; the experiment
    /// layer builds the others).
    pub fn random(params: &NetParams, n_symbols: usize, n_classes: usize) -> Result<Self> {
        match params.model {
            ModelKind::Mlp | ModelKind::Mlp2 => {
                init::random(params, n_symbols, n_classes).map(Network::Fcn)
            }
        }
    }

    /// Which network.
    pub fn kind(&self) -> ModelKind {
        match self {
            Network::Fcn(m) => m.kind(),
        }
    }

    /// Number of symbols n.
    pub fn n_symbols(&self) -> usize {
        match self {
            Network::Fcn(m) => m.n_symbols(),
        }
    }

    /// Number of classes c.
    pub fn n_classes(&self) -> usize {
        match self {
            Network::Fcn(m) => m.n_classes(),
        }
    }

    /// The flat weights.
    pub fn params(&self) -> &[f64] {
        match self {
            Network::Fcn(m) => m.params(),
        }
    }

    /// The flat weights, mutable.
    pub fn params_mut(&mut self) -> &mut [f64] {
        match self {
            Network::Fcn(m) => m.params_mut(),
        }
    }

    /// The forward pass on pairs (a_i, b_i) (symbols 0..n).
    pub fn forward(&self, a: &[u32], b: &[u32]) -> Cache {
        match self {
            Network::Fcn(m) => Cache::Fcn(m.forward(a, b)),
        }
    }

    /// Adds the gradient of `Σ dlogits ⊙ f` with respect to the weights to `grad`.
    pub fn backward(&self, cache: &Cache, dlogits: ArrayView2<'_, f64>, grad: &mut [f64]) {
        match (self, cache) {
            (Network::Fcn(m), Cache::Fcn(c)) => m.backward(c, dlogits, grad),
        }
    }

    /// ∂f/∂x (c × 2n) at x = e_a ‖ e_b.
    pub fn input_jacobian(&self, a: u32, b: u32) -> Array2<f64> {
        match self {
            Network::Fcn(m) => m.input_jacobian(a, b),
        }
    }

    /// The neural feature matrix (2n × 2n).
    pub fn nfm(&self) -> Array2<f64> {
        match self {
            Network::Fcn(m) => features::nfm(m),
        }
    }

    /// The AGOP over the pairs, uncentered and centered (2n × 2n each).
    pub fn agop(&self, a: &[u32], b: &[u32], threads: usize) -> (Array2<f64>, Array2<f64>) {
        match self {
            Network::Fcn(m) => features::agop(m, a, b, threads),
        }
    }

    /// λ·tr(AGOP) over the pairs with its gradient added to `grad` (None when the network has no
    /// closed form for it).
    pub fn agop_trace_and_grad(
        &self,
        a: &[u32],
        b: &[u32],
        weight: f64,
        grad: &mut [f64],
    ) -> Option<f64> {
        match self {
            Network::Fcn(m) => features::agop_trace_and_grad(m, a, b, weight, grad),
        }
    }

    /// The fully connected network, if it is one.
    pub fn as_fcn(&self) -> Option<&Mlp> {
        match self {
            Network::Fcn(m) => Some(m),
        }
    }

    /// The fully connected network, mutable, if it is one.
    pub fn as_fcn_mut(&mut self) -> Option<&mut Mlp> {
        match self {
            Network::Fcn(m) => Some(m),
        }
    }
}

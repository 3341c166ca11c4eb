//! The network flags of `run` and `compare` (`--model mlp|mlp2|transformer` and its
//! hyper-parameters).

use super::flags::to_flags;
use anyhow::Result;
use clap::Args;
use symrfm::net::{Activation, LossKind, ModelKind, NetInit, NetParams, OptimizerKind};

/// Which model to train and the network hyper-parameters (ignored for `--model rfm`).
#[derive(Args, Debug, Clone)]
pub struct NetArgs {
    /// The model: `rfm` (the default), `mlp` (the reference's OneLayerFCN), `mlp2` (its
    /// two-hidden-layer variant) or `transformer` (the one-layer transformer of Nanda et al.,
    /// sizes --d-model --heads --d-head --d-mlp). The training defaults are the reference MLP's
    /// (AdamW lr 1e-3, weight decay 1, batch 32, MSE); Nanda et al. train the transformer full
    /// batch with cross-entropy: add `--batch 0 --loss ce`.
    #[arg(long, default_value = "rfm")]
    pub model: String,
    /// Hidden width of the network (mlp, mlp2).
    #[arg(long, default_value_t = 256)]
    pub width: usize,
    /// Activation: quadratic, relu, linear, silu, softplus (mlp, mlp2; the transformer's MLP
    /// block is ReLU).
    #[arg(long, default_value = "quadratic")]
    pub act: String,
    /// Init scale s (weights U(−s/√fan_in, s/√fan_in); transformer: N(0, s²/fan_in)).
    #[arg(long, default_value_t = 1.0)]
    pub init_scale: f64,
    /// Transformer: width of the residual stream [default: 128].
    #[arg(long)]
    pub d_model: Option<usize>,
    /// Transformer: number of attention heads [default: 4].
    #[arg(long)]
    pub heads: Option<usize>,
    /// Transformer: width of each head [default: 32].
    #[arg(long)]
    pub d_head: Option<usize>,
    /// Transformer: hidden width of the MLP block [default: 512].
    #[arg(long)]
    pub d_mlp: Option<usize>,
    /// First layer: `random`, `symmetric` (projected onto the stabilizer-invariant weights),
    /// `symmetric:<subgroup>`, or `rfm:<run.json>` (rows drawn from N(0, M)). `--perturb ε` adds a
    /// Gaussian of relative size ε. The transformer: `random` or `symmetric[:<subgroup>]`
    /// (token embeddings averaged over H's orbits, operand positions tied when H exchanges them).
    #[arg(long, default_value = "random")]
    pub net_init: String,
    /// Seed of the weights, the minibatch order and sampled symmetries.
    #[arg(long, default_value_t = 0)]
    pub net_seed: u64,
    /// Optimizer: adamw (β = (0.9, 0.98)) or sgd (with --momentum).
    #[arg(long, default_value = "adamw")]
    pub optimizer: String,
    /// Learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    /// Weight decay (decoupled for AdamW).
    #[arg(long, default_value_t = 1.0)]
    pub weight_decay: f64,
    /// SGD momentum.
    #[arg(long, default_value_t = 0.0)]
    pub momentum: f64,
    /// Minibatch size (0 = full batch).
    #[arg(long, default_value_t = 32)]
    pub batch: usize,
    /// Epochs (when --steps is not given).
    #[arg(long, default_value_t = 1000)]
    pub epochs: usize,
    /// Optimizer steps (overrides --epochs).
    #[arg(long)]
    pub steps: Option<usize>,
    /// Evaluate every this many steps (0 = every epoch).
    #[arg(long, default_value_t = 0)]
    pub eval_every: usize,
    /// Record NFM, AGOP and NFA correlations every this many steps (0 = every 100 epochs).
    #[arg(long, default_value_t = 0)]
    pub agop_every: usize,
    /// Loss: mse (on one-hot labels, the reference) or ce.
    #[arg(long, default_value = "mse")]
    pub loss: String,
    /// Weight λ of the AGOP regularizer λ·tr(AGOP) (mlp only).
    #[arg(long, default_value_t = 0.0)]
    pub agop_reg: f64,
    /// Weight λ of the symmetry-prompting loss (symmetric KL between outputs on x and g·x).
    #[arg(long, default_value_t = 0.0)]
    pub symmetry_loss: f64,
}

fn conv<T>(r: symrfm::Result<T>) -> Result<T> {
    r.map_err(|e| to_flags(e, &[]).into())
}

impl NetArgs {
    /// Whether a network was asked for (not `--model rfm`).
    pub fn is_network(&self) -> bool {
        self.model.trim() != "rfm"
    }

    /// The network parameters (`perturb`, `threads` and `precision` from the shared flags).
    pub fn params(
        &self,
        perturb: Option<f64>,
        threads: usize,
        precision: symrfm::rfm::Precision,
    ) -> Result<NetParams> {
        Ok(NetParams {
            model: conv(ModelKind::parse("net.model", &self.model))?,
            width: self.width,
            act: conv(Activation::parse("net.act", &self.act))?,
            init_scale: self.init_scale,
            d_model: self.d_model,
            n_heads: self.heads,
            d_head: self.d_head,
            d_mlp: self.d_mlp,
            init: conv(NetInit::parse("net.init", &self.net_init))?,
            perturb: perturb.unwrap_or(0.0),
            seed: self.net_seed,
            optimizer: conv(OptimizerKind::parse("net.optimizer", &self.optimizer))?,
            lr: self.lr,
            weight_decay: self.weight_decay,
            momentum: self.momentum,
            batch: self.batch,
            epochs: self.epochs,
            steps: self.steps,
            eval_every: self.eval_every,
            agop_every: self.agop_every,
            loss: conv(LossKind::parse("net.loss", &self.loss))?,
            agop_reg: self.agop_reg,
            symmetry_loss: self.symmetry_loss,
            threads,
            precision,
            ..NetParams::default()
        })
    }
}

//! Network hyper-parameters, validated once before training. Errors name the parameter by its
//! path in the experiment specification (`net.width`, `net.lr`).

use super::real::{lit, NetReal};
use super::transformer::TransformerConfig;
use crate::error::{Error, Result};
use crate::rfm::Precision;
use serde::{Deserialize, Serialize};

/// Largest number of optimizer steps accepted.
pub const MAX_STEPS: usize = 100_000_000;

/// Which network.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// The reference's `OneLayerFCN`: f(x) = W₂ σ(W₁ x), no biases.
    #[default]
    Mlp,
    /// Its two-hidden-layer variant (`TwoLayerFCN`): f(x) = W₃ σ(W₂ σ(W₁ x)), no biases.
    Mlp2,
    /// The one-layer transformer of Nanda et al. (tokens `a, b, =`; see
    /// [`crate::net::transformer`]); sizes `d_model`, `n_heads`, `d_head`, `d_mlp`.
    Transformer,
}

impl ModelKind {
    /// The name used on the command line and in files.
    pub fn name(&self) -> &'static str {
        match self {
            ModelKind::Mlp => "mlp",
            ModelKind::Mlp2 => "mlp2",
            ModelKind::Transformer => "transformer",
        }
    }

    /// Parses a name (`mlp`, `mlp2`, `transformer`); `param` is the name in errors.
    pub fn parse(param: &'static str, s: &str) -> Result<Self> {
        match s.trim() {
            "mlp" => Ok(ModelKind::Mlp),
            "mlp2" => Ok(ModelKind::Mlp2),
            "transformer" => Ok(ModelKind::Transformer),
            other => Err(Error::param(param, other, "`mlp`, `mlp2` or `transformer`")),
        }
    }
}

/// The activation σ of the hidden layers (the reference's `act_fn`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// σ(z) = z² (the reference's default).
    #[default]
    Quadratic,
    /// σ(z) = max(z, 0) (σ′(0) = 0, as torch).
    Relu,
    /// σ(z) = z.
    Linear,
    /// σ(z) = z / (1 + e^{−z}) (the reference's `swish`).
    Silu,
    /// σ(z) = ln(1 + e^z), and z for z > 20 (torch's `softplus` with β = 1, threshold 20).
    Softplus,
}

impl Activation {
    /// The name used on the command line and in files.
    pub fn name(&self) -> &'static str {
        match self {
            Activation::Quadratic => "quadratic",
            Activation::Relu => "relu",
            Activation::Linear => "linear",
            Activation::Silu => "silu",
            Activation::Softplus => "softplus",
        }
    }

    /// Parses a name; `param` is the name in errors.
    pub fn parse(param: &'static str, s: &str) -> Result<Self> {
        match s.trim() {
            "quadratic" => Ok(Activation::Quadratic),
            "relu" => Ok(Activation::Relu),
            "linear" => Ok(Activation::Linear),
            "silu" | "swish" => Ok(Activation::Silu),
            "softplus" => Ok(Activation::Softplus),
            other => Err(Error::param(
                param,
                other,
                "`quadratic`, `relu`, `linear`, `silu` or `softplus`",
            )),
        }
    }

    /// σ(z).
    #[inline]
    pub fn value<T: NetReal>(&self, z: T) -> T {
        match self {
            Activation::Quadratic => z * z,
            Activation::Relu => {
                if z > T::zero() {
                    z
                } else {
                    T::zero()
                }
            }
            Activation::Linear => z,
            Activation::Silu => z / (T::one() + (-z).exp()),
            Activation::Softplus => {
                if z > lit(20.0) {
                    z
                } else {
                    z.exp().ln_1p()
                }
            }
        }
    }

    /// σ′(z) (as torch differentiates it: ReLU′(0) = 0; softplus′ = 1 above the threshold).
    #[inline]
    pub fn derivative<T: NetReal>(&self, z: T) -> T {
        match self {
            Activation::Quadratic => lit::<T>(2.0) * z,
            Activation::Relu => {
                if z > T::zero() {
                    T::one()
                } else {
                    T::zero()
                }
            }
            Activation::Linear => T::one(),
            Activation::Silu => {
                let s = T::one() / (T::one() + (-z).exp());
                s * (T::one() + z * (T::one() - s))
            }
            Activation::Softplus => {
                if z > lit(20.0) {
                    T::one()
                } else {
                    T::one() / (T::one() + (-z).exp())
                }
            }
        }
    }

    /// σ″(z) (0 for ReLU and linear, and for softplus above its threshold).
    #[inline]
    pub fn second_derivative<T: NetReal>(&self, z: T) -> T {
        match self {
            Activation::Quadratic => lit(2.0),
            Activation::Relu | Activation::Linear => T::zero(),
            Activation::Silu => {
                let s = T::one() / (T::one() + (-z).exp());
                s * (T::one() - s) * (lit::<T>(2.0) + z * (T::one() - lit::<T>(2.0) * s))
            }
            Activation::Softplus => {
                if z > lit(20.0) {
                    T::zero()
                } else {
                    let s = T::one() / (T::one() + (-z).exp());
                    s * (T::one() - s)
                }
            }
        }
    }
}

/// The optimizer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// `torch.optim.AdamW` (decoupled weight decay).
    #[default]
    Adamw,
    /// `torch.optim.SGD` with momentum (coupled weight decay, no dampening, no Nesterov).
    Sgd,
}

impl OptimizerKind {
    /// The name used on the command line and in files.
    pub fn name(&self) -> &'static str {
        match self {
            OptimizerKind::Adamw => "adamw",
            OptimizerKind::Sgd => "sgd",
        }
    }

    /// Parses a name; `param` is the name in errors.
    pub fn parse(param: &'static str, s: &str) -> Result<Self> {
        match s.trim() {
            "adamw" => Ok(OptimizerKind::Adamw),
            "sgd" => Ok(OptimizerKind::Sgd),
            other => Err(Error::param(param, other, "`adamw` or `sgd`")),
        }
    }
}

/// The task loss.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LossKind {
    /// Mean squared error against one-hot labels, mean over batch × classes (`torch.nn.MSELoss`).
    #[default]
    Mse,
    /// Cross-entropy of the softmax, mean over the batch (`torch.nn.CrossEntropyLoss`).
    Ce,
}

impl LossKind {
    /// The name used on the command line and in files.
    pub fn name(&self) -> &'static str {
        match self {
            LossKind::Mse => "mse",
            LossKind::Ce => "ce",
        }
    }

    /// Parses a name; `param` is the name in errors.
    pub fn parse(param: &'static str, s: &str) -> Result<Self> {
        match s.trim() {
            "mse" => Ok(LossKind::Mse),
            "ce" => Ok(LossKind::Ce),
            other => Err(Error::param(param, other, "`mse` or `ce`")),
        }
    }
}

/// How the first layer starts (the other layers are always drawn at random).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum NetInit {
    /// U(−s/√fan_in, s/√fan_in), seeded.
    #[default]
    Random,
    /// The random first layer projected onto the H-invariant weights, W₁ ↦ (1/|H|) Σ_h W₁ Π(h)ᵀ,
    /// for the subgroup H of Sym_f named `subgroup` (`stabilizer`, the default, is the stabilizer
    /// of the training set).
    Symmetric {
        /// The subgroup H, as the analysis names subgroups.
        subgroup: String,
    },
    /// Rows of W₁ drawn from N(0, (s²/fan_in) M) with M the final feature matrix of `path` (a run
    /// file, a JSON matrix or `.npy`).
    Rfm {
        /// The file holding M.
        path: std::path::PathBuf,
    },
}

impl NetInit {
    /// Parses `random`, `symmetric`, `symmetric:<H>` or `rfm:<file>`; `param` is the name in
    /// errors.
    pub fn parse(param: &'static str, s: &str) -> Result<Self> {
        let s = s.trim();
        if s == "random" {
            return Ok(NetInit::Random);
        }
        if s == "symmetric" {
            return Ok(NetInit::Symmetric {
                subgroup: "stabilizer".into(),
            });
        }
        if let Some(h) = s.strip_prefix("symmetric:") {
            if !h.trim().is_empty() {
                return Ok(NetInit::Symmetric {
                    subgroup: h.trim().into(),
                });
            }
        }
        if let Some(p) = s.strip_prefix("rfm:") {
            if !p.is_empty() {
                return Ok(NetInit::Rfm { path: p.into() });
            }
        }
        Err(Error::param(
            param,
            s,
            "`random`, `symmetric`, `symmetric:<subgroup>` or `rfm:<run.json>`",
        ))
    }

    /// Whether this is the default (random).
    pub fn is_random(&self) -> bool {
        *self == NetInit::Random
    }
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// Hyper-parameters of a network run. [`Default`] gives the reference's `train_net.py` defaults:
/// `OneLayerFCN` of width 256 with quadratic activation, init scale 1, AdamW (lr 1e-3, weight
/// decay 1, β = (0.9, 0.98), ε = 1e-8), MSE, batch 32 shuffled, 1000 epochs, evaluation every
/// epoch, feature matrices every 100 epochs.
///
/// Every field may be omitted in a specification (then it takes its default), so that a sweep grid
/// or a Python call names only what it changes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetParams {
    /// The network.
    pub model: ModelKind,
    /// Hidden width h ≥ 1 (every hidden layer; `mlp`, `mlp2`).
    pub width: usize,
    /// Activation of the hidden layers (`mlp`, `mlp2`; the transformer's MLP block is ReLU).
    pub act: Activation,
    /// Init scale s > 0 (bounds ±s/√fan_in; for the transformer the standard deviations
    /// s/√fan_in).
    pub init_scale: f64,
    /// Transformer: width of the residual stream (absent = 128). Only for `transformer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d_model: Option<usize>,
    /// Transformer: number of attention heads (absent = 4). Only for `transformer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_heads: Option<usize>,
    /// Transformer: width of each head (absent = 32). Only for `transformer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d_head: Option<usize>,
    /// Transformer: hidden width of the MLP block (absent = 512). Only for `transformer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub d_mlp: Option<usize>,
    /// How the first layer starts.
    #[serde(default, skip_serializing_if = "NetInit::is_random")]
    pub init: NetInit,
    /// Relative size ε ≥ 0 of a Gaussian perturbation of the first layer after its init
    /// (‖ΔW₁‖_F = ε‖W₁‖_F; 0 = none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub perturb: f64,
    /// Seed of the weights, the minibatch order, the perturbation and sampled symmetries.
    pub seed: u64,
    /// The optimizer.
    pub optimizer: OptimizerKind,
    /// Learning rate > 0.
    pub lr: f64,
    /// Weight decay ≥ 0 (decoupled for AdamW, added to the gradient for SGD).
    pub weight_decay: f64,
    /// AdamW β₁ in [0, 1).
    pub beta1: f64,
    /// AdamW β₂ in [0, 1).
    pub beta2: f64,
    /// AdamW ε > 0.
    pub eps: f64,
    /// SGD momentum in [0, 1).
    pub momentum: f64,
    /// Minibatch size (0 = full batch, no shuffle); the last batch of an epoch may be smaller.
    pub batch: usize,
    /// Number of epochs (used when `steps` is absent).
    pub epochs: usize,
    /// Number of optimizer steps (overrides `epochs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<usize>,
    /// Evaluate train and test loss and accuracy every this many steps (0 = once per epoch); the
    /// first (step 0) and last steps are always evaluated.
    pub eval_every: usize,
    /// Record NFM, AGOP and NFA correlations every this many steps (0 = every 100 epochs, as the
    /// reference); step 0 and the last step are always recorded.
    pub agop_every: usize,
    /// The task loss.
    pub loss: LossKind,
    /// Weight λ ≥ 0 of the AGOP regularizer λ·tr(AGOP) over the training set (one-layer net).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub agop_reg: f64,
    /// Weight λ ≥ 0 of the symmetry-prompting loss (symmetric KL between the softmax outputs on x
    /// and g·x, g sampled from Sym_f).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub symmetry_loss: f64,
    /// The float type of training: forward, backward, loss, optimizer state and the weights
    /// (`f64`, the default, or `f32`). Evaluation, feature matrices and files read the weights
    /// widened to f64 (exactly). Absent in files of f64 runs.
    #[serde(default, skip_serializing_if = "Precision::is_f64")]
    pub precision: Precision,
    /// Worker threads for evaluation and feature matrices (0 = all cores); an execution setting,
    /// results do not depend on it (not serialized).
    #[serde(skip)]
    pub threads: usize,
}

impl Default for NetParams {
    fn default() -> Self {
        NetParams {
            model: ModelKind::Mlp,
            width: 256,
            act: Activation::Quadratic,
            init_scale: 1.0,
            d_model: None,
            n_heads: None,
            d_head: None,
            d_mlp: None,
            init: NetInit::Random,
            perturb: 0.0,
            seed: 0,
            optimizer: OptimizerKind::Adamw,
            lr: 1e-3,
            weight_decay: 1.0,
            beta1: 0.9,
            beta2: 0.98,
            eps: 1e-8,
            momentum: 0.0,
            batch: 32,
            epochs: 1000,
            steps: None,
            eval_every: 0,
            agop_every: 0,
            loss: LossKind::Mse,
            agop_reg: 0.0,
            symmetry_loss: 0.0,
            precision: Precision::F64,
            threads: 0,
        }
    }
}

impl NetParams {
    /// Checks every value; errors name the parameter (`net.width`, …).
    pub fn validate(&self) -> Result<()> {
        let finite_pos = |name: &'static str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(Error::param(name, v, "a finite number > 0"))
            }
        };
        let finite_nonneg = |name: &'static str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(Error::param(name, v, "a finite number ≥ 0"))
            }
        };
        let unit = |name: &'static str, v: f64| {
            if (0.0..1.0).contains(&v) {
                Ok(())
            } else {
                Err(Error::param(name, v, "a number in [0, 1)"))
            }
        };
        if self.width == 0 || self.width > 1 << 16 {
            return Err(Error::param(
                "net.width",
                self.width,
                "an integer in 1..=65536",
            ));
        }
        finite_pos("net.init_scale", self.init_scale)?;
        finite_nonneg("net.perturb", self.perturb)?;
        finite_pos("net.lr", self.lr)?;
        finite_nonneg("net.weight_decay", self.weight_decay)?;
        unit("net.beta1", self.beta1)?;
        unit("net.beta2", self.beta2)?;
        finite_pos("net.eps", self.eps)?;
        unit("net.momentum", self.momentum)?;
        finite_nonneg("net.agop_reg", self.agop_reg)?;
        finite_nonneg("net.symmetry_loss", self.symmetry_loss)?;
        if self.agop_reg > 0.0 && self.model != ModelKind::Mlp {
            return Err(Error::param(
                "net.agop_reg",
                self.agop_reg,
                format!(
                    "0 for the model `{}` (the AGOP regularizer is implemented for `mlp`)",
                    self.model.name()
                ),
            ));
        }
        self.validate_transformer()?;
        match self.steps {
            Some(s) if s == 0 || s > MAX_STEPS => {
                return Err(Error::param(
                    "net.steps",
                    s,
                    format!("an integer in 1..={MAX_STEPS}"),
                ))
            }
            None if self.epochs == 0 || self.epochs > MAX_STEPS => {
                return Err(Error::param(
                    "net.epochs",
                    self.epochs,
                    format!("an integer in 1..={MAX_STEPS}"),
                ))
            }
            _ => {}
        }
        Ok(())
    }

    /// The transformer's sizes and init scale (absent sizes take Nanda et al.'s defaults, see
    /// [`TransformerConfig::default`]).
    pub fn transformer_config(&self) -> TransformerConfig {
        let d = TransformerConfig::default();
        TransformerConfig {
            d_model: self.d_model.unwrap_or(d.d_model),
            n_heads: self.n_heads.unwrap_or(d.n_heads),
            d_head: self.d_head.unwrap_or(d.d_head),
            d_mlp: self.d_mlp.unwrap_or(d.d_mlp),
            init_scale: self.init_scale,
        }
    }

    /// The parameters with everything implicit made explicit, as a run file records them: for
    /// the transformer every size is filled in (others unchanged).
    pub fn resolved(&self) -> NetParams {
        let mut p = self.clone();
        if p.model == ModelKind::Transformer {
            let c = p.transformer_config();
            p.d_model = Some(c.d_model);
            p.n_heads = Some(c.n_heads);
            p.d_head = Some(c.d_head);
            p.d_mlp = Some(c.d_mlp);
        }
        p
    }

    /// The transformer's sizes are set only for the transformer and are ≥ 1; the transformer
    /// starts from a random or symmetric init (no RFM-drawn one: it has no first layer on
    /// e_a ‖ e_b).
    fn validate_transformer(&self) -> Result<()> {
        let sizes = [
            ("net.d_model", self.d_model),
            ("net.n_heads", self.n_heads),
            ("net.d_head", self.d_head),
            ("net.d_mlp", self.d_mlp),
        ];
        if self.model != ModelKind::Transformer {
            if let Some((name, Some(v))) = sizes.iter().find(|(_, v)| v.is_some()) {
                return Err(Error::param(
                    name,
                    v,
                    format!(
                        "absent for the model `{}` (a size of the model `transformer`)",
                        self.model.name()
                    ),
                ));
            }
            return Ok(());
        }
        if let NetInit::Rfm { path } = &self.init {
            return Err(Error::param(
                "net.init",
                format!("rfm:{}", path.display()),
                "`random`, `symmetric` or `symmetric:<subgroup>` for the model `transformer` (an \
                 RFM-drawn first layer is defined for `mlp` and `mlp2`: the transformer has no \
                 first layer on e_a ‖ e_b)",
            ));
        }
        self.transformer_config().validate()
    }

    /// The worker threads to use (`threads`, or all cores when 0).
    pub fn effective_threads(&self) -> usize {
        if self.threads == 0 {
            rayon::current_num_threads()
        } else {
            self.threads
        }
    }

    /// Steps per epoch for `n_train` training pairs.
    pub fn steps_per_epoch(&self, n_train: usize) -> usize {
        let b = self.batch_size(n_train);
        n_train.div_ceil(b).max(1)
    }

    /// The batch size used for `n_train` training pairs (`batch`, or all of them when 0).
    pub fn batch_size(&self, n_train: usize) -> usize {
        if self.batch == 0 {
            n_train.max(1)
        } else {
            self.batch.min(n_train.max(1))
        }
    }

    /// Total optimizer steps for `n_train` training pairs.
    pub fn total_steps(&self, n_train: usize) -> usize {
        self.steps
            .unwrap_or(self.epochs.saturating_mul(self.steps_per_epoch(n_train)))
    }

    /// Evaluation period in steps.
    pub fn eval_period(&self, n_train: usize) -> usize {
        if self.eval_every == 0 {
            self.steps_per_epoch(n_train)
        } else {
            self.eval_every
        }
    }

    /// Feature-matrix period in steps.
    pub fn agop_period(&self, n_train: usize) -> usize {
        if self.agop_every == 0 {
            100 * self.steps_per_epoch(n_train)
        } else {
            self.agop_every
        }
    }
}

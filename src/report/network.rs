//! The `network` section of a run file written by a network run (`run --model
//! mlp|mlp2|transformer`).
//!
//! A network run writes the same run file as RFM (task, split, symmetry report, trap record,
//! `feature_matrices`, summary), with these differences: `params` holds the RFM defaults and is
//! not used; `iterations` is empty; `feature_matrices` holds the NFM at every recorded step (`t`
//! is the step), so that everything that reads an RFM M (`decompose`, the analysis) reads the
//! network's NFM; and this section holds the network's own parameters and curves.
//!
//! For the transformer the NFM is the Gram matrix of the operand embeddings at both positions
//! (`W_E[i] + W_pos[p]`, p = 0, 1; see `symrfm::net::transformer`), the AGOP is taken with respect
//! to the one-hot inputs entering linearly through the token embeddings, and `params` records
//! `d_model`, `n_heads`, `d_head`, `d_mlp` (absent for the other models); `width` and `act` are
//! not used by it.

use super::MatrixRecord;
use crate::net::{
    FeatureSnapshot, NetOutput, NetParams, NetSeconds, NetStart, Optimizer, StepRecord,
};
use serde::{Deserialize, Serialize};

/// The feature matrices of one recorded step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetFeatureRecord {
    /// Optimizer steps taken.
    pub step: usize,
    /// NFM = W₁ᵀW₁ (2n × 2n; `t` = step; the transformer: the embedding Gram matrix). The same matrix is in the run's `feature_matrices`.
    pub nfm: MatrixRecord,
    /// The uncentered network AGOP (1/N) Σ_j J_jᵀJ_j over the training pairs (the reference's
    /// `calc_full_agop`).
    pub agop: MatrixRecord,
    /// The AGOP with the mean Jacobian subtracted (as RFM centers it).
    pub agop_centered: MatrixRecord,
    /// Pearson correlation of vec √AGOP and vec NFM (null when undefined).
    pub nfa_corr: Option<f64>,
    /// The same with both diagonals set to zero (null when undefined).
    pub nfa_corr_no_diag: Option<f64>,
}

impl NetFeatureRecord {
    /// Records a snapshot.
    pub fn new(s: &FeatureSnapshot) -> Self {
        let finite = |x: f64| x.is_finite().then_some(x);
        NetFeatureRecord {
            step: s.step,
            nfm: MatrixRecord::new(s.step, &s.nfm),
            agop: MatrixRecord::new(s.step, &s.agop),
            agop_centered: MatrixRecord::new(s.step, &s.agop_centered),
            nfa_corr: finite(s.nfa_corr),
            nfa_corr_no_diag: finite(s.nfa_corr_no_diag),
        }
    }
}

/// The network section of a run file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetworkRecord {
    /// All network hyper-parameters (`model`, `width`, `act`, optimizer, schedule, …).
    pub params: NetParams,
    /// Number of weights.
    pub n_weights: usize,
    /// Optimizer steps planned.
    pub total_steps: usize,
    /// Optimizer steps per epoch.
    pub steps_per_epoch: usize,
    /// One record per evaluation: step, epoch, minibatch loss, train/test loss and accuracy.
    pub steps: Vec<StepRecord>,
    /// NFM, AGOP (uncentered and centered) and NFA correlations at the recorded steps (step 0,
    /// every `agop_every` steps, the last step).
    pub features: Vec<NetFeatureRecord>,
    /// Wall seconds per stage (not deterministic).
    pub seconds: NetSeconds,
    /// The final flat weights (`run --save-model`; layout in `symrfm::net::mlp`, for the
    /// transformer in `symrfm::net::transformer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Vec<f64>>,
    /// What continuing the run needs (`run --resume`): written by every network run (absent in
    /// files written before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<NetResumeRecord>,
}

/// The state of a network run after its last step, from which `run --resume` continues it
/// exactly: the weights, the optimizer state, and the position of the symmetry-loss generator.
/// The minibatch order is not stored: it is replayed from `params.seed` and `step`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetResumeRecord {
    /// Optimizer steps taken.
    pub step: usize,
    /// The flat weights after them.
    pub weights: Vec<f64>,
    /// The optimizer: its hyper-parameters, `step`, `m` (AdamW's first moment, SGD's momentum
    /// buffer) and `v` (AdamW's second moment; empty for SGD), one entry per weight.
    pub optimizer: Optimizer,
    /// The word position of the symmetry-loss generator (ChaCha8, stream 3; 0 without that loss).
    pub symmetry_rng_word_pos: u64,
}

impl NetResumeRecord {
    /// The record of a training output (None if the generator's position does not fit 64 bits,
    /// which takes more than 2⁶⁴ draws).
    pub fn new(output: &NetOutput) -> Option<Self> {
        let end = output.end();
        Some(NetResumeRecord {
            step: end.step,
            weights: output.net.params().to_vec(),
            optimizer: end.optimizer,
            symmetry_rng_word_pos: u64::try_from(end.symmetry_rng_word_pos).ok()?,
        })
    }

    /// Where the continuation starts.
    pub fn start(&self) -> NetStart {
        NetStart {
            step: self.step,
            optimizer: self.optimizer.clone(),
            symmetry_rng_word_pos: self.symmetry_rng_word_pos as u128,
        }
    }
}

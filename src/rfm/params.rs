//! RFM hyper-parameters, validated once before training.

use crate::error::{Error, Result};
use crate::kernel::KernelKind;
use crate::solve::Backend;
use serde::{Deserialize, Serialize};

/// Largest number of iterations accepted.
pub const MAX_ITERS: usize = 100_000;

/// Floating-point precision of the heavy products (kernel matrices, factorization, AGOP products,
/// predictions). M, its eigendecomposition and all metrics stay in f64.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    /// Double precision (the default; reproduces the reference implementation).
    #[default]
    F64,
    /// Single precision: about twice as fast, with an accuracy loss measured by `symrfm bench`.
    F32,
}

impl Precision {
    /// Whether this is the default, f64.
    pub fn is_f64(&self) -> bool {
        *self == Precision::F64
    }

    /// Bytes per element.
    pub fn bytes(&self) -> usize {
        match self {
            Precision::F64 => 8,
            Precision::F32 => 4,
        }
    }
}

/// Hyper-parameters of an RFM run. [`Default`] gives the literature defaults: Gaussian kernel with
/// L = 2.5, λ = 0, s = 1/2, centering on, 50 iterations.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RfmParams {
    /// The kernel and its bandwidth.
    pub kernel: KernelKind,
    /// Ridge λ ≥ 0.
    pub ridge: f64,
    /// Number of iterations T ≥ 1.
    pub iters: usize,
    /// The power s in M ← AGOP^s, in (0, 10].
    pub agop_power: f64,
    /// Subtract the mean Jacobian before forming the AGOP.
    pub centering: bool,
    /// Also keep M_t for every t that is a multiple of this (the final M is always kept).
    pub save_every: Option<usize>,
    /// Worker threads (0 = all cores). An execution setting, not a numerical one: results do not
    /// depend on it, so it is not serialized with the parameters (outputs record it under `timings`).
    #[serde(skip)]
    pub threads: usize,
    /// Precision of the heavy products (recorded only when it is not the default f64).
    #[serde(default, skip_serializing_if = "Precision::is_f64")]
    pub precision: Precision,
    /// Library of the factorization (an execution setting like `threads`: not serialized).
    #[serde(skip)]
    pub backend: Backend,
    /// Interventions on M after each update (see [`intervention`](super::intervention)); not
    /// serialized when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interventions: Vec<super::intervention::Intervention>,
    /// Project M onto the commutant of the training set's stabilizer after every update (not
    /// serialized when false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exact_symmetry: bool,
}

impl Default for RfmParams {
    fn default() -> Self {
        RfmParams {
            kernel: KernelKind::Gaussian { bandwidth: 2.5 },
            ridge: 0.0,
            iters: 50,
            agop_power: 0.5,
            centering: true,
            save_every: None,
            threads: 0,
            precision: Precision::F64,
            backend: Backend::Faer,
            interventions: Vec::new(),
            exact_symmetry: false,
        }
    }
}

impl RfmParams {
    /// Checks every parameter, naming the first bad one.
    pub fn validate(&self) -> Result<()> {
        self.kernel.validate()?;
        if !(self.ridge.is_finite() && self.ridge >= 0.0) {
            return Err(Error::param(
                "params.ridge",
                self.ridge,
                "a finite number ≥ 0",
            ));
        }
        if !(1..=MAX_ITERS).contains(&self.iters) {
            return Err(Error::param(
                "params.iters",
                self.iters,
                format!("an integer from 1 to {MAX_ITERS}"),
            ));
        }
        if !(self.agop_power.is_finite() && self.agop_power > 0.0 && self.agop_power <= 10.0) {
            return Err(Error::param(
                "params.agop_power",
                self.agop_power,
                "a number in (0, 10]",
            ));
        }
        if self.save_every == Some(0) {
            return Err(Error::param("params.save_every", 0, "an integer ≥ 1"));
        }
        if !self.backend.available() {
            return Err(Error::param(
                "params.backend",
                self.backend.name(),
                "faer (this build has no `openblas` cargo feature)",
            ));
        }
        for iv in &self.interventions {
            iv.validate()?;
        }
        if self.threads > 1024 {
            return Err(Error::param(
                "params.threads",
                self.threads,
                "0 (all cores) to 1024",
            ));
        }
        Ok(())
    }

    /// The number of worker threads to use (resolving 0 to the number of cores).
    pub fn effective_threads(&self) -> usize {
        if self.threads == 0 {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        } else {
            self.threads
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_name_their_flag() {
        RfmParams::default().validate().unwrap();
        let cases: Vec<(RfmParams, &str)> = vec![
            (
                RfmParams {
                    ridge: -1.0,
                    ..Default::default()
                },
                "params.ridge",
            ),
            (
                RfmParams {
                    ridge: f64::NAN,
                    ..Default::default()
                },
                "params.ridge",
            ),
            (
                RfmParams {
                    iters: 0,
                    ..Default::default()
                },
                "params.iters",
            ),
            (
                RfmParams {
                    agop_power: 0.0,
                    ..Default::default()
                },
                "params.agop_power",
            ),
            (
                RfmParams {
                    kernel: KernelKind::Gaussian { bandwidth: 0.0 },
                    ..Default::default()
                },
                "params.kernel.bandwidth",
            ),
            (
                RfmParams {
                    save_every: Some(0),
                    ..Default::default()
                },
                "params.save_every",
            ),
        ];
        for (p, flag) in cases {
            let e = p.validate().unwrap_err();
            assert!(e.is_usage() && e.to_string().contains(flag), "{e}");
        }
    }
}

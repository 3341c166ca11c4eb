//! Mahalanobis kernels k_M(x, z) on one-hot pairs, with the gradient weights the AGOP needs.
//!
//! Every kernel here has a gradient of the form
//! `∇_x k(x, z) = γ · w(x, z) · M (x − z)` (Gaussian, Laplace; "difference" kernels) or
//! `∇_x k(x, z) = γ · w(x, z) · M z` (quadratic; an "inner-product" kernel).
//! [`KernelKind::entry`] returns the value `k` and the weight `w`; [`KernelKind::gradient_scale`]
//! returns γ. The structured AGOP ([`crate::rfm::agop`]) needs only the matrix of weights.
//!
//! Kernel matrices between one-hot pairs are built in [`onehot`] from lookups into M: for
//! `x = e_a + e_{n+b}`, `xᵀ M z` is a sum of four entries of M, so no matrix product is needed.

pub mod onehot;

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Squared distances at or below this fraction of `‖x‖²_M + ‖z‖²_M` count as coincident points for
/// the Laplace kernel, whose gradient is undefined there (they contribute zero, as in the RFM
/// literature).
pub const LAPLACE_COINCIDENT_REL: f64 = 1e-12;

/// The kernel family and its bandwidth.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum KernelKind {
    /// `exp(−max(‖x−z‖²_M, 0) / (2L²))`.
    Gaussian {
        /// L > 0.
        bandwidth: f64,
    },
    /// `exp(−‖x−z‖_M / L)`.
    Laplace {
        /// L > 0.
        bandwidth: f64,
    },
    /// `(xᵀ M z)²`.
    Quadratic,
}

impl KernelKind {
    /// The kernel's short name (`gaussian`, `laplace`, `quadratic`).
    pub fn name(&self) -> &'static str {
        match self {
            KernelKind::Gaussian { .. } => "gaussian",
            KernelKind::Laplace { .. } => "laplace",
            KernelKind::Quadratic => "quadratic",
        }
    }

    /// Checks the bandwidth.
    pub fn validate(&self) -> Result<()> {
        match *self {
            KernelKind::Gaussian { bandwidth } | KernelKind::Laplace { bandwidth } => {
                if !(bandwidth.is_finite() && bandwidth > 0.0) {
                    return Err(Error::param(
                        "params.kernel.bandwidth",
                        bandwidth,
                        "a finite number > 0",
                    ));
                }
                Ok(())
            }
            KernelKind::Quadratic => Ok(()),
        }
    }

    /// Whether the gradient is `∝ M(x − z)` (true) or `∝ M z` (false).
    pub fn is_difference_kernel(&self) -> bool {
        !matches!(self, KernelKind::Quadratic)
    }

    /// The constant γ in `∇_x k = γ · w · M(x − z)` (or `γ · w · M z`).
    pub fn gradient_scale(&self) -> f64 {
        match *self {
            KernelKind::Gaussian { bandwidth } => -1.0 / (bandwidth * bandwidth),
            KernelKind::Laplace { bandwidth } => -1.0 / bandwidth,
            KernelKind::Quadratic => 2.0,
        }
    }

    /// Kernel value `k` and gradient weight `w` from `‖x‖²_M`, `‖z‖²_M` and `q = xᵀ M z`.
    #[inline]
    pub fn entry(&self, nx: f64, nz: f64, q: f64) -> (f64, f64) {
        match *self {
            KernelKind::Gaussian { bandwidth } => {
                let d2 = (nx + nz - 2.0 * q).max(0.0);
                let k = (-d2 / (2.0 * bandwidth * bandwidth)).exp();
                (k, k)
            }
            KernelKind::Laplace { bandwidth } => {
                let d2 = (nx + nz - 2.0 * q).max(0.0);
                let r = d2.sqrt();
                let k = (-r / bandwidth).exp();
                let coincident = d2 <= LAPLACE_COINCIDENT_REL * (nx.abs() + nz.abs());
                (k, if coincident { 0.0 } else { k / r })
            }
            KernelKind::Quadratic => (q * q, q),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bandwidth_is_validated() {
        for l in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = KernelKind::Gaussian { bandwidth: l }
                .validate()
                .unwrap_err();
            assert!(e.to_string().contains("params.kernel.bandwidth"));
            assert!(KernelKind::Laplace { bandwidth: l }.validate().is_err());
        }
        assert!(KernelKind::Quadratic.validate().is_ok());
    }

    #[test]
    fn entries_follow_definitions() {
        let (nx, nz, q) = (2.0, 3.0, 0.7);
        let d2: f64 = nx + nz - 2.0 * q;
        let (k, w) = KernelKind::Gaussian { bandwidth: 1.5 }.entry(nx, nz, q);
        assert!((k - (-d2 / 4.5).exp()).abs() < 1e-15 && k == w);
        let (k, w) = KernelKind::Laplace { bandwidth: 1.5 }.entry(nx, nz, q);
        assert!((k - (-d2.sqrt() / 1.5).exp()).abs() < 1e-15);
        assert!((w - k / d2.sqrt()).abs() < 1e-15);
        assert_eq!(
            KernelKind::Laplace { bandwidth: 1.5 }
                .entry(2.0, 2.0, 2.0)
                .1,
            0.0
        );
        assert_eq!(KernelKind::Quadratic.entry(nx, nz, q), (q * q, q));
    }
}

//! Floating-point operation counts of one RFM iteration, per stage, as the engine performs them.

use crate::kernel::KernelKind;
use crate::rfm::memory::Sizes;
use serde::{Deserialize, Serialize};

/// Work of one iteration, per stage (flops, except `kernel_entries`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageWork {
    /// Kernel entries evaluated: the training kernel's lower triangle, the AGOP's weights (each
    /// training pair twice, once per token) and the test kernel.
    pub kernel_entries: f64,
    /// Cholesky factorization: n³/3.
    pub cholesky: f64,
    /// Two triangular solves with c right-hand sides: 2n²c.
    pub solve: f64,
    /// The structured AGOP: token products 4n²c (+2n²c for K α with a non-Gaussian kernel), Gram
    /// matrix n c d² (lower triangle), outer products with M 4d³.
    pub agop: f64,
    /// Test predictions: 2 n_test n c.
    pub predict: f64,
    /// Symmetric eigendecomposition and `U diag(λ^s) Uᵀ`: about 9d³ + 2d³.
    pub eig: f64,
}

impl StageWork {
    /// The work of one iteration of a run of these sizes.
    pub fn new(s: Sizes, kernel: KernelKind) -> Self {
        let (n, t, c, d) = (
            s.n_train as f64,
            s.n_test as f64,
            s.n_classes as f64,
            s.dim as f64,
        );
        let kernel_products = if matches!(kernel, KernelKind::Gaussian { .. }) {
            4.0
        } else {
            6.0
        };
        StageWork {
            kernel_entries: n * (n + 1.0) / 2.0 + 2.0 * n * n + t * n,
            cholesky: n * n * n / 3.0,
            solve: 2.0 * n * n * c,
            agop: kernel_products * n * n * c + n * c * d * d + 4.0 * d * d * d,
            predict: 2.0 * t * n * c,
            eig: 11.0 * d * d * d,
        }
    }

    /// All flops of the iteration.
    pub fn total_flops(&self) -> f64 {
        self.cholesky + self.solve + self.agop + self.predict + self.eig
    }

    /// The AGOP of the dense formulation (the reference implementation's): the n × n by n × (c·d)
    /// product 2n²cd, the product with M 2ncd², the Gram matrix ncd² (lower triangle).
    pub fn dense_agop(s: Sizes) -> f64 {
        let (n, c, d) = (s.n_train as f64, s.n_classes as f64, s.dim as f64);
        2.0 * n * n * c * d + 3.0 * n * c * d * d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_scale_as_the_formulas_say() {
        let s = Sizes {
            n_train: 100,
            n_test: 50,
            n_classes: 10,
            dim: 20,
        };
        let w = StageWork::new(s, KernelKind::Gaussian { bandwidth: 1.0 });
        assert_eq!(w.cholesky, 1e6 / 3.0);
        assert_eq!(w.solve, 2e5);
        assert_eq!(w.agop, 4e5 + 4e5 + 32000.0);
        assert_eq!(w.predict, 1e5);
        let l = StageWork::new(s, KernelKind::Laplace { bandwidth: 1.0 });
        assert_eq!(l.agop - w.agop, 2e5);
        assert_eq!(StageWork::dense_agop(s), 4e6 + 1.2e6);
        // the dense formulation does ~2n/c·… more work: at the default size (p = 61) over 10×
        let p61 = Sizes {
            n_train: 1860,
            n_test: 1861,
            n_classes: 61,
            dim: 122,
        };
        let w61 = StageWork::new(p61, KernelKind::Gaussian { bandwidth: 2.5 });
        assert!(StageWork::dense_agop(p61) > 10.0 * w61.agop);
    }
}

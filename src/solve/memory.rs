//! Peak-memory estimate of one RFM run, checked before anything large is allocated.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Rows of the test set predicted per block (bounds the test kernel's memory).
pub const PREDICT_BLOCK: usize = 512;
/// Training rows per block of the structured AGOP.
pub const AGOP_BLOCK: usize = 128;

/// Sizes that determine a run's memory.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Sizes {
    /// Training points.
    pub n_train: usize,
    /// Test points.
    pub n_test: usize,
    /// Classes (output dimension).
    pub n_classes: usize,
    /// Input dimension (2n).
    pub dim: usize,
}

/// Estimated peak bytes of the large buffers of one run: the kernel matrix and its factorization
/// (2 n²), the gradient-weight matrix when it differs from the kernel (n², non-Gaussian kernels),
/// the test-kernel block, the AGOP block and the small d × d and n × c arrays.
pub fn estimate_bytes(s: Sizes, separate_weights: bool) -> u64 {
    let n = s.n_train as u64;
    let (c, d, t) = (s.n_classes as u64, s.dim as u64, s.n_test as u64);
    let squares = if separate_weights { 3 } else { 2 };
    let kernel = squares * n * n;
    let predict = (PREDICT_BLOCK as u64).min(t) * n + t * c;
    let agop = AGOP_BLOCK as u64 * (c * d + n) + 2 * n * c + d * c;
    let small = 8 * d * d + 4 * n * c;
    8 * (kernel + predict + agop + small) + 16 * 1024 * 1024
}

/// Memory available to this process: `MemAvailable` from /proc/meminfo, if readable.
pub fn available_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Errors with [`Error::TooMuchMemory`] if the estimate exceeds `limit` (or the available memory).
pub fn check(s: Sizes, separate_weights: bool, limit: Option<u64>) -> Result<u64> {
    let need = estimate_bytes(s, separate_weights);
    let limit = limit.or_else(available_bytes);
    if let Some(limit) = limit {
        if need > limit {
            // n² dominates: the largest training set that fits.
            let per_point = (need as f64 / (s.n_train as f64).powi(2)).max(1.0);
            let max_train = (limit as f64 / per_point).sqrt() as u64;
            return Err(Error::TooMuchMemory {
                needed_mib: need >> 20,
                limit_mib: limit >> 20,
                hint: format!(
                    "the {n}×{n} kernel matrix dominates: reduce the training set to about {max_train} pairs \
                     (smaller --train-frac or --modulus), or raise --max-memory",
                    n = s.n_train
                ),
            });
        }
    }
    Ok(need)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_grows_quadratically_and_refuses_over_the_limit() {
        let s = Sizes {
            n_train: 1860,
            n_test: 1861,
            n_classes: 61,
            dim: 122,
        };
        let need = estimate_bytes(s, false);
        assert!(need > 2 * 8 * 1860 * 1860);
        let big = Sizes {
            n_train: 18600,
            ..s
        };
        assert!(estimate_bytes(big, false) - need >= 8 * 2 * (18600u64.pow(2) - 1860u64.pow(2)));
        assert!(estimate_bytes(s, true) - need >= 8 * 1860 * 1860);
        let err = check(s, false, Some(1 << 20)).unwrap_err();
        assert!(err.is_usage());
        assert!(err.to_string().contains("--train-frac"), "{err}");
        assert!(check(s, false, Some(u64::MAX)).is_ok());
    }
}

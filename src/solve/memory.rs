//! Peak-memory estimate of one RFM run, checked before anything large is allocated.
//!
//! The estimate adds up every buffer the loop allocates (see [`MemoryEstimate`] for the parts) plus
//! the resident size of the process before training. It is compared with the measured peak resident
//! set size (`VmHWM` in /proc/self/status, [`peak_rss_bytes`]) by `symrfm bench`.

use crate::error::{Error, Result};
use crate::kernel::KernelKind;
use crate::rfm::params::RfmParams;
use serde::{Deserialize, Serialize};

/// Rows of the test set predicted per block (bounds the test kernel's memory).
pub const PREDICT_BLOCK: usize = 128;
/// Training rows per block of the structured AGOP.
pub const AGOP_BLOCK: usize = 64;
/// Number of chunks (groups of AGOP blocks with their own partial Gram matrix) the AGOP is split into
/// for parallel work; fixed, so that the result does not depend on the thread count.
pub const AGOP_CHUNKS: usize = 16;
/// Resident memory of the process before training (code, libraries, thread stacks, allocator),
/// measured with `VmHWM` of `symrfm run --iters 1 -p 5`: 6–9 MiB.
pub const BASELINE_BYTES: u64 = 10 << 20;

/// Sizes that determine a run's memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

/// Everything the memory of a run depends on.
#[derive(Clone, Copy, Debug)]
pub struct MemoryPlan {
    /// Problem sizes.
    pub sizes: Sizes,
    /// Bytes per element of the heavy buffers (8 for f64, 4 for f32).
    pub element_bytes: usize,
    /// Worker threads (each holds one AGOP and one prediction scratch).
    pub workers: usize,
    /// Whether the gradient weights differ from the kernel values (Laplace, quadratic).
    pub separate_weights: bool,
    /// Feature matrices kept in memory (the final one included).
    pub saved_matrices: usize,
}

/// The plan of a run with these parameters.
pub fn plan(sizes: Sizes, params: &RfmParams) -> MemoryPlan {
    MemoryPlan {
        sizes,
        element_bytes: params.precision.bytes(),
        workers: params.effective_threads(),
        separate_weights: !matches!(params.kernel, KernelKind::Gaussian { .. }),
        saved_matrices: params.save_every.map_or(0, |e| params.iters / e) + 1,
    }
}

/// Estimated peak bytes, by part. The kernel matrix is allocated whole but only its lower triangle
/// is written when the Cholesky factorization succeeds (untouched pages take no memory), so the
/// typical peak ([`MemoryEstimate::total`]) counts half of it; the LU fallback writes all of it
/// ([`MemoryEstimate::total_max`], what the memory check uses). `symrfm bench` compares the estimate
/// with the measured peak (VmHWM) of `symrfm run`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemoryEstimate {
    /// The n × n kernel matrix, factorized in place (its lower triangle, n(n+1)/2 values).
    pub kernel: u64,
    /// The whole kernel matrix (n² values: the LU fallback writes all of it).
    pub kernel_max: u64,
    /// The AGOP: α in incidence order, per-worker kernel blocks and F blocks, per-chunk sums.
    pub agop: u64,
    /// Test predictions: per-worker kernel blocks and the predictions.
    pub predict: u64,
    /// Feature matrices kept for the output.
    pub saved: u64,
    /// Everything else: α, tokens, labels, M and its eigendecomposition.
    pub small: u64,
    /// The process before training ([`BASELINE_BYTES`]).
    pub baseline: u64,
    /// The typical peak: the sum of the parts.
    pub total: u64,
    /// The peak if the LU fallback runs (the whole kernel matrix in memory).
    pub total_max: u64,
}

/// The estimate of a plan.
pub fn estimate(p: &MemoryPlan) -> MemoryEstimate {
    let s = p.sizes;
    let (n, t, c, d) = (
        s.n_train as u64,
        s.n_test as u64,
        s.n_classes as u64,
        s.dim as u64,
    );
    let e = p.element_bytes as u64;
    let w = p.workers.max(1) as u64;
    // Untouched pages of the upper triangle: each row of the matrix ends on a partly written page.
    let kernel_max = e * n * n;
    let kernel = (e * n * (n + 1) / 2 + n * 4096).min(kernel_max);
    let bj = (AGOP_BLOCK as u64).min(n.max(1));
    let blocks = n.div_ceil(bj.max(1));
    let chunks = (AGOP_CHUNKS as u64).min(blocks.max(1));
    let weights = if p.separate_weights { 2 } else { 1 };
    let agop = e * 2 * n * c                    // α in incidence order
        + (4 + 4 + 8) * 2 * n                   // incidence tokens and norms
        // per worker: weights (and kernel values) of a block against one token's group (at most
        // d/2 points carry a token), F of the block, prepared rows
        + w * (e * weights * bj * (d / 2).max(1) + e * d * bj * c + (8 * 2 + 8) * d * bj)
        + chunks * e * (d * d + d * c)          // partial Gram matrices and column sums
        + e * n * c                             // chunk predictions
        + 8 * (d * d + d * c + n * c); // summed in f64
    let pb = (PREDICT_BLOCK as u64).min(t.max(1));
    let predict = w * e * pb * n + e * t * c + 8 * t * c;
    let saved = 8 * d * d * p.saved_matrices as u64;
    // α and the right-hand side, tokens, labels, split indices, norms; M, exp(M/L²), the
    // eigendecomposition and M_{t+1}; the Cholesky scratch.
    let small = e * n * c + (4 + 4 + 4 + 8 + 8) * (n + t) + 8 * 8 * d * d + 8 * n * 64;
    let baseline = BASELINE_BYTES;
    let rest = agop + predict + saved + small + baseline;
    MemoryEstimate {
        kernel,
        kernel_max,
        agop,
        predict,
        saved,
        small,
        baseline,
        total: kernel + rest,
        total_max: kernel_max + rest,
    }
}

/// Estimated typical peak bytes of a run (the total of [`estimate`]).
pub fn estimate_bytes(p: &MemoryPlan) -> u64 {
    estimate(p).total
}

/// Memory available to this process: `MemAvailable` from /proc/meminfo, if readable.
pub fn available_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    proc_kib(&text, "MemAvailable:")
}

/// Peak resident set size of this process so far (`VmHWM` from /proc/self/status), if readable.
pub fn peak_rss_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    proc_kib(&text, "VmHWM:")
}

/// Resets the peak resident set size of this process to the current one (Linux ≥ 4.0: writes 5 to
/// /proc/self/clear_refs), so that [`peak_rss_bytes`] measures what follows. Freed heap memory is
/// first returned to the system (glibc `malloc_trim`), so that buffers of an earlier measurement do
/// not count. Returns whether the reset worked.
pub fn reset_peak_rss() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::os::raw::c_int;
        }
        // SAFETY: glibc's malloc_trim only releases free memory of the allocator to the system; it
        // is safe to call at any time from any thread.
        unsafe {
            malloc_trim(0);
        }
    }
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn proc_kib(text: &str, key: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Errors with [`Error::TooMuchMemory`] if the estimate with the whole kernel matrix
/// ([`MemoryEstimate::total_max`]) exceeds `limit` (or the available memory); the message names
/// the part that dominates and the flag that shrinks it. Returns that estimate.
pub fn check(p: &MemoryPlan, limit: Option<u64>) -> Result<u64> {
    let est = estimate(p);
    let need = est.total_max;
    let limit = limit.or_else(available_bytes);
    if let Some(limit) = limit {
        if need > limit {
            return Err(Error::TooMuchMemory {
                needed_mib: need >> 20,
                limit_mib: limit >> 20,
                hint: advice(p, &est, limit),
            });
        }
    }
    Ok(need)
}

/// What to reduce so that the plan fits in `limit` bytes.
fn advice(p: &MemoryPlan, est: &MemoryEstimate, limit: u64) -> String {
    let mib = |b: u64| b >> 20;
    let n = p.sizes.n_train;
    let f32_hint = if p.element_bytes > 4 {
        ", or halve it with --precision f32"
    } else {
        ""
    };
    let largest = [est.kernel_max, est.agop + est.predict, est.saved]
        .into_iter()
        .max()
        .unwrap_or(0);
    if largest == est.saved {
        let keep = (limit.saturating_sub(est.total_max - est.saved)
            / (8 * (p.sizes.dim as u64).pow(2)).max(1))
        .max(1);
        format!(
            "the {} saved feature matrices take {} MiB: save fewer (a larger --save-every, at most about {keep} matrices), or raise --max-memory",
            p.saved_matrices,
            mib(est.saved)
        )
    } else if largest == est.kernel_max {
        // Everything else grows at most linearly in n: the largest training set that fits.
        let rest = est.total_max - est.kernel_max;
        let max_train =
            ((limit.saturating_sub(rest)) as f64 / p.element_bytes as f64).sqrt() as u64;
        format!(
            "the {n}×{n} kernel matrix takes {} MiB: reduce the training set to about {max_train} pairs \
             (smaller --train-frac or --modulus){f32_hint}, or raise --max-memory",
            mib(est.kernel_max)
        )
    } else {
        format!(
            "the per-thread AGOP and prediction buffers take {} MiB with {} threads: use fewer --threads{f32_hint}, \
             or raise --max-memory",
            mib(est.agop + est.predict),
            p.workers
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_for(n_train: usize, workers: usize) -> MemoryPlan {
        MemoryPlan {
            sizes: Sizes {
                n_train,
                n_test: n_train + 1,
                n_classes: 61,
                dim: 122,
            },
            element_bytes: 8,
            workers,
            separate_weights: false,
            saved_matrices: 1,
        }
    }

    #[test]
    fn estimate_grows_quadratically_and_refuses_over_the_limit() {
        let p = plan_for(1860, 2);
        let need = estimate_bytes(&p);
        assert!(need > 4 * 1860 * 1860 && estimate(&p).total_max > 8 * 1860 * 1860);
        let big = plan_for(18600, 2);
        assert!(estimate_bytes(&big) - need >= 4 * (18600u64.pow(2) - 1860u64.pow(2)));
        let laplace = MemoryPlan {
            separate_weights: true,
            ..p
        };
        assert!(estimate_bytes(&laplace) > need);
        let single = MemoryPlan {
            element_bytes: 4,
            ..p
        };
        assert!(estimate_bytes(&single) < need);
        let err = check(&p, Some(20 << 20)).unwrap_err();
        assert!(err.is_usage());
        assert!(err.to_string().contains("--train-frac"), "{err}");
        assert!(err.to_string().contains("--precision f32"), "{err}");
        assert!(check(&p, Some(u64::MAX)).is_ok());
    }

    #[test]
    fn refusals_name_the_part_that_dominates() {
        let many_saves = MemoryPlan {
            saved_matrices: 100_000,
            ..plan_for(1860, 2)
        };
        let err = check(&many_saves, Some(200 << 20)).unwrap_err();
        assert!(err.to_string().contains("--save-every"), "{err}");
        let many_threads = plan_for(1860, 1000);
        let err = check(&many_threads, Some(200 << 20)).unwrap_err();
        assert!(err.to_string().contains("--threads"), "{err}");
    }

    #[test]
    fn proc_files_parse() {
        assert_eq!(
            proc_kib("VmPeak:\t 10 kB\nVmHWM:\t  2048 kB\n", "VmHWM:"),
            Some(2 << 20)
        );
        assert_eq!(proc_kib("nothing", "VmHWM:"), None);
        if cfg!(target_os = "linux") {
            assert!(peak_rss_bytes().unwrap() > 0);
        }
    }
}

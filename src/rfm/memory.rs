//! Peak-memory estimate of one RFM run, checked before anything large is allocated.
//!
//! The estimate adds up every buffer the loop allocates (see [`MemoryEstimate`] for the parts) plus
//! the resident size of the process before training. It is compared with the measured peak resident
//! set size (`VmHWM` in /proc/self/status, [`peak_rss_bytes`]) by `symrfm bench`.

use super::agop::{AGOP_BLOCK, AGOP_CHUNKS};
use super::params::RfmParams;
use super::train::PREDICT_BLOCK;
use crate::error::{Error, Result};
use crate::kernel::KernelKind;
pub use crate::solve::memory::{available_bytes, peak_rss_bytes};
use serde::{Deserialize, Serialize};

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
                needed_mib: mib_up(need),
                limit_mib: limit >> 20,
                hint: advice(p, &est, limit),
            });
        }
    }
    Ok(need)
}

/// Bytes as MiB rounded up: a nonzero need never reads "0 MiB".
fn mib_up(bytes: u64) -> u64 {
    bytes.div_ceil(1 << 20)
}

/// What to reduce so that the plan fits in `limit` bytes.
fn advice(p: &MemoryPlan, est: &MemoryEstimate, limit: u64) -> String {
    let mib = mib_up;
    let n = p.sizes.n_train;
    let f32_hint = if p.element_bytes > 4 {
        ", or halve it with `params.precision` f32"
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
            "the {} saved feature matrices take {} MiB: save fewer (a larger `params.save_every`, at most about {keep} matrices), or raise `max_memory`",
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
             (smaller `split.fraction` or `task.modulus`){f32_hint}, or raise `max_memory`",
            mib(est.kernel_max)
        )
    } else {
        // The per-worker buffers dominate: the most workers that fit, if even one does.
        let with = |workers: usize| estimate(&MemoryPlan { workers, ..*p }).total_max;
        let fits = (1..p.workers).rev().find(|&w| with(w) <= limit);
        match fits {
            Some(w) => format!(
                "the per-thread AGOP and prediction buffers take {} MiB with {} threads: use at \
                 most {w} thread{} (`params.threads` {w}){f32_hint}, or raise `max_memory` to at \
                 least {} MiB",
                mib(est.agop + est.predict),
                p.workers,
                if w == 1 { "" } else { "s" },
                mib(est.total_max)
            ),
            None => {
                let at_one = mib(with(1));
                let now = mib(est.total_max);
                format!(
                    "this run needs at least {at_one} MiB even with 1 thread ({} MiB of it the \
                     process itself): raise `max_memory` to at least {now}{}",
                    mib(est.baseline),
                    if now > at_one {
                        format!(" (or to {at_one} with `params.threads` 1)")
                    } else {
                        String::new()
                    }
                )
            }
        }
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
        assert!(err.to_string().contains("split.fraction"), "{err}");
        assert!(err.to_string().contains("`params.precision` f32"), "{err}");
        assert!(check(&p, Some(u64::MAX)).is_ok());
    }

    #[test]
    fn refusals_name_the_part_that_dominates() {
        let many_saves = MemoryPlan {
            saved_matrices: 100_000,
            ..plan_for(1860, 2)
        };
        let err = check(&many_saves, Some(200 << 20)).unwrap_err();
        assert!(err.to_string().contains("params.save_every"), "{err}");
        let many_threads = plan_for(1860, 1000);
        let err = check(&many_threads, Some(200 << 20)).unwrap_err();
        assert!(err.to_string().contains("params.threads"), "{err}");
        // A limit below what the process itself needs: the advice is the limit that fits, in
        // whole MiB rounded up (never "0 MiB"), not fewer threads.
        let tiny = plan_for(60, 2);
        let err = check(&tiny, Some(1 << 20)).unwrap_err().to_string();
        let at_one = estimate(&MemoryPlan { workers: 1, ..tiny }).total_max;
        assert!(
            err.contains(&format!("at least {} MiB", at_one.div_ceil(1 << 20))),
            "{err}"
        );
        assert!(!err.contains(" 0 MiB") && !err.contains("fewer"), "{err}");
    }
}

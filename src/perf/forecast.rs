//! What `symrfm run --dry-run` prints: the estimated peak memory and the predicted run time of a
//! configuration, before anything large is allocated.

use super::flops::StageWork;
use super::model::{PredictedSeconds, StageRates};
use crate::rfm::memory::{self, MemoryEstimate, Sizes};
use crate::rfm::RfmParams;
use std::fmt;
use std::path::Path;

/// The forecast of one run.
#[derive(Clone, Debug)]
pub struct Forecast {
    /// Problem sizes.
    pub sizes: Sizes,
    /// Threads the run would use.
    pub threads: usize,
    /// Iterations.
    pub iters: usize,
    /// Estimated peak memory, by part.
    pub memory: MemoryEstimate,
    /// Predicted seconds per iteration.
    pub per_iteration: PredictedSeconds,
    /// Flops of one iteration.
    pub work: StageWork,
    /// The rates used (and where they come from).
    pub rates: StageRates,
}

impl Forecast {
    /// Forecasts a run; rates come from `bench_json` (a `symrfm bench` report) if it exists and
    /// parses, else from [`StageRates::builtin`]. Rates are scaled linearly from the benchmark's
    /// thread count to the run's (a rough rule: two threads rarely give twice the speed).
    pub fn new(sizes: Sizes, params: &RfmParams, bench_json: &Path) -> Self {
        let threads = params.effective_threads();
        let mut rates = StageRates::from_bench_json(bench_json).unwrap_or_else(StageRates::builtin);
        let f = threads as f64 / rates.threads.max(1) as f64;
        let f32_speedup = match params.precision {
            crate::rfm::Precision::F64 => 1.0,
            // Measured by `symrfm bench` (full runs at p = 61 and 97): f32 runs 1.4–1.7× faster.
            crate::rfm::Precision::F32 => 1.5,
        };
        for r in [
            &mut rates.cholesky,
            &mut rates.solve,
            &mut rates.agop,
            &mut rates.predict,
        ] {
            *r *= f * f32_speedup;
        }
        rates.kernel_entries_per_s *= f;
        let per_iteration = rates.seconds_per_iteration(sizes, params.kernel);
        Forecast {
            sizes,
            threads,
            iters: params.iters,
            memory: memory::estimate(&memory::plan(sizes, params)),
            per_iteration,
            work: StageWork::new(sizes, params.kernel),
            rates,
        }
    }
}

impl fmt::Display for Forecast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mib = |b: u64| b as f64 / 1048576.0;
        let m = &self.memory;
        let s = &self.sizes;
        writeln!(
            f,
            "sizes: {} training points, {} test points, {} classes, input dimension {}",
            s.n_train, s.n_test, s.n_classes, s.dim
        )?;
        writeln!(
            f,
            "estimated peak memory: {:.0} MiB, {:.0} MiB if the LU fallback runs (kernel matrix {:.0}, AGOP {:.1}, test predictions {:.1}, saved matrices {:.1}, other {:.1}, process {:.0})",
            mib(m.total),
            mib(m.total_max),
            mib(m.kernel),
            mib(m.agop),
            mib(m.predict),
            mib(m.saved),
            mib(m.small),
            mib(m.baseline)
        )?;
        let p = &self.per_iteration;
        writeln!(
            f,
            "predicted time: {:.1} s for {} iterations ({:.3} s each: kernel {:.3}, solve {:.3}, AGOP {:.3}, predictions {:.3}, eig {:.4}; {:.1} GFLOP per iteration) with {} threads",
            p.total * self.iters as f64,
            self.iters,
            p.total,
            p.kernel,
            p.solve,
            p.agop,
            p.predict,
            p.eig,
            self.work.total_flops() / 1e9,
            self.threads
        )?;
        write!(
            f,
            "rates: {} (factorization {:.0}, AGOP {:.0}, predictions {:.0} GFLOP/s at {} threads); a loaded machine is slower",
            self.rates.source,
            self.rates.cholesky / 1e9,
            self.rates.agop / 1e9,
            self.rates.predict / 1e9,
            self.threads
        )
    }
}

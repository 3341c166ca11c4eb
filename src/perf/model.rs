//! Predicting a run's time before starting it: flop counts ([`StageWork`]) divided by measured
//! rates, and a power-law fit of measured times.

use super::flops::StageWork;
use crate::kernel::KernelKind;
use crate::rfm::memory::Sizes;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Measured speed of each stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageRates {
    /// Kernel entries per second.
    pub kernel_entries_per_s: f64,
    /// Cholesky factorization, flop/s.
    pub cholesky: f64,
    /// Triangular solves, flop/s.
    pub solve: f64,
    /// Structured AGOP, flop/s.
    pub agop: f64,
    /// Test predictions (kernel included), flop/s.
    pub predict: f64,
    /// Eigendecomposition, flop/s.
    pub eig: f64,
    /// Threads the rates were measured with.
    pub threads: usize,
    /// Where the rates come from.
    pub source: String,
}

impl StageRates {
    /// Rates measured by `symrfm bench` on the development machine (results/bench.json of the
    /// committed run: 2-core AMD EPYC with AVX-512, 2 threads, f64, p = 31…127, load average ≈ 2;
    /// sums of flops over sums of median stage times). A loaded machine is slower (2–4× at load
    /// 3–9); run `symrfm bench` to measure your own (it writes results/bench.json, which `--dry-run`
    /// prefers).
    pub fn builtin() -> Self {
        StageRates {
            kernel_entries_per_s: 4.5e9,
            cholesky: 89e9,
            solve: 89e9,
            agop: 71e9,
            predict: 81e9,
            eig: 22e9,
            threads: 2,
            source: "built-in rates (symrfm bench on a 2-core AMD EPYC, load ≈ 2)".into(),
        }
    }

    /// The rates in a bench report (`results/bench.json`), if the file exists and parses.
    pub fn from_bench_json(path: &Path) -> Option<Self> {
        let text = std::fs::read_to_string(path).ok()?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        let mut rates: StageRates = serde_json::from_value(v.get("rates")?.clone()).ok()?;
        rates.source = format!("rates measured by symrfm bench ({})", path.display());
        Some(rates)
    }

    /// Seconds per iteration predicted for these sizes, per stage and in total.
    pub fn seconds_per_iteration(&self, s: Sizes, kernel: KernelKind) -> PredictedSeconds {
        let w = StageWork::new(s, kernel);
        let kernel_s = w.kernel_entries / self.kernel_entries_per_s;
        let p = PredictedSeconds {
            kernel: kernel_s,
            solve: w.cholesky / self.cholesky + w.solve / self.solve,
            agop: w.agop / self.agop,
            predict: w.predict / self.predict,
            eig: w.eig / self.eig,
            total: 0.0,
        };
        PredictedSeconds {
            total: p.kernel + p.solve + p.agop + p.predict + p.eig,
            ..p
        }
    }
}

/// Predicted seconds of one iteration.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PredictedSeconds {
    /// Kernel matrices.
    pub kernel: f64,
    /// Factorization and solves.
    pub solve: f64,
    /// AGOP.
    pub agop: f64,
    /// Test predictions.
    pub predict: f64,
    /// Eigendecomposition.
    pub eig: f64,
    /// Sum.
    pub total: f64,
}

/// A power law `t = a · n^b` fitted by least squares on logarithms.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PowerLaw {
    /// Prefactor a.
    pub a: f64,
    /// Exponent b.
    pub b: f64,
}

impl PowerLaw {
    /// Fits `t = a n^b` to points `(n, t)` with n, t > 0 (None with fewer than two points).
    pub fn fit(points: &[(f64, f64)]) -> Option<Self> {
        let pts: Vec<(f64, f64)> = points
            .iter()
            .filter(|(n, t)| *n > 0.0 && *t > 0.0)
            .map(|(n, t)| (n.ln(), t.ln()))
            .collect();
        if pts.len() < 2 {
            return None;
        }
        let k = pts.len() as f64;
        let mx = pts.iter().map(|p| p.0).sum::<f64>() / k;
        let my = pts.iter().map(|p| p.1).sum::<f64>() / k;
        let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
        if sxx == 0.0 {
            return None;
        }
        let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let b = sxy / sxx;
        Some(PowerLaw {
            a: (my - b * mx).exp(),
            b,
        })
    }

    /// `a n^b`.
    pub fn at(&self, n: f64) -> f64 {
        self.a * n.powf(self.b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_law_recovers_its_parameters() {
        let pts: Vec<(f64, f64)> = [100.0, 400.0, 2000.0]
            .iter()
            .map(|&n: &f64| (n, 3e-9 * n.powf(2.7)))
            .collect();
        let f = PowerLaw::fit(&pts).unwrap();
        assert!((f.b - 2.7).abs() < 1e-9 && (f.a / 3e-9 - 1.0).abs() < 1e-6);
        assert!((f.at(1000.0) / (3e-9 * 1000f64.powf(2.7)) - 1.0).abs() < 1e-6);
        assert!(PowerLaw::fit(&pts[..1]).is_none());
    }

    #[test]
    fn predicted_time_grows_with_the_problem() {
        let r = StageRates::builtin();
        let s = |n: usize| Sizes {
            n_train: n * n / 2,
            n_test: n * n - n * n / 2,
            n_classes: n,
            dim: 2 * n,
        };
        let k = KernelKind::Gaussian { bandwidth: 2.5 };
        let a = r.seconds_per_iteration(s(31), k);
        let b = r.seconds_per_iteration(s(61), k);
        assert!(b.total > 20.0 * a.total && a.total > 0.0);
        assert!((b.total - (b.kernel + b.solve + b.agop + b.predict + b.eig)).abs() < 1e-12);
    }
}

//! The warning about ill-posed iterations: which ones, how bad, the likely cause and the fix.
//!
//! An iteration is ill-posed when its kernel system `(K + λI)α = Y` was not solved to the
//! documented tolerance, or when λ = 0 and the training set is not interpolated (see
//! [`crate::rfm::metrics::is_ill_posed`]). The cause is read off the kernel's scale at that
//! iteration: with a typical squared distance `s = 2 tr(M_t) / d` between training inputs (the
//! distance of two pairs that differ in one symbol when M = I), the Gaussian kernel's exponent is
//! `s / 2L²` (the Laplace kernel's `√s / L`). A tiny exponent means K is close to the all-ones
//! matrix (bandwidth too large); a huge one that K is close to the identity (bandwidth too small);
//! in between, the system is merely ill-conditioned.

use crate::kernel::KernelKind;
use crate::rfm::metrics::ill_posed_tolerance;
use crate::rfm::{IterationRecord, RfmParams};
use crate::solve::SolverKind;

/// Exponent below which K counts as close to the all-ones matrix.
const ALL_ONES: f64 = 1e-3;
/// Exponent above which K counts as close to the identity.
const IDENTITY: f64 = 30.0;

/// The exponent of the kernel at a typical distance between training inputs for M with trace
/// `trace_m` in dimension `d` (None for the quadratic kernel, which has no bandwidth).
fn typical_exponent(kind: KernelKind, trace_m: f64, d: usize) -> Option<f64> {
    let s = 2.0 * trace_m / d.max(1) as f64;
    match kind {
        KernelKind::Gaussian { bandwidth } => Some(s / (2.0 * bandwidth * bandwidth)),
        KernelKind::Laplace { bandwidth } => Some(s.max(0.0).sqrt() / bandwidth),
        KernelKind::Quadratic => None,
    }
}

/// One warning for all the ill-posed iterations of a run (None when there are none). It names
/// the parameters by their specification names (`params.ridge`, `params.kernel.bandwidth`).
pub fn warning(iterations: &[IterationRecord], params: &RfmParams, d: usize) -> Option<String> {
    let bad: Vec<&IterationRecord> = iterations.iter().filter(|r| r.ill_posed).collect();
    let first = bad.first()?;
    let mut list: Vec<String> = bad.iter().take(8).map(|r| r.iter.to_string()).collect();
    if bad.len() > 8 {
        list.push("…".into());
    }
    let worst = bad.iter().filter_map(|r| r.residual).fold(0.0f64, |a, v| {
        if v.is_nan() || a.is_nan() {
            f64::NAN
        } else {
            a.max(v)
        }
    });
    let tol = ill_posed_tolerance(params.precision);
    let lu = if bad.iter().any(|r| r.solver == SolverKind::Lu) {
        " (Cholesky met a non-positive pivot and the LU fallback solved a nearly singular system)"
    } else {
        ""
    };
    let bandwidth = match params.kernel {
        KernelKind::Gaussian { bandwidth } | KernelKind::Laplace { bandwidth } => bandwidth,
        KernelKind::Quadratic => f64::NAN,
    };
    let cause = match typical_exponent(params.kernel, first.trace_m, d) {
        Some(e) if e < ALL_ONES => format!(
            "K is close to the all-ones matrix (a typical kernel exponent between training inputs \
             is {e:.1e} at t = {}), so it is nearly rank-deficient: `params.kernel.bandwidth` \
             {bandwidth} is too large for this M; use a smaller bandwidth or a positive \
             `params.ridge`",
            first.iter
        ),
        Some(e) if e > IDENTITY => format!(
            "K is close to the identity (a typical kernel exponent between training inputs is \
             {e:.1e} at t = {}): `params.kernel.bandwidth` {bandwidth} is too small for this M; \
             use a larger bandwidth or a positive `params.ridge`",
            first.iter
        ),
        _ => "the kernel system is ill-conditioned at this ridge; use a positive \
              `params.ridge` (e.g. 1e-6 to 1e-3)"
            .to_string(),
    };
    Some(format!(
        "{} of {} iterations are ill-posed (t = {}){lu}: relative residual \
         ‖(K + λI)α − Y‖/‖Y‖ up to {worst:.1e} (tolerance {tol:.0e}), or train accuracy < 1 at \
         ridge 0; they are marked `ill_posed` and left out of best_test_acc and of the first \
         iteration with test accuracy ≥ 0.99. Likely cause: {cause}",
        bad.len(),
        iterations.len(),
        list.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rfm::StageSeconds;

    fn record(iter: usize, trace_m: f64, ill_posed: bool) -> IterationRecord {
        IterationRecord {
            iter,
            train_acc: if ill_posed { 0.1 } else { 1.0 },
            test_acc: 0.5,
            train_mse: 0.0,
            test_mse: 0.0,
            trace_m,
            trace_m_next: trace_m,
            solver: SolverKind::Lu,
            seconds: StageSeconds::default(),
            residual: Some(if ill_posed { 3.0 } else { 1e-14 }),
            ill_posed,
        }
    }

    fn params(bandwidth: f64) -> RfmParams {
        RfmParams {
            kernel: KernelKind::Gaussian { bandwidth },
            ..RfmParams::default()
        }
    }

    #[test]
    fn no_warning_without_ill_posed_iterations() {
        let its = [record(0, 22.0, false), record(1, 30.0, false)];
        assert_eq!(warning(&its, &params(2.5), 22), None);
    }

    #[test]
    fn a_large_bandwidth_is_named_as_too_large() {
        let its = [record(0, 22.0, true), record(1, 22.0, false)];
        let w = warning(&its, &params(1e4), 22).unwrap();
        assert!(
            w.starts_with("1 of 2 iterations are ill-posed (t = 0)"),
            "{w}"
        );
        assert!(w.contains("all-ones") && w.contains("too large"), "{w}");
        assert!(
            w.contains("`params.ridge`") && w.contains("LU fallback"),
            "{w}"
        );
    }

    #[test]
    fn a_small_bandwidth_is_named_as_too_small() {
        let its = [record(0, 22.0, true)];
        let w = warning(&its, &params(0.05), 22).unwrap();
        assert!(
            w.contains("close to the identity") && w.contains("too small"),
            "{w}"
        );
    }

    #[test]
    fn the_summary_leaves_ill_posed_iterations_out() {
        let mut records: Vec<IterationRecord> = [
            (0.995, true),
            (0.5, false),
            (1.0, true),
            (0.992, false),
            (0.7, true),
        ]
        .iter()
        .enumerate()
        .map(|(t, &(acc, bad))| IterationRecord {
            test_acc: acc,
            ..record(t, 22.0, bad)
        })
        .collect();
        let s = crate::report::Summary::new(&records);
        assert_eq!(s.first_iter_test_acc_ge_099, Some(3));
        assert_eq!(s.best_test_acc, 0.992);
        assert_eq!(s.final_test_acc, 0.7, "the last iteration, whatever it was");
        // Without marks (files written before them), every iteration counts.
        records.iter_mut().for_each(|r| r.ill_posed = false);
        let s = crate::report::Summary::new(&records);
        assert_eq!(s.first_iter_test_acc_ge_099, Some(0));
        assert_eq!(s.best_test_acc, 1.0);
    }
}

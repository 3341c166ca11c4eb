//! The RFM iteration loop.

use super::agop::{agop, AgopInput};
use super::metrics::{score, IterationRecord, StageSeconds};
use super::params::RfmParams;
use crate::data::{self, Split};
use crate::error::{Error, Result};
use crate::group::Task;
use crate::kernel::onehot::{kernel_matrix, sq_norms, Tokens};
use crate::kernel::KernelKind;
use crate::linalg::{matmul, par, sym_power};
use crate::solve::memory::{self, Sizes, PREDICT_BLOCK};
use crate::solve::{solve_in_place, SolverKind};
use ndarray::{s, Array2, ArrayView2};
use std::time::Instant;

/// A feature matrix kept during training.
#[derive(Clone, Debug, PartialEq)]
pub struct SavedMatrix {
    /// Number of updates applied: this is M_t (M_0 = the initial matrix).
    pub t: usize,
    /// The matrix (d × d).
    pub m: Array2<f64>,
}

/// What an observer sees after each iteration: the record and the state that produced it.
#[derive(Clone, Copy, Debug)]
pub struct IterationState<'a> {
    /// The iteration's metrics.
    pub record: &'a IterationRecord,
    /// M_t, the matrix used in this iteration.
    pub m: ArrayView2<'a, f64>,
    /// M_{t+1}, after this iteration's update.
    pub m_next: ArrayView2<'a, f64>,
    /// The fitted coefficients α (n_train × c) of the predictor `f_t(x) = Σ_i α_i k_{M_t}(x, x_i)`.
    pub alpha: ArrayView2<'a, f64>,
    /// The training inputs.
    pub train_tokens: Tokens<'a>,
    /// The kernel.
    pub kernel: KernelKind,
    /// Which test pairs (in `split.test` order) were classified correctly.
    pub test_hits: &'a [bool],
}

/// Predictions `f(x) = Σ_i α_i k_M(x, x_i)` (rows × c) for the inputs `query`, computed in blocks of
/// [`PREDICT_BLOCK`] rows so that the kernel block stays small.
pub fn predict(
    kind: KernelKind,
    m: ArrayView2<'_, f64>,
    train: Tokens<'_>,
    alpha: ArrayView2<'_, f64>,
    query: Tokens<'_>,
    par: faer::Par,
) -> Array2<f64> {
    let train_norms = sq_norms(m, train);
    let mut out = Array2::<f64>::zeros((query.len(), alpha.ncols()));
    let mut scratch = Array2::<f64>::zeros((PREDICT_BLOCK.min(query.len().max(1)), train.len()));
    predict_into(kind, m, train, &train_norms, alpha, query, out.view_mut(), &mut scratch, par);
    out
}

#[allow(clippy::too_many_arguments)]
fn predict_into(
    kind: KernelKind,
    m: ArrayView2<'_, f64>,
    train: Tokens<'_>,
    train_norms: &[f64],
    alpha: ArrayView2<'_, f64>,
    query: Tokens<'_>,
    mut out: ndarray::ArrayViewMut2<'_, f64>,
    scratch: &mut Array2<f64>,
    par: faer::Par,
) {
    let norms = sq_norms(m, query);
    let block = scratch.nrows().max(1);
    let mut r0 = 0;
    while r0 < query.len() {
        let bj = block.min(query.len() - r0);
        let rows = Tokens { first: &query.first[r0..r0 + bj], second: &query.second[r0..r0 + bj] };
        let mut kb = scratch.slice_mut(s![..bj, ..]);
        kernel_matrix(kind, m, rows, &norms[r0..r0 + bj], train, train_norms, kb.view_mut(), None);
        matmul(out.slice_mut(s![r0..r0 + bj, ..]), kb.view(), alpha, 1.0, false, par);
        r0 += bj;
    }
}

/// What the observer tells the loop after each iteration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Go on.
    Continue,
    /// Stop after this iteration (the output is marked incomplete).
    Stop,
}

/// The result of a training run.
#[derive(Clone, Debug)]
pub struct TrainOutput {
    /// One record per completed iteration.
    pub iterations: Vec<IterationRecord>,
    /// Saved feature matrices, ascending in t; the last one is the final M.
    pub saved: Vec<SavedMatrix>,
    /// Whether all requested iterations ran.
    pub complete: bool,
    /// Test pairs classified correctly at the last completed iteration.
    pub test_correct: Vec<usize>,
    /// Estimated peak memory of the large buffers, bytes.
    pub memory_estimate: u64,
}

impl TrainOutput {
    /// The final feature matrix.
    pub fn final_m(&self) -> Option<&Array2<f64>> {
        self.saved.last().map(|s| &s.m)
    }
}

/// Trains an RFM on `task` with `split`.
///
/// `init_m` replaces M_0 = I (it must be d × d, symmetric and finite). `max_memory` caps the estimated
/// peak memory in bytes (default: the memory available). `observer` sees every iteration's record and
/// can stop the run (see [`IterationState`]). Everything random has happened before (the split); the loop itself is
/// deterministic, and each entry of every matrix it builds is computed by one thread in a fixed
/// order.
pub fn train(
    task: &Task,
    split: &Split,
    params: &RfmParams,
    init_m: Option<Array2<f64>>,
    max_memory: Option<u64>,
    observer: &mut (dyn FnMut(&IterationState<'_>) -> Control + Send),
) -> Result<TrainOutput> {
    params.validate()?;
    split.check_nonempty()?;
    let d = task.input_dim();
    let c = task.n_classes();
    let m0 = match init_m {
        Some(m) => {
            check_init(&m, d)?;
            m
        }
        None => Array2::eye(d),
    };
    let sizes = Sizes {
        n_train: split.train.len(),
        n_test: split.test.len(),
        n_classes: c,
        dim: d,
    };
    let separate_weights = !matches!(params.kernel, KernelKind::Gaussian { .. });
    let memory_estimate = memory::check(sizes, separate_weights, max_memory)?;
    let threads = params.effective_threads();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| {
            Error::param(
                "--threads",
                threads,
                format!("a thread count the system allows ({e})"),
            )
        })?;
    pool.install(|| run_loop(task, split, params, m0, threads, memory_estimate, observer))
}

fn check_init(m: &Array2<f64>, d: usize) -> Result<()> {
    let bad = |reason: String| Error::param("--init-m", "the given matrix", reason);
    if m.dim() != (d, d) {
        return Err(bad(format!(
            "a {d}×{d} matrix for this task (got {}×{})",
            m.nrows(),
            m.ncols()
        )));
    }
    if m.iter().any(|v| !v.is_finite()) {
        return Err(bad("finite entries".into()));
    }
    let scale = m
        .iter()
        .fold(0.0f64, |a, v| a.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    for i in 0..d {
        for j in 0..i {
            if (m[[i, j]] - m[[j, i]]).abs() > 1e-9 * scale {
                return Err(bad(format!(
                    "a symmetric matrix (entries ({i},{j}) and ({j},{i}) differ)"
                )));
            }
        }
    }
    Ok(())
}

fn run_loop(
    task: &Task,
    split: &Split,
    params: &RfmParams,
    mut m: Array2<f64>,
    threads: usize,
    memory_estimate: u64,
    observer: &mut (dyn FnMut(&IterationState<'_>) -> Control + Send),
) -> Result<TrainOutput> {
    let par = par(threads);
    let kind = params.kernel;
    let (tr1, tr2) = data::tokens(task, &split.train);
    let (te1, te2) = data::tokens(task, &split.test);
    let train_tokens = Tokens {
        first: &tr1,
        second: &tr2,
    };
    let test_tokens = Tokens {
        first: &te1,
        second: &te2,
    };
    let y_train = data::labels(task, &split.train);
    let y_test = data::labels(task, &split.test);
    let (n, n_test, c) = (split.train.len(), split.test.len(), task.n_classes());

    let mut k = Array2::<f64>::zeros((n, n));
    let mut work = Array2::<f64>::zeros((n, n));
    let mut weights = matches!(kind, KernelKind::Laplace { .. } | KernelKind::Quadratic)
        .then(|| Array2::<f64>::zeros((n, n)));
    // α is stored as a c × n standard array: its transpose is the n × c column-major right-hand side.
    let mut alpha_t = Array2::<f64>::zeros((c, n));
    let mut pred_train = Array2::<f64>::zeros((n, c));
    let mut pred_test = Array2::<f64>::zeros((n_test, c));
    let block = PREDICT_BLOCK.min(n_test.max(1));
    let mut k_test = Array2::<f64>::zeros((block, n));

    let mut out = TrainOutput {
        iterations: Vec::with_capacity(params.iters),
        saved: Vec::new(),
        complete: false,
        test_correct: Vec::new(),
        memory_estimate,
    };
    for t in 0..params.iters {
        let start = Instant::now();
        let mut sec = StageSeconds::default();
        let trace_m = m.diag().sum();

        // 1. kernel
        let clock = Instant::now();
        let norms = sq_norms(m.view(), train_tokens);
        kernel_matrix(
            kind,
            m.view(),
            train_tokens,
            &norms,
            train_tokens,
            &norms,
            k.view_mut(),
            weights.as_mut().map(|w| w.view_mut()),
        );
        if k.iter().any(|v| !v.is_finite()) {
            return Err(Error::Numerical {
                iteration: t,
                what: "the kernel matrix has NaN or ∞ entries (M overflowed?)".into(),
            });
        }
        sec.kernel = clock.elapsed().as_secs_f64();

        // 2. solve
        let clock = Instant::now();
        alpha_t.fill(0.0);
        for (i, &y) in y_train.iter().enumerate() {
            alpha_t[[y as usize, i]] = 1.0;
        }
        let solver: SolverKind = solve_in_place(
            k.view(),
            params.ridge,
            &mut work,
            alpha_t.view_mut().reversed_axes(),
            par,
            t,
        )?;
        let alpha = alpha_t.t();
        sec.solve = clock.elapsed().as_secs_f64();

        // 3. predictions and metrics with M_t
        let clock = Instant::now();
        matmul(pred_train.view_mut(), k.view(), alpha, 1.0, false, par);
        predict_into(kind, m.view(), train_tokens, &norms, alpha, test_tokens, pred_test.view_mut(), &mut k_test, par);
        let (train_correct, train_sse, _) = score(pred_train.view(), &y_train);
        let (test_correct, test_sse, test_hits) = score(pred_test.view(), &y_test);
        sec.predict = clock.elapsed().as_secs_f64();

        // 4. AGOP
        let clock = Instant::now();
        let w: ArrayView2<'_, f64> = weights.as_ref().map_or(k.view(), |w| w.view());
        let input = AgopInput {
            tokens: train_tokens,
            weights: w,
            alpha,
            m: m.view(),
            difference: kind.is_difference_kernel(),
            scale: kind.gradient_scale(),
            centering: params.centering,
        };
        let g = agop(&input, par);
        if g.iter().any(|v| !v.is_finite()) {
            return Err(Error::Numerical {
                iteration: t,
                what: "the AGOP has NaN or ∞ entries".into(),
            });
        }
        sec.agop = clock.elapsed().as_secs_f64();

        // 5. M ← AGOP^s
        let clock = Instant::now();
        let (next, _) = sym_power(g.view(), params.agop_power).map_err(|e| match e {
            Error::Numerical { what, .. } => Error::Numerical { iteration: t, what },
            other => other,
        })?;
        sec.eig = clock.elapsed().as_secs_f64();
        sec.total = start.elapsed().as_secs_f64();

        let record = IterationRecord {
            iter: t,
            train_acc: train_correct as f64 / n as f64,
            test_acc: test_correct as f64 / n_test as f64,
            train_mse: train_sse / (n * c) as f64,
            test_mse: test_sse / (n_test * c) as f64,
            trace_m,
            trace_m_next: next.diag().sum(),
            solver,
            seconds: sec,
        };
        out.test_correct = split
            .test
            .iter()
            .zip(&test_hits)
            .filter(|(_, &h)| h)
            .map(|(&k, _)| k)
            .collect();
        let control = observer(&IterationState {
            record: &record,
            m: m.view(),
            m_next: next.view(),
            alpha,
            train_tokens,
            kernel: kind,
            test_hits: &test_hits,
        });
        m = next;
        out.iterations.push(record);
        let done = t + 1;
        if params.save_every.is_some_and(|e| done % e == 0) && done < params.iters {
            out.saved.push(SavedMatrix {
                t: done,
                m: m.clone(),
            });
        }
        if control == Control::Stop {
            break;
        }
    }
    out.complete = out.iterations.len() == params.iters;
    out.saved.push(SavedMatrix {
        t: out.iterations.len(),
        m,
    });
    Ok(out)
}

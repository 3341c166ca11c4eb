//! The RFM iteration loop.

use super::agop::{agop_with_predictions_in, workers, AgopInput, AgopWorkspace};
use super::memory::{self, Sizes};
use super::metrics::{score, IterationRecord, StageSeconds};
use super::params::{Precision, RfmParams};
use crate::data::{self, Split};
use crate::error::{Error, Result};
use crate::group::Task;
use crate::kernel::onehot::{
    kernel_matrix_with, sq_norms, Fill, KernelEvaluator, PreparedRows, Tokens,
};
use crate::kernel::KernelKind;
use crate::linalg::{matmul, par, sym_power, Real};
use crate::parallel::map_items_reusing;
use crate::solve::{factor_and_solve, SolverKind};
use faer::Par;
use ndarray::{s, Array2, ArrayView2, ArrayViewMut2};
use std::time::Instant;

/// Rows of the test set predicted per block (bounds the test kernel's memory).
pub const PREDICT_BLOCK: usize = 128;

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
/// [`PREDICT_BLOCK`] rows (in parallel, each block's kernel and product sequential) so that the
/// kernel block stays small. The result does not depend on `par`.
pub fn predict(
    kind: KernelKind,
    m: ArrayView2<'_, f64>,
    train: Tokens<'_>,
    alpha: ArrayView2<'_, f64>,
    query: Tokens<'_>,
    par: Par,
) -> Array2<f64> {
    let eval = KernelEvaluator::new(kind, m);
    let train_norms = sq_norms(m, train);
    predict_rows(
        &eval,
        train,
        &train_norms,
        alpha,
        query,
        par,
        &mut Vec::new(),
    )
}

/// The workers' buffers of [`predict_rows`]: a kernel block and prepared rows.
type PredictScratch<T> = (Array2<T>, PreparedRows);

/// [`predict`] with a prepared evaluator and the training norms, α in any precision.
pub(crate) fn predict_rows<T: Real>(
    eval: &KernelEvaluator<'_>,
    train: Tokens<'_>,
    train_norms: &[f64],
    alpha: ArrayView2<'_, T>,
    query: Tokens<'_>,
    par: Par,
    scratch: &mut Vec<PredictScratch<T>>,
) -> Array2<f64> {
    let (n, c) = (train.len(), alpha.ncols());
    assert_eq!(alpha.nrows(), n, "alpha rows");
    let columns = eval.columns(train, train_norms);
    let norms = sq_norms(eval.m(), query);
    let block = PREDICT_BLOCK.min(query.len().max(1));
    let blocks = query.len().div_ceil(block);
    scratch.retain(|s| s.0.dim() == (block, n));
    let parts = map_items_reusing(
        blocks,
        workers(par),
        scratch,
        || (Array2::<T>::zeros((block, n)), PreparedRows::default()),
        |b, (kb, row)| {
            let r = b * block..((b + 1) * block).min(query.len());
            let rows = Tokens {
                first: &query.first[r.clone()],
                second: &query.second[r.clone()],
            };
            let mut kb = kb.slice_mut(s![..r.len(), ..]);
            eval.fill_block(&columns, rows, &norms[r.clone()], kb.view_mut(), None, row);
            let mut out = Array2::<T>::zeros((r.len(), c));
            matmul(out.view_mut(), kb.view(), alpha, T::one(), false, Par::Seq);
            out
        },
    );
    let mut out = Array2::<f64>::zeros((query.len(), c));
    for (b, part) in parts.iter().enumerate() {
        out.slice_mut(s![b * block..b * block + part.nrows(), ..])
            .zip_mut_with(part, |o, v| *o = v.wide());
    }
    out
}

/// What the observer tells the loop after each iteration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// Go on.
    Continue,
    /// Stop after this iteration (the output is marked incomplete).
    Stop,
}

/// The predictor `f(x) = Σ_i α_i k_M(x, x_i)` of one iteration: the M it used and its α.
#[derive(Clone, Debug, PartialEq)]
pub struct LastSolve {
    /// The iteration t (its metrics are the record with `iter == t`).
    pub t: usize,
    /// M_t, the feature matrix of the kernel (d × d).
    pub m: Array2<f64>,
    /// α_t (n_train × c), widened to f64 when the run is in f32 (exactly: every f32 is an f64).
    pub alpha: Array2<f64>,
    /// The outputs f_t(x) (n_test × c) on the test pairs, in `split.test` order: the numbers behind
    /// the record's test accuracy and test MSE.
    pub test_predictions: Array2<f64>,
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
    /// The predictor of the last completed iteration: M_t and α_t of the solve that produced the
    /// last record's metrics (None only when no iteration ran).
    pub last_solve: Option<LastSolve>,
    /// Test pairs classified correctly at the last completed iteration.
    pub test_correct: Vec<usize>,
    /// Estimated peak memory of the run with one thread, bytes (each further thread adds its own
    /// AGOP and prediction buffers, see [`memory::estimate`]; the check before training counts the
    /// threads actually used). Independent of `--threads`, like every other number of the output.
    pub memory_estimate: u64,
    /// Asymmetry of every M_t with respect to the training set's stabilizer (tasks on a group).
    pub trap: Option<super::intervention::TrapDynamics>,
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
    train_from(task, split, params, init_m, 0, max_memory, observer)
}

/// [`train`] continued from iteration `first`: `m` is M_first (the identity when `None`, which
/// only makes sense for `first = 0`), and the loop runs t = first, …, `params.iters` − 1 with the
/// iteration numbers, intervention schedules and `save_every` multiples of an uninterrupted run.
/// The loop has no other state, so continuing from the exact M_first gives bitwise the
/// iterations an uninterrupted run would have. The output holds only the new iterations; its
/// trap record starts with M_first.
pub fn train_from(
    task: &Task,
    split: &Split,
    params: &RfmParams,
    init_m: Option<Array2<f64>>,
    first: usize,
    max_memory: Option<u64>,
    observer: &mut (dyn FnMut(&IterationState<'_>) -> Control + Send),
) -> Result<TrainOutput> {
    params.validate()?;
    if first >= params.iters {
        return Err(Error::param(
            "params.iters",
            params.iters,
            format!("more than the {first} iterations already done"),
        ));
    }
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
    let threads = params.effective_threads();
    #[cfg(feature = "openblas")]
    if params.backend == crate::solve::Backend::OpenBlas {
        crate::solve::openblas::set_threads(params.effective_threads());
    }
    let plan = memory::plan(sizes, params);
    memory::check(&plan, max_memory)?;
    let memory_estimate = memory::estimate_bytes(&memory::MemoryPlan { workers: 1, ..plan });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| {
            Error::param(
                "params.threads",
                threads,
                format!("a thread count the system allows ({e})"),
            )
        })?;
    pool.install(|| match params.precision {
        Precision::F64 => run_loop::<f64>(
            task,
            split,
            params,
            m0,
            first,
            threads,
            memory_estimate,
            observer,
        ),
        Precision::F32 => run_loop::<f32>(
            task,
            split,
            params,
            m0,
            first,
            threads,
            memory_estimate,
            observer,
        ),
    })
}

/// Checks that an initial feature matrix fits a task of input dimension `d`: d × d, finite and
/// symmetric (to 1e-9 relative to its largest entry).
pub fn check_init(m: &Array2<f64>, d: usize) -> Result<()> {
    let bad = |reason: String| Error::param("init_m", "the given matrix", reason);
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

#[allow(clippy::too_many_arguments)]
fn run_loop<T: Real>(
    task: &Task,
    split: &Split,
    params: &RfmParams,
    mut m: Array2<f64>,
    first: usize,
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

    // The only n × n buffer: K + λI, then its factorization.
    let mut k = Array2::<T>::zeros((n, n));
    // α is stored as a c × n standard array: its transpose is the n × c column-major right-hand side.
    let mut alpha_t = Array2::<T>::zeros((c, n));
    // Workers' buffers, allocated once.
    let mut agop_workspace = AgopWorkspace::<T>::default();
    let mut predict_scratch = Vec::new();

    let mut out = TrainOutput {
        iterations: Vec::with_capacity(params.iters - first),
        saved: Vec::new(),
        complete: false,
        last_solve: None,
        test_correct: Vec::new(),
        memory_estimate,
        trap: None,
    };
    let interventions = super::intervention::Interventions::new(task, split, params)?;
    let mut trap = interventions.trap_recorder();
    if let Some(r) = trap.as_mut() {
        r.push(&m);
    }
    let tolerance = super::metrics::ill_posed_tolerance(params.precision);
    let trace_first = m.diag().sum().abs().max(f64::MIN_POSITIVE);
    for t in first..params.iters {
        let start = Instant::now();
        let mut sec = StageSeconds::default();
        let trace_m = m.diag().sum();

        // 1. kernel (lower triangle: all the Cholesky factorization reads)
        let clock = Instant::now();
        let eval = KernelEvaluator::new(kind, m.view());
        let norms = sq_norms(m.view(), train_tokens);
        let fill = |a: ArrayViewMut2<'_, T>, fill: Fill| {
            let mut a = a;
            kernel_matrix_with(
                &eval,
                train_tokens,
                &norms,
                train_tokens,
                &norms,
                a.view_mut(),
                None,
                fill,
            );
            if params.ridge != 0.0 {
                let ridge = T::cast(params.ridge);
                a.diag_mut().iter_mut().for_each(|v| *v += ridge);
            }
        };
        fill(k.view_mut(), Fill::Lower);
        super::checks::kernel_lower(k.view(), kind, t, trace_m / trace_first)?;
        sec.kernel = clock.elapsed().as_secs_f64();

        // 2. solve
        let clock = Instant::now();
        alpha_t.fill(T::zero());
        for (i, &y) in y_train.iter().enumerate() {
            alpha_t[[y as usize, i]] = T::one();
        }
        let solver: SolverKind = factor_and_solve(
            k.view_mut(),
            alpha_t.view_mut().reversed_axes(),
            par,
            params.backend,
            t,
            &mut |a| fill(a, Fill::Full),
        )?;
        let alpha = alpha_t.t();
        sec.solve = clock.elapsed().as_secs_f64();

        // 3. AGOP (and the training predictions, a by-product)
        let clock = Instant::now();
        let input = AgopInput {
            tokens: train_tokens,
            alpha,
            m: m.view(),
            kernel: kind,
            centering: params.centering,
        };
        let agop = agop_with_predictions_in(&input, par, &mut agop_workspace);
        super::checks::agop(agop.agop.view(), t)?;
        sec.agop = clock.elapsed().as_secs_f64();

        // 4. test predictions and metrics with M_t
        let clock = Instant::now();
        let pred_test = predict_rows(
            &eval,
            train_tokens,
            &norms,
            alpha,
            test_tokens,
            par,
            &mut predict_scratch,
        );
        let (train_correct, train_sse, _) = score(agop.predictions.view(), &y_train);
        let (test_correct, test_sse, test_hits) = score(pred_test.view(), &y_test);
        if let Some(r) = trap.as_mut() {
            r.observe(t, &test_hits);
        }
        let alpha64 = T::view_f64(alpha);
        // Kα are the training predictions, computed from the kernel entries: O(n c) more work.
        let residual = super::metrics::relative_residual(
            agop.predictions.view(),
            alpha64.view(),
            params.ridge,
            &y_train,
        );
        sec.predict = clock.elapsed().as_secs_f64();

        // 5. M ← AGOP^s
        let clock = Instant::now();
        let (mut next, _) =
            sym_power(agop.agop.view(), params.agop_power).map_err(|e| match e {
                Error::Numerical { what, .. } => Error::Numerical { iteration: t, what },
                other => other,
            })?;
        interventions.apply(t, &mut next)?;
        if let Some(r) = trap.as_mut() {
            r.push(&next);
        }
        super::checks::feature_matrix(next.view(), t)?;
        sec.eig = clock.elapsed().as_secs_f64();
        sec.total = start.elapsed().as_secs_f64();

        let train_acc = train_correct as f64 / n as f64;
        let record = IterationRecord {
            iter: t,
            train_acc,
            test_acc: test_correct as f64 / n_test as f64,
            train_mse: train_sse / (n * c) as f64,
            test_mse: test_sse / (n_test * c) as f64,
            trace_m,
            trace_m_next: next.diag().sum(),
            solver,
            seconds: sec,
            residual: Some(residual),
            ill_posed: super::metrics::is_ill_posed(residual, tolerance, params.ridge, train_acc),
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
            alpha: alpha64.view(),
            train_tokens,
            kernel: kind,
            test_hits: &test_hits,
        });
        let done = t + 1;
        if done == params.iters || control == Control::Stop {
            out.last_solve = Some(LastSolve {
                t,
                m: m.clone(),
                alpha: alpha64.into_owned(),
                test_predictions: pred_test,
            });
        }
        m = next;
        out.iterations.push(record);
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
    out.complete = first + out.iterations.len() == params.iters;
    out.trap = trap.map(|r| r.finish());
    out.saved.push(SavedMatrix {
        t: first + out.iterations.len(),
        m,
    });
    Ok(out)
}

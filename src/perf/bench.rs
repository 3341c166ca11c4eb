//! The benchmark behind `symrfm bench`: per-stage time and achieved GFLOP/s for several moduli,
//! the structured AGOP against the dense formulation of the reference implementation, the machine's
//! own GEMM rate as the ceiling, peak memory against the estimate, a scaling fit, and f32 against
//! f64 on full runs. Timings are wall-clock seconds; a shared machine makes them noisy, so every
//! report carries the load average measured before and after.

use super::dense_agop::{dense_agop, dense_agop_bytes};
use super::flops::StageWork;
use super::machine::{load_average, Machine};
use super::model::{PowerLaw, StageRates};
use crate::data::{Split, SplitSpec};
use crate::error::Result;
use crate::group::{Operation, Task, TaskSpec};
use crate::kernel::onehot::Tokens;
use crate::kernel::KernelKind;
use crate::linalg::{matmul, par};
use crate::report::RunReport;
use crate::rfm::agop::{agop, AgopInput};
use crate::rfm::memory::{self, Sizes};
use crate::rfm::{train, Control, IterationRecord, Precision, RfmParams, StageSeconds};
use crate::solve::Backend;
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// What to measure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchConfig {
    /// Moduli p of `add mod p`, training fraction 0.5, seed 0.
    pub moduli: Vec<u64>,
    /// Iterations per modulus for the stage timings (the median is reported).
    pub iters: usize,
    /// Worker threads (0 = all cores).
    pub threads: usize,
    /// Run the dense AGOP comparator for p up to this.
    pub dense_max_p: u64,
    /// Side of the square GEMM that measures the ceiling.
    pub gemm_size: usize,
    /// Moduli of full default runs (all iterations, f64 and f32).
    pub full_runs: Vec<u64>,
    /// Iterations of a full run.
    pub full_iters: usize,
    /// Backends to time (faer, and openblas when built with the feature).
    pub backends: Vec<Backend>,
    /// Named groups whose `mul` task is timed against `add` with the same number of symbols
    /// (training fraction 0.5, seed 0; e.g. `S5`: n = 120, 7,200 training pairs).
    #[serde(default = "default_group_runs")]
    pub group_runs: Vec<String>,
    /// Iterations of each group run (and of its `add` twin).
    #[serde(default = "default_group_iters")]
    pub group_iters: usize,
}

fn default_group_runs() -> Vec<String> {
    vec!["S5".to_string()]
}

fn default_group_iters() -> usize {
    5
}

impl Default for BenchConfig {
    fn default() -> Self {
        BenchConfig {
            moduli: vec![31, 61, 97, 127],
            iters: 3,
            threads: 0,
            dense_max_p: 61,
            gemm_size: 2000,
            full_runs: vec![61],
            full_iters: 50,
            backends: Backend::all_available(),
            group_runs: default_group_runs(),
            group_iters: default_group_iters(),
        }
    }
}

/// The machine's dense matrix-product rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ceiling {
    /// Side of the square product.
    pub size: usize,
    /// Backend.
    pub backend: Backend,
    /// GFLOP/s with one thread (best of several).
    pub gflops_one_thread: f64,
    /// GFLOP/s with all benchmark threads (best of several).
    pub gflops: f64,
}

/// Per-stage figures of one iteration (medians over the timed iterations).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageFigures {
    /// Seconds per stage.
    pub seconds: StageSeconds,
    /// GFLOP/s of factorization + solve, AGOP, predictions and the whole iteration.
    pub solve_gflops: f64,
    /// AGOP GFLOP/s.
    pub agop_gflops: f64,
    /// Test-prediction GFLOP/s.
    pub predict_gflops: f64,
    /// All flops of the iteration over its time.
    pub iteration_gflops: f64,
    /// Kernel entries per second (millions).
    pub kernel_mentries_per_s: f64,
}

/// The structured AGOP against the dense formulation, on the same α and M.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgopComparison {
    /// Seconds of the structured AGOP (best of 3).
    pub structured_seconds: f64,
    /// Seconds of the dense formulation (best of 2).
    pub dense_seconds: f64,
    /// dense / structured.
    pub speedup: f64,
    /// GFLOP/s of each (their own flop counts).
    pub structured_gflops: f64,
    /// GFLOP/s of the dense formulation.
    pub dense_gflops: f64,
    /// max |structured − dense| / max |dense|.
    pub max_rel_diff: f64,
}

/// Everything measured for one modulus and backend.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SizeResult {
    /// The modulus.
    pub p: u64,
    /// Backend of the factorization.
    pub backend: Backend,
    /// Problem sizes.
    pub sizes: Sizes,
    /// Flops of one iteration.
    pub work: StageWork,
    /// Medians per iteration.
    pub median: StageFigures,
    /// Fastest iteration (best of the timed iterations, per stage).
    pub best: StageFigures,
    /// Peak resident memory of `symrfm run` for this modulus (one iteration, a child process), MiB.
    pub peak_rss_mib: Option<f64>,
    /// The estimate of [`memory::estimate`], MiB.
    pub estimated_mib: f64,
    /// Structured vs dense AGOP (faer backend, p ≤ the dense limit).
    pub agop_vs_dense: Option<AgopComparison>,
}

/// A full run in f64 and in f32: `symrfm run` as a user runs it (child processes, wall time
/// including start-up and output).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FullRunComparison {
    /// The modulus.
    pub p: u64,
    /// Iterations.
    pub iters: usize,
    /// Wall seconds, f64.
    pub f64_seconds: f64,
    /// Wall seconds, f32.
    pub f32_seconds: f64,
    /// Peak resident memory of the f64 run, MiB.
    pub f64_peak_rss_mib: Option<f64>,
    /// Peak resident memory of the f32 run, MiB.
    pub f32_peak_rss_mib: Option<f64>,
    /// Estimated peak memory of the f64 run, MiB.
    pub f64_estimated_mib: Option<f64>,
    /// Test accuracy per iteration, f64.
    pub f64_test_acc: Vec<f64>,
    /// Test accuracy per iteration, f32.
    pub f32_test_acc: Vec<f64>,
    /// max_t |acc_f32(t) − acc_f64(t)|.
    pub max_test_acc_diff: f64,
    /// ‖M_f32 − M_f64‖_F / ‖M_f64‖_F at the end.
    pub final_m_rel_diff: f64,
    /// First iteration with test accuracy ≥ 0.99, f64 and f32.
    pub first_099: (Option<usize>, Option<usize>),
    /// Solvers that ran in f32 (LU when Cholesky met a non-positive pivot).
    pub f32_lu_iterations: usize,
}

/// `mul` on a named group against `add` mod n with the same number of symbols n (child runs, f64,
/// training fraction 0.5, seed 0): a task costs what its size says, whatever its table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupRunComparison {
    /// The group, e.g. `S5`.
    pub group: String,
    /// Symbols n = |G|.
    pub n_symbols: usize,
    /// Training pairs.
    pub n_train: usize,
    /// Iterations of each run.
    pub iters: usize,
    /// Seconds per iteration of the group task (the run's `timings.total_seconds` / iterations).
    pub seconds_per_iteration: f64,
    /// The same for `add` mod n.
    pub add_seconds_per_iteration: f64,
    /// Seconds per iteration the stage-rate model of this benchmark predicts for these sizes.
    pub predicted_seconds_per_iteration: f64,
    /// Peak resident memory of the group run, MiB.
    pub peak_rss_mib: Option<f64>,
    /// Peak resident memory of the `add` run, MiB.
    pub add_peak_rss_mib: Option<f64>,
    /// The memory model's estimate for these sizes, MiB.
    pub estimated_mib: Option<f64>,
    /// Final test accuracy of the group run.
    pub final_test_acc: f64,
}

/// The whole benchmark.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchReport {
    /// 1.
    pub schema_version: u32,
    /// `"bench"`.
    pub kind: String,
    /// Crate version.
    pub symrfm_version: String,
    /// The machine.
    pub machine: Machine,
    /// Threads used.
    pub threads: usize,
    /// The configuration.
    pub config: BenchConfig,
    /// GEMM ceilings, one per backend.
    pub ceilings: Vec<Ceiling>,
    /// Per modulus and backend.
    pub sizes: Vec<SizeResult>,
    /// Median seconds per iteration vs n_train (faer backend): `t = a n^b`.
    pub scaling: Option<PowerLaw>,
    /// Stage rates over all moduli (faer backend), the model `--dry-run` uses.
    pub rates: StageRates,
    /// Full runs, f64 vs f32.
    pub full_runs: Vec<FullRunComparison>,
    /// Named groups against `add` of the same size.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_runs: Vec<GroupRunComparison>,
    /// Load average after the benchmark (the machine's at the start is in `machine`).
    pub load_average_after: [f64; 3],
    /// Total seconds of the benchmark.
    pub seconds: f64,
}

/// Progress messages of a running benchmark.
pub type Note<'a> = &'a mut dyn FnMut(&str);

/// Runs the benchmark. `runner` runs `symrfm run` in a child process (peak memory per modulus,
/// full runs); without it those are skipped.
pub fn run_bench(
    config: &BenchConfig,
    runner: Option<&ChildRunner<'_>>,
    note: Note<'_>,
) -> Result<BenchReport> {
    let started = Instant::now();
    let machine = Machine::current();
    let threads = RfmParams {
        threads: config.threads,
        ..RfmParams::default()
    }
    .effective_threads();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| {
            crate::Error::param(
                "params.threads",
                threads,
                format!("a thread count the system allows ({e})"),
            )
        })?;
    let mut ceilings = Vec::new();
    for &backend in &config.backends {
        note(&format!(
            "GEMM ceiling ({}, {}²)",
            backend.name(),
            config.gemm_size
        ));
        let one = gemm_rate(config.gemm_size, 1, backend);
        let all = pool.install(|| gemm_rate(config.gemm_size, threads, backend));
        ceilings.push(Ceiling {
            size: config.gemm_size,
            backend,
            gflops_one_thread: one,
            gflops: all,
        });
    }
    let mut sizes = Vec::new();
    for &p in &config.moduli {
        for &backend in &config.backends {
            note(&format!(
                "p = {p}, {}: {} iterations",
                backend.name(),
                config.iters
            ));
            sizes.push(measure_size(p, config, runner, threads, backend, note)?);
        }
    }
    let faer: Vec<&SizeResult> = sizes
        .iter()
        .filter(|s| s.backend == Backend::Faer)
        .collect();
    let scaling = PowerLaw::fit(
        &faer
            .iter()
            .map(|s| (s.sizes.n_train as f64, s.median.seconds.total))
            .collect::<Vec<_>>(),
    );
    let rates = aggregate_rates(&faer, threads);
    let mut full_runs = Vec::new();
    if let Some(runner) = runner {
        for &p in &config.full_runs {
            note(&format!(
                "p = {p}: full runs of {} iterations, f64 and f32 (symrfm run)",
                config.full_iters
            ));
            full_runs.push(full_run(runner, p, config.full_iters, threads)?);
        }
    }
    let mut group_runs = Vec::new();
    if let Some(runner) = runner {
        for group in &config.group_runs {
            note(&format!(
                "{group}: mul against add of the same size, {} iterations (symrfm run)",
                config.group_iters
            ));
            group_runs.push(group_run(
                runner,
                group,
                config.group_iters,
                threads,
                &rates,
            )?);
        }
    }
    Ok(BenchReport {
        schema_version: 1,
        kind: "bench".into(),
        symrfm_version: env!("CARGO_PKG_VERSION").into(),
        machine,
        threads,
        config: config.clone(),
        ceilings,
        sizes,
        scaling,
        rates,
        full_runs,
        group_runs,
        load_average_after: load_average(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// GFLOP/s of a square `size³` product (best of several), on `threads` threads.
pub fn gemm_rate(size: usize, threads: usize, backend: Backend) -> f64 {
    let a = Array2::from_shape_fn((size, size), |(i, j)| {
        ((i * 7 + j * 13) % 17) as f64 * 0.1 - 0.8
    });
    let b = a.t().as_standard_layout().into_owned();
    let mut c = Array2::<f64>::zeros((size, size));
    let flops = 2.0 * (size as f64).powi(3);
    let reps = if size >= 1000 { 4 } else { 20 };
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let t = Instant::now();
        match backend {
            Backend::Faer => matmul(c.view_mut(), a.view(), b.view(), 1.0, false, par(threads)),
            Backend::OpenBlas => openblas_gemm(&a, &b, &mut c, threads),
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    flops / best / 1e9
}

#[cfg(feature = "openblas")]
fn openblas_gemm(a: &Array2<f64>, b: &Array2<f64>, c: &mut Array2<f64>, threads: usize) {
    crate::solve::openblas::set_threads(threads);
    crate::solve::openblas::gemm(a.view(), b.view(), c.view_mut());
}

#[cfg(not(feature = "openblas"))]
fn openblas_gemm(_: &Array2<f64>, _: &Array2<f64>, _: &mut Array2<f64>, _: usize) {
    unreachable!("the openblas backend is not in this build")
}

fn task_split(p: u64) -> Result<(Task, Split)> {
    let task = Task::new(TaskSpec::new(Operation::Add, p))?;
    let split = Split::build(
        &task,
        &SplitSpec::Random {
            fraction: 0.5,
            seed: 0,
        },
    )?;
    Ok((task, split))
}

fn sizes_of(task: &Task, split: &Split) -> Sizes {
    Sizes {
        n_train: split.train.len(),
        n_test: split.test.len(),
        n_classes: task.n_classes(),
        dim: task.input_dim(),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        k if k % 2 == 1 => v[k / 2],
        k => 0.5 * (v[k / 2 - 1] + v[k / 2]),
    }
}

fn figures(seconds: StageSeconds, w: &StageWork) -> StageFigures {
    let g = |flops: f64, s: f64| if s > 0.0 { flops / s / 1e9 } else { 0.0 };
    StageFigures {
        seconds,
        solve_gflops: g(w.cholesky + w.solve, seconds.solve),
        agop_gflops: g(w.agop, seconds.agop),
        predict_gflops: g(w.predict, seconds.predict),
        iteration_gflops: g(w.total_flops(), seconds.total),
        kernel_mentries_per_s: g(w.kernel_entries, seconds.kernel) * 1e3,
    }
}

fn stage_stat(records: &[IterationRecord], pick: fn(Vec<f64>) -> f64) -> StageSeconds {
    let col = |f: fn(&StageSeconds) -> f64| pick(records.iter().map(|r| f(&r.seconds)).collect());
    StageSeconds {
        kernel: col(|s| s.kernel),
        solve: col(|s| s.solve),
        predict: col(|s| s.predict),
        agop: col(|s| s.agop),
        eig: col(|s| s.eig),
        total: col(|s| s.total),
    }
}

fn measure_size(
    p: u64,
    config: &BenchConfig,
    runner: Option<&ChildRunner<'_>>,
    threads: usize,
    backend: Backend,
    note: Note<'_>,
) -> Result<SizeResult> {
    let (task, split) = task_split(p)?;
    let sizes = sizes_of(&task, &split);
    let params = RfmParams {
        iters: config.iters.max(1),
        threads,
        backend,
        ..RfmParams::default()
    };
    let kernel = params.kernel;
    let estimated = memory::estimate_bytes(&memory::plan(sizes, &params));
    // α and M of the last iteration, for the AGOP comparison.
    let mut state: Option<(Array2<f64>, Array2<f64>)> = None;
    let dense_fits = memory::available_bytes().is_none_or(|avail| {
        dense_agop_bytes(sizes.n_train, sizes.n_classes, sizes.dim) < avail / 2
    });
    let want_state = backend == Backend::Faer && p <= config.dense_max_p && dense_fits;
    let last = params.iters - 1;
    let out = train(&task, &split, &params, None, None, &mut |s| {
        if want_state && s.record.iter == last {
            state = Some((s.alpha.to_owned(), s.m.to_owned()));
        }
        Control::Continue
    })?;
    let peak = match (runner, backend) {
        (Some(runner), Backend::Faer) => {
            note(&format!(
                "p = {p}: peak memory of one iteration (symrfm run)"
            ));
            child_run(
                runner,
                ChildRunConfig {
                    modulus: p,
                    group: None,
                    iters: 1,
                    threads,
                    precision: Precision::F64,
                },
            )?
            .peak_mib
        }
        _ => None,
    };
    let work = StageWork::new(sizes, kernel);
    let median_s = stage_stat(&out.iterations, median);
    let best_s = stage_stat(&out.iterations, |v| {
        v.into_iter().fold(f64::INFINITY, f64::min)
    });
    let agop_vs_dense = match state {
        Some((alpha, m)) => {
            note(&format!("p = {p}: structured vs dense AGOP"));
            Some(compare_agop(&task, &split, kernel, &alpha, &m, threads)?)
        }
        None => None,
    };
    Ok(SizeResult {
        p,
        backend,
        sizes,
        work,
        median: figures(median_s, &work),
        best: figures(best_s, &work),
        peak_rss_mib: peak,
        estimated_mib: estimated as f64 / 1048576.0,
        agop_vs_dense,
    })
}

fn compare_agop(
    task: &Task,
    split: &Split,
    kernel: KernelKind,
    alpha: &Array2<f64>,
    m: &Array2<f64>,
    threads: usize,
) -> Result<AgopComparison> {
    let (first, second) = crate::data::tokens(task, &split.train);
    let input = AgopInput {
        tokens: Tokens {
            first: &first,
            second: &second,
        },
        alpha: alpha.view(),
        m: m.view(),
        kernel,
        centering: true,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| crate::Error::param("params.threads", threads, e.to_string()))?;
    let best_of = |reps: usize, f: &dyn Fn() -> Array2<f64>| {
        let mut best = f64::INFINITY;
        let mut out = Array2::zeros((0, 0));
        for _ in 0..reps {
            let t = Instant::now();
            out = f();
            best = best.min(t.elapsed().as_secs_f64());
        }
        (best, out)
    };
    let (ts, fast) = pool.install(|| best_of(3, &|| agop(&input, par(threads))));
    let (td, slow) = pool.install(|| best_of(2, &|| dense_agop(&input, par(threads))));
    let scale = slow
        .iter()
        .fold(0.0f64, |a, v| a.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    let diff = (&fast - &slow).iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let sizes = sizes_of(task, split);
    let w = StageWork::new(sizes, kernel);
    Ok(AgopComparison {
        structured_seconds: ts,
        dense_seconds: td,
        speedup: td / ts,
        structured_gflops: w.agop / ts / 1e9,
        dense_gflops: StageWork::dense_agop(sizes) / td / 1e9,
        max_rel_diff: diff / scale,
    })
}

fn aggregate_rates(results: &[&SizeResult], threads: usize) -> StageRates {
    let sum = |f: &dyn Fn(&SizeResult) -> f64| results.iter().map(|r| f(r)).sum::<f64>();
    let rate =
        |work: &dyn Fn(&SizeResult) -> f64, secs: &dyn Fn(&SizeResult) -> f64, default: f64| {
            let s = sum(secs);
            if s > 0.0 {
                sum(work) / s
            } else {
                default
            }
        };
    let builtin = StageRates::builtin();
    // The solve stage holds factorization and triangular solves: one rate for both.
    let solve_rate = rate(
        &|r| r.work.cholesky + r.work.solve,
        &|r| r.median.seconds.solve,
        builtin.cholesky,
    );
    StageRates {
        kernel_entries_per_s: rate(
            &|r| r.work.kernel_entries,
            &|r| r.median.seconds.kernel,
            builtin.kernel_entries_per_s,
        ),
        cholesky: solve_rate,
        solve: solve_rate,
        agop: rate(&|r| r.work.agop, &|r| r.median.seconds.agop, builtin.agop),
        predict: rate(
            &|r| r.work.predict,
            &|r| r.median.seconds.predict,
            builtin.predict,
        ),
        eig: rate(&|r| r.work.eig, &|r| r.median.seconds.eig, builtin.eig),
        threads,
        source: "symrfm bench".into(),
    }
}

/// One `symrfm run` in a child process.
struct ChildRun {
    seconds: f64,
    peak_mib: Option<f64>,
    estimated_mib: Option<f64>,
    test_acc: Vec<f64>,
    lu: usize,
    final_m: Option<Array2<f64>>,
}

/// Runs `symrfm run` with these settings in a child process (the CLI passes itself) and returns
/// its run report, read back from the file it wrote. The child's own peak memory (VmHWM) is in
/// the report's `timings.peak_memory_bytes`.
pub type ChildRunner<'a> = dyn Fn(&ChildRunConfig) -> Result<RunReport> + Sync + 'a;

/// The settings of one child run of [`run_bench`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildRunConfig {
    /// The modulus of `add`.
    pub modulus: u64,
    /// Instead of `add`: `mul` on this named group (e.g. `S5`).
    pub group: Option<String>,
    /// Iterations.
    pub iters: usize,
    /// Worker threads.
    pub threads: usize,
    /// Precision of the heavy products.
    pub precision: Precision,
}

fn child_run(runner: &ChildRunner<'_>, config: ChildRunConfig) -> Result<ChildRun> {
    let (report, seconds) = child_report(runner, &config)?;
    Ok(child_summary(&report, &config, seconds))
}

fn child_report(runner: &ChildRunner<'_>, config: &ChildRunConfig) -> Result<(RunReport, f64)> {
    let t = Instant::now();
    let report = runner(config)?;
    Ok((report, t.elapsed().as_secs_f64()))
}

fn child_sizes(report: &RunReport) -> Sizes {
    Sizes {
        n_train: report.split.n_train,
        n_test: report.split.n_test,
        n_classes: report.task.n_classes,
        dim: 2 * report.task.n_symbols,
    }
}

fn child_summary(report: &RunReport, config: &ChildRunConfig, seconds: f64) -> ChildRun {
    let mib = |b: u64| b as f64 / 1048576.0;
    let sizes = child_sizes(report);
    let params = RfmParams {
        threads: config.threads,
        ..report.params.clone()
    };
    let final_m = report.final_m().and_then(|m| m.ok());
    ChildRun {
        seconds,
        peak_mib: report.timings.peak_memory_bytes.map(mib),
        estimated_mib: Some(mib(memory::estimate_bytes(&memory::plan(sizes, &params)))),
        test_acc: report.iterations.iter().map(|r| r.test_acc).collect(),
        lu: report
            .iterations
            .iter()
            .filter(|r| r.solver == crate::solve::SolverKind::Lu)
            .count(),
        final_m,
    }
}

/// `mul` on `group` and `add` mod |G| in child runs (f64), per-iteration time against the model.
fn group_run(
    runner: &ChildRunner<'_>,
    group: &str,
    iters: usize,
    threads: usize,
    rates: &StageRates,
) -> Result<GroupRunComparison> {
    let config = |group: Option<String>, modulus: u64| ChildRunConfig {
        modulus,
        group,
        iters,
        threads,
        precision: Precision::F64,
    };
    let g_config = config(Some(group.to_string()), 0);
    let (g, g_seconds) = child_report(runner, &g_config)?;
    let n = g.task.n_symbols;
    let a_config = config(None, n as u64);
    let (a, a_seconds) = child_report(runner, &a_config)?;
    let per_iter = |r: &RunReport| r.timings.total_seconds / r.iterations.len().max(1) as f64;
    let sizes = child_sizes(&g);
    let g_summary = child_summary(&g, &g_config, g_seconds);
    let a_summary = child_summary(&a, &a_config, a_seconds);
    Ok(GroupRunComparison {
        group: group.to_string(),
        n_symbols: n,
        n_train: g.split.n_train,
        iters,
        seconds_per_iteration: per_iter(&g),
        add_seconds_per_iteration: per_iter(&a),
        predicted_seconds_per_iteration: rates.seconds_per_iteration(sizes, g.params.kernel).total,
        peak_rss_mib: g_summary.peak_mib,
        add_peak_rss_mib: a_summary.peak_mib,
        estimated_mib: g_summary.estimated_mib,
        final_test_acc: g.summary.final_test_acc,
    })
}

fn full_run(
    runner: &ChildRunner<'_>,
    p: u64,
    iters: usize,
    threads: usize,
) -> Result<FullRunComparison> {
    let config = |precision| ChildRunConfig {
        modulus: p,
        group: None,
        iters,
        threads,
        precision,
    };
    let r64 = child_run(runner, config(Precision::F64))?;
    let r32 = child_run(runner, config(Precision::F32))?;
    let max_diff = r64
        .test_acc
        .iter()
        .zip(&r32.test_acc)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    let frob = |m: &Array2<f64>| m.iter().map(|v| v * v).sum::<f64>().sqrt();
    let rel = match (&r64.final_m, &r32.final_m) {
        (Some(a), Some(b)) if a.dim() == b.dim() => frob(&(b - a)) / frob(a),
        _ => f64::NAN,
    };
    let first = |acc: &[f64]| acc.iter().position(|&a| a >= 0.99);
    Ok(FullRunComparison {
        p,
        iters,
        f64_seconds: r64.seconds,
        f32_seconds: r32.seconds,
        f64_peak_rss_mib: r64.peak_mib,
        f32_peak_rss_mib: r32.peak_mib,
        f64_estimated_mib: r64.estimated_mib,
        max_test_acc_diff: max_diff,
        final_m_rel_diff: rel,
        first_099: (first(&r64.test_acc), first(&r32.test_acc)),
        f32_lu_iterations: r32.lu,
        f64_test_acc: r64.test_acc,
        f32_test_acc: r32.test_acc,
    })
}

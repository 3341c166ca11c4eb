//! Numerical checks of the engine against slow references: analytic Jacobians against central finite
//! differences, the structured one-hot kernel and AGOP against the dense naive ones, and
//! reproducibility (same seed ⇒ same numbers, whatever the thread count).

use ndarray::{Array1, Array2};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use symrfm::data::{self, Split, SplitSpec};
use symrfm::group::{Operation, Task, TaskSpec};
use symrfm::kernel::onehot::{kernel_matrix, sq_norms, Tokens};
use symrfm::kernel::KernelKind;
use symrfm::naive;
use symrfm::rfm::agop::{agop, agop_with_predictions, AgopInput};
use symrfm::rfm::{train, Control, RfmParams};

const KERNELS: [KernelKind; 3] = [
    KernelKind::Gaussian { bandwidth: 2.5 },
    KernelKind::Laplace { bandwidth: 1.7 },
    KernelKind::Quadratic,
];

fn uniform(shape: (usize, usize), rng: &mut ChaCha8Rng) -> Array2<f64> {
    Array2::from_shape_fn(shape, |_| rng.random_range(-1.0..1.0))
}

/// A random symmetric positive definite M, scaled like the matrices RFM produces.
fn random_m(d: usize, rng: &mut ChaCha8Rng) -> Array2<f64> {
    let a = uniform((d, d), rng);
    a.t().dot(&a) / d as f64 + Array2::<f64>::eye(d) * 0.3
}

fn max_rel(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    let scale = b
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    (a - b).iter().fold(0.0f64, |m, v| m.max(v.abs())) / scale
}

#[test]
fn jacobians_match_central_finite_differences_on_dense_inputs() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let (n, d, c) = (9, 8, 3);
    for kind in KERNELS {
        for trial in 0..3 {
            let m = random_m(d, &mut rng);
            let centers = uniform((n, d), &mut rng);
            let alpha = uniform((n, c), &mut rng);
            let x: Array1<f64> = Array1::from_shape_fn(d, |_| rng.random_range(-1.0..1.0));
            let jac = naive::jacobian(kind, m.view(), centers.view(), alpha.view(), x.view());
            let h = 1e-5;
            let mut fd = Array2::<f64>::zeros((c, d));
            for k in 0..d {
                let mut xp = x.clone();
                let mut xm = x.clone();
                xp[k] += h;
                xm[k] -= h;
                let fp = naive::predict(kind, m.view(), centers.view(), alpha.view(), xp.view());
                let fm = naive::predict(kind, m.view(), centers.view(), alpha.view(), xm.view());
                fd.column_mut(k).assign(&((fp - fm) / (2.0 * h)));
            }
            let err = max_rel(&jac, &fd);
            assert!(
                err < 1e-6,
                "{} trial {trial}: Jacobian vs finite differences {err:.2e}",
                kind.name()
            );
        }
    }
}

/// A random set of distinct pairs of an n-symbol task, in random order (so token groups are not
/// contiguous), with their tokens and dense one-hot inputs.
fn random_pairs(n: usize, count: usize, rng: &mut ChaCha8Rng) -> (Vec<u32>, Vec<u32>, Array2<f64>) {
    let mut all: Vec<(usize, usize)> = (0..n).flat_map(|a| (0..n).map(move |b| (a, b))).collect();
    all.shuffle(rng);
    all.truncate(count);
    let first = all.iter().map(|&(a, _)| a as u32).collect();
    let second = all.iter().map(|&(_, b)| (n + b) as u32).collect();
    (first, second, naive::onehot(n, &all))
}

#[test]
fn structured_kernel_equals_naive_kernel() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let n = 7;
    for kind in KERNELS {
        let m = random_m(2 * n, &mut rng);
        let (f1, s1, x) = random_pairs(n, 20, &mut rng);
        let (f2, s2, z) = random_pairs(n, 13, &mut rng);
        let (rows, cols) = (
            Tokens {
                first: &f1,
                second: &s1,
            },
            Tokens {
                first: &f2,
                second: &s2,
            },
        );
        let mut k = Array2::zeros((20, 13));
        let rn = sq_norms(m.view(), rows);
        let cn = sq_norms(m.view(), cols);
        kernel_matrix(kind, m.view(), rows, &rn, cols, &cn, k.view_mut(), None);
        let reference = naive::kernel(kind, m.view(), x.view(), z.view());
        let err = max_rel(&k, &reference);
        assert!(err < 1e-10, "{}: {err:.2e}", kind.name());
    }
}

#[test]
fn structured_agop_equals_naive_agop() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let n = 6;
    let c = 4;
    for kind in KERNELS {
        for centering in [true, false] {
            for sorted in [true, false] {
                let m = random_m(2 * n, &mut rng);
                let count = 23;
                let (mut first, mut second, mut x) = random_pairs(n, count, &mut rng);
                if sorted {
                    // sorted by pair index: first-operand groups are contiguous (the path used in runs)
                    let mut order: Vec<usize> = (0..count).collect();
                    order.sort_by_key(|&i| (first[i], second[i]));
                    first = order.iter().map(|&i| first[i]).collect();
                    second = order.iter().map(|&i| second[i]).collect();
                    x = x.select(ndarray::Axis(0), &order);
                }
                let alpha = uniform((count, c), &mut rng);
                let tokens = Tokens {
                    first: &first,
                    second: &second,
                };
                let input = AgopInput {
                    tokens,
                    alpha: alpha.view(),
                    m: m.view(),
                    kernel: kind,
                    centering,
                };
                let slow = naive::agop(kind, m.view(), x.view(), alpha.view(), centering);
                let slow_pred = naive::kernel(kind, m.view(), x.view(), x.view()).dot(&alpha);
                let seq = agop_with_predictions(&input, faer::Par::Seq);
                for par in [faer::Par::Seq, faer::Par::rayon(2)] {
                    let fast = agop_with_predictions(&input, par);
                    let err = max_rel(&fast.agop, &slow);
                    assert!(
                        err < 1e-10,
                        "{} centering={centering} sorted={sorted}: {err:.2e}",
                        kind.name()
                    );
                    let err = max_rel(&fast.predictions, &slow_pred);
                    assert!(err < 1e-10, "{} predictions: {err:.2e}", kind.name());
                    assert_eq!(fast.agop, seq.agop, "independent of the thread count");
                }
            }
        }
    }
}

#[test]
fn agop_handles_blocks_larger_than_one_chunk() {
    // Many more training points than one AGOP block, so the chunked accumulation is exercised.
    let task = Task::new(TaskSpec::new(Operation::Add, 13)).unwrap();
    let split = Split::random(task.n_pairs(), 0.9, 3).unwrap();
    let (first, second) = data::tokens(&task, &split.train);
    let n = split.train.len();
    assert!(n > 128);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let m = random_m(26, &mut rng);
    let alpha = uniform((n, 13), &mut rng);
    let kind = KernelKind::Gaussian { bandwidth: 2.5 };
    let tokens = Tokens {
        first: &first,
        second: &second,
    };
    let input = AgopInput {
        tokens,
        alpha: alpha.view(),
        m: m.view(),
        kernel: kind,
        centering: true,
    };
    let pairs: Vec<(usize, usize)> = split.train.iter().map(|&i| task.pair(i)).collect();
    let x = naive::onehot(13, &pairs);
    let slow = naive::agop(kind, m.view(), x.view(), alpha.view(), true);
    let fast = agop(&input, faer::Par::rayon(2));
    let err = max_rel(&fast, &slow);
    assert!(err < 1e-10, "{err:.2e}");
    assert_eq!(
        fast,
        agop(&input, faer::Par::Seq),
        "independent of the thread count"
    );
    // An entry of M so large that the Gaussian cannot be factored: the direct formula takes over.
    let mut big = m.clone();
    big[[0, 0]] += 1100.0;
    let input = AgopInput {
        m: big.view(),
        ..input
    };
    assert!(!symrfm::kernel::onehot::KernelEvaluator::new(input.kernel, big.view()).factored());
    let slow = naive::agop(input.kernel, big.view(), x.view(), alpha.view(), true);
    let err = max_rel(&agop(&input, faer::Par::rayon(2)), &slow);
    assert!(err < 1e-9, "direct path: {err:.2e}");
}

fn small_run(p: u64, iters: usize, threads: usize, seed: u64) -> symrfm::rfm::TrainOutput {
    let task = Task::new(TaskSpec::new(Operation::Add, p)).unwrap();
    let split = Split::build(
        &task,
        &SplitSpec::Random {
            fraction: 0.5,
            seed,
        },
    )
    .unwrap();
    let params = RfmParams {
        iters,
        threads,
        ..RfmParams::default()
    };
    train(&task, &split, &params, None, None, &mut |_| {
        Control::Continue
    })
    .unwrap()
}

/// Every number of a run except the timings.
fn numbers(out: &symrfm::rfm::TrainOutput) -> Vec<f64> {
    let mut v = Vec::new();
    for r in &out.iterations {
        v.extend([
            r.train_acc,
            r.test_acc,
            r.train_mse,
            r.test_mse,
            r.trace_m,
            r.trace_m_next,
        ]);
    }
    for s in &out.saved {
        v.extend(s.m.iter().copied());
    }
    v
}

#[test]
fn same_seed_same_numbers_whatever_the_thread_count() {
    // Bit-identical: every parallel stage splits its work into pieces fixed by the problem size
    // and adds partial results in a fixed order. p = 41 (840 training points) is large enough for
    // several AGOP chunks, prediction blocks and a parallel factorization.
    let a = small_run(41, 3, 1, 4);
    for threads in [2, 3] {
        let b = small_run(41, 3, threads, 4);
        assert_eq!(numbers(&a), numbers(&b), "1 vs {threads} threads");
    }
    let (x, y) = (small_run(23, 6, 1, 4), small_run(23, 6, 2, 4));
    assert_eq!(numbers(&x), numbers(&y));
    let other = small_run(23, 6, 1, 5);
    assert_ne!(
        x.iterations[0].test_mse, other.iterations[0].test_mse,
        "the seed must matter"
    );
}

#[test]
fn ridge_regression_interpolates_less_with_larger_ridge() {
    let task = Task::new(TaskSpec::new(Operation::Add, 11)).unwrap();
    let split = Split::random(task.n_pairs(), 0.5, 0).unwrap();
    let mse = |ridge: f64| {
        let params = RfmParams {
            iters: 1,
            ridge,
            ..RfmParams::default()
        };
        train(&task, &split, &params, None, None, &mut |_| {
            Control::Continue
        })
        .unwrap()
        .iterations[0]
            .train_mse
    };
    let (a, b, c) = (mse(0.0), mse(1e-3), mse(1.0));
    assert!(a < 1e-20, "λ = 0 interpolates: {a}");
    assert!(a < b && b < c, "train MSE grows with λ: {a} {b} {c}");
}

#[test]
fn blocked_predictions_equal_naive_predictions() {
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let n = 9;
    for kind in KERNELS {
        let m = random_m(2 * n, &mut rng);
        let (f1, s1, x) = random_pairs(n, 30, &mut rng);
        let (f2, s2, z) = random_pairs(n, 70, &mut rng);
        let alpha = uniform((30, 5), &mut rng);
        let fast = symrfm::rfm::predict(
            kind,
            m.view(),
            Tokens {
                first: &f1,
                second: &s1,
            },
            alpha.view(),
            Tokens {
                first: &f2,
                second: &s2,
            },
            faer::Par::Seq,
        );
        for (j, row) in z.rows().into_iter().enumerate() {
            let slow = naive::predict(kind, m.view(), x.view(), alpha.view(), row);
            for c in 0..5 {
                assert!(
                    (fast[[j, c]] - slow[c]).abs() <= 1e-10 * slow[c].abs().max(1.0),
                    "{}",
                    kind.name()
                );
            }
        }
    }
}

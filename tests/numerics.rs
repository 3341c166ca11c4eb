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
use symrfm::rfm::agop::{agop, AgopInput};
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
                let norms = sq_norms(m.view(), tokens);
                let mut k = Array2::zeros((count, count));
                let mut w = Array2::zeros((count, count));
                kernel_matrix(
                    kind,
                    m.view(),
                    tokens,
                    &norms,
                    tokens,
                    &norms,
                    k.view_mut(),
                    Some(w.view_mut()),
                );
                let input = AgopInput {
                    tokens,
                    weights: w.view(),
                    alpha: alpha.view(),
                    m: m.view(),
                    difference: kind.is_difference_kernel(),
                    scale: kind.gradient_scale(),
                    centering,
                };
                for par in [faer::Par::Seq, faer::Par::rayon(2)] {
                    let fast = agop(&input, par);
                    let slow = naive::agop(kind, m.view(), x.view(), alpha.view(), centering);
                    let err = max_rel(&fast, &slow);
                    assert!(
                        err < 1e-10,
                        "{} centering={centering} sorted={sorted}: {err:.2e}",
                        kind.name()
                    );
                }
            }
        }
    }
}

#[test]
fn agop_handles_blocks_larger_than_one_chunk() {
    // More training points than one AGOP block (128), so the blocked accumulation is exercised.
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
    let norms = sq_norms(m.view(), tokens);
    let mut k = Array2::zeros((n, n));
    kernel_matrix(
        kind,
        m.view(),
        tokens,
        &norms,
        tokens,
        &norms,
        k.view_mut(),
        None,
    );
    let input = AgopInput {
        tokens,
        weights: k.view(),
        alpha: alpha.view(),
        m: m.view(),
        difference: true,
        scale: kind.gradient_scale(),
        centering: true,
    };
    let pairs: Vec<(usize, usize)> = split.train.iter().map(|&i| task.pair(i)).collect();
    let x = naive::onehot(13, &pairs);
    let err = max_rel(
        &agop(&input, faer::Par::rayon(2)),
        &naive::agop(kind, m.view(), x.view(), alpha.view(), true),
    );
    assert!(err < 1e-10, "{err:.2e}");
}

fn small_run(threads: usize, seed: u64) -> symrfm::rfm::TrainOutput {
    let task = Task::new(TaskSpec::new(Operation::Add, 23)).unwrap();
    let split = Split::build(
        &task,
        &SplitSpec::Random {
            fraction: 0.5,
            seed,
        },
    )
    .unwrap();
    let params = RfmParams {
        iters: 6,
        threads,
        ..RfmParams::default()
    };
    train(&task, &split, &params, None, None, &mut |_| {
        Control::Continue
    })
    .unwrap()
}

#[test]
fn same_seed_same_numbers_whatever_the_thread_count() {
    let a = small_run(1, 4);
    let b = small_run(1, 4);
    let c = small_run(2, 4);
    for ((x, y), z) in a.iterations.iter().zip(&b.iterations).zip(&c.iterations) {
        assert_eq!(
            (x.train_acc, x.test_acc, x.test_mse),
            (y.train_acc, y.test_acc, y.test_mse)
        );
        assert_eq!(x.test_acc, z.test_acc);
        assert!((x.test_mse - z.test_mse).abs() <= 1e-12 * x.test_mse.abs());
    }
    let (ma, mb, mc) = (
        a.final_m().unwrap(),
        b.final_m().unwrap(),
        c.final_m().unwrap(),
    );
    assert_eq!(ma, mb, "same thread count must be bit-identical");
    assert!(
        max_rel(ma, mc) < 1e-12,
        "1 vs 2 threads: {:.2e}",
        max_rel(ma, mc)
    );
    let other = small_run(1, 5);
    assert_ne!(
        a.iterations[0].test_mse, other.iterations[0].test_mse,
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
            Tokens { first: &f1, second: &s1 },
            alpha.view(),
            Tokens { first: &f2, second: &s2 },
            faer::Par::Seq,
        );
        for (j, row) in z.rows().into_iter().enumerate() {
            let slow = naive::predict(kind, m.view(), x.view(), alpha.view(), row);
            for c in 0..5 {
                assert!((fast[[j, c]] - slow[c]).abs() <= 1e-10 * slow[c].abs().max(1.0), "{}", kind.name());
            }
        }
    }
}

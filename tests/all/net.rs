//! Networks: gradients against central finite differences, the closed-form AGOP against
//! per-sample Jacobians by finite differences, determinism over threads, symmetric init, and the
//! run file of `symrfm run --model mlp`.

use crate::common;
use common::{scratch, symrfm};

use ndarray::{Array2, Axis};
use symrfm::data::SplitSpec;
use symrfm::group::{Operation, Task, TaskSpec};
use symrfm::net::{
    self, features, init, loss, Activation, LossKind, ModelKind, NetData, NetParams, Network,
};
use symrfm::report::RunReport;
use symrfm::rfm::Control;

const ACTS: [Activation; 5] = [
    Activation::Quadratic,
    Activation::Relu,
    Activation::Linear,
    Activation::Silu,
    Activation::Softplus,
];

fn data(p: u64, op: Operation) -> (Task, NetData, NetData) {
    common::net_data(op, p, 0.5)
}

fn tiny(kind: ModelKind, act: Activation, seed: u64) -> (Network, NetParams) {
    let params = NetParams {
        model: kind,
        act,
        width: 6,
        init_scale: 1.5,
        seed,
        ..NetParams::default()
    };
    (Network::random(&params, 5, 5).unwrap(), params)
}

/// The total loss of a batch with the given extra terms, as a function of the weights.
fn total_loss(net: &Network, params: &NetParams, train: &NetData, batch: &[u32]) -> f64 {
    let mut g = vec![0.0; net.params().len()];
    let mut r = init::rng(params.seed, 3);
    net::train::batch_loss_and_grad(net, params, train, batch, None, &mut r, &mut g).1
}

/// Central finite differences of `f` at every weight, compared with `grad`.
fn check_fd(net: &Network, grad: &[f64], f: &dyn Fn(&Network) -> f64, what: &str) {
    let h = 1e-5;
    let mut worst = 0.0f64;
    let scale = grad.iter().fold(0.0f64, |a, g| a.max(g.abs())).max(1e-8);
    for (i, &gi) in grad.iter().enumerate() {
        let mut plus = net.clone();
        plus.params_mut()[i] += h;
        let mut minus = net.clone();
        minus.params_mut()[i] -= h;
        let fd = (f(&plus) - f(&minus)) / (2.0 * h);
        worst = worst.max((fd - gi).abs() / scale);
    }
    assert!(
        worst < 1e-6,
        "{what}: worst relative gradient error {worst:e}"
    );
}

#[test]
fn gradients_match_central_finite_differences_for_every_layer_activation_and_loss() {
    let (_, train, _) = data(5, Operation::Add);
    let batch: Vec<u32> = (0..7).collect();
    for kind in [ModelKind::Mlp, ModelKind::Mlp2] {
        for act in ACTS {
            for lossk in [LossKind::Mse, LossKind::Ce] {
                let (net, mut params) = tiny(kind, act, 3);
                params.loss = lossk;
                let mut g = vec![0.0; net.params().len()];
                let mut r = init::rng(0, 3);
                net::train::batch_loss_and_grad(
                    &net, &params, &train, &batch, None, &mut r, &mut g,
                );
                let f = |n: &Network| total_loss(n, &params, &train, &batch);
                check_fd(&net, &g, &f, &format!("{kind:?} {act:?} {lossk:?}"));
            }
        }
    }
}

#[test]
fn agop_regularizer_gradient_matches_finite_differences() {
    let (_, train, _) = data(5, Operation::Add);
    let batch: Vec<u32> = (0..5).collect();
    for act in ACTS {
        let (net, mut params) = tiny(ModelKind::Mlp, act, 1);
        params.agop_reg = 0.3;
        let mut g = vec![0.0; net.params().len()];
        let mut r = init::rng(0, 3);
        net::train::batch_loss_and_grad(&net, &params, &train, &batch, None, &mut r, &mut g);
        let f = |n: &Network| total_loss(n, &params, &train, &batch);
        check_fd(&net, &g, &f, &format!("agop_reg {act:?}"));
        // And the trace itself equals tr of the closed-form AGOP.
        let mut scratch_g = vec![0.0; net.params().len()];
        let t = net
            .agop_trace_and_grad(&train.a, &train.b, 1.0, &mut scratch_g)
            .unwrap();
        let (agop, _) = net.agop(&train.a, &train.b, 1);
        assert!((t - agop.diag().sum()).abs() < 1e-10 * t.abs().max(1.0));
    }
}

#[test]
fn symmetric_kl_gradient_matches_finite_differences() {
    let f0 = Array2::from_shape_fn((3, 4), |(i, j)| ((i * 7 + j * 3) % 5) as f64 * 0.3 - 0.5);
    let g0 = Array2::from_shape_fn((3, 4), |(i, j)| ((i * 2 + j * 5) % 7) as f64 * 0.2 - 0.4);
    let (_, df, dg) = loss::symmetric_kl(f0.view(), g0.view(), 0.7);
    let h = 1e-6;
    for i in 0..3 {
        for j in 0..4 {
            for (which, d) in [(0, &df), (1, &dg)] {
                let (mut fp, mut fm, mut gp, mut gm) =
                    (f0.clone(), f0.clone(), g0.clone(), g0.clone());
                if which == 0 {
                    fp[[i, j]] += h;
                    fm[[i, j]] -= h;
                } else {
                    gp[[i, j]] += h;
                    gm[[i, j]] -= h;
                }
                let fd = (loss::symmetric_kl(fp.view(), gp.view(), 0.7).0
                    - loss::symmetric_kl(fm.view(), gm.view(), 0.7).0)
                    / (2.0 * h);
                assert!(
                    (fd - d[[i, j]]).abs() < 1e-8,
                    "{which} {i} {j}: {fd} vs {}",
                    d[[i, j]]
                );
            }
        }
    }
}

#[test]
fn closed_form_agop_equals_finite_difference_jacobians() {
    let (_, train, _) = data(5, Operation::Add);
    for kind in [ModelKind::Mlp, ModelKind::Mlp2] {
        for act in ACTS {
            let (net, _) = tiny(kind, act, 5);
            let mlp = net.as_fcn().unwrap();
            let d = 10;
            // Per-sample Jacobians by central differences in the dense input x.
            let h = 1e-6;
            let mut sum = Array2::<f64>::zeros((d, d));
            let mut mean = Array2::<f64>::zeros((5, d));
            for (&a, &b) in train.a.iter().zip(&train.b) {
                let mut x = Array2::<f64>::zeros((1, d));
                x[[0, a as usize]] = 1.0;
                x[[0, 5 + b as usize]] = 1.0;
                let mut j = Array2::<f64>::zeros((5, d));
                for k in 0..d {
                    let (mut xp, mut xm) = (x.clone(), x.clone());
                    xp[[0, k]] += h;
                    xm[[0, k]] -= h;
                    let col =
                        (mlp.forward_dense(xp.view()) - mlp.forward_dense(xm.view())) / (2.0 * h);
                    j.column_mut(k).assign(&col.row(0));
                }
                sum += &j.t().dot(&j);
                mean += &j;
            }
            let nn = train.len() as f64;
            sum /= nn;
            mean /= nn;
            let centered = &sum - &mean.t().dot(&mean);
            let (agop, agop_c) = net.agop(&train.a, &train.b, 1);
            let rel = |x: &Array2<f64>, y: &Array2<f64>| {
                let num = (x - y).iter().map(|v| v * v).sum::<f64>().sqrt();
                num / y.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-12)
            };
            assert!(
                rel(&agop, &sum) < 1e-7,
                "{kind:?} {act:?}: {}",
                rel(&agop, &sum)
            );
            // Relative to the uncentered AGOP: the centered one vanishes for the linear net.
            let abs_c = (&agop_c - &centered)
                .iter()
                .map(|v| v * v)
                .sum::<f64>()
                .sqrt()
                / sum.iter().map(|v| v * v).sum::<f64>().sqrt();
            assert!(abs_c < 1e-7, "{kind:?} {act:?} centered: {abs_c}");
            // The analytic per-sample Jacobians agree too.
            let (naive, naive_c) = features::agop_naive(mlp, &train.a, &train.b);
            assert!(rel(&agop, &naive) < 1e-12);
            let abs_nc = (&agop_c - &naive_c)
                .iter()
                .map(|v| v * v)
                .sum::<f64>()
                .sqrt()
                / naive.iter().map(|v| v * v).sum::<f64>().sqrt();
            assert!(abs_nc < 1e-12, "{abs_nc}");
        }
    }
}

#[test]
fn nfa_correlation_is_one_for_proportional_matrices_and_handles_the_diagonal() {
    // √(AGOP) = 2·NFM when AGOP = 4·NFM² for a PSD NFM.
    let b = Array2::from_shape_fn((4, 4), |(i, j)| ((i + 2 * j) % 5) as f64 - 2.0);
    let nfm = b.t().dot(&b);
    let agop = nfm.dot(&nfm) * 4.0;
    let (c, c0) = features::nfa_correlations(agop.view(), nfm.view()).unwrap();
    assert!(
        (c - 1.0).abs() < 1e-9 && (c0 - 1.0).abs() < 1e-9,
        "{c} {c0}"
    );
    let x = [1.0, 2.0, 3.0, 4.0];
    let y = [2.0, 1.0, 4.0, 3.0];
    // By hand: means 2.5, deviations (−1.5,−.5,.5,1.5) and (−.5,−1.5,1.5,.5): Σxy = 3, Σx² = Σy² = 5.
    assert!((features::pearson(x.iter().copied(), y.iter().copied()) - 0.6).abs() < 1e-14);
}

#[test]
fn training_is_bit_identical_for_one_and_two_threads_and_learns() {
    let (_, train, test) = data(11, Operation::Add);
    let run = |threads: usize| {
        // 33 · 512 = 16,896 weights: the AdamW update runs in parallel chunks with 2 threads.
        let params = NetParams {
            width: 512,
            steps: Some(300),
            eval_every: 50,
            agop_every: 100,
            threads,
            ..NetParams::default()
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        pool.install(|| {
            let net = Network::random(&params, 11, 11).unwrap();
            net::train(net, &params, &train, &test, None, &mut |_| {
                Control::Continue
            })
            .unwrap()
        })
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a.net.params(), b.net.params());
    for (x, y) in a.steps.iter().zip(&b.steps) {
        assert_eq!(
            (x.step, x.train_loss.to_bits(), x.test_acc.to_bits()),
            (y.step, y.train_loss.to_bits(), y.test_acc.to_bits())
        );
    }
    for (x, y) in a.features.iter().zip(&b.features) {
        assert_eq!(x.agop, y.agop);
    }
    let steps: Vec<usize> = a.features.iter().map(|f| f.step).collect();
    assert_eq!(steps, vec![0, 100, 200, 300]);
    assert_eq!(a.steps.len(), 7);
    assert!(a.steps.last().unwrap().train_loss < a.steps[0].train_loss);
}

/// The one-hidden-layer network trains with a fast step (blocks of hidden units on two threads,
/// weights kept contiguous between evaluations): it must give exactly the numbers of the plain
/// loop — forward, loss, backward, optimizer step — over the same minibatches, for AdamW (past
/// the step where 1 − β₂^t rounds to 1) and SGD, an odd width and a ragged last batch.
#[test]
fn the_fast_mlp_step_equals_the_plain_loop_bit_for_bit() {
    let (_, train, test) = data(11, Operation::Add);
    for (optimizer, steps, act) in [
        (net::OptimizerKind::Adamw, 1900, Activation::Quadratic),
        (net::OptimizerKind::Sgd, 120, Activation::Relu),
    ] {
        let params = NetParams {
            width: 17,
            act,
            batch: 7, // 60 training pairs: the last batch of an epoch has 4
            optimizer,
            lr: if optimizer == net::OptimizerKind::Sgd {
                0.05
            } else {
                1e-3
            },
            momentum: 0.9,
            steps: Some(steps),
            eval_every: 37,
            threads: 2,
            ..NetParams::default()
        };
        let start = Network::random(&params, 11, 11).unwrap();
        let fast = net::train(start.clone(), &params, &train, &test, None, &mut |_| {
            Control::Continue
        })
        .unwrap();
        let mut plain = start;
        let mut opt = net::Optimizer::new(&params, plain.params().len());
        let mut r = init::rng(params.seed, 3);
        let mut grad = vec![0.0; plain.params().len()];
        for batch in net::train::batch_schedule(&params, train.len(), steps) {
            grad.iter_mut().for_each(|g| *g = 0.0);
            net::train::batch_loss_and_grad(
                &plain, &params, &train, &batch, None, &mut r, &mut grad,
            );
            opt.step(plain.params_mut(), &grad);
        }
        let same = fast
            .net
            .params()
            .iter()
            .zip(plain.params())
            .filter(|(a, b)| a.to_bits() == b.to_bits())
            .count();
        assert_eq!(same, plain.params().len(), "{optimizer:?}: weights differ");
        assert_eq!(
            fast.optimizer, opt,
            "{optimizer:?}: optimizer state differs"
        );
        let last = fast.steps.last().unwrap();
        assert_eq!(last.step, steps);
        assert!(
            last.train_loss < fast.steps[0].train_loss,
            "{optimizer:?} did not train"
        );
    }
}

#[test]
fn the_observer_stops_training_and_the_output_is_incomplete() {
    let (_, train, test) = data(7, Operation::Add);
    let params = NetParams {
        width: 8,
        steps: Some(100),
        eval_every: 10,
        ..NetParams::default()
    };
    let net = Network::random(&params, 7, 7).unwrap();
    let out = net::train(net, &params, &train, &test, None, &mut |s| {
        if s.record.step >= 30 {
            Control::Stop
        } else {
            Control::Continue
        }
    })
    .unwrap();
    assert!(!out.complete);
    assert_eq!(out.steps.last().unwrap().step, 30);
    assert_eq!(out.features.last().unwrap().step, 30);
}

#[test]
fn minibatches_cover_each_epoch_once_and_depend_on_the_seed() {
    let params = NetParams {
        batch: 4,
        ..NetParams::default()
    };
    let s = net::train::batch_schedule(&params, 10, 6);
    assert_eq!(
        s.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![4, 4, 2, 4, 4, 2]
    );
    let mut epoch: Vec<u32> = s[..3].concat();
    epoch.sort();
    assert_eq!(epoch, (0..10).collect::<Vec<u32>>());
    let other = net::train::batch_schedule(
        &NetParams {
            seed: 1,
            ..params.clone()
        },
        10,
        6,
    );
    assert_ne!(s, other);
    let full = net::train::batch_schedule(&NetParams { batch: 0, ..params }, 10, 2);
    assert_eq!(full[0], (0..10).collect::<Vec<u32>>());
}

#[test]
fn symmetric_init_is_invariant_and_projection_is_idempotent() {
    let (net, _) = tiny(ModelKind::Mlp, Activation::Quadratic, 2);
    let mut mlp = net.as_fcn().unwrap().clone();
    // The swap (a, b) ↦ (b, a) on 2n = 10 coordinates, with the identity.
    let swap: Vec<usize> = (0..10).map(|i| (i + 5) % 10).collect();
    let group = vec![(0..10).collect::<Vec<usize>>(), swap.clone()];
    init::symmetrize(&mut mlp, &group).unwrap();
    let e = mlp.embedding().to_owned();
    for i in 0..5 {
        assert_eq!(e.row(i), e.row(i + 5));
    }
    let before = mlp.params().to_vec();
    init::symmetrize(&mut mlp, &group).unwrap();
    assert_eq!(mlp.params(), &before[..]);
    // Outputs are swap-invariant: f(a, b) = f(b, a).
    let c1 = mlp.forward(&[1, 3], &[2, 0]);
    let c2 = mlp.forward(&[2, 0], &[1, 3]);
    assert_eq!(c1.logits, c2.logits);
    // The perturbation has the asked relative size.
    let mut p = mlp.clone();
    init::perturb(&mut p, 0.1, 7);
    let d: f64 = p
        .embedding()
        .iter()
        .zip(e.iter())
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt();
    let norm: f64 = e.iter().map(|x| x * x).sum::<f64>().sqrt();
    assert!((d / norm - 0.1).abs() < 1e-12);
}

#[test]
fn init_draws_within_the_reference_bounds() {
    let params = NetParams {
        width: 64,
        init_scale: 2.0,
        model: ModelKind::Mlp2,
        ..NetParams::default()
    };
    let net = Network::random(&params, 7, 7).unwrap();
    let mlp = net.as_fcn().unwrap();
    let b1 = 2.0 / 14f64.sqrt();
    let bh = 2.0 / 8.0;
    assert!(mlp.embedding().iter().all(|v| v.abs() <= b1));
    assert!(mlp.embedding().iter().any(|v| v.abs() > 0.9 * b1));
    assert!(mlp.hidden().unwrap().iter().all(|v| v.abs() <= bh));
    assert!(mlp.output().iter().all(|v| v.abs() <= bh));
    assert_eq!(mlp.params().len(), 14 * 64 + 64 * 64 + 7 * 64);
    let _ = Axis(0);
}

#[test]
fn run_model_mlp_writes_a_run_file_that_decompose_reads() {
    let dir = scratch("net-run");
    let out = dir.join("run.json");
    let o = symrfm(
        &[
            "run",
            "-p",
            "11",
            "--model",
            "mlp",
            "--width",
            "32",
            "--steps",
            "200",
            "--eval-every",
            "50",
            "--agop-every",
            "100",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: RunReport = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let net = report.network.as_ref().expect("network section");
    assert_eq!(net.params.model, ModelKind::Mlp);
    assert_eq!(
        net.steps.iter().map(|s| s.step).collect::<Vec<_>>(),
        vec![0, 50, 100, 150, 200]
    );
    assert_eq!(
        net.features.iter().map(|f| f.step).collect::<Vec<_>>(),
        vec![0, 100, 200]
    );
    assert_eq!(report.feature_matrices.len(), 3);
    assert_eq!(report.feature_matrices[2].dim, 22);
    assert!(net.features[2].nfa_corr.is_some());
    assert!(report.trap.is_some());
    // Same numbers as the library for the same spec.
    let last = net.features.last().unwrap();
    assert_eq!(last.nfm, report.feature_matrices[2]);
    // decompose reads the run file (its final NFM).
    let dec = dir.join("dec.json");
    let o = symrfm(
        &[
            "decompose",
            out.to_str().unwrap(),
            "--out",
            dec.to_str().unwrap(),
            "-q",
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Re-running gives byte-identical numbers except timings.
    let out2 = dir.join("run2.json");
    let o = symrfm(
        &[
            "run",
            "-p",
            "11",
            "--model",
            "mlp",
            "--width",
            "32",
            "--steps",
            "200",
            "--eval-every",
            "50",
            "--agop-every",
            "100",
            "-q",
            "--threads",
            "1",
            "--out",
            out2.to_str().unwrap(),
        ],
        &dir,
    );
    assert!(o.status.success());
    let r2: RunReport = serde_json::from_str(&std::fs::read_to_string(&out2).unwrap()).unwrap();
    assert_eq!(r2.feature_matrices, report.feature_matrices);
    assert_eq!(r2.network.unwrap().features, net.features);
}

#[test]
fn bad_network_values_are_named_by_their_flag() {
    let dir = scratch("net-bad");
    let o = symrfm(
        &["run", "-p", "7", "--model", "mlp", "--width", "0", "-q"],
        &dir,
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--width"), "{err}");
    let o = symrfm(&["run", "-p", "7", "--model", "mlq", "-q"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--model"));
}

/// The cases of the PyTorch parity fixture: (name, modulus, activation, width, batch, steps, net seed).
const PARITY_CASES: [(&str, u64, Activation, usize, usize, usize, u64); 2] = [
    ("quadratic", 11, Activation::Quadratic, 24, 8, 240, 0),
    ("relu", 11, Activation::Relu, 24, 5, 240, 1),
];

fn parity_params(
    act: Activation,
    width: usize,
    batch: usize,
    steps: usize,
    seed: u64,
) -> NetParams {
    NetParams {
        act,
        width,
        batch,
        steps: Some(steps),
        seed,
        eval_every: 1,
        agop_every: steps,
        ..NetParams::default()
    }
}

/// The input of scripts/torch_mlp_fixture.py for every case, as symrfm generates it now.
fn parity_input() -> serde_json::Value {
    let mut cases = Vec::new();
    for (name, p, act, width, batch, steps, seed) in PARITY_CASES {
        let (task, train, _) = data(p, Operation::Add);
        let params = parity_params(act, width, batch, steps, seed);
        let (n, c) = (task.n_symbols(), task.n_classes());
        let net = Network::random(&params, n, c).unwrap();
        let mlp = net.as_fcn().unwrap();
        let e = mlp.embedding();
        let fc1: Vec<Vec<f64>> = (0..width).map(|k| e.column(k).to_vec()).collect();
        let out: Vec<Vec<f64>> = mlp
            .output()
            .rows()
            .into_iter()
            .map(|r| r.to_vec())
            .collect();
        cases.push(serde_json::json!({
            "name": name, "n_symbols": n, "n_classes": c, "width": width, "act": act.name(),
            "a": train.a, "b": train.b, "labels": train.labels,
            "fc1": fc1, "out": out,
            "lr": params.lr, "weight_decay": params.weight_decay, "beta1": params.beta1,
            "beta2": params.beta2, "eps": params.eps,
            "batches": net::train::batch_schedule(&params, train.len(), steps),
        }));
    }
    serde_json::json!({ "cases": cases })
}

const PARITY_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/net_parity");

/// Writes tests/fixtures/net_parity/input.json (run by hand: `cargo test --release --test net --
/// --ignored write_torch_parity_input`), then run scripts/torch_mlp_fixture.py on it.
#[test]
#[ignore]
fn write_torch_parity_input() {
    std::fs::create_dir_all(PARITY_DIR).unwrap();
    let text = serde_json::to_string(&parity_input()).unwrap();
    std::fs::write(format!("{PARITY_DIR}/input.json"), text).unwrap();
}

#[test]
fn training_equals_the_pytorch_reference_to_1e_10() {
    let read = |f: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(format!("{PARITY_DIR}/{f}")).unwrap())
            .unwrap()
    };
    // The committed input is what symrfm draws today (weights and batches from the seed).
    assert_eq!(read("input.json"), parity_input());
    let torch = read("torch.json");
    let rel = |x: f64, y: f64| (x - y).abs() / y.abs().max(1e-300);
    for (ci, (name, p, act, width, batch, steps, seed)) in PARITY_CASES.into_iter().enumerate() {
        let t = &torch["cases"][ci];
        assert_eq!(t["name"], name);
        let (task, train, test) = data(p, Operation::Add);
        let params = parity_params(act, width, batch, steps, seed);
        let net = Network::random(&params, task.n_symbols(), task.n_classes()).unwrap();
        let out = net::train(net, &params, &train, &test, None, &mut |_| {
            Control::Continue
        })
        .unwrap();
        let losses: Vec<f64> = out.steps[1..]
            .iter()
            .map(|r| r.batch_loss.unwrap())
            .collect();
        let expected: Vec<f64> = serde_json::from_value(t["losses"].clone()).unwrap();
        assert_eq!(losses.len(), steps);
        assert_eq!(expected.len(), steps);
        let worst = losses
            .iter()
            .zip(&expected)
            .map(|(x, y)| rel(*x, *y))
            .fold(0.0, f64::max);
        assert!(
            worst < 1e-10,
            "{name}: per-step loss differs by {worst:e} relative"
        );
        let mlp = out.net.as_fcn().unwrap();
        let fc1: Vec<Vec<f64>> = serde_json::from_value(t["fc1"].clone()).unwrap();
        let w_out: Vec<Vec<f64>> = serde_json::from_value(t["out"].clone()).unwrap();
        let e = mlp.embedding();
        let mut worst_w = 0.0f64;
        let norm = e.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        for k in 0..width {
            for i in 0..2 * task.n_symbols() {
                worst_w = worst_w.max((e[[i, k]] - fc1[k][i]).abs() / norm);
            }
        }
        let norm_o = mlp.output().iter().fold(0.0f64, |a, v| a.max(v.abs()));
        for (r, row) in mlp.output().rows().into_iter().zip(&w_out) {
            for (x, y) in r.iter().zip(row) {
                worst_w = worst_w.max((x - y).abs() / norm_o);
            }
        }
        assert!(
            worst_w < 1e-10,
            "{name}: final weights differ by {worst_w:e} (relative to the largest)"
        );
        let agop: Vec<Vec<f64>> = serde_json::from_value(t["agop"].clone()).unwrap();
        let ours = &out.features.last().unwrap().agop;
        let scale = ours.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let worst_a = agop
            .iter()
            .enumerate()
            .flat_map(|(i, r)| r.iter().enumerate().map(move |(j, &v)| (i, j, v)))
            .map(|(i, j, v)| (ours[[i, j]] - v).abs() / scale)
            .fold(0.0, f64::max);
        assert!(
            worst_a < 1e-10,
            "{name}: AGOP differs from calc_full_agop by {worst_a:e}"
        );
    }
}

#[test]
fn a_sweep_with_a_model_axis_trains_rfm_and_networks() {
    let dir = scratch("net-sweep");
    std::fs::write(
        dir.join("grid.json"),
        r#"{"base": {"task": {"modulus": 7}, "params": {"iters": 2}},
            "axes": {"net": [null, {"model": "mlp", "width": 8, "steps": 30, "eval_every": 10},
                             {"model": "mlp2", "width": 8, "steps": 20}]}}"#,
    )
    .unwrap();
    let o = symrfm(&["sweep", "grid.json", "-o", "s.jsonl", "-q"], &dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(dir.join("s.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    for l in &lines {
        assert_eq!(l["status"], "ok", "{l}");
    }
    let by_model = |m: &str| {
        lines
            .iter()
            .find(|l| l["config"]["net"]["model"] == m)
            .unwrap_or_else(|| panic!("no {m} job"))
    };
    // RFM: 2 iterations; mlp: evaluations at steps 0, 10, 20, 30.
    let rfm = lines
        .iter()
        .find(|l| l["config"].get("net").is_none())
        .unwrap();
    assert_eq!(
        rfm["outcome"]["curves"]["test_acc"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        by_model("mlp")["outcome"]["curves"]["test_acc"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert!(
        by_model("mlp2")["outcome"]["curves"]["test_acc"]
            .as_array()
            .unwrap()
            .len()
            >= 2
    );
    // The report says what its x axis counts when networks are in the results: RFM iterations
    // and network evaluations share the curves figure; the summary says its "first iter" column
    // is an optimizer step for networks.
    let o = symrfm(&["report", "s.jsonl", "--out", "rep"], &dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary = std::fs::read_to_string(dir.join("rep/summary.md")).unwrap();
    assert!(summary.contains("is the optimizer step"), "{summary}");
    let svg = std::fs::read_to_string(dir.join("rep/curves.svg")).unwrap();
    assert!(
        svg.contains("RFM iteration t / network evaluation k"),
        "no mixed x label"
    );
    // An RFM-only sweep keeps the iteration axis and no network footnote.
    std::fs::write(
        dir.join("rfm.json"),
        r#"{"base": {"task": {"modulus": 7}, "params": {"iters": 2}},
            "axes": {"split.seed": [0, 1]}}"#,
    )
    .unwrap();
    let o = symrfm(&["sweep", "rfm.json", "-o", "r.jsonl", "-q"], &dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = symrfm(&["report", "r.jsonl", "--out", "rrep"], &dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary = std::fs::read_to_string(dir.join("rrep/summary.md")).unwrap();
    assert!(!summary.contains("optimizer step"), "{summary}");
    let svg = std::fs::read_to_string(dir.join("rrep/curves.svg")).unwrap();
    assert!(svg.contains("iteration t (metrics with M_t)") && !svg.contains("evaluation k"));
}

#[test]
fn a_saved_network_predicts_what_the_run_recorded() {
    let dir = scratch("net-save");
    let out = dir.join("run.json");
    let o = symrfm(
        &[
            "run",
            "-p",
            "13",
            "--model",
            "mlp",
            "--width",
            "24",
            "--steps",
            "150",
            "--save-model",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: RunReport = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let net = symrfm::experiment::network_from_report(&report).unwrap();
    let n = 13;
    let task = Task::new(TaskSpec::new(Operation::Add, 13)).unwrap();
    let test: Vec<usize> = (0..n * n)
        .filter(|k| !report.split.train_indices.contains(k))
        .collect();
    let f = net.predict(&test).unwrap();
    let correct: Vec<usize> = test
        .iter()
        .zip(f.rows())
        .filter(|(&k, row)| {
            symrfm::rfm::metrics::argmax(row.iter().copied()) == task.labels()[k] as usize
        })
        .map(|(&k, _)| k)
        .collect();
    assert_eq!(correct, report.test_correct);
    assert!(net.predict(&[n * n]).is_err());
}

/// A symmetric first layer trained full-batch on an `<s>`-invariant split stays exactly
/// `<s>`-invariant (the gradient of row a and of row n + a are the same sums in the same order);
/// minibatches, which are not invariant, break it. The same in float32: the symmetric layer is
/// rounded to float32 (equal weights stay equal) and trained in float32.
#[test]
fn symmetric_init_full_batch_keeps_the_trap_and_minibatches_break_it() {
    use symrfm::experiment::{ExperimentSpec, RunOptions};
    use symrfm::rfm::Precision;
    for precision in [Precision::F64, Precision::F32] {
        symmetric_trap_in(precision);
    }
    fn symmetric_trap_in(precision: Precision) {
        let run = |batch: usize| {
            let spec = ExperimentSpec {
                task: TaskSpec::new(Operation::Add, 11),
                split: SplitSpec::FixedPoints {
                    subgroup: "s".into(),
                },
                net: Some(NetParams {
                    width: 16,
                    batch,
                    steps: Some(300),
                    agop_every: 100,
                    eval_every: 100,
                    init: symrfm::net::NetInit::Symmetric {
                        subgroup: "stabilizer".into(),
                    },
                    precision,
                    ..NetParams::default()
                }),
                ..ExperimentSpec::default()
            };
            let e = spec.validate().unwrap();
            e.run_network(&RunOptions::default(), &mut |_| Control::Continue)
                .unwrap()
                .report
        };
        let full = run(0);
        assert_eq!(full.network.as_ref().unwrap().params.precision, precision);
        let trap = full.trap.as_ref().unwrap();
        assert_eq!(trap.stabilizer_order, 2);
        assert_eq!(trap.asymmetry.len(), 4);
        assert!(
            trap.asymmetry.iter().all(|&a| a == 0.0),
            "{:?}",
            trap.asymmetry
        );
        let mini = run(8);
        let trap = mini.trap.as_ref().unwrap();
        assert_eq!(trap.asymmetry[0], 0.0);
        assert!(
            *trap.asymmetry.last().unwrap() > 1e-6,
            "{:?}",
            trap.asymmetry
        );
    }
}

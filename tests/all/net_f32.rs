//! Networks trained in f32 (`net.precision = "f32"`): gradients against the f64 gradients at the
//! same weights, training curves against f64, thread-count independence, the run file's field,
//! a continued f32 run equal to an uninterrupted one bit for bit, and a symmetric init that stays
//! exactly symmetric in f32.

use crate::common;
use common::{scratch, symrfm};

use symrfm::group::{Operation, Task};
use symrfm::net::{
    self, init, Activation, LossKind, ModelKind, NetData, NetOutput, NetParams, Network,
    OptimizerKind,
};
use symrfm::report::RunReport;
use symrfm::rfm::{Control, Precision};

fn data(p: u64, fraction: f64) -> (Task, NetData, NetData) {
    common::net_data(Operation::Add, p, fraction)
}

/// The swap (a, b) ↦ (b, a) as a permutation of the 2n input coordinates (a symmetry of add).
fn swap(n: usize) -> Vec<Vec<usize>> {
    vec![(0..2 * n).map(|i| (i + n) % (2 * n)).collect()]
}

/// Task loss, total loss and gradient of one batch in the network's own type.
fn loss_and_grad<T: net::NetReal>(
    net: &Network<T>,
    params: &NetParams,
    train: &NetData,
    batch: &[u32],
    sym: &[Vec<usize>],
) -> (f64, Vec<f64>) {
    let mut g = vec![T::zero(); net.params().len()];
    let mut r = init::rng(params.seed, 3);
    let (_, total) =
        net::train::batch_loss_and_grad(net, params, train, batch, Some(sym), &mut r, &mut g);
    (total.wide(), g.iter().map(|x| x.wide()).collect())
}

/// f32 gradients equal the f64 gradients at the same (f32-representable) weights to the a-priori
/// rounding bound of f32 sums: each gradient entry is a sum of at most L products (L the longest
/// reduction: batch, width, classes, or the training set for the AGOP term), whose f32 rounding
/// error is at most about L·ε₃₂·Σ|terms| ≤ L·ε₃₂·(scale of the gradient) for these well-scaled
/// tiny models; we allow 4 L ε₃₂ times the largest gradient entry (ε₃₂ = 2⁻²³ ≈ 1.2e-7). A
/// gradient of the wrong formula in f32 (or a silently f64 computation at other weights) misses
/// this by orders of magnitude.
#[test]
fn f32_gradients_equal_f64_gradients_at_the_same_weights() {
    let (task, train, _) = data(7, 0.6);
    let n = task.n_symbols();
    let batch: Vec<u32> = (0..12).collect();
    let eps = f32::EPSILON as f64;
    let mut cases = Vec::new();
    for model in [ModelKind::Mlp, ModelKind::Mlp2] {
        for act in [Activation::Quadratic, Activation::Relu, Activation::Silu] {
            for loss in [LossKind::Mse, LossKind::Ce] {
                cases.push(NetParams {
                    model,
                    act,
                    loss,
                    width: 24,
                    seed: 5,
                    ..NetParams::default()
                });
            }
        }
    }
    // The regularizers: the AGOP trace (one-layer net) and the symmetry-prompting loss.
    cases.push(NetParams {
        width: 24,
        agop_reg: 0.1,
        ..NetParams::default()
    });
    cases.push(NetParams {
        width: 24,
        loss: LossKind::Ce,
        symmetry_loss: 0.5,
        ..NetParams::default()
    });
    for loss in [LossKind::Mse, LossKind::Ce] {
        cases.push(common::small_transformer(NetParams {
            loss,
            symmetry_loss: if loss == LossKind::Ce { 0.3 } else { 0.0 },
            ..NetParams::default()
        }));
    }
    for params in cases {
        let net64 = Network::random(&params, n, task.n_classes()).unwrap();
        let net32: Network<f32> = net64.cast();
        // The f64 reference at exactly the f32 weights.
        let at32: Network = net32.cast();
        assert!(at32.params().iter().all(|&x| x == (x as f32) as f64));
        let (l64, g64) = loss_and_grad(&at32, &params, &train, &batch, &swap(n));
        let (l32, g32) = loss_and_grad(&net32, &params, &train, &batch, &swap(n));
        let longest = [batch.len(), params.width, 32, task.n_classes(), train.len()]
            .into_iter()
            .max()
            .unwrap() as f64;
        let scale = g64.iter().fold(0.0f64, |a, g| a.max(g.abs()));
        let worst = g32
            .iter()
            .zip(&g64)
            .fold(0.0f64, |a, (x, y)| a.max((x - y).abs()));
        let what = format!(
            "{:?} {:?} {:?} agop_reg {} symmetry_loss {}",
            params.model, params.act, params.loss, params.agop_reg, params.symmetry_loss
        );
        assert!(scale > 0.0, "{what}: zero gradient");
        assert!(
            worst <= 4.0 * longest * eps * scale,
            "{what}: |g32 - g64| {worst:e} vs bound {:e}",
            4.0 * longest * eps * scale
        );
        assert!(
            (l32 - l64).abs() <= 4.0 * longest * eps * l64.abs(),
            "{what}: loss {l32} vs {l64}"
        );
        // Really computed in f32: the gradients differ from f64 somewhere.
        assert_ne!(g32, g64, "{what}: f32 gradient identical to f64");
    }
}

fn train(params: &NetParams, task: &Task, train: &NetData, test: &NetData) -> NetOutput {
    let net0 = Network::random(params, task.n_symbols(), task.n_classes()).unwrap();
    net::train(net0, params, train, test, None, &mut |_| Control::Continue).unwrap()
}

/// f32 training follows the f64 curve: the training loss at every evaluation of the first few
/// hundred steps agrees to 1e-3 relative (f32 rounding, 1e-7 per operation, grows slowly along a
/// stable trajectory), and on an easy case both reach the same final accuracy.
#[test]
fn f32_training_tracks_the_f64_curve_and_reaches_the_same_accuracy() {
    // MLP (the fast two-block step) with AdamW and MSE, mlp2 with SGD and CE, the transformer.
    let (task, tr, te) = data(31, 0.5);
    let cases = [
        NetParams {
            width: 64,
            steps: Some(300),
            eval_every: 10,
            ..NetParams::default()
        },
        NetParams {
            model: ModelKind::Mlp2,
            width: 32,
            optimizer: OptimizerKind::Sgd,
            lr: 0.05,
            momentum: 0.9,
            weight_decay: 1e-4,
            loss: LossKind::Ce,
            steps: Some(300),
            eval_every: 10,
            ..NetParams::default()
        },
        common::small_transformer(NetParams {
            steps: Some(200),
            eval_every: 10,
            loss: LossKind::Ce,
            ..NetParams::default()
        }),
    ];
    for p64 in cases {
        let p32 = NetParams {
            precision: Precision::F32,
            ..p64.clone()
        };
        let (a, b) = (train(&p64, &task, &tr, &te), train(&p32, &task, &tr, &te));
        assert_eq!(a.steps.len(), b.steps.len());
        let worst = a
            .steps
            .iter()
            .zip(&b.steps)
            .map(|(x, y)| (x.train_loss - y.train_loss).abs() / x.train_loss)
            .fold(0.0f64, f64::max);
        assert!(worst < 1e-3, "{:?}: relative loss gap {worst:e}", p64.model);
        // The f32 run is a different computation (not f64 under another name).
        assert_ne!(a.net.params(), b.net.params());
        // Its weights are f32 values widened to f64.
        assert!(b.net.params().iter().all(|&x| x == (x as f32) as f64));
        let (_, v) = b.optimizer.moments();
        assert!(v.iter().all(|&x| x == (x as f32) as f64));
    }
    // An easy case: add mod 61 on half the pairs generalizes within 2000 steps in both types.
    let (task, tr, te) = data(61, 0.5);
    let p64 = NetParams {
        steps: Some(2000),
        ..NetParams::default()
    };
    let p32 = NetParams {
        precision: Precision::F32,
        ..p64.clone()
    };
    let (a, b) = (train(&p64, &task, &tr, &te), train(&p32, &task, &tr, &te));
    let (fa, fb) = (a.steps.last().unwrap(), b.steps.last().unwrap());
    assert_eq!((fa.train_acc, fa.test_acc), (1.0, 1.0));
    assert_eq!((fb.train_acc, fb.test_acc), (fa.train_acc, fa.test_acc));
}

/// The same f32 numbers for one and two threads (the MLP's fast step on two blocks, the
/// transformer's chunks).
#[test]
fn f32_training_is_bit_identical_for_one_and_two_threads() {
    let (task, tr, te) = data(29, 0.5);
    for base in [
        NetParams {
            width: 40,
            steps: Some(150),
            eval_every: 50,
            agop_every: 50,
            ..NetParams::default()
        },
        common::small_transformer(NetParams {
            steps: Some(4),
            batch: 0,
            loss: LossKind::Ce,
            eval_every: 2,
            agop_every: 2,
            ..NetParams::default()
        }),
    ] {
        let run = |threads: usize| {
            let params = NetParams {
                precision: Precision::F32,
                threads,
                ..base.clone()
            };
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| train(&params, &task, &tr, &te))
        };
        let (x, y) = (run(1), run(2));
        assert_eq!(x.net.params(), y.net.params(), "{:?}", base.model);
        assert!(x.optimizer.moments() == y.optimizer.moments());
        let key = |o: &NetOutput| {
            o.steps
                .iter()
                .map(|s| {
                    (
                        s.step,
                        s.batch_loss.map(f64::to_bits),
                        s.train_loss.to_bits(),
                        s.test_loss.to_bits(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(key(&x), key(&y));
        for (p, q) in x.features.iter().zip(&y.features) {
            assert_eq!((&p.nfm, &p.agop), (&q.nfm, &q.agop));
        }
    }
}

/// A run stopped after some steps and continued from its end state (weights and optimizer state
/// widened to f64, as the run file's resume record holds them) equals the uninterrupted f32 run
/// bit for bit.
#[test]
fn a_continued_f32_run_equals_the_uninterrupted_run_bit_for_bit() {
    let (task, tr, te) = data(23, 0.5);
    for base in [
        NetParams {
            width: 32,
            ..NetParams::default()
        },
        NetParams {
            width: 32,
            loss: LossKind::Ce,
            symmetry_loss: 0.2,
            ..NetParams::default()
        },
        common::small_transformer(NetParams::default()),
    ] {
        let at = |steps: usize| NetParams {
            precision: Precision::F32,
            steps: Some(steps),
            eval_every: 10,
            ..base.clone()
        };
        let sym = swap(task.n_symbols());
        let run = |p: &NetParams, net0: Network, start| {
            net::train_from(net0, p, &tr, &te, Some(&sym), start, &mut |_| {
                Control::Continue
            })
            .unwrap()
        };
        let fresh = || Network::random(&at(1), task.n_symbols(), task.n_classes()).unwrap();
        let full = run(&at(120), fresh(), None);
        let half = run(&at(60), fresh(), None);
        let rest = run(&at(120), half.net.clone(), Some(half.end()));
        assert_eq!(full.net.params(), rest.net.params(), "{:?}", base.model);
        assert!(full.optimizer.moments() == rest.optimizer.moments());
        let tail: Vec<_> = full.steps.iter().filter(|s| s.step > 60).collect();
        assert_eq!(tail.len(), rest.steps.len());
        for (p, q) in tail.iter().zip(&rest.steps) {
            assert_eq!(
                (p.step, p.batch_loss, p.train_loss, p.test_loss),
                (q.step, q.batch_loss, q.train_loss, q.test_loss)
            );
        }
    }
}

/// `--precision f32` with `--model mlp` records `precision: "f32"` in the network section (and
/// nowhere for f64 runs, whose files are unchanged); the file reads back typed, and `--resume`
/// continues it in f32.
#[test]
fn the_run_file_records_the_network_precision() {
    let dir = scratch("net-f32-run");
    let run = |name: &str, extra: &[&str]| {
        let out = dir.join(name);
        let mut args = vec![
            "run", "--model", "mlp", "-p", "11", "--width", "16", "--steps", "40", "-q",
        ];
        args.extend(extra);
        args.extend(["--out", out.to_str().unwrap()]);
        let o = symrfm(&args, &dir);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    };
    let f32_file = run("f32.json", &["--precision", "f32"]);
    let f64_file = run("f64.json", &[]);
    let v = common::json(&f32_file);
    assert_eq!(v["network"]["params"]["precision"], "f32");
    // The RFM section keeps its default: the flag went to the network.
    assert!(v["params"].get("precision").is_none());
    let w = common::json(&f64_file);
    assert!(w["network"]["params"].get("precision").is_none());
    let report: RunReport = common::read(&f32_file);
    let netrec = report.network.expect("network section");
    assert_eq!(netrec.params.precision, Precision::F32);
    let weights: Vec<f64> =
        serde_json::from_value(v["network"]["resume"]["weights"].clone()).expect("resume weights");
    assert!(!weights.is_empty());
    assert!(weights.iter().all(|&x| x == (x as f32) as f64));
    // Continuing to 80 steps equals an uninterrupted 80-step f32 run.
    let cont = dir.join("cont.json");
    let o = symrfm(
        &[
            "run",
            "--resume",
            f32_file.to_str().unwrap(),
            "--steps",
            "80",
            "-q",
            "--out",
            cont.to_str().unwrap(),
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let whole = dir.join("whole.json");
    let o = symrfm(
        &[
            "run",
            "--model",
            "mlp",
            "-p",
            "11",
            "--width",
            "16",
            "--steps",
            "80",
            "--precision",
            "f32",
            "-q",
            "--out",
            whole.to_str().unwrap(),
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (c, u) = (common::json(&cont), common::json(&whole));
    assert_eq!(c["network"]["params"]["precision"], "f32");
    assert_eq!(c["network"]["resume"], u["network"]["resume"]);
}

/// A precision outside f64/f32 in a specification is refused naming it.
#[test]
fn an_unknown_precision_is_refused() {
    let err = serde_json::from_str::<NetParams>(r#"{"precision": "f16"}"#).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("f16") && text.contains("f32"), "{text}");
    let p: NetParams = serde_json::from_str(r#"{"precision": "f32"}"#).unwrap();
    assert_eq!(p.precision, Precision::F32);
    assert_eq!(
        serde_json::to_value(&p).unwrap()["precision"],
        serde_json::json!("f32")
    );
    assert!(serde_json::to_value(NetParams::default())
        .unwrap()
        .get("precision")
        .is_none());
}

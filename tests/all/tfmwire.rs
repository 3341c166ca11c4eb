//! The transformer as a network model (`symrfm run --model transformer`): the run file's network
//! section, its typed reading and `decompose`; the network AGOP against central differences of
//! the logits in the one-hot inputs; bit-identical training for one and two threads; errors
//! naming the parameter; MLP specifications unchanged by the transformer's fields.

use crate::common;
use common::{scratch, symrfm};

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use symrfm::group::{Operation, Task};
use symrfm::net::{self, LossKind, ModelKind, NetData, NetParams, Network};
use symrfm::report::RunReport;
use symrfm::rfm::Control;
use symrfm::Error;

fn data(p: u64) -> (Task, NetData, NetData) {
    common::net_data(Operation::Add, p, 0.5)
}

fn small_params() -> NetParams {
    common::small_transformer(NetParams::default())
}

fn frob(m: &Array2<f64>) -> f64 {
    m.iter().map(|v| v * v).sum::<f64>().sqrt()
}

const RUN_ARGS: [&str; 15] = [
    "run",
    "--model",
    "transformer",
    "-p",
    "7",
    "--steps",
    "50",
    "--d-model",
    "16",
    "--heads",
    "2",
    "--d-head",
    "8",
    "--d-mlp",
    "32",
];

#[test]
fn run_model_transformer_writes_a_run_file_that_decompose_reads() {
    let dir = scratch("tfmwire-run");
    let out = dir.join("run.json");
    let mut args: Vec<&str> = RUN_ARGS.to_vec();
    args.extend(["-q", "--out", out.to_str().unwrap()]);
    let o = symrfm(&args, &dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&out).unwrap();
    let report: RunReport = serde_json::from_str(&text).unwrap();
    let netrec = report.network.as_ref().expect("network section");
    let p = &netrec.params;
    assert_eq!(p.model, ModelKind::Transformer);
    assert_eq!(
        (p.d_model, p.n_heads, p.d_head, p.d_mlp),
        (Some(16), Some(2), Some(8), Some(32))
    );
    // 24 training pairs, batch 32: one step per epoch, evaluated every epoch.
    assert_eq!(netrec.total_steps, 50);
    assert_eq!(
        netrec.steps.iter().map(|s| s.step).collect::<Vec<_>>(),
        (0..=50).collect::<Vec<_>>()
    );
    // Features at step 0 and the last step (the default period, 100 epochs, is longer).
    assert_eq!(
        netrec.features.iter().map(|f| f.step).collect::<Vec<_>>(),
        vec![0, 50]
    );
    for f in &netrec.features {
        assert_eq!((f.nfm.dim, f.agop.dim, f.agop_centered.dim), (14, 14, 14));
        assert!(f.nfa_corr.is_some() && f.nfa_corr_no_diag.is_some());
    }
    assert_eq!(report.feature_matrices.len(), 2);
    assert_eq!(netrec.features[1].nfm, report.feature_matrices[1]);

    // The same training through the library gives the file's numbers: NFM = embedding Gram,
    // AGOP = mean JᵀJ of the input Jacobians over the training pairs, centered = minus J̄ᵀJ̄.
    let (task, train, test) = data(7);
    let params = NetParams {
        steps: Some(50),
        ..small_params()
    };
    let net0 = Network::random(&params, task.n_symbols(), task.n_classes()).unwrap();
    assert_eq!(net0.params().len(), netrec.n_weights);
    let outp = net::train(net0, &params, &train, &test, None, &mut |_| {
        Control::Continue
    })
    .unwrap();
    let t = outp.net.as_transformer().expect("a transformer");
    let d = 14;
    let mut outer = Array2::<f64>::zeros((d, d));
    let mut mean = Array2::<f64>::zeros((7, d));
    for (&a, &b) in train.a.iter().zip(&train.b) {
        let j = t.input_jacobian(a, b);
        outer += &j.t().dot(&j);
        mean += &j;
    }
    let nn = train.len() as f64;
    outer /= nn;
    mean /= nn;
    let centered = &outer - &mean.t().dot(&mean);
    let last = netrec.features.last().unwrap();
    let file = |m: &symrfm::report::MatrixRecord| {
        Array2::from_shape_fn((m.dim, m.dim), |(i, j)| m.rows[i][j])
    };
    let close = |x: &Array2<f64>, y: &Array2<f64>, tol: f64, what: &str| {
        let r = frob(&(x - y)) / frob(y);
        assert!(r < tol, "{what}: relative {r:.3e}");
    };
    close(&file(&last.nfm), &t.embedding_gram(), 1e-14, "NFM");
    close(&file(&last.agop), &outer, 1e-12, "AGOP");
    close(
        &file(&last.agop_centered),
        &centered,
        1e-12,
        "centered AGOP",
    );
    assert!(frob(&centered) < frob(&outer));
    let (c, c0) = net::features::nfa_correlations(outer.view(), t.embedding_gram().view()).unwrap();
    assert!((last.nfa_corr.unwrap() - c).abs() < 1e-10);
    assert!((last.nfa_corr_no_diag.unwrap() - c0).abs() < 1e-10);
    let lib_last = outp.steps.last().unwrap();
    let file_last = netrec.steps.last().unwrap();
    assert_eq!(
        (lib_last.train_acc, lib_last.test_acc),
        (file_last.train_acc, file_last.test_acc)
    );
    assert!((lib_last.train_loss - file_last.train_loss).abs() <= 1e-14 * file_last.train_loss);

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
    assert!(dec.exists());
}

#[test]
fn symmetry_prompting_loss_trains_the_transformer() {
    let dir = scratch("tfmwire-sym");
    let run = |name: &str, lambda: &str| {
        let out = dir.join(name);
        let mut args: Vec<&str> = RUN_ARGS.to_vec();
        args.extend([
            "--batch",
            "0",
            "--loss",
            "ce",
            "--symmetry-loss",
            lambda,
            "-q",
            "--out",
            out.to_str().unwrap(),
        ]);
        let o = symrfm(&args, &dir);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let r: RunReport = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        r
    };
    let plain = run("plain.json", "0");
    let prompted = run("sym.json", "0.5");
    let (a, b) = (plain.network.unwrap(), prompted.network.unwrap());
    assert_eq!(b.params.symmetry_loss, 0.5);
    assert_eq!(b.params.loss, LossKind::Ce);
    // Same initial weights (step 0 equal), different trajectories.
    assert_eq!(a.steps[0], {
        let mut s = b.steps[0].clone();
        s.seconds = a.steps[0].seconds;
        s
    });
    assert_ne!(
        a.features.last().unwrap().nfm,
        b.features.last().unwrap().nfm
    );
}

/// Central differences of the logits in the one-hot inputs x = [e_a; e_b]: x enters linearly
/// through the token embeddings, so moving x_k by ±h moves the position-0 (k < n) or position-1
/// embedding row by ±h·W_E[k mod n] (`forward_embedded`).
#[test]
fn transformer_agop_equals_central_difference_jacobians() {
    let n = 5usize;
    let params = NetParams {
        model: ModelKind::Transformer,
        d_model: Some(6),
        n_heads: Some(2),
        d_head: Some(4),
        d_mlp: Some(7),
        ..NetParams::default()
    };
    let mut network = Network::random(&params, n, 4).unwrap();
    // Every weight and bias random, so that some ReLUs are off and no block is trivial.
    let mut r = ChaCha8Rng::seed_from_u64(11);
    for w in network.params_mut() {
        *w = r.random_range(-1.0..1.0);
    }
    let t = network.as_transformer().unwrap();
    let d = 6;
    let we = |i: usize| t.params()[i * d..(i + 1) * d].to_vec();
    let (a, b): (Vec<u32>, Vec<u32>) = [(0u32, 0u32), (1, 4), (3, 2), (4, 4), (2, 0), (1, 4)]
        .into_iter()
        .unzip();
    let h = 1e-6;
    let mut outer = Array2::<f64>::zeros((2 * n, 2 * n));
    let mut mean = Array2::<f64>::zeros((4, 2 * n));
    for (&x, &y) in a.iter().zip(&b) {
        let (ex, ey) = (we(x as usize), we(y as usize));
        let mut j = Array2::<f64>::zeros((4, 2 * n));
        for k in 0..2 * n {
            let dir = we(k % n);
            let shift = |s: f64| -> Vec<f64> {
                let base = if k < n { &ex } else { &ey };
                base.iter().zip(&dir).map(|(u, v)| u + s * v).collect()
            };
            let (fp, fm) = if k < n {
                (
                    t.forward_embedded(&shift(h), &ey),
                    t.forward_embedded(&shift(-h), &ey),
                )
            } else {
                (
                    t.forward_embedded(&ex, &shift(h)),
                    t.forward_embedded(&ex, &shift(-h)),
                )
            };
            j.column_mut(k).assign(&((fp - fm) / (2.0 * h)));
        }
        outer += &j.t().dot(&j);
        mean += &j;
    }
    let nn = a.len() as f64;
    outer /= nn;
    mean /= nn;
    let centered = &outer - &mean.t().dot(&mean);
    let (agop, agop_c) = network.agop(&a, &b, 1);
    let r1 = frob(&(&agop - &outer)) / frob(&outer);
    let r2 = frob(&(&agop_c - &centered)) / frob(&outer);
    assert!(r1 < 1e-7, "AGOP vs central differences: {r1:.3e}");
    assert!(r2 < 1e-7, "centered AGOP vs central differences: {r2:.3e}");
    // Symmetric exactly, and the centering removed something.
    assert_eq!(agop, agop.t());
    assert_eq!(agop_c, agop_c.t());
    assert!(frob(&(&agop - &agop_c)) > 1e-3 * frob(&agop));
    // NFM is the Gram matrix of the operand embeddings at both positions.
    assert_eq!(network.nfm(), t.embedding_gram());
}

#[test]
fn transformer_training_is_bit_identical_for_one_and_two_threads() {
    // 29² / 2 = 420 training pairs, full batch: two chunks of the transformer's batch split.
    let (task, train, test) = data(29);
    let run = |threads: usize| {
        let params = NetParams {
            steps: Some(4),
            batch: 0,
            loss: LossKind::Ce,
            eval_every: 2,
            agop_every: 2,
            threads,
            ..small_params()
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let network = Network::random(&params, task.n_symbols(), task.n_classes()).unwrap();
            net::train(network, &params, &train, &test, None, &mut |_| {
                Control::Continue
            })
            .unwrap()
        })
    };
    let (x, y) = (run(1), run(2));
    assert_eq!(x.net.params(), y.net.params());
    assert_eq!(x.steps.len(), 3);
    for (p, q) in x.steps.iter().zip(&y.steps) {
        assert_eq!(
            (
                p.step,
                p.batch_loss.map(f64::to_bits),
                p.train_loss.to_bits(),
                p.test_loss.to_bits()
            ),
            (
                q.step,
                q.batch_loss.map(f64::to_bits),
                q.train_loss.to_bits(),
                q.test_loss.to_bits()
            )
        );
    }
    assert_eq!(x.features.len(), 3);
    for (p, q) in x.features.iter().zip(&y.features) {
        assert_eq!(
            (&p.nfm, &p.agop, &p.agop_centered),
            (&q.nfm, &q.agop, &q.agop_centered)
        );
    }
    assert_ne!(
        x.net.params(),
        Network::random(&small_params(), 29, 29).unwrap().params()
    );
}

#[test]
fn transformer_values_are_named_by_their_parameter_and_flag() {
    let bad = |p: NetParams, want: &str| match p.validate() {
        Err(Error::InvalidParameter { name, .. }) => assert_eq!(name, want),
        other => panic!("{want}: {other:?}"),
    };
    bad(
        NetParams {
            d_model: Some(0),
            ..small_params()
        },
        "net.d_model",
    );
    bad(
        NetParams {
            n_heads: Some(0),
            ..small_params()
        },
        "net.n_heads",
    );
    bad(
        NetParams {
            d_head: Some(0),
            ..small_params()
        },
        "net.d_head",
    );
    bad(
        NetParams {
            d_mlp: Some(0),
            ..small_params()
        },
        "net.d_mlp",
    );
    bad(
        NetParams {
            d_mlp: Some(8),
            ..NetParams::default()
        },
        "net.d_mlp",
    );
    bad(
        NetParams {
            init: symrfm::net::NetInit::parse("net.init", "rfm:run.json").unwrap(),
            ..small_params()
        },
        "net.init",
    );
    bad(
        NetParams {
            agop_reg: 0.1,
            ..small_params()
        },
        "net.agop_reg",
    );
    small_params().validate().unwrap();

    let dir = scratch("tfmwire-bad");
    for (extra, flag) in [
        (
            vec!["--model", "transformer", "--net-init", "rfm:run.json"],
            "--net-init",
        ),
        (vec!["--model", "transformer", "--heads", "0"], "--heads"),
        (
            vec!["--model", "transformer", "--d-model", "0"],
            "--d-model",
        ),
        (
            vec!["--model", "transformer", "--agop-reg", "1"],
            "--agop-reg",
        ),
        (vec!["--model", "mlp", "--d-mlp", "8"], "--d-mlp"),
    ] {
        let mut args = vec!["run", "-p", "7", "--steps", "2", "-q"];
        args.extend(extra.iter().copied());
        let o = symrfm(&args, &dir);
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(flag), "{extra:?}: {err}");
    }
}

#[test]
fn mlp_specifications_do_not_change() {
    // The transformer's sizes are absent from a non-transformer specification, and a
    // specification written before they existed reads back to the same text.
    let v = serde_json::to_value(NetParams::default()).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    for k in ["d_model", "n_heads", "d_head", "d_mlp"] {
        assert!(!keys.iter().any(|x| x.as_str() == k), "{k} in {keys:?}");
    }
    let text = serde_json::to_string(&NetParams::default()).unwrap();
    let back: NetParams = serde_json::from_str(&text).unwrap();
    assert_eq!(back, NetParams::default());
    assert_eq!(serde_json::to_string(&back).unwrap(), text);
    // The transformer records its sizes once resolved; absent sizes are Nanda et al.'s.
    let p = NetParams {
        model: ModelKind::Transformer,
        ..NetParams::default()
    }
    .resolved();
    assert_eq!(
        (p.d_model, p.n_heads, p.d_head, p.d_mlp),
        (Some(128), Some(4), Some(32), Some(512))
    );
}

#[test]
fn a_saved_transformer_predicts_what_the_run_recorded() {
    let dir = scratch("tfmwire-save");
    let out = dir.join("run.json");
    let mut args: Vec<&str> = RUN_ARGS.to_vec();
    args.extend(["--save-model", "-q", "--out", out.to_str().unwrap()]);
    let o = symrfm(&args, &dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: RunReport = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let network = symrfm::experiment::network_from_report(&report).unwrap();
    assert_eq!(network.kind(), ModelKind::Transformer);
    // The test pairs it classifies correctly are the run's `test_correct`.
    let (task, _, _) = data(7);
    let n = task.n_symbols();
    let test: Vec<usize> = (0..n * n)
        .filter(|k| !report.split.train_indices.contains(k))
        .collect();
    let f = network.predict(&test).unwrap();
    let correct: Vec<usize> = test
        .iter()
        .zip(f.rows())
        .filter(|(&k, row)| {
            symrfm::rfm::metrics::argmax(row.iter().copied()) == task.labels()[k] as usize
        })
        .map(|(&k, _)| k)
        .collect();
    // A trained network that classifies nothing would make this comparison empty.
    assert!(!correct.is_empty());
    assert_eq!(correct, report.test_correct);
}

#[test]
fn a_sweep_trains_a_transformer_and_keeps_the_mlp_job_id() {
    let dir = scratch("tfmwire-sweep");
    std::fs::write(
        dir.join("grid.json"),
        r#"{"base": {"task": {"modulus": 7}, "params": {"iters": 2}},
            "axes": {"net": [{"model": "mlp", "width": 8, "steps": 10},
                             {"model": "transformer", "d_model": 8, "n_heads": 2, "d_head": 4,
                              "d_mlp": 16, "steps": 10, "eval_every": 5, "batch": 0, "loss": "ce"}]}}"#,
    )
    .unwrap();
    let o = symrfm(&["sweep", "grid.json", "-o", "s.jsonl", "-q"], &dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(dir.join("s.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let by_model = |m: &str| {
        lines
            .iter()
            .find(|l| l["config"]["net"]["model"] == m)
            .unwrap_or_else(|| panic!("no {m} job"))
    };
    let t = by_model("transformer");
    assert_eq!(t["status"], "ok", "{t}");
    assert_eq!(t["config"]["net"]["d_model"], 8);
    // Evaluations at steps 0, 5, 10.
    assert_eq!(
        t["outcome"]["curves"]["test_acc"].as_array().unwrap().len(),
        3
    );
    // The MLP job's configuration has no transformer sizes, and its id is the one the net
    // branch (before the transformer's fields existed) gave the same grid entry.
    let m = by_model("mlp");
    assert_eq!(m["status"], "ok", "{m}");
    assert!(m["config"]["net"].get("d_model").is_none());
    assert_eq!(m["job_id"], "f19cc23761c0f093");
}

//! Interventions on M (issue "Interventions on the feature matrix, and the dynamics of symmetric
//! traps"): structure of the enforced-circulant output and of random block-circulant M_0 checked
//! with the analysis module's independent measures, and training with interventions at small p.

use crate::common;

use ndarray::{s, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use symrfm::analysis::{circulant_deviation, hankel_deviation, order_from_dlog, reindex_symbols};
use symrfm::data::{Split, SplitSpec};
use symrfm::group::{Operation, Task, TaskSpec};
use symrfm::rfm::circulant::{enforce_circulant, random_block_circulant, CirculantLayout};
use symrfm::rfm::{train, Control, Intervention, InterventionKind, RfmParams, TrainOutput};
use symrfm::symmetry::{Subgroup, TaskSymmetry};

fn task(op: Operation, p: u64) -> Task {
    Task::new(TaskSpec::new(op, p)).unwrap()
}

/// M in the symbol order where its blocks are circulant/Hankel (discrete-log order for mul/div).
fn in_layout_order(task: &Task, m: &Array2<f64>) -> Array2<f64> {
    match task.group().and_then(|g| g.discrete_log()) {
        Some((_, dlog)) => {
            let order = order_from_dlog(dlog).unwrap();
            reindex_symbols(m.view(), &order).unwrap()
        }
        None => m.clone(),
    }
}

/// Off-diagonal deviation in the direction of the task (circulant for add/mul, Hankel for sub/div).
fn off_diagonal_deviation(task: &Task, m: &Array2<f64>) -> f64 {
    let n = task.n_symbols();
    let r = in_layout_order(task, m);
    let dev = |b| {
        if task.spec().operation.is_inverse_form() {
            hankel_deviation(b).unwrap()
        } else {
            circulant_deviation(b).unwrap()
        }
    };
    dev(r.slice(s![..n, n..])).max(dev(r.slice(s![n.., ..n])))
}

fn random_symmetric(d: usize, seed: u64) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let a = Array2::from_shape_fn((d, d), |_| rng.random::<f64>());
    &a + &a.t()
}

#[test]
fn enforced_circulant_has_exact_blocks_for_every_operation() {
    for op in [
        Operation::Add,
        Operation::Sub,
        Operation::Mul,
        Operation::Div,
    ] {
        let t = task(op, 13);
        let n = t.n_symbols();
        let layout = CirculantLayout::for_task(&t, "params.interventions").unwrap();
        let m = random_symmetric(2 * n, 3);
        // before: far from circulant
        assert!(off_diagonal_deviation(&t, &m) > 0.01, "{op:?}");
        let e = enforce_circulant(m.view(), &layout);
        assert!(off_diagonal_deviation(&t, &e) <= 1e-28, "{op:?}");
        let p = Array2::from_shape_fn((n, n), |(i, j)| {
            f64::from(u8::from(i == j)) - 1.0 / n as f64
        });
        assert_eq!(e.slice(s![..n, ..n]), p);
        assert_eq!(e.slice(s![n.., n..]), p);
        assert_eq!(e, e.t());
        // the off-diagonal block's first column is the normalized input's (position 0 = identity)
        let d = m.diag();
        for a in 0..n {
            let want = m[[a, n]] / (d[a] * d[n]).sqrt();
            assert!(
                (e[[a, n]] - want).abs() <= 1e-15 * want.abs().max(1.0),
                "{op:?}"
            );
        }
    }
}

#[test]
fn random_block_circulant_m0_is_seeded_psd_and_block_circulant() {
    for op in [
        Operation::Add,
        Operation::Sub,
        Operation::Mul,
        Operation::Div,
    ] {
        let t = task(op, 13);
        let a = random_block_circulant(&t, 42, "init.kind").unwrap();
        assert_eq!(a, random_block_circulant(&t, 42, "init.kind").unwrap());
        assert_ne!(a, random_block_circulant(&t, 43, "init.kind").unwrap());
        // the square root stays in the algebra of block-circulant matrices
        assert!(off_diagonal_deviation(&t, &a) <= 1e-20, "{op:?}");
        // PSD: xᵀ M x ≥ 0 for random x (the eigenvalue check is in the unit tests)
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..20 {
            let x: ndarray::Array1<f64> =
                ndarray::Array1::from_shape_fn(a.nrows(), |_| rng.random::<f64>() - 0.5);
            assert!(x.dot(&a.dot(&x)) >= -1e-12);
        }
    }
}

fn run(task: &Task, split: &Split, params: &RfmParams, init: Option<Array2<f64>>) -> TrainOutput {
    train(task, split, params, init, None, &mut |_| Control::Continue).unwrap()
}

#[test]
fn interventions_that_never_fire_leave_the_run_bitwise_unchanged() {
    let t = task(Operation::Add, 11);
    let split = Split::random(t.n_pairs(), 0.5, 1).unwrap();
    let plain = RfmParams {
        iters: 4,
        threads: 1,
        ..RfmParams::default()
    };
    let late = RfmParams {
        interventions: vec![Intervention {
            from: 10,
            ..Intervention::new(InterventionKind::EnforceCirculant)
        }],
        ..plain.clone()
    };
    let a = run(&t, &split, &plain, None);
    let b = run(&t, &split, &late, None);
    assert_eq!(a.final_m(), b.final_m());
    for (x, y) in a.iterations.iter().zip(&b.iterations) {
        assert_eq!(
            (x.test_acc, x.test_mse, x.trace_m_next),
            (y.test_acc, y.test_mse, y.trace_m_next)
        );
    }
    // the trap record of a random split: trivial stabilizer, asymmetry 0 throughout
    let trap = a.trap.unwrap();
    assert_eq!(trap.stabilizer, "trivial");
    assert_eq!(trap.asymmetry, vec![0.0; 5]);
    assert_eq!((trap.growth_rate, trap.broken_at), (None, None));
}

#[test]
fn projections_during_training_keep_m_in_their_subspace() {
    let t = task(Operation::Add, 11);
    let dih = TaskSymmetry::of(&t);
    let split = Split::random(t.n_pairs(), 0.5, 2).unwrap();
    for (kind, name) in [
        (
            InterventionKind::Commutant {
                subgroup: "rotations".into(),
            },
            "commutant",
        ),
        (
            InterventionKind::GroupAlgebra {
                subgroup: "full".into(),
            },
            "algebra",
        ),
    ] {
        let params = RfmParams {
            iters: 3,
            threads: 1,
            interventions: vec![Intervention::new(kind)],
            ..RfmParams::default()
        };
        let out = run(&t, &split, &params, None);
        let m = out.final_m().unwrap();
        let h = if name == "commutant" {
            Subgroup::parse(&dih, "r").unwrap()
        } else {
            Subgroup::full(&dih)
        };
        let group = symrfm::rfm::PermutationGroup::from_subgroup(&dih, &h);
        let projected = if name == "commutant" {
            group.commutant_projection(m.view())
        } else {
            group.group_algebra_projection(m.view()).unwrap()
        };
        let rel = (&projected - m).iter().map(|v| v * v).sum::<f64>().sqrt()
            / m.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!(rel <= 1e-14, "{name}: {rel}");
    }
}

/// The issue's check: with exact symmetry a fixed-point split stays symmetric to 1e-12 and its
/// test accuracy stays trapped for 200 iterations.
#[test]
fn exact_symmetry_keeps_a_fixed_point_split_trapped_for_200_iterations() {
    let t = task(Operation::Add, 11);
    let split = Split::build(
        &t,
        &SplitSpec::FixedPoints {
            subgroup: "s r^3".into(),
        },
    )
    .unwrap();
    let params = RfmParams {
        iters: 200,
        threads: 1,
        exact_symmetry: true,
        ..RfmParams::default()
    };
    let out = run(&t, &split, &params, None);
    assert!(out.complete);
    let trap = out.trap.unwrap();
    assert_eq!(trap.stabilizer, "<s r^3>");
    assert_eq!(trap.asymmetry.len(), 201);
    let worst = trap.asymmetry.iter().fold(0.0f64, |a, &b| a.max(b));
    assert!(worst <= 1e-12, "asymmetry reached {worst}");
    assert_eq!(trap.broken_at, None);
    let best = out
        .iterations
        .iter()
        .map(|r| r.test_acc)
        .fold(0.0, f64::max);
    assert!(best <= 1.0 / 11.0 + 1e-12, "test accuracy reached {best}");
}

#[test]
fn run_flags_are_recorded_under_their_spec_names() {
    let dir = common::scratch("interventions-cli");
    let out = common::symrfm(
        &[
            "run",
            "--task",
            "add",
            "-p",
            "7",
            "--iters",
            "3",
            "--threads",
            "1",
            "-q",
            "--split",
            "fixed-points",
            "--reflection",
            "s",
            "--project",
            "commutant:rotations",
            "--enforce-circulant",
            "--project-strength",
            "0.5",
            "--project-from",
            "1",
            "--exact-symmetry",
            "--init",
            "random-circulant",
            "--init-seed",
            "4",
            "--perturb",
            "1e-6",
            "--out",
            "run.json",
        ],
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.join("run.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let ivs = v["params"]["interventions"].as_array().unwrap();
    assert_eq!(ivs.len(), 2);
    assert_eq!(ivs[0]["kind"], "commutant");
    assert_eq!(ivs[0]["subgroup"], "rotations");
    assert_eq!(ivs[0]["strength"], 0.5);
    assert_eq!(ivs[0]["from"], 1);
    assert_eq!(ivs[1]["kind"], "enforce-circulant");
    assert_eq!(v["params"]["exact_symmetry"], true);
    assert_eq!(v["init"]["kind"], "random-circulant");
    assert_eq!(v["init"]["seed"], 4);
    assert_eq!(v["init"]["perturb"], 1e-6);
    assert_eq!(v["trap"]["stabilizer"], "<s>");
    assert_eq!(v["trap"]["asymmetry"].as_array().unwrap().len(), 4);
    // a bad subgroup is a usage error naming the spec parameter's values
    let bad = common::symrfm(
        &[
            "run",
            "--task",
            "add",
            "-p",
            "7",
            "--iters",
            "1",
            "-q",
            "--project",
            "commutant:q",
            "--out",
            "bad.json",
        ],
        &dir,
    );
    assert_eq!(
        bad.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    // the default run records no intervention fields in params
    let plain = common::symrfm(
        &[
            "run",
            "--task",
            "add",
            "-p",
            "7",
            "--iters",
            "1",
            "-q",
            "--out",
            "plain.json",
        ],
        &dir,
    );
    assert!(plain.status.success());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("plain.json")).unwrap()).unwrap();
    assert!(v["params"].get("interventions").is_none());
    assert!(v["params"].get("exact_symmetry").is_none());
    assert!(v.get("init").is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn decompose_eigen_writes_the_leading_eigenpairs_and_figures() {
    let dir = common::scratch("interventions-eigen");
    let run = common::symrfm(
        &[
            "run",
            "--task",
            "mul",
            "-p",
            "7",
            "--iters",
            "2",
            "--threads",
            "1",
            "-q",
            "--out",
            "run.json",
        ],
        &dir,
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let out = common::symrfm(
        &["decompose", "run.json", "--eigen", "3", "--out", "dec.json"],
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("dec.json")).unwrap()).unwrap();
    let e = &v["eigen"];
    assert_eq!(e["spectrum"].as_array().unwrap().len(), 12);
    let leading = e["leading"].as_array().unwrap();
    assert_eq!(leading.len(), 3);
    for l in leading {
        let total: f64 = l["left_energy"]
            .as_array()
            .unwrap()
            .iter()
            .chain(l["right_energy"].as_array().unwrap())
            .map(|x| x.as_f64().unwrap())
            .sum();
        assert!((total - 1.0).abs() < 1e-10, "{total}");
    }
    assert!(e["basis"].as_str().unwrap().contains("discrete log"));
    for tag in ["spectrum", "vectors", "energy"] {
        assert!(dir.join(format!("dec.eigen-{tag}.png")).exists(), "{tag}");
        assert!(dir.join(format!("dec.eigen-{tag}.svg")).exists(), "{tag}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

//! Interventions, `--exact-symmetry` and trap dynamics on the Sym_f of tasks without Dih(A)
//! (issue 15 on top of issue 14): a non-abelian group task (S4) and a searched Sym_f (a graph).
//! The invariance of M is checked with the analysis module's commutant distance, built from the
//! element list of Sym_f (independent of the projection code in `rfm::projection`).

use crate::common;

use symrfm::analysis::{commutant_distance, CoordinatePermutation};
use symrfm::data::{Split, SplitSpec};
use symrfm::group::{Operation, Task, TaskSpec};
use symrfm::rfm::{train, Control, Intervention, InterventionKind, RfmParams, TrainOutput};
use symrfm::symmetry::{Subgroup, TaskSymmetry};

fn named(op: Operation, group: &str) -> Task {
    Task::new(TaskSpec::on_group(op, group)).unwrap()
}

fn run(task: &Task, split: &Split, params: &RfmParams) -> TrainOutput {
    train(task, split, params, None, None, &mut |_| Control::Continue).unwrap()
}

fn perms(sym: &TaskSymmetry, h: &Subgroup) -> Vec<CoordinatePermutation> {
    h.permutations(sym)
        .iter()
        .enumerate()
        .map(|(i, p)| {
            CoordinatePermutation::new(i.to_string(), p.iter().map(|&v| v as usize).collect())
        })
        .collect()
}

/// An S4 orbit split under H = <r^{(1 2 3 4)}>: with exact symmetry the asymmetry stays ≤ 1e-12
/// for 200 iterations and the final M commutes with every Π(h), h ∈ H; without it, M is still
/// recorded (trap field present, stabilizer of order ≥ |H|).
#[test]
fn exact_symmetry_keeps_an_s4_orbit_split_invariant() {
    let t = named(Operation::Mul, "S4");
    let sym = TaskSymmetry::of(&t);
    let spec = SplitSpec::Orbit {
        subgroup: "r^{(1 2 3 4)}".into(),
        fraction: 0.5,
        seed: 2,
    };
    let split = Split::build(&t, &spec).unwrap();
    let h = Subgroup::parse(&sym, "r^{(1 2 3 4)}").unwrap();
    let params = RfmParams {
        iters: 200,
        threads: 1,
        exact_symmetry: true,
        ..RfmParams::default()
    };
    let out = run(&t, &split, &params);
    assert!(out.complete);
    let trap = out.trap.as_ref().expect("a trap record on a generic task");
    assert_eq!(trap.asymmetry.len(), 201);
    assert!(trap.stabilizer_order >= 4 && trap.stabilizer_order.is_multiple_of(4));
    let worst = trap.asymmetry.iter().fold(0.0f64, |a, &b| a.max(b));
    assert!(worst <= 1e-12, "asymmetry reached {worst}");
    assert_eq!(trap.broken_at, None);
    let m = out.final_m().unwrap();
    let dist = commutant_distance(m.view(), &perms(&sym, &h)).unwrap();
    assert!(dist <= 1e-12, "commutant distance {dist}");
    // a random split: trivial stabilizer, asymmetry 0 throughout
    let random = Split::random(t.n_pairs(), 0.5, 0).unwrap();
    let plain = RfmParams {
        iters: 2,
        threads: 1,
        ..RfmParams::default()
    };
    let trap = run(&t, &random, &plain).trap.unwrap();
    assert_eq!(trap.stabilizer, "trivial");
    assert_eq!(trap.asymmetry, vec![0.0; 3]);
}

/// Projections by Sym_f element names during training keep M in their subspace, on a non-abelian
/// group and on a graph task whose Sym_f is found by search.
#[test]
fn generic_projections_during_training_keep_m_in_their_subspace() {
    let t = named(Operation::Mul, "S3");
    let sym = TaskSymmetry::of(&t);
    let split = Split::random(t.n_pairs(), 0.6, 1).unwrap();
    let params = RfmParams {
        iters: 3,
        threads: 1,
        interventions: vec![Intervention::new(InterventionKind::Commutant {
            subgroup: "r^{(1 2 3)}".into(),
        })],
        ..RfmParams::default()
    };
    let m = run(&t, &split, &params).final_m().unwrap().clone();
    let h = Subgroup::parse(&sym, "r^{(1 2 3)}").unwrap();
    assert!(commutant_distance(m.view(), &perms(&sym, &h)).unwrap() <= 1e-14);

    let mut s = TaskSpec::new(Operation::GraphDistance, 0);
    s.graph = Some("cycle:6".into());
    let c = Task::new(s).unwrap();
    let csym = TaskSymmetry::of(&c);
    let split = Split::random(c.n_pairs(), 0.6, 1).unwrap();
    let params = RfmParams {
        iters: 2,
        threads: 1,
        interventions: vec![Intervention::new(InterventionKind::Commutant {
            subgroup: "full".into(),
        })],
        ..RfmParams::default()
    };
    let out = run(&c, &split, &params);
    let m = out.final_m().unwrap();
    let all = Subgroup::full(&csym);
    assert!(commutant_distance(m.view(), &perms(&csym, &all)).unwrap() <= 1e-14);
    assert!(out.trap.is_some());
}

#[test]
fn cli_runs_generic_interventions_and_rejects_bad_names() {
    let dir = common::scratch("interventions-generic");
    let ok = common::symrfm(
        &[
            "run",
            "--task",
            "mul",
            "--group",
            "S3",
            "--split",
            "orbit",
            "--subgroup",
            "r^{(1 2 3)}",
            "--train-frac",
            "0.5",
            "--iters",
            "3",
            "--threads",
            "1",
            "-q",
            "--exact-symmetry",
            "--project",
            "group-algebra:full",
            "--out",
            "run.json",
        ],
        &dir,
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(v["params"]["exact_symmetry"], true);
    assert_eq!(v["params"]["interventions"][0]["subgroup"], "full");
    assert_eq!(v["trap"]["asymmetry"].as_array().unwrap().len(), 4);
    assert!(v["trap"]["stabilizer_order"].as_u64().unwrap() >= 3);
    for (args, needle) in [
        (vec!["--project", "commutant:r^{(1 4)}"], "--project"),
        (vec!["--enforce-circulant"], "cyclic"),
    ] {
        let mut all = vec![
            "run", "--task", "mul", "--group", "S3", "--iters", "1", "-q", "--out", "bad.json",
        ];
        all.extend(args);
        let bad = common::symrfm(&all, &dir);
        let err = String::from_utf8_lossy(&bad.stderr);
        assert_eq!(bad.status.code(), Some(2), "{err}");
        assert!(err.contains(needle), "{err}");
        assert!(!dir.join("bad.json").exists());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

//! Issue "any finite group", step 3 through the binary: fixed-point splits, orbit edits and
//! `compare` on the computed Sym_f of tasks without Dih(A) (a non-abelian group, a graph).

use crate::common;
use common::{scratch, symrfm};
use symrfm::report::compare::CompareReport;

fn compare(args: &[&str], dir: &std::path::Path, out: &str) -> CompareReport {
    let mut full = vec!["compare", "--iters", "2", "-q", "--out", out];
    full.extend_from_slice(args);
    let o = symrfm(&full, dir);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(dir.join(out)).unwrap()).unwrap()
}

#[test]
fn compare_runs_on_the_sym_f_of_a_non_abelian_group_and_of_a_graph() {
    let dir = scratch("any-group-compare");
    // D12 acts freely: an orbit split under H = <r^s> and its twin with one random pair moved.
    let d12 = compare(
        &[
            "--task",
            "mul",
            "--group",
            "D12",
            "--split",
            "orbit",
            "--subgroup",
            "r^s",
            "--train-frac",
            "0.9",
        ],
        &dir,
        "d12.json",
    );
    let twin = d12.twin.as_ref().unwrap();
    assert_eq!(d12.moved.len(), 1);
    assert_eq!(twin.split.n_train + 1, d12.symmetric.split.n_train);
    // The split's symmetry on Sym_f: the orbit split keeps H = <r^s>, the twin breaks it; the
    // orbit theory is scored for the named H.
    let sym = d12.symmetric.symmetry.as_ref().unwrap();
    let broken = twin.symmetry.as_ref().unwrap();
    assert!(
        sym.stabilizer.contains(&"r^{s}".to_string()),
        "{:?}",
        sym.stabilizer
    );
    assert!(broken.stabilizer_order < sym.stabilizer_order);
    assert_eq!(sym.orbit_subgroup_name, "<r^{s}>");
    assert!(sym.theory.is_some() && broken.theory.is_some());
    assert!(d12.verdict.is_some() && d12.complete);

    // The cycle C_12's distance task: test = the pairs fixed by the swap s; the twin moves a
    // whole <s>-orbit, keeping the invariance.
    let cycle = compare(
        &[
            "--task",
            "graph-distance",
            "--graph",
            "cycle:12",
            "--subgroup",
            "s",
            "--move-orbits",
            "1",
        ],
        &dir,
        "cycle.json",
    );
    assert_eq!(cycle.symmetric.split.n_test, 12); // the diagonal (a, a)
    assert_eq!(cycle.moved.len(), 2); // an orbit of s off the diagonal: (a, b), (b, a)
    assert!(
        cycle.twin_edit.contains("<s>-orbits"),
        "{}",
        cycle.twin_edit
    );
    let (m0, m1) = (&cycle.moved[0], &cycle.moved[1]);
    assert_eq!((&m0.a, &m0.b), (&m1.b, &m1.a), "{m0:?} {m1:?}");

    // A free action has no fixed points: one line naming the flag.
    let o = symrfm(
        &[
            "compare",
            "--task",
            "mul",
            "--group",
            "S3",
            "--subgroup",
            "r^{(1 2 3)}",
            "--iters",
            "1",
        ],
        &dir,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--subgroup") && err.contains("freely"),
        "{err}"
    );
}

#[test]
fn a_random_split_of_a_large_non_abelian_task_has_a_trivial_stabilizer() {
    let dir = scratch("any-group-stabilizer");
    let o = symrfm(
        &[
            "run", "--task", "mul", "--group", "S4", "--iters", "1", "-q", "--out", "r.json",
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains(
            "stabilizer of the training set in Sym_f of mul on S_4 (order 24) is trivial"
        ),
        "{stdout}"
    );
    let run = symrfm::report::read::read_run(&dir.join("r.json")).unwrap();
    let sym = run.symmetry.unwrap();
    assert_eq!(
        (sym.stabilizer_order, sym.stabilizer_name.as_str()),
        (1, "trivial")
    );
    assert_eq!(sym.test_outside_orbits, run.split.n_test);
}

/// `--symmetry-diagnostic` works on the computed Sym_f: one entry per iteration, every
/// non-identity element of S_3's Sym_f (5) probed; elements of a long-named Sym_f can be named
/// `#k` in subgroups.
#[test]
fn the_symmetry_diagnostic_and_index_names_work_on_sym_f() {
    let dir = scratch("any-group-diagnostic");
    let o = symrfm(
        &[
            "run",
            "--task",
            "mul",
            "--group",
            "S3",
            "--iters",
            "3",
            "--symmetry-diagnostic",
            "-q",
            "--out",
            "r.json",
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let run = symrfm::report::read::read_run(&dir.join("r.json")).unwrap();
    assert_eq!(run.symmetry_diagnostic.len(), 3);
    assert!(run.symmetry_diagnostic.iter().all(|d| d.n_elements == 5));

    let split = |sub: &str, out: &str| {
        let o = symrfm(
            &[
                "split",
                "--task",
                "sign",
                "-p",
                "7",
                "--split",
                "orbit",
                "--subgroup",
                sub,
                "--train-frac",
                "0.5",
                "--out",
                out,
            ],
            &dir,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read_to_string(dir.join(out)).unwrap()
    };
    let full_name = "s σ=(0 6)(1 5)(2 4) τ=(0 6)(1 5)(2 4)";
    assert_eq!(split("#1", "a.csv"), split(full_name, "b.csv"));
}

/// A run file of a non-abelian task written before such runs had a trap record can still be
/// resumed: the joined file has no trap record and the same iterations as an uninterrupted run.
#[test]
fn a_run_file_without_a_trap_record_resumes() {
    let dir = scratch("any-group-resume-old");
    let base = ["run", "--task", "mul", "--group", "S3", "-q", "--iters"];
    let ok = |o: std::process::Output| {
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    ok(symrfm(
        &[&base[..], &["2", "--out", "short.json"]].concat(),
        &dir,
    ));
    ok(symrfm(
        &[&base[..], &["4", "--out", "full.json"]].concat(),
        &dir,
    ));
    let path = dir.join("short.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(v.as_object_mut().unwrap().remove("trap").is_some());
    std::fs::write(&path, serde_json::to_string(&v).unwrap()).unwrap();
    ok(symrfm(
        &[
            "run",
            "--resume",
            "short.json",
            "--iters",
            "4",
            "-q",
            "--out",
            "joined.json",
        ],
        &dir,
    ));
    let read = |f: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(f)).unwrap()).unwrap()
    };
    let (joined, full) = (read("joined.json"), read("full.json"));
    assert!(joined.get("trap").is_none() && full.get("trap").is_some());
    let accs = |v: &serde_json::Value| -> Vec<f64> {
        v["iterations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["test_acc"].as_f64().unwrap())
            .collect()
    };
    assert_eq!(accs(&joined), accs(&full));
    assert_eq!(joined["feature_matrices"], full["feature_matrices"]);
}

//! Issue "any finite group", step 3 through the binary: fixed-point splits, orbit edits and
//! `compare` on the computed Sym_f of tasks without Dih(A) (a non-abelian group, a graph).

use symrfm::report::compare::CompareReport;
mod common;
use common::{scratch, symrfm};

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

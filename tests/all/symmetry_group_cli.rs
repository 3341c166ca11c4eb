//! `symrfm symmetry` and the new task kinds on the command line: Sym_f of group, structural,
//! relational and table tasks (order, swaps, element names, JSON that reads back into the schema),
//! `symrfm run` on S4 end to end, and bad inputs exiting 2 with one line naming the input.

use crate::common;
use common::ok;
use common::{scratch, symrfm};
use std::collections::BTreeSet;
use std::path::Path;
use symrfm::symmetry::SymmetrySummary;

fn summary(args: &[&str], dir: &Path, name: &str) -> (SymmetrySummary, String) {
    let out = dir.join(name);
    let mut full = vec!["symmetry"];
    full.extend_from_slice(args);
    full.extend_from_slice(&["--out", out.to_str().unwrap(), "--force"]);
    let stdout = ok(&symrfm(&full, dir));
    let text = std::fs::read_to_string(&out).unwrap();
    let s: SymmetrySummary = serde_json::from_str(&text).expect("reads back into the schema");
    assert_eq!((s.schema_version, s.kind.as_str()), (1, "symmetry"));
    (s, stdout)
}

fn perms(s: &SymmetrySummary) -> BTreeSet<Vec<u32>> {
    s.elements
        .as_ref()
        .unwrap()
        .iter()
        .map(|e| e.permutation.clone())
        .collect()
}

#[test]
fn group_tasks_print_and_write_their_symmetry_group() {
    let dir = scratch("symgroup-groups");
    let (s4, stdout) = summary(&["--task", "mul", "--group", "S4"], &dir, "s4.json");
    assert!(
        stdout.contains("order 24 (by construction), no swaps"),
        "{stdout}"
    );
    assert!(stdout.contains("free action"), "{stdout}");
    assert_eq!(
        (s4.order.as_str(), s4.has_swaps, s4.n_symbols),
        ("24", false, 24)
    );
    assert_eq!(s4.task.group_name.as_deref(), Some("S4"));
    let els = s4.elements.as_ref().unwrap();
    assert_eq!(els.len(), 24);
    assert_eq!(els[0].name, "id");
    assert!(els[1..].iter().all(|e| e.fixed_points == 0 && !e.swap));
    // the search finds the same elements
    let (searched, _) = summary(
        &["--task", "mul", "--group", "S4", "--search"],
        &dir,
        "s4-search.json",
    );
    assert_eq!(searched.method, "search");
    assert_eq!(perms(&searched), perms(&s4));
    // D4 is the square's group, order 8; Q8 has order 8 too; both non-abelian
    for g in ["D4", "Q8"] {
        let (s, stdout) = summary(&["--task", "div", "--group", g], &dir, "g.json");
        assert_eq!(s.order, "8", "{g}");
        assert!(stdout.contains("(order 8)"), "{stdout}");
    }
    // an abelian task: today's Dih(Z_7) with today's names
    let (z7, stdout) = summary(&["--task", "add", "-p", "7"], &dir, "z7.json");
    assert!(stdout.contains("with swaps"), "{stdout}");
    let names: Vec<String> = ["id".to_string()]
        .into_iter()
        .chain((1..7).map(|k| format!("r^{k}")))
        .chain(["s".to_string()])
        .chain((1..7).map(|k| format!("s r^{k}")))
        .collect();
    let got: Vec<String> = z7.elements.unwrap().into_iter().map(|e| e.name).collect();
    assert_eq!(got, names);
    // fixed points: each of the 7 reflections fixes 7 pairs
    assert!(z7
        .fixed_point_counts
        .iter()
        .any(|c| c.swap && c.fixed_points == 7 && c.elements == 7));
}

#[test]
fn structural_relational_and_table_tasks_by_search() {
    let dir = scratch("symgroup-other");
    let (c, _) = summary(
        &["--task", "graph-distance", "--graph", "cycle:8"],
        &dir,
        "c8.json",
    );
    assert_eq!(
        (c.order.as_str(), c.has_swaps, c.method.as_str()),
        ("32", true, "search")
    );
    let (m, _) = summary(&["--task", "max", "-p", "10"], &dir, "max.json");
    assert_eq!((m.order.as_str(), m.has_swaps), ("2", true));
    let (q, stdout) = summary(
        &["--task", "graph-distance", "--graph", "hypercube:6"],
        &dir,
        "q6.json",
    );
    // Aut(Q_6) = 2^6 · 6! = 46080, times the swap; too many to list
    assert_eq!(q.order, "92160");
    assert!(!q.elements_listed && q.elements.is_none());
    assert!(stdout.contains("skipped:"), "{stdout}");
    // a table with symbol names: the multiplication table of Z_2 × Z_2 written by hand
    let table = dir.join("klein.csv");
    std::fs::write(
        &table,
        ",e,a,b,c\ne,0,1,2,3\na,1,0,3,2\nb,2,3,0,1\nc,3,2,1,0\n",
    )
    .unwrap();
    let (k, _) = summary(
        &["--task", "table", "--table", table.to_str().unwrap()],
        &dir,
        "k.json",
    );
    assert_eq!((k.order.as_str(), k.n_symbols, k.n_classes), ("8", 4, 4));
}

#[test]
fn run_on_s4_works_end_to_end() {
    let dir = scratch("symgroup-run");
    let out = dir.join("run.json");
    let stdout = ok(&symrfm(
        &[
            "run",
            "--task",
            "mul",
            "--group",
            "S4",
            "--iters",
            "2",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ],
        &dir,
    ));
    let _ = stdout;
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["task"]["spec"]["group_name"], "S4");
    assert_eq!(v["task"]["description"], "mul on S_4 (order 24)");
    // an orbit split under H = <r^{(1 2 3)}> of Sym_f: the training set is a union of H-orbits
    let orbit = dir.join("orbit.json");
    ok(&symrfm(
        &[
            "run",
            "--task",
            "mul",
            "--group",
            "S4",
            "--split",
            "orbit",
            "--subgroup",
            "r^{(1 2 3)}",
            "--train-frac",
            "0.5",
            "--iters",
            "1",
            "-q",
            "--out",
            orbit.to_str().unwrap(),
        ],
        &dir,
    ));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&orbit).unwrap()).unwrap();
    assert_eq!(v["split"]["spec"]["subgroup"], "<r^{(1 2 3)}>");
    assert_eq!(v["split"]["n_train"], 288);
    let bad = symrfm(
        &[
            "run",
            "--task",
            "mul",
            "--group",
            "S4",
            "--split",
            "orbit",
            "--subgroup",
            "r^{(1 5)}",
        ],
        &dir,
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("r^{(1 5)}"));
    // the same for a graph task and a table task
    for args in [
        vec!["--task", "graph-distance", "--graph", "petersen"],
        vec!["--task", "conj", "--group", "S3"],
        vec!["--task", "parity-sub", "-p", "11"],
    ] {
        let mut full = vec!["run", "--iters", "1", "-q", "--force", "--out", "x.json"];
        full.extend_from_slice(&args);
        ok(&symrfm(&full, &dir));
    }
}

#[test]
fn bad_inputs_exit_2_with_one_line_naming_the_input() {
    let dir = scratch("symgroup-bad");
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let ragged = write("ragged.csv", "0,1\n1\n");
    let nonsquare = write("wide.csv", "0,1,2\n1,0,2\n");
    let negative = write("neg.csv", "0,-1\n1,0\n");
    let empty = write("empty.csv", "");
    let two = write("two.txt", "a b\nc d\n");
    let missing = dir.join("missing.csv").to_str().unwrap().to_string();
    let two_graph = format!("file:{two}");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--task", "mul", "--group", "S9"], "S9"),
        (vec!["--task", "mul", "--group", "W5"], "W5"),
        (
            vec!["--task", "mul", "--group", "perm:(1 2 2)"],
            "perm:(1 2 2)",
        ),
        (
            vec!["--task", "mul", "--group", "perm:[2 1],[2 3 1]"],
            "perm:[2 1],[2 3 1]",
        ),
        (vec!["--task", "add", "--group", "S3"], "S3"),
        (
            vec!["--task", "graph-distance", "--graph", "cycle:2"],
            "cycle:2",
        ),
        (
            vec!["--task", "graph-distance", "--graph", &two_graph],
            "two.txt",
        ),
        (vec!["--task", "graph-distance"], "graph"),
        (vec!["--task", "table", "--table", &ragged], "ragged.csv"),
        (vec!["--task", "table", "--table", &nonsquare], "wide.csv"),
        (vec!["--task", "table", "--table", &negative], "neg.csv"),
        (vec!["--task", "table", "--table", &empty], "empty.csv"),
        (vec!["--task", "table", "--table", &missing], "missing.csv"),
        (vec!["--task", "sign", "-p", "5000"], "5000"),
    ];
    for (args, needle) in cases {
        for cmd in ["symmetry", "run"] {
            let mut full = vec![cmd];
            full.extend_from_slice(&args);
            let out = symrfm(&full, &dir);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{full:?}: {stderr}");
            assert_eq!(stderr.trim().lines().count(), 1, "{full:?}: {stderr}");
            assert!(stderr.contains(needle), "{full:?}: {stderr}");
        }
    }
}

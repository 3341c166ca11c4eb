//! One symmetry model for every task (issue 20): the default subgroup of `compare` and
//! `--split fixed-points` on tasks without `s`, fixed-point splits of the polynomial controls, the
//! symmetry report on every task with a listed Sym_f, and the trap record judged by the outcome.

use crate::common;

use common::{scratch, symrfm};
use serde_json::Value;
use std::path::Path;

fn text(o: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn json(dir: &Path, file: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap()
}

/// `compare --task mul --group S4`: Sym_f of a non-abelian group acts freely, so there is no
/// fixed-point split; the command stops with one line that names what to pass and no flag the
/// user did not type (`--subgroup` appears only as the suggestion).
#[test]
fn compare_on_s4_stops_with_one_line_naming_what_to_pass() {
    let dir = scratch("sym-compare-s4");
    let o = symrfm(
        &["compare", "--task", "mul", "--group", "S4", "--iters", "2"],
        &dir,
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}{err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{err}");
    let line = lines[0];
    assert!(
        line.contains("--task") && line.contains("acts freely"),
        "{line}"
    );
    assert!(
        line.contains("--split orbit") && line.contains("--subgroup 'r^"),
        "{line}"
    );
    assert!(!line.contains("invalid value for --subgroup"), "{line}");
    // the suggestion works as printed
    let o = symrfm(
        &[
            "compare",
            "--task",
            "mul",
            "--group",
            "S4",
            "--iters",
            "2",
            "--split",
            "orbit",
            "--train-frac",
            "0.6",
            "--out",
            "c.json",
        ],
        &dir,
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    let c = json(&dir, "c.json");
    assert!(
        c["symmetric"]["symmetry"]["stabilizer_order"]
            .as_u64()
            .unwrap()
            >= 2
    );
}

/// `run --task x2+y2 -p 13 --split fixed-points`: the swap s keeps a² + b², so the default H is
/// `s` and the test set is the diagonal; the run reports its stabilizer in Sym_f.
#[test]
fn fixed_points_of_a_polynomial_control() {
    let dir = scratch("sym-x2y2");
    let o = symrfm(
        &[
            "run",
            "--task",
            "x2+y2",
            "-p",
            "13",
            "--split",
            "fixed-points",
            "--iters",
            "2",
            "--out",
            "r.json",
        ],
        &dir,
    );
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    let r = json(&dir, "r.json");
    assert_eq!(r["split"]["spec"]["subgroup"], "<s>", "{}", r["split"]);
    let sym = &r["symmetry"];
    assert!(sym["stabilizer_order"].as_u64().unwrap() >= 2, "{sym}");
    assert!(
        out.contains("stabilizer of the training set in Sym_f of"),
        "{out}"
    );
    // the test set is Fix(s) = {(a, a)}: 13 pairs
    assert_eq!(r["split"]["n_test"], 13, "{}", r["split"]);
}

/// A task whose Sym_f is trivial: a fixed-point split stops with one line saying so.
#[test]
fn a_trivial_symmetry_group_is_said_in_one_line() {
    let dir = scratch("sym-trivial");
    // x³ + xy2 + y mod 7: no non-trivial map keeps its labels (checked with `symrfm symmetry`)
    let o = symrfm(&["symmetry", "--task", "x3+xy2+y", "-p", "7"], &dir);
    let (out, _) = text(&o);
    if !out.contains("order 1") {
        return; // not trivial at this p: nothing to check here
    }
    let o = symrfm(
        &[
            "run",
            "--task",
            "x3+xy2+y",
            "-p",
            "7",
            "--split",
            "fixed-points",
            "--iters",
            "1",
        ],
        &dir,
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}{err}");
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].contains("trivial") && !lines[0].contains("--subgroup"),
        "{err}"
    );
}

fn trap(dir: &Path, extra: &[&str], out: &str) -> Value {
    let mut args = vec![
        "run",
        "--task",
        "add",
        "-p",
        "23",
        "--split",
        "fixed-points",
        "--iters",
        "25",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    let o = symrfm(&args, dir);
    let (so, se) = text(&o);
    assert!(o.status.success(), "{so}{se}");
    json(dir, out)["trap"].clone()
}

/// The trap record agrees with the outcome on add mod 23, test = Fix(s): unperturbed, the
/// accuracy on the trapped pairs (all 23 test pairs) never moves and `escaped_at`/`broken_at`
/// are absent; perturbed by 1e-4, the run learns the test set, and `escaped_at` is the first
/// iteration whose trapped accuracy differs from the first one, computed here from the series.
#[test]
fn the_trap_record_agrees_with_the_outcome_at_p_23() {
    let dir = scratch("sym-trap");
    let plain = trap(&dir, &[], "plain.json");
    assert_eq!(plain["trapped_pairs"], 23);
    let acc: Vec<f64> = plain["trapped_accuracy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(acc.len(), 25);
    assert!(acc.iter().all(|&a| a == acc[0]), "{acc:?}");
    assert!(plain.get("escaped_at").is_none() && plain.get("broken_at").is_none());

    let pert = trap(&dir, &["--perturb", "1e-4"], "pert.json");
    let acc: Vec<f64> = pert["trapped_accuracy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let run = json(&dir, "pert.json");
    let final_test = run["iterations"].as_array().unwrap().last().unwrap()["test_acc"]
        .as_f64()
        .unwrap();
    assert_eq!(final_test, 1.0, "the perturbed run escapes at p = 23");
    let first_move = acc.iter().position(|&a| a != acc[0]).expect("it escapes");
    assert_eq!(pert["escaped_at"].as_u64(), Some(first_move as u64));
    assert_eq!(pert["broken_at"], pert["escaped_at"]);
    let asym = pert["asymmetry"].as_array().unwrap()[first_move]
        .as_f64()
        .unwrap();
    assert_eq!(pert["escape_asymmetry"].as_f64(), Some(asym));
    assert!(asym > 0.0);
}

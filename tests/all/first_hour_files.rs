//! Issue "a researcher's first hour", items 6, 7, 9, 11, 13, 14 and 15: files that should be
//! accepted, messages that mislead, records, cosmetics and the `split` subcommand, each checked
//! through the CLI.

use crate::common;
use common::json;
use common::{scratch, symrfm};
use ndarray::Array2;
use serde_json::Value;
use std::path::Path;
use symrfm::report::read::read_run;

fn ok(args: &[&str], dir: &Path) -> (String, String) {
    let out = symrfm(args, dir);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "{args:?}: {stderr}");
    (stdout, stderr)
}

fn usage_error(args: &[&str], dir: &Path) -> String {
    let out = symrfm(args, dir);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    stderr
}

// Item 6: compare files in `decompose` and `report --matrix`.
#[test]
fn decompose_and_report_accept_compare_files() {
    let dir = scratch("fh-compare-files");
    ok(
        &[
            "compare", "-p", "11", "--iters", "2", "-q", "--out", "c.json",
        ],
        &dir,
    );
    // Both runs by default, named apart.
    let (stdout, _) = ok(&["decompose", "c.json", "-q"], &dir);
    for which in ["symmetric", "twin"] {
        let file = dir.join(format!("c.{which}.decompose.json"));
        assert!(
            stdout.contains(&format!("c.{which}.decompose.json")),
            "{stdout}"
        );
        let d = json(&file);
        assert_eq!(d["run"], which);
        assert_eq!(d["source_kind"], "compare");
    }
    // The two decompositions are of the two different final matrices of the file.
    let c = json(&dir.join("c.json"));
    let norm = |which: &str| {
        json(&dir.join(format!("c.{which}.decompose.json")))["analysis"]["frobenius_norm"]
            .as_f64()
            .unwrap()
    };
    assert_ne!(norm("symmetric"), norm("twin"));
    assert!(c["twin"]["feature_matrices"].is_array());
    // --which picks one; --out then names it as given.
    ok(
        &[
            "decompose",
            "c.json",
            "--which",
            "twin",
            "-q",
            "--out",
            "t.json",
        ],
        &dir,
    );
    assert_eq!(json(&dir.join("t.json"))["run"], "twin");
    assert!(
        (json(&dir.join("t.json"))["analysis"]["frobenius_norm"]
            .as_f64()
            .unwrap()
            - norm("twin"))
        .abs()
            < 1e-12
    );
    // --which with a run file is a usage error.
    ok(
        &["run", "-p", "11", "--iters", "1", "-q", "--out", "r.json"],
        &dir,
    );
    let e = usage_error(&["decompose", "r.json", "--which", "twin", "-q"], &dir);
    assert!(e.contains("--which"), "{e}");

    // report --matrix: both runs' figures, not colliding; --which one of them.
    ok(&["report", "--matrix", "c.json", "--out", "rep"], &dir);
    for which in ["symmetric", "twin"] {
        assert!(
            dir.join(format!("rep/matrix-c.{which}.png")).exists(),
            "{which}"
        );
    }
    ok(
        &[
            "report", "--matrix", "c.json", "--which", "twin", "--out", "rep2",
        ],
        &dir,
    );
    assert!(dir.join("rep2/matrix-c.twin.png").exists());
    assert!(!dir.join("rep2/matrix-c.symmetric.png").exists());
}

// Item 7: float32 .npy for decompose and --init-m.
#[test]
fn float32_npy_is_widened_and_said_so() {
    let dir = scratch("fh-f32");
    ok(
        &[
            "run", "-p", "11", "--iters", "2", "-q", "--out", "r.json", "--npy",
        ],
        &dir,
    );
    let m64: Array2<f64> = ndarray_npy::read_npy(dir.join("r.npy")).unwrap();
    let m32 = m64.mapv(|v| v as f32);
    ndarray_npy::write_npy(dir.join("m32.npy"), &m32).unwrap();
    let (_, stderr) = ok(
        &[
            "decompose",
            "m32.npy",
            "-p",
            "11",
            "-q",
            "--out",
            "d32.json",
        ],
        &dir,
    );
    assert!(
        stderr.contains("float32") && stderr.contains("float64"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    // The f64 file says nothing.
    let (_, quiet) = ok(
        &["decompose", "r.npy", "-p", "11", "-q", "--out", "d64.json"],
        &dir,
    );
    assert!(!quiet.contains("float32"), "{quiet}");
    let a = json(&dir.join("d32.json"))["analysis"]["frobenius_norm"]
        .as_f64()
        .unwrap();
    let b = json(&dir.join("d64.json"))["analysis"]["frobenius_norm"]
        .as_f64()
        .unwrap();
    assert!((a - b).abs() < 1e-5 * b, "{a} vs {b}");
    // --init-m: the same note, and the run is the run from the widened matrix saved as f64.
    ndarray_npy::write_npy(dir.join("m32as64.npy"), &m32.mapv(f64::from)).unwrap();
    let mut finals = Vec::new();
    for (init, out) in [("m32.npy", "i32.json"), ("m32as64.npy", "i64.json")] {
        let (_, stderr) = ok(
            &[
                "run",
                "-p",
                "11",
                "--iters",
                "1",
                "-q",
                "--threads",
                "1",
                "--init-m",
                init,
                "--out",
                out,
            ],
            &dir,
        );
        assert_eq!(stderr.contains("float32"), init == "m32.npy", "{stderr}");
        let run = read_run(&dir.join(out)).unwrap();
        finals.push(run.final_m().unwrap().unwrap());
    }
    assert_eq!(finals[0], finals[1]);
}

// Item 9: the subgroup the user typed, and memory advice that is right.
#[test]
fn subgroup_and_memory_messages_say_what_was_typed_and_what_is_needed() {
    let dir = scratch("fh-messages");
    let e = usage_error(
        &[
            "run",
            "-p",
            "11",
            "--iters",
            "1",
            "-q",
            "--split",
            "fixed-points",
            "--subgroup",
            "r^3",
        ],
        &dir,
    );
    assert!(e.contains("invalid value for --subgroup: r^3 "), "{e}");
    // why: r^3 generates all 11 rotations, and rotations fix no pair
    assert!(
        e.contains("generates <r^1>") && e.contains("11 rotations"),
        "{e}"
    );
    let e = usage_error(
        &[
            "compare",
            "-p",
            "11",
            "--iters",
            "1",
            "-q",
            "--subgroup",
            "r^3",
        ],
        &dir,
    );
    assert!(e.contains("--subgroup: r^3 "), "{e}");

    let e = usage_error(
        &[
            "run",
            "-p",
            "11",
            "--iters",
            "1",
            "-q",
            "--max-memory",
            "1",
            "--out",
            "m.json",
        ],
        &dir,
    );
    assert!(!e.contains(" 0 MiB"), "{e}");
    assert!(!e.contains("fewer --threads"), "{e}");
    // The advice names the limit that would fit, and that limit does fit.
    let need: String = e
        .split("raise --max-memory to at least ")
        .nth(1)
        .unwrap_or_else(|| panic!("{e}"))
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    ok(
        &[
            "run",
            "-p",
            "11",
            "--iters",
            "1",
            "-q",
            "--max-memory",
            &need,
            "--out",
            "m.json",
        ],
        &dir,
    );
}

// Item 11: the verdict says which test pairs stay wrong and why.
#[test]
fn compare_verdict_names_the_fixed_points_tied_to_the_moved_pair() {
    let dir = scratch("fh-verdict");
    let (stdout, _) = ok(
        &[
            "compare", "-p", "23", "--iters", "40", "-q", "--out", "c.json",
        ],
        &dir,
    );
    let verdict = stdout
        .lines()
        .find(|l| l.starts_with("verdict:"))
        .unwrap()
        .to_string();
    assert!(verdict.contains("partial"), "{verdict}");
    assert!(verdict.contains("fixed points"), "{verdict}");
    assert!(verdict.contains("tied to the moved pair"), "{verdict}");
    // Recompute the explanation from the runs themselves: the twin's wrong test pairs, which are
    // fixed points (a, a) of s, and which of those share an operand or the label with the moved pair.
    let c = json(&dir.join("c.json"));
    let twin = &c["twin"];
    let n = twin["task"]["n_symbols"].as_u64().unwrap() as usize;
    let ids = |v: &Value| -> Vec<usize> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as usize)
            .collect()
    };
    let train = ids(&twin["split"]["train_indices"]);
    let correct = ids(&twin["test_correct"]);
    let wrong: Vec<usize> = (0..n * n)
        .filter(|k| !train.contains(k) && !correct.contains(k))
        .collect();
    let moved = c["moved"][0]["index"].as_u64().unwrap() as usize;
    let (a, b) = (moved / n, moved % n);
    let tied: Vec<usize> = wrong
        .iter()
        .copied()
        .filter(|&k| {
            let (u, v) = (k / n, k % n);
            u == v && (u == a || u == b || (2 * u) % n == (a + b) % n)
        })
        .collect();
    assert!(!tied.is_empty());
    let m = &c["verdict"]["twin_misses"];
    assert_eq!(m["n_wrong"].as_u64().unwrap() as usize, wrong.len());
    let recorded: Vec<usize> = m["tied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["index"].as_u64().unwrap() as usize)
        .collect();
    assert_eq!(recorded, tied);
    assert!(
        verdict.contains(&format!("{} are tied", tied.len())),
        "{verdict}"
    );
}

// Item 13: -p with --group, what runs record, help texts.
#[test]
fn runs_record_what_was_used_and_help_tells_the_truth() {
    let dir = scratch("fh-records");
    let e = usage_error(
        &[
            "run", "--task", "sub", "--group", "5x7", "-p", "11", "--iters", "1",
        ],
        &dir,
    );
    assert!(e.contains("--modulus") && e.contains("--group"), "{e}");
    ok(
        &[
            "run", "--task", "sub", "--group", "5x7", "--iters", "1", "-q", "--out", "g.json",
        ],
        &dir,
    );
    let spec = &json(&dir.join("g.json"))["task"]["spec"];
    assert!(spec.get("modulus").is_none(), "{spec}");
    assert!(spec.get("zero").is_none(), "{spec}");
    assert_eq!(spec["group"], serde_json::json!([5, 7]));
    ok(
        &["run", "-p", "11", "--iters", "1", "-q", "--out", "a.json"],
        &dir,
    );
    let spec = &json(&dir.join("a.json"))["task"]["spec"];
    assert_eq!(spec["modulus"], 11);
    assert!(
        spec.get("zero").is_none(),
        "add has no zero convention: {spec}"
    );
    ok(
        &[
            "run", "--task", "div", "-p", "11", "--iters", "1", "-q", "--out", "d.json",
        ],
        &dir,
    );
    assert_eq!(json(&dir.join("d.json"))["task"]["spec"]["zero"], "drop");
    // Files written before (with both fields) still read.
    let mut old = json(&dir.join("g.json"));
    old["task"]["spec"]["modulus"] = 61.into();
    old["task"]["spec"]["zero"] = "drop".into();
    std::fs::write(dir.join("old.json"), old.to_string()).unwrap();
    let run = read_run(&dir.join("old.json")).unwrap();
    assert_eq!(run.task.spec.group, Some(vec![5, 7]));
    let run = read_run(&dir.join("g.json")).unwrap();
    assert_eq!(run.task.spec.modulus, 0);

    let (help, _) = ok(&["decompose", "--help"], &dir);
    assert!(help.contains("p23.decompose.json"), "{help}");
    assert!(!help.contains("<input>.decompose.json"), "{help}");
    let (help, _) = ok(&["sweep", "--help"], &dir);
    assert!(help.contains("TOML"), "{help}");
}

// Item 14: cosmetics, one test each.
#[test]
fn progress_lines_count_in_the_singular_and_spell_the_solver_as_the_json() {
    let dir = scratch("fh-progress");
    let (_, stderr) = ok(
        &[
            "run",
            "-p",
            "11",
            "--iters",
            "1",
            "--threads",
            "1",
            "--out",
            "r.json",
        ],
        &dir,
    );
    assert!(stderr.contains("| 1 iteration | 1 thread\n"), "{stderr}");
    assert!(!stderr.contains("1 threads"), "{stderr}");
    assert!(stderr.contains("  cholesky  "), "{stderr}");
    assert!(!stderr.contains("Cholesky"), "{stderr}");
    assert_eq!(
        json(&dir.join("r.json"))["iterations"][0]["solver"],
        "cholesky"
    );
    // One test pair: "1 test pair", not "1 test pairs" (a 2×2 task, one pair held out).
    let (stdout, stderr) = ok(
        &[
            "run",
            "-p",
            "11",
            "--iters",
            "1",
            "--split",
            "fixed-points",
            "--move-to-train",
            "0:0,1:1,2:2,3:3,4:4,5:5,6:6,7:7,8:8,9:9",
            "--out",
            "one.json",
        ],
        &dir,
    );
    assert!(stderr.contains("120 train / 1 test pair |"), "{stderr}");
    assert!(stdout.contains("of 1 test pair lie"), "{stdout}");
    assert!(
        !format!("{stdout}{stderr}").contains("1 test pairs"),
        "{stdout}{stderr}"
    );
}

#[test]
fn zero_blocks_are_undefined_and_constant_diagnostic_fields_are_gone() {
    let dir = scratch("fh-structure");
    ok(
        &[
            "run",
            "-p",
            "11",
            "--iters",
            "2",
            "-q",
            "--structure",
            "--out",
            "r.json",
        ],
        &dir,
    );
    let r = json(&dir.join("r.json"));
    // The zero off-diagonal block of M_0 = I is trivially circulant: undefined, not 0.
    assert!(
        r["structure"][0]["circulance"]["m12"]["min"].is_null(),
        "{}",
        r["structure"][0]
    );
    assert!(r["structure"][0]["circulance"]["m11"]["min"].is_number());
    assert!(r["structure"][1]["circulance"]["m12"]["min"].is_number());
    let run = read_run(&dir.join("r.json")).unwrap();
    assert!(run.structure[0].circulance.m12.min.is_nan());
    // The structure figure is drawn (the undefined point is left out).
    ok(&["report", "--matrix", "r.json", "--out", "rep"], &dir);
    assert!(dir.join("rep/structure-r.png").exists());
    // The diagnostic no longer writes the two fields that always equal the held-out agreement…
    let d = &r["symmetry_diagnostic"][0];
    assert!(d.get("heldout_rotation_agreement").is_none(), "{d}");
    assert!(d.get("heldout_reflection_agreement").is_none(), "{d}");
    assert!(d["heldout_agreement"].is_number());
    // …and older files that have them still read.
    let mut old = r.clone();
    old["symmetry_diagnostic"][0]["heldout_rotation_agreement"] = 0.5.into();
    old["symmetry_diagnostic"][0]["heldout_reflection_agreement"] = 0.5.into();
    std::fs::write(dir.join("old.json"), old.to_string()).unwrap();
    let back = read_run(&dir.join("old.json")).unwrap();
    assert_eq!(
        back.symmetry_diagnostic[0].heldout_rotation_agreement,
        Some(0.5)
    );
}

#[test]
fn decompose_prints_exponents_with_sign_and_no_negative_zero() {
    let dir = scratch("fh-decompose-format");
    ok(
        &["run", "-p", "11", "--iters", "2", "-q", "--out", "r.json"],
        &dir,
    );
    let (table, _) = ok(&["decompose", "r.json", "--top", "0"], &dir);
    assert!(!table.contains("-0.000000"), "{table}");
    assert!(table.contains("(shown)"), "{table}");
    let mut exponents = 0;
    for word in table.split_whitespace() {
        if let Some((mantissa, exp)) = word.split_once('e') {
            if mantissa.parse::<f64>().is_ok() && !exp.is_empty() {
                exponents += 1;
                assert!(
                    (exp.starts_with('+') || exp.starts_with('-')) && exp.len() >= 3,
                    "{word} in {table}"
                );
            }
        }
    }
    assert!(exponents > 5, "{table}");
}

#[test]
fn a_second_report_keeps_the_first_ones_captions() {
    let dir = scratch("fh-index");
    for out in ["r.json", "s.json"] {
        ok(
            &["run", "-p", "11", "--iters", "1", "-q", "--out", out],
            &dir,
        );
    }
    ok(&["report", "--matrix", "r.json", "--out", "rep"], &dir);
    ok(&["report", "--matrix", "s.json", "--out", "rep"], &dir);
    let index = std::fs::read_to_string(dir.join("rep/figures.md")).unwrap();
    assert!(index.contains("`matrix-r.png`"), "{index}");
    assert!(index.contains("`matrix-s.png`"), "{index}");
    assert!(index.contains("decomposition-r"), "{index}");
    // The same command again replaces its own section rather than adding a copy.
    ok(&["report", "--matrix", "s.json", "--out", "rep"], &dir);
    let again = std::fs::read_to_string(dir.join("rep/figures.md")).unwrap();
    assert_eq!(again.matches("`matrix-s.png`").count(), 1, "{again}");
    assert!(again.contains("`matrix-r.png`"), "{again}");
}

#[test]
fn compare_labels_its_final_m_lines() {
    let dir = scratch("fh-compare-labels");
    let (stdout, _) = ok(
        &[
            "compare", "-p", "11", "--iters", "1", "-q", "--out", "c.json",
        ],
        &dir,
    );
    assert!(
        !stdout.lines().any(|l| l.starts_with("final M:")),
        "{stdout}"
    );
    assert!(stdout.contains("symmetric: final M:"), "{stdout}");
    assert!(stdout.contains("broken: final M:"), "{stdout}");
}

#[test]
fn a_negative_seed_gets_a_message_about_seeds() {
    let dir = scratch("fh-seed");
    for cmd in ["run", "compare"] {
        let e = usage_error(&[cmd, "-p", "11", "--seed", "-1"], &dir);
        assert!(
            e.contains("--seed") && e.contains("non-negative integer"),
            "{cmd}: {e}"
        );
        assert!(!e.contains("unexpected argument"), "{cmd}: {e}");
    }
}

// Item 15: `symrfm split`, `run --dry-run` with the stabilizer, `compare --dry-run`.
#[test]
fn split_writes_the_split_run_trains_on() {
    let dir = scratch("fh-split");
    let flags = [
        "-p",
        "11",
        "--split",
        "fixed-points",
        "--move-random",
        "2",
        "--seed",
        "3",
    ];
    let mut args = vec!["split"];
    args.extend(flags);
    args.extend(["--out", "s.csv"]);
    let (stdout, _) = ok(&args, &dir);
    assert!(stdout.contains("stabilizer"), "{stdout}");
    assert!(stdout.contains("orbits under H = <s>"), "{stdout}");
    assert!(stdout.contains("Orbit_H(train) \\ train"), "{stdout}");
    let csv = std::fs::read_to_string(dir.join("s.csv")).unwrap();
    assert!(csv.starts_with("a,b,label,is_train\n"));
    assert_eq!(csv.lines().count(), 1 + 121);
    // The CSV is the training set `run` builds from the same flags…
    let mut args = vec!["run", "--iters", "1", "-q", "--out", "flags.json"];
    args.extend(flags);
    ok(&args, &dir);
    ok(
        &[
            "run",
            "-p",
            "11",
            "--iters",
            "1",
            "-q",
            "--split-file",
            "s.csv",
            "--out",
            "file.json",
        ],
        &dir,
    );
    let from_flags = read_run(&dir.join("flags.json")).unwrap();
    let from_file = read_run(&dir.join("file.json")).unwrap();
    assert_eq!(
        from_flags.split.train_indices,
        from_file.split.train_indices
    );
    // …and the lines themselves: label a + b mod 11, is_train as in the run.
    for line in csv.lines().skip(1) {
        let f: Vec<usize> = line.split(',').map(|x| x.parse().unwrap()).collect();
        assert_eq!(f[2], (f[0] + f[1]) % 11);
        let k = f[0] * 11 + f[1];
        assert_eq!(f[3] == 1, from_flags.split.train_indices.contains(&k));
    }

    // run --dry-run prints the stabilizer.
    let (stdout, _) = ok(
        &["run", "-p", "11", "--split", "fixed-points", "--dry-run"],
        &dir,
    );
    assert!(
        stdout.contains("stabilizer of the training set"),
        "{stdout}"
    );
    assert!(stdout.contains("dry run"), "{stdout}");
    // compare --dry-run: both splits, nothing trained or written.
    let (stdout, _) = ok(
        &["compare", "-p", "11", "--dry-run", "--out", "never.json"],
        &dir,
    );
    assert!(stdout.contains("symmetric: stabilizer"), "{stdout}");
    assert!(stdout.contains("broken: stabilizer"), "{stdout}");
    assert!(stdout.contains("never.json"), "{stdout}");
    assert!(!dir.join("never.json").exists());
}

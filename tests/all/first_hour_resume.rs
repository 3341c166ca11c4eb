//! Issue "a researcher's first hour", items 4, 5 and 16: `run --resume` continues a run bitwise,
//! ill-posed iterations are measured, marked and kept out of the summary, and
//! `run --save-predictions` stores the test outputs of the last iteration.

//!
//! The tests read new fields through `serde_json::Value`, so that this file also compiles (and
//! fails) against a symrfm without them. The residual's formula and the summary's rule are
//! unit-tested in `src/rfm/metrics.rs` and `src/experiment/ill_posed.rs`.

use crate::common;
use common::json;
use common::{scratch, symrfm};
use ndarray::Array2;
use ndarray_npy::read_npy;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use symrfm::data;
use symrfm::experiment::Model;
use symrfm::group::Task;
use symrfm::report::read::read_run;
use symrfm::rfm::metrics::argmax;

fn ok(out: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

/// A run file as JSON without what may differ between two runs of the same parameters: the
/// timings, the per-iteration seconds and the command line.
fn deterministic_part(path: &Path) -> Value {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("timings");
    o.remove("command_line");
    for it in o["iterations"].as_array_mut().unwrap() {
        it.as_object_mut().unwrap().remove("seconds");
    }
    v
}

/// Field-by-field comparison (serde_json compares floats by their exact value), naming the
/// first field that differs.
fn assert_same_run(full: &Path, resumed: &Path) {
    let (a, b) = (deterministic_part(full), deterministic_part(resumed));
    let (a, b) = (a.as_object().unwrap(), b.as_object().unwrap());
    let keys_a: Vec<_> = a.keys().collect();
    let keys_b: Vec<_> = b.keys().collect();
    assert_eq!(keys_a, keys_b, "the same fields");
    for (k, v) in a {
        if k == "iterations" {
            for (x, y) in v.as_array().unwrap().iter().zip(b[k].as_array().unwrap()) {
                assert_eq!(x, y, "iteration records differ");
            }
        }
        assert_eq!(v, &b[k], "field `{k}` differs");
    }
}

#[test]
fn resume_continues_a_finished_run_bitwise_with_the_summary_over_the_joined_curves() {
    let dir = scratch("resume-finished");
    // At p = 23 with 80 % training pairs the test accuracy first reaches 0.99 at t = 10, is 1 at
    // t = 10…14 and then falls: the part after t = 16 alone would give other summary numbers.
    let common = [
        "run",
        "-p",
        "23",
        "--train-frac",
        "0.8",
        "--save-every",
        "4",
        "-q",
    ];
    let with = |extra: &[&str]| -> Vec<String> {
        common.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(&symrfm(&args, &dir))
    };
    run(with(&["--iters", "22", "--out", "full.json"]));
    run(with(&["--iters", "16", "--out", "part.json"]));
    let stderr = ok(&symrfm(
        &[
            "run",
            "--resume",
            "part.json",
            "--iters",
            "22",
            "--out",
            "resumed.json",
        ],
        &dir,
    ));
    assert!(stderr.contains("t=16"), "iteration numbers go on: {stderr}");
    assert!(!stderr.contains("t=0 "), "{stderr}");
    assert_same_run(&dir.join("full.json"), &dir.join("resumed.json"));
    let resumed = read_run(&dir.join("resumed.json")).unwrap();
    assert!(resumed.complete);
    assert_eq!(resumed.iterations.len(), 22);
    assert_eq!(resumed.params.iters, 22);
    let saved: Vec<usize> = resumed.feature_matrices.iter().map(|m| m.t).collect();
    assert_eq!(saved, [4, 8, 12, 16, 20, 22]);
    // The summary is over all 22 iterations: the first ≥ 0.99 and the best lie in the first part.
    let first = resumed.summary.first_iter_test_acc_ge_099.unwrap();
    assert!(first < 16, "{:?}", resumed.summary);
    let later_best = resumed.iterations[16..]
        .iter()
        .map(|r| r.test_acc)
        .fold(0.0, f64::max);
    assert!(resumed.summary.best_test_acc > later_best);
    assert_eq!(resumed.summary.best_test_acc, 1.0);

    // Without --out the resumed run replaces its file.
    run(with(&["--iters", "16", "--out", "again.json"]));
    ok(&symrfm(
        &["run", "--resume", "again.json", "--iters", "22", "-q"],
        &dir,
    ));
    assert_same_run(&dir.join("full.json"), &dir.join("again.json"));
}

#[test]
fn resume_continues_interventions_perturbations_diagnostics_and_trap_records() {
    let dir = scratch("resume-interventions");
    // An orbit split keeps the stabilizer <s>: the trap record is not trivial; the projection
    // schedule (from t = 1 every 3) crosses the resumption point.
    let args = |iters: &str, out: &str| -> Vec<String> {
        [
            "run",
            "-p",
            "11",
            "--split",
            "orbit",
            "--reflection",
            "s",
            "--perturb",
            "1e-6",
            "--init-seed",
            "3",
            "--project",
            "commutant:r",
            "--project-strength",
            "0.5",
            "--project-from",
            "1",
            "--project-every",
            "3",
            "--symmetry-diagnostic",
            "--save-every",
            "3",
            "--save-model",
            "-q",
            "--iters",
            iters,
            "--out",
            out,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    for (iters, out) in [("9", "full.json"), ("5", "part.json")] {
        let a = args(iters, out);
        ok(&symrfm(
            &a.iter().map(String::as_str).collect::<Vec<_>>(),
            &dir,
        ));
    }
    ok(&symrfm(
        &[
            "run",
            "--resume",
            "part.json",
            "--iters",
            "9",
            "--out",
            "r.json",
            "-q",
        ],
        &dir,
    ));
    assert_same_run(&dir.join("full.json"), &dir.join("r.json"));
    let r = read_run(&dir.join("r.json")).unwrap();
    let trap = r.trap.as_ref().unwrap();
    assert_eq!(trap.asymmetry.len(), 10);
    assert!(trap.asymmetry.iter().all(|&a| a > 0.0), "{trap:?}");
    assert_eq!(r.symmetry_diagnostic.len(), 9);
    assert!(r.model.is_some(), "the file's model is kept");
}

#[test]
fn resume_refuses_parameter_flags_complete_files_and_per_iteration_structure() {
    let dir = scratch("resume-refusals");
    ok(&symrfm(
        &["run", "-p", "11", "--iters", "3", "-q", "--out", "r.json"],
        &dir,
    ));
    ok(&symrfm(
        &[
            "run",
            "-p",
            "11",
            "--iters",
            "3",
            "-q",
            "--structure",
            "--out",
            "s.json",
        ],
        &dir,
    ));
    for (args, wanted) in [
        (
            &["run", "--resume", "r.json", "--iters", "5", "--ridge", "1"][..],
            "--ridge",
        ),
        (&["run", "--resume", "r.json", "-p", "13"][..], "--modulus"),
        // A complete run needs a larger total.
        (&["run", "--resume", "r.json"][..], "--iters"),
        (
            &["run", "--resume", "r.json", "--iters", "3"][..],
            "--iters",
        ),
        (
            &["run", "--resume", "s.json", "--iters", "5"][..],
            "--structure",
        ),
        (&["run", "--resume", "missing.json"][..], "missing.json"),
    ] {
        let out = symrfm(args, &dir);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(wanted), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(files.len(), 2, "nothing else written");
}

#[test]
fn a_run_interrupted_by_sigint_resumes_to_the_uninterrupted_run() {
    let dir = scratch("resume-sigint");
    let common = ["run", "-p", "23", "--train-frac", "0.8", "--threads", "1"];
    let mut child = Command::new(env!("CARGO_BIN_EXE_symrfm"))
        .args(common)
        .args(["--iters", "100000", "--out", "partial.json"])
        .current_dir(&dir)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() > 0 {
        if line.contains("[  3/") {
            break;
        }
        line.clear();
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130), "{rest}");
    assert!(
        rest.contains("symrfm run --resume partial.json"),
        "the advice names --resume: {rest}"
    );
    let partial = read_run(&dir.join("partial.json")).unwrap();
    assert!(!partial.complete);
    let done = partial.iterations.len();
    assert!(done >= 3, "{done}");
    let total = (done + 3).to_string();
    ok(&symrfm(
        &["run", "--resume", "partial.json", "--iters", &total, "-q"],
        &dir,
    ));
    let mut full: Vec<&str> = common.to_vec();
    full.extend(["--iters", &total, "--out", "full.json", "-q"]);
    ok(&symrfm(&full, &dir));
    assert_same_run(&dir.join("full.json"), &dir.join("partial.json"));
    assert!(read_run(&dir.join("partial.json")).unwrap().complete);
}

// ---------------------------------------------------------------------------------------------
// Item 5: ill-posed iterations.

#[test]
fn a_huge_bandwidth_at_ridge_zero_is_marked_ill_posed_and_warned_about_once() {
    let dir = scratch("ill-posed");
    let out = symrfm(
        &[
            "run",
            "-p",
            "11",
            "--bandwidth",
            "1e4",
            "--iters",
            "5",
            "--out",
            "r.json",
        ],
        &dir,
    );
    let stderr = ok(&out);
    let run = json(&dir.join("r.json"));
    let iterations = run["iterations"].as_array().unwrap();
    let flag = |r: &Value| r["ill_posed"].as_bool().unwrap_or(false);
    let f = |r: &Value, k: &str| r[k].as_f64().unwrap();
    let bad: Vec<&Value> = iterations.iter().filter(|r| flag(r)).collect();
    assert!(!bad.is_empty(), "{stderr}");
    for r in iterations {
        let residual = r["residual"].as_f64().expect("a residual per iteration");
        // The definition: residual above the tolerance (1e-6 in f64), or no interpolation at
        // ridge 0.
        assert_eq!(flag(r), residual > 1e-6 || f(r, "train_acc") < 1.0, "{r}");
    }
    assert!(bad.iter().any(|r| f(r, "train_acc") < 1.0));
    // On the progress lines, one per ill-posed iteration.
    assert_eq!(stderr.matches("ILL-POSED").count(), bad.len(), "{stderr}");
    // One warning, with the cause and the fix in flags.
    assert_eq!(stderr.matches("warning:").count(), 1, "{stderr}");
    let warning = stderr.lines().find(|l| l.starts_with("warning:")).unwrap();
    assert!(warning.contains("ill-posed"), "{warning}");
    assert!(
        warning.contains("--bandwidth 10000 is too large"),
        "{warning}"
    );
    assert!(warning.contains("--ridge"), "{warning}");
    // best_test_acc and the first ≥ 0.99 ignore them.
    let well_posed_best = iterations
        .iter()
        .filter(|r| !flag(r))
        .map(|r| f(r, "test_acc"))
        .fold(0.0, f64::max);
    let any_best = iterations
        .iter()
        .map(|r| f(r, "test_acc"))
        .fold(0.0, f64::max);
    assert!(any_best > well_posed_best, "the test separates the two");
    assert_eq!(f(&run["summary"], "best_test_acc"), well_posed_best);
}

#[test]
fn a_normal_run_has_tiny_residuals_and_no_ill_posed_marks() {
    let dir = scratch("well-posed");
    let stderr = ok(&symrfm(
        &["run", "-p", "11", "--iters", "5", "--out", "r.json"],
        &dir,
    ));
    assert!(
        !stderr.contains("ILL-POSED") && !stderr.contains("warning:"),
        "{stderr}"
    );
    let text = std::fs::read_to_string(dir.join("r.json")).unwrap();
    assert!(!text.contains("ill_posed"), "absent when false");
    for r in json(&dir.join("r.json"))["iterations"].as_array().unwrap() {
        let residual = r["residual"].as_f64().expect("a residual per iteration");
        assert!(residual < 1e-10, "{r}");
    }
}

#[test]
fn a_kernel_underflow_after_an_ill_posed_start_does_not_ask_for_a_larger_bandwidth() {
    let dir = scratch("underflow-advice");
    let out = symrfm(
        &[
            "run",
            "-p",
            "11",
            "--bandwidth",
            "1e6",
            "--iters",
            "5",
            "--out",
            "r.json",
        ],
        &dir,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("kernel underflow"), "{stderr}");
    assert!(!stderr.contains("use a larger one"), "{stderr}");
    assert!(
        stderr.contains("too large") && stderr.contains("--ridge"),
        "{stderr}"
    );
    // The broken first iteration (LU fallback, test MSE ~1e225) is marked on its progress line.
    assert!(
        stderr.contains("t=0") && stderr.contains("ILL-POSED"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// Item 16: the test predictions.

#[test]
fn saved_predictions_are_the_models_outputs_and_give_the_test_accuracy() {
    let dir = scratch("predictions");
    ok(&symrfm(
        &[
            "run",
            "-p",
            "13",
            "--iters",
            "4",
            "-q",
            "--save-model",
            "--save-predictions",
            "--out",
            "r.json",
        ],
        &dir,
    ));
    let run = read_run(&dir.join("r.json")).unwrap();
    let p = &json(&dir.join("r.json"))["predictions"];
    assert_eq!(p["t"], 3, "predictions of the last iteration in the JSON");
    let pairs: Vec<usize> = serde_json::from_value(p["pairs"].clone()).unwrap();
    let rows: Vec<Vec<f64>> = serde_json::from_value(p["outputs"].clone()).unwrap();
    let n = run.task.n_symbols;
    let test: Vec<usize> = (0..n * n)
        .filter(|k| !run.split.train_indices.contains(k))
        .collect();
    assert_eq!(pairs, test);
    let c = run.task.n_classes;
    assert!(rows.iter().all(|r| r.len() == c));
    let outputs = Array2::from_shape_fn((rows.len(), c), |(i, j)| rows[i][j]);
    assert_eq!(outputs.nrows(), run.split.n_test);
    let model = Model::from_report(&run).unwrap();
    assert_eq!(model.predict(&pairs).unwrap(), outputs, "bitwise");
    // argmax reproduces the last test accuracy and `test_correct`.
    let task = Task::new(run.task.spec.clone()).unwrap();
    let labels = data::labels(&task, &pairs);
    let correct: Vec<usize> = pairs
        .iter()
        .zip(outputs.rows())
        .zip(&labels)
        .filter(|((_, row), &y)| argmax(row.iter().copied()) == y as usize)
        .map(|((&k, _), _)| k)
        .collect();
    assert_eq!(correct, run.test_correct);
    assert_eq!(
        correct.len() as f64 / pairs.len() as f64,
        run.iterations.last().unwrap().test_acc
    );

    // With --npy: the predictions and α as .npy files, not in the JSON.
    ok(&symrfm(
        &[
            "run",
            "-p",
            "13",
            "--iters",
            "4",
            "-q",
            "--save-predictions",
            "--npy",
            "--out",
            "n.json",
        ],
        &dir,
    ));
    let npy = json(&dir.join("n.json"));
    assert!(npy.get("predictions").is_none() && npy.get("model").is_none());
    let from_npy: Array2<f64> = read_npy(dir.join("n.predictions.npy")).unwrap();
    assert_eq!(from_npy, outputs);
    let alpha: Array2<f64> = read_npy(dir.join("n.alpha.npy")).unwrap();
    assert_eq!(&alpha, model.alpha());
    assert!(dir.join("n.npy").exists(), "the final M as before");
}

//! The `symrfm` binary end to end: exit codes, one-line errors naming the parameter, nothing left
//! behind on failure, and the JSON schema read back into the library's typed structs.

use crate::common;
use common::{scratch, symrfm};
use std::path::{Path, PathBuf};
use std::process::Command;
use symrfm::report::{RunReport, SCHEMA_VERSION};

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = walk(dir)
        .into_iter()
        .map(|p| p.display().to_string())
        .collect();
    v.sort();
    v
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_run_writes_a_report_that_reads_back_into_the_schema() {
    let dir = scratch("ok");
    let out = symrfm(
        &[
            "run",
            "-p",
            "11",
            "--iters",
            "4",
            "--save-every",
            "2",
            "--out",
            "r.json",
            "--npy",
            "--quiet",
            "--seed",
            "3",
        ],
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("final accuracy") && stdout.contains("r.json"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(dir.join("r.json")).unwrap();
    let report: RunReport =
        serde_json::from_str(&text).expect("report deserializes into the schema");
    assert_eq!(report.schema_version, SCHEMA_VERSION);
    assert_eq!(report.kind, "run");
    assert_eq!(report.symrfm_version, env!("CARGO_PKG_VERSION"));
    assert!(report.complete);
    assert_eq!(report.iterations.len(), 4);
    assert_eq!(report.params.iters, 4);
    assert_eq!(report.seed, Some(3));
    assert_eq!(report.split.n_train, 60); // ⌊0.5 · 121⌋
    assert_eq!(report.split.train_indices.len(), 60);
    assert_eq!(
        report
            .feature_matrices
            .iter()
            .map(|m| m.t)
            .collect::<Vec<_>>(),
        vec![2, 4]
    );
    assert_eq!(report.command_line[1..4], ["run", "-p", "11"]);
    // Peak memory: at least the final M's 22 × 22 f64 values, far below the 1 GiB a p = 11 run
    // could never need.
    if cfg!(target_os = "linux") {
        let peak = report.timings.peak_memory_bytes.expect("VmHWM on Linux");
        assert!((22 * 22 * 8..1 << 30).contains(&peak), "{peak}");
    }
    // the training indices are the ones the seed gives
    let task = symrfm::group::Task::new(report.task.spec.clone()).unwrap();
    let split = symrfm::data::Split::build(&task, &report.split.spec).unwrap();
    assert_eq!(split.train, report.split.train_indices);
    // the npy export holds the same final M
    let npy: ndarray::Array2<f64> = ndarray_npy::read_npy(dir.join("r.npy")).unwrap();
    assert_eq!(npy, report.final_m().unwrap().unwrap());
    // and a run can start from it
    let out = symrfm(
        &[
            "run", "-p", "11", "--iters", "1", "--init-m", "r.json", "--out", "w.json", "-q",
        ],
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let warm: RunReport =
        serde_json::from_str(&std::fs::read_to_string(dir.join("w.json")).unwrap()).unwrap();
    let trace: f64 = (0..22).map(|i| npy[[i, i]]).sum();
    assert!((warm.iterations[0].trace_m - trace).abs() < 1e-9 * trace);
}

#[test]
fn same_command_same_json_apart_from_timings() {
    let dir = scratch("repro");
    let strip = |name: &str| {
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap();
        v["timings"] = serde_json::Value::Null;
        v["command_line"] = serde_json::Value::Null;
        for it in v["iterations"].as_array_mut().unwrap() {
            it["seconds"] = serde_json::Value::Null;
        }
        v
    };
    for (name, threads) in [("a.json", "1"), ("b.json", "1"), ("c.json", "2")] {
        let out = symrfm(
            &[
                "run",
                "-p",
                "13",
                "--iters",
                "5",
                "--threads",
                threads,
                "--out",
                name,
                "-q",
            ],
            &dir,
        );
        assert!(out.status.success());
    }
    assert_eq!(strip("a.json"), strip("b.json"));
    // independent of the thread count too (`threads` is recorded only under `timings`)
    assert_eq!(strip("a.json"), strip("c.json"));
}

#[test]
fn bad_input_exits_2_with_one_line_naming_the_parameter_and_leaves_nothing() {
    let cases: &[(&[&str], &str)] = &[
        (&["--ridge", "-1"], "--ridge"),
        (&["--train-frac", "0"], "--train-frac"),
        (&["--train-frac", "1.5"], "--train-frac"),
        (&["--bandwidth", "0"], "--bandwidth"),
        (&["--bandwidth", "-2"], "--bandwidth"),
        (&["--iters", "0"], "--iters"),
        (&["--task", "pow"], "--task"),
        (&["--task", "div", "-p", "15"], "--modulus"),
        (&["--task", "mul", "-p", "1"], "--modulus"),
        (&["-p", "1"], "--modulus"),
        (&["--agop-power", "0"], "--agop-power"),
        (&["--group", "5y"], "--group"),
        (&["--out", "/dev/null/x.json"], "/dev/null/x.json"),
        (&["--out", "."], "cannot write output"),
        (&["--split-file", "missing.csv"], "missing.csv"),
        (&["--init-m", "missing.json"], "missing.json"),
        (&["--max-memory", "1"], "--train-frac"),
    ];
    for (args, needle) in cases {
        let dir = scratch("bad");
        let mut full = vec!["run", "-q", "--iters", "2"];
        full.extend_from_slice(args);
        // a later --iters wins over the earlier one, so the --iters case is still tested
        let out = symrfm(&full, &dir);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        if !args.contains(&"--task") {
            // clap's own errors add a usage hint; ours are exactly one line
            assert_eq!(lines.len(), 1, "{args:?}: {stderr}");
        }
        assert!(
            files_in(&dir).is_empty(),
            "{args:?} left {:?}",
            files_in(&dir)
        );
    }
}

#[test]
fn sigint_and_sigterm_stop_cleanly_with_a_partial_run_and_resume_advice() {
    for signal in ["-INT", "-TERM"] {
        let dir = scratch(&format!("sig{signal}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_symrfm"))
            .args([
                "run",
                "-p",
                "23",
                "--iters",
                "100000",
                "--threads",
                "1",
                "--out",
                "r.json",
            ])
            .current_dir(&dir)
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // wait for the first iteration lines, then signal
        let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        let mut line = String::new();
        while std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() > 0 {
            seen.push_str(&line);
            if line.contains("[  3/") {
                break;
            }
            line.clear();
        }
        let status = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
        let code = child.wait().unwrap().code();
        assert_eq!(code, Some(130), "{signal}: {seen}{rest}");
        assert!(rest.contains("--resume r.json"), "{rest}");
        let report: RunReport =
            serde_json::from_str(&std::fs::read_to_string(dir.join("r.json")).unwrap()).unwrap();
        assert!(!report.complete);
        assert!(report.iterations.len() >= 3 && report.iterations.len() < 100_000);
        assert_eq!(
            report.feature_matrices.last().unwrap().t,
            report.iterations.len()
        );
        assert_eq!(files_in(&dir).len(), 1, "{:?}", files_in(&dir));
    }
}

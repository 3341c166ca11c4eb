//! Numerical edge cases and hostile input files, each provoked on purpose: the run stops with one
//! line naming the iteration (exit 1) or the input (exit 2), never a panic or a silent NaN, and no
//! output file is written.

use crate::common;
use common::scratch;
use std::path::Path;
use std::process::Command;

fn matrix_json(d: usize, f: impl Fn(usize, usize) -> f64) -> String {
    let rows: Vec<Vec<f64>> = (0..d).map(|i| (0..d).map(|j| f(i, j)).collect()).collect();
    serde_json::to_string(&rows).unwrap()
}

/// Runs `symrfm run -p 7 -q --out out.json <args>` in `dir` with `files` written first.
fn run(dir: &Path, files: &[(&str, Vec<u8>)], args: &[&str]) -> (Option<i32>, String) {
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let mut full = vec!["run", "-p", "7", "--iters", "3", "-q", "--out", "out.json"];
    full.extend_from_slice(args);
    let out = Command::new(env!("CARGO_BIN_EXE_symrfm"))
        .args(&full)
        .current_dir(dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !dir.join("out.json").exists(),
        "{args:?} failed but wrote its output"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "one line expected: {stderr}"
    );
    (out.status.code(), stderr)
}

#[test]
fn numerical_failures_stop_with_the_iteration_named() {
    let dir = scratch("num");
    let d = 14;
    type Case<'a> = (&'a str, Vec<(&'a str, Vec<u8>)>, Vec<&'a str>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "bandwidth too small",
            vec![],
            vec!["--bandwidth", "1e-3"],
            "kernel underflow",
        ),
        (
            "quadratic kernel overflow",
            vec![(
                "huge.json",
                matrix_json(d, |i, j| if i == j { 1e200 } else { 0.0 }).into_bytes(),
            )],
            vec!["--kernel", "quadratic", "--init-m", "huge.json"],
            "non-finite",
        ),
        (
            "singular system even for LU",
            vec![("zero.json", matrix_json(d, |_, _| 0.0).into_bytes())],
            vec!["--init-m", "zero.json"],
            "singular",
        ),
        (
            "numerically zero AGOP",
            vec![],
            vec!["--ridge", "1e300"],
            "AGOP is numerically zero",
        ),
    ];
    for (what, files, args, needle) in cases {
        let (code, stderr) = run(&dir, &files, &args);
        assert_eq!(code, Some(1), "{what}: {stderr}");
        assert!(
            stderr.contains(needle) && stderr.contains("iteration 0"),
            "{what}: {stderr}"
        );
    }
}

fn npy(m: ndarray::Array2<f64>) -> Vec<u8> {
    let mut bytes = Vec::new();
    ndarray_npy::WriteNpyExt::write_npy(&m, &mut bytes).unwrap();
    bytes
}

fn npy_with_nan(d: usize) -> Vec<u8> {
    let mut m = ndarray::Array2::<f64>::eye(d);
    m[[2, 3]] = f64::NAN;
    m[[3, 2]] = f64::NAN;
    npy(m)
}

#[test]
fn hostile_matrix_files_are_usage_errors_naming_the_file() {
    let dir = scratch("files");
    let d = 14;
    let full = matrix_json(d, |i, j| if i == j { 1.0 } else { 0.0 });
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.json",
            full.as_bytes()[..full.len() / 2].to_vec(),
            "not valid JSON",
        ),
        (
            "shape.json",
            matrix_json(5, |_, _| 1.0).into_bytes(),
            "14×14",
        ),
        ("ragged.json", b"[[1,2],[3]]".to_vec(), "not square"),
        (
            "asym.json",
            matrix_json(d, |i, j| if i < j { 1.0 } else { 0.0 }).into_bytes(),
            "symmetric",
        ),
        (
            "overflow.json",
            matrix_json(d, |_, _| 0.0)
                .replacen("0.0", "1e999", 1)
                .into_bytes(),
            "overflow.json",
        ),
        ("nan.npy", npy_with_nan(d), "finite"),
        (
            "wide.npy",
            npy(ndarray::Array2::zeros((d, d + 1))),
            "not square",
        ),
        ("text.npy", b"\x93NUMPY garbage".to_vec(), "text.npy"),
        ("empty.json", Vec::new(), "empty.json"),
    ];
    for (name, bytes, needle) in cases {
        let (code, stderr) = run(&dir, &[(name, bytes)], &["--init-m", name]);
        assert_eq!(code, Some(2), "{name}: {stderr}");
        assert!(stderr.contains(needle), "{name}: {stderr}");
    }
    let split_cases: Vec<(&str, &[u8])> = vec![
        ("nohead.csv", b"0,0,0,1\n"),
        ("badlabel.csv", b"a,b,label,is_train\n0,0,3,1\n"),
        ("dup.csv", b"a,b,label,is_train\n0,0,0,1\n0,0,0,1\n"),
        ("range.csv", b"a,b,label,is_train\n9,0,2,1\n"),
    ];
    for (name, bytes) in split_cases {
        let (code, stderr) = run(&dir, &[(name, bytes.to_vec())], &["--split-file", name]);
        assert_eq!(code, Some(2), "{name}: {stderr}");
        assert!(stderr.contains(name), "{name}: {stderr}");
    }
}

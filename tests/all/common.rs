//! Helpers shared by every integration test: run the `symrfm` binary, check how it exited, read
//! what it wrote. One copy here instead of one per test file.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the `symrfm` binary with `args` in `cwd` and waits for it.
pub fn symrfm(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_symrfm"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run symrfm")
}

/// A fresh, empty scratch directory unique to this test process, this test and `name`.
///
/// All integration tests share one process (one binary), so the directory name includes the
/// test's own name (the harness names each test's thread after it): two tests in different files
/// may use the same `name` without sharing a directory. Calling it twice with the same `name` in
/// one test empties and returns the same directory.
pub fn scratch(name: &str) -> PathBuf {
    let test = std::thread::current()
        .name()
        .unwrap_or("main")
        .replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "-");
    let dir =
        std::env::temp_dir().join(format!("symrfm-test-{}-{test}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch directory");
    dir
}

/// The path of `relative` inside the repository (the crate root).
pub fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Standard error of a finished command, as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Standard output of a finished command, as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Asserts that the command succeeded (showing its exit code and both streams if not) and returns
/// its standard output.
#[track_caller]
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

/// Asserts that the command was a usage error (exit 2) and returns its standard error.
#[track_caller]
pub fn usage_error(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
    stderr(out)
}

/// Reads a JSON file into an untyped value.
#[track_caller]
pub fn json(path: &Path) -> serde_json::Value {
    read(path)
}

/// Reads a JSON file into `T`, naming the file if it is missing or does not deserialize.
#[track_caller]
pub fn read<T: serde::de::DeserializeOwned>(path: &Path) -> T {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// `op` mod `p` with a random split (fraction `fraction`, seed 0), as the network tests' training
/// and test data.
pub fn net_data(
    op: symrfm::group::Operation,
    p: u64,
    fraction: f64,
) -> (
    symrfm::group::Task,
    symrfm::net::NetData,
    symrfm::net::NetData,
) {
    use symrfm::data::{Split, SplitSpec};
    let task = symrfm::group::Task::new(symrfm::group::TaskSpec::new(op, p)).unwrap();
    let split = Split::build(&task, &SplitSpec::Random { fraction, seed: 0 }).unwrap();
    let n = task.n_symbols();
    let train = symrfm::net::NetData::from_pairs(n, &split.train, task.labels());
    let test = symrfm::net::NetData::from_pairs(n, &split.test, task.labels());
    (task, train, test)
}

/// The network tests' small transformer (d_model 16, 2 heads of 8, d_mlp 32), the rest from
/// `params`.
pub fn small_transformer(params: symrfm::net::NetParams) -> symrfm::net::NetParams {
    symrfm::net::NetParams {
        model: symrfm::net::ModelKind::Transformer,
        d_model: Some(16),
        n_heads: Some(2),
        d_head: Some(8),
        d_mlp: Some(32),
        ..params
    }
}

//! Helpers shared by the end-to-end tests of the `symrfm` binary.
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

/// A fresh, empty scratch directory unique to this test process and `name`.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("symrfm-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch directory");
    dir
}

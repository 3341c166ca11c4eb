//! Issue "a researcher's first hour": behaviours a new user met, each checked through the CLI.

use crate::common;
use common::{scratch, symrfm};
use symrfm::data::{SplitEdit, SplitSpec};
use symrfm::report::read::read_run;

#[test]
fn repeated_list_flags_accumulate() {
    let dir = scratch("first-hour-lists");
    let out = symrfm(
        &[
            "run",
            "-p",
            "11",
            "--iters",
            "1",
            "-q",
            "--out",
            "r.json",
            "--hold-out",
            "0:1",
            "--hold-out",
            "0:5",
        ],
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = read_run(&dir.join("r.json")).unwrap();
    let SplitSpec::Edited { edits, .. } = &run.split.spec else {
        panic!("not an edited split: {:?}", run.split.spec)
    };
    // (0, 1) and (0, 5) are pairs 1 and 5 of Z_11; both were held out, whichever was training.
    let held: Vec<usize> = edits
        .iter()
        .flat_map(|e| match e {
            SplitEdit::HoldOut { pairs } => pairs.clone(),
            _ => Vec::new(),
        })
        .collect();
    let train_before = run.split.train_indices.len() + held.len();
    assert_eq!(held, [1, 5], "both --hold-out lists reach the split");
    assert!(!run.split.train_indices.contains(&1) && !run.split.train_indices.contains(&5));
    assert_eq!(train_before, run.split.n_train + 2);
}

#[test]
fn a_bad_subgroup_names_the_flag_the_user_typed() {
    let dir = scratch("first-hour-subgroups");
    let run = symrfm(
        &["run", "-p", "11", "--iters", "1", "-q", "--out", "r.json"],
        &dir,
    );
    assert!(run.status.success());
    for (args, flag) in [
        (
            vec![
                "run",
                "-p",
                "11",
                "--iters",
                "1",
                "-q",
                "--out",
                "c.json",
                "--commutant-subgroup",
                "bogus",
            ],
            "--commutant-subgroup",
        ),
        (
            vec!["decompose", "r.json", "--subgroup", "q", "-q"],
            "--subgroup",
        ),
    ] {
        let out = symrfm(&args, &dir);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("invalid value for {flag}: ")),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }
}

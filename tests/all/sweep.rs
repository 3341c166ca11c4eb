//! `symrfm sweep`, `merge` and `report` end to end: a sweep killed with SIGKILL and rerun gives
//! the same results as an uninterrupted one; sharded runs merged equal the unsharded run; merge
//! names missing shards and refuses conflicting results; the report writes decodable figures.

use crate::common;
use common::ok;
use common::{scratch, symrfm};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use symrfm::sweep::{read_results, ResultLine};

fn by_id(path: &Path) -> BTreeMap<String, ResultLine> {
    let contents = read_results(path).unwrap();
    assert_eq!(contents.partial_bytes, 0);
    let n = contents.lines.len();
    let map: BTreeMap<String, ResultLine> = contents
        .lines
        .into_iter()
        .map(|l| (l.job_id.clone(), l))
        .collect();
    assert_eq!(map.len(), n, "{}: a job appears twice", path.display());
    map
}

/// Same job ids, and every line the same result (equal apart from `execution`).
fn assert_same_results(a: &Path, b: &Path) {
    let (a, b) = (by_id(a), by_id(b));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "different job ids"
    );
    for (id, line) in &a {
        assert!(line.is_ok(), "job {id} failed: {:?}", line.error);
        assert!(
            line.same_result(&b[id]),
            "job {id} differs:\n{line:?}\n{:?}",
            b[id]
        );
    }
}

const TINY: &str = r#"{
  "description": "tiny grid for tests",
  "base": {"task": {"modulus": 7}, "params": {"iters": 4}},
  "axes": {
    "task.operation": ["add", "mul"],
    "split.fraction": [0.4, 0.6],
    "split.seed": [0, 1, 2]
  }
}"#;

/// [`TINY`] written as TOML.
const TINY_TOML: &str = r#"
description = "tiny grid for tests"

[base]
task = { modulus = 7 }
params = { iters = 4 }

[axes]
"task.operation" = ["add", "mul"]
"split.fraction" = [0.4, 0.6]
"split.seed" = [0, 1, 2]
"#;

#[test]
fn a_toml_grid_runs_the_same_jobs_as_its_json_twin() {
    let dir = scratch("toml");
    std::fs::write(dir.join("tiny.json"), TINY).unwrap();
    std::fs::write(dir.join("tiny.toml"), TINY_TOML).unwrap();
    ok(&symrfm(
        &["sweep", "tiny.json", "-o", "j.jsonl", "--quiet"],
        &dir,
    ));
    ok(&symrfm(
        &["sweep", "tiny.toml", "-o", "t.jsonl", "--quiet"],
        &dir,
    ));
    let (j, t) = (by_id(&dir.join("j.jsonl")), by_id(&dir.join("t.jsonl")));
    assert_eq!(j.len(), 12);
    assert_eq!(
        j.keys().collect::<Vec<_>>(),
        t.keys().collect::<Vec<_>>(),
        "same job ids"
    );
    for (id, line) in &j {
        assert_eq!(line.outcome, t[id].outcome, "job {id}");
    }
    // A TOML syntax error is a usage error naming the file.
    std::fs::write(dir.join("bad.toml"), "axes = [").unwrap();
    let out = symrfm(&["sweep", "bad.toml", "--dry-run"], &dir);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml") && err.contains("TOML"), "{err}");
}

#[test]
fn a_second_sweep_on_the_same_results_file_is_refused() {
    let dir = scratch("lock");
    std::fs::write(
        dir.join("grid.json"),
        // About two seconds of work in all, so that the second sweep starts while it runs.
        r#"{"base": {"task": {"modulus": 47}, "params": {"iters": 10}},
            "axes": {"split.seed": [0, 1, 2, 3, 4, 5, 6, 7]}}"#,
    )
    .unwrap();
    let mut first = Command::new(env!("CARGO_BIN_EXE_symrfm"))
        .args([
            "sweep",
            "grid.json",
            "-o",
            "r.jsonl",
            "--jobs",
            "1",
            "--cores",
            "1",
            "--quiet",
        ])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the first sweep has the file (it creates it when it takes the lock).
    let start = Instant::now();
    while !dir.join("r.jsonl").exists() && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = symrfm(&["sweep", "grid.json", "-o", "r.jsonl", "--quiet"], &dir);
    let still_running = first.try_wait().unwrap().is_none();
    assert!(first.wait().unwrap().success());
    if still_running {
        assert_eq!(second.status.code(), Some(2));
        let err = String::from_utf8_lossy(&second.stderr);
        assert!(err.contains("another sweep"), "{err}");
    } else {
        eprintln!("the first sweep finished before the second started: lock not exercised");
    }
    // Either way the file holds each job once.
    assert_eq!(by_id(&dir.join("r.jsonl")).len(), 8);
}

#[test]
fn a_killed_sweep_resumes_to_the_same_results() {
    let dir = scratch("kill");
    // Jobs of a few tenths of a second each, so that the sweep can be killed between them.
    std::fs::write(
        dir.join("grid.json"),
        r#"{"base": {"task": {"modulus": 29}, "params": {"iters": 6}},
            "axes": {"split.fraction": [0.45, 0.6], "split.seed": [0, 1, 2, 3, 4]}}"#,
    )
    .unwrap();
    let total = 10;
    let flags = ["--jobs", "1", "--cores", "1", "--quiet"];
    let mut args = vec!["sweep", "grid.json", "-o", "ref.jsonl"];
    args.extend(flags);
    ok(&symrfm(&args, &dir));
    assert_eq!(by_id(&dir.join("ref.jsonl")).len(), total);

    let killed = dir.join("killed.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_symrfm"))
        .args(["sweep", "grid.json", "-o", "killed.jsonl"])
        .args(flags)
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    let count =
        |p: &Path| std::fs::read(p).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
    while count(&killed) < 2 {
        assert!(Instant::now() < deadline, "no result lines appeared");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sweep ended before it was killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before = count(&killed);
    assert!(
        before < total,
        "the sweep finished all {total} jobs before it could be killed; use slower jobs"
    );
    // Simulate a write torn by the kill: a partial last line.
    let mut bytes = std::fs::read(&killed).unwrap();
    bytes.extend_from_slice(br#"{"schema_version":1,"job_id":"0123","conf"#);
    std::fs::write(&killed, &bytes).unwrap();

    let mut args = vec!["sweep", "grid.json", "-o", "killed.jsonl"];
    args.extend(&flags[..4]);
    let out = symrfm(&args, &dir);
    ok(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("partial last line"), "{stderr}");
    assert!(
        stderr.contains(&format!("{before} done, {} to run", total - before)),
        "{stderr}"
    );
    assert_same_results(&dir.join("ref.jsonl"), &killed);
    // A third run has nothing to do.
    let out = symrfm(&args, &dir);
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to do"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sharded_runs_merge_to_the_unsharded_run() {
    let dir = scratch("shards");
    std::fs::write(dir.join("tiny.json"), TINY).unwrap();
    let flags = ["--jobs", "1", "--cores", "1", "--quiet"];
    let run = |extra: &[&str]| {
        let mut args = vec!["sweep", "tiny.json"];
        args.extend(extra);
        args.extend(flags);
        ok(&symrfm(&args, &dir));
    };
    run(&["-o", "all.jsonl"]);
    for i in 0..3 {
        let shard = format!("{i}/3");
        let out = format!("s{i}.jsonl");
        run(&["--shard", &shard, "-o", &out]);
        // Shard i holds the jobs with index ≡ i (mod 3).
        let lines = by_id(&dir.join(&out));
        assert_eq!(lines.len(), 4);
        assert!(lines
            .values()
            .all(|l| l.job_index % 3 == i && l.execution.shard.as_deref() == Some(shard.as_str())));
    }
    ok(&symrfm(
        &[
            "merge",
            "merged.jsonl",
            "s0.jsonl",
            "s1.jsonl",
            "s2.jsonl",
            "--grid",
            "tiny.json",
        ],
        &dir,
    ));
    assert_same_results(&dir.join("all.jsonl"), &dir.join("merged.jsonl"));
    let merged = read_results(&dir.join("merged.jsonl")).unwrap().lines;
    let order: Vec<usize> = merged.iter().map(|l| l.job_index).collect();
    assert_eq!(order, (0..12).collect::<Vec<_>>());

    // A missing shard is named, with its jobs; nothing is written; exit code 2.
    let out = symrfm(
        &[
            "merge",
            "partial.jsonl",
            "s0.jsonl",
            "s2.jsonl",
            "--grid",
            "tiny.json",
        ],
        &dir,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("shard 1/3 missing: 4 jobs"), "{stderr}");
    for id in by_id(&dir.join("s1.jsonl")).keys() {
        assert!(stderr.contains(id.as_str()), "{id} not named: {stderr}");
    }
    assert!(!dir.join("partial.jsonl").exists());
    ok(&symrfm(
        &[
            "merge",
            "partial.jsonl",
            "s0.jsonl",
            "s2.jsonl",
            "--grid",
            "tiny.json",
            "--allow-missing",
        ],
        &dir,
    ));
    assert_eq!(by_id(&dir.join("partial.jsonl")).len(), 8);

    // Identical duplicates are tolerated; conflicting ones are an error.
    let out = symrfm(
        &[
            "merge",
            "dup.jsonl",
            "s0.jsonl",
            "s1.jsonl",
            "s2.jsonl",
            "all.jsonl",
            "--grid",
            "tiny.json",
        ],
        &dir,
    );
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stderr).contains("12 duplicated lines"));
    assert_same_results(&dir.join("all.jsonl"), &dir.join("dup.jsonl"));
    let mut lines = read_results(&dir.join("s1.jsonl")).unwrap().lines;
    if let Some(o) = lines[0].outcome.as_mut() {
        o.summary.final_test_acc += 0.5;
    }
    let text: String = lines
        .iter()
        .map(|l| serde_json::to_string(l).unwrap() + "\n")
        .collect();
    std::fs::write(dir.join("s1-edited.jsonl"), text).unwrap();
    let out = symrfm(
        &[
            "merge",
            "bad.jsonl",
            "s0.jsonl",
            "s1.jsonl",
            "s1-edited.jsonl",
            "s2.jsonl",
            "--grid",
            "tiny.json",
        ],
        &dir,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("conflict: job {}", lines[0].job_id)),
        "{stderr}"
    );
    assert!(!dir.join("bad.jsonl").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_grids_and_flags_are_usage_errors() {
    let dir = scratch("bad");
    std::fs::write(dir.join("tiny.json"), TINY).unwrap();
    std::fs::write(
        dir.join("typo.json"),
        r#"{"axes": {"split.fracton": [0.3]}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("prime.json"),
        r#"{"base": {"task": {"operation": "mul"}}, "axes": {"task.modulus": [7, 9]}}"#,
    )
    .unwrap();
    for (args, needle) in [
        (vec!["sweep", "typo.json", "-o", "x.jsonl"], "split.fracton"),
        (vec!["sweep", "prime.json", "-o", "x.jsonl"], "job 1"),
        (
            vec!["sweep", "missing.json", "-o", "x.jsonl"],
            "missing.json",
        ),
        (
            vec!["sweep", "tiny.json", "--shard", "3/3", "-o", "x.jsonl"],
            "--shard",
        ),
        (
            vec!["sweep", "tiny.json", "--jobs", "100000", "-o", "x.jsonl"],
            "--jobs",
        ),
        (
            vec!["merge", "tiny.json", "x.jsonl", "--grid", "tiny.json"],
            "x.jsonl",
        ),
    ] {
        let out = symrfm(&args, &dir);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }
    // Every job is checked before the results file is opened: nothing was written.
    assert!(!dir.join("x.jsonl").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

fn assert_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{}",
        path.display()
    );
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().expect("PNG decodes");
    let info = reader.info();
    assert!(
        info.width >= 400 && info.height >= 300,
        "{}",
        path.display()
    );
}

fn assert_svg(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.contains("<svg") && text.trim_end().ends_with("</svg>"),
        "{}",
        path.display()
    );
}

#[test]
fn report_draws_a_runs_matrix_decomposition_and_structure() {
    let dir = scratch("report-matrix");
    ok(&symrfm(
        &[
            "run",
            "-p",
            "11",
            "--iters",
            "6",
            "--save-every",
            "3",
            "--structure",
            "--quiet",
            "--out",
            "s.json",
        ],
        &dir,
    ));
    ok(&symrfm(
        &["report", "--matrix", "s.json", "--out", "rep"],
        &dir,
    ));
    let rep = dir.join("rep");
    for stem in ["matrix-s", "decomposition-s", "structure-s"] {
        assert_png(&rep.join(format!("{stem}.png")));
        assert_svg(&rep.join(format!("{stem}.svg")));
    }
    let captions = std::fs::read_to_string(rep.join("figures.md")).unwrap();
    assert!(captions.contains("Dih(Z_11)"), "{captions}");
    assert!(captions.contains("M12 ends at"), "{captions}");
    // The decomposition drawn is that of the matrix drawn: M_3 with --matrix-iter 3.
    ok(&symrfm(
        &[
            "report",
            "--matrix",
            "s.json",
            "--matrix-iter",
            "3",
            "--out",
            "rep",
        ],
        &dir,
    ));
    assert_png(&rep.join("decomposition-s-t3.png"));
    // Two matrices in one call share one index of captions.
    std::fs::copy(dir.join("s.json"), dir.join("u.json")).unwrap();
    ok(&symrfm(
        &[
            "report", "--matrix", "s.json", "--matrix", "u.json", "--out", "two",
        ],
        &dir,
    ));
    let captions = std::fs::read_to_string(dir.join("two/figures.md")).unwrap();
    for stem in ["matrix-s", "matrix-u", "decomposition-s", "structure-u"] {
        assert!(captions.contains(&format!("{stem}.png")), "{captions}");
    }
    let svg = std::fs::read_to_string(rep.join("decomposition-s-t3.svg")).unwrap();
    assert!(svg.contains("M_3"), "the title names M_3");
}

#[test]
fn report_writes_tables_and_figures() {
    let dir = scratch("report");
    std::fs::write(dir.join("tiny.json"), TINY).unwrap();
    ok(&symrfm(
        &[
            "sweep",
            "tiny.json",
            "-o",
            "r.jsonl",
            "--save-runs",
            "runs",
            "--quiet",
        ],
        &dir,
    ));
    let runs: Vec<PathBuf> = std::fs::read_dir(dir.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(runs.len(), 12);
    let lines = by_id(&dir.join("r.jsonl"));
    assert!(lines.values().all(|l| l.execution.run_file.is_some()));

    let run = runs[0].to_string_lossy().into_owned();
    let out = symrfm(
        &["report", "r.jsonl", "--out", "rep", "--matrix", &run],
        &dir,
    );
    ok(&out);
    let rep = dir.join("rep");
    for stem in [
        "curves-add",
        "curves-mul",
        "phase-add",
        "phase-mul",
        "final-vs-fraction",
    ] {
        assert_png(&rep.join(format!("{stem}.png")));
        assert_svg(&rep.join(format!("{stem}.svg")));
    }
    let run_stem = runs[0].file_stem().unwrap().to_string_lossy().into_owned();
    for stem in [
        format!("matrix-{run_stem}"),
        format!("decomposition-{run_stem}"),
    ] {
        assert_png(&rep.join(format!("{stem}.png")));
        assert_svg(&rep.join(format!("{stem}.svg")));
    }
    // Sweep runs have no structure records: no structure figure, and a note saying why.
    assert!(!rep.join(format!("structure-{run_stem}.png")).exists());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--structure"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let md = std::fs::read_to_string(rep.join("summary.md")).unwrap();
    assert!(
        md.contains("| `task.operation` | `split.fraction` | seeds |"),
        "{md}"
    );
    assert_eq!(
        md.matches("| add |").count() + md.matches("| mul |").count(),
        4
    );
    let csv = std::fs::read_to_string(rep.join("summary.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), 5, "{csv}");
    assert!(
        rows[0].starts_with("task.operation,split.fraction,"),
        "{csv}"
    );
    let figures = std::fs::read_to_string(rep.join("figures.md")).unwrap();
    assert!(figures.contains("phase-add.png") && figures.contains("Grokking phase diagram"));

    // Facet by fraction instead of task; a path that is not in the results is a usage error.
    ok(&symrfm(
        &[
            "report",
            "r.jsonl",
            "--out",
            "rep2",
            "--facet",
            "split.fraction",
        ],
        &dir,
    ));
    assert_png(&dir.join("rep2/curves-0.4.png"));
    let out = symrfm(
        &[
            "report",
            "r.jsonl",
            "--out",
            "rep3",
            "--facet",
            "split.fracton",
        ],
        &dir,
    );
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

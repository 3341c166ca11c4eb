//! Issue "a researcher's first hour", items 1, 2, 3, 10 and 12: interrupted sweeps and
//! comparisons, results never overwritten unasked, a closed stdout, one rule for missing output
//! directories. Each is checked through the binary, as a user meets it.

use crate::common;
use common::stderr as stderr_of;
use common::{scratch, symrfm};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use symrfm::report::compare::CompareReport;
use symrfm::report::read::read_run;
use symrfm::sweep::read_results;

fn spawn(args: &[&str], dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_symrfm"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn symrfm")
}

fn signal(child: &Child, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

/// Reads `child`'s stderr until a line contains `needle` (returns everything read so far).
fn read_until(stderr: &mut impl BufRead, needle: &str) -> String {
    let mut seen = String::new();
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap_or(0) > 0 {
        seen.push_str(&line);
        if line.contains(needle) {
            return seen;
        }
        line.clear();
    }
    panic!("stderr ended before {needle:?}: {seen}")
}

fn lines_in(path: &Path) -> usize {
    std::fs::read(path).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
}

/// Item 1: one SIGINT stops a sweep from starting jobs; the running job finishes and is recorded,
/// the exit code is 130 and the message says how to resume; the same command then finishes the
/// rest, every job once.
#[test]
fn an_interrupted_sweep_stops_starting_jobs_and_resumes() {
    let dir = scratch("sig-sweep");
    std::fs::write(
        dir.join("grid.json"),
        r#"{"base": {"task": {"modulus": 29}, "params": {"iters": 6}},
            "axes": {"split.fraction": [0.45, 0.6], "split.seed": [0, 1, 2, 3, 4]}}"#,
    )
    .unwrap();
    let args = [
        "sweep",
        "grid.json",
        "-o",
        "s.jsonl",
        "-j",
        "1",
        "--cores",
        "1",
    ];
    let mut child = spawn(&args, &dir);
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    read_until(&mut stderr, "[1/10]");
    signal(&child, "-INT");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let code = child.wait().unwrap().code();
    assert_eq!(code, Some(130), "{rest}");
    assert!(rest.contains("no new jobs start"), "{rest}");
    assert!(rest.contains("to resume, rerun the same command"), "{rest}");
    assert!(rest.contains("sweep grid.json -o s.jsonl"), "{rest}");
    let finished = read_results(&dir.join("s.jsonl")).unwrap();
    assert_eq!(finished.partial_bytes, 0);
    let n = finished.lines.len();
    assert!(
        (1..10).contains(&n),
        "{n} lines: the sweep did not stop starting jobs"
    );
    assert!(finished.lines.iter().all(|l| l.is_ok()));

    let again = symrfm(&args, &dir);
    assert!(again.status.success(), "{}", stderr_of(&again));
    let all = read_results(&dir.join("s.jsonl")).unwrap().lines;
    assert_eq!(all.len(), 10);
    let mut ids: Vec<&str> = all.iter().map(|l| l.job_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 10, "a job ran twice");
}

/// Item 1: a second signal aborts at once, leaving no partial line and no temporary file.
#[test]
fn a_second_signal_aborts_a_sweep_at_once() {
    let dir = scratch("sig-sweep-twice");
    // One job far longer than the test waits.
    std::fs::write(
        dir.join("grid.json"),
        r#"{"base": {"task": {"modulus": 61}, "params": {"iters": 100000}},
            "axes": {"split.seed": [0, 1]}}"#,
    )
    .unwrap();
    let mut child = spawn(
        &[
            "sweep",
            "grid.json",
            "-o",
            "s.jsonl",
            "-j",
            "1",
            "--cores",
            "1",
        ],
        &dir,
    );
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    read_until(&mut stderr, "symrfm sweep:");
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, "-INT");
    read_until(&mut stderr, "no new jobs start");
    let second = Instant::now();
    signal(&child, "-INT");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let code = child.wait().unwrap().code();
    assert_eq!(code, Some(130), "{rest}");
    assert!(
        second.elapsed() < Duration::from_secs(10),
        "the second signal did not abort"
    );
    assert_eq!(lines_in(&dir.join("s.jsonl")), 0);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Item 10: SIGINT during a comparison writes what finished, marked incomplete, without verdict.
#[test]
fn an_interrupted_compare_writes_a_partial_comparison() {
    let dir = scratch("sig-compare");
    let mut child = spawn(
        &[
            "compare",
            "-p",
            "23",
            "--iters",
            "100000",
            "--threads",
            "1",
            "--out",
            "c.json",
        ],
        &dir,
    );
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    read_until(&mut stderr, "[  3/");
    signal(&child, "-INT");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130), "{rest}");
    assert!(rest.contains("wrote the partial comparison"), "{rest}");
    let text = std::fs::read_to_string(dir.join("c.json")).unwrap();
    let report: CompareReport = serde_json::from_str(&text).unwrap();
    assert!(!report.complete);
    assert!(!report.symmetric.complete);
    assert!(report.symmetric.iterations.len() >= 3);
    assert!(report.twin.is_none() && report.verdict.is_none());
    assert!(text.contains("\"complete\": false"));
}

/// Item 3: a closed stdout (`| head -1`) does not cost the result file.
#[test]
fn a_run_into_a_closed_pipe_still_writes_its_file() {
    let dir = scratch("sigpipe");
    let exe = env!("CARGO_BIN_EXE_symrfm");
    for (stream, file) in [("", "a.json"), ("2>&1", "b.json")] {
        let script = format!(
            "'{exe}' run -p 11 --iters 3 --out {file} {stream} | head -1 >/dev/null; \
             exit ${{PIPESTATUS[0]}}"
        );
        let out = Command::new("bash")
            .args(["-c", &script])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
        let run = read_run(&dir.join(file)).unwrap();
        assert!(run.complete && run.iterations.len() == 3);
    }
}

/// Item 2: a second run whose default name is taken is refused before any work (exit 2, naming
/// the file and `--force`); `--force` overwrites; `decompose` of `x.npy` and of `x.json` get
/// different default names.
#[test]
fn results_are_never_overwritten_unasked() {
    let dir = scratch("no-overwrite");
    let first = symrfm(&["run", "-p", "11", "--iters", "2", "-q"], &dir);
    assert!(first.status.success(), "{}", stderr_of(&first));
    let path = dir.join("results/run-add-p11-gaussian-f0.5-s0.json");
    let before = std::fs::read(&path).unwrap();
    let second = symrfm(
        &[
            "run",
            "-p",
            "11",
            "--iters",
            "7",
            "--bandwidth",
            "1.5",
            "-q",
        ],
        &dir,
    );
    assert_eq!(second.status.code(), Some(2));
    let err = stderr_of(&second);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("results/run-add-p11-gaussian-f0.5-s0.json") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let forced = symrfm(
        &[
            "run",
            "-p",
            "11",
            "--iters",
            "7",
            "--bandwidth",
            "1.5",
            "-q",
            "--force",
        ],
        &dir,
    );
    assert!(forced.status.success(), "{}", stderr_of(&forced));
    assert_eq!(read_run(&path).unwrap().iterations.len(), 7);

    // decompose: the run file and a bare .npy of the same stem.
    let run = symrfm(
        &[
            "run", "-p", "23", "--iters", "2", "-q", "--npy", "--out", "p23.json",
        ],
        &dir,
    );
    assert!(run.status.success(), "{}", stderr_of(&run));
    let a = symrfm(&["decompose", "p23.json", "-q"], &dir);
    assert!(a.status.success(), "{}", stderr_of(&a));
    let b = symrfm(&["decompose", "p23.npy", "-p", "23", "-q"], &dir);
    assert!(b.status.success(), "{}", stderr_of(&b));
    assert!(dir.join("p23.decompose.json").is_file());
    assert!(dir.join("p23.npy.decompose.json").is_file());
    let again = symrfm(&["decompose", "p23.json", "-q"], &dir);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr_of(&again).contains("--force"));
    for args in [
        vec![
            "compare", "-p", "11", "--iters", "1", "-q", "--out", "p23.json",
        ],
        vec!["symmetry", "-p", "11", "--out", "p23.json"],
    ] {
        let out = symrfm(&args, &dir);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr_of(&out).contains("--force"), "{args:?}");
    }
}

/// Item 12: every command creates a missing output directory (and says so).
#[test]
fn every_command_creates_missing_output_directories() {
    let dir = scratch("missing-dirs");
    let cases: Vec<Vec<&str>> = vec![
        vec!["run", "-p", "11", "--iters", "2", "--out", "a/run.json"],
        vec!["compare", "-p", "11", "--iters", "1", "--out", "b/c.json"],
        vec!["decompose", "a/run.json", "--out", "c/d.json"],
        vec!["symmetry", "-p", "11", "--out", "d/s.json"],
    ];
    for args in &cases {
        let out = symrfm(args, &dir);
        assert!(out.status.success(), "{args:?}: {}", stderr_of(&out));
        assert!(
            stderr_of(&out).contains("created directory"),
            "{args:?}: {}",
            stderr_of(&out)
        );
        assert!(dir.join(args.last().unwrap()).is_file(), "{args:?}");
    }
    std::fs::write(
        dir.join("grid.json"),
        r#"{"base": {"task": {"modulus": 11}, "params": {"iters": 1}}, "axes": {"split.seed": [0]}}"#,
    )
    .unwrap();
    let sweep = symrfm(&["sweep", "grid.json", "-o", "e/s.jsonl"], &dir);
    assert!(sweep.status.success(), "{}", stderr_of(&sweep));
    assert_eq!(lines_in(&dir.join("e/s.jsonl")), 1);
    let merge = symrfm(
        &["merge", "f/m.jsonl", "e/s.jsonl", "--grid", "grid.json"],
        &dir,
    );
    assert!(merge.status.success(), "{}", stderr_of(&merge));
    assert!(dir.join("f/m.jsonl").is_file());
}

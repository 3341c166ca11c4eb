//! The Slurm job array (`scripts/slurm/sweep.sbatch`): a 4-task array runs the four shards of a
//! tiny grid, `symrfm merge` joins them, and the result equals an unsharded sweep.
//!
//! Two ways to submit it:
//! - with the fake `sbatch` of `tests/fixtures/fake-slurm/` first on PATH (it runs the array's tasks
//!   one after the other with the variables Slurm sets): always runs, deterministic, checks the
//!   script's shard mapping and the merge;
//! - on a real cluster (`#[ignore]`d; run it with `sudo scripts/slurm/local-slurm.sh` then
//!   `cargo test --release --test all slurm:: -- --ignored`): fails, never skips, when no cluster
//!   answers.

use crate::common::{scratch, symrfm};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use symrfm::sweep::read_results;

/// Printed past the test harness's capture, so that it is visible in `cargo test` output.
fn announce(msg: &str) {
    let _ = writeln!(std::io::stderr(), "tests/all/slurm.rs: {msg}");
}

fn on_path(cmd: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(cmd).is_file()))
}

fn quiet(cmd: &str, args: &[&str]) -> Option<Output> {
    Command::new(cmd)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()
}

/// Why the cluster cannot be used, if it cannot.
fn cluster_unavailable() -> Option<String> {
    if !on_path("sbatch") {
        return Some("`sbatch` is not on PATH".into());
    }
    match quiet("scontrol", &["ping"]) {
        Some(o) if o.status.success() && String::from_utf8_lossy(&o.stdout).contains("UP") => {}
        _ => return Some("`scontrol ping` does not report a controller that is UP".into()),
    }
    let states = quiet("sinfo", &["-h", "-o", "%T"])
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if !states
        .lines()
        .any(|s| s.starts_with("idle") || s.starts_with("mixed") || s.starts_with("alloc"))
    {
        return Some(format!("no node is up (sinfo states: {:?})", states.trim()));
    }
    None
}

fn ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn logs(dir: &Path) -> String {
    let mut s = String::new();
    for i in 0..4 {
        let p = dir.join(format!("slurm-{i}.out"));
        s.push_str(&format!(
            "--- {}\n{}\n",
            p.display(),
            std::fs::read_to_string(&p).unwrap_or_default()
        ));
    }
    s
}

#[test]
fn a_four_task_job_array_merges_to_the_unsharded_sweep_with_a_fake_sbatch() {
    let fake = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fake-slurm");
    let path = std::env::join_paths(std::iter::once(fake.clone()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    four_task_array_merges_to_the_unsharded_sweep(&fake.join("sbatch"), Some(&path), "fake");
}

#[test]
#[ignore = "needs a running Slurm cluster: `sudo scripts/slurm/local-slurm.sh`, then \
            `cargo test --release --test all slurm:: -- --ignored`"]
fn a_four_task_job_array_merges_to_the_unsharded_sweep_on_slurm() {
    if let Some(why) = cluster_unavailable() {
        panic!("no Slurm cluster: {why}; start one with `sudo scripts/slurm/local-slurm.sh`");
    }
    four_task_array_merges_to_the_unsharded_sweep(Path::new("sbatch"), None, "slurm");
}

/// Submits the 4-task array with `sbatch` (PATH set to `path` if given) and checks its shards and
/// their merge against an unsharded sweep.
fn four_task_array_merges_to_the_unsharded_sweep(
    sbatch: &Path,
    path: Option<&std::ffi::OsStr>,
    label: &str,
) {
    let dir: PathBuf = scratch(label);
    std::fs::write(
        dir.join("grid.json"),
        r#"{"description": "Slurm test: p = 7, 4 iterations",
            "base": {"task": {"modulus": 7}, "params": {"iters": 4}},
            "axes": {"task.operation": ["add", "mul"], "split.fraction": [0.4, 0.6],
                     "split.seed": [0, 1, 2]}}"#,
    )
    .unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/slurm/sweep.sbatch");
    let name = format!("symrfm-test-{}", std::process::id());
    let mut command = Command::new(sbatch);
    if let Some(path) = path {
        command.env("PATH", path);
    }
    let mut child = command
        .args([
            "--wait",
            "--array=0-3",
            "--cpus-per-task=1",
            "--output=slurm-%a.out",
        ])
        .arg(format!("--job-name={name}"))
        .arg(&script)
        .args(["grid.json", "out"])
        .env("SYMRFM", env!("CARGO_BIN_EXE_symrfm"))
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sbatch starts");
    let deadline = Instant::now() + Duration::from_secs(600);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = Command::new("scancel")
                .arg(format!("--name={name}"))
                .status();
            let _ = child.kill();
            panic!("the job array did not finish in 10 minutes\n{}", logs(&dir));
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let out = child.wait_with_output().unwrap();
    assert!(
        status.success(),
        "sbatch --wait failed: {}{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        logs(&dir)
    );
    announce(&format!(
        "ran a 4-task job array with {label} sbatch ({})",
        String::from_utf8_lossy(&out.stdout).trim()
    ));
    for i in 0..4 {
        let lines = read_results(&dir.join(format!("out/shard-{i}-of-4.jsonl")))
            .unwrap()
            .lines;
        assert_eq!(lines.len(), 3, "shard {i}/4 of 12 jobs\n{}", logs(&dir));
        let shard = format!("{i}/4");
        assert!(lines
            .iter()
            .all(|l| l.execution.shard.as_deref() == Some(shard.as_str())));
    }
    ok(
        &symrfm(
            &[
                "merge",
                "merged.jsonl",
                "out/shard-0-of-4.jsonl",
                "out/shard-1-of-4.jsonl",
                "out/shard-2-of-4.jsonl",
                "out/shard-3-of-4.jsonl",
                "--grid",
                "grid.json",
            ],
            &dir,
        ),
        "merge",
    );
    ok(
        &symrfm(
            &[
                "sweep",
                "grid.json",
                "-o",
                "local.jsonl",
                "--jobs",
                "1",
                "--cores",
                "1",
                "-q",
            ],
            &dir,
        ),
        "unsharded sweep",
    );
    let merged = read_results(&dir.join("merged.jsonl")).unwrap().lines;
    let local = read_results(&dir.join("local.jsonl")).unwrap().lines;
    assert_eq!(merged.len(), 12);
    let mut local_by_id: Vec<_> = local.iter().map(|l| (l.job_id.clone(), l)).collect();
    local_by_id.sort_by(|a, b| a.0.cmp(&b.0));
    for line in &merged {
        let i = local_by_id
            .binary_search_by(|(id, _)| id.cmp(&line.job_id))
            .unwrap_or_else(|_| panic!("job {} missing from the local sweep", line.job_id));
        assert!(
            line.same_result(local_by_id[i].1),
            "job {} differs between Slurm and the local sweep",
            line.job_id
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

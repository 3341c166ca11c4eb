//! The performance tooling end to end, at tiny sizes (no timing is asserted): `symrfm bench`
//! writes its markdown and JSON reports with the structured AGOP equal to the dense formulation,
//! `symrfm run --dry-run` prints its forecast and trains nothing, and the memory estimate bounds
//! the measured peak.

use crate::common::scratch;
use std::process::Command;
use symrfm::perf::{BenchReport, StageRates};

#[test]
fn bench_writes_both_reports_at_p7() {
    let dir = scratch("bench");
    let out = Command::new(env!("CARGO_BIN_EXE_symrfm"))
        .args([
            "bench",
            "--moduli",
            "7,11",
            "--iters",
            "2",
            "--gemm-size",
            "64",
            "--full-runs",
            "7",
            "--full-iters",
            "3",
            "--group-runs",
            "S3",
            "--group-iters",
            "2",
            "--out-dir",
            "out",
            "-q",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = std::fs::read_to_string(dir.join("out/bench.json")).unwrap();
    let report: BenchReport = serde_json::from_str(&json).unwrap();
    assert_eq!(report.kind, "bench");
    assert_eq!(
        report.sizes.len(),
        2 * symrfm::solve::Backend::all_available().len()
    );
    for s in &report.sizes {
        assert_eq!(s.sizes.n_train, (s.p * s.p / 2) as usize);
        assert!(s.median.seconds.total > 0.0 && s.work.cholesky > 0.0);
        if let Some(c) = &s.agop_vs_dense {
            assert!(
                c.max_rel_diff < 1e-10,
                "p = {}: {:.2e}",
                s.p,
                c.max_rel_diff
            );
        }
    }
    assert!(report.sizes.iter().any(|s| s.agop_vs_dense.is_some()));
    let full = &report.full_runs[0];
    assert_eq!((full.p, full.iters, full.f64_test_acc.len()), (7, 3, 3));
    assert!(
        full.final_m_rel_diff < 1e-2,
        "f32 vs f64: {}",
        full.final_m_rel_diff
    );
    assert!(report.scaling.is_some());
    // S3 (6 symbols, 18 training pairs) against add mod 6.
    let g = &report.group_runs[0];
    assert_eq!(
        (g.group.as_str(), g.n_symbols, g.n_train, g.iters),
        ("S3", 6, 18, 2)
    );
    assert!(g.seconds_per_iteration > 0.0 && g.add_seconds_per_iteration > 0.0);
    assert!(g.predicted_seconds_per_iteration > 0.0 && g.peak_rss_mib.is_some());
    let md = std::fs::read_to_string(dir.join("out/bench.md")).unwrap();
    for heading in [
        "## Ceiling",
        "## Per iteration",
        "## Structured AGOP",
        "## Scaling",
        "## Full runs",
        "## Any group",
        "## Targets",
    ] {
        assert!(md.contains(heading), "missing {heading}");
    }
    // --dry-run prefers the rates of a bench report in results/.
    let rates = StageRates::from_bench_json(&dir.join("out/bench.json")).unwrap();
    assert!(rates.source.contains("bench.json") && rates.agop > 0.0);
}

#[test]
fn dry_run_prints_memory_and_time_and_trains_nothing() {
    let dir = scratch("dry");
    let out = Command::new(env!("CARGO_BIN_EXE_symrfm"))
        .args(["run", "-p", "31", "--dry-run"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("estimated peak memory") && text.contains("predicted time"),
        "{text}"
    );
    assert!(
        std::fs::read_dir(&dir).unwrap().next().is_none(),
        "a dry run writes nothing"
    );
    // Over a memory cap, the dry run says what a real run would refuse, naming what to reduce.
    let out = Command::new(env!("CARGO_BIN_EXE_symrfm"))
        .args(["run", "-p", "97", "--dry-run", "--max-memory", "50"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("would refuse") && text.contains("--train-frac"),
        "{text}"
    );
}

/// Set in the child process that [`memory_estimate_bounds_the_measured_peak`] starts.
const MEMORY_CHILD: &str = "SYMRFM_TEST_MEMORY_CHILD";

#[test]
fn memory_estimate_bounds_the_measured_peak() {
    // The peak resident size is a property of the whole process, and every integration test
    // runs in this one process: measure in a child that runs only this test.
    if std::env::var_os(MEMORY_CHILD).is_none() {
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "perf::memory_estimate_bounds_the_measured_peak",
                "--test-threads=1",
            ])
            .env(MEMORY_CHILD, "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "child failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("1 passed"),
            "the child ran no test:\n{stdout}"
        );
        return;
    }
    use symrfm::data::{Split, SplitSpec};
    use symrfm::group::{Operation, Task, TaskSpec};
    use symrfm::rfm::{train, Control, RfmParams};
    use symrfm::solve::memory;
    let task = Task::new(TaskSpec::new(Operation::Add, 41)).unwrap();
    let split = Split::build(
        &task,
        &SplitSpec::Random {
            fraction: 0.5,
            seed: 0,
        },
    )
    .unwrap();
    let params = RfmParams {
        iters: 2,
        threads: 1,
        ..RfmParams::default()
    };
    let before = memory::peak_rss_bytes();
    let out = train(&task, &split, &params, None, None, &mut |_| {
        Control::Continue
    })
    .unwrap();
    if let (Some(before), Some(after)) = (before, memory::peak_rss_bytes()) {
        // The growth of the peak is at most the estimate (which includes the process baseline).
        assert!(
            after.saturating_sub(before) <= out.memory_estimate,
            "{after} - {before} > {}",
            out.memory_estimate
        );
    }
}

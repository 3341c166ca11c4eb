//! What must not change between versions: the seeded splits, the sweep job ids, and the
//! readability of every file committed under `results/`.
//!
//! - The split CSVs in `tests/fixtures/pinned-splits/` were written by the binary of commit
//!   871ffa3 (which shuffled with `rand` 0.9's `SliceRandom::shuffle`); today's `symrfm split` with
//!   the same flags must choose the same training pairs (`src/data/shuffle.rs` documents the
//!   algorithm).
//! - Every run file under `results/` records its split recipe and its training pairs, as an older
//!   binary drew them: today's library must rebuild the same pairs from the recipe.
//! - Every sweep results line under `results/` records its job id: today's id of its configuration
//!   must be the same, and the grids in `data/grids/` must still produce those ids.

use crate::common::{ok, repo, scratch, symrfm};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use symrfm::group::Task;
use symrfm::report::read::{read_file, SymrfmFile};
use symrfm::sweep::{job::job_id, read_results, Grid};

/// Every file under `dir` (recursively), sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The training pairs `(a, b)` of a split CSV (`a,b,label,is_train` with a header), found by the
/// header's column names.
fn train_pairs(csv: &Path) -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(csv).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("{}: no column {name}", csv.display()))
    };
    let (a, b, t) = (col("a"), col("b"), col("is_train"));
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[t] == "1")
        .map(|f| (f[a].to_string(), f[b].to_string()))
        .collect()
}

/// The flags that wrote each pinned CSV (see `tests/fixtures/pinned-splits/README.md`).
const PINNED_SPLITS: &[(&str, &[&str])] = &[
    (
        "r61.csv",
        &["-p", "61", "--train-frac", "0.5", "--seed", "0"],
    ),
    ("r7.csv", &["-p", "7", "--train-frac", "0.3", "--seed", "3"]),
    (
        "o61.csv",
        &[
            "-p",
            "61",
            "--split",
            "orbit",
            "--subgroup",
            "s",
            "--train-frac",
            "0.5",
            "--seed",
            "2",
        ],
    ),
    (
        "m61.csv",
        &[
            "-p",
            "61",
            "--subgroup",
            "s",
            "--move-random",
            "3",
            "--seed",
            "4",
        ],
    ),
    (
        "mo31.csv",
        &[
            "-p",
            "31",
            "--subgroup",
            "s",
            "--move-orbits",
            "2",
            "--seed",
            "5",
        ],
    ),
    (
        "s4.csv",
        &[
            "--task",
            "mul",
            "--group",
            "S4",
            "--train-frac",
            "0.4",
            "--seed",
            "1",
        ],
    ),
];

#[test]
fn seeded_splits_are_those_the_old_binary_wrote() {
    let dir = scratch("pinned");
    for (file, flags) in PINNED_SPLITS {
        let mut args = vec!["split"];
        args.extend_from_slice(flags);
        args.extend(["--out", file]);
        ok(&symrfm(&args, &dir));
        let pinned = train_pairs(&repo("tests/fixtures/pinned-splits").join(file));
        assert!(!pinned.is_empty());
        assert_eq!(
            train_pairs(&dir.join(file)),
            pinned,
            "symrfm split {flags:?} no longer chooses the training pairs it chose at 871ffa3"
        );
    }
}

#[test]
fn committed_run_files_rebuild_their_training_pairs_from_their_recipe() {
    let mut checked = 0;
    for path in files_under(&repo("results")) {
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let Ok(SymrfmFile::Run(run)) = read_file(&path) else {
            continue;
        };
        let task = Task::new(run.task.spec.clone()).unwrap();
        let (split, _) = run
            .split
            .spec
            .resolve(&task)
            .unwrap_or_else(|e| panic!("{}: the split recipe: {e}", path.display()));
        assert_eq!(
            split.train,
            run.split.train_indices,
            "{}: the recipe {:?} rebuilds other training pairs than the file records",
            path.display(),
            run.split.spec
        );
        checked += 1;
    }
    // 94 run files at the time of writing: a count far below means the walk missed them.
    assert!(checked >= 90, "only {checked} run files under results/");
}

#[test]
fn every_committed_result_file_loads_with_todays_readers() {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for path in files_under(&repo("results")) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let kind = match path.extension().and_then(|e| e.to_str()) {
            Some("jsonl") => {
                let lines = read_results(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                    .lines;
                assert!(!lines.is_empty(), "{}: no lines", path.display());
                // The summary tables of `symrfm report` read them too.
                let table = symrfm::sweep::summary::aggregate(&lines);
                assert!(!table.markdown(&name).is_empty());
                "sweep".to_string()
            }
            Some("json") if name == "bench.json" => {
                let _: symrfm::perf::BenchReport = crate::common::read(&path);
                "bench".into()
            }
            Some("json") if name == "bench-net.json" => {
                let r: symrfm::perf::net_bench::NetBenchReport = crate::common::read(&path);
                assert!(!r.rows.is_empty(), "{}: no rows", path.display());
                "bench-net".into()
            }
            // bench-net-reference.json (the reference repository, `mlp`) and
            // bench-net-reference-transformer.json (PyTorch running our transformer).
            Some("json") if name.starts_with("bench-net-reference") => {
                let r: symrfm::perf::net_bench::ReferenceTimes = crate::common::read(&path);
                assert!(
                    r.model == "mlp" || r.model == "transformer",
                    "{}: model {}",
                    path.display(),
                    r.model
                );
                "bench-net reference".into()
            }
            // Written by examples and scripts, not by the binary: checked as JSON with their
            // documented top-level fields.
            Some("json") if name == "symmetry.json" => {
                let v = crate::common::json(&path);
                assert!(v["experiments"].as_array().is_some_and(|e| !e.is_empty()));
                "symmetry experiments".into()
            }
            Some("json") if name == "symmetry_acquisition.json" => {
                let v = crate::common::json(&path);
                assert_eq!(v["kind"], "symmetry-acquisition");
                assert!(v["runs"].as_array().is_some_and(|r| !r.is_empty()));
                "symmetry-acquisition".into()
            }
            Some("json") if name.starts_with("part3-") => {
                // scripts/networks_part3.py: the feature decompositions along training.
                let v = crate::common::json(&path);
                assert_eq!(v["kind"], "networks-part3");
                let rows = v["rows"].as_array().expect("rows");
                assert!(
                    rows.iter().any(|r| r["model"] == "mlp")
                        && rows.iter().any(|r| r["model"] == "rfm")
                );
                "networks-part3".into()
            }
            Some("json") => read_file(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                .kind()
                .to_string(),
            _ => continue,
        };
        *counts.entry(kind).or_default() += 1;
    }
    for kind in ["run", "decompose", "sweep", "bench", "bench-net"] {
        assert!(
            counts.contains_key(kind),
            "no {kind} file found: {counts:?}"
        );
    }
}

/// A few sweep jobs and the ids the committed results files give them.
const PINNED_JOBS: &[(&str, usize, &str)] = &[("fraction-p61", 1, "100d0df71b76740c")];

#[test]
fn sweep_job_ids_are_those_of_the_committed_results() {
    for (grid, index, id) in PINNED_JOBS {
        let jobs = Grid::load(&repo(&format!("data/grids/{grid}.json")))
            .unwrap()
            .jobs()
            .unwrap();
        assert_eq!(jobs[*index].id, *id, "{grid} job {index}");
    }
    let mut checked = 0;
    for path in files_under(&repo("results")) {
        if path.extension().is_none_or(|e| e != "jsonl") {
            continue;
        }
        let lines = read_results(&path).unwrap().lines;
        for line in &lines {
            assert_eq!(
                job_id(&line.config),
                line.job_id,
                "{}: job {} gets another id today",
                path.display(),
                line.job_index
            );
        }
        // The grid of the same name, where there is one, still makes exactly these jobs.
        let grid = repo("data/grids").join(path.with_extension("json").file_name().unwrap());
        if grid.is_file() {
            let jobs = Grid::load(&grid).unwrap().jobs().unwrap();
            let ids: BTreeSet<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
            let recorded: BTreeSet<&str> = lines.iter().map(|l| l.job_id.as_str()).collect();
            assert_eq!(
                ids,
                recorded,
                "{} against {}",
                path.display(),
                grid.display()
            );
            checked += 1;
        }
        checked += 1;
    }
    assert!(checked >= 7, "only {checked} results files checked");
}

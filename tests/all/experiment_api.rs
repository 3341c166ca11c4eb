//! The library's single entry point (`symrfm::experiment`): a model that reproduces the report's
//! accuracy and survives a save/load round trip; `sweep --save-runs` writes what `symrfm run` writes.

use crate::common;
use common::{scratch, symrfm};
use std::path::Path;
use symrfm::data::{SplitEdit, SplitSpec};
use symrfm::experiment::{ExperimentSpec, Model, RunOptions};
use symrfm::group::{Operation, TaskSpec};
use symrfm::report::{read_file, RunReport, SymrfmFile};
use symrfm::rfm::{Control, Precision};

fn spec(op: Operation, p: u64, iters: usize) -> ExperimentSpec {
    let mut spec = ExperimentSpec {
        task: TaskSpec::new(op, p),
        ..ExperimentSpec::default()
    };
    spec.params.iters = iters;
    spec.params.threads = 2;
    spec
}

/// An edit of a valid specification and the parameter its error must name.
type BadCase = (Box<dyn Fn(&mut ExperimentSpec)>, &'static str);

/// Test accuracy of `labels` against the task's labels of `pairs`.
fn accuracy(labels: &[u32], pairs: &[usize], predicted: &[usize]) -> f64 {
    let hits = pairs
        .iter()
        .zip(predicted)
        .filter(|(&k, &y)| labels[k] as usize == y)
        .count();
    hits as f64 / pairs.len() as f64
}

#[test]
fn the_model_predicts_exactly_what_the_report_measured_and_round_trips() {
    let dir = scratch("experiment-model");
    for (op, precision, iters) in [
        (Operation::Add, Precision::F64, 12),
        (Operation::Mul, Precision::F32, 5),
    ] {
        let mut spec = spec(op, 23, iters);
        spec.params.precision = precision;
        let experiment = spec.validate().unwrap();
        let options = RunOptions {
            save_model: true,
            ..RunOptions::default()
        };
        let outcome = experiment
            .run(&options, &mut |_| Control::Continue)
            .unwrap();
        let (task, split) = (experiment.task(), experiment.split());
        let report = &outcome.report;
        let test_labels = outcome.model.predict_labels(&split.test).unwrap();
        let acc = accuracy(task.labels(), &split.test, &test_labels);
        assert_eq!(acc, report.summary.final_test_acc, "{op:?}");
        let train_labels = outcome.model.predict_labels(&split.train).unwrap();
        assert_eq!(
            accuracy(task.labels(), &split.train, &train_labels),
            report.summary.final_train_acc
        );
        // The pairs classified correctly are the report's `test_correct`.
        let correct: Vec<usize> = split
            .test
            .iter()
            .zip(&test_labels)
            .filter(|(&k, &y)| task.labels()[k] as usize == y)
            .map(|(&k, _)| k)
            .collect();
        assert_eq!(correct, report.test_correct);
        // Raw outputs: one row of c scores per pair.
        let raw = outcome.model.predict(&split.test[..3]).unwrap();
        assert_eq!(raw.dim(), (3, task.n_classes()));
        assert_eq!(outcome.model.iteration(), iters - 1);

        // Saved with the run file and loaded back: the same predictor, to the bit.
        let path = dir.join(format!("{op:?}.json"));
        symrfm::report::write_json_atomic(&path, report).unwrap();
        let SymrfmFile::Run(mut back) = read_file(&path).unwrap() else {
            panic!("not read back as a run file")
        };
        // Threads are an execution setting, not written with the parameters.
        back.params.threads = report.params.threads;
        assert_eq!(*back, *report);
        let loaded = Model::from_report(&back).unwrap();
        assert_eq!(loaded, outcome.model);
        assert_eq!(
            loaded.predict(&split.test).unwrap(),
            outcome.model.predict(&split.test).unwrap()
        );
    }
    // Pairs out of range and a run file without a model are named errors.
    let experiment = spec(Operation::Add, 7, 1).validate().unwrap();
    let outcome = experiment
        .run(&RunOptions::default(), &mut |_| Control::Continue)
        .unwrap();
    let e = outcome.model.predict(&[49]).unwrap_err();
    assert!(e.is_usage() && e.to_string().contains("pairs"), "{e}");
    assert!(outcome.report.model.is_none());
    let e = Model::from_report(&outcome.report).unwrap_err();
    assert!(e.to_string().contains("model"), "{e}");
}

#[test]
fn validation_names_specification_parameters() {
    let cases: Vec<BadCase> = vec![
        (Box::new(|s| s.params.ridge = -1.0), "params.ridge"),
        (Box::new(|s| s.params.iters = 0), "params.iters"),
        (
            Box::new(|s| {
                s.split = SplitSpec::Random {
                    fraction: 1.5,
                    seed: 0,
                }
            }),
            "split.fraction",
        ),
        (Box::new(|s| s.task.modulus = 1), "task.modulus"),
        (
            Box::new(|s| {
                s.split = SplitSpec::FixedPoints {
                    subgroup: "q".into(),
                }
            }),
            "split.subgroup",
        ),
        (
            Box::new(|s| s.analysis.commutant_subgroup = Some("q".into())),
            "analysis.commutant_subgroup",
        ),
    ];
    for (edit, name) in cases {
        let mut s = spec(Operation::Add, 11, 2);
        edit(&mut s);
        let e = s.validate().unwrap_err();
        assert!(e.is_usage(), "{e}");
        assert!(e.to_string().contains(name), "{name}: {e}");
        assert!(
            !e.to_string().contains("--"),
            "a CLI flag in a library error: {e}"
        );
    }
}

/// A run file without what differs between runs of the same configuration: timings, the command
/// line, the peak memory.
fn comparable(path: &Path) -> serde_json::Value {
    let report: RunReport = symrfm::report::read::read_run(path).unwrap();
    let mut v = serde_json::to_value(report).unwrap();
    let obj = v.as_object_mut().unwrap();
    obj.remove("timings");
    obj.remove("command_line");
    for it in obj["iterations"].as_array_mut().unwrap() {
        it.as_object_mut().unwrap().remove("seconds");
    }
    v
}

#[test]
fn sweep_save_runs_writes_what_run_writes() {
    let dir = scratch("experiment-sweep");
    let grid = serde_json::json!({
        "kind": "run",
        "base": {"task": {"modulus": 13}, "params": {"iters": 4}},
        "axes": {"split": [
            {"kind": "random", "fraction": 0.5, "seed": 3},
            {"kind": "fixed-points", "subgroup": "s"},
            {"kind": "edited", "base": {"kind": "fixed-points", "subgroup": "s"},
             "edits": [{"kind": "move-random", "count": 1, "seed": 0}]}
        ]}
    });
    std::fs::write(dir.join("grid.json"), grid.to_string()).unwrap();
    let out = symrfm(
        &[
            "sweep",
            "grid.json",
            "-o",
            "r.jsonl",
            "--save-runs",
            "runs",
            "--quiet",
        ],
        &dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let SymrfmFile::Sweep(lines) = read_file(&dir.join("r.jsonl")).unwrap() else {
        panic!("not read as sweep results")
    };
    assert_eq!(lines.len(), 3);
    let runs = [
        vec!["--seed", "3"],
        vec!["--split", "fixed-points"],
        vec!["--split", "fixed-points", "--move-random", "1"],
    ];
    for (i, extra) in runs.iter().enumerate() {
        let file = format!("run{i}.json");
        let mut args = vec!["run", "-p", "13", "--iters", "4", "-q", "--out", &file];
        args.extend(extra);
        let out = symrfm(&args, &dir);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ran = comparable(&dir.join(&file));
        let line = lines
            .iter()
            .find(|l| {
                let saved = dir.join(l.execution.run_file.as_ref().unwrap());
                let saved = if saved.is_file() {
                    saved
                } else {
                    Path::new(l.execution.run_file.as_ref().unwrap()).to_path_buf()
                };
                comparable(&saved)["split"] == ran["split"]
            })
            .unwrap_or_else(|| panic!("no saved run with the split of `run {extra:?}`"));
        let saved = dir.join(line.execution.run_file.as_ref().unwrap());
        let saved = comparable(&saved);
        assert_eq!(saved, ran, "sweep run file differs from `run {extra:?}`");
        assert!(saved.get("symmetry").is_some() && saved.get("final_analysis").is_some());
    }
    // The edit's recorded `moved` pairs are what the seed gives.
    let SplitSpec::Edited { edits, .. } =
        serde_json::from_value(comparable(&dir.join("run2.json"))["split"]["spec"].clone())
            .unwrap()
    else {
        panic!("not an edited split")
    };
    assert!(matches!(&edits[0], SplitEdit::MoveRandom { moved, .. } if moved.len() == 1));
}

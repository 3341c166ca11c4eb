//! `symrfm decompose` and the analysis fields of `symrfm run`, end to end: the table, the JSON read
//! back into the library's types, `.npy` export and input, and exit code 2 for bad input.

use crate::common;
use common::{ok, read, usage_error};
use common::{scratch, symrfm};
use std::path::Path;
use symrfm::report::{DecomposeReport, MatrixSource, RunReport, SCHEMA_VERSION};

/// A p = 11 run with --structure: 4 iterations, M saved at t = 2 and 4.
fn small_run(dir: &Path) -> RunReport {
    ok(&symrfm(
        &[
            "run",
            "-p",
            "11",
            "--iters",
            "4",
            "--save-every",
            "2",
            "--structure",
            "--threads",
            "1",
            "--out",
            "r.json",
            "--quiet",
        ],
        dir,
    ));
    read(&dir.join("r.json"))
}

#[test]
fn run_stores_structure_diagnostic_and_final_analysis() {
    let dir = scratch("run");
    let report = small_run(&dir);
    assert_eq!(
        report.structure.iter().map(|s| s.t).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4]
    );
    let last = report.structure.last().unwrap();
    assert!((last.alignment_to_final.unwrap() - 1.0).abs() < 1e-12);
    assert_eq!(report.symmetry_diagnostic.len(), 4);
    for (d, it) in report.symmetry_diagnostic.iter().zip(&report.iterations) {
        assert_eq!((d.iter, d.test_acc), (it.iter, it.test_acc));
        assert_eq!((d.n_points, d.n_elements), (report.split.n_test, 21));
    }
    let analysis = report.final_analysis.as_ref().unwrap();
    let group = analysis.group.as_ref().unwrap();
    assert_eq!((group.name.as_str(), group.order), ("Dih(Z_11)", 22));
    assert_eq!(group.decomposition.elements.len(), 22);

    // Without --structure the per-iteration fields are absent from the file, the final analysis
    // is still there.
    ok(&symrfm(
        &[
            "run",
            "-p",
            "11",
            "--iters",
            "2",
            "--out",
            "plain.json",
            "-q",
        ],
        &dir,
    ));
    let text = std::fs::read_to_string(dir.join("plain.json")).unwrap();
    assert!(!text.contains("\"structure\"") && !text.contains("\"symmetry_diagnostic\""));
    let plain: RunReport = serde_json::from_str(&text).unwrap();
    assert!(plain.final_analysis.is_some() && plain.structure.is_empty());

    // A polynomial control: decomposed on its searched Sym_f, and the diagnostic runs on it.
    ok(&symrfm(
        &[
            "run",
            "--task",
            "x2+y2",
            "-p",
            "7",
            "--iters",
            "2",
            "--structure",
            "--out",
            "q.json",
            "-q",
        ],
        &dir,
    ));
    let q: RunReport = read(&dir.join("q.json"));
    assert_eq!(q.structure.len(), 3);
    assert!(q.symmetry_diagnostic.is_empty());
    let g = q
        .final_analysis
        .unwrap()
        .group
        .expect("decomposed on Sym_f");
    assert!(g.name.starts_with("Sym_f of") && g.order > 2, "{}", g.name);
    ok(&symrfm(
        &[
            "run",
            "--task",
            "x2+y2",
            "-p",
            "7",
            "--iters",
            "2",
            "--symmetry-diagnostic",
            "--out",
            "d.json",
            "-q",
        ],
        &dir,
    ));
    let d: RunReport = read(&dir.join("d.json"));
    assert_eq!(d.symmetry_diagnostic.len(), 2);
    let err = usage_error(&symrfm(
        &[
            "run",
            "-p",
            "7",
            "--commutant-subgroup",
            "r^x",
            "--out",
            "bad.json",
        ],
        &dir,
    ));
    assert!(err.contains("r^x"), "{err}");
    assert!(!dir.join("bad.json").exists());
}

#[test]
fn decompose_a_run_file_and_its_npy_export() {
    let dir = scratch("npy");
    let run = small_run(&dir);
    let stdout = ok(&symrfm(
        &[
            "decompose",
            "r.json",
            "--top",
            "5",
            "--subgroup",
            "s",
            "--npy",
            "ms",
        ],
        &dir,
    ));
    for needle in [
        "element",
        "id",
        "group algebra",
        "commutant of <s>",
        "M12",
        "ms/M_2.npy",
    ] {
        assert!(stdout.contains(needle), "{needle}: {stdout}");
    }
    let report: DecomposeReport = read(&dir.join("r.decompose.json"));
    assert_eq!(report.schema_version, SCHEMA_VERSION);
    assert_eq!(report.kind, "decompose");
    assert_eq!(report.source_kind, MatrixSource::Run);
    assert_eq!(report.t, Some(4));
    assert_eq!(report.task.spec, run.task.spec);
    // The same analysis as the run's own final analysis, plus the subgroup.
    let mut from_run = run.final_analysis.clone().unwrap();
    let group = report.analysis.group.clone().unwrap();
    let sub = group.subgroup.clone().unwrap();
    assert_eq!((sub.name.as_str(), sub.order), ("<s>", 2));
    from_run.group.as_mut().unwrap().subgroup = Some(sub);
    assert_eq!(report.analysis, from_run);

    // Every saved M as .npy, exactly.
    for rec in &run.feature_matrices {
        let m: ndarray::Array2<f64> =
            ndarray_npy::read_npy(dir.join(format!("ms/M_{}.npy", rec.t))).unwrap();
        assert_eq!(m, rec.to_array().unwrap());
    }

    // A bare .npy with its task gives the same analysis.
    ok(&symrfm(
        &[
            "decompose",
            "ms/M_4.npy",
            "--task",
            "add",
            "-p",
            "11",
            "--out",
            "npy.json",
            "-q",
        ],
        &dir,
    ));
    let bare: DecomposeReport = read(&dir.join("npy.json"));
    assert_eq!(bare.source_kind, MatrixSource::Npy);
    assert_eq!(bare.t, None);
    assert_eq!(bare.analysis, run.final_analysis.clone().unwrap());

    // A bare JSON matrix (array of rows).
    let rows = serde_json::to_string(&run.feature_matrices[0].rows).unwrap();
    std::fs::write(dir.join("m2.json"), rows).unwrap();
    ok(&symrfm(&["decompose", "m2.json", "-p", "11", "-q"], &dir));
    let m2: DecomposeReport = read(&dir.join("m2.decompose.json"));
    assert_eq!(m2.source_kind, MatrixSource::Json);

    // --iter picks a saved M_t.
    ok(&symrfm(&["decompose", "r.json", "--iter", "2", "-q"], &dir));
    let t2: DecomposeReport = read(&dir.join("r.decompose-t2.json"));
    assert_eq!(t2.t, Some(2));
    assert_eq!(t2.analysis, m2.analysis);
}

#[test]
fn bad_inputs_are_usage_errors_that_leave_nothing_behind() {
    let dir = scratch("bad");
    small_run(&dir);
    ok(&symrfm(&["decompose", "r.json", "--npy", "ms", "-q"], &dir));
    let before = std::fs::read_dir(&dir).unwrap().count();

    // Wrong shape: the 22×22 matrix of p = 11 declared as p = 13.
    let err = usage_error(&symrfm(
        &["decompose", "ms/M_4.npy", "-p", "13", "--out", "x.json"],
        &dir,
    ));
    assert!(
        err.contains("ms/M_4.npy") && err.contains("26×26") && err.contains("22×22"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    // A bare matrix needs its task.
    let err = usage_error(&symrfm(
        &["decompose", "ms/M_4.npy", "--out", "x.json"],
        &dir,
    ));
    assert!(err.contains("--modulus"), "{err}");
    // A run file names its own task.
    let err = usage_error(&symrfm(
        &["decompose", "r.json", "-p", "11", "--out", "x.json"],
        &dir,
    ));
    assert!(err.contains("--task"), "{err}");
    // No such saved matrix.
    let err = usage_error(&symrfm(
        &["decompose", "r.json", "--iter", "3", "--out", "x.json"],
        &dir,
    ));
    assert!(err.contains("M_3"), "{err}");
    // Unknown subgroup element, missing file, not a matrix.
    let err = usage_error(&symrfm(
        &[
            "decompose",
            "r.json",
            "--subgroup",
            "t^2",
            "--out",
            "x.json",
        ],
        &dir,
    ));
    assert!(err.contains("t^2"), "{err}");
    usage_error(&symrfm(
        &["decompose", "missing.json", "--out", "x.json"],
        &dir,
    ));
    std::fs::write(dir.join("junk.json"), "{\"a\": 1}").unwrap();
    usage_error(&symrfm(
        &["decompose", "junk.json", "--out", "x.json"],
        &dir,
    ));
    // --iter only with run files.
    usage_error(&symrfm(
        &[
            "decompose",
            "ms/M_4.npy",
            "-p",
            "11",
            "--iter",
            "2",
            "--out",
            "x.json",
        ],
        &dir,
    ));
    assert!(!dir.join("x.json").exists());
    let after = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(after, before + 1, "only junk.json was added");
}

//! Sweep grids with the interventions of issue 15 beyond Dih(A): the enforce-circulant
//! `generator` field and subgroups named by Sym_f elements.

use symrfm::sweep::{Grid, JobKind};

const GRID: &str = r#"{
  "kind": "run",
  "base": {"params": {"iters": 2}},
  "axes": {
    ".": [
      {"label": "first", "task": {"operation": "add", "modulus": 7},
       "params": {"interventions": [{"kind": "enforce-circulant"}]}},
      {"label": "average", "task": {"operation": "add", "modulus": 7},
       "params": {"interventions": [{"kind": "enforce-circulant", "generator": "average"}]}},
      {"label": "s3", "task": {"operation": "mul", "modulus": 0, "group_name": "S3"},
       "params": {"interventions": [{"kind": "commutant", "subgroup": "r^{(1 2 3)}"}],
                  "exact_symmetry": true}}
    ],
    "split.seed": [0]
  }
}"#;

#[test]
fn grids_accept_the_generator_and_generic_subgroups() {
    let grid = Grid::parse(GRID).unwrap();
    let jobs = grid.jobs().unwrap();
    assert_eq!(jobs.len(), 3);
    let iv = |k: usize| jobs[k].config["params"]["interventions"][0].clone();
    assert!(iv(0).get("generator").is_none());
    assert_eq!(iv(1)["generator"], "average");
    assert_eq!(iv(2)["subgroup"], "r^{(1 2 3)}");
    // every job builds: the S3 subgroup resolves on Sym_f
    for job in &jobs {
        JobKind::Run.validate(&job.config).unwrap();
    }
    // the default written out is the same job as the default left out (a duplicate)
    let twin = GRID
        .replace(
            r#"{"kind": "enforce-circulant", "generator": "average"}"#,
            r#"{"kind": "enforce-circulant", "generator": "first-column"}"#,
        )
        .replace(r#""label": "average", "#, r#""label": "first", "#);
    let err = Grid::parse(&twin).unwrap().jobs().unwrap_err();
    assert!(err.contains("same parameters"), "{err}");
}

#[test]
fn grid_errors_name_the_bad_value() {
    let bad_generator = GRID.replace("\"average\"", "\"median\"");
    let err = Grid::parse(&bad_generator)
        .and_then(|g| g.jobs().map(|_| ()))
        .unwrap_err();
    assert!(err.contains("median"), "{err}");
    let grid = Grid::parse(&GRID.replace("r^{(1 2 3)}", "r^{(1 4)}")).unwrap();
    let jobs = grid.jobs().unwrap();
    let e = JobKind::Run
        .validate(&jobs[2].config)
        .unwrap_err()
        .to_string();
    assert!(e.contains("params.interventions.subgroup"), "{e}");
    let grid = Grid::parse(&GRID.replace(
        r#"{"kind": "commutant", "subgroup": "r^{(1 2 3)}"}"#,
        r#"{"kind": "commutant", "subgroup": "r^{(1 2 3)}", "generator": "average"}"#,
    ))
    .unwrap();
    let jobs = grid.jobs().unwrap();
    let e = JobKind::Run
        .validate(&jobs[2].config)
        .unwrap_err()
        .to_string();
    assert!(e.contains("params.interventions.generator"), "{e}");
}

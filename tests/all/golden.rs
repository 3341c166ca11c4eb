//! Golden test against the public reference implementation (see tests/fixtures/README.md): same split,
//! same settings; test accuracy within one test sample at every iteration, M after updates 1, 10, 20
//! and 50 to 1e-6 relative.

use ndarray::Array2;
use ndarray_npy::read_npy;
use std::path::PathBuf;
use symrfm::data::{Split, SplitSpec};
use symrfm::group::{Operation, Task, TaskSpec};
use symrfm::rfm::{train, Control, RfmParams};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rfm-grokking-p61-add-seed0")
        .join(name)
}

fn frob(a: &Array2<f64>) -> f64 {
    a.iter().map(|v| v * v).sum::<f64>().sqrt()
}

#[test]
fn matches_the_reference_implementation_on_its_split() {
    let task = Task::new(TaskSpec::new(Operation::Add, 61)).unwrap();
    let split = Split::build(
        &task,
        &SplitSpec::File {
            path: fixture("split.csv"),
        },
    )
    .unwrap();
    assert_eq!(split.train.len(), 1860);
    let params = RfmParams {
        save_every: Some(1),
        ..RfmParams::default()
    };
    let out = train(&task, &split, &params, None, None, &mut |_| {
        Control::Continue
    })
    .unwrap();

    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("metrics.json")).unwrap()).unwrap();
    let reference = metrics["iterations"].as_array().unwrap();
    assert_eq!(reference.len(), out.iterations.len());
    let n_test = split.test.len() as f64;
    for (ours, theirs) in out.iterations.iter().zip(reference) {
        let test_acc = theirs["test_acc"].as_f64().unwrap();
        let train_acc = theirs["train_acc"].as_f64().unwrap();
        assert!(
            (ours.test_acc - test_acc).abs() * n_test <= 1.0 + 1e-9,
            "iteration {}: test accuracy {} vs reference {}",
            ours.iter,
            ours.test_acc,
            test_acc
        );
        assert_eq!(ours.train_acc, train_acc, "iteration {}", ours.iter);
        let trace = theirs["trace_M_after_update"].as_f64().unwrap();
        assert!(
            (ours.trace_m_next - trace).abs() <= 1e-6 * trace,
            "iteration {} trace",
            ours.iter
        );
        let mse = theirs["test_mse"].as_f64().unwrap();
        assert!(
            (ours.test_mse - mse).abs() <= 1e-6 * mse,
            "iteration {} test mse",
            ours.iter
        );
    }
    for t in [1usize, 10, 20, 50] {
        let theirs: Array2<f64> =
            read_npy(fixture(&format!("M_after_update_{}.npy", t - 1))).unwrap();
        let ours = &out.saved.iter().find(|s| s.t == t).expect("saved M").m;
        let rel = frob(&(ours - &theirs)) / frob(&theirs);
        eprintln!("M_{t}: relative difference {rel:.3e}");
        assert!(
            rel <= 1e-6,
            "M_{t} differs from the reference by {rel:.3e} relative"
        );
    }
}

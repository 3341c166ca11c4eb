//! The orbit theory of SCIENCE.md §4 at the library level: seeding M_0 with the final M of a run on
//! the symmetric split for a reflection g, then fitting a random 50 % split, classifies correctly
//! exactly the test pairs of Orbit_H(train) \ train, H = <g> (with a tiny ridge: see below).

use symrfm::data::{Split, SplitSpec};
use symrfm::group::{Operation, Task, TaskSpec};
use symrfm::rfm::{train, Control, RfmParams};
use symrfm::symmetry::{Subgroup, SymmetryReport, TaskSymmetry};

#[test]
fn a_symmetric_m_learns_only_its_reflection_on_a_random_split() {
    let task = Task::new(TaskSpec::new(Operation::Add, 29)).unwrap();
    let dih = TaskSymmetry::of(&task);
    let params = RfmParams {
        iters: 20,
        threads: 1,
        ..RfmParams::default()
    };
    for reflection in ["s", "s r^5"] {
        let symmetric = SplitSpec::FixedPoints {
            subgroup: reflection.into(),
        };
        let split = Split::build(&task, &symmetric).unwrap();
        let out = train(&task, &split, &params, None, None, &mut |_| {
            Control::Continue
        })
        .unwrap();
        let sym_m = out.final_m().unwrap().clone();
        let best = out
            .iterations
            .iter()
            .map(|r| r.test_acc)
            .fold(0.0, f64::max);
        assert!(best <= 0.02, "{reflection}: symmetric split reached {best}");

        let h = Subgroup::parse(&dih, reflection).unwrap();
        for seed in 0..3 {
            let random = Split::random(task.n_pairs(), 0.5, seed).unwrap();
            // One iteration: the predictor that is scored uses M_0 = the symmetric M. That M maps
            // whole families of pairs to one feature vector, so the kernel matrix of a random
            // split is singular; λ = 0 would leave α to rounding (Cholesky fails, LU returns
            // noise), a tiny ridge picks the minimum-norm-like solution.
            let warm = RfmParams {
                iters: 1,
                ridge: 1e-8,
                ..params.clone()
            };
            let out = train(
                &task,
                &random,
                &warm,
                Some(sym_m.clone()),
                None,
                &mut |_| Control::Continue,
            )
            .unwrap();
            let mut report = SymmetryReport::new(&dih, &random, Some(&h)).unwrap();
            // the prediction is a real subset of the test set, neither empty nor everything
            assert!(!report.predicted.is_empty(), "{reflection} seed {seed}");
            assert!(report.predicted.len() < random.test.len() / 2 + 30);
            let score = report.score(&out.test_correct);
            assert!(
                score.precision >= 0.95 && score.recall >= 0.95,
                "{reflection} seed {seed}: {score:?}"
            );
        }
    }
}

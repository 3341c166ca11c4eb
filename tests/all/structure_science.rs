//! The checks of the decomposition issue on real RFM runs, at primes small enough for the test suite
//! (the p = 61 numbers are an experiment, see README "Decomposing feature matrices"):
//!
//! - symmetric split (test = Fix(s), train = the rest): the two largest coefficients of the final M
//!   are `id` and `s`, of opposite sign and nearly equal magnitude, and the residual to the group
//!   algebra is below 1e-6;
//! - random split: the off-diagonal blocks' deviation from circulant/Hankel form falls at least 10×
//!   from M_1 to the final M (M_0 = I has zero off-diagonal blocks, whose deviation is 0 by
//!   convention, so the first update is the reference); for `mul` only in discrete-log order.

use symrfm::analysis::{off_diagonal_deviation, RunAnalysis, RunAnalysisOptions, RunAnalyzer};
use symrfm::data::{Split, SplitSpec};
use symrfm::group::{Operation, Task, TaskSpec};
use symrfm::rfm::{train, RfmParams, TrainOutput};
use symrfm::symmetry::{fixed_points_split, Subgroup, TaskSymmetry};

fn run(task: &Task, split: &Split, iters: usize) -> (TrainOutput, RunAnalysis) {
    let params = RfmParams {
        iters,
        threads: 1,
        ..RfmParams::default()
    };
    let options = RunAnalysisOptions {
        structure: true,
        ..Default::default()
    };
    let mut analyzer = RunAnalyzer::new(task, split, &options, 1).unwrap();
    let out = train(task, split, &params, None, None, &mut |s| {
        analyzer.observe(s)
    })
    .unwrap();
    let analysis = analyzer.finish(&out).unwrap();
    (out, analysis)
}

#[test]
fn symmetric_split_learns_id_minus_s() {
    for p in [13, 23] {
        let task = Task::new(TaskSpec::new(Operation::Add, p)).unwrap();
        let dih = TaskSymmetry::of(&task);
        let split = fixed_points_split(&dih, &Subgroup::parse(&dih, "s").unwrap()).unwrap();
        let (out, analysis) = run(&task, &split, 30);
        // The finding of SCIENCE.md §4: no generalization on the symmetric split.
        assert!(out.iterations.iter().all(|r| r.test_acc < 0.2), "p={p}");
        let final_analysis = analysis.final_analysis.unwrap();
        let dec = &final_analysis.group.unwrap().decomposition;
        let (a, b) = (&dec.elements[0], &dec.elements[1]);
        let mut names = [a.name.as_str(), b.name.as_str()];
        names.sort_unstable();
        assert_eq!(names, ["id", "s"], "p={p}: {:?}", &dec.elements[..3]);
        assert!(a.alpha * b.alpha < 0.0, "p={p}: opposite signs");
        assert!(
            (a.alpha.abs() - b.alpha.abs()).abs() <= 1e-4 * a.alpha.abs(),
            "p={p}: |α| {} vs {}",
            a.alpha,
            b.alpha
        );
        // The next element is far smaller.
        assert!(dec.elements[2].alpha.abs() < 0.2 * a.alpha.abs(), "p={p}");
        assert!(dec.residual < 1e-6, "p={p}: residual {}", dec.residual);
    }
}

/// At p = 31 a 50 % split reaches only ~74 % test accuracy within 50 iterations (measured), so the
/// check uses 60 %, where the run groks (test accuracy ≥ 0.99 from iteration ~17).
#[test]
fn random_split_makes_the_off_diagonal_blocks_circulant() {
    for (op, p) in [(Operation::Add, 31), (Operation::Mul, 31)] {
        let task = Task::new(TaskSpec::new(op, p)).unwrap();
        let spec = SplitSpec::Random {
            fraction: 0.6,
            seed: 0,
        };
        let split = Split::build(&task, &spec).unwrap();
        let (out, analysis) = run(&task, &split, 40);
        let final_acc = out.iterations.last().unwrap().test_acc;
        assert!(final_acc >= 0.95, "{op:?}: test accuracy {final_acc}");
        let s = &analysis.structure;
        assert_eq!(s.len(), 41);
        let is_mul = op == Operation::Mul;
        let start = off_diagonal_deviation(&s[1], is_mul);
        let end = off_diagonal_deviation(&s[40], is_mul);
        assert!(start > 0.3, "{op:?}: deviation of M_1 {start}");
        assert!(end * 10.0 <= start, "{op:?}: {start} -> {end}");
        if is_mul {
            // In the residues' natural order the blocks are far from either diagonal form.
            let natural = off_diagonal_deviation(&s[40], false);
            assert!(
                natural > 10.0 * end && natural > 0.3,
                "natural order: {natural}"
            );
        } else {
            assert!(s[40].circulance_dlog.is_none());
        }
        // Alignment with the final M rises to 1.
        let align: Vec<f64> = s.iter().map(|r| r.alignment_to_final.unwrap()).collect();
        assert!(align[1] < align[40] && (align[40] - 1.0).abs() < 1e-12);
    }
}

//! Network front ends: the symmetry-acquisition diagnostic of network runs, resuming a network
//! run, and the Python-facing pieces that the Rust library carries.

use crate::common;
use common::{scratch, symrfm};

use symrfm::analysis::{AnalysisSpec, InvarianceProbe};
use symrfm::data::SplitSpec;
use symrfm::experiment::{network_from_report, ExperimentSpec, RunOptions};
use symrfm::group::{Operation, TaskSpec};
use symrfm::net::{NetInit, NetParams};
use symrfm::report::RunReport;
use symrfm::rfm::Control;
use symrfm::symmetry::{Subgroup, TaskSymmetry};

fn diag_spec(init: NetInit, batch: usize, split: SplitSpec) -> ExperimentSpec {
    ExperimentSpec {
        task: TaskSpec::new(Operation::Add, 11),
        split,
        net: Some(NetParams {
            width: 16,
            batch,
            steps: Some(200),
            agop_every: 100,
            eval_every: 50,
            init,
            ..NetParams::default()
        }),
        analysis: AnalysisSpec {
            symmetry_diagnostic: true,
            ..AnalysisSpec::default()
        },
        ..ExperimentSpec::default()
    }
}

fn s_orbit_split() -> SplitSpec {
    SplitSpec::Orbit {
        subgroup: "s".into(),
        fraction: 0.5,
        seed: 3,
    }
}

/// A network whose first layer is projected onto `<s>`-invariant weights and trained full batch
/// on an `<s>`-invariant split stays exactly invariant under s: the diagnostic restricted to s
/// has agreement 1 and no change at all, at every step. Under the whole Sym_f it is not invariant
/// (so the probe tells the two apart), and the run's recorded diagnostic is the probe applied to
/// the network at that step.
#[test]
fn an_s_invariant_network_has_full_agreement_under_s() {
    let save = RunOptions {
        save_model: true,
        ..RunOptions::default()
    };
    let spec = diag_spec(
        NetInit::Symmetric {
            subgroup: "s".into(),
        },
        0,
        s_orbit_split(),
    );
    let e = spec.validate().unwrap();
    let sym = TaskSymmetry::of(e.task());
    let s = Subgroup::parse(&sym, "s").unwrap();
    let probe_s = InvarianceProbe::for_subgroup(&sym, &s, e.split(), None).unwrap();
    let mut under_s = Vec::new();
    let out = e
        .run_network_from(&save, e.initial_network().unwrap(), &mut |state| {
            under_s.push(probe_s.measure_with(state.record.step, 0.0, state.net));
            Control::Continue
        })
        .unwrap();
    assert_eq!(under_s.len(), 5);
    for d in &under_s {
        assert!(d.pairs > 0);
        assert_eq!((d.agreement, d.mean_change), (1.0, 0.0), "{d:?}");
        assert_eq!(d.heldout_agreement, Some(1.0));
    }
    let report = &out.report;
    let steps = &report.network.as_ref().unwrap().steps;
    let diags = &report.symmetry_diagnostic;
    assert_eq!(diags.len(), steps.len());
    for (d, r) in diags.iter().zip(steps) {
        assert_eq!((d.iter, d.test_acc), (r.step, r.test_acc));
        assert_eq!(d.n_elements, 21, "Dih(Z_11) without the identity");
        assert!(d.relative_change > 1e-6, "not invariant under Sym_f: {d:?}");
    }
    let full = InvarianceProbe::new(&sym, e.split(), None).unwrap();
    let net = network_from_report(report).unwrap();
    let last = steps.last().unwrap();
    assert_eq!(
        diags.last().unwrap(),
        &full.measure_with(last.step, last.test_acc, &net)
    );
    // A random init on a random split with minibatches is not s-invariant.
    let spec = diag_spec(
        NetInit::Random,
        8,
        SplitSpec::Random {
            fraction: 0.5,
            seed: 0,
        },
    );
    let e = spec.validate().unwrap();
    let probe_s = InvarianceProbe::for_subgroup(&sym, &s, e.split(), None).unwrap();
    let mut first = None;
    e.run_network(&RunOptions::default(), &mut |state| {
        first.get_or_insert_with(|| probe_s.measure_with(0, 0.0, state.net));
        Control::Stop
    })
    .unwrap();
    assert!(first.unwrap().mean_change > 1e-6);
}

/// `run --model mlp --symmetry-diagnostic`: the lead line in steps and one diagnostic per
/// evaluation in the file; without the flag, none.
#[test]
fn cli_network_run_records_the_diagnostic() {
    let dir = scratch("net_front_diag");
    let args = [
        "run",
        "--model",
        "mlp",
        "--task",
        "add",
        "-p",
        "11",
        "--width",
        "16",
        "--steps",
        "40",
        "--eval-every",
        "10",
        "-q",
    ];
    let with: Vec<&str> = args
        .iter()
        .copied()
        .chain(["--symmetry-diagnostic", "--out", "d.json"])
        .collect();
    let out = common::ok(&symrfm(&with, &dir));
    assert!(
        out.contains("symmetry: held-out agreement >= 0.9 at step"),
        "{out}"
    );
    let report: RunReport = common::read(&dir.join("d.json"));
    let steps: Vec<usize> = report
        .network
        .as_ref()
        .unwrap()
        .steps
        .iter()
        .map(|r| r.step)
        .collect();
    assert_eq!(steps, [0, 10, 20, 30, 40]);
    let iters: Vec<usize> = report.symmetry_diagnostic.iter().map(|d| d.iter).collect();
    assert_eq!(iters, steps);
    let without: Vec<&str> = args.iter().copied().chain(["--out", "n.json"]).collect();
    let out = common::ok(&symrfm(&without, &dir));
    assert!(!out.contains("held-out agreement"), "{out}");
    let report: RunReport = common::read(&dir.join("n.json"));
    assert!(report.symmetry_diagnostic.is_empty());
}

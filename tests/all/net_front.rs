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

/// The report without what differs between two runs of the same parameters (timings, the
/// command line).
fn comparable(mut r: RunReport) -> RunReport {
    r.timings = Default::default();
    r.command_line.clear();
    if let Some(n) = r.network.as_mut() {
        n.seconds = Default::default();
        n.steps.iter_mut().for_each(|s| s.seconds = 0.0);
    }
    r
}

fn resume_spec(params: NetParams, steps: usize) -> ExperimentSpec {
    ExperimentSpec {
        task: TaskSpec::new(Operation::Add, 11),
        split: SplitSpec::FixedPoints {
            subgroup: "s".into(),
        },
        net: Some(NetParams {
            steps: Some(steps),
            eval_every: 10,
            agop_every: 20,
            ..params
        }),
        analysis: AnalysisSpec {
            symmetry_diagnostic: true,
            ..AnalysisSpec::default()
        },
        ..ExperimentSpec::default()
    }
}

/// N steps in one go equal N/2-ish steps (off the evaluation schedule, mid-epoch) continued to N,
/// and a run stopped by its observer continued: every record but the timings, the final weights
/// and the optimizer state, bit for bit; for the MLP with minibatches and the symmetry loss, SGD
/// with momentum, and the transformer.
#[test]
fn a_continued_network_run_is_the_uninterrupted_run() {
    use symrfm::experiment::NetResumption;
    use symrfm::net::{ModelKind, OptimizerKind};
    let cases = [
        NetParams {
            width: 12,
            batch: 8,
            symmetry_loss: 0.5,
            ..NetParams::default()
        },
        NetParams {
            width: 12,
            batch: 16,
            optimizer: OptimizerKind::Sgd,
            lr: 0.05,
            momentum: 0.9,
            weight_decay: 1e-3,
            ..NetParams::default()
        },
        NetParams {
            model: ModelKind::Transformer,
            d_model: Some(8),
            n_heads: Some(2),
            d_head: Some(4),
            d_mlp: Some(16),
            batch: 8,
            ..NetParams::default()
        },
    ];
    let go = |_: &symrfm::net::NetState<'_>| Control::Continue;
    for params in cases {
        let run = |steps: usize, stop_at: Option<usize>| {
            let e = resume_spec(params.clone(), steps).validate().unwrap();
            e.run_network(&RunOptions::default(), &mut |s| {
                if Some(s.record.step) == stop_at {
                    Control::Stop
                } else {
                    Control::Continue
                }
            })
            .unwrap()
            .report
        };
        let full = run(60, None);
        assert!(full.complete);
        let trap = full.trap.as_ref().expect("a trap record");
        assert!(trap.trapped_pairs > 0 && trap.asymmetry.len() == 7);
        assert_eq!(full.symmetry_diagnostic.len(), 7);
        for (part, steps) in [(run(25, None), Some(60)), (run(60, Some(30)), None)] {
            let resumption = NetResumption::new(part.clone(), steps).unwrap();
            assert_eq!(resumption.done(), if steps.is_some() { 25 } else { 30 });
            let resumed = resumption
                .run(&RunOptions::default(), &mut go.clone())
                .unwrap();
            assert_eq!(
                comparable(resumed.report),
                comparable(full.clone()),
                "{:?}",
                params.model
            );
        }
        // Not to fewer steps than done, nor from a file without the resume state.
        let part = run(25, None);
        assert!(NetResumption::new(part.clone(), Some(25)).is_err());
        assert!(NetResumption::new(part.clone(), None).is_err(), "complete");
        let mut old = part;
        old.network.as_mut().unwrap().resume = None;
        let e = NetResumption::new(old, Some(60)).unwrap_err().to_string();
        assert!(e.contains("resume state"), "{e}");
    }
}

/// `run --resume` on a network file: the joined file equals the uninterrupted run's; flags that
/// would change the numbers are refused.
#[test]
fn cli_resumes_a_network_run() {
    let dir = scratch("net_front_resume");
    let base = [
        "run",
        "--model",
        "mlp",
        "--task",
        "add",
        "-p",
        "11",
        "--width",
        "12",
        "--batch",
        "8",
        "--eval-every",
        "10",
        "--agop-every",
        "20",
        "--symmetry-diagnostic",
        "-q",
    ];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    let run = |args: Vec<String>| {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        symrfm(&a, &dir)
    };
    common::ok(&run(with(&["--steps", "40", "--out", "full.json"])));
    common::ok(&run(with(&["--steps", "15", "--out", "part.json"])));
    let out = common::ok(&symrfm(
        &["run", "--resume", "part.json", "--steps", "40", "-q"],
        &dir,
    ));
    assert!(out.contains("wrote part.json"), "{out}");
    let full: RunReport = common::read(&dir.join("full.json"));
    let joined: RunReport = common::read(&dir.join("part.json"));
    assert!(joined.complete);
    assert_eq!(comparable(joined), comparable(full));
    let refused = common::usage_error(&symrfm(
        &[
            "run",
            "--resume",
            "part.json",
            "--steps",
            "60",
            "--lr",
            "0.1",
        ],
        &dir,
    ));
    assert!(refused.contains("--lr"), "{refused}");
}

/// `report --strip` on a network run: one panel per recorded NFM, captioned with the optimizer
/// step and the test accuracy of the evaluation at that step (none off the evaluation schedule).
#[test]
fn the_strip_of_a_network_run_shows_the_nfm_over_the_steps() {
    let spec = ExperimentSpec {
        task: TaskSpec::new(Operation::Add, 7),
        net: Some(NetParams {
            width: 8,
            steps: Some(40),
            eval_every: 10,
            agop_every: 15,
            ..NetParams::default()
        }),
        ..ExperimentSpec::default()
    };
    let report = spec
        .validate()
        .unwrap()
        .run_network(&RunOptions::default(), &mut |_| Control::Continue)
        .unwrap()
        .report;
    let strip =
        symrfm::report::strip::matrix_strip(&report, std::path::Path::new("net.json")).unwrap();
    let acc = |step: usize| {
        let steps = &report.network.as_ref().unwrap().steps;
        steps.iter().find(|r| r.step == step).unwrap().test_acc
    };
    let captions: Vec<&str> = strip
        .figure
        .panels
        .iter()
        .map(|p| p.caption.as_str())
        .collect();
    assert_eq!(
        captions,
        [
            format!("step = 0 · test {:.3}", acc(0)),
            "step = 15 · not evaluated".to_string(),
            format!("step = 30 · test {:.3}", acc(30)),
            format!("step = 40 (final) · test {:.3}", acc(40)),
        ]
    );
    assert!(strip.figure.title.contains("NFM"), "{}", strip.figure.title);
    assert_eq!(strip.figure.panels[3].values.dim(), (14, 14));
    assert!(strip.caption.contains("optimizer step"));
}

/// `report --matrix` on a network run draws the NFM, its decomposition and the accuracy and loss
/// curves over the steps; `--strip` the NFMs over the steps.
#[test]
fn cli_report_figures_of_a_network_run() {
    let dir = scratch("net_front_report");
    common::ok(&symrfm(
        &[
            "run",
            "--model",
            "mlp",
            "--task",
            "add",
            "-p",
            "7",
            "--width",
            "8",
            "--steps",
            "40",
            "--eval-every",
            "10",
            "--agop-every",
            "20",
            "-q",
            "--out",
            "net.json",
        ],
        &dir,
    ));
    common::ok(&symrfm(
        &["report", "--matrix", "net.json", "--out", "figs"],
        &dir,
    ));
    for f in ["matrix-net", "accuracy-net", "loss-net"] {
        assert!(dir.join(format!("figs/{f}.png")).exists(), "{f}");
    }
    let svg = std::fs::read_to_string(dir.join("figs/accuracy-net.svg")).unwrap();
    assert!(svg.contains("optimizer step"));
    common::ok(&symrfm(
        &[
            "report", "--matrix", "net.json", "--strip", "--out", "strip",
        ],
        &dir,
    ));
    let svg = std::fs::read_to_string(dir.join("strip/strip-net.svg")).unwrap();
    for caption in ["step = 0", "step = 20", "step = 40 (final)"] {
        assert!(svg.contains(caption), "{caption}");
    }
}

/// A flag one model family does not read is refused in one line with exit 2, naming the flag and
/// its value, for `run` and `compare`, both ways; nothing is written.
#[test]
fn flags_of_the_other_model_family_are_usage_errors() {
    let dir = scratch("net_front_model_flags");
    for (args, names) in [
        (
            &[
                "run", "--model", "mlp", "-p", "11", "--iters", "5", "--out", "a.json",
            ][..],
            &["--iters", "5", "RFM runs only"][..],
        ),
        (
            &[
                "run",
                "--model",
                "transformer",
                "-p",
                "11",
                "--structure",
                "--out",
                "a.json",
            ],
            &["--structure", "RFM runs only"],
        ),
        (
            &[
                "run",
                "--model",
                "mlp",
                "-p",
                "11",
                "--project",
                "commutant:s",
                "--out",
                "a.json",
            ],
            &["--project", "commutant:s"],
        ),
        (
            &[
                "compare", "--model", "mlp", "-p", "11", "--ridge", "0.5", "--out", "a.json",
            ],
            &["--ridge", "0.5"],
        ),
        (
            &["run", "-p", "11", "--steps", "30", "--out", "a.json"],
            &["--model", "--steps"],
        ),
        (
            &["compare", "-p", "11", "--lr", "0.1", "--out", "a.json"],
            &["--model", "--lr"],
        ),
    ] {
        let err = common::usage_error(&symrfm(args, &dir));
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        for name in names {
            assert!(err.contains(name), "{args:?}: {err}");
        }
        assert!(!dir.join("a.json").exists(), "{args:?} wrote a file");
    }
    // Shared flags go to both families.
    common::ok(&symrfm(
        &[
            "run",
            "--model",
            "mlp",
            "-p",
            "7",
            "--width",
            "4",
            "--steps",
            "3",
            "--threads",
            "1",
            "--seed",
            "2",
            "-q",
            "--out",
            "b.json",
        ],
        &dir,
    ));
}

/// The transformer's symmetric init (`symmetric:H`: token embeddings averaged over H's orbits,
/// the two operand positions' embeddings averaged when H exchanges the operands) makes its
/// output invariant under H, and full-batch training on an H-invariant split keeps it so (to
/// rounding: attention sums its keys in another order for the exchanged pair); a random init is
/// not invariant. A perturbed symmetric init is not invariant either.
#[test]
fn a_symmetric_transformer_stays_invariant_under_its_subgroup() {
    let tiny = |init: NetInit, perturb: f64, subgroup: &str| ExperimentSpec {
        task: TaskSpec::new(Operation::Add, 11),
        split: SplitSpec::Orbit {
            subgroup: subgroup.into(),
            fraction: 0.5,
            seed: 3,
        },
        net: Some(NetParams {
            model: symrfm::net::ModelKind::Transformer,
            d_model: Some(8),
            n_heads: Some(2),
            d_head: Some(4),
            d_mlp: Some(16),
            batch: 0,
            steps: Some(60),
            eval_every: 20,
            agop_every: 60,
            init,
            perturb,
            ..NetParams::default()
        }),
        ..ExperimentSpec::default()
    };
    for subgroup in ["s", "r", "r,s"] {
        let changes = |init: NetInit, perturb: f64| -> Vec<f64> {
            let e = tiny(init, perturb, subgroup).validate().unwrap();
            let sym = TaskSymmetry::of(e.task());
            let h = Subgroup::parse(&sym, subgroup).unwrap();
            let probe = InvarianceProbe::for_subgroup(&sym, &h, e.split(), None).unwrap();
            let mut out = Vec::new();
            e.run_network(&RunOptions::default(), &mut |state| {
                let d = probe.measure_with(state.record.step, 0.0, state.net);
                assert!(d.pairs > 0);
                out.push(d.relative_change);
                Control::Continue
            })
            .unwrap();
            out
        };
        let symmetric = NetInit::Symmetric {
            subgroup: subgroup.into(),
        };
        let sym = changes(symmetric.clone(), 0.0);
        assert_eq!(sym.len(), 4, "{subgroup}");
        assert!(sym.iter().all(|&c| c < 1e-12), "{subgroup}: {sym:?}");
        let random = changes(NetInit::Random, 0.0);
        assert!(random[0] > 1e-4, "{subgroup}: {random:?}");
        let perturbed = changes(symmetric, 0.1);
        assert!(perturbed[0] > 1e-4, "{subgroup}: {perturbed:?}");
    }
}

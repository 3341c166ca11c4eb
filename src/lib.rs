//! # symrfm
//!
//! Recursive Feature Machines (RFM) on algebraic tasks, built to study how the symmetry of the
//! training split decides whether the learned kernel generalizes.
//!
//! The tree mirrors the concepts, each module using only those before it: [`group`] (finite groups and tasks), [`data`] (dataset and splits),
//! [`symmetry`] (the dihedral symmetry group of a task, subgroups, symmetric and broken splits),
//! [`kernel`] (kernel kinds and their gradients), [`solve`] (kernel ridge regression), [`rfm`]
//! (the iteration loop, the AGOP and the memory estimate), [`analysis`] (decomposition of feature matrices into group
//! elements, block structure), [`naive`] (slow dense reference implementations used by tests),
//! [`report`] (the versioned JSON output and its typed reader), [`experiment`] (a specification in, a
//! report and a fitted model out: the entry point of every front end), [`sweep`] (grids of
//! experiments), [`output`] (atomic writers) and [`linalg`] (the bridge between ndarray and faer).
//!
//! One experiment, from a specification to a fitted model and its analysis ([`experiment`]):
//!
//! ```
//! use symrfm::analysis::{analyze_matrix, AnalysisOptions};
//! use symrfm::experiment::{ExperimentSpec, RunOptions};
//! use symrfm::group::{Operation, TaskSpec};
//! use symrfm::rfm::Control;
//!
//! // (a + b) mod 11, a random half of the 121 pairs for training, 3 RFM iterations.
//! let mut spec = ExperimentSpec::default();
//! spec.task = TaskSpec::new(Operation::Add, 11);
//! spec.params.iters = 3;
//! let experiment = spec.validate()?; // bad values are named: `params.iters`, `split.fraction`
//! let outcome = experiment.run(&RunOptions::default(), &mut |_| Control::Continue)?;
//! // The model predicts any pair a·n + b; on the test pairs it gives the report's accuracy.
//! let test = &experiment.split().test;
//! let labels = outcome.model.predict_labels(test)?;
//! let hits = test.iter().zip(&labels).filter(|(&k, &y)| experiment.task().labels()[k] as usize == y);
//! assert_eq!(hits.count() as f64 / test.len() as f64, outcome.report.summary.final_test_acc);
//! // Which group elements does the final M encode?
//! let m = outcome.report.final_m().unwrap().unwrap();
//! let analysis = analyze_matrix(experiment.task(), m.view(), &AnalysisOptions::default())?;
//! assert!(analysis.group.is_some()); // Dih(Z_11): α_g for each of its 22 elements
//! # Ok::<(), symrfm::Error>(())
//! ```
//!
//! Lower layers are usable on their own, e.g. the training loop:
//!
//! ```
//! use symrfm::data::{Split, SplitSpec};
//! use symrfm::group::{Operation, Task, TaskSpec};
//! use symrfm::rfm::{train, Control, RfmParams};
//!
//! // (a + b) mod 11, half of the 121 pairs for training, 3 RFM iterations.
//! let task = Task::new(TaskSpec::new(Operation::Add, 11))?;
//! let split = Split::build(&task, &SplitSpec::Random { fraction: 0.5, seed: 0 })?;
//! let params = RfmParams { iters: 3, ..RfmParams::default() };
//! let out = train(&task, &split, &params, None, None, &mut |_| Control::Continue)?;
//! assert_eq!(out.iterations.len(), 3);
//! assert_eq!(out.iterations[0].train_acc, 1.0); // λ = 0 interpolates
//! assert_eq!(out.final_m().unwrap().dim(), (22, 22));
//! # Ok::<(), symrfm::Error>(())
//! ```

pub mod analysis;
pub mod data;
pub mod error;
pub mod experiment;
pub mod gram;
pub mod group;
pub mod kernel;
pub mod linalg;
pub mod naive;
pub mod net;
pub mod output;
pub mod parallel;
pub mod perf;
pub mod plot;
pub mod report;
pub mod rfm;
pub mod simd;
pub mod solve;
pub mod sweep;
pub mod symmetry;

pub use error::{Error, Result};

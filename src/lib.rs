//! # symrfm
//!
//! Recursive Feature Machines (RFM) on algebraic tasks, built to study how the symmetry of the
//! training split decides whether the learned kernel generalizes.
//!
//! The tree mirrors the concepts: [`group`] (finite groups and tasks), [`data`] (dataset and splits),
//! [`symmetry`] (the dihedral symmetry group of a task, subgroups, symmetric and broken splits),
//! [`kernel`] (kernel kinds and their gradients), [`solve`] (kernel ridge regression), [`rfm`]
//! (the iteration loop and the AGOP), [`analysis`] (decomposition of feature matrices into group
//! elements, block structure), [`naive`] (slow dense reference implementations used by tests),
//! [`report`] (the versioned JSON output) and [`linalg`] (the bridge between ndarray and faer).
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
pub mod gram;
pub mod group;
pub mod kernel;
pub mod linalg;
pub mod naive;
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

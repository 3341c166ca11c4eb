//! One experiment, from a specification to a report and a fitted model: the single entry point
//! that every front end (the CLI's `run`, `compare` and `sweep`, the Python package) uses.
//!
//! ```text
//! ExperimentSpec ──validate()──▶ Experiment ──run()──▶ Outcome { report, model, warnings }
//! (serde: a run file's           (only valid values:   (RunReport: the run file;
//!  parameters, a sweep job)       task, split, M_0)     Model: predicts any pairs)
//!
//! RunReport ──Resumption::new()──▶ Resumption ──run()──▶ Outcome (the joined run)
//! ```

pub mod ill_posed;
pub mod model;
pub mod net_resume;
pub mod network;
pub mod resume;
pub mod run;
pub mod spec;

pub use model::Model;
pub use net_resume::NetResumption;
pub use network::{network_from_report, NetOutcome};
pub use resume::Resumption;
pub use run::{Outcome, RunOptions};
pub use spec::{Experiment, ExperimentSpec};

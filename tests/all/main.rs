//! The integration tests, linked into one binary (`cargo test --release --test all`).
//!
//! One binary instead of one per file: each `tests/*.rs` file used to be linked on its own against
//! the whole library, which dominated CI time. To add a test file: put it in `tests/all/`, add a
//! `mod <file>;` line below, and use the shared helpers with `use crate::common;` (run the binary,
//! check exits, read JSON: see `common.rs`). Run one file's tests with
//! `cargo test --release --test all <file>::`.
//!
//! All tests share one process: use `common::scratch` for directories (unique per test), never
//! change the working directory or environment of the process, and measure process-wide
//! quantities (peak memory) in a child process, as `perf.rs` does.

mod common;

mod any_group_splits;
mod architecture;
mod behaviour;
mod cli;
mod decompose_cli;
mod docs;
mod edge_cases;
mod experiment_api;
mod first_hour;
mod first_hour_files;
mod first_hour_resume;
mod first_hour_signals;
mod fuzz_cli;
mod golden;
mod interventions;
mod interventions_any_group;
mod interventions_sweep;
mod isotypic;
mod net;
mod net_f32;
mod net_front;
mod numerics;
mod peers_claims;
mod perf;
mod pinned;
mod report_strip;
mod slurm;
mod structure_science;
mod sweep;
mod sym;
mod symmetry_cli;
mod symmetry_group_cli;
mod symmetry_theory;
mod tfmwire;
mod transformer;

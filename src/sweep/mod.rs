//! Sweeps: grids of jobs with stable ids, run in parallel, recorded safely, sharded over machines,
//! merged and summarized.
//!
//! - [`grid`]: a grid file (base configuration + axes) expands into [`job::Job`]s, each with a stable
//!   id (SHA-256 of its canonical configuration).
//! - [`exec`]: runs jobs N at a time with cores / N threads each, appending one [`line::ResultLine`]
//!   per finished job to a results file ([`store`]: single-write `O_APPEND` lines, `fsync`, a torn
//!   last line truncated on restart), so a killed sweep resumes where it stopped.
//! - [`shard`]: `I/N` slices by job index modulo N; [`merge`] joins the shards' files against the
//!   grid and names the missing jobs per shard.
//! - [`summary`] and [`figures`]: mean ± std over seeds as markdown/CSV, and the PNG/SVG figures of
//!   `symrfm report` (drawn by [`crate::plot`]).

pub mod exec;
pub mod figures;
pub mod grid;
pub mod job;
pub use crate::report::line;
pub mod merge;
pub mod shard;
pub mod store;
pub mod summary;

pub use grid::Grid;
pub use job::{Job, JobKind, RunJob};
pub use line::{JobStatus, ResultLine};
pub use shard::Shard;
pub use store::{read_results, ResultsLog};

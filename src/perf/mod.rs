//! Measuring the engine: flop counts per stage, the machine's own GEMM rate, the dense formulation
//! of the AGOP as a comparator, a cost model for predicting a run's time, and the benchmark behind
//! `symrfm bench` (results in `results/bench.md` and `results/bench.json`).

pub mod bench;
pub mod dense_agop;
pub mod flops;
pub mod forecast;
pub mod machine;
pub mod markdown;
pub mod model;
pub mod net_bench;

pub use bench::{run_bench, BenchConfig, BenchReport};
pub use flops::StageWork;
pub use forecast::Forecast;
pub use model::{PowerLaw, StageRates};

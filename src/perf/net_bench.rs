//! `symrfm bench --network`: optimizer steps per second of the reference's default MLP, the
//! two-layer net and the transformer, and the time of one network AGOP, beside reference numbers
//! measured on the same machine: the reference repository's `OneLayerFCN` for the `mlp` row
//! (`scripts/bench_reference_net.py`) and PyTorch running our transformer for the `transformer`
//! row (`scripts/bench_reference_transformer.py`).

use super::machine::Machine;
use crate::data::{Split, SplitSpec};
use crate::error::Result;
use crate::group::{Operation, Task, TaskSpec};
use crate::net::{self, NetData, NetParams, Network};
use crate::rfm::{Control, Precision};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// What to time.
#[derive(Clone, Debug, PartialEq)]
pub struct NetBenchConfig {
    /// Modulus p of `add mod p` (training fraction 0.5, split seed 0).
    pub modulus: u64,
    /// Hidden width.
    pub width: usize,
    /// Minibatch size.
    pub batch: usize,
    /// Timed optimizer steps per repetition.
    pub steps: usize,
    /// Repetitions (medians are reported).
    pub repeats: usize,
    /// Worker threads for the AGOP (training steps are sequential).
    pub threads: usize,
    /// Reference numbers on this machine, if measured, at most one per model (`mlp`,
    /// `transformer`): seconds per step (and per AGOP).
    pub references: Vec<ReferenceTimes>,
}

/// A reference's times on this machine: the reference repository's `OneLayerFCN` (model `mlp`,
/// from `scripts/bench_reference_net.py`) or PyTorch running our transformer (model
/// `transformer`, from `scripts/bench_reference_transformer.py`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReferenceTimes {
    /// The row it is compared with (`mlp` when absent, as in files written before the field).
    #[serde(default = "default_reference_model")]
    pub model: String,
    /// Seconds per optimizer step (for `mlp`: of `train_net.py`'s loop).
    pub seconds_per_step: f64,
    /// Seconds of one `agop_utils.calc_full_agop` (`mlp` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agop_seconds: Option<f64>,
    /// Where the numbers come from (script, torch version, threads, load average).
    pub source: String,
}

fn default_reference_model() -> String {
    "mlp".into()
}

/// One network row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetBenchRow {
    /// The model (`mlp`, `mlp2`, `transformer`).
    pub model: String,
    /// The training type (`net.precision`; absent for f64, as in files written before the field).
    /// The AGOP and NFA columns are the same f64 computation on the weights widened to f64.
    #[serde(default, skip_serializing_if = "Precision::is_f64")]
    pub precision: Precision,
    /// Median seconds per optimizer step (forward, backward, AdamW).
    pub seconds_per_step: f64,
    /// 1 / seconds_per_step.
    pub steps_per_second: f64,
    /// Median seconds of one AGOP (uncentered and centered, closed form) over the training set.
    pub agop_seconds: f64,
    /// Median seconds of the NFA correlations (√AGOP by eigendecomposition).
    pub nfa_seconds: f64,
    /// Reference seconds per step / ours (f64 rows with a reference of their model: `mlp` against
    /// the reference repository, `transformer` against PyTorch running the same model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_speedup: Option<f64>,
    /// Reference AGOP seconds / ours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agop_speedup: Option<f64>,
}

/// The network benchmark.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetBenchReport {
    /// The machine, with the load average before the measurements.
    pub machine: Machine,
    /// The load average after the measurements.
    pub load_average_after: [f64; 3],
    /// Task.
    pub task: String,
    /// Training pairs.
    pub n_train: usize,
    /// Hidden width.
    pub width: usize,
    /// Minibatch size.
    pub batch: usize,
    /// Timed steps per repetition.
    pub steps: usize,
    /// Repetitions.
    pub repeats: usize,
    /// Threads of the AGOP.
    pub threads: usize,
    /// The rows.
    pub rows: Vec<NetBenchRow>,
    /// The reference repository's times (the `mlp` row's), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<ReferenceTimes>,
    /// PyTorch's times on our transformer (the `transformer` row's), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transformer_reference: Option<ReferenceTimes>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs the network benchmark.
pub fn run_net_bench(
    config: &NetBenchConfig,
    progress: &mut dyn FnMut(&str),
) -> Result<NetBenchReport> {
    let machine = Machine::current();
    let task = Task::new(TaskSpec::new(Operation::Add, config.modulus))?;
    let split = Split::build(
        &task,
        &SplitSpec::Random {
            fraction: 0.5,
            seed: 0,
        },
    )?;
    let n = task.n_symbols();
    let train = NetData::from_pairs(n, &split.train, task.labels());
    let test = NetData::from_pairs(n, &split.test, task.labels());
    let mut rows = Vec::new();
    // The transformer row: Nanda et al.'s sizes (d_model 128, 4 heads of 32, d_mlp 512), the same
    // batch, loss and optimizer as the MLP rows.
    // Each model in f64 (compared with the reference) and in f32 (`net.precision = "f32"`).
    let models = [
        net::ModelKind::Mlp,
        net::ModelKind::Mlp2,
        net::ModelKind::Transformer,
    ];
    for (model, precision) in models
        .into_iter()
        .flat_map(|m| [(m, Precision::F64), (m, Precision::F32)])
    {
        let params = NetParams {
            model,
            precision,
            width: config.width,
            batch: config.batch,
            steps: Some(config.steps),
            eval_every: config.steps,
            agop_every: config.steps,
            threads: config.threads,
            ..NetParams::default()
        };
        let mut step_times = Vec::new();
        let mut last = None;
        for r in 0..config.repeats {
            let network = Network::random(
                &NetParams {
                    seed: r as u64,
                    ..params.clone()
                },
                n,
                task.n_classes(),
            )?;
            let out = net::train(network, &params, &train, &test, None, &mut |_| {
                Control::Continue
            })?;
            step_times.push(out.seconds.train / config.steps as f64);
            last = Some(out.net);
        }
        let trained = last.expect("at least one repetition");
        let mut agop_times = Vec::new();
        let mut nfa_times = Vec::new();
        for _ in 0..config.repeats {
            let t0 = Instant::now();
            let (agop, _) = trained.agop(&train.a, &train.b, config.threads);
            agop_times.push(t0.elapsed().as_secs_f64());
            let nfm = trained.nfm();
            let t0 = Instant::now();
            net::features::nfa_correlations(agop.view(), nfm.view())?;
            nfa_times.push(t0.elapsed().as_secs_f64());
        }
        let sps = median(step_times);
        let agop_s = median(agop_times);
        // The references run in float64: only the f64 rows are compared with them.
        let reference = config
            .reference_for(model.name())
            .filter(|_| precision.is_f64());
        let row = NetBenchRow {
            model: model.name().into(),
            precision,
            seconds_per_step: sps,
            steps_per_second: 1.0 / sps,
            agop_seconds: agop_s,
            nfa_seconds: median(nfa_times),
            step_speedup: reference.map(|r| r.seconds_per_step / sps),
            agop_speedup: reference.and_then(|r| r.agop_seconds.map(|s| s / agop_s)),
        };
        progress(&format!(
            "{} {}: {:.1} µs per step ({:.0} steps/s), AGOP {:.2} ms",
            row.model,
            if precision.is_f64() { "f64" } else { "f32" },
            sps * 1e6,
            row.steps_per_second,
            agop_s * 1e3
        ));
        rows.push(row);
    }
    Ok(NetBenchReport {
        machine,
        load_average_after: super::machine::load_average(),
        task: task.describe(),
        n_train: train.len(),
        width: config.width,
        batch: config.batch,
        steps: config.steps,
        repeats: config.repeats,
        threads: config.threads,
        rows,
        reference: config.reference_for("mlp").cloned(),
        transformer_reference: config.reference_for("transformer").cloned(),
    })
}

impl NetBenchConfig {
    /// The reference of the row `model`, if given.
    pub fn reference_for(&self, model: &str) -> Option<&ReferenceTimes> {
        self.references.iter().find(|r| r.model == model)
    }
}

impl NetBenchReport {
    /// The report as Markdown.
    pub fn to_markdown(&self) -> String {
        let m = &self.machine;
        let la = |l: [f64; 3]| format!("{:.2} {:.2} {:.2}", l[0], l[1], l[2]);
        let mut s = String::new();
        s.push_str("# symrfm bench --network\n\n");
        s.push_str(&format!(
            "{} ({} logical CPUs, {}); load average {} before, {} after (1, 5, 15 min).\n\n",
            m.cpu_model,
            m.cores,
            m.simd.join(" "),
            la(m.load_average),
            la(self.load_average_after)
        ));
        s.push_str(&format!(
            "{}, {} training pairs (fraction 0.5, seed 0); width {} (transformer: d_model 128, 4 heads of 32, \
             d_mlp 512), batch {}, AdamW, MSE, trained in float64 (rows marked f32: in float32, \
             `--precision f32`; their AGOP is the same float64 computation on the widened weights); \
             medians of {} repetitions of {} steps; AGOP over the training pairs on {} thread(s).\n\n",
            self.task, self.n_train, self.width, self.batch, self.repeats, self.steps, self.threads
        ));
        s.push_str("| model | µs per step | steps/s | AGOP (ms) | NFA corr. (ms) | step speed-up vs reference | AGOP speed-up vs reference |\n");
        s.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
        let x = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{v:.1}×"));
        for r in &self.rows {
            let name = if r.precision.is_f64() {
                r.model.clone()
            } else {
                format!("{} (f32)", r.model)
            };
            s.push_str(&format!(
                "| {} | {:.1} | {:.0} | {:.2} | {:.2} | {} | {} |\n",
                name,
                r.seconds_per_step * 1e6,
                r.steps_per_second,
                r.agop_seconds * 1e3,
                r.nfa_seconds * 1e3,
                x(r.step_speedup),
                x(r.agop_speedup)
            ));
        }
        if let Some(r) = &self.reference {
            let agop = r.agop_seconds.map_or(String::new(), |a| {
                format!(", {a:.2} s per `calc_full_agop`")
            });
            s.push_str(&format!(
                "\nReference of the `mlp` row (rfm-grokking 73181df `OneLayerFCN`, torch, float64): {:.1} µs per \
                 step{agop}; source: {}.\n",
                r.seconds_per_step * 1e6,
                r.source
            ));
        }
        if let Some(r) = &self.transformer_reference {
            s.push_str(&format!(
                "\nReference of the `transformer` row (PyTorch running the same model, \
                 scripts/torch_transformer_fixture.py, float64; no AGOP timed): {:.1} µs per step; source: {}.\n",
                r.seconds_per_step * 1e6,
                r.source
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_files_of_both_kinds_load_and_reach_their_rows() {
        // A file written before the `model` field (results/bench-net-reference.json) is the mlp's.
        let mlp: ReferenceTimes = serde_json::from_str(
            r#"{"seconds_per_step": 0.002, "agop_seconds": 27.0, "source": "ref"}"#,
        )
        .unwrap();
        assert_eq!((mlp.model.as_str(), mlp.agop_seconds), ("mlp", Some(27.0)));
        // scripts/bench_reference_transformer.py's file: extra fields, no AGOP.
        let tfm: ReferenceTimes = serde_json::from_str(
            r#"{"model": "transformer", "seconds_per_step": 0.004,
                "seconds_per_step_full": 0.008, "source": "torch"}"#,
        )
        .unwrap();
        assert_eq!(tfm.agop_seconds, None);
        let config = NetBenchConfig {
            modulus: 61,
            width: 256,
            batch: 32,
            steps: 1,
            repeats: 1,
            threads: 1,
            references: vec![mlp.clone(), tfm.clone()],
        };
        assert_eq!(config.reference_for("mlp"), Some(&mlp));
        assert_eq!(config.reference_for("transformer"), Some(&tfm));
        assert_eq!(config.reference_for("mlp2"), None);
        let row = |model: &str, s: f64, r: Option<&ReferenceTimes>| NetBenchRow {
            model: model.into(),
            precision: Precision::F64,
            seconds_per_step: s,
            steps_per_second: 1.0 / s,
            agop_seconds: 0.5,
            nfa_seconds: 0.1,
            step_speedup: r.map(|r| r.seconds_per_step / s),
            agop_speedup: r.and_then(|r| r.agop_seconds.map(|a| a / 0.5)),
        };
        let report = NetBenchReport {
            machine: Machine::current(),
            load_average_after: [0.0; 3],
            task: "add".into(),
            n_train: 1,
            width: 256,
            batch: 32,
            steps: 1,
            repeats: 1,
            threads: 1,
            rows: vec![
                row("mlp", 0.001, Some(&mlp)),
                NetBenchRow {
                    precision: Precision::F32,
                    ..row("mlp", 0.0005, None)
                },
                row("transformer", 0.001, Some(&tfm)),
            ],
            reference: Some(mlp),
            transformer_reference: Some(tfm),
        };
        let md = report.to_markdown();
        assert!(
            md.contains("| mlp | 1000.0 | 1000 | 500.00 | 100.00 | 2.0× | 54.0× |"),
            "{md}"
        );
        assert!(
            md.contains("| transformer | 1000.0 | 1000 | 500.00 | 100.00 | 4.0× | – |"),
            "{md}"
        );
        // An f32 row: named so, not compared with the (float64) reference.
        assert!(
            md.contains("| mlp (f32) | 500.0 | 2000 | 500.00 | 100.00 | – | – |"),
            "{md}"
        );
        // Rows of f64 runs carry no precision field (files written before it load).
        let json = serde_json::to_value(&report).unwrap();
        assert!(json["rows"][0].get("precision").is_none());
        assert_eq!(json["rows"][1]["precision"], "f32");
        assert!(md.contains("Reference of the `transformer` row"), "{md}");
        let back: NetBenchReport =
            serde_json::from_str(&serde_json::to_string(&report).unwrap()).unwrap();
        assert_eq!(back, report);
    }
}

//! `symrfm bench`: per-stage time and GFLOP/s for several moduli, the structured AGOP against the
//! dense formulation, the machine's GEMM ceiling, f32 against f64; writes results/bench.md and
//! results/bench.json.

use anyhow::Result;
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};
use symrfm::perf::bench::ChildRunConfig;
use symrfm::perf::{run_bench, BenchConfig};
use symrfm::report::RunReport;
use symrfm::rfm::Precision;
use symrfm::solve::Backend;
use symrfm::Error;

/// Which backends to time.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendArg {
    /// faer (pure Rust).
    Faer,
    /// LAPACK on the system OpenBLAS (needs the `openblas` cargo feature).
    Openblas,
    /// Every backend in this build.
    All,
}

/// `symrfm bench`.
#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Moduli p of `add mod p` (training fraction 0.5, seed 0), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "31,61,97,127")]
    pub moduli: Vec<u64>,
    /// Timed iterations per modulus (medians are reported).
    #[arg(long, default_value_t = 3)]
    pub iters: usize,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Compare with the dense AGOP formulation for p up to this (it needs 2n·c·d + 3n² values).
    #[arg(long, default_value_t = 61)]
    pub dense_max_p: u64,
    /// Side of the square matrix product that measures the machine's ceiling.
    #[arg(long, default_value_t = 2000)]
    pub gemm_size: usize,
    /// Moduli of full runs in f64 and f32 (accuracy of f32, total time), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "61")]
    pub full_runs: Vec<u64>,
    /// No full runs.
    #[arg(long, conflicts_with = "full_runs")]
    pub no_full_runs: bool,
    /// Iterations of a full run.
    #[arg(long, default_value_t = 50)]
    pub full_iters: usize,
    /// Named groups whose `mul` task is timed against `add` mod |G| (time per iteration, peak
    /// memory, the model's prediction), comma-separated; S5 has n = 120 symbols, 7,200 training
    /// pairs.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "S5",
        value_name = "GROUPS"
    )]
    pub group_runs: Vec<String>,
    /// No group runs.
    #[arg(long, conflicts_with = "group_runs")]
    pub no_group_runs: bool,
    /// Iterations of each group run.
    #[arg(long, default_value_t = 5)]
    pub group_iters: usize,
    /// Backends to time.
    #[arg(long, value_enum, default_value = "all")]
    pub backend: BackendArg,
    /// Only the network rows: steps per second of the default MLP (and the two-layer net and
    /// the transformer) on add mod --net-modulus and the time of one network AGOP; writes
    /// bench-net.md and bench-net.json instead of bench.md and bench.json, and replaces the
    /// network section of an existing bench.md in the output directory (kept by later full runs).
    #[arg(long)]
    pub network: bool,
    /// Modulus of the network rows.
    #[arg(long, default_value_t = 61)]
    pub net_modulus: u64,
    /// Timed optimizer steps per repetition of the network rows.
    #[arg(long, default_value_t = 2000)]
    pub net_steps: usize,
    /// Reference times on this machine, printed beside ours with the speed-ups; repeat the flag
    /// for both: JSON written by scripts/bench_reference_net.py (the reference repository's
    /// `OneLayerFCN`, compared with the `mlp` row) or by scripts/bench_reference_transformer.py
    /// (PyTorch running our transformer, `"model": "transformer"`, compared with the
    /// `transformer` row). Fields: `model` (default `mlp`), `seconds_per_step`, `agop_seconds`
    /// (optional), `source`.
    #[arg(long, value_name = "FILE")]
    pub net_reference: Vec<PathBuf>,
    /// Directory for bench.md and bench.json.
    #[arg(long, default_value = "results")]
    pub out_dir: PathBuf,
    /// Overwrite bench.json and bench.md if they exist (without it an existing result is never
    /// overwritten: the command is refused before any work, exit code 2).
    #[arg(long)]
    pub force: bool,
    /// No progress output.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

impl BenchArgs {
    /// The validated configuration.
    pub fn config(&self) -> symrfm::Result<BenchConfig> {
        if let Some(&p) = self
            .moduli
            .iter()
            .chain(&self.full_runs)
            .find(|&&p| !(2..=4096).contains(&p))
        {
            return Err(Error::param("--moduli", p, "moduli from 2 to 4096"));
        }
        if self.moduli.is_empty() {
            return Err(Error::param("--moduli", "(none)", "at least one modulus"));
        }
        for (flag, v) in [
            ("--iters", self.iters),
            ("--full-iters", self.full_iters),
            ("--group-iters", self.group_iters),
        ] {
            if v == 0 {
                return Err(Error::param(flag, 0, "an integer ≥ 1"));
            }
        }
        if !self.no_group_runs {
            for g in &self.group_runs {
                symrfm::group::parse_group_name(g).map_err(|e| e.renamed("--group-runs"))?;
            }
        }
        if !(1..=20_000).contains(&self.gemm_size) {
            return Err(Error::param("--gemm-size", self.gemm_size, "1 to 20000"));
        }
        let backends = match self.backend {
            BackendArg::Faer => vec![Backend::Faer],
            BackendArg::Openblas if !Backend::OpenBlas.available() => {
                return Err(Error::param(
                    "--backend",
                    "openblas",
                    "faer or all (this build has no `openblas` cargo feature)",
                ))
            }
            BackendArg::Openblas => vec![Backend::OpenBlas],
            BackendArg::All => Backend::all_available(),
        };
        Ok(BenchConfig {
            moduli: self.moduli.clone(),
            iters: self.iters,
            threads: self.threads,
            dense_max_p: self.dense_max_p,
            gemm_size: self.gemm_size,
            full_runs: if self.no_full_runs {
                Vec::new()
            } else {
                self.full_runs.clone()
            },
            full_iters: self.full_iters,
            backends,
            group_runs: if self.no_group_runs {
                Vec::new()
            } else {
                self.group_runs.clone()
            },
            group_iters: self.group_iters,
        })
    }
}

/// Runs `symrfm bench`.
pub fn run(args: &BenchArgs) -> Result<()> {
    if args.network {
        return run_network(args);
    }
    let config = args.config()?;
    let json = args.out_dir.join("bench.json");
    let md = args.out_dir.join("bench.md");
    super::flags::prepare_output(&json, args.force, args.quiet)?;
    super::flags::prepare_output(&md, args.force, args.quiet)?;
    // Child runs (peak memory, full runs) write their outputs here and remove them.
    let scratch = std::env::temp_dir().join(format!("symrfm-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let exe = std::env::current_exe()?;
    let runner = |c: &ChildRunConfig| child_run(&exe, &scratch, c);
    let quiet = args.quiet;
    let report = run_bench(&config, Some(&runner), &mut |msg| {
        if !quiet {
            errln!("bench: {msg}");
        }
    })?;
    let _ = std::fs::remove_dir_all(&scratch);
    symrfm::report::write_json_atomic(&json, &report)?;
    // Keep the network section that `bench --network` wrote into the previous bench.md.
    let old = std::fs::read_to_string(&md).unwrap_or_default();
    let text = symrfm::perf::markdown::keep_network_section(&old, &report.to_markdown());
    symrfm::report::write::write_atomic(&md, text.as_bytes())?;
    if !quiet {
        for line in report.targets() {
            outln!("{line}");
        }
    }
    outln!("wrote {} and {}", md.display(), json.display());
    Ok(())
}

/// `symrfm bench --network`.
fn run_network(args: &BenchArgs) -> Result<()> {
    if !(2..=4096).contains(&args.net_modulus) {
        return Err(
            Error::param("--net-modulus", args.net_modulus, "moduli from 2 to 4096").into(),
        );
    }
    if args.net_steps == 0 || args.iters == 0 {
        return Err(Error::param("--net-steps", args.net_steps, "an integer ≥ 1").into());
    }
    let json = args.out_dir.join("bench-net.json");
    let md = args.out_dir.join("bench-net.md");
    // An existing bench.md gets the network rows as a section of its own (replaced on a rerun).
    let bench_md = args.out_dir.join("bench.md");
    super::flags::prepare_output(&json, args.force, args.quiet)?;
    super::flags::prepare_output(&md, args.force, args.quiet)?;
    if bench_md.exists() {
        super::flags::prepare_output(&bench_md, args.force, args.quiet)?;
    }
    let mut references: Vec<symrfm::perf::net_bench::ReferenceTimes> = Vec::new();
    for path in &args.net_reference {
        let text = std::fs::read_to_string(path).map_err(|e| Error::InvalidInput {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let r: symrfm::perf::net_bench::ReferenceTimes =
            serde_json::from_str(&text).map_err(|e| Error::InvalidInput {
                path: path.clone(),
                reason: format!("expected model, seconds_per_step, agop_seconds, source: {e}"),
            })?;
        if r.model != "mlp" && r.model != "transformer" {
            return Err(Error::InvalidInput {
                path: path.clone(),
                reason: format!("model {:?}: expected \"mlp\" or \"transformer\"", r.model),
            }
            .into());
        }
        if references.iter().any(|o| o.model == r.model) {
            return Err(Error::param(
                "--net-reference",
                path.display(),
                format!("at most one file per model ({} given twice)", r.model),
            )
            .into());
        }
        references.push(r);
    }
    let config = symrfm::perf::net_bench::NetBenchConfig {
        modulus: args.net_modulus,
        width: 256,
        batch: 32,
        steps: args.net_steps,
        repeats: args.iters,
        threads: if args.threads == 0 {
            rayon::current_num_threads()
        } else {
            args.threads
        },
        references,
    };
    let quiet = args.quiet;
    let report = symrfm::perf::net_bench::run_net_bench(&config, &mut |msg| {
        if !quiet {
            errln!("bench: {msg}");
        }
    })?;
    symrfm::report::write_json_atomic(&json, &report)?;
    let text = report.to_markdown();
    symrfm::report::write::write_atomic(&md, text.as_bytes())?;
    outln!("wrote {} and {}", md.display(), json.display());
    if bench_md.exists() {
        let doc = std::fs::read_to_string(&bench_md).map_err(|e| symrfm::Error::Io {
            path: bench_md.clone(),
            source: e,
        })?;
        let spliced = symrfm::perf::markdown::splice_network_section(&doc, &text);
        symrfm::report::write::write_atomic(&bench_md, spliced.as_bytes())?;
        outln!("updated the network section of {}", bench_md.display());
    }
    Ok(())
}

/// One `symrfm run -p P` of `add` (or `--task mul --group G`) in a child process (its own VmHWM), read back from its file.
fn child_run(exe: &Path, dir: &Path, c: &ChildRunConfig) -> symrfm::Result<RunReport> {
    let prec = match c.precision {
        Precision::F64 => "f64",
        Precision::F32 => "f32",
    };
    let task: Vec<String> = match &c.group {
        Some(g) => vec!["--task".into(), "mul".into(), "--group".into(), g.clone()],
        None => vec!["-p".into(), c.modulus.to_string()],
    };
    let name = c.group.clone().unwrap_or_else(|| format!("p{}", c.modulus));
    let out = dir.join(format!("bench-run-{name}-{}-{prec}.json", c.iters));
    let output = std::process::Command::new(exe)
        .arg("run")
        .args(&task)
        .args(["--iters", &c.iters.to_string()])
        .args([
            "--threads",
            &c.threads.to_string(),
            "--precision",
            prec,
            "-q",
        ])
        .arg("--out")
        .arg(&out)
        .arg("--force")
        .output()
        .map_err(|e| symrfm::Error::Io {
            path: exe.to_path_buf(),
            source: e,
        })?;
    if !output.status.success() {
        return Err(symrfm::Error::Numerical {
            iteration: 0,
            what: format!(
                "symrfm run {} failed: {}",
                task.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        });
    }
    let report = symrfm::report::read::read_run(&out);
    let _ = std::fs::remove_file(&out);
    report
}

#[cfg(test)]
mod tests {
    use super::super::args::{Cli, Command};
    use clap::Parser;

    fn parse(args: &[&str]) -> super::BenchArgs {
        let mut full = vec!["symrfm", "bench"];
        full.extend_from_slice(args);
        match Cli::try_parse_from(full).unwrap().command {
            Command::Bench(b) => b,
            other => panic!("not bench: {other:?}"),
        }
    }

    #[test]
    fn flags_reach_the_configuration() {
        let c = parse(&[
            "--moduli",
            "7,11",
            "--iters",
            "2",
            "--no-full-runs",
            "--backend",
            "faer",
        ])
        .config()
        .unwrap();
        assert_eq!(c.moduli, vec![7, 11]);
        assert_eq!(c.iters, 2);
        assert!(c.full_runs.is_empty());
        assert_eq!(c.backends, vec![symrfm::solve::Backend::Faer]);
        assert_eq!(parse(&[]).config().unwrap().moduli, vec![31, 61, 97, 127]);
    }

    #[test]
    fn bad_values_name_their_flag() {
        for (args, flag) in [
            (vec!["--moduli", "1"], "--moduli"),
            (vec!["--iters", "0"], "--iters"),
            (vec!["--gemm-size", "0"], "--gemm-size"),
        ] {
            let e = parse(&args).config().unwrap_err();
            assert!(e.to_string().contains(flag), "{e}");
        }
    }
}

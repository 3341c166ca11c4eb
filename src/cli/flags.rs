//! Flag groups shared by several subcommands (task, split, RFM parameters, analysis) and their
//! conversion into the library's specification, and the one table translating specification
//! parameter names (`params.ridge`) into the flags that set them (`--ridge`).

use clap::{Args, ValueEnum};
use std::path::PathBuf;
use symrfm::analysis::AnalysisSpec;
use symrfm::data::SplitSpec;
use symrfm::group::{Operation, TaskSpec, ZeroConvention};
use symrfm::kernel::KernelKind;
use symrfm::rfm::RfmParams;
use symrfm::{Error, Result};

/// The operation a → a ∘ b to learn.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskArg {
    /// (a + b) mod p, or componentwise with --group.
    Add,
    /// (a − b) mod p, or componentwise with --group.
    Sub,
    /// (a · b) mod p on Z_p^* (p prime), or a·b in any group --group.
    Mul,
    /// (a / b) mod p on Z_p^* (p prime), or a·b⁻¹ in any group --group.
    Div,
    /// (a² + b²) mod p.
    #[value(name = "x2+y2")]
    SquareSum,
    /// (a² + ab + b²) mod p.
    #[value(name = "x2+xy+y2")]
    QuadraticForm,
    /// (a³ + ab) mod p.
    #[value(name = "x3+xy")]
    CubicPlusProduct,
    /// a·b·a⁻¹ in the group --group (e.g. S5).
    Conj,
    /// a·b·a in the group --group.
    Aba,
    /// (a³ + ab² + b) mod p.
    #[value(name = "x3+xy2+y")]
    CubicMixed,
    /// (a + b) mod p if a is even, else (a · b) mod p.
    ParityMul,
    /// (a + b) mod p if a is even, else (a − b) mod p.
    ParitySub,
    /// Distance d(a, b) in the connected graph --graph.
    GraphDistance,
    /// sign(a − b) on 0..p−1 (3 classes).
    Sign,
    /// max(a, b) on 0..p−1.
    Max,
    /// |a − b| on 0..p−1.
    AbsDiff,
    /// Labels from the n × n CSV file --table.
    Table,
}

impl From<TaskArg> for Operation {
    fn from(t: TaskArg) -> Self {
        match t {
            TaskArg::Add => Operation::Add,
            TaskArg::Sub => Operation::Sub,
            TaskArg::Mul => Operation::Mul,
            TaskArg::Div => Operation::Div,
            TaskArg::SquareSum => Operation::SquareSum,
            TaskArg::QuadraticForm => Operation::QuadraticForm,
            TaskArg::CubicPlusProduct => Operation::CubicPlusProduct,
            TaskArg::Conj => Operation::Conj,
            TaskArg::Aba => Operation::Aba,
            TaskArg::CubicMixed => Operation::CubicMixed,
            TaskArg::ParityMul => Operation::ParityMul,
            TaskArg::ParitySub => Operation::ParitySub,
            TaskArg::GraphDistance => Operation::GraphDistance,
            TaskArg::Sign => Operation::Sign,
            TaskArg::Max => Operation::Max,
            TaskArg::AbsDiff => Operation::AbsDiff,
            TaskArg::Table => Operation::Table,
        }
    }
}

/// Kernel family.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelArg {
    /// exp(−‖x−z‖²_M / 2L²)
    Gaussian,
    /// exp(−‖x−z‖_M / L)
    Laplace,
    /// (xᵀMz)²
    Quadratic,
}

/// The modulus p when -p is not given (and no group, graph or table names the symbols).
pub const DEFAULT_MODULUS: u64 = 61;

/// Which task.
#[derive(Args, Debug, Clone)]
pub struct TaskArgs {
    /// The operation.
    #[arg(long, value_enum, default_value = "add")]
    pub task: TaskArg,
    /// The modulus p (prime for mul/div) [default: 61]. Not with --group, --graph or --table,
    /// which say the symbols themselves.
    #[arg(long, short = 'p', allow_negative_numbers = true)]
    pub modulus: Option<i64>,
    /// The group instead of Z_p (overrides --modulus): a product of cyclic groups for add/sub
    /// (`5x7`), or any named group for mul/div/conj/aba: Z12, Z7*, S3..S6, A4, A5, D<m> (the m-gon,
    /// order 2m), Q8, products like S3xZ4, or `perm:(1 2 3),(1 2)`.
    #[arg(long)]
    pub group: Option<String>,
    /// The graph of --task graph-distance: cycle:N, path:N, grid:RxC, hypercube:K, bipartite:MxN,
    /// petersen, or file:PATH (an edge list).
    #[arg(long)]
    pub graph: Option<String>,
    /// The n × n CSV label table of --task table (optional first row of symbol names).
    #[arg(long, value_name = "FILE")]
    pub table: Option<PathBuf>,
    /// Keep the residue 0 for `mul` (older convention; default drops it: Z_p^*).
    #[arg(long)]
    pub keep_zero: bool,
}

/// Which split.
#[derive(Args, Debug, Clone)]
pub struct SplitArgs {
    /// Fraction of the pairs used for training, in (0, 1).
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    pub train_frac: f64,
    /// Seed of every random choice (the split): an integer from 0 to 2^64 − 1.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_parser = parse_seed)]
    pub seed: u64,
    /// Train on the split in this CSV (`a,b,label,is_train`) instead of a random one.
    #[arg(long, conflicts_with = "train_frac")]
    pub split_file: Option<PathBuf>,
}

/// RFM hyper-parameters.
#[derive(Args, Debug, Clone)]
pub struct RfmArgs {
    /// Kernel family.
    #[arg(long, value_enum, default_value = "gaussian")]
    pub kernel: KernelArg,
    /// Bandwidth L (Gaussian, Laplace).
    #[arg(long, default_value_t = 2.5, allow_negative_numbers = true)]
    pub bandwidth: f64,
    /// Ridge λ ≥ 0 (0 = exact interpolation).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub ridge: f64,
    /// Number of RFM iterations.
    #[arg(long, default_value_t = 50, allow_negative_numbers = true)]
    pub iters: i64,
    /// Power s in M ← AGOP^s.
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    pub agop_power: f64,
    /// Do not center the Jacobians before forming the AGOP.
    #[arg(long)]
    pub no_centering: bool,
    /// Also save M_t for every t that is a multiple of K (the final M is always saved).
    #[arg(long, value_name = "K", allow_negative_numbers = true)]
    pub save_every: Option<i64>,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Start from this M instead of the identity: a run JSON (its final M), a JSON matrix or a .npy.
    #[arg(long, value_name = "FILE")]
    pub init_m: Option<PathBuf>,
    /// Refuse to start if the estimated peak memory exceeds this many MiB (default: available memory).
    #[arg(long, value_name = "MIB")]
    pub max_memory: Option<u64>,
    /// Precision of the heavy products (kernel, factorization, AGOP, predictions; M stays f64), or
    /// with --model of the network's training (weights, gradients, optimizer; analysis in f64).
    #[arg(long, value_enum, default_value = "f64")]
    pub precision: PrecisionArg,
    /// Library of the factorization: faer, or LAPACK on OpenBLAS (build with `--features openblas`).
    #[arg(long, value_enum, default_value = "faer")]
    pub backend: BackendChoice,
}

/// Library of the factorization.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendChoice {
    /// faer (pure Rust).
    Faer,
    /// LAPACK on the system OpenBLAS (cargo feature `openblas`).
    Openblas,
}

/// Floating-point precision of the heavy products.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrecisionArg {
    /// Double precision (default; reproduces the reference implementation).
    F64,
    /// Single precision: faster, less accurate (measured by `symrfm bench`).
    F32,
}

impl From<PrecisionArg> for symrfm::rfm::Precision {
    fn from(p: PrecisionArg) -> Self {
        match p {
            PrecisionArg::F64 => symrfm::rfm::Precision::F64,
            PrecisionArg::F32 => symrfm::rfm::Precision::F32,
        }
    }
}

/// Analysis flags of `symrfm run` (the final M is always analyzed and stored in `final_analysis`).
#[derive(Args, Debug, Clone, Default)]
pub struct AnalysisArgs {
    /// Measure the structure of every M_t (circulant/Hankel deviation per block, also in
    /// discrete-log order for mul/div; Fourier energy; effective rank; alignment with the final M)
    /// and, for tasks on a group, the symmetry-acquisition diagnostic.
    #[arg(long)]
    pub structure: bool,
    /// The symmetry-acquisition diagnostic per iteration: agreement of argmax f(g·x) with
    /// argmax f(x) and mean ‖f(g·x) − f(x)‖ over test points x and all g ≠ id in Dih(A).
    #[arg(long)]
    pub symmetry_diagnostic: bool,
    /// Probe a fixed seeded subset of N test points in the diagnostic (default: all of them).
    #[arg(long, value_name = "N")]
    pub symmetry_points: Option<usize>,
    /// Frequencies per block in the Fourier energy fraction (default: n).
    #[arg(long, value_name = "K")]
    pub fourier_top_k: Option<usize>,
    /// Also report the final M's distance to the commutant of this subgroup of Dih(A), e.g. `r^16,s`.
    #[arg(long, value_name = "GENERATORS")]
    pub commutant_subgroup: Option<String>,
}

impl AnalysisArgs {
    /// The analysis options; `theory_subgroup` is the subgroup H the user named (if any).
    pub fn spec(&self, theory_subgroup: Option<String>) -> AnalysisSpec {
        AnalysisSpec {
            structure: self.structure,
            symmetry_diagnostic: self.symmetry_diagnostic,
            symmetry_points: self.symmetry_points,
            fourier_top_k: self.fourier_top_k,
            commutant_subgroup: self.commutant_subgroup.clone(),
            theory_subgroup,
        }
    }
}

/// Specification parameter names and the flags that set them: the one place where library names
/// become CLI names. Library errors name `params.ridge`; the CLI reports `--ridge`.
pub const FLAGS: &[(&str, &str)] = &[
    ("net.model", "--model"),
    ("net.width", "--width"),
    ("net.act", "--act"),
    ("net.init_scale", "--init-scale"),
    ("net.init", "--net-init"),
    ("net.perturb", "--perturb"),
    ("net.seed", "--net-seed"),
    ("net.optimizer", "--optimizer"),
    ("net.lr", "--lr"),
    ("net.weight_decay", "--weight-decay"),
    ("net.momentum", "--momentum"),
    ("net.batch", "--batch"),
    ("net.epochs", "--epochs"),
    ("net.steps", "--steps"),
    ("net.eval_every", "--eval-every"),
    ("net.agop_every", "--agop-every"),
    ("net.loss", "--loss"),
    ("net.agop_reg", "--agop-reg"),
    ("net.symmetry_loss", "--symmetry-loss"),
    ("net.d_model", "--d-model"),
    ("net.n_heads", "--heads"),
    ("net.d_head", "--d-head"),
    ("net.d_mlp", "--d-mlp"),
    ("task.operation", "--task"),
    ("task.modulus", "--modulus"),
    ("task.group", "--group"),
    ("task.zero", "--keep-zero"),
    ("task.graph", "--graph"),
    ("task.table", "--table"),
    ("split.kind", "--split"),
    ("split.fraction", "--train-frac"),
    ("split.seed", "--seed"),
    ("split.path", "--split-file"),
    ("split.subgroup", "--subgroup"),
    ("split.move_random", "--move-random"),
    ("split.move_orbits", "--move-orbits"),
    ("split.move_to_train", "--move-to-train"),
    ("split.hold_out", "--hold-out"),
    ("params.kernel.bandwidth", "--bandwidth"),
    ("params.ridge", "--ridge"),
    ("params.iters", "--iters"),
    ("params.agop_power", "--agop-power"),
    ("params.save_every", "--save-every"),
    ("params.threads", "--threads"),
    ("params.backend", "--backend"),
    ("params.precision", "--precision"),
    ("params.interventions", "--project"),
    ("params.interventions.subgroup", "--project"),
    ("params.interventions.strength", "--project-strength"),
    ("params.interventions.every", "--project-every"),
    ("params.interventions.generator", "--enforce-circulant"),
    ("params.exact_symmetry", "--exact-symmetry"),
    ("init_m", "--init-m"),
    ("resume", "--resume"),
    ("init.kind", "--init"),
    ("init.seed", "--init-seed"),
    ("init.perturb", "--perturb"),
    ("max_memory", "--max-memory"),
    ("analysis.structure", "--structure"),
    ("analysis.symmetry_diagnostic", "--symmetry-diagnostic"),
    ("analysis.symmetry_points", "--symmetry-points"),
    ("analysis.fourier_top_k", "--fourier-top-k"),
    ("analysis.commutant_subgroup", "--commutant-subgroup"),
    ("analysis.subgroup", "--subgroup"),
    ("analysis.theory_subgroup", "--subgroup"),
    ("analysis.isotypic", "--isotypic"),
    ("sweep.jobs", "--jobs"),
    ("sweep.shard", "--shard"),
    ("report.facet", "--facet"),
    ("output.overwrite", "--force"),
    ("output.path", "--out"),
];

/// The flag that sets the specification parameter `name`, if one does.
pub fn flag_of(name: &str) -> Option<&'static str> {
    FLAGS
        .iter()
        .find(|(spec, _)| *spec == name)
        .map(|(_, f)| *f)
}

/// [`to_flags`] on the library error inside `e` (wherever it sits in the chain of contexts), for
/// parameters whose specification name starts with `scope` (`""`: all).
pub fn in_flags(mut e: anyhow::Error, scope: &str) -> anyhow::Error {
    if let Some(inner) = e.downcast_mut::<Error>() {
        let in_scope = match &*inner {
            Error::InvalidParameter { name, .. } => name.starts_with(scope),
            _ => scope.is_empty(),
        };
        if in_scope {
            let taken = std::mem::replace(inner, Error::Interrupted);
            *inner = to_flags(taken, &[]);
        }
    }
    e
}

/// Every `` `spec.name` `` of a message (e.g. a library warning) replaced by the flag that sets it.
pub fn text_in_flags(s: &str) -> String {
    let mut s = s.to_string();
    for (spec, flag) in FLAGS {
        let quoted = format!("`{spec}`");
        if s.contains(&quoted) {
            s = s.replace(&quoted, flag);
        }
    }
    s
}

/// Speaks in flags: the parameter an error names, and every `` `spec.name` `` in its text, become
/// the flags that set them. `overrides` replace table entries for one command (e.g.
/// `split.subgroup` set by `--reflection`).
pub fn to_flags(e: Error, overrides: &[(&str, &'static str)]) -> Error {
    let flag = |name: &str| {
        overrides
            .iter()
            .find(|(spec, _)| *spec == name)
            .map(|(_, f)| *f)
            .or_else(|| flag_of(name))
    };
    let text = |s: String| {
        let mut s = s;
        for (spec, _) in FLAGS.iter().chain(overrides.iter()) {
            let quoted = format!("`{spec}`");
            if s.contains(&quoted) {
                s = s.replace(&quoted, flag(spec).unwrap_or(spec));
            }
        }
        s
    };
    match e {
        Error::InvalidParameter {
            name,
            value,
            allowed,
        } => Error::InvalidParameter {
            name: flag(name).unwrap_or(name),
            value,
            allowed: text(allowed),
        },
        Error::TooMuchMemory {
            needed_mib,
            limit_mib,
            hint,
        } => Error::TooMuchMemory {
            needed_mib,
            limit_mib,
            hint: text(hint),
        },
        Error::Numerical { iteration, what } => Error::Numerical {
            iteration,
            what: text(what),
        },
        Error::InvalidInput { path, reason } => Error::InvalidInput {
            path,
            reason: text(reason),
        },
        Error::Unwritable { path, reason } => Error::Unwritable {
            path,
            reason: text(reason),
        },
        other => other,
    }
}

/// Parses a `--seed`: a non-negative integer (clap reports the message with the flag).
pub fn parse_seed(s: &str) -> std::result::Result<u64, String> {
    s.trim().parse::<u64>().map_err(|_| {
        format!(
            "a seed must be a non-negative integer, 0 to {} (e.g. --seed 1)",
            u64::MAX
        )
    })
}

/// Prepares the output file `path` of a command (see [`symrfm::output::prepare_output`]: missing
/// directories are created, an existing file is refused unless `force`), saying on stderr when it
/// created a directory.
pub fn prepare_output(path: &std::path::Path, force: bool, quiet: bool) -> Result<()> {
    let existing = symrfm::output::Existing::overwrite_if(force);
    let prepared = symrfm::output::prepare_output(path, existing).map_err(|e| to_flags(e, &[]))?;
    if let (Some(dir), false) = (prepared.created_dir, quiet) {
        errln!("note: created directory {}", dir.display());
    }
    Ok(())
}

/// Parses `5x7` into `[5, 7]`.
pub fn parse_group(s: &str) -> Result<Vec<usize>> {
    s.split(['x', 'X', '*', ','])
        .map(|f| f.trim().parse::<usize>().ok().filter(|&v| v >= 2))
        .collect::<Option<Vec<_>>>()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::param("--group", s, "orders ≥ 2 separated by `x`, e.g. 5x7"))
}

impl TaskArgs {
    /// The validated-later task specification.
    pub fn spec(&self) -> Result<TaskSpec> {
        for (flag, given) in [
            ("--group", self.group.is_some()),
            ("--graph", self.graph.is_some()),
            ("--table", self.table.is_some()),
        ] {
            if let (Some(p), true) = (self.modulus, given) {
                return Err(Error::param(
                    "--modulus",
                    p,
                    format!("no --modulus with {flag}: {flag} says the symbols (drop -p)"),
                ));
            }
        }
        let named = self.group.is_some() || self.graph.is_some() || self.table.is_some();
        // Without -p the modulus is 61; a task on a group, graph or table uses none (recorded 0).
        let modulus = match self.modulus {
            Some(p) => {
                u64::try_from(p).map_err(|_| Error::param("--modulus", p, "an integer ≥ 2"))?
            }
            None if named => 0,
            None => DEFAULT_MODULUS,
        };
        let mut spec = TaskSpec::new(self.task.into(), modulus);
        if let Some(g) = &self.group {
            // Cyclic factors (`5x7`) stay today's `group` for add/sub and for the tasks without a
            // group (which reject it); the group operations take any group name, and so do
            // add/sub when the text is not a list of factors (`Z12`).
            let group_op = matches!(
                self.task,
                TaskArg::Mul | TaskArg::Div | TaskArg::Conj | TaskArg::Aba
            );
            match parse_group(g) {
                _ if group_op => spec.group_name = Some(g.clone()),
                Ok(factors) => spec.group = Some(factors),
                Err(e) => {
                    let additive = matches!(self.task, TaskArg::Add | TaskArg::Sub);
                    if additive && symrfm::group::parse_group_name(g).is_ok() {
                        spec.group_name = Some(g.clone());
                    } else {
                        return Err(e);
                    }
                }
            }
        }
        spec.graph = self.graph.clone();
        spec.table = self.table.clone();
        if self.keep_zero {
            if self.task != TaskArg::Mul {
                return Err(Error::param("--keep-zero", "set", "only with --task mul"));
            }
            spec.zero = ZeroConvention::Keep;
        }
        Ok(spec)
    }
}

impl SplitArgs {
    /// The split specification.
    pub fn spec(&self) -> SplitSpec {
        match &self.split_file {
            Some(path) => SplitSpec::File { path: path.clone() },
            None => SplitSpec::Random {
                fraction: self.train_frac,
                seed: self.seed,
            },
        }
    }
}

impl RfmArgs {
    /// The RFM parameters (validated with the rest of the experiment).
    pub fn params(&self) -> Result<RfmParams> {
        let kernel = match self.kernel {
            KernelArg::Gaussian => KernelKind::Gaussian {
                bandwidth: self.bandwidth,
            },
            KernelArg::Laplace => KernelKind::Laplace {
                bandwidth: self.bandwidth,
            },
            KernelArg::Quadratic => KernelKind::Quadratic,
        };
        let iters = usize::try_from(self.iters)
            .ok()
            .filter(|&i| i >= 1)
            .ok_or_else(|| Error::param("--iters", self.iters, "an integer ≥ 1"))?;
        let save_every = self
            .save_every
            .map(|k| {
                usize::try_from(k)
                    .ok()
                    .filter(|&k| k >= 1)
                    .ok_or_else(|| Error::param("--save-every", k, "an integer ≥ 1"))
            })
            .transpose()?;
        let params = RfmParams {
            kernel,
            ridge: self.ridge,
            iters,
            agop_power: self.agop_power,
            centering: !self.no_centering,
            save_every,
            threads: self.threads,
            precision: self.precision.into(),
            backend: match self.backend {
                BackendChoice::Faer => symrfm::solve::Backend::Faer,
                BackendChoice::Openblas => symrfm::solve::Backend::OpenBlas,
            },
            ..RfmParams::default()
        };
        Ok(params)
    }
}

/// Whether `a` and `b` name the same file (the same path, or the same existing file).
pub fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    a == b
        || match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::args::{Cli, Command};
    use crate::cli::run::RunArgs;
    use clap::Parser;

    fn parse(args: &[&str]) -> RunArgs {
        let mut full = vec!["symrfm", "run"];
        full.extend_from_slice(args);
        match Cli::try_parse_from(full).unwrap().command {
            Command::Run(r) => r,
            other => panic!("not a run: {other:?}"),
        }
    }

    #[test]
    fn defaults_are_the_literature_defaults() {
        let r = parse(&[]);
        assert_eq!(r.task.spec().unwrap(), TaskSpec::new(Operation::Add, 61));
        assert_eq!(
            r.split.spec(),
            SplitSpec::Random {
                fraction: 0.5,
                seed: 0
            }
        );
        assert_eq!(r.rfm.params().unwrap(), RfmParams::default());
    }

    #[test]
    fn each_flag_reaches_its_parameter() {
        let r = parse(&[
            "--task",
            "x2+xy+y2",
            "-p",
            "13",
            "--train-frac",
            "0.3",
            "--seed",
            "9",
            "--kernel",
            "laplace",
            "--bandwidth",
            "1.5",
            "--ridge",
            "1e-3",
            "--iters",
            "7",
            "--agop-power",
            "1",
            "--no-centering",
            "--save-every",
            "2",
            "--threads",
            "1",
        ]);
        assert_eq!(r.task.spec().unwrap().operation, Operation::QuadraticForm);
        assert_eq!(r.task.spec().unwrap().modulus, 13);
        assert_eq!(
            r.split.spec(),
            SplitSpec::Random {
                fraction: 0.3,
                seed: 9
            }
        );
        let p = r.rfm.params().unwrap();
        assert_eq!(p.kernel, KernelKind::Laplace { bandwidth: 1.5 });
        assert_eq!(
            (
                p.ridge,
                p.iters,
                p.agop_power,
                p.centering,
                p.save_every,
                p.threads
            ),
            (1e-3, 7, 1.0, false, Some(2), 1)
        );
        let g = parse(&["--task", "sub", "--group", "5x7"]);
        assert_eq!(g.task.spec().unwrap().group, Some(vec![5, 7]));
        let n = parse(&["--task", "mul", "--group", "S4"])
            .task
            .spec()
            .unwrap();
        assert_eq!((n.group_name.as_deref(), n.group), (Some("S4"), None));
        let n = parse(&["--task", "mul", "--group", "5x7"])
            .task
            .spec()
            .unwrap();
        assert_eq!(n.group_name.as_deref(), Some("5x7"));
        let n = parse(&["--task", "add", "--group", "Z12"])
            .task
            .spec()
            .unwrap();
        assert_eq!(n.group_name.as_deref(), Some("Z12"));
        let n = parse(&["--task", "graph-distance", "--graph", "cycle:12"]);
        let n = n.task.spec().unwrap();
        assert_eq!(
            (n.operation, n.graph.as_deref()),
            (Operation::GraphDistance, Some("cycle:12"))
        );
        let n = parse(&["--task", "table", "--table", "t.csv"])
            .task
            .spec()
            .unwrap();
        assert_eq!(n.table, Some(PathBuf::from("t.csv")));
        let k = parse(&["--task", "mul", "--keep-zero"]);
        assert_eq!(k.task.spec().unwrap().zero, ZeroConvention::Keep);
    }

    #[test]
    fn bad_values_name_their_flag() {
        for (args, flag) in [
            (vec!["--ridge", "-1"], "--ridge"),
            (vec!["--iters", "0"], "--iters"),
            (vec!["--bandwidth", "0"], "--bandwidth"),
            (vec!["--save-every", "-2"], "--save-every"),
        ] {
            let e = parse(&args)
                .rfm
                .params()
                .and_then(|p| p.validate().map_err(|e| to_flags(e, &[])))
                .unwrap_err();
            assert!(e.to_string().contains(flag), "{e}");
        }
        assert!(parse(&["--group", "5xq"])
            .task
            .spec()
            .unwrap_err()
            .to_string()
            .contains("--group"));
        assert!(parse(&["-p", "-3"])
            .task
            .spec()
            .unwrap_err()
            .to_string()
            .contains("--modulus"));
        assert!(parse(&["--keep-zero"])
            .task
            .spec()
            .unwrap_err()
            .to_string()
            .contains("--keep-zero"));
        assert!(Cli::try_parse_from(["symrfm", "run", "--task", "pow"]).is_err());
    }
}

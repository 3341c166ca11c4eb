//! `symrfm decompose`: which group elements does a feature matrix encode, and how circulant is it?

use super::flags::{prepare_output, TaskArg, TaskArgs};
use anyhow::{Context, Result};
use clap::Args;
use std::path::{Path, PathBuf};
use symrfm::analysis::{analyze_matrix, AnalysisOptions, BlockStructure, MatrixAnalysis};
use symrfm::group::{Task, TaskSpec};
use symrfm::report::compare::Which;
use symrfm::report::read::run_matrix;
use symrfm::report::{self, sci, DecomposeReport, MatrixSource, RunReport, SymrfmFile};
use symrfm::Error;

/// One run of a compare file (`--which`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhichArg {
    /// The run on the symmetric split.
    Symmetric,
    /// The run on the twin (symmetry-broken) split.
    Twin,
}

impl From<WhichArg> for Which {
    fn from(w: WhichArg) -> Self {
        match w {
            WhichArg::Symmetric => Which::Symmetric,
            WhichArg::Twin => Which::Twin,
        }
    }
}

/// `FILE` with `.symmetric`/`.twin` inserted before its extension (`c.json` → `c.twin.json`).
pub fn with_run_name(file: &Path, which: Which) -> PathBuf {
    let stem = file
        .file_stem()
        .map_or(String::new(), |s| s.to_string_lossy().into_owned());
    let name = match file.extension() {
        Some(ext) => format!("{stem}.{}.{}", which.name(), ext.to_string_lossy()),
        None => format!("{stem}.{}", which.name()),
    };
    file.with_file_name(name)
}

/// The note printed when a `.npy` input holds float32 values (read widened to float64).
pub fn f32_note(path: &Path) -> Option<String> {
    symrfm::report::read::npy_is_f32(path).then(|| {
        format!(
            "note: {} holds float32 values; read widened to float64 (exactly)",
            path.display()
        )
    })
}

/// `symrfm decompose`.
#[derive(Args, Debug, Clone)]
pub struct DecomposeArgs {
    /// A run JSON written by `symrfm run`, or a bare matrix: a JSON array of rows or a `.npy` file
    /// (then --task and --modulus/--group say which task it belongs to).
    #[arg(value_name = "FILE")]
    pub input: PathBuf,
    /// Analyze the saved M_K of a run instead of its final M (see `run --save-every`).
    #[arg(long, value_name = "K")]
    pub iter: Option<usize>,
    /// Number of group elements shown in the table.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,
    /// Also report the distance to the commutant of this subgroup of Dih(A), e.g. `r^16,s`.
    #[arg(long, value_name = "GENERATORS")]
    pub subgroup: Option<String>,
    /// Frequencies per block in the Fourier energy fraction (default: n).
    #[arg(long, value_name = "K")]
    pub fourier_top_k: Option<usize>,
    /// Output JSON [default: next to the input: `<stem>.decompose[-tK].json` for a run file,
    /// `<stem>.<ext>.decompose[-tK].json` for a bare matrix (`runs/p23.json` →
    /// `runs/p23.decompose.json`, `runs/p23.npy` → `runs/p23.npy.decompose.json`), and for a
    /// compare file one per run, `<stem>.symmetric.decompose.json` and `<stem>.twin.decompose.json`;
    /// an existing file only with --force]. With both runs of a compare file, `.symmetric`/`.twin`
    /// is inserted before this file's extension.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// With a compare file: decompose only this run (default: both).
    #[arg(long, value_enum, value_name = "RUN")]
    pub which: Option<WhichArg>,
    /// Also export every saved M_t of a run as DIR/M_<t>.npy (float64, C order); for both runs
    /// of a compare file, DIR/symmetric/ and DIR/twin/.
    #[arg(long, value_name = "DIR")]
    pub npy: Option<PathBuf>,
    /// Bare matrix only: the task it belongs to (default add).
    #[arg(long, value_enum)]
    pub task: Option<TaskArg>,
    /// Bare matrix only: the modulus p.
    #[arg(long, short = 'p', allow_negative_numbers = true)]
    pub modulus: Option<i64>,
    /// Bare matrix only: a product of cyclic groups for add/sub, e.g. `5x7`.
    #[arg(long)]
    pub group: Option<String>,
    /// Bare matrix only: `mul` keeping the residue 0.
    #[arg(long)]
    pub keep_zero: bool,
    /// Overwrite the output files if they exist (without it an existing result is never
    /// overwritten: the command is refused before any work, exit code 2).
    #[arg(long)]
    pub force: bool,
    /// Print nothing but the output path.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Also the K leading eigenpairs of M with the Fourier energy of each eigenvector per block
    /// and frequency (JSON `eigen`), and figures of the spectrum and eigenvectors next to the output.
    #[arg(long, value_name = "K")]
    pub eigen: Option<usize>,
    /// With --eigen: also the energy of each leading eigenvector, and of each cluster of nearly
    /// equal eigenvalues, in the isotypic components of this subgroup of Sym_f acting on the 2n
    /// coordinates (generators in Sym_f's element names as for --subgroup; `full` or `Sym_f` for
    /// the whole group). JSON `eigen.isotypic`.
    #[arg(long, value_name = "GENERATORS", requires = "eigen")]
    pub isotypic: Option<String>,
}

impl DecomposeArgs {
    fn has_task_flags(&self) -> bool {
        self.task.is_some() || self.modulus.is_some() || self.group.is_some() || self.keep_zero
    }

    /// The task of a bare matrix.
    fn bare_task_spec(&self) -> symrfm::Result<TaskSpec> {
        if self.modulus.is_none() && self.group.is_none() {
            return Err(Error::param(
                "--modulus",
                "missing",
                "a bare matrix needs --task and --modulus (or --group) to say which task it \
                 belongs to",
            ));
        }
        TaskArgs {
            task: self.task.unwrap_or(TaskArg::Add),
            modulus: self.modulus,
            group: self.group.clone(),
            graph: None,
            table: None,
            keep_zero: self.keep_zero,
        }
        .spec()
    }
}

/// What kind of file the input is: `.npy`, a JSON array (bare matrix) or a run file (returned).
fn classify(file: SymrfmFile, path: &Path) -> symrfm::Result<(MatrixSource, Option<RunReport>)> {
    match file {
        SymrfmFile::Run(run) => Ok((MatrixSource::Run, Some(*run))),
        SymrfmFile::Matrix(_)
            if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("npy")) =>
        {
            Ok((MatrixSource::Npy, None))
        }
        SymrfmFile::Matrix(_) => Ok((MatrixSource::Json, None)),
        other => Err(Error::InvalidInput {
            path: path.to_path_buf(),
            reason: format!(
                "a {} file: neither a matrix (array of rows) nor a symrfm run or compare file",
                other.kind()
            ),
        }),
    }
}

fn default_out(input: &Path, t: Option<usize>, which: Option<Which>) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "matrix".into());
    let suffix = t.map_or(String::new(), |t| format!("-t{t}"));
    let run = which.map_or(String::new(), |w| format!(".{}", w.name()));
    // `p23.json` and `p23.npy` side by side must not share a name: a bare matrix's name keeps
    // its extension.
    let kind = match input
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
    {
        Some(e) if e != "json" => format!(".{e}"),
        _ => String::new(),
    };
    input.with_file_name(format!("{stem}{kind}{run}.decompose{suffix}.json"))
}

/// Runs `symrfm decompose`.
pub fn decompose(args: &DecomposeArgs, command_line: Vec<String>) -> Result<()> {
    let path = &args.input;
    let file = report::read_file(path)?;
    let SymrfmFile::Compare(compare) = file else {
        if args.which.is_some() {
            return Err(Error::param("--which", "given", "only with a compare file").into());
        }
        if let Some(note) = f32_note(path) {
            errln!("{note}");
        }
        let (source, run) = classify(file, path)?;
        return decompose_one(args, command_line, source, run, None, args.out.clone());
    };
    let runs = compare.runs(args.which.map(Which::from));
    let both = runs.len() > 1;
    for (which, run) in runs {
        let out = match &args.out {
            Some(o) if both => Some(with_run_name(o, which)),
            other => other.clone(),
        };
        decompose_one(
            args,
            command_line.clone(),
            MatrixSource::Compare,
            Some(run.clone()),
            Some((which, both)),
            out,
        )?;
    }
    Ok(())
}

/// Decomposes the matrix of one input: a bare matrix (`run` None), a run file, or one run of a
/// compare file (`which`: the run, and whether both are decomposed).
fn decompose_one(
    args: &DecomposeArgs,
    command_line: Vec<String>,
    source: MatrixSource,
    run: Option<RunReport>,
    which: Option<(Which, bool)>,
    out: Option<PathBuf>,
) -> Result<()> {
    let path = &args.input;
    let spec = match &run {
        Some(value) => {
            if args.has_task_flags() {
                return Err(Error::param(
                    "--task",
                    "given with a run file",
                    "--task, --modulus, --group and --keep-zero only with a bare matrix (a run \
                     file names its task)",
                )
                .into());
            }
            value.task.spec.clone()
        }
        None => {
            for (flag, given) in [
                ("--iter", args.iter.is_some()),
                ("--npy", args.npy.is_some()),
            ] {
                if given {
                    return Err(Error::param(
                        flag,
                        "given with a bare matrix",
                        "only with a run file",
                    )
                    .into());
                }
            }
            args.bare_task_spec()?
        }
    };
    let task = Task::new(spec)?;
    let t = match (&run, args.iter) {
        (Some(_), Some(k)) => Some(k),
        (Some(run), None) => run.feature_matrices.last().map(|r| r.t),
        (None, _) => None,
    };
    let out = out.unwrap_or_else(|| default_out(path, args.iter, which.map(|w| w.0)));
    prepare_output(&out, args.force, args.quiet)?;
    let npy_dir = match (&args.npy, which) {
        (Some(dir), Some((w, true))) => Some(dir.join(w.name())),
        (dir, _) => dir.clone(),
    };
    if let (Some(dir), Some(run)) = (&npy_dir, &run) {
        for record in &run.feature_matrices {
            prepare_output(
                &dir.join(format!("M_{}.npy", record.t)),
                args.force,
                args.quiet,
            )?;
        }
    }

    let m = match (&run, which) {
        (Some(run), Some(_)) => {
            let m = run_matrix(path, &run.feature_matrices, args.iter)?;
            if m.nrows() != m.ncols() {
                return Err(Error::InvalidInput {
                    path: path.clone(),
                    reason: format!("not square: {}×{}", m.nrows(), m.ncols()),
                }
                .into());
            }
            m
        }
        _ => report::load_matrix(path, args.iter)?,
    };
    let d = task.input_dim();
    if m.dim() != (d, d) {
        return Err(Error::InvalidInput {
            path: path.clone(),
            reason: format!(
                "a {}×{} matrix, but {} needs {d}×{d} (2n with n = {} symbols)",
                m.nrows(),
                m.ncols(),
                task.describe(),
                task.n_symbols()
            ),
        }
        .into());
    }
    let options = AnalysisOptions {
        top_k: args.fourier_top_k,
        subgroup: args.subgroup.clone(),
    };
    let analysis = analyze_matrix(&task, m.view(), &options)
        .with_context(|| format!("analyzing {}", path.display()))?;
    if !args.quiet {
        let name = match which {
            Some((w, _)) => format!("{} [{} run]", path.display(), w.name()),
            None => path.display().to_string(),
        };
        out!("{}", table(&analysis, &name, t, args.top));
    }
    let mut report = DecomposeReport::new(
        command_line,
        path.display().to_string(),
        source,
        t,
        &task,
        analysis,
    );
    report.run = which.map(|(w, _)| w.name().to_string());
    if let Some(k) = args.eigen {
        let which = t.map_or("M".to_string(), |t| format!("M_{t}"));
        let mut f = super::eigen_report::eigen(&task, &m, k, &which, &out, args.quiet)?;
        // on a non-abelian named group there is no Fourier basis: the isotypic components of
        // Sym_f are the basis, so they are reported by default
        let isotypic = args
            .isotypic
            .clone()
            .or_else(|| symrfm::analysis::default_isotypic(&task).map(str::to_string));
        if let Some(h) = &isotypic {
            let iso = symrfm::analysis::eigen_isotypic(&task, m.view(), k, h)?;
            if !args.quiet {
                let mut s = String::new();
                super::isotypic_report::eigen_isotypic_table(&mut s, &iso, &f.spectrum);
                out!("{s}");
            }
            f.isotypic = Some(iso);
        }
        report.eigen = Some(f);
    }
    report::write_json_atomic(&out, &report)?;
    if let (Some(dir), Some(run)) = (&npy_dir, &run) {
        for record in &run.feature_matrices {
            let m = record.to_array().map_err(|reason| Error::InvalidInput {
                path: path.clone(),
                reason: format!("saved M_{}: {reason}", record.t),
            })?;
            let file = dir.join(format!("M_{}.npy", record.t));
            report::write::write_npy_atomic(&file, &m)?;
            outln!("wrote {}", file.display());
        }
    }
    outln!("wrote {}", out.display());
    Ok(())
}

/// The readable report: top elements, distances, block structure.
fn table(a: &MatrixAnalysis, name: &str, t: Option<usize>, top: usize) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let which = t.map_or("matrix".to_string(), |t| format!("M_{t}"));
    let _ = writeln!(
        s,
        "{} ({which}): {}, {}×{}, ‖M‖_F = {:.6}",
        name,
        a.task,
        2 * a.n,
        2 * a.n,
        a.frobenius_norm
    );
    match &a.group {
        Some(g) => {
            let dec = &g.decomposition;
            let shown = top.min(dec.elements.len());
            let _ = writeln!(
                s,
                "\n{}: the {shown} largest of {} coefficients α_g = ⟨Π(g), M⟩_F / 2n",
                g.name, g.order
            );
            let _ = writeln!(s, "  {:<14} {:>14} {:>12}", "element", "α_g", "share ‖M‖²");
            for e in dec.elements.iter().take(shown) {
                let alpha = format!(
                    "{}{}",
                    if e.alpha >= 0.0 { "+" } else { "" },
                    sci(e.alpha, 6)
                );
                let _ = writeln!(s, "  {:<14} {:>14} {:>12.6}", e.name, alpha, e.share);
            }
            let total = dec
                .elements
                .iter()
                .take(shown)
                .fold(0.0, |acc, e| acc + e.share);
            let _ = writeln!(s, "  {:<14} {:>14} {:>12.6}", "(shown)", "", total);
            let _ = writeln!(s, "\ndistances ‖M − P(M)‖_F / ‖M‖_F");
            let _ = writeln!(
                s,
                "  {:<38} {}",
                "group algebra span{Π(g)}",
                sci(dec.residual, 6)
            );
            let _ = writeln!(
                s,
                "  {:<38} {}",
                format!("commutant of {}", g.name),
                sci(g.commutant_distance, 6)
            );
            if let Some(h) = &g.subgroup {
                let _ = writeln!(
                    s,
                    "  {:<38} {}",
                    format!("commutant of {} (order {})", h.name, h.order),
                    sci(h.commutant_distance, 6)
                );
            }
        }
        None => {
            let _ = writeln!(
                s,
                "\nno symmetry group for {}: structure measures only",
                a.task
            );
            let _ = writeln!(s, "\ndistances ‖M − P(M)‖_F / ‖M‖_F");
        }
    }
    let b = &a.identity_ones_blockwise;
    let _ = writeln!(
        s,
        "  {:<38} {}",
        "span{I, 11ᵀ}",
        sci(a.identity_ones.distance, 6)
    );
    let _ = writeln!(
        s,
        "  {:<38} {}  (blocks {} {} {} {})",
        "span{I, 11ᵀ} blockwise",
        sci(b.distance, 6),
        sci(b.m11.distance, 3),
        sci(b.m12.distance, 3),
        sci(b.m21.distance, 3),
        sci(b.m22.distance, 3)
    );
    block_table(&mut s, &a.blocks, "symbol order");
    if let (Some(blocks), Some(g)) = (&a.blocks_dlog, &a.dlog_generator) {
        block_table(
            &mut s,
            blocks,
            &format!("discrete-log order, generator {g}"),
        );
    }
    if let Some(gc) = &a.group_circulance {
        let cell = |v: Option<f64>| v.map_or("undefined".to_string(), |v| format!("{v:.4e}"));
        let _ = writeln!(
            s,
            "\nG-circulant structure on {} (deviation = ‖B − B̂‖²_F / ‖B‖²_F; undefined for a zero \
             block)\n  block    B[a,b] = c(a⁻¹b)    B[a,b] = c(ab)",
            gc.group
        );
        for (name, b) in [
            ("M11", &gc.m11),
            ("M12", &gc.m12),
            ("M21", &gc.m21),
            ("M22", &gc.m22),
        ] {
            let _ = writeln!(
                s,
                "  {name}   {:>17}   {:>14}",
                cell(b.quotient),
                cell(b.product)
            );
        }
    }
    if let Some(e) = &a.irrep_energy {
        super::isotypic_report::irrep_table(&mut s, e);
    }
    let r = &a.blocks.effective_rank;
    let _ = writeln!(
        s,
        "\neffective rank: {:.4} (entropy), {:.4} (participation ratio)",
        r.entropy_rank, r.participation_ratio
    );
    s
}

fn block_table(s: &mut String, b: &BlockStructure, label: &str) {
    use std::fmt::Write;
    let _ = writeln!(
        s,
        "\nblock structure, {label} (deviation = ‖B − B̂‖²_F / ‖B‖²_F; Fourier energy in the top {})",
        b.top_k
    );
    let _ = writeln!(
        s,
        "  {:<6} {:>12} {:>12} {:>14}",
        "block", "circulant", "Hankel", "top-k energy"
    );
    for (name, m) in [
        ("M11", &b.m11),
        ("M12", &b.m12),
        ("M21", &b.m21),
        ("M22", &b.m22),
    ] {
        let _ = writeln!(
            s,
            "  {:<6} {:>12} {:>12} {:>14.6}",
            name,
            sci(m.circulance.circulant, 4),
            sci(m.circulance.hankel, 4),
            m.top_k_energy_fraction
        );
    }
}

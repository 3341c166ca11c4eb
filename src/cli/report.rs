//! `symrfm report RESULTS.jsonl [--out DIR]`: tables and figures of a sweep;
//! `symrfm report --matrix RUN.json`: a heatmap of a feature matrix, its decomposition and structure.

use anyhow::Result;
use clap::Args;
use std::path::{Path, PathBuf};
use symrfm::analysis::{analyze_matrix, AnalysisOptions};
use symrfm::group::Task;
use symrfm::plot::{self, ColorScale, Heatmap};
use symrfm::report::figures;
use symrfm::report::read::run_matrix;
use symrfm::report::SymrfmFile;
use symrfm::sweep::figures::{write_index, write_report, Artifact, ReportOptions};
use symrfm::sweep::read_results;

/// `symrfm report`.
#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    /// A results file (JSON lines) written by `symrfm sweep` or `symrfm merge`.
    #[arg(required_unless_present = "matrix")]
    pub results: Option<PathBuf>,
    /// Output directory [default: the results file's path without `.jsonl`; with only --matrix,
    /// the matrix file's directory].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Draw one curves figure per value of this parameter path (repeatable)
    /// [default: the varying `task.*` parameters].
    #[arg(long, value_name = "PATH")]
    pub facet: Vec<String>,
    /// The parameter of the phase diagram's rows and of the final-accuracy plot's x axis.
    #[arg(long, default_value = "split.fraction", value_name = "PATH")]
    pub x: String,
    /// Also draw a feature matrix: a run JSON (its final M, its decomposition and, with structure
    /// records, its structure over the iterations), a JSON matrix or a .npy. Repeatable: one
    /// index of captions for all of them.
    #[arg(long, value_name = "FILE")]
    pub matrix: Vec<PathBuf>,
    /// With --matrix and a run JSON: draw M_T (saved with --save-every) instead of the final M.
    #[arg(long, value_name = "T", requires = "matrix")]
    pub matrix_iter: Option<usize>,
    /// With --matrix and a compare file: draw only this run (default: both, named
    /// `matrix-NAME.symmetric…` and `matrix-NAME.twin…`).
    #[arg(long, value_enum, value_name = "RUN", requires = "matrix")]
    pub which: Option<super::decompose::WhichArg>,
    /// With --matrix RUN.json: instead of the usual figures, draw a strip of all saved M_t (the run
    /// needs --save-every) with t and test accuracy under each, one colour scale:
    /// `strip-STEM.{png,svg}`.
    #[arg(long, requires = "matrix")]
    pub strip: bool,
    /// With --strip: overwrite existing strip files.
    #[arg(long, requires = "strip")]
    pub force: bool,
}

/// Runs `symrfm report`.
pub fn run(args: &ReportArgs, command_line: Vec<String>) -> Result<()> {
    let out_dir = match (&args.out, &args.results, args.matrix.first()) {
        (Some(d), _, _) => d.clone(),
        (None, Some(r), _) if r.extension().is_some() => r.with_extension(""),
        (None, Some(r), _) => {
            let mut name = r.as_os_str().to_owned();
            name.push("-report");
            PathBuf::from(name)
        }
        (None, None, Some(m)) => m
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or(PathBuf::from("."), Path::to_path_buf),
        (None, None, None) => PathBuf::from("."),
    };
    let mut artifacts: Vec<Artifact> = Vec::new();
    if let Some(results) = &args.results {
        let contents = read_results(results)?;
        if contents.partial_bytes > 0 {
            errln!(
                "warning: {}: ignoring a partial last line ({} bytes)",
                results.display(),
                contents.partial_bytes
            );
        }
        let opts = ReportOptions {
            facet: (!args.facet.is_empty()).then(|| args.facet.clone()),
            x: args.x.clone(),
            title: format!(
                "Summary of {}",
                results
                    .file_name()
                    .map_or(String::new(), |n| n.to_string_lossy().into_owned())
            ),
        };
        artifacts.extend(write_report(&contents.lines, &out_dir, &opts)?);
    }
    if args.strip {
        artifacts.extend(super::report_strip::strip_figures(
            &args.matrix,
            &out_dir,
            args.force,
        )?);
    }
    for path in args.matrix.iter().filter(|_| !args.strip) {
        artifacts.extend(matrix_figures(
            path,
            args.matrix_iter,
            &out_dir,
            args.which,
        )?);
    }
    let made_by = command_line
        .iter()
        .skip(1)
        .fold("symrfm".to_string(), |acc, a| format!("{acc} {a}"));
    let index = write_index(&out_dir, &artifacts, &made_by)?;
    for a in &artifacts {
        for f in &a.files {
            outln!("wrote {}", f.display());
        }
    }
    outln!("wrote {} (captions)", index.display());
    Ok(())
}

/// A heatmap of M (blue negative, red positive), with lines between the two n×n blocks; for a run
/// JSON also the decomposition of M on Dih(A) and, if the run has structure records (`run
/// --structure`), the structure of M_t over the iterations.
fn matrix_figures(
    path: &Path,
    t: Option<usize>,
    out_dir: &Path,
    which: Option<super::decompose::WhichArg>,
) -> Result<Vec<Artifact>> {
    let file = symrfm::report::read_file(path)?;
    if which.is_some() && !matches!(file, SymrfmFile::Compare(_)) {
        return Err(symrfm::Error::InvalidInput {
            path: path.to_path_buf(),
            reason: format!("a {} file, but --which needs a compare file", file.kind()),
        }
        .into());
    }
    let stem = path
        .file_stem()
        .map_or("m".into(), |s| s.to_string_lossy().into_owned());
    let name = path
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    match file {
        SymrfmFile::Run(run) => {
            let m = run_matrix(path, &run.feature_matrices, t)?;
            draw_matrix(path, m, Some(*run), t, out_dir, &stem, &name)
        }
        SymrfmFile::Matrix(m) => {
            if let Some(note) = super::decompose::f32_note(path) {
                errln!("{note}");
            }
            draw_matrix(path, m, None, t, out_dir, &stem, &name)
        }
        SymrfmFile::Compare(c) => {
            let mut artifacts = Vec::new();
            for (w, run) in c.runs(which.map(Into::into)) {
                let m = run_matrix(path, &run.feature_matrices, t)?;
                artifacts.extend(draw_matrix(
                    path,
                    m,
                    Some(run.clone()),
                    t,
                    out_dir,
                    &format!("{stem}.{}", w.name()),
                    &format!("{name} ({} run)", w.name()),
                )?);
            }
            Ok(artifacts)
        }
        other => Err(symrfm::Error::InvalidInput {
            path: path.to_path_buf(),
            reason: format!(
                "a {} file: neither a matrix (array of rows) nor a symrfm run or compare file",
                other.kind()
            ),
        }
        .into()),
    }
}

/// The figures of one matrix `m` (of `run`, if it came from one), named after `stem` and
/// captioned with `file`.
fn draw_matrix(
    path: &Path,
    m: ndarray::Array2<f64>,
    run: Option<symrfm::report::RunReport>,
    t: Option<usize>,
    out_dir: &Path,
    stem: &str,
    file: &str,
) -> Result<Vec<Artifact>> {
    if m.nrows() != m.ncols() {
        return Err(symrfm::Error::InvalidInput {
            path: path.to_path_buf(),
            reason: format!("not square: {}×{}", m.nrows(), m.ncols()),
        }
        .into());
    }
    let d = m.nrows();
    let task = run.as_ref().map(|r| r.task.description.clone());
    let saved_t = run.as_ref().and_then(|r| {
        let records = &r.feature_matrices;
        match t {
            Some(t) => records.iter().find(|m| m.t == t),
            None => records.last(),
        }
        .map(|m| m.t)
    });
    let name = match saved_t {
        Some(t) => format!("M_{t}"),
        None => "M".to_string(),
    };
    let mut hm = Heatmap::new(
        format!(
            "Feature matrix {name}{}",
            task.as_ref().map_or(String::new(), |t| format!(" — {t}"))
        ),
        m.clone(),
    );
    hm.subtitle = Some(format!(
        "{file}: {d}×{d}; blocks = (first operand a, second operand b) one-hot coordinates"
    ));
    hm.x_label = "coordinate j".into();
    hm.y_label = "coordinate i".into();
    hm.colorbar_label = format!("{name}[i, j]");
    hm.scale = ColorScale::diverging_for(&hm.values);
    if d.is_multiple_of(2) {
        hm.separators = vec![d / 2];
    }
    hm.size = (980, 900);
    let suffix = t.map_or(String::new(), |t| format!("-t{t}"));
    std::fs::create_dir_all(out_dir).map_err(|e| symrfm::Error::Unwritable {
        path: out_dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    let files = plot::save(&hm, &out_dir.join(format!("matrix-{stem}{suffix}")))?;
    let mut artifacts = vec![Artifact {
        files,
        caption: format!(
            "Heatmap of the feature matrix {name} from {file}{}: entry (i, j) in colour (blue \
             negative, white 0, red positive, symmetric scale); the lines separate the blocks of \
             the first and second operand's one-hot coordinates.",
            task.as_ref().map_or(String::new(), |t| format!(" ({t})"))
        ),
    }];
    let Some(run) = run else {
        return Ok(artifacts);
    };
    // The decomposition of the drawn matrix (M_T or the final M) on Dih(A).
    let task_obj = Task::new(run.task.spec.clone())?;
    let analysis = analyze_matrix(&task_obj, m.view(), &AnalysisOptions::default())?;
    if let Some(c) = figures::decomposition_heatmap(&analysis, &name) {
        let files = plot::save(
            &c.figure,
            &out_dir.join(format!("decomposition-{stem}{suffix}")),
        )?;
        artifacts.push(Artifact {
            files,
            caption: format!("{} Source: {file}.", c.caption),
        });
    }
    if let Some(net) = &run.network {
        for (c, kind) in figures::network_curves(&net.steps, &analysis.task)
            .into_iter()
            .zip(["accuracy", "loss"])
        {
            let files = plot::save(&c.figure, &out_dir.join(format!("{kind}-{stem}")))?;
            artifacts.push(Artifact {
                files,
                caption: format!("{} Source: {file}.", c.caption),
            });
        }
        return Ok(artifacts);
    }
    match figures::structure_chart(&run.structure, &analysis.task) {
        Some(c) => {
            let files = plot::save(&c.figure, &out_dir.join(format!("structure-{stem}")))?;
            artifacts.push(Artifact {
                files,
                caption: format!("{} Source: {file}.", c.caption),
            });
        }
        None => errln!(
            "note: {file} has no structure records; run with --structure for the figure of \
             circulant deviation and alignment over the iterations"
        ),
    }
    Ok(artifacts)
}

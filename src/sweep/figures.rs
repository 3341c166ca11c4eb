//! The figures and tables of `symrfm report`.
//!
//! From a results file (see [`super::summary`] for the grouping over seeds):
//! - `summary.md`, `summary.csv`: one row per setting, mean ± std over seeds;
//! - `curves[-FACET].{png,svg}`: test accuracy vs iteration, one figure per facet (by default one
//!   per task), one curve per setting of the other varying parameters (e.g. training fraction, or
//!   `label` = symmetric/broken), band = ± 1 std over seeds;
//! - `phase[-FACET].{png,svg}`: when the x parameter (default `split.fraction`) varies, the grokking
//!   phase diagram: x (rows) × iteration (columns) → mean test accuracy, one per setting of the
//!   other varying parameters;
//! - `final-vs-X.{png,svg}`: final test accuracy vs x, one line per setting of the others;
//! - `figures.md`: every file with its caption.

use super::line::ResultLine;
use super::summary::{aggregate, display_name, Group, Table};
use crate::error::{Error, Result};
use crate::plot::{self, ColorScale, Heatmap, LineChart, Series};
use ndarray::Array2;
use std::path::{Path, PathBuf};

/// Options of a report.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportOptions {
    /// Paths that split the curves into separate figures (default: the varying `task.*` paths).
    pub facet: Option<Vec<String>>,
    /// The parameter of the phase diagram's rows and of the final-accuracy plot's x axis.
    pub x: String,
    /// Title of the tables (e.g. the results file's name).
    pub title: String,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            facet: None,
            x: "split.fraction".into(),
            title: "Sweep summary".into(),
        }
    }
}

/// A written file (or PNG/SVG pair) and what it shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Artifact {
    /// The files.
    pub files: Vec<PathBuf>,
    /// Caption: what the figure or table shows.
    pub caption: String,
}

/// Writes the tables and figures of `lines` into `out_dir` (created if needed).
pub fn write_report(
    lines: &[ResultLine],
    out_dir: &Path,
    opts: &ReportOptions,
) -> Result<Vec<Artifact>> {
    let table = aggregate(lines);
    if table.groups.is_empty() {
        return Err(Error::param(
            "RESULTS",
            format!("{} lines, {} failed", lines.len(), table.n_failed),
            "a results file with at least one successful job",
        ));
    }
    std::fs::create_dir_all(out_dir).map_err(|e| Error::Unwritable {
        path: out_dir.to_path_buf(),
        reason: e.to_string(),
    })?;
    let known =
        |p: &String| table.varying.contains(p) || table.constant.iter().any(|(q, _)| q == p);
    let facet: Vec<String> = match &opts.facet {
        Some(f) => {
            if let Some(bad) = f.iter().find(|p| !known(p)) {
                return Err(Error::param(
                    "report.facet",
                    bad,
                    format!("a parameter path of the results: {}", paths_text(&table)),
                ));
            }
            f.iter()
                .filter(|p| table.varying.contains(p))
                .cloned()
                .collect()
        }
        None => table
            .varying
            .iter()
            .filter(|p| p.starts_with("task."))
            .cloned()
            .collect(),
    };
    let mut artifacts = Vec::new();

    let md = out_dir.join("summary.md");
    crate::report::write_atomic(&md, table.markdown(&opts.title).as_bytes())?;
    let csv = out_dir.join("summary.csv");
    crate::report::write_atomic(&csv, table.csv().as_bytes())?;
    artifacts.push(Artifact {
        files: vec![md, csv],
        caption:
            "Summary table: one row per setting of the varying parameters; final and best test \
                  accuracy, final train accuracy, first iteration with test accuracy ≥ 0.99 (over \
                  the seeds that reach it) and final test MSE, as mean ± sample std over seeds."
                .into(),
    });

    let subtitle = constants_text(&table, &facet);
    // Curves: one figure per facet value, one curve per group.
    let series_paths: Vec<String> = table
        .shown
        .iter()
        .filter(|p| !facet.contains(p))
        .cloned()
        .collect();
    for (facet_label, groups) in facets(&table, &facet) {
        let axis = Axis::of(&groups);
        let mut chart = LineChart::new(
            format!(
                "Test accuracy vs {}{}",
                axis.noun(),
                title_suffix(&facet_label)
            ),
            axis.label(),
            "test accuracy",
        );
        chart.subtitle = subtitle.clone();
        chart.y_range = Some((-0.02, 1.02));
        chart.legend_title = Some(if series_paths.is_empty() {
            "mean ± std over seeds".into()
        } else {
            format!("{} (n seeds)", names(&series_paths))
        });
        for g in &groups {
            chart.series.push(curve_series(g, &series_paths));
        }
        let stem = out_dir.join(format!("curves{}", slug_suffix(&facet_label)));
        let files = plot::save(&chart, &stem)?;
        artifacts.push(Artifact {
            files,
            caption: format!(
                "Test accuracy vs {}{}: mean over seeds (line) and ± 1 sample std \
                 (band, clipped to [0, 1]); one curve per {}.",
                axis.caption(),
                for_text(&facet_label),
                if series_paths.is_empty() {
                    "setting".to_string()
                } else {
                    names(&series_paths)
                }
            ),
        });
    }

    // Phase diagrams and final accuracy vs x, when x varies.
    if table.varying.contains(&opts.x) {
        let others: Vec<String> = table
            .shown
            .iter()
            .filter(|p| **p != opts.x)
            .cloned()
            .collect();
        let x_name = short(&opts.x);
        for (label, groups) in facets(&table, &others) {
            // Largest x on top, as on a y axis.
            let mut rows: Vec<&Group> = groups;
            rows.sort_by(|a, b| numeric_cmp(b.get(&opts.x), a.get(&opts.x)));
            let iters = rows.iter().map(|g| g.test_acc.len()).max().unwrap_or(0);
            if iters == 0 {
                continue;
            }
            let values = Array2::from_shape_fn((rows.len(), iters), |(i, t)| {
                rows[i].test_acc.get(t).map_or(f64::NAN, |s| s.mean)
            });
            let mut hm = Heatmap::new(
                format!("Grokking phase diagram{}", title_suffix(&label)),
                values,
            );
            hm.subtitle = subtitle.clone();
            hm.x_label = Axis::of(&rows).label().into();
            hm.y_label = x_name.clone();
            hm.row_labels = Some(
                rows.iter()
                    .map(|g| g.get(&opts.x).unwrap_or("—").to_string())
                    .collect(),
            );
            hm.scale = ColorScale::Sequential { min: 0.0, max: 1.0 };
            hm.colorbar_label = "mean test accuracy".into();
            hm.size = (960, (160 + 44 * rows.len() as u32).clamp(420, 900));
            let stem = out_dir.join(format!("phase{}", slug_suffix(&label)));
            let files = plot::save(&hm, &stem)?;
            artifacts.push(Artifact {
                files,
                caption: format!(
                    "Grokking phase diagram{}: mean test accuracy over seeds (colour, 0 = dark \
                     purple, 1 = yellow) for each {x_name} (rows) and RFM \
                     iteration (columns); top row = largest {x_name}.",
                    for_text(&label)
                ),
            });
        }

        let mut chart = LineChart::new(
            format!("Final test accuracy vs {x_name}"),
            x_name.clone(),
            "final test accuracy",
        );
        chart.subtitle = constants_text(&table, &[]);
        chart.y_range = Some((-0.02, 1.02));
        chart.legend_title = (!others.is_empty()).then(|| names(&others));
        for (label, groups) in facets(&table, &others) {
            let mut pts: Vec<(f64, &Group)> = groups
                .iter()
                .filter_map(|g| {
                    g.get(&opts.x)
                        .and_then(|v| v.parse::<f64>().ok())
                        .map(|x| (x, *g))
                })
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            let x: Vec<f64> = pts.iter().map(|p| p.0).collect();
            let mean: Vec<f64> = pts.iter().map(|p| p.1.final_test_acc.mean).collect();
            let lo = pts
                .iter()
                .map(|p| p.1.final_test_acc.mean - p.1.final_test_acc.std)
                .collect();
            let hi = pts
                .iter()
                .map(|p| p.1.final_test_acc.mean + p.1.final_test_acc.std)
                .collect();
            chart.series.push(Series {
                label: if label.is_empty() {
                    "mean ± std over seeds".into()
                } else {
                    label
                },
                x,
                y: mean,
                band: Some((lo, hi)),
                markers: true,
            });
        }
        if chart.series.iter().any(|s| !s.x.is_empty()) {
            let stem = out_dir.join(format!("final-vs-{}", slug(&x_name)));
            let files = plot::save(&chart, &stem)?;
            artifacts.push(Artifact {
                files,
                caption: format!(
                    "Final test accuracy vs {x_name}: mean over seeds (dots and line) and ± 1 \
                     sample std (band){}.",
                    if others.is_empty() {
                        String::new()
                    } else {
                        format!(", one line per {}", names(&others))
                    }
                ),
            });
        }
    }
    Ok(artifacts)
}

/// Writes `figures.md`: each artifact's files and caption, in a section named by `made_by`; the
/// sections of earlier reports into the same directory are kept.
pub fn write_index(out_dir: &Path, artifacts: &[Artifact], made_by: &str) -> Result<PathBuf> {
    let path = out_dir.join("figures.md");
    let mut section = format!("## Made by `{made_by}`\n\n");
    let mut written = Vec::new();
    for a in artifacts {
        let names: Vec<String> = a
            .files
            .iter()
            .map(|f| {
                format!(
                    "`{}`",
                    f.file_name()
                        .map_or(String::new(), |n| n.to_string_lossy().into_owned())
                )
            })
            .collect();
        written.extend(names.iter().cloned());
        section.push_str(&format!("- {}: {}\n", names.join(", "), a.caption));
    }
    // Sections of earlier reports into this directory are kept (a report of the same command
    // replaces its own section; captions of files drawn again move to the new section).
    let earlier = std::fs::read_to_string(&path).unwrap_or_default();
    let mut s = String::from(INDEX_TITLE);
    for old in index_sections(&earlier) {
        if old.starts_with(&format!("## Made by `{made_by}`\n")) {
            continue;
        }
        let kept: Vec<&str> = old
            .lines()
            .filter(|l| !(l.starts_with("- ") && written.iter().any(|w| l.contains(w.as_str()))))
            .collect();
        if kept.iter().any(|l| l.starts_with("- ")) {
            s.push_str(kept.join("\n").trim_end());
            s.push_str("\n\n");
        }
    }
    s.push_str(&section);
    crate::report::write_atomic(&path, s.as_bytes())?;
    Ok(path)
}

const INDEX_TITLE: &str = "# Figures and tables\n\n";

/// The sections of an index (`## Made by …` and its list); the older one-section form (`Made by
/// …` without a heading) becomes a section.
fn index_sections(text: &str) -> Vec<String> {
    let body = text.strip_prefix(INDEX_TITLE).unwrap_or(text);
    let mut sections: Vec<String> = Vec::new();
    for line in body.lines() {
        let heading = line.starts_with("## Made by ") || line.starts_with("Made by `");
        if heading {
            let line = match line.strip_prefix("Made by ") {
                Some(rest) => format!("## Made by {}", rest.trim_end_matches('.')),
                None => line.to_string(),
            };
            sections.push(format!("{line}\n"));
        } else if let Some(last) = sections.last_mut() {
            last.push_str(line);
            last.push('\n');
        }
    }
    sections
}

/// Groups split by the values of `paths`, in group order: (label, groups).
fn facets<'a>(table: &'a Table, paths: &[String]) -> Vec<(String, Vec<&'a Group>)> {
    let mut out: Vec<(String, Vec<&Group>)> = Vec::new();
    for g in &table.groups {
        let label = g.label(paths);
        match out.iter_mut().find(|(l, _)| *l == label) {
            Some((_, v)) => v.push(g),
            None => out.push((label, vec![g])),
        }
    }
    out
}

/// What the x axis of a curve counts: RFM iterations, network evaluations (a network job's curve
/// has one point per evaluation, every `net.eval_every` optimizer steps), or both in one chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Axis {
    Iterations,
    Evaluations,
    Mixed,
}

impl Axis {
    fn of<G: std::borrow::Borrow<Group>>(groups: &[G]) -> Axis {
        let nets = groups.iter().filter(|g| g.borrow().is_network()).count();
        match nets {
            0 => Axis::Iterations,
            n if n == groups.len() => Axis::Evaluations,
            _ => Axis::Mixed,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Axis::Iterations => "iteration t (metrics with M_t)",
            Axis::Evaluations => "evaluation k (networks: every net.eval_every steps)",
            Axis::Mixed => "RFM iteration t / network evaluation k",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Axis::Iterations => "iteration",
            Axis::Evaluations => "evaluation",
            Axis::Mixed => "iteration or evaluation",
        }
    }

    fn caption(self) -> &'static str {
        match self {
            Axis::Iterations => "RFM iteration",
            Axis::Evaluations => {
                "network evaluation (point k is the k-th evaluation, every net.eval_every \
                 optimizer steps, the last at the final step)"
            }
            Axis::Mixed => {
                "RFM iteration (RFM curves) and network evaluation (network curves: point k is \
                 the k-th evaluation, every net.eval_every optimizer steps)"
            }
        }
    }
}

fn curve_series(g: &Group, series_paths: &[String]) -> Series {
    let x: Vec<f64> = (0..g.test_acc.len()).map(|t| t as f64).collect();
    let y: Vec<f64> = g.test_acc.iter().map(|s| s.mean).collect();
    let lo = g.test_acc.iter().map(|s| s.mean - s.std).collect();
    let hi = g.test_acc.iter().map(|s| s.mean + s.std).collect();
    let base = if series_paths.is_empty() {
        "all".to_string()
    } else {
        g.label(series_paths)
    };
    Series {
        label: format!("{base} ({})", g.seeds.len()),
        x,
        y,
        band: Some((lo, hi)),
        markers: false,
    }
}

fn short(path: &str) -> String {
    display_name(path)
}

fn names(paths: &[String]) -> String {
    paths
        .iter()
        .map(|p| short(p))
        .collect::<Vec<_>>()
        .join(", ")
}

fn paths_text(t: &Table) -> String {
    t.varying
        .iter()
        .chain(t.constant.iter().map(|(p, _)| p))
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
}

/// The most telling fixed parameters for a subtitle (task, kernel, iterations, …), plus the facet
/// paths' names.
fn constants_text(t: &Table, skip: &[String]) -> Option<String> {
    let wanted = [
        "task.operation",
        "task.modulus",
        "params.kernel.kind",
        "params.kernel.bandwidth",
        "params.ridge",
        "params.agop_power",
        "split.kind",
        "split.fraction",
    ];
    let parts: Vec<String> = t
        .constant
        .iter()
        .filter(|(p, _)| wanted.contains(&p.as_str()) && !skip.contains(p))
        .map(|(p, v)| format!("{}={v}", short(p)))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn title_suffix(label: &str) -> String {
    if label.is_empty() {
        String::new()
    } else {
        format!(" — {label}")
    }
}

fn for_text(label: &str) -> String {
    if label.is_empty() {
        String::new()
    } else {
        format!(" for {label}")
    }
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '_' | '-') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// `-value1-value2` from a facet label `name=value1, name=value2` (empty for no facet).
fn slug_suffix(label: &str) -> String {
    if label.is_empty() {
        return String::new();
    }
    let values: Vec<&str> = label
        .split(", ")
        .map(|kv| kv.split_once('=').map_or(kv, |(_, v)| v))
        .collect();
    format!("-{}", slug(&values.join("-")))
}

fn numeric_cmp(a: Option<&str>, b: Option<&str>) -> std::cmp::Ordering {
    let num = |s: Option<&str>| s.and_then(|s| s.parse::<f64>().ok());
    match (num(a), num(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => a.cmp(&b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_name_safe() {
        assert_eq!(slug_suffix("task=add, p=61"), "-add-61");
        assert_eq!(slug_suffix(""), "");
        assert_eq!(slug("x2+y2 / a b"), "x2+y2-a-b");
        assert_eq!(
            numeric_cmp(Some("0.10"), Some("0.9")),
            std::cmp::Ordering::Less
        );
    }
}

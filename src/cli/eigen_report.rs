//! `decompose --eigen K`: the leading eigenpairs of M, printed, and their figures.

use anyhow::{bail, Result};
use ndarray::Array2;
use std::path::Path;
use symrfm::analysis::{eigen_features, EigenFeatures};
use symrfm::group::Task;
use symrfm::report::eigen_figures::{eigenvector_heatmap, energy_heatmap, spectrum_chart};

/// Computes the `k` leading eigenpairs of `m`, prints a table (unless `quiet`) and writes the
/// figures `<out stem>.eigen-{spectrum,vectors,energy}.{png,svg}` next to `out`.
pub fn eigen(
    task: &Task,
    m: &Array2<f64>,
    k: usize,
    name: &str,
    out: &Path,
    quiet: bool,
) -> Result<EigenFeatures> {
    if k == 0 {
        bail!(symrfm::Error::param("--eigen", 0, "an integer ≥ 1"));
    }
    let f = eigen_features(task, m.view(), k)?;
    let desc = task.describe();
    let stem = out.with_extension("");
    let stem = stem.to_string_lossy();
    let path = |tag: &str| std::path::PathBuf::from(format!("{stem}.eigen-{tag}"));
    let mut written =
        symrfm::plot::save(&spectrum_chart(&f, name, &desc).figure, &path("spectrum"))?;
    for (fig, tag) in [
        (eigenvector_heatmap(&f, name, &desc).figure, "vectors"),
        (energy_heatmap(&f, name, &desc).figure, "energy"),
    ] {
        written.extend(symrfm::plot::save(&fig, &path(tag))?);
    }
    if !quiet {
        outln!(
            "\nleading eigenpairs of {name} (Fourier basis: {})",
            f.basis
        );
        outln!(
            "  {:>4} {:>14} {:>10} {:>12} {:>12}",
            "rank",
            "eigenvalue",
            "left share",
            "frequency",
            "energy at ±ξ"
        );
        for l in &f.leading {
            outln!(
                "  {:>4} {:>14.6e} {:>10.4} {:>12} {:>12.4}",
                l.rank,
                l.eigenvalue,
                l.left_share,
                l.dominant_frequency_name,
                l.dominant_energy
            );
        }
        for p in &written {
            outln!("wrote {}", p.display());
        }
    }
    Ok(f)
}

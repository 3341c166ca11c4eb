//! `symrfm report --matrix RUN.json --strip [--force]`: a strip of small heatmaps of the M_t a
//! run saved (`--save-every`), side by side with t and the test accuracy under each
//! ([`symrfm::report::strip`]). Writes `strip-STEM.png` and `strip-STEM.svg` into the output
//! directory, refusing existing files unless `--force`.

use super::flags::{prepare_output, to_flags};
use anyhow::Result;
use std::path::{Path, PathBuf};
use symrfm::plot;
use symrfm::report::strip::matrix_strip;
use symrfm::report::SymrfmFile;
use symrfm::sweep::figures::Artifact;

/// The two files of the strip of `path` in `out_dir`.
fn strip_paths(path: &Path, out_dir: &Path) -> (PathBuf, [PathBuf; 2]) {
    let stem = path
        .file_stem()
        .map_or("m".into(), |s| s.to_string_lossy().into_owned());
    let base = out_dir.join(format!("strip-{stem}"));
    let with = |ext: &str| {
        let mut s = base.as_os_str().to_owned();
        s.push(ext);
        PathBuf::from(s)
    };
    let files = [with(".png"), with(".svg")];
    (base, files)
}

/// Draws the strips of every run file in `paths` into `out_dir`. Every input is read and every
/// output checked before anything is written.
pub fn strip_figures(paths: &[PathBuf], out_dir: &Path, force: bool) -> Result<Vec<Artifact>> {
    let mut figures = Vec::with_capacity(paths.len());
    for path in paths {
        let run = match symrfm::report::read_file(path)? {
            SymrfmFile::Run(run) => run,
            other => {
                return Err(symrfm::Error::InvalidInput {
                    path: path.to_path_buf(),
                    reason: format!(
                        "a {} file, but --strip needs a run file (`symrfm run --save-every K`)",
                        other.kind()
                    ),
                }
                .into())
            }
        };
        let strip = matrix_strip(&run, path).map_err(|e| to_flags(e, &[]))?;
        figures.push((path, strip));
    }
    for (path, _) in &figures {
        for f in strip_paths(path, out_dir).1 {
            prepare_output(&f, force, false)?;
        }
    }
    let mut artifacts = Vec::with_capacity(figures.len());
    for (path, strip) in figures {
        let (base, _) = strip_paths(path, out_dir);
        let files = plot::save(&strip.figure, &base)?;
        artifacts.push(Artifact {
            files,
            caption: strip.caption,
        });
    }
    Ok(artifacts)
}

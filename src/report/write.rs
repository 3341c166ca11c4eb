//! Atomic writes: a file appears complete under its final name or not at all.

use crate::error::{Error, Result};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

fn unwritable(path: &Path, reason: impl ToString) -> Error {
    Error::Unwritable {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Checks, before any work is done, that `path` can be written: its directory exists (or is created
/// when `create_dir`) and accepts a file. Nothing is left behind.
pub fn check_writable(path: &Path, create_dir: bool) -> Result<()> {
    if path.as_os_str().is_empty() || path.file_name().is_none() {
        return Err(unwritable(path, "not a file path"));
    }
    if path.is_dir() {
        return Err(unwritable(path, "is a directory"));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        if create_dir {
            std::fs::create_dir_all(&dir)
                .map_err(|e| unwritable(path, format!("cannot create {}: {e}", dir.display())))?;
        } else {
            return Err(unwritable(
                path,
                format!("directory {} does not exist", dir.display()),
            ));
        }
    }
    let probe = temp_path(path);
    std::fs::File::create(&probe).map_err(|e| unwritable(path, e))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Writes `bytes` to `path` atomically: to a temporary file in the same directory, flushed to disk,
/// then renamed over `path`. On failure the temporary file is removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_path(path);
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(unwritable(path, e));
    }
    Ok(())
}

/// Serializes `value` as pretty JSON (with a final newline) and writes it atomically.
pub fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| unwritable(path, e))?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}

/// Writes a matrix as `.npy` (float64, C order) atomically.
pub fn write_npy_atomic(path: &Path, m: &ndarray::Array2<f64>) -> Result<()> {
    let mut bytes = Vec::new();
    ndarray_npy::WriteNpyExt::write_npy(m, &mut bytes).map_err(|e| unwritable(path, e))?;
    write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("symrfm-write-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.json");
        write_json_atomic(&path, &vec![1, 2, 3]).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path)
                .unwrap()
                .replace(char::is_whitespace, ""),
            "[1,2,3]"
        );
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name() != "x.json")
            .collect();
        assert!(leftovers.is_empty());
        assert!(check_writable(&dir.join("missing/y.json"), false).is_err());
        assert!(check_writable(&dir, false).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

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

/// Temporary files being written right now (normally zero or one).
static PENDING: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// A temporary file registered in [`PENDING`] for as long as the guard lives.
struct Pending(PathBuf);

impl Pending {
    fn register(path: &Path) -> Pending {
        PENDING
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(path.to_path_buf());
        Pending(path.to_path_buf())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        let mut pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = pending.iter().position(|p| *p == self.0) {
            pending.swap_remove(i);
        }
    }
}

/// Removes the temporary files of atomic writes in progress. For a process about to exit at once
/// (a second Ctrl-C): without it, a write interrupted between creating and renaming its temporary
/// file would leave `.NAME.PID.tmp` behind. The final file is never touched.
pub fn remove_pending_temp_files() {
    remove_pending_where(|_| true);
}

/// Removes (and forgets) the pending temporary files whose path satisfies `pick`.
fn remove_pending_where(pick: impl Fn(&Path) -> bool) {
    let mut pending = PENDING.lock().unwrap_or_else(|e| e.into_inner());
    pending.retain(|p| {
        if pick(p) {
            let _ = std::fs::remove_file(p);
            false
        } else {
            true
        }
    });
}

fn unwritable(path: &Path, reason: impl ToString) -> Error {
    Error::Unwritable {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// How a command treats an output file that already exists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Existing {
    /// Refuse: results are never overwritten unless asked (the default).
    #[default]
    Refuse,
    /// Overwrite it (the spec name `output.overwrite`; the CLI's `--force`).
    Overwrite,
}

impl Existing {
    /// `Overwrite` when `overwrite` is true.
    pub fn overwrite_if(overwrite: bool) -> Self {
        if overwrite {
            Existing::Overwrite
        } else {
            Existing::Refuse
        }
    }
}

/// What [`prepare_output`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prepared {
    /// The directory it created for the file (missing directories are created, like `mkdir -p`).
    pub created_dir: Option<PathBuf>,
}

/// Checks, before any work is done, that `path` can be written, under the one rule every command
/// follows:
/// - a missing directory is created (and reported in [`Prepared::created_dir`]);
/// - an existing file is refused unless `existing` is [`Existing::Overwrite`];
/// - the directory must accept a file (probed with a temporary file, removed again).
pub fn prepare_output(path: &Path, existing: Existing) -> Result<Prepared> {
    if path.as_os_str().is_empty() || path.file_name().is_none() {
        return Err(unwritable(path, "not a file path"));
    }
    if path.is_dir() {
        return Err(unwritable(path, "is a directory"));
    }
    if existing == Existing::Refuse && path.exists() {
        return Err(unwritable(
            path,
            "the file exists and results are not overwritten unless asked (`output.overwrite`); \
             or choose another `output.path`",
        ));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut prepared = Prepared::default();
    if !dir.is_dir() {
        std::fs::create_dir_all(&dir)
            .map_err(|e| unwritable(path, format!("cannot create {}: {e}", dir.display())))?;
        prepared.created_dir = Some(dir);
    }
    let probe = temp_path(path);
    std::fs::File::create(&probe).map_err(|e| unwritable(path, e))?;
    let _ = std::fs::remove_file(&probe);
    Ok(prepared)
}

/// Writes `bytes` to `path` atomically: to a temporary file in the same directory, flushed to disk,
/// then renamed over `path`. On failure the temporary file is removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_path(path);
    let _pending = Pending::register(&tmp);
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

/// Serializes `value` as JSON in the layout described at [`Layout`] (with a final newline).
pub fn to_json_bytes<T: Serialize>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut bytes, Layout::default());
    value.serialize(&mut ser)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Serializes `value` (see [`to_json_bytes`]) and writes it atomically.
pub fn write_json_atomic<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let bytes = to_json_bytes(value).map_err(|e| unwritable(path, e))?;
    write_atomic(path, &bytes)
}

#[derive(Clone, Copy, Debug)]
enum Ctx {
    Object { pretty: bool, empty: bool },
    Array { broken: bool },
}

/// A JSON layout for large numeric reports: objects outside arrays are indented one key per line;
/// arrays are compact, except that objects and arrays directly inside a top-level array start on
/// their own line (one iteration record per line, one matrix row per line).
#[derive(Debug, Default)]
pub struct Layout {
    stack: Vec<Ctx>,
}

impl Layout {
    fn arrays(&self) -> usize {
        self.stack
            .iter()
            .filter(|c| matches!(c, Ctx::Array { .. }))
            .count()
    }
    fn newline<W: ?Sized + Write>(&self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..self.stack.len() {
            w.write_all(b"  ")?;
        }
        Ok(())
    }
    /// A value opening inside an array on the outermost array level starts a new line.
    fn break_in_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        if self.arrays() == 1 {
            if let Some(Ctx::Array { broken }) = self.stack.last_mut() {
                *broken = true;
                return self.newline(w);
            }
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for Layout {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.break_in_array(w)?;
        self.stack.push(Ctx::Array { broken: false });
        w.write_all(b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        if let Some(Ctx::Array { broken: true }) = self.stack.pop() {
            self.newline(w)?;
        }
        w.write_all(b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b",")
        }
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.break_in_array(w)?;
        let pretty = self.arrays() == 0;
        self.stack.push(Ctx::Object {
            pretty,
            empty: true,
        });
        w.write_all(b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        if let Some(Ctx::Object {
            pretty: true,
            empty: false,
        }) = self.stack.pop()
        {
            self.newline(w)?;
        }
        w.write_all(b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        match self.stack.last_mut() {
            Some(Ctx::Object { pretty, empty }) => {
                *empty = false;
                if *pretty {
                    self.newline(w)
                } else if !first {
                    w.write_all(b" ")
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
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
    fn layout_is_valid_json_with_one_row_per_line() {
        let value = serde_json::json!({"a": 1, "rows": [[1.5, 2.0], [3.0, 4.0]], "recs": [{"x": 1, "y": [1, 2]}, {}], "e": []});
        let text = String::from_utf8(to_json_bytes(&value).unwrap()).unwrap();
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
        assert!(text.contains("\n    [1.5,2.0],\n    [3.0,4.0]\n"), "{text}");
        assert!(text.contains("{\"x\": 1, \"y\": [1,2]}"), "{text}");
    }

    #[test]
    fn pending_temporary_files_are_removed_on_request_and_forgotten_when_done() {
        let dir = std::env::temp_dir().join(format!("symrfm-pending-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let final_path = dir.join("out.json");
        std::fs::write(&final_path, "old").unwrap();
        let tmp = temp_path(&final_path);
        // A write in progress: its temporary file exists and is registered.
        let guard = Pending::register(&tmp);
        std::fs::write(&tmp, "partial").unwrap();
        // (Only this test's directory: other tests write atomically in parallel.)
        let mine = |p: &Path| p.starts_with(&dir);
        remove_pending_where(mine);
        assert!(!tmp.exists(), "the temporary file is removed");
        assert_eq!(std::fs::read_to_string(&final_path).unwrap(), "old");
        drop(guard);
        // A finished write is no longer pending: a later request does not touch its path.
        let done = Pending::register(&tmp);
        drop(done);
        std::fs::write(&tmp, "someone else's").unwrap();
        remove_pending_where(mine);
        assert!(tmp.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

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
        assert!(prepare_output(&dir, Existing::Overwrite).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn outputs_refuse_existing_files_and_create_missing_directories() {
        let dir = std::env::temp_dir().join(format!("symrfm-prepare-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let nested = dir.join("a/b/y.json");
        let prepared = prepare_output(&nested, Existing::Refuse).unwrap();
        assert_eq!(
            prepared.created_dir.as_deref(),
            Some(dir.join("a/b").as_path())
        );
        assert!(dir.join("a/b").is_dir() && !nested.exists());
        std::fs::write(&nested, "x").unwrap();
        let err = prepare_output(&nested, Existing::Refuse).unwrap_err();
        assert!(err.to_string().contains("`output.overwrite`"), "{err}");
        assert!(err.is_usage());
        assert_eq!(
            prepare_output(&nested, Existing::Overwrite).unwrap(),
            Prepared::default()
        );
        assert_eq!(std::fs::read_to_string(&nested).unwrap(), "x");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

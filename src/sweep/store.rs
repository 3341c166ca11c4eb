//! The results file: JSON lines, appended safely so that a killed sweep loses nothing finished.
//!
//! - Each line is written with one `write` to a file opened with `O_APPEND`, then `fsync`ed, so a
//!   line is either complete on disk or (at worst, on a torn write) a partial *last* line.
//! - On opening for a sweep, a trailing partial line (no final newline) is truncated away; every
//!   complete line must parse, or the file is refused (nothing is silently dropped).
//! - Readers ([`read_results`]) ignore a trailing partial line without modifying the file.
//! - A sweep holds an exclusive advisory lock on the file while it runs, so a second sweep on the
//!   same file is refused instead of appending lines in between.

use super::line::ResultLine;
use crate::error::{Error, Result};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The contents of a results file.
#[derive(Clone, Debug, Default)]
pub struct Contents {
    /// The complete lines, in file order.
    pub lines: Vec<ResultLine>,
    /// Bytes of a trailing partial line (0 if the file ends with a newline).
    pub partial_bytes: usize,
}

/// Parses the bytes of a results file.
fn parse(path: &Path, bytes: &[u8]) -> Result<(Contents, usize)> {
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut lines = Vec::new();
    for (k, raw) in bytes[..complete].split(|&b| b == b'\n').enumerate() {
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let line: ResultLine = serde_json::from_slice(raw).map_err(|e| Error::InvalidInput {
            path: path.to_path_buf(),
            reason: format!("line {} is not a symrfm result line: {e}", k + 1),
        })?;
        lines.push(line);
    }
    Ok((
        Contents {
            lines,
            partial_bytes: bytes.len() - complete,
        },
        complete,
    ))
}

/// Reads a results file, ignoring a trailing partial line (the file is not modified).
pub fn read_results(path: &Path) -> Result<Contents> {
    let bytes = std::fs::read(path).map_err(|e| Error::InvalidInput {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    parse(path, &bytes).map(|(c, _)| c)
}

/// A results file open for appending.
#[derive(Debug)]
pub struct ResultsLog {
    path: PathBuf,
    file: File,
}

fn io_err(path: &Path, e: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source: e,
    }
}

impl ResultsLog {
    /// Opens (creating it if needed) `path` for appending, after reading its complete lines and
    /// truncating a trailing partial line away.
    pub fn open(path: &Path) -> Result<(ResultsLog, Contents)> {
        let unwritable = |reason: String| Error::Unwritable {
            path: path.to_path_buf(),
            reason,
        };
        if path.is_dir() {
            return Err(unwritable("is a directory".into()));
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| unwritable(e.to_string()))?;
        // One writer at a time: an exclusive advisory lock, held while this log is open (released
        // by the OS when the process ends, however it ends).
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(unwritable(
                    "another sweep is writing to this results file; wait for it to finish or \
                     choose another -o"
                        .into(),
                ))
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(unwritable(format!("cannot lock it: {e}")))
            }
        }
        let (contents, complete) = match std::fs::read(path) {
            Ok(bytes) => parse(path, &bytes)?,
            Err(e) => return Err(unwritable(e.to_string())),
        };
        if contents.partial_bytes > 0 {
            file.set_len(complete as u64)
                .and_then(|()| file.sync_all())
                .map_err(|e| io_err(path, e))?;
        }
        Ok((
            ResultsLog {
                path: path.to_path_buf(),
                file,
            },
            contents,
        ))
    }

    /// Appends one line: serialized whole, written with a single `write` (O_APPEND), then synced.
    pub fn append(&mut self, line: &ResultLine) -> Result<()> {
        let mut bytes = serde_json::to_vec(line).map_err(|e| Error::Unwritable {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        bytes.push(b'\n');
        // write_all issues one write(2) for the whole buffer; it loops only if the kernel
        // accepted part of it (e.g. a full disk), in which case the error below is reported.
        self.file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| io_err(&self.path, e))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::line::{Execution, JobStatus};

    fn line(id: &str) -> ResultLine {
        ResultLine {
            schema_version: 1,
            job_id: id.into(),
            job_index: 0,
            config: serde_json::json!({"kind": "run"}),
            status: JobStatus::Failed,
            error: Some("x".into()),
            outcome: None,
            execution: Execution::default(),
        }
    }

    #[test]
    fn a_partial_last_line_is_truncated_and_complete_lines_survive() {
        let dir = std::env::temp_dir().join(format!("symrfm-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("r.jsonl");
        let _ = std::fs::remove_file(&path);
        {
            let (mut log, contents) = ResultsLog::open(&path).unwrap();
            assert!(contents.lines.is_empty());
            log.append(&line("a")).unwrap();
            log.append(&line("b")).unwrap();
        }
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"schema_version\":1,\"job_id\":\"c\",\"jo")
            .unwrap();
        drop(f);
        let read = read_results(&path).unwrap();
        assert_eq!(read.lines.len(), 2);
        assert!(read.partial_bytes > 0);
        let before = std::fs::metadata(&path).unwrap().len();
        let (mut log, contents) = ResultsLog::open(&path).unwrap();
        assert_eq!(contents.lines, vec![line("a"), line("b")]);
        assert!(std::fs::metadata(&path).unwrap().len() < before);
        log.append(&line("c")).unwrap();
        drop(log);
        let read = read_results(&path).unwrap();
        let ids: Vec<&str> = read.lines.iter().map(|l| l.job_id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(read.partial_bytes, 0);
        // A corrupt complete line is refused, not dropped.
        std::fs::write(&path, b"{\"job_id\": 1}\n").unwrap();
        let e = ResultsLog::open(&path).unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_second_writer_is_refused_while_the_first_holds_the_file() {
        let dir = std::env::temp_dir().join(format!("symrfm-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("r.jsonl");
        let _ = std::fs::remove_file(&path);
        let (mut first, _) = ResultsLog::open(&path).unwrap();
        first.append(&line("a")).unwrap();
        let e = ResultsLog::open(&path).unwrap_err();
        assert!(e.to_string().contains("another sweep"), "{e}");
        // Readers are not blocked, and the first writer's lines are intact.
        assert_eq!(read_results(&path).unwrap().lines, vec![line("a")]);
        drop(first);
        let (_, contents) = ResultsLog::open(&path).unwrap();
        assert_eq!(contents.lines, vec![line("a")]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

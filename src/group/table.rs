//! Any pairwise task from a file (`task.table`): an n × n CSV of integer labels.
//!
//! Format: n rows of n comma-separated integers, row a holding the labels of (a, 0), …, (a, n−1).
//! Optionally a first row of symbol names (none of them an integer): either n names, or an empty corner cell followed by n
//! names, in which case every row starts with its symbol's name (and it must match the header).
//! Blank lines and lines starting with `#` are skipped. The classes are 0..c−1 with c the largest
//! label + 1; labels must be integers ≥ 0, and 1 ≤ n ≤ 4096.

use super::task::{Task, TaskSpec, MAX_SYMBOLS};
use crate::error::{Error, Result};
use std::path::Path;

/// A label table read from a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelTable {
    /// Symbol names (`0..n−1` when the file has none).
    pub symbol_names: Vec<String>,
    /// Labels, `labels[a * n + b]`.
    pub labels: Vec<u32>,
    /// Number of classes (largest label + 1).
    pub n_classes: usize,
}

/// Parses the text of a label table; errors are reasons (without the path).
pub fn parse_label_table(text: &str) -> std::result::Result<LabelTable, String> {
    let rows: Vec<(usize, Vec<&str>)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| (i + 1, l.split(',').map(str::trim).collect()))
        .collect();
    let Some((_, first)) = rows.first() else {
        return Err("the table is empty".into());
    };
    let is_int = |c: &str| c.parse::<i64>().is_ok();
    // a header row holds no integer (symbol names that are integers: leave the header out)
    let (header, body, row_names) = if first.iter().any(|c| is_int(c)) {
        (None, &rows[..], false)
    } else if first[0].is_empty() {
        (Some(first[1..].to_vec()), &rows[1..], true)
    } else {
        (Some(first.clone()), &rows[1..], false)
    };
    let n = body.len();
    if n == 0 {
        return Err("the table has no rows of labels".into());
    }
    if n > MAX_SYMBOLS as usize {
        return Err(format!("{n} rows; at most {MAX_SYMBOLS} symbols"));
    }
    if let Some(h) = &header {
        if h.len() != n {
            return Err(format!(
                "the header names {} symbols but there are {n} rows: the table must be square",
                h.len()
            ));
        }
        let mut sorted = h.clone();
        sorted.sort_unstable();
        if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!("the symbol name `{}` appears twice", w[0]));
        }
        if h.iter().any(|c| c.is_empty()) {
            return Err("a symbol name in the header is empty".into());
        }
    }
    let mut labels = Vec::with_capacity(n * n);
    for (a, (line, cells)) in body.iter().enumerate() {
        let cells = if row_names {
            let name = cells[0];
            let expected = header.as_ref().map_or("", |h| h[a]);
            if name != expected {
                return Err(format!(
                    "line {line}: the row starts with `{name}`, expected the symbol name `{expected}`"
                ));
            }
            &cells[1..]
        } else {
            &cells[..]
        };
        if cells.len() != n {
            return Err(format!(
                "line {line}: {} labels, expected {n}: the table must be square ({n} rows)",
                cells.len()
            ));
        }
        for cell in cells {
            let v: i64 = cell
                .parse()
                .map_err(|_| format!("line {line}: `{cell}` is not an integer label"))?;
            if !(0..=u32::MAX as i64 / 2).contains(&v) {
                return Err(format!(
                    "line {line}: label {v} is outside 0..c−1 (labels are integers ≥ 0)"
                ));
            }
            labels.push(v as u32);
        }
    }
    let n_classes = labels.iter().copied().max().unwrap_or(0) as usize + 1;
    if n_classes > n * n {
        return Err(format!(
            "the largest label is {} but {n}² = {} pairs can use at most {} classes 0..{}",
            n_classes - 1,
            n * n,
            n * n,
            n * n - 1
        ));
    }
    let symbol_names = match header {
        Some(h) => h.iter().map(|s| s.to_string()).collect(),
        None => (0..n).map(|a| a.to_string()).collect(),
    };
    Ok(LabelTable {
        symbol_names,
        labels,
        n_classes,
    })
}

/// Reads a label table file (errors name the file).
pub fn read_label_table(path: &Path) -> Result<LabelTable> {
    let bad = |reason: String| Error::InvalidInput {
        path: path.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
    parse_label_table(&text).map_err(bad)
}

/// The task `table` on `spec.table`.
pub(crate) fn table_task(spec: &TaskSpec) -> Result<Task> {
    let path = spec.table.as_ref().ok_or_else(|| {
        Error::param(
            "task.table",
            "(none)",
            "an n × n CSV file of integer labels for task table",
        )
    })?;
    let t = read_label_table(path)?;
    Ok(Task::from_parts(
        spec.clone(),
        t.n_classes,
        t.labels,
        t.symbol_names,
        None,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_with_and_without_names() {
        let t = parse_label_table("0,1\n1,0\n").unwrap();
        assert_eq!((t.labels.clone(), t.n_classes), (vec![0, 1, 1, 0], 2));
        assert_eq!(t.symbol_names, ["0", "1"]);
        let t = parse_label_table("x,y\n0,1\n1,2\n").unwrap();
        assert_eq!(
            (t.symbol_names.clone(), t.n_classes),
            (vec!["x".into(), "y".into()], 3)
        );
        let t = parse_label_table("# comment\n,x,y\nx,0,1\n\ny,1,0\n").unwrap();
        assert_eq!(t.symbol_names, ["x", "y"]);
        assert_eq!(t.labels, [0, 1, 1, 0]);
    }

    #[test]
    fn bad_tables_say_why() {
        for (text, why) in [
            ("", "empty"),
            ("# only a comment\n", "empty"),
            ("0,1\n1\n", "square"),
            ("0,1\n1,0\n0,0\n", "square"),
            ("0,-1\n1,0\n", "outside 0..c−1"),
            ("0,a\n1,0\n", "`a`"),
            ("x,x\n0,1\n1,0\n", "twice"),
            ("x,y\n", "no rows"),
            (",x,y\nx,0,1\nz,1,0\n", "`z`"),
            ("0,9\n1,0\n", "at most 4 classes"),
        ] {
            let e = parse_label_table(text).expect_err(text);
            assert!(e.contains(why), "{text:?}: {e}");
        }
    }
}

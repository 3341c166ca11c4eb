//! The library's top-level modules depend on each other in one direction only, following the
//! layout in README.md: group → data → symmetry → kernel → solve → rfm → analysis → report/plot →
//! experiment → sweep (helpers such as `error`, `linalg`, `parallel` below everything). This test
//! reads every `crate::<module>` path outside comments and fails on a cycle, naming it, and on a
//! dependency that points up the layout. The binary's subcommand files (`src/cli`) get the same
//! cycle check.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first; a module may use modules of its own layer's predecessors only
/// (modules of one layer may not use each other).
const LAYERS: &[&[&str]] = &[
    &["error"],
    &["simd"],
    &["parallel"],
    &["output"],
    &["gram"],
    &["linalg"],
    &["group"],
    &["data"],
    &["symmetry"],
    &["kernel"],
    &["solve"],
    &["rfm"],
    &["net"],
    &["naive", "analysis"],
    &["plot"],
    &["report"],
    &["perf", "experiment"],
    &["sweep"],
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without line comments (doc comments included) and without its unit tests
/// (`#[cfg(test)]` to the end of the file).
fn code_lines(text: &str) -> Vec<String> {
    text.lines()
        .take_while(|l| l.trim() != "#[cfg(test)]")
        .map(|l| {
            let l = l.trim_start();
            if l.starts_with("//") {
                String::new()
            } else {
                l.split("//").next().unwrap_or("").to_string()
            }
        })
        .collect()
}

/// Every `<prefix><name>` in the code of `text` (e.g. `crate::rfm`, `super::run`).
fn uses(text: &str, prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in code_lines(text) {
        let mut rest = line.as_str();
        while let Some(at) = rest.find(prefix) {
            rest = &rest[at + prefix.len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
        // `use crate::{a, b}` and `use super::{a, b}`
        if let Some(group) = line.split(&format!("{prefix}{{")).nth(1) {
            for item in group.split(['}', ',']) {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
    }
    out
}

/// The module graph of the files under `root`: the first path component below `root` names the
/// module; edges are the `prefix` paths each module's files use.
fn graph(root: &Path, prefix: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(root).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if matches!(module.as_str(), "lib" | "main" | "mod") {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let deps = uses(&text, prefix);
        let entry = g.entry(module.clone()).or_default();
        entry.extend(deps.into_iter().filter(|d| *d != module));
    }
    g
}

/// A cycle in `g`, if any, as the list of modules along it.
fn find_cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in g.get(node).into_iter().flatten() {
            if !g.contains_key(next) {
                continue;
            }
            match state.get(next.as_str()).copied().unwrap_or(0) {
                1 => {
                    let start = stack.iter().position(|s| s == next).unwrap();
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(next, g, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in g.keys() {
        if state.get(node.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(node, g, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let edge = |g: &mut BTreeMap<String, BTreeSet<String>>, a: &str, b: &str| {
        g.entry(a.into()).or_default().insert(b.into());
        g.entry(b.into()).or_default();
    };
    edge(&mut g, "a", "b");
    edge(&mut g, "b", "c");
    assert_eq!(find_cycle(&g), None);
    edge(&mut g, "c", "a");
    assert_eq!(
        find_cycle(&g),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    let text = "use crate::{data::Split, rfm};\n// use crate::plot;\nlet x = crate::group::f();";
    let found: Vec<String> = uses(text, "crate::").into_iter().collect();
    assert_eq!(found, ["data", "group", "rfm"]);
}

#[test]
fn library_modules_form_a_dag_that_follows_the_layout() {
    let g = graph(Path::new("src"), "crate::");
    let g: BTreeMap<_, _> = g.into_iter().filter(|(m, _)| m != "cli").collect();
    if let Some(cycle) = find_cycle(&g) {
        panic!("module cycle: {}", cycle.join(" → "));
    }
    let layer = |m: &str| LAYERS.iter().position(|l| l.contains(&m));
    for (module, deps) in &g {
        let Some(own) = layer(module) else {
            panic!("module `{module}` is not in the layout of tests/architecture.rs")
        };
        for dep in deps {
            let Some(theirs) = layer(dep) else { continue };
            assert!(
                theirs < own,
                "`{module}` uses `{dep}`, which comes at or after it in the layout"
            );
        }
    }
}

#[test]
fn cli_subcommand_files_form_a_dag() {
    let g = graph(Path::new("src/cli"), "super::");
    if let Some(cycle) = find_cycle(&g) {
        panic!("cycle between files of src/cli: {}", cycle.join(" → "));
    }
}

/// The binary prints only through `outln!`/`out!`/`errln!` (src/cli/mod.rs), which drop their text
/// when the reader is gone: `println!` would panic on a closed pipe (`symrfm run | head -1`) before
/// the result file is written.
#[test]
fn the_binary_never_prints_with_panicking_macros() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![root.join("main.rs")];
    rust_files(&root.join("cli"), &mut files);
    let mut offenders = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for line in code_lines(&text) {
            let t = line.trim_start();
            if ["println!", "print!", "eprintln!", "eprint!"]
                .iter()
                .any(|m| {
                    t.starts_with(m) || t.contains(&format!(" {m}")) || t.contains(&format!("({m}"))
                })
            {
                offenders.push(format!("{}: {t}", file.display()));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

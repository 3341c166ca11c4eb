//! The documentation cannot drift from the code or go stale against the committed results.
//!
//! Parts of README.md and docs/ are *generated*: between `<!-- generated: NAME -->` and
//! `<!-- end generated: NAME -->` lines, the text is exactly what a function below makes from the
//! binary's `--help` (the CLI reference in docs/cli.md) or from the committed results
//! (`results/bench.json`, `results/peers.md`: every performance number). A test fails when a block
//! differs; regenerate them all with
//!
//! ```sh
//! SYMRFM_BLESS=1 cargo test --release --test all docs::
//! ```
//!
//! (`cli_reference` alone: `SYMRFM_BLESS=1 cargo test --release --test all cli_reference`).
//! Outside the generated blocks, README.md and docs/ (but SCIENCE.md) may not state a number with a
//! unit of time, memory or speed (`4.2 s`, `55 MiB`, `16×`): such numbers belong in a block.

use crate::common::{ok, repo, symrfm};
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

fn bless() -> bool {
    std::env::var_os("SYMRFM_BLESS").is_some_and(|v| v == "1")
}

fn begin_marker(name: &str) -> String {
    format!("<!-- generated: {name} -->")
}

fn end_marker(name: &str) -> String {
    format!("<!-- end generated: {name} -->")
}

/// Checks (or, with SYMRFM_BLESS=1, rewrites) the block `name` of the file `doc` (relative to
/// the repository) against `expected`.
fn check_block(doc: &str, name: &str, expected: &str) {
    let path = repo(doc);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{doc}: {e}"));
    let (begin, end) = (begin_marker(name), end_marker(name));
    let start = text
        .find(&begin)
        .unwrap_or_else(|| panic!("{doc} has no line {begin}"))
        + begin.len();
    let stop = start
        + text[start..]
            .find(&end)
            .unwrap_or_else(|| panic!("{doc} has no line {end}"));
    let want = format!("\n{}\n", expected.trim_end());
    if text[start..stop] == want {
        return;
    }
    if bless() {
        let new = format!("{}{want}{}", &text[..start], &text[stop..]);
        let tmp = path.with_extension("md.tmp");
        std::fs::write(&tmp, new).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        return;
    }
    let (old, new): (Vec<&str>, Vec<&str>) =
        (text[start..stop].lines().collect(), want.lines().collect());
    let first = old
        .iter()
        .zip(&new)
        .position(|(a, b)| a != b)
        .unwrap_or(old.len().min(new.len()));
    panic!(
        "{doc}: the generated block `{name}` is stale (first difference at its line {first}:\n  \
         file: {:?}\n  now:  {:?}).\nRegenerate: SYMRFM_BLESS=1 cargo test --release --test all docs::",
        old.get(first).unwrap_or(&"<end>"),
        new.get(first).unwrap_or(&"<end>")
    );
}

/// The subcommands listed by `symrfm --help`.
fn subcommands(dir: &Path) -> Vec<String> {
    let help = ok(&symrfm(&["--help"], dir));
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// The CLI reference: `symrfm --help` and `symrfm COMMAND --help` for every command.
fn cli_reference_text() -> String {
    let dir = std::env::temp_dir();
    let mut out = String::new();
    let commands = subcommands(&dir);
    assert!(commands.len() >= 5, "{commands:?}");
    // The contents of the reference, generated with it.
    out.push_str("- [symrfm](#symrfm)\n");
    for c in &commands {
        let _ = writeln!(out, "- [symrfm {c}](#symrfm-{c})");
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "## symrfm\n\n```text\n{}```\n",
        ok(&symrfm(&["--help"], &dir))
    );
    for c in &commands {
        let help = ok(&symrfm(&[c, "--help"], &dir));
        let _ = writeln!(out, "## symrfm {c}\n\n```text\n{help}```\n");
    }
    out
}

#[test]
fn cli_reference() {
    check_block("docs/cli.md", "cli-reference", &cli_reference_text());
}

fn bench() -> Value {
    crate::common::json(&repo("results/bench.json"))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// The benchmark table of docs/performance.md, from results/bench.json.
fn bench_text() -> String {
    let b = bench();
    let m = &b["machine"];
    let load = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| format!("{:.2}", f(x)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "From `results/bench.json` (`symrfm bench`, version {}): {} ({} cores, {}), {} threads; load \
         average {} before, {} after.\n",
        b["symrfm_version"].as_str().unwrap(),
        m["cpu_model"].as_str().unwrap(),
        m["cores"],
        m["simd"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect::<Vec<_>>()
            .join(" "),
        b["threads"],
        load(&m["load_average"]),
        load(&b["load_average_after"]),
    );
    for c in b["ceilings"].as_array().unwrap() {
        let _ = writeln!(
            out,
            "GEMM ceiling ({}, {}³, f64): {:.1} GFLOP/s on one thread, {:.1} GFLOP/s on all.\n",
            c["backend"].as_str().unwrap(),
            c["size"],
            f(&c["gflops_one_thread"]),
            f(&c["gflops"])
        );
    }
    out.push_str(
        "| p | training pairs | s per iteration (median) | factorization + solve GFLOP/s | AGOP GFLOP/s | \
         peak memory (estimate) | structured vs dense AGOP |\n|---|---|---|---|---|---|---|\n",
    );
    for s in b["sizes"].as_array().unwrap() {
        let med = &s["median"];
        let dense = match s.get("agop_vs_dense") {
            Some(d) if !d.is_null() => format!(
                "{:.1}× (max rel. diff {:.1e})",
                f(&d["speedup"]),
                f(&d["max_rel_diff"])
            ),
            _ => "–".into(),
        };
        let mem = match (s.get("peak_rss_mib"), s.get("estimated_mib")) {
            (Some(p), Some(e)) if !p.is_null() => format!("{:.0} MiB ({:.0} MiB)", f(p), f(e)),
            _ => "–".into(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {:.3} s | {:.0} | {:.0} | {mem} | {dense} |",
            s["p"],
            s["sizes"]["n_train"],
            f(&med["seconds"]["total"]),
            f(&med["solve_gflops"]),
            f(&med["agop_gflops"]),
        );
    }
    out.push_str(
        "\nFull runs (50 iterations, `symrfm run` wall time and peak memory):\n\n\
         | p | f64 | f32 | f64 peak memory | f32 peak memory | largest test-accuracy difference | ‖M_f32 − M_f64‖ / ‖M_f64‖ |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for r in b["full_runs"].as_array().unwrap() {
        let _ = writeln!(
            out,
            "| {} | {:.2} s | {:.2} s | {:.0} MiB | {:.0} MiB | {:.4} | {:.1e} |",
            r["p"],
            f(&r["f64_seconds"]),
            f(&r["f32_seconds"]),
            f(&r["f64_peak_rss_mib"]),
            f(&r["f32_peak_rss_mib"]),
            f(&r["max_test_acc_diff"]),
            f(&r["final_m_rel_diff"]),
        );
    }
    for g in b["group_runs"].as_array().unwrap() {
        let _ = writeln!(
            out,
            "\nA non-abelian group costs what `add` of the same size costs: {} ({} symbols, {} \
             training pairs): {:.2} s per iteration against {:.2} s for `add` mod {} (cost model: \
             {:.2} s).",
            g["group"].as_str().unwrap(),
            g["n_symbols"],
            g["n_train"],
            f(&g["seconds_per_iteration"]),
            f(&g["add_seconds_per_iteration"]),
            g["n_symbols"],
            f(&g["predicted_seconds_per_iteration"]),
        );
    }
    let sc = &b["scaling"];
    let _ = writeln!(
        out,
        "\nScaling fit over the sizes above: t ≈ {:.2e} · n^{:.2} s per iteration (n training pairs).",
        f(&sc["a"]),
        f(&sc["b"])
    );
    out
}

/// The rows of a `<!-- NAME -->` … `<!-- end NAME -->` measurement block of results/peers.md:
/// (program, runs, median wall s, peak memory), its ratio line and its load-average line.
struct PeerBlock {
    rows: Vec<Vec<String>>,
    ratio: String,
    load: String,
}

fn peer_block(peers: &str, name: &str) -> Option<PeerBlock> {
    let begin = format!("<!-- {name} -->");
    let start = peers.find(&begin)? + begin.len();
    let stop = start + peers[start..].find(&format!("<!-- end {name} -->"))?;
    let block = &peers[start..stop];
    let rows = block
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---") && !l.starts_with("| program"))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect();
    let ratio = block
        .lines()
        .find(|l| l.starts_with("Ratio of medians"))?
        .to_string();
    let load = block
        .lines()
        .find(|l| l.starts_with("Load average before"))
        .unwrap_or("")
        .to_string();
    Some(PeerBlock { rows, ratio, load })
}

/// The ratio N of "… **N×**".
fn ratio_value(line: &str) -> String {
    let s = line.rsplit("**").nth(1).unwrap_or(line);
    s.trim().to_string()
}

/// The largest of the first three numbers after "Load average before:" (the 1-minute one is the
/// first).
fn load_before(line: &str) -> Option<f64> {
    let after = line.split("before").nth(1)?;
    after
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|t| t.parse::<f64>().ok())
        .next()
}

/// The reference measurement the README quotes: the quiet one if results/peers.md has it
/// (`<!-- reference p61 quiet -->`), else the loaded one (`<!-- reference p61 loaded -->`), labelled so.
fn reference_block(peers: &str) -> PeerBlock {
    peer_block(peers, "reference p61 quiet")
        .or_else(|| peer_block(peers, "reference p61 loaded"))
        .expect("results/peers.md has no <!-- reference p61 quiet --> or <!-- reference p61 loaded --> block")
}

/// The performance line of README.md, from results/peers.md.
fn readme_speed_text() -> String {
    let peers = std::fs::read_to_string(repo("results/peers.md")).unwrap();
    let r = reference_block(&peers);
    let row = |prog: &str| {
        r.rows
            .iter()
            .find(|row| row[0] == prog)
            .unwrap_or_else(|| panic!("results/peers.md: no `{prog}` row"))
            .clone()
    };
    let (ours, theirs) = (row("symrfm"), row("reference"));
    let load = load_before(&r.load);
    let caveat = match load {
        Some(l) if l < 1.0 => format!("a quiet machine: load average {l:.2} before the runs"),
        Some(l) => format!(
            "under load (load average {l:.2} before the runs), which slows the reference more than \
             symrfm: a quiet machine gives a smaller ratio"
        ),
        None => "load not recorded".into(),
    };
    format!(
        "**Speed.** The default run (add mod 61, 50 iterations, 2 threads, the reference's own \
         split) took {} s with symrfm and {} s with the public reference implementation \
         (rfm-grokking, PyTorch), **{}** (medians of {} alternating runs, identical test accuracy; \
         {caveat}; [results/peers.md](results/peers.md), \
         [docs/performance.md](docs/performance.md)).",
        ours[2],
        theirs[2],
        ratio_value(&r.ratio),
        ours[1],
    )
}

/// The comparison table of docs/performance.md, from results/peers.md.
fn peers_text() -> String {
    let peers = std::fs::read_to_string(repo("results/peers.md")).unwrap();
    let mut out = String::from(
        "| measurement (results/peers.md) | program | runs | wall s, median | peak memory | final test accuracy |\n\
         |---|---|---|---|---|---|\n",
    );
    let mut ratios = String::new();
    // Every measurement block of results/peers.md (`<!-- NAME -->` … `<!-- end NAME -->` with a
    // "Ratio of medians" line), in file order.
    let names: Vec<&str> = peers
        .match_indices("<!-- end ")
        .filter_map(|(i, _)| peers[i + 9..].split(" -->").next())
        .collect();
    for name in names {
        let Some(b) = peer_block(&peers, name) else {
            continue;
        };
        for row in &b.rows {
            let cell = |i: usize| row.get(i).map(String::as_str).unwrap_or("–");
            let _ = writeln!(
                out,
                "| `{name}` | {} | {} | {} | {} | {} |",
                cell(0),
                cell(1),
                cell(2),
                cell(4),
                cell(5)
            );
        }
        let _ = writeln!(
            ratios,
            "- `{name}`: {} ({})",
            b.ratio,
            b.load.trim_end_matches('.')
        );
    }
    out.push('\n');
    out.push_str(&ratios);
    out
}

#[test]
fn performance_numbers_come_from_the_committed_results() {
    check_block("README.md", "speed", &readme_speed_text());
    check_block("docs/performance.md", "bench", &bench_text());
    check_block("docs/performance.md", "peers", &peers_text());
}

/// Numbers with a unit of time, memory or speed outside generated blocks and code.
fn loose_numbers(text: &str) -> Vec<String> {
    // Ratios ("16×") are found separately below.
    const UNITS: [&str; 10] = [
        "s ", "s)", "s,", "s.", "ms", "MiB", "MB", "GiB", "GB", "GFLOP/s",
    ];
    let mut out = Vec::new();
    let (mut generated, mut code) = (false, false);
    for line in text.lines() {
        if line.starts_with("<!-- generated: ") {
            generated = true;
        } else if line.starts_with("<!-- end generated: ") {
            generated = false;
        } else if line.trim_start().starts_with("```") {
            code = !code;
        }
        if generated || code {
            continue;
        }
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_alphanumeric()) {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let rest: String = chars[i..].iter().collect::<String>() + " ";
                let rest = rest.strip_prefix(' ').unwrap_or(&rest);
                if UNITS.iter().any(|u| rest.starts_with(u)) {
                    let num: String = chars[start..i].iter().collect();
                    let unit: String = rest.chars().take(8).collect();
                    out.push(format!("{num} {} in {line:?}", unit.trim()));
                }
                // "16×" (a ratio) but not "n × c" or "2×2" (shapes).
                if rest.starts_with('×')
                    && chars.get(i) == Some(&'×')
                    && !chars.get(i + 1).is_some_and(|c| c.is_alphanumeric())
                {
                    let num: String = chars[start..i].iter().collect();
                    out.push(format!("{num}× in {line:?}"));
                }
            }
            i += 1;
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn the_loose_number_finder_finds_numbers_with_units() {
    let text = "It takes 4.2 s, 55 MiB (16× faster), 52 GFLOP/s; M is 122 × 122 or 2×2.\n\
                <!-- generated: x -->\n3.1 s\n<!-- end generated: x -->\n```\n9 s\n```\n";
    let found = loose_numbers(text);
    assert_eq!(found.len(), 4, "{found:?}");
    assert!(loose_numbers("p = 61, 50 iterations, seeds 0 … 4, n³/3 flops, 2n × 2n").is_empty());
}

#[test]
fn readme_and_docs_state_no_number_outside_generated_blocks() {
    // Every page but docs/SCIENCE.md (the specification, which quotes no timings).
    let mut docs = vec!["README.md".to_string()];
    for entry in std::fs::read_dir(repo("docs")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") && name != "SCIENCE.md" {
            docs.push(format!("docs/{name}"));
        }
    }
    for doc in &docs {
        let text = std::fs::read_to_string(repo(doc)).unwrap();
        let loose = loose_numbers(&text);
        assert!(
            loose.is_empty(),
            "{doc}: numbers with units outside <!-- generated --> blocks (take them from \
             results/bench.json or results/peers.md in tests/all/docs.rs):\n{}",
            loose.join("\n")
        );
    }
}

#[test]
fn readme_is_a_short_front_door_with_a_table_of_contents() {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(lines <= 250, "README.md has {lines} lines (at most 250)");
    assert!(
        readme.contains("## Contents"),
        "README.md has no table of contents"
    );
    // Every page of docs/ is listed in the README, and every link to docs/ resolves (apart from
    // pages that are announced but written by other work, listed here).
    const ANNOUNCED: [&str; 1] = ["docs/networks.md"];
    for entry in std::fs::read_dir(repo("docs")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") && name != "README.md" {
            assert!(
                readme.contains(&format!("docs/{name}")),
                "README.md does not list docs/{name}"
            );
        }
    }
    for doc in std::iter::once("README.md".to_string()).chain(
        std::fs::read_dir(repo("docs"))
            .unwrap()
            .map(|e| format!("docs/{}", e.unwrap().file_name().to_string_lossy()))
            .filter(|n| n.ends_with(".md")),
    ) {
        let text = std::fs::read_to_string(repo(&doc)).unwrap();
        let base = repo(&doc).parent().unwrap().to_path_buf();
        for (i, _) in text.match_indices("](") {
            let target: String = text[i + 2..].chars().take_while(|c| *c != ')').collect();
            let file = target.split('#').next().unwrap();
            if file.is_empty() || file.contains("://") || file.starts_with("mailto:") {
                continue;
            }
            let path = base.join(file);
            let rel = path
                .strip_prefix(repo(""))
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_default();
            assert!(
                path.exists() || ANNOUNCED.iter().any(|a| rel.ends_with(a)),
                "{doc}: broken link to {target}"
            );
        }
    }
}

#[test]
fn every_guide_page_has_a_table_of_contents() {
    for entry in std::fs::read_dir(repo("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("## Contents") || text.contains("**Contents**"),
            "{} has no table of contents",
            path.display()
        );
    }
}

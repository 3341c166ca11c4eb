//! Honest speed claims (issue 12, item 17): every speed ratio that README.md, results/README.md or
//! a page of docs/ quotes against another implementation (the reference PyTorch code, xrfm, "faster than …") must
//! be one measured on this machine and written down in results/peers.md (as a "Ratio of medians"
//! line), and the script that makes those measurements must exist and be valid bash.

use std::path::Path;
use std::process::Command;

/// Words that make a paragraph (or a table) a comparison with another implementation.
const PEER_WORDS: [&str; 8] = [
    "reference",
    "xrfm",
    "pytorch",
    "torch",
    "peer",
    "rfm-grokking",
    "faster than",
    "slower than",
];

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("reading {}: {e}", full.display()))
}

/// The number that ends just before byte `end` of `text` (digits and one decimal point), if any.
fn number_before(text: &str, end: usize) -> Option<&str> {
    let head = &text[..end];
    let start = head
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit() || *c == '.')
        .last()
        .map(|(i, _)| i)?;
    let num = head[start..].trim_start_matches('.');
    if num.is_empty() || !num.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    // "p61×" or "2n×" are not ratios: the number must not be glued to a word.
    let glued = head[..start]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || c == '_');
    (!glued).then_some(num)
}

/// The speed ratios written in `block`, normalized to "N×": "N×" (not followed by a digit or a
/// letter, so "122×122" is a shape, not a ratio), "Nx faster/slower" and "N times faster/slower".
fn ratios(block: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, c) in block.char_indices() {
        let after = &block[i + c.len_utf8()..];
        let next_is_word = after.chars().next().is_some_and(|n| n.is_alphanumeric());
        let number = match c {
            '×' if !next_is_word => number_before(block, i),
            'x' if !next_is_word => {
                let rest = after.trim_start().to_ascii_lowercase();
                if rest.starts_with("faster") || rest.starts_with("slower") {
                    number_before(block, i)
                } else {
                    None
                }
            }
            _ => None,
        };
        if let Some(n) = number {
            out.push(format!("{n}×"));
        }
    }
    let lower = block.to_ascii_lowercase();
    for word in [" times faster", " times slower"] {
        let mut from = 0;
        while let Some(k) = lower[from..].find(word) {
            let at = from + k;
            if let Some(n) = number_before(block, at) {
                out.push(format!("{n}×"));
            }
            from = at + word.len();
        }
    }
    out
}

/// Paragraphs and tables: runs of non-blank lines.
fn blocks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push_str(line);
            cur.push('\n');
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The peer speed ratios of a markdown text that results/peers.md (`measured`) does not contain.
fn unmeasured_claims(text: &str, measured: &str) -> Vec<String> {
    let mut missing = Vec::new();
    for block in blocks(text) {
        let lower = block.to_ascii_lowercase();
        if !PEER_WORDS.iter().any(|w| lower.contains(w)) {
            continue;
        }
        for r in ratios(&block) {
            if !measured.contains(&r) {
                let first = block.lines().next().unwrap_or("");
                missing.push(format!("{r} (in the paragraph starting {first:?})"));
            }
        }
    }
    missing
}

#[test]
fn ratio_parser_finds_claims_and_skips_shapes() {
    assert_eq!(ratios("is 36× faster"), vec!["36×"]);
    assert_eq!(ratios("3.89 s (36×) and 11.2× here"), vec!["36×", "11.2×"]);
    assert_eq!(ratios("runs 12x faster, 3 times slower"), vec!["12×", "3×"]);
    assert!(ratios("M is 122×122, n × c × d, 2n×2n, p61× and the x axis").is_empty());
}

#[test]
fn an_unmeasured_claim_is_caught() {
    let readme = "Intro.\n\nIt is 36× faster than the reference.\n\nA 25× structured speedup.\n";
    let measured = "| symrfm | … |\n\nRatio of medians, reference / symrfm: **11.2×**\n";
    let missing = unmeasured_claims(readme, measured);
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert!(missing[0].starts_with("36×"));
    // The same claim, once measured on this machine, passes; 25× (no peer named) is not a claim.
    assert!(unmeasured_claims(&readme.replace("36×", "11.2×"), measured).is_empty());
}

/// The measured ratios of results/peers.md: its "Ratio of medians, PEER / symrfm: **N×**" lines
/// (written by scripts/compare_peers.py from alternating runs), not any "N×" in its prose.
fn measured_ratio_lines(peers_md: &str) -> String {
    peers_md
        .lines()
        .filter(|l| l.starts_with("Ratio of medians"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn only_ratio_lines_of_results_peers_md_count() {
    let md = "The withdrawn 36× claim.\n\nRatio of medians, reference / symrfm: **23.7×**\n";
    let measured = measured_ratio_lines(md);
    assert!(measured.contains("23.7×") && !measured.contains("36×"));
}

#[test]
fn readme_quotes_only_speed_ratios_measured_in_results_peers_md() {
    let measured = measured_ratio_lines(&read("results/peers.md"));
    assert!(
        !measured.is_empty(),
        "results/peers.md holds no \"Ratio of medians\" line"
    );
    let mut missing = Vec::new();
    let mut docs = vec!["README.md".to_string(), "results/README.md".to_string()];
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            docs.push(format!("docs/{name}"));
        }
    }
    for doc in &docs {
        for m in unmeasured_claims(&read(doc), &measured) {
            missing.push(format!("{doc}: {m}"));
        }
    }
    assert!(
        missing.is_empty(),
        "speed ratios against other implementations that results/peers.md does not hold \
         (measure them with scripts/compare-peers.sh, or by hand as results/peers.md describes):\n{}",
        missing.join("\n")
    );
    let readme = read("README.md");
    assert!(
        readme.contains("results/peers.md") && readme.contains("scripts/compare-peers.sh"),
        "README.md must point to results/peers.md and scripts/compare-peers.sh"
    );
}

#[test]
fn compare_peers_script_exists_and_parses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for f in ["scripts/compare-peers.sh", "scripts/compare_peers.py"] {
        assert!(root.join(f).is_file(), "{f} is missing");
    }
    let status = Command::new("bash")
        .arg("-n")
        .arg(root.join("scripts/compare-peers.sh"))
        .status()
        .expect("running bash -n");
    assert!(status.success(), "bash -n scripts/compare-peers.sh failed");
}

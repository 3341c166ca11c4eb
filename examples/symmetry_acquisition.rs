//! Is symmetry acquired before test accuracy rises? Summarizes runs made with `symrfm run
//! --structure` into `<PREFIX>.json` and the tables `<PREFIX>.tables.md`.
//!
//! ```sh
//! cargo run --release --example symmetry_acquisition -- results/symmetry_acquisition RUN.json...
//! ```
//!
//! For every run it finds, per measure, the first iteration reaching a threshold and the halfway
//! point (the first iteration that has covered half of the change from the first to the last
//! value), and the lead of each over the test accuracy (positive: the measure comes first):
//!
//! - `test_acc`: test accuracy (threshold 0.9);
//! - `heldout_agreement`: argmax f(g·x) = argmax f(x) over held-out pairs (x and g·x both test
//!   points, g ≠ id), the issue's diagnostic (threshold 0.9);
//! - `agreement`: the same over all pairs (g·x may be a training point) (threshold 0.9);
//! - `heldout_cosine`: mean cos(f(g·x), f(x)) over held-out pairs (halfway only);
//! - `offdiag_deviation`: the off-diagonal blocks' deviation from circulant/Hankel form, from M_1
//!   on (M_0 = I has zero off-diagonal blocks) (halfway only, falling);
//! - `log_offdiag_deviation`: its logarithm (halfway on a log scale: the deviation falls by two
//!   orders of magnitude, so the linear halfway point comes early);
//! - `alignment`: cos(M_t, M_final) (halfway only).

use serde::Serialize;
use std::path::{Path, PathBuf};
use symrfm::analysis::invariance::{first_at_least, half_way};
use symrfm::analysis::off_diagonal_deviation;
use symrfm::report::{write_json_atomic, RunReport};

const THRESHOLD: f64 = 0.9;

#[derive(Serialize)]
struct Measure {
    name: &'static str,
    first_at_threshold: Option<usize>,
    halfway: Option<usize>,
    lead_at_threshold: Option<i64>,
    lead_halfway: Option<i64>,
}

#[derive(Serialize)]
struct RunSummary {
    file: String,
    command_line: String,
    task: String,
    seed: Option<u64>,
    n_train: usize,
    n_test: usize,
    final_test_acc: f64,
    measures: Vec<Measure>,
    series: Vec<(&'static str, Vec<(usize, f64)>)>,
}

#[derive(Serialize)]
struct Output {
    kind: &'static str,
    threshold: f64,
    command_line: Vec<String>,
    runs: Vec<RunSummary>,
}

fn diff(a: Option<usize>, b: Option<usize>) -> Option<i64> {
    Some(a? as i64 - b? as i64)
}

fn summarize(path: &Path) -> Result<RunSummary, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let run: RunReport =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if run.symmetry_diagnostic.is_empty() || run.structure.is_empty() {
        return Err(format!(
            "{}: no per-iteration structure (run with --structure)",
            path.display()
        ));
    }
    let d = &run.symmetry_diagnostic;
    let acc: Vec<(usize, f64)> = run
        .iterations
        .iter()
        .map(|r| (r.iter, r.test_acc))
        .collect();
    let heldout: Vec<(usize, f64)> = d.iter().map(|x| (x.iter, x.primary_agreement())).collect();
    let all: Vec<(usize, f64)> = d.iter().map(|x| (x.iter, x.agreement)).collect();
    let cosine: Vec<(usize, f64)> = d
        .iter()
        .filter_map(|x| Some((x.iter, x.heldout_cosine?)))
        .collect();
    let dlog = run.structure[0].circulance_dlog.is_some();
    // Structure of M_t for the iterations t that ran (M_T after the last one is not used by any
    // iteration's predictor); from t = 1 on.
    let last_iter = acc.last().map_or(0, |x| x.0);
    let deviation: Vec<(usize, f64)> = run
        .structure
        .iter()
        .filter(|s| s.t >= 1 && s.t <= last_iter)
        .map(|s| (s.t, off_diagonal_deviation(s, dlog)))
        .collect();
    let log_deviation: Vec<(usize, f64)> = deviation
        .iter()
        .filter(|(_, v)| *v > 0.0)
        .map(|&(t, v)| (t, v.ln()))
        .collect();
    let alignment: Vec<(usize, f64)> = run
        .structure
        .iter()
        .filter(|s| s.t <= last_iter)
        .filter_map(|s| Some((s.t, s.alignment_to_final?)))
        .collect();

    let acc_first = first_at_least(&acc, THRESHOLD);
    let acc_half = half_way(&acc);
    let measure = |name, series: &[(usize, f64)], threshold: bool| {
        let first = threshold
            .then(|| first_at_least(series, THRESHOLD))
            .flatten();
        let half = half_way(series);
        Measure {
            name,
            first_at_threshold: first,
            halfway: half,
            lead_at_threshold: diff(acc_first, first),
            lead_halfway: diff(acc_half, half),
        }
    };
    let measures = vec![
        measure("test_acc", &acc, true),
        measure("heldout_agreement", &heldout, true),
        measure("agreement", &all, true),
        measure("heldout_cosine", &cosine, false),
        measure("offdiag_deviation", &deviation, false),
        measure("log_offdiag_deviation", &log_deviation, false),
        measure("alignment", &alignment, false),
    ];
    Ok(RunSummary {
        file: path.display().to_string(),
        command_line: run.command_line[1..].join(" "),
        task: run.task.description.clone(),
        seed: run.seed,
        n_train: run.split.n_train,
        n_test: run.split.n_test,
        final_test_acc: run.summary.final_test_acc,
        measures,
        series: vec![
            ("test_acc", acc),
            ("heldout_agreement", heldout),
            ("agreement", all),
            ("heldout_cosine", cosine),
            ("offdiag_deviation", deviation),
            ("alignment", alignment),
        ],
    })
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or("—".into(), |v| v.to_string())
}

fn markdown(out: &Output) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "# Symmetry acquisition vs test accuracy (generated)\n");
    let _ = writeln!(
        s,
        "Written by `cargo run --release --example symmetry_acquisition -- {}`.\n",
        out.command_line.join(" ")
    );
    let _ = writeln!(
        s,
        "Per run and measure: first iteration at threshold {} and halfway iteration; lead = \
         (iteration of test accuracy) − (iteration of the measure), positive when the measure \
         comes first.\n",
        out.threshold
    );
    let _ = writeln!(s, "## Leads over all runs (at threshold / halfway)\n");
    let _ = write!(s, "| measure |");
    for r in &out.runs {
        let _ = write!(s, " seed {} |", opt(r.seed));
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "|---|{}", "---|".repeat(out.runs.len()));
    if let Some(first) = out.runs.first() {
        for (k, m) in first.measures.iter().enumerate().skip(1) {
            let _ = write!(s, "| {} |", m.name);
            for r in &out.runs {
                let m = &r.measures[k];
                let _ = write!(
                    s,
                    " {} / {} |",
                    opt(m.lead_at_threshold),
                    opt(m.lead_halfway)
                );
            }
            let _ = writeln!(s);
        }
    }
    let _ = writeln!(s);
    for r in &out.runs {
        let _ = writeln!(
            s,
            "## {} — seed {} ({} train / {} test, final test accuracy {:.4})\n",
            r.task,
            opt(r.seed),
            r.n_train,
            r.n_test,
            r.final_test_acc
        );
        let _ = writeln!(s, "`symrfm {}`\n", r.command_line);
        let _ = writeln!(
            s,
            "| measure | first ≥ {} | lead | halfway | lead |",
            out.threshold
        );
        let _ = writeln!(s, "|---|---|---|---|---|");
        for m in &r.measures {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                m.name,
                opt(m.first_at_threshold),
                opt(m.lead_at_threshold),
                opt(m.halfway),
                opt(m.lead_halfway)
            );
        }
        let _ = writeln!(s);
    }
    s
}

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: symmetry_acquisition PREFIX RUN.json...");
        return std::process::ExitCode::from(2);
    }
    let prefix = PathBuf::from(&args[0]);
    let mut runs = Vec::new();
    for file in &args[1..] {
        match summarize(Path::new(file)) {
            Ok(r) => runs.push(r),
            Err(e) => {
                eprintln!("error: {e}");
                return std::process::ExitCode::from(2);
            }
        }
    }
    let out = Output {
        kind: "symmetry-acquisition",
        threshold: THRESHOLD,
        command_line: args.clone(),
        runs,
    };
    let json = prefix.with_extension("json");
    let md = prefix.with_extension("tables.md");
    if let Err(e) = write_json_atomic(&json, &out)
        .and_then(|()| symrfm::report::write_atomic(&md, markdown(&out).as_bytes()))
    {
        eprintln!("error: {e}");
        return std::process::ExitCode::from(2);
    }
    println!("wrote {} and {}", json.display(), md.display());
    std::process::ExitCode::SUCCESS
}

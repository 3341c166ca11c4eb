//! The benchmark report as markdown (`results/bench.md`).

use super::bench::{BenchReport, SizeResult};
use crate::solve::Backend;
use std::fmt::Write;

/// The reference implementation's cost as recorded in shared/PERF-NOTES.md (rfm-grokking, float64):
/// (p, seconds for 50 iterations, peak GB). Measured on another CPU with an older PyTorch, so the
/// report prints these times for context only and divides nothing by them; same-machine ratios,
/// measured side by side, are in results/peers.md (issue 12, item 17).
pub const REFERENCE: [(u64, f64, f64); 2] = [(61, 140.0, 1.3), (97, 1590.0, 3.8)];

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("–".into(), |v| format!("{v:.digits$}"))
}

impl BenchReport {
    fn ceiling(&self, backend: Backend) -> Option<f64> {
        self.ceilings
            .iter()
            .find(|c| c.backend == backend)
            .map(|c| c.gflops)
    }

    /// The report as markdown.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let m = &self.machine;
        let _ = writeln!(s, "# symrfm benchmark\n");
        let _ = writeln!(
            s,
            "Machine: {} ({} logical CPUs, {}, {} MiB), {}. Threads: {}. Load average (1/5/15 min) \
             before {:.2}/{:.2}/{:.2}, after {:.2}/{:.2}/{:.2}. symrfm {}. Benchmark time {:.0} s.\n",
            m.cpu_model,
            m.cores,
            if m.simd.is_empty() { "no AVX".to_string() } else { m.simd.join(", ") },
            m.memory_mib,
            m.os,
            self.threads,
            m.load_average[0],
            m.load_average[1],
            m.load_average[2],
            self.load_average_after[0],
            self.load_average_after[1],
            self.load_average_after[2],
            self.symrfm_version,
            self.seconds,
        );
        let _ = writeln!(
            s,
            "Task: `add` mod p, training fraction 0.5, seed 0, Gaussian kernel (L = 2.5), λ = 0, f64. \
             Wall-clock seconds; per-iteration figures are medians over {} iterations. GFLOP/s count \
             the flops the engine performs (Cholesky n³/3, solves 2n²c, AGOP 4n²c + ncd² + 4d³, \
             test predictions 2·n_test·n·c); the kernel stage is counted in entries.\n",
            self.config.iters
        );

        let _ = writeln!(s, "## Ceiling: the machine's own matrix product\n");
        let _ = writeln!(
            s,
            "| backend | product | 1 thread GFLOP/s | {} threads GFLOP/s |",
            self.threads
        );
        let _ = writeln!(s, "|---|---|---|---|");
        for c in &self.ceilings {
            let _ = writeln!(
                s,
                "| {} | {n}×{n}×{n} f64 | {:.1} | {:.1} |",
                c.backend.name(),
                c.gflops_one_thread,
                c.gflops,
                n = c.size
            );
        }

        let _ = writeln!(s, "\n## Per iteration\n");
        let _ = writeln!(
            s,
            "| p | n_train | backend | kernel s (M entries/s) | factorization + solve s (GFLOP/s, % of GEMM) | AGOP s (GFLOP/s, % of GEMM) | test predictions s (GFLOP/s) | eig s | iteration s (GFLOP/s) | peak MiB of `symrfm run` (estimate) |"
        );
        let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|");
        for r in &self.sizes {
            let ceil = self.ceiling(r.backend).unwrap_or(f64::NAN);
            let f = &r.median;
            let _ = writeln!(
                s,
                "| {} | {} | {} | {:.4} ({:.0}) | {:.3} ({:.1}, {:.0} %) | {:.3} ({:.1}, {:.0} %) | {:.3} ({:.1}) | {:.4} | {:.3} ({:.1}) | {} ({:.0}) |",
                r.p,
                r.sizes.n_train,
                r.backend.name(),
                f.seconds.kernel,
                f.kernel_mentries_per_s,
                f.seconds.solve,
                f.solve_gflops,
                100.0 * f.solve_gflops / ceil,
                f.seconds.agop,
                f.agop_gflops,
                100.0 * f.agop_gflops / ceil,
                f.seconds.predict,
                f.predict_gflops,
                f.seconds.eig,
                f.seconds.total,
                f.iteration_gflops,
                opt(r.peak_rss_mib, 0),
                r.estimated_mib
            );
        }
        let _ = writeln!(
            s,
            "\nFastest iteration per modulus (best of the timed iterations, per stage): {}.",
            self.sizes
                .iter()
                .map(|r| format!(
                    "p = {} {}: {:.3} s ({:.1} GFLOP/s; factorization {:.1}, AGOP {:.1})",
                    r.p,
                    r.backend.name(),
                    r.best.seconds.total,
                    r.best.iteration_gflops,
                    r.best.solve_gflops,
                    r.best.agop_gflops
                ))
                .collect::<Vec<_>>()
                .join("; ")
        );

        let dense: Vec<&SizeResult> = self
            .sizes
            .iter()
            .filter(|r| r.agop_vs_dense.is_some())
            .collect();
        if !dense.is_empty() {
            let _ = writeln!(
                s,
                "\n## Structured AGOP vs the dense formulation (same α, M, threads, library)\n"
            );
            let _ = writeln!(
                s,
                "The dense formulation is the reference implementation's: the n × c·d tensor α ⊗ x, the \
                 product Wᵀ(α ⊗ x) (2n²cd flops), the n × c × d Jacobians times M, centering and JᵀJ.\n"
            );
            let _ = writeln!(s, "| p | structured s (GFLOP/s) | dense s (GFLOP/s) | speedup | max relative difference |");
            let _ = writeln!(s, "|---|---|---|---|---|");
            for r in dense {
                if let Some(c) = &r.agop_vs_dense {
                    let _ = writeln!(
                        s,
                        "| {} | {:.4} ({:.1}) | {:.3} ({:.1}) | {:.1}× | {:.1e} |",
                        r.p,
                        c.structured_seconds,
                        c.structured_gflops,
                        c.dense_seconds,
                        c.dense_gflops,
                        c.speedup,
                        c.max_rel_diff
                    );
                }
            }
        }

        let faer: Vec<&SizeResult> = self
            .sizes
            .iter()
            .filter(|r| r.backend == Backend::Faer)
            .collect();
        if let Some(fit) = &self.scaling {
            let _ = writeln!(s, "\n## Scaling\n");
            let _ = writeln!(
                s,
                "Median seconds per iteration against the number of training points n = p²/2 (faer): \
                 fitted t = {:.3e} · n^{:.2} (n³ for the factorization, n²·p ≈ n^2.5 for the AGOP and \
                 the predictions). The model column divides each stage's flops by the rates measured \
                 here (`rates` in bench.json), which is what `symrfm run --dry-run` prints.\n",
                fit.a, fit.b
            );
            let _ = writeln!(s, "| p | n_train | measured s/iteration | power law s | model s | GFLOP per iteration |");
            let _ = writeln!(s, "|---|---|---|---|---|---|");
            for r in &faer {
                let model = self.rates.seconds_per_iteration(
                    r.sizes,
                    crate::kernel::KernelKind::Gaussian { bandwidth: 2.5 },
                );
                let _ = writeln!(
                    s,
                    "| {} | {} | {:.3} | {:.3} | {:.3} | {:.1} |",
                    r.p,
                    r.sizes.n_train,
                    r.median.seconds.total,
                    fit.at(r.sizes.n_train as f64),
                    model.total,
                    r.work.total_flops() / 1e9
                );
            }
        }

        if !self.full_runs.is_empty() {
            let _ = writeln!(s, "\n## Full runs, f64 and `--precision f32`\n");
            let _ = writeln!(
                s,
                "| p | iterations | f64 s | f32 s | reference s, another CPU (PERF-NOTES; not comparable, see results/peers.md) | peak MiB f64 / f32 | first iteration with test acc ≥ 0.99, f64 / f32 | max over t of \\|acc_f32 − acc_f64\\| | ‖M_f32 − M_f64‖/‖M_f64‖ at the end | f32 iterations solved by LU |"
            );
            let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|");
            for f in &self.full_runs {
                let reference = REFERENCE
                    .iter()
                    .find(|r| r.0 == f.p && f.iters == 50)
                    .map_or("–".into(), |r| format!("{:.0}", r.1));
                let first = |v: Option<usize>| v.map_or("never".into(), |t| t.to_string());
                let _ = writeln!(
                    s,
                    "| {} | {} | {:.2} | {:.2} | {} | {} / {} | {} / {} | {:.4} | {:.2e} | {} |",
                    f.p,
                    f.iters,
                    f.f64_seconds,
                    f.f32_seconds,
                    reference,
                    opt(f.f64_peak_rss_mib, 0),
                    opt(f.f32_peak_rss_mib, 0),
                    first(f.first_099.0),
                    first(f.first_099.1),
                    f.max_test_acc_diff,
                    f.final_m_rel_diff,
                    f.f32_lu_iterations
                );
            }
        }
        if !self.group_runs.is_empty() {
            let _ = writeln!(
                s,
                "\n## Any group: `mul` on a named group against `add` of the same size\n\n\
                 Child runs (`symrfm run --task mul --group G` and `symrfm run -p |G|`), f64, training \
                 fraction 0.5, seed 0; seconds per iteration from each run's `timings.total_seconds`; \
                 the model is the stage-rate model of this benchmark.\n"
            );
            let _ = writeln!(
                s,
                "| group | n | training pairs | iterations | s / iteration | add mod n: s / iteration | model s / iteration | peak MiB (add) | estimated MiB | final test acc |"
            );
            let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|");
            for g in &self.group_runs {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {:.3} | {:.3} | {:.3} | {} ({}) | {} | {:.4} |",
                    g.group,
                    g.n_symbols,
                    g.n_train,
                    g.iters,
                    g.seconds_per_iteration,
                    g.add_seconds_per_iteration,
                    g.predicted_seconds_per_iteration,
                    opt(g.peak_rss_mib, 0),
                    opt(g.add_peak_rss_mib, 0),
                    opt(g.estimated_mib, 0),
                    g.final_test_acc
                );
            }
        }
        let _ = writeln!(s, "\n## Targets\n");
        for line in self.targets() {
            let _ = writeln!(s, "- {line}");
        }
        s
    }

    /// The targets, each with its measured value and whether it is met.
    pub fn targets(&self) -> Vec<String> {
        let mark = |ok: bool| if ok { "met" } else { "NOT met" };
        let mut out = Vec::new();
        let faer = |p: u64| {
            self.sizes
                .iter()
                .find(|r| r.p == p && r.backend == Backend::Faer)
        };
        if let Some(f) = self.full_runs.iter().find(|f| f.p == 61 && f.iters == 50) {
            out.push(format!(
                "default run (p = 61, 50 iterations, f64) ≤ 4 s: {:.2} s — {}",
                f.f64_seconds,
                mark(f.f64_seconds <= 4.0)
            ));
            out.push(
                "speed against the reference implementation: not checked here (its 140 s were \
                 measured on another CPU); same-machine ratios: results/peers.md"
                    .to_string(),
            );
            if let Some(rss) = f.f64_peak_rss_mib {
                out.push(format!(
                    "peak memory ≤ 300 MB: {:.0} MB — {}",
                    rss * 1.048576,
                    mark(rss * 1.048576 <= 300.0)
                ));
            }
        }
        if let Some(f) = self.full_runs.iter().find(|f| f.p == 97 && f.iters == 50) {
            out.push(format!(
                "p = 97, 50 iterations ≤ 60 s: {:.1} s — {}",
                f.f64_seconds,
                mark(f.f64_seconds <= 60.0)
            ));
        } else if let Some(r) = faer(97) {
            let t = 50.0 * r.median.seconds.total;
            out.push(format!(
                "p = 97, 50 iterations ≤ 60 s: {t:.1} s extrapolated from the median iteration — {}",
                mark(t <= 60.0)
            ));
        }
        if let Some(r) = faer(97) {
            if let Some(rss) = r.peak_rss_mib {
                out.push(format!(
                    "p = 97 peak memory ≤ 1 GB: {:.0} MB — {}",
                    rss * 1.048576,
                    mark(rss * 1.048576 <= 1000.0)
                ));
            }
        }
        if let (Some(ceil), Some(r)) = (
            self.ceiling(Backend::Faer),
            self.sizes
                .iter()
                .filter(|r| r.backend == Backend::Faer)
                .max_by_key(|r| r.p),
        ) {
            let f = r.median.solve_gflops / ceil;
            let a = r.median.agop_gflops / ceil;
            out.push(format!(
                "factorization + solve ≥ 60 % of the GEMM rate (p = {}): {:.0} % ({:.1} of {:.1} GFLOP/s) — {}",
                r.p,
                100.0 * f,
                r.median.solve_gflops,
                ceil,
                mark(f >= 0.6)
            ));
            out.push(format!(
                "AGOP ≥ 50 % of the GEMM rate (p = {}): {:.0} % ({:.1} GFLOP/s) — {}",
                r.p,
                100.0 * a,
                r.median.agop_gflops,
                mark(a >= 0.5)
            ));
        }
        if let Some(c) = faer(61).and_then(|r| r.agop_vs_dense.as_ref()) {
            out.push(format!(
                "structured vs dense AGOP at p = 61 ≥ 20×: {:.1}× — {}; identical to 1e-10 relative: {:.1e} — {}",
                c.speedup,
                mark(c.speedup >= 20.0),
                c.max_rel_diff,
                mark(c.max_rel_diff <= 1e-10)
            ));
        }
        out
    }
}

/// First line of the network section that `symrfm bench --network` keeps in bench.md.
pub const NETWORK_SECTION_BEGIN: &str = "<!-- symrfm bench --network: begin -->";
/// Last line of that section.
pub const NETWORK_SECTION_END: &str = "<!-- symrfm bench --network: end -->";

/// Where the network section (its marker lines included, and the newline after the last) lies in
/// `doc`.
fn network_section_range(doc: &str) -> Option<std::ops::Range<usize>> {
    let a = doc.find(NETWORK_SECTION_BEGIN)?;
    let b = doc.find(NETWORK_SECTION_END).filter(|&b| b > a)?;
    let end = b + NETWORK_SECTION_END.len();
    Some(a..end + usize::from(doc[end..].starts_with('\n')))
}

/// `doc` with its network section replaced by `block` (markers included), or `block` appended.
fn put_network_block(doc: &str, block: &str) -> String {
    match network_section_range(doc) {
        Some(r) => format!("{}{block}{}", &doc[..r.start], &doc[r.end..]),
        None => format!("{}\n\n{block}", doc.trim_end()),
    }
}

/// `doc` with the network section (between [`NETWORK_SECTION_BEGIN`] and
/// [`NETWORK_SECTION_END`]) replaced by `section`, or `section` appended when `doc` has none. The
/// section's own top-level heading (`# …`) becomes a second-level one.
pub fn splice_network_section(doc: &str, section: &str) -> String {
    let body = section
        .strip_prefix("# ")
        .map_or_else(|| section.to_string(), |rest| format!("## {rest}"));
    let block = format!(
        "{NETWORK_SECTION_BEGIN}\n{}\n{NETWORK_SECTION_END}\n",
        body.trim_end()
    );
    put_network_block(doc, &block)
}

/// `new` with the network section of `old` (as it stands), when `old` has one: a full benchmark
/// rewrites bench.md and keeps the rows `bench --network` wrote into it.
pub fn keep_network_section(old: &str, new: &str) -> String {
    match network_section_range(old) {
        Some(r) => {
            let block = &old[r];
            let nl = if block.ends_with('\n') { "" } else { "\n" };
            put_network_block(new, &format!("{block}{nl}"))
        }
        None => new.to_string(),
    }
}

#[cfg(test)]
mod network_section_tests {
    use super::*;

    #[test]
    fn the_network_section_is_appended_once_and_then_replaced() {
        let doc = "# symrfm benchmark\n\nrows\n";
        let once = splice_network_section(doc, "# symrfm bench --network\n\nold table\n");
        assert!(once.starts_with(doc.trim_end()));
        assert!(once.contains("## symrfm bench --network\n\nold table\n"));
        let twice = splice_network_section(&once, "# symrfm bench --network\n\nnew table\n");
        assert!(twice.contains("new table") && !twice.contains("old table"));
        assert_eq!(twice.matches(NETWORK_SECTION_BEGIN).count(), 1);
        assert_eq!(
            splice_network_section(&twice, "# symrfm bench --network\n\nnew table\n"),
            twice
        );
        // Text after the section survives.
        let with_tail = format!("{twice}\n## Later\n");
        let again = splice_network_section(&with_tail, "# x\n\nthird\n");
        assert!(again.ends_with("## Later\n") && again.contains("third"));
        // A full benchmark's new document keeps the old section as it stands.
        let rewritten = keep_network_section(&again, "# symrfm benchmark\n\nnew rows\n");
        assert!(rewritten.starts_with("# symrfm benchmark\n\nnew rows"));
        assert!(rewritten.contains("third") && !rewritten.contains("## Later"));
        assert_eq!(keep_network_section(doc, "plain\n"), "plain\n");
    }
}

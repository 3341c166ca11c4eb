//! Live progress on stderr: a bar with a line per iteration on a terminal, plain lines otherwise.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use symrfm::rfm::IterationRecord;

/// Where progress goes.
pub struct Progress {
    bar: Option<ProgressBar>,
    plain: bool,
    label: String,
}

impl Progress {
    /// A reporter for `total` iterations; `quiet` silences it. `label` prefixes each line.
    pub fn new(total: usize, quiet: bool, label: &str) -> Self {
        if quiet {
            return Progress {
                bar: None,
                plain: false,
                label: label.into(),
            };
        }
        if std::io::stderr().is_terminal() {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed}, eta {eta})",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(label.to_string());
            Progress {
                bar: Some(bar),
                plain: false,
                label: label.into(),
            }
        } else {
            Progress {
                bar: None,
                plain: true,
                label: label.into(),
            }
        }
    }

    /// Reports one finished iteration.
    pub fn iteration(&self, r: &IterationRecord, total: usize) {
        let line = format!(
            "{}[{:>3}/{total}] t={:<3} train {:.3}  test {:.4}  test-mse {}  tr(M_t) {:>9.3}  {}  {:.2}s{}",
            if self.label.is_empty() { String::new() } else { format!("{} ", self.label) },
            r.iter + 1,
            r.iter,
            r.train_acc,
            r.test_acc,
            symrfm::report::sci(r.test_mse, 3),
            r.trace_m,
            r.solver.name(),
            r.seconds.total,
            ill_posed_mark(r)
        );
        if let Some(bar) = &self.bar {
            bar.println(line);
            bar.set_message(format!("test acc {:.4}", r.test_acc));
            bar.inc(1);
        } else if self.plain {
            errln!("{line}");
        }
    }

    /// Starts the bar at `done` iterations (a resumed run).
    pub fn resume_at(&self, done: usize) {
        if let Some(bar) = &self.bar {
            bar.set_position(done as u64);
        }
    }

    /// Prints a message above the bar (or plainly).
    pub fn note(&self, msg: &str) {
        if let Some(bar) = &self.bar {
            bar.println(msg);
        } else if self.plain {
            errln!("{msg}");
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// `  ILL-POSED (residual 3.1e0)` for an ill-posed iteration, empty otherwise.
fn ill_posed_mark(r: &IterationRecord) -> String {
    if !r.ill_posed {
        return String::new();
    }
    match r.residual {
        Some(res) => format!("  ILL-POSED (residual {res:.1e})"),
        None => "  ILL-POSED".to_string(),
    }
}

//! `symrfm run`: one task, one split, one RFM; one JSON file.

use super::args::RunArgs;
use super::progress::Progress;
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::time::Instant;
use symrfm::data::{Split, SplitSpec};
use symrfm::group::Task;
use symrfm::report::{self, RunReport};
use symrfm::rfm::{self, Control};

/// The default output path for a run.
fn default_out(task: &Task, args: &RunArgs, split: &SplitSpec) -> PathBuf {
    let p = match &task.spec().group {
        Some(g) => g
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("x"),
        None => task.spec().modulus.to_string(),
    };
    let kernel = format!("{:?}", args.rfm.kernel).to_lowercase();
    let split = match split {
        SplitSpec::Random { fraction, seed } => format!("f{fraction}-s{seed}"),
        SplitSpec::File { path } => {
            format!(
                "split-{}",
                path.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            )
        }
    };
    PathBuf::from("results").join(format!(
        "run-{}-p{p}-{kernel}-{split}.json",
        task.spec().operation.name()
    ))
}

/// Runs `symrfm run`.
pub fn run(args: &RunArgs, command_line: Vec<String>) -> Result<()> {
    let task = Task::new(args.task.spec()?)?;
    let params = args.rfm.params()?;
    let split_spec = args.split.spec();
    let split = Split::build(&task, &split_spec)?;
    if args.dry_run {
        return super::bench::dry_run(&task, &split, &params, args.rfm.max_memory);
    }
    let (out, default) = match &args.out {
        Some(p) => (p.clone(), false),
        None => (default_out(&task, args, &split_spec), true),
    };
    report::write::check_writable(&out, default)?;
    let init = match &args.rfm.init_m {
        Some(path) => Some(report::load_matrix(path, None)?),
        None => None,
    };
    let init_name = args
        .rfm
        .init_m
        .as_ref()
        .map_or("identity".to_string(), |p| p.display().to_string());
    let max_memory = args.rfm.max_memory.map(|mib| mib.saturating_mul(1 << 20));

    let progress = Progress::new(params.iters, args.quiet, "");
    progress.note(&format!(
        "symrfm run: {} | {} train / {} test pairs | {} kernel | ridge {} | s = {} | {} iterations | {} threads",
        task.describe(),
        split.train.len(),
        split.test.len(),
        params.kernel.name(),
        params.ridge,
        params.agop_power,
        params.iters,
        params.effective_threads()
    ));
    let started = Instant::now();
    let total = params.iters;
    let output = rfm::train(&task, &split, &params, init, max_memory, &mut |state| {
        progress.iteration(state.record, total);
        if super::interrupt::requested() {
            Control::Stop
        } else {
            Control::Continue
        }
    })
    .with_context(|| format!("training {}", task.describe()))?;
    progress.finish();
    let seconds = started.elapsed().as_secs_f64();

    let report = RunReport::new(
        command_line,
        &task,
        &params,
        &split_spec,
        &split,
        init_name,
        &output,
        seconds,
    );
    report::write_json_atomic(&out, &report)?;
    if args.npy {
        if let Some(m) = output.final_m() {
            report::write::write_npy_atomic(&out.with_extension("npy"), m)?;
        }
    }
    if !report.complete {
        let done = report.iterations.len();
        eprintln!(
            "interrupted after {done} of {total} iterations; wrote the partial run (\"complete\": false) to {}",
            out.display()
        );
        eprintln!(
            "to resume, rerun the same command with --init-m {} --iters {} (and a new --out)",
            out.display(),
            total - done
        );
        return Err(symrfm::Error::Interrupted.into());
    }
    let s = &report.summary;
    println!(
        "first iteration with test accuracy >= 0.99: {}",
        s.first_iter_test_acc_ge_099
            .map_or("never".to_string(), |t| t.to_string())
    );
    println!(
        "final accuracy: train {:.4}, test {:.4}",
        s.final_train_acc, s.final_test_acc
    );
    let st = &report.timings.stages;
    println!(
        "time: {seconds:.2} s (kernel {:.2}, solve {:.2}, predict {:.2}, agop {:.2}, eig {:.2})",
        st.kernel, st.solve, st.predict, st.agop, st.eig
    );
    println!("{}", super::bench::memory_line(&task, &split, &params));
    println!("wrote {}", out.display());
    Ok(())
}

//! `symrfm run --resume RUN.json [--iters TOTAL]`: continue a run with the parameters its file
//! records (the library's [`Resumption`]); the output goes through `run`'s [`conclude`].

use super::flags::{prepare_output, to_flags};
use super::model_flags::Given;
use super::run::{
    conclude, execute_with, extra_options, prepare_npy_outputs, run_options, RunArgs,
};
use anyhow::Result;
use clap::parser::ValueSource;
use clap::CommandFactory;
use std::path::{Path, PathBuf};
use symrfm::experiment::Resumption;
use symrfm::Error;

/// The `run` flags that may be given with `--resume` (clap ids): the output and execution
/// settings; every numerical parameter comes from the run file.
const WITH_RESUME: &[&str] = &[
    "resume",
    "iters",
    "out",
    "threads",
    "max_memory",
    "npy",
    "save_model",
    "save_predictions",
    "quiet",
    "force",
];

/// The arguments of `subcommand` given on `command_line` (not defaulted); empty when the line
/// does not parse (clap reports that itself).
pub fn given_flags(command_line: &[String], subcommand: &str) -> Vec<Given> {
    let command = super::args::Cli::command();
    let Ok(matches) = command.clone().try_get_matches_from(command_line) else {
        return Vec::new();
    };
    let (Some(cmd), Some(sub)) = (
        command.find_subcommand(subcommand),
        matches.subcommand_matches(subcommand),
    ) else {
        return Vec::new();
    };
    cmd.get_arguments()
        .filter(|a| {
            let id = a.get_id().as_str();
            sub.try_contains_id(id).unwrap_or(false)
                && sub.value_source(id) == Some(ValueSource::CommandLine)
        })
        .map(|a| {
            let id = a.get_id().as_str();
            let flag = a
                .get_long()
                .map(|l| format!("--{l}"))
                .unwrap_or_else(|| id.to_string());
            let value = sub
                .try_get_raw(id)
                .ok()
                .flatten()
                .map(|v| {
                    v.map(|s| s.to_string_lossy().into_owned())
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            Given {
                id: id.to_string(),
                flag,
                value,
            }
        })
        .collect()
}

/// `symrfm run --resume PATH`.
pub fn run(args: &RunArgs, path: &Path, command_line: Vec<String>) -> Result<()> {
    let given = given_flags(&command_line, "run");
    if is_network_run(path) {
        return super::net_run::resume(args, path, &given, command_line);
    }
    if let Some(g) = given.iter().find(|g| !WITH_RESUME.contains(&g.id.as_str())) {
        return Err(Error::param(
            "--resume",
            format!("{} with {}", path.display(), g.flag),
            "--resume alone: the run continues with the parameters its file records; only \
             --iters (the new total), --out, --force, --threads, --max-memory, --npy, \
             --save-model, --save-predictions and -q may be given with it",
        )
        .into());
    }
    let iters = if given.iter().any(|g| g.id == "iters") {
        let total = usize::try_from(args.rfm.iters)
            .ok()
            .filter(|&t| t >= 1)
            .ok_or_else(|| Error::param("--iters", args.rfm.iters, "an integer ≥ 1"))?;
        Some(total)
    } else {
        None
    };
    let mut resumption = Resumption::from_file(path, iters).map_err(|e| to_flags(e, &[]))?;
    resumption
        .set_threads(args.rfm.threads)
        .map_err(|e| to_flags(e, &[]))?;
    // Rewriting the file being continued loses nothing (the joined run holds all of it), so it
    // needs no --force; any other existing output does.
    let out: PathBuf = args.out.clone().unwrap_or_else(|| path.to_path_buf());
    let in_place = super::flags::same_file(&out, path);
    prepare_output(&out, args.force || in_place, args.quiet)?;
    prepare_npy_outputs(args, &out, args.force)?;
    let mut options = run_options(&args.rfm, command_line, args.save_model);
    extra_options(args, &mut options);
    let experiment = resumption.experiment().clone();
    let done = resumption.done();
    if !args.quiet {
        errln!(
            "resuming {}: {done} iterations done, continuing at t = {done} up to {} in all",
            path.display(),
            experiment.params().iters
        );
    }
    let outcome = execute_with(&experiment, "", args.quiet, done, &mut |observer| {
        resumption.run(&options, observer)
    })?;
    conclude(args, &experiment, &out, outcome.report)
}

/// Whether `path` is a readable run file of a network run (anything else goes to the RFM path,
/// which reports what is wrong with it).
fn is_network_run(path: &Path) -> bool {
    matches!(
        symrfm::report::read_file(path),
        Ok(symrfm::report::SymrfmFile::Run(report)) if report.network.is_some()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(args: &[&str]) -> Vec<String> {
        std::iter::once("symrfm")
            .chain(args.iter().copied())
            .map(String::from)
            .collect()
    }

    #[test]
    fn given_flags_are_the_typed_ones_with_their_values() {
        let g = given_flags(
            &line(&["run", "--iters", "7", "--no-centering", "-p", "11"]),
            "run",
        );
        let ids: Vec<&str> = g.iter().map(|g| g.id.as_str()).collect();
        assert!(
            ids.contains(&"iters") && ids.contains(&"no_centering"),
            "{ids:?}"
        );
        assert!(!ids.contains(&"ridge"), "defaults are not given: {ids:?}");
        let iters = g.iter().find(|g| g.id == "iters").unwrap();
        assert_eq!(
            (iters.flag.as_str(), iters.value.as_str()),
            ("--iters", "7")
        );
    }

    #[test]
    fn every_id_of_model_flags_is_a_flag_of_run_with_its_stated_name() {
        let cmd = super::super::args::Cli::command();
        let run = cmd.find_subcommand("run").unwrap();
        for (id, name) in super::super::model_flags::listed() {
            let arg = run.get_arguments().find(|a| a.get_id() == id);
            let arg = arg.unwrap_or_else(|| panic!("{id} is not a flag of `run`"));
            if let Some(name) = name {
                assert_eq!(format!("--{}", arg.get_long().unwrap()), name);
            }
        }
    }
}

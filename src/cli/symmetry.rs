//! `symrfm symmetry`: print and write the symmetry group Sym_f of any task.

use super::flags::TaskArgs;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use symrfm::group::Task;
use symrfm::report::write::write_json_atomic;
use symrfm::symmetry::{SymmetrySummary, TaskSymmetry};

/// Elements (and generators) printed before the list is cut.
const PRINT_ELEMENTS: usize = 48;
/// Characters of one element name printed before it is cut (the JSON keeps it whole).
const PRINT_NAME: usize = 60;

/// A name cut to [`PRINT_NAME`] characters.
fn short(name: &str) -> String {
    if name.chars().count() <= PRINT_NAME {
        name.to_string()
    } else {
        let cut: String = name.chars().take(PRINT_NAME - 1).collect();
        format!("{cut}…")
    }
}

/// Up to [`PRINT_ELEMENTS`] names, cut, with the number left out. With `numbered`, each name is
/// preceded by `#k`, its index in the element list, which names it in subgroups.
fn name_list<'a>(names: impl ExactSizeIterator<Item = &'a str>, numbered: bool) -> String {
    let total = names.len();
    let mut text = names
        .take(PRINT_ELEMENTS)
        .enumerate()
        .map(|(k, name)| match numbered {
            true => format!("#{k} {}", short(name)),
            false => short(name),
        })
        .collect::<Vec<_>>()
        .join(", ");
    if total > PRINT_ELEMENTS {
        text.push_str(&format!(", … ({} more)", total - PRINT_ELEMENTS));
    }
    text
}

/// `symrfm symmetry`.
#[derive(Args, Debug, Clone)]
pub struct SymmetryArgs {
    #[command(flatten)]
    pub task: TaskArgs,
    /// Compute Sym_f by exact search even for group tasks (the default constructs it there).
    #[arg(long)]
    pub search: bool,
    /// Write the group as JSON here.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Overwrite the output file(s) if they exist (without it an existing result is never
    /// overwritten: the command is refused before any work, exit code 2).
    #[arg(long)]
    pub force: bool,
}

/// Runs `symrfm symmetry`.
pub fn run(args: &SymmetryArgs, command_line: Vec<String>) -> Result<()> {
    let task = Task::new(args.task.spec()?)?;
    if let Some(out) = &args.out {
        super::flags::prepare_output(out, args.force, false)?;
    }
    let sym = if args.search {
        TaskSymmetry::searched(&task)
    } else {
        TaskSymmetry::of(&task)
    };
    let summary = SymmetrySummary::new(&task, &sym, command_line);
    outln!(
        "Sym_f of {}: order {} (by {}), {} swaps",
        summary.description,
        summary.order,
        summary.method,
        if summary.has_swaps { "with" } else { "no" }
    );
    let gens = &summary.generators;
    outln!(
        "generators ({}): {}",
        gens.len(),
        if gens.is_empty() {
            "none (the trivial group)".to_string()
        } else {
            name_list(gens.iter().map(|g| g.name.as_str()), false)
        }
    );
    match &summary.elements {
        Some(els) => {
            // Long names (graphs, comparisons, tables) are cut here: number them, since `#k`
            // names element k in subgroups.
            let numbered = els.iter().any(|e| short(&e.name) != e.name);
            outln!(
                "elements ({}): {}",
                els.len(),
                name_list(els.iter().map(|e| e.name.as_str()), numbered)
            );
            if numbered {
                outln!(
                    "  (name an element in a subgroup by its full name, listed in --out JSON, or as #k, \
                     e.g. --subgroup \"#1\")"
                );
            }
            outln!("fixed points (pairs fixed, per element type):");
            for c in &summary.fixed_point_counts {
                outln!(
                    "  {:<9} {:>6} element{} fix {} pair{}",
                    if c.swap { "swap" } else { "non-swap" },
                    c.elements,
                    if c.elements == 1 { "" } else { "s" },
                    c.fixed_points,
                    if c.fixed_points == 1 { "" } else { "s" },
                );
            }
            let free = summary
                .fixed_point_counts
                .iter()
                .all(|c| c.fixed_points == 0 || (!c.swap && c.fixed_points == task.n_pairs()));
            if free && els.len() > 1 {
                outln!(
                    "  no element but the identity fixes a pair (a free action): the symmetric \
                     splits are orbit splits"
                );
            }
        }
        None => {
            for s in &summary.skipped {
                outln!("skipped: {s}");
            }
        }
    }
    if let Some(out) = &args.out {
        write_json_atomic(out, &summary)?;
        outln!("wrote {}", out.display());
    }
    Ok(())
}

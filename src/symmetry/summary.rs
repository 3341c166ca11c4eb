//! The versioned, self-describing JSON of `symrfm symmetry`: a task's Sym_f.
//!
//! Schema ([`SYMMETRY_SCHEMA_VERSION`] 1): `schema_version`, `kind` (`"symmetry"`), `task` (the
//! [`TaskSpec`]), `description`, `n_symbols`, `n_classes`, `method` (`construction` or `search`),
//! `order` (decimal string, exact), `has_swaps`, `generators` (name, swap, order, fixed_points,
//! permutation of the 2n coordinates), `elements_listed`, `elements` (same fields; absent when
//! |Sym_f| exceeds the bound), `skipped` (what was not computed and why), `fixed_point_counts`
//! (how many elements of each type — swap or not — fix how many pairs), `command_line`.

use super::task_symmetry::{element_order, TaskSymmetry, ELEMENT_BOUND};
use crate::group::{Task, TaskSpec};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the `symrfm symmetry` JSON.
pub const SYMMETRY_SCHEMA_VERSION: u32 = 1;

/// One element of Sym_f in the JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ElementRecord {
    /// Readable name (`r^k`, `s r^k`, or `σ=… τ=…` for searched groups).
    pub name: String,
    /// Whether it swaps the operands.
    pub swap: bool,
    /// Its order in Sym_f.
    pub order: usize,
    /// Number of pairs (a, b) it fixes.
    pub fixed_points: usize,
    /// π as the images of the 2n coordinates (`0..n` first operand, `n..2n` second).
    pub permutation: Vec<u32>,
}

/// How many elements of one type fix how many pairs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FixedPointCount {
    /// Whether the elements swap the operands.
    pub swap: bool,
    /// Number of pairs fixed.
    pub fixed_points: usize,
    /// Number of elements of this type fixing that many pairs.
    pub elements: usize,
}

/// The JSON written by `symrfm symmetry`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SymmetrySummary {
    /// [`SYMMETRY_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Always `"symmetry"`.
    pub kind: String,
    /// The task specification.
    pub task: TaskSpec,
    /// `mul on S_4 (order 24)`.
    pub description: String,
    /// n.
    pub n_symbols: usize,
    /// c.
    pub n_classes: usize,
    /// `construction` or `search`.
    pub method: String,
    /// |Sym_f| in decimal.
    pub order: String,
    /// Whether some element swaps the operands.
    pub has_swaps: bool,
    /// A generating set.
    pub generators: Vec<ElementRecord>,
    /// Whether `elements` lists the whole group.
    pub elements_listed: bool,
    /// Every element, identity first (absent above the bound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elements: Option<Vec<ElementRecord>>,
    /// Fixed-point statistics over all elements (empty when the elements are not listed).
    pub fixed_point_counts: Vec<FixedPointCount>,
    /// What was skipped and why (empty when nothing was).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
    /// The command that produced the file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command_line: Vec<String>,
}

impl SymmetrySummary {
    /// The summary of `sym`, the Sym_f of `task`.
    pub fn new(task: &Task, sym: &TaskSymmetry, command_line: Vec<String>) -> Self {
        let record = |p: &[u32], name: String| ElementRecord {
            name,
            swap: sym.is_swap(p),
            order: element_order(p),
            fixed_points: sym.fixed_points(p).len(),
            permutation: p.to_vec(),
        };
        let generators = sym
            .generators()
            .iter()
            .map(|g| record(g, sym.name_of(g)))
            .collect();
        let elements: Option<Vec<ElementRecord>> = match (sym.elements(), sym.names()) {
            (Some(els), Some(names)) => Some(
                els.iter()
                    .zip(names)
                    .map(|(p, name)| record(p, name.clone()))
                    .collect(),
            ),
            _ => None,
        };
        let mut counts: BTreeMap<(bool, usize), usize> = BTreeMap::new();
        for e in elements.iter().flatten() {
            *counts.entry((e.swap, e.fixed_points)).or_default() += 1;
        }
        let fixed_point_counts = counts
            .into_iter()
            .map(|((swap, fixed_points), elements)| FixedPointCount {
                swap,
                fixed_points,
                elements,
            })
            .collect();
        let skipped = if elements.is_none() {
            vec![format!(
                "the element list, the fixed-point statistics and every analysis that needs the \
                 elements (decomposition into group elements, subgroups by name): |Sym_f| = {} \
                 exceeds the bound of {ELEMENT_BOUND} elements (or 2^24 coordinates)",
                sym.order_text()
            )]
        } else {
            Vec::new()
        };
        SymmetrySummary {
            schema_version: SYMMETRY_SCHEMA_VERSION,
            kind: "symmetry".to_string(),
            task: task.spec().clone(),
            description: task.describe(),
            n_symbols: task.n_symbols(),
            n_classes: task.n_classes(),
            method: sym.method().name().to_string(),
            order: sym.order_text(),
            has_swaps: sym.has_swaps(),
            generators,
            elements_listed: elements.is_some(),
            elements,
            fixed_point_counts,
            skipped,
            command_line,
        }
    }
}

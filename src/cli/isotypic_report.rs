//! The text tables of the isotypic analyses: `decompose` (irrep energies of M's blocks for a
//! non-abelian task group) and `decompose --eigen K --isotypic H` (energies of the eigenvectors).

use std::fmt::Write;
use symrfm::analysis::isotypic::{ConjugacyClass, EigenIsotypic, IrrepComponent, IrrepEnergies};

/// `label dim χ(1) kind` of a component, padded.
fn component_head(c: &IrrepComponent) -> String {
    format!(
        "{:<9} {:>5} {:>4} {:<13}",
        c.label,
        c.dimension,
        c.degree,
        c.kind.name()
    )
}

/// `rep (size), …` of the classes.
fn class_line(classes: &[ConjugacyClass]) -> String {
    classes
        .iter()
        .map(|c| format!("{} ({})", c.representative, c.size))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Re χ of a component on each class, `%.3f` separated by spaces.
fn characters(c: &IrrepComponent) -> String {
    c.character
        .iter()
        .map(|x| format!("{:.3}", if x.abs() < 5e-4 { 0.0 } else { *x }))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The table of [`IrrepEnergies`], appended to `s`.
pub fn irrep_table(s: &mut String, e: &IrrepEnergies) {
    let _ = writeln!(
        s,
        "\nirreducible representations of {}: energy ‖P_χ B P_χ‖²_F / ‖B‖²_F of each block in each \
         real isotypic component of the regular representation\n  action: {}",
        e.group, e.action
    );
    let _ = writeln!(s, "  classes: {}", class_line(&e.classes));
    let _ = writeln!(
        s,
        "  {:<9} {:>5} {:>4} {:<13} {:>10} {:>10} {:>10} {:>10}   Re χ on the classes",
        "component", "dim", "χ(1)", "kind", "M11", "M12", "M21", "M22"
    );
    let blocks = [&e.m11, &e.m12, &e.m21, &e.m22];
    let cell = |b: &Option<symrfm::analysis::isotypic::BlockIrrepEnergy>,
                v: &dyn Fn(&symrfm::analysis::isotypic::BlockIrrepEnergy) -> f64| {
        b.as_ref()
            .map_or("zero".to_string(), |b| format!("{:.6}", v(b)))
    };
    for (i, c) in e.components.iter().enumerate() {
        let _ = write!(s, "  {}", component_head(c));
        for b in blocks {
            let _ = write!(s, " {:>10}", cell(b, &|b| b.energy[i]));
        }
        let _ = writeln!(s, "   {}", characters(c));
    }
    let _ = write!(s, "  {:<34}", "(off-component remainder)");
    for b in blocks {
        let _ = write!(s, " {:>10}", cell(b, &|b| b.remainder));
    }
    let _ = writeln!(s);
}

/// The tables of [`EigenIsotypic`], appended to `s`.
pub fn eigen_isotypic_table(s: &mut String, e: &EigenIsotypic, spectrum: &[f64]) {
    let _ = writeln!(
        s,
        "\nisotypic components of H = {} (order {}) on the 2n coordinates",
        e.subgroup, e.order
    );
    let _ = writeln!(s, "  classes: {}", class_line(&e.classes));
    let _ = writeln!(
        s,
        "  {:<9} {:>5} {:>4} {:<13} Re χ on the classes",
        "component", "dim", "χ(1)", "kind"
    );
    for c in &e.components {
        let _ = writeln!(s, "  {} {}", component_head(c), characters(c));
    }
    let head: String = e
        .components
        .iter()
        .map(|c| format!(" {:>9}", c.label))
        .collect();
    let _ = writeln!(s, "energy ‖P_χ v‖² of each leading eigenvector v");
    let _ = writeln!(s, "  {:>4} {:>14}{head}", "rank", "eigenvalue");
    for (r, row) in e.energy.iter().enumerate() {
        let cells: String = row.iter().map(|x| format!(" {x:>9.4}")).collect();
        let _ = writeln!(s, "  {:>4} {:>14.6e}{cells}", r, spectrum[r]);
    }
    let _ = writeln!(
        s,
        "eigenvalue clusters (relative tolerance {:e}): energy ‖P_χ V‖²_F / dim of each cluster's span V",
        e.cluster_tolerance
    );
    let _ = writeln!(
        s,
        "  {:>9} {:>4} {:>14}{head}",
        "ranks", "size", "eigenvalue"
    );
    for c in &e.clusters {
        let cells: String = c.energy.iter().map(|x| format!(" {x:>9.4}")).collect();
        let ranks = if c.size == 1 {
            c.first_rank.to_string()
        } else {
            format!("{}–{}", c.first_rank, c.first_rank + c.size - 1)
        };
        let _ = writeln!(
            s,
            "  {:>9} {:>4} {:>14.6e}{cells}",
            ranks, c.size, c.eigenvalue_max
        );
    }
}

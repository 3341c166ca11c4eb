//! Figures of one run: the decomposition of a feature matrix on Dih(A) as a heatmap, and the
//! structure of M_t over the iterations (circulant deviation, alignment) as a line chart. The
//! heatmap of M itself is drawn by `symrfm report --matrix` from the matrix alone.

use crate::analysis::{IterationStructure, MatrixAnalysis};
use crate::plot::{ColorScale, Heatmap, LineChart, Series};
use ndarray::Array2;

/// A figure with its caption.
#[derive(Clone, Debug)]
pub struct Captioned<F> {
    /// The figure.
    pub figure: F,
    /// What it shows, for the report's index.
    pub caption: String,
}

/// The coefficients α_g of M on the elements of Dih(A) as a 2 × n heatmap: row 0 the rotations
/// `r^x`, row 1 the reflections `s r^x`, column x the element index of A (the order of
/// [`crate::symmetry::DihedralGroup::elements`]: `r^x` at position x, `s r^x` at n + x). `None`
/// when the task has no dihedral group. `name` names the matrix (e.g. `M_60`).
pub fn decomposition_heatmap(a: &MatrixAnalysis, name: &str) -> Option<Captioned<Heatmap>> {
    let group = a.group.as_ref()?;
    let n = a.n;
    let mut values = Array2::<f64>::zeros((2, n));
    for e in &group.decomposition.elements {
        if e.index < 2 * n {
            values[[e.index / n, e.index % n]] = e.coefficient;
        }
    }
    let mut hm = Heatmap::new(
        format!("Coefficients of {name} on {} — {}", group.name, a.task),
        values,
    );
    hm.subtitle = Some(format!(
        "largest: {}; residual to the group algebra {:.2e}",
        group.decomposition.top_text(3, 3),
        group.decomposition.residual
    ));
    hm.row_labels = Some(vec!["rotations r^x".into(), "reflections s r^x".into()]);
    hm.x_label = "x (element index of A)".into();
    hm.y_label = String::new();
    hm.colorbar_label = "α_g".into();
    hm.scale = ColorScale::diverging_for(&hm.values);
    hm.size = (1100, 420);
    let caption = format!(
        "Coefficients α_g of the feature matrix {name} on the {} permutation matrices Π(g) of \
         {} ({}): top row the rotations r^x, bottom row the reflections s r^x, column x; blue \
         negative, red positive (symmetric scale). The residual {:.2e} is the part of {name} \
         outside their span, relative to ‖{name}‖_F.",
        2 * n,
        group.name,
        a.task,
        group.decomposition.residual
    );
    Some(Captioned {
        figure: hm,
        caption,
    })
}

/// Circulant deviation of the blocks of M_t and its alignment with the final M over the
/// iterations, from `run --structure`. For `mul`/`div` (discrete-log measures present) the
/// deviations are in discrete-log order, where the learned blocks are circulant. `None` without
/// structure records.
pub fn structure_chart(
    structure: &[IterationStructure],
    task: &str,
) -> Option<Captioned<LineChart>> {
    if structure.is_empty() {
        return None;
    }
    let dlog = structure.iter().all(|s| s.circulance_dlog.is_some());
    let order = if dlog { " (discrete-log order)" } else { "" };
    let t: Vec<f64> = structure.iter().map(|s| s.t as f64).collect();
    let block = |pick: fn(&IterationStructure, bool) -> f64| -> Vec<f64> {
        structure.iter().map(|s| pick(s, dlog)).collect()
    };
    let mut chart = LineChart::new(
        format!("Structure of M_t over the iterations — {task}"),
        "iteration t (M_t after t updates)",
        "deviation / alignment",
    );
    chart.subtitle = Some(format!(
        "deviation = distance of a block from the nearest circulant or Hankel matrix, relative \
         to its norm{order}"
    ));
    chart.y_range = Some((-0.02, 1.02));
    chart.series.push(Series {
        label: "off-diagonal block M12".into(),
        x: t.clone(),
        y: block(|s, d| circ(s, d).m12.min),
        // Dots keep it visible where it coincides with M11 (e.g. both exactly 0).
        markers: true,
        ..Series::default()
    });
    chart.series.push(Series {
        label: "diagonal block M11".into(),
        x: t.clone(),
        y: block(|s, d| circ(s, d).m11.min),
        ..Series::default()
    });
    let alignment: Vec<(f64, f64)> = structure
        .iter()
        .filter_map(|s| Some((s.t as f64, s.alignment_to_final?)))
        .collect();
    if !alignment.is_empty() {
        chart.series.push(Series {
            label: "cos(M_t, M_final)".into(),
            x: alignment.iter().map(|p| p.0).collect(),
            y: alignment.iter().map(|p| p.1).collect(),
            ..Series::default()
        });
    }
    let last = structure.last()?;
    let caption = format!(
        "Structure of M_t for t = 0…{} ({task}): the deviation of the off-diagonal block M12 and \
         of the diagonal block M11 from the nearest circulant or Hankel matrix{order} (0 = exactly \
         circulant or Hankel, relative Frobenius distance), and the alignment cos(vec M_t, vec \
         M_final). M12 ends at {:.3}.",
        last.t,
        circ(last, dlog).m12.min
    );
    Some(Captioned {
        figure: chart,
        caption,
    })
}

fn circ(
    s: &IterationStructure,
    dlog: bool,
) -> &crate::analysis::PerBlock<crate::analysis::Circulance> {
    match (&s.circulance_dlog, dlog) {
        (Some(d), true) => d,
        _ => &s.circulance,
    }
}

/// The curves of a network run over the optimizer steps (its evaluations): train and test
/// accuracy, and log10 of the train and test task loss. Empty without evaluations.
pub fn network_curves(steps: &[crate::net::StepRecord], task: &str) -> Vec<Captioned<LineChart>> {
    if steps.is_empty() {
        return Vec::new();
    }
    let x: Vec<f64> = steps.iter().map(|r| r.step as f64).collect();
    let few = steps.len() <= 30;
    let series = |label: &str, y: Vec<f64>| Series {
        label: label.into(),
        x: x.clone(),
        y,
        markers: few,
        ..Series::default()
    };
    let mut acc = LineChart::new(
        format!("Accuracy over the optimizer steps — {task}"),
        "optimizer step",
        "accuracy",
    );
    acc.y_range = Some((-0.02, 1.02));
    acc.series
        .push(series("train", steps.iter().map(|r| r.train_acc).collect()));
    acc.series
        .push(series("test", steps.iter().map(|r| r.test_acc).collect()));
    let log = |v: f64| if v > 0.0 { v.log10() } else { f64::NAN };
    let mut loss = LineChart::new(
        format!("Task loss over the optimizer steps — {task}"),
        "optimizer step",
        "log10 task loss",
    );
    loss.series.push(series(
        "train",
        steps.iter().map(|r| log(r.train_loss)).collect(),
    ));
    loss.series.push(series(
        "test",
        steps.iter().map(|r| log(r.test_loss)).collect(),
    ));
    vec![
        Captioned {
            figure: acc,
            caption: format!(
                "Train and test accuracy of the network at each evaluation (step 0, every \
                 `eval_every` steps, the last step), {task}."
            ),
        },
        Captioned {
            figure: loss,
            caption: format!(
                "log10 of the train and test task loss (MSE: mean over pairs × classes; CE: mean \
                 over pairs) at each evaluation, {task}."
            ),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{analyze_matrix, AnalysisOptions};
    use crate::group::{Operation, Task, TaskSpec};
    use crate::symmetry::TaskSymmetry;

    #[test]
    fn heatmap_cells_hold_the_coefficients_of_the_named_elements() {
        let task = Task::new(TaskSpec::new(Operation::Add, 7)).unwrap();
        let dih = TaskSymmetry::of(&task);
        let perms = crate::analysis::matrix::symmetry_permutations(&dih).unwrap();
        // M = 2 Π(r^3) − 0.5 Π(s r^5): exactly two non-zero cells.
        let d = 14;
        let mut m = Array2::<f64>::zeros((d, d));
        for (g, w) in [(3usize, 2.0), (7 + 5, -0.5)] {
            let dense = perms[g].to_matrix();
            m = m + dense.mapv(|v| v * w);
        }
        let sym = (&m + &m.t()) / 2.0;
        let a = analyze_matrix(&task, sym.view(), &AnalysisOptions::default()).unwrap();
        let hm = decomposition_heatmap(&a, "M").unwrap().figure;
        assert_eq!(hm.values.dim(), (2, 7));
        for e in &a.group.as_ref().unwrap().decomposition.elements {
            let (row, col) = (e.index / 7, e.index % 7);
            assert_eq!(hm.values[[row, col]], e.coefficient);
            let expect = dih.element_name(row * 7 + col);
            assert_eq!(e.name, expect);
        }
        // The symmetrized M has weight on r^3 and its inverse r^4 (Π(r^3)ᵀ = Π(r^4)), and on the
        // reflection (its own inverse).
        assert!((hm.values[[0, 3]] - 1.0).abs() < 1e-12);
        assert!((hm.values[[0, 4]] - 1.0).abs() < 1e-12);
        assert!((hm.values[[1, 5]] + 0.5).abs() < 1e-12);
        let others = hm.values.iter().filter(|v| v.abs() > 1e-12).count();
        assert_eq!(others, 3);
        let subtitle = hm.subtitle.unwrap();
        assert!(
            subtitle.starts_with("largest: r^3 +1.000, r^4 +1.000, s r^5 -0.500;"),
            "{subtitle}"
        );
    }
}

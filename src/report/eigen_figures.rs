//! Figures of `decompose --eigen K`: the eigenvalue spectrum of M, its leading eigenvectors, and
//! the Fourier energy of each leading eigenvector per block and frequency.

use super::figures::Captioned;
use crate::analysis::EigenFeatures;
use crate::plot::{ColorScale, Heatmap, LineChart, Series};

/// The eigenvalues of M, descending, against their rank (the leading K marked).
pub fn spectrum_chart(f: &EigenFeatures, name: &str, task: &str) -> Captioned<LineChart> {
    let mut chart = LineChart::new(
        format!("Eigenvalues of {name} — {task}"),
        "rank (0 = largest)",
        "eigenvalue",
    );
    chart.subtitle = Some(format!(
        "{} eigenvalues; the leading {} are analyzed in the JSON",
        f.spectrum.len(),
        f.leading.len()
    ));
    chart.series.push(Series {
        label: "eigenvalue".into(),
        x: (0..f.spectrum.len()).map(|r| r as f64).collect(),
        y: f.spectrum.clone(),
        markers: true,
        ..Series::default()
    });
    let caption = format!(
        "All {} eigenvalues of {name} ({task}) in descending order; the largest is {}.",
        f.spectrum.len(),
        super::sci(f.spectrum.first().copied().unwrap_or(0.0), 4)
    );
    Captioned {
        figure: chart,
        caption,
    }
}

/// The leading eigenvectors as rows (entries in symbol order, left block then right block).
pub fn eigenvector_heatmap(f: &EigenFeatures, name: &str, task: &str) -> Captioned<Heatmap> {
    let mut hm = Heatmap::new(
        format!("Leading eigenvectors of {name} — {task}"),
        f.vectors(),
    );
    let n = f.leading.first().map_or(0, |l| l.left_energy.len());
    hm.subtitle = Some(format!(
        "row r = eigenvector of the r-th largest eigenvalue; columns 0…{} left operand, {}…{} right operand",
        n.saturating_sub(1),
        n,
        (2 * n).saturating_sub(1)
    ));
    hm.row_labels = Some(
        f.leading
            .iter()
            .map(|l| format!("λ{} = {:.3}", l.rank, l.eigenvalue))
            .collect(),
    );
    hm.x_label = "coordinate (symbol index; right block from n)".into();
    hm.y_label = String::new();
    hm.colorbar_label = "entry".into();
    hm.scale = ColorScale::diverging_for(&hm.values);
    hm.size = (1200, 200 + 40 * f.leading.len().max(1) as u32);
    let caption = format!(
        "The {} leading unit eigenvectors of {name} ({task}), one per row, sign fixed so the \
         largest entry is positive.",
        f.leading.len()
    );
    Captioned {
        figure: hm,
        caption,
    }
}

/// The Fourier energy of each leading eigenvector: left block's frequencies, then the right's.
pub fn energy_heatmap(f: &EigenFeatures, name: &str, task: &str) -> Captioned<Heatmap> {
    let mut hm = Heatmap::new(
        format!("Fourier energy of the leading eigenvectors of {name} — {task}"),
        f.energy_matrix(),
    );
    let n = f.leading.first().map_or(0, |l| l.left_energy.len());
    hm.subtitle = Some(format!(
        "{}; columns 0…{} left block's frequencies, {}…{} right block's",
        f.basis,
        n.saturating_sub(1),
        n,
        (2 * n).saturating_sub(1)
    ));
    hm.row_labels = Some(
        f.leading
            .iter()
            .map(|l| format!("v{} (ξ = ±{})", l.rank, l.dominant_frequency_name))
            .collect(),
    );
    hm.x_label = "frequency index (right block from n)".into();
    hm.y_label = String::new();
    hm.colorbar_label = "share of ‖v‖²".into();
    let top = hm.values.iter().fold(0.0f64, |a, &v| a.max(v));
    hm.scale = ColorScale::Sequential {
        min: 0.0,
        max: if top > 0.0 { top } else { 1.0 },
    };
    hm.size = (1200, 200 + 40 * f.leading.len().max(1) as u32);
    let caption = format!(
        "Share of each leading eigenvector's squared norm at each frequency of each block ({}); \
         each row sums to 1, ξ and −ξ carry equal energy.",
        f.basis
    );
    Captioned {
        figure: hm,
        caption,
    }
}

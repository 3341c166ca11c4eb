//! A strip of small heatmaps of M_t over the iterations of one run (issue 15, "a figure of M_t
//! over the iterations"), from the matrices a run saved (`params.save_every`).
//!
//! Every panel is one saved M_t, captioned with t and the test accuracy of the predictor built
//! with M_t (the iteration record t; the final M_T is not evaluated, and says so). All panels share
//! one diverging colour scale (blue negative, white 0, red positive, limit = the largest |entry|
//! over all panels), so sizes compare across panels. Panels wrap after
//! [`STRIP_COLUMNS`] per row. To keep the SVG small, at most [`STRIP_MAX_PANELS`] panels are drawn
//! (evenly spaced over the saved matrices, first and last always included; the caption says so),
//! and a matrix larger than [`STRIP_MAX_CELLS`] per side is shown block-averaged to at most that
//! many cells per side.

use super::figures::Captioned;
use super::RunReport;
use crate::error::{Error, Result};
use crate::plot::{err, font, tick, ColorScale, Figure};
use ndarray::Array2;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Panels per row of the strip.
pub const STRIP_COLUMNS: usize = 6;
/// Most panels drawn.
pub const STRIP_MAX_PANELS: usize = 12;
/// Most cells per side of a panel (larger matrices are block-averaged).
pub const STRIP_MAX_CELLS: usize = 128;

/// One panel: a (possibly block-averaged) M_t and its caption.
#[derive(Clone, Debug, PartialEq)]
pub struct StripPanel {
    /// The number of updates t (this is M_t).
    pub t: usize,
    /// The caption under the panel (`t = 5 · test 0.873`).
    pub caption: String,
    /// The values drawn.
    pub values: Array2<f64>,
    /// Where the blocks of the two operands meet, in cells of `values` (None for odd sizes).
    pub separator: Option<f64>,
}

/// The strip figure: panels with one shared colour scale.
#[derive(Clone, Debug, PartialEq)]
pub struct MatrixStrip {
    /// Title above the panels.
    pub title: String,
    /// A smaller line under it.
    pub subtitle: String,
    /// The panels, ascending in t.
    pub panels: Vec<StripPanel>,
    /// The shared colour scale.
    pub scale: ColorScale,
}

/// Averages `m` over square blocks of `k × k` entries (the last ones may be smaller).
fn pooled(m: &Array2<f64>, k: usize) -> Array2<f64> {
    if k <= 1 {
        return m.clone();
    }
    let d = m.nrows();
    let cells = d.div_ceil(k);
    Array2::from_shape_fn((cells, cells), |(a, b)| {
        let rows = a * k..((a + 1) * k).min(d);
        let cols = b * k..((b + 1) * k).min(d);
        let count = (rows.len() * cols.len()) as f64;
        let mut sum = 0.0;
        for i in rows {
            for j in cols.clone() {
                sum += m[[i, j]];
            }
        }
        sum / count
    })
}

/// Indices of at most `max` of `count` items, evenly spaced, first and last included.
fn spread(count: usize, max: usize) -> Vec<usize> {
    if count <= max {
        return (0..count).collect();
    }
    let mut out: Vec<usize> = (0..max)
        .map(|i| ((i as f64) * (count - 1) as f64 / (max - 1) as f64).round() as usize)
        .collect();
    out.dedup();
    out
}

/// The strip of the saved matrices of `run` (read from `path`, named in errors and captions).
/// Errors when fewer than two matrices were saved (train with `params.save_every`) or one is
/// malformed.
pub fn matrix_strip(run: &RunReport, path: &Path) -> Result<Captioned<MatrixStrip>> {
    let bad = |reason: String| Error::InvalidInput {
        path: path.to_path_buf(),
        reason,
    };
    let records = &run.feature_matrices;
    if records.len() < 2 && run.network.is_some() {
        return Err(bad(format!(
            "{} recorded NFM; a strip needs two or more: a network run records one at step 0, \
             every `net.agop_every` steps and at its last step",
            records.len()
        )));
    }
    if records.len() < 2 {
        return Err(bad(format!(
            "{} saved feature matrix (t = {}); a strip of M_t needs two or more: train with \
             `params.save_every` set (e.g. 5) to save M_t every few iterations",
            if records.is_empty() { "no" } else { "only one" },
            records
                .first()
                .map_or("none".to_string(), |r| r.t.to_string()),
        )));
    }
    let network = run.network.is_some();
    let chosen = spread(records.len(), STRIP_MAX_PANELS);
    let mut panels = Vec::with_capacity(chosen.len());
    let mut limit = 0.0f64;
    let mut pool = 1;
    for &i in &chosen {
        let rec = &records[i];
        let m = rec.to_array().map_err(&bad)?;
        let d = m.nrows();
        pool = d.div_ceil(STRIP_MAX_CELLS).max(1);
        let values = pooled(&m, pool);
        limit = values
            .iter()
            .filter(|v| v.is_finite())
            .fold(limit, |a, v| a.max(v.abs()));
        // A network's NFM at step t is evaluated when t is an evaluation step (the last always is).
        let test_acc = match &run.network {
            Some(net) => net
                .steps
                .iter()
                .find(|r| r.step == rec.t)
                .map(|r| r.test_acc),
            None => run
                .iterations
                .iter()
                .find(|r| r.iter == rec.t)
                .map(|r| r.test_acc),
        };
        let acc = test_acc.map_or("not evaluated".to_string(), |a| format!("test {a:.3}"));
        let last = i + 1 == records.len();
        panels.push(StripPanel {
            t: rec.t,
            caption: format!(
                "{} = {}{} · {acc}",
                if network { "step" } else { "t" },
                rec.t,
                if last { " (final)" } else { "" }
            ),
            separator: d.is_multiple_of(2).then(|| (d / 2) as f64 / pool as f64),
            values,
        });
    }
    let file = path
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let d = records[0].dim;
    let shown = if chosen.len() < records.len() {
        format!(
            "{} of the {} saved matrices, evenly spaced (first and last included)",
            chosen.len(),
            records.len()
        )
    } else {
        format!("all {} saved matrices", records.len())
    };
    let pooled_note = if pool > 1 {
        format!("; each panel averaged over {pool}×{pool} entries")
    } else {
        String::new()
    };
    let figure = MatrixStrip {
        title: if network {
            format!(
                "Network NFM over the optimizer steps — {}",
                run.task.description
            )
        } else {
            format!(
                "Feature matrix M_t over the iterations — {}",
                run.task.description
            )
        },
        subtitle: format!("{file}: {d}×{d}, {shown}{pooled_note}; one colour scale"),
        panels,
        scale: ColorScale::Diverging {
            limit: if limit > 0.0 { limit } else { 1.0 },
        },
    };
    let caption = if network {
        format!(
            "Heatmaps of the network's neural feature matrix (NFM) at the steps recorded by the \
             run {file} ({}), {shown}, side by side in the optimizer step{pooled_note}. One \
             diverging colour scale for all panels (blue negative, white 0, red positive, limit \
             {}); the lines separate the first and second operand's blocks. Under each panel: \
             the step and the test accuracy of the network there (\"not evaluated\" off the \
             evaluation schedule).",
            run.task.description,
            tick(figure.scale_limit()),
        )
    } else {
        format!(
            "Heatmaps of the feature matrices M_t saved by the run {file} ({}), {shown}, side by \
         side in t{pooled_note}. One diverging colour scale for all panels (blue negative, white \
         0, red positive, limit {}); the lines separate the first and second operand's blocks. \
         Under each panel: t and the test accuracy of the predictor with M_t (the final M is not \
         evaluated).",
            run.task.description,
            tick(figure.scale_limit()),
        )
    };
    Ok(Captioned { figure, caption })
}

impl MatrixStrip {
    fn scale_limit(&self) -> f64 {
        match self.scale {
            ColorScale::Diverging { limit } => limit,
            ColorScale::Sequential { max, .. } => max,
        }
    }

    fn grid(&self) -> (usize, usize) {
        let cols = self.panels.len().clamp(1, STRIP_COLUMNS);
        (self.panels.len().div_ceil(cols).max(1), cols)
    }
}

/// Pixel size of one panel (square heatmap plus its caption line).
const PANEL: (u32, u32) = (230, 262);
const HEADER: u32 = 78;
const BAR: u32 = 110;

impl Figure for MatrixStrip {
    fn size(&self) -> (u32, u32) {
        let (rows, cols) = self.grid();
        (
            (cols as u32 * PANEL.0 + BAR).max(760),
            HEADER + rows as u32 * PANEL.1 + 16,
        )
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        root.fill(&WHITE).map_err(err)?;
        let (w, _) = root.dim_in_pixel();
        let centred = Pos::new(HPos::Center, VPos::Top);
        root.draw(&Text::new(
            self.title.clone(),
            (w as i32 / 2, 10),
            font(20.0).pos(centred),
        ))
        .map_err(err)?;
        root.draw(&Text::new(
            self.subtitle.clone(),
            (w as i32 / 2, 40),
            font(13.0).pos(centred),
        ))
        .map_err(err)?;
        let (_, cols) = self.grid();
        for (k, panel) in self.panels.iter().enumerate() {
            let (r, c) = (k / cols, k % cols);
            let x = (c as u32 * PANEL.0) as i32;
            let y = (HEADER + r as u32 * PANEL.1) as i32;
            self.draw_panel(root, panel, (x, y))?;
        }
        // Colour bar at the right.
        let (lo, hi) = (-self.scale_limit(), self.scale_limit());
        let x0 = w as i32 - BAR as i32 + 20;
        let (top, height) = (HEADER as i32 + 10, 200);
        let steps = 100;
        for s in 0..steps {
            let v = hi - (hi - lo) * (s as f64 + 0.5) / steps as f64;
            let ya = top + s * height / steps;
            let yb = top + (s + 1) * height / steps;
            root.draw(&Rectangle::new(
                [(x0, ya), (x0 + 18, yb)],
                self.scale.color(v).filled(),
            ))
            .map_err(err)?;
        }
        root.draw(&Rectangle::new(
            [(x0, top), (x0 + 18, top + height)],
            BLACK.stroke_width(1),
        ))
        .map_err(err)?;
        let left = Pos::new(HPos::Left, VPos::Center);
        for (v, yy) in [(hi, top), (0.0, top + height / 2), (lo, top + height)] {
            root.draw(&Text::new(tick(v), (x0 + 24, yy), font(12.0).pos(left)))
                .map_err(err)?;
        }
        root.draw(&Text::new(
            "M_t[i, j]",
            (x0 - 4, top + height + 18),
            font(12.0).pos(Pos::new(HPos::Left, VPos::Top)),
        ))
        .map_err(err)?;
        Ok(())
    }
}

impl MatrixStrip {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        panel: &StripPanel,
        (x, y): (i32, i32),
    ) -> std::result::Result<(), String> {
        let side = (PANEL.0 - 20) as f64;
        let (x0, y0) = (x as f64 + 10.0, y as f64 + 4.0);
        let n = panel.values.nrows().max(1) as f64;
        let cell = side / n;
        let px = |v: f64| v.round() as i32;
        for ((i, j), &v) in panel.values.indexed_iter() {
            let (xa, ya) = (x0 + j as f64 * cell, y0 + i as f64 * cell);
            root.draw(&Rectangle::new(
                [(px(xa), px(ya)), (px(xa + cell), px(ya + cell))],
                self.scale.color(v).filled(),
            ))
            .map_err(err)?;
        }
        let frame = [(px(x0), px(y0)), (px(x0 + side), px(y0 + side))];
        root.draw(&Rectangle::new(frame, BLACK.stroke_width(1)))
            .map_err(err)?;
        if let Some(s) = panel.separator {
            let at = s * cell;
            root.draw(&PathElement::new(
                vec![(px(x0 + at), px(y0)), (px(x0 + at), px(y0 + side))],
                BLACK.stroke_width(1),
            ))
            .map_err(err)?;
            root.draw(&PathElement::new(
                vec![(px(x0), px(y0 + at)), (px(x0 + side), px(y0 + at))],
                BLACK.stroke_width(1),
            ))
            .map_err(err)?;
        }
        root.draw(&Text::new(
            panel.caption.clone(),
            (px(x0 + side / 2.0), px(y0 + side + 8.0)),
            font(13.0).pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn pooling_averages_blocks_and_keeps_small_matrices() {
        let m = array![[1.0, 3.0, 5.0], [1.0, 3.0, 7.0], [0.0, 2.0, 4.0]];
        assert_eq!(pooled(&m, 1), m);
        let p = pooled(&m, 2);
        assert_eq!(p, array![[2.0, 6.0], [1.0, 4.0]]);
    }

    #[test]
    fn spread_keeps_first_and_last() {
        assert_eq!(spread(5, 12), vec![0, 1, 2, 3, 4]);
        let s = spread(201, 12);
        assert_eq!(s.len(), 12);
        assert_eq!((s[0], s[11]), (0, 200));
        assert!(s.windows(2).all(|w| w[0] < w[1]));
    }
}

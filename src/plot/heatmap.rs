//! Heatmaps: a matrix of values as coloured cells, row 0 at the top, with a colour bar.

use super::{err, font, nice_step, tick, Figure};
use ndarray::Array2;
use plotters::coord::Shift;
use plotters::prelude::*;

/// How values map to colours.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ColorScale {
    /// Viridis from `min` (dark purple) to `max` (yellow).
    Sequential {
        /// Value of the darkest colour.
        min: f64,
        /// Value of the brightest colour.
        max: f64,
    },
    /// Blue (−limit) – white (0) – red (+limit).
    Diverging {
        /// Absolute value of the saturated colours.
        limit: f64,
    },
}

impl ColorScale {
    /// A diverging scale symmetric around 0 that covers every finite value of `m`.
    pub fn diverging_for(m: &Array2<f64>) -> Self {
        let limit = m
            .iter()
            .filter(|v| v.is_finite())
            .fold(0.0f64, |a, v| a.max(v.abs()));
        ColorScale::Diverging {
            limit: if limit > 0.0 { limit } else { 1.0 },
        }
    }

    fn range(&self) -> (f64, f64) {
        match *self {
            ColorScale::Sequential { min, max } => (min, max),
            ColorScale::Diverging { limit } => (-limit, limit),
        }
    }

    /// The colour of `v` (NaN: light grey).
    pub fn color(&self, v: f64) -> RGBColor {
        if !v.is_finite() {
            return RGBColor(220, 220, 220);
        }
        match *self {
            ColorScale::Sequential { min, max } => {
                let t = if max > min {
                    (v - min) / (max - min)
                } else {
                    0.5
                };
                interpolate(&VIRIDIS, t)
            }
            ColorScale::Diverging { limit } => {
                let t = if limit > 0.0 {
                    0.5 + 0.5 * v / limit
                } else {
                    0.5
                };
                interpolate(&DIVERGING, t)
            }
        }
    }
}

/// Viridis at nine equally spaced points.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// Blue – white – red at five equally spaced points.
const DIVERGING: [(u8, u8, u8); 5] = [
    (33, 102, 172),
    (103, 169, 207),
    (247, 247, 247),
    (239, 138, 98),
    (178, 24, 43),
];

fn interpolate(stops: &[(u8, u8, u8)], t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0) * (stops.len() - 1) as f64;
    let i = (t.floor() as usize).min(stops.len() - 2);
    let f = t - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + f * (b as f64 - a as f64)).round() as u8;
    let (a, b) = (stops[i], stops[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// A heatmap.
#[derive(Clone, Debug, PartialEq)]
pub struct Heatmap {
    /// Title above the plot.
    pub title: String,
    /// A smaller line under the title.
    pub subtitle: Option<String>,
    /// x axis label.
    pub x_label: String,
    /// y axis label.
    pub y_label: String,
    /// The values: rows × columns; row 0 is drawn at the top.
    pub values: Array2<f64>,
    /// x coordinate of the centre of column 0 and the step between columns.
    pub columns: (f64, f64),
    /// Labels of the rows (drawn at their centres); default: row indices on the axis.
    pub row_labels: Option<Vec<String>>,
    /// Colours.
    pub scale: ColorScale,
    /// Label of the colour bar.
    pub colorbar_label: String,
    /// Draw separating lines before these row and column indices (e.g. `[n]` for 2×2 blocks).
    pub separators: Vec<usize>,
    /// Size in pixels.
    pub size: (u32, u32),
}

impl Heatmap {
    /// A heatmap of `values` with column j centred at x = j and a diverging scale.
    pub fn new(title: impl Into<String>, values: Array2<f64>) -> Self {
        Heatmap {
            title: title.into(),
            subtitle: None,
            x_label: "column".into(),
            y_label: "row".into(),
            scale: ColorScale::diverging_for(&values),
            values,
            columns: (0.0, 1.0),
            row_labels: None,
            colorbar_label: "value".into(),
            separators: Vec::new(),
            size: (900, 760),
        }
    }
}

impl Figure for Heatmap {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        root.fill(&WHITE).map_err(err)?;
        let mut area = root.titled(&self.title, font(22.0)).map_err(err)?;
        if let Some(sub) = &self.subtitle {
            area = area.titled(sub, font(14.0)).map_err(err)?;
        }
        let (w, _) = area.dim_in_pixel();
        let (plot, bar) = area.split_horizontally(w.saturating_sub(130));
        let (rows, cols) = self.values.dim();
        let (x_start, step) = self.columns;
        let step = if step > 0.0 { step } else { 1.0 };
        let x0 = x_start - step / 2.0;
        let x1 = x_start + (cols as f64 - 0.5) * step;
        let rows_f = rows as f64;
        // Row labels are drawn by hand at row centres: the given ones, or every k-th index.
        let labels: Vec<(usize, String)> = match &self.row_labels {
            Some(l) => l.iter().cloned().enumerate().take(rows).collect(),
            None => (0..rows)
                .step_by(nice_step(rows, 12))
                .map(|i| (i, i.to_string()))
                .collect(),
        };
        let longest = labels
            .iter()
            .map(|(_, l)| l.chars().count())
            .max()
            .unwrap_or(0) as u32;
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(longest * 9 + 50)
            .build_cartesian_2d(x0..x1, 0.0..rows_f.max(1.0))
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .label_style(font(14.0))
            .axis_desc_style(font(16.0))
            .x_label_formatter(&|v| tick(*v))
            .y_labels(0)
            .draw()
            .map_err(err)?;
        let cells = (0..rows).flat_map(|i| (0..cols).map(move |j| (i, j)));
        chart
            .draw_series(cells.map(|(i, j)| {
                let xa = x0 + j as f64 * step;
                let ya = rows_f - i as f64;
                Rectangle::new(
                    [(xa, ya), (xa + step, ya - 1.0)],
                    self.scale.color(self.values[[i, j]]).filled(),
                )
            }))
            .map_err(err)?;
        for &k in &self.separators {
            if k > 0 && k < rows.max(cols) {
                let y = rows_f - k as f64;
                let x = x0 + k as f64 * step;
                chart
                    .draw_series([
                        PathElement::new(vec![(x0, y), (x1, y)], BLACK.stroke_width(1)),
                        PathElement::new(vec![(x, 0.0), (x, rows_f)], BLACK.stroke_width(1)),
                    ])
                    .map_err(err)?;
            }
        }
        for (i, label) in &labels {
            let (px, py) = chart.backend_coord(&(x0, rows_f - *i as f64 - 0.5));
            let style = font(14.0).pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Right,
                plotters::style::text_anchor::VPos::Center,
            ));
            root.draw(&Text::new(label.clone(), (px - 8, py), style))
                .map_err(err)?;
            root.draw(&PathElement::new(
                vec![(px - 5, py), (px, py)],
                BLACK.stroke_width(1),
            ))
            .map_err(err)?;
        }
        // Colour bar.
        let (lo, hi) = self.scale.range();
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            (lo - 0.5, lo + 0.5)
        };
        let mut cb = ChartBuilder::on(&bar)
            .margin_top(40)
            .margin_bottom(62)
            .margin_right(8)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..1.0, lo..hi)
            .map_err(err)?;
        cb.configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .y_desc(self.colorbar_label.as_str())
            .y_label_formatter(&|v| tick(*v))
            .label_style(font(13.0))
            .axis_desc_style(font(14.0))
            .draw()
            .map_err(err)?;
        let steps = 200;
        cb.draw_series((0..steps).map(|s| {
            let a = lo + (hi - lo) * s as f64 / steps as f64;
            let b = lo + (hi - lo) * (s + 1) as f64 / steps as f64;
            Rectangle::new(
                [(0.0, a), (1.0, b)],
                self.scale.color((a + b) / 2.0).filled(),
            )
        }))
        .map_err(err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_hit_their_end_colours() {
        let s = ColorScale::Sequential { min: 0.0, max: 1.0 };
        assert_eq!(s.color(0.0), RGBColor(68, 1, 84));
        assert_eq!(s.color(1.0), RGBColor(253, 231, 37));
        assert_eq!(s.color(2.0), RGBColor(253, 231, 37));
        let d = ColorScale::Diverging { limit: 2.0 };
        assert_eq!(d.color(0.0), RGBColor(247, 247, 247));
        assert_eq!(d.color(-2.0), RGBColor(33, 102, 172));
        assert_eq!(d.color(f64::NAN), RGBColor(220, 220, 220));
    }
}

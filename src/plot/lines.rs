//! Line charts with optional bands (mean ± std), legend to the right of the plot.

use super::{err, font, palette, tick, Figure};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One curve.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// x values (ascending).
    pub x: Vec<f64>,
    /// y values, one per x.
    pub y: Vec<f64>,
    /// A band (lower, upper), one pair per x, drawn translucent under the curve.
    pub band: Option<(Vec<f64>, Vec<f64>)>,
    /// Mark each point with a dot (for few, unevenly spaced points).
    pub markers: bool,
}

/// A chart of curves.
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    /// Title above the plot.
    pub title: String,
    /// A smaller line under the title (e.g. the fixed parameters).
    pub subtitle: Option<String>,
    /// x axis label.
    pub x_label: String,
    /// y axis label.
    pub y_label: String,
    /// Legend heading.
    pub legend_title: Option<String>,
    /// The curves.
    pub series: Vec<Series>,
    /// Fixed y range (default: the data's range with a margin).
    pub y_range: Option<(f64, f64)>,
    /// Size in pixels.
    pub size: (u32, u32),
}

impl LineChart {
    /// An empty chart of the default size.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
    ) -> Self {
        LineChart {
            title: title.into(),
            subtitle: None,
            x_label: x_label.into(),
            y_label: y_label.into(),
            legend_title: None,
            series: Vec::new(),
            y_range: None,
            size: (960, 600),
        }
    }

    fn ranges(&self) -> ((f64, f64), (f64, f64)) {
        let finite = |v: &f64| v.is_finite();
        let xs = self
            .series
            .iter()
            .flat_map(|s| s.x.iter().copied())
            .filter(finite);
        let (x0, x1) = min_max(xs).unwrap_or((0.0, 1.0));
        let (x0, x1) = if x1 > x0 {
            (x0, x1)
        } else {
            (x0 - 0.5, x0 + 0.5)
        };
        let (y0, y1) = self.y_range.unwrap_or_else(|| {
            let ys = self.series.iter().flat_map(|s| {
                let band = s
                    .band
                    .iter()
                    .flat_map(|(lo, hi)| lo.iter().chain(hi.iter()));
                s.y.iter().chain(band).copied()
            });
            let (a, b) = min_max(ys.filter(finite)).unwrap_or((0.0, 1.0));
            let pad = if b > a { 0.05 * (b - a) } else { 0.5 };
            (a - pad, b + pad)
        });
        ((x0, x1), (y0, y1))
    }
}

fn min_max(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((a, b)) => Some((a.min(v), b.max(v))),
    })
}

impl Figure for LineChart {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        root.fill(&WHITE).map_err(err)?;
        let mut area = root.titled(&self.title, font(22.0)).map_err(err)?;
        if let Some(sub) = &self.subtitle {
            area = area.titled(sub, font(14.0)).map_err(err)?;
        }
        let longest = self
            .series
            .iter()
            .map(|s| s.label.chars().count())
            .chain(self.legend_title.iter().map(|t| t.chars().count()))
            .max()
            .unwrap_or(0);
        let (w, _) = area.dim_in_pixel();
        let legend_w = ((longest as u32) * 8 + 60).clamp(120, w / 3);
        let (plot, legend) = area.split_horizontally(w.saturating_sub(legend_w));
        let ((x0, x1), (y0, y1)) = self.ranges();
        let mut chart = ChartBuilder::on(&plot)
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .max_light_lines(2)
            .label_style(font(14.0))
            .axis_desc_style(font(16.0))
            .light_line_style(RGBColor(235, 235, 235))
            .bold_line_style(RGBColor(210, 210, 210))
            .draw()
            .map_err(err)?;
        for (i, s) in self.series.iter().enumerate() {
            if let Some((lo, hi)) = &s.band {
                let color = palette(i);
                let mut pts: Vec<(f64, f64)> =
                    s.x.iter().copied().zip(hi.iter().copied()).collect();
                pts.extend(s.x.iter().copied().zip(lo.iter().copied()).rev());
                let pts: Vec<(f64, f64)> = pts
                    .into_iter()
                    .filter(|(x, y)| x.is_finite() && y.is_finite())
                    .map(|(x, y)| (x, y.clamp(y0, y1)))
                    .collect();
                if pts.len() >= 3 {
                    chart
                        .draw_series(std::iter::once(Polygon::new(pts, color.mix(0.18).filled())))
                        .map_err(err)?;
                }
            }
        }
        for (i, s) in self.series.iter().enumerate() {
            let color = palette(i);
            let pts: Vec<(f64, f64)> =
                s.x.iter()
                    .copied()
                    .zip(s.y.iter().copied())
                    .filter(|(x, y)| x.is_finite() && y.is_finite())
                    .collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                .map_err(err)?;
            if s.markers {
                chart
                    .draw_series(pts.iter().map(|&p| Circle::new(p, 4, color.filled())))
                    .map_err(err)?;
            }
        }
        // Legend: one coloured line and label per series, top to bottom.
        let mut y = 40;
        if let Some(t) = &self.legend_title {
            legend
                .draw(&Text::new(t.clone(), (8, y - 20), font(14.0)))
                .map_err(err)?;
            y += 6;
        }
        for (i, s) in self.series.iter().enumerate() {
            let color = palette(i);
            legend
                .draw(&PathElement::new(
                    vec![(8, y), (36, y)],
                    color.stroke_width(3),
                ))
                .map_err(err)?;
            legend
                .draw(&Text::new(s.label.clone(), (42, y - 8), font(14.0)))
                .map_err(err)?;
            y += 22;
        }
        Ok(())
    }
}

//! Figures as PNG and SVG, drawn with `plotters` and no system library.
//!
//! Text is laid out and rasterized by the pure-Rust `ab_glyph` with DejaVu Sans, which ships in
//! `data/fonts/` (license beside it) and is compiled into the binary; PNGs are encoded with the
//! pure-Rust `png` crate. Every figure is written twice from the same drawing code: `STEM.png`
//! and `STEM.svg`, each atomically.
//!
//! Two figure types cover the reports: [`LineChart`] (curves with optional bands, e.g. test
//! accuracy vs iteration, mean ± std over seeds) and [`Heatmap`] (a matrix of values with a
//! colour bar, e.g. a grokking phase diagram, a feature matrix M or its coefficients on Dih(A));
//! build the struct and call [`save`]. The figures of sweeps are made in `crate::sweep::figures`,
//! those of one run (decomposition, structure over iterations) in `crate::report::figures`.

mod heatmap;
mod lines;

pub use heatmap::{ColorScale, Heatmap};
pub use lines::{LineChart, Series};

use crate::error::{Error, Result};
use crate::output::write_atomic;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The font file compiled into the binary (DejaVu Sans; see `data/fonts/LICENSE-DejaVu.txt`).
static FONT: &[u8] = include_bytes!("../../data/fonts/DejaVuSans.ttf");

/// The font family name figures use.
pub const FONT_FAMILY: &str = "sans-serif";

static REGISTERED: OnceLock<bool> = OnceLock::new();

/// Registers the shipped font with plotters under [`FONT_FAMILY`] (once per process).
pub fn register_font() -> Result<()> {
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidInput {
            path: PathBuf::from("data/fonts/DejaVuSans.ttf"),
            reason: "the font compiled into symrfm could not be parsed".into(),
        })
    }
}

/// Something that can draw itself on any plotters backend.
pub trait Figure {
    /// Size in pixels (SVG: user units).
    fn size(&self) -> (u32, u32);
    /// Draws the figure on `root` (already sized).
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String>;
}

/// Writes `fig` as `STEM.png` and `STEM.svg`; returns the two paths.
pub fn save(fig: &impl Figure, stem: &Path) -> Result<Vec<PathBuf>> {
    register_font()?;
    let (w, h) = fig.size();
    let png_path = with_ext(stem, "png");
    let svg_path = with_ext(stem, "svg");
    let fail = |path: &Path, reason: String| Error::Unwritable {
        path: path.to_path_buf(),
        reason,
    };

    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        fig.draw(&root).map_err(|e| fail(&png_path, e))?;
        root.present().map_err(|e| fail(&png_path, e.to_string()))?;
    }
    let png = encode_png(&rgb, w, h).map_err(|e| fail(&png_path, e))?;
    write_atomic(&png_path, &png)?;

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        fig.draw(&root).map_err(|e| fail(&svg_path, e))?;
        root.present().map_err(|e| fail(&svg_path, e.to_string()))?;
    }
    write_atomic(&svg_path, svg.as_bytes())?;
    Ok(vec![png_path, svg_path])
}

fn with_ext(stem: &Path, ext: &str) -> PathBuf {
    let mut s = stem.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// Encodes an RGB8 buffer as PNG.
pub fn encode_png(rgb: &[u8], w: u32, h: u32) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::High);
        let mut writer = enc.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(rgb).map_err(|e| e.to_string())?;
        writer.finish().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// A qualitative palette for curves (colour-blind-friendly "Okabe–Ito" order, then extras).
pub fn palette(i: usize) -> RGBColor {
    const COLORS: [(u8, u8, u8); 12] = [
        (0, 114, 178),
        (213, 94, 0),
        (0, 158, 115),
        (204, 121, 167),
        (230, 159, 0),
        (86, 180, 233),
        (0, 0, 0),
        (240, 228, 66),
        (127, 127, 127),
        (148, 103, 189),
        (166, 6, 40),
        (140, 86, 75),
    ];
    let (r, g, b) = COLORS[i % COLORS.len()];
    RGBColor(r, g, b)
}

/// Text style of the given size in the shipped font.
pub(crate) fn font(size: f64) -> TextStyle<'static> {
    (FONT_FAMILY, size).into_font().color(&BLACK)
}

/// A tick label: integers without decimals, others with up to 4 significant decimals, no `-0`.
pub fn tick(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    if (v - v.round()).abs() <= 1e-9 * v.abs().max(1.0) {
        let r = v.round();
        return format!("{}", if r == 0.0 { 0.0 } else { r });
    }
    let digits = (4 - v.abs().log10().floor() as i32).clamp(1, 12) as usize;
    let s = format!("{v:.digits$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// A "nice" step (1, 2, 5 × 10^k) that shows about `target` labels over `count` items.
pub(crate) fn nice_step(count: usize, target: usize) -> usize {
    let raw = (count as f64 / target.max(1) as f64).max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * mag);
    step.round().max(1.0) as usize
}

pub(crate) fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_short() {
        assert_eq!(tick(5.0), "5");
        assert_eq!(tick(-0.0), "0");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(0.1 + 0.2), "0.3");
        assert_eq!(tick(-1e-17), "0");
        assert_eq!(tick(1234.5), "1234.5");
        assert_eq!(nice_step(122, 10), 20);
        assert_eq!(nice_step(5, 10), 1);
        assert_eq!(nice_step(50, 10), 5);
    }
}

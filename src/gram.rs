//! A Gram-matrix kernel for the AGOP's shape: `G += A Aᵀ` (lower triangle) with A of a few hundred
//! rows and many thousands of columns, rows contiguous.
//!
//! faer's triangular product splits such a small output into pieces too small for its
//! matrix-product kernel (about 70 % of its product rate here). This kernel instead computes 4 × 4
//! tiles of dot products of rows: per step it loads eight 8-wide pieces of rows (four of the tile's
//! rows, four of its columns) and does sixteen 8-wide fused multiply-adds, so it is bound by the
//! FMA units, not by loads. Columns are taken in panels of `KC` (512) so that the rows of a tile stay in
//! the level-1/2 caches. Each tile's sixteen accumulators are reduced (lanes in a fixed order) and
//! added to G once per panel: the result does not depend on the thread count or on the call site,
//! only on the shapes. It runs only where the CPU has AVX-512F (checked at run time); elsewhere
//! faer's product is used, which rounds differently (a few ulps).

use ndarray::{ArrayView2, ArrayViewMut2};

/// Columns of A per panel (4 KiB per row; 8 rows of a tile are 32 KiB).
const KC: usize = 512;
/// Tile side.
const TILE: usize = 4;
/// Largest output the kernel takes (beyond that faer's blocking is the better choice).
const MAX_ROWS: usize = 512;

/// `dst += a aᵀ` on the lower triangle of `dst` (the strict upper triangle is untouched), when the
/// CPU has AVX-512F, `a` has contiguous rows and `dst` is at most `MAX_ROWS` (512) square. Returns
/// whether it did the work.
pub fn gram_lower_f64(dst: ArrayViewMut2<'_, f64>, a: ArrayView2<'_, f64>) -> bool {
    let (d, k) = a.dim();
    assert_eq!(dst.dim(), (d, d), "Gram shape");
    if d == 0 || k == 0 {
        return true; // nothing to add
    }
    if d > MAX_ROWS || !has_avx512() {
        return false;
    }
    let row_stride = a.strides()[0];
    if a.strides()[1] != 1 || row_stride < k as isize || d > 1 && row_stride <= 0 {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: AVX-512F is present (checked above); the pointer arithmetic stays inside `a`
        // (rows of length k at a positive stride ≥ k, see `x86::gram_lower`).
        unsafe { x86::gram_lower(dst, a.as_ptr(), row_stride as usize, d, k) };
        true
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{KC, TILE};
    use ndarray::ArrayViewMut2;
    use std::arch::x86_64::*;

    /// `dst += A Aᵀ` (lower), A given by its first element, row stride, rows `d` and columns `k`.
    ///
    /// # Safety
    /// The CPU must have AVX-512F, and `a.add(r * stride + c)` must be readable for every
    /// `r < d`, `c < k`.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn gram_lower(
        mut dst: ArrayViewMut2<'_, f64>,
        a: *const f64,
        stride: usize,
        d: usize,
        k: usize,
    ) {
        let mut k0 = 0;
        while k0 < k {
            let len = KC.min(k - k0);
            let mut i0 = 0;
            while i0 < d {
                // Rows past the end repeat the last row; their results are not stored.
                let rows: [usize; TILE] = std::array::from_fn(|r| (i0 + r).min(d - 1));
                let mut j0 = 0;
                while j0 <= i0 {
                    let cols: [usize; TILE] = std::array::from_fn(|c| (j0 + c).min(d - 1));
                    // SAFETY: rows and cols are < d, and k0 + len ≤ k.
                    let tile = unsafe { tile(a, stride, rows, cols, k0, len) };
                    for (r, row) in tile.iter().enumerate() {
                        let i = i0 + r;
                        if i >= d {
                            break;
                        }
                        for (c, &v) in row.iter().enumerate() {
                            let j = j0 + c;
                            if j > i {
                                break;
                            }
                            dst[[i, j]] += v;
                        }
                    }
                    j0 += TILE;
                }
                i0 += TILE;
            }
            k0 += len;
        }
    }

    /// The 4 × 4 dot products of rows `rows` with rows `cols` over columns `k0..k0 + len`.
    ///
    /// # Safety
    /// AVX-512F, and every row in `rows`/`cols` readable on `k0..k0 + len`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn tile(
        a: *const f64,
        stride: usize,
        rows: [usize; TILE],
        cols: [usize; TILE],
        k0: usize,
        len: usize,
    ) -> [[f64; TILE]; TILE] {
        // SAFETY (whole body): every pointer below is a row start plus an offset < k0 + len.
        unsafe {
            let x: [*const f64; TILE] = rows.map(|r| a.add(r * stride + k0));
            let y: [*const f64; TILE] = cols.map(|c| a.add(c * stride + k0));
            let mut acc = [[_mm512_setzero_pd(); TILE]; TILE];
            let full = len / 8 * 8;
            let mut p = 0;
            while p < full {
                let xv = x.map(|q| _mm512_loadu_pd(q.add(p)));
                let yv = y.map(|q| _mm512_loadu_pd(q.add(p)));
                for r in 0..TILE {
                    for c in 0..TILE {
                        acc[r][c] = _mm512_fmadd_pd(xv[r], yv[c], acc[r][c]);
                    }
                }
                p += 8;
            }
            let mut out = [[0.0; TILE]; TILE];
            for r in 0..TILE {
                for c in 0..TILE {
                    let mut s = _mm512_reduce_add_pd(acc[r][c]);
                    for q in full..len {
                        s += *x[r].add(q) * *y[c].add(q);
                    }
                    out[r][c] = s;
                }
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{s, Array2};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn gram_matches_the_definition_on_the_lower_triangle() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        // Tile and panel edges: d not a multiple of 4, k not a multiple of 8 or of KC, k > KC.
        for (d, k) in [
            (1usize, 3usize),
            (3, 8),
            (5, 17),
            (122, 1030),
            (61, 512),
            (9, 2 * KC + 7),
        ] {
            let wide = Array2::from_shape_fn((d, k + 3), |_| rng.random_range(-1.0..1.0));
            let a = wide.slice(s![.., 1..k + 1]); // a row stride larger than k
            let mut g = Array2::from_elem((d, d), 0.25);
            if !gram_lower_f64(g.view_mut(), a) {
                eprintln!("no AVX-512F on this CPU: the kernel is not exercised");
                return;
            }
            for i in 0..d {
                for j in 0..d {
                    let want = if j > i {
                        0.25
                    } else {
                        0.25 + (0..k).map(|q| a[[i, q]] * a[[j, q]]).sum::<f64>()
                    };
                    let scale = 1.0 + k as f64;
                    assert!(
                        (g[[i, j]] - want).abs() <= 1e-14 * scale,
                        "d {d} k {k} ({i}, {j}): {} vs {want}",
                        g[[i, j]]
                    );
                }
            }
        }
    }

    #[test]
    fn gram_declines_column_strided_input() {
        let a = Array2::<f64>::zeros((6, 10));
        let mut g = Array2::<f64>::zeros((10, 10));
        assert!(!gram_lower_f64(g.view_mut(), a.t()));
    }
}

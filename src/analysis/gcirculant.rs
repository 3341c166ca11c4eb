//! "G-circulant" structure of a feature matrix for a task on any finite group G (SCIENCE.md §5 and
//! the issue "any finite group"): how far each n×n block B is from the nearest matrix whose entry
//! `B[a, b]` depends only on `a⁻¹·b` (invariant under `(a, b) ↦ (g·a, g·b)`), or only on `a·b`.
//!
//! On Z_n written additively `a⁻¹·b = b − a` and `a·b = a + b`: these are today's circulant and
//! Hankel deviations ([`circulance`](super::structure::circulance)); on Z_p^* they are the circulant
//! and Hankel deviations after reordering the symbols by discrete logarithm. The nearest matrix of
//! either kind is the average of `B` over each level set of the key, so the deviation is
//! `‖B − B̂‖²_F / ‖B‖²_F` (the convention of the circulant measure), undefined (`None`) for a zero
//! block.

use crate::group::FiniteGroup;
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

/// The two G-circulant deviations of one block.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockGroupCirculance {
    /// Deviation from the nearest `B[a, b] = c(a⁻¹·b)` (the circulant direction); `None` for a
    /// zero block.
    pub quotient: Option<f64>,
    /// Deviation from the nearest `B[a, b] = c(a·b)` (the Hankel direction); `None` for a zero
    /// block.
    pub product: Option<f64>,
}

/// The G-circulant deviations of the four blocks of a 2n×2n feature matrix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupCirculance {
    /// The group G whose table is used (e.g. `S_4`).
    pub group: String,
    /// Left-left block.
    pub m11: BlockGroupCirculance,
    /// Left-right block.
    pub m12: BlockGroupCirculance,
    /// Right-left block.
    pub m21: BlockGroupCirculance,
    /// Right-right block.
    pub m22: BlockGroupCirculance,
}

/// `‖B − B̂‖²_F / ‖B‖²_F` with `B̂` the average of `B` over the level sets of `key(a, b) ∈ 0..n`.
fn deviation(b: ArrayView2<'_, f64>, key: impl Fn(usize, usize) -> usize) -> Option<f64> {
    let n = b.nrows();
    let mut sum = vec![0.0; n];
    let mut count = vec![0usize; n];
    let mut norm_sq = 0.0;
    for ((a, c), &v) in b.indexed_iter() {
        let k = key(a, c);
        sum[k] += v;
        count[k] += 1;
        norm_sq += v * v;
    }
    if norm_sq == 0.0 {
        return None;
    }
    let mut dev = 0.0;
    for ((a, c), &v) in b.indexed_iter() {
        let k = key(a, c);
        let d = v - sum[k] / count[k] as f64;
        dev += d * d;
    }
    Some(dev / norm_sq)
}

/// The two deviations of one n×n block (`n = |G|`, symbol `a` = element `a` of `g`).
pub fn block_group_circulance(g: &FiniteGroup, b: ArrayView2<'_, f64>) -> BlockGroupCirculance {
    BlockGroupCirculance {
        quotient: deviation(b, |a, c| g.op(g.inverse(a), c)),
        product: deviation(b, |a, c| g.op(a, c)),
    }
}

/// The G-circulant deviations of the blocks of `m` (2n×2n with n = |G|); `None` when the sizes
/// do not match.
pub fn group_circulance(g: &FiniteGroup, m: ArrayView2<'_, f64>) -> Option<GroupCirculance> {
    let n = g.order();
    if m.dim() != (2 * n, 2 * n) {
        return None;
    }
    let block = |r: usize, c: usize| {
        block_group_circulance(
            g,
            m.slice(ndarray::s![r * n..(r + 1) * n, c * n..(c + 1) * n]),
        )
    };
    Some(GroupCirculance {
        group: g.name().to_string(),
        m11: block(0, 0),
        m12: block(0, 1),
        m21: block(1, 0),
        m22: block(1, 1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::structure::circulance;
    use crate::analysis::testutil::rng;
    use ndarray::Array2;
    use rand::Rng;

    fn group(name: &str) -> FiniteGroup {
        crate::group::parse_group_name(name).unwrap()
    }

    #[test]
    fn on_a_cyclic_group_they_are_the_circulant_and_hankel_deviations() {
        let g = group("Z7");
        let mut r = rng(3);
        let b = Array2::from_shape_fn((7, 7), |_| r.random_range(-1.0..1.0));
        let ours = block_group_circulance(&g, b.view());
        let theirs = circulance(b.view()).unwrap();
        assert!((ours.quotient.unwrap() - theirs.circulant).abs() < 1e-12);
        assert!((ours.product.unwrap() - theirs.hankel).abs() < 1e-12);
    }

    #[test]
    fn g_circulant_blocks_deviate_by_zero_and_others_do_not() {
        for name in ["S3", "Q8", "A4", "D6"] {
            let g = group(name);
            let n = g.order();
            let mut r = rng(n as u64);
            let c: Vec<f64> = (0..n).map(|_| r.random_range(-1.0..1.0)).collect();
            let quotient = Array2::from_shape_fn((n, n), |(a, b)| c[g.op(g.inverse(a), b)]);
            let product = Array2::from_shape_fn((n, n), |(a, b)| c[g.op(a, b)]);
            let q = block_group_circulance(&g, quotient.view());
            let p = block_group_circulance(&g, product.view());
            assert!(q.quotient.unwrap() < 1e-24, "{name}: {q:?}");
            assert!(p.product.unwrap() < 1e-24, "{name}: {p:?}");
            // The two kinds differ on a non-abelian group (and in general on any group).
            assert!(
                q.product.unwrap() > 1e-3 && p.quotient.unwrap() > 1e-3,
                "{name}"
            );
            let noise = Array2::from_shape_fn((n, n), |_| r.random_range(-1.0..1.0));
            let d = block_group_circulance(&g, noise.view());
            assert!(d.quotient.unwrap() > 0.1 && d.quotient.unwrap() <= 1.0);
        }
    }

    #[test]
    fn a_zero_block_is_undefined_and_sizes_must_match() {
        let g = group("S3");
        let z = Array2::<f64>::zeros((6, 6));
        let d = block_group_circulance(&g, z.view());
        assert_eq!((d.quotient, d.product), (None, None));
        assert!(group_circulance(&g, Array2::<f64>::eye(10).view()).is_none());
        let m = Array2::<f64>::eye(12);
        let all = group_circulance(&g, m.view()).unwrap();
        assert_eq!(all.m12.quotient, None);
        assert_eq!(all.m11.quotient, Some(0.0));
    }
}

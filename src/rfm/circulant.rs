//! Block-circulant feature matrices after arXiv 2407.20199 (Mallinar et al.): the enforced-circulant
//! intervention and random block-circulant initial matrices.
//!
//! # Layout
//! A 2n×2n feature matrix has blocks `[[M11, M12], [M21, M22]]` (first block: left operand). The
//! off-diagonal blocks of the features RFM learns are, in a suitable order of the symbols,
//! - **circulant** for `add` (`B[i, j] = c[(i − j) mod n]`) and `mul` (in discrete-log order);
//! - **Hankel** for `sub` (`B[i, j] = c[(i + j) mod n]`) and `div` (in discrete-log order),
//!
//! in both cases with first column `c` ([`CirculantLayout`]). Discrete-log order lists the symbols
//! as `g⁰, g¹, …, g^{n−1}` for the smallest primitive root g, as in the group module.
//!
//! # Enforced circulant (`enforce-circulant`)
//! The paper's description: normalize M by its diagonal, reset the diagonal blocks to `I − 11ᵀ/p`,
//! and replace each off-diagonal block by the exact circulant built from its first column (for
//! mul/div in discrete-log order). The released code of the paper has no such step, so ours follows
//! the text; where the text leaves a choice, we chose as follows ([`enforce_circulant`]):
//! 1. `M ← D^{-1/2} M D^{-1/2}` with `D = diag(M)` (a zero or negative diagonal entry leaves its
//!    row and column unscaled). Only the off-diagonal blocks survive step 2, so this only rescales
//!    M12.
//! 2. `M11 = M22 = I − 11ᵀ/n`, with n the block size (`p` for add/sub, `p − 1` for mul/div, whose
//!    symbols exclude 0; the paper keeps 0 for mul and so writes p).
//! 3. `M12 ←` the circulant (add, mul) or Hankel (sub, div) matrix whose first column is the first
//!    column of the normalized M12, read in the layout's order; `M21 = M12ᵀ`. The text says "each
//!    off-diagonal block"; building M21 from its own first column (the first row of M12) would make
//!    M asymmetric, so M21 is the transpose.
//!
//!    Variant (ours, `generator: average`, see [`circulant_average`](super::circulant_average)):
//!    instead of the first column, the generator is the mean of each wrapped diagonal of the
//!    normalized M12 and M21ᵀ, i.e. the orthogonal projection of the off-diagonal blocks onto
//!    circulant (Hankel) blocks; the first column is one noisy row of M12, the average uses all n²
//!    entries. The default stays the paper's first column.
//! 4. No matrix square root is taken afterwards and the result need not be positive semi-definite
//!    (the Gaussian and Laplace kernels clamp negative squared distances to 0).
//!
//! # Random block-circulant M_0 (`random-circulant`)
//! As in the paper's code (`train_random_circulant_kernel.py`): a column `c ~ U[0, 1)^n` minus its
//! mean (seeded ChaCha8), M12 the circulant (add, mul) or Hankel (sub, div) matrix with first column
//! `c` in the layout's order, `M21 = M12ᵀ`, diagonal blocks `I − 11ᵀ/n`, then the matrix square
//! root. The block matrix is in general indefinite; the paper takes the real part of scipy's
//! principal `sqrtm`, which for a symmetric matrix `U diag(λ) Uᵀ` is `U diag(√max(λ, 0)) Uᵀ`, and
//! that is what we compute (so M_0 is positive semi-definite). The paper's Hankel block for sub is
//! `rot90` of a circulant, `c[(i + j + 1) mod n]`: the same family up to relabelling `c`.

use super::circulant_average::CirculantGenerator;
use crate::error::{Error, Result};
use crate::group::Task;
use crate::linalg::sym_power;
use ndarray::{s, Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Whether a block is constant along `i − j` (circulant) or `i + j` (Hankel), indices mod n.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlockForm {
    /// `B[i, j] = c[(i − j) mod n]` (add, mul).
    Circulant,
    /// `B[i, j] = c[(i + j) mod n]` (sub, div).
    Hankel,
}

/// Where the circulant structure of a task's feature matrix lives: the symbol order and the form
/// of the off-diagonal block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CirculantLayout {
    /// `order[k]` is the symbol at position k (`0..n` for Z_n, discrete-log order for Z_p^*).
    pub order: Vec<usize>,
    /// The off-diagonal block's form in that order.
    pub form: BlockForm,
}

impl CirculantLayout {
    /// The layout of `task`: cyclic groups only (Z_p under + for add/sub, Z_p^* for mul/div).
    /// `name` is the parameter named in errors.
    pub fn for_task(task: &Task, name: &'static str) -> Result<Self> {
        let bad = || {
            Error::param(
                name,
                task.describe(),
                "a task on a cyclic group: add or sub on Z_p, mul or div on Z_p^* \
                 (block-circulant structure needs a cyclic order of the symbols)",
            )
        };
        let group = task.group().ok_or_else(bad)?;
        let n = group.order();
        let order = match group.discrete_log() {
            Some((_, dlog)) => {
                let mut order = vec![usize::MAX; n];
                for (element, &k) in dlog.iter().enumerate() {
                    if k >= n || order[k] != usize::MAX {
                        return Err(bad());
                    }
                    order[k] = element;
                }
                order
            }
            None if group.factors().len() == 1 => (0..n).collect(),
            None => return Err(bad()),
        };
        let form = if task.spec().operation.is_inverse_form() {
            BlockForm::Hankel
        } else {
            BlockForm::Circulant
        };
        Ok(CirculantLayout { order, form })
    }

    /// The block size n.
    pub fn n(&self) -> usize {
        self.order.len()
    }

    /// The n×n block (in symbol indices) with first column `c` in the layout's order:
    /// `B[order[k], order[l]] = c[(k ∓ l) mod n]`.
    pub fn block(&self, c: &[f64]) -> Array2<f64> {
        let n = self.n();
        assert_eq!(c.len(), n, "generating column length");
        let mut b = Array2::zeros((n, n));
        for k in 0..n {
            for l in 0..n {
                let idx = match self.form {
                    BlockForm::Circulant => (k + n - l) % n,
                    BlockForm::Hankel => (k + l) % n,
                };
                b[[self.order[k], self.order[l]]] = c[idx];
            }
        }
        b
    }

    /// The first column of `block` in the layout's order: `c[k] = B[order[k], order[0]]`.
    pub fn first_column(&self, block: ArrayView2<'_, f64>) -> Vec<f64> {
        self.order
            .iter()
            .map(|&a| block[[a, self.order[0]]])
            .collect()
    }

    /// The 2n×2n matrix `[[P, B], [Bᵀ, P]]` with `P = I − 11ᵀ/n` and `B` = [`block`](Self::block)`(c)`.
    pub fn assemble(&self, c: &[f64]) -> Array2<f64> {
        let n = self.n();
        let b = self.block(c);
        let mut m = Array2::zeros((2 * n, 2 * n));
        let centering = Array2::from_shape_fn((n, n), |(i, j)| {
            f64::from(u8::from(i == j)) - 1.0 / n as f64
        });
        m.slice_mut(s![..n, ..n]).assign(&centering);
        m.slice_mut(s![n.., n..]).assign(&centering);
        m.slice_mut(s![..n, n..]).assign(&b);
        m.slice_mut(s![n.., ..n]).assign(&b.t());
        m
    }
}

/// The enforced-circulant version of `m` (see the [module documentation](self) for what exactly is
/// done and how it differs from the paper's text), with the generator read from the first column
/// as the paper does. Panics if `m` is not 2n×2n for the layout.
#[track_caller]
pub fn enforce_circulant(m: ArrayView2<'_, f64>, layout: &CirculantLayout) -> Array2<f64> {
    enforce_circulant_with(m, layout, CirculantGenerator::FirstColumn)
}

/// [`enforce_circulant`] with a choice of how step 3 reads the generator: the paper's first column,
/// or the mean of each wrapped diagonal of M12 and M21ᵀ (the orthogonal projection onto circulant
/// blocks; see [`circulant_average`](super::circulant_average)). Panics if `m` is not 2n×2n for
/// the layout.
#[track_caller]
pub fn enforce_circulant_with(
    m: ArrayView2<'_, f64>,
    layout: &CirculantLayout,
    generator: CirculantGenerator,
) -> Array2<f64> {
    let n = layout.n();
    assert_eq!(m.dim(), (2 * n, 2 * n), "feature matrix shape");
    let scale: Vec<f64> = m
        .diag()
        .iter()
        .map(|&v| if v > 0.0 { 1.0 / v.sqrt() } else { 1.0 })
        .collect();
    let m12 = m.slice(s![..n, n..]);
    let normalized = Array2::from_shape_fn((n, n), |(a, b)| m12[[a, b]] * scale[a] * scale[n + b]);
    let c = match generator {
        CirculantGenerator::FirstColumn => layout.first_column(normalized.view()),
        CirculantGenerator::Average => {
            let m21 = m.slice(s![n.., ..n]);
            let lower_t =
                Array2::from_shape_fn((n, n), |(a, b)| m21[[b, a]] * scale[a] * scale[n + b]);
            layout.average_column(&[normalized.view(), lower_t.view()])
        }
    };
    layout.assemble(&c)
}

/// A random block-circulant M_0 for `task` from `seed` (see the [module documentation](self)).
/// `name` is the parameter named in errors (the task must be on a cyclic group).
pub fn random_block_circulant(task: &Task, seed: u64, name: &'static str) -> Result<Array2<f64>> {
    let layout = CirculantLayout::for_task(task, name)?;
    let n = layout.n();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut c: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
    let mean = c.iter().sum::<f64>() / n as f64;
    c.iter_mut().for_each(|v| *v -= mean);
    let m = layout.assemble(&c);
    let (root, _) = sym_power(m.view(), 0.5)?;
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::{Operation, TaskSpec};
    use crate::linalg::eigh;

    fn task(op: Operation, p: u64) -> Task {
        Task::new(TaskSpec::new(op, p)).unwrap()
    }

    #[test]
    fn layouts_follow_the_operation() {
        let add = CirculantLayout::for_task(&task(Operation::Add, 7), "x").unwrap();
        assert_eq!(add.order, (0..7).collect::<Vec<_>>());
        assert_eq!(add.form, BlockForm::Circulant);
        assert_eq!(
            CirculantLayout::for_task(&task(Operation::Sub, 7), "x")
                .unwrap()
                .form,
            BlockForm::Hankel
        );
        // Z_7^*: generator 3, powers 1, 3, 2, 6, 4, 5 → element indices (residue − 1)
        let mul = CirculantLayout::for_task(&task(Operation::Mul, 7), "x").unwrap();
        assert_eq!(mul.order, vec![0, 2, 1, 5, 3, 4]);
        let mut spec = TaskSpec::new(Operation::Add, 0);
        spec.group = Some(vec![2, 2]);
        if let Ok(t) = Task::new(spec) {
            let e = CirculantLayout::for_task(&t, "params.interventions").unwrap_err();
            assert!(e.to_string().contains("params.interventions"));
        }
    }

    #[test]
    fn blocks_have_their_first_column_and_form() {
        for op in [
            Operation::Add,
            Operation::Sub,
            Operation::Mul,
            Operation::Div,
        ] {
            let l = CirculantLayout::for_task(&task(op, 7), "x").unwrap();
            let c: Vec<f64> = (0..l.n()).map(|k| (k * k) as f64 + 0.5).collect();
            let b = l.block(&c);
            assert_eq!(l.first_column(b.view()), c);
            // reordered block is circulant / Hankel
            let n = l.n();
            for k in 0..n {
                for j in 0..n {
                    let v = b[[l.order[k], l.order[j]]];
                    let (k2, j2) = match l.form {
                        BlockForm::Circulant => ((k + 1) % n, (j + 1) % n),
                        BlockForm::Hankel => ((k + 1) % n, (j + n - 1) % n),
                    };
                    assert_eq!(v, b[[l.order[k2], l.order[j2]]]);
                }
            }
        }
    }

    #[test]
    fn enforce_is_idempotent_on_its_output_up_to_scale() {
        let l = CirculantLayout::for_task(&task(Operation::Add, 5), "x").unwrap();
        let c = [0.3, -0.1, 0.2, -0.25, -0.15];
        let m = l.assemble(&c);
        // diagonal of m is 1 − 1/n everywhere, so normalization scales M12 by 1/(1 − 1/n)
        let e = enforce_circulant(m.view(), &l);
        let k = 1.0 / (1.0 - 1.0 / 5.0);
        for (a, b) in e
            .slice(s![..5, 5..])
            .iter()
            .zip(m.slice(s![..5, 5..]).iter())
        {
            assert!((a - k * b).abs() < 1e-15);
        }
        assert_eq!(e.slice(s![..5, ..5]), m.slice(s![..5, ..5]));
    }

    #[test]
    fn random_block_circulant_is_psd_and_seeded() {
        for op in [
            Operation::Add,
            Operation::Sub,
            Operation::Mul,
            Operation::Div,
        ] {
            let t = task(op, 11);
            let a = random_block_circulant(&t, 7, "init.kind").unwrap();
            let b = random_block_circulant(&t, 7, "init.kind").unwrap();
            let c = random_block_circulant(&t, 8, "init.kind").unwrap();
            assert_eq!(a, b);
            assert_ne!(a, c);
            let (lambda, _) = eigh(a.view()).unwrap();
            let top = lambda.iter().fold(0.0f64, |x, &y| x.max(y));
            assert!(lambda.iter().all(|&l| l >= -1e-12 * top), "{lambda:?}");
            assert!((&a - &a.t()).iter().all(|v| v.abs() < 1e-15));
        }
    }
}

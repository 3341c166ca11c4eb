//! How the enforced-circulant intervention reads the generator of the off-diagonal block
//! (`params.interventions[].generator`).
//!
//! - `first-column` (the default, the paper's procedure, arXiv 2407.20199): the generator `c` is
//!   the first column of the normalized block M12 in the layout's order, `c[k] = M12[order[k],
//!   order[0]]`; all other entries of the block are discarded. This is one row/column of a noisy
//!   matrix.
//! - `average` (ours): `c[k]` is the mean of the k-th wrapped diagonal of the block in the layout's
//!   order — the entries with `k ≡ i − j` (circulant, add/mul) or `k ≡ i + j` (Hankel, sub/div)
//!   mod n, for mul/div in discrete-log order — taken over both off-diagonal blocks (M12 and
//!   M21ᵀ). On the off-diagonal blocks this is the orthogonal (Frobenius) projection onto
//!   `{[[·, C], [Cᵀ, ·]] : C circulant (Hankel)}`: every wrapped diagonal has n entries, and the
//!   projection onto "constant on each class" is the class mean. For a symmetric M (every M RFM
//!   produces) M21ᵀ = M12, so it is the projection of M12.
//!
//! The diagonal normalization and the diagonal blocks `I − 11ᵀ/n` are the same for both (see
//! [`circulant`](super::circulant)).

use super::circulant::{BlockForm, CirculantLayout};
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// Where the enforced-circulant intervention reads the off-diagonal block's generator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CirculantGenerator {
    /// The first column of the normalized M12 (arXiv 2407.20199; the default).
    #[default]
    FirstColumn,
    /// The mean of each wrapped diagonal of M12 and M21ᵀ: the orthogonal projection onto
    /// circulant (Hankel) blocks.
    Average,
}

impl CirculantGenerator {
    /// Whether this is the default ([`CirculantGenerator::FirstColumn`]), which is not written.
    pub fn is_first_column(&self) -> bool {
        *self == CirculantGenerator::FirstColumn
    }

    /// `first-column` or `average` (the spec names).
    pub fn name(self) -> &'static str {
        match self {
            CirculantGenerator::FirstColumn => "first-column",
            CirculantGenerator::Average => "average",
        }
    }
}

impl CirculantLayout {
    /// The mean of each wrapped diagonal of `blocks` (n×n each), in the layout's order:
    /// `c[k] = mean{B[order[i], order[j]] : (i ∓ j) mod n = k, B ∈ blocks}` (− for circulant, + for
    /// Hankel). Panics if a block is not n×n or `blocks` is empty.
    #[track_caller]
    pub fn average_column(&self, blocks: &[ArrayView2<'_, f64>]) -> Vec<f64> {
        let n = self.n();
        assert!(!blocks.is_empty(), "at least one block");
        let mut c = vec![0.0; n];
        for b in blocks {
            assert_eq!(b.dim(), (n, n), "block shape");
            for i in 0..n {
                for j in 0..n {
                    let k = match self.form {
                        BlockForm::Circulant => (i + n - j) % n,
                        BlockForm::Hankel => (i + j) % n,
                    };
                    c[k] += b[[self.order[i], self.order[j]]];
                }
            }
        }
        let count = (n * blocks.len()) as f64;
        c.iter_mut().for_each(|v| *v /= count);
        c
    }

    /// The orthogonal projection of one n×n block onto the circulant (Hankel) blocks of the
    /// layout: [`block`](Self::block) of [`average_column`](Self::average_column).
    #[track_caller]
    pub fn project_block(&self, block: ArrayView2<'_, f64>) -> Array2<f64> {
        self.block(&self.average_column(&[block]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::{Operation, Task, TaskSpec};
    use crate::rfm::circulant::{enforce_circulant, enforce_circulant_with};
    use ndarray::s;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn layout(op: Operation, p: u64) -> CirculantLayout {
        CirculantLayout::for_task(&Task::new(TaskSpec::new(op, p)).unwrap(), "x").unwrap()
    }

    fn inner(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    fn frob(a: &Array2<f64>) -> f64 {
        inner(a, a).sqrt()
    }

    /// Naive reference: the least-squares generator, by solving the normal equations of
    /// min_c ‖B − block(c)‖² written out entry by entry (each c[k] appears n times).
    fn naive_projection(l: &CirculantLayout, b: &Array2<f64>) -> Array2<f64> {
        let n = l.n();
        let mut c = vec![0.0; n];
        for k in 0..n {
            let mut e = vec![0.0; n];
            e[k] = 1.0;
            let basis = l.block(&e);
            c[k] = inner(&basis, b) / inner(&basis, &basis);
        }
        l.block(&c)
    }

    #[test]
    fn the_average_is_an_orthogonal_projection_on_blocks() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for (op, p) in [
            (Operation::Add, 7),
            (Operation::Sub, 7),
            (Operation::Mul, 11),
            (Operation::Div, 11),
        ] {
            let l = layout(op, p);
            let n = l.n();
            let b = Array2::from_shape_fn((n, n), |_| rng.random::<f64>() - 0.5);
            let c = Array2::from_shape_fn((n, n), |_| rng.random::<f64>() - 0.5);
            let pb = l.project_block(b.view());
            let pc = l.project_block(c.view());
            // idempotent
            let ppb = l.project_block(pb.view());
            assert!(frob(&(&ppb - &pb)) <= 1e-14 * frob(&b), "{op:?}");
            // orthogonal: ⟨B − P(B), P(C)⟩ = 0
            assert!(
                inner(&(&b - &pb), &pc).abs() <= 1e-13 * frob(&b) * frob(&c),
                "{op:?}"
            );
            // the result is in the family: its own first column generates it
            assert_eq!(l.block(&l.first_column(pb.view())), pb);
            // the least-squares reference
            assert!(frob(&(&pb - &naive_projection(&l, &b))) <= 1e-13, "{op:?}");
            // and it differs from the first-column block on a random block
            let first = l.block(&l.first_column(b.view()));
            assert!(frob(&(&first - &pb)) > 0.1 * frob(&b), "{op:?}");
        }
    }

    #[test]
    fn enforce_with_average_projects_the_normalized_off_diagonal_blocks() {
        let mut rng = ChaCha8Rng::seed_from_u64(6);
        for op in [Operation::Add, Operation::Div] {
            let l = layout(op, 7);
            let n = l.n();
            let a = Array2::from_shape_fn((2 * n, 2 * n), |_| rng.random::<f64>());
            let mut m = &a + &a.t();
            for i in 0..2 * n {
                m[[i, i]] = 1.0; // unit diagonal: the normalization is the identity
            }
            let avg = enforce_circulant_with(m.view(), &l, CirculantGenerator::Average);
            let want = l.project_block(m.slice(s![..n, n..]));
            assert!(frob(&(&avg.slice(s![..n, n..]).to_owned() - &want)) <= 1e-14);
            assert_eq!(avg, avg.t());
            let first = enforce_circulant_with(m.view(), &l, CirculantGenerator::FirstColumn);
            assert_eq!(first, enforce_circulant(m.view(), &l));
            assert_eq!(
                avg.slice(s![..n, ..n]),
                first.slice(s![..n, ..n]),
                "same diagonal blocks"
            );
            assert!(frob(&(&avg - &first)) > 1e-3);
        }
    }

    #[test]
    fn the_generator_field_is_optional_and_checked() {
        use crate::rfm::{Intervention, InterventionKind};
        let iv: Intervention =
            serde_json::from_str(r#"{"kind":"enforce-circulant","generator":"average"}"#).unwrap();
        assert_eq!(iv.generator, CirculantGenerator::Average);
        assert_eq!(
            serde_json::to_string(&iv).unwrap(),
            r#"{"kind":"enforce-circulant","generator":"average"}"#
        );
        iv.validate().unwrap();
        let plain = Intervention::new(InterventionKind::EnforceCirculant);
        assert_eq!(
            serde_json::to_string(&plain).unwrap(),
            r#"{"kind":"enforce-circulant"}"#
        );
        let bad = Intervention {
            generator: CirculantGenerator::Average,
            ..Intervention::new(InterventionKind::Commutant {
                subgroup: "r".into(),
            })
        };
        let e = bad.validate().unwrap_err().to_string();
        assert!(e.contains("params.interventions.generator"), "{e}");
        assert!(serde_json::from_str::<Intervention>(
            r#"{"kind":"enforce-circulant","generator":"median"}"#
        )
        .is_err());
    }

    #[test]
    fn serde_names() {
        assert_eq!(
            serde_json::to_string(&CirculantGenerator::Average).unwrap(),
            r#""average""#
        );
        assert_eq!(
            serde_json::from_str::<CirculantGenerator>(r#""first-column""#).unwrap(),
            CirculantGenerator::FirstColumn
        );
        assert_eq!(CirculantGenerator::Average.name(), "average");
    }
}

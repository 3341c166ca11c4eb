//! The AGOP in the reference implementation's formulation, as a comparator for the structured one.
//!
//! The public RFM code forms the whole n × c × d Jacobian tensor: `Z = α ⊗ x` (n × c·d, dense), the
//! product `Q = W Z` (n × n times n × c·d: the 2n²cd flops that dominate its run time), the
//! diagonal term `F[j, c, :] = (Wα)_jc x_j − Q[j, c, :]`, the Jacobians `J = γ F M` (n·c × d times
//! d × d), their centering and `AGOP = JᵀJ / n`. Here it runs on the same dense kernels (faer) as
//! the structured path, so the comparison measures the formulation, not the library. Memory:
//! 3 n² + 2 n·c·d values.

use crate::kernel::onehot::{kernel_matrix, sq_norms};
use crate::linalg::{matmul, symmetrize, syrk_lower};
use crate::rfm::agop::AgopInput;
use faer::Par;
use ndarray::{Array2, ArrayView2};

/// Bytes the dense formulation allocates for a problem of these sizes.
pub fn dense_agop_bytes(n: usize, c: usize, d: usize) -> u64 {
    8 * (3 * (n as u64).pow(2) + 2 * (n * c * d) as u64 + (n * d) as u64)
}

/// The AGOP `(1/n) Σ_j J̃_jᵀ J̃_j` from the explicit n × c × d Jacobian tensor.
pub fn dense_agop(input: &AgopInput<'_, f64>, par: Par) -> Array2<f64> {
    let t = input.tokens;
    let (n, c, d) = (t.len(), input.alpha.ncols(), input.m.nrows());
    let kind = input.kernel;
    let norms = sq_norms(input.m, t);
    let mut k = Array2::<f64>::zeros((n, n));
    let mut w = (!matches!(kind, crate::kernel::KernelKind::Gaussian { .. }))
        .then(|| Array2::<f64>::zeros((n, n)));
    kernel_matrix(
        kind,
        input.m,
        t,
        &norms,
        t,
        &norms,
        k.view_mut(),
        w.as_mut().map(|w| w.view_mut()),
    );
    let w: ArrayView2<'_, f64> = w.as_ref().map_or(k.view(), |w| w.view());
    // Z[i, c·d + t] = α_ic x_it
    let mut z = Array2::<f64>::zeros((n, c * d));
    for i in 0..n {
        for (cls, &a) in input.alpha.row(i).iter().enumerate() {
            z[[i, cls * d + t.first[i] as usize]] = a;
            z[[i, cls * d + t.second[i] as usize]] = a;
        }
    }
    let mut q = Array2::<f64>::zeros((n, c * d));
    matmul(q.view_mut(), w, z.view(), 1.0, false, par);
    drop(z);
    // F = diag(Wα) X − Q for difference kernels, −Q otherwise.
    q.mapv_inplace(|v| -v);
    if kind.is_difference_kernel() {
        let mut p = Array2::<f64>::zeros((n, c));
        matmul(p.view_mut(), w, input.alpha, 1.0, false, par);
        for i in 0..n {
            for cls in 0..c {
                q[[i, cls * d + t.first[i] as usize]] += p[[i, cls]];
                q[[i, cls * d + t.second[i] as usize]] += p[[i, cls]];
            }
        }
    }
    drop(k);
    // J = γ F M, as an (n·c) × d matrix.
    let f = q
        .into_shape_with_order((n * c, d))
        .expect("contiguous tensor");
    let mut jac = Array2::<f64>::zeros((n * c, d));
    matmul(
        jac.view_mut(),
        f.view(),
        input.m,
        kind.gradient_scale(),
        false,
        par,
    );
    drop(f);
    if input.centering {
        let mut mean = Array2::<f64>::zeros((c, d));
        for (row, j) in jac.rows().into_iter().enumerate() {
            let mut m = mean.row_mut(row % c);
            m += &j;
        }
        mean /= n as f64;
        for (row, mut j) in jac.rows_mut().into_iter().enumerate() {
            j -= &mean.row(row % c);
        }
    }
    let mut agop = Array2::<f64>::zeros((d, d));
    syrk_lower(agop.view_mut(), jac.t(), 1.0 / n as f64, false, par);
    for i in 0..d {
        for j in 0..i {
            agop[[j, i]] = agop[[i, j]];
        }
    }
    symmetrize(&mut agop);
    agop
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{self, Split};
    use crate::group::{Operation, Task, TaskSpec};
    use crate::kernel::onehot::Tokens;
    use crate::kernel::KernelKind;
    use crate::rfm::agop::agop;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn dense_formulation_equals_the_structured_agop() {
        let task = Task::new(TaskSpec::new(Operation::Add, 7)).unwrap();
        let split = Split::random(task.n_pairs(), 0.6, 1).unwrap();
        let (first, second) = data::tokens(&task, &split.train);
        let n = first.len();
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let a = Array2::from_shape_fn((14, 14), |_| rng.random_range(-1.0..1.0));
        let m = a.t().dot(&a) / 14.0 + Array2::<f64>::eye(14) * 0.3;
        let alpha = Array2::from_shape_fn((n, 7), |_| rng.random_range(-1.0..1.0));
        for kernel in [
            KernelKind::Gaussian { bandwidth: 2.5 },
            KernelKind::Laplace { bandwidth: 1.5 },
            KernelKind::Quadratic,
        ] {
            for centering in [true, false] {
                let input = AgopInput {
                    tokens: Tokens {
                        first: &first,
                        second: &second,
                    },
                    alpha: alpha.view(),
                    m: m.view(),
                    kernel,
                    centering,
                };
                let fast = agop(&input, Par::Seq);
                let slow = dense_agop(&input, Par::rayon(2));
                let scale = slow.iter().fold(0.0f64, |s, v| s.max(v.abs()));
                let err = (&fast - &slow).iter().fold(0.0f64, |s, v| s.max(v.abs())) / scale;
                assert!(err < 1e-10, "{}: {err:.2e}", kernel.name());
            }
        }
    }
}

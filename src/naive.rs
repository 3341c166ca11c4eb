//! Slow, obviously correct dense reference implementations: the yardstick for the structured code.
//!
//! Inputs are dense rows of an n × d matrix; nothing assumes one-hot structure. The Jacobian of the
//! predictor is formed explicitly for every point, as in the RFM papers' formulas (SCIENCE.md §2).
//! Used by tests only at small sizes.

use crate::kernel::KernelKind;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// Dense one-hot inputs `e_a ‖ e_b` of the pairs `(a, b)` (n symbols ⇒ d = 2n).
pub fn onehot(n: usize, pairs: &[(usize, usize)]) -> Array2<f64> {
    let mut x = Array2::zeros((pairs.len(), 2 * n));
    for (i, &(a, b)) in pairs.iter().enumerate() {
        x[[i, a]] = 1.0;
        x[[i, n + b]] = 1.0;
    }
    x
}

fn quad(m: ArrayView2<'_, f64>, u: ArrayView1<'_, f64>, v: ArrayView1<'_, f64>) -> f64 {
    u.dot(&m.dot(&v))
}

/// Kernel value and gradient weight between two dense points, with the distance computed as
/// `(x − z)ᵀ M (x − z)` directly.
fn entry(
    kind: KernelKind,
    m: ArrayView2<'_, f64>,
    x: ArrayView1<'_, f64>,
    z: ArrayView1<'_, f64>,
) -> (f64, f64) {
    let diff = &x - &z;
    let d2 = quad(m, diff.view(), diff.view()).max(0.0);
    let q = quad(m, x, z);
    match kind {
        KernelKind::Gaussian { bandwidth } => {
            let k = (-d2 / (2.0 * bandwidth * bandwidth)).exp();
            (k, k)
        }
        KernelKind::Laplace { bandwidth } => {
            let r = d2.sqrt();
            let k = (-r / bandwidth).exp();
            let nx = quad(m, x, x);
            let nz = quad(m, z, z);
            let coincident = d2 <= crate::kernel::LAPLACE_COINCIDENT_REL * (nx.abs() + nz.abs());
            (k, if coincident { 0.0 } else { k / r })
        }
        KernelKind::Quadratic => (q * q, q),
    }
}

/// The kernel matrix `k_M(x_i, z_j)`.
pub fn kernel(
    kind: KernelKind,
    m: ArrayView2<'_, f64>,
    x: ArrayView2<'_, f64>,
    z: ArrayView2<'_, f64>,
) -> Array2<f64> {
    Array2::from_shape_fn((x.nrows(), z.nrows()), |(i, j)| {
        entry(kind, m, x.row(i), z.row(j)).0
    })
}

/// The predictor `f(x) = Σ_i α_i k(x, x_i)` (length c).
pub fn predict(
    kind: KernelKind,
    m: ArrayView2<'_, f64>,
    centers: ArrayView2<'_, f64>,
    alpha: ArrayView2<'_, f64>,
    x: ArrayView1<'_, f64>,
) -> Array1<f64> {
    let mut f = Array1::zeros(alpha.ncols());
    for (i, center) in centers.rows().into_iter().enumerate() {
        let k = entry(kind, m, x, center).0;
        f.scaled_add(k, &alpha.row(i));
    }
    f
}

/// The Jacobian `∂f_c/∂x` (c × d) at a dense point x, from the analytic gradient of each kernel:
/// Gaussian `−(1/L²) k M(x − x_i)`, Laplace `−(1/L) (k/r) M(x − x_i)` (0 at r = 0), quadratic
/// `2 (xᵀ M x_i) M x_i`.
pub fn jacobian(
    kind: KernelKind,
    m: ArrayView2<'_, f64>,
    centers: ArrayView2<'_, f64>,
    alpha: ArrayView2<'_, f64>,
    x: ArrayView1<'_, f64>,
) -> Array2<f64> {
    let d = x.len();
    let mut jac = Array2::zeros((alpha.ncols(), d));
    for (i, center) in centers.rows().into_iter().enumerate() {
        let (_, w) = entry(kind, m, x, center);
        let direction = if kind.is_difference_kernel() {
            &x - &center
        } else {
            center.to_owned()
        };
        let grad = m.dot(&direction) * (kind.gradient_scale() * w);
        for (c, &a) in alpha.row(i).iter().enumerate() {
            jac.row_mut(c).scaled_add(a, &grad);
        }
    }
    jac
}

/// The AGOP over the training points, from explicit Jacobians: `(1/n) Σ_j J̃_jᵀ J̃_j` with
/// `J̃_j = J_j − mean_j J_j` when `centering`.
pub fn agop(
    kind: KernelKind,
    m: ArrayView2<'_, f64>,
    centers: ArrayView2<'_, f64>,
    alpha: ArrayView2<'_, f64>,
    centering: bool,
) -> Array2<f64> {
    let n = centers.nrows();
    let jacobians: Vec<Array2<f64>> = centers
        .rows()
        .into_iter()
        .map(|x| jacobian(kind, m, centers, alpha, x))
        .collect();
    let mean = if centering {
        let mut s = Array2::zeros(jacobians[0].dim());
        for j in &jacobians {
            s += j;
        }
        s / n as f64
    } else {
        Array2::zeros(jacobians[0].dim())
    };
    let d = m.nrows();
    let mut out = Array2::zeros((d, d));
    for j in &jacobians {
        let jc = j - &mean;
        out += &jc.t().dot(&jc);
    }
    out / n as f64
}

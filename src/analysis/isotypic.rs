//! Exact real isotypic decomposition of a finite permutation representation, with no character
//! tables (docs/SCIENCE.md §5, "Isotypic components").
//!
//! A finite group G given as a list of permutations Π(g) of d points (closed under composition)
//! acts on R^d. Its **isotypic components** are the sums of all copies of one irreducible
//! representation. They are computed here from the group alone:
//!
//! 1. the conjugacy classes K of G, and the class sums `C_K = Σ_{g∈K} Π(g)`, which lie in the
//!    centre of the algebra spanned by the Π(g);
//! 2. `Z = Σ_K c_K (C_K + C_Kᵀ)` with fixed pseudo-random positive weights `c_K`, equal for K and
//!    its inverse class K⁻¹ (so `Z = Zᵀ`);
//! 3. the eigenspaces of Z (eigenvalues clustered with the relative tolerance
//!    [`Z_CLUSTER_TOLERANCE`]) are the real isotypic components.
//!
//! **Why it is exact.** On the χ-isotypic component (χ a complex irreducible character) every class
//! sum acts as the scalar `ω_χ(K) = |K| χ(g_K) / χ(1)` (Schur's lemma), so Z acts as
//! `λ_χ = 2 Σ_K c_K Re ω_χ(K)`. The central characters ω_χ are distinct algebra homomorphisms of
//! the centre of C[G], hence linearly independent: `Re ω_χ = Re ω_ψ` forces ψ ∈ {χ, χ̄}. A generic
//! weight vector therefore separates every pair of real components; the only ties left are
//! χ and its complex conjugate χ̄, which share one real component (a complex irreducible
//! representation that is not real is not defined over R: over R, χ and χ̄ together form one
//! irreducible real representation). The result is exact up to rounding: each cluster is verified
//! to commute with every generator (`‖Π(g) P Π(g)ᵀ − P‖_F`), and its character to have an integral
//! multiplicity; a failure retries with other weights and is then a [`Error::Numerical`].
//!
//! **Characters from traces.** For a component with projector P, `t(g) = tr(Π(g) P)` is m·χ(g) for a
//! self-conjugate χ of multiplicity m, or m·(χ + χ̄)(g) = 2m·Re χ(g) for a conjugate pair. The
//! Frobenius–Schur sum `(1/|G|) Σ_g t(g²)` is +m (real type), −m (quaternionic type) or 0 (a complex
//! pair), and `(1/|G|) Σ_g t(g)²` is m² (self-conjugate) or 2m² (pair): this gives the kind, the
//! multiplicity m, the degree χ(1) and the real part of χ on every class, with no table.
//!
//! Uses: [`regular_isotypic`] (G acting on its n elements; the blocks of M, [`irrep_energies`]) and
//! [`eigen_isotypic`] (a subgroup H ≤ Sym_f acting on the 2n coordinates; the eigenvectors of M).

use super::check_feature_matrix;
use crate::error::{Error, Result};
use crate::group::{FiniteGroup, Task};
use crate::linalg::eigh;
use crate::symmetry::subgroup::split_top_level;
use crate::symmetry::task_symmetry::closure;
use crate::symmetry::{Subgroup, TaskSymmetry};
use ndarray::{s, Array2, ArrayView2};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Most group elements an isotypic decomposition accepts (the conjugacy classes cost
/// O(#classes · |G| · d), the verification O(#components · log|G| · d²)).
pub const ISOTYPIC_MAX_ELEMENTS: usize = 2048;

/// Most points (the dimension d) an isotypic decomposition accepts (Z is a dense d×d matrix).
pub const ISOTYPIC_MAX_DEGREE: usize = 4096;

/// Relative tolerance clustering the eigenvalues of Z: consecutive eigenvalues closer than this
/// times the largest |eigenvalue| belong to one component. The gap between distinct components is
/// then checked to be at least [`Z_MIN_GAP`] (relative), else other weights are tried.
pub const Z_CLUSTER_TOLERANCE: f64 = 1e-9;

/// Smallest relative gap between the Z-eigenvalues of two components that is accepted.
pub const Z_MIN_GAP: f64 = 1e-6;

/// Relative tolerance clustering the eigenvalues of a feature matrix M into eigenspaces: consecutive
/// eigenvalues (descending) closer than this times the largest |eigenvalue| of M are one cluster.
pub const EIGEN_CLUSTER_TOLERANCE: f64 = 1e-6;

/// The largest accepted invariance defect `‖Π(g) P Π(g)ᵀ − P‖_F` of a component's projector.
const INVARIANCE_TOLERANCE: f64 = 1e-7;

/// One conjugacy class.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConjugacyClass {
    /// Name of its representative (the first element of the class in the input order).
    pub representative: String,
    /// Number of elements.
    pub size: usize,
    /// Order of its elements.
    pub element_order: usize,
}

/// The kind of a real isotypic component's complex irreducible constituent (Frobenius–Schur).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IrrepKind {
    /// χ = χ̄ and realizable over R (indicator +1).
    Real,
    /// χ ≠ χ̄: χ and χ̄ merge into one real component.
    Complex,
    /// χ = χ̄ but not realizable over R (indicator −1), e.g. the 2-dim irrep of Q8.
    Quaternionic,
}

impl IrrepKind {
    /// `real`, `complex` or `quaternionic`.
    pub fn name(self) -> &'static str {
        match self {
            IrrepKind::Real => "real",
            IrrepKind::Complex => "complex",
            IrrepKind::Quaternionic => "quaternionic",
        }
    }
}

/// One real isotypic component (what is serialized; the basis is kept in
/// [`IsotypicDecomposition`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IrrepComponent {
    /// `trivial`, `sign` (the only non-trivial ±1 character), or `ρ<k>` (k = its index).
    pub label: String,
    /// Dimension of the component (rank of its projector).
    pub dimension: usize,
    /// Degree χ(1) of its complex irreducible constituent.
    pub degree: usize,
    /// Real, complex (χ and χ̄ merged) or quaternionic.
    pub kind: IrrepKind,
    /// Multiplicity m of χ (of each of χ and χ̄ for a complex pair): dimension = m·χ(1), or
    /// 2m·χ(1) for a complex pair.
    pub multiplicity: usize,
    /// Re χ on each conjugacy class (class order of [`IsotypicDecomposition::classes`]).
    pub character: Vec<f64>,
}

/// The real isotypic decomposition of a permutation representation.
#[derive(Clone, Debug)]
pub struct IsotypicDecomposition {
    degree: usize,
    group_order: usize,
    classes: Vec<ConjugacyClass>,
    class_of: Vec<usize>,
    components: Vec<IrrepComponent>,
    bases: Vec<Array2<f64>>,
    invariance_defect: f64,
}

impl IsotypicDecomposition {
    /// The number of points d.
    pub fn degree(&self) -> usize {
        self.degree
    }
    /// |G|.
    pub fn group_order(&self) -> usize {
        self.group_order
    }
    /// The conjugacy classes, the identity's first.
    pub fn classes(&self) -> &[ConjugacyClass] {
        &self.classes
    }
    /// The class index of each input element.
    pub fn class_of(&self) -> &[usize] {
        &self.class_of
    }
    /// The components (trivial first, then by degree, kind and character).
    pub fn components(&self) -> &[IrrepComponent] {
        &self.components
    }
    /// An orthonormal basis of component `i` (d × dimension).
    pub fn basis(&self, i: usize) -> &Array2<f64> {
        &self.bases[i]
    }
    /// The orthogonal projector onto component `i` (d × d).
    pub fn projector(&self, i: usize) -> Array2<f64> {
        let u = &self.bases[i];
        u.dot(&u.t())
    }
    /// The largest `‖Π(g) P Π(g)ᵀ − P‖_F` over the components and a generating set of G.
    pub fn invariance_defect(&self) -> f64 {
        self.invariance_defect
    }
    /// Energy of a vector `v` (length d) in each component: `‖P_χ v‖² / ‖v‖²` (0 for v = 0).
    pub fn vector_energy(&self, v: &[f64]) -> Vec<f64> {
        let norm_sq: f64 = v.iter().map(|x| x * x).sum();
        self.bases
            .iter()
            .map(|u| {
                let e: f64 = u
                    .columns()
                    .into_iter()
                    .map(|c| c.iter().zip(v).map(|(a, b)| a * b).sum::<f64>().powi(2))
                    .sum();
                super::ratio_or_zero(e, norm_sq)
            })
            .collect()
    }
}

/// splitmix64: a fixed, platform-independent pseudo-random sequence for the class weights.
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A weight in [1, 2) for the class pair with key `key`, attempt `attempt`.
fn class_weight(key: usize, attempt: u64) -> f64 {
    let r = splitmix64(splitmix64(attempt.wrapping_mul(0x5851_F42D) ^ key as u64));
    1.0 + (r >> 11) as f64 / (1u64 << 53) as f64
}

/// The group structure of a list of permutations: inverse, square and class of every element.
struct PermGroup<'a> {
    elements: &'a [Vec<usize>],
    index: HashMap<&'a [usize], usize>,
    identity: usize,
}

impl<'a> PermGroup<'a> {
    fn new(elements: &'a [Vec<usize>], param: &'static str) -> Result<Self> {
        let bad = |value: String, allowed: &str| Error::param(param, value, allowed.to_string());
        let n = elements.len();
        if n == 0 {
            return Err(bad("no elements".into(), "a non-empty group"));
        }
        if n > ISOTYPIC_MAX_ELEMENTS {
            return Err(bad(
                format!("a group of {n} elements"),
                &format!("at most {ISOTYPIC_MAX_ELEMENTS} elements for an isotypic decomposition"),
            ));
        }
        let d = elements[0].len();
        if d == 0 || d > ISOTYPIC_MAX_DEGREE {
            return Err(bad(
                format!("permutations of {d} points"),
                &format!("1..={ISOTYPIC_MAX_DEGREE} points"),
            ));
        }
        let mut index = HashMap::with_capacity(n);
        for (i, p) in elements.iter().enumerate() {
            let mut seen = vec![false; d];
            let ok = p.len() == d
                && p.iter()
                    .all(|&x| x < d && !std::mem::replace(&mut seen[x], true));
            if !ok {
                return Err(bad(
                    format!("element {i}"),
                    &format!("bijections of 0..{d}, all of the same degree"),
                ));
            }
            if index.insert(p.as_slice(), i).is_some() {
                return Err(bad(
                    format!("element {i} listed twice"),
                    "distinct elements",
                ));
            }
        }
        let id: Vec<usize> = (0..d).collect();
        let identity = *index
            .get(id.as_slice())
            .ok_or_else(|| bad("no identity".into(), "a group (closed, with identity)"))?;
        Ok(PermGroup {
            elements,
            index,
            identity,
        })
    }

    fn degree(&self) -> usize {
        self.elements[0].len()
    }

    /// The index of `p`, or an error saying the list is not closed.
    fn find(&self, p: &[usize], param: &'static str) -> Result<usize> {
        self.index.get(p).copied().ok_or_else(|| {
            Error::param(
                param,
                "a list of permutations not closed under composition",
                "a group: every product and inverse of listed elements listed",
            )
        })
    }

    /// `p ∘ q` (q first).
    fn compose(&self, p: usize, q: usize) -> Vec<usize> {
        let (p, q) = (&self.elements[p], &self.elements[q]);
        q.iter().map(|&x| p[x]).collect()
    }

    fn inverse(&self, p: usize) -> Vec<usize> {
        let p = &self.elements[p];
        let mut inv = vec![0; p.len()];
        for (i, &j) in p.iter().enumerate() {
            inv[j] = i;
        }
        inv
    }

    fn element_order(&self, p: usize) -> usize {
        let p = &self.elements[p];
        let mut x = p.clone();
        let mut k = 1;
        while x.iter().enumerate().any(|(i, &v)| v != i) {
            x = x.iter().map(|&v| p[v]).collect();
            k += 1;
        }
        k
    }

    /// A generating set, greedily in element order.
    fn generators(&self, param: &'static str) -> Result<Vec<usize>> {
        let n = self.elements.len();
        let mut inside = vec![false; n];
        inside[self.identity] = true;
        let mut members = vec![self.identity];
        let mut gens = Vec::new();
        for g in 0..n {
            if inside[g] {
                continue;
            }
            gens.push(g);
            // the subgroup generated so far, grown by right multiplication with all generators
            let mut head = 0;
            while head < members.len() {
                let x = members[head];
                head += 1;
                for &h in &gens {
                    let y = self.find(&self.compose(x, h), param)?;
                    if !inside[y] {
                        inside[y] = true;
                        members.push(y);
                    }
                }
            }
            if members.len() == n {
                break;
            }
        }
        Ok(gens)
    }
}

/// The real isotypic decomposition of the group `elements` (permutations of `0..d`, closed under
/// composition, identity included) acting on R^d by `Π(g) e_i = e_{g(i)}`; `names` name the
/// elements (for the class representatives; default: their indices). Errors name `param`: an
/// empty, ragged or non-closed list, more than [`ISOTYPIC_MAX_ELEMENTS`] elements or more than
/// [`ISOTYPIC_MAX_DEGREE`] points; a numerical failure of the verification is
/// [`Error::Numerical`].
pub fn isotypic_decomposition(
    elements: &[Vec<usize>],
    names: Option<&[String]>,
    param: &'static str,
) -> Result<IsotypicDecomposition> {
    let group = PermGroup::new(elements, param)?;
    let n = elements.len();
    let d = group.degree();
    // conjugacy classes, in order of first appearance; the identity's first
    let mut class_of = vec![usize::MAX; n];
    let mut reps: Vec<usize> = Vec::new();
    let inverses: Vec<usize> = (0..n)
        .map(|g| group.find(&group.inverse(g), param))
        .collect::<Result<_>>()?;
    let mut order: Vec<usize> = vec![group.identity];
    order.extend((0..n).filter(|&h| h != group.identity));
    for h in order {
        if class_of[h] != usize::MAX {
            continue;
        }
        let k = reps.len();
        reps.push(h);
        for g in 0..n {
            // g h g⁻¹
            let gh = group.compose(g, h);
            let conj: Vec<usize> = elements[inverses[g]].iter().map(|&x| gh[x]).collect();
            let c = group.find(&conj, param)?;
            class_of[c] = k;
        }
    }
    let n_classes = reps.len();
    let mut sizes = vec![0usize; n_classes];
    for &k in &class_of {
        sizes[k] += 1;
    }
    let inverse_class: Vec<usize> = reps.iter().map(|&r| class_of[inverses[r]]).collect();
    let square_class: Vec<usize> = reps
        .iter()
        .map(|&r| group.find(&group.compose(r, r), param).map(|s| class_of[s]))
        .collect::<Result<_>>()?;
    let classes: Vec<ConjugacyClass> = reps
        .iter()
        .zip(&sizes)
        .map(|(&r, &size)| ConjugacyClass {
            representative: names
                .and_then(|ns| ns.get(r).cloned())
                .unwrap_or_else(|| r.to_string()),
            size,
            element_order: group.element_order(r),
        })
        .collect();
    let gens = group.generators(param)?;

    let mut last_failure = String::new();
    for attempt in 0..4u64 {
        let weights: Vec<f64> = (0..n_classes)
            .map(|k| class_weight(k.min(inverse_class[k]), attempt))
            .collect();
        let mut z = Array2::<f64>::zeros((d, d));
        for (g, p) in elements.iter().enumerate() {
            let w = weights[class_of[g]];
            for (i, &j) in p.iter().enumerate() {
                z[[j, i]] += w;
                z[[i, j]] += w;
            }
        }
        match components_of(&z, elements, &gens, &reps, &sizes, &square_class, n) {
            Ok((components, bases, defect)) => {
                return Ok(IsotypicDecomposition {
                    degree: d,
                    group_order: n,
                    classes,
                    class_of,
                    components,
                    bases,
                    invariance_defect: defect,
                })
            }
            Err(why) => last_failure = why,
        }
    }
    Err(Error::Numerical {
        iteration: 0,
        what: format!("isotypic decomposition failed its verification: {last_failure}"),
    })
}

type Components = (Vec<IrrepComponent>, Vec<Array2<f64>>, f64);

/// The verified components from the eigenspaces of Z, or why the verification failed.
#[allow(clippy::too_many_arguments)]
fn components_of(
    z: &Array2<f64>,
    elements: &[Vec<usize>],
    gens: &[usize],
    reps: &[usize],
    sizes: &[usize],
    square_class: &[usize],
    group_order: usize,
) -> std::result::Result<Components, String> {
    let d = z.nrows();
    let (lambda, u) = eigh(z.view()).map_err(|e| e.to_string())?;
    let scale = lambda.iter().fold(0.0f64, |m, &l| m.max(l.abs())).max(1.0);
    // clusters of consecutive (ascending) eigenvalues
    let mut clusters: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for i in 1..=d {
        if i == d || lambda[i] - lambda[i - 1] > Z_CLUSTER_TOLERANCE * scale {
            clusters.push((start, i));
            start = i;
        }
    }
    for w in clusters.windows(2) {
        let gap = lambda[w[1].0] - lambda[w[0].1 - 1];
        if gap < Z_MIN_GAP * scale {
            return Err(format!(
                "two components' eigenvalues of Z lie {gap:.3e} apart"
            ));
        }
    }
    let g_real = group_order as f64;
    let mut out: Vec<(IrrepComponent, Array2<f64>)> = Vec::new();
    let mut defect = 0.0f64;
    for &(a, b) in &clusters {
        let basis = u.slice(s![.., a..b]).to_owned();
        let p = basis.dot(&basis.t());
        for &g in gens {
            let pi = &elements[g];
            let mut e = 0.0;
            for i in 0..d {
                for j in 0..d {
                    let x = p[[pi[i], pi[j]]] - p[[i, j]];
                    e += x * x;
                }
            }
            defect = defect.max(e.sqrt());
        }
        if defect > INVARIANCE_TOLERANCE {
            return Err(format!(
                "an eigenspace of Z is not invariant (defect {defect:.3e})"
            ));
        }
        // t(K) = tr(Π(g_K) P) = Σ_i P[i, g(i)]
        let t: Vec<f64> = reps
            .iter()
            .map(|&r| {
                let pi = &elements[r];
                (0..d).map(|i| p[[i, pi[i]]]).sum()
            })
            .collect();
        let dim = b - a;
        let fs: f64 = (0..reps.len())
            .map(|k| sizes[k] as f64 * t[square_class[k]])
            .sum::<f64>()
            / g_real;
        let norm: f64 = (0..reps.len())
            .map(|k| sizes[k] as f64 * t[k] * t[k])
            .sum::<f64>()
            / g_real;
        let (kind, m, divisor) = if fs.abs() > 0.5 {
            let m = fs.abs().round();
            let kind = if fs > 0.0 {
                IrrepKind::Real
            } else {
                IrrepKind::Quaternionic
            };
            if (norm - m * m).abs() > 1e-6 * m * m || (fs.abs() - m).abs() > 1e-6 {
                return Err(format!("a component's character is not irreducible: Σt²/|G| = {norm:.6}, Frobenius–Schur sum {fs:.6}"));
            }
            (kind, m, m)
        } else {
            let m = (norm / 2.0).sqrt().round();
            if m < 1.0 || (norm - 2.0 * m * m).abs() > 1e-6 * m * m {
                return Err(format!(
                    "a component's character is not a conjugate pair: Σt²/|G| = {norm:.6}"
                ));
            }
            (IrrepKind::Complex, m, 2.0 * m)
        };
        let degree = t[0] / divisor;
        if (degree - degree.round()).abs() > 1e-6 || degree.round() < 1.0 {
            return Err(format!("a component has a non-integral degree {degree:.6}"));
        }
        out.push((
            IrrepComponent {
                label: String::new(),
                dimension: dim,
                degree: degree.round() as usize,
                kind,
                multiplicity: m as usize,
                character: t.iter().map(|x| x / divisor).collect(),
            },
            basis,
        ));
    }
    let kind_rank = |k: IrrepKind| match k {
        IrrepKind::Real => 0,
        IrrepKind::Complex => 1,
        IrrepKind::Quaternionic => 2,
    };
    let is_trivial = |c: &IrrepComponent| {
        c.degree == 1
            && c.kind == IrrepKind::Real
            && c.character.iter().all(|&x| (x - 1.0).abs() < 1e-6)
    };
    out.sort_by(|(x, _), (y, _)| {
        (!is_trivial(x), x.degree, kind_rank(x.kind))
            .cmp(&(!is_trivial(y), y.degree, kind_rank(y.kind)))
            .then_with(|| {
                // character values, larger first, compared at a resolution above rounding
                let key = |c: &IrrepComponent| -> Vec<i64> {
                    c.character
                        .iter()
                        .map(|&v| (-v * 1e6).round() as i64)
                        .collect()
                };
                key(x).cmp(&key(y))
            })
    });
    let is_pm1 = |c: &IrrepComponent| {
        c.degree == 1
            && c.kind == IrrepKind::Real
            && !is_trivial(c)
            && c.character.iter().all(|&x| (x.abs() - 1.0).abs() < 1e-6)
    };
    let n_signs = out.iter().filter(|(c, _)| is_pm1(c)).count();
    for (i, (c, _)) in out.iter_mut().enumerate() {
        c.label = if is_trivial(c) {
            "trivial".to_string()
        } else if n_signs == 1 && is_pm1(c) {
            "sign".to_string()
        } else {
            format!("ρ{i}")
        };
    }
    let (components, bases) = out.into_iter().unzip();
    Ok((components, bases, defect))
}

/// The real isotypic decomposition of the regular representation of `g`: G acting on its n
/// elements by left multiplication `a ↦ g·a`. Its isotypic components are the two-sided ideals of
/// R[G], so right multiplication `a ↦ a·g⁻¹` has the same components (the tests check it).
pub fn regular_isotypic(g: &FiniteGroup) -> Result<IsotypicDecomposition> {
    let n = g.order();
    let elements: Vec<Vec<usize>> = (0..n)
        .map(|x| (0..n).map(|a| g.op(x, a)).collect())
        .collect();
    let names: Vec<String> = (0..n).map(|x| g.element_name(x).to_string()).collect();
    isotypic_decomposition(&elements, Some(&names), "task.group")
}

/// Irreducible-representation energies of one n×n block B.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockIrrepEnergy {
    /// `‖P_χ B P_χ‖²_F / ‖B‖²_F` for each component χ (order of [`IrrepEnergies::components`]).
    pub energy: Vec<f64>,
    /// The off-component remainder `Σ_{χ≠ψ} ‖P_χ B P_ψ‖²_F / ‖B‖²_F = 1 − Σ_χ energy_χ`.
    pub remainder: f64,
}

/// The energy of each block of M in each real isotypic component of the regular representation
/// of the task's group G (docs/SCIENCE.md §5).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IrrepEnergies {
    /// The group, e.g. `S_4`.
    pub group: String,
    /// How G acts on the n symbols.
    pub action: String,
    /// Its conjugacy classes (identity first).
    pub classes: Vec<ConjugacyClass>,
    /// The real isotypic components of the regular representation.
    pub components: Vec<IrrepComponent>,
    /// Left-left block (`None` when the block is zero).
    pub m11: Option<BlockIrrepEnergy>,
    /// Left-right block.
    pub m12: Option<BlockIrrepEnergy>,
    /// Right-left block.
    pub m21: Option<BlockIrrepEnergy>,
    /// Right-right block.
    pub m22: Option<BlockIrrepEnergy>,
}

/// The energies of an n×n block `b` in the components of `iso` (degree n); `None` for a zero
/// block.
pub fn block_irrep_energy(
    iso: &IsotypicDecomposition,
    b: ArrayView2<'_, f64>,
) -> Option<BlockIrrepEnergy> {
    let total = super::frobenius_norm_sq(b);
    if total == 0.0 {
        return None;
    }
    let energy: Vec<f64> = iso
        .bases
        .iter()
        .map(|u| {
            // ‖P B P‖_F = ‖Uᵀ B U‖_F for orthonormal U
            let inner = u.t().dot(&b).dot(u);
            super::frobenius_norm_sq(inner.view()) / total
        })
        .collect();
    let remainder = (1.0 - energy.iter().sum::<f64>()).max(0.0);
    Some(BlockIrrepEnergy { energy, remainder })
}

/// The action recorded in [`IrrepEnergies::action`].
pub const REGULAR_ACTION: &str = "left multiplication a ↦ g·a on the n symbols; right \
multiplication has the same isotypic components (the two-sided ideals of R[G])";

/// The irreducible-representation energies of the blocks of the 2n×2n feature matrix `m` for the
/// group `g` (n = |G|), with the decomposition `iso` of its regular representation (from
/// [`regular_isotypic`]).
pub fn irrep_energies(
    g: &FiniteGroup,
    iso: &IsotypicDecomposition,
    m: ArrayView2<'_, f64>,
) -> Result<IrrepEnergies> {
    let n = check_feature_matrix(m)?;
    if n != iso.degree() || n != g.order() {
        return Err(Error::param(
            "feature matrix",
            format!("a {}×{} matrix", m.nrows(), m.ncols()),
            format!("2|G| = {} for the group {}", 2 * g.order(), g.name()),
        ));
    }
    let block = |r: usize, c: usize| {
        block_irrep_energy(iso, m.slice(s![r * n..(r + 1) * n, c * n..(c + 1) * n]))
    };
    Ok(IrrepEnergies {
        group: g.name().to_string(),
        action: REGULAR_ACTION.to_string(),
        classes: iso.classes().to_vec(),
        components: iso.components().to_vec(),
        m11: block(0, 0),
        m12: block(0, 1),
        m21: block(1, 0),
        m22: block(1, 1),
    })
}

/// Largest group order for which [`analyze_matrix`](super::analyze_matrix) adds the irrep
/// energies of a non-abelian task group.
pub const IRREP_ENERGY_MAX_ORDER: usize = 720;

/// The irrep energies that [`analyze_matrix`](super::analyze_matrix) records: for a task on a
/// named non-abelian group of order n ≤ [`IRREP_ENERGY_MAX_ORDER`] whose matrix is 2n×2n;
/// `None` otherwise (abelian groups have the Fourier measures). A failed numerical verification
/// of the decomposition (never observed; see [`isotypic_decomposition`]) also gives `None` rather
/// than failing the analysis of a finished run; [`regular_isotypic`] reports it as an error.
pub fn task_irrep_energies(task: &Task, m: ArrayView2<'_, f64>) -> Option<IrrepEnergies> {
    let g = task.finite_group()?;
    let n = g.order();
    if g.is_abelian() || n > IRREP_ENERGY_MAX_ORDER || m.dim() != (2 * n, 2 * n) {
        return None;
    }
    let iso = regular_isotypic(g).ok()?;
    irrep_energies(g, &iso, m).ok()
}

/// One cluster of nearly equal eigenvalues of M (an eigenspace up to
/// [`EIGEN_CLUSTER_TOLERANCE`]) and the energy of its span in each component.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EigenCluster {
    /// Rank of its first eigenvalue (0 = the largest).
    pub first_rank: usize,
    /// Number of eigenvalues in it.
    pub size: usize,
    /// Its largest eigenvalue.
    pub eigenvalue_max: f64,
    /// Its smallest eigenvalue.
    pub eigenvalue_min: f64,
    /// `‖P_χ V‖²_F / size` for each component χ, V an orthonormal basis of the cluster's span
    /// (sums to 1).
    pub energy: Vec<f64>,
}

/// The energies of M's leading eigenvectors, and of its eigenvalue clusters, in the isotypic
/// components of a subgroup H ≤ Sym_f acting on the 2n coordinates (`decompose --eigen K
/// --isotypic H`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EigenIsotypic {
    /// The subgroup as the user wrote it.
    pub spec: String,
    /// Its readable name, e.g. `<r^{(1 2 3)}>` or `Sym_f`.
    pub subgroup: String,
    /// |H|.
    pub order: usize,
    /// Its conjugacy classes.
    pub classes: Vec<ConjugacyClass>,
    /// The real isotypic components of H on the 2n coordinates.
    pub components: Vec<IrrepComponent>,
    /// The relative tolerance of the eigenvalue clusters ([`EIGEN_CLUSTER_TOLERANCE`]).
    pub cluster_tolerance: f64,
    /// `energy[r][χ] = ‖P_χ v_r‖²` for the leading eigenvectors v_r (rank order; sums to 1 per
    /// row). A single eigenvector of a cluster is an arbitrary vector of its eigenspace: read
    /// `clusters` then.
    pub energy: Vec<Vec<f64>>,
    /// The eigenvalue clusters that contain one of the leading K eigenvalues (whole clusters,
    /// possibly beyond rank K).
    pub clusters: Vec<EigenCluster>,
}

/// The subgroup H ≤ Sym_f named by `spec` (`full` or `Sym_f`: the whole group), as an element
/// list. Errors name `analysis.isotypic`.
fn isotypic_subgroup(task: &Task, spec: &str) -> Result<(String, Vec<Vec<usize>>, Vec<String>)> {
    const PARAM: &str = "analysis.isotypic";
    let sym = TaskSymmetry::of(task);
    if sym.elements().is_none() {
        return Err(Error::param(
            PARAM,
            spec,
            format!(
                "isotypic components need the element list of Sym_f, which is not kept (order {})",
                sym.order_text()
            ),
        ));
    }
    // The whole group in list order; a generated subgroup in the order its generators reach the
    // elements (breadth first), which orders the conjugacy classes of the report, named by the
    // generators as given.
    let (name, elements, names): (String, Vec<Vec<u32>>, Vec<String>) =
        if matches!(spec.trim(), "full" | "Sym_f") {
            let h = Subgroup::full(&sym);
            (
                "Sym_f".to_string(),
                h.permutations(&sym),
                h.element_names(&sym),
            )
        } else {
            let inner = spec.trim();
            let inner = inner
                .strip_prefix('<')
                .and_then(|t| t.strip_suffix('>'))
                .unwrap_or(inner);
            let mut gens = Vec::new();
            for part in split_top_level(inner) {
                if !part.trim().is_empty() {
                    gens.push(sym.parse_element(part).map_err(|e| e.renamed(PARAM))?);
                }
            }
            let gen_perms: Vec<Vec<u32>> = gens.iter().map(|&g| sym.element(g).to_vec()).collect();
            let elements = closure(&gen_perms, 2 * sym.n());
            let names = elements.iter().map(|p| sym.name_of(p)).collect();
            let gen_names: Vec<&str> = gens.iter().map(|&g| sym.element_name(g)).collect();
            (format!("<{}>", gen_names.join(", ")), elements, names)
        };
    if elements.len() > ISOTYPIC_MAX_ELEMENTS {
        return Err(Error::param(
            PARAM,
            spec,
            format!(
                "a subgroup of at most {ISOTYPIC_MAX_ELEMENTS} elements (this one has {})",
                elements.len()
            ),
        ));
    }
    let elements = elements
        .iter()
        .map(|p| p.iter().map(|&x| x as usize).collect())
        .collect();
    Ok((name, elements, names))
}

/// The subgroup whose isotypic components an eigen-feature report shows when none is asked for:
/// the whole Sym_f (`full`) on a named non-abelian group, whose eigen-feature basis is its
/// isotypic decomposition (there is no Fourier basis); none elsewhere.
pub fn default_isotypic(task: &Task) -> Option<&'static str> {
    let non_abelian =
        task.group().is_none() && task.finite_group().is_some_and(|g| !g.is_abelian());
    non_abelian.then_some("full")
}

/// For the feature matrix `m` of `task`: the energies of its `k` leading eigenvectors and of its
/// eigenvalue clusters in the isotypic components of the subgroup `spec` of Sym_f (see
/// [`EigenIsotypic`]). Errors name `analysis.isotypic` (an unknown element name, Sym_f's element
/// list not kept, a subgroup above [`ISOTYPIC_MAX_ELEMENTS`]), and `feature matrix` for a wrong
/// shape.
pub fn eigen_isotypic(
    task: &Task,
    m: ArrayView2<'_, f64>,
    k: usize,
    spec: &str,
) -> Result<EigenIsotypic> {
    super::matrix::check_task_shape(task, m)?;
    check_feature_matrix(m)?;
    let (name, elements, names) = isotypic_subgroup(task, spec)?;
    let iso = isotypic_decomposition(&elements, Some(&names), "analysis.isotypic")?;
    let (lambda, u) = eigh(m)?;
    let d = lambda.len();
    let order: Vec<usize> = (0..d).rev().collect(); // descending
    let k = k.min(d);
    let energy: Vec<Vec<f64>> = order
        .iter()
        .take(k)
        .map(|&c| iso.vector_energy(&u.column(c).to_vec()))
        .collect();
    let scale = lambda.iter().fold(0.0f64, |a, &l| a.max(l.abs()));
    let mut clusters = Vec::new();
    let mut first = 0;
    while first < k {
        let mut last = first + 1;
        while last < d
            && lambda[order[last - 1]] - lambda[order[last]] <= EIGEN_CLUSTER_TOLERANCE * scale
        {
            last += 1;
        }
        let size = last - first;
        let mut e = vec![0.0; iso.components().len()];
        for &c in &order[first..last] {
            for (acc, x) in e.iter_mut().zip(iso.vector_energy(&u.column(c).to_vec())) {
                *acc += x / size as f64;
            }
        }
        clusters.push(EigenCluster {
            first_rank: first,
            size,
            eigenvalue_max: lambda[order[first]],
            eigenvalue_min: lambda[order[last - 1]],
            energy: e,
        });
        first = last;
    }
    Ok(EigenIsotypic {
        spec: spec.to_string(),
        subgroup: name,
        order: elements.len(),
        classes: iso.classes().to_vec(),
        components: iso.components().to_vec(),
        cluster_tolerance: EIGEN_CLUSTER_TOLERANCE,
        energy,
        clusters,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testutil::{random_matrix, rng};
    use crate::group::{parse_group_name, Operation, TaskSpec};
    use rand::Rng;

    fn group(name: &str) -> FiniteGroup {
        parse_group_name(name).unwrap()
    }

    fn max_abs(a: &Array2<f64>) -> f64 {
        a.iter().fold(0.0f64, |m, x| m.max(x.abs()))
    }

    /// Projectors idempotent, symmetric, mutually orthogonal, summing to I; dimensions = ranks.
    fn check_projectors(iso: &IsotypicDecomposition) {
        let d = iso.degree();
        let mut sum = Array2::<f64>::zeros((d, d));
        let ps: Vec<Array2<f64>> = (0..iso.components().len())
            .map(|i| iso.projector(i))
            .collect();
        for (i, p) in ps.iter().enumerate() {
            assert!(max_abs(&(p.dot(p) - p)) < 1e-10, "idempotent");
            assert!(max_abs(&(p - &p.t())) < 1e-12, "symmetric");
            let trace: f64 = p.diag().sum();
            assert!((trace - iso.components()[i].dimension as f64).abs() < 1e-9);
            for q in &ps[i + 1..] {
                assert!(max_abs(&p.dot(q)) < 1e-10, "orthogonal");
            }
            sum += p;
        }
        assert!(max_abs(&(sum - Array2::<f64>::eye(d))) < 1e-10, "sum to I");
        assert!(iso.invariance_defect() < 1e-9);
    }

    /// (dimension, degree, kind, multiplicity) of every component of the regular representation.
    /// (dimension, degree, kind, multiplicity).
    type Shape = (usize, usize, IrrepKind, usize);

    fn summary(iso: &IsotypicDecomposition) -> Vec<Shape> {
        iso.components()
            .iter()
            .map(|c| (c.dimension, c.degree, c.kind, c.multiplicity))
            .collect()
    }

    #[test]
    fn regular_representations_of_small_groups_split_as_the_theory_says() {
        use IrrepKind::{Complex, Quaternionic, Real};
        let cases: Vec<(&str, Vec<Shape>)> = vec![
            (
                "S3",
                vec![(1, 1, Real, 1), (1, 1, Real, 1), (4, 2, Real, 2)],
            ),
            (
                "Q8",
                vec![
                    (1, 1, Real, 1),
                    (1, 1, Real, 1),
                    (1, 1, Real, 1),
                    (1, 1, Real, 1),
                    (4, 2, Quaternionic, 2),
                ],
            ),
            // A4: the two complex 1-dim irreps ω, ω̄ merge into one real component of dimension 2
            (
                "A4",
                vec![(1, 1, Real, 1), (2, 1, Complex, 1), (9, 3, Real, 3)],
            ),
            (
                "S4",
                vec![
                    (1, 1, Real, 1),
                    (1, 1, Real, 1),
                    (4, 2, Real, 2),
                    (9, 3, Real, 3),
                    (9, 3, Real, 3),
                ],
            ),
            // A5: both 3-dim irreps are real (golden-ratio characters) and separated
            (
                "A5",
                vec![
                    (1, 1, Real, 1),
                    (9, 3, Real, 3),
                    (9, 3, Real, 3),
                    (16, 4, Real, 4),
                    (25, 5, Real, 5),
                ],
            ),
            (
                "D4",
                vec![(1, 1, Real, 1); 4]
                    .into_iter()
                    .chain([(4, 2, Real, 2)])
                    .collect(),
            ),
        ];
        for (name, expected) in cases {
            let g = group(name);
            let iso = regular_isotypic(&g).unwrap();
            assert_eq!(summary(&iso), expected, "{name}");
            let total: usize = iso.components().iter().map(|c| c.dimension).sum();
            assert_eq!(total, g.order());
            check_projectors(&iso);
            assert_eq!(iso.components()[0].label, "trivial");
            // sizes of the classes add up, identity class first
            assert_eq!(
                iso.classes().iter().map(|c| c.size).sum::<usize>(),
                g.order()
            );
            assert_eq!(
                (iso.classes()[0].size, iso.classes()[0].element_order),
                (1, 1)
            );
            // orthogonality of the (real parts of the) characters: Σ_K |K| χ(K) ψ(K) = 0
            let comps = iso.components();
            for (i, a) in comps.iter().enumerate() {
                for b in &comps[i + 1..] {
                    let dot: f64 = iso
                        .classes()
                        .iter()
                        .enumerate()
                        .map(|(k, c)| c.size as f64 * a.character[k] * b.character[k])
                        .sum();
                    assert!(
                        dot.abs() < 1e-9,
                        "{name}: {} · {} = {dot}",
                        a.label,
                        b.label
                    );
                }
            }
        }
        let s3 = regular_isotypic(&group("S3")).unwrap();
        assert_eq!(s3.components()[1].label, "sign");
        assert_eq!(s3.classes().len(), 3);
    }

    #[test]
    fn left_and_right_regular_actions_have_the_same_components() {
        for name in ["S3", "Q8", "A4", "D5"] {
            let g = group(name);
            let n = g.order();
            let left = regular_isotypic(&g).unwrap();
            // right multiplication a ↦ a·x⁻¹ (a left action of G)
            let right_els: Vec<Vec<usize>> = (0..n)
                .map(|x| (0..n).map(|a| g.op(a, g.inverse(x))).collect())
                .collect();
            let right = isotypic_decomposition(&right_els, None, "test").unwrap();
            assert_eq!(summary(&left), summary(&right), "{name}");
            // match components by character and compare projectors
            for (i, c) in left.components().iter().enumerate() {
                let j = right
                    .components()
                    .iter()
                    .position(|r| {
                        r.character
                            .iter()
                            .zip(&c.character)
                            .all(|(a, b)| (a - b).abs() < 1e-9)
                    })
                    .expect("same character");
                let diff = left.projector(i) - right.projector(j);
                assert!(max_abs(&diff) < 1e-10, "{name}: component {}", c.label);
            }
        }
    }

    /// On Z_n the component of ±k holds exactly the 2-D Fourier energy at (ξ, η) ∈ {k, −k}²,
    /// computed here from an explicit unitary DFT.
    #[test]
    fn on_cyclic_groups_the_energies_are_sums_of_two_dimensional_fourier_energies() {
        for n in [8usize, 9] {
            let g = FiniteGroup::cyclic(n);
            assert_eq!(g.op(1, 1), 2 % n);
            let iso = regular_isotypic(&g).unwrap();
            assert_eq!(iso.components().len(), n / 2 + 1);
            let mut r = rng(n as u64);
            let b = random_matrix(&mut r, n, n);
            let e = block_irrep_energy(&iso, b.view()).unwrap();
            let total = super::super::frobenius_norm_sq(b.view());
            // f_ξ(a) = exp(2πi ξ a / n) / √n; B̂(ξ, η) = f_ξ^H B f_η
            let bhat = |xi: usize, eta: usize| -> f64 {
                let (mut re, mut im) = (0.0, 0.0);
                for a in 0..n {
                    for c in 0..n {
                        let ph = 2.0 * std::f64::consts::PI * ((eta * c) as f64 - (xi * a) as f64)
                            / n as f64;
                        re += b[[a, c]] * ph.cos();
                        im += b[[a, c]] * ph.sin();
                    }
                }
                (re * re + im * im) / (n * n) as f64
            };
            let class_of_one = iso.class_of()[1];
            let mut covered = 0.0;
            for k in 0..=n / 2 {
                let freqs: Vec<usize> = if 2 * k % n == 0 {
                    vec![k]
                } else {
                    vec![k, n - k]
                };
                let expected: f64 = freqs
                    .iter()
                    .flat_map(|&x| freqs.iter().map(move |&y| (x, y)))
                    .map(|(x, y)| bhat(x, y))
                    .sum::<f64>()
                    / total;
                let cos = (2.0 * std::f64::consts::PI * k as f64 / n as f64).cos();
                let i = iso
                    .components()
                    .iter()
                    .position(|c| (c.character[class_of_one] - cos).abs() < 1e-9)
                    .expect("a component for ±k");
                assert!(
                    (e.energy[i] - expected).abs() < 1e-12,
                    "n={n} k={k}: {} vs {expected}",
                    e.energy[i]
                );
                covered += expected;
            }
            assert!((e.remainder - (1.0 - covered)).abs() < 1e-12);
            assert!(
                e.remainder > 0.1,
                "a random block is not diagonal in frequency"
            );
        }
    }

    #[test]
    fn g_circulant_blocks_live_inside_the_components() {
        for name in ["S3", "Q8", "A4"] {
            let g = group(name);
            let n = g.order();
            let iso = regular_isotypic(&g).unwrap();
            let mut r = rng(7 + n as u64);
            let c: Vec<f64> = (0..n).map(|_| r.random_range(-1.0..1.0)).collect();
            let forms: [(&str, Array2<f64>); 3] = [
                (
                    "c(a⁻¹b)",
                    Array2::from_shape_fn((n, n), |(a, b)| c[g.op(g.inverse(a), b)]),
                ),
                (
                    "c(ab⁻¹)",
                    Array2::from_shape_fn((n, n), |(a, b)| c[g.op(a, g.inverse(b))]),
                ),
                (
                    "c(ab)",
                    Array2::from_shape_fn((n, n), |(a, b)| c[g.op(a, b)]),
                ),
            ];
            for (form, b) in forms {
                let e = block_irrep_energy(&iso, b.view()).unwrap();
                let sum: f64 = e.energy.iter().sum();
                assert!((sum - 1.0).abs() < 1e-10, "{name} {form}: {sum}");
                assert!(e.remainder < 1e-10, "{name} {form}: {}", e.remainder);
            }
            let noise = random_matrix(&mut r, n, n);
            let e = block_irrep_energy(&iso, noise.view()).unwrap();
            assert!(e.remainder > 0.05, "{name}: {}", e.remainder);
            assert!(block_irrep_energy(&iso, Array2::<f64>::zeros((n, n)).view()).is_none());
        }
    }

    #[test]
    fn bad_element_lists_are_refused_naming_the_parameter() {
        let not_closed = vec![vec![0, 1, 2], vec![1, 2, 0]];
        let not_bijective = vec![vec![0, 1, 2], vec![0, 0, 2]];
        let no_identity = vec![vec![1, 0, 2]];
        let ragged = vec![vec![0, 1, 2], vec![1, 0]];
        for els in [not_closed, not_bijective, no_identity, ragged, vec![]] {
            let err = isotypic_decomposition(&els, None, "test.group").unwrap_err();
            assert!(
                err.is_usage() && err.to_string().contains("test.group"),
                "{err}"
            );
        }
        // the trivial group on 3 points: one component, the whole space, trivial
        let iso = isotypic_decomposition(&[vec![0, 1, 2]], None, "t").unwrap();
        assert_eq!(summary(&iso), vec![(3, 1, IrrepKind::Real, 3)]);
    }

    fn task_on(op: Operation, name: &str) -> Task {
        Task::new(TaskSpec::on_group(op, name)).unwrap()
    }

    #[test]
    fn analyze_matrix_adds_irrep_energies_for_non_abelian_groups_only() {
        use crate::analysis::{analyze_matrix, AnalysisOptions};
        let t = task_on(Operation::Mul, "S3");
        let m = Array2::<f64>::eye(12);
        let a = analyze_matrix(&t, m.view(), &AnalysisOptions::default()).unwrap();
        let e = a.irrep_energy.expect("S3 is non-abelian");
        assert_eq!(e.components.len(), 3);
        // I: energy in each component = dimension / n, no remainder; off-diagonal blocks zero
        let m11 = e.m11.clone().unwrap();
        for (c, x) in e.components.iter().zip(&m11.energy) {
            assert!((x - c.dimension as f64 / 6.0).abs() < 1e-12);
        }
        assert!(e.m12.is_none());
        crate::analysis::testutil::assert_json_round_trip(&e);
        for t in [
            task_on(Operation::Mul, "Z12"),
            Task::new(TaskSpec::new(Operation::Add, 7)).unwrap(),
        ] {
            let m = Array2::<f64>::eye(t.input_dim());
            let a = analyze_matrix(&t, m.view(), &AnalysisOptions::default()).unwrap();
            assert!(a.irrep_energy.is_none());
            assert!(!serde_json::to_string(&a).unwrap().contains("irrep_energy"));
        }
    }

    #[test]
    fn eigenvectors_and_clusters_of_a_planted_matrix_sit_in_their_components() {
        let t = task_on(Operation::Mul, "S3");
        let (_, elements, names) = isotypic_subgroup(&t, "full").unwrap();
        let iso = isotypic_decomposition(&elements, Some(&names), "t").unwrap();
        // Sym_f acts freely on 12 coordinates: two copies of the regular representation
        assert_eq!(
            iso.components()
                .iter()
                .map(|c| c.dimension)
                .collect::<Vec<_>>(),
            vec![2, 2, 8]
        );
        // M = 3 P_2 + 2 P_0 + 0.5 P_1: top cluster = the 8-dim component
        let m = iso.projector(2) * 3.0 + iso.projector(0) * 2.0 + iso.projector(1) * 0.5;
        let e = eigen_isotypic(&t, m.view(), 9, "Sym_f").unwrap();
        assert_eq!(e.order, 6);
        assert_eq!(e.energy.len(), 9);
        for (r, row) in e.energy.iter().enumerate() {
            let want = if r < 8 { 2 } else { 0 };
            assert!((row[want] - 1.0).abs() < 1e-10, "rank {r}: {row:?}");
        }
        let sizes: Vec<(usize, usize)> =
            e.clusters.iter().map(|c| (c.first_rank, c.size)).collect();
        assert_eq!(sizes, vec![(0, 8), (8, 2)]);
        crate::analysis::testutil::assert_json_round_trip(&e);
        assert!((e.clusters[1].energy[0] - 1.0).abs() < 1e-10);
        // a random symmetric matrix: energies sum to 1 per eigenvector and per cluster
        let mut r = rng(5);
        let x = random_matrix(&mut r, 12, 12);
        let x = &x + &x.t();
        let e = eigen_isotypic(&t, x.view(), 4, "full").unwrap();
        for row in e.energy.iter().chain(e.clusters.iter().map(|c| &c.energy)) {
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-10);
        }
        // a subgroup by element names: the rotations r^{(1 2 3)} of order 3
        let h = eigen_isotypic(&t, x.view(), 2, "r^{(1 2 3)}").unwrap();
        assert_eq!(h.order, 3);
        assert_eq!(h.components.len(), 2); // trivial and the merged pair ω, ω̄
        assert_eq!(h.components[1].kind, IrrepKind::Complex);
    }

    #[test]
    fn eigen_isotypic_refuses_unknown_names_and_unlisted_groups() {
        let t = task_on(Operation::Mul, "S3");
        let m = Array2::<f64>::eye(12);
        let err = eigen_isotypic(&t, m.view(), 2, "q").unwrap_err();
        assert!(
            err.is_usage() && err.to_string().contains("analysis.isotypic"),
            "{err}"
        );
        // a constant table on 5 symbols: |Sym_f| = 28800, the element list is not kept
        let dir = std::env::temp_dir().join(format!("symrfm-iso-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("const.csv");
        std::fs::write(&path, "0,0,0,0,0\n".repeat(5)).unwrap();
        let mut s = TaskSpec::new(Operation::Table, 0);
        s.table = Some(path);
        let t = Task::new(s).unwrap();
        let err = eigen_isotypic(&t, Array2::<f64>::eye(10).view(), 2, "full").unwrap_err();
        assert!(
            err.is_usage()
                && err.to_string().contains("analysis.isotypic")
                && err.to_string().contains("not kept"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}

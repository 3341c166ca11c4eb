//! The whole analysis of one feature matrix for its task, in one serializable value
//! ([`MatrixAnalysis`], SCIENCE.md §5).
//!
//! For a task on an abelian group A (add, sub, mul, div, products of cyclic groups) the matrix is
//! decomposed on the 2n elements of Dih(A) acting on the coordinates, with element names from
//! [`DihedralGroup::element_name`]; tasks without a group (the polynomial controls, `mul` keeping 0)
//! get the structure measures only. For `mul`/`div` the block structure is measured a second time
//! after reordering the symbols by discrete logarithm (generator: the smallest primitive root).

use super::decompose::{
    commutant_distance, decompose, fit_identity_ones, fit_identity_ones_blockwise,
    BlockwiseIdentityOnesFit, CoordinatePermutation, Decomposition, IdentityOnesFit,
};
use super::gcirculant::{group_circulance, GroupCirculance};
use super::isotypic::{task_irrep_energies, IrrepEnergies};
use super::structure::{block_structure, order_from_dlog, BlockStructure};
use super::{check_feature_matrix, frobenius_norm_sq};
use crate::error::{Error, Result};
use crate::group::Task;
use crate::symmetry::{Subgroup, TaskSymmetry};
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

/// What [`analyze_matrix`] measures beyond the defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AnalysisOptions {
    /// Number of frequencies in the Fourier energy fraction of each block (default: n, the number
    /// of non-zero frequencies of a circulant or Hankel block). Must be in `1..=n²`.
    pub top_k: Option<usize>,
    /// A subgroup H of Dih(A), written as for [`Subgroup::parse`] (e.g. `"r^16,s"`), whose
    /// commutant distance is reported besides the full group's.
    pub subgroup: Option<String>,
}

/// The commutant distance for a given subgroup H.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SubgroupDistance {
    /// The subgroup as the user wrote it.
    pub spec: String,
    /// Its readable name, e.g. `<r^16, s>`.
    pub name: String,
    /// |H|.
    pub order: usize,
    /// The names of its elements, `id` first.
    pub elements: Vec<String>,
    /// `‖M − (1/|H|) Σ_h Π(h)ᵀ M Π(h)‖_F / ‖M‖_F`.
    pub commutant_distance: f64,
}

/// The decomposition of a feature matrix on Dih(A).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupAnalysis {
    /// The group's name, e.g. `Dih(Z_61)`.
    pub name: String,
    /// Its order 2n.
    pub order: usize,
    /// Coefficients `α_g` of every element, sorted by `|α_g|` descending, their shares of `‖M‖²_F`
    /// and the residual distance to the group algebra.
    pub decomposition: Decomposition,
    /// Distance to the commutant of the whole group.
    pub commutant_distance: f64,
    /// Distance to the commutant of the subgroup asked for, if any.
    pub subgroup: Option<SubgroupDistance>,
}

/// Everything [`analyze_matrix`] measures about one feature matrix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatrixAnalysis {
    /// The task the matrix belongs to (e.g. `add on Z_61`).
    pub task: String,
    /// Number of symbols n (the matrix is 2n×2n).
    pub n: usize,
    /// `‖M‖_F`.
    pub frobenius_norm: f64,
    /// The decomposition on Dih(A); `None` for tasks without a group structure.
    pub group: Option<GroupAnalysis>,
    /// Fit of the whole matrix to `span{I, 11ᵀ}`.
    pub identity_ones: IdentityOnesFit,
    /// Fit of each n×n block to `span{I, 11ᵀ}`.
    pub identity_ones_blockwise: BlockwiseIdentityOnesFit,
    /// Block structure in the task's symbol order (circulant/Hankel deviation, Fourier energy,
    /// spectra, effective rank).
    pub blocks: BlockStructure,
    /// The same after reordering the symbols by discrete logarithm (`mul`/`div` only).
    pub blocks_dlog: Option<BlockStructure>,
    /// The generator used for the discrete logarithm, as a residue (`mul`/`div` only).
    pub dlog_generator: Option<String>,
    /// Deviation of each block from the nearest G-circulant matrix, for tasks on a named finite
    /// group G (`task.group` with mul, div, conj, aba); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_circulance: Option<GroupCirculance>,
    /// The energy of each block in each real isotypic component of the regular representation of
    /// the task's group G, for tasks on a named non-abelian group (order ≤
    /// [`IRREP_ENERGY_MAX_ORDER`](super::isotypic::IRREP_ENERGY_MAX_ORDER)); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub irrep_energy: Option<IrrepEnergies>,
}

/// The elements of a subgroup as coordinate permutations.
pub fn subgroup_permutations(sym: &TaskSymmetry, h: &Subgroup) -> Vec<CoordinatePermutation> {
    h.elements()
        .iter()
        .map(|&g| CoordinatePermutation::new(sym.element_name(g).to_string(), sym.permutation(g)))
        .collect()
}

/// The symbol order by discrete logarithm (`order[k]` = the symbol g^k) and the generator's name,
/// for tasks on Z_p^*; `None` otherwise.
pub fn dlog_order(task: &Task) -> Result<Option<(Vec<usize>, String)>> {
    let Some(group) = task.group() else {
        return Ok(None);
    };
    let Some((generator, dlog)) = group.discrete_log() else {
        return Ok(None);
    };
    Ok(Some((
        order_from_dlog(dlog)?,
        group.element_name(generator).to_string(),
    )))
}

/// Checks that `m` is the 2n×2n feature matrix of `task`.
pub fn check_task_shape(task: &Task, m: ArrayView2<'_, f64>) -> Result<()> {
    let d = task.input_dim();
    if m.dim() != (d, d) {
        return Err(Error::param(
            "feature matrix",
            format!("a {}×{} matrix", m.nrows(), m.ncols()),
            format!(
                "{d}×{d} for {} (2n with n = {} symbols)",
                task.describe(),
                task.n_symbols()
            ),
        ));
    }
    Ok(())
}

/// Analyzes the feature matrix `m` of `task` (see [`MatrixAnalysis`]).
///
/// Errors (usage errors) if `m` is not the task's 2n×2n matrix, has non-finite entries or is not
/// symmetric (the effective rank needs a symmetric matrix), if `options.top_k` is out of range, or
/// if a subgroup is given for a task without a group or does not parse.
pub fn analyze_matrix(
    task: &Task,
    m: ArrayView2<'_, f64>,
    options: &AnalysisOptions,
) -> Result<MatrixAnalysis> {
    check_task_shape(task, m)?;
    let n = check_feature_matrix(m)?;
    let top_k = options.top_k.unwrap_or(n);
    if top_k == 0 || top_k > n * n {
        return Err(Error::param(
            "analysis.fourier_top_k",
            top_k,
            format!("1..={} (n² for blocks of size n = {n})", n * n),
        ));
    }
    let group = symmetry_group_analysis(task, m, options.subgroup.as_deref())?;
    let dlog = dlog_order(task)?;
    let blocks_dlog = dlog
        .as_ref()
        .map(|(order, _)| block_structure(m, Some(order), top_k))
        .transpose()?;
    Ok(MatrixAnalysis {
        task: task.describe(),
        n,
        frobenius_norm: frobenius_norm_sq(m).sqrt(),
        group,
        identity_ones: fit_identity_ones(m)?,
        identity_ones_blockwise: fit_identity_ones_blockwise(m)?,
        blocks: block_structure(m, None, top_k)?,
        blocks_dlog,
        dlog_generator: dlog.map(|(_, g)| g),
        group_circulance: task
            .finite_group()
            .filter(|g| g.order() == n)
            .and_then(|g| group_circulance(g, m)),
        irrep_energy: task_irrep_energies(task, m),
    })
}

/// Most elements of Sym_f that [`analyze_matrix`] decomposes on (the least-squares fit builds their
/// Gram matrix, |Sym_f|² entries).
pub const DECOMPOSE_MAX_ELEMENTS: usize = 2048;

/// An element of Sym_f (its coordinate images) as a named [`CoordinatePermutation`].
fn coordinate_permutation(name: String, p: &[u32]) -> CoordinatePermutation {
    CoordinatePermutation::new(name, p.iter().map(|&i| i as usize).collect())
}

/// The elements of Sym_f as coordinate permutations with their names, when the list is kept, not
/// trivial and within [`DECOMPOSE_MAX_ELEMENTS`]; otherwise why not.
pub fn symmetry_permutations(
    sym: &TaskSymmetry,
) -> std::result::Result<Vec<CoordinatePermutation>, String> {
    let (Some(elements), Some(names)) = (sym.elements(), sym.names()) else {
        return Err(format!(
            "the element list of Sym_f is not kept (order {})",
            sym.order_text()
        ));
    };
    // Dih(A) acts freely on the coordinates: its Π(g) are orthogonal and need no Gram matrix
    if elements.len() > DECOMPOSE_MAX_ELEMENTS && !sym.is_dihedral() {
        return Err(format!(
            "Sym_f has {} elements, more than the {DECOMPOSE_MAX_ELEMENTS} a decomposition fits",
            elements.len()
        ));
    }
    Ok(elements
        .iter()
        .zip(names)
        .map(|(p, name)| coordinate_permutation(name.clone(), p))
        .collect())
}

/// Sym_f, its elements as coordinate permutations, and the subgroup asked for (if any).
pub type AnalysisSymmetry = (TaskSymmetry, Vec<CoordinatePermutation>, Option<Subgroup>);

/// Sym_f of a task without Dih(A) and its elements for the analysis: `None` for the tasks of
/// [`structure_only`], for a trivial Sym_f, or when the elements are not available; then a
/// subgroup asked for (`subgroup`, the parameter `name`) is an error. A subgroup is parsed here.
pub fn analysis_symmetry(
    task: &Task,
    subgroup: Option<&str>,
    name: &'static str,
) -> Result<Option<AnalysisSymmetry>> {
    let refuse = |why: String| match subgroup {
        Some(spec) => Err(Error::param(name, spec, format!("no subgroup: {why}"))),
        None => Ok(None),
    };
    let sym = TaskSymmetry::of(task);
    let elements = match symmetry_permutations(&sym) {
        Ok(e) if e.len() > 1 => e,
        Ok(_) => {
            return refuse(format!(
                "the symmetry group of {} is trivial",
                task.describe()
            ))
        }
        Err(why) => return refuse(why),
    };
    let h = subgroup
        .map(|spec| Subgroup::parse(&sym, spec).map_err(|e| e.renamed(name)))
        .transpose()?;
    Ok(Some((sym, elements, h)))
}

/// The decomposition of `m` on the computed symmetry group Sym_f of a task without Dih(A) (a
/// non-abelian group, a graph, a comparison, a table): least squares through the Gram matrix
/// where the Π(g) are not orthogonal. `None` when [`analysis_symmetry`] gives none.
fn symmetry_group_analysis(
    task: &Task,
    m: ArrayView2<'_, f64>,
    subgroup: Option<&str>,
) -> Result<Option<GroupAnalysis>> {
    let Some((sym, elements, h)) = analysis_symmetry(task, subgroup, "analysis.subgroup")? else {
        return Ok(None);
    };
    let subgroup = h
        .map(|h| -> Result<SubgroupDistance> {
            let perms = subgroup_permutations(&sym, &h);
            Ok(SubgroupDistance {
                spec: subgroup.unwrap_or_default().to_string(),
                name: h.name(&sym),
                order: h.order(),
                elements: perms.iter().map(|p| p.name.clone()).collect(),
                commutant_distance: commutant_distance(m, &perms)?,
            })
        })
        .transpose()?;
    let name = if sym.is_dihedral() {
        sym.name()
    } else {
        format!("Sym_f of {}", task.describe())
    };
    Ok(Some(GroupAnalysis {
        name,
        order: elements.len(),
        decomposition: decompose(m, &elements)?,
        commutant_distance: commutant_distance(m, &elements)?,
        subgroup,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testutil::{assert_json_round_trip, random_symmetric, rng};
    use crate::group::{Operation, TaskSpec, ZeroConvention};
    use ndarray::Array2;
    use rand::Rng;

    fn task(op: Operation, p: u64) -> Task {
        Task::new(TaskSpec::new(op, p)).unwrap()
    }

    /// Σ_g a_g Π(g) with Π(g) the dense permutation matrices of the symmetry module (an independent
    /// construction from the sparse one used by `decompose`).
    fn combination(dih: &TaskSymmetry, a: &[f64]) -> Array2<f64> {
        let d = 2 * dih.n();
        let mut m = Array2::zeros((d, d));
        for (g, &c) in dih.elements().unwrap().iter().zip(a) {
            m.scaled_add(c, &dih.permutation_matrix(g));
        }
        // Symmetrize so that the effective rank accepts it: Π(g)ᵀ = Π(g⁻¹), so the result stays in
        // the group algebra with a_g and a_{g⁻¹} averaged.
        (&m + &m.t()) / 2.0
    }

    #[test]
    fn recovers_a_combination_of_group_elements_for_every_group_task() {
        let mut rng = rng(11);
        for (op, p) in [
            (Operation::Add, 7),
            (Operation::Sub, 9),
            (Operation::Mul, 11),
            (Operation::Div, 7),
        ] {
            let t = task(op, p);
            let dih = TaskSymmetry::of(&t);
            let a: Vec<f64> = (0..dih.len())
                .map(|_| rng.random_range(-1.0..1.0))
                .collect();
            let m = combination(&dih, &a);
            let analysis = analyze_matrix(&t, m.view(), &AnalysisOptions::default()).unwrap();
            let group = analysis.group.as_ref().unwrap();
            assert_eq!(group.order, 2 * t.n_symbols());
            assert!(group.decomposition.residual <= 1e-12, "{op:?}");
            assert!((0.0..=1.0).contains(&group.commutant_distance));
            for e in &group.decomposition.elements {
                let expected = (a[e.index] + a[dih.inverse_index(e.index)]) / 2.0;
                assert!((e.alpha - expected).abs() <= 1e-10, "{op:?} {}", e.name);
                assert_eq!(e.name, dih.element_name(e.index));
            }
            assert_eq!(
                analysis.blocks_dlog.is_some(),
                matches!(op, Operation::Mul | Operation::Div)
            );
            assert_json_round_trip(&analysis);
        }
    }

    /// The symmetric-split form c[[P, −P], [−P, P]] (SCIENCE.md §4) is (c/2)(I − Π(s)) minus a
    /// multiple of the all-ones blocks; check the top elements and the commutant of ⟨s⟩.
    #[test]
    fn symmetric_form_has_id_and_s_on_top() {
        let t = task(Operation::Add, 11);
        let dih = TaskSymmetry::of(&t);
        let n = 11;
        let id = Array2::<f64>::eye(2 * n);
        let s = dih.permutation_matrix(dih.element(dih.parse_element("s").unwrap()));
        let m = (&id - &s) * 1.5;
        let options = AnalysisOptions {
            top_k: None,
            subgroup: Some("s".into()),
        };
        let analysis = analyze_matrix(&t, m.view(), &options).unwrap();
        let group = analysis.group.unwrap();
        let top = &group.decomposition.elements;
        assert_eq!([top[0].name.as_str(), top[1].name.as_str()], ["id", "s"]);
        assert!((top[0].alpha - 1.5).abs() < 1e-12 && (top[1].alpha + 1.5).abs() < 1e-12);
        assert!(group.decomposition.residual < 1e-12);
        let sub = group.subgroup.unwrap();
        assert_eq!((sub.order, sub.name.as_str()), (2, "<s>"));
        assert!(sub.commutant_distance < 1e-12);
        // I − Π(s) does not commute with the rotations.
        assert!(group.commutant_distance > 0.1);
        // Each block is in span{I, 11ᵀ}.
        assert!(analysis.identity_ones_blockwise.distance < 1e-12);
    }

    /// For mul, a matrix in the commutant of the rotations has Hankel off-diagonal blocks once the
    /// symbols are in discrete-log order, and not before.
    #[test]
    fn dlog_reindexing_reveals_the_mul_structure() {
        let t = task(Operation::Mul, 13);
        let dih = TaskSymmetry::of(&t);
        let mut rng = rng(12);
        let x = random_symmetric(&mut rng, 24);
        let rotations: Vec<_> = symmetry_permutations(&dih).unwrap()[..12].to_vec();
        let m = crate::analysis::commutant_projection(x.view(), &rotations).unwrap();
        let analysis = analyze_matrix(&t, m.view(), &AnalysisOptions::default()).unwrap();
        assert_eq!(analysis.dlog_generator.as_deref(), Some("2"));
        let dlog = analysis.blocks_dlog.unwrap();
        assert!(dlog.m12.circulance.min < 1e-12, "{:?}", dlog.m12.circulance);
        assert!(dlog.m11.circulance.circulant < 1e-12);
        assert!(analysis.blocks.m12.circulance.min > 0.05);
    }

    /// The polynomial controls and `mul` keeping 0 are decomposed on their searched Sym_f when it
    /// is small enough; a subgroup that does not exist there is an error naming the parameter.
    #[test]
    fn polynomial_controls_are_decomposed_on_their_sym_f() {
        let mut keep = TaskSpec::new(Operation::Mul, 5);
        keep.zero = ZeroConvention::Keep;
        for t in [task(Operation::SquareSum, 5), Task::new(keep).unwrap()] {
            let sym = TaskSymmetry::of(&t);
            let m = Array2::<f64>::eye(t.input_dim());
            let a = analyze_matrix(&t, m.view(), &AnalysisOptions::default()).unwrap();
            let g = a.group.as_ref().expect("a listed Sym_f");
            assert_eq!(Some(g.order as u64), sym.order());
            assert!(g.name.starts_with("Sym_f of"), "{}", g.name);
            // I = Π(id): the identity carries all the weight
            assert_eq!(g.decomposition.elements[0].name, "id");
            assert!(g.decomposition.residual < 1e-10);
            let options = AnalysisOptions {
                top_k: None,
                subgroup: Some("q".into()),
            };
            let err = analyze_matrix(&t, m.view(), &options).unwrap_err();
            assert!(
                err.is_usage() && err.to_string().contains("analysis.subgroup"),
                "{err}"
            );
        }
    }

    fn named_or_graph_task(op: Operation, group: Option<&str>, graph: Option<&str>) -> Task {
        let mut spec = TaskSpec::new(op, 7);
        spec.group_name = group.map(str::to_string);
        spec.graph = graph.map(str::to_string);
        Task::new(spec).unwrap()
    }

    /// Σ_g c_g Π(g) over the elements of Sym_f, from its dense permutation matrices (an
    /// independent construction from the sparse one of `decompose`).
    fn sym_combination(sym: &TaskSymmetry, c: &[f64]) -> Array2<f64> {
        let els = sym.elements().unwrap();
        let d = 2 * sym.n();
        let mut m = Array2::<f64>::zeros((d, d));
        for (p, &cg) in els.iter().zip(c) {
            m.scaled_add(cg, &sym.permutation_matrix(p));
        }
        m
    }

    #[test]
    fn any_sym_f_decomposes_a_combination_of_its_elements_exactly() {
        // S_3 acts freely (orthogonal Π(g)); the cycle C_6's distance task does not (dihedral
        // automorphisms with fixed points: a least-squares fit through the Gram matrix).
        for (t, orthogonal) in [
            (named_or_graph_task(Operation::Mul, Some("S3"), None), true),
            (
                named_or_graph_task(Operation::GraphDistance, None, Some("cycle:6")),
                false,
            ),
        ] {
            let sym = TaskSymmetry::of(&t);
            let k = sym.elements().unwrap().len();
            let mut r = rng(k as u64);
            let c: Vec<f64> = (0..k).map(|_| r.random_range(-1.0..1.0)).collect();
            let mut m = sym_combination(&sym, &c);
            // symmetric, as a feature matrix must be: add the transpose (Π(g)ᵀ = Π(g⁻¹))
            m = &m + &m.t();
            let a = analyze_matrix(&t, m.view(), &AnalysisOptions::default()).unwrap();
            let g = a.group.expect("a decomposition on Sym_f");
            assert_eq!(g.order, k);
            assert!(g.name.starts_with("Sym_f of"), "{}", g.name);
            assert_eq!(g.decomposition.orthogonal, orthogonal, "{}", t.describe());
            assert!(
                g.decomposition.residual < 1e-10,
                "{}",
                g.decomposition.residual
            );
            // The projection of M is M itself, so M − P(M) vanishes: a noise matrix does not.
            let noise = random_symmetric(&mut r, t.input_dim());
            let b = analyze_matrix(&t, noise.view(), &AnalysisOptions::default()).unwrap();
            assert!(b.group.unwrap().decomposition.residual > 0.1);
        }
    }

    #[test]
    fn sym_f_subgroups_are_parsed_and_bad_ones_name_the_parameter() {
        let t = named_or_graph_task(Operation::Mul, Some("S3"), None);
        let sym = TaskSymmetry::of(&t);
        let m = sym_combination(&sym, &[1.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        let options = AnalysisOptions {
            top_k: None,
            subgroup: Some("r^{(1 2 3)}".into()),
        };
        let a = analyze_matrix(&t, m.view(), &options).unwrap();
        let h = a.group.unwrap().subgroup.unwrap();
        assert_eq!(h.order, 3);
        assert_eq!(h.commutant_distance, 0.0); // M = I commutes with everything
        let bad = AnalysisOptions {
            top_k: None,
            subgroup: Some("q".into()),
        };
        let err = analyze_matrix(&t, m.view(), &bad).unwrap_err();
        assert!(
            err.is_usage() && err.to_string().contains("analysis.subgroup"),
            "{err}"
        );
        assert!(a.group_circulance.is_some());
    }

    #[test]
    fn wrong_shape_and_bad_options_are_usage_errors() {
        let t = task(Operation::Add, 5);
        let err = analyze_matrix(
            &t,
            Array2::<f64>::eye(8).view(),
            &AnalysisOptions::default(),
        )
        .unwrap_err();
        assert!(err.is_usage() && err.to_string().contains("10×10"), "{err}");
        let m = Array2::<f64>::eye(10);
        let bad_k = AnalysisOptions {
            top_k: Some(26),
            subgroup: None,
        };
        assert!(analyze_matrix(&t, m.view(), &bad_k).unwrap_err().is_usage());
        let bad_h = AnalysisOptions {
            top_k: None,
            subgroup: Some("q^2".into()),
        };
        assert!(analyze_matrix(&t, m.view(), &bad_h).unwrap_err().is_usage());
    }
}

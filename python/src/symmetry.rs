//! The symmetry group Sym_f of a task: elements, permutations, subgroups, orbits, stabilizers.
//!
//! One group for every task (Dih(A) on the tasks on an abelian group, `r^g` on a named group, the
//! searched Sym_f otherwise). Elements cross the boundary by name (`id`, `r^k`, `s`, `s r^k` on
//! Dih(A); the names `symrfm symmetry` lists, or `#k`, elsewhere), parsed by the library.

use crate::convert::{indices, matrix};
use crate::errors::IntoPyResult;
use crate::task::PyTask;
use numpy::{PyArray1, PyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use symrfm::symmetry::{stabilizer, Subgroup, TaskSymmetry};

/// Runs `f` on the task's Sym_f; errors when its elements are not listed.
fn with_group<T>(task: &PyTask, f: impl FnOnce(&TaskSymmetry) -> symrfm::Result<T>) -> PyResult<T> {
    let sym = task.symmetry();
    if sym.is_empty() {
        return Err(PyValueError::new_err(format!(
            "the elements of Sym_f of {} are not listed (order {}, above the bound); only its \
             order and generators are known (Task.sym_f())",
            task.task.describe(),
            sym.order_text()
        )));
    }
    f(sym).py_err()
}

fn check_pairs(task: &PyTask, pairs: &[i64]) -> PyResult<Vec<usize>> {
    let n_pairs = task.task.n_pairs() as i64;
    pairs
        .iter()
        .map(|&k| {
            if (0..n_pairs).contains(&k) {
                Ok(k as usize)
            } else {
                Err(PyValueError::new_err(format!(
                    "pair index {k} out of range 0..{n_pairs} (a pair (a, b) has index a * n + b)"
                )))
            }
        })
        .collect()
}

/// Name of the group: `Dih(Z_61)` for a task on an abelian group, else `Sym_f`.
#[pyfunction]
fn group_name(task: &PyTask) -> PyResult<String> {
    with_group(task, |d| Ok(d.name()))
}

/// Names of the elements in group order (`id` first; on Dih(A) rotations, then reflections).
#[pyfunction]
fn group_elements(task: &PyTask) -> PyResult<Vec<String>> {
    with_group(task, |d| {
        Ok((0..d.len())
            .map(|g| d.element_name(g).to_string())
            .collect())
    })
}

/// Whether each element (in group order) swaps the operands.
#[pyfunction]
fn group_swaps(task: &PyTask) -> PyResult<Vec<bool>> {
    with_group(task, |d| {
        Ok((0..d.len()).map(|g| d.is_swap_index(g)).collect())
    })
}

/// The canonical name of an element (parses `element`).
#[pyfunction]
fn element_name(task: &PyTask, element: &str) -> PyResult<String> {
    with_group(task, |d| {
        Ok(d.element_name(d.parse_element(element)?).to_string())
    })
}

/// (swaps the operands, order, index in group order) of an element.
#[pyfunction]
fn element_info(task: &PyTask, element: &str) -> PyResult<(bool, usize, usize)> {
    with_group(task, |d| {
        let g = d.parse_element(element)?;
        Ok((d.is_swap_index(g), d.element_order(g), g))
    })
}

/// The name of g·h (apply h first).
#[pyfunction]
fn compose(task: &PyTask, g: &str, h: &str) -> PyResult<String> {
    with_group(task, |d| {
        let (g, h) = (d.parse_element(g)?, d.parse_element(h)?);
        Ok(d.element_name(d.compose_index(g, h)).to_string())
    })
}

/// The name of g⁻¹.
#[pyfunction]
fn inverse(task: &PyTask, g: &str) -> PyResult<String> {
    with_group(task, |d| {
        Ok(d.element_name(d.inverse_index(d.parse_element(g)?))
            .to_string())
    })
}

/// The coordinate permutation σ of g (Π(g) e_i = e_σ(i)), int64 of length 2n.
#[pyfunction]
fn permutation<'py>(
    py: Python<'py>,
    task: &PyTask,
    g: &str,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let sigma = with_group(task, |d| Ok(d.permutation(d.parse_element(g)?)))?;
    Ok(indices(py, &sigma))
}

/// The 2n × 2n permutation matrix Π(g) (float64).
#[pyfunction]
fn permutation_matrix<'py>(
    py: Python<'py>,
    task: &PyTask,
    g: &str,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let m = with_group(task, |d| {
        Ok(d.permutation_matrix(d.element(d.parse_element(g)?)))
    })?;
    Ok(matrix(py, m))
}

/// The images of pair indices under g.
#[pyfunction]
fn act<'py>(
    py: Python<'py>,
    task: &PyTask,
    g: &str,
    pairs: Vec<i64>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let pairs = check_pairs(task, &pairs)?;
    let out = with_group(task, |d| {
        let g = d.parse_element(g)?;
        Ok(pairs.iter().map(|&k| d.act_index(g, k)).collect::<Vec<_>>())
    })?;
    Ok(indices(py, &out))
}

/// The pair indices fixed by g, ascending.
#[pyfunction]
fn fixed_points<'py>(
    py: Python<'py>,
    task: &PyTask,
    g: &str,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let out = with_group(task, |d| Ok(d.fixed_points(d.element(d.parse_element(g)?))))?;
    Ok(indices(py, &out))
}

/// A subgroup of Sym_f (the Rust half of `symrfm.Subgroup`).
#[pyclass(module = "symrfm._core", name = "SubgroupCore", frozen)]
pub struct PySubgroup {
    task: Py<PyTask>,
    subgroup: Subgroup,
}

impl PySubgroup {
    fn with<T>(&self, f: impl FnOnce(&TaskSymmetry, &Subgroup) -> T) -> T {
        f(self.task.get().symmetry(), &self.subgroup)
    }
}

#[pymethods]
impl PySubgroup {
    /// The subgroup generated by `generators` (e.g. `r^16,s`, `<s r^3>`, `full`, `trivial`).
    #[new]
    fn new(task: Bound<'_, PyTask>, generators: &str) -> PyResult<Self> {
        let subgroup = with_group(task.get(), |d| Subgroup::parse(d, generators))?;
        Ok(PySubgroup {
            task: task.unbind(),
            subgroup,
        })
    }

    /// Readable canonical name, e.g. `<r^16, s>`, `trivial`, `Dih(Z_61)`.
    #[getter]
    fn name(&self) -> String {
        self.with(|d, h| h.name(d))
    }

    /// |H|.
    #[getter]
    fn order(&self) -> usize {
        self.subgroup.order()
    }

    /// Element names, `id` first.
    #[getter]
    fn elements(&self) -> Vec<String> {
        self.with(|d, h| h.element_names(d))
    }

    /// A generating set (names).
    fn generators(&self) -> Vec<String> {
        self.with(|d, h| {
            h.generators(d)
                .into_iter()
                .map(|g| d.element_name(g).to_string())
                .collect()
        })
    }

    /// Whether `element` lies in H.
    fn contains(&self, element: &str) -> PyResult<bool> {
        let g = self.with(|d, _| d.parse_element(element)).py_err()?;
        Ok(self.subgroup.contains(g))
    }

    /// The H-orbit of one pair index, ascending.
    fn orbit<'py>(&self, py: Python<'py>, pair: i64) -> PyResult<Bound<'py, PyArray1<i64>>> {
        let k = check_pairs(self.task.get(), &[pair])?[0];
        let o = self.with(|d, h| h.orbit(d, k));
        Ok(indices(py, &o))
    }

    /// All H-orbits of the n² pairs (lists of pair indices).
    fn orbits(&self) -> Vec<Vec<usize>> {
        self.with(|d, h| h.orbits(d))
    }

    /// Orbit_H(pairs): the union of the orbits of the given pairs, ascending.
    fn orbit_of_set<'py>(
        &self,
        py: Python<'py>,
        pairs: Vec<i64>,
    ) -> PyResult<Bound<'py, PyArray1<i64>>> {
        let pairs = check_pairs(self.task.get(), &pairs)?;
        let o = self.with(|d, h| h.orbit_of_set(d, &pairs));
        Ok(indices(py, &o))
    }

    /// Whether h(S) = S for every h in H.
    fn leaves_invariant(&self, pairs: Vec<i64>) -> PyResult<bool> {
        let pairs = check_pairs(self.task.get(), &pairs)?;
        Ok(self.with(|d, h| h.leaves_invariant(d, &pairs)))
    }
}

/// The stabilizer of a set of pairs: the largest subgroup H with h(S) = S for all h in H.
#[pyfunction]
fn stabilizer_of(task: Bound<'_, PyTask>, pairs: Vec<i64>) -> PyResult<PySubgroup> {
    let pairs = check_pairs(task.get(), &pairs)?;
    let subgroup = with_group(task.get(), |d| {
        Ok(stabilizer(d, &pairs).expect("a listed Sym_f"))
    })?;
    Ok(PySubgroup {
        task: task.unbind(),
        subgroup,
    })
}

/// The subgroup a fixed-point (`fixed_points`) or orbit split uses when none is named (see
/// `symrfm::symmetry::default_subgroup`).
#[pyfunction]
fn default_subgroup(task: &PyTask, fixed_points: bool) -> PyResult<String> {
    symrfm::symmetry::default_subgroup(&task.task, fixed_points).py_err()
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(default_subgroup, m)?)?;
    m.add_class::<PySubgroup>()?;
    m.add_function(wrap_pyfunction!(group_name, m)?)?;
    m.add_function(wrap_pyfunction!(group_elements, m)?)?;
    m.add_function(wrap_pyfunction!(group_swaps, m)?)?;
    m.add_function(wrap_pyfunction!(element_name, m)?)?;
    m.add_function(wrap_pyfunction!(element_info, m)?)?;
    m.add_function(wrap_pyfunction!(compose, m)?)?;
    m.add_function(wrap_pyfunction!(inverse, m)?)?;
    m.add_function(wrap_pyfunction!(permutation, m)?)?;
    m.add_function(wrap_pyfunction!(permutation_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(act, m)?)?;
    m.add_function(wrap_pyfunction!(fixed_points, m)?)?;
    m.add_function(wrap_pyfunction!(stabilizer_of, m)?)?;
    Ok(())
}

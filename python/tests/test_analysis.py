"""decompose() and the structure measures, against constructions with known answers."""

import numpy as np
import pytest

import symrfm


@pytest.fixture(scope="module")
def task():
    return symrfm.Task("add", 7)


def test_decomposition_of_a_group_algebra_element(task):
    g = task.symmetry_group()
    m = 2.0 * g.permutation_matrix("id") - 1.5 * g.permutation_matrix("s")
    m = 0.5 * (m + m.T)
    d = symrfm.decompose(m, task)
    c = d.coefficients
    assert c[g.index("id")] == pytest.approx(2.0) and c[g.index("s")] == pytest.approx(-1.5)
    assert d.residual == pytest.approx(0.0, abs=1e-12)
    assert d.top(2) == [("id", pytest.approx(2.0)), ("s", pytest.approx(-1.5))]
    assert d.commutant_distance > 0
    assert symrfm.decompose(m, task, subgroup="s").subgroup_commutant_distance == pytest.approx(0.0, abs=1e-12)
    assert symrfm.commutant_distance(m, task, "s") == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError):
        d.save("/tmp/never.json")


def test_structure_measures_on_known_matrices(task):
    n = 7
    c = np.array([[(j - i) % n for j in range(n)] for i in range(n)], dtype=float)
    assert symrfm.circulance(c)["circulant"] == pytest.approx(0.0, abs=1e-15)
    h = np.array([[(i + j) % n for j in range(n)] for i in range(n)], dtype=float)
    assert symrfm.circulance(h)["hankel"] == pytest.approx(0.0, abs=1e-15)
    assert symrfm.circulance(h)["min"] == 0.0
    eye = np.eye(2 * n)
    assert symrfm.effective_rank(eye) == {"entropy_rank": pytest.approx(14), "participation_ratio": pytest.approx(14)}
    assert symrfm.alignment(eye, 3 * eye) == pytest.approx(1.0)
    # a circulant block has at most n non-zero frequencies
    assert symrfm.top_k_energy_fraction(c, n) == pytest.approx(1.0)
    mag = symrfm.dft2_magnitude(c)
    np.testing.assert_allclose(mag, np.abs(np.fft.fft2(c)), atol=1e-9)
    m11, m12, m21, m22 = symrfm.blocks(np.block([[c, h], [h.T, c]]))
    np.testing.assert_array_equal(m12, h)
    s = symrfm.block_structure(np.block([[eye[:n, :n], c], [c.T, eye[:n, :n]]]))
    assert s["m12"]["circulance"]["circulant"] == pytest.approx(0.0, abs=1e-15)
    order, gen = symrfm.dlog_order(symrfm.Task("mul", 7))
    assert gen == "3" and sorted(order) == list(range(6))
    assert symrfm.dlog_order(task) is None

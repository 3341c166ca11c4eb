"""One symmetry group for every task (issue 20): Task.symmetry_group() is the task's Sym_f, and the
stabilizer of a split agrees between Split.stabilizer(), Split.symmetry() and `symrfm split`."""

import re

import numpy as np
import pytest

import symrfm

TASKS = [
    (lambda: symrfm.Task("mul", group="S4"), ["--task", "mul", "--group", "S4"], 24),
    (lambda: symrfm.Task("graph-distance", graph="cycle:12"), ["--task", "graph-distance", "--graph", "cycle:12"], 48),
    (lambda: symrfm.Task("add", 23), ["--task", "add", "-p", "23"], 46),
]


@pytest.mark.parametrize("make,flags,order", TASKS)
def test_symmetry_group_is_a_group_acting_on_the_pairs(make, flags, order):
    task = make()
    g = task.symmetry_group()
    assert g.order == order and g.elements[0] == "id"
    labels = task.labels.ravel()
    n = task.n_symbols
    pairs = np.arange(task.n_pairs)
    mats = g.permutation_matrices()
    assert mats.shape == (order, 2 * n, 2 * n)
    # one-hot inputs x(a, b) = e_a + e_{n+b}
    x = np.zeros((task.n_pairs, 2 * n))
    x[pairs, pairs // n] = 1
    x[pairs, n + pairs % n] = 1
    for i, e in enumerate(g.elements):
        img = g.act(e, pairs)
        assert sorted(img) == list(pairs), e  # a bijection of the pairs
        assert np.array_equal(labels[img], labels), e  # keeping every label
        # Π(g) x(a, b) = x(g(a, b))
        assert np.array_equal(x @ mats[i].T, x[img]), e
        inv = g.inverse(e)
        assert g.compose(e, inv) == "id"
        fixed = g.fixed_points(e)
        assert np.array_equal(fixed, pairs[img == pairs])
    # composition is the composition of the actions (h first)
    a, b = g.elements[1], g.elements[-1]
    assert np.array_equal(g.act(g.compose(a, b), pairs), g.act(a, g.act(b, pairs)))
    # subgroups by generators, their orbits partition the pairs, and they parse back by name
    h = g.subgroup(g.elements[1])
    assert g.subgroup(h.name).elements == h.elements
    orbits = h.orbits()
    assert sorted(k for o in orbits for k in o) == list(pairs)
    assert all(h.leaves_invariant(o) for o in orbits)


@pytest.mark.parametrize("make,flags,order", TASKS)
def test_stabilizer_agrees_with_the_report_and_the_cli(make, flags, order, cli, tmp_path):
    task = make()
    g = task.symmetry_group()
    gen = g.elements[1]
    split = symrfm.Split.orbit(task, gen, fraction=0.6, seed=1)
    stab = split.stabilizer()
    report = split.symmetry()
    assert stab.elements == report["stabilizer"]
    assert stab.name == report["stabilizer_name"]
    assert gen in stab  # the split is made of whole <gen>-orbits
    # the same split through the CLI prints the same stabilizer
    out = cli("split", *flags, "--split", "orbit", "--subgroup", gen, "--train-frac", "0.6",
              "--seed", "1", "--out", str(tmp_path / "s.csv")).stdout
    m = re.search(r"stabilizer of the training set in .* is (.*) \(order (\d+)", out)
    assert m, out
    assert m.group(1) == report["stabilizer_name"]
    assert int(m.group(2)) == stab.order
    # and the default H of a fixed-point split is the same in Python and in the CLI
    if any(g.fixed_points(e).size for e in g.elements[1:]):
        fp = symrfm.Split.fixed_points(task)
        out = cli("split", *flags, "--split", "fixed-points", "--out", str(tmp_path / "f.csv")).stdout
        m = re.search(r"is (.*) \(order", out)
        assert m.group(1) == fp.stabilizer().name
    else:
        with pytest.raises(ValueError, match="acts freely"):
            symrfm.Split.fixed_points(task)


def test_eigen_features_of_a_non_abelian_task_come_with_its_isotypic_components():
    task = symrfm.Task("mul", group="S3")
    n = task.n_symbols
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2 * n, 2 * n))
    m = a @ a.T
    f = symrfm.eigen(m, task, k=4)
    iso = f.raw["isotypic"]
    assert iso is not None and iso["subgroup"] == "Sym_f"
    # asked for on an abelian task, and absent by default there
    t = symrfm.Task("add", 7)
    b = rng.standard_normal((14, 14))
    m7 = b @ b.T
    assert symrfm.eigen(m7, t, k=3).raw.get("isotypic") is None
    assert symrfm.eigen(m7, t, k=3, isotypic="full").raw["isotypic"] is not None

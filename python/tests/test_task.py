"""Tasks, the symmetry group Dih(A), subgroups and stabilizers, against independent formulas."""

import numpy as np
import pytest

import symrfm


def naive_labels(op, p):
    if op in ("add", "sub"):
        f = {"add": lambda a, b: (a + b) % p, "sub": lambda a, b: (a - b) % p}[op]
        return np.array([[f(a, b) for b in range(p)] for a in range(p)])
    if op in ("mul", "div"):
        # symbols 1..p-1 at indices 0..p-2; class of value v is v-1
        def val(a, b):
            x, y = a + 1, b + 1
            return (x * y) % p if op == "mul" else (x * pow(y, -1, p)) % p

        return np.array([[val(a, b) - 1 for b in range(p - 1)] for a in range(p - 1)])
    f = {
        "x2+y2": lambda a, b: (a * a + b * b) % p,
        "x2+xy+y2": lambda a, b: (a * a + a * b + b * b) % p,
        "x3+xy": lambda a, b: (a**3 + a * b) % p,
    }[op]
    return np.array([[f(a, b) for b in range(p)] for a in range(p)])


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "x2+y2", "x2+xy+y2", "x3+xy"])
def test_every_task_kind_has_the_labels_of_its_formula(op):
    t = symrfm.Task(op, 7)
    assert t.operation == op and t.modulus == 7
    assert t.labels.dtype == np.int64
    np.testing.assert_array_equal(t.labels, naive_labels(op, 7))
    assert t.has_group == (op in ("add", "sub", "mul", "div"))
    assert len(t.symbols) == t.n_symbols
    assert t.n_pairs == t.n_symbols**2


def test_product_group_and_keep_zero():
    t = symrfm.Task("add", 0, group=(3, 5))
    assert t.n_symbols == 15 and t.symbols[:2] == ["(0,0)", "(0,1)"]
    # mixed radix, last component least significant: (a1,a2)+(b1,b2) componentwise
    a, b = 7, 11  # (1,2) + (2,1) = (0,3) -> index 3
    assert t.labels[a, b] == 3
    k = symrfm.Task("mul", 7, keep_zero=True)
    assert k.n_symbols == 7 and not k.has_group
    assert k.labels[0, 5] == 0 and k.labels[3, 5] == 15 % 7
    assert symrfm.Task("mul", 7).symbols[0] == "1"


def test_pairs_and_equality(add11):
    assert add11.pair(25) == (2, 3) and add11.pair_index(2, 3) == 25
    np.testing.assert_array_equal(add11.pair_indices([(2, 3), (0, 1)]), [25, 1])
    np.testing.assert_array_equal(add11.pair_indices("2:3, 0:1"), [25, 1])
    mul = symrfm.Task("mul", 7)
    np.testing.assert_array_equal(mul.pair_indices("2:3"), [1 * 6 + 2])  # values 2, 3 = indices 1, 2
    assert add11 == symrfm.Task("add", 11) and add11 != symrfm.Task("sub", 11)
    assert symrfm.Task.from_spec(add11.spec) == add11
    assert add11.info["pair_index"] == "a * n + b"


def test_bad_tasks_raise_value_errors_naming_the_parameter():
    with pytest.raises(ValueError, match="task.operation"):
        symrfm.Task("pow", 7)
    with pytest.raises(ValueError) as e:
        symrfm.Task("mul", 8)
    assert "8" in str(e.value) and e.value.parameter
    with pytest.raises(ValueError):
        symrfm.Task("add", 1)
    with pytest.raises(TypeError):
        symrfm.Task("add", 7.5)
    # every task has its symmetry group: x² + y² keeps the operand swap
    assert "s" in symrfm.Task("x2+y2", 7).symmetry_group().elements


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_every_element_preserves_labels_and_permutation_matrices_act_on_inputs(op):
    t = symrfm.Task(op, 7)
    g = t.symmetry_group()
    n = t.n_symbols
    assert g.order == 2 * n and g.elements[0] == "id" and len(set(g.elements)) == 2 * n
    labels = t.labels.ravel()
    allpairs = np.arange(n * n)
    mats = g.permutation_matrices()
    assert mats.shape == (2 * n, 2 * n, 2 * n)
    for e, pm in zip(g.elements, mats):
        img = g.act(e, allpairs)
        np.testing.assert_array_equal(labels[img], labels)  # label-preserving
        assert sorted(img) == list(allpairs)  # a bijection
        # Π(g) x(a, b) = x(g(a, b)) with x(a, b) = e_a + e_{n+b}
        for k in (0, 5, n * n - 1):
            a, b = divmod(k, n)
            x = np.zeros(2 * n)
            x[a] = x[n + b] = 1
            ga, gb = divmod(int(img[k]), n)
            y = np.zeros(2 * n)
            y[ga] = y[n + gb] = 1
            np.testing.assert_array_equal(pm @ x, y)
        np.testing.assert_array_equal(np.argmax(pm, axis=0), g.permutation(e))
        assert g.compose(e, g.inverse(e)) == "id"
        assert g.is_reflection(e) == e.startswith("s")
        fixed = g.fixed_points(e)
        assert len(fixed) == (n if g.is_reflection(e) else (n * n if e == "id" else 0))


def test_fixed_points_of_a_reflection_on_zp():
    t = symrfm.Task("add", 11)
    g = t.symmetry_group()
    # Fix(s r^k) = {(a, a + k)}
    want = sorted(a * 11 + (a + 3) % 11 for a in range(11))
    np.testing.assert_array_equal(g.fixed_points("s r^3"), want)
    assert g.canonical("sr^3") == "s r^3" and g.element_order("r^1") == 11
    assert g.index("s") == 11


def test_subgroups_orbits_and_stabilizers():
    t = symrfm.Task("add", 12)
    g = t.symmetry_group()
    h = g.subgroup("r^6,s")
    assert h.order == 4 and h.elements[0] == "id" and "s" in h and "r^1" not in h
    assert h.name == "<r^6, s>" and g.subgroup(h.name).elements == h.elements
    orbits = h.orbits()
    assert sum(len(o) for o in orbits) == 144
    assert sorted(h.orbit(5)) == sorted(set(int(g.act(e, [5])[0]) for e in h.elements))
    train = h.orbit_of_set([0, 5])
    assert h.leaves_invariant(train)
    assert g.stabilizer(np.arange(144)).order == 24
    assert g.subgroup("trivial").order == 1 and g.subgroup("full").order == 24
    with pytest.raises(ValueError):
        g.subgroup("q^2")

"""Splits: every kind and edit, indices as numpy, symmetry reports."""

import numpy as np
import pytest

import symrfm


def check_partition(s):
    n2 = s.task.n_pairs
    assert s.train.dtype == np.int64 and s.test.dtype == np.int64
    assert np.all(np.diff(s.train) > 0) and np.all(np.diff(s.test) > 0)
    assert len(np.intersect1d(s.train, s.test)) == 0
    assert s.n_train + s.n_test == n2
    assert s.train_mask().sum() == s.n_train


def test_random_split_sizes_and_seed(add11):
    s = symrfm.Split.random(add11, 0.3, seed=4)
    check_partition(s)
    assert s.n_train == int(0.3 * 121) and s.seed == 4 and s.kind == "random"
    assert np.array_equal(symrfm.Split.random(add11, 0.3, 4).train, s.train)
    assert not np.array_equal(symrfm.Split.random(add11, 0.3, 5).train, s.train)
    with pytest.raises(ValueError, match="split.fraction"):
        symrfm.Split.random(add11, 1.5)
    with pytest.raises(ValueError, match="split.fraction"):
        symrfm.Split.random(add11, float("nan"))


def test_fixed_points_split_is_invariant_and_its_test_set_is_fix_s(add11):
    s = symrfm.Split.fixed_points(add11, "s")
    check_partition(s)
    g = add11.symmetry_group()
    np.testing.assert_array_equal(s.test, g.fixed_points("s"))
    rep = s.symmetry()
    assert rep["stabilizer_name"] == "<s>" and rep["stabilizer_order"] == 2
    assert s.stabilizer().name == "<s>"
    assert s.spec == {"kind": "fixed-points", "subgroup": "<s>"}
    assert s.theory_subgroup() == "<s>"


def test_orbit_split_is_h_invariant(add11):
    s = symrfm.Split.orbit(add11, "s r^2", 0.4, seed=1)
    check_partition(s)
    h = add11.symmetry_group().subgroup("s r^2")
    assert h.leaves_invariant(s.train)
    assert abs(s.n_train - 0.4 * 121) <= 1


def test_edits_break_or_keep_the_symmetry(add11):
    base = symrfm.Split.fixed_points(add11, "s")
    broken = base.move_random(1, seed=0)
    check_partition(broken)
    assert broken.n_train == base.n_train - 1
    assert len(broken.moved_to_test) == 1
    assert broken.symmetry()["stabilizer_order"] == 1
    kept = base.move_orbits(3, seed=2)
    check_partition(kept)
    assert kept.n_test == base.n_test + 6 and kept.symmetry()["stabilizer_order"] >= 2
    # edits chain, in the order given
    k = int(base.train[0])
    edited = base.hold_out([k]).move_to_train([int(base.test[0])])
    check_partition(edited)
    assert [e["kind"] for e in edited.spec["edits"]] == ["hold-out", "move-to-train"]
    assert k in edited.test
    # the recorded spec rebuilds the same split
    again = symrfm.Split.from_spec(add11, broken.spec)
    np.testing.assert_array_equal(again.train, broken.train)
    # pairs by symbol values, like the CLI's a:b
    ho = base.hold_out("0:1")
    assert 1 in ho.test


def test_bad_edits_name_what_is_wrong(add11):
    base = symrfm.Split.fixed_points(add11, "s")
    with pytest.raises(ValueError):
        base.hold_out([int(base.test[0])])  # a test pair cannot be held out
    with pytest.raises(ValueError):
        base.move_random(10**6)
    with pytest.raises(ValueError):
        symrfm.Split.fixed_points(add11, "r^1")  # no reflection
    with pytest.raises(TypeError):
        base.hold_out([1.5])


def test_file_split(tmp_path, add11):
    s = symrfm.Split.random(add11, 0.5, 0)
    lines = ["a,b,label,is_train"]
    train = set(s.train.tolist())
    for k in range(121):
        a, b = divmod(k, 11)
        lines.append(f"{a},{b},{add11.labels[a, b]},{1 if k in train else 0}")
    p = tmp_path / "split.csv"
    p.write_text("\n".join(lines) + "\n")
    f = symrfm.Split.from_file(add11, p)
    np.testing.assert_array_equal(f.train, s.train)
    assert f.spec["kind"] == "file" and f.seed is None

"""numpy inputs of any dtype and layout: accepted when the conversion is exact, else rejected."""

import numpy as np
import pytest

import symrfm


@pytest.fixture(scope="module")
def task():
    return symrfm.Task("add", 5)


@pytest.fixture(scope="module")
def m(task):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((10, 10))
    return a @ a.T


def test_lossless_conversions_give_identical_results(task, m):
    ref = symrfm.decompose(m, task).analysis
    m32 = m.astype(np.float32)
    ref32 = symrfm.decompose(m32.astype(np.float64), task).analysis
    assert symrfm.decompose(m32, task).analysis == ref32
    assert symrfm.decompose(np.asfortranarray(m), task).analysis == ref
    big = np.zeros((20, 20))
    big[::2, ::2] = m
    view = big[::2, ::2]
    assert not view.flags.c_contiguous
    assert symrfm.decompose(view, task).analysis == ref
    assert symrfm.decompose(m.tolist(), task).analysis == ref
    ints = np.rint(m * 100).astype(np.int32)
    assert symrfm.decompose(ints, task).analysis == symrfm.decompose(ints.astype(float), task).analysis
    eye = np.eye(10, dtype=bool)
    assert symrfm.effective_rank(eye)["participation_ratio"] == pytest.approx(10)


def test_lossy_or_wrong_inputs_are_rejected(task, m):
    with pytest.raises(TypeError):
        symrfm.decompose(m.astype(complex), task)
    with pytest.raises(TypeError):
        symrfm.decompose(np.array([["a"] * 10] * 10), task)
    with pytest.raises(TypeError):
        symrfm.decompose(np.full((10, 10), 2**60, dtype=np.int64), task)
    if hasattr(np, "float128") and np.finfo(np.longdouble).eps < np.finfo(np.float64).eps:
        x = np.ones((10, 10), dtype=np.longdouble) + np.longdouble(2) ** -60
        with pytest.raises(TypeError):
            symrfm.decompose(x, task)
    with pytest.raises(ValueError):
        symrfm.decompose(np.zeros((10, 10, 1)), task)
    with pytest.raises(ValueError):
        symrfm.decompose(np.eye(8), task)  # wrong size for n = 5
    with pytest.raises(ValueError):
        symrfm.decompose([[1, 2], [3]], task)


def test_pair_inputs(small_run):
    t = small_run.task
    ref = small_run.predict([0, 5, 7])
    np.testing.assert_array_equal(small_run.predict(np.array([0, 5, 7], dtype=np.uint16)), ref)
    np.testing.assert_array_equal(small_run.predict(np.array([0.0, 5.0, 7.0])), ref)
    np.testing.assert_array_equal(small_run.predict([(0, 0), (0, 5), (0, 7)]), ref)
    np.testing.assert_array_equal(small_run.predict(np.array([[0, 5, 7]])[0, ::1]), ref)
    assert small_run.predict([]).shape == (0, t.n_classes)
    with pytest.raises(TypeError):
        small_run.predict([0.5])
    with pytest.raises(TypeError):
        small_run.predict(np.array([True, False]))
    with pytest.raises(ValueError):
        small_run.predict([-1])
    with pytest.raises(ValueError):
        small_run.predict([t.n_pairs])

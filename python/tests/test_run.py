"""run(): results, fitted model, callback, progress, interrupt, errors, GIL."""

import json
import signal
import sys
import threading

import numpy as np
import pytest

import symrfm


def test_result_holds_metrics_matrices_summary_and_report(small_run):
    r = small_run
    m = r.metrics
    assert set(m) == {"iter", "train_acc", "test_acc", "train_mse", "test_mse", "trace_m", "trace_m_next", "seconds", "solver"}
    assert m["iter"].tolist() == list(range(8)) and m["test_acc"].dtype == np.float64
    rep = r.report
    assert rep["kind"] == "run" and rep["complete"] and r.complete
    assert [it["test_acc"] for it in rep["iterations"]] == m["test_acc"].tolist()
    assert [t for t, _ in r.feature_matrices] == [4, 8]
    assert r.final_m.dtype == np.float64 and r.final_m.shape == (26, 26)
    assert r.final_m.flags.c_contiguous
    np.testing.assert_array_equal(r.m(8), np.array(rep["feature_matrices"][-1]["rows"]))
    with pytest.raises(KeyError):
        r.m(3)
    # tr(M_t) of the metrics matches the saved matrix
    assert np.trace(r.m(4)) == pytest.approx(m["trace_m"][4], rel=1e-12)
    s = r.summary
    assert s["final_test_acc"] == m["test_acc"][-1] and s["best_test_acc"] == m["test_acc"].max()
    assert r.final_analysis is not None and r.symmetry["stabilizer_order"] >= 1
    assert "RunResult(add on Z_13" in repr(r)


def test_model_predictions_reproduce_the_reported_accuracies(small_run):
    r = small_run
    t, split = r.task, r.split
    labels = t.labels.ravel()
    pred = r.predict_labels(split.test)
    acc = np.mean(pred == labels[split.test])
    assert acc == r.summary["final_test_acc"]
    np.testing.assert_array_equal(np.sort(split.test[pred == labels[split.test]]), r.test_correct)
    train_acc = np.mean(r.predict_labels(split.train) == labels[split.train])
    assert train_acc == r.summary["final_train_acc"]
    raw = r.predict(split.test[:3])
    assert raw.shape == (3, t.n_classes) and raw.dtype == np.float64
    # MSE over all entries against one-hot targets, as the report defines it
    out = r.predict(split.test)
    y = np.eye(t.n_classes)[labels[split.test]]
    assert np.mean((out - y) ** 2) == pytest.approx(r.metrics["test_mse"][-1], rel=1e-9)


def test_to_pandas(small_run):
    pd = pytest.importorskip("pandas")
    df = small_run.to_pandas()
    assert list(df.index) == list(range(8)) and "test_acc" in df.columns
    assert isinstance(df, pd.DataFrame)


def test_every_rfm_parameter_reaches_the_report():
    t = symrfm.Task("sub", 7)
    r = symrfm.run(
        t, symrfm.Split.random(t, 0.6, 3), kernel="laplace", bandwidth=1.5, ridge=1e-3, iters=3,
        agop_power=0.75, centering=False, save_every=1, threads=1, precision="f32", quiet=True,
    )
    p = r.report["params"]
    assert p == {"kernel": {"kind": "laplace", "bandwidth": 1.5}, "ridge": 1e-3, "iters": 3,
                 "agop_power": 0.75, "centering": False, "save_every": 1, "precision": "f32"}
    assert r.report["timings"]["threads"] == 1
    q = symrfm.run("mul", modulus=7, kernel="quadratic", iters=2, quiet=True)
    assert q.report["params"]["kernel"] == {"kind": "quadratic"}
    assert q.report["task"]["spec"]["operation"] == "mul"


def test_analysis_options(add11):
    r = symrfm.run(add11, symrfm.Split.fixed_points(add11).move_random(1), iters=3, structure=True,
                   symmetry_points=5, fourier_top_k=4, commutant_subgroup="s", quiet=True)
    rep = r.report
    assert len(rep["structure"]) == 4 and len(rep["symmetry_diagnostic"]) == 3
    assert rep["final_analysis"]["group"]["subgroup"]["name"] == "<s>"
    assert rep["final_analysis"]["blocks"]["top_k"] == 4
    assert rep["symmetry"]["theory"]["n_predicted"] == len(rep["symmetry"]["predicted"])


def test_init_m_from_array_result_or_file(tmp_path, small_run):
    t = small_run.task
    a = symrfm.run(t, small_run.split, iters=2, init_m=small_run.final_m, quiet=True)
    b = symrfm.run(t, small_run.split, iters=2, init_m=small_run, quiet=True)
    path = tmp_path / "run.json"
    small_run.save(path)
    c = symrfm.run(t, small_run.split, iters=2, init_m=path, quiet=True)
    assert c.report["init_m"] == str(path)
    for r in (a, b):
        assert r.metrics["test_acc"].tolist() == c.metrics["test_acc"].tolist()
        np.testing.assert_array_equal(r.final_m, c.final_m)


def test_callback_sees_every_iteration_and_false_stops():
    seen = []

    def cb(t, metrics):
        seen.append((t, metrics["test_acc"]))  # returns None: go on

    t = symrfm.Task("add", 7)
    r = symrfm.run(t, iters=10, callback=lambda i, m: (seen.append((i, m["test_acc"])), i < 2)[1], quiet=True)
    assert [i for i, _ in seen] == [0, 1, 2]
    assert not r.complete and len(r.metrics["iter"]) == 3
    assert r.report["complete"] is False
    seen.clear()
    r = symrfm.run(t, iters=4, callback=cb, quiet=True)
    assert r.complete and [i for i, _ in seen] == [0, 1, 2, 3]
    assert [a for _, a in seen] == r.metrics["test_acc"].tolist()


def test_keyboard_interrupt_from_callback_attaches_the_partial_result():
    def cb(t, m):
        if t == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as e:
        symrfm.run("add", modulus=7, iters=10, callback=cb, quiet=True)
    r = e.value.result
    assert isinstance(r, symrfm.RunResult) and not r.complete and len(r.metrics["iter"]) == 2
    assert r.has_model and r.predict([0]).shape == (1, 7)


def test_sigint_stops_at_the_end_of_the_iteration():
    def cb(t, m):
        if t == 2:
            signal.raise_signal(signal.SIGINT)

    with pytest.raises(KeyboardInterrupt) as e:
        symrfm.run("add", modulus=11, iters=20, callback=cb, quiet=True)
    assert len(e.value.result.metrics["iter"]) in (3, 4)
    assert e.value.result.report["complete"] is False


def test_other_callback_exceptions_propagate_with_the_result():
    def cb(t, m):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom") as e:
        symrfm.run("add", modulus=7, iters=5, callback=cb, quiet=True)
    assert len(e.value.result.metrics["iter"]) == 1


def test_progress_line_and_quiet(capfd):
    symrfm.run("add", modulus=7, iters=3, progress=False)
    err = capfd.readouterr().err
    assert "[  3/3]" in err and "test" in err
    symrfm.run("add", modulus=7, iters=3, quiet=True)
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(ridge=-1.0), "params.ridge"),
        (dict(ridge=float("nan")), "params.ridge"),
        (dict(bandwidth=0.0), "bandwidth"),
        (dict(iters=0), "params.iters"),
        (dict(iters=-3), "params.iters"),
        (dict(agop_power=11.0), "params.agop_power"),
        (dict(save_every=0), "params.save_every"),
        (dict(kernel="rbf"), "params.kernel"),
        (dict(precision="f16"), "params.precision"),
        (dict(fraction=0.0), "split.fraction"),
        (dict(threads=5000), "params.threads"),
        (dict(commutant_subgroup="q"), "element"),
    ],
)
def test_bad_parameters_raise_value_error_naming_parameter_and_value(kwargs, name):
    with pytest.raises(ValueError) as e:
        symrfm.run("add", modulus=7, iters=kwargs.pop("iters", 2), quiet=True, **kwargs)
    msg = str(e.value)
    assert name in msg and "allowed" in msg, msg


def test_wrong_types_raise_type_error():
    with pytest.raises(TypeError):
        symrfm.run("add", modulus=7, iters=2.5, quiet=True)
    with pytest.raises(TypeError):
        symrfm.run("add", modulus=7, ridge="0", quiet=True)
    with pytest.raises(TypeError):
        symrfm.run(split="random", quiet=True)
    with pytest.raises(ValueError):
        t = symrfm.Task("add", 7)
        symrfm.run(symrfm.Task("add", 5), symrfm.Split.random(t), quiet=True)


def test_numerical_failure_names_the_iteration():
    with pytest.raises(symrfm.NumericalError) as e:
        symrfm.run("add", modulus=7, bandwidth=1e-3, iters=3, quiet=True)
    assert e.value.iteration == 0 and "iteration 0" in str(e.value)
    assert isinstance(e.value, RuntimeError)
    with pytest.raises(MemoryError):
        symrfm.run("add", modulus=61, max_memory=1, quiet=True)


def test_the_gil_is_released_while_training():
    # Deterministic, not timed: with a switch interval of 1000 s the interpreter never takes the
    # GIL from a thread that holds it, so the main thread runs Python again only when the training
    # thread releases the GIL (in Rust, between callbacks). The callback stops the run once the
    # main thread has run. Were the GIL held while training, the main thread could not run before
    # all iterations were done, and the run would not stop early.
    iters = 400
    started, main_ran = threading.Event(), threading.Event()
    seen = []

    def cb(i, m):
        seen.append(i)
        started.set()
        return not main_ran.is_set()

    old = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    try:
        th = threading.Thread(target=lambda: symrfm.run("add", modulus=7, iters=iters, callback=cb, quiet=True))
        th.start()
        assert started.wait(timeout=600)
        main_ran.set()
        th.join()
    finally:
        sys.setswitchinterval(old)
    assert 1 <= len(seen) < iters, len(seen)


def test_compare_symmetric_vs_broken():
    c = symrfm.compare("add", modulus=13, iters=12, quiet=True)
    assert c.twin_label == "broken" and len(c.moved) == 1
    assert c.symmetric.split.symmetry()["stabilizer_name"] == "<s>"
    v = c.verdict
    assert v["symmetric"]["outcome"] in ("trapped", "partial", "generalizes") and v["text"]
    assert c.report["symmetric"]["symmetry"]["theory"] is not None
    o = symrfm.compare("add", modulus=13, iters=3, move_orbits=2, reflection="s r^2", quiet=True)
    assert o.twin_label == "orbits-moved" and len(o.moved) == 4
    assert o.twin.report["symmetry"]["stabilizer_order"] >= 2
    with pytest.raises(ValueError, match="reflection"):
        symrfm.compare("add", modulus=13, reflection="r^2", quiet=True)

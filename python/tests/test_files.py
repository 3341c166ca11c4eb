"""load() of every file symrfm writes, and save/load round trips."""

import json

import numpy as np
import pytest

import symrfm
from conftest import strip_timings


def test_run_round_trip(tmp_path, small_run):
    p = tmp_path / "run.json"
    small_run.save(p)
    r = symrfm.load(p)
    assert isinstance(r, symrfm.RunResult) and not r.has_model
    assert r.report == small_run.report
    assert r.metrics["test_acc"].tolist() == small_run.metrics["test_acc"].tolist()
    np.testing.assert_array_equal(r.final_m, small_run.final_m)
    assert r.task == small_run.task
    np.testing.assert_array_equal(r.split.train, small_run.split.train)
    r.save(tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == p.read_bytes()
    with pytest.raises(RuntimeError, match="model"):
        r.predict([0])


def test_a_saved_model_survives_save_and_load(tmp_path):
    t = symrfm.Task("add", 11)
    r = symrfm.run(t, iters=4, save_model=True, quiet=True)
    r.save(tmp_path / "m.json")
    back = symrfm.load(tmp_path / "m.json")
    assert back.has_model
    pairs = np.arange(t.n_pairs)
    np.testing.assert_array_equal(back.predict(pairs), r.predict(pairs))
    test = r.split.test
    acc = np.mean(back.predict_labels(test) == t.labels.ravel()[test])
    assert acc == r.summary["final_test_acc"]


def test_compare_decompose_matrix_round_trips(tmp_path):
    c = symrfm.compare("add", modulus=7, iters=3, quiet=True)
    c.save(tmp_path / "c.json")
    c2 = symrfm.load(tmp_path / "c.json")
    assert isinstance(c2, symrfm.CompareResult) and c2.report == c.report
    assert c2.symmetric.report == c.symmetric.report and c2.verdict == c.verdict
    c.symmetric.save(tmp_path / "run.json")
    d = symrfm.decompose(tmp_path / "run.json")
    d.save(tmp_path / "d.json")
    d2 = symrfm.load(tmp_path / "d.json")
    assert isinstance(d2, symrfm.Decomposition) and d2.analysis == d.analysis and d2.report == d.report
    np.save(tmp_path / "m.npy", c.twin.final_m)
    np.testing.assert_array_equal(symrfm.load(tmp_path / "m.npy"), c.twin.final_m)
    (tmp_path / "m.json").write_text(json.dumps(c.twin.final_m.tolist()))
    np.testing.assert_array_equal(symrfm.load(tmp_path / "m.json"), c.twin.final_m)


def test_sweep_results(cli, tmp_path):
    grid = {"base": {"task": {"modulus": 7}, "params": {"iters": 2}},
            "axes": {"split.seed": [0, 1]}}
    (tmp_path / "g.json").write_text(json.dumps(grid))
    cli("sweep", "g.json", "-o", "res.jsonl", "-q", "-j", "1")
    lines = symrfm.load(tmp_path / "res.jsonl")
    assert isinstance(lines, symrfm.SweepResults) and len(lines) == 2 == len(lines.ok())
    assert lines[0]["outcome"]["summary"]["final_train_acc"] == 1.0
    # a sweep job is a run: the same configuration through Python gives the same curve
    r = symrfm.run("add", modulus=7, iters=2, seed=1, quiet=True)
    line = [l for l in lines if l["config"]["split"]["seed"] == 1][0]
    assert line["outcome"]["curves"]["test_acc"] == r.metrics["test_acc"].tolist()
    pytest.importorskip("pandas")
    assert len(lines.to_pandas()) == 2


def test_bad_files_raise_value_error(tmp_path):
    (tmp_path / "x.json").write_text("{\"kind\": \"run\"}")
    with pytest.raises(ValueError, match="x.json"):
        symrfm.load(tmp_path / "x.json")
    (tmp_path / "y.json").write_text("not json")
    with pytest.raises(ValueError):
        symrfm.load(tmp_path / "y.json")
    with pytest.raises(ValueError):
        symrfm.load(tmp_path / "missing.json")

"""Parity with the CLI: the same configuration through `symrfm` (the binary) and through Python
gives identical JSON apart from timings and the command line — metrics and every M exactly."""

import json

import numpy as np
import pytest

import symrfm
from conftest import strip_timings


def same_run(cli_json: dict, py: symrfm.RunResult, py_saved: dict):
    a, b, c = strip_timings(cli_json), strip_timings(py.report), strip_timings(py_saved)
    assert b == c  # save() writes the report
    assert a.keys() == b.keys()
    for k in a:
        assert a[k] == b[k], k
    # and the arrays handed to Python are the same numbers
    assert py.metrics["test_acc"].tolist() == [it["test_acc"] for it in cli_json["iterations"]]
    for (t, m), rec in zip(py.feature_matrices, cli_json["feature_matrices"]):
        assert t == rec["t"]
        np.testing.assert_array_equal(m, np.array(rec["rows"]))


CASES = [
    (["-p", "13", "--iters", "6"], dict(task="add", modulus=13, iters=6)),
    (
        ["--task", "mul", "-p", "11", "--iters", "4", "--kernel", "laplace", "--bandwidth", "2",
         "--ridge", "1e-6", "--agop-power", "0.6", "--no-centering", "--save-every", "2",
         "--train-frac", "0.4", "--seed", "3"],
        dict(task="mul", modulus=11, iters=4, kernel="laplace", bandwidth=2.0, ridge=1e-6,
             agop_power=0.6, centering=False, save_every=2, fraction=0.4, seed=3),
    ),
    (
        ["--task", "sub", "-p", "11", "--iters", "3", "--kernel", "quadratic", "--precision", "f32"],
        dict(task="sub", modulus=11, iters=3, kernel="quadratic", precision="f32"),
    ),
    (
        ["--task", "add", "--group", "3x5", "--iters", "3", "--structure", "--fourier-top-k", "5",
         "--commutant-subgroup", "s"],
        dict(task=symrfm.Task("add", 61, group=(3, 5)), iters=3, structure=True, fourier_top_k=5,
             commutant_subgroup="s"),
    ),
    (["--task", "x2+y2", "-p", "7", "--iters", "3"], dict(task="x2+y2", modulus=7, iters=3)),
    (["--task", "mul", "-p", "7", "--keep-zero", "--iters", "2"],
     dict(task=symrfm.Task("mul", 7, keep_zero=True), iters=2)),
]


@pytest.mark.parametrize("args, kwargs", CASES, ids=[" ".join(a[:4]) for a, _ in CASES])
def test_run_matches_the_cli(cli, tmp_path, args, kwargs):
    cli("run", *args, "--out", "cli.json", "-q")
    cli_json = json.loads((tmp_path / "cli.json").read_text())
    r = symrfm.run(quiet=True, **kwargs)
    r.save(tmp_path / "py.json")
    same_run(cli_json, r, json.loads((tmp_path / "py.json").read_text()))


def test_symmetric_and_edited_splits_match_the_cli(cli, tmp_path):
    t = symrfm.Task("add", 13)
    cases = [
        (["--split", "fixed-points", "--reflection", "s r^3", "--move-random", "2", "--seed", "1"],
         symrfm.Split.fixed_points(t, "s r^3").move_random(2, seed=1)),
        (["--split", "orbit", "--subgroup", "s", "--train-frac", "0.5", "--seed", "2", "--move-orbits", "3"],
         symrfm.Split.orbit(t, "s", 0.5, seed=2).move_orbits(3, seed=2)),
        (["--split", "fixed-points", "--hold-out", "1:2", "--move-to-train", "0:0"],
         symrfm.Split.fixed_points(t).hold_out("1:2").move_to_train("0:0")),
    ]
    for k, (args, split) in enumerate(cases):
        out = f"cli{k}.json"
        cli("run", "-p", "13", "--iters", "4", *args, "--out", out, "-q")
        cli_json = json.loads((tmp_path / out).read_text())
        r = symrfm.run(t, split, iters=4, quiet=True)
        r.save(tmp_path / f"py{k}.json")
        same_run(cli_json, r, json.loads((tmp_path / f"py{k}.json").read_text()))
        assert r.report["symmetry"]["theory"] is not None


def test_warm_start_with_init_m_and_theory_subgroup(cli, tmp_path):
    t = symrfm.Task("add", 11)
    cli("run", "-p", "11", "--split", "fixed-points", "--reflection", "s r^5", "--iters", "5", "--out", "sym.json", "-q")
    cli("run", "-p", "11", "--init-m", "sym.json", "--reflection", "s r^5", "--iters", "1", "--ridge", "1e-8", "--out", "warm.json", "-q")
    sym = symrfm.run(t, symrfm.Split.fixed_points(t, "s r^5"), iters=5, quiet=True)
    sym_json = json.loads((tmp_path / "sym.json").read_text())
    assert strip_timings(sym.report) == strip_timings(sym_json)
    warm = symrfm.run(t, iters=1, ridge=1e-8, init_m=tmp_path / "sym.json", theory_subgroup="s r^5", quiet=True)
    warm_json = json.loads((tmp_path / "warm.json").read_text())
    a, b = strip_timings(warm.report), strip_timings(warm_json)
    a.pop("init_m"), b.pop("init_m")
    assert a == b


def test_compare_matches_the_cli(cli, tmp_path):
    cli("compare", "-p", "11", "--iters", "5", "--move-random", "2", "--seed", "1", "--out", "cmp.json", "-q")
    c = symrfm.compare("add", modulus=11, iters=5, move_random=2, seed=1, quiet=True)
    c.save(tmp_path / "py.json")
    cli_json = json.loads((tmp_path / "cmp.json").read_text())
    py_json = json.loads((tmp_path / "py.json").read_text())
    assert strip_timings(py_json) == strip_timings(cli_json) == strip_timings(c.report)
    cli("compare", "-p", "11", "--iters", "3", "--split", "orbit", "--subgroup", "r^0,s", "--move-orbits", "2", "--out", "cmp2.json", "-q")
    c2 = symrfm.compare("add", modulus=11, iters=3, split="orbit", subgroup="r^0,s", move_orbits=2, quiet=True)
    assert strip_timings(c2.report) == strip_timings(json.loads((tmp_path / "cmp2.json").read_text()))


def test_decompose_matches_the_cli(cli, tmp_path, small_run):
    small_run.save(tmp_path / "run.json")
    cli("decompose", "run.json", "--subgroup", "s", "--fourier-top-k", "3", "--out", "dec.json", "-q")
    d = symrfm.decompose(tmp_path / "run.json", subgroup="s", top_k=3)
    cli_json = json.loads((tmp_path / "dec.json").read_text())
    assert d.analysis == cli_json["analysis"]
    d.save(tmp_path / "py-dec.json")
    py_json = json.loads((tmp_path / "py-dec.json").read_text())
    for k in ("command_line", "source"):
        cli_json.pop(k), py_json.pop(k)
    assert py_json == cli_json
    # a bare .npy needs the task
    np.save(tmp_path / "m.npy", small_run.final_m)
    cli("decompose", "m.npy", "-p", "13", "--out", "dec2.json", "-q")
    d2 = symrfm.decompose(tmp_path / "m.npy", small_run.task)
    assert d2.analysis == json.loads((tmp_path / "dec2.json").read_text())["analysis"]
    assert symrfm.decompose(small_run.final_m, small_run.task).analysis == d2.analysis

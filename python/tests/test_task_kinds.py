"""Every task kind of the CLI from Python, and splits under subgroups of the computed Sym_f:
the same run JSON as the CLI, and label tables checked against a naive reference."""

import json
import math

import numpy as np
import pytest

import symrfm
from conftest import strip_timings


def run_both(cli, tmp_path, cli_args, task, split=None, iters=2):
    cli("run", *cli_args, "--iters", str(iters), "--out", "cli.json", "-q", "--force")
    expected = json.loads((tmp_path / "cli.json").read_text())
    r = symrfm.run(task, split, iters=iters, quiet=True)
    assert strip_timings(r.report) == strip_timings(expected)
    return r


CASES = [
    (["--task", "mul", "--group", "S3"], lambda: symrfm.Task("mul", group="S3")),
    (["--task", "div", "--group", "Q8"], lambda: symrfm.Task("div", group="Q8")),
    (["--task", "conj", "--group", "D4"], lambda: symrfm.Task("conj", group="D4")),
    (["--task", "aba", "--group", "S3"], lambda: symrfm.Task("aba", group="S3")),
    (["--task", "add", "--group", "Z6"], lambda: symrfm.Task("add", group="Z6")),
    (["--task", "add", "--group", "2x3"], lambda: symrfm.Task("add", group="2x3")),
    (["--task", "graph-distance", "--graph", "cycle:8"], lambda: symrfm.Task("graph-distance", graph="cycle:8")),
    (["--task", "graph-distance", "--graph", "petersen"], lambda: symrfm.Task("graph-distance", graph="petersen")),
    (["--task", "sign", "-p", "7"], lambda: symrfm.Task("sign", 7)),
    (["--task", "max", "-p", "7"], lambda: symrfm.Task("max", 7)),
    (["--task", "abs-diff", "-p", "7"], lambda: symrfm.Task("abs-diff", 7)),
    (["--task", "x3+xy2+y", "-p", "7"], lambda: symrfm.Task("x3+xy2+y", 7)),
    (["--task", "parity-mul", "-p", "7"], lambda: symrfm.Task("parity-mul", 7)),
    (["--task", "parity-sub", "-p", "7"], lambda: symrfm.Task("parity-sub", 7)),
]


@pytest.mark.parametrize("args, make", CASES, ids=[" ".join(a) for a, _ in CASES])
def test_every_task_kind_runs_as_the_cli(cli, tmp_path, args, make):
    run_both(cli, tmp_path, args, make())


def test_labels_against_a_naive_reference():
    n = 7
    a, b = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    np.testing.assert_array_equal(symrfm.Task("sign", n).labels, np.sign(a - b) + 1)
    np.testing.assert_array_equal(symrfm.Task("max", n).labels, np.maximum(a, b))
    np.testing.assert_array_equal(symrfm.Task("abs-diff", n).labels, np.abs(a - b))
    np.testing.assert_array_equal(symrfm.Task("parity-sub", n).labels, np.where(a % 2 == 0, a + b, a - b) % n)
    cycle = symrfm.Task("graph-distance", graph="cycle:8")
    d = np.abs(np.arange(8)[:, None] - np.arange(8)[None, :])
    np.testing.assert_array_equal(cycle.labels, np.minimum(d, 8 - d))
    s4 = symrfm.Task("mul", group="S4")
    assert s4.n_symbols == math.factorial(4)
    assert all(sorted(row) == list(range(24)) for row in s4.labels.tolist())  # a Latin square


def test_table_from_an_array_and_from_a_csv(cli, tmp_path):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, size=(6, 6))
    t = symrfm.Task.from_table(labels, tmp_path / "t.csv")
    np.testing.assert_array_equal(t.labels, labels)
    assert t.n_classes == 3
    assert symrfm.Task.from_table(tmp_path / "t.csv") == t
    assert symrfm.Task("table", table=str(tmp_path / "t.csv")) == t
    run_both(cli, tmp_path, ["--task", "table", "--table", str(tmp_path / "t.csv")], t)
    # an array without a path: a temporary file, the same labels
    np.testing.assert_array_equal(symrfm.Task.from_table(labels).labels, labels)
    named = symrfm.Task.from_table(labels, tmp_path / "n.csv", names=list("abcdef"))
    assert named.symbols == list("abcdef")
    with pytest.raises(ValueError, match="n × n"):
        symrfm.Task.from_table(np.zeros((2, 3), dtype=int))
    with pytest.raises(TypeError):
        symrfm.Task.from_table(np.zeros((2, 2)) + 0.5)


def test_splits_under_subgroups_of_sym_f_run_as_the_cli(cli, tmp_path):
    t = symrfm.Task("graph-distance", graph="cycle:8")
    with pytest.raises(ValueError, match=r"split\.subgroup"):
        symrfm.Split.fixed_points(t, "no-such-element")
    s3 = symrfm.Task("mul", group="S3")
    name = "r^{(1 2 3)}"
    split = symrfm.Split.orbit(s3, name, 0.5, seed=1)
    r = run_both(cli, tmp_path, ["--task", "mul", "--group", "S3", "--split", "orbit", "--subgroup", name,
                                 "--train-frac", "0.5", "--seed", "1"], s3, split)
    report = split.symmetry(name)
    assert report is not None
    assert report["stabilizer"] == r.report["symmetry"]["stabilizer"]


def test_compare_on_a_non_abelian_group_matches_the_cli(cli, tmp_path):
    name = "r^{(1 2 3)}"
    cli("compare", "--task", "mul", "--group", "S3", "--split", "orbit", "--subgroup", name,
        "--move-orbits", "1", "--iters", "2", "--out", "cmp.json", "-q", "--force")
    expected = json.loads((tmp_path / "cmp.json").read_text())
    c = symrfm.compare(symrfm.Task("mul", group="S3"), split="orbit", subgroup=name, move_orbits=1,
                       iters=2, quiet=True)
    assert strip_timings(c.report) == strip_timings(expected)
    assert "orbits" in c.twin_edit


def test_compare_passes_interventions_to_both_runs():
    c = symrfm.compare("add", modulus=11, iters=2, quiet=True, exact_symmetry=True,
                       interventions=[symrfm.Commutant("r", strength=0.5)])
    for r in (c.symmetric, c.twin):
        assert r.report["params"]["exact_symmetry"] is True
        assert r.report["params"]["interventions"] == [{"kind": "commutant", "subgroup": "r", "strength": 0.5}]
    assert np.max(c.symmetric.asymmetry[1:]) <= 1e-12


@pytest.mark.parametrize(
    "args, make, search",
    [
        (["--task", "graph-distance", "--graph", "cycle:8"], lambda: symrfm.Task("graph-distance", graph="cycle:8"), False),
        (["--task", "mul", "--group", "S3", "--search"], lambda: symrfm.Task("mul", group="S3"), True),
        (["--task", "sign", "-p", "7"], lambda: symrfm.Task("sign", 7), False),
    ],
)
def test_sym_f_is_what_the_cli_writes(cli, tmp_path, args, make, search):
    cli("symmetry", *args, "--out", "sym.json", "--force")
    expected = json.loads((tmp_path / "sym.json").read_text())
    expected.pop("command_line", None)
    got = make().sym_f(search=search)
    assert got == expected
    # Independent checks: every listed element preserves every label, and the order is the count.
    labels = make().labels
    n = labels.shape[0]
    assert int(got["order"]) == len(got["elements"])
    for e in got["elements"]:
        perm = e["permutation"]
        for a in range(n):
            for b in range(n):
                # x(a, b) has ones at coordinates a and n + b; the image of the pair is read off the
                # images of those two coordinates.
                ia, ib = perm[a], perm[n + b]
                pa, pb = (ia, ib - n) if ia < n else (ib, ia - n)
                assert labels[pa, pb] == labels[a, b]

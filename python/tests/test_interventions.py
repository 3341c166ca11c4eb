"""Interventions on M, the choice of M_0, trap dynamics, stored predictions and resuming a run:
each against the CLI (same JSON apart from timings and the command line) or an independent
property."""

import json

import numpy as np
import pytest

import symrfm
from conftest import strip_timings


def cli_json(cli, tmp_path, *args):
    cli("run", *args, "--out", "cli.json", "-q", "--force")
    return json.loads((tmp_path / "cli.json").read_text())


def test_intervention_run_matches_the_cli(cli, tmp_path):
    t = symrfm.Task("add", 11)
    expected = cli_json(
        cli, tmp_path, "-p", "11", "--iters", "5", "--split", "fixed-points", "--reflection", "s",
        "--move-random", "1", "--project", "commutant:r", "--project", "group-algebra:s",
        "--project-strength", "0.5", "--project-from", "1", "--project-every", "2",
        "--save-predictions",
    )
    r = symrfm.run(
        t, symrfm.Split.fixed_points(t, "s").move_random(1), iters=5, quiet=True,
        interventions=[
            symrfm.Commutant("r", strength=0.5, start=1, every=2),
            {"kind": "group-algebra", "subgroup": "s", "strength": 0.5, "start": 1, "every": 2},
        ],
        save_predictions=True,
    )
    assert strip_timings(r.report) == strip_timings(expected)
    assert r.report["params"]["interventions"][0] == {
        "kind": "commutant", "subgroup": "r", "strength": 0.5, "from": 1, "every": 2,
    }
    # the trap record as arrays
    trap = expected["trap"]
    assert r.asymmetry.tolist() == trap["asymmetry"]
    assert len(r.asymmetry) == 6  # M_0 … M_5
    assert r.broken_at == trap.get("broken_at")
    assert r.growth_rate == trap.get("growth_rate")
    # the predictions: one row per test pair, argmax = the recorded correctness
    p = r.predictions
    assert p.t == 4
    np.testing.assert_array_equal(p.pairs, r.split.test)
    assert p.outputs.shape == (r.split.n_test, t.n_classes)
    labels = t.labels.ravel()[p.pairs]
    correct = p.pairs[np.argmax(p.outputs, axis=1) == labels]
    np.testing.assert_array_equal(correct, r.test_correct)
    assert p.outputs.tolist() == expected["predictions"]["outputs"]


def test_enforce_circulant_and_random_circulant_init_match_the_cli(cli, tmp_path):
    expected = cli_json(
        cli, tmp_path, "-p", "11", "--iters", "3", "--enforce-circulant", "--init",
        "random-circulant", "--init-seed", "3", "--perturb", "1e-6",
    )
    r = symrfm.run("add", modulus=11, iters=3, quiet=True, interventions=[symrfm.EnforceCirculant()],
                   init="random-circulant", init_seed=3, perturb=1e-6)
    assert strip_timings(r.report) == strip_timings(expected)
    assert r.report["init"] == {"kind": "random-circulant", "seed": 3, "perturb": 1e-6}


def test_random_circulant_init_is_reproducible_from_its_seed():
    def go(seed):
        return symrfm.run("add", modulus=11, iters=2, quiet=True, init="random-circulant", init_seed=seed)

    a, b, c = go(5), go(5), go(6)
    assert strip_timings(a.report) == strip_timings(b.report)
    np.testing.assert_array_equal(a.final_m, b.final_m)
    assert a.report["init_m"] == "random-circulant"
    # another seed is another M_0 (tr M_0 differs, and so does M_2)
    assert not np.array_equal(a.final_m, c.final_m)
    identity = symrfm.run("add", modulus=11, iters=2, quiet=True)
    assert identity.metrics["trace_m"][0] == 22.0  # tr I
    assert a.metrics["trace_m"][0] != 22.0


def test_exact_symmetry_keeps_a_fixed_points_split_symmetric():
    t = symrfm.Task("add", 11)
    split = symrfm.Split.fixed_points(t, "s")
    # a perturbed M_0 is asymmetric; the projection after every update removes it
    kw = dict(iters=6, quiet=True, perturb=1e-6, init_seed=1)
    exact = symrfm.run(t, split, exact_symmetry=True, **kw)
    plain = symrfm.run(t, split, **kw)
    assert exact.trap["stabilizer"] == "<s>"
    assert exact.asymmetry[0] > 1e-8  # M_0 itself is perturbed
    assert np.max(exact.asymmetry[1:]) <= 1e-12
    assert exact.broken_at is None
    assert np.max(plain.asymmetry[1:]) > 1e-9  # without the projection the asymmetry persists
    assert exact.report["params"]["exact_symmetry"] is True
    assert "exact_symmetry" not in plain.report["params"]
    # the trapped test accuracy stays trapped
    assert exact.summary["final_test_acc"] < 0.5


def test_resume_is_the_uninterrupted_run(cli, tmp_path):
    t = symrfm.Task("add", 11)
    kw = dict(iters=6, save_every=2, quiet=True, interventions=[symrfm.Commutant("s", strength=0.3)])
    full = symrfm.run(t, symrfm.Split.fixed_points(t, "s").move_random(1), **kw)
    part = symrfm.run(t, symrfm.Split.fixed_points(t, "s").move_random(1), **{**kw, "iters": 3})
    resumed = part.resume(6, quiet=True)
    assert strip_timings(resumed.report) == strip_timings(full.report)
    assert resumed.asymmetry.tolist() == full.asymmetry.tolist()
    assert len(part.metrics["iter"]) == 3  # the source is unchanged
    # from a file, as `symrfm run --resume FILE --iters 6`
    part.save(tmp_path / "part.json")
    from_file = symrfm.resume(tmp_path / "part.json", 6, quiet=True)
    assert strip_timings(from_file.report) == strip_timings(full.report)
    cli("run", "--resume", "part.json", "--iters", "6", "-q")
    assert strip_timings(json.loads((tmp_path / "part.json").read_text())) == strip_timings(full.report)
    with pytest.raises(ValueError, match="params.iters"):
        full.resume(6, quiet=True)
    structured = symrfm.run(t, iters=2, structure=True, quiet=True)
    with pytest.raises(ValueError, match="analysis.structure"):
        structured.resume(3, quiet=True)


def test_eigen_matches_decompose_eigen_of_the_cli(cli, tmp_path, small_run):
    small_run.save(tmp_path / "run.json")
    cli("decompose", "run.json", "--eigen", "5", "--out", "dec.json", "-q")
    expected = json.loads((tmp_path / "dec.json").read_text())
    e = symrfm.eigen(tmp_path / "run.json", k=5)
    assert e.raw == expected["eigen"]
    assert small_run.eigen(5).raw == expected["eigen"]
    # the arrays are the JSON's numbers, and they are eigenpairs of M
    m = small_run.final_m
    n = small_run.task.n_symbols
    assert e.vectors.shape == (5, 2 * n) and e.left_energy.shape == (5, n)
    np.testing.assert_allclose(m @ e.vectors.T, e.vectors.T * e.eigenvalues, atol=1e-9)
    np.testing.assert_allclose(e.spectrum, np.sort(np.linalg.eigvalsh(m))[::-1], atol=1e-9)
    # energies: |DFT|² / (n ‖v‖²) per block, summing to 1 over both blocks
    v = e.vectors[0]
    left = np.abs(np.fft.fft(v[:n])) ** 2 / n
    np.testing.assert_allclose(e.left_energy[0], left, atol=1e-12)
    np.testing.assert_allclose(e.left_energy.sum(1) + e.right_energy.sum(1), 1.0, atol=1e-12)
    assert e.dominant_frequency_names == [f["dominant_frequency_name"] for f in expected["eigen"]["leading"]]
    # decompose(eigen=K) writes the CLI's file
    d = symrfm.decompose(tmp_path / "run.json", eigen=5)
    assert d.eigen.raw == expected["eigen"]
    d.save(tmp_path / "py-dec.json")
    py_json = json.loads((tmp_path / "py-dec.json").read_text())
    for k in ("command_line", "source"):
        expected.pop(k), py_json.pop(k)
    assert py_json == expected


@pytest.mark.parametrize(
    "kwargs, parameter",
    [
        (dict(interventions=[symrfm.Commutant("r", strength=1.5)]), "params.interventions.strength"),
        (dict(interventions=[symrfm.Commutant("r", every=0)]), "params.interventions.every"),
        (dict(interventions=[symrfm.Commutant("q^2")]), "params.interventions.subgroup"),
        (dict(interventions=[{"kind": "flip"}]), "params.interventions.kind"),
        (dict(init="random"), "init.kind"),
        (dict(perturb=-1.0), "init.perturb"),
        (dict(init="random-circulant", init_m=np.eye(22)), "init.kind"),
    ],
)
def test_bad_parameters_raise_value_error_naming_the_spec_parameter(kwargs, parameter):
    kwargs = {"modulus": 11, "iters": 1, "quiet": True, **kwargs}
    with pytest.raises(ValueError, match=parameter.replace(".", r"\.")) as e:
        symrfm.run(**kwargs)
    assert getattr(e.value, "parameter", parameter) == parameter


def test_eigen_and_task_errors_name_the_parameter(small_run):
    with pytest.raises(ValueError, match="eigen"):
        symrfm.eigen(small_run, k=0)
    with pytest.raises(ValueError, match=r"task\.modulus"):
        symrfm.Task("mul", 11, group="S4")
    with pytest.raises(ValueError, match=r"task\.operation"):
        symrfm.Task("pow", 11)

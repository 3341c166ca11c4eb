"""Networks trained in float32 from Python: ``run(..., model=..., precision="f32")`` equals
``symrfm run --model mlp --precision f32``, records ``net.precision``, keeps float32 weights (written
as float64) and resumes bit for bit; a bad precision is refused naming ``net.precision``."""

import json

import numpy as np
import pytest

import symrfm
from test_network import strip_network_timings


def test_an_f32_network_run_matches_the_cli_and_records_its_precision(cli, tmp_path):
    cli("run", "-p", "11", "--model", "mlp", "--width", "16", "--steps", "60", "--eval-every", "20",
        "--precision", "f32", "-q", "--out", "cli.json")
    cli_json = json.loads((tmp_path / "cli.json").read_text())
    t = symrfm.Task("add", 11)
    r = symrfm.run(t, model="mlp", width=16, steps=60, eval_every=20, precision="f32", quiet=True)
    assert strip_network_timings(cli_json) == strip_network_timings(r.report)
    assert r.network["params"]["precision"] == "f32"
    assert "precision" not in r.report["params"]
    w = np.asarray(r.network["resume"]["weights"])
    np.testing.assert_array_equal(w.astype(np.float32).astype(np.float64), w)
    r64 = symrfm.run(t, model="mlp", width=16, steps=60, eval_every=20, quiet=True)
    assert "precision" not in r64.network["params"]
    assert not np.array_equal(np.asarray(r64.network["resume"]["weights"]), w)


def test_an_f32_transformer_resumes_bit_for_bit():
    t = symrfm.Task("add", 7)
    kw = dict(model="transformer", d_model=16, heads=2, d_head=8, d_mlp=32, batch=0, loss="ce",
              eval_every=5, precision="f32", quiet=True)
    full = symrfm.run(t, steps=20, **kw)
    part = symrfm.run(t, steps=10, **kw)
    joined = symrfm.resume(part, steps=20, quiet=True)
    assert joined.network["params"]["precision"] == "f32"
    assert strip_network_timings(joined.report) == strip_network_timings(full.report)


def test_a_bad_network_precision_is_named():
    with pytest.raises(ValueError, match="net.precision"):
        symrfm.run(symrfm.Task("add", 7), model="mlp", precision="f16", steps=5, quiet=True)

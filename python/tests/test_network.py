"""Networks from Python: symrfm.run(..., model="mlp") equals `symrfm run --model mlp`, the callback
and interrupt behave as for RFM runs, and a split exports to CSV (byte-equal to `symrfm split`) and to
one-hot arrays."""

import json

import numpy as np
import pytest

import symrfm
from conftest import strip_timings


def strip_network_timings(report: dict) -> dict:
    out = strip_timings(report)
    net = dict(out["network"])
    net["steps"] = [{k: v for k, v in s.items() if k != "seconds"} for s in net["steps"]]
    net.pop("seconds")
    out["network"] = net
    return out


def test_network_run_matches_the_cli(cli, tmp_path):
    cli("run", "-p", "11", "--model", "mlp", "--width", "16", "--steps", "120", "--eval-every", "40",
        "--agop-every", "60", "--net-seed", "2", "-q", "--out", "cli.json")
    cli_json = json.loads((tmp_path / "cli.json").read_text())
    t = symrfm.Task("add", 11)
    r = symrfm.run(t, model="mlp", width=16, steps=120, eval_every=40, agop_every=60, net_seed=2, quiet=True)
    assert strip_network_timings(cli_json) == strip_network_timings(r.report)
    m = r.network_metrics
    assert m["step"].tolist() == [0, 40, 80, 120]
    assert np.isnan(m["batch_loss"][0]) and not np.isnan(m["batch_loss"][1])
    feats = r.network_features()
    assert [f["step"] for f in feats] == [0, 60, 120]
    np.testing.assert_array_equal(r.final_m, feats[-1]["nfm"])
    assert feats[-1]["agop"].shape == (22, 22)


def test_network_callback_stops_and_sees_every_evaluation():
    t = symrfm.Task("add", 7)
    seen = []

    def cb(step, record):
        seen.append((step, record["test_acc"]))
        return step < 20

    r = symrfm.run(t, model="mlp", width=8, steps=100, eval_every=10, callback=cb, quiet=True)
    assert not r.complete
    assert [s for s, _ in seen] == [0, 10, 20]
    assert r.network_metrics["step"].tolist() == [0, 10, 20]


def test_network_callback_exception_carries_the_partial_result():
    t = symrfm.Task("add", 7)

    def cb(step, record):
        if step >= 10:
            raise RuntimeError("stop here")

    with pytest.raises(RuntimeError) as e:
        symrfm.run(t, model="mlp", width=8, steps=100, eval_every=10, callback=cb, quiet=True)
    assert e.value.result.network_metrics["step"].tolist() == [0, 10]


def test_bad_network_values_name_the_parameter():
    t = symrfm.Task("add", 7)
    with pytest.raises(ValueError, match="net.width"):
        symrfm.run(t, model="mlp", width=0, steps=10, quiet=True)
    with pytest.raises(ValueError, match="net.init"):
        symrfm.run(t, model="mlp", net_init="banana", steps=10, quiet=True)


def test_arguments_of_the_other_model_family_are_refused():
    t = symrfm.Task("add", 7)
    with pytest.raises(ValueError, match=r"iters: 3 .*RFM runs only.*model='mlp'"):
        symrfm.run(t, model="mlp", iters=3, steps=10, quiet=True)
    with pytest.raises(ValueError, match="structure"):
        symrfm.run(t, model="transformer", structure=True, steps=10, quiet=True)
    with pytest.raises(ValueError, match=r"model: 'rfm'.*width=16"):
        symrfm.run(t, width=16, iters=2, quiet=True)
    # Shared arguments are accepted by both.
    assert symrfm.run(t, model="mlp", width=8, steps=4, threads=1, quiet=True).complete
    assert symrfm.run(t, iters=2, threads=1, quiet=True).complete


def test_split_to_csv_is_byte_equal_to_the_cli(cli, tmp_path):
    t = symrfm.Task("add", 11)
    s = symrfm.Split.random(t, 0.4, 3)
    cli("split", "-p", "11", "--train-frac", "0.4", "--seed", "3", "--out", "cli.csv")
    expected = (tmp_path / "cli.csv").read_bytes()
    assert s.to_csv().encode() == expected
    s.to_csv(tmp_path / "py.csv")
    assert (tmp_path / "py.csv").read_bytes() == expected


def test_split_arrays_are_one_hot_pairs_with_labels():
    t = symrfm.Task("sub", 7)
    s = symrfm.Split.random(t, 0.5, 0)
    a = s.arrays()
    n = 7
    assert a["x_train"].shape == (s.n_train, 2 * n) and a["x_test"].shape == (s.n_test, 2 * n)
    assert (a["x_train"].sum(axis=1) == 2).all()
    for x, y, k in zip(a["x_train"], a["y_train"], a["train"]):
        i, j = np.flatnonzero(x)
        assert (i, j - n) == divmod(int(k), n)
        assert y == t.labels[i, j - n]


def test_transformer_sizes_and_the_diagnostic_match_the_cli(cli, tmp_path):
    cli("run", "-p", "7", "--model", "transformer", "--d-model", "8", "--heads", "2", "--d-head", "4",
        "--d-mlp", "16", "--steps", "20", "--eval-every", "10", "--symmetry-diagnostic", "-q",
        "--out", "cli.json")
    cli_json = json.loads((tmp_path / "cli.json").read_text())
    t = symrfm.Task("add", 7)
    r = symrfm.run(t, model="transformer", d_model=8, heads=2, d_head=4, d_mlp=16, steps=20, eval_every=10,
                   symmetry_diagnostic=True, quiet=True)
    assert strip_network_timings(cli_json) == strip_network_timings(r.report)
    p = r.report["network"]["params"]
    assert (p["d_model"], p["n_heads"], p["d_head"], p["d_mlp"]) == (8, 2, 4, 16)
    assert [d["iter"] for d in r.report["symmetry_diagnostic"]] == [0, 10, 20]


def test_a_resumed_network_run_is_the_uninterrupted_run(tmp_path):
    t = symrfm.Task("add", 11)
    s = symrfm.Split.fixed_points(t, "s")
    kw = dict(model="mlp", width=12, batch=8, eval_every=10, agop_every=20, symmetry_loss=0.5,
              symmetry_diagnostic=True, quiet=True)
    full = symrfm.run(t, s, steps=60, **kw)
    part = symrfm.run(t, s, steps=25, **kw)
    seen = []
    joined = symrfm.resume(part, steps=60, quiet=True, callback=lambda step, rec: seen.append(step))
    assert seen == [30, 40, 50, 60]
    assert joined.complete
    assert strip_network_timings(joined.report) == strip_network_timings(full.report)
    assert joined.to_pandas().index.tolist() == [0, 10, 20, 30, 40, 50, 60]
    # An interrupted run (KeyboardInterrupt from the callback) resumed from its file.
    def stop(step, rec):
        if step >= 30:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as e:
        symrfm.run(t, s, steps=60, callback=stop, **kw)
    partial = e.value.result
    assert not partial.complete
    partial.save(tmp_path / "partial.json")
    again = symrfm.resume(tmp_path / "partial.json", quiet=True)
    assert strip_network_timings(again.report) == strip_network_timings(full.report)
    with pytest.raises(ValueError, match="net.steps"):
        symrfm.resume(full, steps=60, quiet=True)
    with pytest.raises(ValueError, match="iters"):
        symrfm.resume(part, 70, quiet=True)


def test_split_dataset_is_a_map_style_dataset_of_one_hot_pairs():
    t = symrfm.Task("sub", 7)
    s = symrfm.Split.random(t, 0.5, 0)
    a = s.arrays()
    for part in ("train", "test"):
        ds = s.dataset(part)
        assert len(ds) == len(a[f"y_{part}"])
        for i in range(len(ds)):
            x, y = ds[i]
            assert isinstance(y, int) and x.dtype == np.float64 and x.shape == (14,)
            np.testing.assert_array_equal(x, a[f"x_{part}"][i])
            assert y == a[f"y_{part}"][i]
            k = int(a[part][i])
            assert y == t.labels[k // 7, k % 7]
        x, y = ds[-1]
        np.testing.assert_array_equal(x, a[f"x_{part}"][-1])
        with pytest.raises(IndexError):
            ds[len(ds)]
        # What torch's DataLoader does with it: index 0..len-1, stack the items.
        xs = np.stack([ds[i][0] for i in range(len(ds))])
        np.testing.assert_array_equal(xs, a[f"x_{part}"])
        x[0] = 5.0  # an item is a copy: the dataset is unchanged
        assert ds[len(ds) - 1][0][0] == a[f"x_{part}"][-1][0]
    with pytest.raises(ValueError, match="part"):
        s.dataset("validation")
    with pytest.raises(TypeError):
        s.dataset()[1.5]

"""A researcher's session: a symmetric split, a run interrupted midway, M decomposed and plotted."""

import numpy as np
import pytest

import symrfm


def test_symmetric_split_interrupt_decompose_plot(tmp_path):
    task = symrfm.Task("add", 17)
    split = symrfm.Split.fixed_points(task, "s r^4")
    assert split.stabilizer().name == "<s r^4>"
    curve = []

    def watch(t, m):
        curve.append(m["test_acc"])
        if t == 5:
            raise KeyboardInterrupt  # what Ctrl-C in a notebook does

    with pytest.raises(KeyboardInterrupt) as e:
        symrfm.run(task, split, iters=40, callback=watch, quiet=True)
    partial = e.value.result
    assert not partial.complete and partial.metrics["test_acc"].tolist() == curve
    assert max(curve) < 0.1  # trapped by the symmetry
    d = symrfm.decompose(partial, subgroup="s r^4")
    assert d.subgroup_commutant_distance < 1e-6  # M commutes with Π(s r^4)
    assert {name for name, _ in d.top(2)} == {"id", "s r^4"}
    # resume from the partial M on the broken twin
    broken = split.move_random(1, seed=0)
    r = symrfm.run(task, broken, iters=3, init_m=partial, quiet=True)
    assert r.report["split"]["spec"]["edits"][0]["moved"] == broken.moved_to_test.tolist()
    plt = pytest.importorskip("matplotlib.pyplot")
    fig, ax = plt.subplots()
    ax.plot(partial.metrics["iter"], partial.metrics["test_acc"])
    ax.imshow(partial.final_m)
    fig.savefig(tmp_path / "m.png")
    plt.close(fig)
    assert (tmp_path / "m.png").stat().st_size > 0

"""Symmetric vs broken split from Python: train both, plot the accuracy curves and the learned M.

    pip install ./python matplotlib
    python examples/python_symmetry.py                 # add mod 61, 60 iterations (2 × ~1 min on 2 idle cores)
    python examples/python_symmetry.py -p 13 --iters 10 --out /tmp/figs

The symmetric split's test set is Fix(s) = {(a, a)}: the training set (98 % of the pairs) is
invariant under s(a, b) = (b, a), and RFM stays at ~0 test accuracy. Moving one random training
pair to the test set breaks the symmetry and RFM generalizes (SCIENCE.md §4). Writes
accuracy.png and matrices.png to --out, and prints the decomposition of both final M.
"""

import argparse
import pathlib

import numpy as np

import symrfm


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-p", type=int, default=61, help="modulus (default 61)")
    ap.add_argument("--iters", type=int, default=60)
    ap.add_argument("--seed", type=int, default=0, help="seed of the moved pair")
    ap.add_argument("--out", default="results/python-example", help="directory for the PNGs")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()

    task = symrfm.Task("add", args.p)
    symmetric = symrfm.Split.fixed_points(task, "s")
    broken = symmetric.move_random(1, seed=args.seed)
    print("symmetric:", symmetric.symmetry()["stabilizer_name"], "| broken:",
          broken.symmetry()["stabilizer_name"], "| moved:", broken.moved_to_test.tolist())

    runs = {}
    for name, split in (("symmetric", symmetric), ("broken", broken)):
        runs[name] = symrfm.run(task, split, iters=args.iters, label=name, quiet=args.quiet)
        s = runs[name].summary
        print(f"{name}: final test accuracy {s['final_test_acc']:.4f}, "
              f"first ≥ 0.99 at {s['first_iter_test_acc_ge_099']}")
        d = symrfm.decompose(runs[name])
        top = ", ".join(f"{g} {a:+.3f}" for g, a in d.top(3))
        print(f"{name}: M ≈ {top} (residual {d.residual:.3f})")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, r in runs.items():
        m = r.metrics
        ax.plot(m["iter"], m["test_acc"], label=f"{name} (test)")
    ax.plot(runs["broken"].metrics["iter"], runs["broken"].metrics["train_acc"], ":", label="train")
    ax.set(xlabel="iteration t", ylabel="accuracy", ylim=(-0.02, 1.02),
           title=f"{task.description}: Fix(s) test set vs one pair moved")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "accuracy.png", dpi=120)

    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
    for ax, (name, r) in zip(axes, runs.items()):
        m = r.final_m
        lim = np.abs(m).max()
        im = ax.imshow(m, cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(f"final M, {name}")
        ax.axhline(task.n_symbols - 0.5, color="k", lw=0.5)
        ax.axvline(task.n_symbols - 0.5, color="k", lw=0.5)
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.tight_layout()
    fig.savefig(out / "matrices.png", dpi=120)
    print(f"wrote {out / 'accuracy.png'} and {out / 'matrices.png'}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the sweep grids of results/networks.md (issue 23) into data/grids/networks-*.json.

    python3 scripts/networks_grids.py          # (re)writes every grid; scripts/networks.sh runs them

Each grid is an ordinary `symrfm sweep` grid (Slurm-ready: `symrfm sweep GRID --shard I/N`): the same
split specifications for RFM and the networks, so a network run and an RFM run of one split carry the
same `split.id`. Budget (2-core machine): the sizes below were chosen so that every part runs in
minutes; a bigger machine should rerun with the `BIG` settings noted in results/networks.md.

Replicates: seed k (0, 1, 2) draws both the split edit (which points are moved) and the network
(weights and minibatch order); RFM is deterministic given the split.
"""

import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SEEDS = [0, 1, 2]
RFM_ITERS = 60


def mlp(act="quadratic", seed=0, **kw):
    """A network of the reference's defaults (OneLayerFCN, width 256, AdamW lr 1e-3 wd 1, batch 32,
    MSE) trained for 300 epochs, evaluated every 100 steps; keyword arguments override."""
    net = {
        "model": "mlp",
        "width": 256,
        "act": act,
        "init_scale": 1.0,
        "seed": seed,
        "optimizer": "adamw",
        "lr": 1e-3,
        "weight_decay": 1.0,
        "beta1": 0.9,
        "beta2": 0.98,
        "eps": 1e-8,
        "momentum": 0.0,
        "batch": 32,
        "epochs": 300,
        "eval_every": 100,
        "agop_every": 0,
        "loss": "mse",
    }
    net.update(kw)
    return net


def fixed(h="s"):
    return {"kind": "fixed-points", "subgroup": h}


def edited(base, kind, count, seed, h="s"):
    edit = {"kind": kind, "count": count, "seed": seed}
    if kind == "move-orbits":
        edit["subgroup"] = h
    return {"kind": "edited", "base": base, "edits": [edit]}


def models(seed):
    """RFM (Gaussian, L = 2.5, ridge 0, 60 iterations) and the two networks of part 1."""
    return [
        ("rfm", None),
        ("mlp-quadratic", mlp("quadratic", seed)),
        ("mlp-relu", mlp("relu", seed)),
    ]


def job(label, split, net):
    j = {"label": label, "split": split}
    if net is not None:
        j["net"] = net
    return j


def symmetric_splits(seed, h="s"):
    """The seed paper's splits: test = Fix(H); its broken twins; symmetric edits that keep H."""
    base = fixed(h)
    return [
        ("symmetric", base),
        ("random 1", edited(base, "move-random", 1, seed)),
        ("random 10", edited(base, "move-random", 10, seed)),
        ("random 20", edited(base, "move-random", 20, seed)),
        ("pairs 10", edited(base, "move-orbits", 10, seed, h)),
    ]


def write(name, description, base, axes):
    grid = {"description": description, "kind": "run", "base": base, "axes": axes}
    path = os.path.join(ROOT, "data", "grids", f"networks-{name}.json")
    with open(path, "w") as f:
        json.dump(grid, f, indent=1)
        f.write("\n")
    return path


def part1():
    """Part 1: the seed paper's experiments, RFM beside the networks, same splits."""
    rows = []
    for seed in SEEDS:
        for split_label, split in symmetric_splits(seed):
            for model_label, net in models(seed):
                if net is None and seed > 0 and split_label == "symmetric":
                    continue  # RFM on the deterministic symmetric split: one run
                rows.append(job(f"{split_label} | {model_label}", split, net))
    write(
        "part1-p31",
        "Issue 23 part 1: test = the fixed points of the reflection s for add, sub, mul, div mod 31, "
        "with 1, 10, 20 random points or 10 reflection pairs moved (seeds 0-2), RFM (Gaussian, 60 "
        "iterations) beside OneLayerFCN with quadratic and ReLU activations (reference defaults, 300 epochs).",
        {"task": {"modulus": 31}, "params": {"iters": RFM_ITERS}},
        {"task.operation": ["add", "sub", "mul", "div"], ".": rows},
    )
    # add mod 32: the fixed points of growing dihedral subgroups.
    rows = []
    for h in ["s", "r^16,s", "r^8,s", "r^4,s", "r^2,s"]:
        for seed in SEEDS:
            for model_label, net in models(seed):
                if net is None and seed > 0:
                    continue
                rows.append(job(f"Fix<{h}> | {model_label}", fixed(h), net))
    write(
        "part1-add32",
        "Issue 23 part 1: add mod 32, test = the fixed points of <s>, <r^16,s>, <r^8,s>, <r^4,s>, "
        "<r^2,s> (32, 64, 128, 256, 512 pairs), RFM beside the networks (seeds 0-2).",
        {"task": {"operation": "add", "modulus": 32}, "params": {"iters": RFM_ITERS}},
        {".": rows},
    )
    # Random controls with the same training fractions as the add-32 fixed-point splits.
    rows = []
    for frac in [0.96875, 0.9375, 0.875, 0.75, 0.5]:
        for seed in SEEDS:
            for model_label, net in models(seed):
                rows.append(job(f"random {frac} | {model_label}", {"kind": "random", "fraction": frac, "seed": seed}, net))
    write(
        "part1-add32-random",
        "Issue 23 part 1, controls: add mod 32 with random splits of the same training fractions as "
        "the fixed-point splits of part1-add32 (seeds 0-2).",
        {"task": {"operation": "add", "modulus": 32}, "params": {"iters": RFM_ITERS}},
        {".": rows},
    )
    # The 21 reflections of Z3 x Z7.
    rows = []
    refl = ["s"] + [f"s r^({i},{j})" for i in range(3) for j in range(7) if (i, j) != (0, 0)]
    for g in refl:
        for model_label, net in models(0):
            rows.append(job(f"Fix<{g}> | {model_label}", fixed(g), net))
    write(
        "part1-z3xz7",
        "Issue 23 part 1: add on Z3 x Z7, test = the fixed points of each of its 21 reflections "
        "(21 pairs each), RFM beside the networks (seed 0).",
        {"task": {"operation": "add", "group": [3, 7]}, "params": {"iters": RFM_ITERS}},
        {".": rows},
    )


def part2():
    """Part 2: what decides trapping? Symmetric initialization, perturbations, batch, RFM's M_0."""
    rows = []
    for h in ["s", "r^4,s"]:
        for seed in SEEDS:
            for batch in [32, 0]:
                for init, eps in [("random", 0.0), ("symmetric", 0.0), ("symmetric", 1e-6), ("symmetric", 1e-3), ("symmetric", 1e-1)]:
                    net = mlp("quadratic", seed, batch=batch, perturb=eps, steps=9000)
                    if init == "symmetric":
                        net["init"] = {"kind": "symmetric", "subgroup": "stabilizer"}
                    label = f"Fix<{h}> | {init}{'' if eps == 0 else f' +{eps:g}'} | batch {batch or 'full'}"
                    rows.append(job(label, fixed(h), net))
        for eps in [0.0, 1e-6, 1e-4, 1e-2, 1.0]:
            for seed in SEEDS:
                if eps == 0.0 and seed > 0:
                    continue
                rows.append({"label": f"Fix<{h}> | rfm M0 = I{'' if eps == 0 else f' +{eps:g}'}",
                             "split": fixed(h), "init": {"kind": "given", "seed": seed, "perturb": eps} if eps else {}})
    for row in rows:
        if row.get("init") == {}:
            del row["init"]
    write(
        "part2-add32",
        "Issue 23 part 2: add mod 32 with test = Fix<s> and Fix<r^4,s>: networks (9000 optimizer steps) started at random or "
        "exactly H-symmetric (projected first layer), perturbed by eps, minibatch 32 or full batch; RFM "
        "from M_0 = I or perturbed M_0 (seeds 0-2).",
        {"task": {"operation": "add", "modulus": 32}, "params": {"iters": RFM_ITERS}},
        {".": rows},
    )


def part4():
    """Part 4: networks on non-abelian groups at several training fractions."""
    rows = []
    for frac in [0.3, 0.5, 0.7, 0.9]:
        for seed in [0, 1]:
            split = {"kind": "random", "fraction": frac, "seed": seed}
            rows.append(job(f"{frac} | rfm", split, None))
            rows.append(job(f"{frac} | mlp-quadratic", split, mlp("quadratic", seed)))
            rows.append(job(f"{frac} | mlp-relu", split, mlp("relu", seed)))
    write(
        "part4-groups",
        "Issue 23 part 4: mul on D12, S4 (order 24) and A5 (order 60) at training fractions 0.3-0.9 "
        "(seeds 0, 1): RFM beside the networks.",
        {"task": {"operation": "mul"}, "params": {"iters": RFM_ITERS}},
        {"task.group_name": ["D12", "S4", "A5"], ".": rows},
    )


GROK_SEEDS = [0, 1, 2, 3, 4]


def part5():
    """Part 5 (Hwang & Park, arXiv 2603.01968): does the symmetry-prompting loss or the AGOP
    regularizer shorten grokking; the graph-distance and comparison tasks with networks and RFM."""
    # Grokking with and without the extra losses: add mod 31 on a random split where the plain
    # network groks late (pilot, seed 0: quadratic at fraction 0.4 first >= 0.99 at step 5200,
    # ReLU at 0.5 at step 6500; quadratic at 0.3 and ReLU at 0.3/0.4 not within 20000 steps).
    # Seed k draws the split and the network, so the runs of one seed differ only in lambda.
    rows = []
    for act, frac in [("quadratic", 0.4), ("relu", 0.5)]:
        for seed in GROK_SEEDS:
            split = {"kind": "random", "fraction": frac, "seed": seed}
            for lam in [0.0, 0.01, 0.1, 1.0]:
                net = mlp(act, seed, steps=20000, symmetry_loss=lam)
                label = "plain" if lam == 0 else f"symmetry loss {lam:g}"
                rows.append(job(f"{act} {frac} {label} | mlp-{act}", split, net))
    write(
        "part5-grok",
        "Issue 23 part 5: add mod 31, random split (quadratic: fraction 0.4, ReLU: 0.5; seeds 0-4), "
        "OneLayerFCN for 20000 optimizer steps (eval every 100) without and with the symmetry-prompting "
        "loss (lambda 0.01, 0.1, 1).",
        {"task": {"operation": "add", "modulus": 31}},
        {".": rows},
    )
    # The AGOP regularizer lambda tr(AGOP) (over the whole training set at every step: ~12 ms a step
    # here under load, 20x the plain step), so 6000 steps; lambda = 0.01 and 0.1 keep the test accuracy at 0
    # in the pilot (seed 0), hence the small values.
    rows = []
    for seed in GROK_SEEDS:
        split = {"kind": "random", "fraction": 0.4, "seed": seed}
        for lam in [1e-4, 1e-3]:
            net = mlp("quadratic", seed, steps=6000, agop_reg=lam)
            rows.append(job(f"quadratic 0.4 agop reg {lam:g} | mlp-quadratic", split, net))
    write(
        "part5-agop",
        "Issue 23 part 5: add mod 31, random split at fraction 0.4 (seeds 0-4), quadratic OneLayerFCN "
        "for 6000 steps with the AGOP regularizer (lambda 1e-4, 1e-3); compare with part5-grok.",
        {"task": {"operation": "add", "modulus": 31}},
        {".": rows},
    )
    # The graph-distance and comparison tasks: RFM beside the networks on the same random splits.
    tasks = [
        {"operation": "graph-distance", "graph": "cycle:31"},
        {"operation": "graph-distance", "graph": "path:31"},
        {"operation": "graph-distance", "graph": "grid:6x6"},
        {"operation": "max", "modulus": 31},
        {"operation": "sign", "modulus": 31},
        {"operation": "abs-diff", "modulus": 31},
    ]
    rows = []
    for frac in [0.3, 0.5, 0.7]:
        for seed in SEEDS:
            split = {"kind": "random", "fraction": frac, "seed": seed}
            rows.append(job(f"{frac} | rfm", split, None))
            rows.append(job(f"{frac} | mlp-quadratic", split, mlp("quadratic", seed, steps=10000)))
            rows.append(job(f"{frac} | mlp-relu", split, mlp("relu", seed, steps=10000)))
    write(
        "part5-tasks",
        "Issue 23 part 5: graph distance on cycle:31, path:31, grid:6x6 and the comparisons max, sign, "
        "|a-b| on 0..30, random splits at fractions 0.3, 0.5, 0.7 (seeds 0-2): RFM (Gaussian, 60 "
        "iterations) beside OneLayerFCN (10000 steps).",
        {"params": {"iters": RFM_ITERS}},
        {"task": tasks, ".": rows},
    )
    # The symmetric splits of results/groups.md (scripts/structural.sh) with the networks: test = the
    # fixed points of one element g of Sym_f, and the twin with 10 random training pairs moved.
    rows = []
    for task, g in [
        ({"operation": "graph-distance", "graph": "cycle:31"}, "#63"),
        ({"operation": "abs-diff", "modulus": 31}, "#3"),
        ({"operation": "sign", "modulus": 31}, "#1"),
    ]:
        base = fixed(g)
        for seed in SEEDS:
            for split_label, split in [("symmetric", base), ("random 10", edited(base, "move-random", 10, seed))]:
                for model_label, net in [
                    ("rfm", None),
                    ("mlp-quadratic", mlp("quadratic", seed, steps=10000)),
                    ("mlp-relu", mlp("relu", seed, steps=10000)),
                ]:
                    if net is None and seed > 0 and split_label == "symmetric":
                        continue
                    j = job(f"Fix({g}) {split_label} | {model_label}", split, net)
                    j["task"] = task
                    rows.append(j)
    write(
        "part5-fixed",
        "Issue 23 part 5: graph distance on cycle:31, |a-b| and sign(a-b) on 0..30 with test = the fixed "
        "points of one element g of Sym_f (the splits of results/groups.md, scripts/structural.sh) and "
        "the twin with 10 random training pairs moved (seeds 0-2): RFM (60 iterations) beside the networks "
        "(10000 steps).",
        {"params": {"iters": RFM_ITERS}},
        {".": rows},
    )
    # The three-stage dynamic needs the symmetry diagnostic on network predictors (not in the
    # binary these sweeps ran with): the plain and symmetry-loss runs of part5-grok (seeds 0-2)
    # with the diagnostic on 200 probe points and the NFM every 500 steps.
    rows = []
    for act, frac in [("quadratic", 0.4), ("relu", 0.5)]:
        for seed in SEEDS:
            split = {"kind": "random", "fraction": frac, "seed": seed}
            for lam in [0.0, 0.1]:
                net = mlp(act, seed, steps=20000, symmetry_loss=lam, agop_every=500)
                label = "plain" if lam == 0 else f"symmetry loss {lam:g}"
                row = job(f"{act} {frac} {label} | mlp-{act}", split, net)
                row["analysis"] = {"symmetry_diagnostic": True, "symmetry_points": 200}
                rows.append(row)
    write(
        "part5-diagnostic",
        "Issue 23 part 5: the symmetry-acquisition diagnostic along network training (needs a binary "
        "with the diagnostic for networks): add mod 31, the plain and lambda = 0.1 runs of part5-grok, "
        "seeds 0-2, NFM every 500 steps.",
        {"task": {"operation": "add", "modulus": 31}},
        {".": rows},
    )


def part4_irreps():
    """Part 4, irreps: the part-4 runs of seeds 0 and 1 at fractions 0.7 and 0.9 again, with the NFM
    saved every 1000 steps, for `symrfm decompose --eigen K --isotypic full` along training."""
    rows = []
    for frac in [0.7, 0.9]:
        for seed in [0, 1]:
            split = {"kind": "random", "fraction": frac, "seed": seed}
            rows.append(job(f"{frac} | rfm", split, None))
            rows.append(job(f"{frac} | mlp-quadratic", split, mlp("quadratic", seed, agop_every=1000)))
            rows.append(job(f"{frac} | mlp-relu", split, mlp("relu", seed, agop_every=1000)))
    write(
        "part4-irreps",
        "Issue 23 part 4, irreps: mul on D12, S4, A5 at training fractions 0.7 and 0.9 (seeds 0, 1), RFM "
        "beside the networks of part4-groups with the NFM recorded every 1000 steps.",
        {"task": {"operation": "mul"}, "params": {"iters": RFM_ITERS}},
        {"task.group_name": ["D12", "S4", "A5"], ".": rows},
    )


def transformer(seed=0, **kw):
    """The one-layer transformer of Nanda et al. at a size this machine trains in seconds per run
    (d_model 64, 4 heads of 16, d_mlp 256; Nanda et al.: 128, 4 x 32, 512 at p = 113), trained
    as they do: full batch, cross-entropy, AdamW lr 1e-3, weight decay 1, 1500 steps."""
    net = mlp("quadratic", seed, model="transformer", batch=0, loss="ce", steps=1500, d_model=64,
              n_heads=4, d_head=16, d_mlp=256)
    del net["epochs"]
    net.update(kw)
    return net


def pair(a, b, n):
    return a * n + b


def part1b():
    """Part 1, second set: two held-out points, orbit splits, p = 61, and the transformer."""
    n = 31
    diag = [pair(a, a, n) for a in range(n)]
    # Two test points fixed by a common reflection (both on the diagonal, fixed by s) or by
    # different ones ((a, a) is fixed by s only, (a, b) with a != b by another reflection):
    # base = Fix(s), all of it but the held-out points moved back to train.
    cases = [
        ("common (0,0) (1,1)", [pair(0, 0, n), pair(1, 1, n)], []),
        ("common (2,2) (9,9)", [pair(2, 2, n), pair(9, 9, n)], []),
        ("different (0,0) (0,1)", [pair(0, 0, n)], [pair(0, 1, n)]),
        ("different (2,2) (4,9)", [pair(2, 2, n)], [pair(4, 9, n)]),
    ]
    rows = []
    for label, keep, extra in cases:
        edits = [{"kind": "move-to-train", "pairs": sorted(set(diag) - set(keep))}]
        if extra:
            edits.append({"kind": "hold-out", "pairs": extra})
        split = {"kind": "edited", "base": fixed("s"), "edits": edits}
        for seed in SEEDS:
            for model_label, net in models(seed):
                if net is None and seed > 0:
                    continue
                rows.append(job(f"{label} | {model_label}", split, net))
    write(
        "part1-two-points",
        "Issue 23 part 1: add mod 31, everything in train but two points fixed by a common reflection "
        "(both fixed by s: the training set is <s>-invariant) or by different reflections (no "
        "non-trivial stabilizer); RFM beside the networks (seeds 0-2).",
        {"task": {"operation": "add", "modulus": n}, "params": {"iters": RFM_ITERS}},
        {".": rows},
    )
    # Orbit splits: random <s>-invariant splits (whole orbits {(a,b), (b,a)}) vs random splits.
    rows = []
    for frac in [0.3, 0.5, 0.7]:
        for seed in SEEDS:
            for kind, split in [
                ("orbit <s>", {"kind": "orbit", "subgroup": "s", "fraction": frac, "seed": seed}),
                ("random", {"kind": "random", "fraction": frac, "seed": seed}),
            ]:
                for model_label, net in models(seed):
                    rows.append(job(f"{kind} {frac} | {model_label}", split, net))
    write(
        "part1-orbit",
        "Issue 23 part 1: add mod 31, orbit splits (whole <s>-orbits, an <s>-invariant training set at "
        "any fraction) against random splits of the same fractions (seeds 0-2).",
        {"task": {"operation": "add", "modulus": n}, "params": {"iters": RFM_ITERS}},
        {".": rows},
    )
    # p = 61: the seed paper's size, networks for 100 epochs (114 steps each).
    rows = []
    for seed in SEEDS:
        for split_label, split in symmetric_splits(seed):
            if split_label == "random 20":
                continue
            for model_label, net in models(seed):
                if net is None and seed > 0 and split_label == "symmetric":
                    continue
                if net is not None:
                    net["epochs"] = 100
                rows.append(job(f"{split_label} | {model_label}", split, net))
    write(
        "part1-p61",
        "Issue 23 part 1: add mod 61, test = Fix(s) and its edits (seeds 0-2), RFM beside the "
        "networks (100 epochs = 11,400 steps).",
        {"task": {"operation": "add", "modulus": 61}, "params": {"iters": RFM_ITERS}},
        {".": rows},
    )
    # The transformer on the splits of part1-p31 (symmetric, random 10, pairs 10) and add mod 32.
    rows = []
    for seed in SEEDS:
        for split_label, split in symmetric_splits(seed):
            if split_label in ("random 1", "random 20"):
                continue
            rows.append(job(f"{split_label} | transformer", split, transformer(seed)))
    write(
        "part1-p31-transformer",
        "Issue 23 part 1: the one-layer transformer (d_model 64, 4 heads, d_mlp 256, full batch, CE, "
        "1500 steps) on the splits of part1-p31 (symmetric, random 10, pairs 10; seeds 0-2).",
        {"task": {"modulus": 31}, "params": {"iters": RFM_ITERS}},
        {"task.operation": ["add", "sub", "mul", "div"], ".": rows},
    )
    rows = []
    for h in ["s", "r^16,s", "r^8,s", "r^4,s", "r^2,s"]:
        for seed in SEEDS:
            rows.append(job(f"Fix<{h}> | transformer", fixed(h), transformer(seed)))
    # Random controls with the training fractions of Fix<r^8,s>, Fix<r^4,s>, Fix<r^2,s>.
    for frac in [0.875, 0.75, 0.5]:
        for seed in SEEDS:
            rows.append(job(f"random {frac} | transformer", {"kind": "random", "fraction": frac, "seed": seed},
                            transformer(seed)))
    write(
        "part1-add32-transformer",
        "Issue 23 part 1: the transformer on add mod 32 with test = the fixed points of <s>, "
        "<r^16,s>, <r^8,s>, <r^4,s>, <r^2,s>, and random splits of the same training fractions (seeds 0-2).",
        {"task": {"operation": "add", "modulus": 32}, "params": {"iters": RFM_ITERS}},
        {".": rows},
    )


if __name__ == "__main__":
    part1()
    part1b()
    part2()
    part4()
    part4_irreps()
    part5()
    print("wrote data/grids/networks-*.json")

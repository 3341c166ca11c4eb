#!/usr/bin/env python3
"""Helper of scripts/compare-peers.sh: the peer side of the speed comparison.

Subcommands (run with the virtual environment's interpreter, target/peers-venv/bin/python):

  split RUN.json OUT.csv
      Rebuild the exact training/test split of a symrfm run from its JSON (`split.train_indices`,
      pair index a * n + b, labels from the task) and write it as `a,b,label,is_train`: the format
      that `symrfm run --split-file` reads, so every program sees the same pairs.

  xrfm SPLIT.csv --iters T --bandwidth L --ridge R --agop-power S --threads K --out OUT.json
      Train xrfm's RFM (PyPI package `xrfm`) on that split with settings as close to symrfm's as
      its API allows (see the notes in results/peers.md), then write the wall time of the fit, the
      final train/test accuracy and the package versions as JSON.

  reference REFCODE --prime P --iters T --threads K --out OUT.json
      Run the reference implementation's own `train_kernel.main()` (nmallinar/rfm-grokking, a
      checkout at REFCODE, unmodified) with its defaults for add mod P, after
      `torch.manual_seed(0)` (the split of tests/fixtures/rfm-grokking-p61-add-seed0). Two imports
      that a Gaussian run never uses are replaced by stand-ins: `wandb` (logging only) and
      `models.jax_ntk_nngp` (needs JAX). Writes the per-iteration test accuracy it printed and the
      versions as JSON.

  summarize TIMES.tsv OUT.md   (OUT.md = - for standard output)
      Turn the raw measurements (one row per run: tool, wall seconds, peak KiB, final test
      accuracy) into a markdown table: medians, min–max, peak memory, accuracy, and the
      same-machine ratio of the medians (every other program against the first one).

  splice MARKDOWN NAME SECTION.md
      Put SECTION.md between the markers `<!-- NAME -->` and `<!-- end NAME -->` of MARKDOWN
      (replacing what was there, or appending the section), leaving the rest of the file as it is.

Only the standard library is needed for `split`, `summarize` and `splice`; `xrfm` needs torch and xrfm.
"""

import argparse
import csv
import json
import math
import statistics
import sys
import time


def load_split(path):
    """Read an `a,b,label,is_train` CSV: returns (rows, n) with rows = [(a, b, label, is_train)]."""
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            rows.append((int(r["a"]), int(r["b"]), int(r["label"]), r["is_train"].strip() in ("1", "true", "True")))
    n = max(max(a, b) for a, b, _, _ in rows) + 1
    return rows, n


def cmd_split(args):
    with open(args.run) as f:
        run = json.load(f)
    task = run["task"]
    spec = task["spec"]
    if spec.get("operation") != "add" or "group" in spec:
        sys.exit("error: `split` rebuilds labels for `add` on Z_p only (the task of this comparison)")
    n = int(task["n_symbols"])
    if task.get("pair_index") != "a * n + b":
        sys.exit(f"error: unexpected pair_index {task.get('pair_index')!r}")
    train = set(run["split"]["train_indices"])
    if len(train) != run["split"]["n_train"]:
        sys.exit("error: train_indices disagree with n_train")
    with open(args.out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["a", "b", "label", "is_train"])
        for a in range(n):
            for b in range(n):
                w.writerow([a, b, (a + b) % n, 1 if a * n + b in train else 0])
    print(f"wrote {args.out}: n = {n}, {len(train)} training pairs, {n * n - len(train)} test pairs")


def cmd_xrfm(args):
    t_start = time.perf_counter()
    import torch

    torch.set_num_threads(args.threads)
    import xrfm
    from xrfm.rfm_src.kernels import LaplaceKernel
    from xrfm.rfm_src.recursive_feature_machine import RFM

    t_import = time.perf_counter()
    rows, n = load_split(args.split)
    dtype = torch.float64
    eye = torch.eye(n, dtype=dtype)

    def encode(sel):
        x = torch.cat([eye[[r[0] for r in sel]], eye[[r[1] for r in sel]]], dim=1)
        y = eye[[r[2] for r in sel]]
        return x, y

    train = [r for r in rows if r[3]]
    test = [r for r in rows if not r[3]]
    x_tr, y_tr = encode(train)
    x_te, y_te = encode(test)

    # xrfm has no Gaussian kernel by name: its LaplaceKernel with exponent 2 is
    # exp(-||x - z||^2_M / L'^2), which is symrfm's exp(-||x - z||^2_M / (2 L^2)) for L' = sqrt(2) L.
    kernel = LaplaceKernel(bandwidth=math.sqrt(2.0) * args.bandwidth, exponent=2.0)
    model = RFM(kernel=kernel, iters=args.iters, device="cpu", verbose=False, tuning_metric="accuracy")
    # The kernel maps x -> x @ sqrtM, so its metric is sqrtM sqrtM^T = (AGOP / max AGOP)^(2 * agop_power).
    # The constructor fixes agop_power to 1/2 (metric = AGOP^1); setting the attribute to S / 2 gives
    # the metric AGOP^S of the reference (up to the scale, which xrfm normalizes away).
    model.agop_power = args.agop_power / 2.0
    t_fit0 = time.perf_counter()
    model.fit(
        (x_tr, y_tr),
        (x_te, y_te),
        iters=args.iters,
        method="lstsq",
        reg=args.ridge,
        center_grads=True,
        M_batch_size=len(train),
        return_best_params=False,
        early_stop_rfm=False,
        solver="solve",
    )
    t_fit1 = time.perf_counter()
    with torch.no_grad():
        acc_tr = (model.predict(x_tr).argmax(1) == y_tr.argmax(1)).double().mean().item()
        acc_te = (model.predict(x_te).argmax(1) == y_te.argmax(1)).double().mean().item()
    t_end = time.perf_counter()
    out = {
        "tool": "xrfm",
        "xrfm_version": getattr(xrfm, "__version__", "unknown"),
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "n": n,
        "n_train": len(train),
        "n_test": len(test),
        "iters": args.iters,
        "import_seconds": t_import - t_start,
        "fit_seconds": t_fit1 - t_fit0,
        "total_seconds": t_end - t_start,
        "train_acc": acc_tr,
        "test_acc": acc_te,
    }
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
    print(json.dumps(out))


def cmd_reference(args):
    import contextlib
    import io
    import os
    import re
    import types

    import torch

    torch.set_num_threads(args.threads)
    run = types.SimpleNamespace(id="local", name="")
    wandb = types.ModuleType("wandb")
    wandb.run = run
    wandb.init = lambda **kw: run
    wandb.log = lambda *a, **kw: None
    wandb.Image = lambda *a, **kw: None
    sys.modules["wandb"] = wandb
    sys.modules["models.jax_ntk_nngp"] = types.ModuleType("models.jax_ntk_nngp")
    sys.path.insert(0, os.path.abspath(args.refcode))
    import train_kernel

    torch.manual_seed(0)
    out_dir = os.path.join(os.path.dirname(os.path.abspath(args.out)), "ref-out")
    sys.argv = ["train_kernel.py", "--wandb_offline", "--out_dir", out_dir, "-p", str(args.prime), "--iters", str(args.iters)]
    buf = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(buf):
        train_kernel.main()
    t1 = time.perf_counter()
    test_acc = [float(m.group(2)) for m in re.finditer(r"Round (\d+) Test Acc:\s*(\S+)", buf.getvalue())]
    out = {
        "tool": "reference",
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "prime": args.prime,
        "main_seconds": t1 - t0,
        "test_acc": test_acc,
        "final_test_acc": test_acc[-1] if test_acc else None,
    }
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)


def cmd_same_curve(args):
    """Exit 1 unless a symrfm run and a reference run have the same test accuracy at every iteration."""
    with open(args.symrfm) as f:
        sym = [it["test_acc"] for it in json.load(f)["iterations"]]
    with open(args.reference) as f:
        ref = json.load(f)["test_acc"]
    diff = max((abs(a - b) for a, b in zip(sym, ref)), default=float("inf"))
    same = len(sym) == len(ref) and diff < 1e-12
    print(f"{len(sym)} / {len(ref)} iterations, max |difference| {diff:.3g}: {'same' if same else 'DIFFERENT'}")
    sys.exit(0 if same else 1)


def fmt_mib(kib):
    return f"{kib / 1024:.0f} MiB"


def cmd_summarize(args):
    runs = {}
    order = []
    with open(args.times) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            tool, wall, kib, acc = line.rstrip("\n").split("\t")[:4]
            if tool not in runs:
                runs[tool] = []
                order.append(tool)
            try:
                acc = f"{float(acc):.4f}"
            except ValueError:
                pass
            runs[tool].append((float(wall), int(kib), acc))
    lines = []
    lines.append("| program | runs | wall s, median | wall s, min – max | peak RSS, median | final test accuracy |")
    lines.append("|---|---|---|---|---|---|")
    med = {}
    for tool in order:
        r = runs[tool]
        walls = [w for w, _, _ in r]
        med[tool] = statistics.median(walls)
        accs = sorted(set(a for _, _, a in r))
        lines.append(
            f"| {tool} | {len(r)} | {med[tool]:.2f} | {min(walls):.2f} – {max(walls):.2f} | "
            f"{fmt_mib(statistics.median([k for _, k, _ in r]))} | {', '.join(accs)} |"
        )
    lines.append("")
    raw = "; ".join(
        f"{tool} " + ", ".join(f"{w:.2f} / {k}" for w, k, _ in runs[tool]) for tool in order
    )
    lines.append(f"Raw runs in order (wall s / peak KiB): {raw}.")
    base = order[0]
    lines.append("")
    for tool in order[1:]:
        lines.append(f"Ratio of medians, {tool} / {base}: **{med[tool] / med[base]:.1f}×**")
    text = "\n".join(lines) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w") as f:
            f.write(text)


def cmd_splice(args):
    """Replace (or append) the section NAME of a markdown file by the content of FILE."""
    begin, end = f"<!-- {args.name} -->", f"<!-- end {args.name} -->"
    with open(args.section) as f:
        body = f.read().rstrip("\n") + "\n"
    try:
        with open(args.markdown) as f:
            text = f.read()
    except FileNotFoundError:
        text = "# symrfm beside other RFM implementations, on this machine\n"
    block = f"{begin}\n{body}{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(args.markdown, "w") as f:
        f.write(text)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("split")
    s.add_argument("run")
    s.add_argument("out")
    x = sub.add_parser("xrfm")
    x.add_argument("split")
    x.add_argument("--iters", type=int, default=50)
    x.add_argument("--bandwidth", type=float, default=2.5)
    x.add_argument("--ridge", type=float, default=0.0)
    x.add_argument("--agop-power", type=float, default=0.5)
    x.add_argument("--threads", type=int, default=2)
    x.add_argument("--out", required=True)
    r = sub.add_parser("reference")
    r.add_argument("refcode")
    r.add_argument("--prime", type=int, default=61)
    r.add_argument("--iters", type=int, default=50)
    r.add_argument("--threads", type=int, default=2)
    r.add_argument("--out", required=True)
    q = sub.add_parser("same-curve")
    q.add_argument("symrfm")
    q.add_argument("reference")
    m = sub.add_parser("summarize")
    m.add_argument("times")
    m.add_argument("out")
    c = sub.add_parser("splice")
    c.add_argument("markdown")
    c.add_argument("name")
    c.add_argument("section")
    a = p.parse_args()
    {
        "split": cmd_split,
        "xrfm": cmd_xrfm,
        "reference": cmd_reference,
        "same-curve": cmd_same_curve,
        "summarize": cmd_summarize, "splice": cmd_splice}[a.cmd](a)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Figures of results/networks.md: test accuracy along training, per split, from a sweep's saved runs.

    python3 scripts/networks_figures.py RESULTS.jsonl RUNS_DIR OUT.svg

One panel per (task, model) of the sweep (job labels are `<split> | <model>`, scripts/networks_grids.py),
one line per split: the test accuracy at every evaluation, mean over the seeds (networks: against the
optimizer step; RFM: against the iteration, metrics with M_t). Reads the run files that `symrfm sweep
--save-runs RUNS_DIR` kept (`<job id>.json`); jobs without a run file are skipped. Standard library only.
"""

import collections
import html
import json
import os
import sys

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#393b79", "#637939"]


def series(run):
    """(x label, [(x, test accuracy)]) of a run file."""
    if run.get("network"):
        return "step", [(r["step"], r["test_acc"]) for r in run["network"]["steps"]]
    return "iteration", [(r["iter"], r["test_acc"]) for r in run["iterations"]]


def main():
    results, runs_dir, out = sys.argv[1:4]
    panels = collections.OrderedDict()
    with open(results) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    for line in lines:
        path = os.path.join(runs_dir, f"{line['job_id']}.json")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            run = json.load(f)
        label = line["config"].get("label", "?")
        split, _, model = label.partition(" | ")
        task = run["task"].get("description") or run["task"].get("name") or json.dumps(run["task"]["spec"])
        xlabel, pts = series(run)
        panels.setdefault((task, model or "rfm", xlabel), collections.OrderedDict()).setdefault(split, []).append(pts)
    if not panels:
        sys.exit(f"{results}: no run files in {runs_dir}")
    cols = 3
    W, H, PAD = 330, 210, 45
    rows = (len(panels) + cols - 1) // cols
    splits = list(collections.OrderedDict((s, None) for p in panels.values() for s in p))
    colour = {s: COLOURS[i % len(COLOURS)] for i, s in enumerate(splits)}
    legend_h = 16 * ((len(splits) + 2) // 3) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{cols * W + 20}" height="{rows * H + legend_h + 30}" '
             f'font-family="sans-serif" font-size="10">',
             f'<text x="10" y="16" font-size="13">{html.escape(os.path.basename(results))}: test accuracy '
             f'along training (mean over seeds)</text>']
    for k, ((task, model, xlabel), by_split) in enumerate(panels.items()):
        x0 = 10 + (k % cols) * W + PAD
        y0 = 30 + (k // cols) * H
        pw, ph = W - PAD - 15, H - 55
        xmax = max((x for runs in by_split.values() for pts in runs for x, _ in pts), default=1) or 1
        parts.append(f'<rect x="{x0}" y="{y0}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
        parts.append(f'<text x="{x0}" y="{y0 - 3}">{html.escape(f"{task} · {model}")}</text>')
        parts.append(f'<text x="{x0}" y="{y0 + ph + 14}">{xlabel} 0 to {xmax}</text>')
        for frac, lab in [(0, "1"), (0.5, "0.5"), (1, "0")]:
            parts.append(f'<text x="{x0 - 22}" y="{y0 + 4 + frac * ph}">{lab}</text>')
        for split, runs in by_split.items():
            acc = collections.defaultdict(list)
            for pts in runs:
                for x, a in pts:
                    acc[x].append(a)
            pts = sorted((x, sum(v) / len(v)) for x, v in acc.items())
            poly = " ".join(f"{x0 + pw * x / xmax:.1f},{y0 + ph * (1 - a):.1f}" for x, a in pts)
            parts.append(f'<polyline points="{poly}" fill="none" stroke="{colour[split]}" stroke-width="1.4"/>')
    ly = 30 + rows * H
    for i, s in enumerate(splits):
        x, y = 10 + (i % 3) * 330, ly + 16 * (i // 3)
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="4" fill="{colour[s]}"/>'
                     f'<text x="{x + 16}" y="{y + 6}">{html.escape(s)}</text>')
    parts.append("</svg>\n")
    with open(out, "w") as f:
        f.write("\n".join(parts))
    print(f"wrote {out} ({len(panels)} panels)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Issue 23 part 5c: does the symmetry diagnostic of a network rise before its test accuracy?

    python3 scripts/networks_diagnostic.py results/networks/part5-diagnostic.jsonl target/networks/part5-diagnostic

Reads the run files of the sweep (`--save-runs` directory; one per job id of the results file) and, per run,
the series recorded at every evaluation: train and test accuracy (`network.steps`) and the symmetry
diagnostic of the network's predictor (`symmetry_diagnostic`: `iter` = optimizer step; the held-out
agreement = mean over test points x and group elements g with g.x also a test point of
[argmax f(g.x) = argmax f(x)]). Prints a Markdown table: the first step at which train accuracy reaches
0.99 (memorization), the held-out agreement reaches 0.5 and 0.9, and the test accuracy reaches 0.5, 0.9
and 0.99, and the lead (test step - diagnostic step, positive = the diagnostic comes first), with the
median over seeds per label. Standard library only.
"""

import collections
import json
import os
import statistics
import sys


def first(series, threshold):
    for step, value in series:
        if value is not None and value >= threshold:
            return step
    return None


def fmt(x):
    return "never" if x is None else str(x)


def main():
    results, runs_dir = sys.argv[1], sys.argv[2]
    rows = collections.defaultdict(list)
    with open(results) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    for line in lines:
        job = line.get("job_id") or line.get("id")
        label = line.get("label") or line.get("config", {}).get("label", "?")
        path = os.path.join(runs_dir, f"{job}.json")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            run = json.load(f)
        steps = run["network"]["steps"]
        train = [(r["step"], r["train_acc"]) for r in steps]
        test = [(r["step"], r["test_acc"]) for r in steps]
        diag = [(d["iter"], d.get("heldout_agreement")) for d in run.get("symmetry_diagnostic", [])]
        rec = {
            "seed": run["network"]["params"]["seed"],
            "mem": first(train, 0.99),
            "d50": first(diag, 0.5),
            "d90": first(diag, 0.9),
            "t50": first(test, 0.5),
            "t90": first(test, 0.9),
            "t99": first(test, 0.99),
            "d_start": diag[0][1] if diag else None,
            "d_end": diag[-1][1] if diag else None,
            "n_diag": len(diag),
        }
        rows[label.split(" | ")[0]].append(rec)
    print("| run (add mod 31) | seed | train ≥ 0.99 | held-out agreement ≥ 0.5 / ≥ 0.9 | test ≥ 0.5 / 0.9 / 0.99 "
          "| lead at 0.9 (test − agreement) | agreement first → last |")
    print("|---|---|---|---|---|---|---|")
    for label in sorted(rows):
        for r in sorted(rows[label], key=lambda r: r["seed"]):
            lead = r["t90"] - r["d90"] if r["t90"] is not None and r["d90"] is not None else None
            print(f"| {label} | {r['seed']} | {fmt(r['mem'])} | {fmt(r['d50'])} / {fmt(r['d90'])} | "
                  f"{fmt(r['t50'])} / {fmt(r['t90'])} / {fmt(r['t99'])} | {fmt(lead)} | "
                  f"{r['d_start']:.3f} → {r['d_end']:.3f} ({r['n_diag']} evaluations) |")
        leads = [r["t90"] - r["d90"] for r in rows[label] if r["t90"] is not None and r["d90"] is not None]
        if leads:
            print(f"| {label} | median | | | | {statistics.median(leads):g} | |")


if __name__ == "__main__":
    main()

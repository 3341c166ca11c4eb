#!/usr/bin/env python3
"""Memorization vs generalization steps of results/networks.md part 5 (standard library only).

    python3 scripts/networks_grok_steps.py [--threshold X] RESULTS.jsonl [CAP] > TABLE.md

For every split label of a network sweep (scripts/networks.sh 5; the run files named in the sweep lines'
`execution.run_file` must exist): the first evaluated step with train accuracy >= 0.99 (memorization),
the first with test accuracy >= 0.99 (generalization), both as median [min-max] over the seeds, and the
median delay between them; the best test accuracy of each run (median [min-max]). --threshold X counts
test accuracy >= X instead of 0.99. With CAP, only evaluations at steps <= CAP count (to compare runs of different
lengths), and the seeds reaching test 0.99 by then are counted.
"""

import collections
import json
import statistics
import sys


def cell(v):
    v = [x for x in v if x is not None]
    if not v:
        return "never"
    return f"{statistics.median(v):g} [{min(v)}–{max(v)}]" if len(v) > 1 else f"{v[0]}"


def main():
    args = sys.argv[1:]
    thr = 0.99
    if args and args[0] == "--threshold":
        thr = float(args[1])
        args = args[2:]
    cap = int(args[1]) if len(args) > 1 else None
    res = collections.OrderedDict()
    for line in open(args[0]):
        if not line.strip():
            continue
        r = json.loads(line)
        if r["status"] != "ok":
            continue
        with open(r["execution"]["run_file"]) as f:
            steps = json.load(f)["network"]["steps"]
        if cap is not None:
            steps = [s for s in steps if s["step"] <= cap]
        tr = next((s["step"] for s in steps if s["train_acc"] >= 0.99), None)
        te = next((s["step"] for s in steps if s["test_acc"] >= thr), None)
        best = max(s["test_acc"] for s in steps)
        res.setdefault(r["config"]["label"].split(" | ")[0], []).append((r["config"]["net"]["seed"], tr, te, best))
    head = (f"| run | train acc ≥ 0.99 at | test acc ≥ {thr:g} at | seeds reaching test {thr:g} | median delay "
            "| best test acc |")
    if cap is not None:
        head = head.replace("| run |", f"| run (steps ≤ {cap}) |")
    print(head)
    print("|---|---|---|---|---|---|")
    for k, v in res.items():
        delays = [te - tr for _, tr, te, _ in v if tr is not None and te is not None]
        reached = [str(sd) for sd, _, te, _ in v if te is not None]
        bests = [b for *_, b in v]
        best = f"{statistics.median(bests):.3f} [{min(bests):.3f}–{max(bests):.3f}]"
        trs = cell([tr for _, tr, _, _ in v])
        print(f"| {k} | {trs} | {cell([te for _, _, te, _ in v])} | "
              f"{len(reached)}/{len(v)} ({','.join(reached) or '–'}) | {statistics.median(delays):g} | {best} |"
              if delays else f"| {k} | {trs} | never | 0/{len(v)} | – | {best} |")


if __name__ == "__main__":
    main()

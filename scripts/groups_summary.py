#!/usr/bin/env python3
"""Table of results/groups.md from results/groups-fraction.jsonl (stdlib only): mean final test accuracy
over seeds (min–max in brackets) per group and training fraction, and the first iteration with test
accuracy >= 0.99 where every seed reaches it."""
import json
import sys
from collections import defaultdict

path = sys.argv[1] if len(sys.argv) > 1 else "results/groups-fraction.jsonl"
cells = defaultdict(list)
order = []
for line in open(path):
    r = json.loads(line)
    if r.get("status") != "ok":
        continue
    c = r["config"]
    g = c["task"]["group_name"]
    if g not in order:
        order.append(g)
    s = r["outcome"]["summary"]
    cells[(g, c["split"]["fraction"])].append((s["final_test_acc"], s["first_iter_test_acc_ge_099"]))
fracs = sorted({f for (_, f) in cells})
print("| group | " + " | ".join(f"f = {f}" for f in fracs) + " |")
print("|---|" + "---|" * len(fracs))
for g in order:
    row = []
    for f in fracs:
        v = cells.get((g, f), [])
        if not v:
            row.append("–")
            continue
        accs = [a for a, _ in v]
        firsts = [t for _, t in v]
        text = f"{sum(accs) / len(accs):.3f} [{min(accs):.3f}–{max(accs):.3f}]"
        if all(t is not None for t in firsts):
            text += f" t≤{max(firsts)}"
        row.append(text)
    print(f"| {g} | " + " | ".join(row) + " |")

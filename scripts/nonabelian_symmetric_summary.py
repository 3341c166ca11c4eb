#!/usr/bin/env python3
"""Tables of scripts/nonabelian_symmetric.sh: symmetric (orbit) against broken and random splits on
non-abelian groups. Arguments: the sweep's JSONL file and the directory of its saved run files."""
import json
import os
import sys
from collections import defaultdict


def main() -> None:
    lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
    runs_dir = sys.argv[2]
    cells = defaultdict(list)
    stab = defaultdict(list)
    theory = defaultdict(list)
    for l in lines:
        if l["status"] != "ok":
            sys.exit(f"job {l['job_id']} failed: {l.get('error')}")
        label = l["config"]["label"]
        split = l["config"]["split"]
        frac = split.get("fraction", split.get("base", {}).get("fraction"))
        key = (label, frac)
        cells[key].append(l["outcome"]["summary"]["final_test_acc"])
        run = json.load(open(os.path.join(runs_dir, l["job_id"] + ".json")))
        sym = run.get("symmetry") or {}
        stab[key].append(sym.get("stabilizer_order"))
        if sym.get("theory"):
            theory[key].append((sym["theory"]["n_predicted"], sym["theory"]["n_correct"], sym["theory"]["n_both"]))
    fracs = sorted({f for _, f in cells})
    labels = list(dict.fromkeys(l for l, _ in cells))
    print("Final test accuracy (split seeds 0, 1, 2: mean [min–max]); stabilizer orders of the training set in Sym_f.")
    print()
    print("| split | " + " | ".join(f"f = {f}" for f in fracs) + " | stabilizer orders |")
    print("|---|" + "---|" * (len(fracs) + 1))
    for label in labels:
        row = []
        orders = set()
        for f in fracs:
            v = cells.get((label, f))
            if not v:
                row.append("–")
                continue
            row.append(f"{sum(v) / len(v):.3f} [{min(v):.3f}–{max(v):.3f}]")
            orders.update(o for o in stab[(label, f)] if o is not None)
        print(f"| {label} | " + " | ".join(row) + f" | {', '.join(map(str, sorted(orders)))} |")
    print()
    print("Orbit theory (orbit splits and their twins): test pairs predicted (Orbit_H(train) \\ train), "
          "correct, both — summed over fractions and seeds.")
    print()
    print("| split | predicted | correct | both |")
    print("|---|---|---|---|")
    for label in labels:
        rows = [t for f in fracs for t in theory.get((label, f), [])]
        if rows:
            p, c, b = (sum(x[i] for x in rows) for i in range(3))
            print(f"| {label} | {p} | {c} | {b} |")


if __name__ == "__main__":
    main()

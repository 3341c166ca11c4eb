#!/usr/bin/env python3
"""Tables of results/interventions.md from the outputs of scripts/interventions.sh (stdlib only)."""
import glob
import json
import os
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "results"


def part1():
    path = os.path.join(root, "interventions-p61.jsonl")
    if not os.path.exists(path):
        return
    rows = {}
    for line in open(path):
        r = json.loads(line)
        if r.get("status") != "ok":
            continue
        c = r["config"]
        key = (c["task"]["operation"], c.get("label", "?"))
        s = r["outcome"]["summary"]
        cell = rows.setdefault(key, {}).setdefault(c["split"]["fraction"], {})
        cell[c["split"]["seed"]] = (s["first_iter_test_acc_ge_099"], s["final_test_acc"], s["best_test_acc"])
    fracs = sorted({f for v in rows.values() for f in v})
    seeds = sorted({k for v in rows.values() for c in v.values() for k in c})
    print(f"Cell: first t with test accuracy >= 0.99 for seeds {', '.join(map(str, seeds))} "
          "(— = never), then (mean final / mean best test accuracy).")
    print()
    print("| task | intervention | " + " | ".join(f"f = {f}" for f in fracs) + " |")
    print("|---|---|" + "---|" * len(fracs))
    for (op, label), v in sorted(rows.items()):
        cells = []
        for f in fracs:
            c = v.get(f, {})
            if not c:
                cells.append("")
                continue
            firsts = ", ".join("—" if c[k][0] is None else str(c[k][0]) for k in sorted(c))
            final = sum(x[1] for x in c.values()) / len(c)
            best = sum(x[2] for x in c.values()) / len(c)
            cells.append(f"{firsts} ({final:.3f} / {best:.3f})")
        print(f"| {op} | {label} | " + " | ".join(cells) + " |")
    print()


def part2():
    files = sorted(glob.glob(os.path.join(root, "interventions", "random-circulant-*.json")))
    if not files:
        return
    acc = {}
    for fn in files:
        r = json.load(open(fn))
        key = (r["task"]["spec"]["operation"], r["task"]["spec"]["modulus"], r["split"]["spec"]["fraction"])
        acc.setdefault(key, []).append((r["init"]["seed"], r["iterations"][0]["test_acc"]))
    print("| task | p | fraction | test accuracy after one solve (init seeds 0, 1, 2) |")
    print("|---|---|---|---|")
    for (op, p, f), v in sorted(acc.items()):
        print(f"| {op} | {p} | {f} | " + ", ".join(f"{a:.4f}" for _, a in sorted(v)) + " |")
    print()


def part3():
    files = sorted(glob.glob(os.path.join(root, "interventions", "trap*-*.json")))
    if not files:
        return
    print("| run | asymmetry of M_0 | M_1 | M_10 | M_50 | M_100 | M_T | growth rate / iteration | broken at | test acc: max over t, final | first t with test acc ≥ 0.99 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for fn in files:
        r = json.load(open(fn))
        tr = r["trap"]
        a = tr["asymmetry"]
        pick = lambda t: f"{a[t]:.2e}" if t < len(a) else ""
        rate = tr.get("growth_rate")
        best = max(i["test_acc"] for i in r["iterations"])
        name = os.path.basename(fn)[:-len(".json")]
        first = r["summary"].get("first_iter_test_acc_ge_099")
        print(
            f"| {name} | {pick(0)} | {pick(1)} | {pick(10)} | {pick(50)} | {pick(100)} | {a[-1]:.2e} (t = {len(a) - 1}) | "
            f"{'—' if rate is None else f'{rate:.3f}'} | {tr.get('broken_at', '—')} | "
            f"{best:.4f}, {r['iterations'][-1]['test_acc']:.4f} | {'never' if first is None else first} |"
        )
    print()


def part6():
    fn = os.path.join(root, "interventions-nonabelian.jsonl")
    if not os.path.exists(fn):
        return
    cells = {}
    for line in open(fn):
        r = json.loads(line)
        c = r["config"]
        key = (c["task"]["group_name"], c["label"], c["split"]["fraction"])
        s = r["outcome"]["summary"]
        cells.setdefault(key, []).append((c["split"]["seed"], s["final_test_acc"], s["first_iter_test_acc_ge_099"]))
    fracs = sorted({k[2] for k in cells})
    print("| group | intervention | " + " | ".join(f"f = {f}" for f in fracs) + " |")
    print("|---|---|" + "---|" * len(fracs))
    for g, label in sorted({(k[0], k[1]) for k in cells}):
        row = []
        for f in fracs:
            v = sorted(cells.get((g, label, f), []))
            accs = ", ".join(f"{a:.3f}" for _, a, _ in v)
            firsts = [t for _, _, t in v if t is not None]
            row.append(accs + (f" (≥ 0.99 at t = {', '.join(map(str, firsts))})" if firsts else ""))
        print(f"| {g} | {label} | " + " | ".join(row) + " |")
    print()


part1()
part2()
part3()
part6()

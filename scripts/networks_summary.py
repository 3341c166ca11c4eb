#!/usr/bin/env python3
"""Tables of results/networks.md from the sweep results of scripts/networks.sh (standard library only).

    python3 scripts/networks_summary.py [--steps-range] RESULTS.jsonl [RUNS_DIR] > TABLE.md

Job labels are `<split> | <model>` (scripts/networks_grids.py). One row per split, one column per model:
final test accuracy as mean [min-max] over the seeds, and the first evaluation with test accuracy >= 0.99
(RFM: the iteration; networks: the optimizer step) as the median over the seeds that reached it, with how
many did (`k/n`). With RUNS_DIR (the sweep's --save-runs directory) each row also shows the split id of
its runs (`split.id` of the run files): one id per row means RFM and the networks saw the same split.
With --steps-range the first-step cells also give the range and the seeds that reached 0.99:
`median [min-max] (k/n; seeds ...)`.
"""

import collections
import json
import os
import statistics
import sys


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def split_id(runs_dir, job_id):
    if not runs_dir:
        return None
    path = os.path.join(runs_dir, f"{job_id}.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)["split"].get("id")


def describe_ids(entries, n_models):
    """The split id of a row, checking that every model of one split spec saw the same pairs."""
    by_spec = collections.defaultdict(set)
    models_of = collections.defaultdict(set)
    for spec, sid, model in entries:
        by_spec[spec].add(sid)
        models_of[spec].add(model)
    if not by_spec:
        return ""
    if any(len(v) != 1 for v in by_spec.values()):
        return "MISMATCH: one split spec, several ids"
    shared = all(len(m) == n_models for m in models_of.values())
    if len(by_spec) == 1:
        return next(iter(next(iter(by_spec.values()))))
    return f"{len(by_spec)} splits (one per seed){', each shared by all models' if shared else ''}"


def main():
    args = sys.argv[1:]
    steps_range = "--steps-range" in args
    args = [a for a in args if a != "--steps-range"]
    rows = load(args[0])
    runs_dir = args[1] if len(args) > 1 else None
    cells = collections.OrderedDict()
    models = []
    ids = collections.defaultdict(set)
    failed = []
    for r in rows:
        label = r["config"].get("label", "")
        split, _, model = label.partition(" | ")
        task = r["config"]["task"]
        group = task.get("group_name") or task.get("group") or task.get("graph")
        tname = f"{task.get('operation')} {group if group else task.get('modulus')}"
        key = (tname, split)
        if model not in models:
            models.append(model)
        if r["status"] != "ok":
            failed.append(f"{tname} {label}: {r.get('error')}")
            continue
        s = r["outcome"]["summary"]
        net = r["config"].get("net")
        seed = net["seed"] if net else r["config"]["split"].get("seed")
        cells.setdefault(key, collections.defaultdict(list))[model].append(
            (s["final_test_acc"], s["first_iter_test_acc_ge_099"], seed)
        )
        sid = split_id(runs_dir, r["job_id"])
        if sid:
            spec = json.dumps(r["config"]["split"], sort_keys=True)
            ids[key].add((spec, sid, model))
    models = sorted(models, key=lambda m: (m != "rfm", models.index(m)))
    head = ["task", "split"] + [f"{m}: test acc" for m in models] + [f"{m}: first ≥ 0.99" for m in models]
    if runs_dir:
        head.append("split id")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for (tname, split), by_model in cells.items():
        accs, firsts = [], []
        for m in models:
            v = by_model.get(m, [])
            if not v:
                accs.append("–")
                firsts.append("–")
                continue
            a = [x for x, _, _ in v]
            rng = f" [{min(a):.2f}–{max(a):.2f}]" if len(a) > 1 and max(a) > min(a) else ""
            accs.append(f"{statistics.mean(a):.2f}{rng}")
            reached = [f for _, f, _ in v if f is not None]
            if steps_range and reached:
                rng = f" [{min(reached):g}–{max(reached):g}]" if len(reached) > 1 else ""
                seeds = ",".join(str(sd) for _, f, sd in v if f is not None)
                firsts.append(f"{statistics.median(reached):g}{rng} ({len(reached)}/{len(v)}; seeds {seeds})")
            else:
                firsts.append(f"{statistics.median(reached):g} ({len(reached)}/{len(v)})" if reached else f"never (0/{len(v)})")
        line = [tname, split] + accs + firsts
        if runs_dir:
            line.append(describe_ids(ids.get((tname, split), set()), len(models)))
        print("| " + " | ".join(line) + " |")
    if failed:
        print()
        print(f"{len(failed)} failed jobs:")
        for f in failed:
            print(f"- {f}")


if __name__ == "__main__":
    main()

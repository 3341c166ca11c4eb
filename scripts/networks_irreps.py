#!/usr/bin/env python3
"""Irrep (isotypic) energy tables of results/networks.md part 4 (standard library only).

    python3 scripts/networks_irreps.py RESULTS.jsonl RUNS_DIR > TABLE.md
    python3 scripts/networks_irreps.py --centred RUN.json OUT.json   # M - (mean diagonal) I, bare matrix
    python3 scripts/networks_irreps.py --shares RESULTS.jsonl RUNS_DIR > TABLE.md  # compact: top-8 shares

Reads the sweep lines of `networks-part4-irreps` and, for every job, the run file RUNS_DIR/<id>.json
and its decompositions written by scripts/networks.sh (part 4i):
  RUNS_DIR/<id>.decompose.json       `symrfm decompose <id>.json --eigen 8 --isotypic full` (final matrix)
  RUNS_DIR/<id>.decompose-t<K>.json  the same for the NFM recorded at optimizer step K (networks)
  RUNS_DIR/<id>.centred.decompose.json  `symrfm decompose <id>.centred.json --task mul --group G --eigen 8
                                     --isotypic full` of the final matrix minus (mean diagonal)·I
                                     (written by --centred): where the part that is not a multiple of
                                     the identity lives

Two measures per real isotypic component χ (dimension d_χ² in the regular representation of G, n = |G|):
- **block energy per dimension** of the diagonal block M11 (the a-embedding block; M22 is alike):
  ‖P_χ M11 P_χ‖²_F / ‖M11‖²_F divided by d_χ²/n, the share χ would have for a multiple of the identity.
  1 = as much as the identity gives it; > 1 enriched; ≈ 0 removed.
- **top-8 eigenvectors**: the mean energy ‖P_χ v‖² of the 8 leading eigenvectors of M (Sym_f acting on
  the 2n coordinates) divided by the component's share 2d_χ²/2n of the coordinates; again 1 = no preference.
"""

import json
import os
import re
import sys


def load_lines(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def load(path):
    with open(path) as f:
        return json.load(f)


def block_rel(dec, block="m11"):
    """Per component: block energy / (d_χ²/n), and the off-component remainder."""
    ie = dec["analysis"].get("irrep_energy")
    if not ie:
        return None
    n = sum(c["dimension"] for c in ie["components"])
    rel = [e / (c["dimension"] / n) for e, c in zip(ie[block]["energy"], ie["components"])]
    return [c["label"] for c in ie["components"]], [c["degree"] for c in ie["components"]], rel, ie[block]["remainder"]


def eigen_rel(dec):
    """Per component: mean energy of the leading eigenvectors / (component dim / 2n)."""
    iso = dec.get("eigen", {}).get("isotypic")
    if not iso:
        return None
    comps = iso["components"]
    total = sum(c["dimension"] for c in comps)
    k = len(iso["energy"])
    mean = [sum(v[j] for v in iso["energy"]) / k for j in range(len(comps))]
    return [m / (c["dimension"] / total) for m, c in zip(mean, comps)]


def fmt(x):
    return f"{x:.2f}"


def test_acc_at(run, step):
    best = None
    for s in run["network"]["steps"]:
        if s["step"] <= step:
            best = s["test_acc"]
    return best


def centred(run_path, out_path):
    """Writes the run's final matrix minus (mean diagonal)·I as a JSON array of rows."""
    m = load(run_path)["feature_matrices"][-1]["rows"]
    c = sum(m[i][i] for i in range(len(m))) / len(m)
    rows = [[x - (c if i == j else 0.0) for j, x in enumerate(row)] for i, row in enumerate(m)]
    tmp = out_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(rows, f)
    os.replace(tmp, out_path)


def shares(results, runs_dir):
    """One compact table per group: the share (%) of the 8 leading eigenvectors' energy in each isotypic
    component of Sym_f, with the share a uniform vector would have in the header; final matrices and,
    for networks, the NFM at the first snapshot with test accuracy >= 0.99."""
    by_group = {}
    for r in load_lines(results):
        if r["status"] == "ok":
            by_group.setdefault(r["config"]["task"]["group_name"], []).append(r)
    for g, rows in by_group.items():
        head = None
        out = []
        for r in rows:
            jid = r["job_id"]
            frac, _, model = r["config"]["label"].partition(" | ")
            frac = f"{frac} | {r['config']['split'].get('seed')}"
            dec = load(os.path.join(runs_dir, f"{jid}.decompose.json"))
            iso = dec["eigen"]["isotypic"]
            comps = iso["components"]
            total = sum(c["dimension"] for c in comps)
            if head is None:
                head = [f"{c['label']} (deg {c['degree']}; {100 * c['dimension'] / total:.0f})" for c in comps]

            def row(d, what):
                e = d["eigen"]["isotypic"]["energy"]
                sh = [100 * sum(v[j] for v in e) / len(e) for j in range(len(comps))]
                return f"| {frac} | {model} | {what} | " + " | ".join(f"{x:.0f}" for x in sh) + " |"

            acc = r["outcome"]["summary"]["final_test_acc"]
            out.append(row(dec, f"final (test {acc:.2f})"))
            run = load(os.path.join(runs_dir, f"{jid}.json"))
            if "network" in run:
                first = r["outcome"]["summary"]["first_iter_test_acc_ge_099"]
                steps = [f["step"] for f in run["network"]["features"]]
                at = next((k for k in steps if first is not None and k >= first), None)
                if at is not None:
                    out.append(row(load(os.path.join(runs_dir, f"{jid}.decompose-t{at}.json")),
                                   f"step {at} (first ≥ 0.99 at {first})"))
        print()
        print(f"**{g}**: share (%) of the 8 leading eigenvectors of M / the NFM in each isotypic component of Sym_f "
              "(in parentheses: the share of a uniform vector)")
        print()
        print("| fraction | seed | model | matrix | " + " | ".join(head) + " |")
        print("|" + "---|" * (4 + len(head)))
        for l in out:
            print(l)


def main():
    if sys.argv[1] == "--shares":
        shares(sys.argv[2], sys.argv[3])
        return
    if sys.argv[1] == "--centred":
        centred(sys.argv[2], sys.argv[3])
        return
    results, runs_dir = sys.argv[1], sys.argv[2]
    by_group = {}
    for r in load_lines(results):
        if r["status"] != "ok":
            continue
        g = r["config"]["task"].get("group_name")
        by_group.setdefault(g, []).append(r)
    print("Commands: `scripts/networks.sh 4i` (grid `networks-part4-irreps`, seed k for the split and the network), "
          "then for every run `symrfm decompose RUN.json --eigen 8 --isotypic full` (and `--iter K` for the NFM at step K).")
    for g, rows in by_group.items():
        header = None
        lines = []
        along = []
        for r in rows:
            jid = r["job_id"]
            label = r["config"]["label"]
            frac, _, model = label.partition(" | ")
            frac = f"{frac} | {r['config']['split'].get('seed')}"
            dpath = os.path.join(runs_dir, f"{jid}.decompose.json")
            if not os.path.exists(dpath):
                lines.append(f"| {frac} | {model} | (no decomposition) |")
                continue
            dec = load(dpath)
            br = block_rel(dec)
            er = eigen_rel(dec)
            if br is None or er is None:
                continue
            labels, degrees, rel, rem = br
            if header is None:
                header = [f"{l} (deg {d})" for l, d in zip(labels, degrees)]
            acc = r["outcome"]["summary"]["final_test_acc"]
            cpath = os.path.join(runs_dir, f"{jid}.centred.decompose.json")
            cr = block_rel(load(cpath)) if os.path.exists(cpath) else None
            cells = " | ".join(fmt(x) for x in cr[2]) if cr else " | ".join("–" for _ in rel)
            lines.append(
                f"| {frac} | {model} | {acc:.2f} | " + " | ".join(fmt(x) for x in rel) + f" | {rem:.3f} | "
                + cells + " | " + " | ".join(fmt(x) for x in er) + " |"
            )
            # along training (networks): every decompose-t<K> file
            snaps = []
            for name in os.listdir(runs_dir):
                m = re.fullmatch(re.escape(jid) + r"\.decompose-t(\d+)\.json", name)
                if m:
                    snaps.append(int(m.group(1)))
            if snaps and "network" in (run := load(os.path.join(runs_dir, f"{jid}.json"))):
                first = r["outcome"]["summary"]["first_iter_test_acc_ge_099"]
                for k in sorted(snaps):
                    d = load(os.path.join(runs_dir, f"{jid}.decompose-t{k}.json"))
                    b = block_rel(d)
                    e = eigen_rel(d)
                    along.append(
                        f"| {frac} | {model} | {k} | {test_acc_at(run, k):.2f} | "
                        + " | ".join(fmt(x) for x in b[2]) + " | "
                        + " | ".join(fmt(x) for x in e) + " |"
                    )
                along.append(f"| {frac} | {model} | (first ≥ 0.99: {first}) | | " + " | " * (2 * len(labels) - 1) + " |")
        if header is None:
            continue
        print()
        print(f"### {g}")
        print()
        print("Final matrix (RFM: M after 60 iterations; networks: the NFM at the last step). M11 block energy per "
              "dimension, of M and of M − cI (c = mean diagonal); the 8 leading eigenvectors' energy per dimension "
              "(1 = no preference).")
        print()
        print("| fraction | seed | model | test acc | " + " | ".join(f"M11 {h}" for h in header) + " | M11 off-component | "
              + " | ".join(f"M11 − cI {h}" for h in header) + " | "
              + " | ".join(f"top-8 {h}" for h in header) + " |")
        print("|" + "---|" * (4 + 3 * len(header) + 1))
        for l in lines:
            print(l)
        if along:
            print()
            print(f"Along training ({g}, networks; the NFM every 1000 steps):")
            print()
            print("| fraction | seed | model | step | test acc | " + " | ".join(f"M11 {h}" for h in header) + " | "
                  + " | ".join(f"top-8 {h}" for h in header) + " |")
            print("|" + "---|" * (5 + 2 * len(header)))
            for l in along:
                print(l)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Issue 23, part 3: what the features encode, along training (results/networks.md, part 3).

    python3 scripts/networks_part3.py [SYMRFM_BINARY]     # about 2 minutes on a quiet 2-core machine

On add mod 32 with test = Fix<s> (a network learns it, RFM is trapped) and Fix<r^4, s> (both are
trapped), trains the reference MLP (quadratic, seed 0, 3000 optimizer steps, NFM and AGOP every 100
steps) and RFM (60 iterations, M_t saved at every iteration) on the same split, and decomposes every
saved matrix on Dih(Z_32) with `symrfm decompose` (the network's NFM, its centered AGOP, RFM's M).
Per snapshot: the share of ||M||^2 on the identity, on the rotations and on the reflections of the
split's subgroup H, and on the elements outside H; the commutant distance to H; the G-circulant
(Hankel, for add) deviation of the off-diagonal block M12; for networks the NFA correlation.

Writes results/networks/part3-<split>.md (tables; the series every 500 steps / 5 iterations),
results/networks/part3-<split>.svg (the shares along training) and results/networks/part3-<split>.json
(every snapshot: {"kind": "networks-part3", "task", "subgroup", "split_id", "rows": [{"model", "t",
"test_acc", "nfm"/"agop" (networks) or "m" (RFM): the shares, "commutant", "m12_dev", "top"}, ...]}),
from run files kept in target/networks/part3/. Only the Python standard library is used.
"""

import html
import json
import os
import re
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "release", "symrfm")
WORK = os.path.join(ROOT, "target", "networks", "part3")
OUT = os.path.join(ROOT, "results", "networks")
P = 32
STEPS, EVERY, RFM_ITERS = 3000, 100, 60
# (label, subgroup spec, rotation step d: H = <r^d, s>)
SPLITS = [("fix-s", "s", P), ("fix-r4-s", "r^4,s", 4)]


def sh(args):
    subprocess.run([BIN] + args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def runs(spec):
    """The two run files of a split (made once; delete target/networks/part3 to remake them)."""
    os.makedirs(WORK, exist_ok=True)
    split = ["--task", "add", "-p", str(P), "--split", "fixed-points", "--subgroup", spec]
    tag = spec.replace("^", "").replace(",", "-")
    net = os.path.join(WORK, f"mlp-{tag}.json")
    rfm = os.path.join(WORK, f"rfm-{tag}.json")
    if not os.path.exists(net):
        sh(["run", *split, "--model", "mlp", "--net-seed", "0", "--steps", str(STEPS), "--eval-every",
            str(EVERY), "--agop-every", str(EVERY), "-q", "--out", net])
    if not os.path.exists(rfm):
        sh(["run", *split, "--iters", str(RFM_ITERS), "--save-every", "1", "-q", "--out", rfm])
    return net, rfm


def decompose(args, spec):
    out = os.path.join(WORK, "decompose.tmp.json")
    sh(["decompose", *args, "--subgroup", spec, "--top", "1", "--out", out, "--force"])
    with open(out) as f:
        return json.load(f)["analysis"]


ROT = re.compile(r"^r\^(\d+)$")
REF = re.compile(r"^s(?: r\^(\d+))?$")


def shares(analysis, d):
    """Shares of ||M||^2: identity, rotations of H, reflections of H, rotations outside H,
    reflections outside H (H = <r^d, s> in Dih(Z_32))."""
    out = {"id": 0.0, "rot_H": 0.0, "ref_H": 0.0, "rot_out": 0.0, "ref_out": 0.0}
    for e in analysis["group"]["decomposition"]["elements"]:
        name, share = e["name"], e["share"]
        if name == "id":
            out["id"] += share
        elif ROT.match(name):
            k = int(ROT.match(name).group(1))
            out["rot_H" if k % d == 0 else "rot_out"] += share
        elif REF.match(name):
            k = int(REF.match(name).group(1) or 0)
            out["ref_H" if k % d == 0 else "ref_out"] += share
    out["commutant"] = analysis["group"]["subgroup"]["commutant_distance"]
    out["m12_dev"] = analysis["blocks"]["m12"]["circulance"]["min"]
    # The three largest elements besides the identity.
    top = sorted((e for e in analysis["group"]["decomposition"]["elements"] if e["name"] != "id"),
                 key=lambda e: -e["share"])[:3]
    out["top"] = ", ".join(f"{e['name']} {e['share']:.3f}" for e in top)
    return out


def matrix_file(m):
    path = os.path.join(WORK, "matrix.tmp.json")
    with open(path, "w") as f:
        json.dump(m["rows"] if isinstance(m, dict) else m, f)  # a run file's matrix record: {t, dim, rows}
    return path


def series(spec, d):
    net_path, rfm_path = runs(spec)
    with open(net_path) as f:
        net = json.load(f)
    acc = {r["step"]: r["test_acc"] for r in net["network"]["steps"]}
    rows = []
    for snap in net["network"]["features"]:
        t = snap["step"]
        nfm = shares(decompose([net_path, "--iter", str(t)], spec), d)
        agop = shares(decompose([matrix_file(snap["agop_centered"]), "--task", "add", "-p", str(P)], spec), d)
        rows.append({"model": "mlp", "t": t, "test_acc": acc.get(t), "nfa": snap["nfa_corr"],
                     "nfa_no_diag": snap["nfa_corr_no_diag"], "nfm": nfm, "agop": agop})
    with open(rfm_path) as f:
        rfm = json.load(f)
    racc = {r["iter"]: r["test_acc"] for r in rfm["iterations"]}
    for t in range(0, RFM_ITERS + 1):
        try:
            m = shares(decompose([rfm_path, "--iter", str(t)], spec), d)
        except subprocess.CalledProcessError:
            continue  # M_t not saved
        rows.append({"model": "rfm", "t": t, "test_acc": racc.get(t), "m": m})
    return rows, net, rfm


def fmt(x):
    return "–" if x is None else f"{x:.3f}" if abs(x) >= 1e-3 or x == 0 else f"{x:.1e}"


def table(rows, model, key, every):
    head = ("| t | test acc | id | rotations of H | reflections of H | rotations outside H | "
            "reflections outside H | commutant dist. to H | M12 Hankel dev. | largest others |"
            + (" NFA corr. (no diag.) |" if model == "mlp" else ""))
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        if r["model"] != model or (r["t"] % every and r is not rows[-1]):
            continue
        s = r[key]
        line = (f"| {r['t']} | {fmt(r['test_acc'])} | {fmt(s['id'])} | {fmt(s['rot_H'])} | {fmt(s['ref_H'])} | "
                f"{fmt(s['rot_out'])} | {fmt(s['ref_out'])} | {fmt(s['commutant'])} | {fmt(s['m12_dev'])} | {s['top']} |")
        if model == "mlp":
            line += f" {r['nfa']:.4f} ({r['nfa_no_diag']:.4f}) |"
        lines.append(line)
    return "\n".join(lines)


def svg(rows, title, path):
    """Small multiples: shares of ||M||^2 along training, NFM / AGOP / RFM's M."""
    panels = [("mlp", "nfm", "network NFM (steps)"), ("mlp", "agop", "network AGOP, centered (steps)"),
              ("rfm", "m", "RFM M (iterations)")]
    keys = [("rot_H", "#d62728", "rotations of H"), ("ref_H", "#1f77b4", "reflections of H"),
            ("rot_out", "#ff7f0e", "rotations outside H"), ("ref_out", "#2ca02c", "reflections outside H")]
    W, H, PAD = 300, 200, 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{3 * W + 20}" height="{H + 90}" '
             f'font-family="sans-serif" font-size="11">',
             f'<text x="10" y="16" font-size="13">{html.escape(title)}: share of ||M||² (log scale, 1e-6 to 1)</text>']
    for i, (model, key, name) in enumerate(panels):
        pts = [r for r in rows if r["model"] == model]
        if not pts:
            continue
        x0, y0 = 10 + i * W + PAD, 30
        tmax = max(r["t"] for r in pts) or 1
        parts.append(f'<rect x="{x0}" y="{y0}" width="{W - PAD - 10}" height="{H - 40}" fill="none" stroke="#999"/>')
        parts.append(f'<text x="{x0}" y="{y0 + H - 20}">{name}: 0 to {tmax}</text>')
        for frac, lab in [(0, "1"), (0.5, "1e-3"), (1, "1e-6")]:
            parts.append(f'<text x="{x0 - 30}" y="{y0 + 4 + frac * (H - 40)}">{lab}</text>')
        for k, colour, _ in keys:
            def xy(r):
                import math
                v = max(r[key][k], 1e-6)
                return (x0 + (W - PAD - 10) * r["t"] / tmax, y0 + (H - 40) * (-math.log10(v) / 6))
            poly = " ".join(f"{x:.1f},{y:.1f}" for x, y in map(xy, pts))
            parts.append(f'<polyline points="{poly}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
    for j, (_, colour, lab) in enumerate(keys):
        parts.append(f'<rect x="{10 + j * 200}" y="{H + 50}" width="12" height="4" fill="{colour}"/>'
                     f'<text x="{26 + j * 200}" y="{H + 56}">{lab}</text>')
    parts.append("</svg>\n")
    with open(path, "w") as f:
        f.write("\n".join(parts))


def main():
    os.makedirs(OUT, exist_ok=True)
    for label, spec, d in SPLITS:
        rows, net, rfm = series(spec, d)
        h = f"<{spec}>"
        md = [f"# Part 3: add mod {P}, test = Fix{h}: what the features encode along training",
              "",
              f"`python3 scripts/networks_part3.py` (runs: `symrfm run --task add -p {P} --split fixed-points "
              f"--subgroup {spec} --model mlp --net-seed 0 --steps {STEPS} --eval-every {EVERY} --agop-every {EVERY}` "
              f"and `symrfm run --task add -p {P} --split fixed-points --subgroup {spec} --iters {RFM_ITERS} "
              f"--save-every 1`; split id {net['split'].get('id', '?')} for both: "
              f"{'same' if net['split'].get('id') == rfm['split'].get('id') else 'DIFFERENT'}). "
              f"H = {h}; shares of ||M||² on Dih(Z_{P}) (they sum to 1 up to the residual outside the group algebra).",
              "", "## Network NFM (W₁ᵀW₁)", "", table(rows, "mlp", "nfm", 500),
              "", "## Network AGOP (centered)", "", table(rows, "mlp", "agop", 500),
              "", "## RFM's M", "", table(rows, "rfm", "m", 5), "",
              f"![shares along training](part3-{label}.svg)", ""]
        with open(os.path.join(OUT, f"part3-{label}.md"), "w") as f:
            f.write("\n".join(md))
        svg(rows, f"add mod {P}, test = Fix{h}", os.path.join(OUT, f"part3-{label}.svg"))
        with open(os.path.join(OUT, f"part3-{label}.json"), "w") as f:
            json.dump({"kind": "networks-part3", "task": f"add mod {P}", "subgroup": spec,
                       "split_id": net["split"].get("id"), "rows": rows}, f, indent=0)
        print(f"wrote results/networks/part3-{label}.md, .svg, .json")


if __name__ == "__main__":
    main()

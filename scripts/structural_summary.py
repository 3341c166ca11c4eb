#!/usr/bin/env python3
"""Tables of scripts/structural.sh: symmetric splits of structural and relational tasks against their
broken twins, from the compare files in the directory given (default target/structural)."""
import glob
import json
import os
import sys


def main() -> None:
    d = sys.argv[1] if len(sys.argv) > 1 else "target/structural"
    files = sorted(glob.glob(os.path.join(d, "*.json")))
    if not files:
        sys.exit(f"no compare files in {d}")
    print("| task | seed | Sym_f element g (test = Fix(g)) | train / test | stabilizer order: symmetric, twin "
          "| symmetric: best / final test acc | twin: best / final test acc | twin's wrong test pairs: in Fix(g), all | orbit theory (twin): precision, recall |")
    print("|---|---|---|---|---|---|---|---|---|")
    controls = {}
    for f in sorted(glob.glob(os.path.join(d, "control", "*.json"))):
        r = json.load(open(f))
        name = os.path.basename(f)[:-5].rsplit("-s", 1)[0]
        controls.setdefault(name, []).append((r["summary"]["best_test_acc"], r["summary"]["final_test_acc"], r["split"]["n_train"]))
    for f in files:
        r = json.load(open(f))
        s, t = r["symmetric"], r["twin"]
        ss, ts = s["symmetry"], t["symmetry"]
        name = os.path.basename(f)[:-5].rsplit("-s", 1)
        name[0] = name[0].replace("-m", ", twin moves ")
        g = ss["orbit_subgroup_name"]
        g = g if len(g) < 40 else g[:37] + "…>"
        misses = (r.get("verdict") or {}).get("twin_misses") or {}
        th = ts.get("theory") or {}
        print(
            f"| {name[0]} | {name[1]} | `{g}` | {s['split']['n_train']} / {s['split']['n_test']} | "
            f"{ss['stabilizer_order']}, {ts['stabilizer_order']} | "
            f"{s['summary']['best_test_acc']:.3f} / {s['summary']['final_test_acc']:.3f} | "
            f"{t['summary']['best_test_acc']:.3f} / {t['summary']['final_test_acc']:.3f} | "
            f"{misses.get('n_fixed_points', '–')}, {misses.get('n_wrong', '–')} | "
            f"{th.get('precision', float('nan')):.3f}, {th.get('recall', float('nan')):.3f} |"
        )
    if controls:
        print_controls(controls)


def print_controls(controls) -> None:
    print()
    print("Controls: random splits with as many training pairs (split seeds 0, 1, 2).")
    print()
    print("| task | train pairs | best / final test acc, seeds 0, 1, 2 |")
    print("|---|---|---|")
    for name, rows in sorted(controls.items()):
        cells = ", ".join(f"{b:.3f} / {f:.3f}" for b, f, _ in rows)
        print(f"| {name} | {rows[0][2]} | {cells} |")


if __name__ == "__main__":
    main()

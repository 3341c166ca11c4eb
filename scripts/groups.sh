#!/usr/bin/env bash
# Issue 14, results: mul on groups of equal order, abelian against not (results/groups.md).
#   1  test accuracy vs training fraction 0.3–0.9, 3 seeds: Z24, Z2xZ12, D12, S4; Z8, Q8, D4; Z60, A5
#      (data/grids/groups-fraction.json; symrfm sweep, resumable)
#   2  decomposition on Sym_f, G-circulant structure, irreducible-representation energies and isotypic
#      content of the leading eigenvectors of the final M: Z24, D12, S4 at fraction 0.9
#   3  S5 at fraction 0.5 (one seed), with its decomposition
# Usage: scripts/groups.sh   (about 40 minutes on a loaded 2-core machine)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SYMRFM:-target/release/symrfm}
"$BIN" sweep data/grids/groups-fraction.json -o results/groups-fraction.jsonl -j 1 --cores 1 -q
python3 scripts/groups_summary.py results/groups-fraction.jsonl
out=results/groups
mkdir -p "$out"
for g in Z24 D12 S4; do
  "$BIN" run --task mul --group "$g" --train-frac 0.9 --seed 0 --iters 30 -q --force --out "$out/$g-f0.9.json" >/dev/null
  "$BIN" decompose "$out/$g-f0.9.json" --top 4 --eigen 8 --isotypic full --force --out "$out/$g-f0.9.decompose.json"
done
# 3  S5 (n = 120, 7,200 training pairs) at fraction 0.5: about 9 minutes on a loaded 2-core machine.
"$BIN" run --task mul --group S5 --train-frac 0.5 --seed 0 --iters 30 -q --force --out "$out/S5-f0.5.json" >/dev/null
"$BIN" decompose "$out/S5-f0.5.json" --top 4 --eigen 12 --isotypic full --force --out "$out/S5-f0.5.decompose.json"

#!/usr/bin/env bash
# Issue 14, results: a structural task (graph distance on a cycle and on a hypercube) and relational tasks
# (comparisons), each with its computed Sym_f, a symmetric split (test = the fixed points of one element g
# of Sym_f) and its broken twins (1 or 10 random training pairs moved to the test set), split seeds 0-2
# (results/structural.md), and random splits with as many training pairs as controls. The compare and
# run files are kept in target/structural (not committed).
#
#   cycle:31      g = #63, (a, b) -> (-b, -a): fixes the 31 pairs (a, -a), whose distances cover 0-15
#   hypercube:5   g = #24, swaps bits 0 and 1 of both vertices: fixes the 256 pairs with bit0 = bit1 in both
#   abs-diff 31   g = #3,  (a, b) -> (30 - b, 30 - a): fixes (a, 30 - a), labels |2a - 30|
#   sign 31       g = #1,  the same map on sign(a - b): fixes (a, 30 - a), all three labels
# (#k is element k of `symrfm symmetry --task ...`; the script prints each g in full.)
# Usage: scripts/structural.sh   (about 3 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SYMRFM:-target/release/symrfm}
[[ -n ${SYMRFM:-} ]] || cargo build --release --quiet
OUT=target/structural
mkdir -p "$OUT"
run() { echo "+ $*"; "$@"; }
cases=(
  "cycle31|--task graph-distance --graph cycle:31|#63"
  "hypercube5|--task graph-distance --graph hypercube:5|#24"
  "absdiff31|--task abs-diff -p 31|#3"
  "sign31|--task sign -p 31|#1"
)
for c in "${cases[@]}"; do
  IFS='|' read -r name task g <<<"$c"
  # shellcheck disable=SC2086
  run "$BIN" symmetry $task | head -1
  for seed in 0 1 2; do
    for m in 1 10; do
      # shellcheck disable=SC2086
      run "$BIN" compare $task --split fixed-points --subgroup "$g" --seed "$seed" --move-random "$m" -q \
        --force --out "$OUT/$name-m$m-s$seed.json" >/dev/null
    done
  done
  # Control: random splits with as many training pairs as the symmetric split.
  frac=$(python3 -c "import json; r = json.load(open('$OUT/$name-m1-s0.json'))['symmetric']['split']; print(r['n_train'] / (r['n_train'] + r['n_test']) + 1e-9)")
  for seed in 0 1 2; do
    # shellcheck disable=SC2086
    run "$BIN" run $task --train-frac "$frac" --seed "$seed" -q --force --out "$OUT/control/$name-s$seed.json" >/dev/null
  done
done
python3 scripts/structural_summary.py "$OUT" > results/structural.tables.md
echo "wrote results/structural.tables.md"

#!/bin/bash
# A first look at non-abelian groups (issue 14): final test accuracy (30 RFM iterations, default
# parameters: Gaussian kernel L = 2.5, ridge 0, s = 0.5) for groups of equal order, abelian vs not,
# on random splits, and on orbit splits under subgroups H of Sym_f. Prints markdown table rows.
# Usage: scripts/nonabelian_first_look.sh [SYMRFM]   (default ./target/release/symrfm)
set -euo pipefail
B=${1:-./target/release/symrfm}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
acc() { python3 -c "import json,sys;print('%.3f'%json.load(open(sys.argv[1]))['summary']['final_test_acc'])" "$1"; }
echo "| group | order | abelian | f=0.5 s0 | f=0.7 s0 | f=0.9 s0 | f=0.9 s1 | f=0.9 s2 |"
echo "|---|---|---|---|---|---|---|---|"
for spec in "add -p 24|Z24|24|yes" "add --group 2x12|Z2xZ12|24|yes" "mul --group D12|D12|24|no" \
            "mul --group S4|S4|24|no" "add -p 8|Z8|8|yes" "mul --group Q8|Q8|8|no" "mul --group D4|D4|8|no"; do
  IFS='|' read -r args name order abelian <<<"$spec"
  row="| $name | $order | $abelian"
  for fs in "0.5 0" "0.7 0" "0.9 0" "0.9 1" "0.9 2"; do
    read -r f s <<<"$fs"
    # shellcheck disable=SC2086
    $B run --task $args --train-frac "$f" --seed "$s" --iters 30 -q --force --out "$tmp/r.json" >/dev/null
    row="$row | $(acc "$tmp/r.json")"
  done
  echo "$row |"
done
echo
echo "| task | split (f = 0.9, seed 0) | test accuracy |"
echo "|---|---|---|"
for spec in "D12|r^s" "D12|r^r" "D12|r^{r^6}" "S4|r^{(1 2)}" "S4|r^{(1 2 3)}"; do
  IFS='|' read -r g h <<<"$spec"
  $B run --task mul --group "$g" --split orbit --subgroup "$h" --train-frac 0.9 --seed 0 --iters 30 -q \
    --force --out "$tmp/o.json" >/dev/null
  echo "| mul on $g | orbit split, H = <$h> | $(acc "$tmp/o.json") |"
done

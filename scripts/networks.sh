#!/usr/bin/env bash
# Issue 23: RFM and neural networks side by side on symmetric splits (results/networks.md).
#
#   scripts/networks.sh            # every part (about 25 minutes on a quiet 2-core machine)
#   scripts/networks.sh 1 2        # only the listed parts
#   SWEEP_ARGS="-j 1 --cores 1" scripts/networks.sh 1t   # extra `symrfm sweep` options
#
# Parts (grids written by scripts/networks_grids.py into data/grids/networks-*.json; each is an
# ordinary `symrfm sweep` grid, so `--shard I/N` or scripts/slurm/ run it on a cluster):
#   1  the seed paper's splits: Fix(s) and its edits for add/sub/mul/div mod 31; add mod 32 with the
#      fixed points of growing dihedral subgroups, and random controls of the same fractions; the 21
#      reflections of Z3 x Z7 (RFM, OneLayerFCN quadratic and ReLU)
#   1b two held-out points fixed by a common / different reflections; orbit splits vs random
#      splits; add mod 61 (RFM, OneLayerFCN quadratic and ReLU)
#   1t the transformer (Nanda et al.'s architecture, smaller) on the splits of part 1
#   2  what decides trapping: symmetric/perturbed network inits, full batch vs minibatch; RFM from a
#      perturbed M_0 (add mod 32, Fix<s> and Fix<r^4,s>)
#   3  what the features encode: NFM, AGOP and RFM's M on Dih(Z_32) along training
#      (scripts/networks_part3.py; no sweep)
#   4  non-abelian groups: mul on D12, S4, A5 at training fractions 0.3-0.9
# Sweep lines go to results/networks/<grid>.jsonl (committed), full run files (NFM, AGOP along
# training) to target/networks/<grid>/ (not committed), tables to results/networks/<grid>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SYMRFM:-target/release/symrfm}
[[ -n ${SYMRFM:-} ]] || cargo build --release --quiet
PARTS=("$@")
[[ ${#PARTS[@]} -gt 0 ]] || PARTS=(1 1b 1t 2 3 4)
python3 scripts/networks_grids.py
mkdir -p results/networks target/networks
grids() {
  case $1 in
    1) echo part1-p31 part1-add32 part1-add32-random part1-z3xz7 ;;
    1b) echo part1-two-points part1-orbit part1-p61 ;;
    1p) echo part1-p61 ;;
    1t) echo part1-p31-transformer part1-add32-transformer ;;
    2) echo part2-add32 ;;
    4) echo part4-groups ;;
    *) echo "unknown part $1 (1, 1b, 1t, 2, 3 or 4)" >&2; exit 2 ;;
  esac
}
for part in "${PARTS[@]}"; do
  if [[ $part == 3 ]]; then
    rm -rf target/networks/part3
    python3 scripts/networks_part3.py "$BIN"
    continue
  fi
  for g in $(grids "$part"); do
    echo "=== $g"
    rm -rf "results/networks/$g.jsonl" "target/networks/$g"
    # shellcheck disable=SC2086  # SWEEP_ARGS: extra sweep options, e.g. "-j 1 --cores 1" on a shared machine
    "$BIN" sweep "data/grids/networks-$g.json" -o "results/networks/$g.jsonl" -q --save-runs "target/networks/$g" ${SWEEP_ARGS:-}
    python3 scripts/networks_summary.py "results/networks/$g.jsonl" "target/networks/$g" > "results/networks/$g.md"
  done
done
echo "tables in results/networks/*.md"

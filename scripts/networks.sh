#!/usr/bin/env bash
# Issue 23: RFM and neural networks side by side on symmetric splits (results/networks.md).
#
#   scripts/networks.sh            # parts 1 2 4 4i 5 (about 25 minutes for 1-4 and another 25 for 4i and 5,
#                                  # measured on the shared 2-core machine; 5d is not in the default set)
#   scripts/networks.sh 1 2        # only the listed parts
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
#   4i the irreps of part 4: its seed-0 runs at fractions 0.7, 0.9 again with the NFM every 1000
#      steps, then `symrfm decompose --eigen 8 --isotypic full` of every final NFM / M
#      (tables by scripts/networks_irreps.py)
#   5  Hwang & Park: steps to 0.99 with and without the symmetry-prompting loss and the AGOP
#      regularizer (add mod 31); graph distance (cycle, path, grid) and comparisons (max, sign,
#      |a-b|) with RFM and the networks, on random splits and on the fixed points of one element
#      of Sym_f (the symmetric splits of results/groups.md)
#   5d the symmetry diagnostic along network training (needs a binary whose networks record
#      `symmetry_diagnostic`; not part of the default set)
# Sweep lines go to results/networks/<grid>.jsonl (committed), full run files (NFM, AGOP along
# training) to target/networks/<grid>/ (not committed), tables to results/networks/<grid>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SYMRFM:-target/release/symrfm}
[[ -n ${SYMRFM:-} ]] || cargo build --release --quiet
PARTS=("$@")
[[ ${#PARTS[@]} -gt 0 ]] || PARTS=(1 1b 1t 2 3 4 4i 5 5d)
# Extra sweep flags, e.g. SWEEP_ARGS="-j 1 --cores 1" on a shared machine.
read -r -a SWEEP_EXTRA <<< "${SWEEP_ARGS:-}"
python3 scripts/networks_grids.py
mkdir -p results/networks target/networks
grids() {
  case $1 in
    1) echo part1-p31 part1-add32 part1-add32-random part1-z3xz7 ;;
    1b) echo part1-two-points part1-orbit part1-p61 ;;
    1t) echo part1-p31-transformer part1-add32-transformer ;;
    2) echo part2-add32 ;;
    4) echo part4-groups ;;
    4i) echo part4-irreps ;;
    5) echo part5-grok part5-tasks part5-fixed part5-agop ;;
    5d) echo part5-diagnostic ;;
    *) echo "unknown part $1 (1, 1b, 1t, 2, 3, 4, 4i, 5 or 5d)" >&2; exit 2 ;;
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
    "$BIN" sweep "data/grids/networks-$g.json" -o "results/networks/$g.jsonl" -q --save-runs "target/networks/$g" "${SWEEP_EXTRA[@]}"
    case $g in
      part4-irreps)
        for run in target/networks/$g/*.json; do
          [[ $run == *.decompose*.json || $run == *.centred.json ]] && continue
          "$BIN" decompose "$run" --eigen 8 --isotypic full -q --force --out "${run%.json}.decompose.json" > /dev/null
          # the part of the final matrix that is not a multiple of the identity
          python3 scripts/networks_irreps.py --centred "$run" "${run%.json}.centred.json"
          "$BIN" decompose "${run%.json}.centred.json" --task mul --group "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["task"]["spec"]["group_name"])' "$run")" \
            --eigen 8 --isotypic full -q --force --out "${run%.json}.centred.decompose.json" > /dev/null
          # the NFM recorded along training (network runs): every snapshot step K
          for k in $(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(*[f["step"] for f in (d.get("network") or {}).get("features", [])])' "$run"); do
            "$BIN" decompose "$run" --iter "$k" --eigen 8 --isotypic full -q --force --out "${run%.json}.decompose-t$k.json" > /dev/null
          done
        done
        { python3 scripts/networks_irreps.py --shares "results/networks/$g.jsonl" "target/networks/$g"; echo
          python3 scripts/networks_irreps.py "results/networks/$g.jsonl" "target/networks/$g"; } > "results/networks/$g.md" ;;
      part5-grok | part5-agop)
        python3 scripts/networks_summary.py --steps-range "results/networks/$g.jsonl" "target/networks/$g" > "results/networks/$g.md"
        # memorization and generalization steps (part5-grok also counted up to the AGOP runs' 6000 steps)
        { python3 scripts/networks_grok_steps.py "results/networks/$g.jsonl"
          if [[ $g == part5-grok ]]; then echo; python3 scripts/networks_grok_steps.py "results/networks/$g.jsonl" 6000; fi
          echo; python3 scripts/networks_grok_steps.py --threshold 0.95 "results/networks/$g.jsonl" 6000
        } > "results/networks/$g-steps.md" ;;
      part5-diagnostic)
        python3 scripts/networks_summary.py "results/networks/$g.jsonl" "target/networks/$g" > "results/networks/$g.md"
        { echo; python3 scripts/networks_diagnostic.py "results/networks/$g.jsonl" "target/networks/$g"; } >> "results/networks/$g.md" ;;
      part5-tasks)
        python3 scripts/networks_summary.py "results/networks/$g.jsonl" "target/networks/$g" > "results/networks/$g.md"
        # the order of Sym_f of each task (exact search)
        { echo; echo "| task | symbols | classes | order of Sym_f |"; echo "|---|---|---|---|"
          for t in "graph-distance --graph cycle:31" "graph-distance --graph path:31" "graph-distance --graph grid:6x6" \
                   "max -p 31" "sign -p 31" "abs-diff -p 31" "add -p 31"; do
            # shellcheck disable=SC2086
            "$BIN" symmetry --task $t --out "target/networks/$g/symmetry.json" --force > /dev/null
            python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print("| %s | %s | %s | %s |" % (sys.argv[2], d["n_symbols"], d["n_classes"], d["order"]))' \
              "target/networks/$g/symmetry.json" "$t"
          done
        } >> "results/networks/$g.md" ;;
      *)
        python3 scripts/networks_summary.py "results/networks/$g.jsonl" "target/networks/$g" > "results/networks/$g.md" ;;
    esac
    # the test accuracy along training, per split (from the saved runs)
    python3 scripts/networks_figures.py "results/networks/$g.jsonl" "target/networks/$g" "results/networks/$g.svg"
  done
done
echo "tables in results/networks/*.md, figures in results/networks/*.svg"

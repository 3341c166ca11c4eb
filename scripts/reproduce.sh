#!/usr/bin/env bash
# Regenerates results/ from scratch: every table and figure described in results/README.md.
#
#   scripts/reproduce.sh            # all steps, from scratch (removes the outputs of each step first)
#   scripts/reproduce.sh --resume   # keep finished sweep jobs (a killed run continues where it stopped)
#   scripts/reproduce.sh 1 3        # only the listed steps
#
# Steps (grids in data/grids/):
#   1  test accuracy vs training fraction: add, sub, mul, div at p = 61, 5 seeds  (symrfm sweep + report)
#   2  symmetric vs broken splits: add, mul at p = 61, Gaussian and quadratic kernels, moving
#      0, 1, 10, 20, 100, 200 random points or reflection pairs            (symrfm sweep + report)
#      and, with 5 seeds each, 1 or 20 random points or 20 pairs (Gaussian; bands over seeds)
#   3  decomposition of the final M of a symmetric, a broken and a random-split run
#                                                                       (symrfm run + decompose + report)
#   4  the performance table                                             (symrfm bench)
#   5  interventions on M and trap dynamics (scripts/interventions.sh; results/interventions.md)
#   6  any finite group: mul on groups of equal order, abelian vs not (scripts/groups.sh); symmetric vs
#      broken splits on D12 and S4 (scripts/nonabelian_symmetric.sh); graph distance and comparisons
#      with fixed-point splits of a Sym_f element (scripts/structural.sh)        (results/groups.md)
#   7  RFM, MLPs and the transformer side by side on symmetric splits, what decides trapping, features along
#      training, non-abelian groups and irreps, symmetry acquisition
#      (scripts/networks.sh)                                                 (results/networks.md)
# A step whose subcommand or split kind this symrfm does not have yet is skipped with a message
# saying what is missing; the summary at the end lists the skipped steps.
#
# Budget: the whole script is meant to finish in under 30 minutes on a 2-core machine. Each step
# prints its wall time; step 1 (140 jobs) took about 10 minutes there when the machine was not
# shared (see results/README.md for the measured times).
set -euo pipefail
cd "$(dirname "$0")/.."

RESUME=0
STEPS=()
for arg in "$@"; do
  case $arg in
    --resume) RESUME=1 ;;
    1|2|3|4|5|6|7) STEPS+=("$arg") ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "usage: $0 [--resume] [1 2 3 4 5 6 7]" >&2; exit 2 ;;
  esac
done
[[ ${#STEPS[@]} -gt 0 ]] || STEPS=(1 2 3 4 5 6 7)

cargo build --release --quiet
BIN=target/release/symrfm
mkdir -p results
SKIPPED=()
T0=$(date +%s)

wants() { [[ " ${STEPS[*]} " == *" $1 "* ]]; }
has() { "$BIN" help "$1" >/dev/null 2>&1; }
step() { echo; echo "=== step $1: $2"; STEP_T0=$(date +%s); }
done_step() { echo "=== step $1 done in $(( $(date +%s) - STEP_T0 )) s"; }
skip() { echo "!!! step $1 SKIPPED: $2"; SKIPPED+=("step $1: $2"); }
fresh() { [[ $RESUME == 1 ]] || rm -rf "$@"; }

# Runs a sweep grid and its report: sweep_and_report GRID NAME [sweep flags].
sweep_and_report() {
  local grid=$1 name=$2
  shift 2
  fresh "results/$name.jsonl" "results/$name"
  "$BIN" sweep "$grid" -o "results/$name.jsonl" "$@"
  "$BIN" report "results/$name.jsonl" --out "results/$name"
}

if wants 1; then
  step 1 "test accuracy vs training fraction (add, sub, mul, div; p = 61; 5 seeds)"
  sweep_and_report data/grids/fraction-p61.json fraction-p61
  done_step 1
fi

if wants 2; then
  step 2 "symmetric vs broken splits (add, mul; p = 61; Gaussian, quadratic)"
  grid=data/grids/symmetric-vs-broken-p61.json
  if ! check=$("$BIN" sweep "$grid" --dry-run 2>&1 >/dev/null); then
    skip 2 "this symrfm cannot run $grid (needs the symmetric split kinds of issue 3): $check"
  else
    name=symmetric-vs-broken-p61
    fresh "results/$name.jsonl" "results/$name"
    "$BIN" sweep "$grid" -o "results/$name.jsonl" --save-runs "results/$name/runs"
    # One figure per task and kernel (11 variants each).
    "$BIN" report "results/$name.jsonl" --out "results/$name" \
      --facet task.operation --facet params.kernel.kind
    # Replicates (seeds 0-4 of the moved points) for the figure with bands over seeds.
    sweep_and_report data/grids/symmetric-vs-broken-seeds-p61.json symmetric-vs-broken-seeds-p61
    done_step 2
  fi
fi

if wants 3; then
  step 3 "decomposition of the final M of a symmetric, a broken and a random-split run (add, p = 61, Gaussian)"
  if ! has decompose; then
    skip 3 "this symrfm has no \`decompose\` subcommand (issue 4)"
  elif ! "$BIN" run --help | grep -q -- '--move-random'; then
    skip 3 "\`symrfm run\` has no symmetric splits (--split fixed-points, --move-random; issue 3)"
  else
    out=results/decompose-p61
    fresh "$out"
    mkdir -p "$out"
    "$BIN" run -p 61 --split fixed-points --reflection s --iters 60 --structure --quiet --force \
      --out "$out/symmetric.json"
    "$BIN" run -p 61 --split fixed-points --reflection s --move-random 1 --iters 60 --structure --quiet --force \
      --out "$out/broken.json"
    # The default random split (fraction 0.5), whose blocks become circulant while it groks.
    "$BIN" run -p 61 --structure --symmetry-points 200 --quiet --force --out "$out/random.json"
    for run in symmetric broken random; do
      "$BIN" decompose "$out/$run.json" --top 10 --force --out "$out/$run-decomposition.json" \
        | tee "$out/$run-decomposition.txt"
    done
    "$BIN" report --matrix "$out/symmetric.json" --matrix "$out/broken.json" \
      --matrix "$out/random.json" --out "$out"
    done_step 3
  fi
fi

if wants 4; then
  step 4 "performance table"
  if ! has bench; then
    skip 4 "this symrfm has no \`bench\` subcommand (issue 5)"
  else
    "$BIN" bench --full-runs 61,97 --out-dir results --force
    done_step 4
  fi
fi

if wants 5; then
  step 5 "interventions on M and trap dynamics (about 30 minutes)"
  scripts/interventions.sh
  done_step 5
fi

if wants 6; then
  step 6 "any finite group: accuracy vs fraction on groups of equal order, decompositions, symmetric vs broken splits, structural tasks (about 40 minutes)"
  fresh results/groups-fraction.jsonl
  scripts/groups.sh
  scripts/nonabelian_symmetric.sh
  scripts/structural.sh
  done_step 6
fi

if wants 7; then
  step 7 "RFM and neural networks on symmetric splits (issue 23; about 90 minutes, every part of results/networks.md)"
  SYMRFM=$BIN scripts/networks.sh
  done_step 7
fi

echo
echo "reproduce.sh: finished in $(( $(date +%s) - T0 )) s"
if [[ ${#SKIPPED[@]} -gt 0 ]]; then
  echo "reproduce.sh: ${#SKIPPED[@]} step(s) skipped:"
  printf '  %s\n' "${SKIPPED[@]}"
fi

#!/usr/bin/env bash
# Results of issue 15 (interventions on M, trap dynamics), written to results/interventions/ and
# summarized in results/interventions.md. Every command is printed before it runs.
#
#   scripts/interventions.sh          # all four parts (about 30 minutes on 2 shared cores)
#   scripts/interventions.sh 1 3      # only the listed parts
#
#   1  acceleration: sweep data/grids/interventions-p61.json (add, mul; p = 61; fractions
#      0.25-0.5; plain, enforce-circulant, commutant of the rotations, group algebra; 3 seeds)
#   2  random block-circulant features after one solve (p = 31, 61; fractions 0.25, 0.5; add, mul;
#      init seeds 0-2), beside a trained RFM (part 1)
#   3  trap dynamics: test = Fix(s) at p = 61 (add), 200 iterations, plain, --exact-symmetry, and
#      M_0 = I + eps*E for eps in 1e-12, 1e-8, 1e-6, 1e-5, 1e-4, 1e-2
#   6  a non-abelian group: sweep data/grids/interventions-nonabelian.json (mul on D12 and S4; plain,
#      projection onto the commutant of Sym_f and onto its group algebra; fractions 0.6-0.9, 3 seeds), and
#      trap dynamics of an orbit split of D12 under the centre <r^{r^6}> (fraction 0.9, 200 iterations,
#      plain, --exact-symmetry, eps in 1e-8, 1e-4)
#   5  trap dynamics at a composite n: test = the fixed points of the reflections of <r^30, s> in
#      Dih(Z_60) (add, n = 60), 200 iterations, plain, --exact-symmetry, eps in 1e-8, 1e-4
#   4  eigenfeatures of a grokked M (add and mul, p = 61, fraction 0.5, 30 iterations): decompose --eigen 8;
#      a strip of M_t over the iterations (add, saved every 3 iterations): report --strip
set -euo pipefail
cd "$(dirname "$0")/.."
PARTS=("$@")
[[ ${#PARTS[@]} -gt 0 ]] || PARTS=(1 2 3 4 5 6)
wants() { [[ " ${PARTS[*]} " == *" $1 "* ]]; }
[[ -n ${SYMRFM_BIN:-} ]] || cargo build --release --quiet
BIN=${SYMRFM_BIN:-target/release/symrfm}
OUT=results/interventions
mkdir -p "$OUT"
run() { echo "+ $*"; "$@"; }

if wants 1; then
  rm -f results/interventions-p61.jsonl
  run "$BIN" sweep data/grids/interventions-p61.json -o results/interventions-p61.jsonl
fi

if wants 2; then
  for op in add mul; do
    for p in 31 61; do
      for f in 0.25 0.5; do
        for s in 0 1 2; do
          run "$BIN" run --task "$op" -p "$p" --train-frac "$f" --seed 0 --iters 1 -q \
            --init random-circulant --init-seed "$s" --force --out "$OUT/random-circulant-$op-p$p-f$f-i$s.json" >/dev/null
        done
      done
    done
  done
fi

if wants 3; then
  common=(--task add -p 61 --split fixed-points --reflection s --iters 200 -q)
  run "$BIN" run "${common[@]}" --force --out "$OUT/trap-plain.json"
  run "$BIN" run "${common[@]}" --force --exact-symmetry --out "$OUT/trap-exact.json"
  for eps in 1e-12 1e-8 1e-6 1e-5 1e-4 1e-2; do
    run "$BIN" run "${common[@]}" --force --perturb "$eps" --init-seed 0 --out "$OUT/trap-eps$eps.json"
  done
fi

if wants 5; then
  common=(--task add -p 60 --split fixed-points --subgroup "r^30,s" --iters 200 -q)
  run "$BIN" run "${common[@]}" --force --out "$OUT/trap60-plain.json"
  run "$BIN" run "${common[@]}" --force --exact-symmetry --out "$OUT/trap60-exact.json"
  for eps in 1e-8 1e-4; do
    run "$BIN" run "${common[@]}" --force --perturb "$eps" --init-seed 0 --out "$OUT/trap60-eps$eps.json"
  done
fi

if wants 4; then
  for op in add mul; do
    run "$BIN" run --task "$op" -p 61 --train-frac 0.5 --seed 0 --iters 30 -q --force --out "$OUT/grokked-$op.json" >/dev/null
    run "$BIN" decompose "$OUT/grokked-$op.json" --force --eigen 8 --out "$OUT/grokked-$op.decompose.json" | sed -n '/leading eigenpairs/,/^wrote/p'
  done
  # M_t over the iterations: a strip of heatmaps from a run saving M_t every 3 iterations.
  run "$BIN" run --task add -p 61 --train-frac 0.5 --seed 0 --iters 30 --save-every 3 -q --force --out "$OUT/grokked-add-every3.json" >/dev/null
  rm -f "$OUT/figures.md"
  run "$BIN" report --matrix "$OUT/grokked-add-every3.json" --strip --out "$OUT" --force
  rm -f "$OUT/strip-grokked-add-every3.svg"   # 10 heatmaps of 122 x 122 cells: a 13 MB SVG; the PNG is kept
fi

if wants 6; then
  rm -f results/interventions-nonabelian.jsonl
  run "$BIN" sweep data/grids/interventions-nonabelian.json -o results/interventions-nonabelian.jsonl -q
  common=(--task mul --group D12 --split orbit --subgroup "r^{r^6}" --train-frac 0.9 --iters 200 -q)
  run "$BIN" run "${common[@]}" --force --out "$OUT/trapD12-plain.json"
  run "$BIN" run "${common[@]}" --force --exact-symmetry --out "$OUT/trapD12-exact.json"
  for eps in 1e-8 1e-4; do
    run "$BIN" run "${common[@]}" --force --perturb "$eps" --init-seed 0 --out "$OUT/trapD12-eps$eps.json"
  done
fi

python3 scripts/interventions_summary.py > "$OUT/tables.md"
echo "wrote $OUT/tables.md"

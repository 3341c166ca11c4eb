#!/usr/bin/env bash
# Runs a fixed set of commands with two symrfm binaries and diffs everything they print and write
# (stdout, stderr, exit codes, every output file), after removing the fields that differ from run to
# run by nature (timings, the crate's build id). Abelian group tasks only: every output must be
# byte-identical.
#
#   scripts/compare-binaries.sh OLD NEW          # e.g. /work/bin/symrfm-base target/release/symrfm
#
# Exit 0 when nothing differs; otherwise the diffs are printed and the exit code is 1. The work
# directories are kept under $TMPDIR/symrfm-compare-*/{old,new}.
set -euo pipefail
OLD=$(realpath "$1")
NEW=$(realpath "$2")
ROOT=$(realpath "$(dirname "$0")/..")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/symrfm-compare-XXXXXX")

# One command per line, run in the work directory with $B the binary; outputs are relative paths.
COMMANDS=$(cat <<'EOF'
$B run --task add -p 23 --iters 4 --out run-add.json
$B run --task mul -p 23 --iters 4 --split fixed-points --reflection "s r^3" --out run-mul-fix.json
$B run --task sub -p 17 --iters 3 --split orbit --subgroup "r^16,s" --train-frac 0.4 --seed 2 --out run-sub-orbit.json
$B run --task add -p 23 --iters 3 --split fixed-points --move-random 2 --seed 5 --out run-add-moved.json
$B run --task add -p 23 --iters 3 --split fixed-points --move-orbits 3 --seed 1 --out run-add-orbits.json
$B run --task add -p 23 --iters 3 --split fixed-points --hold-out 1:2 --move-to-train 0:0 --out run-add-edits.json
$B run --task add --group 2,4 --iters 3 --split fixed-points --subgroup "s r^(1,2)" --out run-prod.json
$B run --task add -p 23 --iters 20 --split fixed-points --perturb 1e-4 --out run-trap.json
$B run --task add -p 23 --iters 5 --split fixed-points --exact-symmetry --out run-exact.json
$B run --task add -p 13 --iters 3 --project commutant:rotations --out run-proj.json
$B run --task mul -p 13 --iters 3 --project group-algebra:stabilizer --split fixed-points --out run-ga.json
$B run --task add -p 19 --iters 4 --structure --symmetry-diagnostic --commutant-subgroup "s" --out run-diag.json
$B run --task add -p 23 --iters 3 --split orbit --subgroup "r^3" --out run-bad-orbit.json
$B run --task add -p 11 --split fixed-points --subgroup "r^3" --out run-bad.json
$B run --task add -p 11 --split fixed-points --subgroup "q" --out run-bad2.json
$B run --task add -p 11 --reflection "r^2" --split fixed-points --out run-bad3.json
$B compare --task add -p 23 --iters 4 --out cmp-add.json
$B compare --task mul -p 19 --iters 4 --split orbit --subgroup "s r^2" --move-orbits 2 --out cmp-mul.json
$B compare --task sub --group 3,3 --iters 3 --out cmp-prod.json
$B decompose run-add.json --out dec-add.json
$B decompose run-mul-fix.json --subgroup "s r^3" --eigen 4 --out dec-mul.json
$B decompose run-add.json --isotypic "r^1,s" --eigen 3 --out dec-iso.json
$B decompose run-add.json --isotypic full --eigen 3 --out dec-iso-full.json
$B decompose cmp-add.json --which twin --out dec-twin.json
$B split --task add -p 24 --split fixed-points --subgroup "r^12,s" --out split-a.csv
$B split --task mul -p 23 --split orbit --subgroup "s r^5" --seed 3 --move-random 1 --out split-b.csv
$B split --task div -p 13 --split fixed-points --out split-c.csv
$B symmetry --task add -p 7 --out sym-add.json
$B symmetry --task mul -p 11 --out sym-mul.json
$B sweep grid.json -o sweep.jsonl --jobs 1 --cores 1 -q
$B report sweep.jsonl --out sweep-report
EOF
)

cat > "$WORK/grid.json" <<'EOF'
{
  "description": "compare-binaries: a small grid over tasks, seeds and split kinds",
  "kind": "run",
  "base": {"task": {"modulus": 13}, "params": {"iters": 3}},
  "axes": {
    "task.operation": ["add", "mul"],
    ".": [
      {"label": "random", "split": {"kind": "random", "fraction": 0.5, "seed": 0}},
      {"label": "symmetric", "split": {"kind": "fixed-points", "subgroup": "s"}},
      {"label": "orbits", "split": {"kind": "edited", "base": {"kind": "fixed-points", "subgroup": "s r^2"},
        "edits": [{"kind": "move-orbits", "subgroup": "s r^2", "count": 2, "seed": 0, "moved": []}]}}
    ]
  }
}
EOF

for side in old new; do
  bin=$OLD
  [[ $side == new ]] && bin=$NEW
  mkdir -p "$WORK/$side"
  cp "$WORK/grid.json" "$WORK/$side/"
  (
    cd "$WORK/$side"
    i=0
    while IFS= read -r line; do
      [[ -z $line ]] && continue
      i=$((i + 1))
      cmd=${line//\$B/$bin}
      set +e
      eval "$cmd" > "out-$i.stdout" 2> "out-$i.stderr"
      echo $? > "out-$i.rc"
      set -e
      # the binary's own path appears in messages
      sed -i "s#$bin#symrfm#g" "out-$i.stdout" "out-$i.stderr"
    done <<< "$COMMANDS"
  )
done

# Strip what differs by nature: timings (seconds, per-stage times, rates), build and command
# line (the binary path), then pretty-print JSON so diffs are readable.
python3 "$ROOT/scripts/strip_timings.py" "$WORK/old" "$WORK/new"

status=0
diff -r "$WORK/old" "$WORK/new" > "$WORK/diff.txt" || status=1
if [[ $status -eq 0 ]]; then
  echo "identical: $(echo "$COMMANDS" | grep -c .) commands ($WORK)"
else
  cat "$WORK/diff.txt"
  echo "DIFFERENT ($WORK/diff.txt)"
fi
exit $status

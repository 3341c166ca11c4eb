#!/usr/bin/env bash
# Issue 14, results: symmetric against broken splits on non-abelian groups (results/nonabelian-symmetric.md).
#   mul on D12 and S4 (order 24); fractions 0.7-0.95, split seeds 0-2; a random split, orbit splits under
#   three subgroups H per group, and each orbit split with one random training pair moved to the test set
#   (data/grids/nonabelian-symmetric.json, 168 jobs). The run files (kept in target/, not committed) give
#   the stabilizer and the orbit-theory score of every job.
# Usage: scripts/nonabelian_symmetric.sh   (about 5 minutes on one core)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${SYMRFM:-target/release/symrfm}
[[ -n ${SYMRFM:-} ]] || cargo build --release --quiet
RUNS=target/nonabelian-symmetric-runs
rm -rf "$RUNS" results/nonabelian-symmetric.jsonl
echo "+ $BIN sweep data/grids/nonabelian-symmetric.json -o results/nonabelian-symmetric.jsonl --save-runs $RUNS -j 1 --cores 1 -q"
"$BIN" sweep data/grids/nonabelian-symmetric.json -o results/nonabelian-symmetric.jsonl --save-runs "$RUNS" -j 1 --cores 1 -q
python3 scripts/nonabelian_symmetric_summary.py results/nonabelian-symmetric.jsonl "$RUNS" > results/nonabelian-symmetric.tables.md
echo "wrote results/nonabelian-symmetric.tables.md"

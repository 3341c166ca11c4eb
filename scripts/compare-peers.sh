#!/usr/bin/env bash
# Time symrfm beside the RFM implementations obtainable from PyPI, on the same task and split,
# on this machine. Run by hand (not part of CI: it downloads ~6 GB and takes ~20 minutes).
#
#   scripts/compare-peers.sh                 # add mod 61, 3 alternating runs each, 2 threads
#   scripts/compare-peers.sh -p 31 -r 5      # another modulus / number of runs
#
# What it does:
#   1. creates (or reuses) the virtual environment target/peers-venv and pip-installs the peers
#      from PyPI: xrfm (with torch, its dependency) and opt_einsum (lets torch.einsum pick a
#      cheaper contraction order; xrfm's gradients use einsum). PyPI's Linux torch wheel is the
#      CUDA build: pip also pulls the nvidia-* CUDA libraries (~5.6 GB in all). It runs on the CPU
#      here; there is no CPU-only torch wheel on PyPI.
#   2. builds symrfm (cargo build --release) unless SYMRFM_BIN is set;
#   3. runs `symrfm run -p P --threads 2` once to fix the split (seed 0, training fraction 0.5) and
#      rebuilds it as a CSV `a,b,label,is_train` from the run JSON (scripts/compare_peers.py split);
#   4. alternates runs: symrfm (the default `run -p P`, whose split that CSV is), xrfm, symrfm,
#      xrfm, ... each
#      under /usr/bin/time (wall seconds, peak RSS), with OMP_NUM_THREADS=2 and
#      torch.set_num_threads(2) for the peer; records the load average before and after;
#   5. writes the table (medians, min–max, peak memory, final test accuracy, ratio of medians)
#      into its own section of results/peers.md (between the markers `<!-- compare-peers.sh pP -->`
#      and `<!-- end compare-peers.sh pP -->`, replaced on every run; the rest of the file, such as
#      the by-hand measurement of the reference implementation, is kept). Raw rows: target/peers/.
#
# The reference implementation (the paper's PyTorch code) is not on PyPI: results/peers.md
# documents how it was measured by hand, the same way.
set -euo pipefail
cd "$(dirname "$0")/.."

p=61
reps=3
threads=2
while getopts "p:r:t:h" opt; do
    case $opt in
        p) p=$OPTARG ;;
        r) reps=$OPTARG ;;
        t) threads=$OPTARG ;;
        *) sed -n '2,24p' "$0"; exit 2 ;;
    esac
done

python=${SYMRFM_PYTHON:-python3}
venv=target/peers-venv
if [[ ! -x $venv/bin/python ]]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet torch==2.15.0 xrfm==0.4.5 opt_einsum

if [[ -z ${SYMRFM_BIN:-} ]]; then
    cargo build --release
    SYMRFM_BIN=$PWD/target/release/symrfm
fi

out=target/peers/p$p
mkdir -p "$out"
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads MKL_NUM_THREADS=$threads
py="$venv/bin/python"
helper=scripts/compare_peers.py

# The split: symrfm's default one for this p (seed 0, fraction 0.5), as a CSV every program reads.
rm -f "$out/split-run.json"
"$SYMRFM_BIN" run -p "$p" --iters 1 --threads "$threads" -q --out "$out/split-run.json" >/dev/null
"$py" "$helper" split "$out/split-run.json" "$out/split.csv"

timed() { # timed NAME LOGFILE CMD... : runs CMD, leaves "wall S" and "maxrss_kib K" in NAME.time
    local name=$1 log=$2; shift 2
    /usr/bin/time -f "wall %e
maxrss_kib %M" -o "$out/$name.time" "$@" >"$log" 2>&1
}
field() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

times=$out/times.tsv
: >"$times"
load_before=$(uptime)
for i in $(seq 1 "$reps"); do
    rm -f "$out/symrfm-$i.json"
    timed "symrfm-$i" "$out/symrfm-$i.log" \
        "$SYMRFM_BIN" run -p "$p" --threads "$threads" -q --out "$out/symrfm-$i.json"
    acc=$("$py" -c 'import json, sys; print(json.load(open(sys.argv[1]))["summary"]["final_test_acc"])' "$out/symrfm-$i.json")
    printf 'symrfm\t%s\t%s\t%s\n' "$(field wall "$out/symrfm-$i.time")" "$(field maxrss_kib "$out/symrfm-$i.time")" "$acc" >>"$times"

    timed "xrfm-$i" "$out/xrfm-$i.log" \
        "$py" "$helper" xrfm "$out/split.csv" --threads "$threads" --out "$out/xrfm-$i.json"
    acc=$("$py" -c 'import json, sys; print(json.load(open(sys.argv[1]))["test_acc"])' "$out/xrfm-$i.json")
    printf 'xrfm\t%s\t%s\t%s\n' "$(field wall "$out/xrfm-$i.time")" "$(field maxrss_kib "$out/xrfm-$i.time")" "$acc" >>"$times"
done
load_after=$(uptime)

section=$out/section.md
{
    echo "$(date -u +%Y-%m-%d), $reps alternating runs each, $threads threads, the split of \`symrfm run -p $p\` (seed 0,"
    echo "training fraction 0.5; xrfm reads it from \`scripts/compare_peers.py split\`)."
    echo "Versions: $("$py" -c 'import torch, xrfm; print("torch", torch.__version__ + ",", "xrfm", xrfm.__version__)'), $("$SYMRFM_BIN" --version)."
    echo "Load average before: \`${load_before##*load average: }\`; after: \`${load_after##*load average: }\`."
    echo
    "$py" "$helper" summarize "$times" -
} >"$section"
"$py" "$helper" splice results/peers.md "compare-peers.sh p$p" "$section"
cat "$section"
echo "updated results/peers.md (section compare-peers.sh p$p; raw rows: $times)"

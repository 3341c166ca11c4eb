#!/usr/bin/env bash
# Time symrfm beside another RFM implementation, on the same task and split, on this machine.
# Run by hand (not part of CI: it downloads ~6 GB of torch and takes ~5-20 minutes).
#
#   scripts/compare-peers.sh                      # xrfm (PyPI), add mod 61, 3 alternating runs each
#   scripts/compare-peers.sh -p 31 -r 5           # another modulus / number of runs
#   scripts/compare-peers.sh -R /tmp/refcode -w   # the reference implementation, waiting for a quiet machine
#
# Peers:
#   xrfm       (default) PyPI's xrfm 0.4.5 on the split of the default `symrfm run -p P` (seed 0).
#   reference  (-R DIR) the paper's own code, nmallinar/rfm-grokking at commit 73181df, checked out at DIR
#              (for example `git --git-dir=<mirror> archive 73181df | tar -x -C /tmp/refcode`; none of its
#              code is in this repository). Its `train_kernel.main()` runs unmodified after
#              `torch.manual_seed(0)`; symrfm reads the same split from
#              tests/fixtures/rfm-grokking-p61-add-seed0/split.csv (p = 61 only). Each pair of runs is
#              checked to give the same test accuracy at every iteration (scripts/compare_peers.py same-curve).
#
# What it does:
#   1. creates (or reuses) target/peers-venv and pip-installs torch 2.15.0 (PyPI's Linux wheel is the
#      CUDA build, ~5.6 GB with its nvidia-* libraries; it runs on the CPU here), xrfm 0.4.5, opt_einsum,
#      and for the reference its imports (numpy, scipy, scikit-learn, matplotlib);
#   2. builds symrfm (cargo build --release) unless SYMRFM_BIN is set;
#   3. alternates runs: symrfm, peer, symrfm, peer, ... each under /usr/bin/time (wall seconds, peak
#      RSS), 2 threads each (OMP_NUM_THREADS and torch.set_num_threads); records the 1-minute load
#      average before every run; with -w it first waits (up to 10 minutes) until that load is below 1;
#   4. writes the raw rows to results/peers-<peer>-p<P>.csv (program, run, wall_s, peak_kib,
#      load1_before, final_test_acc) and the table (medians, min-max, peak memory, accuracy, ratio
#      of medians) into its own section of results/peers.md (between `<!-- <peer> pP -->` and
#      `<!-- end <peer> pP -->`, with ` quiet` after pP under -w; replaced on every run; the rest of
#      the file is kept).
set -euo pipefail
cd "$(dirname "$0")/.."

p=61
reps=3
threads=2
refcode=
wait_quiet=0
while getopts "p:r:t:R:wh" opt; do
    case $opt in
        p) p=$OPTARG ;;
        r) reps=$OPTARG ;;
        t) threads=$OPTARG ;;
        R) refcode=$OPTARG ;;
        w) wait_quiet=1 ;;
        *) sed -n '2,32p' "$0"; exit 2 ;;
    esac
done
peer=xrfm
if [[ -n $refcode ]]; then
    peer=reference
    if [[ $p != 61 ]]; then
        echo "error: -p $p: the reference's split is committed for p = 61 only" >&2
        exit 2
    fi
    if [[ ! -f $refcode/train_kernel.py ]]; then
        echo "error: -R $refcode: no train_kernel.py there (a checkout of nmallinar/rfm-grokking is expected)" >&2
        exit 2
    fi
fi

python=${SYMRFM_PYTHON:-python3}
venv=target/peers-venv
if [[ ! -x $venv/bin/python ]]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet torch==2.15.0 xrfm==0.4.5 opt_einsum numpy scipy scikit-learn matplotlib

if [[ -z ${SYMRFM_BIN:-} ]]; then
    cargo build --release
    SYMRFM_BIN=$PWD/target/release/symrfm
fi

out=target/peers/$peer-p$p
mkdir -p "$out"
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads MKL_NUM_THREADS=$threads
py="$venv/bin/python"
helper=scripts/compare_peers.py

# The split every program reads.
if [[ $peer == reference ]]; then
    split=tests/fixtures/rfm-grokking-p61-add-seed0/split.csv
    sym_split=(--split-file "$split")
else
    rm -f "$out/split-run.json"
    "$SYMRFM_BIN" run -p "$p" --iters 1 --threads "$threads" -q --out "$out/split-run.json" >/dev/null
    split=$out/split.csv
    "$py" "$helper" split "$out/split-run.json" "$split"
    sym_split=()
fi

timed() { # timed NAME LOGFILE CMD... : runs CMD, leaves "wall S" and "maxrss_kib K" in NAME.time
    local name=$1 log=$2; shift 2
    /usr/bin/time -f "wall %e
maxrss_kib %M" -o "$out/$name.time" "$@" >"$log" 2>&1
}
field() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
load1() { cut -d' ' -f1 /proc/loadavg; }
quiet() { # with -w: wait until the 1-minute load average is below 1 (at most 10 minutes)
    [[ $wait_quiet == 1 ]] || return 0
    local i
    for i in $(seq 1 120); do
        awk '{ exit !($1 < 1.0) }' /proc/loadavg && return 0
        sleep 5
    done
    echo "warning: load average still $(load1) after 10 minutes; measuring anyway" >&2
}
acc_of() { "$py" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["summary"]["final_test_acc"] if "summary" in d else d[sys.argv[2]])' "$@"; }

csv=$out/raw.csv
times=$out/times.tsv
echo "program,run,wall_s,peak_kib,load1_before,final_test_acc" >"$csv"
: >"$times"
row() { # row PROGRAM RUN LOAD ACC
    local w k
    w=$(field wall "$out/$1-$2.time"); k=$(field maxrss_kib "$out/$1-$2.time")
    echo "$1,$2,$w,$k,$3,$4" >>"$csv"
    printf '%s\t%s\t%s\t%s\n' "$1" "$w" "$k" "$4" >>"$times"
}
quiet
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq 1 "$reps"); do
    quiet
    l=$(load1)
    rm -f "$out/symrfm-$i.json"
    timed "symrfm-$i" "$out/symrfm-$i.log" \
        "$SYMRFM_BIN" run -p "$p" "${sym_split[@]}" --threads "$threads" -q --out "$out/symrfm-$i.json"
    row symrfm "$i" "$l" "$(acc_of "$out/symrfm-$i.json")"

    quiet
    l=$(load1)
    if [[ $peer == reference ]]; then
        timed "reference-$i" "$out/reference-$i.log" \
            "$py" "$helper" reference "$refcode" --prime "$p" --threads "$threads" --out "$out/reference-$i.json"
        "$py" "$helper" same-curve "$out/symrfm-$i.json" "$out/reference-$i.json"
        acc=$(acc_of "$out/reference-$i.json" final_test_acc)
    else
        timed "xrfm-$i" "$out/xrfm-$i.log" \
            "$py" "$helper" xrfm "$split" --threads "$threads" --out "$out/xrfm-$i.json"
        acc=$(acc_of "$out/xrfm-$i.json" test_acc)
    fi
    row "$peer" "$i" "$l" "$acc"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

section=$out/section.md
{
    if [[ $peer == reference ]]; then
        echo "$(date -u +%Y-%m-%d), $reps alternating runs each, $threads threads, the reference's split"
        echo "(\`torch.manual_seed(0)\`, tests/fixtures/rfm-grokking-p61-add-seed0/split.csv); every pair gave the same"
        echo "test accuracy at all iterations. CPU: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)."
    else
        echo "$(date -u +%Y-%m-%d), $reps alternating runs each, $threads threads, the split of \`symrfm run -p $p\` (seed 0,"
        echo "training fraction 0.5; xrfm reads it from \`scripts/compare_peers.py split\`)."
    fi
    echo "Versions: $("$py" -c 'import torch; print("torch", torch.__version__)'), $("$SYMRFM_BIN" --version)."
    echo "Load average before: \`$load_before\` (1, 5, 15 min); after: \`$load_after\`; the 1-minute load before each run is"
    echo "in results/peers-$peer-p$p.csv$([[ $wait_quiet == 1 ]] && echo ' (each run waited for a load below 1)')."
    echo
    "$py" "$helper" summarize "$times" -
} >"$section"
name="$peer p$p"
[[ $wait_quiet == 1 ]] && name="$name quiet"
cp "$csv" "results/peers-$peer-p$p.csv"
"$py" "$helper" splice results/peers.md "$name" "$section"
cat "$section"
echo "updated results/peers.md (section $name) and results/peers-$peer-p$p.csv"

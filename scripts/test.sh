#!/usr/bin/env bash
# The one test command (what CI runs through .ci/run): formatting, lints, the Rust suite, the Python
# package's suite and the example notebook. Every test runs: a skipped Python test is a failure,
# and the Rust suite has only `#[ignore]`d tests that say how to run them (a real Slurm cluster).
#
#   scripts/test.sh
#
# 1. `cargo fmt --all --check`.
# 2. `cargo build --release --workspace --all-targets`: the binary, the integration tests (one
#    binary, tests/all) AND the Python extension (python/, the cdylib symrfm._core), in one cargo
#    invocation, so every dependency is compiled once with one feature set. (`pip install ./python`
#    builds the extension through maturin with the Python crate's feature set alone, which differs
#    from the test build's — num-complex, syn, bitflags features — and would compile faer and
#    everything above it a second time.)
# 3. `cargo test --release --workspace` (reuses step 2).
# 4. `cargo clippy --release --all-targets -- -D warnings`.
# 5. Python: a virtual environment under target/pyenv (created on first use, reused after) with
#    pytest, numpy, pandas, matplotlib and nbclient/nbformat/ipykernel (for the notebook); the
#    package is installed into it from python/symrfm plus the extension built in step 2 (the files
#    `pip install ./python` would install). Then pytest, with SYMRFM_NO_SKIPS=1 (a skip fails) and
#    SYMRFM_BIN set to the CLI of step 2 (the parity tests); it executes examples/*.ipynb.
#    Set SYMRFM_PYTHON to choose the interpreter (default python3).
#
# Each step prints its start time since the beginning, so a slow step shows.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$(date +%s)
step() { echo "==> [$(($(date +%s) - start)) s] $*" >&2; }

step "cargo fmt --all --check"
cargo fmt --all --check

step "cargo build --release --workspace --all-targets"
cargo build --release --workspace --all-targets

step "cargo test --release --workspace"
cargo test --release --workspace

step "cargo clippy --release --all-targets -- -D warnings"
cargo clippy --release --all-targets -- -D warnings

step "Python environment (target/pyenv)"
python=${SYMRFM_PYTHON:-python3}
venv=target/pyenv
if [[ ! -x $venv/bin/python ]]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet pytest numpy pandas matplotlib tqdm nbclient nbformat ipykernel

step "install the symrfm package (python/symrfm + target/release/lib_core.so)"
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
"$venv/bin/python" -m pip uninstall --quiet --yes symrfm 2>/dev/null || true
rm -rf "$site/symrfm"
cp -r python/symrfm "$site/symrfm"
rm -rf "$site/symrfm/__pycache__"
cp target/release/lib_core.so "$site/symrfm/_core.abi3.so"

step "pytest python/tests (and examples/*.ipynb)"
export SYMRFM_BIN=$PWD/target/release/symrfm
export SYMRFM_NO_SKIPS=1
status=0
"$venv/bin/python" -m pytest python/tests -q -rs || status=$?
if [[ $status -eq 5 ]]; then
    echo "error: pytest collected no tests" >&2
    exit 1
fi
step "done (exit $status)"
exit $status

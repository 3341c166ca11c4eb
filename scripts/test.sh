#!/usr/bin/env bash
# The one test command: the Rust suite, then the Python package's suite.
#
#   scripts/test.sh              # cargo test --release, then pytest python/tests
#
# The Python side runs in a virtual environment under target/pyenv (created on first use,
# reused after): pip installs pytest, numpy (and matplotlib for the example script), then the
# package itself from ./python through its maturin build backend, which compiles the extension
# in the shared workspace target/ (the core crate is not built twice). Set SYMRFM_PYTHON to
# choose the interpreter (default python3). Fails if the Python tests cannot run: pytest's
# exit code 5 (no tests collected) is a failure too.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --release

python=${SYMRFM_PYTHON:-python3}
venv=target/pyenv
if [[ ! -x $venv/bin/python ]]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet pytest numpy matplotlib
"$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps ./python
# The CLI binary the parity tests compare against (built by cargo test above).
export SYMRFM_BIN=$PWD/target/release/symrfm
status=0
"$venv/bin/python" -m pytest python/tests -q || status=$?
if [[ $status -eq 5 ]]; then
    echo "error: pytest collected no tests" >&2
    exit 1
fi
exit $status

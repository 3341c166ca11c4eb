"""Shared fixtures: small tasks, and the CLI binary the parity tests compare against."""

import os
import pathlib
import subprocess

import pytest

import symrfm

ROOT = pathlib.Path(__file__).resolve().parents[2]


# Set by scripts/test.sh (the CI test command): every skip is a failure, so that no test passes
# by not running (a missing CLI binary, pandas or matplotlib fails the suite).
NO_SKIPS = os.environ.get("SYMRFM_NO_SKIPS") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if NO_SKIPS and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under SYMRFM_NO_SKIPS=1 (CI installs everything): {reason}"


def cli_binary() -> pathlib.Path:
    """The symrfm CLI: $SYMRFM_BIN (set by scripts/test.sh), else target/release/symrfm."""
    env = os.environ.get("SYMRFM_BIN")
    path = pathlib.Path(env) if env else ROOT / "target" / "release" / "symrfm"
    if not path.is_file():
        if env:
            raise FileNotFoundError(f"SYMRFM_BIN={env} does not exist")
        pytest.skip("the CLI binary is not built (cargo build --release)")
    return path


@pytest.fixture
def cli(tmp_path):
    """Runs the CLI in tmp_path; returns the completed process (check=True)."""
    binary = cli_binary()

    def call(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(binary), *args], cwd=tmp_path, capture_output=True, text=True, check=True
        )

    return call


@pytest.fixture(scope="session")
def add11():
    return symrfm.Task("add", 11)


@pytest.fixture(scope="session")
def small_run():
    """One finished run, shared by read-only tests."""
    t = symrfm.Task("add", 13)
    return symrfm.run(t, symrfm.Split.random(t, 0.5, 1), iters=8, save_every=4, quiet=True)


# Fields that differ between two runs of the same configuration: wall-clock times, the command
# line, and the peak memory of the process (a Python process holds more than the CLI's).
NONDETERMINISTIC = ("timings", "command_line")


def strip_timings(report: dict) -> dict:
    """A run report without its non-deterministic fields (also inside compare reports)."""
    out = {k: v for k, v in report.items() if k not in NONDETERMINISTIC}
    if "iterations" in out:
        out["iterations"] = [
            {k: v for k, v in it.items() if k != "seconds"} for it in out["iterations"]
        ]
    for k in ("symmetric", "twin"):
        if isinstance(out.get(k), dict):
            out[k] = strip_timings(out[k])
    return out

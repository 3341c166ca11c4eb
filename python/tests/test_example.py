"""The example script runs (small p) and writes its figures."""

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_example_script(tmp_path):
    pytest.importorskip("matplotlib")
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "python_symmetry.py"), "-p", "13", "--iters", "12",
         "--out", str(tmp_path), "--quiet"],
        capture_output=True, text=True, check=True,
    )
    assert "symmetric: final test accuracy" in out.stdout and "broken:" in out.stdout
    for name in ("accuracy.png", "matrices.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

"""The code of docs/python.md runs: every ```python block, in order, in one namespace, in a
temporary directory (the page promises it)."""

import os
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_python_guide_runs(tmp_path, capsys):
    text = (ROOT / "docs" / "python.md").read_text()
    blocks = re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)
    assert len(blocks) >= 8, "docs/python.md lost its code blocks"
    namespace: dict = {"__name__": "__docs__"}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for i, code in enumerate(blocks):
            try:
                exec(compile(code, f"docs/python.md block {i + 1}", "exec"), namespace)
            except Exception as e:
                raise AssertionError(f"docs/python.md, code block {i + 1} fails:\n{code}") from e
    finally:
        os.chdir(cwd)
    assert (tmp_path / "accuracy.png").read_bytes()[:4] == b"\x89PNG"

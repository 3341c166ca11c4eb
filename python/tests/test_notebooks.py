"""The notebooks of examples/ run from top to bottom (nbclient, a fresh kernel of this Python).

The test command installs nbclient, nbformat and ipykernel; under SYMRFM_NO_SKIPS=1 (scripts/test.sh)
a missing one fails instead of skipping. The notebooks are committed with outputs stripped;
this test also fails if one is committed with outputs, so that diffs stay readable.
"""

import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "examples").glob("*.ipynb"))


def test_there_is_a_notebook():
    assert NOTEBOOKS, "examples/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, (
                f"{path.name}: commit notebooks with outputs stripped "
                "(jupyter nbconvert --clear-output --inplace)"
            )
    # kernel "python3" is ipykernel's native kernel: this interpreter, the one with symrfm.
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    # Figures were drawn: at least one PNG output.
    assert any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", [])), (
        "the notebook drew no figure"
    )

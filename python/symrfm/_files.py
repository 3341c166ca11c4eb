"""Reading every file symrfm writes."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Union

import numpy as np

from . import _core


class SweepResults(list):
    """The lines of a sweep results file (``.jsonl``), each a dict checked against its schema."""

    def ok(self) -> List[Dict[str, Any]]:
        """The successful lines."""
        return [line for line in self if line.get("status") == "ok"]

    def to_pandas(self) -> Any:
        """One row per successful job: its flattened config and summary (needs pandas)."""
        try:
            import pandas as pd
        except ImportError as e:
            raise ImportError("to_pandas() needs pandas: pip install pandas") from e
        rows = []
        for line in self.ok():
            row = {"job_id": line["job_id"], "job_index": line["job_index"]}
            row.update(pd.json_normalize(line["config"]).iloc[0].to_dict())
            out = line["outcome"]
            row.update({"n_train": out["n_train"], "n_test": out["n_test"]})
            row.update(out["summary"])
            rows.append(row)
        return pd.DataFrame(rows)


def load(path: Union[str, os.PathLike]) -> Any:
    """Reads any file symrfm writes, through the library's typed schemas:

    - a run JSON → :class:`RunResult` (with its fitted model if saved with ``save_model=True``),
    - a compare JSON → :class:`CompareResult`,
    - a decompose JSON → :class:`Decomposition`,
    - a sweep results file (``.jsonl``) → :class:`SweepResults` (a list of dicts),
    - a matrix (``.npy`` or a JSON array of rows) → a float64 numpy array.
    """
    from ._analysis import Decomposition
    from ._run import CompareResult, RunResult
    from ._task import Task

    kind, value = _core.load_file(os.fspath(path))
    if kind == "run":
        return RunResult(value)
    if kind == "compare":
        return CompareResult(value)
    if kind == "decompose":
        report = json.loads(value)
        return Decomposition(report["analysis"], Task.from_spec(report["task"]["spec"]), report)
    if kind == "sweep":
        return SweepResults(json.loads(s) for s in value)
    return value

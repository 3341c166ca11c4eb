"""symrfm: Recursive Feature Machines on algebraic tasks, and how data symmetry decides
generalization — from Python, with numpy arrays in and out.

The engine is the Rust library symrfm; this package is a thin layer over it, so a run through
Python gives exactly the numbers (and writes exactly the JSON) of the same run through the CLI.

>>> import symrfm
>>> task = symrfm.Task("add", 31)
>>> split = symrfm.Split.fixed_points(task, "s")          # H = <s>-invariant split
>>> r = symrfm.run(task, split.move_random(1), iters=5, quiet=True)
>>> sorted(r.metrics)[:3]
['iter', 'seconds', 'solver']
"""

from ._core import NumericalError, __version__
from ._task import PairDataset, Split, Subgroup, SymmetryGroup, Task
from ._run import CompareResult, Predictions, RunResult, compare, resume, run
from ._interventions import Commutant, EnforceCirculant, GroupAlgebra, Intervention
from ._analysis import (
    Decomposition,
    EigenFeatures,
    eigen,
    alignment,
    block_structure,
    blocks,
    circulance,
    commutant_distance,
    decompose,
    dft2_magnitude,
    dlog_order,
    effective_rank,
    top_k_energy_fraction,
)
from ._files import SweepResults, load

__all__ = [
    "NumericalError",
    "__version__",
    "Task",
    "SymmetryGroup",
    "Subgroup",
    "Split",
    "PairDataset",
    "run",
    "RunResult",
    "Predictions",
    "resume",
    "Intervention",
    "Commutant",
    "GroupAlgebra",
    "EnforceCirculant",
    "compare",
    "CompareResult",
    "decompose",
    "Decomposition",
    "eigen",
    "EigenFeatures",
    "blocks",
    "circulance",
    "effective_rank",
    "alignment",
    "top_k_energy_fraction",
    "dft2_magnitude",
    "block_structure",
    "dlog_order",
    "commutant_distance",
    "load",
    "SweepResults",
]

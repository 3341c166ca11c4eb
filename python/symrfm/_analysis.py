"""Decomposition of feature matrices into group elements, and the structure measures."""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np

from . import _core
from ._arrays import as_float64_matrix, check_int
from ._task import Subgroup, Task, _subgroup_text


class Decomposition:
    """What ``symrfm decompose`` measures about one feature matrix (``MatrixAnalysis``).

    ``elements`` lists every group element with its coefficient α_g = ⟨Π(g), M⟩_F / 2n and share
    of ‖M‖²_F, sorted by |α_g|; ``residual`` is the distance to the group algebra; the block
    measures are in ``blocks`` (and ``blocks_dlog`` for mul/div).
    """

    def __init__(self, analysis: Dict[str, Any], task: Task, report: Optional[Dict[str, Any]] = None) -> None:
        self.analysis = analysis
        """The full analysis as a dict (the ``analysis`` object of a decompose file)."""
        self.task = task
        """The task the matrix belongs to."""
        self._report = report
        self.eigen: Optional["EigenFeatures"] = None
        """The leading eigenpairs when asked for (``decompose(..., eigen=K)``), else None."""

    @property
    def group(self) -> Optional[Dict[str, Any]]:
        """The decomposition on Dih(A), or None for tasks without a group."""
        return self.analysis.get("group")

    @property
    def elements(self) -> List[Dict[str, Any]]:
        """[{name, index, alpha, share, coefficient}] sorted by |alpha| (empty without a group)."""
        g = self.group
        return [] if g is None else g["decomposition"]["elements"]

    @property
    def coefficients(self) -> np.ndarray:
        """α_g in group order (index = position in ``SymmetryGroup.elements``), float64."""
        els = self.elements
        out = np.zeros(len(els))
        for e in els:
            out[e["index"]] = e["alpha"]
        return out

    @property
    def residual(self) -> Optional[float]:
        """‖M − P(M)‖_F / ‖M‖_F for the projection P onto the group algebra."""
        g = self.group
        return None if g is None else g["decomposition"]["residual"]

    @property
    def commutant_distance(self) -> Optional[float]:
        """Distance of M to the commutant of Dih(A)."""
        g = self.group
        return None if g is None else g["commutant_distance"]

    @property
    def subgroup_commutant_distance(self) -> Optional[float]:
        """Distance to the commutant of the subgroup asked for, if any."""
        g = self.group
        return None if g is None or g.get("subgroup") is None else g["subgroup"]["commutant_distance"]

    @property
    def blocks(self) -> Dict[str, Any]:
        """Block structure in symbol order (circulance, Fourier energy, spectra, effective rank)."""
        return self.analysis["blocks"]

    @property
    def blocks_dlog(self) -> Optional[Dict[str, Any]]:
        """The same in discrete-log order (mul/div), else None."""
        return self.analysis.get("blocks_dlog")

    def top(self, k: int = 10) -> List[Tuple[str, float]]:
        """The k elements with the largest |α_g| as (name, α_g)."""
        return [(e["name"], e["alpha"]) for e in self.elements[:k]]

    @property
    def report(self) -> Optional[Dict[str, Any]]:
        """The decompose report, for matrices read from a file (what ``save`` writes)."""
        return self._report

    def save(self, path: Union[str, os.PathLike]) -> None:
        """Writes the decompose JSON as ``symrfm decompose`` does (matrices from files only)."""
        if self._report is None:
            raise ValueError(
                "save() needs the matrix's source file: decompose a path or a loaded run"
            )
        _core.write_decompose(os.fspath(path), json.dumps(self._report))

    def __repr__(self) -> str:
        top = ", ".join(f"{n} {a:+.3f}" for n, a in self.top(3))
        return f"Decomposition({self.analysis['task']}: {top}; residual {self.residual})"


def _resolve_matrix(m: Any, task: Optional[Task], t: Optional[int]) -> Tuple[np.ndarray, Task, Optional[Tuple[str, str, Optional[int]]]]:
    """The float64 matrix, its task and, for a file, (path, source kind, t) for the report."""
    from ._run import RunResult

    report_src = None
    if isinstance(m, (str, os.PathLike)):
        path = os.fspath(m)
        kind, value = _core.load_file(path)
        if kind == "run":
            run_report = json.loads(value.report_json())
            run_task = Task.from_spec(run_report["task"]["spec"])
            if task is not None and task != run_task:
                raise ValueError("task: a run file names its own task; do not pass another one")
            task = run_task
            source_kind = "run"
            t_src = t if t is not None else run_report["feature_matrices"][-1]["t"]
        elif kind == "matrix":
            if t is not None:
                raise ValueError("t: only a run file has saved M_t")
            source_kind = "npy" if path.lower().endswith(".npy") else "json"
            t_src = None
        else:
            raise ValueError(f"{path}: a {kind} file holds no single feature matrix")
        if task is None:
            raise ValueError("task: required for a bare matrix (.npy or JSON rows)")
        report_src = (path, source_kind, t_src)
        m = _core.load_matrix(path, t)
    elif isinstance(m, RunResult):
        if task is not None and task != m.task:
            raise ValueError("task: a RunResult names its own task; do not pass another one")
        task = m.task
        m = m.m(t)
    elif t is not None:
        raise ValueError("t: only for a run (RunResult or run file)")
    if task is None:
        raise ValueError("task: required for a bare matrix")
    if not isinstance(task, Task):
        raise TypeError(f"task: expected a symrfm.Task, got {type(task).__name__}")
    return as_float64_matrix(m, "feature matrix"), task, report_src


def decompose(
    m: Any,
    task: Optional[Task] = None,
    *,
    t: Optional[int] = None,
    top_k: Optional[int] = None,
    subgroup: Union[str, Subgroup, None] = None,
    eigen: Optional[int] = None,
    isotypic: Union[str, Subgroup, None] = None,
) -> Decomposition:
    """Decomposes a feature matrix into the group elements of Dih(A) and measures its structure.

    ``m`` is a 2n × 2n matrix (any real dtype and layout), a RunResult (its final M, or M_t with
    ``t``), or a path (a run JSON, a JSON matrix or a ``.npy``; a run file names its own task).
    ``task`` is required for bare matrices. ``top_k``: frequencies per block in the Fourier energy
    fraction (default n); ``subgroup``: also the distance to the commutant of this subgroup;
    ``eigen=K``: also the K leading eigenpairs (:attr:`Decomposition.eigen`, recorded in the
    report as ``decompose --eigen K`` does; no figures); ``isotypic``: with ``eigen``, also the
    energies of the eigenvectors in the isotypic components of this subgroup of Sym_f (``"full"``
    for all of it; the default on a non-abelian named group, as ``decompose --isotypic``).
    """
    m, task, report_src = _resolve_matrix(m, task, t)
    h = None if subgroup is None else _subgroup_text(subgroup)
    k = None if top_k is None else check_int(top_k, "top_k", 1)
    analysis_json = _core.analyze_matrix(task._core, m, k, h)
    eigen_json = None
    if eigen is not None:
        iso = None if isotypic is None else _subgroup_text(isotypic)
        eigen_json = _core.eigen_features(task._core, m, check_int(eigen, "eigen", 1), iso)
    report = None
    if report_src is not None:
        path, source_kind, t_src = report_src
        report = json.loads(
            _core.decompose_report(
                task._core, analysis_json, path, source_kind, t_src, ["symrfm.decompose", path], eigen_json
            )
        )
    d = Decomposition(json.loads(analysis_json), task, report)
    d.eigen = None if eigen_json is None else EigenFeatures(json.loads(eigen_json), task)
    return d


class EigenFeatures:
    """The leading eigenpairs of a feature matrix and the Fourier content of each eigenvector
    (``decompose --eigen K``; ``symrfm::analysis::EigenFeatures``).

    For an eigenvector v = (v₁ ‖ v₂) the energy of block b at frequency ξ is
    |v̂_b(ξ)|² / (n‖v‖²) in the characters of the task's group (discrete-log order for Z_p^*;
    Z_n in symbol order for tasks without a group, see ``basis``); both blocks sum to 1.
    """

    def __init__(self, raw: Dict[str, Any], task: Task) -> None:
        self.raw = raw
        """The features as recorded in the decompose JSON (``eigen``)."""
        self.task = task
        """The task."""
        lead = raw["leading"]
        n = task.n_symbols

        def arr(key: str, dtype: Any = np.float64) -> np.ndarray:
            a = np.asarray([f[key] for f in lead], dtype=dtype)
            a.setflags(write=False)
            return a

        def mat(key: str, width: int) -> np.ndarray:
            a = np.asarray([f[key] for f in lead], dtype=np.float64).reshape(len(lead), width)
            a.setflags(write=False)
            return a

        self.basis: str = raw["basis"]
        """The Fourier basis, e.g. ``characters of Z_61``."""
        self.spectrum = np.asarray(raw["spectrum"], dtype=np.float64)
        """All 2n eigenvalues of M, descending."""
        self.spectrum.setflags(write=False)
        self.eigenvalues = arr("eigenvalue")
        """The K leading eigenvalues."""
        self.vectors = mat("vector", 2 * n)
        """K × 2n: row i is the unit eigenvector of ``eigenvalues[i]`` (largest |entry| positive)."""
        self.left_share = arr("left_share")
        """Share of ‖v‖² in the left operand block, per eigenvector."""
        self.left_energy = mat("left_energy", n)
        """K × n: energy of the left block per frequency (frequency index as element index)."""
        self.right_energy = mat("right_energy", n)
        """K × n: the same for the right block."""
        self.dominant_frequency = arr("dominant_frequency", np.int64)
        """The frequency with the most energy (both blocks), per eigenvector."""
        self.dominant_frequency_names: List[str] = [f["dominant_frequency_name"] for f in lead]
        """Names of the dominant frequencies, e.g. ``5`` or ``(1,2)``."""
        self.dominant_energy = arr("dominant_energy")
        """Energy at ±dominant frequency (both blocks): near 1 for a pure Fourier feature."""

    @property
    def k(self) -> int:
        """The number of leading eigenpairs."""
        return len(self.raw["leading"])

    @property
    def features(self) -> List[Dict[str, Any]]:
        """One dict per eigenpair (``rank``, ``eigenvalue``, ``vector``, ``left_share``,
        ``left_energy``, ``right_energy``, ``dominant_frequency``, ``dominant_frequency_name``,
        ``dominant_energy``), as in the JSON."""
        return json.loads(json.dumps(self.raw["leading"]))

    def __repr__(self) -> str:
        top = ", ".join(f"{v:.3g}@{f}" for v, f in zip(self.eigenvalues[:3], self.dominant_frequency_names))
        return f"EigenFeatures(k={self.k}, {self.basis}: {top})"


def eigen(
    m: Any,
    task: Optional[Task] = None,
    k: int = 8,
    *,
    t: Optional[int] = None,
    isotypic: Union[str, Subgroup, None] = None,
) -> EigenFeatures:
    """The ``k`` leading eigenpairs of a feature matrix (all 2n when k exceeds 2n) and the
    Fourier energy of each eigenvector, block by block — what ``symrfm decompose --eigen K``
    records in its JSON (without the figures).

    ``m`` as in :func:`decompose`: a 2n × 2n matrix (with ``task``), a RunResult (final M, or M_t
    with ``t``) or a file (run JSON, JSON matrix, ``.npy``). ``isotypic``: a subgroup of Sym_f
    (``"full"`` for all of it) whose isotypic components get the energies of the eigenvectors
    (``EigenFeatures.raw["isotypic"]``); by default the whole Sym_f on a non-abelian named group,
    whose eigen-feature basis they are (it has no Fourier basis).
    """
    m, task, _ = _resolve_matrix(m, task, t)
    iso = None if isotypic is None else _subgroup_text(isotypic)
    raw = _core.eigen_features(task._core, m, check_int(k, "eigen", 1), iso)
    return EigenFeatures(json.loads(raw), task)


def blocks(m: Any) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The four n × n blocks (M11, M12, M21, M22) of a 2n × 2n matrix (views)."""
    a = as_float64_matrix(m)
    d = a.shape[0]
    if a.shape != (d, d) or d % 2:
        raise ValueError(f"expected a 2n × 2n matrix, got shape {a.shape}")
    n = d // 2
    return a[:n, :n], a[:n, n:], a[n:, :n], a[n:, n:]


def circulance(block: Any) -> Dict[str, float]:
    """Circulant and Hankel deviation ‖B − B̂‖²_F / ‖B‖²_F of a square block, and their minimum."""
    c, h, mn = _core.circulance(as_float64_matrix(block, "block"))
    return {"circulant": c, "hankel": h, "min": mn}


def effective_rank(m: Any) -> Dict[str, float]:
    """Entropy effective rank and participation ratio of a symmetric matrix."""
    e, p = _core.effective_rank(as_float64_matrix(m))
    return {"entropy_rank": e, "participation_ratio": p}


def alignment(a: Any, b: Any) -> float:
    """cos(vec A, vec B) = ⟨A, B⟩_F / (‖A‖_F ‖B‖_F)."""
    return _core.alignment(as_float64_matrix(a, "a"), as_float64_matrix(b, "b"))


def top_k_energy_fraction(block: Any, k: int) -> float:
    """Fraction of the block's 2-D Fourier energy in its k largest frequencies."""
    return _core.top_k_energy_fraction(as_float64_matrix(block, "block"), check_int(k, "k", 1))


def dft2_magnitude(block: Any) -> np.ndarray:
    """|2-D DFT| of a block."""
    return _core.dft2_magnitude(as_float64_matrix(block, "block"))


def block_structure(m: Any, top_k: Optional[int] = None, order: Optional[Any] = None) -> Dict[str, Any]:
    """Per-block measures and effective rank of a 2n × 2n matrix (``BlockStructure``), after
    reordering the symbols by ``order`` if given (e.g. :func:`dlog_order`)."""
    a = as_float64_matrix(m)
    n = a.shape[0] // 2
    k = n if top_k is None else check_int(top_k, "top_k", 1)
    o = None if order is None else [int(v) for v in np.asarray(order).ravel()]
    return json.loads(_core.block_structure(a, k, o))


def dlog_order(task: Task) -> Optional[Tuple[List[int], str]]:
    """(symbol order by discrete logarithm, generator) for mul/div tasks; None otherwise."""
    return _core.dlog_order(task._core)


def commutant_distance(m: Any, task: Task, subgroup: Union[str, Subgroup]) -> float:
    """‖M − (1/|H|) Σ_h Π(h)ᵀ M Π(h)‖_F / ‖M‖_F."""
    return _core.commutant_distance(task._core, as_float64_matrix(m), _subgroup_text(subgroup))

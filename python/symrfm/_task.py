"""Tasks, their symmetry group Dih(A), subgroups and splits."""

from __future__ import annotations

import json
import os
import re
import tempfile
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from ._arrays import check_float, check_int, pairs_to_indices

OPERATIONS = (
    "add", "sub", "mul", "div", "x2+y2", "x2+xy+y2", "x3+xy", "conj", "aba", "x3+xy2+y",
    "parity-mul", "parity-sub", "graph-distance", "sign", "max", "abs-diff", "table",
)
# Operations that take any named group (`group="S4"`) rather than cyclic factors.
_GROUP_OPERATIONS = ("mul", "div", "conj", "aba")
_FACTORS = re.compile(r"^\s*\d+(\s*[xX*,]\s*\d+)*\s*$")
_table_dir: Optional[str] = None


def _param_error(name: str, value: Any, allowed: str) -> ValueError:
    e = ValueError(f"invalid value for {name}: {value} (allowed: {allowed})")
    e.parameter = name  # type: ignore[attr-defined]
    return e


class Task:
    """A learning task: the label table of ``a ∘ b`` for every pair of symbols.

    Parameters mirror ``symrfm run``: ``operation`` is one of ``add``, ``sub`` (on Z_p or a
    product group), ``mul``, ``div`` (on Z_p^*, p prime, or any named group), ``conj`` (a·b·a⁻¹)
    and ``aba`` (a·b·a) on a named group, ``x2+y2``, ``x2+xy+y2``, ``x3+xy``, ``x3+xy2+y``,
    ``parity-mul``, ``parity-sub`` (mod p), ``sign``, ``max``, ``abs-diff`` (comparisons on
    0..p−1), ``graph-distance`` (on ``graph``) or ``table`` (labels from ``table``).

    ``modulus`` is p (default 61; not with ``group``, ``graph`` or ``table``, which say the
    symbols). ``group`` is the group: cyclic factors for ``add``/``sub`` (``(5, 7)`` or ``"5x7"``)
    or a name (``"S4"``, ``"D12"``, ``"Q8"``, ``"A5"``, ``"S3xZ4"``, ``"Z12"``,
    ``"perm:(1 2 3),(1 2)"``; spec ``task.group``). ``graph``: ``cycle:12``, ``path:8``,
    ``grid:3x4``, ``hypercube:4``, ``bipartite:3x4``, ``petersen`` or ``file:PATH`` (an edge
    list). ``table``: the label table as a CSV path or an n × n integer array (see
    :meth:`from_table`). ``keep_zero`` keeps the residue 0 for ``mul`` (no group structure).
    Pair ``(a, b)`` of symbol indices has index ``a * n + b``.

    >>> t = Task("add", 7)
    >>> t.n_symbols, int(t.labels[3, 5])
    (7, 1)
    """

    def __init__(
        self,
        operation: str = "add",
        modulus: Optional[int] = None,
        *,
        group: Union[None, str, Sequence[int]] = None,
        graph: Optional[str] = None,
        table: Any = None,
        keep_zero: bool = False,
    ) -> None:
        if operation not in OPERATIONS:
            raise _param_error("task.operation", repr(operation), ", ".join(OPERATIONS))
        if table is not None and not isinstance(table, (str, os.PathLike)):
            table = _write_table(table, None, None)
        named = next(
            (n for n, v in (("task.group", group), ("task.graph", graph), ("task.table", table)) if v is not None),
            None,
        )
        factors = None
        group_name = None
        if group is not None:
            if isinstance(group, str):
                if operation not in _GROUP_OPERATIONS and _FACTORS.match(group):
                    factors = [int(f) for f in re.split(r"[xX*,]", group)]
                else:
                    group_name = group.strip()
            else:
                factors = list(group)
        if modulus is not None and named is not None and factors is None:
            raise _param_error(
                "task.modulus", modulus, f"no modulus with {named}: it says the symbols"
            )
        spec: Dict[str, Any] = {
            "operation": operation,
            "modulus": check_int(modulus if modulus is not None else (0 if named else 61), "task.modulus"),
            "zero": "keep" if keep_zero else "drop",
        }
        if factors is not None:
            spec["group"] = [check_int(g, "task.group") for g in factors]
        if group_name is not None:
            spec["group_name"] = group_name
        if graph is not None:
            if not isinstance(graph, str):
                raise TypeError(f"graph: expected a graph name such as 'cycle:12', got {graph!r}")
            spec["graph"] = graph
        if table is not None:
            spec["table"] = os.fspath(table)
        self._init(spec)

    @classmethod
    def from_table(
        cls,
        labels: Any,
        path: Union[str, os.PathLike, None] = None,
        names: Optional[Sequence[str]] = None,
    ) -> "Task":
        """The task ``table`` on an n × n integer label array (``labels[a, b]`` is the class of
        (a, b); classes 0..c−1), or on a CSV file when ``labels`` is a path.

        An array is written as the CSV the task records (spec ``task.table``): to ``path``, or,
        when None, to a file in a temporary directory kept for the Python session (run files then
        name that temporary path: give ``path`` to keep the task reproducible from its files).
        ``names`` are optional symbol names (none of them an integer)."""
        if isinstance(labels, (str, os.PathLike)):
            if path is not None or names is not None:
                raise ValueError("path, names: only for a label array (the file says them)")
            return cls("table", table=labels)
        return cls("table", table=_write_table(labels, path, names))
    def _init(self, spec: Dict[str, Any]) -> None:
        self._core = _core.TaskCore(json.dumps(spec))
        self._info = json.loads(self._core.info_json())
        self._labels: Optional[np.ndarray] = None

    @classmethod
    def from_spec(cls, spec: Dict[str, Any]) -> "Task":
        """A task from its specification as recorded in output files (``task.spec``)."""
        self = cls.__new__(cls)
        self._init(dict(spec))
        return self

    @property
    def spec(self) -> Dict[str, Any]:
        """The specification as written in run files: ``operation``, ``modulus`` (absent for a task on
        a named or product group, a graph or a table), ``group``?, ``zero`` (``mul``/``div`` on Z_p
        only)."""
        return dict(self._info["spec"])

    @property
    def info(self) -> Dict[str, Any]:
        """The ``task`` object of run files (spec, description, sizes, symbols)."""
        return json.loads(json.dumps(self._info))

    @property
    def operation(self) -> str:
        """The operation's name."""
        return self._info["spec"]["operation"]

    @property
    def modulus(self) -> int:
        """The modulus p (0 for a task on a group, graph or table, whose files omit it)."""
        return self._info["spec"].get("modulus", 0)

    @property
    def description(self) -> str:
        """Human description, e.g. ``add on Z_61``."""
        return self._info["description"]

    @property
    def n_symbols(self) -> int:
        """Number of symbols n (inputs are ``e_a ‖ e_b`` in R^2n)."""
        return self._core.n_symbols

    @property
    def n_classes(self) -> int:
        """Number of classes."""
        return self._core.n_classes

    @property
    def n_pairs(self) -> int:
        """Number of pairs n²."""
        return self.n_symbols**2

    @property
    def symbols(self) -> List[str]:
        """The value of each symbol index (e.g. residue ``i + 1`` on Z_p^*)."""
        return list(self._info["symbols"])

    @property
    def labels(self) -> np.ndarray:
        """The label table (n × n, int64): ``labels[a, b]`` is the class of pair (a, b)."""
        if self._labels is None:
            self._labels = self._core.labels()
            self._labels.setflags(write=False)
        return self._labels

    @property
    def has_group(self) -> bool:
        """Whether the task lives on an abelian group (and so has the symmetry group Dih(A))."""
        return self._core.has_group

    def pair(self, index: int) -> Tuple[int, int]:
        """The symbol indices (a, b) of a pair index."""
        index = check_int(index, "pair")
        if index >= self.n_pairs:
            raise ValueError(f"pair index {index} out of range 0..{self.n_pairs}")
        return divmod(index, self.n_symbols)

    def pair_index(self, a: int, b: int) -> int:
        """The pair index ``a * n + b`` of symbol indices a, b."""
        a, b = check_int(a, "a"), check_int(b, "b")
        if a >= self.n_symbols or b >= self.n_symbols:
            raise ValueError(f"symbol index out of range 0..{self.n_symbols}")
        return a * self.n_symbols + b

    def pair_indices(self, pairs: Any) -> np.ndarray:
        """Pair indices from pair indices, (a, b) symbol-index pairs or ``"a:b"`` symbol values."""
        return np.asarray(pairs_to_indices(self, pairs), dtype=np.int64)

    def symmetry_group(self) -> "SymmetryGroup":
        """Sym_f, the label-preserving maps of the pairs, for every task: Dih(A) on a task on an
        abelian group A, the maps ``r^g`` on a named group, the searched group otherwise. Raises
        when its elements are too many to list (:meth:`sym_f` still gives order and generators)."""
        return SymmetryGroup(self)

    def sym_f(self, search: bool = False) -> Dict[str, Any]:
        """The computed symmetry group Sym_f of any task, as ``symrfm symmetry --out`` writes it:
        ``order`` (exact, a string), ``method``, ``has_swaps``, ``generators`` and ``elements``
        (each with ``name``, ``swap``, ``order``, ``fixed_points`` and ``permutation`` of the 2n
        coordinates; ``elements`` is absent and ``elements_listed`` false when Sym_f is too large to list,
        see ``skipped``),
        ``fixed_point_counts``. ``search=True`` computes it by exact search even for group tasks.
        Element names (or ``#k``) name subgroups in ``Split.orbit``/``Split.fixed_points``."""
        return json.loads(self._core.sym_f_json(bool(search)))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Task) and self.spec == other.spec

    def __hash__(self) -> int:
        return hash(json.dumps(self.spec, sort_keys=True))

    def __repr__(self) -> str:
        return f"Task({self.description!r}, n={self.n_symbols})"


def _write_table(labels: Any, path: Union[str, os.PathLike, None], names: Optional[Sequence[str]]) -> str:
    """Writes an n × n integer label array as a label-table CSV; returns its path."""
    global _table_dir
    a = np.asarray(labels)
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)) or not np.all(a == np.round(a)):
            raise TypeError("task.table: expected integer labels, got non-integral floats")
        a = a.astype(np.int64)
    if a.dtype.kind not in "iu":
        raise TypeError(f"task.table: expected an integer array, got dtype {a.dtype}")
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"task.table: expected an n × n array, got shape {a.shape}")
    lines = []
    if names is not None:
        names = [str(x) for x in names]
        if len(names) != a.shape[0] or any("," in x or "\n" in x for x in names):
            raise ValueError(f"names: expected {a.shape[0]} symbol names without commas")
        lines.append(",".join(names))
    lines += [",".join(str(int(v)) for v in row) for row in a]
    text = "\n".join(lines) + "\n"
    if path is None:
        if _table_dir is None:
            _table_dir = tempfile.mkdtemp(prefix="symrfm-tables-")
        fd, out = tempfile.mkstemp(prefix="table-", suffix=".csv", dir=_table_dir)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        return out
    out = os.fspath(path)
    with open(out, "w") as f:
        f.write(text)
    return out


class SymmetryGroup:
    """The symmetry group Sym_f of a task: the maps of the pairs that keep every label.

    On a task on an abelian group A it is the generalized dihedral group Dih(A) (order 2n),
    elements named ``id``, ``r^k``, ``s``, ``s r^k`` (tuples ``r^(1,4)`` on product groups,
    residues on Z_p^*); on ``mul``/``div`` on a named group the elements ``r^{g}``; otherwise the
    names ``symrfm symmetry`` lists (``#k`` names element k). ``Π(g)`` is the 2n × 2n permutation
    matrix with ``Π(g) x(a, b) = x(g(a, b))``.
    """

    def __init__(self, task: Task) -> None:
        self.task = task
        self.name: str = _core.group_name(task._core)
        """Readable name, e.g. ``Dih(Z_61)``, ``Sym_f``."""
        self.elements: List[str] = _core.group_elements(task._core)
        """The element names in group order (``id`` first; on Dih(A) rotations, then reflections)."""
        self._swaps: List[bool] = _core.group_swaps(task._core)

    @property
    def order(self) -> int:
        """|Sym_f| (2n on Dih(A))."""
        return len(self.elements)

    @property
    def rotations(self) -> List[str]:
        """The elements that keep the operands in place (``r^k``, ``id`` first)."""
        return [g for g, s in zip(self.elements, self._swaps) if not s]

    @property
    def reflections(self) -> List[str]:
        """The elements that swap the operands (``s r^k``)."""
        return [g for g, s in zip(self.elements, self._swaps) if s]

    def canonical(self, g: str) -> str:
        """The canonical name of an element (``"sr^3"`` → ``"s r^3"``)."""
        return _core.element_name(self.task._core, g)

    def is_swap(self, g: str) -> bool:
        """Whether g swaps the two operands (same as :meth:`is_reflection`)."""
        return _core.element_info(self.task._core, g)[0]

    def is_reflection(self, g: str) -> bool:
        """Whether g swaps the two operands."""
        return _core.element_info(self.task._core, g)[0]

    def element_order(self, g: str) -> int:
        """The order of g."""
        return _core.element_info(self.task._core, g)[1]

    def index(self, g: str) -> int:
        """Position of g in :attr:`elements`."""
        return _core.element_info(self.task._core, g)[2]

    def compose(self, g: str, h: str) -> str:
        """g·h (h applied first)."""
        return _core.compose(self.task._core, g, h)

    def inverse(self, g: str) -> str:
        """g⁻¹."""
        return _core.inverse(self.task._core, g)

    def permutation(self, g: str) -> np.ndarray:
        """σ with ``Π(g) e_i = e_σ(i)`` (int64, length 2n)."""
        return _core.permutation(self.task._core, g)

    def permutation_matrix(self, g: str) -> np.ndarray:
        """Π(g), 2n × 2n float64."""
        return _core.permutation_matrix(self.task._core, g)

    def permutation_matrices(self) -> np.ndarray:
        """All Π(g) stacked in element order: shape (|Sym_f|, 2n, 2n)."""
        return np.stack([self.permutation_matrix(g) for g in self.elements])

    def act(self, g: str, pairs: Any) -> np.ndarray:
        """The images g(a, b) of pairs (pair indices in, pair indices out)."""
        return _core.act(self.task._core, g, pairs_to_indices(self.task, pairs))

    def fixed_points(self, g: str) -> np.ndarray:
        """The pairs fixed by g (on Dih(A) a reflection fixes n pairs, rotations ≠ id none)."""
        return _core.fixed_points(self.task._core, g)

    def subgroup(self, generators: str) -> "Subgroup":
        """The subgroup generated by a list such as ``"r^16,s"`` (also ``"<s r^3>"``, ``"full"``,
        ``"trivial"``)."""
        return Subgroup(_core.SubgroupCore(self.task._core, generators))

    def stabilizer(self, pairs: Any) -> "Subgroup":
        """The largest subgroup H with h(S) = S for every h in H."""
        return Subgroup(_core.stabilizer_of(self.task._core, pairs_to_indices(self.task, pairs)))

    def __repr__(self) -> str:
        return f"SymmetryGroup({self.name}, order {self.order})"


class Subgroup:
    """A subgroup H of Sym_f (built by :meth:`SymmetryGroup.subgroup` or ``stabilizer``)."""

    def __init__(self, core: Any) -> None:
        self._core = core

    @property
    def name(self) -> str:
        """Canonical name, e.g. ``<r^16, s>``, ``trivial``, ``Dih(Z_61)``; parses back."""
        return self._core.name

    @property
    def order(self) -> int:
        """|H|."""
        return self._core.order

    @property
    def elements(self) -> List[str]:
        """Element names, ``id`` first."""
        return self._core.elements

    def generators(self) -> List[str]:
        """A generating set."""
        return self._core.generators()

    def __contains__(self, g: str) -> bool:
        return self._core.contains(g)

    def orbit(self, pair: int) -> np.ndarray:
        """The H-orbit of one pair index."""
        return self._core.orbit(check_int(pair, "pair"))

    def orbits(self) -> List[List[int]]:
        """All H-orbits of the n² pairs."""
        return self._core.orbits()

    def orbit_of_set(self, pairs: Any) -> np.ndarray:
        """Orbit_H(S), the union of the orbits of the pairs in S."""
        return self._core.orbit_of_set(list(map(int, np.asarray(pairs).ravel())))

    def leaves_invariant(self, pairs: Any) -> bool:
        """Whether h(S) = S for all h in H."""
        return self._core.leaves_invariant(list(map(int, np.asarray(pairs).ravel())))

    def __repr__(self) -> str:
        return f"Subgroup({self.name}, order {self.order})"


def _subgroup_text(h: Union[str, Subgroup, None], default: str = "s") -> str:
    if h is None:
        return default
    if isinstance(h, Subgroup):
        return h.name
    if not isinstance(h, str):
        raise TypeError(f"subgroup: expected a generator list such as 'r^16,s', got {h!r}")
    return h


class Split:
    """A training/test split of the n² pairs, rebuilt exactly from its specification.

    Build one with :meth:`random`, :meth:`from_file`, :meth:`fixed_points` or :meth:`orbit`, then
    edit it with :meth:`move_random` (breaks a symmetry), :meth:`move_orbits` (keeps it),
    :meth:`move_to_train` and :meth:`hold_out`; each edit returns a new split whose spec lists the
    edits in the order applied. ``train``/``test`` are int64 pair indices ``a * n + b``.
    """

    def __init__(self, task: Task, spec: Dict[str, Any]) -> None:
        if not isinstance(task, Task):
            raise TypeError(f"task: expected a symrfm.Task, got {type(task).__name__}")
        self.task = task
        self._core = _core.SplitCore(task._core, json.dumps(spec))
        self._spec = json.loads(self._core.spec_json())
        self._train: Optional[np.ndarray] = None
        self._test: Optional[np.ndarray] = None

    @classmethod
    def random(cls, task: Task, fraction: float = 0.5, seed: int = 0) -> "Split":
        """⌊fraction · n²⌋ pairs drawn uniformly (ChaCha8 seeded by ``seed``)."""
        return cls(task, {"kind": "random", "fraction": check_float(fraction, "split.fraction", "a number in (0, 1)"), "seed": check_int(seed, "split.seed")})

    @classmethod
    def from_file(cls, task: Task, path: Union[str, os.PathLike]) -> "Split":
        """A CSV file with header ``a,b,label,is_train`` (symbol indices)."""
        return cls(task, {"kind": "file", "path": os.fspath(path)})

    @classmethod
    def fixed_points(cls, task: Task, subgroup: Union[str, Subgroup, None] = None) -> "Split":
        """Test = the pairs fixed by the elements of H other than id (the reflections of H on
        Dih(A)), train = the rest (H-invariant). H defaults to ``s`` where Sym_f has it, else the
        first element of Sym_f that fixes some pair (as ``symrfm run --split fixed-points``)."""
        h = _subgroup_text(subgroup) if subgroup is not None else _core.default_subgroup(task._core, True)
        return cls(task, {"kind": "fixed-points", "subgroup": h})

    @classmethod
    def orbit(
        cls,
        task: Task,
        subgroup: Union[str, Subgroup, None] = None,
        fraction: float = 0.5,
        seed: int = 0,
    ) -> "Split":
        """Whole H-orbits drawn at random up to ``fraction``: H-invariant at any fraction. H
        defaults to ``s`` where Sym_f has it, else its first element other than id."""
        h = _subgroup_text(subgroup) if subgroup is not None else _core.default_subgroup(task._core, False)
        return cls(
            task,
            {
                "kind": "orbit",
                "subgroup": h,
                "fraction": check_float(fraction, "split.fraction", "a number in (0, 1)"),
                "seed": check_int(seed, "split.seed"),
            },
        )

    @classmethod
    def from_spec(cls, task: Task, spec: Dict[str, Any]) -> "Split":
        """A split from its recorded specification (``split.spec`` of a run file)."""
        return cls(task, spec)

    def _edit(self, edit: Dict[str, Any]) -> "Split":
        if self._spec["kind"] == "edited":
            spec = {"kind": "edited", "base": self._spec["base"], "edits": self._spec["edits"] + [edit]}
        else:
            spec = {"kind": "edited", "base": self._spec, "edits": [edit]}
        return Split(self.task, spec)

    def move_random(self, count: int = 1, seed: int = 0) -> "Split":
        """Move ``count`` random training pairs to test (breaks the symmetry)."""
        return self._edit({"kind": "move-random", "count": check_int(count, "count"), "seed": check_int(seed, "seed"), "moved": []})

    def move_orbits(
        self, count: int = 1, subgroup: Union[str, Subgroup, None] = None, seed: int = 0
    ) -> "Split":
        """Move ``count`` whole H-orbits from train to test (keeps H-invariance). H defaults to
        the subgroup of the base split, else ``<s>``."""
        h = _subgroup_text(subgroup, self._base_subgroup() or "s")
        return self._edit({"kind": "move-orbits", "subgroup": h, "count": check_int(count, "count"), "seed": check_int(seed, "seed"), "moved": []})

    def move_to_train(self, pairs: Any) -> "Split":
        """Move these test pairs to train (pair indices, (a, b) symbol indices or ``"a:b"``)."""
        return self._edit({"kind": "move-to-train", "pairs": sorted(set(pairs_to_indices(self.task, pairs, "move_to_train")))})

    def hold_out(self, pairs: Any) -> "Split":
        """Move these training pairs to test."""
        return self._edit({"kind": "hold-out", "pairs": sorted(set(pairs_to_indices(self.task, pairs, "hold_out")))})

    def _base_subgroup(self) -> Optional[str]:
        base = self._spec["base"] if self._spec["kind"] == "edited" else self._spec
        return base.get("subgroup")

    def theory_subgroup(self) -> Optional[str]:
        """The subgroup H whose orbit prediction a run on this split scores (as ``symrfm run``
        does): the base split's H for fixed-points/orbit splits, else that of a move-orbits edit,
        else None."""
        h = self._base_subgroup()
        if h is None and self._spec["kind"] == "edited":
            for e in self._spec["edits"]:
                if e["kind"] == "move-orbits":
                    return e["subgroup"]
        return h

    @property
    def spec(self) -> Dict[str, Any]:
        """The specification as recorded in run files (moved pairs filled in)."""
        return json.loads(json.dumps(self._spec))

    @property
    def kind(self) -> str:
        """``random``, ``file``, ``fixed-points``, ``orbit`` or ``edited``."""
        return self._spec["kind"]

    @property
    def seed(self) -> Optional[int]:
        """The seed of the first random choice (None if there is none)."""
        return self._core.seed()

    @property
    def train(self) -> np.ndarray:
        """Training pair indices, ascending (int64)."""
        if self._train is None:
            self._train = self._core.train()
            self._train.setflags(write=False)
        return self._train

    @property
    def test(self) -> np.ndarray:
        """Test pair indices, ascending (int64)."""
        if self._test is None:
            self._test = self._core.test()
            self._test.setflags(write=False)
        return self._test

    @property
    def n_train(self) -> int:
        """Number of training pairs."""
        return int(self.train.shape[0])

    @property
    def n_test(self) -> int:
        """Number of test pairs."""
        return int(self.test.shape[0])

    def to_csv(self, path: Union[str, os.PathLike, None] = None) -> str:
        """The split as CSV, byte for byte what ``symrfm split`` writes: header
        ``a,b,label,is_train``, one row per pair (symbol values). Also written to ``path`` when
        given. Returns the text."""
        text = _core.split_csv(self._core)
        if path is not None:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        return text

    def arrays(self) -> Dict[str, np.ndarray]:
        """The split as one-hot arrays for training a network of your own on exactly this split:
        ``x_train`` (n_train × 2n float64, rows e_a ‖ e_b), ``y_train`` (labels, int64),
        ``x_test``, ``y_test``, and the pair indices ``train`` and ``test`` (a·n + b, in the
        rows' order)."""
        n = self.task.n_symbols
        labels = np.asarray(self.task.labels).reshape(-1)

        def encode(pairs: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
            x = np.zeros((len(pairs), 2 * n), dtype=np.float64)
            rows = np.arange(len(pairs))
            x[rows, pairs // n] = 1.0
            x[rows, n + pairs % n] = 1.0
            return x, labels[pairs].astype(np.int64)

        x_train, y_train = encode(np.asarray(self.train, dtype=np.int64))
        x_test, y_test = encode(np.asarray(self.test, dtype=np.int64))
        return {
            "x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test,
            "train": np.asarray(self.train, dtype=np.int64), "test": np.asarray(self.test, dtype=np.int64),
        }

    def dataset(self, part: str = "train") -> "PairDataset":
        """The training (``part="train"``) or test (``"test"``) pairs as a map-style dataset:
        ``len(ds)`` pairs, ``ds[i]`` = (x, label) with x the one-hot float64 array e_a ‖ e_b of
        length 2n and label a Python int, in the order of :meth:`arrays`. It needs nothing but
        numpy: ``torch.utils.data.DataLoader(split.dataset("train"), batch_size=32,
        shuffle=True)`` takes it as it is (its default collation stacks the arrays into a
        float64 tensor and the labels into an int64 tensor)."""
        if part not in ("train", "test"):
            raise ValueError(f"part: {part!r}; allowed: 'train' or 'test'")
        a = self.arrays()
        return PairDataset(a[f"x_{part}"], a[f"y_{part}"], a[part], part)

    @property
    def moved_to_test(self) -> np.ndarray:
        """The pairs the edits moved from train to test, in edit order."""
        return self._core.moved_to_test()

    def train_mask(self) -> np.ndarray:
        """Boolean n × n table: True where (a, b) is a training pair."""
        mask = np.zeros(self.task.n_pairs, dtype=bool)
        mask[self.train] = True
        return mask.reshape(self.task.n_symbols, self.task.n_symbols)

    def symmetry(self, subgroup: Union[str, Subgroup, None] = None) -> Optional[Dict[str, Any]]:
        """The symmetry report (the run file's ``symmetry``): stabilizer of the training set in
        the task's Sym_f, the orbit prediction of H = ``subgroup`` (default: the stabilizer), test
        pairs outside Orbit_H(train); None when Sym_f is too large to list."""
        h = None if subgroup is None else _subgroup_text(subgroup)
        text = self._core.symmetry_json(h)
        return None if text is None else json.loads(text)

    def stabilizer(self) -> Subgroup:
        """The stabilizer of the training set in the task's Sym_f (the subgroup
        :meth:`symmetry` reports as ``stabilizer``)."""
        return self.task.symmetry_group().stabilizer(self.train)

    def __repr__(self) -> str:
        return f"Split({self.kind}, {self.n_train} train / {self.n_test} test, {self.task.description})"


class PairDataset:
    """The pairs of one part of a split as a map-style dataset (:meth:`Split.dataset`):
    ``len(ds)``, ``ds[i]`` = (x, label) with x the one-hot float64 numpy array e_a ‖ e_b and
    label an int; negative indices count from the end, as for a list. The read-only arrays are
    ``x`` (len × 2n), ``y`` (labels, int64) and ``pairs`` (the pair indices a·n + b)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, pairs: np.ndarray, part: str) -> None:
        for v in (x, y, pairs):
            v.setflags(write=False)
        self.x = x
        self.y = y
        self.pairs = pairs
        self.part = part

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: Any) -> Tuple[np.ndarray, int]:
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"index: expected an integer, got {type(i).__name__}")
        n = len(self.y)
        j = int(i) + n if i < 0 else int(i)
        if not 0 <= j < n:
            raise IndexError(f"index {i} out of range for {n} {self.part} pairs")
        return self.x[j].copy(), int(self.y[j])

    def __repr__(self) -> str:
        return f"PairDataset({self.part}, {len(self)} pairs, x of length {self.x.shape[1]})"

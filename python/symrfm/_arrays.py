"""Conversion of user inputs (numpy arrays of any dtype and layout, lists) to what the engine takes.

Conversions that lose nothing are accepted (float32, integer or boolean matrices, Fortran order,
non-contiguous views); anything else raises TypeError (wrong kind of data) or ValueError (wrong
shape or value).
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

_MAX_EXACT_INT = 2**53


def as_float64_matrix(x: Any, name: str = "matrix") -> np.ndarray:
    """``x`` as a C-contiguous float64 2-D array, if that conversion is exact."""
    try:
        a = np.asarray(x)
    except ValueError as e:  # ragged nested lists
        raise ValueError(f"{name}: not a rectangular array ({e})") from None
    kind = a.dtype.kind
    if kind == "f":
        if a.dtype.itemsize > 8:
            b = a.astype(np.float64)
            if not np.array_equal(b.astype(a.dtype), a, equal_nan=True):
                raise TypeError(
                    f"{name}: dtype {a.dtype} does not convert to float64 without rounding"
                )
    elif kind in "iu":
        if a.size and int(np.max(np.abs(a.astype(object)))) > _MAX_EXACT_INT:
            raise TypeError(f"{name}: integers above 2**53 do not convert to float64 exactly")
    elif kind == "b":
        pass
    else:
        raise TypeError(
            f"{name}: expected real numbers (float, int or bool dtype), got dtype {a.dtype}"
        )
    if a.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array, got {a.ndim}-D with shape {a.shape}")
    return np.ascontiguousarray(a, dtype=np.float64)


def as_index_list(x: Any, name: str = "pairs") -> list:
    """Integer indices from an int, a sequence or an array of integers (integral floats pass)."""
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name}: expected integer indices, got a bool")
    if isinstance(x, (int, np.integer)):
        return [int(x)]
    a = np.asarray(x)
    if a.size == 0:
        return []
    if a.dtype.kind in "iu":
        return [int(v) for v in a.ravel()]
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)) or not np.all(a == np.round(a)):
            raise TypeError(f"{name}: expected integer indices, got non-integral floats")
        return [int(v) for v in a.ravel()]
    raise TypeError(f"{name}: expected integer indices, got dtype {a.dtype}")


def check_int(value: Any, name: str, minimum: int = 0) -> int:
    """A Python int ≥ ``minimum`` (numpy integers accepted; bools and floats rejected)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    if value < minimum:
        raise ValueError(
            f"invalid value for {name}: {value} (allowed: an integer ≥ {minimum})"
        )
    return value


def check_float(value: Any, name: str, allowed: str) -> float:
    """A finite float (ints and numpy floats accepted)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"invalid value for {name}: {value} (allowed: {allowed})")
    return value


def pairs_to_indices(task: Any, pairs: Any, name: str = "pairs") -> list:
    """Pair indices ``a * n + b`` from any of: an int or integer array of pair indices; an
    ``(k, 2)`` array or a list of ``(a, b)`` tuples of symbol indices; strings ``"a:b"`` of symbol
    values as in the CLI (``"2:3"``, ``"(1,4):(0,2)"``)."""
    n = task.n_symbols
    if isinstance(pairs, str):
        pairs = [p for p in _split_top_level(pairs)]
    if isinstance(pairs, (list, tuple)) and pairs and all(isinstance(p, str) for p in pairs):
        lookup = {s: i for i, s in enumerate(task.symbols)}
        out = []
        for p in pairs:
            text = "".join(p.split())
            cut = _value_separator(text)
            if cut is None:
                raise ValueError(f"{name}: {p!r} is not a pair `a:b` of symbol values")
            a, b = text[:cut], text[cut + 1 :]
            if a not in lookup or b not in lookup:
                raise ValueError(
                    f"{name}: {p!r} names a symbol that {task.description} does not have "
                    f"(symbols: {', '.join(task.symbols[:5])}, ...)"
                )
            out.append(lookup[a] * n + lookup[b])
        return out
    if isinstance(pairs, (list, tuple)) and pairs and all(
        isinstance(p, (tuple, list)) for p in pairs
    ):
        pairs = np.asarray(pairs)
    a = np.asarray(pairs) if not isinstance(pairs, (int, np.integer)) else None
    if a is not None and a.ndim == 2 and a.shape[1] == 2:
        ab = as_index_list(a, name)
        out = []
        for k in range(0, len(ab), 2):
            x, y = ab[k], ab[k + 1]
            if not (0 <= x < n and 0 <= y < n):
                raise ValueError(f"{name}: symbol index pair ({x}, {y}) out of range 0..{n}")
            out.append(x * n + y)
        return out
    if a is not None and a.ndim > 1:
        raise ValueError(
            f"{name}: expected pair indices (1-D) or (a, b) symbol-index pairs (shape (k, 2)), "
            f"got shape {a.shape}"
        )
    return as_index_list(pairs, name)


def _value_separator(text: str):
    depth = 0
    for i, c in enumerate(text):
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == ":" and depth == 0:
            return i
    return None


def _split_top_level(text: str) -> Sequence[str]:
    parts, depth, cur = [], 0, ""
    for c in text:
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        if c == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += c
    parts.append(cur)
    return [p for p in (q.strip() for q in parts) if p]

"""Interventions on the feature matrix (``params.interventions``) and the choice of M_0 (``init``).

Thin constructors of the specification objects the library reads (``symrfm::rfm::Intervention``,
``symrfm::rfm::InitSpec``): nothing here touches a matrix. The library validates the values and
names the parameter by its specification name (``params.interventions.strength``, ``init.perturb``).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Union

from ._arrays import check_float, check_int

INTERVENTION_KINDS = ("commutant", "group-algebra", "enforce-circulant")
INIT_KINDS = ("identity", "random-circulant")


def _param_error(name: str, value: Any, allowed: str) -> ValueError:
    """A ValueError like the library's: ``parameter``, ``value`` and ``allowed`` attributes."""
    e = ValueError(f"invalid value for {name}: {value} (allowed: {allowed})")
    e.parameter = name  # type: ignore[attr-defined]
    e.value = str(value)  # type: ignore[attr-defined]
    e.allowed = allowed  # type: ignore[attr-defined]
    return e


class Intervention:
    """One entry of ``params.interventions``: after the update of iteration t (t = ``start``,
    ``start + every``, …) M ← (1 − β) M + β T(M) with β = ``strength``.

    Build one with :class:`Commutant`, :class:`GroupAlgebra` or :class:`EnforceCirculant`, or
    pass the spec dict itself to :func:`symrfm.run` (``{"kind": "commutant", "subgroup": "r",
    "strength": 0.5, "from": 3, "every": 2}``). ``options`` are further fields of the kind, passed
    to the library unchanged.
    """

    kind: str = ""

    def __init__(
        self,
        *,
        strength: float = 1.0,
        start: int = 0,
        every: int = 1,
        subgroup: Optional[str] = None,
        **options: Any,
    ) -> None:
        self.strength = check_float(strength, "params.interventions.strength", "a number in (0, 1]")
        self.start = check_int(start, "params.interventions.from")
        self.every = check_int(every, "params.interventions.every")
        self.subgroup = subgroup
        self.options = dict(options)

    @property
    def spec(self) -> Dict[str, Any]:
        """The specification object (as recorded in ``params.interventions``)."""
        d: Dict[str, Any] = {"kind": self.kind}
        if self.subgroup is not None:
            d["subgroup"] = self.subgroup
        d.update(self.options)
        d["strength"] = self.strength
        d["from"] = self.start
        d["every"] = self.every
        return d

    def __repr__(self) -> str:
        args = [repr(self.subgroup)] if self.subgroup is not None else []
        args += [f"{k}={v!r}" for k, v in self.options.items()]
        if self.strength != 1.0:
            args.append(f"strength={self.strength!r}")
        if self.start != 0:
            args.append(f"start={self.start!r}")
        if self.every != 1:
            args.append(f"every={self.every!r}")
        return f"{type(self).__name__}({', '.join(args)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Intervention) and self.spec == other.spec


def _subgroup_name(subgroup: Any) -> str:
    from ._task import Subgroup

    if isinstance(subgroup, Subgroup):
        return subgroup.name
    if not isinstance(subgroup, str):
        raise TypeError(
            "params.interventions.subgroup: expected a subgroup name such as 'r', 's r^3', "
            f"'rotations' or 'stabilizer', got {subgroup!r}"
        )
    return subgroup


class Commutant(Intervention):
    """Projection onto the commutant of a subgroup H: P_H(M) = (1/|H|) Σ_h Π(h) M Π(h)ᵀ.

    ``subgroup`` is a subgroup name of the task's symmetry group (``r``, ``s r^3``,
    ``r^16, s``, ``full``), ``rotations`` or ``stabilizer`` (of the training set), or a
    :class:`Subgroup` (CLI: ``--project commutant:H``)."""

    kind = "commutant"

    def __init__(self, subgroup: Any, *, strength: float = 1.0, start: int = 0, every: int = 1, **options: Any) -> None:
        super().__init__(strength=strength, start=start, every=every, subgroup=_subgroup_name(subgroup), **options)


class GroupAlgebra(Intervention):
    """Orthogonal projection onto span{Π(h) : h ∈ H}, the group algebra of a subgroup H (CLI:
    ``--project group-algebra:H``)."""

    kind = "group-algebra"

    def __init__(self, subgroup: Any, *, strength: float = 1.0, start: int = 0, every: int = 1, **options: Any) -> None:
        super().__init__(strength=strength, start=start, every=every, subgroup=_subgroup_name(subgroup), **options)


class EnforceCirculant(Intervention):
    """The enforced block-circulant structure of arXiv 2407.20199 (cyclic groups; discrete-log
    order for mul/div; CLI: ``--enforce-circulant``). ``options`` are passed to the library as
    further fields of the intervention."""

    kind = "enforce-circulant"

    def __init__(self, *, strength: float = 1.0, start: int = 0, every: int = 1, **options: Any) -> None:
        super().__init__(strength=strength, start=start, every=every, **options)


def interventions_spec(interventions: Union[None, Intervention, Dict[str, Any], Sequence[Any]]) -> List[Dict[str, Any]]:
    """``params.interventions`` from Intervention objects and/or spec dicts (``start`` is
    accepted for ``from``)."""
    if interventions is None:
        return []
    if isinstance(interventions, (Intervention, dict)):
        interventions = [interventions]
    if isinstance(interventions, (str, bytes)):
        raise TypeError(
            "interventions: expected a list of Commutant/GroupAlgebra/EnforceCirculant or dicts, "
            f"got {interventions!r}"
        )
    out = []
    for item in interventions:
        if isinstance(item, Intervention):
            out.append(item.spec)
        elif isinstance(item, dict):
            d = dict(item)
            if "start" in d:
                if "from" in d:
                    raise ValueError("params.interventions: give `from` or `start`, not both")
                d["from"] = d.pop("start")
            kind = d.get("kind")
            if kind not in INTERVENTION_KINDS:
                raise _param_error("params.interventions.kind", kind, ", ".join(INTERVENTION_KINDS))
            out.append(d)
        else:
            raise TypeError(
                "interventions: expected Commutant/GroupAlgebra/EnforceCirculant objects or dicts, "
                f"got {type(item).__name__}"
            )
    return out


def init_spec(init: str, init_seed: int, perturb: Optional[float]) -> Optional[Dict[str, Any]]:
    """The ``init`` object of the spec; None when it is the default (M_0 as given, unperturbed)."""
    if init not in INIT_KINDS:
        raise _param_error("init.kind", init, ", ".join(INIT_KINDS))
    seed = check_int(init_seed, "init.seed")
    if perturb is not None:
        perturb = check_float(perturb, "init.perturb", "a finite number ≥ 0")
    if init == "identity" and perturb is None:
        return None
    d: Dict[str, Any] = {"kind": "given" if init == "identity" else "random-circulant", "seed": seed}
    if perturb is not None:
        d["perturb"] = perturb
    return d

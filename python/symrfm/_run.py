"""Training: ``run`` one experiment, ``compare`` a symmetric split with its twin."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core
from ._arrays import as_float64_matrix, check_float, check_int, pairs_to_indices
from ._interventions import Intervention, init_spec, interventions_spec
from ._task import Split, Subgroup, Task, _subgroup_text

Callback = Callable[[int, Dict[str, Any]], Optional[bool]]

KERNELS = ("gaussian", "laplace", "quadratic")


class RunResult:
    """One RFM run: metrics per iteration, feature matrices, the fitted model and the report.

    ``report`` is exactly the run JSON ``symrfm run`` writes (``save`` writes it byte for byte in
    the same format). ``metrics`` holds one numpy array per metric, index t = iteration.
    """

    def __init__(self, core: Any, task: Optional[Task] = None) -> None:
        self._core = core
        self._report: Optional[Dict[str, Any]] = None
        self._metrics: Optional[Dict[str, np.ndarray]] = None
        self._matrices: Optional[List[Tuple[int, np.ndarray]]] = None
        self._task = task
        self._split: Optional[Split] = None
        self._trap: Optional[Dict[str, Any]] = None

    @property
    def report(self) -> Dict[str, Any]:
        """The run report as a dict (schema: README "Output schema")."""
        if self._report is None:
            self._report = json.loads(self._core.report_json())
        return self._report

    @property
    def summary(self) -> Dict[str, Any]:
        """First iteration with test accuracy ≥ 0.99, final train/test accuracy, best test accuracy."""
        return json.loads(self._core.summary_json())

    @property
    def complete(self) -> bool:
        """False if the run stopped early (callback, Ctrl-C)."""
        return self._core.complete

    @property
    def metrics(self) -> Dict[str, np.ndarray]:
        """Per-iteration metrics: ``iter``, ``train_acc``, ``test_acc``, ``train_mse``,
        ``test_mse``, ``trace_m``, ``trace_m_next``, ``seconds`` (float64/int64 arrays) and
        ``solver`` (array of str)."""
        if self._metrics is None:
            m = self._core.metrics()
            m["solver"] = np.asarray(m["solver"], dtype=str)
            for v in m.values():
                v.setflags(write=False)
            self._metrics = m
        return self._metrics

    @property
    def network(self) -> Optional[Dict[str, Any]]:
        """The ``network`` section of a network run (``model="mlp"``): ``params``, ``steps`` (one
        dict per evaluation), ``features`` (NFM, AGOP, centered AGOP as nested lists, NFA
        correlations) and ``seconds``; None for an RFM run."""
        text = self._core.network_json()
        return None if text is None else json.loads(text)

    @property
    def network_metrics(self) -> Dict[str, np.ndarray]:
        """Per-evaluation metrics of a network run as float64/int64 arrays: ``step``, ``epoch``,
        ``batch_loss`` (NaN at step 0), ``train_loss``, ``train_acc``, ``test_loss``,
        ``test_acc``, ``seconds``."""
        net = self.network
        if net is None:
            raise ValueError("network_metrics: not a network run (model='rfm')")
        steps = net["steps"]
        out: Dict[str, np.ndarray] = {"step": np.asarray([r["step"] for r in steps], dtype=np.int64)}
        for k in ("epoch", "batch_loss", "train_loss", "train_acc", "test_loss", "test_acc", "seconds"):
            out[k] = np.asarray([np.nan if r.get(k) is None else r[k] for r in steps], dtype=np.float64)
        return out

    def network_features(self) -> List[Dict[str, Any]]:
        """The recorded feature matrices of a network run: per recorded step a dict with
        ``step``, ``nfm``, ``agop``, ``agop_centered`` (float64 arrays), ``nfa_corr`` and
        ``nfa_corr_no_diag``."""
        net = self.network
        if net is None:
            raise ValueError("network_features: not a network run (model='rfm')")
        return [
            {
                "step": f["step"],
                "nfm": np.asarray(f["nfm"]["rows"], dtype=np.float64),
                "agop": np.asarray(f["agop"]["rows"], dtype=np.float64),
                "agop_centered": np.asarray(f["agop_centered"]["rows"], dtype=np.float64),
                "nfa_corr": f.get("nfa_corr"),
                "nfa_corr_no_diag": f.get("nfa_corr_no_diag"),
            }
            for f in net["features"]
        ]

    def to_pandas(self) -> Any:
        """The metrics as a pandas DataFrame indexed by iteration (by step for a network run;
        needs pandas)."""
        try:
            import pandas as pd
        except ImportError as e:
            raise ImportError("to_pandas() needs pandas: pip install pandas") from e
        if self._core.network_json() is not None:
            nm = dict(self.network_metrics)
            step = nm.pop("step")
            return pd.DataFrame(nm, index=pd.Index(step, name="step"))
        m = dict(self.metrics)
        it = m.pop("iter")
        return pd.DataFrame(m, index=pd.Index(it, name="iter"))

    @property
    def feature_matrices(self) -> List[Tuple[int, np.ndarray]]:
        """The saved M_t as (t, float64 array) pairs, ascending in t; the last is the final M."""
        if self._matrices is None:
            self._matrices = [(t, m) for t, m in self._core.feature_matrices()]
        return self._matrices

    def m(self, t: Optional[int] = None) -> np.ndarray:
        """M_t (default: the final M). Raises KeyError if M_t was not saved (``save_every``)."""
        if t is None:
            return self.feature_matrices[-1][1]
        for s, m in self.feature_matrices:
            if s == t:
                return m
        raise KeyError(f"M_{t} was not saved; saved t: {[s for s, _ in self.feature_matrices]}")

    @property
    def final_m(self) -> np.ndarray:
        """The final feature matrix."""
        return self.m()

    @property
    def task(self) -> Task:
        """The task."""
        if self._task is None:
            self._task = Task.from_spec(self.report["task"]["spec"])
        return self._task

    @property
    def split(self) -> Split:
        """The split, rebuilt from its recorded spec."""
        if self._split is None:
            self._split = Split.from_spec(self.task, self.report["split"]["spec"])
        return self._split

    @property
    def symmetry(self) -> Optional[Dict[str, Any]]:
        """The symmetry report of the split (with the orbit-theory score when H was in play)."""
        return self.report.get("symmetry")

    @property
    def final_analysis(self) -> Optional[Dict[str, Any]]:
        """Decomposition and structure of the final M."""
        return self.report.get("final_analysis")

    @property
    def test_correct(self) -> np.ndarray:
        """Test pairs classified correctly at the last iteration."""
        return self._core.test_correct()

    @property
    def has_model(self) -> bool:
        """Whether :meth:`predict` is available (results of ``run``, and files saved with
        ``save_model=True``)."""
        return self._core.has_model

    def predict(self, pairs: Any) -> np.ndarray:
        """Raw outputs f(x) (len(pairs) × n_classes, float64) of the last iteration's predictor
        f = Σ_i α_i k_M(·, x_i) for any pairs (pair indices, (a, b) symbol indices or ``"a:b"``)."""
        return self._core.predict(pairs_to_indices(self.task, pairs))

    def predict_labels(self, pairs: Any) -> np.ndarray:
        """Predicted classes (argmax of :meth:`predict`, ties to the lowest class), int64."""
        out = self.predict(pairs)
        return np.argmax(out, axis=1).astype(np.int64) if out.shape[0] else np.zeros(0, np.int64)

    @property
    def trap(self) -> Optional[Dict[str, Any]]:
        """The trap dynamics (the run file's ``trap``; every task whose Sym_f lists its elements):
        ``stabilizer`` S of the training set and its order, ``asymmetry`` ‖M_t − P_S(M_t)‖_F / ‖M_t‖_F
        for t = 0 … T, ``growth_rate`` (slope of its logarithm over the growth phase),
        ``trapped_pairs`` (test pairs outside Orbit_S(train)), ``trapped_accuracy`` (the test
        accuracy on them at every iteration), ``escaped_at`` (the first iteration where that
        accuracy leaves its first value; also ``broken_at``) and ``escape_asymmetry`` (the
        asymmetry then), absent when undefined. None when the run records none."""
        if self._trap is None:
            text = self._core.trap_json()
            self._trap = {} if text is None else json.loads(text)
        return self._trap or None

    @property
    def asymmetry(self) -> np.ndarray:
        """The trap asymmetry of M_0, M_1, …, M_T (float64; empty without a trap record)."""
        trap = self.trap
        a = np.asarray([] if trap is None else trap["asymmetry"], dtype=np.float64)
        a.setflags(write=False)
        return a

    @property
    def growth_rate(self) -> Optional[float]:
        """Slope of ln(asymmetry) against t over the growth phase (None when undefined)."""
        return (self.trap or {}).get("growth_rate")

    @property
    def broken_at(self) -> Optional[int]:
        """The iteration where the run left the trap: the accuracy on the trapped pairs first
        differs from its value at the first iteration (``escaped_at``); None if it never did."""
        return (self.trap or {}).get("broken_at")

    @property
    def escaped_at(self) -> Optional[int]:
        """Same as :attr:`broken_at`."""
        return (self.trap or {}).get("escaped_at")

    @property
    def predictions(self) -> Optional["Predictions"]:
        """The stored test predictions (``save_predictions=True``): ``t`` (the iteration whose
        predictor produced them), ``pairs`` (test pair indices) and ``outputs`` (n_test × c
        float64); None when not stored."""
        p = self._core.predictions()
        return None if p is None else Predictions(*p)

    def eigen(self, k: int = 8, t: Optional[int] = None) -> "Any":
        """The k leading eigenpairs of M (or M_t) and their Fourier content: see
        :func:`symrfm.eigen`."""
        from ._analysis import eigen

        return eigen(self, k=k, t=t)

    def resume(self, iters: Optional[int] = None, **kwargs: Any) -> "RunResult":
        """Continues this run to ``iters`` iterations in all: see :func:`symrfm.resume`."""
        return resume(self, iters, **kwargs)

    def save(self, path: Union[str, os.PathLike]) -> None:
        """Writes the run JSON exactly as ``symrfm run`` does (atomically)."""
        self._core.save(os.fspath(path))

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"RunResult({self.report['task']['description']}, {len(self.report['iterations'])} "
            f"iterations, final test acc {s['final_test_acc']:.4f}, "
            f"first ≥ 0.99 at {s['first_iter_test_acc_ge_099']})"
        )


class Predictions(NamedTuple):
    """Test predictions stored in a run (``save_predictions``)."""

    t: int
    """The iteration whose predictor f_t produced them (the last completed one)."""
    pairs: np.ndarray
    """Test pair indices ``a * n + b`` (int64, ascending), one per row of ``outputs``."""
    outputs: np.ndarray
    """f_t(x): n_test × n_classes float64; the row argmax is the predicted class."""


class _Progress:
    """One updating line on stderr, or a tqdm bar when tqdm is installed."""

    def __init__(self, total: int, label: str, use_tqdm: Optional[bool]) -> None:
        self.total, self.label, self.bar = total, label, None
        if use_tqdm is not False:
            try:
                from tqdm.auto import tqdm

                self.bar = tqdm(total=total, desc=label or "symrfm", leave=True)
            except ImportError:
                if use_tqdm:
                    raise
        self.last_len = 0
        # One updating line on a terminal or in a notebook, one line per iteration elsewhere.
        isatty = getattr(sys.stderr, "isatty", lambda: False)
        self.inline = isatty() or "ipykernel" in sys.modules

    def update(self, r: Dict[str, Any]) -> None:
        if self.bar is not None:
            self.bar.set_postfix(train=f"{r['train_acc']:.3f}", test=f"{r['test_acc']:.4f}", refresh=False)
            self.bar.update(1)
            return
        if "step" in r:
            line = (
                f"{self.label + ' ' if self.label else ''}[step {r['step']}/{r['total']}] "
                f"train loss {r['train_loss']:.3e} acc {r['train_acc']:.3f}  "
                f"test loss {r['test_loss']:.3e} acc {r['test_acc']:.4f}  {r['seconds']:.2f}s"
            )
        else:
            line = (
            f"{self.label + ' ' if self.label else ''}[{r['iter'] + 1:>3}/{self.total}] "
            f"train {r['train_acc']:.3f}  test {r['test_acc']:.4f}  "
            f"test-mse {r['test_mse']:.3e}  tr(M_t) {r['trace_m']:.3f}  {r['seconds']:.2f}s"
            )
        if self.inline:
            sys.stderr.write("\r" + line + " " * max(0, self.last_len - len(line)))
            self.last_len = len(line)
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.last_len:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _kernel(kernel: str, bandwidth: float) -> Dict[str, Any]:
    if kernel not in KERNELS:
        raise ValueError(
            f"invalid value for params.kernel: {kernel!r} (allowed: {', '.join(KERNELS)})"
        )
    if kernel == "quadratic":
        return {"kind": "quadratic"}
    return {"kind": kernel, "bandwidth": check_float(bandwidth, "params.kernel.bandwidth", "a finite number > 0")}


def _params(
    kernel: str,
    bandwidth: float,
    ridge: float,
    iters: int,
    agop_power: float,
    centering: bool,
    save_every: Optional[int],
    precision: str,
    interventions: Any = None,
    exact_symmetry: bool = False,
) -> Dict[str, Any]:
    if precision not in ("f64", "f32"):
        raise ValueError(f"invalid value for params.precision: {precision!r} (allowed: f64, f32)")
    if not isinstance(centering, (bool, np.bool_)):
        raise TypeError(f"centering: expected a bool, got {centering!r}")
    p: Dict[str, Any] = {
        "kernel": _kernel(kernel, bandwidth),
        "ridge": check_float(ridge, "params.ridge", "a finite number ≥ 0"),
        "iters": check_int(iters, "params.iters"),
        "agop_power": check_float(agop_power, "params.agop_power", "a number in (0, 10]"),
        "centering": bool(centering),
        "save_every": None if save_every is None else check_int(save_every, "params.save_every"),
    }
    if precision != "f64":
        p["precision"] = precision
    iv = interventions_spec(interventions)
    if iv:
        p["interventions"] = iv
    if not isinstance(exact_symmetry, (bool, np.bool_)):
        raise TypeError(f"exact_symmetry: expected a bool, got {exact_symmetry!r}")
    if exact_symmetry:
        p["exact_symmetry"] = True
    return p


def _resolve_task(task: Union[Task, str, None], modulus: int) -> Task:
    if task is None:
        return Task("add", modulus)
    if isinstance(task, str):
        return Task(task, modulus)
    if not isinstance(task, Task):
        raise TypeError(f"task: expected a symrfm.Task or an operation name, got {type(task).__name__}")
    return task


def _init_path(init_m: Any, task: Task, stack: List[str]) -> Optional[str]:
    if init_m is None:
        return None
    if isinstance(init_m, (str, os.PathLike)):
        return os.fspath(init_m)
    if isinstance(init_m, RunResult):
        init_m = init_m.final_m
    m = as_float64_matrix(init_m, "init_m")
    fd, path = tempfile.mkstemp(prefix="symrfm-init-", suffix=".npy")
    os.close(fd)
    np.save(path, m)
    stack.append(path)
    return path


_NOT_RECORDED = ("callback", "quiet", "progress", "command_line", "params")

# Arguments of `run` that only one model family reads: given to the other, they are refused (as
# the CLI refuses the flags) rather than silently ignored.
_RFM_ONLY = (
    "kernel", "bandwidth", "ridge", "iters", "agop_power", "centering", "save_every", "init_m",
    "interventions", "exact_symmetry", "init", "init_seed", "max_memory", "backend", "structure",
    "save_predictions",
)
_NET_ONLY = (
    "width", "act", "init_scale", "net_init", "net_seed", "optimizer", "lr", "weight_decay",
    "momentum", "batch", "epochs", "steps", "eval_every", "agop_every", "loss", "agop_reg",
    "symmetry_loss", "d_model", "heads", "d_head", "d_mlp",
)


def _check_model_args(model: str, call: Dict[str, Any]) -> None:
    """Raises ValueError for the first argument `call` gives that `model` does not read."""
    if model == "rfm":
        for name in _NET_ONLY:
            if name in call:
                raise ValueError(
                    f"invalid value for model: 'rfm' (the default) with {name}={call[name]!r} "
                    f"(allowed: {name} with model='mlp', 'mlp2' or 'transformer': it sets a network)"
                )
    else:
        for name in _RFM_ONLY:
            if name in call:
                raise ValueError(
                    f"invalid value for {name}: {call[name]!r} "
                    f"(allowed: RFM runs only; this run is model={model!r})"
                )


def _non_defaults(func: Callable[..., Any], args: Dict[str, Any]) -> Dict[str, Any]:
    """The arguments of a call that differ from the defaults (recorded as its command line)."""
    import inspect

    out = {}
    for name, p in inspect.signature(func).parameters.items():
        if name in _NOT_RECORDED or name not in args:
            continue
        v = args[name]
        if p.default is inspect.Parameter.empty or v is not p.default and not (
            isinstance(v, (int, float, str, bool)) and type(v) is type(p.default) and v == p.default
        ):
            out[name] = v
    out.update(args.get("params") or {})
    return out


def _call_text(name: str, kwargs: Dict[str, Any]) -> List[str]:
    parts = []
    for k, v in kwargs.items():
        if isinstance(v, Task):
            v = f"Task.from_spec({json.dumps(v.spec)})"
        elif isinstance(v, Split):
            v = f"Split.from_spec(task, {json.dumps(v.spec)})"
        elif isinstance(v, np.ndarray):
            v = f"<array {v.shape}>"
        elif callable(v):
            v = "<callable>"
        parts.append(f"{k}={v}" if k in ("task", "split") else f"{k}={v!r}")
    return [f"symrfm.{name}({', '.join(parts)})"]


def run(
    task: Union[Task, str, None] = None,
    split: Optional[Split] = None,
    *,
    modulus: int = 61,
    fraction: float = 0.5,
    seed: int = 0,
    kernel: str = "gaussian",
    bandwidth: float = 2.5,
    ridge: float = 0.0,
    iters: int = 50,
    agop_power: float = 0.5,
    centering: bool = True,
    save_every: Optional[int] = None,
    init_m: Any = None,
    interventions: Union[None, Intervention, Dict[str, Any], Sequence[Any]] = None,
    exact_symmetry: bool = False,
    init: str = "identity",
    init_seed: int = 0,
    perturb: Optional[float] = None,
    threads: int = 0,
    max_memory: Optional[int] = None,
    precision: str = "f64",
    backend: str = "faer",
    structure: bool = False,
    symmetry_diagnostic: bool = False,
    symmetry_points: Optional[int] = None,
    fourier_top_k: Optional[int] = None,
    commutant_subgroup: Union[str, Subgroup, None] = None,
    theory_subgroup: Union[str, Subgroup, None] = None,
    label: Optional[str] = None,
    save_model: bool = False,
    save_predictions: bool = False,
    callback: Optional[Callback] = None,
    quiet: bool = False,
    progress: Optional[bool] = None,
    command_line: Optional[List[str]] = None,
    model: str = "rfm",
    width: int = 256,
    act: str = "quadratic",
    init_scale: float = 1.0,
    net_init: str = "random",
    net_seed: int = 0,
    optimizer: str = "adamw",
    lr: float = 1e-3,
    weight_decay: float = 1.0,
    momentum: float = 0.0,
    batch: int = 32,
    epochs: int = 1000,
    steps: Optional[int] = None,
    eval_every: int = 0,
    agop_every: int = 0,
    loss: str = "mse",
    agop_reg: float = 0.0,
    symmetry_loss: float = 0.0,
    d_model: Optional[int] = None,
    heads: Optional[int] = None,
    d_head: Optional[int] = None,
    d_mlp: Optional[int] = None,
) -> RunResult:
    """Trains an RFM (or, with ``model="mlp"``/``"mlp2"``, a network), exactly as ``symrfm run``
    does with the same settings.

    Networks (``model="mlp"``: the reference's OneLayerFCN, ``"mlp2"``: its two-hidden-layer
    variant, ``"transformer"``: the one-layer transformer with ``d_model``, ``heads``, ``d_head``,
    ``d_mlp``) take the CLI's network flags of the same names: ``width``, ``act``, ``init_scale``,
    ``net_init`` (``random``, ``symmetric``, ``symmetric:<subgroup>``, ``rfm:<run.json>``),
    ``net_seed``, ``optimizer``, ``lr``, ``weight_decay``, ``momentum``, ``batch`` (0 = full
    batch), ``epochs`` or ``steps``, ``eval_every``, ``agop_every``, ``loss`` (mse, ce),
    ``agop_reg``, ``symmetry_loss``, ``perturb`` and ``precision`` (``"f32"`` trains in single
    precision: weights, gradients and optimizer state; evaluation and feature matrices read the
    weights widened to f64), and the analysis options
    (``symmetry_diagnostic``, ``symmetry_points``, ``theory_subgroup``, …: the diagnostic is
    recorded at every evaluation, its ``iter`` the optimizer step). A network run continues with
    :func:`resume` (``steps``: the new total). The callback then gets
    ``callback(step, record)`` at every evaluation (record: ``step``, ``epoch``,
    ``batch_loss``, ``train_loss``, ``train_acc``, ``test_loss``, ``test_acc``, ``seconds``);
    the curves are :attr:`RunResult.network_metrics`, the NFM/AGOP snapshots
    :meth:`RunResult.network_features`, and :attr:`RunResult.final_m` is the final NFM.

    With no arguments: ``add`` mod 61, a random 50 % split (seed 0), Gaussian kernel L = 2.5,
    λ = 0, s = 1/2, centering, 50 iterations.

    ``task`` is a :class:`Task` or an operation name (with ``modulus``); ``split`` a
    :class:`Split` (default ``Split.random(task, fraction, seed)``). RFM parameters as the CLI
    flags of the same names: ``kernel`` (gaussian, laplace, quadratic), ``bandwidth``, ``ridge``,
    ``iters``, ``agop_power``, ``centering``, ``save_every`` (also keep M_t for t = K, 2K, …),
    ``init_m`` (M_0: a run/JSON/.npy file, a matrix or a RunResult), ``threads`` (0 = all cores),
    ``max_memory`` (MiB), ``precision`` (f64, f32), ``backend``. Analysis: ``structure``,
    ``symmetry_diagnostic``, ``symmetry_points``, ``fourier_top_k``, ``commutant_subgroup``;
    ``theory_subgroup`` H scores the orbit theory (default: the subgroup the split names, as the
    CLI). ``save_model`` stores the fitted model (M, α) in the report, so that a run loaded from
    its file can still predict; ``save_predictions`` stores the last predictor's outputs on the
    test pairs (:attr:`RunResult.predictions`, CLI ``--save-predictions``).

    Interventions on M (``params.interventions``): a list of :class:`Commutant`,
    :class:`GroupAlgebra`, :class:`EnforceCirculant` or spec dicts, applied in order after each
    update on their schedule (CLI ``--project``, ``--enforce-circulant``); ``exact_symmetry``
    projects M onto the commutant of the training set's stabilizer after every update
    (``--exact-symmetry``). M_0 (``init``): ``init="identity"`` (or the ``init_m`` matrix) or
    ``"random-circulant"`` (arXiv 2407.20199, seeded by ``init_seed``), optionally ``perturb``-ed
    by ε·E, E symmetric Gaussian with ‖E‖_F = ‖M_0‖_F (``--init``, ``--init-seed``,
    ``--perturb``). The trap dynamics are in :attr:`RunResult.trap`.

    ``callback(iteration, metrics)`` runs after every iteration (metrics: dict with ``train_acc``,
    ``test_acc``, ``train_mse``, ``test_mse``, ``trace_m``, ``trace_m_next``, ``solver``,
    ``seconds``); returning ``False`` stops the run (the result has ``complete == False``).
    Progress: one updating line on stderr, or tqdm when installed (``progress=False`` forces the
    line, ``True`` requires tqdm); ``quiet=True`` shows nothing.

    The GIL is released while training. Ctrl-C stops at the end of the current iteration and
    raises KeyboardInterrupt with the partial result as its ``result`` attribute (so does an
    exception raised by the callback). Bad parameters raise ValueError naming the parameter,
    the value and what is allowed; numerical failures raise :class:`NumericalError`.
    """
    call = _non_defaults(run, locals())
    _check_model_args(model, call)
    task = _resolve_task(task, modulus)
    if split is None:
        split = Split.random(task, fraction, seed)
    elif not isinstance(split, Split):
        raise TypeError(f"split: expected a symrfm.Split, got {type(split).__name__}")
    elif split.task != task:
        raise ValueError(f"split: built for {split.task.description}, not {task.description}")
    if model != "rfm":
        net = {
            "model": model, "width": check_int(width, "net.width"), "act": act,
            "init_scale": check_float(init_scale, "net.init_scale", "a finite number"), "init": _net_init(net_init),
            "perturb": 0.0 if perturb is None else check_float(perturb, "net.perturb", "a finite number"),
            "seed": check_int(net_seed, "net.seed"), "optimizer": optimizer,
            "lr": check_float(lr, "net.lr", "a finite number"), "weight_decay": check_float(weight_decay, "net.weight_decay", "a finite number"),
            "momentum": check_float(momentum, "net.momentum", "a finite number"), "batch": check_int(batch, "net.batch"),
            "epochs": check_int(epochs, "net.epochs"),
            "steps": None if steps is None else check_int(steps, "net.steps"),
            "eval_every": check_int(eval_every, "net.eval_every"),
            "agop_every": check_int(agop_every, "net.agop_every"), "loss": loss,
            "agop_reg": check_float(agop_reg, "net.agop_reg", "a finite number"),
            "symmetry_loss": check_float(symmetry_loss, "net.symmetry_loss", "a finite number"),
        }
        if net["steps"] is None:
            del net["steps"]
        for key, value in (("d_model", d_model), ("n_heads", heads), ("d_head", d_head), ("d_mlp", d_mlp)):
            if value is not None:
                net[key] = check_int(value, f"net.{key}")
        if precision not in ("f64", "f32"):
            raise ValueError(f"invalid value for net.precision: {precision!r} (allowed: f64, f32)")
        if precision != "f64":
            net["precision"] = precision
        spec = {
            "task": task.spec, "split": split.spec, "params": {}, "label": label, "net": net,
            "analysis": _analysis(
                structure, symmetry_diagnostic, symmetry_points, fourier_top_k, commutant_subgroup,
                None if theory_subgroup is None else _subgroup_text(theory_subgroup),
            ),
        }
        spec["params"] = _params(
            kernel, bandwidth, ridge, iters, agop_power, centering, save_every, "f64", None, False
        )
        if command_line is None:
            command_line = _call_text("run", call)
        core, pending = _drive(
            _n_evaluations(net, split.n_train),
            label or "",
            quiet,
            progress,
            callback,
            lambda observer: _core.run_network(
                json.dumps(spec), check_int(threads, "net.threads"), command_line, bool(save_model), observer
            ),
        )
        result = RunResult(core, task)
        result._split = split
        return _raise_pending(result, pending)
    # None: the library scores the subgroup the split names, if any (as `symrfm run`).
    theory = None if theory_subgroup is None else _subgroup_text(theory_subgroup)
    params = _params(
        kernel, bandwidth, ridge, iters, agop_power, centering, save_every, precision,
        interventions, exact_symmetry,
    )
    init_obj = init_spec(init, init_seed, perturb)
    threads = check_int(threads, "params.threads")
    if max_memory is not None:
        max_memory = check_int(max_memory, "max_memory") * (1 << 20)
    temp: List[str] = []
    try:
        spec = {
            "task": task.spec,
            "split": split.spec,
            "params": params,
            "init_m": _init_path(init_m, task, temp),
            "label": label,
            "analysis": _analysis(
                structure, symmetry_diagnostic, symmetry_points, fourier_top_k, commutant_subgroup, theory
            ),
        }
        if init_obj is not None:
            spec["init"] = init_obj
        if command_line is None:
            command_line = _call_text("run", call)
        core, pending = _drive(
            params["iters"],
            label or "",
            quiet,
            progress,
            callback,
            lambda observer: _core.run_experiment(
                json.dumps(spec),
                threads,
                backend,
                max_memory,
                command_line,
                bool(save_model),
                observer,
                bool(save_predictions),
            ),
        )
    finally:
        for p in temp:
            try:
                os.unlink(p)
            except OSError:
                pass
    result = RunResult(core, task)
    result._split = split
    return _raise_pending(result, pending)


def _analysis(
    structure: bool,
    symmetry_diagnostic: bool,
    symmetry_points: Optional[int],
    fourier_top_k: Optional[int],
    commutant_subgroup: Union[str, Subgroup, None],
    theory: Optional[str],
) -> Dict[str, Any]:
    """The ``analysis`` section of an experiment spec (RFM and network runs alike)."""
    return {
        "structure": bool(structure),
        "symmetry_diagnostic": bool(symmetry_diagnostic),
        "symmetry_points": None if symmetry_points is None else check_int(symmetry_points, "analysis.symmetry_points"),
        "fourier_top_k": None if fourier_top_k is None else check_int(fourier_top_k, "analysis.fourier_top_k"),
        "commutant_subgroup": None if commutant_subgroup is None else _subgroup_text(commutant_subgroup),
        "theory_subgroup": theory,
    }


def _net_init(text: str) -> Dict[str, Any]:
    """``random``, ``symmetric``, ``symmetric:<H>``, ``rfm:<file>`` as the library's ``net.init``."""
    if not isinstance(text, str):
        raise TypeError(f"net_init: expected a string, got {type(text).__name__}")
    t = text.strip()
    if t == "random":
        return {"kind": "random"}
    if t == "symmetric":
        return {"kind": "symmetric", "subgroup": "stabilizer"}
    if t.startswith("symmetric:") and t[len("symmetric:"):].strip():
        return {"kind": "symmetric", "subgroup": t[len("symmetric:"):].strip()}
    if t.startswith("rfm:") and t[4:]:
        return {"kind": "rfm", "path": t[4:]}
    raise ValueError(
        f"invalid value for net.init: {text} (allowed: `random`, `symmetric`, `symmetric:<subgroup>` or `rfm:<run.json>`)"
    )


def _n_evaluations(net: Dict[str, Any], n_train: int) -> int:
    """How many times the training loop evaluates (the progress total): step 0, every
    ``eval_every`` steps (default: every epoch) and the last step."""
    batch = net["batch"] if net["batch"] > 0 else max(n_train, 1)
    per_epoch = max(-(-n_train // min(batch, max(n_train, 1))), 1)
    total = net.get("steps") or net["epochs"] * per_epoch
    period = net["eval_every"] or per_epoch
    return 1 + total // period + (1 if total % period else 0)


def _signals_only(record: Dict[str, Any]) -> None:
    return None


def _drive(
    total: int,
    label: str,
    quiet: bool,
    progress: Optional[bool],
    callback: Optional[Callback],
    start: Callable[[Callable[[Dict[str, Any]], Optional[bool]]], Any],
) -> Any:
    """Calls ``start(observer)`` (a core training call returning ``(core, pending)``) with an
    observer that updates the progress bar of ``total`` iterations and calls ``callback``; the
    bar is closed however the call ends."""
    bar = None if quiet else _Progress(total, label, progress)

    def observe(record: Dict[str, Any]) -> Optional[bool]:
        if bar is not None:
            bar.update(record)
        if callback is not None:
            return callback(record["iter"], record)
        return None

    try:
        return start(observe if (bar is not None or callback is not None) else _signals_only)
    finally:
        if bar is not None:
            bar.close()


def _raise_pending(result: "RunResult", pending: Optional[BaseException]) -> "RunResult":
    """Returns ``result``, or raises ``pending`` (an interrupt or a callback's exception) carrying
    it as its ``result`` attribute."""
    if pending is not None:
        pending.result = result  # type: ignore[attr-defined]
        raise pending
    return result


def resume(
    previous: Union[RunResult, str, os.PathLike],
    iters: Optional[int] = None,
    *,
    steps: Optional[int] = None,
    threads: int = 0,
    max_memory: Optional[int] = None,
    save_model: bool = False,
    save_predictions: bool = False,
    callback: Optional[Callback] = None,
    quiet: bool = False,
    progress: Optional[bool] = None,
    command_line: Optional[List[str]] = None,
) -> RunResult:
    """Continues a run (a :class:`RunResult` or a run file) to ``iters`` iterations in all
    (default: its own ``params.iters``, for an interrupted run), as ``symrfm run --resume``.

    Everything else comes from the run: its task, split, parameters, interventions and analysis.
    The continuation starts from its final M at t = (iterations done), and the result is the run
    an uninterrupted run would have given — iterations, saved matrices, trap dynamics, final M —
    apart from timings and the command line. The model and predictions are stored when asked or
    when the run had them. Raises ValueError naming ``params.iters`` when ``iters`` is not above
    the iterations done, ``analysis.structure`` for runs with the per-iteration structure (which
    cannot be continued), or the reason a file cannot be continued. ``previous`` is not changed.

    A network run (``model="mlp"``, …) continues to ``steps`` optimizer steps in all (default:
    its own total) from the weights, optimizer state and generator position its file records
    (``network.resume``); the result equals the uninterrupted run's bit for bit apart from
    timings (``iters`` is refused for it, ``net.steps`` names a total not above the steps done).
    """
    call = _non_defaults(resume, locals())
    if isinstance(previous, RunResult):
        prev_core = previous._core
        task: Optional[Task] = previous._task
        source = "<RunResult>"
    elif isinstance(previous, (str, os.PathLike)):
        source = os.fspath(previous)
        kind, prev_core = _core.load_file(source)
        if kind != "run":
            raise ValueError(f"{source}: a run file (kind \"run\") to continue, not a {kind} file")
        task = None
    else:
        raise TypeError(f"previous: expected a RunResult or a run file path, got {type(previous).__name__}")
    if iters is not None:
        iters = check_int(iters, "params.iters", 1)
    threads = check_int(threads, "params.threads")
    if max_memory is not None:
        max_memory = check_int(max_memory, "max_memory") * (1 << 20)
    report = json.loads(prev_core.report_json())
    label = report.get("label") or ""
    if report.get("network") is not None:
        if iters is not None:
            raise ValueError(f"iters: {iters} for a network run; give steps (the new total of optimizer steps)")
        if max_memory is not None or save_predictions:
            raise ValueError("max_memory, save_predictions: not for a network run")
        net = dict(report["network"]["params"])
        if steps is not None:
            net["steps"] = check_int(steps, "net.steps", 1)
        if command_line is None:
            call["previous"] = source
            command_line = _call_text("resume", call)
        core, pending = _drive(
            _n_evaluations(net, report["split"]["n_train"]),
            label,
            quiet,
            progress,
            callback,
            lambda observer: _core.resume_network(
                prev_core, None if steps is None else net["steps"], threads, command_line, bool(save_model), observer
            ),
        )
        return _raise_pending(RunResult(core, task), pending)
    if steps is not None:
        raise ValueError(f"steps: {steps} for an RFM run; give iters (the new total of iterations)")
    total = iters if iters is not None else report["params"]["iters"]
    if command_line is None:
        call["previous"] = source
        command_line = _call_text("resume", call)
    core, pending = _drive(
        total,
        label,
        quiet,
        progress,
        callback,
        lambda observer: _core.resume_experiment(
            prev_core,
            iters,
            threads,
            max_memory,
            command_line,
            bool(save_model),
            observer,
            bool(save_predictions),
        ),
    )
    return _raise_pending(RunResult(core, task), pending)


class CompareResult:
    """A symmetric split and its twin trained with identical settings (``symrfm compare``)."""

    def __init__(self, core: Any, symmetric: Optional[RunResult] = None, twin: Optional[RunResult] = None) -> None:
        self._core = core
        self.symmetric: RunResult = symmetric or RunResult(core.symmetric())
        """The run on the symmetric split."""
        core_twin = None if twin is not None else core.twin()
        self.twin: Optional[RunResult] = twin or (RunResult(core_twin) if core_twin is not None else None)
        """The run on the twin (broken, or orbits moved); None in a comparison interrupted before it."""
        self._report: Optional[Dict[str, Any]] = None

    @property
    def report(self) -> Dict[str, Any]:
        """The compare report as a dict (what ``save`` writes)."""
        if self._report is None:
            self._report = json.loads(self._core.report_json())
        return self._report

    @property
    def verdict(self) -> Optional[Dict[str, Any]]:
        """``symmetric`` and ``twin`` outcomes (trapped / generalizes / partial) and the ``text`` line;
        None unless both runs are complete (see ``complete``)."""
        return json.loads(self._core.verdict_json())

    @property
    def complete(self) -> bool:
        """False for a comparison interrupted by a signal (it holds what had finished)."""
        return bool(self.report.get("complete", True))

    @property
    def twin_label(self) -> str:
        """``broken`` or ``orbits-moved``."""
        return self.report["twin_label"]

    @property
    def twin_edit(self) -> str:
        """How the twin differs, e.g. ``move 1 random training pair to test``."""
        return self.report["twin_edit"]

    @property
    def moved(self) -> List[Dict[str, Any]]:
        """The pairs moved to test in the twin."""
        return self.report["moved"]

    def save(self, path: Union[str, os.PathLike]) -> None:
        """Writes the compare JSON exactly as ``symrfm compare`` does."""
        self._core.save(os.fspath(path))

    def __repr__(self) -> str:
        verdict = self.verdict
        return f"CompareResult({verdict['text'] if verdict else 'incomplete'})"


def compare(
    task: Union[Task, str, None] = None,
    *,
    modulus: int = 61,
    split: str = "fixed-points",
    reflection: Optional[str] = None,
    subgroup: Union[str, Subgroup, None] = None,
    fraction: float = 0.5,
    seed: int = 0,
    move_random: Optional[int] = None,
    move_orbits: Optional[int] = None,
    iters: int = 60,
    quiet: bool = False,
    callback: Optional[Callback] = None,
    **params: Any,
) -> CompareResult:
    """Trains on a symmetric split and on its twin, as ``symrfm compare``.

    The symmetric split is ``split`` = ``fixed-points`` (test = the fixed points of H's
    reflections) or ``orbit`` (whole H-orbits up to ``fraction``), H = ⟨``reflection``⟩ or
    ``subgroup`` (default ⟨s⟩; on tasks without Dih(A) a subgroup of the computed Sym_f in its
    element names). The twin adds one edit: ``move_random`` random training pairs moved
    to test (default 1: breaks the symmetry) or ``move_orbits`` whole H-orbits (keeps it). Other
    keyword arguments are parameters of :func:`run` (``iters`` defaults to 60 here), including
    ``interventions``, ``exact_symmetry``, ``init``, ``init_seed`` and ``perturb``: both runs get them.
    """
    call = _non_defaults(compare, locals())
    task = _resolve_task(task, modulus)
    if reflection is not None and subgroup is not None:
        raise ValueError("give reflection or subgroup, not both")
    if move_random is not None and move_orbits is not None:
        raise ValueError("give move_random or move_orbits, not both")
    if reflection is not None:
        group = task.symmetry_group()  # raises the library's error for tasks without Dih(A)
        if not group.is_reflection(reflection):
            raise ValueError(
                f"invalid value for reflection: {reflection.strip()} "
                "(allowed: a reflection: s or s r^k (use subgroup for rotations))"
            )
        gens = group.canonical(reflection)
    else:
        gens = _subgroup_text(subgroup)
    if split == "fixed-points":
        sym = Split.fixed_points(task, gens)
    elif split == "orbit":
        sym = Split.orbit(task, gens, fraction, seed)
    else:
        raise ValueError(f"invalid value for split: {split!r} (allowed: fixed-points, orbit)")
    if move_orbits is not None:
        twin = sym.move_orbits(move_orbits, gens, seed)
        label = "orbits-moved"
        n_moved = len(twin.moved_to_test)
        # H by the canonical name the split records (Dih(A) or the task's Sym_f), as the CLI.
        h_name = twin.spec["edits"][-1]["subgroup"]
        edit = f"move {move_orbits} whole {h_name}-orbits ({n_moved} pairs) from train to test"
    else:
        twin = sym.move_random(1 if move_random is None else move_random, seed)
        label = "broken"
        n_moved = len(twin.moved_to_test)
        edit = f"move {n_moved} random training pair{'' if n_moved == 1 else 's'} to test"
    command_line = params.pop("command_line", None) or _call_text("compare", call)
    runs = []
    for s, lab in ((sym, "symmetric"), (twin, label)):
        runs.append(
            run(task, s, iters=iters, quiet=quiet, callback=callback, command_line=command_line, **params)
        )
        if not quiet:
            sys.stderr.write(f"{lab}: final test accuracy {runs[-1].summary['final_test_acc']:.4f}\n")
    core = _core.compare_report(
        task._core, runs[0]._core, runs[1]._core, edit, label,
        [int(k) for k in twin.moved_to_test], command_line,
    )
    return CompareResult(core, runs[0], runs[1])

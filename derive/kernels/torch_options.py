"""Kernels for cross-entropy with PyTorch's options (``weight``, ``ignore_index``,
``label_smoothing``, ``reduction``, inputs of shape (N, C, d₁, …, d_k)), generated through the one
path of every kernel (:mod:`derive.derivations.plans`): the losses ``ce-options-softmax`` (integer labels) and
``ce-soft-options-softmax`` (target probabilities), each from a likelihood with those options,
differentiated by the engine and written in their stable forms by the catalogue's rules.

The generator is the built-ins' (:mod:`.codegen`): it reads each loss as ``Σᵢ ℓᵢ / Σᵢ ωᵢ`` (the
per-sample loss over the samples' shares of the mean's denominator: ``cᵢ w_{labelᵢ}`` for
PyTorch's weighted mean, 1 for a mean over N), the smoothed labels written by their definition,
and the arrays and scalars the formulas name (``c``, ``w``, ``epsilon``) as the kernel's arguments.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from .. import conventions as c
from .. import extensions
from ..errors import CodegenError, KernelInputError
from . import cache
from .codegen import generate, generate_entries, mean_and_rows, per_sample_gradient
from .source_printer import difference_
from .spec import Spec
from .generated import DECORATOR, SINGLE, gradient_buffer, load_module, sums_to_one
from .input_checks import (INT64, as_targets, check_gradient, check_inputs, check_result, floating_array, one_sample, require_finite,
                           require_unit_interval)
from .kernel_calls import as_batch_of_one, checked_reduction, gradient_scale, reduced
from .threads import run_rows

# The loss each kind of target compiles from, and whether each class is an independent entry whose
# own loss reduction="none" returns (elementwise); its gradient and stable forms are the plan's
# (derivations/plans.py: the engine's gradient, the catalogue's stable-form rules)
CE_KINDS = {"labels": ("ce-options-softmax", False), "targets": ("ce-soft-options-softmax", False)}
BCE_KINDS = {"targets": ("bce-options-sigmoid", True)}
BCE_PROBABILITY_KINDS = {"targets": ("bce-weighted", True)}
NLL_KINDS = {"labels": ("nll", False)}  # log-probabilities z = log y and integer labels, as F.nll_loss takes them
ENTRIES = "entries"  # the generated function writing each entry's loss
ROW_WEIGHTS = "row_weights"  # the generated function writing each sample's share ω_i of the mean's denominator


def _parameters(variable: sp.IndexedBase, *expressions: sp.Basic) -> tuple:
    """What else the formulas read besides the logits and the targets, sorted by name: an array
    indexed by the sample (``c_i``) is a row's, one with two indices (``w_ik``) an entry's, any
    other (``w_k``, ``rho_k``) a class's; a plain symbol that is no size or index (``epsilon``) a
    scalar.  ``variable``: the model's output (logits or probabilities), an input, not a parameter."""
    found: dict[str, tuple[sp.Basic, str]] = {}  # by name: a rule's pattern and a convention may name one array with other assumptions
    for expr in expressions:
        for atom in expr.atoms(sp.Indexed):
            if str(atom.base) not in (str(variable), str(c.t), str(c.ell)):  # ℓ_i: the labels' classes, the targets
                kind = "row" if atom.indices == (c.i,) else "element" if len(atom.indices) == 2 else "class"
                found.setdefault(str(atom.base), (atom.base, kind))
        arrays = {str(base.label) for base in expr.atoms(sp.IndexedBase)}  # an array's name is among its free symbols
        for symbol in expr.free_symbols:
            if isinstance(symbol, sp.Symbol) and not symbol.is_integer and symbol.name not in arrays:
                found.setdefault(str(symbol), (symbol, "scalar"))
    return tuple(found[name] for name in sorted(found))


def _smoothed(expr: sp.Basic) -> sp.Basic:
    """The smoothed labels written by their definition, each sum over them multiplied out so that
    its terms are the label's (``(1 - ε) t_ij w_j``: one entry with integer labels) or free of it.
    Products only: ``e^{z - m}`` must stay one exponential (full expansion writes e^z e^{-m}, which
    overflows unless the compiler happens to fold it back, and calls the library exp twice).  A
    function's argument is left as derived: multiplied out, the log-sum-exp's ``Σ_j (1 - t_ij) e^{z_j - m}``
    becomes ``Σ_j e^{z_j - m} - e^{z_label - m}``, which cancels when the label's probability is
    near 1 (a loss of 4e-9 kept 7 digits).  Still a rewrite outside the verified steps (issue 31,
    item 1): the definition of q is stated by the likelihood's premise, not by a catalogue rule."""
    return c.smoothed_labels(expr).replace(
        lambda e: isinstance(e, sp.Sum) and e.function.has(c.epsilon), lambda e: sp.Sum(_products_out(e.function), *e.limits))


def _products_out(expr: sp.Basic) -> sp.Basic:
    """``expr`` with its products multiplied out, each function's argument (log1p, exp) untouched."""
    calls = {call: sp.Dummy() for call in expr.atoms(sp.Function)}  # xreplace takes the outermost call
    return sp.expand_mul(expr.xreplace(calls)).xreplace({dummy: call for call, dummy in calls.items()})


def _complement_kept(expr: sp.Basic) -> sp.Basic:
    """Each complement ``1 - t_ij`` of a target (the other outcome's share) as one rounding the
    compiler may not regroup (:class:`.source_printer.difference_`).  Where t = 1 it is exactly 0,
    and the other outcome's term, as large as the logit, drops out whole; with the kernels'
    ``reassoc`` flag LLVM regrouped ``(1 - t)(c + max(z, 0)) + ρ t (c + max(-z, 0))`` so that
    ``max(z, 0)`` was added to the small ``c = log(1 + e^{-|z|})`` before it cancelled: at z = 20,
    t = 1 the loss kept 6 digits, from z = 36 none.  A choice of evaluation order, not a rewrite of
    value: ``difference_(1, t)`` is ``1 - t``, one rounding the compiler keeps (as the printed
    ``difference``), and nothing else changes."""
    return expr.replace(lambda e: isinstance(e, sp.Add) and len(e.args) == 2 and sp.S.One in e.args
                        and any(isinstance(-a, sp.Indexed) and (-a).base == c.t for a in e.args),
                        lambda e: difference_(sp.S.One, sp.S.One - e))


def module_source(kinds: dict) -> str:
    """The kernels of each kind of target in ``kinds`` (``CE_KINDS``, ``BCE_KINDS``): the loss, the
    loss with its gradient, and the samples' shares of the mean's denominator, in float64 and
    (where the class passes keep their digits in float32) float32."""

    plans = {kind: extensions.call("built_in_plan", loss_name, kinds=(kind,)) for kind, (loss_name, _) in kinds.items()}
    planned = {kind: plan.kind(kind) for kind, plan in plans.items()}
    names = ", ".join(name for kind in planned.values() for name in (kind.loss.name, kind.gradient.name))
    parts = [f'"""Generated by derive from the verified derivations {names}.\n'
             'Do not edit: derive writes this file again when the derivations change."""',
             "import math", "", "import numba", "import numpy as np", "",
             "from derive.kernels.runtime import (difference, difference_f32, exp_difference_f32, exp_nonpositive, exp_nonpositive_f32,",
             "                                    log1p_unit, log1p_unit_f32, xlogy)",
             "from derive.kernels.noalias import NoAliasCompiler", ""]
    for kind, (_, elementwise) in kinds.items():
        labels = planned[kind].labels
        loss = _smoothed(planned[kind].loss.result.rhs)
        gradient = _smoothed(planned[kind].gradient.result.rhs)
        row_loss, row_weight, total = mean_and_rows(loss)
        row_grad = per_sample_gradient(gradient, total)
        if elementwise:
            row_loss, row_grad = _complement_kept(row_loss), _complement_kept(row_grad)
        variable = getattr(c, plans[kind].variable)  # logits z or probabilities y
        parameters = _parameters(variable, row_loss, row_grad, row_weight)
        spec = Spec(row_loss, row_grad, variable, True, labels, parameters, targets_sum_to_one=sums_to_one(planned[kind]))
        weights = Spec(row_weight, sp.S.Zero, variable, True, labels, parameters, scans_inputs=False)
        for function, with_gradient, of in ((f"loss_{kind}", False, spec), (f"loss_and_grad_{kind}", True, spec),
                                            (f"{ROW_WEIGHTS}_{kind}", False, weights)):
            parts += ["", DECORATOR, generate(of, function, with_gradient)]
            try:
                parts += ["", DECORATOR, generate(of, function + SINGLE, with_gradient, single=True)]
            except CodegenError:  # float32 inputs use the float64 kernel
                pass
        if elementwise:
            for single in (False, True):
                parts += ["", DECORATOR, generate_entries(spec, f"{ENTRIES}_{kind}" + (SINGLE if single else ""), single)]
    return "\n".join(parts)


class _GeneratedKernels:
    """One family's generated module (``STEM``, from the derivations ``KINDS``), and its functions
    run on rows shared among threads."""

    STEM = ""
    KINDS: dict = {}

    def __init__(self):
        self._module = load_module(self.STEM, lambda: module_source(self.KINDS))
        self.source = cache.text_of(self._module)

    def _call(self, name: str, fixed: tuple, parameters: tuple, whole: frozenset) -> None:
        """``name`` (its float32 version for float32 inputs, where one was generated) on the arrays
        ``fixed`` and then ``parameters``, the rows of X (``fixed[0]``) shared among threads; the
        parameters at the positions ``whole`` (one entry per class) go whole to every thread."""

        X = fixed[0]
        single = name + SINGLE
        function = getattr(self._module, single if X.dtype == np.float32 and hasattr(self._module, single) else name)
        positions = frozenset(len(fixed) + n for n in whole)
        cache.repairing(lambda: run_rows(function, fixed + parameters, X.shape[0], X.shape[1], 1, positions), self._module)

    def _total(self, kind: str, X: np.ndarray, T: np.ndarray, parameters: tuple, whole: frozenset) -> float:
        """The mean's denominator: the sum of every row's share (``ROW_WEIGHTS``)."""
        shares = np.empty(X.shape[0], dtype=X.dtype)
        self._call(f"{ROW_WEIGHTS}_{kind}", (X, T, shares), parameters, whole)
        return shares.sum(dtype=np.float64)


class OptionsKernel(_GeneratedKernels):
    """Runs the options kernels with PyTorch's keywords and semantics (see :meth:`run`)."""

    STEM, KINDS = "ce-options", CE_KINDS

    def run(self, X, T, reduction: str, check: bool, with_gradient: bool, out=None, *, weight=None,
            ignore_index: int = -100, label_smoothing: float = 0.0):
        """``(loss, gradient)`` as ``F.cross_entropy(X, T, weight, ignore_index=..., label_smoothing=...,
        reduction=...)`` and its gradient by X.  X: logits (N, C) or (N, C, d₁, …, d_k); T: labels
        (N,) or (N, d₁, …) (``ignore_index`` leaves a sample out), or target probabilities of X's
        shape.  The mean divides by the total weight of the samples kept (labels) or by their
        number (probabilities), as PyTorch does."""

        checked_reduction(reduction)
        X, T = floating_array(X, "logits"), as_targets(T)
        flat = Flattened(X, T)
        X2, T2 = flat.X, flat.T
        labels = T2.ndim == 1 and T2.dtype.kind in "iu"
        if isinstance(ignore_index, (bool, np.bool_)) or not isinstance(ignore_index, (int, np.integer)):
            raise ValueError(f"ignore_index must be a whole number, got {ignore_index!r}")
        if not INT64.min <= int(ignore_index) <= INT64.max:
            raise KernelInputError(f"ignore_index {int(ignore_index)} is past int64 ({INT64.min} to {INT64.max}), "
                                   "the type of PyTorch's labels")
        keep = None
        if labels:
            keep = T2 != ignore_index
            T2 = np.where(keep, T2, 0) if not keep.all() else T2
        elif ignore_index >= 0:  # a class's number: with target probabilities no sample has one to leave out
            raise ValueError(f"ignore_index {int(ignore_index)} names a class, which leaves out samples labelled with it; "
                             "target probabilities have no labels (PyTorch refuses it too): give integer labels or "
                             "leave ignore_index out")
        X2, T2, kind = check_inputs(X2, T2, True, True, check, sum_to_one=False)  # ce-soft-options assumes no sum
        epsilon = _smoothing(label_smoothing)
        values = {"c": keep.astype(X2.dtype) if keep is not None else None, "epsilon": X2.dtype.type(epsilon),
                  "w": _class_weights(weight, X2.shape[1], X2.dtype)}
        spec_names = [name for name in ("c", "epsilon", "w") if kind == "labels" or name != "c"]
        parameters = tuple(values[name] for name in spec_names)
        whole = frozenset(n for n, name in enumerate(spec_names) if name == "w")
        total = self._total(kind, X2, T2, parameters, whole)
        if reduction == "mean" and total == 0:
            raise ValueError("the mean divides by 0: every sample is ignored (ignore_index) or weighs 0 (weight)")
        rows = np.empty(X2.shape[0], dtype=X2.dtype)
        G = None
        if with_gradient:
            G = np.empty(X2.shape, dtype=X2.dtype) if flat.spatial or out is None else gradient_buffer(out, X2, T2)
            scale = gradient_scale(X2.dtype, total, reduction)
            self._call(f"loss_and_grad_{kind}", (X2, T2, rows, G, scale), parameters, whole)
        else:
            self._call(f"loss_{kind}", (X2, T2, rows), parameters, whole)
        if check:
            if flat.spatial and not np.isfinite(rows).all():
                require_finite(X, "logits")  # the entry named in the input's own shape (N, C, d₁, …), not the rows'
            check_result(X2, T2, rows, True, True)
        loss = flat.rows(rows) if reduction == "none" else reduced(rows, total, reduction)
        return loss, (flat.gradient(G, out) if G is not None else None)


class NLLKernel(OptionsKernel):
    """``F.nll_loss(input, target, weight, ignore_index=..., reduction=...)`` of log-probabilities,
    generated from the derivation ``nll`` (cross-entropy with PyTorch's options, ``ce-options``,
    of the log-probabilities z = log y the model gives): ``-Σᵢ cᵢ w_(tᵢ) z_(i, tᵢ) / Σᵢ cᵢ w_(tᵢ)``."""

    STEM, KINDS = "nll", NLL_KINDS

    def run(self, X, T, reduction: str, check: bool, with_gradient: bool, out=None, *, weight=None,  # type: ignore[override]
            ignore_index: int = -100):
        """As PyTorch: X (N, C) or (N, C, d₁, …) or one sample (C,); T integer labels (N,),
        (N, d₁, …) or ()."""
        T = as_targets(T)
        if T.dtype.kind not in "iu":
            raise TypeError(f"nll_loss takes integer labels (PyTorch's int64), not {T.dtype} targets")
        return super().run(X, T, reduction, check, with_gradient, out, weight=weight, ignore_index=ignore_index)


class LogProbabilityKernel:
    """The kernel ``load("nll")`` gives: PyTorch's ``F.nll_loss`` of log-probabilities, with its
    keywords (``weight``, ``ignore_index``, ``reduction``) and shapes, as the other kernels are called."""

    name, categorical, variable, classes = "nll", True, "z", None

    def __init__(self):
        self._kernel = NLLKernel()
        self.source = self._kernel.source

    def __repr__(self) -> str:
        return "<derive kernel nll of log-probabilities>"

    def _run(self, X, T, reduction: str, check: bool, with_gradient: bool, out=None, **options):
        unknown = sorted(set(options) - {"weight", "ignore_index"})
        if unknown:
            raise TypeError(f"unknown option {unknown[0]!r} for nll; the options are weight, ignore_index (as F.nll_loss's)")
        T = as_targets(T)
        one = one_sample(X, T, True) if T.dtype.kind in "iu" else None
        if one is not None:  # one sample (C,) with a label (): a batch of one, given back in its shape
            return as_batch_of_one(lambda X1, T1, out1: self._kernel.run(X1, T1, reduction, check, with_gradient, out1,
                                                                         **options), one, np.shape(X), reduction, out)
        return self._kernel.run(X, T, reduction, check, with_gradient, out, **options)

    def loss(self, X, T, reduction: str = "mean", check: bool = True, **options):
        return self._run(X, T, reduction, check, False, **options)[0]

    def grad(self, X, T, reduction: str = "mean", check: bool = True, out=None, **options):
        return self._run(X, T, reduction, check, True, out, **options)[1]

    def loss_and_grad(self, X, T, reduction: str = "mean", check: bool = True, out=None, **options):
        return self._run(X, T, reduction, check, True, out, **options)


def _smoothing(value) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"label_smoothing must be a number from 0 to 1, got {value!r}")
    return float(value)


def _class_weights(weight, classes: int, dtype) -> np.ndarray:
    """``weight`` as one finite number per class in the logits' dtype (all 1 where None)."""
    if weight is None:
        return np.ones(classes, dtype=dtype)
    array = np.asarray(weight)
    if array.dtype.kind not in "fiu" or array.shape != (classes,):
        raise ValueError(f"weight must be {classes} numbers, one per class; got shape {array.shape} and dtype {array.dtype}")
    if not np.isfinite(array).all():
        raise ValueError(f"weight contains {'NaN' if np.isnan(array).any() else 'infinity'} at index "
                         f"{int(np.argwhere(~np.isfinite(array))[0][0])}")
    return np.ascontiguousarray(array, dtype=dtype)


class Flattened:
    """Inputs of shape (N, C, d₁, …, d_k) as PyTorch takes them, seen as (N d₁ ⋯ d_k, C) rows with
    the classes last (a copy), and the results put back in the input's shape."""

    def __init__(self, X: np.ndarray, T: np.ndarray):
        self.shape = X.shape
        self.spatial = X.ndim > 2
        if not self.spatial:
            self.X, self.T = X, T
            return
        classes = X.shape[1]
        self.X = np.ascontiguousarray(np.moveaxis(X, 1, -1)).reshape(-1, classes)
        positions = (X.shape[0],) + X.shape[2:]
        if T.shape == positions and T.dtype.kind in "iu":
            self.T = T.reshape(-1)
        elif T.shape == X.shape:
            self.T = np.ascontiguousarray(np.moveaxis(T, 1, -1)).reshape(-1, classes)
        else:
            raise ValueError(f"targets for logits of shape {X.shape} must be labels of shape {positions} or "
                             f"probabilities of shape {X.shape}; got shape {T.shape} and dtype {T.dtype}")

    def rows(self, rows: np.ndarray) -> np.ndarray:
        return rows.reshape((self.shape[0],) + self.shape[2:]) if self.spatial else rows

    def gradient(self, G: np.ndarray, out=None) -> np.ndarray:
        if not self.spatial:
            return G
        back = np.moveaxis(G.reshape((self.shape[0],) + self.shape[2:] + (self.shape[1],)), -1, 1)
        if out is None:
            return np.ascontiguousarray(back)
        if not isinstance(out, np.ndarray) or out.shape != self.shape or out.dtype != G.dtype or not out.flags.writeable:
            raise ValueError(f"out must be a writable array of shape {self.shape} and dtype {G.dtype}")
        np.copyto(out, back)
        return out


class BinaryOptionsKernel(_GeneratedKernels):
    """Runs the binary options kernels with PyTorch's keywords and semantics (see :meth:`run`)."""

    STEM, KINDS = "bce-options", BCE_KINDS
    INPUT = "logits"  # what X holds
    PARAMETERS: tuple[str, ...] = ("rho", "w")  # the generated kernels' parameters (sorted by name: _parameters)

    def run(self, X, T, reduction: str, check: bool, with_gradient: bool, out=None, *, weight=None, pos_weight=None):
        """``(loss, gradient)`` as ``F.binary_cross_entropy_with_logits(X, T, weight, pos_weight=...,
        reduction=...)``: X and T of one shape, (N,) or (N, …, L) with L labels per sample;
        ``weight`` broadcast to X's shape, ``pos_weight`` along the last axis (one per label).  The
        mean is over every entry; ``reduction="none"`` gives each entry's loss, in X's shape."""
        return self._entries(X, T, reduction, check, with_gradient, out, weight, pos_weight)

    def _entries(self, X, T, reduction: str, check: bool, with_gradient: bool, out, weight, pos_weight):
        checked_reduction(reduction)
        X, T = floating_array(X, self.INPUT), as_targets(T)
        if X.size == 0:
            raise ValueError(f"{self.INPUT} hold no entry: shape {X.shape}.  derive refuses an empty batch: its mean "
                             "over no sample is undefined (PyTorch returns nan)")
        if T.shape != X.shape or T.dtype.kind not in "fiub":
            raise ValueError(f"targets must be numbers of the {self.INPUT}' shape {X.shape}; got shape {T.shape} and dtype {T.dtype}")
        shape = X.shape
        if X.ndim == 0:  # one entry, as PyTorch takes it: computed as (1,), given back in its shape
            X, T = X.reshape(1), T.reshape(1)
        labels = X.shape[-1] if X.ndim > 1 else 1
        if pos_weight is not None and not _broadcasts(pos_weight, (labels,)) and _broadcasts(pos_weight, X.shape):
            # a positive weight per entry (PyTorch broadcasts it with the target): every entry one label of one row
            pos_weight, labels = np.broadcast_to(np.asarray(pos_weight), X.shape).reshape(-1), X.size
        X2 = np.ascontiguousarray(X).reshape(-1, labels)
        T2 = np.ascontiguousarray(T, dtype=X.dtype).reshape(-1, labels)
        if check:
            require_finite(T2, "targets")
            require_unit_interval(T2, "targets")
            if self.INPUT != "logits":
                require_finite(X2, self.INPUT)
                require_unit_interval(X2, self.INPUT)
        values = {"rho": _broadcast(pos_weight, (labels,), X.dtype, "pos_weight",
                                    f"broadcastable to the logits' shape {shape}"),
                  "w": _broadcast(weight, X.shape, X.dtype, "weight", f"broadcastable to the {self.INPUT}' shape {shape}").reshape(-1, labels)}
        parameters = tuple(values[name] for name in self.PARAMETERS)
        whole = frozenset(n for n, name in enumerate(self.PARAMETERS) if name == "rho")  # one per label: whole in every thread
        total = self._total("targets", X2, T2, parameters, whole)
        rows = np.empty(X2.shape[0], dtype=X2.dtype)
        G = None
        if with_gradient:
            G = gradient_buffer(out, X, T).reshape(-1, labels) if out is not None else np.empty(X2.shape, dtype=X2.dtype)
            scale = gradient_scale(X2.dtype, total, reduction)
            self._call("loss_and_grad_targets", (X2, T2, rows, G, scale), parameters, whole)
        elif reduction != "none":
            self._call("loss_targets", (X2, T2, rows), parameters, whole)
        if reduction == "none":
            entries = np.empty(X2.shape, dtype=X2.dtype)
            self._call(f"{ENTRIES}_targets", (X2, T2, entries), parameters, whole)
            loss, finite = entries.reshape(shape), np.isfinite(entries).all()
        else:
            loss = reduced(rows, total, reduction)
            finite = np.isfinite(loss)
        if not finite:
            require_finite(X2, self.INPUT)
        if G is not None and self.INPUT != "logits":
            check_gradient(X2, G)
        return loss, (G.reshape(shape) if G is not None else None)


class WeightedProbabilityKernel(BinaryOptionsKernel):
    """``F.binary_cross_entropy(Y, T, weight, reduction=...)`` of probabilities Y, from the
    derivation ``bce-weighted`` (each entry's loss times its weight; the mean over every entry)."""

    STEM, KINDS = "bce-weighted", BCE_PROBABILITY_KINDS
    INPUT = "probabilities"
    PARAMETERS = ("w",)

    def run(self, X, T, reduction: str, check: bool, with_gradient: bool, out=None, *, weight=None):  # type: ignore[override]
        """As PyTorch: Y and T of one shape (any), ``weight`` broadcast to it."""
        return self._entries(X, T, reduction, check, with_gradient, out, weight, None)


def _broadcasts(value, shape: tuple) -> bool:
    try:
        return np.broadcast_shapes(np.shape(value), shape) == tuple(shape)
    except ValueError:
        return False


def _broadcast(value, shape: tuple, dtype, name: str, how: str) -> np.ndarray:
    """``value`` (None: all ones) as a contiguous array of ``shape`` (NumPy's broadcasting), finite."""
    if value is None:
        return np.ones(shape, dtype=dtype)
    array = np.asarray(value)
    if array.dtype.kind not in "fiu":
        raise ValueError(f"{name} must be numbers, got dtype {array.dtype}")
    try:
        full = np.broadcast_to(array, shape)
    except ValueError:
        raise ValueError(f"{name} must be {how}; got shape {array.shape}") from None
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains {'NaN' if np.isnan(array).any() else 'infinity'}")
    return np.ascontiguousarray(full, dtype=dtype)

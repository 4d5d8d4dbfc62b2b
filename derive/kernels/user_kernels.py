"""Kernels for a user's own loss and its derived gradient (``derive grad ... --compile``).

The kernel is printed from the kernel IR (:mod:`.ir`) that the torch and JAX backends print too
(:mod:`.loop_printer`): each ``Sum`` becomes a loop (math indices run from 1, arrays from 0), each
free index of the gradient a loop filling ``G``.
Arrays are keyword arguments named after the loss's arrays (``y``, ``t``, ``hat_y``...), sizes are
read from their shapes, scalars (``mu``, ``sigma``) are keyword arguments too.  The source is
written to the kernel cache like the built-ins' and compiled by Numba; :meth:`UserKernel.check`
compares it with 30-digit evaluation of the same expressions.  The expressions are the loss's and
the gradient's stable forms (:func:`derive.user_losses.stable_forms`: catalogue rules, each step
verified), and a softmax is computed shifted by its row's largest exponent.  An input is checked
only for what those expressions need (:mod:`.user_domain`: a log's argument positive, a divisor
nonzero), never by its name; ``reduction=`` and a batch of rows of a one-sample loss follow the
semantics every backend shares (:mod:`.user_reductions`).
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ..at_sizes import carry_out_maxima, write_out_sums
from ..errors import CodegenError
from ..functions import plain
from .cache import repairing
from .generated import load_module
from .ir import KernelIR
from .kernel_calls import check_names, checked_reduction, reduced
from .kernel_layout import by_every_component, gradient_loops
from .loop_printer import numba_source, reducible_samples
from .threads import MIN_ENTRIES_PER_THREAD, executor, thread_count
from .user_domain import broken, requirements
from .user_printer import identifier, parameter_identifier


@dataclass
class Call:
    """One call's inputs, checked: the kernel's ``arguments`` in order, the ``sizes`` read from the
    arrays' shapes, and ``rows``: the length of a batch of a one-sample loss (``None``: unbatched),
    with ``shared`` the scalars given as one number for every row."""

    arguments: list
    sizes: dict
    rows: int | None = None
    shared: frozenset = frozenset()


class UserKernel:
    """``k.loss(**inputs)``, ``k.grad(**inputs)`` and ``k.loss_and_grad(**inputs)``: arrays and scalars by their names
    (``k.inputs``), and ``reduction=`` (None, "mean", "sum", "none": :mod:`.user_reductions`); the
    gradient has the shape of the array differentiated by (a float for a scalar), with a batch's
    leading axis where the inputs are a batch."""

    def __init__(self, ir: KernelIR):
        """``ir``: the kernel IR (:mod:`.ir`) the torch and JAX backends print too; its loops are
        printed from it (:func:`.loop_printer.numba_source`) and nothing else."""
        self.ir = ir
        self.expressions = (ir.loss, ir.gradient, ir.wrt)
        self.layout = ir.layout
        self.requirements = requirements(ir.loss, ir.gradient, free=gradient_loops(self.layout))
        self.samples = reducible_samples(ir)
        source = numba_source(ir, self.requirements, self.samples)
        stem = "user_" + hashlib.sha256(source.encode()).hexdigest()[:12]
        self._module = load_module(stem, lambda: source)
        self.source = source
        self.inputs = ir.inputs

    @property
    def _mean(self) -> bool:
        """The loss as written is the mean of its samples' losses (1/N in front), not their sum."""
        return self.samples is not None and self.samples.coefficient != 1

    @property
    def derivative_by(self) -> tuple[str, tuple[int, ...] | None] | None:
        """The input the derived gradient is by, with the position (from 0) of the one component it
        is by where it names one (``z_{2}``: ``("z", (1,))``), else ``None`` (every component, or a
        scalar); ``None`` where the gradient is by nothing the kernel reads."""
        wrt = self.layout.wrt
        if isinstance(wrt, sp.Indexed) and wrt.base in self.layout.arrays:
            position = None if by_every_component(wrt) else tuple(int(index) - 1 for index in wrt.indices)
            return identifier(wrt.base), position
        if wrt in self.layout.scalars:
            return parameter_identifier(wrt), None
        return None

    def __call__(self, *, reduction: str | None = None, **values):
        """The loss (as :meth:`loss`)."""
        return self.loss(reduction=reduction, **values)

    def _arguments(self, values: dict) -> list:
        return self._call(values).arguments

    def _call(self, values: dict) -> Call:
        check_names(self.inputs, values)
        rows = self._batch_rows(values)
        arguments, sizes = self._arrays(values, 0 if rows is None else 1)
        scalars = [parameter_identifier(s) for s in self.layout.scalars]
        shared = {name for name in scalars if rows is None or np.ndim(values[name]) != 1}  # one number for every row
        arguments += [_scalar(name, values[name], rows) for name in scalars]
        for index, size in self.layout.indices.items():
            extent = int(size) if getattr(size, "is_Integer", False) else sizes.get(size)
            arguments.append(_index(identifier(index), values[identifier(index)], extent or 0, rows))
        call = Call(arguments, sizes, rows, frozenset(shared))
        self._check_domain(call, values)
        return call

    def _arrays(self, values: dict, extra: int) -> tuple[list, dict]:
        """The arrays, as contiguous float64, and the size each size symbol has in their shapes
        (``extra``: 1 where a batch's leading axis comes first)."""
        arguments: list = []
        sizes: dict[sp.Basic, int] = {}
        for base in sorted(self.layout.arrays, key=str):
            name, shape = identifier(base), self.layout.arrays[base]
            array = np.asarray(values[name])
            if array.dtype.kind not in "fiub":
                raise ValueError(f"{name} must be numeric, got dtype {array.dtype}")
            array = np.ascontiguousarray(array, dtype=np.float64)
            for axis, size in enumerate(shape):
                extent = array.shape[axis + extra]
                if getattr(size, "is_Integer", False) and int(size) != extent:
                    raise ValueError(f"{name} must have {int(size)} entries along axis {axis + extra} (the loss's sums "
                                     f"run to {int(size)}); got shape {array.shape}")
                least = self.layout.reaches.get(base, (0,) * len(shape))[axis]
                if extent < least:
                    raise ValueError(f"{name} must have at least {least} entries along axis {axis + extra} (the loss "
                                     f"names its component {least}); got shape {array.shape}")
                if sizes.setdefault(size, extent) != extent:
                    raise ValueError(f"{name} has {extent} along {size}, another input has {sizes[size]}")
            if not np.isfinite(array).all():
                where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
                raise ValueError(f"{name} contains {'NaN' if np.isnan(array[where]) else 'infinity'} at index {where}")
            arguments.append(array)
        return arguments, sizes

    def _batch_rows(self, values: dict) -> int | None:
        """The number of rows where the inputs are a batch of a one-sample loss (every array with
        one more leading axis than the loss gives it, or a scalar given as a 1-D array), else None."""
        extra = {identifier(b): np.ndim(values[identifier(b)]) - len(shape) for b, shape in self.layout.arrays.items()}
        if any(e not in (0, 1) for e in extra.values()):
            name = next(n for n, e in extra.items() if e not in (0, 1))
            shape = self.layout.arrays[next(b for b in self.layout.arrays if identifier(b) == name)]
            raise ValueError(f"{name} must have {len(shape)} axes ({', '.join(map(str, shape))}); got shape "
                             f"{np.shape(values[name])}" + ("" if self.samples else
                                                           " (or one more leading axis, for a batch of rows)"))
        scalars = [parameter_identifier(s) for s in self.layout.scalars] + [identifier(ix) for ix in self.layout.indices]
        per_row = {name: len(values[name]) for name in scalars if np.ndim(values[name]) == 1}
        if not any(extra.values()) and not per_row:
            return None
        if self.samples is not None:  # a loss over samples batches over its own sum
            name = next(iter(per_row)) if per_row else next(n for n, e in extra.items() if e)
            raise ValueError(f"{name} must be given as the loss writes it (got shape {np.shape(values[name])}): the "
                             f"loss sums over its samples, i = 1..{self.samples.size}, itself")
        if extra and not all(extra.values()):
            unbatched = sorted(n for n, e in extra.items() if not e)
            batched = sorted(n for n, e in extra.items() if e) or sorted(per_row)
            raise ValueError(f"{', '.join(batched)} given with a leading batch axis but {', '.join(unbatched)} not: "
                             f"a batch gives every array one more leading axis, of the same length")
        lengths = {name: np.shape(values[name])[0] for name in extra} | per_row
        if len(set(lengths.values())) > 1:
            raise ValueError("the rows of a batch must be as many in every input; got "
                             + ", ".join(f"{name}: {length}" for name, length in sorted(lengths.items())))
        return next(iter(lengths.values()))

    def _check_domain(self, call: Call, values: dict) -> None:
        if not self.requirements:
            return
        if call.rows is None:
            number, *where = repairing(lambda: self._module.domain(*call.arguments), self._module)
            row = None
        else:
            row, number, *where = repairing(lambda: self._module.domain_batch(call.rows, *call.arguments), self._module)
        if number >= 0:
            raise ValueError(broken(self.requirements[number], tuple(where), gradient_loops(self.layout), values,
                                    None if call.rows is None else row))

    def loss(self, *, reduction: str | None = None, **values):
        """The loss (``reduction="none"``: the vector of each sample's or row's loss)."""
        return self._loss(self._call(values), _reduction(reduction))

    def grad(self, *, reduction: str | None = None, **values):
        """The gradient of the loss (of the sum of the rows' losses for ``reduction="none"``)."""
        return self._reduced_gradient(self._call(values), _reduction(reduction))

    def loss_and_grad(self, *, reduction: str | None = None, **values):
        """Both, the inputs checked once; on large inputs the gradient runs on a second thread while
        this one computes the loss (both kernels release the GIL)."""
        reduction = _reduction(reduction)
        call = self._call(values)
        arguments = call.arguments
        entries = sum(a.size for a in arguments if isinstance(a, np.ndarray))
        if reduction is not None or call.rows is not None or thread_count() < 2 or entries < MIN_ENTRIES_PER_THREAD:
            return self._loss(call, reduction), self._reduced_gradient(call, reduction)
        gradient = executor(1).submit(self._gradient, arguments)
        loss = float(repairing(lambda: self._module.loss(*arguments), self._module))
        return loss, gradient.result()

    def _scale(self, call: Call, reduction: str | None) -> tuple[float, int]:
        """The factor from the loss as written to the reduction asked for, and the count it is a mean over."""
        if call.rows is not None:
            if call.rows == 0 and reduction in (None, "mean"):
                raise ValueError("the batch has no rows: a mean over no row is not a number (reduction='sum' gives 0)")
            return (1.0 / call.rows if reduction in (None, "mean") else 1.0), call.rows
        if reduction is None and (self.samples is None or not self._mean):
            return 1.0, 1
        if self.samples is None:
            raise ValueError(f"reduction={reduction!r} needs samples to reduce over: a loss over samples (a sum over "
                             f"i = 1..N) or a batch of this one-sample loss (every array with one more leading axis); "
                             f"at the shapes the loss gives its inputs it is one number (reduction=None)")
        count = call.sizes[self.samples.size]
        if count == 0:
            if reduction == "mean" or (reduction is None and self._mean):
                raise ValueError("there are no samples (N = 0): a mean over no sample is not a number "
                                 "(reduction='sum' gives 0)")
            return 0.0, 0
        if reduction in (None, "mean"):
            return (1.0 if self._mean else 1.0 / count), count
        return (float(count) if self._mean else 1.0), count  # sum, and the gradient of "none"

    def _loss(self, call: Call, reduction: str | None):
        arguments = call.arguments
        if call.rows is not None:
            out = np.empty(call.rows)
            if call.rows:
                repairing(lambda: self._module.loss_batch(*arguments, out), self._module)
            if reduction == "none":
                return out
            self._scale(call, reduction)  # refuses a mean over no row
            return float(reduced(out, call.rows, reduction or "mean"))
        if reduction == "none":
            self._scale(call, reduction)  # refuses a one-sample loss
            out = np.empty(call.sizes[self.samples.size])  # type: ignore[union-attr]  # _scale: samples
            repairing(lambda: self._module.rows(*arguments, out), self._module)
            return out
        scale, count = self._scale(call, reduction)
        if scale == 0.0:
            return 0.0
        return float(repairing(lambda: self._module.loss(*arguments), self._module)) * scale

    def _reduced_gradient(self, call: Call, reduction: str | None):
        wrt = self.layout.wrt
        if call.rows is None:
            scale, _ = self._scale(call, "sum" if reduction == "none" else reduction)
            gradient = self._gradient(call.arguments)
            if scale == 0.0:  # no samples: the kernel's 0/0 is no gradient; the sum over none is 0
                return np.zeros_like(gradient) if isinstance(gradient, np.ndarray) else 0.0
            return gradient * scale if scale != 1.0 else gradient
        scale, _ = self._scale(call, "sum" if reduction == "none" else reduction)
        if by_every_component(wrt):
            shape = self.layout.arrays[wrt.base]
            G = np.zeros((call.rows,) + tuple(call.sizes[s] for s in shape))
        else:
            G = np.zeros((call.rows, 1))
        if call.rows:
            repairing(lambda: self._module.grad_batch(*call.arguments, G), self._module)
        G *= scale
        if by_every_component(wrt):
            return G
        if parameter_identifier(wrt) in call.shared or self.derivative_by is None:  # one number for every row: its
            return float(G.sum())  # gradient gathers every row's
        return G[:, 0]

    def _gradient(self, arguments: list):
        wrt = self.layout.wrt
        if by_every_component(wrt):
            G = np.empty_like(arguments[sorted(self.layout.arrays, key=str).index(wrt.base)])
            repairing(lambda: self._module.grad(*arguments, G), self._module)
            return G
        G = np.empty(1)
        repairing(lambda: self._module.grad(*arguments, G), self._module)
        return float(G[0])

    def check(self, samples: int = 3, seed: int = 0) -> float:
        """The largest relative difference between the kernel and 30-digit evaluation of the derived
        loss and gradient, at random inputs in (0.05, 0.95) with every size 3; raise if over 1e-10."""
        loss, gradient, wrt = self.expressions
        rng = random.Random(seed)
        worst = 0.0
        for _ in range(samples):
            values, symbols = self._random_inputs(rng)
            exact_loss = sp.N(_evaluate(loss, symbols), 30)
            worst = max(worst, _relative(self.loss(**values), exact_loss))
            got = np.atleast_1d(self.grad(**values))
            positions = np.ndindex(got.shape) if by_every_component(wrt) else [()]
            for position in positions:
                at = {ix: sp.Integer(p + 1) for ix, p in zip(getattr(wrt, "indices", ()), position)}
                exact = sp.N(_evaluate(gradient.xreplace(at), symbols), 30)
                worst = max(worst, _relative(got[position] if position else got[0], exact))  # type: ignore[arg-type]  # numpy's stubs: an index of np.ndindex is a tuple of ints, a number
        if not worst <= 1e-10:
            raise CodegenError(f"the kernel disagrees with 30-digit evaluation: relative error {worst:.2e}")
        return worst

    def _random_inputs(self, rng: random.Random):
        values: dict[str, np.ndarray | float | int] = {}
        symbols: dict[sp.Basic, sp.Basic] = {}
        extents: dict[sp.Basic, int] = {}  # 3 along each size, or what a sum's concrete limit or a named component needs
        for base, shape in self.layout.arrays.items():
            for size, least in zip(shape, self.layout.reaches.get(base, (0,) * len(shape))):
                extents[size] = int(size) if getattr(size, "is_Integer", False) else max(extents.get(size, 3), least)
        for base, shape in self.layout.arrays.items():
            extent = tuple(extents[size] for size in shape)
            array = np.array([rng.uniform(0.05, 0.95) for _ in range(int(np.prod(extent)))]).reshape(extent)
            values[identifier(base)] = array
            for position in np.ndindex(array.shape):
                symbols[base[tuple(sp.Integer(p + 1) for p in position)]] = sp.Float(array[position], 30)
            for size in shape:
                symbols[size] = sp.Integer(extents[size])
        for symbol in self.layout.scalars:
            value = rng.uniform(0.05, 0.95)
            values[parameter_identifier(symbol)] = value
            symbols[symbol] = sp.Float(value, 30)
        for index, size in self.layout.indices.items():
            value = rng.randint(1, extents.get(size, int(size) if getattr(size, "is_Integer", False) else 3))
            values[identifier(index)] = value
            symbols[index] = sp.Integer(value)
        return values, symbols


def _scalar(name: str, value, rows: int | None):
    """A scalar input: a finite number, or in a batch one per row (a number: the same for every row)."""
    if rows is not None and np.ndim(value) == 1:
        array = np.asarray(value)
        if array.dtype.kind not in "fiu" or not np.isfinite(array).all():
            raise ValueError(f"{name} must be finite numbers, one per row, got {value!r}")
        return np.ascontiguousarray(array, dtype=np.float64)
    value = value.item() if isinstance(value, np.ndarray) and value.ndim == 0 else value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value) if rows is None else np.full(rows, float(value))


def _index(name: str, value, extent: int, rows: int | None):
    """A free index (the observed class k): a whole number from 1 to ``extent``, or in a batch one per row."""
    if rows is not None and np.ndim(value) == 1:
        given = np.asarray(value)
        if given.dtype.kind in "iu" and ((given >= 1) & (given <= extent)).all():
            return np.ascontiguousarray(given, dtype=np.int64)
    elif not isinstance(value, (bool, np.bool_)) and isinstance(value, (int, np.integer)) and 1 <= value <= extent:
        return int(value) if rows is None else np.full(rows, int(value), dtype=np.int64)
    raise ValueError(f"{name} must be a whole number from 1 to {extent} (it indexes an axis of that size; counted "
                     f"from 1, as in the formula){', or one per row' if rows is not None else ''}, got {value!r}")


def _reduction(reduction) -> str | None:
    return checked_reduction(reduction, written=True)


def _evaluate(expr: sp.Basic, symbols: dict) -> sp.Basic:
    sized = expr.xreplace({s: v for s, v in symbols.items() if isinstance(s, sp.Symbol) and s.is_integer})
    return plain(carry_out_maxima(write_out_sums(sized))).xreplace(symbols)


def _relative(value: float, exact: sp.Basic) -> float:
    exact = float(exact)
    return abs(value - exact) / max(1.0, abs(exact))

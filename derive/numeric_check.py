"""The numeric second opinion: both sides of a step at random points inside the model, at a small
size, at N = K = 7 with free indices last and at sizes drawn in 4..9 with inner ones, to ``DIGITS``
digits with a relative tolerance (again at ``RETRY_DIGITS`` where they differ).  A disagreement
raises :class:`VerificationError`."""
from __future__ import annotations

import random
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any, Callable, Mapping

import mpmath
import sympy as sp
from sympy.core.function import AppliedUndef

from . import conventions as c
from .at_sizes import concrete
from .errors import VerificationError
from .input_limits import checkpoint
from .work_budget import operations
from .index_extents import free_indices
from .models import Model
from .numeric_walk import NotWalkable, Walk, components, walkable


POINTS_PER_SIZE = 3
MIN_POINTS = 3  # a step is never checked at fewer random points
DIGITS = 50  # the numeric check evaluates both sides to this many digits
RETRY_DIGITS = 200  # and where they differ, again to this many, before calling the step wrong
TOLERANCE = sp.Float("1e-40", DIGITS)  # relative: exact inputs agree far closer than this
FLOAT_DIGITS = 15  # a Float in a step counts as at least this precise (a 1-digit 2.0 is 2, not 2 +- 10)


def numeric_opinion(before: sp.Basic, after: sp.Basic, model: Model, rng: random.Random, label: str,
                    small: list | None, per_size: int) -> tuple[int, float]:
    """Evaluate both sides at ``per_size`` random points for each of the ``small`` sizes, then once
    at each wide size (every size 7, indices last; sizes 4..9, indices inner; the edges: every
    size at its least, empty ranges, sizes the sides name); raise where they differ.  Never fewer
    than ``MIN_POINTS`` points in all (more at the small sizes where there are no wide ones).
    ``small=None``: the first small size only where the wide ones are too few (the least sizes
    stand in for it).  Returns how many points were checked and the largest relative difference."""
    worst, points = 0.0, 0
    shared = _SHARED.get()
    both = sp.Tuple(before, after)
    wide_rng = shared.rng("wide", model.name, _structure(both)) if shared else rng  # a name, not a repr holding sets
    wide = model.wide_size_choices(both, wide_rng)
    if small is None:
        small = model.size_choices(both)[:1] if len(wide) < MIN_POINTS else []
    wide = [s for s in wide if s not in small]
    if small and len(small) * per_size + len(wide) < MIN_POINTS:
        per_size = -(-(MIN_POINTS - len(wide)) // len(small))
    for sizes, count, first in [*((s, per_size, 0) for s in small), *((s, 1, 2 * n) for n, s in enumerate(wide))]:
        evaluate = _evaluator(before, after, model, sizes)
        cost = operations(both)  # each point evaluates both sides
        for point in range(first, first + count):
            checkpoint(cost, "point")
            if (error := _counted(evaluate, rng, label, point)) is not None:
                worst, points = max(worst, error), points + 1
    if points == 0:
        raise _no_point(label)
    return points, worst


class NoValueOnEitherSide(VerificationError):
    """Neither side has a finite value at this point (the point lies outside where the expressions
    are defined: (1 − softmax(z)_k)^{γ−1} with one class).  Checks over many points skip it, as
    derive_checker does, and count only points where both sides have a value."""


def _counted(evaluate, rng: random.Random, label: str, point: int) -> float | None:
    """``evaluate`` at one point, or ``None`` where neither side has a value there."""
    try:
        return evaluate(rng, label, point)
    except NoValueOnEitherSide:
        return None


def _no_point(label: str) -> VerificationError:
    return VerificationError(f"step {label!r} could not be evaluated: no random point gave either side a value")


UNPROVED_POINTS = 24  # where no proof is found, the numbers are all there is: this many more points


def more_points(before: sp.Basic, after: sp.Basic, model: Model, rng: random.Random, label: str,
                sizes_list: list) -> tuple[int, float]:
    """``UNPROVED_POINTS`` further random points, spread over ``sizes_list``, past the ones
    :func:`numeric_opinion` drew there (a step no proof covers is only as good as its numbers:
    a wrong one that agrees on most of the domain, such as ``min(w, 0) log(yz)`` against
    ``min(w, 0) (log y + log z)``, shows at a few points only).  Raise where they differ."""
    worst, points = 0.0, 0
    per_size = max(4, UNPROVED_POINTS // max(len(sizes_list), 1))
    for sizes in sizes_list:
        evaluate = _evaluator(before, after, model, sizes)
        cost = operations(before, after)
        for point in range(POINTS_PER_SIZE, POINTS_PER_SIZE + per_size):
            checkpoint(cost, "point")
            if (error := _counted(evaluate, rng, label, point)) is not None:
                worst, points = max(worst, error), points + 1
    if points == 0:
        raise _no_point(label)
    return points, worst


def error_at(before: sp.Basic, after: sp.Basic, model: Model, sizes, rng: random.Random, label: str,
             point: int = 0) -> float:
    """The relative difference of both sides at one random point at these sizes (raise where they
    differ): by the walk where it can, else written out."""
    return _evaluator(before, after, model, sizes)(rng, label, point)


def _evaluator(before: sp.Basic, after: sp.Basic, model: Model, sizes):
    """How to evaluate both sides at random points at these sizes: walking the tree (sums as loops,
    derivatives as dual numbers), or, where the walk has no rule, writing them out first."""
    if walkable(before) and walkable(after):
        try:
            needed, named = components((before, after), sizes, model)
        except NotWalkable:
            needed = None
        if needed is not None:
            written: list = []  # both sides written out at these sizes, once for every point that needs it

            def walked(rng, label, point):
                values, walk = _point(model, sizes, needed, named, rng, point)
                with mpmath.workdps(DIGITS + 10):
                    try:
                        va, vb = _side(walk, before), _side(walk, after)
                    except NotWalkable:
                        if not written:
                            written.append((concrete(before, sizes, model), concrete(after, sizes, model)))
                        return numeric_error(*written[0], model, sizes, rng, label, point)
                def again():
                    with mpmath.workdps(RETRY_DIGITS + 10):
                        precise = Walk(_as_mpmath(values), sizes, model)
                        return _side(precise, before), _side(precise, after)
                return _judge(va, vb, _tolerance(before, after), values, label, again)
            return walked
    a, b = concrete(before, sizes, model), concrete(after, sizes, model)
    return lambda rng, label, point: numeric_error(a, b, model, sizes, rng, label, point)


def _side(walk: Walk, expr: sp.Basic):
    """One side's value at the walk's point; no value (NaN) where it divides by zero or passes any float."""
    try:
        return walk.value(expr)
    except ArithmeticError:
        return mpmath.nan


class SharedPoints:
    """The random points of one derivation's checks, shared by its steps: one step's new line is the
    next step's old line, so drawing the point and evaluating that line is done once.  Each step is
    still compared at random points inside the model (the same ones as its neighbours)."""

    def __init__(self, seed: int):
        self.seed = seed
        self.points: dict = {}

    def rng(self, *key) -> random.Random:
        return random.Random(f"{self.seed}:{key}")


_SHARED: ContextVar[SharedPoints | None] = ContextVar("shared_points", default=None)


@contextmanager
def shared_points(seed: int = 0):
    """Within this block the numeric checks share their random points (see :class:`SharedPoints`)."""
    token = _SHARED.set(SharedPoints(seed))
    try:
        yield
    finally:
        _SHARED.reset(token)


@lru_cache(maxsize=2048)
def _structure(expr: sp.Basic) -> tuple:
    """What the wide sizes of a check depend on: the sizes and the free indices it shows."""
    return (tuple(sorted(map(str, expr.free_symbols & set(c.SIZES)))), tuple(sorted(map(str, free_indices(expr)))))


def _point(model: Model, sizes, needed, named, rng: random.Random, point: int):
    """The values at one random point and the walk that evaluates there (shared where a block of
    :func:`shared_points` is open, else drawn with the step's own ``rng``)."""
    shared = _SHARED.get()
    key = (model, frozenset(sizes.items()), frozenset(needed), frozenset(named), point)
    if shared is not None and key in shared.points:
        return shared.points[key]
    draw = shared.rng("point", model.name, sorted(map(str, sizes.items())), point) if shared else rng
    values = model.sample(needed, sizes, draw, point, focus=named)
    with mpmath.workdps(DIGITS + 10):
        found = (values, Walk(_as_mpmath(values), sizes, model))
    if shared is not None:
        shared.points[key] = found
    return found


def numeric_error(a: sp.Basic, b: sp.Basic, model: Model, sizes, rng, label: str, point: int = 0) -> float:
    values = model.sample(atoms(a) | atoms(b), sizes, rng, point)
    va, vb = _evaluate(a, b, values)
    if va is None:
        left = sorted(map(str, (a - b).xreplace(values).free_symbols))
        why = f"left over: {left}" if left else "SymPy gives no number for it"
        raise VerificationError(f"step {label!r} could not be evaluated at a random point ({why})")
    return _judge(va, vb, _tolerance(a, b), values, label,
                  again=lambda: _evaluate(a, b, values, RETRY_DIGITS))


def _judge(va, vb, tolerance: sp.Float, values: Mapping[sp.Basic, sp.Basic], label: str,
           again: Callable[[], tuple[Any, Any]] | None = None) -> float:
    """The relative difference of the two sides' values; raise where it is past ``tolerance``.
    Where they differ, ``again()`` evaluates both at ``RETRY_DIGITS`` digits: sides that agree
    there only lost digits cancelling large terms (1 - y next to y = 1) and are not wrong.  Where
    neither side is finite, :class:`NoValueOnEitherSide` (one side finite and not the other is wrong)."""
    if not (mpmath.isfinite(va) or mpmath.isfinite(vb)):
        raise NoValueOnEitherSide(f"step {label!r} could not be evaluated at a random point (neither side has a value there)")
    with mpmath.workdps(DIGITS):
        error = abs(va - vb)
        scale = max(abs(va), abs(vb), mpmath.mpf("1e-30"))  # relative, but two values of 1e-45 agree
        agree = bool(error <= mpmath.mpf(str(tolerance)) * scale)
        relative = float(error / scale) if agree else 0.0
    if not agree and again is not None:
        precise = again()
        if precise[0] is not None:
            return _judge(*precise, tolerance, values, label)
    if not agree:
        shown = {str(k): float(v) for k, v in list(values.items())[:6]}
        raise VerificationError(f"step {label!r} is wrong: at {shown} the sides differ "
                                f"({_shown(va)} before, {_shown(vb)} after)")
    return relative


def _evaluate(a: sp.Basic, b: sp.Basic, values: Mapping[sp.Basic, sp.Basic], digits: int = DIGITS):
    """Both sides at the point, to ``digits`` digits, as mpmath numbers (``None, None`` when a
    side keeps a symbol).  The tree is walked with mpmath (:func:`mpmath_value`); substituting into
    the SymPy tree instead would rebuild and re-simplify every node at every point."""
    with mpmath.workdps(digits + 10):
        numbers = _as_mpmath(values)
        try:
            return mpmath_value(a, numbers, {}), mpmath_value(b, numbers, {})
        except _NoMpmathForm:
            pass
    va, vb = (sp.N(e.xreplace(values).xreplace(values), digits) for e in (a, b))  # twice: z_{i ℓ_i}, ℓ_i put first
    if not (va.is_number and vb.is_number):
        return None, None
    try:
        return to_mpmath(va), to_mpmath(vb)
    except (ValueError, TypeError):  # a number SymPy cannot evaluate (a product up to a sum's index...)
        return None, None


def _as_mpmath(values: Mapping[sp.Basic, sp.Basic]) -> dict:
    """The point's SymPy values as mpmath numbers at the current precision (every digit kept)."""
    return {atom: mpmath.mpmathify(value._to_mpmath(mpmath.mp.prec) if hasattr(value, "_to_mpmath") else value)
            for atom, value in values.items()}  # a one-hot label drawn as a plain int is a number too


def value_at(expr: sp.Basic, values: Mapping[sp.Basic, sp.Basic], digits: int = DIGITS):
    """``expr`` at the point ``values`` as an mpmath number to ``digits`` digits (``None`` where a
    symbol is left over)."""
    value, _ = _evaluate(expr, sp.S.Zero, values, digits)
    return value


def to_mpmath(number: sp.Basic):
    """A SymPy number as an mpmath one, every digit kept (``complex()`` would round to doubles)."""
    real, imaginary = number.as_real_imag()
    with mpmath.workdps(DIGITS + 10):
        value = mpmath.mpf(sp.N(real, DIGITS + 10)._to_mpmath(mpmath.mp.prec))
        if imaginary != 0:
            value = mpmath.mpc(value, sp.N(imaginary, DIGITS + 10)._to_mpmath(mpmath.mp.prec))
    return value


class _NoMpmathForm(Exception):
    """A node :func:`mpmath_value` has no rule for: evaluate by substitution instead."""


def _product(values):
    result = mpmath.mpf(1)
    for value in values:
        result *= value
    return result


_MPMATH = {  # SymPy node -> its value from its arguments' values
    sp.Add: lambda args: mpmath.fsum(args),
    sp.Mul: _product,
    sp.Pow: lambda args: mpmath.power(args[0], args[1]),
    sp.log: lambda args: mpmath.log(args[0]) if len(args) == 1 else mpmath.log(args[0]) / mpmath.log(args[1]),
    sp.exp: lambda args: mpmath.exp(args[0]),
    sp.Abs: lambda args: abs(args[0]),
    sp.Max: lambda args: max(args, key=lambda v: mpmath.re(v)),
    sp.Min: lambda args: min(args, key=lambda v: mpmath.re(v)),
    sp.floor: lambda args: mpmath.floor(args[0]),
    sp.sqrt: lambda args: mpmath.sqrt(args[0]),
    sp.sin: lambda args: mpmath.sin(args[0]),
    sp.cos: lambda args: mpmath.cos(args[0]),
    sp.tanh: lambda args: mpmath.tanh(args[0]),
    sp.tan: lambda args: mpmath.tan(args[0]),
    sp.atan: lambda args: mpmath.atan(args[0]),
    sp.sinh: lambda args: mpmath.sinh(args[0]),
    sp.cosh: lambda args: mpmath.cosh(args[0]),
}


def mpmath_value(expr: sp.Basic, numbers: Mapping[sp.Basic, object], seen: dict):
    """``expr`` evaluated in mpmath at the current precision, atoms looked up in ``numbers``."""
    if expr in numbers:
        return numbers[expr]
    if expr in seen:
        return seen[expr]
    if expr.is_Number or expr in (sp.E, sp.pi):
        value = mpmath.mpmathify(expr._to_mpmath(mpmath.mp.prec)) if expr.is_Number else \
            (mpmath.e if expr == sp.E else mpmath.pi)
    else:
        rule = _MPMATH.get(type(expr))
        if rule is None:
            raise _NoMpmathForm(type(expr).__name__)
        value = rule([mpmath_value(arg, numbers, seen) for arg in expr.args])
    seen[expr] = value
    return value


def _shown(value) -> str:
    return mpmath.nstr(value, 12)


def _tolerance(*exprs: sp.Basic) -> sp.Float:
    """Exact expressions must agree to 40 digits; a rounded number to its own precision, but never
    to fewer than 13 digits (a Float of one digit does not make 2x equal to x)."""
    digits = [d for e in exprs for d in _float_digits(e)]
    if not digits:
        return TOLERANCE
    return max(TOLERANCE, sp.Float(10) ** (2 - int(min(digits))))


@lru_cache(maxsize=2048)
def _float_digits(expr: sp.Basic) -> tuple[float, ...]:
    """How many digits each Float in ``expr`` counts as precise to."""
    return tuple(max(FLOAT_DIGITS, f._prec * 0.30103) for f in expr.atoms(sp.Float))


def atoms(expr: sp.Basic) -> set[sp.Basic]:
    found: set[sp.Basic] = set(expr.atoms(sp.Indexed))
    bases = {a.base.label for a in found} | {a.base for a in found}
    indices = {ix for a in found for ix in a.indices}
    # Integer symbols are indices or sizes: they get concrete values from the sizes, never random ones.
    found |= {s for s in expr.free_symbols if isinstance(s, sp.Symbol) and s not in bases
              and s not in indices and not s.is_integer}
    found |= set(expr.atoms(AppliedUndef))
    return found

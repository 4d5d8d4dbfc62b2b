"""Second opinions on a finished gradient: SymPy's own ``diff`` of the loss, and a central finite
difference of the loss at random points.  Each gradient derivation carries both results."""
from __future__ import annotations

import random
from dataclasses import dataclass

import mpmath
import sympy as sp

from . import conventions as c
from .errors import VerificationError
from .models import Model
from .steps import Equation
from .at_sizes import concrete
from .numeric_check import atoms, value_at
from .symbolic_proofs import proves_zero

STEP = sp.Float("1e-12", 40)
SECOND_STEP = sp.Float("1e-10", 40)  # error h² = 1e-20 from the series, 1e-40/h² = 1e-20 from rounding
TOLERANCE = 1e-9


@dataclass(frozen=True)
class CrossCheck:
    """One independent check of a final result: what it compared, where, and how close."""

    method: str  # "sympy.diff" or "central difference"
    sizes: tuple[dict[str, int], ...]
    points: int
    max_error: float


def cross_check_gradient(loss: Equation, gradient: Equation, wrt, model: Model,
                         seed: int = 0) -> tuple[CrossCheck, CrossCheck]:
    """Compare ``gradient.rhs`` with ``d loss.rhs / d wrt`` (``wrt`` a variable, or a tuple of them
    for a higher derivative, by each in turn); raise if either check disagrees."""
    variables = tuple(wrt) if isinstance(wrt, (tuple, list)) else (wrt,)
    if len(variables) > 2:
        return _by_sympy_only(loss, gradient, variables, model, seed)
    shown = ", ".join(map(str, variables))
    rng = random.Random(f"{seed}:cross-check:{shown if len(variables) > 1 else variables[0]}")
    choices = _size_choices(loss, gradient, variables, model)
    symbolic_error = 0.0
    numeric_error = 0.0
    points = 0
    for sizes in choices:
        here = tuple(variable.xreplace(sizes) for variable in variables)
        loss_here = concrete(loss.rhs, sizes, model)
        claimed = concrete(gradient.rhs, sizes, model)
        by_sympy = sp.diff(loss_here, *here)
        for _ in range(3):
            values = model.sample(atoms(loss_here) | atoms(claimed) | set(here), sizes, rng)
            value = _evaluate(claimed, values)
            reference = _evaluate(by_sympy, values)
            symbolic_error = max(symbolic_error, _relative(value, reference))
            numeric_error = max(numeric_error, _relative(value, _central_difference(loss_here, here, values)))
            points += 1
        if symbolic_error > TOLERANCE and not proves_zero(claimed - by_sympy, model, sizes):
            raise VerificationError(f"the derivative by {shown} disagrees with sympy.diff of the loss at {sizes}")
    if numeric_error > TOLERANCE:
        raise VerificationError(f"the derivative by {shown} disagrees with a central difference "
                                f"(relative error {numeric_error:.2e})")
    named = tuple({str(k): int(v) for k, v in s.items()} for s in choices)
    return (CrossCheck("sympy.diff", named, points, symbolic_error),
            CrossCheck("central difference", named, points, numeric_error))


def _size_choices(loss: Equation, gradient: Equation, variables: tuple, model: Model) -> list[dict]:
    choices = model.size_choices(sp.Tuple(gradient.rhs, *variables))
    # A size the gradient no longer shows (a sum to K collapsed): give it room (3 >= any free
    # index's value, and at least the model's least: N >= 9 for z_9), so the loss is a finite sum
    # where it is differentiated again.
    return [{**sizes, **{s: model.classes if s == c.K and model.classes else max(3, model.least_size(s))
                         for s in c.SIZES + model.sizes if loss.rhs.has(s) and s not in sizes}}
            for sizes in choices]


def _by_sympy_only(loss: Equation, gradient: Equation, variables: tuple, model: Model, seed: int):
    """A third or higher derivative: compared with sympy.diff (a finite difference of that order
    has too few digits left to be a check); the second opinion is the same comparison at more points."""
    rng = random.Random(f"{seed}:cross-check:{variables}")
    error, points = 0.0, 0
    choices = _size_choices(loss, gradient, variables, model)
    for sizes in choices:
        here = tuple(variable.xreplace(sizes) for variable in variables)
        loss_here, claimed = concrete(loss.rhs, sizes, model), concrete(gradient.rhs, sizes, model)
        by_sympy = sp.diff(loss_here, *here)
        for _ in range(6):
            values = model.sample(atoms(loss_here) | atoms(claimed) | set(here), sizes, rng)
            error = max(error, _relative(_evaluate(claimed, values), _evaluate(by_sympy, values)))
            points += 1
        if error > TOLERANCE and not proves_zero(claimed - by_sympy, model, sizes):
            raise VerificationError(f"the derivative by {variables} disagrees with sympy.diff of the loss at {sizes}")
    named = tuple({str(k): int(v) for k, v in s.items()} for s in choices)
    return (CrossCheck("sympy.diff", named, points, error),)


def _evaluate(expr: sp.Basic, values: dict) -> sp.Float:
    result = value_at(expr, values, 40)
    if result is None:
        raise VerificationError(f"could not evaluate {expr} at a random point")
    return sp.Float(result, 40) if not isinstance(result, mpmath.mpc) else sp.N(expr.xreplace(values), 40)


def _central_difference(loss: sp.Basic, variables: tuple, values: dict) -> sp.Float:
    """The first derivative, or the second (pure or mixed), by central differences at 40 digits."""
    if len(variables) == 1:
        (variable,) = variables
        return (_evaluate(loss, _moved(values, {variable: 1})) - _evaluate(loss, _moved(values, {variable: -1}))) / (2 * STEP)
    first, second = variables
    if first == second:
        return (_evaluate(loss, _moved(values, {first: 1}, SECOND_STEP)) - 2 * _evaluate(loss, values)
                + _evaluate(loss, _moved(values, {first: -1}, SECOND_STEP))) / SECOND_STEP ** 2
    corners = [(a * b, _moved(values, {first: a, second: b}, SECOND_STEP)) for a in (1, -1) for b in (1, -1)]
    return sum(sign * _evaluate(loss, point) for sign, point in corners) / (4 * SECOND_STEP ** 2)


def _moved(values: dict, moves: dict, step: sp.Float = STEP) -> dict:
    return {**values, **{variable: values[variable] + sign * step for variable, sign in moves.items()}}


def _relative(value: sp.Float, reference: sp.Float) -> float:
    return float(abs(value - reference) / max(sp.Float(1), abs(reference)))

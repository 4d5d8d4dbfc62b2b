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
TOLERANCE = 1e-9


@dataclass(frozen=True)
class CrossCheck:
    """One independent check of a final result: what it compared, where, and how close."""

    method: str  # "sympy.diff" or "central difference"
    sizes: tuple[dict[str, int], ...]
    points: int
    max_error: float


def cross_check_gradient(loss: Equation, gradient: Equation, wrt: sp.Basic, model: Model,
                         seed: int = 0) -> tuple[CrossCheck, CrossCheck]:
    """Compare ``gradient.rhs`` with ``d loss.rhs / d wrt``; raise if either check disagrees."""
    rng = random.Random(f"{seed}:cross-check:{wrt}")
    choices = model.size_choices(sp.Tuple(gradient.rhs, wrt))
    # A size the gradient no longer shows (a sum to K collapsed): give it room (3 >= any free
    # index's value), so the loss is a finite sum where it is differentiated again.
    choices = [{**sizes, **{s: model.classes if s == c.K and model.classes else 3
                            for s in c.SIZES + model.sizes if loss.rhs.has(s) and s not in sizes}}
               for sizes in choices]
    symbolic_error = 0.0
    numeric_error = 0.0
    points = 0
    for sizes in choices:
        variable = wrt.xreplace(sizes)
        loss_here = concrete(loss.rhs, sizes, model)
        claimed = concrete(gradient.rhs, sizes, model)
        by_sympy = sp.diff(loss_here, variable)
        for _ in range(3):
            values = model.sample(atoms(loss_here) | atoms(claimed) | {variable}, sizes, rng)
            value = _evaluate(claimed, values)
            reference = _evaluate(by_sympy, values)
            symbolic_error = max(symbolic_error, _relative(value, reference))
            numeric_error = max(numeric_error, _relative(value, _central_difference(loss_here, variable, values)))
            points += 1
        if symbolic_error > TOLERANCE and not proves_zero(claimed - by_sympy, model, sizes):
            raise VerificationError(f"the gradient by {wrt} disagrees with sympy.diff of the loss at {sizes}")
    if numeric_error > TOLERANCE:
        raise VerificationError(f"the gradient by {wrt} disagrees with a central difference "
                                f"(relative error {numeric_error:.2e})")
    named = tuple({str(k): int(v) for k, v in s.items()} for s in choices)
    return (CrossCheck("sympy.diff", named, points, symbolic_error),
            CrossCheck("central difference", named, points, numeric_error))


def _evaluate(expr: sp.Basic, values: dict) -> sp.Float:
    result = value_at(expr, values, 40)
    if result is None:
        raise VerificationError(f"could not evaluate {expr} at a random point")
    return sp.Float(result, 40) if not isinstance(result, mpmath.mpc) else sp.N(expr.xreplace(values), 40)


def _central_difference(loss: sp.Basic, variable: sp.Basic, values: dict) -> sp.Float:
    up, down = dict(values), dict(values)
    up[variable] = values[variable] + STEP
    down[variable] = values[variable] - STEP
    return (_evaluate(loss, up) - _evaluate(loss, down)) / (2 * STEP)


def _relative(value: sp.Float, reference: sp.Float) -> float:
    return float(abs(value - reference) / max(sp.Float(1), abs(reference)))

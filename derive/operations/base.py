"""What an operation returns, and the helpers several operation families share."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

import sympy as sp

from ..catalogue import Rule
from ..expression_paths import replace_at, subexpression_at, subexpressions
from ..models import Model
from ..steps import Check, Equation


@dataclass(frozen=True)
class Outcome:
    """The equation a rule produced, where it changed, and what verifying it means."""

    equation: Equation
    check: Check
    location: tuple[int, ...] = ()


Operation = Callable[[Rule, Equation | None, Model, Mapping[str, Any]], Outcome | None]


def find(expr: sp.Basic, accept: Callable[..., sp.Basic | None], with_path: bool = False):
    """The first subexpression (outermost, leftmost) that ``accept`` turns into something new
    (``accept(path, sub)`` where ``with_path``: what is around the part matters)."""
    for path, sub in subexpressions(expr):
        new = accept(path, sub) if with_path else accept(sub)
        if new is not None and new != sub:
            return path, new
    return None


def rewrite_rhs(equation: Equation, accept: Callable[..., sp.Basic | None], with_path: bool = False) -> Outcome | None:
    """An equality step replacing the first subexpression of the right side that ``accept`` changes;
    verifying it means proving that one part equal to what replaced it."""
    found = find(equation.rhs, accept, with_path)
    if found is None:
        return None
    path, new = found
    sub = subexpression_at(equation.rhs, path)
    return Outcome(Equation(equation.lhs, replace_at(equation.rhs, path, new)),
                   Check("local", definitions={sub: new}), path)

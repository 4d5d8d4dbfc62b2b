"""What applying a rule does, looked up by the rule's ``operation`` field (a dispatch table).

Each operation takes the rule, the current equation, the model and the strategy's arguments, and
returns an :class:`Outcome` (the new equation, where it changed, and what verifying it means) or
``None`` where the rule does not apply.  Only the catalogue's data says what the rule states.
"""
from __future__ import annotations

from typing import Any, Mapping

from ..catalogue import Rule
from ..errors import DeriveError
from ..models import Model
from ..steps import Equation
from . import calculus, equations, links, matrices, optimisation, sequences
from .base import Operation, Outcome
from .equations import automatic

OPERATIONS: dict[str, Operation] = {**equations.TABLE, **calculus.TABLE, **links.TABLE, **matrices.TABLE,
                                   **sequences.TABLE, **optimisation.TABLE}

__all__ = ["OPERATIONS", "Outcome", "apply", "automatic"]


def apply(rule: Rule, equation: Equation | None, model: Model,
          arguments: Mapping[str, Any] | None = None) -> Outcome | None:
    try:
        operation = OPERATIONS[rule.operation]
    except KeyError:
        raise DeriveError(f"rule {rule.name!r} names an unknown operation {rule.operation!r}") from None
    return operation(rule, equation, model, arguments or {})

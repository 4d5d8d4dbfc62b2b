"""What applying a rule does, looked up by the rule's ``operation`` field among the registered operations.

Each operation is registered where it is written (:func:`~derive.operations.registry.operation`)
and takes the rule, the current equation, the model and the strategy's arguments; it returns an
:class:`Outcome` (the new equation, where it changed, and what verifying it means) or ``None``
where the rule does not apply.  Only the catalogue's data says what the rule states.  Importing
this package registers every operation.
"""
from __future__ import annotations

from typing import Any, Mapping

from ..catalogue import Rule
from ..errors import DeriveError
from ..models import Model
from ..steps import CheckKind, Equation
from .registry import named, registered
from . import calculus, equations, labels, links, matrices, optimisation, powers, sequences, smoothing  # noqa: F401  (each registers its operations)
from .base import Outcome
from .equations import automatic

__all__ = ["Outcome", "apply", "automatic", "operation_names", "registered"]


def operation_names() -> frozenset[str]:
    """The names a catalogue rule's ``operation`` field may use."""
    return frozenset(registered())


def apply(rule: Rule, equation: Equation | None, model: Model,
          arguments: Mapping[str, Any] | None = None) -> Outcome | None:
    """The outcome of applying ``rule`` by its operation, or ``None`` where it does not apply; a
    step asking for a check its operation did not register is refused."""
    known = named(rule.operation)
    if known is None:
        raise DeriveError(f"rule {rule.name!r} names an unknown operation {rule.operation!r}")
    outcome = known.function(rule, equation, model, arguments or {})
    if outcome is not None and CheckKind(outcome.check.how) not in known.checks:
        raise DeriveError(f"operation {known.name!r} made a step asking for the check {outcome.check.how!r}, "
                          f"which it does not register ({', '.join(sorted(known.checks))})")
    return outcome

"""An operation's registered :class:`~derive.operations.registry.Example`, read and applied.

The example is data (text in the catalogue's pattern language); this reads it into the rule, the
equation before, the arguments and the equation expected, and applies the operation to it exactly
as a strategy would, so a test can compare what it gives with what the example states.
"""
from __future__ import annotations

from typing import Any

import sympy as sp

from .. import conventions as c
from .. import extensions
from ..catalogue import get_rule
from ..pattern_parser import parse_pattern
from ..steps import Equation
from . import apply
from .base import Outcome
from .registry import Derived, Registered

EQUALS = " = "  # between the two sides of an equation written as text
# the indices an operation may sum over afresh (Σ_h), by name, beside the catalogue's names
FRESH_INDICES = {str(index): index for index in c.DUMMY_INDICES if str(index) not in c.NAMES}


def equation_of(text: str | Equation, held: bool = False) -> Equation:
    """``"lhs = rhs"`` read as an :class:`Equation` (``held``: as written, unevaluated); an
    :class:`Equation` as it is."""
    if isinstance(text, Equation):
        return text
    lhs, separator, rhs = text.partition(EQUALS)
    if not separator:
        raise ValueError(f"{text!r} is not an equation written 'lhs = rhs'")
    with sp.evaluate(not held):
        return Equation(parse_pattern(lhs, names=FRESH_INDICES), parse_pattern(rhs, names=FRESH_INDICES))


def argument_of(value: Any) -> Any:
    """An example's argument as a strategy passes it: text read as a pattern (an equation where it
    has ``=``), a tuple or a table item by item, :class:`Derived` as the built-in derivation."""
    if isinstance(value, Derived):
        return extensions.call("built_in", value.name)  # the built-ins are made of operations
    if isinstance(value, str):
        return equation_of(value) if EQUALS in value else parse_pattern(value, names=FRESH_INDICES)
    if isinstance(value, tuple):
        return tuple(argument_of(item) for item in value)
    if isinstance(value, dict):
        return {argument_of(key): argument_of(item) for key, item in value.items()}
    return value  # a flag (True) as it is


def written_alike(first: Equation, second: Equation) -> bool:
    """Whether the two equations are written alike, as SymPy writes an expression out in full
    (``srepr``), each bound dummy (the variable of an element-wise ``log``) named by where it first
    appears: two calls make two dummies that are the same variable."""
    return _written(first) == _written(second)


def _written(equation: Equation) -> tuple[str, str]:
    dummies = list(dict.fromkeys(a for a in sp.preorder_traversal(sp.Tuple(*equation)) if isinstance(a, sp.Dummy)))
    named = {dummy: sp.Symbol(f"bound_{number}") for number, dummy in enumerate(dummies)}
    return sp.srepr(equation.lhs.xreplace(named)), sp.srepr(equation.rhs.xreplace(named))


def expected(known: Registered) -> Equation:
    """The equation the example says the operation gives."""
    return equation_of(known.example.after)


def applied(known: Registered) -> Outcome | None:
    """What the operation gives on its example."""
    example = known.example
    before = None if example.before is None else equation_of(example.before, example.before_as_written)
    arguments = {key: argument_of(value) for key, value in example.arguments.items()}
    rule = get_rule(example.rule)
    if rule.operation != known.name:
        raise ValueError(f"the example of operation {known.name!r} names rule {rule.name!r}, "
                         f"which applies {rule.operation!r}")
    return apply(rule, before, example.model, arguments)

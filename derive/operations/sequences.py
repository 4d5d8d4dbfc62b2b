"""Operations on sequences defined step by step: a linear recurrence unrolled into a sum."""
from __future__ import annotations

from .. import conventions as c
from ..recurrences import linear_recurrence, unrolled
from ..steps import Check, Equation
from .base import Outcome
from .equations import substitute_values


def _unroll_recurrence(rule, equation, model, arguments):
    """``x_t = a x_{t-1} + b_t`` written as ``x_t = a^t x_0 + Σ_{i=1}^{t} a^{t-i} b_i`` (checked by induction on t)."""
    if equation is None:
        return None
    found = linear_recurrence(equation)
    if found is None:
        return None
    x, t, a, b = found
    used = equation.rhs.free_symbols | equation.lhs.free_symbols
    index = next(s for s in (c.i,) + c.DUMMY_INDICES if s not in used)
    return Outcome(Equation(equation.lhs, unrolled(x, t, a, b, index)), Check("induction", variables=(t,)))


def _state_recurrence(rule, equation, model, arguments):
    """The recurrence that defines a sequence, as the rule states it: a definition."""
    lhs, rhs = rule.patterns("to")
    return Outcome(Equation(lhs, rhs), Check("defines"))


def _instance(rule, equation, model, arguments):
    """The equation at the values the rule's ``replace`` table gives (``v_0 = 0``, ``θ_i = θ``): a
    special case, checked as an instance of the previous line."""
    if equation is None:
        return None
    return substitute_values(rule, equation, model, {"values": rule.table("replace"), "evaluated": True})


TABLE = {
    "instance": _instance,
    "unroll_recurrence": _unroll_recurrence,
    "state_recurrence": _state_recurrence,
}

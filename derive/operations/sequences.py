"""Operations on sequences defined step by step: a linear recurrence unrolled into a sum."""
from __future__ import annotations

from .. import conventions as c
from ..models import MOVING_AVERAGE
from ..recurrences import linear_recurrence, unrolled
from ..steps import Check, CheckKind, Equation
from .base import Outcome
from .equations import substitute_values
from .registry import Example, operation


@operation("unroll_recurrence", checks=CheckKind.INDUCTION, example=Example(
    rule="unroll_linear_recurrence", model=MOVING_AVERAGE,
    before="v[time] = beta*v[time - 1] + (1 - beta)*theta[time]",
    after="v[time] = beta**time*v[0] + Sum(beta**(time - i)*(1 - beta)*theta[i], (i, 1, time))"))
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


@operation("state_recurrence", checks=CheckKind.DEFINES, example=Example(
    rule="ema_definition", model=MOVING_AVERAGE, before=None,
    after="v[time] = beta*v[time - 1] + (1 - beta)*theta[time]"))
def _state_recurrence(rule, equation, model, arguments):
    """The recurrence that defines a sequence, as the rule states it: a definition."""
    lhs, rhs = rule.patterns("to")
    return Outcome(Equation(lhs, rhs), Check("defines"))


@operation("instance", checks=CheckKind.INSTANCE, example=Example(
    rule="ema_starts_at_zero", model=MOVING_AVERAGE,
    before="v[time] = beta**time*v[0] + Sum(beta**(time - j)*theta[j], (j, 1, time))",
    after="v[time] = Sum(beta**(time - j)*theta[j], (j, 1, time))"))
def _instance(rule, equation, model, arguments):
    """The equation at the values the rule's ``replace`` table gives (``v_0 = 0``, ``θ_i = θ``): a
    special case, checked as an instance of the previous line."""
    if equation is None:
        return None
    return substitute_values(rule, equation, model, {"values": rule.table("replace"), "evaluated": True})


"""First-order linear recurrences ``x_t = a x_{t-1} + b_t`` (the exponential moving average is one):
their unrolled form ``x_t = a^t x_0 + Σ_{i=1}^{t} a^{t-i} b_i`` and its proof by induction on ``t``.

The proof is symbolic, for every ``t``: at ``t = 0`` the sum is empty and the form is ``x_0``; and
the form at ``t`` equals ``a`` times the form at ``t - 1`` plus ``b_t``, shown by taking the last
term out of each sum to ``t``, writing ``a^{t-i}`` as ``a^t a^{-i}`` and taking every factor that
does not depend on the summation index out of its sum, after which the sums that are left are the
same quantity on both sides.  The numeric second opinion iterates the recurrence itself.
"""
from __future__ import annotations

import random

import sympy as sp

from .induction import split_by_index, vanishes


def linear_recurrence(equation) -> tuple[sp.IndexedBase, sp.Symbol, sp.Basic, sp.Basic] | None:
    """``(x, t, a, b)`` where ``equation`` is ``x_t = a x_{t-1} + b`` with ``a`` free of ``t`` and of
    ``x``, ``b`` free of ``x``; else ``None``."""
    lhs, rhs = equation.lhs, sp.expand(equation.rhs)
    if not (isinstance(lhs, sp.Indexed) and len(lhs.indices) == 1 and isinstance(lhs.indices[0], sp.Symbol)):
        return None
    x, (t,) = lhs.base, lhs.indices
    before = x[t - 1]
    a = sp.factor(rhs.coeff(before))
    b = equation.rhs - a * before  # as the recurrence writes it: (1 - β) θ_t, not -(β - 1) θ_t
    if a == 0 or a.has(t) or a.has(x) or b.has(x) or sp.expand(a * before + b - rhs) != 0:
        return None
    return x, t, a, b


def unrolled(x: sp.IndexedBase, t: sp.Symbol, a: sp.Basic, b: sp.Basic, index: sp.Symbol) -> sp.Basic:
    """``a^t x_0 + Σ_{i=1}^{t} a^{t-i} b_i`` (``b_i``: ``b`` at step ``i``)."""
    return a ** t * x[0] + sp.Sum(a ** (t - index) * b.xreplace({t: index}), (index, 1, t))


def proves_unrolled(recurrence, closed, t: sp.Symbol) -> bool:
    """Whether ``closed`` (``x_t = C(t)``) solves ``recurrence`` for every ``t >= 0``, by induction."""
    found = linear_recurrence(recurrence)
    if found is None or closed.lhs != recurrence.lhs:
        return False
    x, _, a, b = found
    form = closed.rhs
    if form.has(x[t]) or form.has(x[t - 1]):
        return False
    base = form.xreplace({t: 0}).doit() - x[0]
    step = _last_terms_out(form, t) - a * form.xreplace({t: t - 1}) - b
    return vanishes(base) and vanishes(sums_as_quantities(step))


def _last_terms_out(expr: sp.Basic, t: sp.Symbol) -> sp.Basic:
    """Each sum over ``i = lo..t`` as the sum over ``lo..t-1`` plus its term at ``i = t``."""
    table = {}
    for node in expr.atoms(sp.Sum):
        (variable, lower, upper), = node.limits
        if upper == t:
            table[node] = sp.Sum(node.function, (variable, lower, t - 1)) + node.function.xreplace({variable: t})
    return expr.xreplace(table)


def sums_as_quantities(expr: sp.Basic) -> sp.Basic:
    """Every sum normalised (a sum of terms split into sums, powers split, factors free of its index
    taken out, its index renamed to one name) and each distinct normalised sum replaced by a symbol
    of its own."""
    canonical = sp.Dummy("i", integer=True)
    stand_ins: dict[sp.Basic, sp.Symbol] = {}
    table = {}
    for node in expr.atoms(sp.Sum):
        (variable, lower, upper), = node.limits
        term = sp.expand(sp.expand_power_exp(sp.expand(node.function.xreplace({variable: canonical}))))
        total = sp.S.Zero
        for summand in sp.Add.make_args(term):
            free, bound = split_by_index(summand, canonical)
            key = sp.Sum(bound, (canonical, lower, upper))
            total += free * stand_ins.setdefault(key, sp.Dummy("S"))
        table[node] = total
    return sp.expand(expr.xreplace(table))


def iterate_error(recurrence, closed, t: sp.Symbol, rng: random.Random, steps=(1, 2, 3, 4, 7, 9), points: int = 3) -> float:
    """The largest relative difference between ``closed`` and the recurrence iterated from ``x_0``,
    at each number of ``steps`` and random values (a positive symbol in (0.05, 0.95))."""
    found = linear_recurrence(recurrence)
    assert found is not None, "iterate_error is asked only of a recurrence linear_recurrence reads"
    x, _, a, b = found
    worst = 0.0
    for last in steps:
        for _ in range(points):
            values = _random_values(sp.Tuple(a, b, closed.rhs), x, t, last, rng)
            value = values[x[0]]
            for step in range(1, last + 1):
                value = sp.N(a.xreplace(values) * value + b.xreplace({t: step}).xreplace(values), 40)
            claimed = sp.N(closed.rhs.xreplace({t: last}).doit().xreplace(values), 40)
            worst = max(worst, float(abs(claimed - value) / max(1, abs(value))))
    return worst


def _random_values(expr: sp.Basic, x: sp.IndexedBase, t: sp.Symbol, last: int, rng: random.Random) -> dict:
    values: dict = {x[0]: sp.Float(rng.uniform(-2, 2), 40)}
    for symbol in sorted(expr.free_symbols - {t}, key=sp.default_sort_key):  # one order whatever the hash seed
        if isinstance(symbol, sp.Symbol) and not symbol.is_integer:
            values[symbol] = sp.Float(rng.uniform(0.05, 0.95) if symbol.is_positive else rng.uniform(-2, 2), 40)
    for base in sorted({a.base for a in expr.atoms(sp.Indexed)} - {x}, key=sp.default_sort_key):
        for step in range(0, last + 1):
            values[base[step]] = sp.Float(rng.uniform(-2, 2), 40)
    return values

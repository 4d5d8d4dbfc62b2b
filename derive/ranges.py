"""What a sum or a product over a range means, in every check the engine makes.

Sizes are whole numbers from 1; a sum over an empty range (its upper limit below its lower one) is
0 and a product 1.  SymPy reads a range that runs backwards otherwise: ``Sum(f, (k, 3, 1))`` is
``-f(2)``, so the closed form it finds for ``∑_{k=3}^{C} a`` is ``a (C - 2)``, which is ``-a`` at
C = 1 where the sum is empty.  So every symbolic proof sees each range that may run backwards
clamped (:func:`clamped`: its upper limit ``Max(upper, lower - 1)``, which SymPy reads as this
engine does), and a rule's proof for every size carries over to a match only where each range
there has at least one term (:func:`nonempty`).  The numeric walk loops over the integers from
lower to upper, which is the same semantics, and draws the sizes that empty a range
(:func:`emptying_sizes`).
"""
from __future__ import annotations

import itertools
from functools import lru_cache
from typing import Mapping

import sympy as sp

from .functions import BINDERS

Ranges = Mapping[sp.Symbol, tuple[sp.Basic, sp.Basic]]
_MOST_ALTERNATIVES = 3  # indices whose two ends are tried in every combination; past it, all at one end


def at_least(expr: sp.Basic, bound: sp.Basic, known: Ranges | None = None) -> bool:
    """Whether ``expr >= bound`` for every size of at least 1 (sizes are positive integer symbols)
    and every index of ``known`` anywhere in its range (each written as its lower end plus a whole
    number, or its upper end minus one)."""
    difference = expr - bound
    relevant = tuple(sorted(((v, tuple(r)) for v, r in (known or {}).items() if difference.has(v)),
                            key=lambda item: sp.default_sort_key(item[0])))
    return _at_least(difference, relevant)


@lru_cache(maxsize=8192)
def _at_least(difference: sp.Basic, relevant: tuple) -> bool:
    difference = sp.expand(difference)
    if difference.is_nonnegative:
        return True
    known = dict(relevant)
    if not known:
        return False
    variables = sorted(known, key=sp.default_sort_key)
    ends = itertools.product((0, 1), repeat=len(variables)) if len(variables) <= _MOST_ALTERNATIVES \
        else [(0,) * len(variables), (1,) * len(variables)]
    for chosen in ends:
        table = {}
        for variable, end in zip(variables, chosen):
            lower, upper = known[variable]
            step = sp.Dummy("s", integer=True, nonnegative=True)
            table[variable] = lower + step if end == 0 else upper - step
        if sp.expand(difference.xreplace(table)).is_nonnegative:
            return True
    return False


def nonempty(lower: sp.Basic, upper: sp.Basic, known: Ranges | None = None) -> bool:
    """Whether the range from ``lower`` to ``upper`` has at least one term at every size."""
    return at_least(upper, lower, known)


def never_backwards(lower: sp.Basic, upper: sp.Basic, known: Ranges | None = None) -> bool:
    """Whether the range never runs backwards (at most empty: ``upper >= lower - 1``), where SymPy's
    reading of a sum and this engine's agree."""
    return at_least(upper, lower - 1, known)


def clamped(expr: sp.Basic, known: Ranges | None = None) -> sp.Basic:
    """``expr`` with each range that may run backwards given the upper limit ``Max(upper, lower - 1)``:
    empty wherever it was backwards, so that SymPy's closed forms and ``doit`` give the empty sum 0
    (the empty product 1).  An index inside a range is taken anywhere in it; ``known`` gives the
    ranges of the indices outside (free ones, or those of sums around ``expr``)."""
    if not expr.has(*BINDERS):
        return expr
    return _clamped(expr, dict(known or {}))


def _clamped(expr: sp.Basic, known: dict) -> sp.Basic:
    if not expr.args or isinstance(expr, (sp.Indexed, sp.IndexedBase)):
        return expr
    if isinstance(expr, (sp.Sum, sp.Product)):
        inside = dict(known)
        limits = []
        for variable, lower, upper in reversed(expr.limits):  # SymPy lists the innermost range first
            if not never_backwards(lower, upper, inside):
                upper = sp.Max(upper, lower - 1)
            inside[variable] = (lower, upper)
            limits.append((variable, lower, upper))
        function = _clamped(expr.function, inside)
        rebuilt = tuple(reversed(limits))
        if function == expr.function and all(tuple(a) == tuple(b) for a, b in zip(rebuilt, expr.limits)):
            return expr
        return type(expr)(function, *rebuilt)
    if isinstance(expr, BINDERS):  # a maximum over its range: its index inside it
        inside = {**known, **{v: (lo, hi) for v, lo, hi in expr.limits}}
        function = _clamped(expr.function, inside)
        return expr if function == expr.function else expr.func(function, *expr.limits)
    args = [_clamped(a, known) for a in expr.args]
    return expr if all(a is b for a, b in zip(args, expr.args)) else expr.func(*args)


def ranges_in(expr: sp.Basic, known: Ranges | None = None):
    """Each range of a sum or product in ``expr`` with the ranges known around it: ``(lower, upper,
    known)`` triples, outermost first."""
    found = []

    def visit(node: sp.Basic, around: dict) -> None:
        if not node.args or isinstance(node, (sp.Indexed, sp.IndexedBase)):
            return
        if isinstance(node, BINDERS):
            inside = dict(around)
            for variable, lower, upper in reversed(node.limits):
                if isinstance(node, (sp.Sum, sp.Product)):
                    found.append((lower, upper, dict(inside)))
                inside[variable] = (lower, upper)
            visit(node.function, inside)
            return
        for arg in node.args:
            visit(arg, around)

    visit(expr, dict(known or {}))
    return found


def all_nonempty(expr: sp.Basic, known: Ranges | None = None) -> bool:
    """Whether every range of a sum or product in ``expr`` has a term at every size."""
    return all(nonempty(lower, upper, around) for lower, upper, around in ranges_in(expr, known))


def emptying_sizes(expr: sp.Basic, sizes: tuple[sp.Symbol, ...], least: Mapping[sp.Symbol, int]) -> list[dict]:
    """Sizes that make a range of ``expr`` empty, or run it backwards as far as sizes of 1 allow
    (the upper limit one below the lower, and the size at its least): for each range whose ends
    name one size and numbers, that size's values there, at least its least value."""
    found: list[dict] = []
    for lower, upper, _ in ranges_in(expr):
        named = (lower.free_symbols | upper.free_symbols)
        if len(named) != 1 or not named <= set(sizes):
            continue
        (size,) = named
        shifted = {size: size + least.get(size, 1) - 1}  # the size from its least value on
        if at_least(upper.xreplace(shifted), lower.xreplace(shifted)):  # never empty in this model
            continue
        length = sp.expand(upper - lower + 1)  # empty where it is 0: linear in the size
        slope = length.diff(size)
        if slope.is_number and slope != 0:
            value = -length.xreplace({size: 0}) / slope
            if value.is_Integer and int(value) >= least.get(size, 1) and {size: int(value)} not in found:
                found.append({size: int(value)})
        if {size: least.get(size, 1)} not in found:
            found.append({size: least.get(size, 1)})
    return found

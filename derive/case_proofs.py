"""Proof by cases that two expressions with kinks (``max``, ``min``, ``|u|``, cases) are equal for
every real value of one variable.

SymPy's simplify does not decide ``{u if |u| ≤ c; c if u > c; −c otherwise} = max(−c, min(u, c))``:
the two sides are equal only piece by piece.  So the real line of the variable is cut at every
point where any kink of either side changes branch (the zeros of every kink's gap, each gap a
polynomial of degree 2 at most in the variable, so every zero is found); between two consecutive
points each gap keeps one sign, so each kink takes one branch on the whole interval, chosen at one
point inside it, and the two sides' branch expressions are compared as expressions (symbolically,
not at a point); at each cut point the two values are compared too.  The points must be put in
order: the parameters named ``positive`` are taken positive (δ in Huber's clamp; the statement
says so), and where two points cannot be ordered, or a branch cannot be decided, the proof fails
(False): it never guesses.
"""
from __future__ import annotations

import functools

import sympy as sp

from .work import may_simplify

_KINKS = (sp.Max, sp.Min, sp.Abs, sp.Piecewise)
MAX_POINTS = 12  # cut points at most: a proof of many more is not what a loss's derivative needs


class _Undecided(Exception):
    """A branch, an order or a zero that SymPy does not decide."""


def equal_by_cases(left: sp.Basic, right: sp.Basic, variable: sp.Symbol, positive: tuple = ()) -> bool:
    """Whether ``left = right`` for every real ``variable``, the symbols in ``positive`` taken > 0."""
    stand_ins = {p: sp.Dummy(str(p), positive=True) for p in positive}
    x = sp.Dummy("x", real=True)
    sides = [sp.sympify(side, strict=True).xreplace(stand_ins).xreplace({variable: x}) for side in (left, right)]
    try:
        points = _ordered({point for side in sides for gap in _gaps(side) for point in _zeros(gap, x)})
        inside = [points[0] - 1, *((a + b) / 2 for a, b in zip(points, points[1:])), points[-1] + 1] if points else [0]
        for at in inside:  # on each interval: the branch expressions, compared as expressions
            if not _zero(_resolved(sides[0], x, at) - _resolved(sides[1], x, at)):
                return False
        for at in points:  # at each cut point: the values
            if not _zero((_resolved(sides[0], x, at) - _resolved(sides[1], x, at)).xreplace({x: at})):
                return False
    except _Undecided:
        return False
    return True


def _gaps(expr: sp.Basic) -> list[sp.Basic]:
    """Every expression whose sign chooses a branch of a kink of ``expr``, with the kinks inside it
    written branch by branch (a gap of max(−c, min(u, c)) is −c − u or −c − c)."""
    gaps = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Max, sp.Min)):
            gaps += [a - b for a in node.args for b in node.args if a != b]
        elif isinstance(node, sp.Abs):
            gaps.append(node.args[0])
        elif isinstance(node, sp.core.relational.Relational):
            gaps.append(node.lhs - node.rhs)
    return [free for gap in gaps for free in _branch_free(gap)]


def _branch_free(expr: sp.Basic) -> list[sp.Basic]:
    node = next((n for n in sp.preorder_traversal(expr) if isinstance(n, _KINKS)), None)
    if node is None:
        return [expr]
    if isinstance(node, sp.Abs):
        values = [node.args[0], -node.args[0]]
    elif isinstance(node, sp.Piecewise):
        values = [value for value, _ in node.args]
    else:
        values = list(node.args)
    return [free for value in values for free in _branch_free(expr.xreplace({node: value}))]


def _zeros(gap: sp.Basic, x: sp.Dummy) -> list[sp.Basic]:
    if not gap.has(x):
        return []
    gap = sp.expand(gap)
    if not gap.is_polynomial(x) or sp.degree(gap, x) > 2:
        raise _Undecided(gap)
    zeros = sp.solve(gap, x)
    if any(not z.is_extended_real for z in zeros if z.is_extended_real is not None) or any(z.has(x) for z in zeros):
        raise _Undecided(gap)
    return zeros


def _ordered(points: set) -> list[sp.Basic]:
    if len(points) > MAX_POINTS:
        raise _Undecided(points)

    def order(a: sp.Basic, b: sp.Basic) -> int:
        difference = _decided(a - b)
        if difference.is_zero:
            return 0
        if difference.is_positive:
            return 1
        if difference.is_negative:
            return -1
        raise _Undecided(difference)
    ordered = sorted(points, key=functools.cmp_to_key(order))
    return [p for number, p in enumerate(ordered) if number == 0 or order(ordered[number - 1], p) != 0]


def _sign(expr: sp.Basic, x: sp.Dummy, at: sp.Basic) -> int:
    """The sign of ``expr`` at ``x = at``; 0 only where ``expr`` is 0 there."""
    value = _decided(expr.xreplace({x: at}))
    if value.is_zero:
        return 0
    if value.is_positive:
        return 1
    if value.is_negative:
        return -1
    raise _Undecided(value)


def _decided(value: sp.Basic) -> sp.Basic:
    """``value`` itself where its sign is known as it stands (SymPy's assumptions are sound, so its
    simplified form has that sign too), else simplified: simplify costs milliseconds a call, and
    most signs a proof by cases asks for (``δ − (−δ)``, ``2``) are known without it."""
    if value.is_zero or value.is_positive or value.is_negative:
        return value
    return sp.simplify(value)


def _resolved(expr: sp.Basic, x: sp.Dummy, at: sp.Basic) -> sp.Basic:
    """``expr`` with each kink replaced by the branch it takes at ``x = at`` (innermost first)."""
    if isinstance(expr, sp.Piecewise):
        for value, condition in expr.args:
            if _holds(condition, x, at):
                return _resolved(value, x, at)
        raise _Undecided(expr)
    if not expr.args or isinstance(expr, (sp.Symbol, sp.Indexed)):
        return expr
    args = [_resolved(a, x, at) for a in expr.args]
    if isinstance(expr, sp.Abs):
        return args[0] if _sign(args[0], x, at) >= 0 else -args[0]
    if isinstance(expr, (sp.Max, sp.Min)):
        best = args[0]
        for other in args[1:]:
            sign = _sign(other - best, x, at)
            if (sign > 0) if isinstance(expr, sp.Max) else (sign < 0):
                best = other
        return best
    return expr.func(*args)


_SIGNS = {sp.Gt: (1,), sp.Ge: (0, 1), sp.Lt: (-1,), sp.Le: (-1, 0), sp.Eq: (0,), sp.Ne: (-1, 1)}


def _holds(condition: sp.Basic, x: sp.Dummy, at: sp.Basic) -> bool:
    """Whether a cases condition (relations joined by and, or) holds at ``x = at``."""
    if condition is sp.true or condition is sp.false:
        return bool(condition)
    if isinstance(condition, sp.And):
        return all(_holds(part, x, at) for part in condition.args)
    if isinstance(condition, sp.Or):
        return any(_holds(part, x, at) for part in condition.args)
    if type(condition) in _SIGNS:
        gap = _resolved(condition.lhs - condition.rhs, x, at)
        return _sign(gap, x, at) in _SIGNS[type(condition)]
    raise _Undecided(condition)


def _zero(expr: sp.Basic) -> bool:
    return may_simplify(expr) and sp.simplify(expr) == 0

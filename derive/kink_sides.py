"""Where two pieces of a loss with kinks meet, and what its derivative does there.

A loss split at its kinks (:mod:`derive.piecewise`) has pieces, each with its derivative; two pieces
that differ at one kink only are neighbours, and meet where that kink's gap is 0.  Each point where
they meet is a kink of the derivative of its own (|x − y| = ε is x − y = ε and x − y = −ε): its two
one-sided derivatives, whether they agree there (shown by SymPy within derive.work's bounds, or
shown to differ at a random exact point, or neither: undecided), and the value PyTorch's autograd
takes there (the kink's operation: :mod:`derive.kinks`).  A boundary is solved for only where its gap
is a polynomial of degree 2 at most in the variable (SymPy's solver is unbounded otherwise).
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from .kinks import Branch, readable, relaxed
from .work import may_expand, may_simplify

BOUNDARY_DRAWS = 8  # random points of the other symbols at which a boundary is looked for


@dataclass(frozen=True)
class Kink:
    """A boundary between pieces: ``gap = 0``; whether the one-sided derivatives agree there
    (``exists``), each side's derivative, and the value PyTorch's autograd takes there."""

    node: sp.Basic
    boundary: sp.Basic
    exists: bool
    sides: tuple[sp.Basic, sp.Basic]
    torch_value: sp.Basic
    torch_rule: str  # how PyTorch computes this kink (F.relu, torch.maximum, torch.abs, torch.where)
    decided: bool = True  # False: the sides are neither shown equal nor shown to differ (too large to simplify)
    below_exists: bool = True  # of a second derivative: whether the first exists there (else neither does)


def _depends(expr: sp.Basic, variable: sp.Basic) -> bool:
    return expr.has(variable) or (isinstance(variable, sp.Indexed) and expr.has(variable.base))


def _neighbours(pieces: list, node: sp.Basic):
    """Pairs of pieces on either side of ``node``'s boundary that take the same branch at every
    other kink both pass through."""
    for one, other in itertools.combinations(pieces, 2):
        mine = {c.node: c for c in one.choices}
        theirs = {c.node: c for c in other.choices}
        if node not in mine or node not in theirs or mine[node].index == theirs[node].index:
            continue
        if all(mine[n].index == theirs[n].index for n in mine.keys() & theirs.keys() if n != node):
            yield (one, other) if mine[node].index == 0 else (other, one)


def kinks_between(pieces: list, variable: sp.Basic) -> list[Kink]:
    """Every boundary point between neighbouring pieces, each a kink of its own: a boundary with
    several points (|x − y| = ε is x − y = ε and x − y = −ε) is stated point by point, each with its
    own one-sided derivatives, whether they agree there, and PyTorch's value there."""
    nodes = list(dict.fromkeys(choice.node for piece in pieces for choice in piece.choices))
    found = []
    for node in nodes:
        for first, second in _neighbours(pieces, node):
            choice = next(c for c in first.choices if c.node == node)
            others = [c.condition for p in (first, second) for c in p.choices if c.node != node]
            meets = _boundary_points(choice.gap, variable, others)
            if meets is None:  # not solved for: the sides are not known to agree, so nothing is merged
                sides = (first.derivative, second.derivative)
                found.append(Kink(choice.mapped_node, readable(sp.Eq, choice.gap, variable), False, sides,
                                  _torch_value(choice, sides), choice.torch_rule, False))
            for point in meets or []:  # none: the two pieces never touch (|d| > ε on both sides of d = 0)
                difference = (first.derivative - second.derivative).xreplace({variable: point})
                exists = is_zero(difference)
                sides = tuple(simpler(side.xreplace({variable: point})) for side in (first.derivative, second.derivative))
                found.append(Kink(choice.mapped_node, _boundary_at(choice.gap, variable, point), exists, sides,
                                  _torch_value(choice, sides), choice.torch_rule, exists or _is_nonzero(difference)))
    return found


def _torch_value(choice: Branch, sides: tuple) -> sp.Basic:
    return {"first": sides[0], "second": sides[1],
            "mean": sp.factor_terms(sp.together((sides[0] + sides[1]) / 2))}[choice.torch_side]


def _boundary_at(gap: sp.Basic, variable: sp.Basic, point: sp.Basic) -> sp.Basic:
    """The boundary through one of its points, as a person writes it: ``y z = 1`` where the gap has
    one zero; where it has several, the one meant: ``|x − y| = δ`` at x = y + δ is ``x − y = δ``
    (|u| written ±u by u's sign there), else ``x = point``."""
    absolutes = [a for a in gap.atoms(sp.Abs) if _depends(a, variable)]
    if len(absolutes) == 1:  # gap = a |u| + b, with a and b free of the variable: |u| = −b/a, u = ±(−b/a)
        (absolute,) = absolutes
        inner, level = absolute.args[0], sp.Dummy("level")
        linear = sp.expand(gap.xreplace({absolute: level}))
        slope, rest = linear.coeff(level), linear.coeff(level, 0)
        there = simpler(inner.xreplace({variable: point}))
        sign = 0 if _atoms(there) else _sign(there)  # only a sign of parameters alone (δ, drawn positive as above)
        if slope != 0 and not _depends(slope, variable) and not _depends(rest, variable) and not linear.has(level ** 2) and sign:
            return sp.Eq(inner, sign * simpler(-rest / slope))
    if absolutes or _zeros(gap, variable) != 1:
        return readable(sp.Eq, variable - point, variable)
    return readable(sp.Eq, gap, variable)


def _sign(expr: sp.Basic) -> int:
    """The sign of ``expr`` at a random point of its symbols (parameters positive), 0 if not known."""
    at = expr.xreplace(_draw(expr.free_symbols | _atoms(expr), random.Random(f"sign:{expr}")))
    value = sp.N(at, 30) if may_simplify(at) else sp.nan
    if not (value.is_number and value.is_real and value.is_finite) or abs(value) < 1e-20:
        return 0
    return 1 if value > 0 else -1


def _zeros(gap: sp.Basic, variable: sp.Basic) -> int:
    """How many zeros the gap has in the variable (a polynomial's degree, 1 for a nonpolynomial gap)."""
    return int(sp.degree(sp.expand(gap), variable)) if gap.is_polynomial(variable) else 1


def is_zero(expr: sp.Basic) -> bool:
    """``expr`` shown to be 0, by SymPy's simplify where its size allows (derive.work), else by expand."""
    if may_simplify(expr):
        return sp.simplify(expr) == 0
    return may_expand(expr) and sp.expand(expr) == 0


def _is_nonzero(expr: sp.Basic) -> bool:
    """``expr`` shown not to be 0 everywhere: nonzero at a random exact point (y/N is, though not at y = 0)."""
    at = expr.xreplace(_draw(expr.free_symbols | _atoms(expr), random.Random(f"nonzero:{expr}")))
    value = sp.N(at.doit(), 30) if may_simplify(at) else sp.nan
    return bool(value.is_number and value.is_finite and abs(value) > 1e-20)


def simpler(expr: sp.Basic) -> sp.Basic:
    return sp.simplify(expr) if may_simplify(expr) else expr


def _boundary_points(gap: sp.Basic, variable: sp.Basic, conditions: list) -> list[sp.Basic] | None:
    """The solutions of ``gap = 0`` for the variable that lie on the closure of both pieces at some
    random point of the other symbols (parameters drawn positive: δ, ε, τ are); None where the
    boundary is not solved for (a gap other than a polynomial of degree 2 at most in the variable,
    |·| of one included: SymPy's solver is not run where it could take unbounded time)."""
    if not gap.has(variable):  # a boundary of another component (z_1 = 0 for z_j): z_j may be z_1, not known
        return None if _depends(gap, variable) else []
    stand_in = sp.Dummy("v", real=True)
    plain = gap.replace(lambda e: isinstance(e, sp.Abs), lambda e: sp.Dummy(real=True) * e.args[0])
    if not plain.is_polynomial(variable) or sp.degree(sp.expand(plain), variable) > 2:
        return None
    try:
        solutions = sp.solve(gap.xreplace({variable: stand_in}), stand_in)
    except (NotImplementedError, ValueError):
        return None
    points = []
    rng = random.Random(f"boundary:{gap}")
    for solution in solutions:
        if isinstance(solution, sp.Piecewise):
            solution = solution.args[0][0]
        value = solution.xreplace({stand_in: variable})
        closed = [relaxed(c).xreplace({variable: value}) for c in conditions]
        for _ in range(BOUNDARY_DRAWS):
            draw = _draw(set().union(*(c.free_symbols | _atoms(c) for c in closed)), rng)
            if all(_holds(c.xreplace(draw)) for c in closed):
                points.append(value)
                break
    return points


def _holds(condition: sp.Basic) -> bool:
    """A condition at a point: True only where it evaluates to true (a symbol left undrawn: not known)."""
    return condition is sp.true or condition == sp.true


def _atoms(expr: sp.Basic) -> set:
    return set(expr.atoms(sp.Indexed)) if hasattr(expr, "atoms") else set()


def _draw(symbols: set, rng: random.Random) -> dict:
    """A random exact point: components of arrays in (−2, 2), plain parameters in (0, 2), sizes 3."""
    draw: dict = {}
    for symbol in symbols:
        if isinstance(symbol, sp.Indexed):
            draw[symbol] = sp.Rational(Fraction(rng.randint(-200, 200), 100))
        elif isinstance(symbol, sp.Symbol) and symbol.is_integer:
            draw[symbol] = sp.Integer(3)
        elif isinstance(symbol, sp.Symbol):
            draw[symbol] = sp.Rational(rng.randint(5, 200), 100)
    return draw

"""Proof by cases in one real variable x (axiom ``order``): every max, min, |u| and cases written as cases,
the line cut where a condition's side changes sign (each linear in x, its points put in order for every
value of the rest, a declared positive δ taken positive); on each interval the case each condition picks,
decided at one point inside, compared as an expression in x, and at each cut point the values.  Never a guess."""
import functools

import sympy as sp


class _Undecided(Exception):
    """An order, a case or a zero SymPy does not decide."""


def equal_by_cases(difference: sp.Basic, x: sp.Basic) -> bool:
    """Whether ``difference`` (which holds kinks or cases) is 0 for every real ``x`` and every value of the rest."""
    u = sp.Dummy("x", real=True)
    difference = sp.piecewise_fold(difference.xreplace({x: u}).rewrite(sp.Piecewise))
    try:
        points = sorted({_zero(r.lhs - r.rhs, u) for r in difference.atoms(sp.core.relational.Relational)} - {None},
                        key=functools.cmp_to_key(lambda a, b: _sign(a - b)))
        inside = [points[0] - 1, *((a + b) / 2 for a, b in zip(points, points[1:])), points[-1] + 1] if points else [0]
        return len(points) <= 12 and all(_sign(_picked(difference, u, at)) == 0 for at in inside) and all(
            _sign(_picked(difference, u, at).xreplace({u: at})) == 0 for at in points)
    except _Undecided:
        return False


def _zero(gap: sp.Basic, u: sp.Dummy):
    """The one point where the linear ``gap`` changes sign; None where it does not move with u."""
    slope, rest = sp.expand(gap).as_independent(u, as_Add=True)[::-1]
    slope = sp.simplify(slope / u)
    if not gap.has(u):
        return None
    if slope.has(u) or not slope.is_nonzero:
        raise _Undecided(gap)
    return sp.simplify(-rest / slope)


def _sign(value: sp.Basic) -> int:
    value = sp.simplify(value)
    for sign, holds in ((0, value.is_zero), (1, value.is_positive), (-1, value.is_negative)):
        if holds:
            return sign
    raise _Undecided(value)


def _picked(expr: sp.Basic, u: sp.Dummy, at: sp.Basic) -> sp.Basic:
    """``expr`` with each cases expression its case at ``u = at`` (its value still in u); the first case that holds."""
    def case(cases):
        for value, condition in cases.args:
            holds = condition.xreplace({u: at})
            if holds in (sp.true, sp.false):
                if holds:
                    return _picked(value, u, at)
                continue
            raise _Undecided(condition)
        raise _Undecided(cases)
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), case)

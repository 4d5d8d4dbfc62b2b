"""Proof by cases in one real variable x (axiom ``order``): every max, min, |u| and cases written as cases,
the line cut where a condition's side changes sign (each linear in x, its points put in order for every
value of the rest, a declared positive δ taken positive); on each interval the case each condition picks,
decided at one point inside, compared as an expression in x, and at each cut point the values.  Never a guess."""
import functools

import sympy as sp


def equal_by_cases(difference: sp.Basic, x: sp.Basic) -> bool:
    """Whether ``difference`` (which holds kinks or cases) is 0 for every real ``x`` and every value of the rest."""
    if sp.count_ops(difference) > 300 or difference.has(sp.Derivative, sp.Subs, sp.Limit, sp.concrete.expr_with_limits.ExprWithLimits):
        return False  # bounded work (as zero.SIMPLIFY_OPS); no binder, whose cuts may move with its index, nor a derivative across a cut
    try:
        difference = sp.piecewise_fold(difference.xreplace({x: (u := sp.Dummy("x", real=True))}).rewrite(sp.Piecewise))
        gaps = {r.lhs - r.rhs for r in difference.atoms(sp.core.relational.Relational)}
        if len(gaps) > 24 or sp.count_ops(difference) > 3000:
            return False
        points = sorted({_zero(gap, u) for gap in gaps if gap.has(u)}, key=functools.cmp_to_key(lambda a, b: _sign(a - b)))  # type: ignore[operator]
        inside = [points[0] - 1, *((a + b) / 2 for a, b in zip(points, points[1:])), points[-1] + 1] if points else [0]
        return len(points) <= 12 and all(_sign(_picked(difference, u, at)) == 0 for at in inside) and all(
            _sign(_picked(difference, u, at).xreplace({u: at})) == 0 for at in points)
    except (ArithmeticError, NotImplementedError, TypeError):  # an order, a case or a zero SymPy does not decide (or a division by 0): not proved
        return False


def _zero(gap: sp.Basic, u: sp.Dummy) -> sp.Expr:
    """The one point where the linear ``gap`` changes sign."""
    slope = sp.simplify(sp.diff(gap, u))
    return sp.simplify(u - gap / slope) if slope.is_nonzero and not slope.has(u) else _undecided(gap)


def _sign(value: sp.Basic) -> int:
    value = sp.simplify(value)
    sign = 0 if value.is_zero else 1 if value.is_positive else -1 if value.is_negative else None
    return sign if sign is not None else _undecided(value)


def _picked(expr: sp.Basic, u: sp.Dummy, at: sp.Basic) -> sp.Basic:
    """``expr`` with each cases expression its first case that holds at ``u = at`` (its value still in u)."""
    def case(cases):
        holds = [condition.xreplace({u: at}) for _, condition in cases.args]
        first = next((n for n, h in enumerate(holds) if h not in (sp.true, sp.false) or h), None)
        return cases.args[first][0] if first is not None and holds[first] is sp.true else _undecided(cases)
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), case)


def _undecided(what):
    raise ArithmeticError(f"undecided: {what}")

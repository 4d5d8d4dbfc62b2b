"""How much work an expression asks of SymPy's ``expand``, ``cancel`` and ``simplify``, estimated
before asking, so that the engine never starts a call it cannot finish.

No clock and no signal can stop SymPy inside one of those calls, and a difference of a softmax's
entropy at K = 7 puts thousands of products over one denominator: ``cancel`` expands it to
millions of terms (minutes, gigabytes).  An attempt whose estimate passes the bound is not made;
the proof tries its other ways, and a step no way proves says so (checked numerically), never a
hang.  The estimate counts work, not seconds: the same expression gets the same answer on an idle
machine and on a busy one.
"""
from __future__ import annotations

import sympy as sp

# An upper bound, loose where like terms collect: the corpus's largest proved identity estimates
# 442,399 terms (cancelled in 0.03 s); a softmax's entropy at K = 7 estimates past 10^12.
MAX_EXPANDED_TERMS = 2_000_000  # terms of a difference put over one denominator and multiplied out
MAX_SIMPLIFY_OPERATIONS = 200  # operations of an expression handed to sp.simplify
# A product of n factors differentiated by the product rule: n terms of n - 1 factors each, which
# SymPy builds and then compares term by term (n = 50 took 1 s inside one call, n = 100 past 10 s).
MAX_PRODUCT_RULE_FACTORS = 64


def expanded_terms(expr: sp.Basic, cap: int = 10 * MAX_EXPANDED_TERMS) -> int:
    """An upper bound (at most ``cap``) on the terms of ``expr`` put over one denominator and
    multiplied out: a sum adds its terms' numerators, each multiplied by the other terms'
    denominators; a product multiplies; a whole power n raises to n (a negative one swaps
    numerator and denominator).  Other functions are one generator each, their arguments counted
    apart (``expand`` multiplies them out too)."""
    inner = [0]

    def clip(value: int) -> int:
        return min(value, cap)

    def size(e: sp.Basic) -> tuple[int, int]:
        if inner[0] >= cap:
            return cap, 1
        if isinstance(e, sp.Add):
            parts = [size(a) for a in e.args]
            denominator = 1
            for _, d in parts:
                denominator = clip(denominator * d)
            numerator = clip(sum(n for n, _ in parts) * denominator)
            return numerator, denominator
        if isinstance(e, sp.Mul):
            numerator = denominator = 1
            for n, d in (size(a) for a in e.args):
                numerator, denominator = clip(numerator * n), clip(denominator * d)
            return numerator, denominator
        if isinstance(e, sp.Pow) and e.exp.is_Integer:
            n, d = size(e.base)
            power = min(abs(int(e.exp)), 64)
            raised = (clip(n ** power) if n > 1 else 1, clip(d ** power) if d > 1 else 1)
            return raised if e.exp > 0 else raised[::-1]
        for argument in e.args:  # a generator of the rational function; its inside expands apart
            n, d = size(argument)
            inner[0] = clip(inner[0] + n * d)
        return 1, 1

    numerator, denominator = size(expr)
    return clip(numerator * denominator + inner[0])


def may_expand(expr: sp.Basic) -> bool:
    """Whether ``cancel(together(expand(expr)))`` stays within :data:`MAX_EXPANDED_TERMS`."""
    return expanded_terms(expr) <= MAX_EXPANDED_TERMS


def may_simplify(expr: sp.Basic) -> bool:
    """Whether ``expr`` is small enough to hand to ``sp.simplify`` (which tries many rewrites, each
    of them free to expand)."""
    return sp.count_ops(expr) <= MAX_SIMPLIFY_OPERATIONS and may_expand(expr)


def written_out_factors(expr: sp.Basic) -> int:
    """The most factors any product of concrete length in ``expr`` has once written out (a product
    inside another multiplies): what the product rule squares."""
    def factors(e: sp.Basic) -> int:
        inner = max((factors(a) for a in e.args), default=1)
        if isinstance(e, sp.Product) and all(b.is_Integer for _, *bounds in e.limits for b in bounds):
            length = 1
            for _, lower, upper in e.limits:
                length *= max(int(upper) - int(lower) + 1, 0)
            return max(length, 1) * inner
        return inner
    return factors(expr)


def may_differentiate(derivative: sp.Derivative) -> bool:
    """Whether carrying out ``derivative`` writes out at most :data:`MAX_PRODUCT_RULE_FACTORS` factors."""
    return written_out_factors(derivative.expr) <= MAX_PRODUCT_RULE_FACTORS

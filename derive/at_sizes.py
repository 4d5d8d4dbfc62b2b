"""Expressions at concrete sizes: sizes and free indices put in, sums and products written out
term by term, predictions written through the model's link, derivatives and maxima carried out.
What a proof at the small sizes simplifies, and what the numeric check evaluates where its walk
(:mod:`derive.numeric_walk`) has no rule."""
from __future__ import annotations

import random
from typing import Mapping

import sympy as sp

from . import conventions as c
from .errors import LimitExceeded
from .functions import BINDERS, Maximum, plain
from .models import Model
from .vector_forms import to_components
from .work import MAX_PRODUCT_RULE_FACTORS, may_differentiate


def concrete(expr: sp.Basic, sizes: Mapping[sp.Symbol, int], model: Model) -> sp.Basic:
    """``expr`` at concrete sizes and indices, predictions written through the link, sums and
    derivatives carried out: what the numeric check evaluates and the symbolic check simplifies."""
    sized = to_components(expr, sizes) if expr.atoms(sp.MatrixSymbol) else _assign(expr, sizes)
    summed = write_out_sums(sized)
    linked = model.resolve_links(summed, sizes.get(c.K), sizes.get(c.D))
    return plain(carry_out_maxima(carry_out_derivatives(write_out_sums(linked))))


def write_out_sums(expr: sp.Basic) -> sp.Basic:
    """Write out sums and products of concrete length term by term (SymPy's ``doit`` would first
    search for a closed form, which is slow and not needed), leaving the rest alone."""
    if not expr.has(sp.Sum, sp.Product):
        return expr
    args = [write_out_sums(a) for a in expr.args]
    if isinstance(expr, (sp.Sum, sp.Product)):
        function, limits = args[0], expr.limits
        if all(bound.is_Integer for _, *bounds in limits for bound in bounds):
            for variable, lower, upper in limits:
                terms = [_put_in(function, variable, sp.Integer(v)) for v in range(int(lower), int(upper) + 1)]
                function = sp.Add(*terms) if isinstance(expr, sp.Sum) else sp.Mul(*terms)
            return function
        return type(expr)(function, *limits)
    return expr.func(*args) if args != list(expr.args) else expr


def _put_in(expr: sp.Basic, variable: sp.Symbol, value: sp.Integer) -> sp.Basic:
    """``expr`` with ``value`` for its free occurrences of ``variable``: an inner sum, product or
    maximum that binds an index of the same name keeps its own (xreplace would have written its
    limits as ``(1, 1, 2)``, which SymPy refuses)."""
    if isinstance(expr, BINDERS) and any(limit[0] == variable for limit in expr.limits):
        # The limits run inner to outer: the function and the limits inside the outermost
        # rebinding see the inner index; that limit's bounds and those outside it, the outer one.
        last = max(i for i, limit in enumerate(expr.limits) if limit[0] == variable)
        outer = [(v, _put_in(lo, variable, value), _put_in(hi, variable, value)) for v, lo, hi in expr.limits[last:]]
        return type(expr)(expr.function, *expr.limits[:last], *outer)
    if not expr.has(variable):
        return expr
    return expr.xreplace({variable: value}) if not expr.has(*BINDERS) else \
        expr.func(*(_put_in(a, variable, value) for a in expr.args))


def carry_out_maxima(expr: sp.Basic) -> sp.Basic:
    if not expr.has(Maximum):
        return expr
    return expr.replace(lambda e: isinstance(e, Maximum), lambda e: write_out_sums(e.doit()))


def _assign(expr: sp.Basic, values: Mapping[sp.Symbol, int]) -> sp.Basic:
    """Put in sizes, and values for the free indices only: a summation index stays bound."""
    bound = {limit[0] for node in sp.preorder_traversal(expr) if isinstance(node, BINDERS)
             for limit in node.limits}
    return expr.xreplace({s: sp.Integer(v) for s, v in values.items() if s not in bound})


def carry_out_derivatives(expr: sp.Basic) -> sp.Basic:
    """SymPy's own derivatives, limits and substitutions carried out; a derivative of a product
    written out past :data:`~derive.work.MAX_PRODUCT_RULE_FACTORS` factors is refused
    (:class:`LimitExceeded`: the product rule on 100 factors ran past any limit inside one call)."""
    if not expr.has(sp.Derivative, sp.Limit, sp.Subs):
        return expr

    if not all(may_differentiate(d) for d in expr.atoms(sp.Derivative)):
        raise LimitExceeded(f"a derivative of a product of more than {MAX_PRODUCT_RULE_FACTORS} factors "
                            "written out: write its length as a size such as N")
    return expr.replace(lambda e: isinstance(e, (sp.Derivative, sp.Limit, sp.Subs)), lambda e: e.doit())


def label_assignments(model: Model, rhs: sp.Basic, sizes: Mapping[sp.Symbol, int],
                      rng: random.Random, count: int = 3):
    """Concrete labels (one-hot or binary) with the probability each outcome should have."""
    expanded = write_out_sums(rhs.xreplace(sizes)).doit()  # written out first: doit would look for a closed form
    labels = [a for a in expanded.atoms(sp.Indexed) if a.base == c.t]
    if model.categorical:
        classes = model.class_count(sizes, labels)
        rows = sorted({a.indices[:-1] for a in labels}, key=str)
        for _ in range(count):
            hot = {row: rng.randrange(classes) + 1 for row in rows}
            assignment = {c.t[row + (j,)]: sp.Integer(int(j == hot[row]))
                          for row in rows for j in range(1, classes + 1)}
            probability = sp.Mul(*(c.y[row + (hot[row],)] for row in rows))
            yield expanded, assignment, probability
    else:
        for _ in range(count):
            assignment = {a: sp.Integer(rng.randrange(2)) for a in labels}
            probability = sp.Mul(*(c.y[a.indices] if assignment[a] else 1 - c.y[a.indices]
                                   for a in labels))
            yield expanded, assignment, probability

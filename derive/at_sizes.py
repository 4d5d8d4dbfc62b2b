"""Expressions at concrete sizes: sizes and free indices put in, sums and products written out
term by term, predictions written through the model's link, derivatives and maxima carried out.
What a proof at the small sizes simplifies, and what the numeric check evaluates where its walk
(:mod:`derive.numeric_walk`) has no rule."""
from __future__ import annotations

from typing import Mapping

import sympy as sp

from . import conventions as c
from .functions import BINDERS, Maximum, plain
from .models import Model
from .vector_forms import to_components


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
                terms = [function.xreplace({variable: sp.Integer(v)}) for v in range(int(lower), int(upper) + 1)]
                function = sp.Add(*terms) if isinstance(expr, sp.Sum) else sp.Mul(*terms)
            return function
        return type(expr)(function, *limits)
    return expr.func(*args) if args != list(expr.args) else expr


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
    if not expr.has(sp.Derivative, sp.Limit, sp.Subs):
        return expr
    return expr.replace(lambda e: isinstance(e, (sp.Derivative, sp.Limit, sp.Subs)), lambda e: e.doit())

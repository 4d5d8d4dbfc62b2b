"""A model's link written out: each prediction ``y`` as the softmax or the sigmoid of its logits
``z``, each logit as the layer ``Z = XW``; and whether an expression is exactly that.  The link
operations write these (:mod:`derive.operations.links`); the verifier and the symbolic proofs read
them back."""
from __future__ import annotations

import sympy as sp

from . import conventions as c
from .functions import sigmoid
from .models import Link


def fresh_index(expr: sp.Basic) -> sp.Symbol:
    used = expr.atoms(sp.Symbol)
    return next(s for s in c.DUMMY_INDICES[::-1] if s not in used)


def softmax_of(component: sp.Indexed, classes: sp.Basic, index: sp.Symbol) -> sp.Basic:
    row = component.indices[:-1]
    return sp.exp(c.z[component.indices]) / sp.Sum(sp.exp(c.z[row + (index,)]), (index, 1, classes))


def is_link_of(value: sp.Basic, prediction: sp.Basic, link: str, classes: sp.Basic) -> bool:
    """Whether ``value`` is ``link`` applied to the logits of ``prediction`` (any name for the
    softmax's summation index)."""
    return _IS_LINK_OF[Link(link)](value, prediction, classes)


def _is_sigmoid_of(value: sp.Basic, prediction: sp.Basic, classes: sp.Basic) -> bool:
    logit = c.z[prediction.indices] if isinstance(prediction, sp.Indexed) else c.z_scalar
    return value == sigmoid(logit)


def _is_softmax_of(value: sp.Basic, prediction: sp.Basic, classes: sp.Basic) -> bool:
    if not isinstance(prediction, sp.Indexed):
        return False
    sums = [f for f in sp.Mul.make_args(value) if isinstance(f, sp.Pow) and f.exp == -1 and isinstance(f.base, sp.Sum)]
    if len(sums) != 1 or len(sums[0].base.limits) != 1:
        return False
    index = sums[0].base.limits[0][0]
    return value == softmax_of(prediction, classes, index)


def _sigmoid_table(expr: sp.Basic, classes: sp.Basic) -> dict[sp.Basic, sp.Basic]:
    table = {p: sigmoid(c.z[p.indices]) for p in expr.atoms(sp.Indexed) if p.base == c.y}
    if expr.has(c.y_scalar):
        table[c.y_scalar] = sigmoid(c.z_scalar)
    return table


def _softmax_table(expr: sp.Basic, classes: sp.Basic) -> dict[sp.Basic, sp.Basic]:
    index = fresh_index(expr)
    return {p: softmax_of(p, classes, index) for p in expr.atoms(sp.Indexed) if p.base == c.y}


def _is_exp_of(value: sp.Basic, prediction: sp.Basic, classes: sp.Basic) -> bool:
    return isinstance(prediction, sp.Indexed) and value == sp.exp(c.z[prediction.indices])


def _exp_table(expr: sp.Basic, classes: sp.Basic) -> dict[sp.Basic, sp.Basic]:
    return {p: sp.exp(c.z[p.indices]) for p in expr.atoms(sp.Indexed) if p.base == c.y}


_IS_LINK_OF = {Link.SIGMOID: _is_sigmoid_of, Link.SOFTMAX: _is_softmax_of, Link.EXP: _is_exp_of}
_LINK_TABLES = {Link.SIGMOID: _sigmoid_table, Link.SOFTMAX: _softmax_table, Link.EXP: _exp_table}  # each prediction through the link


def link_table(expr: sp.Basic, link: str, classes: sp.Basic) -> dict[sp.Basic, sp.Basic]:
    return _LINK_TABLES[Link(link)](expr, classes)


def linear_layer_of(logit: sp.Indexed, index: sp.Symbol) -> sp.Basic:
    """``z_ik`` of the layer ``Z = XW``: ``∑_f x_if W_fk`` with ``index`` for f."""
    row, column = logit.indices
    return sp.Sum(c.x[row, index] * c.W[index, column], (index, 1, c.D))


def is_linear_layer_of(value: sp.Basic, logit: sp.Basic) -> bool:
    """Whether ``value`` is ``∑_f x_if W_fk`` for the logit ``z_ik`` (any name for f)."""
    if not (isinstance(logit, sp.Indexed) and logit.base == c.z and len(logit.indices) == 2
            and isinstance(value, sp.Sum) and len(value.limits) == 1):
        return False
    index = value.limits[0][0]
    return value == linear_layer_of(logit, index)

"""Prove an identity about one-hot labels for every number of classes.

A one-hot label row is ``t_j = δ(j, h)`` for some class ``h`` between 1 and K.  Each label row is
written so, with ``h`` a fresh integer; a sum over the classes that then holds a Kronecker delta
keeps only the term ``j = h``; and a delta left between a class the identity names (``q``) and
``h`` is settled by cases: ``h = q``, and ``h ≠ q`` (the delta is 0).  The identity is proved when
every case simplifies to zero.  Nothing is assumed about K but that it is at least ``h``.
"""
from __future__ import annotations

import sympy as sp

from . import conventions as c
from .functions import plain
from .induction import vanishes


def prove_one_hot(before: sp.Basic, after: sp.Basic, classes: sp.Basic = c.K) -> bool:
    """Whether ``before == after`` for every one-hot labelling, whatever the number of classes
    (``classes``: the model's, to which each label row runs)."""
    difference = plain(before - after)
    labels = [a for a in difference.atoms(sp.Indexed) if a.base == c.t]
    if not labels:
        return False
    rows = sorted({label.indices[:-1] for label in labels}, key=sp.default_sort_key)
    hot = {row: sp.Dummy("h", integer=True, positive=True) for row in rows}
    ranges = _class_ranges(difference)
    if ranges != (sp.S.One, classes):
        return False  # a sum over part of the classes may miss the hot one: its delta is not collapsed so
    onehot = difference.xreplace({label: sp.KroneckerDelta(label.indices[-1], hot[label.indices[:-1]]) for label in labels})
    collapsed = _collapse(onehot, set(hot.values()), ranges)
    if collapsed is None:
        return False
    cases = _cases(collapsed, set(hot.values()))
    return cases is not None and all(_vanishes(case) for case in cases)


def _class_ranges(expr: sp.Basic) -> tuple[sp.Basic, sp.Basic] | None:
    """The one range (1, K) every sum over the classes runs over."""
    ranges = {tuple(limit[1:]) for node in sp.preorder_traversal(expr) if isinstance(node, sp.Sum) for limit in node.limits}
    return ranges.pop() if len(ranges) == 1 else None


def _collapse(expr: sp.Basic, hot: set, ranges: tuple[sp.Basic, sp.Basic]) -> sp.Basic | None:
    """Split each sum over its terms and keep only ``j = h`` where a term holds ``δ(j, h)``."""
    lower, upper = ranges

    def collapse(node: sp.Sum) -> sp.Basic:
        (variable, low, high), = node.limits
        total = sp.Integer(0)
        for term in sp.Add.make_args(sp.expand(node.function)):
            deltas = sorted((d for d in term.atoms(sp.KroneckerDelta) if variable in d.args and set(d.args) & hot),
                            key=sp.default_sort_key)
            if deltas:
                other = next(a for a in deltas[0].args if a != variable)
                total += term.xreplace({deltas[0]: sp.Integer(1)}).xreplace({variable: other})
            else:
                total += sp.Sum(term, (variable, low, high))
        return total

    if any(len(node.limits) != 1 for node in expr.atoms(sp.Sum)):
        return None
    if not all(low == lower and high == upper for node in expr.atoms(sp.Sum) for _, low, high in node.limits):
        return None
    return expr.replace(lambda e: isinstance(e, sp.Sum), collapse)


def _cases(expr: sp.Basic, hot: set) -> list[sp.Basic] | None:
    """The expression once each delta between a named class and a hot one is decided (``None``
    where a delta compares two hot classes, which this proof does not split)."""
    deltas = sorted((d for d in expr.atoms(sp.KroneckerDelta) if set(d.args) & hot), key=sp.default_sort_key)
    if not deltas:
        return [expr]
    delta = deltas[0]
    h = next(a for a in delta.args if a in hot)
    other = next((a for a in delta.args if a != h), h)
    if other in hot or other.has(*hot):
        return None
    equal = _cases(expr.xreplace({h: other}), hot - {h})
    different = _cases(expr.xreplace({delta: sp.Integer(0)}), hot)
    return None if equal is None or different is None else equal + different


def _vanishes(expr: sp.Basic) -> bool:
    return vanishes(expr)

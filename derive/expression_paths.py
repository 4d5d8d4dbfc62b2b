"""Parts of an expression by path: the address a step records for where it rewrote, read and
replaced the same way by the engine, the verifier and the printers.  Sums and products over
several indices are seen one index at a time (:func:`nested_view`), as a lecturer reads them.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterator

import sympy as sp

from .functions import BINDERS


@lru_cache(maxsize=8192)
def nested_view(expr: sp.Basic) -> sp.Basic:
    """SymPy merges ``Sum(Sum(f, k), i)`` into one ``Sum(f, k, i)``; rules see it nested again."""
    if not _has_merged_limits(expr):
        return expr
    if isinstance(expr, (sp.Sum, sp.Product)):
        inner = expr.function
        if len(expr.limits) > 1:
            inner = _unmerged(type(expr), inner, *expr.limits[:-1])
        return _unmerged(type(expr), nested_view(inner), expr.limits[-1])
    return expr.func(*(nested_view(a) for a in expr.args))


@lru_cache(maxsize=8192)
def _has_merged_limits(expr: sp.Basic) -> bool:
    if isinstance(expr, (sp.Sum, sp.Product)) and len(expr.limits) > 1:
        return True
    return any(_has_merged_limits(arg) for arg in expr.args)


def _unmerged(cls, function: sp.Basic, *limits: sp.Tuple) -> sp.Basic:
    # What AddWithLimits.__new__ does, minus the merging of nested sums.
    made = sp.Expr.__new__(cls, function, *limits)
    made.is_commutative = function.is_commutative
    return made


def subexpressions(expr: sp.Basic, path: tuple[int, ...] = ()) -> Iterator[tuple[tuple[int, ...], sp.Basic]]:
    """Every subexpression with its path of argument positions, outermost first."""
    expr = nested_view(expr)
    yield path, expr
    if isinstance(expr, (sp.Indexed, sp.IndexedBase, sp.MatrixSymbol)):
        return
    for position, arg in enumerate(expr.args):
        yield from subexpressions(arg, path + (position,))


def subexpression_at(expr: sp.Basic, path: tuple[int, ...]) -> sp.Basic | None:
    """The subexpression at ``path`` (as :func:`subexpressions` numbers it), or ``None``."""
    node = expr
    for position in path:
        node = nested_view(node)
        if isinstance(node, (sp.Indexed, sp.IndexedBase, sp.MatrixSymbol)) or position >= len(node.args):
            return None
        node = node.args[position]
    return nested_view(node)


def enclosing_limits(expr: sp.Basic, path: tuple[int, ...]) -> dict[sp.Symbol, tuple[sp.Basic, sp.Basic]]:
    """The range of each index bound by a sum, product or maximum around the part at ``path``."""
    ranges: dict[sp.Symbol, tuple[sp.Basic, sp.Basic]] = {}
    node = expr
    for position in path:
        node = nested_view(node)
        if isinstance(node, BINDERS) and position == 0:
            ranges.update({variable: (lower, upper) for variable, lower, upper in node.limits})
        if position >= len(node.args):
            break
        node = node.args[position]
    return ranges


@lru_cache(maxsize=64)
def all_subexpressions(expr: sp.Basic) -> tuple[tuple[tuple[int, ...], sp.Basic], ...]:
    """:func:`subexpressions` listed once per expression: every rule of a ruleset walks the same line."""
    return tuple(subexpressions(expr))


def replace_at(expr: sp.Basic, path: tuple[int, ...], new: sp.Basic) -> sp.Basic:
    """Put ``new`` at ``path`` (as :func:`subexpressions` numbers it) and merge nested sums back."""
    return merged(_replace_at(expr, path, new))


def _replace_at(expr: sp.Basic, path: tuple[int, ...], new: sp.Basic) -> sp.Basic:
    if not path:
        return new
    args = list(nested_view(expr).args)
    args[path[0]] = _replace_at(args[path[0]], path[1:], new)
    return expr.func(*args)


def merged(expr: sp.Basic) -> sp.Basic:
    """Rebuild every sum and product with SymPy's own constructor (undoing :func:`nested_view`)."""
    if not expr.has(sp.Sum, sp.Product):
        return expr
    args = [merged(a) for a in expr.args]
    if isinstance(expr, (sp.Sum, sp.Product)):
        return type(expr)(args[0], *args[1:])
    return expr.func(*args) if args != list(expr.args) else expr

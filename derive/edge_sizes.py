"""The sizes at the edges that the numeric second opinion visits besides N = K = 7 and sizes drawn
in 4..9: every size at its least (1, or the model's least), the sizes that empty a range of the
expression (``∑_{c=3}^{C}`` at C = 2 and C = 1), and the sizes the expression itself names (10 in
``δ(N, 10)``, and one past the last root of ``(N - 1)...(N - 9)``).  A step wrong only for one
sample, at an empty range, or at one size it names shows there."""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable

import sympy as sp

from .ranges import emptying_sizes

MOST_NAMED_SIZE = 32  # a size the expression names is visited up to this (N K components are drawn)
MOST_NAMED_CHOICES = 4


def edge_size_choices(expr: sp.Basic, present: list[sp.Symbol], least: dict[sp.Symbol, int],
                      fixed: dict[sp.Symbol, int], drawn: Iterable[dict]) -> list[dict[sp.Symbol, int]]:
    """Sizes for ``present`` (``fixed`` ones as they are, none below ``least``) at the edges,
    none of them a choice already ``drawn``."""
    if not present:
        return []
    choices = [{s: fixed.get(s, least.get(s, 1)) for s in present}]
    others = {s: fixed.get(s, max(least.get(s, 1), 3)) for s in present}
    parts = expr.args if isinstance(expr, sp.Tuple) else (expr,)  # a step's two lines, each met twice
    least_items = tuple(sorted(((s, v) for s, v in least.items()), key=lambda item: str(item[0])))
    for emptying in [e for part in parts for e in _emptying(part, tuple(present), least_items)]:
        if not set(emptying) & set(fixed):
            choices.append({**others, **emptying})
    named = sorted({value for part in parts for value in _named(part, tuple(present))})[-MOST_NAMED_CHOICES:]
    for value in named:
        if all(value >= least.get(s, 1) for s in present):
            choices.append({s: fixed.get(s, value) for s in present})
    unique = []
    seen = [dict(d) for d in drawn]
    for choice in choices:
        if choice not in unique and choice not in seen:
            unique.append(choice)
    return unique


@lru_cache(maxsize=2048)
def _emptying(expr: sp.Basic, present: tuple, least: tuple) -> tuple:
    if not expr.has(sp.Sum, sp.Product):
        return ()
    return tuple(emptying_sizes(expr, present, dict(least)))


@lru_cache(maxsize=2048)
def _named(expr: sp.Basic, present: tuple) -> tuple[int, ...]:
    return tuple(named_sizes(expr, list(present)))


def named_sizes(expr: sp.Basic, present: list[sp.Symbol]) -> list[int]:
    """The sizes ``expr`` names, where it compares a size with a number or adds one to it: each
    such number and the one after it, up to ``MOST_NAMED_SIZE`` (the largest few)."""
    sizes = set(present)

    def mentions(node: sp.Basic) -> bool:  # K - 9, 2 N - 3, δ(N, 10), N < 10
        return any(a in sizes or (a.is_Mul and any(f in sizes for f in a.args)) for a in node.args)

    numbers = {abs(int(a)) for node in expr.atoms(sp.Add, sp.KroneckerDelta, sp.Rel, sp.Max, sp.Min)
               if mentions(node) for a in node.args if a.is_Integer}
    candidates = sorted({n for value in numbers for n in (value, value + 1) if 2 <= n <= MOST_NAMED_SIZE})
    return candidates[-MOST_NAMED_CHOICES:]

"""What a loss states positive, and over which components: the argument of each of its logarithms
(and the base of each power with a symbolic exponent).

A log inside sums is a statement about the components those sums run through, and no others:
``∑_{k=2}^{K} log x_k`` says x_2, ..., x_K are positive and nothing of x_1.  Each statement is a
:class:`Positive`: the log's argument with each index bound around it a placeholder, and the range
of each placeholder.  A part is positive by a statement where it is the statement's argument at
indices that lie inside those ranges whatever the sizes (an index free in the line anywhere in its
array's length, one bound around the part anywhere in its range).  A symbol's name says nothing.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Iterator, Mapping

import sympy as sp

from .functions import BINDERS, canonical_indices, plain
from .ranges import Ranges, at_least

PLACEHOLDERS = tuple(sp.Symbol(f"component_index_{n}", integer=True) for n in range(3))
_MOST_CANDIDATES = 6  # index values tried per placeholder when matching a part against a statement


@dataclass(frozen=True)
class Positive:
    """``pattern`` is positive for every value of its placeholders (``PLACEHOLDERS`` in order) in
    its ``ranges``; with no placeholders, ``pattern`` itself is."""

    pattern: sp.Basic
    ranges: tuple[tuple[sp.Basic, sp.Basic], ...] = ()


def statement(item) -> Positive:
    """A :class:`Positive` as given, or one expression stated positive as it stands."""
    return item if isinstance(item, Positive) else Positive(sp.sympify(item))


def stated_by_logs(loss: sp.Basic) -> frozenset[Positive]:
    """What ``loss`` needs positive to be a real number: the argument of every logarithm in it,
    and the base of every power with a symbolic exponent (``(1 - y)^γ`` is real for every γ only
    where ``1 - y > 0``), over the ranges of the sums around it."""
    found: set[Positive | None] = set()

    def visit(node: sp.Basic, around: tuple) -> None:
        if isinstance(node, sp.log):
            found.add(_statement_of(node.args[0], around))
        if isinstance(node, sp.Pow) and not node.exp.is_number and not node.exp.is_integer:
            found.add(_statement_of(node.base, around))
        if not node.args or isinstance(node, (sp.Indexed, sp.IndexedBase)):
            return
        if isinstance(node, BINDERS):
            inside = around + tuple((v, lo, hi) for v, lo, hi in reversed(node.limits))
            visit(node.function, inside)
            return
        for arg in node.args:
            visit(arg, around)

    visit(loss, ())
    return frozenset(s for s in found if s is not None)


def _statement_of(argument: sp.Basic, around: tuple) -> Positive | None:
    bound = [(v, lo, hi) for v, lo, hi in around if argument.has(v)]
    if len(bound) > len(PLACEHOLDERS):
        return None  # states nothing this engine uses
    table = {v: p for (v, _, _), p in zip(bound, PLACEHOLDERS)}
    ranges = tuple((lo.xreplace(table), hi.xreplace(table)) for _, lo, hi in bound)
    return Positive(argument.xreplace(table), ranges)


def stated_positive(expr: sp.Basic, statements: Iterable[Positive], known: Ranges,
                    extent: Callable[[sp.Symbol], sp.Basic]) -> bool:
    """Whether some statement makes ``expr`` positive: ``expr`` is its argument at index values
    inside its ranges.  ``known``: the ranges of indices bound around ``expr``; ``extent(ix)``: how
    far a free index runs (its array's length in the model)."""
    expr = comparable(expr)
    for positive in statements:
        if not positive.ranges:
            if comparable(positive.pattern) == expr:
                return True
            continue
        for assignment in _assignments(positive, expr):
            if _inside(assignment, positive.ranges, known, extent):
                return True
    return False


@lru_cache(maxsize=4096)
def comparable(expr: sp.Basic) -> sp.Basic:
    """``expr`` as a statement and a part are compared: named functions written out (the loss states
    ``1 − e^{z_k}/∑_j e^{z_j}`` positive, the gradient holds ``1 − softmax(z)_k``) and summation
    indices renamed in order (``∑_j`` and ``∑_m`` alike)."""
    return canonical_indices(plain(expr))


def _assignments(positive: Positive, expr: sp.Basic) -> Iterator[dict]:
    """Values of the placeholders that make the statement's argument ``expr``."""
    count = len(positive.ranges)
    candidates = sorted({ix for atom in expr.atoms(sp.Indexed) for ix in atom.indices}, key=sp.default_sort_key)
    if not candidates or len(candidates) > _MOST_CANDIDATES:
        return
    for values in itertools.product(candidates, repeat=count):
        assignment = dict(zip(PLACEHOLDERS, values))
        if comparable(positive.pattern).xreplace(assignment) == expr:
            yield assignment


def _inside(assignment: dict, ranges, known: Ranges, extent) -> bool:
    for placeholder, (lower, upper) in zip(PLACEHOLDERS, ranges):
        value = assignment[placeholder]
        lower, upper = lower.xreplace(assignment), upper.xreplace(assignment)
        if value.is_Integer:
            low = high = value
        elif value in known:
            low, high = known[value]
        elif isinstance(value, sp.Symbol) and value.is_integer:
            low, high = sp.Integer(1), extent(value)
        else:
            return False
        if not (at_least(low, lower, known) and at_least(upper, high, known)):
            return False
    return True


def instances(positive: Positive, sizes: Mapping[sp.Symbol, int]) -> Iterator[sp.Basic]:
    """The statement's argument at every index value its ranges hold at these sizes."""
    if positive.pattern.has(*BINDERS):
        return  # a sum's value needs the sum carried out: not checked at a point
    values = {s: sp.Integer(v) for s, v in sizes.items()}
    if not positive.ranges:
        yield positive.pattern.xreplace(values)
        return

    def expand(position: int, assignment: dict) -> Iterator[dict]:
        if position == len(positive.ranges):
            yield assignment
            return
        lower, upper = (end.xreplace(values).xreplace(assignment) for end in positive.ranges[position])
        if not (lower.is_Integer and upper.is_Integer):
            return
        for value in range(int(lower), int(upper) + 1):
            yield from expand(position + 1, {**assignment, PLACEHOLDERS[position]: sp.Integer(value)})

    for assignment in expand(0, {}):
        yield positive.pattern.xreplace(values).xreplace(assignment)

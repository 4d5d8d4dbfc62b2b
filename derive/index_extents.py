"""How far an index runs, read from an expression: the length of the array it stands in (as the
model states it, else by the conventions' shapes), the free indices of a component, and the extent
of each array as the sums over it give it. :class:`derive.models.Model` asks these.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from . import conventions as c
from .functions import BINDERS
from .ranges import at_least
@lru_cache(maxsize=4096)
def range_of(index: sp.Symbol, expr: sp.Basic, categorical: bool, extents: tuple = (),
              index_extents: tuple = ()) -> sp.Basic:
    """:meth:`Model.range_of`, once per index and expression (each step's lines are asked often):
    as the model states it, else the length of the array the index stands in, else (only in a
    Kronecker delta) the conventions' K for classes, N otherwise; never the range of the sum it is
    paired with, which would make ``∑_{k=1}^{3} δ_{jk} = 1`` true by fiat."""
    for named, length in index_extents:
        if named == index:
            return length
    stated = {place for place, _ in extents}
    places = sorted(((atom.base, atom.indices.index(index), len(atom.indices)) for atom in expr.atoms(sp.Indexed)
                     if index in atom.indices), key=sp.default_sort_key)
    # The array whose length is stated (the model's, or the conventions' shapes) first, then by rank:
    # a matrix's position says samples or classes, where a vector of a Bernoulli model says samples.
    for wanted in (lambda b, p, r: (b, p) in stated or (b in c.SHAPES and r == len(c.SHAPES[b])),
                   lambda b, p, r: r == 2, lambda b, p, r: True):
        for base, position, rank in places:
            if wanted(base, position, rank):
                return array_length(base, position, rank, categorical, extents)
    # Only in a Kronecker delta δ(i, l): as far as the array that l indexes runs (the model's
    # length of that array, not the range of the sum over l).
    for partner in _delta_partners(index, expr):
        if partner != index and any(partner in atom.indices for atom in expr.atoms(sp.Indexed)):
            return range_of(partner, expr, categorical, extents, ())
    return c.K if categorical else c.N


def _delta_partners(index: sp.Symbol, expr: sp.Basic) -> list:
    return sorted({a for delta in expr.atoms(sp.KroneckerDelta) if index in delta.args for a in delta.args
                   if isinstance(a, sp.Symbol) and a != index}, key=sp.default_sort_key)


def array_length(base: sp.IndexedBase, position: int, rank: int, categorical: bool, extents: tuple) -> sp.Basic:
    """The length of ``base`` at ``position``: as the model states it, else by the conventions."""
    for (array, place), length in extents:
        if array == base and place == position:
            return length
    if base in c.SHAPES and rank == len(c.SHAPES[base]):
        return c.SHAPES[base][position]
    if rank == 2:
        return c.N if position == 0 else c.K
    return c.K if categorical else c.N


@lru_cache(maxsize=4096)
def free_indices(expr: sp.Basic) -> frozenset[sp.Symbol]:
    """Integer symbols used as array indices and not bound by a sum: the component's indices."""
    used = {ix for atom in expr.atoms(sp.Indexed) for ix in atom.indices if isinstance(ix, sp.Symbol)}
    used |= {a for delta in expr.atoms(sp.KroneckerDelta) for a in delta.args if isinstance(a, sp.Symbol)}
    bound = {limit[0] for node in sp.preorder_traversal(expr) if isinstance(node, BINDERS)
             for limit in node.limits}
    return frozenset(s for s in used - bound if s.is_integer and s not in c.SIZES)



def array_extents(loss: sp.Basic) -> tuple:
    """How far each array of ``loss`` runs at each position: the upper limit of the sums over that
    position, where they agree (or one is at least every other); nothing where they do not."""
    uppers: dict[tuple, list] = {}
    for node in sp.preorder_traversal(loss):
        if not isinstance(node, BINDERS):
            continue
        for variable, _, upper in node.limits:
            if not (upper.is_Integer or isinstance(upper, sp.Symbol)):
                continue
            for atom in node.function.atoms(sp.Indexed):
                for position, index in enumerate(atom.indices):
                    if index == variable:
                        uppers.setdefault((atom.base, position), []).append(upper)
    extents = []
    for place, found in uppers.items():
        longest = [u for u in found if all(at_least(u, other) for other in found)]
        if longest:
            extents.append((place, longest[0]))
    return tuple(sorted(extents, key=lambda item: (str(item[0][0]), item[0][1])))



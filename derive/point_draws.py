"""Random points for checking a step numerically: a value for each symbol, inside what the model
says it may be (probabilities in (0, 1), labels 0 or 1, a user's symbols by their assumptions), in
an order no hash seed changes; and the sign of an expression over the unit interval, decided
symbolically. :class:`derive.models.Model` draws its points with these.
"""
from __future__ import annotations

import random
from functools import lru_cache

import sympy as sp

from . import conventions as c
from .functions import sigmoid

DRAW_DIGITS = 60  # random points are this precise, so constraints (sum to one) hold far past the check's digits
REGIONS = ("interior", "near_zero", "near_one")


def at_class(atom: sp.Basic) -> bool:
    """Whether ``atom`` is a component at a sample's class (``z_{i ℓ_i}``)."""
    return isinstance(atom, sp.Indexed) and any(isinstance(ix, sp.Indexed) and ix.base == c.ell for ix in atom.indices)


@lru_cache(maxsize=16384)
def draw_order(atom) -> tuple:
    """Where ``atom`` (or a row of indices) comes in the order values are drawn in: by names and
    indices, which no hash seed changes (the order of a set does)."""
    if isinstance(atom, tuple):
        return tuple(draw_order(ix) for ix in atom)
    if isinstance(atom, sp.Indexed):
        return (1, str(atom.base.label), tuple(draw_order(ix) for ix in atom.indices))
    if isinstance(atom, sp.Integer):
        return (0, "", (int(atom),))
    return (2, str(atom), ())


@lru_cache(maxsize=8192)
def component(base: sp.IndexedBase, indices: tuple) -> sp.Indexed:
    """``base[indices]``, made once (SymPy builds an Indexed slowly, and points are drawn often)."""
    return base[indices]


def draw_value(atom: sp.Basic, rng: random.Random, categorical: bool, unit: bool = False,
          region: str = "interior", named: bool = True) -> sp.Basic:
    """A value for ``atom``: the model's predictions and labels (where ``named``: the model has
    them) inside their ranges, anything else in (0.05, 0.95) for a user's model, else by what its
    assumptions state."""
    base = atom.base if isinstance(atom, sp.Indexed) else atom
    if named and base in (c.y, c.y_scalar):
        if region == "interior":
            return sp.Float(rng.uniform(0.02, 0.98), DRAW_DIGITS)
        edge = sp.Float(10, DRAW_DIGITS) ** -rng.uniform(2, 9)  # 1e-9 .. 1e-2 from the edge
        return edge if region == "near_zero" else 1 - edge
    if named and base in (c.t, c.t_scalar):
        return sp.Integer(rng.randrange(2)) if categorical else sp.Float(rng.uniform(0.01, 0.99), DRAW_DIGITS)
    if unit:
        return sp.Float(rng.uniform(0.05, 0.95), DRAW_DIGITS)
    if getattr(base, "is_positive", False) or getattr(atom, "is_positive", False):
        return sp.Float(rng.uniform(0.5, 2.0), DRAW_DIGITS)
    return sp.Float(rng.gauss(0.0, 1.5), DRAW_DIGITS)


def sign_through_unit_interval(expr: sp.Basic, names: tuple, sign: str, assumptions: dict,
                                sigmoids: bool = False) -> bool:
    """The sign ``sign`` of ``expr`` for every value in (0, 1) (or [0, 1)) of the components named
    (and, with ``sigmoids``, of each sigmoid of a real number, which lies in (0, 1) too): each gets
    its own s >= 0 (or > 0) and becomes s/(1 + s), which runs over exactly that interval."""
    components = [a for a in expr.atoms(sp.Indexed) if a.base in names]
    components += [s for s in expr.free_symbols if s in names]
    if sigmoids:
        components += [f for f in expr.atoms(sigmoid) if f.args[0].is_real]
    if not components:
        return False
    mapped = expr.xreplace({a: (s := sp.Dummy("s", **assumptions)) / (1 + s) for a in components})
    return bool(getattr(sp.factor(sp.together(mapped)), sign))


def is_users(atom: sp.Basic, named: bool = True) -> bool:
    """A symbol of the user's own (not the model's label or prediction, nor declared positive)."""
    base = atom.base if isinstance(atom, sp.Indexed) else atom
    return (not named or base not in (c.y, c.y_scalar, c.t, c.t_scalar)) and not (
        getattr(base, "is_positive", False) or getattr(atom, "is_positive", False))


def draw_anywhere(atom: sp.Basic, rng: random.Random, region: str) -> sp.Basic:
    """Anywhere on the real line: next to 0 on either side, or spread wide (negative values included)."""
    if region == "near_zero":
        return sp.Float(rng.choice((-1, 1)) * 10 ** -rng.uniform(1, 4), DRAW_DIGITS)
    return sp.Float(rng.gauss(0.0, 3.0), DRAW_DIGITS)



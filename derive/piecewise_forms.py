"""A piecewise derivative written as one known function, where its cases are one.

Huber's derivative is ``(x − y)/N`` where ``|x − y| ≤ δ``, ``δ/N`` above and ``−δ/N`` below: the
three cases are ``clamp(x − y, −δ, δ)/N``, the form PyTorch's own gradient takes.  The engine
states that form only where the assembled cases are proved equal to ``k · max(−c, min(u, c))`` by
cases (:func:`derive.case_proofs.equal_by_cases`: symbolically on every interval between the points
where a case changes, and at each of those points), with the loss's parameters taken positive, as
PyTorch requires of δ and β; the statement says so (``for δ > 0``).  Nothing is merged on a guess.

Not a catalogue rule (the catalogue's rules are statements with wilds, not a proof by cases): the
piecewise gradient writes the cases and the one form as a certificate of their own
(:meth:`derive.piecewise.PiecewiseGradient.collapse_certificate`), which derive_checker proves by its
own proof by cases (derive_checker/cases.py), δ declared positive in its model.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .case_proofs import equal_by_cases

HOW = "by cases"  # how the one form is proved equal to the cases (named in the statement)


@dataclass(frozen=True)
class Collapse:
    """The assembled cases (``cases``), the one form they were proved equal to (``form``), and the
    parameters taken positive for it (δ > 0)."""

    cases: sp.Basic
    form: sp.Basic
    variable: sp.Basic
    positive: tuple

    def holds(self) -> bool:
        """The proof again: a form edited after the fact is refused."""
        return equal_by_cases(self.cases, self.form, self.variable, self.positive)


def clamped(cases: sp.Basic, derivatives: list[sp.Basic], variable: sp.Basic) -> Collapse | None:
    """``cases`` as ``k · max(−c, min(u, c))`` where its three pieces' derivatives are ``k u`` (moving
    with the variable) and the constants ``k c``, ``−k c``; or as ``k (u − max(−c, min(u, c)))`` where
    they are ``k (u − c)``, ``k (u + c)`` and 0 (the squared ε-insensitive loss's); proved equal by cases; else None."""
    moving = [d for d in derivatives if _moves(d, variable)]
    fixed = [d for d in derivatives if not _moves(d, variable)]
    if len(derivatives) != 3:
        return None
    if len(moving) == 1 and len(fixed) == 2 and sp.simplify(fixed[0] + fixed[1]) == 0:
        (inner,), bounds, shape = moving, fixed, lambda u, c: sp.Max(-c, sp.Min(u, c))
    elif len(moving) == 2 and len(fixed) == 1 and sp.simplify(fixed[0]) == 0:
        inner, half = sp.factor((moving[0] + moving[1]) / 2), sp.factor((moving[0] - moving[1]) / 2)
        bounds, shape = sorted([half, -half], key=lambda b: b.could_extract_minus_sign()), lambda u, c: u - sp.Max(-c, sp.Min(u, c))
    else:
        return None
    arrays = {atom.base.label for atom in cases.atoms(sp.Indexed)}
    positive = tuple(sorted((s for s in cases.free_symbols - arrays if isinstance(s, sp.Symbol) and not s.is_integer
                             and s != variable and not s.is_positive), key=str))  # the parameters: δ, β
    found: list[sp.Basic] = []
    for bound in bounds:
        if found:
            break  # the upper bound was the first: the lower one gives the same form
        for scale in {bound, sp.gcd(inner, bound)}:
            if scale == 0:
                continue
            c, u = sp.simplify(bound / scale), sp.simplify(inner / scale)
            form = scale * shape(u, c)
            if equal_by_cases(cases, form, variable, positive):
                found.append(form)
    if not found:
        return None
    form = min(found, key=sp.count_ops)
    return Collapse(cases, form, variable, tuple(s for s in positive if cases.has(s)))


def _moves(expr: sp.Basic, variable: sp.Basic) -> bool:
    return expr.has(variable) or (isinstance(variable, sp.Indexed) and expr.has(variable.base))

"""Prove an identity with sums and products of symbolic length for every length, by induction.

An identity ``L(n) = R(n)`` whose sums and products all run from the same lower limit ``a`` to the
same upper limit ``n`` holds for every ``n >= a - 1`` when

* it holds for the empty range ``n = a - 1`` (a sum is 0, a product 1), or for one term ``n = a``
  where no size makes the range empty, and
* from ``D(n) = L(n) - R(n) = 0`` follows ``D(n + 1) = 0``.

For the second part each sum ``S(n)`` is written ``S(n + 1) = S(n) + f(n + 1)`` and each product
``P(n + 1) = P(n) f(n + 1)``, and ``S(n)``, ``P(n)`` become unknowns that know only what is true of
every value they can take (a sum of positive terms is at least 0, the empty sum; of real terms real); an unknown
depends on the variables its sum does, so derivatives of it stay.  ``D(n + 1)`` must then vanish
either outright, or after subtracting ``D(n)``, or after solving ``D(n) = 0`` for one unknown and
putting the solution in.  A maximum over the range is first written as a real number ``m``:
an identity true for every real ``m`` is true for the maximum.
"""
from __future__ import annotations

import sympy as sp

from . import conventions as c
from .functions import BINDERS, Maximum, plain
from .input_limits import checkpoint
from .work_budget import operations
from .ranges import nonempty
from .work import may_expand, may_simplify

_RANGED = (sp.Sum, sp.Product)


def prove_by_induction(before: sp.Basic, after: sp.Basic) -> bool:
    """Whether ``before == after`` for every length of its sums and products (see the module)."""
    difference = plain(before - after)
    difference = difference.xreplace({m: sp.Dummy("m", real=True) for m in difference.atoms(Maximum)})
    difference = _length_out_of_terms(difference)
    ranged = [node for node in sp.preorder_traversal(difference) if isinstance(node, _RANGED)]
    uppers = {node.limits[-1][2] for node in ranged}
    if not ranged or len(uppers) != 1 or any(len(node.limits) != 1 for node in ranged):
        return False
    (n,) = uppers
    lowers = {node.limits[0][1] for node in ranged}
    if not isinstance(n, sp.Symbol) or len(lowers) != 1 or any(node.function.has(n) for node in ranged):
        return False  # one range, and no sum of length n inside another
    (a,) = lowers
    if a.has(n) or any(isinstance(node, BINDERS) and not isinstance(node, _RANGED) for node in sp.preorder_traversal(difference)):
        return False
    return _base_case(difference, n, a) and _inductive_step(difference, n, ranged)


def split_by_index(term: sp.Basic, index: sp.Symbol) -> tuple[sp.Basic, sp.Basic]:
    """``(free, bound)``: the product of the factors of ``term`` free of ``index``, and of those holding it."""
    factors = sp.Mul.make_args(term)
    return sp.Mul(*(f for f in factors if not f.has(index))), sp.Mul(*(f for f in factors if f.has(index)))


def _length_out_of_terms(expr: sp.Basic) -> sp.Basic:
    """A sum whose terms hold its own length, ``Σ_{j=1}^{n} a^{n-j}``, with what does not depend on
    the index taken out: ``a^n Σ_{j=1}^{n} a^{-j}`` (powers split first), so each term no longer
    depends on n and the induction below applies."""
    table = {}
    for node in expr.atoms(sp.Sum):
        if len(node.limits) != 1:
            continue
        variable, _, upper = node.limits[0]
        if not node.function.has(upper):
            continue
        term = sp.expand_power_exp(sp.expand(node.function))
        if isinstance(term, sp.Add):
            continue
        outside, inside = split_by_index(term, variable)
        if outside != 1 and not inside.has(upper):
            table[node] = outside * node.func(inside, node.limits[0])
    return expr.xreplace(table) if table else expr


def _base_case(difference: sp.Basic, n: sp.Symbol, a: sp.Basic) -> bool:
    """The identity at the empty range (every sum 0, every product 1); or, where the range has a
    term at every size (``n >= a`` for every n of at least 1), at one term."""
    empty = difference.xreplace({n: a - 1}).doit()
    if vanishes(empty):
        return True
    # From one term only where no size empties the range: at an empty range (K = 1 in a sum from
    # 2 to K) nothing would be proved.
    return nonempty(a, n) and vanishes(difference.xreplace({n: a}).doit())


def _inductive_step(difference: sp.Basic, n: sp.Symbol, ranged: list[sp.Basic]) -> bool:
    placeholders = {node: sp.Dummy(f"P{number}") for number, node in enumerate(ranged)}
    unknowns, following = {}, {}
    for node, placeholder in placeholders.items():
        variable, _, _ = node.limits[0]
        unknown = _unknown(node, variable)
        term = node.function.xreplace({variable: n + 1})
        unknowns[placeholder] = unknown
        following[placeholder] = unknown + term if isinstance(node, sp.Sum) else unknown * term
    outlined = difference.xreplace(placeholders)
    now = outlined.xreplace(unknowns)
    then = outlined.xreplace({n: n + 1}).xreplace(following)
    if vanishes(then) or vanishes(then - now):
        return True
    for unknown in unknowns.values():
        try:
            solutions = sp.solve(now, unknown, dict=False)
        except (NotImplementedError, TypeError, ValueError):
            continue
        if solutions and all(vanishes(then.xreplace({unknown: s}).doit()) for s in solutions):
            return True
    return False


def _unknown(node: sp.Basic, variable: sp.Symbol) -> sp.Basic:
    """A stand-in for a sum or product of the first n terms, with what holds for all its values."""
    term = node.function
    facts = {}
    if term.is_positive:  # a sum of positive terms may be the empty sum, 0: only nonnegative
        facts["positive" if isinstance(node, sp.Product) else "nonnegative"] = True
    elif term.is_real:
        facts["real"] = True
    if isinstance(node, sp.Product) and term.is_nonzero and not term.is_positive:
        facts["nonzero"] = True
    depends = sorted((s for s in term.free_symbols if s != variable), key=sp.default_sort_key)
    functions = sorted(term.atoms(sp.core.function.AppliedUndef), key=sp.default_sort_key)
    arguments = [s for s in depends if not any(s in f.free_symbols for f in functions)] + \
        [arg for f in functions for arg in f.args if arg != variable and not arg.has(variable)]
    name = "S" if isinstance(node, sp.Sum) else "P"
    if not arguments:
        return sp.Dummy(name, **facts)
    return sp.Function(sp.Dummy(name).name, **facts)(*dict.fromkeys(arguments))


def vanishes(expr: sp.Basic) -> bool:
    """Whether ``simplify`` finds ``expr`` zero (as written, its logs expanded, or multiplied out
    first), each form asked only where it is small enough (:mod:`derive.work`): an unbounded
    ``simplify`` of a ratio of sums ran for more than 25 minutes, where no clock can stop it."""
    if expr == 0:
        return True
    forms = [expr, sp.expand_log(expr)]
    if may_expand(expr):
        forms.append(lambda: sp.expand_log(sp.factor_terms(sp.expand(expr))))
    for form in forms:
        checkpoint(operations(form) if not callable(form) else operations(expr), "proof")
        try:
            form = form() if callable(form) else form
            if may_simplify(form) and sp.simplify(form) == 0:
                return True
        except (TypeError, ValueError, RecursionError, NotImplementedError):
            continue
    return False


def prove_by_elimination(before: sp.Basic, after: sp.Basic) -> bool:
    """A statement about labels or probabilities of a categorical model, for every number K of
    classes: each sum over the classes becomes its first K - 1 terms plus the last, and the last
    class's label (probability) is one minus the others', which is what the model says."""
    difference = plain(before - after)
    peeled = {}
    for node in difference.atoms(sp.Sum):
        variable, lower, upper = node.limits[-1]
        if upper != c.K or len(node.limits) != 1:
            return False
        peeled[node] = node.func(node.function, (variable, lower, c.K - 1)) + node.function.xreplace({variable: c.K})
    if not peeled:
        return False
    difference = difference.xreplace(peeled)
    last = {}
    j = sp.Dummy("j", integer=True)
    difference = difference.xreplace({node: node.func(node.function.xreplace({node.limits[0][0]: j}), (j, *node.limits[0][1:]))
                                      for node in difference.atoms(sp.Sum)})
    for atom in difference.atoms(sp.Indexed):
        if atom.base in (c.t, c.y) and atom.indices[-1] == c.K:
            row = atom.indices[:-1]
            last[atom] = 1 - sp.Sum(atom.base[row + (j,)], (j, 1, c.K - 1))
    return bool(last) and vanishes(difference.xreplace(last))

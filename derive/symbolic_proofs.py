"""Symbolic proofs that two expressions are equal: with symbolic sizes and indices
(:func:`proves_for_every_size`), or at concrete sizes (:func:`proves_zero`, given the model's
constraints: the last class eliminated, one-hot labels case by case, a maximum as any real)."""
from __future__ import annotations

import itertools
from typing import Mapping

import sympy as sp

from . import conventions as c
from .at_sizes import carry_out_derivatives
from .conditions import Domain
from .expression_paths import merged
from .functions import BINDERS, plain, softmax
from .functions import canonical_indices as canonical_indices  # written beside BINDERS (positivity uses it too); its users import it here
from .induction import prove_by_induction
from .input_limits import checkpoint
from .work_budget import operations
from .link_functions import link_table
from .index_extents import free_indices
from .models import Model
from .one_hot import prove_one_hot
from .ranges import at_least, clamped
from .work import may_expand, may_simplify


INDUCTION_OPERATIONS = 80  # past this an induction proof (solving for a sum) is not tried: too slow


def proves_for_every_size(before: sp.Basic, after: sp.Basic, model: Model,
                          ranges: Mapping[sp.Symbol, tuple[sp.Basic, sp.Basic]] | None = None) -> str:
    """How ``before == after`` is proved with symbolic sizes and indices, or ``""`` where it is not:
    the same expression up to the names of summation indices; else derivatives carried out and
    sums of Kronecker deltas collapsed (each index inside its ``ranges``), a difference that
    vanishes; else by induction on the number of terms.  Where SymPy recurses past Python's
    limit on the way (a deeply nested loss), no proof is found."""
    try:
        return _proves_for_every_size(before, after, model, ranges)
    except RecursionError:
        return ""


def _proves_for_every_size(before: sp.Basic, after: sp.Basic, model: Model,
                           ranges: Mapping[sp.Symbol, tuple[sp.Basic, sp.Basic]] | None) -> str:
    if canonical_indices(merged(before)) == canonical_indices(merged(after)):
        return "the same expression with a summation index renamed"
    if before.atoms(sp.MatrixSymbol) or after.atoms(sp.MatrixSymbol):
        return ""
    # A range that may run backwards is clamped, so SymPy reads it as the engine does (empty: 0).
    ranges = {**index_ranges(sp.Tuple(before, after), model), **(ranges or {})}
    if model.categorical and before.has(c.q) != after.has(c.q):  # smoothed labels on one side only: by their definition (the premise's)
        before, after = c.smoothed_labels(before), c.smoothed_labels(after)
    classes = {a for a in sp.Tuple(before, after).atoms(sp.Indexed) if a.base == c.ell}
    if classes and "one_hot_labels" in model.facts:  # each one-hot label the indicator of its sample's class ℓ_i in 1..K
        table = {a: sp.KroneckerDelta(a.indices[-1], c.ell[a.indices[:-1]])
                 for a in sp.Tuple(before, after).atoms(sp.Indexed) if a.base == c.t and len(a.indices) == 2}
        before, after = before.xreplace(table), after.xreplace(table)
        ranges.update({a: (sp.Integer(1), model.class_size) for a in classes})
    before, after = clamped(before, ranges), clamped(after, ranges)
    if model.link and sp.Tuple(before, after).has(sp.Derivative):
        # a prediction is a function of the logits, which the part does not show: write it out
        if any(v.has(c.y, c.y_scalar) for d in sp.Tuple(before, after).atoms(sp.Derivative) for v in d.variables):
            return ""  # a derivative by a prediction itself: not a function of the logits here
        table = link_table(sp.Tuple(before, after), model.link, model.classes or c.K)
        before, after = before.xreplace(table), after.xreplace(table)
    done = [inside_ranges(collapse_deltas(carry_out_derivatives(side)), ranges or {}) for side in (before, after)]
    if any(s.has(softmax) for s in done):  # softmax(z)_j is e^{z_j} over its row's sum: written out
        done = [plain(side) for side in done]
    difference = done[0] - done[1]
    if difference == 0 or canonical_indices(merged(done[0])) == canonical_indices(merged(done[1])):
        return "proved with symbolic sizes and indices"
    if _no_symbolic_length(difference) and proves_zero(difference, model, {}):
        return "proved with symbolic sizes and indices"
    if difference.has(sp.Sum) and equal_with_sums_as_quantities(*done):
        return "proved for every size, each sum taken as one quantity"
    if sp.count_ops(difference) <= INDUCTION_OPERATIONS and prove_by_induction(*done):
        return "proved for every number of terms, by induction"
    if "one_hot_labels" in model.facts and difference.has(c.t):
        if prove_one_hot(done[0], done[1], classes=model.class_size):
            return "proved for every class each label can be hot in, for every number of classes"
    if all(side.has(sp.Sum) for side in done) and canonical_indices(merged(summands_multiplied_out(done[0]))) == \
            canonical_indices(merged(summands_multiplied_out(done[1]))):  # tried last: it multiplies out every sum's terms
        return "proved for every size: the same sums once their terms are multiplied out"
    return ""


def products_out(expr: sp.Basic) -> sp.Basic:
    """``expr`` with its products multiplied out, each function's argument (log1p, exp) untouched."""
    calls = {call: sp.Dummy() for call in expr.atoms(sp.Function)}  # xreplace takes the outermost call
    return sp.expand_mul(expr.xreplace(calls)).xreplace({dummy: call for call, dummy in calls.items()})


def summands_multiplied_out(expr: sp.Basic) -> sp.Basic:
    """``expr`` with the terms of each sum multiplied out (an identity: a sum of equal terms is equal)."""
    return expr.replace(lambda e: isinstance(e, sp.Sum), lambda e: sp.Sum(products_out(e.function), *e.limits))


def index_ranges(expr: sp.Basic, model: Domain) -> dict[sp.Symbol, tuple[sp.Basic, sp.Basic]]:
    """The range of each free index of ``expr``: from 1 to the length the model gives its array; and
    each size of ``expr`` the model states at least some number above 1, from that number (``N``
    from 2 where the question names ``z_2`` of ``z_1..z_N``)."""
    ranges = {ix: (sp.Integer(1), model.range_of(ix, expr)) for ix in sorted(free_indices(expr), key=sp.default_sort_key)}
    for size, least in model.least_sizes:
        if expr.has(size):
            ranges[size] = (sp.Integer(least), size)
    return ranges


def collapse_deltas(expr: sp.Basic) -> sp.Basic:
    """Carry out the sums that hold a Kronecker delta (SymPy picks out the one term)."""
    if not expr.has(sp.KroneckerDelta):
        return expr
    return expr.replace(lambda e: isinstance(e, sp.Sum) and e.function.has(sp.KroneckerDelta),
                        lambda e: e.doit(deep=False))


def inside_ranges(expr: sp.Basic, ranges: Mapping[sp.Symbol, tuple[sp.Basic, sp.Basic]]) -> sp.Basic:
    """Take the branch of each ``Piecewise`` whose condition says only that indices lie inside
    their ranges (as a collapsed sum leaves: ``f_i if 1 <= i <= N``)."""
    def holds(relation: sp.Basic) -> bool:
        if relation is sp.true:
            return True
        if isinstance(relation, sp.And):
            return all(holds(r) for r in relation.args)
        if isinstance(relation, (sp.GreaterThan, sp.LessThan)):
            big, small = (relation.lhs, relation.rhs) if isinstance(relation, sp.GreaterThan) else (relation.rhs, relation.lhs)
            return at_least(big, small, ranges)  # for every index anywhere in its range, at every size
        return False

    def branch(piecewise: sp.Piecewise) -> sp.Basic:
        value, condition = piecewise.args[0]
        return value if holds(condition) else piecewise

    return expr.replace(lambda e: isinstance(e, sp.Piecewise), branch) if expr.has(sp.Piecewise) else expr


def _no_symbolic_length(expr: sp.Basic) -> bool:
    return not any(isinstance(e, BINDERS) and e.free_symbols & set(c.SIZES) for e in sp.preorder_traversal(expr))


def equal_with_sums_as_quantities(a: sp.Basic, b: sp.Basic) -> bool:
    """Whether ``a == b`` as rational functions of their sums, each outermost sum (up to the names
    of its indices) one unknown quantity: then they are equal whatever the sums' values, so for
    every size.  (A normaliser written twice with other index names cancels so.)"""
    named: dict = {}

    def atomised(expr: sp.Basic) -> sp.Basic:
        outermost = [s for s in expr.atoms(sp.Sum) if not any(o != s and o.has(s) for o in expr.atoms(sp.Sum))]
        return expr.xreplace({s: named.setdefault(canonical_indices(s), sp.Dummy()) for s in outermost})
    difference = atomised(a) - atomised(b)
    if difference.has(sp.Sum, sp.Product, sp.Derivative, sp.KroneckerDelta):
        return False
    return sp.cancel(sp.together(difference)) == 0


def proves_zero(difference: sp.Basic, model: Model, sizes: Mapping[sp.Symbol, int]) -> bool:
    difference = plain(difference)
    if difference == 0:
        return True
    if difference.has(sp.Max, sp.Min, sp.Abs):
        return _proves_zero_piecewise(difference, model, sizes)
    return _proves_zero_smooth(difference, model, sizes) or _proves_zero_one_hot(difference, model, sizes)


def _proves_zero_one_hot(difference: sp.Basic, model: Model, sizes: Mapping[sp.Symbol, int]) -> bool:
    """With one-hot labels and concrete sizes there are finitely many labels: prove each case
    (every row of labels hot in each class in turn)."""
    labels = sorted((a for a in difference.atoms(sp.Indexed) if a.base == c.t and all(ix.is_Integer for ix in a.indices)),
                    key=sp.default_sort_key)
    if "one_hot_labels" not in model.facts or not labels or any(len(a.indices) != 2 for a in labels):
        return False
    rows = sorted({a.indices[0] for a in labels})
    classes = model.class_count(sizes, labels)
    if len(rows) > 2 or classes > 4:
        return False
    for hot in itertools.product(range(1, classes + 1), repeat=len(rows)):
        case = {c.t[row, k]: int(k == h) for row, h in zip(rows, hot) for k in range(1, classes + 1)}
        if not _proves_zero_smooth(difference.xreplace(case), model, sizes):
            return False
    return True


def _proves_zero_piecewise(difference: sp.Basic, model: Model, sizes: Mapping[sp.Symbol, int]) -> bool:
    """A maximum over a row of logits is some real number m, and an identity true for every real m
    is true for the maximum: try that first.  Otherwise ``max``, ``min`` and ``|.|`` of single
    variables are settled by cases: each such variable positive, then negative."""
    rows = {e for e in sp.preorder_traversal(difference) if isinstance(e, sp.Max) and sp.S.Zero not in e.args}
    if rows:
        shifted = difference.xreplace({r: sp.Dummy("m", real=True) for r in rows})
        if _proves_zero_smooth(shifted, model, sizes) or _proves_zero_one_hot(shifted, model, sizes):
            return True
    kinks = {e for e in sp.preorder_traversal(difference) if isinstance(e, (sp.Max, sp.Min, sp.Abs))}
    variables = set()
    for kink in kinks:
        arguments = [a for a in kink.args if a != 0]
        if len(arguments) != 1:
            return False
        variable = next((v for v in (arguments[0], -arguments[0]) if isinstance(v, (sp.Indexed, sp.Symbol))), None)
        if variable is None:
            return False
        variables.add(variable)
    if not 0 < len(variables) <= 3:
        return False
    # Each variable positive, then negative: a positive stand-in, so the logs of it expand (and
    # only those: a log of anything else keeps what SymPy knows of its argument's sign).
    ordered = sorted(variables, key=sp.default_sort_key)
    for signs in itertools.product((1, -1), repeat=len(ordered)):
        case = difference.xreplace({v: sign * sp.Dummy("p", positive=True) for v, sign in zip(ordered, signs)})
        if not _proves_zero_smooth(case, model, sizes):
            return False
    return True


def _proves_zero_smooth(difference: sp.Basic, model: Model, sizes: Mapping[sp.Symbol, int]) -> bool:
    if difference == 0:
        return True
    # First without the model's constraints, then with the last class eliminated (sum to one);
    # first putting each over one denominator (cheap), then with simplify.
    # (An identity is still one once the last class is eliminated: cancelling tries only that.)
    # Logs are expanded only where SymPy knows their arguments positive: never forced.
    candidates = [candidate.doit() for candidate in (difference, model.eliminate(difference, sizes))]
    forms = [form for candidate in candidates
             for form in (candidate, sp.expand_log(_complements_as_symbols(candidate, model)))]
    for attempt, tried in ((_cancels, forms[2:]), (_simplifies, forms)):
        for form in tried:
            checkpoint(operations(form), "proof")
            try:
                if attempt(form):
                    return True
            except (TypeError, ValueError, RecursionError, sp.PolynomialError):
                continue
    return False


def _cancels(expr: sp.Basic) -> bool:
    """A rational function of its atoms (exp(z), logs, components) that is zero once put over one
    denominator: far cheaper than ``simplify``, which is tried next."""
    if expr.has(sp.Sum, sp.Product, sp.Max, sp.Min, sp.Abs, sp.Piecewise):
        return False
    split = _exponentials_split(expr)
    if not may_expand(split):
        return False  # past what cancel can multiply out in bounded work (derive.work)
    return sp.cancel(sp.together(sp.expand(split))) == 0


def _simplifies(expr: sp.Basic) -> bool:
    """``simplify`` finds ``expr`` zero, where it is small enough to ask (:mod:`derive.work`)."""
    return may_simplify(expr) and sp.simplify(expr) == 0


def _exponentials_split(expr: sp.Basic) -> sp.Basic:
    """``exp(2a - b)`` as ``exp(a)**2 / exp(b)``, so each exponential is one generator of the
    rational function and ``cancel`` sees ``exp(2a) = exp(a)**2``."""
    def split(e: sp.exp) -> sp.Basic:
        factors = []
        for term in sp.Add.make_args(sp.expand(e.args[0])):
            coefficient, rest = term.as_coeff_Mul()
            if coefficient.is_Integer and rest != 1:
                factors.append(sp.exp(rest) ** coefficient)
            else:
                factors.append(sp.exp(term))
        return sp.Mul(*factors)
    return expr.replace(lambda e: isinstance(e, sp.exp), split) if expr.has(sp.exp) else expr


def _is_prediction(expr: sp.Basic) -> bool:
    return (isinstance(expr, sp.Indexed) and expr.base == c.y) or expr == c.y_scalar


def _is_complement(expr: sp.Basic) -> bool:
    """``1 - y_a - y_b - ...``: positive for predictions inside the simplex."""
    if not isinstance(expr, sp.Add) or sp.S.One not in expr.args:
        return False
    rest = [a for a in expr.args if a != sp.S.One]
    return all(isinstance(a, sp.Mul) and a.args[0] == -1 and len(a.args) == 2 and _is_prediction(a.args[1])
               for a in rest)


def _complements_as_symbols(expr: sp.Basic, model: Model) -> sp.Basic:
    """Inside logarithms, write each ``1 - y`` as a positive symbol, so log rules see what the
    model knows (0 < y < 1), where the model's predictions are probabilities."""
    if not model.labels_and_predictions:
        return expr
    complements = {e for e in sp.preorder_traversal(expr) if _is_complement(e)}
    table = {e: sp.Dummy(f"({e})", positive=True) for e in complements}
    return expr.replace(lambda e: isinstance(e, sp.log), lambda e: e.xreplace(table))

"""Operations of constrained maximisation (the maximum-likelihood estimate of a die): a stationary
point solved for, the multiplier eliminated through the constraint, a total
named, an earlier equation recalled, the second-order condition checked."""
from __future__ import annotations

import sympy as sp

from .. import conventions as c
from ..induction import split_by_index
from ..models import COUNTS
from ..steps import Check, CheckKind, Equation
from .base import Outcome
from .registry import Example, operation

ESTIMATES = {c.y: c.yhat}  # the unknown, and how its estimate is written


@operation("stationary_point", checks=CheckKind.SOLVES, example=Example(
    rule="stationary_point", model=COUNTS,
    before="Derivative(Lagrangian, y[j]) = counts[j]/y[j] - lam", after="yhat[j] = counts[j]/lam"))
def _stationary_point(rule, equation, model, arguments):
    """``∂F/∂u = g(u)`` set to zero and solved for ``u``: the one solution, written as the estimate ``û``."""
    if equation is None or not isinstance(equation.lhs, sp.Derivative) or len(equation.lhs.variables) != 1:
        return None
    (unknown,) = equation.lhs.variables
    if not (isinstance(unknown, sp.Indexed) and unknown.base in ESTIMATES):
        return None
    solutions = sp.solve(equation.rhs, unknown)
    if len(solutions) != 1:
        return None
    estimate = ESTIMATES[unknown.base][unknown.indices]
    return Outcome(Equation(estimate, solutions[0]), Check("solves", variables=(unknown,)))


@operation("eliminate_multiplier", checks=CheckKind.ELIMINATED, example=Example(
    rule="eliminate_multiplier", model=COUNTS,
    before="yhat[j] = counts[j]/lam", after="yhat[j] = counts[j]/Sum(counts[k], (k, 1, K))"))
def _eliminate_multiplier(rule, equation, model, arguments):
    """``û_j = f(λ)``: the estimates must sum to one, ``Σ_j f(λ) = 1``; solved for ``λ`` and put back."""
    if equation is None or not (isinstance(equation.lhs, sp.Indexed) and equation.lhs.base in ESTIMATES.values()):
        return None
    multiplier = c.lam
    if not equation.rhs.has(multiplier):
        return None
    (index,) = equation.lhs.indices
    size = model.class_size
    total = factored_sum(sp.Sum(equation.rhs, (index, 1, size)))
    solutions = sp.solve(total - 1, multiplier)
    if len(solutions) != 1:
        return None
    value = _fresh_indices(solutions[0], index, equation)
    return Outcome(Equation(equation.lhs, equation.rhs.xreplace({multiplier: value})),
                   Check("eliminated", definitions={multiplier: value}))


def _fresh_indices(value: sp.Basic, index: sp.Symbol, equation: Equation) -> sp.Basic:
    """``value`` with a sum over ``index`` (the estimate's own index) renamed to a free one:
    ``n_j / Σ_k n_k``, not ``n_j / Σ_j n_j``."""
    used = equation.lhs.free_symbols | equation.rhs.free_symbols | {index}
    fresh = next(s for s in (c.k,) + c.DUMMY_INDICES if s not in used)
    return value.xreplace({s: s.xreplace({index: fresh}) for s in value.atoms(sp.Sum) if s.limits[0][0] == index})


def factored_sum(total: sp.Sum) -> sp.Basic:
    """``Σ_j c f_j`` as ``c Σ_j f_j``: the factors free of the index taken out, so SymPy can solve
    for a symbol among them."""
    (index, lower, upper), = total.limits
    outside, inside = split_by_index(total.function, index)
    return outside * sp.Sum(inside, (index, lower, upper))


@operation("name_total", checks=CheckKind.NAMED, example=Example(
    rule="name_total", model=COUNTS,
    before="yhat[j] = counts[j]/Sum(counts[m], (m, 1, K))", after="yhat[j] = counts[j]/total"))
def _name_total(rule, equation, model, arguments):
    """A sum of all the counts, whatever its index, written as the number of throws ``n``."""
    if equation is None:
        return None
    size = model.class_size
    sums = [s for s in equation.rhs.atoms(sp.Sum) if len(s.limits) == 1 and s.limits[0][1:] == (1, size)
            and s.function == c.counts[s.limits[0][0]]]
    if not sums:
        return None
    return Outcome(Equation(equation.lhs, equation.rhs.xreplace({sums[0]: c.total})),
                   Check("named", definitions={c.total: sums[0]}))


@operation("recall", checks=CheckKind.RECALLED, example=Example(
    rule="recall_equation", model=COUNTS, before="Derivative(Lagrangian, y[j], y[m]) = 0",
    arguments={"equation": "Derivative(Lagrangian, y[j]) = counts[j]/y[j] - lam"},
    after="Derivative(Lagrangian, y[j]) = counts[j]/y[j] - lam"))
def _recall(rule, equation, model, arguments):
    """An equation this derivation reached before, taken up again (``arguments["equation"]``)."""
    earlier = arguments.get("equation")
    if earlier is None:
        return None
    return Outcome(earlier, Check("recalled"))


@operation("second_order", checks=CheckKind.NEGATIVE_DEFINITE, example=Example(
    rule="concave_log_likelihood", model=COUNTS,
    before="Derivative(Lagrangian, y[j], y[m]) = -KroneckerDelta(j, m)*counts[j]/y[j]**2",
    after="Derivative(Lagrangian, y[j], y[m]) = -KroneckerDelta(j, m)*counts[j]/y[j]**2"))
def _second_order(rule, equation, model, arguments):
    """The second derivatives are ``δ_jm g_j`` with every ``g_j < 0``: the Hessian is diagonal with
    negative entries, negative definite; the equation stays, the step is the claim."""
    if equation is None or not (isinstance(equation.lhs, sp.Derivative) and len(equation.lhs.variables) == 2):
        return None
    return Outcome(equation, Check("negative_definite", variables=tuple(equation.lhs.variables)))


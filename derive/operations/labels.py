"""Integer class labels as the stable forms use them: a one-hot label written as the indicator of
its row's class, ``t_ik = δ(k, ℓ_i)`` with ``ℓ_i`` in 1..K (the kernels take ``ℓ`` itself), and a
sum over the classes of a term carrying that indicator collapsed to the term at the row's class,
``Σ_k δ(k, ℓ_i) X_k = X_{ℓ_i}``.  Both are steps the checker proves: the first by the model's
declared one-hot labels (``def-one-hot``), the second by its Kronecker-delta collapse, ``ℓ_i``
lying in 1..K by the class array's declaration.  A term whose indicator is not a factor of it
(``(1 − δ(k, ℓ_i)) e^{z_ik − m}``, the classes other than the label) stays summed: multiplied out
it would be a difference that cancels where the label's probability is near 1."""
from __future__ import annotations

import sympy as sp

from .. import conventions as c
from ..functions import xlogy
from ..steps import Check, CheckKind, Equation
from .base import Outcome, rewrite_rhs
from .registry import Example, operation


def _applies(rule, model) -> bool:
    """A categorical model's one-hot labels (not a user's arrays that happen to be named t)."""
    return model.categorical and set(rule.requires) <= model.facts


@operation("write_labels_as_classes", checks=CheckKind.EQUAL, example=Example(
    rule="one_hot_as_class_index", before="E = -Sum(t[i, k]*z[i, k], (k, 1, K), (i, 1, N))/N",
    after="E = -Sum(KroneckerDelta(k, ell[i])*z[i, k], (k, 1, K), (i, 1, N))/N"))
def _write_labels_as_classes(rule, equation, model, arguments):
    """Every one-hot label ``t_ik`` of a sample's class ``k`` written as ``δ(k, ℓ_i)``: 1 at the
    sample's class ``ℓ_i``, 0 elsewhere (what a one-hot row is)."""
    if not _applies(rule, model):
        return None
    table = {a: sp.KroneckerDelta(a.indices[-1], c.ell[a.indices[:-1]])
             for a in equation.rhs.atoms(sp.Indexed) if a.base == c.t and len(a.indices) == 2}
    if not table:
        return None
    return Outcome(Equation(equation.lhs, equation.rhs.xreplace(table)), Check("equal"))


@operation("collapse_at_class", checks=CheckKind.LOCAL, example=Example(
    rule="sum_at_class", before="E = -Sum(KroneckerDelta(k, ell[i])*z[i, k], (k, 1, K), (i, 1, N))/N",
    after="E = -Sum(z[i, ell[i]], (i, 1, N))/N"))
def _collapse_at_class(rule, equation, model, arguments):
    """``Σ_{k=1}^{K} (δ(k, ℓ_i) X_k + Y_k) = X_{ℓ_i} + Σ_{k=1}^{K} Y_k``: each term with the
    indicator of the row's class as a factor taken at that class, the others left summed."""
    if not _applies(rule, model):
        return None

    def accept(sub):
        if not isinstance(sub, sp.Sum) or sub.limits[0][1:] != (1, model.class_size):
            return None
        (variable, _, _), outer = sub.limits[0], sub.limits[1:]
        taken, kept = [], []
        for term in sp.Add.make_args(sub.function):
            at = _at_class(term, variable)
            (kept if at is None else taken).append(term if at is None else at)
        if not taken:
            return None
        inner = sp.Add(*taken) + (sp.Sum(sp.Add(*kept), sub.limits[0]) if kept else sp.S.Zero)
        return sp.Sum(inner, *outer) if outer else inner
    return rewrite_rhs(equation, accept)


def _at_class(term: sp.Basic, variable: sp.Symbol) -> sp.Basic | None:
    """``X_{ℓ}`` for a term ``δ(variable, ℓ) X_variable`` (ℓ a sample's class), else ``None``;
    ``xlogy(δ, Y)`` of a positive ``Y`` is ``δ log Y`` (0 log Y = 0 where Y > 0)."""
    factors = sp.Mul.make_args(term)
    if len(factors) == 1 and isinstance(term, xlogy) and isinstance(term.args[0], sp.KroneckerDelta) and term.args[1].is_positive:
        factors = (term.args[0], sp.log(term.args[1]))
    for number, factor in enumerate(factors):
        if not isinstance(factor, sp.KroneckerDelta) or variable not in factor.args:
            continue
        klass = factor.args[1] if factor.args[0] == variable else factor.args[0]
        if isinstance(klass, sp.Indexed) and klass.base == c.ell and not klass.has(variable):
            return sp.Mul(*(factors[:number] + factors[number + 1:])).xreplace({variable: klass})
    return None


@operation("other_classes_as_difference", checks=CheckKind.LOCAL, example=Example(
    rule="sum_over_other_classes", before="E = Sum(log(Sum((1 - KroneckerDelta(k, ell[i]))*exp(z[i, k]), (k, 1, K))), (i, 1, N))/N",
    after="E = Sum(log(Sum(exp(z[i, k]), (k, 1, K)) - exp(z[i, ell[i]])), (i, 1, N))/N"))
def _other_classes_as_difference(rule, equation, model, arguments):
    """``Σ_{k=1}^{K} (1 − δ(k, ℓ_i)) X_k = Σ_{k=1}^{K} X_k − X_{ℓ_i}``: the sum over the classes other
    than the sample's as the sum over every class less the sample's own term.  No phase of the
    stable forms applies it (the difference cancels where the sample's term is most of the sum):
    it gives the alternative form that ``--stable`` shows and that the kernels may compute instead,
    row by row at run time, where the sample's term is at most half the sum (an evaluation choice
    between two verified, equal forms, as common subexpressions are: :func:`derive.kernels.codegen._complement`)."""
    if not _applies(rule, model):
        return None

    def accept(sub):
        if not isinstance(sub, sp.Sum) or len(sub.limits) != 1 or sub.limits[0][1:] != (1, model.class_size):
            return None
        variable, factors = sub.limits[0][0], sp.Mul.make_args(sub.function)
        for number, factor in enumerate(factors):
            klass = _other_than(factor, variable)
            if klass is not None:
                rest = sp.Mul(*(factors[:number] + factors[number + 1:]))
                return sp.Sum(rest, sub.limits[0]) - rest.xreplace({variable: klass})
        return None
    return rewrite_rhs(equation, accept)


def _other_than(factor: sp.Basic, variable: sp.Symbol) -> sp.Basic | None:
    """``ℓ`` for a factor ``1 − δ(variable, ℓ)`` (ℓ a sample's class), else ``None``."""
    if not (isinstance(factor, sp.Add) and len(factor.args) == 2 and sp.S.One in factor.args):
        return None
    delta = sp.S.One - factor
    if not (isinstance(delta, sp.KroneckerDelta) and variable in delta.args):
        return None
    klass = delta.args[1] if delta.args[0] == variable else delta.args[0]
    return klass if isinstance(klass, sp.Indexed) and klass.base == c.ell and not klass.has(variable) else None

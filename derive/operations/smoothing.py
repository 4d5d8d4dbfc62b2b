"""Smoothed labels as the stable forms use them: each ``q_ik`` written by its definition,
``q_ik = (1 − ε) t_ik + ε/K`` (PyTorch's ``label_smoothing``; the likelihood with smoothed labels
states it, and the checker's model declares it: ``def-label-smoothing``), then each sum over the
classes that the definition put a sum of terms into multiplied out, so that the label ``t_ik`` is
a factor of the terms it weighs (``(1 − ε) t_ik w_k z_ik``, which the ``class_index`` phase takes at
the sample's class) and the others are free of it (``ε w_k z_ik / K``).  Products only: a
function's argument stays as derived (``e^{z − m}`` one exponential, not e^z e^{−m}, which
overflows; ``log1p(Σ_j (1 − t_ij) e^{z_j − m})`` unexpanded, since ``Σ_j e^{z_j − m} − e^{z_ℓ − m}``
cancels when the label's probability is near 1)."""
from __future__ import annotations

import sympy as sp

from .. import conventions as c
from ..steps import Check, CheckKind, Equation
from ..symbolic_proofs import products_out
from .base import Outcome
from .registry import Example, operation


@operation("write_smoothed_labels", checks=CheckKind.EQUAL, example=Example(
    rule="smoothed_labels_definition", before="E = -Sum(q[i, k]*z[i, k], (k, 1, K), (i, 1, N))/N",
    after="E = -Sum(((1 - epsilon)*t[i, k] + epsilon/K)*z[i, k], (k, 1, K), (i, 1, N))/N"))
def _write_smoothed_labels(rule, equation, model, arguments):
    """Every smoothed label ``q_ik`` written as ``(1 − ε) t_ik + ε/K`` (a categorical model's: a
    user's array or symbol named q or epsilon is their own)."""
    if not (model.categorical and equation.rhs.has(c.q)):
        return None
    return Outcome(Equation(equation.lhs, c.smoothed_labels(equation.rhs)), Check("equal"))


@operation("multiply_out_smoothing", checks=CheckKind.EQUAL, example=Example(
    rule="smoothing_multiplied_out", before="E = -Sum(((1 - epsilon)*t[i, k] + epsilon/K)*z[i, k], (k, 1, K), (i, 1, N))/N",
    after="E = -Sum(t[i, k]*z[i, k] - epsilon*t[i, k]*z[i, k] + epsilon*z[i, k]/K, (k, 1, K), (i, 1, N))/N"))
def _multiply_out_smoothing(rule, equation, model, arguments):
    """Each sum whose terms hold the smoothing's ε and a label with its products multiplied out (a
    categorical model's: a user's loss with an ε of their own keeps its stable form as it was)."""
    if not model.categorical:
        return None

    def multiplied(total: sp.Sum) -> sp.Basic:
        return sp.Sum(products_out(total.function), *total.limits)
    after = equation.rhs.replace(lambda e: isinstance(e, sp.Sum) and e.function.has(c.epsilon) and e.function.has(c.t), multiplied)
    return None if after == equation.rhs else Outcome(Equation(equation.lhs, after), Check("equal"))


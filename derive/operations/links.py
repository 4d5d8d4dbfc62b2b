"""Link functions: write predictions through the logits (softmax, sigmoid), recognise the softmax
again inside a result, and differentiate a softmax output by a logit."""
from __future__ import annotations

import sympy as sp

from .. import conventions as c
from ..functions import softmax
from ..link_functions import fresh_index, is_linear_layer_of, link_table, linear_layer_of
from ..models import Link, categorical
from ..steps import Check, CheckKind, Equation
from ..symbolic_proofs import canonical_indices
from ..textbook_form import is_sum_of_exponentials, is_term_of
from .base import Outcome, rewrite_rhs
from .registry import Example, operation

_SOFTMAX = categorical().with_link("softmax")  # the examples' model: y is the softmax of the logits z


@operation("substitute_link", checks=CheckKind.INSTANCE, example=Example(
    rule="softmax_definition", model=_SOFTMAX, before="E = -Sum(t[i, k]*log(y[i, k]), (k, 1, K), (i, 1, N))/N",
    after="E = -Sum(t[i, k]*log(exp(z[i, k])/Sum(exp(z[i, h]), (h, 1, K))), (k, 1, K), (i, 1, N))/N"))
def _substitute_link(rule, equation, model, arguments):
    """Each prediction written through the model's link (the rule's ``link`` parameter) of its
    logits: ``y_ik = e^{z_ik}/Σ_h e^{z_ih}`` or ``y_i = σ(z_i)``; an instance of the old line."""
    link = rule.parameter("link")
    if model.link != link:  # y is the model's prediction through its own link only
        return None
    table = link_table(equation.rhs, link, model.classes or c.K)
    if not table:
        return None
    return Outcome(Equation(equation.lhs, equation.rhs.xreplace(table)), Check("instance", mapping=table))


def _softmax_parts(expr: sp.Basic):
    """``(numerator, denominator factor, y component)`` for each e^{z_ik} / sum_l e^{z_il} in a product."""
    factors = sp.Mul.make_args(expr)
    for numerator in factors:
        if not (isinstance(numerator, sp.exp) and isinstance(numerator.args[0], sp.Indexed)
                and numerator.args[0].base == c.z):
            continue
        component = numerator.args[0]
        for denominator in factors:
            if isinstance(denominator, sp.Pow) and denominator.exp == -1 and isinstance(denominator.base, sp.Sum):
                total = denominator.base
                index, lower, upper = total.limits[0]
                if lower == 1 and total.function == sp.exp(c.z[component.indices[:-1] + (index,)]):
                    return numerator, denominator, c.y[component.indices], upper
    return None


@operation("recognise_link", checks=CheckKind.SPECIALISES, example=Example(
    rule="recognise_softmax", model=_SOFTMAX, before="E = exp(z[i, k])/Sum(exp(z[i, l]), (l, 1, K)) - t[i, k]",
    after="E = y[i, k] - t[i, k]"))
def _recognise_link(rule, equation, model, arguments):
    """Write each e^{z_ik} / sum_l e^{z_il} in a product back as y_ik; a product over the n-th power
    of that sum with n such exponentials gives n components (e^{z_k} e^{z_m} / S^2 = y_k y_m)."""
    folded: dict[sp.Basic, sp.Basic] = {}

    def accept(sub):
        if not isinstance(sub, sp.Mul):
            return None
        parts = _softmax_parts(sub)
        if parts is not None:
            numerator, denominator, component, classes = parts
            folded[component] = numerator.func(*numerator.args) * denominator
            rest = [f for f in sp.Mul.make_args(sub) if f is not numerator and f is not denominator]
            return sp.Mul(component, *rest)
        return _softmax_power_parts(sub, folded)

    outcome = rewrite_rhs(equation, accept)
    if outcome is None:
        return None
    return Outcome(outcome.equation, Check("specialises", mapping=folded), outcome.location)


def _softmax_power_parts(expr: sp.Mul, folded: dict) -> sp.Basic | None:
    factors = sp.Mul.make_args(expr)
    for power in factors:
        if not (isinstance(power, sp.Pow) and power.exp.is_Integer and power.exp < -1
                and isinstance(power.base, sp.Sum) and power.base.limits[0][1] == 1):
            continue
        total = power.base
        index = total.limits[0][0]
        numerators = [f for f in factors if isinstance(f, sp.exp) and isinstance(f.args[0], sp.Indexed)
                      and f.args[0].base == c.z and total.function == sp.exp(c.z[f.args[0].indices[:-1] + (index,)])]
        if len(numerators) < -power.exp:
            continue
        used = numerators[:-power.exp]
        components = [c.y[f.args[0].indices] for f in used]
        for f, component in zip(used, components):
            folded[component] = f * total**-1
        rest = [f for f in factors if f is not power and not any(f is u for u in used)]
        return sp.Mul(*components, *rest)
    return None


@operation("substitute_linear_layer", checks=CheckKind.INSTANCE, example=Example(
    rule="linear_layer_definition", model=_SOFTMAX.with_linear_model(),
    before="E = -Sum(t[i, k]*z[i, k], (k, 1, K), (i, 1, N))/N",
    after="E = -Sum(t[i, k]*Sum(x[i, h]*W[h, k], (h, 1, D)), (k, 1, K), (i, 1, N))/N"))
def _substitute_linear_layer(rule, equation, model, arguments):
    """Write each logit z_ik as ∑_f x_if W_fk (the model's layer Z = XW)."""
    if not model.linear:
        return None
    logits = sorted((a for a in equation.rhs.atoms(sp.Indexed) if a.base == c.z), key=str)
    if not logits:
        return None
    index = fresh_index(equation.rhs + sum(arguments.get("avoid", ())))
    table = {logit: linear_layer_of(logit, index) for logit in logits}
    return Outcome(Equation(equation.lhs, equation.rhs.xreplace(table)), Check("instance", mapping=table))


@operation("recognise_linear_layer", checks=CheckKind.SPECIALISES, example=Example(
    rule="recognise_linear_layer", model=_SOFTMAX.with_linear_model(),
    before="Derivative(E, W[d, k]) = Sum(exp(Sum(x[i, g]*W[g, k], (g, 1, D)))*x[i, d], (i, 1, N))",
    after="Derivative(E, W[d, k]) = Sum(exp(z[i, k])*x[i, d], (i, 1, N))"))
def _recognise_linear_layer(rule, equation, model, arguments):
    """Write each ∑_f x_if W_fk back as the logit z_ik."""
    if not model.linear:
        return None
    table = {}
    for total in equation.rhs.atoms(sp.Sum):
        if len(total.limits) != 1 or not isinstance(total.function, sp.Mul):
            continue
        inputs = [f for f in total.function.args if isinstance(f, sp.Indexed) and f.base == c.x and len(f.indices) == 2]
        weights = [f for f in total.function.args if isinstance(f, sp.Indexed) and f.base == c.W and len(f.indices) == 2]
        if len(inputs) == len(weights) == 1:
            logit = c.z[inputs[0].indices[0], weights[0].indices[1]]
            if is_linear_layer_of(total, logit):
                table[total] = logit
    if not table:
        return None
    return Outcome(Equation(equation.lhs, equation.rhs.xreplace(table)),
                   Check("specialises", mapping={logit: total for total, logit in table.items()}))


@operation("recognise_softmax_function", checks=CheckKind.LOCAL, example=Example(
    rule="recognise_softmax_function", before="E = exp(z[j])*t[j]/Sum(exp(z[m]), (m, 1, K))",
    after="E = softmax(z[j], Sum(exp(z[m]), (m, 1, K)))*t[j]"))
def _recognise_softmax_function(rule, equation, model, arguments):
    """Write e^{a_j} / Σ_m e^{a_m} as softmax(a)_j where the model does not name it y: wherever it
    occurs (inside a log, a power, a product), whatever the logits (z_j/T, z_j − m t_j, s_j): the
    numerator's exponent is one term of the sum's, so the quotient is a component of that softmax."""
    if model.link == Link.SOFTMAX:
        return None

    # one softmax, one sum: a row's normaliser written again with another index is the one already named
    named = {canonical_indices(f.args[1]): f.args[1] for f in equation.rhs.atoms(softmax)}

    def accept(sub):
        if not isinstance(sub, sp.Mul):
            return None
        factors = sp.Mul.make_args(sub)
        for denominator in factors:
            total = _sum_of_exponentials(denominator)
            if total is None:
                continue
            for numerator in factors:
                if isinstance(numerator, sp.exp) and is_term_of(numerator.args[0], total):
                    rest = [f for f in factors if f is not numerator and f is not denominator]
                    return sp.Mul(softmax(numerator.args[0], named.get(canonical_indices(total), total)), *rest)
        return None

    return rewrite_rhs(equation, accept)


def _sum_of_exponentials(factor: sp.Basic) -> sp.Sum | None:
    """``Σ_m e^{a_m}`` where ``factor`` is its reciprocal."""
    if isinstance(factor, sp.Pow) and factor.exp == -1 and is_sum_of_exponentials(factor.base):
        return factor.base
    return None


def _softmax_outputs_by_logits(rule, equation, model, jacobian):
    """Each ``∂y[...]/∂z[...]`` (one logit) in ``equation``'s right-hand side by ``jacobian(output,
    variable)``, which may decline (None); nothing unless the model's link is the rule's."""
    if model.link != rule.parameter("link"):
        return None

    def accept(sub):
        if not isinstance(sub, sp.Derivative) or len(sub.variables) != 1:
            return None
        (variable,) = sub.variables
        output = sub.expr
        if not (isinstance(output, sp.Indexed) and output.base == c.y
                and isinstance(variable, sp.Indexed) and variable.base == c.z):
            return None
        return jacobian(output, variable)

    return rewrite_rhs(equation, accept)


@operation("derivative_of_link", checks=CheckKind.LOCAL, example=Example(
    rule="softmax_derivative", model=_SOFTMAX, before="E = Derivative(y[k], z[m])",
    after="E = y[k]*(KroneckerDelta(k, m) - y[m])"))
def _derivative_of_link(rule, equation, model, arguments):
    """``∂y_k/∂z_m = y_k (δ_km − y_m)``: a softmax output by one of its logits (in the same row)."""
    def same_row(output, variable):
        if output.indices[:-1] != variable.indices[:-1]:
            return None
        k, m = output.indices[-1], variable.indices[-1]
        return output * (sp.KroneckerDelta(k, m) - c.y[variable.indices])

    return _softmax_outputs_by_logits(rule, equation, model, same_row)


@operation("derivative_of_link_in_any_row", checks=CheckKind.LOCAL, example=Example(
    rule="softmax_derivative_in_any_row", model=_SOFTMAX, before="E = Derivative(y[m, k], z[i, j])",
    after="E = KroneckerDelta(m, i)*y[m, k]*(KroneckerDelta(k, j) - y[m, j])"))
def _derivative_of_link_in_any_row(rule, equation, model, arguments):
    """``∂y_mk/∂z_ij = δ_mi y_mk (δ_kj − y_mj)``: a softmax output by a logit of a row that may be
    another (a sum over the samples differentiated by one sample's logit); only its own row moves it."""
    def any_row(output, variable):
        if not (len(output.indices) == len(variable.indices) == 2 and output.indices[0] != variable.indices[0]):
            return None
        (row, k), (other_row, m) = output.indices, variable.indices
        return sp.KroneckerDelta(row, other_row) * output * (sp.KroneckerDelta(k, m) - c.y[row, m])

    return _softmax_outputs_by_logits(rule, equation, model, any_row)



@operation("differentiate_softmax_function", checks=CheckKind.LOCAL, example=Example(
    rule="softmax_function_derivative", before="E = Derivative(softmax(z[k] - t[k], Sum(exp(z[m] - t[m]), (m, 1, K))), z[j])",
    after="E = softmax(z[k] - t[k], Sum(exp(z[m] - t[m]), (m, 1, K)))*(Derivative(z[k] - t[k], z[j])"
          " - Sum(softmax(z[h] - t[h], Sum(exp(z[m] - t[m]), (m, 1, K)))*Derivative(z[h] - t[h], z[j]), (h, 1, K)))"))
def _differentiate_softmax_function(rule, equation, model, arguments):
    """``∂/∂x softmax(a)_k = softmax(a)_k (∂a_k/∂x − Σ_m softmax(a)_m ∂a_m/∂x)``: the quotient rule
    on e^{a_k}/Σ_m e^{a_m} with each e^{a_m}/Σ e^{a} named again, so the result speaks of the
    softmax, as a textbook's Jacobian softmax_k (δ_jk − softmax_j) does, never of exp over a sum."""
    def accept(sub):
        if not isinstance(sub, sp.Derivative) or len(sub.variables) != 1 or not isinstance(sub.expr, softmax):
            return None
        (variable,) = sub.variables
        argument, total = sub.expr.args
        if not (isinstance(total, sp.Sum) and len(total.limits) == 1 and isinstance(total.function, sp.exp)):
            return None
        index, _, _ = total.limits[0]
        if variable.has(index):  # x = z_m: the sum's index must first be renamed
            return None
        # the outer sum's own index: Σ_m e^{a_m} stays bound in each softmax, untouched by a δ_jn
        outer = fresh_index(sp.Tuple(equation.lhs, equation.rhs))
        term = total.function.args[0].xreplace({index: outer})
        return sub.expr * (sp.Derivative(argument, variable)
                           - sp.Sum(softmax(term, total) * sp.Derivative(term, variable), (outer, *total.limits[0][1:])))

    return rewrite_rhs(equation, accept)

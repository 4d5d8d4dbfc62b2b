"""Operations on whole equations and on sums: take logs, define the loss, substitute, expand."""
from __future__ import annotations

import sympy as sp

from .. import conventions as c
from .. import vector_forms as vf
from ..catalogue import Rule
from ..conditions import holds
from ..errors import DeriveError
from ..rewriting import match_equation, replace_at, rewrite_once, subexpressions
from ..steps import Check, Equation
from .base import Outcome

def _rewrite(rule, equation, model, arguments):
    if not set(rule.requires) <= model.facts or automatic(rule):
        return None
    done = rewrite_once(rule, equation.rhs, model)
    if done is None:
        return None
    rhs, path = done
    return Outcome(Equation(equation.lhs, rhs), Check("rewrite"), path)


def automatic(rule: Rule) -> bool:
    """SymPy already applies this identity whenever it builds an expression (``exp(log x) -> x``)."""
    return rule.pattern("lhs") == rule.pattern("rhs") or isinstance(rule.pattern("lhs"), sp.Wild)


def _transform_equation(rule, equation, model, arguments):
    binding = match_equation(rule.patterns("from"), equation.lhs, equation.rhs, rule.wilds)
    if binding is None:
        return None
    if not all(holds(cond, binding, model) for cond in rule.conditions):
        return None
    new_lhs, new_rhs = rule.patterns("to", binding)
    return Outcome(Equation(new_lhs, new_rhs), Check("implied", definitions=rule.table("defines")))


def _premise(rule, equation, model, arguments):
    lhs, rhs = rule.patterns("to")
    sizes = {s: sp.Integer(arguments[str(s)]) for s in c.SIZES if str(s) in arguments}
    return Outcome(Equation(lhs, rhs.xreplace(sizes)), Check("premise", name=str(rule.data["check"])))


def _substitute(rule, equation, model, arguments):
    if not set(rule.requires) <= model.facts:
        return None
    table = rule.table("replace")
    if not any(equation.rhs.has(old) for old in table):
        return None
    rhs = equation.rhs.xreplace(table)
    if rule.kind == "equality":
        return Outcome(Equation(equation.lhs, rhs), Check("equal"))
    inverse = {new: old for old, new in table.items()}
    return Outcome(Equation(equation.lhs, rhs), Check("specialises", mapping=inverse))


def _generalise_limit(rule, equation, model, arguments):
    index = sp.Symbol(rule.parameter("index"), integer=True)
    size = c.NAMES[rule.parameter("size")]
    for path, sub in subexpressions(equation.rhs):
        if isinstance(sub, (sp.Sum, sp.Product)):
            variable, lower, upper = sub.limits[0]
            if variable == index and upper.is_Integer:
                general = sub.func(sub.function, (variable, lower, size))
                rhs = replace_at(equation.rhs, path, general)
                return Outcome(Equation(equation.lhs, rhs), Check("specialises", mapping={size: upper}), path)
    return None


def _over_samples(rule, equation, model, arguments):
    scalars = {scalar: base for base, scalar in c.SCALARS.items()}
    present = [s for s in equation.rhs.free_symbols if s in scalars]
    if not present:
        return None
    index = c.NAMES[rule.parameter("index")]
    size = c.NAMES[rule.parameter("size")]
    binding = match_equation(rule.patterns("from"), equation.lhs, equation.rhs, rule.wilds)
    if binding is None:
        return None
    binding["R"] = binding["R"].xreplace({s: scalars[s][index] for s in present})
    new_lhs, new_rhs = rule.patterns("to", binding)
    back = {size: sp.Integer(1)}
    back.update({scalars[s][1]: s for s in present})
    return Outcome(Equation(new_lhs, new_rhs), Check("specialises", mapping=back))


def _substitute_values(rule, equation, model, arguments):
    values = dict(arguments["values"])
    if not any(equation.rhs.has(old) for old in values):
        return None
    with sp.evaluate(False):
        rhs = equation.rhs.xreplace(values)
    return Outcome(Equation(equation.lhs, rhs), Check("instance", mapping=values))


def _evaluate_arithmetic(rule, equation, model, arguments):
    rhs = _evaluated(equation.rhs)
    if rhs == equation.rhs:
        return None
    return Outcome(Equation(equation.lhs, rhs), Check("equal"))


def _evaluated(expr: sp.Basic) -> sp.Basic:
    if not expr.args or isinstance(expr, (sp.Indexed, sp.MatrixSymbol)):
        return expr
    return expr.func(*(_evaluated(a) for a in expr.args))


def _evaluate_numerically(rule, equation, model, arguments):
    if equation.rhs.free_symbols or equation.rhs.is_Float:
        return None
    return Outcome(Equation(equation.lhs, sp.Float(equation.rhs.evalf(15), 15)), Check("equal"))


def _expand_finite_sum(rule, equation, model, arguments):
    for path, sub in subexpressions(equation.rhs):
        if isinstance(sub, sp.Sum) and all(bound.is_Integer for _, *bounds in sub.limits for bound in bounds):
            return Outcome(Equation(equation.lhs, replace_at(equation.rhs, path, sub.doit())),
                           Check("equal"), path)
    return None


def _as_dot_product(rule, equation, model, arguments):
    index = sp.Symbol(rule.parameter("index"), integer=True)
    for path, sub in subexpressions(equation.rhs):
        if not isinstance(sub, sp.Sum) or sub.limits[0][0] != index or sub.limits[0][1] != 1:
            continue
        size = sub.limits[0][2]
        label, rest = _split_label(sub.function, index)
        if label is None or not isinstance(rest, sp.log) or not _is_component(rest.args[0], c.y, index):
            continue
        dot = vf.row_vector(label.base, size) * vf.elementwise(sp.log, vf.row_vector(c.y, size)).T
        return Outcome(Equation(equation.lhs, replace_at(equation.rhs, path, dot)), Check("equal"), path)
    return None


def _split_label(term: sp.Basic, index: sp.Symbol):
    if not isinstance(term, sp.Mul):
        return None, None
    for factor in term.args:
        if _is_component(factor, c.t, index):
            return factor, term / factor
    return None, None


def _is_component(expr: sp.Basic, base: sp.IndexedBase, index: sp.Symbol) -> bool:
    return isinstance(expr, sp.Indexed) and expr.base == base and expr.indices == (index,)


def _stack_samples(rule, equation, model, arguments):
    size = c.NAMES[rule.parameter("size")]
    for path, sub in subexpressions(equation.rhs):
        if isinstance(sub, sp.MatMul) and sub.shape == (1, 1) and sub.atoms(sp.MatrixSymbol):
            rows = {m: vf.stacked(_base_of(m), size, m.shape[1]) for m in sub.atoms(sp.MatrixSymbol)}
            coefficient, matrices = sub.as_coeff_matrices()
            stacked_form = coefficient * sp.Trace(sp.MatMul(*matrices).xreplace(rows)) / size
            back = {stack: row for row, stack in rows.items()}
            back[size] = sp.Integer(1)
            rhs = replace_at(equation.rhs, path, stacked_form)
            return Outcome(Equation(equation.lhs, rhs), Check("specialises", mapping=back), path)
    return None


def _base_of(matrix: sp.MatrixSymbol) -> sp.IndexedBase:
    for base in c.SCALARS:
        if vf.row_vector(base).name == matrix.name:
            return base
    raise DeriveError(f"no labels or predictions named {matrix.name}")


def _derived_result(rule, equation, model, arguments):
    derivation = arguments["derivation"]
    return Outcome(derivation.result, Check("derived", name=derivation.name, inherited=derivation.weakest_check,
                                            derivation=derivation))


TABLE = {
    "derived_result": _derived_result,
    "rewrite": _rewrite,
    "transform_equation": _transform_equation,
    "premise": _premise,
    "substitute": _substitute,
    "generalise_limit": _generalise_limit,
    "over_samples": _over_samples,
    "substitute_values": _substitute_values,
    "evaluate_arithmetic": _evaluate_arithmetic,
    "evaluate_numerically": _evaluate_numerically,
    "expand_finite_sum": _expand_finite_sum,
    "as_dot_product": _as_dot_product,
    "stack_samples": _stack_samples,
}

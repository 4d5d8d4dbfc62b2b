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
from .base import Outcome, rewrite_rhs

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
    sizes = model.written_sizes  # a model of K classes writes its K
    definitions = {old.xreplace(sizes): new.xreplace(sizes) for old, new in rule.table("defines").items()}
    return Outcome(Equation(new_lhs.xreplace(sizes), new_rhs.xreplace(sizes)), Check("implied", definitions=definitions))


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


def substitute_values(rule, equation, model, arguments):
    values = dict(arguments["values"])
    if not any(equation.rhs.has(old) for old in values):
        return None
    if arguments.get("evaluated"):  # a size given a number: the sums and powers at it, as SymPy writes them
        rhs = equation.rhs.xreplace(values)
    else:  # numbers put in as they are, so the next step can show the arithmetic
        with sp.evaluate(False):
            rhs = equation.rhs.xreplace(values)
    # a size given a number names the left side at it too (the average after t = 3 steps is v̂₃)
    return Outcome(Equation(equation.lhs.xreplace(values), rhs), Check("instance", mapping=values))


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


def _shift_log_sum_exp(rule, equation, model, arguments):
    """``log Σ_j e^{a_j} = m + log Σ_j e^{a_j - m}`` with ``m = max_j a_j`` (over an index of its own),
    wherever a log of a sum of exponentials of real exponents is not shifted yet: the log-sum-exp
    shift of any array, scaled or not (``z_k/T``, ``s_j/τ``).  Verified as the part it replaces."""
    from ..functions import Maximum

    used = equation.rhs.atoms(sp.Symbol)

    def accept(sub):
        if not (isinstance(sub, sp.log) and isinstance(sub.args[0], sp.Sum)):
            return None
        total = sub.args[0]
        if len(total.limits) != 1 or not isinstance(total.function, sp.exp) or total.has(Maximum):
            return None
        (j, lower, upper), = total.limits
        exponent = total.function.args[0]
        if not exponent.has(j) or not model.is_real(exponent):
            return None
        fresh = next((s for s in c.DUMMY_INDICES if s not in used), None)
        if fresh is None:
            return None
        largest = Maximum(exponent.xreplace({j: fresh}), (fresh, lower, upper))
        return largest + sp.log(sp.Sum(sp.exp(exponent - largest), (j, lower, upper)))
    return rewrite_rhs(equation, accept)


def _shift_softmax(rule, equation, model, arguments):
    """``e^{a_j} / Σ_k e^{a_k} = e^{a_j - m} / Σ_k e^{a_k - m}`` with ``m = max_l a_l``, wherever a
    product holds an exponential over a sum of exponentials of the same exponent at another index
    (a softmax of any array, scaled or not).  Verified as the part it replaces."""
    from ..functions import Maximum

    used = equation.rhs.atoms(sp.Symbol)

    def accept(sub):
        if not isinstance(sub, sp.Mul) or sub.has(Maximum):
            return None
        for power in sub.args:
            if not (isinstance(power, sp.Pow) and power.exp == -1 and isinstance(power.base, sp.Sum)
                    and len(power.base.limits) == 1 and isinstance(power.base.function, sp.exp)):
                continue
            total = power.base
            (k, lower, upper), = total.limits
            exponent = total.function.args[0]
            for numerator in sub.args:
                if not isinstance(numerator, sp.exp):
                    continue
                at = {ix for a in numerator.atoms(sp.Indexed) for ix in a.indices}
                if not any(exponent.xreplace({k: ix}) == numerator.args[0] for ix in at) or not model.is_real(exponent):
                    continue
                fresh = next((s for s in c.DUMMY_INDICES if s not in used), None)
                if fresh is None:
                    return None
                largest = Maximum(exponent.xreplace({k: fresh}), (fresh, lower, upper))
                rest = [f for f in sub.args if f is not numerator and f is not power]
                return sp.Mul(*rest, sp.exp(numerator.args[0] - largest),
                              sp.Pow(sp.Sum(sp.exp(exponent - largest), (k, lower, upper)), -1))
        return None
    return rewrite_rhs(equation, accept)


TABLE = {
    "shift_softmax": _shift_softmax,
    "shift_log_sum_exp": _shift_log_sum_exp,
    "derived_result": _derived_result,
    "rewrite": _rewrite,
    "transform_equation": _transform_equation,
    "premise": _premise,
    "substitute": _substitute,
    "generalise_limit": _generalise_limit,
    "over_samples": _over_samples,
    "substitute_values": substitute_values,
    "evaluate_arithmetic": _evaluate_arithmetic,
    "evaluate_numerically": _evaluate_numerically,
    "expand_finite_sum": _expand_finite_sum,
    "as_dot_product": _as_dot_product,
    "stack_samples": _stack_samples,
}

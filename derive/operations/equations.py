"""Operations on whole equations and on sums: take logs, define the loss, substitute, expand."""
from __future__ import annotations

import sympy as sp

from .. import conventions as c
from .. import vector_forms as vf
from ..catalogue import Rule
from ..conditions import holds
from ..errors import DeriveError
from ..expression_paths import replace_at, subexpressions
from ..functions import Maximum
from ..models import BERNOULLI, categorical
from ..rewriting import match_equation, rewrite_once
from ..steps import Check, CheckKind, Equation
from .base import Outcome, rewrite_rhs
from .registry import Derived, Example, operation

_DOT_PRODUCT = -vf.row_vector(c.t) * vf.elementwise(sp.log, vf.row_vector(c.y)).T  # −t · log(y)ᵀ, the examples' row form


@operation("rewrite", checks=CheckKind.REWRITE, example=Example(
    rule="log_of_finite_product", before="log(L) = log(Product(y[k]**t[k], (k, 1, K)))",
    after="log(L) = Sum(log(y[k]**t[k]), (k, 1, K))"))
def _rewrite(rule, equation, model, arguments):
    """The rule's identity ``lhs → rhs`` applied once, at the first part of the right side it
    matches where its conditions hold (an identity SymPy applies itself is never used)."""
    if not set(rule.requires) <= model.facts or isinstance(rule.pattern("lhs"), sp.Wild):
        return None
    # asked only where the rule matched: whether SymPy applies it itself reads the right side, a
    # pattern built (about 0.3 ms, cold) for each rule tried, and a rule that no part matches is none
    done = rewrite_once(rule, equation.rhs, model)
    if done is None or automatic(rule):
        return None
    rhs, path = done
    return Outcome(Equation(equation.lhs, rhs), Check("rewrite"), path)


def automatic(rule: Rule) -> bool:
    """SymPy already applies this identity whenever it builds an expression (``exp(log x) -> x``)."""
    return rule.pattern("lhs") == rule.pattern("rhs") or isinstance(rule.pattern("lhs"), sp.Wild)


@operation("transform_equation", checks=CheckKind.IMPLIED, example=Example(
    rule="take_logarithm", before="L = Product(y[k]**t[k], (k, 1, K))",
    after="log(L) = log(Product(y[k]**t[k], (k, 1, K)))"))
def _transform_equation(rule, equation, model, arguments):
    """The whole equation, matching the rule's ``from`` pair ``A = B``, written as its ``to`` pair
    (``log A = log B``; ``E = −B`` with ``E`` defined by the rule's ``defines`` table): implied by it."""
    binding = match_equation(rule.patterns("from"), equation.lhs, equation.rhs, rule.wilds)
    if binding is None:
        return None
    if not all(holds(cond, binding, model) for cond in rule.conditions):
        return None
    new_lhs, new_rhs = rule.patterns("to", binding)
    sizes = model.written_sizes  # a model of K classes writes its K
    definitions = {old.xreplace(sizes): new.xreplace(sizes) for old, new in rule.table("defines").items()}
    return Outcome(Equation(new_lhs.xreplace(sizes), new_rhs.xreplace(sizes)), Check("implied", definitions=definitions))


@operation("premise", checks=CheckKind.PREMISE, example=Example(
    rule="categorical_likelihood", before=None, after="L = Product(y[k]**t[k], (k, 1, K))"))
def _premise(rule, equation, model, arguments):
    """The model's statement the rule's ``to`` pair gives (a likelihood), at the sizes the strategy
    names: where a derivation starts, checked as the model's own premise."""
    lhs, rhs = rule.patterns("to")
    sizes = {s: sp.Integer(arguments[str(s)]) for s in c.SIZES if str(s) in arguments}
    return Outcome(Equation(lhs, rhs.xreplace(sizes)), Check("premise", name=str(rule.data["check"])))


@operation("substitute", checks=(CheckKind.EQUAL, CheckKind.SPECIALISES), example=Example(
    rule="two_class_substitution", model=categorical(2), check=CheckKind.EQUAL,
    before="BCE = -t[1]*log(y[1]) - t[2]*log(y[2])", after="BCE = -t[1]*log(y[1]) - (1 - t[1])*log(1 - y[1])"))
def _substitute(rule, equation, model, arguments):
    """Each part the rule's ``replace`` table names written as its value: equal where the rule is an
    equality (``y_2 = 1 − y_1`` in two classes), else a renaming the old line specialises."""
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


@operation("generalise_limit", checks=CheckKind.SPECIALISES, example=Example(
    rule="generalise_class_count", before="log(L) = Sum(t[k]*log(y[k]), (k, 1, 6))",
    after="log(L) = Sum(t[k]*log(y[k]), (k, 1, K))"))
def _generalise_limit(rule, equation, model, arguments):
    """A sum or product over the rule's index up to a number, written up to the size it names
    (``Σ_{k=1}^{6}`` as ``Σ_{k=1}^{K}``): the old line is the new one at that number."""
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


@operation("over_samples", checks=CheckKind.SPECIALISES, example=Example(
    rule="mean_over_samples", model=BERNOULLI, before="BCE = -t*log(y) - (1 - t)*log(1 - y)",
    after="BCE = -Sum(t[i]*log(y[i]) + (1 - t[i])*log(1 - y[i]), (i, 1, N))/N"))
def _over_samples(rule, equation, model, arguments):
    """A loss of one sample (scalar ``t``, ``y``) written as the mean over ``N`` samples, each
    scalar the rule's index's component: the old line is the new one at ``N = 1``."""
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


@operation("substitute_values", checks=CheckKind.INSTANCE, example=Example(
    rule="substitute_values", model=categorical(2), before="BCE = -t[1]*log(y[1]) - t[2]*log(y[2])",
    arguments={"values": {"t[1]": "1", "t[2]": "0"}},
    after=Equation(c.BCE, sp.Add(sp.Mul(-1, 1, sp.log(c.y[1]), evaluate=False),
                                 sp.Mul(-1, 0, sp.log(c.y[2]), evaluate=False), evaluate=False))))
def substitute_values(rule, equation, model, arguments):
    """Numbers (``arguments["values"]``) put in for the parts they name, on both sides, as they are
    (unless ``evaluated``), so the next step can show the arithmetic: an instance of the old line."""
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


@operation("evaluate_arithmetic", checks=CheckKind.EQUAL, example=Example(
    rule="arithmetic_identities", model=categorical(2), before="BCE = -(1*log(51/100) + 0*log(49/100))",
    before_as_written=True, after="BCE = -log(51/100)"))
def _evaluate_arithmetic(rule, equation, model, arguments):
    """The arithmetic left written out done (``1·a + 0·b = a``), every part evaluated as SymPy
    builds it: equal."""
    rhs = _evaluated(equation.rhs)
    if rhs == equation.rhs:
        return None
    return Outcome(Equation(equation.lhs, rhs), Check("equal"))


def _evaluated(expr: sp.Basic) -> sp.Basic:
    if not expr.args or isinstance(expr, (sp.Indexed, sp.MatrixSymbol)):
        return expr
    return expr.func(*(_evaluated(a) for a in expr.args))


@operation("evaluate_numerically", checks=CheckKind.EQUAL, example=Example(
    rule="numeric_value", before="BCE = -log(51/100)", after=Equation(c.BCE, sp.Float("0.6733445532637656", 15))))
def _evaluate_numerically(rule, equation, model, arguments):
    """A right side free of symbols written as a number of 15 significant digits: equal (to them)."""
    if equation.rhs.free_symbols or equation.rhs.is_Float:
        return None
    return Outcome(Equation(equation.lhs, sp.Float(equation.rhs.evalf(15), 15)), Check("equal"))


@operation("expand_finite_sum", checks=CheckKind.EQUAL, example=Example(
    rule="expand_finite_sum", before="E = -Sum(t[k]*log(y[k]), (k, 1, 3))",
    after="E = -t[1]*log(y[1]) - t[2]*log(y[2]) - t[3]*log(y[3])"))
def _expand_finite_sum(rule, equation, model, arguments):
    """The first sum with numbers for bounds written term by term: equal."""
    for path, sub in subexpressions(equation.rhs):
        if isinstance(sub, sp.Sum) and all(bound.is_Integer for _, *bounds in sub.limits for bound in bounds):
            return Outcome(Equation(equation.lhs, replace_at(equation.rhs, path, sub.doit())),
                           Check("equal"), path)
    return None


@operation("as_dot_product", checks=CheckKind.EQUAL, example=Example(
    rule="sum_as_dot_product", before="E = -Sum(t[k]*log(y[k]), (k, 1, K))", after=Equation(c.E, _DOT_PRODUCT)))
def _as_dot_product(rule, equation, model, arguments):
    """``Σ_{k=1}^{K} t_k log y_k`` over the rule's index written as the row vectors' product
    ``t · log(y)ᵀ`` (the log taken element by element): equal."""
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


@operation("stack_samples", checks=CheckKind.SPECIALISES, example=Example(
    rule="stack_samples_as_rows", before=Equation(c.E, _DOT_PRODUCT),
    after=Equation(c.E, -sp.Trace(vf.stacked(c.t) * vf.elementwise(sp.log, vf.stacked(c.y)).T) / c.N)))
def _stack_samples(rule, equation, model, arguments):
    """A ``1 × 1`` product of one sample's row vectors written over ``N`` samples stacked as rows:
    ``t · log(y)ᵀ`` as ``tr(T log(Y)ᵀ)/N``; the old line is the new one at ``N = 1``."""
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


@operation("derived_result", checks=CheckKind.DERIVED, example=Example(
    rule="result_of_derivation", before=None, arguments={"derivation": Derived("ce-one-sample")},
    after="E = -Sum(t[k]*log(y[k]), (k, 1, K))"))
def _derived_result(rule, equation, model, arguments):
    """The result of an earlier derivation (``arguments["derivation"]``) taken as the line,
    vouched for by that derivation's own checks."""
    derivation = arguments["derivation"]
    return Outcome(derivation.result, Check("derived", name=derivation.name, inherited=derivation.weakest_check,
                                            derivation=derivation))


@operation("shift_log_sum_exp", checks=CheckKind.LOCAL, example=Example(
    rule="log_sum_exp_shift_any", model=categorical().with_link("softmax"),
    before="E = log(Sum(exp(2*z[k]), (k, 1, K)))",
    after="E = Maximum(2*z[j], (j, 1, K)) + log(Sum(exp(2*z[k] - Maximum(2*z[j], (j, 1, K))), (k, 1, K)))"))
def _shift_log_sum_exp(rule, equation, model, arguments):
    """``log Σ_j e^{a_j} = m + log Σ_j e^{a_j - m}`` with ``m = max_j a_j`` (over an index of its own),
    wherever a log of a sum of exponentials of real exponents is not shifted yet: the log-sum-exp
    shift of any array, scaled or not (``z_k/T``, ``s_j/τ``).  Verified as the part it replaces."""
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


@operation("shift_softmax", checks=CheckKind.LOCAL, example=Example(
    rule="softmax_shift_any", model=categorical().with_link("softmax"),
    before="E = exp(2*z[j])/Sum(exp(2*z[k]), (k, 1, K))",
    after="E = exp(2*z[j] - Maximum(2*z[m], (m, 1, K)))/Sum(exp(2*z[k] - Maximum(2*z[m], (m, 1, K))), (k, 1, K))"))
def _shift_softmax(rule, equation, model, arguments):
    """``e^{a_j} / Σ_k e^{a_k} = e^{a_j - m} / Σ_k e^{a_k - m}`` with ``m = max_l a_l``, wherever a
    product holds an exponential over a sum of exponentials of the same exponent at another index
    (a softmax of any array, scaled or not).  Verified as the part it replaces."""
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


"""Differentiation operations: both sides, renaming dummy indices, the chain rule, components,
Kronecker deltas collapsing sums, and tidying the algebra at the end."""
from __future__ import annotations

import sympy as sp

from .. import conventions as c
from ..catalogue import Rule, get_ruleset
from ..conditions import holds
from ..errors import LimitExceeded
from ..expression_paths import enclosing_limits
from ..models import ANY_VALUES
from ..ranges import at_least, clamped
from ..steps import Check, CheckKind, Equation
from ..symbolic_proofs import canonical_indices, index_ranges
from ..work import MAX_PRODUCT_RULE_FACTORS, may_differentiate, written_out_factors
from .base import Outcome, rewrite_rhs
from .registry import Example, operation

DERIVATIVES_OF_FUNCTIONS = "derivatives_of_functions"  # the ruleset the chain rule differentiates outer functions by

_x, _h, _u = sp.symbols("x h u", positive=True)  # the variable, its step and a new step of the limit examples
_LOG_QUOTIENT = sp.Limit(sp.log(_h / _x + 1) / _h, _h, 0)  # (log(x + h) − log x)/h as h → 0, the fraction split


def derivative_rules() -> dict[type, Rule]:
    """Each function of one variable with its derivative rule, ``d/dx f(x) = f'(x)``, read from
    the catalogue's ``derivatives_of_functions`` ruleset: the chain rule covers every one of them."""
    table = {}
    for rule in get_ruleset(DERIVATIVES_OF_FUNCTIONS):
        pattern = rule.pattern("lhs") if "lhs" in rule.data else None
        if not isinstance(pattern, sp.Derivative) or len(pattern.variables) != 1:
            continue
        (variable,) = pattern.variables
        if isinstance(variable, sp.Wild) and len(pattern.expr.args) == 1 and pattern.expr.args[0] == variable:
            table[type(pattern.expr)] = rule
    return table


@operation("differentiate_both_sides", checks=CheckKind.DIFFERENTIATED, example=Example(
    rule="differentiate_both_sides", before="E = -Sum(t[j, m]*log(y[j, m]), (m, 1, K), (j, 1, N))/N",
    arguments={"wrt": "y[i, k]"},
    after="Derivative(E, y[i, k]) = Derivative(-Sum(t[j, m]*log(y[j, m]), (m, 1, K), (j, 1, N))/N, y[i, k])"))
def _differentiate_both_sides(rule, equation, model, arguments):
    """``A = B`` written as ``d/dv A = d/dv B`` for the variable ``arguments["wrt"]``, both sides
    left to differentiate."""
    wrt = arguments["wrt"]
    new = Equation(sp.Derivative(equation.lhs, wrt), sp.Derivative(equation.rhs, wrt))
    return Outcome(new, Check("differentiated", variables=(wrt,)))


@operation("rename_summation_index", checks=CheckKind.LOCAL, example=Example(
    rule="rename_summation_index", before="E = -Sum(t[i, k]*log(y[i, k]), (k, 1, K), (i, 1, N))/N",
    arguments={"avoid": ("i", "k")}, after="E = -Sum(t[j, k]*log(y[j, k]), (k, 1, K), (j, 1, N))/N"))
def _rename_summation_index(rule, equation, model, arguments):
    """The first sum or product whose index is one of ``arguments["avoid"]`` (an index about to be
    differentiated by) summed over an index free in the line instead: the same sum."""
    avoid = set(arguments.get("avoid", ()))
    used = {s for s in equation.rhs.atoms(sp.Symbol)} | avoid
    fresh = [s for s in c.DUMMY_INDICES if s not in used]
    # a sum written twice (a softmax's normaliser) is renamed as it was the first time: one sum, one name
    renamed = {canonical_indices(total): total for total in equation.rhs.atoms(sp.Sum, sp.Product)
               if not any(variable in avoid for variable, _, _ in total.limits)}

    def accept(sub):
        if isinstance(sub, (sp.Sum, sp.Product)) and fresh:  # one limit or several (a double sum)
            for variable, _, _ in sub.limits:
                if variable in avoid:
                    return renamed.get(canonical_indices(sub), sub.xreplace({variable: fresh[0]}))
        return None

    return rewrite_rhs(equation, accept)


@operation("chain_rule", checks=CheckKind.LOCAL, example=Example(
    rule="chain_rule", before="E = Derivative(log(1 - y[k]), y[k])",
    after="E = Derivative(1 - y[k], y[k])/(1 - y[k])"))
def _chain_rule(rule, equation, model, arguments):
    """``d/dv f(g(v)) = f'(g(v)) · d/dv g(v)`` for each ``f`` of one variable the catalogue's
    ``derivatives_of_functions`` ruleset differentiates, where its conditions hold at ``g(v)``."""
    known = derivative_rules()

    def accept(sub):
        if not isinstance(sub, sp.Derivative) or len(sub.variables) != 1:
            return None
        (variable,) = sub.variables
        outer = sub.expr
        elementary = known.get(type(outer))
        if elementary is None or len(outer.args) != 1:
            return None
        inner = outer.args[0]
        if inner == variable or not model.depends_on(inner, variable):
            return None
        (name,) = (v.name for v in elementary.pattern("lhs").variables)
        if not all(holds(condition, {name: inner}, model) for condition in elementary.conditions):
            return None  # f'(inner) only where the outer rule's conditions hold at the inner function
        u = sp.Dummy("u")
        derivative_at_inner = elementary.pattern("rhs", {**elementary.wilds, name: u}).xreplace({u: inner})
        return derivative_at_inner * sp.Derivative(inner, variable)

    return rewrite_rhs(equation, accept)


@operation("derivative_of_component", checks=CheckKind.LOCAL, example=Example(
    rule="derivative_of_component", before="E = Derivative(y[j, m], y[i, k])",
    after="E = KroneckerDelta(i, j)*KroneckerDelta(k, m)"))
def _derivative_of_component(rule, equation, model, arguments):
    """``∂y_jm/∂y_ik = δ_ij δ_km``: a component of an array by another component of it, one
    Kronecker delta per index."""
    def accept(sub):
        if not isinstance(sub, sp.Derivative) or len(sub.variables) != 1:
            return None
        (variable,) = sub.variables
        component = sub.expr
        if not (isinstance(component, sp.Indexed) and isinstance(variable, sp.Indexed)):
            return None
        if component.base != variable.base or component == variable or len(component.indices) != len(variable.indices):
            return None
        return sp.Mul(*(sp.KroneckerDelta(a, b) for a, b in zip(variable.indices, component.indices)))

    return rewrite_rhs(equation, accept)


@operation("collapse_kronecker_delta", checks=CheckKind.LOCAL, example=Example(
    rule="kronecker_delta_collapses_sum",
    before="Derivative(E, y[i, k]) = Sum(KroneckerDelta(i, j)*t[j, k]/y[j, k], (j, 1, N))",
    after="Derivative(E, y[i, k]) = t[i, k]/y[i, k]"))
def _collapse_kronecker_delta(rule, equation, model, arguments):
    """``∑_{j=a}^{b} δ_{ij} f_j = f_i``, where i lies between a and b whatever the sizes (and 0
    where it lies outside them whatever the sizes): an index free in the line anywhere in its
    array's length (the model's), one bound around the sum anywhere in its range.
    ``∑_{k=2}^{K} δ_{jk} f_k`` is left alone: at j = 1 it is 0, and f_j elsewhere."""
    return _collapsed(equation, model, terms_without_delta=False)


@operation("collapse_kronecker_delta_terms", checks=CheckKind.LOCAL, example=Example(
    rule="kronecker_delta_collapses_its_terms",
    before="Derivative(E, z[j]) = Sum(t[k]*(KroneckerDelta(j, k) - y[j]), (k, 1, K))",
    after="Derivative(E, z[j]) = t[j] - y[j]*Sum(t[k], (k, 1, K))"))
def _collapse_kronecker_delta_terms(rule, equation, model, arguments):
    """``∑_{k} (δ_{jk} f_k + g_k) = f_j + ∑_{k} g_k``: the terms with the delta collapse as above,
    the others stay summed, what they share outside the sum (``∑_k f_k (δ_jk − s_j) = f_j −
    s_j ∑_k f_k``, the Jacobian of a softmax summed against anything)."""
    return _collapsed(equation, model, terms_without_delta=True)


def _collapsed(equation: Equation, model, terms_without_delta: bool):
    free = index_ranges(sp.Tuple(equation.lhs, equation.rhs), model)

    def collapse(term: sp.Basic, variable: sp.Symbol, where) -> sp.Basic | None:
        factors = sp.Mul.make_args(term)
        for factor in factors:
            if isinstance(factor, sp.KroneckerDelta) and variable in factor.args:
                other = factor.args[0] if factor.args[1] == variable else factor.args[1]
                if other.has(variable):
                    continue
                if where(other) == "inside":
                    return sp.Mul(*(f for f in factors if f is not factor)).xreplace({variable: other})
                if where(other) == "outside":  # no term of the range has variable = other
                    return sp.S.Zero
        return None

    def accept(path, sub):
        if not isinstance(sub, sp.Sum) or len(sub.limits) != 1:
            return None
        if terms_without_delta and any(isinstance(inner, sp.Sum) and inner.function.has(sp.KroneckerDelta)
                                       for inner in sub.function.atoms(sp.Sum)):
            return None  # a sum of deltas inside first: Σ_k f_k Σ_h δ_hj s_h is Σ_k f_k s_j before Σ_k is opened
        variable, lower, upper = sub.limits[0]
        known = {**free, **enclosing_limits(equation.rhs, path)}

        def where(other: sp.Basic) -> str:
            """``inside`` the range whatever the sizes, ``outside`` it whatever the sizes, or neither."""
            sized = all(s.is_integer and s.is_positive for s in other.free_symbols)  # a number, or sizes (K)
            low, high = known.get(other, (other, other) if sized else (None, None))
            if low is None:
                return ""
            if at_least(low, lower, known) and at_least(upper, high, known):
                return "inside"
            if at_least(lower - 1, high, known) or at_least(low, upper + 1, known):
                return "outside"
            return ""
        # f_j may be a sum of terms that each carry the delta: sum_j delta_ij (a_j + b_j) = a_i + b_i
        terms = sp.Add.make_args(sub.function)
        collapsed = [collapse(term, variable, where) for term in terms]
        if any(term is None for term in collapsed) and sub.function.has(sp.KroneckerDelta):
            # a delta inside a factor, f_k (δ_jk − s_j): that factor multiplied out, and no more (a
            # power (1 − s)^(γ − 1) is left whole); else everything multiplied out, (δ a + δ b) c
            openings = (_deltas_multiplied_out, lambda f, _: sp.expand(f)) if terms_without_delta else (lambda f, _: sp.expand(f),)
            for opening in openings:
                terms = sp.Add.make_args(opening(sub.function, variable))
                collapsed = [collapse(term, variable, where) for term in terms]
                if any(term is not None for term in collapsed):
                    break
        if all(term is None for term in collapsed) or (not terms_without_delta and None in collapsed):
            return None
        # the terms without a delta stay summed, what they share outside: Σ_k f_k (δ_jk − s_j) = f_j − s_j Σ_k f_k
        kept = [term for term, done in zip(terms, collapsed) if done is None]
        return sp.Add(*(term for term in collapsed if term is not None)) + _summed(sp.Add(*kept), sub.limits)

    return rewrite_rhs(equation, accept, with_path=True)


def _summed(function: sp.Basic, limits) -> sp.Basic:
    """``Σ function`` over ``limits``, the factors of its terms that do not depend on the index outside."""
    if function == 0:
        return sp.S.Zero
    shared = sp.factor_terms(function)
    outside = [f for f in sp.Mul.make_args(shared) if not f.has(limits[0][0])]
    inside = [f for f in sp.Mul.make_args(shared) if f.has(limits[0][0])]
    return sp.Mul(*outside) * sp.Sum(sp.Mul(*inside), *limits)


def _deltas_multiplied_out(expr: sp.Basic, variable: sp.Symbol) -> sp.Basic:
    """Each product with a factor that is a sum holding a Kronecker delta in ``variable``,
    multiplied out over that factor's terms (again, where a term holds another such factor)."""
    terms = []
    for term in sp.Add.make_args(expr):
        factors = sp.Mul.make_args(term)
        opened = next((f for f in factors if isinstance(f, sp.Add) and any(
            isinstance(a, sp.KroneckerDelta) and variable in a.args for a in f.atoms(sp.KroneckerDelta))), None)
        if opened is None:
            terms.append(term)
            continue
        rest = sp.Mul(*(f for f in factors if f is not opened))
        terms.extend(sp.Add.make_args(_deltas_multiplied_out(sp.Add(*(rest * a for a in opened.args)), variable)))
    return sp.Add(*terms)


@operation("simplify_algebra", checks=CheckKind.EQUAL, example=Example(
    rule="algebraic_simplification", before="E = -(t*(1 - sigmoid(z)) - (1 - t)*sigmoid(z))/N",
    after="E = (sigmoid(z) - t)/N"))
def _simplify_algebra(rule, equation, model, arguments):
    """The right side, free of derivatives (and of sums unless ``arguments["with_sums"]``), written
    as the shortest of its expanded, factored and collected forms, where that is shorter: equal."""
    rhs = equation.rhs
    if rhs.has(sp.Derivative) or (rhs.has(sp.Sum, sp.Product) and not arguments.get("with_sums")):
        return None
    candidates = [sp.factor_terms(sp.expand(rhs)), _complements_in_denominator(sp.factor(rhs)), sp.factor_terms(rhs)]
    if rhs.has(sp.Sum):  # each sum taken as one symbol: cancel across terms without opening the sums
        # sums equal but for the names of their indices (a normaliser written twice) are one symbol
        named: dict = {}
        sums = {total: named.setdefault(canonical_indices(total), sp.Dummy())
                for total in sorted(rhs.atoms(sp.Sum), key=sp.default_sort_key)}
        back = {}
        for total, symbol in sums.items():
            back.setdefault(symbol, total)
        atomised = rhs.xreplace(sums)
        numerator, denominator = sp.fraction(sp.together(atomised))
        collected = sp.collect(sp.expand(numerator), list(back)) / denominator  # the terms of each sum together
        candidates += [_complements_in_denominator(sp.factor(atomised)).xreplace(back),
                       sp.factor_terms(sp.cancel(atomised)).xreplace(back), collected.xreplace(back)]
    candidates += [_minus_taken_inside(candidate) for candidate in candidates]
    measure = _written_size if arguments.get("with_sums") else _size
    sizes: dict[sp.Basic, tuple[int, ...]] = {}  # each form measured once: the candidates repeat one another

    def size(expr: sp.Basic) -> tuple[int, ...]:
        if expr not in sizes:
            sizes[expr] = measure(expr)
        return sizes[expr]
    simpler = min(candidates, key=size)
    if simpler == rhs or size(simpler) >= size(rhs):
        return None
    return Outcome(Equation(equation.lhs, simpler), Check("equal"))


def _size(expr: sp.Basic) -> tuple[int, int]:
    """Fewer operations first; of as many, the shorter to write ((y − t)/√d over (2y − 2t)/(2√d))."""
    return sp.count_ops(expr), len(str(expr))


def _written_size(expr: sp.Basic) -> tuple[int, int, int]:
    """With sums: fewer operations as a textbook writes them first, each quantity used twice named
    once (a normaliser S in S² and t_j S; :mod:`derive.named_quantities`), then as ``_size``."""
    from ..named_quantities import operation_count  # engine beside engine: named_quantities reads textbook_form

    return (operation_count(expr), *_size(expr))


def _minus_taken_inside(expr: sp.Basic) -> sp.Basic:
    """``−(a − b)/d`` as ``(b − a)/d``: the minus sign of a product taken into its one sum, as a person
    writes the quotient rule's numerator, ``(A D′ − A′ D)/D²``, with no sign before it."""
    coefficient, rest = expr.as_coeff_Mul()
    sums = [factor for factor in sp.Mul.make_args(rest) if isinstance(factor, sp.Add)]
    if coefficient != -1 or len(sums) != 1:
        return expr
    return sp.Mul(*(sp.Add(*(-term for term in factor.args)) if factor is sums[0] else factor
                    for factor in sp.Mul.make_args(rest)))


def _complements_in_denominator(expr: sp.Basic) -> sp.Basic:
    """Write ``(t - y)/(y - 1)`` as ``(y - t)/(1 - y)``: probabilities appear as ``1 - y``."""
    numerator, denominator = sp.fraction(expr)
    factors = []
    for factor in sp.Mul.make_args(denominator):
        if isinstance(factor, sp.Add) and sp.S.NegativeOne in factor.args:
            factor, numerator = -factor, -numerator
        factors.append(factor)
    return sp.Mul(numerator, sp.Pow(sp.Mul(*factors), -1))


@operation("merge_sums", checks=CheckKind.LOCAL, example=Example(
    rule="sums_over_one_range_merged", before="E = Sum((1 - y[i])*t[i], (i, 1, N)) + Sum(t[i]*y[i], (i, 1, N))",
    after="E = Sum(t[i], (i, 1, N))"))
def _merge_sums(rule, equation, model, arguments):
    """``c Σᵢ f + c Σᵢ g`` as ``c Σᵢ (f + g)``, the terms added out, where that is shorter."""
    def accept(sub):
        if not isinstance(sub, sp.Add):
            return None
        terms = list(sub.args)
        for first in range(len(terms)):
            for second in range(first + 1, len(terms)):
                merged_terms = _merged(terms[first], terms[second])
                if merged_terms is not None:
                    rest = [t for n, t in enumerate(terms) if n not in (first, second)]
                    new = sp.Add(*rest, merged_terms)
                    if sp.count_ops(new) < sp.count_ops(sub):
                        return new
        return None

    return rewrite_rhs(equation, accept)


def _merged(a: sp.Basic, b: sp.Basic) -> sp.Basic | None:
    (ca, sa), (cb, sb) = (_coefficient_and_sum(t) for t in (a, b))
    if sa is None or sb is None or ca != cb or sa.limits != sb.limits:
        return None
    return ca * sp.Sum(sp.factor_terms(sp.expand(sa.function + sb.function)), *sa.limits)


def _coefficient_and_sum(term: sp.Basic):
    sums = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.Sum)]
    if len(sums) != 1:
        return None, None
    coefficient = sp.Mul(*(f for f in sp.Mul.make_args(term) if f is not sums[0]))
    return (coefficient, sums[0]) if not coefficient.has(sp.Sum) else (None, None)


@operation("sympy_derivative", checks=CheckKind.LOCAL, example=Example(
    rule="computed_by_sympy", before="E = Derivative(y[k]**3, y[k])", after="E = 3*y[k]**2"))
def _sympy_derivative(rule, equation, model, arguments):
    """The fallback where no catalogue rule applies: SymPy carries out one derivative (of a product
    written out past MAX_PRODUCT_RULE_FACTORS factors: refused, as the checker writes each term out), leaving the
    sums in it as sums (SymPy's closed form of a sum reads a range that runs backwards its own way:
    where one is needed, each range that may is clamped first, derive.ranges)."""
    def accept(sub):
        if not isinstance(sub, sp.Derivative):
            return None
        if not may_differentiate(sub):  # the product rule written out on each factor: refused by its length
            raise LimitExceeded(f"a derivative of a product of more than {MAX_PRODUCT_RULE_FACTORS} factors "
                                "written out: write its length as a size such as N")
        done = sub.doit(deep=False)
        if done.has(sp.Derivative):
            done = clamped(sub).doit()
        return None if done.has(sp.Derivative) else done

    return rewrite_rhs(equation, accept)


@operation("derivative_as_limit", checks=CheckKind.HOLDS, example=Example(
    rule="derivative_as_limit", model=ANY_VALUES, before=None,
    arguments={"function": sp.log(_x), "variable": _x, "step": _h},
    after=Equation(sp.Derivative(sp.log(_x), _x), sp.Limit((sp.log(_x + _h) - sp.log(_x)) / _h, _h, 0))))
def _derivative_as_limit(rule, equation, model, arguments):
    """The definition of the derivative: ``d/dx f(x) = lim_{h→0} (f(x + h) − f(x))/h`` for the
    ``function``, ``variable`` and ``step`` the arguments name; it holds."""
    function, variable, step = arguments["function"], arguments["variable"], arguments["step"]
    quotient = (function.xreplace({variable: variable + step}) - function) / step
    return Outcome(Equation(sp.Derivative(function, variable), sp.Limit(quotient, step, 0)), Check("holds"))


@operation("state_definition", checks=CheckKind.HOLDS, example=Example(
    rule="sigmoid_as_exp", before=None, arguments={"at": "z[k]"}, after="sigmoid(z[k]) = 1/(1 + exp(-z[k]))"))
def _state_definition(rule, equation, model, arguments):
    """A function's definition as an equation at ``arguments["at"]`` (``σ(x) = 1/(1 + e^{-x})``):
    where a lemma starts.  Its two sides must agree (checked like any equation that holds)."""
    (wild,) = rule.wild_names
    at = arguments["at"]
    scope = {name: w for name, w in rule.wilds.items()}
    scope[wild] = at
    sizes = model.written_sizes  # a model of K classes writes its K
    return Outcome(Equation(rule.pattern("lhs", scope).xreplace(sizes), rule.pattern("rhs", scope).xreplace(sizes)),
                   Check("holds"))


@operation("change_of_limit_variable", checks=CheckKind.LOCAL, example=Example(
    rule="change_of_limit_variable", model=ANY_VALUES, before=Equation(sp.Derivative(sp.log(_x), _x), _LOG_QUOTIENT),
    arguments={"old": _h, "scale": _x, "new": _u},
    after=Equation(sp.Derivative(sp.log(_x), _x), sp.Limit(sp.log(_u + 1) / (_u * _x), _u, 0))))
def _change_of_limit_variable(rule, equation, model, arguments):
    """``lim_{h→0} f(h)`` written as ``lim_{u→0} f(s·u)`` with ``h = s·u`` for a positive scale ``s``
    (``arguments["old"]``, ``["scale"]``, ``["new"]``): the same limit."""
    old, scale, new = arguments["old"], arguments["scale"], arguments["new"]

    def accept(sub):
        if isinstance(sub, sp.Limit) and sub.args[1] == old and sub.args[2] == 0 and scale.is_positive:
            return sp.Limit(sub.args[0].xreplace({old: scale * new}), new, 0)
        return None

    return rewrite_rhs(equation, accept)


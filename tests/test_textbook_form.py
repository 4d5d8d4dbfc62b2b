"""Issue 32, item 6: gradients through a softmax of any logits end as a textbook writes them.

The detectors of what a textbook would not leave (derive.textbook_form) are tested on expressions
built by hand, each with a case that has it and one that does not; the derived results of the
corpus's softmax losses are then held to them, and to the rules that produced them being verified
steps.  (Every loss of the corpus is held to them in tests/test_loss_corpus.py.)"""
import pytest
import sympy as sp

import derive
from derive import user_losses
from derive.functions import softmax
from derive.textbook_form import shortfalls, uncollapsed_deltas, unfactored_powers, unmerged_powers, unnamed_softmaxes

j, k, m, n, K = sp.symbols("j k m n K", integer=True, positive=True)
z, t, f = sp.IndexedBase("z", real=True), sp.IndexedBase("t", real=True), sp.IndexedBase("f", real=True)
S = sp.Sum(sp.exp(z[m]), (m, 1, K))


def test_a_delta_summed_over_its_index_is_found_and_one_collapsed_is_not():
    assert uncollapsed_deltas(sp.Sum(sp.KroneckerDelta(j, k) * f[k], (k, 1, K)))
    assert uncollapsed_deltas(2 * sp.Sum(f[k] * (sp.KroneckerDelta(j, k) - f[j]), (k, 1, K)))
    assert not uncollapsed_deltas(f[j] - f[j] * sp.Sum(f[k], (k, 1, K)))
    assert not uncollapsed_deltas(sp.KroneckerDelta(j, 1) + sp.Sum(f[k], (k, 1, K)))  # a delta, but not summed over


def test_an_exponential_over_its_row_sum_is_an_unnamed_softmax_and_a_named_one_is_not():
    assert unnamed_softmaxes(sp.exp(z[k]) / S * t[k])
    assert unnamed_softmaxes(sp.exp(z[j] / 2) / sp.Sum(sp.exp(z[n] / 2), (n, 1, K)))  # a temperature
    assert unnamed_softmaxes(sp.exp(3 * z[j]) / S**3)  # a power of a softmax
    q = sp.Symbol("q", real=True)
    assert unnamed_softmaxes(sp.exp(q * z[j]) * S**-q)  # of any power (main's (1 − softmax_c^q)/q ended so)
    assert not unnamed_softmaxes(softmax(z[k], S) * t[k])
    assert not unnamed_softmaxes(sp.exp(t[k]) / S)  # e^{t_k} is not a term of the sum over e^{z_m}


def test_two_powers_of_one_base_are_found_even_where_the_base_sums_over_another_index():
    gamma = sp.Symbol("gamma", positive=True)
    one = 1 - softmax(z[k], S)
    other = 1 - softmax(z[k], sp.Sum(sp.exp(z[n]), (n, 1, K)))  # the same base, its normaliser summed over n
    assert one != other
    assert unmerged_powers(one ** (2 * gamma) * other ** (-gamma))
    assert unmerged_powers(one * other**gamma)
    assert not unmerged_powers(one ** gamma)
    assert shortfalls(softmax(z[j], S) ** 2) == []


@pytest.fixture(autouse=True)
def _time_to_derive(monkeypatch):
    """What is tested is the form of a result, not how fast it comes on a shared machine."""
    monkeypatch.setattr(user_losses, "TIME_LIMIT", 60.0)


def _gradient(latex: str, wrt: str):
    return derive.gradient(latex, wrt)


def _exponentials_outside_softmax(expr: sp.Basic) -> list:
    inside = {e for s in expr.atoms(softmax) for e in s.atoms(sp.exp)}
    return [e for e in expr.atoms(sp.exp) if e not in inside]


def test_softmax_with_temperature_and_margin_ends_named_and_collapsed():
    """The issue's first case: ∑ᵢ … δᵢⱼ left and the softmax never named; now (∑ₖ tₖ softmax((z − m t)/T)ⱼ − tⱼ)/T."""
    derivation = _gradient(r"-\sum_{k=1}^{K} t_{k} \log \frac{e^{(z_{k} - m t_{k}) / T}}{\sum_{l=1}^{K} e^{(z_{l} - m t_{l}) / T}}", "z_{j}")
    result = derivation.result.rhs
    assert shortfalls(result) == [] and not _exponentials_outside_softmax(result)
    (named,) = result.atoms(softmax)  # one component, softmax((z − m t)/T)_j
    assert named.vector_and_component()[1] == sp.Symbol("j", integer=True)
    assert sp.count_ops(result) <= 1.2 * sp.count_ops(derivation.steps[0].rhs) + 6
    rules = [step.rule for step in derivation.steps]
    assert rules.index("recognise_softmax_function") < rules.index("differentiate_both_sides")  # named first
    assert "softmax_function_derivative" in rules and "computed_by_sympy" not in rules


def test_multi_class_focal_loss_keeps_one_normaliser_and_no_exponential_over_it():
    """The issue's second case: (1 − softmax)^(2γ) (1 − softmax)^(−γ) unmerged, softmax(z)ₖ beside exp(zₗ)/∑ exp."""
    derivation = _gradient(r"-\sum_{k=1}^{K} \alpha_{k} t_{k} (1 - \operatorname{softmax}(z)_{k})^{\gamma} \log \operatorname{softmax}(z)_{k}", "z_{j}")
    result = derivation.result.rhs
    assert shortfalls(result) == [] and not _exponentials_outside_softmax(result)
    assert len({s.args[1] for s in result.atoms(softmax)}) == 1  # one normaliser, written once
    # every step proved, the lowest power of 1 − softmax(z)_k factored out too: the model states 1 − softmax(z)_k > 0,
    # and the checker splits a^(b+1) into a^b a where the model states a positive
    unproved = {step.rule for step in derivation.steps[1:] if step.verification.method != "symbolic"}
    assert not unproved and "lowest_power_factored" in {step.rule for step in derivation.steps}, unproved


def test_brier_score_through_softmax_collapses_its_delta_term_by_term():
    """The issue's third case ended 2 (1/(∑ₘ exp(zₘ))²) ∑ₖ exp(zₖ)(softmax(z)ₖ − tₖ)(δⱼₖ ∑ₘ exp(zₘ) − exp(zⱼ));
    now 2 softmax(z)ⱼ (softmax(z)ⱼ − tⱼ − ∑ₖ softmax(z)ₖ (softmax(z)ₖ − tₖ)): the delta's term collapsed,
    the other left summed with softmax(z)ⱼ outside, in a step proved for every size."""
    derivation = _gradient(r"\sum_{k=1}^{K} (\operatorname{softmax}(z)_{k} - t_{k})^{2}", "z_{j}")
    result = derivation.result.rhs
    assert shortfalls(result) == [] and not _exponentials_outside_softmax(result)
    (total,) = [s for s in result.atoms(sp.Sum) if not any(s in x.args for x in result.atoms(softmax))]
    assert not total.has(sp.KroneckerDelta) and not any(a.has(j) for a in total.function.atoms(sp.Indexed))
    collapses = [step for step in derivation.steps if step.rule == "kronecker_delta_collapses_sum"]
    assert collapses and all(s.verification.method == "symbolic" and not s.verification.sizes for s in collapses)
    kj = sp.Symbol("j", integer=True)
    sj = [s for s in result.atoms(softmax) if s.args[0] == sp.IndexedBase("z")[kj] or str(s.args[0]) == "z[j]"]
    assert sj and any(factor in sj for factor in sp.Mul.make_args(result))  # softmax(z)_j a factor of the whole


def test_generalised_cross_entropy_through_softmax_merges_its_powers():
    """softmax_c^(q−1) softmax_c from the power rule and the Jacobian: one power, softmax(z)_c^q."""
    derivation = _gradient(r"\frac{1 - \operatorname{softmax}(z)_{c}^{q}}{q}", "z_{j}")
    result = derivation.result.rhs
    assert shortfalls(result) == [] and not _exponentials_outside_softmax(result)
    powers = [p for p in result.atoms(sp.Pow) if isinstance(p.base, softmax)]
    assert [p.exp for p in powers] == [sp.Symbol("q", real=True)] or [str(p.exp) for p in powers] == ["q"]


def test_a_named_softmax_of_an_expression_prints_as_the_vector_it_is_of():
    from derive.printing.latex_expr import latex
    from derive.printing.unicode import unicode
    T = sp.Symbol("T", positive=True)
    total = sp.Sum(sp.exp((z[m] - t[m]) / T), (m, 1, K))
    named = softmax((z[j] - t[j]) / T, total)
    assert unicode(named) == "softmax((z − t)/T)ⱼ"
    assert r"\operatorname{softmax}" in latex(named) and "_{j}" in latex(named)
    not_a_term = softmax(2 * t[j], total)  # e^{2 t_j} over a sum of e^{(z_m − t_m)/T}: written as what it is
    assert "softmax" not in unicode(not_a_term) and "exp" in unicode(not_a_term)


def test_powers_of_one_base_in_separate_terms_are_found_and_factored_ones_are_not():
    gamma = sp.Symbol("gamma", real=True)
    one = 1 - softmax(z[k], S)
    assert unfactored_powers(one**gamma - gamma * sp.log(softmax(z[k], S)) * one ** (gamma - 1))
    assert unfactored_powers(one ** (gamma + 1) + f[k] * one**gamma)
    assert not unfactored_powers(one ** (gamma - 1) * (one - gamma * f[k]))
    assert not unfactored_powers(one**gamma + one ** (gamma / 2))  # not a whole number apart: no common power
    assert not unfactored_powers(one**2 + one)  # numbers: SymPy's own factoring
    assert shortfalls(one**gamma - f[k] * one ** (gamma - 1)) == ["powers of one base in separate terms"]


def _applied(rule: str, rhs: sp.Basic, model):
    from derive.catalogue import get_rule
    from derive.operations import apply
    from derive.steps import Equation
    outcome = apply(get_rule(rule), Equation(sp.Symbol("E"), rhs), model)
    return None if outcome is None else outcome.equation.rhs


def test_a_base_merges_into_its_power_and_the_lowest_power_factors_out_only_where_the_base_is_positive():
    """a a^b = a^(b+1) and c a^(b+1) + d a^b = a^b (c a + d) hold for a > 0 (at a = 0, b = −1 neither side
    is a^0): positive as the loss states it (1 − y raised to γ, log y), never for a symbol of any sign."""
    from derive.models import free, positive_in
    y, x, gamma, w = sp.symbols("y x gamma w", real=True)
    stated = free(positive=positive_in((1 - y) ** gamma * sp.log(y)))
    beside = w * (1 - y) * (1 - y) ** (gamma - 1)
    assert len(sp.Mul.make_args(beside)) == 3  # SymPy leaves the base beside its power
    assert _applied("power_times_its_base", beside, stated) == w * (1 - y) ** gamma
    assert _applied("power_times_its_base", w * x * x ** (gamma - 1), stated) is None  # x of any sign
    apart = (1 - y) ** gamma - gamma * sp.log(y) * (1 - y) ** (gamma - 1)
    assert _applied("lowest_power_factored", apart, stated) == (1 - y) ** (gamma - 1) * (1 - y - gamma * sp.log(y))
    assert _applied("lowest_power_factored", x**gamma - gamma * x ** (gamma - 1), stated) is None
    assert _applied("lowest_power_factored", (1 - y) ** gamma + (1 - y) ** (gamma / 2), stated) is None


def test_the_focal_losses_end_with_one_power_of_each_base():
    """σ' = σ(1 − σ) beside (1 − σ)^(γ−1) merged, (1 − softmax)^γ and (1 − softmax)^(γ−1) in separate terms
    factored: each by a rule of the catalogue, in a step the checker verifies."""
    for latex, wrt in ((r"-\alpha t (1 - \sigma(z))^{\gamma} \log \sigma(z)", "z"),
                       (r"-\sum_{k=1}^{K} \alpha_{k} t_{k} (1 - \operatorname{softmax}(z)_{k})^{\gamma} \log \operatorname{softmax}(z)_{k}", "z_{j}")):
        derivation = _gradient(latex, wrt)
        result = derivation.result.rhs
        assert shortfalls(result) == [] and not unfactored_powers(result)
        rules = {step.rule for step in derivation.steps}
        assert {"lowest_power_factored"} <= rules and "computed_by_sympy" not in rules
        assert all(step.verification.method in ("symbolic", "numeric") for step in derivation.steps[1:])
    sigmoid_focal = _gradient(r"-\alpha t (1 - \sigma(z))^{\gamma} \log \sigma(z)", "z")
    assert "power_times_its_base" in {step.rule for step in sigmoid_focal.steps}
    assert sp.count_ops(sigmoid_focal.result.rhs) <= 1.2 * sp.count_ops(sigmoid_focal.steps[0].rhs) + 6


def test_the_lowest_power_factors_out_only_where_each_term_holds_the_base_once():
    from derive.models import free, positive_in
    y, gamma, c = sp.symbols("y gamma c", real=True)
    stated = free(positive=positive_in((1 - y) ** gamma))
    twice_in_one = (1 - y) ** gamma * (1 - y) ** (gamma + 1) + c  # two powers of 1 − y in one term, none in the other
    assert _applied("lowest_power_factored", twice_in_one, stated) is None

"""PyTorch's options as derivations: each from a likelihood of its own, every step verified for
every size; the engine pieces they needed (a rule matched on some of a product's factors, sums
equal up to their index names taken as one quantity, renaming inside a double sum), each shown
to catch a wrong step."""
import random
from dataclasses import replace

import pytest
import sympy as sp

import derive
from derive import conventions as c
from derive.errors import VerificationError
from derive.models import categorical
from derive.steps import Equation
from derive.symbolic_proofs import equal_with_sums_as_quantities, proves_for_every_size
from derive.verification import verify_step

OPTIONS = ("ce-weighted", "ce-ignore-index", "ce-label-smoothing", "ce-options", "ce-soft-options",
           "ce-options-softmax", "ce-options-softmax-grad", "ce-options-softmax-stable", "ce-options-softmax-grad-stable",
           "ce-soft-options-softmax", "ce-soft-options-softmax-grad",
           "bce-multilabel", "bce-pos-weight", "bce-weighted", "bce-options", "bce-options-sigmoid",
           "bce-options-sigmoid-grad", "bce-options-sigmoid-stable", "bce-options-sigmoid-grad-stable")


@pytest.mark.parametrize("name", OPTIONS)
def test_each_option_is_a_derivation_proved_for_every_size(name):
    derivation = derive.get(name)
    assert name in derive.names()
    assert derivation.weakest_check == "symbolic"
    assert all(not step.verification.sizes for step in derivation.steps), \
        [(step.rule, step.verification.sizes) for step in derivation.steps if step.verification.sizes]


def test_the_premise_with_options_off_is_the_categorical_likelihood():
    """The checker takes the premise as the pinned axiom def-likelihood (its statement names the options
    as weights on the exponents); with every weight 1, no sample ignored and no smoothing it is the
    categorical likelihood of the samples, the premise of ce."""
    from derive.premises import options_off
    from derive.steps import STATED
    premise = derive.get("ce-options").steps[0]
    assert premise.verification.detail == STATED and premise.verification.axioms == ("def-likelihood",)
    assert premise.rhs != derive.get("ce").steps[0].rhs and options_off(premise.rhs) == derive.get("ce").steps[0].rhs


def test_a_weighted_likelihood_that_is_wrong_with_the_options_off_is_rejected():
    premise = derive.get("ce-weighted").steps[0]
    wrong = premise.rhs.xreplace({c.t[c.i, c.k]: 1 - c.t[c.i, c.k]})  # y^(w (1 - t)): the other classes' probability
    with pytest.raises(VerificationError):
        verify_step(None, replace(premise, equation=Equation(premise.lhs, wrong)), categorical(), 0)


def test_the_options_gradient_is_pytorchs_formula():
    """c_i (y_ik sum_n w_n q_in - w_k q_ik) / sum_j c_j sum_m w_m t_jm, as derived."""
    result = derive.get("ce-options-softmax-grad").result.rhs
    total = sp.Sum(c.c_mask[c.j] * sp.Sum(c.w[c.m] * c.t[c.j, c.m], (c.m, 1, c.K)), (c.j, 1, c.N))
    expected = c.c_mask[c.i] * (c.y[c.i, c.k] * sp.Sum(c.w[c.n] * c.q[c.i, c.n], (c.n, 1, c.K))
                                - c.w[c.k] * c.q[c.i, c.k]) / total
    assert equal_with_sums_as_quantities(result, expected)
    assert not equal_with_sums_as_quantities(result, expected.xreplace({c.q[c.i, c.k]: c.t[c.i, c.k]}))


def test_the_binary_options_gradient_is_pytorchs_formula():
    """w_ik ((rho_k t_ik + 1 - t_ik) sigma(z_ik) - rho_k t_ik) / (N K), as derived."""
    from derive.functions import sigmoid
    from derive.models import BERNOULLI
    result = derive.get("bce-options-sigmoid-grad").result.rhs
    t, w, rho, s = c.t[c.i, c.k], c.w[c.i, c.k], c.rho[c.k], sigmoid(c.z[c.i, c.k])
    expected = w * ((rho * t + 1 - t) * s - rho * t) / (c.N * c.K)
    from derive.verification import compare
    compare(result, expected, BERNOULLI.with_link("sigmoid"), random.Random(1), "pos_weight gradient")
    with pytest.raises(VerificationError):
        compare(result, expected.xreplace({rho: 1}), BERNOULLI.with_link("sigmoid"), random.Random(1), "no pos_weight")


def test_the_steps_follow_the_model_label_smoothing_through_softmax():
    """A loss the engine was not given a gradient for: smoothed labels through softmax, with its
    double sum of a term free of the class index (renamed inside the double sum to differentiate)."""
    gradient = derive.get("ce-label-smoothing").gradient(c.z[c.i, c.k], link="softmax")
    assert gradient.weakest_check == "symbolic"
    expected = (c.y[c.i, c.k] * sp.Sum(c.q[c.i, c.n], (c.n, 1, c.K)) - c.q[c.i, c.k]) / c.N
    from derive.verification import compare
    compare(gradient.result.rhs, expected, gradient.models[-1], random.Random(0), "label smoothing")


def test_sums_equal_up_to_their_index_names_are_one_quantity():
    a, b = sp.IndexedBase("a"), sp.IndexedBase("b")
    S = sp.Sum(b[c.j], (c.j, 1, c.N))
    model = categorical()
    assert proves_for_every_size(a[c.i] / S + a[c.k] / S.xreplace({c.j: c.m}), (a[c.i] + a[c.k]) / S, model) \
        == "proved for every size, each sum taken as one quantity"
    other = sp.Sum(b[c.j] ** 2, (c.j, 1, c.N))  # another sum: not the same quantity
    assert not equal_with_sums_as_quantities(a[c.i] / S + a[c.k] / other, (a[c.i] + a[c.k]) / S)


def test_a_rule_matched_on_some_factors_must_give_exactly_the_step():
    """softmax_shift applied to e^{z_ik} S / sum_h e^{z_ih} (S another factor): replayed, the rule
    gives back the step; a step that changed the other factor too is wrong."""
    derivation = derive.get("ce-options-softmax-grad-stable")
    number = next(n for n, step in enumerate(derivation.steps) if step.rule == "softmax_shift")
    step, previous = derivation.steps[number], derivation.steps[number - 1].equation
    model = categorical().with_link("softmax")
    verified = verify_step(previous, step, model, 0)
    assert verified.method == "symbolic" and not verified.sizes and verified.proved_by == "softmax_shift"
    forged = step.rhs.replace(lambda e: isinstance(e, sp.Sum) and e.function.has(c.q),
                              lambda e: 2 * e)  # the factor the rule did not touch, doubled
    assert forged != step.rhs
    with pytest.raises(VerificationError):
        verify_step(previous, replace(step, equation=Equation(step.lhs, forged)), model, 0)

"""The maximum-likelihood estimate of a die (issue 19, part 1): Lagrangian, stationarity, the
multiplier eliminated through the constraint, the second-order condition as a step; the coin as a
corollary and the worked numbers; a wrong step caught."""
from dataclasses import replace
from fractions import Fraction

import pytest
import sympy as sp

import derive
from derive import conventions as c
from derive.derivations import build
from derive.errors import VerificationError
from derive.models import counts_model
from derive.steps import Equation
from derive.verification import verify_step, verify_steps


@pytest.mark.parametrize("classes", [None, 2, 6])
def test_the_estimate_of_a_die_is_each_faces_share_of_the_throws(classes):
    derivation = derive.get("dice-mle") if classes is None else build("dice-mle", classes=classes)
    rules = [s.rule for s in derivation.steps]
    for rule in ("counts_likelihood", "take_logarithm", "lagrangian", "differentiate_both_sides",
                 "concave_log_likelihood", "recall_equation", "stationary_point", "eliminate_multiplier", "name_total"):
        assert rule in rules, rule
    assert rules.index("concave_log_likelihood") < rules.index("stationary_point")  # the second order is a step
    assert derivation.result.lhs == c.yhat[c.j] and derivation.result.rhs == c.counts[c.j] / c.total
    stationary = next(s for s in derivation.steps if s.rule == "stationary_point")
    assert stationary.rhs == c.counts[c.j] / c.lam
    eliminated = next(s for s in derivation.steps if s.rule == "eliminate_multiplier")
    K = classes or c.K
    assert eliminated.check.definitions[c.lam] == sp.Sum(c.counts[c.k], (c.k, 1, K))
    hessian = next(s for s in derivation.steps if s.rule == "concave_log_likelihood")
    assert hessian.rhs == -sp.KroneckerDelta(c.j, c.m) * c.counts[c.j] / c.y[c.j] ** 2
    assert derivation.steps[0].verification.method == "symbolic"  # the likelihood of counts, checked on sequences of throws
    # every step proved; with K written as a number a delta's collapse is proved at that K
    assert all(s.verification.method == "symbolic" and (classes or not s.verification.sizes) for s in derivation.steps[1:])
    assert not any(s.rhs.has(c.K) for s in derivation.steps) if classes else True  # the model's K throughout
    assert derivation.weakest_check == "symbolic"  # what a citing derivation inherits


def _with_step(name, rule, rhs):
    derivation = derive.get(name)
    steps = list(derivation.steps)
    number = next(n for n, s in enumerate(steps) if s.rule == rule)
    steps[number] = replace(steps[number], equation=Equation(steps[number].lhs, rhs))
    return steps, derivation.models, number


@pytest.mark.parametrize("rule, wrong", [
    ("stationary_point", c.counts[c.j] * c.lam),  # solved the wrong way round
    ("stationary_point", c.counts[c.j] / (c.lam + sp.KroneckerDelta(c.K, 7))),  # wrong only at K = 7
    ("eliminate_multiplier", c.counts[c.j] / sp.Sum(c.counts[c.k], (c.k, 1, c.K - 1))),  # the last face left out
    ("concave_log_likelihood", sp.KroneckerDelta(c.j, c.m) * c.counts[c.j] / c.y[c.j] ** 2),  # convex, not concave
    ("name_total", c.counts[c.j] / (2 * c.total)),
])
def test_a_wrong_step_of_the_estimate_is_caught(rule, wrong):
    steps, models, number = _with_step("dice-mle", rule, wrong)
    with pytest.raises(VerificationError):
        verify_step(steps[number - 1].equation, steps[number], models[number])


def test_a_recalled_equation_must_have_been_reached():
    steps, models, number = _with_step("dice-mle", "recall_equation", c.counts[c.j] / c.y[c.j] + c.lam)
    with pytest.raises(VerificationError, match="no earlier step reached"):
        verify_steps(tuple(s for s in steps[:number + 1]), models[:number + 1])


def test_the_coin_is_the_die_with_two_faces():
    derivation = derive.get("bernoulli-mle")
    assert derivation.steps[0].check.derivation is derive.get("dice-mle")
    assert derivation.steps[0].verification.verified  # the die's result, derived from its model
    assert derivation.result.lhs == c.phat and derivation.result.rhs == c.successes / c.total
    assert derivation.models[-1] == counts_model(2)


@pytest.mark.parametrize("counts, face", [(("3", "4", "2", "5", "4", "2"), 1), (("3", "4", "2", "5", "4", "2"), 4),
                                          (("7", "13"), 2), (("1",) * 10, 10)])
def test_the_worked_numbers_follow_the_counts(counts, face):
    # the declaration's parameters: the face, its count, the total, the number of faces
    derivation = build("dice-mle-example", faces=len(counts), face=face, count=int(counts[face - 1]),
                       total=sum(int(n) for n in counts))
    expected = Fraction(int(counts[face - 1]), sum(int(n) for n in counts))
    exact = next(s.rhs for s in derivation.steps if s.rhs.is_Rational)
    assert Fraction(int(exact.p), int(exact.q)) == expected
    assert derivation.result.lhs == c.yhat[face] and abs(float(derivation.result.rhs) - float(expected)) < 1e-15
    assert all(s.verification.verified for s in derivation.steps)

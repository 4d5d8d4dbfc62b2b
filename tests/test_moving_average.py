"""The exponential moving average (issue 19, part 2): the recurrence unrolled by induction, the
bias correction, and a worked example; every step verified, for every number of steps t."""
from dataclasses import replace
from fractions import Fraction

import pytest
import sympy as sp

import derive
from derive import conventions as c
from derive.catalogue import get_rule
from derive.derivations import build
from derive.errors import VerificationError
from derive.models import MOVING_AVERAGE
from derive.operations import apply
from derive.steps import Check, Equation, Step
from derive.verification import verify_step

t, beta, v, theta, i = c.time, c.beta, c.v, c.theta, c.i
UNROLLED = beta ** t * v[0] + (1 - beta) * sp.Sum(beta ** (t - i) * theta[i], (i, 1, t))


def test_the_moving_average_unrolled_by_induction():
    derivation = derive.get("ema")
    assert [s.rule for s in derivation.steps] == ["ema_definition", "unroll_linear_recurrence", "constant_factor_out_of_sum"]
    assert derivation.steps[0].rhs == beta * v[t - 1] + (1 - beta) * theta[t]
    assert derivation.result.lhs == v[t] and sp.simplify(derivation.result.rhs - UNROLLED) == 0
    unrolling = derivation.steps[1].verification
    assert unrolling.method == "symbolic" and not unrolling.sizes and "induction" in unrolling.detail
    assert all(s.verification.method == "symbolic" and not s.verification.sizes for s in derivation.steps)
    # the result against the recurrence iterated, at t = 7
    values = {beta: sp.Rational(7, 10), v[0]: sp.Rational(-1, 3), **{theta[n]: sp.Rational(n * n - 5, 4) for n in range(1, 8)}}
    value = values[v[0]]
    for n in range(1, 8):
        value = values[beta] * value + (1 - values[beta]) * values[theta[n]]
    assert derivation.result.rhs.xreplace({t: 7}).doit().xreplace(values) == value


def _unrolled_step(rhs):
    derivation = derive.get("ema")
    step = derivation.steps[1]
    return derivation.steps[0].equation, replace(step, equation=Equation(step.lhs, rhs))


@pytest.mark.parametrize("wrong", [
    beta ** (t + 1) * v[0] + (1 - beta) * sp.Sum(beta ** (t - i) * theta[i], (i, 1, t)),  # one power too many
    beta ** t * v[0] + (1 - beta) * sp.Sum(beta ** (t - i) * theta[i], (i, 1, t - 1)),  # the last weight left out
    beta ** t * v[0] + (1 - beta) * sp.Sum(beta ** (t - i) * theta[i], (i, 1, t)) + sp.KroneckerDelta(t, 7),  # wrong at t = 7 only
    beta ** t * v[0] + sp.Sum(beta ** (i - 1) * theta[i], (i, 1, t)),  # weights the wrong way round
])
def test_a_wrong_unrolled_form_is_caught(wrong):
    previous, step = _unrolled_step(wrong)
    with pytest.raises(VerificationError):
        verify_step(previous, step, MOVING_AVERAGE)


def test_any_linear_recurrence_unrolls_by_the_same_rule():
    """x_t = 2 x_{t-1} + t²: no new code, the rule's operation and its induction check."""
    recurrence = Equation(v[t], 2 * v[t - 1] + t ** 2)
    rule = get_rule("unroll_linear_recurrence")
    outcome = apply(rule, recurrence, MOVING_AVERAGE)
    assert outcome.equation.rhs == 2 ** t * v[0] + sp.Sum(2 ** (t - i) * i ** 2, (i, 1, t))
    step = Step(outcome.equation, rule.name, rule.kind, outcome.check, (), MOVING_AVERAGE.name)
    assert verify_step(recurrence, step, MOVING_AVERAGE).method == "symbolic"
    assert apply(rule, Equation(v[t], v[t - 1] * v[t - 2]), MOVING_AVERAGE) is None  # not linear of first order


def test_a_definition_must_use_earlier_values_only():
    rule = get_rule("ema_definition")
    circular = Step(Equation(v[t], beta * v[t] + theta[t]), rule.name, rule.kind, Check("defines"), (), "")
    with pytest.raises(VerificationError, match="earlier steps only"):
        verify_step(None, circular, MOVING_AVERAGE)


def test_the_bias_correction_makes_a_constant_sequence_exact():
    derivation = derive.get("ema-bias-correction")
    rules = [s.rule for s in derivation.steps]
    assert rules[:4] == ["result_of_derivation", "ema_starts_at_zero", "bias_correction", "constant_sequence"]
    assert rules[-1] == "geometric_sum"
    assert derivation.result.lhs == c.vhat[t] and derivation.result.rhs == c.theta_scalar
    # every step proved for every size by the checker, but the geometric sum: its theorem needs an induction the
    # checker's zero test does not do, so each step applying it is checked numerically (README, "Rules")
    assert all(s.verification.method == "symbolic" and not s.verification.sizes for s in derivation.steps[:-1])
    assert derivation.steps[-1].verification.method == "numeric"
    assert derivation.steps[0].check.derivation is derive.get("ema")


@pytest.mark.parametrize("rate, weights", [("0.9", ("1", "2", "3")), ("0.5", ("4", "-1")), ("0.99", ("1",) * 5),
                                           ("0.25", ("3", "1", "4", "1", "5", "9", "2"))])
def test_the_worked_example_follows_its_numbers(rate, weights):
    numbers = {"beta": rate, **{f"theta[{n}]": w for n, w in enumerate(weights, start=1)}}
    derivation = build("ema-example", time=len(weights), numbers=numbers)  # the declaration's parameters
    average = Fraction(0)
    for weight in weights:
        average = Fraction(rate) * average + (1 - Fraction(rate)) * Fraction(weight)
    corrected = average / (1 - Fraction(rate) ** len(weights))
    exact = next(s.rhs for s in reversed(derivation.steps) if s.rhs.is_Rational)
    assert Fraction(int(exact.p), int(exact.q)) == corrected
    assert derivation.result.lhs == c.vhat[len(weights)]
    assert abs(float(derivation.result.rhs) - float(corrected)) < 1e-14
    # each step proved, but one that writes the exact value as a rounded decimal: checked numerically, at its digits
    for s in derivation.steps[1:]:
        rounded = s.rule == "numeric_value" and Fraction(sp.Rational(s.rhs).p, sp.Rational(s.rhs).q) != corrected
        assert s.verification.method == ("numeric" if rounded else "symbolic"), s.rule
    if len(set(weights)) == 1:
        assert corrected == Fraction(weights[0])  # a constant sequence, exact

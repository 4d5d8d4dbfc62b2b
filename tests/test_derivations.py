"""Built-in derivations: every step verified, results equal to the textbook, steps follow the model."""
import pytest
import sympy as sp

import derive
from derive.steps import DEFINES_SEQUENCE, STATED, CheckKind
from derive import conventions as c
from derive.steps import EQUALITY

from conftest import TEXTBOOK, same_value

NAMES = derive.names()


@pytest.mark.parametrize("name", NAMES)
def test_every_step_is_verified(name):
    derivation = derive.get(name)
    assert len(derivation.steps) >= 2
    for step in derivation.steps:
        assert step.verification.method in ("symbolic", "numeric"), step.rule
        if step.verification.source:  # an earlier derivation's result, checked there
            assert step.verification.source in NAMES and step.rule == "result_of_derivation"
            assert step.equation == derive.get(step.verification.source).result
        elif step.verification.detail == DEFINES_SEQUENCE:  # a recurrence defining a sequence (ema)
            assert step.rule == "ema_definition" and step.verification.method == "symbolic"
        elif step.verification.detail == STATED and step.check.how == CheckKind.PREMISE:
            # the model's premise: an axiom the checker matches, not evaluates
            assert step.verification.method == "symbolic" and step.verification.axioms and step.verification.points == 0
        elif step.verification.detail == STATED:  # the loss over N samples defined as the mean of one sample's
            assert step.check.how == CheckKind.SPECIALISES and step.verification.axioms == ("def-cross-entropy",)
            assert step.verification.points > 0  # the one-sample case it must give back, checked at points
        elif step.check.how == CheckKind.NEGATIVE_DEFINITE:  # a sign proved in the declared domains: no sides to evaluate
            assert step.verification.method == "symbolic" and step.verification.axioms
        else:
            assert step.verification.points > 0


@pytest.mark.parametrize("name", NAMES)
def test_equality_steps_keep_the_left_side(name):
    steps = derive.get(name).steps
    for before, after in zip(steps, steps[1:]):
        if after.kind == EQUALITY:
            assert after.lhs == before.lhs, after.rule


@pytest.mark.parametrize("name", sorted(TEXTBOOK))
def test_result_is_the_textbook_formula(name):
    derivation = derive.get(name)
    result = derivation.result
    if result.rhs.is_Float:  # the worked numbers end in a value; the step before is exact
        assert abs(result.rhs - sp.N(TEXTBOOK[name], 30)) < 1e-14
        result = derivation.steps[-2].equation
    for sizes in ({c.N: 1, c.K: 2}, {c.N: 3, c.K: 4}):
        assert same_value(result.rhs, TEXTBOOK[name], sizes)


def test_titanic_numbers():
    assert abs(float(derive.get("bce-titanic-survived").result.rhs) - 0.6733445532637656) < 1e-13
    assert abs(float(derive.get("bce-titanic-died").result.rhs) - 0.8209805520698302) < 1e-13


def test_vector_form_result():
    result = derive.get("ce-vector").result.rhs
    assert isinstance(result, sp.Mul) and result.has(sp.Trace)
    from derive.vector_forms import to_components
    for sizes in ({c.N: 2, c.K: 3},):
        components = to_components(result, sizes)
        assert same_value(components, TEXTBOOK["ce"], sizes)


def test_series_equation_tags():
    assert [s.tag for s in derive.get("ce-one-sample").steps if s.tag] == ["4.1", "4.2", "4.3"]
    assert [s.tag for s in derive.get("bce").steps if s.tag] == ["7.1", "7.2", "7.3", "7.4"]
    assert derive.get("ce").steps[-1].tag == "1"


def test_bce_routes_end_in_the_same_expression():
    categorical_route = derive.binary_cross_entropy(route="categorical").result
    bernoulli_route = derive.binary_cross_entropy(route="bernoulli").result
    assert categorical_route == bernoulli_route


def test_signs_are_right_where_the_seed_drops_them():
    # Seed 002 writes (4.3) as -log L = sum t log y; the derived E is minus that sum.
    result = derive.get("ce-one-sample").result
    assert result.lhs == c.E
    assert result.rhs == -sp.Sum(c.t[c.k] * sp.log(c.y[c.k]), (c.k, 1, c.K))


def test_one_sample_derivation_starts_from_the_die():
    steps = derive.get("ce-one-sample").steps
    assert steps[0].rhs == sp.Product(c.y[c.k] ** c.t[c.k], (c.k, 1, 6))
    assert steps[3].rhs == sp.Sum(c.t[c.k] * sp.log(c.y[c.k]), (c.k, 1, 6))  # (4.1)


class TestChangedModels:
    """The same strategies, another model: the steps follow with no new code."""

    def test_weighted_exponents(self):
        likelihood = sp.Product(c.y[c.k] ** (c.w[c.k] * c.t[c.k]), (c.k, 1, c.K))
        d = derive.cross_entropy(batch=False, classes=None, likelihood=likelihood)
        assert d.steps[0].verification.method == "no"  # the user's model is an assumption
        assert all(s.verification.verified for s in d.steps[1:])
        assert [s.rule for s in d.steps[1:]] == ["take_logarithm", "log_of_finite_product", "log_of_power",
                                                 "cross_entropy_definition"]
        assert same_value(d.result.rhs, -sp.Sum(c.w[c.k] * c.t[c.k] * sp.log(c.y[c.k]), (c.k, 1, c.K)), {c.K: 4})

    def test_three_classes(self):
        d = derive.cross_entropy(batch=False, classes=3)
        assert d.steps[0].rhs == sp.Product(c.y[c.k] ** c.t[c.k], (c.k, 1, 3))
        assert "generalise_class_count" not in [s.rule for s in d.steps]
        assert d.result.rhs == -sp.Sum(c.t[c.k] * sp.log(c.y[c.k]), (c.k, 1, 3))
        assert all(s.verification.method == "symbolic" for s in d.steps)

    def test_three_classes_over_samples(self):
        d = derive.cross_entropy(batch=True, classes=3)
        assert same_value(d.result.rhs, TEXTBOOK["ce"].xreplace({c.K: 3}), {c.N: 2})

    def test_explicit_product_of_three_factors(self):
        likelihood = c.y[1] ** c.t[1] * c.y[2] ** c.t[2] * c.y[3] ** c.t[3]
        d = derive.cross_entropy(batch=False, likelihood=likelihood, classes=3)
        rules = [s.rule for s in d.steps]
        assert rules.count("log_of_product") == 2 and rules.count("log_of_power") == 3
        assert same_value(d.result.rhs, -sum(c.t[j] * sp.log(c.y[j]) for j in (1, 2, 3)), {})

    def test_squared_probabilities(self):
        likelihood = sp.Product(c.y[c.k] ** (2 * c.t[c.k]), (c.k, 1, c.K))
        d = derive.cross_entropy(batch=False, likelihood=likelihood)
        assert d.result.rhs == -2 * sp.Sum(c.t[c.k] * sp.log(c.y[c.k]), (c.k, 1, c.K)) or \
            same_value(d.result.rhs, -2 * sp.Sum(c.t[c.k] * sp.log(c.y[c.k]), (c.k, 1, c.K)), {c.K: 3})


def test_bad_arguments_are_clear():
    with pytest.raises(ValueError, match="classes"):
        derive.cross_entropy(classes=1)
    with pytest.raises(ValueError, match="route"):
        derive.binary_cross_entropy(route="poisson")
    with pytest.raises(derive.UnknownDerivation, match="known"):
        derive.get("nope")

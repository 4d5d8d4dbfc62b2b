"""Gradients step by step: the brief's results, verified steps, cross-checks, wrong steps caught,
and a loss the engine was not written for differentiated by the same strategies."""
from dataclasses import replace

import pytest
import sympy as sp

import derive
from derive import conventions as c
from derive.errors import VerificationError
from derive.functions import sigmoid
from derive.gradient_checks import cross_check_gradient
from derive.models import categorical
from derive.steps import Equation
from derive.vector_forms import column_vector, stacked
from derive.verification import verify_step

GRADIENTS = ["ce-grad", "bce-grad", "ce-softmax-grad", "bce-sigmoid-grad", "ce-matrix-grad",
             "softmax-hessian", "log-derivative"]
y, t, z, i, k, m, N = c.y, c.t, c.z, c.i, c.k, c.m, c.N


def _same(a, b):
    return sp.simplify(a - b) == 0


def test_all_seven_are_listed():
    assert set(GRADIENTS) <= set(derive.names())


@pytest.mark.parametrize("name", GRADIENTS)
def test_every_step_verified(name):
    d = derive.get(name)
    assert all(step.verification.verified for step in d.steps)
    assert any(step.rule in ("chain_rule", "derivative_as_limit", "gradient_as_matrix", "derivative_of_component")
               for step in d.steps)


@pytest.mark.parametrize("name, lhs, rhs", [
    ("ce-grad", sp.Derivative(c.E, y[i, k]), -t[i, k] / (N * y[i, k])),
    ("bce-grad", sp.Derivative(c.BCE, y[i]), (y[i] - t[i]) / (N * y[i] * (1 - y[i]))),
    ("ce-softmax-grad", sp.Derivative(c.E, z[i, k]), (y[i, k] - t[i, k]) / N),
    ("bce-sigmoid-grad", sp.Derivative(c.BCE, z[i]), (sigmoid(z[i]) - t[i]) / N),
])
def test_the_famous_results(name, lhs, rhs):
    result = derive.get(name).result
    assert result.lhs == lhs
    assert _same(result.rhs, rhs)


def test_matrix_gradient_and_layout():
    d = derive.get("ce-matrix-grad")
    by_z, by_w = next(s for s in d.steps if s.rule == "gradient_as_matrix"), d.steps[-1]
    assert by_z.lhs.shape == stacked(c.z).shape  # N x K, the shape of Z
    assert by_w.lhs.shape == stacked(c.W).shape  # D x K, the shape of W
    explicit = lambda e: e.xreplace({c.N: 2, c.K: 3, c.D: 2}).as_explicit()  # noqa: E731
    assert explicit(by_w.rhs) == explicit(stacked(c.x).T * (stacked(y) - stacked(t)) / N)
    assert explicit(by_z.rhs) == explicit((stacked(y) - stacked(t)) / N)


def test_softmax_hessian():
    d = derive.get("softmax-hessian")
    components = d.steps[-2]
    assert components.lhs == sp.Derivative(c.E, z[k], z[m])
    assert _same(components.rhs, y[k] * (sp.KroneckerDelta(k, m) - y[m]))
    yv = column_vector(y)
    explicit = lambda e: e.xreplace({c.K: 3}).as_explicit()  # noqa: E731
    assert explicit(d.result.rhs) == explicit(sp.DiagMatrix(yv) - yv * yv.T)


def test_log_derivative_from_the_limit_definition():
    d = derive.get("log-derivative")
    x = sp.Symbol("x", positive=True)
    assert d.steps[0].rhs.has(sp.Limit)
    assert [s.rule for s in d.steps][-1] == "e_as_limit"
    assert d.result.lhs == sp.Derivative(sp.log(x), x) and d.result.rhs == 1 / x


@pytest.mark.parametrize("name", ["ce-grad", "bce-grad", "ce-softmax-grad", "bce-sigmoid-grad"])
def test_cross_checked_against_sympy_and_finite_differences(name):
    checks = derive.get(name).cross_checks
    assert [check.method for check in checks] == ["sympy.diff", "central difference"]
    assert all(check.points >= 6 and check.max_error < 1e-9 for check in checks)


def test_cross_check_catches_a_wrong_gradient():
    loss = derive.get("ce").result
    wrong = Equation(sp.Derivative(c.E, y[i, k]), t[i, k] / (N * y[i, k]))  # sign flipped
    with pytest.raises(VerificationError, match="sympy.diff"):
        cross_check_gradient(loss, wrong, y[i, k], categorical())


def _last_step(name, rule):
    """The last step by ``rule``, the equation before it, and the model it was checked in."""
    d = derive.get(name)
    number = max(n for n, s in enumerate(d.steps) if s.rule == rule)
    return d.steps[number - 1].equation, d.steps[number], d.models[number]


@pytest.mark.parametrize("name, rule, make_wrong", [
    # d/dy log y written as y instead of 1/y
    ("ce-grad", "chain_rule", lambda rhs: rhs.replace(lambda e: e.is_Pow and e.exp == -1, lambda e: e.base)),
    # the chain rule forgetting the inner derivative
    ("bce-sigmoid-grad", "chain_rule", lambda rhs: rhs.replace(lambda e: isinstance(e, sp.Derivative), lambda e: 1)),
    # softmax derivative with the sign of y_m flipped
    ("softmax-hessian", "softmax_derivative", lambda rhs: rhs.replace(lambda e: e == -y[m], lambda e: y[m])),
    # a Kronecker delta collapsed onto the wrong index
    ("ce-grad", "kronecker_delta_collapses_sum", lambda rhs: rhs.xreplace({y[i, k]: y[k, i], t[i, k]: t[k, i]})),
])
def test_injected_wrong_derivative_step_is_rejected(name, rule, make_wrong):
    previous, step, model = _last_step(name, rule)
    wrong_rhs = make_wrong(step.rhs)
    assert wrong_rhs != step.rhs
    step = replace(step, equation=Equation(step.lhs, wrong_rhs))
    with pytest.raises(VerificationError, match=rule):
        verify_step(previous, step, model)


def test_a_class_weighted_loss_is_differentiated_with_no_special_code():
    weighted = sp.Product(y[k] ** (c.w[k] * t[k]), (k, 1, c.K))
    loss = derive.cross_entropy(batch=False, likelihood=weighted)
    grad = loss.gradient(y[k])
    assert _same(grad.result.rhs, -c.w[k] * t[k] / y[k])
    assert all(s.verification.verified for s in grad.steps[1:])
    assert [check.max_error < 1e-9 for check in grad.cross_checks] == [True, True]


def test_class_weighted_loss_through_softmax():
    weighted = sp.Product(sp.Product(y[i, k] ** (c.w[k] * t[i, k]), (k, 1, c.K)), (i, 1, N))
    loss = derive.cross_entropy(batch=True, likelihood=weighted, link="softmax")
    grad = loss.gradient(z[i, k])
    assert all(s.verification.verified for s in grad.steps[1:])
    assert all(check.max_error < 1e-9 for check in grad.cross_checks)


def test_links_from_the_api():
    assert derive.cross_entropy(link="softmax").result.rhs.has(sp.exp)
    assert derive.binary_cross_entropy(link="sigmoid").result.rhs.has(sigmoid)
    with pytest.raises(ValueError, match="softmax"):
        derive.cross_entropy(link="sigmoid")
    with pytest.raises(ValueError, match="sigmoid"):
        derive.binary_cross_entropy(link="softmax")

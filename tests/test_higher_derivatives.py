"""Second and higher derivatives (issue 19): ``derive grad ... --order 2`` and ``derive.hessian``
differentiate the first derivative again step by step, every step verified, and cross-check the
result against sympy.diff and a second central difference."""
import json
import random
import subprocess
import sys

import pytest
import sympy as sp

import derive
from derive import conventions as c
from derive.errors import DeriveError, VerificationError
from derive.gradient_checks import cross_check_gradient
from derive.steps import CheckKind, Equation


def _symbol(derivation, name):
    return next(s for s in derivation.steps[0].rhs.free_symbols if str(s) == name)


def _agrees_with_sympy(derivation, *names):
    loss = derivation.steps[0].rhs
    variables = [_symbol(derivation, n) for n in names]
    assert sp.simplify(derivation.result.rhs - sp.diff(loss, *variables)) == 0


def test_a_pure_and_a_mixed_second_derivative_of_a_users_loss():
    pure = derive.hessian(r"x^3 y^2 + \log(x y)", "x")
    assert pure.result.lhs == sp.Derivative(c.E, _symbol(pure, "x"), _symbol(pure, "x"))
    _agrees_with_sympy(pure, "x", "x")
    mixed = derive.hessian(r"x^3 y^2 + \log(x y)", ["x", "y"])
    _agrees_with_sympy(mixed, "x", "y")
    for derivation in (pure, mixed):
        assert all(s.verification.method == "symbolic" and not s.verification.sizes for s in derivation.steps[1:])
        assert [s.rule for s in derivation.steps].count("differentiate_both_sides") == 2
        assert [check.method for check in derivation.cross_checks] == ["sympy.diff", "central difference"]
        assert all(check.max_error < 1e-15 for check in derivation.cross_checks)
    # the blackboard shows the first derivative on a line of its own, then the second
    assert [line.equation.lhs for line in mixed.lines][-2:] == [
        sp.Derivative(c.E, _symbol(mixed, "x")), sp.Derivative(c.E, _symbol(mixed, "x"), _symbol(mixed, "y"))]


@pytest.mark.parametrize("power", [3, 4, 5])
def test_the_steps_follow_the_exponent_without_new_code(power):
    """(1/N) Σᵢ (yᵢ − tᵢ)^p: the second derivative by y_j is p(p−1)(y_j − t_j)^(p−2)/N."""
    derivation = derive.hessian(rf"\frac{{1}}{{N}}\sum_{{i=1}}^{{N}} (y_i - t_i)^{power}", "y_{j}")
    y = sp.IndexedBase("y", real=True)  # a user's y: a real number, whatever its name
    expected = power * (power - 1) * (y[c.j] - c.t[c.j]) ** (power - 2) / c.N
    assert sp.simplify(derivation.result.rhs.doit() - expected) == 0
    assert "power_rule" in [s.rule for s in derivation.steps]


def test_the_softmax_hessian_is_reached_as_any_second_derivative():
    """From the log-sum-exp form of one sample's loss, differentiated by z_k then z_m, both from
    the LaTeX (the softmax named as a function) and from the built-in derivation (named y)."""
    from_latex = derive.hessian(r"\log \sum_{h=1}^{K} e^{z_h} - \sum_{j=1}^{K} t_j z_j", ["z_{k}", "z_{m}"])
    # the named softmax differentiated by its Jacobian (issue 32), not written back as exp over a sum
    assert "softmax_function_derivative" in [s.rule for s in from_latex.steps]
    assert "differentiate_softmax_by_its_definition" not in [s.rule for s in from_latex.steps]
    built_in = derive.hessian(derive.get("ce-one-sample-softmax"), [c.z[c.k], c.z[c.m]])
    hessian = derive.get("softmax-hessian")
    index_form = next(s.rhs for s in reversed(hessian.steps) if s.lhs == built_in.result.lhs)
    assert built_in.result.rhs == index_form == c.y[c.k] * (sp.KroneckerDelta(c.k, c.m) - c.y[c.m])
    rng = random.Random(7)
    for K in (3, 7):
        z = [rng.uniform(-3, 3) for _ in range(K)]
        total = sum(sp.exp(v) for v in z)
        softmax = [sp.exp(v) / total for v in z]
        for k, m in ((1, 1), (1, K), (K, 2)):
            values = {**{c.z[n + 1]: z[n] for n in range(K)}, c.k: k, c.m: m, c.K: K}
            shown = from_latex.result.rhs.xreplace({c.k: k, c.m: m, c.K: K}).doit().rewrite(sp.exp)
            reference = softmax[k - 1] * (int(k == m) - softmax[m - 1])
            assert abs(float(shown.xreplace(values) - reference)) < 1e-12, (K, k, m)


def test_a_third_derivative_and_its_check():
    third = derive.gradient("x^4 + x y", "x", order=3)
    assert sp.simplify(third.result.rhs - 24 * _symbol(third, "x")) == 0
    assert [check.method for check in third.cross_checks] == ["sympy.diff"]


def test_a_wrong_second_derivative_is_caught_by_both_checks():
    x, y = sp.symbols("x y", positive=True)
    from derive.models import free
    model = free((), frozenset({x, y}), frozenset())
    loss = Equation(c.E, x ** 3 * y ** 2)
    cross_check_gradient(loss, Equation(c.E, 6 * x * y ** 2), (x, x), model)  # right: passes
    cross_check_gradient(loss, Equation(c.E, 6 * x ** 2 * y), (x, y), model)
    for wrong, variables in ((6 * x * y ** 2 + 1e-6, (x, x)), (6 * x ** 2 * y * (1 + 1e-7), (x, y)), (3 * x ** 2 * y, (x, y))):
        with pytest.raises(VerificationError):
            cross_check_gradient(loss, Equation(c.E, wrong), variables, model)


def test_orders_and_variables_that_do_not_fit_are_refused():
    with pytest.raises(DeriveError, match="order of a derivative is 1 to 4"):
        derive.gradient("x^2", "x", order=5)
    with pytest.raises(DeriveError, match="3 variables for a derivative of order 2"):
        derive.hessian("x^2 y z", ["x", "y", "z"])
    with pytest.raises(DeriveError, match="does not contain"):
        derive.hessian("x^2", ["x", "w"])


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True, text=True, timeout=300)


def test_the_cli_differentiates_twice():
    done = _cli("grad", r"\sigma(z) t", "--wrt", "z", "--order", "2")
    assert done.returncode == 0, done.stderr
    assert "∂²E/∂z² = " in done.stdout and "Cross-checked against central difference" in done.stdout
    mixed = _cli("grad", "x^2 y^3", "--wrt", "x", "--wrt", "y", "--order", "2", "--format", "json")
    document = json.loads(mixed.stdout)
    assert document["derivations"][0]["result"]["latex"].startswith(r"\frac{\partial^{2} E}{\partial y \partial x} = 6")
    for args, complaint in ((("--order", "7"), "the order is a whole number from 1 to 4"),
                            (("--wrt", "y"), "--wrt is given 2 times for --order 1"),
                            (("--order", "2", "--compile"), "--compile and --stable take a gradient")):
        done = _cli("grad", "x^2 y", "--wrt", "x", *args)
        assert done.returncode == 2 and done.stderr.count("\n") == 1 and complaint in done.stderr, done.stderr


def test_every_differentiation_of_a_second_derivative_is_checked_like_the_first():
    derivation = derive.hessian(r"\frac{1}{N}\sum_{i=1}^{N} \log(1 + e^{-t_i z_i})", "z_{j}")
    kinds = {s.check.how for s in derivation.steps[1:]}
    assert CheckKind.DIFFERENTIATED in kinds
    assert all(s.verification.method == "symbolic" for s in derivation.steps[1:]), \
        [(s.rule, s.verification.method) for s in derivation.steps]

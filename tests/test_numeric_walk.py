"""The walk that evaluates a step at a random point (sums as loops, links from the logits,
derivatives as dual numbers) gives the values that writing the expression out and evaluating it
gives, for every side of every step of the built-ins it can walk, at sizes up to 7."""
import random

import mpmath
import pytest
import sympy as sp

import derive
from derive import conventions as c
from derive.models import BERNOULLI, categorical
from derive.numeric_walk import Dual, NotWalkable, Walk, components, walkable
from derive.at_sizes import concrete
from derive.numeric_check import DIGITS, _evaluate

NAMES = ("ce", "bce-bernoulli", "ce-grad", "bce-grad", "ce-softmax-grad", "bce-sigmoid-grad",
         "ce-softmax-stable", "bce-sigmoid-stable", "ce-softmax-grad-stable")


def _sides(name):
    derivation = derive.get(name)
    for number, (step, model) in enumerate(zip(derivation.steps, derivation.models)):
        for side in (step.lhs, step.rhs):
            if walkable(side) and not side.has(c.E, c.L, c.BCE):
                yield number, side, model


@pytest.mark.parametrize("name", NAMES)
def test_the_walk_agrees_with_the_expression_written_out(name):
    rng = random.Random(name)
    walked = 0
    for number, side, model in _sides(name):
        for sizes in model.wide_size_choices(side, rng)[:1] or [{}]:
            try:
                needed, named = components([side], sizes, model)
            except NotWalkable:
                continue
            values = model.sample(needed, sizes, rng, number, focus=named)
            with mpmath.workdps(DIGITS + 10):
                numbers = {a: mpmath.mpmathify(v._to_mpmath(mpmath.mp.prec)) for a, v in values.items()}
                by_walk = Walk(numbers, sizes, model).value(side)
            written = concrete(side, sizes, model)
            by_writing, _ = _evaluate(written, written, values)
            assert by_writing is not None
            with mpmath.workdps(DIGITS):
                assert abs(by_walk - by_writing) <= mpmath.mpf("1e-35") * max(1, abs(by_writing)), (number, side)
            walked += 1
    assert walked >= 2


def test_dual_numbers_carry_the_derivative():
    x = sp.Symbol("x", real=True)
    expr = sp.Derivative(sp.log(1 + sp.exp(3 * x)) * x ** 2, x)
    with mpmath.workdps(40):
        walk = Walk({x: mpmath.mpf("0.7")}, {}, categorical())
        value = walk.value(expr)
        exact = sp.N(expr.doit().subs(x, sp.Rational(7, 10)), 40)
        assert abs(value - mpmath.mpf(str(exact))) < mpmath.mpf("1e-35")
    assert isinstance(Dual(1, 2) * 3, Dual) and (Dual(1, 2) * Dual(3, 4)).derivative == 10


def test_a_softmax_prediction_is_computed_from_the_logits():
    model = categorical().with_link("softmax")
    sizes = {c.K: 3, c.N: 1}
    with mpmath.workdps(50):
        numbers = {c.z[1, j]: mpmath.mpf(j) for j in range(1, 4)}
        value = Walk(numbers, sizes, model).value(c.y[1, 2])
        assert abs(value - mpmath.exp(2) / (mpmath.exp(1) + mpmath.exp(2) + mpmath.exp(3))) < mpmath.mpf("1e-45")


def test_what_the_walk_cannot_evaluate_is_written_out_instead():
    assert not walkable(sp.Derivative(sp.Derivative(c.y_scalar ** 3, c.y_scalar), c.y_scalar))
    assert not walkable(sp.MatrixSymbol("Y", 2, 2)[0, 0] + 1)
    assert not walkable(sp.Function("f")(c.y_scalar))
    assert walkable(sp.Sum(sp.log(c.y[c.k]), (c.k, 1, c.K)))
    with pytest.raises(NotWalkable):
        Walk({}, {}, BERNOULLI).value(c.y_scalar)  # no value given

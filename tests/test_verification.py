"""Wrong steps are caught: a step is never marked verified unless it follows from the one before."""
from dataclasses import replace

import pytest
import sympy as sp

import derive
from derive import conventions as c
from derive.errors import VerificationError
from derive.models import BERNOULLI, categorical
from derive.steps import Equation
from derive.verification import verify_step, verify_steps

SUM_T_LOG_Y = sp.Sum(c.t[c.k] * sp.log(c.y[c.k]), (c.k, 1, c.K))


def _with_rhs(name: str, rule: str, rhs: sp.Basic, lhs: sp.Basic | None = None):
    """The derivation's steps, with the first step by ``rule`` replaced by a wrong one."""
    derivation = derive.get(name)
    steps = list(derivation.steps)
    index = next(n for n, s in enumerate(steps) if s.rule == rule)
    equation = Equation(lhs if lhs is not None else steps[index].lhs, rhs)
    return steps[index - 1].equation if index else None, replace(steps[index], equation=equation)


@pytest.mark.parametrize("name, rule, wrong", [
    # log of a power that forgets the exponent
    ("ce-one-sample", "log_of_power", sp.Sum(sp.log(c.y[c.k]), (c.k, 1, 6))),
    # the seed's sign slip in (4.3): E = +sum t log y
    ("ce-one-sample", "cross_entropy_definition", SUM_T_LOG_Y),
    # generalising to K classes but changing the summand
    ("ce-one-sample", "generalise_class_count", sp.Sum(c.t[c.k] * sp.log(c.y[c.k]) ** 2, (c.k, 1, c.K))),
    # the mean without the 1/N
    ("ce", "mean_cross_entropy_definition", -sp.Sum(c.t[c.i, c.k] * sp.log(c.y[c.i, c.k]), (c.k, 1, c.K), (c.i, 1, c.N))),
    # a wrong two-class substitution: y_2 = y_1
    ("bce", "two_class_substitution", -c.t[1] * sp.log(c.y[1]) - (1 - c.t[1]) * sp.log(c.y[1])),
    # dropping the subscript of y but keeping a different one on t
    ("bce", "drop_subscript", -c.t_scalar * sp.log(c.y_scalar) - (1 - c.t_scalar) * sp.log(c.y_scalar)),
    # log of a product turned into a product of logs
    ("bce-bernoulli", "log_of_product",
     sp.Sum(sp.log(c.y[c.i] ** c.t[c.i]) * sp.log((1 - c.y[c.i]) ** (1 - c.t[c.i])), (c.i, 1, c.N))),
    # the Titanic example with labels swapped
    ("bce-titanic-survived", "arithmetic_identities", -sp.log(sp.Rational(49, 100))),
    # a rounded value that is not the value
    ("bce-titanic-survived", "numeric_value", sp.Float("0.6734", 15)),
    # the dot product with the roles of t and y swapped
    ("ce-vector", "sum_as_dot_product", -sp.Sum(c.y[c.k] * sp.log(c.t[c.k] + 2), (c.k, 1, c.K))),
])
def test_injected_wrong_step_is_rejected(name, rule, wrong):
    previous, step = _with_rhs(name, rule, wrong)
    model = _model_of(name, step)
    with pytest.raises(VerificationError, match=rule):
        verify_step(previous, step, model)


def _model_of(name, step):
    return {"categorical": categorical(), "bernoulli": BERNOULLI,
            "categorical(K=2)": categorical(2), "categorical(K=6)": categorical(6)}[step.model]


def test_equality_step_that_changes_the_left_side_is_rejected():
    previous, step = _with_rhs("ce-one-sample", "log_of_power", derive.get("ce-one-sample").steps[3].rhs, lhs=c.L)
    with pytest.raises(VerificationError, match="left side"):
        verify_step(previous, step, categorical(6))


def test_wrong_likelihood_premise_is_rejected():
    # L = prod y_k forgets the labels: it is not the probability of the observed class.
    _, step = _with_rhs("ce-one-sample", "categorical_likelihood", sp.Product(c.y[c.k], (c.k, 1, 6)))
    with pytest.raises(VerificationError, match="probability"):
        verify_step(None, step, categorical(6))


def test_wrong_bernoulli_premise_is_rejected():
    wrong = sp.Product(c.y[c.i] ** c.t[c.i] * c.y[c.i] ** (1 - c.t[c.i]), (c.i, 1, c.N))
    _, step = _with_rhs("bce-bernoulli", "bernoulli_likelihood", wrong)
    with pytest.raises(VerificationError):
        verify_step(None, step, BERNOULLI)


def test_a_whole_chain_with_one_wrong_step_is_rejected():
    derivation = derive.get("ce")
    steps = list(derivation.steps)
    steps[3] = replace(steps[3], equation=Equation(steps[3].lhs, 2 * steps[3].rhs))
    models = tuple(categorical() for _ in steps)
    with pytest.raises(VerificationError, match="log_of_finite_product"):
        verify_steps(tuple(steps), models)


def test_unverified_given_premise_is_marked_no():
    d = derive.cross_entropy(batch=False, likelihood=sp.Product(c.y[c.k] ** c.t[c.k], (c.k, 1, c.K)))
    assert d.steps[0].rule == "given"
    assert d.steps[0].verification.method == "no"
    assert not d.verified

"""The exponential (issue 19, part 3): d/dx e^x = e^x from the limit definition, as log-derivative
does for the log, each step a catalogue rule proved for every value."""
from dataclasses import replace

import pytest
import sympy as sp

import derive
from derive.errors import VerificationError
from derive.models import ANY_VALUES
from derive.printing.text import derivation_text
from derive.steps import Equation
from derive.verification import verify_step


def test_the_derivative_of_the_exponential_from_the_limit_definition():
    derivation = derive.get("exp-derivative")
    assert [s.rule for s in derivation.steps] == [
        "derivative_as_limit", "exp_of_sum", "common_factor", "constant_out_of_limit", "exp_limit_at_zero"]
    x = derivation.steps[0].lhs.variables[0]
    assert derivation.result.lhs == sp.Derivative(sp.exp(x), x) and derivation.result.rhs == sp.exp(x)
    assert all(s.verification.method == "symbolic" and not s.verification.sizes for s in derivation.steps)
    assert all(s.verification.proved_by == s.rule for s in derivation.steps[1:])
    assert "exp-derivative" in derive.names()
    assert "eˣ" in derivation_text(derivation, "ja").splitlines()[0]


@pytest.mark.parametrize("wrong", ["2*exp(x)", "exp(x) + 1e-30", "exp(x)*(1 + x**7)"])
def test_a_wrong_last_step_is_caught(wrong):
    derivation = derive.get("exp-derivative")
    x = derivation.steps[0].lhs.variables[0]
    step = derivation.steps[-1]
    bad = replace(step, equation=Equation(step.lhs, sp.sympify(wrong, locals={"x": x})))
    with pytest.raises(VerificationError):
        verify_step(derivation.steps[-2].equation, bad, ANY_VALUES)


def test_the_exponential_lemma_is_cited_where_the_rule_is_used():
    from derive.catalogue import get_rule
    assert "exp-derivative" in get_rule("derivative_of_exp").justification["en"]


@pytest.mark.parametrize("classes", [None, 3, 5])
def test_the_exponential_rules_write_the_sigmoid_and_softmax_for_any_number_of_classes(classes):
    from derive import conventions as c
    from derive.derivations import build
    derivation = build("exp-rules", classes=classes) if classes else derive.get("exp-rules")
    rules = [s.rule for s in derivation.steps]
    assert rules[:4] == ["sigmoid_as_exp", "sigmoid_numerator_exp", "softmax_as_exp", "exp_over_sum_of_exps"]
    assert "take_logarithm" in rules
    x = derivation.steps[0].rhs.free_symbols.pop()
    assert derivation.steps[1].rhs == sp.exp(x) / (sp.exp(x) + 1)
    K = classes or c.K
    differences = sp.Sum(sp.exp(c.z[c.l] - c.z[c.k]), (c.l, 1, K))
    assert derivation.steps[3].rhs == 1 / differences
    assert derivation.result.lhs == sp.log(c.y[c.k]) and derivation.result.rhs == -sp.log(differences)
    assert all(s.verification.method == "symbolic" and not s.verification.sizes for s in derivation.steps)


def test_a_softmax_written_wrongly_by_differences_is_caught():
    from derive import conventions as c
    from derive.models import categorical
    derivation = derive.get("exp-rules")
    step = derivation.steps[3]
    wrong = 1 / sp.Sum(sp.exp(c.z[c.k] - c.z[c.l]), (c.l, 1, c.K))  # the difference the wrong way round
    with pytest.raises(VerificationError):
        verify_step(derivation.steps[2].equation, replace(step, equation=Equation(step.lhs, wrong)),
                    categorical().with_link("softmax"))

"""Attacks on the checker's proof by cases, its decimals and its `holds` steps, by an independent helper given the
classes (not our tests). Each test built a false statement that derive_checker reported *proved* before its fix (or,
for the last, an exception that escaped the checker); each is now refused, or left "numeric" (not proved):
  * a cut point moving with a summation index (the cases of a sum decided as if they switched all at once);
  * an empty sum or product evaluated by SymPy's convention inside the cases (a reversed range is minus a sum);
  * a derivative carried out at a cut point (the case holding only *at* the point differentiated there);
  * a decimal's own precision setting both its arithmetic and the numeric tolerance (1.0 at 2 bits = 5/4);
  * a `holds` step differentiating a name an earlier step defines (dE/dx = 0, d(2E)/dx = 0 after E = x²);
  * a decimal with more digits than its bits hold, read at those bits (0.1000000000000004 = 1/10);
  * a condition SymPy cannot rewrite raising NotImplementedError out of the checker.
"""
import pytest

from derive_checker.certificate import check_certificate
from derive_checker.expressions import Malformed

X, E, ONE = ["Symbol", "x"], ["Symbol", "E"], ["Integer", "1"]


def integer(value):
    return ["Integer", str(value)]


def relu(x):
    return ["Piecewise", ["Case", x, ["Gt", x, integer(0)]], ["Case", integer(0), ["BooleanTrue"]]]


def two_steps(model, before, after, check="equal", axioms=("field", "order")):
    return {"schema": "derive-certificate/1", "name": "attack", "models": {"m": model}, "rules": {},
            "steps": [{"n": 1, "rule": "given", "check": "given", "model": "m", "lhs": E, "rhs": before},
                      {"n": 2, "rule": "by_cases", "check": check, "model": "m", "lhs": E, "rhs": after}],
            "rests_on": {"axioms": list(axioms), "theorems": []}}


def verdict(certificate):
    return check_certificate(certificate, cache={}, listed=False)["steps"][-1]["verdict"]


def test_a_cut_point_moving_with_a_summation_index_is_not_proved():
    """Σ_{i=1}^{2} (i if x > i + 10 else 3 − i) = 3 for every real x: false at x = 11.5 (the sum is 2)."""
    model = {"symbols": {"E": "real", "x": "real", "i": "index"}, "sizes": {}}
    i = ["Symbol", "i"]
    cases = ["Piecewise", ["Case", i, ["Gt", X, ["Add", i, integer(10)]]], ["Case", ["Add", integer(3), ["Mul", integer(-1), i]], ["BooleanTrue"]]]
    assert verdict(two_steps(model, ["Sum", cases, ["Limits", i, ONE, integer(2)]], integer(3))) != "proved"


@pytest.mark.parametrize("binder", ["Sum", "Product"])
def test_an_empty_range_inside_cases_is_not_summed_by_sympys_convention(binder):
    """relu(x) + Σ_{i=N}^{5} 1 = relu(x) + 6 − N (and the product of 2s, 2^(6−N)) for every N ≥ 1: false from N = 7,
    where the range is empty (0 terms: the sum 0, the product 1)."""
    model = {"symbols": {"E": "real", "x": "real", "i": "index"}, "sizes": {"N": {"min": 1}}}
    n, limits = ["Symbol", "N"], ["Limits", ["Symbol", "i"], ["Symbol", "N"], integer(5)]
    six_less_n = ["Add", integer(6), ["Mul", integer(-1), n]]
    before, after = ((["Add", relu(X), ["Sum", ONE, limits]], ["Add", relu(X), six_less_n]) if binder == "Sum" else
                     (["Mul", relu(X), ["Product", integer(2), limits]], ["Mul", relu(X), ["Pow", integer(2), six_less_n]]))
    assert verdict(two_steps(model, before, after)) != "proved"


def test_a_derivative_is_not_carried_out_at_a_cut_point():
    """d/dt (t x) = {2t if x = t; x otherwise}: false at x = t = 1 (1 against 2)."""
    model = {"symbols": {"E": "real", "x": "real", "t": "real"}, "sizes": {}}
    t = ["Symbol", "t"]
    claimed = ["Piecewise", ["Case", ["Mul", integer(2), t], ["Eq", X, t]], ["Case", X, ["BooleanTrue"]]]
    assert verdict(two_steps(model, ["Derivative", ["Mul", t, X], t], claimed)) != "proved"


def test_a_decimal_is_read_as_written_and_never_coarser_than_a_double():
    model = {"symbols": {"E": "real", "x": "real"}, "sizes": {}}
    exactly_one = ["Float", "1.0", 53]
    assert verdict(two_steps(model, exactly_one, ["Add", ONE, ["Rational", "1", str(2 ** 60)]], axioms=["field"])) != "proved"
    assert verdict(two_steps(model, ["Float", "0.150000000000000", 53], ["Rational", "3", "20"], axioms=["field"])) == "proved"
    with pytest.raises(Malformed, match="as they hold it"):  # 0.1000000000000004 read at 53 bits as 0.1: "proved" = 1/10
        check_certificate(two_steps(model, ["Float", "0.1000000000000004", 53], ["Rational", "1", "10"], axioms=["field"]), cache={})
    with pytest.raises(Malformed, match="53 bits"):  # 1.0 at 2 bits "equalled" 5/4 (its tolerance about 500)
        check_certificate(two_steps(model, ["Float", "1.0", 2], ["Rational", "5", "4"], axioms=["field"]), cache={})


@pytest.mark.parametrize("differentiated, claimed", [
    (E, integer(0)), (["Mul", integer(2), E], integer(0)), (["Add", E, X], ONE), (["Pow", E, integer(3)], integer(0))])
def test_a_holds_step_may_not_differentiate_a_name_an_earlier_step_defines(differentiated, claimed):
    """After E = x², a `holds` step dE/dx = 0 was proved (E alone is a symbol to SymPy, its derivative 0); after the
    first fix (E bare refused) a fresh reader proved d(2E)/dx = 0, d(E + x)/dx = 1 and d(E³)/dx = 0 the same way."""
    model = {"symbols": {"E": "real", "x": "real"}, "sizes": {}}
    certificate = two_steps(model, ["Pow", X, integer(2)], claimed, check="holds", axioms=["derivative"])
    certificate["steps"][1]["lhs"] = ["Derivative", differentiated, X]
    report = check_certificate(certificate, cache={}, listed=False)
    assert not report["ok"] and "differentiates a name" in report["failure"]


def test_a_condition_sympy_cannot_rewrite_is_refused_not_raised():
    """A bare symbol as a case's only condition (the attack edited Huber's clamp −δ into that times δ) made SymPy raise
    NotImplementedError out of the checker."""
    model = {"symbols": {"E": "real", "x": "real", "b": "unit", "d": "positive"}, "sizes": {}}
    odd = ["Mul", ["Piecewise", ["Case", ONE, ["Symbol", "b"]]], ["Symbol", "d"]]
    report = check_certificate(two_steps(model, relu(X), ["Max", odd, ["Min", ["Symbol", "d"], X]]), cache={}, listed=False)
    assert report["steps"][-1]["verdict"] != "proved"

"""derive_checker's own proof by cases (derive_checker/cases.py): a collapse of cases into one form (Huber's
derivative into a clamp) proved for every real value, the parameter only where the model declares it positive;
a wrong form never proved.  The certificates are written by hand, in the engine's format."""
import pytest
import sympy as sp

from derive_checker.cases import equal_by_cases
from derive_checker.certificate import check_certificate

S = lambda name: ["Symbol", name]  # noqa: E731
X, Y, D, N, MINUS = ["Indexed", "x", S("j")], ["Indexed", "y", S("j")], S("delta"), S("N"), ["Integer", "-1"]
U = ["Add", X, ["Mul", MINUS, Y]]
OVER_N = lambda e: ["Mul", e, ["Pow", N, MINUS]]  # noqa: E731
CASES = ["Piecewise", ["Case", OVER_N(U), ["Ge", D, ["Abs", U]]], ["Case", OVER_N(D), ["Gt", X, Y]],
         ["Case", OVER_N(["Mul", MINUS, D]), ["BooleanTrue"]]]
CLAMP = OVER_N(["Max", ["Mul", MINUS, D], ["Min", D, U]])


def _verdict(form: list, delta: str = "positive") -> str:
    lhs = ["Derivative", S("E"), X]
    model = {"symbols": {"E": "real", "delta": delta, "N": "size", "j": "index"}, "arrays": {"x": "real", "y": "real"},
             "sizes": {"N": {"min": 1}}, "indices": {"j": [["Integer", "1"], N]}}
    document = {"schema": "derive-certificate/1", "name": "huber", "models": {"m": model}, "rules": {},
                "steps": [{"n": 1, "rule": "given", "check": "given", "model": "m", "lhs": lhs, "rhs": CASES},
                          {"n": 2, "rule": "by_cases", "check": "equal", "model": "m", "lhs": lhs, "rhs": form}]}
    report = check_certificate(document, cache={}, listed=False)
    return report["steps"][-1]["verdict"] if report["ok"] else "refused"


def test_hubers_cases_are_proved_its_clamp_with_delta_declared_positive():
    assert _verdict(CLAMP) == "proved"


@pytest.mark.parametrize("form, delta", [
    (CLAMP, "real"),  # δ < 0: the cases are -δ/N and δ/N swapped, no clamp
    (OVER_N(["Max", ["Mul", MINUS, D], ["Min", D, ["Add", U, ["Rational", "1", "100"]]]]), "positive"),  # shifted
    (OVER_N(["Max", ["Integer", "0"], ["Min", D, U]]), "positive"),  # the lower side cut off
])
def test_a_wrong_form_or_an_undeclared_sign_is_never_proved(form, delta):
    assert _verdict(form, delta) in ("numeric", "refused")


def test_the_proof_by_cases_decides_only_what_it_can_order():
    x, y = sp.symbols("x y", real=True)
    c = sp.Symbol("c", positive=True)
    assert equal_by_cases(sp.Abs(x - 1) + sp.Abs(x + 1) - sp.Max(2 * sp.Abs(x), 2), x)
    assert not equal_by_cases(sp.Abs(x - 1) + sp.Abs(x + 1) - sp.Max(2 * sp.Abs(x), 3), x)
    assert equal_by_cases(sp.Piecewise((2 * (x - c), x > c), (2 * (x + c), x < -c), (0, True)) - 2 * (x - sp.Max(-c, sp.Min(c, x))), x)
    assert not equal_by_cases(sp.Max(-y, sp.Min(y, x)) - sp.Piecewise((x, sp.Abs(x) <= y), (y, x > 0), (-y, True)), x)  # y of either sign
    assert not equal_by_cases(sp.Max(0, x ** 2 - 1) - sp.Max(0, x - 1), x)  # a gap of degree 2: not decided, not claimed


@pytest.mark.parametrize("rhs, verdict", [
    (["Mul", ["Symbol", "a"], ["log1p", ["Symbol", "b"]]], "numeric"),  # 0 at a = 0, b = −1 against 0·log 0: no proof
    (["xlogy", ["Symbol", "a"], ["Add", ["Integer", "1"], ["Symbol", "b"]]], "proved"),  # the same exception on both sides
])
def test_xlog1py_keeps_its_case_at_a_zero_where_log1p_b_has_no_value(rhs, verdict):
    """xlog1py(a, b) is 0 at a = 0 for every b, b = −1 included, where a log1p(b) is 0·(−∞): SymPy's 0·log(1 + b) = 0
    (it takes log(1 + b) finite) proved them equal; a difference left with a case is no longer proved."""
    model = {"symbols": {"E": "real", "a": "real", "b": "real"}, "sizes": {}}
    steps = [("given", ["xlog1py", ["Symbol", "a"], ["Symbol", "b"]]), ("equal", rhs)]
    document = {"schema": "derive-certificate/1", "name": "xlog1py", "models": {"m": model}, "rules": {},
                "steps": [{"n": n, "rule": check, "check": check, "model": "m", "lhs": S("E"), "rhs": side}
                          for n, (check, side) in enumerate(steps, 1)]}
    report = check_certificate(document, cache={}, listed=False)
    assert report["ok"] and report["steps"][-1]["verdict"] == verdict, report

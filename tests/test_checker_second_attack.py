"""A second independent attack on derive_checker, by class (catalogue rules, names, domains, edited records, induction
and substitution steps, sizes): each certificate below was reported *proved* (or raised an exception other than
Malformed) before its fix, and is now refused or left "numeric".  The helper's reproducers, kept as tests:
  * a bound name renamed with capture (an inner sum re-binding a name its own limit reads from outside);
  * a Kronecker delta collapsed into an inner sum that binds the name it puts in;
  * a rule's index wild matched to the rule's own summation index (x_k pulled out of Σ_k x_k y_k);
  * `implied` with a user's rule defining a name earlier steps use, and `named` naming such a name;
  * `recalled` carrying a verdict proved in a narrower model into a wider one;
  * a limit read one-sided (lim_{x→0} |x|/x = 1);
  * a catalogue document fixing a size, or stating an unpinned definition, reported proved;
  * induction over a real variable;
  * a step's check or model that is no string, a diagonal matrix of a scalar: exceptions out of the checker.
"""
import pytest

from derive_checker.certificate import check_catalogue, check_certificate
from derive_checker.expressions import Malformed


def S(name):
    return ["Symbol", name]


def I(value):
    return ["Integer", str(value)]


def W(name):
    return ["Wild", name]


FACTOR = ["Mul", ["Add", S("N"), I(-1)], ["Add", S("N"), I(-2)]]  # 0 at N = 1 and 2: hides a falsehood from small sizes


def certificate(model, steps, rules=None, models=None):
    return {"schema": "derive-certificate/1", "name": "attack", "models": models or {"m": model}, "rules": rules or {},
            "steps": [{"model": "m", **step} for step in steps]}


def verdicts(cert):
    return [s["verdict"] for s in check_certificate(cert, cache={}, listed=False)["steps"]]


def test_a_bound_name_is_renamed_without_capture():
    """Σ_j log(x_j + Σ_{j'=1}^{j} x_j') is not Σ_j log(x_j + Σ_{i'=1}^{i} x_i') (at N = 3, i = 1: 8.99 against 6.36)."""
    x = lambda ix: ["Indexed", "x", ix]  # noqa: E731
    outer = lambda inner: ["Mul", FACTOR, ["Sum", ["log", ["Add", x(S("j")), inner]], ["Limits", S("j"), I(1), S("N")]]]  # noqa: E731
    model = {"symbols": {"L": "real", "i": "index", "j": "index"}, "arrays": {"x": "positive"},
             "sizes": {"N": {"min": 1}}, "facts": [], "indices": {"i": [I(1), S("N")]}}
    steps = [{"check": "given", "lhs": S("L"), "rhs": outer(["Sum", x(S("j")), ["Limits", S("j"), I(1), S("j")]])},
             {"check": "equal", "lhs": S("L"), "rhs": outer(["Sum", x(S("i")), ["Limits", S("i"), I(1), S("i")]])}]
    assert verdicts(certificate(model, steps))[1] != "proved"


def test_a_delta_is_not_collapsed_into_a_sum_binding_its_name():
    """Σ_j δ_ja Σ_a' log(x_a' + y_j) is Σ_a' log(x_a' + y_a), not Σ_a' log(x_a' + y_a')."""
    term = ["Sum", ["log", ["Add", ["Indexed", "x", S("a")], ["Indexed", "y", S("j")]]], ["Limits", S("a"), I(1), S("N")]]
    lhs = ["Mul", FACTOR, ["Sum", ["Mul", ["KroneckerDelta", S("j"), S("a")], term], ["Limits", S("j"), I(1), S("N")]]]
    rhs = ["Mul", FACTOR, ["Sum", ["log", ["Add", ["Indexed", "x", S("a")], ["Indexed", "y", S("a")]]], ["Limits", S("a"), I(1), S("N")]]]
    model = {"symbols": {"L": "real", "a": "index", "j": "index"}, "arrays": {"x": "positive", "y": "positive"},
             "sizes": {"N": {"min": 1}}, "facts": [], "indices": {"a": [I(1), S("N")]}}
    assert verdicts(certificate(model, [{"check": "given", "lhs": S("L"), "rhs": lhs}, {"check": "equal", "lhs": S("L"), "rhs": rhs}]))[1] != "proved"


def test_a_rules_index_wild_is_not_matched_to_its_own_summation_index():
    """Σ_j x_q f_j = x_q Σ_j f_j holds; with q := k and j := k it 'proved' Σ_k x_k y_k = x_k Σ_k y_k."""
    rule = {"name": "pull_out_component", "operation": "rewrite", "wilds": ["q", "f", "j", "a", "b"], "conditions": [], "requires": [],
            "lhs": ["Sum", ["Mul", ["Indexed", "x", W("q")], W("f")], ["Limits", W("j"), W("a"), W("b")]],
            "rhs": ["Mul", ["Indexed", "x", W("q")], ["Sum", W("f"), ["Limits", W("j"), W("a"), W("b")]]]}
    before = ["Mul", FACTOR, ["Sum", ["Mul", ["Indexed", "x", S("k")], ["Indexed", "y", S("k")]], ["Limits", S("k"), I(1), S("N")]]]
    after = ["Mul", FACTOR, ["Mul", ["Indexed", "x", S("k")], ["Sum", ["Indexed", "y", S("k")], ["Limits", S("k"), I(1), S("N")]]]]
    model = {"symbols": {"L": "real", "k": "index"}, "arrays": {"x": "positive", "y": "positive"},
             "sizes": {"N": {"min": 1}}, "facts": [], "indices": {"k": [I(1), S("N")]}}
    steps = [{"check": "given", "lhs": S("L"), "rhs": before},
             {"check": "rewrite", "rule": "pull_out_component", "lhs": S("L"), "rhs": after, "location": [1], "conditions": [],
              "match": {"q": S("k"), "f": ["Indexed", "y", S("k")], "j": S("k"), "a": I(1), "b": S("N")}}]
    assert verdicts(certificate(model, steps, {"pull_out_component": rule}))[1] == "failed"


def test_a_definition_may_not_name_what_earlier_steps_use():
    model = {"symbols": {"L": "real", "x": "real"}, "arrays": {}, "sizes": {}, "facts": [], "indices": {}}
    rule = {"name": "let_x_be_one", "operation": "state_definition", "wilds": [], "conditions": [], "requires": [], "defines": [[S("x"), I(1)]]}
    implied = [{"check": "given", "lhs": S("L"), "rhs": ["exp", S("x")]},
               {"check": "implied", "rule": "let_x_be_one", "lhs": S("x"), "rhs": I(1), "definitions": [[S("x"), I(1)]]}]
    assert verdicts(certificate(model, implied, {"let_x_be_one": rule}))[1] == "failed"
    named = [{"check": "given", "lhs": S("L"), "rhs": ["exp", S("x")]}, {"check": "holds", "lhs": ["Add", I(1), I(0)], "rhs": I(1)},
             {"check": "named", "lhs": I(1), "rhs": S("x"), "definitions": [[S("x"), I(1)]]}]
    assert verdicts(certificate(model, named))[2] == "failed"


def test_a_recalled_step_keeps_its_model():
    """log(x²) = 2 log x proved where x > 0 is not recalled where x is any real."""
    positive = {"symbols": {"L": "real", "x": "positive"}, "arrays": {}, "sizes": {}, "facts": [], "indices": {}}
    real = {"symbols": {"L": "real", "x": "real"}, "arrays": {}, "sizes": {}, "facts": [], "indices": {}}
    log_square, two_log = ["log", ["Pow", S("x"), I(2)]], ["Mul", I(2), ["log", S("x")]]
    cert = certificate(None, [], models={"a": positive, "b": real})
    cert["steps"] = [{"check": "holds", "model": "a", "lhs": log_square, "rhs": two_log},
                     {"check": "recalled", "model": "b", "lhs": log_square, "rhs": two_log}]
    assert verdicts(cert) == ["proved", "failed"]


def test_a_limit_is_two_sided():
    model = {"symbols": {"L": "real", "x": "real"}, "arrays": {}, "sizes": {}, "facts": [], "indices": {}}
    sign = ["Mul", ["Abs", S("x")], ["Pow", S("x"), I(-1)]]
    for value in (I(1), I(-1)):
        steps = [{"check": "given", "lhs": S("L"), "rhs": ["Limit", sign, S("x"), I(0)]}, {"check": "equal", "lhs": S("L"), "rhs": value}]
        assert verdicts(certificate(model, steps))[1] == "failed"


def test_a_catalogue_fixes_no_size_and_pins_its_definitions():
    two_terms = {"name": "two_terms", "operation": "rewrite", "wilds": [], "conditions": [], "requires": [],
                 "lhs": ["Sum", ["Indexed", "y", S("k")], ["Limits", S("k"), I(1), S("K")]],
                 "rhs": ["Add", ["Indexed", "y", I(1)], ["Indexed", "y", I(2)]]}
    with pytest.raises(Malformed, match="fixes"):
        check_catalogue({"schema": "derive-catalogue/1", "model": {"arrays": {"y": "real"}, "symbols": {}, "sizes": {"K": {"fixed": 2}}},
                         "rules": [two_terms]}, cache={})
    one_is_two = {"name": "one_is_two", "operation": "premise", "wilds": [], "conditions": [], "requires": [], "to": [I(1), I(2)]}
    report = check_catalogue({"schema": "derive-catalogue/1", "model": {"symbols": {}, "sizes": {}}, "rules": [one_is_two]}, cache={})
    assert not report["ok"] and report["rules"][0]["verdict"] == "failed"


def test_induction_is_over_a_whole_number():
    """v_t = 2 v_{t-1} does not give v_t = 2^t v_0 cos(2πt) for a real t."""
    v = lambda ix: ["Indexed", "v", ix]  # noqa: E731
    model = {"symbols": {"t": "real"}, "arrays": {"v": "real"}, "sizes": {}, "facts": [], "indices": {}}
    steps = [{"check": "given", "lhs": v(S("t")), "rhs": ["Mul", I(2), v(["Add", S("t"), I(-1)])]},
             {"check": "induction", "lhs": v(S("t")), "variables": [S("t")],
              "rhs": ["Mul", ["Pow", I(2), S("t")], v(I(0)), ["cos", ["Mul", I(2), ["Pi"], S("t")]]]}]
    assert verdicts(certificate(model, steps))[1] == "failed"


@pytest.mark.parametrize("edit", [{"model": []}, {"check": []}, {"rhs": ["DiagMatrix", S("x")]}])
def test_a_malformed_step_is_refused_never_raised_otherwise(edit):
    model = {"symbols": {"L": "real", "x": "real"}, "arrays": {}, "sizes": {}, "facts": [], "indices": {}}
    cert = certificate(model, [{"check": "given", "lhs": S("L"), "rhs": ["exp", S("x")]},
                               {"check": "equal", "lhs": S("L"), "rhs": ["exp", S("x")], **edit}])
    try:
        report = check_certificate(cert, cache={}, listed=False)
    except Malformed:
        return
    assert not report["ok"]

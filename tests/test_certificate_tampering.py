"""A certificate edited by hand is refused: a changed right side, binding, index range or size; a
deleted condition; a swapped rule; a rule's statement changed (an axiom's by its pin, a theorem's
because the stated theorem must be the catalogue's own, pinned alike, and is proved afresh)."""
import copy
import json
from functools import lru_cache

import pytest

import derive
from derive_checker.certificate import check_certificate


@lru_cache(maxsize=None)
def _original(name: str) -> str:
    return json.dumps(derive.get(name).certificate())


def _refused(name, edit):
    document = json.loads(_original(name))
    edit(document)
    report = check_certificate(document)
    assert not report["ok"], "a tampered certificate passed"
    return report["failure"]


def _step(document, rule):
    return next(s for s in document["steps"] if s["rule"] == rule)


def _set(path, value):
    def edit(document):
        node = document
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return edit


# ----- a changed right side ------------------------------------------------------------------
@pytest.mark.parametrize("name, number, value", [
    ("ce", 6, ["Integer", "0"]),                     # the result
    ("ce", 3, ["Symbol", "E"]),                      # a middle step
    ("bce", 7, ["Integer", "1"]),                    # after an 'equal' step
    ("bce-sigmoid-grad", 19, ["Symbol", "N"]),       # the gradient
    ("ce-dice-example", 8, ["Integer", "7"]),        # a worked number
])
def test_a_changed_right_side_is_refused(name, number, value):
    _refused(name, _set(["steps", number - 1, "rhs"], value))


def test_a_changed_factor_deep_inside_the_right_side_is_refused():
    def edit(document):
        step = _step(document, "log_of_power")
        step["rhs"] = json.loads(json.dumps(step["rhs"]).replace('["Symbol", "t"]', '["Symbol", "y"]')
                                 .replace('["Indexed", "t"', '["Indexed", "y"'))
    _refused("ce", edit)


# ----- a changed binding (match) ------------------------------------------------------------
@pytest.mark.parametrize("name, rule", [("ce", "log_of_power"), ("ce", "log_of_finite_product"),
                                        ("bce-bernoulli", "log_of_power")])
def test_a_changed_binding_is_refused(name, rule):
    def edit(document):
        match = _step(document, rule)["match"]
        wild = sorted(match)[0]
        match[wild] = ["Integer", "3"]
    _refused(name, edit)


# ----- a changed index range ----------------------------------------------------------------
def _limits(tree, change):
    if isinstance(tree, list):
        if tree[:1] == ["Limits"]:
            change(tree)
            return True
        return any(_limits(t, change) for t in tree[1:])
    return False


@pytest.mark.parametrize("name, rule, bound, value", [
    ("ce", "log_of_power", 3, ["Integer", "1"]),          # upper limit K -> 1
    ("ce", "log_of_finite_product", 2, ["Integer", "2"]),  # lower limit 1 -> 2
    ("bce-grad", "derivative_through_sum", 3, ["Symbol", "K"]),  # N -> K
])
def test_a_changed_index_range_is_refused(name, rule, bound, value):
    def edit(document):
        def change(limits):
            limits[bound] = value
        assert _limits(_step(document, rule)["rhs"], change)
    _refused(name, edit)


def test_a_changed_range_of_a_free_index_in_the_model_is_refused():
    def edit(document):
        for model in document["models"].values():
            if "i" in model["indices"]:
                model["indices"]["i"] = [["Integer", "1"], ["Symbol", "K"]]  # i counts samples, not classes
    assert _refused("ce-grad", edit)


# ----- a changed size -----------------------------------------------------------------------
def test_a_changed_fixed_size_is_refused():
    def edit(document):
        for model in document["models"].values():
            if "fixed" in model["sizes"].get("K", {}):
                model["sizes"]["K"] = {"fixed": 3}
    _refused("bce", edit)


@pytest.mark.parametrize("name, number", [("ce", 6), ("ce-grad", 12)])
def test_a_size_written_as_a_number_is_refused(name, number):
    def edit(document):
        step = document["steps"][number - 1]
        step["rhs"] = json.loads(json.dumps(step["rhs"]).replace('["Symbol", "N"]', '["Integer", "2"]'))
    _refused(name, edit)


def test_a_size_allowed_below_one_is_refused():
    def edit(document):
        for model in document["models"].values():
            for size in model["sizes"].values():
                size["min"] = 0
    with pytest.raises(Exception, match="whole number from 1"):
        _refused("ce", edit)


# ----- a deleted condition ------------------------------------------------------------------
@pytest.mark.parametrize("name, rule", [("ce", "log_of_power"), ("ce", "log_of_finite_product"),
                                        ("bce-grad", "constant_multiple")])
def test_a_deleted_condition_is_refused(name, rule):
    def edit(document):
        assert document["rules"][rule]["conditions"]
        document["rules"][rule]["conditions"].pop(0)
    assert "SHA-256" in _refused(name, edit)


# ----- a swapped rule -----------------------------------------------------------------------
@pytest.mark.parametrize("name, rule, other", [("ce", "log_of_power", "log_of_finite_product"),
                                               ("ce", "log_of_finite_product", "log_of_power"),
                                               ("bce-grad", "derivative_through_sum", "derivative_of_sum")])
def test_a_swapped_rule_is_refused(name, rule, other):
    _refused(name, _set_rule(rule, other))


def _set_rule(rule, other):
    def edit(document):
        _step(document, rule)["rule"] = other
    return edit


def test_a_rule_the_certificate_does_not_state_is_refused():
    assert "does not state" in _refused("ce", _set_rule("log_of_power", "no_such_rule"))


# ----- a rule's statement changed -----------------------------------------------------------
def test_an_axiom_s_statement_changed_is_refused_by_its_pin():
    def edit(document):
        statement = document["rules"]["log_of_power"]  # an axiom (log laws)
        statement["rhs"] = ["Mul", ["Integer", "2"], statement["rhs"]]
    assert "SHA-256" in _refused("ce", edit)


def test_a_theorem_s_statement_changed_is_refused():
    def edit(document):
        statement = document["rules"]["log_of_quotient"]  # a theorem: log(a/b) = log a - log b
        statement["rhs"] = ["Add", ["log", ["Wild", "a"]], ["log", ["Wild", "b"]]]
    assert "SHA-256" in _refused("ce-softmax", edit)


def test_a_statement_with_a_changed_wild_list_is_refused():
    def edit(document):
        document["rules"]["log_of_power"]["wilds"].append("z")
    _refused("ce", edit)


def test_an_untampered_certificate_passes():
    for name in ("ce", "bce", "ce-grad"):
        assert check_certificate(json.loads(_original(name)))["ok"]

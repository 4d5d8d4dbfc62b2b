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
    assert "states no rule 'no_such_rule'" in _refused("ce", _set_rule("log_of_power", "no_such_rule"))


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


# ----- the axioms and theorems it rests on (as Lean's #print axioms) -------------------------
def _rests_on(kind, change):
    def edit(document):
        change(document["rests_on"][kind])
    return edit


@pytest.mark.parametrize("name, kind, change", [
    ("ce", "axioms", lambda listed: listed.remove("log-laws")),                 # one omitted
    ("ce", "axioms", lambda listed: listed.append("induction")),                # one invented
    ("ce", "axioms", lambda listed: listed.clear()),
    ("ce", "theorems", lambda listed: listed.append("log_of_quotient")),        # a theorem it does not use
    ("softmax-hessian", "theorems", lambda listed: listed.remove("log_of_quotient")),
    ("softmax-hessian", "axioms", lambda listed: listed.remove("def-matrix")),  # a matrix read as its entries
    ("ce-vector", "axioms", lambda listed: listed.append("def-sigmoid")),
])
def test_an_altered_list_of_axioms_or_theorems_is_refused(name, kind, change):
    assert "rests_on" in _refused(name, _rests_on(kind, change))


@pytest.mark.parametrize("name", ["ce", "ce-vector"])
def test_a_certificate_listing_nothing_it_rests_on_is_refused(name):
    def edit(document):
        del document["rests_on"]
    assert "rests_on" in _refused(name, edit)


def test_the_list_is_what_the_checker_finds():
    document = json.loads(_original("softmax-hessian"))
    report = check_certificate(document)
    assert report["ok"]
    assert document["rests_on"] == {"axioms": report["axioms"], "theorems": report["theorems"]}
    assert "def-matrix" in report["axioms"] and report["theorems"] == ["log_of_quotient"]


# ----- how each condition was discharged ------------------------------------------------------
def _condition(rule, change):
    def edit(document):
        step = _step(document, rule)
        assert step["conditions"]
        change(step["conditions"])
    return edit


@pytest.mark.parametrize("name, rule, change", [
    ("ce", "log_of_power", lambda c: c[0].update(how="fact of the model: one_hot_labels")),   # altered
    ("ce", "log_of_power", lambda c: c[1].update(how="real: checked")),                       # altered ground
    ("ce", "log_of_power", lambda c: c.pop(0)),                                               # deleted
    ("ce", "log_of_finite_product", lambda c: c[0].pop("how")),
    ("ce", "log_of_finite_product", lambda c: c.append({"text": "f > 0", "how": "positive: declared in the model"})),
    ("softmax-hessian", "derivative_through_sum", lambda c: c[0].update(how="independent of x: checked")),
    ("softmax-hessian", "constant_multiple", lambda c: c[0].update(text="c independent of j")),
    ("softmax-hessian", "derivative_of_constant", lambda c: c.clear()),
])
def test_an_altered_or_deleted_discharge_is_refused(name, rule, change):
    assert "discharged" in _refused(name, _condition(rule, change))


def test_a_step_without_its_discharges_is_refused():
    def edit(document):
        del _step(document, "log_of_power")["conditions"]
    assert "discharged" in _refused("ce", edit)


# ----- the same classes of tampering on the matrix forms ---------------------------------------
def _replace_in(number, old, new):
    def edit(document):
        step = document["steps"][number - 1]
        text = json.dumps(step["rhs"])
        assert json.dumps(old) in text
        step["rhs"] = json.loads(text.replace(json.dumps(old), json.dumps(new), 1))
    return edit


T, Y = ["MatrixSymbol", "T"], ["MatrixSymbol", "Y"]


@pytest.mark.parametrize("name, number, old, new", [
    ("ce-vector", 6, ["MatrixSymbol", "t"], ["MatrixSymbol", "y"]),           # y (log y)ᵀ
    ("ce-vector", 7, ["Symbol", "N"], ["Integer", "2"]),                       # the mean over 2, not N
    ("softmax-hessian", 20, ["Integer", "-1"], ["Integer", "1"]),              # diag(y) + y yᵀ
    ("ce-matrix-grad", 2, T, Y),                                               # (Y - Y)/N
    ("ce-matrix-grad", 29, ["Transpose", ["MatrixSymbol", "X"]], ["Integer", "1"]),  # (Y - T)/N: the wrong shape
])
def test_a_changed_right_side_of_a_matrix_form_is_refused(name, number, old, new):
    _refused(name, _replace_in(number, old, new))


def test_a_transposed_factor_in_a_matrix_product_is_refused():
    def edit(document):  # t (log y)ᵀ as tᵀ (log y): a K x K matrix, not a number
        step = document["steps"][5]
        step["rhs"] = json.loads(json.dumps(step["rhs"]).replace('["MatrixSymbol", "t"]', '["Transpose", ["MatrixSymbol", "t"]]')
                                 .replace('["Transpose", ["MatrixSymbol", "y"]]', '["MatrixSymbol", "y"]'))
    _refused("ce-vector", edit)


@pytest.mark.parametrize("name, matrix, entry", [
    ("ce-vector", "T", ["Indexed", "y", ["Symbol", "matrix_row"], ["Symbol", "matrix_column"]]),   # T stands for y
    ("softmax-hessian", "H", ["Derivative", ["Symbol", "E"], ["Indexed", "z", ["Symbol", "matrix_column"]],
                              ["Indexed", "z", ["Symbol", "matrix_column"]]]),                    # the diagonal only
    ("ce-matrix-grad", "nabla_Z E", ["Derivative", ["Symbol", "E"], ["Indexed", "z", ["Symbol", "matrix_column"],
                                                                    ["Symbol", "matrix_row"]]]),  # transposed
])
def test_a_changed_entry_of_a_declared_matrix_is_refused(name, matrix, entry):
    def edit(document):
        changed = [m for m in document["models"].values() if matrix in m.get("matrices", {})]
        assert changed
        for model in changed:
            model["matrices"][matrix]["entry"] = entry
    _refused(name, edit)


def test_a_changed_binding_on_a_matrix_form_is_refused():
    def edit(document):
        _step(document, "derivative_through_sum")["match"]["j"] = ["Symbol", "k"]
    _refused("softmax-hessian", edit)


@pytest.mark.parametrize("name, change", [
    ("softmax-hessian", lambda m: m["matrices"]["H"].update(shape=[["Symbol", "K"], ["Integer", "1"]])),  # a column
    ("ce-matrix-grad", lambda m: m.get("matrices", {}).get("nabla_Z E", {}).update(shape=[["Symbol", "K"], ["Symbol", "K"]])),
    ("ce-matrix-grad", lambda m: m["indices"].update(i=[["Integer", "1"], ["Symbol", "K"]]) if "i" in m["indices"] else None),
    ("softmax-hessian", lambda m: m["indices"].update(m=[["Integer", "2"], ["Symbol", "K"]])),
])
def test_a_changed_index_range_or_shape_on_a_matrix_form_is_refused(name, change):
    def edit(document):
        for model in document["models"].values():
            change(model)
    _refused(name, edit)


def test_a_changed_index_range_inside_a_matrix_form_step_is_refused():
    def edit(document):
        def change(limits):
            limits[3] = ["Symbol", "N"]  # h runs to N, not K
        assert _limits(_step(document, "derivative_through_sum")["rhs"], change)
    _refused("softmax-hessian", edit)


@pytest.mark.parametrize("name, change", [
    ("ce-vector", lambda mapping: mapping.__setitem__(2, [["Symbol", "N"], ["Integer", "2"]])),  # N = 2 is not one sample
    ("ce-vector", lambda mapping: [p.__setitem__(1, ["MatrixSymbol", "y"]) for p in mapping if p[0][1] == "T"]),  # T as y
    ("ce-matrix-grad", lambda mapping: mapping[0].__setitem__(1, ["Indexed", "x", ["Symbol", "i"], ["Symbol", "h"]])),
])
def test_a_changed_size_or_mapping_on_a_matrix_form_is_refused(name, change):
    def edit(document):
        step = next(s for s in document["steps"] if s.get("mapping"))
        change(step["mapping"])
    _refused(name, edit)


@pytest.mark.parametrize("name, rule", [("softmax-hessian", "log_of_quotient"), ("softmax-hessian", "constant_multiple"),
                                        ("ce-matrix-grad", "derivative_through_sum")])
def test_a_deleted_condition_of_a_rule_on_a_matrix_form_is_refused(name, rule):
    def edit(document):
        rules = [document["rules"]] + [s["derivation"]["rules"] for s in document["steps"] if s.get("derivation")]
        found = [r[rule] for r in rules if r.get(rule, {}).get("conditions")]
        assert found
        for statement in found:
            statement["conditions"].pop(0)
    assert "SHA-256" in _refused(name, edit)


@pytest.mark.parametrize("name, rule, other", [("softmax-hessian", "derivative_through_sum", "derivative_of_sum"),
                                               ("softmax-hessian", "constant_multiple", "derivative_of_constant"),
                                               ("ce-matrix-grad", "derivative_of_sum", "derivative_through_sum")])
def test_a_swapped_rule_on_a_matrix_form_is_refused(name, rule, other):
    _refused(name, _set_rule(rule, other))


def test_a_theorem_s_statement_changed_on_a_matrix_form_is_refused():
    def edit(document):
        for holder in [document] + [s["derivation"] for s in document["steps"] if s.get("derivation")]:
            statement = holder["rules"].get("log_of_quotient")
            if statement:
                statement["rhs"] = ["Add", ["log", ["Wild", "a"]], ["log", ["Wild", "b"]]]
    assert "SHA-256" in _refused("softmax-hessian", edit)


def test_untampered_matrix_forms_pass():
    for name in ("ce-vector", "softmax-hessian"):
        assert check_certificate(json.loads(_original(name)))["ok"]

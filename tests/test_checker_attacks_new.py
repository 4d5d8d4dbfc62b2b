"""Attacks on the checker's new parts, by class: the loss definitions it takes as stated (axiom def-loss), the kink
axiom derivative-positive-part and the restriction a result carries, the Heaviside step's value at 0, the softmax
Jacobian in any row, the hash seed, and the checker's data (axioms.json).

Three holes were found and are fixed on this branch (each test says what happened before the fix):
  * a premise's defined name read as a size or a number (the model declares ``E`` a size, fixed or not):
    "3 = the hinge loss" was *stated* under def-loss and the whole gradient chain "proved" of ∂3/∂z;
  * the restriction dropped by writing the kink step as an ``equal`` step: the checker's "derivative"
    normalisation (SymPy's diff) differentiated max(u, 0) at its kink with H(0) = 1/2, so the hinge gradient was
    "proved" for every value, resting on no kink axiom and carrying no restriction;
  * a restriction lost in reporting: a ``derived`` step citing hinge-grad, and ``derive verify``'s text lines,
    said "proved" with no restriction.
"""
import contextlib
import copy
import io
import json
import os
import subprocess
import sys
from functools import lru_cache

import pytest

import derive
from derive.cli import main
from derive_checker import axioms as checker_axioms
from derive_checker.certificate import check_certificate


@lru_cache(maxsize=None)
def _original(name: str) -> str:
    return json.dumps(derive.get(name).certificate())


def _cert(name: str) -> dict:
    return json.loads(_original(name))


def _report(document, listed=False):
    return check_certificate(document, cache={}, listed=listed)


def _verdicts(report):
    return [s["verdict"] for s in report["steps"]]


def _swap(tree, old, new):
    return json.loads(json.dumps(tree).replace(json.dumps(old), json.dumps(new)))


S = lambda name: ["Symbol", name]  # noqa: E731
I = lambda name, *ix: ["Indexed", name, *(S(i) for i in ix)]  # noqa: E731,E741
NEG = lambda e: ["Mul", ["Integer", "-1"], e]  # noqa: E731
DELTA = lambda a, b: ["KroneckerDelta", S(a), S(b)]  # noqa: E731


def _mini(steps, symbols=None, rules=None):
    model = {"symbols": symbols or {"x": "real", "E": "real"}, "sizes": {}}
    return {"schema": _cert("hinge-grad")["schema"], "name": "attack", "models": {"m": model}, "rules": rules or {},
            "steps": [{**s, "model": "m"} for s in steps]}


# ----- class 1: an edited definition (def-loss lets only the pinned definition through) -----------------------------
FOCAL_FACTOR = ["Pow", ["Add", ["Integer", "1"], NEG(I("y", "i", "k"))], S("gamma")]
DEFINITION_EDITS = {
    "focal: the (1 - y)^gamma factor dropped": ("focal-softmax-grad", lambda r: _swap(r, FOCAL_FACTOR, ["Integer", "1"])),
    "focal: the sign flipped": ("focal-softmax-grad", lambda r: NEG(r)),
    "focal: the class weights dropped": ("focal-softmax-grad", lambda r: _swap(r, I("w", "k"), ["Integer", "1"])),
    "focal: the class weights squared": ("focal-softmax-grad", lambda r: _swap(r, I("w", "k"), ["Pow", I("w", "k"), ["Integer", "2"]])),
    "focal: gamma doubled": ("focal-softmax-grad", lambda r: _swap(r, S("gamma"), ["Mul", ["Integer", "2"], S("gamma")])),
    "hinge: the margin's sign flipped": ("hinge-grad", lambda r: _swap(r, ["Mul", ["Integer", "-1"], I("t", "i", "k"), I("z", "i", "k")],
                                                                                ["Mul", I("t", "i", "k"), I("z", "i", "k")])),
    "hinge: max(., 0) as max(., 1)": ("hinge-grad", lambda r: _swap(r, ["Integer", "0"], ["Integer", "1"])),
    "hinge: without the 1/N": ("hinge-grad", lambda r: r[2]),
}


@pytest.mark.parametrize("what", sorted(DEFINITION_EDITS))
def test_an_edited_loss_definition_is_not_stated(what):
    """Caught: the premise must be the pinned rule's `to`, at whole-number sizes."""
    name, edit = DEFINITION_EDITS[what]
    document = _cert(name)
    document["steps"] = document["steps"][:1]
    document["steps"][0]["rhs"] = edit(document["steps"][0]["rhs"])
    report = _report(document)
    assert not report["ok"] and "is not the premise" in report["failure"], (what, report)


def test_the_definition_statements_themselves_are_pinned():
    """Caught: the rule's `to` edited in the certificate's rules fails the pin (SHA-256)."""
    document = _cert("focal-softmax-grad")
    rule = document["rules"]["focal_loss_definition"]
    rule["to"][1] = _swap(rule["to"][1], FOCAL_FACTOR, ["Integer", "1"])
    document["steps"][0]["rhs"] = rule["to"][1]
    document["steps"] = document["steps"][:1]
    assert "SHA-256" in _report(document)["failure"]


@pytest.mark.parametrize("declared", [{"min": 1}, {"fixed": 3}, "index"])
def test_the_name_a_loss_definition_defines_may_not_be_a_size(declared):
    """FIXED HERE (steps.check_premise).  Before: with the model declaring E a size, the premise's E was put to 3
    (or read as 3 when fixed) and "3 = (1/N) sum max(1 - t z, 0)" was *stated* under def-loss; every later step of
    hinge-grad then "proved" ∂3/∂z_ij = -t_ij H(1 - t_ij z_ij)/N, which is false (its left side is 0)."""
    document = _cert("hinge-grad")
    model = document["models"]["sign labels"]
    model["symbols"].pop("E")
    if declared == "index":  # an integer: "E = the hinge loss" would make the loss a whole number
        model["symbols"]["E"] = "index"
    else:
        model["sizes"]["E"] = declared
    if declared == {"min": 1}:
        for step in document["steps"]:
            step["lhs"] = _swap(step["lhs"], S("E"), ["Integer", "3"])
    report = _report(document)
    assert not report["ok"] and report["failure"].startswith("step 1 "), _verdicts(report)


def test_def_loss_is_cited_only_by_the_two_definitions():
    """Caught: a premise citing a rule that states no premise; a certificate listing def-loss it does not use."""
    document = _cert("hinge-grad")
    document["steps"] = document["steps"][:1]
    document["steps"][0]["rule"] = "constant_multiple"
    document["rules"]["constant_multiple"] = _cert("hinge-grad")["rules"]["constant_multiple"]
    assert "states no premise" in _report(document)["failure"]
    ce = _cert("ce")
    ce["rests_on"]["axioms"] = sorted(ce["rests_on"]["axioms"] + ["def-loss"])
    assert "rests_on" in _report(ce, listed=True)["failure"]


def test_a_loss_definition_as_a_defines_step_is_only_its_own_equation():
    """Not unsound, noted: `defines` with focal_loss_definition is accepted (the exact equation only) but attributed
    to def-sequence, not def-loss.  An edited right side is refused as for a premise."""
    document = _cert("focal-softmax-grad")
    document["steps"] = document["steps"][:1]
    document["steps"][0]["check"] = "defines"
    assert _report(document)["steps"][0]["verdict"] == "stated"
    document["steps"][0]["rhs"] = NEG(document["steps"][0]["rhs"])
    assert _report(document)["steps"][0]["verdict"] == "given"  # the user's starting point, never "stated"


# ----- class 2: restrictions -------------------------------------------------------------------------------------------
def _kink_step(document):
    return next(s for s in document["steps"] if s.get("rule") == "derivative_of_positive_part")


def test_the_restriction_cannot_be_dropped_by_writing_the_kink_step_as_an_equal_step():
    """FIXED HERE (zero.normal: a derivative of max, min, |.| or H is not carried out by SymPy).  Before: the step
    ∂ max(1 - t z, 0) = H(1 - t z) ∂(1 - t z) written as `equal` was "proved" (SymPy's diff, H(0) = 1/2), and the
    hinge gradient passed with every step proved, resting on no kink axiom and carrying no restriction."""
    document = _cert("hinge-grad")
    step = _kink_step(document)
    for key in ("match", "location", "conditions"):
        step.pop(key)
    step.update(check="equal", rule="algebraic_simplification")
    report = _report(document)
    n = document["steps"].index(step)
    assert report["steps"][n]["verdict"] != "proved", report["steps"][n]


HALF, ONE, ZERO = ["Rational", "1", "2"], ["Integer", "1"], ["Integer", "0"]
HEAVISIDE_IDENTITIES = {  # each true away from 0, and at 0 true in some conventions H(0) only
    "H^2 = H, H(0) = 1/2 (false at 0)": (["Pow", ["Heaviside", S("x"), HALF], ["Integer", "2"]], ["Heaviside", S("x"), HALF]),
    "H^2 = H, H(0) = 1": (["Pow", ["Heaviside", S("x"), ONE], ["Integer", "2"]], ["Heaviside", S("x"), ONE]),
    "H(x) + H(-x) = 1, H(0) = 1 (false at 0)": (["Add", ["Heaviside", S("x"), ONE], ["Heaviside", NEG(S("x")), ONE]], ONE),
    "H(x) + H(-x) = 1, H(0) = 0 (false at 0)": (["Add", ["Heaviside", S("x"), ZERO], ["Heaviside", NEG(S("x")), ZERO]], ONE),
    "H(x^2) = 1 (false at 0)": (["Heaviside", ["Pow", S("x"), ["Integer", "2"]], HALF], ONE),
    "H(x, 0) = H(x, 1) (false at 0)": (["Heaviside", S("x"), ZERO], ["Heaviside", S("x"), ONE]),
}


@pytest.mark.parametrize("what", sorted(HEAVISIDE_IDENTITIES))
def test_no_identity_resting_on_the_value_of_h_at_0_is_proved(what):
    """Caught: each is at most checked numerically (random points miss x = 0), never proved for every x."""
    before, after = HEAVISIDE_IDENTITIES[what]
    report = _report(_mini([{"check": "given", "lhs": S("E"), "rhs": before},
                            {"check": "equal", "rule": "r", "lhs": S("E"), "rhs": after}]))
    assert report["steps"][-1]["verdict"] != "proved", (what, report["steps"])


@pytest.mark.parametrize("value_at_0", [["Integer", "0"], ["Rational", "1", "2"], ["Integer", "1"]])
def test_the_derivative_of_max_at_its_kink_is_proved_in_no_heaviside_convention(value_at_0):
    """FIXED HERE.  Before: d/dx max(x, 0) = H(x) with H(0) = 1/2 was "proved" for every real x (x = 0 included,
    where max(x, 0) has no derivative); with H(0) = 0 or 1 it was "checked numerically"."""
    x = S("x")
    document = _mini([{"check": "given", "lhs": S("E"), "rhs": ["Derivative", ["Max", x, ["Integer", "0"]], x]},
                      {"check": "equal", "rule": "r", "lhs": S("E"), "rhs": ["Heaviside", x, value_at_0]}])
    report = _report(document)
    assert report["ok"] and _verdicts(report) == ["given", "numeric"], report


def test_a_user_rule_carrying_the_restriction_is_not_proved_at_the_kink():
    """FIXED HERE.  A user's rule (no pin: a theorem the checker must prove) may list the restriction, but it proves
    nothing: its statement must hold everywhere.  Before, the theorem d max(a, 0) = H(a) da was "proved"."""
    rule = {"name": "my_kink", "wilds": ["a", "x"], "conditions": ["a != 0 (not at the kink)"], "requires": [],
            "lhs": ["Derivative", ["Max", ["Wild", "a"], ["Integer", "0"]], ["Wild", "x"]],
            "rhs": ["Mul", ["Heaviside", ["Wild", "a"], ["Rational", "1", "2"]], ["Derivative", ["Wild", "a"], ["Wild", "x"]]]}
    x = S("x")
    document = _mini([{"check": "given", "lhs": S("E"), "rhs": ["Derivative", ["Max", x, ["Integer", "0"]], x]},
                      {"check": "rewrite", "rule": "my_kink", "lhs": S("E"),
                       "rhs": ["Mul", ["Heaviside", x, ["Rational", "1", "2"]], ["Derivative", x, x]],
                       "match": {"a": x, "x": x}, "conditions": [{"text": "a != 0 (not at the kink)",
                                                                  "how": "a restriction the result carries, not proved"}]}],
                     rules={"my_kink": rule})
    report = _report(document)
    assert report["ok"] and report["steps"][1]["verdict"] == "numeric", report


@pytest.mark.parametrize("how", [None, "a convention of every model", "declared in the model"])
def test_a_step_cannot_omit_or_rename_its_restriction(how):
    """Caught: a step's conditions, each with how it is discharged, must be the rule's."""
    document = _cert("hinge-grad")
    step = _kink_step(document)
    step["conditions"] = [] if how is None else [{"text": "a != 0 (not at the kink)", "how": how}]
    assert "its conditions" in _report(document)["failure"]


def test_a_restriction_cannot_be_attached_to_another_pinned_rule():
    """Caught: conditions are part of the pinned statement."""
    document = _cert("hinge-grad")
    document["rules"]["constant_multiple"]["conditions"].append("a != 0 (not at the kink)")
    assert "SHA-256" in _report(document)["failure"]


def test_a_restriction_wrong_away_from_the_kink_is_refused():
    """Caught: the kink step's right side edited (H(-a) for H(a)): its rule replayed gives another right side."""
    document = _cert("hinge-grad")
    step = _kink_step(document)
    n = document["steps"].index(step)
    document["steps"] = document["steps"][:n + 1]
    a = step["match"]["a"]
    step["rhs"] = _swap(step["rhs"], ["Heaviside", a, ["Rational", "1", "2"]], ["Heaviside", NEG(a), ["Rational", "1", "2"]])
    assert not _report(document)["ok"]


def test_a_derived_step_citing_hinge_grad_carries_its_restriction():
    """FIXED HERE (steps.check_derived).  Before: the step citing hinge-grad was "proved" with no conditions: the
    restriction of the derivation it cites was lost."""
    hinge = _cert("hinge-grad")
    last = hinge["steps"][-1]
    document = {"schema": hinge["schema"], "name": "outer", "models": hinge["models"], "rules": {},
                "steps": [{"check": "derived", "rule": "hinge-grad", "model": "sign labels", "lhs": last["lhs"],
                           "rhs": last["rhs"], "derivation": hinge}]}
    step = _report(document)["steps"][0]
    assert step["verdict"] == "proved" and step["conditions"] == ["a restriction the result carries, not proved"]


def test_derive_verify_says_which_step_carries_a_restriction(tmp_path):
    """FIXED HERE (derive/verify_report.py).  Before: `derive verify` printed the kink step as "proved for every size"
    (only the JSON report had the restriction, in the step's conditions)."""
    path = tmp_path / "hinge.json"
    path.write_text(_original("hinge-grad"), encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["verify", str(path)]) == 0
    line = next(line for line in out.getvalue().splitlines() if "derivative_of_positive_part" in line)
    assert "a restriction the result carries, not proved" in line, line


# ----- class 3: the softmax Jacobian in any row ----------------------------------------------------------------------
def _y(a, b):
    return I("y", a, b)


JACOBIANS = {  # ∂y_mk/∂z_ij as a `local` step puts it; the true one is δ_im y_mk (δ_jk - y_mj)
    "without delta_im (true only when the rows coincide)": (False, ["Mul", ["Add", NEG(_y("m", "j")), DELTA("j", "k")], _y("m", "k")]),
    "delta_jm for delta_im": (False, ["Mul", ["Add", NEG(_y("m", "j")), DELTA("j", "k")], _y("m", "k"), DELTA("j", "m")]),
    "the sign flipped": (False, NEG(["Mul", ["Add", NEG(_y("m", "j")), DELTA("j", "k")], _y("m", "k"), DELTA("i", "m")])),
    "deltas crossed": (False, ["Mul", ["Add", NEG(_y("m", "j")), DELTA("i", "k")], _y("m", "k"), DELTA("j", "m")]),
    "y_ij for y_mj (true: delta_im)": (True, ["Mul", ["Add", NEG(_y("i", "j")), DELTA("j", "k")], _y("m", "k"), DELTA("i", "m")]),
    "y_ik for y_mk (true: delta_im)": (True, ["Mul", ["Add", NEG(_y("m", "j")), DELTA("j", "k")], _y("i", "k"), DELTA("i", "m")]),
}


@pytest.mark.parametrize("what", sorted(JACOBIANS))
def test_the_any_row_softmax_jacobian_edited(what):
    """Caught: a false Jacobian is refused at a random point (sizes from 1, so N = 1 and i = m are drawn, and N = 2);
    a true rewriting is accepted (at worst numerically)."""
    true, new = JACOBIANS[what]
    document = _cert("focal-softmax-grad")
    n = next(k for k, s in enumerate(document["steps"]) if s.get("rule") == "softmax_derivative_in_any_row")
    document["steps"] = document["steps"][:n + 1]
    step = document["steps"][n]
    step["definitions"][0][1] = new
    tree = copy.deepcopy(document["steps"][n - 1]["rhs"])
    node = tree
    for position in step["location"][:-1]:
        node = node[position + 1]
    node[step["location"][-1] + 1] = new
    step["rhs"] = tree
    report = _report(document)
    assert report["ok"] == true, (what, report["failure"])


def test_the_any_row_jacobian_is_refused_where_the_model_is_not_softmax():
    """Caught: the same certificate with the model's link made a sigmoid."""
    document = _cert("focal-softmax-grad")
    document["models"]["categorical:softmax"]["link"]["kind"] = "sigmoid"
    assert not _report(document)["ok"]


# ----- class 4: the hash seed ------------------------------------------------------------------------------------------
def test_verdicts_do_not_depend_on_the_hash_seed(tmp_path):
    """Caught (nothing depends on it): `derive verify --format json` gives the same report under two hash seeds."""
    path = tmp_path / "hinge.json"
    path.write_text(_original("hinge-grad"), encoding="utf-8")
    outputs = []
    for seed in ("0", "1"):
        environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        done = subprocess.run([sys.executable, "-m", "derive.cli", "verify", "--format", "json", str(path)], capture_output=True,
                              text=True, env={**environment, "PYTHONHASHSEED": seed}, timeout=600)
        outputs.append((done.returncode, done.stdout))
    assert outputs[0] == outputs[1] and outputs[0][0] == 0


# ----- class 5: the checker's data (axioms.json) -----------------------------------------------------------------------
def test_the_new_axioms_statements_say_what_the_rules_do():
    """Noted: an axiom's LaTeX statement in axioms.json is pinned by nothing (it is words for the reader; what the
    checker trusts is each rule's pin and the axiom it maps to).  So that an edit of these statements is at least
    seen, this test pins their content: the kink excluded, the focal factor and weights, the hinge's margin."""
    by_id = {a["id"]: a for a in checker_axioms.table()["axioms"]}
    assert "\\neq 0" in by_id["derivative-positive-part"]["statement"]
    assert by_id["derivative-positive-part"]["rules"] == ["derivative_of_positive_part"]
    loss = by_id["def-loss"]["statement"]
    assert "(1 - y_{ik})^{\\gamma}" in loss and "w_{k}" in loss and "\\max(1 - t_{ik} z_{ik}, 0)" in loss
    assert sorted(by_id["def-loss"]["rules"]) == ["focal_loss_definition", "hinge_loss_definition"]
    table = checker_axioms.table()
    assert table["rules"]["focal_loss_definition"][1] == table["rules"]["hinge_loss_definition"][1] == "def-loss"
    assert table["conditions"]["restrictions"] == ["a != 0 (not at the kink)"]
    assert "a != 0 (not at the kink)" not in table["conditions"]["declared"]  # a restriction is never a convention


def test_an_edited_pin_or_restriction_list_refuses_the_hinge(monkeypatch):
    """Caught: the kink rule's pin edited makes its statement unknown; the restriction taken off the list leaves its
    condition one the checker cannot discharge."""
    original = copy.deepcopy(checker_axioms.table())
    pinned = copy.deepcopy(original)
    pinned["rules"]["derivative_of_positive_part"][0] = "0" * 64
    monkeypatch.setattr(checker_axioms, "table", lambda: pinned)
    assert "SHA-256" in _report(_cert("hinge-grad"))["failure"]
    listed = copy.deepcopy(original)
    listed["conditions"]["restrictions"] = []
    monkeypatch.setattr(checker_axioms, "table", lambda: listed)
    assert "not one the checker can discharge" in _report(_cert("hinge-grad"))["failure"]


def test_derive_show_s_verification_line_names_the_restriction():
    """FIXED HERE (derive/printing/words.py).  Before: `derive show hinge-grad` said of the line holding the kink step
    only "each of its 10 steps proved for every size" (the restriction was in the step's text alone)."""
    for lang, words in (("en", "where a restriction holds"), ("ja", "制約が成り立つところで")):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            main(["show", "hinge-grad", "--lang", lang])
        assert any("✓" in line and words in line for line in out.getvalue().splitlines()), out.getvalue()

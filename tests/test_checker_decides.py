"""The checker alone decides a ✓: the engine proposes steps, :mod:`derive_checker` disposes.

Every verdict a derivation shows is the checker's verdict on its certificate (the engine's own
verifier, ``derive.verification``, cannot even be imported while derivations are made); a step the
checker refuses refuses the derivation; a step it cannot prove is shown as checked numerically,
never as proved, whatever the engine thinks of it."""
import json
import subprocess
import sys

import pytest

import derive_checker.certificate as checker_certificate
import derive_checker.rules as checker_rules
import derive_checker.steps as checker_steps
import derive_checker.zero as checker_zero
from derive import api
from derive.cli import main
from derive.errors import VerificationError
from derive.steps import STATED
from derive_checker.zero import Refused
from tools import ROOT

METHOD = {"proved": "symbolic", "numeric": "numeric", "stated": "symbolic", "given": "no"}

SHOWN = """
import json, sys
sys.modules["derive.verification"] = None  # the engine's verifier: importing it now fails
from derive import api
from derive.certificate import certificate
from derive_checker.certificate import check_certificate
made = [api.get(name) for name in ("ce", "bce-sigmoid-grad", "softmax-hessian", "ema-bias-correction", "dice-mle")]
made.append(api.gradient(r"-\\sum_{c=1}^{C} q_{c} \\log p_{c}", "p_{j}"))
made.append(api.cross_entropy(classes=4))
out = []
for d in made:
    report = check_certificate(json.loads(json.dumps(certificate(d))))
    out.append({"name": d.name, "ok": report["ok"], "shown": [s.verification.method for s in d.steps],
                "checker": [v["verdict"] for v in report["steps"]], "points": [s.verification.points for s in d.steps],
                "checker_points": [v.get("points", 0) for v in report["steps"]]})
print(json.dumps(out))
"""


def test_every_verdict_shown_is_the_checkers_and_the_engines_verifier_is_never_imported():
    done = subprocess.run([sys.executable, "-c", SHOWN], capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout)
    assert len(results) == 7
    for result in results:
        assert result["ok"], result["name"]
        assert result["shown"] == [METHOD[v] for v in result["checker"]], result["name"]
        assert result["points"] == result["checker_points"], result["name"]
    # the checker proves some steps and only checks others numerically: both kinds are shown as it says
    verdicts = {v for result in results for v in result["checker"]}
    assert {"proved", "numeric", "stated"} <= verdicts


@pytest.fixture
def fresh_checker(monkeypatch):
    """The checker's memo of reports emptied, so each derivation below is checked afresh."""
    monkeypatch.setattr(checker_certificate, "DONE", {})
    return monkeypatch


def test_a_step_the_checker_refuses_refuses_the_derivation_whatever_the_engine_thinks(fresh_checker):
    def refuse(ctx):
        raise Refused("a refusal planted in the checker")
    fresh_checker.setitem(checker_steps.KINDS, "rewrite", refuse)
    with pytest.raises(VerificationError, match="a refusal planted in the checker"):
        api.cross_entropy(classes=5)
    with pytest.raises(VerificationError, match="a refusal planted in the checker"):
        api.gradient(r"\sum_{k=1}^{K} a_{k} \log b_{k}", "b_{m}")


def test_the_cli_reports_the_checkers_refusal_in_one_line(fresh_checker, capsys):
    def refuse(ctx):
        raise Refused("a refusal planted in the checker")
    fresh_checker.setitem(checker_steps.KINDS, "local", refuse)
    code = main(["grad", r"\sum_{k=1}^{K} a_{k} \log b_{k}", "--wrt", "b_{m}"])
    err = capsys.readouterr().err
    assert code == 2
    assert "a refusal planted in the checker" in err and len(err.strip().splitlines()) == 1


def test_a_step_the_checker_cannot_prove_is_shown_as_numeric_never_as_proved(fresh_checker, capsys):
    for module in (checker_zero, checker_rules, checker_steps):
        fresh_checker.setattr(module, "proves", lambda *args, **kwargs: False)
    for derivation in (api.cross_entropy(classes=6), api.gradient(r"\sum_{k=1}^{K} a_{k} \log b_{k}", "b_{m}")):
        shown_proved = [s for s in derivation.steps if s.verification.method == "symbolic"]
        # what still shows as proved needs no proof: the premise, a rule that is an axiom applied as stated, or
        # both sides differentiated, written as such (the axiom of the derivative)
        assert all(s.verification.detail == STATED or s.verification.detail.startswith("axiom ")
                   or s.check.how == "differentiated" for s in shown_proved)
        numeric = [s for s in derivation.steps if s.verification.method == "numeric"]
        assert len(numeric) >= 2
        text = str(derivation)
        assert "≈" in text
        assert all(f"by the rule {s.rule}" not in text for s in numeric)


def test_a_theorem_proved_once_proves_no_other_statement_of_the_same_name():
    """The checker remembers theorems it proved by their statement, never by their name alone: a true
    rule proved first does not prove a false one of that name checked later in the same process."""
    from derive.certificate import catalogue_certificate
    from derive_checker.model import Model
    document = catalogue_certificate()
    model, memo = Model(document["model"]), {}
    true = {"lhs": ["Derivative", ["tanh", ["Wild", "x"]], ["Wild", "x"]],
            "rhs": ["Add", ["Integer", "1"], ["Mul", ["Integer", "-1"], ["Pow", ["tanh", ["Wild", "x"]], ["Integer", "2"]]]],
            "wilds": {"x": "real"}, "conditions": ["x real"]}
    false = {**true, "rhs": ["Add", ["Integer", "1"], ["Pow", ["tanh", ["Wild", "x"]], ["Integer", "2"]]]}
    for statement, verdict in ((true, "proved"), (false, "numeric"), (true, "proved")):
        _, status = checker_rules.known("a_users_tanh_rule", {"a_users_tanh_rule": statement})
        assert status == "theorem"  # a rule the catalogue lacks is never an axiom
        assert checker_rules.theorem("a_users_tanh_rule", statement, status, model, memo)["verdict"] == verdict
